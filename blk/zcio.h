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
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/zcio.h>

#include "compat.h"

#define ZCIO_VERSION_MAJOR	0
#define ZCIO_VERSION_MINOR	2
#define ZCIO_VERSION_PATCH	3
#define ZCIO_VERSION_STR	"0.2.3"

#define ZCIO_FEATURES	(ZCIO_FEAT_SYNC_IO | ZCIO_FEAT_DEVINFO | \
			 ZCIO_FEAT_STATS | ZCIO_FEAT_ASYNC | \
			 ZCIO_FEAT_REGBUF | ZCIO_FEAT_POLLED | \
			 ZCIO_FEAT_REQFLAGS | ZCIO_FEAT_NONDATA | \
			 ZCIO_FEAT_ZONED)

/* The largest transfer one request may ask for, as read(2) allows. */
#define ZCIO_MAX_IO_BYTES	((u32)(INT_MAX & PAGE_MASK))
/* Asynchronous I/Os one open /dev/zcio may hold, submitted and unreaped. */
#define ZCIO_MAX_INFLIGHT	1024U
/* Registered buffers: how many per ZCIO_IOC_REGISTER, and how large. */
#define ZCIO_MAX_BUFS		1024U
#define ZCIO_MAX_BUF_BYTES	((u32)SZ_1G)
/* A request of up to this many pages carries its bio in its allocation. */
#define ZCIO_INLINE_VECS	8U
/* Memory of reaped requests a context keeps for the next ones. */
#define ZCIO_REQ_CACHE		64U
/* Most completion events one ZCIO_IOC_REAP copies in one go. */
#define ZCIO_REAP_BATCH		16U

/**
 * struct zcio_bio - a bio and the user pages pinned for it
 * @req:	the request this bio belongs to
 * @next:	the request's previous bio (a list, newest first)
 * @pages:	the pinned pages; points behind @bvecs in the same allocation
 * @nr_pages:	how many entries of @pages are pinned
 * @ended:	the bio has completed (set by its bi_end_io)
 * @submit:	the hand-over of a polled bio's submission (io.c)
 * @resubmit:	submits it again, unpolled, after the block layer refused it
 * @embedded:	the memory belongs to the request (struct zcio_req @room)
 * @bio:	the bio, initialised over @bvecs
 * @bvecs:	the bio's vector table, followed by the page pointers
 *
 * One kmalloc holds all of it and lives until the request is released:
 * not from a bio_set, whose mempool only guarantees progress when every
 * bio is freed as soon as it completes.  The first bio of a small request
 * lives in the request's own allocation instead (@embedded).
 */
struct zcio_bio {
	struct zcio_req *req;
	struct zcio_bio *next;
	struct page **pages;
	unsigned int nr_pages;
	bool ended;
	bool embedded;
	atomic_t submit;
	struct work_struct resubmit;
	struct bio bio;
	struct bio_vec bvecs[];
};

/**
 * struct zcio_rbuf - one registered buffer
 * @uaddr:	its user address at registration
 * @len:	its length in bytes
 * @nr_pages:	pages pinned for it
 * @bvecs:	one bvec per page, covering exactly [@uaddr, @uaddr + @len)
 */
struct zcio_rbuf {
	unsigned long uaddr;
	u64 len;
	unsigned int nr_pages;
	struct bio_vec *bvecs;
};

/**
 * struct zcio_rbufs - the buffers of one ZCIO_IOC_REGISTER
 * @ref:	the context's reference plus one per request using a buffer
 * @user:	the user charged for the pinned pages (RLIMIT_MEMLOCK)
 * @mm:		the mm whose pinned_vm counts them
 * @nr_pages:	pages charged
 * @nr:		entries in @bufs
 * @bufs:	the buffers
 *
 * The last put unpins the pages; it happens in process context, from
 * ZCIO_IOC_UNREGISTER, close() or the release of the last request.
 */
struct zcio_rbufs {
	refcount_t ref;
	struct user_struct *user;
	struct mm_struct *mm;
	unsigned long nr_pages;
	unsigned int nr;
	struct zcio_rbuf bufs[];
};

/**
 * struct zcio_ctx - the state of one open /dev/zcio
 * @lock:	protects the fields below it; taken from bio completion
 * @done:	completed asynchronous requests, oldest first
 * @nr_slots:	asynchronous requests submitted and not yet reaped
 * @nr_done:	of which completed (on @done)
 * @polled:	requests in flight with REQ_POLLED bios, oldest first
 * @nr_polled:	entries on @polled
 * @dead:	the file was released: completions release themselves
 * @cache:	memory of reaped requests, zcio_req_bytes() each
 * @nr_cache:	entries on @cache, at most ZCIO_REQ_CACHE
 * @rbufs:	registered buffers, or NULL
 * @wait:	woken when a request joins @done
 * @poll_lock:	held while polling a request of @polled and while freeing
 *		reaped requests, so that a polled request stays allocated
 * @poll_work:	polls @polled once a tick while it is not empty
 * @ref:	the file's reference plus one per asynchronous request
 */
struct zcio_ctx {
	spinlock_t lock;		/* protects the fields below */
	struct list_head done;
	unsigned int nr_slots;
	unsigned int nr_done;
	struct list_head polled;
	unsigned int nr_polled;
	bool dead;
	struct list_head cache;
	unsigned int nr_cache;
	struct zcio_rbufs *rbufs;
	wait_queue_head_t wait;
	struct mutex poll_lock;		/* see above */
	struct delayed_work poll_work;
	refcount_t ref;
};

/**
 * struct zcio_xfer - a transfer that passed validation
 * @fd:		the target's fd, looked up with fdget() (no reference taken
 *		when the caller's fd table is not shared, as for pread())
 * @file:	the file behind @fd, valid until zcio_xfer_put(); a request
 *		that outlives the call takes its own reference
 * @opf:	bio operation and flags
 * @uaddr:	user address, or byte offset into @rbuf
 * @rbufs:	a reference to the registered set if @rbuf is set
 * @rbuf:	the registered buffer, or NULL for plain user memory
 * @len:	bytes, clamped to the end of the device; 0: nothing to do
 * @pos:	device byte offset
 * @bio_bytes:	most bytes per bio, or 0
 * @ioprio:	the bios' I/O priority, or 0 for the task's
 * @noplug:	submit without a plug
 *
 * Whoever fills one in with zcio_xfer_prep() releases it.
 */
struct zcio_xfer {
	struct fd fd;
	struct file *file;
	blk_opf_t opf;
	unsigned long uaddr;
	struct zcio_rbufs *rbufs;
	struct zcio_rbuf *rbuf;
	u64 len;
	loff_t pos;
	u32 bio_bytes;
	u16 ioprio;
	bool noplug;
};

/**
 * struct zcio_trace - a request as traces see it (note.c)
 * @id:		its id in blktrace notes and tracepoints; 0: not traced
 * @start_ns:	when it started, for the latency in the "done" note
 */
struct zcio_trace {
	u64 id;
	u64 start_ns;
};

/* Who releases a request: the waiting caller, or the completion work. */
enum zcio_req_state {
	ZCIO_REQ_WAITING,	/* bios in flight, caller waiting */
	ZCIO_REQ_DONE,		/* all bios ended, caller releases */
	ZCIO_REQ_ABANDONED,	/* caller was killed, the workqueue releases */
};

/**
 * struct zcio_req - one transfer in flight
 * @file:	the target block-device file, referenced until release
 * @bdev:	the block device behind @file
 * @opf:	bio operation and flags
 * @pos:	device byte offset of the transfer
 * @len:	bytes to transfer (already clamped to the end of the device)
 * @uaddr:	user address of the buffer, or offset into @rbuf
 * @rbufs:	registered set holding @rbuf (a reference), or NULL
 * @rbuf:	registered buffer, or NULL
 * @bio_bytes:	most bytes per bio, or 0
 * @ioprio:	the bios' I/O priority
 * @noplug:	submit without a plug
 * @ctx:	asynchronous request: the context that reaps it, else NULL
 * @tag:	asynchronous request: the caller's tag
 * @node:	asynchronous request: entry on @ctx->polled while in flight
 *		(if polled), then on @ctx->done
 * @bios:	every bio mapped for this request, newest first
 * @pending:	bios in flight plus one while the submitter still maps
 * @error:	first errno seen by a bio, 0 if none
 * @state:	enum zcio_req_state, decides who releases the request
 * @done:	completed when @pending drops to zero
 * @release_work: releases an abandoned request in process context
 * @trace:	its id and start time if it is traced
 * @room:	room for the first bio of a small request, or NULL; points
 *		behind the request in the same allocation
 */
struct zcio_req {
	struct file *file;
	struct block_device *bdev;
	blk_opf_t opf;
	loff_t pos;
	u64 len;
	unsigned long uaddr;
	struct zcio_rbufs *rbufs;
	struct zcio_rbuf *rbuf;
	u32 bio_bytes;
	u16 ioprio;
	bool noplug;
	struct zcio_ctx *ctx;
	u64 tag;
	struct list_head node;
	struct zcio_bio *bios;
	atomic_t pending;
	int error;
	atomic_t state;
	struct completion done;
	struct work_struct release_work;
	struct zcio_trace trace;
	struct zcio_bio *room;
};

/* Pages that the user range [@uaddr, @uaddr + @len) spans. */
static inline unsigned long zcio_span_pages(unsigned long uaddr, u64 len)
{
	return DIV_ROUND_UP(offset_in_page(uaddr) + len, PAGE_SIZE);
}

/* main.c */
extern struct workqueue_struct *zcio_wq;
void zcio_req_get_live(void);
void zcio_req_put_live(void);

/* ctl.c */
long zcio_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int zcio_xfer_prep(struct zcio_ctx *ctx, const struct zcio_io *io,
		   struct zcio_xfer *x);
void zcio_xfer_put(struct zcio_xfer *x);
int zcio_xfer_get_writer(struct zcio_xfer *x, int fd);
int zcio_io_check_fields(const struct zcio_io *io);

/* ctx.c */
int zcio_open(struct inode *inode, struct file *file);
int zcio_release(struct inode *inode, struct file *file);
__poll_t zcio_poll(struct file *file, struct poll_table_struct *wait);
long zcio_ioctl_submit(struct zcio_ctx *ctx, struct zcio_submit __user *usub);
long zcio_ioctl_reap(struct zcio_ctx *ctx, struct zcio_reap __user *ureap);
void zcio_ctx_complete(struct zcio_req *req);
void zcio_ctx_add_polled(struct zcio_ctx *ctx, struct zcio_req *req);
void zcio_ctx_put(struct zcio_ctx *ctx);

/* rbuf.c */
long zcio_ioctl_register(struct zcio_ctx *ctx,
			 struct zcio_register __user *ureg);
long zcio_ioctl_unregister(struct zcio_ctx *ctx);
struct zcio_rbufs *zcio_rbufs_get(struct zcio_ctx *ctx);
void zcio_rbufs_put(struct zcio_rbufs *rbufs);

/* note.c: each zcio_note_*() does nothing for an untraced request. */
void zcio_trace_start(struct zcio_trace *t, const struct zcio_xfer *x,
		      bool async);
void __zcio_note_bio(const struct zcio_trace *t, const struct bio *bio,
		     unsigned int nr_pages);
void __zcio_note_partial(const struct zcio_trace *t,
			 struct block_device *bdev, u64 mapped, u64 wanted,
			 unsigned int pinned, unsigned int asked);
void __zcio_note_done(const struct zcio_trace *t, struct block_device *bdev,
		      long result);
void __zcio_note_unmap(const struct zcio_trace *t, struct block_device *bdev,
		       unsigned long dirtied, unsigned long unpinned);

/* A bio about to be submitted, with @nr_pages pinned for it. */
static inline void zcio_note_bio(const struct zcio_trace *t,
				 const struct bio *bio, unsigned int nr_pages)
{
	if (unlikely(t->id))
		__zcio_note_bio(t, bio, nr_pages);
}

void zcio_bio_check_flush(const struct zcio_trace *t, const struct bio *bio);

/*
 * A bio maps @mapped of the @wanted bytes left: @pinned of @asked pages,
 * or (@pinned and @asked 0) it was capped at @mapped bytes.
 */
static inline void zcio_note_partial(const struct zcio_trace *t,
				     struct block_device *bdev, u64 mapped,
				     u64 wanted, unsigned int pinned,
				     unsigned int asked)
{
	if (unlikely(t->id))
		__zcio_note_partial(t, bdev, mapped, wanted, pinned, asked);
}

/* Every bio has ended: @result is bytes or -errno. */
static inline void zcio_note_done(const struct zcio_trace *t,
				  struct block_device *bdev, long result)
{
	if (unlikely(t->id))
		__zcio_note_done(t, bdev, result);
}

/* The pages are released: @dirtied of @unpinned marked dirty. */
static inline void zcio_note_unmap(const struct zcio_trace *t,
				   struct block_device *bdev,
				   unsigned long dirtied, unsigned long unpinned)
{
	if (unlikely(t->id))
		__zcio_note_unmap(t, bdev, dirtied, unpinned);
}

/* map.c */
size_t zcio_bio_size(unsigned int nr);
struct bio *zcio_bio_map_user(struct block_device *bdev, blk_opf_t opf,
			      unsigned long uaddr, u64 len,
			      struct zcio_bio *room,
			      const struct zcio_trace *t);
struct bio *zcio_bio_map_rbuf(struct block_device *bdev, blk_opf_t opf,
			      const struct zcio_rbuf *rbuf, u64 off, u64 len,
			      struct zcio_bio *room);
void zcio_bio_set_rbuf(struct bio *bio, const struct zcio_rbuf *rbuf, u64 off,
		       u64 len);
int zcio_bio_add_pages(struct bio *bio, struct page **pages,
		       unsigned long uaddr, u64 bytes);
void zcio_bio_unmap_user(struct bio *bio, bool write_to_vm);

/* io.c */
long zcio_submit_and_wait(struct zcio_xfer *x);
void zcio_submit_async(struct zcio_ctx *ctx, struct zcio_xfer *x, u64 tag,
		       int error, void *mem);
void zcio_req_release(struct zcio_req *req);
void zcio_req_recycle(struct zcio_req *req);
void zcio_req_unmap(struct zcio_req *req);

/* The memory of an asynchronous request: any transfer fits in it. */
static inline size_t zcio_req_bytes(void)
{
	return sizeof(struct zcio_req) + zcio_bio_size(ZCIO_INLINE_VECS);
}

enum zcio_poll {
	ZCIO_POLL_NONE,
	ZCIO_POLL_WAIT,
	ZCIO_POLL_DONE,
};

enum zcio_poll zcio_req_poll_once(struct zcio_req *req);
bool zcio_bio_refused(struct bio *bio, atomic_t *submit);
bool zcio_submit_bio(struct bio *bio, atomic_t *submit);
bool zcio_req_polled(struct zcio_req *req);
void zcio_invalidate_after_write(struct file *file, loff_t pos, u64 len);
int zcio_sync_page_cache(struct file *file, blk_opf_t opf, loff_t pos,
			 u64 len);
void zcio_account(blk_opf_t opf, u64 bytes, int ret);

/* nondata.c */
long zcio_nondata_run(const struct zcio_io *io);

/* zone.c */
int zcio_zone_append(const struct zcio_io *io, u64 *landed);

/* simple.c */
#define ZCIO_SIMPLE_FALLBACK	1
bool zcio_simple_fits(const struct zcio_xfer *x);
int zcio_io_simple(struct zcio_xfer *x, const struct zcio_trace *t);
int zcio_req_result(const struct zcio_req *req);

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
	u64 async_requests;
	u64 polled_requests;
	u64 flush_dropped;
	u64 bios_capped;
};

DECLARE_PER_CPU(struct zcio_counters, zcio_counters);

#define zcio_count(field, n)	this_cpu_add(zcio_counters.field, (n))

void zcio_stats_read(struct zcio_stats *st);
extern const struct attribute_group *zcio_attr_groups[];

#endif /* ZCIO_H */
