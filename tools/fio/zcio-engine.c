// SPDX-License-Identifier: GPL-2.0
/*
 * zcio-engine.so: a fio external ioengine that moves data between fio's
 * buffers and block devices through /dev/zcio, with no copy.
 *
 *   ioengine=external:<path>/zcio-engine.so
 *   zcio_mode=sync|async	one ZCIO_IOC_IO per I/O (default), or batches
 *				through ZCIO_IOC_SUBMIT and ZCIO_IOC_REAP
 *   zcio_registered=0|1	register fio's I/O buffers once
 *				(ZCIO_IOC_REGISTER) and use ZCIO_IO_FIXED
 *   zcio_hipri=0|1		ZCIO_IO_HIPRI on every I/O (polled completion)
 *   zcio_fua=0|1		ZCIO_IO_FUA on every write
 *   zcio_bio_size=SIZE		no bio larger than SIZE (@bio_bytes)
 *   zcio_append=0|1		with zonemode=zbd, writes to sequential zones
 *				are zone appends (ZCIO_OP_ZONE_APPEND)
 *
 * Trims are ZCIO_OP_DISCARD, synchronous (ZCIO_IOC_IO) in both modes, and
 * so are zone appends.  On a zoned device the zone resets fio asks for
 * (->reset_wp) are ZCIO_OP_ZONE_RESET when the module has ZCIO_FEAT_ZONED.
 *
 * Each fio thread (or process) opens /dev/zcio once, in ->init, and checks
 * that the loaded module has the features the job asks for.  Each fio file
 * must be a block device; the engine opens it itself, O_RDONLY for jobs
 * that only read and O_RDWR otherwise (no O_DIRECT: zcio does not need it).
 *
 * fio calls one engine's ->queue for every mode, so the engine is an
 * asynchronous one (it has ->commit) whose ->queue completes at once in
 * sync mode; it sets each I/O's issue time itself (when it really starts)
 * so that fio's latencies are right in both modes.
 *
 * Built against the exact fio's headers: see tools/fio/Makefile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fio.h>
#include <optgroup.h>
#include <zbd.h>

#include "libzcio.h"

enum zcio_fio_mode {
	ZCIO_MODE_SYNC = 0,
	ZCIO_MODE_ASYNC = 1,
};

/* Option values; fio stores them at these offsets in td->eo. */
struct zcio_fio_options {
	void *pad;		/* fio: no option may live at offset 0 */
	unsigned int mode;
	unsigned int registered;
	unsigned int hipri;
	unsigned int fua;
	unsigned long long bio_size;
	unsigned int append;
};

static struct fio_option options[] = {
	{
		.name	= "zcio_mode",
		.lname	= "zcio submission mode",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct zcio_fio_options, mode),
		.help	= "How I/O reaches /dev/zcio",
		.def	= "sync",
		.posval	= {
			{ .ival = "sync",
			  .oval = ZCIO_MODE_SYNC,
			  .help = "One ZCIO_IOC_IO per I/O, completed in ->queue",
			},
			{ .ival = "async",
			  .oval = ZCIO_MODE_ASYNC,
			  .help = "Batches through ZCIO_IOC_SUBMIT and ZCIO_IOC_REAP",
			},
		},
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "zcio_registered",
		.lname	= "zcio registered buffers",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct zcio_fio_options, registered),
		.help	= "Register the I/O buffers once (ZCIO_IO_FIXED I/O)",
		.def	= "0",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "zcio_hipri",
		.lname	= "zcio polled completion",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct zcio_fio_options, hipri),
		.help	= "Complete by polling the queue (ZCIO_IO_HIPRI)",
		.def	= "0",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "zcio_fua",
		.lname	= "zcio FUA writes",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct zcio_fio_options, fua),
		.help	= "Write with FUA: on media at completion (ZCIO_IO_FUA)",
		.def	= "0",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "zcio_bio_size",
		.lname	= "zcio bio size",
		.type	= FIO_OPT_STR_VAL,
		.off1	= offsetof(struct zcio_fio_options, bio_size),
		.help	= "Cap each bio at this many bytes (0: no cap)",
		.def	= "0",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "zcio_append",
		.lname	= "zcio zone append",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct zcio_fio_options, append),
		.help	= "Writes to sequential zones as zone appends (zonemode=zbd)",
		.def	= "0",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= NULL,
	},
};

/* Per fio thread, in td->io_ops_data. */
struct zcio_fio_data {
	int zfd;			/* /dev/zcio */
	struct zcio_version ver;
	unsigned int mode;		/* enum zcio_fio_mode */
	__u32 io_flags;			/* added to every zcio_io: HIPRI */
	__u32 write_flags;		/* and to every write: FUA */
	__u32 bio_bytes;		/* zcio_bio_size */
	bool registered;		/* buffers registered: ZCIO_IO_FIXED */
	bool append;			/* zcio_append=1 */
	bool buf_per_io_u;		/* buffer io_u->index is io_u->buf;
					 * else buffer 0 starts at reg_base */
	char *reg_base;

	/* async mode */
	unsigned int depth;		/* room in each array: td->o.iodepth */
	struct zcio_io *pend;		/* queued, not yet submitted */
	unsigned int nr_pend;
	unsigned int inflight;		/* submitted, not yet reaped */
	struct zcio_event *failed;	/* I/Os that never reached the
					 * module, completed by ->getevents */
	unsigned int nr_failed;
	struct zcio_event *events;	/* what ->getevents returned */
	unsigned int nr_events;
};

/* Names of the feature bits a job may need, for messages. */
static const struct {
	uint64_t bit;
	const char *what;
} zcio_fio_feats[] = {
	{ ZCIO_FEAT_SYNC_IO, "synchronous I/O (ZCIO_FEAT_SYNC_IO)" },
	{ ZCIO_FEAT_DEVINFO, "device limits (ZCIO_FEAT_DEVINFO)" },
	{ ZCIO_FEAT_ASYNC, "zcio_mode=async (ZCIO_FEAT_ASYNC)" },
	{ ZCIO_FEAT_REGBUF, "zcio_registered=1 (ZCIO_FEAT_REGBUF)" },
	{ ZCIO_FEAT_POLLED, "zcio_hipri=1 (ZCIO_FEAT_POLLED)" },
	{ ZCIO_FEAT_REQFLAGS, "zcio_fua=1 or zcio_bio_size (ZCIO_FEAT_REQFLAGS)" },
	{ ZCIO_FEAT_NONDATA, "trim (ZCIO_FEAT_NONDATA)" },
	{ ZCIO_FEAT_ZONED, "zcio_append=1 (ZCIO_FEAT_ZONED)" },
};

static void zcio_fio_free(struct zcio_fio_data *zd)
{
	if (!zd)
		return;
	if (zd->zfd >= 0) {
		/* close() would unregister too; say it where it can fail */
		if (zd->registered)
			zcio_unregister_bufs(zd->zfd);
		close(zd->zfd);
	}
	free(zd->pend);
	free(zd->failed);
	free(zd->events);
	free(zd);
}

static int zcio_fio_check_features(struct thread_data *td,
				   struct zcio_fio_data *zd, uint64_t need)
{
	uint64_t missing;
	unsigned int i;
	int ret;

	ret = zcio_check_version(&zd->ver, need);
	if (ret == -EPROTO) {
		log_err("zcio: the loaded module speaks ABI %u, this engine %u\n",
			zd->ver.abi, ZCIO_ABI_VERSION);
		td_verror(td, EPROTO, "zcio_check_version");
		return 1;
	}
	if (!ret)
		return 0;
	missing = need & ~zd->ver.features;
	for (i = 0; i < sizeof(zcio_fio_feats) / sizeof(zcio_fio_feats[0]); i++) {
		if (!(missing & zcio_fio_feats[i].bit))
			continue;
		log_err("zcio: %s is not supported by the loaded zcio module "
			"(%u.%u.%u, features 0x%llx)\n", zcio_fio_feats[i].what,
			zd->ver.major, zd->ver.minor, zd->ver.patch,
			(unsigned long long)zd->ver.features);
	}
	td_verror(td, EOPNOTSUPP, "zcio_check_version");
	return 1;
}

static int zcio_fio_init(struct thread_data *td)
{
	struct zcio_fio_options *o = td->eo;
	struct zcio_fio_data *zd;
	uint64_t need = ZCIO_FEAT_XFER;
	const char *hint;
	int ret;

	zd = calloc(1, sizeof(*zd));
	if (!zd) {
		td_verror(td, ENOMEM, "zcio_fio_init");
		return 1;
	}
	zd->zfd = zcio_open();
	if (zd->zfd < 0) {
		ret = -zd->zfd;
		hint = zcio_open_hint(zd->zfd);
		log_err("zcio: cannot open %s: %s%s%s\n", zcio_device_path(),
			strerror(ret), hint ? "; " : "", hint ? hint : "");
		td_verror(td, ret, "zcio_open");
		goto err;
	}
	ret = zcio_get_version(zd->zfd, &zd->ver);
	if (ret) {
		log_err("zcio: ZCIO_IOC_VERSION on %s: %s\n",
			zcio_device_path(), strerror(-ret));
		td_verror(td, -ret, "zcio_get_version");
		goto err;
	}

	zd->mode = o->mode;
	if (zd->mode == ZCIO_MODE_ASYNC)
		need |= ZCIO_FEAT_ASYNC;
	if (o->registered)
		need |= ZCIO_FEAT_REGBUF;
	if (o->hipri) {
		need |= ZCIO_FEAT_POLLED;
		zd->io_flags |= ZCIO_IO_HIPRI;
	}
	if (o->fua) {
		need |= ZCIO_FEAT_REQFLAGS;
		zd->write_flags |= ZCIO_IO_FUA;
	}
	if (o->bio_size) {
		need |= ZCIO_FEAT_REQFLAGS;
		if (o->bio_size > UINT32_MAX) {
			log_err("zcio: zcio_bio_size=%llu is too large (at most %u)\n",
				o->bio_size, UINT32_MAX);
			td_verror(td, EINVAL, "zcio_bio_size");
			goto err;
		}
		zd->bio_bytes = o->bio_size;
	}
	if (td_trim(td))
		need |= ZCIO_FEAT_NONDATA;
	if (o->append) {
		if (td->o.zone_mode != ZONE_MODE_ZBD) {
			log_err("zcio: zcio_append=1 needs zonemode=zbd (fio must write at each zone's write pointer)\n");
			td_verror(td, EINVAL, "zcio_append");
			goto err;
		}
		need |= ZCIO_FEAT_ZONED;
		zd->append = true;
	}
	if (zcio_fio_check_features(td, zd, need))
		goto err;

	if (zd->mode == ZCIO_MODE_ASYNC) {
		zd->depth = td->o.iodepth ? td->o.iodepth : 1;
		zd->pend = calloc(zd->depth, sizeof(*zd->pend));
		zd->failed = calloc(zd->depth, sizeof(*zd->failed));
		zd->events = calloc(zd->depth, sizeof(*zd->events));
		if (!zd->pend || !zd->failed || !zd->events) {
			td_verror(td, ENOMEM, "zcio_fio_init");
			goto err;
		}
	}
	td->io_ops_data = zd;
	return 0;
err:
	zcio_fio_free(zd);
	return 1;
}

/*
 * ->post_init, after fio allocated its buffers: register them.  One
 * buffer per io_u (io_u->buf, td_max_bs() bytes, index io_u->index) as
 * fio's io_uring engine does with fixedbufs; if the module takes fewer
 * buffers or smaller ones than that needs, one buffer spanning all of
 * them.
 */
static int zcio_fio_post_init(struct thread_data *td)
{
	struct zcio_fio_options *o = td->eo;
	struct zcio_fio_data *zd = td->io_ops_data;
	unsigned int i, nr = td->io_u_all.nr;
	unsigned long long max_bs = td_max_bs(td);
	struct zcio_buf *bufs;
	char *lo = NULL, *hi = NULL;
	int ret;

	if (!o->registered)
		return 0;
	if (!nr || !td->io_u_all.io_us[0]->buf) {
		log_err("zcio: zcio_registered=1 but fio allocated no I/O buffers\n");
		td_verror(td, EINVAL, "zcio_fio_post_init");
		return 1;
	}
	bufs = calloc(nr, sizeof(*bufs));
	if (!bufs) {
		td_verror(td, ENOMEM, "zcio_fio_post_init");
		return 1;
	}
	for (i = 0; i < nr; i++) {
		struct io_u *io_u = td->io_u_all.io_us[i];
		char *b = io_u->buf;

		if (io_u->index != i) {
			log_err("zcio: io_u %u has index %u\n", i, io_u->index);
			td_verror(td, EINVAL, "zcio_fio_post_init");
			free(bufs);
			return 1;
		}
		bufs[i].addr = (uintptr_t)b;
		bufs[i].len = max_bs;
		if (!lo || b < lo)
			lo = b;
		if (!hi || b + max_bs > hi)
			hi = b + max_bs;
	}
	if (nr <= zd->ver.max_bufs && max_bs <= zd->ver.max_buf_bytes) {
		zd->buf_per_io_u = true;
	} else if ((uint64_t)(hi - lo) <= zd->ver.max_buf_bytes) {
		bufs[0].addr = (uintptr_t)lo;
		bufs[0].len = hi - lo;
		zd->reg_base = lo;
		nr = 1;
	} else {
		log_err("zcio: cannot register %u buffers of %llu bytes: the module takes at most %u buffers of %u bytes\n",
			nr, max_bs, zd->ver.max_bufs, zd->ver.max_buf_bytes);
		td_verror(td, E2BIG, "zcio_register_bufs");
		free(bufs);
		return 1;
	}
	ret = zcio_register_bufs(zd->zfd, bufs, nr);
	free(bufs);
	if (ret) {
		log_err("zcio: ZCIO_IOC_REGISTER of %u buffer(s): %s%s\n", nr,
			strerror(-ret), ret == -ENOMEM ?
			" (RLIMIT_MEMLOCK too low? see ulimit -l)" : "");
		td_verror(td, -ret, "zcio_register_bufs");
		return 1;
	}
	zd->registered = true;
	return 0;
}

static void zcio_fio_cleanup(struct thread_data *td)
{
	zcio_fio_free(td->io_ops_data);
	td->io_ops_data = NULL;
}

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

static enum fio_q_status zcio_fio_queue(struct thread_data *td,
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
static int zcio_fio_commit(struct thread_data *td)
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

static int zcio_fio_getevents(struct thread_data *td, unsigned int min,
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

static struct io_u *zcio_fio_event(struct thread_data *td, int event)
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

/* ->get_file_size: block devices only, refused before fio lays out files. */
static int zcio_fio_get_file_size(struct thread_data *td, struct fio_file *f)
{
	struct stat st;
	int err;

	if (fio_file_size_known(f))
		return 0;
	if (stat(f->file_name, &st)) {
		err = errno;
		log_err("zcio: %s: %s\n", f->file_name, strerror(err));
		/* not ENOENT: fio would go on and create a regular file */
		td_verror(td, err == ENOENT ? ENODEV : err, "stat");
		return 1;
	}
	if (!S_ISBLK(st.st_mode)) {
		log_err("zcio: %s is not a block device: the zcio engine does I/O to block devices only\n",
			f->file_name);
		td_vmsg(td, ENOTBLK, "not a block device", "zcio get_file_size");
		return 1;
	}
	return generic_get_file_size(td, f);
}

/* The device's limits against the job's block sizes, once per open. */
static int zcio_fio_check_dev(struct thread_data *td, struct fio_file *f)
{
	struct zcio_fio_data *zd = td->io_ops_data;
	struct zcio_devinfo di;
	unsigned long long min_bs = td_min_bs(td);
	int ret;

	ret = zcio_get_devinfo(zd->zfd, f->fd, &di);
	if (ret) {
		log_err("zcio: ZCIO_IOC_DEVINFO on %s: %s\n", f->file_name,
			strerror(-ret));
		td_verror(td, -ret, "zcio_get_devinfo");
		return 1;
	}
	if (min_bs % di.logical_block_size) {
		log_err("zcio: %s has %u-byte logical blocks: block sizes must be multiples of it (smallest here: %llu)\n",
			f->file_name, di.logical_block_size, min_bs);
		td_verror(td, EINVAL, "zcio block size");
		return 1;
	}
	if (zd->bio_bytes % di.logical_block_size) {
		log_err("zcio: %s has %u-byte logical blocks: zcio_bio_size=%u must be a multiple of it\n",
			f->file_name, di.logical_block_size, zd->bio_bytes);
		td_verror(td, EINVAL, "zcio_bio_size");
		return 1;
	}
	return 0;
}

static int zcio_fio_open_file(struct thread_data *td, struct fio_file *f)
{
	int flags = (td_write(td) || td_trim(td)) ? O_RDWR : O_RDONLY;
	struct stat st;
	int err;

	f->fd = open(f->file_name, flags | O_CLOEXEC);
	if (f->fd < 0) {
		err = errno;
		log_err("zcio: open %s: %s\n", f->file_name, strerror(err));
		td_verror(td, err, "open");
		return 1;
	}
	if (fstat(f->fd, &st) || !S_ISBLK(st.st_mode)) {
		log_err("zcio: %s is not a block device: the zcio engine does I/O to block devices only\n",
			f->file_name);
		td_vmsg(td, ENOTBLK, "not a block device", "zcio open_file");
		goto err;
	}
	/* fio also opens files to size them before ->init */
	if (td->io_ops_data && zcio_fio_check_dev(td, f))
		goto err;
	return 0;
err:
	close(f->fd);
	f->fd = -1;
	return 1;
}

static int zcio_fio_close_file(struct thread_data fio_unused *td,
			       struct fio_file *f)
{
	int ret = 0;

	if (f->fd >= 0 && close(f->fd) < 0)
		ret = errno;
	f->fd = -1;
	return ret;
}

/*
 * ->reset_wp: ZCIO_OP_ZONE_RESET on the zones of @f from @offset for
 * @length bytes; fio's own BLKRESETZONE if the module cannot.  fio may
 * ask before it opened @f.
 */
static int zcio_fio_reset_wp(struct thread_data *td, struct fio_file *f,
			     uint64_t offset, uint64_t length)
{
	struct zcio_fio_data *zd = td->io_ops_data;
	struct zcio_io io = {
		.op = ZCIO_OP_ZONE_RESET,
		.fd = f->fd,
		.offset = offset,
		.len = length,
	};
	int ret;

	if (!zd || !(zd->ver.features & ZCIO_FEAT_ZONED))
		return blkzoned_reset_wp(td, f, offset, length);
	if (f->fd < 0) {
		io.fd = open(f->file_name, O_RDWR | O_CLOEXEC);
		if (io.fd < 0)
			return -errno;
	}
	ret = zcio_submit_io(zd->zfd, &io);
	if (ret)
		log_err("zcio: %s: zone reset of %llu bytes at %llu: %s\n",
			f->file_name, (unsigned long long)length,
			(unsigned long long)offset, strerror(-ret));
	if (f->fd < 0)
		close(io.fd);
	return ret;
}

static struct ioengine_ops ioengine = {
	.name			= "zcio",
	.version		= FIO_IOOPS_VERSION,
	/*
	 * RAWIO: page-aligned buffers, as for O_DIRECT.  NOEXTEND: never
	 * lay out or extend files (there are only block devices).
	 * ASYNCIO_SETS_ISSUE_TIME: ->queue (sync) and ->commit (async) set
	 * io_u->issue_time when the I/O really starts.  ASYNCIO_SYNC_TRIM:
	 * trims complete inside ->queue.  NO_OFFLOAD: one context per
	 * thread; io_submit_mode=offload would share it between threads.
	 */
	.flags			= FIO_RAWIO | FIO_NOEXTEND |
				  FIO_ASYNCIO_SETS_ISSUE_TIME |
				  FIO_ASYNCIO_SYNC_TRIM | FIO_NO_OFFLOAD,
	.init			= zcio_fio_init,
	.post_init		= zcio_fio_post_init,
	.queue			= zcio_fio_queue,
	.commit			= zcio_fio_commit,
	.getevents		= zcio_fio_getevents,
	.event			= zcio_fio_event,
	.cleanup		= zcio_fio_cleanup,
	.open_file		= zcio_fio_open_file,
	.close_file		= zcio_fio_close_file,
	.get_file_size		= zcio_fio_get_file_size,
	.reset_wp		= zcio_fio_reset_wp,
	.options		= options,
	.option_struct_size	= sizeof(struct zcio_fio_options),
};

/* fio finds the engine through this symbol (dlsym "get_ioengine"). */
void get_ioengine(struct ioengine_ops **ioengine_ptr);
void get_ioengine(struct ioengine_ops **ioengine_ptr)
{
	*ioengine_ptr = &ioengine;
}
