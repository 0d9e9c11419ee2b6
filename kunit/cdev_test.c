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
#include <linux/kthread.h>
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
	/* CT_IOC_SLEEP sleeps here until woken by revoke */
	wait_queue_head_t wq;
	struct completion sleeping;
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
	/* Give a revoke that does not wait for us the chance to return. */
	msleep(100);
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

/* Revoke wakes a sleeping call through the owner, and waits for it. */
static void cdev_revoke_drains_calls(struct kunit *test)
{
	struct ct *ct = test->priv;
	struct file *f = ct_open_node(test);
	struct task_struct *t;

	get_file(f);	/* the sleeper's reference */
	t = kthread_run(ct_sleeper, f, "ct_sleeper");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&ct->sleeping, 5 * HZ), 0);

	vmbus_mdev_cdev_revoke(ct->rc);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(ct->ioctl_returned));
	KUNIT_EXPECT_EQ(test, atomic_read(&ct->releases), 1);

	kthread_stop(t);
	put_task_struct(t);
	fput(f);
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

static struct kunit_case cdev_cases[] = {
	KUNIT_CASE(cdev_node_and_calls),
	KUNIT_CASE(cdev_revoke_cuts_open_files),
	KUNIT_CASE(cdev_revoke_drains_calls),
	KUNIT_CASE(cdev_destroy_with_open_file),
	{}
};

static struct kunit_suite cdev_suite = {
	.name = "vmbus_mdev_cdev",
	.init = ct_init,
	.exit = ct_exit,
	.test_cases = cdev_cases,
};

kunit_test_suite(cdev_suite);
