#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) a test kernel from Debian's linux-source-6.12 with the fixes
# in kernel-patches/ applied, and print its build directory:
#
#   build-kernel.sh [debug]   x86_64_defconfig + kernel.config (KASAN,
#                             lockdep, kmemleak, ...): make check's kernel
#   build-kernel.sh kcsan     the same + kernel-kcsan.config (KCSAN, which
#                             excludes KASAN): make check-kcsan's
#   build-kernel.sh source    no kernel: the patched source tree only (its
#                             scripts and Sphinx extensions: make docs)
#
# Each flavour is cached under ${XDG_CACHE_HOME:-~/.cache}/vmbus_mdev/ as
# kernel-FLAVOUR-KEY, keyed by its fragments, the patches, the source
# package version and RECIPE below, so a second run returns at once; a
# new build of a flavour deletes that flavour's older builds only. Bump
# RECIPE when the build steps themselves change. The extracted source is
# patched in place and records which patches it has (.patched); another
# set extracts it again.

set -euo pipefail

RECIPE=1
here=$(cd "$(dirname "$0")" && pwd)
flavour=${1:-debug}
case "$flavour" in
debug) fragments=("$here/kernel.config") ;;
kcsan) fragments=("$here/kernel.config" "$here/kernel-kcsan.config") ;;
source) fragments=(/dev/null) ;;
*) echo "usage: build-kernel.sh [debug|kcsan|source]" >&2; exit 2 ;;
esac
tarball=/usr/src/linux-source-6.12.tar.xz
cache=${XDG_CACHE_HOME:-$HOME/.cache}/vmbus_mdev

log() { echo "build-kernel: $*" >&2; }

[ -r "$tarball" ] || { log "$tarball missing (install linux-source-6.12)"; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
shopt -s nullglob
patches=("$here"/kernel-patches/*.patch)	# in order: the glob sorts
shopt -u nullglob
pkey=$(cat /dev/null "${patches[@]}" | sha256sum | cut -c1-16)
key=$( { cat "${fragments[@]}"; echo "$srcver"; echo "recipe $RECIPE"; echo "patches $pkey"; } |
	sha256sum | cut -c1-16)
src=$cache/src-$srcver
out=$cache/kernel-$flavour-$key

if [ "$flavour" != source ] && [ -e "$out/.done" ]; then
	log "reusing cached kernel $out"
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
if [ ! -e "$src/.extracted" ] || [ "$(cat "$src/.patched" 2>/dev/null)" != "$pkey" ]; then
	log "extracting $tarball"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xf "$tarball"
	for p in "${patches[@]}"; do
		log "applying kernel-patches/$(basename "$p")"
		patch -d "$src.tmp" -p1 --batch --forward --fuzz=0 --quiet <"$p"
	done
	echo "$pkey" >"$src.tmp/.patched"
	touch "$src.tmp/.extracted"
	mv "$src.tmp" "$src"
fi
if [ "$flavour" = source ]; then
	echo "$src"
	exit 0
fi

rm -rf "$out"
mkdir -p "$out"
buildlog=$out/build.log
kmake() { make -C "$src" O="$out" "$@"; }

log "configuring $flavour (x86_64_defconfig + ${fragments[*]##*/})"
kmake defconfig >"$buildlog" 2>&1
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${fragments[@]}" \
	>>"$buildlog" 2>&1
kmake olddefconfig >>"$buildlog" 2>&1

# Fail loudly when Kconfig silently dropped something we asked for. A
# later fragment overrides an earlier one, as in merge_config.sh: only an
# option's last line is what was asked for.
bad=0
while IFS= read -r line; do
	opt=${line%%=*}
	val=${line#*=}
	if [ "$val" = n ]; then
		if grep -q "^$opt=" "$out/.config"; then
			log "requested $opt=n, got $(grep "^$opt=" "$out/.config")"
			bad=1
		fi
	elif ! grep -qx "$line" "$out/.config"; then
		got=$(grep -E "^$opt=|^# $opt is not set" "$out/.config" || echo "absent")
		log "requested $line, got: $got"
		bad=1
	fi
done < <(cat "${fragments[@]}" | grep -E '^CONFIG_[A-Za-z0-9_]+=' |
	awk -F= '{ last[$1] = $0; if (!($1 in seen)) order[++n] = $1; seen[$1] = 1 }
		 END { for (i = 1; i <= n; i++) print last[order[i]] }')
if [ $bad -ne 0 ]; then
	log "configuration check failed; fix kernel.config"
	exit 1
fi

jobs=$(nproc)
log "building bzImage and modules with -j$jobs (progress every 500 steps; full log $buildlog)"
start=$SECONDS
if ! kmake -j"$jobs" bzImage modules 2>&1 | tee -a "$buildlog" |
	awk '++n % 500 == 0 { printf "build-kernel: %6d steps ... %s\n", n, $0; fflush() }' >&2; then
	tail -40 "$buildlog" >&2
	log "kernel build failed"
	exit 1
fi
kmake INSTALL_MOD_PATH="$out/mods" INSTALL_MOD_STRIP=1 modules_install >>"$buildlog" 2>&1
log "built in $((SECONDS - start)) s"
touch "$out/.done"
# Keep the cache bounded: this flavour's builds of other configs, and
# sources of other versions and builds named before flavours existed, are
# stale. The other flavour's build stays.
for old in "$cache"/kernel-* "$cache"/src-*; do
	case "${old##*/}" in
	kernel-debug-* | kernel-kcsan-*) [[ "$old" == "$cache/kernel-$flavour-"* ]] || continue ;;
	esac
	[ "$old" = "$out" ] || [ "$old" = "$src" ] || rm -rf "$old"
done
echo "$out"
