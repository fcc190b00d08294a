// SPDX-License-Identifier: GPL-2.0
/*
 * zcio verify DEV [OFFSET LENGTH]: write an offset-stamped pattern
 * through zcio, read it back through zcio and compare, reporting the
 * logical blocks (LBAs) that differ.  --write-only and --read-only
 * split the two halves, so that something can happen to the device in
 * between.
 *
 * The pattern: every 512-byte unit at device byte offset OFF starts with
 * the 56-byte text stamp
 *
 *   "zcio-verify: off=<OFF, 16 hex> seed=<SEED, 16 hex>\n"
 *
 * and goes on with 57 little-endian 64-bit words of splitmix64, started
 * from SEED ^ (OFF * STREAM_MUL).  Every byte depends on both, so a
 * block written to or read from the wrong place, a stale block from
 * another seed and a torn or corrupted block all differ from what is
 * expected, and the stamp of a wrong block says where it came from.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define UNIT		512
#define STAMP_LEN	56
#define STAMP_HEAD	"zcio-verify: off="
#define STAMP_SEED	" seed="
#define STREAM_MUL	0xd1342543de82ef95ULL
#define MAX_SHOWN	10	/* mismatching LBAs listed */

const char *const verify_help =
"Usage: zcio verify DEV [OFFSET LENGTH] -f [--seed N] [-b SIZE] [-q] [--json]\n"
"       zcio verify DEV [OFFSET LENGTH] -f --write-only --seed N [...]\n"
"       zcio verify DEV [OFFSET LENGTH] --read-only --seed N [...]\n"
"\n"
"Write a test pattern over LENGTH bytes at byte OFFSET of block device DEV\n"
"(default: all of it) through zcio, flush, read it back through zcio and\n"
"compare.  Each 512 bytes are stamped with their offset and the seed, so\n"
"misplaced and stale blocks are caught, not only corrupted ones.  The\n"
"first 10 mismatching LBAs (logical blocks of DEV) are listed with what\n"
"they hold instead, then a count.  THIS DESTROYS THE DATA IN THE RANGE:\n"
"it needs -f, and opens DEV with O_EXCL (a mounted device is refused).\n"
"\n"
"  -f, --force     go ahead and overwrite the range\n"
"  --seed N        pattern seed (default: random, shown in the summary)\n"
"  --write-only    only write the pattern (needs --seed)\n"
"  --read-only, --check   only read and compare, against a pattern written\n"
"                  earlier with --write-only and the same --seed\n"
"  -b SIZE         bytes per ioctl (default 1M)\n"
"  -q              no summary, no progress line (mismatches still shown)\n"
"  --json          the outcome as one JSON line on stdout\n"
"  -h              this help\n"
"The mismatches and the summary go to stderr, the progress on a terminal.\n"
"Exit status: 0 match (or written), 1 mismatch or I/O error, 2 usage error.\n";

struct mismatch {
	uint64_t lba;
	char what[128];
};

struct verify {
	struct opts *o;
	const char *dev;
	const char *mode;	/* "write+read", "write" or "read" */
	bool wr, rd;		/* the phases to run */
	int zfd, dfd;
	struct zcio_version ver;
	struct zcio_devinfo di;
	char *buf, *want;	/* the I/O buffer, the expected data */
	uint64_t chunk, offset, length, seed;
	uint64_t ioctls;
	double wsec, rsec;	/* time of each phase, -1 if not run */
	uint64_t mismatches;	/* LBAs that differ */
	struct mismatch shown[MAX_SHOWN];
	bool failed;		/* an I/O error (not a mismatch) */
	int err;
	uint64_t err_offset;
	char msg[512];		/* the I/O error, without "zcio: " */
	struct progress prog;
};

/* ------------------------------------------------------------------ */
/* The pattern                                                         */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void put_hex16(char *p, uint64_t v)
{
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		p[i] = "0123456789abcdef"[v & 15];
}

/* The 512-byte unit that belongs at device offset @off. */
static void fill_unit(char *p, uint64_t off, uint64_t seed)
{
	uint64_t state = seed ^ (off * STREAM_MUL), w;
	int i;

	memcpy(p, STAMP_HEAD, 17);
	put_hex16(p + 17, off);
	memcpy(p + 33, STAMP_SEED, 6);
	put_hex16(p + 39, seed);
	p[55] = '\n';
	for (i = STAMP_LEN; i < UNIT; i += 8) {
		w = htole64(splitmix64(&state));
		memcpy(p + i, &w, 8);
	}
}

static void fill_range(char *p, uint64_t off, uint64_t len, uint64_t seed)
{
	uint64_t i;

	for (i = 0; i < len; i += UNIT)
		fill_unit(p + i, off + i, seed);
}

static bool get_hex16(const char *p, uint64_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 16; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			*v = *v << 4 | (p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			*v = *v << 4 | (p[i] - 'a' + 10);
		else
			return false;
	}
	return true;
}

/* The offset and seed in the stamp of unit @p, if it has one. */
static bool parse_stamp(const char *p, uint64_t *off, uint64_t *seed)
{
	return !memcmp(p, STAMP_HEAD, 17) && get_hex16(p + 17, off) &&
	       !memcmp(p + 33, STAMP_SEED, 6) && get_hex16(p + 39, seed) &&
	       p[55] == '\n';
}

static bool all_zero(const char *p, size_t len)
{
	return !p[0] && !memcmp(p, p + 1, len - 1);
}

/*
 * Say what the logical block @got at device offset @off holds instead
 * of its pattern (@want).
 */
static void describe(const struct verify *v, const char *got,
		     const char *want, uint64_t off, char *buf, size_t len)
{
	uint64_t lbs = v->di.logical_block_size, uoff, soff, sseed, i;
	char unit[UNIT];

	if (all_zero(got, lbs)) {
		snprintf(buf, len, "zeros");
		return;
	}
	for (i = 0; !memcmp(got + i, want + i, UNIT); i += UNIT)
		;
	got += i;
	uoff = off + i;
	if (!parse_stamp(got, &soff, &sseed)) {
		snprintf(buf, len, "not the pattern (no stamp at offset %" PRIu64 ")", uoff);
		return;
	}
	fill_unit(unit, soff, sseed);
	if (memcmp(got, unit, UNIT))
		snprintf(buf, len, "corrupted (stamp of offset %" PRIu64 ", seed %" PRIu64 ", data differs)",
			 soff, sseed);
	else if (sseed == v->seed)
		snprintf(buf, len, "misplaced (holds the pattern of offset %" PRIu64 ", LBA %" PRIu64 ")",
			 soff, soff / lbs);
	else if (soff == uoff)
		snprintf(buf, len, "stale (the pattern of seed %" PRIu64 ")", sseed);
	else
		snprintf(buf, len, "foreign (the pattern of offset %" PRIu64 ", LBA %" PRIu64 ", seed %" PRIu64 ")",
			 soff, soff / lbs, sseed);
}

/* ------------------------------------------------------------------ */
/* The two phases                                                      */

static void __attribute__((format(printf, 3, 4)))
verify_fail(struct verify *v, int err, const char *fmt, ...)
{
	va_list ap;

	v->failed = true;
	v->err = err < 0 ? -err : err;
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
}

/* One ioctl; false (and the failure noted) unless it moved all @n bytes. */
static bool do_io(struct verify *v, unsigned int op, uint64_t n, uint64_t off)
{
	int64_t r = zcio_pio(v->zfd, op, v->dfd, v->buf, n, off);

	v->ioctls++;
	if (r >= 0 && (uint64_t)r != n) {
		off += r;
		r = op == ZCIO_OP_READ ? -ENODATA : -ENOSPC;
	}
	if (r < 0) {
		v->err_offset = off;
		verify_fail(v, r, "%s %s at offset %" PRIu64 ": %s",
			    zcio_op_name(op), v->dev, off, zcio_strerror(r));
		return false;
	}
	return true;
}

static void write_phase(struct verify *v)
{
	struct timespec t0;
	uint64_t done, n;

	progress_start(&v->prog, v->o, "verify: write", v->length);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (done = 0; done < v->length; done += n) {
		n = v->length - done < v->chunk ? v->length - done : v->chunk;
		fill_range(v->buf, v->offset + done, n, v->seed);
		if (!do_io(v, ZCIO_OP_WRITE, n, v->offset + done))
			goto out;
		progress_update(&v->prog, done + n);
	}
	/* through the device's volatile cache, if it has one */
	if (fsync(v->dfd)) {
		v->err_offset = v->offset + v->length;
		verify_fail(v, errno, "flush %s: %s", v->dev, strerror(errno));
	}
out:
	v->wsec = elapsed_since(&t0);
	progress_clear(&v->prog);
}

/* Compare @n bytes at device offset @off, block by block. */
static void compare(struct verify *v, uint64_t off, uint64_t n)
{
	uint64_t lbs = v->di.logical_block_size, i;
	struct mismatch *m;

	fill_range(v->want, off, n, v->seed);
	if (!memcmp(v->buf, v->want, n))
		return;
	for (i = 0; i < n; i += lbs) {
		if (!memcmp(v->buf + i, v->want + i, lbs))
			continue;
		if (v->mismatches < MAX_SHOWN) {
			m = &v->shown[v->mismatches];
			m->lba = (off + i) / lbs;
			describe(v, v->buf + i, v->want + i, off + i, m->what,
				 sizeof(m->what));
		}
		v->mismatches++;
	}
}

static void read_phase(struct verify *v)
{
	struct timespec t0;
	uint64_t done, n;

	progress_start(&v->prog, v->o, "verify: read", v->length);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (done = 0; done < v->length; done += n) {
		n = v->length - done < v->chunk ? v->length - done : v->chunk;
		if (!do_io(v, ZCIO_OP_READ, n, v->offset + done))
			break;
		compare(v, v->offset + done, n);
		progress_update(&v->prog, done + n);
	}
	v->rsec = elapsed_since(&t0);
	progress_clear(&v->prog);
}

/* ------------------------------------------------------------------ */
/* Reporting                                                           */

static void json_phase(FILE *f, bool *first, const char *name, double s,
		       uint64_t bytes)
{
	char key[32];

	snprintf(key, sizeof(key), "%s_seconds", name);
	json_key(f, first, key);
	if (s < 0) {
		fputs("null", f);
	} else {
		fprintf(f, "%.6f", s);
		snprintf(key, sizeof(key), "%s_mb_per_s", name);
		json_key(f, first, key);
		fprintf(f, "%.3f", s > 0 ? bytes / 1e6 / s : 0.0);
	}
}

static void verify_json(const struct verify *v)
{
	uint64_t i, lbs = v->di.logical_block_size;
	bool first = true, f2;
	FILE *f = stdout;

	fputc('{', f);
	json_string(f, &first, "op", "verify");
	json_string(f, &first, "mode", v->mode);
	json_string(f, &first, "device", v->dev);
	json_u64(f, &first, "offset", v->offset);
	json_u64(f, &first, "length", v->length);
	json_u64(f, &first, "logical_block_size", lbs);
	json_u64(f, &first, "lbas", v->length / lbs);
	json_u64(f, &first, "seed", v->seed);
	json_u64(f, &first, "chunk", v->chunk);
	json_u64(f, &first, "ioctls", v->ioctls);
	json_phase(f, &first, "write", v->wsec, v->length);
	json_phase(f, &first, "read", v->rsec, v->length);
	json_u64(f, &first, "mismatches", v->mismatches);
	json_key(f, &first, "first_mismatches");
	fputc('[', f);
	for (i = 0; i < v->mismatches && i < MAX_SHOWN; i++) {
		f2 = true;
		fputs(i ? ",{" : "{", f);
		json_u64(f, &f2, "lba", v->shown[i].lba);
		json_u64(f, &f2, "offset", v->shown[i].lba * lbs);
		json_string(f, &f2, "problem", v->shown[i].what);
		fputc('}', f);
	}
	fputc(']', f);
	json_bool(f, &first, "ok", !v->failed && !v->mismatches);
	if (v->failed) {
		json_string(f, &first, "error", v->msg);
		if (v->err)
			json_u64(f, &first, "errno", v->err);
		json_u64(f, &first, "error_offset", v->err_offset);
	}
	fputs("}\n", f);
}

static void phase_text(const char *name, double s, uint64_t bytes)
{
	if (s >= 0)
		fprintf(stderr, ", %s %.6f s (%.1f MB/s)", name, s,
			s > 0 ? bytes / 1e6 / s : 0.0);
}

static void verify_text(const struct verify *v)
{
	uint64_t i, lbs = v->di.logical_block_size;

	for (i = 0; i < v->mismatches && i < MAX_SHOWN; i++)
		errmsg("%s: LBA %" PRIu64 " (offset %" PRIu64 "): %s", v->dev,
		       v->shown[i].lba, v->shown[i].lba * lbs, v->shown[i].what);
	if (v->mismatches)
		errmsg("%s: %" PRIu64 " of %" PRIu64 " LBAs differ%s", v->dev,
		       v->mismatches, v->length / lbs,
		       v->mismatches > MAX_SHOWN ? " (the first 10 shown)" : "");
	if (v->failed)
		errmsg("%s", v->msg);
	if (v->o->quiet)
		return;
	fprintf(stderr, "verify %s: %" PRIu64 " bytes at offset %" PRIu64 " (%" PRIu64 " LBAs of %" PRIu64 " bytes), seed %" PRIu64 ": %s",
		v->dev, v->length, v->offset, v->length / lbs, lbs, v->seed,
		v->failed ? "I/O error" : v->mismatches ? "MISMATCH" :
		v->rd ? "OK" : "written");
	phase_text("write", v->wsec, v->length);
	phase_text("read", v->rsec, v->length);
	fputc('\n', stderr);
}

static int verify_report(const struct verify *v)
{
	if (v->o->json && !v->o->quiet)
		verify_json(v);
	else
		verify_text(v);
	return finish_stdout(v->failed || v->mismatches ? EXIT_FAIL : EXIT_OK);
}

/* ------------------------------------------------------------------ */
/* Arguments                                                           */

/* The mode and the seed, from the options alone. */
static int verify_mode(struct verify *v)
{
	struct opts *o = v->o;

	if (o->write_only && o->read_only)
		return usage_err(o->cmd, "--write-only and --read-only exclude each other");
	if ((o->write_only || o->read_only) && !o->seed_set)
		return usage_err(o->cmd, "--%s needs --seed (the same for --write-only and --read-only)",
				 o->write_only ? "write-only" : "read-only");
	v->wr = !o->read_only;
	v->rd = !o->write_only;
	v->mode = v->wr && v->rd ? "write+read" : v->wr ? "write" : "read";
	if (v->wr && !o->force) {
		if (o->nargs == 3)
			return usage_err(o->cmd, "this overwrites %s bytes at offset %s of %s with a test pattern; add -f (--force) to go ahead",
					 o->args[2], o->args[1], v->dev);
		return usage_err(o->cmd, "this overwrites ALL of %s with a test pattern; add -f (--force) to go ahead",
				 v->dev);
	}
	if (o->seed_set)
		v->seed = o->seed;
	else if (getrandom(&v->seed, sizeof(v->seed), 0) != sizeof(v->seed))
		v->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return 0;
}

static int verify_args(struct verify *v)
{
	struct opts *o = v->o;
	int ret;

	if (o->nargs == 2)
		return usage_err(o->cmd, "give both OFFSET and LENGTH, or neither");
	ret = check_nargs(o, 1, 3);
	if (ret)
		return ret;
	v->dev = o->args[0];
	if (o->nargs == 3) {
		ret = parse_size_arg(o->cmd, "offset", o->args[1], &v->offset);
		if (!ret)
			ret = parse_size_arg(o->cmd, "length", o->args[2], &v->length);
		if (ret)
			return ret;
		if (!v->length)
			return usage_err(o->cmd, "length must not be 0");
	}
	return verify_mode(v);
}

/* The range against the device, once it is open. */
static int verify_range(struct verify *v)
{
	uint64_t size = v->di.size;
	int ret;

	if (v->o->nargs == 1) {
		v->length = size;
		if (!size) {
			errmsg("%s is empty", v->dev);
			return EXIT_FAIL;
		}
	}
	ret = check_lbs_multiple(v->o, v->dev, &v->di, "offset", v->offset);
	if (!ret)
		ret = check_lbs_multiple(v->o, v->dev, &v->di, "length", v->length);
	if (!ret)
		ret = pick_chunk(v->o, v->dev, &v->di, &v->ver, &v->chunk);
	if (!ret && (v->offset > size || v->length > size - v->offset))
		ret = usage_err(v->o->cmd, "offset + length %" PRIu64 " + %" PRIu64 " is past the end of %s (%" PRIu64 " bytes)",
				v->offset, v->length, v->dev, size);
	return ret;
}

static int verify_alloc(struct verify *v)
{
	size_t align = zcio_buf_align(&v->di);
	int ret;

	ret = zcio_buf_alloc((void **)&v->buf, v->chunk, align);
	if (!ret && v->rd) {
		ret = zcio_buf_alloc((void **)&v->want, v->chunk, align);
		if (ret)
			zcio_buf_free(v->buf);
	}
	if (ret) {
		errmsg("cannot allocate two %" PRIu64 "-byte buffers: %s",
		       v->chunk, zcio_strerror(ret));
		return EXIT_FAIL;
	}
	return 0;
}

int cmd_verify(struct opts *o)
{
	struct verify v = { .o = o, .wsec = -1, .rsec = -1 };
	int ret;

	ret = verify_args(&v);
	if (ret)
		return ret;
	ret = zcio_setup(&v.zfd, &v.ver, ZCIO_FEAT_XFER);
	if (ret)
		return ret;
	/* O_EXCL: not over a mounted file system */
	ret = open_bdev(v.dev, v.wr ? O_RDWR | O_EXCL : O_RDONLY, &v.dfd);
	if (ret)
		goto out_zfd;
	ret = get_devinfo(v.zfd, v.dev, v.dfd, &v.di);
	if (!ret)
		ret = verify_range(&v);
	if (!ret)
		ret = verify_alloc(&v);
	if (ret)
		goto out_dfd;

	if (v.wr)
		write_phase(&v);
	if (v.rd && !v.failed)
		read_phase(&v);
	ret = verify_report(&v);
	zcio_buf_free(v.want);
	zcio_buf_free(v.buf);
out_dfd:
	close(v.dfd);
out_zfd:
	close(v.zfd);
	return ret;
}
