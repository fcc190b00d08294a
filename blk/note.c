// SPDX-License-Identifier: GPL-2.0
/*
 * What a zcio request tells a trace: notes in a running blktrace of the
 * target's queue (blk_add_trace_msg()) and the tracepoints of trace.h, at
 * the same five points:
 *
 *   zcio r7 start W pos=0 len=8388608 addr=0x7f3a5c000000 sync
 *   zcio r7 bio 0 + 2048 pages=256        before each submit_bio()
 *   zcio r7 partial 1048576 of 8388608: bio full at 256 vecs
 *   zcio r7 done result=8388608 lat=2345.678us
 *   zcio r7 unmap dirtied=0 unpinned=2048
 *
 * "bio" uses blkparse's "sector + sectors" form, so a note can be matched
 * with the Q event that follows it.  A request is traced, and gets an id,
 * only if a blktrace with notify events or a zcio tracepoint was on when
 * it started; otherwise the cost is this check and a zero id, which every
 * later point tests first (zcio.h).
 */
#include <linux/blkdev.h>
#include <linux/blktrace_api.h>
#include <linux/err.h>
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

/**
 * zcio_trace_start - give a request an id if it is traced, and say so
 * @t:		the request's trace state; @t->id stays 0 if not traced
 * @x:		the validated transfer, with something to transfer
 * @async:	the request is asynchronous
 */
void zcio_trace_start(struct zcio_trace *t, const struct zcio_xfer *x,
		      bool async)
{
	struct block_device *bdev = zcio_file_bdev(x->file);
	bool write = op_is_write(x->opf);
	bool polled = x->opf & REQ_POLLED;
	const char *mode = async ? "async" : "sync";
	int buf = -1;

	t->id = 0;
	if (likely(!zcio_traced(bdev)))
		return;
	t->id = atomic64_inc_return(&zcio_trace_seq);
	t->start_ns = ktime_get_ns();
	if (x->rbuf) {
		buf = x->rbuf - x->rbufs->bufs;
		blk_add_trace_msg(bdev_get_queue(bdev),
				  "zcio r%llu start %c pos=%lld len=%llu buf=%d+0x%lx %s%s",
				  t->id, write ? 'W' : 'R', x->pos, x->len, buf,
				  x->uaddr, mode, polled ? " polled" : "");
	} else {
		blk_add_trace_msg(bdev_get_queue(bdev),
				  "zcio r%llu start %c pos=%lld len=%llu addr=0x%lx %s%s",
				  t->id, write ? 'W' : 'R', x->pos, x->len,
				  x->uaddr, mode, polled ? " polled" : "");
	}
	trace_zcio_start(bdev->bd_dev, t->id, write, x->pos, x->len, x->uaddr,
			 buf, async, polled);
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

	if (pinned < asked)
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
