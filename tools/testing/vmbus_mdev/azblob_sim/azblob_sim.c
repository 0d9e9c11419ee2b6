// SPDX-License-Identifier: GPL-2.0
/*
 * A simulated Azure Blob host, for tests only.
 *
 * It registers a parent exactly as the VMBus probe does (azblob_parent_add()
 * on its own platform device) and plays the host at the transport seam:
 * it receives the very descriptor and inline request the vendor built for
 * vmbus_sendpacket_mpb_desc(), reads and writes the user's pages through
 * the PFN list, and answers from a workqueue, as the host does from the
 * other end of the ring.
 *
 * The protocol is a tiny in-memory blob store. The request buffer holds
 * "PUT <name>", "GET <name>", "DEL <name>" or "NOP <name>"; PUT stores the
 * data buffer's valid bytes, GET copies a blob into the data buffer, NOP
 * touches nothing (the benchmark's path without the copy). The response buffer
 * gets a status text ("OK <size>", "NOT FOUND", ...) and the completion
 * carries status 0, 404 or 400.
 *
 * Fault knobs, in /sys/kernel/debug/azblob_sim/:
 *   fault    "normal", "never" (hold requests, never answer),
 *            "delay <ms>", "unknown-id" (answer with an id never sent),
 *            "oversize" (response_len beyond the buffer), "twice"
 *            (answer each request two times), "stale" (answer each
 *            request, and again, late: once the next request was sent,
 *            before that one's answer, which comes 200 ms later)
 *   rescind  write 1: the host takes the channel away now, with whatever
 *            is in flight; the parent goes as on a VMBus rescind
 *   offer    write 1: the host offers the channel again (fresh parent)
 *   answer   write 1: the host answers now, as "normal" would have, every
 *            request that "never" held back so far
 *   bad_requests  requests the host refused as malformed (wrong version or
 *            operation, a buffer beyond the page list); answered with 400
 *   ring_bytes  the ring's size (at most 256 KiB, as the VMBus glue's): a packet
 *            holds ALIGN(descriptor + inline, 8) + 8 bytes until the host
 *            reads it (a held request's stays), and a send that does not
 *            fit gets -EAGAIN (counted in ring_full)
 *   keep_using  1: a normal removal's close leaves the host holding what it
 *            has not answered (a host that has not let go of the pages)
 *   use_late write 1: the host uses those pages now; each one it finds
 *            unpinned (the driver freed memory the host owned) counts in
 *   used_unpinned, and every page it used in used_late
 *   sleep    "suspend" or "resume": the driver's system sleep callbacks,
 *            as the PM core's device phase calls them; a suspend that
 *            closed the channel counts in suspends
 *
 * The device is bound to the platform driver "azblob_sim", which plays the
 * VMBus-side driver: its probe opens the channel and adds the parent, its
 * remove closes it the way the VMBus driver's remove does, its suspend
 * and resume drain, close and reopen it as the VMBus driver's do, so
 *   echo azblob_sim.0 > /sys/bus/platform/drivers/azblob_sim/unbind
 * and .../bind exercise driver unbind and rebind.
 */
#include <linux/debugfs.h>
#include <linux/genalloc.h>
#include <linux/highmem.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/unaligned.h>
#include <linux/workqueue.h>

#include "azblob.h"

#define SIM_MAX_NAME	64

struct sim_blob {
	struct list_head node;
	char name[SIM_MAX_NAME];
	void *data;
	u32 len;
};

/* The protocol's sizes, as sim_decode() below reads them. */
#define SIM_HV_PAGE_SHIFT	12
#define SIM_HV_PAGE		BIT(SIM_HV_PAGE_SHIFT)
#define SIM_INLINE_SIZE		56
#define SIM_COMPLETION_SIZE	12

enum sim_fault {
	SIM_NORMAL,
	SIM_NEVER,
	SIM_DELAY,
	SIM_UNKNOWN_ID,
	SIM_OVERSIZE,
	SIM_TWICE,
	SIM_STALE,
};

static const char * const sim_fault_names[] = {
	[SIM_NORMAL] = "normal",
	[SIM_NEVER] = "never",
	[SIM_DELAY] = "delay",
	[SIM_UNKNOWN_ID] = "unknown-id",
	[SIM_OVERSIZE] = "oversize",
	[SIM_TWICE] = "twice",
	[SIM_STALE] = "stale",
};

struct sim {
	struct platform_device *pdev;
	struct workqueue_struct *wq;
	struct dentry *debugfs;
	enum sim_fault fault;
	unsigned int delay_ms;

	struct mutex offer_lock;	/* ap, bound: offer and rescind */
	struct azblob_parent *ap;	/* NULL while rescinded */
	bool bound;			/* to the platform driver */

	/* jobs, closed, done, ring_used; taken in the answering tasklet too */
	spinlock_t jobs_lock;
	struct list_head jobs;		/* sent, not yet answered */
	bool closed;			/* channel closed: touch no page */
	/* The ring: a packet holds its bytes until the host reads it. */
	u32 ring_bytes;			/* its size; debugfs */
	u32 ring_used;
	atomic_t ring_full;		/* sends refused with -EAGAIN */
	/* Answers go out from a tasklet, as the channel callback runs. */
	struct list_head done;
	struct tasklet_struct done_tasklet;

	/* blobs; GETs share it, so parallel readers run in parallel */
	struct rw_semaphore store_lock;
	struct list_head blobs;
	atomic_t bad_requests;		/* refused: see sim_request_valid() */
	atomic_t suspends;		/* channel closed by a suspend */
	struct gen_pool *pool;		/* the jobs: see sim_job_alloc() */
	void *pool_mem;

	/* "stale": the last answer, sent again once the next request came */
	struct work_struct stale_work;
	bool stale_armed;		/* under jobs_lock */
	u64 stale_id;
	u8 stale_c[SIM_COMPLETION_SIZE];
	struct azblob_parent *stale_ap;

	bool keep_using;		/* the host keeps pages after close */
	struct list_head late;		/* those jobs, under jobs_lock */
	atomic_t used_unpinned;		/* pages it found unpinned then */
	atomic_t used_late;		/* pages it used after close */
};

/*
 * The host's view of a request, decoded from the 56 bytes of the 2021
 * protocol at offsets written here, not from the driver's header: a
 * layout mistake in the driver makes every round trip fail.
 */

struct sim_request {
	u32 version, timeout_ms;
	u32 data_off, data_len, data_valid;
	u32 operation;
	u32 req_off, req_len;
	u32 resp_off, resp_len;
	u8 txid[16];
};

static void sim_decode(struct sim_request *r, const u8 *raw)
{
	r->version = get_unaligned_le32(raw + 0);
	r->timeout_ms = get_unaligned_le32(raw + 4);
	r->data_off = get_unaligned_le32(raw + 8);
	r->data_len = get_unaligned_le32(raw + 12);
	r->data_valid = get_unaligned_le32(raw + 16);
	r->operation = get_unaligned_le32(raw + 20);
	r->req_off = get_unaligned_le32(raw + 24);
	r->req_len = get_unaligned_le32(raw + 28);
	r->resp_off = get_unaligned_le32(raw + 32);
	r->resp_len = get_unaligned_le32(raw + 36);
	memcpy(r->txid, raw + 40, sizeof(r->txid));
}

/*
 * What a host would refuse: a wrong version or operation, a buffer off
 * the list, or the buffers out of the protocol's order (data, request,
 * response: each starts in pages listed after the one before).
 */
static bool sim_request_valid(const struct sim_request *r, u32 nr_pfns)
{
	u64 end = (u64)nr_pfns * SIM_HV_PAGE;

	return r->version == 0 && r->operation == 0x100 &&
	       r->data_valid <= r->data_len &&
	       (u64)r->data_off + r->data_len <= end &&
	       (u64)r->req_off + r->req_len <= end &&
	       (u64)r->resp_off + r->resp_len <= end &&
	       (!r->data_len || r->data_off / SIM_HV_PAGE < r->req_off / SIM_HV_PAGE) &&
	       r->req_off / SIM_HV_PAGE < r->resp_off / SIM_HV_PAGE;
}

struct sim_job {
	struct delayed_work work;
	struct list_head node;		/* in sim->jobs until taken */
	struct sim *sim;
	struct azblob_parent *ap;
	enum sim_fault fault;
	u64 rqst_id;
	u32 ring_len;			/* bytes in the ring until read */
	u8 c[SIM_COMPLETION_SIZE];	/* the answer, for the tasklet */
	struct sim_request req;
	size_t size;			/* in sim->pool */
	u32 nr_pfns;
	u64 pfns[];		/* Hyper-V PFNs, 4 KiB each */
};

/*
 * The host's copy of what is in the ring, set aside at load: writing to
 * a ring neither sleeps nor allocates, so neither does the send. Four
 * times the largest ring holds every job a full ring of the smallest
 * packets makes (a job is at most about three times its packet) and
 * those answered but not yet delivered; a send that finds no room here
 * sees a full ring.
 */
#define SIM_RING_MAX	(256 * 1024)
#define SIM_POOL_BYTES	(4 * SIM_RING_MAX)

static struct sim_job *sim_job_alloc(struct sim *sim, size_t size)
{
	struct sim_job *job = (void *)gen_pool_alloc(sim->pool, size);

	if (job) {
		memset(job, 0, sizeof(*job));
		job->size = size;
	}
	return job;
}

static void sim_job_free(struct sim *sim, struct sim_job *job)
{
	gen_pool_free(sim->pool, (unsigned long)job, job->size);
}

static struct sim *the_sim;

/* Copy between @buf and the bytes at @off of the packet's page range. */
static void sim_copy(struct sim_job *job, u32 off, void *buf, u32 len,
		     bool to_guest)
{
	/* Hyper-V pages of 4 KiB: a guest page may hold several. */
	const unsigned int shift = PAGE_SHIFT - SIM_HV_PAGE_SHIFT;

	while (len) {
		u32 idx = off / SIM_HV_PAGE, in = off % SIM_HV_PAGE;
		u32 n = min_t(u32, len, SIM_HV_PAGE - in);
		unsigned long in_page;
		u64 hvpfn;
		void *va;

		if (idx >= job->nr_pfns)
			return;
		hvpfn = job->pfns[idx];
		in_page = ((hvpfn & ((1UL << shift) - 1)) << SIM_HV_PAGE_SHIFT) + in;
		/* The engine keeps these pages pinned until we answer. */
		va = kmap_local_page(pfn_to_page(hvpfn >> shift));
		if (to_guest)
			memcpy(va + in_page, buf, n);
		else
			memcpy(buf, va + in_page, n);
		kunmap_local(va);
		buf += n;
		off += n;
		len -= n;
	}
}

static struct sim_blob *sim_find(struct sim *sim, const char *name)
{
	struct sim_blob *b;

	list_for_each_entry(b, &sim->blobs, node)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

static void sim_drop(struct sim_blob *b)
{
	list_del(&b->node);
	kvfree(b->data);
	kfree(b);
}

/* Run one request against the store; returns the status for the completion. */
static u32 sim_execute(struct sim_job *job, char *text, char *resp, u32 resp_cap)
{
	struct sim *sim = job->sim;
	u32 data_off = job->req.data_off;
	u32 data_len = job->req.data_len;
	u32 valid = job->req.data_valid;
	char op[4], name[SIM_MAX_NAME];
	struct sim_blob *b;
	u32 status = 0;

	if (sscanf(text, "%3s %63s", op, name) != 2) {
		snprintf(resp, resp_cap, "BAD REQUEST");
		return 400;
	}
	/* The whole path but the host's copy, for the benchmark. */
	if (!strcmp(op, "NOP")) {
		snprintf(resp, resp_cap, "OK");
		return 0;
	}
	if (!strcmp(op, "GET"))
		down_read(&sim->store_lock);
	else
		down_write(&sim->store_lock);
	b = sim_find(sim, name);
	if (!strcmp(op, "PUT")) {
		void *data = kvmalloc(max(valid, 1U), GFP_KERNEL);

		if (!data) {
			status = 507;
			snprintf(resp, resp_cap, "NO SPACE");
			goto out;
		}
		if (b)
			sim_drop(b);
		b = kzalloc(sizeof(*b), GFP_KERNEL);
		if (!b) {
			kvfree(data);
			status = 507;
			snprintf(resp, resp_cap, "NO SPACE");
			goto out;
		}
		strscpy(b->name, name);
		b->data = data;
		b->len = valid;
		sim_copy(job, data_off, data, valid, false);
		list_add(&b->node, &sim->blobs);
		snprintf(resp, resp_cap, "OK %u", valid);
	} else if (!strcmp(op, "GET") && b) {
		sim_copy(job, data_off, b->data, min(b->len, data_len), true);
		snprintf(resp, resp_cap, "OK %u", b->len);
	} else if (!strcmp(op, "DEL") && b) {
		sim_drop(b);
		snprintf(resp, resp_cap, "OK");
	} else if (!strcmp(op, "GET") || !strcmp(op, "DEL")) {
		status = 404;
		snprintf(resp, resp_cap, "NOT FOUND");
	} else {
		status = 400;
		snprintf(resp, resp_cap, "BAD REQUEST");
	}
out:
	if (!strcmp(op, "GET"))
		up_read(&sim->store_lock);
	else
		up_write(&sim->store_lock);
	return status;
}

/* The transport callback's part: hand the answer to the driver. Softirq. */
static void sim_deliver(struct sim *sim, struct sim_job *job)
{
	azblob_complete(job->ap, job->fault == SIM_UNKNOWN_ID ?
			job->rqst_id + AZBLOB_MAX_REQUESTS : job->rqst_id,
			job->c, sizeof(job->c));
	if (job->fault == SIM_TWICE)
		azblob_complete(job->ap, job->rqst_id, job->c, sizeof(job->c));
	if (job->fault == SIM_STALE) {
		spin_lock(&sim->jobs_lock);
		/* Never armed across a close: the parent it names goes then. */
		if (!sim->closed) {
			sim->stale_armed = true;
			sim->stale_id = job->rqst_id;
			sim->stale_ap = job->ap;
			memcpy(sim->stale_c, job->c, sizeof(job->c));
		}
		spin_unlock(&sim->jobs_lock);
	}
}

static void sim_work(struct work_struct *work)
{
	struct sim_job *job = container_of(work, struct sim_job, work.work);
	u32 req_len = min_t(u32, job->req.req_len, 255);
	u32 resp_cap = job->req.resp_len;
	struct sim *sim = job->sim;
	char text[256] = "", resp[64] = "";
	u32 n, status;

	/*
	 * Whoever takes the job off the list owns it; rescind may have. Once
	 * the host is closed nothing is answered: a job still listed is left
	 * to rescind, which waits for this work to return and frees it.
	 */
	spin_lock_bh(&sim->jobs_lock);
	if (list_empty(&job->node) || sim->closed) {
		spin_unlock_bh(&sim->jobs_lock);
		return;
	}
	list_del_init(&job->node);
	/* The host reads the packet out of the ring. */
	sim->ring_used -= job->ring_len;
	job->ring_len = 0;
	spin_unlock_bh(&sim->jobs_lock);
	azblob_ring_space(job->ap);

	if (sim_request_valid(&job->req, job->nr_pfns)) {
		sim_copy(job, job->req.req_off, text, req_len, false);
		status = sim_execute(job, text, resp, sizeof(resp));
	} else {
		atomic_inc(&sim->bad_requests);
		status = 400;
		snprintf(resp, sizeof(resp), "MALFORMED");
	}
	n = min_t(u32, strlen(resp), resp_cap);
	if (sim_request_valid(&job->req, job->nr_pfns))
		sim_copy(job, job->req.resp_off, resp, n, true);
	else
		n = 0;
	put_unaligned_le32(SIM_COMPLETION_SIZE, job->c + 0);
	put_unaligned_le32(status, job->c + 4);
	put_unaligned_le32(job->fault == SIM_OVERSIZE ? resp_cap + 1 : n, job->c + 8);
	spin_lock_bh(&sim->jobs_lock);
	list_add_tail(&job->node, &sim->done);
	spin_unlock_bh(&sim->jobs_lock);
	tasklet_schedule(&sim->done_tasklet);
}

/*
 * Deliver answers in softirq context, as the VMBus channel callback does.
 * After close nothing is delivered: sim_close() kills the tasklet.
 */
static void sim_done_tasklet(struct tasklet_struct *t)
{
	struct sim *sim = from_tasklet(sim, t, done_tasklet);
	struct sim_job *job, *tmp;
	LIST_HEAD(done);
	bool closed;

	spin_lock(&sim->jobs_lock);
	list_splice_init(&sim->done, &done);
	closed = sim->closed;
	spin_unlock(&sim->jobs_lock);
	list_for_each_entry_safe(job, tmp, &done, node) {
		if (!closed)
			sim_deliver(sim, job);
		sim_job_free(sim, job);
	}
}

/* The late copy of an answer already given, as a confused host sends it. */
static void sim_stale_work(struct work_struct *work)
{
	struct sim *sim = container_of(work, struct sim, stale_work);
	u8 c[SIM_COMPLETION_SIZE];
	struct azblob_parent *ap;
	u64 id;

	/* A snapshot: the tasklet may arm the next one meanwhile. */
	spin_lock_bh(&sim->jobs_lock);
	ap = sim->stale_ap;
	id = sim->stale_id;
	memcpy(c, sim->stale_c, sizeof(c));
	spin_unlock_bh(&sim->jobs_lock);
	/* sim_close() cancels this work before the parent goes. */
	azblob_complete(ap, id, c, sizeof(c));
}

/* The transport seam: the bytes vmbus_sendpacket_mpb_desc() would send. */
static int sim_send(struct azblob_parent *ap, struct vmbus_packet_mpb_array *desc,
		    u32 desc_size, void *req, u32 req_len, u64 rqst_id)
{
	struct sim *sim = ap->transport_priv;
	u32 nr_pfns = (desc_size - sizeof(*desc)) / sizeof(u64);
	struct sim_job *job;
	int ret = 0;

	/* What a host would reject: exactly one range, covering the PFNs. */
	if (desc_size < sizeof(*desc) || desc->rangecount != 1 ||
	    desc->range.offset || desc->range.len != nr_pfns * SIM_HV_PAGE ||
	    req_len != SIM_INLINE_SIZE)
		return -EINVAL;
	/* Never sleeps nor allocates, as writing to the ring does neither. */
	job = sim_job_alloc(sim, struct_size(job, pfns, nr_pfns));
	if (!job) {
		atomic_inc(&sim->ring_full);
		return -EAGAIN;
	}
	/* The packet in the ring: descriptor, inline part, 8 bytes of indices. */
	job->ring_len = ALIGN(desc_size + req_len, 8) + 8;
	INIT_DELAYED_WORK(&job->work, sim_work);
	job->sim = sim;
	job->ap = ap;
	job->fault = READ_ONCE(sim->fault);
	job->rqst_id = rqst_id;
	job->nr_pfns = nr_pfns;
	memcpy(job->pfns, desc->range.pfn_array, nr_pfns * sizeof(u64));
	sim_decode(&job->req, req);

	/* Under the lock: a rescind either sees this job or refuses it. */
	spin_lock_bh(&sim->jobs_lock);
	if (sim->closed) {
		ret = -ENODEV;
	} else if (sim->ring_used + job->ring_len >
		   min(READ_ONCE(sim->ring_bytes), SIM_RING_MAX)) {
		ret = -EAGAIN;	/* the ring is full until the host reads */
		atomic_inc(&sim->ring_full);
	} else {
		unsigned long delay = 0;

		sim->ring_used += job->ring_len;
		list_add_tail(&job->node, &sim->jobs);
		if (job->fault == SIM_DELAY)
			delay = msecs_to_jiffies(READ_ONCE(sim->delay_ms));
		/* The late answer first, this request's own well after it. */
		if (job->fault == SIM_STALE && sim->stale_armed) {
			sim->stale_armed = false;
			queue_work(sim->wq, &sim->stale_work);
			delay = msecs_to_jiffies(200);
		}
		if (job->fault != SIM_NEVER)
			queue_delayed_work(sim->wq, &job->work, delay);
	}
	spin_unlock_bh(&sim->jobs_lock);
	if (ret)
		sim_job_free(sim, job);
	return ret;
}

static const struct azblob_transport sim_transport = {
	.send = sim_send,
};

/*
 * Close the channel: no page of a job still listed is touched any more,
 * unless keep_using says the host does not let go; those jobs go to
 * sim->late, for sim_use_late() to check once the test says so.
 */
static void sim_close(struct sim *sim, bool rescind)
{
	/* On a rescind the host has let go: keep_using is for a normal close. */
	bool keep = READ_ONCE(sim->keep_using) && !rescind;
	struct sim_job *job;

	spin_lock_bh(&sim->jobs_lock);
	sim->closed = true;
	sim->stale_armed = false;
	spin_unlock_bh(&sim->jobs_lock);
	/* A late answer goes to the parent it was meant for, before it goes. */
	cancel_work_sync(&sim->stale_work);
	for (;;) {
		spin_lock_bh(&sim->jobs_lock);
		job = list_first_entry_or_null(&sim->jobs, struct sim_job, node);
		if (job)
			list_del_init(&job->node);
		spin_unlock_bh(&sim->jobs_lock);
		if (!job)
			break;
		cancel_delayed_work_sync(&job->work);
		if (keep) {
			spin_lock_bh(&sim->jobs_lock);
			list_add_tail(&job->node, &sim->late);
			spin_unlock_bh(&sim->jobs_lock);
		} else {
			sim_job_free(sim, job);
		}
	}
	/* Jobs that took themselves off the list are running: let them end. */
	flush_workqueue(sim->wq);
	/* Their answers are dropped, not delivered: the channel is closed. */
	tasklet_kill(&sim->done_tasklet);
	spin_lock_bh(&sim->jobs_lock);
	sim->ring_used = 0;
	/* The tasklet may have armed one as it ended: drop it. */
	sim->stale_armed = false;
	spin_unlock_bh(&sim->jobs_lock);
}

/*
 * A host that kept using pages after close: each one must still be
 * pinned, or the driver freed memory the host owned (counted).
 */
static void sim_use_late(struct sim *sim, bool check)
{
	const unsigned int shift = PAGE_SHIFT - SIM_HV_PAGE_SHIFT;
	struct sim_job *job;
	u32 i;

	for (;;) {
		spin_lock_bh(&sim->jobs_lock);
		job = list_first_entry_or_null(&sim->late, struct sim_job, node);
		if (job)
			list_del(&job->node);
		spin_unlock_bh(&sim->jobs_lock);
		if (!job)
			return;
		for (i = 0; check && i < job->nr_pfns; i++) {
			struct page *page = pfn_to_page(job->pfns[i] >> shift);

			atomic_inc(&sim->used_late);
			if (!folio_maybe_dma_pinned(page_folio(page)))
				atomic_inc(&sim->used_unpinned);
		}
		sim_job_free(sim, job);
	}
}

/*
 * Take the channel away. A rescind: nothing in flight is answered (as on
 * a 6.12 rescind, where the channel callback is cleared first) and no
 * page is touched any more. Otherwise the way the VMBus driver's remove
 * does it: drain while the channel works, close, remove.
 */
static int sim_take_away(struct sim *sim, bool rescind)
{
	bool host_done;

	mutex_lock(&sim->offer_lock);
	if (!sim->ap) {
		mutex_unlock(&sim->offer_lock);
		return -ENODEV;
	}
	host_done = azblob_parent_drain(sim->ap, !rescind) || rescind;
	sim_close(sim, rescind);
	azblob_parent_remove(sim->ap, host_done);
	sim->ap = NULL;
	mutex_unlock(&sim->offer_lock);
	return 0;
}

static int sim_rescind(struct sim *sim)
{
	return sim_take_away(sim, true);
}

/*
 * Answer the requests "never" held back. Their work was never queued, so
 * none of it can be running; each is queued once (its fault changes), and
 * whoever takes a job off the list owns it, as in sim_work().
 */
static void sim_answer_held(struct sim *sim)
{
	struct sim_job *job;

	spin_lock_bh(&sim->jobs_lock);
	/* A rescind that has begun owns whatever is left on the list. */
	list_for_each_entry(job, &sim->jobs, node) {
		if (sim->closed || job->fault != SIM_NEVER)
			continue;
		job->fault = SIM_NORMAL;
		queue_delayed_work(sim->wq, &job->work, 0);
	}
	spin_unlock_bh(&sim->jobs_lock);
}

static int sim_offer(struct sim *sim)
{
	struct azblob_parent *ap;
	int ret = 0;

	mutex_lock(&sim->offer_lock);
	if (!sim->bound) {
		ret = -ENODEV;	/* no driver to offer the channel to */
		goto out;
	}
	if (sim->ap) {
		ret = -EBUSY;
		goto out;
	}
	spin_lock_bh(&sim->jobs_lock);
	sim->closed = false;
	spin_unlock_bh(&sim->jobs_lock);
	ap = azblob_parent_add(&sim->pdev->dev, &sim_transport, sim);
	if (IS_ERR(ap))
		ret = PTR_ERR(ap);
	else
		sim->ap = ap;
out:
	mutex_unlock(&sim->offer_lock);
	return ret;
}

static ssize_t fault_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct sim *sim = file->private_data;
	char buf[32], name[16];
	unsigned int ms = 0, i;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%15s %u", name, &ms) < 1)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(sim_fault_names); i++) {
		if (strcmp(name, sim_fault_names[i]))
			continue;
		WRITE_ONCE(sim->delay_ms, ms);
		WRITE_ONCE(sim->fault, i);
		return len;
	}
	return -EINVAL;
}

static ssize_t fault_read(struct file *file, char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	struct sim *sim = file->private_data;
	char buf[32];
	int n;

	n = scnprintf(buf, sizeof(buf), "%s %u\n",
		      sim_fault_names[READ_ONCE(sim->fault)],
		      READ_ONCE(sim->delay_ms));
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations fault_fops = {
	.open = simple_open,
	.read = fault_read,
	.write = fault_write,
};

static ssize_t rescind_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	int ret = sim_rescind(file->private_data);

	return ret ?: len;
}

static const struct file_operations rescind_fops = {
	.open = simple_open,
	.write = rescind_write,
};

static ssize_t use_late_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	sim_use_late(file->private_data, true);
	return len;
}

static const struct file_operations use_late_fops = {
	.open = simple_open,
	.write = use_late_write,
};

static ssize_t offer_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	int ret = sim_offer(file->private_data);

	return ret ?: len;
}

static const struct file_operations offer_fops = {
	.open = simple_open,
	.write = offer_write,
};

static ssize_t answer_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	sim_answer_held(file->private_data);
	return len;
}

static const struct file_operations answer_fops = {
	.open = simple_open,
	.write = answer_write,
};

/* The VMBus-side driver: probe opens the channel, remove closes it. */
static int sim_probe(struct platform_device *pdev)
{
	struct sim *sim = the_sim;

	int ret;

	mutex_lock(&sim->offer_lock);
	sim->bound = true;
	mutex_unlock(&sim->offer_lock);
	ret = sim_offer(sim);
	if (ret) {
		mutex_lock(&sim->offer_lock);
		sim->bound = false;
		mutex_unlock(&sim->offer_lock);
	}
	return ret;
}

static void sim_remove(struct platform_device *pdev)
{
	struct sim *sim = the_sim;

	sim_take_away(sim, false);	/* -ENODEV if rescinded before: fine */
	mutex_lock(&sim->offer_lock);
	sim->bound = false;
	mutex_unlock(&sim->offer_lock);
}

/*
 * System sleep, as the VMBus driver's suspend and resume do it: drain
 * while the channel works, close, and later reopen, keeping the parent.
 * A failed drain fails the suspend with -EBUSY and leaves the channel
 * open. They are this platform driver's PM ops, so a real system sleep
 * calls them too, in the normal device phase (VMBus calls its drivers in
 * the noirq phase). Process context, the device locked.
 */
static int sim_suspend(struct device *dev)
{
	struct sim *sim = the_sim;
	int ret = 0;

	mutex_lock(&sim->offer_lock);
	if (sim->ap) {
		ret = azblob_parent_suspend(sim->ap);
		if (!ret) {
			sim_close(sim, false);
			atomic_inc(&sim->suspends);
		}
	}
	mutex_unlock(&sim->offer_lock);
	return ret;
}

static int sim_resume(struct device *dev)
{
	struct sim *sim = the_sim;

	mutex_lock(&sim->offer_lock);
	if (sim->ap) {
		spin_lock_bh(&sim->jobs_lock);
		sim->closed = false;
		spin_unlock_bh(&sim->jobs_lock);
		azblob_parent_resume(sim->ap);
	}
	mutex_unlock(&sim->offer_lock);
	return 0;
}

static DEFINE_SIMPLE_DEV_PM_OPS(sim_pm_ops, sim_suspend, sim_resume);

/*
 * "suspend" or "resume": run the driver's own callback as the PM core's
 * device phase would, the device locked. The VM cannot run that phase
 * itself: its host share (virtio-9p) does not come back from it.
 */
static ssize_t sleep_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct sim *sim = file->private_data;
	struct device *dev = &sim->pdev->dev;
	char buf[16];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	device_lock(dev);
	if (!dev->driver)
		ret = -ENODEV;
	else if (sysfs_streq(buf, "suspend"))
		ret = sim_suspend(dev);
	else if (sysfs_streq(buf, "resume"))
		ret = sim_resume(dev);
	else
		ret = -EINVAL;
	device_unlock(dev);
	return ret ?: len;
}

static const struct file_operations sleep_fops = {
	.open = simple_open,
	.write = sleep_write,
};

static struct platform_driver sim_driver = {
	.probe = sim_probe,
	.remove = sim_remove,
	.driver = {
		.name = "azblob_sim",
		.pm = pm_sleep_ptr(&sim_pm_ops),
	},
};

static int __init sim_init(void)
{
	struct sim *sim;
	int ret;

	sim = kzalloc(sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;
	init_rwsem(&sim->store_lock);
	mutex_init(&sim->offer_lock);
	spin_lock_init(&sim->jobs_lock);
	INIT_LIST_HEAD(&sim->blobs);
	INIT_LIST_HEAD(&sim->jobs);
	INIT_LIST_HEAD(&sim->late);
	INIT_LIST_HEAD(&sim->done);
	tasklet_setup(&sim->done_tasklet, sim_done_tasklet);
	sim->ring_bytes = SIM_RING_MAX;
	INIT_WORK(&sim->stale_work, sim_stale_work);
	ret = -ENOMEM;
	sim->pool_mem = kvmalloc(SIM_POOL_BYTES, GFP_KERNEL);
	sim->pool = gen_pool_create(ilog2(sizeof(u64)), NUMA_NO_NODE);
	if (!sim->pool_mem || !sim->pool ||
	    gen_pool_add(sim->pool, (unsigned long)sim->pool_mem,
			 SIM_POOL_BYTES, NUMA_NO_NODE))
		goto err_pool;
	sim->wq = alloc_workqueue("azblob_sim", WQ_UNBOUND, 0);
	if (!sim->wq)
		goto err_pool;
	sim->pdev = platform_device_register_simple("azblob_sim", 0, NULL, 0);
	if (IS_ERR(sim->pdev)) {
		ret = PTR_ERR(sim->pdev);
		goto err_wq;
	}
	the_sim = sim;
	ret = platform_driver_register(&sim_driver);
	if (ret)
		goto err_pdev;
	sim->debugfs = debugfs_create_dir("azblob_sim", NULL);
	debugfs_create_file("fault", 0600, sim->debugfs, sim, &fault_fops);
	debugfs_create_file("rescind", 0200, sim->debugfs, sim, &rescind_fops);
	debugfs_create_file("offer", 0200, sim->debugfs, sim, &offer_fops);
	debugfs_create_file("answer", 0200, sim->debugfs, sim, &answer_fops);
	debugfs_create_atomic_t("bad_requests", 0400, sim->debugfs,
				&sim->bad_requests);
	debugfs_create_bool("keep_using", 0600, sim->debugfs, &sim->keep_using);
	debugfs_create_u32("ring_bytes", 0600, sim->debugfs, &sim->ring_bytes);
	debugfs_create_atomic_t("ring_full", 0400, sim->debugfs, &sim->ring_full);
	debugfs_create_file("use_late", 0200, sim->debugfs, sim, &use_late_fops);
	debugfs_create_file("sleep", 0200, sim->debugfs, sim, &sleep_fops);
	debugfs_create_atomic_t("suspends", 0400, sim->debugfs, &sim->suspends);
	debugfs_create_atomic_t("used_unpinned", 0400, sim->debugfs,
				&sim->used_unpinned);
	debugfs_create_atomic_t("used_late", 0400, sim->debugfs,
				&sim->used_late);
	return 0;

err_pdev:
	platform_device_unregister(sim->pdev);
err_wq:
	destroy_workqueue(sim->wq);
err_pool:
	if (sim->pool)
		gen_pool_destroy(sim->pool);
	kvfree(sim->pool_mem);
	kfree(sim);
	return ret;
}

static void __exit sim_exit(void)
{
	struct sim *sim = the_sim;
	struct sim_blob *b, *tmp;

	debugfs_remove(sim->debugfs);
	platform_driver_unregister(&sim_driver);	/* closes the channel */
	sim_use_late(sim, false);
	destroy_workqueue(sim->wq);
	platform_device_unregister(sim->pdev);
	list_for_each_entry_safe(b, tmp, &sim->blobs, node)
		sim_drop(b);
	/* Every job is freed by now; a leak would stop here (BUG). */
	gen_pool_destroy(sim->pool);
	kvfree(sim->pool_mem);
	mutex_destroy(&sim->offer_lock);
	kfree(sim);
}

module_init(sim_init);
module_exit(sim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Simulated Azure Blob host for vmbus_mdev tests");
