// SPDX-License-Identifier: GPL-2.0
/*
 * rel-faults FAULT ARGS...: the same transfer, against the same injected
 * device fault, through ZCIO_IOC_IO ("zcio"), through ZCIO_IOC_SUBMIT and
 * ZCIO_IOC_REAP ("async") and through pread()/pwrite() on an O_DIRECT fd
 * ("odirect"), for a table of cases per fault:
 *
 *   badblocks DEV NULLB_DIR	null_blk (memory_backed=1) with ranges
 *				written to NULLB_DIR/badblocks: a request
 *				that overlaps one fails with EIO
 *   flakey MODE DEV BACKING	dm-flakey DEV over BACKING, created by the
 *				caller with up interval 0 (always down) and
 *				the features of MODE: down, error_reads,
 *				error_writes, drop_writes, corrupt_r,
 *				corrupt_w (corrupt_bio_byte 513 r|w 66 0)
 *   failreq DEV		fail_make_request (debugfs) with DEV's
 *				make-it-fail: the first "times" bios fail
 *   timeout DEV HOW		null_blk timeout injection, every request
 *				times out (ETIMEDOUT); HOW says how it is
 *				switched: configfs:NULLB_DIR (its
 *				timeout_inject/), failio (fail_io_timeout and
 *				DEV's io-timeout-fail) or modparam (the
 *				module was loaded with timeout=1,100,0,-1:
 *				always on, so no data can be checked)
 *   requeue DEV HOW		null_blk requeue injection (every second
 *				dispatch requeued), HOW configfs:NULLB_DIR or
 *				modparam: transparent, every call succeeds
 *
 * Before each of the three runs of a case the fault is switched off, the
 * device range around the request (64 KiB each side) gets an
 * offset-stamped pattern, and the fault is switched on; after the run it
 * is switched off again and that range is read back (through BACKING for
 * dm-flakey).  A case passes when:
 *  - the three results are the same, byte counts (short ones at the end
 *    of the device included) or errno, and are what the fault model says;
 *  - every 512-byte sector of the request is exactly as the model says:
 *    for a read, the buffer holds the device data where the request it
 *    belongs to succeeded and still its poison where it failed, and the
 *    poison after the (clamped) length is untouched; for a write, the
 *    device holds the new data where it succeeded and the old data where
 *    it failed; the device outside the request is unchanged in every
 *    case, and so is the buffer of a write (except where dm-flakey's
 *    corrupt_bio_byte is documented to corrupt the bio's pages: then the
 *    three must merely agree);
 *  - "zcio" and "async" leave the same bytes (they map the same bios) and
 *    "odirect" leaves the same bytes as they do, except where its own bio
 *    layout can differ (a larger bio over physically contiguous pages,
 *    when a fault depends on bio or request boundaries): there each of
 *    its sectors must be either state, the sectors that fail for every
 *    layout (a bad range; the first 1 MiB when the first bio fails) must
 *    have failed, and the result must still be the same;
 *  - nothing stays pinned after each call (pages_pinned 0, pins ==
 *    unpins), and the FOLL_PIN counters balance at the end.
 *
 * The model: zcio maps a plain, page-aligned buffer into bios of 1 MiB
 * (BIO_MAX_VECS pages; one bio up to 8 pages on the fast path); O_DIRECT
 * makes one bio up to 256 pages; null_blk splits bios into requests of
 * max_sectors (from ZCIO_IOC_DEVINFO) and fails a whole request that
 * touches a bad block (6.1; also 6.12 without badblocks_partial_io);
 * fail_make_request fails whole bios in submission order; dm-flakey acts
 * on whole bios.
 *
 * One line per case on stdout: the name, the three results and SAME or
 * DIFF.  Exit 0 when every check passed, 1 otherwise.
 */
#include "api-util.h"

#include <linux/fs.h>
#include <libgen.h>

#define K		1024ULL
#define M		(1024 * K)
#define SECT		512
#define SEED_OLD	0x21	/* the device before each run */
#define SEED_NEW	0x7e	/* what writes carry */
#define POISON		0xa5	/* read buffers before each run */
#define PAD		(64 * K)
#define ZCIO_BIO	M	/* zcio's bio of a plain buffer */
#define FAST_PAGES	8	/* zcio's fast path */
#define ODIRECT_BIO	M	/* one O_DIRECT bio up to 256 pages */
#define CORRUPT_BYTE	513	/* dm-flakey corrupt_bio_byte (1-based) */
#define CORRUPT_VALUE	66
#define REAP_TIMEOUT_NS	(120 * 1000000000LL)

#define R		ZCIO_OP_READ
#define W		ZCIO_OP_WRITE

enum kind { KIND_SYNC, KIND_ASYNC, KIND_ODIRECT, NR_KINDS };
static const char *const kind_name[NR_KINDS] = { "zcio", "async", "odirect" };

enum fault { F_BADBLOCKS, F_FLAKEY, F_FAILREQ, F_TIMEOUT, F_REQUEUE };

enum flakey_mode {
	FL_DOWN, FL_ERROR_READS, FL_ERROR_WRITES, FL_DROP_WRITES,
	FL_CORRUPT_R, FL_CORRUPT_W,
};

static const char *const flakey_names[] = {
	"down", "error_reads", "error_writes", "drop_writes", "corrupt_r",
	"corrupt_w",
};

/* How the injected fault is switched on and off. */
enum arm_how { ARM_NONE, ARM_CONFIGFS, ARM_FAILIO, ARM_MODPARAM };

/* Expected state of one sector of a request. */
enum sstate {
	S_DONE,		/* transferred */
	S_NOT,		/* not transferred: buffer poison / device old */
	S_EITHER,	/* depends on a bio layout we do not know */
};

struct bad {
	int64_t off;		/* bytes; negative: before the end */
	uint64_t len;
};

/* An offset that is the size of the device. */
#define AT_END		INT64_MIN

struct fcase {
	const char *name;
	unsigned int op;
	int64_t off;		/* negative: bytes before the end */
	uint64_t len;
	struct bad bad[2];	/* badblocks */
	int times;		/* failreq: bios that fail, -1 all */
};

/* What one run left. */
struct outcome {
	int64_t res;
	unsigned char *buf;	/* the whole buffer mapping */
	unsigned char *win;	/* the device window afterwards */
};

static struct {
	enum fault fault;
	enum flakey_mode flakey;
	enum arm_how how;
	const char *dev_path;
	const char *backing_path;	/* restore and inspect through this */
	const char *nullb_dir;		/* configfs dir of the null_blk */
	char disk[64];			/* /sys/block/<disk> of the device */
	int zfd, io_fd, verify_fd;
	uint64_t size;
	uint32_t max_sectors_bytes;
	bool blind;			/* the fault cannot be switched off */
} t;

/* --- small helpers ---------------------------------------------------- */

static int write_attr(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Write a sysfs/configfs/debugfs attribute; 0 or errno. */
static int write_attr(const char *path, const char *fmt, ...)
{
	char val[128];
	va_list ap;
	ssize_t n;
	int fd, err = 0;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val))
		err = n < 0 ? errno : EIO;
	close(fd);
	return err;
}

static void set_attr(const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_attr(const char *dir, const char *name, const char *fmt, ...)
{
	char path[512], val[128];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = write_attr(path, "%s", val);
	if (err)
		api_die("write '%s' to %s: %s", val, path, strerror(err));
}

static void *alloc_aligned(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len ? len : 4096))
		api_die("posix_memalign %zu: out of memory", len);
	return p;
}

/* A table offset on this device. */
static uint64_t dev_off(int64_t off)
{
	if (off == AT_END)
		return t.size;
	return off < 0 ? t.size - (uint64_t)-off : (uint64_t)off;
}

static uint64_t case_off(const struct fcase *c)
{
	return dev_off(c->off);
}

/* The length after clamping at the end of the device. */
static uint64_t case_clen(const struct fcase *c)
{
	uint64_t off = case_off(c);

	if (off >= t.size)
		return 0;
	return c->len < t.size - off ? c->len : t.size - off;
}

static void case_window(const struct fcase *c, uint64_t *lo, uint64_t *hi)
{
	uint64_t off = case_off(c);

	*lo = off > PAD ? (off - PAD) & ~4095ULL : 0;
	*hi = (off + c->len + PAD + 4095) & ~4095ULL;
	if (*lo > t.size)
		*lo = t.size;
	if (*hi > t.size)
		*hi = t.size;
}

static size_t buf_span(const struct fcase *c)
{
	return ((c->len + 4095) & ~4095ULL) + 4096;
}

/* --- switching the fault ---------------------------------------------- */

static void badblocks_set(char sign, uint64_t off, uint64_t len)
{
	char path[512];
	int err;

	snprintf(path, sizeof(path), "%s/badblocks", t.nullb_dir);
	err = write_attr(path, "%c%" PRIu64 "-%" PRIu64, sign, off / SECT,
			 (off + len) / SECT - 1);
	if (err)
		api_die("badblocks %c%" PRIu64 "+%" PRIu64 ": %s", sign, off,
			len, strerror(err));
}

static const char *fault_dir(void)
{
	static char dir[512];

	if (t.how == ARM_CONFIGFS)
		snprintf(dir, sizeof(dir), "%s/%s", t.nullb_dir,
			 t.fault == F_TIMEOUT ? "timeout_inject" : "requeue_inject");
	else if (t.fault == F_FAILREQ)
		snprintf(dir, sizeof(dir), "/sys/kernel/debug/fail_make_request");
	else
		snprintf(dir, sizeof(dir), "/sys/kernel/debug/fail_io_timeout");
	return dir;
}

/* A lib/fault-inject.c attribute set: always fail, @times times. */
static void fault_attr_set(const char *dir, unsigned int interval, int times)
{
	set_attr(dir, "verbose", "1");
	set_attr(dir, "space", "0");
	set_attr(dir, "interval", "%u", interval);
	set_attr(dir, "probability", "100");
	set_attr(dir, "times", "%d", times);
}

static void fault_off(void)
{
	char dir[512];

	switch (t.fault) {
	case F_BADBLOCKS:
		badblocks_set('-', 0, t.size);
		break;
	case F_FAILREQ:
		snprintf(dir, sizeof(dir), "/sys/block/%s", t.disk);
		set_attr(dir, "make-it-fail", "0");
		break;
	case F_TIMEOUT:
	case F_REQUEUE:
		if (t.how == ARM_CONFIGFS) {
			set_attr(fault_dir(), "times", "0");
			set_attr(fault_dir(), "probability", "0");
		} else if (t.how == ARM_FAILIO) {
			snprintf(dir, sizeof(dir), "/sys/block/%s", t.disk);
			set_attr(dir, "io-timeout-fail", "0");
		}
		break;
	case F_FLAKEY:
		break;
	}
}

static void fault_on(const struct fcase *c)
{
	char dir[512];
	unsigned int i;

	switch (t.fault) {
	case F_BADBLOCKS:
		for (i = 0; i < ARRAY_SIZE(c->bad); i++)
			if (c->bad[i].len)
				badblocks_set('+', dev_off(c->bad[i].off),
					      c->bad[i].len);
		break;
	case F_FAILREQ:
		fault_attr_set(fault_dir(), 1, c->times);
		snprintf(dir, sizeof(dir), "/sys/block/%s", t.disk);
		set_attr(dir, "make-it-fail", "1");
		break;
	case F_TIMEOUT:
		if (t.how == ARM_CONFIGFS) {
			fault_attr_set(fault_dir(), 1, -1);
		} else if (t.how == ARM_FAILIO) {
			fault_attr_set(fault_dir(), 1, -1);
			snprintf(dir, sizeof(dir), "/sys/block/%s", t.disk);
			set_attr(dir, "io-timeout-fail", "1");
		}
		break;
	case F_REQUEUE:
		/* Every second dispatch: a requeued request gets through next. */
		if (t.how == ARM_CONFIGFS)
			fault_attr_set(fault_dir(), 2, -1);
		break;
	case F_FLAKEY:
		break;
	}
}

/* --- the model ---------------------------------------------------------- */

static bool in_bad(const struct fcase *c, uint64_t lo, uint64_t hi)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c->bad); i++) {
		uint64_t b = dev_off(c->bad[i].off);

		if (c->bad[i].len && lo < b + c->bad[i].len && b < hi)
			return true;
	}
	return false;
}

/* The bio lengths of @kind for @clen bytes; 0 if unknown (O_DIRECT). */
static uint64_t bio_len(enum kind k, uint64_t clen)
{
	if (k == KIND_ODIRECT)
		return clen <= 256 * 4096 ? clen : 0;
	if (k == KIND_SYNC && clen <= FAST_PAGES * 4096)
		return clen;
	return ZCIO_BIO;
}

static bool op_fails_flakey(unsigned int op)
{
	switch (t.flakey) {
	case FL_DOWN:
		return true;
	case FL_ERROR_READS:
		return op == R;
	case FL_ERROR_WRITES:
		return op == W;
	default:
		return false;
	}
}

/*
 * Fill @st (one entry per sector of the clamped request) for @k and
 * return the expected result.
 */
static int64_t model(const struct fcase *c, enum kind k, unsigned char *st)
{
	uint64_t off = case_off(c), clen = case_clen(c);
	uint64_t blen = bio_len(k, clen), piece, pos, end, s;
	uint64_t nsect = clen / SECT, b = 0;
	int64_t err = 0;

	if (off >= t.size)
		return c->op == W ? -ENOSPC : 0;
	for (s = 0; s < nsect; s++)
		st[s] = S_DONE;
	switch (t.fault) {
	case F_BADBLOCKS:
		piece = t.max_sectors_bytes;
		if (!blen && 4096 % piece) {
			/* Request boundaries follow O_DIRECT's bios. */
			for (s = 0; s < nsect; s++)
				st[s] = in_bad(c, off + s * SECT,
					       off + (s + 1) * SECT) ? S_NOT : S_EITHER;
			return in_bad(c, off, off + clen) ? -EIO : (int64_t)clen;
		}
		if (!blen)
			blen = clen;
		for (pos = 0; pos < clen; pos += blen) {
			uint64_t bend = pos + blen < clen ? pos + blen : clen, p;

			for (p = pos; p < bend; p += piece) {
				end = p + piece < bend ? p + piece : bend;
				if (!in_bad(c, off + p, off + end))
					continue;
				err = -EIO;
				for (s = p / SECT; s < end / SECT; s++)
					st[s] = S_NOT;
			}
		}
		break;
	case F_FAILREQ:
		if (c->times < 0) {
			memset(st, S_NOT, nsect);
			return -EIO;
		}
		if (!c->times)
			break;
		if (!blen) {
			/* O_DIRECT's bios are at least 1 MiB but may be more. */
			for (s = 0; s < nsect; s++)
				st[s] = s * SECT < (uint64_t)c->times * ODIRECT_BIO ?
					S_NOT : S_EITHER;
			return -EIO;
		}
		for (pos = 0; pos < clen && b < (uint64_t)c->times; pos += blen, b++)
			for (s = pos / SECT; s < (pos + blen) / SECT && s < nsect; s++)
				st[s] = S_NOT;
		return -EIO;
	case F_FLAKEY:
		if (op_fails_flakey(c->op)) {
			memset(st, S_NOT, nsect);
			return -EIO;
		}
		if (t.flakey == FL_DROP_WRITES && c->op == W)
			memset(st, S_NOT, nsect);
		break;
	case F_TIMEOUT:
		memset(st, S_NOT, nsect);
		return -ETIMEDOUT;
	case F_REQUEUE:
		break;
	}
	return err ? err : (int64_t)clen;
}

/* Byte @i of the request range (device offset @off + @i) on the device
 * after a corrupting dm-flakey saw it: one bio per request here. */
static bool corrupted_byte(const struct fcase *c, uint64_t i)
{
	if (t.fault != F_FLAKEY || i != CORRUPT_BYTE - 1)
		return false;
	return (t.flakey == FL_CORRUPT_R && c->op == R) ||
	       (t.flakey == FL_CORRUPT_W && c->op == W);
}

/* --- running one case ------------------------------------------------- */

static void window_restore(uint64_t lo, uint64_t hi)
{
	unsigned char *w;

	if (t.blind || hi == lo)
		return;
	w = alloc_aligned(hi - lo);
	api_pattern(w, hi - lo, lo, SEED_OLD);
	api_pwrite_all(t.verify_fd, w, hi - lo, lo);
	free(w);
}

static unsigned char *window_read(uint64_t lo, uint64_t hi)
{
	unsigned char *w = alloc_aligned(hi - lo);

	if (t.blind || hi == lo)
		memset(w, 0, hi - lo);
	else
		api_pread_all(t.verify_fd, w, hi - lo, lo);
	return w;
}

static int64_t do_async(const struct fcase *c, void *buf)
{
	struct zcio_event ev;
	struct zcio_io io;
	int n;

	zcio_prep_io(&io, c->op, t.io_fd, buf, c->len, case_off(c));
	io.tag = 0x7e1f00d5ULL ^ case_off(c);
	n = zcio_submit(t.zfd, &io, 1);
	if (n != 1)
		api_die("%s: ZCIO_IOC_SUBMIT returned %s", c->name,
			api_result_str(n));
	memset(&ev, 0x5a, sizeof(ev));
	n = zcio_reap(t.zfd, &ev, 1, 1, REAP_TIMEOUT_NS);
	if (n != 1)
		api_die("%s: ZCIO_IOC_REAP returned %s", c->name,
			api_result_str(n));
	if (ev.tag != io.tag || ev.flags)
		api_fail("%s: event tag %#" PRIx64 " flags %#x, want tag %#"
			 PRIx64 " flags 0", c->name, (uint64_t)ev.tag,
			 ev.flags, (uint64_t)io.tag);
	return ev.result;
}

static int64_t do_odirect(const struct fcase *c, void *buf)
{
	ssize_t n;

	if (c->op == R)
		n = pread(t.io_fd, buf, c->len, (off_t)case_off(c));
	else
		n = pwrite(t.io_fd, buf, c->len, (off_t)case_off(c));
	return n < 0 ? -errno : n;
}

/* Nothing pinned by zcio after a call, and every pin was released. */
static void check_pins(const struct fcase *c, enum kind k,
		       const struct zcio_stats *before)
{
	struct zcio_stats after;

	api_stats(t.zfd, &after);
	if (after.pages_pinned ||
	    after.pins - before->pins != after.unpins - before->unpins)
		api_fail("%s/%s: pages_pinned %" PRIu64 ", pins +%" PRIu64
			 " unpins +%" PRIu64, c->name, kind_name[k],
			 (uint64_t)after.pages_pinned,
			 (uint64_t)(after.pins - before->pins),
			 (uint64_t)(after.unpins - before->unpins));
}

static void run_one(const struct fcase *c, enum kind k, struct outcome *o)
{
	uint64_t lo, hi;
	size_t span = buf_span(c);
	struct zcio_stats before;
	unsigned char *buf;

	case_window(c, &lo, &hi);
	fault_off();
	window_restore(lo, hi);
	fault_on(c);

	buf = api_map_guarded(span);
	memset(buf, POISON, span);
	if (c->op == W)
		api_pattern(buf, c->len, case_off(c), SEED_NEW);
	api_stats(t.zfd, &before);
	if (k == KIND_SYNC)
		o->res = zcio_pio(t.zfd, c->op, t.io_fd, buf, c->len, case_off(c));
	else if (k == KIND_ASYNC)
		o->res = do_async(c, buf);
	else
		o->res = do_odirect(c, buf);
	check_pins(c, k, &before);

	fault_off();
	o->win = window_read(lo, hi);
	o->buf = malloc(span);
	if (!o->buf)
		api_die("out of memory");
	memcpy(o->buf, buf, span);
	api_unmap_guarded(buf, span);
}

/* --- checking ----------------------------------------------------------- */

static const char *sstate_name(int s)
{
	return s == S_DONE ? "transferred" : s == S_NOT ? "not transferred" :
	       "either";
}

/*
 * Sector @s of the request, as @o left it: S_DONE, S_NOT, or -1 when it
 * is neither (garbage, a torn sector, data of the wrong offset).
 */
static int sector_state(const struct fcase *c, const struct outcome *o,
			uint64_t s, uint64_t lo)
{
	uint64_t dev = case_off(c) + s * SECT, i;
	unsigned char want_done[SECT], want_not[SECT];
	const unsigned char *got;

	if (c->op == R) {
		got = o->buf + s * SECT;
		api_pattern(want_done, SECT, dev, SEED_OLD);
		memset(want_not, POISON, SECT);
	} else {
		got = o->win + (dev - lo);
		api_pattern(want_done, SECT, dev, SEED_NEW);
		api_pattern(want_not, SECT, dev, SEED_OLD);
	}
	for (i = 0; i < SECT; i++)
		if (corrupted_byte(c, s * SECT + i))
			want_done[i] = CORRUPT_VALUE;
	if (!memcmp(got, want_done, SECT))
		return S_DONE;
	if (!memcmp(got, want_not, SECT))
		return S_NOT;
	return -1;
}

/* Everything outside the request is as before; false (reported) if not. */
static bool check_outside(const struct fcase *c, enum kind k,
			  const struct outcome *o)
{
	uint64_t lo, hi, off = case_off(c), clen = case_clen(c), e;
	size_t span = buf_span(c);
	unsigned char *want;
	bool good = true;
	long d = -1;

	case_window(c, &lo, &hi);
	if (!t.blind) {
		want = alloc_aligned(hi - lo);
		api_pattern(want, hi - lo, lo, SEED_OLD);
		/* before the request, then after its clamped end */
		e = off + clen < hi ? off + clen : hi;
		if (off > lo)
			d = api_first_diff(o->win, want, off - lo);
		if (d < 0 && e < hi) {
			d = api_first_diff(o->win + (e - lo), want + (e - lo),
					   hi - e);
			if (d >= 0)
				d += e - lo;
		}
		if (d >= 0) {
			api_fail("%s/%s: device changed outside the request, at %" PRIu64,
				 c->name, kind_name[k], lo + d);
			good = false;
		}
		if (c->op == R && memcmp(o->win, want, hi - lo)) {
			api_fail("%s/%s: a read changed the device", c->name,
				 kind_name[k]);
			good = false;
		}
		free(want);
	}
	/* The buffer past the clamped length is untouched. */
	want = malloc(span);
	if (!want)
		api_die("out of memory");
	memset(want, POISON, span);
	if (c->op == W)
		api_pattern(want, c->len, off, SEED_NEW);
	d = api_first_diff(o->buf + clen, want + clen, span - clen);
	if (d >= 0) {
		api_fail("%s/%s: buffer byte %" PRIu64 " past the transfer changed",
			 c->name, kind_name[k], clen + d);
		good = false;
	}
	if (c->op == W && !(t.fault == F_FLAKEY && t.flakey == FL_CORRUPT_W) &&
	    memcmp(o->buf, want, clen)) {
		api_fail("%s/%s: a write changed its buffer", c->name,
			 kind_name[k]);
		good = false;
	}
	free(want);
	return good;
}

/* Every sector of the request as the model says; false if not. */
static bool check_model(const struct fcase *c, enum kind k,
			const struct outcome *o, const unsigned char *st)
{
	uint64_t lo, hi, s, nsect = case_clen(c) / SECT;
	int got;

	if (t.blind)
		return true;
	case_window(c, &lo, &hi);
	for (s = 0; s < nsect; s++) {
		got = sector_state(c, o, s, lo);
		if (got == st[s] || (st[s] == S_EITHER && got >= 0))
			continue;
		api_fail("%s/%s: sector %" PRIu64 " (device offset %" PRIu64
			 ") is %s, want %s", c->name, kind_name[k], s,
			 case_off(c) + s * SECT,
			 got < 0 ? "neither old nor new data" : sstate_name(got),
			 sstate_name(st[s]));
		return false;
	}
	return true;
}

static bool same_bytes(const struct fcase *c, const struct outcome *a,
		       const struct outcome *b)
{
	uint64_t lo, hi;

	case_window(c, &lo, &hi);
	return !memcmp(a->buf, b->buf, buf_span(c)) &&
	       !memcmp(a->win, b->win, hi - lo);
}

/*
 * dm-flakey's corrupt_bio_byte on writes: show whether the caller's own
 * buffer was corrupted too (6.1 corrupts the bio's pages in place, later
 * kernels a copy); run_case() checks that the three agree.
 */
static void note_write_buffers(const struct fcase *c, const struct outcome *o)
{
	unsigned char *want = malloc(c->len);
	bool changed[NR_KINDS];
	unsigned int k;

	if (!want)
		api_die("out of memory");
	api_pattern(want, c->len, case_off(c), SEED_NEW);
	for (k = 0; k < NR_KINDS; k++)
		changed[k] = memcmp(o[k].buf, want, c->len) != 0;
	api_info("%s: the write's own buffer corrupted too: zcio=%s async=%s odirect=%s",
		 c->name, changed[0] ? "yes" : "no", changed[1] ? "yes" : "no",
		 changed[2] ? "yes" : "no");
	free(want);
}

/* Run @c three ways and check everything; prints its line. */
static void run_case(const struct fcase *c)
{
	struct outcome o[NR_KINDS];
	unsigned char *st[NR_KINDS];
	int64_t want[NR_KINDS];
	bool same = true, layout_known = true;
	uint64_t nsect = case_clen(c) / SECT + 1;
	int failures = api_failures;
	unsigned int k;

	for (k = 0; k < NR_KINDS; k++) {
		st[k] = malloc(nsect);
		if (!st[k])
			api_die("out of memory");
		want[k] = model(c, k, st[k]);
		run_one(c, k, &o[k]);
		if (memchr(st[k], S_EITHER, nsect - 1))
			layout_known = false;
	}
	for (k = 0; k < NR_KINDS; k++) {
		if (o[k].res != want[k]) {
			api_fail("%s/%s: result %s, want %s", c->name,
				 kind_name[k], api_result_str(o[k].res),
				 api_result_str(want[k]));
			same = false;
		}
		if (o[k].res != o[0].res)
			same = false;
		same &= check_outside(c, k, &o[k]);
		same &= check_model(c, k, &o[k], st[k]);
	}
	if (!t.blind && !same_bytes(c, &o[KIND_SYNC], &o[KIND_ASYNC])) {
		api_fail("%s: zcio and async left different bytes", c->name);
		same = false;
	}
	if (!t.blind && layout_known &&
	    !same_bytes(c, &o[KIND_SYNC], &o[KIND_ODIRECT])) {
		api_fail("%s: zcio and odirect left different bytes", c->name);
		same = false;
	}
	if (t.fault == F_FLAKEY && t.flakey == FL_CORRUPT_W && c->op == W)
		note_write_buffers(c, o);
	printf("%-26s zcio=%-9s async=%-9s odirect=%-9s %s%s\n", c->name,
	       api_result_str(o[KIND_SYNC].res),
	       api_result_str(o[KIND_ASYNC].res),
	       api_result_str(o[KIND_ODIRECT].res),
	       same && api_failures == failures ? "SAME" : "DIFF",
	       t.blind ? " (results only)" :
	       layout_known ? "" : " (odirect bytes: layout-independent checks)");
	fflush(stdout);
	for (k = 0; k < NR_KINDS; k++) {
		free(o[k].buf);
		free(o[k].win);
		free(st[k]);
	}
}

/* --- the cases ---------------------------------------------------------- */

/* null_blk with max_sectors=8: every request is one 4 KiB block. */
static const struct fcase badblocks_4k[] = {
	/* bad: [1M+4K, 1M+8K) */
	{ "read-inside",	R, M + 4 * K,	4 * K,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "write-inside",	W, M + 4 * K,	4 * K,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "read-overlap-start",	R, M,		8 * K,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "write-overlap-start", W, M,		8 * K,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "read-overlap-end",	R, M + 4 * K,	8 * K,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "write-overlap-end",	W, M + 4 * K,	8 * K,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "read-first-sector",	R, M + 4 * K,	512,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "write-first-sector",	W, M + 4 * K,	512,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "read-last-sector",	R, M + 8 * K - 512, 512, { { M + 4 * K, 4 * K } }, 0 },
	{ "write-last-sector",	W, M + 8 * K - 512, 512, { { M + 4 * K, 4 * K } }, 0 },
	{ "read-just-before",	R, M,		4 * K,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "write-just-before",	W, M,		4 * K,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "read-just-after",	R, M + 8 * K,	4 * K,	{ { M + 4 * K, 4 * K } }, 0 },
	{ "write-just-after",	W, M + 8 * K,	4 * K,	{ { M + 4 * K, 4 * K } }, 0 },
	/* one bad sector inside a 4 KiB request: the whole request fails */
	{ "read-bad-sector-4k",	R, 2 * M,	4 * K,	{ { 2 * M + 1536, 512 } }, 0 },
	{ "write-bad-sector-4k", W, 2 * M,	4 * K,	{ { 2 * M + 1536, 512 } }, 0 },
	{ "read-beside-bad-sector", R, 2 * M,	1 * K,	{ { 2 * M + 1536, 512 } }, 0 },
	{ "write-beside-bad-sector", W, 2 * M,	1 * K,	{ { 2 * M + 1536, 512 } }, 0 },
	/* general path (16 pages), several bios, two bad ranges */
	{ "read-64k-middle",	R, 3 * M,	64 * K,	{ { 3 * M + 32 * K, 512 } }, 0 },
	{ "write-64k-middle",	W, 3 * M,	64 * K,	{ { 3 * M + 32 * K, 512 } }, 0 },
	{ "read-4m-two-bad",	R, 8 * M,	4 * M,	{ { 10 * M + 4 * K, 4 * K }, { 8 * M + 512 * K, 512 } }, 0 },
	{ "write-4m-two-bad",	W, 8 * M,	4 * M,	{ { 10 * M + 4 * K, 4 * K }, { 8 * M + 512 * K, 512 } }, 0 },
	{ "read-4m-bad-at-bio-edge", R, 16 * M,	4 * M,	{ { 17 * M - 512, 1 * K } }, 0 },
	{ "write-4m-bad-at-bio-edge", W, 16 * M, 4 * M,	{ { 17 * M - 512, 1 * K } }, 0 },
	{ "read-4m-clean",	R, 24 * M,	4 * M,	{ { 28 * M, 4 * K } }, 0 },
	{ "write-4m-clean",	W, 24 * M,	4 * M,	{ { 28 * M, 4 * K } }, 0 },
	/* the end of the device: a short transfer unless the bad block is in it */
	{ "read-across-end-clean", R, -4 * (int64_t)K, 16 * K, { { -12 * (int64_t)K, 4 * K } }, 0 },
	{ "write-across-end-clean", W, -4 * (int64_t)K, 16 * K, { { -12 * (int64_t)K, 4 * K } }, 0 },
	{ "read-across-end-bad", R, -12 * (int64_t)K, 16 * K, { { -8 * (int64_t)K, 512 } }, 0 },
	{ "write-across-end-bad", W, -12 * (int64_t)K, 16 * K, { { -8 * (int64_t)K, 512 } }, 0 },
	{ "read-past-end",	R, AT_END,	4 * K,	{ { -4 * (int64_t)K, 4 * K } }, 0 },
	{ "write-past-end",	W, AT_END,	4 * K,	{ { -4 * (int64_t)K, 4 * K } }, 0 },
};

/* null_blk with its default max_sectors (255): requests follow the bios. */
static const struct fcase badblocks_dflt[] = {
	{ "dflt-read-4m-middle",  R, 8 * M,  4 * M, { { 10 * M + 4 * K, 4 * K } }, 0 },
	{ "dflt-write-4m-middle", W, 8 * M,  4 * M, { { 10 * M + 4 * K, 4 * K } }, 0 },
	{ "dflt-read-1m",	  R, 16 * M, 1 * M, { { 16 * M + 200 * K, 512 } }, 0 },
	{ "dflt-write-1m",	  W, 16 * M, 1 * M, { { 16 * M + 200 * K, 512 } }, 0 },
	{ "dflt-read-32k",	  R, 20 * M, 32 * K, { { 20 * M + 31 * K, 512 } }, 0 },
	{ "dflt-write-32k",	  W, 20 * M, 32 * K, { { 20 * M + 31 * K, 512 } }, 0 },
};

/* Whole bios, so every size fails or passes as one (corrupt: one bio). */
static const struct fcase flakey_cases[] = {
	{ "read-4k",	R, 1 * M, 4 * K,  { { 0, 0 } }, 0 },
	{ "write-4k",	W, 1 * M, 4 * K,  { { 0, 0 } }, 0 },
	{ "read-64k",	R, 2 * M, 64 * K, { { 0, 0 } }, 0 },
	{ "write-64k",	W, 2 * M, 64 * K, { { 0, 0 } }, 0 },
	{ "read-1m",	R, 4 * M, 1 * M,  { { 0, 0 } }, 0 },
	{ "write-1m",	W, 4 * M, 1 * M,  { { 0, 0 } }, 0 },
};

/* Bigger requests only where every bio gets the same treatment. */
static const struct fcase flakey_big[] = {
	{ "read-4m",	R, 8 * M, 4 * M, { { 0, 0 } }, 0 },
	{ "write-4m",	W, 8 * M, 4 * M, { { 0, 0 } }, 0 },
};

static const struct fcase failreq_cases[] = {
	{ "read-4k-all",	R, 1 * M, 4 * K, { { 0, 0 } }, -1 },
	{ "write-4k-all",	W, 1 * M, 4 * K, { { 0, 0 } }, -1 },
	{ "read-4k-once",	R, 1 * M, 4 * K, { { 0, 0 } }, 1 },
	{ "write-4k-once",	W, 1 * M, 4 * K, { { 0, 0 } }, 1 },
	{ "read-64k-once",	R, 2 * M, 64 * K, { { 0, 0 } }, 1 },
	{ "write-64k-once",	W, 2 * M, 64 * K, { { 0, 0 } }, 1 },
	{ "read-4m-all",	R, 8 * M, 4 * M, { { 0, 0 } }, -1 },
	{ "write-4m-all",	W, 8 * M, 4 * M, { { 0, 0 } }, -1 },
	{ "read-4m-first-bio",	R, 8 * M, 4 * M, { { 0, 0 } }, 1 },
	{ "write-4m-first-bio",	W, 8 * M, 4 * M, { { 0, 0 } }, 1 },
	{ "read-4m-two-bios",	R, 16 * M, 4 * M, { { 0, 0 } }, 2 },
	{ "write-4m-two-bios",	W, 16 * M, 4 * M, { { 0, 0 } }, 2 },
};

/* Each of these requests takes one timeout (5 s on null_blk) per run. */
static const struct fcase timeout_cases[] = {
	{ "read-4k",	R, 1 * M, 4 * K,  { { 0, 0 } }, 0 },
	{ "write-4k",	W, 1 * M, 4 * K,  { { 0, 0 } }, 0 },
	{ "read-1m",	R, 2 * M, 1 * M,  { { 0, 0 } }, 0 },
	{ "write-1m",	W, 4 * M, 1 * M,  { { 0, 0 } }, 0 },
};

static const struct fcase requeue_cases[] = {
	{ "read-4k",	R, 1 * M, 4 * K,  { { 0, 0 } }, 0 },
	{ "write-4k",	W, 1 * M, 4 * K,  { { 0, 0 } }, 0 },
	{ "read-4m",	R, 8 * M, 4 * M,  { { 0, 0 } }, 0 },
	{ "write-4m",	W, 8 * M, 4 * M,  { { 0, 0 } }, 0 },
};

static void run_cases(const struct fcase *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		run_case(&cases[i]);
}

/* --- setup -------------------------------------------------------------- */

static void open_devices(void)
{
	struct zcio_devinfo di;
	char tmp[256];
	int ret;

	t.zfd = api_zcio_open();
	t.io_fd = api_open(t.dev_path, O_RDWR | O_DIRECT);
	t.verify_fd = t.backing_path ? api_open(t.backing_path, O_RDWR | O_DIRECT)
				     : t.io_fd;
	ret = zcio_get_devinfo(t.zfd, t.io_fd, &di);
	if (ret)
		api_die("ZCIO_IOC_DEVINFO %s: %s", t.dev_path, zcio_strerror(ret));
	if (di.logical_block_size != SECT)
		api_die("%s: logical block size %u, want 512", t.dev_path,
			di.logical_block_size);
	t.size = di.size;
	t.max_sectors_bytes = di.max_sectors_bytes;
	if (t.size < 32 * M)
		api_die("%s: need 32 MiB", t.dev_path);
	/* /sys/block/<disk>: the name of the node (ram0, nullb0, ...) */
	snprintf(tmp, sizeof(tmp), "%s", t.dev_path);
	snprintf(t.disk, sizeof(t.disk), "%s", basename(tmp));
	api_info("%s: %" PRIu64 " bytes, requests of at most %u bytes",
		 t.dev_path, t.size, t.max_sectors_bytes);
}

static void parse_how(const char *how)
{
	if (!strncmp(how, "configfs:", 9)) {
		t.how = ARM_CONFIGFS;
		t.nullb_dir = how + 9;
	} else if (!strcmp(how, "failio") && t.fault == F_TIMEOUT) {
		t.how = ARM_FAILIO;
	} else if (!strcmp(how, "modparam")) {
		t.how = ARM_MODPARAM;
		/* A timeout that is always on leaves nothing to read back. */
		t.blind = t.fault == F_TIMEOUT;
	} else {
		api_die("unknown way to switch the fault: %s", how);
	}
}

static int usage(void)
{
	fprintf(stderr,
		"usage: rel-faults badblocks DEV NULLB_DIR\n"
		"       rel-faults flakey MODE DEV BACKING\n"
		"       rel-faults failreq DEV\n"
		"       rel-faults timeout DEV configfs:NULLB_DIR|failio|modparam\n"
		"       rel-faults requeue DEV configfs:NULLB_DIR|modparam\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned int i;

	api_prog = "rel-faults";
	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "badblocks") && argc == 4) {
		t.fault = F_BADBLOCKS;
		t.dev_path = argv[2];
		t.nullb_dir = argv[3];
	} else if (!strcmp(argv[1], "flakey") && argc == 5) {
		t.fault = F_FLAKEY;
		for (i = 0; i < ARRAY_SIZE(flakey_names); i++)
			if (!strcmp(argv[2], flakey_names[i]))
				break;
		if (i == ARRAY_SIZE(flakey_names))
			return usage();
		t.flakey = i;
		t.dev_path = argv[3];
		t.backing_path = argv[4];
	} else if (!strcmp(argv[1], "failreq") && argc == 3) {
		t.fault = F_FAILREQ;
		t.dev_path = argv[2];
	} else if ((!strcmp(argv[1], "timeout") || !strcmp(argv[1], "requeue")) &&
		   argc == 4) {
		t.fault = !strcmp(argv[1], "timeout") ? F_TIMEOUT : F_REQUEUE;
		t.dev_path = argv[2];
		parse_how(argv[3]);
	} else {
		return usage();
	}
	open_devices();
	if (!api_foll_pin_balanced("start"))
		return api_exit();

	switch (t.fault) {
	case F_BADBLOCKS:
		if (t.max_sectors_bytes == 4096)
			run_cases(badblocks_4k, ARRAY_SIZE(badblocks_4k));
		else
			run_cases(badblocks_dflt, ARRAY_SIZE(badblocks_dflt));
		break;
	case F_FLAKEY:
		run_cases(flakey_cases, ARRAY_SIZE(flakey_cases));
		if (t.flakey != FL_CORRUPT_R && t.flakey != FL_CORRUPT_W)
			run_cases(flakey_big, ARRAY_SIZE(flakey_big));
		break;
	case F_FAILREQ:
		run_cases(failreq_cases, ARRAY_SIZE(failreq_cases));
		break;
	case F_TIMEOUT:
		run_cases(timeout_cases, ARRAY_SIZE(timeout_cases));
		break;
	case F_REQUEUE:
		run_cases(requeue_cases, ARRAY_SIZE(requeue_cases));
		break;
	}
	fault_off();
	api_foll_pin_balanced("end");
	return api_exit();
}
