#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM for `make check`: the KUnit suites, then the
# user-space tests. Each user-space test reports
# "vmtest-result: ok|fail|skip NAME" on the console.

status=0

# KUnit runs at module load; the markers let the host cut its KTAP out of
# the console log.
echo "vmtest-kunit-begin" >/dev/kmsg
insmod "$VMTEST_MODDIR/vmbus_mdev_kunit.ko" || status=1
insmod "$VMTEST_MODDIR/azure_blob.ko" || status=1
insmod "$VMTEST_MODDIR/azblob_kunit.ko" || status=1
echo "vmtest-kunit-end" >/dev/kmsg
rmmod azblob_kunit azure_blob vmbus_mdev_kunit || status=1

for t in /vmtest/test-*.sh; do
	[ -e "$t" ] || continue
	sh "$t" || status=1
done
exit $status
