/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tests/api/ and tests/rel/ C programs
 * (tests/src/api-*.c, rel-*.c): result formatting and the "ok NAME" line,
 * the module's counters, FOLL_PIN accounting, offset-stamped data, filled
 * anonymous buffers and buffers with unmapped neighbours.  Everything is
 * static: each program includes this header once.
 *
 * Output convention: a program prints what a golden .out file may compare
 * on stdout and everything else (progress, reasons for a failure) on
 * stderr.  It exits 0 when every check passed, 1 otherwise, 77 to skip.
 */
#ifndef API_UTIL_H
#define API_UTIL_H

/* Include this header first: it asks for the GNU extensions it uses. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libzcio.h"
#include "msg.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define ZCIO_SYSFS_STATS	"/sys/class/misc/zcio/stats"
#define API_PAGE		4096UL
#define API_KILL_TIMEOUT_S	30

static int api_failures;
static const char *api_prog = "api";

/* Print a failed check on stderr and remember it for api_exit(). */
static inline void __attribute__((format(printf, 1, 2))) api_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vmsg(api_prog, "FAIL", fmt, ap);
	va_end(ap);
	api_failures++;
}

/* The test cannot go on (setup failed): report and exit 1. */
static inline void __attribute__((format(printf, 1, 2), noreturn))
api_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vmsg(api_prog, "ERROR", fmt, ap);
	va_end(ap);
	exit(1);
}

static inline void __attribute__((format(printf, 1, 2))) api_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vmsg(api_prog, NULL, fmt, ap);
	va_end(ap);
}

/* A check passed: "ok NAME" on stdout, flushed at once (programs fork). */
static inline void api_ok(const char *name)
{
	printf("ok %s\n", name);
	fflush(stdout);
}

static inline int api_exit(void)
{
	if (api_failures)
		fprintf(stderr, "%s: %d check(s) failed\n", api_prog,
			api_failures);
	return api_failures ? 1 : 0;
}

/* "EINVAL" for 22 or -22; "E?<n>" for a number glibc has no name for. */
static inline const char *api_errname(int err)
{
	static char buf[4][16];
	static int slot;
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	if (name)
		return name;
	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "E?%d", err);
	return buf[slot];
}

/* A result as the tables print it: a byte count, or an errno name. */
static inline const char *api_result_str(int64_t res)
{
	static char buf[4][24];
	static int slot;

	if (res < 0)
		return api_errname((int)-res);
	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "%" PRId64, res);
	return buf[slot];
}

/* Open /dev/zcio (or $ZCIO_DEVICE); exit 1 if that is impossible. */
static inline int api_zcio_open(void)
{
	int zfd = zcio_open();

	if (zfd < 0)
		api_die("cannot open %s: %s", zcio_device_path(),
			zcio_strerror(zfd));
	return zfd;
}

/* Wait for the child @pid and return its wait status; exit 1 on error. */
static inline int api_waitpid(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		api_die("waitpid %d: %s", (int)pid, strerror(errno));
	return status;
}

/* Exit 1 unless the module behind @zfd has the feature bits @feat. */
static inline void api_zcio_require(int zfd, uint64_t feat, const char *what)
{
	struct zcio_version ver;
	int ret = zcio_get_version(zfd, &ver);

	if (ret)
		api_die("ZCIO_IOC_VERSION: %s", zcio_strerror(ret));
	if ((ver.features & feat) != feat)
		api_die("the module lacks %s", what);
}

static inline int api_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		api_die("open %s (flags %#x): %s", path, flags,
			strerror(errno));
	return fd;
}

/* One counter from /sys/class/misc/zcio/stats/. */
static inline uint64_t api_sysfs_stat(const char *name)
{
	char path[128], line[64];
	FILE *f;

	snprintf(path, sizeof(path), ZCIO_SYSFS_STATS "/%s", name);
	f = fopen(path, "re");
	if (!f)
		api_die("open %s: %s", path, strerror(errno));
	if (!fgets(line, sizeof(line), f))
		api_die("read %s: %s", path, strerror(errno));
	fclose(f);
	return strtoull(line, NULL, 10);
}

static inline void api_stats(int zfd, struct zcio_stats *st)
{
	int ret = zcio_get_stats(zfd, st);

	if (ret)
		api_die("ZCIO_IOC_STATS: %s", zcio_strerror(ret));
}

/* nr_foll_pin_acquired and nr_foll_pin_released, per-CPU deltas folded. */
static inline void api_vmstat_pins(uint64_t *acquired, uint64_t *released)
{
	char name[64];
	unsigned long long v;
	FILE *f;
	int fd;

	/* Reading stat_refresh folds the per-CPU counters into the totals. */
	fd = open("/proc/sys/vm/stat_refresh", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char c;

		/* Best effort: without it the totals may lag a little. */
		(void)!read(fd, &c, 1);
		close(fd);
	}
	*acquired = *released = 0;
	f = fopen("/proc/vmstat", "re");
	if (!f)
		api_die("open /proc/vmstat: %s", strerror(errno));
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			*acquired = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			*released = v;
	}
	fclose(f);
}

/*
 * Fill @len bytes with the offset-stamped pattern of tests/lib/pattern.py:
 * every 512-byte block starts with "zcio@<device offset, 16 hex>:<seed>\n"
 * and continues with a ramp that depends on the block number and @seed.
 * @dev_off is the device offset the first byte belongs to (a multiple of
 * 512); @len need not be a multiple of 512.
 */
static inline void api_pattern(void *buf, size_t len, uint64_t dev_off, unsigned int seed)
{
	unsigned char block[512];
	unsigned char *p = buf;
	uint64_t off;

	for (off = dev_off; len; off += 512) {
		size_t n = len < 512 ? len : 512;
		int head = snprintf((char *)block, sizeof(block),
				    "zcio@%016" PRIx64 ":%02x\n", off,
				    seed & 0xff);
		size_t i;

		for (i = head; i < 512; i++)
			block[i] = (unsigned char)(off / 512 + seed + i - head);
		memcpy(p, block, n);
		p += n;
		len -= n;
	}
}

/* @len bytes of private anonymous memory, every byte set to @byte. */
static inline void *api_map_filled(size_t len, int byte)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		api_die("mmap %zu: %s", len, strerror(errno));
	memset(p, byte, len);
	return p;
}

/*
 * Map @len bytes (rounded up to pages) with an inaccessible guard page on
 * each side, so a transfer that strays past the buffer faults instead of
 * silently using a neighbour.  Returns the start of the usable area.
 */
static inline void *api_map_guarded(size_t len)
{
	size_t span = (len + API_PAGE - 1) & ~(API_PAGE - 1);
	char *p;

	p = mmap(NULL, span + 2 * API_PAGE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		api_die("mmap %zu bytes: %s", span, strerror(errno));
	if (span && mprotect(p + API_PAGE, span, PROT_READ | PROT_WRITE))
		api_die("mprotect: %s", strerror(errno));
	return p + API_PAGE;
}

static inline void api_unmap_guarded(void *buf, size_t len)
{
	size_t span = (len + API_PAGE - 1) & ~(API_PAGE - 1);

	munmap((char *)buf - API_PAGE, span + 2 * API_PAGE);
}

/* An address where nothing is mapped (it was, a moment ago). */
static inline void *api_unmapped_addr(size_t len)
{
	size_t span = (len + API_PAGE - 1) & ~(API_PAGE - 1);
	void *p;

	p = mmap(NULL, span, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		api_die("mmap: %s", strerror(errno));
	munmap(p, span);
	return p;
}

/* Full-length pread/pwrite on an O_DIRECT admin fd; dies on failure. */
static inline void api_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, (off_t)off);

	if (n != (ssize_t)len)
		api_die("pread %zu at %" PRIu64 ": %zd (%s)", len, off, n,
			n < 0 ? strerror(errno) : "short");
}

static inline void api_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	ssize_t n = pwrite(fd, buf, len, (off_t)off);

	if (n != (ssize_t)len)
		api_die("pwrite %zu at %" PRIu64 ": %zd (%s)", len, off, n,
			n < 0 ? strerror(errno) : "short");
}

/* Byte offset of the first difference, or -1 if equal. */
static inline long api_first_diff(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	for (i = 0; i < len; i++)
		if (x[i] != y[i])
			return (long)i;
	return -1;
}

/* Up to 32 bytes as printable text, for messages ('.' for the rest). */
static inline const char *api_hexdump(const void *p, size_t len)
{
	static char buf[2][33];
	static int slot;
	const unsigned char *b = p;
	size_t i;

	slot = (slot + 1) % 2;
	if (len > 32)
		len = 32;
	for (i = 0; i < len; i++)
		buf[slot][i] = b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.';
	buf[slot][len] = 0;
	return buf[slot];
}

/* --- asynchronous I/O (ZCIO_IOC_SUBMIT / ZCIO_IOC_REAP) ------------------ */

#include <time.h>

/* CLOCK_MONOTONIC in seconds. */
static inline double api_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One I/O whose completion event is expected: its tag and result. */
struct api_expect {
	uint64_t tag;
	int64_t result;
	unsigned int seen;
};

/*
 * Reap until @nr events came or @timeout_s passed (each ZCIO_IOC_REAP
 * waits for one more at most, with max_nr capped at 16 to take the events
 * in several batches).  Every event must carry the tag of exactly one
 * entry of @exp, be seen exactly once, carry that entry's result and
 * flags 0.  No order is assumed.  Returns true if all of that held.
 */
static inline bool api_reap_expect(int zfd, const char *name,
				   struct api_expect *exp, unsigned int nr,
				   double timeout_s)
{
	struct zcio_event ev[16];
	double end = api_now() + timeout_s;
	unsigned int got = 0, i;
	bool good = true;
	int n, j;

	for (i = 0; i < nr; i++)
		exp[i].seen = 0;
	while (got < nr) {
		double left = end - api_now();

		if (left <= 0) {
			api_fail("%s: %u of %u events after %.1f s", name, got,
				 nr, timeout_s);
			return false;
		}
		memset(ev, 0x5a, sizeof(ev));
		n = zcio_reap(zfd, ev, 1, ARRAY_SIZE(ev), (int64_t)(left * 1e9));
		if (n < 0) {
			api_fail("%s: ZCIO_IOC_REAP: %s after %u of %u events",
				 name, api_errname(n), got, nr);
			return false;
		}
		if (n == 0 && api_now() < end - 0.05) {
			api_fail("%s: ZCIO_IOC_REAP returned 0 before its timeout after %u of %u events (nothing outstanding?)",
				 name, got, nr);
			return false;
		}
		if (n > (int)ARRAY_SIZE(ev)) {
			api_fail("%s: ZCIO_IOC_REAP returned %d > max_nr %zu",
				 name, n, ARRAY_SIZE(ev));
			return false;
		}
		for (j = 0; j < n; j++) {
			for (i = 0; i < nr && exp[i].tag != ev[j].tag; i++)
				;
			if (i == nr) {
				api_fail("%s: event with unknown tag %#" PRIx64
					 " (result %d)", name,
					 (uint64_t)ev[j].tag, ev[j].result);
				good = false;
				continue;
			}
			if (exp[i].seen++) {
				api_fail("%s: tag %#" PRIx64 " reaped twice",
					 name, exp[i].tag);
				good = false;
			}
			if (ev[j].result != exp[i].result || ev[j].flags) {
				api_fail("%s: tag %#" PRIx64 ": result %s flags %#x, want %s",
					 name, exp[i].tag,
					 api_result_str(ev[j].result),
					 ev[j].flags,
					 api_result_str(exp[i].result));
				good = false;
			}
		}
		got += n;
	}
	return good;
}

/* Nothing more to reap right now (timeout 0, so it does not wait). */
static inline bool api_reap_none(int zfd, const char *name)
{
	struct zcio_event ev[4];
	int n = zcio_reap(zfd, ev, 0, ARRAY_SIZE(ev), 0);

	if (n != 0) {
		api_fail("%s: ZCIO_IOC_REAP found %s, want no event", name,
			 api_result_str(n));
		return false;
	}
	return true;
}

/*
 * Wait up to @secs for pages_pinned to drop to @want; false (and a
 * failure reported) if it does not.
 */
static inline bool api_wait_pinned(const char *name, uint64_t want, double secs)
{
	double end = api_now() + secs;
	uint64_t n;

	while ((n = api_sysfs_stat("pages_pinned")) != want) {
		if (api_now() > end) {
			api_fail("%s: pages_pinned is %" PRIu64 ", want %" PRIu64
				 " within %.1f s", name, n, want, secs);
			return false;
		}
		usleep(10000);
	}
	return true;
}

/* The FOLL_PIN counters balance (nothing pinned by anybody). */
static inline bool api_foll_pin_balanced(const char *name)
{
	uint64_t acq, rel;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		api_vmstat_pins(&acq, &rel);
		if (acq == rel)
			return true;
		usleep(20000);
	}
	api_fail("%s: nr_foll_pin_acquired %" PRIu64 " != released %" PRIu64,
		 name, acq, rel);
	return false;
}

/* One line of /proc/self/status in kB ("VmPin", "VmLck"), or -1. */
static inline long api_status_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		api_die("open /proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* AnonHugePages (kB) of the mapping that holds @p, -1 if none is found. */
static inline long api_thp_kb(const void *p)
{
	char line[256];
	unsigned long start, end;
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = (uintptr_t)p >= start && (uintptr_t)p < end;
			continue;
		}
		if (in && !strncmp(line, "AnonHugePages:", 14))
			kb = strtol(line + 14, NULL, 10);
	}
	fclose(f);
	return kb;
}

#endif /* API_UTIL_H */
