// SPDX-License-Identifier: GPL-2.0
/*
 * fake-zcio.so: an LD_PRELOAD stand-in for /dev/zcio, for testing the
 * tools on a host that cannot load the module.  NOT a model of the
 * module's internals, only of its UAPI contract.
 *
 * The control device is whatever file $ZCIO_DEVICE names (a regular file
 * works); ioctl()s on an fd of that file are emulated, all others are
 * passed through.  The "block device" is any regular file: its size,
 * rounded down to the logical block size, is the device size.
 *
 * Knobs (environment):
 *   FAKE_ZCIO_LBS       logical block size (512)
 *   FAKE_ZCIO_PBS       physical block size (4096)
 *   FAKE_ZCIO_DMA       dma_alignment (512)
 *   FAKE_ZCIO_MAXIO     max_io_bytes (4M)
 *   FAKE_ZCIO_ABI       abi (ZCIO_ABI_VERSION)
 *   FAKE_ZCIO_FEATURES  features (all known)
 *   FAKE_ZCIO_FAIL_AT   fail a ZCIO_IOC_IO whose range contains this
 *                       byte offset with EIO
 *   FAKE_ZCIO_LOG       append "op offset len result" per ZCIO_IOC_IO
 *   FAKE_ZCIO_DELAY_US  sleep this long in every ZCIO_IOC_IO (a slow
 *                       device, for the progress line)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/zcio.h>

static struct zcio_stats stats;

static uint64_t knob(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static int is_control(int fd)
{
	const char *path = getenv("ZCIO_DEVICE");
	struct stat a, b;

	if (!path || stat(path, &a) || fstat(fd, &b))
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int bdev_size(int fd, uint64_t *size)
{
	uint64_t lbs = knob("FAKE_ZCIO_LBS", 512);
	struct stat st;

	if (fstat(fd, &st))
		return -EBADF;
	if (!S_ISREG(st.st_mode))
		return -ENOTBLK;
	*size = st.st_size - st.st_size % lbs;
	return 0;
}

static int fd_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	int acc = fl & O_ACCMODE;

	if (fl < 0)
		return 0;
	return (acc != O_WRONLY ? ZCIO_DEV_FD_READ : 0) |
	       (acc != O_RDONLY ? ZCIO_DEV_FD_WRITE : 0);
}

static int do_version(struct zcio_version *v)
{
	memset(v, 0, sizeof(*v));
	v->major = 0;
	v->minor = 9;
	v->patch = 0;
	v->abi = knob("FAKE_ZCIO_ABI", ZCIO_ABI_VERSION);
	v->max_io_bytes = knob("FAKE_ZCIO_MAXIO", 4 << 20);
	v->features = knob("FAKE_ZCIO_FEATURES", ZCIO_FEAT_SYNC_IO |
			   ZCIO_FEAT_DEVINFO | ZCIO_FEAT_STATS);
	return 0;
}

static int do_devinfo(struct zcio_devinfo *di)
{
	uint64_t size;
	int ret;

	if (di->flags || di->pad || di->resv[0] || di->resv[1] || di->resv[2])
		return -EINVAL;
	ret = bdev_size(di->fd, &size);
	if (ret)
		return ret;
	di->size = size;
	di->logical_block_size = knob("FAKE_ZCIO_LBS", 512);
	di->physical_block_size = knob("FAKE_ZCIO_PBS", 4096);
	di->dma_alignment = knob("FAKE_ZCIO_DMA", 512);
	di->max_sectors_bytes = 128 << 10;
	di->max_hw_sectors_bytes = 128 << 10;
	di->max_segments = 128;
	di->dev_flags = fd_flags(di->fd);
	di->dev_major = 7;
	di->dev_minor = 42;
	return 0;
}

static void log_io(const struct zcio_io *io, long long res)
{
	const char *path = getenv("FAKE_ZCIO_LOG");
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	fprintf(f, "%s %llu %llu %lld\n", io->op ? "write" : "read",
		(unsigned long long)io->offset, (unsigned long long)io->len, res);
	fclose(f);
}

static int io_check(const struct zcio_io *io, uint64_t *size)
{
	uint64_t lbs = knob("FAKE_ZCIO_LBS", 512);
	uint64_t dma = knob("FAKE_ZCIO_DMA", 512);
	uint64_t fail = knob("FAKE_ZCIO_FAIL_AT", UINT64_MAX);
	int ret, fl;

	if (io->pad || io->ioprio || io->flags || io->buf_index || io->resv ||
	    io->op > ZCIO_OP_WRITE)
		return -EINVAL;
	if (!io->len || io->len % lbs || io->offset % lbs || io->addr % dma ||
	    io->len > knob("FAKE_ZCIO_MAXIO", 4 << 20))
		return -EINVAL;
	ret = bdev_size(io->fd, size);
	if (ret)
		return ret;
	fl = fd_flags(io->fd);
	if (!(fl & (io->op == ZCIO_OP_READ ? ZCIO_DEV_FD_READ : ZCIO_DEV_FD_WRITE)))
		return -EBADF;
	if (fail >= io->offset && fail - io->offset < io->len)
		return -EIO;
	return 0;
}

static int do_io(struct zcio_io *io)
{
	void *buf = (void *)(uintptr_t)io->addr;
	uint64_t size, n, delay = knob("FAKE_ZCIO_DELAY_US", 0);
	ssize_t r;
	int ret;

	if (delay)
		usleep(delay);
	ret = io_check(io, &size);
	if (ret)
		goto out;
	if (io->offset >= size) {
		ret = io->op == ZCIO_OP_WRITE ? -ENOSPC : 0;
		io->result = 0;
		goto out;
	}
	n = size - io->offset < io->len ? size - io->offset : io->len;
	if (io->op == ZCIO_OP_READ)
		r = pread(io->fd, buf, n, io->offset);
	else
		r = pwrite(io->fd, buf, n, io->offset);
	if (r < 0) {
		ret = -errno;
		goto out;
	}
	io->result = r;
	stats.requests++;
	if (io->op == ZCIO_OP_READ) {
		stats.reads++;
		stats.bytes_read += r;
	} else {
		stats.writes++;
		stats.bytes_written += r;
	}
out:
	log_io(io, ret ? ret : io->result);
	return ret;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (!is_control(fd)) {
		if (!real)
			real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
		return real(fd, req, arg);
	}
	switch (req) {
	case ZCIO_IOC_VERSION:
		ret = do_version(arg);
		break;
	case ZCIO_IOC_DEVINFO:
		ret = do_devinfo(arg);
		break;
	case ZCIO_IOC_STATS:
		memcpy(arg, &stats, sizeof(stats));
		ret = 0;
		break;
	case ZCIO_IOC_IO:
		ret = do_io(arg);
		break;
	default:
		ret = -ENOTTY;
	}
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}
