# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/ops.sh: helpers of the ops/ test group (request flags, I/O
# priority, bio shaping and the non-data operations).
#
#     . "$ZCIO_ROOT/tests/lib/ops.sh"
#
# Sources common.sh and installs the at_exit teardown.
#
#   OPS                    tests/bin/ops-io: one ioctl, prints "ok N" or "err ENAME"
#   ops_expect WANT ARGS   run $OPS ARGS; fail unless it prints WANT
#   bt_start DEV NAME      blktrace DEV into $TEST_TMP/NAME in the background
#   bt_stop                stop it (the events are all written)
#   bt_events NAME         blkparse of NAME: "ACTION RWBS SECTOR SECTORS" lines
#   bt_count NAME ACTION   how many ACTION events NAME has
#   bt_notes NAME          the zcio notes of NAME, one per line, "rN" for ids
#   stat_delta VAR NAME    VAR: zcio counter NAME now minus its value in VAR
#   sum_dev DEV            md5 of all of DEV (O_DIRECT)

. "$ZCIO_ROOT/tests/lib/common.sh"

ZCIO_BIN=${ZCIO_BIN:-$ZCIO_ROOT/tests/bin}
OPS=$ZCIO_BIN/ops-io

require_root
[ -c /dev/zcio ] || die "/dev/zcio is missing (is zcio.ko loaded?)"
[ -x "$OPS" ] || die "$OPS is missing (make -C tests)"
trap run_at_exit EXIT

ops_expect() {
	local want=${1:?ops_expect WANT ARGS...} got
	shift
	got=$("$OPS" "$@") || die "ops-io $* could not run"
	[ "$got" = "$want" ] || fail "ops-io $*: got '$got', want '$want'"
}

BT_PID=''
bt_start() {
	local i
	require_cmd blktrace blkparse
	blktrace -d "$1" -D "$TEST_TMP" -o "$2" >"$TEST_TMP/$2.bt.log" 2>&1 &
	BT_PID=$!
	# blktrace is ready once it created its per-CPU files
	for ((i = 0; i < 100; i++)); do
		[ -e "$TEST_TMP/$2.blktrace.0" ] && break
		sleep 0.1
	done
	[ "$i" -lt 100 ] || die "blktrace did not start: $(cat "$TEST_TMP/$2.bt.log")"
	sleep 0.5
}

bt_stop() {
	sleep 0.3
	kill -INT "$BT_PID"
	wait "$BT_PID" || true
	BT_PID=''
}

bt_events() {
	blkparse -q -i "$TEST_TMP/$1" -D "$TEST_TMP" -f '%a %d %S %n\n' 2>/dev/null |
		grep -E '^[A-Z] '
}

bt_count() {
	bt_events "$1" | awk -v a="$2" '$1 == a { n++ } END { print n + 0 }'
}

# blkparse 1.2.0 drops the notes (tests/trace/005): read the binary files.
bt_notes() {
	python3 - "$TEST_TMP/$1" <<'PY'
import glob, re, struct, sys
recs = []
for f in sorted(glob.glob(sys.argv[1] + '.blktrace.*')):
    d = open(f, 'rb').read()
    i = 0
    while i + 48 <= len(d):
        (magic, seq, time, sector, nbytes, action, pid, dev, cpu, err,
         pdu) = struct.unpack_from('<IIQQIIIIIHH', d, i)
        p = d[i + 48:i + 48 + pdu]
        i += 48 + pdu
        # a notify event (BLK_TC_NOTIFY) of kind BLK_TN_MESSAGE
        if (action >> 16) & 0x400 and (action & 0xff) == 2:
            if action & 0x100:	# __BLK_TN_CGROUP: a cgroup id first
                p = p[8:]
            recs.append((time, p.rstrip(b'\0').decode()))
for _, text in sorted(recs):
    if text.startswith('zcio r'):
        print(re.sub(r'^zcio r[0-9]+ ', 'zcio rN ', text))
PY
}

stat_delta() {
	local _sd_var=${1:?stat_delta VAR NAME} now
	now=$(zcio_stat "${2:?}")
	printf -v "$_sd_var" '%s' "$((now - ${!_sd_var}))"
}

sum_dev() {
	dd if="$1" bs=1M iflag=direct status=none | md5sum | cut -d' ' -f1
}
