/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place in zcio that tests kernel versions.  Each helper names
 * the interface that moved and the release where it moved.
 */
#ifndef ZCIO_COMPAT_H
#define ZCIO_COMPAT_H

#include <linux/version.h>
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/fs.h>

/* 6.8 added file_bdev(); before it the bdev inode's mapping leads there. */
static inline struct block_device *zcio_file_bdev(struct file *file)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return file_bdev(file);
#else
	return I_BDEV(file->f_mapping->host);
#endif
}

/*
 * Whether zcio polls @bdev: its queue has poll queues and takes
 * REQ_NOWAIT, which zcio's polled bios carry (io.c).  6.11 moved "the
 * queue polls" from QUEUE_FLAG_POLL to BLK_FEAT_POLL.
 */
static inline bool zcio_bdev_can_poll(struct block_device *bdev)
{
#ifdef BLK_FEAT_POLL
	if (!(bdev_get_queue(bdev)->limits.features & BLK_FEAT_POLL))
		return false;
#else
	if (!test_bit(QUEUE_FLAG_POLL, &bdev_get_queue(bdev)->queue_flags))
		return false;
#endif
	return bdev_nowait(bdev);
}

/* 6.12 made struct fd opaque: fd_file() instead of the .file member. */
#ifdef fd_file
#define zcio_fd_file(f)	fd_file(f)
#else
#define zcio_fd_file(f)	((f).file)
#endif

/*
 * 6.11 made "rotational" the queue feature BLK_FEAT_ROTATIONAL; 7.0 added
 * bdev_rot() and 7.1 removed bdev_nonrot().
 */
static inline bool zcio_bdev_nonrot(struct block_device *bdev)
{
#ifdef BLK_FEAT_ROTATIONAL
	return !(bdev_get_queue(bdev)->limits.features & BLK_FEAT_ROTATIONAL);
#else
	return bdev_nonrot(bdev);
#endif
}

/* 7.3 renamed struct bvec_iter's bi_bvec_done to bi_offset. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
#define zcio_bvec_done(iter)	((iter)->bi_offset)
#else
#define zcio_bvec_done(iter)	((iter)->bi_bvec_done)
#endif

/* 6.5 gave bd_prepare_to_claim() the holder's operations. */
static inline int zcio_prepare_to_claim(struct block_device *bdev,
					void *holder)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return bd_prepare_to_claim(bdev, holder, NULL);
#else
	return bd_prepare_to_claim(bdev, holder);
#endif
}

/* 6.9 dropped the gfp_mask argument of blkdev_zone_mgmt(). */
static inline int zcio_zone_mgmt(struct block_device *bdev, enum req_op op,
				 sector_t sector, sector_t nr_sectors)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	return blkdev_zone_mgmt(bdev, op, sector, nr_sectors);
#else
	return blkdev_zone_mgmt(bdev, op, sector, nr_sectors, GFP_KERNEL);
#endif
}

#endif /* ZCIO_COMPAT_H */
