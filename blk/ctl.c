// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl decoding and validation.  Every field that comes from user space
 * is checked here, before anything is pinned or allocated.  Mistakes that
 * pread()/pwrite() with O_DIRECT can also make get the same errno; the
 * checks pread() has no counterpart for (a zero length, arithmetic
 * overflow, a length above ZCIO_MAX_IO_BYTES) give EINVAL and come right
 * after the fd checks, before access_ok() and the device limits.
 */
#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <linux/uaccess.h>

#include "zcio.h"

/* The flags each operation takes. */
#define ZCIO_IO_DATA_FLAGS	(ZCIO_IO_FIXED | ZCIO_IO_HIPRI | \
				 ZCIO_IO_NOMERGE | ZCIO_IO_SYNC | \
				 ZCIO_IO_IDLE | ZCIO_IO_META | ZCIO_IO_NOPLUG)
#define ZCIO_IO_WRITE_FLAGS	(ZCIO_IO_DATA_FLAGS | ZCIO_IO_FUA | \
				 ZCIO_IO_PREFLUSH | ZCIO_IO_EXACT)

static u32 zcio_op_flags(u8 op)
{
	switch (op) {
	case ZCIO_OP_READ:
		return ZCIO_IO_DATA_FLAGS;
	case ZCIO_OP_WRITE:
		return ZCIO_IO_WRITE_FLAGS;
	case ZCIO_OP_WRITE_ZEROES:
		return ZCIO_IO_NOUNMAP;
	case ZCIO_OP_ZONE_APPEND:
		return ZCIO_IO_FUA;
	default:
		return 0;
	}
}

static bool zcio_op_is_data(u8 op)
{
	return op == ZCIO_OP_READ || op == ZCIO_OP_WRITE;
}

/*
 * An I/O priority as ioprio_set(2) would take it (ioprio_check_cap() is
 * not exported), and strict: no priority hints, no level for the
 * classes that have none.
 */
static int zcio_io_check_ioprio(u16 ioprio)
{
	unsigned int level = IOPRIO_PRIO_DATA(ioprio);

	switch (IOPRIO_PRIO_CLASS(ioprio)) {
	case IOPRIO_CLASS_RT:
		if (!capable(CAP_SYS_ADMIN) && !capable(CAP_SYS_NICE))
			return -EPERM;
		fallthrough;
	case IOPRIO_CLASS_BE:
		return level < IOPRIO_NR_LEVELS ? 0 : -EINVAL;
	case IOPRIO_CLASS_IDLE:
	case IOPRIO_CLASS_NONE:
		return level ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/*
 * Every field that must be zero is zero, @op is known and takes @flags,
 * @ioprio and @bio_bytes.  The data fields of a non-data operation are
 * checked when it runs.
 */
int zcio_io_check_fields(const struct zcio_io *io)
{
	if (io->op > ZCIO_OP_ZONE_FINISH)
		return -EINVAL;
	if (io->flags & ~zcio_op_flags(io->op))
		return -EINVAL;
	if (io->buf_index && !(io->flags & ZCIO_IO_FIXED))
		return -EINVAL;
	if (io->pad || io->resv)
		return -EINVAL;
	if (!zcio_op_is_data(io->op) && (io->ioprio || io->bio_bytes))
		return -EINVAL;
	return zcio_io_check_ioprio(io->ioprio);
}

/* The fd is a block device opened for the access @op needs. */
static int zcio_io_check_target(struct file *file, u8 op)
{
	if (!S_ISBLK(file_inode(file)->i_mode))
		return -ENOTBLK;
	if (op == ZCIO_OP_READ && !(file->f_mode & FMODE_READ))
		return -EBADF;
	if (op == ZCIO_OP_WRITE && !(file->f_mode & FMODE_WRITE))
		return -EBADF;
	return 0;
}

/**
 * zcio_xfer_get_writer - look up the target of an operation that writes
 * @x:		zeroed; on success @x->fd and @x->file are set, released by
 *		zcio_xfer_put()
 * @fd:		the caller's fd
 *
 * For the non-data operations and zone append, which check the device
 * themselves after this.
 *
 * Return: 0, or -EBADF (no such fd, or not open for writing) or -ENOTBLK
 * with nothing held.
 */
int zcio_xfer_get_writer(struct zcio_xfer *x, int fd)
{
	int ret = -EBADF;

	x->fd = fdget(fd);
	x->file = zcio_fd_file(x->fd);
	if (!x->file)
		return -EBADF;
	if (!S_ISBLK(file_inode(x->file)->i_mode))
		ret = -ENOTBLK;
	else if (x->file->f_mode & FMODE_WRITE)
		return 0;
	zcio_xfer_put(x);
	memset(x, 0, sizeof(*x));
	return ret;
}

/* Lengths and offsets that no device could take. */
static int zcio_io_check_len(const struct zcio_io *io)
{
	if (!io->len || io->len > ZCIO_MAX_IO_BYTES)
		return -EINVAL;
	if (io->addr + io->len < io->addr)
		return -EINVAL;
	if (io->offset > LLONG_MAX || io->len > LLONG_MAX - io->offset)
		return -EINVAL;
	return 0;
}

/* A plain buffer must be user memory. */
static int zcio_io_check_user(const struct zcio_io *io, struct zcio_xfer *x)
{
	/* On a 32-bit kernel an address above 4 GiB is no user address. */
	if (io->addr != (unsigned long)io->addr ||
	    !access_ok(u64_to_user_ptr(io->addr), io->len))
		return -EFAULT;
	x->uaddr = io->addr;
	return 0;
}

/*
 * A registered buffer must exist and hold [@addr, @addr + @len); take a
 * reference on its set for the transfer.
 */
static int zcio_io_check_rbuf(struct zcio_ctx *ctx, const struct zcio_io *io,
			      struct zcio_xfer *x)
{
	struct zcio_rbufs *rbufs = zcio_rbufs_get(ctx);
	struct zcio_rbuf *rbuf;

	if (!rbufs)
		return -EINVAL;
	if (io->buf_index >= rbufs->nr)
		goto out_inval;
	rbuf = &rbufs->bufs[io->buf_index];
	if (io->addr > rbuf->len || io->len > rbuf->len - io->addr)
		goto out_inval;
	x->rbufs = rbufs;
	x->rbuf = rbuf;
	x->uaddr = io->addr;
	return 0;

out_inval:
	zcio_rbufs_put(rbufs);
	return -EINVAL;
}

/*
 * Device limits: refuse writes to a read-only device or an active swap
 * device (unlike blkdev_write_iter(), without the hibernation resume
 * device exception, which modules cannot test for), then clamp @len to the
 * end of the device the way blkdev_read_iter() and
 * blkdev_write_iter() do: a read at or past the end transfers nothing, a
 * write there fails with ENOSPC, a transfer across the end is shortened.
 * Then check alignment, as blkdev_direct_IO() does, on what is left.
 */
static int zcio_io_check_device(struct file *file, u8 op, unsigned long addr,
				u64 *len, loff_t pos, u32 bio_bytes)
{
	struct block_device *bdev = zcio_file_bdev(file);
	struct inode *bdev_inode = file->f_mapping->host;
	loff_t size = bdev_nr_bytes(bdev);

	if (op == ZCIO_OP_WRITE && bdev_read_only(bdev))
		return -EPERM;
	if (op == ZCIO_OP_WRITE && IS_SWAPFILE(bdev_inode))
		return -ETXTBSY;
	if (pos >= size) {
		*len = 0;
		return op == ZCIO_OP_WRITE ? -ENOSPC : 0;
	}
	*len = min_t(u64, *len, size - pos);
	if ((pos | *len) & (bdev_logical_block_size(bdev) - 1))
		return -EINVAL;
	if (bio_bytes & (bdev_logical_block_size(bdev) - 1))
		return -EINVAL;
	if (addr & bdev_dma_alignment(bdev))
		return -EINVAL;
	return 0;
}

static blk_opf_t zcio_io_opf(const struct zcio_io *io, struct file *file)
{
	blk_opf_t opf = REQ_OP_READ;

	if (io->op == ZCIO_OP_WRITE) {
		opf = REQ_OP_WRITE;
		/* Synchronous, as dio_bio_write_op() marks O_DIRECT writes. */
		if (!(io->flags & ZCIO_IO_EXACT))
			opf |= REQ_SYNC | REQ_IDLE;
	}
	if (io->flags & ZCIO_IO_FUA)
		opf |= REQ_FUA;
	if (io->flags & ZCIO_IO_PREFLUSH)
		opf |= REQ_PREFLUSH;
	if (io->flags & ZCIO_IO_NOMERGE)
		opf |= REQ_NOMERGE;
	if (io->flags & ZCIO_IO_SYNC)
		opf |= REQ_SYNC;
	if (io->flags & ZCIO_IO_IDLE)
		opf |= REQ_IDLE;
	if (io->flags & ZCIO_IO_META)
		opf |= REQ_META;
	if ((io->flags & ZCIO_IO_HIPRI) &&
	    zcio_bdev_can_poll(zcio_file_bdev(file))) {
		opf |= REQ_POLLED;
		/*
		 * Never held by writeback throttling, which ignores REQ_NOWAIT
		 * and would wait for the caller's own writes still unpolled.
		 */
		if (op_is_write(opf))
			opf |= REQ_SYNC | REQ_IDLE;
	}
	return opf;
}

/* Drop what a prepared transfer holds; a zeroed one holds nothing. */
void zcio_xfer_put(struct zcio_xfer *x)
{
	if (x->rbufs)
		zcio_rbufs_put(x->rbufs);
	fdput(x->fd);
}

/* The user address the device sees first: for alignment checks. */
static unsigned long zcio_xfer_addr(const struct zcio_xfer *x)
{
	return x->rbuf ? x->rbuf->uaddr + x->uaddr : x->uaddr;
}

/**
 * zcio_xfer_prep - validate one struct zcio_io against its target
 * @ctx:	the /dev/zcio context (for registered buffers)
 * @io:	the request, copied from user space, fields already checked
 * @x:		filled in on success; release with zcio_xfer_put()
 *
 * Return: 0 (@x->len may be 0: a read at the end of the device) or a
 * negative errno with nothing held; EINVAL for a non-data operation.
 */
int zcio_xfer_prep(struct zcio_ctx *ctx, const struct zcio_io *io,
		   struct zcio_xfer *x)
{
	int ret;

	memset(x, 0, sizeof(*x));
	/* Only data operations run asynchronously. */
	if (!zcio_op_is_data(io->op))
		return -EINVAL;
	x->fd = fdget(io->fd);
	x->file = zcio_fd_file(x->fd);
	if (!x->file)
		return -EBADF;
	ret = zcio_io_check_target(x->file, io->op);
	if (ret)
		goto out_put;
	ret = zcio_io_check_len(io);
	if (ret)
		goto out_put;
	if (io->flags & ZCIO_IO_FIXED)
		ret = zcio_io_check_rbuf(ctx, io, x);
	else
		ret = zcio_io_check_user(io, x);
	if (ret)
		goto out_put;
	x->len = io->len;
	x->pos = io->offset;
	ret = zcio_io_check_device(x->file, io->op, zcio_xfer_addr(x),
				   &x->len, x->pos, io->bio_bytes);
	if (ret)
		goto out_put;
	x->opf = zcio_io_opf(io, x->file);
	x->bio_bytes = io->bio_bytes;
	x->ioprio = io->ioprio;
	x->noplug = io->flags & ZCIO_IO_NOPLUG;
	return 0;

out_put:
	zcio_xfer_put(x);
	memset(x, 0, sizeof(*x));
	return ret;
}

/* Validate one request against its target and run it; bytes or -errno. */
static long zcio_io_run(struct zcio_ctx *ctx, const struct zcio_io *io)
{
	struct zcio_xfer x;
	long ret;

	ret = zcio_xfer_prep(ctx, io, &x);
	if (ret)
		return ret;
	if (x.len)
		ret = zcio_submit_and_wait(&x);
	zcio_xfer_put(&x);
	return ret;
}

/* A zone append's result is where the data landed, not its length. */
static long zcio_zone_append_run(const struct zcio_io *io)
{
	u64 landed;
	int ret;

	ret = zcio_zone_append(io, &landed);
	return ret ?: landed;
}

static long zcio_ioctl_io(struct zcio_ctx *ctx, struct zcio_io __user *uio)
{
	struct zcio_io io;
	long ret;

	if (copy_from_user(&io, uio, sizeof(io)))
		return -EFAULT;
	ret = zcio_io_check_fields(&io);
	if (ret)
		return ret;
	/* Fail before the transfer, not after, if @result is unwritable. */
	if (put_user(0, &uio->result))
		return -EFAULT;
	if (zcio_op_is_data(io.op))
		ret = zcio_io_run(ctx, &io);
	else if (io.op == ZCIO_OP_ZONE_APPEND)
		ret = zcio_zone_append_run(&io);
	else
		ret = zcio_nondata_run(&io);
	if (ret < 0)
		return ret;
	return put_user(ret, &uio->result);
}

static long zcio_ioctl_version(struct zcio_version __user *uver)
{
	struct zcio_version ver = {
		.major = ZCIO_VERSION_MAJOR,
		.minor = ZCIO_VERSION_MINOR,
		.patch = ZCIO_VERSION_PATCH,
		.abi = ZCIO_ABI_VERSION,
		.max_io_bytes = ZCIO_MAX_IO_BYTES,
		.features = ZCIO_FEATURES,
		.max_inflight = ZCIO_MAX_INFLIGHT,
		.max_bufs = ZCIO_MAX_BUFS,
		.max_buf_bytes = ZCIO_MAX_BUF_BYTES,
	};

	return copy_to_user(uver, &ver, sizeof(ver)) ? -EFAULT : 0;
}

/* A queue limit in bytes, saturated at U32_MAX (4 GiB and more). */
static u32 zcio_sectors_to_bytes(unsigned int sectors)
{
	return min_t(u64, (u64)sectors << SECTOR_SHIFT, U32_MAX);
}

static void zcio_devinfo_fill(struct zcio_devinfo *di, struct file *file)
{
	struct block_device *bdev = zcio_file_bdev(file);

	di->size = bdev_nr_bytes(bdev);
	di->logical_block_size = bdev_logical_block_size(bdev);
	di->physical_block_size = bdev_physical_block_size(bdev);
	di->dma_alignment = bdev_dma_alignment(bdev) + 1;
	di->max_sectors_bytes =
		zcio_sectors_to_bytes(queue_max_sectors(bdev_get_queue(bdev)));
	di->max_hw_sectors_bytes =
		zcio_sectors_to_bytes(queue_max_hw_sectors(bdev_get_queue(bdev)));
	di->max_segments = bdev_max_segments(bdev);
	di->dev_major = MAJOR(bdev->bd_dev);
	di->dev_minor = MINOR(bdev->bd_dev);
	if (bdev_read_only(bdev))
		di->dev_flags |= ZCIO_DEV_RDONLY;
	if (file->f_mode & FMODE_READ)
		di->dev_flags |= ZCIO_DEV_FD_READ;
	if (file->f_mode & FMODE_WRITE)
		di->dev_flags |= ZCIO_DEV_FD_WRITE;
	if (!zcio_bdev_nonrot(bdev))
		di->dev_flags |= ZCIO_DEV_ROTATIONAL;
	if (zcio_bdev_can_poll(bdev))
		di->dev_flags |= ZCIO_DEV_POLL;
}

static long zcio_ioctl_devinfo(struct zcio_devinfo __user *udi)
{
	struct zcio_devinfo in, di = {};
	struct file *file;
	long ret = 0;

	if (copy_from_user(&in, udi, sizeof(in)))
		return -EFAULT;
	if (in.flags || in.pad || memchr_inv(in.resv, 0, sizeof(in.resv)))
		return -EINVAL;
	file = fget(in.fd);
	if (!file)
		return -EBADF;
	if (!S_ISBLK(file_inode(file)->i_mode)) {
		ret = -ENOTBLK;
		goto out_fput;
	}
	di.fd = in.fd;
	zcio_devinfo_fill(&di, file);
	if (copy_to_user(udi, &di, sizeof(di)))
		ret = -EFAULT;
out_fput:
	fput(file);
	return ret;
}

static long zcio_ioctl_stats(struct zcio_stats __user *ust)
{
	struct zcio_stats st = {};

	zcio_stats_read(&st);
	return copy_to_user(ust, &st, sizeof(st)) ? -EFAULT : 0;
}

long zcio_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct zcio_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case ZCIO_IOC_IO:
		return zcio_ioctl_io(ctx, uarg);
	case ZCIO_IOC_SUBMIT:
		return zcio_ioctl_submit(ctx, uarg);
	case ZCIO_IOC_REAP:
		return zcio_ioctl_reap(ctx, uarg);
	case ZCIO_IOC_REGISTER:
		return zcio_ioctl_register(ctx, uarg);
	case ZCIO_IOC_UNREGISTER:
		return zcio_ioctl_unregister(ctx);
	case ZCIO_IOC_VERSION:
		return zcio_ioctl_version(uarg);
	case ZCIO_IOC_DEVINFO:
		return zcio_ioctl_devinfo(uarg);
	case ZCIO_IOC_STATS:
		return zcio_ioctl_stats(uarg);
	default:
		return -ENOTTY;
	}
}
