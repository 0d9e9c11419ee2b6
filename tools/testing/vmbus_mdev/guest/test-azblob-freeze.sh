#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A caller waiting on a slow host must not stop the freezer: with
# pm_test at "freezer", a system sleep freezes every task, waits, and
# thaws. A waiter in a sleep that is killable but not freezable refuses
# to freeze and the sleep fails with EBUSY. After the thaw the waiter
# still gets its answer.

prefix=azfreeze
. /vmtest/vfio-lib.sh

AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
UA=6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a04
NODE=/dev/azure_blob/$UA
CLI=$VMTEST_PROGS/azblob
export AZBLOB_DATA_LEN=4096
SIM=/sys/kernel/debug/azblob_sim
DBG=/sys/kernel/debug/azure_blob/azblob_sim.0

check "load azure_blob" insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
check "load azblob_sim" insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1
outstanding_at_least() { [ "$(tail -n +2 $DBG/outstanding | wc -l)" -ge "$1" ]; }
echo hello >/tmp/freeze.in
expect "create" ok $AB/create $UA

echo never >$SIM/fault
$CLI $NODE put waiting /tmp/freeze.in >/tmp/freeze.out 2>&1 &
waiter=$!
check "a caller waits on the host" wait_until 20 outstanding_at_least 1
echo freezer >/sys/power/pm_test
# A task that refuses fails the freeze after this long, not 20 s.
echo 3000 >/sys/power/pm_freeze_timeout
echo 1 >/sys/module/suspend/parameters/pm_test_delay 2>/dev/null
check "the system freezes and thaws with the caller waiting" \
	sh -c "echo freeze >/sys/power/state"
echo none >/sys/power/pm_test
echo 20000 >/sys/power/pm_freeze_timeout
check "the caller is still waiting after the thaw" kill -0 $waiter
echo normal >$SIM/fault
echo 1 >$SIM/answer
wait_until 20 not_running $waiter || kill -9 $waiter
wait $waiter
check "and gets its answer" [ $? -eq 0 ]
cat /tmp/freeze.out
check "rmmod azblob_sim" rmmod azblob_sim
check "rmmod azure_blob" rmmod azure_blob
exit $status
