// SPDX-License-Identifier: GPL-2.0
/*
 * soak-churn -t SECONDS DEV: for tests/soak, contexts that end with I/O
 * in flight, in a loop.  Each round opens /dev/zcio and DEV (read-only),
 * submits a batch of asynchronous 4 KiB-64 KiB reads at random offsets
 * and then, in turn: closes /dev/zcio without reaping; reaps some and
 * closes; forks a child that submits its own batch and exits at once;
 * or reaps everything and checks that each event is a whole transfer.
 * Exits 1 on any result the UAPI does not allow (a submit error other
 * than EAGAIN, an event with an error or a short read), 0 otherwise,
 * printing the rounds and the requests left to the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libzcio.h"
#include "msg.h"

#define BATCH		16
#define MAX_IO		(64 << 10)

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned long long next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static void __attribute__((format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vmsg("soak-churn", "FAIL", fmt, ap);
	va_end(ap);
	exit(1);
}

/* Submit up to BATCH reads from @dfd into @buf; returns how many went. */
static int submit_batch(int zfd, int dfd, char *buf, unsigned long long blocks)
{
	struct zcio_io ios[BATCH];
	unsigned int i;
	int n;

	for (i = 0; i < BATCH; i++) {
		unsigned long long len = 4096 << (next_rand() % 5);

		zcio_prep_io(&ios[i], ZCIO_OP_READ, dfd, buf + i * MAX_IO, len,
			     (next_rand() % (blocks - 16)) * 4096);
		ios[i].tag = len;
	}
	n = zcio_submit(zfd, ios, BATCH);
	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		die("ZCIO_IOC_SUBMIT: %s", strerror(-n));
	return n;
}

/* Reap at least @min events and check each one. */
static int reap_check(int zfd, int min)
{
	struct zcio_event ev[BATCH];
	int n, i;

	n = zcio_reap(zfd, ev, min, BATCH, -1);
	if (n < 0)
		die("ZCIO_IOC_REAP: %s", strerror(-n));
	for (i = 0; i < n; i++)
		if (ev[i].result != (long long)ev[i].tag)
			die("event result %lld for a read of %llu bytes",
			    (long long)ev[i].result,
			    (unsigned long long)ev[i].tag);
	return n;
}

static void child_round(const char *dev, char *buf, unsigned long long blocks)
{
	int zfd = zcio_open(), dfd = open(dev, O_RDONLY);

	if (zfd < 0 || dfd < 0)
		_exit(2);
	rng ^= (unsigned long long)getpid() << 32;
	submit_batch(zfd, dfd, buf, blocks);
	_exit(0);	/* in flight: the module finishes it */
}

static unsigned long long round_(const char *dev, char *buf,
				 unsigned long long blocks, unsigned int kind)
{
	int zfd, dfd, n, status;
	pid_t pid;

	zfd = zcio_open();
	dfd = open(dev, O_RDONLY | O_CLOEXEC);
	if (zfd < 0 || dfd < 0)
		die("cannot open /dev/zcio or %s", dev);
	n = submit_batch(zfd, dfd, buf, blocks);
	switch (kind) {
	case 0:				/* close with everything in flight */
		break;
	case 1:				/* reap one, close with the rest */
		if (n)
			n -= reap_check(zfd, 1);
		break;
	case 2:				/* a child's context dies too */
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid)
			child_round(dev, buf, blocks);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			die("child round failed (status 0x%x)", status);
		n += BATCH;
		break;
	default:			/* reap everything */
		while (n > 0)
			n -= reap_check(zfd, n);
	}
	close(dfd);
	close(zfd);
	return n > 0 ? n : 0;
}

int main(int argc, char **argv)
{
	unsigned long long rounds = 0, left = 0, blocks;
	double secs = 10;
	time_t end;
	char *buf;
	int c, fd;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't')
			return 2;
		secs = atof(optarg);
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: soak-churn [-t SECONDS] DEV\n");
		return 2;
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0)
		die("open %s: %s", argv[optind], strerror(errno));
	blocks = lseek(fd, 0, SEEK_END) / 4096;
	close(fd);
	if (blocks < 32)
		die("%s is too small", argv[optind]);
	buf = mmap(NULL, BATCH * MAX_IO, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	end = time(NULL) + (time_t)secs;
	while (time(NULL) < end) {
		left += round_(argv[optind], buf, blocks, rounds % 4);
		rounds++;
	}
	printf("churn: %llu rounds, about %llu requests left in flight at close or exit\n",
	       rounds, left);
	return 0;
}
