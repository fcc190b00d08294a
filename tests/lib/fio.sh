# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/fio.sh: helpers of the fio/ test group (tools/fio/zcio-engine.so
# under the installed fio).
#
#     . "$ZCIO_ROOT/tests/lib/fio.sh"
#
# Sources common.sh, installs `trap run_at_exit EXIT`, exports
# ZCIO_ENGINE (the engine's path, as the job files in tools/fio/jobs want
# it) and runs fio from $TEST_TMP, so nothing fio leaves behind lands in
# the repository.

. "$ZCIO_ROOT/tests/lib/common.sh"

require_root
require_cmd fio jq
[ -c /dev/zcio ] || die "/dev/zcio is missing (is zcio.ko loaded?)"

trap run_at_exit EXIT

# shellcheck disable=SC2034 # used by the tests
FIO_JOBS=$ZCIO_ROOT/tools/fio/jobs
ZCIO_ENGINE=$ZCIO_ROOT/tools/fio/zcio-engine.so
export ZCIO_ENGINE
[ -f "$ZCIO_ENGINE" ] || die "$ZCIO_ENGINE is missing (make -C tools)"
FIO_DIR=${TEST_TMP:-${TMPDIR:-/tmp}}

# Feature bits of struct zcio_version (ioctl_uapi/linux/zcio.h).
# shellcheck disable=SC2034 # used by the tests
{
	FEAT_ASYNC=8
	FEAT_REGBUF=16
	FEAT_POLLED=32
}

# fio_features: the loaded module's ZCIO_FEAT_* bits, in decimal.
fio_features() {
	"$ZCIO" info --json | jq -e -r .feature_bits ||
		die "zcio info --json gave no feature_bits"
}

# fio_require_feature BIT NAME: skip unless the loaded module has BIT.
fio_require_feature() {
	local f
	f=$(fio_features) || exit 1
	[ $((f & $1)) -ne 0 ] ||
		skip "the loaded zcio module lacks $2 (features $f)"
}

# fio_run NAME ARGS...: run `fio ARGS...` in $FIO_DIR with JSON output in
# $FIO_DIR/NAME.json and stderr in $FIO_DIR/NAME.err; set FIO_RC to its
# exit status and FIO_JSON, FIO_ERR to the two paths.  Never fails itself.
fio_run() {
	local name=${1:?fio_run NAME ARGS...}
	shift
	FIO_JSON=$FIO_DIR/$name.json
	FIO_ERR=$FIO_DIR/$name.err
	FIO_RC=0
	(cd "$FIO_DIR" && fio --output-format=json --output="$FIO_JSON.raw" "$@") \
		2>"$FIO_ERR" || FIO_RC=$?
	# fio's informational notes can land in the output file ahead of
	# the JSON object
	sed -n '/^{/,$p' "$FIO_JSON.raw" >"$FIO_JSON" 2>/dev/null || true
}

# fio_show: the stderr and the job results of the last fio_run, on stderr.
fio_show() {
	echo "--- fio stderr:" >&2
	cat "$FIO_ERR" >&2
	if [ -s "$FIO_JSON" ]; then
		echo "--- fio jobs:" >&2
		jq -c '.jobs[] | {jobname, error, read: .read.io_bytes,
			write: .write.io_bytes}' "$FIO_JSON" >&2 || cat "$FIO_JSON" >&2
	fi
}

# fio_verify NAME JOBFILE [FIO_ARGS...]: run a verify job file (with the
# environment the caller set: ZCIO_DEV...) and require that fio exits 0,
# prints nothing on stderr, that every job ends with error 0 and moved
# data, and that zcio's byte counters rose by exactly what fio read and
# wrote (every byte went through /dev/zcio).  Prints one summary line.
fio_verify() {
	local name=${1:?fio_verify NAME JOBFILE} job=${2:?fio_verify NAME JOBFILE}
	local r0 w0 r1 w1 njobs bad idle rsum wsum
	shift 2
	[ -f "$job" ] || die "no job file $job"
	r0=$(zcio_stat bytes_read)
	w0=$(zcio_stat bytes_written)
	fio_run "$name" "$@" "$job"
	r1=$(zcio_stat bytes_read)
	w1=$(zcio_stat bytes_written)
	if [ "$FIO_RC" -ne 0 ]; then
		fio_show
		fail "$name: fio exited with $FIO_RC"
	fi
	if [ -s "$FIO_ERR" ]; then
		fio_show
		fail "$name: fio wrote to stderr"
	fi
	njobs=$(jq '.jobs | length' "$FIO_JSON") || fail "$name: no JSON from fio"
	[ "$njobs" -gt 0 ] || fail "$name: fio ran no job"
	bad=$(jq -r '[.jobs[] | select(.error != 0) |
		"\(.jobname): error \(.error)"] | join(", ")' "$FIO_JSON")
	[ -z "$bad" ] || { fio_show; fail "$name: $bad"; }
	idle=$(jq -r '[.jobs[] | select(.read.io_bytes + .write.io_bytes == 0) |
		.jobname] | join(", ")' "$FIO_JSON")
	[ -z "$idle" ] || { fio_show; fail "$name: no I/O in $idle"; }
	rsum=$(jq '[.jobs[].read.io_bytes] | add' "$FIO_JSON")
	wsum=$(jq '[.jobs[].write.io_bytes] | add' "$FIO_JSON")
	[ $((r1 - r0)) -eq "$rsum" ] ||
		fail "$name: zcio read $((r1 - r0)) bytes, fio $rsum"
	[ $((w1 - w0)) -eq "$wsum" ] ||
		fail "$name: zcio wrote $((w1 - w0)) bytes, fio $wsum"
	echo "$name: ${job##*/}: $njobs jobs, no error, read $((rsum >> 10)) KiB, wrote $((wsum >> 10)) KiB, all through zcio"
}

# fio_fails NAME PATTERN ARGS...: run `fio ARGS...`; require a nonzero
# exit that is not a crash (below 128), and PATTERN (an extended regular
# expression) in what fio wrote on stderr or stdout.
fio_fails() {
	local name=${1:?fio_fails NAME PATTERN ARGS...} pat=${2:?}
	shift 2
	fio_run "$name" "$@"
	if [ "$FIO_RC" -eq 0 ]; then
		fio_show
		fail "$name: fio succeeded"
	fi
	if [ "$FIO_RC" -ge 128 ]; then
		fio_show
		fail "$name: fio died with exit status $FIO_RC (a signal?)"
	fi
	if ! cat "$FIO_ERR" "$FIO_JSON" 2>/dev/null | grep -Eq -- "$pat"; then
		fio_show
		fail "$name: fio's output lacks /$pat/"
	fi
	echo "$name: fio exit $FIO_RC, message /$pat/"
}
