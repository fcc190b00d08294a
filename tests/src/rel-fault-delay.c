// SPDX-License-Identifier: GPL-2.0
/*
 * rel-fault-delay SLOW_DEV FAST_DEV DELAY_MS: a device that is only slow
 * (dm-delay SLOW_DEV holding every bio for DELAY_MS over FAST_DEV, brd,
 * at least 16 MiB), and what docs/uapi.md says about signals:
 *
 *  round-trip-*	zcio writes (sync and async) and reads of 4 KiB,
 *			64 KiB and 4 MiB through SLOW_DEV take at least
 *			the delay, return the full length like pread()/
 *			pwrite() with O_DIRECT on SLOW_DEV, and the data is
 *			right (read back through FAST_DEV and through zcio);
 *  kill-fast-*		SIGKILL during a transfer that takes the fast path
 *			(at most 8 pages spanned: 4 KiB, 32 KiB aligned):
 *			"not killable at all, exactly like pread() with
 *			O_DIRECT: a killed caller waits until its bio ends".
 *			The child is not reaped before its bio ended (at
 *			least half the delay after the kill), nothing is
 *			pinned by then, the request counted as a success
 *			(requests +1, bytes +len, errors and killed +0);
 *  kill-general-*	SIGKILL during one that does not (36 KiB = 9 pages;
 *			32 KiB from a buffer 512 bytes into a page, 9 pages
 *			spanned; 64 KiB write): "the wait is killable": the
 *			child is reaped with its pages still pinned (the bio
 *			still held by dm-delay), killed and errors +1, and
 *			everything is released once the bio ends; a killed
 *			write still lands;
 *  signals-sync-*	SIGUSR1 (handler, no SA_RESTART), SIGUSR2 (handler,
 *			SA_RESTART), SIGALRM (handler), SIGSTOP + SIGCONT
 *			while a synchronous call waits (fast path, general
 *			path, 4 MiB): "other signals do not interrupt it, and
 *			it never returns a short count": full length, right
 *			data, every handler ran, killed +0;
 *  signals-reap-*	the same signals while ZCIO_IOC_REAP waits with
 *			nothing ready: "any signal ends the wait ... fails
 *			with EINTR; it is not restarted, even for a handler
 *			installed with SA_RESTART" (and SIGSTOP/SIGCONT: the
 *			stop is a signal too); the event comes with the next
 *			reap, with the full length.
 *
 * The parent knows the child is inside the ioctl from /proc/PID/syscall
 * (ioctl on the /dev/zcio fd with the expected request number) and the
 * task state (D for the synchronous waits, S for the reap).
 * Prints "ok NAME" per case; exit 0 if every check passed, 1 otherwise.
 */
#include "api-util.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define K		1024UL
#define M		(1024 * K)
#define SEED		0x3d

static const char *slow_path, *fast_path;
static double delay_s;
static int zfd;

/* Put the pattern on FAST_DEV at [@off, @off + @len). */
static void put_pattern(uint64_t off, size_t len, unsigned int seed)
{
	int fd = api_open(fast_path, O_RDWR | O_DIRECT);
	void *b = api_map_filled(len, 0x11);

	api_pattern(b, len, off, seed);
	api_pwrite_all(fd, b, len, off);
	munmap(b, len);
	close(fd);
}

/* FAST_DEV holds the pattern at [@off, @off + @len). */
static bool has_pattern(const char *name, uint64_t off, size_t len,
			unsigned int seed)
{
	int fd = api_open(fast_path, O_RDONLY | O_DIRECT);
	char *b = api_map_filled(len, 0x11), *w = api_map_filled(len, 0x11);
	long d;

	api_pread_all(fd, b, len, off);
	api_pattern(w, len, off, seed);
	d = api_first_diff(b, w, len);
	if (d >= 0)
		api_fail("%s: device byte %" PRIu64 " is not what was written",
			 name, off + d);
	munmap(b, len);
	munmap(w, len);
	close(fd);
	return d < 0;
}

/* --- round trips --------------------------------------------------------- */

static int64_t async_io(unsigned int op, int fd, void *buf, size_t len,
			uint64_t off)
{
	struct zcio_event ev;
	struct zcio_io io;
	int n;

	zcio_prep_io(&io, op, fd, buf, len, off);
	io.tag = off;
	n = zcio_submit(zfd, &io, 1);
	if (n != 1)
		return n < 0 ? n : -EPROTO;
	n = zcio_reap(zfd, &ev, 1, 1, -1);
	if (n != 1)
		return n < 0 ? n : -EPROTO;
	return ev.tag == off && !ev.flags ? ev.result : -EPROTO;
}

static void round_trip(const char *name, size_t len, uint64_t off, bool async)
{
	int sfd = api_open(slow_path, O_RDWR | O_DIRECT);
	char *w = api_map_filled(len, 0x11), *r = api_map_filled(len, 0x11);
	char *o = api_map_filled(len, 0x11);
	int64_t ret, oret;
	bool good = true;
	double t0, tw, tr;

	api_pattern(w, len, off, SEED + len / K);
	t0 = api_now();
	ret = async ? async_io(ZCIO_OP_WRITE, sfd, w, len, off) :
		      zcio_pwrite(zfd, sfd, w, len, off);
	tw = api_now() - t0;
	if (ret != (int64_t)len) {
		api_fail("%s: write %s, want %zu", name, api_result_str(ret), len);
		good = false;
	}
	good &= has_pattern(name, off, len, SEED + len / K);
	t0 = api_now();
	ret = async ? async_io(ZCIO_OP_READ, sfd, r, len, off) :
		      zcio_pread(zfd, sfd, r, len, off);
	tr = api_now() - t0;
	oret = pread(sfd, o, len, (off_t)off);
	if (oret < 0)
		oret = -errno;
	if (ret != (int64_t)len || oret != (int64_t)len) {
		api_fail("%s: read %s, O_DIRECT %s, want %zu", name,
			 api_result_str(ret), api_result_str(oret), len);
		good = false;
	} else if (memcmp(r, w, len) || memcmp(o, w, len)) {
		api_fail("%s: read back other data", name);
		good = false;
	}
	/* Just slow: every bio is held for the delay. */
	if (tw < 0.8 * delay_s || tr < 0.8 * delay_s) {
		api_fail("%s: write took %.3f s, read %.3f s: not slowed by the %.3f s delay",
			 name, tw, tr, delay_s);
		good = false;
	}
	if (good)
		api_ok(name);
	munmap(w, len);
	munmap(r, len);
	munmap(o, len);
	close(sfd);
}

/* --- watching a child ---------------------------------------------------- */

/*
 * Wait until @pid sits in ioctl(@zcio_fd, @cmd) in state @state (up to 30 s);
 * false (and a failure reported) if it does not get there.
 */
static bool wait_in_ioctl(const char *name, pid_t pid, int zcio_fd,
			  unsigned long cmd, char state)
{
	double end = api_now() + 30;
	char path[64], line[256], st = 0;
	unsigned long nr, fd, arg;
	FILE *f;

	while (api_now() < end) {
		snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
		f = fopen(path, "re");
		if (f && fgets(line, sizeof(line), f) &&
		    sscanf(line, "%lu %lx %lx", &nr, &fd, &arg) == 3 &&
		    nr == SYS_ioctl && fd == (unsigned long)zcio_fd && arg == cmd) {
			fclose(f);
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			f = fopen(path, "re");
			if (f && fgets(line, sizeof(line), f)) {
				char *p = strrchr(line, ')');

				st = p && p[1] ? p[2] : 0;
			}
			if (f)
				fclose(f);
			if (st == state)
				return true;
		} else if (f) {
			fclose(f);
		}
		usleep(2000);
	}
	api_fail("%s: the child never waited in ioctl %#lx (state %c)", name,
		 cmd, st ? st : '?');
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return false;
}

static int reap_child(pid_t pid)
{
	int status;

	status = api_waitpid(pid);
	return status;
}

static bool wait_unpinned(double secs)
{
	double end = api_now() + secs;

	while (api_sysfs_stat("pages_pinned")) {
		if (api_now() > end)
			return false;
		usleep(10000);
	}
	return true;
}

/* Wait until the child has @want pages pinned (up to 30 s). */
static bool wait_pinned(const char *name, pid_t pid, uint64_t want)
{
	double end = api_now() + 30;
	uint64_t n;

	while ((n = api_sysfs_stat("pages_pinned")) != want) {
		if (api_now() > end) {
			api_fail("%s: the child has %" PRIu64 " pages pinned, want %"
				 PRIu64, name, n, want);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return false;
		}
		usleep(1000);
	}
	return true;
}

#define DELTA(f)	((uint64_t)(after.f - before.f))

/* --- SIGKILL -------------------------------------------------------------- */

static void __attribute__((noreturn))
kill_child(unsigned int op, size_t len, size_t misalign, uint64_t off)
{
	int fd = open(slow_path, O_RDWR | O_CLOEXEC);
	char *b = api_map_filled(len + 4096, 0x11);

	if (fd < 0)
		_exit(10);
	if (op == ZCIO_OP_WRITE)
		api_pattern(b + misalign, len, off, SEED);
	zcio_pio(zfd, op, fd, b + misalign, len, off);
	_exit(0);
}

/*
 * SIGKILL a child in the middle of one transfer; @killable says whether
 * docs/uapi.md makes its wait killable.
 */
static void kill_case(const char *name, unsigned int op, size_t len,
		      size_t misalign, bool killable)
{
	struct zcio_stats before, after;
	uint64_t off = 8 * M, pinned_at_reap;
	double t_kill, t_reap;
	bool good = true;
	int status;
	pid_t pid;

	if (op == ZCIO_OP_WRITE)
		put_pattern(off, len, SEED + 1);
	api_stats(zfd, &before);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid)
		kill_child(op, len, misalign, off);
	if (!wait_in_ioctl(name, pid, zfd, ZCIO_IOC_IO, 'D'))
		return;
	/* Every page pinned: its one bio is mapped and submitted. */
	if (!wait_pinned(name, pid, (misalign + len + 4095) / 4096))
		return;
	t_kill = api_now();
	kill(pid, SIGKILL);
	status = reap_child(pid);
	t_reap = api_now();
	pinned_at_reap = api_sysfs_stat("pages_pinned");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		api_fail("%s: child status %#x, want killed by SIGKILL", name,
			 status);
		good = false;
	}
	if (!wait_unpinned(10 * delay_s + 10)) {
		api_fail("%s: pages still pinned long after the bio ended", name);
		return;
	}
	api_stats(zfd, &after);
	api_info("%s: reaped %.3f s after SIGKILL with %" PRIu64 " pages pinned",
		 name, t_reap - t_kill, pinned_at_reap);
	if (killable) {
		if (!pinned_at_reap || DELTA(killed) != 1 || DELTA(errors) != 1 ||
		    DELTA(requests) != 1) {
			api_fail("%s: pinned at reap %" PRIu64 ", killed +%" PRIu64
				 " errors +%" PRIu64 " requests +%" PRIu64
				 ": want pages still pinned, +1 each",
				 name, pinned_at_reap, DELTA(killed),
				 DELTA(errors), DELTA(requests));
			good = false;
		}
	} else {
		uint64_t bytes = op == ZCIO_OP_WRITE ? DELTA(bytes_written) :
						       DELTA(bytes_read);

		if (pinned_at_reap || t_reap - t_kill < 0.5 * delay_s ||
		    DELTA(killed) || DELTA(errors) || DELTA(requests) != 1 ||
		    bytes != len) {
			api_fail("%s: reaped %.3f s after the kill (delay %.3f s) with %"
				 PRIu64 " pinned, killed +%" PRIu64 " errors +%"
				 PRIu64 " requests +%" PRIu64 " bytes +%" PRIu64
				 ": want it to finish its bio first",
				 name, t_reap - t_kill, delay_s, pinned_at_reap,
				 DELTA(killed), DELTA(errors), DELTA(requests),
				 bytes);
			good = false;
		}
	}
	if (DELTA(pins) != DELTA(unpins)) {
		api_fail("%s: pins +%" PRIu64 " unpins +%" PRIu64, name,
			 DELTA(pins), DELTA(unpins));
		good = false;
	}
	/* "A killed writer's data still lands." */
	if (op == ZCIO_OP_WRITE)
		good &= has_pattern(name, off, len, SEED);
	if (good)
		api_ok(name);
}

/* --- plain signals ------------------------------------------------------- */

static volatile sig_atomic_t nr_usr1, nr_usr2, nr_alrm;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		nr_usr1++;
	else if (sig == SIGUSR2)
		nr_usr2++;
	else
		nr_alrm++;
}

static void install_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGUSR1, &sa, NULL);		/* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR2, &sa, NULL);
}

/* The signals a caller may get while it waits; none of them is fatal. */
static void send_plain_signals(pid_t pid)
{
	kill(pid, SIGUSR1);
	usleep(20000);
	kill(pid, SIGUSR2);
	usleep(20000);
	kill(pid, SIGALRM);
	usleep(20000);
	kill(pid, SIGSTOP);
	usleep(50000);
	kill(pid, SIGCONT);
}

/* Exit 0 if the read returned everything and every handler ran. */
static void __attribute__((noreturn))
sync_signal_child(int pipefd, size_t len, size_t misalign, uint64_t off)
{
	int fd = open(slow_path, O_RDONLY | O_CLOEXEC);
	char *b = api_map_filled(len + 4096, 0x11);
	char *w = api_map_filled(len, 0x11);
	int64_t ret;

	install_handlers();
	if (fd < 0)
		_exit(10);
	if (write(pipefd, "s", 1) != 1)
		_exit(11);
	ret = zcio_pio(zfd, ZCIO_OP_READ, fd, b + misalign, len, off);
	if (ret != (int64_t)len) {
		fprintf(stderr, "rel-fault-delay child: read %s\n",
			api_result_str(ret));
		_exit(12);
	}
	api_pattern(w, len, off, SEED + 2);
	if (memcmp(b + misalign, w, len))
		_exit(13);
	if (!nr_usr1 || !nr_usr2 || !nr_alrm)
		_exit(14);
	_exit(0);
}

static void sync_signal_case(const char *name, size_t len, size_t misalign)
{
	struct zcio_stats before, after;
	uint64_t off = 4 * M;
	int p[2], status;
	char c;
	pid_t pid;

	put_pattern(off, len, SEED + 2);
	if (pipe(p))
		api_die("pipe: %s", strerror(errno));
	api_stats(zfd, &before);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid)
		sync_signal_child(p[1], len, misalign, off);
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		api_die("%s: the child did not start", name);
	close(p[0]);
	if (!wait_in_ioctl(name, pid, zfd, ZCIO_IOC_IO, 'D'))
		return;
	send_plain_signals(pid);
	status = reap_child(pid);
	api_stats(zfd, &after);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		api_fail("%s: child status %#x (12: short or failed read, 13: wrong data, 14: a handler did not run)",
			 name, status);
	} else if (DELTA(killed) || DELTA(errors) || DELTA(bytes_read) != len) {
		api_fail("%s: killed +%" PRIu64 " errors +%" PRIu64 " bytes_read +%"
			 PRIu64, name, DELTA(killed), DELTA(errors),
			 DELTA(bytes_read));
	} else {
		api_ok(name);
	}
}

/*
 * The reaping child: submit one read on a /dev/zcio context of its own
 * (which goes with it, whatever happens), tell the parent its number,
 * then reap while the parent signals.  @sig is SIGUSR1, SIGUSR2 or
 * SIGSTOP.  Exit 0 if the first reap failed with EINTR and the second
 * one returned the event.
 */
static void __attribute__((noreturn))
reap_signal_child(int pipefd, int sig, size_t len, uint64_t off)
{
	int fd = open(slow_path, O_RDONLY | O_CLOEXEC), n;
	char *b = api_map_filled(len, 0x11);
	struct zcio_event ev;
	struct zcio_io io;

	install_handlers();
	zfd = zcio_open();
	if (fd < 0 || zfd < 0)
		_exit(10);
	zcio_prep_io(&io, ZCIO_OP_READ, fd, b, len, off);
	io.tag = 77;
	if (zcio_submit(zfd, &io, 1) != 1)
		_exit(11);
	if (write(pipefd, &zfd, sizeof(zfd)) != sizeof(zfd))
		_exit(11);
	n = zcio_reap(zfd, &ev, 1, 1, -1);
	if (n != -EINTR) {
		fprintf(stderr, "rel-fault-delay child: reap with signal %d: %s, want EINTR\n",
			sig, api_result_str(n));
		_exit(12);
	}
	if ((sig == SIGUSR1 && !nr_usr1) || (sig == SIGUSR2 && !nr_usr2))
		_exit(13);
	n = zcio_reap(zfd, &ev, 1, 1, -1);
	if (n != 1 || ev.tag != 77 || ev.result != (int32_t)len || ev.flags)
		_exit(14);
	_exit(0);
}

static void reap_signal_case(const char *name, int sig)
{
	int p[2], status, child_zfd;
	pid_t pid;

	if (pipe(p))
		api_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid)
		reap_signal_child(p[1], sig, 64 * K, 6 * M);
	close(p[1]);
	if (read(p[0], &child_zfd, sizeof(child_zfd)) != sizeof(child_zfd))
		api_die("%s: the child did not start", name);
	close(p[0]);
	if (!wait_in_ioctl(name, pid, child_zfd, ZCIO_IOC_REAP, 'S'))
		return;
	kill(pid, sig);
	if (sig == SIGSTOP) {
		usleep(50000);
		kill(pid, SIGCONT);
	}
	status = reap_child(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		api_fail("%s: child status %#x (12: the reap was not ended with EINTR, 13: the handler did not run, 14: no event afterwards)",
			 name, status);
	else
		api_ok(name);
}

int main(int argc, char **argv)
{
	struct zcio_devinfo di;
	int fd, ret;

	api_prog = "rel-fault-delay";
	if (argc != 4) {
		fprintf(stderr, "usage: rel-fault-delay SLOW_DEV FAST_DEV DELAY_MS\n");
		return 2;
	}
	slow_path = argv[1];
	fast_path = argv[2];
	delay_s = atoi(argv[3]) / 1000.0;
	zfd = api_zcio_open();
	fd = api_open(slow_path, O_RDONLY);
	ret = zcio_get_devinfo(zfd, fd, &di);
	close(fd);
	if (ret)
		api_die("ZCIO_IOC_DEVINFO: %s", zcio_strerror(ret));
	if (di.size < 16 * M)
		api_die("%s: need 16 MiB", slow_path);

	round_trip("round-trip-4k-sync", 4 * K, 0, false);
	round_trip("round-trip-4k-async", 4 * K, 64 * K, true);
	round_trip("round-trip-64k-sync", 64 * K, 128 * K, false);
	round_trip("round-trip-64k-async", 64 * K, 256 * K, true);
	round_trip("round-trip-4m-sync", 4 * M, 1 * M, false);
	round_trip("round-trip-4m-async", 4 * M, 5 * M, true);

	kill_case("kill-fast-read-4k", ZCIO_OP_READ, 4 * K, 0, false);
	kill_case("kill-fast-read-32k", ZCIO_OP_READ, 32 * K, 0, false);
	kill_case("kill-fast-write-4k", ZCIO_OP_WRITE, 4 * K, 0, false);
	kill_case("kill-general-read-36k", ZCIO_OP_READ, 36 * K, 0, true);
	kill_case("kill-general-read-32k-spans-9-pages", ZCIO_OP_READ, 32 * K,
		  512, true);
	kill_case("kill-general-write-64k", ZCIO_OP_WRITE, 64 * K, 0, true);

	sync_signal_case("signals-sync-fast-4k", 4 * K, 0);
	sync_signal_case("signals-sync-general-64k", 64 * K, 0);
	sync_signal_case("signals-sync-4m", 4 * M, 0);

	reap_signal_case("signals-reap-sigusr1", SIGUSR1);
	reap_signal_case("signals-reap-sigusr2-sa-restart", SIGUSR2);
	reap_signal_case("signals-reap-sigstop-sigcont", SIGSTOP);

	if (!wait_unpinned(10 * delay_s + 10))
		api_fail("pages still pinned at the end");
	api_foll_pin_balanced("end");
	return api_exit();
}
