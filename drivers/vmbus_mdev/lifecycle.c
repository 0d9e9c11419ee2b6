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
#include <linux/wait_bit.h>

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
	kfree_const(mdev->device_api);
	kfree(mdev->type_name);
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
	/*
	 * Pairs with wait_var_event() in vmbus_mdev_wait_gone(): the full
	 * barrier orders the store before wake_up_var()'s lockless check
	 * for waiters, so a remover that lost to us cannot sleep on.
	 */
	smp_store_mb(mdev->state, VMBUS_MDEV_GONE);
	wake_up_var(&mdev->state);
	vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_RELEASE);
	/* Pairs with device_initialize() in vmbus_mdev_alloc(). */
	put_device(&mdev->dev);
}

/*
 * A remover that lost returns only once the winner is done: the UUID and
 * the instance are free then. Waits on device work only (bus drivers' and
 * the vendor's remove); the caller holds a reference to @mdev.
 */
static void vmbus_mdev_wait_gone(struct vmbus_mdev_device *mdev)
{
	wait_var_event(&mdev->state,
		       READ_ONCE(mdev->state) == VMBUS_MDEV_GONE);
}

/* The same for a user: a fatal signal ends the wait. */
static int vmbus_mdev_wait_gone_killable(struct vmbus_mdev_device *mdev)
{
	return wait_var_event_killable(&mdev->state,
				       READ_ONCE(mdev->state) == VMBUS_MDEV_GONE);
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

/* A new device, not yet visible to anyone; its release frees it. */
static struct vmbus_mdev_device *vmbus_mdev_alloc(struct vmbus_mdev_type *type,
						  const guid_t *uuid)
{
	struct vmbus_mdev_parent *parent = type->dir->parent;
	struct vmbus_mdev_device *mdev;

	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev)
		return NULL;
	mdev->uuid = *uuid;
	mdev->type = type;
	mdev->parent = parent;
	mdev->state = VMBUS_MDEV_CREATING;
	INIT_LIST_HEAD(&mdev->node);
	device_initialize(&mdev->dev);
	mdev->dev.bus = &vmbus_mdev_bus_type;
	mdev->dev.parent = parent->dev;
	mdev->dev.release = vmbus_mdev_release;
	/* What match() and uevent() read, owned by the device (see there). */
	mdev->device_api = kstrdup_const(type->device_api, GFP_KERNEL);
	mdev->type_name = kstrdup(kobject_name(&type->dir->kobj), GFP_KERNEL);
	if (!mdev->device_api || !mdev->type_name ||
	    dev_set_name(&mdev->dev, "%pUl", uuid)) {
		put_device(&mdev->dev);
		return NULL;
	}
	return mdev;
}

/*
 * A bus driver's probe error as the writer of "create" gets it. "Not
 * mine" (-ENODEV, -ENXIO) is no error: the device stays unbound, as when
 * no driver matches. Kernel-internal codes (512 and up) never reach user
 * space: -EPROBE_DEFER is "try again", a restart code "interrupted".
 */
static int vmbus_mdev_probe_errno(int err)
{
	switch (err) {
	case 0:
	case -ENODEV:
	case -ENXIO:
		return 0;
	case -EPROBE_DEFER:
		return -EAGAIN;
	case -ENOTSUPP:
		return -EOPNOTSUPP;
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return -EINTR;
	}
	return err < -511 ? -EIO : err;
}

/*
 * Probe the bus drivers, in the creating task: match() refused the device
 * until now (VMBUS_MDEV_CREATING), so every probe, child device and BIND
 * uevent comes after the device's own ADD. Only a probe this task runs
 * can fail the create; a driver registered meanwhile probes in its own.
 */
static int vmbus_mdev_attach(struct vmbus_mdev_device *mdev)
{
	struct vmbus_mdev_parent *parent = mdev->parent;
	int ret;

	mutex_lock(&parent->lock);
	WRITE_ONCE(mdev->state, VMBUS_MDEV_ATTACHING);
	mutex_unlock(&parent->lock);

	ret = vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_ATTACH);
	if (ret)
		return ret;
	WRITE_ONCE(mdev->creator, current);
	ret = device_attach(&mdev->dev);
	WRITE_ONCE(mdev->creator, NULL);
	/* -EPROBE_DEFER comes back here while probing is blocked (shutdown). */
	if (ret < 0)
		return vmbus_mdev_probe_errno(ret) ?: -EIO;

	ret = vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_PROBED);
	if (ret)
		return ret;
	/* A driver matched but every probe failed: the create fails with it. */
	device_lock(&mdev->dev);
	ret = mdev->dev.driver ? 0 : vmbus_mdev_probe_errno(mdev->probe_err);
	device_unlock(&mdev->dev);
	return ret;
}

/*
 * Announce the device: with every link in place, KOBJ_ADD is the first
 * uevent user space hears of it (device_add() ran with uevents off).
 */
static int vmbus_mdev_announce(struct vmbus_mdev_device *mdev)
{
	int ret;

	ret = vmbus_mdev_add_links(mdev);
	if (ret)
		return ret;
	ret = vmbus_mdev_step(mdev->parent, mdev, VMBUS_MDEV_STEP_UEVENT);
	if (ret) {
		vmbus_mdev_remove_links(mdev);
		return ret;
	}
	dev_set_uevent_suppress(&mdev->dev, false);
	/*
	 * A failure before the ADD went out is an allocation's (its buffer,
	 * or its path: then it says -ENOENT), so -ENOMEM, and device_del()
	 * must not send a REMOVE either. One after it (the uevent helper)
	 * fails the create with the REMOVE left on, for udev's sake.
	 */
	ret = kobject_uevent(&mdev->dev.kobj, KOBJ_ADD);
	if (ret) {
		if (!mdev->dev.kobj.state_add_uevent_sent)
			dev_set_uevent_suppress(&mdev->dev, true);
		vmbus_mdev_remove_links(mdev);
		return mdev->dev.kobj.state_add_uevent_sent ? ret : -ENOMEM;
	}
	return 0;
}

/**
 * DOC: Create: why the device is announced before its drivers probe
 *
 * A bus driver's probe creates devices below the instance (a VFIO device,
 * a character device node), each with its own ``add`` uevent, and the
 * driver core sends ``bind`` when the probe succeeds. If the probe ran
 * inside device_add() with the instance's uevents held back, udev would
 * hear of the children before their parent, and of a failed create's
 * children with no parent at all. So the bus's match() refuses a device
 * while it is being created: device_add() binds nothing, the links are
 * made, ``add`` is sent, and only then does the creating task call
 * device_attach(). A probe error that task sees still fails the create,
 * which then sends the instance's ``remove``.
 *
 * The device becomes removable (ACTIVE, on the parent's list) as the very
 * last step, after which the creator never touches it: a remover racing
 * the create gets ``-EBUSY`` until then, and cannot free the device under
 * the creator or send ``remove`` before ``add``.
 */

/**
 * vmbus_mdev_create() - create a mediated device of a type
 * @type: a type of a registered parent
 * @uuid: the new device's UUID, unused under every parent
 *
 * Runs the create sequence: reserve the UUID and an instance, enter the
 * parent, vendor create, device_add() (no driver matches yet), type links,
 * the KOBJ_ADD uevent, then the bus drivers probe (their child devices and
 * the BIND uevent follow the ADD), and last the device becomes active:
 * removable, and never touched by this function again. Nobody can find
 * the device on the bus before the vendor has built it, and user space
 * hears of it only once every link exists. A failure at any step undoes
 * the earlier ones in mirror order (a device announced already gets its
 * KOBJ_REMOVE) and leaves the UUID and the instance free. When no bus
 * driver takes the device, it is created unbound, like any device whose
 * driver is not loaded yet.
 *
 * Return: 0; -EEXIST when @uuid is in use, -EUSERS when @type has no
 * instance left, -ENODEV when the parent is unregistering, -ENOMEM, the
 * vendor's error, or a bus driver's probe error: -EAGAIN for
 * -EPROBE_DEFER, -EINTR for a restart code; -ENODEV and -ENXIO from a
 * probe mean "not mine" and leave the device unbound.
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
	mdev = vmbus_mdev_alloc(type, uuid);
	if (!mdev)
		return -ENOMEM;

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

	/* KOBJ_ADD waits until the links exist: vmbus_mdev_announce(). */
	dev_set_uevent_suppress(&mdev->dev, true);
	ret = vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_DEVICE_ADD);
	if (!ret)
		ret = device_add(&mdev->dev);
	if (ret)
		goto unwind_leave;
	done = VMBUS_MDEV_STEP_DEVICE_ADD;

	ret = vmbus_mdev_announce(mdev);
	if (ret)
		goto unwind_leave;
	done = VMBUS_MDEV_STEP_UEVENT;

	ret = vmbus_mdev_attach(mdev);
	if (ret)
		goto unwind_leave;

	/* The last step: from here a remover may free @mdev at any time. */
	vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_ACTIVE);
	mutex_lock(&parent->lock);
	WRITE_ONCE(mdev->state, VMBUS_MDEV_ACTIVE);
	list_add_tail(&mdev->node, &parent->children);
	mutex_unlock(&parent->lock);

	vmbus_mdev_step(parent, NULL, VMBUS_MDEV_STEP_LEAVE);
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
	vmbus_mdev_unwind(mdev, VMBUS_MDEV_STEP_UEVENT);
}

/*
 * Make the caller the one remover of @mdev. Of concurrent removers exactly
 * one gets 0; the others get -ENODEV (and must vmbus_mdev_wait_gone()). A
 * device still being created is -EBUSY. On success the caller has entered
 * the parent.
 */
static int vmbus_mdev_claim(struct vmbus_mdev_device *mdev)
{
	struct vmbus_mdev_parent *parent = mdev->parent;
	int ret = 0;

	if (!vmbus_mdev_parent_enter(parent))
		return -ENODEV;

	mutex_lock(&parent->lock);
	if (mdev->state == VMBUS_MDEV_CREATING ||
	    mdev->state == VMBUS_MDEV_ATTACHING) {
		ret = -EBUSY;
	} else if (mdev->state != VMBUS_MDEV_ACTIVE) {
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
 *	still registered (vmbus_mdev_unregister_parent() has not returned).
 *	Not for a sysfs attribute's store (a loser would wait inside the
 *	file the winner's device_del() drains) nor a callback of @mdev's
 *
 * Runs the remove sequence, the mirror of create: inactive, links gone,
 * device_del() (bound drivers' remove runs), vendor remove, instance and
 * UUID released, the core's reference dropped. Whatever it returns, the
 * UUID and the instance are free when it does: a remover that lost waits
 * for the one that won. It waits for device work only (the bus driver's
 * and the vendor's remove, which for the VFIO bus driver includes VFIO's
 * wait for the device's users to close it), never for a file of the
 * helper in cdev.c. The wait is uninterruptible, and only for another
 * remover: so never call this from work that a remove of @mdev flushes.
 * When the parent is unregistering (or its module going) and nobody has
 * claimed @mdev yet, it returns -ENODEV at once.
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
	if (ret == -ENODEV && READ_ONCE(mdev->state) >= VMBUS_MDEV_REMOVING) {
		vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_LOST);
		vmbus_mdev_wait_gone(mdev);
	}
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
	struct kernfs_node *kn;
	unsigned long val;
	int ret;

	/* As mdev's remove: unsigned, so "-1" is -EINVAL; 0 does nothing. */
	if (kstrtoul(buf, 0, &val))
		return -EINVAL;
	if (!val)
		return count;

	ret = vmbus_mdev_claim(mdev);
	if (ret == -EBUSY)
		return ret;
	get_device(dev);	/* Pairs with put_device() below. */
	if (!ret) {
		vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_CLAIMED);
		/*
		 * device_del() removes this very file and waits for its
		 * writers, us included: take the file away from under
		 * ourselves first. Only a claim winner removes it, so this
		 * write never loses kernfs's arbitration to another.
		 */
		device_remove_file_self(dev, attr);
		vmbus_mdev_teardown(mdev);
		vmbus_mdev_parent_leave(parent);
	} else {
		/*
		 * The winner's device_del() drains this file's writers: wait
		 * for it with our active reference dropped, never inside it.
		 */
		vmbus_mdev_step(parent, mdev, VMBUS_MDEV_STEP_LOST);
		kn = sysfs_break_active_protection(&dev->kobj, &attr->attr);
		/* Found while we hold it: drains unlink only after draining. */
		WARN_ON_ONCE(!kn);
		if (vmbus_mdev_wait_gone_killable(mdev))
			ret = -EINTR;
		if (kn)
			sysfs_unbreak_active_protection(kn);
	}
	put_device(dev);
	return ret ? ret : count;
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
