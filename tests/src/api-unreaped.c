// SPDX-License-Identifier: GPL-2.0
/*
 * api-unreaped POLL_DEV: polled asynchronous requests that no
 * ZCIO_IOC_REAP polls still complete.
 *
 * POLL_DEV is a memory-backed null_blk device with a poll queue
 * (poll_queues=1) and no I/O scheduler.  A request on a null_blk poll
 * queue completes only when somebody polls that queue: before zcio 0.2.2
 * only a waiting ZCIO_IOC_REAP (or close()) polled a context's
 * asynchronous polled requests, so each case below ended only through
 * the driver's request timeout (null_blk's io_timeout, 5 s), with
 * ETIMEDOUT.  Now a worker polls them once a tick while no reaper does.
 * Cases:
 *
 *  epoll	four HIPRI reads submitted, then only epoll_wait(): the fd
 *		becomes readable, REAP without waiting (min_nr 0) returns
 *		their events with full results, the data is the device's;
 *  freeze	four HIPRI reads submitted on a second context and not
 *		reaped, then the queue's scheduler is switched to
 *		mq-deadline through sysfs, which freezes the queue: waits
 *		until every request in flight has ended.  Someone else waits
 *		for the unreaped requests here, not their owner (the same
 *		as a zcio call held behind them by an I/O scheduler: a zone
 *		write lock or zone write plug, the scheduler's tags; see
 *		docs/fuzz.md, item 5).  When the write returns, REAP without
 *		waiting must find all four events with full results.
 *
 * (A zoned null_blk cannot show the zone case: null_blk's null_poll()
 * does not emulate zones, so a polled write leaves the write pointer
 * where it was.)  An alarm ends the program after WATCHDOG_S rather than
 * letting a regression hang the suite.
 */
#include "api-util.h"

#include <signal.h>
#include <sys/epoll.h>

#define K		1024UL
#define M		(1024UL * 1024)
#define WATCHDOG_S	150
/* Longer than the 5 s timeout that ended these with ETIMEDOUT before 0.2.2. */
#define WAIT_S		10

static int zfd;
static char *buf, *cmp;	/* 1 MiB each */

static void ok(const char *name, double secs)
{
	api_ok(name);
	api_info("%s: %.3f s", name, secs);
}

static int dev_open(const char *path, struct zcio_devinfo *di)
{
	int fd = api_open(path, O_RDWR), ret;

	ret = zcio_get_devinfo(zfd, fd, di);
	if (ret)
		api_die("DEVINFO %s: %s", path, zcio_strerror(ret));
	if (!(di->dev_flags & ZCIO_DEV_POLL))
		api_die("%s: no ZCIO_DEV_POLL (dev_flags %#x)", path,
			di->dev_flags);
	return fd;
}

static void test_epoll(int fd, int afd)
{
	struct epoll_event ee = { .events = EPOLLIN };
	struct zcio_event ev[4];
	struct zcio_io ios[4];
	unsigned int i, got = 0;
	double t0 = api_now();
	int zfd2, ep, n;

	api_pattern(cmp, 4 * 64 * K, 8 * M, 0x31);
	api_pwrite_all(afd, cmp, 4 * 64 * K, 8 * M);
	memset(buf, 0xa5, 4 * 64 * K);
	zfd2 = api_zcio_open();
	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, zfd2, &ee))
		api_die("epoll: %s", strerror(errno));
	for (i = 0; i < 4; i++) {
		zcio_prep_io(&ios[i], ZCIO_OP_READ, fd, buf + i * 64 * K,
			     64 * K, 8 * M + i * 64 * K);
		ios[i].flags = ZCIO_IO_HIPRI;
		ios[i].tag = 0xe0 + i;
	}
	n = zcio_submit(zfd2, ios, 4);
	if (n != 4) {
		api_fail("epoll: SUBMIT: %s", api_result_str(n));
		goto out;
	}
	while (got < 4) {
		n = epoll_wait(ep, &ee, 1, WAIT_S * 1000);
		if (n <= 0) {
			api_fail("epoll: %u of 4 polled reads completed %d s after SUBMIT without a reap (%s)",
				 got, WAIT_S, n ? strerror(errno) : "epoll_wait timed out");
			goto out;
		}
		n = zcio_reap(zfd2, ev + got, 0, 4 - got, 0);
		if (n < 0) {
			api_fail("epoll: REAP: %s", api_errname(n));
			goto out;
		}
		got += n;
	}
	for (i = 0; i < 4; i++) {
		if (ev[i].tag < 0xe0 || ev[i].tag > 0xe3 ||
		    ev[i].result != (int64_t)(64 * K)) {
			api_fail("epoll: event tag %#" PRIx64 " result %s, want tags 0xe0-0xe3 with 65536",
				 (uint64_t)ev[i].tag, api_result_str(ev[i].result));
			goto out;
		}
	}
	if (memcmp(buf, cmp, 4 * 64 * K))
		api_fail("epoll: read data differs from the device's");
	else
		ok("epoll", api_now() - t0);
out:
	close(ep);
	close(zfd2);
}

/* Write @val to /sys/block/NAME/queue/@attr for the disk at @path. */
static void queue_attr(const char *path, const char *attr, const char *val)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char sys[256];
	FILE *f;

	snprintf(sys, sizeof(sys), "/sys/block/%s/queue/%s", name, attr);
	f = fopen(sys, "w");
	if (!f || fputs(val, f) < 0 || fclose(f))
		api_die("cannot write %s to %s: %s", val, sys, strerror(errno));
}

static void test_freeze(const char *path, int fd, int afd)
{
	struct zcio_event ev[4];
	struct zcio_io ios[4];
	double t0, t1;
	unsigned int i;
	int zfd2, n;

	api_pattern(cmp, 4 * 64 * K, 10 * M, 0x32);
	api_pwrite_all(afd, cmp, 4 * 64 * K, 10 * M);
	memset(buf, 0xa5, 4 * 64 * K);
	zfd2 = api_zcio_open();
	for (i = 0; i < 4; i++) {
		zcio_prep_io(&ios[i], ZCIO_OP_READ, fd, buf + i * 64 * K,
			     64 * K, 10 * M + i * 64 * K);
		ios[i].flags = ZCIO_IO_HIPRI;
		ios[i].tag = 0xf0 + i;
	}
	t0 = api_now();
	n = zcio_submit(zfd2, ios, 4);
	if (n != 4) {
		api_fail("freeze: SUBMIT: %s", api_result_str(n));
		goto out;
	}
	queue_attr(path, "scheduler", "mq-deadline");
	t1 = api_now();
	memset(ev, 0x5a, sizeof(ev));
	n = zcio_reap(zfd2, ev, 0, 4, 0);
	if (n != 4) {
		api_fail("freeze: %s events ready after the queue froze (%.1f s), want 4",
			 api_result_str(n), t1 - t0);
		goto out;
	}
	for (i = 0; i < 4; i++) {
		if (ev[i].tag < 0xf0 || ev[i].tag > 0xf3 ||
		    ev[i].result != (int64_t)(64 * K)) {
			api_fail("freeze: event tag %#" PRIx64 " result %s after %.1f s, want tags 0xf0-0xf3 with 65536",
				 (uint64_t)ev[i].tag,
				 api_result_str(ev[i].result), t1 - t0);
			goto out;
		}
	}
	if (memcmp(buf, cmp, 4 * 64 * K))
		api_fail("freeze: read data differs from the device's");
	else
		ok("freeze", t1 - t0);
out:
	close(zfd2);
	queue_attr(path, "scheduler", "none");
}

int main(int argc, char **argv)
{
	struct zcio_devinfo di;
	int fd, afd;

	api_prog = "api-unreaped";
	if (argc != 2) {
		fprintf(stderr, "usage: api-unreaped POLL_DEV\n");
		return 2;
	}
	/* The default action of SIGALRM ends a program stuck in a wait. */
	alarm(WATCHDOG_S);
	zfd = api_zcio_open();
	api_zcio_require(zfd, ZCIO_FEAT_POLLED, "ZCIO_FEAT_POLLED");
	fd = dev_open(argv[1], &di);
	afd = api_open(argv[1], O_RDWR | O_DIRECT);
	buf = api_map_guarded(M);
	cmp = api_map_guarded(M);

	test_epoll(fd, afd);
	test_freeze(argv[1], fd, afd);
	if (api_sysfs_stat("pages_pinned"))
		api_wait_pinned("end", 0, 5);
	return api_exit();
}
