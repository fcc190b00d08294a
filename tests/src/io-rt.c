// SPDX-License-Identifier: GPL-2.0
/*
 * io-rt: round trips of offset-stamped data through /dev/zcio.
 *
 *   io-rt rt [options] DEV		zcio write, check the device with
 *					O_DIRECT pread, zcio read, check the
 *					buffer
 *   io-rt fill PATH OFFSET LEN SEED	stamp a range with pwrite (no zcio)
 *   io-rt check PATH OFFSET LEN SEED	check a range with pread (no zcio)
 *   io-rt devinfo DEV			print ZCIO_IOC_DEVINFO as shell
 *					assignments (lbs= dma= size= ...)
 *
 * Every 512-byte block carries "zcio@<device offset, 16 hex>:<seed, 2 hex>\n"
 * followed by a byte ramp, exactly like tests/lib/pattern.py, so a block
 * that lands in the wrong place is caught and the message names the LBA
 * (512-byte sector) where it was found and the one it came from.
 *
 * Each zcio transfer is checked against the kernel's own O_DIRECT path
 * (never only against zcio itself), the device blocks just outside the
 * range and the memory just outside the buffer must stay untouched, and
 * the module's counters must rise by exactly what blk/io.c and blk/map.c
 * do for it: one request, at most BIO_MAX_VECS pages per bio (each bio cut
 * to whole logical blocks), all but the last bio a partial map, every page
 * of every bio pinned once and unpinned once (see expect_for()).  Where the
 * queue keeps I/O statistics, the device must have moved exactly the
 * sectors of each ioctl, no more (nothing transferred twice).
 *
 * Options of "rt":
 *   -o OFFSET	device byte offset (default 0)
 *   -l LEN	bytes (default 1M); k/M/G suffixes everywhere
 *   -c CHUNK	bytes per ioctl (default LEN: the whole range in one ioctl)
 *   -s SEED	pattern seed (default 1)
 *   -a BUFOFF	the buffer starts BUFOFF bytes into a page (default 0)
 *   -m MODE	buffer memory: "anon" (default), "thp" (the buffer crosses
 *		the end of a transparent huge page into normal pages) or
 *		"file:DIR" (MAP_SHARED of a new file in DIR; the write takes
 *		the file's page cache pages, the read's result is checked
 *		with read(2))
 *   -W		write only (zcio write + O_DIRECT check)
 *   -R		read only: stamp the range with O_DIRECT pwrite, zcio read
 *   -g		no guard blocks on the device around the range
 *   -D		(file mode) after the read, fsync the file, drop its page
 *		cache and check it again: the pages must have been dirtied
 *   -F MS	(file mode, with -D) MS milliseconds into the read, while
 *		it is in flight, fsync the file from another thread: its
 *		writeback cleans the pinned pages before the device fills
 *		them, so only the module's dirtying after the I/O saves the
 *		data (use a slow device, e.g. dm-delay, so the read lasts)
 *   -x BYTES	the queue splits every request at BYTES: check devinfo's
 *		max_sectors_bytes, and in /sys/dev/block/M:m/stat that each
 *		ioctl moved exactly its sectors in at least ceil(chunk /
 *		BYTES) requests and at most ceil(bio bytes / BYTES) per bio
 *   -q		quiet: no summary lines
 *
 * Exit: 0 pass, 1 fail, 77 skip (no THP when -m thp needs it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libzcio.h"
#include "msg.h"

#define BLK		512
#define STAMP_LEN	25	/* "zcio@%016x:%02x\n" */
#define BIO_MAX_VECS	256	/* pages per bio, include/linux/bio.h */
#define THP_SIZE	(2UL << 20)
#define GUARD		4096	/* device guard bytes each side */
#define POISON		0xa5
#define MAX_REPORT	8	/* bad blocks described per check */

static const char *prog = "io-rt";
static long page_size;
static bool quiet;
static int counters_off;	/* ioctls whose counters were wrong */

static void __attribute__((format(printf, 1, 2), noreturn)) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vmsg(prog, "FAIL", fmt, ap);
	va_end(ap);
	exit(1);
}

/* The test could not be set up: also a failure, worded differently. */
static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vmsg(prog, "ERROR", fmt, ap);
	va_end(ap);
	exit(1);
}

static void __attribute__((format(printf, 1, 2), noreturn)) skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vmsg(prog, "SKIP", fmt, ap);
	va_end(ap);
	exit(77);
}

static void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static uint64_t parse_size(const char *what, const char *s)
{
	uint64_t v;

	if (zcio_parse_size(s, &v))
		die("bad %s '%s'", what, s);
	return v;
}

/* --- the pattern --------------------------------------------------------- */

static unsigned char tails[256][BLK - STAMP_LEN];

static void pattern_init(void)
{
	int v, i;

	for (v = 0; v < 256; v++)
		for (i = 0; i < BLK - STAMP_LEN; i++)
			tails[v][i] = (v + i) & 0xff;
}

/* The 512 bytes that belong at device offset @off for @seed. */
static void pattern_block(unsigned char *p, uint64_t off, unsigned int seed)
{
	char head[STAMP_LEN + 1];

	snprintf(head, sizeof(head), "zcio@%016" PRIx64 ":%02x\n", off,
		 seed & 0xff);
	memcpy(p, head, STAMP_LEN);
	memcpy(p + STAMP_LEN, tails[(off / BLK + seed) & 0xff],
	       BLK - STAMP_LEN);
}

/* Fill @len bytes at @p with the pattern of device range @off.. */
static void pattern_fill(void *p, uint64_t len, uint64_t off,
			 unsigned int seed)
{
	uint64_t i;

	for (i = 0; i < len; i += BLK)
		pattern_block((unsigned char *)p + i, off + i, seed);
}

/* Say what a wrong block looks like: whose stamp it carries, if any. */
static void describe_block(const unsigned char *p, char *out, size_t size)
{
	unsigned long long off;
	unsigned int seed;
	char head[STAMP_LEN + 1];
	int i, n;

	memcpy(head, p, STAMP_LEN);
	head[STAMP_LEN] = 0;
	if (sscanf(head, "zcio@%16llx:%2x\n", &off, &seed) == 2) {
		snprintf(out, size,
			 "the block of LBA %llu (offset %#llx) seed %#x",
			 off / BLK, off, seed);
		return;
	}
	n = snprintf(out, size, "no stamp, bytes");
	for (i = 0; i < 8 && n > 0 && (size_t)n < size; i++)
		n += snprintf(out + n, size - n, " %02x", p[i]);
}

/*
 * Check that @len bytes at @p hold the pattern of device range @off..
 * @where names the memory ("device", "read buffer", ...) for the message.
 * Describes bad blocks while *@budget lasts and returns how many there are.
 */
static uint64_t pattern_check_budget(const void *p, uint64_t len,
				     uint64_t off, unsigned int seed,
				     const char *where, int *budget)
{
	unsigned char want[BLK];
	uint64_t i, bad = 0;
	char desc[128];

	for (i = 0; i < len; i += BLK) {
		const unsigned char *got = (const unsigned char *)p + i;

		pattern_block(want, off + i, seed);
		if (!memcmp(got, want, BLK))
			continue;
		bad++;
		if ((*budget)-- > 0) {
			unsigned int j = 0;

			while (got[j] == want[j])
				j++;
			describe_block(got, desc, sizeof(desc));
			fprintf(stderr,
				"%s: %s: LBA %" PRIu64 " (offset %#" PRIx64
				", seed %#x) differs from byte %u: found %s\n",
				prog, where, (off + i) / BLK, off + i,
				seed & 0xff, j, desc);
		}
	}
	return bad;
}

static uint64_t pattern_check(const void *p, uint64_t len, uint64_t off,
			      unsigned int seed, const char *where)
{
	int budget = MAX_REPORT;

	return pattern_check_budget(p, len, off, seed, where, &budget);
}

/* @len bytes at @p must all still be POISON. */
static void poison_check(const void *p, size_t len, const char *what)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != POISON)
			fail("%s was overwritten: byte %zu of %zu is %#x", what,
			     i, len, c[i]);
}

/* --- plain I/O (the kernel's own path, the reference) -------------------- */

static void full_pread(int fd, void *buf, size_t len, uint64_t off,
		       const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  off + done);

		if (n < 0)
			die("pread %s at %#" PRIx64 ": %m", what, off + done);
		if (!n)
			die("pread %s at %#" PRIx64 ": end of file", what,
			    off + done);
		done += n;
	}
}

static void full_pwrite(int fd, const void *buf, size_t len, uint64_t off,
			const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   off + done);

		if (n <= 0)
			die("pwrite %s at %#" PRIx64 ": %m", what, off + done);
		done += n;
	}
}

#define IO_CHUNK	(4UL << 20)

static void *xalloc(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		die("out of memory (%zu bytes)", len);
	return p;
}

/* Stamp [off, off + len) of @fd with pread/pwrite-sized chunks. */
static void dev_fill(int fd, uint64_t off, uint64_t len, unsigned int seed,
		     const char *what)
{
	size_t n = len < IO_CHUNK ? len : IO_CHUNK;
	void *buf = xalloc(n);
	uint64_t done;

	for (done = 0; done < len; done += n) {
		if (n > len - done)
			n = len - done;
		pattern_fill(buf, n, off + done, seed);
		full_pwrite(fd, buf, n, off + done, what);
	}
	free(buf);
}

/* Check [off, off + len) of @fd; returns the number of bad blocks. */
static uint64_t dev_check(int fd, uint64_t off, uint64_t len,
			  unsigned int seed, const char *what)
{
	size_t n = len < IO_CHUNK ? len : IO_CHUNK;
	void *buf = xalloc(n);
	uint64_t done, bad = 0;
	int budget = MAX_REPORT;

	for (done = 0; done < len; done += n) {
		if (n > len - done)
			n = len - done;
		full_pread(fd, buf, n, off + done, what);
		bad += pattern_check_budget(buf, n, off + done, seed, what,
					    &budget);
	}
	free(buf);
	return bad;
}

static void check_args(char **argv, uint64_t *off, uint64_t *len,
		       unsigned int *seed)
{
	*off = parse_size("offset", argv[1]);
	*len = parse_size("length", argv[2]);
	*seed = (unsigned int)parse_size("seed", argv[3]);
	if ((*off | *len) % BLK)
		die("offset and length must be multiples of %d", BLK);
}

/* io-rt fill|check PATH OFFSET LEN SEED */
static int cmd_fill_check(bool fill, int argc, char **argv)
{
	unsigned int seed;
	uint64_t off, len, bad;
	struct stat st;
	int fd;

	if (argc != 5)
		die("usage: %s %s PATH OFFSET LEN SEED", prog, argv[0]);
	check_args(argv + 1, &off, &len, &seed);
	fd = open(argv[1], fill ? O_WRONLY | O_CREAT : O_RDONLY, 0644);
	if (fd < 0 || fstat(fd, &st))
		die("open %s: %m", argv[1]);
	if (S_ISBLK(st.st_mode)) {
		close(fd);
		fd = open(argv[1], (fill ? O_WRONLY : O_RDONLY) | O_DIRECT);
		if (fd < 0)
			die("open %s O_DIRECT: %m", argv[1]);
	}
	if (fill) {
		dev_fill(fd, off, len, seed, argv[1]);
		if (fsync(fd))
			die("fsync %s: %m", argv[1]);
		return 0;
	}
	bad = dev_check(fd, off, len, seed, argv[1]);
	if (bad)
		fail("%s: %" PRIu64 " of %" PRIu64 " blocks in [%#" PRIx64
		     ", %#" PRIx64 ") do not hold their stamped data (seed %#x)",
		     argv[1], bad, len / BLK, off, off + len, seed);
	info("%s: [%#" PRIx64 ", %#" PRIx64 ") holds seed %#x: %" PRIu64
	     " blocks ok\n", argv[1], off, off + len, seed, len / BLK);
	return 0;
}

/* --- buffers -------------------------------------------------------------- */

enum buf_mode { BUF_ANON, BUF_THP, BUF_FILE };

/*
 * An I/O buffer inside a larger mapping.  The bytes of the mapping around
 * [buf, buf + len) are guards: at least the rest of the first and last
 * page and one whole page on each side.
 */
struct tbuf {
	enum buf_mode mode;
	char *map;		/* the whole mapping */
	size_t map_len;
	char *buf;		/* the I/O buffer inside it */
	uint64_t len;
	int fd;			/* file mode: the file behind @map */
	char *path;		/* file mode: its name */
	size_t file_off;	/* file mode: where @buf is in the file */
	char *thp;		/* thp mode: the huge page */
};

static void *xmmap(size_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		die("mmap %zu bytes: %m", len);
	return p;
}

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/* AnonHugePages (kB) of the mapping that starts at @addr, -1 if none. */
static long smaps_anon_huge_kb(const void *addr)
{
	unsigned long start = (unsigned long)addr, lo, hi;
	bool in = false;
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = lo == start;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* Skip unless the kernel can give this process a THP on madvise. */
static void thp_require(void)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		skip("no /sys/kernel/mm/transparent_hugepage (kernel without THP)");
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	if (strstr(line, "[never]"))
		skip("transparent huge pages are disabled: %s", line);
}

/*
 * Lay out @len bytes so that the buffer crosses the end of a transparent
 * huge page: up to half of it (at most the whole THP) inside the THP, the
 * rest in normal pages (MADV_NOHUGEPAGE) right after it.
 */
static void tbuf_thp(struct tbuf *b, uint64_t len, size_t bufoff)
{
	size_t in_thp = round_up(len / 2, page_size);
	uintptr_t a;
	long kb;

	thp_require();
	if (in_thp > THP_SIZE)
		in_thp = THP_SIZE;
	/* slack for alignment, a normal 2M before, the THP, the rest */
	b->map_len = THP_SIZE + THP_SIZE + THP_SIZE +
		     round_up(len + bufoff + page_size, THP_SIZE);
	b->map = xmmap(b->map_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (madvise(b->map, b->map_len, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE): %m");
	a = round_up((uintptr_t)b->map + THP_SIZE, THP_SIZE);
	b->thp = (char *)a;
	if (madvise(b->thp, THP_SIZE, MADV_HUGEPAGE))
		skip("madvise(MADV_HUGEPAGE): %m");
	memset(b->map, POISON, b->map_len);
	kb = smaps_anon_huge_kb(b->thp);
	if (kb < (long)(THP_SIZE >> 10))
		fail("no transparent huge page at %p after MADV_HUGEPAGE and a touch (AnonHugePages: %ld kB)",
		     b->thp, kb);
	kb = smaps_anon_huge_kb(b->thp + THP_SIZE);
	if (kb != 0)
		die("the pages after the THP are not normal pages (AnonHugePages: %ld kB)",
		    kb);
	b->buf = b->thp + THP_SIZE - in_thp + bufoff;
	info("THP at %p (AnonHugePages: %ld kB): %zu bytes of the buffer in it, %"
	     PRIu64 " in normal pages after it\n", (void *)b->thp, smaps_anon_huge_kb(b->thp),
	     (size_t)(b->thp + THP_SIZE - b->buf),
	     len - (uint64_t)(b->thp + THP_SIZE - b->buf));
}

/* A file of poison with room for the buffer and a guard page each side. */
static void tbuf_file(struct tbuf *b, const char *dir, uint64_t len,
		      size_t bufoff)
{
	size_t n = 1 << 20, done;
	char *junk;

	if (asprintf(&b->path, "%s/io-rt.XXXXXX", dir) < 0)
		die("out of memory");
	b->fd = mkstemp(b->path);
	if (b->fd < 0)
		die("mkstemp %s: %m", b->path);
	b->file_off = page_size + bufoff;
	b->map_len = round_up(b->file_off + len + page_size, page_size);
	/* Real file data written with write(2), not holes. */
	junk = xalloc(n);
	memset(junk, POISON, n);
	for (done = 0; done < b->map_len; done += n)
		full_pwrite(b->fd, junk, n < b->map_len - done ? n :
			    b->map_len - done, done, b->path);
	free(junk);
}

static void tbuf_init(struct tbuf *b, enum buf_mode mode, const char *dir,
		      uint64_t len, size_t bufoff)
{
	memset(b, 0, sizeof(*b));
	b->mode = mode;
	b->len = len;
	b->fd = -1;
	switch (mode) {
	case BUF_ANON:
		b->map_len = round_up(page_size + bufoff + len + page_size,
				      page_size);
		b->map = xmmap(b->map_len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1);
		memset(b->map, POISON, b->map_len);
		b->buf = b->map + page_size + bufoff;
		break;
	case BUF_THP:
		tbuf_thp(b, len, bufoff);
		break;
	case BUF_FILE:
		tbuf_file(b, dir, len, bufoff);
		break;
	}
}

/*
 * Write the file back and drop its page cache, so that what is read next
 * comes from the disk: a page that was changed but never marked dirty is
 * lost here.
 */
static void file_drop_cache(struct tbuf *b)
{
	size_t i, n = b->map_len / page_size, resident = 0;
	unsigned char *vec;
	void *m;
	int fd;

	if (fsync(b->fd))
		die("fsync %s: %m", b->path);
	posix_fadvise(b->fd, 0, 0, POSIX_FADV_DONTNEED);
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			die("drop_caches: %m");
		close(fd);
	}
	m = xmmap(b->map_len, PROT_READ, MAP_SHARED, b->fd);
	vec = malloc(n);
	if (!vec || mincore(m, b->map_len, vec))
		die("mincore %s: %m", b->path);
	for (i = 0; i < n; i++)
		resident += vec[i] & 1;
	free(vec);
	munmap(m, b->map_len);
	if (resident)
		die("%zu of %zu pages of %s stay cached after fsync and drop_caches (tmpfs?)",
		    resident, n, b->path);
}

/*
 * Map the file MAP_SHARED.  For a write the buffer's part of the file
 * gets the pattern first, with pwrite(2), and the mapping is read-only:
 * the device reads the file's own page cache pages.
 */
static void tbuf_file_map(struct tbuf *b, bool for_write, uint64_t off,
			  unsigned int seed, bool drop)
{
	if (for_write) {
		void *src = xalloc(round_up(b->len, page_size));

		pattern_fill(src, b->len, off, seed);
		full_pwrite(b->fd, src, b->len, b->file_off, b->path);
		free(src);
	}
	if (drop)
		file_drop_cache(b);
	b->map = xmmap(b->map_len, for_write ? PROT_READ :
		       PROT_READ | PROT_WRITE, MAP_SHARED, b->fd);
	b->buf = b->map + b->file_off;
}

/* Read the whole file with pread(2) and check guards and payload. */
static void tbuf_file_check(struct tbuf *b, uint64_t off, unsigned int seed,
			    const char *when)
{
	char *data = xalloc(round_up(b->map_len, page_size));
	char what[256];
	uint64_t bad;

	full_pread(b->fd, data, b->map_len, 0, b->path);
	snprintf(what, sizeof(what), "file %s %s (before the buffer)",
		 b->path, when);
	poison_check(data, b->file_off, what);
	snprintf(what, sizeof(what), "file %s %s (after the buffer)",
		 b->path, when);
	poison_check(data + b->file_off + b->len,
		     b->map_len - b->file_off - b->len, what);
	snprintf(what, sizeof(what), "file %s %s", b->path, when);
	bad = pattern_check(data + b->file_off, b->len, off, seed, what);
	if (bad)
		fail("%s: %" PRIu64 " of %" PRIu64
		     " blocks do not hold what zcio read", what, bad,
		     b->len / BLK);
	free(data);
}

/* The memory around the buffer must be untouched. */
static void tbuf_guard_check(struct tbuf *b, const char *when)
{
	char what[128];

	snprintf(what, sizeof(what), "memory before the buffer %s", when);
	poison_check(b->map, b->buf - b->map, what);
	snprintf(what, sizeof(what), "memory after the buffer %s", when);
	poison_check(b->buf + b->len, b->map + b->map_len - b->buf - b->len,
		     what);
}

static void tbuf_free(struct tbuf *b)
{
	if (b->map)
		munmap(b->map, b->map_len);
	if (b->fd >= 0) {
		close(b->fd);
		unlink(b->path);
		free(b->path);
	}
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}

/* --- the round trip ------------------------------------------------------- */

struct rt {
	const char *dev;
	int zfd;		/* /dev/zcio */
	int fd;			/* the device, for zcio */
	int dfd;		/* the device with O_DIRECT: the reference */
	struct zcio_devinfo di;
	uint64_t off, len, chunk, split;
	unsigned int seed;
	size_t bufoff;
	enum buf_mode mode;
	const char *dir;
	bool guards, drop;
	unsigned int fsync_ms;	/* -F */
	bool acct;		/* the device keeps I/O statistics */
};

static const char *mode_name(const struct rt *rt)
{
	switch (rt->mode) {
	case BUF_ANON: return "anon";
	case BUF_THP: return "thp";
	case BUF_FILE: return "file";
	}
	return "?";
}

static void stats_get(const struct rt *rt, struct zcio_stats *st)
{
	int ret = zcio_get_stats(rt->zfd, st);

	if (ret)
		die("ZCIO_IOC_STATS: %s", zcio_strerror(ret));
}

/* Completed requests and sectors of @op (/sys/dev/block/M:m/stat). */
static void disk_stat(const struct rt *rt, unsigned int op, uint64_t *ios,
		      uint64_t *sectors)
{
	unsigned long long f[7];
	char path[64];
	FILE *file;
	int n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat",
		 rt->di.dev_major, rt->di.dev_minor);
	file = fopen(path, "r");
	if (!file)
		die("open %s: %m", path);
	n = fscanf(file, "%llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1],
		   &f[2], &f[3], &f[4], &f[5], &f[6]);
	fclose(file);
	if (n != 7)
		die("cannot parse %s", path);
	*ios = op == ZCIO_OP_READ ? f[0] : f[4];
	*sectors = op == ZCIO_OP_READ ? f[2] : f[6];
}

struct expect {
	uint64_t pages, bios, requests;
};

/*
 * What blk/map.c and blk/io.c do with one ioctl: each bio maps at most
 * BIO_MAX_VECS pages starting at the current address, and a bio that maps
 * less than the rest of the request counts as a partial map.  A bio must
 * hold whole logical blocks, so one that stops short of the rest is cut
 * down to a multiple of the logical block size (as bio_iov_iter_get_pages()
 * does for O_DIRECT); with 512-byte blocks and a 512-aligned buffer there
 * is nothing to cut, and after the first bio every bio starts on a page
 * boundary.  With a queue that splits at @split bytes each bio becomes
 * ceil(bio bytes / split) requests, the most there can be; the last piece
 * of one bio may merge with the first of the next.
 */
static void expect_for(const struct rt *rt, uintptr_t addr, uint64_t len,
		       struct expect *e)
{
	uint64_t lbs = rt->di.logical_block_size;

	memset(e, 0, sizeof(*e));
	while (len) {
		uint64_t in_page = addr & (page_size - 1);
		uint64_t bytes = (uint64_t)BIO_MAX_VECS * page_size - in_page;

		if (bytes >= len)
			bytes = len;
		else
			bytes -= bytes % lbs;
		e->pages += (in_page + bytes + page_size - 1) / page_size;
		e->bios++;
		if (rt->split)
			e->requests += (bytes + rt->split - 1) / rt->split;
		addr += bytes;
		len -= bytes;
	}
}

#define EXPECT_DELTA(field, want)					\
	do {								\
		uint64_t d_ = after.field - before.field;		\
		if (d_ != (uint64_t)(want)) {				\
			fprintf(stderr, "%s: counter " #field " rose by %" \
				PRIu64 ", expected %" PRIu64 "\n", prog,	\
				d_, (uint64_t)(want));			\
			bad++;						\
		}							\
	} while (0)

/* Totals of one phase, for the summary line. */
struct tally {
	uint64_t ioctls, bios, partial, pages, requests;
};

/* One ZCIO_IOC_IO, checked: full result, exact counters. */
static void zcio_xfer(const struct rt *rt, unsigned int op, char *buf,
		      uint64_t len, uint64_t off, struct tally *t)
{
	struct zcio_stats before, after;
	uint64_t ios0 = 0, ios = 0, sectors0 = 0, sectors = 0;
	struct expect e;
	char what[160];
	int64_t ret;
	int tries, bad = 0;

	snprintf(what, sizeof(what), "zcio %s of %" PRIu64 " bytes at %#"
		 PRIx64 " with buffer %p (%s)", zcio_op_name(op), len, off,
		 (void *)buf, mode_name(rt));
	expect_for(rt, (uintptr_t)buf, len, &e);
	stats_get(rt, &before);
	if (rt->acct)
		disk_stat(rt, op, &ios0, &sectors0);
	ret = zcio_pio(rt->zfd, op, rt->fd, buf, len, off);
	if (ret < 0)
		fail("%s: %s", what, zcio_strerror(ret));
	if ((uint64_t)ret != len)
		fail("%s: transferred %" PRId64 " bytes", what, ret);
	stats_get(rt, &after);

	EXPECT_DELTA(requests, 1);
	EXPECT_DELTA(reads, op == ZCIO_OP_READ);
	EXPECT_DELTA(writes, op == ZCIO_OP_WRITE);
	EXPECT_DELTA(bytes_read, op == ZCIO_OP_READ ? len : 0);
	EXPECT_DELTA(bytes_written, op == ZCIO_OP_WRITE ? len : 0);
	EXPECT_DELTA(errors, 0);
	EXPECT_DELTA(bios, e.bios);
	EXPECT_DELTA(partial_maps, e.bios - 1);
	EXPECT_DELTA(pins, e.pages);
	EXPECT_DELTA(unpins, e.pages);
	EXPECT_DELTA(killed, 0);
	if (bad) {
		/* Reported after the data checks: they say more. */
		fprintf(stderr, "%s: %s: %d counters are off (above)\n", prog,
			what, bad);
		counters_off++;
	}
	if (after.pages_pinned)
		fail("%s: %" PRIu64 " pages still pinned after it returned",
		     what, (uint64_t)after.pages_pinned);

	if (rt->acct) {
		uint64_t least = rt->split ?
				 (len + rt->split - 1) / rt->split : 1;

		/*
		 * A request is counted in the disk stats just after its bios
		 * end, so the ioctl can return first: give it a moment.
		 */
		for (tries = 0; tries < 200; tries++) {
			disk_stat(rt, op, &ios, &sectors);
			ios -= ios0;
			sectors -= sectors0;
			if (sectors >= len / 512 && ios >= least)
				break;
			usleep(10000);
		}
		if (sectors != len / 512)
			fail("%s: the device moved %" PRIu64
			     " sectors, expected %" PRIu64, what, sectors,
			     len / 512);
		if (rt->split && (ios < least || ios > e.requests))
			fail("%s: the device completed %" PRIu64
			     " requests, expected %" PRIu64 " to %" PRIu64
			     " (a split at every %" PRIu64 " bytes)", what, ios,
			     least, e.requests, rt->split);
	}
	t->ioctls++;
	t->bios += e.bios;
	t->partial += e.bios - 1;
	t->pages += e.pages;
	t->requests += ios;
}

static void counters_check(const char *phase)
{
	if (counters_off)
		fail("the data of the %s is right, but the counters were off for %d ioctls",
		     phase, counters_off);
}

/* Transfer the whole range, rt->chunk bytes per ioctl. */
static void zcio_range(const struct rt *rt, unsigned int op, char *buf,
		       struct tally *t)
{
	uint64_t done, n;

	memset(t, 0, sizeof(*t));
	for (done = 0; done < rt->len; done += n) {
		n = rt->len - done < rt->chunk ? rt->len - done : rt->chunk;
		zcio_xfer(rt, op, buf + done, n, rt->off + done, t);
	}
}

static void summary(const struct rt *rt, unsigned int op,
		    const struct tally *t)
{
	info("%s %" PRIu64 " bytes at %#" PRIx64 " seed %#x, %s buffer at page+%zu: %" PRIu64
	     " ioctls, %" PRIu64 " bios, %" PRIu64 " partial maps, %" PRIu64
	     " pages", zcio_op_name(op), rt->len, rt->off, rt->seed & 0xff,
	     mode_name(rt), rt->bufoff, t->ioctls, t->bios, t->partial,
	     t->pages);
	if (rt->acct)
		info(", %" PRIu64 " device requests", t->requests);
	info(": ok\n");
}

static unsigned int guard_seed(const struct rt *rt)
{
	return rt->seed ^ 0x80;
}

/* Stamp the device blocks just before and after the range. */
static void guards_set(const struct rt *rt)
{
	if (!rt->guards)
		return;
	if (rt->off >= GUARD)
		dev_fill(rt->dfd, rt->off - GUARD, GUARD, guard_seed(rt),
			 "guard before the range");
	if (rt->off + rt->len + GUARD <= rt->di.size)
		dev_fill(rt->dfd, rt->off + rt->len, GUARD, guard_seed(rt),
			 "guard after the range");
}

static void guards_check(const struct rt *rt)
{
	if (!rt->guards)
		return;
	if (rt->off >= GUARD &&
	    dev_check(rt->dfd, rt->off - GUARD, GUARD, guard_seed(rt),
		      "device before the range"))
		fail("zcio %s changed the device blocks before the range",
		     rt->dev);
	if (rt->off + rt->len + GUARD <= rt->di.size &&
	    dev_check(rt->dfd, rt->off + rt->len, GUARD, guard_seed(rt),
		      "device after the range"))
		fail("zcio on %s changed the device blocks after the range",
		     rt->dev);
}

/* zcio write from the buffer, then check the device with O_DIRECT. */
static void phase_write(const struct rt *rt)
{
	struct tally t;
	struct tbuf b;
	uint64_t bad;

	tbuf_init(&b, rt->mode, rt->dir, rt->len, rt->bufoff);
	if (rt->mode == BUF_FILE) {
		tbuf_file_map(&b, true, rt->off, rt->seed, rt->drop);
	} else {
		pattern_fill(b.buf, rt->len, rt->off, rt->seed);
		/* The device only reads the buffer: read-only memory will do. */
		if (mprotect(b.map, b.map_len, PROT_READ))
			die("mprotect: %m");
	}
	zcio_range(rt, ZCIO_OP_WRITE, b.buf, &t);
	if (fsync(rt->fd))
		fail("fsync %s after the write: %m", rt->dev);

	bad = dev_check(rt->dfd, rt->off, rt->len, rt->seed, "device");
	if (bad)
		fail("after zcio write: %" PRIu64 " of %" PRIu64
		     " blocks of %s in [%#" PRIx64 ", %#" PRIx64
		     ") do not hold the data written (O_DIRECT read back)",
		     bad, rt->len / BLK, rt->dev, rt->off, rt->off + rt->len);
	guards_check(rt);
	/* The source buffer must be unchanged. */
	if (pattern_check(b.buf, rt->len, rt->off, rt->seed, "write buffer"))
		fail("zcio write changed its source buffer");
	if (rt->mode != BUF_FILE)
		tbuf_guard_check(&b, "after the write");
	counters_check("write");
	summary(rt, ZCIO_OP_WRITE, &t);
	tbuf_free(&b);
}

/* An fsync of the buffer's file in the middle of a read (-F). */
struct fsyncer {
	pthread_t thread;
	int fd;
	unsigned int ms;
	int err;
	double start, end;	/* seconds since the read began */
	struct timespec t0;
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void *fsyncer_run(void *arg)
{
	struct fsyncer *f = arg;
	struct timespec d = {
		.tv_sec = f->ms / 1000,
		.tv_nsec = (f->ms % 1000) * 1000000L,
	};

	nanosleep(&d, NULL);
	f->start = since(&f->t0);
	if (fsync(f->fd))
		f->err = errno;
	f->end = since(&f->t0);
	return NULL;
}

/* zcio read into a poisoned buffer, then check it (and the file). */
static void phase_read(const struct rt *rt)
{
	struct fsyncer fs = { .ms = rt->fsync_ms };
	double read_end = 0;
	struct tally t;
	struct tbuf b;

	tbuf_init(&b, rt->mode, rt->dir, rt->len, rt->bufoff);
	if (rt->mode == BUF_FILE)
		tbuf_file_map(&b, false, rt->off, rt->seed, rt->drop);
	if (fs.ms) {
		fs.fd = b.fd;
		clock_gettime(CLOCK_MONOTONIC, &fs.t0);
		if (pthread_create(&fs.thread, NULL, fsyncer_run, &fs))
			die("pthread_create failed");
	}
	zcio_range(rt, ZCIO_OP_READ, b.buf, &t);
	if (fs.ms) {
		read_end = since(&fs.t0);
		pthread_join(fs.thread, NULL);
		if (fs.err)
			die("fsync %s during the read: %s", b.path,
			    strerror(fs.err));
		/* Otherwise the test did not test what it claims. */
		if (fs.end >= read_end)
			die("the fsync (%.3f s to %.3f s) did not end during the read (0 to %.3f s)",
			    fs.start, fs.end, read_end);
		info("fsync of the file from %.3f s to %.3f s, during the read (0 to %.3f s)\n",
		     fs.start, fs.end, read_end);
	}

	if (pattern_check(b.buf, rt->len, rt->off, rt->seed, "read buffer"))
		fail("zcio read of %s [%#" PRIx64 ", %#" PRIx64
		     ") did not bring back what the device holds", rt->dev,
		     rt->off, rt->off + rt->len);
	if (rt->mode == BUF_FILE) {
		munmap(b.map, b.map_len);
		b.map = NULL;
		tbuf_file_check(&b, rt->off, rt->seed, "read back with read(2)");
		if (rt->drop) {
			file_drop_cache(&b);
			tbuf_file_check(&b, rt->off, rt->seed,
					"after fsync and dropping its page cache");
		}
	} else {
		tbuf_guard_check(&b, "after the read");
	}
	counters_check("read");
	summary(rt, ZCIO_OP_READ, &t);
	tbuf_free(&b);
}

static void rt_open(struct rt *rt)
{
	struct zcio_version ver;
	int ret;

	rt->zfd = zcio_open();
	if (rt->zfd < 0)
		die("open %s: %s", zcio_device_path(), zcio_strerror(rt->zfd));
	ret = zcio_get_version(rt->zfd, &ver);
	if (!ret)
		ret = zcio_check_version(&ver, ZCIO_FEAT_XFER |
					 ZCIO_FEAT_STATS);
	if (ret)
		die("zcio version: %s", zcio_strerror(ret));
	rt->fd = open(rt->dev, O_RDWR | O_CLOEXEC);
	if (rt->fd < 0)
		die("open %s: %m", rt->dev);
	rt->dfd = open(rt->dev, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (rt->dfd < 0)
		die("open %s O_DIRECT: %m", rt->dev);
	ret = zcio_get_devinfo(rt->zfd, rt->fd, &rt->di);
	if (ret)
		die("ZCIO_IOC_DEVINFO %s: %s", rt->dev, zcio_strerror(ret));
	if (ver.max_io_bytes < rt->chunk)
		die("chunk %" PRIu64 " is above max_io_bytes %u", rt->chunk,
		    ver.max_io_bytes);
}

/* Does the queue keep I/O statistics (queue/iostats)? */
static bool disk_iostats(const struct rt *rt)
{
	char path[80];
	int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/iostats",
		 rt->di.dev_major, rt->di.dev_minor);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v == 1;
}

static void rt_validate(struct rt *rt)
{
	const struct zcio_devinfo *di = &rt->di;

	if ((rt->off | rt->len | rt->chunk) % di->logical_block_size)
		die("offset, length and chunk must be multiples of the logical block size %u",
		    di->logical_block_size);
	if (rt->bufoff % di->dma_alignment || rt->bufoff >= (size_t)page_size)
		die("buffer offset %zu: not a multiple of dma_alignment %u below the page size",
		    rt->bufoff, di->dma_alignment);
	if (rt->off + rt->len > di->size)
		die("range [%#" PRIx64 ", %#" PRIx64 ") is beyond the end of %s (%" PRIu64
		    " bytes)", rt->off, rt->off + rt->len, rt->dev,
		    (uint64_t)di->size);
	rt->acct = disk_iostats(rt);
	if (rt->split && !rt->acct)
		die("-x needs queue/iostats on %s", rt->dev);
	if (rt->split && di->max_sectors_bytes != rt->split)
		fail("%s: devinfo says max_sectors_bytes %u, the queue was set to %" PRIu64,
		     rt->dev, di->max_sectors_bytes, rt->split);
}

static void usage(void) __attribute__((noreturn));

/* io-rt devinfo DEV */
static int cmd_devinfo(int argc, char **argv)
{
	struct rt rt = { .chunk = 0 };

	if (argc != 2)
		usage();
	rt.dev = argv[1];
	rt_open(&rt);
	printf("lbs=%u pbs=%u dma=%u size=%llu max_sectors_bytes=%u ",
	       rt.di.logical_block_size, rt.di.physical_block_size,
	       rt.di.dma_alignment, (unsigned long long)rt.di.size,
	       rt.di.max_sectors_bytes);
	printf("max_hw_sectors_bytes=%u max_segments=%u\n",
	       rt.di.max_hw_sectors_bytes, rt.di.max_segments);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s rt [-o OFF] [-l LEN] [-c CHUNK] [-s SEED] [-a BUFOFF]\n"
		"             [-m anon|thp|file:DIR] [-W|-R] [-g] [-D] [-F MS] [-x BYTES] [-q] DEV\n"
		"       %s fill|check PATH OFFSET LEN SEED\n"
		"       %s devinfo DEV\n", prog, prog, prog);
	exit(2);
}

static int cmd_rt(int argc, char **argv)
{
	struct rt rt = {
		.len = 1 << 20,
		.seed = 1,
		.mode = BUF_ANON,
		.guards = true,
	};
	bool do_write = true, do_read = true;
	int c;

	while ((c = getopt(argc, argv, "o:l:c:s:a:m:WRgDF:x:q")) != -1) {
		switch (c) {
		case 'o':
			rt.off = parse_size("offset", optarg);
			break;
		case 'l':
			rt.len = parse_size("length", optarg);
			break;
		case 'c':
			rt.chunk = parse_size("chunk", optarg);
			break;
		case 's':
			rt.seed = parse_size("seed", optarg) & 0xff;
			break;
		case 'a':
			rt.bufoff = parse_size("buffer offset", optarg);
			break;
		case 'W':
			do_read = false;
			break;
		case 'R':
			do_write = false;
			break;
		case 'g':
			rt.guards = false;
			break;
		case 'D':
			rt.drop = true;
			break;
		case 'F':
			rt.fsync_ms = parse_size("fsync delay", optarg);
			break;
		case 'x':
			rt.split = parse_size("split", optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'm':
			if (!strcmp(optarg, "anon")) {
				rt.mode = BUF_ANON;
			} else if (!strcmp(optarg, "thp")) {
				rt.mode = BUF_THP;
			} else if (!strncmp(optarg, "file:", 5) && optarg[5]) {
				rt.mode = BUF_FILE;
				rt.dir = optarg + 5;
			} else {
				usage();
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || !rt.len || (!do_write && !do_read))
		usage();
	rt.dev = argv[optind];
	if (!rt.chunk || rt.chunk > rt.len)
		rt.chunk = rt.len;
	if (rt.drop && rt.mode != BUF_FILE)
		die("-D needs -m file:DIR");
	if (rt.fsync_ms && !rt.drop)
		die("-F needs -D and -m file:DIR");

	rt_open(&rt);
	rt_validate(&rt);
	if (do_write) {
		guards_set(&rt);
		phase_write(&rt);
	} else {
		dev_fill(rt.dfd, rt.off, rt.len, rt.seed, rt.dev);
	}
	if (do_read)
		phase_read(&rt);
	return 0;
}

int main(int argc, char **argv)
{
	page_size = sysconf(_SC_PAGESIZE);
	if (page_size <= 0)
		page_size = 4096;
	pattern_init();
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "rt"))
		return cmd_rt(argc - 1, argv + 1);
	if (!strcmp(argv[1], "fill"))
		return cmd_fill_check(true, argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return cmd_fill_check(false, argc - 1, argv + 1);
	if (!strcmp(argv[1], "devinfo"))
		return cmd_devinfo(argc - 1, argv + 1);
	usage();
	return 2;
}
