/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmbus_mdev: mediated devices carved out of VMBus (and other) parents.
 *
 * The API for vendors, which create the backing state of an instance, and
 * for bus drivers, which bind to instances through the driver model.
 */
#ifndef _LINUX_VMBUS_MDEV_H
#define _LINUX_VMBUS_MDEV_H

#include <linux/device.h>

/**
 * vmbus_mdev_bus_type - the bus every mediated device sits on
 *
 * Appears as /sys/bus/vmbus_mdev. Exported so that tests and bus drivers
 * can look devices up by name.
 */
extern const struct bus_type vmbus_mdev_bus_type;

#endif /* _LINUX_VMBUS_MDEV_H */
