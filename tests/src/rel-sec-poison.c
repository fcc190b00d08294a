// SPDX-License-Identifier: GPL-2.0
/*
 * rel-sec-poison DEV LOOPDEV [ZONEDDEV]: no uninitialised byte reaches
 * user space, and nothing is written that the UAPI does not say is
 * written.  Every user buffer is filled with a poison byte first (0xA5,
 * and for the structures the kernel fills, a second run with 0x5A), with
 * poison bytes after the structure too:
 *
 *  version	ZCIO_IOC_VERSION writes all 56 bytes: the outputs of the two
 *		poisons are byte-identical (no byte left unwritten), pad, pad2
 *		and resv are 0, nothing after the structure changed;
 *  devinfo	ZCIO_IOC_DEVINFO (O_RDWR, O_RDONLY fds): all 80 bytes, the
 *		same for both poisons, fd echoed, flags, pad and resv 0; when
 *		it fails (EBADF, ENOTBLK, EINVAL) not a byte changed;
 *  stats	ZCIO_IOC_STATS: all 128 bytes, the same for both poisons
 *		(nothing runs in between);
 *  io-*	ZCIO_IOC_IO writes back only @result (docs/uapi.md): for a
 *		read, a write, a read across the end (short), a read at the
 *		end (0), flush, discard and write zeroes on LOOPDEV, a zone
 *		append on ZONEDDEV (@result is where the data landed), every
 *		other byte of the structure is as passed in and @result is
 *		the documented value; a call refused at steps 2-5 writes
 *		nothing (@result keeps its poison), one refused after step 6
 *		(EBADF, ENOTBLK, ENOSPC, EOPNOTSUPP...) leaves @result 0;
 *  submit	ZCIO_IOC_SUBMIT writes nothing: neither struct zcio_submit
 *		nor its entries (their @result keeps its poison);
 *  reap	ZCIO_IOC_REAP writes exactly n events of 16 bytes, each
 *		equal byte for byte to {tag, result, flags 0} (the padding-
 *		free layout holds nothing else), events n..max_nr-1 and the
 *		struct zcio_reap itself stay as they were (also for
 *		failed entries, -EBADF events, and a reap that returns 0);
 *  register	ZCIO_IOC_REGISTER and UNREGISTER write nothing: struct
 *		zcio_register and the struct zcio_buf array unchanged.
 *
 * Prints "ok NAME" per check; exit 0 if all passed, 1 otherwise.
 */
#include "api-util.h"

#include <linux/fs.h>
#include <stddef.h>

#define K		1024UL
#define M		(1024 * K)
#define P1		0xa5
#define P2		0x5a
#define TAIL		64	/* poison bytes checked after a structure */

static int zfd, rw_fd, ro_fd, loop_fd, zoned_fd = -1;
static uint64_t dev_size;

/* A buffer of @len + TAIL bytes, all @poison. */
static unsigned char *poisoned(size_t len, int poison)
{
	unsigned char *p = malloc(len + TAIL);

	if (!p)
		api_die("out of memory");
	memset(p, poison, len + TAIL);
	return p;
}

static bool tail_intact(const char *name, const unsigned char *p, size_t len,
			int poison)
{
	size_t i;

	for (i = len; i < len + TAIL; i++)
		if (p[i] != poison) {
			api_fail("%s: byte %zu after the %zu-byte structure was written",
				 name, i - len, len);
			return false;
		}
	return true;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

/* --- VERSION, STATS, DEVINFO ---------------------------------------------- */

static void check_filled(const char *name, unsigned long cmd, size_t len)
{
	unsigned char *a = poisoned(len, P1), *b = poisoned(len, P2);
	bool good = true;
	long d;

	if (ioctl(zfd, cmd, a) || ioctl(zfd, cmd, b))
		api_die("%s: %s", name, strerror(errno));
	d = api_first_diff(a, b, len);
	if (d >= 0) {
		api_fail("%s: byte %ld is %#x after poison %#x and %#x after %#x: not written",
			 name, d, a[d], P1, b[d], P2);
		good = false;
	}
	good &= tail_intact(name, a, len, P1) && tail_intact(name, b, len, P2);
	if (!strcmp(name, "version")) {
		struct zcio_version *v = (struct zcio_version *)a;

		if (v->pad || v->pad2 || !all_zero(v->resv, sizeof(v->resv))) {
			api_fail("version: pad %#x pad2 %#x or resv not 0",
				 v->pad, v->pad2);
			good = false;
		}
	}
	if (good)
		api_ok(name);
	free(a);
	free(b);
}

static void check_devinfo(const char *name, int fd)
{
	unsigned char *buf[2] = { poisoned(sizeof(struct zcio_devinfo), P1),
				  poisoned(sizeof(struct zcio_devinfo), P2) };
	struct zcio_devinfo *di;
	bool good = true;
	long d;
	int i;

	for (i = 0; i < 2; i++) {
		di = (struct zcio_devinfo *)buf[i];
		di->fd = fd;
		di->flags = 0;
		di->pad = 0;
		memset(di->resv, 0, sizeof(di->resv));
		if (ioctl(zfd, ZCIO_IOC_DEVINFO, di))
			api_die("%s: DEVINFO: %s", name, strerror(errno));
		good &= tail_intact(name, buf[i], sizeof(*di), i ? P2 : P1);
		if (di->fd != fd || di->flags || di->pad ||
		    !all_zero(di->resv, sizeof(di->resv))) {
			api_fail("%s: fd %d flags %#x pad %#x or resv not as documented",
				 name, di->fd, di->flags, di->pad);
			good = false;
		}
	}
	d = api_first_diff(buf[0], buf[1], sizeof(*di));
	if (d >= 0) {
		api_fail("%s: byte %ld depends on the poison: not written", name, d);
		good = false;
	}
	if (good)
		api_ok(name);
	free(buf[0]);
	free(buf[1]);
}

/* A DEVINFO that fails must not write a byte. */
static void check_devinfo_fails(const char *name, int fd, uint32_t flags,
				int want)
{
	unsigned char *a = poisoned(sizeof(struct zcio_devinfo), P1);
	unsigned char *copy = poisoned(sizeof(struct zcio_devinfo), P1);
	struct zcio_devinfo *di = (struct zcio_devinfo *)a;
	int ret;

	di->fd = fd;
	di->flags = flags;
	di->pad = 0;
	memset(di->resv, 0, sizeof(di->resv));
	memcpy(copy, a, sizeof(*di) + TAIL);
	ret = ioctl(zfd, ZCIO_IOC_DEVINFO, di) ? errno : 0;
	if (ret != want)
		api_fail("%s: %s, want %s", name, ret ? api_errname(ret) : "success",
			 api_errname(want));
	else if (memcmp(a, copy, sizeof(*di) + TAIL))
		api_fail("%s: the failed call wrote into the structure", name);
	else
		api_ok(name);
	free(a);
	free(copy);
}

/* --- ZCIO_IOC_IO: only @result -------------------------------------------- */

/*
 * Run @in (whose @result is poison) and check: the return value, that
 * @result is @want_result (or still poison: @result_untouched), and that
 * no other byte changed.
 */
static void check_io(const char *name, const struct zcio_io *in, int want_err,
		     int64_t want_result, bool result_untouched)
{
	unsigned char *a = poisoned(sizeof(*in), P1), *exp;
	struct zcio_io *io = (struct zcio_io *)a;
	bool good = true;
	int ret;

	memcpy(a, in, sizeof(*in));
	memset(&io->result, P1, sizeof(io->result));
	exp = poisoned(sizeof(*in), P1);
	memcpy(exp, a, sizeof(*in));
	if (!result_untouched)
		memcpy(exp + offsetof(struct zcio_io, result), &want_result,
		       sizeof(want_result));
	ret = ioctl(zfd, ZCIO_IOC_IO, io) ? errno : 0;
	if (ret != want_err) {
		api_fail("%s: %s, want %s", name, ret ? api_errname(ret) : "success",
			 api_errname(want_err));
		good = false;
	} else if (memcmp(a, exp, sizeof(*in) + TAIL)) {
		long d = api_first_diff(a, exp, sizeof(*in) + TAIL);

		api_fail("%s: byte %ld of struct zcio_io is %#x, want %#x (result %" PRId64 ")",
			 name, d, a[d], exp[d], (int64_t)io->result);
		good = false;
	}
	if (good)
		api_ok(name);
	free(a);
	free(exp);
}

static void prep(struct zcio_io *io, unsigned int op, int fd, void *buf,
		 uint64_t len, uint64_t off)
{
	zcio_prep_io(io, op, fd, buf, len, off);
	io->tag = 0x1122334455667788ULL;	/* ignored, kept */
}

static void test_io(void)
{
	char *buf = api_map_guarded(64 * K);
	struct zcio_io io;

	prep(&io, ZCIO_OP_READ, rw_fd, buf, 4 * K, 0);
	check_io("io-read-fast", &io, 0, 4 * K, false);
	prep(&io, ZCIO_OP_READ, rw_fd, buf, 64 * K, 0);
	check_io("io-read-general", &io, 0, 64 * K, false);
	prep(&io, ZCIO_OP_WRITE, rw_fd, buf, 64 * K, M);
	check_io("io-write", &io, 0, 64 * K, false);
	prep(&io, ZCIO_OP_READ, rw_fd, buf, 8 * K, dev_size - 4 * K);
	check_io("io-read-short-at-end", &io, 0, 4 * K, false);
	prep(&io, ZCIO_OP_READ, rw_fd, buf, 4 * K, dev_size);
	check_io("io-read-at-end", &io, 0, 0, false);
	/* refused after step 6: @result was set to 0 */
	prep(&io, ZCIO_OP_WRITE, rw_fd, buf, 4 * K, dev_size);
	check_io("io-write-at-end-enospc", &io, ENOSPC, 0, false);
	prep(&io, ZCIO_OP_WRITE, ro_fd, buf, 4 * K, 0);
	check_io("io-write-rdonly-ebadf", &io, EBADF, 0, false);
	prep(&io, ZCIO_OP_READ, zfd, buf, 4 * K, 0);
	check_io("io-read-enotblk", &io, ENOTBLK, 0, false);
	prep(&io, ZCIO_OP_READ, rw_fd, buf, 4 * K, 1);
	check_io("io-read-misaligned-einval", &io, EINVAL, 0, false);
	prep(&io, ZCIO_OP_READ, rw_fd, api_unmapped_addr(4 * K), 4 * K, 0);
	check_io("io-read-unmapped-efault", &io, EFAULT, 0, false);
	/* refused at steps 2-5: nothing written */
	prep(&io, ZCIO_OP_READ, rw_fd, buf, 4 * K, 0);
	io.pad = 1;
	check_io("io-pad-einval", &io, EINVAL, 0, true);
	prep(&io, ZCIO_OP_READ, rw_fd, buf, 4 * K, 0);
	io.op = 99;
	check_io("io-op-einval", &io, EINVAL, 0, true);
	prep(&io, ZCIO_OP_READ, rw_fd, buf, 4 * K, 0);
	io.flags = ZCIO_IO_FUA;
	check_io("io-read-fua-einval", &io, EINVAL, 0, true);
	/* the ops without data report @len (0 for a flush) */
	memset(&io, 0, sizeof(io));
	io.fd = loop_fd;
	io.op = ZCIO_OP_FLUSH;
	check_io("io-flush", &io, 0, 0, false);
	io.op = ZCIO_OP_DISCARD;
	io.offset = M;
	io.len = 64 * K;
	check_io("io-discard", &io, 0, 64 * K, false);
	io.op = ZCIO_OP_WRITE_ZEROES;
	check_io("io-write-zeroes", &io, 0, 64 * K, false);
	io.fd = ro_fd;
	check_io("io-write-zeroes-rdonly-ebadf", &io, EBADF, 0, false);
	if (zoned_fd >= 0) {
		/* the first zone, empty: the data lands at its start */
		prep(&io, ZCIO_OP_ZONE_APPEND, zoned_fd, buf, 4 * K, 0);
		check_io("io-zone-append", &io, 0, 0, false);
		prep(&io, ZCIO_OP_ZONE_APPEND, zoned_fd, buf, 4 * K, 0);
		check_io("io-zone-append-again", &io, 0, 4 * K, false);
	}
	api_unmap_guarded(buf, 64 * K);
}

/* --- SUBMIT, REAP, REGISTER -------------------------------------------------- */

#define NR_IOS	3
#define MAX_EV	8

static void test_submit_reap(void)
{
	unsigned char *ios_raw = poisoned(NR_IOS * sizeof(struct zcio_io), P1);
	unsigned char *sub_raw = poisoned(sizeof(struct zcio_submit), P1);
	unsigned char *ev_raw = poisoned(MAX_EV * sizeof(struct zcio_event), P1);
	unsigned char *reap_raw = poisoned(sizeof(struct zcio_reap), P1);
	unsigned char *copy = malloc(NR_IOS * sizeof(struct zcio_io) + TAIL);
	struct zcio_io *ios = (struct zcio_io *)ios_raw;
	struct zcio_submit *sub = (struct zcio_submit *)sub_raw;
	struct zcio_event *ev = (struct zcio_event *)ev_raw, want;
	struct zcio_reap *reap = (struct zcio_reap *)reap_raw;
	struct zcio_reap reap_copy;
	struct zcio_submit sub_copy;
	char *buf = api_map_guarded(3 * 64 * K);
	int n, i, j, got = 0;
	bool good = true, seen[NR_IOS] = { false };

	if (!copy)
		api_die("out of memory");
	for (i = 0; i < NR_IOS; i++) {
		struct zcio_io io;

		prep(&io, ZCIO_OP_READ, rw_fd, buf + i * 64 * K, 64 * K, i * 64 * K);
		io.tag = 0xa000 + i;
		if (i == 2)
			io.fd = -1;	/* fails: a -EBADF event */
		memcpy(&ios[i], &io, offsetof(struct zcio_io, result));
		/* @result stays poison; bio_bytes and resv as prep set them */
		memcpy((unsigned char *)&ios[i] + offsetof(struct zcio_io, bio_bytes),
		       (unsigned char *)&io + offsetof(struct zcio_io, bio_bytes),
		       sizeof(io) - offsetof(struct zcio_io, bio_bytes));
	}
	memcpy(copy, ios_raw, NR_IOS * sizeof(struct zcio_io) + TAIL);
	memset(sub, 0, sizeof(*sub));
	sub->ios = (uint64_t)(uintptr_t)ios;
	sub->nr = NR_IOS;
	sub_copy = *sub;
	n = ioctl(zfd, ZCIO_IOC_SUBMIT, sub);
	if (n != NR_IOS)
		api_die("ZCIO_IOC_SUBMIT: %d (%s)", n, strerror(errno));
	if (memcmp(copy, ios_raw, NR_IOS * sizeof(struct zcio_io) + TAIL) ||
	    memcmp(&sub_copy, sub, sizeof(*sub)) ||
	    !tail_intact("submit", sub_raw, sizeof(*sub), P1))
		api_fail("submit: ZCIO_IOC_SUBMIT wrote into its structure or entries");
	else
		api_ok("submit");

	while (got < NR_IOS) {
		memset(reap, 0, sizeof(*reap));
		reap->events = (uint64_t)(uintptr_t)ev;
		reap->min_nr = NR_IOS - got;
		reap->max_nr = MAX_EV;
		reap->timeout_ns = 30 * 1000000000LL;
		reap_copy = *reap;
		memset(ev_raw, P1, MAX_EV * sizeof(*ev) + TAIL);
		n = ioctl(zfd, ZCIO_IOC_REAP, reap);
		if (n <= 0)
			api_die("ZCIO_IOC_REAP: %d (%s)", n, strerror(errno));
		if (memcmp(&reap_copy, reap, sizeof(*reap)) ||
		    !tail_intact("reap-struct", reap_raw, sizeof(*reap), P1)) {
			api_fail("reap: ZCIO_IOC_REAP wrote into struct zcio_reap");
			good = false;
		}
		for (j = 0; j < n; j++) {
			i = ev[j].tag - 0xa000;
			if (i < 0 || i >= NR_IOS || seen[i]) {
				api_fail("reap: event %d has tag %#" PRIx64, j,
					 (uint64_t)ev[j].tag);
				good = false;
				continue;
			}
			seen[i] = true;
			memset(&want, 0, sizeof(want));
			want.tag = 0xa000 + i;
			want.result = i == 2 ? -EBADF : (int32_t)(64 * K);
			if (memcmp(&ev[j], &want, sizeof(want))) {
				api_fail("reap: event %d is not {tag %#x, result %d, flags 0} byte for byte (result %d flags %#x)",
					 j, 0xa000 + i, want.result, ev[j].result,
					 ev[j].flags);
				good = false;
			}
		}
		for (j = n * sizeof(*ev); j < (int)(MAX_EV * sizeof(*ev) + TAIL); j++)
			if (ev_raw[j] != P1) {
				api_fail("reap: byte %d after the %d events returned was written",
					 j, n);
				good = false;
				break;
			}
		got += n;
	}
	/* nothing outstanding: a reap returns 0 and writes nothing */
	memset(reap, 0, sizeof(*reap));
	reap->events = (uint64_t)(uintptr_t)ev;
	reap->max_nr = MAX_EV;
	memset(ev_raw, P1, MAX_EV * sizeof(*ev) + TAIL);
	n = ioctl(zfd, ZCIO_IOC_REAP, reap);
	for (j = 0; j < (int)(MAX_EV * sizeof(*ev) + TAIL); j++)
		if (ev_raw[j] != P1)
			break;
	if (n != 0 || j != (int)(MAX_EV * sizeof(*ev) + TAIL)) {
		api_fail("reap-empty: returned %d, %s", n,
			 j < (int)(MAX_EV * sizeof(*ev)) ? "wrote events" : "");
		good = false;
	}
	if (good)
		api_ok("reap");
	api_unmap_guarded(buf, 3 * 64 * K);
	free(ios_raw);
	free(sub_raw);
	free(ev_raw);
	free(reap_raw);
	free(copy);
}

static void test_register(void)
{
	unsigned char *reg_raw = poisoned(sizeof(struct zcio_register), P1);
	unsigned char *bufs_raw = poisoned(2 * sizeof(struct zcio_buf), P1);
	struct zcio_register *reg = (struct zcio_register *)reg_raw;
	struct zcio_buf *bufs = (struct zcio_buf *)bufs_raw;
	unsigned char *reg_copy = malloc(sizeof(*reg) + TAIL);
	unsigned char *bufs_copy = malloc(2 * sizeof(*bufs) + TAIL);
	char *mem = api_map_guarded(128 * K);
	struct zcio_io io;
	int ret;

	if (!reg_copy || !bufs_copy)
		api_die("out of memory");
	bufs[0].addr = (uint64_t)(uintptr_t)mem;
	bufs[0].len = 64 * K;
	bufs[1].addr = (uint64_t)(uintptr_t)mem + 64 * K;
	bufs[1].len = 64 * K;
	memset(reg, 0, sizeof(*reg));
	reg->bufs = (uint64_t)(uintptr_t)bufs;
	reg->nr = 2;
	memcpy(reg_copy, reg_raw, sizeof(*reg) + TAIL);
	memcpy(bufs_copy, bufs_raw, 2 * sizeof(*bufs) + TAIL);
	if (ioctl(zfd, ZCIO_IOC_REGISTER, reg))
		api_die("ZCIO_IOC_REGISTER: %s", strerror(errno));
	if (memcmp(reg_copy, reg_raw, sizeof(*reg) + TAIL) ||
	    memcmp(bufs_copy, bufs_raw, 2 * sizeof(*bufs) + TAIL))
		api_fail("register: ZCIO_IOC_REGISTER wrote into its structures");
	else
		api_ok("register");
	/* a fixed transfer writes back only @result, too */
	zcio_prep_fixed(&io, ZCIO_OP_READ, rw_fd, 1, 4 * K, 16 * K, 0);
	check_io("io-fixed-read", &io, 0, 16 * K, false);
	zcio_prep_fixed(&io, ZCIO_OP_READ, rw_fd, 2, 0, 4 * K, 0);
	check_io("io-fixed-bad-index", &io, EINVAL, 0, false);
	ret = ioctl(zfd, ZCIO_IOC_UNREGISTER, reg_raw);
	if (ret || memcmp(reg_copy, reg_raw, sizeof(*reg) + TAIL))
		api_fail("unregister: %s, or it wrote into its (ignored) argument",
			 ret ? strerror(errno) : "success");
	else
		api_ok("unregister");
	api_unmap_guarded(mem, 128 * K);
	free(reg_raw);
	free(bufs_raw);
	free(reg_copy);
	free(bufs_copy);
}

int main(int argc, char **argv)
{
	api_prog = "rel-sec-poison";
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: rel-sec-poison DEV LOOPDEV [ZONEDDEV]\n");
		return 2;
	}
	zfd = api_zcio_open();
	rw_fd = api_open(argv[1], O_RDWR | O_DIRECT);
	ro_fd = api_open(argv[1], O_RDONLY | O_DIRECT);
	loop_fd = api_open(argv[2], O_RDWR | O_DIRECT);
	if (argc == 4)
		zoned_fd = api_open(argv[3], O_RDWR | O_DIRECT);
	if (ioctl(rw_fd, BLKGETSIZE64, &dev_size))
		api_die("BLKGETSIZE64: %s", strerror(errno));

	check_filled("version", ZCIO_IOC_VERSION, sizeof(struct zcio_version));
	check_filled("stats", ZCIO_IOC_STATS, sizeof(struct zcio_stats));
	check_devinfo("devinfo-rdwr", rw_fd);
	check_devinfo("devinfo-rdonly", ro_fd);
	check_devinfo("devinfo-loop", loop_fd);
	check_devinfo_fails("devinfo-ebadf", -1, 0, EBADF);
	check_devinfo_fails("devinfo-enotblk", zfd, 0, ENOTBLK);
	check_devinfo_fails("devinfo-einval", rw_fd, 1, EINVAL);
	test_io();
	test_submit_reap();
	test_register();
	/* after all that, still the same for both poisons */
	check_filled("stats-again", ZCIO_IOC_STATS, sizeof(struct zcio_stats));
	return api_exit();
}
