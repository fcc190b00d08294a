// SPDX-License-Identifier: GPL-2.0
/*
 * zcio trace, the report's input: read the records blktrace wrote
 * (TRACE_NAME.blktrace.CPU, struct blk_io_trace from
 * <linux/blktrace_api.h>), take the module's notes from them, and join
 * blkparse's text lines to the same records by (cpu, sequence).
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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/blktrace_api.h>

#include "cli.h"
#include "trace.h"
#include "trace_report.h"

#define NOTIFY_ACT	BLK_TC_ACT(BLK_TC_NOTIFY)
#define CGID_LEN	8	/* the cgroup id before a flagged pdu */

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

/* Grow *@p (of @size-byte elements) to hold @n + 1; 0 or -1. */
int grow(void *p, size_t *cap, size_t n, size_t size)
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

bool is_notify(const struct rec *r)
{
	return (r->action & NOTIFY_ACT) == NOTIFY_ACT;
}

unsigned int notify_kind(const struct rec *r)
{
	return r->action & 0xff;
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

int read_binary(struct report *rp, const char *dir)
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

int read_text(struct report *rp, const char *text)
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

