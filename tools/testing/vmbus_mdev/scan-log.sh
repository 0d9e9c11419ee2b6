#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fail (exit 1) when a guest console log holds a kernel splat: lockdep,
# KASAN, BUG, WARNING, Oops, kmemleak, hung task, debugobjects, list
# corruption. The offending lines are printed with some context.

# Every line counts, the console of the guest that nested-qemu.sh boots
# inside the VM included (prefixed "nested| "). What the guest may let
# through (a nested boot retried for the one known TCG early-boot crash,
# a kmemleak report kmemleak-allow names) never reaches the console: it
# goes to the results file, as KTAP diagnostics.
# With --boot-only, exit 0 only when there are reports and every one of
# them precedes the guest's "vmtest: boot complete" line. A log that
# cannot be read is never clean (exit 2).
# With --kcsan FOREIGN, the log is a KCSAN kernel's: its reports of races
# that none of our code took part in go to FOREIGN and are not counted
# (kcsan-filter.awk); every other line is scanned as usual.

set -u
boot_only=0 kcsan=""
while [ $# -gt 1 ]; do
	case "$1" in
	--boot-only) boot_only=1 ;;
	--kcsan) kcsan=$2; shift ;;
	*) break ;;
	esac
	shift
done
log=$1 name=$1
here=$(dirname "$0")
# One extended regex a line; the guest's init checks its boot with the
# same list.
patterns=$here/report-patterns
[ -r "$log" ] && [ -r "$patterns" ] || { echo "scan-log: cannot read $log or $patterns" >&2; exit 2; }
if [ -n "$kcsan" ]; then
	filtered=$(mktemp)
	trap 'rm -f "$filtered"' EXIT
	awk -v foreign="$kcsan" -v patterns="$patterns" -f "$here/kcsan-filter.awk" "$log" >"$filtered" ||
		{ echo "scan-log: kcsan-filter.awk failed on $log" >&2; exit 2; }
	log=$filtered
fi

hits=$(grep -naE -f "$patterns" "$log")
case $? in
0 | 1) ;;
*) echo "scan-log: grep failed on $name" >&2; exit 2 ;;
esac
if [ $boot_only -eq 1 ]; then
	[ -n "$hits" ] || exit 1
	booted=$(grep -n "vmtest: boot complete" "$log" | head -1 | cut -d: -f1)
	last=$(echo "$hits" | tail -1 | cut -d: -f1)
	[ -z "$booted" ] || [ "$last" -lt "$booted" ]
	exit
fi
[ -z "$hits" ] && exit 0

echo "scan-log: kernel splat in $name:" >&2
echo "$hits" | head -20 | sed 's/^/  /' >&2
first=$(echo "$hits" | head -1 | cut -d: -f1)
echo "scan-log: context of the first report:" >&2
sed -n "$((first > 5 ? first - 5 : 1)),$((first + 30))p" "$log" | sed 's/^/  | /' >&2
exit 1
