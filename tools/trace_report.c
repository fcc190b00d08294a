// SPDX-License-Identifier: GPL-2.0
/*
 * zcio trace, the report: read the trace and join blkparse's text to it
 * (trace_parse.c), attribute its events to zcio requests (trace_group.c),
 * then print one block per request and a summary.  Also
 * trace_start_time(), from the same records.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/blktrace_api.h>

#include "cli.h"
#include "trace.h"
#include "trace_report.h"

/* ------------------------------------------------------------------ */
/* Output                                                              */

static void print_time(FILE *out, uint64_t t, uint64_t t0)
{
	int64_t d = (int64_t)(t - t0);

	fprintf(out, "%s%" PRId64 ".%06" PRId64, d < 0 ? "-" : "+",
		(d < 0 ? -d : d) / 1000000000, ((d < 0 ? -d : d) / 1000) % 1000000);
}

static const char *comm_of(const struct report *rp, uint32_t pid)
{
	size_t i;

	for (i = 0; i < rp->nrecs; i++)
		if (is_notify(&rp->recs[i]) &&
		    notify_kind(&rp->recs[i]) == __BLK_TN_PROCESS &&
		    rp->recs[i].pid == pid && rp->recs[i].text)
			return rp->recs[i].text;
	return "?";
}

static void print_event(FILE *out, const struct bpline *ev)
{
	const struct rec *r = ev->r;

	fprintf(out, "%-2s %-4s", ev->act, ev->rwbs);
	switch (ev->act[0]) {
	case 'P':
	case 'U':
		fprintf(out, " [%s]", ev->cmd);
		break;
	case 'X':
		fprintf(out, " %" PRIu64 " / %" PRIu64 " [%s]", r->sector,
			r->aux, ev->cmd);
		break;
	case 'A':
		fprintf(out, " %" PRIu64 " + %u <- (%u,%u) %" PRIu64,
			r->sector, r->bytes >> 9, r->aux_dev >> 20,
			r->aux_dev & 0xfffff, r->aux);
		break;
	case 'C':
		fprintf(out, " %" PRIu64 " + %u [%d]", r->sector,
			r->bytes >> 9, ev->error);
		if (ev->error)
			fprintf(out, " error %d", ev->error);
		break;
	default:
		fprintf(out, " %" PRIu64 " + %u [%s]", r->sector,
			r->bytes >> 9, ev->cmd);
	}
}

/* "start W pos=0 ..." of "zcio r7 start W pos=0 ..." */
static const char *note_body(const char *text)
{
	const char *p = strchr(text, ' ');

	p = p ? strchr(p + 1, ' ') : NULL;
	return p ? p + 1 : text;
}

static void print_line(FILE *out, const struct report *rp,
		       const struct zreq *q, const struct rline *l)
{
	const struct item *it = &rp->items[l->item];
	char tag[32] = "-";

	if (l->bio >= 0)
		snprintf(tag, sizeof(tag), "b%u%s", rp->bios[l->bio].nr,
			 l->more ? "+" : "");
	fputs("  ", out);
	print_time(out, it->r->time, q->t_start);
	fprintf(out, "  %-4s ", tag);
	if (it->ev)
		print_event(out, it->ev);
	else
		fprintf(out, "zcio %s", note_body(it->r->text));
	fputc('\n', out);
}

static const char *const count_letters = "AXGIMFDRC";

static void print_bio(FILE *out, const struct zreq *q, const struct zbio *b)
{
	const char *c;

	fprintf(out, "  b%u %" PRIu64 " + %" PRIu64 " pages=%u:", b->nr,
		b->sector, b->sectors, b->pages);
	if (b->disk_sector != b->sector)
		fprintf(out, " (disk sector %" PRIu64 ")", b->disk_sector);
	if (!b->queued) {
		fputs(" no Q seen\n", out);
		return;
	}
	fputs(" Q ", out);
	print_time(out, b->t_q, q->t_start);
	if (b->count['C' - 'A']) {
		fputs(", C ", out);
		print_time(out, b->t_c, q->t_start);
		fprintf(out, ", Q2C %.3f ms;", (b->t_c - b->t_q) / 1e6);
	} else {
		fputs(", no C;", out);
	}
	for (c = count_letters; *c; c++)
		if (b->count[*c - 'A'])
			fprintf(out, " %c %u", *c, b->count[*c - 'A']);
	fputc('\n', out);
}

static void print_req(FILE *out, const struct report *rp, long req)
{
	const struct zreq *q = &rp->reqs[req];
	uint64_t first_q = 0, last_c = 0;
	unsigned int nbios = 0;
	size_t i;

	fprintf(out, "r%" PRIu64 " %s, pid %u (%s)\n", q->id, q->start, q->pid,
		comm_of(rp, q->pid));
	for (i = 0; i < q->nlines; i++)
		print_line(out, rp, q, &q->lines[i]);
	for (i = 0; i < rp->nbios; i++) {
		const struct zbio *b = &rp->bios[i];

		if (b->req != req)
			continue;
		nbios++;
		print_bio(out, q, b);
		if (b->queued && (!first_q || b->t_q < first_q))
			first_q = b->t_q;
		if (b->count['C' - 'A'] && b->t_c > last_c)
			last_c = b->t_c;
	}
	if (first_q && last_c) {
		fprintf(out, "  Q2C %.3f ms (first Q ", (last_c - first_q) / 1e6);
		print_time(out, first_q, q->t_start);
		fputs(", last C ", out);
		print_time(out, last_c, q->t_start);
		fputs(")\n", out);
	}
	fprintf(out, "  %u bio%s, %u partial; %s%s%s\n\n", nbios,
		nbios == 1 ? "" : "s", q->partials,
		q->done ? q->done : "no done note (still running when the trace stopped)",
		q->unmap ? "; unmap " : "", q->unmap ? q->unmap : "");
}

static void print_other(FILE *out, const struct report *rp)
{
	uint64_t bytes = 0;
	unsigned long n = 0;
	size_t i, j;

	for (i = 0; i < rp->nbios; i++) {
		if (rp->bios[i].req >= 0)
			continue;
		n++;
		bytes += rp->bios[i].sectors << 9;
	}
	fprintf(out, "other I/O: %lu bio%s queued, %" PRIu64 " bytes, %lu events\n",
		n, n == 1 ? "" : "s", bytes, rp->other_events);
	/* who queued them, one line per pid */
	for (i = 0; i < rp->nbios; i++) {
		const struct zbio *b = &rp->bios[i];
		unsigned long nb = 0;
		uint64_t by = 0;

		if (b->req >= 0)
			continue;
		for (j = 0; j < i; j++)
			if (rp->bios[j].req < 0 && rp->bios[j].pid == b->pid)
				break;
		if (j < i)
			continue;
		for (j = i; j < rp->nbios; j++)
			if (rp->bios[j].req < 0 && rp->bios[j].pid == b->pid) {
				nb++;
				by += rp->bios[j].sectors << 9;
			}
		fprintf(out, "  pid %u (%s): %lu bio%s, %" PRIu64 " bytes\n",
			b->pid, b->cmd ? b->cmd : "?", nb, nb == 1 ? "" : "s", by);
	}
}

static void print_summary(FILE *out, const struct report *rp)
{
	unsigned long nbios = 0, errors = 0, reads = 0, writes = 0, open = 0;
	unsigned long others = 0;
	size_t i;

	for (i = 0; i < rp->nbios; i++)
		if (rp->bios[i].req >= 0)
			nbios++;
	for (i = 0; i < rp->nreqs; i++) {
		const char *s = rp->reqs[i].start;

		errors += rp->reqs[i].error;
		open += !rp->reqs[i].finished;
		reads += !strncmp(s, "R ", 2);
		writes += !strncmp(s, "W ", 2);
	}
	others = rp->nreqs - reads - writes;
	fprintf(out, "summary: %zu zcio request%s (%lu R, %lu W", rp->nreqs,
		rp->nreqs == 1 ? "" : "s", reads, writes);
	if (others)
		fprintf(out, ", %lu other", others);
	fprintf(out, "), %lu bio%s, %lu error%s", nbios,
		nbios == 1 ? "" : "s", errors, errors == 1 ? "" : "s");
	if (open)
		fprintf(out, ", %lu unfinished", open);
	fprintf(out, "; %lu zcio notes, %lu block events for zcio\n",
		rp->notes, rp->zcio_events);
	print_other(out, rp);
	if (rp->unjoined)
		fprintf(out, "warning: %lu blkparse lines without a record\n",
			rp->unjoined);
}

static void free_report(struct report *rp)
{
	size_t i;

	for (i = 0; i < rp->nrecs; i++)
		free(rp->recs[i].text);
	for (i = 0; i < rp->nreqs; i++)
		free(rp->reqs[i].lines);
	free(rp->recs);
	free(rp->bp);
	free(rp->items);
	free(rp->reqs);
	free(rp->bios);
}

int trace_report(const char *dir, const char *text, const char *dev,
		 FILE *out)
{
	struct report rp = { .dev = dev };
	size_t i;
	int ret;

	ret = read_binary(&rp, dir);
	if (!ret)
		ret = read_text(&rp, text);
	if (!ret)
		ret = build_timeline(&rp);
	if (!ret)
		ret = attribute(&rp);
	if (!ret) {
		fprintf(out, "zcio trace of %s: %zu records, %zu block events\n\n",
			dev, rp.nrecs, rp.nbp);
		for (i = 0; i < rp.nreqs; i++)
			print_req(out, &rp, i);
		print_summary(out, &rp);
	}
	free_report(&rp);
	return ret;
}

int trace_start_time(const char *dir, uint64_t *ns)
{
	struct report rp = { 0 };
	bool found = false;
	size_t i;
	int ret;

	ret = read_binary(&rp, dir);
	for (i = 0; !ret && i < rp.nrecs; i++) {
		if (!is_notify(&rp.recs[i]) ||
		    notify_kind(&rp.recs[i]) != __BLK_TN_TIMESTAMP)
			continue;
		if (!found || rp.recs[i].time < *ns)
			*ns = rp.recs[i].time;
		found = true;
	}
	if (!ret && !found) {
		errmsg("trace: no TIMESTAMP note in the trace: was it ever on?");
		ret = -1;
	}
	free_report(&rp);
	return ret;
}
