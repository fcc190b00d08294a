// SPDX-License-Identifier: GPL-2.0
/*
 * zcio append and zcio zone: zoned block devices.  append writes its
 * input with zone appends (ZCIO_OP_ZONE_APPEND) and prints where each
 * landed; zone reset|open|close|finish are ZCIO_OP_ZONE_RESET ...
 * _FINISH; zone report lists zones with the kernel's BLKREPORTZONE, so
 * that what an append or a reset did can be seen without other tools.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/blkzoned.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

#define ZONE_REPORT_BATCH	64

const char *const append_help =
"Usage: zcio append DEV ZONE_START [-i FILE] [-l LENGTH] [-b SIZE] [--fua]\n"
"                   [-q] [--json]\n"
"\n"
"Append FILE or standard input to the sequential zone of zoned block\n"
"device DEV (opened write-only) that starts at byte ZONE_START, with zone\n"
"append (ZCIO_OP_ZONE_APPEND): the device writes the data at the zone's\n"
"write pointer and zcio prints where, one line per append on standard\n"
"output: the 512-byte sector where that append's data starts.  Each\n"
"append is one bio; the input is cut into appends of -b bytes.  The input\n"
"length must be a multiple of the logical block size.\n"
"\n"
"  -i FILE   input file ('-' is standard input, the default)\n"
"  -l LENGTH bytes to append (default: up to end of input)\n"
"  -b SIZE   bytes per append (default and most: the device's largest\n"
"            zone append, at most 1M)\n"
"  --fua     each append on media when it completes (ZCIO_IO_FUA)\n"
"  -q        no summary on stderr\n"
"  --json    one JSON line on stdout instead of the sectors\n"
"  -h        this help\n"
"\n"
"Exit status: 0 success, 1 I/O or kernel error (the device refuses\n"
"appends to a full or conventional zone, and appends that do not fit),\n"
"2 usage error.\n";

const char *const zone_help =
"Usage: zcio zone reset|open|close|finish DEV OFFSET [LENGTH|all] [-q] [--json]\n"
"       zcio zone report DEV [OFFSET [COUNT]] [--json]\n"
"\n"
"Zone management of zoned block device DEV (opened write-only), as\n"
"BLKRESETZONE, BLKOPENZONE, BLKCLOSEZONE and BLKFINISHZONE do it, through\n"
"/dev/zcio (ZCIO_OP_ZONE_RESET ... ZCIO_OP_ZONE_FINISH): the zones from\n"
"byte OFFSET, which must start a zone, for LENGTH bytes (default one\n"
"zone; whole zones; 'all' to the end of the device).\n"
"  reset   write pointer back to the zone start, data gone\n"
"  open    open the zone explicitly\n"
"  close   close an open zone\n"
"  finish  write pointer to the zone end: the zone is full\n"
"\n"
"report lists COUNT zones (default all) from the zone holding OFFSET\n"
"(default 0) with BLKREPORTZONE, in bytes: start, length, capacity,\n"
"write pointer, type and condition.\n"
"\n"
"  -q        no summary\n"
"  --json    JSON on stdout (report: one object per zone, one per line)\n"
"  -h        this help\n"
"\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

/* ------------------------------------------------------------------ */
/* Zones through BLKREPORTZONE                                         */

static const char *zone_type_name(unsigned int type)
{
	switch (type) {
	case BLK_ZONE_TYPE_CONVENTIONAL:
		return "conventional";
	case BLK_ZONE_TYPE_SEQWRITE_REQ:
		return "seq-required";
	case BLK_ZONE_TYPE_SEQWRITE_PREF:
		return "seq-preferred";
	}
	return "unknown";
}

static const char *zone_cond_name(unsigned int cond)
{
	switch (cond) {
	case BLK_ZONE_COND_NOT_WP:
		return "not-wp";
	case BLK_ZONE_COND_EMPTY:
		return "empty";
	case BLK_ZONE_COND_IMP_OPEN:
		return "implicit-open";
	case BLK_ZONE_COND_EXP_OPEN:
		return "explicit-open";
	case BLK_ZONE_COND_CLOSED:
		return "closed";
	case BLK_ZONE_COND_READONLY:
		return "read-only";
	case BLK_ZONE_COND_FULL:
		return "full";
	case BLK_ZONE_COND_OFFLINE:
		return "offline";
	}
	return "unknown";
}

/*
 * Up to @max zones from the one holding byte @off into @rep (room for
 * @max).  Returns the number reported (0 past the end) or -errno.
 */
static int report_zones(int fd, uint64_t off, struct blk_zone_report *rep,
			unsigned int max)
{
	memset(rep, 0, sizeof(*rep) + max * sizeof(struct blk_zone));
	rep->sector = off >> 9;
	rep->nr_zones = max;
	if (ioctl(fd, BLKREPORTZONE, rep) < 0)
		return -errno;
	return rep->nr_zones;
}

/* The zone holding byte @off into @z.  Returns 0 or -errno. */
static int get_zone(int fd, uint64_t off, struct blk_zone *z)
{
	struct {
		struct blk_zone_report rep;
		struct blk_zone zone;
	} r;
	int n = report_zones(fd, off, &r.rep, 1);

	if (n < 0)
		return n;
	if (!n)
		return -ERANGE;
	*z = r.rep.zones[0];
	return 0;
}

static uint64_t zone_capacity(const struct blk_zone_report *rep,
			      const struct blk_zone *z)
{
	return (rep->flags & BLK_ZONE_REP_CAPACITY) ? z->capacity : z->len;
}

/*
 * Why the device refused (EIO) an operation on the zone at @off, from its
 * report, into @msg: the cases the kernel and the device have.
 */
static void zone_refusal(char *msg, size_t size, int fd, uint64_t off,
			 uint64_t len, bool append)
{
	struct blk_zone z;
	uint64_t left;

	if (get_zone(fd, off, &z)) {
		snprintf(msg, size, "the device refused it");
		return;
	}
	left = (z.start + z.capacity - z.wp) << 9;
	if (z.type == BLK_ZONE_TYPE_CONVENTIONAL)
		snprintf(msg, size, "the zone at offset %" PRIu64 " is conventional (no write pointer)",
			 off);
	else if (append && z.cond == BLK_ZONE_COND_FULL)
		snprintf(msg, size, "the zone at offset %" PRIu64 " is full", off);
	else if (append && len > left)
		snprintf(msg, size, "%" PRIu64 " bytes do not fit: the zone at offset %" PRIu64 " has %" PRIu64 " bytes left",
			 len, off, left);
	else
		snprintf(msg, size, "the device refused it (zone at offset %" PRIu64 ": %s, %s)",
			 off, zone_type_name(z.type), zone_cond_name(z.cond));
}

/* ------------------------------------------------------------------ */
/* Arguments                                                           */

struct zone_cmd {
	struct opts *o;
	const char *dev;
	int zfd, fd;
	struct zcio_version ver;
	struct zcio_devinfo di;
	uint64_t zone_bytes;	/* BLKGETZONESZ, bytes */
};

/* The message of errno @err of an operation on the zone at @off. */
static void zone_errmsg(char *msg, size_t size, const struct zone_cmd *zc,
			int err, uint64_t off, uint64_t len, bool append)
{
	if (err == EIO)
		zone_refusal(msg, size, zc->fd, off, len, append);
	else if (err == EPERM)
		snprintf(msg, size, "%s is read-only", zc->dev);
	else
		snprintf(msg, size, "%s", zcio_strerror(err));
}

/* /dev/zcio with @need, DEV opened with @flags, its limits and zones. */
static int zone_open(struct zone_cmd *zc, const char *dev, uint64_t need,
		     int flags)
{
	uint32_t sectors = 0;
	int ret;

	zc->dev = dev;
	ret = zcio_setup(&zc->zfd, &zc->ver, ZCIO_FEAT_DEVINFO | need);
	if (ret)
		return ret;
	ret = open_bdev(zc->dev, flags, &zc->fd);
	if (ret)
		goto out_zfd;
	ret = get_devinfo(zc->zfd, zc->dev, zc->fd, &zc->di);
	if (ret)
		goto out_fd;
	if (ioctl(zc->fd, BLKGETZONESZ, &sectors) < 0 || !sectors) {
		errmsg("%s is not a zoned block device", zc->dev);
		ret = EXIT_FAIL;
		goto out_fd;
	}
	zc->zone_bytes = (uint64_t)sectors << 9;
	return 0;
out_fd:
	close(zc->fd);
out_zfd:
	close(zc->zfd);
	return ret;
}

static void zone_close(struct zone_cmd *zc)
{
	close(zc->fd);
	close(zc->zfd);
}

/* @off starts a zone inside the device: a usage error otherwise. */
static int check_zone_start(struct zone_cmd *zc, const char *what,
			    uint64_t off)
{
	if (off >= zc->di.size)
		return usage_err(zc->o->cmd, "%s %" PRIu64 " is not inside %s (%" PRIu64 " bytes)",
				 what, off, zc->dev, (uint64_t)zc->di.size);
	if (off % zc->zone_bytes)
		return usage_err(zc->o->cmd, "%s %" PRIu64 " is not the start of a zone (zones of %" PRIu64 " bytes on %s)",
				 what, off, zc->zone_bytes, zc->dev);
	return 0;
}

/* ------------------------------------------------------------------ */
/* zcio append                                                         */

struct append {
	struct zone_cmd zc;
	uint64_t zone;		/* ZONE_START */
	uint64_t chunk;
	int in;			/* input fd */
	const char *path;
	uint64_t done, appends;
	uint64_t *sectors;	/* where each append landed */
	char msg[512];
	int err;
};

/* The bytes per append: -b, within what one bio may append here. */
static int append_chunk(struct append *a)
{
	struct opts *o = a->zc.o;
	uint64_t max = queue_attr(&a->zc.di, "zone_append_max_bytes");
	uint64_t lbs = a->zc.di.logical_block_size;

	if (!max || max > DEFAULT_CHUNK)
		max = DEFAULT_CHUNK;
	if (max > a->zc.zone_bytes)
		max = a->zc.zone_bytes;
	if (o->chunk && o->chunk > max)
		return usage_err(o->cmd, "append size %" PRIu64 " exceeds the largest zone append of %s (%" PRIu64 " bytes)",
				 o->chunk, a->zc.dev, max);
	a->chunk = o->chunk ? o->chunk : max - max % lbs;
	return check_lbs_multiple(o, a->zc.dev, &a->zc.di, "append size",
				  a->chunk);
}

static int append_args(struct append *a)
{
	struct opts *o = a->zc.o;
	int ret;

	ret = parse_size_arg(o->cmd, "zone start", o->args[1], &a->zone);
	if (!ret && o->length_set && !o->length)
		ret = usage_err(o->cmd, "length must not be 0");
	return ret;
}

static int append_open_input(struct append *a)
{
	const char *file = a->zc.o->file;

	if (!file || !strcmp(file, "-")) {
		a->in = STDIN_FILENO;
		a->path = "standard input";
		return 0;
	}
	a->path = file;
	a->in = open(file, O_RDONLY | O_CLOEXEC);
	if (a->in < 0) {
		errmsg("cannot open %s: %s", file, strerror(errno));
		return EXIT_FAIL;
	}
	return 0;
}

/* One append of @len bytes of @buf; records where it landed. */
static int append_one(struct append *a, const void *buf, uint64_t len)
{
	int64_t at;

	at = zcio_zone_append(a->zc.zfd, a->zc.fd, buf, len, a->zone,
			      a->zc.o->io_flags & ZCIO_IO_FUA);
	if (at < 0) {
		a->err = -at;
		zone_errmsg(a->msg, sizeof(a->msg), &a->zc, a->err, a->zone,
			    len, true);
		return EXIT_FAIL;
	}
	a->sectors[a->appends++] = at >> 9;
	a->done += len;
	return 0;
}

/* Read the input in chunks and append each. */
static int append_loop(struct append *a, char *buf, uint64_t nr_max)
{
	const struct opts *o = a->zc.o;
	uint64_t lbs = a->zc.di.logical_block_size;
	uint64_t want;
	ssize_t got;
	int ret;

	while (a->appends < nr_max) {
		want = a->chunk;
		if (o->length_set && o->length - a->done < want)
			want = o->length - a->done;
		if (!want)
			return 0;
		got = read_full(a->in, buf, want);
		if (got < 0) {
			errmsg("read %s: %s", a->path, strerror(-got));
			return EXIT_FAIL;
		}
		if (!got && !o->length_set)
			return 0;
		if ((uint64_t)got < want && o->length_set) {
			errmsg("%s ended after %" PRIu64 " bytes, %" PRIu64 " asked with -l",
			       a->path, a->done + got, o->length);
			return EXIT_FAIL;
		}
		if (got % lbs) {
			errmsg("%s ends inside a logical block (%" PRIu64 " bytes, blocks of %" PRIu64 ")",
			       a->path, a->done + got, lbs);
			return EXIT_FAIL;
		}
		ret = append_one(a, buf, got);
		if (ret)
			return ret;
	}
	errmsg("%s does not fit in the zone at offset %" PRIu64 " (%" PRIu64 " bytes)",
	       a->path, a->zone, a->zc.zone_bytes);
	return EXIT_FAIL;
}

static void append_report(const struct append *a, int ret)
{
	const struct opts *o = a->zc.o;
	bool first = true;
	uint64_t i;

	if (o->json) {
		putchar('{');
		json_string(stdout, &first, "op", "zone-append");
		json_string(stdout, &first, "device", a->zc.dev);
		json_u64(stdout, &first, "zone", a->zone);
		json_u64(stdout, &first, "bytes", a->done);
		json_key(stdout, &first, "sectors");
		putchar('[');
		for (i = 0; i < a->appends; i++)
			printf("%s%" PRIu64, i ? "," : "", a->sectors[i]);
		putchar(']');
		json_bool(stdout, &first, "ok", !ret);
		if (a->err) {
			json_string(stdout, &first, "error", a->msg);
			json_u64(stdout, &first, "errno", a->err);
		}
		puts("}");
	} else {
		for (i = 0; i < a->appends; i++)
			printf("%" PRIu64 "\n", a->sectors[i]);
	}
	if (a->err)
		errmsg("append to the zone at offset %" PRIu64 " of %s: %s",
		       a->zone, a->zc.dev, a->msg);
	if (o->quiet || !a->appends)
		return;
	fprintf(stderr, "append: %" PRIu64 " bytes in %" PRIu64 " append%s to the zone at offset %" PRIu64 " of %s, from sector %" PRIu64 "\n",
		a->done, a->appends, a->appends == 1 ? "" : "s", a->zone,
		a->zc.dev, a->sectors[0]);
}

int cmd_append(struct opts *o)
{
	struct append a = { .zc.o = o, .in = -1 };
	uint64_t nr_max;
	void *buf;
	int ret;

	ret = check_nargs(o, 2, 2);
	if (!ret)
		ret = append_args(&a);
	if (ret)
		return ret;
	ret = zone_open(&a.zc, o->args[0], ZCIO_FEAT_ZONED, O_WRONLY);
	if (ret)
		return ret;
	ret = check_zone_start(&a.zc, "zone start", a.zone);
	if (!ret && o->length_set)
		ret = check_lbs_multiple(o, a.zc.dev, &a.zc.di, "length",
					 o->length);
	if (!ret)
		ret = append_chunk(&a);
	if (ret)
		goto out_zc;
	/* no more appends than the zone has room for chunks */
	nr_max = (a.zc.zone_bytes + a.chunk - 1) / a.chunk;
	a.sectors = calloc(nr_max, sizeof(*a.sectors));
	ret = zcio_buf_alloc(&buf, a.chunk, zcio_buf_align(&a.zc.di));
	if (ret || !a.sectors) {
		errmsg("cannot allocate %" PRIu64 " bytes", a.chunk);
		ret = EXIT_FAIL;
		goto out_sectors;
	}
	ret = append_open_input(&a);
	if (ret)
		goto out_buf;
	ret = append_loop(&a, buf, nr_max);
	append_report(&a, ret);
	ret = finish_stdout(ret);
	if (a.in != STDIN_FILENO)
		close(a.in);
out_buf:
	zcio_buf_free(buf);
out_sectors:
	free(a.sectors);
out_zc:
	zone_close(&a.zc);
	return ret;
}

/* ------------------------------------------------------------------ */
/* zcio zone                                                           */

static const struct {
	const char *name;
	unsigned int op;
} zone_ops[] = {
	{ "reset", ZCIO_OP_ZONE_RESET }, { "open", ZCIO_OP_ZONE_OPEN },
	{ "close", ZCIO_OP_ZONE_CLOSE }, { "finish", ZCIO_OP_ZONE_FINISH },
};

static void zone_print(const struct blk_zone_report *rep,
		       const struct blk_zone *z, bool json)
{
	bool wp = z->type != BLK_ZONE_TYPE_CONVENTIONAL;
	bool first = true;

	if (!json) {
		printf("%12" PRIu64 " %10" PRIu64 " %10" PRIu64 " ",
		       (uint64_t)z->start << 9, (uint64_t)z->len << 9,
		       zone_capacity(rep, z) << 9);
		if (wp)
			printf("%12" PRIu64, (uint64_t)z->wp << 9);
		else
			printf("%12s", "-");
		printf(" %-13s %s\n", zone_type_name(z->type),
		       zone_cond_name(z->cond));
		return;
	}
	putchar('{');
	json_u64(stdout, &first, "start", (uint64_t)z->start << 9);
	json_u64(stdout, &first, "length", (uint64_t)z->len << 9);
	json_u64(stdout, &first, "capacity", zone_capacity(rep, z) << 9);
	if (wp)
		json_u64(stdout, &first, "wp", (uint64_t)z->wp << 9);
	json_string(stdout, &first, "type", zone_type_name(z->type));
	json_string(stdout, &first, "cond", zone_cond_name(z->cond));
	puts("}");
}

static int zone_report(struct zone_cmd *zc)
{
	struct opts *o = zc->o;
	struct blk_zone_report *rep;
	uint64_t off = 0, count = UINT64_MAX, shown = 0;
	int n, i, ret = 0;

	if (o->nargs > 2)
		ret = parse_size_arg(o->cmd, "offset", o->args[2], &off);
	if (!ret && o->nargs > 3)
		ret = parse_size_arg(o->cmd, "count", o->args[3], &count);
	if (ret)
		return ret;
	rep = calloc(1, sizeof(*rep) + ZONE_REPORT_BATCH * sizeof(struct blk_zone));
	if (!rep) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	if (!o->json)
		printf("%12s %10s %10s %12s %-13s %s\n", "start", "length",
		       "capacity", "wp", "type", "cond");
	while (shown < count && off < zc->di.size) {
		n = report_zones(zc->fd, off, rep, ZONE_REPORT_BATCH);
		if (n < 0) {
			errmsg("report zones of %s at offset %" PRIu64 ": %s",
			       zc->dev, off, strerror(-n));
			ret = EXIT_FAIL;
			break;
		}
		if (!n)
			break;
		for (i = 0; i < n && shown < count; i++, shown++)
			zone_print(rep, &rep->zones[i], o->json);
		off = (rep->zones[n - 1].start + rep->zones[n - 1].len) << 9;
	}
	free(rep);
	return finish_stdout(ret);
}

static int zone_length(struct zone_cmd *zc, uint64_t off, uint64_t *len)
{
	struct opts *o = zc->o;
	int ret;

	*len = zc->zone_bytes;
	if (o->nargs > 3 && !strcmp(o->args[3], "all"))
		*len = zc->di.size - off;
	else if (o->nargs > 3 && (ret = parse_size_arg(o->cmd, "length",
						       o->args[3], len)))
		return ret;
	if (!*len)
		return usage_err(o->cmd, "length must not be 0");
	if (*len > zc->di.size - off)
		return usage_err(o->cmd, "range %" PRIu64 "+%" PRIu64 " is not inside %s (%" PRIu64 " bytes)",
				 off, *len, zc->dev, (uint64_t)zc->di.size);
	if (*len % zc->zone_bytes && off + *len != zc->di.size)
		return usage_err(o->cmd, "length %" PRIu64 " is not whole zones (zones of %" PRIu64 " bytes on %s)",
				 *len, zc->zone_bytes, zc->dev);
	return 0;
}

static int zone_mgmt(struct zone_cmd *zc, unsigned int op, const char *name)
{
	struct opts *o = zc->o;
	uint64_t off, len;
	bool first = true;
	char msg[512] = "";
	int ret, err;

	if (o->nargs < 3)
		return usage_err(o->cmd, "%s needs DEV and OFFSET", name);
	ret = parse_size_arg(o->cmd, "offset", o->args[2], &off);
	if (!ret)
		ret = check_zone_start(zc, "offset", off);
	if (!ret)
		ret = zone_length(zc, off, &len);
	if (ret)
		return ret;
	err = -zcio_zone_mgmt(zc->zfd, op, zc->fd, off, len);
	if (err)
		zone_errmsg(msg, sizeof(msg), zc, err, off, len, false);
	if (o->json && !o->quiet) {
		putchar('{');
		json_string(stdout, &first, "op", zcio_op_name(op));
		json_string(stdout, &first, "device", zc->dev);
		json_u64(stdout, &first, "offset", off);
		json_u64(stdout, &first, "length", len);
		json_bool(stdout, &first, "ok", !err);
		if (err) {
			json_string(stdout, &first, "error", msg);
			json_u64(stdout, &first, "errno", err);
		}
		puts("}");
	}
	if (err)
		errmsg("zone %s of %s at offset %" PRIu64 ": %s", name, zc->dev,
		       off, msg);
	else if (!o->quiet && !o->json)
		fprintf(stderr, "zone %s: %" PRIu64 " bytes at offset %" PRIu64 " of %s\n",
			name, len, off, zc->dev);
	return finish_stdout(err ? EXIT_FAIL : EXIT_OK);
}

/* The index of zone_ops[] named @name, or -1. */
static int find_zone_op(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(zone_ops) / sizeof(zone_ops[0]); i++)
		if (!strcmp(name, zone_ops[i].name))
			return i;
	return -1;
}

int cmd_zone(struct opts *o)
{
	struct zone_cmd zc = { .o = o };
	int i, ret;

	ret = check_nargs(o, 2, 4);
	if (ret)
		return ret;
	i = find_zone_op(o->args[0]);
	if (i < 0 && strcmp(o->args[0], "report"))
		return usage_err(o->cmd, "unknown zone operation '%s' (want reset, open, close, finish or report)",
				 o->args[0]);
	if (i < 0)
		ret = zone_open(&zc, o->args[1], 0, O_RDONLY);
	else
		ret = zone_open(&zc, o->args[1], ZCIO_FEAT_ZONED, O_WRONLY);
	if (ret)
		return ret;
	if (i < 0)
		ret = zone_report(&zc);
	else
		ret = zone_mgmt(&zc, zone_ops[i].op, zone_ops[i].name);
	zone_close(&zc);
	return ret;
}
