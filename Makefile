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

.PHONY: all module tools tests deps lint check demo bench clean

all: module tools tests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools

# The tools' host-side test programs too: tests/cli/001-host-unit runs them.
tests: tools
	$(MAKE) -C tools test-progs
	$(MAKE) -C tests

deps:
	tests/deps

lint: deps
	tests/lint

check: deps
	$(MAKE) all
	tests/check

demo: deps
	$(MAKE) all
	tests/vm tests/demo

# zcio against fio's own engines in one guest boot; writes docs/bench/
# (BENCH_RUNS, BENCH_RUNTIME, BENCH_QUICK=1, BENCH_PERF=1: docs/bench/README.md).
bench: deps
	$(MAKE) all
	$(MAKE) -C tests/bench
	tests/bench/run

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tools clean
	$(MAKE) -C tests clean
	$(MAKE) -C tests/bench clean
