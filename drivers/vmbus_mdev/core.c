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

/*
 * Runs in any task, without the device lock (bind_store(),
 * __driver_attach()), on a device that may be in device_del() while its
 * parent unregisters and the vendor frees the type: so it reads only what
 * the device owns. The driver's own @match needs the parent and runs in
 * vmbus_mdev_probe() instead.
 */
static int vmbus_mdev_match(struct device *dev, const struct device_driver *drv)
{
	struct vmbus_mdev_device *mdev = to_vmbus_mdev_device(dev);
	const struct vmbus_mdev_driver *mdrv = to_vmbus_mdev_driver(drv);
	const struct vmbus_mdev_device_id *id;
	int ret;

	/* An administrator's driver_override wins over the id table. */
	ret = device_match_driver_override(dev, drv);
	/* But not before its ADD: vmbus_mdev_attach() probes it after that. */
	if (READ_ONCE(mdev->state) == VMBUS_MDEV_CREATING)
		return 0;
	if (ret >= 0)
		return ret;

	for (id = mdrv->id_table; id && id->device_api; id++)
		if (!strcmp(id->device_api, mdev->device_api))
			return 1;
	return 0;
}

/* Runs in any task, like match, and likewise reads only the device. */
static int vmbus_mdev_uevent(const struct device *dev,
			     struct kobj_uevent_env *env)
{
	const struct vmbus_mdev_device *mdev =
		container_of_const(dev, struct vmbus_mdev_device, dev);
	int ret;

	ret = add_uevent_var(env, "MDEV_TYPE=%s", mdev->type_name);
	if (ret)
		return ret;
	return add_uevent_var(env, "MODALIAS=vmbus_mdev:%s", mdev->device_api);
}

/*
 * Runs with the device lock held, in the task that binds: the creator
 * (vmbus_mdev_attach()), a driver's registration, or a write to bind or
 * drivers_probe. The device is registered and not dead (the driver core
 * checks), so its parent and vendor are alive.
 */
static int vmbus_mdev_probe(struct device *dev)
{
	struct vmbus_mdev_device *mdev = to_vmbus_mdev_device(dev);
	struct vmbus_mdev_driver *drv = to_vmbus_mdev_driver(dev->driver);
	enum vmbus_mdev_state state = READ_ONCE(mdev->state);
	int ret;

	device_lock_assert(dev);
	/* A remover owns the device; a late bind must not start using it. */
	if (state == VMBUS_MDEV_REMOVING || state == VMBUS_MDEV_GONE)
		return -ENODEV;
	/* Every binding, driver_override's too: never another vendor's data. */
	if (drv->match && !drv->match(mdev))
		return -ENODEV;

	ret = drv->probe ? drv->probe(mdev) : 0;
	/*
	 * Only the creator's own probes count for the create: a driver
	 * registered meanwhile probes in its task, and its error is its own.
	 * "Not mine" is no error (vmbus_mdev_probe_errno()).
	 */
	if (ret && ret != -ENODEV && ret != -ENXIO &&
	    READ_ONCE(mdev->creator) == current && !mdev->probe_err)
		mdev->probe_err = ret;	/* the first real error, whatever the order */
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
