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

insmod "$VMTEST_MODDIR/azure_blob.ko" || { result fail "load azure_blob"; exit 1; }
insmod "$VMTEST_MODDIR/azblob_sim.ko" || { result fail "load azblob_sim"; exit 1; }

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
	if $CLI $NODE put b$size /tmp/blob.in >/dev/null &&
		$CLI $NODE get b$size /tmp/blob.out && cmp -s /tmp/blob.in /tmp/blob.out; then
		result ok "PUT/GET round trip of $size bytes"
	else
		result fail "PUT/GET round trip of $size bytes"
	fi
done
rm -f /tmp/blob.in /tmp/blob.out

echo "hello from a 32-bit process" >/tmp/small.in
check "32-bit client round trip" sh -c "$VMTEST_PROGS/azblob32 $NODE put small32 /tmp/small.in >/dev/null &&
	$VMTEST_PROGS/azblob32 $NODE get small32 | cmp -s - /tmp/small.in"
check "host status reaches the caller" sh -c "! $CLI $NODE get missing 2>/tmp/err; grep -q 'status 404' /tmp/err"
check "DEL" sh -c "$CLI $NODE del small32 >/dev/null && ! $CLI $NODE get small32 2>/dev/null"

# Every ioctl rule, unaligned and page-sharing buffers, 4 processes x 8
# threads: the kselftest-harness program, one result per test.
AZBLOB_NODE=$NODE "$VMTEST_PROGS/azblob-test" >/tmp/kselftest.log 2>&1
krc=$?
sed -n 's/^ok [0-9]* \(.*\)$/\1/p' /tmp/kselftest.log | while read -r t; do
	echo "vmtest-result: ok $prefix: $t"
done
if grep -q "^not ok" /tmp/kselftest.log; then
	sed -n 's/^not ok [0-9]* \(.*\)$/\1/p' /tmp/kselftest.log | while read -r t; do
		echo "vmtest-result: fail $prefix: $t"
	done
	cat /tmp/kselftest.log
fi
check "kselftest program exit status" [ $krc -eq 0 ]

# The benchmark program works (a smoke run; `make bench-azblob` measures).
# Its last cases pin a data buffer that is one transparent huge page (the
# test kernel has THP, as Debian's has): every page of it comes back.
pins_before=$(pins)
check "benchmark program: every size and thread count, data verified" \
	sh -c "$VMTEST_PROGS/azblob-bench $NODE 0.1 >/tmp/bench.log 2>&1"
cat /tmp/bench.log
check "benchmark program: GETs into transparent huge pages ran" \
	grep -q "^Data in transparent huge pages" /tmp/bench.log
pins_back() { [ "$(pins)" -eq "$pins_before" ]; }
check "benchmark program: every pinned page unpinned" wait_until 5 pins_back

# Remove with the node held open: remove returns, the open file gets ENODEV.
exec 3<>$NODE
expect "remove with the node open" ok $BUS/devices/$UA/remove 1
check "node gone" [ ! -e $NODE ]
exec 3>&-
expect "UUID free again" ok $AB/create $UA
check "rmmod the simulated host with an instance" rmmod azblob_sim
check "instance gone with its parent" [ ! -e $BUS/devices/$UA ]
# Without Hyper-V the VMBus binding refuses to load, and nothing else cares.
check "VMBus binding refuses to load without Hyper-V" \
	sh -c "! insmod $VMTEST_MODDIR/azure_blob_vmbus.ko 2>/dev/null"
check "rmmod azure_blob" rmmod azure_blob
exit $status
