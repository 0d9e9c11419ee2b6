// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_mtty: the reference vmbus_mdev vendor.
 *
 * It needs no hardware: the parent is a virtual device, /sys/devices/vmbus_mtty,
 * and each instance is an emulated PCI serial card (pci.c, uart.c) that the
 * vmbus_mdev VFIO bus driver hands to user space or to a QEMU guest.
 *
 * The two types share one pool of ports, so creating a dual-port card
 * lowers "available_instances" of both types. All per-instance state is
 * allocated by create and freed by remove; the core guarantees that
 * remove runs only after the bus driver has let go of the instance.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmbus_mdev.h>

#include "mtty.h"

#define MTTY_POOL_PORTS	16

struct mtty_type {
	struct vmbus_mdev_type type;
	unsigned int ports;
	struct mtty_parent *mp;
};

struct mtty_parent {
	struct vmbus_mdev_parent parent;
	struct device *dev;
	spinlock_t pool_lock;		/* free_ports */
	unsigned int free_ports;
	struct mtty_type types[MTTY_MAX_PORTS];
	struct vmbus_mdev_type *type_list[MTTY_MAX_PORTS];
};

/* The one parent of this module, for module exit. */
static struct mtty_parent *mtty_parent;

static struct mtty_type *to_mtty_type(struct vmbus_mdev_type *type)
{
	return container_of(type, struct mtty_type, type);
}

static unsigned int mtty_available(struct vmbus_mdev_type *type)
{
	struct mtty_type *mt = to_mtty_type(type);
	unsigned int n;

	spin_lock(&mt->mp->pool_lock);
	n = mt->mp->free_ports / mt->ports;
	spin_unlock(&mt->mp->pool_lock);
	return n;
}

static int mtty_take_ports(struct mtty_parent *mp, unsigned int ports)
{
	int ret = -EUSERS;

	spin_lock(&mp->pool_lock);
	if (mp->free_ports >= ports) {
		mp->free_ports -= ports;
		ret = 0;
	}
	spin_unlock(&mp->pool_lock);
	return ret;
}

static void mtty_return_ports(struct mtty_parent *mp, unsigned int ports)
{
	spin_lock(&mp->pool_lock);
	mp->free_ports += ports;
	spin_unlock(&mp->pool_lock);
}

static int mtty_create(struct vmbus_mdev_device *mdev)
{
	struct mtty_type *mt = to_mtty_type(mdev->type);
	struct mtty_state *st;
	int ret;

	/* The core checked availability; this is the authoritative claim. */
	ret = mtty_take_ports(mt->mp, mt->ports);
	if (ret)
		return ret;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		mtty_return_ports(mt->mp, mt->ports);
		return -ENOMEM;
	}
	st->mdev = mdev;
	st->nr_ports = mt->ports;
	mutex_init(&st->lock);
	mtty_device_reset(st);
	vmbus_mdev_set_vendor_data(mdev, st);
	return 0;
}

static void mtty_remove(struct vmbus_mdev_device *mdev)
{
	struct mtty_state *st = vmbus_mdev_get_vendor_data(mdev);

	mtty_irqs_release(st);
	mtty_return_ports(to_mtty_type(mdev->type)->mp, st->nr_ports);
	mutex_destroy(&st->lock);
	kfree(st);
}

static const struct vmbus_mdev_vendor_ops mtty_vendor_ops = {
	.name	= "vmbus_mtty",
	.create	= mtty_create,
	.remove	= mtty_remove,
	.vfio	= &mtty_vfio_ops,
};

static void mtty_init_type(struct mtty_parent *mp, unsigned int i,
			   const char *sysfs_name, const char *pretty_name)
{
	struct mtty_type *mt = &mp->types[i];

	mt->type.sysfs_name = sysfs_name;
	mt->type.pretty_name = pretty_name;
	mt->type.device_api = "vfio-pci";
	mt->type.description = "16550A UARTs that loop back what they send";
	mt->type.get_available = mtty_available;
	mt->ports = i + 1;
	mt->mp = mp;
	mp->type_list[i] = &mt->type;
}

static int __init mtty_init(void)
{
	struct mtty_parent *mp;
	int ret;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL);
	if (!mp)
		return -ENOMEM;
	spin_lock_init(&mp->pool_lock);
	mp->free_ports = MTTY_POOL_PORTS;
	mtty_init_type(mp, 0, "1", "Single port serial");
	mtty_init_type(mp, 1, "2", "Dual port serial");

	mp->dev = root_device_register("vmbus_mtty");
	if (IS_ERR(mp->dev)) {
		ret = PTR_ERR(mp->dev);
		goto err_free;
	}
	ret = vmbus_mdev_register_parent(&mp->parent, mp->dev, &mtty_vendor_ops,
					 mp->type_list, ARRAY_SIZE(mp->type_list));
	if (ret)
		goto err_dev;
	mtty_parent = mp;
	return 0;

err_dev:
	root_device_unregister(mp->dev);
err_free:
	kfree(mp);
	return ret;
}

static void __exit mtty_exit(void)
{
	struct mtty_parent *mp = mtty_parent;

	/* Removes every instance, newest first, through the bus driver. */
	vmbus_mdev_unregister_parent(&mp->parent);
	root_device_unregister(mp->dev);
	kfree(mp);
}

module_init(mtty_init);
module_exit(mtty_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmbus_mtty: sample vmbus_mdev vendor of PCI serial cards");
MODULE_SOFTDEP("post: vmbus_mdev_vfio");
