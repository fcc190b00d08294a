# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/cli.sh: helpers of the cli/ test group (the zcio CLI, tools/zcio,
# against the real module).
#
#     . "$ZCIO_ROOT/tests/lib/cli.sh"
#
# Sources common.sh.  A cli/ test runs many small checks and keeps going
# after a failed one, so that one guest boot shows every problem: each
# check that fails calls bad(), and cli_finish (at the end of the test)
# runs the deferred JSON checks and exits 1 if any check failed.  Setup
# problems still die() at once.
#
#   run WANT CMD...        run CMD (stdin as given), its stdout in a new
#                          file $OUT, stderr in $ERR; bad() unless it
#                          exits WANT
#   has FILE ERE, lacks FILE ERE, is FILE LINE, nlines FILE N, empty FILE,
#   same A B, eq WHAT GOT WANT
#   jcheck FILE PYEXPR     FILE holds one line of JSON j; PYEXPR is True
#   has_summary FILE N     FILE has the dd-like summary line for N bytes
#   stats_snap NAME        `zcio stats --json` into $CLI_TMP/NAME.json
#   stats_delta A B 'counter=N ...'
#                          each counter rose by exactly N from A to B
#   section TEXT           names the checks that follow
#   (teardown: at_exit, test_brd and test_nullb from common.sh)

. "$ZCIO_ROOT/tests/lib/common.sh"

ZCIO=${ZCIO:-$ZCIO_ROOT/tools/zcio}
if [ -n "${TEST_TMP:-}" ]; then
	CLI_TMP=$TEST_TMP
else
	CLI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/zcio-cli.XXXXXX") || exit 1
fi
CLI_FAILS=0
CLI_CHECKS=0

# --- cleanup ---------------------------------------------------------------

trap run_at_exit EXIT
[ -n "${TEST_TMP:-}" ] || at_exit "rm -rf '$CLI_TMP'"

# cli_require_module: skip-proof check that /dev/zcio is there.
cli_require_module() {
	require_root
	[ -c /dev/zcio ] || die "/dev/zcio is missing (is zcio.ko loaded?)"
	[ -x "$ZCIO" ] || die "$ZCIO is missing (make all)"
}

# --- results ---------------------------------------------------------------
#
# Every process costs about 0.1 s in the TCG guest and a python3 start
# close to a second, so the checks are bash builtins where they can be,
# and the JSON ones (jcheck, stats_delta, has_summary) are only written
# down and run by one python3 at cli_finish.

CLI_DEFERRED=$CLI_TMP/deferred-checks
CLI_CONTEXT=
: >"$CLI_DEFERRED"

# section TEXT: say what comes next (in the log and in failure messages).
section() {
	CLI_CONTEXT=$*
	echo "== $* [${SECONDS}s]"
}

# bad MSG: one check failed; the test goes on and fails at cli_finish.
bad() {
	echo "FAIL: ${CLI_CONTEXT:+[$CLI_CONTEXT] }$*" >&2
	CLI_FAILS=$((CLI_FAILS + 1))
}

# show FILE: FILE indented, for a failure report.
show() {
	sed 's/^/    | /' "$1" >&2
}

# defer TYPE ARGS...: a check for cli_finish's python3 (tab-separated).
defer() {
	local IFS=$'\t'
	CLI_CHECKS=$((CLI_CHECKS + 1))
	printf '%s\n' "$1	$CLI_CONTEXT	${*:2}" >>"$CLI_DEFERRED"
}

# cli_finish: run the deferred checks; exit 1 if any check failed, else 0.
cli_finish() {
	local n=0
	python3 -S - "$CLI_DEFERRED" <<-'EOF' || n=$?
	import json, re, sys

	def load(path):
	    text = open(path).read()
	    if text.count("\n") != 1 or not text.endswith("\n"):
	        raise ValueError("not exactly one line")
	    return json.loads(text)

	def show(path):
	    for line in open(path).read().splitlines():
	        print("    | " + line, file=sys.stderr)

	COUNTERS = ("requests", "reads", "writes", "bytes_read",
	            "bytes_written", "errors")
	fails = 0
	for rec in open(sys.argv[1]).read().splitlines():
	    kind, ctx, *args = rec.split("\t")
	    where = "[%s] " % ctx if ctx else ""
	    try:
	        if kind == "J":
	            path, expr = args
	            j = load(path)
	            if eval(expr, {"j": j}) is True:
	                continue
	            msg = "JSON check '%s' is false on %s:" % (expr, path)
	        elif kind == "D":
	            a, b, spec = (args + [""])[:3]
	            a, b = load(a), load(b)
	            want = dict.fromkeys(COUNTERS, 0)
	            for kv in spec.split():
	                k, v = kv.split("=")
	                want[k] = int(v)
	            wrong = ["%s +%d (want +%d)" % (k, b[k] - a[k], v)
	                     for k, v in want.items() if b[k] - a[k] != v]
	            if not wrong:
	                continue
	            msg = "counters: " + ", ".join(wrong)
	            path = None
	        elif kind == "S":
	            path, n = args[0], int(args[1])
	            want = (r"%d bytes \(%.3f MB, %.3f MiB\) copied, "
	                    r"[0-9]+\.[0-9]{6} s, [0-9]+\.[0-9] MB/s" %
	                    (n, n / 1e6, n / 1048576))
	            lines = open(path).read().splitlines()
	            if sum(1 for l in lines if re.fullmatch(want, l)) == 1:
	                continue
	            msg = "no summary line '%s' in %s:" % (want, path)
	        else:
	            raise ValueError("unknown check " + kind)
	    except Exception as e:
	        msg = "%s check %s: %s: %s" % (kind, args, type(e).__name__, e)
	        path = args[0] if args and kind != "D" else None
	    print("FAIL: " + where + msg, file=sys.stderr)
	    if path:
	        show(path)
	    fails += 1
	sys.exit(min(fails, 100))
	EOF
	CLI_FAILS=$((CLI_FAILS + n))
	if [ "$CLI_FAILS" -gt 0 ]; then
		echo "$CLI_FAILS of $CLI_CHECKS checks failed [${SECONDS}s]" >&2
		exit 1
	fi
	echo "${TEST_NAME:-${0##*/}}: $CLI_CHECKS checks passed [${SECONDS}s]"
	exit 0
}

# run WANT CMD...: run CMD (stdin as given) with stdout in a new file $OUT
# and stderr in a new file $ERR (each run gets its own, so deferred checks
# still see them); a failed check unless it exits WANT.  Always returns 0
# (safe under set -e).
RUN_RC=0
RUN_N=0
OUT=
ERR=
run() {
	local want=$1
	shift
	CLI_CHECKS=$((CLI_CHECKS + 1))
	RUN_N=$((RUN_N + 1))
	OUT=$CLI_TMP/out.$RUN_N
	ERR=$CLI_TMP/err.$RUN_N
	RUN_RC=0
	"$@" >"$OUT" 2>"$ERR" || RUN_RC=$?
	if [ "$RUN_RC" != "$want" ]; then
		bad "exit $RUN_RC, want $want: $*"
		show "$ERR"
	fi
	return 0
}

# has FILE ERE: FILE has a line matching ERE.
has() {
	local l lines
	CLI_CHECKS=$((CLI_CHECKS + 1))
	mapfile -t lines <"$1"
	for l in "${lines[@]}"; do
		[[ $l =~ $2 ]] && return 0
	done
	bad "${1##*/} has no line matching '$2':"
	show "$1"
}

# lacks FILE ERE: no line of FILE matches ERE.
lacks() {
	local l lines
	CLI_CHECKS=$((CLI_CHECKS + 1))
	mapfile -t lines <"$1"
	for l in "${lines[@]}"; do
		if [[ $l =~ $2 ]]; then
			bad "${1##*/} has a line matching '$2':"
			show "$1"
			return 0
		fi
	done
}

# nlines FILE N: FILE has N lines.
nlines() {
	local lines
	mapfile -t lines <"$1"
	eq "lines in ${1##*/}" "${#lines[@]}" "$2"
}

# empty FILE: FILE is empty.
empty() {
	CLI_CHECKS=$((CLI_CHECKS + 1))
	[ -s "$1" ] || return 0
	bad "${1##*/} is not empty:"
	show "$1"
}

# is FILE TEXT: FILE is exactly one line, TEXT.
is() {
	local lines
	CLI_CHECKS=$((CLI_CHECKS + 1))
	mapfile -t lines <"$1"
	[ "${#lines[@]}" = 1 ] && [ "${lines[0]}" = "$2" ] && return 0
	bad "${1##*/} is not exactly '$2':"
	show "$1"
}

# same A B: the files are equal.
same() {
	CLI_CHECKS=$((CLI_CHECKS + 1))
	cmp -- "$1" "$2" >&2 || bad "$1 and $2 differ"
}

# eq WHAT GOT WANT: GOT = WANT.
eq() {
	CLI_CHECKS=$((CLI_CHECKS + 1))
	[ "$2" = "$3" ] || bad "$1: got '$2', want '$3'"
}

# jcheck FILE PYEXPR (deferred): FILE is exactly one line of JSON, and
# PYEXPR, a Python expression over the parsed value j, is True.
jcheck() {
	defer J "$1" "$2"
}

# has_summary FILE BYTES (deferred): FILE has exactly one dd-like summary
# line for BYTES: "N bytes (X MB, Y MiB) copied, S s, R MB/s".
has_summary() {
	defer S "$1" "$2"
}

# --- module counters -------------------------------------------------------

# stats_snap NAME: the module's counters, from `zcio stats --json`, in
# $CLI_TMP/NAME.json (a new file: the checks on it are deferred).
stats_snap() {
	[ ! -e "$CLI_TMP/$1.json" ] || die "stats_snap $1 taken twice"
	"$ZCIO" stats --json >"$CLI_TMP/$1.json" || die "zcio stats --json failed"
}

# stats_delta A B 'counter=N ...' (deferred): every named counter rose by
# exactly N between snapshots A and B; requests, reads, writes,
# bytes_read, bytes_written and errors not named did not move.
stats_delta() {
	defer D "$CLI_TMP/$1.json" "$CLI_TMP/$2.json" "$3"
}

# --- devices ---------------------------------------------------------------



# dev_bytes DEV OFFSET LENGTH FILE: copy a range of DEV to FILE with
# dd iflag=direct (the kernel's own O_DIRECT path, not zcio).
dev_bytes() {
	dd if="$1" of="$4" bs=1M iflag=direct,skip_bytes,count_bytes \
		skip="$2" count="$3" status=none || die "dd from $1 failed"
}

# dev_put DEV OFFSET FILE: write FILE to DEV at OFFSET with dd oflag=direct.
dev_put() {
	dd if="$3" of="$1" bs=1M oflag=direct,seek_bytes seek="$2" conv=notrunc \
		status=none || die "dd to $1 failed"
}

# patterns PATH:BYTES:BASE:SEED...: pattern_file for each, in one python3
# (BYTES and BASE as pattern.py takes them, k/M/G allowed).
patterns() {
	python3 -S - "$ZCIO_ROOT/tests/lib" "$@" <<-'EOF' || die "cannot write pattern files"
	import sys
	sys.path.insert(0, sys.argv[1])
	import pattern
	for spec in sys.argv[2:]:
	    sys.argv = ["pattern.py"] + spec.split(":")
	    pattern.main()
	EOF
}
