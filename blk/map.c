// SPDX-License-Identifier: GPL-2.0
/*
 * zcio_bio_map_user() and zcio_bio_unmap_user(): the 2.6 pair
 * bio_map_user()/bio_unmap_user(), rebuilt on today's GUP interface.
 *
 * The LWN article this project started from left two questions open:
 * SetPageDirty() or set_page_dirty_lock(), and page_cache_release() or
 * put_page().  Today's answers:
 *
 *  - Pages that the device will write into are pinned with FOLL_PIN
 *    (pin_user_pages_fast() with FOLL_WRITE), not merely referenced with
 *    get_user_pages().  A pin is visible to the rest of mm (page_maybe_dma_
 *    pinned()), so fork() copies such pages for the child instead of
 *    sharing them, and writeback knows that DMA may still be running.
 *  - Dirtying and releasing happen together, after the I/O, in process
 *    context: unpin_user_pages_dirty_lock(pages, n, true).  It uses
 *    set_page_dirty_lock(), never a bare SetPageDirty(): a file-backed
 *    page must go through its mapping's ->dirty_folio() with the page
 *    locked, or its filesystem never learns that it has to write it back.
 *    Taking the page lock may sleep, which is why the unmap runs from the
 *    waiting caller or a workqueue and never from bio completion.
 *  - page_cache_release() is gone (it was put_page() all along), and a
 *    pinned page must not be released with put_page() either: each pin is
 *    undone by unpin_user_page(s), which drops the pin bias.  Pages that
 *    were only read by the device are released by unpin_user_pages().
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "zcio.h"

/* Undo @nr pins taken by zcio_bio_map_user(). */
static void zcio_unpin(struct page **pages, unsigned int nr)
{
	unpin_user_pages(pages, nr);
	zcio_count(unpins, nr);
}

/* Bytes of a struct zcio_bio with room for @nr pages. */
size_t zcio_bio_size(unsigned int nr)
{
	struct zcio_bio *zb;

	return struct_size(zb, bvecs, nr) + nr * sizeof(*zb->pages);
}

/*
 * A zcio_bio with room for @nr pages and a bio over it: @room if the
 * caller has one (zcio_bio_size(@nr) bytes that it frees itself), else a
 * kmalloc charged to the caller's memory cgroup.
 */
static struct zcio_bio *zcio_bio_alloc(struct block_device *bdev,
				       blk_opf_t opf, unsigned int nr,
				       struct zcio_bio *room)
{
	struct zcio_bio *zb = room;

	if (!zb) {
		zb = kmalloc(zcio_bio_size(nr), GFP_KERNEL_ACCOUNT);
		if (!zb)
			return NULL;
	}
	zb->embedded = room;
	bio_init(&zb->bio, bdev, zb->bvecs, nr, opf);
	zb->pages = (struct page **)(zb->bvecs + nr);
	zb->nr_pages = 0;
	return zb;
}

static void zcio_bio_free(struct zcio_bio *zb)
{
	bio_uninit(&zb->bio);
	if (!zb->embedded)
		kfree(zb);
}

/*
 * How many bytes from @uaddr the @nr_pinned pages can carry in one bio.
 * When that is less than the @len wanted, cut it to whole logical blocks,
 * as bio_iov_iter_get_pages() does: the next bio must start on a block
 * boundary, and the block layer cannot split a bio inside a block.
 * Returns 0 if not even one block fits.
 */
static u64 zcio_map_bytes(struct block_device *bdev, unsigned long uaddr,
			  u64 len, unsigned int nr_pinned)
{
	u64 bytes = (u64)nr_pinned * PAGE_SIZE - offset_in_page(uaddr);

	if (bytes >= len)
		return len;
	return round_down(bytes, bdev_logical_block_size(bdev));
}

/*
 * Add @bytes of the pinned pages, starting at @uaddr's offset in the first
 * page, to the bio.  The bio was allocated with a vec for every page, so
 * bio_add_page() cannot refuse one; if it ever does, the mapping fails.
 */
int zcio_bio_add_pages(struct bio *bio, struct page **pages,
		       unsigned long uaddr, u64 bytes)
{
	unsigned int offset = offset_in_page(uaddr);
	unsigned int i;

	for (i = 0; bytes; i++) {
		unsigned int n = min_t(u64, PAGE_SIZE - offset, bytes);

		if (bio_add_page(bio, pages[i], n, offset) != n)
			return -EIO;
		bytes -= n;
		offset = 0;
	}
	return 0;
}

/**
 * zcio_bio_map_user - map a user buffer into a bio
 * @bdev:	the target block device
 * @opf:	REQ_OP_READ (the device writes user memory) or REQ_OP_WRITE,
 *		with request flags
 * @uaddr:	start of the user buffer
 * @len:	bytes wanted, nonzero
 * @room:	zcio_bio_size(N) bytes for the bio, N at least the pages
 *		[@uaddr, @uaddr + @len) spans, or NULL to allocate it
 * @t:		the request's trace state: a partial mapping is noted
 *
 * Pins the pages behind the buffer and builds one bio against @bdev with
 * them.  The bio may cover less than @len: pin_user_pages_fast() may pin
 * fewer pages than asked, and a bio holds at most BIO_MAX_VECS pages.  A
 * bio that covers less ends on a logical block boundary; the caller reads
 * bio->bi_iter.bi_size and maps the rest into further bios.
 *
 * Return: the bio, ready for bi_sector and submission, or an ERR_PTR()
 * with nothing left pinned.  Never NULL.
 */
struct bio *zcio_bio_map_user(struct block_device *bdev, blk_opf_t opf,
			      unsigned long uaddr, u64 len,
			      struct zcio_bio *room,
			      const struct zcio_trace *t)
{
	unsigned int gup_flags = op_is_write(opf) ? 0 : FOLL_WRITE;
	unsigned int nr_want, nr_pinned;
	struct zcio_bio *zb;
	u64 bytes;
	int ret;

	nr_want = min_t(unsigned long, zcio_span_pages(uaddr, len),
			BIO_MAX_VECS);
	zb = zcio_bio_alloc(bdev, opf, nr_want, room);
	if (!zb)
		return ERR_PTR(-ENOMEM);

	ret = pin_user_pages_fast(uaddr & PAGE_MASK, nr_want, gup_flags,
				  zb->pages);
	if (ret <= 0) {
		ret = ret ?: -EFAULT;
		goto out_free;
	}
	nr_pinned = ret;
	zcio_count(pins, nr_pinned);
	zb->nr_pages = nr_pinned;

	bytes = zcio_map_bytes(bdev, uaddr, len, nr_pinned);
	if (!bytes) {
		ret = -EFAULT;
		goto out_unpin;
	}
	if (bytes < len)
		zcio_note_partial(t, bdev, bytes, len, nr_pinned, nr_want);
	zb->nr_pages = zcio_span_pages(uaddr, bytes);
	zcio_unpin(zb->pages + zb->nr_pages, nr_pinned - zb->nr_pages);
	ret = zcio_bio_add_pages(&zb->bio, zb->pages, uaddr, bytes);
	if (ret)
		goto out_unpin;
	return &zb->bio;

out_unpin:
	zcio_unpin(zb->pages, zb->nr_pages);
out_free:
	zcio_bio_free(zb);
	return ERR_PTR(ret);
}

/**
 * zcio_bio_map_rbuf - a bio over part of a registered buffer
 * @bdev:	the target block device
 * @opf:	bio operation and flags
 * @rbuf:	the buffer, pinned at registration
 * @off:	byte offset into the buffer
 * @len:	bytes, nonzero, within the buffer
 * @room:	zcio_bio_size(0) bytes for the bio, or NULL to allocate it
 *
 * Nothing is pinned: the bio points into the buffer's own bvec table, as
 * bio_iov_bvec_set() does for io_uring's fixed buffers, so one bio covers
 * all of @len and the block layer splits it where the queue needs.
 *
 * Return: the bio or ERR_PTR(-ENOMEM).
 */
struct bio *zcio_bio_map_rbuf(struct block_device *bdev, blk_opf_t opf,
			      const struct zcio_rbuf *rbuf, u64 off, u64 len,
			      struct zcio_bio *room)
{
	struct zcio_bio *zb;

	zb = zcio_bio_alloc(bdev, opf, 0, room);
	if (!zb)
		return ERR_PTR(-ENOMEM);
	zcio_bio_set_rbuf(&zb->bio, rbuf, off, len);
	return &zb->bio;
}

/**
 * zcio_bio_set_rbuf - point a bio without vecs of its own into a buffer
 * @bio:	initialised with no bvec table
 * @rbuf:	the registered buffer
 * @off:	byte offset into the buffer
 * @len:	bytes, nonzero, within the buffer
 */
void zcio_bio_set_rbuf(struct bio *bio, const struct zcio_rbuf *rbuf, u64 off,
		       u64 len)
{
	u64 start = offset_in_page(rbuf->uaddr) + off;
	unsigned int idx = start >> PAGE_SHIFT;

	bio->bi_io_vec = rbuf->bvecs + idx;
	bio->bi_vcnt = DIV_ROUND_UP(start + len, PAGE_SIZE) - idx;
	/* The first bvec starts at the buffer's offset in its page. */
	zcio_bvec_done(&bio->bi_iter) = idx ? offset_in_page(start) : off;
	bio->bi_iter.bi_size = len;
	bio_set_flag(bio, BIO_CLONED);
}

/**
 * zcio_bio_unmap_user - release a bio built by zcio_bio_map_user()
 * @bio:	the bio, completed or never submitted
 * @write_to_vm: the device wrote into the pages (a read): dirty them
 *
 * Dirties the pages if the device wrote them, unpins every page exactly
 * once and frees the bio (unless its room belongs to the caller).  A bio
 * over a registered buffer pinned nothing
 * of its own: its pages stay pinned with the buffer.  The caller has not
 * freed the bio at completion: it carries the page list until here.
 * Sleeps: call it in process context only.
 */
void zcio_bio_unmap_user(struct bio *bio, bool write_to_vm)
{
	struct zcio_bio *zb = container_of(bio, struct zcio_bio, bio);

	might_sleep();
	unpin_user_pages_dirty_lock(zb->pages, zb->nr_pages, write_to_vm);
	zcio_count(unpins, zb->nr_pages);
	zcio_bio_free(zb);
}
