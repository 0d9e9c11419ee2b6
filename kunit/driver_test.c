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
			"alloc uuid enter vendor_create V+1 device_add probed links",
			"active uevent leave");
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

static struct kunit_case driver_cases[] = {
	KUNIT_CASE(move_between_drivers),
	KUNIT_CASE(remove_unbound_device),
	KUNIT_CASE(late_driver_binds_and_unbinds),
	KUNIT_CASE(uevent_carries_modalias),
	{}
};

static struct kunit_suite driver_suite = {
	.name = "vmbus_mdev_driver_model",
	.init = fx_init,
	.exit = fx_exit,
	.test_cases = driver_cases,
};

kunit_test_suite(driver_suite);
