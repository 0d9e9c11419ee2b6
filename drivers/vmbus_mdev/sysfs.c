// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_mdev sysfs: <parent>/mdev_supported_types/<vendor>-<type>/, the
 * shape of VFIO mdev's type directories. Only the shape: the class and bus
 * are vmbus_mdev_bus and vmbus_mdev, so a tool that hard-codes mdev's
 * paths (mdevctl does) does not find these devices.
 */
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include <kunit/visibility.h>

#include "vmbus_mdev_private.h"

/**
 * vmbus_mdev_parse_uuid() - parse a UUID written to "create"
 * @buf: the bytes written
 * @count: how many
 * @uuid: the result
 *
 * UUID input: exactly 36 characters, in any case, with one optional
 * trailing newline. mdev ignores any 37th character; we refuse anything
 * but a newline there, since a UUID followed by more is likely a mistake.
 *
 * Return: 0 or -EINVAL.
 */
VISIBLE_IF_KUNIT int vmbus_mdev_parse_uuid(const char *buf, size_t count,
					   guid_t *uuid)
{
	char str[UUID_STRING_LEN + 1];

	if (count && buf[count - 1] == '\n')
		count--;
	if (count != UUID_STRING_LEN)
		return -EINVAL;
	memcpy(str, buf, count);
	str[count] = '\0';
	return guid_parse(str, uuid);
}
EXPORT_SYMBOL_IF_KUNIT(vmbus_mdev_parse_uuid);

static ssize_t create_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	guid_t uuid;
	int ret;

	ret = vmbus_mdev_parse_uuid(buf, count, &uuid);
	if (ret)
		return ret;
	/* The type is valid while this file exists; unregister waits for us. */
	ret = vmbus_mdev_create(to_type_dir(kobj)->type, &uuid);
	return ret ? ret : count;
}

static struct kobj_attribute create_attr = __ATTR_WO(create);

static ssize_t name_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct vmbus_mdev_type *type = to_type_dir(kobj)->type;

	return sysfs_emit(buf, "%s\n", type->pretty_name ?: type->sysfs_name);
}

static struct kobj_attribute name_attr = __ATTR_RO(name);

static ssize_t description_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_type_dir(kobj)->type->description);
}

static struct kobj_attribute description_attr = __ATTR_RO(description);

static ssize_t device_api_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_type_dir(kobj)->type->device_api);
}

static struct kobj_attribute device_api_attr = __ATTR_RO(device_api);

/**
 * vmbus_mdev_type_available() - instances of a type that can still be created
 * @type: a type of a registered parent
 *
 * Return: the vendor's get_available() when it has one, otherwise
 * max_instances less the instances that exist or are being created.
 */
unsigned int vmbus_mdev_type_available(struct vmbus_mdev_type *type)
{
	struct vmbus_mdev_type_dir *td = type->dir;
	unsigned int avail;

	if (type->get_available)
		return type->get_available(type);
	mutex_lock(&td->parent->lock);
	avail = type->max_instances - td->nr_instances;
	mutex_unlock(&td->parent->lock);
	return avail;
}
EXPORT_SYMBOL_GPL(vmbus_mdev_type_available);

static ssize_t available_instances_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  vmbus_mdev_type_available(to_type_dir(kobj)->type));
}

static struct kobj_attribute available_instances_attr =
	__ATTR_RO(available_instances);

static struct attribute *vmbus_mdev_type_attrs[] = {
	&create_attr.attr,
	&name_attr.attr,
	&description_attr.attr,
	&device_api_attr.attr,
	&available_instances_attr.attr,
	NULL,
};

static umode_t vmbus_mdev_type_is_visible(struct kobject *kobj,
					  struct attribute *attr, int n)
{
	if (attr == &description_attr.attr && !to_type_dir(kobj)->type->description)
		return 0;
	return attr->mode;
}

static const struct attribute_group vmbus_mdev_type_group = {
	.attrs = vmbus_mdev_type_attrs,
	.is_visible = vmbus_mdev_type_is_visible,
};
__ATTRIBUTE_GROUPS(vmbus_mdev_type);

static void vmbus_mdev_type_release(struct kobject *kobj)
{
	kfree(to_type_dir(kobj));
}

static const struct kobj_type vmbus_mdev_type_ktype = {
	.sysfs_ops = &kobj_sysfs_ops,
	.release = vmbus_mdev_type_release,
	.default_groups = vmbus_mdev_type_groups,
};

static void vmbus_mdev_type_del(struct vmbus_mdev_type *type)
{
	struct vmbus_mdev_type_dir *td = type->dir;

	kobject_del(td->devices_kobj);
	kobject_put(td->devices_kobj);
	/* kobject_del() waits for every reader and writer of its files. */
	kobject_del(&td->kobj);
	type->dir = NULL;
	kobject_put(&td->kobj);
}

static int vmbus_mdev_type_add(struct vmbus_mdev_parent *parent,
			       struct vmbus_mdev_type *type)
{
	struct vmbus_mdev_type_dir *td;
	int ret;

	if (!type->sysfs_name || !type->device_api ||
	    (!type->max_instances && !type->get_available))
		return -EINVAL;
	/* A type belongs to one parent at a time. */
	if (type->dir)
		return -EBUSY;

	td = kzalloc(sizeof(*td), GFP_KERNEL);
	if (!td)
		return -ENOMEM;
	td->type = type;
	td->parent = parent;
	td->kobj.kset = parent->types_kset;
	type->dir = td;
	ret = kobject_init_and_add(&td->kobj, &vmbus_mdev_type_ktype, NULL,
				   "%s-%s", parent->ops->name, type->sysfs_name);
	if (ret)
		goto err_put;
	td->devices_kobj = kobject_create_and_add("devices", &td->kobj);
	if (!td->devices_kobj) {
		ret = -ENOMEM;
		goto err_put;
	}
	return 0;

err_put:
	type->dir = NULL;
	kobject_put(&td->kobj);
	return ret;
}

/* Remove the first @n types, newest first, and the directory holding them. */
static void vmbus_mdev_types_del(struct vmbus_mdev_parent *parent,
				 unsigned int n)
{
	while (n--)
		vmbus_mdev_type_del(parent->types[n]);
	kset_unregister(parent->types_kset);
	parent->types_kset = NULL;
}

int vmbus_mdev_types_add(struct vmbus_mdev_parent *parent)
{
	unsigned int i;
	int ret;

	parent->types_kset = kset_create_and_add("mdev_supported_types", NULL,
						 &parent->dev->kobj);
	if (!parent->types_kset)
		return -ENOMEM;

	for (i = 0; i < parent->nr_types; i++) {
		ret = vmbus_mdev_type_add(parent, parent->types[i]);
		if (ret)
			goto err;
	}
	return 0;

err:
	vmbus_mdev_types_del(parent, i);
	return ret;
}

void vmbus_mdev_types_remove(struct vmbus_mdev_parent *parent)
{
	vmbus_mdev_types_del(parent, parent->nr_types);
}
