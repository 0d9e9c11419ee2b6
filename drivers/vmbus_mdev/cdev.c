// SPDX-License-Identifier: GPL-2.0
/*
 * Revocable character devices for bus drivers and vendors.
 *
 * A device node whose backing instance can go away while files are open:
 * once vmbus_mdev_cdev_revoke() returns, every operation on a file that is
 * still open fails with -ENODEV (close still works), and the owner's
 * callbacks and ops are never read again, so the owner's module may go
 * while files are open. Removal never waits for user space: not for a
 * close, and not for user memory. It waits only for owner calls already
 * running, which the owner's revoke callback makes return.
 *
 * Every call into the owner runs inside an SRCU read section and reads the
 * owner's ops only there, after checking that the node is alive; revoke
 * marks the node dead, lets the owner wake its sleepers, and waits for the
 * readers. User memory is touched only outside those sections, by the
 * helper: an ioctl's argument is copied in before and out after, and the
 * pages the owner asks for are pinned between its prepare and ioctl
 * callbacks. A caller stuck on memory that never faults in (userfaultfd,
 * FUSE) is then stuck in the helper, holding nothing revoke waits for; when
 * it comes back the node is dead and it gets -ENODEV. That is also why
 * there is no read, write or mmap: each would hand the owner user memory
 * (or a VMA linked only after ->mmap returns) inside the section. Each open
 * file gets exactly one release from the owner: at close, or during revoke
 * for files still open then.
 *
 * A call that waits for its device is deferred: the owner's ioctl returns
 * at once and the caller waits in the helper, outside the section, for
 * the owner's completion (vmbus_mdev_cdev_call_defer()). Holding nothing,
 * it may be frozen there (system sleep, the cgroup v1 freezer) without
 * holding up a revoke, which simply ends its wait. The call outlives an
 * abandoned wait for as long as the owner holds it.
 */
#include <linux/cdev.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>
#include <linux/vmbus_mdev.h>
#include <linux/workqueue.h>

#include "vmbus_mdev_private.h"

#define VMBUS_MDEV_CDEV_MINORS	4096

struct vmbus_mdev_cdev {
	struct device dev;
	struct cdev cdev;
	const struct vmbus_mdev_cdev_ops *ops;
	void *priv;
	const char *nodename;
	umode_t mode;

	struct srcu_struct srcu;
	struct mutex revoke_lock;	/* one revoke at a time, to its end */
	struct mutex files_lock;	/* files, revoked */
	struct list_head files;
	bool revoked;
	spinlock_t deferred_lock;	/* deferred */
	struct list_head deferred;	/* rc_call: callers waiting in the helper */
};

/* One open file; the file's private_data. */
struct vmbus_mdev_cdev_file {
	struct vmbus_mdev_cdev *rc;
	struct file *file;
	void *data;
	struct list_head node;
	bool released;		/* the owner's release ran; under files_lock */
};

/*
 * One ioctl: the owner's view, and what the helper needs to let the owner
 * finish it later. The caller holds a reference, and the owner one from
 * vmbus_mdev_cdev_call_defer() to vmbus_mdev_cdev_call_complete(): either
 * may be the last. The argument's copy follows the struct.
 */
struct rc_call {
	struct vmbus_mdev_cdev_call call;
	struct kref ref;
	struct work_struct free_work;	/* the last put had pins to give back */
	wait_queue_head_t wq;		/* the caller, in rc_call_wait() */
	struct list_head node;		/* in rc->deferred while it waits */
	long timeout;			/* jiffies; set by defer */
	bool deferred;			/* only read by the caller's thread */
	bool done;			/* release: result, buf and pins first */
	long result;
};

static dev_t vmbus_mdev_cdev_base;
/* Unpins what a deferred call still holds when its last put is atomic. */
static struct workqueue_struct *rc_call_wq;
static DEFINE_IDA(vmbus_mdev_cdev_minors);

/*
 * Allocated, not static: with delayed kobject releases a static class
 * would be read after this module is gone.
 */
static struct class *vmbus_mdev_node_class;

static struct vmbus_mdev_cdev_file *to_rf(struct file *file)
{
	return file->private_data;
}

/**
 * vmbus_mdev_cdev_file_data() - the owner's per-file data
 * @file: an open file of a revocable node
 *
 * Return: what the owner stored with vmbus_mdev_cdev_set_file_data().
 */
void *vmbus_mdev_cdev_file_data(struct file *file)
{
	return to_rf(file)->data;
}
EXPORT_SYMBOL_GPL(vmbus_mdev_cdev_file_data);

/**
 * vmbus_mdev_cdev_set_file_data() - attach the owner's per-file data
 * @file: the file being opened, from the owner's @open callback
 * @data: the owner's data, to be freed by its @release callback
 */
void vmbus_mdev_cdev_set_file_data(struct file *file, void *data)
{
	to_rf(file)->data = data;
}
EXPORT_SYMBOL_GPL(vmbus_mdev_cdev_set_file_data);

/**
 * vmbus_mdev_cdev_priv() - the owner's data of a node
 * @rc: the node
 *
 * Return: the @priv given to vmbus_mdev_cdev_create().
 */
void *vmbus_mdev_cdev_priv(struct vmbus_mdev_cdev *rc)
{
	return rc->priv;
}
EXPORT_SYMBOL_GPL(vmbus_mdev_cdev_priv);

/**
 * vmbus_mdev_cdev_of_file() - the node a file was opened on
 * @file: an open file of a revocable node
 *
 * Return: the node; it stays allocated while @file is open.
 */
struct vmbus_mdev_cdev *vmbus_mdev_cdev_of_file(struct file *file)
{
	return to_rf(file)->rc;
}
EXPORT_SYMBOL_GPL(vmbus_mdev_cdev_of_file);

/* Calls into the owner run only while this is false, in the SRCU section. */
static bool rc_dead(struct vmbus_mdev_cdev_file *rf)
{
	return READ_ONCE(rf->rc->revoked) || READ_ONCE(rf->released);
}

static int rc_open(struct inode *inode, struct file *file)
{
	struct vmbus_mdev_cdev *rc = container_of(inode->i_cdev,
						  struct vmbus_mdev_cdev, cdev);
	struct vmbus_mdev_cdev_file *rf;
	int idx, ret;

	rf = kzalloc(sizeof(*rf), GFP_KERNEL);
	if (!rf)
		return -ENOMEM;
	rf->rc = rc;
	rf->file = file;
	file->private_data = rf;

	idx = srcu_read_lock(&rc->srcu);
	if (rc_dead(rf))
		ret = -ENODEV;
	else
		ret = rc->ops->open ? rc->ops->open(rc, file) : 0;
	if (!ret) {
		mutex_lock(&rc->files_lock);
		list_add_tail(&rf->node, &rc->files);
		mutex_unlock(&rc->files_lock);
	}
	srcu_read_unlock(&rc->srcu, idx);
	if (ret)
		kfree(rf);
	return ret;
}

static int rc_release(struct inode *inode, struct file *file)
{
	struct vmbus_mdev_cdev_file *rf = to_rf(file);
	struct vmbus_mdev_cdev *rc = rf->rc;
	bool mine = false;
	int idx;

	/* Inside the read section, so that revoke waits for our release. */
	idx = srcu_read_lock(&rc->srcu);
	mutex_lock(&rc->files_lock);
	list_del(&rf->node);
	if (!rc->revoked && !rf->released) {
		rf->released = true;
		mine = true;
	}
	mutex_unlock(&rc->files_lock);
	if (mine && rc->ops->release)
		rc->ops->release(rc, file);
	srcu_read_unlock(&rc->srcu, idx);
	kfree(rf);
	return 0;
}

/* Whether the owner serves @cmd: 0, -ENOTTY or -ENODEV. Any context that may sleep. */
static long rc_call_known(struct vmbus_mdev_cdev_file *rf, unsigned int cmd)
{
	const struct vmbus_mdev_cdev_ops *ops;
	const unsigned int *c;
	long ret = -ENODEV;
	int idx;

	idx = srcu_read_lock(&rf->rc->srcu);
	if (!rc_dead(rf)) {
		ops = rf->rc->ops;
		ret = -ENOTTY;
		for (c = ops->cmds; ops->ioctl && c && *c; c++)
			if (*c == cmd)
				ret = 0;
	}
	srcu_read_unlock(&rf->rc->srcu, idx);
	return ret;
}

/*
 * The owner's prepare callback. Process context, the caller's; in the read
 * section, like every owner call.
 */
static long rc_call_prepare(struct vmbus_mdev_cdev_file *rf,
			    struct vmbus_mdev_cdev_call *call)
{
	const struct vmbus_mdev_cdev_ops *ops;
	long ret = -ENODEV;
	int idx;

	idx = srcu_read_lock(&rf->rc->srcu);
	if (!rc_dead(rf)) {
		ops = rf->rc->ops;
		ret = ops->prepare ? ops->prepare(rf->file, call) : 0;
	}
	srcu_read_unlock(&rf->rc->srcu, idx);
	return ret;
}

/*
 * The owner's ioctl callback on what was copied and pinned: the node may
 * have been revoked since prepare. Process context, the caller's.
 */
static long rc_call_ioctl(struct vmbus_mdev_cdev_file *rf,
			  struct vmbus_mdev_cdev_call *call)
{
	long ret = -ENODEV;
	int idx;

	idx = srcu_read_lock(&rf->rc->srcu);
	if (!rc_dead(rf))
		ret = rf->rc->ops->ioctl(rf->file, call);
	srcu_read_unlock(&rf->rc->srcu, idx);
	return ret;
}

/**
 * vmbus_mdev_user_pages_unpin() - give back pages the helper pinned
 * @p: the range, taken with vmbus_mdev_user_pages_take(); may be empty
 * @dirty: the device may have written to the pages
 *
 * Any context that may sleep; the caller's address space need not exist.
 */
void vmbus_mdev_user_pages_unpin(struct vmbus_mdev_user_pages *p, bool dirty)
{
	if (!p->pages)
		return;
	unpin_user_pages_dirty_lock(p->pages, p->nr_pages, dirty);
	vmbus_mdev_user_pages_forget(p);
}
EXPORT_SYMBOL_GPL(vmbus_mdev_user_pages_unpin);

/* Give back the charge of @nr pages rc_pin() made for @p, if it made one. */
static void rc_uncharge(struct vmbus_mdev_user_pages *p, unsigned long nr)
{
	if (!p->user)
		return;
	/* Pairs with rc_charge() in rc_pin(). */
	atomic_long_sub(nr, &p->user->locked_vm);
	/* Pairs with the get_uid() in rc_pin(). */
	free_uid(p->user);
	p->user = NULL;
}

/**
 * vmbus_mdev_user_pages_forget() - drop pinned pages without unpinning them
 * @p: the range, taken with vmbus_mdev_user_pages_take(); may be empty
 *
 * For pages a device may still write after it was shut down: they stay
 * pinned for good, so they can never be freed and reused. Their charge
 * on the pinning user's locked memory is given back. Any context that may
 * sleep.
 */
void vmbus_mdev_user_pages_forget(struct vmbus_mdev_user_pages *p)
{
	if (!p->pages)
		return;
	rc_uncharge(p, p->nr_pages);
	kvfree(p->pages);
	p->pages = NULL;
	p->nr_pages = 0;
}
EXPORT_SYMBOL_GPL(vmbus_mdev_user_pages_forget);

/**
 * vmbus_mdev_user_pages_take() - keep a call's pinned pages beyond the call
 * @to: where the owner keeps them; must hold no pages
 * @from: one of the call's @pins, from the owner's ioctl callback
 *
 * The helper will not unpin @from when the call returns; the owner must,
 * with vmbus_mdev_user_pages_unpin() on @to, for example once the device
 * is done with them, or hand them back into an empty slot of a deferred
 * call's @pins before it completes it. Any context.
 */
void vmbus_mdev_user_pages_take(struct vmbus_mdev_user_pages *to,
				struct vmbus_mdev_user_pages *from)
{
	/* Overwriting pinned pages would leak their pins and charge for good. */
	WARN_ON_ONCE(to->pages);
	*to = *from;
	from->pages = NULL;
	from->nr_pages = 0;
}
EXPORT_SYMBOL_GPL(vmbus_mdev_user_pages_take);

/*
 * Charge @nr pinned pages to @user's locked memory, within RLIMIT_MEMLOCK,
 * as io_uring does: atomically, taking no lock of the caller's address
 * space, so that the refund, which may run inside a node's read section
 * or in a worker, never waits on one either.
 */
static int rc_charge(struct user_struct *user, unsigned long nr)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	long cur = atomic_long_read(&user->locked_vm);

	do {
		if (cur + nr > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, cur + nr));
	return 0;
}

/*
 * Pin one range the owner asked for, charged to the caller's user unless
 * it has CAP_IPC_LOCK: pins may last as long as the device likes. Outside
 * the read section: this may sleep for as long as the caller's memory
 * takes to fault in.
 */
static int rc_pin(struct vmbus_mdev_user_pages *p)
{
	unsigned int gup = FOLL_LONGTERM | (p->write ? FOLL_WRITE : 0);
	unsigned long start;
	int nr, pinned;
	u64 end;

	p->pages = NULL;
	p->nr_pages = 0;
	if (!p->len)
		return 0;
	if (check_add_overflow(p->uaddr, (u64)p->len, &end) ||
	    end != (unsigned long)end)
		return -EFAULT;
	start = (unsigned long)p->uaddr & PAGE_MASK;
	nr = DIV_ROUND_UP((unsigned long)end - start, PAGE_SIZE);
	p->pages = kvmalloc_array(nr, sizeof(*p->pages), GFP_KERNEL);
	if (!p->pages)
		return -ENOMEM;
	p->user = NULL;
	if (!capable(CAP_IPC_LOCK)) {
		pinned = rc_charge(current_user(), nr);
		if (pinned)
			goto free;
		/* Pairs with free_uid() in rc_uncharge(). */
		p->user = get_uid(current_user());
	}
	pinned = pin_user_pages_fast(start, nr, gup, p->pages);
	if (pinned == nr) {
		p->nr_pages = nr;
		return 0;
	}
	if (pinned > 0)
		unpin_user_pages(p->pages, pinned);
	rc_uncharge(p, nr);
	/* A page that cannot be pinned is the caller's fault, whatever GUP said. */
	pinned = pinned == -ENOMEM || pinned == -EINTR ? pinned : -EFAULT;
free:
	kvfree(p->pages);
	p->pages = NULL;
	return pinned;
}

static int rc_pin_all(struct vmbus_mdev_cdev_call *call)
{
	unsigned int i;
	int ret;

	if (WARN_ON_ONCE(call->nr_pins > VMBUS_MDEV_CDEV_MAX_PINS))
		return -EINVAL;
	for (i = 0; i < call->nr_pins; i++) {
		ret = rc_pin(&call->pins[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Whatever the owner did not take; it may have been written to. */
static void rc_unpin_all(struct vmbus_mdev_cdev_call *call)
{
	unsigned int i;

	for (i = 0; i < min(call->nr_pins, VMBUS_MDEV_CDEV_MAX_PINS); i++)
		vmbus_mdev_user_pages_unpin(&call->pins[i], call->pins[i].write);
}

static void rc_call_free_work(struct work_struct *work)
{
	struct rc_call *c = container_of(work, struct rc_call, free_work);

	rc_unpin_all(&c->call);
	kfree(c);
}

/* The last put may come from the owner's completion, in any context. */
static void rc_call_release(struct kref *ref)
{
	struct rc_call *c = container_of(ref, struct rc_call, ref);
	unsigned int i;

	for (i = 0; i < min(c->call.nr_pins, VMBUS_MDEV_CDEV_MAX_PINS); i++) {
		if (c->call.pins[i].pages) {
			INIT_WORK(&c->free_work, rc_call_free_work);
			queue_work(rc_call_wq, &c->free_work);
			return;
		}
	}
	kfree(c);
}

static void rc_call_put(struct rc_call *c)
{
	kref_put(&c->ref, rc_call_release);
}

/**
 * vmbus_mdev_cdev_call_defer() - finish a call after the owner's ioctl
 * @call: the call, in the owner's @ioctl callback
 * @timeout: how long the caller waits at most, in jiffies;
 *	MAX_SCHEDULE_TIMEOUT for no limit
 *
 * The owner's @ioctl must then return 0, and call
 * vmbus_mdev_cdev_call_complete() exactly once, from any context, when
 * the device is done: the call's result is what it passes there. Until
 * then the caller waits in the helper, outside the node's read section,
 * killable and freezable. The wait ends early with -ENODEV when the node
 * is revoked, -ETIMEDOUT after @timeout, or -EINTR for a killed caller;
 * @call stays valid for the owner all the same, until it completes it.
 * Pages the owner did not take stay pinned until the call is complete.
 */
void vmbus_mdev_cdev_call_defer(struct vmbus_mdev_cdev_call *call, long timeout)
{
	struct rc_call *c = container_of(call, struct rc_call, call);

	/* A second defer is a bug; its reference only leaks the call. */
	WARN_ON_ONCE(c->deferred);
	c->deferred = true;
	c->timeout = timeout;
	/* Pairs with rc_call_put() in vmbus_mdev_cdev_call_complete(). */
	kref_get(&c->ref);
}
EXPORT_SYMBOL_GPL(vmbus_mdev_cdev_call_defer);

/**
 * vmbus_mdev_cdev_call_complete() - the device is done with a deferred call
 * @call: the call given to vmbus_mdev_cdev_call_defer()
 * @ret: its result: 0 or more copies @call->buf out, like @ioctl's
 *
 * Everything written to @call->buf before is what the caller sees. The
 * owner may hand pinned pages back first, with vmbus_mdev_user_pages_take()
 * into @call->pins (and @call->nr_pins): the helper then unpins them,
 * in the caller's context if it is still waiting. Any context; @call may
 * be freed once this returns.
 */
void vmbus_mdev_cdev_call_complete(struct vmbus_mdev_cdev_call *call, long ret)
{
	struct rc_call *c = container_of(call, struct rc_call, call);

	/* Only the owner's reference may go here, once. */
	if (WARN_ON_ONCE(!c->deferred || READ_ONCE(c->done)))
		return;
	c->result = ret;
	/* Pairs with the acquire in rc_call_wait(): result, buf and pins first. */
	smp_store_release(&c->done, true);
	wake_up(&c->wq);
	/* Pairs with the kref_get() in vmbus_mdev_cdev_call_defer(). */
	rc_call_put(c);
}
EXPORT_SYMBOL_GPL(vmbus_mdev_cdev_call_complete);

/*
 * Wait for a deferred call, in the caller's process context, holding
 * nothing: not the read section, so a revoke does not wait for us, and
 * no lock, so that the freezer may freeze us here (hibernation, the
 * cgroup v1 freezer). A revoke ends the wait through @rc->deferred.
 */
static long rc_call_wait(struct vmbus_mdev_cdev *rc, struct rc_call *c)
{
	long left = c->timeout;
	DEFINE_WAIT(wait);
	long ret;

	spin_lock(&rc->deferred_lock);
	list_add(&c->node, &rc->deferred);
	spin_unlock(&rc->deferred_lock);
	for (;;) {
		prepare_to_wait(&c->wq, &wait, TASK_KILLABLE | TASK_FREEZABLE);
		/* Pairs with the release in vmbus_mdev_cdev_call_complete(). */
		if (smp_load_acquire(&c->done)) {
			ret = c->result;
			break;
		}
		if (READ_ONCE(rc->revoked)) {
			ret = -ENODEV;
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (!left) {
			ret = -ETIMEDOUT;
			break;
		}
		left = schedule_timeout(left);
	}
	finish_wait(&c->wq, &wait);
	spin_lock(&rc->deferred_lock);
	list_del(&c->node);
	spin_unlock(&rc->deferred_lock);
	return ret;
}

/* Wake every caller waiting for a deferred call: the node is revoked. */
static void rc_wake_deferred(struct vmbus_mdev_cdev *rc)
{
	struct rc_call *c;

	spin_lock(&rc->deferred_lock);
	list_for_each_entry(c, &rc->deferred, node)
		wake_up(&c->wq);
	spin_unlock(&rc->deferred_lock);
}

/*
 * Prepare (in the read section), pin, ioctl (in the read section), unpin,
 * and for a deferred call wait (outside it): the owner's part of a call.
 */
static long rc_call_owner(struct vmbus_mdev_cdev_file *rf, struct rc_call *c)
{
	struct vmbus_mdev_cdev_call *call = &c->call;
	long ret;

	ret = rc_call_prepare(rf, call);
	/* prepare says go on (0) or why not: nothing else. */
	if (WARN_ON_ONCE(ret > 0))
		ret = -EINVAL;
	if (!ret)
		ret = rc_pin_all(call);
	if (!ret)
		ret = rc_call_ioctl(rf, call);
	if (!c->deferred) {
		rc_unpin_all(call);
		return ret;
	}
	/*
	 * The owner may be completing the call already, handing pages back:
	 * @call->pins and @call->buf are touched again only once it is done,
	 * here or by the last put. Its result is the one it completes with.
	 */
	WARN_ON_ONCE(ret);
	ret = rc_call_wait(rf->rc, c);
	/* Pairs with the release in vmbus_mdev_cdev_call_complete(). */
	if (smp_load_acquire(&c->done))
		rc_unpin_all(call);
	return ret;
}

/*
 * One ioctl, in the caller's process context: check the command, copy in,
 * the owner's part, copy out. Only the owner's calls hold revoke;
 * everything touching user memory is between and around them.
 */
static long rc_call(struct file *file, unsigned int cmd, unsigned long arg,
		    void __user *uarg)
{
	struct vmbus_mdev_cdev_file *rf = to_rf(file);
	size_t size = _IOC_SIZE(cmd);
	struct rc_call *c;
	long ret;

	ret = rc_call_known(rf, cmd);
	if (ret)
		return ret;
	c = kzalloc(sizeof(*c) + size, GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	kref_init(&c->ref);
	init_waitqueue_head(&c->wq);
	c->call.cmd = cmd;
	c->call.arg = arg;
	c->call.buf = size ? c + 1 : NULL;
	if ((_IOC_DIR(cmd) & _IOC_WRITE) &&
	    copy_from_user(c->call.buf, uarg, size)) {
		ret = -EFAULT;
		goto out;
	}
	ret = rc_call_owner(rf, c);
	if (ret >= 0 && (_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(uarg, c->call.buf, size))
		ret = -EFAULT;
out:
	rc_call_put(c);
	return ret;
}

static long rc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return rc_call(file, cmd, arg, (void __user *)arg);
}

#ifdef CONFIG_COMPAT
/* The owner's ioctl serves both; in_compat_syscall() tells them apart. */
static long rc_compat_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	return rc_call(file, cmd, arg, compat_ptr(arg));
}
#endif

static const struct file_operations rc_fops = {
	.owner = THIS_MODULE,
	.open = rc_open,
	.release = rc_release,
	.unlocked_ioctl = rc_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = rc_compat_ioctl,
#endif
	.llseek = noop_llseek,
};

static char *rc_devnode(const struct device *dev, umode_t *mode, kuid_t *uid,
			kgid_t *gid)
{
	const struct vmbus_mdev_cdev *rc =
		container_of_const(dev, struct vmbus_mdev_cdev, dev);

	if (mode)
		*mode = rc->mode;
	return rc->nodename ? kstrdup(rc->nodename, GFP_KERNEL) : NULL;
}

static void rc_dev_release(struct device *dev)
{
	struct vmbus_mdev_cdev *rc = container_of(dev, struct vmbus_mdev_cdev, dev);

	cleanup_srcu_struct(&rc->srcu);
	mutex_destroy(&rc->revoke_lock);
	mutex_destroy(&rc->files_lock);
	ida_free(&vmbus_mdev_cdev_minors, MINOR(rc->dev.devt));
	kfree(rc->nodename);
	kfree(rc);
}

static const struct device_type rc_devtype = {
	.name = "vmbus_mdev_node",
	.devnode = rc_devnode,
	.release = rc_dev_release,
};

/**
 * vmbus_mdev_cdev_create() - add a revocable character device node
 * @parent: device the node belongs to, for example a mediated device
 * @ops: the owner's callbacks; @ops->revoke must make every call that is
 *	sleeping inside the owner return
 * @priv: the owner's data, see vmbus_mdev_cdev_priv()
 * @mode: permissions of the node, normally 0600
 * @nodename: path below /dev, for example "azure_blob/<uuid>"; also the
 *	device name with '/' replaced by '!'
 *
 * The node appears in /sys/class/vmbus_mdev_node and, through devtmpfs,
 * in /dev. Remove it with vmbus_mdev_cdev_destroy().
 *
 * Return: the node, or an ERR_PTR().
 */
struct vmbus_mdev_cdev *
vmbus_mdev_cdev_create(struct device *parent,
		       const struct vmbus_mdev_cdev_ops *ops, void *priv,
		       umode_t mode, const char *nodename)
{
	struct vmbus_mdev_cdev *rc;
	int minor, ret;

	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	if (!rc)
		return ERR_PTR(-ENOMEM);
	minor = ida_alloc_max(&vmbus_mdev_cdev_minors,
			      VMBUS_MDEV_CDEV_MINORS - 1, GFP_KERNEL);
	if (minor < 0) {
		kfree(rc);
		return ERR_PTR(minor);
	}
	ret = init_srcu_struct(&rc->srcu);
	if (ret) {
		ida_free(&vmbus_mdev_cdev_minors, minor);
		kfree(rc);
		return ERR_PTR(ret);
	}
	rc->ops = ops;
	rc->priv = priv;
	rc->mode = mode;
	mutex_init(&rc->revoke_lock);
	mutex_init(&rc->files_lock);
	INIT_LIST_HEAD(&rc->files);
	spin_lock_init(&rc->deferred_lock);
	INIT_LIST_HEAD(&rc->deferred);

	/* From here on rc_dev_release() frees everything. */
	device_initialize(&rc->dev);
	rc->dev.parent = parent;
	rc->dev.class = vmbus_mdev_node_class;
	rc->dev.type = &rc_devtype;
	rc->dev.devt = MKDEV(MAJOR(vmbus_mdev_cdev_base), minor);
	rc->nodename = kstrdup(nodename, GFP_KERNEL);
	/* kobject names turn the '/' of a node path into '!'. */
	ret = rc->nodename ? dev_set_name(&rc->dev, "%s", nodename) : -ENOMEM;
	if (ret)
		goto err_put;

	cdev_init(&rc->cdev, &rc_fops);
	rc->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&rc->cdev, &rc->dev);
	if (ret)
		goto err_put;
	return rc;

err_put:
	put_device(&rc->dev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(vmbus_mdev_cdev_create);

/**
 * vmbus_mdev_cdev_revoke() - cut off every open file of a node
 * @rc: the node
 *
 * New calls fail with -ENODEV at once. Then @rc->ops->revoke runs, to wake
 * calls sleeping in the owner; revoke waits for every call in flight to
 * return and releases (through @ops->release) every file still open.
 * Once it returns the owner is never called again for this node, nor its
 * ops read; closing the files later only frees the helper's state. Never
 * waits for user space, neither for a close nor for a caller's memory to
 * fault in (the helper touches it outside the owner's calls); it waits
 * only for owner calls in flight, which @ops->revoke must end. May be
 * called more than once; every call returns only once the node is revoked,
 * so it must not be called from the owner's callbacks of @rc (it would
 * wait for itself; lockdep says so).
 */
void vmbus_mdev_cdev_revoke(struct vmbus_mdev_cdev *rc)
{
	struct vmbus_mdev_cdev_file *rf;
	bool first;

	/* A second caller returns only once the first has finished. */
	guard(mutex)(&rc->revoke_lock);
	mutex_lock(&rc->files_lock);
	first = !rc->revoked;
	WRITE_ONCE(rc->revoked, true);
	mutex_unlock(&rc->files_lock);
	if (!first)
		return;

	/* A deferred call's caller sees @revoked: it holds nothing we wait for. */
	rc_wake_deferred(rc);
	if (rc->ops->revoke)
		rc->ops->revoke(rc);
	synchronize_srcu(&rc->srcu);

	/* No call is running and none can start: release what is left. */
	mutex_lock(&rc->files_lock);
	list_for_each_entry(rf, &rc->files, node) {
		if (!rf->released) {
			WRITE_ONCE(rf->released, true);
			if (rc->ops->release)
				rc->ops->release(rc, rf->file);
		}
	}
	mutex_unlock(&rc->files_lock);
}
EXPORT_SYMBOL_GPL(vmbus_mdev_cdev_revoke);

/**
 * vmbus_mdev_cdev_revoked() - whether a node has been revoked
 * @rc: the node
 *
 * For the owner's sleeping calls: a wait must also end when this is true,
 * so that vmbus_mdev_cdev_revoke() cannot miss a sleeper.
 *
 * Return: true once vmbus_mdev_cdev_revoke() has started.
 */
bool vmbus_mdev_cdev_revoked(struct vmbus_mdev_cdev *rc)
{
	return READ_ONCE(rc->revoked);
}
EXPORT_SYMBOL_GPL(vmbus_mdev_cdev_revoked);

/**
 * vmbus_mdev_cdev_destroy() - remove a node
 * @rc: the node
 *
 * Removes the node from /dev and sysfs, then revokes it (see
 * vmbus_mdev_cdev_revoke()). Files still open keep the memory alive, not
 * the owner: they get -ENODEV until closed.
 */
void vmbus_mdev_cdev_destroy(struct vmbus_mdev_cdev *rc)
{
	cdev_device_del(&rc->cdev, &rc->dev);
	vmbus_mdev_cdev_revoke(rc);
	put_device(&rc->dev);
}
EXPORT_SYMBOL_GPL(vmbus_mdev_cdev_destroy);

int vmbus_mdev_cdev_init(void)
{
	int ret;

	rc_call_wq = alloc_workqueue("vmbus_mdev_call", 0, 0);
	if (!rc_call_wq)
		return -ENOMEM;
	ret = alloc_chrdev_region(&vmbus_mdev_cdev_base, 0,
				  VMBUS_MDEV_CDEV_MINORS, "vmbus_mdev_node");
	if (ret)
		goto err_wq;
	vmbus_mdev_node_class = class_create("vmbus_mdev_node");
	if (IS_ERR(vmbus_mdev_node_class)) {
		ret = PTR_ERR(vmbus_mdev_node_class);
		goto err_region;
	}
	return 0;

err_region:
	unregister_chrdev_region(vmbus_mdev_cdev_base, VMBUS_MDEV_CDEV_MINORS);
err_wq:
	destroy_workqueue(rc_call_wq);
	return ret;
}

void vmbus_mdev_cdev_exit(void)
{
	/* Owners completed their calls before they went: free the last ones. */
	destroy_workqueue(rc_call_wq);
	class_destroy(vmbus_mdev_node_class);
	unregister_chrdev_region(vmbus_mdev_cdev_base, VMBUS_MDEV_CDEV_MINORS);
	ida_destroy(&vmbus_mdev_cdev_minors);
}
