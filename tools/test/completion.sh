#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side test of the bash completion, tools/completion/zcio: sources it
# and calls _zcio with COMP_WORDS and COMP_CWORD set as bash would.  The
# command list and each command's options must match what the CLI itself
# says (`zcio --help`, `zcio CMD --help`), so a command or an option added
# to the CLI and not to the completion fails here.  Device completion is
# checked against /dev and, as root, against device nodes made with mknod
# in a scratch directory.  Usage: test/completion.sh ZCIO_BINARY COMPLETION

set -u

ZCIO=$(realpath "${1:?usage: completion.sh ZCIO COMPLETION}")
# shellcheck source=/dev/null
. "${2:?usage: completion.sh ZCIO COMPLETION}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fails=0
n=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# comp WORD...: what completing the last WORD gives, sorted, one line.
# IFS is not the default, as it may not be in a user's shell.
comp() {
	local IFS=$'\n'
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_zcio zcio "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	sort <<<"${COMPREPLY[*]}" | tr '\n' ' ' | sed 's/ $//'
}

# want "EXPECTED" WORD...: completing the last WORD gives EXPECTED (the
# candidates sorted, space-separated).
want() {
	local exp=$1 got
	shift
	n=$((n + 1))
	got=$(comp "$@")
	[ "$got" = "$exp" ] || fail "completing '$*': got '$got', want '$exp'"
}

sorted() {	# sorted WORD...: the words sorted, one line
	printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}

# --- the command list and the options agree with the CLI ----------------
mapfile -t cmds < <("$ZCIO" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ "${#cmds[@]}" -ge 6 ] || fail "cannot read the commands from zcio --help"
want "$(sorted "${cmds[@]}" help)" zcio ''
want "$(sorted "${cmds[@]}")" zcio help ''
want "--help --version -h" zcio -
want "verify" zcio ve
want "" zcio frob ''
for c in "${cmds[@]}"; do
	# every -x and --long of an option line of the help, before the
	# two blanks that start its description
	mapfile -t opts < <("$ZCIO" "$c" --help | grep -E '^  +-' |
		sed -E 's/^ +//; s/  .*//' | grep -oE '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,')
	want "$(sorted "${opts[@]}" --help)" zcio "$c" -
	want "$(sorted "${opts[@]}" --help)" zcio "$c" /dev/x -
done
want "--json" zcio stats --j
want "--read-only" zcio verify --seed 5 --re
want "--read-only" zcio verify /dev/x --re

# --- DEV: block devices ---------------------------------------------------
mapfile -t devs < <(find /dev -maxdepth 1 -type b ! -name '.*')
want "$(sorted "${devs[@]}")" zcio info ''
want "$(sorted "${devs[@]}")" zcio verify -f --seed 7 -b 1M ''
[ -c /dev/null ] && want "" zcio read /dev/nul
want "" zcio stats ''		# stats takes no DEV
want "" zcio read /dev/x ''	# OFFSET: nothing to offer
want "" zcio read /dev/x 0 ''
want "" zcio read -b ''		# a value: nothing to offer
want "" zcio verify --seed ''
want "" zcio bench -t ''
want "" zcio read -- -		# after --, '-' starts no option

if [ "$(id -u)" = 0 ] && mknod "$T/blk0" b 7 0 2>/dev/null; then
	mknod "$T/chr" c 1 3 || fail "mknod c failed"
	mkdir "$T/bdir"
	: >"$T/bfile"
	want "$T/bdir/ $T/blk0" zcio info "$T/b"
	want "$T/bdir/ $T/blk0" zcio read -q "$T/"
	want "$T/blk0" zcio read -b 4k "$T/bl"		# -b takes 4k
	want "$T/blk0" zcio write -qb 64k -i x "$T/bl"	# a bundle: -q -b 64k
	want "$T/blk0" zcio bench -t 1 "$T/bl"
	want "$T/blk0" zcio verify --seed 5 "$T/bl"
	want "$T/blk0" zcio read -- "$T/bl"
	want "" zcio info "$T/c"			# a character device
	want "" zcio info "$T/bf"			# a file
	want "" zcio read "$T/blk0" "$T/bl"		# OFFSET, not DEV
	want "" zcio help read "$T/b"
else
	echo "completion.sh: not root or no mknod: device paths not checked"
fi

# --- FILE after -o and -i ----------------------------------------------------
: >"$T/file1"
: >"$T/file2"
want "$T/file1 $T/file2" zcio read /dev/x 0 4k -o "$T/fi"
want "$T/file1" zcio write -i "$T/file1"
want "$T/file2" zcio write -qi "$T/file2"
want "$T/file1 $T/file2" zcio read -qo "$T/f"
want "" zcio read -o4k "$T/fi"		# -o4k holds its argument: DEV next

echo "completion.sh: $n checks run, $fails failure(s)"
[ "$fails" = 0 ]
