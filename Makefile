# SPDX-License-Identifier: GPL-2.0
#
# zcio top-level Makefile.  `make` builds the module and the tools against
# the kernel in KVER; `make demo` and `make check` boot a QEMU guest.

# VM=0 runs the suite on this machine (it must be able to load modules).
VM ?= 1
# The kernel to build for: the running one with VM=0, else the newest
# Debian 6.1, which the guest boots.  A prefix (KVER=6.12) names the newest
# installed kernel it matches: tests/lib/common.sh's zcio_kver decides.
ifeq ($(VM),0)
KVER ?= $(shell uname -r)
endif
override KVER := $(shell KVER='$(KVER)' bash -c '. "$$0" && zcio_kver' \
	$(dir $(abspath $(lastword $(MAKEFILE_LIST))))tests/lib/common.sh 2>/dev/null)
# Kernel headers: KDIR given on the command line or in the environment,
# else KVER's (derived again in each sub-make: make deps may install it).
KDIR ?= /lib/modules/$(KVER)/build
# Only run tests whose path matches this pattern (e.g. T=io/).
T ?=

export KVER VM T
ifneq ($(origin KDIR),file)
export KDIR
endif

.PHONY: all module tools tests deps lint check demo soak bench fuzz clean

all: module tools tests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools

# The tools' host-side test programs too: tests/check runs them (host/cli-unit).
tests: tools
	$(MAKE) -C tools test-progs
	$(MAKE) -C tests

deps:
	tests/deps

lint: deps
	tests/lint

# KERNEL=debug: the whole suite on the debug kernel of tests/kdebug/build
# (KASAN, lockdep, kmemleak, fault injection; built once, then cached),
# with a kmemleak scan after each test group and 5x the timeouts.
KERNEL ?=
check: deps
ifeq ($(KERNEL),debug)
	kver=$$(tests/kdebug/build) && \
	$(MAKE) all KVER=$$kver && \
	KVER=$$kver ZCIO_KMEMLEAK=1 ZCIO_TIMEOUT_SCALE=$${ZCIO_TIMEOUT_SCALE:-5} \
		ZCIO_VM_TIMEOUT=$${ZCIO_VM_TIMEOUT:-14400} tests/check
else ifeq ($(KERNEL),)
	$(MAKE) all
	tests/check
else
	@echo "KERNEL=$(KERNEL): only KERNEL=debug is known (KVER= picks a Debian kernel)" >&2; exit 2
endif

demo: deps
	$(MAKE) all
	tests/vm tests/demo

# ZCIO_SOAK_SECONDS (default 180) of mixed concurrent load in one guest,
# fio verify on; slab, pins and the kernel log checked at the end
# (tests/soak); logs kept in $(SOAK_OUT).
SOAK_OUT ?= /var/tmp/zcio-soak
soak: deps
	$(MAKE) all
	tests/vm --out $(SOAK_OUT) --timeout $$(( $${ZCIO_SOAK_SECONDS:-180} + 900 )) tests/soak

# zcio against fio's own engines in one guest boot; writes docs/bench/
# (BENCH_RUNS, BENCH_RUNTIME, BENCH_QUICK=1, BENCH_PERF=1: docs/bench/README.md).
bench: deps
	$(MAKE) all
	$(MAKE) -C tests/bench
	tests/bench/run

# The ioctl fuzzer in one guest boot (docs/fuzz.md): FUZZ_SEED (default:
# from the clock, printed), FUZZ_COUNT, FUZZ_TIME (seconds), FUZZ_VERBOSE=1
# (the call log, kept in FUZZ_OUT), FUZZ_HIPRI=0, FUZZ_ARGS (more rel-fuzz
# options); KERNEL=debug fuzzes on the debug kernel (default 10^5 calls).
# The guest gets the fuzzer's time plus 15 minutes to boot and check.
fuzz_run = ZCIO_FUZZ_SEED='$(FUZZ_SEED)' ZCIO_FUZZ_COUNT='$(1)' \
	ZCIO_FUZZ_TIME='$(2)' ZCIO_FUZZ_VERBOSE='$(FUZZ_VERBOSE)' \
	ZCIO_FUZZ_HIPRI='$(FUZZ_HIPRI)' ZCIO_FUZZ_ARGS='$(FUZZ_ARGS)' \
	tests/vm --timeout $$(( $(2) + 900 )) $(if $(FUZZ_OUT),--out $(FUZZ_OUT)) tests/fuzz
fuzz: deps
ifeq ($(KERNEL),debug)
	kver=$$(tests/kdebug/build) && \
	$(MAKE) all KVER=$$kver && \
	KVER=$$kver $(call fuzz_run,$(or $(FUZZ_COUNT),100000),$(or $(FUZZ_TIME),10800))
else
	$(MAKE) all
	$(call fuzz_run,$(FUZZ_COUNT),$(or $(FUZZ_TIME),2700))
endif

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tools clean
	$(MAKE) -C tests clean
	$(MAKE) -C tests/bench clean

# --- install, uninstall, DKMS (docs/install.md) ---
#
# make install      the module (then depmod -a $(KVER), only when DESTDIR is
#                   empty), zcio.conf for modules-load.d, the udev rule, the
#                   CLI and its bash completion, libzcio, the UAPI header,
#                   the fio engine and its job files, the man pages
# make install-user all of it but the module: what goes with DKMS, which
#                   builds and installs the module for every kernel
# make uninstall    removes exactly those files (uninstall-user: all but the
#                   module)
# make dkms-install copies the module's sources to /usr/src/zcio-VERSION and
#                   runs dkms add, build and install for every kernel with
#                   headers (DKMS_KVERS); make dkms-uninstall: dkms remove
# make check-version  dkms.conf, the module and the CLI agree on the version
#
# Nothing here builds: run make (as yourself) first.  WITH_FIO=0 leaves out
# the fio engine and its job files.  DESTDIR stages a tree for packaging.
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
DATADIR		?= $(PREFIX)/share
MANDIR		?= $(DATADIR)/man
# the fio engine and the job files
ENGINEDIR	?= $(LIBDIR)/zcio
JOBDIR		?= $(DATADIR)/zcio/fio
# bash-completion looks in $XDG_DATA_DIRS, /usr/local/share included
COMPLETIONDIR	?= $(DATADIR)/bash-completion/completions
# Outside PREFIX: <linux/zcio.h> where the compiler finds it, the module
# where modprobe does, the rule and the snippet where udev and
# systemd-modules-load read them.  A rule of the same name in
# /etc/udev/rules.d overrides the one installed here.
UAPIDIR		?= /usr/include
MODDIR		?= /lib/modules/$(KVER)/updates
UDEVRULESDIR	?= /usr/lib/udev/rules.d
MODLOADDIR	?= /etc/modules-load.d
WITH_FIO	?= 1
INSTALL		?= install

ZCIO_VERSION = $(shell sed -n 's/^\#define ZCIO_VERSION_STR[[:space:]]*"\(.*\)"/\1/p' blk/zcio.h)
DKMS_VERSION = $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
CLI_VERSION = $(shell sed -n 's/^\#define ZCIO_TOOL_VERSION[[:space:]]*"\(.*\)"/\1/p' tools/zcio.c)
# kernels DKMS builds for: every one whose headers are installed
DKMS_KVERS	?= $(notdir $(patsubst %/build/Makefile,%,$(wildcard /lib/modules/*/build/Makefile)))
DKMS_SRCDIR	?= /usr/src/zcio-$(ZCIO_VERSION)
# what the module build needs, nothing else
DKMS_FILES	= dkms.conf Kbuild ioctl_uapi/linux/zcio.h blk/Kbuild \
		  $(filter-out %.mod.c,$(wildcard blk/*.c)) $(wildcard blk/*.h)

FIO_JOBS	= $(notdir $(wildcard tools/fio/jobs/*.fio))
MAN1		= zcio.1
MAN4		= zcio.4

.PHONY: install install-module install-user uninstall uninstall-module \
	uninstall-user dkms-src dkms-install dkms-uninstall check-version

install: install-module install-user

install-module:
	@test -f blk/zcio.ko || { echo "no blk/zcio.ko: run make first" >&2; exit 1; }
	@v=$$(modinfo -F vermagic blk/zcio.ko | cut -d' ' -f1); \
	if [ "$$v" != "$(KVER)" ]; then \
		echo "blk/zcio.ko is built for '$$v', not KVER=$(KVER): run make KVER=$(KVER)" >&2; \
		exit 1; \
	fi
	$(INSTALL) -d $(DESTDIR)$(MODDIR)
	$(INSTALL) -m 644 blk/zcio.ko $(DESTDIR)$(MODDIR)/zcio.ko
ifeq ($(DESTDIR),)
	depmod -a $(KVER)
endif

# Everything but the module, the udev rule and modules-load.d snippet
# included: what to install next to DKMS.
install-user:
	@for f in tools/zcio tools/lib/libzcio.a $(if $(filter 1,$(WITH_FIO)),tools/fio/zcio-engine.so); do \
		test -f $$f || { echo "no $$f: run make first" >&2; exit 1; }; \
	done
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(UAPIDIR)/linux $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man4 \
		$(DESTDIR)$(MODLOADDIR) $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(COMPLETIONDIR)
	$(INSTALL) -m 755 tools/zcio $(DESTDIR)$(BINDIR)/zcio
	$(INSTALL) -m 644 tools/completion/zcio $(DESTDIR)$(COMPLETIONDIR)/zcio
	$(INSTALL) -m 644 tools/lib/libzcio.a $(DESTDIR)$(LIBDIR)/libzcio.a
	$(INSTALL) -m 644 tools/lib/libzcio.h $(DESTDIR)$(INCLUDEDIR)/libzcio.h
	$(INSTALL) -m 644 ioctl_uapi/linux/zcio.h $(DESTDIR)$(UAPIDIR)/linux/zcio.h
	$(INSTALL) -m 644 docs/man/$(MAN1) $(DESTDIR)$(MANDIR)/man1/$(MAN1)
	$(INSTALL) -m 644 docs/man/$(MAN4) $(DESTDIR)$(MANDIR)/man4/$(MAN4)
	$(INSTALL) -m 644 tools/pkg/modules-load.conf $(DESTDIR)$(MODLOADDIR)/zcio.conf
	$(INSTALL) -m 644 tools/pkg/60-zcio.rules $(DESTDIR)$(UDEVRULESDIR)/60-zcio.rules
ifeq ($(WITH_FIO),1)
	$(INSTALL) -d $(DESTDIR)$(ENGINEDIR) $(DESTDIR)$(JOBDIR)
	$(INSTALL) -m 755 tools/fio/zcio-engine.so $(DESTDIR)$(ENGINEDIR)/zcio-engine.so
	$(INSTALL) -m 644 $(addprefix tools/fio/jobs/,$(FIO_JOBS)) $(DESTDIR)$(JOBDIR)/
endif

uninstall: uninstall-module uninstall-user

uninstall-module:
	rm -f $(DESTDIR)$(MODDIR)/zcio.ko
ifeq ($(DESTDIR),)
	depmod -a $(KVER)
endif

# The directories that are zcio's own go too, if nothing else is in them.
uninstall-user:
	rm -f $(DESTDIR)$(BINDIR)/zcio $(DESTDIR)$(COMPLETIONDIR)/zcio $(DESTDIR)$(LIBDIR)/libzcio.a \
		$(DESTDIR)$(INCLUDEDIR)/libzcio.h $(DESTDIR)$(UAPIDIR)/linux/zcio.h \
		$(DESTDIR)$(MANDIR)/man1/$(MAN1) $(DESTDIR)$(MANDIR)/man4/$(MAN4) \
		$(DESTDIR)$(MODLOADDIR)/zcio.conf $(DESTDIR)$(UDEVRULESDIR)/60-zcio.rules \
		$(DESTDIR)$(ENGINEDIR)/zcio-engine.so $(addprefix $(DESTDIR)$(JOBDIR)/,$(FIO_JOBS))
	for d in $(DESTDIR)$(ENGINEDIR) $(DESTDIR)$(JOBDIR) $(DESTDIR)$(DATADIR)/zcio; do \
		[ ! -d $$d ] || rmdir --ignore-fail-on-non-empty $$d || exit 1; \
	done

check-version:
	@if [ -z "$(ZCIO_VERSION)" ] || [ "$(ZCIO_VERSION)" != "$(DKMS_VERSION)" ] || \
	    [ "$(ZCIO_VERSION)" != "$(CLI_VERSION)" ]; then \
		echo "version mismatch: blk/zcio.h '$(ZCIO_VERSION)', dkms.conf '$(DKMS_VERSION)'," \
			"tools/zcio.c '$(CLI_VERSION)'" >&2; \
		exit 1; \
	fi
	@echo "version $(ZCIO_VERSION): blk/zcio.h, dkms.conf and tools/zcio.c agree"

# The module's sources as DKMS wants them: dkms.conf at the top.
dkms-src: check-version
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)
	for f in $(DKMS_FILES); do \
		$(INSTALL) -D -m 644 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f || exit 1; \
	done

# A version added before (a reinstall) is removed first: dkms add refuses it.
dkms-install: check-version
	@if dkms status zcio/$(ZCIO_VERSION) 2>/dev/null | grep -q .; then \
		echo "dkms remove zcio/$(ZCIO_VERSION) --all"; \
		dkms remove zcio/$(ZCIO_VERSION) --all || exit 1; \
	fi
	$(MAKE) --no-print-directory dkms-src DESTDIR=
	dkms add zcio/$(ZCIO_VERSION)
	dkms build zcio/$(ZCIO_VERSION) $(addprefix -k ,$(DKMS_KVERS))
	dkms install zcio/$(ZCIO_VERSION) $(addprefix -k ,$(DKMS_KVERS))

dkms-uninstall:
	-dkms remove zcio/$(ZCIO_VERSION) --all
	rm -rf $(DKMS_SRCDIR)
