// SPDX-License-Identifier: GPL-2.0
/*
 * zcio stats: the module-wide counters (struct zcio_stats), as text or
 * JSON.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *const stats_help =
"Usage: zcio stats [--json]\n"
"\n"
"Show the module-wide counters of struct zcio_stats (since module load).\n"
"\n"
"  --json    one JSON object on stdout\n"
"  -h        this help\n";

int cmd_stats(struct opts *o)
{
	static const struct {
		const char *name;
		size_t off;
	} counters[] = {
#define C(x)	{ #x, offsetof(struct zcio_stats, x) }
		C(requests), C(reads), C(writes), C(bytes_read),
		C(bytes_written), C(bios), C(partial_maps), C(errors),
		C(pages_pinned), C(pins), C(unpins), C(killed),
		C(async_requests), C(polled_requests), C(flush_dropped),
		C(bios_capped),
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
