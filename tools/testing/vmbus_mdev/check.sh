#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every static check, then the debug test kernel in QEMU with
# the KUnit suites and the in-VM tests. Ends with "N passed, M failed".

set -uo pipefail
. "$(dirname "$0")/lib.sh"

passed=0 failed=0 skipped=0
result() {	# result NAME ok|fail|skip
	case "$2" in
	ok) passed=$((passed + 1)); echo "check: ok   $1" ;;
	skip) skipped=$((skipped + 1)); echo "check: skip $1" ;;
	*) failed=$((failed + 1)); echo "check: FAIL $1" ;;
	esac
}
summary() {
	echo
	# Not a result: what to blame first when a timing check failed.
	echo "CPU steal by this machine's host during the run: $(steal_since "$steal_start")%"
	if [ $skipped -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ $failed -eq 0 ]
	exit
}

steal_start=$(steal_mark)
deps || { result "dependencies" fail; summary; }
mkdir -p "$BUILD"
kout=$(test_kernel) || { result "test kernel build" fail; summary; }
src=$(kernel_src)

# Static checks --------------------------------------------------------
if build_modules test "$kout" C=2; then
	result "modules build W=1 + sparse against the test kernel" ok
else
	result "modules build W=1 + sparse against the test kernel" fail
	summary	# nothing else can run without modules
fi
if build_modules stock "$(stock_kdir)"; then
	result "modules build W=1 against stock $(stock_kver) headers" ok
else
	result "modules build W=1 against stock $(stock_kver) headers" fail
fi
if "$T/intree.sh" "$kout" >"$BUILD/intree.log" 2>&1; then
	result "in-tree: Kconfig and Makefile entries, modules built by kbuild in a kernel tree" ok
else
	cat "$BUILD/intree.log"
	result "in-tree: Kconfig and Makefile entries, modules built by kbuild in a kernel tree" fail
fi

cd "$TOP" || exit 1
sources=$(git ls-files -co --exclude-standard '*.c' '*.h' | grep -v '^\.build/')
# shellcheck disable=SC2086
if "$src/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES -f $sources \
	$(git ls-files -co --exclude-standard '*Kconfig' | grep -v '^\.build/'); then
	result "checkpatch --strict" ok
else
	result "checkpatch --strict" fail
fi
# shellcheck disable=SC2086
kdoc=$("$src/scripts/kernel-doc" -none -Wall $sources 2>&1)
if [ -z "$kdoc" ]; then
	result "kernel-doc -Wall" ok
else
	echo "$kdoc"
	result "kernel-doc -Wall" fail
fi
if "$T/docs.sh" >"$BUILD/docs.log" 2>&1; then
	result "make docs: Sphinx and kernel-doc without a warning" ok
else
	cat "$BUILD/docs.log"
	result "make docs: Sphinx and kernel-doc without a warning" fail
fi
if "$T/check-exports.sh" $sources; then
	result "kernel-doc on every exported symbol" ok
else
	result "kernel-doc on every exported symbol" fail
fi

# The rule by which the nested guest is booted again, on recorded consoles.
while read -r ok name; do
	case "$ok" in
	ok) result "$name" ok ;;
	*) result "${name#ok }" fail ;;
	esac
done < <("$T/test-tcg-crash.sh" || echo "not ok test-tcg-crash.sh exited non-zero")

# The test VM ----------------------------------------------------------
build_progs || { result "user-space test programs build" fail; summary; }
# The structured fuzzer's oracle, its model of which memory a buffer may
# be read or written from, held to the kernel's (process_vm_readv/writev).
for f in azblob-fuzz azblob-fuzz32; do
	if "$BUILD/progs/$f" -t 1000 7; then
		result "$f: its memory model agrees with the kernel's" ok
	else
		result "$f: its memory model agrees with the kernel's" fail
	fi
done
build_nested || { result "nested guest initramfs build" fail; summary; }
# What must run, and how many checks each test reports: tests.manifest.
# Each VM gets its part as a plan, and writes its results as KTAP to a
# file of their own (run-vm.sh --results); the console is kept for the
# kernel's messages and the splat scan.
manifest=$T/tests.manifest
plan() {	# plan VM: the manifest's tests for VM, "NAME SCRIPT CHECKS"
	awk -v vm="$1" '$1 == "guest" && $2 == vm && $4 != "init" { print $3, $4, $5 }' \
		"$manifest" >"$BUILD/plan-$1"
	echo "$BUILD/plan-$1"
}
# vm_result RC NAME LOG: the VM run as one result (exit status RC;
# run-vm.sh has printed its scan report already).
vm_result() {
	if [ "$1" -eq 0 ]; then
		result "$2" ok
	else
		tail -30 "$3"
		result "$2 (exit $1)" fail
	fi
}

# The real-guest test, in a VM on Debian's stock kernel: QEMU inside the
# VM boots its own guest in about 100 s (200 to 350 s inside the debug
# kernel, or with the check VM beside it) and, now and then, TCG inside
# TCG mis-executes the nested kernel where it patches its own text; that
# one crash is retried (tcg-crash.sh). The two VMs run at once: the check
# VM's tests are mostly sequential and keep one of its two vCPUs busy, so
# the nested-QEMU VM takes the other core meanwhile, instead of some 8
# minutes of its own at the end.
qlog=$BUILD/check-qemu.log
rm -f "$qlog.ktap"
"$T/run-vm.sh" --kernel "/boot/vmlinuz-$(stock_kver)" --modules "$BUILD/stock" \
	--kmod-root / --kmods "9p 9pnet_virtio vfio vfio_iommu_type1" \
	--load "$BOOT_MODULES" --script "$T/guest/check.sh" --log "$qlog" \
	--plan "$(plan qemu)" --results "$qlog.ktap" \
	--timeout 2400 --mem 2048 --loglevel 5 >/dev/null &
qpid=$!
# If check.sh stops early, so does the nested-QEMU VM (run-vm.sh stops
# its QEMU on TERM).
trap 'kill $qpid 2>/dev/null || true' EXIT

# About 15 minutes on a quiet machine, over 40 with 35% of its CPU taken by
# its host (steal). So a long bound on the whole run, and a hang caught by
# 15 silent minutes on the console (the hung-task detector speaks after 1).
log=$BUILD/check-vm.log
rm -f "$log.ktap"
"$T/run-vm.sh" --kernel "$kout/arch/x86/boot/bzImage" --modules "$BUILD/test" \
	--load "$BOOT_MODULES" --script "$T/guest/check.sh" --log "$log" \
	--plan "$(plan check)" --results "$log.ktap" --kmemleak \
	--timeout 5400 --idle-timeout 900 --mem 3072 >/dev/null
vm_result $? "test VM: guest tests, clean console (no splat, no leak)" "$log"
wait $qpid
vm_result $? "nested-QEMU VM (stock kernel): guest tests, clean console" "$qlog"

# The fuzzers' and the stress's figures: calls per target, results by
# errno, and how many calls went against the ABI (each fuzzer's check
# fails on one; a success on invalid input is counted apart).
echo "Fuzzing and stress figures (test VM):"
grep -aE '^(fuzz: (azblob|vfio)-fuzz|azblob-fuzz: ([0-9]+ calls|seen)|azblob-fuzz -r|vfio-fuzz: (/|.* 0: [0-9]+, EINVAL|.*calls not)|trinity: |stress: )' \
	"$log" | sed 's/^/  /'

# Every result of both VMs, KUnit's included, by the kernel's own KTAP
# parser, held to the manifest (ktap-results.py).
python3 "$T/ktap-results.py" "$src/tools/testing/kunit" "$TOP" \
	--vm "check=$log.ktap" --vm "qemu=$qlog.ktap" >"$BUILD/ktap.report" 2>&1
kc=$?
grep -v '^ktap-counts:' "$BUILD/ktap.report"
# Its last line has the counts; without it (the script itself failed)
# nothing it counted can be trusted.
if read -r _ kp kf ks < <(grep '^ktap-counts:' "$BUILD/ktap.report"); then
	passed=$((passed + kp)) failed=$((failed + kf)) skipped=$((skipped + ks))
	if [ $kc -ne 0 ] && [ "$kf" -eq 0 ]; then
		result "KTAP results parsed and held to tests.manifest (exit $kc)" fail
	fi
else
	result "KTAP results parsed and held to tests.manifest (no counts, exit $kc)" fail
fi
summary
