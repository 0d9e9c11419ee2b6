// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: deterministic interleavings, one per race of the review threads
 * this project started from. A thread is parked at a chosen point (a
 * vendor or driver callback, or a core step) and the test acts while it
 * waits; every assertion follows from the order, not from timing. The one
 * timed check, "still blocked after 100 ms", can only fail if the core
 * lets a thread through that it must hold back.
 */
#include <kunit/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>

#include "fixture.h"

#define REMOVE(n) "inactive unlink device_del A-" #n " vendor_remove V-" #n \
		  " put_instance put_uuid release"
#define STILL_BLOCKED_MS 100
/* Where a create is parked for a driver to be registered meanwhile. */
#define RACE_FOREIGN_PROBE_STEP VMBUS_MDEV_STEP_ATTACH

/*
 * Start unregister in @u while another thread is parked inside the parent,
 * and check that it has begun (new work is refused) but cannot finish.
 */
static void start_unregister_expect_blocked(struct fx *fx, struct fx_thread *u)
{
	fx->check_step = VMBUS_MDEV_STEP_UNREGISTER;
	fx_thread_start(fx, u, fx_thread_unregister);
	fx_wait_step(fx, VMBUS_MDEV_STEP_UNREGISTER);
	KUNIT_EXPECT_FALSE(fx->test, fx_thread_finished(u, STILL_BLOCKED_MS));
}

/*
 * Start a remover @l that must lose to a winner parked in its teardown:
 * once it has lost its claim (and so is about to wait), it must stay
 * blocked. Without waiting for that, a loser that has not run yet would
 * pass the check, and after the release fail in a way that says nothing.
 */
static void start_loser(struct fx *fx, struct fx_thread *l,
			int (*fn)(struct fx_thread *))
{
	fx->check_step = VMBUS_MDEV_STEP_LOST;
	fx_thread_start(fx, l, fn);
	fx_wait_step(fx, VMBUS_MDEV_STEP_LOST);
	KUNIT_EXPECT_FALSE(fx->test, fx_thread_finished(l, STILL_BLOCKED_MS));
}

/* Let the parked thread @t go and join it and the unregistering @u. */
static void release_and_join(struct fx *fx, struct fx_thread *t,
			     struct fx_thread *u)
{
	fx_release(fx);
	KUNIT_ASSERT_TRUE(fx->test, fx_thread_finished(t, 10000));
	KUNIT_ASSERT_TRUE(fx->test, fx_thread_finished(u, 10000));
	KUNIT_EXPECT_EQ(fx->test, t->ret, 0);
}

/* A probe, and anyone who finds the device meanwhile, sees it complete. */
static void probe_sees_created_device(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct fx_thread *t = fx_thread_alloc(fx, &fx->type_fixed, 1);
	struct vmbus_mdev_device *mdev;

	fx->park = FX_PARK_PROBE;
	fx_thread_start(fx, t, fx_thread_create);
	fx_wait_parked(fx);

	/* Found on the bus mid-create: the vendor has built it already. */
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_NOT_NULL(test, vmbus_mdev_get_vendor_data(mdev));
	KUNIT_EXPECT_EQ(test, READ_ONCE(mdev->state), VMBUS_MDEV_ATTACHING);
	/* Announced before any driver saw it, and not removable yet. */
	KUNIT_EXPECT_TRUE(test, mdev->dev.kobj.state_add_uevent_sent);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), -EBUSY);
	FX_EXPECT_TRACE(fx,
			"alloc uuid enter vendor_create V+1 device_add links uevent attach A+1");

	fx_release(fx);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(t, 10000));
	KUNIT_EXPECT_EQ(test, t->ret, 0);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	put_device(&mdev->dev);
}

/* Unregister while a create is inside the vendor: the create finishes. */
static void create_then_unregister(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct fx_thread *c = fx_thread_alloc(fx, &fx->type_fixed, 1);
	struct fx_thread *u = fx_thread_alloc(fx, NULL, 0);

	fx->park = FX_PARK_VENDOR_CREATE;
	fx_thread_start(fx, c, fx_thread_create);
	fx_wait_parked(fx);

	start_unregister_expect_blocked(fx, u);

	release_and_join(fx, c, u);
	FX_EXPECT_TRACE(fx,
			"alloc uuid enter vendor_create V+1 unregister device_add",
			"links uevent attach A+1 probed active leave drained",
			REMOVE(1),
			"types_gone");
	KUNIT_EXPECT_EQ(test, fx_count_on_bus(), 0);
}

/* A create that arrives while unregister is under way fails at once. */
static void unregister_then_create(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct fx_thread *u = fx_thread_alloc(fx, NULL, 0);

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	fx_trace_reset(fx);

	fx->park = FX_PARK_DRIVER_REMOVE;
	fx_thread_start(fx, u, fx_thread_unregister);
	fx_wait_parked(fx);

	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 2), -ENODEV);

	fx_release(fx);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(u, 10000));
	FX_EXPECT_TRACE(fx,
			"unregister drained inactive unlink device_del A-1",
			"alloc uuid enter put_uuid release",
			"vendor_remove V-1 put_instance put_uuid release types_gone");
}

/* A user remove under way when unregister starts: unregister waits for it. */
static void remove_then_unregister(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct fx_thread *r = fx_thread_alloc(fx, NULL, 0);
	struct fx_thread *u = fx_thread_alloc(fx, NULL, 0);

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	r->mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, r->mdev);
	fx_trace_reset(fx);

	fx->park = FX_PARK_DRIVER_REMOVE;
	fx_thread_start(fx, r, fx_thread_remove);
	fx_wait_parked(fx);

	start_unregister_expect_blocked(fx, u);

	release_and_join(fx, r, u);
	KUNIT_EXPECT_EQ(test, fx->vendor_removes, 1);
	FX_EXPECT_TRACE(fx,
			"inactive unlink device_del A-1 unregister vendor_remove V-1",
			"put_instance put_uuid release drained types_gone");
	put_device(&r->mdev->dev);
}

/*
 * A kernel remove that arrives while unregister is under way, for a
 * device unregister has not reached yet, gets -ENODEV at once: it cannot
 * enter the parent, and waiting for unregister could wait for the caller
 * itself (a vendor's module exit removing its children). Unregister
 * removes the device. (A writer of "remove" waits instead: see
 * sysfs_remove_loses_to_unregister.)
 */
static void unregister_then_remove(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct fx_thread *u = fx_thread_alloc(fx, NULL, 0);
	struct vmbus_mdev_device *first;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 2), 0);
	first = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, first);

	fx->park = FX_PARK_DRIVER_REMOVE;
	fx_thread_start(fx, u, fx_thread_unregister);
	fx_wait_parked(fx);		/* inside A-2: newest goes first */

	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(first), -ENODEV);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&first->dev));

	fx_release(fx);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(u, 10000));
	KUNIT_EXPECT_EQ(test, fx->vendor_removes, 2);
	KUNIT_EXPECT_EQ(test, fx_count_on_bus(), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(first->state), VMBUS_MDEV_GONE);
	put_device(&first->dev);
}

/*
 * A remove inside the vendor holds the vendor's module (so rmmod fails
 * instead of pulling the code away), and an unregister, which the
 * module's exit runs, waits for the remove to finish. The real rmmod of a
 * vendor racing a parked remove is test-vendor-unload.sh, in the VM.
 */
/* This module's reference count (it owns the vendor ops), or -1 without one. */
static int vendor_module_refs(void)
{
#if defined(MODULE) && defined(CONFIG_MODULE_UNLOAD)
	return module_refcount(THIS_MODULE);
#else
	return -1;
#endif
}

static void remove_holds_vendor_module(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct fx_thread *r = fx_thread_alloc(fx, NULL, 0);
	struct fx_thread *u = fx_thread_alloc(fx, NULL, 0);
	int base = vendor_module_refs();

	if (base < 0)
		kunit_skip(test, "built in, or no module unload: no module reference to count");
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	KUNIT_EXPECT_EQ(test, vendor_module_refs(), base);
	r->mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, r->mdev);

	fx->park = FX_PARK_VENDOR_REMOVE;
	fx_thread_start(fx, r, fx_thread_remove);
	fx_wait_parked(fx);
	KUNIT_EXPECT_EQ(test, vendor_module_refs(), base + 1);

	start_unregister_expect_blocked(fx, u);

	release_and_join(fx, r, u);
	KUNIT_EXPECT_EQ(test, fx->vendor_removes, 1);
	KUNIT_EXPECT_EQ(test, vendor_module_refs(), base);
	put_device(&r->mdev->dev);
}

/*
 * Rebind while an old handle is still held (the Azure Blob "lock
 * re-initialised while held"): the old device keeps its own state, the
 * parent starts fresh, and the same UUID makes a new device.
 */
static void rebind_with_old_handle(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *old, *new;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	old = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, old);

	vmbus_mdev_unregister_parent(&fx->parent);
	KUNIT_EXPECT_FALSE(test, mutex_is_locked(&fx->parent.lock));
	KUNIT_EXPECT_FALSE(test, device_is_registered(&old->dev));
	KUNIT_EXPECT_EQ(test, READ_ONCE(old->state), VMBUS_MDEV_GONE);

	KUNIT_ASSERT_EQ(test, fx_register(fx), 0);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(&fx->type_fixed), 2);
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	new = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, new);
	KUNIT_EXPECT_PTR_NE(test, new, old);
	/* The old handle cannot reach into the new generation. */
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(old), -ENODEV);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&new->dev));

	put_device(&old->dev);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(new), 0);
	put_device(&new->dev);
}

/*
 * Unregister never waits for a file of a bus driver's revocable node that
 * user space keeps open: the real holder of a device, not just a
 * reference. The open file then gets -ENODEV, and its close is harmless.
 */
static void unregister_with_open_node(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct fx_thread *u = fx_thread_alloc(fx, NULL, 0);
	struct vmbus_mdev_device *held;
	struct file *f;

	fx->with_node = true;
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	fx_need_path(test, "/dev/vmbus_mdev_kunit/fx1");
	held = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, held);
	f = filp_open("/dev/vmbus_mdev_kunit/fx1", O_RDWR, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(f), "open: %ld", PTR_ERR(f));
	KUNIT_EXPECT_EQ(test, f->f_op->unlocked_ioctl(f, FX_IOC_NOP, 0), 0);

	fx_thread_start(fx, u, fx_thread_unregister);
	KUNIT_EXPECT_TRUE(test, fx_thread_finished(u, 10000));
	KUNIT_EXPECT_FALSE(test, device_is_registered(&held->dev));
	KUNIT_EXPECT_EQ(test, fx->vendor_removes, 1);
	KUNIT_EXPECT_EQ(test, f->f_op->unlocked_ioctl(f, FX_IOC_NOP, 0), -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&fx->node_calls), 1);
	fput(f);
	flush_delayed_fput();
	put_device(&held->dev);
}

/*
 * Of concurrent removers exactly one succeeds, and the others return only
 * when the winner is done: the UUID and the instance are free again, so a
 * create right after any remove returns cannot get -EEXIST.
 */
static void concurrent_removers_one_wins(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct fx_thread *r = fx_thread_alloc(fx, NULL, 0);
	struct fx_thread *l = fx_thread_alloc(fx, NULL, 0);

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	r->mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, r->mdev);
	l->mdev = r->mdev;

	fx->park = FX_PARK_DRIVER_REMOVE;
	fx_thread_start(fx, r, fx_thread_remove);
	fx_wait_parked(fx);
	start_loser(fx, l, fx_thread_remove);

	fx_release(fx);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(l, 10000));
	KUNIT_EXPECT_EQ(test, l->ret, -ENODEV);
	/* The loser is back: the UUID must be free, whatever the winner does. */
	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(r, 10000));
	KUNIT_EXPECT_EQ(test, r->ret, 0);
	KUNIT_EXPECT_EQ(test, fx->vendor_removes, 1);
	put_device(&r->mdev->dev);
}

/*
 * The same through the sysfs "remove" file, whose writers device_del()
 * drains: a writer that loses to a remover (here parked at the first step
 * of its teardown, the file still there) or to unregister must wait for
 * it without holding the file, and return once the UUID is free.
 */
static void sysfs_remove_loses(struct kunit *test, bool to_unregister)
{
	struct fx *fx = test->priv;
	struct fx_thread *w = fx_thread_alloc(fx, NULL, 0);
	struct fx_thread *l = fx_thread_alloc(fx, NULL, 0);

	fx_need_path(test, FX_SYSFS_BUS);

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	w->mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, w->mdev);
	l->mdev = w->mdev;

	fx->park_step = VMBUS_MDEV_STEP_INACTIVE;
	fx_thread_start(fx, w, to_unregister ? fx_thread_unregister :
					       fx_thread_remove);
	fx_wait_parked(fx);
	start_loser(fx, l, fx_thread_sysfs_remove);

	fx_release(fx);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(l, 10000));
	KUNIT_EXPECT_EQ(test, l->ret, -ENODEV);
	KUNIT_EXPECT_EQ(test, READ_ONCE(l->mdev->state), VMBUS_MDEV_GONE);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(w, 10000));
	KUNIT_EXPECT_EQ(test, w->ret, 0);
	if (!to_unregister)
		KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	put_device(&w->mdev->dev);
}

/*
 * Two writers of "remove": the winner is parked after its claim, before
 * it takes the file away. The loser, inside its write, must not take the
 * file itself (kernfs would then make the winner wait for the loser's
 * write, which waits for the winner) and must return once the UUID is
 * free.
 */
static void sysfs_removers_one_wins(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct fx_thread *w = fx_thread_alloc(fx, NULL, 0);
	struct fx_thread *l = fx_thread_alloc(fx, NULL, 0);

	fx_need_path(test, FX_SYSFS_BUS);

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	w->mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, w->mdev);
	l->mdev = w->mdev;

	fx->park_step = VMBUS_MDEV_STEP_CLAIMED;
	fx_thread_start(fx, w, fx_thread_sysfs_remove);
	fx_wait_parked(fx);
	start_loser(fx, l, fx_thread_sysfs_remove);

	fx_release(fx);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(w, 10000));
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(l, 10000));
	KUNIT_EXPECT_EQ(test, w->ret, 0);
	KUNIT_EXPECT_EQ(test, l->ret, -ENODEV);
	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	put_device(&w->mdev->dev);
}

static void sysfs_remove_loses_to_remove(struct kunit *test)
{
	sysfs_remove_loses(test, false);
}

static void sysfs_remove_loses_to_unregister(struct kunit *test)
{
	sysfs_remove_loses(test, true);
}

/* Steps of a create at which its device is on the bus already. */
static const enum vmbus_mdev_step create_steps_on_bus[] = {
	VMBUS_MDEV_STEP_LINKS, VMBUS_MDEV_STEP_PROBED, VMBUS_MDEV_STEP_ACTIVE,
	VMBUS_MDEV_STEP_UEVENT, VMBUS_MDEV_STEP_LEAVE,
};

static const char * const create_step_names[] = {
	"links", "probed", "active", "uevent", "leave",
};

static void create_step_desc(const enum vmbus_mdev_step *step, char *desc)
{
	strscpy(desc, create_step_names[step - create_steps_on_bus],
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(create_step, create_steps_on_bus, create_step_desc);

/*
 * A remove racing a create, with the creator parked at each step after
 * device_add(): the remover finds the device by its UUID, as root writing
 * "remove" would. It must not take the device away from a creator that
 * still uses it: either it gets -EBUSY, or the create is done with the
 * device and user space has had its ADD (a REMOVE before the ADD leaves
 * udev with a device that no longer exists).
 */
static void remove_racing_create(struct kunit *test)
{
	const enum vmbus_mdev_step *step = test->param_value;
	struct fx *fx = test->priv;
	struct fx_thread *c = fx_thread_alloc(fx, &fx->type_fixed, 1);
	struct fx_thread *r = fx_thread_alloc(fx, NULL, 0);
	bool add_sent;

	fx->park_step = *step;
	fx_thread_start(fx, c, fx_thread_create);
	fx_wait_parked(fx);
	r->mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, r->mdev);
	add_sent = r->mdev->dev.kobj.state_add_uevent_sent;

	fx_thread_start(fx, r, fx_thread_remove);
	/* A remover that waits for the create instead would be fine too. */
	if (fx_thread_finished(r, STILL_BLOCKED_MS) && !r->ret)
		KUNIT_EXPECT_TRUE_MSG(test, add_sent,
				      "removed before its KOBJ_ADD was sent");
	fx_release(fx);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(c, 10000));
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(r, 10000));
	KUNIT_EXPECT_EQ(test, c->ret, 0);
	if (r->ret) {
		KUNIT_EXPECT_EQ(test, r->ret, -EBUSY);
		KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(r->mdev), 0);
	}
	KUNIT_EXPECT_TRUE(test, r->mdev->dev.kobj.state_remove_uevent_sent);
	KUNIT_EXPECT_EQ(test, fx_count_on_bus(), 0);
	put_device(&r->mdev->dev);
}

/*
 * A driver registered while a create is in progress probes the device in
 * its own thread and fails with -EIO; that is not the create's error. The
 * creator's own probe of the same driver then says "not mine" (-ENODEV),
 * so the create succeeds with the device unbound, and would fail with
 * -EIO if the foreign error had been taken for the creator's.
 */
static void foreign_probe_error_is_not_the_creates(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_type *type = kunit_kzalloc(test, sizeof(*type), GFP_KERNEL);
	struct vmbus_mdev_parent *other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	struct fx_thread *c = fx_thread_alloc(fx, NULL, 1);
	struct vmbus_mdev_device *mdev;
	struct device *dev;

	KUNIT_ASSERT_NOT_NULL(test, type);
	KUNIT_ASSERT_NOT_NULL(test, other);
	/* Once per module load: a driver name stays taken until its release. */
	KUNIT_ASSERT_FALSE(test, fx_driver_f_registered);
	*type = (struct vmbus_mdev_type) {
		.sysfs_name = "f", .device_api = "kunit-api-f", .max_instances = 1,
	};
	c->type = type;
	dev = fx_new_device(test);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, vmbus_mdev_register_parent(other, dev,
							 fx->parent.ops, &type, 1), 0);
	fx->other = other;

	fx->park_step = RACE_FOREIGN_PROBE_STEP;
	fx_thread_start(fx, c, fx_thread_create);
	fx_wait_parked(fx);
	fx->f_probe_errs[0] = -EIO;
	fx->f_probe_errs[1] = -ENODEV;
	KUNIT_ASSERT_EQ(test, vmbus_mdev_register_driver(&fx_driver_f), 0);
	fx_driver_f_registered = true;
	KUNIT_EXPECT_EQ(test, fx->f_probes, 1);

	fx_release(fx);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(c, 10000));
	KUNIT_EXPECT_EQ(test, c->ret, 0);
	KUNIT_EXPECT_EQ(test, fx->f_probes, 2);
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_NULL(test, mdev->dev.driver);
	put_device(&mdev->dev);
	vmbus_mdev_unregister_parent(other);
	fx->other = NULL;
}

/*
 * No lock is held across a vendor callback: while one create sits inside
 * the vendor, creates under the same parent and under another one go on.
 */
static void creates_do_not_serialise(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct fx_thread *c = fx_thread_alloc(fx, &fx->type_fixed, 1);
	struct vmbus_mdev_vendor_ops ops = *fx->parent.ops;
	struct vmbus_mdev_type other_type = {
		.sysfs_name = "other",
		.device_api = FX_API,
		.max_instances = 1,
	};
	struct vmbus_mdev_type *types[] = { &other_type };
	struct vmbus_mdev_parent other;
	struct device *dev;

	dev = fx_new_device(test);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	ops.name = "kunit_other";
	KUNIT_ASSERT_EQ(test, vmbus_mdev_register_parent(&other, dev, &ops,
							 types, 1), 0);

	fx->park = FX_PARK_VENDOR_CREATE;
	fx_thread_start(fx, c, fx_thread_create);
	fx_wait_parked(fx);

	KUNIT_EXPECT_EQ(test, fx_create(fx, &other_type, 9), 0);
	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_pool, 2), 0);

	fx_release(fx);
	KUNIT_ASSERT_TRUE(test, fx_thread_finished(c, 10000));
	KUNIT_EXPECT_EQ(test, c->ret, 0);
	vmbus_mdev_unregister_parent(&other);
}

static struct kunit_case race_cases[] = {
	KUNIT_CASE(probe_sees_created_device),
	KUNIT_CASE(create_then_unregister),
	KUNIT_CASE(unregister_then_create),
	KUNIT_CASE(remove_then_unregister),
	KUNIT_CASE(unregister_then_remove),
	KUNIT_CASE(remove_holds_vendor_module),
	KUNIT_CASE(rebind_with_old_handle),
	KUNIT_CASE(unregister_with_open_node),
	KUNIT_CASE(concurrent_removers_one_wins),
	KUNIT_CASE(sysfs_removers_one_wins),
	KUNIT_CASE(sysfs_remove_loses_to_remove),
	KUNIT_CASE(sysfs_remove_loses_to_unregister),
	KUNIT_CASE_PARAM(remove_racing_create, create_step_gen_params),
	KUNIT_CASE(foreign_probe_error_is_not_the_creates),
	KUNIT_CASE(creates_do_not_serialise),
	{}
};

static struct kunit_suite race_suite = {
	.name = "vmbus_mdev_races",
	.init = fx_init,
	.exit = fx_exit,
	.test_cases = race_cases,
};

kunit_test_suite(race_suite);
