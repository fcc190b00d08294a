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
 * The engine's files: zcio-engine.c (this one: options, ->init and
 * ->cleanup, files, zone resets, the ops table), zcio-engine-io.c (the
 * sync and async I/O path: ->queue, ->commit, ->getevents, ->event) and
 * zcio-engine-regbuf.c (registered buffers: ->post_init);
 * zcio-engine.h holds what they share.
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
#include "zcio-engine.h"

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

static void zcio_fio_cleanup(struct thread_data *td)
{
	zcio_fio_free(td->io_ops_data);
	td->io_ops_data = NULL;
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
