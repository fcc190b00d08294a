// SPDX-License-Identifier: GPL-2.0
/*
 * api-regbuf FAST_DEV SLOW_DEV: registered buffers (ZCIO_IOC_REGISTER,
 * ZCIO_IOC_UNREGISTER, ZCIO_IO_FIXED).
 *
 * FAST_DEV is a writable scratch device of at least 16 MiB with 512-byte
 * blocks and a dma_alignment of 512 (brd); SLOW_DEV shows the same data
 * with every bio held for about SLOW_S (dm-delay over FAST_DEV).  Cases:
 *
 *  register	five buffers: page aligned, at page + 512 (dma-aligned
 *		only), a 2 MiB MADV_HUGEPAGE region, one page, and 512 bytes
 *		at the end of a page; registered by root with RLIMIT_MEMLOCK
 *		at 64 KiB (CAP_IPC_LOCK lifts the limit): pages_pinned rises
 *		by exactly the pages spanned, and so does VmPin;
 *  fixed-sync, fixed-async
 *		writes and reads at many offsets into every buffer, one by
 *		one with ZCIO_IOC_IO and all at once with ZCIO_IOC_SUBMIT:
 *		the device holds what was written (pread O_DIRECT), reads
 *		return it and touch nothing else of the buffer (the rest
 *		stays poisoned: a wrong bvec offset shows), no page is pinned
 *		or unpinned by the I/O itself, the counters move as usual;
 *  fixed-errors	bad buf_index, offset at or past the end, offset + len
 *		past the end, misaligned buffer address + offset, len 0, a
 *		write through an O_RDONLY fd: the errno of ZCIO_IOC_IO, and
 *		the same errno in the event of ZCIO_IOC_SUBMIT;
 *  register-errors	EBUSY with a set registered (which stays intact),
 *		ENXIO for unregister with none, EINVAL for nr 0, nr >
 *		max_bufs, len 0, len > max_buf_bytes, flags or resv; EFAULT
 *		for an unmapped array, an unmapped, partly unmapped,
 *		read-only or kernel buffer, also after good buffers in the
 *		same call: nothing stays pinned, VmPin back to 0;
 *  max-bufs	max_bufs one-page buffers in one call, I/O with the last
 *		index;
 *  unregister-inflight	fixed reads and writes in flight on SLOW_DEV when
 *		the set is unregistered: the unregister returns at once, the
 *		pages stay pinned until the I/O ends, a new set can be
 *		registered meanwhile, the I/O completes with the right data,
 *		and the reap releases the old set (pages_pinned, VmPin 0);
 *  close	closing /dev/zcio releases its set, also with fixed I/O in
 *		flight;
 *  memlock	a child that drops root (setuid 65534: no CAP_IPC_LOCK) with
 *		RLIMIT_MEMLOCK 64 KiB: 128 KiB fails with ENOMEM and pins
 *		nothing, 32 KiB works and shows in VmPin, the limit holds
 *		across two contexts of the same user (32 + 48 KiB fails, 32
 *		+ 32 KiB works), and unregistering gives the charge back.
 */
#include "api-util.h"

#include <grp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define K		1024UL
#define M		(1024UL * 1024)
#define SLOW_S		0.5
#define SLOW_MIN_S	(SLOW_S * 0.8)
#define KERNEL_ADDR	0xffff888000000000ULL

static int zfd, bfd, sfd, afd, rofd;
static uint64_t dev_size;
static struct zcio_version ver;

static uint64_t pages_spanned(uint64_t addr, uint64_t len)
{
	return ((addr + len + API_PAGE - 1) / API_PAGE) - addr / API_PAGE;
}

/* --- the main set --------------------------------------------------------- */

#define NBUF	5
static struct zcio_buf bufs[NBUF];
static uint64_t set_pages;

static char *bufp(unsigned int i)
{
	return (char *)(uintptr_t)bufs[i].addr;
}

static void *map_huge(void)
{
	char *p = mmap(NULL, 4 * M, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *h;

	if (p == MAP_FAILED)
		api_die("mmap 4 MiB: %s", strerror(errno));
	h = (char *)(((uintptr_t)p + 2 * M - 1) & ~(2 * M - 1));
	if (madvise(h, 2 * M, MADV_HUGEPAGE))
		api_info("madvise(MADV_HUGEPAGE): %s (testing with small pages)",
			 strerror(errno));
	memset(h, 0x11, 2 * M);
	return h;
}

static void setup_bufs(void)
{
	unsigned int i;

	bufs[0] = (struct zcio_buf){ (uintptr_t)api_map_guarded(64 * K), 64 * K };
	bufs[1] = (struct zcio_buf){ (uintptr_t)api_map_guarded(64 * K) + 512, 60 * K };
	bufs[2] = (struct zcio_buf){ (uintptr_t)map_huge(), 2 * M };
	bufs[3] = (struct zcio_buf){ (uintptr_t)api_map_guarded(4096), 4096 };
	bufs[4] = (struct zcio_buf){ (uintptr_t)api_map_guarded(4096) + 3584, 512 };
	set_pages = 0;
	for (i = 0; i < NBUF; i++) {
		memset(bufp(i), 0x22, bufs[i].len);
		set_pages += pages_spanned(bufs[i].addr, bufs[i].len);
	}
}

/* pages_pinned, pins - unpins and VmPin all say @pages. */
static bool check_pinned(const char *name, uint64_t pages)
{
	struct zcio_stats st;
	long vmpin = api_status_kb("VmPin");

	api_stats(zfd, &st);
	if (st.pages_pinned == pages && api_sysfs_stat("pages_pinned") == pages &&
	    st.pins - st.unpins == pages && vmpin == (long)(pages * 4))
		return true;
	api_fail("%s: pages_pinned %" PRIu64 " (sysfs %" PRIu64 ", pins - unpins %"
		 PRIu64 "), VmPin %ld kB; want %" PRIu64 " pages, %" PRIu64 " kB",
		 name, (uint64_t)st.pages_pinned, api_sysfs_stat("pages_pinned"),
		 (uint64_t)(st.pins - st.unpins), vmpin, pages, pages * 4);
	return false;
}

static void test_register(void)
{
	struct rlimit rl = { 64 * K, 64 * K };
	struct zcio_stats before, after;
	int ret;

	/* Root has CAP_IPC_LOCK: the limit does not apply. */
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		api_die("setrlimit: %s", strerror(errno));
	api_stats(zfd, &before);
	ret = zcio_register_bufs(zfd, bufs, NBUF);
	if (ret)
		api_die("register: %s (as root, with CAP_IPC_LOCK)",
			api_errname(ret));
	api_stats(zfd, &after);
	if (after.pins - before.pins != set_pages)
		api_fail("register: pins +%" PRIu64 ", want %" PRIu64,
			 (uint64_t)(after.pins - before.pins), set_pages);
	api_info("register: %" PRIu64 " pages; the huge buffer has %ld kB of THP",
		 set_pages, api_thp_kb(bufp(2)));
	if (check_pinned("register", set_pages))
		api_ok("register");
}

/* --- fixed I/O ------------------------------------------------------------ */

/* Non-overlapping pieces of each buffer. */
static const struct piece {
	unsigned int idx;
	uint64_t off, len;
} pieces[] = {
	{ 0, 0, 4096 }, { 0, 4096, 8192 }, { 0, 12288 + 512, 1024 },
	{ 0, 16 * K, 48 * K },
	{ 1, 0, 3584 }, { 1, 3584, 4096 }, { 1, 8192, 512 },
	{ 1, 12 * K, 48 * K },
	{ 2, 0, 4096 }, { 2, 4096, M - 4096 }, { 2, M + 512, 256 * K },
	{ 2, 2 * M - 4096, 4096 },
	{ 3, 0, 4096 },
	{ 4, 0, 512 },
};
#define NPIECES	ARRAY_SIZE(pieces)

static uint64_t piece_dev[NPIECES];

static void layout_pieces(void)
{
	uint64_t dev = M;
	unsigned int i;

	for (i = 0; i < NPIECES; i++) {
		piece_dev[i] = dev;
		dev += (pieces[i].len + 8191) & ~4095UL;
	}
}

static void prep_piece(struct zcio_io *io, unsigned int i, unsigned int op)
{
	zcio_prep_fixed(io, op, bfd, pieces[i].idx, pieces[i].off,
			pieces[i].len, piece_dev[i]);
	io->tag = 0xf1000 + i;
}

/* The buffers hold 0xa5 outside the pieces marked in @mask. */
static bool check_poison(const char *name, const bool *mask)
{
	unsigned int b, i;
	uint64_t j;

	for (b = 0; b < NBUF; b++)
		for (j = 0; j < bufs[b].len; j++) {
			bool inside = false;

			for (i = 0; i < NPIECES; i++)
				if (mask[i] && pieces[i].idx == b &&
				    j >= pieces[i].off &&
				    j < pieces[i].off + pieces[i].len)
					inside = true;
			if (!inside && (unsigned char)bufp(b)[j] != 0xa5) {
				api_fail("%s: buffer %u byte %" PRIu64 " was written, outside every read",
					 name, b, j);
				return false;
			}
		}
	return true;
}

static char *cmpbuf;

/* Piece @i went to the device as pattern @seed. */
static bool check_device(const char *name, unsigned int i, unsigned int seed)
{
	char *want = cmpbuf + 2 * M;
	long d;

	api_pread_all(afd, cmpbuf, pieces[i].len, piece_dev[i]);
	api_pattern(want, pieces[i].len, piece_dev[i], seed);
	d = api_first_diff(cmpbuf, want, pieces[i].len);
	if (d < 0)
		return true;
	api_fail("%s: write of buffer %u +%" PRIu64 " (%" PRIu64 " bytes): device differs at +%ld: \"%s\"",
		 name, pieces[i].idx, pieces[i].off, pieces[i].len, d,
		 api_hexdump(cmpbuf + (d & ~511L), 32));
	return false;
}

/* Piece @i in its buffer holds pattern @seed. */
static bool check_memory(const char *name, unsigned int i, unsigned int seed)
{
	char *p = bufp(pieces[i].idx) + pieces[i].off;
	long d;

	api_pattern(cmpbuf, pieces[i].len, piece_dev[i], seed);
	d = api_first_diff(p, cmpbuf, pieces[i].len);
	if (d < 0)
		return true;
	api_fail("%s: read into buffer %u +%" PRIu64 " (%" PRIu64 " bytes): differs at +%ld: \"%s\"",
		 name, pieces[i].idx, pieces[i].off, pieces[i].len, d,
		 api_hexdump(p + (d & ~511L), 32));
	return false;
}

static void poison_all(void)
{
	unsigned int b;

	for (b = 0; b < NBUF; b++)
		memset(bufp(b), 0xa5, bufs[b].len);
}

#define DELTA(f)	((uint64_t)(after.f - before.f))

static bool check_fixed_counters(const char *name, const struct zcio_stats *b,
				 uint64_t nr, uint64_t bytes, bool async)
{
	struct zcio_stats before = *b, after;

	api_stats(zfd, &after);
	if (DELTA(pins) == 0 && DELTA(unpins) == 0 &&
	    DELTA(requests) == 2 * nr && DELTA(reads) == nr &&
	    DELTA(writes) == nr && DELTA(errors) == 0 &&
	    DELTA(bytes_read) == bytes && DELTA(bytes_written) == bytes &&
	    DELTA(async_requests) == (async ? 2 * nr : 0))
		return true;
	api_fail("%s: pins +%" PRIu64 " unpins +%" PRIu64 " (want 0: the pages are pinned already), requests +%"
		 PRIu64 " reads +%" PRIu64 " writes +%" PRIu64 " errors +%" PRIu64
		 " bytes_read +%" PRIu64 " bytes_written +%" PRIu64 " async_requests +%"
		 PRIu64 "; want %" PRIu64 " requests, %" PRIu64 " bytes each way",
		 name, DELTA(pins), DELTA(unpins), DELTA(requests), DELTA(reads),
		 DELTA(writes), DELTA(errors), DELTA(bytes_read),
		 DELTA(bytes_written), DELTA(async_requests), 2 * nr, bytes);
	return false;
}

static void test_fixed_sync(void)
{
	const char *name = "fixed-sync";
	bool mask[NPIECES] = {};
	struct zcio_stats before;
	struct zcio_io io;
	uint64_t bytes = 0;
	unsigned int i;
	int ret, fails = api_failures;

	api_stats(zfd, &before);
	for (i = 0; i < NPIECES; i++) {
		api_pattern(bufp(pieces[i].idx) + pieces[i].off, pieces[i].len,
			    piece_dev[i], 0x51);
		prep_piece(&io, i, ZCIO_OP_WRITE);
		ret = zcio_submit_io(zfd, &io);
		if (ret || io.result != (int64_t)pieces[i].len) {
			api_fail("%s: write piece %u: %s", name, i,
				 api_result_str(ret ? ret : io.result));
			return;
		}
		if (!check_device(name, i, 0x51))
			return;
		bytes += pieces[i].len;
	}
	for (i = 0; i < NPIECES; i++) {
		api_pattern(cmpbuf, pieces[i].len, piece_dev[i], 0x52);
		api_pwrite_all(afd, cmpbuf, pieces[i].len, piece_dev[i]);
	}
	poison_all();
	for (i = 0; i < NPIECES; i++) {
		prep_piece(&io, i, ZCIO_OP_READ);
		ret = zcio_submit_io(zfd, &io);
		if (ret || io.result != (int64_t)pieces[i].len) {
			api_fail("%s: read piece %u: %s", name, i,
				 api_result_str(ret ? ret : io.result));
			return;
		}
		mask[i] = true;
		if (!check_memory(name, i, 0x52) || !check_poison(name, mask))
			return;
	}
	if (check_fixed_counters(name, &before, NPIECES, bytes, false) &&
	    check_pinned(name, set_pages) && api_failures == fails)
		api_ok(name);
}

static void test_fixed_async(void)
{
	const char *name = "fixed-async";
	struct api_expect exp[NPIECES];
	struct zcio_io ios[NPIECES];
	bool mask[NPIECES];
	struct zcio_stats before;
	uint64_t bytes = 0;
	unsigned int i;
	int n;

	api_stats(zfd, &before);
	for (i = 0; i < NPIECES; i++) {
		api_pattern(bufp(pieces[i].idx) + pieces[i].off, pieces[i].len,
			    piece_dev[i], 0x61);
		prep_piece(&ios[i], i, ZCIO_OP_WRITE);
		exp[i] = (struct api_expect){ .tag = ios[i].tag,
					      .result = (int64_t)pieces[i].len };
		bytes += pieces[i].len;
	}
	n = zcio_submit(zfd, ios, NPIECES);
	if (n != (int)NPIECES) {
		api_fail("%s: SUBMIT of %zu writes: %s", name, NPIECES,
			 api_result_str(n));
		return;
	}
	if (!api_reap_expect(zfd, name, exp, NPIECES, 30))
		return;
	for (i = 0; i < NPIECES; i++)
		if (!check_device(name, i, 0x61))
			return;
	for (i = 0; i < NPIECES; i++) {
		api_pattern(cmpbuf, pieces[i].len, piece_dev[i], 0x62);
		api_pwrite_all(afd, cmpbuf, pieces[i].len, piece_dev[i]);
		prep_piece(&ios[i], i, ZCIO_OP_READ);
		mask[i] = true;
	}
	poison_all();
	n = zcio_submit(zfd, ios, NPIECES);
	if (n != (int)NPIECES) {
		api_fail("%s: SUBMIT of %zu reads: %s", name, NPIECES,
			 api_result_str(n));
		return;
	}
	if (!api_reap_expect(zfd, name, exp, NPIECES, 30))
		return;
	for (i = 0; i < NPIECES; i++)
		if (!check_memory(name, i, 0x62))
			return;
	if (check_poison(name, mask) &&
	    check_fixed_counters(name, &before, NPIECES, bytes, true) &&
	    check_pinned(name, set_pages))
		api_ok(name);
}

/* --- fixed I/O errors ----------------------------------------------------- */

static void test_fixed_errors(void)
{
	static const struct {
		const char *name;
		unsigned int op, idx;
		uint64_t off, len, dev;
		int want;
	} c[] = {
		{ "buf_index = nr", ZCIO_OP_READ, NBUF, 0, 512, 0, -EINVAL },
		{ "buf_index ~0", ZCIO_OP_READ, ~0U, 0, 512, 0, -EINVAL },
		{ "offset = len", ZCIO_OP_READ, 3, 4096, 512, 0, -EINVAL },
		{ "offset past the end", ZCIO_OP_READ, 3, 8192, 512, 0, -EINVAL },
		{ "offset ~0 - 511", ZCIO_OP_READ, 3, ~0ULL - 511, 512, 0, -EINVAL },
		{ "offset + len past the end", ZCIO_OP_READ, 0, 60 * K, 8 * K, 0, -EINVAL },
		{ "len past a 512-byte buffer", ZCIO_OP_WRITE, 4, 0, 1024, 0, -EINVAL },
		{ "offset 1 (misaligned)", ZCIO_OP_READ, 0, 1, 512, 0, -EINVAL },
		{ "page + 512 + 256 (misaligned)", ZCIO_OP_WRITE, 1, 256, 512, 0, -EINVAL },
		{ "len 0", ZCIO_OP_READ, 0, 0, 0, 0, -EINVAL },
		{ "len 1000", ZCIO_OP_READ, 0, 0, 1000, 0, -EINVAL },
		{ "read at the end of the device", ZCIO_OP_READ, 3, 0, 4096, 1, 0 },
		{ "write at the end of the device", ZCIO_OP_WRITE, 3, 0, 4096, 1, -ENOSPC },
		{ "good read (control)", ZCIO_OP_READ, 2, 4096, 8192, 0, 8192 },
	};
	enum { NC = ARRAY_SIZE(c) };
	struct zcio_io ios[NC + 1], io;
	struct api_expect exp[NC + 1];
	unsigned int i;
	int ret, fails = api_failures;

	for (i = 0; i < NC; i++) {
		zcio_prep_fixed(&ios[i], c[i].op, bfd, c[i].idx, c[i].off,
				c[i].len, c[i].dev ? dev_size : 0);
		ios[i].tag = 0xe000 + i;
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = c[i].want };
		io = ios[i];
		ret = zcio_submit_io(zfd, &io);
		if ((ret ? ret : io.result) != c[i].want)
			api_fail("fixed-errors: ZCIO_IOC_IO %s: %s, want %s",
				 c[i].name, api_result_str(ret ? ret : io.result),
				 api_result_str(c[i].want));
	}
	/* A fixed write through a read-only fd. */
	zcio_prep_fixed(&ios[NC], ZCIO_OP_WRITE, rofd, 0, 0, 4096, 0);
	ios[NC].tag = 0xe0ff;
	exp[NC] = (struct api_expect){ .tag = ios[NC].tag, .result = -EBADF };
	io = ios[NC];
	ret = zcio_submit_io(zfd, &io);
	if (ret != -EBADF)
		api_fail("fixed-errors: ZCIO_IOC_IO write via O_RDONLY: %s",
			 api_result_str(ret));
	ret = zcio_submit(zfd, ios, NC + 1);
	if (ret != NC + 1)
		api_fail("fixed-errors: SUBMIT took %s of %d", api_result_str(ret),
			 NC + 1);
	else
		api_reap_expect(zfd, "fixed-errors", exp, NC + 1, 10);
	if (check_pinned("fixed-errors", set_pages) && api_failures == fails)
		api_ok("fixed-errors");
}

/* --- register errors -------------------------------------------------------- */

static void expect_register(const char *name, const struct zcio_buf *b,
			    unsigned int nr, int want);

/*
 * A private mapping of a regular file that is not shmem (this program,
 * on the guest's 9p root) cannot be registered: EOPNOTSUPP, nothing
 * pinned.  A memfd (shmem) can, and fixed I/O works through it.
 */
static void test_file_mappings(void)
{
	struct zcio_buf b;
	struct zcio_io io;
	char *p;
	int fd, ret;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		api_die("open /proc/self/exe: %s", strerror(errno));
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		api_die("mmap /proc/self/exe: %s", strerror(errno));
	b = (struct zcio_buf){ (uintptr_t)p, 8192 };
	expect_register("MAP_PRIVATE file mapping", &b, 1, -EOPNOTSUPP);
	munmap(p, 8192);

	fd = memfd_create("api-regbuf", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 64 * K))
		api_die("memfd: %s", strerror(errno));
	p = mmap(NULL, 64 * K, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		api_die("mmap memfd: %s", strerror(errno));
	memset(p, 0xa5, 64 * K);
	b = (struct zcio_buf){ (uintptr_t)p, 64 * K };
	ret = zcio_register_bufs(zfd, &b, 1);
	if (ret) {
		api_fail("register-errors: memfd (shmem) buffer: %s",
			 api_result_str(ret));
	} else {
		check_pinned("memfd", 16);
		api_pattern(cmpbuf, 32 * K, 5 * M, 0x5f);
		api_pwrite_all(afd, cmpbuf, 32 * K, 5 * M);
		zcio_prep_fixed(&io, ZCIO_OP_READ, bfd, 0, 16 * K, 32 * K, 5 * M);
		ret = zcio_submit_io(zfd, &io);
		if (ret || io.result != 32 * K || memcmp(p + 16 * K, cmpbuf, 32 * K))
			api_fail("memfd: fixed read: %s%s",
				 api_result_str(ret ? ret : io.result),
				 ret ? "" : " (or wrong data)");
		zcio_unregister_bufs(zfd);
		check_pinned("memfd: unregistered", 0);
	}
	munmap(p, 64 * K);
}

static int raw_register(const struct zcio_register *r)
{
	return ioctl(zfd, ZCIO_IOC_REGISTER, r) ? -errno : 0;
}

static void expect_register(const char *name, const struct zcio_buf *b,
			    unsigned int nr, int want)
{
	int ret = zcio_register_bufs(zfd, b, nr);

	if (ret != want) {
		api_fail("register-errors: %s: %s, want %s", name,
			 api_result_str(ret), api_result_str(want));
		if (!ret)
			zcio_unregister_bufs(zfd);
	}
	if (!check_pinned(name, 0))
		api_wait_pinned(name, 0, 1);
}

static void test_register_errors(void)
{
	struct zcio_buf b[4], *many;
	struct zcio_register r;
	char *two, *ro;
	int ret, fails = api_failures;

	/* With the main set registered. */
	ret = zcio_register_bufs(zfd, &bufs[3], 1);
	if (ret != -EBUSY)
		api_fail("register-errors: second register: %s, want EBUSY",
			 api_result_str(ret));
	if (!check_pinned("register-errors: EBUSY", set_pages))
		return;
	ret = zcio_unregister_bufs(zfd);
	if (ret)
		api_fail("register-errors: unregister: %s", api_result_str(ret));
	if (!check_pinned("register-errors: unregister", 0))
		return;
	ret = zcio_unregister_bufs(zfd);
	if (ret != -ENXIO)
		api_fail("register-errors: unregister with none: %s, want ENXIO",
			 api_result_str(ret));
	/* A fixed I/O with no set. */
	{
		struct zcio_io io;

		zcio_prep_fixed(&io, ZCIO_OP_READ, bfd, 0, 0, 4096, 0);
		ret = zcio_submit_io(zfd, &io);
		if (ret != -EINVAL)
			api_fail("register-errors: fixed I/O after unregister: %s, want EINVAL",
				 api_result_str(ret));
	}

	expect_register("nr 0", bufs, 0, -EINVAL);
	expect_register("nr max_bufs + 1", bufs, ver.max_bufs + 1, -EINVAL);
	b[0] = bufs[0];
	b[1] = (struct zcio_buf){ bufs[3].addr, 0 };
	expect_register("second buffer len 0", b, 2, -EINVAL);
	b[1] = (struct zcio_buf){ bufs[2].addr, (uint64_t)ver.max_buf_bytes + 4096 };
	expect_register("len max_buf_bytes + 4096", b + 1, 1, -EINVAL);
	b[1] = (struct zcio_buf){ bufs[2].addr, 1ULL << 40 };
	expect_register("len 1 TiB", b + 1, 1, -EINVAL);
	r = (struct zcio_register){ .bufs = (uintptr_t)bufs, .nr = 1, .flags = 1 };
	if (raw_register(&r) != -EINVAL)
		api_fail("register-errors: flags 1: %s", api_result_str(raw_register(&r)));
	r = (struct zcio_register){ .bufs = (uintptr_t)bufs, .nr = 1, .resv = { 0, 1 } };
	if (raw_register(&r) != -EINVAL)
		api_fail("register-errors: resv[1] 1: %s", api_result_str(raw_register(&r)));
	r = (struct zcio_register){ .bufs = (uintptr_t)api_unmapped_addr(4096), .nr = 2 };
	if (raw_register(&r) != -EFAULT)
		api_fail("register-errors: unmapped array: %s", api_result_str(raw_register(&r)));
	check_pinned("register-errors: bad arguments", 0);

	b[0] = bufs[0];
	b[1] = bufs[2];
	b[2] = (struct zcio_buf){ (uintptr_t)api_unmapped_addr(8192), 8192 };
	expect_register("unmapped third buffer", b, 3, -EFAULT);
	expect_register("unmapped buffer", b + 2, 1, -EFAULT);
	two = mmap(NULL, 2 * API_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (two == MAP_FAILED)
		api_die("mmap: %s", strerror(errno));
	memset(two, 1, 2 * API_PAGE);
	mprotect(two + API_PAGE, API_PAGE, PROT_NONE);
	b[2] = (struct zcio_buf){ (uintptr_t)two, 2 * API_PAGE };
	expect_register("second page PROT_NONE", b, 3, -EFAULT);
	ro = mmap(NULL, 4 * API_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	if (ro == MAP_FAILED)
		api_die("mmap: %s", strerror(errno));
	b[2] = (struct zcio_buf){ (uintptr_t)ro, 4 * API_PAGE };
	expect_register("PROT_READ buffer", b, 3, -EFAULT);
	b[2] = (struct zcio_buf){ KERNEL_ADDR, 4096 };
	expect_register("kernel address", b, 3, -EFAULT);
	munmap(two, 2 * API_PAGE);
	munmap(ro, 4 * API_PAGE);
	test_file_mappings();

	/* max_bufs one-page buffers. */
	many = calloc(ver.max_bufs, sizeof(*many));
	two = mmap(NULL, (size_t)ver.max_bufs * API_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!many || two == MAP_FAILED)
		api_die("out of memory");
	for (unsigned int i = 0; i < ver.max_bufs; i++)
		many[i] = (struct zcio_buf){ (uintptr_t)two + i * API_PAGE, API_PAGE };
	ret = zcio_register_bufs(zfd, many, ver.max_bufs);
	if (ret) {
		api_fail("register-errors: %u one-page buffers: %s",
			 ver.max_bufs, api_result_str(ret));
	} else {
		struct zcio_io io;
		char *last = two + (size_t)(ver.max_bufs - 1) * API_PAGE;

		check_pinned("max-bufs", ver.max_bufs);
		api_pattern(cmpbuf, 4096, 0, 0x77);
		api_pwrite_all(afd, cmpbuf, 4096, 0);
		zcio_prep_fixed(&io, ZCIO_OP_READ, bfd, ver.max_bufs - 1, 0,
				4096, 0);
		ret = zcio_submit_io(zfd, &io);
		if (ret || io.result != 4096 || memcmp(last, cmpbuf, 4096))
			api_fail("max-bufs: read into buffer %u: %s%s",
				 ver.max_bufs - 1, api_result_str(ret ? ret : io.result),
				 ret ? "" : memcmp(last, cmpbuf, 4096) ? ", wrong data" : "");
		ret = zcio_unregister_bufs(zfd);
		if (ret)
			api_fail("max-bufs: unregister: %s", api_result_str(ret));
		check_pinned("max-bufs: unregistered", 0);
	}
	munmap(two, (size_t)ver.max_bufs * API_PAGE);
	free(many);

	/* After all that, the main set registers again. */
	ret = zcio_register_bufs(zfd, bufs, NBUF);
	if (ret)
		api_fail("register-errors: registering the set again: %s",
			 api_result_str(ret));
	if (check_pinned("register-errors: again", ret ? 0 : set_pages) &&
	    api_failures == fails)
		api_ok("register-errors");
}

/* --- unregister and close with I/O in flight ------------------------------ */

static void test_unregister_inflight(void)
{
	const char *name = "unregister-inflight";
	struct api_expect exp[2];
	struct zcio_io ios[2];
	double t0, t;
	int ret, fails = api_failures;
	uint64_t rdev = 6 * M, wdev = 8 * M;

	/* Piece 3 of buffer 0 is read, buffer 2's first MiB is written. */
	api_pattern(cmpbuf, 48 * K, rdev, 0x91);
	api_pwrite_all(afd, cmpbuf, 48 * K, rdev);
	poison_all();
	api_pattern(bufp(2), M, wdev, 0x92);
	zcio_prep_fixed(&ios[0], ZCIO_OP_READ, sfd, 0, 16 * K, 48 * K, rdev);
	ios[0].tag = 0x1001;
	zcio_prep_fixed(&ios[1], ZCIO_OP_WRITE, sfd, 2, 0, M, wdev);
	ios[1].tag = 0x1002;
	exp[0] = (struct api_expect){ .tag = 0x1001, .result = 48 * K };
	exp[1] = (struct api_expect){ .tag = 0x1002, .result = M };
	t0 = api_now();
	ret = zcio_submit(zfd, ios, 2);
	if (ret != 2) {
		api_fail("%s: SUBMIT: %s", name, api_result_str(ret));
		return;
	}
	ret = zcio_unregister_bufs(zfd);
	t = api_now() - t0;
	if (ret)
		api_fail("%s: unregister: %s", name, api_result_str(ret));
	if (t >= SLOW_MIN_S) {
		api_fail("%s: unregister took %.3f s: it waited for the I/O", name, t);
	} else {
		/* The set lives on while its I/O is in flight. */
		check_pinned(name, set_pages);
		ret = zcio_register_bufs(zfd, &bufs[3], 1);
		if (ret)
			api_fail("%s: a new set while the old one drains: %s",
				 name, api_result_str(ret));
		else if (api_now() - t0 < SLOW_MIN_S)
			check_pinned("unregister-inflight: new set", set_pages + 1);
		if (!ret && (ret = zcio_unregister_bufs(zfd)))
			api_fail("%s: unregister the new set: %s", name,
				 api_result_str(ret));
	}
	if (!api_reap_expect(zfd, name, exp, 2, 10))
		return;
	/* Reaping released the last references. */
	if (!check_pinned("unregister-inflight: reaped", 0))
		return;
	api_pattern(cmpbuf, 48 * K, rdev, 0x91);
	if (memcmp(bufp(0) + 16 * K, cmpbuf, 48 * K))
		api_fail("%s: the fixed read in flight at unregister returned wrong data",
			 name);
	api_pread_all(afd, cmpbuf, M, wdev);
	if (memcmp(cmpbuf, bufp(2), M))
		api_fail("%s: the fixed write in flight at unregister wrote wrong data",
			 name);
	if (api_failures == fails)
		api_ok(name);
}

static void test_close(void)
{
	const char *name = "close";
	struct zcio_io io;
	int z2, ret;
	double t0;

	z2 = api_zcio_open();
	ret = zcio_register_bufs(z2, bufs, 2);
	if (ret) {
		api_fail("%s: register: %s", name, api_result_str(ret));
		return;
	}
	close(z2);
	if (!check_pinned("close", 0))
		return;

	/* Closed with a fixed read in flight on SLOW_DEV. */
	z2 = api_zcio_open();
	ret = zcio_register_bufs(z2, bufs, 2);
	zcio_prep_fixed(&io, ZCIO_OP_READ, sfd, 1, 0, 60 * K, 0);
	t0 = api_now();
	if (ret || (ret = zcio_submit(z2, &io, 1)) != 1) {
		api_fail("%s: register + submit: %s", name, api_result_str(ret));
		close(z2);
		return;
	}
	close(z2);
	if (api_now() - t0 >= SLOW_MIN_S)
		api_fail("%s: close() with fixed I/O in flight took %.3f s",
			 name, api_now() - t0);
	if (api_wait_pinned(name, 0, 10) && check_pinned("close: in flight", 0))
		api_ok(name);
}

/* --- RLIMIT_MEMLOCK ----------------------------------------------------------- */

static void __attribute__((noreturn)) memlock_child(void)
{
	struct rlimit rl = { 64 * K, 64 * K };
	struct zcio_stats st0, st1;
	struct zcio_buf b;
	struct zcio_io io;
	char *mem;
	int z1, z2, ret;

	api_prog = "api-regbuf (uid 65534)";
	z1 = api_zcio_open();
	z2 = api_zcio_open();
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		api_die("dropping root: %s", strerror(errno));
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		api_die("setrlimit: %s", strerror(errno));
	mem = mmap(NULL, 256 * K, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		api_die("mmap: %s", strerror(errno));
	memset(mem, 0x33, 256 * K);

	b = (struct zcio_buf){ (uintptr_t)mem, 128 * K };
	api_stats(zfd, &st0);
	ret = zcio_register_bufs(z1, &b, 1);
	api_stats(zfd, &st1);
	if (ret != -ENOMEM)
		api_fail("memlock: 128 KiB with a 64 KiB limit: %s, want ENOMEM",
			 api_result_str(ret));
	/* The charge comes first: the refused buffer was never pinned. */
	if (st1.pins != st0.pins)
		api_fail("memlock: the refused 128 KiB were pinned first (pins +%" PRIu64 ")",
			 (uint64_t)(st1.pins - st0.pins));
	check_pinned("memlock: refused", 0);

	b.len = 32 * K;
	ret = zcio_register_bufs(z1, &b, 1);
	if (ret)
		api_fail("memlock: 32 KiB: %s", api_result_str(ret));
	check_pinned("memlock: 32 KiB", 8);
	api_pattern(mem, 32 * K, 0, 0x3e);
	zcio_prep_fixed(&io, ZCIO_OP_WRITE, bfd, 0, 0, 32 * K, 0);
	ret = zcio_submit_io(z1, &io);
	if (ret || io.result != 32 * K)
		api_fail("memlock: fixed write: %s",
			 api_result_str(ret ? ret : io.result));
	memset(mem, 0, 32 * K);
	zcio_prep_fixed(&io, ZCIO_OP_READ, bfd, 0, 0, 32 * K, 0);
	ret = zcio_submit_io(z1, &io);
	api_pattern(mem + 128 * K, 32 * K, 0, 0x3e);
	if (ret || io.result != 32 * K || memcmp(mem, mem + 128 * K, 32 * K))
		api_fail("memlock: fixed read: %s%s",
			 api_result_str(ret ? ret : io.result),
			 ret ? "" : " (data compared)");

	/* The limit is per user, across contexts. */
	b = (struct zcio_buf){ (uintptr_t)mem + 64 * K, 48 * K };
	ret = zcio_register_bufs(z2, &b, 1);
	if (ret != -ENOMEM)
		api_fail("memlock: 32 KiB + 48 KiB in a second context: %s, want ENOMEM",
			 api_result_str(ret));
	check_pinned("memlock: second refused", 8);
	b.len = 32 * K;
	ret = zcio_register_bufs(z2, &b, 1);
	if (ret)
		api_fail("memlock: 32 KiB + 32 KiB: %s", api_result_str(ret));
	check_pinned("memlock: 64 KiB", 16);
	if (zcio_unregister_bufs(z2) || zcio_unregister_bufs(z1))
		api_fail("memlock: unregister failed");
	check_pinned("memlock: unregistered", 0);
	/* The charge came back: the whole limit is available again. */
	b = (struct zcio_buf){ (uintptr_t)mem, 64 * K };
	ret = zcio_register_bufs(z1, &b, 1);
	if (ret)
		api_fail("memlock: 64 KiB after unregistering: %s (charge not given back?)",
			 api_result_str(ret));
	else
		zcio_unregister_bufs(z1);
	close(z2);
	close(z1);
	exit(api_exit());
}

static void test_memlock(void)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid)
		memlock_child();
	status = api_waitpid(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		api_fail("memlock: the unprivileged child failed (status %#x)",
			 status);
	else if (api_wait_pinned("memlock", 0, 2))
		api_ok("memlock");
}

int main(int argc, char **argv)
{
	struct zcio_devinfo di;
	int ret;

	api_prog = "api-regbuf";
	if (argc != 3) {
		fprintf(stderr, "usage: api-regbuf FAST_DEV SLOW_DEV\n");
		return 2;
	}
	zfd = api_zcio_open();
	bfd = api_open(argv[1], O_RDWR);
	sfd = api_open(argv[2], O_RDWR);
	afd = api_open(argv[1], O_RDWR | O_DIRECT);
	rofd = api_open(argv[1], O_RDONLY);
	ret = zcio_get_version(zfd, &ver);
	if (ret || !(ver.features & ZCIO_FEAT_REGBUF))
		api_die("no ZCIO_FEAT_REGBUF (%s)", zcio_strerror(ret));
	ret = zcio_get_devinfo(zfd, bfd, &di);
	if (ret || di.logical_block_size != 512 || di.dma_alignment > 512 ||
	    di.size < 16 * M)
		api_die("%s: want 512-byte blocks, dma_alignment <= 512, 16 MiB",
			argv[1]);
	dev_size = di.size;
	if (api_sysfs_stat("pages_pinned") || api_status_kb("VmPin") != 0)
		api_die("something is pinned at the start");
	cmpbuf = api_map_guarded(4 * M);
	setup_bufs();
	layout_pieces();

	test_register();
	test_fixed_sync();
	test_fixed_async();
	test_fixed_errors();
	test_register_errors();
	test_unregister_inflight();
	test_close();
	test_memlock();
	if (zcio_unregister_bufs(zfd) != -ENXIO)
		api_fail("end: a set was still registered");
	check_pinned("end", 0);
	return api_exit();
}
