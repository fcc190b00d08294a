// SPDX-License-Identifier: GPL-2.0
/*
 * The operations that move no data: flush, discard, secure erase, write
 * zeroes and the zone management operations (reset, open, close, finish;
 * zone append, which moves data, is in zone.c).  They run synchronously,
 * with the checks, errnos and page cache handling of the block layer's
 * own ioctls (blk_ioctl_discard(), blk_ioctl_secure_erase(),
 * blk_ioctl_zeroout() and blkdev_zone_mgmt_ioctl() in block/), and a few
 * stricter rules, each said where it is checked: all of them need an fd
 * open for writing, a read-only device refuses them all but flush, ranges
 * must be aligned to the logical block size (and discards to the discard
 * granularity), write zeroes never falls back to writing pages of zeroes,
 * and a device that is not zoned answers EOPNOTSUPP, not ENOTTY.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/pagemap.h>

#include "zcio.h"

/* The bio operation of a non-data ZCIO_OP_*. */
static blk_opf_t zcio_nondata_opf(u8 op)
{
	switch (op) {
	case ZCIO_OP_DISCARD:
		return REQ_OP_DISCARD;
	case ZCIO_OP_SECURE_ERASE:
		return REQ_OP_SECURE_ERASE;
	case ZCIO_OP_WRITE_ZEROES:
		return REQ_OP_WRITE_ZEROES;
	case ZCIO_OP_ZONE_RESET:
		return REQ_OP_ZONE_RESET;
	case ZCIO_OP_ZONE_OPEN:
		return REQ_OP_ZONE_OPEN;
	case ZCIO_OP_ZONE_CLOSE:
		return REQ_OP_ZONE_CLOSE;
	case ZCIO_OP_ZONE_FINISH:
		return REQ_OP_ZONE_FINISH;
	default:
		return REQ_OP_WRITE | REQ_PREFLUSH;
	}
}

/* The device can do @op at all; EOPNOTSUPP as the kernel's ioctls say. */
static int zcio_nondata_supported(struct block_device *bdev, u8 op)
{
	switch (op) {
	case ZCIO_OP_DISCARD:
		return bdev_max_discard_sectors(bdev) ? 0 : -EOPNOTSUPP;
	case ZCIO_OP_SECURE_ERASE:
		return bdev_max_secure_erase_sectors(bdev) ? 0 : -EOPNOTSUPP;
	case ZCIO_OP_WRITE_ZEROES:
		return bdev_write_zeroes_sectors(bdev) ? 0 : -EOPNOTSUPP;
	case ZCIO_OP_FLUSH:
		return 0;
	default:
		return bdev_is_zoned(bdev) ? 0 : -EOPNOTSUPP;
	}
}

/*
 * Whole zones, as blkdev_zone_mgmt() wants them: from a zone start, a
 * multiple of the zone size or up to the end of the device (whose last
 * zone may be smaller).
 */
static int zcio_zone_check_range(struct block_device *bdev,
				 const struct zcio_io *io)
{
	u64 zone = (u64)bdev_zone_sectors(bdev) << SECTOR_SHIFT;
	u64 size = bdev_nr_bytes(bdev);

	if (!io->len || io->offset > size || io->len > size - io->offset)
		return -EINVAL;
	if (io->offset % zone)
		return -EINVAL;
	if (io->len % zone && io->offset + io->len != size)
		return -EINVAL;
	return 0;
}

/*
 * The range of @io on @bdev: a flush has none; the others need a nonzero
 * range inside the device (EINVAL, as BLKDISCARD: not clamped like a
 * read), aligned to the logical block size (the kernel's ioctls check 512
 * bytes, then the block layer the block size) and, for a discard, to the
 * discard granularity, which the kernel would silently round to.
 */
static int zcio_nondata_check_range(struct block_device *bdev,
				    const struct zcio_io *io)
{
	unsigned int align = bdev_logical_block_size(bdev);

	if (io->addr || io->buf_index)
		return -EINVAL;
	if (io->op == ZCIO_OP_FLUSH)
		return io->len || io->offset ? -EINVAL : 0;
	if (io->op >= ZCIO_OP_ZONE_RESET)
		return zcio_zone_check_range(bdev, io);
	if (io->op == ZCIO_OP_DISCARD)
		align = max(align, bdev_discard_granularity(bdev));
	if (!io->len || io->offset % align || io->len % align)
		return -EINVAL;
	if (io->offset > bdev_nr_bytes(bdev) ||
	    io->len > bdev_nr_bytes(bdev) - io->offset)
		return -EINVAL;
	return 0;
}

/* The device may be changed through the fd, a writer's (ctl.c). */
static int zcio_nondata_check_target(struct file *file, u8 op)
{
	struct block_device *bdev = zcio_file_bdev(file);

	if (op == ZCIO_OP_FLUSH)
		return 0;
	/* Stricter than 6.1's ioctls, which only warn for these. */
	if (bdev_read_only(bdev))
		return -EPERM;
	if (IS_SWAPFILE(file->f_mapping->host))
		return -ETXTBSY;
	return 0;
}

/*
 * Drop the cached pages of the range, as truncate_bdev_range() (not
 * exported) does: truncate them while holding the device exclusively for
 * a moment, so that no filesystem on it loses its buffers; if someone
 * else holds it, only invalidate what is clean and unused.  The caller
 * holds the mapping's invalidate lock.
 */
static int zcio_nondata_truncate(struct file *file, loff_t start, loff_t end)
{
	struct block_device *bdev = zcio_file_bdev(file);
	struct address_space *mapping = file->f_mapping;

	/* Opened with O_EXCL: the fd holds the device already. */
	if (file->f_flags & O_EXCL) {
		truncate_inode_pages_range(mapping, start, end);
		return 0;
	}
	if (zcio_prepare_to_claim(bdev, zcio_nondata_truncate))
		return invalidate_inode_pages2_range(mapping,
						     start >> PAGE_SHIFT,
						     end >> PAGE_SHIFT);
	truncate_inode_pages_range(mapping, start, end);
	bd_abort_claiming(bdev, zcio_nondata_truncate);
	return 0;
}

/* An empty write with PREFLUSH, as blkdev_issue_flush() sends. */
static int zcio_nondata_flush(struct block_device *bdev,
			      const struct zcio_trace *t)
{
	struct bio bio;
	int ret;

	bio_init(&bio, bdev, NULL, 0, REQ_OP_WRITE | REQ_PREFLUSH);
	zcio_count(bios, 1);
	zcio_note_bio(t, &bio, 0);
	zcio_bio_check_flush(t, &bio);
	ret = submit_bio_wait(&bio);
	bio_uninit(&bio);
	return ret;
}

/* Send @io's operation over [@pos, @pos + @len) and wait for it. */
static int zcio_nondata_issue(struct block_device *bdev,
			      const struct zcio_io *io)
{
	sector_t sector = io->offset >> SECTOR_SHIFT;
	sector_t nr = io->len >> SECTOR_SHIFT;
	unsigned int zflags = BLKDEV_ZERO_NOFALLBACK;

	switch (io->op) {
	case ZCIO_OP_DISCARD:
		return blkdev_issue_discard(bdev, sector, nr, GFP_KERNEL);
	case ZCIO_OP_ZONE_RESET:
	case ZCIO_OP_ZONE_OPEN:
	case ZCIO_OP_ZONE_CLOSE:
	case ZCIO_OP_ZONE_FINISH:
		return zcio_zone_mgmt(bdev, zcio_nondata_opf(io->op), sector,
				      nr);
	case ZCIO_OP_SECURE_ERASE:
		return blkdev_issue_secure_erase(bdev, sector, nr, GFP_KERNEL);
	default:
		if (io->flags & ZCIO_IO_NOUNMAP)
			zflags |= BLKDEV_ZERO_NOUNMAP;
		return blkdev_issue_zeroout(bdev, sector, nr, GFP_KERNEL,
					    zflags);
	}
}

/* Drop the range from the page cache and run @io on it. */
static int zcio_nondata_range(struct file *file, const struct zcio_io *io)
{
	struct address_space *mapping = file->f_mapping;
	loff_t end = io->offset + io->len - 1;
	int ret;

	/* Opening, closing or finishing a zone leaves its data alone. */
	if (io->op >= ZCIO_OP_ZONE_OPEN)
		return zcio_nondata_issue(zcio_file_bdev(file), io);
	filemap_invalidate_lock(mapping);
	ret = zcio_nondata_truncate(file, io->offset, end);
	if (!ret)
		ret = zcio_nondata_issue(zcio_file_bdev(file), io);
	filemap_invalidate_unlock(mapping);
	return ret;
}

static int zcio_nondata_check(struct file *file, const struct zcio_io *io)
{
	struct block_device *bdev = zcio_file_bdev(file);
	int ret;

	ret = zcio_nondata_check_target(file, io->op);
	if (ret)
		return ret;
	ret = zcio_nondata_supported(bdev, io->op);
	if (ret)
		return ret;
	return zcio_nondata_check_range(bdev, io);
}

/**
 * zcio_nondata_run - run a flush, discard, secure erase or write zeroes
 * @io:		the request, its fields checked by zcio_io_check_fields()
 *
 * Not counted in the module's request counters, which count transfers;
 * the device's own statistics count them.
 *
 * Return: @io->len (0 for a flush) or a negative errno.
 */
long zcio_nondata_run(const struct zcio_io *io)
{
	struct zcio_xfer x = {};
	struct zcio_trace t;
	int ret;

	ret = zcio_xfer_get_writer(&x, io->fd);
	if (ret)
		return ret;
	ret = zcio_nondata_check(x.file, io);
	if (ret)
		goto out_put;
	x.opf = zcio_nondata_opf(io->op);
	x.pos = io->offset;
	x.len = io->len;
	zcio_trace_start(&t, &x, false);
	if (io->op == ZCIO_OP_FLUSH)
		ret = zcio_nondata_flush(zcio_file_bdev(x.file), &t);
	else
		ret = zcio_nondata_range(x.file, io);
	zcio_note_done(&t, zcio_file_bdev(x.file), ret ?: io->len);
out_put:
	zcio_xfer_put(&x);
	return ret ?: io->len;
}
