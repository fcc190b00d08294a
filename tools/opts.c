// SPDX-License-Identifier: GPL-2.0
/*
 * zcio CLI: error and usage messages, option parsing (parse_opts() for
 * every command), argument checks, and flushing standard output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* getopt_long() values of the long options without a short form */
enum {
	LONG_JSON = 0x100,
	LONG_SEED,
	LONG_WRITE_ONLY,
	LONG_READ_ONLY,
	LONG_BTT,
};

#define MAX_SECONDS	86400.0

/* ------------------------------------------------------------------ */
/* Messages                                                            */

void errmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("zcio: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Print a usage error and a one-line hint; returns EXIT_USAGE. */
int usage_err(const char *cmd, const char *fmt, ...)
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

/* ------------------------------------------------------------------ */
/* Command-line parsing                                                */

int parse_size_arg(const char *cmd, const char *what, const char *s,
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

/* --seed: decimal, or hexadecimal with 0x; any 64-bit value. */
static int parse_seed(struct opts *o, const char *s)
{
	char *end;

	errno = 0;
	o->seed = strtoull(s, &end, 0);
	if (*s < '0' || *s > '9' || *end)
		return usage_err(o->cmd, "invalid seed '%s' (want a decimal or 0x-hexadecimal number)", s);
	if (errno == ERANGE)
		return usage_err(o->cmd, "seed '%s' is too large (at most 64 bits)", s);
	o->seed_set = true;
	return 0;
}

/* -t: seconds, decimal with an optional fraction, above 0. */
static int parse_seconds(struct opts *o, const char *s)
{
	char *end;

	errno = 0;
	o->seconds = strtod(s, &end);
	if (*s < '0' || *s > '9' || *end || errno || !isfinite(o->seconds) ||
	    o->seconds <= 0 || o->seconds > MAX_SECONDS)
		return usage_err(o->cmd, "invalid time '%s' (want seconds above 0, at most %.0f)",
				 s, MAX_SECONDS);
	return 0;
}

/* Every long option, with the OPT_* bit a command sets to accept it. */
static const struct {
	unsigned int bit;
	struct option opt;
} long_opts[] = {
	{ 0,		  { "help", no_argument, NULL, 'h' } },
	{ OPT_JSON,	  { "json", no_argument, NULL, LONG_JSON } },
	{ OPT_SEED,	  { "seed", required_argument, NULL, LONG_SEED } },
	{ OPT_FORCE,	  { "force", no_argument, NULL, 'f' } },
	{ OPT_WRITE_ONLY, { "write-only", no_argument, NULL, LONG_WRITE_ONLY } },
	{ OPT_READ_ONLY,  { "read-only", no_argument, NULL, LONG_READ_ONLY } },
	{ OPT_READ_ONLY,  { "check", no_argument, NULL, LONG_READ_ONLY } },
	{ OPT_BTT,	  { "btt", no_argument, NULL, LONG_BTT } },
	{ OPT_REQ | OPT_FUA, { "fua", no_argument, NULL, LONG_FUA } },
	{ OPT_REQ,	  { "preflush", no_argument, NULL, LONG_PREFLUSH } },
	{ OPT_REQ,	  { "nomerge", no_argument, NULL, LONG_NOMERGE } },
	{ OPT_REQ,	  { "meta", no_argument, NULL, LONG_META } },
	{ OPT_REQ,	  { "sync", no_argument, NULL, LONG_SYNC } },
	{ OPT_REQ,	  { "idle", no_argument, NULL, LONG_IDLE } },
	{ OPT_REQ,	  { "exact", no_argument, NULL, LONG_EXACT } },
	{ OPT_REQ,	  { "noplug", no_argument, NULL, LONG_NOPLUG } },
	{ OPT_REQ,	  { "ioprio", required_argument, NULL, LONG_IOPRIO } },
	{ OPT_REQ,	  { "bio-size", required_argument, NULL, LONG_BIO_SIZE } },
	{ OPT_NO_UNMAP,	  { "no-unmap", no_argument, NULL, LONG_NO_UNMAP } },
};

#define NR_LONG_OPTS	(sizeof(long_opts) / sizeof(long_opts[0]))

/* The getopt_long() table of the long options in @bits (--help always). */
static void pick_longs(struct option *longs, unsigned int bits)
{
	unsigned int i, n = 0;

	for (i = 0; i < NR_LONG_OPTS; i++)
		if (!long_opts[i].bit || (long_opts[i].bit & bits))
			longs[n++] = long_opts[i].opt;
	memset(&longs[n], 0, sizeof(longs[n]));
}

/* One option @c (with @arg); returns 0, EXIT_USAGE or -1 (help printed). */
static int parse_one(struct opts *o, int c, const char *arg)
{
	int ret;

	switch (c) {
	case 'h':
		fputs(o->help, stdout);
		return -1;
	case LONG_JSON:
		o->json = true;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case 'o':
	case 'i':
		o->file = strcmp(arg, "-") ? arg : NULL;
		return 0;
	case 'b':
		ret = parse_size_arg(o->cmd, "chunk size", arg, &o->chunk);
		if (!ret && !o->chunk)
			ret = usage_err(o->cmd, "chunk size must not be 0");
		return ret;
	case 'l':
		ret = parse_size_arg(o->cmd, "length", arg, &o->length);
		o->length_set = !ret;
		return ret;
	case 't':
		return parse_seconds(o, arg);
	case 'f':
		o->force = true;
		return 0;
	case LONG_SEED:
		return parse_seed(o, arg);
	case LONG_WRITE_ONLY:
		o->write_only = true;
		return 0;
	case LONG_READ_ONLY:
		o->read_only = true;
		return 0;
	case LONG_BTT:
		o->btt = true;
		return 0;
	default:
		if (c >= LONG_FUA && c < LONG_OPS_END)
			return parse_ops_opt(o, c, arg);
		return bad_option(o->cmd);
	}
}

/*
 * Parse the options of command @c into @o: the short options in
 * @c->shorts, the long ones in @c->longs.  Returns 0, or EXIT_USAGE
 * after printing why, or -1 when help was printed.
 */
int parse_opts(struct opts *o, int argc, char **argv, const struct command *c)
{
	struct option longs[NR_LONG_OPTS + 1];
	static char name[32];
	int opt, ret;

	pick_longs(longs, c->longs);
	/* getopt_long() prefixes its messages with argv[0]. */
	snprintf(name, sizeof(name), "zcio %s", o->cmd);
	argv[0] = name;
	while ((opt = getopt_long(argc, argv, c->shorts, longs, NULL)) != -1) {
		ret = parse_one(o, opt, optarg);
		if (ret)
			return ret;
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

int check_nargs(const struct opts *o, int min, int max)
{
	if (o->nargs < min)
		return usage_err(o->cmd, "missing argument%s", o->nargs ? "" : "s");
	if (o->nargs > max)
		return usage_err(o->cmd, "unexpected argument '%s'", o->args[max]);
	return 0;
}

/* Seconds from @t0 to now (CLOCK_MONOTONIC). */
double elapsed_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ------------------------------------------------------------------ */
/* Standard output                                                     */

/* Flush stdout; a failure there (EPIPE, ENOSPC) is an I/O error. */
int finish_stdout(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		errmsg("write error on standard output: %s", strerror(errno));
		return ret ? ret : EXIT_FAIL;
	}
	return ret;
}
