/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Azure Blob vendor: the parts shared by the vendor, its request engine
 * and its transports (the VMBus glue, or the simulated VSP in tests).
 */
#ifndef _AZBLOB_H
#define _AZBLOB_H

#include <linux/kref.h>
#include <linux/vmbus_mdev.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "azblob_wire.h"

#define AZBLOB_DEVICE_API	"azure-blob"
#define AZBLOB_MAX_REQUESTS	1024	/* the channel's request id space */
/*
 * A caller with a timeout waits this much longer than the timeout it gave
 * the host before it stops waiting: the host sees the same timeout and
 * should answer within it.
 */
#define AZBLOB_TIMEOUT_GRACE_MS	1000

struct azblob_parent;

/**
 * struct azblob_transport - how requests reach the host
 * @send: put one request on the channel. @rqst_id comes back with its
 *	completion through azblob_complete(). May be called in parallel;
 *	never sleeps. -EAGAIN when the ring is full: the transport then
 *	calls azblob_ring_space() once the host has read from it.
 *
 * The VMBus glue forwards to vmbus_sendpacket_mpb_desc(); the simulated
 * VSP parses the same bytes.
 */
struct azblob_transport {
	int (*send)(struct azblob_parent *ap, struct vmbus_packet_mpb_array *desc,
		    u32 desc_size, void *req, u32 req_len, u64 rqst_id);
};

/*
 * A type's quota is how many requests one of its instances may have in
 * flight. Creating an instance commits its whole quota out of the
 * channel's AZBLOB_MAX_REQUESTS ids, so every instance can always reach
 * its quota, however busy the others are.
 */
struct azblob_type {
	struct vmbus_mdev_type type;
	struct azblob_parent *ap;
	unsigned int quota;
};

#define AZBLOB_NR_TYPES		2

/* One channel to the host, the vmbus_mdev parent of the instances. */
struct azblob_parent {
	struct vmbus_mdev_parent parent;
	struct device *dev;
	const struct azblob_transport *transport;
	void *transport_priv;
	struct azblob_type types[AZBLOB_NR_TYPES];
	struct vmbus_mdev_type *type_list[AZBLOB_NR_TYPES];

	/*
	 * Its lock (IRQ-safe) also guards @dead, @ids_committed, @instances,
	 * and each instance's @inflight and @removed.
	 */
	struct xarray requests;		/* id -> struct azblob_request */
	bool dead;			/* draining or closed: no new requests */
	/*
	 * Ids promised: the quotas of the instances, plus the requests a
	 * removed instance left in flight. Never above AZBLOB_MAX_REQUESTS.
	 */
	unsigned int ids_committed;
	u64 generation;			/* of request ids; under the lock */
	struct list_head instances;	/* for debugfs and wakeups */
	atomic_t unknown_completions;	/* dropped: id not outstanding */
	atomic_t malformed_completions;	/* short, or response too long */
	wait_queue_head_t drain_wq;	/* azblob_parent_drain(), once @dead */
	wait_queue_head_t ring_wq;	/* senders waiting for ring space */
	atomic_t ring_seq;		/* bumped by azblob_ring_space() */
	struct dentry *debugfs;
};

/*
 * One instance: what a host process sees through its node. Its requests
 * hold references, so a request abandoned by its caller can still return
 * its slot after the instance was removed.
 */
struct azblob_instance {
	struct kref ref;		/* the vendor's, and each request's */
	struct azblob_parent *ap;
	guid_t uuid;
	const char *type_name;
	unsigned int quota;		/* requests in flight at most */
	unsigned int inflight;		/* under the requests lock */
	bool removed;			/* under the requests lock */
	struct list_head link;		/* in ap->instances while not removed */
	wait_queue_head_t slot_wq;	/* callers waiting for a slot */
	struct vmbus_mdev_cdev *node;
};

/* A request, owned by the engine until the host answers or the channel closes. */
struct azblob_request {
	struct kref ref;		/* the engine's and the waiter's */
	struct work_struct free_work;
	struct azblob_parent *ap;
	u32 id;				/* its slot in the table */
	u64 rqst_id;			/* on the wire: slot and generation */
	struct azblob_instance *inst;	/* holds a slot of its quota */
	unsigned long submitted;	/* jiffies */
	/* The caller's deferred call, until azblob_call_finish() takes it. */
	struct vmbus_mdev_cdev_call *call;
	struct vmbus_mdev_user_pages pins[AZBLOB_NR_BUFS];	/* owned */
	struct azblob_wire_buf bufs[AZBLOB_NR_BUFS];	/* views of @pins */
	struct azblob_packet pkt;
	bool on_wire;			/* maybe in the ring: the host's to use */
	bool leak_pins;			/* the host may still own the pages */
};

struct azblob_parent *azblob_parent_add(struct device *dev,
					const struct azblob_transport *t,
					void *transport_priv);
bool azblob_parent_drain(struct azblob_parent *ap, bool wait);
void azblob_parent_remove(struct azblob_parent *ap, bool host_done);
int azblob_parent_suspend(struct azblob_parent *ap);
void azblob_parent_resume(struct azblob_parent *ap);
void azblob_complete(struct azblob_parent *ap, u64 rqst_id,
		     const void *payload, u32 len);
void azblob_ring_space(struct azblob_parent *ap);

/* azblob_engine.c */
extern struct workqueue_struct *azblob_free_wq;
void azblob_instance_put(struct azblob_instance *inst);
int azblob_ioctl_prepare(struct file *file, struct vmbus_mdev_cdev_call *call);
long azblob_ioctl_request(struct azblob_instance *inst, struct file *file,
			  struct vmbus_mdev_cdev_call *call);
extern atomic_long_t azblob_leaked_pages;
void azblob_fail_all(struct azblob_parent *ap, int error, bool host_done);
bool azblob_stop_and_drain(struct azblob_parent *ap, unsigned long timeout);
void azblob_restart(struct azblob_parent *ap);
void azblob_wake_instance(struct azblob_instance *inst);

/* azblob_debugfs.c */
void azblob_debugfs_init(void);
void azblob_debugfs_exit(void);
void azblob_debugfs_add(struct azblob_parent *ap);
void azblob_debugfs_remove(struct azblob_parent *ap);

#endif /* _AZBLOB_H */
