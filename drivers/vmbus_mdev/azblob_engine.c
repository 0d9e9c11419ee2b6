// SPDX-License-Identifier: GPL-2.0
/*
 * Azure Blob request engine: from the ioctl to the channel and back.
 *
 * The user's buffers are pinned (FOLL_LONGTERM; FOLL_WRITE for every buffer
 * the host writes) and handed to the host by PFN: nothing is copied. A
 * request belongs to the engine, not to the caller's stack: the caller
 * and the engine each hold a reference, and the pages stay pinned until
 * the host answers or the channel is closed, even if the caller is gone.
 *
 * The caller waits for the answer in the node's helper, not here: the
 * ioctl defers its call (vmbus_mdev_cdev_call_defer()), and the answer
 * completes it. The only sleeps here come before the request is sent
 * (for a slot of the quota, for room in the ring); any signal ends them,
 * the freezer's included, and the ioctl restarts from scratch.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/misc/azure_blob.h>

#include "azblob.h"

/* Unpinning may sleep; it runs here, drained when the module goes. */
struct workqueue_struct *azblob_free_wq;

/* Pages left pinned for good because the host may still own them. */
atomic_long_t azblob_leaked_pages = ATOMIC_LONG_INIT(0);

static void azblob_instance_release(struct kref *ref)
{
	kfree(container_of(ref, struct azblob_instance, ref));
}

void azblob_instance_put(struct azblob_instance *inst)
{
	kref_put(&inst->ref, azblob_instance_release);
}

/*
 * Give back a slot of @inst's quota. A removed instance no longer holds
 * its quota, only the ids still in flight: release this one too.
 * Under the requests lock.
 */
static void azblob_slot_put_locked(struct azblob_instance *inst)
{
	inst->inflight--;
	if (inst->removed)
		inst->ap->ids_committed--;
}

static void azblob_slot_put(struct azblob_instance *inst)
{
	xa_lock_irq(&inst->ap->requests);
	azblob_slot_put_locked(inst);
	xa_unlock_irq(&inst->ap->requests);
	wake_up_all(&inst->slot_wq);
}

/*
 * Take a slot, or tell why not: true when *@ret is final. @rc is the node
 * of the caller's file: inst->node is set only once the node exists, and
 * a file may be open before that.
 */
static bool azblob_slot_try(struct azblob_instance *inst,
			    struct vmbus_mdev_cdev *rc, int *ret)
{
	struct azblob_parent *ap = inst->ap;
	bool final = true;

	xa_lock_irq(&ap->requests);
	if (ap->dead || vmbus_mdev_cdev_revoked(rc)) {
		*ret = -ENODEV;
	} else if (inst->inflight < inst->quota) {
		inst->inflight++;
		*ret = 0;
	} else {
		final = false;
	}
	xa_unlock_irq(&ap->requests);
	return final;
}

/*
 * A full quota makes the caller wait for one of its own requests to
 * finish; other instances never take its slots.
 *
 * This sleep, like the one for ring space, is in the node's read section,
 * before anything was sent: so any signal, the freezer's fake one
 * included, backs out, and the ioctl restarts once the signal is handled
 * (-ERESTARTNOINTR never reaches user space). Never frozen in here, where
 * it would hold every revoke and removal of the node until thawed.
 */
static int azblob_slot_get(struct azblob_instance *inst,
			   struct vmbus_mdev_cdev *rc, bool nonblock)
{
	int ret;

	if (azblob_slot_try(inst, rc, &ret))
		return ret;
	if (nonblock)
		return -EAGAIN;
	if (wait_event_interruptible(inst->slot_wq,
				     azblob_slot_try(inst, rc, &ret)))
		return -ERESTARTNOINTR;
	return ret;
}

static void azblob_request_free(struct azblob_request *req)
{
	unsigned int i;

	for (i = 0; i < AZBLOB_NR_BUFS; i++) {
		struct vmbus_mdev_user_pages *p = &req->pins[i];

		if (req->leak_pins && p->pages) {
			/* Never unpinned: the pages can never be freed or reused. */
			atomic_long_add(p->nr_pages, &azblob_leaked_pages);
			vmbus_mdev_user_pages_forget(p);
		}
		/* The host may have written every buffer but the request. */
		vmbus_mdev_user_pages_unpin(p, i != AZBLOB_BUF_REQUEST);
	}
	azblob_free_packet(&req->pkt);
	azblob_instance_put(req->inst);
	kfree(req);
}

static void azblob_request_free_work(struct work_struct *work)
{
	azblob_request_free(container_of(work, struct azblob_request, free_work));
}

/* The last reference may go in the channel's callback: unpin in a worker. */
static void azblob_request_release(struct kref *ref)
{
	struct azblob_request *req = container_of(ref, struct azblob_request, ref);

	INIT_WORK(&req->free_work, azblob_request_free_work);
	queue_work(azblob_free_wq, &req->free_work);
}

static void azblob_request_put(struct azblob_request *req)
{
	kref_put(&req->ref, azblob_request_release);
}

static void azblob_request_release_now(struct kref *ref)
{
	azblob_request_free(container_of(ref, struct azblob_request, ref));
}

/*
 * The caller's put, in the ioctl: usually the last one, as the host has
 * answered. Unpin right here then, before the ioctl returns.
 */
static void azblob_request_put_caller(struct azblob_request *req)
{
	kref_put(&req->ref, azblob_request_release_now);
}

/*
 * Complete the caller's call, once: with the host's answer, or @error.
 * The pages go back to the helper with it, to be unpinned in the caller's
 * context, unless the host may still use them. Any context.
 */
static void azblob_call_finish(struct azblob_request *req, int error,
			       const struct azblob_answer *answer)
{
	struct vmbus_mdev_cdev_call *call = xchg(&req->call, NULL);
	struct az_blob_request_sync *r;
	unsigned int i;

	if (!call)
		return;
	r = call->buf;
	if (!error) {
		r->response.status = answer->status;
		r->response.response_len = answer->response_len;
	}
	for (i = 0; i < AZBLOB_NR_BUFS && !req->leak_pins; i++) {
		vmbus_mdev_user_pages_take(&call->pins[i], &req->pins[i]);
		req->bufs[i].pages = NULL;
	}
	vmbus_mdev_cdev_call_complete(call, error);
}

/* Finish a request taken out of the id table; drops the engine's reference. */
static void azblob_finish(struct azblob_request *req, int error,
			  const struct azblob_answer *answer)
{
	struct azblob_parent *ap = req->ap;
	unsigned long flags;

	xa_lock_irqsave(&ap->requests, flags);
	azblob_slot_put_locked(req->inst);
	xa_unlock_irqrestore(&ap->requests, flags);
	/* Our reference keeps the request and its instance here until now. */
	azblob_call_finish(req, error, answer);
	wake_up_all(&req->inst->slot_wq);
	azblob_request_put(req);
	/* A drain waits for the table to empty; the parent outlives it. */
	wake_up(&ap->drain_wq);
}

/*
 * A request id on the wire: its slot in the table (1 to
 * AZBLOB_MAX_REQUESTS) in the low 16 bits, and a generation above that
 * which changes each time a slot is taken. Slots are reused at once
 * (the lowest free one), so without the generation a late or duplicate
 * answer would complete the slot's next request and unpin its pages
 * while the host uses them.
 */
#define AZBLOB_ID_SLOT_BITS	16
static_assert(BIT(AZBLOB_ID_SLOT_BITS) > AZBLOB_MAX_REQUESTS);

static u64 azblob_id_make(u32 slot, u64 generation)
{
	return generation << AZBLOB_ID_SLOT_BITS | slot;
}

static unsigned long azblob_id_slot(u64 rqst_id)
{
	return rqst_id & (BIT(AZBLOB_ID_SLOT_BITS) - 1);
}

/**
 * azblob_complete() - the host answered a request
 * @ap: the channel
 * @rqst_id: the id given to the transport's send
 * @payload: the completion packet's payload
 * @len: its size
 *
 * Unknown ids and duplicates (a late one included, after its slot was
 * reused) are counted and dropped: the request they name, if any, keeps
 * waiting. A malformed answer (short, or a response
 * longer than the buffer) is counted and fails its request with -EIO;
 * nothing of it reaches user space. Any context.
 */
void azblob_complete(struct azblob_parent *ap, u64 rqst_id,
		     const void *payload, u32 len)
{
	struct azblob_request *req = NULL;
	struct azblob_answer answer;
	unsigned long flags;
	int ret;

	xa_lock_irqsave(&ap->requests, flags);
	req = xa_load(&ap->requests, azblob_id_slot(rqst_id));
	/* The whole id, generation included: a late answer finds nothing. */
	if (req && req->rqst_id == rqst_id)
		__xa_erase(&ap->requests, req->id);
	else
		req = NULL;
	xa_unlock_irqrestore(&ap->requests, flags);
	if (!req) {
		/* Unknown, or a duplicate of one already finished. */
		atomic_inc(&ap->unknown_completions);
		return;
	}
	ret = azblob_parse_completion(payload, len,
				      req->bufs[AZBLOB_BUF_RESPONSE].len, &answer);
	if (ret)
		atomic_inc(&ap->malformed_completions);
	azblob_finish(req, ret ? -EIO : 0, ret ? NULL : &answer);
}
EXPORT_SYMBOL_GPL(azblob_complete);

/* No request outstanding. Any context. */
static bool azblob_idle(struct azblob_parent *ap)
{
	unsigned long flags;
	bool idle;

	xa_lock_irqsave(&ap->requests, flags);
	idle = xa_empty(&ap->requests);
	xa_unlock_irqrestore(&ap->requests, flags);
	return idle;
}

/**
 * azblob_stop_and_drain() - refuse new requests, wait for the host's answers
 * @ap: the channel, still open: completions still arrive
 * @timeout: in jiffies; 0 only stops new requests
 *
 * Process context. Callers waiting for a slot get -ENODEV.
 *
 * Return: true if no request is outstanding any more.
 */
bool azblob_stop_and_drain(struct azblob_parent *ap, unsigned long timeout)
{
	struct azblob_instance *inst;

	xa_lock_irq(&ap->requests);
	ap->dead = true;
	/* Callers waiting for a slot see @dead. */
	list_for_each_entry(inst, &ap->instances, link)
		wake_up_all(&inst->slot_wq);
	xa_unlock_irq(&ap->requests);
	/* And callers waiting for room in the ring. */
	wake_up_all(&ap->ring_wq);
	if (timeout)
		wait_event_timeout(ap->drain_wq, azblob_idle(ap), timeout);
	return azblob_idle(ap);
}

/**
 * azblob_restart() - take new requests again after azblob_stop_and_drain()
 * @ap: the channel, drained and open
 *
 * Only for a channel that stays: a suspend that is over, or that failed.
 */
void azblob_restart(struct azblob_parent *ap)
{
	xa_lock_irq(&ap->requests);
	ap->dead = false;
	xa_unlock_irq(&ap->requests);
}

/**
 * azblob_fail_all() - fail every outstanding request of a channel
 * @ap: the channel, already closed
 * @error: what the waiters get, normally -ENODEV
 * @host_done: the host no longer touches the requests' pages (the channel
 *	was rescinded, or closed with nothing outstanding). Otherwise their
 *	pages stay pinned for good, counted in azblob_leaked_pages: memory
 *	the host may still write must never be freed.
 */
void azblob_fail_all(struct azblob_parent *ap, int error, bool host_done)
{
	struct azblob_request *req;
	unsigned long index;
	unsigned int left = 0;

	azblob_stop_and_drain(ap, 0);
	xa_for_each(&ap->requests, index, req) {
		req = xa_erase_irq(&ap->requests, index);
		if (!req)
			continue;
		/*
		 * Before the engine's put: the last put frees, and unpins only
		 * what the host cannot be using. One never sent is not its.
		 */
		req->leak_pins = !host_done && READ_ONCE(req->on_wire);
		left += req->leak_pins;
		azblob_finish(req, error, NULL);
	}
	if (left)
		dev_warn(ap->dev, "%u requests still with the host at close: their pages stay pinned\n",
			 left);
}

/**
 * azblob_wake_instance() - wake every caller of an instance sleeping here
 * @inst: the instance, whose node was just revoked
 *
 * Callers waiting for a slot or for ring space recheck
 * vmbus_mdev_cdev_revoked() and return -ENODEV. Callers waiting for an
 * answer wait in the helper, which ends their wait itself; their requests
 * stay with the engine.
 */
void azblob_wake_instance(struct azblob_instance *inst)
{
	wake_up_all(&inst->slot_wq);
	wake_up_all(&inst->ap->ring_wq);
}

/* The ioctl's rules, in the order the uapi documents them. */
static int azblob_check(const struct az_blob_request_sync *r)
{
	unsigned long pages;

	if (!r->request_len || !r->response_len)
		return -EINVAL;
	if (r->data_valid > r->data_len)
		return -EINVAL;
	/* r->reserved is the 2021 layout's hole: its clients leave garbage there. */
	if (r->request_len > AZBLOB_MAX_BUF_LEN ||
	    r->response_len > AZBLOB_MAX_BUF_LEN ||
	    r->data_len > AZBLOB_MAX_BUF_LEN)
		return -EINVAL;
	pages = azblob_hv_pages(r->request_buffer, r->request_len) +
		azblob_hv_pages(r->response_buffer, r->response_len) +
		azblob_hv_pages(r->data_buffer, r->data_len);
	if (pages > AZBLOB_MAX_PAGES)
		return -EINVAL;
	return 0;
}

/*
 * Take the call's pinned pages: the request owns them from here on, until
 * it is freed, however long the host keeps them.
 */
static void azblob_take_pages(struct azblob_request *req,
			      struct vmbus_mdev_cdev_call *call)
{
	unsigned int i;

	for (i = 0; i < AZBLOB_NR_BUFS; i++) {
		struct vmbus_mdev_user_pages *p = &req->pins[i];
		struct azblob_wire_buf *b = &req->bufs[i];

		vmbus_mdev_user_pages_take(p, &call->pins[i]);
		b->uaddr = p->uaddr;
		b->len = p->len;
		b->nr_pages = p->nr_pages;
		b->pages = p->pages;
	}
}

/**
 * azblob_ring_space() - the channel's ring may have room again
 * @ap: the channel
 *
 * The transport calls it when the host has read from the ring (for the
 * VMBus glue: whenever its callback ran). Any context.
 */
void azblob_ring_space(struct azblob_parent *ap)
{
	atomic_inc(&ap->ring_seq);
	wake_up_all(&ap->ring_wq);
}
EXPORT_SYMBOL_GPL(azblob_ring_space);

/* Room may have come, or the wait must end. */
static bool azblob_ring_moved(struct azblob_parent *ap,
			      struct vmbus_mdev_cdev *rc, int seq)
{
	return atomic_read(&ap->ring_seq) != seq || READ_ONCE(ap->dead) ||
	       vmbus_mdev_cdev_revoked(rc);
}

/* How long the caller waits for the host: its timeout, and some grace. */
static long azblob_wait_jiffies(u32 timeout_ms)
{
	if (!timeout_ms)
		return MAX_SCHEDULE_TIMEOUT;
	return msecs_to_jiffies(min_t(u64, UINT_MAX, (u64)timeout_ms +
				      AZBLOB_TIMEOUT_GRACE_MS));
}

/*
 * Send; a full ring (-EAGAIN from the transport) is not an error for a
 * blocking caller, who waits for room: woken by
 * azblob_ring_space(), and retrying every 10 ms all the same, as a host
 * need not say when it has read. A caller with a timeout waits no longer
 * than for an answer (-ETIMEDOUT). The request is in the id table all the
 * while, so a removal's drain waits for it: it stops at @ap->dead.
 */
static int azblob_send(struct azblob_request *req, struct vmbus_mdev_cdev *rc,
		       bool nonblock, u32 timeout_ms)
{
	unsigned long deadline = jiffies + azblob_wait_jiffies(timeout_ms);
	struct azblob_parent *ap = req->ap;
	int ret, seq;

	for (;;) {
		seq = atomic_read(&ap->ring_seq);
		/*
		 * From the moment it may be in the ring, the host may use its
		 * pages: azblob_fail_all() must not unpin them then. A send
		 * cannot succeed once the channel is closed, so the flag is
		 * final by the time azblob_fail_all() reads it.
		 */
		WRITE_ONCE(req->on_wire, true);
		ret = ap->transport->send(ap, req->pkt.desc, req->pkt.desc_size,
					  &req->pkt.req, sizeof(req->pkt.req),
					  req->rqst_id);
		if (ret)
			WRITE_ONCE(req->on_wire, false);
		if (ret != -EAGAIN || nonblock)
			return ret;
		/* As in azblob_slot_get(): any signal backs out, to restart. */
		if (wait_event_interruptible_timeout(ap->ring_wq,
						     azblob_ring_moved(ap, rc, seq),
						     msecs_to_jiffies(10)) < 0)
			return -ERESTARTNOINTR;
		if (READ_ONCE(ap->dead) || vmbus_mdev_cdev_revoked(rc))
			return -ENODEV;
		if (timeout_ms && time_after_eq(jiffies, deadline))
			return -ETIMEDOUT;
	}
}

/*
 * Describe and send; on success the id table owns one reference and the
 * request's slot goes back when it finishes. On failure the slot has gone
 * back already.
 */
static int azblob_submit(struct azblob_request *req, struct vmbus_mdev_cdev *rc,
			 const struct az_blob_request_sync *r, bool nonblock)
{
	struct azblob_parent *ap = req->ap;
	guid_t txid;
	u32 id;
	int ret;

	import_guid(&txid, r->guid);
	ret = azblob_build_packet(&req->pkt, req->bufs, PAGE_SHIFT, r->timeout,
				  r->data_valid, &txid);
	if (ret)
		goto put_slot;

	kref_get(&req->ref);	/* the id table's */
	xa_lock_irq(&ap->requests);
	if (ap->dead)
		ret = -ENODEV;
	else
		ret = __xa_alloc(&ap->requests, &id, req,
				 XA_LIMIT(1, AZBLOB_MAX_REQUESTS), GFP_ATOMIC);
	if (!ret) {
		req->id = id;
		req->rqst_id = azblob_id_make(id, ++ap->generation);
	}
	xa_unlock_irq(&ap->requests);
	if (ret) {
		azblob_request_put(req);
		/* Quotas fit in the ids: -EBUSY would be a bug, not a full channel. */
		ret = WARN_ON_ONCE(ret == -EBUSY) ? -EAGAIN : ret;
		goto put_slot;
	}

	ret = azblob_send(req, rc, nonblock, r->timeout);
	/*
	 * Unless a channel close already failed it (and freed its slot, which
	 * another request may hold by now), take it back.
	 */
	if (ret && xa_cmpxchg_irq(&ap->requests, id, req, NULL, 0) == req) {
		azblob_request_put(req);
		/* The table may be empty now: a drain waits for that. */
		wake_up(&ap->drain_wq);
		goto put_slot;
	}
	return ret;

put_slot:
	azblob_slot_put(req->inst);
	return ret;
}

/**
 * azblob_ioctl_prepare() - check IOCTL_AZ_BLOB_DRIVER_USER_REQUEST
 * @file: the open file
 * @call: the call, with the user's struct az_blob_request_sync copied in
 *
 * Lists the three buffers for the helper to pin, in the packet's order
 * (enum azblob_buf_index). Process context, in the node's read section.
 *
 * Return: 0, or the errno the uapi documents for the request.
 */
int azblob_ioctl_prepare(struct file *file, struct vmbus_mdev_cdev_call *call)
{
	const struct az_blob_request_sync *r = call->buf;
	struct vmbus_mdev_user_pages *p = call->pins;
	int ret;

	if (!uid_eq(file->f_cred->euid, current_euid()) ||
	    !gid_eq(file->f_cred->egid, current_egid()))
		return -EACCES;
	ret = azblob_check(r);
	if (ret)
		return ret;
	p[AZBLOB_BUF_DATA] = (struct vmbus_mdev_user_pages) {
		.uaddr = r->data_buffer, .len = r->data_len, .write = true };
	p[AZBLOB_BUF_REQUEST] = (struct vmbus_mdev_user_pages) {
		.uaddr = r->request_buffer, .len = r->request_len };
	p[AZBLOB_BUF_RESPONSE] = (struct vmbus_mdev_user_pages) {
		.uaddr = r->response_buffer, .len = r->response_len, .write = true };
	call->nr_pins = AZBLOB_NR_BUFS;
	return 0;
}

/**
 * azblob_ioctl_request() - IOCTL_AZ_BLOB_DRIVER_USER_REQUEST
 * @inst: the instance of the node
 * @file: the open file
 * @call: the call that azblob_ioctl_prepare() accepted, its pages pinned
 *
 * Process context, in the node's read section: touches no user memory.
 * Once it has a slot, the call is deferred: the host's answer (or the
 * request's failure) completes it, into @call->buf, which the helper
 * copies out. A caller that stops waiting leaves the request to the
 * engine: its pages stay pinned until the host answers or the channel
 * closes.
 *
 * Return: 0 once deferred, or a negative errno; see
 * include/uapi/misc/azure_blob.h for the rules.
 */
long azblob_ioctl_request(struct azblob_instance *inst, struct file *file,
			  struct vmbus_mdev_cdev_call *call)
{
	struct vmbus_mdev_cdev *rc = vmbus_mdev_cdev_of_file(file);
	struct az_blob_request_sync *r = call->buf;
	struct azblob_request *req;
	long ret;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	kref_init(&req->ref);		/* ours */
	req->ap = inst->ap;
	kref_get(&inst->ref);
	req->inst = inst;
	azblob_take_pages(req, call);

	ret = azblob_slot_get(inst, rc, file->f_flags & O_NONBLOCK);
	if (ret)
		goto out;
	req->submitted = jiffies;

	/* From here on the call's result is what azblob_call_finish() gives. */
	vmbus_mdev_cdev_call_defer(call, azblob_wait_jiffies(r->timeout));
	req->call = call;
	ret = azblob_submit(req, rc, r, file->f_flags & O_NONBLOCK);
	if (ret)
		azblob_call_finish(req, ret, NULL);
	ret = 0;
out:
	azblob_request_put_caller(req);
	return ret;
}
