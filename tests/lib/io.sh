# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/io.sh: helpers of the io/ test group (data round trips).
#
#     . "$ZCIO_ROOT/tests/lib/io.sh"
#
# Sources common.sh.  The work is done by tests/bin/io-rt (tests/src/io-rt.c),
# which fails (exit 1) with a message naming the LBA of the first wrong
# blocks, or skips (exit 77); under `set -e` its status is the test's.

. "$ZCIO_ROOT/tests/lib/common.sh"

ZCIO_BIN=${ZCIO_BIN:-$ZCIO_ROOT/tests/bin}
IO_RT=$ZCIO_BIN/io-rt

[ -x "$IO_RT" ] || die "$IO_RT is missing (make -C tests)"
[ -c /dev/zcio ] || die "/dev/zcio is missing (is zcio.ko loaded?)"

# io_rt ARGS...: run io-rt (see tests/src/io-rt.c for the arguments).
io_rt() {
	"$IO_RT" "$@"
}


# io_sysblk DEV: /sys/block/<name> of a /dev path.
io_sysblk() {
	echo "/sys/block/$(basename "$(readlink -f "${1:?io_sysblk DEV}")")"
}

# io_devinfo DEV: set lbs, pbs, dma, size, max_sectors_bytes,
# max_hw_sectors_bytes and max_segments from ZCIO_IOC_DEVINFO.
io_devinfo() {
	local out
	out=$(io_rt devinfo "${1:?io_devinfo DEV}") || die "no devinfo for $1"
	eval "$out"
}

# io_matrix DEV [A B]: the round trips every device gets: 512 B (when the
# logical block size allows it), 4 KiB and 1 MiB, at the start, at an
# offset not aligned to the size and at the very end of the device, whole
# and in 4 KiB ioctls, plus one read of data written by the kernel
# (O_DIRECT) rather than by zcio.  The buffers start at a page boundary or
# A or B bytes into a page (default: dma_alignment and the last
# dma-aligned spot of a page, so 4 KiB spans two pages and 1 MiB 257).
io_matrix() {
	local dev=${1:?io_matrix DEV [A B]} lbs pbs size dma max_sectors_bytes
	local max_hw_sectors_bytes max_segments a b
	io_devinfo "$dev"
	a=${2:-$dma}
	b=${3:-$((4096 - dma))}
	[ "$size" -ge $((8 << 20)) ] || die "io_matrix needs 8 MiB, $dev has $size bytes"
	if [ "$lbs" -eq 512 ]; then
		io_rt rt -s 11 -o 0 -l 512 "$dev"
		io_rt rt -s 12 -o $((7 * 512)) -l 512 -a "$a" "$dev"
		io_rt rt -s 13 -o $((size - 512)) -l 512 -a "$b" "$dev"
	fi
	io_rt rt -s 21 -o 0 -l 4k "$dev"
	io_rt rt -s 22 -o $((3 * lbs)) -l 4k -a "$a" "$dev"
	io_rt rt -s 23 -o $((size - 4096)) -l 4k -a "$b" "$dev"
	io_rt rt -s 31 -o 0 -l 1M "$dev"
	io_rt rt -s 32 -o $((1048576 + lbs)) -l 1M -a "$a" "$dev"
	io_rt rt -s 33 -o $((size - 1048576)) -l 1M -a "$b" "$dev"
	io_rt rt -s 34 -o $((4 << 20)) -l 1M -c 4k -a "$a" "$dev"
	io_rt rt -s 35 -o $((6 << 20)) -l 1M -a "$a" -R "$dev"
}

# io_scsi_debug_setup ARGS...: load scsi_debug (one 16 MiB disk, no
# completion delay, ARGS added, e.g. sector_size=4096) and print its /dev
# path.  sd_mod is loaded first: nothing else would load it in the guest.
io_scsi_debug_setup() {
	local d tries=100
	io_scsi_debug_teardown
	modprobe sd_mod 2>/dev/null || true
	modprobe scsi_debug dev_size_mb=16 delay=0 "$@" ||
		die "cannot load scsi_debug $*"
	while :; do
		for d in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
			if [ -b "/dev/${d##*/}" ]; then
				echo "/dev/${d##*/}"
				return 0
			fi
		done
		tries=$((tries - 1))
		[ $tries -gt 0 ] || die "no disk of scsi_debug appeared"
		sleep 0.1
	done
}

# io_scsi_debug_teardown: unload scsi_debug if loaded.  Safe to call twice.
io_scsi_debug_teardown() {
	[ -d /sys/module/scsi_debug ] || return 0
	modprobe -r scsi_debug 2>/dev/null || rmmod scsi_debug ||
		die "cannot unload scsi_debug"
}

