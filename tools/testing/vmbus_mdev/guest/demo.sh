#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The vmbus_mdev showcase, run inside a VM on the stock Debian kernel.

step() { printf '\n=== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; sh -c "$*"; }

step "The running kernel is Debian's own"
show "uname -r"

step "The vmbus_mdev core module is loaded and registered its bus"
show "grep vmbus_mdev /proc/modules"
show "ls /sys/bus/vmbus_mdev/"

step "A vendor registers a parent (here the test-only vendor: two virtual parents)"
show "insmod \$VMTEST_MODDIR/vmbus_mdev_testvendor.ko"
show "ls -l /sys/class/vmbus_mdev_bus/"
P=/sys/devices/platform/vmbus_mdev_test.0
show "ls $P/mdev_supported_types/"
T=$P/mdev_supported_types/test-small
show "cd $T && grep . name description device_api available_instances"

step "Create an instance: write a UUID to 'create'"
U=3c1f3a7e-5e7d-4d2b-9a8b-7d1e2f3a4b5c
show "echo $U > $T/create"
show "ls /sys/bus/vmbus_mdev/devices/"
show "ls /sys/bus/vmbus_mdev/devices/$U/"
show "readlink /sys/bus/vmbus_mdev/devices/$U/mdev_type"
show "readlink /sys/bus/vmbus_mdev/devices/$U/driver"
show "cat $T/available_instances"

step "The same UUID again is refused (EEXIST), under any parent"
show "echo $U > /sys/devices/platform/vmbus_mdev_test.1/mdev_supported_types/test-small/create"

step "Move it to another bus driver: unbind, driver_override, bind"
show "echo $U > /sys/bus/vmbus_mdev/drivers/vmbus_mdev_test_a/unbind"
show "echo vmbus_mdev_test_b > /sys/bus/vmbus_mdev/devices/$U/driver_override"
show "echo $U > /sys/bus/vmbus_mdev/drivers/vmbus_mdev_test_b/bind"
show "readlink /sys/bus/vmbus_mdev/devices/$U/driver"

step "Remove it: the UUID is free again at once"
show "echo 1 > /sys/bus/vmbus_mdev/devices/$U/remove"
show "ls /sys/bus/vmbus_mdev/devices/ | wc -l"
show "cat $T/available_instances"
show "echo $U > $T/create && echo 1 > /sys/bus/vmbus_mdev/devices/$U/remove && echo reused"

step "Unloading the vendor removes its parents and any children"
show "echo $U > $T/create"
show "rmmod vmbus_mdev_testvendor"
show "ls /sys/bus/vmbus_mdev/devices/ | wc -l"

step "The reference vendor: vmbus_mtty, PCI serial cards behind VFIO"
show "insmod \$VMTEST_MODDIR/vmbus_mdev_vfio.ko"
show "insmod \$VMTEST_MODDIR/vmbus_mtty.ko"
M=/sys/devices/vmbus_mtty/mdev_supported_types
show "ls $M/"
show "cd $M/vmbus_mtty-2 && grep . name description device_api available_instances"

step "Create a dual-port card"
C=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
show "echo $C > $M/vmbus_mtty-2/create"
show "grep . $M/vmbus_mtty-*/available_instances"
show "ls -l /sys/bus/vmbus_mdev/devices/$C/"
show "readlink /sys/bus/vmbus_mdev/devices/$C/driver"
show "readlink /sys/bus/vmbus_mdev/devices/$C/iommu_group"
show "ls -l /dev/vfio/"

step "A VFIO client opens it from its sysfs path and round-trips bytes through the UART"
show "\$VMTEST_PROGS/vfio-client /sys/bus/vmbus_mdev/devices/$C roundtrip"

step "Remove it while a client holds it: the client gets the VFIO request and lets go"
show "\$VMTEST_PROGS/vfio-client /sys/bus/vmbus_mdev/devices/$C hold /tmp/ready 30 & while [ ! -e /tmp/ready ]; do sleep 0.1; done"
show "echo 1 > /sys/bus/vmbus_mdev/devices/$C/remove; wait; echo remove returned"
show "grep . $M/vmbus_mtty-*/available_instances"
show "rmmod vmbus_mtty vmbus_mdev_vfio"

step "Azure Blob: the first real vendor, here against a simulated host (no Hyper-V in this VM)"
show "insmod \$VMTEST_MODDIR/azure_blob.ko"
show "insmod \$VMTEST_MODDIR/azblob_sim.ko"
A=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
show "cd $A && grep . name device_api available_instances"
B=6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a00
show "echo $B > $A/create"
show "ls -l /dev/azure_blob/"

step "A host process stores and fetches a blob through its own node (zero-copy: the host works on its pages)"
show "head -c 1048576 /dev/urandom > /tmp/demo.bin"
show "\$VMTEST_PROGS/azblob /dev/azure_blob/$B put demo /tmp/demo.bin"
show "\$VMTEST_PROGS/azblob /dev/azure_blob/$B get demo /tmp/demo.out && cmp /tmp/demo.bin /tmp/demo.out && echo identical"
show "\$VMTEST_PROGS/azblob32 /dev/azure_blob/$B get demo | cmp - /tmp/demo.bin && echo 'identical (32-bit client)'"
show "\$VMTEST_PROGS/azblob /dev/azure_blob/$B get missing"

step "Remove the instance while a process holds its node: remove returns at once"
show "exec 3<>/dev/azure_blob/$B; echo 1 > /sys/bus/vmbus_mdev/devices/$B/remove; echo remove returned; ls /dev/azure_blob/ | wc -l"

step "The host rescinds the channel in the middle of a transfer"
SIM=/sys/kernel/debug/azblob_sim
DBG=/sys/kernel/debug/azure_blob/azblob_sim.0
# stat_refresh first: the counters are batched per CPU (see vfio-lib.sh).
PINS="cat /proc/sys/vm/stat_refresh; grep foll_pin /proc/vmstat"
show "echo $B > $A/create"
show "\$VMTEST_PROGS/azblob /dev/azure_blob/$B put demo /tmp/demo.bin >/dev/null"
show "$PINS"
show "echo 'delay 5000' > $SIM/fault    # the host now takes 5 s per request"
show "(AZBLOB_TIMEOUT_MS=0 \$VMTEST_PROGS/azblob /dev/azure_blob/$B get demo /tmp/demo.out; echo \"client exit status \$?\") > /tmp/client.log 2>&1 &"
show "sleep 1; cat $DBG/outstanding; $PINS"
show "echo 1 > $SIM/rescind; echo rescind returned"
show "sleep 1; cat /tmp/client.log; $PINS"
show "ls /sys/devices/platform/azblob_sim.0/mdev_supported_types 2>&1    # the parent is gone"

step "The host offers the channel again: a fresh parent, and the same UUID serves requests"
show "echo normal > $SIM/fault; echo 1 > $SIM/offer"
show "echo $B > $A/create"
show "\$VMTEST_PROGS/azblob /dev/azure_blob/$B put demo /tmp/demo.bin && \$VMTEST_PROGS/azblob /dev/azure_blob/$B get demo | cmp - /tmp/demo.bin && echo identical"
show "echo 1 > /sys/bus/vmbus_mdev/devices/$B/remove"
show "rmmod azblob_sim azure_blob"
