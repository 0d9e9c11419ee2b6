#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Loads the KUnit modules, whose suites run at load and print their KTAP
# to the kernel log; the host parses it from the console with the
# kernel's kunit_parser and checks every suite against tests.manifest.
# Here: each load and unload is a check.

prefix=kunit
. /vmtest/vfio-lib.sh

for ko in vmbus_mdev_kunit azure_blob azblob_kunit; do
	check "load $ko.ko (its suites run)" insmod "$VMTEST_MODDIR/$ko.ko"
done
for m in azblob_kunit azure_blob vmbus_mdev_kunit; do
	check "unload $m" rmmod $m
done
exit $status
