# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/trace.sh: helpers of the trace/ test group (`zcio trace`, the
# module's blktrace notes and its tracepoints).
#
#     . "$ZCIO_ROOT/tests/lib/trace.sh"
#
# Sources common.sh and installs the at_exit teardown.
#
#   trace_require CMD...   root, /dev/zcio, the CLI, blktrace, blkparse, CMD...
#   untime FILE            FILE with its times, addresses, pids and request
#                          ids replaced by T, A, P and rN (they vary)
#   req_block FILE N       the block of the Nth request (1-based) of a report
#   ev_list FILE LETTER    "SECTOR+SECTORS" (X: "SECTOR/NEW") of the LETTER
#                          events of a block, one per line, sorted by sector
#   ev_count FILE LETTER   how many LETTER events a block has
#   expect_file WHAT GOT WANT   fail with a diff unless the files are equal
#   tracefs_reset          no tracer, no zcio event, no blk trace, empty buffer

. "$ZCIO_ROOT/tests/lib/common.sh"

ZCIO=${ZCIO:-$ZCIO_ROOT/tools/zcio}
TRACEFS=/sys/kernel/tracing
trap run_at_exit EXIT

trace_require() {
	require_root
	require_cmd blktrace blkparse "$@"
	[ -c /dev/zcio ] || die "/dev/zcio is missing (is zcio.ko loaded?)"
	[ -x "$ZCIO" ] || die "$ZCIO is missing (make all)"
}

untime() {
	sed -E 's/[+-][0-9]+\.[0-9]{6}/+T/g; s/[0-9]+\.[0-9]{3} ms/T ms/g;
		s/lat=[0-9]+\.[0-9]+us/lat=T/g; s/addr=0x[0-9a-f]+/addr=A/g;
		s/pid [0-9]+ /pid P /g; s/^r[0-9]+ /rN /' "$1"
}

req_block() {
	awk -v n="$2" '/^r[0-9]+ / { i++ } i == n && /^$/ { exit } i == n' "$1"
}

# A block's event lines are "  +TIME  TAG  LETTER RWBS SECTOR + N [...]".
ev_list() {
	awk -v a="$2" '$1 ~ /^[+-][0-9]/ && $3 == a { print $5 $6 $7 }' "$1" |
		sort -n
}

ev_count() {
	awk -v a="$2" '$1 ~ /^[+-][0-9]/ && $3 == a { n++ } END { print n + 0 }' "$1"
}

expect_file() {
	if ! diff -u "$3" "$2" >&2; then
		fail "$1: differs from what is expected (diff above: - want, + got)"
	fi
}

tracefs_reset() {
	[ -d "$TRACEFS/events" ] || mount -t tracefs nodev "$TRACEFS" ||
		die "cannot mount tracefs"
	echo nop >"$TRACEFS/current_tracer"
	echo 0 >"$TRACEFS/events/enable"
	: >"$TRACEFS/trace"
}
