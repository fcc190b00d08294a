// SPDX-License-Identifier: GPL-2.0
/*
 * Submission and completion of one synchronous zcio request.
 *
 * The caller maps the buffer into as many bios as it takes, submits them
 * under one plug and sleeps killably until the last bio ends.  Releasing
 * the pages (dirty + unpin) needs process context, so bio completion only
 * counts down; whoever owns the request when the count reaches zero
 * releases it:
 *
 *   WAITING --last bio ends--> DONE       the woken caller releases it
 *   WAITING --caller killed--> ABANDONED  the last bio queues release_work
 *
 * Both transitions are a cmpxchg on @state, so exactly one side wins.
 */
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/task_io_accounting_ops.h>

#include "zcio.h"

static void zcio_req_free(struct zcio_req *req)
{
	fput(req->file);
	kfree(req);
	zcio_req_put_live();
}

/*
 * After a write, drop pages a buffered reader may have cached meanwhile.
 * If that fails, do what dio_warn_stale_pagecache() does: make the next
 * fsync() of the device report EIO, and say so once in a while.
 */
static void zcio_invalidate_after_write(struct zcio_req *req)
{
	struct address_space *mapping = req->file->f_mapping;
	loff_t end = req->pos + req->len - 1;

	if (!mapping->nrpages ||
	    !invalidate_inode_pages2_range(mapping, req->pos >> PAGE_SHIFT,
					   end >> PAGE_SHIFT))
		return;
	errseq_set(&mapping->wb_err, -EIO);
	pr_warn_ratelimited("zcio: stale page cache after write to %pg; buffered users may see old data\n",
			    req->bdev);
}

/*
 * Drop stale cached pages after a successful write, unmap every bio of
 * @req and free it.  Process context.
 */
static void zcio_req_release(struct zcio_req *req)
{
	bool is_write = op_is_write(req->opf);
	struct zcio_bio *zb, *next;

	if (is_write && !req->error)
		zcio_invalidate_after_write(req);
	for (zb = req->bios; zb; zb = next) {
		next = zb->next;
		zcio_bio_unmap_user(&zb->bio, !is_write);
	}
	zcio_req_free(req);
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
	if (atomic_cmpxchg(&req->state, ZCIO_REQ_WAITING, ZCIO_REQ_DONE) ==
	    ZCIO_REQ_WAITING)
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

/* bi_end_io: may run in interrupt context, so it only records and counts. */
static void zcio_bio_end_io(struct bio *bio)
{
	struct zcio_req *req = container_of(bio, struct zcio_bio, bio)->req;

	if (bio->bi_status)
		cmpxchg(&req->error, 0, blk_status_to_errno(bio->bi_status));
	zcio_req_put_pending(req);
}

static struct zcio_req *zcio_req_alloc(struct file *file, blk_opf_t opf,
				       unsigned long uaddr, u64 len, loff_t pos)
{
	struct zcio_req *req = kzalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);

	if (!req)
		return NULL;
	req->file = get_file(file);
	req->bdev = zcio_file_bdev(file);
	req->opf = opf;
	req->uaddr = uaddr;
	req->len = len;
	req->pos = pos;
	atomic_set(&req->pending, 1);
	atomic_set(&req->state, ZCIO_REQ_WAITING);
	init_completion(&req->done);
	INIT_WORK(&req->release_work, zcio_req_release_work);
	zcio_req_get_live();
	return req;
}

/* Attach @bio to @req and send it to the device. */
static void zcio_req_submit_bio(struct zcio_req *req, struct bio *bio,
				u64 done)
{
	struct zcio_bio *zb = container_of(bio, struct zcio_bio, bio);

	zb->req = req;
	zb->next = req->bios;
	req->bios = zb;
	bio->bi_iter.bi_sector = (req->pos + done) >> SECTOR_SHIFT;
	bio->bi_end_io = zcio_bio_end_io;
	atomic_inc(&req->pending);
	zcio_count(bios, 1);
	submit_bio(bio);
}

/*
 * Map and submit the whole buffer, one bio after another.  A bio that maps
 * less than the rest is followed by another; a mapping error or a fatal
 * signal stops the loop and is returned, and the bios already submitted
 * still complete.  Drops the submitter's count on @req->pending at the end.
 */
static int zcio_req_submit(struct zcio_req *req)
{
	struct blk_plug plug;
	u64 done = 0, mapped;
	int ret = 0;

	blk_start_plug(&plug);
	while (done < req->len) {
		struct bio *bio;

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		bio = zcio_bio_map_user(req->bdev, req->opf, req->uaddr + done,
					req->len - done);
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
	blk_finish_plug(&plug);
	zcio_req_put_pending(req);
	return ret;
}

/*
 * Wait until every bio of @req has ended, then release it.  If the caller
 * is killed first, the request is left to the completion path.
 */
static int zcio_req_wait_and_release(struct zcio_req *req)
{
	int ret;

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
static int zcio_sync_page_cache(struct file *file, blk_opf_t opf, loff_t pos,
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

static void zcio_account(blk_opf_t opf, u64 bytes, int ret)
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

/**
 * zcio_submit_and_wait - transfer between a user buffer and a block device
 * @file:	the target block-device file, opened by the caller
 * @opf:	REQ_OP_READ or REQ_OP_WRITE with request flags
 * @uaddr:	the user buffer, validated by the caller
 * @len:	bytes, nonzero, validated and clamped to the device
 * @pos:	device byte offset, validated
 *
 * Return: @len on success or a negative errno.  Either way nothing stays
 * pinned once it returns, unless the caller was killed, in which case the
 * completion path releases the pages.
 */
long zcio_submit_and_wait(struct file *file, blk_opf_t opf,
			  unsigned long uaddr, u64 len, loff_t pos)
{
	struct zcio_req *req;
	int ret, err;

	ret = zcio_sync_page_cache(file, opf, pos, len);
	if (ret)
		goto out;
	req = zcio_req_alloc(file, opf, uaddr, len, pos);
	if (!req) {
		ret = -ENOMEM;
		goto out;
	}
	ret = zcio_req_submit(req);
	err = zcio_req_wait_and_release(req);
	if (!ret)
		ret = err;
out:
	zcio_account(opf, len, ret);
	if (ret)
		return ret;
	return len;
}
