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
 *
 * This file: main(), the command table, top-level help and --version.
 * Each command lives in cmd_<command>.c (read and write share
 * cmd_xfer.c); cli.h lists the other files.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define ZCIO_TOOL_VERSION	"0.2.0"

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

/* ------------------------------------------------------------------ */
/* main                                                                */

/* The help text and cmd_*() of each command are in cmd_<command>.c. */
static const struct command {
	const char *name;
	const char *shorts;
	const char *const *help;
	int (*fn)(struct opts *o);
} commands[] = {
	{ "info",  "h",       &info_help,  cmd_info },	/* cmd_info.c */
	{ "read",  "ho:b:q",  &read_help,  cmd_read },	/* cmd_xfer.c */
	{ "write", "hi:l:b:q", &write_help, cmd_write },	/* cmd_xfer.c */
	{ "stats", "h",       &stats_help, cmd_stats },	/* cmd_stats.c */
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
