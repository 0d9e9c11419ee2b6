#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A real guest drives a vmbus_mtty card: QEMU (the host's binary, run in a
# chroot of the host share) assigns the card with vfio-pci to a guest
# running Debian's stock kernel, whose 8250_pci binds it and passes data
# through both ports (guest/nested-init). Then "remove" of the card held by
# QEMU: QEMU gets the request eventfd, unplugs the card from its guest,
# closes the device, and only then does remove return.

prefix=qemu
. /vmtest/vfio-lib.sh

vfio_load || exit 1
kernel=$(cd /host && ls boot/vmlinuz-6.12*-amd64 2>/dev/null | sort -V | tail -1)
check "host has qemu-system-x86_64 and a Debian 6.12 kernel" \
	[ -n "$kernel" -a -x /host/usr/bin/qemu-system-x86_64 ] || exit 1

expect "create a dual-port card" ok $T2/create $U1

# QEMU runs from the host's root; the VM's /dev, /sys, /proc and /tmp
# stand in for the host's inside the chroot.
for d in dev sys proc tmp; do
	check "bind-mount /$d into the host share" mount --bind /$d /host/$d
done
console=/tmp/nested-console.log
# The nested guest's CPU has no CMPXCHG16B (-cx16), so that its kernel's
# SLUB fast path does not use it. Both nested crashes of one full run
# (a double fault in kmem_cache_alloc_node_noprof(), a spurious #DB in
# __kmalloc_cache_noprof()) faulted on the instruction after that fast
# path's "gs cmpxchg16b; jnz", with nonsense EFLAGS on the exception
# frame: TCG inside TCG gets the flags of cmpxchg16b wrong now and then
# (the IRET fault of do_sync_core() seen before had nonsense EFLAGS too).
# Without it the kernel takes SLUB's other path; nothing of the card's
# test depends on it.
boot_nested() {
	: >$console
	chroot /host /usr/bin/qemu-system-x86_64 -machine pc -accel tcg -m 256 \
		-cpu qemu64,-cx16 \
		-smp 1 -nodefaults -display none -no-reboot -monitor none \
		-chardev file,id=con,path=$console -serial chardev:con \
		-kernel /$kernel -initrd "$VMTEST_HOST_BUILD/nested/initramfs.gz" \
		-append "console=ttyS0 8250.nr_uarts=8 panic=-1 loglevel=7 no_timer_check" \
		-device vfio-pci,sysfsdev=$BUS/devices/$U1 >/tmp/qemu.log 2>&1 &
	qemu=$!
	# Boot and the data test: about 100 s under TCG, 250 s when the
	# outer kernel is the debug kernel. loglevel=7: the console shows
	# the enumeration of the card, which tcg_crash() looks for.
	n=0
	while ! grep -q "NESTED-READY" $console && kill -0 $qemu 2>/dev/null &&
		[ $n -lt 700 ]; do
		sleep 1
		n=$((n + 1))
	done
}
# A boot that ended in the emulator's own crash (tcg_crash, in
# tcg-crash.sh, which says what is matched and why) says nothing about the
# card, and is the one case in which the nested guest boots again (up to
# twice more, and logged). Any other report fails the run: the console of
# the boot that counts is printed with the prefix "nested| ", which the
# host scans like its own. A retried boot's console goes to the results
# file as KTAP diagnostics, out of the scan.
. /vmtest/tcg-crash.sh
boot_nested
retries=2
while [ $retries -gt 0 ] && tcg_crash $console; do
	echo "qemu: the nested kernel crashed with the known TCG signature;" \
		"booting again ($retries retries left)," \
		"its console is in the results"
	ktap_diag "nested-retried: the known TCG crash; its console:"
	while IFS= read -r line; do
		ktap_diag "nested-retried| $line"
	done <$console
	kill $qemu 2>/dev/null
	wait $qemu
	retries=$((retries - 1))
	boot_nested
done
echo "qemu: nested guest ready after ${n}s"
grep "NESTED" $console | sed 's/^/qemu: /'
check "nested guest booted and ran its tests" grep -q "NESTED-READY" $console
for what in "8250_pci bound the card" "loopback through" "2 ports" "INTx delivered"; do
	check "nested: $what" grep -q "NESTED: ok $what" $console
done
check "nested guest reported no failure" sh -c "! grep -q 'NESTED: fail' $console"

# Remove while QEMU holds the card. If QEMU never lets go, stopping it
# closes the device and lets remove finish, so the test can report.
start=$(date +%s)
write $BUS/devices/$U1/remove 1 >/tmp/remove.out &
remover=$!
check "QEMU let go of the card within 120 s" wait_until 120 not_running $remover ||
	kill $qemu
wait $remover
took=$(($(date +%s) - start))
echo "qemu: remove returned after ${took}s"
check "remove of a card held by QEMU returns ok" [ "$(cat /tmp/remove.out)" = ok ]
check "card gone" [ ! -e $BUS/devices/$U1 ]

check "nested guest powered off" wait_until 60 not_running $qemu || kill $qemu
wait $qemu
check "QEMU exited cleanly" [ $? -eq 0 ]
check "nested guest saw the hot-unplug" grep -q "NESTED: ok card hot-unplugged" $console
grep -v "^$" /tmp/qemu.log | sed 's/^/qemu: /'
# The whole console of the boot that counts, for the host's splat scan.
sed 's/^/nested| /' $console
expect "UUID free again" ok $T2/create $U1
expect "remove it" ok $BUS/devices/$U1/remove 1

for d in tmp proc sys dev; do
	check "unmount /host/$d" umount /host/$d
done
check "unload vmbus_mtty" rmmod vmbus_mtty
check "unload vmbus_mdev_vfio" rmmod vmbus_mdev_vfio
exit $status
