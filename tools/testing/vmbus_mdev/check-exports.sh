#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every exported function (EXPORT_SYMBOL*(name) where "name(" is called or
# declared somewhere) must have a kernel-doc comment: "/**" followed by
# " * name() -" in one of the given files. Exported variables cannot carry
# kernel-doc in 6.12 (its parser has no variables) and need a plain comment.

set -u
status=0
for sym in $(grep -ho 'EXPORT_SYMBOL[A-Z_]*([a-z0-9_]*' "$@" | sed 's/.*(//' | sort -u); do
	grep -q "\\b$sym(" "$@" || continue
	if ! grep -A1 -h '^/\*\*$' "$@" | grep -q "^ \\* $sym() - "; then
		echo "check-exports: $sym is exported without kernel-doc" >&2
		status=1
	fi
done
exit $status
