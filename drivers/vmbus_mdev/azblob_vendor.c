// SPDX-License-Identifier: GPL-2.0
/*
 * Azure Blob vendor of vmbus_mdev: each instance gives one host process a
 * node, /dev/azure_blob/<uuid>, onto the shared channel to the host.
 *
 * A transport (the VMBus glue in azblob_vmbus.c, or a simulated host in
 * tests) calls azblob_parent_add() for each channel it opens; to take it
 * away, azblob_parent_drain() while the channel still works, then closes
 * the channel, then azblob_parent_remove(). This module holds the
 * vendor, its bus driver for the "azure-blob" device_api, and the request
 * engine (azblob_engine.c); it needs no Hyper-V.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <uapi/misc/azure_blob.h>

#include "azblob.h"

static struct azblob_type *to_azblob_type(struct vmbus_mdev_type *type)
{
	return container_of(type, struct azblob_type, type);
}

/* The types share the channel's ids: what is left, in whole quotas. */
static unsigned int azblob_available(struct vmbus_mdev_type *type)
{
	struct azblob_type *t = to_azblob_type(type);
	unsigned int free;

	xa_lock_irq(&t->ap->requests);
	free = AZBLOB_MAX_REQUESTS - t->ap->ids_committed;
	xa_unlock_irq(&t->ap->requests);
	return free / t->quota;
}

static int azblob_create(struct vmbus_mdev_device *mdev)
{
	struct azblob_type *t = to_azblob_type(mdev->type);
	struct azblob_parent *ap = t->ap;
	struct azblob_instance *inst;
	int ret = 0;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst)
		return -ENOMEM;
	kref_init(&inst->ref);
	inst->ap = ap;
	inst->uuid = mdev->uuid;
	inst->type_name = t->type.sysfs_name;
	inst->quota = t->quota;
	init_waitqueue_head(&inst->slot_wq);

	/* Commit the whole quota now, so that it is there when needed. */
	xa_lock_irq(&ap->requests);
	if (ap->ids_committed + t->quota > AZBLOB_MAX_REQUESTS) {
		ret = -EUSERS;
	} else {
		ap->ids_committed += t->quota;
		list_add_tail(&inst->link, &ap->instances);
	}
	xa_unlock_irq(&ap->requests);
	if (ret) {
		kfree(inst);
		return ret;
	}
	vmbus_mdev_set_vendor_data(mdev, inst);
	return 0;
}

static void azblob_remove(struct vmbus_mdev_device *mdev)
{
	struct azblob_instance *inst = vmbus_mdev_get_vendor_data(mdev);
	struct azblob_parent *ap = inst->ap;

	/*
	 * The node is gone, but requests its callers abandoned may still be
	 * with the host: their ids stay committed until each one finishes.
	 */
	xa_lock_irq(&ap->requests);
	inst->removed = true;
	ap->ids_committed -= inst->quota - inst->inflight;
	list_del(&inst->link);
	xa_unlock_irq(&ap->requests);
	azblob_instance_put(inst);
}

static const struct vmbus_mdev_vendor_ops azblob_vendor_ops = {
	.name = "azure_blob",
	.create = azblob_create,
	.remove = azblob_remove,
};

/*
 * Each parent gets its own copies (a type serves one parent). The quotas
 * are in the descriptions, so an operator can pick without the docs.
 */
static const struct {
	const char *name, *pretty_name, *description;
	unsigned int quota;
} azblob_type_templates[AZBLOB_NR_TYPES] = {
	{ "standard", "Azure Blob requests",
	  "A host process's own node onto the Azure Blob channel; up to 32 requests in flight",
	  32 },
	{ "bulk", "Azure Blob bulk requests",
	  "A node for a heavily parallel host process; up to 256 requests in flight",
	  256 },
};

/**
 * azblob_parent_add() - offer a channel's instances through vmbus_mdev
 * @dev: the channel's device (the hv_device's, or a simulated one)
 * @t: how requests reach the host
 * @transport_priv: the transport's data, in the returned parent
 *
 * Return: the parent, or an ERR_PTR().
 */
struct azblob_parent *azblob_parent_add(struct device *dev,
					const struct azblob_transport *t,
					void *transport_priv)
{
	struct azblob_parent *ap;
	int i, ret;

	ap = kzalloc(sizeof(*ap), GFP_KERNEL);
	if (!ap)
		return ERR_PTR(-ENOMEM);
	ap->dev = dev;
	ap->transport = t;
	ap->transport_priv = transport_priv;
	xa_init_flags(&ap->requests, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);
	init_waitqueue_head(&ap->drain_wq);
	init_waitqueue_head(&ap->ring_wq);

	INIT_LIST_HEAD(&ap->instances);

	for (i = 0; i < AZBLOB_NR_TYPES; i++) {
		struct azblob_type *t = &ap->types[i];

		t->ap = ap;
		t->quota = azblob_type_templates[i].quota;
		t->type.sysfs_name = azblob_type_templates[i].name;
		t->type.pretty_name = azblob_type_templates[i].pretty_name;
		t->type.description = azblob_type_templates[i].description;
		t->type.device_api = AZBLOB_DEVICE_API;
		t->type.get_available = azblob_available;
		ap->type_list[i] = &t->type;
	}

	ret = vmbus_mdev_register_parent(&ap->parent, dev, &azblob_vendor_ops,
					 ap->type_list, ARRAY_SIZE(ap->type_list));
	if (ret) {
		kfree(ap);
		return ERR_PTR(ret);
	}
	azblob_debugfs_add(ap);
	return ap;
}
EXPORT_SYMBOL_GPL(azblob_parent_add);

static unsigned int drain_timeout_ms = 10000;
module_param(drain_timeout_ms, uint, 0644);
MODULE_PARM_DESC(drain_timeout_ms,
		 "how long a normal removal, or a hibernation, of a channel waits for the host's answers (ms)");

/**
 * azblob_parent_drain() - first step of a channel's removal
 * @ap: the parent from azblob_parent_add()
 * @wait: the channel is still working (a normal removal, not a rescind)
 *
 * New requests fail with -ENODEV from now on. With @wait, waits for the
 * host to answer the outstanding ones, for at most drain_timeout_ms:
 * only after that may the transport close the channel. Process context.
 *
 * Return: true if the host holds no request any more.
 */
bool azblob_parent_drain(struct azblob_parent *ap, bool wait)
{
	unsigned long timeout = wait ? msecs_to_jiffies(READ_ONCE(drain_timeout_ms)) : 0;

	return azblob_stop_and_drain(ap, timeout ?: !!wait);
}
EXPORT_SYMBOL_GPL(azblob_parent_drain);

/**
 * azblob_parent_suspend() - quiesce a channel before the system sleeps
 * @ap: the parent from azblob_parent_add(), its channel still working
 *
 * From the transport's suspend (for VMBus: hibernation), with user
 * space frozen: a caller waiting for an answer is frozen in the helper,
 * one waiting for a slot has backed out to restart. Drains as a removal
 * does (drain_timeout_ms), but keeps the instances: once it returns 0 the
 * transport closes the channel, and azblob_parent_resume() reopens the
 * parent after it has reopened the channel. Process context.
 *
 * Return: 0, or -EBUSY when the host still holds requests after the
 * drain: the parent then works on as before and the system must not
 * sleep, as the host may still write their pages.
 */
int azblob_parent_suspend(struct azblob_parent *ap)
{
	if (azblob_parent_drain(ap, true))
		return 0;
	dev_warn(ap->dev, "the host still holds requests: not suspending\n");
	azblob_parent_resume(ap);
	return -EBUSY;
}
EXPORT_SYMBOL_GPL(azblob_parent_suspend);

/**
 * azblob_parent_resume() - take requests again after azblob_parent_suspend()
 * @ap: the parent, its channel open again
 *
 * Process context.
 */
void azblob_parent_resume(struct azblob_parent *ap)
{
	azblob_restart(ap);
}
EXPORT_SYMBOL_GPL(azblob_parent_resume);

/**
 * azblob_parent_remove() - take a channel's instances away
 * @ap: the parent from azblob_parent_add(), drained with
 *	azblob_parent_drain() and then closed by the transport
 * @host_done: the host no longer touches the pages of what is still
 *	outstanding: the channel was rescinded, or the drain left nothing
 *
 * Every request still outstanding fails with -ENODEV; its pages are
 * unpinned if @host_done, or else left pinned for good (counted in
 * debugfs, logged): the host may still write them. The instances are
 * removed (open nodes get -ENODEV), and nothing waits for user space.
 */
void azblob_parent_remove(struct azblob_parent *ap, bool host_done)
{
	azblob_fail_all(ap, -ENODEV, host_done);
	vmbus_mdev_unregister_parent(&ap->parent);
	azblob_debugfs_remove(ap);
	xa_destroy(&ap->requests);
	kfree(ap);
}
EXPORT_SYMBOL_GPL(azblob_parent_remove);

/* The bus driver: one revocable node per instance. */

/*
 * The struct az_blob_request_sync layout is the same for 32-bit callers,
 * so one ioctl serves both. Process context, in the node's read section.
 */
static int azblob_node_prepare(struct file *file,
			       struct vmbus_mdev_cdev_call *call)
{
	return azblob_ioctl_prepare(file, call);
}

static long azblob_node_ioctl(struct file *file,
			      struct vmbus_mdev_cdev_call *call)
{
	struct azblob_instance *inst =
		vmbus_mdev_cdev_priv(vmbus_mdev_cdev_of_file(file));

	return azblob_ioctl_request(inst, file, call);
}

static void azblob_node_revoke(struct vmbus_mdev_cdev *rc)
{
	struct azblob_instance *inst = vmbus_mdev_cdev_priv(rc);

	/* Waiters test vmbus_mdev_cdev_revoked(); their requests stay owned. */
	azblob_wake_instance(inst);
}

static const unsigned int azblob_node_cmds[] = {
	IOCTL_AZ_BLOB_DRIVER_USER_REQUEST,
	0
};

static const struct vmbus_mdev_cdev_ops azblob_node_ops = {
	.cmds = azblob_node_cmds,
	.prepare = azblob_node_prepare,
	.ioctl = azblob_node_ioctl,
	.revoke = azblob_node_revoke,
};

static int azblob_probe(struct vmbus_mdev_device *mdev)
{
	struct azblob_instance *inst = vmbus_mdev_get_vendor_data(mdev);
	char name[64];

	snprintf(name, sizeof(name), "azure_blob/%pUl", &mdev->uuid);
	inst->node = vmbus_mdev_cdev_create(&mdev->dev, &azblob_node_ops, inst,
					    0600, name);
	return PTR_ERR_OR_ZERO(inst->node);
}

static void azblob_unbind(struct vmbus_mdev_device *mdev)
{
	struct azblob_instance *inst = vmbus_mdev_get_vendor_data(mdev);

	/* Returns once no call is inside the node; never waits for a close. */
	vmbus_mdev_cdev_destroy(inst->node);
	inst->node = NULL;
}

static bool azblob_match(struct vmbus_mdev_device *mdev)
{
	return mdev->parent->ops == &azblob_vendor_ops;
}

static const struct vmbus_mdev_device_id azblob_ids[] = {
	{ .device_api = AZBLOB_DEVICE_API },
	{ }
};

static struct vmbus_mdev_driver azblob_driver = {
	.match = azblob_match,
	.probe = azblob_probe,
	.remove = azblob_unbind,
	.id_table = azblob_ids,
	.driver.name = "azure_blob",
};

static int __init azblob_init(void)
{
	int ret;

	azblob_free_wq = alloc_workqueue("azure_blob_free", 0, 0);
	if (!azblob_free_wq)
		return -ENOMEM;
	azblob_debugfs_init();
	ret = vmbus_mdev_register_driver(&azblob_driver);
	if (ret) {
		azblob_debugfs_exit();
		destroy_workqueue(azblob_free_wq);
	}
	return ret;
}

static void __exit azblob_exit(void)
{
	vmbus_mdev_unregister_driver(&azblob_driver);
	azblob_debugfs_exit();
	/* Requests freed after their parent still unpin here. */
	destroy_workqueue(azblob_free_wq);
}

module_init(azblob_init);
module_exit(azblob_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Azure Blob vmbus_mdev vendor");
