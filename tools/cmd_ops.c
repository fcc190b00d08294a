// SPDX-License-Identifier: GPL-2.0
/*
 * zcio flush, discard, zeroes and secure-erase: the non-data operations
 * (ZCIO_OP_FLUSH ... ZCIO_OP_WRITE_ZEROES), one ZCIO_IOC_IO each; and the
 * request options of read and write (--fua ... --ioprio, --bio-size):
 * parse_ops_opt() fills struct opts, ops_pio() does one transfer with
 * them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"

/* <linux/ioprio.h>'s encoding, which ioprio_set(2) takes */
#define OPS_PRIO_CLASS_SHIFT	13
#define OPS_PRIO_LEVELS		8

const char *const flush_help =
"Usage: zcio flush DEV [-q] [--json]\n"
"\n"
"Flush the volatile write cache of block device DEV (opened write-only)\n"
"to media: an empty write with PREFLUSH (ZCIO_OP_FLUSH), as fsync(2) on\n"
"the device sends.  On a device without a volatile cache (queue/write_cache\n"
"\"write through\") the block layer completes it at once: the module counts\n"
"it in flush_dropped.\n"
"\n"
"  -q        no summary\n"
"  --json    summary as one JSON line on stdout\n"
"  -h        this help\n"
"\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

const char *const discard_help =
"Usage: zcio discard DEV OFFSET LENGTH [-q] [--json]\n"
"\n"
"Tell block device DEV (opened write-only) that LENGTH bytes at byte\n"
"OFFSET are no longer needed (ZCIO_OP_DISCARD, as BLKDISCARD); what reads\n"
"back afterwards is up to the device.  The range must lie inside the\n"
"device and be aligned to its logical block size and discard granularity\n"
"(unlike BLKDISCARD, which rounds it).  The range's page cache is dropped.\n"
"\n"
"  -q        no summary\n"
"  --json    summary as one JSON line on stdout\n"
"  -h        this help\n"
"\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

const char *const zeroes_help =
"Usage: zcio zeroes DEV OFFSET LENGTH [--no-unmap] [-q] [--json]\n"
"\n"
"Make LENGTH bytes at byte OFFSET of block device DEV (opened write-only)\n"
"read back as zeroes with the device's write zeroes command\n"
"(ZCIO_OP_WRITE_ZEROES, as BLKZEROOUT); unlike BLKZEROOUT it never falls\n"
"back to writing pages of zeroes: a device without write zeroes fails.\n"
"The range must lie inside the device and be aligned to its logical block\n"
"size.  The range's page cache is dropped.\n"
"\n"
"  --no-unmap  keep the blocks allocated (ZCIO_IO_NOUNMAP)\n"
"  -q          no summary\n"
"  --json      summary as one JSON line on stdout\n"
"  -h          this help\n"
"\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

const char *const secure_erase_help =
"Usage: zcio secure-erase DEV OFFSET LENGTH [-q] [--json]\n"
"\n"
"Erase LENGTH bytes at byte OFFSET of block device DEV (opened\n"
"write-only) for good, with the device's secure erase command\n"
"(ZCIO_OP_SECURE_ERASE, as BLKSECDISCARD).  The range must lie inside\n"
"the device and be aligned to its logical block size.  The range's page\n"
"cache is dropped.\n"
"\n"
"  -q        no summary\n"
"  --json    summary as one JSON line on stdout\n"
"  -h        this help\n"
"\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

/* ------------------------------------------------------------------ */
/* Request options of read and write                                   */

static const struct {
	int opt;
	uint32_t flag;
} ops_flag_opts[] = {
	{ LONG_FUA, ZCIO_IO_FUA }, { LONG_PREFLUSH, ZCIO_IO_PREFLUSH },
	{ LONG_NOMERGE, ZCIO_IO_NOMERGE }, { LONG_META, ZCIO_IO_META },
	{ LONG_SYNC, ZCIO_IO_SYNC }, { LONG_IDLE, ZCIO_IO_IDLE },
	{ LONG_EXACT, ZCIO_IO_EXACT }, { LONG_NOPLUG, ZCIO_IO_NOPLUG },
	{ LONG_NO_UNMAP, ZCIO_IO_NOUNMAP },
};

static const char *const ops_class_names[] = { "none", "rt", "be", "idle" };

/* CLASS:LEVEL, class by name or number; "none" and "idle" take no level. */
static int parse_ioprio(struct opts *o, const char *s)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	unsigned long class = 4, level = 0;
	unsigned int i;
	char *end;

	for (i = 0; i < 4; i++)
		if (strlen(ops_class_names[i]) == n &&
		    !strncasecmp(s, ops_class_names[i], n))
			class = i;
	if (class == 4 && n && s[0] >= '0' && s[0] <= '9') {
		class = strtoul(s, &end, 10);
		if (end != s + n || class > 3)
			class = 4;
	}
	if (class == 4)
		return usage_err(o->cmd, "invalid I/O priority class in '%s' (want rt, be, idle, none or 0-3)", s);
	if (colon) {
		end = (char *)colon + 1;
		if (*end >= '0' && *end <= '9')
			level = strtoul(colon + 1, &end, 10);
		if (end == colon + 1 || *end || level >= OPS_PRIO_LEVELS)
			return usage_err(o->cmd, "invalid I/O priority level in '%s' (want 0-7)", s);
	}
	if ((class == 1 || class == 2) && !colon)
		return usage_err(o->cmd, "I/O priority class '%s' needs a level (CLASS:0-7)", s);
	if ((class == 0 || class == 3) && level)
		return usage_err(o->cmd, "I/O priority class %s takes no level (level 0)", ops_class_names[class]);
	o->ioprio = class << OPS_PRIO_CLASS_SHIFT | level;
	return 0;
}

int parse_ops_opt(struct opts *o, int c, const char *arg)
{
	unsigned int i;
	uint64_t v;
	int ret;

	for (i = 0; i < sizeof(ops_flag_opts) / sizeof(ops_flag_opts[0]); i++) {
		if (ops_flag_opts[i].opt == c) {
			o->io_flags |= ops_flag_opts[i].flag;
			return 0;
		}
	}
	if (c == LONG_IOPRIO)
		return parse_ioprio(o, arg);
	/* LONG_BIO_SIZE */
	ret = parse_size_arg(o->cmd, "bio size", arg, &v);
	if (ret)
		return ret;
	if (!v || v > UINT32_MAX)
		return usage_err(o->cmd, "bio size '%s' must be above 0 and below 4G", arg);
	o->bio_size = v;
	return 0;
}

/*
 * Checks of the request options for @op on @dev before any I/O: the
 * kernel's checks, with messages.  Returns 0 or EXIT_USAGE.
 */
int check_ops_opts(const struct opts *o, unsigned int op, const char *dev,
		   const struct zcio_devinfo *di)
{
	const uint32_t wr = ZCIO_IO_FUA | ZCIO_IO_PREFLUSH | ZCIO_IO_EXACT;

	if (op == ZCIO_OP_READ && (o->io_flags & wr))
		return usage_err(o->cmd, "--fua, --preflush and --exact are for writes only");
	if (o->bio_size && o->bio_size % di->logical_block_size)
		return usage_err(o->cmd, "bio size %u is not a multiple of the logical block size (%u) of %s",
				 o->bio_size, di->logical_block_size, dev);
	return 0;
}

/* zcio_pio() with the request options of @o. */
int64_t ops_pio(int zfd, const struct opts *o, unsigned int op, int fd,
		void *buf, uint64_t len, uint64_t offset)
{
	struct zcio_io io;
	int ret;

	if (!o->io_flags && !o->ioprio && !o->bio_size)
		return zcio_pio(zfd, op, fd, buf, len, offset);
	zcio_prep_io(&io, op, fd, buf, len, offset);
	io.flags = o->io_flags;
	io.ioprio = o->ioprio;
	io.bio_bytes = o->bio_size;
	ret = zcio_submit_io(zfd, &io);
	if (ret)
		return ret;
	if (io.result < 0 || (uint64_t)io.result > len)
		return -EPROTO;
	return io.result;
}

/* What an errno of a transfer with request options means. */
const char *ops_hint(const struct opts *o, int err)
{
	err = err < 0 ? -err : err;
	if (err == EPERM && (o->ioprio >> OPS_PRIO_CLASS_SHIFT) == 1)
		return " (the real-time I/O class needs CAP_SYS_ADMIN or CAP_SYS_NICE)";
	if (err == EINVAL && (o->io_flags || o->ioprio || o->bio_size))
		return " (does the module take these request options? see zcio info)";
	return "";
}

/* ------------------------------------------------------------------ */
/* Non-data operations                                                 */

static const char *nondata_what(unsigned int op)
{
	switch (op) {
	case ZCIO_OP_FLUSH:
		return "flush";
	case ZCIO_OP_DISCARD:
		return "discard";
	case ZCIO_OP_WRITE_ZEROES:
		return "write zeroes";
	default:
		return "secure erase";
	}
}

/* The message of a failed non-data operation, without "zcio: ". */
static void nondata_msg(char *msg, size_t size, unsigned int op,
			const char *dev, const struct zcio_devinfo *di,
			uint64_t off, uint64_t len, uint32_t flags, int err)
{
	const char *what = nondata_what(op);
	uint64_t gran;

	switch (err) {
	case EOPNOTSUPP:
		if (op == ZCIO_OP_WRITE_ZEROES && (flags & ZCIO_IO_NOUNMAP))
			snprintf(msg, size, "%s: %s does not support write zeroes without unmapping (try without --no-unmap)",
				 what, dev);
		else
			snprintf(msg, size, "%s: %s does not support %s%s", what, dev, what,
				 op == ZCIO_OP_WRITE_ZEROES ?
				 " (zcio never writes pages of zeroes instead)" : "");
		return;
	case EPERM:
		snprintf(msg, size, "%s: %s is read-only", what, dev);
		return;
	case ETXTBSY:
		snprintf(msg, size, "%s: %s is an active swap device", what, dev);
		return;
	case EINVAL:
		if (op == ZCIO_OP_FLUSH)
			break;
		if (off > di->size || len > di->size - off) {
			snprintf(msg, size, "%s: range %" PRIu64 "+%" PRIu64 " is not inside %s (%" PRIu64 " bytes)",
				 what, off, len, dev, (uint64_t)di->size);
			return;
		}
		gran = queue_attr(di, "discard_granularity");
		if (op == ZCIO_OP_DISCARD && gran && (off | len) % gran) {
			snprintf(msg, size, "%s: offset %" PRIu64 " and length %" PRIu64 " must be multiples of the discard granularity (%" PRIu64 ") of %s",
				 what, off, len, gran, dev);
			return;
		}
		break;
	}
	snprintf(msg, size, "%s %s at offset %" PRIu64 ": %s", what, dev, off,
		 zcio_strerror(err));
}

static int cmd_nondata(struct opts *o, unsigned int op)
{
	bool ranged = op != ZCIO_OP_FLUSH;
	struct zcio_version ver;
	struct zcio_devinfo di;
	struct zcio_io io = { .op = op };
	uint64_t off = 0, len = 0;
	char msg[512];
	int zfd, fd, ret, err = 0;
	bool first = true;

	ret = check_nargs(o, ranged ? 3 : 1, ranged ? 3 : 1);
	if (!ret && ranged)
		ret = parse_size_arg(o->cmd, "offset", o->args[1], &off);
	if (!ret && ranged)
		ret = parse_size_arg(o->cmd, "length", o->args[2], &len);
	if (!ret && ranged && !len)
		ret = usage_err(o->cmd, "length must not be 0");
	if (ret)
		return ret;
	ret = zcio_setup(&zfd, &ver, ZCIO_FEAT_DEVINFO | ZCIO_FEAT_NONDATA);
	if (ret)
		return ret;
	ret = open_bdev(o->args[0], O_WRONLY, &fd);
	if (ret)
		goto out_zfd;
	ret = get_devinfo(zfd, o->args[0], fd, &di);
	if (!ret && ranged)
		ret = check_lbs_multiple(o, o->args[0], &di, "offset", off);
	if (!ret && ranged)
		ret = check_lbs_multiple(o, o->args[0], &di, "length", len);
	if (ret)
		goto out_fd;

	io.fd = fd;
	io.offset = off;
	io.len = len;
	io.flags = o->io_flags & ZCIO_IO_NOUNMAP;
	err = -zcio_submit_io(zfd, &io);
	if (err) {
		nondata_msg(msg, sizeof(msg), op, o->args[0], &di, off, len,
			    io.flags, err);
		ret = EXIT_FAIL;
	}
	if (o->json && !o->quiet) {
		putchar('{');
		json_string(stdout, &first, "op", zcio_op_name(op));
		json_string(stdout, &first, "device", o->args[0]);
		json_u64(stdout, &first, "offset", off);
		json_u64(stdout, &first, "length", len);
		json_bool(stdout, &first, "ok", !err);
		if (err) {
			json_string(stdout, &first, "error", msg);
			json_u64(stdout, &first, "errno", err);
		}
		puts("}");
	} else if (err) {
		errmsg("%s", msg);
	} else if (!o->quiet && ranged) {
		fprintf(stderr, "%s: %" PRIu64 " bytes at offset %" PRIu64 " of %s\n",
			nondata_what(op), len, off, o->args[0]);
	} else if (!o->quiet) {
		fprintf(stderr, "flush: %s\n", o->args[0]);
	}
	ret = finish_stdout(ret);
out_fd:
	close(fd);
out_zfd:
	close(zfd);
	return ret;
}

int cmd_flush(struct opts *o)
{
	return cmd_nondata(o, ZCIO_OP_FLUSH);
}

int cmd_discard(struct opts *o)
{
	return cmd_nondata(o, ZCIO_OP_DISCARD);
}

int cmd_zeroes(struct opts *o)
{
	return cmd_nondata(o, ZCIO_OP_WRITE_ZEROES);
}

int cmd_secure_erase(struct opts *o)
{
	return cmd_nondata(o, ZCIO_OP_SECURE_ERASE);
}
