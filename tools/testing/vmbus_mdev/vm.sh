#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make vm [SCRIPT=FILE]: the debug test kernel with the modules loaded;
# an interactive shell, or FILE run inside the VM with its exit status.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

deps
mkdir -p "$BUILD"
kout=$(test_kernel)
build_modules test "$kout"
build_progs
build_nested
args=(--kernel "$kout/arch/x86/boot/bzImage" --modules "$BUILD/test"
	--load "$BOOT_MODULES" --mem 3072 --kmemleak)
if [ "${1:-}" = --script ]; then
	exec "$T/run-vm.sh" "${args[@]}" --script "$2" --log "$BUILD/vm.log" --timeout 1800
fi
exec "$T/run-vm.sh" "${args[@]}" --interactive
