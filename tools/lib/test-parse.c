// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests for the parts of libzcio that need no module:
 * zcio_parse_size(), the buffer allocator and the name helpers.
 * Run by `make -C tools test`; prints failures and exits 1 on any.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libzcio.h"

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		printf("FAIL %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		putchar('\n');						\
		failures++;						\
	}								\
} while (0)

static void ok(const char *s, uint64_t want)
{
	uint64_t v = 12345;
	int ret = zcio_parse_size(s, &v);

	CHECK(ret == 0 && v == want, "parse '%s': ret %d val %" PRIu64
	      ", want 0 and %" PRIu64, s, ret, v, want);
}

static void bad(const char *s, int want)
{
	uint64_t v = 12345;
	int ret = zcio_parse_size(s, &v);

	CHECK(ret == want && v == 12345, "parse '%s': ret %d val %" PRIu64
	      ", want %d and untouched", s ? s : "(null)", ret, v, want);
}

static void test_parse(void)
{
	ok("0", 0);
	ok("1", 1);
	ok("512", 512);
	ok("007", 7);
	ok("4k", 4096);
	ok("4K", 4096);
	ok("1m", 1 << 20);
	ok("1M", 1 << 20);
	ok("3g", 3ULL << 30);
	ok("3G", 3ULL << 30);
	ok("2t", 2ULL << 40);
	ok("2T", 2ULL << 40);
	ok("0k", 0);
	ok("18446744073709551615", UINT64_MAX);
	ok("16777215T", 16777215ULL << 40);
	ok("17179869183G", 17179869183ULL << 30);

	bad(NULL, -EINVAL);
	bad("", -EINVAL);
	bad("k", -EINVAL);
	bad("-1", -EINVAL);
	bad("+1", -EINVAL);
	bad(" 1", -EINVAL);
	bad("1 ", -EINVAL);
	bad("1.5M", -EINVAL);
	bad("0x10", -EINVAL);
	bad("1KB", -EINVAL);
	bad("1KiB", -EINVAL);
	bad("1B", -EINVAL);
	bad("1b", -EINVAL);
	bad("1P", -EINVAL);
	bad("1e3", -EINVAL);
	bad("1kk", -EINVAL);
	bad("1\n", -EINVAL);
	bad("12abc", -EINVAL);

	bad("18446744073709551616", -ERANGE);
	bad("99999999999999999999999", -ERANGE);
	bad("16777216T", -ERANGE);
	bad("17179869184G", -ERANGE);
	bad("18014398509481984k", -ERANGE);
	/* overflow is detected before trailing garbage is looked at */
	bad("99999999999999999999x", -ERANGE);
}

static void test_alloc(void)
{
	struct zcio_devinfo di = { 0 };
	size_t page = sysconf(_SC_PAGESIZE);
	void *p = NULL;
	int ret;

	CHECK(zcio_buf_align(NULL) == page, "align(NULL) %zu", zcio_buf_align(NULL));
	di.dma_alignment = 512;
	CHECK(zcio_buf_align(&di) == page, "align(512) %zu", zcio_buf_align(&di));
	di.dma_alignment = 1 << 16;
	CHECK(zcio_buf_align(&di) == 1 << 16, "align(64k) %zu", zcio_buf_align(&di));
	di.dma_alignment = 3 * page;
	CHECK(zcio_buf_align(&di) == 4 * page, "align(3 pages) %zu",
	      zcio_buf_align(&di));

	ret = zcio_buf_alloc(&p, 1000, 4096);
	CHECK(ret == 0 && p && ((uintptr_t)p & 4095) == 0, "alloc 1000/4096: %d %p",
	      ret, p);
	if (!ret) {
		/* rounded up to a whole 4096 and zeroed */
		char zero[4096] = { 0 };

		CHECK(!memcmp(p, zero, sizeof(zero)), "buffer not zeroed");
		zcio_buf_free(p);
	}
	ret = zcio_buf_alloc(&p, 100, 3000);
	CHECK(ret == 0 && ((uintptr_t)p & 4095) == 0, "alloc 100/3000: %d %p", ret, p);
	if (!ret)
		zcio_buf_free(p);
	ret = zcio_buf_alloc(&p, 100, 0);
	CHECK(ret == 0, "alloc 100/0: %d", ret);
	if (!ret)
		zcio_buf_free(p);
	p = (void *)1;
	CHECK(zcio_buf_alloc(&p, 0, 4096) == -EINVAL && p == (void *)1, "alloc 0");
	CHECK(zcio_buf_alloc(&p, SIZE_MAX - 10, 4096) == -ENOMEM, "alloc huge");
	zcio_buf_free(NULL);
}

static void test_names(void)
{
	struct zcio_version v = { .abi = ZCIO_ABI_VERSION,
				  .features = ZCIO_FEAT_SYNC_IO | ZCIO_FEAT_DEVINFO };
	struct zcio_io io;
	char buf[8];

	CHECK(!strcmp(zcio_feature_name(ZCIO_FEAT_SYNC_IO), "sync_io"), "sync_io");
	CHECK(!strcmp(zcio_feature_name(ZCIO_FEAT_DEVINFO), "devinfo"), "devinfo");
	CHECK(!strcmp(zcio_feature_name(ZCIO_FEAT_STATS), "stats"), "stats");
	CHECK(!strcmp(zcio_feature_name(ZCIO_FEAT_ZONED), "zoned"), "zoned");
	CHECK(!zcio_feature_name(0), "feature 0");
	CHECK(!zcio_feature_name(ZCIO_FEAT_SYNC_IO | ZCIO_FEAT_STATS), "two bits");
	CHECK(!zcio_feature_name(1ULL << 40), "unknown bit");
	CHECK(!strcmp(zcio_op_name(ZCIO_OP_READ), "read"), "op read");
	CHECK(!strcmp(zcio_op_name(ZCIO_OP_WRITE), "write"), "op write");
	CHECK(!strcmp(zcio_op_name(ZCIO_OP_ZONE_APPEND), "zone-append"), "op append");
	CHECK(!strcmp(zcio_op_name(ZCIO_OP_ZONE_FINISH), "zone-finish"), "op finish");
	CHECK(!zcio_op_name(11), "op 11");
	CHECK(!strcmp(zcio_strerror(-ENOSPC), zcio_strerror(ENOSPC)), "strerror sign");
	CHECK(zcio_open_hint(-ENOENT) != NULL, "hint ENOENT");
	CHECK(zcio_open_hint(-EINVAL) == NULL, "hint EINVAL");

	CHECK(zcio_check_version(&v, ZCIO_FEAT_XFER) == 0, "check ok");
	CHECK(zcio_check_version(&v, ZCIO_FEAT_STATS) == -EOPNOTSUPP, "check feat");
	v.abi++;
	CHECK(zcio_check_version(&v, 0) == -EPROTO, "check abi");

	memset(&io, 0xff, sizeof(io));
	zcio_prep_io(&io, ZCIO_OP_WRITE, 5, buf, 4096, 8192);
	CHECK(io.addr == (uintptr_t)buf && io.len == 4096 && io.offset == 8192 &&
	      io.fd == 5 && io.op == ZCIO_OP_WRITE && !io.tag && !io.pad &&
	      !io.ioprio && !io.flags && !io.buf_index && !io.result && !io.bio_bytes && !io.resv,
	      "prep_io");
}

static void test_path(void)
{
	const char *old = getenv(ZCIO_ENV_DEVICE);
	char *save = old ? strdup(old) : NULL;
	int fd;

	unsetenv(ZCIO_ENV_DEVICE);
	CHECK(!strcmp(zcio_device_path(), "/dev/zcio"), "default path");
	setenv(ZCIO_ENV_DEVICE, "", 1);
	CHECK(!strcmp(zcio_device_path(), "/dev/zcio"), "empty env");
	setenv(ZCIO_ENV_DEVICE, "/nonexistent/zcio", 1);
	CHECK(!strcmp(zcio_device_path(), "/nonexistent/zcio"), "env path");
	fd = zcio_open();
	CHECK(fd == -ENOENT, "open missing: %d", fd);
	CHECK(zcio_open_path(NULL) == -EINVAL, "open NULL");
	CHECK(zcio_open_path("") == -EINVAL, "open empty");
	fd = zcio_open_path("/dev/null");
	CHECK(fd >= 0, "open /dev/null: %d", fd);
	if (fd >= 0) {
		struct zcio_version v;

		/* not a zcio device: the ioctl fails, the wrapper says how */
		CHECK(zcio_get_version(fd, &v) == -ENOTTY, "version on /dev/null");
		close(fd);
	}
	if (save)
		setenv(ZCIO_ENV_DEVICE, save, 1);
	else
		unsetenv(ZCIO_ENV_DEVICE);
	free(save);
}

int main(void)
{
	test_parse();
	test_alloc();
	test_names();
	test_path();
	if (failures) {
		printf("test-parse: %d failure(s)\n", failures);
		return 1;
	}
	printf("test-parse: all passed\n");
	return 0;
}
