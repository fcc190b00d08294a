// SPDX-License-Identifier: GPL-2.0
/*
 * api-accounting NAME DEV [NAME DEV...]: what one successful request costs,
 * counter by counter, on each device.
 *
 * A request of @len bytes from a buffer that starts @misalign bytes into a
 * page spans pages = DIV_ROUND_UP(misalign + len, 4096) pages.  blk/map.c
 * maps at most BIO_MAX_VECS (256) pages per bio, so the request must pin
 * each of those pages exactly once, submit DIV_ROUND_UP(pages, 256) bios,
 * of which all but the last map less than the rest of the request
 * (partial_maps), count one request and @len bytes, and unpin everything
 * before it returns.  How the block layer splits or merges the bios below
 * zcio does not change any of this.  The data must arrive too.
 *
 * Prints one line per device and case (the golden .out has the expected
 * numbers) and exits 1 if any count or the data is wrong.  Each DEV is a
 * writable scratch device with 512-byte logical blocks and at least 8 MiB.
 */
#include "api-util.h"

#include <linux/fs.h>

#define M		(1024 * 1024)
#define BIO_PAGES	256
#define SEED		0x5c

struct acct_case {
	unsigned int op;
	size_t len;
	size_t misalign;
	uint64_t off;
};

static const struct acct_case cases[] = {
	{ ZCIO_OP_WRITE, 4096,  0,   0 },
	{ ZCIO_OP_READ,  4096,  0,   0 },
	{ ZCIO_OP_WRITE, 4096,  512, 8192 },
	{ ZCIO_OP_READ,  4096,  512, 8192 },
	{ ZCIO_OP_WRITE, M,     0,   M },
	{ ZCIO_OP_READ,  M,     0,   M },
	{ ZCIO_OP_WRITE, M,     512, 2 * M },
	{ ZCIO_OP_READ,  M,     512, 2 * M },
	{ ZCIO_OP_WRITE, 4 * M, 0,   4 * M },
	{ ZCIO_OP_READ,  4 * M, 0,   4 * M },
};

static int zfd;

#define DELTA(f)	((uint64_t)(after.f - before.f))

static bool run_case(const char *name, const char *path,
		     const struct acct_case *c)
{
	uint64_t pages = (c->misalign + c->len + API_PAGE - 1) / API_PAGE;
	uint64_t want_bios = (pages + BIO_PAGES - 1) / BIO_PAGES;
	struct zcio_stats before, after;
	int fd = api_open(path, O_RDWR);
	int dfd = api_open(path, O_RDWR | O_DIRECT);
	char *map = api_map_guarded(c->misalign + c->len);
	char *buf = map + c->misalign, *want = api_map_guarded(c->len);
	bool wr = c->op == ZCIO_OP_WRITE, data_ok;
	uint64_t bytes;
	int64_t res;

	api_pattern(want, c->len, c->off, SEED);
	if (wr) {
		memcpy(buf, want, c->len);
	} else {
		/* the write case before this one put the data there */
		memset(buf, 0xee, c->len);
	}
	api_stats(zfd, &before);
	res = zcio_pio(zfd, c->op, fd, buf, c->len, c->off);
	api_stats(zfd, &after);
	if (wr) {
		/* what the device holds now, read with O_DIRECT */
		char *back = api_map_guarded(c->len);

		api_pread_all(dfd, back, c->len, c->off);
		data_ok = api_first_diff(back, want, c->len) < 0;
		api_unmap_guarded(back, c->len);
	} else {
		data_ok = api_first_diff(buf, want, c->len) < 0;
	}
	bytes = wr ? DELTA(bytes_written) : DELTA(bytes_read);
	printf("%-10s %-5s len=%-7zu addr+%-3zu pages=%-4" PRIu64
	       " result=%-7s requests=%" PRIu64 " bios=%" PRIu64
	       " partial_maps=%" PRIu64 " pins=%" PRIu64 " unpins=%" PRIu64
	       " bytes=%" PRIu64 " errors=%" PRIu64 " data=%s\n",
	       name, zcio_op_name(c->op), c->len, c->misalign, pages,
	       api_result_str(res), DELTA(requests), DELTA(bios),
	       DELTA(partial_maps), DELTA(pins), DELTA(unpins), bytes,
	       DELTA(errors), data_ok ? "ok" : "WRONG");
	fflush(stdout);
	api_unmap_guarded(map, c->misalign + c->len);
	api_unmap_guarded(want, c->len);
	close(fd);
	close(dfd);
	return res == (int64_t)c->len && DELTA(requests) == 1 &&
	       DELTA(errors) == 0 && DELTA(bios) == want_bios &&
	       DELTA(partial_maps) == want_bios - 1 &&
	       DELTA(pins) == pages && DELTA(unpins) == pages &&
	       bytes == c->len && data_ok;
}

int main(int argc, char **argv)
{
	size_t i;
	int a;

	api_prog = "api-accounting";
	if (argc < 3 || argc % 2 == 0) {
		fprintf(stderr, "usage: api-accounting NAME DEV [NAME DEV...]\n");
		return 2;
	}
	zfd = api_zcio_open();
	for (a = 1; a < argc; a += 2)
		for (i = 0; i < ARRAY_SIZE(cases); i++)
			if (!run_case(argv[a], argv[a + 1], &cases[i]))
				api_fail("%s: %s of %zu bytes at buffer offset %zu: wrong counts or data",
					 argv[a], zcio_op_name(cases[i].op),
					 cases[i].len, cases[i].misalign);
	return api_exit();
}
