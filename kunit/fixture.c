// SPDX-License-Identifier: GPL-2.0
/*
 * Shared KUnit fixture for the vmbus_mdev core suites; see fixture.h.
 */
#include <kunit/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "fixture.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* The fixture of the running test; KUnit runs one case at a time. */
static struct fx *fx_current;

static const char * const fx_step_names[VMBUS_MDEV_STEP_NR] = {
	[VMBUS_MDEV_STEP_ALLOC] = "alloc",
	[VMBUS_MDEV_STEP_UUID] = "uuid",
	[VMBUS_MDEV_STEP_ENTER] = "enter",
	[VMBUS_MDEV_STEP_VENDOR_CREATE] = "vendor_create",
	[VMBUS_MDEV_STEP_DEVICE_ADD] = "device_add",
	[VMBUS_MDEV_STEP_LINKS] = "links",
	[VMBUS_MDEV_STEP_UEVENT] = "uevent",
	[VMBUS_MDEV_STEP_ATTACH] = "attach",
	[VMBUS_MDEV_STEP_PROBED] = "probed",
	[VMBUS_MDEV_STEP_ACTIVE] = "active",
	[VMBUS_MDEV_STEP_LEAVE] = "leave",
	[VMBUS_MDEV_STEP_CLAIMED] = "claimed",
	[VMBUS_MDEV_STEP_LOST] = "lost",
	[VMBUS_MDEV_STEP_INACTIVE] = "inactive",
	[VMBUS_MDEV_STEP_UNLINK] = "unlink",
	[VMBUS_MDEV_STEP_DEVICE_DEL] = "device_del",
	[VMBUS_MDEV_STEP_VENDOR_REMOVE] = "vendor_remove",
	[VMBUS_MDEV_STEP_PUT_INSTANCE] = "put_instance",
	[VMBUS_MDEV_STEP_PUT_UUID] = "put_uuid",
	[VMBUS_MDEV_STEP_RELEASE] = "release",
	[VMBUS_MDEV_STEP_UNREGISTER] = "unregister",
	[VMBUS_MDEV_STEP_DRAINED] = "drained",
	[VMBUS_MDEV_STEP_TYPES_GONE] = "types_gone",
};

void fx_trace(struct fx *fx, const char *fmt, ...)
{
	unsigned long flags;
	size_t len;
	va_list ap;

	spin_lock_irqsave(&fx->lock, flags);
	len = strlen(fx->trace);
	if (len && len < FX_TRACE_LEN - 1)
		fx->trace[len++] = ' ';
	va_start(ap, fmt);
	vscnprintf(fx->trace + len, FX_TRACE_LEN - len, fmt, ap);
	va_end(ap);
	spin_unlock_irqrestore(&fx->lock, flags);
}

void fx_trace_reset(struct fx *fx)
{
	unsigned long flags;

	spin_lock_irqsave(&fx->lock, flags);
	fx->trace[0] = '\0';
	spin_unlock_irqrestore(&fx->lock, flags);
}

void fx_expect_trace(struct fx *fx, ...)
{
	char *want = kunit_kzalloc(fx->test, FX_TRACE_LEN, GFP_KERNEL);
	const char *frag;
	size_t len = 0;
	va_list ap;

	KUNIT_ASSERT_NOT_NULL(fx->test, want);
	va_start(ap, fx);
	while ((frag = va_arg(ap, const char *)))
		len += scnprintf(want + len, FX_TRACE_LEN - len, "%s%s",
				 len ? " " : "", frag);
	va_end(ap);
	KUNIT_EXPECT_STREQ(fx->test, fx->trace, want);
}

/* Record what can be seen of @mdev, not what the step's name claims. */
static void fx_observe(struct fx *fx, struct vmbus_mdev_device *mdev,
		       enum vmbus_mdev_step step)
{
	struct fx_seen *seen = &fx->seen[step];
	struct kernfs_node *kn;

	seen->called = true;
	seen->registered = device_is_registered(&mdev->dev);
	seen->add_sent = mdev->dev.kobj.state_add_uevent_sent;
	seen->remove_sent = mdev->dev.kobj.state_remove_uevent_sent;
	seen->bound = !!READ_ONCE(mdev->dev.driver);
	kn = mdev->dev.kobj.sd ? kernfs_find_and_get(mdev->dev.kobj.sd, "mdev_type") : NULL;
	seen->linked = !!kn;
	kernfs_put(kn);
}

static int fx_step_hook(struct vmbus_mdev_parent *parent,
			struct vmbus_mdev_device *mdev,
			enum vmbus_mdev_step step)
{
	struct fx *fx = fx_current;

	if (!fx || (parent != &fx->parent && parent != fx->other))
		return 0;
	/* Where a loser is depends on timing, not on the code path: no trace. */
	if (step != VMBUS_MDEV_STEP_LOST)
		fx_trace(fx, "%s", fx_step_names[step]);
	if (fx->observe && mdev)
		fx_observe(fx, mdev, step);
	if (step == fx->park_step) {
		fx->park_step = VMBUS_MDEV_STEP_NR;
		complete(&fx->parked);
		wait_for_completion(&fx->release);
	}
	if (step == fx->check_step) {
		if (fx->step_check)
			fx->step_check(fx, mdev);
		fx->step_checks++;
		complete(&fx->step_reached);
	}
	return step == fx->fail_step ? fx->fail_err : 0;
}

static u8 fx_tag(struct vmbus_mdev_device *mdev)
{
	return mdev->uuid.b[15];
}

/* Park the calling thread when the test asked for it at @where. */
static void fx_maybe_park(struct fx *fx, enum fx_park where)
{
	if (fx->park != where)
		return;
	fx->park = FX_PARK_NONE;
	complete(&fx->parked);
	wait_for_completion(&fx->release);
}

static int fx_vendor_create(struct vmbus_mdev_device *mdev)
{
	struct fx *fx = fx_current;
	struct fx_vendor_state *st;

	fx_trace(fx, "V+%u", fx_tag(mdev));
	fx_maybe_park(fx, FX_PARK_VENDOR_CREATE);
	if (fx->vendor_create_err)
		return fx->vendor_create_err;
	if (mdev->type == &fx->type_pool) {
		if (!fx->pool)
			return -EUSERS;
		fx->pool--;
	}
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->mdev = mdev;
	st->tag = fx_tag(mdev);
	vmbus_mdev_set_vendor_data(mdev, st);
	return 0;
}

static void fx_vendor_remove(struct vmbus_mdev_device *mdev)
{
	struct fx *fx = fx_current;

	fx_trace(fx, "V-%u", fx_tag(mdev));
	fx_maybe_park(fx, FX_PARK_VENDOR_REMOVE);
	fx->vendor_removes++;
	if (mdev->type == &fx->type_pool)
		fx->pool++;
	kfree(vmbus_mdev_get_vendor_data(mdev));
	vmbus_mdev_set_vendor_data(mdev, NULL);
}

static const struct vmbus_mdev_vendor_ops fx_vendor_ops = {
	.name = "kunit",
	.create = fx_vendor_create,
	.remove = fx_vendor_remove,
};

static unsigned int fx_pool_available(struct vmbus_mdev_type *type)
{
	return fx_current->pool;
}

static long fx_node_ioctl(struct file *file, struct vmbus_mdev_cdev_call *call)
{
	struct fx *fx = vmbus_mdev_cdev_priv(vmbus_mdev_cdev_of_file(file));

	atomic_inc(&fx->node_calls);
	return 0;
}

static const unsigned int fx_node_cmds[] = { FX_IOC_NOP, 0 };

static const struct vmbus_mdev_cdev_ops fx_node_ops = {
	.cmds = fx_node_cmds,
	.ioctl = fx_node_ioctl,
};

static int fx_probe(struct vmbus_mdev_device *mdev, char which)
{
	struct fx *fx = fx_current;
	char name[32];

	if (!fx)
		return -ENODEV;
	fx_trace(fx, "%c+%u", which, fx_tag(mdev));
	if (which == 'A' && fx->probe_check)
		fx->probe_check(fx, mdev);
	fx_maybe_park(fx, FX_PARK_PROBE);
	if (fx->probe_err || which != 'A' || !fx->with_node)
		return fx->probe_err;
	snprintf(name, sizeof(name), "vmbus_mdev_kunit/fx%u", fx_tag(mdev));
	fx->node = vmbus_mdev_cdev_create(&mdev->dev, &fx_node_ops, fx, 0600, name);
	return PTR_ERR_OR_ZERO(fx->node);
}

static void fx_remove(struct vmbus_mdev_device *mdev, char which)
{
	struct fx *fx = fx_current;

	fx_trace(fx, "%c-%u", which, fx_tag(mdev));
	fx_maybe_park(fx, FX_PARK_DRIVER_REMOVE);
	if (which == 'A' && fx->with_node && !IS_ERR_OR_NULL(fx->node)) {
		/* Never waits for a close: see vmbus_mdev_cdev_revoke(). */
		vmbus_mdev_cdev_destroy(fx->node);
		fx->node = NULL;
	}
}

/* Driver F: its first probes return @f_probe_errs, then it binds. */
static int fx_probe_f(struct vmbus_mdev_device *mdev)
{
	struct fx *fx = fx_current;
	int ret = 0;

	if (!fx)
		return -ENODEV;
	if (fx->f_probes < ARRAY_SIZE(fx->f_probe_errs))
		ret = fx->f_probe_errs[fx->f_probes++];
	fx_trace(fx, "F+%u:%d", fx_tag(mdev), ret);
	return ret;
}

static int fx_probe_a(struct vmbus_mdev_device *mdev) { return fx_probe(mdev, 'A'); }
static int fx_probe_b(struct vmbus_mdev_device *mdev) { return fx_probe(mdev, 'B'); }
static int fx_probe_l(struct vmbus_mdev_device *mdev) { return fx_probe(mdev, 'L'); }
static void fx_remove_a(struct vmbus_mdev_device *mdev) { fx_remove(mdev, 'A'); }
static void fx_remove_b(struct vmbus_mdev_device *mdev) { fx_remove(mdev, 'B'); }
static void fx_remove_l(struct vmbus_mdev_device *mdev) { fx_remove(mdev, 'L'); }

static const struct vmbus_mdev_device_id fx_ids_a[] = {
	{ .device_api = FX_API },
	{}
};

static const struct vmbus_mdev_device_id fx_ids_b[] = {
	{ .device_api = "kunit-api-b" },
	{}
};

struct vmbus_mdev_driver fx_driver_a = {
	.probe = fx_probe_a,
	.remove = fx_remove_a,
	.id_table = fx_ids_a,
	.driver.name = "vmbus_mdev_kunit_a",
};

/* B serves the fixture's vendor, but not the instances of its pool type. */
static bool fx_match_b(struct vmbus_mdev_device *mdev)
{
	return mdev->type != &fx_current->type_pool;
}

struct vmbus_mdev_driver fx_driver_b = {
	.match = fx_match_b,
	.probe = fx_probe_b,
	.remove = fx_remove_b,
	.id_table = fx_ids_b,
	.driver.name = "vmbus_mdev_kunit_b",
};

static const struct vmbus_mdev_device_id fx_ids_late[] = {
	{ .device_api = "kunit-api-late" },
	{}
};

/* Registered by one test, once per module load (see fx_module_init()). */
bool fx_driver_late_registered;
struct vmbus_mdev_driver fx_driver_late = {
	.probe = fx_probe_l,
	.remove = fx_remove_l,
	.id_table = fx_ids_late,
	.driver.name = "vmbus_mdev_kunit_late",
};

static const struct vmbus_mdev_device_id fx_ids_f[] = {
	{ .device_api = "kunit-api-f" },
	{}
};

/* Registered by one test, once per module load, like driver L. */
bool fx_driver_f_registered;
struct vmbus_mdev_driver fx_driver_f = {
	.probe = fx_probe_f,
	.id_table = fx_ids_f,
	.driver.name = "vmbus_mdev_kunit_f",
};

/* Write @val to the file @fmt..., as root in user space would. */
int fx_write_file(const char *val, const char *fmt, ...)
{
	char path[160];
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, val, strlen(val), &pos);
	fput(f);
	return n < 0 ? n : 0;
}

/**
 * fx_need_path() - skip @test where @path is not there, when built in
 * @test: the test case
 * @path: what the test opens: a sysfs directory, or a device node
 *
 * Built into the kernel (kunit.py), the suites run at boot, before user
 * space has mounted sysfs or devtmpfs, so the tests that go through their
 * files are skipped there. As a module, loaded by user space with both
 * mounted, nothing is skipped: a missing path fails the test itself.
 */
void fx_need_path(struct kunit *test, const char *path)
{
#ifndef MODULE
	struct path p;
	int ret = kern_path(path, LOOKUP_FOLLOW, &p);

	if (ret)
		kunit_skip(test, "built in, %s not there yet (%d)", path, ret);
	path_put(&p);
#endif
}

void fx_uuid(guid_t *uuid, u8 tag)
{
	*uuid = GUID_INIT(0x6d1b0a2c, 0x7f4e, 0x4a51, 0x9c, 0x3e,
			  0x5b, 0x8d, 0x21, 0x0f, 0x00, tag);
}

int fx_create(struct fx *fx, struct vmbus_mdev_type *type, u8 tag)
{
	guid_t uuid;

	fx_uuid(&uuid, tag);
	return vmbus_mdev_create(type, &uuid);
}

/* The device of @tag on the bus, with a reference, or NULL. */
struct vmbus_mdev_device *fx_find(u8 tag)
{
	struct device *dev;
	char name[UUID_STRING_LEN + 1];
	guid_t uuid;

	fx_uuid(&uuid, tag);
	snprintf(name, sizeof(name), "%pUl", &uuid);
	dev = bus_find_device_by_name(&vmbus_mdev_bus_type, NULL, name);
	return dev ? to_vmbus_mdev_device(dev) : NULL;
}

static int fx_count_one(struct device *dev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

unsigned int fx_count_on_bus(void)
{
	unsigned int n = 0;

	bus_for_each_dev(&vmbus_mdev_bus_type, NULL, &n, fx_count_one);
	return n;
}

int fx_register(struct fx *fx)
{
	return vmbus_mdev_register_parent(&fx->parent, fx->dev, &fx_vendor_ops,
					  fx->types, ARRAY_SIZE(fx->types));
}

int fx_init(struct kunit *test)
{
	struct fx *fx;

	fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	if (!fx)
		return -ENOMEM;
	fx->test = test;
	spin_lock_init(&fx->lock);
	init_completion(&fx->parked);
	init_completion(&fx->release);
	init_completion(&fx->step_reached);
	fx->fail_step = VMBUS_MDEV_STEP_NR;
	fx->check_step = VMBUS_MDEV_STEP_NR;
	fx->park_step = VMBUS_MDEV_STEP_NR;
	fx->fail_err = -EIO;
	fx->pool = 3;
	fx->type_fixed = (struct vmbus_mdev_type) {
		.sysfs_name = "fixed",
		.pretty_name = "Fixed pool of two",
		.device_api = FX_API,
		.description = "two instances at most",
		.max_instances = 2,
	};
	fx->type_pool = (struct vmbus_mdev_type) {
		.sysfs_name = "pool",
		.device_api = FX_API,
		.get_available = fx_pool_available,
	};
	fx->type_late = (struct vmbus_mdev_type) {
		.sysfs_name = "late",
		.device_api = "kunit-api-late",
		.max_instances = 1,
	};
	fx->types[0] = &fx->type_fixed;
	fx->types[1] = &fx->type_pool;
	fx->types[2] = &fx->type_late;

	fx->dev = fx_new_device(test);
	if (IS_ERR(fx->dev))
		return PTR_ERR(fx->dev);

	test->priv = fx;
	fx_current = fx;
	WRITE_ONCE(vmbus_mdev_step_hook, fx_step_hook);
	return fx_register(fx);
}

/*
 * A parent device for one test. Names are never reused within a module
 * load: with DEBUG_KOBJECT_RELEASE a name stays taken in sysfs until the
 * delayed release of the previous holder, seconds later.
 */
struct device *fx_new_device(struct kunit *test)
{
	static atomic_t seq = ATOMIC_INIT(0);
	char name[32];

	snprintf(name, sizeof(name), "vmbus_mdev_fx%d", atomic_inc_return(&seq));
	return kunit_device_register(test, name);
}

void fx_exit(struct kunit *test)
{
	struct fx *fx = test->priv;

	unsigned int i;

	/* Let any thread a failed assertion left parked run to the end. */
	complete_all(&fx->release);
	fx->park_step = VMBUS_MDEV_STEP_NR;
	/* Unbounded: a thread that never ends is a hang to report, not a UAF. */
	for (i = 0; i < fx->nr_threads; i++)
		if (!fx->threads[i]->finished)
			wait_for_completion(&fx->threads[i]->done);
	if (fx->other)
		vmbus_mdev_unregister_parent(fx->other);
	if (fx->parent.types_kset)
		vmbus_mdev_unregister_parent(&fx->parent);
	WRITE_ONCE(vmbus_mdev_step_hook, NULL);
	fx_current = NULL;
}

static int fx_thread_fn(void *data)
{
	struct fx_thread *t = data;

	t->ret = t->fn(t);
	complete(&t->done);
	return 0;
}

void fx_thread_start(struct fx *fx, struct fx_thread *t,
		     int (*fn)(struct fx_thread *t))
{
	struct task_struct *task;

	KUNIT_ASSERT_LT(fx->test, fx->nr_threads, ARRAY_SIZE(fx->threads));
	t->fx = fx;
	t->fn = fn;
	t->finished = false;
	init_completion(&t->done);
	task = kthread_run(fx_thread_fn, t, "vmbus_mdev_fx");
	KUNIT_ASSERT_FALSE(fx->test, IS_ERR(task));
	fx->threads[fx->nr_threads++] = t;
}

int fx_thread_create(struct fx_thread *t)
{
	return vmbus_mdev_create(t->type, &t->uuid);
}

int fx_thread_remove(struct fx_thread *t)
{
	return vmbus_mdev_remove(t->mdev);
}

/* A write of "1" to the device's sysfs remove, as root would. */
int fx_thread_sysfs_remove(struct fx_thread *t)
{
	return fx_write_file("1", FX_SYSFS_BUS "/devices/%s/remove",
			     dev_name(&t->mdev->dev));
}

int fx_thread_unregister(struct fx_thread *t)
{
	vmbus_mdev_unregister_parent(&t->fx->parent);
	return 0;
}

/*
 * True when @t finished within @ms; false means it is still blocked. May
 * be asked again: once it has finished, the answer stays true.
 */
bool fx_thread_finished(struct fx_thread *t, unsigned int ms)
{
	if (!t->finished)
		t->finished = wait_for_completion_timeout(&t->done,
							  msecs_to_jiffies(ms));
	return t->finished;
}

void fx_wait_parked(struct fx *fx)
{
	KUNIT_ASSERT_TRUE(fx->test,
			  wait_for_completion_timeout(&fx->parked, 10 * HZ));
	reinit_completion(&fx->parked);
}

void fx_release(struct fx *fx)
{
	complete(&fx->release);
}

/*
 * Wait until a thread reached @step; arm it by setting @fx->check_step
 * before starting that thread.
 */
void fx_wait_step(struct fx *fx, enum vmbus_mdev_step step)
{
	KUNIT_ASSERT_TRUE(fx->test,
			  wait_for_completion_timeout(&fx->step_reached, 10 * HZ));
	KUNIT_ASSERT_EQ(fx->test, fx->check_step, step);
}

struct fx_thread *fx_thread_alloc(struct fx *fx, struct vmbus_mdev_type *type,
				  u8 tag)
{
	/* Freed by KUnit after the exit hook, when every thread has ended. */
	struct fx_thread *t = kunit_kzalloc(fx->test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(fx->test, t);
	t->type = type;
	fx_uuid(&t->uuid, tag);
	return t;
}

/*
 * The fake bus drivers live as long as the module: a driver's name stays
 * taken in sysfs until its delayed release, so tests must not re-register.
 * KUnit runs the suites once this init has returned.
 */
static int __init fx_module_init(void)
{
	int ret;

	ret = vmbus_mdev_register_driver(&fx_driver_a);
	if (ret)
		return ret;
	ret = vmbus_mdev_register_driver(&fx_driver_b);
	if (ret)
		vmbus_mdev_unregister_driver(&fx_driver_a);
	return ret;
}

static void __exit fx_module_exit(void)
{
	if (fx_driver_f_registered)
		vmbus_mdev_unregister_driver(&fx_driver_f);
	if (fx_driver_late_registered)
		vmbus_mdev_unregister_driver(&fx_driver_late);
	vmbus_mdev_unregister_driver(&fx_driver_b);
	vmbus_mdev_unregister_driver(&fx_driver_a);
}

module_init(fx_module_init);
module_exit(fx_module_exit);
