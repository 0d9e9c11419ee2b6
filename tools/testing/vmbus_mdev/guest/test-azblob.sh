#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Azure Blob vendor against the simulated host: the type and node ABI,
# PUT/GET round trips verified byte for byte from 1 B to 32 MiB, a 32-bit
# client, and removal with the node open.

prefix=azblob
. /vmtest/vfio-lib.sh

AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
UA=6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a00
NODE=/dev/azure_blob/$UA
CLI=$VMTEST_PROGS/azblob

check "load azure_blob" insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
check "load azblob_sim" insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1

# round_trip CLIENT NAME FILE: PUT FILE as NAME, GET it into a file (no
# pipe: the client's own exit status counts), and compare
round_trip() {
	rm -f /tmp/blob.out
	$1 $NODE put "$2" "$3" >/dev/null && $1 $NODE get "$2" /tmp/blob.out &&
		cmp -s "$3" /tmp/blob.out
}
# not_found NAME: GET of NAME fails with the host's status 404, which the
# client reports with exit status 1 (2 would be a local error)
not_found() {
	$CLI $NODE get "$1" >/dev/null 2>/tmp/err
	rc=$?
	cat /tmp/err
	[ $rc -eq 1 ] && grep -q "host status 404" /tmp/err
}
# held_enodev: fd 3 is still the node, open, and a request on it (not a
# fresh open: AZBLOB_FD) fails with ENODEV, the client's exit status 2
held_enodev() {
	case "$(readlink /proc/$$/fd/3)" in
	*/azure_blob/$UA*) ;;
	*) echo "azblob: fd 3 is '$(readlink /proc/$$/fd/3)'"; return 1 ;;
	esac
	AZBLOB_FD=3 $CLI $NODE put held /tmp/small.in >/dev/null 2>/tmp/held.err
	rc=$?
	cat /tmp/held.err
	[ $rc -eq 2 ] && grep -q "No such device" /tmp/held.err
}
# refuses_enodev MODULE: insmod fails, with the errno the module's init
# returned: busybox insmod prints "can't insert 'FILE': <strerror>"
refuses_enodev() {
	! insmod "$1" 2>/tmp/insmod.err || return 1
	cat /tmp/insmod.err
	grep -q "No such device" /tmp/insmod.err
}

# None of our pages is pinned yet: the base for the benchmark's check.
pins_before=$(pins)
check "type directory" [ -d $AB ]
check "device_api azure-blob" [ "$(cat $AB/device_api)" = azure-blob ]
expect "create an instance" ok $AB/create $UA
check "bound to the azure_blob driver" \
	[ "$(basename "$(readlink $BUS/devices/$UA/driver)")" = azure_blob ]
check "node /dev/azure_blob/<uuid>" [ -c $NODE ]
check "node is 0600" [ "$(stat -c %a $NODE)" = 600 ]

# 8190 pages: the most data one request can carry (8192 pages in all).
for size in 1 4096 1048576 33546240; do
	head -c $size /dev/urandom >/tmp/blob.in
	check "PUT/GET round trip of $size bytes" round_trip $CLI b$size /tmp/blob.in
done
rm -f /tmp/blob.in /tmp/blob.out

echo "hello from a 32-bit process" >/tmp/small.in
check "32-bit client round trip" round_trip $VMTEST_PROGS/azblob32 small32 /tmp/small.in
check "host status reaches the caller" not_found missing
check "DEL" sh -c "$CLI $NODE del small32 >/dev/null"
check "DEL: the blob is gone (404)" not_found small32

# Every ioctl rule, unaligned and page-sharing buffers, 4 processes x 8
# threads: the kselftest-harness program, one result per test.
AZBLOB_NODE=$NODE "$VMTEST_PROGS/azblob-test" >/tmp/kselftest.log 2>&1
krc=$?
ktap_nested "kselftest program azblob-test" /tmp/kselftest.log $krc
[ $krc -eq 0 ] || { status=1; cat /tmp/kselftest.log; }

# The benchmark program works (a smoke run; `make bench-azblob` measures).
# Its last cases pin a data buffer that is one transparent huge page (the
# test kernel has THP, as Debian's has): every page of it comes back.
check "benchmark program: every size and thread count, data verified" \
	sh -c "$VMTEST_PROGS/azblob-bench $NODE 0.1 >/tmp/bench.log 2>&1"
cat /tmp/bench.log
check "benchmark program: GETs into transparent huge pages ran" \
	grep -q "^Data in transparent huge pages" /tmp/bench.log
check "benchmark program: every pinned page unpinned" wait_pins "$pins_before" 10

# Remove with the node held open: remove returns, the open file gets ENODEV.
exec 3<>$NODE
check "a request on the held node works" \
	sh -c "AZBLOB_FD=3 $CLI $NODE put held /tmp/small.in >/dev/null"
expect "remove with the node open" ok $BUS/devices/$UA/remove 1
check "node gone" [ ! -e $NODE ]
check "the held node: a request on it gets ENODEV" held_enodev
exec 3>&-
expect "UUID free again" ok $AB/create $UA
# The node held open across the unload of both its owners: the simulated
# host (the parent; its unload removes the instance and revokes the node)
# and azure_blob (the bus driver whose callbacks the node had). The file
# pins neither (the node's file operations are the core's), so both
# unload; a request on the file afterwards must get ENODEV from the core
# without touching what the owners left behind.
exec 3<>$NODE
check "a request on the node held across the unload works" \
	sh -c "AZBLOB_FD=3 $CLI $NODE put held /tmp/small.in >/dev/null"
# The simulated host decodes requests at the protocol's own offsets and
# refuses (status 400, counted) any it could not have served.
check "the simulated host found every request well-formed" \
	[ "$(cat /sys/kernel/debug/azblob_sim/bad_requests)" = 0 ]
check "rmmod the simulated host with an instance and its node open" rmmod azblob_sim
check "instance gone with its parent" [ ! -e $BUS/devices/$UA ]
# Without Hyper-V the VMBus binding refuses to load, and nothing else
# cares: its init is vmbus_driver_register(), which returns -ENODEV when
# hv_vmbus found no VMBus (vmbus_exists() in drivers/hv/vmbus_drv.c: its
# init stops at !hv_is_hyperv_initialized(), as in this TCG guest).
VMB=$VMTEST_MODDIR/azure_blob_vmbus.ko
check "VMBus binding module is there" [ -f $VMB ]
check "VMBus binding refuses to load without Hyper-V (ENODEV)" refuses_enodev $VMB
# Loaded after all (a failed check above): out of the way of the rmmod.
grep -q "^azure_blob_vmbus " /proc/modules && rmmod azure_blob_vmbus
check "rmmod azure_blob with the node open" rmmod azure_blob
# The kernel's messages from here on follow this line.
KMARK="vmtest: azblob: request on the node held across the unload"
echo "$KMARK" >/dev/kmsg
check "the node held across the unload: a request gets ENODEV" held_enodev
# A report that does not stop the kernel (KASAN's, say) fails here too,
# not only in the host's scan of the console.
no_new_reports() {
	dmesg | sed -n "/$KMARK/,\$p" | grep -E -f /etc/vmtest/report-patterns >/tmp/reports
	[ ! -s /tmp/reports ] || { cat /tmp/reports; return 1; }
}
check "the node held across the unload: no kernel report" no_new_reports
exec 3>&-
exit $status
