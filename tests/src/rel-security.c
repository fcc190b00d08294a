// SPDX-License-Identifier: GPL-2.0
/*
 * rel-security: what a user without privileges can do through /dev/zcio,
 * which is exactly what the block-device fds it holds allow
 * (docs/security.md: "the fd is the caller's", "its access mode matches
 * the operation", "no capability check").
 *
 *   rel-security setup DEV		(root) the pattern on DEV's first
 *					4 MiB, which everything else checks
 *   rel-security check-data DEV	(root) DEV's first 4 MiB still hold it
 *   rel-security rdonly DEV [FD]	(uid 65534) with FD (inherited) or an
 *					O_RDONLY open of DEV (a node made
 *					readable): zcio reads (sync, async,
 *					registered buffer) return the data;
 *					zcio writes fail with EBADF, as
 *					pwrite() on FD does; the non-data
 *					ops (flush, discard, secure erase,
 *					write zeroes) fail with EBADF
 *					(docs/uapi.md step n3), as BLKDISCARD,
 *					BLKSECDISCARD and BLKZEROOUT on FD do;
 *					DEVINFO says FD_READ, not FD_WRITE;
 *					DEV cannot be opened for writing
 *   rel-security nofd DEV PID FD	(uid 65534) FD is root's open fd of DEV
 *					in process PID: here the number means
 *					nothing (EBADF for zcio, DEVINFO,
 *					an async entry), the device cannot be
 *					opened, nor PID's fd through /proc
 *					(EACCES) or pidfd_getfd() (EPERM); an
 *					O_PATH fd of DEV is refused (EBADF,
 *					as pread() refuses it), and the
 *					number reused for /dev/null gives
 *					ENOTBLK
 *   rel-security scm DEV		(root) sends an O_RDONLY and an O_RDWR
 *					fd of DEV over SCM_RIGHTS to a child
 *					run through setpriv as uid 65534
 *					("scm-recv"); the child's results of
 *					the same operations through them are
 *					exactly the sender's (read, write,
 *					pwrite, DEVINFO mode bits, an async
 *					write), and its write landed
 *
 * The unprivileged modes first check that they really are uid/gid 65534
 * with no supplementary group and no effective capability.  Each check
 * prints "ok NAME"; exit 0 if all passed, 1 otherwise.
 */
#include "api-util.h"

#include <linux/fs.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define K		1024UL
#define M		(1024 * K)
#define AREA		(4 * M)		/* the pattern: [0, AREA) */
#define SEED		0x5e
#define SCM_OFF_ROOT	(8 * M)		/* where the sender writes */
#define SCM_OFF_USER	(9 * M)		/* where the receiver writes */
#define NOBODY		65534

static int zfd;
static const char *dev_path;

static void expect(const char *name, int64_t got, int64_t want)
{
	if (got != want)
		api_fail("%s: %s, want %s", name, api_result_str(got),
			 api_result_str(want));
	else
		api_ok(name);
}

/* Read [@off, @off + @len) through zcio and compare with the pattern. */
static void expect_read(const char *name, int fd, size_t len, uint64_t off)
{
	char *b = api_map_filled(len, 0x33), *w = api_map_filled(len, 0x33);
	int64_t ret = zcio_pread(zfd, fd, b, len, off);

	api_pattern(w, len, off, SEED);
	if (ret != (int64_t)len)
		api_fail("%s: %s, want %zu", name, api_result_str(ret), len);
	else if (memcmp(b, w, len))
		api_fail("%s: read other data than the device holds", name);
	else
		api_ok(name);
	munmap(b, len);
	munmap(w, len);
}

/* One of the ops with no data, on @fd. */
static int64_t nondata(int fd, unsigned int op, uint64_t off, uint64_t len)
{
	struct zcio_io io;
	int ret;

	memset(&io, 0, sizeof(io));
	io.fd = fd;
	io.op = op;
	io.offset = off;
	io.len = len;
	ret = zcio_submit_io(zfd, &io);
	return ret ? ret : io.result;
}

static int64_t kernel_ioctl(int fd, unsigned long cmd, uint64_t off,
			    uint64_t len)
{
	uint64_t range[2] = { off, len };

	return ioctl(fd, cmd, range) ? -errno : 0;
}

/* One asynchronous entry, reaped: its event's result. */
static int64_t async_one(unsigned int op, int fd, void *buf, size_t len,
			 uint64_t off)
{
	struct zcio_event ev;
	struct zcio_io io;
	int n;

	zcio_prep_io(&io, op, fd, buf, len, off);
	io.tag = 0x5ec;
	n = zcio_submit(zfd, &io, 1);
	if (n != 1)
		return n < 0 ? n : -EPROTO;
	n = zcio_reap(zfd, &ev, 1, 1, 60 * 1000000000LL);
	if (n != 1)
		return n < 0 ? n : -EPROTO;
	return ev.tag == 0x5ec && !ev.flags ? ev.result : -EPROTO;
}

static uint32_t devinfo_flags(int fd)
{
	struct zcio_devinfo di;
	int ret = zcio_get_devinfo(zfd, fd, &di);

	return ret ? (uint32_t)ret : di.dev_flags;
}

/* --- identity ------------------------------------------------------------- */

static void require_nobody(void)
{
	char line[256];
	gid_t groups[4];
	FILE *f;
	bool caps = true;

	if (getuid() != NOBODY || geteuid() != NOBODY || getgid() != NOBODY ||
	    getegid() != NOBODY || getgroups(4, groups) != 0)
		api_die("not running as uid/gid %d without groups (uid %d gid %d)",
			NOBODY, getuid(), getgid());
	f = fopen("/proc/self/status", "re");
	if (!f)
		api_die("/proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			caps = strtoull(line + 7, NULL, 16) != 0;
	fclose(f);
	if (caps)
		api_die("running with effective capabilities");
}

/* --- root: set up and check ------------------------------------------------ */

static int do_setup(void)
{
	int fd = api_open(dev_path, O_RDWR | O_DIRECT);
	char *b = api_map_filled(AREA, 0x33);

	api_pattern(b, AREA, 0, SEED);
	api_pwrite_all(fd, b, AREA, 0);
	close(fd);
	return 0;
}

static int do_check_data(void)
{
	int fd = api_open(dev_path, O_RDONLY | O_DIRECT);
	char *b = api_map_filled(AREA, 0x33), *w = api_map_filled(AREA, 0x33);
	long d;

	api_pread_all(fd, b, AREA, 0);
	api_pattern(w, AREA, 0, SEED);
	d = api_first_diff(b, w, AREA);
	if (d >= 0)
		api_fail("device byte %ld changed: an unprivileged write went through", d);
	else
		api_ok("device-unchanged");
	return api_exit();
}

/* --- uid 65534 with an O_RDONLY fd ----------------------------------------- */

static void rdonly_regbuf(int fd)
{
	size_t len = 64 * K;
	char *b = api_map_filled(len, 0x33), *w = api_map_filled(len, 0x33);
	struct zcio_buf zb = { (uint64_t)(uintptr_t)b, len };
	struct zcio_io io;
	int ret;

	ret = zcio_register_bufs(zfd, &zb, 1);
	if (ret) {
		api_fail("register 64 KiB as uid %d: %s", NOBODY,
			 zcio_strerror(ret));
		return;
	}
	zcio_prep_fixed(&io, ZCIO_OP_READ, fd, 0, 0, len, 128 * K);
	ret = zcio_submit_io(zfd, &io);
	api_pattern(w, len, 128 * K, SEED);
	if (ret || io.result != (int64_t)len || memcmp(b, w, len))
		api_fail("rdonly-fixed-read: %s result %" PRId64,
			 zcio_strerror(ret), (int64_t)io.result);
	else
		api_ok("rdonly-fixed-read");
	zcio_prep_fixed(&io, ZCIO_OP_WRITE, fd, 0, 0, len, 128 * K);
	ret = zcio_submit_io(zfd, &io);
	expect("rdonly-fixed-write", ret ? ret : io.result, -EBADF);
	zcio_unregister_bufs(zfd);
	munmap(b, len);
	munmap(w, len);
}

static int do_rdonly(const char *fdarg)
{
	int fd, flags;
	char *b = api_map_filled(M, 0x33);
	int64_t pw;

	require_nobody();
	fd = fdarg ? atoi(fdarg) : open(dev_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		api_die("open %s O_RDONLY as uid %d: %s", dev_path, NOBODY,
			strerror(errno));
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || (flags & O_ACCMODE) != O_RDONLY)
		api_die("fd %d is not an open O_RDONLY fd (flags %#x)", fd, flags);

	expect("rdonly-devinfo-mode",
	       devinfo_flags(fd) & (ZCIO_DEV_FD_READ | ZCIO_DEV_FD_WRITE),
	       ZCIO_DEV_FD_READ);
	expect_read("rdonly-read-4k", fd, 4 * K, 0);
	expect_read("rdonly-read-64k", fd, 64 * K, 64 * K);
	expect_read("rdonly-read-1m", fd, M, M);
	expect("rdonly-async-read", async_one(ZCIO_OP_READ, fd, b, 4 * K, 0),
	       4 * K);

	/* writes: what pwrite() on the same fd gets */
	api_pattern(b, M, 0, SEED + 1);
	pw = pwrite(fd, b, 4 * K, 0) < 0 ? -errno : 0;
	expect("rdonly-pwrite", pw, -EBADF);
	expect("rdonly-write-4k", zcio_pwrite(zfd, fd, b, 4 * K, 0), pw);
	expect("rdonly-write-1m", zcio_pwrite(zfd, fd, b, M, M), pw);
	expect("rdonly-async-write", async_one(ZCIO_OP_WRITE, fd, b, 4 * K, 0),
	       pw);
	rdonly_regbuf(fd);

	/* no-data ops: EBADF (n3), as the kernel's own ioctls on the fd */
	expect("rdonly-blkdiscard", kernel_ioctl(fd, BLKDISCARD, 0, 4 * K), -EBADF);
	expect("rdonly-blksecdiscard", kernel_ioctl(fd, BLKSECDISCARD, 0, 4 * K),
	       -EBADF);
	expect("rdonly-blkzeroout", kernel_ioctl(fd, BLKZEROOUT, 0, 4 * K), -EBADF);
	expect("rdonly-flush", nondata(fd, ZCIO_OP_FLUSH, 0, 0), -EBADF);
	expect("rdonly-discard", nondata(fd, ZCIO_OP_DISCARD, 0, 4 * K), -EBADF);
	expect("rdonly-secure-erase", nondata(fd, ZCIO_OP_SECURE_ERASE, 0, 4 * K),
	       -EBADF);
	expect("rdonly-write-zeroes", nondata(fd, ZCIO_OP_WRITE_ZEROES, 0, 4 * K),
	       -EBADF);
	api_info("by design: fsync() of the O_RDONLY fd: %s (zcio's flush needs a write fd)",
		 fsync(fd) ? strerror(errno) : "success");

	/* and it cannot get a better fd */
	expect("rdonly-open-rdwr", open(dev_path, O_RDWR) < 0 ? -errno : 0,
	       -EACCES);
	expect("rdonly-open-wronly", open(dev_path, O_WRONLY) < 0 ? -errno : 0,
	       -EACCES);
	/* nothing was written */
	expect_read("rdonly-read-back", fd, AREA, 0);
	munmap(b, M);
	return api_exit();
}

/* --- uid 65534 with no fd ------------------------------------------------- */

static void nofd_number(int fd)
{
	char *b = api_map_filled(64 * K, 0x33);
	struct zcio_devinfo di;

	expect("nofd-number-not-open", fcntl(fd, F_GETFD) < 0 ? -errno : 0,
	       -EBADF);
	expect("nofd-read", zcio_pread(zfd, fd, b, 4 * K, 0), -EBADF);
	expect("nofd-write", zcio_pwrite(zfd, fd, b, 4 * K, 0), -EBADF);
	expect("nofd-read-64k", zcio_pread(zfd, fd, b, 64 * K, 0), -EBADF);
	expect("nofd-devinfo", zcio_get_devinfo(zfd, fd, &di), -EBADF);
	expect("nofd-async-read", async_one(ZCIO_OP_READ, fd, b, 4 * K, 0),
	       -EBADF);
	expect("nofd-async-write", async_one(ZCIO_OP_WRITE, fd, b, 4 * K, 0),
	       -EBADF);
	expect("nofd-discard", nondata(fd, ZCIO_OP_DISCARD, 0, 4 * K), -EBADF);
	expect("nofd-flush", nondata(fd, ZCIO_OP_FLUSH, 0, 0), -EBADF);
	munmap(b, 64 * K);
}

/* The other ways to get at root's fd are closed too. */
static void nofd_steal(pid_t pid, int fd)
{
	char path[64];
	int pidfd, got;

	expect("nofd-open-dev", open(dev_path, O_RDONLY) < 0 ? -errno : 0,
	       -EACCES);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	expect("nofd-open-proc-fd", open(path, O_RDONLY) < 0 ? -errno : 0,
	       -EACCES);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		api_info("pidfd_open(%d): %s: pidfd_getfd() not tried", pid,
			 strerror(errno));
		return;
	}
	got = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	expect("nofd-pidfd-getfd", got < 0 ? -errno : got, -EPERM);
	close(pidfd);
}

static void nofd_opath(int fd_number)
{
	char *b = api_map_filled(4 * K, 0x33);
	struct zcio_devinfo di;
	int fd = open(dev_path, O_PATH | O_CLOEXEC), nul;
	int64_t pr;

	if (fd < 0) {
		api_fail("open %s O_PATH: %s", dev_path, strerror(errno));
		return;
	}
	pr = pread(fd, b, 4 * K, 0) < 0 ? -errno : 0;
	expect("nofd-opath-pread", pr, -EBADF);
	expect("nofd-opath-read", zcio_pread(zfd, fd, b, 4 * K, 0), pr);
	expect("nofd-opath-write", zcio_pwrite(zfd, fd, b, 4 * K, 0), -EBADF);
	expect("nofd-opath-devinfo", zcio_get_devinfo(zfd, fd, &di), -EBADF);
	expect("nofd-opath-discard", nondata(fd, ZCIO_OP_DISCARD, 0, 4 * K),
	       -EBADF);
	close(fd);
	/* The number now names this process's /dev/null. */
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0 || dup2(nul, fd_number) != fd_number)
		api_die("dup2 /dev/null: %s", strerror(errno));
	expect("nofd-number-reused-read", zcio_pread(zfd, fd_number, b, 4 * K, 0),
	       -ENOTBLK);
	expect("nofd-number-reused-write",
	       zcio_pwrite(zfd, fd_number, b, 4 * K, 0), -ENOTBLK);
	close(fd_number);
	close(nul);
	munmap(b, 4 * K);
}

static int do_nofd(pid_t pid, int fd)
{
	require_nobody();
	nofd_number(fd);
	nofd_steal(pid, fd);
	nofd_opath(fd);
	return api_exit();
}

/* --- SCM_RIGHTS ------------------------------------------------------------ */

/* The operations both sides run on a pair of fds, in this order. */
#define SCM_OPS		6
#define SCM_RESULTS	(2 * SCM_OPS)

static const char *const scm_op_names[SCM_OPS] = {
	"read", "read-data-ok", "write", "pwrite", "devinfo-mode", "async-write",
};

/* Run the ops on @fd (an O_DIRECT fd of the device), writes at @off. */
static void scm_run(int fd, uint64_t off, unsigned int seed, int64_t *res)
{
	size_t len = 64 * K;
	char *b = api_map_filled(len, 0x33), *w = api_map_filled(len, 0x33);
	ssize_t n;

	res[0] = zcio_pread(zfd, fd, b, len, 0);
	api_pattern(w, len, 0, SEED);
	res[1] = !memcmp(b, w, len);
	api_pattern(b, len, off, seed);
	res[2] = zcio_pwrite(zfd, fd, b, len, off);
	n = pwrite(fd, b, len, (off_t)(off + len));
	res[3] = n < 0 ? -errno : n;
	res[4] = devinfo_flags(fd) & (ZCIO_DEV_FD_READ | ZCIO_DEV_FD_WRITE);
	res[5] = async_one(ZCIO_OP_WRITE, fd, b, len, off + 2 * len);
	munmap(b, len);
	munmap(w, len);
}

static int do_scm_recv(int sock)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))], byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	int64_t res[SCM_RESULTS];
	struct cmsghdr *cm;
	int fds[2];

	require_nobody();
	if (recvmsg(sock, &msg, 0) != 1)
		api_die("recvmsg: %s", strerror(errno));
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(2 * sizeof(int)))
		api_die("no two fds in the message");
	memcpy(fds, CMSG_DATA(cm), sizeof(fds));
	/* The device itself stays closed to this user. */
	expect("scm-recv-open-dev", open(dev_path, O_RDONLY) < 0 ? -errno : 0,
	       -EACCES);
	scm_run(fds[0], SCM_OFF_USER, SEED + 2, res);
	scm_run(fds[1], SCM_OFF_USER, SEED + 2, res + SCM_OPS);
	if (write(sock, res, sizeof(res)) != sizeof(res))
		api_die("write results: %s", strerror(errno));
	return api_exit();
}

/* Exec this program as uid 65534 through setpriv, @sock inherited. */
static pid_t scm_spawn(int sock)
{
	char self[4096], sockarg[16];
	ssize_t n;
	pid_t pid;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		api_die("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = 0;
	snprintf(sockarg, sizeof(sockarg), "%d", sock);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		api_die("fork: %s", strerror(errno));
	if (!pid) {
		execlp("setpriv", "setpriv", "--reuid=65534", "--regid=65534",
		       "--clear-groups", self, "scm-recv", dev_path, sockarg,
		       (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void scm_send(int sock, int ro, int rw)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))], byte = 'f';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int fds[2] = { ro, rw };

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	if (sendmsg(sock, &msg, 0) != 1)
		api_die("sendmsg: %s", strerror(errno));
}

/* The receiver's writes through the O_RDWR fd are on the device. */
static void scm_check_landed(void)
{
	int fd = api_open(dev_path, O_RDONLY | O_DIRECT);
	size_t len = 64 * K;
	char *b = api_map_filled(3 * len, 0x33);
	char *w = api_map_filled(3 * len, 0x33);

	api_pread_all(fd, b, 3 * len, SCM_OFF_USER);
	api_pattern(w, len, SCM_OFF_USER, SEED + 2);
	memcpy(w + len, w, len);
	memcpy(w + 2 * len, w, len);
	if (memcmp(b, w, 3 * len))
		api_fail("scm: the receiver's writes through the O_RDWR fd are not on the device");
	else
		api_ok("scm-recv-writes-landed");
	munmap(b, 3 * len);
	munmap(w, 3 * len);
	close(fd);
}

static int do_scm(void)
{
	int64_t mine[SCM_RESULTS], theirs[SCM_RESULTS];
	int sv[2], ro, rw, status, i;
	char name[64];
	pid_t pid;

	ro = api_open(dev_path, O_RDONLY | O_DIRECT);
	rw = api_open(dev_path, O_RDWR | O_DIRECT);
	scm_run(ro, SCM_OFF_ROOT, SEED + 3, mine);
	scm_run(rw, SCM_OFF_ROOT, SEED + 3, mine + SCM_OPS);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		api_die("socketpair: %s", strerror(errno));
	pid = scm_spawn(sv[1]);
	close(sv[1]);
	scm_send(sv[0], ro, rw);
	if (read(sv[0], theirs, sizeof(theirs)) != sizeof(theirs))
		api_fail("scm: no results from the receiver");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		api_fail("scm: the receiver failed (status %#x)", status);
	if (api_failures)
		return api_exit();
	for (i = 0; i < SCM_RESULTS; i++) {
		snprintf(name, sizeof(name), "scm-%s-%s",
			 i < SCM_OPS ? "rdonly" : "rdwr", scm_op_names[i % SCM_OPS]);
		if (mine[i] != theirs[i])
			api_fail("%s: sender (root) %s, receiver (uid %d) %s",
				 name, api_result_str(mine[i]), NOBODY,
				 api_result_str(theirs[i]));
		else
			api_ok(name);
	}
	/* and the fds allow what their mode says, no more */
	expect("scm-rdonly-write-is-ebadf", theirs[2], -EBADF);
	expect("scm-rdonly-pwrite-is-ebadf", theirs[3], -EBADF);
	expect("scm-rdonly-async-write-is-ebadf", theirs[5], -EBADF);
	expect("scm-rdwr-write", theirs[SCM_OPS + 2], 64 * K);
	expect("scm-rdonly-read", theirs[0], 64 * K);
	expect("scm-read-data", theirs[1] && theirs[SCM_OPS + 1], 1);
	scm_check_landed();
	return api_exit();
}

int main(int argc, char **argv)
{
	api_prog = "rel-security";
	if (argc < 3)
		goto usage;
	dev_path = argv[2];
	zfd = api_zcio_open();
	if (!strcmp(argv[1], "setup") && argc == 3)
		return do_setup();
	if (!strcmp(argv[1], "check-data") && argc == 3)
		return do_check_data();
	if (!strcmp(argv[1], "rdonly") && argc <= 4)
		return do_rdonly(argc == 4 ? argv[3] : NULL);
	if (!strcmp(argv[1], "nofd") && argc == 5)
		return do_nofd(atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(argv[1], "scm") && argc == 3)
		return do_scm();
	if (!strcmp(argv[1], "scm-recv") && argc == 4)
		return do_scm_recv(atoi(argv[3]));
usage:
	fprintf(stderr,
		"usage: rel-security setup|check-data|scm DEV\n"
		"       rel-security rdonly DEV [FD]\n"
		"       rel-security nofd DEV PID FD\n"
		"       rel-security scm-recv DEV SOCKFD\n");
	return 2;
}
