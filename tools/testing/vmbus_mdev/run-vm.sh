#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel in QEMU (TCG) with the vmbus_mdev modules and run a script.
#
#   run-vm.sh --kernel BZIMAGE --modules DIR [--kmod-root DIR] [--kmods "A B"]
#             [--load "x.ko y.ko"] [--script FILE | --interactive]
#             [--log FILE] [--timeout SECONDS] [--mem MB] [--loglevel N]
#             [--smp N] [--idle-timeout SECONDS] [--plan FILE]
#             [--results FILE] [--kmemleak] [--env NAME=VALUE]...
#             [--kcsan FILE]
#
# --modules DIR holds our .ko files (all are copied into the initramfs, the
# ones named by --load are loaded at boot, in that order). --kmods names
# modules of the booted kernel to load first, resolved with modprobe against
# --kmod-root. The host root is shared read-only at /host. The console
# shows kernel messages below --loglevel (default 7: KUnit's KTAP is
# KERN_INFO; warnings and splats show at any level above 4). --smp sets the
# number of vCPUs (default 2: the tests need two for their races).
# --timeout bounds the whole run; --idle-timeout (default: none) stops it
# sooner when the console has printed nothing for that long, which is how
# a hang looks. A busy host slows a run down without silencing it, so a
# long --timeout with an --idle-timeout tells slow from stuck.
#
# Results: the guest writes KTAP (guest/ktap.sh) to its second serial
# port, kept in --results FILE (default: the log's name plus .ktap).
# --plan FILE lists the tests the job must run ("NAME SCRIPT CHECKS" a
# line; check.sh takes it from tests.manifest); every guest script is
# copied, and one the plan names but that is missing fails in the guest.
# --kmemleak: the kernel has kmemleak, and the guest fails without it.
# --env NAME=VALUE goes on the kernel's command line, which hands it to
# init, and so to every test, as an environment variable (no spaces).
# --kcsan FILE: the kernel has KCSAN; its reports of races that none of
# our code took part in go to FILE, and do not fail the run or its boot
# (kcsan-filter.awk, here and in the guest's check of its boot).
#
# Exit status: the script's, or non-zero when the run timed out, the guest
# did not report, or the console shows a kernel splat (see scan-log.sh).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kernel="" moddir="" kmodroot="" kmods="" load="" script="" interactive=0
log="" timeout=600 idle=0 mem=2048 loglevel=7 smp=2
plan="" results="" kmemleak=0 env="" kcsan=""

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift ;;
	--modules) moddir=$2; shift ;;
	--kmod-root) kmodroot=$2; shift ;;
	--kmods) kmods=$2; shift ;;
	--load) load=$2; shift ;;
	--script) script=$2; shift ;;
	--interactive) interactive=1 ;;
	--log) log=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--idle-timeout) idle=$2; shift ;;
	--mem) mem=$2; shift ;;
	--loglevel) loglevel=$2; shift ;;
	--smp) smp=$2; shift ;;
	--plan) plan=$2; shift ;;
	--results) results=$2; shift ;;
	--kmemleak) kmemleak=1 ;;
	--env) env+=" $2"; shift ;;
	--kcsan) kcsan=$2; shift ;;
	*) echo "run-vm: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ -r "$kernel" ] || { echo "run-vm: no kernel image '$kernel'" >&2; exit 2; }
[ $interactive -eq 1 ] || [ -r "$script" ] || { echo "run-vm: no script '$script'" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,etc/vmtest,proc,sys,dev,tmp,lib/vmbus_mdev,vmtest,host,root}
cp /bin/busybox "$root/bin/busybox"
cp "$here/guest/init" "$root/init"
chmod +x "$root/init"

# Kernel modules of the booted kernel, decompressed (busybox insmod cannot
# always read .ko.xz), in the order modprobe resolves.
: >"$root/etc/vmtest/kmods"
if [ -n "$kmods" ]; then
	kver=$(basename "$(ls -d "$kmodroot"/lib/modules/*/ | head -1)")
	n=0
	for m in $kmods; do
		modprobe -d "$kmodroot" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r path; do
		n=$((n + 1))
		name=$(basename "$path")
		dst=$root/lib/kmod-$n-${name%%.ko*}.ko
		case "$path" in
		*.xz) xz -dc "$path" >"$dst" ;;
		*.zst) zstd -qdc "$path" >"$dst" ;;
		*) cp "$path" "$dst" ;;
		esac
		echo "${dst#"$root"}" >>"$root/etc/vmtest/kmods"
	done
fi

if [ -n "$moddir" ]; then
	find "$moddir" -name '*.ko' -exec cp {} "$root/lib/vmbus_mdev/" \;
fi
: >"$root/etc/vmtest/modules"
for m in $load; do
	echo "$m" >>"$root/etc/vmtest/modules"
done
if [ $interactive -eq 1 ]; then
	touch "$root/vmtest/interactive"
else
	cp "$script" "$root/vmtest/script"
fi
# What counts as a kernel report, for init's check of the boot.
cp "$here/report-patterns" "$here/kcsan-filter.awk" "$root/etc/vmtest/"
# The guest scripts and the helpers they source.
cp "$here"/guest/*.sh "$root/vmtest/"
cp "$here/kmemleak-allow" "$root/etc/vmtest/"
: >"$root/etc/vmtest/plan"
if [ -n "$plan" ]; then
	[ -s "$plan" ] || { echo "run-vm: no plan in '$plan'" >&2; exit 2; }
	grep -v '^#' "$plan" | grep . >"$root/etc/vmtest/plan"
fi

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.gz"

[ -n "$log" ] || log=$work/console.log
[ -n "$results" ] || results=$log.ktap
# Unknown key=value parameters reach init as environment variables.
# no_timer_check: on a busy host TCG can deliver the first timer ticks too
# late for the IO-APIC timer check, which then panics ("IO-APIC + timer
# doesn't work!"). KVM, Hyper-V and VMware guests skip it the same way.
append="console=ttyS0 panic=-1 oops=panic rdinit=/init loglevel=$loglevel no_timer_check"
append+=" VMTEST_HOST_BUILD=$(cd "$here/../../.." && pwd)/.build VMTEST_KMEMLEAK=$kmemleak$env"
# KCSAN sets a watchpoint on one access in kcsan.skip_watch (4000 by
# default): a quarter of that samples four times as often.
[ -z "$kcsan" ] || append+=" VMTEST_KCSAN=1 kcsan.skip_watch=1000"
scan=("$here/scan-log.sh")
[ -z "$kcsan" ] || scan+=(--kcsan "$kcsan")
qemu=(qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp "$smp" -m "$mem"
	-no-reboot -display none -monitor none -serial stdio -serial "file:$results"
	-kernel "$kernel" -initrd "$work/initramfs.gz" -append "$append"
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap)

if [ $interactive -eq 1 ]; then
	"${qemu[@]}"
	exit 0
fi

# QEMU runs in the background so that the timeouts can stop exactly it,
# and so that a run stopped from outside (check.sh's, on Ctrl-C or TERM)
# stops it too.
qpid=""
trap '[ -z "$qpid" ] || kill $qpid 2>/dev/null || true; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
run_qemu() {
	: >"$log"
	"${qemu[@]}" </dev/null >"$log" 2>&1 &
	qpid=$!
	tail -n +1 -f "$log" --pid=$qpid &
	tpid=$!
	deadline=$((SECONDS + timeout))
	size=0 quiet_since=$SECONDS why=""
	while kill -0 $qpid 2>/dev/null; do
		now_size=$(stat -c %s "$log")
		if [ "$now_size" -ne "$size" ]; then
			size=$now_size quiet_since=$SECONDS
		fi
		if [ $SECONDS -ge $deadline ]; then
			why="timed out after $timeout s"
		elif [ "$idle" -gt 0 ] && [ $((SECONDS - quiet_since)) -ge "$idle" ]; then
			why="console silent for $idle s"
		fi
		if [ -n "$why" ]; then
			echo "run-vm: $why; stopping QEMU (pid $qpid)" >&2
			kill $qpid
			wait $qpid 2>/dev/null || true
			wait $tpid 2>/dev/null || true
			exit 124
		fi
		sleep 1
	done
	wait $qpid || true
	wait $tpid 2>/dev/null || true
}

# Logs of crashed boots from an earlier run would mislead.
rm -f "$log".boot*-splat "$results".boot*-splat
run_qemu
# Under TCG a kernel sometimes crashes at early boot, before any of our
# code is loaded. Seen: the debug kernel's KASAN wild-memory-access in
# rcu_is_watching() from an interrupt taken during identify_cpu(), and the
# stock kernel's "Oops: int3" in code that was being patched (a static
# key) on the other vCPU. Such a report also turns lockdep off, so the run
# is worthless: boot again, loudly, keeping the log, up to three boots in
# all (both crashes came twice in a row in some runs). The guest's init
# powers off at once after such a report, rather than run the job first.
# A report after boot still fails the run. Each crashed boot's log is kept
# under its own number, so that two crashes in a row can be told apart.
boots=1
while [ $boots -lt 3 ] && "${scan[@]}" --boot-only "$log"; do
	cp "$log" "$log.boot$boots-splat"
	cp "$results" "$results.boot$boots-splat" 2>/dev/null || true
	echo "run-vm: kernel report during boot, before any vmbus_mdev code loaded;" \
		"kept in $log.boot$boots-splat; boot $((boots + 1)) of at most 3" >&2
	boots=$((boots + 1))
	run_qemu
done

rc=$(sed -n 's/^VMTEST-EXIT: \([0-9]*\).*/\1/p' "$log" | tail -1)
if [ -z "$rc" ]; then
	echo "run-vm: the guest never reported an exit status" >&2
	rc=125
fi
if ! "${scan[@]}" "$log"; then
	[ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
