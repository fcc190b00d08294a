// SPDX-License-Identifier: GPL-2.0
/*
 * ops-io: one ZCIO_IOC_IO (or one ZCIO_IOC_SUBMIT entry, or one of the
 * kernel's own BLKDISCARD, BLKSECDISCARD, BLKZEROOUT, or fsync) with
 * every field as given, for the shell tests of tests/ops/.  Prints one
 * line on stdout: "ok RESULT" or "err ENAME" (the errno's name), and
 * exits 0 either way; 1 when it could not even try.
 *
 *   ops-io [options] DEV
 *     -o OP      read, write, flush, discard, secure-erase, zeroes or a
 *                number (zcio; default read)
 *     -k IOCTL   discard, secdiscard, zeroout or fsync: the kernel's
 *                ioctl on DEV instead of zcio (-s, -l)
 *     -f FLAGS   comma list of fixed, hipri, fua, preflush, nomerge, sync,
 *                idle, meta, exact, noplug, nounmap, or a number
 *     -p PRIO    ioprio: CLASS:LEVEL (class rt, be, idle, none or a
 *                number) or a raw number
 *     -B BYTES   bio_bytes
 *     -s OFFSET  device byte offset          -l LEN  bytes (default 4096)
 *     -a ADDR    @addr as a number (default: the buffer; 0 for non-data)
 *     -b INDEX   buf_index
 *     -i FILE    the write buffer's content (default: bytes of -x)
 *     -x BYTE    fill byte of the write buffer (default 0x5a)
 *     -O FILE    write what a read returned to FILE
 *     -r         open DEV read-only (default read-write), -D: with O_DIRECT
 *     -e         open DEV with O_EXCL
 *     -u         after opening everything, become nobody (65534) with no
 *                capabilities
 *     -A         submit through ZCIO_IOC_SUBMIT and print the event's
 *                result instead
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <linux/zcio.h>

#include "msg.h"

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vmsg("ops-io", "ERROR", fmt, ap);
	va_end(ap);
	exit(1);
}

static const struct {
	const char *name;
	unsigned int val;
} flag_names[] = {
	{ "fixed", ZCIO_IO_FIXED }, { "hipri", ZCIO_IO_HIPRI },
	{ "fua", ZCIO_IO_FUA }, { "preflush", ZCIO_IO_PREFLUSH },
	{ "nomerge", ZCIO_IO_NOMERGE }, { "sync", ZCIO_IO_SYNC },
	{ "idle", ZCIO_IO_IDLE }, { "meta", ZCIO_IO_META },
	{ "exact", ZCIO_IO_EXACT }, { "noplug", ZCIO_IO_NOPLUG },
	{ "nounmap", ZCIO_IO_NOUNMAP },
}, op_names[] = {
	{ "read", ZCIO_OP_READ }, { "write", ZCIO_OP_WRITE },
	{ "flush", ZCIO_OP_FLUSH }, { "discard", ZCIO_OP_DISCARD },
	{ "secure-erase", ZCIO_OP_SECURE_ERASE },
	{ "zeroes", ZCIO_OP_WRITE_ZEROES },
}, class_names[] = {
	{ "none", IOPRIO_CLASS_NONE }, { "rt", IOPRIO_CLASS_RT },
	{ "be", IOPRIO_CLASS_BE }, { "idle", IOPRIO_CLASS_IDLE },
};

#define NR(a)	(sizeof(a) / sizeof((a)[0]))

static uint64_t num(const char *what, const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!*s || *end || errno)
		die("bad %s '%s'", what, s);
	return v;
}

static unsigned int lookup(const char *what, const char *s,
			   const void *table, size_t nr)
{
	const struct { const char *name; unsigned int val; } *t = table;
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(t[i].name, s))
			return t[i].val;
	return num(what, s);
}

static unsigned int parse_flags(char *s)
{
	unsigned int flags = 0;
	char *tok;

	for (tok = strtok(s, ","); tok; tok = strtok(NULL, ","))
		flags |= lookup("flag", tok, flag_names, NR(flag_names));
	return flags;
}

static uint16_t parse_prio(char *s)
{
	char *colon = strchr(s, ':');

	if (!colon)
		return num("ioprio", s);
	*colon = '\0';
	return (lookup("class", s, class_names, NR(class_names)) << IOPRIO_CLASS_SHIFT) |
	       num("level", colon + 1);
}

static void print_result(int64_t res)
{
	if (res < 0)
		printf("err %s\n", strerrorname_np(-res) ?: "E?");
	else
		printf("ok %" PRId64 "\n", res);
}

static int64_t kernel_ioctl(const char *name, int fd, uint64_t off,
			    uint64_t len)
{
	uint64_t range[2] = { off, len };
	unsigned long cmd;

	if (!strcmp(name, "fsync"))
		return fsync(fd) ? -errno : 0;
	if (!strcmp(name, "discard"))
		cmd = BLKDISCARD;
	else if (!strcmp(name, "secdiscard"))
		cmd = BLKSECDISCARD;
	else if (!strcmp(name, "zeroout"))
		cmd = BLKZEROOUT;
	else
		die("unknown ioctl '%s'", name);
	return ioctl(fd, cmd, range) ? -errno : (int64_t)len;
}

static void become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		die("cannot become nobody: %s", strerror(errno));
	if (!geteuid())
		die("still root");
}

static int64_t submit_async(int zfd, struct zcio_io *io)
{
	struct zcio_submit sub = { .ios = (uintptr_t)io, .nr = 1 };
	struct zcio_event ev;
	struct zcio_reap reap = {
		.events = (uintptr_t)&ev, .min_nr = 1, .max_nr = 1,
		.timeout_ns = -1,
	};
	int n;

	io->tag = 0x0b5;
	n = ioctl(zfd, ZCIO_IOC_SUBMIT, &sub);
	if (n < 0)
		return -errno;
	if (n != 1)
		die("ZCIO_IOC_SUBMIT took %d of 1", n);
	n = ioctl(zfd, ZCIO_IOC_REAP, &reap);
	if (n != 1)
		die("ZCIO_IOC_REAP returned %d: %s", n, strerror(errno));
	if (ev.tag != io->tag)
		die("event tag %#llx", (unsigned long long)ev.tag);
	return ev.result;
}

int main(int argc, char **argv)
{
	struct zcio_io io = { .len = 4096 };
	const char *kio = NULL, *in = NULL, *out = NULL;
	int opt, fd, zfd, oflags = O_RDWR;
	bool addr_set = false, nobody = false, async = false;
	unsigned int fill = 0x5a;
	void *buf;
	int64_t res;

	while ((opt = getopt(argc, argv, "o:k:f:p:B:s:l:a:b:i:x:O:rDeuA")) != -1) {
		switch (opt) {
		case 'o': io.op = lookup("op", optarg, op_names, NR(op_names)); break;
		case 'k': kio = optarg; break;
		case 'f': io.flags = parse_flags(optarg); break;
		case 'p': io.ioprio = parse_prio(optarg); break;
		case 'B': io.bio_bytes = num("bio_bytes", optarg); break;
		case 's': io.offset = num("offset", optarg); break;
		case 'l': io.len = num("length", optarg); break;
		case 'a': io.addr = num("addr", optarg); addr_set = true; break;
		case 'b': io.buf_index = num("buf_index", optarg); break;
		case 'i': in = optarg; break;
		case 'x': fill = num("fill byte", optarg); break;
		case 'O': out = optarg; break;
		case 'r': oflags = (oflags & ~O_ACCMODE) | O_RDONLY; break;
		case 'D': oflags |= O_DIRECT; break;
		case 'e': oflags |= O_EXCL; break;
		case 'u': nobody = true; break;
		case 'A': async = true; break;
		default: die("usage: see tests/src/ops-io.c");
		}
	}
	if (optind != argc - 1)
		die("usage: ops-io [options] DEV");
	fd = open(argv[optind], oflags | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", argv[optind], strerror(errno));
	if (kio) {
		if (nobody)
			become_nobody();
		print_result(kernel_ioctl(kio, fd, io.offset, io.len));
		return 0;
	}
	zfd = open(getenv("ZCIO_DEVICE") ?: "/dev/zcio", O_RDWR | O_CLOEXEC);
	if (zfd < 0)
		die("cannot open /dev/zcio: %s", strerror(errno));
	if (io.len > (64U << 20))
		die("length above 64 MiB");
	buf = aligned_alloc(4096, io.len ? (io.len + 4095) & ~4095ULL : 4096);
	if (!buf)
		die("out of memory");
	memset(buf, fill, io.len);
	if (in) {
		FILE *f = fopen(in, "rb");

		if (!f || fread(buf, 1, io.len, f) != io.len)
			die("cannot read %" PRIu64 " bytes of %s", (uint64_t)io.len, in);
		fclose(f);
	}
	if (!addr_set && (io.op == ZCIO_OP_READ || io.op == ZCIO_OP_WRITE))
		io.addr = (uintptr_t)buf;
	io.fd = fd;
	if (nobody)
		become_nobody();
	if (async) {
		res = submit_async(zfd, &io);
	} else {
		res = ioctl(zfd, ZCIO_IOC_IO, &io) ? -errno : io.result;
	}
	print_result(res);
	if (out && res > 0) {
		FILE *f = fopen(out, "wb");

		if (!f || fwrite(buf, 1, res, f) != (size_t)res || fclose(f))
			die("cannot write %s", out);
	}
	return 0;
}
