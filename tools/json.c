// SPDX-License-Identifier: GPL-2.0
/*
 * zcio CLI: JSON output helpers.  Callers write the braces; each member
 * helper takes a "first" flag so that it knows whether to emit a comma.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

void json_str(FILE *f, const char *s)
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
void json_key(FILE *f, bool *first, const char *key)
{
	if (!*first)
		fputc(',', f);
	*first = false;
	json_str(f, key);
	fputc(':', f);
}

void json_u64(FILE *f, bool *first, const char *key, uint64_t v)
{
	json_key(f, first, key);
	fprintf(f, "%" PRIu64, v);
}

void json_bool(FILE *f, bool *first, const char *key, bool v)
{
	json_key(f, first, key);
	fputs(v ? "true" : "false", f);
}

void json_string(FILE *f, bool *first, const char *key, const char *v)
{
	json_key(f, first, key);
	json_str(f, v);
}
