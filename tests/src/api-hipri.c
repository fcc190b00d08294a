// SPDX-License-Identifier: GPL-2.0
/*
 * api-hipri POLL_DEV SPLIT_DEV BRD CROWD_DEV SCHED_DEV: polled completion (ZCIO_IO_HIPRI).
 *
 * POLL_DEV and SPLIT_DEV are memory-backed null_blk devices of at least
 * 16 MiB with a poll queue (poll_queues=1); SPLIT_DEV has max_sectors=64,
 * so the block layer splits any bio above 32 KiB (and, splitting, clears
 * REQ_POLLED).  BRD has no poll queues.  A request that reaches a null_blk
 * poll queue completes only when somebody polls that queue, so a HIPRI
 * request on POLL_DEV that zcio did not poll would never end: an alarm
 * kills the program after WATCHDOG_S instead of hanging.  Cases:
 *
 *  devinfo	DEVINFO has ZCIO_DEV_POLL for the null_blk devices, not for
 *		brd;
 *  polled	synchronous HIPRI writes and reads of 512 B to 32 KiB on
 *		POLL_DEV: data compared with pread O_DIRECT, polled_requests
 *		(ioctl and sysfs) rises by exactly their number;
 *  polled-fixed	the same through a registered buffer;
 *  polled-multi	a 2 MiB HIPRI read from a THP-backed buffer: two
 *		1 MiB bios, neither split, both polled: one polled request;
 *  not-hipri	the same I/O without the flag: polled_requests unchanged;
 *  brd		HIPRI on a queue without poll queues works by interrupt:
 *		data right, polled_requests unchanged;
 *  async	asynchronous HIPRI on POLL_DEV: ZCIO_IOC_REAP polls for the
 *		events (a poll queue raises no interrupt: without polling
 *		the reap would time out); right data, polled_requests and
 *		async_requests up by their number;
 *  async-close	close() of /dev/zcio with asynchronous HIPRI reads on
 *		the poll queue polls them to completion: when close()
 *		returns, nothing is pinned any more;
 *  split	HIPRI reads of 64 KiB, 1 MiB and 4 MiB on SPLIT_DEV, which the
 *		block layer must split: correct data, and they are not
 *		counted as polled (they completed by interrupt);
 *  crowd	on CROWD_DEV, whose poll queue has 4 tags (hw_queue_depth=4):
 *		a synchronous HIPRI write and read of 64 KiB in 16 bios of
 *		4 KiB (bio_bytes, NOMERGE), and one SUBMIT of 32 HIPRI
 *		reads of 4 KiB at non-adjacent offsets: each completes with
 *		the right data.  zcio polls only after submitting, so its
 *		polled bios must not wait for a poll-queue tag: those the
 *		queue refuses go again by interrupt.  (Before they carried
 *		REQ_NOWAIT, the submitter slept until the driver's timeout
 *		and the I/O failed with ETIMEDOUT.)
 *  crowd-sched	the same, and a 2 MiB HIPRI read in 512 bios of 4 KiB, on
 *		SCHED_DEV, a null_blk of 4 tags per queue with mq-deadline,
 *		an I/O scheduler that all hardware queues share: the bios
 *		refused on the poll queue must not be resubmitted by the
 *		caller, who would wait for a tag of the other queue while
 *		the scheduler holds that queue's requests behind polled
 *		ones that only the caller polls.
 */
#include "api-util.h"

#include <signal.h>

#define K		1024UL
#define M		(1024UL * 1024)
#define WATCHDOG_S	120

static int zfd;

struct dev {
	const char *path;
	int fd, afd;
	struct zcio_devinfo di;
};

static void dev_open(struct dev *d, const char *path)
{
	int ret;

	d->path = path;
	d->fd = api_open(path, O_RDWR);
	d->afd = api_open(path, O_RDWR | O_DIRECT);
	ret = zcio_get_devinfo(zfd, d->fd, &d->di);
	if (ret)
		api_die("DEVINFO %s: %s", path, zcio_strerror(ret));
	api_info("%s: size %" PRIu64 " lbs %u dma %u max_sectors_bytes %u max_segments %u dev_flags %#x",
		 path, (uint64_t)d->di.size, d->di.logical_block_size,
		 d->di.dma_alignment, d->di.max_sectors_bytes,
		 d->di.max_segments, d->di.dev_flags);
}

static uint64_t polled(void)
{
	struct zcio_stats st;
	uint64_t sys = api_sysfs_stat("polled_requests");

	api_stats(zfd, &st);
	if (st.polled_requests != sys)
		api_fail("polled_requests: ioctl %" PRIu64 ", sysfs %" PRIu64,
			 (uint64_t)st.polled_requests, sys);
	return st.polled_requests;
}

static char *buf, *cmp;	/* 4 MiB each */

/*
 * Write @len bytes of pattern @seed at @off through zcio with @flags, read
 * them back with @flags into a poisoned buffer; check the device and the
 * data.  Returns the number of zcio requests made (2) or 0 after a failure.
 */
static int round_trip(const char *name, struct dev *d, uint64_t off,
		      uint64_t len, size_t boff, unsigned int flags,
		      unsigned int seed)
{
	struct zcio_io io;
	int ret;

	api_pattern(buf + boff, len, off, seed);
	zcio_prep_io(&io, ZCIO_OP_WRITE, d->fd, buf + boff, len, off);
	io.flags = flags;
	ret = zcio_submit_io(zfd, &io);
	if (ret || io.result != (int64_t)len) {
		api_fail("%s: write %" PRIu64 " at %" PRIu64 ": %s", name, len,
			 off, api_result_str(ret ? ret : io.result));
		return 0;
	}
	api_pread_all(d->afd, cmp, len, off);
	if (memcmp(cmp, buf + boff, len)) {
		api_fail("%s: the device differs after a %" PRIu64 "-byte write at %" PRIu64,
			 name, len, off);
		return 0;
	}
	memset(buf + boff, 0xa5, len);
	zcio_prep_io(&io, ZCIO_OP_READ, d->fd, buf + boff, len, off);
	io.flags = flags;
	ret = zcio_submit_io(zfd, &io);
	if (ret || io.result != (int64_t)len || memcmp(cmp, buf + boff, len)) {
		api_fail("%s: read %" PRIu64 " at %" PRIu64 ": %s%s", name, len,
			 off, api_result_str(ret ? ret : io.result),
			 ret ? "" : " (or wrong data)");
		return 0;
	}
	return 2;
}

static bool check_polled(const char *name, uint64_t before, uint64_t want)
{
	uint64_t now = polled();

	if (now - before == want)
		return true;
	api_fail("%s: polled_requests +%" PRIu64 ", want +%" PRIu64, name,
		 now - before, want);
	return false;
}

static void test_devinfo(struct dev *p, struct dev *s, struct dev *b)
{
	bool good = true;

	if (!(p->di.dev_flags & ZCIO_DEV_POLL) || !(s->di.dev_flags & ZCIO_DEV_POLL)) {
		api_fail("devinfo: null_blk with poll_queues=1 lacks ZCIO_DEV_POLL (%#x, %#x)",
			 p->di.dev_flags, s->di.dev_flags);
		good = false;
	}
	if (b->di.dev_flags & ZCIO_DEV_POLL) {
		api_fail("devinfo: brd reports ZCIO_DEV_POLL");
		good = false;
	}
	if (good)
		api_ok("devinfo");
}

static void test_polled(struct dev *p)
{
	static const uint64_t lens[] = { 512, 4096, 8192, 12 * K, 32 * K, 1024 };
	uint64_t before = polled(), n = 0, off = 0;
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		r = round_trip("polled", p, off, lens[i], (i % 2) * 512,
			       ZCIO_IO_HIPRI, 0x10 + i);
		if (!r)
			return;
		n += r;
		off += lens[i] + 4096;
	}
	if (check_polled("polled", before, n))
		api_ok("polled");

	before = polled();
	for (i = 0; i < ARRAY_SIZE(lens); i++)
		if (!round_trip("not-hipri", p, M + i * 64 * K, lens[i], 0, 0,
				0x20 + i))
			return;
	if (check_polled("not-hipri", before, 0))
		api_ok("not-hipri");
}

static void test_polled_fixed(struct dev *p)
{
	struct zcio_buf b = { (uintptr_t)buf, 64 * K };
	struct zcio_io io;
	uint64_t before;
	int ret;

	ret = zcio_register_bufs(zfd, &b, 1);
	if (ret) {
		api_fail("polled-fixed: register: %s", api_result_str(ret));
		return;
	}
	api_pattern(cmp, 16 * K, 2 * M, 0x31);
	api_pwrite_all(p->afd, cmp, 16 * K, 2 * M);
	memset(buf, 0xa5, 64 * K);
	before = polled();
	zcio_prep_fixed(&io, ZCIO_OP_READ, p->fd, 0, 8192, 16 * K, 2 * M);
	io.flags |= ZCIO_IO_HIPRI;
	ret = zcio_submit_io(zfd, &io);
	if (ret || io.result != 16 * K || memcmp(buf + 8192, cmp, 16 * K))
		api_fail("polled-fixed: fixed HIPRI read: %s%s",
			 api_result_str(ret ? ret : io.result),
			 ret ? "" : " (or wrong data)");
	else if (check_polled("polled-fixed", before, 1))
		api_ok("polled-fixed");
	zcio_unregister_bufs(zfd);
}

static void test_polled_multi(struct dev *p)
{
	char *raw = mmap(NULL, 4 * M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *h;
	struct zcio_io io;
	uint64_t before;
	long kb;
	int ret;

	if (raw == MAP_FAILED)
		api_die("mmap: %s", strerror(errno));
	h = (char *)(((uintptr_t)raw + 2 * M - 1) & ~(2 * M - 1));
	madvise(h, 2 * M, MADV_HUGEPAGE);
	memset(h, 0xa5, 2 * M);
	kb = api_thp_kb(h);
	/* 1 MiB bios of 16 64-KiB segments fit the default limits whole. */
	if (kb < 2048 || p->di.max_sectors_bytes < M ||
	    p->di.max_segments < 16) {
		api_info("polled-multi: not run (THP %ld kB, max_sectors_bytes %u, max_segments %u)",
			 kb, p->di.max_sectors_bytes, p->di.max_segments);
		munmap(raw, 4 * M);
		return;
	}
	api_pattern(cmp, 2 * M, 4 * M, 0x41);
	api_pwrite_all(p->afd, cmp, 2 * M, 4 * M);
	before = polled();
	zcio_prep_io(&io, ZCIO_OP_READ, p->fd, h, 2 * M, 4 * M);
	io.flags = ZCIO_IO_HIPRI;
	ret = zcio_submit_io(zfd, &io);
	if (ret || io.result != (int64_t)(2 * M) || memcmp(h, cmp, 2 * M))
		api_fail("polled-multi: 2 MiB HIPRI read: %s%s",
			 api_result_str(ret ? ret : io.result),
			 ret ? "" : " (or wrong data)");
	else if (check_polled("polled-multi", before, 1))
		api_ok("polled-multi");
	munmap(raw, 4 * M);
}

static void test_brd(struct dev *b)
{
	uint64_t before = polled();
	int n = 0;

	n += round_trip("brd", b, 0, 4096, 0, ZCIO_IO_HIPRI, 0x51);
	n += round_trip("brd", b, 64 * K, 2 * M, 512, ZCIO_IO_HIPRI, 0x52);
	if (n == 4 && check_polled("brd", before, 0))
		api_ok("brd");
}

static void test_async(struct dev *p)
{
	struct api_expect exp[8];
	struct zcio_io ios[8];
	struct zcio_stats st0, st1;
	uint64_t before;
	unsigned int i;
	int n;

	api_pattern(cmp, 8 * 8192, 3 * M, 0x61);
	api_pwrite_all(p->afd, cmp, 8 * 8192, 3 * M);
	memset(buf, 0xa5, 8 * 8192);
	api_stats(zfd, &st0);
	before = polled();
	for (i = 0; i < 8; i++) {
		zcio_prep_io(&ios[i], ZCIO_OP_READ, p->fd, buf + i * 8192, 8192,
			     3 * M + i * 8192);
		ios[i].flags = ZCIO_IO_HIPRI;
		ios[i].tag = 0x4100 + i;
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = 8192 };
	}
	n = zcio_submit(zfd, ios, 8);
	if (n != 8) {
		api_fail("async: SUBMIT: %s", api_result_str(n));
		return;
	}
	/* A request left on the poll queue would never complete. */
	if (!api_reap_expect(zfd, "async", exp, 8, 20))
		return;
	api_stats(zfd, &st1);
	if (memcmp(buf, cmp, 8 * 8192))
		api_fail("async: wrong data");
	else if (st1.async_requests - st0.async_requests != 8)
		api_fail("async: async_requests +%" PRIu64 ", want 8",
			 (uint64_t)(st1.async_requests - st0.async_requests));
	else if (check_polled("async", before, 8))
		api_ok("async");
}

static void test_async_close(struct dev *p)
{
	struct zcio_stats st0, st1;
	struct zcio_io ios[8];
	unsigned int i;
	int zfd2, n;

	zfd2 = api_zcio_open();
	api_stats(zfd, &st0);
	for (i = 0; i < 8; i++) {
		zcio_prep_io(&ios[i], ZCIO_OP_READ, p->fd, buf + i * 8192, 8192,
			     3 * M + i * 8192);
		ios[i].flags = ZCIO_IO_HIPRI;
		ios[i].tag = i;
	}
	n = zcio_submit(zfd2, ios, 8);
	if (n != 8) {
		api_fail("async-close: SUBMIT: %s", api_result_str(n));
		close(zfd2);
		return;
	}
	close(zfd2);
	api_stats(zfd, &st1);
	if (st1.pages_pinned != st0.pages_pinned)
		api_fail("async-close: %" PRIu64 " pages still pinned after close()",
			 (uint64_t)(st1.pages_pinned - st0.pages_pinned));
	else if (st1.async_requests - st0.async_requests != 8)
		api_fail("async-close: async_requests +%" PRIu64 ", want 8",
			 (uint64_t)(st1.async_requests - st0.async_requests));
	else
		api_ok("async-close");
}

static void crowd_sync(const char *name, struct dev *c, int op, uint64_t off,
		       uint64_t len)
{
	struct zcio_io io;
	int ret;

	zcio_prep_io(&io, op, c->fd, buf, len, off);
	io.flags = ZCIO_IO_HIPRI | ZCIO_IO_NOMERGE;
	io.bio_bytes = 4096;
	ret = zcio_submit_io(zfd, &io);
	if (ret || io.result != (int64_t)len)
		api_fail("%s: %s of %" PRIu64 " bytes in %" PRIu64 " polled bios on 4 tags: %s",
			 name, op == ZCIO_OP_READ ? "read" : "write", len,
			 len / 4096, api_result_str(ret ? ret : io.result));
}

static void test_crowd(const char *name, struct dev *c)
{
	struct api_expect exp[32];
	struct zcio_io ios[32];
	int failed = api_failures;
	unsigned int i;
	int n;

	api_pattern(buf, 64 * K, 0, 0x71);
	memcpy(cmp, buf, 64 * K);
	crowd_sync(name, c, ZCIO_OP_WRITE, 0, 64 * K);
	api_pread_all(c->afd, buf, 64 * K, 0);
	if (memcmp(buf, cmp, 64 * K))
		api_fail("%s: the device differs after the polled write", name);
	memset(buf, 0xa5, 64 * K);
	crowd_sync(name, c, ZCIO_OP_READ, 0, 64 * K);
	if (memcmp(buf, cmp, 64 * K))
		api_fail("%s: the polled read returned wrong data", name);

	api_pattern(cmp, 32 * 8192, M, 0x72);
	api_pwrite_all(c->afd, cmp, 32 * 8192, M);
	memset(buf, 0xa5, 32 * 8192);
	for (i = 0; i < 32; i++) {
		zcio_prep_io(&ios[i], ZCIO_OP_READ, c->fd, buf + i * 8192, 4096,
			     M + i * 8192);
		ios[i].flags = ZCIO_IO_HIPRI;
		ios[i].tag = 0x7200 + i;
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = 4096 };
	}
	n = zcio_submit(zfd, ios, 32);
	if (n != 32) {
		api_fail("%s: SUBMIT of 32 polled reads: %s", name,
			 api_result_str(n));
		return;
	}
	if (!api_reap_expect(zfd, name, exp, 32, 20))
		return;
	for (i = 0; i < 32; i++)
		if (memcmp(buf + i * 8192, cmp + i * 8192, 4096)) {
			api_fail("%s: polled read %u of the batch: wrong data",
				 name, i);
			return;
		}
	if (c->di.size >= 4 * M)
		crowd_sync(name, c, ZCIO_OP_READ, 2 * M, 2 * M);
	if (api_failures == failed)
		api_ok(name);
}

static void test_split(struct dev *s)
{
	static const uint64_t lens[] = { 64 * K, M, 4 * M };
	struct zcio_io io;
	uint64_t before, off = 0;
	unsigned int i;
	int ret;
	bool good = true;

	if (s->di.max_sectors_bytes > 32 * K)
		api_die("split: %s takes %u-byte requests, want <= 32 KiB",
			s->path, s->di.max_sectors_bytes);
	before = polled();
	for (i = 0; i < ARRAY_SIZE(lens) && good; i++) {
		api_pattern(cmp, lens[i], off, 0x71 + i);
		api_pwrite_all(s->afd, cmp, lens[i], off);
		memset(buf, 0xa5, lens[i]);
		zcio_prep_io(&io, ZCIO_OP_READ, s->fd, buf, lens[i], off);
		io.flags = ZCIO_IO_HIPRI;
		ret = zcio_submit_io(zfd, &io);
		if (ret || io.result != (int64_t)lens[i] ||
		    memcmp(buf, cmp, lens[i])) {
			api_fail("split: HIPRI read of %" PRIu64 ": %s%s", lens[i],
				 api_result_str(ret ? ret : io.result),
				 ret ? "" : " (or wrong data)");
			good = false;
		}
		off += lens[i];
	}
	/* Split bios lose REQ_POLLED and complete by interrupt. */
	if (good && check_polled("split", before, 0))
		api_ok("split");
}

int main(int argc, char **argv)
{
	struct dev p, s, b, c, q;

	api_prog = "api-hipri";
	if (argc != 6) {
		fprintf(stderr, "usage: api-hipri POLL_DEV SPLIT_DEV BRD CROWD_DEV SCHED_DEV\n");
		return 2;
	}
	/* The default action of SIGALRM ends a program stuck in a wait. */
	alarm(WATCHDOG_S);
	zfd = api_zcio_open();
	api_zcio_require(zfd, ZCIO_FEAT_POLLED, "ZCIO_FEAT_POLLED");
	dev_open(&p, argv[1]);
	dev_open(&s, argv[2]);
	dev_open(&b, argv[3]);
	dev_open(&c, argv[4]);
	dev_open(&q, argv[5]);
	buf = api_map_guarded(4 * M);
	cmp = api_map_guarded(4 * M);

	test_devinfo(&p, &s, &b);
	if (!(p.di.dev_flags & ZCIO_DEV_POLL))
		return api_exit();
	test_polled(&p);
	test_polled_fixed(&p);
	test_polled_multi(&p);
	test_brd(&b);
	test_async(&p);
	test_async_close(&p);
	test_split(&s);
	test_crowd("crowd", &c);
	test_crowd("crowd-sched", &q);
	if (api_sysfs_stat("pages_pinned"))
		api_wait_pinned("end", 0, 5);
	return api_exit();
}
