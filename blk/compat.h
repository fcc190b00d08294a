/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place in zcio that tests kernel versions.  Each helper names
 * the interface that moved and the release where it moved.
 */
#ifndef ZCIO_COMPAT_H
#define ZCIO_COMPAT_H

#include <linux/version.h>
#include <linux/blkdev.h>
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

#endif /* ZCIO_COMPAT_H */
