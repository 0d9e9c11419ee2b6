#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The VFIO bus driver and the vmbus_mtty sample from user space: the type
# ABI and shared port pool, a full VFIO client session, remove while the
# device is held, driver switching. The real QEMU guest is nested-qemu.sh.
# Each check is one KTAP result (ktap.sh).

. /vmtest/vfio-lib.sh

vfio_load || exit 1

# Types and the shared pool ------------------------------------------------
check "two types" [ -d $T1 -a -d $T2 ]
check "type names" [ "$(cat $T1/name)" = "Single port serial" -a \
	"$(cat $T2/name)" = "Dual port serial" ]
check "device_api vfio-pci" [ "$(cat $T2/device_api)" = vfio-pci ]
check "pool: 16 single or 8 dual" [ "$(cat $T1/available_instances)" = 16 -a \
	"$(cat $T2/available_instances)" = 8 ]
expect "create a dual-port card" ok $T2/create $U1
check "pool shrinks for both types" [ "$(cat $T1/available_instances)" = 14 -a \
	"$(cat $T2/available_instances)" = 7 ]
D=$BUS/devices/$U1
check "bound to vmbus_mdev_vfio" [ "$(basename "$(readlink $D/driver)")" = vmbus_mdev_vfio ]
check "has an IOMMU group" [ -L $D/iommu_group ]
group=$(basename "$(readlink $D/iommu_group)")
check "group node is 0600" [ "$(stat -c %a /dev/vfio/$group)" = 600 ]

# A full VFIO client session ----------------------------------------------
client_results vfio "$VMTEST_PROGS/vfio-client" $D test

# Remove while a VFIO user holds the device --------------------------------
rm -f /tmp/ready
"$VMTEST_PROGS/vfio-client" $D hold /tmp/ready 60 >/tmp/hold.log 2>&1 &
holder=$!
check "holder has the device open" wait_for_file /tmp/ready 20
rm -f /tmp/remove.ms
got=$(SYSFS_WRITE_MS=/tmp/remove.ms write $D/remove 1)
took=$(cat /tmp/remove.ms 2>/dev/null)
wait $holder
hrc=$?
check "remove while held returns" [ "$got" = ok ]
check "holder got the request eventfd" grep -q "ok request received" /tmp/hold.log
check "holder exited cleanly" [ $hrc -eq 0 ]
# The reference is the kernel's: vfio_unregister_group_dev() asks the
# holder (our request callback) at once, then again every 10 s (HZ * 10).
# A remove served by the first request returns as soon as the holder has
# closed; one that needed the second takes 10 s or more, and one with no
# request at all the holder's 60 s. The bound is halfway to the second.
check "remove returned promptly (${took} ms, first request: < 5000)" [ "${took:-99999}" -lt 5000 ]
check "device gone after remove" [ ! -e $D ]
check "pool refilled" [ "$(cat $T2/available_instances)" = 8 ]
expect "UUID free again" ok $T2/create $U1
[ "$hrc" -eq 0 ] || cat /tmp/hold.log

# Driver switching ----------------------------------------------------------
VDRV=$BUS/drivers/vmbus_mdev_vfio
expect "unbind from vmbus_mdev_vfio" ok $VDRV/unbind $U1
check "no IOMMU group while unbound" [ ! -e $D/iommu_group ]
check "no driver while unbound" [ ! -e $D/driver ]
expect "bind through bind" ok $VDRV/bind $U1
client_results "vfio after bind" "$VMTEST_PROGS/vfio-client" $D roundtrip
expect "unbind again" ok $VDRV/unbind $U1
expect "driver_override" ok $D/driver_override vmbus_mdev_vfio
expect "drivers_probe" ok $BUS/drivers_probe $U1
check "bound through driver_override" [ "$(basename "$(readlink $D/driver)")" = vmbus_mdev_vfio ]
client_results "vfio after driver_override" "$VMTEST_PROGS/vfio-client" $D roundtrip
expect "clear driver_override" ok $D/driver_override ""

# A single-port card next to it ---------------------------------------------
expect "create a single-port card" ok $T1/create $U2
client_results "vfio single port" "$VMTEST_PROGS/vfio-client" $BUS/devices/$U2 test

# A vendor without VFIO ops cannot be bound, even by driver_override.
check "load test vendor" insmod "$VMTEST_MODDIR/vmbus_mdev_testvendor.ko"
TU=7b2c9e44-1d3a-4c5b-9e6f-2a1b3c4d5e70
TD=$BUS/devices/$TU
expect "create a test-vendor instance" ok \
	/sys/devices/platform/vmbus_mdev_test.0/mdev_supported_types/test-small/create $TU
expect "unbind it from its test driver" ok "$(readlink -f $TD/driver)/unbind" $TU
expect "override it to vmbus_mdev_vfio" ok $TD/driver_override vmbus_mdev_vfio
expect "vfio refuses a vendor without VFIO ops" "No such device" $VDRV/bind $TU
check "left unbound" [ ! -e $TD/driver ]
expect "remove the test-vendor instance" ok $TD/remove 1
check "unload test vendor" rmmod vmbus_mdev_testvendor

# Uevents of a create and a remove, as a netlink listener sees them
# (busybox uevent, as in test-abi.sh), in /tmp/uevents as "ACTION DEVPATH
# SYNTH_UUID". The instance's add comes first: as for any device,
# device_add() announces it before the bus driver's probe adds devices
# below it (the group device /devices/virtual/vfio/N and the instance's
# vfio-dev/vfioN), and its bind comes once that probe returned. A remove
# takes away every device the create added: the group of an emulated-IOMMU
# device is its own (vfio_noiommu_group_alloc()), so it goes with it.
U3=83b8f4f2-509f-382f-3c1e-e6bfe0fa1003
rm -f /tmp/uevents
uevent sh -c 'echo "$ACTION $DEVPATH $SYNTH_UUID" >>/tmp/uevents' &
uevent_pid=$!
# mark UUID: a synthetic "change" of the VFIO container's misc device
# carrying UUID (SYNTH_UUID), once the listener has written it; a mark
# sent before the listener's socket was bound is lost, so the first one
# is sent again at each poll. What a write caused is in the file before
# the line of a mark sent after it (uevents go out from the writer).
MARKDEV=/sys/class/misc/vfio/uevent
marked() { grep -q " $1\$" /tmp/uevents 2>/dev/null; }
mark_now() { echo "change $1" >$MARKDEV && marked "$1"; }
M0=00000000-0000-4000-8000-0000000000e0
M1=00000000-0000-4000-8000-0000000000e1
M2=00000000-0000-4000-8000-0000000000e2
M3=00000000-0000-4000-8000-0000000000e3
# between A B: the uevents after mark A and before mark B, "ACTION DEVPATH"
between() {
	sed -n "/ $1\$/,/ $2\$/p" /tmp/uevents | sed '1d;$d' | awk '{ print $1, $2 }'
}
check "uevent listener ready" wait_until 20 mark_now $M0
echo "change $M1" >$MARKDEV
wait_until 20 marked $M1
expect "create a card for the uevent checks" ok $T1/create $U3
echo "change $M2" >$MARKDEV
wait_until 20 marked $M2
expect "remove it" ok $BUS/devices/$U3/remove 1
echo "change $M3" >$MARKDEV
wait_until 20 marked $M3
kill $uevent_pid
between $M1 $M2 >/tmp/create.events
between $M2 $M3 >/tmp/remove.events
echo "vfio: uevents of the create: $(tr '\n' ';' </tmp/create.events)"
echo "vfio: uevents of the remove: $(tr '\n' ';' </tmp/remove.events)"
# line_of ACTION PATTERN FILE: the line number of the first event ACTION
# whose DEVPATH matches the awk regex PATTERN, or 0
line_of() { awk -v a="$1" -v p="$2" '!n && $1 == a && $2 ~ p { n = NR } END { print n + 0 }' "$3"; }
inst="/$U3\$"
group="^/devices/virtual/vfio/[0-9]+\$"
vdev="/$U3/vfio-dev/vfio[0-9]+\$"
check "create uevents: the first is the instance's add" \
	[ "$(line_of add "$inst" /tmp/create.events)" = 1 ]
# children_after_add: the group's and vfio-dev's adds are there, after
# the instance's
children_after_add() {
	local i g v

	i=$(line_of add "$inst" /tmp/create.events)
	g=$(line_of add "$group" /tmp/create.events)
	v=$(line_of add "$vdev" /tmp/create.events)
	[ "$i" -gt 0 ] && [ "$g" -gt "$i" ] && [ "$v" -gt "$i" ]
}
check "create uevents: group device and vfio-dev added after the instance" children_after_add
# bind_after_children: the instance's bind is there, after every other add
bind_after_children() {
	local b last

	b=$(line_of bind "$inst" /tmp/create.events)
	last=$(awk '$1 == "add" { n = NR } END { print n + 0 }' /tmp/create.events)
	[ "$b" -gt 0 ] && [ "$b" -gt "$last" ]
}
check "create uevents: the instance's bind after every add" bind_after_children
# all_removed: every device the create added has a remove in the remove's
all_removed() {
	local n=0 p

	for p in $(awk '$1 == "add" { print $2 }' /tmp/create.events); do
		grep -qx "remove $p" /tmp/remove.events && continue
		echo "vfio: added by the create, not removed: $p"
		n=$((n + 1))
	done
	[ $n -eq 0 ] && [ -s /tmp/create.events ]
}
check "remove uevents: every device the create added is removed" all_removed

# Unloading the vendor removes both cards through the VFIO driver.
check "unload vmbus_mtty with cards" rmmod vmbus_mtty
check "cards gone with the vendor" [ ! -e $D -a ! -e $BUS/devices/$U2 ]
check "unload vmbus_mdev_vfio" rmmod vmbus_mdev_vfio
exit $status
