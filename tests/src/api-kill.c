// SPDX-License-Identifier: GPL-2.0
/*
 * api-kill SLOW_DEV FAST_DEV: a caller killed with a large zcio request in
 * flight.
 *
 * SLOW_DEV must be slow: every bio takes about COMPLETION_S seconds,
 * however many are in flight, and the device must keep data and have
 * 128 MiB (dm-delay over brd; or null_blk irqmode=2
 * completion_nsec=2000000000 memory_backed=1 hw_queue_depth=256).
 * FAST_DEV is any writable scratch device of 128 MiB (the brd under the
 * dm-delay) for the round trips after each kill.  Cases:
 *
 *  kill-{read,write}-at-first-pin: a child issues one 64 MiB request; it
 *	is SIGKILLed as soon as the module has pinned any of its pages (the
 *	kill usually lands while it is still mapping and submitting);
 *  kill-{read,write}-waiting: the same, killed once all 64 bios have been
 *	submitted (the child sleeps in the killable wait);
 *  kill-two-threads: two threads of the child each have a 32 MiB read in
 *	flight when the process is killed (a case in which a request ended
 *	before the kill, on a machine too loaded for COMPLETION_S, starts
 *	over, three times at most);
 *  signal-not-fatal: SIGUSR1 (with a handler) during a 16 MiB read does
 *	not cut the request short: the ioctl returns the full length.
 *
 * After each kill: the child died of SIGKILL without waiting for its I/O
 * (its pages were still pinned when it had been reaped); pages_pinned
 * returns to 0 within 30 s, nr_foll_pin_acquired == nr_foll_pin_released;
 * the killed counter rose by exactly one per killed request (each was in
 * flight, since the kill only came after its pages were pinned), errors
 * by as many, pins == unpins; then a 1 MiB write + read round trip
 * through zcio on FAST_DEV returns the data.  At the end one more round
 * trip goes through SLOW_DEV.
 */
#include "api-util.h"

#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#define M		(1024 * 1024)
#define BIG		(64 * M)	/* one request, 64 bios of 1 MiB */
#define BIO_BYTES	M		/* BIO_MAX_VECS pages */
#define COMPLETION_S	2

static int zfd;
static const char *dev_path;	/* the slow device */
static const char *fast_path;	/* the same data without the delay */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- the child ------------------------------------------------------- */

struct child_io {
	int zfd, fd;
	unsigned int op;
	char *buf;
	size_t len;
	uint64_t off;
	int64_t res;
};

static void *child_io_run(void *arg)
{
	struct child_io *c = arg;

	c->res = zcio_pio(c->zfd, c->op, c->fd, c->buf, c->len, c->off);
	return NULL;
}

/* A prefaulted buffer: pinning then takes the fast path. */
static char *child_buffer(size_t len, int fill)
{
	char *b = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (b == MAP_FAILED)
		_exit(10);
	memset(b, fill, len);
	return b;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * The child: @nthreads requests of @len bytes each, at consecutive
 * offsets, each in its own thread.  Exit 0 if all returned @len.
 */
static void __attribute__((noreturn))
child(unsigned int op, size_t len, int nthreads, bool handle_usr1)
{
	struct child_io io[2];
	pthread_t tid[2];
	int fd, i, bad = 0;

	if (handle_usr1) {
		struct sigaction sa = { .sa_handler = on_usr1 };

		sigaction(SIGUSR1, &sa, NULL);
	}
	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(11);
	for (i = 0; i < nthreads; i++) {
		io[i] = (struct child_io){
			.zfd = zfd, .fd = fd, .op = op,
			.buf = child_buffer(len, 0x60 + i), .len = len,
			.off = (uint64_t)i * len,
		};
		if (pthread_create(&tid[i], NULL, child_io_run, &io[i]))
			_exit(12);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(tid[i], NULL);
		if (io[i].res != (int64_t)len) {
			fprintf(stderr, "api-kill child: request %d: %s\n", i,
				api_result_str(io[i].res));
			bad = 1;
		}
	}
	_exit(bad ? 13 : 0);
}

/* --- the parent ------------------------------------------------------ */

/* Has the child exited already?  Then report how and return true. */
static bool child_gone(const char *name, pid_t pid)
{
	int status;

	if (waitpid(pid, &status, WNOHANG) != pid)
		return false;
	api_fail("%s: the child ended before the signal (%s %d)", name,
		 WIFSIGNALED(status) ? "signal" : "exit status",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	return true;
}

/*
 * Wait until the counter @stat has risen to @base + @delta, polling
 * without sleeping; false (and the child reaped) if the child ended or
 * 60 s passed first.
 */
static bool wait_counter(const char *name, pid_t pid, const char *stat,
			 uint64_t base, uint64_t delta)
{
	double deadline = now() + 60;
	unsigned long polls = 0;

	while (api_sysfs_stat(stat) < base + delta) {
		if ((++polls & 63) == 0 && child_gone(name, pid))
			return false;
		if (now() > deadline) {
			api_fail("%s: %s did not reach +%" PRIu64 " in 60 s",
				 name, stat, delta);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return false;
		}
	}
	return true;
}

/* Poll until the module holds no pinned page; false after @secs. */
static bool wait_unpinned(int secs)
{
	double deadline = now() + secs;

	while (api_sysfs_stat("pages_pinned")) {
		if (now() > deadline)
			return false;
		usleep(10000);
	}
	return true;
}

/* The module still works: write 1 MiB to @path through zcio, read it back. */
static bool round_trip(const char *name, const char *path, int seed)
{
	int fd = api_open(path, O_RDWR);
	char *w = api_map_guarded(M), *r = api_map_guarded(M);
	uint64_t off = 96 * M;
	int64_t ret;
	bool good = true;

	api_pattern(w, M, off, seed);
	ret = zcio_pio(zfd, ZCIO_OP_WRITE, fd, w, M, off);
	if (ret == M)
		ret = zcio_pio(zfd, ZCIO_OP_READ, fd, r, M, off);
	if (ret != M) {
		api_fail("%s: round trip after the kill: %s", name,
			 api_result_str(ret));
		good = false;
	} else if (memcmp(w, r, M)) {
		api_fail("%s: round trip after the kill read other data", name);
		good = false;
	}
	api_unmap_guarded(w, M);
	api_unmap_guarded(r, M);
	close(fd);
	return good;
}

/* Everything that must hold once the killed requests are released. */
static bool check_after_kill(const char *name, const struct zcio_stats *before,
			     uint64_t nkilled)
{
	struct zcio_stats after;
	uint64_t acq, rel;
	bool good = true;

	if (!wait_unpinned(API_KILL_TIMEOUT_S)) {
		api_fail("%s: pages_pinned is still %" PRIu64 " after %d s",
			 name, api_sysfs_stat("pages_pinned"),
			 API_KILL_TIMEOUT_S);
		return false;
	}
	api_vmstat_pins(&acq, &rel);
	if (acq != rel) {
		api_fail("%s: nr_foll_pin_acquired %" PRIu64 " != released %"
			 PRIu64, name, acq, rel);
		good = false;
	}
	api_stats(zfd, &after);
	if (after.killed - before->killed != nkilled ||
	    after.errors - before->errors != nkilled ||
	    after.requests - before->requests != nkilled ||
	    after.pins - before->pins != after.unpins - before->unpins) {
		api_fail("%s: killed +%" PRIu64 " errors +%" PRIu64
			 " requests +%" PRIu64 " (want +%" PRIu64 " each), pins +%"
			 PRIu64 " unpins +%" PRIu64, name,
			 (uint64_t)(after.killed - before->killed),
			 (uint64_t)(after.errors - before->errors),
			 (uint64_t)(after.requests - before->requests), nkilled,
			 (uint64_t)(after.pins - before->pins),
			 (uint64_t)(after.unpins - before->unpins));
		good = false;
	}
	return good;
}

/*
 * Start a child with @nthreads requests of @len bytes, SIGKILL it once
 * the counter @stat rose by @delta, and check the aftermath.
 */
static void kill_case(const char *name, unsigned int op, size_t len,
		      int nthreads, const char *stat, uint64_t delta)
{
	struct zcio_stats before, after;
	uint64_t base, pinned_at_reap;
	double t_kill, t_reap;
	int status, attempt;
	bool good = true;
	pid_t pid;

	for (attempt = 1;; attempt++) {
		if (api_sysfs_stat("pages_pinned"))
			api_die("%s: pages pinned before the case", name);
		api_stats(zfd, &before);
		base = api_sysfs_stat(stat);
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			api_die("fork: %s", strerror(errno));
		if (!pid)
			child(op, len, nthreads, false);
		if (!wait_counter(name, pid, stat, base, delta))
			return;
		/*
		 * Every request must be in flight when the kill comes.  On a
		 * loaded machine one thread's request can end (COMPLETION_S)
		 * before the other's bios are all out: then start over.
		 */
		if (api_sysfs_stat("requests") == before.requests)
			break;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (!wait_unpinned(API_KILL_TIMEOUT_S))
			api_die("%s: pages still pinned after a discarded attempt",
				name);
		if (attempt == 3) {
			api_fail("%s: in 3 attempts a request ended before the others were in flight",
				 name);
			return;
		}
		api_info("%s: a request ended before the others were in flight: again",
			 name);
	}
	t_kill = now();
	kill(pid, SIGKILL);
	status = api_waitpid(pid);
	t_reap = now();
	pinned_at_reap = api_sysfs_stat("pages_pinned");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		api_fail("%s: the child was not killed by SIGKILL (status %#x)",
			 name, status);
		good = false;
	}
	/*
	 * A caller that waited for its I/O would have released its pages
	 * before returning; these requests take COMPLETION_S seconds.
	 */
	if (!pinned_at_reap) {
		api_fail("%s: nothing pinned when the child was reaped, %.2f s after the kill: it waited for its I/O",
			 name, t_reap - t_kill);
		good = false;
	}
	good &= check_after_kill(name, &before, nthreads);
	api_stats(zfd, &after);
	api_info("%s: reaped %.2f s after the kill, %" PRIu64
		 " pages pinned then, all released %.2f s after the kill; pins +%"
		 PRIu64 " bios +%" PRIu64 " partial_maps +%" PRIu64,
		 name, t_reap - t_kill, pinned_at_reap, now() - t_kill,
		 (uint64_t)(after.pins - before.pins),
		 (uint64_t)(after.bios - before.bios),
		 (uint64_t)(after.partial_maps - before.partial_maps));
	good &= round_trip(name, fast_path, 0x40 + nthreads);
	if (good)
		printf("ok %s\n", name);
}

/* A signal that is not fatal must not end the request early. */
static void signal_case(const char *name)
{
	struct zcio_stats before, after;
	size_t len = 16 * M;
	uint64_t base;
	int status, i;
	pid_t pid;

	api_stats(zfd, &before);
	base = api_sysfs_stat("bios");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid)
		child(ZCIO_OP_READ, len, 1, true);
	if (!wait_counter(name, pid, "bios", base, len / BIO_BYTES))
		return;
	for (i = 0; i < 3; i++) {
		kill(pid, SIGUSR1);
		usleep(50000);
	}
	status = api_waitpid(pid);
	api_stats(zfd, &after);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		api_fail("%s: the child's read did not complete (status %#x)",
			 name, status);
	} else if (after.killed != before.killed ||
		   after.errors != before.errors ||
		   after.bytes_read - before.bytes_read != len) {
		api_fail("%s: killed +%" PRIu64 " errors +%" PRIu64
			 " bytes_read +%" PRIu64, name,
			 (uint64_t)(after.killed - before.killed),
			 (uint64_t)(after.errors - before.errors),
			 (uint64_t)(after.bytes_read - before.bytes_read));
	} else {
		printf("ok %s\n", name);
	}
}

int main(int argc, char **argv)
{
	struct zcio_devinfo di;
	int fd, ret;

	api_prog = "api-kill";
	if (argc != 3) {
		fprintf(stderr, "usage: api-kill SLOW_DEV FAST_DEV\n");
		return 2;
	}
	dev_path = argv[1];
	fast_path = argv[2];
	zfd = api_zcio_open();
	fd = api_open(dev_path, O_RDONLY);
	ret = zcio_get_devinfo(zfd, fd, &di);
	close(fd);
	if (ret)
		api_die("ZCIO_IOC_DEVINFO: %s", zcio_strerror(ret));
	if (di.size < 128 * M)
		api_die("%s: need 128 MiB", dev_path);

	kill_case("kill-read-at-first-pin", ZCIO_OP_READ, BIG, 1,
		  "pages_pinned", 1);
	kill_case("kill-write-at-first-pin", ZCIO_OP_WRITE, BIG, 1,
		  "pages_pinned", 1);
	kill_case("kill-read-waiting", ZCIO_OP_READ, BIG, 1, "bios",
		  BIG / BIO_BYTES);
	kill_case("kill-write-waiting", ZCIO_OP_WRITE, BIG, 1, "bios",
		  BIG / BIO_BYTES);
	kill_case("kill-two-threads", ZCIO_OP_READ, BIG / 2, 2, "bios",
		  BIG / BIO_BYTES);
	signal_case("signal-not-fatal");
	if (round_trip("slow-device-round-trip", dev_path, 0x4f))
		printf("ok slow-device-round-trip\n");
	return api_exit();
}
