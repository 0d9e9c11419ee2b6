#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Removal never waits for user memory. A request stuck on a page that
# never faults in (userfaultfd holds it) must not hold a remove, the
# parent's unregistration or the unload of its bus driver (2 s for a
# remove); once the page arrives the request fails with ENODEV, and a caller
# killed instead dies at once. Nothing leaks: every pin comes back (and
# the teardown's kmemleak scan follows). See azblob-stuck.c.

prefix=azstuck
. /vmtest/vfio-lib.sh

AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
UA=6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a01
NODE=/dev/azure_blob/$UA
STUCK=$VMTEST_PROGS/azblob-stuck

check "load azure_blob" insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
check "load azblob_sim" insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1
pins_before=$(pins)

for where in arg data; do
	for then in supply kill; do
		expect "create ($where, $then)" ok $AB/create $UA
		check "remove while a request waits on its $where page, then $then" \
			$STUCK $where $then $NODE "echo 1 >$BUS/devices/$UA/remove"
		check "UUID free again ($where, $then)" [ ! -e $BUS/devices/$UA ]
	done
done

expect "create (unload)" ok $AB/create $UA
# Unloading a module waits for RCU grace periods and, in the debug
# kernel, delayed kobject releases: 14 s seen under TCG. 45 s here,
# against a wait that would last until the page arrives.
check "unload the parent and the bus driver while a request waits on its data page" \
	$STUCK data supply $NODE "rmmod azblob_sim && rmmod azure_blob" 45
check "azure_blob is gone" sh -c "! grep -q '^azure_blob ' /proc/modules"
check "every page pinned by the stuck requests unpinned" wait_pins "$pins_before" 10
exit $status
