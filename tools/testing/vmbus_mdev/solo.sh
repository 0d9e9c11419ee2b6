#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of make check's VM alone, for longer (fuzz, stress: on the debug
# kernel) or on the KCSAN kernel (kcsan):
#
#   make fuzz [OPS=N] [SEED=S] [CALLS=M] [FSEED=F]
#       guest/test-fuzz.sh: trinity makes N system calls per target
#       (default 100000; make check makes 2000) from seed S, and the
#       structured fuzzers of the Azure Blob ioctl and of the VFIO
#       device fd M calls each (default 100000; make check 3000 and
#       4000), the racing Azure Blob runs M / 3, from seed F
#   make stress [DURATION=SECONDS]
#       guest/test-stress.sh for SECONDS (default 1800; make check 60)
#   make check-kcsan [DURATION=SECONDS]
#       on the KCSAN flavour of the test kernel (build-kernel.sh kcsan):
#       the KUnit suites (the race suite's forced interleavings among
#       them), the Azure Blob tests that race removal against calls in
#       flight (azstuck, azdrain), and the stress for SECONDS (default
#       300). A data race that any of our code took part in fails it;
#       the kernel's own races are listed in .build/kcsan-foreign.log
#       and counted, and do not (see kcsan-filter.awk)
#
# A seed not given is the run's own, printed by the test so that a failure
# can be replayed. The checks are those of make check: the test's own
# results, a clean console (no splat, no hung task) and kmemleak at the
# VM's teardown.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=$1
env=() flavour=debug tests=$what kcsan=()
case "$what" in
fuzz)
	ops=${OPS:-100000} calls=${CALLS:-100000}
	env=(--env "TRINITY_OPS=$ops" --env "FUZZ_CALLS=$calls" --env "VFIO_CALLS=$calls")
	[ -z "${SEED:-}" ] || env+=(--env "TRINITY_SEED=$SEED")
	[ -z "${FSEED:-}" ] || env+=(--env "FUZZ_SEED=$FSEED")
	# Above the guest's own bounds: trinity's per target, three targets.
	timeout=$((3600 + 3 * (600 + ops / 5) + calls / 5))
	;;
stress)
	duration=${DURATION:-1800}
	env=(--env "STRESS_SECONDS=$duration")
	timeout=$((3600 + duration))
	;;
kcsan)
	duration=${DURATION:-300}
	env=(--env "STRESS_SECONDS=$duration")
	flavour=kcsan tests="kunit azstuck azdrain stress"
	kcsan=(--kcsan "$BUILD/kcsan-foreign.log")
	timeout=$((5400 + duration))
	;;
*)
	echo "usage: solo.sh fuzz|stress|kcsan" >&2
	exit 2
	;;
esac
deps
mkdir -p "$BUILD"
kout=$(test_kernel $flavour)
mods=test
[ $flavour = debug ] || mods=$flavour
build_modules $mods "$kout"
build_progs
# The tests in the order of tests.manifest, whatever the order asked.
awk -v t=" $tests " '$1 == "guest" && $2 == "check" && index(t, " " $3 " ") { print $3, $4, $5 }' \
	"$T/tests.manifest" >"$BUILD/plan-$what"
log=$BUILD/$what-vm.log
rc=0
rm -f "$BUILD/kcsan-foreign.log"	# counted below: never an earlier run's
"$T/run-vm.sh" --kernel "$kout/arch/x86/boot/bzImage" --modules "$BUILD/$mods" \
	--load "$BOOT_MODULES" --script "$T/guest/check.sh" --log "$log" \
	--plan "$BUILD/plan-$what" --results "$log.ktap" --kmemleak "${env[@]}" "${kcsan[@]}" \
	--timeout $timeout --idle-timeout 900 --mem 3072 >/dev/null || rc=$?
grep -E "^(fuzz|trinity|azblob-fuzz[0-9]*|stress): " "$log" |
	grep -Ev "^(fuzz|stress): ok " || true
grep -E "^vmtest: (FAIL|running)" "$log" || true
if [ $what = kcsan ]; then
	f=$BUILD/kcsan-foreign.log
	ours=$(grep -c "BUG: KCSAN: " "$log" || true)
	foreign=$(sed -n 's/^kcsan-foreign: //p' "$f" 2>/dev/null)
	echo "kcsan: $((ours - ${foreign:-0})) reports our code took part in;" \
		"${foreign:-?} elsewhere in the kernel (in $f):"
	grep -o "BUG: KCSAN: .*" "$f" 2>/dev/null | sort | uniq -c | sort -rn | sed 's/^/  /'
	[ -n "$foreign" ] || rc=1
fi
if [ $rc -eq 0 ]; then
	echo "$what: passed (log $log)"
else
	tail -30 "$log"
	echo "$what: FAILED (exit $rc; log $log)"
fi
exit $rc
