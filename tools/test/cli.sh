#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of the zcio CLI: usage errors, exit codes, messages, and
# the data paths against test/fake-zcio.so (an LD_PRELOAD stand-in for
# /dev/zcio that treats a regular file as the block device).  No module
# needed.  Usage: test/cli.sh ZCIO_BINARY FAKE_SO

set -u

ZCIO=$(realpath "${1:?usage: cli.sh ZCIO FAKE_SO}")
FAKE=$(realpath "${2:?usage: cli.sh ZCIO FAKE_SO}")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

fails=0
n=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# run EXPECTED_RC CMD...: run, keep stdout in out, stderr in err
run() {
	local want=$1 rc
	shift
	n=$((n + 1))
	"$@" >out 2>err
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "exit $rc, want $want: $*"
		sed 's/^/  stderr: /' err
	fi
}

# like run, stdin from file $IN
run_in() {
	local want=$1 in=$2 rc
	shift 2
	n=$((n + 1))
	"$@" <"$in" >out 2>err
	rc=$?
	[ "$rc" = "$want" ] || { fail "exit $rc, want $want: $* < $in"; sed 's/^/  stderr: /' err; }
}

has() {	# has FILE PATTERN
	grep -q -- "$2" "$1" || { fail "$1 lacks '$2'"; sed 's/^/  /' "$1"; }
}

lacks() {
	if grep -q -- "$2" "$1"; then fail "$1 has '$2'"; sed 's/^/  /' "$1"; fi
}

same() {
	cmp -s "$1" "$2" || fail "$1 and $2 differ"
}

json() {	# json FILE JQ_EXPR: the expression must be true
	command -v jq >/dev/null || return 0
	[ "$(jq -c "$2" "$1" 2>&1)" = true ] || { fail "json $2 on $(cat "$1")"; }
}

z() { "$ZCIO" "$@"; }
# The fake control device and a 4 MiB "disk" of random data.
: >ctl
f() { LD_PRELOAD=$FAKE ZCIO_DEVICE=$T/ctl "$ZCIO" "$@"; }
head -c 4M /dev/urandom >disk.orig
cp disk.orig disk
head -c 1M /dev/urandom >in1m

# --- help, version, usage errors (exit 2) -------------------------------
run 0 z --help;		has out 'Usage: zcio'
[ "$(wc -l <out)" -le 24 ] || fail "top-level help longer than a screen"
run 0 z -h;		has out 'Exit status'
run 0 z --version;	has out 'zcio .* (UAPI ABI 1)'
for c in info read write stats; do
	run 0 z "$c" --help;	has out "Usage: zcio $c"
	[ "$(wc -l <out)" -le 24 ] || fail "$c help longer than a screen"
	run 0 z "$c" -h;	has out "Usage: zcio $c"
	run 0 z help "$c";	has out "Usage: zcio $c"
done
run 0 z read /dev/nonexistent x y -h	# help wins over bad arguments
run 2 z;			has err 'missing command';	has err "Try 'zcio --help'"
run 2 z frob;			has err "unknown command 'frob'"
run 2 z -q read;		has err 'options go after the command'
run 2 z help frob
run 2 z read -x;		has err "invalid option -- 'x'"; has err "Try 'zcio read --help'"
run 2 z read --frob;		has err "unrecognized option '--frob'"
run 2 z read --json=1
run 2 z read d 0 1M -o;		has err 'requires an argument'
run 2 z read d 0;		has err 'missing argument'
run 2 z read d 0 1M extra;	has err "unexpected argument 'extra'"
run 2 z read d 1x 1M;		has err "invalid offset '1x'"
run 2 z read d 0 1.5M;		has err "invalid length"
run 2 z read d 0 -1
run 2 z read d 99999999999999999999 1M;	has err 'too large'
run 2 z read d 0 1M -b 0;	has err 'chunk size must not be 0'
run 2 z read d 0 1M -b 1Q;	has err 'invalid chunk size'
run 2 z write d;		has err 'missing argument'
run 2 z write d 0 -l x
run 2 z write d 0 -o f;		has err "invalid option -- 'o'"
run 2 z info d e
run 2 z stats x
run 2 z stats -b 1M
run 2 z info -q

# --- no control device (exit 1, clear message) --------------------------
for args in "info" "info disk" "stats" "read disk 0 4k" "write disk 0 -l 0"; do
	# shellcheck disable=SC2086
	run 1 env ZCIO_DEVICE="$T/nonexistent" "$ZCIO" $args
	has err "cannot open $T/nonexistent: No such file or directory (is the zcio module loaded?)"
done
run 1 env ZCIO_DEVICE=/dev/null "$ZCIO" info;	has err 'version query failed'
# the output file is not touched when the control device is missing
echo keep >keep
run 1 env ZCIO_DEVICE="$T/nonexistent" "$ZCIO" read disk 0 4k -o keep
has keep keep

# --- info, stats ---------------------------------------------------------
run 0 f info disk;	has out 'logical block size: *512'; has out 'fd mode: *read$'
has out 'features: *sync_io devinfo stats'; has out 'device: *disk (7:42)'
run 0 f info disk --json
json out '.size == 4194304 and .logical_block_size == 512 and .fd_read and (.fd_write|not) and .features == ["sync_io","devinfo","stats"] and .abi == 1'
run 0 f info --json;	json out 'has("size")|not'
run 0 f info;		lacks out 'device:'
run 1 f info nonexistent;	has err 'cannot open nonexistent'
run 1 f info /dev/null;		has err 'cannot query /dev/null: Block device required'
run 0 f stats;		has out '^killed  *0$'
run 0 f stats --json;	json out 'keys|length == 14'
run 1 env FAKE_ZCIO_ABI=2 LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" info disk
has err 'module ABI 2 is not supported'
run 0 env FAKE_ZCIO_ABI=2 LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" info
run 1 env FAKE_ZCIO_FEATURES=3 LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" stats
has err 'module lacks feature stats'

# --- read ----------------------------------------------------------------
run 0 f read disk 1M 2M -o r1;	has err '^2097152 bytes (2.097 MB, 2.000 MiB) copied, .* s, .* MB/s$'
tail -c +1048577 disk.orig | head -c 2M >want;	same r1 want
run 0 f read disk 1M 2M;	same out want
run 0 f read disk 0 4M -b 4k -o r2;	same r2 disk.orig
run 0 f read disk 0 0 -o r3;	[ -s r3 ] && fail "read of 0 bytes wrote data"
run 0 f read disk 3M 2M -o r4;	has err 'end of device at offset 4194304'
has err '^1048576 bytes'
tail -c 1M disk.orig >want;	same r4 want
run 0 f read disk 4M 4k;	has err 'end of device at offset 4194304'; has err '^0 bytes'
run 0 f read disk 8M 4k;	has err 'end of device at offset 8388608'
run 0 f read disk 3M 2M -q -o r5;	[ -s err ] && fail "-q is not quiet"
run 0 f read disk 3M 2M --json
json err '.op == "read" and .bytes == 1048576 and .end_of_device and .end_offset == 4194304 and .ok and .length == 2097152'
lacks err 'end of device at offset'
run 2 f read disk 1 4k;		has err 'offset 1 is not a multiple of the logical block size (512) of disk'
run 2 f read disk 0 100;	has err 'length 100 is not a multiple'
run 2 f read disk 0 4k -b 1000;	has err 'chunk size 1000 is not a multiple'
run 2 f read disk 0 4k -b 8M;	has err "exceeds the module's max_io_bytes (4194304)"
run 2 f read disk 1 4k -o keep;	has keep keep	# validation before truncation
run 1 f read nonexistent 0 4k;	has err 'cannot open nonexistent'
run 1 f read disk 0 4k -o /nonexistent/x;	has err 'cannot open /nonexistent/x'
run 1 f read disk 0 1M -o /dev/full;	has err 'write to /dev/full: No space left on device'
run 1 env FAKE_ZCIO_FAIL_AT=2000000 LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" read disk 0 4M -b 64k -o r6
has err '^zcio: read disk at offset 1966080: Input/output error$'; has err '^1966080 bytes'
run 1 env FAKE_ZCIO_FAIL_AT=2000000 LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" read disk 0 4M -b 64k -o r6 --json
json err '(.ok|not) and .errno == 5 and .error_offset == 1966080 and .error_source == "device"'
[ "$(wc -l <err)" = 1 ] || fail "--json stderr is not one line"
run 1 env FAKE_ZCIO_FAIL_AT=2000000 LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" read disk 0 4M -q -o r6
[ "$(cat err)" = 'zcio: read disk at offset 1048576: Input/output error' ] || fail "-q error: $(cat err)"

# a closed pipe: EPIPE is reported, exit 1, no signal death
n=$((n + 1))
f read disk 0 4M 2>err | head -c 10 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" = 1 ] || fail "read into closed pipe: exit $rc"
has err 'write to standard output: Broken pipe'
# a slow pipe reader (short writes) still gets every byte
n=$((n + 1))
f read disk 0 4M -q | (sleep 0.3; cat) >r7;	same r7 disk.orig

# chunking: no ioctl exceeds -b or max_io_bytes, the module's limit is honoured
run 0 env FAKE_ZCIO_LOG="$T/log1" LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" read disk 0 4M -b 768k -o /dev/null
[ "$(awk '$3 > 786432' log1 | wc -l)" = 0 ] || fail "ioctl larger than -b"
[ "$(wc -l <log1)" = 6 ] || fail "expected 6 ioctls for 4M/768k: $(cat log1)"
run 0 env FAKE_ZCIO_MAXIO=262144 FAKE_ZCIO_LOG="$T/log2" LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" read disk 0 1M --json -o /dev/null
json err '.chunk == 262144 and .ioctls == 4'
# big DMA alignment and 4k logical blocks are honoured
run 0 env FAKE_ZCIO_DMA=65536 FAKE_ZCIO_LBS=4096 LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" read disk 4k 1M -o r8
run 2 env FAKE_ZCIO_LBS=4096 LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" read disk 512 4k
has err 'logical block size (4096)'

# --- write ---------------------------------------------------------------
cp disk.orig disk
run 0 f write disk 0 -i in1m;	has err '^1048576 bytes (1.049 MB, 1.000 MiB) copied'
head -c 1M disk >got;		same got in1m
run_in 0 in1m f write disk 1M --json
json out '.op == "write" and .bytes == 1048576 and .length == 1048576 and .ok'
tail -c +1048577 disk | head -c 1M >got;	same got in1m
n=$((n + 1))
head -c 1M in1m | f write disk 2M -q -b 4k 2>err || fail "write from a pipe"
[ -s err ] && fail "-q is not quiet"
tail -c +2097153 disk | head -c 1M >got;	same got in1m
run_in 0 in1m f write disk 0 -l 512k
run 0 f write disk 0 -l 0 -i in1m;	has err '^0 bytes'
head -c 1000 in1m >odd
cp disk disk.before
run 1 f write disk 0 -i odd
has err 'input length 1000 of odd is not a multiple of the logical block size (512) of disk; nothing written'
same disk disk.before
run_in 1 odd f write disk 0	# stdin is a regular file: known up front
has err 'input length 1000 of standard input is not a multiple'; has err 'nothing written'
same disk disk.before
run 2 f write disk 0 -l 1000 -i in1m;	has err 'length 1000 is not a multiple'
same disk disk.before
n=$((n + 1))
head -c 1000 in1m | f write disk 8k 2>err	# ...a pipe: full blocks written
rc=$?
[ "$rc" = 1 ] || fail "partial block from pipe: exit $rc"
has err 'input length 1000 is not a multiple of the logical block size (512); the last 488 bytes were not written'
has err '^512 bytes'
run 1 f write disk 0 -i in1m -l 2M;	has err 'in1m has 1048576 bytes; -l asks for 2097152; nothing written'
n=$((n + 1))
head -c 1M in1m | f write disk 0 -l 2M 2>err
[ $? = 1 ] || fail "short pipe with -l"
has err 'standard input ended after 1048576 bytes; expected 2097152'
# crossing the end: what fits is written, then ENOSPC, exit 1
cp disk.orig disk
run 1 f write disk 3584k -i in1m;	has err '^zcio: write disk at offset 4194304: No space left on device$'
has err '^524288 bytes'
tail -c 512k disk >got;	head -c 512k in1m >want;	same got want
run 1 f write disk 3584k -i in1m --json
json out '(.ok|not) and .errno == 28 and .error_offset == 4194304 and .bytes == 524288'
[ -s err ] && fail "--json write printed on stderr: $(cat err)"
if command -v jq >/dev/null; then
	n=$((n + 1))
	head -c 1M in1m | f write disk 0 --json | jq -e '.length == null' >/dev/null ||
		fail "pipe length not null"
fi
run 1 f write disk 4M -i in1m;	has err 'at offset 4194304: No space left on device'
run 2 f write disk 1 -i in1m;	has err 'offset 1 is not a multiple'
run 1 f write nonexistent 0 -i in1m;	has err 'cannot open nonexistent'
run 1 f write disk 0 -i nonexistent;	has err 'cannot open nonexistent'
chmod 444 disk
if [ "$(id -u)" != 0 ]; then
	run 1 f write disk 0 -i in1m;	has err 'cannot open disk: Permission denied'
fi
chmod 644 disk

echo "cli.sh: $n checks run, $fails failure(s)"
[ "$fails" = 0 ]
