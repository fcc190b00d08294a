// SPDX-License-Identifier: GPL-2.0
/*
 * Submission and completion of zcio requests.
 *
 * The submitter maps the buffer into as many bios as it takes and submits
 * them, under one plug when there are several.  Releasing the pages (dirty + unpin) needs process
 * context, so bio completion only counts down; whoever owns the request
 * when the count reaches zero releases it.  A synchronous request:
 *
 *   WAITING --last bio ends--> DONE       the woken caller releases it
 *   WAITING --caller killed--> ABANDONED  the last bio queues release_work
 *
 * Both transitions are a cmpxchg on @state, so exactly one side wins.  An
 * asynchronous request (@ctx set) does not use @state: its last bio hands
 * it to its context (ctx.c), where ZCIO_IOC_REAP or the release of the
 * file frees it.
 *
 * A synchronous request with REQ_POLLED bios is completed by polling their
 * queue instead of sleeping, as long as a bio still carries the flag.
 * Polled bios are submitted with REQ_NOWAIT, as io_uring's are: whoever
 * polls them does so only after submitting, so a submitter must never
 * sleep in the block layer while bios of its own wait to be polled (for a
 * poll-queue tag, or for a tag of another queue while an I/O scheduler
 * shared by both holds requests back behind polled ones).  A bio the
 * block layer refuses at once (no free tag, a frozen queue, a bio that
 * would have to be split) is made an ordinary bio again and submitted by
 * the workqueue, where waiting is harmless, to a queue whose interrupts
 * complete it:
 *
 *   SUBMITTING --submit_bio() returns--> INFLIGHT
 *   SUBMITTING --ends BLK_STS_AGAIN----> REFUSED --reset, resubmit--> INFLIGHT
 */
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/task_io_accounting_ops.h>

#include "zcio.h"

/*
 * After a write, drop pages a buffered reader may have cached meanwhile.
 * If that fails, do what dio_warn_stale_pagecache() does: make the next
 * fsync() of the device report EIO, and say so once in a while.
 */
void zcio_invalidate_after_write(struct file *file, loff_t pos, u64 len)
{
	struct address_space *mapping = file->f_mapping;
	loff_t end = pos + len - 1;

	if (!mapping->nrpages ||
	    !invalidate_inode_pages2_range(mapping, pos >> PAGE_SHIFT,
					   end >> PAGE_SHIFT))
		return;
	errseq_set(&mapping->wb_err, -EIO);
	pr_warn_ratelimited("zcio: stale page cache after write to %pg; buffered users may see old data\n",
			    zcio_file_bdev(file));
}

/*
 * Drop stale cached pages after a successful write and unmap every bio of
 * @req.  Process context; a second call does nothing.
 */
void zcio_req_unmap(struct zcio_req *req)
{
	bool is_write = op_is_write(req->opf);
	struct zcio_bio *zb, *next;
	unsigned long nr = 0;

	if (!req->bios)
		return;
	if (is_write && !req->error)
		zcio_invalidate_after_write(req->file, req->pos, req->len);
	for (zb = req->bios; zb; zb = next) {
		next = zb->next;
		nr += zb->nr_pages;
		zcio_bio_unmap_user(&zb->bio, !is_write);
	}
	req->bios = NULL;
	zcio_note_unmap(&req->trace, req->bdev, is_write ? 0 : nr, nr);
}

/* Count one transfer of @bytes that ended with @ret (0 or -errno). */
void zcio_account(blk_opf_t opf, u64 bytes, int ret)
{
	zcio_count(requests, 1);
	if (op_is_write(opf)) {
		zcio_count(writes, 1);
		if (!ret)
			zcio_count(bytes_written, bytes);
	} else {
		zcio_count(reads, 1);
		if (!ret)
			zcio_count(bytes_read, bytes);
	}
	if (ret)
		zcio_count(errors, 1);
}

/*
 * Count @req, unmap it and drop its references: everything but its
 * memory and its context.  An asynchronous request is counted here,
 * reaped or not, as the synchronous path counts one: only if it passed
 * validation and had something to transfer.
 */
static void zcio_req_finish(struct zcio_req *req)
{
	if (req->ctx && req->file && req->len) {
		zcio_account(req->opf, req->len, req->error);
		zcio_count(async_requests, 1);
	}
	zcio_req_unmap(req);
	if (req->rbufs)
		zcio_rbufs_put(req->rbufs);
	if (req->file)
		fput(req->file);
}

/* Unmap @req and free it.  Process context. */
void zcio_req_release(struct zcio_req *req)
{
	struct zcio_ctx *ctx = req->ctx;

	zcio_req_finish(req);
	kfree(req);
	if (ctx)
		zcio_ctx_put(ctx);
	zcio_req_put_live();
}

/**
 * zcio_req_recycle - release a reaped request but keep its memory
 * @req:	an asynchronous request whose event was handed out
 *
 * As zcio_req_release(), except that the memory (zcio_req_bytes()) is left
 * for its context to reuse; the caller holds a reference on the context.
 */
void zcio_req_recycle(struct zcio_req *req)
{
	zcio_req_finish(req);
	refcount_dec(&req->ctx->ref);
	zcio_req_put_live();
}

/* What the caller learns: the bytes transferred or -errno. */
int zcio_req_result(const struct zcio_req *req)
{
	return req->error ?: req->len;
}

static void zcio_req_release_work(struct work_struct *work)
{
	zcio_req_release(container_of(work, struct zcio_req, release_work));
}

/* All bios have ended: hand the request to whoever releases it. */
static void zcio_req_io_done(struct zcio_req *req)
{
	/*
	 * The request may be freed, and the module unloaded, as soon as
	 * this hands it over; the RCU read section lets zcio_exit() wait,
	 * with synchronize_rcu(), until this function has left the hand-over.
	 */
	rcu_read_lock();
	zcio_note_done(&req->trace, req->bdev, zcio_req_result(req));
	if (req->ctx)
		zcio_ctx_complete(req);
	else if (atomic_cmpxchg(&req->state, ZCIO_REQ_WAITING,
				ZCIO_REQ_DONE) == ZCIO_REQ_WAITING)
		complete(&req->done);
	else
		queue_work(zcio_wq, &req->release_work);
	rcu_read_unlock();
}

static void zcio_req_put_pending(struct zcio_req *req)
{
	if (atomic_dec_and_test(&req->pending))
		zcio_req_io_done(req);
}

enum {
	ZCIO_BIO_INFLIGHT,
	ZCIO_BIO_SUBMITTING,
	ZCIO_BIO_REFUSED,
};

/**
 * zcio_bio_refused - whether a bio ending now goes back to its submitter
 * @bio:	a bio in its bi_end_io
 * @submit:	its hand-over state, as zcio_submit_bio() was given it
 *
 * True for a polled bio refused with BLK_STS_AGAIN while zcio_submit_bio()
 * still submits it: then it is submitted again, and bi_end_io must return
 * without completing anything.
 */
bool zcio_bio_refused(struct bio *bio, atomic_t *submit)
{
	return bio->bi_status == BLK_STS_AGAIN &&
	       atomic_cmpxchg(submit, ZCIO_BIO_SUBMITTING,
			      ZCIO_BIO_REFUSED) == ZCIO_BIO_SUBMITTING;
}

/*
 * Make @bio, refused at submission, new again without REQ_POLLED and
 * REQ_NOWAIT.  Its completion released its cgroup state: bio_reset()
 * associates it again, with the caller's cgroup.  The rest is what it was
 * before submission (@was->bi_iter is from before any partition remap).
 */
static void zcio_bio_rearm(struct bio *bio, const struct bio *was)
{
	bio_reset(bio, was->bi_bdev, was->bi_opf & ~(REQ_POLLED | REQ_NOWAIT));
	bio->bi_flags = was->bi_flags;
	bio->bi_ioprio = was->bi_ioprio;
	bio->bi_iter = was->bi_iter;
	bio->bi_vcnt = was->bi_vcnt;
	bio->bi_end_io = was->bi_end_io;
	bio->bi_private = was->bi_private;
	bio->bi_cookie = BLK_QC_T_NONE;
}

/**
 * zcio_submit_bio - submit a bio, with REQ_NOWAIT if it is polled
 * @bio:	a bio whose bi_end_io calls zcio_bio_refused() first
 * @submit:	its hand-over state
 *
 * Return: true if the block layer refused the polled bio without waiting:
 * it is an ordinary bio now, and the caller must submit_bio() it again,
 * from where it may wait.  A polled bio that a driver fails with
 * BLK_STS_AGAIN after accepting it ends with EAGAIN like any error.
 */
bool zcio_submit_bio(struct bio *bio, atomic_t *submit)
{
	struct bio was;

	if (!(bio->bi_opf & REQ_POLLED)) {
		atomic_set(submit, ZCIO_BIO_INFLIGHT);
		submit_bio(bio);
		return false;
	}
	bio->bi_opf |= REQ_NOWAIT;
	was = *bio;
	atomic_set(submit, ZCIO_BIO_SUBMITTING);
	submit_bio(bio);
	if (atomic_cmpxchg(submit, ZCIO_BIO_SUBMITTING,
			   ZCIO_BIO_INFLIGHT) == ZCIO_BIO_SUBMITTING)
		return false;
	zcio_bio_rearm(bio, &was);
	atomic_set(submit, ZCIO_BIO_INFLIGHT);
	return true;
}

static void zcio_bio_resubmit_work(struct work_struct *work)
{
	submit_bio(&container_of(work, struct zcio_bio, resubmit)->bio);
}

/* bi_end_io: may run in interrupt context, so it only records and counts. */
static void zcio_bio_end_io(struct bio *bio)
{
	struct zcio_bio *zb = container_of(bio, struct zcio_bio, bio);
	struct zcio_req *req = zb->req;

	if (zcio_bio_refused(bio, &zb->submit))
		return;
	if (bio->bi_status)
		cmpxchg(&req->error, 0, blk_status_to_errno(bio->bi_status));
	/* Stop zcio_req_poll() from polling a completed bio. */
	WRITE_ONCE(zb->ended, true);
	zcio_req_put_pending(req);
}

/*
 * A request for the transfer @x, with references of its own to the file
 * and the registered buffers: it may outlive the call (a killed caller,
 * an asynchronous request).  Set up in @mem, zcio_req_bytes() long, or
 * (@mem NULL) allocated here with just the room it needs.
 */
static struct zcio_req *zcio_req_alloc(struct zcio_xfer *x, void *mem)
{
	unsigned int nr = ZCIO_INLINE_VECS;
	struct zcio_req *req = mem;
	size_t room = 0;

	/* A small request's bio comes with it: one allocation, not two. */
	if (x->rbuf)
		nr = 0;
	if (x->rbuf || zcio_span_pages(x->uaddr, x->len) <= nr)
		room = zcio_bio_size(nr);
	/* The room is initialised by zcio_bio_alloc(), not here. */
	if (!req)
		req = kmalloc(sizeof(*req) + room, GFP_KERNEL_ACCOUNT);
	if (!req)
		return NULL;
	memset(req, 0, sizeof(*req));
	if (room)
		req->room = (struct zcio_bio *)(req + 1);
	req->file = x->file ? get_file(x->file) : NULL;
	req->bdev = x->file ? zcio_file_bdev(x->file) : NULL;
	req->opf = x->opf;
	req->uaddr = x->uaddr;
	req->rbufs = x->rbufs;
	if (req->rbufs)
		refcount_inc(&req->rbufs->ref);
	req->rbuf = x->rbuf;
	req->bio_bytes = x->bio_bytes;
	req->ioprio = x->ioprio;
	req->noplug = x->noplug;
	req->len = x->len;
	req->pos = x->pos;
	atomic_set(&req->pending, 1);
	atomic_set(&req->state, ZCIO_REQ_WAITING);
	INIT_LIST_HEAD(&req->node);
	init_completion(&req->done);
	INIT_WORK(&req->release_work, zcio_req_release_work);
	zcio_req_get_live();
	return req;
}

/*
 * Map the next part of @req's buffer, @done bytes in, at most @bio_bytes
 * of it if the caller capped bios: the first bio of a small request into
 * the request's own room.
 */
static struct bio *zcio_req_map(struct zcio_req *req, u64 done)
{
	struct zcio_bio *room = done ? NULL : req->room;
	u64 len = req->len - done;

	if (req->bio_bytes && req->bio_bytes < len) {
		len = req->bio_bytes;
		zcio_count(bios_capped, 1);
		zcio_note_partial(&req->trace, req->bdev, len,
				  req->len - done, 0, 0);
	}
	if (req->rbuf)
		return zcio_bio_map_rbuf(req->bdev, req->opf, req->rbuf,
					 req->uaddr + done, len, room);
	return zcio_bio_map_user(req->bdev, req->opf, req->uaddr + done, len,
				 room, &req->trace);
}

/* Attach @bio to @req and send it to the device. */
static void zcio_req_submit_bio(struct zcio_req *req, struct bio *bio,
				u64 done)
{
	struct zcio_bio *zb = container_of(bio, struct zcio_bio, bio);

	zb->req = req;
	zb->ended = false;
	zb->next = req->bios;
	req->bios = zb;
	bio->bi_iter.bi_sector = (req->pos + done) >> SECTOR_SHIFT;
	bio->bi_ioprio = req->ioprio;
	bio->bi_end_io = zcio_bio_end_io;
	atomic_inc(&req->pending);
	zcio_count(bios, 1);
	zcio_note_bio(&req->trace, bio, zb->nr_pages);
	zcio_bio_check_flush(&req->trace, bio);
	if (zcio_submit_bio(bio, &zb->submit)) {
		/* Bios of @req may be waiting for @req's own poller. */
		INIT_WORK(&zb->resubmit, zcio_bio_resubmit_work);
		queue_work(zcio_wq, &zb->resubmit);
	}
}

/*
 * Whether @req takes more than one bio, so that plugging can merge them,
 * and the caller did not ask for bios on their own.  A single bio is
 * issued directly, as __blkdev_direct_IO_simple() does.
 */
static bool zcio_req_needs_plug(const struct zcio_req *req)
{
	if (req->noplug)
		return false;
	if (req->bio_bytes && req->bio_bytes < req->len)
		return true;
	return !req->rbuf &&
	       zcio_span_pages(req->uaddr, req->len) > BIO_MAX_VECS;
}

/*
 * Map and submit the whole buffer, one bio after another.  A bio that maps
 * less than the rest is followed by another; a mapping error or a fatal
 * signal stops the loop and is returned, and the bios already submitted
 * still complete.  The caller drops its own count on @req->pending after.
 */
static int zcio_req_submit(struct zcio_req *req)
{
	bool plugged = zcio_req_needs_plug(req);
	struct blk_plug plug;
	u64 done = 0, mapped;
	int ret = 0;

	if (plugged)
		blk_start_plug(&plug);
	while (done < req->len) {
		struct bio *bio;

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		bio = zcio_req_map(req, done);
		if (IS_ERR(bio)) {
			ret = PTR_ERR(bio);
			break;
		}
		/* Once submitted, the block layer advances bi_iter. */
		mapped = bio->bi_iter.bi_size;
		if (mapped < req->len - done)
			zcio_count(partial_maps, 1);
		if (op_is_write(req->opf))
			task_io_account_write(mapped);
		zcio_req_submit_bio(req, bio, done);
		done += mapped;
	}
	if (plugged)
		blk_finish_plug(&plug);
	if (ret)
		cmpxchg(&req->error, 0, ret);
	return ret;
}

/**
 * zcio_req_poll_once - poll the queues of @req's polled bios once
 * @req:	a request with bios in flight, or just completed
 *
 * Return: ZCIO_POLL_DONE if it polled a queue; ZCIO_POLL_WAIT if polled
 * bios are in flight but none has reached its driver yet (an I/O
 * scheduler holds them: they get their poll cookie when the driver gets
 * them); ZCIO_POLL_NONE if no bio in flight carries REQ_POLLED any more
 * (the workqueue submits the refused ones unpolled), so that only
 * interrupts can complete the request, or every bio has ended.
 */
enum zcio_poll zcio_req_poll_once(struct zcio_req *req)
{
	enum zcio_poll ret = ZCIO_POLL_NONE;
	struct zcio_bio *zb;

	/*
	 * A reaper polling an asynchronous request sees its complete bio
	 * list: zcio_ctx_add_polled() published it under ctx->lock.
	 */
	for (zb = req->bios; zb; zb = zb->next) {
		if (READ_ONCE(zb->ended) || !(zb->bio.bi_opf & REQ_POLLED))
			continue;
		if (READ_ONCE(zb->bio.bi_cookie) == BLK_QC_T_NONE) {
			if (ret == ZCIO_POLL_NONE)
				ret = ZCIO_POLL_WAIT;
			continue;
		}
		bio_poll(&zb->bio, NULL, 0);
		ret = ZCIO_POLL_DONE;
	}
	return ret;
}

/* Whether a bio of @req still waits to be polled. */
bool zcio_req_polled(struct zcio_req *req)
{
	struct zcio_bio *zb;

	for (zb = req->bios; zb; zb = zb->next)
		if (!READ_ONCE(zb->ended) && (zb->bio.bi_opf & REQ_POLLED))
			return true;
	return false;
}

/*
 * Complete @req by polling while it has polled bios in flight.  A fatal
 * signal does not stop it: nothing else would poll those bios, which sit
 * on a poll queue that raises no interrupt.  The wait is bounded by the
 * device or by the driver's request timeout.  Counted only if the last
 * bio ended while this polled.
 */
static void zcio_req_poll(struct zcio_req *req)
{
	bool polled = false;

	while (!completion_done(&req->done)) {
		if (zcio_req_poll_once(req) == ZCIO_POLL_NONE)
			return;
		polled = true;
		cond_resched();
	}
	if (polled)
		zcio_count(polled_requests, 1);
}

/*
 * Wait until every bio of @req has ended, then release it.  If the caller
 * is killed first, the request is left to the completion path.
 */
static int zcio_req_wait_and_release(struct zcio_req *req)
{
	int ret;

	if (req->opf & REQ_POLLED)
		zcio_req_poll(req);
	if (wait_for_completion_killable(&req->done)) {
		if (atomic_cmpxchg(&req->state, ZCIO_REQ_WAITING,
				   ZCIO_REQ_ABANDONED) == ZCIO_REQ_WAITING) {
			zcio_count(killed, 1);
			return -EINTR;
		}
		/* The last bio ended meanwhile and is completing @done. */
		wait_for_completion(&req->done);
	}
	ret = req->error;
	zcio_req_release(req);
	return ret;
}

/* Like O_DIRECT: flush cached pages of the range before the device I/O. */
int zcio_sync_page_cache(struct file *file, blk_opf_t opf, loff_t pos,
			 u64 len)
{
	struct address_space *mapping = file->f_mapping;
	loff_t end = pos + len - 1;
	int ret;

	ret = filemap_write_and_wait_range(mapping, pos, end);
	if (ret || !op_is_write(opf))
		return ret;
	/* Buffered readers must find the new data on the device. */
	return invalidate_inode_pages2_range(mapping, pos >> PAGE_SHIFT,
					     end >> PAGE_SHIFT);
}

/**
 * zcio_submit_and_wait - transfer between a user buffer and a block device
 * @x:		a validated transfer with a nonzero length; the caller
 *		releases it
 *
 * Return: @x->len on success or a negative errno.  Either way nothing stays
 * pinned once it returns, unless the caller was killed, in which case the
 * completion path releases the pages.
 */
long zcio_submit_and_wait(struct zcio_xfer *x)
{
	blk_opf_t opf = x->opf;
	u64 len = x->len;
	struct zcio_trace t;
	struct zcio_req *req;
	int ret, err;

	zcio_trace_start(&t, x, false);
	ret = zcio_sync_page_cache(x->file, opf, x->pos, len);
	if (ret)
		goto out_note;
	if (zcio_simple_fits(x)) {
		ret = zcio_io_simple(x, &t);
		if (ret != ZCIO_SIMPLE_FALLBACK)
			goto out;
	}
	req = zcio_req_alloc(x, NULL);
	if (!req) {
		ret = -ENOMEM;
		goto out_note;
	}
	req->trace = t;
	ret = zcio_req_submit(req);
	zcio_req_put_pending(req);
	err = zcio_req_wait_and_release(req);
	if (!ret)
		ret = err;
	goto out;

out_note:
	/* The request failed before it had a bio. */
	zcio_note_done(&t, zcio_file_bdev(x->file), ret);
out:
	zcio_account(opf, len, ret);
	if (ret)
		return ret;
	return len;
}

/**
 * zcio_submit_async - start a transfer whose completion @ctx reaps
 * @ctx:	the context; it has a slot reserved for this request
 * @x:		a validated transfer (the caller releases it); all zero if
 *		@error is set
 * @tag:	the caller's tag for the completion event
 * @error:	nonzero: complete at once with this errno (failed validation)
 * @mem:	zcio_req_bytes() for the request, which now owns them
 */
void zcio_submit_async(struct zcio_ctx *ctx, struct zcio_xfer *x, u64 tag,
		       int error, void *mem)
{
	struct zcio_req *req;

	if (!error && x->len)
		error = zcio_sync_page_cache(x->file, x->opf, x->pos, x->len);
	req = zcio_req_alloc(x, mem);
	if (!error && x->len)
		zcio_trace_start(&req->trace, x, true);
	req->ctx = ctx;
	req->tag = tag;
	refcount_inc(&ctx->ref);
	if (error) {
		req->error = error;
	} else {
		zcio_req_submit(req);
		/* Every bio is out: ZCIO_IOC_REAP may poll them now. */
		if (zcio_req_polled(req))
			zcio_ctx_add_polled(ctx, req);
	}
	/* @req may be reaped as soon as this is put. */
	zcio_req_put_pending(req);
}
