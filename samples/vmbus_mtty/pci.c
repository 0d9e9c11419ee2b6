// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_mtty: the instance as a PCI serial card, described to the
 * vmbus_mdev VFIO bus driver.
 *
 * The card uses the IDs of a WCH CH352 (4348:3253), a plain 16550A card
 * that the stock 8250_pci driver knows, with class 0x0700 and one 8-byte
 * I/O BAR per port, the layout 8250_pci expects from such a card. INTx
 * and MSI are delivered through eventfds given with VFIO_DEVICE_SET_IRQS.
 */
#include <linux/eventfd.h>
#include <linux/pci_ids.h>
#include <linux/string.h>
#include <linux/vfio.h>
#include <linux/vmbus_mdev.h>

#include "mtty.h"

#define MTTY_VENDOR_ID		0x4348
#define MTTY_DEVICE_ID		0x3253
#define MTTY_CLASS		0x070002	/* serial, 16550-compatible */
#define MTTY_BAR_SIZE		8
#define MTTY_MSI_CAP		0x40

static void cfg_set(struct mtty_state *st, unsigned int off, u32 val,
		    u32 wmask, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		st->cfg[off + i] = val >> (8 * i);
		st->cfg_wmask[off + i] = wmask >> (8 * i);
	}
}

static u32 cfg_get(const struct mtty_state *st, unsigned int off,
		   unsigned int len)
{
	u32 val = 0;
	unsigned int i;

	for (i = 0; i < len; i++)
		val |= st->cfg[off + i] << (8 * i);
	return val;
}

/*
 * Config space as a device comes out of reset. The write masks make BAR
 * sizing work by themselves: writing all ones to a BAR reads back the
 * size mask, because only the address bits above the size stick.
 */
static void mtty_cfg_reset(struct mtty_state *st)
{
	unsigned int i;

	memset(st->cfg, 0, sizeof(st->cfg));
	memset(st->cfg_wmask, 0, sizeof(st->cfg_wmask));

	cfg_set(st, PCI_VENDOR_ID, MTTY_VENDOR_ID, 0, 2);
	cfg_set(st, PCI_DEVICE_ID, MTTY_DEVICE_ID, 0, 2);
	cfg_set(st, PCI_COMMAND, 0, PCI_COMMAND_IO | PCI_COMMAND_MASTER |
		PCI_COMMAND_INTX_DISABLE, 2);
	cfg_set(st, PCI_STATUS, PCI_STATUS_CAP_LIST, 0, 2);
	cfg_set(st, PCI_CLASS_REVISION, MTTY_CLASS << 8 | 0x10, 0, 4);
	for (i = 0; i < st->nr_ports; i++)
		cfg_set(st, PCI_BASE_ADDRESS_0 + 4 * i,
			PCI_BASE_ADDRESS_SPACE_IO, ~(MTTY_BAR_SIZE - 1), 4);
	cfg_set(st, PCI_SUBSYSTEM_VENDOR_ID, MTTY_VENDOR_ID, 0, 2);
	cfg_set(st, PCI_SUBSYSTEM_ID, MTTY_DEVICE_ID, 0, 2);
	cfg_set(st, PCI_CAPABILITY_LIST, MTTY_MSI_CAP, 0, 1);
	cfg_set(st, PCI_INTERRUPT_LINE, 0, 0xff, 1);
	cfg_set(st, PCI_INTERRUPT_PIN, 1, 0, 1);	/* INTA# */

	/* MSI, one vector, 64-bit address. */
	cfg_set(st, MTTY_MSI_CAP + PCI_CAP_LIST_ID, PCI_CAP_ID_MSI, 0, 1);
	cfg_set(st, MTTY_MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT,
		PCI_MSI_FLAGS_ENABLE, 2);
	cfg_set(st, MTTY_MSI_CAP + PCI_MSI_ADDRESS_LO, 0, ~3u, 4);
	cfg_set(st, MTTY_MSI_CAP + PCI_MSI_ADDRESS_HI, 0, ~0u, 4);
	cfg_set(st, MTTY_MSI_CAP + PCI_MSI_DATA_64, 0, 0xffff, 2);
}

/*
 * Deliver the card's interrupt state. INTx is level-triggered and follows
 * vfio-pci: signalling masks it until the user unmasks, and an unmask
 * while the line is still up signals again. MSI fires once per new cause.
 */
static void mtty_update_irq(struct mtty_state *st)
{
	bool pending = false;
	unsigned int i;

	for (i = 0; i < st->nr_ports; i++)
		pending |= mtty_uart_irq_pending(&st->port[i]);

	if (!pending) {
		st->msi_asserted = false;
		return;
	}
	if (st->msi_trigger) {
		if (!st->msi_asserted)
			eventfd_signal(st->msi_trigger);
		st->msi_asserted = true;
	} else if (st->intx_trigger && !st->intx_masked &&
		   !(cfg_get(st, PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE)) {
		st->intx_masked = true;
		eventfd_signal(st->intx_trigger);
	}
}

static void mtty_set_trigger(struct eventfd_ctx **slot,
			     struct eventfd_ctx *trigger)
{
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = trigger;
}

/* Drop every eventfd: the user closed the device, or it is going away. */
void mtty_irqs_release(struct mtty_state *st)
{
	mutex_lock(&st->lock);
	mtty_set_trigger(&st->intx_trigger, NULL);
	mtty_set_trigger(&st->msi_trigger, NULL);
	mutex_unlock(&st->lock);
}

void mtty_device_reset(struct mtty_state *st)
{
	unsigned int i;

	mutex_lock(&st->lock);
	mtty_cfg_reset(st);
	for (i = 0; i < st->nr_ports; i++)
		mtty_uart_reset(&st->port[i]);
	st->intx_masked = false;
	st->msi_asserted = false;
	mutex_unlock(&st->lock);
}

static int mtty_region_info(struct vmbus_mdev_device *mdev, unsigned int index,
			    u64 *size, u32 *flags)
{
	struct mtty_state *st = vmbus_mdev_get_vendor_data(mdev);

	if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		*size = PCI_CFG_SPACE_SIZE;
	else if (index < st->nr_ports)	/* BAR n is port n */
		*size = MTTY_BAR_SIZE;
	else
		return 0;	/* not implemented: size 0 */
	*flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	return 0;
}

static void mtty_cfg_write(struct mtty_state *st, unsigned int off,
			   const u8 *buf, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		u8 m = st->cfg_wmask[off + i];

		st->cfg[off + i] = (st->cfg[off + i] & ~m) | (buf[i] & m);
	}
}

static int mtty_access(struct vmbus_mdev_device *mdev, unsigned int index,
		       u64 offset, void *buf, unsigned int len, bool write)
{
	struct mtty_state *st = vmbus_mdev_get_vendor_data(mdev);
	int ret = 0;

	mutex_lock(&st->lock);
	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		if (write)
			mtty_cfg_write(st, offset, buf, len);
		else
			memcpy(buf, &st->cfg[offset], len);
	} else if (len != 1) {
		ret = -EINVAL;	/* UART registers are byte-wide */
	} else {
		ret = mtty_uart_access(&st->port[index], offset, buf, write);
	}
	/* Any access may raise or clear a cause, or re-enable INTx. */
	mtty_update_irq(st);
	mutex_unlock(&st->lock);
	return ret;
}

static int mtty_irq_info(struct vmbus_mdev_device *mdev, unsigned int index,
			 u32 *count, u32 *flags)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		*count = 1;
		*flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			 VFIO_IRQ_INFO_AUTOMASKED;
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
		*count = 1;
		*flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
		break;
	default:
		*count = 0;	/* no MSI-X, no error interrupt */
		*flags = 0;
	}
	return 0;
}

/* ACTION_TRIGGER: install, remove or (loopback test) fire an eventfd. */
static int mtty_set_trigger_action(struct mtty_state *st,
				   struct eventfd_ctx **slot, u32 flags,
				   unsigned int count, void *data)
{
	struct eventfd_ctx *trigger;
	s32 fd;

	switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_EVENTFD:
		fd = *(s32 *)data;
		if (fd == -1) {
			mtty_set_trigger(slot, NULL);
			return 0;
		}
		if (fd < 0)
			return -EINVAL;
		trigger = eventfd_ctx_fdget(fd);
		if (IS_ERR(trigger))
			return PTR_ERR(trigger);
		mtty_set_trigger(slot, trigger);
		st->intx_masked = false;
		st->msi_asserted = false;
		return 0;
	case VFIO_IRQ_SET_DATA_NONE:
		if (!count) {
			mtty_set_trigger(slot, NULL);
			return 0;
		}
		if (*slot)
			eventfd_signal(*slot);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (count && *(u8 *)data && *slot)
			eventfd_signal(*slot);
		return 0;
	}
	return -EINVAL;
}

static int mtty_set_irqs(struct vmbus_mdev_device *mdev, u32 flags,
			 unsigned int index, unsigned int start,
			 unsigned int count, void *data)
{
	struct mtty_state *st = vmbus_mdev_get_vendor_data(mdev);
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	bool set = !count || !(flags & VFIO_IRQ_SET_DATA_BOOL) || *(u8 *)data;
	int ret = 0;

	mutex_lock(&st->lock);
	if (index == VFIO_PCI_INTX_IRQ_INDEX && action == VFIO_IRQ_SET_ACTION_MASK) {
		if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
			ret = -EINVAL;	/* no mask-by-eventfd */
		else if (set)
			st->intx_masked = true;
	} else if (index == VFIO_PCI_INTX_IRQ_INDEX &&
		   action == VFIO_IRQ_SET_ACTION_UNMASK) {
		if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
			ret = -EINVAL;
		else if (set)
			st->intx_masked = false;
	} else if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
		ret = mtty_set_trigger_action(st, index == VFIO_PCI_MSI_IRQ_INDEX ?
					      &st->msi_trigger : &st->intx_trigger,
					      flags, count, data);
	} else {
		ret = -EINVAL;
	}
	if (!ret)
		mtty_update_irq(st);
	mutex_unlock(&st->lock);
	return ret;
}

static void mtty_close(struct vmbus_mdev_device *mdev)
{
	mtty_irqs_release(vmbus_mdev_get_vendor_data(mdev));
}

static int mtty_reset(struct vmbus_mdev_device *mdev)
{
	mtty_device_reset(vmbus_mdev_get_vendor_data(mdev));
	return 0;
}

const struct vmbus_mdev_vfio_ops mtty_vfio_ops = {
	.num_regions	= VFIO_PCI_NUM_REGIONS,
	.num_irqs	= VFIO_PCI_NUM_IRQS,
	.close		= mtty_close,
	.region_info	= mtty_region_info,
	.access		= mtty_access,
	.irq_info	= mtty_irq_info,
	.set_irqs	= mtty_set_irqs,
	.reset		= mtty_reset,
};
