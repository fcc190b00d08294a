// SPDX-License-Identifier: GPL-2.0
/*
 * api-badinput DEV: every way to call /dev/zcio wrongly gets its exact
 * errno, leaves nothing pinned and moves the counters the way blk/io.c
 * defines them:
 *
 *  - a call refused by validation (blk/ctl.c: fields, fd, range, device)
 *    changes no counter at all, and neither does a read at or past the end
 *    of the device (it transfers nothing and never reaches blk/io.c);
 *  - a call that passed validation counts one request and one read or
 *    write; if mapping or I/O then fails it also counts one error and no
 *    bytes, otherwise the bytes it moved;
 *  - either way pins == unpins afterwards and pages_pinned is 0.
 *
 * Also checks ZCIO_IOC_VERSION, ZCIO_IOC_DEVINFO and ZCIO_IOC_STATS, with
 * the output structures poisoned first so that any reserved or padding
 * byte the module leaves unwritten shows up.  DEV is a writable scratch
 * block device of at least 4 MiB with 512-byte logical blocks (brd); its
 * content is overwritten.  $TMPDIR holds a scratch regular file.
 *
 * Each check prints "ok NAME" on stdout (or "FAIL: ..." on stderr).  For
 * the cases where zcio differs from pread()/pwrite() with O_DIRECT by
 * design, a "by design" line on stderr notes what O_DIRECT does.
 */
#include "api-util.h"

#include <limits.h>
#include <linux/fs.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define POISON		0xa5
#define KERNEL_ADDR	0xffff888000000000ULL
#define M		(1024 * 1024)

/* The UAPI layout is ABI: these must never change. */
_Static_assert(sizeof(struct zcio_version) == 56, "zcio_version size");
_Static_assert(sizeof(struct zcio_devinfo) == 80, "zcio_devinfo size");
_Static_assert(sizeof(struct zcio_io) == 64, "zcio_io size");
_Static_assert(sizeof(struct zcio_stats) == 128, "zcio_stats size");
_Static_assert(offsetof(struct zcio_io, fd) == 32, "zcio_io.fd");
_Static_assert(offsetof(struct zcio_io, flags) == 40, "zcio_io.flags");
_Static_assert(offsetof(struct zcio_io, result) == 48, "zcio_io.result");
_Static_assert(offsetof(struct zcio_devinfo, resv) == 56, "zcio_devinfo.resv");
_Static_assert(offsetof(struct zcio_version, features) == 16, "zcio_version.features");
_Static_assert(offsetof(struct zcio_stats, flush_dropped) == 112, "zcio_stats.flush_dropped");
_Static_assert(offsetof(struct zcio_version, resv) == 40, "zcio_version.resv");

static int zfd, bfd;
static const char *dev_path;
static uint64_t dev_size;
static char *buf;		/* 2 MiB of read-write memory, page aligned */
#define BUF_LEN		(2 * M)

/* How a call must move the counters. */
enum acct {
	ACCT_NONE,	/* refused by validation, or nothing to transfer */
	ACCT_FAILED,	/* passed validation, then failed: request + error */
	ACCT_OK,	/* passed validation and transferred io->len bytes */
};

/* Nothing pinned right now, by both of the module's views. */
static bool check_idle(const char *name)
{
	struct zcio_stats st;
	uint64_t sysfs = api_sysfs_stat("pages_pinned");

	api_stats(zfd, &st);
	if (sysfs || st.pages_pinned || st.pins != st.unpins) {
		api_fail("%s: pinned after the call: sysfs %" PRIu64
			 ", ioctl %" PRIu64 ", pins %" PRIu64 " unpins %" PRIu64,
			 name, sysfs, (uint64_t)st.pages_pinned,
			 (uint64_t)st.pins, (uint64_t)st.unpins);
		return false;
	}
	return true;
}

#define DELTA(f)	((uint64_t)(after.f - before.f))

/* Did the counters move as @acct says for a call like @io? */
static bool check_acct(const char *name, const struct zcio_stats *b,
		       const struct zcio_io *io, enum acct acct)
{
	struct zcio_stats before = *b, after;
	bool is_write = io->op == ZCIO_OP_WRITE;
	uint64_t req = acct != ACCT_NONE, err = acct == ACCT_FAILED;
	uint64_t bytes = acct == ACCT_OK ? (uint64_t)io->result : 0;
	bool good;

	api_stats(zfd, &after);
	good = DELTA(requests) == req && DELTA(errors) == err &&
	       DELTA(reads) == (is_write ? 0 : req) &&
	       DELTA(writes) == (is_write ? req : 0) &&
	       DELTA(bytes_read) == (is_write ? 0 : bytes) &&
	       DELTA(bytes_written) == (is_write ? bytes : 0) &&
	       DELTA(pins) == DELTA(unpins) && DELTA(killed) == 0 &&
	       (acct != ACCT_NONE || (DELTA(bios) == 0 && DELTA(pins) == 0));
	if (!good)
		api_fail("%s: counters moved wrongly (want %s): requests +%" PRIu64
			 " reads +%" PRIu64 " writes +%" PRIu64 " errors +%" PRIu64
			 " bytes_read +%" PRIu64 " bytes_written +%" PRIu64
			 " bios +%" PRIu64 " pins +%" PRIu64 " unpins +%" PRIu64,
			 name, acct == ACCT_NONE ? "no change" :
			 acct == ACCT_FAILED ? "request+error" : "request+bytes",
			 DELTA(requests), DELTA(reads), DELTA(writes),
			 DELTA(errors), DELTA(bytes_read), DELTA(bytes_written),
			 DELTA(bios), DELTA(pins), DELTA(unpins));
	return good;
}

/*
 * What a failed call leaves in @io->result (pre-set to -4242): the module
 * stores 0 there once the fields passed their checks (op, the zero
 * fields), so only a call those checks reject leaves it untouched.
 */
/* The flags a read or a write takes. */
static uint32_t valid_flags(unsigned int op)
{
	uint32_t both = ZCIO_IO_FIXED | ZCIO_IO_HIPRI | ZCIO_IO_NOMERGE |
			ZCIO_IO_SYNC | ZCIO_IO_IDLE | ZCIO_IO_META |
			ZCIO_IO_NOPLUG;

	if (op == ZCIO_OP_WRITE)
		return both | ZCIO_IO_FUA | ZCIO_IO_PREFLUSH | ZCIO_IO_EXACT;
	return both;
}

static int64_t failed_result(const struct zcio_io *io, int err)
{
	bool bad_fields = io->op > ZCIO_OP_WRITE || io->pad || io->ioprio ||
			  (io->flags & ~valid_flags(io->op)) ||
			  (io->buf_index && !(io->flags & ZCIO_IO_FIXED)) ||
			  io->resv;

	return err == EINVAL && bad_fields ? -4242 : 0;
}

/*
 * Submit @io as given; it must fail with @want_err, or with @want_err 0
 * succeed with result @io->len (0 when @acct is ACCT_NONE: a read at the
 * end of the device).  Then nothing may be pinned and the counters must
 * move as @acct says.
 */
static void expect_io(const char *name, struct zcio_io *io, int want_err,
		      enum acct acct)
{
	struct zcio_stats before;
	uint64_t tag = 0x7a63696f74616721ULL;
	int64_t want_res = acct == ACCT_NONE ? 0 : (int64_t)io->len;
	bool good = true;
	int ret;

	api_stats(zfd, &before);
	io->tag = tag;
	io->result = -4242;
	ret = zcio_submit_io(zfd, io);
	if (ret != -want_err) {
		api_fail("%s: got %s, want %s", name,
			 ret ? api_errname(ret) : "success",
			 want_err ? api_errname(want_err) : "success");
		good = false;
	} else if (!want_err && io->result != want_res) {
		api_fail("%s: result %" PRId64 ", want %" PRId64, name,
			 (int64_t)io->result, want_res);
		good = false;
	} else if (want_err && io->result != failed_result(io, want_err)) {
		api_fail("%s: failed call left result %" PRId64 ", want %" PRId64,
			 name, (int64_t)io->result,
			 failed_result(io, want_err));
		good = false;
	}
	if (io->tag != tag) {
		api_fail("%s: tag changed", name);
		good = false;
	}
	good &= check_idle(name);
	good &= check_acct(name, &before, io, acct);
	if (good)
		api_ok(name);
}

/* A ZCIO_IOC_IO on the scratch device from @addr: 4 KiB at offset 0. */
static void prep(struct zcio_io *io, unsigned int op, uint64_t addr)
{
	zcio_prep_io(io, op, bfd, (void *)(uintptr_t)addr, 4096, 0);
}

static uint64_t addr_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* --- ZCIO_IOC_IO: the fields ------------------------------------------ */

static void test_fields(void)
{
	static const uint8_t bad_ops[] = { 11, 12, 0x7f, 0x80, 0xff };
	struct zcio_io io;
	char name[64];
	unsigned int i, op;

	for (i = 0; i < sizeof(bad_ops); i++) {
		prep(&io, ZCIO_OP_READ, addr_of(buf));
		io.op = bad_ops[i];
		snprintf(name, sizeof(name), "op-%u", bad_ops[i]);
		expect_io(name, &io, EINVAL, ACCT_NONE);
	}
	for (op = ZCIO_OP_READ; op <= ZCIO_OP_WRITE; op++) {
		const char *o = zcio_op_name(op);

		/*
		 * Unknown bits, and bits of other operations, are refused;
		 * ZCIO_IO_FIXED without registered buffers is refused later
		 * (result already 0); ZCIO_IO_HIPRI on a queue that cannot
		 * poll is a plain transfer, and the request flags transfer.
		 */
		for (i = 0; i < 32; i++) {
			prep(&io, op, addr_of(buf));
			io.flags = 1U << i;
			snprintf(name, sizeof(name), "%s-flags-bit%u", o, i);
			if ((io.flags & valid_flags(op)) &&
			    io.flags != ZCIO_IO_FIXED)
				expect_io(name, &io, 0, ACCT_OK);
			else
				expect_io(name, &io, EINVAL, ACCT_NONE);
		}
		prep(&io, op, addr_of(buf));
		io.pad = 1;
		snprintf(name, sizeof(name), "%s-pad-1", o);
		expect_io(name, &io, EINVAL, ACCT_NONE);
		prep(&io, op, addr_of(buf));
		io.pad = 0x80;
		snprintf(name, sizeof(name), "%s-pad-0x80", o);
		expect_io(name, &io, EINVAL, ACCT_NONE);
		prep(&io, op, addr_of(buf));
		io.ioprio = 1;
		snprintf(name, sizeof(name), "%s-ioprio-1", o);
		expect_io(name, &io, EINVAL, ACCT_NONE);
		prep(&io, op, addr_of(buf));
		io.ioprio = 0x8000;
		snprintf(name, sizeof(name), "%s-ioprio-0x8000", o);
		expect_io(name, &io, EINVAL, ACCT_NONE);
		prep(&io, op, addr_of(buf));
		io.buf_index = 1;
		snprintf(name, sizeof(name), "%s-buf_index-1", o);
		expect_io(name, &io, EINVAL, ACCT_NONE);
		prep(&io, op, addr_of(buf));
		io.buf_index = 0x80000000U;
		snprintf(name, sizeof(name), "%s-buf_index-high", o);
		expect_io(name, &io, EINVAL, ACCT_NONE);
		prep(&io, op, addr_of(buf));
		io.resv = 1;
		snprintf(name, sizeof(name), "%s-resv-1", o);
		expect_io(name, &io, EINVAL, ACCT_NONE);
		prep(&io, op, addr_of(buf));
		io.resv = 1U << 31;
		snprintf(name, sizeof(name), "%s-resv-high", o);
		expect_io(name, &io, EINVAL, ACCT_NONE);
		/* A bio cap must be whole logical blocks. */
		prep(&io, op, addr_of(buf));
		io.bio_bytes = 1;
		snprintf(name, sizeof(name), "%s-bio_bytes-1", o);
		expect_io(name, &io, EINVAL, ACCT_NONE);
		/* The tag is the caller's: any value goes, and comes back. */
		prep(&io, op, addr_of(buf));
		snprintf(name, sizeof(name), "%s-any-tag", o);
		expect_io(name, &io, 0, ACCT_OK);
	}
}

/* --- ZCIO_IOC_IO: lengths and offsets --------------------------------- */

/* What pread()/pwrite() on an O_DIRECT fd of the device make of a call. */
static int64_t odirect(unsigned int op, void *p, uint64_t len, uint64_t off)
{
	int fd = api_open(dev_path, O_RDWR | O_DIRECT);
	ssize_t n;

	if (op == ZCIO_OP_READ)
		n = pread(fd, p, len, (off_t)off);
	else
		n = pwrite(fd, p, len, (off_t)off);
	n = n < 0 ? -errno : n;
	close(fd);
	return n;
}

/*
 * Note what O_DIRECT makes of a case where zcio differs by design.  Only
 * on stderr: this is the kernel's behaviour, not zcio's, and it may change
 * between kernels.
 */
static void deviation(const char *name, int zcio_err, int64_t pread_res)
{
	api_info("by design: %s: zcio=%s odirect=%s", name,
		 api_errname(zcio_err), api_result_str(pread_res));
}

static void test_range(uint32_t max_io)
{
	uint64_t ll_max = LLONG_MAX;
	struct zcio_io io;
	char *tiny;
	unsigned int op;

	for (op = ZCIO_OP_READ; op <= ZCIO_OP_WRITE; op++) {
		bool rd = op == ZCIO_OP_READ;

		prep(&io, op, addr_of(buf));
		io.len = 0;
		expect_io(rd ? "read-len-0" : "write-len-0", &io, EINVAL,
			  ACCT_NONE);
		deviation(rd ? "read-len-0" : "write-len-0", EINVAL,
			  odirect(op, buf, 0, 0));

		/* addr + len wraps around */
		prep(&io, op, UINT64_MAX - 4095);
		io.len = 8192;
		expect_io(rd ? "read-addr-len-overflow" : "write-addr-len-overflow",
			  &io, EINVAL, ACCT_NONE);
		deviation(rd ? "read-addr-len-overflow" : "write-addr-len-overflow",
			  EINVAL, odirect(op, (void *)(uintptr_t)(UINT64_MAX - 4095),
					  8192, 0));
		prep(&io, op, UINT64_MAX - 511);
		io.len = 512;
		expect_io(rd ? "read-addr-len-overflow-to-0" :
			  "write-addr-len-overflow-to-0", &io, EINVAL, ACCT_NONE);

		/* offset + len beyond LLONG_MAX, offset itself beyond it */
		prep(&io, op, addr_of(buf));
		io.offset = ll_max - 4095;
		expect_io(rd ? "read-off-len-overflow" : "write-off-len-overflow",
			  &io, EINVAL, ACCT_NONE);
		prep(&io, op, addr_of(buf));
		io.offset = ll_max + 1;
		expect_io(rd ? "read-off-2^63" : "write-off-2^63", &io, EINVAL,
			  ACCT_NONE);
		prep(&io, op, addr_of(buf));
		io.offset = UINT64_MAX - 4095;
		expect_io(rd ? "read-off-max-u64" : "write-off-max-u64", &io,
			  EINVAL, ACCT_NONE);
		/* offset + len == 2^63 is one byte too far ... */
		prep(&io, op, addr_of(buf));
		io.offset = ll_max + 1 - 4096;
		expect_io(rd ? "read-off-len-2^63" : "write-off-len-2^63", &io,
			  EINVAL, ACCT_NONE);
		/* ... one block less is valid: past the end of the device */
		prep(&io, op, addr_of(buf));
		io.offset = ll_max + 1 - 4096 - 512;
		if (rd) {
			expect_io("read-off-llong-max-end", &io, 0, ACCT_NONE);
		} else {
			expect_io("write-off-llong-max-end", &io, ENOSPC,
				  ACCT_NONE);
		}

		/* too long for one request */
		prep(&io, op, addr_of(buf));
		io.len = 1ULL << 40;
		expect_io(rd ? "read-len-2^40" : "write-len-2^40", &io, EINVAL,
			  ACCT_NONE);
		/* pread() clamps it, here to the 4 KiB left on the device */
		prep(&io, op, addr_of(buf));
		io.len = 1ULL << 40;
		io.offset = dev_size - 4096;
		expect_io(rd ? "read-len-2^40-at-end" : "write-len-2^40-at-end",
			  &io, EINVAL, ACCT_NONE);
		deviation(rd ? "read-len-2^40-at-end" : "write-len-2^40-at-end",
			  EINVAL, odirect(op, buf, 1ULL << 40, dev_size - 4096));
		prep(&io, op, addr_of(buf));
		io.len = (uint64_t)max_io + 4096;
		expect_io(rd ? "read-len-max_io_bytes+4096" :
			  "write-len-max_io_bytes+4096", &io, EINVAL, ACCT_NONE);
	}

	/*
	 * max_io_bytes itself is a valid length: with a one-page buffer
	 * followed by a guard page it gets as far as mapping, then EFAULT.
	 */
	tiny = api_map_guarded(4096);
	prep(&io, ZCIO_OP_READ, addr_of(tiny));
	io.len = max_io;
	expect_io("read-len-max_io_bytes-tiny-buffer", &io, EFAULT,
		  ACCT_FAILED);
	prep(&io, ZCIO_OP_WRITE, addr_of(tiny));
	io.len = max_io;
	expect_io("write-len-max_io_bytes-tiny-buffer", &io, EFAULT,
		  ACCT_FAILED);
	api_unmap_guarded(tiny, 4096);
}

/* --- ZCIO_IOC_IO: the file descriptor --------------------------------- */

static void expect_fd(const char *what, int fd, int want_err)
{
	struct zcio_io io;
	char name[96];
	unsigned int op;

	for (op = ZCIO_OP_READ; op <= ZCIO_OP_WRITE; op++) {
		prep(&io, op, addr_of(buf));
		io.fd = fd;
		snprintf(name, sizeof(name), "%s-fd-%s", zcio_op_name(op), what);
		expect_io(name, &io, want_err, ACCT_NONE);
	}
}

static void test_fds(void)
{
	char path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	int fd, pipefd[2];

	fd = api_open(dev_path, O_RDWR);
	close(fd);
	expect_fd("closed", fd, EBADF);
	expect_fd("minus-1", -1, EBADF);
	expect_fd("int-min", INT_MIN, EBADF);
	expect_fd("int-max", INT_MAX, EBADF);

	/* O_PATH files are invisible to fget(), as to pread() */
	fd = api_open(dev_path, O_PATH);
	expect_fd("o_path-bdev", fd, EBADF);
	close(fd);

	snprintf(path, sizeof(path), "%s/api-badinput.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		api_die("mkstemp %s: %s", path, strerror(errno));
	unlink(path);
	if (ftruncate(fd, 1 << 20))
		api_die("ftruncate: %s", strerror(errno));
	expect_fd("regular-file", fd, ENOTBLK);
	close(fd);

	if (pipe(pipefd))
		api_die("pipe: %s", strerror(errno));
	expect_fd("pipe-read-end", pipefd[0], ENOTBLK);
	expect_fd("pipe-write-end", pipefd[1], ENOTBLK);
	close(pipefd[0]);
	close(pipefd[1]);

	fd = api_open("/dev/null", O_RDWR);
	expect_fd("dev-null", fd, ENOTBLK);
	close(fd);
	fd = api_open("/", O_RDONLY | O_DIRECTORY);
	expect_fd("directory", fd, ENOTBLK);
	close(fd);
	expect_fd("dev-zcio", zfd, ENOTBLK);
}

/* --- ZCIO_IOC_IO: user memory ----------------------------------------- */

static void test_memory(void)
{
	struct zcio_io io;
	char *p, *check;
	unsigned int op;

	for (op = ZCIO_OP_READ; op <= ZCIO_OP_WRITE; op++) {
		bool rd = op == ZCIO_OP_READ;

		prep(&io, op, KERNEL_ADDR);
		expect_io(rd ? "read-kernel-addr" : "write-kernel-addr", &io,
			  EFAULT, ACCT_NONE);
		prep(&io, op, addr_of(api_unmapped_addr(4096)));
		expect_io(rd ? "read-unmapped" : "write-unmapped", &io,
			  EFAULT, ACCT_FAILED);
	}

	/* Read into read-only memory fails, write from it works. */
	p = api_map_guarded(4096);
	api_pattern(p, 4096, 0, 0x33);
	if (mprotect(p, 4096, PROT_READ))
		api_die("mprotect: %s", strerror(errno));
	prep(&io, ZCIO_OP_READ, addr_of(p));
	expect_io("read-into-prot-read", &io, EFAULT, ACCT_FAILED);
	prep(&io, ZCIO_OP_WRITE, addr_of(p));
	expect_io("write-from-prot-read", &io, 0, ACCT_OK);
	check = api_map_guarded(4096);
	api_pread_all(bfd, check, 4096, 0);	/* bfd is O_DIRECT */
	if (memcmp(check, p, 4096))
		api_fail("write-from-prot-read: the device does not hold the buffer");
	else
		api_ok("write-from-prot-read-data");
	api_unmap_guarded(check, 4096);
	api_unmap_guarded(p, 4096);

	/*
	 * First half mapped, second half not: EFAULT, although the first
	 * half's bios were submitted (they are counted) and its pages
	 * pinned; every one of them must be released.  O_DIRECT returns the
	 * mapped half instead when the whole buffer fits in one bio (16 KiB
	 * + 16 KiB), and fails as well when it does not (1 MiB + 1 MiB).
	 */
	for (op = ZCIO_OP_READ; op <= ZCIO_OP_WRITE * 2 + 1; op++) {
		bool rd = (op & 1) == ZCIO_OP_READ;
		size_t half = op > 1 ? M : 16384;
		struct zcio_stats before, after;
		char name[64];

		snprintf(name, sizeof(name), "%s-%zuk+%zuk-unmapped",
			 rd ? "read" : "write", half / 1024, half / 1024);
		p = api_map_guarded(2 * half);
		memset(p, 0x44, 2 * half);
		if (munmap(p + half, half))
			api_die("munmap: %s", strerror(errno));
		api_stats(zfd, &before);
		prep(&io, op & 1, addr_of(p));
		io.len = 2 * half;
		expect_io(name, &io, EFAULT, ACCT_FAILED);
		api_stats(zfd, &after);
		if (DELTA(pins) < half / API_PAGE || DELTA(bios) < 1)
			api_fail("%s: the mapped half was not submitted (pins +%"
				 PRIu64 ", bios +%" PRIu64 ")", name,
				 DELTA(pins), DELTA(bios));
		deviation(name, EFAULT, odirect(op & 1, p, 2 * half, 0));
		api_unmap_guarded(p, 2 * half);
	}
}

/* --- the ioctl argument and number ------------------------------------ */

/* A raw ioctl on /dev/zcio must fail with @want_err and change nothing. */
static void expect_ioctl(const char *name, unsigned long cmd, void *arg,
			 int want_err, enum acct acct)
{
	struct zcio_stats before;
	struct zcio_io dummy = { .op = ZCIO_OP_READ };
	int ret;

	api_stats(zfd, &before);
	ret = ioctl(zfd, cmd, arg) < 0 ? errno : 0;
	if (ret != want_err) {
		api_fail("%s: got %s, want %s", name,
			 ret ? api_errname(ret) : "success",
			 api_errname(want_err));
		return;
	}
	dummy.result = 4096;
	if (check_idle(name) && check_acct(name, &before, &dummy, acct))
		api_ok(name);
}

static void test_ioctl_arg(void)
{
	struct zcio_io *io, *ro_io;
	char *page;

	expect_ioctl("io-arg-null", ZCIO_IOC_IO, NULL, EFAULT, ACCT_NONE);
	expect_ioctl("io-arg-unmapped", ZCIO_IOC_IO, api_unmapped_addr(4096),
		     EFAULT, ACCT_NONE);
	expect_ioctl("io-arg-kernel", ZCIO_IOC_IO, (void *)(uintptr_t)KERNEL_ADDR,
		     EFAULT, ACCT_NONE);
	expect_ioctl("version-arg-null", ZCIO_IOC_VERSION, NULL, EFAULT,
		     ACCT_NONE);
	expect_ioctl("devinfo-arg-null", ZCIO_IOC_DEVINFO, NULL, EFAULT,
		     ACCT_NONE);
	expect_ioctl("stats-arg-null", ZCIO_IOC_STATS, NULL, EFAULT,
		     ACCT_NONE);

	/* A struct zcio_io that runs into an unmapped page. */
	page = api_map_guarded(4096);
	io = (struct zcio_io *)(page + 4096 - 32);
	memset(io, 0, 32);
	expect_ioctl("io-arg-straddles-unmapped", ZCIO_IOC_IO, io, EFAULT,
		     ACCT_NONE);

	/*
	 * A struct zcio_io in read-only memory: the module stores @result
	 * once before anything else, so it fails with nothing transferred.
	 */
	ro_io = (struct zcio_io *)page;
	zcio_prep_io(ro_io, ZCIO_OP_READ, bfd, buf, 4096, 0);
	if (mprotect(page, 4096, PROT_READ))
		api_die("mprotect: %s", strerror(errno));
	expect_ioctl("io-arg-read-only", ZCIO_IOC_IO, ro_io, EFAULT, ACCT_NONE);
	api_unmap_guarded(page, 4096);

	/* Unknown numbers, and known numbers with the wrong size or dir. */
	expect_ioctl("ioctl-0", 0, buf, ENOTTY, ACCT_NONE);
	expect_ioctl("ioctl-next-free-nr", _IOWR(ZCIO_IOC_MAGIC, 0x11, struct zcio_io),
		     buf, ENOTTY, ACCT_NONE);
	expect_ioctl("ioctl-registered-buffers-nr", _IOWR(ZCIO_IOC_MAGIC, 0x20, struct zcio_io),
		     buf, ENOTTY, ACCT_NONE);
	expect_ioctl("ioctl-io-wrong-size", _IOWR(ZCIO_IOC_MAGIC, 0x10, struct zcio_version),
		     buf, ENOTTY, ACCT_NONE);
	expect_ioctl("ioctl-io-wrong-dir", _IOW(ZCIO_IOC_MAGIC, 0x10, struct zcio_io),
		     buf, ENOTTY, ACCT_NONE);
	expect_ioctl("ioctl-version-wrong-size", _IOR(ZCIO_IOC_MAGIC, 0x00, uint64_t),
		     buf, ENOTTY, ACCT_NONE);
	expect_ioctl("ioctl-other-magic", _IOWR('Z', 0x10, struct zcio_io),
		     buf, ENOTTY, ACCT_NONE);
	expect_ioctl("ioctl-blkgetsize64", BLKGETSIZE64, buf, ENOTTY,
		     ACCT_NONE);
}

/* --- ZCIO_IOC_VERSION ------------------------------------------------- */

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

static uint32_t test_version(void)
{
	char want[64], got[64] = "";
	int failures = api_failures;
	struct zcio_version v;
	FILE *f;

	memset(&v, POISON, sizeof(v));
	if (ioctl(zfd, ZCIO_IOC_VERSION, &v))
		api_die("ZCIO_IOC_VERSION: %s", strerror(errno));
	if (v.abi != ZCIO_ABI_VERSION)
		api_fail("version: abi %u, want %u", v.abi, ZCIO_ABI_VERSION);
	if ((v.features & (ZCIO_FEAT_SYNC_IO | ZCIO_FEAT_DEVINFO |
			   ZCIO_FEAT_STATS)) !=
	    (ZCIO_FEAT_SYNC_IO | ZCIO_FEAT_DEVINFO | ZCIO_FEAT_STATS))
		api_fail("version: features %#" PRIx64 " lack sync_io|devinfo|stats",
			 (uint64_t)v.features);
	if (v.pad || v.pad2 || !all_zero(v.resv, sizeof(v.resv)))
		api_fail("version: pad/resv not zeroed: pad %#x pad2 %#x resv %#"
			 PRIx64 " %#" PRIx64, v.pad, v.pad2,
			 (uint64_t)v.resv[0], (uint64_t)v.resv[1]);
	if (!v.max_inflight || !v.max_bufs || !v.max_buf_bytes)
		api_fail("version: max_inflight %u max_bufs %u max_buf_bytes %u",
			 v.max_inflight, v.max_bufs, v.max_buf_bytes);
	if (!v.max_io_bytes || v.max_io_bytes % 4096 ||
	    v.max_io_bytes > INT_MAX)
		api_fail("version: max_io_bytes %u is not a multiple of 4096 in (0, INT_MAX]",
			 v.max_io_bytes);
	/* MODULE_VERSION() is the same version */
	snprintf(want, sizeof(want), "%u.%u.%u", v.major, v.minor, v.patch);
	f = fopen("/sys/module/zcio/version", "re");
	if (!f || !fgets(got, sizeof(got), f))
		api_fail("version: cannot read /sys/module/zcio/version");
	if (f)
		fclose(f);
	got[strcspn(got, "\n")] = 0;
	if (strcmp(want, got))
		api_fail("version: ioctl says %s, modinfo %s", want, got);
	if (api_failures == failures)
		api_ok("version");
	return v.max_io_bytes;
}

/* --- ZCIO_IOC_STATS --------------------------------------------------- */

static void test_stats(void)
{
	static const char *const names[] = {
		"requests", "reads", "writes", "bytes_read", "bytes_written",
		"bios", "partial_maps", "errors", "pages_pinned", "pins",
		"unpins", "killed", "async_requests", "polled_requests",
		"flush_dropped", "bios_capped",
	};
	struct zcio_stats st;
	const uint64_t *field = (const uint64_t *)&st;
	int failures = api_failures;
	unsigned int i;

	memset(&st, POISON, sizeof(st));
	if (ioctl(zfd, ZCIO_IOC_STATS, &st))
		api_die("ZCIO_IOC_STATS: %s", strerror(errno));
	if (st.pages_pinned != st.pins - st.unpins || st.pages_pinned)
		api_fail("stats: pages_pinned %" PRIu64 ", pins %" PRIu64
			 ", unpins %" PRIu64, (uint64_t)st.pages_pinned,
			 (uint64_t)st.pins, (uint64_t)st.unpins);
	if (st.reads + st.writes != st.requests)
		api_fail("stats: reads %" PRIu64 " + writes %" PRIu64
			 " != requests %" PRIu64, (uint64_t)st.reads,
			 (uint64_t)st.writes, (uint64_t)st.requests);
	if (st.errors > st.requests)
		api_fail("stats: more errors than requests");
	/* Nothing runs meanwhile, so sysfs shows the same numbers. */
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		uint64_t s = api_sysfs_stat(names[i]);

		if (s != field[i])
			api_fail("stats: %s is %" PRIu64 " by ioctl, %" PRIu64
				 " in sysfs", names[i], field[i], s);
	}
	if (api_failures == failures)
		api_ok("stats");
}

/* --- ZCIO_IOC_DEVINFO ------------------------------------------------- */

/* A number from /sys/dev/block/MAJ:MIN/queue/@attr. */
static uint64_t queue_attr(const struct stat *st, const char *attr)
{
	char path[128], line[64];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/%s",
		 major(st->st_rdev), minor(st->st_rdev), attr);
	f = fopen(path, "re");
	if (!f || !fgets(line, sizeof(line), f))
		api_die("cannot read %s", path);
	fclose(f);
	return strtoull(line, NULL, 10);
}

static void expect_devinfo(const char *name, const struct zcio_devinfo *in,
			   int want_err)
{
	struct zcio_devinfo di = *in;
	int ret = ioctl(zfd, ZCIO_IOC_DEVINFO, &di) < 0 ? errno : 0;

	if (ret != want_err)
		api_fail("%s: got %s, want %s", name,
			 ret ? api_errname(ret) : "success",
			 api_errname(want_err));
	else
		api_ok(name);
}

/* DEVINFO of @fd, output fields poisoned, against what the kernel says. */
static void check_devinfo(const char *name, int fd, uint32_t want_flags)
{
	struct zcio_devinfo di;
	uint64_t size;
	struct stat st;
	int lbs, pbs, failures = api_failures;

	memset(&di, POISON, sizeof(di));
	di.fd = fd;
	di.flags = 0;
	di.pad = 0;
	memset(di.resv, 0, sizeof(di.resv));
	if (ioctl(zfd, ZCIO_IOC_DEVINFO, &di))
		api_die("%s: ZCIO_IOC_DEVINFO: %s", name, strerror(errno));
	if (fstat(fd, &st) || ioctl(fd, BLKGETSIZE64, &size) ||
	    ioctl(fd, BLKSSZGET, &lbs) || ioctl(fd, BLKPBSZGET, &pbs))
		api_die("%s: fstat/BLK*GET: %s", name, strerror(errno));
	if (di.fd != fd || di.flags || di.pad || !all_zero(di.resv, sizeof(di.resv)))
		api_fail("%s: fd/flags/pad/resv not as passed in", name);
	if (di.size != size || di.logical_block_size != (uint32_t)lbs ||
	    di.physical_block_size != (uint32_t)pbs)
		api_fail("%s: size %" PRIu64 " lbs %u pbs %u, kernel says %" PRIu64
			 " %d %d", name, (uint64_t)di.size,
			 di.logical_block_size, di.physical_block_size, size,
			 lbs, pbs);
	if (di.dev_major != major(st.st_rdev) || di.dev_minor != minor(st.st_rdev))
		api_fail("%s: device %u:%u, fstat says %u:%u", name,
			 di.dev_major, di.dev_minor, major(st.st_rdev),
			 minor(st.st_rdev));
	if (!di.dma_alignment || di.dma_alignment & (di.dma_alignment - 1) ||
	    di.dma_alignment > 4096)
		api_fail("%s: dma_alignment %u is not a power of two <= 4096",
			 name, di.dma_alignment);
	/* sysfs rounds the byte counts down to KiB */
	if (di.max_sectors_bytes / 1024 != queue_attr(&st, "max_sectors_kb") ||
	    di.max_hw_sectors_bytes / 1024 != queue_attr(&st, "max_hw_sectors_kb") ||
	    di.max_sectors_bytes % 512 || di.max_hw_sectors_bytes % 512 ||
	    di.max_segments != queue_attr(&st, "max_segments"))
		api_fail("%s: max_sectors_bytes %u max_hw_sectors_bytes %u max_segments %u, sysfs: %"
			 PRIu64 " KiB %" PRIu64 " KiB %" PRIu64,
			 name, di.max_sectors_bytes, di.max_hw_sectors_bytes,
			 di.max_segments, queue_attr(&st, "max_sectors_kb"),
			 queue_attr(&st, "max_hw_sectors_kb"),
			 queue_attr(&st, "max_segments"));
	if (queue_attr(&st, "rotational"))
		want_flags |= ZCIO_DEV_ROTATIONAL;
	if (di.dev_flags != want_flags)
		api_fail("%s: dev_flags %#x, want %#x", name, di.dev_flags,
			 want_flags);
	if (api_failures == failures)
		api_ok(name);
}

static void test_devinfo(void)
{
	struct zcio_devinfo in;
	int fd, pipefd[2], one = 1, zero = 0;
	unsigned int i;
	char name[32];

	check_devinfo("devinfo-rdwr", bfd,
		      ZCIO_DEV_FD_READ | ZCIO_DEV_FD_WRITE);
	fd = api_open(dev_path, O_RDONLY);
	check_devinfo("devinfo-rdonly", fd, ZCIO_DEV_FD_READ);
	close(fd);
	fd = api_open(dev_path, O_WRONLY);
	check_devinfo("devinfo-wronly", fd, ZCIO_DEV_FD_WRITE);
	close(fd);
	if (ioctl(bfd, BLKROSET, &one))
		api_die("BLKROSET: %s", strerror(errno));
	check_devinfo("devinfo-ro-device", bfd,
		      ZCIO_DEV_RDONLY | ZCIO_DEV_FD_READ | ZCIO_DEV_FD_WRITE);
	if (ioctl(bfd, BLKROSET, &zero))
		api_die("BLKROSET: %s", strerror(errno));

	memset(&in, 0, sizeof(in));
	in.fd = bfd;
	in.flags = 1;
	expect_devinfo("devinfo-flags-1", &in, EINVAL);
	in.flags = 0x80000000U;
	expect_devinfo("devinfo-flags-high", &in, EINVAL);
	in.flags = 0;
	in.pad = 1;
	expect_devinfo("devinfo-pad", &in, EINVAL);
	in.pad = 0;
	for (i = 0; i < 3; i++) {
		in.resv[i] = 1ULL << (i * 31);
		snprintf(name, sizeof(name), "devinfo-resv%u", i);
		expect_devinfo(name, &in, EINVAL);
		in.resv[i] = 0;
	}
	/* Output fields are ignored on input. */
	memset(&in, POISON, sizeof(in));
	in.fd = bfd;
	in.flags = in.pad = 0;
	memset(in.resv, 0, sizeof(in.resv));
	expect_devinfo("devinfo-output-fields-ignored", &in, 0);

	memset(&in, 0, sizeof(in));
	in.fd = -1;
	expect_devinfo("devinfo-fd-minus-1", &in, EBADF);
	fd = api_open(dev_path, O_RDONLY);
	close(fd);
	in.fd = fd;
	expect_devinfo("devinfo-fd-closed", &in, EBADF);
	in.fd = api_open(dev_path, O_PATH);
	expect_devinfo("devinfo-fd-o_path", &in, EBADF);
	close(in.fd);
	in.fd = api_open("/dev/null", O_RDONLY);
	expect_devinfo("devinfo-dev-null", &in, ENOTBLK);
	close(in.fd);
	in.fd = zfd;
	expect_devinfo("devinfo-dev-zcio", &in, ENOTBLK);
	if (pipe(pipefd))
		api_die("pipe: %s", strerror(errno));
	in.fd = pipefd[0];
	expect_devinfo("devinfo-pipe", &in, ENOTBLK);
	close(pipefd[0]);
	close(pipefd[1]);
	in.fd = api_open("/proc/self/exe", O_RDONLY);
	expect_devinfo("devinfo-regular-file", &in, ENOTBLK);
	close(in.fd);
}

int main(int argc, char **argv)
{
	uint32_t max_io;

	api_prog = "api-badinput";
	if (argc != 2) {
		fprintf(stderr, "usage: api-badinput DEV\n");
		return 2;
	}
	dev_path = argv[1];
	zfd = api_zcio_open();
	bfd = api_open(dev_path, O_RDWR | O_DIRECT);
	if (ioctl(bfd, BLKGETSIZE64, &dev_size))
		api_die("BLKGETSIZE64: %s", strerror(errno));
	if (dev_size < 4 * M)
		api_die("%s is too small", dev_path);
	buf = api_map_guarded(BUF_LEN);
	if (!check_idle("start"))
		return api_exit();

	max_io = test_version();
	test_stats();
	test_fields();
	test_range(max_io);
	test_fds();
	test_memory();
	test_ioctl_arg();
	test_devinfo();
	/* after all of the above, the counters are still consistent */
	test_stats();
	return api_exit();
}
