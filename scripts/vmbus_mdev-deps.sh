#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing vmbus_mdev needs on Debian 12.
# As root, missing packages are installed with apt-get; otherwise the
# exact command to run is printed and the script fails.

set -euo pipefail

packages=(
	make gcc libc6-dev bc flex bison libelf-dev libssl-dev dwarves cpio
	kmod xz-utils rsync python3 perl sparse gcc-multilib patch
	qemu-system-x86 busybox-static trinity python3-sphinx
	linux-source-6.12 linux-headers-6.12-amd64 linux-image-6.12-amd64
)

missing=()
for p in "${packages[@]}"; do
	# dpkg-query prints "install ok installed" only for a fully installed package
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "vmbus_mdev: missing packages; run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi

echo "vmbus_mdev: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends ${missing[*]}
