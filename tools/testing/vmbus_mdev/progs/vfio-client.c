// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-client: drive a vmbus_mtty card through VFIO, from its sysfs path.
 *
 *   vfio-client SYSFSDEV test          every check below; exit 1 on a failure
 *   vfio-client SYSFSDEV roundtrip     open, send bytes, read them back
 *   vfio-client SYSFSDEV hold READYFILE [SECONDS]
 *		open the device, create READYFILE, wait for the request
 *		eventfd (a "remove" asking us to let go), then close
 *   vfio-client SYSFSDEV faults        each use of the device under the
 *		kernel's fault injection (see faults() below)
 *
 * Prints "vfio-client: ok NAME" or "vfio-client: FAIL NAME: why" per check.
 * Exit status: see vfio-client.h (the stress counts the open failures
 * by errno).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/serial_reg.h>
#include <linux/vfio.h>

#include "fail-nth.h"
#include "vfio-client.h"
#include "vfio-dev.h"

static int failures;

static void report(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("vfio-client: ok %s\n", name);
		return;
	}
	failures++;
	printf("vfio-client: FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void die(const char *what)
{
	printf("vfio-client: FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static void vdev_open(struct vdev *v, const char *sysfsdev)
{
	const char *what;
	int ret = vdev_try_open(v, sysfsdev, &what);

	if (ret) {
		printf("vfio-client: FAIL %s: %s\n", what, strerror(-ret));
		exit(-ret < 256 - VFIO_CLIENT_OPEN ? VFIO_CLIENT_OPEN - ret : 1);
	}
}

static int uart_rw(struct vdev *v, unsigned int port, unsigned int reg,
		   uint8_t *val, int write)
{
	off_t off = REGION_OFFSET(VFIO_PCI_BAR0_REGION_INDEX + port) + reg;
	ssize_t n = write ? pwrite(v->fd, val, 1, off) : pread(v->fd, val, 1, off);

	return n == 1 ? 0 : -1;
}

static void uart_out(struct vdev *v, unsigned int port, unsigned int reg,
		     uint8_t val)
{
	if (uart_rw(v, port, reg, &val, 1))
		die("UART register write");
}

static uint8_t uart_in(struct vdev *v, unsigned int port, unsigned int reg)
{
	uint8_t val;

	if (uart_rw(v, port, reg, &val, 0))
		die("UART register read");
	return val;
}

static int set_irq_eventfd(struct vdev *v, unsigned int index, int efd)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} s = {
		.set = {
			.argsz = sizeof(s), .index = index, .start = 0,
			.count = 1,
			.flags = VFIO_IRQ_SET_DATA_EVENTFD |
				 VFIO_IRQ_SET_ACTION_TRIGGER,
		},
		.fd = efd,
	};

	return ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s);
}

static int irq_none(struct vdev *v, unsigned int index, uint32_t action,
		    uint32_t count)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set), .index = index, .count = count,
		.flags = VFIO_IRQ_SET_DATA_NONE | action,
	};

	return ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &set);
}

/* 1 if @efd fires within @ms, and drain it. */
static int wait_eventfd(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t cnt;

	if (poll(&p, 1, ms) != 1)
		return 0;
	return read(efd, &cnt, sizeof(cnt)) == sizeof(cnt);
}

static void check_info(struct vdev *v)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	unsigned int i;
	int ok;

	ok = !ioctl(v->fd, VFIO_DEVICE_GET_INFO, &info);
	report(ok && (info.flags & VFIO_DEVICE_FLAGS_PCI) &&
	       (info.flags & VFIO_DEVICE_FLAGS_RESET) &&
	       info.num_regions == VFIO_PCI_NUM_REGIONS &&
	       info.num_irqs >= VFIO_PCI_REQ_IRQ_INDEX + 1, "device info",
	       "flags %#x regions %u irqs %u", info.flags, info.num_regions,
	       info.num_irqs);

	reg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	ok = !ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, &reg);
	report(ok && reg.size == 256 &&
	       reg.offset == REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX) &&
	       (reg.flags & VFIO_REGION_INFO_FLAG_READ) &&
	       (reg.flags & VFIO_REGION_INFO_FLAG_WRITE),
	       "config region info", "size %llu flags %#x",
	       (unsigned long long)reg.size, reg.flags);

	v->ports = 0;
	for (i = VFIO_PCI_BAR0_REGION_INDEX; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		reg.index = i;
		if (ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, &reg))
			break;
		if (reg.size == 8)
			v->ports++;
	}
	report(v->ports == 1 || v->ports == 2, "BAR region info",
	       "%u 8-byte BARs", v->ports);

	irq.index = VFIO_PCI_INTX_IRQ_INDEX;
	ok = !ioctl(v->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq) && irq.count == 1 &&
	     (irq.flags & VFIO_IRQ_INFO_EVENTFD);
	irq.index = VFIO_PCI_MSI_IRQ_INDEX;
	ok = ok && !ioctl(v->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq) && irq.count == 1;
	irq.index = VFIO_PCI_MSIX_IRQ_INDEX;
	ok = ok && !ioctl(v->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq) && irq.count == 0;
	report(ok, "INTx/MSI/MSI-X irq info", "unexpected irq info");

	irq.index = VFIO_PCI_REQ_IRQ_INDEX;
	ok = !ioctl(v->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq);
	report(ok && irq.count == 1 && (irq.flags & VFIO_IRQ_INFO_EVENTFD),
	       "request irq info", "count %u flags %#x", irq.count, irq.flags);
}

static uint32_t cfg32(const uint8_t *cfg, unsigned int off)
{
	return cfg[off] | cfg[off + 1] << 8 | cfg[off + 2] << 16 |
	       (uint32_t)cfg[off + 3] << 24;
}

static void check_config(struct vdev *v)
{
	off_t base = REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX);
	uint32_t bar, all = 0xffffffff;
	uint8_t cfg[256];
	int ok;

	ok = pread(v->fd, cfg, sizeof(cfg), base) == sizeof(cfg);
	report(ok && cfg32(cfg, PCI_VENDOR_ID) == 0x32534348 &&
	       cfg32(cfg, PCI_CLASS_REVISION) >> 16 == 0x0700 &&
	       cfg[PCI_INTERRUPT_PIN] == 1 &&
	       (cfg32(cfg, PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_SPACE_IO),
	       "config space read", "id %#x class %#x",
	       cfg32(cfg, 0), cfg32(cfg, PCI_CLASS_REVISION));

	/* BAR sizing, as firmware and guests do it. */
	ok = pwrite(v->fd, &all, 4, base + PCI_BASE_ADDRESS_0) == 4 &&
	     pread(v->fd, &bar, 4, base + PCI_BASE_ADDRESS_0) == 4;
	report(ok && bar == 0xfffffff9, "BAR sizing", "read back %#x", bar);
	bar = 0xc000;
	ok = pwrite(v->fd, &bar, 4, base + PCI_BASE_ADDRESS_0) == 4 &&
	     pread(v->fd, &bar, 4, base + PCI_BASE_ADDRESS_0) == 4;
	report(ok && bar == 0xc001, "BAR programming", "read back %#x", bar);
}

static void check_loopback(struct vdev *v)
{
	static const char msg[] = "hello, vmbus_mtty";
	unsigned int port, i;
	char got[sizeof(msg)];

	for (port = 0; port < v->ports; port++) {
		uart_out(v, port, UART_LCR, UART_LCR_WLEN8);
		uart_out(v, port, UART_FCR, UART_FCR_ENABLE_FIFO |
			 UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
		uart_out(v, port, UART_IER, 0);
		for (i = 0; i < 16; i++)
			uart_out(v, port, UART_TX, msg[i]);
		for (i = 0; i < 16 && (uart_in(v, port, UART_LSR) & UART_LSR_DR); i++)
			got[i] = uart_in(v, port, UART_RX);
		report(i == 16 && !memcmp(got, msg, 16) &&
		       !(uart_in(v, port, UART_LSR) & UART_LSR_DR),
		       port ? "UART loopback port 1" : "UART loopback port 0",
		       "read back %u bytes", i);
	}
	/* A 17th byte overruns the 16-byte FIFO, as on a 16550A. */
	for (i = 0; i < 17; i++)
		uart_out(v, 0, UART_TX, 'x');
	report(uart_in(v, 0, UART_LSR) & UART_LSR_OE, "UART overrun",
	       "LSR.OE not set");
	uart_out(v, 0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
}

static void check_interrupts(struct vdev *v)
{
	int efd = eventfd(0, EFD_NONBLOCK);
	unsigned int i;
	uint8_t iir;

	if (efd < 0)
		die("eventfd");
	/* Interrupt at 8 bytes; fewer bytes report a character timeout. */
	uart_out(v, 0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR |
		 UART_FCR_R_TRIG_10);

	/* INTx: level-triggered, masked after each signal until unmasked. */
	report(!set_irq_eventfd(v, VFIO_PCI_INTX_IRQ_INDEX, efd),
	       "INTx eventfd set", "%s", strerror(errno));
	uart_out(v, 0, UART_IER, UART_IER_RDI);
	uart_out(v, 0, UART_TX, 'a');
	report(wait_eventfd(efd, 2000), "INTx on received data", "no interrupt");
	iir = uart_in(v, 0, UART_IIR);
	report((iir & 0x0f) == UART_IIR_RX_TIMEOUT, "IIR: timeout below trigger",
	       "IIR %#x", iir);
	report(!irq_none(v, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_UNMASK, 1) &&
	       wait_eventfd(efd, 2000), "INTx again on unmask while pending",
	       "no interrupt");
	for (i = 0; i < 7; i++)
		uart_out(v, 0, UART_TX, 'a');
	iir = uart_in(v, 0, UART_IIR);
	report((iir & 0x0f) == UART_IIR_RDI, "IIR: data at trigger level",
	       "IIR %#x", iir);
	uart_out(v, 0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	wait_eventfd(efd, 0);
	report(!irq_none(v, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_UNMASK, 1) &&
	       !wait_eventfd(efd, 200), "INTx quiet once drained",
	       "spurious interrupt");
	report(!irq_none(v, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 0),
	       "INTx disable", "%s", strerror(errno));

	/* MSI: one message per new cause. */
	report(!set_irq_eventfd(v, VFIO_PCI_MSI_IRQ_INDEX, efd),
	       "MSI eventfd set", "%s", strerror(errno));
	uart_out(v, 0, UART_TX, 'b');
	report(wait_eventfd(efd, 2000), "MSI on received data", "no interrupt");
	uart_in(v, 0, UART_RX);
	uart_out(v, 0, UART_IER, UART_IER_THRI);
	report(wait_eventfd(efd, 2000), "MSI on THR empty", "no interrupt");
	iir = uart_in(v, 0, UART_IIR);
	report((iir & 0x0f) == UART_IIR_THRI &&
	       (uart_in(v, 0, UART_IIR) & 0x0f) == UART_IIR_NO_INT,
	       "IIR read acknowledges THR empty", "IIR %#x", iir);
	uart_out(v, 0, UART_IER, 0);
	report(!irq_none(v, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 0),
	       "MSI disable", "%s", strerror(errno));

	/* The request eventfd, fired by hand (DATA_NONE, count 1). */
	report(!set_irq_eventfd(v, VFIO_PCI_REQ_IRQ_INDEX, efd) &&
	       !irq_none(v, VFIO_PCI_REQ_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 1) &&
	       wait_eventfd(efd, 2000), "request eventfd loopback", "not fired");
	report(!irq_none(v, VFIO_PCI_REQ_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 0),
	       "request eventfd disable", "%s", strerror(errno));
	close(efd);
}

/* @what fails with @err: errno must be exactly @err. */
static void expect_err(int ret, int err, const char *name)
{
	int e = errno;

	report(ret < 0 && e == err, name, "returned %d errno %d (%s), want %s",
	       ret, ret < 0 ? e : 0, ret < 0 ? strerror(e) : "none",
	       strerror(err));
}

static void check_bad_input(struct vdev *v)
{
	off_t cfg = REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX);
	off_t bar0 = REGION_OFFSET(VFIO_PCI_BAR0_REGION_INDEX);
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	struct {
		struct vfio_irq_set set;
		int32_t fd[2];
	} s;
	uint8_t buf[512];
	void *unmapped;
	int nullfd;

	expect_err(pread(v->fd, buf, 4, cfg + 256), EINVAL, "read past config end");
	expect_err(pread(v->fd, buf, 8, cfg + 252), EINVAL, "read across config end");
	expect_err(pread(v->fd, buf, 512, cfg), EINVAL, "read larger than config");
	expect_err(pwrite(v->fd, buf, 1, bar0 + 8), EINVAL, "write past BAR end");
	expect_err(pread(v->fd, buf, 2, bar0), EINVAL, "2-byte UART access");
	expect_err(pread(v->fd, buf, 2, bar0 + 1), EINVAL, "unaligned BAR access");
	expect_err(pread(v->fd, buf, 3, bar0), EINVAL, "3-byte BAR access");
	expect_err(pread(v->fd, buf, 1, REGION_OFFSET(VFIO_PCI_ROM_REGION_INDEX)),
		   EINVAL, "read of absent ROM");
	expect_err(pread(v->fd, buf, 1, REGION_OFFSET(200)), EINVAL,
		   "read of region 200");
	expect_err(pread(v->fd, buf, 1, REGION_OFFSET(VFIO_PCI_BAR5_REGION_INDEX)),
		   EINVAL, "read of absent BAR5");

	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (unmapped == MAP_FAILED)
		die("mmap");
	munmap(unmapped, 4096);
	expect_err(pread(v->fd, unmapped, 16, cfg), EFAULT,
		   "read into unmapped memory");
	expect_err(pwrite(v->fd, unmapped, 1, bar0), EFAULT,
		   "write from unmapped memory");
	expect_err(ioctl(v->fd, VFIO_DEVICE_GET_INFO, unmapped), EFAULT,
		   "GET_INFO with unmapped pointer");
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, unmapped), EFAULT,
		   "SET_IRQS with unmapped pointer");

	reg.index = 99;
	expect_err(ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, &reg), EINVAL,
		   "region info index 99");
	reg.index = 0;
	reg.argsz = 4;
	expect_err(ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, &reg), EINVAL,
		   "region info short argsz");
	irq.index = 99;
	expect_err(ioctl(v->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq), EINVAL,
		   "irq info index 99");

	memset(&s, 0, sizeof(s));
	s.set.argsz = sizeof(s);
	s.set.count = 1;
	s.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.fd[0] = -1;
	s.set.index = 99;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL, "SET_IRQS index 99");
	s.set.index = VFIO_PCI_MSIX_IRQ_INDEX;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS on absent MSI-X");
	s.set.index = VFIO_PCI_INTX_IRQ_INDEX;
	s.set.count = 2;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS count beyond vectors");
	s.set.count = 1;
	s.set.argsz = sizeof(s.set) + 2;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS payload shorter than count");
	s.set.argsz = sizeof(s);
	s.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER |
		      VFIO_IRQ_SET_ACTION_MASK;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS two actions");
	s.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_DATA_BOOL |
		      VFIO_IRQ_SET_ACTION_TRIGGER;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS two data types");
	s.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER | 0x1000;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS unknown flag");
	s.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.set.count = 0;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS eventfd with count 0");
	s.set.index = VFIO_PCI_REQ_IRQ_INDEX;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS request eventfd with count 0");
	s.set.index = VFIO_PCI_INTX_IRQ_INDEX;
	s.set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS mask with count 0");
	s.set.count = 1;
	s.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.fd[0] = -7;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS negative fd");
	s.fd[0] = 1000;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EBADF,
		   "SET_IRQS closed fd");
	nullfd = open("/dev/null", O_RDONLY);
	s.fd[0] = nullfd;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS fd that is no eventfd");
	s.set.index = VFIO_PCI_REQ_IRQ_INDEX;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS request fd that is no eventfd");
	s.set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS mask on request index");
	s.set.index = VFIO_PCI_MSI_IRQ_INDEX;
	expect_err(ioctl(v->fd, VFIO_DEVICE_SET_IRQS, &s), EINVAL,
		   "SET_IRQS mask on MSI");
	close(nullfd);

	expect_err(ioctl(v->fd, _IO(VFIO_TYPE, VFIO_BASE + 60)), ENOTTY,
		   "unknown ioctl");
}

static void check_reset(struct vdev *v)
{
	off_t base = REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX);
	uint32_t bar = 0xd000;
	int ok;

	ok = pwrite(v->fd, &bar, 4, base + PCI_BASE_ADDRESS_0) == 4;
	uart_out(v, 0, UART_SCR, 0x5a);
	ok = ok && !ioctl(v->fd, VFIO_DEVICE_RESET);
	ok = ok && pread(v->fd, &bar, 4, base + PCI_BASE_ADDRESS_0) == 4;
	report(ok && bar == PCI_BASE_ADDRESS_SPACE_IO &&
	       uart_in(v, 0, UART_SCR) == 0, "device reset",
	       "BAR0 %#x after reset", bar);
}

static int roundtrip(struct vdev *v)
{
	static const char msg[] = "vmbus_mtty";
	char got[sizeof(msg)] = "";
	unsigned int i;

	uart_out(v, 0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	for (i = 0; i < sizeof(msg) - 1; i++)
		uart_out(v, 0, UART_TX, msg[i]);
	for (i = 0; i < sizeof(msg) - 1 && (uart_in(v, 0, UART_LSR) & UART_LSR_DR); i++)
		got[i] = uart_in(v, 0, UART_RX);
	printf("vfio-client: wrote \"%s\" to port 0, read back \"%s\"\n", msg, got);
	report(!strcmp(msg, got), "round trip", "mismatch");
	return failures ? 1 : 0;
}

static int hold(struct vdev *v, const char *ready, int seconds)
{
	int efd = eventfd(0, 0), fd, got;

	if (efd < 0 || set_irq_eventfd(v, VFIO_PCI_REQ_IRQ_INDEX, efd))
		die("request eventfd");
	fd = open(ready, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		die(ready);
	close(fd);
	printf("vfio-client: holding the device\n");
	fflush(stdout);
	got = wait_eventfd(efd, seconds * 1000);
	report(got, "request received", "no request within %d s", seconds);
	fflush(stdout);
	vdev_close(v);
	printf("vfio-client: released the device\n");
	return failures > !got ? 1 : !got ? VFIO_CLIENT_NO_REQUEST : 0;
}

/*
 * faults: each use of the device below with its 1st, 2nd, ... fault
 * point failed in turn by fn_sweep() (fail-nth.h: failslab,
 * fail_page_alloc and fail_usercopy, as the test script has set them),
 * until a run reaches no armed point. A use that failed must have failed
 * with ENOMEM or EFAULT and succeed when repeated; each success is undone.
 * One result per use; its fault points and failures on a line of their
 * own. A use must have a fault point, except reset and close: neither
 * allocates nor copies, and what points they have belong to the debug
 * kernel (KASAN's stack depot, say), come and go, and must simply do no
 * harm. Each hook's context is the struct vdev.
 */
static const char *fault_dev;
static int fault_efd = -1;

static int neg_errno(int ok)
{
	return ok ? 0 : -errno;
}

static int use_open_setup(void *v)
{
	vdev_close(v);
	return 0;
}

static int use_open(void *v)
{
	const char *what;

	return vdev_try_open(v, fault_dev, &what);
}

static int use_region_info(void *ctx)
{
	struct vdev *v = ctx;
	struct vfio_region_info reg = {
		.argsz = sizeof(reg), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};

	return neg_errno(!ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, &reg));
}

static int use_config_read(void *ctx)
{
	struct vdev *v = ctx;
	uint32_t id;
	off_t off = REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX);

	return neg_errno(pread(v->fd, &id, 4, off) == 4);
}

static int use_bar_write(void *v)
{
	uint8_t val = 0x5a;

	return neg_errno(!uart_rw(v, 0, UART_SCR, &val, 1));
}

static int use_intx(void *v)
{
	return neg_errno(!set_irq_eventfd(v, VFIO_PCI_INTX_IRQ_INDEX, fault_efd));
}

static int undo_intx(void *v)
{
	return irq_none(v, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 0) ?
	       -errno : 0;
}

static int use_req(void *v)
{
	return neg_errno(!set_irq_eventfd(v, VFIO_PCI_REQ_IRQ_INDEX, fault_efd));
}

static int undo_req(void *v)
{
	return irq_none(v, VFIO_PCI_REQ_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 0) ?
	       -errno : 0;
}

static int use_reset(void *ctx)
{
	struct vdev *v = ctx;

	return neg_errno(!ioctl(v->fd, VFIO_DEVICE_RESET));
}

/* close(2) of the device fd: its release runs before close returns. */
static int use_close(void *ctx)
{
	struct vdev *v = ctx;
	int ret = neg_errno(!close(v->fd));

	v->fd = -1;
	return ret;
}

/* The device fd again: only possible if the close released it whole. */
static int undo_close(void *ctx)
{
	struct vdev *v = ctx;
	char name[PATH_MAX];

	snprintf(name, sizeof(name), "%s", fault_dev);
	v->fd = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, basename(name));
	return v->fd < 0 ? -errno : 0;
}

static const struct fn_use fault_uses[] = {
	{ .name = "open", .setup = use_open_setup, .op = use_open, .min = 1 },
	{ .name = "REGION_INFO", .op = use_region_info, .min = 1 },
	{ .name = "config read", .op = use_config_read, .min = 1 },
	{ .name = "BAR write", .op = use_bar_write, .min = 1 },
	{ .name = "SET_IRQS INTx eventfd", .op = use_intx, .undo = undo_intx,
	  .min = 1 },
	{ .name = "SET_IRQS request eventfd", .op = use_req, .undo = undo_req,
	  .min = 1 },
	{ .name = "reset", .op = use_reset },
	{ .name = "close", .op = use_close, .undo = undo_close },
};

static int faults(struct vdev *v, const char *sysfsdev)
{
	struct fn_result r;
	size_t i;

	fault_dev = sysfsdev;
	fault_efd = eventfd(0, 0);
	if (fault_efd < 0)
		die("eventfd");
	fn_prog = "vfio-client";
	fn_open();
	for (i = 0; i < ARRAY_SIZE(fault_uses); i++) {
		fn_sweep(&fault_uses[i], v, &r);
		report(!r.bad && r.points >= fault_uses[i].min, fault_uses[i].name,
		       "%ld bad, %u fault points", r.bad, r.points);
	}
	vdev_close(v);
	close(fault_efd);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct vdev v;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: %s SYSFSDEV test|roundtrip|faults|hold READY [S]\n",
			argv[0]);
		return 2;
	}
	vdev_open(&v, argv[1]);
	if (!strcmp(argv[2], "hold") && argc >= 4)
		return hold(&v, argv[3], argc > 4 ? atoi(argv[4]) : 30);
	if (!strcmp(argv[2], "faults"))
		return faults(&v, argv[1]);
	check_info(&v);
	if (!strcmp(argv[2], "roundtrip"))
		return roundtrip(&v);
	check_config(&v);
	check_loopback(&v);
	check_interrupts(&v);
	check_bad_input(&v);
	check_reset(&v);
	vdev_close(&v);
	printf("vfio-client: %d failures\n", failures);
	return failures ? 1 : 0;
}
