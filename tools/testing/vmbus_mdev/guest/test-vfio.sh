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

# Unloading the vendor removes both cards through the VFIO driver.
check "unload vmbus_mtty with cards" rmmod vmbus_mtty
check "cards gone with the vendor" [ ! -e $D -a ! -e $BUS/devices/$U2 ]
check "unload vmbus_mdev_vfio" rmmod vmbus_mdev_vfio
exit $status
