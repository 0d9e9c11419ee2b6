#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: create+remove of 100, 1,000 and 10,000 devices through sysfs
# under one parent. Prints the per-device cost at each N and the ratio of
# the largest to the smallest.
#
# make bench-azblob (bench.sh azblob): Azure Blob requests through the
# simulated host at 4 KiB, 64 KiB and 1 MiB with 1 and 4 threads, as
# ratios to a null ioctl and a memcpy measured in the same boot. Twice:
# with 2 vCPUs, and with 1. With two, the simulated host's worker often
# runs on the other vCPU, and under TCG waking a halted vCPU means waking
# a host thread: a 4 KiB request then cost 150 to 260 us over a null
# ioctl, against 90 to 130 us with one vCPU, where the trip is a context
# switch. That difference is the emulator's, not the path's (a real host
# runs on its own CPUs), so the 1-vCPU boot's 1-thread ratios show the path.
#
# Both on Debian's stock kernel in QEMU: the debug kernel's lockdep, KASAN
# and kmemleak would measure themselves. Each boot ends with the share of
# CPU time this machine's own host took away meanwhile (steal): above 5%
# the numbers measure the neighbours, not the code.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

case ${1:-mdev} in
mdev) script=$T/guest/bench.sh vcpus="2" ;;
azblob) script=$T/guest/bench-azblob.sh vcpus="2 1" ;;
*) echo "usage: bench.sh [mdev|azblob]" >&2; exit 2 ;;
esac

deps
mkdir -p "$BUILD"
build_progs
build_modules stock "$(stock_kdir)"
rc=0
for smp in $vcpus; do
	mark=$(steal_mark)
	"$T/run-vm.sh" --kernel "/boot/vmlinuz-$(stock_kver)" --modules "$BUILD/stock" \
		--kmod-root / --kmods "9p 9pnet_virtio" --load "$BOOT_MODULES" \
		--script "$script" --log "$BUILD/bench-vm-$smp.log" --timeout 1800 \
		--loglevel 5 --mem 2048 --smp "$smp" || rc=$?
	steal=$(steal_since "$mark")
	echo "CPU time taken by this machine's host for others (steal) during the run: $steal%"
	if [ "$steal" -gt 5 ]; then
		echo "bench: over 5% steal, the guest ran unevenly: do not trust these ratios, run again later"
	fi
done
exit $rc
