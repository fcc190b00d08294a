/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - what cmd_trace.c (running blktrace, the command, blkparse
 * and btt) and the report (trace_parse.c, trace_group.c, trace_report.c:
 * reading and joining what they wrote) share.
 */
#ifndef ZCIO_TRACE_H
#define ZCIO_TRACE_H

#include <stdint.h>
#include <stdio.h>

/* The base name of the per-CPU files: DIR/zcio.blktrace.CPU */
#define TRACE_NAME	"zcio"

/*
 * blkparse's output format: one line per event with the fields the
 * report joins with the binary records (cpu and sequence) and prints.
 */
#define TRACE_BLKPARSE_FMT	"%c %s %p %a %d %S %n %N %e %5T.%9t %C\\n"

/**
 * trace_report - print one block per zcio request and a summary
 * @dir:	the directory with TRACE_NAME.blktrace.* and the blkparse
 *		output @text (TRACE_BLKPARSE_FMT)
 * @text:	path of blkparse's output
 * @dev:	the traced device, for the header
 * @out:	where the report goes
 *
 * Return: 0, or -1 after a message if the files cannot be read.
 */
int trace_report(const char *dir, const char *text, const char *dev,
		 FILE *out);

/*
 * trace_start_time - when the trace was turned on: the time of the
 * kernel's TIMESTAMP note (CLOCK_MONOTONIC ns) in @dir's files
 *
 * Return: 0, or -1 after a message.
 */
int trace_start_time(const char *dir, uint64_t *ns);

#endif /* ZCIO_TRACE_H */
