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
# and kmemleak would measure themselves.

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
exec "$T/run-vm.sh" --kernel "/boot/vmlinuz-$(stock_kver)" --modules "$BUILD/stock" \
	--kmod-root / --kmods "9p 9pnet_virtio" --load "$BOOT_MODULES" \
	--script "$script" --log "$BUILD/bench-vm.log" --timeout 1800 \
	--loglevel 5 --mem 2048
