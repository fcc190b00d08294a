/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - what the files of the zcio CLI share: exit codes, struct opts,
 * and the helpers and commands each file provides.
 *
 *   zcio.c       main(), the command table, top-level help and --version
 *   opts.c       messages, option parsing, argument checks
 *   dev.c        opening and checking /dev/zcio and the block device;
 *                reading input (read_full)
 *   json.c       JSON output helpers
 *   progress.c   the progress line on a terminal (read, write, verify)
 *   cmd_info.c   zcio info
 *   cmd_stats.c  zcio stats
 *   cmd_xfer.c   zcio read and zcio write
 *   cmd_verify.c zcio verify
 *   cmd_bench.c  zcio bench
 *   cmd_ops.c    zcio flush, discard, zeroes, secure-erase; the request
 *                options of read and write (--fua ... --bio-size)
 *   cmd_zone.c   zcio append, zcio zone
 *   cmd_trace.c  zcio trace (the report: trace_parse.c, trace_group.c,
 *                trace_report.c; trace.h, trace_report.h)
 *
 * Adding a command: write cmd_<name>.c with its help text and entry
 * point, declare both at the end of this file, add a line to the
 * command table in zcio.c and to the top-level help there, add the
 * object to CLI_OBJS in the Makefile, and the command and its options
 * to completion/zcio.  An option no command had before goes in
 * parse_opts() (opts.c): a field in struct opts, a case in the switch
 * and, for a long option, an OPT_* bit and a line in long_opts[].
 */
#ifndef ZCIO_CLI_H
#define ZCIO_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "lib/libzcio.h"

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

/* bytes per ioctl without -b (read, write, verify) */
#define DEFAULT_CHUNK	(1U << 20)

/*
 * Long options, as bits of struct command's @longs: which ones a command
 * takes (--help always).  opts.c maps each to its getopt_long() entry.
 */
#define OPT_JSON	(1U << 0)	/* --json */
#define OPT_SEED	(1U << 1)	/* --seed N */
#define OPT_FORCE	(1U << 2)	/* --force (-f) */
#define OPT_WRITE_ONLY	(1U << 3)	/* --write-only */
#define OPT_READ_ONLY	(1U << 4)	/* --read-only, --check */
#define OPT_REQ		(1U << 16)	/* --fua ... --ioprio, --bio-size (cmd_ops.c) */
#define OPT_NO_UNMAP	(1U << 17)	/* --no-unmap (cmd_ops.c) */
#define OPT_FUA		(1U << 18)	/* --fua alone (append) */

/* getopt_long() values of the options parse_ops_opt() takes */
enum {
	LONG_FUA = 0x200, LONG_PREFLUSH, LONG_NOMERGE, LONG_META, LONG_SYNC,
	LONG_IDLE, LONG_EXACT, LONG_NOPLUG, LONG_IOPRIO, LONG_BIO_SIZE,
	LONG_NO_UNMAP, LONG_OPS_END
};
#define OPT_BTT		(1U << 5)	/* --btt */

/* The parsed command line of one command. */
struct opts {
	const char *cmd;
	const char *help;
	const char *file;	/* -o or -i, NULL for stdout/stdin */
	uint64_t chunk;		/* -b, 0 if not given */
	uint64_t length;	/* -l */
	bool length_set;
	bool quiet;
	bool json;
	uint64_t seed;		/* --seed */
	bool seed_set;
	bool force;		/* -f, --force */
	bool write_only;	/* --write-only */
	bool read_only;		/* --read-only, --check */
	bool btt;		/* --btt */
	double seconds;		/* -t, 0 if not given */
	uint32_t io_flags;	/* ZCIO_IO_* of --fua ... --no-unmap */
	uint16_t ioprio;	/* --ioprio, 0 if not given */
	uint32_t bio_size;	/* --bio-size, 0 if not given */
	char **args;		/* positional arguments */
	int nargs;
};

/*
 * One command of the table in zcio.c: @shorts are its getopt() short
 * options ("h" included), @longs its OPT_* long options.
 */
struct command {
	const char *name;
	const char *shorts;
	unsigned int longs;
	const char *const *help;
	int (*fn)(struct opts *o);
};

/* opts.c: messages */
void __attribute__((format(printf, 1, 2))) errmsg(const char *fmt, ...);
int __attribute__((format(printf, 2, 3)))
usage_err(const char *cmd, const char *fmt, ...);
int finish_stdout(int ret);

/* opts.c: command-line parsing */
int parse_size_arg(const char *cmd, const char *what, const char *s,
		   uint64_t *val);
int parse_opts(struct opts *o, int argc, char **argv, const struct command *c);
int check_nargs(const struct opts *o, int min, int max);
double elapsed_since(const struct timespec *t0);

/* dev.c: control and block devices */
int open_zcio(int *zfd);
int get_version(int zfd, struct zcio_version *ver);
int check_version(const struct zcio_version *ver, uint64_t need);
int zcio_setup(int *zfd, struct zcio_version *ver, uint64_t need);
int open_bdev(const char *dev, int flags, int *fd);
int get_devinfo(int zfd, const char *dev, int fd, struct zcio_devinfo *di);
uint64_t queue_attr(const struct zcio_devinfo *di, const char *name);
int check_lbs_multiple(const struct opts *o, const char *dev,
		       const struct zcio_devinfo *di, const char *what,
		       uint64_t v);
int pick_chunk(const struct opts *o, const char *dev,
	       const struct zcio_devinfo *di, const struct zcio_version *ver,
	       uint64_t *chunk);
int wait_fd(int fd, short events);
ssize_t read_full(int fd, char *buf, size_t len);

/* json.c */
void json_str(FILE *f, const char *s);
void json_key(FILE *f, bool *first, const char *key);
void json_u64(FILE *f, bool *first, const char *key, uint64_t v);
void json_bool(FILE *f, bool *first, const char *key, bool v);
void json_string(FILE *f, bool *first, const char *key, const char *v);

/*
 * progress.c: "read: 104857600 / 1073741824 bytes (9%), 98.3 MB/s, ETA 0:09"
 * on stderr, rewritten in place a few times a second, only when stderr is
 * a terminal and -q was not given.  progress_clear() erases it before
 * anything else is printed.
 */
struct progress {
	bool on;
	const char *what;	/* "read", "write", ... */
	uint64_t total;		/* 0: unknown */
	struct timespec t0;
	double next;		/* seconds after t0 of the next update */
	int len;		/* characters of the line now on screen */
	int cols;		/* terminal width, 0 if unknown */
};

void progress_start(struct progress *p, const struct opts *o,
		    const char *what, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
void progress_clear(struct progress *p);

/* The commands: help text and entry point, in cmd_<name>.c */
extern const char *const info_help;	/* cmd_info.c */
extern const char *const stats_help;	/* cmd_stats.c */
extern const char *const read_help;	/* cmd_xfer.c */
extern const char *const write_help;	/* cmd_xfer.c */
extern const char *const verify_help;	/* cmd_verify.c */
extern const char *const bench_help;	/* cmd_bench.c */
extern const char *const trace_help;	/* cmd_trace.c */

int cmd_info(struct opts *o);
int cmd_stats(struct opts *o);
int cmd_read(struct opts *o);
int cmd_write(struct opts *o);
int cmd_verify(struct opts *o);
int cmd_bench(struct opts *o);

/* cmd_ops.c */
extern const char *const flush_help;
extern const char *const discard_help;
extern const char *const zeroes_help;
extern const char *const secure_erase_help;
int cmd_flush(struct opts *o);
int cmd_discard(struct opts *o);
int cmd_zeroes(struct opts *o);
int cmd_secure_erase(struct opts *o);
int parse_ops_opt(struct opts *o, int c, const char *arg);
int check_ops_opts(const struct opts *o, unsigned int op, const char *dev,
		   const struct zcio_devinfo *di);
int64_t ops_pio(int zfd, const struct opts *o, unsigned int op, int fd,
		void *buf, uint64_t len, uint64_t offset);
const char *ops_hint(const struct opts *o, int err);
int cmd_trace(struct opts *o);

/* cmd_zone.c */
extern const char *const append_help;
extern const char *const zone_help;
int cmd_append(struct opts *o);
int cmd_zone(struct opts *o);

#endif /* ZCIO_CLI_H */
