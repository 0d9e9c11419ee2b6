# SPDX-License-Identifier: GPL-2.0
#
# tcg_crash CONSOLE [PATTERNS]: true when the console of a nested boot
# (nested-qemu.sh) ended in the one crash that is the emulator's, not the
# kernel's or our card's, and so the only one for which the boot is tried
# again. PATTERNS is the file of kernel-report patterns (default: the
# guest's /etc/vmtest/report-patterns). Sourced by nested-qemu.sh in the
# guest and by test-tcg-crash.sh on the host, which holds this rule to
# recorded consoles.
#
# TCG running inside TCG now and then mis-executes the nested kernel,
# always where the kernel rewrites or serializes its own code (seen: a
# general protection fault in text_poke_early(); a NULL fetch under
# start_kernel(); a general protection fault on the IRET of do_sync_core()
# under text_poke_bp_batch(), from a late initcall that flipped a static
# key). The rule, each part needed:
#  - the console has no NESTED line: the nested tests never started;
#  - it has a panic, and the first kernel report is an oops (not a warning,
#    not a lockdep or KASAN report) whose end comes with nothing else
#    reported before that panic;
#  - the oops is outside any interrupt and not in the idle loop;
#  - the fault is in the kernel patching its own text (RIP in text_poke*
#    or apply_alternatives), which no device takes part in; or in
#    do_sync_core() under a patching frame the unwinder is sure of (not a
#    "? " guess: a stale stack word of an earlier patch proves nothing);
#    or, if our card ([4348:3253]) had not been enumerated before the
#    panic, the trace has a sure frame of start_kernel().
# Anything else, the same oops in a driver included, is a failure.

tcg_crash() {
	local con=$1 pat=${2:-/etc/vmtest/report-patterns}
	local c=/tmp/tcg-crash.$$ o=/tmp/tcg-crash-oops.$$ r

	tr -d '\r' <"$con" >$c
	tcg_crash_match $c "$pat" $o
	r=$?
	rm -f $c $o $o.sure
	return $r
}

tcg_crash_match() {
	local c=$1 pat=$2 o=$3 first end card panic

	grep -q NESTED $c && return 1
	panic=$(grep -nE "Kernel panic - not syncing: (Attempted to kill the idle task!|Attempted to kill init!|Fatal exception)" \
		$c | head -1 | cut -d: -f1)
	first=$(grep -naE -f "$pat" $c | head -1 | cut -d: -f1)
	[ -n "$panic" ] && [ -n "$first" ] || return 1
	sed -n "${first}p" $c | grep -qE "Oops|BUG:|general protection fault" || return 1
	end=$(sed -n "$first,\$p" $c | grep -n -e "---\[ end trace" -e "Kernel panic" |
		head -1 | cut -d: -f1)
	[ -n "$end" ] || return 1
	end=$((first + end - 1))
	sed -n "$first,${end}p" $c >$o
	[ "$end" -ge $((panic - 1)) ] ||
		! sed -n "$((end + 1)),$((panic - 1))p" $c | grep -qE -f "$pat" ||
		return 1
	! grep -qE "<IRQ>|<NMI>|do_idle" $o || return 1
	# Frames the unwinder is sure of ("? " marks a stale stack word).
	grep -vE "\] +\? " $o >$o.sure
	# The fault in the patching code itself; or in do_sync_core(), which
	# patching calls, under a sure patching frame.
	grep -qE "RIP: [0-9a-f]{4}:(text_poke[a-z_]*|apply_alternatives)\+0x" $o &&
		return 0
	grep -qE "RIP: [0-9a-f]{4}:do_sync_core\+0x" $o &&
		grep -qE "\] +(text_poke[a-z_]*|apply_alternatives)\+0x" $o.sure &&
		return 0
	card=$(grep -n "\[4348:3253\]" $c | head -1 | cut -d: -f1)
	[ -z "$card" ] || [ "$card" -gt "$panic" ] || return 1
	grep -qE "\] +start_kernel\+0x" $o.sure
}
