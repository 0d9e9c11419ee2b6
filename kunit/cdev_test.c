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
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/wait.h>
#include <linux/vmbus_mdev.h>

#include "fixture.h"

#define CT_NODE		"vmbus_mdev_kunit/node"
#define CT_PATH		"/dev/" CT_NODE
#define CT_IOC_PING	0x1234
#define CT_IOC_SLEEP	0x1235

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

static long ct_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ct *ct = vmbus_mdev_cdev_file_data(file);

	atomic_inc(&ct->ioctls);
	if (cmd == CT_IOC_PING)
		return 42;
	if (cmd != CT_IOC_SLEEP)
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

static const struct vmbus_mdev_cdev_ops ct_ops = {
	.open = ct_open,
	.release = ct_release,
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
	KUNIT_EXPECT_EQ(test, ct_do_ioctl(f, 0x999), -ENOTTY);
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
	loff_t pos = 0;
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
	KUNIT_EXPECT_EQ(test, f->f_op->read(f, NULL, 0, &pos), -ENODEV);
	KUNIT_EXPECT_EQ(test, f->f_op->write(f, NULL, 0, &pos), -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
	ct_close(f);
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);
}

/*
 * The helper offers no mmap: a mapping set up by an owner's ->mmap could
 * outlive revoke (the VMA is linked only after ->mmap returns), so the
 * kernel's mmap path must refuse every node with -ENODEV.
 */
static void cdev_offers_no_mmap(struct kunit *test)
{
	struct file *f = ct_open_node(test);

	KUNIT_EXPECT_NULL(test, f->f_op->mmap);
	ct_close(f);
}

static struct kunit_case cdev_cases[] = {
	KUNIT_CASE(cdev_node_and_calls),
	KUNIT_CASE(cdev_revoke_cuts_open_files),
	KUNIT_CASE(cdev_revoke_drains_calls),
	KUNIT_CASE(cdev_destroy_with_open_file),
	KUNIT_CASE(cdev_owner_gone_after_destroy),
	KUNIT_CASE(cdev_offers_no_mmap),
	{}
};

static struct kunit_suite cdev_suite = {
	.name = "vmbus_mdev_cdev",
	.init = ct_init,
	.exit = ct_exit,
	.test_cases = cdev_cases,
};

kunit_test_suite(cdev_suite);
