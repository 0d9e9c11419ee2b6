// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the exact order of create, remove and unregister; a fault at every
 * create step unwinds in mirror order; the ABI's arithmetic and UUID rules.
 */
#include <kunit/device.h>
#include <linux/module.h>

#include "fixture.h"

#define CREATE_1 "alloc uuid enter vendor_create V+1 device_add links uevent attach A+1 probed active leave"
#define REMOVE(n) "inactive unlink device_del A-" #n " vendor_remove V-" #n \
		  " put_instance put_uuid release"

/*
 * The step markers are only labels: at each one, what can be seen of the
 * device (registered, uevents sent, links, driver) must be what that point
 * of the contract says, so moving a real action without its marker fails.
 */
struct seen_case {
	enum vmbus_mdev_step step;
	const char *name;
	struct fx_seen want;
};

#define SEEN(s, r, a, x, l, b) { VMBUS_MDEV_STEP_##s, #s, \
	{ .called = true, .registered = r, .add_sent = a, .remove_sent = x, \
	  .linked = l, .bound = b } }

static const struct seen_case seen_cases[] = {
	/*    step           reg    add    remove linked bound */
	SEEN(UUID,          false, false, false, false, false),
	SEEN(VENDOR_CREATE, false, false, false, false, false),
	SEEN(DEVICE_ADD,    false, false, false, false, false),
	SEEN(LINKS,         true,  false, false, false, false),
	SEEN(UEVENT,        true,  false, false, true,  false),
	SEEN(ATTACH,        true,  true,  false, true,  false),
	SEEN(PROBED,        true,  true,  false, true,  true),
	SEEN(ACTIVE,        true,  true,  false, true,  true),
	SEEN(INACTIVE,      true,  true,  false, true,  true),
	SEEN(UNLINK,        true,  true,  false, true,  true),
	SEEN(DEVICE_DEL,    true,  true,  false, false, true),
	SEEN(VENDOR_REMOVE, false, true,  true,  false, false),
	SEEN(PUT_UUID,      false, true,  true,  false, false),
	SEEN(RELEASE,       false, true,  true,  false, false),
};

static void steps_are_what_they_say(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;
	unsigned int i;

	fx->observe = true;
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	put_device(&mdev->dev);

	for (i = 0; i < ARRAY_SIZE(seen_cases); i++) {
		const struct seen_case *c = &seen_cases[i];
		const struct fx_seen *got = &fx->seen[c->step];

		KUNIT_EXPECT_TRUE_MSG(test, got->called, "%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, got->registered, c->want.registered,
				    "%s registered", c->name);
		KUNIT_EXPECT_EQ_MSG(test, got->add_sent, c->want.add_sent,
				    "%s ADD sent", c->name);
		KUNIT_EXPECT_EQ_MSG(test, got->remove_sent, c->want.remove_sent,
				    "%s REMOVE sent", c->name);
		KUNIT_EXPECT_EQ_MSG(test, got->linked, c->want.linked,
				    "%s linked", c->name);
		KUNIT_EXPECT_EQ_MSG(test, got->bound, c->want.bound,
				    "%s bound", c->name);
	}
}

static void create_order(struct kunit *test)
{
	struct fx *fx = test->priv;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	KUNIT_EXPECT_STREQ(test, fx->trace, CREATE_1);
}

static void remove_order(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	fx_trace_reset(fx);

	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	FX_EXPECT_TRACE(fx,
			REMOVE(1));
	put_device(&mdev->dev);
	KUNIT_EXPECT_NULL(test, fx_find(1));
}

static void unregister_removes_children_newest_first(struct kunit *test)
{
	struct fx *fx = test->priv;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_pool, 2), 0);
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 3), 0);
	fx_trace_reset(fx);

	vmbus_mdev_unregister_parent(&fx->parent);
	FX_EXPECT_TRACE(fx,
			"unregister drained",
			REMOVE(3),
			REMOVE(2),
			REMOVE(1),
			"types_gone");
	KUNIT_EXPECT_EQ(test, fx_count_on_bus(), 0);
	KUNIT_EXPECT_NULL(test, fx->type_fixed.dir);
}

/* One create step made to fail, and the exact unwind that must follow. */
struct fault_case {
	const char *name;
	enum vmbus_mdev_step step;	/* injected through the core's seam */
	int vendor_err;			/* or the fake vendor fails */
	int probe_err;			/* or the fake driver's probe fails */
	const char *trace;
};

static const struct fault_case fault_cases[] = {
	{ "alloc", VMBUS_MDEV_STEP_ALLOC, 0, 0,
	  "alloc",
	},
	{ "uuid", VMBUS_MDEV_STEP_UUID, 0, 0,
	  "alloc uuid release",
	},
	{ "enter", VMBUS_MDEV_STEP_ENTER, 0, 0,
	  "alloc uuid enter put_uuid release",
	},
	{ "vendor_create_seam", VMBUS_MDEV_STEP_VENDOR_CREATE, 0, 0,
	  "alloc uuid enter vendor_create put_instance put_uuid release leave",
	},
	{ "vendor_create_error", VMBUS_MDEV_STEP_NR, -EIO, 0,
	  "alloc uuid enter vendor_create V+1 put_instance put_uuid release leave",
	},
	{ "device_add", VMBUS_MDEV_STEP_DEVICE_ADD, 0, 0,
	  "alloc uuid enter vendor_create V+1 device_add vendor_remove V-1 put_instance put_uuid release leave",
	},
	{ "links", VMBUS_MDEV_STEP_LINKS, 0, 0,
	  "alloc uuid enter vendor_create V+1 device_add links device_del vendor_remove V-1 put_instance put_uuid release leave",
	},
	{ "uevent", VMBUS_MDEV_STEP_UEVENT, 0, 0,
	  "alloc uuid enter vendor_create V+1 device_add links uevent unlink device_del vendor_remove V-1 put_instance put_uuid release leave",
	},
	{ "attach", VMBUS_MDEV_STEP_ATTACH, 0, 0,
	  "alloc uuid enter vendor_create V+1 device_add links uevent attach unlink device_del vendor_remove V-1 put_instance put_uuid release leave",
	},
	{ "probe_error", VMBUS_MDEV_STEP_NR, 0, -EIO,
	  "alloc uuid enter vendor_create V+1 device_add links uevent attach A+1 probed unlink device_del vendor_remove V-1 put_instance put_uuid release leave",
	},
	{ "probed", VMBUS_MDEV_STEP_PROBED, 0, 0,
	  "alloc uuid enter vendor_create V+1 device_add links uevent attach A+1 probed unlink device_del A-1 vendor_remove V-1 put_instance put_uuid release leave",
	},
};

static void fault_case_desc(const struct fault_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fault, fault_cases, fault_case_desc);

static void fault_at_every_create_step(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;

	fx->fail_step = c->step;
	fx->vendor_create_err = c->vendor_err;
	fx->probe_err = c->probe_err;

	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 1), -EIO);
	KUNIT_EXPECT_STREQ(test, fx->trace, c->trace);

	/* Nothing is left behind: no device, instance or UUID taken. */
	KUNIT_EXPECT_NULL(test, fx_find(1));
	KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(&fx->type_fixed), 2);

	fx->fail_step = VMBUS_MDEV_STEP_NR;
	fx->vendor_create_err = 0;
	fx->probe_err = 0;
	fx_trace_reset(fx);
	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	KUNIT_EXPECT_STREQ(test, fx->trace, CREATE_1);
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_NOT_NULL(test, vmbus_mdev_get_vendor_data(mdev));
	put_device(&mdev->dev);
}

static void uuid_taken_under_any_parent(struct kunit *test)
{
	static const struct vmbus_mdev_vendor_ops other_ops = {
		.name = "kunit_other",
		.create = NULL,
	};
	struct fx *fx = test->priv;
	struct vmbus_mdev_type other_type = {
		.sysfs_name = "other",
		.device_api = FX_API,
		.max_instances = 1,
	};
	struct vmbus_mdev_type *types[] = { &other_type };
	struct vmbus_mdev_parent other;
	struct vmbus_mdev_vendor_ops ops = *fx->parent.ops;
	struct device *dev;

	/* Registration refuses incomplete vendor ops. */
	dev = fx_new_device(test);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_EXPECT_EQ(test, vmbus_mdev_register_parent(&other, dev, &other_ops,
							 types, 1), -EINVAL);

	ops.name = "kunit_other";
	KUNIT_ASSERT_EQ(test, vmbus_mdev_register_parent(&other, dev, &ops,
							 types, 1), 0);
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 7), 0);
	KUNIT_EXPECT_EQ(test, fx_create(fx, &other_type, 7), -EEXIST);
	KUNIT_EXPECT_EQ(test, fx_create(fx, &other_type, 8), 0);
	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 8), -EEXIST);
	vmbus_mdev_unregister_parent(&other);
	/* The other parent's UUID is free again once it is gone. */
	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 8), 0);
}

static void available_instances_arithmetic(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_type *fixed = &fx->type_fixed, *pool = &fx->type_pool;
	struct vmbus_mdev_device *mdev;

	KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(fixed), 2);
	KUNIT_ASSERT_EQ(test, fx_create(fx, fixed, 1), 0);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(fixed), 1);
	KUNIT_ASSERT_EQ(test, fx_create(fx, fixed, 2), 0);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(fixed), 0);
	KUNIT_EXPECT_EQ(test, fx_create(fx, fixed, 3), -EUSERS);

	/* The shared pool is the vendor's; the core follows its count. */
	KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(pool), 3);
	KUNIT_ASSERT_EQ(test, fx_create(fx, pool, 4), 0);
	KUNIT_ASSERT_EQ(test, fx_create(fx, pool, 5), 0);
	KUNIT_ASSERT_EQ(test, fx_create(fx, pool, 6), 0);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(pool), 0);
	KUNIT_EXPECT_EQ(test, fx_create(fx, pool, 7), -EUSERS);

	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	put_device(&mdev->dev);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(fixed), 1);
	KUNIT_EXPECT_EQ(test, fx_create(fx, fixed, 3), 0);

	mdev = fx_find(5);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	put_device(&mdev->dev);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(pool), 1);
}

static void second_remove_gets_enodev(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), -ENODEV);
	KUNIT_EXPECT_EQ(test, fx->vendor_removes, 1);
	put_device(&mdev->dev);
	/* The UUID is free the moment remove returned. */
	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
}

/* At KOBJ_ADD time every link must already exist. */
static void uevent_after_links_check(struct fx *fx, struct vmbus_mdev_device *mdev)
{
	struct kernfs_node *kn;

	kn = kernfs_find_and_get(mdev->dev.kobj.sd, "mdev_type");
	KUNIT_EXPECT_NOT_NULL(fx->test, kn);
	kernfs_put(kn);
	kn = kernfs_find_and_get(mdev->type->dir->devices_kobj->sd,
				 dev_name(&mdev->dev));
	KUNIT_EXPECT_NOT_NULL(fx->test, kn);
	kernfs_put(kn);
	KUNIT_EXPECT_TRUE(fx->test, dev_get_uevent_suppress(&mdev->dev));
}

static void uevent_add_only_when_links_exist(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;

	fx->check_step = VMBUS_MDEV_STEP_UEVENT;
	fx->step_check = uevent_after_links_check;
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	KUNIT_EXPECT_EQ(test, fx->step_checks, 1);

	/* After the create returned, uevents flow again. */
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_FALSE(test, dev_get_uevent_suppress(&mdev->dev));
	put_device(&mdev->dev);
}

/*
 * What a bus driver's probe error makes of a create. "Not mine" (-ENODEV,
 * -ENXIO) leaves the device created and unbound, as the driver model does
 * when no driver takes a device; a kernel-internal code never reaches the
 * writer of "create"; any other error fails the create with it.
 */
struct probe_case {
	const char *name;
	int probe_err;
	int create_ret;
};

static const struct probe_case probe_cases[] = {
	{ "EIO", -EIO, -EIO },
	{ "ENOMEM", -ENOMEM, -ENOMEM },
	{ "ENODEV-not-mine", -ENODEV, 0 },
	{ "ENXIO-not-mine", -ENXIO, 0 },
	{ "EPROBE_DEFER", -EPROBE_DEFER, -EAGAIN },
};

static void probe_case_desc(const struct probe_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(probe, probe_cases, probe_case_desc);

static void probe_error_reaches_create(struct kunit *test)
{
	const struct probe_case *c = test->param_value;
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;

	fx->probe_err = c->probe_err;
	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 1), c->create_ret);
	mdev = fx_find(1);
	if (c->create_ret) {
		KUNIT_EXPECT_NULL(test, mdev);
		KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(&fx->type_fixed), 2);
		KUNIT_EXPECT_EQ(test, fx->vendor_removes, 1);
		if (mdev)
			put_device(&mdev->dev);
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_NULL(test, mdev->dev.driver);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	put_device(&mdev->dev);
}

/*
 * Registering a parent that is registered already, with other types, is
 * refused before anything of the live parent is touched.
 */
static void reregister_live_parent_refused(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_type *other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	struct vmbus_mdev_device *mdev;
	struct device *dev;

	KUNIT_ASSERT_NOT_NULL(test, other);
	*other = (struct vmbus_mdev_type) {
		.sysfs_name = "other", .device_api = FX_API, .max_instances = 1,
	};
	dev = fx_new_device(test);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);

	KUNIT_ASSERT_EQ(test, vmbus_mdev_register_parent(&fx->parent, dev,
							 fx->parent.ops, &other, 1),
			-EBUSY);
	KUNIT_EXPECT_NULL(test, other->dir);
	/* The live parent is untouched: its child is still listed and goes. */
	KUNIT_EXPECT_EQ(test, list_count_nodes(&fx->parent.children), 1);
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	put_device(&mdev->dev);
}

#if IS_ENABLED(CONFIG_FAULT_INJECTION)
/* Run fx_create() with the @nth allocation of this task failing. */
static int create_failing_nth(struct fx *fx, unsigned int nth, bool *reached)
{
	int ret;

	fx_trace_reset(fx);
	WRITE_ONCE(current->fail_nth, nth);
	ret = fx_create(fx, &fx->type_fixed, 1);
	*reached = !READ_ONCE(current->fail_nth);
	WRITE_ONCE(current->fail_nth, 0);
	return ret;
}

/*
 * The kernel's own fault injection, not the seam (guest/test-kunit.sh has
 * set failslab's ignore-gfp-wait to N first): every allocation a create
 * makes (the core's, the driver core's in device_add() and in the links,
 * the vendor's) fails in turn. Each failed create returns -ENOMEM and
 * leaves nothing: no device, the instance and UUID free, a vendor create
 * that succeeded undone. A create whose failed allocation was not its own
 * to report (the driver core's "driver" link: the device stays unbound)
 * succeeds with a complete, announced device; one whose ADD uevent could
 * not be sent fails. Among the points are real failures inside
 * device_add() and between the two links.
 */
static void create_fails_at_every_allocation(struct kunit *test)
{
	struct fx *fx = test->priv;
	unsigned int nth, failed = 0, in_device_add = 0, in_links = 0;
	struct vmbus_mdev_device *mdev;
	bool reached = true;
	int ret;

	for (nth = 1; reached && nth < 4096; nth++) {
		ret = create_failing_nth(fx, nth, &reached);
		mdev = fx_find(1);
		if (ret) {
			failed++;
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "allocation %u", nth);
			KUNIT_EXPECT_NULL_MSG(test, mdev, "allocation %u", nth);
			KUNIT_EXPECT_EQ(test, vmbus_mdev_type_available(&fx->type_fixed), 2);
			/* A vendor create that succeeded was undone. */
			if (strstr(fx->trace, "device_add"))
				KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(fx->trace, "V-1"),
							  "%s", fx->trace);
			in_device_add += !!strstr(fx->trace, "device_add vendor_remove");
			in_links += !!strstr(fx->trace, "links device_del");
		} else {
			KUNIT_ASSERT_NOT_NULL_MSG(test, mdev, "allocation %u", nth);
			KUNIT_EXPECT_TRUE(test, device_is_registered(&mdev->dev));
			/* Announced: its REMOVE will have an ADD before it. */
			KUNIT_EXPECT_TRUE_MSG(test, mdev->dev.kobj.state_add_uevent_sent,
					      "allocation %u", nth);
			KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
		}
		if (mdev)
			put_device(&mdev->dev);
	}
	kunit_info(test, "%u allocations, %u failed the create (%u in device_add, %u in the links)",
		   nth - 2, failed, in_device_add, in_links);
	KUNIT_EXPECT_FALSE(test, reached);
	KUNIT_EXPECT_GT(test, failed, 0);
	KUNIT_EXPECT_GT(test, in_device_add, 0);
	KUNIT_EXPECT_GT(test, in_links, 0);
	/* And afterwards a create goes through. */
	KUNIT_EXPECT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
}

#else
static void create_fails_at_every_allocation(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
}
#endif

#if IS_ENABLED(CONFIG_FAULT_INJECTION)
/* Remove cannot fail: with any of its allocations failing it still removes. */
static void remove_survives_every_allocation(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;
	bool reached = true;
	unsigned int nth;

	for (nth = 1; reached && nth < 4096; nth++) {
		KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
		mdev = fx_find(1);
		KUNIT_ASSERT_NOT_NULL(test, mdev);
		WRITE_ONCE(current->fail_nth, nth);
		KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
		reached = !READ_ONCE(current->fail_nth);
		WRITE_ONCE(current->fail_nth, 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(mdev->state), VMBUS_MDEV_GONE);
		KUNIT_EXPECT_FALSE(test, device_is_registered(&mdev->dev));
		put_device(&mdev->dev);
	}
	kunit_info(test, "%u allocations in a remove", nth - 2);
	KUNIT_EXPECT_GT(test, nth, 2);
	KUNIT_EXPECT_EQ(test, fx->vendor_removes, nth - 1);
}
#else
static void remove_survives_every_allocation(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
}
#endif

/* UUID input classes, as mdev takes them. */
struct uuid_case {
	const char *in;
	int err;
};

static const struct uuid_case uuid_cases[] = {
	{ "3c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5c", 0 },
	{ "3c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5c\n", 0 },
	{ "3C1F3A7E-5E7D-4D2B-9A8B-7D1E2F3A4B5C\n", 0 },
	{ "3c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5c\n\n", -EINVAL },
	{ "3c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5", -EINVAL },
	{ "3c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5cd", -EINVAL },
	{ "3c1f3a7e05e7d-4d2b-9a8b-7d1e2f3a4b5c", -EINVAL },
	{ "3c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5g", -EINVAL },
	{ "{c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5}", -EINVAL },
	{ " 3c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5", -EINVAL },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
};

static void uuid_input_rules(struct kunit *test)
{
	guid_t uuid;
	char name[UUID_STRING_LEN + 1];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(uuid_cases); i++) {
		const char *in = uuid_cases[i].in;

		KUNIT_EXPECT_EQ_MSG(test, vmbus_mdev_parse_uuid(in, strlen(in), &uuid),
				    uuid_cases[i].err, "input '%s'", in);
	}
	/* Any case in, lowercase name out. */
	KUNIT_ASSERT_EQ(test, vmbus_mdev_parse_uuid(uuid_cases[2].in,
						    strlen(uuid_cases[2].in), &uuid), 0);
	snprintf(name, sizeof(name), "%pUl", &uuid);
	KUNIT_EXPECT_STREQ(test, name, "3c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5c");
}

static void types_and_parent_sysfs(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_parent other;
	struct kernfs_node *kn;

	KUNIT_EXPECT_STREQ(test, kobject_name(&fx->type_fixed.dir->kobj),
			   "kunit-fixed");
	KUNIT_EXPECT_STREQ(test, kobject_name(&fx->type_pool.dir->kobj),
			   "kunit-pool");
	kn = kernfs_find_and_get(fx->dev->kobj.sd, "mdev_supported_types");
	KUNIT_EXPECT_NOT_NULL(test, kn);
	kernfs_put(kn);
	/* "description" only where the type has one. */
	kn = kernfs_find_and_get(fx->type_pool.dir->kobj.sd, "description");
	KUNIT_EXPECT_NULL(test, kn);
	kernfs_put(kn);
	kn = kernfs_find_and_get(fx->type_fixed.dir->kobj.sd, "description");
	KUNIT_EXPECT_NOT_NULL(test, kn);
	kernfs_put(kn);
	/* A type serves one parent at a time. */
	KUNIT_EXPECT_EQ(test, vmbus_mdev_register_parent(&other, fx->dev,
							 fx->parent.ops, fx->types,
							 2), -EBUSY);
}

static struct kunit_case lifecycle_cases[] = {
	KUNIT_CASE(create_order),
	KUNIT_CASE(steps_are_what_they_say),
	KUNIT_CASE(remove_order),
	KUNIT_CASE(unregister_removes_children_newest_first),
	KUNIT_CASE_PARAM(fault_at_every_create_step, fault_gen_params),
	KUNIT_CASE(uuid_taken_under_any_parent),
	KUNIT_CASE(available_instances_arithmetic),
	KUNIT_CASE(second_remove_gets_enodev),
	KUNIT_CASE(uevent_add_only_when_links_exist),
	KUNIT_CASE(uuid_input_rules),
	KUNIT_CASE_PARAM(probe_error_reaches_create, probe_gen_params),
	KUNIT_CASE(reregister_live_parent_refused),
	KUNIT_CASE(create_fails_at_every_allocation),
	KUNIT_CASE(remove_survives_every_allocation),
	KUNIT_CASE(types_and_parent_sysfs),
	{}
};

static struct kunit_suite lifecycle_suite = {
	.name = "vmbus_mdev_lifecycle",
	.init = fx_init,
	.exit = fx_exit,
	.test_cases = lifecycle_cases,
};

kunit_test_suite(lifecycle_suite);
