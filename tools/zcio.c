// SPDX-License-Identifier: GPL-2.0
/*
 * zcio - command-line front end for /dev/zcio.
 *
 *   zcio info [DEV]                 device limits, module version and features
 *   zcio read DEV OFF LEN           device -> file or stdout
 *   zcio write DEV OFF              file or stdin -> device
 *   zcio verify DEV [OFF LEN]       write a pattern, read it back, compare
 *   zcio bench DEV                  4 KiB random reads: zcio vs pread(2)
 *   zcio stats                      module counters
 *
 * Exit status: 0 success, 1 I/O or kernel error (or, for verify, a
 * mismatch), 2 usage error.
 *
 * This file: main(), the command table, top-level help and --version.
 * Each command lives in cmd_<command>.c (read and write share
 * cmd_xfer.c); cli.h lists the other files and how to add a command.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define ZCIO_TOOL_VERSION	"0.2.3"

static const char *const top_help =
"Usage: zcio COMMAND [ARGS] [OPTIONS]\n"
"       zcio -h|--help | --version | help [COMMAND]\n"
"\n"
"Zero-copy block I/O through /dev/zcio ($ZCIO_DEVICE overrides the path).\n"
"\n"
"Commands:\n"
"  info [DEV]                  device limits, module version, features\n"
"  read DEV OFFSET LENGTH      device -> FILE (-o) or standard output\n"
"  write DEV OFFSET            FILE (-i) or standard input -> device\n"
"  verify DEV [OFFSET LENGTH]  write a pattern, read it back, compare (-f)\n"
"  bench DEV                   4 KiB random reads, zcio vs pread O_DIRECT\n"
"  stats                       module counters\n"
"  flush DEV                   flush the device's volatile write cache\n"
"  discard DEV OFFSET LENGTH   discard a range (as BLKDISCARD)\n"
"  zeroes DEV OFFSET LENGTH    write zeroes to a range (as BLKZEROOUT)\n"
"  secure-erase DEV OFF LEN    erase a range for good (as BLKSECDISCARD)\n"
"  append DEV ZONE_START       FILE (-i) or stdin -> a zone; prints sectors\n"
"  zone OP DEV OFFSET [LEN]    zone reset|open|close|finish; zone report DEV\n"
"  trace DEV -- CMD [ARGS]     blktrace of DEV while CMD runs, per zcio request\n"
"\n"
"Options go after the command ('zcio help COMMAND' lists them): -q no\n"
"summary, --json JSON output, -b SIZE bytes per ioctl (default 1M).\n"
"SIZE, OFFSET and LENGTH: decimal, optional k/M/G/T suffix (powers of 1024).\n"
"Exit status: 0 success, 1 I/O or kernel error (verify: mismatch), 2 usage error.\n";

/* ------------------------------------------------------------------ */
/* main                                                                */

/*
 * The commands: name, short options (getopt), long options (OPT_* bits,
 * --help always), help text and entry point, the last two in
 * cmd_<command>.c.  To add one, see the top of cli.h.
 */
static const struct command commands[] = {
	{ "info",   "h",         OPT_JSON, &info_help, cmd_info },
	{ "read",   "ho:b:q",    OPT_JSON | OPT_REQ, &read_help, cmd_read },
	{ "write",  "hi:l:b:q",  OPT_JSON | OPT_REQ, &write_help, cmd_write },
	{ "verify", "hb:qf",
	  OPT_JSON | OPT_SEED | OPT_FORCE | OPT_WRITE_ONLY | OPT_READ_ONLY,
	  &verify_help, cmd_verify },
	{ "bench",  "ht:",       OPT_JSON, &bench_help, cmd_bench },
	{ "stats",  "h",         OPT_JSON, &stats_help, cmd_stats },
	{ "flush",  "hq",        OPT_JSON, &flush_help, cmd_flush },
	{ "discard", "hq",       OPT_JSON, &discard_help, cmd_discard },
	{ "zeroes", "hq",        OPT_JSON | OPT_NO_UNMAP, &zeroes_help, cmd_zeroes },
	{ "secure-erase", "hq",  OPT_JSON, &secure_erase_help, cmd_secure_erase },
	{ "append", "hi:l:b:q",  OPT_JSON | OPT_FUA, &append_help, cmd_append },
	{ "zone",   "hq",        OPT_JSON, &zone_help, cmd_zone },
	{ "trace",  "ho:",       OPT_BTT, &trace_help, cmd_trace },
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
	ret = parse_opts(&o, argc - 1, argv + 1, c);
	if (ret)
		return ret < 0 ? finish_stdout(EXIT_OK) : ret;
	return c->fn(&o);
}
