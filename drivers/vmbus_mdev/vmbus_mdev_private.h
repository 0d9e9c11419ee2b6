/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmbus_mdev core internals, shared by the core's files and its KUnit tests.
 */
#ifndef _VMBUS_MDEV_PRIVATE_H
#define _VMBUS_MDEV_PRIVATE_H

#include <linux/kobject.h>
#include <linux/vmbus_mdev.h>

/*
 * The core's own sysfs object for a vendor's type. It is allocated by the
 * core and freed by its kobject release, so a delayed release never
 * touches vendor memory.
 */
struct vmbus_mdev_type_dir {
	struct kobject kobj;
	struct vmbus_mdev_type *type;
	struct vmbus_mdev_parent *parent;
	struct kobject *devices_kobj;
	unsigned int nr_instances;	/* under parent->lock */
};

static inline struct vmbus_mdev_type_dir *to_type_dir(struct kobject *kobj)
{
	return container_of(kobj, struct vmbus_mdev_type_dir, kobj);
}

/*
 * The steps of the lifecycle, in order. Create runs ALLOC..LEAVE, remove
 * runs INACTIVE..RELEASE; a failed create unwinds through the remove steps
 * that mirror what it had done.
 */
enum vmbus_mdev_step {
	VMBUS_MDEV_STEP_ALLOC,
	VMBUS_MDEV_STEP_UUID,
	VMBUS_MDEV_STEP_ENTER,
	VMBUS_MDEV_STEP_VENDOR_CREATE,
	VMBUS_MDEV_STEP_DEVICE_ADD,
	VMBUS_MDEV_STEP_LINKS,
	VMBUS_MDEV_STEP_UEVENT,
	VMBUS_MDEV_STEP_ATTACH,
	VMBUS_MDEV_STEP_PROBED,
	VMBUS_MDEV_STEP_ACTIVE,
	VMBUS_MDEV_STEP_LEAVE,

	VMBUS_MDEV_STEP_CLAIMED,	/* sysfs remove only, before its file goes */
	VMBUS_MDEV_STEP_LOST,		/* a remover lost the claim: it waits */
	VMBUS_MDEV_STEP_INACTIVE,
	VMBUS_MDEV_STEP_UNLINK,
	VMBUS_MDEV_STEP_DEVICE_DEL,
	VMBUS_MDEV_STEP_VENDOR_REMOVE,
	VMBUS_MDEV_STEP_PUT_INSTANCE,
	VMBUS_MDEV_STEP_PUT_UUID,
	VMBUS_MDEV_STEP_RELEASE,

	VMBUS_MDEV_STEP_UNREGISTER,
	VMBUS_MDEV_STEP_DRAINED,
	VMBUS_MDEV_STEP_TYPES_GONE,
	VMBUS_MDEV_STEP_NR,
};

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Test seam: when set, called at every step with the device concerned
 * (NULL for parent steps). A non-zero return at a create step makes that
 * step fail with the returned errno; elsewhere the return is ignored.
 */
typedef int (*vmbus_mdev_step_hook_t)(struct vmbus_mdev_parent *parent,
				      struct vmbus_mdev_device *mdev,
				      enum vmbus_mdev_step step);
extern vmbus_mdev_step_hook_t vmbus_mdev_step_hook;

static inline int vmbus_mdev_step(struct vmbus_mdev_parent *parent,
				  struct vmbus_mdev_device *mdev,
				  enum vmbus_mdev_step step)
{
	vmbus_mdev_step_hook_t hook = READ_ONCE(vmbus_mdev_step_hook);

	return hook ? hook(parent, mdev, step) : 0;
}
#else
static inline int vmbus_mdev_step(struct vmbus_mdev_parent *parent,
				  struct vmbus_mdev_device *mdev,
				  enum vmbus_mdev_step step)
{
	return 0;
}
#endif

/* lifecycle.c */
int vmbus_mdev_uuid_index_init(void);
void vmbus_mdev_uuid_index_exit(void);
void vmbus_mdev_parent_remove_children(struct vmbus_mdev_parent *parent);
extern const struct attribute_group *vmbus_mdev_dev_groups[];

/* parent.c */
bool vmbus_mdev_parent_enter(struct vmbus_mdev_parent *parent);
void vmbus_mdev_parent_leave(struct vmbus_mdev_parent *parent);
int vmbus_mdev_class_init(void);
void vmbus_mdev_class_exit(void);
int vmbus_mdev_cdev_init(void);
void vmbus_mdev_cdev_exit(void);

/* sysfs.c */
#if IS_ENABLED(CONFIG_KUNIT)
int vmbus_mdev_parse_uuid(const char *buf, size_t count, guid_t *uuid);
#endif
int vmbus_mdev_types_add(struct vmbus_mdev_parent *parent);
void vmbus_mdev_types_remove(struct vmbus_mdev_parent *parent);

#endif /* _VMBUS_MDEV_PRIVATE_H */
