/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libzcio: a thin user-space wrapper around /dev/zcio.
 *
 * Conventions, for every function here:
 *  - no global state and no printing; every call is thread-safe as long
 *    as callers do not share the structures they pass in;
 *  - functions that can fail return 0 (or a non-negative count or file
 *    descriptor) on success and a negative errno value on failure, e.g.
 *    -EINVAL.  errno itself is left as the failing system call set it and
 *    carries no extra meaning;
 *  - the /dev/zcio file descriptor is called @zfd, the block device file
 *    descriptor the caller opened itself is called @bdev_fd.  The block
 *    device fd is the authority: O_RDONLY allows reads only, writes need
 *    O_WRONLY or O_RDWR.  O_DIRECT is not needed.
 *
 * Build with -I<zcio>/ioctl_uapi -I<zcio>/tools/lib and link
 * tools/lib/libzcio.a.
 */
#ifndef LIBZCIO_H
#define LIBZCIO_H

#include <stddef.h>
#include <stdint.h>
#include <linux/zcio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Environment variable that overrides the control device path. */
#define ZCIO_ENV_DEVICE		"ZCIO_DEVICE"
#define ZCIO_DEFAULT_PATH	"/dev/" ZCIO_DEVICE_NAME

/* Features a tool needs for data transfers (read/write). */
#define ZCIO_FEAT_XFER		(ZCIO_FEAT_SYNC_IO | ZCIO_FEAT_DEVINFO)

/*
 * zcio_device_path - path of the control device: $ZCIO_DEVICE if it is set
 * and not empty, otherwise "/dev/zcio".  The string belongs to the
 * environment or is a literal; do not free it.
 */
const char *zcio_device_path(void);

/*
 * zcio_open - open zcio_device_path() with O_CLOEXEC (read-write, falling
 * back to read-only when that is refused).  Returns the fd or -errno.
 * -ENOENT, -ENODEV and -ENXIO usually mean the module is not loaded; see
 * zcio_open_hint().
 */
int zcio_open(void);

/* zcio_open_path - zcio_open() for an explicit path. */
int zcio_open_path(const char *path);

/* ZCIO_IOC_VERSION.  Returns 0 or -errno. */
int zcio_get_version(int zfd, struct zcio_version *ver);

/*
 * zcio_check_version - 0 if @ver speaks ZCIO_ABI_VERSION and has every
 * bit of @need_features, -EPROTO on an ABI mismatch, -EOPNOTSUPP when a
 * feature is missing.
 */
int zcio_check_version(const struct zcio_version *ver, uint64_t need_features);

/*
 * ZCIO_IOC_DEVINFO for @bdev_fd.  @di is cleared and filled in.
 * Returns 0 or -errno.
 */
int zcio_get_devinfo(int zfd, int bdev_fd, struct zcio_devinfo *di);

/* ZCIO_IOC_STATS.  Returns 0 or -errno. */
int zcio_get_stats(int zfd, struct zcio_stats *st);

/*
 * zcio_prep_io - clear @io and fill it for one transfer of @len bytes
 * between @buf and byte @offset of @bdev_fd.  @op is ZCIO_OP_READ or
 * ZCIO_OP_WRITE.  tag, ioprio, flags and buf_index are left zero.
 */
void zcio_prep_io(struct zcio_io *io, unsigned int op, int bdev_fd,
		  void *buf, uint64_t len, uint64_t offset);

/*
 * zcio_submit_io - ZCIO_IOC_IO with @io exactly as given (no checks).
 * Returns 0 with io->result set, or -errno.
 */
int zcio_submit_io(int zfd, struct zcio_io *io);

/*
 * zcio_pio - one synchronous transfer, like pread()/pwrite() with O_DIRECT.
 * Returns the bytes transferred (less than @len only at the end of the
 * device; 0 for a read that starts at the end) or -errno.  A write that
 * starts at or past the end fails with -ENOSPC (the kernel's choice).
 * A result outside [0, @len] is a module bug and is returned as -EPROTO.
 * Alignment rules: @offset and @len multiples of the logical block size,
 * @buf aligned to dma_alignment, @len at most max_io_bytes.
 */
int64_t zcio_pio(int zfd, unsigned int op, int bdev_fd, void *buf,
		 uint64_t len, uint64_t offset);

static inline int64_t zcio_pread(int zfd, int bdev_fd, void *buf,
				 uint64_t len, uint64_t offset)
{
	return zcio_pio(zfd, ZCIO_OP_READ, bdev_fd, buf, len, offset);
}

static inline int64_t zcio_pwrite(int zfd, int bdev_fd, const void *buf,
				  uint64_t len, uint64_t offset)
{
	return zcio_pio(zfd, ZCIO_OP_WRITE, bdev_fd, (void *)buf, len, offset);
}

/*
 * zcio_zone_append - ZCIO_OP_ZONE_APPEND: write @len bytes from @buf at
 * the write pointer of the zone of @bdev_fd (a zoned block device opened
 * for writing) that starts at byte @zone_start, in one bio.  @flags: 0
 * or ZCIO_IO_FUA.  Returns the byte offset where the data landed, or
 * -errno (-EIO for what the device refuses: a full or conventional zone,
 * an append that does not fit).
 */
int64_t zcio_zone_append(int zfd, int bdev_fd, const void *buf, uint64_t len,
			 uint64_t zone_start, uint32_t flags);

/*
 * zcio_zone_mgmt - ZCIO_OP_ZONE_RESET, _OPEN, _CLOSE or _FINISH on the
 * whole zones of @bdev_fd from byte @offset for @len bytes, as
 * BLKRESETZONE ... BLKFINISHZONE.  Returns 0 or -errno.
 */
int zcio_zone_mgmt(int zfd, unsigned int op, int bdev_fd, uint64_t offset,
		   uint64_t len);

/*
 * zcio_prep_fixed - zcio_prep_io() for registered buffer @buf_index:
 * @buf_off is the byte offset into that buffer; sets ZCIO_IO_FIXED.
 */
void zcio_prep_fixed(struct zcio_io *io, unsigned int op, int bdev_fd,
		     unsigned int buf_index, uint64_t buf_off, uint64_t len,
		     uint64_t offset);

/*
 * zcio_submit - ZCIO_IOC_SUBMIT: start @nr asynchronous I/Os.  Returns
 * how many were taken (each will complete with one struct zcio_event, its
 * tag being the entry's @tag), or -errno if none was: -EAGAIN when the
 * context already holds max_inflight I/Os not yet reaped.
 */
int zcio_submit(int zfd, const struct zcio_io *ios, unsigned int nr);

/*
 * zcio_reap - ZCIO_IOC_REAP: wait for at least @min_nr events (fewer if
 * fewer I/Os are outstanding) and store at most @max_nr in @ev.
 * @timeout_ns < 0 waits without limit, 0 does not wait.  Returns the
 * number of events stored or -errno (-EINTR on a signal before any).
 */
int zcio_reap(int zfd, struct zcio_event *ev, unsigned int min_nr,
	      unsigned int max_nr, int64_t timeout_ns);

/*
 * zcio_register_bufs - ZCIO_IOC_REGISTER: pin @nr buffers for I/O with
 * ZCIO_IO_FIXED.  Returns 0 or -errno (-ENOMEM beyond RLIMIT_MEMLOCK,
 * -EBUSY when a set is already registered on @zfd).
 */
int zcio_register_bufs(int zfd, const struct zcio_buf *bufs, unsigned int nr);

/* zcio_unregister_bufs - ZCIO_IOC_UNREGISTER.  Returns 0 or -errno. */
int zcio_unregister_bufs(int zfd);

/*
 * zcio_parse_size - parse a size or offset: decimal digits, optionally
 * followed by exactly one of k K m M g G t T (powers of 1024).  Nothing
 * else is accepted: no sign, no blanks, no "0x", no "B"/"iB".
 * Returns 0 and sets *@val, -EINVAL for a malformed string (including
 * NULL and ""), or -ERANGE if the value does not fit in 64 bits.
 * *@val is untouched on failure.
 */
int zcio_parse_size(const char *s, uint64_t *val);

/*
 * zcio_buf_align - the alignment to use for I/O buffers of this device:
 * max(page size, di->dma_alignment), rounded up to a power of two.
 */
size_t zcio_buf_align(const struct zcio_devinfo *di);

/*
 * zcio_buf_alloc - allocate @len bytes (rounded up to a multiple of
 * @align) aligned to @align (rounded up to a power of two, at least
 * sizeof(void *)).  The memory is zeroed.  Returns 0 and sets *@bufp, or
 * -EINVAL (@len 0) / -ENOMEM.  Free with zcio_buf_free().
 */
int zcio_buf_alloc(void **bufp, size_t len, size_t align);
void zcio_buf_free(void *buf);

/*
 * "read", "write", "flush", "discard", "secure-erase", "zeroes",
 * "zone-append", "zone-reset", "zone-open", "zone-close", "zone-finish"
 * or NULL.
 */
const char *zcio_op_name(unsigned int op);

/*
 * zcio_feature_name - short name of one ZCIO_FEAT_* bit ("sync_io",
 * "devinfo", "stats", ... "zoned"), or NULL if @bit is not exactly one known bit.
 */
const char *zcio_feature_name(uint64_t bit);

/*
 * zcio_strerror - message for an errno value, positive or negative
 * (strerror(3) underneath: do not modify or free the string).
 */
const char *zcio_strerror(int err);

/*
 * zcio_open_hint - a hint to print after a failed zcio_open(), such as
 * "is the zcio module loaded?", or NULL when there is nothing to add.
 */
const char *zcio_open_hint(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBZCIO_H */
