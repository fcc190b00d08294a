// SPDX-License-Identifier: GPL-2.0
/*
 * zcio-engine.so, the I/O path: ->queue, which completes reads, writes,
 * trims and zone appends at once in sync mode and collects reads and
 * writes in async mode; ->commit, which submits them (ZCIO_IOC_SUBMIT);
 * ->getevents and ->event, which reap them (ZCIO_IOC_REAP).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fio.h>
#include <zbd.h>

#include "libzcio.h"
#include "zcio-engine.h"

/* ->queue: fill @io for a read or write io_u. */
static void zcio_fio_prep(struct zcio_fio_data *zd, struct io_u *io_u,
			  struct zcio_io *io)
{
	unsigned int op = io_u->ddir == DDIR_READ ? ZCIO_OP_READ :
						    ZCIO_OP_WRITE;
	char *xfer = io_u->xfer_buf;

	if (zd->registered && zd->buf_per_io_u)
		zcio_prep_fixed(io, op, io_u->file->fd, io_u->index,
				xfer - (char *)io_u->buf, io_u->xfer_buflen,
				io_u->offset);
	else if (zd->registered)
		zcio_prep_fixed(io, op, io_u->file->fd, 0, xfer - zd->reg_base,
				io_u->xfer_buflen, io_u->offset);
	else
		zcio_prep_io(io, op, io_u->file->fd, xfer, io_u->xfer_buflen,
			     io_u->offset);
	io->flags |= zd->io_flags;
	if (op == ZCIO_OP_WRITE)
		io->flags |= zd->write_flags;
	io->bio_bytes = zd->bio_bytes;
	io->tag = io_u->index;
}

/*
 * A transfer's result (bytes or -errno) into io_u->error and ->resid:
 * fewer bytes than asked is a short transfer (the end of the device),
 * which fio retries for the rest; more is a module bug.
 */
static void zcio_fio_result(struct io_u *io_u, int64_t res)
{
	if (res < 0) {
		io_u->error = -res;
	} else if ((unsigned long long)res > io_u->xfer_buflen) {
		log_err("zcio: %lld bytes transferred for %llu asked\n",
			(long long)res, io_u->xfer_buflen);
		io_u->error = EPROTO;
	} else {
		io_u->error = 0;
		io_u->resid = io_u->xfer_buflen - res;
	}
}

/* Completed inside ->queue: account it as fio does for sync engines. */
static enum fio_q_status zcio_fio_done_now(struct thread_data *td)
{
	io_u_mark_submit(td, 1);
	io_u_mark_complete(td, 1);
	return FIO_Q_COMPLETED;
}

/*
 * A trim: ZCIO_OP_DISCARD through ZCIO_IOC_IO, in both modes (the module
 * runs non-data operations synchronously only).
 */
static void zcio_fio_trim(struct thread_data *td, struct io_u *io_u)
{
	struct zcio_fio_data *zd = td->io_ops_data;
	struct zcio_io io = {
		.op = ZCIO_OP_DISCARD,
		.fd = io_u->file->fd,
		.offset = io_u->offset,
		.len = io_u->xfer_buflen,
	};
	int ret;

	if (fio_fill_issue_time(td))
		fio_gettime(&io_u->issue_time, NULL);
	ret = zcio_submit_io(zd->zfd, &io);
	zcio_fio_result(io_u, ret ? ret : io.result);
}

/* The sequential zone a write of @io_u goes to, or NULL. */
static struct fio_zone_info *zcio_fio_seq_zone(const struct io_u *io_u)
{
	struct zoned_block_device_info *zbd = io_u->file->zbd_info;
	struct fio_zone_info *z;

	if (io_u->ddir != DDIR_WRITE || !zbd || !zbd->zone_size)
		return NULL;
	z = &zbd->zone_info[io_u->offset / zbd->zone_size];
	return z->has_wp ? z : NULL;
}

/*
 * A write as ZCIO_OP_ZONE_APPEND to the zone @z, through ZCIO_IOC_IO in
 * both modes (the module appends synchronously only).  fio issued it at
 * the zone's write pointer and will verify it there: landing anywhere
 * else fails the I/O.
 */
static void zcio_fio_append(struct thread_data *td, struct io_u *io_u,
			    const struct fio_zone_info *z)
{
	struct zcio_fio_data *zd = td->io_ops_data;
	struct zcio_io io;
	int ret;

	zcio_prep_io(&io, ZCIO_OP_ZONE_APPEND, io_u->file->fd, io_u->xfer_buf,
		     io_u->xfer_buflen, z->start);
	io.flags = zd->write_flags;
	if (fio_fill_issue_time(td))
		fio_gettime(&io_u->issue_time, NULL);
	ret = zcio_submit_io(zd->zfd, &io);
	if (ret) {
		zcio_fio_result(io_u, ret);
	} else if ((unsigned long long)io.result != io_u->offset) {
		log_err("zcio: %s: zone append of %llu bytes to the zone at %llu landed at %lld, not at fio's write pointer %llu\n",
			io_u->file->file_name, io_u->xfer_buflen,
			(unsigned long long)z->start, (long long)io.result,
			io_u->offset);
		io_u->error = EIO;
	} else {
		zcio_fio_result(io_u, io_u->xfer_buflen);
	}
}

enum fio_q_status zcio_fio_queue(struct thread_data *td,
					struct io_u *io_u)
{
	const struct fio_zone_info *z;
	struct zcio_fio_data *zd = td->io_ops_data;
	struct zcio_io io;
	int ret;

	fio_ro_check(td, io_u);

	if (io_u->ddir != DDIR_READ && io_u->ddir != DDIR_WRITE) {
		/* fsync and trim: in order, after everything before them */
		if (zd->nr_pend || zd->inflight)
			return FIO_Q_BUSY;
		if (ddir_sync(io_u->ddir))
			do_io_u_sync(td, io_u);
		else if (io_u->ddir == DDIR_TRIM)
			zcio_fio_trim(td, io_u);
		else
			io_u->error = EINVAL;
		return zcio_fio_done_now(td);
	}
	z = zd->append ? zcio_fio_seq_zone(io_u) : NULL;
	if (z) {
		/* in order too: what is queued lands first */
		if (zd->nr_pend || zd->inflight)
			return FIO_Q_BUSY;
		zcio_fio_append(td, io_u, z);
		return zcio_fio_done_now(td);
	}

	if (zd->mode == ZCIO_MODE_SYNC) {
		zcio_fio_prep(zd, io_u, &io);
		if (fio_fill_issue_time(td))
			fio_gettime(&io_u->issue_time, NULL);
		ret = zcio_submit_io(zd->zfd, &io);
		zcio_fio_result(io_u, ret ? ret : io.result);
		return zcio_fio_done_now(td);
	}

	if (zd->nr_pend >= zd->depth)
		return FIO_Q_BUSY;
	zcio_fio_prep(zd, io_u, &zd->pend[zd->nr_pend++]);
	return FIO_Q_QUEUED;
}

static struct io_u *zcio_fio_io_u(struct thread_data *td, __u64 tag)
{
	if (tag >= td->io_u_all.nr) {
		/* the module returned a tag it was never given */
		log_err("zcio: completion with unknown tag %llu\n",
			(unsigned long long)tag);
		abort();
	}
	return td->io_u_all.io_us[tag];
}

/* @nr pending I/Os went to the module: their issue time starts now. */
static void zcio_fio_issued(struct thread_data *td, unsigned int nr)
{
	struct zcio_fio_data *zd = td->io_ops_data;
	struct timespec now;
	unsigned int i;

	if (!fio_fill_issue_time(td))
		return;
	fio_gettime(&now, NULL);
	for (i = 0; i < nr; i++) {
		struct io_u *io_u = zcio_fio_io_u(td, zd->pend[i].tag);

		io_u->issue_time = now;
		io_u_queued(td, io_u);
	}
	if (td->o.read_iolog_file)
		td->last_issue = now;
}

/* The module will never see the pending I/Os: complete them with @err. */
static void zcio_fio_fail_pending(struct zcio_fio_data *zd, int err)
{
	unsigned int i;

	for (i = 0; i < zd->nr_pend; i++) {
		zd->failed[zd->nr_failed].tag = zd->pend[i].tag;
		zd->failed[zd->nr_failed].result = err;
		zd->failed[zd->nr_failed].flags = 0;
		zd->nr_failed++;
	}
	zd->nr_pend = 0;
}

/*
 * ->commit: submit what ->queue collected.  The module takes a prefix of
 * the batch; the rest stays pending.  When the context is full (EAGAIN)
 * the rest waits for ->getevents to reap room and submit it.
 */
int zcio_fio_commit(struct thread_data *td)
{
	struct zcio_fio_data *zd = td->io_ops_data;
	int ret;

	while (zd->nr_pend) {
		ret = zcio_submit(zd->zfd, zd->pend, zd->nr_pend);
		if (ret > 0) {
			zcio_fio_issued(td, ret);
			io_u_mark_submit(td, ret);
			zd->inflight += ret;
			zd->nr_pend -= ret;
			memmove(zd->pend, zd->pend + ret,
				zd->nr_pend * sizeof(*zd->pend));
			continue;
		}
		if (ret == -EINTR)
			continue;
		if (ret == -EAGAIN && zd->inflight)
			return 0;
		/*
		 * Nothing of ours in flight and still no room, or the
		 * module cannot read the array: nothing will change by
		 * retrying.  Fail these I/Os rather than hang fio.
		 */
		log_err("zcio: ZCIO_IOC_SUBMIT of %u I/Os (%u in flight): %s\n",
			zd->nr_pend, zd->inflight, strerror(-ret));
		zcio_fio_fail_pending(zd, ret ? ret : -EIO);
		return 0;
	}
	return 0;
}

int zcio_fio_getevents(struct thread_data *td, unsigned int min,
			      unsigned int max, const struct timespec *t)
{
	struct zcio_fio_data *zd = td->io_ops_data;
	int64_t timeout = t ? t->tv_sec * 1000000000LL + t->tv_nsec : -1;
	unsigned int got = 0, want;
	int ret;

	if (max > zd->depth)
		max = zd->depth;
	zd->nr_events = 0;
	while (got < max) {
		while (zd->nr_failed && got < max)
			zd->events[got++] = zd->failed[--zd->nr_failed];
		if (got >= max)
			break;
		zcio_fio_commit(td);
		if (!zd->inflight) {
			if (zd->nr_failed)
				continue;
			break;
		}
		want = got < min ? min - got : 0;
		ret = zcio_reap(zd->zfd, zd->events + got, want, max - got,
				want ? timeout : 0);
		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			log_err("zcio: ZCIO_IOC_REAP: %s\n", strerror(-ret));
			zd->nr_events = got;
			return got ? (int)got : ret;
		}
		got += ret;
		zd->inflight -= ret;
		if (got >= min || (!ret && timeout >= 0))
			break;
	}
	zd->nr_events = got;
	return got;
}

struct io_u *zcio_fio_event(struct thread_data *td, int event)
{
	struct zcio_fio_data *zd = td->io_ops_data;
	struct zcio_event *ev;
	struct io_u *io_u;

	if (event < 0 || (unsigned int)event >= zd->nr_events) {
		log_err("zcio: fio asked for event %d of %u\n", event,
			zd->nr_events);
		abort();
	}
	ev = &zd->events[event];
	io_u = zcio_fio_io_u(td, ev->tag);
	zcio_fio_result(io_u, ev->result);
	return io_u;
}
