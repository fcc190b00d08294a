// SPDX-License-Identifier: GPL-2.0
/*
 * zcio trace, the grouping: sort the module's notes and blkparse's lines
 * (trace_parse.c) by time and attribute the block layer's events to zcio
 * requests:
 *
 * - "zcio rN start ..." opens request N;
 * - "zcio rN bio S + N pages=P" is a bio about to be submitted: the next
 *   Q (or, for a partition, A remap from sector S) of that sector and
 *   size is this bio;
 * - any later event whose range overlaps a queued bio belongs to its
 *   request, until the request's "done" note or until C events have
 *   covered the whole bio; when several queued bios overlap an event
 *   (asynchronous requests on the same sectors), the oldest that has not
 *   yet seen that kind of event for all of its sectors gets it;
 * - P and U (plug, unplug) carry no sector: they go to the newest
 *   unfinished request of the same pid;
 * - everything else is I/O not from zcio, counted in the summary.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/blktrace_api.h>

#include "cli.h"
#include "trace_report.h"

/* ------------------------------------------------------------------ */
/* The time line                                                       */

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->r->time != y->r->time)
		return x->r->time < y->r->time ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int build_timeline(struct report *rp)
{
	size_t i, n = 0;

	rp->items = calloc(rp->nrecs + rp->nbp + 1, sizeof(*rp->items));
	if (!rp->items) {
		errmsg("trace: out of memory");
		return -1;
	}
	for (i = 0; i < rp->nrecs; i++) {
		const struct rec *r = &rp->recs[i];

		if (!is_notify(r) || notify_kind(r) != __BLK_TN_MESSAGE ||
		    !r->text)
			continue;
		rp->items[n].r = r;
		rp->items[n].order = n;
		n++;
	}
	for (i = 0; i < rp->nbp; i++) {
		rp->items[n].r = rp->bp[i].r;
		rp->items[n].ev = &rp->bp[i];
		rp->items[n].order = n;
		n++;
	}
	rp->nitems = n;
	qsort(rp->items, n, sizeof(*rp->items), cmp_item);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Attribution                                                         */

static int act_index(const char *act)
{
	return act[0] >= 'A' && act[0] <= 'Z' ? act[0] - 'A' : -1;
}

static long find_req(const struct report *rp, uint64_t id)
{
	size_t i;

	for (i = rp->nreqs; i-- > 0;)
		if (rp->reqs[i].id == id)
			return i;
	return -1;
}

static int add_line(struct report *rp, long req, size_t item, long bio,
		    unsigned int more)
{
	struct zreq *q = &rp->reqs[req];

	if (grow(&q->lines, &q->cap, q->nlines, sizeof(*q->lines)))
		return -1;
	q->lines[q->nlines].item = item;
	q->lines[q->nlines].bio = bio;
	q->lines[q->nlines].more = more;
	q->nlines++;
	return 0;
}

static long new_bio(struct report *rp, long req, uint64_t sector,
		    uint64_t sectors)
{
	struct zbio *b;

	if (grow(&rp->bios, &rp->cap_bios, rp->nbios, sizeof(*b)))
		return -1;
	b = &rp->bios[rp->nbios];
	memset(b, 0, sizeof(*b));
	b->req = req;
	b->sector = sector;
	b->disk_sector = sector;
	b->sectors = sectors;
	return rp->nbios++;
}

/* A "zcio rN ..." note at @item. */
static int take_note(struct report *rp, size_t item)
{
	const struct rec *r = rp->items[item].r;
	unsigned long long id, s, n;
	unsigned int pages = 0;
	struct zreq *q;
	char word[16];
	long req, bio;
	int pos = 0;

	if (sscanf(r->text, "zcio r%llu %15s %n", &id, word, &pos) < 2 || !pos)
		return 0;	/* somebody else's note */
	rp->notes++;
	req = find_req(rp, id);
	if (!strcmp(word, "start")) {
		if (grow(&rp->reqs, &rp->cap_reqs, rp->nreqs, sizeof(*q)))
			return -1;
		req = rp->nreqs++;
		q = &rp->reqs[req];
		memset(q, 0, sizeof(*q));
		q->id = id;
		q->pid = r->pid;
		q->t_start = r->time;
		q->start = r->text + pos;
		return add_line(rp, req, item, -1, 0);
	}
	if (req < 0)
		return 0;	/* it started before the trace */
	q = &rp->reqs[req];
	if (!strcmp(word, "bio") &&
	    sscanf(r->text + pos, "%llu + %llu pages=%u", &s, &n, &pages) >= 2) {
		bio = new_bio(rp, req, s, n);
		if (bio < 0)
			return -1;
		rp->bios[bio].pages = pages;
		rp->bios[bio].pid = r->pid;
		rp->bios[bio].nr = q->nbios++;
		return add_line(rp, req, item, bio, 0);
	}
	if (!strcmp(word, "partial"))
		q->partials++;
	if (!strcmp(word, "done")) {
		q->done = r->text + pos;
		q->finished = true;
		q->error = !strncmp(q->done, "result=-", 8);
	}
	if (!strcmp(word, "unmap"))
		q->unmap = r->text + pos;
	return add_line(rp, req, item, -1, 0);
}

static bool bio_live(const struct report *rp, const struct zbio *b)
{
	if (!b->active)
		return false;
	return b->req < 0 || !rp->reqs[b->req].finished;
}

/* A Q or A event: the oldest zcio bio waiting for it, if any. */
static long match_queue(struct report *rp, const struct bpline *ev)
{
	const struct rec *r = ev->r;
	uint64_t n = r->bytes >> 9;
	bool remap = ev->act[0] == 'A';
	size_t i;

	for (i = 0; i < rp->nbios; i++) {
		struct zbio *b = &rp->bios[i];

		if (b->req < 0 || b->queued || rp->reqs[b->req].finished ||
		    b->sectors != n)
			continue;
		if (remap && !b->remapped && b->sector == r->aux) {
			b->remapped = true;
			b->disk_sector = r->sector;
			return i;
		}
		if (!remap && b->disk_sector == r->sector) {
			b->queued = true;
			b->active = true;
			b->t_q = r->time;
			return i;
		}
	}
	return -1;
}

/* Sectors of @b in [@s, @s + @n); a data-less bio (flush) counts 1 at its sector. */
static uint64_t overlap(const struct zbio *b, uint64_t s, uint64_t n)
{
	if (!b->sectors || !n)
		return !b->sectors && !n && b->disk_sector == s;

	uint64_t lo = s > b->disk_sector ? s : b->disk_sector;
	uint64_t hi = s + n < b->disk_sector + b->sectors ?
		      s + n : b->disk_sector + b->sectors;

	return hi > lo ? hi - lo : 0;
}

/* Count event letter @a on bio @i for @ov of its sectors. */
static void charge(struct report *rp, size_t i, int a, uint64_t ov,
		   uint64_t t)
{
	struct zbio *b = &rp->bios[i];

	if (a < 0)
		return;
	b->cover[a] += ov;
	b->count[a]++;
	if (a == 'C' - 'A') {
		b->t_c = t;
		if (b->cover[a] >= (b->sectors ? b->sectors : 1))
			b->active = false;
	}
}

#define MAX_CLAIMS	64

/*
 * Whether the part of @b that the event [@s, @s + @n) covers was taken
 * by an older bio already (two bios in flight on the same sectors).
 */
static bool claimed_by_older(const struct report *rp, const long *claims,
			     unsigned int nclaims, const struct zbio *b,
			     uint64_t s, uint64_t n)
{
	uint64_t lo = s > b->disk_sector ? s : b->disk_sector;
	uint64_t hi = s + n < b->disk_sector + b->sectors ?
		      s + n : b->disk_sector + b->sectors;
	unsigned int i;

	for (i = 0; i < nclaims; i++)
		if (overlap(&rp->bios[claims[i]], lo, hi - lo))
			return true;
	return false;
}

/* The bios a sectored event belongs to: add it to their requests. */
static int attribute_range(struct report *rp, size_t item)
{
	const struct bpline *ev = rp->items[item].ev;
	uint64_t s = ev->r->sector, n = ev->r->bytes >> 9, ov;
	long first_req = -1, first_bio = -1, claims[MAX_CLAIMS];
	int a = act_index(ev->act);
	unsigned int more = 0, nclaims = 0;
	size_t i;

	for (i = 0; i < rp->nbios && nclaims < MAX_CLAIMS; i++) {
		struct zbio *b = &rp->bios[i];

		if (!bio_live(rp, b))
			continue;
		ov = overlap(b, s, n);
		if (!ov || (a >= 0 && b->cover[a] >= (b->sectors ? b->sectors : 1)) ||
		    claimed_by_older(rp, claims, nclaims, b, s, n))
			continue;
		charge(rp, i, a, ov, ev->r->time);
		claims[nclaims++] = i;
		if (b->req < 0)
			continue;
		if (first_req < 0) {
			first_req = b->req;
			first_bio = i;
		} else if (b->req == first_req) {
			more++;
		} else if (add_line(rp, b->req, item, i, 0)) {
			return -1;
		}
	}
	if (first_req < 0) {
		rp->other_events++;
		return 0;
	}
	rp->zcio_events++;
	return add_line(rp, first_req, item, first_bio, more);
}

/* P and U: the newest unfinished request of the same pid. */
static int attribute_pid(struct report *rp, size_t item)
{
	const struct rec *r = rp->items[item].r;
	size_t i;

	for (i = rp->nreqs; i-- > 0;) {
		if (rp->reqs[i].finished || rp->reqs[i].pid != r->pid)
			continue;
		rp->zcio_events++;
		return add_line(rp, i, item, -1, 0);
	}
	rp->other_events++;
	return 0;
}

static int take_event(struct report *rp, size_t item)
{
	const struct bpline *ev = rp->items[item].ev;
	long bio;

	if (ev->act[0] == 'Q' || ev->act[0] == 'A') {
		bio = match_queue(rp, ev);
		if (bio >= 0) {
			rp->zcio_events++;
			return add_line(rp, rp->bios[bio].req, item, bio, 0);
		}
		if (ev->act[0] == 'Q') {
			bio = new_bio(rp, -1, ev->r->sector, ev->r->bytes >> 9);
			if (bio < 0)
				return -1;
			rp->bios[bio].queued = true;
			rp->bios[bio].active = true;
			rp->bios[bio].t_q = ev->r->time;
			rp->bios[bio].pid = ev->r->pid;
			rp->bios[bio].cmd = ev->cmd;
		}
		rp->other_events++;
		return 0;
	}
	if (ev->act[0] == 'P' || ev->act[0] == 'U')
		return attribute_pid(rp, item);
	return attribute_range(rp, item);
}

int attribute(struct report *rp)
{
	size_t i;
	int ret;

	for (i = 0; i < rp->nitems; i++) {
		if (rp->items[i].ev)
			ret = take_event(rp, i);
		else
			ret = take_note(rp, i);
		if (ret)
			return ret;
	}
	return 0;
}

