// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_mdev core: the bus that mediated devices live on, and the bus
 * drivers that bind to them through the standard driver model.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "vmbus_mdev_private.h"

#if IS_ENABLED(CONFIG_KUNIT)
/* The KUnit seam of vmbus_mdev_private.h; NULL outside of tests. */
vmbus_mdev_step_hook_t vmbus_mdev_step_hook;
EXPORT_SYMBOL_IF_KUNIT(vmbus_mdev_step_hook);
#endif

#define to_vmbus_mdev_driver(drv) \
	container_of_const(drv, struct vmbus_mdev_driver, driver)

static int vmbus_mdev_match(struct device *dev, const struct device_driver *drv)
{
	struct vmbus_mdev_device *mdev = to_vmbus_mdev_device(dev);
	const struct vmbus_mdev_driver *mdrv = to_vmbus_mdev_driver(drv);
	const struct vmbus_mdev_device_id *id;
	int ret;

	/* An administrator's driver_override wins over the id table. */
	ret = device_match_driver_override(dev, drv);
	if (ret >= 0)
		return ret;

	for (id = mdrv->id_table; id && id->device_api; id++)
		if (!strcmp(id->device_api, mdev->type->device_api))
			return mdrv->match ? mdrv->match(mdev) : 1;
	return 0;
}

static int vmbus_mdev_uevent(const struct device *dev,
			     struct kobj_uevent_env *env)
{
	const struct vmbus_mdev_device *mdev =
		container_of_const(dev, struct vmbus_mdev_device, dev);
	int ret;

	ret = add_uevent_var(env, "MDEV_TYPE=%s", kobject_name(&mdev->type->dir->kobj));
	if (ret)
		return ret;
	return add_uevent_var(env, "MODALIAS=vmbus_mdev:%s",
			      mdev->type->device_api);
}

static int vmbus_mdev_probe(struct device *dev)
{
	struct vmbus_mdev_device *mdev = to_vmbus_mdev_device(dev);
	struct vmbus_mdev_driver *drv = to_vmbus_mdev_driver(dev->driver);
	int ret;

	/* A remover owns the device; a late bind must not start using it. */
	if (READ_ONCE(mdev->state) == VMBUS_MDEV_REMOVING)
		return -ENODEV;

	ret = drv->probe ? drv->probe(mdev) : 0;
	/*
	 * A probe run by device_add() during create is synchronous (see
	 * __vmbus_mdev_register_driver()); its error fails the create.
	 */
	if (ret && READ_ONCE(mdev->state) == VMBUS_MDEV_CREATING)
		mdev->probe_err = ret;
	return ret;
}

static void vmbus_mdev_remove_dev(struct device *dev)
{
	struct vmbus_mdev_driver *drv = to_vmbus_mdev_driver(dev->driver);

	if (drv->remove)
		drv->remove(to_vmbus_mdev_device(dev));
}

const struct bus_type vmbus_mdev_bus_type = {
	.name = "vmbus_mdev",
	.match = vmbus_mdev_match,
	.uevent = vmbus_mdev_uevent,
	.probe = vmbus_mdev_probe,
	.remove = vmbus_mdev_remove_dev,
	.dev_groups = vmbus_mdev_dev_groups,
	.driver_override = true,
};
EXPORT_SYMBOL_GPL(vmbus_mdev_bus_type);

/**
 * __vmbus_mdev_register_driver() - register a bus driver for mediated devices
 * @drv: the driver, with @drv->driver.name and @drv->id_table set
 * @owner: the module that provides @drv
 *
 * Probes run synchronously, so that a driver's probe error reaches the
 * writer of "create". The driver gets the usual bind, unbind and
 * driver_override controls under /sys/bus/vmbus_mdev/drivers/.
 *
 * Return: 0 or a negative errno from driver_register().
 */
int __vmbus_mdev_register_driver(struct vmbus_mdev_driver *drv,
				 struct module *owner)
{
	drv->driver.bus = &vmbus_mdev_bus_type;
	drv->driver.owner = owner;
	drv->driver.probe_type = PROBE_FORCE_SYNCHRONOUS;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__vmbus_mdev_register_driver);

/**
 * vmbus_mdev_unregister_driver() - unregister a bus driver
 * @drv: the driver
 *
 * Every device bound to @drv is unbound first (its @remove is called).
 */
void vmbus_mdev_unregister_driver(struct vmbus_mdev_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(vmbus_mdev_unregister_driver);

static int __init vmbus_mdev_init(void)
{
	int ret;

	ret = vmbus_mdev_uuid_index_init();
	if (ret)
		return ret;
	ret = bus_register(&vmbus_mdev_bus_type);
	if (ret)
		goto err_index;
	ret = vmbus_mdev_class_init();
	if (ret)
		goto err_bus;
	ret = vmbus_mdev_cdev_init();
	if (ret)
		goto err_class;
	return 0;

err_class:
	vmbus_mdev_class_exit();
err_bus:
	bus_unregister(&vmbus_mdev_bus_type);
err_index:
	vmbus_mdev_uuid_index_exit();
	return ret;
}

static void __exit vmbus_mdev_exit(void)
{
	vmbus_mdev_cdev_exit();
	vmbus_mdev_class_exit();
	bus_unregister(&vmbus_mdev_bus_type);
	vmbus_mdev_uuid_index_exit();
}

module_init(vmbus_mdev_init);
module_exit(vmbus_mdev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmbus_mdev: mediated device bus for VMBus devices");
