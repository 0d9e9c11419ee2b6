// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the vmbus_mdev bus is registered with the driver-model features
 * bus drivers rely on. Devices on it are made only by the core (see the
 * lifecycle suites).
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/vmbus_mdev.h>

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
	KUNIT_EXPECT_EQ(test, n, 0);
}

static struct kunit_case bus_test_cases[] = {
	KUNIT_CASE(bus_is_registered),
	{}
};

static struct kunit_suite bus_test_suite = {
	.name = "vmbus_mdev_bus",
	.test_cases = bus_test_cases,
};

kunit_test_suite(bus_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the vmbus_mdev core");
