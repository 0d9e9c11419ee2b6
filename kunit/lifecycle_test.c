// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the exact order of create, remove and unregister; a fault at every
 * create step unwinds in mirror order; the ABI's arithmetic and UUID rules.
 */
#include <kunit/device.h>
#include <linux/module.h>

#include "fixture.h"

#define CREATE_1 "alloc uuid enter vendor_create V+1 device_add A+1 probed links active uevent leave"
#define REMOVE(n) "inactive unlink device_del A-" #n " vendor_remove V-" #n \
		  " put_instance put_uuid release"

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
	{ "probe_error", VMBUS_MDEV_STEP_NR, 0, -EIO,
	  "alloc uuid enter vendor_create V+1 device_add A+1 probed device_del vendor_remove V-1 put_instance put_uuid release leave",
	},
	{ "probed", VMBUS_MDEV_STEP_PROBED, 0, 0,
	  "alloc uuid enter vendor_create V+1 device_add A+1 probed device_del A-1 vendor_remove V-1 put_instance put_uuid release leave",
	},
	{ "links", VMBUS_MDEV_STEP_LINKS, 0, 0,
	  "alloc uuid enter vendor_create V+1 device_add A+1 probed links device_del A-1 vendor_remove V-1 put_instance put_uuid release leave",
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
	KUNIT_CASE(remove_order),
	KUNIT_CASE(unregister_removes_children_newest_first),
	KUNIT_CASE_PARAM(fault_at_every_create_step, fault_gen_params),
	KUNIT_CASE(uuid_taken_under_any_parent),
	KUNIT_CASE(available_instances_arithmetic),
	KUNIT_CASE(second_remove_gets_enodev),
	KUNIT_CASE(uevent_add_only_when_links_exist),
	KUNIT_CASE(uuid_input_rules),
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
