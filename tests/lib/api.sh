# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/api.sh: helpers of the api/ test group (the ioctl contract).
#
#     . "$ZCIO_ROOT/tests/lib/api.sh"
#
# Sources common.sh.  The checks themselves are C programs in tests/bin
# (tests/src/api-*.c); a test script sets up its devices, registers their
# teardown with at_exit and runs one program, whose exit status (0, 1
# or 77) becomes the test's under `set -e`.

. "$ZCIO_ROOT/tests/lib/common.sh"

ZCIO_BIN=${ZCIO_BIN:-$ZCIO_ROOT/tests/bin}

require_root
[ -c /dev/zcio ] || die "/dev/zcio is missing (is zcio.ko loaded?)"

trap run_at_exit EXIT

# api_bin NAME: path of tests/bin/NAME; dies if it was not built.
api_bin() {
	local p=$ZCIO_BIN/${1:?api_bin NAME}
	[ -x "$p" ] || die "$p is missing (make -C tests)"
	echo "$p"
}




# api_loop VAR SIZE_MIB BLOCK_SIZE: a loop device with BLOCK_SIZE-byte
# logical blocks over a new file of SIZE_MIB MiB in $TEST_TMP (the guest's
# tmpfs), teardown registered; set VAR to its path.
api_loop() {
	local _al_var=${1:?api_loop VAR SIZE_MIB BLOCK_SIZE} _al_mib=${2:?} _al_bs=${3:?}
	local _al_img=${TEST_TMP:-${TMPDIR:-/tmp}}/api-loop-$$.img _al_dev
	[ -e /dev/loop-control ] || modprobe loop || die "cannot load loop"
	truncate -s "${_al_mib}M" "$_al_img" || die "cannot create $_al_img"
	at_exit "rm -f '$_al_img'"
	_al_dev=$(losetup -b "$_al_bs" -f --show "$_al_img") ||
		die "losetup -b $_al_bs $_al_img failed"
	at_exit "losetup -d '$_al_dev'"
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
	at_exit "dmsetup remove --retry '$_ad_name' >/dev/null"
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
