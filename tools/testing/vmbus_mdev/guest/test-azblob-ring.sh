#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A full ring is not an error for a blocking caller: the simulated host's
# ring is made to hold one request, which it keeps unread; a second
# caller waits for room (and gets its answer once the host reads), an
# O_NONBLOCK caller gets EAGAIN at once, and one with a timeout gets
# ETIMEDOUT once it has passed.

prefix=azring
. /vmtest/vfio-lib.sh

AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
UA=6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a03
NODE=/dev/azure_blob/$UA
CLI=$VMTEST_PROGS/azblob
export AZBLOB_DATA_LEN=4096
SIM=/sys/kernel/debug/azblob_sim
DBG=/sys/kernel/debug/azure_blob/azblob_sim.0

check "load azure_blob" insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
check "load azblob_sim" insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1
outstanding() { tail -n +2 $DBG/outstanding | wc -l; }
outstanding_at_least() { [ "$(outstanding)" -ge "$1" ]; }
echo hello >/tmp/ring.in
expect "create" ok $AB/create $UA
base=$(pins)

# About 130 bytes a request here: 200 hold one.
echo 200 >$SIM/ring_bytes
echo never >$SIM/fault
$CLI $NODE put a /tmp/ring.in >/tmp/ring.a 2>&1 &
a=$!
check "a first request fills the ring" wait_until 20 outstanding_at_least 1
$CLI $NODE put b /tmp/ring.in >/tmp/ring.b 2>&1 &
b=$!
check "a second caller is in the engine" wait_until 20 outstanding_at_least 2
sleep 1
check "the second caller waits for room, not failed" kill -0 $b
# Not sent and held by the host: its sends were refused for want of room.
check "the host's ring refused it (ring_full)" [ "$(cat $SIM/ring_full)" -gt 0 ]
# In the background, bounded: a caller that waited here instead would
# wait as long as the host keeps the ring full.
AZBLOB_NONBLOCK=1 $CLI $NODE put c /tmp/ring.in >/tmp/ring.c 2>&1 &
c=$!
wait_until 10 not_running $c || { echo "azring: O_NONBLOCK caller still waiting after 10 s"; kill -9 $c; }
wait $c
check "an O_NONBLOCK caller gets EAGAIN" grep -q "Resource temporarily unavailable" /tmp/ring.c
# A caller with a timeout waits for room no longer than for an answer:
# 300 ms and the grace of 1 s.
AZBLOB_TIMEOUT_MS=300 $CLI $NODE put d /tmp/ring.in >/tmp/ring.d 2>&1 &
d=$!
wait_until 10 not_running $d || { echo "azring: caller with a timeout still waiting after 10 s"; kill -9 $d; }
wait $d
check "a caller with a timeout gets ETIMEDOUT on a full ring" grep -q "Connection timed out" /tmp/ring.d
echo normal >$SIM/fault
echo 1 >$SIM/answer
# reap PID: its exit status, once it ended (killed after 20 s)
reap() {
	wait_until 20 not_running "$1" || kill -9 "$1"
	wait "$1"
}
reap $a
check "the first request is answered" [ $? -eq 0 ]
reap $b
check "the second is sent once the host has read, and answered" [ $? -eq 0 ]
cat /tmp/ring.a /tmp/ring.b
echo 262144 >$SIM/ring_bytes
check "every page unpinned" wait_pins "$base" 10
check "rmmod azblob_sim" rmmod azblob_sim
check "rmmod azure_blob" rmmod azure_blob
exit $status
