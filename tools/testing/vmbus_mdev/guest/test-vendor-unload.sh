#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A remove racing the vendor module's unload, for real: a sysfs remove is
# parked inside the test vendor's remove callback (hold_remove), and
# rmmod of the vendor runs then. While the core is inside the vendor it
# holds the vendor's module, so rmmod must fail and leave the module
# loaded; once the remove is let go it succeeds, and rmmod then unloads.

prefix=unload
. /vmtest/vfio-lib.sh

SMALL=/sys/devices/platform/vmbus_mdev_test.0/mdev_supported_types/test-small
HOLD=/sys/module/vmbus_mdev_testvendor/parameters/hold_remove
U=9d4e6f10-2a3b-4c5d-8e9f-0a1b2c3d4e5f
loaded() { grep -q '^vmbus_mdev_testvendor ' /proc/modules; }
parked() { [ "$(cat $HOLD)" = 2 ]; }

check "load test vendor" insmod "$VMTEST_MODDIR/vmbus_mdev_testvendor.ko" || exit 1
expect "create" ok $SMALL/create $U
check "arm hold_remove" sh -c "echo 1 >$HOLD"
write $BUS/devices/$U/remove 1 >/tmp/unload.remove &
remover=$!
check "the remove is parked inside the vendor" wait_until 10 parked
# In the background, bounded: an rmmod that the core did not refuse would
# block in the module's exit, which waits for the parked remove.
rmmod vmbus_mdev_testvendor 2>/tmp/unload.rmmod &
rmmoder=$!
if wait_until 10 not_running $rmmoder; then
	wait $rmmoder
	rc=$?
else
	rc=blocked
fi
cat /tmp/unload.rmmod
check "rmmod of the vendor fails at once while its remove runs (rc $rc)" \
	sh -c "[ '$rc' != blocked ] && [ '$rc' != 0 ]"
check "the vendor is still loaded" loaded
# Off the bus already, but its UUID is held until the vendor is done.
expect "its UUID is still taken (EEXIST)" "File exists" $SMALL/create $U
echo 0 >$HOLD
check "the parked remove finishes" wait_until 10 not_running $remover
check "the parked remove succeeded" [ "$(cat /tmp/unload.remove)" = ok ]
check "the device is gone" [ ! -e $BUS/devices/$U ]
if [ "$rc" = blocked ]; then
	# The rmmod that should have failed goes on now; let it end.
	wait $rmmoder
fi
check "rmmod of the vendor now succeeds" \
	sh -c "! grep -q '^vmbus_mdev_testvendor ' /proc/modules || rmmod vmbus_mdev_testvendor"
check "the vendor is unloaded" sh -c "! grep -q '^vmbus_mdev_testvendor ' /proc/modules"
exit $status
