#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The rule by which nested-qemu.sh boots its guest again (tcg_crash, in
# guest/tcg-crash.sh), held on the host to a recorded console of the crash
# it is for and to edits of it that are not that crash. Prints one
# "ok NAME" or "not ok NAME" per case; exits non-zero if any failed.

set -u
here=$(dirname "$0")
. "$here/guest/tcg-crash.sh"
pat=$here/report-patterns
rec=$here/fixtures/nested-tcg-crash-sync-core.console
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# expect match|reject NAME SED-SCRIPT: the recorded console edited by
# SED-SCRIPT, and what tcg_crash must say of it.
expect() {
	local want=$1 name=$2 got

	sed -e "$3" "$rec" >"$work/console"
	if tcg_crash "$work/console" "$pat"; then got=match; else got=reject; fi
	if [ "$got" = "$want" ]; then
		echo "ok tcg_crash: $name"
	else
		echo "not ok tcg_crash: $name (wanted $want, got $got)"
		status=1
	fi
}
# Where the recorded oops is, by its own lines.
oops='/^\[   97\.273414\] Oops/'
trace_end='/^\[   97\.606009\]  <\/TASK>/'

expect match "the recorded IRET fault in do_sync_core() under text_poke_bp_batch()" ''
expect match "the same, with LF line ends (the recording has CRLF)" 's/\r$//'
expect match "a fault in text_poke_early() (seen in an earlier run)" \
	"$oops,${trace_end}s/text_poke_bp_batch/text_poke_early/; $oops,${trace_end}s/do_sync_core/text_poke_early/g; $oops,${trace_end}s/text_poke_finish/apply_alternatives/"
expect reject "the same oops in a driver's code, not in text patching" \
	"$oops,${trace_end}s/do_sync_core/serial8250_do_startup/g; $oops,${trace_end}s/text_poke_[a-z_]*/uart_startup/; $oops,${trace_end}s/arch_jump_label_transform_apply/tty_port_open/"
expect reject "an oops in a driver, with only a stale '? ' patching frame left" \
	"$oops,${trace_end}s/RIP: 0010:do_sync_core/RIP: 0010:serial8250_do_startup/; $oops,${trace_end}s/\] \( *\)text_poke_[a-z_]*/] \1uart_startup/; $oops,${trace_end}s/arch_jump_label_transform_apply/tty_port_open/"
expect reject "a fault in do_sync_core() with no sure patching frame" \
	"$oops,${trace_end}s/\] \( *\)text_poke_[a-z_]*/] \1uart_startup/"
expect reject "the recorded oops, but in an interrupt" \
	"$oops,${trace_end}s/<TASK>/<IRQ>/"
expect reject "the recorded oops, but in the idle loop" \
	"$oops,${trace_end}s/kernel_init+/do_idle+/"
expect reject "a warning came first" \
	"${oops}i [   90.000000] WARNING: CPU: 0 PID: 1 at drivers/tty/serial/8250/8250_port.c:1 x+0x0/0x0"
expect reject "a report between the oops and the panic" \
	"/Kernel panic - not syncing/i [   97.800000] BUG: unable to handle page fault for address: 0000000000000010"
expect reject "no panic" '/Kernel panic - not syncing/d'
expect reject "a panic that is not one of an oops killing the boot task" \
	's/Attempted to kill init! exitcode=0x0000000b/VFS: Unable to mount root fs/'
expect reject "the nested tests had started" \
	"${oops}i NESTED: ok 8250_pci bound the card"
expect reject "an oops under start_kernel() after our card was enumerated" \
	"$oops,${trace_end}s/do_sync_core/x86_64_start_kernel/g; $oops,${trace_end}s/text_poke_[a-z_]*/start_kernel/; $oops,${trace_end}s/arch_jump_label_transform_apply/x86_64_start_reservations/"
expect match "an oops under start_kernel() before our card was enumerated" \
	"$oops,${trace_end}s/do_sync_core/x86_64_start_kernel/g; $oops,${trace_end}s/text_poke_[a-z_]*/start_kernel/; $oops,${trace_end}s/arch_jump_label_transform_apply/x86_64_start_reservations/; /\[4348:3253\]/d"
# The second recording: a fault in text_poke_early() itself, from
# start_kernel() (static calls of the LSM hooks), before the card.
rec=$here/fixtures/nested-tcg-crash-text-poke-early.console
oops='/^\[   38\.890267\] Oops/'
expect match "the recorded fault in text_poke_early() under start_kernel()" ''
expect reject "the same, but the fault in a driver's code" \
	"s/RIP: 0010:text_poke_early/RIP: 0010:serial8250_do_startup/; s/\] \( *\)start_kernel+/] \1tty_port_open+/"
exit $status
