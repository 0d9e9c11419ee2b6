// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the revocable character device helper. Files are opened through
 * the real /dev node (devtmpfs), so open, ioctl and close take the same
 * path as from user space.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/ioctl.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/vmbus_mdev.h>

#include "fixture.h"

#define CT_NODE		"vmbus_mdev_kunit/node"
#define CT_PATH		"/dev/" CT_NODE
#define CT_IOC_PING	0x1234
#define CT_IOC_SLEEP	0x1235

/*
 * The user-memory commands: the helper copies struct ct_arg in and out and
 * pins @len bytes at @addr for the owner, which reports what it saw.
 */
struct ct_arg {
	u64 addr;
	u32 len;
	u32 out;
};

#define CT_IOC_PIN	_IOWR('k', 1, struct ct_arg)	/* helper unpins */
#define CT_IOC_KEEP	_IOWR('k', 2, struct ct_arg)	/* owner keeps the pages */
#define CT_IOC_FAIL	_IOWR('k', 3, struct ct_arg)	/* fails: no copy out */
#define CT_IOC_PIN2	_IOWR('k', 4, struct ct_arg)	/* and address 16 */
#define CT_IOC_DEFER	_IOWR('k', 5, struct ct_arg)	/* owner keeps, defers */

struct ct {
	struct vmbus_mdev_cdev *rc;
	atomic_t opens, releases, ioctls, revokes;
	atomic_t wrong_file_data;
	/*
	 * CT_IOC_SLEEP: signals @sleeping, sleeps in @wq until woken by
	 * revoke, signals @woken, then stays in the call until the test
	 * completes @proceed, and sets @ioctl_returned on its way out.
	 */
	wait_queue_head_t wq;
	struct completion sleeping, woken, proceed;
	bool ioctl_returned;

	/* What the owner saw of the pinned range, in the CT_IOC_PIN family. */
	atomic_t prepares;
	unsigned int seen_nr_pages;
	struct page *seen_page;		/* the first; mapped by the test */
	u8 seen_byte;			/* at the range's first address */
	struct vmbus_mdev_user_pages kept;	/* CT_IOC_KEEP, CT_IOC_DEFER */

	/* CT_IOC_DEFER: the call, deferred for @defer_timeout, and its pages. */
	struct vmbus_mdev_cdev_call *deferred;
	long defer_timeout;
};

static int ct_open(struct vmbus_mdev_cdev *rc, struct file *file)
{
	struct ct *ct = vmbus_mdev_cdev_priv(rc);

	atomic_inc(&ct->opens);
	vmbus_mdev_cdev_set_file_data(file, ct);
	return 0;
}

static void ct_release(struct vmbus_mdev_cdev *rc, struct file *file)
{
	struct ct *ct = vmbus_mdev_cdev_priv(rc);

	/* May run from the delayed fput worker: no KUnit asserts here. */
	if (vmbus_mdev_cdev_file_data(file) != ct)
		atomic_inc(&ct->wrong_file_data);
	atomic_inc(&ct->releases);
}

static int ct_prepare(struct file *file, struct vmbus_mdev_cdev_call *call)
{
	struct ct *ct = vmbus_mdev_cdev_file_data(file);
	struct ct_arg *a = call->buf;

	atomic_inc(&ct->prepares);
	if (_IOC_TYPE(call->cmd) != 'k')
		return 0;
	call->pins[0] = (struct vmbus_mdev_user_pages) {
		.uaddr = a->addr, .len = a->len, .write = true };
	call->nr_pins = 1;
	if (call->cmd == CT_IOC_PIN2) {
		/* Nothing is mapped at 16: this one cannot be pinned. */
		call->pins[1] = (struct vmbus_mdev_user_pages) {
			.uaddr = 16, .len = 1 };
		call->nr_pins = 2;
	}
	return 0;
}

/* The CT_IOC_PIN family: look at the pages, never at user memory. */
static long ct_ioctl_pages(struct ct *ct, struct vmbus_mdev_cdev_call *call)
{
	struct vmbus_mdev_user_pages *p = &call->pins[0];
	struct ct_arg *a = call->buf;
	u8 *v;

	ct->seen_nr_pages = p->nr_pages;
	ct->seen_page = p->nr_pages ? p->pages[0] : NULL;
	if (p->nr_pages) {
		v = kmap_local_page(p->pages[0]);
		ct->seen_byte = v[offset_in_page(p->uaddr)];
		kunmap_local(v);
	}
	a->out = 42;
	if (call->cmd == CT_IOC_KEEP || call->cmd == CT_IOC_DEFER)
		vmbus_mdev_user_pages_take(&ct->kept, p);
	if (call->cmd == CT_IOC_DEFER) {
		vmbus_mdev_cdev_call_defer(call, ct->defer_timeout);
		WRITE_ONCE(ct->deferred, call);
		complete(&ct->sleeping);
	}
	return call->cmd == CT_IOC_FAIL ? -EIO : 0;
}

static long ct_ioctl(struct file *file, struct vmbus_mdev_cdev_call *call)
{
	struct ct *ct = vmbus_mdev_cdev_file_data(file);

	atomic_inc(&ct->ioctls);
	if (call->cmd == CT_IOC_PING)
		return 42;
	if (_IOC_TYPE(call->cmd) == 'k')
		return ct_ioctl_pages(ct, call);
	if (call->cmd != CT_IOC_SLEEP)
		return -ENOTTY;
	complete(&ct->sleeping);
	wait_event(ct->wq, vmbus_mdev_cdev_revoked(ct->rc));
	/* Still inside the call, until the test has seen revoke wait for it. */
	complete(&ct->woken);
	wait_for_completion(&ct->proceed);
	WRITE_ONCE(ct->ioctl_returned, true);
	return -EINTR;
}

static void ct_revoke(struct vmbus_mdev_cdev *rc)
{
	struct ct *ct = vmbus_mdev_cdev_priv(rc);

	atomic_inc(&ct->revokes);
	wake_up_all(&ct->wq);
}

static const unsigned int ct_cmds[] = {
	CT_IOC_PING, CT_IOC_SLEEP, CT_IOC_PIN, CT_IOC_KEEP, CT_IOC_FAIL,
	CT_IOC_PIN2, CT_IOC_DEFER, 0
};

static const struct vmbus_mdev_cdev_ops ct_ops = {
	.open = ct_open,
	.cmds = ct_cmds,
	.release = ct_release,
	.prepare = ct_prepare,
	.ioctl = ct_ioctl,
	.revoke = ct_revoke,
};

static int ct_init(struct kunit *test)
{
	struct device *parent;
	struct ct *ct;

	ct = kunit_kzalloc(test, sizeof(*ct), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	init_waitqueue_head(&ct->wq);
	init_completion(&ct->sleeping);
	init_completion(&ct->woken);
	init_completion(&ct->proceed);
	parent = fx_new_device(test);
	KUNIT_ASSERT_FALSE(test, IS_ERR(parent));
	ct->rc = vmbus_mdev_cdev_create(parent, &ct_ops, ct, 0600, CT_NODE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ct->rc));
	test->priv = ct;
	fx_need_path(test, CT_PATH);
	return 0;
}

static void ct_exit(struct kunit *test)
{
	struct ct *ct = test->priv;

	if (ct && ct->rc)
		vmbus_mdev_cdev_destroy(ct->rc);
	/* Closed files are freed by a delayed fput in kernel threads. */
	flush_delayed_fput();
	if (ct)
		KUNIT_EXPECT_EQ(test, atomic_read(&ct->wrong_file_data), 0);
}

static struct file *ct_open_node(struct kunit *test)
{
	struct file *f = filp_open(CT_PATH, O_RDWR, 0);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(f), "open %s: %ld", CT_PATH,
			       PTR_ERR(f));
	return f;
}

static void ct_close(struct file *f)
{
	fput(f);
	flush_delayed_fput();
}

static long ct_do_ioctl(struct file *f, unsigned int cmd)
{
	return f->f_op->unlocked_ioctl(f, cmd, 0);
}

/* The node is /dev/<path>, 0600, and calls reach the owner. */
static void cdev_node_and_calls(struct kunit *test)
{
	struct ct *ct = test->priv;
	struct file *f = ct_open_node(test);

	KUNIT_EXPECT_EQ(test, file_inode(f)->i_mode & 0777, 0600);
	KUNIT_EXPECT_EQ(test, ct_do_ioctl(f, CT_IOC_PING), 42);
	/* Not in the owner's table: the helper refuses it, the owner never sees it. */
	KUNIT_EXPECT_EQ(test, ct_do_ioctl(f, 0x999), -ENOTTY);
	KUNIT_EXPECT_EQ(test, f->f_op->unlocked_ioctl(f, _IOWR('k', 9, struct ct_arg), 16),
			-ENOTTY);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->ioctls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->prepares), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->opens), 1);
	ct_close(f);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->revokes), 0);
}

/* After revoke: -ENODEV, one release done by revoke, none at close. */
static void cdev_revoke_cuts_open_files(struct kunit *test)
{
	struct ct *ct = test->priv;
	struct file *f = ct_open_node(test);

	vmbus_mdev_cdev_revoke(ct->rc);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->revokes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
	KUNIT_EXPECT_EQ(test, ct_do_ioctl(f, CT_IOC_PING), -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->ioctls), 0);
	KUNIT_EXPECT_TRUE(test, IS_ERR(filp_open(CT_PATH, O_RDWR, 0)));
	ct_close(f);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
	/* A second revoke (destroy, in exit) is a no-op. */
	vmbus_mdev_cdev_revoke(ct->rc);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->revokes), 1);
}

static int ct_sleeper(void *data)
{
	struct file *f = data;

	ct_do_ioctl(f, CT_IOC_SLEEP);
	return 0;
}

/* Runs vmbus_mdev_cdev_revoke() in a thread of its own. */
struct ct_revoker {
	struct ct *ct;
	struct completion started, returned;
	bool saw_ioctl_returned;	/* when revoke returned */
};

static int ct_revoker_fn(void *data)
{
	struct ct_revoker *r = data;

	complete(&r->started);
	vmbus_mdev_cdev_revoke(r->ct->rc);
	r->saw_ioctl_returned = READ_ONCE(r->ct->ioctl_returned);
	complete(&r->returned);
	return 0;
}

/* Revokes once a call is deferred (CT_IOC_DEFER). */
static int ct_deferred_revoker_fn(void *data)
{
	struct ct_revoker *r = data;

	if (wait_for_completion_timeout(&r->ct->sleeping, 10 * HZ))
		vmbus_mdev_cdev_revoke(r->ct->rc);
	complete(&r->returned);
	return 0;
}

/*
 * Until @t is off the CPU, asleep (or gone: a thread that has exited is
 * not running either), polling every millisecond for up to @ms.
 */
static bool ct_wait_not_running(struct task_struct *t, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (task_is_running(t)) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(1000, 2000);
	}
	return true;
}

/*
 * Revoke wakes a sleeping call through the owner, and waits for it: the
 * call, once woken, stays in the owner until the test lets it go, and the
 * revoking thread must then be asleep with revoke not yet returned.
 */
static void cdev_revoke_drains_calls(struct kunit *test)
{
	struct ct *ct = test->priv;
	struct file *f = ct_open_node(test);
	struct task_struct *t, *rt;
	struct ct_revoker *r;
	bool woken, asleep;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->ct = ct;
	init_completion(&r->started);
	init_completion(&r->returned);

	get_file(f);	/* the sleeper's reference, put at out */
	t = kthread_create(ct_sleeper, f, "ct_sleeper");
	if (IS_ERR(t)) {
		fput(f);
		KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(t));
		goto out_file;
	}
	/* As for the revoker below: pinned before it can run and end. */
	get_task_struct(t);
	wake_up_process(t);
	if (!wait_for_completion_timeout(&ct->sleeping, 5 * HZ)) {
		KUNIT_FAIL(test, "the call never reached the owner");
		/* Wherever the sleeper is, revoke and proceed let it end. */
		complete(&ct->proceed);
		vmbus_mdev_cdev_revoke(ct->rc);
		goto out;
	}

	rt = kthread_create(ct_revoker_fn, r, "ct_revoker");
	if (IS_ERR(rt)) {
		/* Revoke here, so that the sleeper is let go and can end. */
		complete(&ct->proceed);
		vmbus_mdev_cdev_revoke(ct->rc);
		KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(rt));
		goto out;
	}
	/*
	 * Before it runs: a revoke that does not wait returns at once, and
	 * the thread may be gone before a reference taken after the start.
	 * Pairs with the put_task_struct() below.
	 */
	get_task_struct(rt);
	wake_up_process(rt);
	wait_for_completion(&r->started);

	woken = wait_for_completion_timeout(&ct->woken, 5 * HZ);
	KUNIT_EXPECT_TRUE_MSG(test, woken, "revoke did not wake the sleeping call");
	if (woken) {
		/* The call is parked inside the owner: revoke must wait. */
		asleep = ct_wait_not_running(rt, 5000);
		KUNIT_EXPECT_TRUE_MSG(test, asleep, "the revoking thread never slept");
		KUNIT_EXPECT_FALSE_MSG(test, completion_done(&r->returned),
				       "revoke returned with a call still inside the owner");
	} else {
		/* Let the sleeper end all the same (revoked is set). */
		wake_up_all(&ct->wq);
	}
	complete(&ct->proceed);
	/* Unbounded past the report: the thread uses @r and @ct until it ends. */
	if (!wait_for_completion_timeout(&r->returned, 5 * HZ)) {
		KUNIT_FAIL(test, "revoke still running 5 s after the call returned");
		wait_for_completion(&r->returned);
	}
	KUNIT_EXPECT_TRUE(test, r->saw_ioctl_returned);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
	kthread_stop(rt);
	put_task_struct(rt);

out:
	kthread_stop(t);
	put_task_struct(t);
	fput(f);
out_file:
	ct_close(f);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
}

/* Destroy removes the node; an open file outlives it harmlessly. */
static void cdev_destroy_with_open_file(struct kunit *test)
{
	struct ct *ct = test->priv;
	struct file *f = ct_open_node(test);

	vmbus_mdev_cdev_destroy(ct->rc);
	ct->rc = NULL;
	KUNIT_EXPECT_EQ(test, PTR_ERR(filp_open(CT_PATH, O_RDWR, 0)), -ENOENT);
	KUNIT_EXPECT_EQ(test, ct_do_ioctl(f, CT_IOC_PING), -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
	ct_close(f);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
}

/*
 * The owner's ops live in the owner's module, which may be unloaded once
 * destroy has returned, with files still open. Here they are in a buffer
 * freed right after destroy: every file operation must still answer
 * -ENODEV without reading them (KASAN would report the read).
 */
static void cdev_owner_gone_after_destroy(struct kunit *test)
{
	struct ct *ct = test->priv;
	struct vmbus_mdev_cdev_ops *ops;
	struct vmbus_mdev_cdev *rc;
	struct device *parent;
	struct file *f;

	ops = kmemdup(&ct_ops, sizeof(ct_ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	parent = fx_new_device(test);
	KUNIT_ASSERT_FALSE(test, IS_ERR(parent));
	rc = vmbus_mdev_cdev_create(parent, ops, ct, 0600, CT_NODE "2");
	KUNIT_ASSERT_FALSE(test, IS_ERR(rc));
	f = filp_open(CT_PATH "2", O_RDWR, 0);
	if (IS_ERR(f)) {
		vmbus_mdev_cdev_destroy(rc);
		kfree(ops);
		KUNIT_FAIL(test, "open: %ld", PTR_ERR(f));
		return;
	}
	KUNIT_EXPECT_EQ(test, ct_do_ioctl(f, CT_IOC_PING), 42);

	vmbus_mdev_cdev_destroy(rc);
	kfree(ops);		/* the owner's module is gone */

	KUNIT_EXPECT_EQ(test, ct_do_ioctl(f, CT_IOC_PING), -ENODEV);
#ifdef CONFIG_COMPAT
	KUNIT_EXPECT_EQ(test, f->f_op->compat_ioctl(f, CT_IOC_PING, 0), -ENODEV);
#endif
	/* A command with an argument: no copy either, the node is dead. */
	KUNIT_EXPECT_EQ(test, ct_do_ioctl(f, CT_IOC_PIN), -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
	ct_close(f);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
}

/*
 * The helper offers no mmap: a mapping set up by an owner's ->mmap could
 * outlive revoke (the VMA is linked only after ->mmap returns), so the
 * kernel's mmap path must refuse every node with -ENODEV. Nor read or
 * write, which would hand the owner user memory inside its call.
 */
static void cdev_offers_no_mmap(struct kunit *test)
{
	struct file *f = ct_open_node(test);

	KUNIT_EXPECT_NULL(test, f->f_op->mmap);
	KUNIT_EXPECT_NULL(test, f->f_op->read);
	KUNIT_EXPECT_NULL(test, f->f_op->write);
	ct_close(f);
}

/* Issue @cmd with a struct ct_arg at @uarg holding @a; read it back into @a. */
static long ct_user_call(struct kunit *test, struct file *f, unsigned int cmd,
			 unsigned long uarg, struct ct_arg *a)
{
	long ret;

	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)uarg, a, sizeof(*a)), 0);
	ret = f->f_op->unlocked_ioctl(f, cmd, uarg);
	KUNIT_ASSERT_EQ(test, copy_from_user(a, (void __user *)uarg, sizeof(*a)), 0);
	return ret;
}

static bool ct_page_pinned(struct page *page)
{
	return page && folio_maybe_dma_pinned(page_folio(page));
}

/*
 * The helper, not the owner, touches user memory: the owner gets a kernel
 * copy of the argument and pinned pages that hold what the user wrote,
 * the copy goes back only on success, and the pages are unpinned after
 * the call unless the owner took them.
 */
static void cdev_user_memory_by_helper(struct kunit *test)
{
	struct ct *ct = test->priv;
	struct file *f = ct_open_node(test);
	unsigned long u, data;
	struct ct_arg a;
	u8 marker = 0xa5;

	u = kunit_vm_mmap(test, NULL, 0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, u, 0, "no user memory for the test");
	data = u + PAGE_SIZE + 100;
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)data, &marker, 1), 0);

	a = (struct ct_arg){ .addr = data, .len = 10, .out = 7 };
	KUNIT_EXPECT_EQ(test, ct_user_call(test, f, CT_IOC_PIN, u, &a), 0);
	KUNIT_EXPECT_EQ(test, ct->seen_nr_pages, 1);
	KUNIT_EXPECT_EQ(test, ct->seen_byte, 0xa5);
	KUNIT_EXPECT_EQ(test, a.out, 42);
	KUNIT_EXPECT_EQ(test, a.addr, data);
	KUNIT_EXPECT_FALSE_MSG(test, ct_page_pinned(ct->seen_page),
			       "the helper left the page pinned");

	/* Across a page boundary: both pages. */
	a = (struct ct_arg){ .addr = u + 2 * PAGE_SIZE - 1, .len = 2 };
	KUNIT_EXPECT_EQ(test, ct_user_call(test, f, CT_IOC_PIN, u, &a), 0);
	KUNIT_EXPECT_EQ(test, ct->seen_nr_pages, 2);

	/* Taken by the owner: pinned after the call, until the owner unpins. */
	a = (struct ct_arg){ .addr = data, .len = 1 };
	KUNIT_EXPECT_EQ(test, ct_user_call(test, f, CT_IOC_KEEP, u, &a), 0);
	KUNIT_EXPECT_TRUE(test, ct_page_pinned(ct->kept.pages ? ct->kept.pages[0] : NULL));
	vmbus_mdev_user_pages_unpin(&ct->kept, true);
	KUNIT_EXPECT_NULL(test, ct->kept.pages);
	KUNIT_EXPECT_FALSE(test, ct_page_pinned(ct->seen_page));

	/* A failed call: nothing copied back, nothing left pinned. */
	a = (struct ct_arg){ .addr = data, .len = 1, .out = 7 };
	KUNIT_EXPECT_EQ(test, ct_user_call(test, f, CT_IOC_FAIL, u, &a), -EIO);
	KUNIT_EXPECT_EQ(test, a.out, 7);
	KUNIT_EXPECT_FALSE(test, ct_page_pinned(ct->seen_page));

	vmbus_mdev_user_pages_unpin(&ct->kept, true);	/* if a check failed */
	ct_close(f);
}

/*
 * Bad user memory is the helper's -EFAULT: the owner's ioctl never runs
 * for an argument that cannot be read or a range that cannot be pinned.
 */
static void cdev_user_memory_faults(struct kunit *test)
{
	struct ct *ct = test->priv;
	struct file *f = ct_open_node(test);
	struct page *page;
	struct ct_arg a;
	unsigned long u;

	u = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, u, 0, "no user memory for the test");

	/* The argument itself: nothing mapped at address 16. */
	KUNIT_EXPECT_EQ(test, f->f_op->unlocked_ioctl(f, CT_IOC_PIN, 16), -EFAULT);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->prepares), 0);

	a = (struct ct_arg){ .addr = 16, .len = 1 };
	KUNIT_EXPECT_EQ(test, ct_user_call(test, f, CT_IOC_PIN, u, &a), -EFAULT);
	a = (struct ct_arg){ .addr = U64_MAX - 4, .len = 10 };
	KUNIT_EXPECT_EQ(test, ct_user_call(test, f, CT_IOC_PIN, u, &a), -EFAULT);

	/* The second range fails: the first, pinned already, is given back. */
	a = (struct ct_arg){ .addr = u, .len = 1 };
	KUNIT_EXPECT_EQ(test, ct_user_call(test, f, CT_IOC_PIN2, u, &a), -EFAULT);
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(u, 1, 0, &page), 1);
	KUNIT_EXPECT_FALSE_MSG(test, ct_page_pinned(page),
			       "the first range stayed pinned");
	put_page(page);

	KUNIT_EXPECT_EQ(test, atomic_read(&ct->prepares), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->ioctls), 0);
	ct_close(f);
}

/*
 * The owner's side of a device finishing a deferred call: an answer in
 * the argument, the pages handed back, the result. Any context; here a
 * thread's or the test's.
 */
static void ct_complete_deferred(struct ct *ct, long ret)
{
	struct vmbus_mdev_cdev_call *call = xchg(&ct->deferred, NULL);
	struct ct_arg *a;

	if (!call)
		return;
	a = call->buf;
	a->out = 99;
	vmbus_mdev_user_pages_take(&call->pins[0], &ct->kept);
	vmbus_mdev_cdev_call_complete(call, ret);
}

/* The device: once the call is deferred, and the caller asleep, completes it. */
struct ct_device {
	struct ct *ct;
	struct task_struct *caller;
	bool caller_asleep;	/* when it completed */
};

static int ct_device_fn(void *data)
{
	struct ct_device *d = data;

	if (wait_for_completion_timeout(&d->ct->sleeping, 10 * HZ)) {
		d->caller_asleep = ct_wait_not_running(d->caller, 5000);
		ct_complete_deferred(d->ct, 7);
	}
	return 0;
}

/* Stops a test's thread however the test ends, assertions included. */
static void ct_stop_thread(void *data)
{
	struct task_struct *t = data;

	kthread_stop(t);
	/* Pairs with the get_task_struct() in ct_start_thread(). */
	put_task_struct(t);
}

static void ct_start_thread(struct kunit *test, int (*fn)(void *), void *data,
			    const char *name)
{
	struct task_struct *t = kthread_create(fn, data, "%s", name);

	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	/* Pinned before it can run and end: ct_stop_thread() waits for it. */
	get_task_struct(t);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ct_stop_thread, t), 0);
	wake_up_process(t);
}

/* Until @page is unpinned (the helper's worker may do it), for up to 5 s. */
static bool ct_wait_unpinned(struct page *page)
{
	unsigned int i;

	for (i = 0; i < 500 && ct_page_pinned(page); i++)
		usleep_range(10000, 11000);
	return !ct_page_pinned(page);
}

/*
 * A deferred call: the owner's ioctl returns at once, the caller waits in
 * the helper until the owner completes it from another thread; it gets the
 * owner's result and answer, and the pages handed back are unpinned
 * before the ioctl returns.
 */
static void cdev_deferred_call(struct kunit *test)
{
	struct ct *ct = test->priv;
	struct file *f = ct_open_node(test);
	struct ct_device *d;
	unsigned long u;
	struct ct_arg a;

	d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	d->ct = ct;
	d->caller = current;
	u = kunit_vm_mmap(test, NULL, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, u, 0, "no user memory for the test");
	ct->defer_timeout = 10 * HZ;
	ct_start_thread(test, ct_device_fn, d, "ct_device");

	a = (struct ct_arg){ .addr = u + PAGE_SIZE, .len = 8, .out = 1 };
	KUNIT_EXPECT_EQ(test, ct_user_call(test, f, CT_IOC_DEFER, u, &a), 7);
	KUNIT_EXPECT_TRUE_MSG(test, d->caller_asleep,
			      "the caller did not wait for the completion");
	KUNIT_EXPECT_EQ(test, a.out, 99);
	KUNIT_EXPECT_NULL(test, READ_ONCE(ct->deferred));
	KUNIT_EXPECT_FALSE_MSG(test, ct_page_pinned(ct->seen_page),
			       "the pages handed back were not unpinned by the call");
	ct_close(f);
}

/*
 * A caller waiting for a deferred call holds nothing revoke waits for:
 * revoke ends its wait with -ENODEV (nothing copied out) and returns
 * while the owner still holds the call. So does the caller's timeout.
 * The owner completes the call later all the same; its pages are then
 * unpinned by the helper (a use after free would be KASAN's). That the
 * wait is outside the read section this cannot tell (revoke wakes it
 * either way); guest/test-azblob-freeze.sh can: a removal under a caller
 * frozen while it waits.
 */
static void cdev_deferred_call_abandoned(struct kunit *test)
{
	struct ct *ct = test->priv;
	struct file *f = ct_open_node(test);
	struct ct_revoker *r;
	unsigned long u;
	struct ct_arg a;

	u = kunit_vm_mmap(test, NULL, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, u, 0, "no user memory for the test");

	/* The caller's timeout: 20 ms. */
	ct->defer_timeout = msecs_to_jiffies(20);
	a = (struct ct_arg){ .addr = u + PAGE_SIZE, .len = 8, .out = 1 };
	KUNIT_EXPECT_EQ(test, ct_user_call(test, f, CT_IOC_DEFER, u, &a), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, a.out, 1);
	KUNIT_EXPECT_TRUE(test, ct_page_pinned(ct->seen_page));
	ct_complete_deferred(ct, 0);
	KUNIT_EXPECT_TRUE_MSG(test, ct_wait_unpinned(ct->seen_page),
			      "a call completed after its caller left kept its pages");

	/* Revoke, from a thread, once the call is deferred. */
	reinit_completion(&ct->sleeping);
	ct->defer_timeout = MAX_SCHEDULE_TIMEOUT;
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->ct = ct;
	init_completion(&r->started);
	init_completion(&r->returned);
	ct_start_thread(test, ct_deferred_revoker_fn, r, "ct_revoker");
	a = (struct ct_arg){ .addr = u + PAGE_SIZE, .len = 8, .out = 1 };
	KUNIT_EXPECT_EQ(test, ct_user_call(test, f, CT_IOC_DEFER, u, &a), -ENODEV);
	KUNIT_EXPECT_EQ(test, a.out, 1);
	KUNIT_EXPECT_TRUE_MSG(test, wait_for_completion_timeout(&r->returned, 5 * HZ),
			      "revoke waited for a deferred call");
	KUNIT_EXPECT_NOT_NULL_MSG(test, READ_ONCE(ct->deferred),
				  "the owner lost its deferred call");
	ct_complete_deferred(ct, 0);
	KUNIT_EXPECT_TRUE(test, ct_wait_unpinned(ct->seen_page));
	ct_close(f);
}

static struct kunit_case cdev_cases[] = {
	KUNIT_CASE(cdev_node_and_calls),
	KUNIT_CASE(cdev_revoke_cuts_open_files),
	KUNIT_CASE(cdev_revoke_drains_calls),
	KUNIT_CASE(cdev_destroy_with_open_file),
	KUNIT_CASE(cdev_owner_gone_after_destroy),
	KUNIT_CASE(cdev_offers_no_mmap),
	KUNIT_CASE(cdev_user_memory_by_helper),
	KUNIT_CASE(cdev_user_memory_faults),
	KUNIT_CASE(cdev_deferred_call),
	KUNIT_CASE(cdev_deferred_call_abandoned),
	{}
};

static struct kunit_suite cdev_suite = {
	.name = "vmbus_mdev_cdev",
	.init = ct_init,
	.exit = ct_exit,
	.test_cases = cdev_cases,
};

kunit_test_suite(cdev_suite);
