// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_mdev lifecycle: create and remove one mediated device.
 *
 * Create builds the device in a fixed order and a failure at any step
 * unwinds exactly what was done, in mirror order. Remove is that same
 * unwind run from the end. The order is documented, with diagrams, in
 * Documentation/driver-api/vmbus_mdev.rst.
 */
#include <linux/module.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "vmbus_mdev_private.h"

/*
 * Every UUID in use, under any parent. Lookup and insert are O(1) and take
 * only a bucket lock, so creates under different parents never serialise
 * on a global lock.
 */
static struct rhashtable vmbus_mdev_uuids;

static const struct rhashtable_params vmbus_mdev_uuid_params = {
	.key_len = sizeof(guid_t),
	.key_offset = offsetof(struct vmbus_mdev_device, uuid),
	.head_offset = offsetof(struct vmbus_mdev_device, hnode),
	.automatic_shrinking = true,
};

int vmbus_mdev_uuid_index_init(void)
{
	return rhashtable_init(&vmbus_mdev_uuids, &vmbus_mdev_uuid_params);
}

void vmbus_mdev_uuid_index_exit(void)
{
	/* Every parent is gone by now, so the index is empty. */
	rhashtable_destroy(&vmbus_mdev_uuids);
}

static void vmbus_mdev_release(struct device *dev)
{
	struct vmbus_mdev_device *mdev = to_vmbus_mdev_device(dev);

	/* No parent or type access here: both may be long gone. */
	kfree(mdev);
}

/* Reserve an instance of @td's type; called with the parent lock held. */
static int vmbus_mdev_get_instance(struct vmbus_mdev_type_dir *td)
{
	struct vmbus_mdev_type *type = td->type;

	if (!type->get_available && td->nr_instances >= type->max_instances)
		return -EUSERS;
	td->nr_instances++;
	return 0;
}

static void vmbus_mdev_put_instance(struct vmbus_mdev_device *mdev)
{
	struct vmbus_mdev_parent *parent = mdev->parent;

	vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_PUT_INSTANCE);
	mutex_lock(&parent->lock);
	mdev->type->dir->nr_instances--;
	mutex_unlock(&parent->lock);
}

static int vmbus_mdev_add_links(struct vmbus_mdev_device *mdev)
{
	struct vmbus_mdev_type_dir *td = mdev->type->dir;
	int ret;

	ret = vmbus_mdev_step(mdev->parent, mdev, VMBUS_MDEV_STEP_LINKS);
	if (ret)
		return ret;
	ret = sysfs_create_link(td->devices_kobj, &mdev->dev.kobj,
				dev_name(&mdev->dev));
	if (ret)
		return ret;
	ret = sysfs_create_link(&mdev->dev.kobj, &td->kobj, "mdev_type");
	if (ret)
		sysfs_remove_link(td->devices_kobj, dev_name(&mdev->dev));
	return ret;
}

static void vmbus_mdev_remove_links(struct vmbus_mdev_device *mdev)
{
	struct vmbus_mdev_type_dir *td = mdev->type->dir;

	vmbus_mdev_step(mdev->parent, mdev, VMBUS_MDEV_STEP_UNLINK);
	sysfs_remove_link(&mdev->dev.kobj, "mdev_type");
	sysfs_remove_link(td->devices_kobj, dev_name(&mdev->dev));
}

/*
 * The unwind shared by remove and by a failed create. @done is the last
 * create step that completed; everything up to it is undone in mirror
 * order. The caller has entered the parent and leaves it afterwards.
 */
static void vmbus_mdev_unwind(struct vmbus_mdev_device *mdev,
			      enum vmbus_mdev_step done)
{
	struct vmbus_mdev_parent *parent = mdev->parent;

	if (done >= VMBUS_MDEV_STEP_LINKS)
		vmbus_mdev_remove_links(mdev);
	if (done >= VMBUS_MDEV_STEP_DEVICE_ADD) {
		/* Bound drivers' remove runs here; after it nobody uses @mdev. */
		vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_DEVICE_DEL);
		device_del(&mdev->dev);
	}
	if (done >= VMBUS_MDEV_STEP_VENDOR_CREATE) {
		vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_VENDOR_REMOVE);
		parent->ops->remove(mdev);
	}
	if (done >= VMBUS_MDEV_STEP_ENTER)
		vmbus_mdev_put_instance(mdev);
	if (done >= VMBUS_MDEV_STEP_UUID) {
		/* From here on the UUID may be used again. */
		vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_PUT_UUID);
		rhashtable_remove_fast(&vmbus_mdev_uuids, &mdev->hnode,
				       vmbus_mdev_uuid_params);
	}
	vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_RELEASE);
	put_device(&mdev->dev);
}

/*
 * Enter the parent for a create: fails with -ENODEV once the parent is
 * unregistering (or its vendor module is going), with -EUSERS when the
 * type has no instance left.
 */
static int vmbus_mdev_enter_for_create(struct vmbus_mdev_device *mdev)
{
	struct vmbus_mdev_parent *parent = mdev->parent;
	int ret;

	if (!vmbus_mdev_parent_enter(parent))
		return -ENODEV;

	/* Advisory for a shared pool; the vendor's create has the last word. */
	if (mdev->type->get_available && !mdev->type->get_available(mdev->type)) {
		vmbus_mdev_parent_leave(parent);
		return -EUSERS;
	}

	mutex_lock(&parent->lock);
	ret = vmbus_mdev_get_instance(mdev->type->dir);
	mutex_unlock(&parent->lock);
	if (ret)
		vmbus_mdev_parent_leave(parent);
	return ret;
}

/**
 * vmbus_mdev_create() - create a mediated device of a type
 * @type: a type of a registered parent
 * @uuid: the new device's UUID, unused under every parent
 *
 * Runs the create sequence: reserve the UUID and an instance, enter the
 * parent, vendor create, device_add() (matching bus drivers probe), type
 * links, active, then the KOBJ_ADD uevent. Nobody can find the device on
 * the bus before the vendor has built it, and user space hears of it only
 * once every link exists. A failure at any step undoes the earlier ones
 * in mirror order and leaves the UUID and the instance free. When no bus
 * driver matches, the device is created unbound, like any device whose
 * driver is not loaded yet.
 *
 * Return: 0; -EEXIST when @uuid is in use, -EUSERS when @type has no
 * instance left, -ENODEV when the parent is unregistering, -ENOMEM, or the
 * vendor's or the bus driver's error.
 */
int vmbus_mdev_create(struct vmbus_mdev_type *type, const guid_t *uuid)
{
	struct vmbus_mdev_parent *parent = type->dir->parent;
	enum vmbus_mdev_step done = VMBUS_MDEV_STEP_ALLOC;
	struct vmbus_mdev_device *mdev;
	int ret;

	ret = vmbus_mdev_step(parent, NULL, VMBUS_MDEV_STEP_ALLOC);
	if (ret)
		return ret;
	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev)
		return -ENOMEM;
	mdev->uuid = *uuid;
	mdev->type = type;
	mdev->parent = parent;
	mdev->state = VMBUS_MDEV_CREATING;
	INIT_LIST_HEAD(&mdev->node);
	device_initialize(&mdev->dev);
	mdev->dev.bus = &vmbus_mdev_bus_type;
	mdev->dev.parent = parent->dev;
	mdev->dev.release = vmbus_mdev_release;
	ret = dev_set_name(&mdev->dev, "%pUl", uuid);
	if (ret)
		goto unwind;

	ret = vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_UUID);
	if (!ret)
		ret = rhashtable_lookup_insert_fast(&vmbus_mdev_uuids, &mdev->hnode,
						    vmbus_mdev_uuid_params);
	if (ret)
		goto unwind;
	done = VMBUS_MDEV_STEP_UUID;

	ret = vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_ENTER);
	if (!ret)
		ret = vmbus_mdev_enter_for_create(mdev);
	if (ret)
		goto unwind;
	done = VMBUS_MDEV_STEP_ENTER;

	ret = vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_VENDOR_CREATE);
	if (!ret)
		ret = parent->ops->create(mdev);
	if (ret)
		goto unwind_leave;
	done = VMBUS_MDEV_STEP_VENDOR_CREATE;

	/* KOBJ_ADD waits until the links exist; see below. */
	dev_set_uevent_suppress(&mdev->dev, true);
	ret = vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_DEVICE_ADD);
	if (!ret)
		ret = device_add(&mdev->dev);
	if (ret)
		goto unwind_leave;
	done = VMBUS_MDEV_STEP_DEVICE_ADD;

	/* A driver matched but its probe failed: the create fails with it. */
	ret = vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_PROBED);
	if (!ret && !mdev->dev.driver)
		ret = mdev->probe_err;
	if (ret)
		goto unwind_leave;

	ret = vmbus_mdev_add_links(mdev);
	if (ret)
		goto unwind_leave;

	vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_ACTIVE);
	mutex_lock(&parent->lock);
	WRITE_ONCE(mdev->state, VMBUS_MDEV_ACTIVE);
	list_add_tail(&mdev->node, &parent->children);
	mutex_unlock(&parent->lock);

	vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_UEVENT);
	dev_set_uevent_suppress(&mdev->dev, false);
	kobject_uevent(&mdev->dev.kobj, KOBJ_ADD);
	/* The bind event was suppressed with the rest; replay it in order. */
	if (mdev->dev.driver)
		kobject_uevent(&mdev->dev.kobj, KOBJ_BIND);

	vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_LEAVE);
	vmbus_mdev_parent_leave(parent);
	return 0;

unwind_leave:
	vmbus_mdev_unwind(mdev, done);
	vmbus_mdev_step(parent, NULL, VMBUS_MDEV_STEP_LEAVE);
	vmbus_mdev_parent_leave(parent);
	return ret;
unwind:
	vmbus_mdev_unwind(mdev, done);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbus_mdev_create);

/* Tear down a device that its remover owns (state REMOVING, off the list). */
static void vmbus_mdev_teardown(struct vmbus_mdev_device *mdev)
{
	vmbus_mdev_step(mdev->parent, mdev, VMBUS_MDEV_STEP_INACTIVE);
	vmbus_mdev_unwind(mdev, VMBUS_MDEV_STEP_LINKS);
}

/*
 * Make the caller the one remover of @mdev. Of concurrent removers exactly
 * one gets 0; the others get -ENODEV. A device still being created is
 * -EBUSY. On success the caller has entered the parent.
 */
static int vmbus_mdev_claim(struct vmbus_mdev_device *mdev)
{
	struct vmbus_mdev_parent *parent = mdev->parent;
	int ret = 0;

	if (!vmbus_mdev_parent_enter(parent))
		return -ENODEV;

	mutex_lock(&parent->lock);
	if (mdev->state == VMBUS_MDEV_CREATING) {
		ret = -EBUSY;
	} else if (mdev->state == VMBUS_MDEV_REMOVING) {
		ret = -ENODEV;
	} else {
		WRITE_ONCE(mdev->state, VMBUS_MDEV_REMOVING);
		list_del_init(&mdev->node);
	}
	mutex_unlock(&parent->lock);

	if (ret)
		vmbus_mdev_parent_leave(parent);
	return ret;
}

/**
 * vmbus_mdev_remove() - remove a mediated device
 * @mdev: the device; the caller holds a reference and knows the parent is
 *	still registered (vmbus_mdev_unregister_parent() has not returned),
 *	as sysfs and bus-driver callbacks do
 *
 * Runs the remove sequence, the mirror of create: inactive, links gone,
 * device_del() (bound drivers' remove runs), vendor remove, instance and
 * UUID released, the core's reference dropped. The UUID can be used again
 * as soon as this returns. It waits for the bus driver's remove only,
 * never for user space to close a file.
 *
 * Return: 0; -ENODEV when another remover got there first or the parent
 * is unregistering (which removes the device itself); -EBUSY while the
 * device is still being created.
 */
int vmbus_mdev_remove(struct vmbus_mdev_device *mdev)
{
	struct vmbus_mdev_parent *parent = mdev->parent;
	int ret;

	ret = vmbus_mdev_claim(mdev);
	if (ret)
		return ret;
	vmbus_mdev_teardown(mdev);
	vmbus_mdev_parent_leave(parent);
	return 0;
}
EXPORT_SYMBOL_GPL(vmbus_mdev_remove);

/*
 * Called by unregister once no create or user remove is in flight and none
 * can start: remove every child, newest first.
 */
void vmbus_mdev_parent_remove_children(struct vmbus_mdev_parent *parent)
{
	struct vmbus_mdev_device *mdev;

	for (;;) {
		mutex_lock(&parent->lock);
		mdev = NULL;
		if (!list_empty(&parent->children)) {
			mdev = list_last_entry(&parent->children,
					       struct vmbus_mdev_device, node);
			WRITE_ONCE(mdev->state, VMBUS_MDEV_REMOVING);
			list_del_init(&mdev->node);
		}
		mutex_unlock(&parent->lock);
		if (!mdev)
			break;
		vmbus_mdev_teardown(mdev);
	}
}

static ssize_t remove_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct vmbus_mdev_device *mdev = to_vmbus_mdev_device(dev);
	struct vmbus_mdev_parent *parent = mdev->parent;
	long val;
	int ret;

	if (kstrtol(buf, 0, &val))
		return -EINVAL;
	if (!val)
		return count;

	ret = vmbus_mdev_claim(mdev);
	if (ret)
		return ret;
	/*
	 * device_del() below removes this very file and would wait for this
	 * write to finish; take the file away from under ourselves first.
	 * We own the device now, so nobody else removes the file.
	 */
	get_device(dev);
	device_remove_file_self(dev, attr);
	vmbus_mdev_teardown(mdev);
	vmbus_mdev_parent_leave(parent);
	put_device(dev);
	return count;
}
static DEVICE_ATTR_WO(remove);

static struct attribute *vmbus_mdev_dev_attrs[] = {
	&dev_attr_remove.attr,
	NULL,
};

static const struct attribute_group vmbus_mdev_dev_group = {
	.attrs = vmbus_mdev_dev_attrs,
};

const struct attribute_group *vmbus_mdev_dev_groups[] = {
	&vmbus_mdev_dev_group,
	NULL,
};
