#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Callers blocked on the host must not stop the freezer, and a frozen
# caller must not stop a removal:
# - with pm_test at "freezer" the kernel's own system-sleep path freezes
#   every task, waits and thaws: 32 callers waiting for answers (frozen
#   in the node's helper) and a 33rd waiting for a slot of the full
#   quota (backed out, frozen at signal delivery) must all freeze, and
#   all get their answers after the thaw;
# - a caller frozen by the cgroup v1 freezer while it waits holds nothing
#   a removal waits for: the instance goes at once, and the caller gets
#   ENODEV once thawed;
# - the driver's system-sleep callbacks (run through the simulated
#   host's "sleep" knob: the VM's host share does not survive the PM
#   core's device phase) drain before they close the channel, refuse to
#   suspend while the host holds a request, and leave a working channel.

prefix=azfreeze
. /vmtest/vfio-lib.sh

AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
UA=6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a04
NODE=/dev/azure_blob/$UA
CLI=$VMTEST_PROGS/azblob
FLOOD=$VMTEST_PROGS/azblob-flood
export AZBLOB_DATA_LEN=4096
SIM=/sys/kernel/debug/azblob_sim
DBG=/sys/kernel/debug/azure_blob/azblob_sim.0
DRAIN=/sys/module/azure_blob/parameters/drain_timeout_ms
PM=/sys/power
CG=/tmp/freezer-cgroup

check "load azure_blob" insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
check "load azblob_sim" insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1
outstanding() { tail -n +2 $DBG/outstanding | wc -l; }
outstanding_is() { [ "$(outstanding)" = "$1" ]; }
draining() { grep -qx "accepting 0" $DBG/counters; }
in_engine_without_request() {
	case "$(cat /proc/$1/wchan 2>/dev/null)" in
	azblob_*) ;;
	*) return 1 ;;
	esac
	outstanding_is 32
}
echo hello >/tmp/freeze.in
base=$(pins)
expect "create" ok $AB/create $UA
check "put a blob" $CLI $NODE put small /tmp/freeze.in

# 1. The system-sleep freezer, with callers blocked both ways ----------
echo never >$SIM/fault
AZBLOB_TIMEOUT_MS=0 $FLOOD $NODE small 32 3600 >/tmp/freeze.flood 2>&1 &
flood=$!
check "32 callers wait for answers the host holds" wait_until 30 outstanding_is 32
AZBLOB_TIMEOUT_MS=0 $CLI $NODE get small >/tmp/freeze.extra 2>&1 &
extra=$!
check "a 33rd waits for a slot, in the engine" \
	wait_until 30 in_engine_without_request $extra
echo freezer >$PM/pm_test
# A task that refuses fails the freeze after this long, not 20 s.
echo 3000 >$PM/pm_freeze_timeout
echo 1 >/sys/module/suspend/parameters/pm_test_delay
KMARK="vmtest: azfreeze: system freeze with blocked callers"
echo "$KMARK" >/dev/kmsg
check "the system freezes and thaws with all of them blocked" \
	sh -c "echo freeze >$PM/state"
check "no task refused to freeze" \
	sh -c "! dmesg | sed -n '/$KMARK/,\$p' | grep -q 'refusing to freeze'"
echo none >$PM/pm_test
echo 20000 >$PM/pm_freeze_timeout
echo 5 >/sys/module/suspend/parameters/pm_test_delay
check "the 33rd is still waiting after the thaw" kill -0 $extra
echo normal >$SIM/fault
# The flood ends once its requests in flight are answered; then the 33rd
# has the slots to itself.
kill -TERM $flood
echo 1 >$SIM/answer
wait $flood
cat /tmp/freeze.flood
check "the 32 get their answers" grep -q "azblob-flood: [1-9][0-9]* ok, 0 failed" /tmp/freeze.flood
wait_until 20 not_running $extra || kill -9 $extra
wait $extra
check "the 33rd gets its answer" [ $? -eq 0 ]

# 2. A caller frozen by the cgroup freezer does not hold a removal ------
mkdir -p $CG
check "mount the cgroup v1 freezer" mount -t cgroup -o freezer none $CG
mkdir -p $CG/azfreeze
echo never >$SIM/fault
sh -c "echo \$\$ >$CG/azfreeze/tasks; exec $CLI $NODE put frozen /tmp/freeze.in" \
	>/tmp/freeze.cg 2>&1 &
frozen=$!
check "a caller in the cgroup waits on the host" wait_until 30 outstanding_is 1
echo FROZEN >$CG/azfreeze/freezer.state
is_frozen() { [ "$(cat $CG/azfreeze/freezer.state)" = FROZEN ]; }
check "the cgroup freezes, its caller waiting" wait_until 10 is_frozen
rm -f /tmp/remove.ms
got=$(SYSFS_WRITE_MS=/tmp/remove.ms write /sys/bus/vmbus_mdev/devices/$UA/remove 1)
t=$(cat /tmp/remove.ms 2>/dev/null)
check "remove the instance under the frozen caller" [ "$got" = ok ]
check "the removal did not wait for the thaw (${t:-?} ms)" [ "${t:-9999}" -lt 2000 ]
echo THAWED >$CG/azfreeze/freezer.state
wait $frozen
rc=$?
cat /tmp/freeze.cg
check "the thawed caller gets ENODEV" \
	sh -c "[ $rc -ne 0 ] && grep -q 'No such device' /tmp/freeze.cg"
echo normal >$SIM/fault
echo 1 >$SIM/answer
check "the host answers the abandoned request" wait_until 10 outstanding_is 0
rmdir $CG/azfreeze
umount $CG

# 3. The driver's suspend and resume --------------------------------
# The host answers only once the drain has begun, so a suspend that did
# not wait would have closed the channel first.
expect "create again" ok $AB/create $UA
echo 5000 >$DRAIN
echo never >$SIM/fault
$CLI $NODE put across /tmp/freeze.in >/tmp/freeze.s1 2>&1 &
client=$!
check "a request is with the host" wait_until 30 outstanding_is 1
(wait_until 20 draining && echo 1 >$SIM/answer) &
answerer=$!
expect "suspend drains it, then closes the channel" ok $SIM/sleep suspend
wait $answerer
check "the host answered during the drain" [ $? -eq 0 ]
check "the channel was closed by the suspend" [ "$(cat $SIM/suspends)" = 1 ]
check "nothing outstanding across the sleep" outstanding_is 0
expect "resume" ok $SIM/sleep resume
wait $client
check "the request was answered, not failed, by the suspend" [ $? -eq 0 ]
echo normal >$SIM/fault
check "the channel works after resume" sh -c "$CLI $NODE get across /tmp/freeze.g1 && cmp -s /tmp/freeze.g1 /tmp/freeze.in"

echo 300 >$DRAIN
echo never >$SIM/fault
KMARK="vmtest: azfreeze: suspend with a request the host keeps"
echo "$KMARK" >/dev/kmsg
$CLI $NODE put kept /tmp/freeze.in >/tmp/freeze.s2 2>&1 &
client=$!
check "a request the host keeps" wait_until 30 outstanding_is 1
expect "suspend refuses while the host holds it" "Device or resource busy" $SIM/sleep suspend
check "and says why" \
	sh -c "dmesg | sed -n '/$KMARK/,\$p' | grep -q 'the host still holds requests'"
check "the channel stayed open" [ "$(cat $SIM/suspends)" = 1 ]
echo normal >$SIM/fault
echo 1 >$SIM/answer
wait $client
check "the kept request is answered after the refused suspend" [ $? -eq 0 ]
check "new requests work after it" sh -c "$CLI $NODE get kept /tmp/freeze.g2 && cmp -s /tmp/freeze.g2 /tmp/freeze.in"
check "nothing left pinned for good" [ "$(cat /sys/kernel/debug/azure_blob/leaked_pages)" = 0 ]
check "every page unpinned" wait_pins "$base" 10

echo 10000 >$DRAIN
check "rmmod azblob_sim" rmmod azblob_sim
check "rmmod azure_blob" rmmod azure_blob
exit $status
