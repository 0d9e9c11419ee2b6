# SPDX-License-Identifier: GPL-2.0
# KTAP results of the guest tests (Documentation/dev-tools/ktap.rst).
# Sourced by init, the runner (check.sh) and every test script.
#
# Results go to $VMTEST_KTAP, which init sets to the VM's second serial
# port: the host keeps it in a file of its own, never mixed with kernel
# messages or with what the tests print on the console, so no line of a
# test's output can be taken for a result. Each line is written with an
# open and close of its own: the close of a tty waits until its output
# has left, so a result is out before the next step runs (and before
# init powers off), whatever processes are left. Without $VMTEST_KTAP
# (a script run by hand) results go to standard output.
#
# A test script is one subtest of the VM's KTAP document. The runner
# prints the subtest's header and plan (its count in tests.manifest) and
# its result line; the script reports its checks with ktap_result, which
# numbers them. The count of results and of failures is kept in files
# under $KTAP_STATE, so checks made in a subshell or a pipeline are
# numbered and counted like the others; but one at a time: two checks
# run at once (in background jobs) could take the same number.
#
# The kernel's selftests/kselftest/ktap_helpers.sh prints one flat,
# unindented document per program and keeps its counts in shell
# variables; these helpers nest, and count across subshells.

KTAP_INDENT=${KTAP_INDENT-"    "}
KTAP_STATE=${KTAP_STATE:-/tmp/ktap/$$}
mkdir -p "$KTAP_STATE"
[ -e "$KTAP_STATE/n" ] || echo 0 >"$KTAP_STATE/n"
[ -e "$KTAP_STATE/failed" ] || echo 0 >"$KTAP_STATE/failed"

# ktap_out LINE: one line of KTAP
ktap_out() {
	if [ -n "${VMTEST_KTAP:-}" ]; then
		printf '%s\n' "$1" >>"$VMTEST_KTAP"
	else
		printf '%s\n' "$1"
	fi
}

# ktap_diag LINE: LINE as a KTAP diagnostic ("# ...") at this level. The
# kernel's parser stops reading at a few strings of a kernel's shutdown,
# wherever they are in a line; they are defused.
ktap_diag() {
	ktap_out "$KTAP_INDENT# $(printf '%s' "$1" | sed 's/List of all partitions:/List of all partitions;/
		s/not syncing: VFS:/not syncing; VFS:/; s/reboot: System halted/reboot; System halted/')"
}

# ktap_name TEXT: TEXT as a test name ('#' starts a KTAP directive)
ktap_name() { printf '%s' "$1" | tr '#\n\r' '   '; }

# ktap_result ok|fail|skip NAME: the next numbered result at this level
ktap_result() {
	local n name

	n=$(($(cat "$KTAP_STATE/n") + 1))
	echo $n >"$KTAP_STATE/n"
	name=$(ktap_name "$2")
	case "$1" in
	ok) ktap_out "${KTAP_INDENT}ok $n $name" ;;
	skip) ktap_out "${KTAP_INDENT}ok $n $name # SKIP" ;;
	*)
		ktap_out "${KTAP_INDENT}not ok $n $name"
		echo $(($(cat "$KTAP_STATE/failed") + 1)) >"$KTAP_STATE/failed"
		;;
	esac
}

# ktap_count / ktap_failures: results and failures reported so far
ktap_count() { cat "$KTAP_STATE/n"; }
ktap_failures() { cat "$KTAP_STATE/failed"; }

# ktap_nested NAME FILE RC: the (K)TAP document that a program wrote to
# FILE (a kselftest-harness program, say) as one result with subtests:
# its lines from the version line on, one level deeper, then the result
# line NAME, "ok" only when RC is 0 and FILE has a document at all. The
# host's parser checks its plan.
ktap_nested() {
	local status=ok version='^ *\(K\)\{0,1\}TAP version [0-9]*$'

	if grep -q "$version" "$2" 2>/dev/null; then
		sed -n "/$version/,\$p" "$2" | tr -d '\r' |
			while IFS= read -r line; do
				ktap_out "$KTAP_INDENT    $line"
			done
	else
		echo "ktap: no KTAP document in $2"
		status=fail
	fi
	[ "$3" -eq 0 ] || status=fail
	ktap_result $status "$1"
}
