// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_mdev parents: register a device as a source of mediated devices,
 * and take it away again without waiting for user space.
 */
#include <linux/module.h>
#include <linux/wait_bit.h>

#include "vmbus_mdev_private.h"

/* /sys/class/vmbus_mdev_bus/<parent>, as mdev_bus is for VFIO mdev. */
static struct class_compat *vmbus_mdev_bus_class;

/*
 * Every registered parent. Registration checks it before it touches the
 * vendor's struct, so registering a live parent again (or a second parent
 * for the same device) cannot re-initialise its lock or its children.
 */
static LIST_HEAD(vmbus_mdev_parents);
static DEFINE_MUTEX(vmbus_mdev_parents_lock);

int vmbus_mdev_class_init(void)
{
	vmbus_mdev_bus_class = class_compat_register("vmbus_mdev_bus");
	return vmbus_mdev_bus_class ? 0 : -ENOMEM;
}

void vmbus_mdev_class_exit(void)
{
	class_compat_unregister(vmbus_mdev_bus_class);
}

/*
 * Count a create or user remove in flight. Fails once the parent is
 * unregistering, or when its vendor module is on its way out: the core
 * will call into that module and must keep it loaded meanwhile.
 */
bool vmbus_mdev_parent_enter(struct vmbus_mdev_parent *parent)
{
	bool live;

	mutex_lock(&parent->lock);
	live = parent->state == VMBUS_MDEV_PARENT_LIVE &&
	       try_module_get(parent->owner);
	if (live)
		atomic_inc(&parent->inflight);
	mutex_unlock(&parent->lock);
	return live;
}

/*
 * The last leave may let unregister finish and the vendor free @parent,
 * so nothing here touches @parent after the decrement: wake_up_var() uses
 * the address only as a key.
 */
void vmbus_mdev_parent_leave(struct vmbus_mdev_parent *parent)
{
	struct module *owner = parent->owner;

	if (atomic_dec_and_test(&parent->inflight))
		wake_up_var(&parent->inflight);
	module_put(owner);
}

static void vmbus_mdev_parent_uevent(struct vmbus_mdev_parent *parent,
				     const char *state)
{
	char *envp[2];

	envp[0] = (char *)state;
	envp[1] = NULL;
	kobject_uevent_env(&parent->dev->kobj, KOBJ_CHANGE, envp);
}

static bool vmbus_mdev_parent_registered(struct vmbus_mdev_parent *parent,
					 struct device *dev)
{
	struct vmbus_mdev_parent *p;

	lockdep_assert_held(&vmbus_mdev_parents_lock);
	list_for_each_entry(p, &vmbus_mdev_parents, node)
		if (p == parent || p->dev == dev)
			return true;
	return false;
}

static int vmbus_mdev_parent_init(struct vmbus_mdev_parent *parent,
				  struct device *dev,
				  const struct vmbus_mdev_vendor_ops *ops,
				  struct vmbus_mdev_type **types,
				  unsigned int nr_types, struct module *owner)
{
	unsigned int i;
	int ret;

	lockdep_assert_held(&vmbus_mdev_parents_lock);
	/* A type object serves one parent at a time. */
	for (i = 0; i < nr_types; i++)
		if (types[i]->dir)
			return -EBUSY;

	parent->dev = dev;
	parent->ops = ops;
	parent->owner = owner;
	parent->types = types;
	parent->nr_types = nr_types;
	mutex_init(&parent->lock);
	/* Not LIVE yet: a "create" written before we are done gets -ENODEV. */
	parent->state = VMBUS_MDEV_PARENT_UNREGISTERING;
	INIT_LIST_HEAD(&parent->children);
	atomic_set(&parent->inflight, 0);

	ret = class_compat_create_link(vmbus_mdev_bus_class, dev, NULL);
	if (ret)
		return ret;
	ret = vmbus_mdev_types_add(parent);
	if (ret) {
		class_compat_remove_link(vmbus_mdev_bus_class, dev, NULL);
		return ret;
	}
	list_add_tail(&parent->node, &vmbus_mdev_parents);
	/* Last: from here on children can appear. */
	mutex_lock(&parent->lock);
	parent->state = VMBUS_MDEV_PARENT_LIVE;
	mutex_unlock(&parent->lock);
	return 0;
}

/**
 * __vmbus_mdev_register_parent() - make a device a parent of mediated devices
 * @parent: the vendor's parent structure; every field is initialised here
 * @dev: the real device, for example a VMBus hv_device's device
 * @ops: vendor callbacks; @ops->name prefixes the type directories
 * @types: the types offered, which must stay valid until unregister
 * @nr_types: number of @types
 * @owner: the vendor's module, pinned while the core calls into it
 *
 * Creates <dev>/mdev_supported_types/<vendor>-<type>/ for each type, the
 * /sys/class/vmbus_mdev_bus/<dev> link, and sends a KOBJ_CHANGE uevent with
 * MDEV_STATE=registered. Nothing of an earlier registration of the same
 * device survives: the parent starts from fresh state.
 *
 * Return: 0, -EINVAL for malformed arguments, -EBUSY when @parent or
 * @dev is registered already or a type is in use by a registered parent,
 * or a negative errno from sysfs.
 */
int __vmbus_mdev_register_parent(struct vmbus_mdev_parent *parent,
				 struct device *dev,
				 const struct vmbus_mdev_vendor_ops *ops,
				 struct vmbus_mdev_type **types,
				 unsigned int nr_types, struct module *owner)
{
	int ret;

	if (!dev || !ops || !ops->name || !ops->create || !ops->remove ||
	    !types || !nr_types)
		return -EINVAL;

	mutex_lock(&vmbus_mdev_parents_lock);
	/*
	 * Refuse before touching @parent: it may be registered already, and
	 * re-initialising a live lock is the bug this API exists to prevent.
	 */
	if (vmbus_mdev_parent_registered(parent, dev))
		ret = -EBUSY;
	else
		ret = vmbus_mdev_parent_init(parent, dev, ops, types, nr_types,
					     owner);
	mutex_unlock(&vmbus_mdev_parents_lock);
	if (!ret)
		vmbus_mdev_parent_uevent(parent, "MDEV_STATE=registered");
	return ret;
}
EXPORT_SYMBOL_GPL(__vmbus_mdev_register_parent);

/**
 * vmbus_mdev_unregister_parent() - remove a parent and all its devices
 * @parent: a registered parent
 *
 * New creates fail with -ENODEV from the first moment; a user remove
 * gets -ENODEV once its device is gone. Creates and removes already
 * running finish; then the children are
 * removed newest first, each through the full remove sequence, and then
 * the types. The wait is bounded by that device work (bus drivers' and
 * the vendor's remove) and by what it waits for: a revocable node
 * (vmbus_mdev_cdev_destroy()) waits for its owner's calls in flight, never
 * for a close or for user memory; the VFIO bus driver, as every VFIO
 * driver, waits until the VFIO device's user has closed it. A child still
 * referenced otherwise (an open sysfs file, a held reference) is off the
 * bus when this returns.
 *
 * After it returns the core never touches @parent, its types or its
 * vendor callbacks again, and @parent may be freed or registered anew.
 */
void vmbus_mdev_unregister_parent(struct vmbus_mdev_parent *parent)
{
	mutex_lock(&parent->lock);
	parent->state = VMBUS_MDEV_PARENT_UNREGISTERING;
	mutex_unlock(&parent->lock);
	vmbus_mdev_step(parent, NULL, VMBUS_MDEV_STEP_UNREGISTER);

	wait_var_event(&parent->inflight, !atomic_read(&parent->inflight));
	vmbus_mdev_step(parent, NULL, VMBUS_MDEV_STEP_DRAINED);

	vmbus_mdev_parent_remove_children(parent);

	class_compat_remove_link(vmbus_mdev_bus_class, parent->dev, NULL);
	/* Waits for "create" writers still inside sysfs; they get -ENODEV. */
	vmbus_mdev_types_remove(parent);
	vmbus_mdev_step(parent, NULL, VMBUS_MDEV_STEP_TYPES_GONE);
	vmbus_mdev_parent_uevent(parent, "MDEV_STATE=unregistered");
	mutex_destroy(&parent->lock);

	mutex_lock(&vmbus_mdev_parents_lock);
	list_del(&parent->node);
	mutex_unlock(&vmbus_mdev_parents_lock);
}
EXPORT_SYMBOL_GPL(vmbus_mdev_unregister_parent);
