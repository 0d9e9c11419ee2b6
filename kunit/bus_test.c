// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the vmbus_mdev bus exists and carries devices.
 */
#include <kunit/test.h>
#include <kunit/device.h>
#include <linux/vmbus_mdev.h>

static void bus_test_release(struct device *dev)
{
	kfree(dev);
}

/* A bare device on our bus, parented by a KUnit-managed device. */
static struct device *bus_test_add(struct kunit *test, const char *name)
{
	struct device *parent, *dev;

	parent = kunit_device_register(test, "vmbus_mdev_bus_test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, parent);

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	device_initialize(dev);
	dev->bus = &vmbus_mdev_bus_type;
	dev->parent = parent;
	dev->release = bus_test_release;
	KUNIT_ASSERT_EQ(test, dev_set_name(dev, "%s", name), 0);
	KUNIT_ASSERT_EQ(test, device_add(dev), 0);
	return dev;
}

static int bus_test_count(struct device *dev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

static void bus_is_registered(struct kunit *test)
{
	unsigned int n = 0;

	KUNIT_EXPECT_STREQ(test, vmbus_mdev_bus_type.name, "vmbus_mdev");
	/* bus_for_each_dev() fails with -EINVAL on an unregistered bus. */
	KUNIT_EXPECT_EQ(test, bus_for_each_dev(&vmbus_mdev_bus_type, NULL, &n,
					       bus_test_count), 0);
}

static void bus_add_and_remove_device(struct kunit *test)
{
	struct device *dev, *found;

	dev = bus_test_add(test, "bus-test-0");

	found = bus_find_device_by_name(&vmbus_mdev_bus_type, NULL, "bus-test-0");
	KUNIT_EXPECT_PTR_EQ(test, found, dev);
	put_device(found);

	device_unregister(dev);
	found = bus_find_device_by_name(&vmbus_mdev_bus_type, NULL, "bus-test-0");
	KUNIT_EXPECT_NULL(test, found);
}

static void bus_rejects_duplicate_name(struct kunit *test)
{
	struct device *first, *second;

	first = bus_test_add(test, "bus-test-dup");

	second = kzalloc(sizeof(*second), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, second);
	device_initialize(second);
	second->bus = &vmbus_mdev_bus_type;
	second->parent = first->parent;
	second->release = bus_test_release;
	KUNIT_ASSERT_EQ(test, dev_set_name(second, "bus-test-dup"), 0);
	KUNIT_EXPECT_EQ(test, device_add(second), -EEXIST);
	put_device(second);

	device_unregister(first);
}

static struct kunit_case bus_test_cases[] = {
	KUNIT_CASE(bus_is_registered),
	KUNIT_CASE(bus_add_and_remove_device),
	KUNIT_CASE(bus_rejects_duplicate_name),
	{}
};

static struct kunit_suite bus_test_suite = {
	.name = "vmbus_mdev_bus",
	.test_cases = bus_test_cases,
};

kunit_test_suite(bus_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the vmbus_mdev bus");
