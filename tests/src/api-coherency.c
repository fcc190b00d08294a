// SPDX-License-Identifier: GPL-2.0
/*
 * api-coherency DEV: zcio and the page cache of the same block device.
 *
 *  reader-*: a buffered (non-O_DIRECT) reader, or a MAP_SHARED mapping of
 *	the device, caches a range; zcio writes new data over all or part
 *	of it; the reader must then see the new data.
 *  writer-*: a buffered writer, or a store through a MAP_SHARED mapping,
 *	leaves dirty pages (no fsync); a zcio read of the range must return
 *	that data (the module writes dirty pages back before reading).
 *  dirty-under-write: a buffered writer dirties a page, zcio writes a
 *	block inside it; after fsync() the device must hold zcio's block and
 *	the writer's data around it (the dirty page was written back before
 *	zcio's write, not after).
 *
 * DEV is a writable scratch device with 512-byte logical blocks of at least
 * 16 MiB; every case uses its own 1 MiB of it.  The expected content of
 * every byte is known (offset-stamped patterns, one seed per writer) and
 * the final state of each range is also read back with O_DIRECT.
 */
#include "api-util.h"

#include <linux/fs.h>

#define M		(1024 * 1024)
#define SEED_OLD	0x01	/* on the device before the case */
#define SEED_BUF	0x02	/* written by the buffered writer */
#define SEED_ZCIO	0x03	/* written by zcio */

static int zfd, dfd;		/* /dev/zcio, O_DIRECT admin fd */
static const char *dev_path;
static int ncase;

/* The 1 MiB of the device that case number @n uses. */
static uint64_t case_base(int n)
{
	if (n >= 16)
		api_die("more cases than MiBs on the device");
	return (uint64_t)n * M;
}

static void put_pattern_odirect(uint64_t off, size_t len, unsigned int seed)
{
	void *b = api_map_guarded(len);

	api_pattern(b, len, off, seed);
	api_pwrite_all(dfd, b, len, off);
	api_unmap_guarded(b, len);
}

static void zcio_io_or_die(const char *name, unsigned int op, int fd, void *b,
			   size_t len, uint64_t off)
{
	int64_t ret = zcio_pio(zfd, op, fd, b, len, off);

	if (ret != (int64_t)len)
		api_die("%s: zcio %s of %zu at %" PRIu64 ": %s", name,
			zcio_op_name(op), len, off, api_result_str(ret));
}

/*
 * @got must equal the SEED_OLD pattern of [@off, @off + @len) except for
 * [@new_off, @new_off + @new_len), which must hold seed @new_seed.
 */
static bool expect_data(const char *name, const char *what, const void *got,
			uint64_t off, size_t len, uint64_t new_off,
			size_t new_len, unsigned int new_seed)
{
	unsigned char *want = malloc(len);
	long d;

	if (!want)
		api_die("out of memory");
	api_pattern(want, len, off, SEED_OLD);
	if (new_len)
		api_pattern(want + (new_off - off), new_len, new_off, new_seed);
	d = api_first_diff(want, got, len);
	if (d >= 0) {
		api_fail("%s: %s: byte %" PRIu64 " of the device is \"%s\", want \"%s\"",
			 name, what, off + d,
			 api_hexdump((const char *)got + (d & ~511L), 24),
			 api_hexdump(want + (d & ~511L), 24));
	}
	free(want);
	return d < 0;
}

/* Read [@off, @off + @len) with O_DIRECT and check it as expect_data(). */
static bool expect_device(const char *name, uint64_t off, size_t len,
			  uint64_t new_off, size_t new_len, unsigned int seed)
{
	void *b = api_map_guarded(len);
	bool good;

	api_pread_all(dfd, b, len, off);
	good = expect_data(name, "O_DIRECT read-back", b, off, len, new_off,
			   new_len, seed);
	api_unmap_guarded(b, len);
	return good;
}

/* Is every page of [@off, @off + @len) of the device in the page cache? */
static bool all_cached(int fd, uint64_t off, size_t len)
{
	size_t pages = len / API_PAGE, i;
	unsigned char *vec = malloc(pages);
	bool all = true;
	void *map;

	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)off);
	if (map == MAP_FAILED || !vec)
		api_die("mmap of the device: %s", strerror(errno));
	if (mincore(map, len, vec))
		api_die("mincore: %s", strerror(errno));
	for (i = 0; i < pages; i++)
		all &= vec[i] & 1;
	munmap(map, len);
	free(vec);
	return all;
}

static void buffered_pread(int fd, void *b, size_t len, uint64_t off)
{
	if (pread(fd, b, len, (off_t)off) != (ssize_t)len)
		api_die("buffered pread %zu at %" PRIu64 ": %s", len, off,
			strerror(errno));
}

static void buffered_pwrite(int fd, const void *b, size_t len, uint64_t off)
{
	if (pwrite(fd, b, len, (off_t)off) != (ssize_t)len)
		api_die("buffered pwrite %zu at %" PRIu64 ": %s", len, off,
			strerror(errno));
}

/*
 * reader: a buffered reader caches @span bytes at the case's base, zcio
 * writes @wlen bytes at base + @wskip, the reader reads the span again.
 */
static void reader_case(const char *name, size_t span, size_t wskip,
			size_t wlen)
{
	uint64_t base = case_base(ncase++), woff = base + wskip;
	int fd = api_open(dev_path, O_RDWR);
	void *b = api_map_guarded(span), *w = api_map_guarded(wlen);
	bool good;

	put_pattern_odirect(base, span, SEED_OLD);
	buffered_pread(fd, b, span, base);
	if (!expect_data(name, "first buffered read", b, base, span, 0, 0, 0))
		api_die("%s: the setup failed", name);
	if (!all_cached(fd, base, span))
		api_die("%s: the buffered read left the range uncached", name);

	api_pattern(w, wlen, woff, SEED_ZCIO);
	zcio_io_or_die(name, ZCIO_OP_WRITE, fd, w, wlen, woff);

	memset(b, 0, span);
	buffered_pread(fd, b, span, base);
	good = expect_data(name, "buffered read after the zcio write", b,
			   base, span, woff, wlen, SEED_ZCIO);
	good &= expect_device(name, base, span, woff, wlen, SEED_ZCIO);
	if (good)
		printf("ok %s\n", name);
	api_unmap_guarded(b, span);
	api_unmap_guarded(w, wlen);
	close(fd);
}

/* reader through a MAP_SHARED mapping of the device. */
static void mmap_reader_case(const char *name)
{
	uint64_t base = case_base(ncase++), woff = base + 4096 + 512;
	size_t span = 3 * API_PAGE, wlen = 1024;
	int fd = api_open(dev_path, O_RDWR);
	void *w = api_map_guarded(wlen);
	unsigned char *map;
	bool good;

	put_pattern_odirect(base, span, SEED_OLD);
	map = mmap(NULL, span, PROT_READ, MAP_SHARED, fd, (off_t)base);
	if (map == MAP_FAILED)
		api_die("%s: mmap: %s", name, strerror(errno));
	/* reading all of it faults every page in */
	if (!expect_data(name, "mapping before", map, base, span, 0, 0, 0))
		api_die("%s: the setup failed", name);

	api_pattern(w, wlen, woff, SEED_ZCIO);
	zcio_io_or_die(name, ZCIO_OP_WRITE, fd, w, wlen, woff);

	good = expect_data(name, "mapping after the zcio write", map, base,
			   span, woff, wlen, SEED_ZCIO);
	good &= expect_device(name, base, span, woff, wlen, SEED_ZCIO);
	if (good)
		printf("ok %s\n", name);
	munmap(map, span);
	api_unmap_guarded(w, wlen);
	close(fd);
}

/*
 * writer: a buffered writer writes @wlen bytes at base + @wskip (no
 * fsync), then zcio reads @span bytes at base.
 */
static void writer_case(const char *name, size_t span, size_t wskip,
			size_t wlen)
{
	uint64_t base = case_base(ncase++), woff = base + wskip;
	int fd = api_open(dev_path, O_RDWR);
	void *b = api_map_guarded(span), *w = api_map_guarded(wlen);
	bool good;

	put_pattern_odirect(base, span, SEED_OLD);
	api_pattern(w, wlen, woff, SEED_BUF);
	buffered_pwrite(fd, w, wlen, woff);

	zcio_io_or_die(name, ZCIO_OP_READ, fd, b, span, base);
	good = expect_data(name, "zcio read of dirty pages", b, base, span,
			   woff, wlen, SEED_BUF);
	if (fsync(fd))
		api_die("%s: fsync: %s", name, strerror(errno));
	good &= expect_device(name, base, span, woff, wlen, SEED_BUF);
	if (good)
		printf("ok %s\n", name);
	api_unmap_guarded(b, span);
	api_unmap_guarded(w, wlen);
	close(fd);
}

/* writer through a MAP_SHARED mapping: stores, no msync. */
static void mmap_writer_case(const char *name)
{
	uint64_t base = case_base(ncase++), woff = base + 2048;
	size_t span = 2 * API_PAGE, wlen = 4096;
	int fd = api_open(dev_path, O_RDWR);
	void *b = api_map_guarded(span);
	unsigned char *map;
	bool good;

	put_pattern_odirect(base, span, SEED_OLD);
	map = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)base);
	if (map == MAP_FAILED)
		api_die("%s: mmap: %s", name, strerror(errno));
	api_pattern(map + (woff - base), wlen, woff, SEED_BUF);

	zcio_io_or_die(name, ZCIO_OP_READ, fd, b, span, base);
	good = expect_data(name, "zcio read of a dirty mapping", b, base,
			   span, woff, wlen, SEED_BUF);
	munmap(map, span);
	if (fsync(fd))
		api_die("%s: fsync: %s", name, strerror(errno));
	good &= expect_device(name, base, span, woff, wlen, SEED_BUF);
	if (good)
		printf("ok %s\n", name);
	api_unmap_guarded(b, span);
	close(fd);
}

/*
 * A dirty page under a zcio write: the buffered writer's page must reach
 * the device before zcio's block does, so that fsync() afterwards does not
 * put the writer's stale copy of that block back.
 */
static void dirty_under_write_case(const char *name)
{
	uint64_t base = case_base(ncase++), zoff = base + 1024;
	size_t span = API_PAGE, zlen = 512;
	int fd = api_open(dev_path, O_RDWR);
	void *w = api_map_guarded(span), *z = api_map_guarded(zlen);
	void *b = api_map_guarded(span), *want = api_map_guarded(span);
	bool good = true;
	long d;

	put_pattern_odirect(base, span, SEED_OLD);
	api_pattern(w, span, base, SEED_BUF);
	buffered_pwrite(fd, w, span, base);

	api_pattern(z, zlen, zoff, SEED_ZCIO);
	zcio_io_or_die(name, ZCIO_OP_WRITE, fd, z, zlen, zoff);
	if (fsync(fd))
		api_die("%s: fsync: %s", name, strerror(errno));

	/* the writer's page with zcio's block in it, on disk and in cache */
	api_pattern(want, span, base, SEED_BUF);
	api_pattern((char *)want + (zoff - base), zlen, zoff, SEED_ZCIO);
	api_pread_all(dfd, b, span, base);
	d = api_first_diff(want, b, span);
	if (d >= 0) {
		api_fail("%s: O_DIRECT read-back: byte %" PRIu64 " is \"%s\", want \"%s\"",
			 name, base + d, api_hexdump((char *)b + (d & ~511L), 24),
			 api_hexdump((char *)want + (d & ~511L), 24));
		good = false;
	}
	buffered_pread(fd, b, span, base);
	d = api_first_diff(want, b, span);
	if (d >= 0) {
		api_fail("%s: buffered read-back: byte %" PRIu64 " is \"%s\", want \"%s\"",
			 name, base + d, api_hexdump((char *)b + (d & ~511L), 24),
			 api_hexdump((char *)want + (d & ~511L), 24));
		good = false;
	}
	if (good)
		printf("ok %s\n", name);
	api_unmap_guarded(w, span);
	api_unmap_guarded(z, zlen);
	api_unmap_guarded(b, span);
	api_unmap_guarded(want, span);
	close(fd);
}

int main(int argc, char **argv)
{
	uint64_t size;

	api_prog = "api-coherency";
	if (argc != 2) {
		fprintf(stderr, "usage: api-coherency DEV\n");
		return 2;
	}
	dev_path = argv[1];
	zfd = api_zcio_open();
	dfd = api_open(dev_path, O_RDWR | O_DIRECT);
	if (ioctl(dfd, BLKGETSIZE64, &size))
		api_die("BLKGETSIZE64: %s", strerror(errno));
	if (size < 16 * M)
		api_die("%s: need 16 MiB", dev_path);

	/* (a) a buffered reader sees what zcio wrote */
	reader_case("reader-page", API_PAGE, 0, API_PAGE);
	reader_case("reader-block-inside-page", API_PAGE, 1024, 512);
	reader_case("reader-1m", M, 0, M);
	reader_case("reader-part-of-1m", M, 8192 + 512, 64 * 1024);
	mmap_reader_case("reader-mmap");
	/* (b) zcio reads what a buffered writer left dirty */
	writer_case("writer-page", API_PAGE, 0, API_PAGE);
	writer_case("writer-block-inside-page", API_PAGE, 1536, 512);
	writer_case("writer-1m", M, 0, M);
	mmap_writer_case("writer-mmap");
	/* (c) a dirty page under a zcio write */
	dirty_under_write_case("dirty-under-write");
	return api_exit();
}
