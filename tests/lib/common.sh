# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/common.sh: helpers for zcio's shell tests and harness scripts.
#
# Source it from a test with
#     . "$ZCIO_ROOT/tests/lib/common.sh"
# Everything here works under `set -eu`.  Tests exit 0 to pass, 77 to skip
# and anything else to fail; skip/fail/die below print their message on
# stderr, and the runner shows the last line of output as the reason.

# --- results ---------------------------------------------------------------

# skip MSG: this test cannot run here (missing tool, kernel feature, ...).
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# fail MSG: the behaviour under test is wrong.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# die MSG: the test itself could not be set up (counts as a failure).
die() {
	echo "ERROR: $*" >&2
	exit 1
}

# require_root: skip unless running as root.
require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

# require_cmd CMD...: skip unless every CMD is on PATH.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c"
	done
}

# --- devices ---------------------------------------------------------------

# wait_for_dev PATH [SECONDS]: wait until PATH is a block or character
# device node (default 10 s).
wait_for_dev() {
	local path=$1 tries=$((${2:-10} * 10))
	while [ ! -b "$path" ] && [ ! -c "$path" ]; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || die "$path did not appear"
		sleep 0.1
	done
}

# brd_teardown: unload brd if loaded.  Safe to call twice.
brd_teardown() {
	[ -d /sys/module/brd ] || return 0
	modprobe -r brd 2>/dev/null || rmmod brd || die "cannot unload brd (still in use?)"
}

# brd_setup SIZE_MIB: load a fresh brd with one RAM disk of SIZE_MIB MiB,
# print its path (/dev/ram0).
brd_setup() {
	local mib=${1:?brd_setup SIZE_MIB}
	brd_teardown
	modprobe brd rd_nr=1 rd_size=$((mib * 1024)) max_part=0 ||
		die "cannot load brd"
	wait_for_dev /dev/ram0
	echo /dev/ram0
}

NULLB_CONFIGFS=/sys/kernel/config/nullb

# nullb_create NAME [ATTR=VALUE...]: create a null_blk device through
# configfs with the given attributes (e.g. memory_backed=1 blocksize=4096
# size=64, size in MiB), power it on and print its /dev path.
nullb_create() {
	local name=${1:?nullb_create NAME [ATTR=VALUE...]} kv dir dev
	shift
	if [ ! -d "$NULLB_CONFIGFS" ]; then
		if ! grep -q configfs /proc/mounts; then
			mount -t configfs configfs /sys/kernel/config ||
				die "cannot mount configfs"
		fi
		modprobe null_blk nr_devices=0 || die "cannot load null_blk"
	fi
	[ -d "$NULLB_CONFIGFS" ] || die "null_blk has no configfs interface"
	dir=$NULLB_CONFIGFS/$name
	[ ! -e "$dir" ] || nullb_destroy "$name"
	mkdir "$dir" || die "cannot create $dir"
	for kv in "$@"; do
		case $kv in
		*=*) ;;
		*) die "nullb_create: '$kv' is not ATTR=VALUE" ;;
		esac
		[ -e "$dir/${kv%%=*}" ] || die "null_blk has no attribute ${kv%%=*}"
		echo "${kv#*=}" >"$dir/${kv%%=*}" || die "cannot set $kv"
	done
	echo 1 >"$dir/power" || die "cannot power on null_blk $name"
	# Since 5.18 a configfs-made disk takes the item's NAME; module
	# parameter disks (and older kernels) are nullb<index>.
	dev=$(nullb_dev_path "$name" "$(cat "$dir/index")") || die "null_blk $name has no /dev node"
	echo "$dev"
}

# nullb_dev_path NAME INDEX: wait for the disk of a configfs null_blk
# device and print its /dev path.
nullb_dev_path() {
	local tries=100
	while [ "$tries" -gt 0 ]; do
		if [ -b "/dev/$1" ]; then
			echo "/dev/$1"
			return 0
		elif [ -b "/dev/nullb$2" ]; then
			echo "/dev/nullb$2"
			return 0
		fi
		tries=$((tries - 1))
		sleep 0.1
	done
	return 1
}

# nullb_destroy NAME: power off and remove a null_blk device.  Safe to call
# twice or for a device that was never created.
nullb_destroy() {
	local dir=$NULLB_CONFIGFS/${1:?nullb_destroy NAME}
	[ -d "$dir" ] || return 0
	echo 0 >"$dir/power" 2>/dev/null || true
	rmdir "$dir" || die "cannot remove $dir"
}

# --- accounting ------------------------------------------------------------

# vmstat_pins: print "ACQUIRED RELEASED" from /proc/vmstat (FOLL_PIN pages).
# The per-CPU deltas are folded first (vm/stat_refresh), otherwise the two
# totals can differ by up to a threshold per CPU even with no pin held.
vmstat_pins() {
	cat /proc/sys/vm/stat_refresh >/dev/null 2>&1 || true
	awk '$1 == "nr_foll_pin_acquired" { a = $2 }
	     $1 == "nr_foll_pin_released" { r = $2 }
	     END { print a + 0, r + 0 }' /proc/vmstat
}

ZCIO_STATS_DIR=/sys/class/misc/zcio/stats

# zcio_stat NAME: print one of the module's counters.
zcio_stat() {
	cat "$ZCIO_STATS_DIR/${1:?zcio_stat NAME}" ||
		die "no zcio counter ${1} (is the module loaded?)"
}

# --- data ------------------------------------------------------------------

# pattern_file PATH BYTES [BASE_OFFSET [SEED]]: write BYTES (k/M/G suffixes
# allowed) where every 512-byte block starts with its absolute device offset
# (BASE_OFFSET plus its position in the file) and SEED, so a block landing
# in the wrong place, a stale or a torn block is caught by a plain compare.
# See tests/lib/pattern.py.
pattern_file() {
	python3 "$(dirname "${BASH_SOURCE[0]}")/pattern.py" \
		"${1:?pattern_file PATH BYTES [BASE [SEED]]}" "${2:?BYTES}" \
		"${3:-0}" "${4:-0}" || die "cannot write pattern file $1"
}

# cmp_files A B: fail (with the first difference) unless A and B are equal.
cmp_files() {
	cmp -- "$1" "$2" >&2 || fail "$1 and $2 differ"
}

# size_bytes N[k|K|m|M|g|G]: print N with a binary suffix expanded.
size_bytes() {
	local n=${1:?size_bytes N[kMG]}
	case $n in
	*[kK]) echo $((${n%?} * 1024)) ;;
	*[mM]) echo $((${n%?} * 1024 * 1024)) ;;
	*[gG]) echo $((${n%?} * 1024 * 1024 * 1024)) ;;
	*) echo $((n)) ;;
	esac
}

# kernel_at_least MAJOR.MINOR: the running kernel is that version or newer.
# For expectations measured to differ between kernels: name the boundary
# that was measured (6.1 and 6.12 are what the suite runs on).
kernel_at_least() {
	local want=${1:?kernel_at_least MAJOR.MINOR} have
	have=$(uname -r | sed -E 's/^([0-9]+)\.([0-9]+).*/\1 \2/')
	# shellcheck disable=SC2086 # two numbers
	set -- ${want/./ } $have
	[ "$3" -gt "$1" ] || { [ "$3" -eq "$1" ] && [ "$4" -ge "$2" ]; }
}

# --- harness ---------------------------------------------------------------

# zcio_kver: the kernel version to build for and boot, from $KVER:
# - a version /lib/modules has (6.12.95+deb12-amd64): that one;
# - else a prefix that ends at a version component (6.12, 6.1, 6.1.0-56;
#   6.1 does not match 6.12): the newest kernel it matches that has both
#   an image in /boot and its modules;
# - else (nothing installed matches) $KVER unchanged, so that the caller
#   names the missing kernel.
# Unset or empty: the newest installed 6.1, Debian 12's own kernel.
zcio_kver() {
	local want=${KVER:-} pfx d v best=
	if [ -n "$want" ] && [ -d "/lib/modules/$want" ]; then
		echo "$want"
		return
	fi
	pfx=${want:-6.1}
	for d in /lib/modules/*; do
		v=${d##*/}
		[ -f "/boot/vmlinuz-$v" ] || continue
		case $v in
		"$pfx" | "$pfx"[!0-9]*) echo "$v" ;;
		esac
	done | sort -V | tail -n 1 | { read -r best; [ -n "$best" ] && echo "$best"; } && return
	if [ -n "$want" ]; then
		echo "$want"
		return
	fi
	die "no Debian 6.1 kernel in /boot and /lib/modules (run tests/deps)"
}

# zcio_cache_dir: a cache directory outside the repo (created on demand).
zcio_cache_dir() {
	local d
	for d in "${ZCIO_CACHE:-}" /var/cache/zcio "${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/zcio"; do
		[ -n "$d" ] || continue
		if mkdir -p "$d" 2>/dev/null && [ -w "$d" ]; then
			echo "$d"
			return
		fi
	done
	die "no writable cache directory"
}

# --- teardown registry for tests ---------------------------------------------
#
# A test library sources common.sh and installs `trap run_at_exit EXIT`
# (common.sh itself sets no trap: the harness scripts source it too).

AT_EXIT=()

# at_exit CMD...: run CMD when the test exits, last registered first.
# Every command runs (in a subshell, so a die in one does not skip the
# rest); a failing one fails a test that would otherwise have passed.
at_exit() {
	AT_EXIT+=("$*")
}

run_at_exit() {
	local i rc=$?
	for ((i = ${#AT_EXIT[@]} - 1; i >= 0; i--)); do
		if ! (eval "${AT_EXIT[i]}"); then
			echo "teardown failed: ${AT_EXIT[i]}" >&2
			[ "$rc" -ne 0 ] || rc=1
		fi
	done
	exit "$rc"
}

# nullb_teardown NAME: nullb_destroy NAME, then unload null_blk if it has
# no device left (configfs always holds the 'features' file; devices are
# its directories).  Safe to call twice.
nullb_teardown() {
	nullb_destroy "${1:?nullb_teardown NAME}"
	[ -d /sys/module/null_blk ] || return 0
	if [ -n "$(find "$NULLB_CONFIGFS" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ]; then
		return 0
	fi
	modprobe -r null_blk 2>/dev/null || rmmod null_blk ||
		die "cannot unload null_blk"
}

# test_brd VAR SIZE_MIB: brd_setup SIZE_MIB with its teardown registered
# (which also undoes a BLKROSET the test may have left behind); set VAR to
# the device path.  Not in $(...): the registration must happen in the
# test's own shell.
test_brd() {
	local _tb_var=${1:?test_brd VAR SIZE_MIB} _tb_dev
	at_exit "blockdev --setrw /dev/ram0 2>/dev/null; brd_teardown"
	_tb_dev=$(brd_setup "${2:?test_brd VAR SIZE_MIB}") || exit 1
	printf -v "$_tb_var" '%s' "$_tb_dev"
}

# test_nullb VAR NAME ATTR=VALUE...: nullb_create NAME ATTR=VALUE... with
# its teardown registered; set VAR to the device path.
test_nullb() {
	local _tn_var=${1:?test_nullb VAR NAME ATTR=VALUE...} _tn_dev
	shift
	at_exit "nullb_teardown ${1:?test_nullb VAR NAME ATTR=VALUE...}"
	_tn_dev=$(nullb_create "$@") || exit 1
	printf -v "$_tn_var" '%s' "$_tn_dev"
}
