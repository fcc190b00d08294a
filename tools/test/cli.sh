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
# fe VAR=VALUE... ARGS...: f with more environment (FAKE_ZCIO_* knobs)
fe() {
	local e=()
	while [[ $1 == *=* ]]; do e+=("$1"); shift; done
	env "${e[@]}" LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" "$@"
}
head -c 4M /dev/urandom >disk.orig
cp disk.orig disk
head -c 1M /dev/urandom >in1m

# --- help, version, usage errors (exit 2) -------------------------------
run 0 z --help;		has out 'Usage: zcio'
[ "$(wc -l <out)" -le 24 ] || fail "top-level help longer than a screen"
run 0 z -h;		has out 'Exit status'
run 0 z --version;	has out 'zcio .* (UAPI ABI 1)'
for c in info read write verify bench stats; do
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
run 0 f stats --json;	json out 'keys|length == 16'
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

# --- verify: usage ---------------------------------------------------------
run 2 z verify;			has err 'missing arguments'
run 2 z verify d 0;		has err '^zcio verify: give both OFFSET and LENGTH, or neither$'
run 2 z verify d 0 1M x;	has err "unexpected argument 'x'"
run 2 z verify d;		has err '^zcio verify: this overwrites ALL of d with a test pattern; add -f (--force) to go ahead$'
has err "Try 'zcio verify --help'"
run 2 z verify d 4k 1M;		has err '^zcio verify: this overwrites 1M bytes at offset 4k of d with a test pattern; add -f (--force) to go ahead$'
run 2 z verify d --write-only --seed 1;	has err 'overwrites ALL of d'
run 2 z verify d --write-only -f;	has err '^zcio verify: --write-only needs --seed (the same for --write-only and --read-only)$'
run 2 z verify d --read-only;	has err '^zcio verify: --read-only needs --seed'
run 2 z verify d --check;	has err '^zcio verify: --read-only needs --seed'
run 2 z verify d --check --write-only --seed 1 -f;	has err '^zcio verify: --write-only and --read-only exclude each other$'
run 2 z verify d -f --seed x;	has err "^zcio verify: invalid seed 'x' (want a decimal or 0x-hexadecimal number)$"
run 2 z verify d -f --seed -1;	has err "invalid seed '-1'"
run 2 z verify d -f --seed 0x;	has err "invalid seed '0x'"
run 2 z verify d -f --seed 18446744073709551616;	has err "seed '18446744073709551616' is too large"
run 2 z verify d 0 0 -f;	has err '^zcio verify: length must not be 0$'
run 2 z verify d 0 1x -f;	has err "invalid length '1x'"
run 2 z verify d -f -b 0;	has err 'chunk size must not be 0'
run 2 z verify d -f -o x;	has err "invalid option -- 'o'"
# long options belong to their commands
run 2 z read d 0 4k --seed 1;	has err "^zcio read: unrecognized option '--seed'$"
run 2 z read d 0 4k --force;	has err "unrecognized option '--force'"
run 2 z read d 0 4k -f;		has err "invalid option -- 'f'"
run 2 z write d 0 --check;	has err "unrecognized option '--check'"
run 2 z info --write-only;	has err "unrecognized option '--write-only'"
run 2 z stats -t 1;		has err "invalid option -- 't'"
# usage errors before the control device is opened
run 2 env ZCIO_DEVICE="$T/nonexistent" "$ZCIO" verify disk;	lacks err 'cannot open'

# --- verify: with the fake --------------------------------------------------
cp disk.orig disk
run 1 env ZCIO_DEVICE="$T/nonexistent" "$ZCIO" verify disk -f
has err "cannot open $T/nonexistent"
same disk disk.orig
run 1 f verify nonexistent -f;	has err '^zcio: cannot open nonexistent: No such file or directory$'
run 0 f verify disk -f --seed 42
[ "$(wc -l <err)" = 1 ] || fail "verify printed more than the summary"
has err '^verify disk: 4194304 bytes at offset 0 (8192 LBAs of 512 bytes), seed 42: OK, write [0-9.]* s ([0-9.]* MB/s), read [0-9.]* s ([0-9.]* MB/s)$'
[ -s out ] && fail "verify wrote on stdout"
# the stamps: offset and seed, 16 hex digits each, at every 512 bytes
for off in 0 512 1048576 4193792; do
	n=$((n + 1))
	stamp=$(dd if=disk bs=512 skip=$((off / 512)) count=1 status=none | head -c 56)
	[ "$stamp" = "$(printf 'zcio-verify: off=%016x seed=%016x' "$off" 42)" ] ||
		fail "stamp at $off: '$stamp'"
done
# the data after the stamp differs with the offset and with the seed
n=$((n + 1))
dd if=disk bs=512 count=1 status=none | tail -c 456 >u0
dd if=disk bs=512 skip=1 count=1 status=none | tail -c 456 >u1
cmp -s u0 u1 && fail "units 0 and 1 have the same data"
cp disk seed42
run 0 f verify disk -f -q --seed 43 0 512;	[ -s err ] && fail "-q is not quiet"
n=$((n + 1))
dd if=disk bs=512 count=1 status=none | tail -c 456 | cmp -s - u0 && fail "seeds 42 and 43 give the same data"
# without --seed: a random seed, told in the summary
run 0 f verify disk -f 0 4k;	has err 'seed [0-9]*: OK'
s1=$(grep -o 'seed [0-9]*' err)
run 0 f verify disk -f 0 4k;	s2=$(grep -o 'seed [0-9]*' err)
[ "$s1" != "$s2" ] || fail "two runs without --seed used the same $s1"

# a range: only the range is written; JSON on stdout
cp disk.orig disk
run 0 f verify disk 1M 64k -f --seed 0x10 --json -b 32k
json out '.op == "verify" and .mode == "write+read" and .device == "disk" and .seed == 16 and .offset == 1048576 and .length == 65536 and .logical_block_size == 512 and .lbas == 128 and .chunk == 32768 and .ioctls == 4 and .mismatches == 0 and .first_mismatches == [] and .ok and .write_seconds >= 0 and .read_mb_per_s >= 0 and (has("error")|not)'
[ -s err ] && fail "verify --json wrote on stderr: $(cat err)"
n=$((n + 1))
cmp -s <(head -c 1M disk) <(head -c 1M disk.orig) || fail "verify wrote before its range"
cmp -s <(tail -c +1114113 disk) <(tail -c +1114113 disk.orig) || fail "verify wrote after its range"
cmp -s <(head -c 1M disk) <(head -c 1M disk.orig) || fail "verify wrote before its range"

# --write-only writes and does not read, --read-only reads and does not write
run 0 fe FAKE_ZCIO_LOG="$T/vlog1" verify disk -f --write-only --seed 7 -b 1M
has err 'seed 7: written, write [0-9.]* s ([0-9.]* MB/s)$'
lacks err 'read'
[ "$(cat vlog1)" = "$(printf 'write %s 1048576 1048576\n' 0 1048576 2097152 3145728)" ] ||
	fail "--write-only ioctls: $(cat vlog1)"
run 0 fe FAKE_ZCIO_LOG="$T/vlog2" verify disk --read-only --seed 7 -b 2M
has err '^verify disk: 4194304 bytes at offset 0 (8192 LBAs of 512 bytes), seed 7: OK, read [0-9.]* s ([0-9.]* MB/s)$'
[ "$(cat vlog2)" = "$(printf 'read %s 2097152 2097152\n' 0 2097152)" ] ||
	fail "--read-only ioctls: $(cat vlog2)"
run 1 f verify disk --check --seed 8 0 1k;	has err '^zcio: disk: 2 of 2 LBAs differ$'
has err '^zcio: disk: LBA 0 (offset 0): stale (the pattern of seed 7)$'

# corruption found by LBA: garbage, a misplaced block, stale blocks, one
# flipped byte, zeros
dd if=/dev/urandom of=disk bs=512 seek=5 count=1 conv=notrunc status=none
dd if=disk of=disk bs=512 skip=3 seek=9 count=1 conv=notrunc status=none
run 0 f verify disk 10k 1k -f --write-only --seed 8 -q
printf 'X' | dd of=disk bs=1 seek=$((30 * 512 + 100)) conv=notrunc status=none
dd if=/dev/zero of=disk bs=512 seek=8191 count=1 conv=notrunc status=none
cp disk disk.bad
run 1 f verify disk --read-only --seed 7
has err '^zcio: disk: LBA 5 (offset 2560): not the pattern (no stamp at offset 2560)$'
has err '^zcio: disk: LBA 9 (offset 4608): misplaced (holds the pattern of offset 1536, LBA 3)$'
has err '^zcio: disk: LBA 20 (offset 10240): stale (the pattern of seed 8)$'
has err '^zcio: disk: LBA 21 (offset 10752): stale (the pattern of seed 8)$'
has err '^zcio: disk: LBA 30 (offset 15360): corrupted (stamp of offset 15360, seed 7, data differs)$'
has err '^zcio: disk: LBA 8191 (offset 4193792): zeros$'
has err '^zcio: disk: 6 of 8192 LBAs differ$'
has err '^verify disk: 4194304 bytes at offset 0 (8192 LBAs of 512 bytes), seed 7: MISMATCH, read '
[ "$(wc -l <err)" = 8 ] || fail "verify mismatch: $(wc -l <err) lines"
same disk disk.bad	# --read-only wrote nothing
run 1 f verify disk --read-only --seed 7 -q
lacks err '^verify';	has err '6 of 8192 LBAs differ'
run 1 f verify disk --read-only --seed 7 --json
json out '.ok == false and .mode == "read" and .mismatches == 6 and ([.first_mismatches[].lba] == [5, 9, 20, 21, 30, 8191]) and .first_mismatches[1].offset == 4608 and .first_mismatches[1].problem == "misplaced (holds the pattern of offset 1536, LBA 3)" and .write_seconds == null and (has("error")|not)'
[ -s err ] && fail "verify --json mismatch wrote on stderr: $(cat err)"
run 0 f verify disk --read-only --seed 7 10240 1k -b 512 --check --seed 8	# the last --seed counts
# more than 10: the first 10 and a count
dd if=/dev/zero of=disk bs=512 seek=100 count=12 conv=notrunc status=none
run 1 f verify disk --read-only --seed 7 50k 8k
has err '^zcio: disk: LBA 109 (offset 55808): zeros$'
lacks err 'LBA 110 '
has err '^zcio: disk: 12 of 16 LBAs differ (the first 10 shown)$'

# 4096-byte logical blocks: an LBA is 8 stamped units
cp disk.orig disk
run 0 fe FAKE_ZCIO_LBS=4096 verify disk -f --write-only --seed 9
printf 'X' | dd of=disk bs=1 seek=$((3 * 4096 + 1000)) conv=notrunc status=none
dd if=disk of=disk bs=4096 skip=1 seek=700 count=1 conv=notrunc status=none
run 1 fe FAKE_ZCIO_LBS=4096 verify disk --read-only --seed 9
has err '^zcio: disk: LBA 3 (offset 12288): corrupted (stamp of offset 12800, seed 9, data differs)$'
has err '^zcio: disk: LBA 700 (offset 2867200): misplaced (holds the pattern of offset 4096, LBA 1)$'
has err '^zcio: disk: 2 of 1024 LBAs differ$'
has err '(1024 LBAs of 4096 bytes), seed 9: MISMATCH'
run 2 fe FAKE_ZCIO_LBS=4096 verify disk -f --seed 1 512 4k
has err 'offset 512 is not a multiple of the logical block size (4096) of disk'
run 2 fe FAKE_ZCIO_LBS=4096 verify disk -f --seed 1 0 4k -b 6k
has err 'chunk size 6144 is not a multiple'

# range and device errors
cp disk.orig disk
run 2 f verify disk 4M 4k -f;	has err '^zcio verify: offset + length 4194304 + 4096 is past the end of disk (4194304 bytes)$'
run 2 f verify disk 3M 2M -f;	has err 'past the end of disk'
run 2 f verify disk 1 512 -f;	has err 'offset 1 is not a multiple of the logical block size (512) of disk'
run 2 f verify disk 0 1000 -f;	has err 'length 1000 is not a multiple'
run 2 f verify disk -f -b 8M;	has err "exceeds the module's max_io_bytes"
same disk disk.orig
run 1 fe FAKE_ZCIO_FAIL_AT=2000000 verify disk -f --seed 1 -b 64k
has err '^zcio: write disk at offset 1966080: Input/output error$'
has err 'seed 1: I/O error, write [0-9.]* s'
lacks err ', read '
run 1 fe FAKE_ZCIO_FAIL_AT=2000000 verify disk --read-only --seed 1 -b 64k --json
json out '.ok == false and .errno == 5 and .error_offset == 1966080 and .error == "read disk at offset 1966080: Input/output error" and .mismatches == 0'
run 1 f verify /dev/null -f;	has err 'cannot query /dev/null: Block device required'
: >empty
run 1 f verify empty -f;	has err '^zcio: empty is empty$'

# --- bench: refusals (the run itself needs the module: tests/cli/006) -------
run 2 z bench;			has err 'missing argument'
run 2 z bench d e;		has err "unexpected argument 'e'"
run 2 z bench d -t 0;		has err "^zcio bench: invalid time '0' (want seconds above 0, at most 86400)$"
run 2 z bench d -t 1x;		has err "invalid time '1x'"
run 2 z bench d -t -1;		has err "invalid time '-1'"
run 2 z bench d -t 86401;	has err "invalid time '86401'"
run 2 z bench d -t nan;		has err "invalid time 'nan'"
run 2 z bench d -b 4k;		has err "invalid option -- 'b'"
run 1 z bench disk;		[ "$(cat err)" = 'zcio: disk is not a block device' ] || fail "bench on a file: $(cat err)"
run 1 f bench disk;		has err '^zcio: disk is not a block device$'
run 1 z bench /dev/null;	has err '^zcio: /dev/null is not a block device$'
run 1 z bench nonexistent;	has err '^zcio: cannot open nonexistent: No such file or directory$'
[ -s out ] && fail "a refused bench printed on stdout"

# --- the progress line: on a terminal only --------------------------------
# pty TS CMD...: run CMD with stdin, stdout and stderr on a new pty
# (script(1)); what it printed there goes to TS, its exit status is ours.
pty() {
	local ts=$1
	shift
	script -qfec "$(printf '%q ' "$@")" /dev/null </dev/null >"$ts"
}

# progress_ok TS WHAT TOTAL: TS holds at least two progress lines "WHAT:
# N / TOTAL bytes (P%), R MB/s, ETA M:SS", at most one per 0.25 s after
# the first at 0.5 s (the summary line's seconds tell how long it ran),
# then blanks over the last one and the summary at the start of the line.
progress_ok() {
	local ts=$1 what=$2 total=$3 lines l np=0 secs max
	n=$((n + 1))
	mapfile -t lines < <(tr '\r' '\n' <"$ts")
	for l in "${lines[@]}"; do
		if [[ $l =~ ^$what:\ [0-9]+\ /\ $total\ bytes\ \([0-9]+%\),\ [0-9.]+\ MB/s,\ ETA\ [0-9]+:[0-9]{2}$ ]]; then
			np=$((np + 1))
		fi
	done
	secs=$(grep -aoE '[0-9.]+ s' "$ts" | tail -n 1)
	secs=${secs% s}
	max=$(awk -v s="$secs" 'BEGIN { print int((s - 0.5) / 0.25) + 2 }')
	{ [ "$np" -ge 2 ] && [ "$np" -le "$max" ]; } ||
		fail "$np progress lines in $secs s (want 2 to $max): $(cat -A "$ts")"
	# after the last run of blanks between two CRs: no progress line
	erase_ok "$ts" "$what:"
}

# erase_ok TS NOT: in TS, the last progress line is blanked out ("\r",
# blanks, "\r") and what follows starts at once, has no NOT, and is not
# empty.
erase_ok() {
	local text re=$'^(.*)\r {20,}\r([^ ].*)$'
	text=$(cat "$1")
	if ! [[ $text =~ $re ]] || [[ ${BASH_REMATCH[2]} == *"$2"* ]]; then
		fail "progress line not erased before the last lines: $(cat -A "$1")"
	fi
}

if command -v script >/dev/null; then
	cp disk.orig disk
	# no shell functions under script(1): f and fe spelled out
	slow=(env LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" FAKE_ZCIO_DELAY_US=40000)
	n=$((n + 1))
	pty ts1 "${slow[@]}" "$ZCIO" read disk 0 4M -b 128k -o r9 || fail "read on a pty: exit $?"
	progress_ok ts1 read 4194304
	grep -aqE $'\r4194304 bytes \\(4.194 MB, 4.000 MiB\\) copied, [0-9.]+ s, [0-9.]+ MB/s\r?$' ts1 ||
		fail "no summary after the progress line: $(cat -A ts1)"
	same r9 disk.orig
	n=$((n + 1))
	pty ts2 "${slow[@]}" "$ZCIO" write disk 0 -i disk.orig -b 128k || fail "write on a pty: exit $?"
	progress_ok ts2 write 4194304
	# the total is what exists: a read past the end counts to the end
	n=$((n + 1))
	pty ts3 "${slow[@]}" "$ZCIO" read disk 2M 4M -b 64k -o r10 || fail "read past the end on a pty"
	progress_ok ts3 read 2097152
	grep -aq 'end of device at offset 4194304' ts3 || fail "no end-of-device note: $(cat -A ts3)"
	n=$((n + 1))
	pty ts4 "${slow[@]}" "$ZCIO" verify disk -f --seed 3 -b 128k || fail "verify on a pty: exit $?"
	progress_ok ts4 'verify: write' 4194304
	progress_ok ts4 'verify: read' 4194304
	grep -aq 'seed 3: OK' ts4 || fail "no verify summary: $(cat -A ts4)"
	# from a pipe the length is not known: bytes and rate only
	n=$((n + 1))
	# shellcheck disable=SC2016
	pty ts5 bash -c 'head -c 4M "$1" | "${@:2}"' sh disk.orig "${slow[@]}" "$ZCIO" write disk 0 -b 128k ||
		fail "pipe write on a pty"
	grep -aqE $'\rwrite: [0-9]+ bytes, [0-9.]+ MB/s' ts5 || fail "no progress from a pipe: $(cat -A ts5)"
	# -q: nothing at all; a failure erases the line before the message
	n=$((n + 1))
	pty ts6 "${slow[@]}" "$ZCIO" read disk 0 4M -b 128k -q -o r11 || fail "read -q on a pty"
	[ -s ts6 ] && fail "read -q on a pty printed: $(cat -A ts6)"
	n=$((n + 1))
	pty ts7 "${slow[@]}" FAKE_ZCIO_FAIL_AT=3000000 "$ZCIO" read disk 0 4M -b 128k -o r12
	rc=$?
	[ "$rc" = 1 ] || fail "failing read on a pty: exit $rc"
	erase_ok ts7 'read:'
	grep -aq $'\rzcio: read disk at offset 2883584: Input/output error\r$' ts7 ||
		fail "no error after the progress line: $(cat -A ts7)"
	# short transfers show none
	n=$((n + 1))
	pty ts8 env LD_PRELOAD="$FAKE" ZCIO_DEVICE="$T/ctl" "$ZCIO" read disk 0 1M -o r13 || fail "fast read on a pty"
	grep -aq 'read:' ts8 && fail "a fast read showed a progress line: $(cat -A ts8)"
else
	echo "cli.sh: no script(1): the progress line is not checked"
fi
# not a terminal: no progress line, the summary alone
run 0 fe FAKE_ZCIO_DELAY_US=40000 read disk 0 4M -b 128k -o r14
[ "$(wc -l <err)" = 1 ] || fail "read off a terminal: $(cat -A err)"
lacks err $'\r'
has err '^4194304 bytes'

echo "cli.sh: $n checks run, $fails failure(s)"
[ "$fails" = 0 ]
