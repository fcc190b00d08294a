// SPDX-License-Identifier: GPL-2.0
/*
 * What a zcio request tells a trace: notes in a running blktrace of the
 * target's queue (blk_add_trace_msg()) and the tracepoints of trace.h, at
 * the same five points:
 *
 *   zcio r7 start W pos=0 len=8388608 addr=0x7f3a5c000000 sync
 *   zcio r7 flags FUA NOMERGE ioprio=2:4 bio_bytes=65536 noplug
 *   zcio r7 partial 1048576 of 8388608: bio full at 256 vecs
 *   zcio r7 bio 0 + 2048 pages=256        before each submit_bio()
 *   zcio r7 done result=8388608 lat=2345.678us
 *   zcio r7 unmap dirtied=0 unpinned=2048
 *
 * "flags" follows "start" only when the caller asked for request flags,
 * an I/O priority, a bio cap or no plug; it lists the REQ_ flags the bios
 * carry ("none" for a write with ZCIO_IO_EXACT alone).  "bio" uses blkparse's "sector +
 * sectors" form, so a note can be matched with the Q event that follows
 * it; a "dropped" or "emulated" note after it says what the block layer
 * does with the FUA and PREFLUSH it carries.  The non-data operations
 * start with F (flush), D (discard), DE (secure erase), WZ (write zeroes)
 * or a zone operation (ZR, ZO, ZC, ZF) and have no address; a zone
 * append (ZA) has one, and its "done" note gives where the data landed.
 *
 * A request is traced, and gets an id, only if a blktrace with notify
 * events or a zcio tracepoint was on when it started; otherwise the cost
 * is this check and a zero id, which every later point tests first
 * (zcio.h).
 */
#include <linux/blkdev.h>
#include <linux/blktrace_api.h>
#include <linux/err.h>
#include <linux/ioprio.h>
#include <linux/ktime.h>

#include "zcio.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static atomic64_t zcio_trace_seq;

/* Whether anybody would see a note or an event about @bdev. */
static bool zcio_traced(struct block_device *bdev)
{
	return trace_zcio_start_enabled() || trace_zcio_bio_enabled() ||
	       trace_zcio_partial_enabled() || trace_zcio_done_enabled() ||
	       trace_zcio_unmap_enabled() ||
	       blk_trace_note_message_enabled(bdev_get_queue(bdev));
}

/*
 * The operation as blkparse's RWBS names it; blkparse has no letters for
 * write zeroes and the zone operations (it shows N): WZ, ZA (append), ZR,
 * ZO, ZC, ZF (reset, open, close, finish).  A flush is a write with no
 * data.
 */
static const char *zcio_op_name(const struct zcio_xfer *x)
{
	switch (x->opf & REQ_OP_MASK) {
	case REQ_OP_READ:
		return "R";
	case REQ_OP_WRITE:
		return x->len ? "W" : "F";
	case REQ_OP_DISCARD:
		return "D";
	case REQ_OP_SECURE_ERASE:
		return "DE";
	case REQ_OP_WRITE_ZEROES:
		return "WZ";
	case REQ_OP_ZONE_APPEND:
		return "ZA";
	case REQ_OP_ZONE_RESET:
		return "ZR";
	case REQ_OP_ZONE_OPEN:
		return "ZO";
	case REQ_OP_ZONE_CLOSE:
		return "ZC";
	case REQ_OP_ZONE_FINISH:
		return "ZF";
	default:
		return "N";
	}
}

/* The REQ_ flags that zcio gives @x's bios unasked. */
static blk_opf_t zcio_default_flags(const struct zcio_xfer *x)
{
	if ((x->opf & REQ_OP_MASK) != REQ_OP_WRITE)
		return 0;
	return x->len ? REQ_SYNC | REQ_IDLE : REQ_PREFLUSH;
}

/* The "flags" note, if the caller asked for anything beyond the default. */
static void zcio_note_flags(const struct zcio_trace *t,
			    const struct zcio_xfer *x)
{
	blk_opf_t asked = x->opf & (REQ_FUA | REQ_PREFLUSH | REQ_NOMERGE |
				    REQ_META | REQ_SYNC | REQ_IDLE);
	char prio[16] = "", cap[24] = "";

	if (asked == zcio_default_flags(x) && !x->ioprio && !x->bio_bytes &&
	    !x->noplug)
		return;
	if (x->ioprio)
		snprintf(prio, sizeof(prio), " ioprio=%u:%u",
			 (unsigned int)IOPRIO_PRIO_CLASS(x->ioprio),
			 (unsigned int)IOPRIO_PRIO_DATA(x->ioprio));
	if (x->bio_bytes)
		snprintf(cap, sizeof(cap), " bio_bytes=%u", x->bio_bytes);
	blk_add_trace_msg(bdev_get_queue(zcio_file_bdev(x->file)),
			  "zcio r%llu flags%s%s%s%s%s%s%s%s%s%s", t->id,
			  asked ? "" : " none",
			  asked & REQ_FUA ? " FUA" : "",
			  asked & REQ_PREFLUSH ? " PREFLUSH" : "",
			  asked & REQ_NOMERGE ? " NOMERGE" : "",
			  asked & REQ_SYNC ? " SYNC" : "",
			  asked & REQ_IDLE ? " IDLE" : "",
			  asked & REQ_META ? " META" : "", prio, cap,
			  x->noplug ? " noplug" : "");
}

/* The "start" note: where the data is, for the operations that have any. */
static void zcio_note_start(const struct zcio_trace *t,
			    const struct zcio_xfer *x, const char *mode)
{
	struct request_queue *q = bdev_get_queue(zcio_file_bdev(x->file));
	const char *polled = x->opf & REQ_POLLED ? " polled" : "";
	enum req_op op = x->opf & REQ_OP_MASK;

	if (x->rbuf)
		blk_add_trace_msg(q, "zcio r%llu start %s pos=%lld len=%llu buf=%td+0x%lx %s%s",
				  t->id, zcio_op_name(x), x->pos, x->len,
				  x->rbuf - x->rbufs->bufs, x->uaddr, mode,
				  polled);
	else if (op == REQ_OP_READ || op == REQ_OP_ZONE_APPEND ||
		 (op == REQ_OP_WRITE && x->len))
		blk_add_trace_msg(q, "zcio r%llu start %s pos=%lld len=%llu addr=0x%lx %s%s",
				  t->id, zcio_op_name(x), x->pos, x->len,
				  x->uaddr, mode, polled);
	else
		blk_add_trace_msg(q, "zcio r%llu start %s pos=%lld len=%llu %s",
				  t->id, zcio_op_name(x), x->pos, x->len, mode);
}

/**
 * zcio_trace_start - give a request an id if it is traced, and say so
 * @t:		the request's trace state; @t->id stays 0 if not traced
 * @x:		the validated transfer or operation
 * @async:	the request is asynchronous
 */
void zcio_trace_start(struct zcio_trace *t, const struct zcio_xfer *x,
		      bool async)
{
	struct block_device *bdev = zcio_file_bdev(x->file);
	int buf = x->rbuf ? x->rbuf - x->rbufs->bufs : -1;

	t->id = 0;
	if (likely(!zcio_traced(bdev)))
		return;
	t->id = atomic64_inc_return(&zcio_trace_seq);
	t->start_ns = ktime_get_ns();
	zcio_note_start(t, x, async ? "async" : "sync");
	zcio_note_flags(t, x);
	trace_zcio_start(bdev->bd_dev, t->id, op_is_write(x->opf), x->pos,
			 x->len, x->uaddr, buf, async, x->opf & REQ_POLLED);
}

/*
 * What the block layer does with the FUA and PREFLUSH of @bio: without a
 * volatile write cache it drops both (submit_bio_noacct()), counted and
 * noted; with a cache but no FUA it follows the write with a flush.
 */
void zcio_bio_check_flush(const struct zcio_trace *t, const struct bio *bio)
{
	struct block_device *bdev = bio->bi_bdev;
	blk_opf_t flush = bio->bi_opf & (REQ_FUA | REQ_PREFLUSH);

	if (likely(!flush))
		return;
	if (!bdev_write_cache(bdev)) {
		zcio_count(flush_dropped, 1);
		if (t->id)
			blk_add_trace_msg(bdev_get_queue(bdev),
					  "zcio r%llu dropped%s%s: no volatile write cache",
					  t->id, flush & REQ_FUA ? " FUA" : "",
					  flush & REQ_PREFLUSH ? " PREFLUSH" : "");
	} else if ((flush & REQ_FUA) && !bdev_fua(bdev) && t->id) {
		blk_add_trace_msg(bdev_get_queue(bdev),
				  "zcio r%llu emulated FUA: a flush after the write",
				  t->id);
	}
}

void __zcio_note_bio(const struct zcio_trace *t, const struct bio *bio,
		     unsigned int nr_pages)
{
	struct block_device *bdev = bio->bi_bdev;

	blk_add_trace_msg(bdev_get_queue(bdev), "zcio r%llu bio %llu + %u pages=%u",
			  t->id, (unsigned long long)bio->bi_iter.bi_sector,
			  bio_sectors(bio), nr_pages);
	trace_zcio_bio(bdev->bd_dev, t->id, bio->bi_iter.bi_sector,
		       bio->bi_iter.bi_size, nr_pages);
}

void __zcio_note_partial(const struct zcio_trace *t,
			 struct block_device *bdev, u64 mapped, u64 wanted,
			 unsigned int pinned, unsigned int asked)
{
	struct request_queue *q = bdev_get_queue(bdev);

	if (!asked)
		blk_add_trace_msg(q, "zcio r%llu partial %llu of %llu: bio capped at %llu bytes",
				  t->id, mapped, wanted, mapped);
	else if (pinned < asked)
		blk_add_trace_msg(q, "zcio r%llu partial %llu of %llu: pinned %u of %u pages",
				  t->id, mapped, wanted, pinned, asked);
	else
		blk_add_trace_msg(q, "zcio r%llu partial %llu of %llu: bio full at %u vecs",
				  t->id, mapped, wanted, asked);
	trace_zcio_partial(bdev->bd_dev, t->id, mapped, wanted, pinned, asked,
			   BIO_MAX_VECS);
}

void __zcio_note_done(const struct zcio_trace *t, struct block_device *bdev,
		      long result)
{
	u64 lat = ktime_get_ns() - t->start_ns;
	struct request_queue *q = bdev_get_queue(bdev);

	if (result < 0)
		blk_add_trace_msg(q, "zcio r%llu done result=%pe lat=%llu.%03lluus",
				  t->id, ERR_PTR(result), lat / NSEC_PER_USEC,
				  lat % NSEC_PER_USEC);
	else
		blk_add_trace_msg(q, "zcio r%llu done result=%ld lat=%llu.%03lluus",
				  t->id, result, lat / NSEC_PER_USEC,
				  lat % NSEC_PER_USEC);
	trace_zcio_done(bdev->bd_dev, t->id, result, lat);
}

void __zcio_note_unmap(const struct zcio_trace *t, struct block_device *bdev,
		       unsigned long dirtied, unsigned long unpinned)
{
	blk_add_trace_msg(bdev_get_queue(bdev), "zcio r%llu unmap dirtied=%lu unpinned=%lu",
			  t->id, dirtied, unpinned);
	trace_zcio_unmap(bdev->bd_dev, t->id, dirtied, unpinned);
}
