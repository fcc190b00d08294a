// SPDX-License-Identifier: GPL-2.0
/*
 * The context of one open /dev/zcio: asynchronous submission, completion
 * reaping and poll().
 *
 * Every asynchronous request holds a slot from ZCIO_IOC_SUBMIT until
 * ZCIO_IOC_REAP hands its event to the caller, so the requests in flight
 * plus the events not yet reaped never exceed ZCIO_MAX_INFLIGHT: the
 * completion queue is a list of finished requests and cannot overflow.
 *
 * A reaped request leaves its memory to the context, which hands it to
 * the next submitted one (up to ZCIO_REQ_CACHE of them are kept): at
 * queue depth a request then costs no allocation.
 *
 * When the file is released, finished requests are released with it and
 * the ones still in flight release themselves on completion (from the
 * workqueue: unpinning needs process context).  Each request holds a
 * reference on the context, so the context outlives them all.
 *
 * Polled requests (ZCIO_IO_HIPRI on a queue with poll queues) sit on a
 * poll queue that raises no interrupt: ZCIO_IOC_REAP polls them instead
 * of sleeping, and the release of the file polls until none is left.
 * Between reaps a worker polls them once a tick (zcio_ctx_poll_work()).
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "zcio.h"

/* How long polled requests wait for a poller before the worker polls. */
#define ZCIO_POLL_IDLE	1	/* jiffies */
/* Requests one plug allocates in one go: blk-mq's BLK_MAX_REQUEST_COUNT. */
#define ZCIO_PLUG_BATCH	32U

static void zcio_ctx_poll_work(struct work_struct *work);

int zcio_open(struct inode *inode, struct file *file)
{
	struct zcio_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);

	if (!ctx)
		return -ENOMEM;
	spin_lock_init(&ctx->lock);
	INIT_LIST_HEAD(&ctx->done);
	INIT_LIST_HEAD(&ctx->polled);
	INIT_LIST_HEAD(&ctx->cache);
	mutex_init(&ctx->poll_lock);
	INIT_DELAYED_WORK(&ctx->poll_work, zcio_ctx_poll_work);
	init_waitqueue_head(&ctx->wait);
	refcount_set(&ctx->ref, 1);
	file->private_data = ctx;
	return 0;
}

void zcio_ctx_put(struct zcio_ctx *ctx)
{
	if (refcount_dec_and_test(&ctx->ref))
		kfree(ctx);
}

/* Take @req off the polled list, if it is still on it.  Under @ctx->lock. */
static void zcio_ctx_unpoll_locked(struct zcio_ctx *ctx, struct zcio_req *req)
{
	if (list_empty(&req->node))
		return;
	list_del_init(&req->node);
	ctx->nr_polled--;
}

/**
 * zcio_ctx_add_polled - have an asynchronous request polled until it ends
 * @ctx:	its context
 * @req:	the request, all of its bios submitted, not yet completed
 */
void zcio_ctx_add_polled(struct zcio_ctx *ctx, struct zcio_req *req)
{
	spin_lock_irq(&ctx->lock);
	list_add_tail(&req->node, &ctx->polled);
	ctx->nr_polled++;
	spin_unlock_irq(&ctx->lock);
	/* Nothing if it is pending already. */
	queue_delayed_work(system_wq, &ctx->poll_work, ZCIO_POLL_IDLE);
}

/*
 * After polling @req, the oldest polled request, once: take it off the
 * list if it has no polled bio any more (it completes by interrupt), or
 * send it to the back if none of its polled bios has reached the driver
 * yet, so that the requests ahead of it there are polled.  Only if it is
 * still on the list: its last bio may have ended and moved it meanwhile.
 */
static void zcio_ctx_polled_once(struct zcio_ctx *ctx, struct zcio_req *req,
				 enum zcio_poll res)
{
	spin_lock_irq(&ctx->lock);
	if (list_first_entry_or_null(&ctx->polled, struct zcio_req,
				     node) == req) {
		if (res == ZCIO_POLL_NONE)
			zcio_ctx_unpoll_locked(ctx, req);
		else if (res == ZCIO_POLL_WAIT)
			list_move_tail(&req->node, &ctx->polled);
	}
	spin_unlock_irq(&ctx->lock);
}

/*
 * Poll polled requests, oldest first, until one queue was polled or each
 * request on the list was tried once.  Returns false if there was
 * nothing to poll.  Under @ctx->poll_lock.
 */
static bool zcio_ctx_poll_locked(struct zcio_ctx *ctx)
{
	enum zcio_poll res = ZCIO_POLL_NONE;
	unsigned int tries = 0;
	struct zcio_req *req;

	while (res != ZCIO_POLL_DONE) {
		spin_lock_irq(&ctx->lock);
		req = list_first_entry_or_null(&ctx->polled, struct zcio_req,
					       node);
		if (req && res == ZCIO_POLL_WAIT && ++tries >= ctx->nr_polled)
			req = NULL;
		spin_unlock_irq(&ctx->lock);
		if (!req)
			break;
		/* Only a reaper frees @req, and it needs poll_lock. */
		res = zcio_req_poll_once(req);
		zcio_ctx_polled_once(ctx, req, res);
	}
	return res != ZCIO_POLL_NONE;
}

static bool zcio_ctx_poll_once(struct zcio_ctx *ctx)
{
	bool ret;

	mutex_lock(&ctx->poll_lock);
	ret = zcio_ctx_poll_locked(ctx);
	mutex_unlock(&ctx->poll_lock);
	return ret;
}

/*
 * Only a waiting ZCIO_IOC_REAP polls a context's polled requests, but a
 * caller may wait for them elsewhere: for their events in poll() or
 * epoll, or, in another ioctl or on another context, for what they hold
 * (a tag, a zone's write lock, the I/O scheduler's order), and only the
 * driver's timeout would end them.  So while any is in flight they are
 * polled here once a tick, unless someone is polling them already.  Not
 * on zcio_wq: its workers may be waiting for these very requests.
 */
static void zcio_ctx_poll_work(struct work_struct *work)
{
	struct zcio_ctx *ctx = container_of(to_delayed_work(work),
					    struct zcio_ctx, poll_work);

	if (mutex_trylock(&ctx->poll_lock)) {
		zcio_ctx_poll_locked(ctx);
		mutex_unlock(&ctx->poll_lock);
	}
	if (READ_ONCE(ctx->nr_polled))
		queue_delayed_work(system_wq, &ctx->poll_work, ZCIO_POLL_IDLE);
}

int zcio_release(struct inode *inode, struct file *file)
{
	struct zcio_ctx *ctx = file->private_data;
	struct zcio_req *req, *next;
	LIST_HEAD(done);

	/* Poll until none is left, then stop the worker: it has no more. */
	while (zcio_ctx_poll_once(ctx))
		cond_resched();
	cancel_delayed_work_sync(&ctx->poll_work);

	spin_lock_irq(&ctx->lock);
	ctx->dead = true;
	list_splice_init(&ctx->done, &done);
	spin_unlock_irq(&ctx->lock);

	list_for_each_entry_safe(req, next, &done, node)
		zcio_req_release(req);
	list_for_each_entry_safe(req, next, &ctx->cache, node)
		kfree(req);
	zcio_ioctl_unregister(ctx);
	zcio_ctx_put(ctx);
	return 0;
}

/**
 * zcio_ctx_complete - the last bio of an asynchronous request has ended
 * @req:	the request
 *
 * Queues the request for ZCIO_IOC_REAP and wakes waiters, or, when the
 * file is gone, has the workqueue release it.  Any context.
 */
void zcio_ctx_complete(struct zcio_req *req)
{
	struct zcio_ctx *ctx = req->ctx;
	unsigned long flags;

	spin_lock_irqsave(&ctx->lock, flags);
	/* Still on the list: its poll queue completed it, so it was polled. */
	if (!list_empty(&req->node)) {
		zcio_ctx_unpoll_locked(ctx, req);
		zcio_count(polled_requests, 1);
	}
	if (ctx->dead) {
		spin_unlock_irqrestore(&ctx->lock, flags);
		queue_work(zcio_wq, &req->release_work);
		return;
	}
	list_add_tail(&req->node, &ctx->done);
	ctx->nr_done++;
	/*
	 * A reaper checks for events under ctx->lock after it joined the
	 * queue, so with the lock held an empty queue means nobody to wake.
	 */
	if (waitqueue_active(&ctx->wait))
		wake_up(&ctx->wait);
	spin_unlock_irqrestore(&ctx->lock, flags);
}

__poll_t zcio_poll(struct file *file, struct poll_table_struct *wait)
{
	struct zcio_ctx *ctx = file->private_data;
	unsigned int nr_done;
	unsigned long flags;

	poll_wait(file, &ctx->wait, wait);
	/* Under the lock, as zcio_ctx_complete() decides whether to wake. */
	spin_lock_irqsave(&ctx->lock, flags);
	nr_done = ctx->nr_done;
	spin_unlock_irqrestore(&ctx->lock, flags);
	return nr_done ? EPOLLIN | EPOLLRDNORM : 0;
}

/*
 * Give back @nr slots, and keep the memory of the reaped requests on
 * @list for the next ones while the cache has room; free the rest.
 */
static void zcio_ctx_put_slots(struct zcio_ctx *ctx, unsigned int nr,
			       struct list_head *list)
{
	struct zcio_req *req, *next;

	spin_lock_irq(&ctx->lock);
	ctx->nr_slots -= nr;
	list_for_each_entry_safe(req, next, list, node) {
		if (ctx->nr_cache == ZCIO_REQ_CACHE)
			break;
		list_move(&req->node, &ctx->cache);
		ctx->nr_cache++;
	}
	spin_unlock_irq(&ctx->lock);
	list_for_each_entry_safe(req, next, list, node)
		kfree(req);
}

/*
 * Take a slot for one more asynchronous request and zcio_req_bytes() for
 * it, from the cache if it has some: ERR_PTR(-EAGAIN) if the context is
 * full, ERR_PTR(-ENOMEM).
 */
static void *zcio_ctx_get_slot(struct zcio_ctx *ctx)
{
	struct zcio_req *req;
	LIST_HEAD(none);
	void *mem;

	spin_lock_irq(&ctx->lock);
	if (ctx->nr_slots == ZCIO_MAX_INFLIGHT) {
		spin_unlock_irq(&ctx->lock);
		return ERR_PTR(-EAGAIN);
	}
	ctx->nr_slots++;
	req = list_first_entry_or_null(&ctx->cache, struct zcio_req, node);
	if (req) {
		list_del(&req->node);
		ctx->nr_cache--;
	}
	spin_unlock_irq(&ctx->lock);
	if (req)
		return req;
	mem = kmalloc(zcio_req_bytes(), GFP_KERNEL_ACCOUNT);
	if (mem)
		return mem;
	zcio_ctx_put_slots(ctx, 1, &none);
	return ERR_PTR(-ENOMEM);
}

/*
 * Start one entry of ZCIO_IOC_SUBMIT.  Once it has a slot, an entry
 * always ends in an event, with -errno if it fails validation; only a
 * full context or no memory for the request refuse it.
 */
static int zcio_submit_one(struct zcio_ctx *ctx, const struct zcio_io *io)
{
	struct zcio_xfer x = {};
	void *mem;
	int error;

	mem = zcio_ctx_get_slot(ctx);
	if (IS_ERR(mem))
		return PTR_ERR(mem);
	error = zcio_io_check_fields(io);
	if (!error)
		error = zcio_xfer_prep(ctx, io, &x);
	zcio_submit_async(ctx, &x, io->tag, error, mem);
	zcio_xfer_put(&x);
	return 0;
}

/*
 * blk_start_plug() for a batch of about @nr requests, so that blk-mq
 * allocates their tags and requests in one go: what io_uring's
 * blk_start_plug_nr_ios() does, which is not exported.  A nested plug is
 * left alone, as blk_start_plug() leaves it.
 */
static void zcio_start_plug(struct blk_plug *plug, unsigned int nr)
{
	blk_start_plug(plug);
	if (current->plug == plug)
		plug->nr_ios = min(nr, ZCIO_PLUG_BATCH);
}

long zcio_ioctl_submit(struct zcio_ctx *ctx, struct zcio_submit __user *usub)
{
	struct zcio_io __user *uios;
	struct zcio_submit sub;
	struct blk_plug plug;
	struct zcio_io io;
	unsigned int i;
	int ret = 0;

	if (copy_from_user(&sub, usub, sizeof(sub)))
		return -EFAULT;
	if (sub.flags || memchr_inv(sub.resv, 0, sizeof(sub.resv)))
		return -EINVAL;
	uios = u64_to_user_ptr(sub.ios);
	/* One plug for the batch, as io_uring_submit() does. */
	zcio_start_plug(&plug, sub.nr);
	for (i = 0; i < sub.nr; i++) {
		if (copy_from_user(&io, &uios[i], sizeof(io))) {
			ret = -EFAULT;
			break;
		}
		/* Its bios go out on their own, the batch's before them. */
		if (io.flags & ZCIO_IO_NOPLUG) {
			blk_finish_plug(&plug);
			ret = zcio_submit_one(ctx, &io);
			zcio_start_plug(&plug, sub.nr - i - 1);
		} else {
			ret = zcio_submit_one(ctx, &io);
		}
		if (ret)
			break;
		if (fatal_signal_pending(current)) {
			i++;
			break;
		}
	}
	blk_finish_plug(&plug);
	return i ? i : ret;
}

/* Events that are ready, and the number the caller must wait for. */
static bool zcio_reap_ready(struct zcio_ctx *ctx, unsigned int min_nr)
{
	unsigned int nr_done, nr_slots;

	spin_lock_irq(&ctx->lock);
	nr_done = ctx->nr_done;
	nr_slots = ctx->nr_slots;
	spin_unlock_irq(&ctx->lock);
	return nr_done >= min(min_nr, nr_slots);
}

/*
 * Poll until @min_nr events are ready: 0, -EINTR, -ETIME, or -EAGAIN when
 * nothing is left to poll and the rest must be waited for; then
 * *@timeout_ns (if positive) is what is left of it.
 */
static int zcio_reap_poll(struct zcio_ctx *ctx, unsigned int min_nr,
			  s64 *timeout_ns)
{
	u64 start = ktime_get_ns(), spent;

	while (!zcio_reap_ready(ctx, min_nr)) {
		if (signal_pending(current))
			return -EINTR;
		spent = ktime_get_ns() - start;
		if (*timeout_ns > 0 && spent >= *timeout_ns)
			return -ETIME;
		if (!zcio_ctx_poll_once(ctx)) {
			if (*timeout_ns > 0)
				*timeout_ns -= spent;
			return -EAGAIN;
		}
		cond_resched();
	}
	return 0;
}

/*
 * Wait as struct zcio_reap says: 0, -EINTR (signal) or -ETIME.  Polled
 * requests are polled first, then what is left of the timeout is slept.
 */
static int zcio_reap_wait(struct zcio_ctx *ctx, unsigned int min_nr,
			  s64 timeout_ns)
{
	int ret;

	if (!min_nr || !timeout_ns)
		return 0;
	if (READ_ONCE(ctx->nr_polled)) {
		ret = zcio_reap_poll(ctx, min_nr, &timeout_ns);
		if (ret != -EAGAIN)
			return ret;
	}
	if (timeout_ns < 0)
		ret = wait_event_interruptible(ctx->wait,
					       zcio_reap_ready(ctx, min_nr));
	else
		ret = wait_event_interruptible_hrtimeout(ctx->wait,
							 zcio_reap_ready(ctx, min_nr),
							 ns_to_ktime(timeout_ns));
	return ret == -ERESTARTSYS ? -EINTR : ret;
}

/* Take up to @max finished requests off the completion queue. */
static unsigned int zcio_reap_take(struct zcio_ctx *ctx, struct list_head *list,
				   unsigned int max)
{
	struct zcio_req *req, *next;
	unsigned int nr = 0;

	spin_lock_irq(&ctx->lock);
	list_for_each_entry_safe(req, next, &ctx->done, node) {
		if (nr == max)
			break;
		list_move_tail(&req->node, list);
		nr++;
	}
	ctx->nr_done -= nr;
	spin_unlock_irq(&ctx->lock);
	return nr;
}

/* Put requests whose events could not be stored back at the queue head. */
static void zcio_reap_return(struct zcio_ctx *ctx, struct list_head *list,
			     unsigned int nr)
{
	spin_lock_irq(&ctx->lock);
	list_splice(list, &ctx->done);
	ctx->nr_done += nr;
	spin_unlock_irq(&ctx->lock);
}

/*
 * Release up to ZCIO_REAP_BATCH finished requests and store their events
 * at @uev.  Returns the number stored or -EFAULT if none could be; a
 * request whose event was not stored stays queued (unpinned already).
 * Holds poll_lock: zcio_ctx_poll_once() may still be polling one of them.
 */
static int zcio_reap_batch(struct zcio_ctx *ctx, struct zcio_event __user *uev,
			   unsigned int max)
{
	struct zcio_event ev[ZCIO_REAP_BATCH];
	struct zcio_req *req;
	unsigned int nr, i = 0;
	LIST_HEAD(list);

	nr = zcio_reap_take(ctx, &list, min(max, ZCIO_REAP_BATCH));
	if (!nr)
		return 0;
	mutex_lock(&ctx->poll_lock);
	list_for_each_entry(req, &list, node) {
		zcio_req_unmap(req);
		ev[i].tag = req->tag;
		ev[i].result = zcio_req_result(req);
		ev[i].flags = 0;
		i++;
	}
	if (copy_to_user(uev, ev, nr * sizeof(ev[0]))) {
		mutex_unlock(&ctx->poll_lock);
		zcio_reap_return(ctx, &list, nr);
		return -EFAULT;
	}
	list_for_each_entry(req, &list, node)
		zcio_req_recycle(req);
	mutex_unlock(&ctx->poll_lock);
	zcio_ctx_put_slots(ctx, nr, &list);
	return nr;
}

long zcio_ioctl_reap(struct zcio_ctx *ctx, struct zcio_reap __user *ureap)
{
	struct zcio_event __user *uev;
	struct zcio_reap reap;
	unsigned int got = 0;
	int ret;

	if (copy_from_user(&reap, ureap, sizeof(reap)))
		return -EFAULT;
	if (reap.flags || reap.pad || memchr_inv(reap.resv, 0, sizeof(reap.resv)))
		return -EINVAL;
	if (!reap.max_nr || reap.min_nr > reap.max_nr)
		return -EINVAL;
	uev = u64_to_user_ptr(reap.events);
	if (!access_ok(uev, (size_t)reap.max_nr * sizeof(*uev)))
		return -EFAULT;

	ret = zcio_reap_wait(ctx, reap.min_nr, reap.timeout_ns);
	if (ret == -EINTR && !READ_ONCE(ctx->nr_done))
		return ret;
	while (got < reap.max_nr) {
		ret = zcio_reap_batch(ctx, uev + got, reap.max_nr - got);
		if (ret <= 0)
			break;
		got += ret;
	}
	return got ? got : min(ret, 0);
}
