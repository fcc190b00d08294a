// SPDX-License-Identifier: GPL-2.0
/*
 * zcio read and zcio write: the data transfers between a block device
 * and a file or stdin/stdout, one ZCIO_IOC_IO per chunk, a progress
 * line while they run (progress.c: a terminal only) and their text or
 * JSON summary.  Both commands go through cmd_xfer().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const char *const read_help =
"Usage: zcio read DEV OFFSET LENGTH [-o FILE] [-b SIZE] [-q] [--json]\n"
"\n"
"Copy LENGTH bytes at byte OFFSET of block device DEV (opened read-only)\n"
"to FILE (created or truncated) or to standard output.  OFFSET and LENGTH\n"
"must be multiples of the device's logical block size.\n"
"A range that crosses the end of the device copies what exists, notes\n"
"\"end of device at offset N\" on stderr and exits 0, like dd.\n"
"\n"
"  -o FILE   output file ('-' is standard output, the default)\n"
"  -b SIZE   bytes per ioctl (default 1M)\n"
"  -q        no summary, no end-of-device note, no progress line\n"
"  --json    summary as one JSON line on stderr (with any I/O error)\n"
"  -h        this help\n"
"  --nomerge --meta --sync --idle --noplug  request flags (docs/ops.md)\n"
"  --ioprio CLASS:LEVEL --bio-size SIZE  I/O priority (rt|be:0-7, idle), bio cap\n"
"\n"
"The summary goes to stderr: N bytes (X MB, Y MiB) copied, S s, R MB/s.\n"
"When stderr is a terminal, a progress line shows there during the copy\n"
"(bytes, percent, rate, time left) and is erased at the end.\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

const char *const write_help =
"Usage: zcio write DEV OFFSET [-i FILE] [-l LENGTH] [-b SIZE] [-q] [--json]\n"
"\n"
"Copy FILE or standard input to block device DEV (opened write-only)\n"
"starting at byte OFFSET; with -l, exactly LENGTH bytes, otherwise\n"
"everything up to end of input.  OFFSET and the input length must be\n"
"multiples of the device's logical block size.  When the length is known\n"
"up front (-l, or a regular file) a bad length fails before anything is\n"
"written; from a pipe, the full blocks are written and the partial last\n"
"block is an error.  Input shorter than -l is an error.  Writing past\n"
"the end of the device writes what fits, then fails with \"No space\n"
"left on device\", like dd.\n"
"\n"
"  -i FILE   input file ('-' is standard input, the default)\n"
"  -l LENGTH bytes to write\n"
"  -b SIZE   bytes per ioctl (default 1M)\n"
"  -q        no summary and no progress line\n"
"  --json    summary as one JSON line on stdout (with any I/O error)\n"
"  -h        this help\n"
"  --fua --preflush --exact --nomerge --meta --sync --idle --noplug  flags\n"
"  --ioprio CLASS:LEVEL --bio-size SIZE  I/O priority (rt|be:0-7, idle), bio cap\n"
"\n"
"The summary goes to stderr, as for read, and so does a progress line\n"
"while the copy runs, if stderr is a terminal.\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

/* ------------------------------------------------------------------ */
/* Data transfers                                                      */

enum err_src { SRC_NONE, SRC_DEVICE, SRC_INPUT, SRC_OUTPUT };

struct xfer {
	struct opts *o;
	unsigned int op;
	const char *dev;
	const char *path;	/* the file or "standard input/output" */
	int zfd, dfd, fd;	/* /dev/zcio, block device, file or stdio */
	struct zcio_version ver;
	struct zcio_devinfo di;
	void *buf;
	uint64_t chunk, offset, length;
	bool length_known;
	uint64_t done;		/* bytes moved all the way */
	uint64_t ioctls;
	bool eod;		/* read hit the end of the device */
	enum err_src src;
	int err;		/* errno of the failure, 0 if none or n/a */
	uint64_t err_offset;	/* device offset of a device failure */
	char msg[512];		/* the failure, without "zcio: " */
	struct timespec t0, t1;
	struct progress prog;	/* on a terminal only */
};

static void __attribute__((format(printf, 4, 5)))
xfer_fail(struct xfer *x, enum err_src src, int err, const char *fmt, ...)
{
	va_list ap;

	x->src = src;
	x->err = err < 0 ? -err : err;
	va_start(ap, fmt);
	vsnprintf(x->msg, sizeof(x->msg), fmt, ap);
	va_end(ap);
}

static void dev_fail(struct xfer *x, int err, uint64_t off)
{
	x->err_offset = off;
	xfer_fail(x, SRC_DEVICE, err, "%s %s at offset %" PRIu64 ": %s%s",
		  zcio_op_name(x->op), x->dev, off, zcio_strerror(err),
		  ops_hint(x->o, err));
}

/*
 * Write all of @len bytes to @fd; handles short writes and non-blocking
 * fds.  Returns 0 or -errno; *@done counts the bytes written either way.
 */
static int write_all(int fd, const char *buf, size_t len, uint64_t *done)
{
	ssize_t n;
	int ret;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			ret = wait_fd(fd, POLLOUT);
			if (ret)
				return ret;
			continue;
		}
		if (!n)
			return -EIO;
		buf += n;
		len -= n;
		*done += n;
	}
	return 0;
}

static int check_multiple(struct xfer *x, const char *what, uint64_t v)
{
	return check_lbs_multiple(x->o, x->dev, &x->di, what, v);
}

static int xfer_check_args(struct xfer *x)
{
	int ret;

	ret = check_multiple(x, "offset", x->offset);
	if (!ret)
		ret = check_ops_opts(x->o, x->op, x->dev, &x->di);
	if (!ret && x->o->length_set)
		ret = check_multiple(x, "length", x->length);
	if (!ret)
		ret = pick_chunk(x->o, x->dev, &x->di, &x->ver, &x->chunk);
	/* INT64_MAX - offset below must not wrap */
	if (!ret && x->offset > INT64_MAX)
		ret = usage_err(x->o->cmd, "offset %" PRIu64 " is too large", x->offset);
	if (!ret && x->length_known && x->length > INT64_MAX - x->offset)
		ret = usage_err(x->o->cmd, "offset + length is too large");
	return ret;
}

static int xfer_alloc(struct xfer *x)
{
	int ret = zcio_buf_alloc(&x->buf, x->chunk, zcio_buf_align(&x->di));

	if (ret) {
		errmsg("cannot allocate a %" PRIu64 "-byte buffer: %s", x->chunk,
		       zcio_strerror(ret));
		return EXIT_FAIL;
	}
	return 0;
}

static double elapsed(const struct xfer *x)
{
	return (x->t1.tv_sec - x->t0.tv_sec) +
	       (x->t1.tv_nsec - x->t0.tv_nsec) / 1e9;
}

static void summary_text(const struct xfer *x, double s)
{
	fprintf(stderr, "%" PRIu64 " bytes (%.3f MB, %.3f MiB) copied, %.6f s, %.1f MB/s\n",
		x->done, x->done / 1e6, x->done / 1048576.0, s,
		s > 0 ? x->done / 1e6 / s : 0.0);
}

static void summary_json(const struct xfer *x, double s, FILE *f)
{
	static const char *const srcs[] = { "", "device", "input", "output" };
	bool first = true;

	fputc('{', f);
	json_string(f, &first, "op", zcio_op_name(x->op));
	json_string(f, &first, "device", x->dev);
	json_u64(f, &first, "offset", x->offset);
	json_key(f, &first, "length");
	if (x->length_known)
		fprintf(f, "%" PRIu64, x->length);
	else
		fputs("null", f);
	json_u64(f, &first, "bytes", x->done);
	json_key(f, &first, "seconds");
	fprintf(f, "%.6f", s);
	json_key(f, &first, "mb_per_s");
	fprintf(f, "%.3f", s > 0 ? x->done / 1e6 / s : 0.0);
	json_u64(f, &first, "chunk", x->chunk);
	json_u64(f, &first, "ioctls", x->ioctls);
	json_bool(f, &first, "end_of_device", x->eod);
	if (x->eod)
		json_u64(f, &first, "end_offset", x->offset + x->done);
	json_bool(f, &first, "ok", x->src == SRC_NONE);
	if (x->src != SRC_NONE) {
		json_string(f, &first, "error", x->msg);
		json_string(f, &first, "error_source", srcs[x->src]);
		if (x->err)
			json_u64(f, &first, "errno", x->err);
		if (x->src == SRC_DEVICE)
			json_u64(f, &first, "error_offset", x->err_offset);
	}
	fputs("}\n", f);
	fflush(f);
}

/* Report the outcome; returns the exit status. */
static int xfer_report(struct xfer *x)
{
	double s = elapsed(x);

	if (x->o->json && !x->o->quiet) {
		/* the failure is in the JSON line, not printed again */
		summary_json(x, s, x->op == ZCIO_OP_READ ? stderr : stdout);
		goto out;
	}
	if (x->src != SRC_NONE)
		errmsg("%s", x->msg);
	if (x->o->quiet)
		goto out;
	if (x->eod)
		errmsg("end of device at offset %" PRIu64, x->offset + x->done);
	summary_text(x, s);
out:
	return x->src == SRC_NONE ? EXIT_OK : EXIT_FAIL;
}

static void read_loop(struct xfer *x)
{
	uint64_t n, off;
	int64_t r;
	int ret;

	while (x->done < x->length) {
		n = x->length - x->done;
		if (n > x->chunk)
			n = x->chunk;
		off = x->offset + x->done;
		r = ops_pio(x->zfd, x->o, ZCIO_OP_READ, x->dfd, x->buf, n, off);
		x->ioctls++;
		if (r < 0) {
			dev_fail(x, r, off);
			return;
		}
		ret = write_all(x->fd, x->buf, r, &x->done);
		if (ret) {
			xfer_fail(x, SRC_OUTPUT, ret, "write to %s: %s",
				  x->path, zcio_strerror(ret));
			return;
		}
		if ((uint64_t)r < n) {
			x->eod = true;
			return;
		}
		progress_update(&x->prog, x->done);
	}
}

/* One chunk of input -> device.  Returns true to go on. */
static bool write_chunk(struct xfer *x)
{
	uint64_t lbs = x->di.logical_block_size;
	uint64_t want, full, before = x->done, off = x->offset + x->done;
	ssize_t got;
	int64_t r;

	want = x->chunk;
	if (x->length_known && want > x->length - x->done)
		want = x->length - x->done;
	got = read_full(x->fd, x->buf, want);
	if (got < 0) {
		xfer_fail(x, SRC_INPUT, got, "read from %s: %s", x->path,
			  zcio_strerror(got));
		return false;
	}
	full = got - got % lbs;
	if (full) {
		r = ops_pio(x->zfd, x->o, ZCIO_OP_WRITE, x->dfd, x->buf, full, off);
		x->ioctls++;
		if (r < 0) {
			dev_fail(x, r, off);
			return false;
		}
		x->done += r;
		if ((uint64_t)r < full) {
			dev_fail(x, ENOSPC, off + r);
			return false;
		}
	}
	if (full < (uint64_t)got) {
		xfer_fail(x, SRC_INPUT, 0,
			  "input length %" PRIu64 " is not a multiple of the logical block size (%" PRIu64 "); the last %" PRIu64 " bytes were not written",
			  before + got, lbs, got - full);
		return false;
	}
	if ((uint64_t)got < want) {
		if (x->length_known)
			xfer_fail(x, SRC_INPUT, 0,
				  "%s ended after %" PRIu64 " bytes; expected %" PRIu64,
				  x->path, x->done, x->length);
		return false;
	}
	return !x->length_known || x->done < x->length;
}

static void write_loop(struct xfer *x)
{
	if (x->length_known && !x->length)
		return;
	while (write_chunk(x))
		progress_update(&x->prog, x->done);
}

/* The bytes the transfer will move, as far as is known now; 0 if not. */
static uint64_t xfer_total(const struct xfer *x)
{
	if (!x->length_known)
		return 0;
	if (x->op == ZCIO_OP_READ && x->offset + x->length > x->di.size)
		return x->offset < x->di.size ? x->di.size - x->offset : 0;
	return x->length;
}

/*
 * For write: find out how much input there is when that is knowable
 * (a regular file) and check it before anything is written.
 */
static int write_input_length(struct xfer *x)
{
	struct stat st;
	off_t pos;
	uint64_t avail;

	x->length = x->o->length;
	x->length_known = x->o->length_set;
	if (fstat(x->fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	pos = lseek(x->fd, 0, SEEK_CUR);
	if (pos < 0)
		return 0;
	avail = st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
	if (x->length_known) {
		if (avail < x->length) {
			errmsg("%s has %" PRIu64 " bytes; -l asks for %" PRIu64 "; nothing written",
			       x->path, avail, x->length);
			return EXIT_FAIL;
		}
		return 0;
	}
	if (avail % x->di.logical_block_size) {
		errmsg("input length %" PRIu64 " of %s is not a multiple of the logical block size (%u) of %s; nothing written",
		       avail, x->path, x->di.logical_block_size, x->dev);
		return EXIT_FAIL;
	}
	x->length = avail;
	x->length_known = true;
	return 0;
}

static int open_io_file(struct xfer *x)
{
	bool rd = x->op == ZCIO_OP_READ;

	if (!x->o->file) {
		x->fd = rd ? STDOUT_FILENO : STDIN_FILENO;
		x->path = rd ? "standard output" : "standard input";
		return 0;
	}
	x->path = x->o->file;
	if (rd)
		x->fd = open(x->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	else
		x->fd = open(x->path, O_RDONLY | O_CLOEXEC);
	if (x->fd < 0) {
		errmsg("cannot open %s: %s", x->path, strerror(errno));
		return EXIT_FAIL;
	}
	return 0;
}

static int cmd_xfer(struct opts *o, unsigned int op)
{
	struct xfer x = { .o = o, .op = op, .fd = -1 };
	bool rd = op == ZCIO_OP_READ;
	int ret;

	ret = check_nargs(o, rd ? 3 : 2, rd ? 3 : 2);
	if (ret)
		return ret;
	x.dev = o->args[0];
	ret = parse_size_arg(o->cmd, "offset", o->args[1], &x.offset);
	if (!ret && rd) {
		ret = parse_size_arg(o->cmd, "length", o->args[2], &o->length);
		o->length_set = true;
		x.length = o->length;
		x.length_known = true;
	} else if (!ret) {
		x.length = o->length;
		x.length_known = o->length_set;
	}
	if (ret)
		return ret;

	ret = zcio_setup(&x.zfd, &x.ver, ZCIO_FEAT_XFER);
	if (ret)
		return ret;
	ret = open_bdev(x.dev, rd ? O_RDONLY : O_WRONLY, &x.dfd);
	if (ret)
		goto out_zfd;
	ret = get_devinfo(x.zfd, x.dev, x.dfd, &x.di);
	if (!ret)
		ret = xfer_check_args(&x);
	if (!ret)
		ret = xfer_alloc(&x);
	if (ret)
		goto out_dfd;
	ret = open_io_file(&x);
	if (!ret && !rd)
		ret = write_input_length(&x);
	if (ret)
		goto out_buf;

	progress_start(&x.prog, o, o->cmd, xfer_total(&x));
	clock_gettime(CLOCK_MONOTONIC, &x.t0);
	if (rd)
		read_loop(&x);
	else
		write_loop(&x);
	progress_clear(&x.prog);
	if (x.o->file) {
		if (close(x.fd) && rd && x.src == SRC_NONE)
			xfer_fail(&x, SRC_OUTPUT, errno, "write to %s: %s",
				  x.path, strerror(errno));
		x.fd = -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &x.t1);
	ret = xfer_report(&x);
	if (!rd)
		ret = finish_stdout(ret);
out_buf:
	if (x.fd >= 0 && x.o->file)
		close(x.fd);
	zcio_buf_free(x.buf);
out_dfd:
	close(x.dfd);
out_zfd:
	close(x.zfd);
	return ret;
}

int cmd_read(struct opts *o)
{
	return cmd_xfer(o, ZCIO_OP_READ);
}

int cmd_write(struct opts *o)
{
	return cmd_xfer(o, ZCIO_OP_WRITE);
}
