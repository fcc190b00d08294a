// SPDX-License-Identifier: GPL-2.0
/*
 * api-async FAST_DEV SLOW_DEV: asynchronous submission (ZCIO_IOC_SUBMIT),
 * reaping (ZCIO_IOC_REAP) and poll()/epoll on /dev/zcio.
 *
 * FAST_DEV is a writable scratch device of at least 16 MiB with 512-byte
 * blocks and a dma_alignment of 512 (brd); SLOW_DEV shows the same data
 * with every bio held for about SLOW_S (dm-delay over FAST_DEV).  Cases:
 *
 *  features	VERSION reports ASYNC, REGBUF and POLLED and a max_inflight;
 *  idle	a reap with nothing in flight (min_nr 1, no timeout) returns
 *		0 at once, and poll() shows no POLLIN;
 *  batch-N	N = 1..16 and 64 writes in one ZCIO_IOC_SUBMIT at distinct
 *		offsets and lengths, then N reads; every tag comes back exactly
 *		once with its length, the device holds what was written
 *		(pread O_DIRECT), the reads return it, the memory around each
 *		read buffer is untouched, and the counters move by exactly 2N
 *		requests, async_requests and bytes, with every pin released;
 *  poll, epoll	no readiness while the one I/O is in flight on SLOW_DEV,
 *		readiness after it completed (and only then: the wait took at
 *		least the device's delay), none after the reap;
 *  minmax	max_nr caps every reap; min_nr waits for that many; min_nr
 *		above the I/Os outstanding waits only for those; min_nr 0
 *		never waits;
 *  timeout	a 10 ms reap returns 0 after waiting, timeout 0 returns at
 *		once, a blocking reap then returns the event; the block
 *		device fd may be closed while its I/O is in flight;
 *  eintr	SIGALRM (handler, no SA_RESTART) during a blocking reap with
 *		nothing ready fails it with EINTR; the event comes later;
 *  entries	one SUBMIT of good entries mixed with every kind of bad one:
 *		the ioctl takes them all and each tag's result is exactly the
 *		errno (or byte count) ZCIO_IOC_IO returns for the same entry;
 *		requests/errors/async_requests move as for the synchronous
 *		calls (a read at the end of the device is not a request);
 *  submit-args	bad flags/resv (EINVAL), unreadable array (EFAULT), nr 0,
 *		an array whose third entry runs into a PROT_NONE page (two
 *		taken, exactly two events); nothing taken on failure;
 *  reap-args	max_nr 0, min_nr > max_nr, flags/pad/resv (EINVAL); events at
 *		NULL with an event ready (EFAULT): the event stays reapable,
 *		its pages are unpinned already, it is counted once;
 *  cap		max_inflight + 64 entries in one call take exactly
 *		max_inflight; with all of them completed but unreaped the next
 *		SUBMIT fails with EAGAIN; one reap frees exactly one slot.
 *
 * Why these catch a broken module: every tag is matched against a table
 * (a lost, duplicated or invented event fails), results are compared to
 * the synchronous path entry by entry, data is compared byte for byte
 * through the kernel's own O_DIRECT path, and the timing checks have a
 * lower bound (a reap or poll that does not wait returns before the
 * SLOW_S delay) as well as an upper one (one that waits too long).
 */
#include "api-util.h"

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/time.h>

#define K		1024UL
#define M		(1024UL * 1024)
#define SLOW_S		0.5
/* Lower bound for a wait that needs a SLOW_DEV completion. */
#define SLOW_MIN_S	(SLOW_S * 0.8)

static int zfd;
static int bfd;		/* FAST_DEV, O_RDWR */
static int sfd;		/* SLOW_DEV, O_RDWR */
static int afd;		/* FAST_DEV, O_RDWR | O_DIRECT: the kernel's view */
static int rofd;	/* FAST_DEV, O_RDONLY */
static const char *fast_path, *slow_path;
static uint64_t dev_size;
static struct zcio_version ver;
static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM runs on_alarm and interrupts system calls (no SA_RESTART). */
static void catch_alarm(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		api_die("sigaction: %s", strerror(errno));
}

/* One SIGALRM after @ms milliseconds (0: cancel). */
static void alarm_ms(long ms)
{
	struct itimerval it = {
		.it_value = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 },
	};

	if (setitimer(ITIMER_REAL, &it, NULL))
		api_die("setitimer: %s", strerror(errno));
}

static void prep(struct zcio_io *io, unsigned int op, int fd, void *buf,
		  uint64_t len, uint64_t off, uint64_t tag)
{
	zcio_prep_io(io, op, fd, buf, len, off);
	io->tag = tag;
}

/* Submit @nr entries and insist that all were taken. */
static bool submit_all(const char *name, const struct zcio_io *ios,
		       unsigned int nr)
{
	int n = zcio_submit(zfd, ios, nr);

	if (n != (int)nr) {
		api_fail("%s: ZCIO_IOC_SUBMIT of %u took %s", name, nr,
			 api_result_str(n));
		return false;
	}
	return true;
}

/* Every page zcio pinned is released and the FOLL_PIN totals balance. */
static bool check_unpinned(const char *name)
{
	struct zcio_stats st;

	api_stats(zfd, &st);
	if (st.pages_pinned || st.pins != st.unpins) {
		api_fail("%s: pages_pinned %" PRIu64 " (pins %" PRIu64
			 " unpins %" PRIu64 ") after everything was reaped",
			 name, (uint64_t)st.pages_pinned, (uint64_t)st.pins,
			 (uint64_t)st.unpins);
		return false;
	}
	return api_foll_pin_balanced(name);
}

#define DELTA(f)	((uint64_t)(after.f - before->f))

/* The counters moved by exactly these amounts since @before. */
static bool check_counters(const char *name, const struct zcio_stats *before,
			   uint64_t reads, uint64_t writes, uint64_t errors,
			   uint64_t bytes_read, uint64_t bytes_written,
			   uint64_t async)
{
	struct zcio_stats after;

	api_stats(zfd, &after);
	if (DELTA(requests) == reads + writes && DELTA(reads) == reads &&
	    DELTA(writes) == writes && DELTA(errors) == errors &&
	    DELTA(bytes_read) == bytes_read &&
	    DELTA(bytes_written) == bytes_written &&
	    DELTA(async_requests) == async && DELTA(polled_requests) == 0 &&
	    DELTA(killed) == 0)
		return true;
	api_fail("%s: counters: requests +%" PRIu64 " reads +%" PRIu64
		 " writes +%" PRIu64 " errors +%" PRIu64 " bytes_read +%" PRIu64
		 " bytes_written +%" PRIu64 " async_requests +%" PRIu64
		 " polled +%" PRIu64 "; want %" PRIu64 "/%" PRIu64 "/%" PRIu64
		 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/0",
		 name, DELTA(requests), DELTA(reads), DELTA(writes),
		 DELTA(errors), DELTA(bytes_read), DELTA(bytes_written),
		 DELTA(async_requests), DELTA(polled_requests),
		 reads + writes, reads, writes, errors, bytes_read,
		 bytes_written, async);
	return false;
}

/* --- features, idle ---------------------------------------------------- */

static void test_features(void)
{
	const uint64_t need = ZCIO_FEAT_ASYNC | ZCIO_FEAT_REGBUF | ZCIO_FEAT_POLLED;
	int ret = zcio_get_version(zfd, &ver);

	if (ret)
		api_die("ZCIO_IOC_VERSION: %s", zcio_strerror(ret));
	if ((ver.features & need) != need) {
		api_fail("features: %#" PRIx64 " lacks ASYNC|REGBUF|POLLED",
			 (uint64_t)ver.features);
		return;
	}
	if (ver.max_inflight < 64 || ver.max_inflight > 65536) {
		api_fail("features: max_inflight %u", ver.max_inflight);
		return;
	}
	api_info("max_inflight %u, max_bufs %u, max_buf_bytes %u",
		 ver.max_inflight, ver.max_bufs, ver.max_buf_bytes);
	api_ok("features");
}

static void test_idle(void)
{
	struct zcio_event ev[4];
	struct pollfd pfd = { .fd = zfd, .events = POLLIN };
	double t0;
	int n;

	/* A module that waits here would be woken by the alarm: EINTR. */
	alarm_ms(3000);
	t0 = api_now();
	n = zcio_reap(zfd, ev, 1, ARRAY_SIZE(ev), -1);
	alarm_ms(0);
	if (n != 0 || api_now() - t0 > 1.0) {
		api_fail("idle: reap(min 1, no timeout) with nothing in flight: %s after %.2f s, want 0 at once",
			 api_result_str(n), api_now() - t0);
		return;
	}
	n = zcio_reap(zfd, ev, 4, 4, 1000000000);
	if (n != 0 || api_now() - t0 > 1.0) {
		api_fail("idle: reap(min 4, 1 s) with nothing in flight: %s after %.2f s",
			 api_result_str(n), api_now() - t0);
		return;
	}
	n = poll(&pfd, 1, 0);
	if (n != 0) {
		api_fail("idle: poll() = %d (revents %#x) with nothing in flight",
			 n, pfd.revents);
		return;
	}
	api_ok("idle");
}

/* --- batches ------------------------------------------------------------ */

#define BATCH_AREA	(8 * M)		/* device area and buffer size */

static void batch(unsigned int nr, char *wbuf, char *rbuf, char *cbuf)
{
	struct zcio_io ios[64];
	struct api_expect exp[64];
	uint64_t off[64], len[64], boff[64];
	uint64_t dev = 0, mem = 0, total = 0;
	struct zcio_stats before;
	char name[32];
	unsigned int i;
	long d;

	snprintf(name, sizeof(name), "batch-%u", nr);
	/*
	 * Lengths 512 B to 16 KiB, buffers at page and page + 512 addresses,
	 * 4 KiB gaps between device ranges and 512-byte gaps between the
	 * buffers, so that an entry done at another's offset shows.
	 */
	for (i = 0; i < nr; i++) {
		len[i] = i % 5 == 4 ? 512 : 4096 * (1 + i % 4);
		boff[i] = mem + (i % 2) * 512;
		off[i] = dev;
		mem = (boff[i] + len[i] + 512 + 4095) & ~4095UL;
		dev += len[i] + 4096;
		total += len[i];
	}
	memset(wbuf, 0, mem);
	for (i = 0; i < nr; i++) {
		api_pattern(wbuf + boff[i], len[i], off[i], nr);
		prep(&ios[i], ZCIO_OP_WRITE, bfd, wbuf + boff[i], len[i],
		     off[i], ((uint64_t)nr << 32) | (0x7000 + i));
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = (int64_t)len[i] };
	}
	api_stats(zfd, &before);
	if (!submit_all(name, ios, nr) ||
	    !api_reap_expect(zfd, name, exp, nr, 60))
		return;
	for (i = 0; i < nr; i++) {
		api_pread_all(afd, cbuf, len[i], off[i]);
		d = api_first_diff(cbuf, wbuf + boff[i], len[i]);
		if (d >= 0) {
			api_fail("%s: write %u (tag %#" PRIx64 ", %" PRIu64
				 " bytes at %" PRIu64 "): device differs at +%ld: \"%s\"",
				 name, i, exp[i].tag, len[i], off[i], d,
				 api_hexdump(cbuf + (d & ~511L), 32));
			return;
		}
	}
	memset(rbuf, 0xa5, mem);
	for (i = 0; i < nr; i++) {
		prep(&ios[i], ZCIO_OP_READ, bfd, rbuf + boff[i], len[i], off[i],
		     ~(((uint64_t)nr << 32) | i));
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = (int64_t)len[i] };
	}
	if (!submit_all(name, ios, nr) ||
	    !api_reap_expect(zfd, name, exp, nr, 60))
		return;
	for (i = 0; i < nr; i++) {
		d = api_first_diff(rbuf + boff[i], wbuf + boff[i], len[i]);
		if (d >= 0) {
			api_fail("%s: read %u (%" PRIu64 " bytes at %" PRIu64
				 "): differs at +%ld: \"%s\"", name, i, len[i],
				 off[i], d, api_hexdump(rbuf + boff[i] + (d & ~511L), 32));
			return;
		}
	}
	/* Nothing outside the read buffers was written. */
	memcpy(cbuf, rbuf, mem);
	for (i = 0; i < nr; i++)
		memset(cbuf + boff[i], 0xa5, len[i]);
	for (i = 0; i < mem; i++)
		if ((unsigned char)cbuf[i] != 0xa5) {
			api_fail("%s: byte %u of the read buffer, outside every entry, was written",
				 name, i);
			return;
		}
	if (!check_counters(name, &before, nr, nr, 0, total, total, 2 * nr) ||
	    !check_unpinned(name) || !api_reap_none(zfd, name))
		return;
	api_ok(name);
}

static void test_batches(void)
{
	char *wbuf = api_map_guarded(2 * M), *rbuf = api_map_guarded(2 * M);
	char *cbuf = api_map_guarded(2 * M);
	unsigned int nr;

	for (nr = 1; nr <= 16; nr++)
		batch(nr, wbuf, rbuf, cbuf);
	batch(64, wbuf, rbuf, cbuf);
	api_unmap_guarded(wbuf, 2 * M);
	api_unmap_guarded(rbuf, 2 * M);
	api_unmap_guarded(cbuf, 2 * M);
}

/* --- readiness ------------------------------------------------------------ */

#define SLOW_OFF	(10 * M)	/* scratch area of the SLOW_DEV tests */

static char *sbuf;	/* 1 MiB for the SLOW_DEV tests */

static void test_poll(void)
{
	struct pollfd pfd = { .fd = zfd, .events = POLLIN };
	struct api_expect exp[1];
	struct zcio_io io;
	double t0, t1;
	int n;

	prep(&io, ZCIO_OP_WRITE, sfd, sbuf, 4096, SLOW_OFF, 0x9011);
	exp[0] = (struct api_expect){ .tag = io.tag, .result = 4096 };
	t0 = api_now();
	if (!submit_all("poll", &io, 1))
		return;
	n = poll(&pfd, 1, 0);
	t1 = api_now();
	if (n != 0 && t1 - t0 < SLOW_MIN_S) {
		api_fail("poll: POLLIN (%d, revents %#x) %.3f s after the submit, before the I/O can have completed",
			 n, pfd.revents, t1 - t0);
		return;
	}
	n = poll(&pfd, 1, 10000);
	t1 = api_now();
	if (n != 1 || !(pfd.revents & POLLIN)) {
		api_fail("poll: %d (revents %#x) after %.2f s, want POLLIN",
			 n, pfd.revents, t1 - t0);
		return;
	}
	if (t1 - t0 < SLOW_MIN_S) {
		api_fail("poll: POLLIN after %.3f s, before the %.1f s I/O completed",
			 t1 - t0, SLOW_S);
		return;
	}
	/* Level-triggered: still ready until reaped. */
	n = poll(&pfd, 1, 0);
	if (n != 1 || !(pfd.revents & POLLIN)) {
		api_fail("poll: a second poll() = %d (revents %#x), the event was not reaped yet",
			 n, pfd.revents);
		return;
	}
	if (!api_reap_expect(zfd, "poll", exp, 1, 10))
		return;
	n = poll(&pfd, 1, 0);
	if (n != 0) {
		api_fail("poll: %d (revents %#x) after the only event was reaped",
			 n, pfd.revents);
		return;
	}
	api_ok("poll");
}

static void test_epoll(void)
{
	struct epoll_event ee = { .events = EPOLLIN }, out[2];
	struct api_expect exp[2];
	struct zcio_io ios[2];
	int ep = epoll_create1(EPOLL_CLOEXEC), n, i;
	double t0, t1;

	if (ep < 0)
		api_die("epoll_create1: %s", strerror(errno));
	if (epoll_ctl(ep, EPOLL_CTL_ADD, zfd, &ee))
		api_die("EPOLL_CTL_ADD /dev/zcio: %s", strerror(errno));
	n = epoll_wait(ep, out, 2, 0);
	if (n != 0) {
		api_fail("epoll: %d events with nothing in flight", n);
		goto out;
	}
	for (i = 0; i < 2; i++) {
		prep(&ios[i], ZCIO_OP_READ, sfd, sbuf + i * 4096, 4096,
		     SLOW_OFF + i * 4096, 0xe0 + i);
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = 4096 };
	}
	t0 = api_now();
	if (!submit_all("epoll", ios, 2))
		goto out;
	n = epoll_wait(ep, out, 2, 0);
	t1 = api_now();
	if (n != 0 && t1 - t0 < SLOW_MIN_S) {
		api_fail("epoll: ready %.3f s after the submit, before the I/O can have completed",
			 t1 - t0);
		goto out;
	}
	n = epoll_wait(ep, out, 2, 10000);
	t1 = api_now();
	if (n != 1 || !(out[0].events & EPOLLIN) || t1 - t0 < SLOW_MIN_S) {
		api_fail("epoll: epoll_wait = %d (events %#x) after %.3f s, want EPOLLIN after >= %.1f s",
			 n, n > 0 ? out[0].events : 0, t1 - t0, SLOW_MIN_S);
		goto out;
	}
	if (!api_reap_expect(zfd, "epoll", exp, 2, 10))
		goto out;
	n = epoll_wait(ep, out, 2, 0);
	if (n != 0) {
		api_fail("epoll: %d events after everything was reaped", n);
		goto out;
	}
	api_ok("epoll");
out:
	close(ep);
}

/* --- min_nr / max_nr, timeouts, signals ----------------------------------- */

/*
 * Check @n events against @exp (marking them seen); false on an unknown,
 * repeated or wrong one.
 */
static bool match_events(const char *name, const struct zcio_event *ev, int n,
			 struct api_expect *exp, unsigned int nr)
{
	unsigned int i;
	int j;

	for (j = 0; j < n; j++) {
		for (i = 0; i < nr && exp[i].tag != ev[j].tag; i++)
			;
		if (i == nr || exp[i].seen++ || ev[j].result != exp[i].result ||
		    ev[j].flags) {
			api_fail("%s: unexpected event tag %#" PRIx64 " result %s flags %#x",
				 name, (uint64_t)ev[j].tag,
				 api_result_str(ev[j].result), ev[j].flags);
			return false;
		}
	}
	return true;
}

static void prep_slow_reads(struct zcio_io *ios, struct api_expect *exp,
			    unsigned int nr, uint64_t tag0)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		prep(&ios[i], ZCIO_OP_READ, sfd, sbuf + i * 4096, 4096,
		     SLOW_OFF + i * 4096, tag0 + i);
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = 4096 };
	}
}

static void test_minmax(void)
{
	struct zcio_event ev[16];
	struct api_expect exp[8];
	struct zcio_io ios[8];
	unsigned int got = 0, i;
	double t0, t;
	int n;

	/* max_nr caps each reap (FAST_DEV). */
	for (i = 0; i < 8; i++) {
		prep(&ios[i], ZCIO_OP_READ, bfd, sbuf + i * 4096, 4096,
		     i * 4096, 0x3300 + i);
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = 4096 };
	}
	if (!submit_all("minmax-max", ios, 8))
		return;
	while (got < 8) {
		memset(ev, 0x5a, sizeof(ev));
		n = zcio_reap(zfd, ev, 1, 3, 10000000000LL);
		if (n < 1 || n > 3) {
			api_fail("minmax-max: reap(min 1, max 3) = %s after %u of 8",
				 api_result_str(n), got);
			return;
		}
		/* The slot after the last one stored is left alone. */
		if (ev[n].tag != 0x5a5a5a5a5a5a5a5aULL) {
			api_fail("minmax-max: reap(max 3) = %d wrote event slot %d",
				 n, n);
			return;
		}
		if (!match_events("minmax-max", ev, n, exp, 8))
			return;
		got += n;
	}
	if (!api_reap_none(zfd, "minmax-max"))
		return;
	api_ok("minmax-max");

	/* min_nr 8 waits for all 8 (SLOW_DEV). */
	prep_slow_reads(ios, exp, 8, 0x3400);
	for (i = 0; i < 8; i++)
		exp[i].seen = 0;
	t0 = api_now();
	if (!submit_all("minmax-min", ios, 8))
		return;
	n = zcio_reap(zfd, ev, 8, 16, -1);
	t = api_now() - t0;
	if (n != 8 || t < SLOW_MIN_S) {
		api_fail("minmax-min: reap(min 8, max 16) = %s after %.3f s, want 8 after >= %.1f s",
			 api_result_str(n), t, SLOW_MIN_S);
		return;
	}
	if (!match_events("minmax-min", ev, n, exp, 8))
		return;
	api_ok("minmax-min");

	/* min_nr above what is outstanding: waits for those only. */
	prep_slow_reads(ios, exp, 2, 0x3500);
	for (i = 0; i < 2; i++)
		exp[i].seen = 0;
	if (!submit_all("minmax-outstanding", ios, 2))
		return;
	alarm_ms(5000);
	n = zcio_reap(zfd, ev, 5, 8, -1);
	alarm_ms(0);
	if (n != 2) {
		api_fail("minmax-outstanding: reap(min 5, max 8) with 2 outstanding = %s, want 2",
			 api_result_str(n));
		return;
	}
	if (!match_events("minmax-outstanding", ev, n, exp, 2))
		return;
	api_ok("minmax-outstanding");

	/* min_nr 0 never waits; min 2 max 2 twice takes 4. */
	prep_slow_reads(ios, exp, 4, 0x3600);
	for (i = 0; i < 4; i++)
		exp[i].seen = 0;
	t0 = api_now();
	if (!submit_all("minmax-zero", ios, 4))
		return;
	n = zcio_reap(zfd, ev, 0, 4, -1);
	t = api_now() - t0;
	if (t < SLOW_MIN_S && (n != 0 || t > 0.3)) {
		api_fail("minmax-zero: reap(min 0, no timeout) = %s after %.3f s, want 0 at once",
			 api_result_str(n), t);
		return;
	}
	if (n > 0 && !match_events("minmax-zero", ev, n, exp, 4))
		return;
	got = n > 0 ? n : 0;
	while (got < 4) {
		n = zcio_reap(zfd, ev, 2, 2, -1);
		if (n < 1 || n > 2 || (n == 1 && got != 3)) {
			api_fail("minmax-zero: reap(min 2, max 2) = %s with %u of 4 reaped",
				 api_result_str(n), got);
			return;
		}
		if (!match_events("minmax-zero", ev, n, exp, 4))
			return;
		got += n;
	}
	if (!api_reap_none(zfd, "minmax-zero") || !check_unpinned("minmax"))
		return;
	api_ok("minmax-zero");
}

static void test_timeout(void)
{
	struct api_expect exp[1];
	struct zcio_event ev[2];
	struct zcio_io io;
	double t0, t1, t2;
	int fd, n;

	/* A dup of SLOW_DEV's fd, closed while its I/O is in flight. */
	fd = dup(sfd);
	if (fd < 0)
		api_die("dup: %s", strerror(errno));
	prep(&io, ZCIO_OP_READ, fd, sbuf, 65536, SLOW_OFF, 0x7103);
	exp[0] = (struct api_expect){ .tag = io.tag, .result = 65536 };
	t0 = api_now();
	if (!submit_all("timeout", &io, 1))
		return;
	close(fd);
	n = zcio_reap(zfd, ev, 1, 2, 10000000);
	t1 = api_now();
	if (t1 - t0 < SLOW_MIN_S && (n != 0 || t1 - t0 < 0.009)) {
		api_fail("timeout: reap(min 1, 10 ms) = %s after %.4f s, want 0 after 10 ms",
			 api_result_str(n), t1 - t0);
		return;
	}
	n = zcio_reap(zfd, ev, 1, 2, 0);
	t2 = api_now();
	if (t2 - t0 < SLOW_MIN_S && (n != 0 || t2 - t1 > 0.2)) {
		api_fail("timeout: reap(min 1, timeout 0) = %s after %.4f s, want 0 at once",
			 api_result_str(n), t2 - t1);
		return;
	}
	if (t2 - t0 >= SLOW_MIN_S)
		api_info("timeout: the guest was too slow (%.3f s) to check the short waits",
			 t2 - t0);
	/* A 10 s timeout: a lost wake-up fails instead of hanging. */
	if (!api_reap_expect(zfd, "timeout", exp, 1, 10))
		return;
	if (api_now() - t0 < SLOW_MIN_S) {
		api_fail("timeout: the event came after %.3f s, before the I/O can have completed",
			 api_now() - t0);
		return;
	}
	api_ok("timeout");
}

static void test_eintr(void)
{
	struct api_expect exp[1];
	struct zcio_event ev[1];
	struct zcio_io io;
	double t0, t;
	int n;

	prep(&io, ZCIO_OP_READ, sfd, sbuf, 4096, SLOW_OFF, 0xe1e1);
	exp[0] = (struct api_expect){ .tag = io.tag, .result = 4096 };
	alarms = 0;
	t0 = api_now();
	if (!submit_all("eintr", &io, 1))
		return;
	alarm_ms(100);
	n = zcio_reap(zfd, ev, 1, 1, -1);
	t = api_now() - t0;
	alarm_ms(0);
	if (t < SLOW_MIN_S && n != -EINTR) {
		api_fail("eintr: reap interrupted by SIGALRM after %.3f s = %s, want EINTR",
			 t, api_result_str(n));
		return;
	}
	if (alarms != 1) {
		api_fail("eintr: %d alarms caught", (int)alarms);
		return;
	}
	if (t >= SLOW_MIN_S) {
		api_info("eintr: too slow to check (%.3f s)", t);
		if (n == 1 && !match_events("eintr", ev, 1, exp, 1))
			return;
		if (n == 1)
			goto done;
	}
	if (!api_reap_expect(zfd, "eintr", exp, 1, 10))
		return;
done:
	api_ok("eintr");
}

/* --- per-entry errors ---------------------------------------------------- */

struct entry_case {
	const char *name;
	int64_t want;		/* result: bytes or -errno */
	bool counted;		/* passes validation with a nonzero length */
	bool is_write;
};

static void test_entries(void)
{
	enum { NR = 21 };
	struct entry_case c[NR];
	struct zcio_io ios[NR], io;
	struct api_expect exp[NR];
	struct zcio_stats before, mid;
	char *buf = api_map_guarded(64 * K), *unmapped = api_unmapped_addr(4096);
	uint64_t base = 4 * M, reads = 0, writes = 0, errors = 0, bread = 0,
		 bwritten = 0, async = 0;
	const char *tmp = getenv("TMPDIR");
	char path[512];
	int regfd, badfd, ret, i;
	bool good = true;

	snprintf(path, sizeof(path), "%s/api-async-XXXXXX", tmp ? tmp : "/tmp");
	regfd = mkostemp(path, O_CLOEXEC);
	if (regfd < 0)
		api_die("mkostemp: %s", strerror(errno));
	unlink(path);
	if (ftruncate(regfd, 1 << 20))
		api_die("ftruncate: %s", strerror(errno));
	badfd = dup(regfd);
	close(badfd);		/* a closed descriptor */
	api_pattern(buf, 64 * K, base, 3);
	api_pwrite_all(afd, buf, 16 * K, base + 8 * K);

#define ENTRY(i, n, w, cnt, wr)	\
	(c[i] = (struct entry_case){ n, w, cnt, wr })
	memset(ios, 0, sizeof(ios));
	prep(&ios[0], ZCIO_OP_WRITE, bfd, buf, 4096, base, 0);
	ENTRY(0, "good write", 4096, true, true);
	prep(&ios[1], ZCIO_OP_READ, badfd, buf, 4096, base, 0);
	ENTRY(1, "closed fd", -EBADF, false, false);
	prep(&ios[2], ZCIO_OP_READ, regfd, buf, 4096, 0, 0);
	ENTRY(2, "regular file", -ENOTBLK, false, false);
	prep(&ios[3], ZCIO_OP_WRITE, rofd, buf, 4096, base, 0);
	ENTRY(3, "write via O_RDONLY", -EBADF, false, true);
	prep(&ios[4], ZCIO_OP_READ, bfd, buf + 1, 4096, base, 0);
	ENTRY(4, "addr + 1", -EINVAL, false, false);
	prep(&ios[5], ZCIO_OP_READ, bfd, buf, 1000, base, 0);
	ENTRY(5, "len 1000", -EINVAL, false, false);
	prep(&ios[6], ZCIO_OP_READ, bfd, buf, 4096, base + 100, 0);
	ENTRY(6, "offset + 100", -EINVAL, false, false);
	prep(&ios[7], ZCIO_OP_READ, bfd, buf, 4096, base, 0);
	ios[7].flags = 0x80000000U;
	ENTRY(7, "flags 0x80000000", -EINVAL, false, false);
	prep(&ios[8], ZCIO_OP_READ, bfd, buf, 4096, base, 0);
	ios[8].pad = 1;
	ENTRY(8, "pad 1", -EINVAL, false, false);
	prep(&ios[9], ZCIO_OP_READ, bfd, buf, 4096, base, 0);
	ios[9].ioprio = 1;
	ENTRY(9, "ioprio 1", -EINVAL, false, false);
	prep(&ios[10], ZCIO_OP_READ, bfd, buf, 4096, base, 0);
	ios[10].resv = 1;
	ENTRY(10, "resv 1", -EINVAL, false, false);
	prep(&ios[11], ZCIO_OP_READ, bfd, buf, 4096, base, 0);
	ios[11].buf_index = 1;
	ENTRY(11, "buf_index without FIXED", -EINVAL, false, false);
	prep(&ios[12], ZCIO_OP_READ, bfd, buf, 4096, dev_size, 0);
	ENTRY(12, "read at end of device", 0, false, false);
	prep(&ios[13], ZCIO_OP_WRITE, bfd, buf, 4096, dev_size, 0);
	ENTRY(13, "write at end of device", -ENOSPC, false, true);
	prep(&ios[14], ZCIO_OP_READ, bfd, buf + 8 * K, 16 * K, base + 8 * K, 0);
	ENTRY(14, "good read", 16 * K, true, false);
	prep(&ios[15], ZCIO_OP_READ, bfd, buf, 4096, base, 0);
	ios[15].op = 0x7f;
	ENTRY(15, "op 0x7f", -EINVAL, false, false);
	zcio_prep_fixed(&ios[16], ZCIO_OP_READ, bfd, 0, 0, 4096, base);
	ENTRY(16, "FIXED, nothing registered", -EINVAL, false, false);
	prep(&ios[17], ZCIO_OP_READ, bfd, buf + 32 * K, 8192, dev_size - 4096, 0);
	ENTRY(17, "read across the end", 4096, true, false);
	prep(&ios[18], ZCIO_OP_READ, bfd, unmapped, 4096, base, 0);
	ENTRY(18, "unmapped buffer", -EFAULT, true, false);
	prep(&ios[19], ZCIO_OP_READ, bfd, buf, 0, base, 0);
	ENTRY(19, "len 0", -EINVAL, false, false);
	prep(&ios[20], ZCIO_OP_WRITE, bfd, buf + 1024, 8192, dev_size - 4096, 0);
	ENTRY(20, "write across the end", 4096, true, true);
#undef ENTRY

	/* The synchronous answer for each entry first. */
	api_stats(zfd, &before);
	for (i = 0; i < NR; i++) {
		io = ios[i];
		io.result = -4242;
		ret = zcio_submit_io(zfd, &io);
		if ((ret ? ret : io.result) != c[i].want) {
			api_fail("entries: ZCIO_IOC_IO %s: %s, want %s", c[i].name,
				 api_result_str(ret ? ret : io.result),
				 api_result_str(c[i].want));
			good = false;
		}
		if (!c[i].counted)
			continue;
		async++;
		if (c[i].is_write)
			writes++;
		else
			reads++;
		if (c[i].want < 0)
			errors++;
		else if (c[i].is_write)
			bwritten += c[i].want;
		else
			bread += c[i].want;
	}
	if (!check_counters("entries-sync", &before, reads, writes, errors,
			    bread, bwritten, 0))
		good = false;

	/* Then all of them in one SUBMIT. */
	for (i = 0; i < NR; i++) {
		ios[i].tag = 0xa5000000ULL + i * 0x10001;
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = c[i].want };
	}
	api_stats(zfd, &mid);
	if (!submit_all("entries", ios, NR) ||
	    !api_reap_expect(zfd, "entries", exp, NR, 30))
		good = false;
	if (!check_counters("entries-async", &mid, reads, writes, errors,
			    bread, bwritten, async) ||
	    !check_unpinned("entries"))
		good = false;
	if (good)
		api_ok("entries");
	close(regfd);
	api_unmap_guarded(buf, 64 * K);
}

/* --- ioctl argument errors ----------------------------------------------- */

static int raw_submit(const struct zcio_submit *sub)
{
	return ioctl(zfd, ZCIO_IOC_SUBMIT, sub) ? -errno : 0;
}

static int raw_reap(const struct zcio_reap *r)
{
	int n = ioctl(zfd, ZCIO_IOC_REAP, r);

	return n < 0 ? -errno : n;
}

static void expect_submit(const char *name, struct zcio_submit sub, int want)
{
	int ret = ioctl(zfd, ZCIO_IOC_SUBMIT, &sub);

	if (ret < 0)
		ret = -errno;
	if (ret != want)
		api_fail("submit-args: %s: %s, want %s", name,
			 api_result_str(ret), api_result_str(want));
}

static void test_submit_args(void)
{
	struct zcio_io io, *arr;
	struct zcio_submit sub;
	struct api_expect exp[3];
	char *pages;
	int fails = api_failures, n, i;

	prep(&io, ZCIO_OP_READ, bfd, sbuf, 4096, 0, 0x5b);
	sub = (struct zcio_submit){ .ios = (uintptr_t)&io, .nr = 1, .flags = 1 };
	expect_submit("flags 1", sub, -EINVAL);
	sub = (struct zcio_submit){ .ios = (uintptr_t)&io, .nr = 1, .resv = { 1, 0 } };
	expect_submit("resv[0] 1", sub, -EINVAL);
	sub = (struct zcio_submit){ .ios = (uintptr_t)&io, .nr = 1, .resv = { 0, 1 } };
	expect_submit("resv[1] 1", sub, -EINVAL);
	sub = (struct zcio_submit){ .ios = (uintptr_t)api_unmapped_addr(4096), .nr = 4 };
	expect_submit("unmapped array", sub, -EFAULT);
	sub = (struct zcio_submit){ .ios = 0, .nr = 1 };
	expect_submit("NULL array", sub, -EFAULT);
	sub = (struct zcio_submit){ .ios = 0, .nr = 0 };
	expect_submit("nr 0", sub, 0);
	sub = (struct zcio_submit){ .ios = (uintptr_t)&io, .nr = 0 };
	expect_submit("nr 0 with an array", sub, 0);
	if (raw_submit(NULL) != -EFAULT)
		api_fail("submit-args: NULL argument: %s",
			 api_result_str(raw_submit(NULL)));
	if (!api_reap_none(zfd, "submit-args: after the refused calls"))
		return;

	/* Entries 0 and 1 readable, entry 2 runs into a PROT_NONE page. */
	pages = mmap(NULL, 2 * API_PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		api_die("mmap: %s", strerror(errno));
	if (mprotect(pages + API_PAGE, API_PAGE, PROT_NONE))
		api_die("mprotect: %s", strerror(errno));
	arr = (struct zcio_io *)(pages + API_PAGE - 2 * sizeof(*arr) - 32);
	for (i = 0; i < 2; i++) {
		prep(&io, ZCIO_OP_READ, bfd, sbuf + i * 4096, 4096, i * 4096,
		     0xc0de + i);
		memcpy(&arr[i], &io, sizeof(io));
		exp[i] = (struct api_expect){ .tag = io.tag, .result = 4096 };
	}
	memset((char *)&arr[2], 0, 32);
	n = zcio_submit(zfd, arr, 5);
	if (n != 2)
		api_fail("submit-args: array whose 3rd entry is unreadable: %s, want 2",
			 api_result_str(n));
	else if (api_reap_expect(zfd, "submit-args: partial array", exp, 2, 10))
		api_reap_none(zfd, "submit-args: partial array");
	/* The unreadable entry first: EFAULT, nothing taken. */
	n = zcio_submit(zfd, &arr[2], 1);
	if (n != -EFAULT)
		api_fail("submit-args: array starting with the unreadable entry: %s, want EFAULT",
			 api_result_str(n));
	api_reap_none(zfd, "submit-args: after EFAULT");
	munmap(pages, 2 * API_PAGE);
	if (api_failures == fails && check_unpinned("submit-args"))
		api_ok("submit-args");
}

static void expect_reap(const char *name, struct zcio_reap r, int want)
{
	int ret = raw_reap(&r);

	if (ret != want)
		api_fail("reap-args: %s: %s, want %s", name,
			 api_result_str(ret), api_result_str(want));
}

static void test_reap_args(void)
{
	struct zcio_event ev[4];
	struct zcio_reap r0 = { .events = (uintptr_t)ev, .min_nr = 1, .max_nr = 4 },
			 r;
	struct pollfd pfd = { .fd = zfd, .events = POLLIN };
	struct api_expect exp[1];
	struct zcio_stats before, st;
	struct zcio_io io;
	int fails = api_failures, ret;

	prep(&io, ZCIO_OP_WRITE, bfd, sbuf, 64 * K, 0, 0xfa17);
	exp[0] = (struct api_expect){ .tag = io.tag, .result = 64 * K };
	api_stats(zfd, &before);
	if (!submit_all("reap-args", &io, 1))
		return;
	if (poll(&pfd, 1, 10000) != 1)
		api_fail("reap-args: no POLLIN within 10 s");

	r = r0; r.max_nr = 0; r.min_nr = 0;
	expect_reap("max_nr 0", r, -EINVAL);
	r = r0; r.min_nr = 5;
	expect_reap("min_nr 5 > max_nr 4", r, -EINVAL);
	r = r0; r.flags = 1;
	expect_reap("flags 1", r, -EINVAL);
	r = r0; r.pad = 1;
	expect_reap("pad 1", r, -EINVAL);
	r = r0; r.resv[0] = 1;
	expect_reap("resv[0] 1", r, -EINVAL);
	r = r0; r.resv[1] = 1;
	expect_reap("resv[1] 1", r, -EINVAL);
	ret = ioctl(zfd, ZCIO_IOC_REAP, api_unmapped_addr(4096)) < 0 ? -errno : 0;
	if (ret != -EFAULT)
		api_fail("reap-args: unmapped argument: %s", api_result_str(ret));

	/* The event is ready and still pinned; storing it fails. */
	api_stats(zfd, &st);
	if (st.pages_pinned != 16)
		api_fail("reap-args: pages_pinned %" PRIu64 " with the unreaped 64 KiB write, want 16",
			 (uint64_t)st.pages_pinned);
	r = r0; r.events = 0;
	expect_reap("events NULL", r, -EFAULT);
	r = r0; r.events = (uintptr_t)api_unmapped_addr(4096);
	r.timeout_ns = 5000000000LL;
	expect_reap("events unmapped", r, -EFAULT);
	api_stats(zfd, &st);
	if (st.pages_pinned || st.pins != st.unpins)
		api_fail("reap-args: pages_pinned %" PRIu64 " after the failed reaps, want 0 (the event's pages are released before it is stored)",
			 (uint64_t)st.pages_pinned);
	if (poll(&pfd, 1, 0) != 1)
		api_fail("reap-args: no POLLIN after the failed reaps: the event was lost");
	if (!api_reap_expect(zfd, "reap-args", exp, 1, 5))
		return;
	if (!check_counters("reap-args", &before, 0, 1, 0, 0, 64 * K, 1) ||
	    !check_unpinned("reap-args"))
		return;
	if (api_failures == fails)
		api_ok("reap-args");
}

/* --- the cap ------------------------------------------------------------- */

static void test_cap(void)
{
	unsigned int cap = ver.max_inflight, nr = cap + 64, i, first = 0;
	struct zcio_io *ios = calloc(nr, sizeof(*ios));
	struct api_expect *exp = calloc(nr, sizeof(*exp));
	struct zcio_event ev[2];
	struct zcio_stats before;
	char *buf = api_map_guarded(4096);
	int n, fails = api_failures;

	if (!ios || !exp)
		api_die("calloc: out of memory");
	for (i = 0; i < nr; i++)
		prep(&ios[i], ZCIO_OP_READ, bfd, buf, 512, (i % 64) * 512,
		     0xca900000ULL + i);
	api_stats(zfd, &before);
	n = zcio_submit(zfd, ios, nr);
	if (n != (int)cap) {
		api_fail("cap: SUBMIT of %u entries took %s, want max_inflight %u",
			 nr, api_result_str(n), cap);
		if (n <= 0)
			return;
		cap = n;	/* reap what was taken */
	}
	/* Let them all complete: unreaped events still hold their slots. */
	usleep(300000);
	n = zcio_submit(zfd, &ios[cap], 1);
	if (n != -EAGAIN)
		api_fail("cap: SUBMIT with %u unreaped: %s, want EAGAIN", cap,
			 api_result_str(n));
	n = zcio_submit(zfd, &ios[cap], 5);
	if (n != -EAGAIN)
		api_fail("cap: SUBMIT of 5 with %u unreaped: %s, want EAGAIN",
			 cap, api_result_str(n));
	n = zcio_reap(zfd, ev, 1, 1, 10000000000LL);
	if (n != 1 || ev[0].tag < 0xca900000ULL ||
	    ev[0].tag >= 0xca900000ULL + cap || ev[0].result != 512) {
		api_fail("cap: reap(max 1) = %s, tag %#" PRIx64 " result %d",
			 api_result_str(n), (uint64_t)ev[0].tag, ev[0].result);
		return;
	}
	first = ev[0].tag - 0xca900000ULL;
	n = zcio_submit(zfd, &ios[cap], 2);
	if (n != 1)
		api_fail("cap: SUBMIT of 2 with one free slot: %s, want 1",
			 api_result_str(n));
	n = zcio_submit(zfd, &ios[cap + 1], 1);
	if (n != -EAGAIN)
		api_fail("cap: SUBMIT when full again: %s, want EAGAIN",
			 api_result_str(n));
	/* Everything but @first, plus entry @cap. */
	for (i = 0; i <= cap; i++)
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = 512 };
	exp[first] = exp[cap];
	if (!api_reap_expect(zfd, "cap", exp, cap, 60) ||
	    !api_reap_none(zfd, "cap"))
		return;
	if (!check_counters("cap", &before, cap + 1, 0, 0, 512 * (cap + 1), 0,
			    cap + 1) || !check_unpinned("cap"))
		return;
	/* And the context works again. */
	n = zcio_submit(zfd, &ios[0], 1);
	exp[0] = (struct api_expect){ .tag = ios[0].tag, .result = 512 };
	if (n != 1 || !api_reap_expect(zfd, "cap: after", exp, 1, 10))
		api_fail("cap: SUBMIT after everything was reaped: %s",
			 api_result_str(n));
	if (api_failures == fails)
		api_ok("cap");
	free(ios);
	free(exp);
	api_unmap_guarded(buf, 4096);
}

int main(int argc, char **argv)
{
	struct zcio_devinfo di;
	int ret;

	api_prog = "api-async";
	if (argc != 3) {
		fprintf(stderr, "usage: api-async FAST_DEV SLOW_DEV\n");
		return 2;
	}
	fast_path = argv[1];
	slow_path = argv[2];
	zfd = api_zcio_open();
	bfd = api_open(fast_path, O_RDWR);
	sfd = api_open(slow_path, O_RDWR);
	afd = api_open(fast_path, O_RDWR | O_DIRECT);
	rofd = api_open(fast_path, O_RDONLY);
	ret = zcio_get_devinfo(zfd, bfd, &di);
	if (ret)
		api_die("DEVINFO %s: %s", fast_path, zcio_strerror(ret));
	if (di.logical_block_size != 512 || di.dma_alignment > 512 ||
	    di.size < 16 * M)
		api_die("%s: want 512-byte blocks, dma_alignment <= 512, 16 MiB (%u, %u, %" PRIu64 ")",
			fast_path, di.logical_block_size, di.dma_alignment,
			(uint64_t)di.size);
	dev_size = di.size;
	sbuf = api_map_guarded(M);
	catch_alarm();

	test_features();
	if (api_failures)
		return api_exit();
	test_idle();
	test_batches();
	test_poll();
	test_epoll();
	test_minmax();
	test_timeout();
	test_eintr();
	test_entries();
	test_submit_args();
	test_reap_args();
	test_cap();
	if (!api_reap_none(zfd, "end") || !check_unpinned("end"))
		return api_exit();
	return api_exit();
}
