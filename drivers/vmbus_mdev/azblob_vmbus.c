// SPDX-License-Identifier: GPL-2.0
/*
 * Azure Blob over VMBus: binds the host's Azure Blob channel through the
 * driver model and makes it a vmbus_mdev parent (azure_blob.ko does the
 * rest). Kept apart so that everything else loads on kernels and machines
 * without Hyper-V, where vmbus_driver_register() fails with -ENODEV.
 *
 * Removal drains first: new requests fail, and the host's answers to the
 * outstanding ones are awaited (bounded) while the channel still works;
 * only then is the channel closed. Whatever the host still holds after
 * that keeps its pages pinned for good (vmbus_close() cannot say the host
 * let go). On a rescind (since 6.12 the channel's callback is cleared
 * first) no answer can come: nothing is awaited and everything is failed
 * and unpinned. There is no rescind callback: without one the VMBus core
 * unregisters the device itself, so nothing of this module is left on a
 * channel once the driver is unbound.
 *
 * Hibernation drains the same way, then closes the channel and keeps the
 * instances; resume reopens it. Callers frozen meanwhile carry on.
 *
 * Not supported in isolated (SNP, TDX) guests: the host would need bounce
 * buffers to reach user pages there, so probe refuses.
 */
#include <linux/hyperv.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <asm/mshyperv.h>

#include "azblob.h"

/*
 * The rings, each with its header page (VMBUS_RING_SIZE()). Out: a
 * request is its descriptor (24 bytes, 8 per Hyper-V page, at most 8192
 * pages) and its 56-byte inline part, about 64 KiB at most: 256 KiB hold
 * three of the largest, or some 2,000 of a few pages. A full ring only
 * makes senders wait (azblob_ring_space()). In: a completion is 40 bytes
 * with its header, and the 1024 outstanding requests of a full id table
 * take 40 KiB of the 64 KiB.
 */
#define AZBLOB_SEND_RING_SIZE	VMBUS_RING_SIZE(256 * 1024)
#define AZBLOB_RECV_RING_SIZE	VMBUS_RING_SIZE(64 * 1024)

/* {0590b792-db64-45cc-81db-b8d70c577c9e} */
#define AZBLOB_VMBUS_GUID \
	.guid = GUID_INIT(0x0590b792, 0xdb64, 0x45cc, 0x81, 0xdb, 0xb8, 0xd7, \
			  0x0c, 0x57, 0x7c, 0x9e)

struct azblob_vmbus {
	struct hv_device *hdev;
	struct azblob_parent *ap;
	/* Sends hold it for reading; closing the channel for writing. */
	struct rw_semaphore close_sem;
	bool closed;
};

static int azblob_vmbus_send(struct azblob_parent *ap,
			     struct vmbus_packet_mpb_array *desc, u32 desc_size,
			     void *req, u32 req_len, u64 rqst_id)
{
	struct azblob_vmbus *av = ap->transport_priv;
	int ret = -ENODEV;

	down_read(&av->close_sem);
	if (!av->closed)
		ret = vmbus_sendpacket_mpb_desc(av->hdev->channel, desc, desc_size,
						req, req_len, rqst_id);
	up_read(&av->close_sem);
	return ret;
}

static const struct azblob_transport azblob_vmbus_transport = {
	.send = azblob_vmbus_send,
};

/*
 * Completions. Runs in the channel's callback context (the VMBus tasklet,
 * softirq), never after vmbus_close() has returned.
 */
static void azblob_vmbus_callback(void *context)
{
	struct azblob_vmbus *av = context;
	struct vmbus_channel *channel = av->hdev->channel;
	struct azblob_parent *ap = READ_ONCE(av->ap);
	const struct vmpacket_descriptor *desc;

	foreach_vmbus_pkt(desc, channel) {
		/* Read and dropped before probe has added the parent. */
		if (desc->type != VM_PKT_COMP || !ap)
			continue;
		/* The host's copy of our id: the engine trusts none it did not send. */
		azblob_complete(ap, READ_ONCE(desc->trans_id), hv_pkt_data(desc),
				hv_pkt_datalen(desc));
	}
	/* The host has been reading the out ring too: senders may retry. */
	if (ap)
		azblob_ring_space(ap);
}

static int azblob_vmbus_open(struct azblob_vmbus *av)
{
	int ret;

	ret = vmbus_open(av->hdev->channel, AZBLOB_SEND_RING_SIZE,
			 AZBLOB_RECV_RING_SIZE, NULL, 0, azblob_vmbus_callback, av);
	if (ret)
		return ret;
	down_write(&av->close_sem);
	av->closed = false;
	up_write(&av->close_sem);
	return 0;
}

/*
 * Stop sending, then close: the host no longer touches guest memory. A
 * channel a failed resume left closed is not closed again.
 */
static void azblob_vmbus_close(struct azblob_vmbus *av)
{
	bool was_closed;

	down_write(&av->close_sem);
	was_closed = av->closed;
	av->closed = true;
	up_write(&av->close_sem);
	if (!was_closed)
		vmbus_close(av->hdev->channel);
}

static int azblob_vmbus_probe(struct hv_device *hdev,
			      const struct hv_vmbus_device_id *id)
{
	struct azblob_vmbus *av;
	int ret;

	if (hv_is_isolation_supported()) {
		dev_err(&hdev->device,
			"not supported in an isolated guest: the host cannot reach user pages without bounce buffers\n");
		return -EOPNOTSUPP;
	}
	av = kzalloc(sizeof(*av), GFP_KERNEL);
	if (!av)
		return -ENOMEM;
	av->hdev = hdev;
	init_rwsem(&av->close_sem);
	av->closed = true;
	hv_set_drvdata(hdev, av);

	/*
	 * No request table on the channel: its ids are reused at once
	 * (last freed, first taken), so a late answer would complete the
	 * wrong request. The engine's ids go on the wire as they are; they
	 * carry a generation, and the engine checks every one it gets back.
	 */

	ret = azblob_vmbus_open(av);
	if (ret)
		goto err_free;

	av->ap = azblob_parent_add(&hdev->device, &azblob_vmbus_transport, av);
	if (IS_ERR(av->ap)) {
		ret = PTR_ERR(av->ap);
		av->ap = NULL;
		goto err_close;
	}
	return 0;

err_close:
	/* No parent, so no request was ever sent. */
	azblob_vmbus_close(av);
err_free:
	hv_set_drvdata(hdev, NULL);
	kfree(av);
	return ret;
}

/* Unbind, rmmod or rescind (then from the VMBus core's work). Process context. */
static void azblob_vmbus_remove(struct hv_device *hdev)
{
	struct azblob_vmbus *av = hv_get_drvdata(hdev);
	struct azblob_parent *ap = av->ap;
	bool drained, host_done;

	/*
	 * A rescinded channel answers nothing: then there is nothing to wait
	 * for. A rescind may also come during the drain; once it has, the
	 * host has let go of every page.
	 */
	drained = azblob_parent_drain(ap, !READ_ONCE(hdev->channel->rescind));
	host_done = drained || READ_ONCE(hdev->channel->rescind);
	azblob_vmbus_close(av);
	WRITE_ONCE(av->ap, NULL);
	/* Fails what is left (unpinned only if @host_done), removes the instances. */
	azblob_parent_remove(ap, host_done);
	hv_set_drvdata(hdev, NULL);
	kfree(av);
}

/*
 * Hibernation (freeze and poweroff; VMBus has no suspend to RAM), user
 * space frozen: drain and close, as storvsc does; the parent and its
 * instances stay. Process context, from the VMBus core's noirq callbacks:
 * the VMBus interrupt still delivers completions, and the device is not
 * locked. A rescind's removal could then run alongside, as for every VMBus
 * driver (the VMBus core stops taking rescinds only after its children
 * are suspended): if the channel is rescinded already, there is nothing
 * to drain or close.
 */
static int azblob_vmbus_suspend(struct hv_device *hdev)
{
	struct azblob_vmbus *av = hv_get_drvdata(hdev);
	int ret;

	if (READ_ONCE(hdev->channel->rescind))
		return 0;
	ret = azblob_parent_suspend(av->ap);
	if (ret)
		return ret;
	azblob_vmbus_close(av);
	return 0;
}

/*
 * Thaw and restore: the host has offered the channel again; reopen it. If
 * that fails the parent refuses requests (-ENODEV) until a later resume
 * reopens it or the driver is unbound. Process context, from the VMBus
 * core's noirq callbacks.
 */
static int azblob_vmbus_resume(struct hv_device *hdev)
{
	struct azblob_vmbus *av = hv_get_drvdata(hdev);
	int ret;

	ret = azblob_vmbus_open(av);
	if (ret) {
		dev_err(&hdev->device, "cannot reopen the channel after resume: %d\n",
			ret);
		return ret;
	}
	azblob_parent_resume(av->ap);
	return 0;
}

static const struct hv_vmbus_device_id azblob_vmbus_ids[] = {
	{ AZBLOB_VMBUS_GUID },
	{ }
};
MODULE_DEVICE_TABLE(vmbus, azblob_vmbus_ids);

static struct hv_driver azblob_vmbus_driver = {
	.name = "azure_blob",
	.id_table = azblob_vmbus_ids,
	.probe = azblob_vmbus_probe,
	.remove = azblob_vmbus_remove,
	.suspend = azblob_vmbus_suspend,
	.resume = azblob_vmbus_resume,
	.driver = {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

static int __init azblob_vmbus_init(void)
{
	return vmbus_driver_register(&azblob_vmbus_driver);
}

static void __exit azblob_vmbus_exit(void)
{
	vmbus_driver_unregister(&azblob_vmbus_driver);
}

module_init(azblob_vmbus_init);
module_exit(azblob_vmbus_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Azure Blob device on Hyper-V VMBus, for vmbus_mdev");
