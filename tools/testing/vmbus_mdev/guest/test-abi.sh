#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The vmbus_mdev sysfs ABI from user space, against the test vendor:
# layout and modes, UUID input rules, errnos, available_instances,
# remove semantics, concurrent removers, bind/unbind/driver_override,
# uevent order, parent unregister with children and re-registration.
# Each check is one KTAP result (ktap.sh).

prefix=abi
. /vmtest/vfio-lib.sh

P0=/sys/devices/platform/vmbus_mdev_test.0
P1=/sys/devices/platform/vmbus_mdev_test.1
SMALL=$P0/mdev_supported_types/test-small
U1=3c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5c
U2=5a0e2d11-0b6c-4f8e-8a3d-0c9b1e2f3a4d
U3=7b2c9e44-1d3a-4c5b-9e6f-2a1b3c4d5e6f
mode() { stat -c %a "$1"; }

check "load test vendor" insmod "$VMTEST_MODDIR/vmbus_mdev_testvendor.ko" || exit 1

# Every uevent, in order, as "ACTION DEVICE MDEV_STATE", and in
# /tmp/uevents.full as "ACTION DEVPATH SYNTH_UUID" (see mark below).
rm -f /tmp/uevents /tmp/uevents.full
uevent sh -c 'echo "$ACTION ${DEVPATH##*/} $MDEV_STATE" >>/tmp/uevents
	echo "$ACTION $DEVPATH $SYNTH_UUID" >>/tmp/uevents.full' &
uevent_pid=$!
# The listener is up once a uevent sent for the purpose reaches the file:
# a "change" of parent 1, sent again at each poll (one sent before the
# listener's socket was bound is lost). Nothing below looks at those.
listening() {
	echo change >$P1/uevent
	grep -q "^change vmbus_mdev_test\.1 *$" /tmp/uevents 2>/dev/null
}
check "uevent listener ready" wait_until 20 listening
# mark UUID: a synthetic "change" of parent 1 carrying UUID (SYNTH_UUID,
# lib/kobject_uevent.c), once the listener has written it. Uevents are
# sent from the writer's context, in order, so what a write caused before
# a mark is in the file before the mark's line.
marked() { grep -q " $1\$" /tmp/uevents.full; }
mark() {
	echo "change $1" >$P1/uevent
	wait_until 20 marked "$1"
}
# between A B: the uevents after mark A and before mark B, "ACTION DEVPATH"
between() {
	sed -n "/ $1\$/,/ $2\$/p" /tmp/uevents.full | sed '1d;$d' | awk '{ print $1, $2 }'
}
# none_dangling FILE: every "add P" in FILE has a later "remove P"
none_dangling() {
	awk '$1 == "add" { a[$2] = NR } $1 == "remove" && ($2 in a) { delete a[$2] }
		END { for (p in a) { print "abi: added, never removed: " p; n++ } exit n > 0 }' "$1"
}

# Layout and permissions -------------------------------------------------
check "type directory files" test -f $SMALL/create -a -f $SMALL/name -a \
	-f $SMALL/description -a -f $SMALL/device_api -a \
	-f $SMALL/available_instances -a -d $SMALL/devices
check "create is root-only 0200" [ "$(mode $SMALL/create)" = 200 ]
check "type name" [ "$(cat $SMALL/name)" = "Small test type" ]
check "type device_api" [ "$(cat $SMALL/device_api)" = test-api ]
check "no description unless set" \
	test ! -e $P0/mdev_supported_types/test-bulk/description
check "class link" test -L /sys/class/vmbus_mdev_bus/vmbus_mdev_test.0

# Create, naming, links ------------------------------------------------
UPPER=$(echo $U1 | tr a-f A-F)
expect "create with uppercase UUID and newline" ok $SMALL/create "$UPPER
"
D=$BUS/devices/$U1
check "device named in lowercase" test -d $D
check "remove is root-only 0200" [ "$(mode $D/remove)" = 200 ]
check "mdev_type link" [ "$(readlink -f $D/mdev_type)" = "$(readlink -f $SMALL)" ]
check "type devices link" [ "$(readlink -f $SMALL/devices/$U1)" = "$(readlink -f $D)" ]
check "bound to the matching driver" [ "$(basename "$(readlink $D/driver)")" = vmbus_mdev_test_a ]
check "uevent has MODALIAS" grep -qx "MODALIAS=vmbus_mdev:test-api" $D/uevent
check "available_instances after one create" [ "$(cat $SMALL/available_instances)" = 1 ]

# Malformed UUIDs: every class EINVAL, nothing created -------------------
for bad in "
" "x" "$U1$U1" "${U1%?}" "${U1}0" "${U1%?}g" "{${U1#?}" \
	"$(echo $U1 | tr - _)" "$U1

"; do
	expect "malformed uuid '$(echo "$bad" | head -1)' is EINVAL" "Invalid argument" $SMALL/create "$bad"
done
check "malformed input created nothing" [ "$(ls $BUS/devices | wc -l)" = 1 ]

# Duplicates and instance limits -----------------------------------------
expect "duplicate uuid, same parent, EEXIST" "File exists" $SMALL/create $U1
expect "duplicate uuid, other parent, EEXIST" "File exists" \
	$P1/mdev_supported_types/test-small/create $U1
expect "second instance" ok $SMALL/create $U2
check "available_instances is 0" [ "$(cat $SMALL/available_instances)" = 0 ]
expect "no instance left is EUSERS" "Too many users" $SMALL/create $U3

# Remove semantics -------------------------------------------------------
expect "remove 0 does nothing" ok $BUS/devices/$U2/remove 0
check "device still there after 0" test -d $BUS/devices/$U2
# remove takes an unsigned number, as mdev's remove_store() (kstrtoul):
# "-1" is not one. On U1, which no uevent check below counts.
expect "remove -1 is EINVAL" "Invalid argument" $BUS/devices/$U1/remove -1
check "device still there after -1" test -d $D
# A remove that went through: put U1 back for the checks below.
[ -d $D ] || write $SMALL/create $U1 >/dev/null
expect "remove garbage is EINVAL" "Invalid argument" $BUS/devices/$U2/remove abc
expect "remove 1" ok $BUS/devices/$U2/remove 1
check "device gone after remove" test ! -e $BUS/devices/$U2
check "type link gone after remove" test ! -e $SMALL/devices/$U2
check "available_instances back to 1" [ "$(cat $SMALL/available_instances)" = 1 ]
expect "uuid reusable at once" ok $SMALL/create $U2

# Concurrent removers: exactly one succeeds.
rm -f /tmp/rm.*
for i in 1 2 3 4; do
	(write $BUS/devices/$U2/remove 1 >/tmp/rm.$i) &
done
# Each writes one line when its write returned (the file exists before).
removers_done() { for i in 1 2 3 4; do [ -s /tmp/rm.$i ] || return 1; done; }
check "concurrent removers: all four return" wait_until 30 removers_done
check "concurrent removers: exactly one succeeds" [ "$(cat /tmp/rm.* | grep -cx ok)" = 1 ]

# Probe failure passes the driver's errno through, leaves nothing -------
FAIL=$P0/mdev_supported_types/test-fail
M1=00000000-0000-4000-8000-0000000000f1
M2=00000000-0000-4000-8000-0000000000f2
mark $M1
expect "failing probe returns its errno" "Input/output error" $FAIL/create $U3
mark $M2
between $M1 $M2 >/tmp/failed.events
echo "abi: uevents of the failed create: $(tr '\n' ';' </tmp/failed.events)"
# The device was added and taken away again: user space hears both, as
# for any device whose probe failed (device_add() announces it first).
check "failed create: uevents add then remove of the instance" \
	[ "$(grep "/$U3\$" /tmp/failed.events | awk '{ print $1 }' | tr '\n' ' ')" = "add remove " ]
check "failed create: every device added has a later remove" none_dangling /tmp/failed.events
check "failed create left no device" test ! -e $BUS/devices/$U3
check "failed create left the instance" [ "$(cat $FAIL/available_instances)" = 1 ]
expect "failed create left the uuid free" ok $SMALL/create $U3
expect "remove it again" ok $BUS/devices/$U3/remove 1

# Driver model: unbind, driver_override, bind, and back ------------------
DRV=$BUS/drivers
expect "unbind from A" ok $DRV/vmbus_mdev_test_a/unbind $U1
check "unbound" test ! -e $D/driver
expect "bind to B without override fails" "No such device" $DRV/vmbus_mdev_test_b/bind $U1
expect "driver_override to B" ok $D/driver_override vmbus_mdev_test_b
expect "bind to B" ok $DRV/vmbus_mdev_test_b/bind $U1
check "bound to B" [ "$(basename "$(readlink $D/driver)")" = vmbus_mdev_test_b ]
expect "unbind from B" ok $DRV/vmbus_mdev_test_b/unbind $U1
expect "clear driver_override" ok $D/driver_override "
"
expect "reprobe through drivers_probe" ok $BUS/drivers_probe $U1
check "back on A" [ "$(basename "$(readlink $D/driver)")" = vmbus_mdev_test_a ]

# An unbind forced in between the create's add and its return (a
# SCHED_FIFO listener on the creator's CPU, progs/uevent-order.c): the
# uevents still say add, then bind and unbind in turn, and end as sysfs.
# Five forced tries (the old unlocked replay broke a rule in each), in
# at most eight: it exits 3 when the create returned before the unbind
# was made, a try that proved nothing.
U4=9d4e5f60-2b3c-4d5e-8f70-8192a3b4c5d6
forced=0 broken=0 rm_ok=0
for try in 1 2 3 4 5 6 7 8; do
	"$VMTEST_PROGS/uevent-order" $SMALL/create $U4 $DRV/vmbus_mdev_test_a/unbind
	case $? in
	0) forced=$((forced + 1)) ;;
	3) ;;
	*) broken=$((broken + 1)) ;;
	esac
	[ "$(write $BUS/devices/$U4/remove 1)" = ok ] && rm_ok=$((rm_ok + 1))
	[ $((forced + broken)) -lt 5 ] || break
done
echo "abi: uevent-order: $try tries, $forced forced and in order, $broken out of order"
check "uevents of a create with an unbind forced into it are in order" \
	[ $broken = 0 -a $forced = 5 ]
check "and each instance removed" [ $rm_ok = $try ]

# Uevents: add then bind for a create, unbind then remove for a remove
# (the failed create's are checked above). --------------------------------
expect "create for uevent check" ok $SMALL/create $U2
expect "remove for uevent check" ok $BUS/devices/$U2/remove 1
events() { grep " $1" /tmp/uevents | awk '{print $1}' | tr '\n' ' '; }
# events_are UUID WANT: the device's uevent actions so far are WANT
events_are() { [ "$(events "$1")" = "$2" ]; }
CYCLE="add bind unbind remove "
# The listener writes each uevent as it comes: wait for the last one.
check "uevents: add then bind for each create, unbind then remove for each remove" \
	wait_until 20 events_are $U2 "$CYCLE$CYCLE$CYCLE"
echo "abi: uevents of $U2: $(events $U2)"

# Parent unregister with children, while a device file is held open ------
expect "child 2" ok $SMALL/create $U2
expect "child 3" ok $P0/mdev_supported_types/test-bulk/create $U3
exec 3<$BUS/devices/$U3/uevent
ON=/sys/module/vmbus_mdev_testvendor/parameters/online
expect "unregister parents with children and an open file" ok $ON 0
check "children gone" [ -d $BUS/devices -a "$(ls $BUS/devices | wc -l)" = 0 ]
check "class link gone" test ! -e /sys/class/vmbus_mdev_bus/vmbus_mdev_test.0
# held_enodev: fd 3 is still the removed device's uevent file, open, and a
# read of it fails with ENODEV: kernfs_seq_start() (fs/kernfs/file.c), as
# the attribute's node is no longer active.
held_enodev() {
	case "$(readlink /proc/$$/fd/3)" in
	*/$U3/uevent*) ;;
	*) echo "abi: fd 3 is '$(readlink /proc/$$/fd/3)'"; return 1 ;;
	esac
	! cat <&3 >/dev/null 2>/tmp/held.err || return 1
	cat /tmp/held.err
	grep -q "No such device" /tmp/held.err
}
check "held file now fails with ENODEV" held_enodev
exec 3<&-
expect "register again" ok $ON 1
mdev_state_events() {
	grep -q '^change vmbus_mdev_test.0 unregistered$' /tmp/uevents &&
		grep -q '^change vmbus_mdev_test.0 registered$' /tmp/uevents
}
check "MDEV_STATE uevents" wait_until 20 mdev_state_events
check "fresh parent has full instances" [ "$(cat $SMALL/available_instances)" = 2 ]
expect "same uuid on the fresh parent" ok $SMALL/create $U1
expect "remove on the fresh parent" ok $BUS/devices/$U1/remove 1

kill $uevent_pid
# Unload with a device on each parent: the vendor's exit removes them.
expect "a device on parent 0 before the unload" ok $SMALL/create $U1
expect "a device on parent 1 before the unload" ok \
	$P1/mdev_supported_types/test-small/create $U2
check "unload test vendor with devices" rmmod vmbus_mdev_testvendor
check "its devices gone with it" [ ! -e $BUS/devices/$U1 -a ! -e $BUS/devices/$U2 ]
check "its parents gone with it" [ ! -e $P0 -a ! -e $P1 -a \
	! -e /sys/class/vmbus_mdev_bus/vmbus_mdev_test.0 -a \
	! -e /sys/class/vmbus_mdev_bus/vmbus_mdev_test.1 ]
exit $status
