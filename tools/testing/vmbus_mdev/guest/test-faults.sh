#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own fault injection over every user-triggered path the
# project owns that a sysfs or debugfs write, a VFIO user or an Azure Blob
# client starts: failslab, fail_page_alloc and fail_usercopy, armed per
# task through /proc/thread-self/fail-nth by progs/fail-nth.c (and
# vfio-client's "faults", azblob-faults and azblob-faults32, all with
# fn_sweep() of progs/fail-nth.h), which fail the 1st, 2nd, ... fault
# point of one operation in turn until the operation no longer reaches
# the armed one. After each failure the errno must be ENOMEM or EFAULT
# (what a failed allocation or user copy is) and the same operation,
# repeated, must succeed; a success must be whole (checked in sysfs, or
# in the host's answer); each is undone before the next. At the end: nothing on the bus, every instance and pin
# back, and kmemleak (two scans) silent.
#
# The filters' defaults would hide nearly every fault point of ours:
# ignore-gfp-wait (Y) skips each allocation that may sleep, and
# fail_page_alloc's min-order (1) every single page. Both are set so that
# every allocation counts, and verbose to 0, so that the thousands of
# injected failures print no stack traces (a failure's errno is what is
# checked); all three are restored at the end. Each sweep must reach at
# least the number of fault points given with -p, about two thirds of
# what it measured (the kernel's own, kernfs's buffer and copy, come
# first in every write: "at least one" would prove nothing).
#
# fail-nth is per task, so two sweeps can run at once without touching
# each other's faults: the sweeps run in two lanes, one per vCPU, on
# separate instances (the test vendor and Azure Blob in lane a; vmbus_mtty,
# the driver model and VFIO in lane b). Each step's output and status go
# to files, reported in a fixed order once both lanes are done.
#
# Every type of every vendor is swept, though a vendor's types share its
# create path (they measured the same: test-small 71 to 72 fault points,
# test-bulk 70 to 73; vmbus_mtty-1 199 to 207, vmbus_mtty-2 197 to 198).
#
# Last, alone, the load of a vendor module (fail-nth -k): vmbus_mtty
# (azure_blob by hand, see below). Each attempt costs seconds, not the
# sweeps' fraction of one: a module's teardown waits for the release of its kobject, which
# DEBUG_KOBJECT_RELEASE delays by 1 to 4 s, after a failed load and again
# at each unload. So make check fails only the fault points of the
# module's init (the code that registers its driver or its parent), those
# with a frame of do_one_initcall() on their stack (within the filter's
# 32 frames); FAULTS_MODULE_LOAD=full (this script run by hand in the VM)
# fails the loader's own as well, which take tens of minutes. Either way
# vmalloc()'s internals are spared: a failed vmalloc() prints
# warn_alloc()'s stack trace, which the console scan rightly counts as a
# report, and the loader's vmalloc() calls are not ours. The stack-trace
# filter (FAULT_INJECTION_STACKTRACE_FILTER) does both: require-start/end
# for do_one_initcall(), reject-start/end for
# __vmalloc_node_range_noprof() (each vmalloc() goes through it). It is
# global, so the lanes must be done first.

prefix=faults
. /vmtest/vfio-lib.sh

FN=$VMTEST_PROGS/fail-nth
FI=/sys/kernel/debug
P0=/sys/devices/platform/vmbus_mdev_test.0
TV=$P0/mdev_supported_types
AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
ABB=${AB%-standard}-bulk
SIM=/sys/kernel/debug/azblob_sim
ON=/sys/module/vmbus_mdev_testvendor/parameters/online
VFIO=$BUS/drivers/vmbus_mdev_vfio
UA=0b4d6f1e-2a3c-4e5f-8a9b-1c2d3e4f5a6b
UB=0b4d6f1e-2a3c-4e5f-8a9b-1c2d3e4f5a6c
DA=$BUS/devices/$UA
DB=$BUS/devices/$UB
NL='
'
keep=

# step LANE NAME COMMAND...: run COMMAND, keep its output and status for
# report; unless $keep, an instance a failed step left behind is removed,
# so that it does not fail the next steps too.
step() {
	local lane=$1 name=$2 n dev

	shift 2
	n=$(($(cat /tmp/lane-$lane/n) + 1))
	echo $n >/tmp/lane-$lane/n
	"$@" >/tmp/lane-$lane/$n.out 2>&1
	echo "$? $name" >/tmp/lane-$lane/$n.rc
	dev=$DA
	[ $lane = a ] || dev=$DB
	[ -n "$keep" ] || [ ! -e $dev ] || write $dev/remove 1 >/dev/null
}
sweep() {	# sweep LANE NAME fail-nth-ARGS...
	local lane=$1 name=$2

	shift 2
	step $lane "fault sweep: $name" "$FN" -n "$name" "$@"
}
# report LANE: each step as one result, each "PROG: ok|FAIL" line of a
# client's output (client_lines) as one more, the output on the console
report() {
	local i=1 rc name

	while [ $i -le "$(cat /tmp/lane-$1/n)" ]; do
		read -r rc name </tmp/lane-$1/$i.rc
		head -40 /tmp/lane-$1/$i.out
		client_lines "$name" /tmp/lane-$1/$i.out
		check "$name" [ "$rc" -eq 0 ]
		i=$((i + 1))
	done
}

check "load test vendor" insmod "$VMTEST_MODDIR/vmbus_mdev_testvendor.ko" || exit 1
vfio_load || exit 1
check "load azure_blob" insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
check "load azblob_sim" insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1

for t in $TV/test-small $TV/test-bulk $T1 $T2 $AB $ABB; do
	echo "$t $(cat $t/available_instances)"
done >/tmp/instances.before
pins_before=$(pins)

for f in failslab fail_page_alloc fail_usercopy; do
	cat $FI/$f/verbose >/tmp/verbose.$f
done
cat $FI/fail_page_alloc/min-order >/tmp/min-order
for f in failslab fail_page_alloc; do
	cat $FI/$f/ignore-gfp-wait >/tmp/ignore-gfp-wait.$f
done
for l in a b m; do
	rm -rf /tmp/lane-$l
	mkdir -p /tmp/lane-$l
	echo 0 >/tmp/lane-$l/n
done
for f in failslab fail_page_alloc fail_usercopy; do
	check "$f: no stack trace per injected failure (verbose 0)" \
		sh -c "echo 0 >$FI/$f/verbose"
done
# For the record, and to show that the knobs below matter: one create at
# the filters' defaults (compared with the same sweep after them, below).
sweep b "create ${T2##*/} at the defaults" -u $DB/remove=1 -x $DB/mdev_type \
	-l $DB/driver=vmbus_mdev_vfio $T2/create $UB
for f in failslab fail_page_alloc; do
	check "$f: every allocation may fail (ignore-gfp-wait N)" \
		sh -c "echo N >$FI/$f/ignore-gfp-wait"
done
check "fail_page_alloc: single pages too (min-order 0)" \
	sh -c "echo 0 >$FI/fail_page_alloc/min-order"

# Lane a: the test vendor and Azure Blob. A create is whole when the
# instance is there with its type link and bound to the driver that
# takes it by itself.
lane_a() {
	for t in test-small test-bulk; do
		sweep a "create $t" -p 45 -u $DA/remove=1 -x $DA/mdev_type \
			-l $DA/driver=vmbus_mdev_test_a $TV/$t/create $UA
	done
	for t in $AB $ABB; do
		sweep a "create ${t##*/}" -p 90 -u $DA/remove=1 -x $DA/mdev_type \
			-l $DA/driver=azure_blob -x /dev/azure_blob/$UA $t/create $UA
	done
	sweep a "remove (test vendor)" -p 8 -s $TV/test-small/create=$UA -X $DA \
		$DA/remove 1
	sweep a "remove (Azure Blob)" -p 13 -s $AB/create=$UA -X $DA $DA/remove 1
	# Opening the node, each kind of request (64-bit and compat), close.
	keep=1
	step a "an Azure Blob instance for its node" write $AB/create $UA
	for c in azblob-faults azblob-faults32; do
		step a "fault sweep: $c" "$VMTEST_PROGS/$c" /dev/azure_blob/$UA
	done
	keep=
	step a "remove it" write $DA/remove 1
	# Parents: the test vendor's registered again, the simulated host's
	# channel offered again after a rescind.
	# EINVAL too: the test vendor's parents are platform devices, and
	# platform_device_add() ignores a failure of dev_set_name(), after
	# which device_add() refuses the nameless device with EINVAL.
	sweep a "parent registration (test vendor)" -p 200 \
		-e ENOMEM,EFAULT,EINVAL -s $ON=0 \
		-x $TV/test-small/create \
		-x /sys/devices/platform/vmbus_mdev_test.1/mdev_supported_types $ON 1
	sweep a "channel re-offer (Azure Blob)" -p 70 -s $SIM/rescind=1 -x $AB/create \
		$SIM/offer 1
}

# vfio_nodes_fix: undo what a kernel bug the sweeps reach does to
# /dev/vfio. device_del() of a VFIO group runs devtmpfs_delete_node(),
# which allocates the node's name (vfio_devnode()'s kasprintf()) and, when
# that fails, leaves the node behind; a later group of the same number
# then gets no node (devtmpfs finds the name taken), and opening the stale
# one fails with ENXIO. Nodes of no live group are removed, and missing
# ones made, as udev would; what was done is printed.
vfio_nodes_fix() {
	local n g want

	for n in /dev/vfio/[0-9]*; do
		[ -e "$n" ] || continue
		g=${n##*/}
		want=$(cat /sys/class/vfio/$g/dev 2>/dev/null)
		# shellcheck disable=SC2046 # major and minor, in hex
		set -- $(stat -c '%t %T' $n)
		[ "$want" = "$(printf '%d:%d' 0x$1 0x$2)" ] && continue
		echo "faults: stale node $n (devtmpfs_delete_node() failed)"
		rm -f $n
	done
	for g in /sys/class/vfio/[0-9]*; do
		[ -e "$g" ] && [ ! -e /dev/vfio/${g##*/} ] || continue
		echo "faults: missing node /dev/vfio/${g##*/}, made"
		mknod -m 0600 /dev/vfio/${g##*/} c $(tr ':' ' ' <$g/dev)
	done
}

# Lane b: vmbus_mtty, the driver model, a VFIO user.
lane_b() {
	for t in $T2 $T1; do
		sweep b "create ${t##*/}" -p 130 -u $DB/remove=1 -x $DB/mdev_type \
			-l $DB/driver=vmbus_mdev_vfio $t/create $UB
	done
	sweep b "remove (vmbus_mtty)" -p 15 -s $T2/create=$UB -X $DB $DB/remove 1
	keep=1
	step b "an instance for the driver model" write $T2/create $UB
	# Opening, region access, SET_IRQS, reset, close.
	vfio_nodes_fix
	step b "fault sweep: VFIO uses" "$VMTEST_PROGS/vfio-client" $DB faults
	sweep b "unbind" -p 13 -u $VFIO/bind=$UB -X $DB/driver $VFIO/unbind $UB
	sweep b "bind" -p 95 -s $VFIO/unbind=$UB -l $DB/driver=vmbus_mdev_vfio \
		$VFIO/bind $UB
	sweep b "driver_override" -p 4 -u "$DB/driver_override=$NL" \
		-f $DB/driver_override=vmbus_mdev_test_b $DB/driver_override vmbus_mdev_test_b
	# The driver core reports a failed attach through drivers_probe as
	# EINVAL, whatever the cause, and a failed probe not at all (it only
	# logs it): so EINVAL is allowed, and a success may leave the
	# instance unbound, but then a drivers_probe without a fault must
	# bind it (the undo), which the next setup's unbind checks.
	sweep b "drivers_probe" -p 95 -e ENOMEM,EFAULT,EINVAL -s $VFIO/unbind=$UB \
		-u $BUS/drivers_probe=$UB $BUS/drivers_probe $UB
	step b "bound after the drivers_probe sweep" \
		test "$(basename "$(readlink $DB/driver)")" = vmbus_mdev_vfio
	keep=
	step b "remove it" write $DB/remove 1
}

lane_a &
lane_a_pid=$!
lane_b
wait $lane_a_pid
vfio_nodes_fix
report a
report b
# fail-nth's count of a sweep in lane b, by its name
points() {
	sed -n "s/^fail-nth: $1: \([0-9]*\) fault points.*/\1/p" /tmp/lane-b/*.out
}
d=$(points "create ${T2##*/} at the defaults")
t=$(points "create ${T2##*/}")
echo "faults: create ${T2##*/}: $d fault points at the filters' defaults, $t with every allocation"
check "the defaults would hide most fault points ($d, not $t)" \
	sh -c '[ -n "$1" ] && [ -n "$2" ] && [ $(($1 * 4)) -lt "$2" ]' _ "$d" "$t"
check "nothing left on the bus" sh -c "[ -z \"\$(ls $BUS/devices)\" ]"
for t in $TV/test-small $TV/test-bulk $T1 $T2 $AB $ABB; do
	echo "$t $(cat $t/available_instances)"
done >/tmp/instances.after
check "every type's available_instances back" cmp /tmp/instances.before /tmp/instances.after ||
	diff /tmp/instances.before /tmp/instances.after
for u in $UA $UB; do
	expect "UUID $u free again" ok $T2/create $u
	expect "and removed" ok $BUS/devices/$u/remove 1
done
check "every page pinned is unpinned" wait_pins "$pins_before" 10

# Loading a vendor module, alone (see the top). fn_sweep() unloads the
# module after each load that went through.
sym_range() {	# SYMBOL: its start and end (the next symbol's address)
	awk -v s="$1" '$3 == s { a = $1; next }
		a != "" && $1 != a { print "0x" a, "0x" $1; exit }' /proc/kallsyms
}
# filter NAME START END: a check that NAME's range is a function's, then
# writes it as the filters' require- or reject- range
filter() {
	check "$1-start/end: $2 to $3" sh -c '[ -n "$1" ] && [ $(($2 - $1)) -gt 0 ] &&
		[ $(($2 - $1)) -lt 65536 ]' _ "$2" "$3" || return 1
	for f in failslab fail_page_alloc fail_usercopy; do
		echo "$2" >$FI/$f/$1-start && echo "$3" >$FI/$f/$1-end || return 1
	done
}
# shellcheck disable=SC2046 # the two addresses
filter reject $(sym_range __vmalloc_node_range_noprof)
if [ "${FAULTS_MODULE_LOAD:-init}" = full ]; then
	load=load p_ab=100 p_mt=200
else
	# shellcheck disable=SC2046
	filter require $(sym_range do_one_initcall)
	load="init of" p_ab=30 p_mt=75
fi
unload azblob_sim azure_blob vmbus_mtty
# Not by default: a failed init of azure_blob leaves its driver's sysfs
# directory behind, and a later load fails with EEXIST ("sysfs: cannot
# create duplicate filename '/bus/vmbus_mdev/drivers/azure_blob'", with a
# stack trace) or EINVAL; open, see the testing docs. FAULTS_AZBLOB_LOAD=1
# sweeps it (one result more).
if [ "${FAULTS_AZBLOB_LOAD:-0}" = 1 ]; then
	sweep m "$load azure_blob" -p $p_ab -x $BUS/drivers/azure_blob \
		-k "$VMTEST_MODDIR/azure_blob.ko"
fi
sweep m "$load vmbus_mtty" -p $p_mt -x $T1/create -x $T2/create \
	-k "$VMTEST_MODDIR/vmbus_mtty.ko"
report m
for f in failslab fail_page_alloc fail_usercopy; do
	echo 0 >$FI/$f/reject-start
	echo 0 >$FI/$f/reject-end
	echo 0 >$FI/$f/require-start
	echo 0xffffffffffffffff >$FI/$f/require-end
done
for f in failslab fail_page_alloc; do
	cat /tmp/ignore-gfp-wait.$f >$FI/$f/ignore-gfp-wait
done
for f in failslab fail_page_alloc fail_usercopy; do
	cat /tmp/verbose.$f >$FI/$f/verbose
done
cat /tmp/min-order >$FI/fail_page_alloc/min-order
check "both load again, without a fault" sh -c \
	"insmod $VMTEST_MODDIR/azure_blob.ko && insmod $VMTEST_MODDIR/vmbus_mtty.ko && test -e $T2/create"

unload vmbus_mtty azure_blob vmbus_mdev_vfio vmbus_mdev_testvendor

# kmemleak reports objects at least 5 s old, found unreferenced twice.
kmemleak=/sys/kernel/debug/kmemleak
if [ -e $kmemleak ]; then
	sleep 6
	echo scan >$kmemleak
	echo scan >$kmemleak
	check "kmemleak: nothing unreferenced after the sweeps" [ ! -s $kmemleak ] ||
		head -40 $kmemleak
else
	result fail "kmemleak: nothing unreferenced after the sweeps" "no $kmemleak"
fi
exit $status
