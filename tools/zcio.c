// SPDX-License-Identifier: GPL-2.0
/*
 * zcio - command-line front end for /dev/zcio.
 *
 *   zcio info [DEV]            device limits, module version and features
 *   zcio read DEV OFF LEN      device -> file or stdout
 *   zcio write DEV OFF         file or stdin -> device
 *   zcio stats                 module counters
 *
 * Exit status: 0 success, 1 I/O or kernel error, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/libzcio.h"

#define ZCIO_TOOL_VERSION	"0.1.0"
#define DEFAULT_CHUNK		(1U << 20)

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define OPT_JSON	0x100

/* ------------------------------------------------------------------ */
/* Messages                                                            */

static void __attribute__((format(printf, 1, 2))) errmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("zcio: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Print a usage error and a one-line hint; returns EXIT_USAGE. */
static int __attribute__((format(printf, 2, 3)))
usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "zcio%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'zcio %s%s--help' for more information.\n",
		cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

static const char *const top_help =
"Usage: zcio COMMAND [ARGS] [OPTIONS]\n"
"       zcio -h|--help | --version | help [COMMAND]\n"
"\n"
"Zero-copy block I/O through /dev/zcio ($ZCIO_DEVICE overrides the path).\n"
"\n"
"Commands:\n"
"  info [DEV]                       device limits, module version, features\n"
"  read DEV OFFSET LENGTH [-o FILE] device -> FILE (default stdout)\n"
"  write DEV OFFSET [-i FILE] [-l LENGTH]\n"
"                                   FILE (default stdin) -> device\n"
"  stats                            module counters\n"
"\n"
"Options (after the command):\n"
"  -b SIZE   bytes per ioctl, read/write only (default 1M, a multiple of\n"
"            the logical block size, at most the module's max_io_bytes)\n"
"  -q        no transfer summary (read/write)\n"
"  --json    JSON output; read/write print the summary as one JSON line\n"
"  -h        help for the command\n"
"\n"
"SIZE, OFFSET and LENGTH are decimal with an optional k, M, G or T suffix\n"
"(powers of 1024), e.g. 4k, 1M.\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

static const char *const info_help =
"Usage: zcio info [DEV] [--json]\n"
"\n"
"Show the limits of block device DEV (opened read-only) as zcio sees them:\n"
"size, logical/physical block size, DMA alignment, max I/O sizes, max\n"
"segments, read-only flag, fd open mode, major:minor; then the module\n"
"version, ABI and features.  Without DEV, only the module part.\n"
"\n"
"  --json    one JSON object on stdout\n"
"  -h        this help\n";

static const char *const read_help =
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
"  -q        no summary and no end-of-device note\n"
"  --json    summary as one JSON line on stderr (with any I/O error)\n"
"  -h        this help\n"
"\n"
"The summary goes to stderr: N bytes (X MB, Y MiB) copied, S s, R MB/s.\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

static const char *const write_help =
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
"  -q        no summary\n"
"  --json    summary as one JSON line on stdout (with any I/O error)\n"
"  -h        this help\n"
"Exit status: 0 success, 1 I/O or kernel error, 2 usage error.\n";

static const char *const stats_help =
"Usage: zcio stats [--json]\n"
"\n"
"Show the module-wide counters of struct zcio_stats (since module load).\n"
"\n"
"  --json    one JSON object on stdout\n"
"  -h        this help\n";

/* ------------------------------------------------------------------ */
/* JSON output                                                         */

static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Emit `"key":` preceded by a comma unless it is the first member. */
static void json_key(FILE *f, bool *first, const char *key)
{
	if (!*first)
		fputc(',', f);
	*first = false;
	json_str(f, key);
	fputc(':', f);
}

static void json_u64(FILE *f, bool *first, const char *key, uint64_t v)
{
	json_key(f, first, key);
	fprintf(f, "%" PRIu64, v);
}

static void json_bool(FILE *f, bool *first, const char *key, bool v)
{
	json_key(f, first, key);
	fputs(v ? "true" : "false", f);
}

static void json_string(FILE *f, bool *first, const char *key, const char *v)
{
	json_key(f, first, key);
	json_str(f, v);
}

/* ------------------------------------------------------------------ */
/* Command-line parsing                                                */

struct opts {
	const char *cmd;
	const char *help;
	const char *file;	/* -o or -i, NULL for stdout/stdin */
	uint64_t chunk;		/* -b, 0 if not given */
	uint64_t length;	/* -l */
	bool length_set;
	bool quiet;
	bool json;
	char **args;		/* positional arguments */
	int nargs;
};

static int parse_size_arg(const char *cmd, const char *what, const char *s,
			  uint64_t *val)
{
	int ret = zcio_parse_size(s, val);

	if (ret == -ERANGE)
		return usage_err(cmd, "%s '%s' is too large", what, s);
	if (ret)
		return usage_err(cmd, "invalid %s '%s' (want digits with an optional k/M/G/T suffix)",
				 what, s);
	return 0;
}

/* getopt_long() has printed what is wrong as "zcio CMD: ..."; add a hint. */
static int bad_option(const char *cmd)
{
	fprintf(stderr, "Try 'zcio %s --help' for more information.\n", cmd);
	return EXIT_USAGE;
}

/*
 * Parse the options of @o->cmd; @shorts lists the short options this
 * command accepts.  Returns 0, or EXIT_USAGE after printing why, or -1
 * when help was printed.
 */
static int parse_opts(struct opts *o, int argc, char **argv, const char *shorts)
{
	static const struct option longs[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	static char name[32];
	int c, ret;

	/* getopt_long() prefixes its messages with argv[0]. */
	snprintf(name, sizeof(name), "zcio %s", o->cmd);
	argv[0] = name;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(o->help, stdout);
			return -1;
		case OPT_JSON:
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'o':
		case 'i':
			o->file = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'b':
			ret = parse_size_arg(o->cmd, "chunk size", optarg, &o->chunk);
			if (ret)
				return ret;
			if (!o->chunk)
				return usage_err(o->cmd, "chunk size must not be 0");
			break;
		case 'l':
			ret = parse_size_arg(o->cmd, "length", optarg, &o->length);
			if (ret)
				return ret;
			o->length_set = true;
			break;
		default:
			return bad_option(o->cmd);
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

static int check_nargs(const struct opts *o, int min, int max)
{
	if (o->nargs < min)
		return usage_err(o->cmd, "missing argument%s", o->nargs ? "" : "s");
	if (o->nargs > max)
		return usage_err(o->cmd, "unexpected argument '%s'", o->args[max]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Control device                                                      */

static int open_zcio(int *zfd)
{
	int fd = zcio_open();
	const char *hint;

	if (fd < 0) {
		hint = zcio_open_hint(fd);
		fprintf(stderr, "zcio: cannot open %s: %s%s%s%s\n",
			zcio_device_path(), zcio_strerror(fd),
			hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
		return EXIT_FAIL;
	}
	*zfd = fd;
	return 0;
}

static int get_version(int zfd, struct zcio_version *ver)
{
	int ret = zcio_get_version(zfd, ver);

	if (ret) {
		errmsg("%s: version query failed: %s", zcio_device_path(),
		       zcio_strerror(ret));
		return EXIT_FAIL;
	}
	return 0;
}

static int check_version(const struct zcio_version *ver, uint64_t need)
{
	uint64_t missing = need & ~ver->features;

	if (ver->abi != ZCIO_ABI_VERSION) {
		errmsg("module ABI %u is not supported (this tool speaks ABI %u)",
		       ver->abi, ZCIO_ABI_VERSION);
		return EXIT_FAIL;
	}
	if (missing) {
		errmsg("module lacks feature %s",
		       zcio_feature_name(missing & -missing));
		return EXIT_FAIL;
	}
	return 0;
}

/* Open the control device and check it speaks our ABI with @need. */
static int zcio_setup(int *zfd, struct zcio_version *ver, uint64_t need)
{
	int ret;

	ret = open_zcio(zfd);
	if (ret)
		return ret;
	ret = get_version(*zfd, ver);
	if (!ret)
		ret = check_version(ver, need);
	if (ret)
		close(*zfd);
	return ret;
}

static int open_bdev(const char *dev, int flags, int *fd)
{
	*fd = open(dev, flags | O_CLOEXEC);
	if (*fd < 0) {
		errmsg("cannot open %s: %s", dev, strerror(errno));
		return EXIT_FAIL;
	}
	return 0;
}

static int get_devinfo(int zfd, const char *dev, int fd, struct zcio_devinfo *di)
{
	int ret = zcio_get_devinfo(zfd, fd, di);

	if (ret) {
		errmsg("cannot query %s: %s", dev, zcio_strerror(ret));
		return EXIT_FAIL;
	}
	if (!di->logical_block_size) {
		errmsg("%s: module reports a logical block size of 0", dev);
		return EXIT_FAIL;
	}
	return 0;
}

/* Flush stdout; a failure there (EPIPE, ENOSPC) is an I/O error. */
static int finish_stdout(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		errmsg("write error on standard output: %s", strerror(errno));
		return ret ? ret : EXIT_FAIL;
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* info and stats                                                      */

static void feature_list(FILE *f, uint64_t features, bool json)
{
	const char *name;
	char buf[16];
	int i, n = 0;

	for (i = 0; i < 64; i++) {
		if (!(features & (1ULL << i)))
			continue;
		name = zcio_feature_name(1ULL << i);
		if (!name) {
			snprintf(buf, sizeof(buf), "bit%d", i);
			name = buf;
		}
		if (n++)
			fputc(json ? ',' : ' ', f);
		if (json)
			json_str(f, name);
		else
			fputs(name, f);
	}
	if (!n && !json)
		fputs("none", f);
}

static const char *human(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = v;
	int i = -1;

	while (d >= 1024 && i < 5) {
		d /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRIu64 " B", v);
	else
		snprintf(buf, len, "%.1f %s", d, units[i]);
	return buf;
}

static const char *fd_mode(uint32_t flags)
{
	bool r = flags & ZCIO_DEV_FD_READ, w = flags & ZCIO_DEV_FD_WRITE;

	return r && w ? "read-write" : r ? "read" : w ? "write" : "none";
}

static void info_text(const char *dev, const struct zcio_devinfo *di,
		      const struct zcio_version *ver)
{
	char hbuf[32];

	if (di) {
		printf("device:               %s (%u:%u)\n", dev,
		       di->dev_major, di->dev_minor);
		printf("size:                 %" PRIu64 " bytes (%s)\n",
		       (uint64_t)di->size, human(di->size, hbuf, sizeof(hbuf)));
		printf("logical block size:   %u\n", di->logical_block_size);
		printf("physical block size:  %u\n", di->physical_block_size);
		printf("dma alignment:        %u\n", di->dma_alignment);
		printf("max sectors bytes:    %u\n", di->max_sectors_bytes);
		printf("max hw sectors bytes: %u\n", di->max_hw_sectors_bytes);
		printf("max segments:         %u\n", di->max_segments);
		printf("read-only:            %s\n",
		       di->dev_flags & ZCIO_DEV_RDONLY ? "yes" : "no");
		printf("rotational:           %s\n",
		       di->dev_flags & ZCIO_DEV_ROTATIONAL ? "yes" : "no");
		printf("fd mode:              %s\n", fd_mode(di->dev_flags));
	}
	printf("module version:       %u.%u.%u\n", ver->major, ver->minor, ver->patch);
	printf("abi:                  %u\n", ver->abi);
	printf("max io bytes:         %u\n", ver->max_io_bytes);
	printf("features:             ");
	feature_list(stdout, ver->features, false);
	putchar('\n');
}

static void info_json(const char *dev, const struct zcio_devinfo *di,
		      const struct zcio_version *ver)
{
	bool first = true;
	char vbuf[32];
	FILE *f = stdout;

	fputc('{', f);
	if (di) {
		json_string(f, &first, "device", dev);
		json_u64(f, &first, "dev_major", di->dev_major);
		json_u64(f, &first, "dev_minor", di->dev_minor);
		json_u64(f, &first, "size", di->size);
		json_u64(f, &first, "logical_block_size", di->logical_block_size);
		json_u64(f, &first, "physical_block_size", di->physical_block_size);
		json_u64(f, &first, "dma_alignment", di->dma_alignment);
		json_u64(f, &first, "max_sectors_bytes", di->max_sectors_bytes);
		json_u64(f, &first, "max_hw_sectors_bytes", di->max_hw_sectors_bytes);
		json_u64(f, &first, "max_segments", di->max_segments);
		json_u64(f, &first, "dev_flags", di->dev_flags);
		json_bool(f, &first, "read_only", di->dev_flags & ZCIO_DEV_RDONLY);
		json_bool(f, &first, "rotational", di->dev_flags & ZCIO_DEV_ROTATIONAL);
		json_bool(f, &first, "fd_read", di->dev_flags & ZCIO_DEV_FD_READ);
		json_bool(f, &first, "fd_write", di->dev_flags & ZCIO_DEV_FD_WRITE);
	}
	snprintf(vbuf, sizeof(vbuf), "%u.%u.%u", ver->major, ver->minor, ver->patch);
	json_string(f, &first, "module_version", vbuf);
	json_u64(f, &first, "abi", ver->abi);
	json_u64(f, &first, "max_io_bytes", ver->max_io_bytes);
	json_u64(f, &first, "feature_bits", ver->features);
	json_key(f, &first, "features");
	fputc('[', f);
	feature_list(f, ver->features, true);
	fputs("]}\n", f);
}

static int cmd_info(struct opts *o)
{
	struct zcio_version ver;
	struct zcio_devinfo di;
	const char *dev;
	int zfd, fd, ret;

	ret = check_nargs(o, 0, 1);
	if (ret)
		return ret;
	dev = o->nargs ? o->args[0] : NULL;

	ret = open_zcio(&zfd);
	if (ret)
		return ret;
	ret = get_version(zfd, &ver);
	if (ret)
		goto out_zfd;
	if (dev) {
		ret = check_version(&ver, ZCIO_FEAT_DEVINFO);
		if (ret)
			goto out_zfd;
		ret = open_bdev(dev, O_RDONLY, &fd);
		if (ret)
			goto out_zfd;
		ret = get_devinfo(zfd, dev, fd, &di);
		close(fd);
		if (ret)
			goto out_zfd;
	}
	if (o->json)
		info_json(dev, dev ? &di : NULL, &ver);
	else
		info_text(dev, dev ? &di : NULL, &ver);
	ret = finish_stdout(0);
out_zfd:
	close(zfd);
	return ret;
}

static int cmd_stats(struct opts *o)
{
	static const struct {
		const char *name;
		size_t off;
	} counters[] = {
#define C(x)	{ #x, offsetof(struct zcio_stats, x) }
		C(requests), C(reads), C(writes), C(bytes_read),
		C(bytes_written), C(bios), C(partial_maps), C(errors),
		C(pages_pinned), C(pins), C(unpins), C(killed),
#undef C
	};
	struct zcio_version ver;
	struct zcio_stats st;
	bool first = true;
	uint64_t v;
	unsigned int i;
	int zfd, ret;

	ret = check_nargs(o, 0, 0);
	if (ret)
		return ret;
	ret = zcio_setup(&zfd, &ver, ZCIO_FEAT_STATS);
	if (ret)
		return ret;
	ret = zcio_get_stats(zfd, &st);
	close(zfd);
	if (ret) {
		errmsg("%s: stats query failed: %s", zcio_device_path(),
		       zcio_strerror(ret));
		return EXIT_FAIL;
	}

	if (o->json)
		putchar('{');
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		memcpy(&v, (const char *)&st + counters[i].off, sizeof(v));
		if (o->json)
			json_u64(stdout, &first, counters[i].name, v);
		else
			printf("%-14s %" PRIu64 "\n", counters[i].name, v);
	}
	if (o->json)
		puts("}");
	return finish_stdout(0);
}

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
	xfer_fail(x, SRC_DEVICE, err, "%s %s at offset %" PRIu64 ": %s",
		  zcio_op_name(x->op), x->dev, off, zcio_strerror(err));
}

static int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
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

/* Read until @len bytes or end of input.  Returns bytes read or -errno. */
static ssize_t read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int ret;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			ret = wait_fd(fd, POLLIN);
			if (ret)
				return ret;
			continue;
		}
		if (!n)
			break;
		got += n;
	}
	return got;
}

static int check_multiple(struct xfer *x, const char *what, uint64_t v)
{
	if (v % x->di.logical_block_size)
		return usage_err(x->o->cmd,
				 "%s %" PRIu64 " is not a multiple of the logical block size (%u) of %s",
				 what, v, x->di.logical_block_size, x->dev);
	return 0;
}

/* Work out the chunk size from -b, the device and the module limits. */
static int pick_chunk(struct xfer *x)
{
	uint64_t lbs = x->di.logical_block_size;
	uint64_t max = x->ver.max_io_bytes ? x->ver.max_io_bytes : UINT64_MAX;
	int ret;

	if (x->o->chunk) {
		ret = check_multiple(x, "chunk size", x->o->chunk);
		if (ret)
			return ret;
		if (x->o->chunk > max)
			return usage_err(x->o->cmd,
					 "chunk size %" PRIu64 " exceeds the module's max_io_bytes (%" PRIu64 ")",
					 x->o->chunk, max);
		x->chunk = x->o->chunk;
		return 0;
	}
	x->chunk = DEFAULT_CHUNK < max ? DEFAULT_CHUNK : max;
	x->chunk -= x->chunk % lbs;
	if (!x->chunk) {
		errmsg("%s: logical block size %u exceeds the module's max_io_bytes (%u)",
		       x->dev, x->di.logical_block_size, x->ver.max_io_bytes);
		return EXIT_FAIL;
	}
	return 0;
}

static int xfer_check_args(struct xfer *x)
{
	int ret;

	ret = check_multiple(x, "offset", x->offset);
	if (!ret && x->o->length_set)
		ret = check_multiple(x, "length", x->length);
	if (!ret)
		ret = pick_chunk(x);
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
		r = zcio_pread(x->zfd, x->dfd, x->buf, n, off);
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
		r = zcio_pwrite(x->zfd, x->dfd, x->buf, full, off);
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
		;
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

	clock_gettime(CLOCK_MONOTONIC, &x.t0);
	if (rd)
		read_loop(&x);
	else
		write_loop(&x);
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

static int cmd_read(struct opts *o)
{
	return cmd_xfer(o, ZCIO_OP_READ);
}

static int cmd_write(struct opts *o)
{
	return cmd_xfer(o, ZCIO_OP_WRITE);
}

/* ------------------------------------------------------------------ */
/* main                                                                */

static const struct command {
	const char *name;
	const char *shorts;
	const char *const *help;
	int (*fn)(struct opts *o);
} commands[] = {
	{ "info",  "h",       &info_help,  cmd_info },
	{ "read",  "ho:b:q",  &read_help,  cmd_read },
	{ "write", "hi:l:b:q", &write_help, cmd_write },
	{ "stats", "h",       &stats_help, cmd_stats },
};

static const struct command *find_command(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc > 3)
		return usage_err(NULL, "help takes at most one command");
	if (argc < 3) {
		fputs(top_help, stdout);
		return finish_stdout(EXIT_OK);
	}
	c = find_command(argv[2]);
	if (!c)
		return usage_err(NULL, "unknown command '%s'", argv[2]);
	fputs(*c->help, stdout);
	return finish_stdout(EXIT_OK);
}

int main(int argc, char **argv)
{
	const struct command *c;
	struct opts o = { 0 };
	int ret;

	/* A closed pipe shows up as EPIPE and is reported, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2)
		return usage_err(NULL, "missing command");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(top_help, stdout);
		return finish_stdout(EXIT_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("zcio %s (UAPI ABI %u)\n", ZCIO_TOOL_VERSION, ZCIO_ABI_VERSION);
		return finish_stdout(EXIT_OK);
	}
	if (!strcmp(argv[1], "help"))
		return cmd_help(argc, argv);
	if (argv[1][0] == '-')
		return usage_err(NULL, "unknown option '%s' (options go after the command)",
				 argv[1]);
	c = find_command(argv[1]);
	if (!c)
		return usage_err(NULL, "unknown command '%s'", argv[1]);

	o.cmd = c->name;
	o.help = *c->help;
	ret = parse_opts(&o, argc - 1, argv + 1, c->shorts);
	if (ret)
		return ret < 0 ? finish_stdout(EXIT_OK) : ret;
	return c->fn(&o);
}
