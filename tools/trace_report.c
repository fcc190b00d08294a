// SPDX-License-Identifier: GPL-2.0
/*
 * zcio trace, the report: read the records blktrace wrote
 * (TRACE_NAME.blktrace.CPU, struct blk_io_trace from
 * <linux/blktrace_api.h>), take the module's notes from them, join
 * blkparse's text lines to the same records by (cpu, sequence), sort
 * everything by time and attribute the block layer's events to zcio
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
 *
 * Debian 12's blkparse (blktrace 1.2.0) drops the notes: since 4.14
 * every note carries __BLK_TN_CGROUP and an 8-byte cgroup id before its
 * text, which blkparse learned only in 1.3.0.  This file reads them
 * itself.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/blktrace_api.h>

#include "cli.h"
#include "trace.h"

#define NOTIFY_ACT	BLK_TC_ACT(BLK_TC_NOTIFY)
#define CGID_LEN	8	/* the cgroup id before a flagged pdu */
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

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

/* Grow *@p (of @size-byte elements) to hold @n + 1; 0 or -1. */
static int grow(void *p, size_t *cap, size_t n, size_t size)
{
	void **pp = p;
	size_t c = *cap ? *cap * 2 : 64;
	void *np;

	if (n < *cap)
		return 0;
	np = realloc(*pp, c * size);
	if (!np) {
		errmsg("trace: out of memory");
		return -1;
	}
	*pp = np;
	*cap = c;
	return 0;
}

static bool is_notify(const struct rec *r)
{
	return (r->action & NOTIFY_ACT) == NOTIFY_ACT;
}

static unsigned int notify_kind(const struct rec *r)
{
	return r->action & 0xff;
}

static int act_index(const char *act)
{
	return act[0] >= 'A' && act[0] <= 'Z' ? act[0] - 'A' : -1;
}

static void print_time(FILE *out, uint64_t t, uint64_t t0)
{
	int64_t d = (int64_t)(t - t0);

	fprintf(out, "%s%" PRId64 ".%06" PRId64, d < 0 ? "-" : "+",
		(d < 0 ? -d : d) / 1000000000, ((d < 0 ? -d : d) / 1000) % 1000000);
}

/* ------------------------------------------------------------------ */
/* The binary files                                                    */

/* The pdu of @h at @pdu, @len bytes: keep what the report needs. */
static int take_pdu(struct rec *r, const struct blk_io_trace *h,
		    const unsigned char *pdu, size_t len)
{
	struct blk_io_trace_remap rm;
	uint64_t v;

	if (h->action & __BLK_TA_CGROUP) {
		if (len < CGID_LEN)
			return 0;
		pdu += CGID_LEN;
		len -= CGID_LEN;
	}
	if (is_notify(r)) {
		if (notify_kind(r) != __BLK_TN_MESSAGE &&
		    notify_kind(r) != __BLK_TN_PROCESS)
			return 0;
		r->text = strndup((const char *)pdu, len);
		return r->text ? 0 : -1;
	}
	switch (h->action & 0xff) {
	case __BLK_TA_SPLIT:
		if (len >= sizeof(v)) {
			memcpy(&v, pdu, sizeof(v));
			r->aux = be64toh(v);
		}
		break;
	case __BLK_TA_REMAP:
		if (len >= sizeof(rm)) {
			memcpy(&rm, pdu, sizeof(rm));
			r->aux = be64toh(rm.sector_from);
			r->aux_dev = be32toh(rm.device_from);
		}
		break;
	}
	return 0;
}

static int read_records(struct report *rp, const char *path)
{
	unsigned char *data = NULL;
	size_t size = 0, off = 0;
	struct blk_io_trace h;
	struct rec *r;
	FILE *f;
	int ret = -1;

	f = fopen(path, "rb");
	if (!f) {
		errmsg("trace: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		unsigned char *nd = realloc(data, size + 65536);
		size_t n;

		if (!nd)
			goto out;
		data = nd;
		n = fread(data + size, 1, 65536, f);
		size += n;
		if (n < 65536)
			break;
	}
	if (ferror(f)) {
		errmsg("trace: cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	while (off + sizeof(h) <= size) {
		memcpy(&h, data + off, sizeof(h));
		if ((h.magic & 0xffffff00) != BLK_IO_TRACE_MAGIC ||
		    (h.magic & 0xff) != BLK_IO_TRACE_VERSION ||
		    off + sizeof(h) + h.pdu_len > size) {
			errmsg("trace: %s: no valid blk_io_trace record at offset %zu",
			       path, off);
			goto out;
		}
		if (grow(&rp->recs, &rp->cap_recs, rp->nrecs, sizeof(*r)))
			goto out;
		r = &rp->recs[rp->nrecs++];
		memset(r, 0, sizeof(*r));
		r->time = h.time;
		r->sector = h.sector;
		r->bytes = h.bytes;
		r->action = h.action;
		r->pid = h.pid;
		r->cpu = h.cpu;
		r->seq = h.sequence;
		r->error = h.error;
		if (take_pdu(r, &h, data + off + sizeof(h), h.pdu_len))
			goto out;
		off += sizeof(h) + h.pdu_len;
	}
	if (off != size) {
		errmsg("trace: %s ends inside a record", path);
		goto out;
	}
	ret = 0;
out:
	free(data);
	fclose(f);
	return ret;
}

static int read_binary(struct report *rp, const char *dir)
{
	char pat[4096];
	glob_t g;
	size_t i;
	int ret = 0;

	snprintf(pat, sizeof(pat), "%s/%s.blktrace.*", dir, TRACE_NAME);
	if (glob(pat, 0, NULL, &g)) {
		errmsg("trace: no %s.blktrace.* files in %s", TRACE_NAME, dir);
		return -1;
	}
	for (i = 0; i < g.gl_pathc && !ret; i++)
		ret = read_records(rp, g.gl_pathv[i]);
	globfree(&g);
	return ret;
}

/* ------------------------------------------------------------------ */
/* blkparse's text, joined to the records                              */

static int cmp_cpu_seq(const void *a, const void *b)
{
	const struct rec *x = *(const struct rec *const *)a;
	const struct rec *y = *(const struct rec *const *)b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

/* Block events (not notes) by (cpu, sequence), for the join. */
static const struct rec **index_events(struct report *rp, size_t *n)
{
	const struct rec **idx = calloc(rp->nrecs + 1, sizeof(*idx));
	size_t i;

	if (!idx) {
		errmsg("trace: out of memory");
		return NULL;
	}
	*n = 0;
	for (i = 0; i < rp->nrecs; i++)
		if (!is_notify(&rp->recs[i]))
			idx[(*n)++] = &rp->recs[i];
	qsort(idx, *n, sizeof(*idx), cmp_cpu_seq);
	return idx;
}

/* One blkparse line into @b; false if it is not an event line. */
static bool parse_bpline(const char *line, struct bpline *b, unsigned int *cpu,
			 unsigned int *seq)
{
	unsigned long long sector;
	unsigned int pid, blocks, bytes;
	int pos = 0, len;

	if (sscanf(line, "%u %u %u %7s %15s %llu %u %u %d %*u.%*u %n", cpu, seq,
		   &pid, b->act, b->rwbs, &sector, &blocks, &bytes, &b->error,
		   &pos) < 9 || !pos)
		return false;
	snprintf(b->cmd, sizeof(b->cmd), "%s", line + pos);
	len = strlen(b->cmd);
	while (len && (b->cmd[len - 1] == '\n' || b->cmd[len - 1] == '\r'))
		b->cmd[--len] = '\0';
	/* blkparse prints the u16 error field as it is: 65531 is -EIO */
	if (b->error > 32767)
		b->error -= 65536;
	return true;
}

static int read_text(struct report *rp, const char *text)
{
	const struct rec **idx, *key, **hit;
	struct rec k = { 0 };
	char line[512];
	unsigned int cpu, seq;
	size_t nidx;
	struct bpline *b;
	FILE *f;

	f = fopen(text, "r");
	if (!f) {
		errmsg("trace: cannot open %s: %s", text, strerror(errno));
		return -1;
	}
	idx = index_events(rp, &nidx);
	if (!idx)
		goto fail;
	key = &k;
	while (fgets(line, sizeof(line), f)) {
		if (grow(&rp->bp, &rp->cap_bp, rp->nbp, sizeof(*b)))
			goto fail;
		b = &rp->bp[rp->nbp];
		memset(b, 0, sizeof(*b));
		if (!parse_bpline(line, b, &cpu, &seq))
			continue;
		if (b->act[0] == 'm')	/* a newer blkparse shows notes */
			continue;
		k.cpu = cpu;
		k.seq = seq;
		hit = bsearch(&key, idx, nidx, sizeof(*idx), cmp_cpu_seq);
		if (!hit) {
			rp->unjoined++;
			continue;
		}
		b->r = *hit;
		rp->nbp++;
	}
	free(idx);
	fclose(f);
	return 0;
fail:
	free(idx);
	fclose(f);
	return -1;
}

/* ------------------------------------------------------------------ */
/* The time line                                                       */

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->r->time != y->r->time)
		return x->r->time < y->r->time ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int build_timeline(struct report *rp)
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

static int attribute(struct report *rp)
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

/* ------------------------------------------------------------------ */
/* Output                                                              */

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
