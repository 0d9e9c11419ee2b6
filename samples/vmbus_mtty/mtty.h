/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmbus_mtty: a sample vmbus_mdev vendor. Each instance is a PCI card with
 * one or two 16550A UARTs whose transmitter loops back into the receiver.
 */
#ifndef _VMBUS_MTTY_H
#define _VMBUS_MTTY_H

#include <linux/mutex.h>
#include <linux/pci_regs.h>
#include <linux/types.h>

struct eventfd_ctx;
struct vmbus_mdev_device;
struct vmbus_mdev_vfio_ops;

#define MTTY_MAX_PORTS	2
#define MTTY_FIFO_SIZE	16	/* a 16550A's receive FIFO */

/* One 16550A; see uart.c. */
struct mtty_uart {
	u8 rx[MTTY_FIFO_SIZE];
	unsigned int rx_head;
	unsigned int rx_count;
	u8 ier, lcr, mcr, fcr, scr, dll, dlm;
	bool overrun;		/* a byte was lost; LSR.OE until LSR is read */
	bool thre_pending;	/* THR-empty interrupt not yet acknowledged */
};

void mtty_uart_reset(struct mtty_uart *u);
int mtty_uart_access(struct mtty_uart *u, unsigned int reg, u8 *val,
		     bool write);
bool mtty_uart_irq_pending(const struct mtty_uart *u);

/* The state of one instance, created by the vendor's create callback. */
struct mtty_state {
	struct vmbus_mdev_device *mdev;
	unsigned int nr_ports;
	struct mutex lock;	/* everything below */
	u8 cfg[PCI_CFG_SPACE_SIZE];
	u8 cfg_wmask[PCI_CFG_SPACE_SIZE];
	struct mtty_uart port[MTTY_MAX_PORTS];
	struct eventfd_ctx *intx_trigger;
	struct eventfd_ctx *msi_trigger;
	bool intx_masked;	/* signalled, waiting for the user to unmask */
	bool msi_asserted;	/* MSI is edge-triggered: one per new cause */
};

void mtty_device_reset(struct mtty_state *st);
void mtty_irqs_release(struct mtty_state *st);

extern const struct vmbus_mdev_vfio_ops mtty_vfio_ops;

#endif /* _VMBUS_MTTY_H */
