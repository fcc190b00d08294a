// SPDX-License-Identifier: GPL-2.0
/*
 * rel-fuzz -s SEED -n COUNT [-d DEV]... [-v] [options]: a seeded fuzzer
 * of every ioctl of /dev/zcio.
 *
 * A deterministic generator (splitmix64 seeded with SEED) picks COUNT
 * ioctls among ZCIO_IOC_VERSION, _DEVINFO, _STATS, _IO, _SUBMIT, _REAP,
 * _REGISTER, _UNREGISTER and unknown numbers of the 0xE6 magic (reserved
 * numbers, known numbers with another size or direction), with random and
 * boundary values in every field, and issues them on two /dev/zcio
 * contexts (sometimes on a closed fd), closing and reopening a context now
 * and then with I/O in flight.  The same seed gives the same sequence of
 * calls: nothing the generator does depends on what a call returned.
 *
 * Every structure goes to memory the fuzzer laid out at start (one
 * reservation with holes between the pieces; "arg" regions for the ioctl
 * structures only, so no device ever writes into them) or to an address
 * that is not user memory.  Buffers (@addr of struct zcio_io and of
 * struct zcio_buf) are anonymous memory, read-only and PROT_NONE memory,
 * an unmapped hole, huge pages (MAP_HUGETLB, else a THP-advised region),
 * a MAP_SHARED tmpfs file, a MAP_PRIVATE mapping of a regular file
 * (-f, default /proc/self/exe), ranges running off the end of a mapping,
 * NULL, low, kernel, non-canonical and wrapping addresses.  Target fds are
 * the block devices of -d in each access mode they were opened with, an
 * O_PATH fd of them, a closed fd, a regular file, both ends of a pipe,
 * /dev/null, /dev/zcio itself, a directory, negative and huge numbers.
 *
 * Every result is checked twice:
 *  1. the errno is one docs/uapi.md (docs/ops.md for the zone operations)
 *     documents for that ioctl ("not documented");
 *  2. the outcome is the one the documented validation order predicts
 *     from what the fuzzer knows (its memory map, its fds, the devices'
 *     limits read from sysfs and the block ioctls, the registered sets and
 *     outstanding requests of each context): the exact errno of the first
 *     failing check, or success with the exact result, the exact number of
 *     SUBMIT entries taken, and for every REAP event the tag and result of
 *     the entry it belongs to ("prediction"; entries may share a tag, so
 *     an event that fits none left may swap with one matched before).
 *     Where the outcome depends on timing (how many events are ready) it
 *     checks bounds.
 * Output structures are checked too (DEVINFO against sysfs, VERSION
 * against the first answer, IO's @result, event flags), and a call that
 * takes more than WATCHDOG_S seconds is reported (while it runs if it
 * sleeps interruptibly, else when it returns).  Calls over a second are
 * listed as SLOW (information, not a failure).
 *
 * At the end every context is drained (all submitted entries must come
 * back as exactly one event each), unregistered and closed; the holes
 * must still be holes.  Prints the number of calls and errnos per ioctl
 * and exits 0 if nothing unexpected happened, 1 otherwise, 2 for a usage
 * or setup error, 3 if the fuzzer itself crashed (SIGSEGV, SIGBUS).
 *
 * DEV is a block device path (opened O_RDONLY, O_WRONLY, O_RDWR and
 * O_PATH, as far as permissions allow) or the number of an inherited fd of
 * a block device (any access mode; give one -d per fd).  That is how an
 * unprivileged fuzzer gets devices: root opens them and passes the fds
 * down (tests/fuzz, docs/fuzz.md).  THE FUZZER WRITES RANDOM DATA ALL OVER
 * EVERY DEVICE IT IS GIVEN.
 *
 * Options: -v logs every call on stdout, one line each, " -> " and the
 * outcome at the end of the line (the part before it is the same for the
 * same seed); -X ERRNO (a name such as EINVAL, repeatable) treats that
 * errno as undocumented everywhere, to show that the checks bite; -T SECS
 * stops after that long; -r N prints at most N unexpected results (20;
 * at most PER_KIND_REPORTS of each kind, all kinds are summed up at the
 * end with the first call that showed them);
 * -z PATH opens PATH instead of /dev/zcio; -f FILE is the file of the
 * private mapping; -H never sets ZCIO_IO_HIPRI (the same random draws
 * otherwise: polled requests stall until the driver's timeout when they
 * need more tags than a poll queue has, docs/fuzz.md); -N is a dry run
 * (no ioctl: generation and logging only).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

#include <linux/zcio.h>

#include "msg.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KiB		1024ULL
#define MiB		(1024ULL * 1024)
#define PAGE		4096ULL
#define HUGE_ALIGN	(2 * MiB)
#define LOW_LIMIT	4096ULL		/* nothing is ever mapped below */
#define KERNEL_ADDR	0xffff888000000000ULL
#define VSYSCALL_ADDR	0xffffffffff600000ULL
#define WATCHDOG_S	60		/* a call this long is reported */
#define TICK_S		5
#define PROGRESS_S	60		/* a progress line this often */
#define NERR		160		/* errnos we keep count of */
#define NCTX		2
#define MAX_DISTINCT	8		/* SUBMIT entries generated; the rest repeat */
#define MAX_DISTINCT_BUFS 4
#define MAX_DEVS	8
#define MAX_FDS		64
#define DESC_LEN	8192

static const char *prog = "rel-fuzz";

/* ---- options and environment ------------------------------------------- */

static uint64_t seed, count;
static bool verbose, dry_run, no_hipri;
static double time_limit;
static int max_reports = 20;
static const char *zcio_path = "/dev/zcio";
static const char *priv_path = "/proc/self/exe";

static uint64_t task_size;		/* TASK_SIZE_MAX: access_ok() limit */
static bool la57;			/* 5-level page tables */
static bool cap_nice, cap_ipc_lock;	/* CAP_SYS_NICE or _ADMIN; CAP_IPC_LOCK */
static uint64_t memlock_pages;		/* RLIMIT_MEMLOCK in pages */
static struct zcio_version ver0;	/* the first VERSION answer */

static void __attribute__((format(printf, 2, 3))) msg(const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vmsg(prog, tag, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vmsg(prog, "ERROR", fmt, ap);
	va_end(ap);
	exit(2);
}

/* ---- the generator: splitmix64 ----------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 0 to @n - 1 (0 for @n 0). */
static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool pct(unsigned int p)
{
	return below(100) < p;
}

#define PICK(arr)	((arr)[below(ARRAY_SIZE(arr))])

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* ---- errno sets ---------------------------------------------------------- */

struct eset {
	uint64_t w[(NERR + 63) / 64];
};

static bool es_has(const struct eset *s, int e)
{
	return e > 0 && e < NERR && ((s->w[e / 64] >> (e % 64)) & 1);
}

static void es_add(struct eset *s, int e)
{
	if (e > 0 && e < NERR)
		s->w[e / 64] |= 1ULL << (e % 64);
}

static void es_del(struct eset *s, int e)
{
	if (e > 0 && e < NERR)
		s->w[e / 64] &= ~(1ULL << (e % 64));
}

static void es_addv(struct eset *s, const int *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		es_add(s, v[i]);
}

static const char *errname(int e)
{
	static char buf[4][16];
	static int slot;
	const char *name = e > 0 ? strerrorname_np(e) : NULL;

	if (name)
		return name;
	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "E?%d", e);
	return buf[slot];
}

static int errno_by_name(const char *name)
{
	int e;

	for (e = 1; e < NERR; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, name))
			return e;
	}
	return 0;
}

/* ---- the ioctls and what docs/uapi.md says they may fail with ---------- */

enum kind {
	K_VERSION, K_DEVINFO, K_STATS, K_IO, K_SUBMIT, K_REAP, K_REGISTER,
	K_UNREGISTER, K_UNKNOWN, K_EVENT, K_EVENT_SHARED, K_NR
};

static const char *const kind_name[K_NR] = {
	"VERSION", "DEVINFO", "STATS", "IO", "SUBMIT", "REAP", "REGISTER",
	"UNREGISTER", "UNKNOWN", "(event)", "(event, tag shared)",
};

/* Common to every ioctl: the /dev/zcio fd is closed, a bad argument. */
static const int doc_common[] = { EBADF, EFAULT };
static const int doc_devinfo[] = { EINVAL, ENOTBLK };
/*
 * Validation, runtime errors, and a failed bio's status as
 * blk_status_to_errno() turns it into an errno (the "..." of the table).
 */
static const int doc_io[] = {
	EINVAL, EPERM, ENOTBLK, ETXTBSY, ENOSPC, EOPNOTSUPP, EIO, EBUSY,
	ENOMEM, EINTR, ETIMEDOUT, ENOLINK, EREMOTEIO, EBADE, ENODATA, EILSEQ,
	EAGAIN, ENODEV, ETOOMANYREFS, EOVERFLOW, ETIME,
};
static const int doc_submit[] = { EINVAL, EAGAIN, ENOMEM };
static const int doc_reap[] = { EINVAL, EINTR };
static const int doc_register[] = { EINVAL, EBUSY, ENOMEM, EOPNOTSUPP, EINTR };
static const int doc_unregister[] = { ENXIO };
static const int doc_unknown[] = { ENOTTY };

static struct eset documented[K_NR];
static struct eset not_expected;	/* -X */

static void documented_init(void)
{
	int k, e;

	for (k = 0; k < K_NR; k++)
		es_addv(&documented[k], doc_common, ARRAY_SIZE(doc_common));
	es_addv(&documented[K_DEVINFO], doc_devinfo, ARRAY_SIZE(doc_devinfo));
	es_addv(&documented[K_IO], doc_io, ARRAY_SIZE(doc_io));
	es_addv(&documented[K_EVENT], doc_io, ARRAY_SIZE(doc_io));
	es_addv(&documented[K_EVENT_SHARED], doc_io, ARRAY_SIZE(doc_io));
	es_addv(&documented[K_SUBMIT], doc_submit, ARRAY_SIZE(doc_submit));
	es_addv(&documented[K_REAP], doc_reap, ARRAY_SIZE(doc_reap));
	es_addv(&documented[K_REGISTER], doc_register, ARRAY_SIZE(doc_register));
	es_addv(&documented[K_UNREGISTER], doc_unregister,
		ARRAY_SIZE(doc_unregister));
	es_addv(&documented[K_UNKNOWN], doc_unknown, ARRAY_SIZE(doc_unknown));
	for (e = 1; e < NERR; e++)
		if (es_has(&not_expected, e))
			for (k = 0; k < K_NR; k++)
				es_del(&documented[k], e);
}

/* ---- memory ------------------------------------------------------------ */

enum rkind { RK_HOLE, RK_ANON, RK_SHMEM, RK_FILE, RK_HUGETLB };

struct region {
	const char *name;
	uint64_t start, end;
	int prot;
	enum rkind kind;
	bool arg;		/* ioctl structures only: no device writes here */
};

enum {
	R_H0, R_ARG, R_ARGRO, R_ARGNONE, R_H1, R_ARG2, R_H2, R_RW, R_RO,
	R_NONE, R_H3, R_RW2, R_H4, R_SHM, R_H5, R_PRIV, R_H6, R_HUGE, R_H7,
	R_NR
};

#define RW	(PROT_READ | PROT_WRITE)

/* The layout, in address order, in one reservation. */
static struct region regions[R_NR] = {
	[R_H0]		= { "h0", 0, 64 * KiB, 0, RK_HOLE, false },
	[R_ARG]		= { "arg", 0, 128 * KiB, RW, RK_ANON, true },
	[R_ARGRO]	= { "argro", 0, 16 * KiB, PROT_READ, RK_ANON, true },
	[R_ARGNONE]	= { "argnone", 0, 16 * KiB, PROT_NONE, RK_ANON, true },
	[R_H1]		= { "h1", 0, 64 * KiB, 0, RK_HOLE, false },
	[R_ARG2]	= { "arg2", 0, 16 * KiB, RW, RK_ANON, true },
	[R_H2]		= { "h2", 0, 64 * KiB, 0, RK_HOLE, false },
	[R_RW]		= { "rw", 0, 2 * MiB, RW, RK_ANON, false },
	[R_RO]		= { "ro", 0, 64 * KiB, PROT_READ, RK_ANON, false },
	[R_NONE]	= { "none", 0, 64 * KiB, PROT_NONE, RK_ANON, false },
	[R_H3]		= { "h3", 0, 64 * KiB, 0, RK_HOLE, false },
	[R_RW2]		= { "rw2", 0, 256 * KiB, RW, RK_ANON, false },
	[R_H4]		= { "h4", 0, 64 * KiB, 0, RK_HOLE, false },
	[R_SHM]		= { "shm", 0, 256 * KiB, RW, RK_SHMEM, false },
	[R_H5]		= { "h5", 0, 64 * KiB, 0, RK_HOLE, false },
	[R_PRIV]	= { "priv", 0, 64 * KiB, RW, RK_FILE, false },
	[R_H6]		= { "h6", 0, 64 * KiB, 0, RK_HOLE, false },
	[R_HUGE]	= { "huge", 0, 4 * MiB, RW, RK_HUGETLB, false },
	[R_H7]		= { "h7", 0, 64 * KiB, 0, RK_HOLE, false },
};

#define REG(id)		(&regions[id])
#define RSIZE(r)	((r)->end - (r)->start)

static const struct region *region_at(uint64_t a)
{
	int i;

	for (i = 0; i < R_NR; i++)
		if (a >= regions[i].start && a < regions[i].end)
			return &regions[i];
	return NULL;
}

enum mstate { M_OK, M_BAD, M_UNKNOWN };

/* access_ok(): the range lies in user address space. */
static bool user_ok(uint64_t a, uint64_t n)
{
	return n <= task_size && a <= task_size - n;
}

/* An address outside the layout: certainly unmapped, or who knows. */
static enum mstate outside(uint64_t a)
{
	if (a < LOW_LIMIT || a >= task_size)
		return M_BAD;
	/* Above 47 bits only what asks for it is mapped (5-level paging). */
	if (a >= (1ULL << 47))
		return M_BAD;
	return M_UNKNOWN;
}

/*
 * Can the kernel read (@write false) or write [@a, @a + @n): copy from or
 * to user memory, pin pages without or with FOLL_WRITE?
 */
static enum mstate mem_state(uint64_t a, uint64_t n, bool write)
{
	uint64_t end;

	if (!n)
		return M_OK;
	if (!user_ok(a, n))
		return M_BAD;
	end = a + n;
	while (a < end) {
		const struct region *r = region_at(a);

		if (!r)
			return outside(a);
		if (r->kind == RK_HOLE ||
		    !(r->prot & (write ? PROT_WRITE : PROT_READ)))
			return M_BAD;
		a = r->end;
	}
	return M_OK;
}

/* Bytes from @a on (at most @n) that the kernel could write in one go. */
static uint64_t writable_prefix(uint64_t a, uint64_t n)
{
	uint64_t done = 0;

	if (!user_ok(a, n))
		return 0;
	while (done < n) {
		const struct region *r = region_at(a + done);

		if (!r || r->kind == RK_HOLE || !(r->prot & PROT_WRITE))
			break;
		done = min64(n, r->end - a);
	}
	return done;
}

/*
 * Copy @n bytes to @a where the fuzzer can: the arg regions (argro
 * through a moment of PROT_WRITE); nothing goes anywhere else.
 */
static void place(uint64_t a, const void *src, uint64_t n)
{
	const char *s = src;

	while (n) {
		const struct region *r = region_at(a);
		uint64_t k;

		if (!r)
			return;
		k = min64(n, r->end - a);
		if (r->arg && r->prot == RW) {
			memcpy((void *)(uintptr_t)a, s, k);
		} else if (r->arg && r->prot == PROT_READ) {
			if (mprotect((void *)(uintptr_t)r->start, RSIZE(r), RW))
				die("mprotect %s: %s", r->name, strerror(errno));
			memcpy((void *)(uintptr_t)a, s, k);
			if (mprotect((void *)(uintptr_t)r->start, RSIZE(r),
				     PROT_READ))
				die("mprotect %s: %s", r->name, strerror(errno));
		}
		a += k;
		s += k;
		n -= k;
	}
}

/* Read back what the kernel wrote to an arg region. */
static bool fetch(uint64_t a, void *dst, uint64_t n)
{
	if (mem_state(a, n, false) != M_OK || !region_at(a)->arg ||
	    !region_at(a + n - 1)->arg)
		return false;
	memcpy(dst, (const void *)(uintptr_t)a, n);
	return true;
}

static const char *fmt_addr(char *buf, size_t len, uint64_t a)
{
	const struct region *r = region_at(a);

	if (r)
		snprintf(buf, len, "%s+%#" PRIx64, r->name, a - r->start);
	else
		snprintf(buf, len, "%#" PRIx64, a);
	return buf;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static int tmp_file(void)
{
	const char *dirs[] = { getenv("TMPDIR"), "/dev/shm", "/tmp" };
	struct statfs sfs;
	unsigned int i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (!dirs[i])
			continue;
		fd = open(dirs[i], O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
		if (fd < 0)
			continue;
		if (!fstatfs(fd, &sfs) && sfs.f_type == TMPFS_MAGIC)
			return fd;
		close(fd);
	}
	fd = memfd_create("rel-fuzz", MFD_CLOEXEC);
	if (fd < 0)
		die("no tmpfs file: %s", strerror(errno));
	return fd;
}

static enum rkind file_kind(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs))
		die("fstatfs: %s", strerror(errno));
	if (sfs.f_type == TMPFS_MAGIC)
		return RK_SHMEM;
	if (sfs.f_type == HUGETLBFS_MAGIC)
		return RK_HUGETLB;
	return RK_FILE;
}

static int file_fd = -1;	/* the tmpfs file: "file" fd, "shm" region */

static void map_region(struct region *r, int flags, int fd)
{
	void *p = mmap((void *)(uintptr_t)r->start, RSIZE(r), r->prot,
		       flags | MAP_FIXED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap %s: %s", r->name, strerror(errno));
}

/* 5-level page tables: a mapping above 47 bits works when asked for. */
static void probe_la57(void)
{
	void *want = (void *)(1ULL << 48);
	void *p = mmap(want, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);

	la57 = p == want;
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	task_size = la57 ? (1ULL << 56) - PAGE : (1ULL << 47) - PAGE;
}

/* Lay the regions out, make the mappings and the holes. */
static void memory_init(void)
{
	uint64_t total = 0, res, base, cur;
	struct stat st;
	int i, pfd;
	char *p;

	for (i = 0; i < R_NR; i++)
		total += regions[i].end;
	total += 2 * HUGE_ALIGN;
	p = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		die("mmap reservation: %s", strerror(errno));
	res = (uintptr_t)p;
	base = align_up(res, HUGE_ALIGN);
	cur = base;
	for (i = 0; i < R_NR; i++) {
		struct region *r = &regions[i];
		uint64_t size = r->end;

		if (i == R_HUGE) {
			cur = align_up(cur, HUGE_ALIGN);
			regions[R_H6].end = cur;
		}
		r->start = cur;
		r->end = cur + size;
		cur = r->end;
	}
	if (base > res)
		munmap(p, base - res);
	if (res + total > cur)
		munmap((void *)(uintptr_t)cur, res + total - cur);

	file_fd = tmp_file();
	if (ftruncate(file_fd, RSIZE(REG(R_SHM))))
		die("ftruncate: %s", strerror(errno));
	REG(R_SHM)->kind = file_kind(file_fd);
	pfd = open(priv_path, O_RDONLY | O_CLOEXEC);
	if (pfd < 0 || fstat(pfd, &st) || st.st_size < (off_t)PAGE) {
		msg(NULL, "no private mapping of %s, using the tmpfs file",
		    priv_path);
		if (pfd >= 0)
			close(pfd);
		pfd = dup(file_fd);
	} else if ((uint64_t)st.st_size < RSIZE(REG(R_PRIV))) {
		REG(R_PRIV)->end = REG(R_PRIV)->start + st.st_size / PAGE * PAGE;
		REG(R_H6)->start = REG(R_PRIV)->end;
	}
	REG(R_PRIV)->kind = file_kind(pfd);

	for (i = 0; i < R_NR; i++) {
		struct region *r = &regions[i];

		switch (i) {
		case R_SHM:
			map_region(r, MAP_SHARED, file_fd);
			break;
		case R_PRIV:
			map_region(r, MAP_PRIVATE, pfd);
			break;
		case R_HUGE:
			if (mmap((void *)(uintptr_t)r->start, RSIZE(r), r->prot,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
				 MAP_FIXED, -1, 0) != MAP_FAILED)
				break;
			r->name = "thp";
			r->kind = RK_ANON;
			map_region(r, MAP_PRIVATE | MAP_ANONYMOUS, -1);
			madvise((void *)(uintptr_t)r->start, RSIZE(r),
				MADV_HUGEPAGE);
			break;
		default:
			if (r->kind == RK_HOLE)
				munmap((void *)(uintptr_t)r->start, RSIZE(r));
			else
				map_region(r, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		}
	}
	close(pfd);
}

/* The holes are still holes (nothing was mapped into one meanwhile). */
static bool holes_intact(void)
{
	unsigned char vec[16];
	bool ok = true;
	int i;

	for (i = 0; i < R_NR; i++) {
		const struct region *r = &regions[i];

		if (r->kind != RK_HOLE || !RSIZE(r))
			continue;
		if (mincore((void *)(uintptr_t)r->start, PAGE, vec) == 0 ||
		    errno != ENOMEM) {
			msg("FAIL", "hole %s is mapped", r->name);
			ok = false;
		}
	}
	return ok;
}

/* ---- devices and fds ------------------------------------------------------ */

struct dev {
	char name[32];
	dev_t rdev;
	uint64_t size;
	uint32_t lbs, pbs, dma, max_segs;
	uint64_t max_sectors_bytes, max_hw_bytes;
	bool ro, zoned, poll, rot;
	uint64_t zone, zappend, discard_max, discard_gran, wz_max;
	int fd[3];		/* by O_ACCMODE, -1: none */
};

static struct dev devs[MAX_DEVS];
static int ndevs;

enum fkind {
	FK_BLK, FK_PATH, FK_CLOSED, FK_FILE, FK_PIPE, FK_NULL, FK_ZCIO,
	FK_DIR, FK_NUM
};

struct fdent {
	char name[48];
	int fd;
	enum fkind kind;
	int dev;
	int acc;		/* O_ACCMODE */
};

static struct fdent fds[MAX_FDS];
static int nfds;
static int closed_fd = -1;	/* a number that is never open */

struct rbuf_m {
	uint64_t addr, len;
};

struct pred {
	bool known;		/* false: anything documented goes */
	bool ok;		/* success allowed, with a value in [lo, hi] */
	int64_t lo, hi;
	struct eset errs;	/* failures allowed */
	const char *why;	/* the check that decides */
};

struct outst {
	uint64_t tag;
	uint64_t call;		/* the SUBMIT that took it */
	struct zcio_io io;
	struct pred p;
};

#define HIST	2048	/* entries whose events were seen, per context */

struct hist {
	struct outst o;
	int32_t result;
};

struct ctx {
	int fd;
	bool has_set;
	unsigned int set_nr;
	struct rbuf_m set[1024];
	uint64_t set_pages;
	uint64_t linger;	/* pages of dropped sets requests may hold */
	unsigned int nout;
	struct outst out[1024];
	struct hist hist[HIST];
	unsigned int hist_n, hist_pos;
};

static struct ctx ctxs[NCTX];
static uint64_t linger_closed;	/* the same, of closed contexts */

static struct fdent *fd_add(const char *name, int fd, enum fkind kind)
{
	struct fdent *f;

	if (nfds == MAX_FDS)
		die("too many fds");
	f = &fds[nfds++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->fd = fd;
	f->kind = kind;
	f->dev = -1;
	f->acc = -1;
	return f;
}

/* What the number @fd is to the fuzzer right now; NULL: not open. */
static const struct fdent *fd_lookup(int fd)
{
	static struct fdent zent[NCTX];
	int i;

	for (i = 0; i < NCTX; i++) {
		if (ctxs[i].fd >= 0 && ctxs[i].fd == fd) {
			snprintf(zent[i].name, sizeof(zent[i].name), "zcio%d", i);
			zent[i].fd = fd;
			zent[i].kind = FK_ZCIO;
			return &zent[i];
		}
	}
	for (i = 0; i < nfds; i++)
		if (fds[i].fd == fd && fds[i].kind != FK_CLOSED &&
		    fds[i].kind != FK_NUM && fds[i].kind != FK_ZCIO)
			return &fds[i];
	return NULL;
}

static const char *fmt_fd(char *buf, size_t len, int fd)
{
	const struct fdent *f = fd_lookup(fd);
	int i;

	if (f) {
		snprintf(buf, len, "%s", f->name);
		return buf;
	}
	for (i = 0; i < nfds; i++)
		if (fds[i].fd == fd && fds[i].kind == FK_CLOSED) {
			snprintf(buf, len, "%s", fds[i].name);
			return buf;
		}
	snprintf(buf, len, "%d", fd);
	return buf;
}

static bool acc_reads(int acc)
{
	return acc == O_RDONLY || acc == O_RDWR;
}

static bool acc_writes(int acc)
{
	return acc == O_WRONLY || acc == O_RDWR;
}

static const char *const acc_name[] = { "ro", "wo", "rw" };

static bool sysfs_u64(const struct dev *d, const char *attr, uint64_t *v)
{
	char path[128], line[64];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/%s",
		 major(d->rdev), minor(d->rdev), attr);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (ok)
		*v = strtoull(line, NULL, 10);
	return ok;
}

static uint64_t sysfs_need(const struct dev *d, const char *attr)
{
	uint64_t v = 0;

	if (!sysfs_u64(d, attr, &v))
		die("%s: no queue/%s in sysfs", d->name, attr);
	return v;
}

static bool sysfs_zoned(const struct dev *d)
{
	char path[128], line[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/zoned",
		 major(d->rdev), minor(d->rdev));
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return line[0] && strncmp(line, "none", 4);
}

/* The device's limits, from the block ioctls and sysfs, not from zcio. */
static void dev_probe(struct dev *d)
{
	int fd = -1, i, ro = 0;
	unsigned int ssz = 0, psz = 0;

	for (i = 0; i < 3 && fd < 0; i++)
		fd = d->fd[i];
	if (fd < 0)
		die("%s: no fd to ask", d->name);
	if (ioctl(fd, BLKGETSIZE64, &d->size) || ioctl(fd, BLKSSZGET, &ssz) ||
	    ioctl(fd, BLKPBSZGET, &psz) || ioctl(fd, BLKROGET, &ro))
		die("%s: block ioctls: %s", d->name, strerror(errno));
	d->lbs = ssz;
	d->pbs = psz;
	d->ro = ro;
	d->dma = sysfs_need(d, "dma_alignment") + 1;
	d->max_segs = sysfs_need(d, "max_segments");
	d->max_sectors_bytes = sysfs_need(d, "max_sectors_kb") * KiB;
	d->max_hw_bytes = sysfs_need(d, "max_hw_sectors_kb") * KiB;
	d->poll = sysfs_need(d, "io_poll");
	d->rot = sysfs_need(d, "rotational");
	d->discard_max = sysfs_need(d, "discard_max_bytes");
	d->discard_gran = sysfs_need(d, "discard_granularity");
	d->wz_max = sysfs_need(d, "write_zeroes_max_bytes");
	d->zoned = sysfs_zoned(d);
	if (d->zoned) {
		d->zone = sysfs_need(d, "chunk_sectors") * 512;
		d->zappend = sysfs_need(d, "zone_append_max_bytes");
		if (!d->zone)
			die("%s: zoned without a zone size", d->name);
	}
}

static struct dev *dev_for(dev_t rdev, const char *path)
{
	const char *base = strrchr(path, '/');
	int i;

	for (i = 0; i < ndevs; i++)
		if (devs[i].rdev == rdev)
			return &devs[i];
	if (ndevs == MAX_DEVS)
		die("too many devices");
	snprintf(devs[ndevs].name, sizeof(devs[ndevs].name), "%s",
		 base ? base + 1 : path);
	devs[ndevs].rdev = rdev;
	for (i = 0; i < 3; i++)
		devs[ndevs].fd[i] = -1;
	return &devs[ndevs++];
}

static void dev_fd_add(struct dev *d, int fd, int acc)
{
	char name[48];

	if (d->fd[acc] >= 0)
		die("%s: two %s fds", d->name, acc_name[acc]);
	d->fd[acc] = fd;
	snprintf(name, sizeof(name), "%.31s:%s", d->name, acc_name[acc]);
	fd_add(name, fd, FK_BLK)->dev = d - devs;
	fds[nfds - 1].acc = acc;
}

static void dev_path_add(struct dev *d, const char *path)
{
	char name[48];
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return;
	snprintf(name, sizeof(name), "%.31s:path", d->name);
	fd_add(name, fd, FK_PATH)->dev = d - devs;
}

/* The path @fd was opened with, or false. */
static bool fd_path(int fd, char *path, size_t len)
{
	char link[64];
	ssize_t k;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	k = readlink(link, path, len - 1);
	if (k <= 0)
		return false;
	path[k] = 0;
	return true;
}

/* -d PATH or -d FD. */
static void dev_arg(const char *spec)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	char path[PATH_MAX];
	struct stat st;
	struct dev *d;
	unsigned int i;
	char *end;
	long n;
	int fd;

	n = strtol(spec, &end, 10);
	if (*spec && !*end) {
		fd = n;
		if (fstat(fd, &st) || !S_ISBLK(st.st_mode))
			die("-d %s: fd %d is not an open block device", spec, fd);
		if (!fd_path(fd, path, sizeof(path)))
			die("-d %s: no path for fd %d: %s", spec, fd,
			    strerror(errno));
		d = dev_for(st.st_rdev, path);
		dev_fd_add(d, fd, fcntl(fd, F_GETFL) & O_ACCMODE);
		return;
	}
	if (stat(spec, &st) || !S_ISBLK(st.st_mode))
		die("-d %s: not a block device", spec);
	d = dev_for(st.st_rdev, spec);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		fd = open(spec, modes[i] | O_CLOEXEC);
		if (fd >= 0)
			dev_fd_add(d, fd, modes[i]);
		else if (errno != EACCES && errno != EROFS && errno != EPERM)
			die("open %s: %s", spec, strerror(errno));
	}
}

static void fds_init(void)
{
	int p[2], i, fd;

	for (i = 0; i < ndevs; i++) {
		char path[PATH_MAX];
		int j, dfd = -1;

		for (j = 0; j < 3 && dfd < 0; j++)
			dfd = devs[i].fd[j];
		if (dfd < 0)
			die("%s: could open it in no mode", devs[i].name);
		if (fd_path(dfd, path, sizeof(path)))
			dev_path_add(&devs[i], path);
		dev_probe(&devs[i]);
	}
	fd_add("file", file_fd, FK_FILE)->acc = O_RDWR;
	if (pipe2(p, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	fd_add("pipe:r", p[0], FK_PIPE);
	fd_add("pipe:w", p[1], FK_PIPE);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("/dev/null: %s", strerror(errno));
	fd_add("null", fd, FK_NULL);
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("/: %s", strerror(errno));
	fd_add("dir", fd, FK_DIR);
	fd_add("zcio", -1, FK_ZCIO);
	/* Above everything we open: the lowest free number is taken first. */
	for (closed_fd = 1000; closed_fd < 2000; closed_fd++)
		if (fcntl(closed_fd, F_GETFD) < 0 && errno == EBADF)
			break;
	fd_add("closed", closed_fd, FK_CLOSED);
	fd_add("-1", -1, FK_NUM);
	fd_add("INT_MIN", INT_MIN, FK_NUM);
	fd_add("INT_MAX", INT_MAX, FK_NUM);
	fd_add("65536", 65536, FK_NUM);
	fd_add("1<<30", 1 << 30, FK_NUM);
}

static int zcio_open_fd(void)
{
	int fd;

	if (dry_run)
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	fd = open(zcio_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", zcio_path, strerror(errno));
	return fd;
}

/* ---- predictions ------------------------------------------------------------ */

static void p_err(struct pred *p, int e, const char *why)
{
	memset(p, 0, sizeof(*p));
	p->known = true;
	es_add(&p->errs, e);
	p->why = why;
}

static void p_ok(struct pred *p, int64_t lo, int64_t hi, const char *why)
{
	memset(p, 0, sizeof(*p));
	p->known = true;
	p->ok = true;
	p->lo = lo;
	p->hi = hi;
	p->why = why;
}

static void p_unknown(struct pred *p, const char *why)
{
	memset(p, 0, sizeof(*p));
	p->why = why;
}

static bool op_is_data(unsigned int op)
{
	return op == ZCIO_OP_READ || op == ZCIO_OP_WRITE;
}

#define DATA_FLAGS	(ZCIO_IO_FIXED | ZCIO_IO_HIPRI | ZCIO_IO_NOMERGE | \
			 ZCIO_IO_SYNC | ZCIO_IO_IDLE | ZCIO_IO_META | \
			 ZCIO_IO_NOPLUG)
#define WRITE_FLAGS	(DATA_FLAGS | ZCIO_IO_FUA | ZCIO_IO_PREFLUSH | \
			 ZCIO_IO_EXACT)

/* Step 3's table (and docs/ops.md: zone append takes FUA). */
static uint32_t op_flags(unsigned int op)
{
	switch (op) {
	case ZCIO_OP_READ:
		return DATA_FLAGS;
	case ZCIO_OP_WRITE:
		return WRITE_FLAGS;
	case ZCIO_OP_WRITE_ZEROES:
		return ZCIO_IO_NOUNMAP;
	case ZCIO_OP_ZONE_APPEND:
		return ZCIO_IO_FUA;
	default:
		return 0;
	}
}

/* Steps 2-5a of the validation order: 0 or the errno. */
static int check_fields(const struct zcio_io *io, const char **why)
{
	unsigned int cls = io->ioprio >> 13, lvl = io->ioprio & 0x1fff;
	bool valid;

	*why = "step 2: unknown op";
	if (io->op > ZCIO_OP_ZONE_FINISH)
		return EINVAL;
	*why = "step 3: a flag the op does not take";
	if (io->flags & ~op_flags(io->op))
		return EINVAL;
	*why = "step 4: buf_index without FIXED";
	if (io->buf_index && !(io->flags & ZCIO_IO_FIXED))
		return EINVAL;
	*why = "step 5: pad or resv";
	if (io->pad || io->resv)
		return EINVAL;
	*why = "step 5: ioprio or bio_bytes on a non-data op";
	if (!op_is_data(io->op) && (io->ioprio || io->bio_bytes))
		return EINVAL;
	switch (cls) {
	case 1:		/* RT */
	case 2:		/* BE */
		valid = lvl < 8;
		break;
	case 3:		/* IDLE */
	case 0:		/* NONE */
		valid = !lvl;
		break;
	default:
		valid = false;
	}
	/* the real-time class's capability before its level, as ioprio_set(2) */
	*why = "step 5a: real-time ioprio without CAP_SYS_NICE";
	if (cls == 1 && !cap_nice)
		return EPERM;
	*why = "step 5b: ioprio class or level";
	if (!valid)
		return EINVAL;
	return 0;
}

static uint64_t span_pages(uint64_t addr, uint64_t len)
{
	return ((addr % PAGE) + len + PAGE - 1) / PAGE;
}

/*
 * What happens to a read or write that passed validation: @clen bytes at
 * @uaddr (user memory) or from a registered buffer.
 */
static void predict_transfer(const struct zcio_io *io, const struct dev *d,
			     uint64_t uaddr, uint64_t clen, bool sync,
			     struct pred *p)
{
	enum mstate ms = M_OK;

	if (!(io->flags & ZCIO_IO_FIXED))
		ms = mem_state(uaddr, clen, io->op == ZCIO_OP_READ);
	if (ms == M_UNKNOWN) {
		p_unknown(p, "buffer in memory the fuzzer does not know");
		return;
	}
	if (ms == M_BAD)
		p_err(p, EFAULT, "a page of the buffer cannot be pinned");
	else
		p_ok(p, clen, clen, "passes validation");
	es_add(&p->errs, ENOMEM);
	if (d->zoned && io->op == ZCIO_OP_WRITE)
		es_add(&p->errs, EIO);	/* not at the write pointer */
	/*
	 * An asynchronous request's polled bios progress only while a REAP
	 * polls them (docs/uapi.md): one the fuzzer does not wait for in
	 * time is ended by the driver's timeout.  A synchronous caller polls
	 * its own request, so there it is unexpected.
	 */
	if (!sync && d->poll && (io->flags & ZCIO_IO_HIPRI))
		es_add(&p->errs, ETIMEDOUT);
}

/* Steps 7-21: a read or write. */
static void predict_data(const struct ctx *c, const struct zcio_io *io,
			 bool sync, struct pred *p)
{
	const struct fdent *f = fd_lookup(io->fd);
	const struct dev *d;
	uint64_t uaddr, clen;

	if (!f || f->kind == FK_PATH)
		return p_err(p, EBADF, "step 7: fd not open");
	if (f->kind != FK_BLK)
		return p_err(p, ENOTBLK, "step 8: not a block device");
	d = &devs[f->dev];
	if (io->op == ZCIO_OP_READ && !acc_reads(f->acc))
		return p_err(p, EBADF, "step 9: fd not open for reading");
	if (io->op == ZCIO_OP_WRITE && !acc_writes(f->acc))
		return p_err(p, EBADF, "step 9: fd not open for writing");
	if (!io->len || io->len > ver0.max_io_bytes)
		return p_err(p, EINVAL, "step 10: len 0 or above max_io_bytes");
	if (io->addr + io->len < io->addr)
		return p_err(p, EINVAL, "step 11: addr + len wraps");
	if (io->offset > LLONG_MAX || io->len > LLONG_MAX - io->offset)
		return p_err(p, EINVAL, "step 12: offset + len above LLONG_MAX");
	if (io->flags & ZCIO_IO_FIXED) {
		const struct rbuf_m *b;

		if (!c || !c->has_set)
			return p_err(p, EINVAL, "step 13f: nothing registered");
		if (io->buf_index >= c->set_nr)
			return p_err(p, EINVAL, "step 14f: buf_index too big");
		b = &c->set[io->buf_index];
		if (io->addr > b->len || io->len > b->len - io->addr)
			return p_err(p, EINVAL, "step 15f: range not in the buffer");
		uaddr = b->addr + io->addr;
	} else {
		if (!user_ok(io->addr, io->len))
			return p_err(p, EFAULT, "step 13: access_ok");
		uaddr = io->addr;
	}
	if (io->op == ZCIO_OP_WRITE && d->ro)
		return p_err(p, EPERM, "step 16: read-only device");
	if (io->offset >= d->size) {
		if (io->op == ZCIO_OP_WRITE)
			return p_err(p, ENOSPC, "step 18: write at the end");
		return p_ok(p, 0, 0, "step 18: read at the end");
	}
	clen = min64(io->len, d->size - io->offset);
	if ((io->offset | clen) & (d->lbs - 1))
		return p_err(p, EINVAL, "step 20: offset or len not in blocks");
	if (io->bio_bytes & (d->lbs - 1))
		return p_err(p, EINVAL, "step 20b: bio_bytes not in blocks");
	if (uaddr & (d->dma - 1))
		return p_err(p, EINVAL, "step 21: dma alignment");
	predict_transfer(io, d, uaddr, clen, sync, p);
}

/* Zone append (docs/ops.md, blk/zone.c). */
static void predict_append(const struct zcio_io *io, struct pred *p)
{
	const struct fdent *f = fd_lookup(io->fd);
	const struct dev *d;
	uint64_t pages, hi;

	if (!f || f->kind == FK_PATH)
		return p_err(p, EBADF, "append: fd not open");
	if (f->kind != FK_BLK)
		return p_err(p, ENOTBLK, "append: not a block device");
	d = &devs[f->dev];
	if (!acc_writes(f->acc))
		return p_err(p, EBADF, "append: fd not open for writing");
	if (!d->zoned)
		return p_err(p, EOPNOTSUPP, "append: device not zoned");
	if (d->ro)
		return p_err(p, EPERM, "append: read-only device");
	if (io->buf_index || !io->len || io->len > d->zappend ||
	    io->len > d->zone)
		return p_err(p, EINVAL, "append: len");
	if (io->offset % d->zone || io->offset >= d->size)
		return p_err(p, EINVAL, "append: offset not a zone start");
	if ((io->offset | io->len) & (d->lbs - 1))
		return p_err(p, EINVAL, "append: not in blocks");
	if (io->addr & (d->dma - 1))
		return p_err(p, EINVAL, "append: dma alignment");
	if (!user_ok(io->addr, io->len))
		return p_err(p, EFAULT, "append: access_ok");
	pages = span_pages(io->addr, io->len);
	if (pages > 256 || pages > d->max_segs)
		return p_err(p, EINVAL, "append: more pages than one bio takes");
	switch (mem_state(io->addr, io->len, false)) {
	case M_UNKNOWN:
		return p_unknown(p, "append: unknown memory");
	case M_BAD:
		p_err(p, EFAULT, "append: a page cannot be pinned");
		break;
	default:
		hi = min64(io->offset + d->zone, d->size) - io->len;
		p_ok(p, io->offset, hi, "append: lands in the zone");
	}
	es_add(&p->errs, EIO);		/* a full zone */
	es_add(&p->errs, ENOMEM);
}

/* Steps n1-n10 (docs/uapi.md) and the zone management operations. */
static void predict_nondata(const struct zcio_io *io, struct pred *p)
{
	const struct fdent *f = fd_lookup(io->fd);
	const struct dev *d;
	bool maybe_unsupported = false;
	uint64_t align;

	if (!f || f->kind == FK_PATH)
		return p_err(p, EBADF, "n1: fd not open");
	if (f->kind != FK_BLK)
		return p_err(p, ENOTBLK, "n2: not a block device");
	d = &devs[f->dev];
	if (!acc_writes(f->acc))
		return p_err(p, EBADF, "n3: fd not open for writing");
	if (io->op != ZCIO_OP_FLUSH && d->ro)
		return p_err(p, EPERM, "n4: read-only device");
	switch (io->op) {
	case ZCIO_OP_DISCARD:
		if (!d->discard_max)
			return p_err(p, EOPNOTSUPP, "n6: no discard");
		break;
	case ZCIO_OP_SECURE_ERASE:
		/* sysfs does not say (6.1): either */
		maybe_unsupported = true;
		break;
	case ZCIO_OP_WRITE_ZEROES:
		if (!d->wz_max)
			return p_err(p, EOPNOTSUPP, "n6: no write zeroes");
		break;
	case ZCIO_OP_FLUSH:
		break;
	default:
		if (!d->zoned)
			return p_err(p, EOPNOTSUPP, "n6: device not zoned");
	}
	if (io->addr || io->buf_index) {
		p_err(p, EINVAL, "n7: addr or buf_index");
	} else if (io->op == ZCIO_OP_FLUSH) {
		if (io->len || io->offset)
			p_err(p, EINVAL, "n8: flush with a range");
		else
			p_ok(p, 0, 0, "flush");
	} else if (io->op >= ZCIO_OP_ZONE_RESET) {
		if (!io->len || io->offset > d->size ||
		    io->len > d->size - io->offset || io->offset % d->zone ||
		    (io->len % d->zone && io->offset + io->len != d->size))
			p_err(p, EINVAL, "zone range");
		else
			p_ok(p, io->len, io->len, "zone management");
	} else {
		align = d->lbs;
		if (io->op == ZCIO_OP_DISCARD)
			align = max64(align, d->discard_gran);
		if (!io->len || io->offset % align || io->len % align)
			p_err(p, EINVAL, "n9: range not aligned");
		else if (io->offset > d->size || io->len > d->size - io->offset)
			p_err(p, EINVAL, "n10: range outside the device");
		else
			p_ok(p, io->len, io->len, "non-data op");
	}
	if (maybe_unsupported)
		es_add(&p->errs, EOPNOTSUPP);
	es_add(&p->errs, EIO);
	es_add(&p->errs, ENOMEM);
	if (p->ok)
		es_add(&p->errs, EOPNOTSUPP);	/* the device refused it */
}

/*
 * ZCIO_IOC_IO (@sync, the structure read from @arg) or one ZCIO_IOC_SUBMIT
 * entry: the outcome the documented validation order gives.
 */
static void predict_io(const struct ctx *c, const struct zcio_io *io,
		       bool sync, uint64_t arg, struct pred *p)
{
	const char *why;
	int e = check_fields(io, &why);

	if (e)
		return p_err(p, e, why);
	if (sync && mem_state(arg + offsetof(struct zcio_io, result), 8,
			      true) != M_OK)
		return p_err(p, EFAULT, "step 6: result not writable");
	if (!sync && !op_is_data(io->op))
		return p_err(p, EINVAL, "SUBMIT: not a read or write");
	if (op_is_data(io->op))
		return predict_data(c, io, sync, p);
	if (io->op == ZCIO_OP_ZONE_APPEND)
		return predict_append(io, p);
	predict_nondata(io, p);
}

static bool pred_match(const struct pred *p, bool failed, int err, int64_t val)
{
	if (!p->known)
		return true;
	if (failed)
		return es_has(&p->errs, err);
	return p->ok && val >= p->lo && val <= p->hi;
}

static const char *fmt_pred(char *buf, size_t len, const struct pred *p)
{
	size_t n = 0;
	int e;

	buf[0] = 0;
	if (!p->known) {
		snprintf(buf, len, "anything documented (%s)", p->why);
		return buf;
	}
	if (p->ok) {
		if (p->lo == p->hi)
			n += snprintf(buf + n, len - n, "%" PRId64, p->lo);
		else
			n += snprintf(buf + n, len - n, "%" PRId64 "..%" PRId64,
				      p->lo, p->hi);
	}
	for (e = 1; e < NERR && n < len; e++)
		if (es_has(&p->errs, e))
			n += snprintf(buf + n, len - n, "%s%s", n ? "|" : "",
				      errname(e));
	if (n < len)
		snprintf(buf + n, len - n, " (%s)", p->why);
	return buf;
}

/* ---- the current call -------------------------------------------------------- */

struct call {
	enum kind kind;
	const char *label;	/* "#N", "end" */
	unsigned int cmd;
	int ctx;		/* -1: the ioctl goes to a closed fd */
	int zfd;
	uint64_t arg;
	union {
		struct zcio_io io;
		struct zcio_devinfo di;
		struct zcio_submit sub;
		struct zcio_reap reap;
		struct zcio_register reg;
	} u;
	struct zcio_io ents[MAX_DISTINCT];
	unsigned int nents;
	struct zcio_buf bufs[MAX_DISTINCT_BUFS];
	unsigned int nbufs;
	struct pred pred;
};

static struct call cur;
static uint64_t call_no;
static uint64_t tag_serial;
static char desc_buf[DESC_LEN];
static bool desc_done;

/* Counters. */
static uint64_t ncalls[K_NR], nok[K_NR], nerr[K_NR][NERR];
static double tsum[K_NR], tmax[K_NR];
static uint64_t nunexpected, nreported, nundoc, nmispredict, nreopen;
static uint64_t nevents, nslow;

static volatile sig_atomic_t alarms;	/* SIGALRM ticks so far */
static volatile sig_atomic_t in_call;
static volatile uint64_t wd_last;
static volatile int wd_ticks;

static int fmt_io(char *buf, size_t len, const struct zcio_io *io)
{
	char a[48], f[48];

	return snprintf(buf, len,
			"{op=%u flags=%#x fd=%s addr=%s len=%#" PRIx64
			" off=%#" PRIx64 " tag=%#" PRIx64 " ioprio=%#x buf=%u"
			" pad=%u resv=%#x bb=%#x}", io->op, io->flags,
			fmt_fd(f, sizeof(f), io->fd),
			io->flags & ZCIO_IO_FIXED ?
			(snprintf(a, sizeof(a), "%#" PRIx64, (uint64_t)io->addr), a) :
			fmt_addr(a, sizeof(a), io->addr),
			(uint64_t)io->len, (uint64_t)io->offset, (uint64_t)io->tag,
			io->ioprio, io->buf_index, io->pad, io->resv,
			io->bio_bytes);
}

static const char *call_desc(void)
{
	char a[48], b[48];
	size_t n = 0, len = sizeof(desc_buf);
	unsigned int i;
	char *s = desc_buf;

	if (desc_done)
		return desc_buf;
	desc_done = true;
	if (cur.ctx >= 0)
		n += snprintf(s + n, len - n, "%s ctx%d ", cur.label, cur.ctx);
	else
		n += snprintf(s + n, len - n, "%s closed ", cur.label);
	fmt_addr(a, sizeof(a), cur.arg);
	switch (cur.kind) {
	case K_IO:
		n += snprintf(s + n, len - n, "IO arg=%s ", a);
		fmt_io(s + n, len - n, &cur.u.io);
		break;
	case K_SUBMIT:
		n += snprintf(s + n, len - n,
			      "SUBMIT arg=%s {ios=%s nr=%u flags=%#x resv=%#" PRIx64
			      ",%#" PRIx64 "}", a,
			      fmt_addr(b, sizeof(b), cur.u.sub.ios), cur.u.sub.nr,
			      cur.u.sub.flags, (uint64_t)cur.u.sub.resv[0],
			      (uint64_t)cur.u.sub.resv[1]);
		for (i = 0; i < cur.nents && n < len; i++) {
			n += snprintf(s + n, len - n, " ");
			if (n < len)
				n += fmt_io(s + n, len - n, &cur.ents[i]);
		}
		break;
	case K_REAP:
		snprintf(s + n, len - n,
			 "REAP arg=%s {events=%s min=%u max=%u timeout=%" PRId64
			 " flags=%#x pad=%#x resv=%#" PRIx64 ",%#" PRIx64 "}", a,
			 fmt_addr(b, sizeof(b), cur.u.reap.events),
			 cur.u.reap.min_nr, cur.u.reap.max_nr,
			 (int64_t)cur.u.reap.timeout_ns, cur.u.reap.flags,
			 cur.u.reap.pad, (uint64_t)cur.u.reap.resv[0],
			 (uint64_t)cur.u.reap.resv[1]);
		break;
	case K_REGISTER:
		n += snprintf(s + n, len - n,
			      "REGISTER arg=%s {bufs=%s nr=%u flags=%#x resv=%#" PRIx64
			      ",%#" PRIx64 "}", a,
			      fmt_addr(b, sizeof(b), cur.u.reg.bufs), cur.u.reg.nr,
			      cur.u.reg.flags, (uint64_t)cur.u.reg.resv[0],
			      (uint64_t)cur.u.reg.resv[1]);
		for (i = 0; i < cur.nbufs && n < len; i++)
			n += snprintf(s + n, len - n, " {%s %#" PRIx64 "}",
				      fmt_addr(b, sizeof(b), cur.bufs[i].addr),
				      (uint64_t)cur.bufs[i].len);
		break;
	case K_DEVINFO:
		snprintf(s + n, len - n,
			 "DEVINFO arg=%s {fd=%s flags=%#x pad=%#x resv=%#" PRIx64
			 ",%#" PRIx64 ",%#" PRIx64 "}", a,
			 fmt_fd(b, sizeof(b), cur.u.di.fd), cur.u.di.flags,
			 cur.u.di.pad, (uint64_t)cur.u.di.resv[0],
			 (uint64_t)cur.u.di.resv[1], (uint64_t)cur.u.di.resv[2]);
		break;
	case K_UNKNOWN:
		snprintf(s + n, len - n, "IOCTL cmd=%#x arg=%s", cur.cmd, a);
		break;
	default:
		snprintf(s + n, len - n, "%s arg=%s", kind_name[cur.kind], a);
	}
	return desc_buf;
}

/* Unexpected results, grouped by kind: how many, which call first. */
struct ukind {
	char key[200];
	uint64_t n, first;
};

static struct ukind ukinds[48];
static int nukinds;

#define PER_KIND_REPORTS	3

/*
 * Count an unexpected result of the current call under @key (NULL: the
 * format) and print it: the first few of each kind, at most max_reports.
 */
static void __attribute__((format(printf, 2, 3)))
unexpected_k(const char *key, const char *fmt, ...)
{
	struct ukind *k = NULL;
	char text[1024];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!key)
		key = fmt;
	nunexpected++;
	for (i = 0; i < nukinds && !k; i++)
		if (!strcmp(ukinds[i].key, key))
			k = &ukinds[i];
	if (!k) {
		k = &ukinds[nukinds < (int)ARRAY_SIZE(ukinds) ? nukinds++ : nukinds - 1];
		if (!k->n) {
			snprintf(k->key, sizeof(k->key), "%s", key);
			k->first = call_no;
		}
	}
	k->n++;
	if (verbose)
		printf("!! UNEXPECTED: %s\n", text);
	if (k->n <= PER_KIND_REPORTS && nreported++ < (uint64_t)max_reports) {
		msg("UNEXPECTED", "%s", call_desc());
		fprintf(stderr, "    %s\n", text);
	}
}

#define unexpected(...)	unexpected_k(NULL, __VA_ARGS__)

static const char *fmt_outcome(char *buf, size_t len, long ret, int err)
{
	if (ret < 0)
		snprintf(buf, len, "-1 %s", errname(err));
	else
		snprintf(buf, len, "%ld", ret);
	return buf;
}

/*
 * The two checks every outcome goes through: documented for the ioctl
 * (@k), and what the validation order predicted.  @val is the success
 * value the prediction talks about.
 */
static void check_outcome(enum kind k, const struct pred *p, long ret, int err,
			  int64_t val, const char *what)
{
	char o[64], q[512];

	char key[200];

	if (ret < 0 && !es_has(&documented[k], err)) {
		nundoc++;
		snprintf(key, sizeof(key), "%s: %s is not documented",
			 kind_name[k], errname(err));
		unexpected_k(key, "%s%s: %s is not documented for %s", what,
			   fmt_outcome(o, sizeof(o), ret, err), errname(err),
			   kind_name[k]);
		return;
	}
	if (!pred_match(p, ret < 0, err, val)) {
		nmispredict++;
		if (ret >= 0)
			snprintf(o, sizeof(o), "%" PRId64, val);
		else
			fmt_outcome(o, sizeof(o), ret, err);
		snprintf(key, sizeof(key), "%s: %s where the order gives %s",
			 kind_name[k], ret < 0 ? errname(err) : "success",
			 p->why);
		unexpected_k(key, "%s%s, but the documented order gives %s", what, o,
			   fmt_pred(q, sizeof(q), p));
	}
}

/* ---- generators ----------------------------------------------------------------- */

static const struct dev *any_dev(void)
{
	static const struct dev none = {
		.name = "none", .size = 64 * MiB, .lbs = 512, .dma = 512,
	};

	return ndevs ? &devs[below(ndevs)] : &none;
}

static uint64_t gen_len(uint32_t lbs)
{
	static const uint64_t big[] = { MiB, MiB + 512, 2 * MiB, 4 * MiB,
					4 * MiB + PAGE, 3 * MiB };
	uint64_t junk[] = {
		0, 1, lbs - 1, lbs + 1, 511, 513, 4095, 4097, 32 * KiB + 1,
		ver0.max_io_bytes, ver0.max_io_bytes - PAGE,
		ver0.max_io_bytes + 1ULL, ver0.max_io_bytes + PAGE, INT_MAX,
		UINT32_MAX, 1ULL << 32, LLONG_MAX, ULLONG_MAX, 1ULL << 63,
		rnd(), 1ULL << 31,
	};
	unsigned int r = below(100);

	if (r < 45)
		return lbs * (1 + below(16));
	if (r < 58)
		return PAGE * (1 + below(10));	/* around the fast path's 8 */
	if (r < 70)
		return lbs * (1 + below(512));
	if (r < 76)
		return PICK(big);
	return PICK(junk);
}

static uint64_t gen_off(const struct dev *d, uint64_t len)
{
	uint64_t lbs = d->lbs, size = d->size, r64 = rnd();
	uint64_t junk[] = {
		1, 511, lbs - 1, LLONG_MAX, LLONG_MAX - len, LLONG_MAX - len + 1,
		ULLONG_MAX, 1ULL << 63, r64, r64 % (2 * size) / lbs * lbs,
		size - 1, size + 1,
	};
	unsigned int r = below(100);

	if (d->zoned && r < 25)
		return below(size / d->zone + 1) * d->zone;
	if (r < 50)
		return below(size / PAGE) * PAGE;
	if (r < 55)
		return 0;
	if (r < 60)
		return below(size / lbs) * lbs;
	if (r < 72) {
		uint64_t near[] = { size - lbs * (1 + r64 % 4), size,
				    size + lbs, size - PAGE,
				    len < size ? (size - len) / lbs * lbs : 0,
				    size - 2 * len };
		return PICK(near);
	}
	return PICK(junk);
}

/* An offset into @r for @len bytes: inside, across the end, misaligned. */
static uint64_t gen_off_in(const struct region *r, uint64_t len,
			   uint32_t align)
{
	static const uint64_t odd[] = { 1, 8, 64, 511, 513, 4095, 4097 };
	uint64_t size = RSIZE(r), a, k;

	switch (below(10)) {
	case 0:
		return 0;
	case 1:	/* crosses the end */
		k = 512 * (1 + below(8));
		return k < size ? size - k : 0;
	case 2:
		return below(size);
	case 3:
		return min64(PICK(odd), size - 1);
	default:
		a = PICK(((const uint64_t[]){ align, 512, PAGE, PAGE, PAGE,
					      HUGE_ALIGN }));
		if (!a || len >= size)
			return 0;
		return below((size - len) / a + 1) * a;
	}
}

/* A user address for @len bytes of data. */
static uint64_t gen_addr(uint64_t len, uint32_t align)
{
	static const int where[] = {
		R_RW, R_RW, R_RW, R_RW, R_RW, R_RW, R_RW, R_RW, R_RW, R_RW,
		R_RW2, R_RW2, R_HUGE, R_HUGE, R_HUGE, R_SHM, R_SHM, R_PRIV,
		R_PRIV, R_RO, R_RO, R_NONE, R_H3,
	};
	const struct region *r;
	uint64_t r64;

	if (pct(90)) {
		r = REG(PICK(where));
		return r->start + gen_off_in(r, len, align);
	}
	r64 = rnd();
	{
		uint64_t bad[] = {
			0, 1, 512, 0x800, KERNEL_ADDR,
			KERNEL_ADDR + r64 % 64 * PAGE, VSYSCALL_ADDR,
			1ULL << 47, (1ULL << 47) - PAGE, 1ULL << 63,
			task_size - min64(len, task_size) / 2 / 512 * 512,
			ULLONG_MAX - r64 % (len | 1) / 512 * 512,
			ULLONG_MAX - 511, task_size,
		};

		return PICK(bad);
	}
}

/* Where an ioctl structure of @size bytes goes. */
static uint64_t gen_argloc(uint64_t size)
{
	const struct region *arg = REG(R_ARG), *ro = REG(R_ARGRO);
	const struct region *none = REG(R_ARGNONE), *arg2 = REG(R_ARG2);
	uint64_t span = RSIZE(arg), k = 1 + below(size > 1 ? size - 1 : 1);
	unsigned int r = below(100);

	if (r < 80)
		return arg->start + (size < span ? below((span - size) / 8 + 1) * 8 : 0);
	if (r < 83)
		return arg->start + 1 + below(span / 2);	/* misaligned */
	switch (below(12)) {
	case 0:
		return 0;
	case 1:
		return PICK(((const uint64_t[]){ 1, 8, 0x800, 0xff8 }));
	case 2:
		return KERNEL_ADDR + below(16) * PAGE;
	case 3:
		return VSYSCALL_ADDR;
	case 4:
		return PICK(((const uint64_t[]){ 1ULL << 63, 1ULL << 47 }));
	case 5:	/* across the end of user space: access_ok() refuses */
		return task_size - k;
	case 6:
		return ro->start + below(RSIZE(ro) / 8) * 8;
	case 7:
		return none->start + below(RSIZE(none) / 8) * 8;
	case 8:
		return REG(R_H1)->start + below(RSIZE(REG(R_H1)) / 8) * 8;
	case 9:	/* runs from writable into read-only memory */
		return arg->end - k;
	case 10: /* from read-only into PROT_NONE */
		return ro->end - k;
	default: /* into a hole */
		return arg2->end - k;
	}
}

/* [a, a + an) and [b, b + bn) overlap (no wrap-around arithmetic). */
static bool overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a >= b ? a - b < bn : b - a < an;
}

/*
 * Where the structure of @size bytes goes that points to an array at
 * [@in, @in + @in_size): not on top of the array.
 */
static uint64_t gen_outer(uint64_t size, uint64_t in, uint64_t in_size)
{
	const struct region *arg2 = REG(R_ARG2);
	uint64_t a = gen_argloc(size);

	if (!overlaps(a, size, in, in_size))
		return a;
	if (overlaps(arg2->start, size, in, in_size))
		return REG(R_ARG)->start;
	return arg2->start;
}

static int gen_fd(unsigned int op)
{
	static const enum fkind other[] = {
		FK_PATH, FK_CLOSED, FK_FILE, FK_PIPE, FK_NULL, FK_ZCIO, FK_DIR,
		FK_NUM, FK_NUM,
	};
	enum fkind k;
	int i, n, acc;
	const struct dev *d;

	if (ndevs && pct(85)) {
		d = &devs[below(ndevs)];
		/* Mostly a mode the op can use. */
		acc = below(3);
		if (pct(60) && op == ZCIO_OP_READ && d->fd[O_RDONLY] >= 0)
			acc = pct(50) ? O_RDONLY : O_RDWR;
		else if (pct(60) && op != ZCIO_OP_READ)
			acc = pct(50) ? O_WRONLY : O_RDWR;
		for (i = 0; i < 3 && d->fd[acc] < 0; i++)
			acc = (acc + 1) % 3;
		return d->fd[acc];
	}
	k = PICK(other);
	if (k == FK_ZCIO)
		return ctxs[below(NCTX)].fd;
	n = 0;
	for (i = 0; i < nfds; i++)
		n += fds[i].kind == k;
	n = below(n);
	for (i = 0; i < nfds; i++)
		if (fds[i].kind == k && !n--)
			return fds[i].fd;
	return -1;
}

static uint16_t gen_ioprio(void)
{
	unsigned int r = below(100);

	if (r < 70)
		return 0;
	if (r < 88)
		return below(4) << 13 | below(8);
	return rnd();
}

static uint32_t gen_flags(unsigned int op)
{
	uint32_t valid = op_flags(op), f = 0;
	unsigned int r = below(100), b;

	if (r < 40)
		return op_is_data(op) && pct(25) ? ZCIO_IO_FIXED : 0;
	if (r < 82) {
		for (b = 0; b < 11; b++)
			if ((valid & (1U << b)) && pct(30))
				f |= 1U << b;
		return f;
	}
	if (r < 92)
		return 1U << below(32);
	return rnd();
}

static unsigned int gen_op(void)
{
	unsigned int r = below(100);

	if (r < 40)
		return ZCIO_OP_READ;
	if (r < 70)
		return ZCIO_OP_WRITE;
	if (r < 80)
		return 2 + below(4);
	if (r < 88)
		return 6 + below(5);
	if (r < 96)
		return below(16);
	return below(256);
}

/*
 * A tag: the module never interprets it, the fuzzer matches events to
 * entries by it.  Mostly unique (a serial number, alone or in the top
 * bits, or subtracted from UINT64_MAX); sometimes 0, 1, UINT64_MAX or
 * random, which entries then share: their events are told apart by their
 * results.
 */
static uint64_t gen_tag(void)
{
	unsigned int r = below(100);

	if (r < 70)
		return ++tag_serial;
	if (r < 80)
		return ULLONG_MAX - ++tag_serial;
	if (r < 90)
		return ++tag_serial << 40;
	if (r < 95)
		return ++tag_serial | 1ULL << 63;
	return PICK(((const uint64_t[]){ 0, 1, ULLONG_MAX, rnd() }));
}

/* One struct zcio_io with random and boundary values in every field. */
static void gen_io(struct zcio_io *io)
{
	const struct fdent *f;
	const struct dev *d;
	static const uint32_t bad_bb[] = { 1, 511, UINT32_MAX, 256 * PAGE, 513 };
	static const uint32_t bad_idx[] = { 1023, 1024, UINT32_MAX, 7 };

	memset(io, 0, sizeof(*io));
	io->op = gen_op();
	io->fd = gen_fd(io->op);
	f = fd_lookup(io->fd);
	d = f && f->kind == FK_BLK ? &devs[f->dev] : any_dev();
	io->flags = gen_flags(io->op);
	if (no_hipri)		/* -H: the same draws, without the flag */
		io->flags &= ~ZCIO_IO_HIPRI;
	io->len = gen_len(d->lbs);
	io->offset = gen_off(d, io->len);
	if (io->flags & ZCIO_IO_FIXED) {
		static const uint64_t foff[] = { 0, 0, 0, 512, PAGE, 8 * KiB,
						 64 * KiB, 1, 2 * MiB, ULLONG_MAX };

		io->addr = pct(70) ? below(16) * PAGE : PICK(foff);
		io->buf_index = pct(85) ? below(4) : PICK(bad_idx);
	} else {
		if (!op_is_data(io->op) && io->op != ZCIO_OP_ZONE_APPEND &&
		    pct(85))
			io->addr = 0;
		else
			io->addr = gen_addr(io->len, d->dma);
		if (pct(3))
			io->buf_index = 1 + below(4);
	}
	if (io->op == ZCIO_OP_FLUSH && pct(60))
		io->len = io->offset = 0;
	io->tag = gen_tag();
	io->ioprio = gen_ioprio();
	if (!op_is_data(io->op) && pct(85))
		io->ioprio = 0;
	io->pad = pct(2) ? 1 + below(255) : 0;
	io->resv = pct(2) ? 1 + below(UINT32_MAX) : 0;
	io->result = rnd();
	if (pct(75) || !op_is_data(io->op))
		io->bio_bytes = pct(95) ? 0 : PICK(bad_bb);
	else
		io->bio_bytes = pct(70) ? d->lbs * (1 + below(16)) : PICK(bad_bb);
}

static uint64_t gen_resv(void)
{
	return pct(3) ? (pct(50) ? 1 : rnd()) : 0;
}

/* ---- running a call ---------------------------------------------------------- */

/*
 * The coarse clock: no clock source read (in a TCG guest that is an
 * emulated HPET access); a tick's resolution is enough here.
 */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void call_begin(enum kind k, int ctx, const char *label)
{
	memset(&cur, 0, sizeof(cur));
	cur.kind = k;
	cur.ctx = ctx;
	cur.zfd = ctx >= 0 ? ctxs[ctx].fd : closed_fd;
	cur.label = label;
	desc_done = false;
}

/* Issue the ioctl; count it; returns its return value, errno in *@err. */
static long call_run(int *err, int *sigs)
{
	long ret;
	double t0, dt;
	int a0 = alarms;

	if (verbose) {
		fputs(call_desc(), stdout);
		fflush(stdout);
	}
	t0 = now();
	in_call = 1;
	if (dry_run) {
		ret = -1;
		errno = ENOTTY;
	} else {
		ret = ioctl(cur.zfd, cur.cmd, (void *)(uintptr_t)cur.arg);
	}
	*err = ret < 0 ? errno : 0;
	in_call = 0;
	dt = now() - t0;
	*sigs = alarms - a0;
	ncalls[cur.kind]++;
	if (ret >= 0)
		nok[cur.kind]++;
	else if (*err < NERR)
		nerr[cur.kind][*err]++;
	tsum[cur.kind] += dt;
	if (dt > tmax[cur.kind])
		tmax[cur.kind] = dt;
	if (dt > 1 && nslow++ < (uint64_t)max_reports)
		msg("SLOW", "%.1f s: %s", dt, call_desc());
	if (dt > WATCHDOG_S)
		unexpected("the call took %.0f s", dt);
	return ret;
}

static void call_end(long ret, int err, const char *extra)
{
	char o[64];

	if (verbose)
		printf(" -> %s%s\n", fmt_outcome(o, sizeof(o), ret, err),
		       extra ? extra : "");
}

/* The prediction for an ioctl sent to a closed fd. */
static bool closed_target(struct pred *p)
{
	if (cur.ctx >= 0)
		return false;
	p_err(p, EBADF, "the /dev/zcio fd is closed");
	return true;
}

static void do_simple(enum kind k, int ctx, const char *label)
{
	struct pred p;
	long ret;
	int err, sigs;
	uint64_t size = k == K_VERSION ? sizeof(struct zcio_version) :
			sizeof(struct zcio_stats);
	union {
		struct zcio_version v;
		struct zcio_stats s;
	} out;

	call_begin(k, ctx, label);
	cur.cmd = k == K_VERSION ? ZCIO_IOC_VERSION : ZCIO_IOC_STATS;
	cur.arg = gen_argloc(size);
	memset(&out, 0xa5, sizeof(out));
	place(cur.arg, &out, size);
	if (!closed_target(&p)) {
		if (mem_state(cur.arg, size, true) == M_OK)
			p_ok(&p, 0, 0, "copy out");
		else
			p_err(&p, EFAULT, "structure not writable");
	}
	ret = call_run(&err, &sigs);
	if (dry_run)
		return call_end(ret, err, NULL);
	check_outcome(k, &p, ret, err, ret, "");
	if (k == K_VERSION && ret == 0) {
		if (!fetch(cur.arg, &out.v, size))
			unexpected("VERSION succeeded on memory it cannot write");
		else if (memcmp(&out.v, &ver0, sizeof(ver0)))
			unexpected("VERSION answer differs from the first one");
	}
	call_end(ret, err, NULL);
}

static void do_devinfo(int ctx, const char *label)
{
	struct zcio_devinfo *di = &cur.u.di, out;
	const struct fdent *f;
	const struct dev *d;
	struct pred p;
	long ret;
	int err, sigs;
	unsigned int i;
	uint32_t flags;

	call_begin(K_DEVINFO, ctx, label);
	cur.cmd = ZCIO_IOC_DEVINFO;
	cur.arg = gen_argloc(sizeof(*di));
	memset(di, 0, sizeof(*di));
	di->fd = gen_fd(ZCIO_OP_READ);
	di->flags = pct(3) ? 1U << below(32) : 0;
	di->pad = pct(3) ? rnd() : 0;
	for (i = 0; i < 3; i++)
		di->resv[i] = gen_resv();
	di->size = rnd();		/* ignored on input */
	di->dev_flags = rnd();
	place(cur.arg, di, sizeof(*di));
	f = fd_lookup(di->fd);
	if (closed_target(&p))
		;
	else if (mem_state(cur.arg, sizeof(*di), false) != M_OK)
		p_err(&p, EFAULT, "structure not readable");
	else if (di->flags || di->pad || di->resv[0] || di->resv[1] ||
		 di->resv[2])
		p_err(&p, EINVAL, "flags, pad or resv");
	else if (!f || f->kind == FK_PATH)
		p_err(&p, EBADF, "fd not open");
	else if (f->kind != FK_BLK)
		p_err(&p, ENOTBLK, "not a block device");
	else if (mem_state(cur.arg, sizeof(*di), true) != M_OK)
		p_err(&p, EFAULT, "structure not writable");
	else
		p_ok(&p, 0, 0, "devinfo");
	ret = call_run(&err, &sigs);
	if (dry_run)
		return call_end(ret, err, NULL);
	check_outcome(K_DEVINFO, &p, ret, err, ret, "");
	if (ret == 0 && f && f->kind == FK_BLK && fetch(cur.arg, &out, sizeof(out))) {
		d = &devs[f->dev];
		flags = (d->ro ? ZCIO_DEV_RDONLY : 0) |
			(acc_reads(f->acc) ? ZCIO_DEV_FD_READ : 0) |
			(acc_writes(f->acc) ? ZCIO_DEV_FD_WRITE : 0) |
			(d->rot ? ZCIO_DEV_ROTATIONAL : 0) |
			(d->poll ? ZCIO_DEV_POLL : 0);
		if (out.fd != di->fd || out.flags || out.pad || out.resv[0] ||
		    out.resv[1] || out.resv[2] || out.size != d->size ||
		    out.logical_block_size != d->lbs ||
		    out.physical_block_size != d->pbs ||
		    out.dma_alignment != d->dma ||
		    out.max_segments != d->max_segs ||
		    out.max_sectors_bytes / KiB * KiB != min64(d->max_sectors_bytes, UINT32_MAX / KiB * KiB) ||
		    out.max_hw_sectors_bytes / KiB * KiB != min64(d->max_hw_bytes, UINT32_MAX / KiB * KiB) ||
		    out.dev_flags != flags || out.dev_major != major(d->rdev) ||
		    out.dev_minor != minor(d->rdev))
			unexpected("DEVINFO of %s: fd %d flags %#x size %llu lbs %u pbs %u dma %u segs %u max %u/%u dev_flags %#x (want %#x) %u:%u",
				   d->name, out.fd, out.flags,
				   (unsigned long long)out.size,
				   out.logical_block_size,
				   out.physical_block_size, out.dma_alignment,
				   out.max_segments, out.max_sectors_bytes,
				   out.max_hw_sectors_bytes, out.dev_flags,
				   flags, out.dev_major, out.dev_minor);
	}
	call_end(ret, err, NULL);
}

static void do_io(int ctx, const char *label)
{
	struct zcio_io *io = &cur.u.io;
	struct pred p;
	int64_t result = 0;
	long ret;
	int err, sigs;
	char extra[64] = "";

	call_begin(K_IO, ctx, label);
	cur.cmd = ZCIO_IOC_IO;
	gen_io(io);
	cur.arg = gen_argloc(sizeof(*io));
	place(cur.arg, io, sizeof(*io));
	if (!closed_target(&p)) {
		if (mem_state(cur.arg, sizeof(*io), false) != M_OK)
			p_err(&p, EFAULT, "step 1: structure not readable");
		else
			predict_io(&ctxs[ctx], io, true, cur.arg, &p);
	}
	ret = call_run(&err, &sigs);
	if (dry_run)
		return call_end(ret, err, NULL);
	if (ret == 0) {
		if (!fetch(cur.arg + offsetof(struct zcio_io, result), &result,
			   sizeof(result)))
			unexpected("IO succeeded but its result is not readable");
		snprintf(extra, sizeof(extra), " result=%" PRId64, result);
	} else if (ret > 0) {
		unexpected("IO returned %ld", ret);
	}
	check_outcome(K_IO, &p, ret, err, result, "");
	call_end(ret, err, extra);
}

static struct pred sub_pred[1025];

/*
 * Entry @i of the current SUBMIT: the generated ones repeat, each repeat
 * with a tag of its own (spread out, so that it meets no other tag).
 */
static struct zcio_io sub_entry(unsigned int i)
{
	struct zcio_io e = cur.ents[i % cur.nents];

	e.tag += (uint64_t)(i / cur.nents) * 0x9e3779b97f4a7c15ULL;
	return e;
}

static void do_submit(int ctx, const char *label)
{
	struct zcio_submit *sub = &cur.u.sub;
	struct ctx *c = ctx >= 0 ? &ctxs[ctx] : NULL;
	static const uint32_t big[] = { 64, 100, 1024, 1025, 2000 };
	unsigned int i, nfill, taken = 0, stop = 0, r;
	uint64_t ea;
	struct pred p;
	long ret;
	int err, sigs;
	bool unknown = false;

	call_begin(K_SUBMIT, ctx, label);
	cur.cmd = ZCIO_IOC_SUBMIT;
	memset(sub, 0, sizeof(*sub));
	/* Big batches are slow under TCG (a request each): a few only. */
	r = below(100);
	if (r < 8)
		sub->nr = 0;
	else if (r < 11)
		sub->nr = PICK(big);
	else if (r < 14)
		sub->nr = pct(50) ? UINT32_MAX : rnd();
	else if (r < 40)
		sub->nr = 5 + below(12);
	else
		sub->nr = 1 + below(4);
	sub->flags = pct(3) ? 1U << below(32) : 0;
	sub->resv[0] = gen_resv();
	sub->resv[1] = gen_resv();
	cur.nents = min64(sub->nr, MAX_DISTINCT);
	for (i = 0; i < cur.nents; i++)
		gen_io(&cur.ents[i]);
	nfill = min64(sub->nr, 1025);
	sub->ios = gen_argloc(nfill * sizeof(struct zcio_io));
	for (i = 0; i < nfill; i++) {
		struct zcio_io e = sub_entry(i);

		place(sub->ios + i * sizeof(e), &e, sizeof(e));
	}
	cur.arg = gen_outer(sizeof(*sub), sub->ios,
			    nfill * sizeof(struct zcio_io));
	place(cur.arg, sub, sizeof(*sub));

	if (closed_target(&p)) {
		;
	} else if (mem_state(cur.arg, sizeof(*sub), false) != M_OK) {
		p_err(&p, EFAULT, "structure not readable");
	} else if (sub->flags || sub->resv[0] || sub->resv[1]) {
		p_err(&p, EINVAL, "flags or resv");
	} else {
		for (i = 0; i < sub->nr; i++) {
			struct zcio_io e;

			ea = sub->ios + (uint64_t)i * sizeof(e);
			if (ea < sub->ios) {
				stop = EFAULT;
				break;
			}
			switch (mem_state(ea, sizeof(e), false)) {
			case M_UNKNOWN:
				unknown = true;
				/* fall through */
			case M_BAD:
				stop = EFAULT;
				break;
			default:
				break;
			}
			if (stop)
				break;
			if (c->nout + taken >= ver0.max_inflight) {
				stop = EAGAIN;
				break;
			}
			if (i >= nfill)
				die("SUBMIT model: entry %u not written", i);
			e = sub_entry(i);
			predict_io(c, &e, false, 0, &sub_pred[taken++]);
		}
		if (unknown)
			p_unknown(&p, "entries in unknown memory");
		else if (taken || !sub->nr)
			p_ok(&p, taken, taken, "entries taken");
		else
			p_err(&p, stop, stop == EFAULT ? "first entry not readable" :
			      "context full");
	}
	ret = call_run(&err, &sigs);
	if (dry_run)
		return call_end(ret, err, NULL);
	check_outcome(K_SUBMIT, &p, ret, err, ret, "");
	if (ret > 0 && c) {
		unsigned int n = min64(ret, taken);

		if ((unsigned long)ret > sub->nr || c->nout + ret > ver0.max_inflight)
			unexpected("SUBMIT took %ld of %u with %u outstanding",
				   ret, sub->nr, c->nout);
		for (i = 0; i < n; i++) {
			struct zcio_io e = sub_entry(i);

			c->out[c->nout].tag = e.tag;
			c->out[c->nout].call = call_no;
			c->out[c->nout].io = e;
			c->out[c->nout].p = sub_pred[i];
			c->nout++;
		}
	}
	call_end(ret, err, NULL);
}

static bool ev_match(const struct pred *p, int32_t result)
{
	return pred_match(p, result < 0, result < 0 ? -result : 0, result);
}

/* Remember that @o's event carried @result (for a later re-assignment). */
static void hist_add(struct ctx *c, const struct outst *o, int32_t result)
{
	struct hist *h = &c->hist[c->hist_pos++ % HIST];

	h->o = *o;
	h->result = result;
	if (c->hist_n < HIST)
		c->hist_n++;
}

/*
 * Entries may share a tag, and a result may fit more than one of them
 * (ETIMEDOUT, ENOMEM): an earlier event may have been given to the wrong
 * one.  If an entry matched before fits @result and the outstanding entry
 * @i fits that earlier result, swap them.
 */
static bool reassign(struct ctx *c, unsigned int i, int32_t result)
{
	unsigned int k;

	for (k = 0; k < c->hist_n; k++) {
		struct hist *h = &c->hist[(c->hist_pos - 1 - k) % HIST];
		struct outst o;

		if (h->o.tag != c->out[i].tag || !ev_match(&h->o.p, result) ||
		    !ev_match(&c->out[i].p, h->result))
			continue;
		o = h->o;
		h->o = c->out[i];
		c->out[i] = o;
		return true;
	}
	return false;
}

/* Take the event @ev off @c's outstanding entries; check its result. */
static void event_check(struct ctx *c, const struct zcio_event *ev)
{
	unsigned int i, shared = 0;
	int first = -1;
	bool failed = ev->result < 0;
	int err = failed ? -ev->result : 0;
	char what[700];

	nevents++;
	if (ev->flags)
		unexpected("event tag %#llx has flags %#x",
			   (unsigned long long)ev->tag, ev->flags);
	for (i = 0; i < c->nout; i++) {
		if (c->out[i].tag != ev->tag)
			continue;
		if (first < 0)
			first = i;
		if (ev_match(&c->out[i].p, ev->result)) {
			first = i;
			break;
		}
	}
	if (first < 0) {
		unexpected("event tag %#llx result %d: no such entry outstanding",
			   (unsigned long long)ev->tag, ev->result);
		return;
	}
	for (i = first; i < c->nout && !ev_match(&c->out[first].p, ev->result);
	     i++)
		if (c->out[i].tag == ev->tag && reassign(c, i, ev->result))
			first = i;
	for (i = 0; i < c->nout; i++)
		shared += c->out[i].tag == ev->tag;
	{
		char e[512];

		fmt_io(e, sizeof(e), &c->out[first].io);
		snprintf(what, sizeof(what), "event tag %#llx (an entry of #%"
			 PRIu64 ": %s): ", (unsigned long long)ev->tag,
			 c->out[first].call, e);
	}
	/* Which of several entries with one tag failed is a guess. */
	check_outcome(shared > 1 ? K_EVENT_SHARED : K_EVENT,
		      &c->out[first].p, failed ? -1 : 0, err, ev->result, what);
	hist_add(c, &c->out[first], ev->result);
	c->out[first] = c->out[--c->nout];
}

static struct zcio_event evbuf[8192];

static long do_reap_args(int ctx, uint64_t events, uint32_t min_nr,
			 uint32_t max_nr, int64_t timeout, int *errp)
{
	struct zcio_reap *rp = &cur.u.reap;
	struct ctx *c = ctx >= 0 ? &ctxs[ctx] : NULL;
	struct pred p;
	uint64_t lo = 0, hi = 0, w;
	long ret;
	int err, sigs, i;
	bool waits;
	char extra[64] = "";

	rp->events = events;
	rp->min_nr = min_nr;
	rp->max_nr = max_nr;
	rp->timeout_ns = timeout;
	place(cur.arg, rp, sizeof(*rp));
	waits = min_nr && timeout;
	if (closed_target(&p)) {
		;
	} else if (mem_state(cur.arg, sizeof(*rp), false) != M_OK) {
		p_err(&p, EFAULT, "structure not readable");
	} else if (rp->flags || rp->pad || rp->resv[0] || rp->resv[1]) {
		p_err(&p, EINVAL, "flags, pad or resv");
	} else if (!max_nr || min_nr > max_nr) {
		p_err(&p, EINVAL, "max_nr 0 or min_nr > max_nr");
	} else if (!user_ok(events, (uint64_t)max_nr * 16)) {
		p_err(&p, EFAULT, "access_ok(events)");
	} else if (!c->nout) {
		p_ok(&p, 0, 0, "nothing outstanding");
	} else {
		hi = min64(max_nr, c->nout);
		if (waits && timeout < 0)
			lo = min64(min_nr, c->nout);
		w = writable_prefix(events, hi * 16) / 16;
		p_ok(&p, lo, hi, "events ready");
		if (w < hi) {
			p.lo = 0;
			p.hi = w;
			es_add(&p.errs, EFAULT);
			p.why = "events partly writable";
		}
	}
	ret = call_run(&err, &sigs);
	*errp = err;
	if (dry_run) {
		call_end(ret, err, NULL);
		return ret;
	}
	/* A signal (our watchdog tick) ends the wait early. */
	if (sigs && waits && c && c->nout && p.known && p.ok) {
		p.lo = 0;
		es_add(&p.errs, EINTR);
	}
	check_outcome(K_REAP, &p, ret, err, ret, "");
	if (ret > 0 && c) {
		snprintf(extra, sizeof(extra), " (%u outstanding before)", c->nout);
		if ((uint64_t)ret > c->nout || ret > (long)max_nr ||
		    !fetch(events, evbuf, min64(ret, ARRAY_SIZE(evbuf)) * 16)) {
			unexpected("REAP returned %ld events with %u outstanding",
				   ret, c->nout);
		} else {
			for (i = 0; i < ret; i++)
				event_check(c, &evbuf[i]);
		}
		if (!c->nout)
			c->linger = 0;
	}
	call_end(ret, err, extra);
	return ret;
}

static void do_reap(int ctx, const char *label)
{
	static const uint32_t min_big[] = { 32, 1024, 1025, UINT32_MAX };
	static const uint32_t max_big[] = { 1024, 1025, 4096, UINT32_MAX };
	static const int64_t tmo[] = {
		-1, -1, 0, 0, 1, 1000, 1000000, 10000000, 100000000, INT64_MAX,
		INT64_MIN, -2,
	};
	uint32_t min_nr, max_nr;
	int64_t timeout;
	uint64_t events;
	unsigned int r;
	int err;

	call_begin(K_REAP, ctx, label);
	cur.cmd = ZCIO_IOC_REAP;
	r = below(100);
	min_nr = r < 40 ? 0 : r < 70 ? 1 : r < 82 ? 2 + below(15) :
		 r < 97 ? PICK(min_big) : rnd();
	r = below(100);
	max_nr = r < 65 ? 1 + below(64) : r < 75 ? 0 : r < 97 ? PICK(max_big) :
		 rnd();
	timeout = pct(92) ? PICK(tmo) : (int64_t)rnd();
	events = gen_argloc(min64(max_nr, 4096) * 16);
	cur.u.reap.flags = pct(3) ? 1U << below(32) : 0;
	cur.u.reap.pad = pct(3) ? rnd() : 0;
	cur.u.reap.resv[0] = gen_resv();
	cur.u.reap.resv[1] = gen_resv();
	cur.arg = gen_outer(sizeof(struct zcio_reap), events,
			    min64(max_nr, 4096) * 16);
	do_reap_args(ctx, events, min_nr, max_nr, timeout, &err);
}

static uint64_t gen_buf_len(void)
{
	static const uint64_t sizes[] = { 2 * MiB, 4 * MiB, 256 * KiB, 64 * KiB };
	uint64_t junk[] = { 0, 1ULL << 30, (1ULL << 30) + 1, ULLONG_MAX,
			    1ULL << 40, rnd(), 3 * MiB };
	unsigned int r = below(100);

	if (r < 60)
		return PAGE * (1 + below(16));
	if (r < 75)
		return 1 + below(PAGE);
	if (r < 85)
		return PICK(sizes);
	return PICK(junk);
}

static uint64_t locked_known(void)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < NCTX; i++)
		if (ctxs[i].has_set)
			n += ctxs[i].set_pages;
	return n;
}

static uint64_t locked_maybe(void)
{
	uint64_t n = linger_closed;
	int i;

	for (i = 0; i < NCTX; i++)
		n += ctxs[i].linger;
	return n;
}

static struct zcio_buf reg_entry(unsigned int i)
{
	return cur.bufs[i % cur.nbufs];
}

/* ZCIO_IOC_REGISTER per docs/uapi.md's table, buffer by buffer. */
static void predict_register(const struct ctx *c, struct pred *p)
{
	const struct zcio_register *reg = &cur.u.reg;
	uint64_t pages = 0, limit, known, maybe;
	unsigned int i;
	bool memlock_maybe = false;

	if (mem_state(cur.arg, sizeof(*reg), false) != M_OK)
		return p_err(p, EFAULT, "structure not readable");
	if (reg->flags || reg->resv[0] || reg->resv[1])
		return p_err(p, EINVAL, "flags or resv");
	if (!reg->nr || reg->nr > ver0.max_bufs)
		return p_err(p, EINVAL, "nr 0 or above max_bufs");
	if (c->has_set)
		return p_err(p, EBUSY, "a set is registered");
	switch (mem_state(reg->bufs, (uint64_t)reg->nr * 16, false)) {
	case M_BAD:
		return p_err(p, EFAULT, "array not readable");
	case M_UNKNOWN:
		return p_unknown(p, "array in unknown memory");
	default:
		break;
	}
	for (i = 0; i < reg->nr; i++) {
		struct zcio_buf b = reg_entry(i);
		uint64_t a = b.addr, end;

		if (!b.len || b.len > ver0.max_buf_bytes)
			return p_err(p, EINVAL, "buffer len 0 or too big");
		if (b.addr + b.len < b.addr)
			return p_err(p, EINVAL, "buffer wraps");
		if (!user_ok(b.addr, b.len))
			return p_err(p, EFAULT, "buffer access_ok");
		for (end = a + b.len; a < end;) {
			const struct region *r = region_at(a);

			if (!r) {
				if (outside(a) == M_UNKNOWN)
					return p_unknown(p, "buffer in unknown memory");
				return p_err(p, EFAULT, "buffer not mapped");
			}
			if (r->kind == RK_HOLE)
				return p_err(p, EFAULT, "buffer runs into a hole");
			if (r->kind == RK_FILE)
				return p_err(p, EOPNOTSUPP, "buffer in a file mapping");
			a = r->end;
		}
		pages += span_pages(b.addr, b.len);
	}
	if (!cap_ipc_lock) {
		limit = memlock_pages;
		known = locked_known();
		maybe = locked_maybe();
		if (known > limit || pages > limit - known)
			return p_err(p, ENOMEM, "RLIMIT_MEMLOCK");
		if (known + maybe > limit || pages > limit - known - maybe)
			memlock_maybe = true;
	}
	p_ok(p, 0, 0, "registered");
	for (i = 0; i < reg->nr && p->ok; i++) {
		struct zcio_buf b = reg_entry(i);

		if (mem_state(b.addr, b.len, true) != M_OK)
			p_err(p, EFAULT, "pinning a buffer that is not writable");
	}
	es_add(&p->errs, ENOMEM);
	if (memlock_maybe)
		p->why = "registered, or RLIMIT_MEMLOCK with sets still held";
}

static void do_register(int ctx, const char *label)
{
	struct zcio_register *reg = &cur.u.reg;
	struct ctx *c = ctx >= 0 ? &ctxs[ctx] : NULL;
	static const uint32_t big[] = { 0, 1024, 1025, UINT32_MAX, 17, 64 };
	unsigned int i, nfill, r;
	struct pred p;
	long ret;
	int err, sigs;

	call_begin(K_REGISTER, ctx, label);
	cur.cmd = ZCIO_IOC_REGISTER;
	r = below(100);
	reg->nr = r < 60 ? 1 + below(4) : r < 80 ? 5 + below(12) :
		  r < 95 ? PICK(big) : rnd();
	reg->flags = pct(3) ? 1U << below(32) : 0;
	reg->resv[0] = gen_resv();
	reg->resv[1] = gen_resv();
	cur.nbufs = min64(reg->nr, MAX_DISTINCT_BUFS);
	for (i = 0; i < cur.nbufs; i++) {
		cur.bufs[i].len = gen_buf_len();
		cur.bufs[i].addr = gen_addr(cur.bufs[i].len, 512);
	}
	nfill = min64(reg->nr, ver0.max_bufs + 1ULL);
	reg->bufs = gen_argloc(nfill * 16ULL);
	for (i = 0; i < nfill && cur.nbufs; i++) {
		struct zcio_buf b = reg_entry(i);

		place(reg->bufs + i * 16ULL, &b, sizeof(b));
	}
	cur.arg = gen_outer(sizeof(*reg), reg->bufs, nfill * 16ULL);
	place(cur.arg, reg, sizeof(*reg));
	if (!closed_target(&p))
		predict_register(c, &p);
	ret = call_run(&err, &sigs);
	if (dry_run)
		return call_end(ret, err, NULL);
	check_outcome(K_REGISTER, &p, ret, err, ret, "");
	if (ret == 0 && c) {
		c->has_set = true;
		c->set_nr = reg->nr;
		c->set_pages = 0;
		for (i = 0; i < reg->nr && i < ARRAY_SIZE(c->set); i++) {
			struct zcio_buf b = reg_entry(i);

			c->set[i].addr = b.addr;
			c->set[i].len = b.len;
			c->set_pages += span_pages(b.addr, b.len);
		}
	}
	call_end(ret, err, NULL);
}

static void do_unregister(int ctx, const char *label, bool random_arg)
{
	struct ctx *c = ctx >= 0 ? &ctxs[ctx] : NULL;
	struct pred p;
	long ret;
	int err, sigs;

	call_begin(K_UNREGISTER, ctx, label);
	cur.cmd = ZCIO_IOC_UNREGISTER;
	cur.arg = random_arg ? gen_argloc(8) : 0;
	if (!closed_target(&p)) {
		if (c->has_set)
			p_ok(&p, 0, 0, "a set is registered");
		else
			p_err(&p, ENXIO, "nothing registered");
	}
	ret = call_run(&err, &sigs);
	if (dry_run)
		return call_end(ret, err, NULL);
	check_outcome(K_UNREGISTER, &p, ret, err, ret, "");
	if (ret == 0 && c) {
		if (c->nout)
			c->linger += c->set_pages;
		c->has_set = false;
	}
	call_end(ret, err, NULL);
}

static const unsigned int known_cmds[] = {
	ZCIO_IOC_VERSION, ZCIO_IOC_DEVINFO, ZCIO_IOC_STATS, ZCIO_IOC_IO,
	ZCIO_IOC_SUBMIT, ZCIO_IOC_REAP, ZCIO_IOC_REGISTER, ZCIO_IOC_UNREGISTER,
};

static bool cmd_known(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(known_cmds); i++)
		if (known_cmds[i] == cmd)
			return true;
	return false;
}

/* Unknown numbers of the magic: other sizes, directions, numbers. */
static unsigned int gen_cmd(void)
{
	unsigned int known = PICK(known_cmds), cmd;

	switch (below(4)) {
	case 0:		/* a known number, another direction */
		cmd = (known & ~(_IOC_DIRMASK << _IOC_DIRSHIFT)) |
		      below(4) << _IOC_DIRSHIFT;
		break;
	case 1:		/* a known number, another size */
		cmd = (known & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		      (pct(50) ? _IOC_SIZE(known) + 8 - below(17) :
		       below(_IOC_SIZEMASK + 1)) % (_IOC_SIZEMASK + 1)
		      << _IOC_SIZESHIFT;
		break;
	case 2:		/* reserved and other numbers */
		cmd = _IOC(below(4), ZCIO_IOC_MAGIC,
			   pct(50) ? 0x13 + below(0x1d) : below(256),
			   _IOC_SIZE(known));
		break;
	default:
		cmd = _IOC(below(4), ZCIO_IOC_MAGIC, below(256),
			   below(_IOC_SIZEMASK + 1));
	}
	if (cmd_known(cmd))	/* not unknown after all: change its size */
		cmd ^= 1U << _IOC_SIZESHIFT;
	return cmd;
}

static void do_unknown(int ctx, const char *label)
{
	struct pred p;
	uint64_t junk[4];
	long ret;
	int err, sigs, i;

	call_begin(K_UNKNOWN, ctx, label);
	cur.cmd = gen_cmd();
	cur.arg = pct(80) ? gen_argloc(64) : rnd();
	for (i = 0; i < 4; i++)
		junk[i] = pct(50) ? 0 : rnd();
	if (pct(80))
		place(cur.arg, junk, sizeof(junk));
	if (!closed_target(&p))
		p_err(&p, ENOTTY, "unknown number");
	ret = call_run(&err, &sigs);
	if (dry_run)
		return call_end(ret, err, NULL);
	check_outcome(K_UNKNOWN, &p, ret, err, ret, "");
	call_end(ret, err, NULL);
}

/* Close a context, I/O in flight or not, and open a new one. */
static void reopen(int i)
{
	struct ctx *c = &ctxs[i];

	if (verbose)
		printf("reopen ctx%d\n", i);
	close(c->fd);
	if (c->nout)
		linger_closed += c->linger + (c->has_set ? c->set_pages : 0);
	c->nout = 0;
	c->hist_n = 0;
	c->has_set = false;
	c->linger = 0;
	c->fd = zcio_open_fd();
	nreopen++;
}

static void one_call(void)
{
	char label[32];
	unsigned int r;
	int ctx;

	snprintf(label, sizeof(label), "#%" PRIu64, call_no);
	if (pct(2))
		reopen(below(NCTX));
	ctx = pct(99) ? (int)below(NCTX) : -1;
	r = below(100);
	if (r < 30)
		do_io(ctx, label);
	else if (r < 45)
		do_submit(ctx, label);
	else if (r < 60)
		do_reap(ctx, label);
	else if (r < 68)
		do_register(ctx, label);
	else if (r < 73)
		do_unregister(ctx, label, true);
	else if (r < 81)
		do_devinfo(ctx, label);
	else if (r < 84)
		do_simple(K_VERSION, ctx, label);
	else if (r < 87)
		do_simple(K_STATS, ctx, label);
	else
		do_unknown(ctx, label);
}

/* Every entry submitted comes back as exactly one event. */
static void drain(int i)
{
	struct ctx *c = &ctxs[i];
	int tries = 0;

	while (c->nout && tries++ < 20) {
		long ret;
		int err;

		call_begin(K_REAP, i, "end");
		cur.cmd = ZCIO_IOC_REAP;
		cur.arg = REG(R_ARG2)->start;
		ret = do_reap_args(i, REG(R_ARG)->start, c->nout, c->nout,
				   30000000000LL, &err);
		if (ret <= 0 && !(ret < 0 && err == EINTR))
			break;
	}
	if (c->nout)
		unexpected("ctx%d: %u submitted entries never came back as events",
			   i, c->nout);
}

/* ---- setup, signals, summary ----------------------------------------------------- */

static void on_alarm(int sig)
{
	static const char text[] = "rel-fuzz: WATCHDOG: a call has not returned for 60 s\n";

	(void)sig;
	alarms++;
	if (!in_call || call_no != wd_last) {
		wd_last = call_no;
		wd_ticks = 0;
		return;
	}
	if (++wd_ticks == WATCHDOG_S / TICK_S)
		(void)!write(2, text, sizeof(text) - 1);
}

static void on_crash(int sig)
{
	static const char text[] = "rel-fuzz: CRASH: the fuzzer got SIGSEGV or SIGBUS (a fuzzer bug, or the kernel sent it); exit 3\n";

	(void)sig;
	(void)!write(2, text, sizeof(text) - 1);
	_exit(3);
}

static void signals_init(void)
{
	struct sigaction sa;
	struct itimerval it = {
		.it_interval = { TICK_S, 0 }, .it_value = { TICK_S, 0 },
	};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void caps_init(void)
{
	char line[256];
	unsigned long long eff = 0;
	struct rlimit rl;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	cap_nice = eff & (1ULL << 23 | 1ULL << 21);	/* SYS_NICE, SYS_ADMIN */
	cap_ipc_lock = eff & (1ULL << 14);
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		die("getrlimit: %s", strerror(errno));
	memlock_pages = rl.rlim_cur == RLIM_INFINITY ? ULLONG_MAX / 2 :
			rl.rlim_cur / PAGE;
}

static void version_init(void)
{
	if (dry_run) {
		ver0.abi = ZCIO_ABI_VERSION;
		ver0.max_io_bytes = INT_MAX & ~(PAGE - 1);
		ver0.max_inflight = 1024;
		ver0.max_bufs = 1024;
		ver0.max_buf_bytes = 1U << 30;
		return;
	}
	if (ioctl(ctxs[0].fd, ZCIO_IOC_VERSION, &ver0))
		die("ZCIO_IOC_VERSION: %s", strerror(errno));
	if (ver0.abi != ZCIO_ABI_VERSION || ver0.pad || ver0.pad2 ||
	    ver0.resv[0] || ver0.resv[1] ||
	    ver0.max_io_bytes != (INT_MAX & ~(PAGE - 1)) ||
	    (ver0.features & 0x1f) != 0x1f || !ver0.max_inflight ||
	    ver0.max_inflight > 1024 || !ver0.max_bufs || ver0.max_bufs > 1024)
		die("unexpected VERSION: abi %u features %#llx max_io %u inflight %u bufs %u",
		    ver0.abi, (unsigned long long)ver0.features,
		    ver0.max_io_bytes, ver0.max_inflight, ver0.max_bufs);
}

static void summary(double elapsed, uint64_t done)
{
	uint64_t tot[NERR] = { 0 }, all = 0;
	char line[2048];
	size_t n;
	int k, e;

	for (k = 0; k < K_NR; k++) {
		if (k == K_EVENT || k == K_EVENT_SHARED)
			continue;
		n = snprintf(line, sizeof(line), "%-10s %8" PRIu64 " calls %8"
			     PRIu64 " ok", kind_name[k], ncalls[k], nok[k]);
		for (e = 1; e < NERR; e++) {
			tot[e] += nerr[k][e];
			if (nerr[k][e] && n < sizeof(line))
				n += snprintf(line + n, sizeof(line) - n,
					      ", %s %" PRIu64, errname(e),
					      nerr[k][e]);
		}
		if (ncalls[k] && n < sizeof(line))
			snprintf(line + n, sizeof(line) - n,
				 "; avg %.0f us, max %.3f s",
				 tsum[k] / ncalls[k] * 1e6, tmax[k]);
		msg(NULL, "%s", line);
		all += ncalls[k];
	}
	n = snprintf(line, sizeof(line), "errnos:");
	for (e = 1; e < NERR; e++)
		if (tot[e] && n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " %s %" PRIu64,
				      errname(e), tot[e]);
	msg(NULL, "%s", line);
	msg(NULL, "%" PRIu64 " events reaped, %" PRIu64 " reopens, %" PRIu64
	    " calls over 1 s", nevents, nreopen, nslow);
	msg(NULL, "seed %" PRIu64 ": %" PRIu64 " ioctls (%" PRIu64
	    " with the final drain) in %.1f s, %.0f ioctls/s", seed, done, all,
	    elapsed, elapsed > 0 ? all / elapsed : 0.0);
	for (k = 0; k < nukinds; k++)
		msg(NULL, "unexpected %" PRIu64 "x (first #%" PRIu64 "): %s",
		    ukinds[k].n, ukinds[k].first, ukinds[k].key);
	msg(NULL, "%" PRIu64 " unexpected (%" PRIu64 " undocumented errnos, %"
	    PRIu64 " outcomes other than the documented order gives)",
	    nunexpected, nundoc, nmispredict);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: %s -s SEED -n COUNT [-d DEV|FD]... [-v] [-X ERRNO]... [-T SECS] [-r N] [-z PATH] [-f FILE] [-H] [-N]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	bool have_seed = false, have_count = false;
	uint64_t done = 0;
	double t0, elapsed, t_progress;
	int opt, i, e;

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	probe_la57();
	while ((opt = getopt(argc, argv, "s:n:d:vX:T:r:z:f:NH")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			have_seed = true;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			have_count = true;
			break;
		case 'd':
			dev_arg(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'X':
			e = errno_by_name(optarg);
			if (!e)
				die("-X %s: no such errno", optarg);
			es_add(&not_expected, e);
			break;
		case 'T':
			time_limit = strtod(optarg, NULL);
			break;
		case 'r':
			max_reports = atoi(optarg);
			break;
		case 'z':
			zcio_path = optarg;
			break;
		case 'f':
			priv_path = optarg;
			break;
		case 'N':
			dry_run = true;
			break;
		case 'H':
			no_hipri = true;
			break;
		default:
			usage();
		}
	}
	if (!have_seed || !have_count || optind != argc)
		usage();
	rng_state = seed;
	documented_init();
	caps_init();
	memory_init();
	fds_init();
	for (i = 0; i < NCTX; i++)
		ctxs[i].fd = zcio_open_fd();
	version_init();
	msg(NULL, "seed %" PRIu64 ", %" PRIu64 " ioctls, %d devices, uid %u%s%s, %s, %s page tables",
	    seed, count, ndevs, getuid(), cap_nice ? ", CAP_SYS_NICE" : "",
	    cap_ipc_lock ? ", CAP_IPC_LOCK" : "", REG(R_HUGE)->name,
	    la57 ? "5-level" : "4-level");
	for (i = 0; i < ndevs; i++)
		msg(NULL, "%s: %" PRIu64 " bytes, lbs %u, dma %u%s%s%s%s%s",
		    devs[i].name, devs[i].size, devs[i].lbs, devs[i].dma,
		    devs[i].ro ? ", read-only" : "", devs[i].zoned ? ", zoned" : "",
		    devs[i].poll ? ", poll queues" : "",
		    devs[i].discard_max ? ", discard" : "",
		    devs[i].wz_max ? ", write zeroes" : "");
	if (verbose)
		printf("seed %" PRIu64 " count %" PRIu64 "\n", seed, count);
	signals_init();
	t0 = now();
	t_progress = t0 + PROGRESS_S;
	for (call_no = 1; call_no <= count; call_no++) {
		double t = now();

		if (time_limit > 0 && t - t0 > time_limit) {
			msg(NULL, "time limit: stopping after %" PRIu64 " ioctls",
			    done);
			break;
		}
		if (t > t_progress) {
			msg(NULL, "%" PRIu64 " ioctls, %.0f/s, %" PRIu64
			    " unexpected", done, done / (t - t0), nunexpected);
			t_progress = t + PROGRESS_S;
		}
		one_call();
		done++;
	}
	for (i = 0; i < NCTX && !dry_run; i++) {
		drain(i);
		do_unregister(i, "end", false);
		close(ctxs[i].fd);
		ctxs[i].fd = -1;
	}
	elapsed = now() - t0;
	if (!holes_intact())
		nunexpected++;
	if (verbose)
		fflush(stdout);
	summary(elapsed, done);
	return nunexpected ? 1 : 0;
}
