#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: create+remove of 100, 1,000 and 10,000 devices through sysfs
# under one parent, on Debian's stock kernel in QEMU (the debug kernel's
# lockdep, KASAN and kmemleak would measure themselves). Prints the
# per-device cost at each N and the ratio of the largest to the smallest.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

deps
mkdir -p "$BUILD"
build_progs
build_modules stock "$(stock_kdir)"
exec "$T/run-vm.sh" --kernel "/boot/vmlinuz-$(stock_kver)" --modules "$BUILD/stock" \
	--kmod-root / --kmods "9p 9pnet_virtio" --load "$BOOT_MODULES" \
	--script "$T/guest/bench.sh" --log "$BUILD/bench-vm.log" --timeout 1800 \
	--loglevel 5 --mem 2048
