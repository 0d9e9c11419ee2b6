#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the VM for `make bench`: see tools/testing/vmbus_mdev/bench.sh.
insmod "$VMTEST_MODDIR/vmbus_mdev_testvendor.ko" || exit 1
echo "vmbus_mdev create+remove through sysfs, one parent, type test-bulk (stock kernel, TCG)"
"$VMTEST_PROGS/mdev-bench" /sys/devices/platform/vmbus_mdev_test.0/mdev_supported_types/test-bulk \
	100 1000 10000
rc=$?
rmmod vmbus_mdev_testvendor
exit $rc
