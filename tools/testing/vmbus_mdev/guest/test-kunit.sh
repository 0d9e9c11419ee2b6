#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The KUnit suites: they run when their module loads. Each suite's KTAP,
# as KUnit keeps it in /sys/kernel/debug/kunit/SUITE/results
# (KUNIT_DEBUGFS), is one result here, nested; the host parses it with
# kunit_parser and holds each suite to tests.manifest. The console has the
# same lines, but there kernel messages from other contexts (delayed
# kobject releases, for one) can fall between them; debugfs has only the
# suite's own. Each load and unload is a check too.

prefix=kunit
. /vmtest/vfio-lib.sh

# The fail-nth sweeps of vmbus_mdev_lifecycle need failslab to consider
# allocations that may sleep (nearly all of ours; at its default it skips
# them) and to stay quiet about what it injects. Nothing fails unless a
# task sets its fail-nth: probability stays 0. A kernel caller cannot set
# these bool knobs itself (debugfs bools have no write_iter).
F=/sys/kernel/debug/failslab
check "failslab: sleeping allocations too, quietly" \
	sh -c "echo N >$F/ignore-gfp-wait && echo 0 >$F/verbose && \
	       [ \"\$(cat $F/ignore-gfp-wait)\" = N ] && [ \"\$(cat $F/probability)\" = 0 ]"
# azure_blob is what azblob_kunit tests; it has no suite of its own.
check "load vmbus_mdev_kunit.ko (its suites run)" insmod "$VMTEST_MODDIR/vmbus_mdev_kunit.ko"
check "load azure_blob.ko" insmod "$VMTEST_MODDIR/azure_blob.ko"
check "load azblob_kunit.ko (its suite runs)" insmod "$VMTEST_MODDIR/azblob_kunit.ko"
# Before the unloads, which remove the suites' debugfs directories.
for d in /sys/kernel/debug/kunit/*/; do
	suite=$(basename "$d")
	rc=0
	cat "$d/results" >"/tmp/kunit-$suite.ktap" 2>&1 || rc=1
	grep -q "^not ok" "/tmp/kunit-$suite.ktap" && rc=1
	ktap_nested "suite $suite" "/tmp/kunit-$suite.ktap" $rc
	[ $rc -eq 0 ] || status=1
done
for m in azblob_kunit azure_blob vmbus_mdev_kunit; do
	check "unload $m" rmmod $m
done
check "failslab back to its defaults" \
	sh -c "echo Y >$F/ignore-gfp-wait && echo 2 >$F/verbose"
exit $status
