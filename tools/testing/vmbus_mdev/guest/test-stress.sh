#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Concurrent stress (progs/mdev-stress.c) for STRESS_SECONDS (default 60;
# "make stress DURATION=..." runs it as long as asked): creates and
# removes on every vendor's types and both test parents, bind, unbind and
# driver_override flips, the test vendor's parents unregistered and
# registered and its module unloaded and loaded, the simulated host's
# rescinds and offers, Azure Blob requests from processes that get
# killed, and VFIO users holding devices across their removal or using a
# card of their own, all at once. Every result must be one that the ABI
# documents for its operation (the program prints the table by errno),
# every operation must have run, and a VFIO session on its own card must
# have succeeded. Afterwards, with the test vendor back and the channel offered,
# every instance is removed, and nothing may be left: no device, every
# type's available_instances and every pin back, the UUIDs free; the
# debug kernel's console (no splat, no hung task) and kmemleak at the
# VM's teardown are checked as for every test.

prefix=stress
. /vmtest/vfio-lib.sh

TV=/sys/devices/platform/vmbus_mdev_test.0/mdev_supported_types
AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
ON=/sys/module/vmbus_mdev_testvendor/parameters/online
SIM=/sys/kernel/debug/azblob_sim
KO=$VMTEST_MODDIR/vmbus_mdev_testvendor.ko
SECONDS_=${STRESS_SECONDS:-60}
U=5e5e5e5e-0000-4000-8000-000000000000

check "load test vendor" insmod $KO || exit 1
vfio_load || exit 1
check "load azure_blob" insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
check "load azblob_sim" insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1
instances() {
	for t in $TV/test-small $TV/test-bulk $T1 $T2 $AB; do
		echo "$t $(cat $t/available_instances)"
	done
}
instances >/tmp/stress.before
pins_before=$(pins)

echo "stress: $SECONDS_ s"
"$VMTEST_PROGS/mdev-stress" $SECONDS_ $VMTEST_PROGS $KO >/tmp/stress.out 2>&1
rc=$?
cat /tmp/stress.out
check "every result one the ABI documents" [ $rc -eq 0 ]
# 14 operations, each with a count line "stress: NAME: TOTAL: ...", none 0
check "every operation ran" sh -c "[ \$(grep -c '^stress: .*: [0-9]*:' /tmp/stress.out) -eq 14 ] &&
	! grep -q ': 0:\$' /tmp/stress.out"

# Back to the start: the test vendor loaded and online, the channel
# offered (each may already be so), then every instance removed.
# (Loaded again only once its drivers have left sysfs: mdev-stress.c's
# wait_drivers_gone() says why.)
if [ ! -e $ON ]; then
	wait_until 10 sh -c "! ls -d $BUS/drivers/vmbus_mdev_test_* 2>/dev/null"
	insmod $KO
fi
echo 1 >$ON
echo 1 >$SIM/offer 2>/dev/null
for d in $BUS/devices/*; do
	[ -e "$d" ] && write $d/remove 1 >/dev/null
done
check "nothing left on the bus" sh -c "[ -z \"\$(ls $BUS/devices)\" ]"
instances >/tmp/stress.after
check "every type's available_instances back" cmp /tmp/stress.before /tmp/stress.after ||
	diff /tmp/stress.before /tmp/stress.after
expect "a UUID of the stress free again" ok $T2/create $U
expect "and removed" ok $BUS/devices/$U/remove 1
check "every page pinned is unpinned" wait_pins "$pins_before" 10

unload azblob_sim azure_blob vmbus_mtty vmbus_mdev_vfio vmbus_mdev_testvendor
exit $status
