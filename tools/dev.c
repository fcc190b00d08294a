// SPDX-License-Identifier: GPL-2.0
/*
 * zcio CLI: opening and checking the control device (/dev/zcio) and
 * the block device, with the CLI's error messages; the checks of the
 * offsets and chunk sizes that read, write and verify share.  The ioctls and the
 * ABI/feature check themselves are in lib/libzcio.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ------------------------------------------------------------------ */
/* Control device                                                      */

int open_zcio(int *zfd)
{
	int fd = zcio_open();
	const char *hint;

	if (fd < 0) {
		hint = zcio_open_hint(fd);
		fprintf(stderr, "zcio: cannot open %s: %s%s%s%s\n",
			zcio_device_path(), zcio_strerror(fd),
			hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
		return EXIT_FAIL;
	}
	*zfd = fd;
	return 0;
}

int get_version(int zfd, struct zcio_version *ver)
{
	int ret = zcio_get_version(zfd, ver);

	if (ret) {
		errmsg("%s: version query failed: %s", zcio_device_path(),
		       zcio_strerror(ret));
		return EXIT_FAIL;
	}
	return 0;
}

/* zcio_check_version(), with a message saying what is missing. */
int check_version(const struct zcio_version *ver, uint64_t need)
{
	uint64_t missing = need & ~ver->features;
	int ret = zcio_check_version(ver, need);

	if (ret == -EPROTO) {
		errmsg("module ABI %u is not supported (this tool speaks ABI %u)",
		       ver->abi, ZCIO_ABI_VERSION);
		return EXIT_FAIL;
	}
	if (ret) {
		errmsg("module lacks feature %s",
		       zcio_feature_name(missing & -missing));
		return EXIT_FAIL;
	}
	return 0;
}

/* Open the control device and check it speaks our ABI with @need. */
int zcio_setup(int *zfd, struct zcio_version *ver, uint64_t need)
{
	int ret;

	ret = open_zcio(zfd);
	if (ret)
		return ret;
	ret = get_version(*zfd, ver);
	if (!ret)
		ret = check_version(ver, need);
	if (ret)
		close(*zfd);
	return ret;
}

/* With O_EXCL, a device that is mounted or held fails with EBUSY. */
int open_bdev(const char *dev, int flags, int *fd)
{
	*fd = open(dev, flags | O_CLOEXEC);
	if (*fd < 0) {
		errmsg("cannot open %s: %s%s", dev, strerror(errno),
		       errno == EBUSY && (flags & O_EXCL) ?
		       " (mounted or in use by the kernel?)" : "");
		return EXIT_FAIL;
	}
	return 0;
}

int get_devinfo(int zfd, const char *dev, int fd, struct zcio_devinfo *di)
{
	int ret = zcio_get_devinfo(zfd, fd, di);

	if (ret) {
		errmsg("cannot query %s: %s", dev, zcio_strerror(ret));
		return EXIT_FAIL;
	}
	if (!di->logical_block_size) {
		errmsg("%s: module reports a logical block size of 0", dev);
		return EXIT_FAIL;
	}
	return 0;
}

/* A number from /sys/dev/block/MAJ:MIN/queue/NAME, 0 if unknown. */
uint64_t queue_attr(const struct zcio_devinfo *di, const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/%s",
		 di->dev_major, di->dev_minor, name);
	f = fopen(path, "r");
	if (!f) {
		/* a partition: its disk's queue */
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../queue/%s",
			 di->dev_major, di->dev_minor, name);
		f = fopen(path, "r");
	}
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* ------------------------------------------------------------------ */
/* Transfer arguments                                                  */

/* A usage error unless @v is a multiple of the logical block size. */
int check_lbs_multiple(const struct opts *o, const char *dev,
		       const struct zcio_devinfo *di, const char *what,
		       uint64_t v)
{
	if (v % di->logical_block_size)
		return usage_err(o->cmd,
				 "%s %" PRIu64 " is not a multiple of the logical block size (%u) of %s",
				 what, v, di->logical_block_size, dev);
	return 0;
}

/*
 * The bytes per ioctl: -b if given (a multiple of the logical block
 * size, at most max_io_bytes), else DEFAULT_CHUNK clamped to both.
 */
int pick_chunk(const struct opts *o, const char *dev,
	       const struct zcio_devinfo *di, const struct zcio_version *ver,
	       uint64_t *chunk)
{
	uint64_t lbs = di->logical_block_size;
	uint64_t max = ver->max_io_bytes ? ver->max_io_bytes : UINT64_MAX;
	int ret;

	if (o->chunk) {
		ret = check_lbs_multiple(o, dev, di, "chunk size", o->chunk);
		if (ret)
			return ret;
		if (o->chunk > max)
			return usage_err(o->cmd,
					 "chunk size %" PRIu64 " exceeds the module's max_io_bytes (%" PRIu64 ")",
					 o->chunk, max);
		*chunk = o->chunk;
		return 0;
	}
	*chunk = DEFAULT_CHUNK < max ? DEFAULT_CHUNK : max;
	*chunk -= *chunk % lbs;
	if (!*chunk) {
		errmsg("%s: logical block size %u exceeds the module's max_io_bytes (%u)",
		       dev, di->logical_block_size, ver->max_io_bytes);
		return EXIT_FAIL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Input and output fds                                                */

/* Wait for @events on a non-blocking @fd.  Returns 0 or -errno. */
int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Read until @len bytes or end of input.  Returns bytes read or -errno. */
ssize_t read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int ret;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			ret = wait_fd(fd, POLLIN);
			if (ret)
				return ret;
			continue;
		}
		if (!n)
			break;
		got += n;
	}
	return got;
}
