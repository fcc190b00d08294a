/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one message format of the C test programs in tests/src: a line
 * "<prog>: <TAG>: <text>" on stderr (no TAG for plain information).
 */
#ifndef TEST_MSG_H
#define TEST_MSG_H

#include <stdarg.h>
#include <stdio.h>

/* Print one message line for @prog, tagged @tag (NULL for none). */
static inline void test_vmsg(const char *prog, const char *tag,
			     const char *fmt, va_list ap)
{
	if (tag)
		fprintf(stderr, "%s: %s: ", prog, tag);
	else
		fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#endif /* TEST_MSG_H */
