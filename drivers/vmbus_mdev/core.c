// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_mdev core: the bus that mediated devices live on.
 */
#include <linux/module.h>
#include <linux/vmbus_mdev.h>

const struct bus_type vmbus_mdev_bus_type = {
	.name = "vmbus_mdev",
};
EXPORT_SYMBOL_GPL(vmbus_mdev_bus_type);

static int __init vmbus_mdev_init(void)
{
	return bus_register(&vmbus_mdev_bus_type);
}

static void __exit vmbus_mdev_exit(void)
{
	bus_unregister(&vmbus_mdev_bus_type);
}

module_init(vmbus_mdev_init);
module_exit(vmbus_mdev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmbus_mdev: mediated device bus for VMBus devices");
