// SPDX-License-Identifier: GPL-2.0
/*
 * api-equiv DEV512 DEV4K: run the same transfer through ZCIO_IOC_IO and
 * through pread()/pwrite() on an O_DIRECT fd of the same device node, for
 * a table of cases (buffer alignment, length, offset, the end of the
 * device, fd open mode, a read-only device, 512 vs 4096-byte logical
 * blocks, unmapped and read-only memory), and print one line per case:
 *
 *   case-name  zcio=<bytes or errno name>  odirect=<...>  SAME|DIFF
 *
 * SAME needs the same result and the same data: for reads the whole
 * buffer (poisoned first, so bytes past the result must stay untouched),
 * for writes the device around the target range, read back afterwards.
 * The device content is an offset-stamped pattern, restored before every
 * run.  DEV512 must be a writable 512-byte-sector device (it is switched
 * read-only with BLKROSET for the "ro-dev" cases and back), DEV4K one with
 * 4096-byte logical blocks; both at least 4 MiB and scratch.
 *
 * Exit 0 if every line is SAME and every successful read returned the
 * device's data, 1 otherwise.
 */
#include "api-util.h"

#include <linux/fs.h>

#define SEED_DEV	0x11	/* what the device holds before each run */
#define SEED_NEW	0x77	/* what writes put there */
#define WINDOW_PAD	8192	/* device bytes compared on each side */
#define POISON		0x5a

enum dev_kind { DEV_512, DEV_4K, NR_DEVS };

enum buf_kind {
	BUF_RW,			/* ordinary read-write memory */
	BUF_UNMAPPED,		/* nothing mapped at the address */
	BUF_READONLY,		/* PROT_READ */
	BUF_TAIL_UNMAPPED,	/* first page mapped, the rest not */
};

/* Where the offset of a case is measured from. */
enum off_base { FROM_START, FROM_END };

struct eq_case {
	const char *name;
	enum dev_kind dev;
	unsigned int op;
	int mode;		/* O_RDONLY, O_WRONLY or O_RDWR */
	bool ro;		/* BLKROSET the device for the call */
	enum buf_kind buf;
	size_t misalign;	/* buffer address minus a page boundary */
	uint64_t len;
	enum off_base base;
	int64_t off;
};

#define R	ZCIO_OP_READ
#define W	ZCIO_OP_WRITE
#define K	1024
#define M	(1024 * 1024)

/* name, dev, op, mode, ro, buf, misalign, len, base, off */
static const struct eq_case cases[] = {
	/* buffer address alignment */
	{ "read-addr-page",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0,   4096, FROM_START, 0 },
	{ "write-addr-page",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0,   4096, FROM_START, 0 },
	{ "read-addr-512",	   DEV_512, R, O_RDWR, 0, BUF_RW, 512, 4096, FROM_START, 0 },
	{ "write-addr-512",	   DEV_512, W, O_RDWR, 0, BUF_RW, 512, 4096, FROM_START, 0 },
	{ "read-addr-511",	   DEV_512, R, O_RDWR, 0, BUF_RW, 511, 4096, FROM_START, 0 },
	{ "write-addr-511",	   DEV_512, W, O_RDWR, 0, BUF_RW, 511, 4096, FROM_START, 0 },
	{ "read-addr-1",	   DEV_512, R, O_RDWR, 0, BUF_RW, 1,   4096, FROM_START, 0 },
	{ "write-addr-1",	   DEV_512, W, O_RDWR, 0, BUF_RW, 1,   4096, FROM_START, 0 },
	/* length */
	{ "read-len-512",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 512,    FROM_START, 0 },
	{ "write-len-512",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 512,    FROM_START, 0 },
	{ "read-len-4096",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 4096,   FROM_START, 0 },
	{ "write-len-4096",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 4096,   FROM_START, 0 },
	{ "read-len-1m",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 1 * M,  FROM_START, 0 },
	{ "write-len-1m",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 1 * M,  FROM_START, 0 },
	{ "read-len-511",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 511,    FROM_START, 0 },
	{ "write-len-511",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 511,    FROM_START, 0 },
	{ "read-len-513",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 513,    FROM_START, 0 },
	{ "write-len-513",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 513,    FROM_START, 0 },
	{ "read-len-4097",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 4097,   FROM_START, 0 },
	{ "write-len-4097",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 4097,   FROM_START, 0 },
	/* several bios: 513 pages from a buffer that starts inside a page */
	{ "read-len-2m-addr-512",  DEV_512, R, O_RDWR, 0, BUF_RW, 512, 2 * M, FROM_START, 12 * K },
	{ "write-len-2m-addr-512", DEV_512, W, O_RDWR, 0, BUF_RW, 512, 2 * M, FROM_START, 12 * K },
	/* device offset */
	{ "read-off-0",		   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 4096, FROM_START, 0 },
	{ "write-off-0",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 4096, FROM_START, 0 },
	{ "read-off-512",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 4096, FROM_START, 512 },
	{ "write-off-512",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 4096, FROM_START, 512 },
	{ "read-off-1",		   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 4096, FROM_START, 1 },
	{ "write-off-1",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 4096, FROM_START, 1 },
	{ "read-off-511",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 4096, FROM_START, 511 },
	{ "write-off-511",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 4096, FROM_START, 511 },
	/* the end of the device */
	{ "read-at-end",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 4096, FROM_END, 0 },
	{ "write-at-end",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 4096, FROM_END, 0 },
	{ "read-past-end",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 4096, FROM_END, 4096 },
	{ "write-past-end",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 4096, FROM_END, 4096 },
	{ "read-across-end",	   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 8192, FROM_END, -4096 },
	{ "write-across-end",	   DEV_512, W, O_RDWR, 0, BUF_RW, 0, 8192, FROM_END, -4096 },
	/* the end is checked before alignment, and clamping comes first */
	{ "read-at-end-len-511",   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 511,  FROM_END, 0 },
	{ "write-at-end-len-511",  DEV_512, W, O_RDWR, 0, BUF_RW, 0, 511,  FROM_END, 0 },
	{ "read-at-end-addr-1",    DEV_512, R, O_RDWR, 0, BUF_RW, 1, 4096, FROM_END, 0 },
	{ "write-at-end-addr-1",   DEV_512, W, O_RDWR, 0, BUF_RW, 1, 4096, FROM_END, 0 },
	{ "read-past-end-off-1",   DEV_512, R, O_RDWR, 0, BUF_RW, 0, 4096, FROM_END, 1 },
	{ "write-past-end-off-1",  DEV_512, W, O_RDWR, 0, BUF_RW, 0, 4096, FROM_END, 1 },
	{ "read-across-end-len-4097",  DEV_512, R, O_RDWR, 0, BUF_RW, 0, 4097, FROM_END, -512 },
	{ "write-across-end-len-4097", DEV_512, W, O_RDWR, 0, BUF_RW, 0, 4097, FROM_END, -512 },
	{ "read-across-end-tail-unmapped",
				   DEV_512, R, O_RDWR, 0, BUF_TAIL_UNMAPPED, 0, 8192, FROM_END, -4096 },
	{ "write-across-end-tail-unmapped",
				   DEV_512, W, O_RDWR, 0, BUF_TAIL_UNMAPPED, 0, 8192, FROM_END, -4096 },
	/* the open mode of the block-device fd */
	{ "read-fd-rdonly",	   DEV_512, R, O_RDONLY, 0, BUF_RW, 0, 4096, FROM_START, 0 },
	{ "write-fd-rdonly",	   DEV_512, W, O_RDONLY, 0, BUF_RW, 0, 4096, FROM_START, 0 },
	{ "read-fd-wronly",	   DEV_512, R, O_WRONLY, 0, BUF_RW, 0, 4096, FROM_START, 0 },
	{ "write-fd-wronly",	   DEV_512, W, O_WRONLY, 0, BUF_RW, 0, 4096, FROM_START, 0 },
	{ "read-fd-rdwr",	   DEV_512, R, O_RDWR,   0, BUF_RW, 0, 4096, FROM_START, 0 },
	{ "write-fd-rdwr",	   DEV_512, W, O_RDWR,   0, BUF_RW, 0, 4096, FROM_START, 0 },
	{ "write-fd-rdonly-at-end",  DEV_512, W, O_RDONLY, 0, BUF_RW, 0, 4096, FROM_END, 0 },
	{ "write-fd-rdonly-addr-1",  DEV_512, W, O_RDONLY, 0, BUF_RW, 1, 4096, FROM_START, 0 },
	/* a read-only device (BLKROSET) */
	{ "read-ro-dev",	   DEV_512, R, O_RDWR,   1, BUF_RW, 0, 4096, FROM_START, 0 },
	{ "write-ro-dev",	   DEV_512, W, O_RDWR,   1, BUF_RW, 0, 4096, FROM_START, 0 },
	{ "write-ro-dev-at-end",   DEV_512, W, O_RDWR,   1, BUF_RW, 0, 4096, FROM_END, 0 },
	{ "write-ro-dev-addr-1",   DEV_512, W, O_RDWR,   1, BUF_RW, 1, 4096, FROM_START, 0 },
	{ "write-ro-dev-fd-rdonly", DEV_512, W, O_RDONLY, 1, BUF_RW, 0, 4096, FROM_START, 0 },
	/* user memory */
	{ "read-buf-unmapped",	   DEV_512, R, O_RDWR, 0, BUF_UNMAPPED, 0, 4096, FROM_START, 0 },
	{ "write-buf-unmapped",	   DEV_512, W, O_RDWR, 0, BUF_UNMAPPED, 0, 4096, FROM_START, 0 },
	{ "read-buf-readonly",	   DEV_512, R, O_RDWR, 0, BUF_READONLY, 0, 4096, FROM_START, 0 },
	{ "write-buf-readonly",	   DEV_512, W, O_RDWR, 0, BUF_READONLY, 0, 4096, FROM_START, 0 },
	/* 4096-byte logical blocks */
	{ "4k-read-len-4096",	   DEV_4K, R, O_RDWR, 0, BUF_RW, 0,   4096, FROM_START, 0 },
	{ "4k-write-len-4096",	   DEV_4K, W, O_RDWR, 0, BUF_RW, 0,   4096, FROM_START, 0 },
	{ "4k-read-len-1m",	   DEV_4K, R, O_RDWR, 0, BUF_RW, 0,   1 * M, FROM_START, 64 * K },
	{ "4k-write-len-1m",	   DEV_4K, W, O_RDWR, 0, BUF_RW, 0,   1 * M, FROM_START, 64 * K },
	{ "4k-read-len-512",	   DEV_4K, R, O_RDWR, 0, BUF_RW, 0,   512,  FROM_START, 0 },
	{ "4k-write-len-512",	   DEV_4K, W, O_RDWR, 0, BUF_RW, 0,   512,  FROM_START, 0 },
	{ "4k-read-len-4608",	   DEV_4K, R, O_RDWR, 0, BUF_RW, 0,   4608, FROM_START, 0 },
	{ "4k-write-len-4608",	   DEV_4K, W, O_RDWR, 0, BUF_RW, 0,   4608, FROM_START, 0 },
	{ "4k-read-off-512",	   DEV_4K, R, O_RDWR, 0, BUF_RW, 0,   4096, FROM_START, 512 },
	{ "4k-write-off-512",	   DEV_4K, W, O_RDWR, 0, BUF_RW, 0,   4096, FROM_START, 512 },
	{ "4k-read-addr-512",	   DEV_4K, R, O_RDWR, 0, BUF_RW, 512, 4096, FROM_START, 0 },
	{ "4k-write-addr-512",	   DEV_4K, W, O_RDWR, 0, BUF_RW, 512, 4096, FROM_START, 0 },
	/* a bio that maps less than the rest must end on a 4 KiB block */
	{ "4k-read-len-2m-addr-512",  DEV_4K, R, O_RDWR, 0, BUF_RW, 512, 2 * M, FROM_START, 4 * M },
	{ "4k-write-len-2m-addr-512", DEV_4K, W, O_RDWR, 0, BUF_RW, 512, 2 * M, FROM_START, 4 * M },
	{ "4k-read-addr-1",	   DEV_4K, R, O_RDWR, 0, BUF_RW, 1,   4096, FROM_START, 0 },
	{ "4k-write-addr-1",	   DEV_4K, W, O_RDWR, 0, BUF_RW, 1,   4096, FROM_START, 0 },
	{ "4k-read-at-end",	   DEV_4K, R, O_RDWR, 0, BUF_RW, 0,   4096, FROM_END, 0 },
	{ "4k-write-at-end",	   DEV_4K, W, O_RDWR, 0, BUF_RW, 0,   4096, FROM_END, 0 },
	{ "4k-read-across-end",	   DEV_4K, R, O_RDWR, 0, BUF_RW, 0,   8192, FROM_END, -4096 },
	{ "4k-write-across-end",   DEV_4K, W, O_RDWR, 0, BUF_RW, 0,   8192, FROM_END, -4096 },
	{ "4k-read-across-end-len-4608",  DEV_4K, R, O_RDWR, 0, BUF_RW, 0, 4608, FROM_END, -4096 },
	{ "4k-write-across-end-len-4608", DEV_4K, W, O_RDWR, 0, BUF_RW, 0, 4608, FROM_END, -4096 },
};

struct target {
	const char *path;
	uint64_t size;
	int admin_fd;		/* O_RDWR | O_DIRECT: restore and inspect */
};

static struct target devs[NR_DEVS];
static int zfd;

/* What one run left behind. */
struct outcome {
	int64_t res;		/* bytes or -errno */
	unsigned char *data;	/* read: the buffer; write: the window */
	size_t data_len;
};

/* The device range compared after a write: 4 KiB aligned, clamped. */
static void case_window(const struct eq_case *c, uint64_t off,
			uint64_t *lo, uint64_t *hi)
{
	uint64_t size = devs[c->dev].size;

	*lo = off > WINDOW_PAD ? (off - WINDOW_PAD) & ~4095ULL : 0;
	*hi = (off + c->len + WINDOW_PAD + 4095) & ~4095ULL;
	if (*lo > size)
		*lo = size;
	if (*hi > size)
		*hi = size;
}

static uint64_t case_offset(const struct eq_case *c)
{
	if (c->base == FROM_END)
		return devs[c->dev].size + c->off;
	return c->off;
}

/* Put the SEED_DEV pattern back on the window of @c. */
static void restore_window(const struct eq_case *c, uint64_t lo, uint64_t hi)
{
	struct target *t = &devs[c->dev];
	void *buf;

	if (hi <= lo)
		return;
	buf = api_map_guarded(hi - lo);
	api_pattern(buf, hi - lo, lo, SEED_DEV);
	api_pwrite_all(t->admin_fd, buf, hi - lo, lo);
	api_unmap_guarded(buf, hi - lo);
}

static unsigned char *read_window(const struct eq_case *c, uint64_t lo,
				  uint64_t hi)
{
	unsigned char *copy = malloc(hi - lo + 1);
	void *buf;

	if (!copy)
		api_die("out of memory");
	if (hi <= lo)
		return copy;
	buf = api_map_guarded(hi - lo);
	api_pread_all(devs[c->dev].admin_fd, buf, hi - lo, lo);
	memcpy(copy, buf, hi - lo);
	api_unmap_guarded(buf, hi - lo);
	return copy;
}

static void set_ro(const struct eq_case *c, int ro)
{
	if (ioctl(devs[c->dev].admin_fd, BLKROSET, &ro))
		api_die("BLKROSET %d on %s: %s", ro, devs[c->dev].path,
			strerror(errno));
}

/*
 * The buffer of one run: @c->misalign bytes into a guarded mapping, filled
 * with POISON for reads and with the SEED_NEW pattern (stamped with the
 * target offset) for writes, then given the protection the case asks for.
 * *@map and *@map_len describe the mapping to release.
 */
static char *case_buffer(const struct eq_case *c, uint64_t off, char **map,
			 size_t *map_len)
{
	size_t len = c->misalign + c->len;
	char *buf;

	if (c->buf == BUF_UNMAPPED) {
		*map = NULL;
		*map_len = 0;
		return (char *)api_unmapped_addr(len) + c->misalign;
	}
	*map = api_map_guarded(len);
	*map_len = len;
	buf = *map + c->misalign;
	if (c->op == R)
		memset(buf, POISON, c->len);
	else
		api_pattern(buf, c->len, off & ~511ULL, SEED_NEW);
	if (c->buf == BUF_READONLY &&
	    mprotect(*map, len, PROT_READ))
		api_die("mprotect: %s", strerror(errno));
	if (c->buf == BUF_TAIL_UNMAPPED && len > API_PAGE &&
	    munmap(*map + API_PAGE, (len - API_PAGE + API_PAGE - 1) & ~(API_PAGE - 1)))
		api_die("munmap: %s", strerror(errno));
	return buf;
}

/* The bytes of the buffer that are still readable after the run. */
static size_t readable_len(const struct eq_case *c)
{
	switch (c->buf) {
	case BUF_UNMAPPED:
		return 0;
	case BUF_TAIL_UNMAPPED:
		return API_PAGE - c->misalign < c->len ?
		       API_PAGE - c->misalign : c->len;
	default:
		return c->len;
	}
}

static int64_t do_zcio(const struct eq_case *c, int fd, char *buf, uint64_t off)
{
	struct zcio_io io;
	int ret;

	zcio_prep_io(&io, c->op, fd, buf, c->len, off);
	io.result = -12345;
	ret = zcio_submit_io(zfd, &io);
	if (ret)
		return ret;
	if (io.result < 0 || (uint64_t)io.result > c->len) {
		api_fail("%s: zcio result %" PRId64 " out of range", c->name,
			 (int64_t)io.result);
		return -EPROTO;
	}
	return io.result;
}

static int64_t do_odirect(const struct eq_case *c, int fd, char *buf,
			  uint64_t off)
{
	ssize_t n;

	if (c->op == R)
		n = pread(fd, buf, c->len, (off_t)off);
	else
		n = pwrite(fd, buf, c->len, (off_t)off);
	return n < 0 ? -errno : n;
}

/* Run @c once, through zcio or through O_DIRECT, and record the outcome. */
static void run_case(const struct eq_case *c, bool odirect, struct outcome *o)
{
	uint64_t off = case_offset(c), lo, hi;
	size_t map_len, rlen;
	char *map, *buf;
	int fd;

	case_window(c, off, &lo, &hi);
	restore_window(c, lo, hi);
	buf = case_buffer(c, off, &map, &map_len);
	if (c->ro)
		set_ro(c, 1);
	fd = api_open(devs[c->dev].path, c->mode | (odirect ? O_DIRECT : 0));
	o->res = odirect ? do_odirect(c, fd, buf, off) :
			   do_zcio(c, fd, buf, off);
	close(fd);
	if (c->ro)
		set_ro(c, 0);

	if (c->op == R) {
		rlen = readable_len(c);
		o->data = malloc(rlen + 1);
		if (!o->data)
			api_die("out of memory");
		memcpy(o->data, buf, rlen);
		o->data_len = rlen;
	} else {
		o->data = read_window(c, lo, hi);
		o->data_len = hi - lo;
	}
	if (map)
		api_unmap_guarded(map, map_len);
}

/* A successful read must have returned what the device holds. */
static bool read_data_ok(const struct eq_case *c, const struct outcome *o,
			 const char *how)
{
	uint64_t off = case_offset(c);
	unsigned char *want;
	long d;

	if (c->op != R || o->res <= 0)
		return true;
	want = malloc(o->res);
	if (!want)
		api_die("out of memory");
	api_pattern(want, o->res, off, SEED_DEV);
	d = api_first_diff(want, o->data, o->res);
	if (d >= 0) {
		api_fail("%s: %s read wrong data at buffer byte %ld: %s",
			 c->name, how, d, api_hexdump(o->data + d, 24));
		api_info("%s: the device holds %s", c->name,
			 api_hexdump(want + d, 24));
	}
	free(want);
	return d < 0;
}

static bool compare_case(const struct eq_case *c)
{
	struct outcome z, d;
	bool same;
	long diff;

	run_case(c, false, &z);
	run_case(c, true, &d);
	same = z.res == d.res;
	if (z.data_len != d.data_len)
		api_die("%s: data lengths differ", c->name);
	diff = api_first_diff(z.data, d.data, z.data_len);
	if (diff >= 0) {
		api_info("%s: %s differs at byte %ld (zcio %#x, O_DIRECT %#x)",
			 c->name, c->op == R ? "read buffer" : "device window",
			 diff, z.data[diff], d.data[diff]);
		same = false;
	}
	if (!read_data_ok(c, &z, "zcio") || !read_data_ok(c, &d, "O_DIRECT"))
		same = false;
	printf("%-32s zcio=%-8s odirect=%-8s %s\n", c->name,
	       api_result_str(z.res), api_result_str(d.res),
	       same ? "SAME" : "DIFF");
	fflush(stdout);
	free(z.data);
	free(d.data);
	return same;
}

static void open_target(enum dev_kind k, const char *path, unsigned int lbs)
{
	struct target *t = &devs[k];
	struct zcio_devinfo di;
	int ret;

	t->path = path;
	t->admin_fd = api_open(path, O_RDWR | O_DIRECT);
	if (ioctl(t->admin_fd, BLKGETSIZE64, &t->size))
		api_die("BLKGETSIZE64 %s: %s", path, strerror(errno));
	if (t->size < 4 * M)
		api_die("%s: %" PRIu64 " bytes, need at least 4 MiB", path,
			t->size);
	ret = zcio_get_devinfo(zfd, t->admin_fd, &di);
	if (ret)
		api_die("ZCIO_IOC_DEVINFO %s: %s", path, zcio_strerror(ret));
	if (di.logical_block_size != lbs)
		api_die("%s: logical block size %u, this table needs %u",
			path, di.logical_block_size, lbs);
	api_info("%s: %" PRIu64 " bytes, logical block %u, dma alignment %u",
		 path, t->size, di.logical_block_size, di.dma_alignment);
}

int main(int argc, char **argv)
{
	size_t i, diffs = 0;

	api_prog = "api-equiv";
	if (argc != 3) {
		fprintf(stderr, "usage: api-equiv DEV512 DEV4K\n");
		return 2;
	}
	zfd = api_zcio_open();
	open_target(DEV_512, argv[1], 512);
	open_target(DEV_4K, argv[2], 4096);

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (!compare_case(&cases[i]))
			diffs++;
	if (diffs)
		api_fail("%zu case(s) differ", diffs);
	return api_exit();
}
