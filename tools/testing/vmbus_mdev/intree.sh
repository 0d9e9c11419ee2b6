#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# intree.sh [KOUT]: the project as an in-tree driver. It is copied into a
# copy of the cached linux-source tree, its Kconfig and Makefile entries
# are hooked into drivers/ and samples/, its options are set to "m" over
# the .config of the debug build KOUT (default: the cached one), and
# kbuild builds its modules there as single targets (make DIR/MOD.ko),
# their symbols resolved against KOUT's vmlinux.o, as modpost does in
# the tree. Fails unless every option the .config allows
# stays "m" after olddefconfig and every module is built.
#
# The copy is made of hard links to the cache's files, so nothing here
# may write through one: each file changed is written anew and moved
# over its link, and the project's own files are new names.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

kout=${1:-$(test_kernel)}
src=$(kernel_src)
w=$BUILD/intree
t=$w/src
o=$w/obj
log() { echo "intree: $*"; }

rm -rf "$w"
mkdir -p "$w" "$o"
cp -al "$src" "$t"
cp -r "$TOP/drivers/vmbus_mdev" "$t/drivers/vmbus_mdev"
cp -r "$TOP/kunit" "$t/drivers/vmbus_mdev/kunit"
cp -r "$TOP/samples/vmbus_mtty" "$t/samples/vmbus_mtty"
cp "$TOP/include/linux/vmbus_mdev.h" "$t/include/linux/"
cp "$TOP/include/uapi/misc/azure_blob.h" "$t/include/uapi/misc/"

# replace FILE: standard input becomes FILE's new content, in a new inode
replace() { cat >"$1.new" && mv "$1.new" "$1"; }
awk '/^endmenu/ { last = NR } { l[NR] = $0 }
	END { for (i = 1; i <= NR; i++) { if (i == last) print "source \"drivers/vmbus_mdev/Kconfig\"\n"; print l[i] } }' \
	"$t/drivers/Kconfig" | replace "$t/drivers/Kconfig"
{ cat "$t/drivers/Makefile"; echo 'obj-$(CONFIG_VMBUS_MDEV) += vmbus_mdev/'; } |
	replace "$t/drivers/Makefile"
sed 's|^endif # SAMPLES|source "samples/vmbus_mtty/Kconfig"\n\n&|' "$t/samples/Kconfig" |
	replace "$t/samples/Kconfig"
{ cat "$t/samples/Makefile"; echo 'obj-$(CONFIG_SAMPLE_VMBUS_MTTY) += vmbus_mtty/'; } |
	replace "$t/samples/Makefile"

cp "$kout/.config" "$o/.config"
opts="VMBUS_MDEV VMBUS_MDEV_VFIO AZURE_BLOB AZURE_BLOB_VMBUS VMBUS_MDEV_KUNIT_TEST SAMPLE_VMBUS_MTTY"
args=(-e SAMPLES)
for c in $opts; do args+=(-m "$c"); done
"$t/scripts/config" --file "$o/.config" "${args[@]}"
kmake() { make -C "$t" O="$o" "$@"; }
kmake olddefconfig >"$w/build.log" 2>&1

# What Kconfig must keep: every option, but the VMBus binding only where
# the kernel has Hyper-V.
want="$opts"
grep -q '^CONFIG_HYPERV=[ym]' "$o/.config" || want=${want/AZURE_BLOB_VMBUS /}
bad=0
mods=()
for c in $want; do
	if grep -q "^CONFIG_$c=m" "$o/.config"; then
		log "CONFIG_$c=m"
	else
		log "CONFIG_$c is not m after olddefconfig: $(grep "CONFIG_$c[= ]" "$o/.config" || echo absent)"
		bad=1
	fi
done
[ $bad = 0 ] || exit 1
for m in vmbus_mdev vmbus_mdev_vfio azure_blob; do
	mods+=("drivers/vmbus_mdev/$m.ko")
done
[[ $want == *AZURE_BLOB_VMBUS* ]] && mods+=(drivers/vmbus_mdev/azure_blob_vmbus.ko)
mods+=(drivers/vmbus_mdev/kunit/vmbus_mdev_kunit.ko drivers/vmbus_mdev/kunit/azblob_kunit.ko
	samples/vmbus_mtty/vmbus_mtty.ko)

# What modpost resolves the modules' symbols against (read only).
ln -s "$kout/vmlinux.o" "$o/vmlinux.o"
if ! kmake -j"$(nproc)" W=1 "${mods[@]}" >>"$w/build.log" 2>&1; then
	tail -40 "$w/build.log"
	exit 1
fi
if grep -E "warning:|error:" "$w/build.log"; then
	exit 1
fi
for m in "${mods[@]}"; do
	[ -s "$o/$m" ] || { log "$m was not built"; exit 1; }
	log "built $m"
done
