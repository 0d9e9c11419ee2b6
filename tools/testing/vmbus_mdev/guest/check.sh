#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The runner of a test VM: runs every test of /etc/vmtest/plan (this VM's
# part of tests.manifest, "NAME SCRIPT CHECKS" a line) in order, each as
# one KTAP subtest whose plan is its CHECKS. A test that is missing, exits
# early or reports a different number of checks fails here, and the
# host's parser sees the same from the plan.

. /vmtest/ktap.sh

status=0
n=${KTAP_NEXT:-1}
while read -r name script checks; do
	ktap_out "    KTAP version 1"
	ktap_out "    # Subtest: $name"
	ktap_out "    1..$checks"
	export KTAP_STATE=/tmp/ktap/$name
	mkdir -p "$KTAP_STATE"
	echo 0 >"$KTAP_STATE/n"
	echo 0 >"$KTAP_STATE/failed"
	if [ -r "/vmtest/$script" ]; then
		echo "vmtest: running $name ($script, $checks checks)"
		sh "/vmtest/$script" </dev/null
		rc=$?
	else
		echo "vmtest: FAIL $name: /vmtest/$script is missing"
		rc=127
	fi
	got=$(ktap_count)
	bad=$(ktap_failures)
	why=""
	[ "$rc" -eq 0 ] || why="$why exit status $rc;"
	[ "$bad" -eq 0 ] || why="$why $bad failed;"
	[ "$got" -eq "$checks" ] || why="$why $got of $checks planned checks reported;"
	if [ -z "$why" ]; then
		ktap_out "ok $n $name"
	else
		ktap_out "not ok $n $name"
		echo "vmtest: FAIL $name:$why"
		status=1
	fi
	n=$((n + 1))
done </etc/vmtest/plan
exit $status
