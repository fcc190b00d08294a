// SPDX-License-Identifier: GPL-2.0
/*
 * zcio CLI: error and usage messages, option parsing (parse_opts() for
 * every command), argument checks, and flushing standard output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define OPT_JSON	0x100

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

/*
 * Parse the options of @o->cmd; @shorts lists the short options this
 * command accepts.  Returns 0, or EXIT_USAGE after printing why, or -1
 * when help was printed.
 */
int parse_opts(struct opts *o, int argc, char **argv, const char *shorts)
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

int check_nargs(const struct opts *o, int min, int max)
{
	if (o->nargs < min)
		return usage_err(o->cmd, "missing argument%s", o->nargs ? "" : "s");
	if (o->nargs > max)
		return usage_err(o->cmd, "unexpected argument '%s'", o->args[max]);
	return 0;
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
