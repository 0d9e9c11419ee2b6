#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the VM for `make bench-azblob`: see tools/testing/vmbus_mdev/bench.sh.
# A bulk instance, so that 4 threads never wait for a slot of the quota.
U=b3e7c1a0-5d2f-4e6b-9a8c-7f1e2d3c4b5a
insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1
echo $U >/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-bulk/create || exit 1
echo "Azure Blob GET through the simulated host (stock kernel, TCG, $(grep -c ^processor /proc/cpuinfo) vCPUs, clock $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource))"
"$VMTEST_PROGS/azblob-bench" /dev/azure_blob/$U 1
rc=$?
echo 1 >/sys/bus/vmbus_mdev/devices/$U/remove
rmmod azblob_sim azure_blob
exit $rc
