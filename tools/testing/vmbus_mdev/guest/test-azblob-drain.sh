#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A normal removal of the channel (unbind of the VMBus-side driver) must
# not take pages away from a host that may still write them. It waits,
# bounded by azure_blob's drain_timeout_ms, for the host's answers while
# the channel still works; a request answered in that time succeeds.
# What the host still holds at close keeps its pages pinned for good
# (counted in debugfs, logged), and the simulated host, made to keep
# using them after close, finds every one still pinned.

prefix=azdrain
. /vmtest/vfio-lib.sh

AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
UA=6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a02
NODE=/dev/azure_blob/$UA
CLI=$VMTEST_PROGS/azblob
export AZBLOB_DATA_LEN=4096
SIM=/sys/kernel/debug/azblob_sim
DBG=/sys/kernel/debug/azure_blob
PDRV=/sys/bus/platform/drivers/azblob_sim
DRAIN=/sys/module/azure_blob/parameters/drain_timeout_ms

check "load azure_blob" insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
check "load azblob_sim" insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1
outstanding() { tail -n +2 $DBG/azblob_sim.0/outstanding 2>/dev/null | wc -l; }
one_outstanding() { [ "$(outstanding)" -ge 1 ]; }
leaked() { cat $DBG/leaked_pages; }
draining() { grep -qx "accepting 0" $DBG/azblob_sim.0/counters 2>/dev/null; }
echo hello >/tmp/drain.in
base=$(pins)

# 1. The host answers within the drain: the request succeeds. The host
# answers only once the drain has begun (the parent stopped accepting
# requests), so a removal that did not wait would have closed already.
expect "create" ok $AB/create $UA
echo 5000 >$DRAIN
echo never >$SIM/fault
$CLI $NODE put slow /tmp/drain.in >/tmp/drain.1 2>&1 &
client=$!
check "a request is with the host" wait_until 20 one_outstanding
(wait_until 20 draining && echo 1 >$SIM/answer) &
answerer=$!
check "unbind the VMBus-side driver with it in flight" sh -c "echo azblob_sim.0 >$PDRV/unbind"
wait $answerer
check "the host answered during the drain" [ $? -eq 0 ]
wait $client
rc=$?
cat /tmp/drain.1
check "the request was answered, not failed, by the removal" [ $rc -eq 0 ]
check "nothing left pinned for good" [ "$(leaked)" = 0 ]
check "every page unpinned" wait_pins "$base" 10

# 2. The host never answers: the drain times out, the pages stay pinned.
echo normal >$SIM/fault
check "bind again" sh -c "echo azblob_sim.0 >$PDRV/bind"
expect "create again" ok $AB/create $UA
echo 300 >$DRAIN
echo never >$SIM/fault
echo 1 >$SIM/keep_using
KMARK="vmtest: azdrain: unbind with a request the host keeps"
echo "$KMARK" >/dev/kmsg
$CLI $NODE put kept /tmp/drain.in >/tmp/drain.2 2>&1 &
client=$!
check "a request the host keeps" wait_until 20 one_outstanding
check "unbind with it still with the host" sh -c "echo azblob_sim.0 >$PDRV/unbind"
wait $client
rc=$?
cat /tmp/drain.2
check "its caller gets ENODEV" sh -c "[ $rc -eq 2 ] && grep -q 'No such device' /tmp/drain.2"
check "its pages are counted as left pinned" [ "$(leaked)" -gt 0 ]
check "and logged" sh -c "dmesg | sed -n '/$KMARK/,\$p' | grep -q 'still with the host at close'"
echo 1 >$SIM/use_late
check "the host used the request's pages after close" [ "$(cat $SIM/used_late)" -gt 0 ]
check "the host, using them after close, found every page pinned" \
	[ "$(cat $SIM/used_unpinned)" = 0 ]
check "they stay pinned: exactly the leaked pages" wait_pins "$((base + $(leaked)))" 10

echo 0 >$SIM/keep_using
echo normal >$SIM/fault
echo 10000 >$DRAIN
check "bind again after" sh -c "echo azblob_sim.0 >$PDRV/bind"
check "rmmod azblob_sim" rmmod azblob_sim
check "rmmod azure_blob" rmmod azure_blob
exit $status
