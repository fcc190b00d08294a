// SPDX-License-Identifier: GPL-2.0
/*
 * zcio trace DEV [--btt] [-o DIR] -- CMD [ARGS...]: run CMD under a
 * blktrace of DEV and show, per zcio request, the module's notes next to
 * the block layer's events (trace_parse.c, trace_group.c,
 * trace_report.c).
 *
 * blktrace writes its own files, DIR/zcio.blktrace.CPU.  CMD starts once
 * blktrace is tracing: its per-CPU threads poll the relay files (they do
 * so only after blktrace let them go, right before BLKTRACESTART) and
 * its main thread waits for them; then, after the trace, the kernel's
 * TIMESTAMP note (written by BLKTRACESTART) must be older than CMD's
 * start, or the trace is refused.  blktrace's piped mode ("-o -") would
 * say at once when the trace is on, but it reads the relay buffers while
 * the kernel fills them and can pass on a record that is reserved but
 * not yet written (zeros): seen in a TCG guest, so it is not used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/blktrace_api.h>
#include <linux/fs.h>

#include "cli.h"
#include "trace.h"

const char *const trace_help =
"Usage: zcio trace DEV [--btt] [-o DIR] -- CMD [ARGS...]\n"
"\n"
"Run CMD while blktrace traces block device DEV, then print one block\n"
"per zcio request that CMD (or anything else) made on DEV: its start,\n"
"its bios with their sectors and sizes, the block layer's events for\n"
"them (Q, X splits, G, I, D, C, merges) with times relative to the\n"
"request's start, Q-to-C latencies per bio and per request, partial\n"
"mappings with their reasons, the result and the unmap counts.  Then a\n"
"summary: requests, bios, errors, and I/O not from zcio.\n"
"Put -- before CMD when CMD has options of its own.\n"
"\n"
"  --btt     also run btt on the trace and append its report\n"
"  -o DIR    keep blktrace's files in DIR (zcio.blktrace.CPU, blkparse's\n"
"            text zcio.txt); default: a temporary directory, removed\n"
"  -h        this help\n"
"\n"
"Needs root, blktrace, blkparse (and btt for --btt) and debugfs (mounted\n"
"on /sys/kernel/debug if it is not).  blktrace 1.2.0's blkparse drops the\n"
"module's notes (they carry a cgroup id); zcio trace reads them from the\n"
"binary files itself.  For a partition, blktrace traces the whole disk's\n"
"queue limited to the partition's sectors: block events are the\n"
"partition's (with disk sectors), but notes of zcio I/O on other\n"
"partitions of the disk are in the trace too; their bios never see a\n"
"block event and show \"no Q seen\".\n"
"Exit status: CMD's exit status (128+N if a signal N killed it) if the\n"
"trace worked, 1 if it did not, 2 usage error.\n";

#define DEBUGFS		"/sys/kernel/debug"
#define DEBUGFS_MAGIC_	0x64626720
#define START_TIMEOUT	20.0	/* s for blktrace to start tracing */
#define STOP_TIMEOUT	15.0	/* s for blktrace to stop after SIGINT */
#define START_MARGIN_MS	100	/* after the threads poll */

struct tracer {
	const char *dev;
	char **cmd;
	char dir[PATH_MAX];
	bool keep;
	pid_t bt_pid, cmd_pid;
	int bt_status, cmd_status;
	bool bt_done, cmd_done;
	uint64_t cmd_start_ns;	/* CLOCK_MONOTONIC, as blktrace's times */
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* ------------------------------------------------------------------ */
/* Checks and setup                                                    */

/* Whether @name is an executable on $PATH. */
static bool have_prog(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	const char *p, *end;

	if (!path)
		path = "/usr/bin:/bin:/usr/sbin:/sbin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, name);
		if (!access(buf, X_OK))
			return true;
	}
	return false;
}

static int check_progs(bool btt)
{
	static const char *const progs[] = { "blktrace", "blkparse", "btt" };
	unsigned int i;

	for (i = 0; i < (btt ? 3U : 2U); i++) {
		if (have_prog(progs[i]))
			continue;
		errmsg("trace: %s not found on PATH (install the blktrace package)",
		       progs[i]);
		return EXIT_FAIL;
	}
	return 0;
}

/* CMD must be there before the trace starts. */
static int check_cmd(const char *cmd)
{
	if (strchr(cmd, '/') ? !access(cmd, X_OK) : have_prog(cmd))
		return 0;
	errmsg("trace: %s: command not found", cmd);
	return EXIT_FAIL;
}

static int check_dev(const char *dev)
{
	struct stat st;

	if (stat(dev, &st)) {
		errmsg("trace: %s: %s", dev, strerror(errno));
		return EXIT_FAIL;
	}
	if (!S_ISBLK(st.st_mode)) {
		errmsg("trace: %s is not a block device", dev);
		return EXIT_FAIL;
	}
	return 0;
}

/* blktrace needs debugfs on /sys/kernel/debug: mount it if it is not. */
static int check_debugfs(void)
{
	struct statfs sf;

	if (!statfs(DEBUGFS, &sf) && sf.f_type == DEBUGFS_MAGIC_)
		return 0;
	if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL)) {
		errmsg("trace: cannot mount debugfs on %s: %s", DEBUGFS,
		       strerror(errno));
		return EXIT_FAIL;
	}
	return 0;
}

static int make_dir(struct tracer *t, const char *keep_dir)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (keep_dir) {
		t->keep = true;
		snprintf(t->dir, sizeof(t->dir), "%s", keep_dir);
		if (mkdir(t->dir, 0755) && errno != EEXIST) {
			errmsg("trace: cannot create %s: %s", t->dir, strerror(errno));
			return EXIT_FAIL;
		}
		if (stat(t->dir, &st) || !S_ISDIR(st.st_mode)) {
			errmsg("trace: %s is not a directory", t->dir);
			return EXIT_FAIL;
		}
		return 0;
	}
	snprintf(t->dir, sizeof(t->dir), "%s/zcio-trace.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(t->dir)) {
		errmsg("trace: cannot create a directory in %s: %s",
		       tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return EXIT_FAIL;
	}
	return 0;
}

/* Remove the temporary directory and everything in it. */
static void remove_dir(const struct tracer *t)
{
	char path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	if (t->keep || !t->dir[0])
		return;
	d = opendir(t->dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", t->dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(t->dir);
}

/* ------------------------------------------------------------------ */
/* Children                                                            */

/* In a child: what exec should start with. */
static void child_setup(const char *dir, const char *log)
{
	char path[PATH_MAX + 64];
	int fd;

	signal(SIGPIPE, SIG_DFL);
	if (!log)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, log);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		dup2(fd, STDERR_FILENO);
}

/*
 * Run @argv with stdout to @out_name (NULL: ours) and stderr to @log,
 * both in the trace directory, in that directory if @in_dir, and wait.
 * Returns its wait status, or -1.
 */
static int run_wait(const struct tracer *t, char *const argv[],
		    const char *out_name, const char *log, bool in_dir)
{
	char path[PATH_MAX + 64];
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		errmsg("trace: fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		child_setup(t->dir, log);
		if (out_name) {
			snprintf(path, sizeof(path), "%s/%s", t->dir, out_name);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
				_exit(126);
		}
		if (in_dir && chdir(t->dir))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static int start_blktrace(struct tracer *t)
{
	char *const argv[] = {
		"blktrace", "-d", (char *)t->dev, "-D", t->dir, "-o", TRACE_NAME,
		NULL
	};
	int null;

	t->bt_pid = fork();
	if (t->bt_pid < 0) {
		errmsg("trace: fork: %s", strerror(errno));
		return EXIT_FAIL;
	}
	if (!t->bt_pid) {
		/* its own group: a ^C for CMD must not stop the trace */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGINT);
		child_setup(t->dir, "blktrace.log");
		null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	return 0;
}

static bool reap(pid_t pid, int *status, bool *done)
{
	if (!*done && waitpid(pid, status, WNOHANG) == pid)
		*done = true;
	return *done;
}

static void show_log(const struct tracer *t, const char *name)
{
	char path[PATH_MAX + 64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "  %s", line);
	fclose(f);
}

/* The system call task @tid of @pid is in (its number), or -1. */
static long task_syscall(pid_t pid, const char *tid)
{
	char path[320], buf[64];
	FILE *f;
	long nr;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr;
}

/*
 * Whether blktrace is tracing: every per-CPU thread sleeps in poll() and
 * the main thread in pthread_join() (futex).  The threads poll only after
 * start_tracers() let them go, which start_buts() (BLKTRACESTART)
 * follows; trace_cmd() checks the TIMESTAMP note afterwards anyway.
 */
static bool blktrace_polling(pid_t pid)
{
	char path[64], main_tid[32];
	unsigned int threads = 0, polling = 0;
	struct dirent *de;
	bool main_waits = false;
	long nr;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	snprintf(main_tid, sizeof(main_tid), "%d", pid);
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		nr = task_syscall(pid, de->d_name);
		if (!strcmp(de->d_name, main_tid)) {
			main_waits = nr == SYS_futex;
			continue;
		}
		threads++;
		polling += nr == SYS_poll || nr == SYS_ppoll;
	}
	closedir(d);
	return main_waits && threads && polling == threads;
}

static int wait_started(struct tracer *t)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!blktrace_polling(t->bt_pid)) {
		if (reap(t->bt_pid, &t->bt_status, &t->bt_done)) {
			errmsg("trace: blktrace -d %s did not start tracing:", t->dev);
			show_log(t, "blktrace.log");
			return EXIT_FAIL;
		}
		if (got_signal) {
			errmsg("trace: interrupted before the trace started");
			return EXIT_FAIL;
		}
		if (elapsed_since(&t0) > START_TIMEOUT) {
			errmsg("trace: blktrace did not start tracing in %.0f s",
			       START_TIMEOUT);
			return EXIT_FAIL;
		}
		poll(NULL, 0, 20);
	}
	poll(NULL, 0, START_MARGIN_MS);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Run CMD to its end; forward ^C and TERM to it. */
static int run_cmd(struct tracer *t)
{
	bool forwarded = false;

	t->cmd_start_ns = now_ns();
	t->cmd_pid = fork();
	if (t->cmd_pid < 0) {
		errmsg("trace: fork: %s", strerror(errno));
		return EXIT_FAIL;
	}
	if (!t->cmd_pid) {
		signal(SIGPIPE, SIG_DFL);
		execvp(t->cmd[0], t->cmd);
		fprintf(stderr, "zcio trace: %s: %s\n", t->cmd[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (!reap(t->cmd_pid, &t->cmd_status, &t->cmd_done)) {
		poll(NULL, 0, 20);
		if (got_signal && !forwarded) {
			kill(t->cmd_pid, got_signal);
			forwarded = true;
		}
	}
	return 0;
}

/* Undo what a killed blktrace left behind on the queue. */
static void teardown_kernel_trace(const struct tracer *t)
{
	int fd = open(t->dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return;
	ioctl(fd, BLKTRACESTOP);
	ioctl(fd, BLKTRACETEARDOWN);
	close(fd);
}

/* "(dropped N)" in blktrace's summary, N > 0: say so. */
static void check_dropped(const struct tracer *t)
{
	char path[PATH_MAX + 64], line[512];
	unsigned long n;
	const char *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/blktrace.log", t->dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "Total:");
		if (p && (p = strstr(p, "(dropped ")) &&
		    sscanf(p, "(dropped %lu)", &n) == 1 && n)
			errmsg("trace: warning: blktrace dropped %lu events (the report misses them)",
			       n);
	}
	fclose(f);
}

/* SIGINT and wait; kill it if it does not stop. */
static int stop_blktrace(struct tracer *t)
{
	struct timespec t0;
	bool killed = false;

	if (!t->bt_done)
		kill(t->bt_pid, SIGINT);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!reap(t->bt_pid, &t->bt_status, &t->bt_done)) {
		if (!killed && elapsed_since(&t0) > STOP_TIMEOUT) {
			errmsg("trace: blktrace did not stop in %.0f s; killing it",
			       STOP_TIMEOUT);
			kill(t->bt_pid, SIGKILL);
			killed = true;
		}
		poll(NULL, 0, 20);
	}
	if (killed) {
		teardown_kernel_trace(t);
		return EXIT_FAIL;
	}
	if (!WIFEXITED(t->bt_status) || WEXITSTATUS(t->bt_status)) {
		errmsg("trace: blktrace failed:");
		show_log(t, "blktrace.log");
		return EXIT_FAIL;
	}
	check_dropped(t);
	return 0;
}

/* The kernel's TIMESTAMP note must be older than CMD. */
static int check_start(const struct tracer *t)
{
	uint64_t ts;

	if (trace_start_time(t->dir, &ts))
		return EXIT_FAIL;
	if (ts < t->cmd_start_ns)
		return 0;
	errmsg("trace: blktrace started tracing %.3f ms after %s started: run it again",
	       (ts - t->cmd_start_ns) / 1e6, t->cmd[0]);
	return EXIT_FAIL;
}

/* ------------------------------------------------------------------ */
/* blkparse, btt                                                       */

static int run_tool(const struct tracer *t, char *const argv[],
		    const char *out, const char *log, bool in_dir)
{
	int status = run_wait(t, argv, out, log, in_dir);

	if (status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	errmsg("trace: %s failed:", argv[0]);
	show_log(t, log);
	return EXIT_FAIL;
}

static int run_blkparse(const struct tracer *t)
{
	char *const argv[] = {
		"blkparse", "-q", "-i", TRACE_NAME, "-D", (char *)t->dir,
		"-f", TRACE_BLKPARSE_FMT, NULL
	};

	return run_tool(t, argv, TRACE_NAME ".txt", "blkparse.log", false);
}

static int run_btt(const struct tracer *t)
{
	char *const dump[] = {
		"blkparse", "-q", "-O", "-i", TRACE_NAME, "-D", (char *)t->dir,
		"-d", TRACE_NAME ".bin", NULL
	};
	char *const btt[] = { "btt", "-i", TRACE_NAME ".bin", NULL };
	char path[PATH_MAX + 64], line[512];
	FILE *f;

	/* -d writes relative to the cwd: run both in the directory */
	if (run_tool(t, dump, "blkparse-d.out", "blkparse-d.log", true) ||
	    run_tool(t, btt, "btt.txt", "btt.log", true))
		return EXIT_FAIL;
	snprintf(path, sizeof(path), "%s/btt.txt", t->dir);
	f = fopen(path, "r");
	if (!f)
		return EXIT_FAIL;
	printf("\nbtt -i %s.bin:\n", TRACE_NAME);
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	return 0;
}

/* ------------------------------------------------------------------ */
/* zcio trace                                                          */

static int cmd_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Trace CMD; returns 0 if the trace worked, else EXIT_FAIL. */
static int trace_cmd(struct tracer *t, bool btt)
{
	char text[PATH_MAX + 64];
	int ret;

	ret = start_blktrace(t);
	if (ret)
		return ret;
	ret = wait_started(t);
	if (!ret)
		ret = run_cmd(t);
	if (stop_blktrace(t))
		ret = EXIT_FAIL;
	if (!ret)
		ret = check_start(t);
	if (!ret)
		ret = run_blkparse(t);
	if (ret)
		return ret;
	fflush(stdout);
	snprintf(text, sizeof(text), "%s/%s.txt", t->dir, TRACE_NAME);
	if (trace_report(t->dir, text, t->dev, stdout))
		return EXIT_FAIL;
	if (btt && run_btt(t))
		return EXIT_FAIL;
	if (t->keep)
		printf("\ntrace files in %s\n", t->dir);
	return 0;
}

int cmd_trace(struct opts *o)
{
	struct tracer t = { 0 };
	int ret;

	if (o->nargs < 1)
		return usage_err(o->cmd, "missing arguments");
	if (o->nargs < 2)
		return usage_err(o->cmd, "missing command to run (zcio trace DEV -- CMD [ARGS...])");
	t.dev = o->args[0];
	t.cmd = o->args + 1;
	ret = check_progs(o->btt);
	if (!ret)
		ret = check_dev(t.dev);
	if (!ret)
		ret = check_cmd(t.cmd[0]);
	if (!ret)
		ret = check_debugfs();
	if (!ret)
		ret = make_dir(&t, o->file);
	if (ret)
		return ret;
	catch_signals();
	ret = trace_cmd(&t, o->btt);
	remove_dir(&t);
	if (ret)
		return finish_stdout(ret);
	return finish_stdout(cmd_status(t.cmd_status));
}
