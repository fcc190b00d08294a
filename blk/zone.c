// SPDX-License-Identifier: GPL-2.0
/*
 * Zone append: write a buffer at the write pointer of a sequential zone
 * and learn where it landed.  The block layer may not split a zone append
 * bio, so the whole buffer goes into one bio or the call fails before any
 * I/O: all its pages pinned (EFAULT otherwise), at most BIO_MAX_VECS of
 * them and no more than the queue's segments (EINVAL), and no more bytes
 * than max_zone_append_sectors (EINVAL).  Errors the device reports (a
 * full zone, a conventional zone) come back as the block layer returns
 * them, EIO.  The zone management operations live with the other
 * non-data operations in nondata.c.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "zcio.h"

/* The device behind a writer's fd (ctl.c) takes zone appends at all. */
static int zcio_append_check_target(struct file *file)
{
	struct block_device *bdev = zcio_file_bdev(file);

	if (!bdev_is_zoned(bdev))
		return -EOPNOTSUPP;
	if (bdev_read_only(bdev))
		return -EPERM;
	return 0;
}

/* One bio can carry @io into the zone that starts at @io->offset. */
static int zcio_append_check(struct block_device *bdev,
			     const struct zcio_io *io)
{
	u64 zone = (u64)bdev_zone_sectors(bdev) << SECTOR_SHIFT;
	u64 max = (u64)bdev_max_zone_append_sectors(bdev) << SECTOR_SHIFT;
	unsigned long pages;

	if (io->buf_index || !io->len || io->len > max || io->len > zone)
		return -EINVAL;
	if (io->offset % zone || io->offset >= bdev_nr_bytes(bdev))
		return -EINVAL;
	if ((io->offset | io->len) & (bdev_logical_block_size(bdev) - 1))
		return -EINVAL;
	if (io->addr & bdev_dma_alignment(bdev))
		return -EINVAL;
	if (io->addr != (unsigned long)io->addr ||
	    !access_ok(u64_to_user_ptr(io->addr), io->len))
		return -EFAULT;
	pages = zcio_span_pages(io->addr, io->len);
	if (pages > BIO_MAX_VECS || pages > bdev_max_segments(bdev))
		return -EINVAL;
	return 0;
}

/*
 * Pin the buffer into one bio and append it; the data landed at
 * @*landed.  The zone's cached pages are written back and dropped before,
 * and the landed range's dropped again after, as for a write.
 */
static int zcio_append_io(struct file *file, const struct zcio_io *io,
			  const struct zcio_trace *t, u64 *landed)
{
	struct block_device *bdev = zcio_file_bdev(file);
	u64 zone = (u64)bdev_zone_sectors(bdev) << SECTOR_SHIFT;
	blk_opf_t opf = REQ_OP_ZONE_APPEND | REQ_SYNC | REQ_IDLE;
	unsigned int nr;
	struct bio *bio;
	int ret;

	if (io->flags & ZCIO_IO_FUA)
		opf |= REQ_FUA;
	ret = zcio_sync_page_cache(file, REQ_OP_WRITE, io->offset,
				   min_t(u64, zone,
					 bdev_nr_bytes(bdev) - io->offset));
	if (ret)
		return ret;
	bio = zcio_bio_map_user(bdev, opf, io->addr, io->len, NULL, t);
	if (IS_ERR(bio))
		return PTR_ERR(bio);
	if (bio->bi_iter.bi_size != io->len) {
		ret = -EFAULT;
		goto out_unmap;
	}
	bio->bi_iter.bi_sector = io->offset >> SECTOR_SHIFT;
	zcio_count(bios, 1);
	zcio_note_bio(t, bio, container_of(bio, struct zcio_bio, bio)->nr_pages);
	zcio_bio_check_flush(t, bio);
	ret = submit_bio_wait(bio);
	if (!ret) {
		*landed = (u64)bio->bi_iter.bi_sector << SECTOR_SHIFT;
		zcio_invalidate_after_write(file, *landed, io->len);
	}
out_unmap:
	nr = container_of(bio, struct zcio_bio, bio)->nr_pages;
	zcio_bio_unmap_user(bio, false);
	zcio_note_unmap(t, bdev, 0, nr);
	return ret;
}

/**
 * zcio_zone_append - ZCIO_OP_ZONE_APPEND
 * @io:		the request, its fields checked by zcio_io_check_fields()
 * @landed:	set to the device byte offset where the data landed
 *
 * Return: 0 or a negative errno, with nothing left pinned.
 */
int zcio_zone_append(const struct zcio_io *io, u64 *landed)
{
	struct zcio_xfer x = {};
	struct zcio_trace t;
	int ret;

	ret = zcio_xfer_get_writer(&x, io->fd);
	if (ret)
		return ret;
	ret = zcio_append_check_target(x.file);
	if (!ret)
		ret = zcio_append_check(zcio_file_bdev(x.file), io);
	if (ret)
		goto out_put;
	x.opf = REQ_OP_ZONE_APPEND;
	x.uaddr = io->addr;
	x.pos = io->offset;
	x.len = io->len;
	zcio_trace_start(&t, &x, false);
	ret = zcio_append_io(x.file, io, &t, landed);
	zcio_note_done(&t, zcio_file_bdev(x.file), ret ?: (long)*landed);
	zcio_account(REQ_OP_ZONE_APPEND, io->len, ret);
out_put:
	zcio_xfer_put(&x);
	return ret;
}
