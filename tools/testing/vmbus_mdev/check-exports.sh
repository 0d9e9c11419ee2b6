#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every EXPORT_SYMBOL*(name) in the given files must have a kernel-doc
# comment ("/**" followed by "name(" or "name -") in one of the files.

set -u
status=0
for sym in $(grep -ho 'EXPORT_SYMBOL[A-Z_]*([a-z0-9_]*' "$@" | sed 's/.*(//' | sort -u); do
	if ! awk -v s="$sym" '
		/^\/\*\*/ { doc = 1; next }
		doc && ($0 ~ "^ \\* (struct |union |enum )?" s "( -|\\(\\) -|:)") { found = 1 }
		/\*\// { doc = 0 }
		END { exit !found }' "$@"; then
		echo "check-exports: $sym is exported without kernel-doc" >&2
		status=1
	fi
done
exit $status
