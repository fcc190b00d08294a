// SPDX-License-Identifier: GPL-2.0
/*
 * libzcio: a thin user-space wrapper around /dev/zcio.  See libzcio.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libzcio.h"

const char *zcio_device_path(void)
{
	const char *p = getenv(ZCIO_ENV_DEVICE);

	return p && *p ? p : ZCIO_DEFAULT_PATH;
}

int zcio_open_path(const char *path)
{
	int fd;

	if (!path || !*path)
		return -EINVAL;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int zcio_open(void)
{
	return zcio_open_path(zcio_device_path());
}

static int do_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int zcio_get_version(int zfd, struct zcio_version *ver)
{
	memset(ver, 0, sizeof(*ver));
	return do_ioctl(zfd, ZCIO_IOC_VERSION, ver);
}

int zcio_check_version(const struct zcio_version *ver, uint64_t need_features)
{
	if (ver->abi != ZCIO_ABI_VERSION)
		return -EPROTO;
	if ((ver->features & need_features) != need_features)
		return -EOPNOTSUPP;
	return 0;
}

int zcio_get_devinfo(int zfd, int bdev_fd, struct zcio_devinfo *di)
{
	memset(di, 0, sizeof(*di));
	di->fd = bdev_fd;
	return do_ioctl(zfd, ZCIO_IOC_DEVINFO, di);
}

int zcio_get_stats(int zfd, struct zcio_stats *st)
{
	memset(st, 0, sizeof(*st));
	return do_ioctl(zfd, ZCIO_IOC_STATS, st);
}

void zcio_prep_io(struct zcio_io *io, unsigned int op, int bdev_fd,
		  void *buf, uint64_t len, uint64_t offset)
{
	memset(io, 0, sizeof(*io));
	io->addr = (uint64_t)(uintptr_t)buf;
	io->len = len;
	io->offset = offset;
	io->fd = bdev_fd;
	io->op = (uint8_t)op;
}

void zcio_prep_fixed(struct zcio_io *io, unsigned int op, int bdev_fd,
		     unsigned int buf_index, uint64_t buf_off, uint64_t len,
		     uint64_t offset)
{
	zcio_prep_io(io, op, bdev_fd, NULL, len, offset);
	io->addr = buf_off;
	io->flags = ZCIO_IO_FIXED;
	io->buf_index = buf_index;
}

int zcio_submit(int zfd, const struct zcio_io *ios, unsigned int nr)
{
	struct zcio_submit sub = {
		.ios = (uint64_t)(uintptr_t)ios,
		.nr = nr,
	};
	int ret = ioctl(zfd, ZCIO_IOC_SUBMIT, &sub);

	return ret < 0 ? -errno : ret;
}

int zcio_reap(int zfd, struct zcio_event *ev, unsigned int min_nr,
	      unsigned int max_nr, int64_t timeout_ns)
{
	struct zcio_reap reap = {
		.events = (uint64_t)(uintptr_t)ev,
		.min_nr = min_nr,
		.max_nr = max_nr,
		.timeout_ns = timeout_ns,
	};
	int ret = ioctl(zfd, ZCIO_IOC_REAP, &reap);

	return ret < 0 ? -errno : ret;
}

int zcio_register_bufs(int zfd, const struct zcio_buf *bufs, unsigned int nr)
{
	struct zcio_register reg = {
		.bufs = (uint64_t)(uintptr_t)bufs,
		.nr = nr,
	};

	return do_ioctl(zfd, ZCIO_IOC_REGISTER, &reg);
}

int zcio_unregister_bufs(int zfd)
{
	return ioctl(zfd, ZCIO_IOC_UNREGISTER) < 0 ? -errno : 0;
}

int zcio_submit_io(int zfd, struct zcio_io *io)
{
	return do_ioctl(zfd, ZCIO_IOC_IO, io);
}

int64_t zcio_pio(int zfd, unsigned int op, int bdev_fd, void *buf,
		 uint64_t len, uint64_t offset)
{
	struct zcio_io io;
	int ret;

	zcio_prep_io(&io, op, bdev_fd, buf, len, offset);
	ret = zcio_submit_io(zfd, &io);
	if (ret)
		return ret;
	if (io.result < 0 || (uint64_t)io.result > len)
		return -EPROTO;
	return io.result;
}

int64_t zcio_zone_append(int zfd, int bdev_fd, const void *buf, uint64_t len,
			 uint64_t zone_start, uint32_t flags)
{
	struct zcio_io io;
	int ret;

	zcio_prep_io(&io, ZCIO_OP_ZONE_APPEND, bdev_fd, (void *)buf, len,
		     zone_start);
	io.flags = flags;
	ret = zcio_submit_io(zfd, &io);
	if (ret)
		return ret;
	if (io.result < (int64_t)zone_start)
		return -EPROTO;
	return io.result;
}

int zcio_zone_mgmt(int zfd, unsigned int op, int bdev_fd, uint64_t offset,
		   uint64_t len)
{
	struct zcio_io io = {
		.op = op,
		.fd = bdev_fd,
		.offset = offset,
		.len = len,
	};

	return zcio_submit_io(zfd, &io);
}

static int digit_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : -1;
}

static int suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	case 't': case 'T': return 40;
	}
	return -1;
}

int zcio_parse_size(const char *s, uint64_t *val)
{
	uint64_t v = 0;
	int d, shift = 0;

	if (!s || digit_value(*s) < 0)
		return -EINVAL;
	for (; (d = digit_value(*s)) >= 0; s++) {
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (*s) {
		shift = suffix_shift(*s);
		if (shift < 0 || s[1])
			return -EINVAL;
		if (v > UINT64_MAX >> shift)
			return -ERANGE;
	}
	*val = v << shift;
	return 0;
}

/* Smallest power of two >= @n, or 0 if there is none. */
static size_t roundup_pow2(size_t n)
{
	size_t p = 1;

	while (p < n) {
		if (p > SIZE_MAX / 2)
			return 0;
		p <<= 1;
	}
	return p;
}

size_t zcio_buf_align(const struct zcio_devinfo *di)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t a = page > 0 ? (size_t)page : 4096;

	if (di && di->dma_alignment > a)
		a = di->dma_alignment;
	return roundup_pow2(a);
}

int zcio_buf_alloc(void **bufp, size_t len, size_t align)
{
	void *p;
	int ret;

	align = roundup_pow2(align < sizeof(void *) ? sizeof(void *) : align);
	if (!len || !align)
		return -EINVAL;
	if (len > SIZE_MAX - (align - 1))
		return -ENOMEM;
	len = (len + align - 1) & ~(align - 1);
	ret = posix_memalign(&p, align, len);
	if (ret)
		return -ret;
	memset(p, 0, len);
	*bufp = p;
	return 0;
}

void zcio_buf_free(void *buf)
{
	free(buf);
}

const char *zcio_op_name(unsigned int op)
{
	switch (op) {
	case ZCIO_OP_READ: return "read";
	case ZCIO_OP_WRITE: return "write";
	case ZCIO_OP_FLUSH: return "flush";
	case ZCIO_OP_DISCARD: return "discard";
	case ZCIO_OP_SECURE_ERASE: return "secure-erase";
	case ZCIO_OP_WRITE_ZEROES: return "zeroes";
	case ZCIO_OP_ZONE_APPEND: return "zone-append";
	case ZCIO_OP_ZONE_RESET: return "zone-reset";
	case ZCIO_OP_ZONE_OPEN: return "zone-open";
	case ZCIO_OP_ZONE_CLOSE: return "zone-close";
	case ZCIO_OP_ZONE_FINISH: return "zone-finish";
	}
	return NULL;
}

const char *zcio_feature_name(uint64_t bit)
{
	switch (bit) {
	case ZCIO_FEAT_SYNC_IO: return "sync_io";
	case ZCIO_FEAT_DEVINFO: return "devinfo";
	case ZCIO_FEAT_STATS: return "stats";
	case ZCIO_FEAT_ASYNC: return "async";
	case ZCIO_FEAT_REGBUF: return "regbuf";
	case ZCIO_FEAT_POLLED: return "polled";
	case ZCIO_FEAT_REQFLAGS: return "reqflags";
	case ZCIO_FEAT_NONDATA: return "nondata";
	case ZCIO_FEAT_ZONED: return "zoned";
	}
	return NULL;
}

const char *zcio_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

const char *zcio_open_hint(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return "is the zcio module loaded?";
	case EACCES:
	case EPERM:
		return "check the permissions of the device node";
	}
	return NULL;
}
