// SPDX-License-Identifier: GPL-2.0
/*
 * api-async-life FAST_DEV SLOW_DEV: the life of asynchronous I/O beyond
 * its submitter: close(), exit and SIGKILL with I/O in flight, shared and
 * concurrent use of one context.
 *
 * FAST_DEV is a writable scratch device of at least 16 MiB (brd);
 * SLOW_DEV shows the same data with every bio held for about SLOW_S
 * (dm-delay over FAST_DEV).  Cases:
 *
 *  close-inflight	16 reads of 64 KiB in flight on SLOW_DEV, then close()
 *			and munmap() of the buffer: close returns at once
 *			(before the I/O can have completed) with the pages
 *			still pinned; within a few seconds every page is
 *			released, the FOLL_PIN totals balance, and
 *			async_requests moved with requests (it is a part of
 *			them), reads and bytes_read with it;
 *  close-done		an I/O completed but not reaped: close() releases its
 *			pages before it returns;
 *  exit-inflight	a child submits 64 writes to SLOW_DEV and exits
 *			without reaping: the writes still reach the device
 *			(compared through FAST_DEV) and every page is released;
 *  sigkill		a child with 64 reads in flight blocks in a reap and
 *			is SIGKILLed: it dies at once, and every page is
 *			released afterwards;
 *  shared		a child that inherited the context exits: the parent's
 *			I/O in that context still completes and is reaped;
 *  threads		four threads reap while the main thread submits 256
 *			I/Os in batches: every tag reaped exactly once.
 *
 * A module that waited for the I/O in release() fails close-inflight and
 * sigkill on time; one that freed the requests or their pages at close
 * fails on the pin counts or with a KASAN/refcount report (the runner
 * checks dmesg); one that dropped the I/O fails exit-inflight's data
 * check; one that lost or doubled events fails threads.
 */
#include "api-util.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#define K		1024UL
#define M		(1024UL * 1024)
#define SLOW_S		0.5
#define SLOW_MIN_S	(SLOW_S * 0.8)

static int bfd, sfd, afd;
static const char *fast_path, *slow_path;

static int open_zcio(void)
{
	return api_zcio_open();
}

#define DELTA(f)	((uint64_t)(after.f - before.f))

static void test_close_inflight(void)
{
	const char *name = "close-inflight";
	struct zcio_stats before, after;
	struct zcio_io ios[16];
	char *buf = api_map_filled(16 * 64 * K, 0x3c);
	uint64_t pinned;
	double t0, t;
	int zfd = open_zcio(), i, n, fails = api_failures;

	api_stats(zfd, &before);
	for (i = 0; i < 16; i++) {
		zcio_prep_io(&ios[i], ZCIO_OP_READ, sfd, buf + i * 64 * K,
			     64 * K, 8 * M + i * 64 * K);
		ios[i].tag = i;
	}
	t0 = api_now();
	n = zcio_submit(zfd, ios, 16);
	if (n != 16) {
		api_fail("%s: SUBMIT took %s of 16", name, api_result_str(n));
		return;
	}
	pinned = api_sysfs_stat("pages_pinned");
	if (close(zfd))
		api_fail("%s: close: %s", name, strerror(errno));
	t = api_now() - t0;
	munmap(buf, 16 * 64 * K);
	if (t < SLOW_MIN_S) {
		/* Each 64 KiB read pins 16 pages until it is released. */
		if (pinned != 256)
			api_fail("%s: pages_pinned %" PRIu64 " with 16 reads of 64 KiB in flight, want 256",
				 name, pinned);
		if (api_sysfs_stat("pages_pinned") == 0)
			api_fail("%s: nothing pinned right after close, %.3f s after the submit: was the I/O cut short?",
				 name, t);
	} else {
		api_fail("%s: close() took %.3f s: it waited for the I/O",
			 name, t);
	}
	if (!api_wait_pinned(name, 0, 10) || !api_foll_pin_balanced(name))
		return;
	zfd = open_zcio();
	api_stats(zfd, &after);
	close(zfd);
	/*
	 * Whether requests released unreaped count or not (the UAPI counts
	 * them at reap), async_requests is a part of requests: both move
	 * together, by 0 or by 16 reads of 64 KiB.
	 */
	if (DELTA(async_requests) != DELTA(requests) ||
	    (DELTA(requests) != 0 && DELTA(requests) != 16) ||
	    DELTA(reads) != DELTA(requests) ||
	    DELTA(bytes_read) != DELTA(reads) * 64 * K ||
	    DELTA(errors) != 0 || DELTA(pins) != DELTA(unpins))
		api_fail("%s: counters after the close: async_requests +%" PRIu64
			 " requests +%" PRIu64 " reads +%" PRIu64 " bytes_read +%"
			 PRIu64 " errors +%" PRIu64 "; want async_requests = requests = reads = 0 or 16, bytes_read = 64 KiB each, no error",
			 name, DELTA(async_requests), DELTA(requests),
			 DELTA(reads), DELTA(bytes_read), DELTA(errors));
	if (api_failures == fails)
		api_ok(name);
}

static void test_close_done(void)
{
	const char *name = "close-done";
	struct pollfd pfd;
	struct zcio_io io;
	char *buf = api_map_filled(64 * K, 0x3c);
	int zfd = open_zcio(), n;

	zcio_prep_io(&io, ZCIO_OP_READ, bfd, buf, 64 * K, 0);
	n = zcio_submit(zfd, &io, 1);
	pfd = (struct pollfd){ .fd = zfd, .events = POLLIN };
	if (n != 1 || poll(&pfd, 1, 10000) != 1) {
		api_fail("%s: SUBMIT %s, or no POLLIN", name, api_result_str(n));
		close(zfd);
		return;
	}
	if (api_sysfs_stat("pages_pinned") != 16)
		api_fail("%s: pages_pinned %" PRIu64 " with one unreaped 64 KiB read, want 16",
			 name, api_sysfs_stat("pages_pinned"));
	close(zfd);
	if (api_sysfs_stat("pages_pinned") != 0) {
		api_fail("%s: pages_pinned %" PRIu64 " right after close(), want 0",
			 name, api_sysfs_stat("pages_pinned"));
		api_wait_pinned(name, 0, 10);
	}
	munmap(buf, 64 * K);
	if (api_foll_pin_balanced(name))
		api_ok(name);
}

/* Wait for @pid; false unless it ended as @sig (0: exit status 0). */
static bool reap_child(const char *name, pid_t pid, int sig)
{
	int status;

	status = api_waitpid(pid);
	if (sig ? WIFSIGNALED(status) && WTERMSIG(status) == sig :
		  WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	api_fail("%s: the child ended with %s %d, want %s %d", name,
		 WIFSIGNALED(status) ? "signal" : "status",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
		 sig ? "signal" : "status", sig);
	return false;
}

#define EXIT_OFF	(10 * M)

static void test_exit_inflight(void)
{
	const char *name = "exit-inflight";
	char *want = api_map_filled(64 * 4096, 0x3c);
	char *got = api_map_filled(64 * 4096, 0x3c);
	pid_t pid;
	int i;

	memset(got, 0, 64 * 4096);
	api_pwrite_all(afd, got, 64 * 4096, EXIT_OFF);
	api_pattern(want, 64 * 4096, EXIT_OFF, 0x45);
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid) {
		struct zcio_io ios[64];
		int zfd = zcio_open();

		if (zfd < 0)
			_exit(10);
		for (i = 0; i < 64; i++) {
			zcio_prep_io(&ios[i], ZCIO_OP_WRITE, sfd,
				     want + i * 4096, 4096, EXIT_OFF + i * 4096);
			ios[i].tag = i;
		}
		_exit(zcio_submit(zfd, ios, 64) == 64 ? 0 : 11);
	}
	if (!reap_child(name, pid, 0))
		return;
	if (!api_wait_pinned(name, 0, 10) || !api_foll_pin_balanced(name))
		return;
	api_pread_all(afd, got, 64 * 4096, EXIT_OFF);
	if (api_first_diff(got, want, 64 * 4096) >= 0) {
		long d = api_first_diff(got, want, 64 * 4096);

		api_fail("%s: the device differs at +%ld from what the exited child wrote: \"%s\"",
			 name, d, api_hexdump(got + (d & ~511L), 32));
		return;
	}
	api_ok(name);
	munmap(want, 64 * 4096);
	munmap(got, 64 * 4096);
}

static void test_sigkill(void)
{
	const char *name = "sigkill";
	int pipefd[2], status;
	uint64_t pinned;
	double t0, t;
	pid_t pid;
	char c;

	if (pipe2(pipefd, O_CLOEXEC))
		api_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid) {
		struct zcio_event ev[64];
		struct zcio_io ios[64];
		char *buf = api_map_filled(64 * 4096, 0x3c);
		int zfd = zcio_open(), i;

		if (zfd < 0)
			_exit(10);
		for (i = 0; i < 64; i++) {
			zcio_prep_io(&ios[i], ZCIO_OP_READ, sfd,
				     buf + i * 4096, 4096, 8 * M + i * 4096);
			ios[i].tag = i;
		}
		if (zcio_submit(zfd, ios, 64) != 64)
			_exit(11);
		if (write(pipefd[1], "s", 1) != 1)
			_exit(12);
		zcio_reap(zfd, ev, 64, 64, -1);
		zcio_reap(zfd, ev, 64, 64, -1);
		_exit(13);	/* not killed in time */
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1) {
		close(pipefd[0]);
		reap_child(name, pid, SIGKILL);
		api_fail("%s: the child did not submit", name);
		return;
	}
	close(pipefd[0]);
	t0 = api_now();
	usleep(50000);
	pinned = api_sysfs_stat("pages_pinned");
	/* Too slow a guest to know the reads were still in flight. */
	if (api_now() - t0 > SLOW_MIN_S - 0.1)
		pinned = 64;
	t0 = api_now();
	kill(pid, SIGKILL);
	status = api_waitpid(pid);
	t = api_now() - t0;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		api_fail("%s: the child ended with %s %d, not SIGKILL", name,
			 WIFSIGNALED(status) ? "signal" : "status",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		return;
	}
	if (pinned != 64)
		api_fail("%s: pages_pinned %" PRIu64 " before the kill, want 64 (64 reads of one page in flight)",
			 name, pinned);
	if (t > SLOW_MIN_S)
		api_fail("%s: the killed child took %.3f s to die: did it wait for its I/O?",
			 name, t);
	if (!api_wait_pinned(name, 0, 10) || !api_foll_pin_balanced(name))
		return;
	api_ok(name);
}

static void test_shared(void)
{
	const char *name = "shared";
	struct api_expect exp[8];
	struct zcio_io ios[8];
	char *buf = api_map_filled(8 * 4096, 0x3c);
	int zfd = open_zcio(), i, n;
	pid_t pid;

	for (i = 0; i < 8; i++) {
		zcio_prep_io(&ios[i], ZCIO_OP_READ, sfd, buf + i * 4096, 4096,
			     8 * M + i * 4096);
		ios[i].tag = 0x5ead + i;
		exp[i] = (struct api_expect){ .tag = ios[i].tag, .result = 4096 };
	}
	n = zcio_submit(zfd, ios, 8);
	if (n != 8) {
		api_fail("%s: SUBMIT took %s", name, api_result_str(n));
		close(zfd);
		return;
	}
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid) {
		close(zfd);
		_exit(0);
	}
	if (reap_child(name, pid, 0) &&
	    api_reap_expect(zfd, name, exp, 8, 10) &&
	    api_reap_none(zfd, name)) {
		close(zfd);
		if (api_wait_pinned(name, 0, 5))
			api_ok(name);
	} else {
		close(zfd);
	}
	munmap(buf, 8 * 4096);
}

/* --- concurrent reapers --------------------------------------------------- */

#define THR_NR		256
#define THR_READERS	4

static struct {
	pthread_mutex_t lock;
	int zfd;
	unsigned int total;
	unsigned int seen[THR_NR];
	unsigned int bad;
} thr = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *reaper(void *arg)
{
	struct zcio_event ev[4];
	double end = api_now() + 60;
	int n, j;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&thr.lock);
		if (thr.total >= THR_NR || api_now() > end) {
			pthread_mutex_unlock(&thr.lock);
			return NULL;
		}
		pthread_mutex_unlock(&thr.lock);
		n = zcio_reap(thr.zfd, ev, 1, 4, 100000000);
		pthread_mutex_lock(&thr.lock);
		if (n < 0)
			thr.bad++;
		for (j = 0; j < n; j++) {
			uint64_t i = ev[j].tag - 0x70000;

			if (i >= THR_NR || ev[j].result != 4096)
				thr.bad++;
			else
				thr.seen[i]++;
		}
		if (n > 0)
			thr.total += n;
		pthread_mutex_unlock(&thr.lock);
	}
}

static void test_threads(void)
{
	const char *name = "threads";
	pthread_t tid[THR_READERS];
	struct zcio_io ios[THR_NR];
	char *buf = api_map_filled(64 * 4096, 0x3c);
	unsigned int i, done = 0;
	int n;

	thr.zfd = open_zcio();
	for (i = 0; i < THR_NR; i++) {
		zcio_prep_io(&ios[i], ZCIO_OP_READ, bfd, buf + (i % 64) * 4096,
			     4096, (i % 64) * 4096);
		ios[i].tag = 0x70000 + i;
	}
	for (i = 0; i < THR_READERS; i++)
		if (pthread_create(&tid[i], NULL, reaper, NULL))
			api_die("pthread_create failed");
	/* The reapers are waiting before anything is submitted. */
	usleep(100000);
	while (done < THR_NR) {
		n = zcio_submit(thr.zfd, ios + done, 16);
		if (n <= 0) {
			api_fail("%s: SUBMIT: %s", name, api_result_str(n));
			break;
		}
		done += n;
	}
	for (i = 0; i < THR_READERS; i++)
		pthread_join(tid[i], NULL);
	if (thr.total != THR_NR || thr.bad)
		api_fail("%s: %u events reaped of %u, %u bad", name, thr.total,
			 THR_NR, thr.bad);
	for (i = 0; i < THR_NR; i++)
		if (thr.seen[i] != 1) {
			api_fail("%s: tag %u reaped %u times", name, i,
				 thr.seen[i]);
			break;
		}
	if (api_reap_none(thr.zfd, name) && !thr.bad && thr.total == THR_NR &&
	    i == THR_NR)
		api_ok(name);
	close(thr.zfd);
	api_wait_pinned(name, 0, 5);
	munmap(buf, 64 * 4096);
}

int main(int argc, char **argv)
{
	api_prog = "api-async-life";
	if (argc != 3) {
		fprintf(stderr, "usage: api-async-life FAST_DEV SLOW_DEV\n");
		return 2;
	}
	fast_path = argv[1];
	slow_path = argv[2];
	bfd = api_open(fast_path, O_RDWR);
	sfd = api_open(slow_path, O_RDWR);
	afd = api_open(fast_path, O_RDWR | O_DIRECT);
	if (api_sysfs_stat("pages_pinned"))
		api_die("pages_pinned is not 0 at the start");

	test_close_inflight();
	test_close_done();
	test_exit_inflight();
	test_sigkill();
	test_shared();
	test_threads();
	return api_exit();
}
