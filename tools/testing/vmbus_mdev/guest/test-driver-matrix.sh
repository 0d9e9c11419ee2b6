#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Every bus driver forced onto an instance of every vendor: one instance
# each of the test vendor (test-small), vmbus_mtty and Azure Blob (through
# the simulated host), and for each driver of /sys/bus/vmbus_mdev/drivers
# and each instance: unbind, driver_override to the driver, bind. A bind
# succeeds only for the driver that binds the instance by itself (and for
# the test vendor's own drivers on its own instance: vmbus_mdev_test_b is
# there to be reached with driver_override, vmbus_mdev_test_fail's probe
# fails with -EIO); a driver of another vendor refuses it with ENODEV and
# leaves it unbound. Then unbind, clear driver_override, drivers_probe:
# the instance is back on its own driver. Each check is one KTAP result.

prefix=matrix
. /vmtest/vfio-lib.sh

TS=5d1c0a2b-3e4f-4a5b-8c6d-7e8f9a0b1c01
TM=83b8f4f2-509f-382f-3c1e-e6bfe0fa1011
TA=6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a11
SMALL=/sys/devices/platform/vmbus_mdev_test.0/mdev_supported_types/test-small
AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
DRV=$BUS/drivers
# The drivers the matrix runs over, as /sys/bus/vmbus_mdev/drivers lists
# them once these modules are loaded; another driver changes the count.
DRIVERS="azure_blob vmbus_mdev_test_a vmbus_mdev_test_b vmbus_mdev_test_fail vmbus_mdev_vfio"

check "load test vendor" insmod "$VMTEST_MODDIR/vmbus_mdev_testvendor.ko" || exit 1
vfio_load || exit 1
check "load azure_blob" insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
check "load azblob_sim" insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1

# driver_of UUID: the name of the driver the instance is bound to, or ""
driver_of() {
	[ -e $BUS/devices/$1/driver ] || return 0
	basename "$(readlink $BUS/devices/$1/driver)"
}
# orig UUID: the driver that binds the instance by itself
orig() {
	case $1 in
	$TS) echo vmbus_mdev_test_a ;;
	$TM) echo vmbus_mdev_vfio ;;
	$TA) echo azure_blob ;;
	esac
}
# label UUID: the instance's vendor, for the checks' names
label() {
	case $1 in
	$TS) echo test-small ;;
	$TM) echo vmbus_mtty ;;
	$TA) echo azure_blob ;;
	esac
}
# want DRIVER UUID: what the forced bind must give (sysfs-write's text)
want() {
	if [ "$1" = "$(orig $2)" ]; then
		echo ok
	elif [ $2 = $TS ] && [ "$1" = vmbus_mdev_test_b ]; then
		echo ok
	elif [ $2 = $TS ] && [ "$1" = vmbus_mdev_test_fail ]; then
		echo "Input/output error"
	else
		echo "No such device"
	fi
}

expect "create a test-vendor instance" ok $SMALL/create $TS
expect "create a vmbus_mtty card" ok $T1/create $TM
expect "create an Azure Blob instance" ok $AB/create $TA
for u in $TS $TM $TA; do
	check "$(label $u) instance bound to $(orig $u)" [ "$(driver_of $u)" = "$(orig $u)" ]
done
check "the drivers are the five known ones" \
	[ "$(ls $DRV | tr '\n' ' ')" = "$DRIVERS " ]

# unbind_override DRIVER UUID: unbound (from its driver, if bound) and
# driver_override set to DRIVER
unbind_override() {
	local d

	d=$(driver_of $2)
	if [ -n "$d" ]; then
		got=$(write $DRV/$d/unbind $2)
		[ "$got" = ok ] || { echo "matrix: unbind from $d: $got"; return 1; }
	fi
	got=$(write $BUS/devices/$2/driver_override $1)
	[ "$got" = ok ] || { echo "matrix: driver_override: $got"; return 1; }
	[ -z "$(driver_of $2)" ] && [ "$(cat $BUS/devices/$2/driver_override)" = "$1" ]
}
# bound_as_wanted DRIVER UUID WANT: bound to DRIVER after a bind that
# succeeded, unbound after one that failed
bound_as_wanted() {
	if [ "$3" = ok ]; then
		[ "$(driver_of $2)" = "$1" ]
	else
		[ -z "$(driver_of $2)" ]
	fi
}
# unbind_clear UUID: unbound (if bound) and driver_override cleared
unbind_clear() {
	local d

	d=$(driver_of $1)
	if [ -n "$d" ]; then
		got=$(write $DRV/$d/unbind $1)
		[ "$got" = ok ] || { echo "matrix: unbind from $d: $got"; return 1; }
	fi
	got=$(write $BUS/devices/$1/driver_override "
")
	[ "$got" = ok ] || { echo "matrix: clear driver_override: $got"; return 1; }
	[ -z "$(driver_of $1)" ] && [ "$(cat $BUS/devices/$1/driver_override)" = "(null)" ]
}
# reprobe UUID: drivers_probe binds it to its own driver again
reprobe() {
	got=$(write $BUS/drivers_probe $1)
	[ "$got" = ok ] || { echo "matrix: drivers_probe: $got"; return 1; }
	[ "$(driver_of $1)" = "$(orig $1)" ]
}

for drv in $DRIVERS; do
	for u in $TM $TA $TS; do
		n="$drv forced on $(label $u)"
		w=$(want $drv $u)
		check "$n: unbound, driver_override set" unbind_override $drv $u
		expect "$n: bind is '$w'" "$w" $DRV/$drv/bind $u
		if [ "$w" = ok ]; then
			check "$n: bound to it" bound_as_wanted $drv $u "$w"
		else
			check "$n: left unbound" bound_as_wanted $drv $u "$w"
		fi
		check "$n: unbound, driver_override cleared" unbind_clear $u
		check "$n: drivers_probe binds $(orig $u) again" reprobe $u
	done
done

expect "remove the Azure Blob instance" ok $BUS/devices/$TA/remove 1
expect "remove the vmbus_mtty card" ok $BUS/devices/$TM/remove 1
expect "remove the test-vendor instance" ok $BUS/devices/$TS/remove 1
check "no instance left" [ "$(ls $BUS/devices | wc -l)" = 0 ]
check "unload azblob_sim" rmmod azblob_sim
check "unload azure_blob" rmmod azure_blob
check "unload vmbus_mtty" rmmod vmbus_mtty
check "unload vmbus_mdev_vfio" rmmod vmbus_mdev_vfio
check "unload test vendor" rmmod vmbus_mdev_testvendor
exit $status
