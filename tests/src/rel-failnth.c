// SPDX-License-Identifier: GPL-2.0
/*
 * rel-failnth BRD LOOP POLL: fail each allocation of each zcio path in
 * turn, with fail-nth (/proc/thread-self/fail-nth, CONFIG_FAULT_INJECTION
 * and failslab: the debug kernel of tests/kdebug).
 *
 * Writing N to fail-nth makes the Nth fault-injection point this thread
 * passes fail (a slab allocation; the page allocator's only for
 * allocations above order 0 that do not reclaim); reading it back gives 0
 * if that happened.  For each case, N = 1, 2, ... until the call went
 * through without reaching an Nth point:
 *
 *   - the call returns its full result or ENOMEM, nothing else (a SUBMIT
 *     may also take fewer entries, as documented, and each event
 *     carries its entry's full result or -ENOMEM);
 *   - a read that succeeded returned the right bytes, a write that
 *     succeeded wrote them (read back with O_DIRECT);
 *   - afterwards pages_pinned is back where it was (registered buffers
 *     stay pinned), and a plain zcio read works;
 *   - at the end the FOLL_PIN counters balance.
 *
 * Cases marked "allocates" must see at least one injected failure turn
 * into ENOMEM: that shows the injection reached zcio's own allocations.
 * The harness's kmemleak scan after the rel group finds what leaked.
 *
 * BRD is a brd RAM disk of at least 16 MiB (written in full first, so that
 * brd allocates no page while a fault is armed), LOOP a loop device over
 * tmpfs (flush, discard and write zeroes), POLL a null_blk with a poll
 * queue that is not memory-backed (results only).  Exit 0, 1 on a
 * failure, 77 if this kernel has no fail-nth.
 */
#include "api-util.h"

#define K		1024UL
#define M		(1024UL * 1024)
#define MAX_NTH		2000	/* more injection points than this: a failure */
#define AREA		(4 * M)	/* the part of BRD each case may use */

static int zfd, nth_fd;
static char *buf, *cmp;		/* AREA + 2 pages each, guarded */

struct dev {
	const char *path;
	int fd, afd;
};

static struct dev brd, loopd, polld;

/* Arm fail-nth: the @n-th injection point from now on fails. */
static void nth_arm(unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	if (pwrite(nth_fd, s, len, 0) != len)
		api_die("write fail-nth: %s", strerror(errno));
}

/* Disarm fail-nth; whether the armed failure was injected. */
static bool nth_fired(void)
{
	char s[16] = "";
	ssize_t n = pread(nth_fd, s, sizeof(s) - 1, 0);

	if (n <= 0)
		api_die("read fail-nth: %s", n ? strerror(errno) : "empty");
	if (pwrite(nth_fd, "0", 1, 0) != 1)
		api_die("write fail-nth: %s", strerror(errno));
	return strtoul(s, NULL, 10) == 0;
}

static void dev_open(struct dev *d, const char *path)
{
	d->path = path;
	d->fd = api_open(path, O_RDWR);
	d->afd = api_open(path, O_RDWR | O_DIRECT);
}

/*
 * One case: @prep runs before it uninjected (may be NULL), @run is the
 * call under test (its result: >= 0 or -errno), @want its full result,
 * @check what must hold after it (given the result; false after
 * reporting a failure), @undo what must follow it uninjected (may be
 * NULL); @partial: a count between 1 and @want is a result too (a SUBMIT
 * stops at the entry whose request cannot be allocated).
 */
struct fcase {
	const char *name;
	bool allocates;
	bool partial;
	int64_t want;
	void (*prep)(void);
	int64_t (*run)(void);
	bool (*check)(int64_t ret);
	void (*undo)(int64_t ret);
};

/* A plain read of the first 64 KiB of BRD works and gives its bytes. */
static bool still_works(const char *name)
{
	int64_t ret = zcio_pread(zfd, brd.fd, buf, 64 * K, 0);

	api_pread_all(brd.afd, cmp, 64 * K, 0);
	if (ret == (int64_t)(64 * K) && !memcmp(buf, cmp, 64 * K))
		return true;
	api_fail("%s: a plain 64 KiB read afterwards: %s%s", name,
		 api_result_str(ret), ret >= 0 ? " (or wrong data)" : "");
	return false;
}

static bool run_case(const struct fcase *c)
{
	uint64_t pinned = api_sysfs_stat("pages_pinned");
	unsigned int n, enomem = 0, ok_despite = 0;
	bool fired = true;
	int64_t ret;

	for (n = 1; fired && n <= MAX_NTH; n++) {
		if (c->prep)
			c->prep();
		nth_arm(n);
		ret = c->run();
		fired = nth_fired();
		if (ret != c->want && ret != -ENOMEM &&
		    !(c->partial && ret > 0 && ret < c->want)) {
			api_fail("%s: allocation point %u failed: %s, want %" PRId64 " or ENOMEM",
				 c->name, n, api_result_str(ret), c->want);
			return false;
		}
		/* ENOMEM, or a SUBMIT cut short by it */
		if (fired && (ret == -ENOMEM || (ret >= 0 && ret < c->want)))
			enomem++;
		else if (fired)
			ok_despite++;
		if (c->check && !c->check(ret))
			return false;
		if (c->undo)
			c->undo(ret);
		if (!api_wait_pinned(c->name, pinned, 10) ||
		    !still_works(c->name))
			return false;
	}
	if (fired) {
		api_fail("%s: still reaching injection points after %u", c->name,
			 MAX_NTH);
		return false;
	}
	if (c->allocates && !enomem) {
		api_fail("%s: none of %u injected failures became ENOMEM",
			 c->name, n - 2);
		return false;
	}
	printf("ok %s: %u injection points, %u ENOMEM, %u absorbed\n",
	       c->name, n - 2, enomem, ok_despite);
	fflush(stdout);
	return true;
}

/* open() of /dev/zcio: the context. */
static int64_t run_open(void)
{
	int fd = open(zcio_device_path(), O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static void undo_open(int64_t ret)
{
	if (ret >= 0)
		close((int)ret);
}

/* A read or write of @len bytes at @off from buffer offset @boff. */
static uint64_t x_off, x_len, x_boff, x_bio;
static unsigned int x_op, x_flags;
static struct dev *x_dev;

static int64_t run_io(void)
{
	struct zcio_io io;
	int ret;

	zcio_prep_io(&io, x_op, x_dev->fd, buf + x_boff, x_len, x_off);
	io.flags = x_flags;
	io.bio_bytes = x_bio;
	ret = zcio_submit_io(zfd, &io);
	return ret ? ret : io.result;
}

static void io_setup(struct dev *d, unsigned int op, uint64_t off,
		     uint64_t len, uint64_t boff, uint64_t bio_bytes,
		     unsigned int flags)
{
	x_dev = d;
	x_op = op;
	x_off = off;
	x_len = len;
	x_boff = boff;
	x_bio = bio_bytes;
	x_flags = flags;
}

/* Reads: the buffer holds the device's bytes.  Writes: the device holds the buffer's. */
static bool check_io(int64_t ret)
{
	if (ret != (int64_t)x_len || x_dev != &brd)
		return true;
	api_pread_all(brd.afd, cmp, x_len, x_off);
	if (!memcmp(cmp, buf + x_boff, x_len))
		return true;
	api_fail("%s of %" PRIu64 " at %" PRIu64 " succeeded with wrong data",
		 x_op == ZCIO_OP_READ ? "read" : "write", x_len, x_off);
	return false;
}

/* Before each read: poison the buffer; before each write: a new pattern. */
static unsigned int gen;

static int64_t run_read(void)
{
	memset(buf + x_boff, 0xa5, x_len);
	return run_io();
}

static int64_t run_write(void)
{
	api_pattern(buf + x_boff, x_len, x_off, ++gen);
	return run_io();
}

/* Registered buffers: three, of 16 KiB, 1 MiB and 64 KiB. */
static int64_t run_register(void)
{
	struct zcio_buf b[3] = {
		{ (uintptr_t)buf, 16 * K },
		{ (uintptr_t)buf + M, M },
		{ (uintptr_t)buf + 3 * M, 64 * K },
	};

	return zcio_register_bufs(zfd, b, 3);
}

static void undo_register(int64_t ret)
{
	if (!ret && zcio_unregister_bufs(zfd))
		api_die("UNREGISTER after REGISTER failed");
}

/* A 1 MiB read through registered buffer 1, at its offset 0. */
static int64_t run_fixed(void)
{
	struct zcio_io io;
	int ret;

	memset(buf + M, 0xa5, M);
	zcio_prep_fixed(&io, ZCIO_OP_READ, brd.fd, 1, 0, M, 2 * M);
	ret = zcio_submit_io(zfd, &io);
	return ret ? ret : io.result;
}

static bool check_fixed(int64_t ret)
{
	if (ret != (int64_t)M)
		return true;
	api_pread_all(brd.afd, cmp, M, 2 * M);
	if (!memcmp(cmp, buf + M, M))
		return true;
	api_fail("fixed read succeeded with wrong data");
	return false;
}

/* SUBMIT of 8 entries (reads and writes, two of them of many bios). */
#define NSUB	8
static struct zcio_io sub[NSUB];

static uint64_t sub_len(unsigned int i)
{
	return i % 4 == 3 ? 256 * K : 16 * K;
}

static int64_t run_submit(void)
{
	unsigned int i;

	for (i = 0; i < NSUB; i++) {
		uint64_t off = i * 512 * K;
		unsigned int op = i % 2 ? ZCIO_OP_WRITE : ZCIO_OP_READ;

		if (op == ZCIO_OP_WRITE)
			api_pattern(buf + off, sub_len(i), off, ++gen);
		else
			memset(buf + off, 0xa5, sub_len(i));
		zcio_prep_io(&sub[i], op, brd.fd, buf + off, sub_len(i), off);
		sub[i].bio_bytes = i % 4 == 3 ? 32 * K : 0;
		sub[i].tag = 0xf00 + i;
	}
	return zcio_submit(zfd, sub, NSUB);
}

/* Reap what was taken: each event its entry's length or -ENOMEM, data right. */
static bool reap_check(const char *name, unsigned int nr)
{
	struct zcio_event ev[NSUB];
	unsigned int got = 0, i;
	bool good = true;
	int n;

	while (got < nr) {
		n = zcio_reap(zfd, ev + got, nr - got, nr - got, 10000000000LL);
		if (n <= 0) {
			api_fail("%s: REAP after %u of %u events: %s", name, got,
				 nr, api_result_str(n));
			return false;
		}
		got += n;
	}
	for (i = 0; i < nr; i++) {
		unsigned int k = ev[i].tag - 0xf00;
		uint64_t off = k * 512 * K;

		if (k >= nr || (ev[i].result != (int64_t)sub_len(k) &&
				ev[i].result != -ENOMEM)) {
			api_fail("%s: event tag %#llx result %s", name,
				 (unsigned long long)ev[i].tag,
				 api_result_str(ev[i].result));
			good = false;
			continue;
		}
		if (ev[i].result < 0)
			continue;
		api_pread_all(brd.afd, cmp, sub_len(k), off);
		if (memcmp(cmp, buf + off, sub_len(k))) {
			api_fail("%s: entry %u succeeded with wrong data", name, k);
			good = false;
		}
	}
	return good;
}

static bool check_submit(int64_t ret)
{
	if (ret == -ENOMEM)
		return true;
	if (ret < 1 || ret > NSUB) {
		api_fail("submit: SUBMIT took %s", api_result_str(ret));
		return false;
	}
	return reap_check("submit", (unsigned int)ret);
}

/* REAP under injection, of a batch submitted without. */
static struct zcio_event reaped[NSUB];

static void prep_reap(void)
{
	int n = run_submit();

	if (n != NSUB)
		api_die("reap: SUBMIT without injection took %s",
			api_result_str(n));
}

static int64_t run_reap(void)
{
	return zcio_reap(zfd, reaped, NSUB, NSUB, 10000000000LL);
}

/* Each event its entry's full result and data; a failed REAP: reap again. */
static bool check_reap(int64_t ret)
{
	unsigned int i;

	if (ret < 0)
		return reap_check("reap", NSUB);
	for (i = 0; i < NSUB; i++) {
		unsigned int k = reaped[i].tag - 0xf00;
		uint64_t off = k * 512 * K;

		if (k >= NSUB || reaped[i].result != (int64_t)sub_len(k)) {
			api_fail("reap: event tag %#llx result %s",
				 (unsigned long long)reaped[i].tag,
				 api_result_str(reaped[i].result));
			return false;
		}
		api_pread_all(brd.afd, cmp, sub_len(k), off);
		if (memcmp(cmp, buf + off, sub_len(k))) {
			api_fail("reap: entry %u: wrong data", k);
			return false;
		}
	}
	return true;
}

/* The non-data operations on LOOP: the whole of its first 1 MiB. */
static int64_t run_op(void)
{
	struct zcio_io io;
	int ret;

	zcio_prep_io(&io, x_op, loopd.fd, NULL, x_op == ZCIO_OP_FLUSH ? 0 : M,
		     x_op == ZCIO_OP_FLUSH ? 0 : M);
	ret = zcio_submit_io(zfd, &io);
	return ret ? ret : io.result;
}

static int64_t run_flush(void)
{
	x_op = ZCIO_OP_FLUSH;
	return run_op();
}

static int64_t run_discard(void)
{
	x_op = ZCIO_OP_DISCARD;
	return run_op();
}

static int64_t run_zeroes(void)
{
	x_op = ZCIO_OP_WRITE_ZEROES;
	return run_op();
}

static void io_cases(void)
{
	static const struct {
		const char *name;
		unsigned int op, flags;
		uint64_t off, len, boff, bio;
		bool allocates;
	} io[] = {
		/* the fast path: a bio on the stack, nothing to allocate */
		{ "read-4k", ZCIO_OP_READ, 0, 0, 4 * K, 0, 0, false },
		{ "write-4k", ZCIO_OP_WRITE, 0, 8 * K, 4 * K, 0, 0, false },
		/* the general path: a request and 33 bios of 32 KiB */
		{ "read-1m", ZCIO_OP_READ, 0, M, M + 8 * K, 512, 32 * K, true },
		{ "write-1m", ZCIO_OP_WRITE, 0, 2 * M, M + 8 * K, 512, 32 * K, true },
		/* 2 MiB in bios of up to 1 MiB */
		{ "read-2m", ZCIO_OP_READ, 0, 0, 2 * M, 0, 0, true },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(io); i++) {
		struct fcase c = {
			.name = io[i].name, .allocates = io[i].allocates,
			.want = (int64_t)io[i].len, .check = check_io,
			.run = io[i].op == ZCIO_OP_READ ? run_read : run_write,
		};

		io_setup(&brd, io[i].op, io[i].off, io[i].len, io[i].boff,
			 io[i].bio, io[i].flags);
		run_case(&c);
	}
	{
		/* polled, on a poll queue, in 8 bios */
		struct fcase c = { .name = "read-hipri", .allocates = true,
				   .want = 256 * K, .run = run_read };

		io_setup(&polld, ZCIO_OP_READ, 0, 256 * K, 0, 32 * K,
			 ZCIO_IO_HIPRI | ZCIO_IO_NOMERGE);
		run_case(&c);
	}
}

int main(int argc, char **argv)
{
	const struct fcase cases[] = {
		{ .name = "open", .allocates = true, .want = -1,
		  .run = run_open, .undo = undo_open },
		{ .name = "register", .allocates = true, .want = 0,
		  .run = run_register, .undo = undo_register },
		{ .name = "submit", .allocates = true, .partial = true,
		  .want = NSUB,
		  .run = run_submit, .check = check_submit },
		{ .name = "flush", .want = 0, .run = run_flush },
		{ .name = "discard", .want = (int64_t)M, .run = run_discard },
		{ .name = "write-zeroes", .want = (int64_t)M, .run = run_zeroes },
	};
	struct fcase fixed = { .name = "fixed-1m", .allocates = true,
			       .want = (int64_t)M, .run = run_fixed,
			       .check = check_fixed };
	struct fcase reap = { .name = "reap", .want = NSUB, .prep = prep_reap,
			      .run = run_reap, .check = check_reap };
	uint64_t off;
	unsigned int i;

	api_prog = "rel-failnth";
	if (argc != 4) {
		fprintf(stderr, "usage: rel-failnth BRD LOOP POLL\n");
		return 2;
	}
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0) {
		fprintf(stderr, "rel-failnth: no /proc/thread-self/fail-nth: %s\n",
			strerror(errno));
		return 77;
	}
	zfd = api_zcio_open();
	dev_open(&brd, argv[1]);
	dev_open(&loopd, argv[2]);
	dev_open(&polld, argv[3]);
	buf = api_map_guarded(AREA);
	cmp = api_map_guarded(AREA);
	/* brd allocates its pages on the first write: all of them now. */
	for (off = 0; off < AREA; off += M) {
		api_pattern(cmp, M, off, 0);
		api_pwrite_all(brd.afd, cmp, M, off);
	}
	memset(buf, 0, AREA);

	/* open's result is an fd, not a fixed value: any fd will do. */
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!strcmp(cases[i].name, "open")) {
			struct fcase c = cases[i];

			c.want = dup(zfd);
			close((int)c.want);
			run_case(&c);
			continue;
		}
		run_case(&cases[i]);
	}
	io_cases();
	if (run_register())
		api_die("REGISTER without injection failed");
	run_case(&fixed);
	undo_register(0);
	run_case(&reap);
	api_wait_pinned("end", 0, 10);
	api_foll_pin_balanced("end");
	return api_exit();
}
