# SPDX-License-Identifier: GPL-2.0
# Shared helpers for check.sh, demo.sh, vm.sh and bench scripts. Sourced.

T=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$T/../../.." && pwd)
BUILD=$TOP/.build

# Modules loaded at boot, in dependency order.
BOOT_MODULES="vmbus_mdev.ko"

stock_kdir() { ls -d /usr/src/linux-headers-6.12*-amd64 2>/dev/null | sort -V | tail -1; }
stock_kver() { basename "$(stock_kdir)" | sed 's/^linux-headers-//'; }

deps() { "$TOP/scripts/vmbus_mdev-deps.sh"; }

# This machine may itself be a VM on a shared host: CPU time the host gave
# to others ("steal", /proc/stat) slows the emulated guest unevenly, and a
# benchmark or timing check run through it measures the neighbours.
# steal_mark: print a mark; steal_since MARK: the steal since, in percent
# of all CPU time.
steal_mark() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print $9, t }' /proc/stat; }
steal_since() {
	# shellcheck disable=SC2046,SC2086 # two numbers each, split on purpose
	set -- $1 $(steal_mark)
	awk -v s="$(($3 - $1))" -v t="$(($4 - $2))" 'BEGIN { printf "%.0f\n", t ? 100 * s / t : 0 }'
}

# test_kernel [FLAVOUR]: the cached test kernel's build directory (builds
# it once); FLAVOUR is debug (the default) or kcsan.
test_kernel() { "$T/build-kernel.sh" "$@"; }
kernel_src() { ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/vmbus_mdev/src-* | sort -V | tail -1; }

# build_modules FLAVOR KDIR [make args...]: build a mirror of the source tree
# in .build/FLAVOR against KDIR, so builds for different kernels never mix.
# Output goes to .build/FLAVOR.log; fails on any compiler or sparse warning.
build_modules() {
	local flavor=$1 kdir=$2 dir=$BUILD/$1
	shift 2
	mkdir -p "$dir"
	rsync -a --delete --exclude=/.build --exclude=/.git "$TOP/" "$dir/"
	if ! make -C "$kdir" M="$dir" W=1 "$@" modules >"$BUILD/$flavor.log" 2>&1; then
		cat "$BUILD/$flavor.log" >&2
		return 1
	fi
	# sparse cannot follow the guard(spinlock) inside the kernel's inline
	# device_match_driver_override(); the kernel's own platform_match()
	# gets the same false "context imbalance". Only that line is allowed.
	if grep -E "warning:|error:" "$BUILD/$flavor.log" |
		grep -v "context imbalance in 'vmbus_mdev_match' - wrong count at exit" >&2; then
		return 1
	fi
}

# build_progs: the user-space test programs, static, into .build/progs
# (guests run them from the host share as $VMTEST_PROGS).
build_progs() {
	local src out=$BUILD/progs
	mkdir -p "$out"
	for src in "$T"/progs/*.c; do
		# The kselftest harness, for tests written with it, and threads.
		# Unused parameters are allowed, as in the kernel: callbacks
		# (fn_sweep()'s hooks) need not use all of theirs.
		gcc -static -O2 -Wall -Wextra -Wno-unused-parameter -Werror -I"$TOP/include/uapi" \
			-I"$(kernel_src)/tools/testing/selftests" -pthread \
			-o "$out/$(basename "$src" .c)" "$src" || return 1
	done
	# The Azure Blob uapi is the same for 32-bit processes (compat_ioctl).
	for src in azblob azblob-faults azblob-fuzz; do
		gcc -m32 -static -O2 -Wall -Wextra -Wno-unused-parameter -Werror \
			-I"$TOP/include/uapi" -pthread \
			-o "$out/${src}32" "$T/progs/$src.c" || return 1
	done
}

# build_nested: the initramfs of the guest that nested-qemu.sh boots inside the
# test VM (busybox and guest/nested-init), into .build/nested.
build_nested() {
	local root=$BUILD/nested/root
	rm -rf "$root"
	mkdir -p "$root"/{bin,proc,sys,dev,tmp}
	cp /bin/busybox "$root/bin/busybox"
	cp "$T/guest/nested-init" "$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$BUILD/nested/initramfs.gz"
}
