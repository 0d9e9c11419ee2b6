// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only vmbus_mdev vendor: two platform-device parents,
 * /sys/devices/platform/vmbus_mdev_test.0 and .1 (on a bus, as real
 * parents are, so their MDEV_STATE uevents reach user space), each with
 * the types
 *
 *   test-small  device_api "test-api", two instances
 *   test-bulk   device_api "test-api", 20000 instances (benchmark)
 *   test-fail   device_api "test-fail", whose only driver's probe fails
 *
 * and three bus drivers: vmbus_mdev_test_a (binds "test-api"),
 * vmbus_mdev_test_b (binds nothing by itself; reached with
 * driver_override) and vmbus_mdev_test_fail (probe returns -EIO). All
 * three serve this vendor's instances only: forced onto another vendor's
 * through driver_override, their match refuses it.
 *
 * Writing 0 or 1 to /sys/module/vmbus_mdev_testvendor/parameters/online
 * unregisters or registers both parents, so user space can exercise
 * parent removal with children and a fresh re-registration. Writing 1 to
 * .../parameters/hold_remove parks the next vendor remove inside this
 * module until 0 is written, so user space can race it with rmmod.
 */
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/vmbus_mdev.h>

#define TV_PARENTS 2

struct tv_parent {
	struct platform_device *pdev;
	struct vmbus_mdev_parent parent;
	struct vmbus_mdev_type small, bulk, fail;
	struct vmbus_mdev_type *types[3];
};

struct tv_instance {
	guid_t uuid;
};

static struct tv_parent *tv_parents[TV_PARENTS];
static DEFINE_MUTEX(tv_lock);	/* serialises online/offline */
static bool tv_online;

static int tv_create(struct vmbus_mdev_device *mdev)
{
	struct tv_instance *inst = kzalloc(sizeof(*inst), GFP_KERNEL);

	if (!inst)
		return -ENOMEM;
	inst->uuid = mdev->uuid;
	vmbus_mdev_set_vendor_data(mdev, inst);
	return 0;
}

/* hold_remove: 0 off, 1 armed for the next remove, 2 a remove is parked. */
enum { TV_HOLD_OFF, TV_HOLD_ARMED, TV_HOLD_PARKED };
static atomic_t tv_hold = ATOMIC_INIT(TV_HOLD_OFF);
static DECLARE_COMPLETION(tv_hold_release);

/* Process context: the remover's (sysfs, or the parent's unregister). */
static void tv_remove(struct vmbus_mdev_device *mdev)
{
	if (atomic_cmpxchg(&tv_hold, TV_HOLD_ARMED, TV_HOLD_PARKED) == TV_HOLD_ARMED)
		wait_for_completion(&tv_hold_release);
	kfree(vmbus_mdev_get_vendor_data(mdev));
}

static const struct vmbus_mdev_vendor_ops tv_ops = {
	.name = "test",
	.create = tv_create,
	.remove = tv_remove,
};

static int tv_parent_add(int i)
{
	struct tv_parent *tp;
	int ret;

	tp = kzalloc(sizeof(*tp), GFP_KERNEL);
	if (!tp)
		return -ENOMEM;
	tp->small = (struct vmbus_mdev_type) {
		.sysfs_name = "small", .pretty_name = "Small test type",
		.device_api = "test-api", .max_instances = 2,
		.description = "two instances, for the ABI tests",
	};
	tp->bulk = (struct vmbus_mdev_type) {
		.sysfs_name = "bulk", .device_api = "test-api",
		.max_instances = 20000,
	};
	tp->fail = (struct vmbus_mdev_type) {
		.sysfs_name = "fail", .device_api = "test-fail",
		.max_instances = 1,
	};
	tp->types[0] = &tp->small;
	tp->types[1] = &tp->bulk;
	tp->types[2] = &tp->fail;

	tp->pdev = platform_device_register_simple("vmbus_mdev_test", i, NULL, 0);
	if (IS_ERR(tp->pdev)) {
		ret = PTR_ERR(tp->pdev);
		kfree(tp);
		return ret;
	}
	ret = vmbus_mdev_register_parent(&tp->parent, &tp->pdev->dev, &tv_ops,
					 tp->types, ARRAY_SIZE(tp->types));
	if (ret) {
		platform_device_unregister(tp->pdev);
		kfree(tp);
		return ret;
	}
	tv_parents[i] = tp;
	return 0;
}

static void tv_parent_del(int i)
{
	struct tv_parent *tp = tv_parents[i];

	if (!tp)
		return;
	vmbus_mdev_unregister_parent(&tp->parent);
	platform_device_unregister(tp->pdev);
	kfree(tp);
	tv_parents[i] = NULL;
}

static int tv_set_online(bool online)
{
	int i, ret = 0;

	if (online == tv_online)
		return 0;
	if (!online) {
		for (i = TV_PARENTS - 1; i >= 0; i--)
			tv_parent_del(i);
	} else {
		for (i = 0; i < TV_PARENTS && !ret; i++)
			ret = tv_parent_add(i);
		if (ret) {
			while (i--)
				tv_parent_del(i);
			return ret;
		}
	}
	tv_online = online;
	return 0;
}

static int tv_online_set(const char *val, const struct kernel_param *kp)
{
	bool online;
	int ret;

	ret = kstrtobool(val, &online);
	if (ret)
		return ret;
	mutex_lock(&tv_lock);
	ret = tv_set_online(online);
	mutex_unlock(&tv_lock);
	return ret;
}

static int tv_online_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", tv_online);
}

static const struct kernel_param_ops tv_online_ops = {
	.set = tv_online_set,
	.get = tv_online_get,
};
module_param_cb(online, &tv_online_ops, NULL, 0600);
MODULE_PARM_DESC(online, "1: both test parents registered, 0: unregistered");

static int tv_hold_set(const char *val, const struct kernel_param *kp)
{
	bool hold;
	int ret;

	ret = kstrtobool(val, &hold);
	if (ret)
		return ret;
	if (!hold) {
		if (atomic_xchg(&tv_hold, TV_HOLD_OFF) == TV_HOLD_PARKED)
			complete(&tv_hold_release);
		return 0;
	}
	if (atomic_read(&tv_hold) != TV_HOLD_OFF)
		return -EBUSY;
	reinit_completion(&tv_hold_release);
	atomic_set(&tv_hold, TV_HOLD_ARMED);
	return 0;
}

static int tv_hold_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&tv_hold));
}

static const struct kernel_param_ops tv_hold_ops = {
	.set = tv_hold_set,
	.get = tv_hold_get,
};
module_param_cb(hold_remove, &tv_hold_ops, NULL, 0600);
MODULE_PARM_DESC(hold_remove, "1: park the next vendor remove until 0 is written; reads 2 while one is parked");

/* The test drivers serve this vendor's instances only, overrides included. */
static bool tv_match(struct vmbus_mdev_device *mdev)
{
	return mdev->parent->ops == &tv_ops;
}

static int tv_probe_ok(struct vmbus_mdev_device *mdev)
{
	return 0;
}

static int tv_probe_fail(struct vmbus_mdev_device *mdev)
{
	return -EIO;
}

static void tv_unbind(struct vmbus_mdev_device *mdev)
{
}

static const struct vmbus_mdev_device_id tv_ids_a[] = {
	{ .device_api = "test-api" },
	{}
};

static const struct vmbus_mdev_device_id tv_ids_fail[] = {
	{ .device_api = "test-fail" },
	{}
};

static struct vmbus_mdev_driver tv_drivers[] = {
	{
		.match = tv_match, .probe = tv_probe_ok, .remove = tv_unbind,
		.id_table = tv_ids_a, .driver.name = "vmbus_mdev_test_a",
	}, {
		.match = tv_match, .probe = tv_probe_ok, .remove = tv_unbind,
		.driver.name = "vmbus_mdev_test_b",
	}, {
		.match = tv_match, .probe = tv_probe_fail, .remove = tv_unbind,
		.id_table = tv_ids_fail, .driver.name = "vmbus_mdev_test_fail",
	},
};

static int __init tv_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(tv_drivers); i++) {
		ret = vmbus_mdev_register_driver(&tv_drivers[i]);
		if (ret)
			goto err;
	}
	mutex_lock(&tv_lock);
	ret = tv_set_online(true);
	mutex_unlock(&tv_lock);
	if (ret)
		goto err;
	return 0;
err:
	while (i--)
		vmbus_mdev_unregister_driver(&tv_drivers[i]);
	return ret;
}

static void __exit tv_exit(void)
{
	int i;

	mutex_lock(&tv_lock);
	tv_set_online(false);
	mutex_unlock(&tv_lock);
	for (i = ARRAY_SIZE(tv_drivers) - 1; i >= 0; i--)
		vmbus_mdev_unregister_driver(&tv_drivers[i]);
}

module_init(tv_init);
module_exit(tv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmbus_mdev test-only vendor and bus drivers");
