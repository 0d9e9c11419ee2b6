#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fuzzing: the structured fuzzer of the Azure Blob ioctl (progs/azblob-fuzz.c,
# 64-bit and 32-bit callers), that of a vmbus_mtty card's VFIO device fd
# (progs/vfio-fuzz.c: VFIO_CALLS calls, default 4000, from FUZZ_SEED, on a
# dual-port and a single-port card, while its own second thread makes the
# card interrupt), then Debian's trinity. Between the first two, azblob-fuzz
# -r: FUZZ_CALLS / 3 calls from three threads while the file is closed,
# the instance removed or its channel rescinded under them.
#
# azblob-fuzz draws FUZZ_CALLS calls (default 3000) from seed FUZZ_SEED
# (default 1: make check's result depends on the code only) with lengths, offsets and memory of every kind
# around every limit, and holds each result to what the ABI's rules say
# (its own table, written from azure_blob.rst): it fails on any other
# result, a success on invalid input above all, printing the call and the
# seed that replays it.
#
# Trinity (the host's binary, run in a chroot of the host share,
# as nested-qemu.sh runs QEMU) fuzzes the project's files only. Each
# target below is one run whose victim directory (-V) holds only the
# target's files, bind-mounted there one by one: trinity's walk of a
# victim directory follows symlinks, and sysfs is full of them (driver,
# module, subsystem, iommu_group), which would take it to other buses'
# bind files and other modules' parameters. Its only file-descriptor
# provider is that of those files (--enable-fds=pseudo: its name for
# them; bpf, userfaultfd and the rest are off), and it makes only the system
# calls that act on a file (open, read, write, ioctl, mmap, splice, ...),
# so that what it reaches is our code and the VFS in front of it, with
# the debug kernel watching (the host scans the console).
#
# Runs as root (--dangerous): every node of ours is 0600 root and every
# sysfs file it writes is root-only, so an unprivileged trinity would get
# EACCES at each open and fuzz nothing of ours. TRINITY_OPS system calls
# per target (default 2000; "make fuzz" raises it), 2 children, seed
# TRINITY_SEED (default 1; "make fuzz" draws one, printed so a failure
# can be replayed). Trinity may remove the instances, unbind them or override
# their driver; that is part of the test. Afterwards every instance is
# removed, and then nothing may be left: no device, every type's
# available_instances and every pin back, both UUIDs free. Its errno
# counts per target are printed (--stats).

prefix=fuzz
. /vmtest/vfio-lib.sh

AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
UA=7d1a5c3e-0f2b-4c6d-8e9f-a1b2c3d4e5f6
OPS=${TRINITY_OPS:-2000}
SEED=${TRINITY_SEED:-1}
CALLS=${FUZZ_CALLS:-3000}
FSEED=${FUZZ_SEED:-1}
SYSCALLS="open openat read write pread64 pwrite64 readv writev lseek ioctl
	mmap close fcntl poll splice"

check "host has trinity" [ -x /host/usr/bin/trinity ] || exit 1
vfio_load || exit 1
check "load azure_blob" insmod "$VMTEST_MODDIR/azure_blob.ko" || exit 1
check "load azblob_sim" insmod "$VMTEST_MODDIR/azblob_sim.ko" || exit 1
for t in $T1 $T2 $AB; do
	echo "$t $(cat $t/available_instances)"
done >/tmp/trinity.before
pins_before=$(pins)
expect "create a vmbus_mtty instance" ok $T2/create $U1
expect "create an Azure Blob instance" ok $AB/create $UA
for c in azblob-fuzz azblob-fuzz32; do
	echo "fuzz: $c: $CALLS calls, seed $FSEED"
	"$VMTEST_PROGS/$c" /dev/azure_blob/$UA $CALLS $FSEED >/tmp/$c.out 2>&1
	rc=$?
	# Its first 22 lines and its last 3, each once
	awk -v n="$(wc -l </tmp/$c.out)" 'NR <= 22 || NR > n - 3' /tmp/$c.out
	check "$c: every call as the ABI says (seed $FSEED)" [ $rc -eq 0 ]
done
# The same calls from three threads of one open file while the file is
# closed, the instance removed or its channel rescinded under them
# (azblob-fuzz -r): a call after the end fails with EBADF or ENODEV.
SIM=/sys/kernel/debug/azblob_sim
RCALLS=$((CALLS / 3 > 60 ? CALLS / 3 : 60))
race() {
	echo "fuzz: azblob-fuzz -r, $1: $RCALLS calls, seed $FSEED"
	"$VMTEST_PROGS/azblob-fuzz" -r "$2" /dev/azure_blob/$UA $RCALLS $FSEED \
		>/tmp/azblob-race.out 2>&1
	rc=$?
	grep "^azblob-fuzz" /tmp/azblob-race.out | head -24
	check "azblob-fuzz, calls racing $1: every call as the ABI says (seed $FSEED)" \
		[ $rc -eq 0 ]
}
race "a close" close
check "the instance is still there after the close" [ -e $BUS/devices/$UA ]
race "a remove" "echo 1 >$BUS/devices/$UA/remove"
check "the instance is gone after the remove" [ ! -e $BUS/devices/$UA ]
expect "create the Azure Blob instance again" ok $AB/create $UA
race "a rescind" "echo 1 >$SIM/rescind"
check "the instance is gone after the rescind" [ ! -e $BUS/devices/$UA ]
check "the simulated host offers the channel again" sh -c "echo 1 >$SIM/offer"
expect "create the Azure Blob instance again" ok $AB/create $UA
# The VFIO device fd of a dual-port card, then of a single-port one.
VCALLS=${VFIO_CALLS:-4000}
expect "create a single-port vmbus_mtty instance" ok $T1/create $U2
for c in "$U1 2" "$U2 1"; do
	set -- $c
	echo "fuzz: vfio-fuzz: $2-port card, $VCALLS calls, seed $FSEED"
	"$VMTEST_PROGS/vfio-fuzz" $BUS/devices/$1 $2 $VCALLS $FSEED >/tmp/vfio-fuzz.out 2>&1
	rc=$?
	grep "^vfio-fuzz" /tmp/vfio-fuzz.out | head -32
	check "vfio-fuzz, $2-port card: every call as the ABI says (seed $FSEED)" [ $rc -eq 0 ]
done
expect "the single-port instance removed" ok $BUS/devices/$U2/remove 1
for d in dev sys proc tmp; do
	check "bind-mount /$d into the host share" mount --bind /$d /host/$d
done

V=/host/tmp/trinity-victims
# victim TARGET FILE...: bind-mount each FILE into TARGET's victim
# directory, named after its path
victim() {
	local dir=$V/$1 f m

	shift
	mkdir -p $dir
	for f in "$@"; do
		m=$dir/$(echo "$f" | tr / _)
		: >$m
		mount --bind "$f" $m || return 1
	done
}
# fuzz NAME TARGET: one trinity run; its summary and errno counts printed
fuzz() {
	local args="" c out=/tmp/trinity-$2.out

	for c in $SYSCALLS; do
		args="$args -c $c"
	done
	echo "trinity: $1: seed $SEED, $OPS system calls on:" $(ls $V/$2)
	# shellcheck disable=SC2086 # the -c list, split on purpose
	timeout -s KILL $((600 + OPS / 5)) chroot /host sh -c \
		"cd /tmp && exec /usr/bin/trinity --dangerous -q -l off \
		-C 2 -N $OPS -s $SEED -V /tmp/trinity-victims/$2 --stats \
		--enable-fds=pseudo \
		$args" >$out 2>&1
	c=$?
	# timeout kills trinity's main process only: its children too, before
	# the victims are unmounted.
	killall -KILL trinity 2>/dev/null
	wait_until 30 sh -c '! pidof trinity >/dev/null'
	# The totals, and the ioctl's counts by errno (of 32- and 64-bit calls)
	awk '/^\[main\] Ran/ { print; next }
		/^(32|64)bit:/ { bits = $1; next }
		/^[a-z0-9_]+: \(attempted/ { io = $1 == "ioctl:"; if (io) print bits, $0; next }
		/^    / && io { print }' $out | sed "s/^/trinity: $1: /"
	check "trinity on $1: ran to its end (seed $SEED)" [ $c -eq 0 ] ||
		tail -20 $out
	check "trinity on $1: issued system calls" \
		grep -q "^\[main\] Ran [1-9][0-9]* syscalls" $out
}
D1=$BUS/devices/$U1
DA=$BUS/devices/$UA
check "the Azure Blob node as a victim" victim azblob /dev/azure_blob/$UA
group=$(basename "$(readlink $D1/iommu_group)")
check "the VFIO container, group and device nodes as victims" \
	victim vfio /dev/vfio/vfio /dev/vfio/$group $(ls -d /dev/vfio/devices/* 2>/dev/null)
check "the sysfs files as victims" victim sysfs $T2/create $AB/create \
	$T2/available_instances $AB/available_instances $D1/remove $DA/remove \
	$D1/driver_override $DA/driver_override \
	$BUS/drivers/vmbus_mdev_vfio/bind $BUS/drivers/vmbus_mdev_vfio/unbind \
	$BUS/drivers/azure_blob/bind $BUS/drivers/azure_blob/unbind
fuzz "the Azure Blob node" azblob
fuzz "the VFIO nodes" vfio
fuzz "the sysfs files" sysfs
for m in $V/*/*; do
	umount $m || echo "trinity: cannot unmount $m"
done
rm -rf $V

for d in tmp proc sys dev; do
	check "unmount /host/$d" umount /host/$d
done
# Every instance that trinity left, removed.
for d in $BUS/devices/*; do
	[ -e "$d" ] || continue
	echo "trinity: left by trinity: ${d##*/}, driver" \
		"$(basename "$(readlink $d/driver 2>/dev/null)")"
	write $d/remove 1 >/dev/null
done
check "nothing left on the bus" sh -c "[ -z \"\$(ls $BUS/devices)\" ]"
for t in $T1 $T2 $AB; do
	echo "$t $(cat $t/available_instances)"
done >/tmp/trinity.after
check "every type's available_instances back" \
	cmp /tmp/trinity.before /tmp/trinity.after ||
	diff /tmp/trinity.before /tmp/trinity.after
expect "vmbus_mtty's UUID free again" ok $T2/create $U1
expect "and removed" ok $BUS/devices/$U1/remove 1
expect "Azure Blob's UUID free again" ok $AB/create $UA
expect "and removed" ok $BUS/devices/$UA/remove 1
check "every page pinned is unpinned" wait_pins "$pins_before" 10

unload azblob_sim azure_blob vmbus_mtty vmbus_mdev_vfio
exit $status
