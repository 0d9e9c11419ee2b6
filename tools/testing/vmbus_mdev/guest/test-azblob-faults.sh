#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Azure Blob under faults, removal and rescind, with the simulated host's
# knobs: kernel-side timeout, unknown/oversized/duplicate completions,
# kill -9 of a waiter, instance remove with blocked waiters, rescind with
# requests in flight (every page unpinned, /proc/vmstat), re-offer, and
# 30 rescind/re-offer and 100 unbind/bind cycles of the VMBus-side
# driver (the simulated host's platform driver) under a retrying client.
# Both take the same path in the simulated host; unbind is the one the
# issue counts, so rescind gets fewer cycles to keep `make check` short.

prefix=azfault
. /vmtest/vfio-lib.sh

AB=/sys/devices/platform/azblob_sim.0/mdev_supported_types/azure_blob-standard
UA=6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a01
NODE=/dev/azure_blob/$UA
CLI=$VMTEST_PROGS/azblob
# Small buffers: pinning 8190 pages per request is slow under the debug kernel.
export AZBLOB_DATA_LEN=4096
SIM=/sys/kernel/debug/azblob_sim
DBG=/sys/kernel/debug/azure_blob/azblob_sim.0

insmod "$VMTEST_MODDIR/azure_blob.ko" || { result fail "load azure_blob"; exit 1; }
insmod "$VMTEST_MODDIR/azblob_sim.ko" || { result fail "load azblob_sim"; exit 1; }

counter() { awk -v k="$1" '$1 == k { print $2 }' $DBG/counters; }
outstanding() { tail -n +2 $DBG/outstanding | wc -l; }
settle() { sleep 1; }	# abandoned requests are unpinned in a worker
# wait_outstanding N SECONDS: until at least N requests are with the host
# (starting the clients from the host share is slow under TCG)
outstanding_at_least() { [ "$(outstanding)" -ge "$1" ]; }
wait_outstanding() { wait_until "$2" outstanding_at_least "$1"; }

expect "create an instance" ok $AB/create $UA
echo hello >/tmp/small
$CLI $NODE put small /tmp/small >/dev/null
base=$(pins)

# Kernel-side timeout --------------------------------------------------
echo never >$SIM/fault
AZBLOB_TIMEOUT_MS=500 $CLI $NODE get small >/dev/null 2>/tmp/err
t=$(sed -n 's/.*(after \([0-9]*\) ms).*/\1/p' /tmp/err)
check "never-answering host: ETIMEDOUT" grep -q "Connection timed out" /tmp/err
echo "azfault: timeout 500 ms: the ioctl returned after $t ms (grace 1000 ms)"
check "ETIMEDOUT at timeout plus grace (${t} ms, want 1500-2500)" [ "${t:-0}" -ge 1500 -a "${t:-0}" -le 2500 ]
check "abandoned request listed in debugfs" grep -q "$UA" $DBG/outstanding
check "debugfs shows no addresses" sh -c "! grep -qiE '0x|ffff' $DBG/outstanding"
check "its pages stay pinned while the host may use them" [ "$(pins)" -gt "$base" ]

# Malformed and stray completions --------------------------------------
echo unknown-id >$SIM/fault
u0=$(counter unknown_completions)
AZBLOB_TIMEOUT_MS=200 $CLI $NODE get small >/dev/null 2>/tmp/err
check "unknown id: dropped, the request keeps waiting (ETIMEDOUT)" grep -q "Connection timed out" /tmp/err
check "unknown id: counted" [ "$(counter unknown_completions)" -eq $((u0 + 1)) ]
echo oversize >$SIM/fault
m0=$(counter malformed_completions)
$CLI $NODE get small >/dev/null 2>/tmp/err
check "oversized response_len: the request fails with EIO" grep -q "Input/output error" /tmp/err
check "oversized response_len: counted" [ "$(counter malformed_completions)" -eq $((m0 + 1)) ]
echo twice >$SIM/fault
u0=$(counter unknown_completions)
check "duplicate completion: the request succeeds" sh -c "$CLI $NODE get small | cmp -s - /tmp/small"
check "duplicate completion: the second is counted and dropped" \
	[ "$(counter unknown_completions)" -eq $((u0 + 1)) ]
echo normal >$SIM/fault
check "other requests unaffected" sh -c "$CLI $NODE get small | cmp -s - /tmp/small"

# kill -9 of a waiter -------------------------------------------------
echo never >$SIM/fault
n0=$(outstanding)
AZBLOB_TIMEOUT_MS=0 $CLI $NODE get small >/dev/null 2>&1 &
victim=$!
wait_outstanding $((n0 + 1)) 30
kill -9 $victim
wait $victim
check "killed waiter: its request stays with the engine" grep -q "$UA" $DBG/outstanding

# Remove an instance with 8 blocked waiters and the node held open -------
exec 3<>$NODE
n0=$(outstanding)
i=0
while [ $i -lt 8 ]; do
	AZBLOB_TIMEOUT_MS=0 $CLI $NODE get small >/dev/null 2>/tmp/w$i &
	eval w$i=\$!
	i=$((i + 1))
done
check "8 waiters blocked in the host" wait_outstanding $((n0 + 8)) 30
got=$(SYSFS_WRITE_MS=/tmp/remove.ms write $BUS/devices/$UA/remove 1)
t=$(cat /tmp/remove.ms)
check "remove with 8 waiters returns ok" [ "$got" = ok ]
check "remove returned within 2 s ($t ms)" [ $t -le 2000 ]
i=0
while [ $i -lt 8 ]; do
	eval wait \$w$i
	grep -q "No such device" /tmp/w$i || result fail "waiter $i got ENODEV" "$(cat /tmp/w$i)"
	i=$((i + 1))
done
result ok "every waiter got ENODEV"
exec 3>&-
result ok "close after remove"
expect "UUID reusable at once" ok $AB/create $UA

# Rescind with 32 requests in flight ------------------------------------
i=0
while [ $i -lt 32 ]; do
	AZBLOB_TIMEOUT_MS=0 $CLI $NODE get small >/dev/null 2>/tmp/r$i &
	eval r$i=\$!
	i=$((i + 1))
done
check "32 requests in flight" wait_outstanding 32 30
echo "azfault: pages pinned before rescind: $(($(pins) - base))"
echo 1 >$SIM/rescind
fails=0
i=0
while [ $i -lt 32 ]; do
	eval wait \$r$i
	grep -q "No such device" /tmp/r$i || fails=$((fails + 1))
	i=$((i + 1))
done
check "all 32 fail with ENODEV" [ $fails -eq 0 ]
settle
echo "azfault: pages pinned after rescind: $(($(pins) - base))"
check "every page unpinned (nr_foll_pin_acquired - released back to start)" [ "$(pins)" -eq "$base" ]
check "parent gone" [ ! -e $AB ]
check "instance gone" [ ! -e $BUS/devices/$UA ]
echo normal >$SIM/fault
echo 1 >$SIM/offer
expect "re-offer: a fresh parent, create" ok $AB/create $UA
check "re-offer: requests served" sh -c "$CLI $NODE put again /tmp/small >/dev/null &&
	$CLI $NODE get again | cmp -s - /tmp/small"

# Cycles with a client retrying ----------------------------------------
# cycles OFF ON N: N times take the channel away and bring it back, while
# a client keeps creating its instance and storing a blob.
cycles() {
	rm -f /tmp/stop /tmp/served
	(
		while [ ! -e /tmp/stop ]; do
			[ -e $AB/create ] && echo $UA >$AB/create 2>/dev/null
			$CLI $NODE put loop /tmp/small >/dev/null 2>&1 && echo >>/tmp/served
		done
	) &
	client=$!
	wait_for_file /tmp/served 60
	before=$(wc -l </tmp/served)
	i=0
	while [ $i -lt $3 ]; do
		$1
		$2
		i=$((i + 1))
		# Every tenth cycle, let the client recover and be served.
		[ $((i % 10)) -eq 0 ] && served_since "$(wc -l </tmp/served)" 30
	done
	served=$(($(wc -l </tmp/served) - before))
	echo "azfault: $3 cycles of $1/$2: the client was served $served times meanwhile"
	touch /tmp/stop
	wait $client
	[ $served -ge $(($3 / 10)) ]
}
# served_since N SECONDS: until the client has been served more than N times
served_more_than() { [ "$(wc -l </tmp/served)" -gt "$1" ]; }
served_since() { wait_until "$2" served_more_than "$1"; }
rescind() { echo 1 >$SIM/rescind; }
offer() { echo 1 >$SIM/offer; }
PDRV=/sys/bus/platform/drivers/azblob_sim
unbind() { echo azblob_sim.0 >$PDRV/unbind; }
bind() { echo azblob_sim.0 >$PDRV/bind; }

check "30 rescind/re-offer cycles: the retrying client recovers every 10th" \
	cycles rescind offer 30
check "100 unbind/bind cycles of the VMBus-side driver: the client recovers every 10th" \
	cycles unbind bind 100
check "the VMBus-side driver is bound again" [ -e $PDRV/azblob_sim.0 ]
echo $UA >$AB/create 2>/dev/null
check "still serving after the cycles" sh -c "$CLI $NODE put last /tmp/small >/dev/null &&
	$CLI $NODE get last | cmp -s - /tmp/small"
settle
check "no page left pinned" [ "$(pins)" -eq "$base" ]

check "rmmod azblob_sim" rmmod azblob_sim
check "rmmod azure_blob" rmmod azure_blob
exit $status
