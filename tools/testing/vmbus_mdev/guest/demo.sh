#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The vmbus_mdev showcase, run inside a VM on the stock Debian kernel.

step() { printf '\n=== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; sh -c "$*"; }

step "The running kernel is Debian's own"
show "uname -r"

step "The vmbus_mdev core module is loaded"
show "grep vmbus_mdev /proc/modules"

step "It registered the vmbus_mdev bus"
show "ls /sys/bus/vmbus_mdev/"
show "ls /sys/bus/vmbus_mdev/devices/ /sys/bus/vmbus_mdev/drivers/"
