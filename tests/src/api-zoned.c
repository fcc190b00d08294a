// SPDX-License-Identifier: GPL-2.0
/*
 * api-zoned ZONED_DEV PLAIN_DEV: zone append and zone management.
 *
 * ZONED_DEV is a memory-backed null_blk with 4 MiB zones, the first one
 * conventional; PLAIN_DEV a device that is not zoned.  Checked: appends
 * land at the write pointer and report where (exact offsets, data read
 * back with pread()); a write not at the write pointer fails with EIO
 * through zcio as through pwrite() with O_DIRECT; an append to a
 * conventional zone or a full (finished) zone fails with EIO; an append
 * not at a zone start, longer than a zone or with a registered-buffer
 * index fails with EINVAL before any I/O; zone reset/open/close/finish
 * give what BLKRESETZONE/BLKOPENZONE/BLKCLOSEZONE/BLKFINISHZONE give for
 * the same ranges (misaligned: EINVAL), and reset rewinds the write
 * pointer; every zone operation on PLAIN_DEV is EOPNOTSUPP; an O_RDONLY
 * fd gets EBADF; nothing stays pinned.
 */
#include "api-util.h"

#include <linux/blkzoned.h>
#include <sys/ioctl.h>

#define ZONE	(4UL << 20)

static int zfd;

static int64_t zio(int fd, unsigned int op, void *buf, uint64_t len,
		   uint64_t off, uint32_t flags)
{
	struct zcio_io io = {
		.addr = (uintptr_t)buf, .len = len, .offset = off, .fd = fd,
		.op = op, .flags = flags,
	};

	if (ioctl(zfd, ZCIO_IOC_IO, &io))
		return -errno;
	return io.result;
}

static void expect(const char *name, int64_t got, int64_t want)
{
	if (got != want)
		api_fail("%s: %s, want %s", name, api_result_str(got),
			 api_result_str(want));
	else
		printf("ok %s\n", name);
}

/* The kernel's zone ioctl @cmd on [@off, @off + @len): 0 or -errno. */
static int64_t kzone(int fd, unsigned long cmd, uint64_t off, uint64_t len)
{
	struct blk_zone_range r = { .sector = off >> 9, .nr_sectors = len >> 9 };

	return ioctl(fd, cmd, &r) ? -errno : 0;
}

int main(int argc, char **argv)
{
	char *buf, *rd;
	int fd, plain, ro;

	if (argc != 3) {
		fprintf(stderr, "usage: api-zoned ZONED_DEV PLAIN_DEV\n");
		return 2;
	}
	zfd = api_zcio_open();
	fd = api_open(argv[1], O_RDWR | O_DIRECT);
	plain = api_open(argv[2], O_RDWR | O_DIRECT);
	ro = api_open(argv[1], O_RDONLY | O_DIRECT);
	buf = aligned_alloc(API_PAGE, 2 * ZONE);
	rd = aligned_alloc(API_PAGE, 2 * ZONE);
	if (!buf || !rd)
		api_die("out of memory");
	api_pattern(buf, 2 * ZONE, 0, 7);

	expect("reset-len-0", zio(fd, ZCIO_OP_ZONE_RESET, NULL, 0, 0, 0), -EINVAL);
	expect("append-zone1", zio(fd, ZCIO_OP_ZONE_APPEND, buf, 8192, ZONE, 0), ZONE);
	expect("append-zone1-again-fua",
	       zio(fd, ZCIO_OP_ZONE_APPEND, buf + 8192, 8192, ZONE, ZCIO_IO_FUA),
	       ZONE + 8192);
	expect("write-at-wp", zio(fd, ZCIO_OP_WRITE, buf + 16384, 4096, ZONE + 16384, 0), 4096);
	api_pread_all(fd, rd, 20480, ZONE);
	if (memcmp(buf, rd, 20480))
		api_fail("append-data: differs at byte %ld", api_first_diff(buf, rd, 20480));
	else
		printf("ok append-data\n");
	expect("write-not-at-wp", zio(fd, ZCIO_OP_WRITE, buf, 4096, ZONE + 65536, 0), -EIO);
	expect("pwrite-not-at-wp", pwrite(fd, buf, 4096, ZONE + 65536) < 0 ? -errno : 0, -EIO);
	expect("append-conventional", zio(fd, ZCIO_OP_ZONE_APPEND, buf, 4096, 0, 0), -EIO);
	expect("append-not-zone-start", zio(fd, ZCIO_OP_ZONE_APPEND, buf, 4096, ZONE + 4096, 0), -EINVAL);
	expect("append-longer-than-zone", zio(fd, ZCIO_OP_ZONE_APPEND, buf, ZONE + 4096, ZONE, 0), -EINVAL);
	expect("append-fixed", zio(fd, ZCIO_OP_ZONE_APPEND, buf, 4096, ZONE, ZCIO_IO_FIXED), -EINVAL);
	expect("append-ro-fd", zio(ro, ZCIO_OP_ZONE_APPEND, buf, 4096, ZONE, 0), -EBADF);
	expect("finish-zone1", zio(fd, ZCIO_OP_ZONE_FINISH, NULL, ZONE, ZONE, 0), ZONE);
	expect("append-full-zone", zio(fd, ZCIO_OP_ZONE_APPEND, buf, 4096, ZONE, 0), -EIO);
	expect("reset-misaligned", zio(fd, ZCIO_OP_ZONE_RESET, NULL, ZONE, ZONE + 4096, 0), -EINVAL);
	expect("BLKRESETZONE-misaligned", kzone(fd, BLKRESETZONE, ZONE + 4096, ZONE), -EINVAL);
	expect("reset-partial-len", zio(fd, ZCIO_OP_ZONE_RESET, NULL, 4096, ZONE, 0), -EINVAL);
	expect("BLKRESETZONE-partial-len", kzone(fd, BLKRESETZONE, ZONE, 4096), -EINVAL);
	expect("reset-zone1", zio(fd, ZCIO_OP_ZONE_RESET, NULL, ZONE, ZONE, 0), ZONE);
	expect("append-after-reset", zio(fd, ZCIO_OP_ZONE_APPEND, buf, 4096, ZONE, 0), ZONE);
	expect("open-zone2", zio(fd, ZCIO_OP_ZONE_OPEN, NULL, ZONE, 2 * ZONE, 0), ZONE);
	expect("close-zone2", zio(fd, ZCIO_OP_ZONE_CLOSE, NULL, ZONE, 2 * ZONE, 0), ZONE);
	expect("BLKOPENZONE-zone2", kzone(fd, BLKOPENZONE, 2 * ZONE, ZONE), 0);
	expect("BLKCLOSEZONE-zone2", kzone(fd, BLKCLOSEZONE, 2 * ZONE, ZONE), 0);
	expect("reset-ro-fd", zio(ro, ZCIO_OP_ZONE_RESET, NULL, ZONE, ZONE, 0), -EBADF);
	expect("BLKRESETZONE-ro-fd", kzone(ro, BLKRESETZONE, ZONE, ZONE), -EBADF);
	expect("reset-all-seq", zio(fd, ZCIO_OP_ZONE_RESET, NULL, 7 * ZONE, ZONE, 0), 7 * ZONE);
	expect("plain-append", zio(plain, ZCIO_OP_ZONE_APPEND, buf, 4096, 0, 0), -EOPNOTSUPP);
	expect("plain-reset", zio(plain, ZCIO_OP_ZONE_RESET, NULL, 4096, 0, 0), -EOPNOTSUPP);
	expect("plain-finish", zio(plain, ZCIO_OP_ZONE_FINISH, NULL, 4096, 0, 0), -EOPNOTSUPP);
	if (api_sysfs_stat("pages_pinned"))
		api_fail("pages still pinned: %" PRIu64, api_sysfs_stat("pages_pinned"));
	else
		printf("ok nothing-pinned\n");
	return api_exit();
}
