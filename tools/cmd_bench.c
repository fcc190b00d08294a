// SPDX-License-Identifier: GPL-2.0
/*
 * zcio bench DEV: 4 KiB random reads at queue depth 1, through the zcio
 * ioctl (ZCIO_IOC_IO) and through pread(2) on an O_DIRECT fd of the same
 * device, in alternating rounds of ROUND_SECONDS each (zcio first in
 * even rounds, pread first in odd ones) so that whatever else the
 * machine does hits both about equally.  One line on stdout:
 *
 *   zcio 4k randread: 41234 IOPS, pread O_DIRECT: 40111 IOPS, ratio 1.03x
 *
 * The device is opened read-only; nothing is written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define BENCH_BS	4096
#define DEFAULT_SECONDS	3.0
#define ROUND_SECONDS	0.1

const char *const bench_help =
"Usage: zcio bench DEV [-t SECONDS] [--json]\n"
"\n"
"Compare 4 KiB random reads at queue depth 1 through zcio (ZCIO_IOC_IO)\n"
"with pread(2) on an O_DIRECT fd of the same block device DEV, in\n"
"alternating rounds of 0.1 s so that noise hits both, and print one line:\n"
"  zcio 4k randread: N IOPS, pread O_DIRECT: M IOPS, ratio N/Mx\n"
"Offsets are uniform over the whole device, 4 KiB aligned.  DEV is opened\n"
"read-only: nothing is written.\n"
"\n"
"  -t SECONDS  total run time, both methods together (default 3; a\n"
"              fraction is allowed)\n"
"  --json      one JSON object on stdout\n"
"  -h          this help\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

struct method {
	const char *name;
	uint64_t ios;
	double seconds;
};

struct bench {
	struct opts *o;
	const char *dev;
	int zfd, dfd;
	struct zcio_version ver;
	struct zcio_devinfo di;
	void *buf;
	uint64_t blocks;	/* BENCH_BS blocks on the device */
	uint64_t rng;
	unsigned int rounds;
	struct method m[2];	/* zcio, pread */
};

static uint64_t next_offset(struct bench *b)
{
	/* xorshift64*: plenty for spreading offsets */
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return (b->rng * 0x2545f4914f6cdd1dULL) % b->blocks * BENCH_BS;
}

/* One read of method @i at @off; 0 or -errno (a short read is -EIO). */
static int one_read(struct bench *b, int i, uint64_t off)
{
	int64_t r;

	if (!i) {
		r = zcio_pread(b->zfd, b->dfd, b->buf, BENCH_BS, off);
	} else {
		r = pread(b->dfd, b->buf, BENCH_BS, off);
		if (r < 0)
			r = -errno;
	}
	if (r < 0)
		return r;
	return r == BENCH_BS ? 0 : -EIO;
}

/* one_read(), with a message on failure; 0 or EXIT_FAIL. */
static int checked_read(struct bench *b, int i, uint64_t off)
{
	int ret = one_read(b, i, off);

	if (ret) {
		errmsg("%s: read %s at offset %" PRIu64 ": %s", b->m[i].name,
		       b->dev, off, zcio_strerror(ret));
		return EXIT_FAIL;
	}
	return 0;
}

/* Method @i for ROUND_SECONDS; 0 or EXIT_FAIL after a message. */
static int round_of(struct bench *b, int i)
{
	struct method *m = &b->m[i];
	struct timespec t0;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (checked_read(b, i, next_offset(b)))
			return EXIT_FAIL;
		m->ios++;
		s = elapsed_since(&t0);
	} while (s < ROUND_SECONDS);
	m->seconds += s;
	return 0;
}

static int bench_run(struct bench *b)
{
	double total = b->o->seconds ? b->o->seconds : DEFAULT_SECONDS;
	struct timespec t0;
	int ret, first;

	/* one read each first: neither pays for a cold start in the count */
	if (checked_read(b, 0, 0) || checked_read(b, 1, 0))
		return EXIT_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		first = b->rounds & 1;
		ret = round_of(b, first);
		if (!ret)
			ret = round_of(b, !first);
		if (ret)
			return ret;
		b->rounds++;
	} while (elapsed_since(&t0) < total);
	return 0;
}

static double iops(const struct method *m)
{
	return m->seconds > 0 ? m->ios / m->seconds : 0;
}

static void bench_report(const struct bench *b)
{
	double z = iops(&b->m[0]), p = iops(&b->m[1]);
	double ratio = p > 0 ? z / p : 0;
	bool first = true;
	FILE *f = stdout;
	int i;

	if (!b->o->json) {
		printf("zcio 4k randread: %.0f IOPS, pread O_DIRECT: %.0f IOPS, ratio %.2fx\n",
		       z, p, ratio);
		return;
	}
	fputc('{', f);
	json_string(f, &first, "device", b->dev);
	json_u64(f, &first, "block_size", BENCH_BS);
	json_u64(f, &first, "rounds", b->rounds);
	for (i = 0; i < 2; i++) {
		char key[32];

		snprintf(key, sizeof(key), "%s_ios", b->m[i].name);
		json_u64(f, &first, key, b->m[i].ios);
		snprintf(key, sizeof(key), "%s_seconds", b->m[i].name);
		json_key(f, &first, key);
		fprintf(f, "%.6f", b->m[i].seconds);
		snprintf(key, sizeof(key), "%s_iops", b->m[i].name);
		json_key(f, &first, key);
		fprintf(f, "%.1f", iops(&b->m[i]));
	}
	json_key(f, &first, "ratio");
	fprintf(f, "%.4f", ratio);
	fputs("}\n", f);
}

/*
 * Only a block device (pread() on a file would measure the file
 * system), opened read-only, then switched to O_DIRECT for pread().
 */
static int bench_open(struct bench *b)
{
	struct stat st;
	int ret, fl;

	ret = open_bdev(b->dev, O_RDONLY, &b->dfd);
	if (ret)
		return ret;
	if (fstat(b->dfd, &st) || !S_ISBLK(st.st_mode)) {
		errmsg("%s is not a block device", b->dev);
		goto err;
	}
	fl = fcntl(b->dfd, F_GETFL);
	if (fl < 0 || fcntl(b->dfd, F_SETFL, fl | O_DIRECT)) {
		errmsg("%s: cannot set O_DIRECT: %s", b->dev, strerror(errno));
		goto err;
	}
	return 0;
err:
	close(b->dfd);
	return EXIT_FAIL;
}

static int bench_setup(struct bench *b)
{
	int ret;

	ret = get_devinfo(b->zfd, b->dev, b->dfd, &b->di);
	if (ret)
		return ret;
	if (BENCH_BS % b->di.logical_block_size) {
		errmsg("%s: logical block size %u is larger than the %u-byte reads",
		       b->dev, b->di.logical_block_size, BENCH_BS);
		return EXIT_FAIL;
	}
	b->blocks = b->di.size / BENCH_BS;
	if (!b->blocks) {
		errmsg("%s is smaller than %u bytes", b->dev, BENCH_BS);
		return EXIT_FAIL;
	}
	ret = zcio_buf_alloc(&b->buf, BENCH_BS, zcio_buf_align(&b->di));
	if (ret) {
		errmsg("cannot allocate a buffer: %s", zcio_strerror(ret));
		return EXIT_FAIL;
	}
	if (getrandom(&b->rng, sizeof(b->rng), 0) != sizeof(b->rng) || !b->rng)
		b->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)time(NULL);
	return 0;
}

int cmd_bench(struct opts *o)
{
	struct bench b = {
		.o = o,
		.m = { { .name = "zcio" }, { .name = "pread" } },
	};
	int ret;

	ret = check_nargs(o, 1, 1);
	if (ret)
		return ret;
	b.dev = o->args[0];
	ret = bench_open(&b);
	if (ret)
		return ret;
	ret = zcio_setup(&b.zfd, &b.ver, ZCIO_FEAT_XFER);
	if (ret)
		goto out_dfd;
	ret = bench_setup(&b);
	if (!ret)
		ret = bench_run(&b);
	if (!ret)
		bench_report(&b);
	zcio_buf_free(b.buf);
	close(b.zfd);
	ret = finish_stdout(ret);
out_dfd:
	close(b.dfd);
	return ret;
}
