// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-fuzz: a structured fuzzer of a vmbus_mtty card's VFIO device fd.
 *
 *   vfio-fuzz SYSFSDEV PORTS CALLS SEED
 *
 * Draws CALLS calls from SEED: region reads and writes at every region
 * index, offset and width around the limits, GET_INFO, GET_REGION_INFO
 * and GET_IRQ_INFO with short and long argsz and bad indexes, SET_IRQS
 * with every data and action flag combination, start and count, payloads
 * short or unmapped, and eventfds valid, -1, negative, closed or of
 * another kind; eventfds it registered are closed under the device, and
 * a second thread makes the card raise interrupts all along (received
 * data, THR empty) while the triggers change. Each result is held to the
 * rules below, written from the VFIO uapi (linux/vfio.h, the shared
 * vfio_set_irqs_validate_and_prepare()), vfio-pci's order of checks,
 * and vmbus_mdev_vfio.rst (count 0 only disables a trigger) and its card:
 * config space 256 bytes, PORTS 8-byte I/O BARs of byte-wide registers,
 * irq counts INTx 1, MSI 1, MSI-X 0, ERR 0, REQ 1. The numbers are
 * written here, not taken from the driver. A call that breaks a rule
 * prints itself and the seed that replays the main thread's sequence;
 * exit 1 then, or when a rule was never reached.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include "vfio-dev.h"

#define PAGE		4096
#define NEFD		4

/* The uapi's numbers, from linux/vfio.h's text (not its macros). */
#define MINSZ_DEVICE_INFO	16	/* up to num_irqs */
#define MINSZ_REGION_INFO	32	/* up to offset */
#define MINSZ_IRQ_INFO		16	/* up to count */
#define MINSZ_IRQ_SET		20	/* up to count */
#define NUM_REGIONS		9
#define NUM_IRQS		5
#define CONFIG_INDEX		7
#define F_DATA_NONE		1
#define F_DATA_BOOL		2
#define F_DATA_EVENTFD		4
#define F_ACTION_MASK		8
#define F_ACTION_UNMASK		16
#define F_ACTION_TRIGGER	32

static const unsigned int irq_count[NUM_IRQS] = { 1, 1, 0, 0, 1 };

static uint64_t rng;
static unsigned long long seed;
static unsigned int ports;
static int efd[NEFD], closed_fd, nullfd;
static char *rw, *ro, *hole;	/* read-write, read-only, unmapped */
static unsigned long calls, bad;
static unsigned long seen[8][4];	/* op x {0, EINVAL, EFAULT, other} */
static atomic_int stop;
static atomic_ulong irq_writes, irq_bad;

enum { OP_RW, OP_INFO, OP_REGION, OP_IRQINFO, OP_SETIRQS, OP_EFD, OP_RESET, NOPS };
static const char *const opname[] = {
	"region access", "GET_INFO", "GET_REGION_INFO", "GET_IRQ_INFO",
	"SET_IRQS", "eventfd churn", "RESET",
};

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t pick(const uint64_t *v, unsigned int n)
{
	return v[rnd() % n];
}

#define PICK(...) pick((const uint64_t[]){ __VA_ARGS__ }, \
		       sizeof((const uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t))

static void tally(int op, long ret, int err)
{
	seen[op][ret >= 0 ? 0 : err == EINVAL ? 1 : err == EFAULT ? 2 : 3]++;
}

/* @ret/@err against the set of results allowed; 0 (success) is @ok_ret. */
static void judge(int op, long ret, int err, long ok_ret, int want0, int want1,
		  const char *fmt, ...)
{
	int got = ret >= 0 ? 0 : err;
	char what[200];
	va_list ap;

	tally(op, ret, err);
	if (ret >= 0 ? (want0 == 0 || want1 == 0) && ret == ok_ret :
		       got && (got == want0 || got == want1))
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (++bad <= 20)
		printf("vfio-fuzz: FAIL call %lu (seed %llu): %s: %s: got %ld (%s), want %s%s%s\n",
		       calls, seed, opname[op], what, ret,
		       ret < 0 ? strerror(err) : "success",
		       want0 ? strerror(want0) : "success", want1 >= 0 ? " or " : "",
		       want1 > 0 ? strerror(want1) : want1 == 0 ? "success" : "");
}

/* A buffer: usable (0), unmapped (1) or read-only (2). */
static char *buffer(int *kind, size_t len)
{
	*kind = rnd() % 8 == 0 ? 1 + rnd() % 2 : 0;
	if (*kind == 1)
		return hole;
	if (*kind == 2)
		return ro;
	return rw + rnd() % (PAGE - (len < PAGE ? len : PAGE) + 1);
}

static void op_rw(struct vdev *v)
{
	uint64_t idx = PICK(0, 1, 2, 5, 6, 7, 7, 7, 8, 9, 200, rnd() % 1024);
	uint64_t off = PICK(0, 1, 3, 7, 8, 63, 252, 253, 255, 256, 4095,
			    (1ULL << 40) - 1, rnd() % 300, rnd() % 8);
	size_t len = PICK(0, 1, 1, 1, 2, 3, 4, 8, 16, 255, 256, 257, 4096);
	int write = rnd() % 2, kind, valid;
	char *buf = buffer(&kind, len);
	off_t pos = (off_t)(REGION_OFFSET(idx) + off);
	long ret;

	/* Writes to the UART: keep them to the data and scratch registers. */
	if (write && idx < ports && (off == 1 || off == 2 || off == 3 || off == 4))
		off = 7;
	pos = (off_t)(REGION_OFFSET(idx) + off);
	valid = len >= 1 && ((idx == CONFIG_INDEX && off + len <= 256) ||
			     (idx < ports && len == 1 && off < 8));
	ret = write ? pwrite(v->fd, buf, len, pos) : pread(v->fd, buf, len, pos);
	if (len == 0)
		judge(OP_RW, ret, errno, 0, 0, EINVAL, "len 0 at %llu/%llu", idx, off);
	else if (!valid)
		judge(OP_RW, ret, errno, 0, EINVAL,
		      kind == 1 || (kind == 2 && !write) ? EFAULT : -1,
		      "%s %zu at region %llu + %llu", write ? "write" : "read", len,
		      (unsigned long long)idx, (unsigned long long)off);
	else if (kind == 1 || (kind == 2 && !write))
		judge(OP_RW, ret, errno, 0, EFAULT, -1, "%s %zu at %llu + %llu, bad buffer",
		      write ? "write" : "read", len, (unsigned long long)idx,
		      (unsigned long long)off);
	else
		judge(OP_RW, ret, errno, len, 0, -1, "%s %zu at %llu + %llu",
		      write ? "write" : "read", len, (unsigned long long)idx,
		      (unsigned long long)off);
}

static void op_info(struct vdev *v, int op)
{
	uint32_t argsz = PICK(0, 4, 15, 16, 20, 24, 32, 1000, rnd());
	uint32_t index = PICK(0, 1, 4, 5, 6, 7, 8, 9, 99, 0xffffffff, rnd() % 16);
	unsigned long req = op == OP_INFO ? VFIO_DEVICE_GET_INFO :
			    op == OP_REGION ? VFIO_DEVICE_GET_REGION_INFO :
			    VFIO_DEVICE_GET_IRQ_INFO;
	uint32_t minsz = op == OP_INFO ? MINSZ_DEVICE_INFO :
			 op == OP_REGION ? MINSZ_REGION_INFO : MINSZ_IRQ_INFO;
	uint32_t limit = op == OP_REGION ? NUM_REGIONS : NUM_IRQS;
	uint32_t *w = (uint32_t *)(rw + PAGE - 64);
	int unmapped = rnd() % 10 == 0;
	long ret;

	memset(w, 0xa5, 64);
	w[0] = argsz;
	w[op == OP_INFO ? 1 : 2] = index;	/* info: flags; others: index */
	ret = ioctl(v->fd, req, unmapped ? (void *)hole : (void *)w);
	if (unmapped) {
		judge(op, ret, errno, 0, EFAULT, -1, "unmapped argument");
		return;
	}
	if (argsz < minsz || (op != OP_INFO && index >= limit)) {
		judge(op, ret, errno, 0, EINVAL, -1, "argsz %u index %u", argsz, index);
		return;
	}
	judge(op, ret, errno, 0, 0, -1, "argsz %u index %u", argsz, index);
	if (ret)
		return;
	if (op == OP_INFO && (!(w[1] & 1) || w[2] != NUM_REGIONS || w[3] != NUM_IRQS))
		judge(op, -1, EPROTO, 0, 0, -1, "flags %#x regions %u irqs %u", w[1], w[2], w[3]);
	if (op == OP_REGION) {
		uint64_t size = w[4] | (uint64_t)w[5] << 32;
		uint64_t offset = w[6] | (uint64_t)w[7] << 32;
		uint64_t want = index == CONFIG_INDEX ? 256 : index < ports ? 8 : 0;

		if (size != want || (want && offset != REGION_OFFSET(index)))
			judge(op, -1, EPROTO, 0, 0, -1, "index %u: size %llu offset %#llx",
			      index, (unsigned long long)size, (unsigned long long)offset);
	}
	if (op == OP_IRQINFO && w[3] != irq_count[index])
		judge(op, -1, EPROTO, 0, 0, -1, "index %u: count %u", index, w[3]);
}

static int popcount(uint32_t x)
{
	return __builtin_popcount(x);
}

/*
 * The result SET_IRQS must give (0 or -errno), as the uapi and the card's
 * rules say. The header's checks come first, then the payload is read
 * (EFAULT when @readable is false), then the card's own rules, in the
 * order vfio-pci has them too.
 */
static int set_irqs_rule(uint32_t argsz, uint32_t flags, uint32_t index,
			 uint32_t start, uint32_t count, int32_t fd, int readable)
{
	uint32_t data = flags & 7, action = flags & 0x38, size, max;

	if (argsz < MINSZ_IRQ_SET || index >= NUM_IRQS || (flags & ~0x3fU) ||
	    count >= UINT32_MAX - start)
		return -EINVAL;
	max = irq_count[index];
	if (start >= max || start + count > max || popcount(data) != 1 ||
	    popcount(action) != 1)
		return -EINVAL;
	size = data == F_DATA_BOOL ? 1 : data == F_DATA_EVENTFD ? 4 : 0;
	if (argsz - MINSZ_IRQ_SET < (uint64_t)count * size)
		return -EINVAL;
	/*
	 * Count 0 is only "disable the trigger" (vmbus_mdev_vfio.rst; vfio-pci
	 * also takes a few count-0 calls as no-ops, which we refuse).
	 */
	if (!count)
		return data == F_DATA_NONE && action == F_ACTION_TRIGGER ? 0 : -EINVAL;
	if (size && !readable)
		return -EFAULT;
	if (action != F_ACTION_TRIGGER &&
	    (index != 0 || data == F_DATA_EVENTFD))	/* INTx mask/unmask only */
		return -EINVAL;
	if (action == F_ACTION_TRIGGER && data == F_DATA_EVENTFD && fd != -1) {
		if (fd < -1)
			return -EINVAL;
		if (fd == closed_fd)
			return -EBADF;
		if (fd == nullfd)
			return -EINVAL;
	}
	return 0;
}

static void op_set_irqs(struct vdev *v)
{
	uint32_t flags = rnd() % 4 == 0 ? (uint32_t)rnd() & 0x7f :
			 (uint32_t)PICK(1, 2, 4) | (uint32_t)PICK(8, 16, 32, 32, 32);
	uint32_t index = PICK(0, 0, 1, 1, 2, 3, 4, 4, 5, 99);
	uint32_t start = PICK(0, 0, 0, 1, 0xffffffff);
	uint32_t count = PICK(0, 1, 1, 1, 2, 0xffffffff);
	int32_t fd = (int32_t)PICK(efd[rnd() % NEFD], efd[rnd() % NEFD], -1,
				   -2, -7, closed_fd, nullfd);
	uint32_t argsz, *w;
	int where = rnd() % 12, want;
	long ret;

	argsz = (uint32_t)PICK(MINSZ_IRQ_SET, MINSZ_IRQ_SET + 1, MINSZ_IRQ_SET + 4,
			       MINSZ_IRQ_SET + 8, 8, 0xffffffff);
	/* The header in the last bytes of a page; a payload past it unmapped. */
	w = (uint32_t *)(hole - (where == 0 ? MINSZ_IRQ_SET : 64));
	memset(w, 0, where == 0 ? MINSZ_IRQ_SET : 64);
	w[0] = argsz;
	w[1] = flags;
	w[2] = index;
	w[3] = start;
	w[4] = count;
	if (where != 0) {
		w[5] = (uint32_t)fd;
		if ((flags & 7) == F_DATA_BOOL)
			((uint8_t *)w)[20] = rnd() % 2;
	}
	ret = ioctl(v->fd, VFIO_DEVICE_SET_IRQS, where == 1 ? (void *)hole : (void *)w);
	if (where == 1) {
		judge(OP_SETIRQS, ret, errno, 0, EFAULT, -1, "unmapped argument");
		return;
	}
	want = -set_irqs_rule(argsz, flags, index, start, count, fd, where != 0);
	judge(OP_SETIRQS, ret, errno, 0, want, -1,
	      "argsz %u flags %#x index %u start %u count %u fd %d%s", argsz, flags,
	      index, start, count, fd, where == 0 ? " (payload unmapped)" : "");
}

/* Close a registered eventfd under the device, and open another. */
static void op_efd(void)
{
	int i = rnd() % NEFD;

	close(efd[i]);
	efd[i] = eventfd(0, EFD_NONBLOCK);
	tally(OP_EFD, efd[i], errno);
	if (efd[i] < 0)
		judge(OP_EFD, -1, errno, 0, 0, -1, "eventfd");
}

/* Second thread: interrupts, all along. Every access here is valid. */
static void *interrupter(void *arg)
{
	struct vdev *v = arg;
	static const uint8_t seq[][2] = {
		{ 1, 0x03 },	/* IER: received data, THR empty */
		{ 0, 'x' },	/* TX (loops back to RX) */
		{ 2, 0x07 },	/* FCR: FIFO on, both cleared */
	};
	unsigned int i = 0;

	while (!atomic_load(&stop)) {
		uint8_t val = seq[i % 3][1];
		off_t pos = (off_t)(REGION_OFFSET(0) + seq[i % 3][0]);

		if (pwrite(v->fd, &val, 1, pos) != 1 || pread(v->fd, &val, 1, pos + 3) != 1)
			atomic_fetch_add(&irq_bad, 1);
		atomic_fetch_add(&irq_writes, 1);
		i++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long n, i;
	const char *what;
	pthread_t thr;
	struct vdev v;
	int op, ret;

	if (argc != 5) {
		fprintf(stderr, "usage: vfio-fuzz SYSFSDEV PORTS CALLS SEED\n");
		return 2;
	}
	ports = atoi(argv[2]);
	n = strtoul(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	rng = seed * 2654435761ULL + 88172645463325252ULL;
	ret = vdev_try_open(&v, argv[1], &what);
	if (ret) {
		printf("vfio-fuzz: FAIL open: %s: %s\n", what, strerror(-ret));
		return 1;
	}
	/* rw: 2 pages; ro: 1 page; hole: the page after rw's, unmapped. */
	rw = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rw == MAP_FAILED)
		return 1;
	hole = rw + 2 * PAGE;
	ro = rw + 3 * PAGE;
	if (munmap(hole, PAGE) || mprotect(ro, PAGE, PROT_READ))
		return 1;
	for (i = 0; i < NEFD; i++)
		efd[i] = eventfd(0, EFD_NONBLOCK);
	/* A number far above any the churn reuses, closed: it stays closed. */
	nullfd = open("/dev/null", O_RDONLY);
	closed_fd = nullfd < 0 ? -1 : fcntl(nullfd, F_DUPFD, 900);
	if (closed_fd >= 0)
		close(closed_fd);
	/* The fds above stay as they are; churn reuses only efd[]'s numbers. */
	if (closed_fd < 0 || nullfd < 0 || pthread_create(&thr, NULL, interrupter, &v)) {
		perror("vfio-fuzz: setup (/dev/null, an fd above 900, the thread)");
		return 1;
	}
	printf("vfio-fuzz: %s, %u port(s), %lu calls, seed %llu\n", argv[1], ports, n, seed);
	for (calls = 0; calls < n; calls++) {
		op = PICK(OP_RW, OP_RW, OP_RW, OP_INFO, OP_REGION, OP_IRQINFO, OP_SETIRQS,
			  OP_SETIRQS, OP_SETIRQS, OP_SETIRQS, OP_EFD, OP_RESET);
		if (op == OP_RW)
			op_rw(&v);
		else if (op == OP_SETIRQS)
			op_set_irqs(&v);
		else if (op == OP_EFD)
			op_efd();
		else if (op == OP_RESET)
			judge(OP_RESET, ioctl(v.fd, VFIO_DEVICE_RESET), errno, 0, 0, -1, "reset");
		else
			op_info(&v, op);
	}
	atomic_store(&stop, 1);
	pthread_join(thr, NULL);
	vdev_close(&v);
	for (op = 0; op < NOPS; op++)
		printf("vfio-fuzz: %-16s 0: %lu, EINVAL: %lu, EFAULT: %lu, other: %lu\n",
		       opname[op], seen[op][0], seen[op][1], seen[op][2], seen[op][3]);
	printf("vfio-fuzz: interrupter: %lu accesses, %lu failed\n",
	       atomic_load(&irq_writes), atomic_load(&irq_bad));
	/* Each kind of call must have succeeded, and been refused, at least once. */
	for (op = 0; op < NOPS; op++)
		if (!seen[op][0] || (op != OP_EFD && op != OP_RESET &&
				     (!seen[op][1] || !seen[op][2]))) {
			printf("vfio-fuzz: FAIL %s: a result never reached\n", opname[op]);
			bad++;
		}
	if (atomic_load(&irq_bad) || !atomic_load(&irq_writes))
		bad++;
	printf("vfio-fuzz: %s: %lu calls not as the ABI says (seed %llu)\n",
	       bad ? "FAIL" : "ok", bad, seed);
	return bad ? 1 : 0;
}
