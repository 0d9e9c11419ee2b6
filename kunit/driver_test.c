// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: bus drivers bind through the standard driver model. A device
 * moves between drivers with unbind, driver_override and bind, and back.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "fixture.h"

static bool bus_matches(struct vmbus_mdev_device *mdev,
			struct vmbus_mdev_driver *drv)
{
	return vmbus_mdev_bus_type.match(&mdev->dev, &drv->driver) > 0;
}

static void move_between_drivers(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;
	struct device *dev;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	dev = &mdev->dev;
	KUNIT_EXPECT_PTR_EQ(test, dev->driver, &fx_driver_a.driver);
	fx_trace_reset(fx);

	/* unbind */
	device_release_driver(dev);
	KUNIT_EXPECT_NULL(test, dev->driver);

	/* B does not handle this device_api: a plain bind is refused. */
	KUNIT_EXPECT_FALSE(test, bus_matches(mdev, &fx_driver_b));

	/* driver_override to B, then a reprobe binds B and only B. */
	KUNIT_ASSERT_EQ(test, device_set_driver_override(dev, "vmbus_mdev_kunit_b"), 0);
	KUNIT_EXPECT_TRUE(test, bus_matches(mdev, &fx_driver_b));
	KUNIT_EXPECT_FALSE(test, bus_matches(mdev, &fx_driver_a));
	KUNIT_EXPECT_EQ(test, device_attach(dev), 1);
	KUNIT_EXPECT_PTR_EQ(test, dev->driver, &fx_driver_b.driver);

	/* and back: unbind B, clear the override, bind A explicitly */
	device_release_driver(dev);
	KUNIT_ASSERT_EQ(test, device_set_driver_override(dev, ""), 0);
	KUNIT_EXPECT_TRUE(test, bus_matches(mdev, &fx_driver_a));
	KUNIT_EXPECT_EQ(test, device_driver_attach(&fx_driver_a.driver, dev), 0);
	KUNIT_EXPECT_PTR_EQ(test, dev->driver, &fx_driver_a.driver);

	FX_EXPECT_TRACE(fx,
			"A-1 B+1 B-1 A+1");

	fx_trace_reset(fx);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	FX_EXPECT_TRACE(fx,
			"inactive unlink device_del A-1 vendor_remove V-1",
			"put_instance put_uuid release");
	put_device(dev);
}

static void remove_unbound_device(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	device_release_driver(&mdev->dev);
	fx_trace_reset(fx);

	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	FX_EXPECT_TRACE(fx,
			"inactive unlink device_del vendor_remove V-1",
			"put_instance put_uuid release");
	put_device(&mdev->dev);
}

/*
 * No driver matches: the device is created unbound. A driver loaded later
 * binds it; unregistering that driver unbinds it and it stays on the bus.
 */
static void late_driver_binds_and_unbinds(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_late, 1), 0);
	FX_EXPECT_TRACE(fx,
			"alloc uuid enter vendor_create V+1 device_add links uevent",
			"attach probed active leave");
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	KUNIT_EXPECT_NULL(test, mdev->dev.driver);

	fx_trace_reset(fx);
	KUNIT_ASSERT_EQ(test, vmbus_mdev_register_driver(&fx_driver_late), 0);
	fx_driver_late_registered = true;
	KUNIT_EXPECT_PTR_EQ(test, mdev->dev.driver, &fx_driver_late.driver);
	vmbus_mdev_unregister_driver(&fx_driver_late);
	fx_driver_late_registered = false;
	KUNIT_EXPECT_NULL(test, mdev->dev.driver);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&mdev->dev));
	FX_EXPECT_TRACE(fx,
			"L+1 L-1");
	put_device(&mdev->dev);
}

static void uevent_carries_modalias(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;
	struct kobj_uevent_env *env;
	bool modalias = false, type = false;
	int i;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	mdev = fx_find(1);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, env);

	KUNIT_EXPECT_EQ(test, vmbus_mdev_bus_type.uevent(&mdev->dev, env), 0);
	for (i = 0; i < env->envp_idx; i++) {
		modalias |= !strcmp(env->envp[i], "MODALIAS=vmbus_mdev:" FX_API);
		type |= !strcmp(env->envp[i], "MDEV_TYPE=kunit-fixed");
	}
	KUNIT_EXPECT_TRUE(test, modalias);
	KUNIT_EXPECT_TRUE(test, type);
	put_device(&mdev->dev);
}

/*
 * match() and uevent() run on devices that may be in device_del() while
 * their parent unregisters and the vendor frees the type: they must use
 * only what the device owns. Here the type is rewritten after unregister,
 * as reused memory would be; the device must still answer as created.
 */
static void match_and_uevent_outlive_the_type(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_type *type = kunit_kzalloc(test, sizeof(*type), GFP_KERNEL);
	struct vmbus_mdev_parent *other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	struct kobj_uevent_env *env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	struct vmbus_mdev_device *mdev;
	bool modalias = false, mtype = false;
	struct device *dev;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, type);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_ASSERT_NOT_NULL(test, env);
	*type = (struct vmbus_mdev_type) {
		.sysfs_name = "gone", .device_api = "kunit-api-gone",
		.max_instances = 1,
	};
	dev = fx_new_device(test);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, vmbus_mdev_register_parent(other, dev, fx->parent.ops,
							 &type, 1), 0);
	KUNIT_ASSERT_EQ(test, fx_create(fx, type, 7), 0);
	mdev = fx_find(7);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	vmbus_mdev_unregister_parent(other);

	/* The vendor's memory is reused: it now reads as driver A's api. */
	type->device_api = FX_API;
	type->sysfs_name = "reused";
	KUNIT_EXPECT_EQ(test, vmbus_mdev_bus_type.match(&mdev->dev,
							&fx_driver_a.driver), 0);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_bus_type.uevent(&mdev->dev, env), 0);
	for (i = 0; i < env->envp_idx; i++) {
		modalias |= !strcmp(env->envp[i], "MODALIAS=vmbus_mdev:kunit-api-gone");
		mtype |= !strcmp(env->envp[i], "MDEV_TYPE=kunit-gone");
	}
	KUNIT_EXPECT_TRUE(test, modalias);
	KUNIT_EXPECT_TRUE(test, mtype);
	put_device(&mdev->dev);
}

/*
 * driver_override forces a driver onto a device, but never past the
 * driver's own match: B refuses the pool type's instances, so forcing B
 * onto one leaves it unbound and B's probe is never called.
 */
static void override_cannot_force_a_refusing_driver(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *mdev;
	struct device *dev;

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_pool, 2), 0);
	mdev = fx_find(2);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	dev = &mdev->dev;
	device_release_driver(dev);
	KUNIT_ASSERT_EQ(test, device_set_driver_override(dev, "vmbus_mdev_kunit_b"), 0);
	fx_trace_reset(fx);

	KUNIT_EXPECT_EQ(test, device_attach(dev), 0);
	KUNIT_EXPECT_NULL(test, dev->driver);
	KUNIT_EXPECT_EQ(test, device_driver_attach(&fx_driver_b.driver, dev), -ENODEV);
	KUNIT_EXPECT_NULL(test, dev->driver);
	FX_EXPECT_TRACE(fx, "");

	/* Cleared, the device goes back to its own driver. */
	KUNIT_ASSERT_EQ(test, device_set_driver_override(dev, ""), 0);
	KUNIT_EXPECT_EQ(test, device_attach(dev), 1);
	KUNIT_EXPECT_PTR_EQ(test, dev->driver, &fx_driver_a.driver);
	KUNIT_EXPECT_EQ(test, vmbus_mdev_remove(mdev), 0);
	put_device(dev);
}

#define SYSFS_BUS FX_SYSFS_BUS
#define SYSFS_DRV SYSFS_BUS "/drivers/"

/*
 * The administrator's controls, through the real sysfs files: unbind,
 * bind refused without an override, driver_override and bind, back
 * through drivers_probe; an override onto a driver whose match refuses
 * the device is refused; "remove" takes only an unsigned integer.
 */
static void driver_model_through_sysfs(struct kunit *test)
{
	struct fx *fx = test->priv;
	struct vmbus_mdev_device *m1, *m2;
	const char *n1, *n2;

	fx_need_path(test, FX_SYSFS_BUS);

	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_fixed, 1), 0);
	KUNIT_ASSERT_EQ(test, fx_create(fx, &fx->type_pool, 2), 0);
	m1 = fx_find(1);
	m2 = fx_find(2);
	KUNIT_ASSERT_NOT_NULL(test, m1);
	KUNIT_ASSERT_NOT_NULL(test, m2);
	n1 = dev_name(&m1->dev);
	n2 = dev_name(&m2->dev);

	KUNIT_EXPECT_EQ(test, fx_write_file(n1, SYSFS_DRV "vmbus_mdev_kunit_a/unbind"), 0);
	KUNIT_EXPECT_NULL(test, m1->dev.driver);
	KUNIT_EXPECT_EQ(test, fx_write_file(n1, SYSFS_DRV "vmbus_mdev_kunit_b/bind"), -ENODEV);
	KUNIT_EXPECT_EQ(test, fx_write_file("vmbus_mdev_kunit_b", SYSFS_BUS
					    "/devices/%s/driver_override", n1), 0);
	KUNIT_EXPECT_EQ(test, fx_write_file(n1, SYSFS_DRV "vmbus_mdev_kunit_b/bind"), 0);
	KUNIT_EXPECT_PTR_EQ(test, m1->dev.driver, &fx_driver_b.driver);
	KUNIT_EXPECT_EQ(test, fx_write_file(n1, SYSFS_DRV "vmbus_mdev_kunit_b/unbind"), 0);
	KUNIT_EXPECT_EQ(test, fx_write_file("\n", SYSFS_BUS "/devices/%s/driver_override", n1), 0);
	KUNIT_EXPECT_EQ(test, fx_write_file(n1, SYSFS_BUS "/drivers_probe"), 0);
	KUNIT_EXPECT_PTR_EQ(test, m1->dev.driver, &fx_driver_a.driver);

	/* B refuses the pool type: forcing it through the override fails. */
	KUNIT_EXPECT_EQ(test, fx_write_file(n2, SYSFS_DRV "vmbus_mdev_kunit_a/unbind"), 0);
	KUNIT_EXPECT_EQ(test, fx_write_file("vmbus_mdev_kunit_b", SYSFS_BUS
					    "/devices/%s/driver_override", n2), 0);
	KUNIT_EXPECT_EQ(test, fx_write_file(n2, SYSFS_DRV "vmbus_mdev_kunit_b/bind"), -ENODEV);
	KUNIT_EXPECT_NULL(test, m2->dev.driver);

	KUNIT_EXPECT_EQ(test, fx_write_file("-1", SYSFS_BUS "/devices/%s/remove", n1), -EINVAL);
	KUNIT_EXPECT_EQ(test, fx_write_file("0", SYSFS_BUS "/devices/%s/remove", n1), 0);
	KUNIT_EXPECT_TRUE(test, device_is_registered(&m1->dev));
	KUNIT_EXPECT_EQ(test, fx_write_file("1", SYSFS_BUS "/devices/%s/remove", n1), 0);
	KUNIT_EXPECT_FALSE(test, device_is_registered(&m1->dev));
	KUNIT_EXPECT_EQ(test, fx_write_file("1", SYSFS_BUS "/devices/%s/remove", n2), 0);
	KUNIT_EXPECT_FALSE(test, device_is_registered(&m2->dev));
	put_device(&m1->dev);
	put_device(&m2->dev);
}

static struct kunit_case driver_cases[] = {
	KUNIT_CASE(move_between_drivers),
	KUNIT_CASE(remove_unbound_device),
	KUNIT_CASE(late_driver_binds_and_unbinds),
	KUNIT_CASE(uevent_carries_modalias),
	KUNIT_CASE(match_and_uevent_outlive_the_type),
	KUNIT_CASE(override_cannot_force_a_refusing_driver),
	KUNIT_CASE(driver_model_through_sysfs),
	{}
};

static struct kunit_suite driver_suite = {
	.name = "vmbus_mdev_driver_model",
	.init = fx_init,
	.exit = fx_exit,
	.test_cases = driver_cases,
};

kunit_test_suite(driver_suite);
