// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path for small synchronous transfers, after the kernel's own
 * __blkdev_direct_IO_simple(): one bio and its vecs on the stack, no
 * request and no allocation.  It is taken for transfers of at most
 * ZCIO_SIMPLE_VECS pages, where the bookkeeping of the general path
 * (io.c) would cost as much as the I/O.
 *
 * Like pread() with O_DIRECT, and unlike the general path, it waits
 * uninterruptibly (as iowait): a bio on the stack cannot be abandoned to
 * a killed caller.  The transfer is small, so the wait is as short as
 * the device allows.
 */
#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/task_io_accounting_ops.h>

#include "zcio.h"

#define ZCIO_SIMPLE_VECS	8

/* Small enough for the fast path. */
bool zcio_simple_fits(const struct zcio_xfer *x)
{
	if (x->bio_bytes && x->bio_bytes < x->len)
		return false;
	if (x->rbuf)
		return x->len <= ZCIO_SIMPLE_VECS * PAGE_SIZE;
	return zcio_span_pages(x->uaddr, x->len) <= ZCIO_SIMPLE_VECS;
}

/*
 * Pin all @nr pages from @uaddr, or none: ZCIO_SIMPLE_FALLBACK if fewer
 * could be pinned (the general path maps what it can), else 0 or -errno.
 */
static int zcio_simple_pin(unsigned long uaddr, unsigned int nr,
			   unsigned int gup_flags, struct page **pages)
{
	int ret;

	ret = pin_user_pages_fast(uaddr & PAGE_MASK, nr, gup_flags, pages);
	if (ret == nr) {
		zcio_count(pins, nr);
		return 0;
	}
	if (ret <= 0)
		return ret ?: -EFAULT;
	unpin_user_pages(pages, ret);
	return ZCIO_SIMPLE_FALLBACK;
}

/* What the bio's completion needs: bi_private points at it. */
struct zcio_simple_done {
	struct completion done;
	const struct zcio_trace *trace;
	u64 len;
	atomic_t submit;
};

static void zcio_simple_end_io(struct bio *bio)
{
	struct zcio_simple_done *sd = bio->bi_private;

	if (zcio_bio_refused(bio, &sd->submit))
		return;

	/* As zcio_req_io_done(): lets zcio_exit() wait for this to return. */
	rcu_read_lock();
	zcio_note_done(sd->trace, bio->bi_bdev,
		       bio->bi_status ? blk_status_to_errno(bio->bi_status) :
					sd->len);
	complete(&sd->done);
	rcu_read_unlock();
}

/*
 * Wait for @bio: poll its queue while it is polled, else sleep.  Counted
 * as polled only if it ended while this polled.
 */
static void zcio_simple_wait(struct bio *bio, struct completion *done)
{
	bool polled = false;

	while (!completion_done(done)) {
		if (!(bio->bi_opf & REQ_POLLED)) {
			wait_for_completion_io(done);
			return;
		}
		bio_poll(bio, NULL, 0);
		polled = true;
		cond_resched();
	}
	if (polled)
		zcio_count(polled_requests, 1);
}

/**
 * zcio_io_simple - transfer a small validated buffer with a bio on the stack
 * @x:		the transfer; zcio_simple_fits() said yes.  The caller keeps
 *		its references.
 * @t:		the request's trace state
 *
 * Return: 0, a negative errno, or ZCIO_SIMPLE_FALLBACK before any I/O
 * when the pages could not all be pinned: then the caller takes the
 * general path.
 */
int zcio_io_simple(struct zcio_xfer *x, const struct zcio_trace *t)
{
	bool is_write = op_is_write(x->opf);
	unsigned int gup_flags = is_write ? 0 : FOLL_WRITE;
	struct block_device *bdev = zcio_file_bdev(x->file);
	struct zcio_simple_done sd = { .trace = t, .len = x->len };
	struct bio_vec vecs[ZCIO_SIMPLE_VECS];
	struct page *pages[ZCIO_SIMPLE_VECS];
	unsigned int nr = 0;
	struct bio bio;
	int ret;

	if (x->rbuf) {
		bio_init(&bio, bdev, NULL, 0, x->opf);
		zcio_bio_set_rbuf(&bio, x->rbuf, x->uaddr, x->len);
	} else {
		nr = zcio_span_pages(x->uaddr, x->len);
		ret = zcio_simple_pin(x->uaddr, nr, gup_flags, pages);
		if (ret == ZCIO_SIMPLE_FALLBACK)
			return ret;
		if (ret) {
			zcio_note_done(t, bdev, ret);
			return ret;
		}
		bio_init(&bio, bdev, vecs, nr, x->opf);
		ret = zcio_bio_add_pages(&bio, pages, x->uaddr, x->len);
		if (ret) {
			zcio_note_done(t, bdev, ret);
			goto out_unpin;
		}
	}
	init_completion(&sd.done);
	bio.bi_iter.bi_sector = x->pos >> SECTOR_SHIFT;
	bio.bi_ioprio = x->ioprio;
	bio.bi_private = &sd;
	bio.bi_end_io = zcio_simple_end_io;
	if (is_write)
		task_io_account_write(x->len);
	zcio_count(bios, 1);
	zcio_note_bio(t, &bio, nr);
	zcio_bio_check_flush(t, &bio);
	/* Its only polled bio is this one: it may wait for a tag. */
	if (zcio_submit_bio(&bio, &sd.submit))
		submit_bio(&bio);
	zcio_simple_wait(&bio, &sd.done);
	ret = blk_status_to_errno(bio.bi_status);
	if (is_write && !ret)
		zcio_invalidate_after_write(x->file, x->pos, x->len);
out_unpin:
	if (nr) {
		unpin_user_pages_dirty_lock(pages, nr, !is_write);
		zcio_count(unpins, nr);
	}
	zcio_note_unmap(t, bdev, is_write ? 0 : nr, nr);
	bio_uninit(&bio);
	return ret;
}
