/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcio private definitions shared by all files of the module.
 *
 * One ZCIO_IOC_IO call becomes one struct zcio_req.  The request owns the
 * bios that carry the user pages; each bio is a struct zcio_bio, whose
 * front part records the pages pinned for it so that they can be released
 * exactly once when the request ends.
 */
#ifndef ZCIO_H
#define ZCIO_H

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <linux/zcio.h>

#include "compat.h"

#define ZCIO_VERSION_MAJOR	0
#define ZCIO_VERSION_MINOR	1
#define ZCIO_VERSION_PATCH	0
#define ZCIO_VERSION_STR	"0.1.0"

#define ZCIO_FEATURES	(ZCIO_FEAT_SYNC_IO | ZCIO_FEAT_DEVINFO | ZCIO_FEAT_STATS)

/* The largest transfer one request may ask for, as read(2) allows. */
#define ZCIO_MAX_IO_BYTES	((u32)(INT_MAX & PAGE_MASK))

/**
 * struct zcio_bio - a bio and the user pages pinned for it
 * @req:	the request this bio belongs to
 * @next:	the request's previous bio (a list, newest first)
 * @pages:	the pinned pages; points behind @bvecs in the same allocation
 * @nr_pages:	how many entries of @pages are pinned
 * @bio:	the bio, initialised over @bvecs
 * @bvecs:	the bio's vector table, followed by the page pointers
 *
 * One kmalloc holds all of it and lives until the request is released:
 * not from a bio_set, whose mempool only guarantees progress when every
 * bio is freed as soon as it completes.
 */
struct zcio_bio {
	struct zcio_req *req;
	struct zcio_bio *next;
	struct page **pages;
	unsigned int nr_pages;
	struct bio bio;
	struct bio_vec bvecs[];
};

/* Who releases a request: the waiting caller, or the completion work. */
enum zcio_req_state {
	ZCIO_REQ_WAITING,	/* bios in flight, caller waiting */
	ZCIO_REQ_DONE,		/* all bios ended, caller releases */
	ZCIO_REQ_ABANDONED,	/* caller was killed, the workqueue releases */
};

/**
 * struct zcio_req - one synchronous transfer in flight
 * @file:	the target block-device file, referenced until release
 * @bdev:	the block device behind @file
 * @opf:	bio operation and flags
 * @pos:	device byte offset of the transfer
 * @len:	bytes to transfer (already clamped to the end of the device)
 * @uaddr:	user address of the buffer
 * @bios:	every bio mapped for this request, newest first
 * @pending:	bios in flight plus one while the submitter still maps
 * @error:	first errno seen by a bio, 0 if none
 * @state:	enum zcio_req_state, decides who releases the request
 * @done:	completed when @pending drops to zero
 * @release_work: releases an abandoned request in process context
 */
struct zcio_req {
	struct file *file;
	struct block_device *bdev;
	blk_opf_t opf;
	loff_t pos;
	u64 len;
	unsigned long uaddr;
	struct zcio_bio *bios;
	atomic_t pending;
	int error;
	atomic_t state;
	struct completion done;
	struct work_struct release_work;
};

/* main.c */
extern struct workqueue_struct *zcio_wq;
void zcio_req_get_live(void);
void zcio_req_put_live(void);

/* ctl.c */
long zcio_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* map.c */
struct bio *zcio_bio_map_user(struct block_device *bdev, blk_opf_t opf,
			      unsigned long uaddr, u64 len);
void zcio_bio_unmap_user(struct bio *bio, bool write_to_vm);

/* io.c */
long zcio_submit_and_wait(struct file *file, blk_opf_t opf,
			  unsigned long uaddr, u64 len, loff_t pos);

/* stats.c */
struct zcio_counters {
	u64 requests;
	u64 reads;
	u64 writes;
	u64 bytes_read;
	u64 bytes_written;
	u64 bios;
	u64 partial_maps;
	u64 errors;
	u64 pins;
	u64 unpins;
	u64 killed;
};

DECLARE_PER_CPU(struct zcio_counters, zcio_counters);

#define zcio_count(field, n)	this_cpu_add(zcio_counters.field, (n))

void zcio_stats_read(struct zcio_stats *st);
extern const struct attribute_group *zcio_attr_groups[];

#endif /* ZCIO_H */
