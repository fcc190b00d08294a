/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - what the files of the zcio CLI share: exit codes, struct opts,
 * and the helpers and commands each file provides.
 *
 *   zcio.c       main(), the command table, top-level help and --version
 *   opts.c       messages, option parsing, argument checks
 *   dev.c        opening and checking /dev/zcio and the block device
 *   json.c       JSON output helpers
 *   cmd_info.c   zcio info
 *   cmd_stats.c  zcio stats
 *   cmd_xfer.c   zcio read and zcio write
 */
#ifndef ZCIO_CLI_H
#define ZCIO_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/libzcio.h"

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

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
	char **args;		/* positional arguments */
	int nargs;
};

/* opts.c: messages */
void __attribute__((format(printf, 1, 2))) errmsg(const char *fmt, ...);
int __attribute__((format(printf, 2, 3)))
usage_err(const char *cmd, const char *fmt, ...);
int finish_stdout(int ret);

/* opts.c: command-line parsing */
int parse_size_arg(const char *cmd, const char *what, const char *s,
		   uint64_t *val);
int parse_opts(struct opts *o, int argc, char **argv, const char *shorts);
int check_nargs(const struct opts *o, int min, int max);

/* dev.c: control and block devices */
int open_zcio(int *zfd);
int get_version(int zfd, struct zcio_version *ver);
int check_version(const struct zcio_version *ver, uint64_t need);
int zcio_setup(int *zfd, struct zcio_version *ver, uint64_t need);
int open_bdev(const char *dev, int flags, int *fd);
int get_devinfo(int zfd, const char *dev, int fd, struct zcio_devinfo *di);

/* json.c */
void json_str(FILE *f, const char *s);
void json_key(FILE *f, bool *first, const char *key);
void json_u64(FILE *f, bool *first, const char *key, uint64_t v);
void json_bool(FILE *f, bool *first, const char *key, bool v);
void json_string(FILE *f, bool *first, const char *key, const char *v);

/* The commands: help text and entry point, in cmd_<name>.c */
extern const char *const info_help;	/* cmd_info.c */
extern const char *const stats_help;	/* cmd_stats.c */
extern const char *const read_help;	/* cmd_xfer.c */
extern const char *const write_help;	/* cmd_xfer.c */

int cmd_info(struct opts *o);
int cmd_stats(struct opts *o);
int cmd_read(struct opts *o);
int cmd_write(struct opts *o);

#endif /* ZCIO_CLI_H */
