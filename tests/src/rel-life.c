// SPDX-License-Identifier: GPL-2.0
/*
 * rel-life: the lifecycle of zcio I/O in flight, compared with pread() and
 * pwrite() on an O_DIRECT fd wherever both can do the same thing.  One
 * program, four commands (the tests/rel/ scripts set the devices up):
 *
 *  rel-life life FAST SLOW DELAY_MS	(tests/rel/002-lifecycle)
 *	SLOW is a dm-delay device over FAST (brd) that holds every bio for
 *	DELAY_MS; FAST shows the same data at once.  Cases:
 *	close-target-{zcio,pread}: close() of the target block-device fd
 *		(the process's only fd of SLOW) while sync reads and writes
 *		and async reads on it are in flight: close returns at once,
 *		the in-flight I/O keeps the file and so the device open (dm
 *		open count still 1 after the close, 0 once the I/O ended),
 *		every I/O returns its full length with the right data, the
 *		closed fd number is EBADF for ZCIO_IOC_IO, for a SUBMIT entry
 *		(its event) and for pread();
 *	munmap: munmap() of each buffer while a read into it or a write
 *		from it is in flight (zcio sync fast path, sync general path,
 *		async, and pread/pwrite): munmap returns at once, the old
 *		pages stay pinned until the I/O ends, a new mapping at the
 *		same address reads zeros and keeps what the process writes
 *		into it, the I/O returns its full length, the writes put the
 *		old buffer's data on the device;
 *	fork-during-private-{zcio,pread}: fork() while reads into private
 *		anonymous memory are in flight, the parent writing into the
 *		rest of one of the pages meanwhile: the parent's buffers get
 *		the data and keep its own write, the child's copies keep the
 *		bytes of before the fork (FOLL_PIN: fork copies pinned pages
 *		for the child).  pread() pins nothing on 6.1 (FOLL_GET): its
 *		outcome is only reported;
 *	fork-during-thp: the same with a read into a transparent huge
 *		page (fork splits the pinned PMD and copies);
 *	fork-before-private-{zcio,pread}: fork() right before the reads:
 *		the parent's pins break COW, the child keeps its bytes;
 *	fork-{before,during}-shared-{zcio,pread}: MAP_SHARED memory: the
 *		child sees the data too, for zcio as for pread.
 *
 *  rel-life rmmod FAST SLOW DELAY_MS MODULE_KO	(tests/rel/010-rmmod)
 *	delete_module("zcio") is refused with EWOULDBLOCK while /dev/zcio
 *	is open, idle or with sync and async I/O in flight, which completes
 *	with its data; with the context closed and async I/O in flight
 *	(into plain and into registered buffers), and after a SIGKILLed
 *	sync caller, it waits until the last request is released (no earlier than the device's delay, FOLL_PIN balanced the
 *	moment it returns, the reads' data in the buffers, the writes' on
 *	the device); finit_module() loads MODULE_KO again (EEXIST a second
 *	time) and a round trip works.
 *
 *  rel-life race [-V VERIFY_DEV] [-E SECS] [-W SECS] DEV -- CMD [ARG...]
 *	(tests/rel/011-hot-remove)
 *	Starts seven I/Os of its own on DEV (zcio sync fast and general
 *	path, zcio async, pread; zcio sync, zcio async and pwrite writes),
 *	waits until all are in flight, runs CMD (hot removal of DEV or of
 *	a device under it: a program, or "@write PATH VALUE" or "@rmdir
 *	PATH" done by a child of its own, which reach the kernel at once),
 *	waits at most 30 s for the I/Os and prints, on
 *	stdout, each I/O's result and whether its data is right (reads:
 *	the buffer; writes: read back through VERIFY_DEV if given), CMD's
 *	exit status, what a new I/O of each kind on the same fds returns,
 *	and zcio's requests and errors counters.  The script compares that
 *	with the expected outcome, the same for zcio as for pread/pwrite.
 *	It fails by itself if an I/O was not in flight when CMD started,
 *	took longer than 30 s, or left a page pinned; with -E if an I/O
 *	ended later than SECS after CMD started, with -W if CMD returned
 *	earlier than SECS after the first I/O started.
 *  rel-life race-verify DEV: the data the write I/Os of a race put on DEV
 *	(after the device came back), one line per write.
 *  rel-life roundtrip DEV: a 1 MiB write and read back through zcio, sync
 *	and async.
 *
 * Exit status 0 if every check passed, 1 otherwise.  "ok NAME" lines on
 * stdout name the cases that passed; reasons go to stderr.
 */
#include "api-util.h"

#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#define K		1024UL
#define M		(1024UL * 1024)
/* No I/O and no removal may keep the caller longer than this. */
#define LIMIT_S		30.0
#define FILL_OLD	0x3c	/* buffer bytes before a read */
#define FILL_NEW	0x22	/* what the process writes into a new mapping */
#define FILL_TOUCH	0x99	/* the parent's own write during a read */

static int zfd = -1;		/* /dev/zcio of the sync lanes and the stats */
static double slow_s;		/* the slow device's delay in seconds */

/* --- memory and data -------------------------------------------------- */

/* Anonymous memory without huge pages (@flags: MAP_PRIVATE or MAP_SHARED). */
static char *map_anon(size_t len, int flags, int fill)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		api_die("mmap %zu: %s", len, strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);
	memset(p, fill, len);
	return p;
}

/* The pattern of device offset @off and @seed, in new memory. */
static unsigned char *pattern_buf(size_t len, uint64_t off, unsigned int seed)
{
	unsigned char *p = malloc(len);

	if (!p)
		api_die("malloc %zu", len);
	api_pattern(p, len, off, seed);
	return p;
}

/* First byte of @p that is not @fill, or -1. */
static long fill_diff(const void *p, size_t len, int fill)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != (unsigned char)fill)
			return (long)i;
	return -1;
}

/* @p holds the pattern of device offset @off and @seed; else a failure. */
static bool check_pattern(const char *name, const char *what, const void *p,
			  size_t len, uint64_t off, unsigned int seed)
{
	unsigned char *want = pattern_buf(len, off, seed);
	long d = api_first_diff(p, want, len);

	free(want);
	if (d < 0)
		return true;
	api_fail("%s: %s differs from the device data at +%ld: \"%s\"", name,
		 what, d, api_hexdump((const char *)p + d, 16));
	return false;
}

static bool check_fill(const char *name, const char *what, const void *p,
		       size_t len, int fill)
{
	long d = fill_diff(p, len, fill);

	if (d < 0)
		return true;
	api_fail("%s: %s: byte +%ld is %#x, want %#x", name, what, d,
		 ((const unsigned char *)p)[d], fill);
	return false;
}

/* Write the pattern (or zeros, @seed < 0) to @fd (O_DIRECT) at @off. */
static void put_data(int fd, uint64_t off, size_t len, int seed)
{
	char *b = api_map_guarded(len);

	if (seed < 0)
		memset(b, 0, len);
	else
		api_pattern(b, len, off, seed);
	api_pwrite_all(fd, b, len, off);
	api_unmap_guarded(b, len);
}

/* @fd (O_DIRECT) holds the pattern at @off; else a failure. */
static bool check_data(const char *name, const char *what, int fd,
		       uint64_t off, size_t len, unsigned int seed)
{
	char *b = api_map_guarded(len);
	ssize_t n = pread(fd, b, len, (off_t)off);
	bool good;

	if (n != (ssize_t)len) {
		api_fail("%s: %s: reading it back: %zd (%s)", name, what, n,
			 n < 0 ? strerror(errno) : "short");
		good = false;
	} else {
		good = check_pattern(name, what, b, len, off, seed);
	}
	api_unmap_guarded(b, len);
	return good;
}

/* --- the kernel's view ---------------------------------------------------- */

/* The state letter of thread @tid of this process ('D', 'S', ...). */
static char task_state(const char *dir, int tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/stat", dir, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* The open count of device-mapper device @name (DM_DEV_STATUS). */
static int dm_open_count(const char *name)
{
	struct dm_ioctl dmi;
	int fd, ret;

	fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		api_die("open /dev/mapper/control: %s", strerror(errno));
	memset(&dmi, 0, sizeof(dmi));
	dmi.version[0] = DM_VERSION_MAJOR;
	dmi.data_size = sizeof(dmi);
	snprintf(dmi.name, sizeof(dmi.name), "%s", name);
	ret = ioctl(fd, DM_DEV_STATUS, &dmi);
	close(fd);
	if (ret)
		api_die("DM_DEV_STATUS %s: %s", name, strerror(errno));
	return (int)dmi.open_count;
}

/* Wait up to @secs for dm device @name's open count to be @want. */
static bool dm_wait_open(const char *name, const char *dm, int want,
			 double secs)
{
	double end = api_now() + secs;
	int n;

	while ((n = dm_open_count(dm)) != want) {
		if (api_now() > end) {
			api_fail("%s: %s open count %d, want %d", name, dm, n,
				 want);
			return false;
		}
		usleep(10000);
	}
	return true;
}

/* The pins are back: zcio holds none, FOLL_PIN balances. */
static bool pins_released(const char *name)
{
	return api_wait_pinned(name, 0, 10) && api_foll_pin_balanced(name);
}

/* --- lanes: one I/O in flight each, in a thread of its own ---------------- */

enum lane_kind {
	ZSYNC,		/* ZCIO_IOC_IO on zfd */
	ZASYNC,		/* ZCIO_IOC_SUBMIT + ZCIO_IOC_REAP on a context of its own */
	POSIX,		/* pread()/pwrite() on an O_DIRECT fd */
};

struct lane {
	const char *name;
	enum lane_kind kind;
	unsigned int op;
	int fd;
	char *buf;
	size_t len;
	uint64_t off;
	/* set by the thread */
	pthread_t thread;
	int tid;
	int submitted;
	int finished;
	int64_t res;
	double t_start, t_end;
};

static int64_t lane_async(struct lane *l)
{
	struct zcio_event ev;
	struct zcio_io io;
	int64_t res;
	int actx, n;

	actx = zcio_open();
	if (actx < 0)
		return actx;
	zcio_prep_io(&io, l->op, l->fd, l->buf, l->len, l->off);
	io.tag = 0x11fe;
	n = zcio_submit(actx, &io, 1);
	__atomic_store_n(&l->submitted, 1, __ATOMIC_RELEASE);
	if (n != 1) {
		close(actx);
		return n < 0 ? n : -EPROTO;
	}
	n = zcio_reap(actx, &ev, 1, 1, (int64_t)(LIMIT_S * 2 * 1e9));
	if (n == 1)
		res = ev.tag == io.tag ? ev.result : -EPROTO;
	else
		res = n < 0 ? n : -ETIME;
	close(actx);
	return res;
}

static void *lane_run(void *arg)
{
	struct lane *l = arg;
	ssize_t n;

	l->t_start = api_now();
	__atomic_store_n(&l->tid, (int)gettid(), __ATOMIC_RELEASE);
	switch (l->kind) {
	case ZSYNC:
		l->res = zcio_pio(zfd, l->op, l->fd, l->buf, l->len, l->off);
		break;
	case ZASYNC:
		l->res = lane_async(l);
		break;
	case POSIX:
		if (l->op == ZCIO_OP_READ)
			n = pread(l->fd, l->buf, l->len, (off_t)l->off);
		else
			n = pwrite(l->fd, l->buf, l->len, (off_t)l->off);
		l->res = n < 0 ? -errno : n;
		break;
	}
	l->t_end = api_now();
	__atomic_store_n(&l->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void lane_set(struct lane *l, const char *name, enum lane_kind kind,
		     unsigned int op, int fd, char *buf, size_t len,
		     uint64_t off)
{
	memset(l, 0, sizeof(*l));
	l->name = name;
	l->kind = kind;
	l->op = op;
	l->fd = fd;
	l->buf = buf;
	l->len = len;
	l->off = off;
}

static void lanes_start(struct lane *l, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pthread_create(&l[i].thread, NULL, lane_run, &l[i]))
			api_die("pthread_create failed");
}

/* zcio pages a lane pins while it is in flight (0 for POSIX). */
static uint64_t lane_pages(const struct lane *l)
{
	uintptr_t a = (uintptr_t)l->buf;

	if (l->kind == POSIX)
		return 0;
	return ((a + l->len + API_PAGE - 1) / API_PAGE) - a / API_PAGE;
}

/* Whether lane @l sleeps on its I/O: 'D' in a sync call, or submitted. */
static bool lane_waiting(struct lane *l)
{
	int tid = __atomic_load_n(&l->tid, __ATOMIC_ACQUIRE);

	if (l->kind == ZASYNC)
		return __atomic_load_n(&l->submitted, __ATOMIC_ACQUIRE);
	return tid && task_state("/proc/self/task", tid) == 'D';
}

/*
 * Wait until every lane is in flight: each sync one asleep in the kernel
 * ('D'), each async one submitted, and zcio holding exactly the pages
 * all of them pin.  A lane that finished first fails the case (a device
 * too fast for the guest).
 */
static bool lanes_in_flight(const char *name, struct lane *l, int n)
{
	double end = api_now() + 10;
	uint64_t want = 0, pinned;
	bool all;
	int i;

	for (i = 0; i < n; i++)
		want += lane_pages(&l[i]);
	for (;;) {
		all = true;
		for (i = 0; i < n; i++) {
			if (__atomic_load_n(&l[i].finished, __ATOMIC_ACQUIRE)) {
				api_fail("%s: %s ended (%s) before all I/O was in flight: the device is not slow enough",
					 name, l[i].name, api_result_str(l[i].res));
				return false;
			}
			all &= lane_waiting(&l[i]);
		}
		pinned = api_sysfs_stat("pages_pinned");
		if (all && pinned == want)
			return true;
		if (api_now() > end) {
			api_fail("%s: the I/O is not in flight after 10 s (pages_pinned %" PRIu64 ", want %" PRIu64 ")",
				 name, pinned, want);
			return false;
		}
		usleep(2000);
	}
}

/* Whether every lane was still in flight at @t. */
static bool lanes_ended_after(const char *name, const char *event,
			      struct lane *l, int n, double t)
{
	bool good = true;
	int i;

	for (i = 0; i < n; i++)
		if (l[i].t_end <= t) {
			api_fail("%s: %s had ended before the %s: the check proves nothing",
				 name, l[i].name, event);
			good = false;
		}
	return good;
}

/*
 * Join every lane, giving each until @t0 + LIMIT_S.  One that is still in
 * flight then is a hang: report and exit (the thread cannot be stopped).
 */
static void lanes_join(const char *name, struct lane *l, int n, double t0)
{
	struct timespec ts;
	double left;
	int i, ret;

	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		left = t0 + LIMIT_S - api_now();
		if (left < 0.1)
			left = 0.1;
		ts.tv_sec += (time_t)left;
		ts.tv_nsec += (long)((left - (time_t)left) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		ret = pthread_timedjoin_np(l[i].thread, NULL, &ts);
		if (ret) {
			api_fail("%s: %s still in flight %.0f s later (%s)",
				 name, l[i].name, LIMIT_S, strerror(ret));
			fflush(NULL);
			_exit(api_exit());
		}
	}
}

/* Lane @l returned its full length; else a failure. */
static bool lane_full(const char *name, const struct lane *l)
{
	if (l->res == (int64_t)l->len)
		return true;
	api_fail("%s: %s returned %s, want %zu", name, l->name,
		 api_result_str(l->res), l->len);
	return false;
}

/* --- rel-life life -------------------------------------------------------- */

static const char *fast_path, *slow_path, *slow_dm;
static int ffd = -1;	/* FAST, O_RDWR | O_DIRECT: data in and out at once */

/*
 * close() @fd with I/O in flight, then use its number at once, before
 * anything can reuse it: ZCIO_IOC_IO and pread() find nothing, and so
 * does a SUBMIT entry on @actx, whose event carries -EBADF.  Returns the
 * open count of the slow device right after.
 */
static int close_and_probe(const char *name, int fd, int actx, char *pb)
{
	struct api_expect exp = { .tag = 0xbadf, .result = -EBADF };
	int64_t probe_sync;
	ssize_t probe_posix;
	int probe_errno, n, opens;
	struct zcio_io io;
	double t_close;

	t_close = api_now();
	if (close(fd))
		api_fail("%s: close: %s", name, strerror(errno));
	t_close = api_now() - t_close;
	/* Nothing may open a file before these: it would get the number. */
	probe_sync = zcio_pio(zfd, ZCIO_OP_READ, fd, pb, 4 * K, 0);
	probe_posix = pread(fd, pb, 4 * K, 0);
	probe_errno = errno;
	zcio_prep_io(&io, ZCIO_OP_READ, fd, pb, 4 * K, 0);
	io.tag = exp.tag;
	n = zcio_submit(actx, &io, 1);

	/* The in-flight I/O still holds the file, so the device is open. */
	opens = dm_open_count(slow_dm);
	/* (The I/O must also have been in flight after this: see the caller.) */
	if (t_close > slow_s * 0.9)
		api_fail("%s: close() took %.3f s: it waited for the I/O", name,
			 t_close);
	if (probe_sync != -EBADF)
		api_fail("%s: ZCIO_IOC_IO on the closed fd: %s, want EBADF",
			 name, api_result_str(probe_sync));
	if (probe_posix != -1 || probe_errno != EBADF)
		api_fail("%s: pread on the closed fd: %zd (%s), want EBADF",
			 name, probe_posix, strerror(probe_errno));
	if (n != 1)
		api_fail("%s: SUBMIT with the closed fd: %s, want 1 entry taken",
			 name, api_result_str(n));
	else
		api_reap_expect(actx, name, &exp, 1, 5);
	return opens;
}

/*
 * close() of the target fd with I/O in flight.  @posix: the same with
 * pread/pwrite on an O_DIRECT fd instead of zcio.
 */
#define CT_SEED		0xc1
#define CT_WSEED	0xc3

static void case_close_target(bool posix)
{
	const char *name = posix ? "close-target-pread" : "close-target-zcio";
	enum lane_kind sync = posix ? POSIX : ZSYNC;
	char *pb = map_anon(4 * K, MAP_PRIVATE, 0);
	int fd, actx, n = 0, i, fails = api_failures, opens;
	struct lane l[5];
	double t0, t_check = 0;

	put_data(ffd, 0, M, CT_SEED);
	put_data(ffd, 512 * K, 256 * K, -1);
	/* The process's only fd of SLOW: its close is the last one. */
	fd = api_open(slow_path, posix ? O_RDWR | O_DIRECT : O_RDWR);
	actx = api_zcio_open();
	lane_set(&l[n++], "read-256k", sync, ZCIO_OP_READ, fd,
		 map_anon(256 * K, MAP_PRIVATE, FILL_OLD), 256 * K, 0);
	lane_set(&l[n], "write-256k", sync, ZCIO_OP_WRITE, fd,
		 map_anon(256 * K, MAP_PRIVATE, 0), 256 * K, 512 * K);
	api_pattern(l[n++].buf, 256 * K, 512 * K, CT_WSEED);
	if (!posix) {
		lane_set(&l[n++], "read-4k", ZSYNC, ZCIO_OP_READ, fd,
			 map_anon(4 * K, MAP_PRIVATE, FILL_OLD), 4 * K,
			 256 * K);
		lane_set(&l[n++], "async-read-64k", ZASYNC, ZCIO_OP_READ, fd,
			 map_anon(64 * K, MAP_PRIVATE, FILL_OLD), 64 * K,
			 768 * K);
		lane_set(&l[n++], "async-read-64k-2", ZASYNC, ZCIO_OP_READ, fd,
			 map_anon(64 * K, MAP_PRIVATE, FILL_OLD), 64 * K,
			 832 * K);
	}
	t0 = api_now();
	lanes_start(l, n);
	if (!lanes_in_flight(name, l, n))
		goto out_join;
	opens = dm_open_count(slow_dm);
	if (opens != 1)
		api_fail("%s: %s open count %d before the close, want 1 (this fd)",
			 name, slow_dm, opens);

	opens = close_and_probe(name, fd, actx, pb);
	t_check = api_now();
	if (opens != 1)
		api_fail("%s: %s open count %d right after the close with I/O in flight, want 1: the file was released under the I/O",
			 name, slow_dm, opens);

out_join:
	lanes_join(name, l, n, t0);
	lanes_ended_after(name, "open count check", l, n, t_check);
	for (i = 0; i < n; i++) {
		if (!lane_full(name, &l[i]) || l[i].op != ZCIO_OP_READ)
			continue;
		check_pattern(name, l[i].name, l[i].buf, l[i].len, l[i].off,
			      CT_SEED);
	}
	check_data(name, "the written range", ffd, 512 * K, 256 * K,
		   CT_WSEED);
	/* The last reference went with the I/O: the device is closed. */
	dm_wait_open(name, slow_dm, 0, 5);
	pins_released(name);
	close(actx);
	for (i = 0; i < n; i++)
		munmap(l[i].buf, l[i].len);
	munmap(pb, 4 * K);
	if (api_failures == fails)
		api_ok(name);
}

/*
 * munmap() @len bytes at @buf and map new memory at the same address: it
 * reads zeros; the process then writes the first half.  Returns how long
 * munmap() took.
 */
static double unmap_remap(const char *name, char *buf, size_t len)
{
	double t = api_now();
	char *p;

	if (munmap(buf, len))
		api_die("munmap: %s", strerror(errno));
	t = api_now() - t;
	p = mmap(buf, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != buf)
		api_die("%s: mmap at the old address %p: %s", name, (void *)buf,
			p == MAP_FAILED ? strerror(errno) : "moved");
	madvise(p, len, MADV_NOHUGEPAGE);
	check_fill(name, "a new mapping at the old address", p, len, 0);
	/* Half written by the process, half never touched. */
	memset(p, FILL_NEW, len / 2);
	return t;
}

/*
 * munmap() of every buffer while I/O into or out of it is in flight, then
 * a new mapping at the same address.  zcio and pread/pwrite lanes run
 * side by side and must end alike.
 */
#define MU_SEED		0xd1
#define MU_WSEED	0xd3
#define MU_LANES	6

static void case_munmap(void)
{
	const char *name = "munmap";
	static const struct {
		const char *name;
		enum lane_kind kind;
		unsigned int op;
		size_t len;
	} spec[MU_LANES] = {
		{ "zcio-sync-16k-read", ZSYNC, ZCIO_OP_READ, 16 * K },
		{ "zcio-sync-256k-read", ZSYNC, ZCIO_OP_READ, 256 * K },
		{ "zcio-async-256k-read", ZASYNC, ZCIO_OP_READ, 256 * K },
		{ "pread-256k", POSIX, ZCIO_OP_READ, 256 * K },
		{ "zcio-sync-256k-write", ZSYNC, ZCIO_OP_WRITE, 256 * K },
		{ "pwrite-256k", POSIX, ZCIO_OP_WRITE, 256 * K },
	};
	struct lane l[MU_LANES];
	int sfd, dfd, i, fails = api_failures;
	double t0, t_unmap = 0, t, t_done = 0;
	uint64_t want = 0, pinned;

	put_data(ffd, 2 * M, 4 * M, MU_SEED);
	sfd = api_open(slow_path, O_RDWR);
	dfd = api_open(slow_path, O_RDWR | O_DIRECT);
	for (i = 0; i < MU_LANES; i++) {
		uint64_t off = 2 * M + i * 512 * K;

		lane_set(&l[i], spec[i].name, spec[i].kind, spec[i].op,
			 spec[i].kind == POSIX ? dfd : sfd,
			 map_anon(spec[i].len, MAP_PRIVATE, FILL_OLD),
			 spec[i].len, off);
		if (spec[i].op == ZCIO_OP_WRITE)
			api_pattern(l[i].buf, l[i].len, off, MU_WSEED);
		want += lane_pages(&l[i]);
	}
	t0 = api_now();
	lanes_start(l, MU_LANES);
	if (!lanes_in_flight(name, l, MU_LANES))
		goto out_join;
	for (i = 0; i < MU_LANES; i++) {
		t = unmap_remap(name, l[i].buf, l[i].len);
		if (t > t_unmap)
			t_unmap = t;
	}
	/* The unmapped pages stay pinned until their I/O ends. */
	pinned = api_sysfs_stat("pages_pinned");
	t_done = api_now();
	if (pinned != want)
		api_fail("%s: pages_pinned %" PRIu64 " after the munmaps, want %" PRIu64 " until the I/O ends",
			 name, pinned, want);
	if (t_unmap > slow_s * 0.9)
		api_fail("%s: munmap() took %.3f s: it waited for the I/O",
			 name, t_unmap);
out_join:
	lanes_join(name, l, MU_LANES, t0);
	lanes_ended_after(name, "munmap and the new mapping", l, MU_LANES,
			  t_done);
	for (i = 0; i < MU_LANES; i++) {
		lane_full(name, &l[i]);
		/* The I/O went to or came from the old pages only. */
		check_fill(name, l[i].name, l[i].buf, l[i].len / 2, FILL_NEW);
		check_fill(name, l[i].name, l[i].buf + l[i].len / 2,
			   l[i].len / 2, 0);
		if (l[i].op == ZCIO_OP_WRITE)
			check_data(name, l[i].name, ffd, l[i].off, l[i].len,
				   MU_WSEED);
		munmap(l[i].buf, l[i].len);
	}
	pins_released(name);
	close(sfd);
	close(dfd);
	if (api_failures == fails)
		api_ok(name);
}

/*
 * fork() and I/O in flight.  A fork case is a set of lanes and a set of
 * regions of their buffers, each with what the parent and what the child
 * must see in it once the I/O has ended.
 */
#define FK_MAX		4

struct fork_region {
	const char *what;
	char *p;
	size_t len;
	const unsigned char *parent_want;	/* NULL: parent_fill */
	int parent_fill;
	const unsigned char *child_want;	/* NULL: child_fill */
	int child_fill;
};

struct fork_case {
	const char *name;
	bool info_only;		/* report the outcome, assert nothing */
	bool before;		/* fork right before the I/O, not during */
	struct lane l[FK_MAX];
	int nl;
	struct fork_region r[FK_MAX];
	int nr;
	char *touch;		/* the parent writes here after the fork */
	size_t touch_len;
};

static long region_diff(const void *p, size_t len, const unsigned char *want,
			int fill)
{
	return want ? api_first_diff(p, want, len) : fill_diff(p, len, fill);
}

/* The child: wait for the parent's word, then report its view. */
static void __attribute__((noreturn))
fork_child(struct fork_case *fc, int go, int rep)
{
	long d[FK_MAX];
	char c;
	int i;

	alarm((unsigned int)LIMIT_S * 2);
	if (read(go, &c, 1) != 1)
		_exit(3);
	for (i = 0; i < fc->nr; i++)
		d[i] = region_diff(fc->r[i].p, fc->r[i].len,
				   fc->r[i].child_want, fc->r[i].child_fill);
	if (write(rep, d, sizeof(d)) != (ssize_t)sizeof(d))
		_exit(4);
	_exit(0);
}

static void __attribute__((format(printf, 3, 4)))
fork_report(const struct fork_case *fc, int *bad, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(*bad)++;
	if (fc->info_only)
		api_info("info: %s: %s", fc->name, msg);
	else
		api_fail("%s: %s", fc->name, msg);
}

/* Read the child's report (FK_MAX longs) within LIMIT_S. */
static bool fork_read_report(int rep, long *d)
{
	struct pollfd pfd = { .fd = rep, .events = POLLIN };

	return poll(&pfd, 1, (int)(LIMIT_S * 1000)) == 1 &&
	       read(rep, d, FK_MAX * sizeof(*d)) ==
	       (ssize_t)(FK_MAX * sizeof(*d));
}

static void fork_run(struct fork_case *fc)
{
	int go[2], rep[2], status, i, bad = 0, fails = api_failures;
	double t0, t_touch;
	long d[FK_MAX];
	bool in_flight = true;
	pid_t pid;
	long x;

	if (pipe2(go, O_CLOEXEC) || pipe2(rep, O_CLOEXEC))
		api_die("pipe: %s", strerror(errno));
	t0 = api_now();
	if (!fc->before) {
		lanes_start(fc->l, fc->nl);
		in_flight = lanes_in_flight(fc->name, fc->l, fc->nl);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid)
		fork_child(fc, go[0], rep[1]);
	close(go[0]);
	close(rep[1]);
	if (fc->touch)
		memset(fc->touch, FILL_TOUCH, fc->touch_len);
	t_touch = api_now();
	if (fc->before)
		lanes_start(fc->l, fc->nl);
	lanes_join(fc->name, fc->l, fc->nl, t0);
	if (!fc->before && in_flight)
		lanes_ended_after(fc->name, "fork and the parent's write",
				  fc->l, fc->nl, t_touch);
	for (i = 0; i < fc->nl; i++)
		if (fc->l[i].res != (int64_t)fc->l[i].len)
			fork_report(fc, &bad, "%s returned %s, want %zu",
				    fc->l[i].name,
				    api_result_str(fc->l[i].res), fc->l[i].len);
	for (i = 0; i < fc->nr; i++) {
		const struct fork_region *r = &fc->r[i];

		x = region_diff(r->p, r->len, r->parent_want, r->parent_fill);
		if (x >= 0)
			fork_report(fc, &bad, "the parent's %s differs at +%ld (%s): \"%s\"",
				    r->what, x,
				    r->parent_want ? "want the device data" :
						     "want its own bytes",
				    api_hexdump(r->p + x, 16));
	}
	if (write(go[1], "g", 1) != 1)
		api_die("write to the child: %s", strerror(errno));
	if (!fork_read_report(rep[0], d)) {
		api_fail("%s: no report from the child", fc->name);
		kill(pid, SIGKILL);
	} else {
		for (i = 0; i < fc->nr; i++)
			if (d[i] >= 0)
				fork_report(fc, &bad, "the child's %s differs at +%ld (%s)",
					    fc->r[i].what, d[i],
					    fc->r[i].child_want ?
					    "want the device data" :
					    "want the bytes of before the fork: it saw the parent's I/O");
	}
	status = api_waitpid(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		api_fail("%s: the child ended with status %#x", fc->name, status);
	close(go[1]);
	close(rep[0]);
	pins_released(fc->name);
	if (fc->info_only)
		api_info("info: %s: %s", fc->name,
			 bad ? "differs from zcio as reported above" :
			       "the same outcome as zcio");
	else if (api_failures == fails)
		api_ok(fc->name);
}

static void fork_lane(struct fork_case *fc, const char *name,
		      enum lane_kind kind, int fd, char *buf, size_t len,
		      uint64_t off)
{
	lane_set(&fc->l[fc->nl++], name, kind, ZCIO_OP_READ, fd, buf, len,
		 off);
}

static void fork_region(struct fork_case *fc, const char *what, char *p,
			size_t len, const unsigned char *pw, int pf,
			const unsigned char *cw, int cf)
{
	fc->r[fc->nr++] = (struct fork_region){
		.what = what, .p = p, .len = len,
		.parent_want = pw, .parent_fill = pf,
		.child_want = cw, .child_fill = cf,
	};
}

#define FK_OFF		(8 * M)
#define FK_SEED		0xe1

/*
 * Private memory, fork with the reads in flight (or right before them):
 * a 256 KiB read (general path), a 2 KiB read into the head of a page
 * whose tail the parent writes after the fork (fast path), a 64 KiB
 * async read.  The parent must get the data, the child must keep the
 * bytes of before the fork.
 */
static void case_fork_private(bool posix, bool before)
{
	enum lane_kind sync = posix ? POSIX : ZSYNC;
	char *a = map_anon(256 * K, MAP_PRIVATE, FILL_OLD);
	char *pg = map_anon(4 * K, MAP_PRIVATE, FILL_OLD);
	char *c = map_anon(64 * K, MAP_PRIVATE, FILL_OLD);
	unsigned char *wa = pattern_buf(256 * K, FK_OFF, FK_SEED);
	unsigned char *wp = malloc(4 * K);
	unsigned char *wc = pattern_buf(64 * K, FK_OFF + 320 * K, FK_SEED);
	struct fork_case fc = { .info_only = posix, .before = before };
	static char name[64];
	int fd = api_open(slow_path, posix ? O_RDWR | O_DIRECT : O_RDWR);

	snprintf(name, sizeof(name), "fork-%s-private-%s",
		 before ? "before" : "during", posix ? "pread" : "zcio");
	fc.name = name;
	if (!wp)
		api_die("malloc");
	/* The page: 2 KiB of data, the old bytes, the parent's own write. */
	api_pattern(wp, 2 * K, FK_OFF + 256 * K, FK_SEED);
	memset(wp + 2 * K, FILL_OLD, 3000 - 2 * K);
	memset(wp + 3000, before ? FILL_OLD : FILL_TOUCH, 4 * K - 3000);
	put_data(ffd, FK_OFF, 512 * K, FK_SEED);

	fork_lane(&fc, "read-256k", sync, fd, a, 256 * K, FK_OFF);
	fork_lane(&fc, "read-2k", sync, fd, pg, 2 * K, FK_OFF + 256 * K);
	fork_region(&fc, "256 KiB buffer", a, 256 * K, wa, 0, NULL, FILL_OLD);
	fork_region(&fc, "page", pg, 4 * K, wp, 0, NULL, FILL_OLD);
	if (!posix) {
		fork_lane(&fc, "async-read-64k", ZASYNC, fd, c, 64 * K,
			  FK_OFF + 320 * K);
		fork_region(&fc, "64 KiB async buffer", c, 64 * K, wc, 0,
			    NULL, FILL_OLD);
	}
	if (!before) {
		fc.touch = pg + 3000;
		fc.touch_len = 4 * K - 3000;
	}
	fork_run(&fc);
	close(fd);
	munmap(a, 256 * K);
	munmap(pg, 4 * K);
	munmap(c, 64 * K);
	free(wa);
	free(wp);
	free(wc);
}

/* MAP_SHARED memory: the child sees the data too, for zcio and pread. */
static void case_fork_shared(bool posix, bool before)
{
	enum lane_kind sync = posix ? POSIX : ZSYNC;
	char *a = map_anon(256 * K, MAP_SHARED, FILL_OLD);
	char *pg = map_anon(4 * K, MAP_SHARED, FILL_OLD);
	unsigned char *wa = pattern_buf(256 * K, FK_OFF, FK_SEED + 1);
	unsigned char *wp = pattern_buf(4 * K, FK_OFF + 256 * K, FK_SEED + 1);
	struct fork_case fc = { .before = before };
	static char name[64];
	int fd = api_open(slow_path, posix ? O_RDWR | O_DIRECT : O_RDWR);

	snprintf(name, sizeof(name), "fork-%s-shared-%s",
		 before ? "before" : "during", posix ? "pread" : "zcio");
	fc.name = name;
	put_data(ffd, FK_OFF, 512 * K, FK_SEED + 1);
	fork_lane(&fc, "read-256k", sync, fd, a, 256 * K, FK_OFF);
	fork_lane(&fc, "read-4k", sync, fd, pg, 4 * K, FK_OFF + 256 * K);
	fork_region(&fc, "256 KiB buffer", a, 256 * K, wa, 0, wa, 0);
	fork_region(&fc, "page", pg, 4 * K, wp, 0, wp, 0);
	fork_run(&fc);
	close(fd);
	munmap(a, 256 * K);
	munmap(pg, 4 * K);
	free(wa);
	free(wp);
}

/*
 * A read into the first half of a transparent huge page, fork during it,
 * the parent writing the last quarter: fork must split the pinned PMD and
 * copy for the child.  Reported and skipped if no huge page comes.
 */
static void case_fork_thp(void)
{
	const size_t huge = 2 * M;
	struct fork_case fc = { .name = "fork-during-thp" };
	unsigned char *want = malloc(huge);
	char *raw, *p;
	int fd;

	raw = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED || !want)
		api_die("mmap/malloc: %s", strerror(errno));
	p = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
	if (!madvise(p, huge, MADV_HUGEPAGE))
		memset(p, FILL_OLD, huge);
	if (api_thp_kb(p) < 2048) {
		printf("skip fork-during-thp (AnonHugePages %ld kB)\n",
		       api_thp_kb(p));
		goto out;
	}
	api_pattern(want, M, FK_OFF, FK_SEED + 2);
	memset(want + M, FILL_OLD, M / 2);
	memset(want + M + M / 2, FILL_TOUCH, M / 2);
	put_data(ffd, FK_OFF, M, FK_SEED + 2);
	fd = api_open(slow_path, O_RDWR);
	fork_lane(&fc, "read-1m", ZSYNC, fd, p, M, FK_OFF);
	fork_region(&fc, "huge page", p, huge, want, 0, NULL, FILL_OLD);
	fc.touch = p + M + M / 2;
	fc.touch_len = M / 2;
	fork_run(&fc);
	close(fd);
out:
	munmap(raw, 2 * huge);
	free(want);
}

static int cmd_life(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: rel-life life FAST SLOW DELAY_MS\n");
		return 2;
	}
	fast_path = argv[0];
	slow_path = argv[1];
	slow_s = atoi(argv[2]) / 1000.0;
	if (strncmp(slow_path, "/dev/mapper/", 12))
		api_die("%s is not a /dev/mapper/ device", slow_path);
	slow_dm = slow_path + 12;
	zfd = api_zcio_open();
	ffd = api_open(fast_path, O_RDWR | O_DIRECT);
	if (api_sysfs_stat("pages_pinned"))
		api_die("pages_pinned is not 0 at the start");

	case_close_target(false);
	case_close_target(true);
	case_munmap();
	case_fork_private(false, false);
	case_fork_private(true, false);
	case_fork_thp();
	case_fork_private(false, true);
	case_fork_private(true, true);
	case_fork_shared(false, true);
	case_fork_shared(false, false);
	case_fork_shared(true, true);
	case_fork_shared(true, false);
	return api_exit();
}

/* --- rel-life rmmod --------------------------------------------------------- */

static const char *module_ko;

/* delete_module("zcio") as rmmod(8) calls it: 0 or -errno. */
static int delete_zcio(void)
{
	return syscall(SYS_delete_module, "zcio", O_NONBLOCK) ? -errno : 0;
}

/* finit_module() of @module_ko: 0 or -errno. */
static int load_zcio(void)
{
	int fd = open(module_ko, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		api_die("open %s: %s", module_ko, strerror(errno));
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static bool zcio_loaded(void)
{
	return !access("/sys/module/zcio", F_OK);
}

static bool zcio_node(void)
{
	struct stat st;

	return !stat("/dev/zcio", &st) && S_ISCHR(st.st_mode);
}

/* A 1 MiB write and read back through zcio on @path; false on failure. */
static bool round_trip(const char *name, const char *path, uint64_t off,
		       unsigned int seed)
{
	int fd = api_open(path, O_RDWR);
	char *w = api_map_guarded(M), *r = api_map_guarded(M);
	struct api_expect exp = { .tag = 7, .result = 64 * K };
	struct zcio_io io;
	int64_t ret;
	bool good;
	int actx;

	api_pattern(w, M, off, seed);
	ret = zcio_pio(zfd, ZCIO_OP_WRITE, fd, w, M, off);
	if (ret == (int64_t)M)
		ret = zcio_pio(zfd, ZCIO_OP_READ, fd, r, M, off);
	good = ret == (int64_t)M;
	if (!good)
		api_fail("%s: round trip on %s: %s", name, path,
			 api_result_str(ret));
	else
		good = check_pattern(name, "the round trip", r, M, off, seed);
	/* And one asynchronous read. */
	actx = api_zcio_open();
	memset(r, 0, M);
	zcio_prep_io(&io, ZCIO_OP_READ, fd, r, 64 * K, off);
	io.tag = exp.tag;
	if (zcio_submit(actx, &io, 1) != 1 ||
	    !api_reap_expect(actx, name, &exp, 1, 10) ||
	    !check_pattern(name, "the async round trip", r, 64 * K, off, seed))
		good = false;
	close(actx);
	api_unmap_guarded(w, M);
	api_unmap_guarded(r, M);
	close(fd);
	return good;
}

/*
 * The module is gone: nothing of it is left, FOLL_PIN balances this very
 * moment (the last request was released before zcio_exit() returned),
 * and it loads again, once.
 */
static void check_unloaded_and_reload(const char *name)
{
	struct zcio_stats st;
	uint64_t acq, rel;
	int ret;

	api_vmstat_pins(&acq, &rel);
	if (acq != rel)
		api_fail("%s: FOLL_PIN acquired %" PRIu64 " released %" PRIu64
			 " when rmmod returned: it did not wait for the I/O",
			 name, acq, rel);
	if (zcio_loaded() || zcio_node())
		api_fail("%s: /sys/module/zcio or /dev/zcio still there after rmmod",
			 name);
	ret = load_zcio();
	if (ret)
		api_die("%s: loading %s again: %s", name, module_ko,
			api_errname(ret));
	if (!zcio_node())
		api_fail("%s: no /dev/zcio once finit_module returned", name);
	ret = load_zcio();
	if (ret != -EEXIST)
		api_fail("%s: loading it a second time: %s, want EEXIST", name,
			 ret ? api_errname(ret) : "success");
	zfd = api_zcio_open();
	api_stats(zfd, &st);
	if (st.requests || st.pages_pinned || st.pins)
		api_fail("%s: the reloaded module starts with requests %" PRIu64
			 " pages_pinned %" PRIu64 " pins %" PRIu64 ", want 0",
			 name, (uint64_t)st.requests,
			 (uint64_t)st.pages_pinned, (uint64_t)st.pins);
}

/* rmmod is refused while /dev/zcio is open, idle or with I/O in flight. */
static void case_rmmod_refused(void)
{
	const char *name = "rmmod-refused";
	int sfd = api_open(slow_path, O_RDWR), i, ret, fails = api_failures;
	struct lane l[3];
	double t0, t = 0;

	ret = delete_zcio();
	if (ret != -EWOULDBLOCK)
		api_fail("%s: delete_module with /dev/zcio open: %s, want EWOULDBLOCK (EAGAIN)",
			 name, ret ? api_errname(ret) : "success");
	put_data(ffd, 0, 512 * K, 0x71);
	put_data(ffd, 512 * K, 256 * K, -1);
	lane_set(&l[0], "sync-read", ZSYNC, ZCIO_OP_READ, sfd,
		 map_anon(256 * K, MAP_PRIVATE, FILL_OLD), 256 * K, 0);
	lane_set(&l[1], "async-read", ZASYNC, ZCIO_OP_READ, sfd,
		 map_anon(256 * K, MAP_PRIVATE, FILL_OLD), 256 * K, 256 * K);
	lane_set(&l[2], "async-write", ZASYNC, ZCIO_OP_WRITE, sfd,
		 map_anon(256 * K, MAP_PRIVATE, 0), 256 * K, 512 * K);
	api_pattern(l[2].buf, 256 * K, 512 * K, 0x72);
	t0 = api_now();
	lanes_start(l, 3);
	if (lanes_in_flight(name, l, 3)) {
		ret = delete_zcio();
		t = api_now();
		if (ret != -EWOULDBLOCK)
			api_fail("%s: delete_module with I/O in flight: %s, want EWOULDBLOCK (EAGAIN)",
				 name, ret ? api_errname(ret) : "success");
	}
	lanes_join(name, l, 3, t0);
	/* Refused at once: the I/O was still in flight when it returned. */
	lanes_ended_after(name, "refused delete_module", l, 3, t);
	for (i = 0; i < 3; i++)
		if (lane_full(name, &l[i]) && l[i].op == ZCIO_OP_READ)
			check_pattern(name, l[i].name, l[i].buf, l[i].len,
				      l[i].off, 0x71);
	check_data(name, "the async write", ffd, 512 * K, 256 * K, 0x72);
	if (!zcio_loaded())
		api_die("%s: the module went away", name);
	pins_released(name);
	round_trip(name, fast_path, 4 * M, 0x73);
	for (i = 0; i < 3; i++)
		munmap(l[i].buf, l[i].len);
	close(sfd);
	if (api_failures == fails)
		api_ok(name);
}

/*
 * Async I/O in flight on a context that was closed: nothing holds the
 * module, rmmod unloads it, but only once the last request is released.
 */
static void case_rmmod_async_closed(void)
{
	const char *name = "rmmod-waits-for-async";
	char *wbuf = map_anon(8 * 64 * K, MAP_PRIVATE, 0);
	char *rbuf = map_anon(4 * 64 * K, MAP_PRIVATE, FILL_OLD);
	char *fbuf = map_anon(128 * K, MAP_PRIVATE, FILL_OLD);
	struct zcio_buf reg = { .addr = (uintptr_t)fbuf, .len = 128 * K };
	int sfd = api_open(slow_path, O_RDWR), actx, i, n, ret;
	int fails = api_failures;
	struct zcio_io ios[14];
	uint64_t pinned;
	double t_sub, t;

	put_data(ffd, 2 * M, 384 * K, 0x74);
	put_data(ffd, 3 * M, 512 * K, -1);
	api_pattern(wbuf, 8 * 64 * K, 3 * M, 0x75);
	for (i = 0; i < 8; i++)
		zcio_prep_io(&ios[i], ZCIO_OP_WRITE, sfd, wbuf + i * 64 * K,
			     64 * K, 3 * M + i * 64 * K);
	for (i = 0; i < 4; i++)
		zcio_prep_io(&ios[8 + i], ZCIO_OP_READ, sfd, rbuf + i * 64 * K,
			     64 * K, 2 * M + i * 64 * K);
	/* Two reads into a registered buffer: its set outlives the context. */
	for (i = 0; i < 2; i++)
		zcio_prep_fixed(&ios[12 + i], ZCIO_OP_READ, sfd, 0, i * 64 * K,
				64 * K, 2 * M + 256 * K + i * 64 * K);
	close(zfd);
	zfd = -1;
	actx = api_zcio_open();
	ret = zcio_register_bufs(actx, &reg, 1);
	if (ret)
		api_die("%s: ZCIO_IOC_REGISTER: %s", name, api_errname(ret));
	t_sub = api_now();
	n = zcio_submit(actx, ios, 14);
	if (n != 14)
		api_die("%s: SUBMIT took %s of 14", name, api_result_str(n));
	pinned = api_sysfs_stat("pages_pinned");
	if (api_now() - t_sub > slow_s * 0.8)
		api_die("%s: too slow a guest: %.2f s to submit", name,
			api_now() - t_sub);
	/* 12 I/Os of 16 pages each and the 32 pages of the registered buffer. */
	if (pinned != 12 * 16 + 32)
		api_fail("%s: pages_pinned %" PRIu64 " with 14 I/Os of 64 KiB in flight, want 224",
			 name, pinned);
	close(actx);
	ret = delete_zcio();
	t = api_now();
	if (ret)
		api_die("%s: delete_module with no /dev/zcio open: %s", name,
			api_errname(ret));
	if (t - t_sub < slow_s * 0.9)
		api_fail("%s: rmmod returned %.3f s after the submit, before the I/O could end (%.1f s)",
			 name, t - t_sub, slow_s);
	check_unloaded_and_reload(name);
	/* The reads landed in the buffers, the writes on the device. */
	check_pattern(name, "the read buffers", rbuf, 4 * 64 * K, 2 * M, 0x74);
	check_pattern(name, "the registered buffer", fbuf, 128 * K,
		      2 * M + 256 * K, 0x74);
	check_data(name, "the written range", ffd, 3 * M, 8 * 64 * K, 0x75);
	round_trip(name, fast_path, 4 * M, 0x76);
	munmap(wbuf, 8 * 64 * K);
	munmap(rbuf, 4 * 64 * K);
	munmap(fbuf, 128 * K);
	close(sfd);
	if (api_failures == fails)
		api_ok(name);
}

/*
 * A sync caller SIGKILLed with its request in flight: the request is
 * abandoned to the workqueue, and rmmod waits for it.
 */
static void case_rmmod_killed(void)
{
	const char *name = "rmmod-waits-for-killed";
	double t_fork, t_seen, t_kill, t;
	int status, ret, fails = api_failures;
	uint64_t pinned, killed = api_sysfs_stat("killed");
	pid_t pid;

	close(zfd);
	zfd = -1;
	fflush(NULL);
	t_fork = api_now();
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid) {
		char *b = map_anon(M, MAP_PRIVATE, FILL_OLD);
		int z = zcio_open(), fd = open(slow_path, O_RDWR);

		if (z < 0 || fd < 0)
			_exit(10);
		_exit(zcio_pio(z, ZCIO_OP_READ, fd, b, M, 4 * M) == (int64_t)M ?
		      0 : 11);
	}
	t = api_now() + 10;
	while (task_state("/proc", pid) != 'D' ||
	       api_sysfs_stat("pages_pinned") != 256) {
		if (api_now() > t) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			api_die("%s: the child's 1 MiB read is not in flight after 10 s",
				name);
		}
		usleep(2000);
	}
	t_seen = api_now();
	t_kill = api_now();
	kill(pid, SIGKILL);
	status = api_waitpid(pid);
	t = api_now();
	pinned = api_sysfs_stat("pages_pinned");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		api_fail("%s: the child was not killed by SIGKILL (status %#x)",
			 name, status);
	if (t - t_kill > slow_s * 0.9)
		api_fail("%s: the killed child took %.3f s to die", name,
			 t - t_kill);
	if (t - t_seen < slow_s * 0.8 && pinned != 256)
		api_fail("%s: pages_pinned %" PRIu64 " right after the kill, want 256 (the abandoned read)",
			 name, pinned);
	if (api_sysfs_stat("killed") != killed + 1)
		api_fail("%s: killed rose by %" PRIu64 ", want 1", name,
			 api_sysfs_stat("killed") - killed);
	ret = delete_zcio();
	t = api_now();
	if (ret)
		api_die("%s: delete_module after the kill: %s", name,
			api_errname(ret));
	if (t - t_fork < slow_s * 0.9)
		api_fail("%s: rmmod returned %.3f s after the read started, before it could end (%.1f s)",
			 name, t - t_fork, slow_s);
	check_unloaded_and_reload(name);
	round_trip(name, fast_path, 4 * M, 0x77);
	if (api_failures == fails)
		api_ok(name);
}

static int cmd_rmmod(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: rel-life rmmod FAST SLOW DELAY_MS MODULE_KO\n");
		return 2;
	}
	fast_path = argv[0];
	slow_path = argv[1];
	slow_s = atoi(argv[2]) / 1000.0;
	module_ko = argv[3];
	if (!zcio_loaded())
		api_die("zcio is not loaded");
	zfd = api_zcio_open();
	ffd = api_open(fast_path, O_RDWR | O_DIRECT);
	if (api_sysfs_stat("pages_pinned"))
		api_die("pages_pinned is not 0 at the start");

	case_rmmod_refused();
	case_rmmod_async_closed();
	case_rmmod_killed();
	close(zfd);
	return api_exit();
}

/* --- rel-life race, race-verify, roundtrip ---------------------------------- */

#define RACE_LANES	7
#define RACE_SEED	0x51	/* what the reads find */
#define RACE_WSEED	0x61	/* what the writes put */
#define RACE_PROBE	(7 * M)	/* the I/O after the action */
#define RACE_SPAN	(8 * M)

static const struct {
	const char *name;
	enum lane_kind kind;
	unsigned int op;
	size_t len;
} race_spec[RACE_LANES] = {
	{ "zcio-sync-4k-read", ZSYNC, ZCIO_OP_READ, 4 * K },
	{ "zcio-sync-256k-read", ZSYNC, ZCIO_OP_READ, 256 * K },
	{ "zcio-async-256k-read", ZASYNC, ZCIO_OP_READ, 256 * K },
	{ "pread-256k-read", POSIX, ZCIO_OP_READ, 256 * K },
	{ "zcio-sync-256k-write", ZSYNC, ZCIO_OP_WRITE, 256 * K },
	{ "zcio-async-256k-write", ZASYNC, ZCIO_OP_WRITE, 256 * K },
	{ "pwrite-256k-write", POSIX, ZCIO_OP_WRITE, 256 * K },
};

/* The I/O after the action, 4 KiB each. */
#define RACE_PROBES	6

static const struct {
	const char *name;
	enum lane_kind kind;
	unsigned int op;
} probe_spec[RACE_PROBES] = {
	{ "zcio-read", ZSYNC, ZCIO_OP_READ },
	{ "zcio-async-read", ZASYNC, ZCIO_OP_READ },
	{ "pread", POSIX, ZCIO_OP_READ },
	{ "zcio-write", ZSYNC, ZCIO_OP_WRITE },
	{ "zcio-async-write", ZASYNC, ZCIO_OP_WRITE },
	{ "pwrite", POSIX, ZCIO_OP_WRITE },
};

/* The size of @fd's device as ZCIO_IOC_DEVINFO and BLKGETSIZE64 see it. */
static void race_size(int fd)
{
	struct zcio_devinfo di;
	uint64_t size = 0;
	int ret;

	ret = zcio_get_devinfo(zfd, fd, &di);
	printf("size: devinfo %s", ret ? api_errname(ret) : "");
	if (!ret)
		printf("%" PRIu64, (uint64_t)di.size);
	if (ioctl(fd, BLKGETSIZE64, &size))
		printf(" BLKGETSIZE64 %s\n", api_errname(errno));
	else
		printf(" BLKGETSIZE64 %" PRIu64 "\n", size);
}

/* Lane @i of a race works on its own MiB of the device. */
static uint64_t race_off(int i)
{
	return (uint64_t)i * M;
}

/* "ok" if @fd (O_DIRECT) holds what write lane @i wrote, else "bad". */
static const char *race_written(int fd, int i)
{
	size_t len = race_spec[i].len;
	unsigned char *want = pattern_buf(len, race_off(i), RACE_WSEED + i);
	char *b = map_anon(len, MAP_PRIVATE, 0);
	ssize_t n = pread(fd, b, len, (off_t)race_off(i));
	long d = n == (ssize_t)len ? api_first_diff(b, want, len) : 0;

	if (d >= 0)
		api_info("%s: read back %zd (%s), first difference at +%ld: \"%s\"",
			 race_spec[i].name, n, n < 0 ? strerror(errno) : "bytes",
			 d, api_hexdump(b + d, 16));
	munmap(b, len);
	free(want);
	return d < 0 ? "ok" : "bad";
}

/* "ok" if read lane @l found the data, else "bad". */
static const char *race_read_data(const struct lane *l)
{
	unsigned char *want = pattern_buf(l->len, l->off, RACE_SEED);
	long d = api_first_diff(l->buf, want, l->len);

	if (d >= 0)
		api_info("%s: first difference at +%ld: \"%s\"", l->name, d,
			 api_hexdump(l->buf + d, 16));
	free(want);
	return d < 0 ? "ok" : "bad";
}

/*
 * The built-in actions, for a removal that must reach the kernel while
 * the I/O still waits (no program to start, which takes a while in a
 * slow guest): "@write PATH VALUE" and "@rmdir PATH".  Returns 0 or 1.
 */
static int race_builtin(char **cmd)
{
	size_t len;
	ssize_t n;
	int fd;

	if (!strcmp(cmd[0], "@write") && cmd[1] && cmd[2] && !cmd[3]) {
		len = strlen(cmd[2]);
		fd = open(cmd[1], O_WRONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : write(fd, cmd[2], len);
		if (n != (ssize_t)len)
			api_info("@write %s: %s", cmd[1], strerror(errno));
		if (fd >= 0)
			close(fd);
		return n != (ssize_t)len;
	}
	if (!strcmp(cmd[0], "@rmdir") && cmd[1] && !cmd[2]) {
		if (!rmdir(cmd[1]))
			return 0;
		api_info("@rmdir %s: %s", cmd[1], strerror(errno));
		return 1;
	}
	fprintf(stderr, "rel-life: unknown built-in action %s\n", cmd[0]);
	return 127;
}

/*
 * Run CMD (a program with its output on stderr, or a built-in action) in
 * a child; wait for it until @t0 + LIMIT_S.  Returns its wait status, or
 * -1 if it is still running then.
 */
static int race_action(char **cmd, double t0)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid) {
		if (cmd[0][0] == '@')
			_exit(race_builtin(cmd));
		dup2(2, 1);
		execvp(cmd[0], cmd);
		fprintf(stderr, "rel-life: exec %s: %s\n", cmd[0],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (api_now() > t0 + LIMIT_S) {
			kill(pid, SIGKILL);
			return -1;
		}
		usleep(5000);
	}
	return status;
}

/*
 * -E: every I/O ended within @end_s of the action's start (the action
 * cut the device's delay short).  -W: the action returned no earlier than
 * @wait_s after the first I/O started (it waited for the I/O).
 */
static void race_timing(const char *name, const char *what,
			const struct lane *l, double t_act, double t_end,
			double end_s, double wait_s)
{
	double first = l[0].t_start;
	int i;

	for (i = 0; i < RACE_LANES; i++) {
		if (end_s > 0 && l[i].t_end - t_act > end_s)
			api_fail("%s: %s ended %.3f s after %s started, want within %.1f s",
				 name, l[i].name, l[i].t_end - t_act, what,
				 end_s);
		if (l[i].t_start < first)
			first = l[i].t_start;
	}
	if (wait_s > 0 && t_end - first < wait_s)
		api_fail("%s: %s returned %.3f s after the I/O started, want at least %.1f s: it did not wait for the I/O",
			 name, what, t_end - first, wait_s);
}

/*
 * A race: the target's fds (plain for zcio, O_DIRECT for pread/pwrite),
 * the verify device's (or -1), the timing limits and the lanes.
 */
struct race {
	int sfd, dfd, vfd;
	double end_s, wait_s;
	struct lane l[RACE_LANES];
};

/* The reads' data in the first four MiB, zeros after; the lanes. */
static void race_prepare(struct race *r)
{
	char *b = api_map_guarded(RACE_SPAN);
	int i;

	memset(b, 0, RACE_SPAN);
	api_pattern(b, 4 * M, 0, RACE_SEED);
	api_pwrite_all(r->vfd >= 0 ? r->vfd : r->dfd, b, RACE_SPAN, 0);
	api_unmap_guarded(b, RACE_SPAN);
	for (i = 0; i < RACE_LANES; i++) {
		struct lane *l = &r->l[i];

		lane_set(l, race_spec[i].name, race_spec[i].kind,
			 race_spec[i].op,
			 race_spec[i].kind == POSIX ? r->dfd : r->sfd,
			 map_anon(race_spec[i].len, MAP_PRIVATE, FILL_OLD),
			 race_spec[i].len, race_off(i));
		if (l->op == ZCIO_OP_WRITE)
			api_pattern(l->buf, l->len, l->off, RACE_WSEED + i);
	}
}

/* Start the lanes, run the action with them in flight, join them. */
static bool race_run(struct race *r, char **cmd)
{
	double t_act, t_end, lo, hi;
	struct lane *l = r->l;
	int i, status;

	lanes_start(l, RACE_LANES);
	if (!lanes_in_flight("race", l, RACE_LANES)) {
		lanes_join("race", l, RACE_LANES, api_now());
		return false;
	}
	t_act = api_now();
	status = race_action(cmd, t_act);
	t_end = api_now();
	if (status < 0)
		api_fail("race: %s still running %.0f s later", cmd[0],
			 LIMIT_S);
	lanes_join("race", l, RACE_LANES, t_act);
	lanes_ended_after("race", cmd[0], l, RACE_LANES, t_act);
	for (i = 1, lo = hi = l[0].t_end; i < RACE_LANES; i++) {
		lo = l[i].t_end < lo ? l[i].t_end : lo;
		hi = l[i].t_end > hi ? l[i].t_end : hi;
	}
	api_info("%s took %.3f s; the I/O ended %.3f s to %.3f s after it started",
		 cmd[0], t_end - t_act, lo - t_act, hi - t_act);
	race_timing("race", cmd[0], l, t_act, t_end, r->end_s, r->wait_s);

	for (i = 0; i < RACE_LANES; i++) {
		const char *data = "-";

		if (l[i].res == (int64_t)l[i].len && l[i].op == ZCIO_OP_READ)
			data = race_read_data(&l[i]);
		else if (l[i].res == (int64_t)l[i].len)
			data = r->vfd >= 0 ? race_written(r->vfd, i) :
					     "unchecked";
		printf("%s: %s data %s\n", l[i].name,
		       api_result_str(l[i].res), data);
	}
	if (status < 0)
		printf("action: hung\n");
	else if (WIFEXITED(status))
		printf("action: exit %d\n", WEXITSTATUS(status));
	else
		printf("action: signal %d\n", WTERMSIG(status));
	return true;
}

/* What the same fds do now: each kind of I/O, and the size. */
static void race_after(struct race *r)
{
	struct lane p[RACE_PROBES];
	double t0 = api_now();
	int i;

	for (i = 0; i < RACE_PROBES; i++)
		lane_set(&p[i], probe_spec[i].name, probe_spec[i].kind,
			 probe_spec[i].op,
			 probe_spec[i].kind == POSIX ? r->dfd : r->sfd,
			 r->l[i].buf, 4 * K, RACE_PROBE + i * 64 * K);
	lanes_start(p, RACE_PROBES);
	lanes_join("race", p, RACE_PROBES, t0);
	printf("after:");
	for (i = 0; i < RACE_PROBES; i++)
		printf(" %s %s", p[i].name, api_result_str(p[i].res));
	printf("\n");
	race_size(r->sfd);
}

static int cmd_race(int argc, char **argv)
{
	struct race r = { .vfd = -1 };
	struct zcio_stats before, after;
	const char *verify = NULL;
	int i, opt;

	/* argv[-1] is "race", in getopt's place of the program name. */
	while ((opt = getopt(argc + 1, argv - 1, "+V:E:W:")) != -1) {
		if (opt == 'V')
			verify = optarg;
		else if (opt == 'E')
			r.end_s = atof(optarg);
		else if (opt == 'W')
			r.wait_s = atof(optarg);
		else
			return 2;
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 3 || strcmp(argv[1], "--")) {
		fprintf(stderr, "usage: rel-life race [-V VERIFY_DEV] [-E SECS] [-W SECS] DEV -- CMD [ARG...]\n");
		return 2;
	}
	zfd = api_zcio_open();
	r.sfd = api_open(argv[0], O_RDWR);
	r.dfd = api_open(argv[0], O_RDWR | O_DIRECT);
	if (verify)
		r.vfd = api_open(verify, O_RDWR | O_DIRECT);
	if (api_sysfs_stat("pages_pinned"))
		api_die("pages_pinned is not 0 at the start");

	race_prepare(&r);
	api_stats(zfd, &before);
	if (!race_run(&r, argv + 2))
		return api_exit();
	race_after(&r);
	api_stats(zfd, &after);
	printf("zcio: requests +%" PRIu64 " errors +%" PRIu64 "\n",
	       (uint64_t)(after.requests - before.requests),
	       (uint64_t)(after.errors - before.errors));
	fflush(stdout);
	pins_released("race");
	for (i = 0; i < RACE_LANES; i++)
		munmap(r.l[i].buf, r.l[i].len);
	close(r.sfd);
	close(r.dfd);
	if (r.vfd >= 0)
		close(r.vfd);
	return api_exit();
}

static int cmd_race_verify(int argc, char **argv)
{
	int fd, i;

	if (argc != 1) {
		fprintf(stderr, "usage: rel-life race-verify DEV\n");
		return 2;
	}
	fd = api_open(argv[0], O_RDONLY | O_DIRECT);
	for (i = 0; i < RACE_LANES; i++)
		if (race_spec[i].op == ZCIO_OP_WRITE)
			printf("%s: data %s\n", race_spec[i].name,
			       race_written(fd, i));
	close(fd);
	return 0;
}

static int cmd_roundtrip(int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: rel-life roundtrip DEV\n");
		return 2;
	}
	zfd = api_zcio_open();
	if (round_trip("roundtrip", argv[0], 0, 0x7e))
		api_ok("roundtrip");
	close(zfd);
	return api_exit();
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
		unsigned int alarm_s;
	} cmds[] = {
		{ "life", cmd_life, 600 },
		{ "rmmod", cmd_rmmod, 300 },
		{ "race", cmd_race, 150 },
		{ "race-verify", cmd_race_verify, 60 },
		{ "roundtrip", cmd_roundtrip, 60 },
	};
	size_t i;

	api_prog = "rel-life";
	for (i = 0; argc >= 2 && i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			/* The last resort; every wait has its own limit. */
			alarm(cmds[i].alarm_s);
			return cmds[i].fn(argc - 2, argv + 2);
		}
	fprintf(stderr, "usage: rel-life life|rmmod|race|race-verify|roundtrip ARGS...\n");
	return 2;
}
