/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_report.h - what the files of zcio trace's report share: the
 * records, blkparse lines, time line, requests and bios it builds in
 * turn, and the steps that build them.
 *
 *   trace_parse.c   read blktrace's binary files and blkparse's text,
 *                   joined to the records
 *   trace_group.c   the time line; attribute events to zcio requests
 *   trace_report.c  print the report; trace_report(), trace_start_time()
 */
#ifndef ZCIO_TRACE_REPORT_H
#define ZCIO_TRACE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NR_ACTS		26	/* per-letter counters, 'A'..'Z' */

/* One record of the binary files. */
struct rec {
	uint64_t time;
	uint64_t sector;
	uint64_t aux;		/* X: new sector; A: sector on the source */
	uint32_t aux_dev;	/* A: source device */
	uint32_t bytes, action, pid, cpu, seq;
	uint16_t error;
	char *text;		/* a note's text, or a PROCESS note's comm */
};

/* One line of blkparse's output, joined to its record. */
struct bpline {
	char act[8];
	char rwbs[16];
	char cmd[64];
	int error;
	const struct rec *r;
};

/* Something on the time line: a note or a block event. */
struct item {
	const struct rec *r;
	const struct bpline *ev;	/* NULL for a note */
	size_t order;
};

/* A bio: zcio's (from a note) or another one (a Q nobody claimed). */
struct zbio {
	long req;		/* index in reqs, -1 for other I/O */
	unsigned int nr;	/* its number within its request */
	uint64_t sector, sectors, disk_sector;
	unsigned int pages;
	bool queued, active, remapped;
	uint64_t t_q, t_c;
	uint64_t cover[NR_ACTS];	/* sectors seen per event letter */
	unsigned int count[NR_ACTS];
	uint32_t pid;
	const char *cmd;
};

/* A line of a request's block: an item and the bios it concerns. */
struct rline {
	size_t item;
	long bio;		/* first bio (index in bios), or -1 */
	unsigned int more;	/* further bios of the same event */
};

struct zreq {
	uint64_t id;
	uint32_t pid;
	const char *start;	/* note text after "zcio rN " */
	const char *done, *unmap;
	uint64_t t_start;
	bool finished, error;
	unsigned int partials, nbios;
	struct rline *lines;
	size_t nlines, cap;
};

struct report {
	const char *dev;
	struct rec *recs;
	size_t nrecs, cap_recs;
	struct bpline *bp;
	size_t nbp, cap_bp;
	struct item *items;
	size_t nitems;
	struct zreq *reqs;
	size_t nreqs, cap_reqs;
	struct zbio *bios;
	size_t nbios, cap_bios;
	unsigned long other_events, zcio_events, unjoined, notes;
};

/* trace_parse.c */
int grow(void *p, size_t *cap, size_t n, size_t size);
bool is_notify(const struct rec *r);
unsigned int notify_kind(const struct rec *r);
int read_binary(struct report *rp, const char *dir);
int read_text(struct report *rp, const char *text);

/* trace_group.c */
int build_timeline(struct report *rp);
int attribute(struct report *rp);

#endif /* ZCIO_TRACE_REPORT_H */
