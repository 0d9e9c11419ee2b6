#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot Debian's stock 6.12 kernel (what users run) in QEMU with
# the vmbus_mdev modules built against its headers, and run the showcase.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

deps
mkdir -p "$BUILD"
kver=$(stock_kver)
echo "demo: building the modules against the stock $kver headers"
build_modules stock "$(stock_kdir)"
build_progs
echo "demo: booting /boot/vmlinuz-$kver in QEMU (TCG); this takes a minute"
exec "$T/run-vm.sh" --kernel "/boot/vmlinuz-$kver" --modules "$BUILD/stock" \
	--kmod-root / --kmods "9p 9pnet_virtio vfio vfio_iommu_type1" \
	--load "$BOOT_MODULES" --script "$T/guest/demo.sh" \
	--log "$BUILD/demo-vm.log" --timeout 900 --loglevel 5
