// SPDX-License-Identifier: GPL-2.0
/*
 * tests/bench/bare: the cost of one 4 KiB random read without fio around
 * it.  The same loop, the same offsets, three ways:
 *
 *   pread       pread() on the device opened with O_DIRECT
 *   zcio        zcio_pread() (ZCIO_IOC_IO) on the device opened without
 *               O_DIRECT
 *   zcio-fixed  ZCIO_IOC_IO with ZCIO_IO_FIXED into one registered buffer
 *               (only when the module reports ZCIO_FEAT_REGBUF)
 *
 * Usage: bare DEV SECONDS ROUNDS
 *
 * Each round lasts SECONDS per method and interleaves the methods call by
 * call (pread, zcio, zcio-fixed, pread, ... in an order that rotates with
 * every I/O), timing each call with the TSC: drift in the guest, which
 * moves TCG's speed by 2-3x from second to second, hits all methods alike.
 * One JSON object per line and per (round, method) on stdout:
 *   {"round": R, "method": "...", "ios": N, "ns": IN_CALL, "cpu_ns": CPU}
 * IN_CALL is the time spent inside that method's calls (TSC cycles scaled
 * to the round's wall clock); CPU is the round's user+system time shared
 * out in proportion to IN_CALL.
 * Anything else (a skipped method, an error) goes to stderr.
 * Exit status: 0, or 1 when the device or /dev/zcio cannot be used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "libzcio.h"

#define BS		4096
#define CHECK_EVERY	256	/* I/Os between two looks at the clock */

enum method { M_PREAD, M_ZCIO, M_FIXED, M_NR };
static const char *const method_name[M_NR] = { "pread", "zcio", "zcio-fixed" };

struct ctx {
	int dfd;	/* the device, O_DIRECT, for pread() */
	int bfd;	/* the device, no O_DIRECT, for zcio */
	int zfd;	/* /dev/zcio */
	void *buf;
	uint64_t nblocks;
	bool fixed;	/* a buffer is registered */
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t rusage_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ULL +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ULL;
}

/* xorshift64: the same offset sequence for every method. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One transfer at @off by method @m; 0 or -errno. */
static int one_io(struct ctx *c, enum method m, uint64_t off)
{
	struct zcio_io io;
	ssize_t n;
	int rc;

	switch (m) {
	case M_PREAD:
		n = pread(c->dfd, c->buf, BS, (off_t)off);
		return n == BS ? 0 : (n < 0 ? -errno : -EIO);
	case M_ZCIO:
		n = zcio_pread(c->zfd, c->bfd, c->buf, BS, off);
		return n == BS ? 0 : (n < 0 ? (int)n : -EIO);
	case M_FIXED:
		zcio_prep_fixed(&io, ZCIO_OP_READ, c->bfd, 0, 0, BS, off);
		rc = zcio_submit_io(c->zfd, &io);
		if (rc)
			return rc;
		return io.result == BS ? 0 : -EIO;
	default:
		return -EINVAL;
	}
}

/*
 * Run one round: @nm methods interleaved call by call for @secs seconds
 * each, then print one line per method; 0 or -errno.
 */
static int run_round(struct ctx *c, int nm, int round, double secs)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL, t0, t1, c0, c1, end;
	uint64_t cyc[M_NR] = { 0 }, ios = 0, tsc0, tsc1, all = 0;
	int rc, i, m, k = 0;
	double ns_per_cyc;

	c0 = rusage_ns();
	t0 = now_ns(CLOCK_MONOTONIC);
	tsc0 = __rdtsc();
	end = t0 + (uint64_t)(secs * nm * 1e9);
	do {
		for (i = 0; i < CHECK_EVERY; i++) {
			uint64_t off = (next_rand(&seed) % c->nblocks) * BS;

			/* every method once, starting one further each time */
			for (m = 0; m < nm; m++) {
				int me = (k + m) % nm;
				uint64_t a = __rdtsc();

				rc = one_io(c, (enum method)me, off);
				cyc[me] += __rdtsc() - a;
				if (rc) {
					fprintf(stderr, "bare: %s: %s\n",
						method_name[me], strerror(-rc));
					return rc;
				}
			}
			k++;
		}
		ios += CHECK_EVERY;
		t1 = now_ns(CLOCK_MONOTONIC);
	} while (t1 < end);
	tsc1 = __rdtsc();
	c1 = rusage_ns();
	ns_per_cyc = (double)(t1 - t0) / (double)(tsc1 - tsc0);
	for (m = 0; m < nm; m++)
		all += cyc[m];
	for (m = 0; m < nm; m++)
		printf("{\"round\": %d, \"method\": \"%s\", \"ios\": %llu, \"ns\": %llu, \"cpu_ns\": %llu}\n",
		       round, method_name[m], (unsigned long long)ios,
		       (unsigned long long)(cyc[m] * ns_per_cyc),
		       (unsigned long long)((double)(c1 - c0) * cyc[m] / all));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct zcio_version ver;
	struct ctx c = { .dfd = -1, .bfd = -1, .zfd = -1 };
	uint64_t size;
	double secs;
	int rounds, r, rc;
	int nm;

	if (argc != 4) {
		fprintf(stderr, "usage: bare DEV SECONDS ROUNDS\n");
		return 2;
	}
	secs = atof(argv[2]);
	rounds = atoi(argv[3]);
	if (secs <= 0 || rounds <= 0) {
		fprintf(stderr, "bare: SECONDS and ROUNDS must be positive\n");
		return 2;
	}
	c.dfd = open(argv[1], O_RDONLY | O_DIRECT | O_CLOEXEC);
	c.bfd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (c.dfd < 0 || c.bfd < 0) {
		fprintf(stderr, "bare: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (ioctl(c.bfd, BLKGETSIZE64, &size) || size < BS) {
		fprintf(stderr, "bare: %s: no usable size\n", argv[1]);
		return 1;
	}
	c.nblocks = size / BS;
	c.zfd = zcio_open();
	if (c.zfd < 0) {
		fprintf(stderr, "bare: %s: %s\n", zcio_device_path(), zcio_strerror(c.zfd));
		return 1;
	}
	rc = zcio_get_version(c.zfd, &ver);
	if (rc) {
		fprintf(stderr, "bare: ZCIO_IOC_VERSION: %s\n", zcio_strerror(rc));
		return 1;
	}
	rc = zcio_buf_alloc(&c.buf, BS, BS);
	if (rc) {
		fprintf(stderr, "bare: %s\n", zcio_strerror(rc));
		return 1;
	}
	nm = M_FIXED;
	if (ver.features & ZCIO_FEAT_REGBUF) {
		struct zcio_buf b = { .addr = (uintptr_t)c.buf, .len = BS };

		rc = zcio_register_bufs(c.zfd, &b, 1);
		if (rc)
			fprintf(stderr, "bare: zcio-fixed skipped: ZCIO_IOC_REGISTER: %s\n",
				zcio_strerror(rc));
		else
			nm = M_NR;
	} else {
		fprintf(stderr, "bare: zcio-fixed skipped: the module has no regbuf feature\n");
	}

	for (r = 0; r < rounds; r++) {
		rc = run_round(&c, nm, r + 1, secs);
		if (rc)
			return 1;
	}
	return 0;
}
