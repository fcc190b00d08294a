# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/lib/pkg.sh: helpers of the pkg/ test group (make install, make
# uninstall, DKMS).
#
#     . "$ZCIO_ROOT/tests/lib/pkg.sh"
#     pkg_init
#
# The guest's root is the host's /, read-only over 9p.  To install for
# real, a test mounts an overlay over each directory the install writes
# (overlay_rw): the host's directory is the lower layer, a tmpfs
# directory under $TEST_TMP the upper one, so the guest sees a writable
# copy that the host never does, and unmounting it (at exit) forgets every
# change.  Sources common.sh; sets PKG_KVER (the running kernel),
# PKG_VERSION (the module's version, from blk/zcio.h) and PKG_MODULE (the
# module tests/run loaded, restored at exit by pkg_swap_module).
#
#   pkg_init                 root, make, an EXIT trap (run_at_exit)
#   overlay_rw DIR           a writable, throw-away DIR; prints nothing
#   overlay_upper DIR        the upper directory of DIR's overlay: what
#                            changed in DIR since overlay_rw
#   pkg_small_modules MOD... a writable /lib/modules/KVER that holds only
#                            the modules MOD... (and what they need)
#   pkg_swap_module          unload the harness's zcio; reload it at exit
#   pkg_roundtrip ZCIO DEV   write a pattern with ZCIO to DEV, read it
#                            back, compare
#   pkg_make ARGS...         make -s -C $ZCIO_ROOT ARGS..., its output
#                            shown only when it fails
#   pkg_built                skip unless make has built what make install
#                            installs, for the running kernel
#   pkg_expected PREFIX WITH_FIO
#                            "path mode source" for each file make install
#                            installs (the path relative to DESTDIR)

. "$ZCIO_ROOT/tests/lib/common.sh"

# shellcheck disable=SC2034 # for the tests
PKG_KVER=$(uname -r)
PKG_MODULE=${ZCIO_MODULE:-$ZCIO_ROOT/blk/zcio.ko}
# shellcheck disable=SC2034 # for the tests
PKG_VERSION=$(sed -n 's/^#define ZCIO_VERSION_STR[[:space:]]*"\(.*\)"$/\1/p' \
	"$ZCIO_ROOT/blk/zcio.h")
PKG_OVL=${TEST_TMP:-/tmp}/ovl

pkg_init() {
	trap run_at_exit EXIT
	require_root
	require_cmd make modprobe modinfo depmod
}

# overlay_upper DIR: the upper directory of the overlay on DIR.
overlay_upper() {
	echo "$PKG_OVL/$(printf '%s' "$1" | tr / _)/upper"
}

# overlay_rw DIR: mount a writable overlay over DIR (which must exist) and
# unmount it at exit.
overlay_rw() {
	local dir=${1:?overlay_rw DIR} up
	up=$(overlay_upper "$dir")
	[ -d "$dir" ] || die "overlay_rw: no directory $dir"
	if [ ! -d /sys/module/overlay ]; then
		modprobe overlay || die "cannot load overlay"
	fi
	mkdir -p "$up" "${up%/upper}/work" || die "cannot create $up"
	mount -t overlay overlay \
		-o "lowerdir=$dir,upperdir=$up,workdir=${up%/upper}/work" "$dir" ||
		die "cannot mount an overlay on $dir"
	at_exit "umount '$dir'"
}

# pkg_small_modules MOD...: for the rest of the test, /lib/modules/KVER is
# a tmpfs with the modules MOD... and their dependencies, the build and
# source links, modules.builtin* and modules.order, indexed by depmod.
# depmod over the whole tree reads its 4000 modules (400 MB) over 9p,
# minutes under TCG each time, and make install, make uninstall, dkms
# install and dkms remove all run it; over a handful it takes a moment,
# and depmod, modprobe and DKMS work on this tree as on the full one.
pkg_small_modules() {
	local real=/lib/modules/$PKG_KVER stage=$TEST_TMP/modules.small f m p
	[ -d "$real/kernel" ] || die "no $real/kernel"
	mkdir -p "$stage" || die "cannot create $stage"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ ! -f "$real/$f" ] || cp "$real/$f" "$stage/" || die "cannot copy $real/$f"
	done
	for f in build source; do
		[ ! -L "$real/$f" ] || ln -s "$(readlink "$real/$f")" "$stage/$f" ||
			die "cannot copy the link $real/$f"
	done
	for m in "$@"; do
		modprobe -S "$PKG_KVER" --show-depends "$m" >"$TEST_TMP/deps" ||
			die "modprobe --show-depends $m failed"
		while read -r f p; do
			[ "$f" = insmod ] || continue
			mkdir -p "$stage/$(dirname "${p#"$real"/}")"
			cp "$p" "$stage/${p#"$real"/}" || die "cannot copy $p"
		done <"$TEST_TMP/deps"
	done
	mount -t tmpfs -o mode=755 pkg-modules "$real" || die "cannot mount a tmpfs on $real"
	at_exit "umount '$real'"
	cp -a "$stage/." "$real/" || die "cannot fill $real"
	depmod -a "$PKG_KVER" || die "depmod -a $PKG_KVER failed on the small tree"
}

# pkg_swap_module: unload the zcio that tests/run loaded; at exit, unload
# whatever zcio the test left and load that one again.
pkg_swap_module() {
	at_exit "pkg_restore_module"
	if [ -d /sys/module/zcio ]; then
		rmmod zcio || die "cannot unload the harness's zcio"
	fi
}

pkg_restore_module() {
	if [ -d /sys/module/zcio ]; then
		rmmod zcio || return 1
	fi
	insmod "$PKG_MODULE" || return 1
	wait_for_dev /dev/zcio 5
}

# pkg_loaded_from PATH: the loaded zcio is the module file PATH (same
# srcversion and version, and modinfo -n resolves to PATH).
pkg_loaded_from() {
	local path=$1 got
	[ -d /sys/module/zcio ] || fail "zcio is not loaded"
	got=$(modinfo -n zcio 2>/dev/null) || fail "modinfo -n zcio found no zcio.ko"
	[ "$got" = "$path" ] || fail "modinfo -n zcio is $got, not $path"
	[ "$(cat /sys/module/zcio/srcversion)" = "$(modinfo -F srcversion "$path")" ] ||
		fail "the loaded zcio is not $path (srcversion differs)"
	[ "$(cat /sys/module/zcio/version)" = "$(modinfo -F version "$path")" ] ||
		fail "the loaded zcio's version differs from $path's"
}

# pkg_roundtrip ZCIO DEV: 4 MiB offset-stamped pattern to DEV at 1 MiB
# with the CLI ZCIO, read back with it, compared; and /dev/zcio must have
# moved the data (requests and bytes counters).
pkg_roundtrip() {
	local zcio=$1 dev=$2 in=$TEST_TMP/rt.in out=$TEST_TMP/rt.out r0 w0
	wait_for_dev /dev/zcio 5
	r0=$(cat /sys/class/misc/zcio/stats/bytes_read)
	w0=$(cat /sys/class/misc/zcio/stats/bytes_written)
	pattern_file "$in" 4M $((1 << 20))
	"$zcio" write "$dev" 1M -i "$in" -q || fail "$zcio write failed"
	"$zcio" read "$dev" 1M 4M -o "$out" -q || fail "$zcio read failed"
	cmp_files "$in" "$out"
	[ $(($(cat /sys/class/misc/zcio/stats/bytes_written) - w0)) -eq $((4 << 20)) ] ||
		fail "bytes_written did not rise by 4 MiB"
	[ $(($(cat /sys/class/misc/zcio/stats/bytes_read) - r0)) -eq $((4 << 20)) ] ||
		fail "bytes_read did not rise by 4 MiB"
	rm -f "$in" "$out"
}

# pkg_make ARGS...: make -s in the repository; output only on failure.
# Returns make's status.
pkg_make() {
	local log=$TEST_TMP/make.log rc=0
	make -s -C "$ZCIO_ROOT" --no-print-directory "$@" >"$log" 2>&1 || rc=$?
	if [ $rc -ne 0 ]; then
		echo "make $*: exit $rc" >&2
		sed 's/^/    /' "$log" >&2
	fi
	return $rc
}

# pkg_expected PREFIX WITH_FIO: "path mode source" for every file make
# install puts in a DESTDIR, the path without the leading slash; sources
# relative to $ZCIO_ROOT.  Keep it in step with the Makefile.
pkg_expected() {
	local p=${1#/} j
	cat <<-EOF
		lib/modules/$PKG_KVER/updates/zcio.ko 644 blk/zcio.ko
		etc/modules-load.d/zcio.conf 644 tools/pkg/modules-load.conf
		usr/lib/udev/rules.d/60-zcio.rules 644 tools/pkg/60-zcio.rules
		usr/include/linux/zcio.h 644 ioctl_uapi/linux/zcio.h
		$p/bin/zcio 755 tools/zcio
		$p/share/bash-completion/completions/zcio 644 tools/completion/zcio
		$p/lib/libzcio.a 644 tools/lib/libzcio.a
		$p/include/libzcio.h 644 tools/lib/libzcio.h
		$p/share/man/man1/zcio.1 644 docs/man/zcio.1
		$p/share/man/man4/zcio.4 644 docs/man/zcio.4
	EOF
	[ "$2" = 1 ] || return 0
	echo "$p/lib/zcio/zcio-engine.so 755 tools/fio/zcio-engine.so"
	for j in "$ZCIO_ROOT"/tools/fio/jobs/*.fio; do
		echo "$p/share/zcio/fio/${j##*/} 644 ${j#"$ZCIO_ROOT"/}"
	done
}

# pkg_built: skip unless what make install installs is built, the module
# for the running kernel.
pkg_built() {
	local f
	for f in blk/zcio.ko tools/zcio tools/lib/libzcio.a tools/fio/zcio-engine.so; do
		[ -f "$ZCIO_ROOT/$f" ] || die "no $f (run make first)"
	done
	[ "$(modinfo -F vermagic "$ZCIO_ROOT/blk/zcio.ko" | cut -d' ' -f1)" = "$PKG_KVER" ] ||
		skip "blk/zcio.ko is not built for the running kernel $PKG_KVER"
}
