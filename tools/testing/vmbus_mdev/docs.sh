#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make docs: Documentation/ as HTML in .build/docs/html (the start page is
# index.html), with Sphinx and the kernel's kernel-doc extension and
# script from the linux-source-6.12 tree (Documentation/conf.py). Any
# Sphinx warning fails it, and so does any kernel-doc warning
# (KDOC_WERROR: the directive then fails, which Sphinx reports).

set -euo pipefail
. "$(dirname "$0")/lib.sh"

deps
src=$("$T/build-kernel.sh" source)
out=$BUILD/docs
rm -rf "$out"
mkdir -p "$out"
if KERNEL_SRC=$src KDOC_WERROR=1 sphinx-build -q -W --keep-going -b html \
	-d "$out/doctrees" "$TOP/Documentation" "$out/html"; then
	echo "docs: $out/html/index.html"
else
	echo "docs: the build failed (warnings above)" >&2
	exit 1
fi
