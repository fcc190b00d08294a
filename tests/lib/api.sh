# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/api.sh: helpers of the api/ test group (the ioctl contract).
#
#     . "$ZCIO_ROOT/tests/lib/api.sh"
#
# Sources common.sh.  The checks themselves are C programs in tests/bin
# (tests/src/api-*.c); a test script sets up its devices, registers their
# teardown with api_cleanup and runs one program, whose exit status (0, 1
# or 77) becomes the test's under `set -e`.

. "$ZCIO_ROOT/tests/lib/common.sh"

ZCIO_BIN=${ZCIO_BIN:-$ZCIO_ROOT/tests/bin}

require_root
[ -c /dev/zcio ] || die "/dev/zcio is missing (is zcio.ko loaded?)"

# api_bin NAME: path of tests/bin/NAME; dies if it was not built.
api_bin() {
	local p=$ZCIO_BIN/${1:?api_bin NAME}
	[ -x "$p" ] || die "$p is missing (make -C tests)"
	echo "$p"
}

API_CLEANUP=()

# api_cleanup CMD...: run CMD when the test exits, last registered first.
# Every command runs (in a subshell, so a die in one does not skip the
# rest); a failing one fails a test that would otherwise have passed.
api_cleanup() {
	API_CLEANUP+=("$*")
}

api_run_cleanup() {
	local i rc=$?
	for ((i = ${#API_CLEANUP[@]} - 1; i >= 0; i--)); do
		if ! (eval "${API_CLEANUP[i]}"); then
			echo "api.sh: teardown failed: ${API_CLEANUP[i]}" >&2
			[ "$rc" -ne 0 ] || rc=1
		fi
	done
	exit "$rc"
}
trap api_run_cleanup EXIT

# api_nullb VAR NAME ATTR=VALUE...: nullb_create NAME ATTR=VALUE... (size
# in MiB) with its teardown registered, and set VAR to the device path.
# Not in $(...): the registration must happen in the test's own shell.
api_nullb() {
	# Locals are prefixed: VAR must not name one of them.
	local _an_var=${1:?api_nullb VAR NAME ATTR=VALUE...} _an_dev
	shift
	api_cleanup "api_nullb_teardown ${1:?api_nullb VAR NAME ATTR=VALUE...}"
	_an_dev=$(nullb_create "$@") || exit 1
	printf -v "$_an_var" '%s' "$_an_dev"
}

# api_nullb_teardown NAME: remove the device; unload null_blk if it has
# no device left.
api_nullb_teardown() {
	nullb_destroy "${1:?api_nullb_teardown NAME}"
	[ -d /sys/module/null_blk ] || return 0
	# Devices are the directories there ("features" is a file).
	if [ -n "$(find "$NULLB_CONFIGFS" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ]; then
		return 0
	fi
	modprobe -r null_blk 2>/dev/null || rmmod null_blk ||
		echo "api.sh: cannot unload null_blk" >&2
}

# api_brd VAR SIZE_MIB: brd_setup SIZE_MIB with its teardown registered
# (which also undoes a BLKROSET the test may have left behind), and set VAR
# to the device path (/dev/ram0).
api_brd() {
	local _ab_var=${1:?api_brd VAR SIZE_MIB} _ab_path
	api_cleanup "blockdev --setrw /dev/ram0 2>/dev/null; brd_teardown"
	_ab_path=$(brd_setup "${2:?api_brd VAR SIZE_MIB}") || exit 1
	printf -v "$_ab_var" '%s' "$_ab_path"
}

# api_loop VAR SIZE_MIB BLOCK_SIZE: a loop device with BLOCK_SIZE-byte
# logical blocks over a new file of SIZE_MIB MiB in $TEST_TMP (the guest's
# tmpfs), teardown registered; set VAR to its path.
api_loop() {
	local _al_var=${1:?api_loop VAR SIZE_MIB BLOCK_SIZE} _al_mib=${2:?} _al_bs=${3:?}
	local _al_img=${TEST_TMP:-${TMPDIR:-/tmp}}/api-loop-$$.img _al_dev
	[ -e /dev/loop-control ] || modprobe loop || die "cannot load loop"
	truncate -s "${_al_mib}M" "$_al_img" || die "cannot create $_al_img"
	api_cleanup "rm -f '$_al_img'"
	_al_dev=$(losetup -b "$_al_bs" -f --show "$_al_img") ||
		die "losetup -b $_al_bs $_al_img failed"
	api_cleanup "losetup -d '$_al_dev'"
	wait_for_dev "$_al_dev"
	printf -v "$_al_var" '%s' "$_al_dev"
}

# api_dm_delay VAR NAME DEV DELAY_MS: a dm-delay device /dev/mapper/NAME
# over all of DEV that holds every bio (read or write) for DELAY_MS before
# passing it on, teardown registered; set VAR to its path.  dm creates no
# partitions, so unlike a slow null_blk it takes no partition scan at
# the device's pace.
api_dm_delay() {
	local _ad_var=${1:?api_dm_delay VAR NAME DEV DELAY_MS} _ad_name=${2:?}
	local _ad_dev=${3:?} _ad_ms=${4:?} _ad_sectors
	require_cmd dmsetup
	modprobe dm-delay || die "cannot load dm-delay"
	_ad_sectors=$(blockdev --getsz "$_ad_dev") || die "no size for $_ad_dev"
	api_cleanup "dmsetup remove --retry '$_ad_name' >/dev/null"
	DM_DISABLE_UDEV=1 dmsetup create "$_ad_name" \
		--table "0 $_ad_sectors delay $_ad_dev 0 $_ad_ms" ||
		die "cannot create dm-delay device $_ad_name"
	wait_for_dev "/dev/mapper/$_ad_name"
	printf -v "$_ad_var" '%s' "/dev/mapper/$_ad_name"
}

# api_expect_idle: the module holds no pinned page right now.
api_expect_idle() {
	local n
	n=$(zcio_stat pages_pinned)
	[ "$n" -eq 0 ] || fail "zcio pages_pinned is $n before the test"
}
