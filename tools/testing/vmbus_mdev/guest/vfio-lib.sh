# SPDX-License-Identifier: GPL-2.0
# Shared by the guest test scripts (first written for the ones that use
# vmbus_mtty through VFIO). Sourced.

BUS=/sys/bus/vmbus_mdev
MTTY=/sys/devices/vmbus_mtty
T1=$MTTY/mdev_supported_types/vmbus_mtty-1
T2=$MTTY/mdev_supported_types/vmbus_mtty-2
U1=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
U2=83b8f4f2-509f-382f-3c1e-e6bfe0fa1002
status=0
prefix=${prefix:-vfio}
. /vmtest/ktap.sh

# result ok|fail|skip NAME [detail]: one KTAP result; a failure's detail
# goes to the console, and the script's exit status becomes 1. A failure
# in a subshell is counted by ktap.sh even though status is lost there.
result() {
	ktap_result "$1" "$2"
	echo "$prefix: $1 $2"
	if [ "$1" = fail ]; then
		[ -n "$3" ] && echo "$prefix: $2: $3"
		status=1
	fi
}
check() {	# check NAME COMMAND...: one result, and COMMAND's success
	name=$1
	shift
	if "$@"; then
		result ok "$name"
	else
		result fail "$name"
		return 1
	fi
}
# write FILE VALUE: prints "ok" or the errno text of the failed write
write() { "$VMTEST_PROGS/sysfs-write" "$1" "$2"; }
expect() {	# expect NAME WANT FILE VALUE
	got=$(write "$3" "$4")
	if [ "$got" = "$2" ]; then result ok "$1"; else result fail "$1" "want '$2', got '$got'"; fi
}
# wait_until SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds;
# fails if it has not within SECONDS.
# The bound is in seconds of /proc/uptime, whatever each try costs.
uptime_cs() { sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime; }
wait_until() {
	local end=$(($(uptime_cs) + $1 * 100))

	shift
	until "$@"; do
		[ "$(uptime_cs)" -lt $end ] || return 1
		sleep 0.1
	done
}
wait_for_file() { wait_until "$2" test -e "$1"; }	# wait_for_file FILE SECONDS
not_running() { ! kill -0 "$1" 2>/dev/null; }		# not_running PID
# pins: user pages pinned now (FOLL_PIN acquired less released). Both are
# node counters that each CPU batches before adding them up, so /proc/vmstat
# alone can lag by a few pages either way (a check once saw -3 after every
# request had been unpinned); writing stat_refresh folds the batches first.
pins() {
	echo 1 >/proc/sys/vm/stat_refresh
	awk '$1 == "nr_foll_pin_acquired" { a = $2 } $1 == "nr_foll_pin_released" { r = $2 } END { print a - r }' /proc/vmstat
}
# wait_pins WANT SECONDS: until two reads of pins in a row, 0.1 s apart,
# are both WANT; fails when SECONDS pass first. Pages of a request whose
# last reference goes in the channel's callback, or after its caller left,
# are unpinned later in a worker, so a single read can be early; and one
# read at WANT on the way to another value does not pass. The last read
# is left in $pins_last; a failure prints it beside WANT, which tells a
# late unpin (a count falling towards WANT) from a leak.
pins_steady_at() {
	local prev=$pins_last

	pins_last=$(pins)
	[ "$pins_last" = "$1" ] && [ "$prev" = "$1" ]
}
wait_pins() {
	pins_last=""
	wait_until "$2" pins_steady_at "$1" && return
	echo "$prefix: pages pinned: want $1, last read $pins_last"
	return 1
}
# client_lines NAME LOG: one result "NAME: WHAT" per line "PROG: ok WHAT"
# or "PROG: FAIL WHAT: ..." of a client's LOG (vfio-client,
# azblob-faults, azblob-faults32), in the order the client wrote them.
client_lines() {
	local name=$1 log=$2

	sed -n 's/^[a-z0-9-]*: ok \(.*\)$/ok \1/p; s/^[a-z0-9-]*: FAIL \([^:]*\).*$/fail \1/p' \
		"$log" >"$log.results"
	# No subshell, so status holds.
	while read -r st c; do
		result "$st" "$name: $c"
	done <"$log.results"
}
# client_results NAME COMMAND...: client_lines of the client's output,
# and one result for its exit status (so a crash cannot pass).
client_results() {
	name=$1
	shift
	"$@" >/tmp/client.log 2>&1
	rc=$?
	client_lines "$name" /tmp/client.log
	grep -q "^[a-z0-9-]*: FAIL" /tmp/client.log && cat /tmp/client.log
	check "$name: client exit status" [ $rc -eq 0 ]
}
# unload MODULE...: rmmod each, in the order given, one check each.
unload() {
	local m

	for m in "$@"; do
		check "unload $m" rmmod $m
	done
}
# vfio_load: the VFIO bus driver and the sample vendor, two checks.
vfio_load() {
	check "load vmbus_mdev_vfio" insmod "$VMTEST_MODDIR/vmbus_mdev_vfio.ko" &&
		check "load vmbus_mtty" insmod "$VMTEST_MODDIR/vmbus_mtty.ko"
}
