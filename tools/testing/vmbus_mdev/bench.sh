#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: create+remove of 100, 1,000 and 10,000 devices through sysfs
# under one parent. Prints the per-device cost at each N and the ratio of
# the largest to the smallest.
#
# make bench-azblob (bench.sh azblob): Azure Blob requests through the
# simulated host at 4 KiB, 64 KiB and 1 MiB with 1 and 4 threads, as
# ratios to a null ioctl and a memcpy measured in the same boot.
#
# Both on Debian's stock kernel in QEMU: the debug kernel's lockdep, KASAN
# and kmemleak would measure themselves. Both end with the share of CPU
# time this machine's own host took away meanwhile (steal): above 5% the
# numbers measure the neighbours, not the code.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

case ${1:-mdev} in
mdev) script=$T/guest/bench.sh ;;
azblob) script=$T/guest/bench-azblob.sh ;;
*) echo "usage: bench.sh [mdev|azblob]" >&2; exit 2 ;;
esac

deps
mkdir -p "$BUILD"
build_progs
build_modules stock "$(stock_kdir)"
mark=$(steal_mark)
rc=0
"$T/run-vm.sh" --kernel "/boot/vmlinuz-$(stock_kver)" --modules "$BUILD/stock" \
	--kmod-root / --kmods "9p 9pnet_virtio" --load "$BOOT_MODULES" \
	--script "$script" --log "$BUILD/bench-vm.log" --timeout 1800 \
	--loglevel 5 --mem 2048 || rc=$?
steal=$(steal_since "$mark")
echo "CPU time taken by this machine's host for others (steal) during the run: $steal%"
if [ "$steal" -gt 5 ]; then
	echo "bench: over 5% steal, the guest ran unevenly: do not trust these ratios, run again later"
fi
exit $rc
