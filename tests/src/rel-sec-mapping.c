// SPDX-License-Identifier: GPL-2.0
/*
 * rel-sec-mapping DEV DIR...: transfers between a block device and
 * MAP_PRIVATE (and read-only) mappings of files, through ZCIO_IOC_IO and
 * through pread()/pwrite() on an O_DIRECT fd of DEV, each into its own,
 * identically prepared mapping.  DEV is a scratch device of at least
 * 8 MiB; each DIR is a directory on a filesystem to test (tmpfs, ext4),
 * where a scratch file is made.
 *
 * For each DIR, with the mapping untouched, read-faulted (the page cache
 * page mapped read-only) or written (already a private copy), of 4 KiB
 * (the fast path) and 64 KiB:
 *
 *  read-*	a read from DEV into a MAP_PRIVATE PROT_READ|PROT_WRITE
 *		mapping: the same result for both, the mapping holds DEV's
 *		data (the rest of it as before), and the file does not:
 *		pread() of the file, a MAP_PRIVATE mapping made before the
 *		read, and (for a disk filesystem) the file read back from
 *		disk after fsync() and drop_caches all show the old content;
 *  write-*	a write from such a mapping: DEV gets what the mapping shows
 *		(the file data, or the private changes), the same for both;
 *		mapping and file unchanged;
 *  ro-read-*	a read into a MAP_PRIVATE or MAP_SHARED PROT_READ mapping:
 *		EFAULT for both, mapping, file and device unchanged;
 *  ro-write-*	a write from a PROT_READ mapping works, for both;
 *  eof-*	a read into a MAP_PRIVATE mapping that reaches past the end
 *		of the file (SIGBUS pages): 1 MiB + 1 MiB: EFAULT for both,
 *		the first 1 MiB read for both; 8 KiB + 8 KiB: EFAULT for zcio
 *		where O_DIRECT returns the short count (the "partly
 *		unmapped buffer" difference of tests/api/002, noted "by
 *		design"); the file unchanged;
 *  regbuf-*	ZCIO_IOC_REGISTER takes a MAP_PRIVATE tmpfs mapping (shmem)
 *		and a read through it with ZCIO_IO_FIXED leaves the file
 *		unchanged; a MAP_PRIVATE mapping of a file on a disk
 *		filesystem is refused with EOPNOTSUPP (docs/uapi.md).
 *
 * Prints "ok NAME" per check; exit 0 if all passed, 1 otherwise.
 */
#include "api-util.h"

#include <sys/vfs.h>

#define K		1024UL
#define M		(1024 * K)
#define FILE_LEN	(64 * K)
#define FILE_BASE	0x40000000ULL	/* offsets stamped into the file */
#define SEED_FILE	0x46
#define SEED_DEV	0x44
#define DOFF		(1 * M)		/* device offset of every transfer */
#define TMPFS_MAGIC	0x01021994

enum state { ST_UNTOUCHED, ST_READ, ST_WRITTEN, NR_STATES };
static const char *const state_name[NR_STATES] = {
	"untouched", "read-faulted", "written",
};

enum kind { KIND_ZCIO, KIND_ODIRECT };

static int zfd, dfd;	/* dfd: DEV, O_RDWR | O_DIRECT */
static char name[128];

/* A scratch file in @dir of @len bytes of its own pattern. */
struct sfile {
	char path[512];
	int fd;
	bool on_disk;
	size_t len;
};

static void file_content(void *buf, size_t len)
{
	api_pattern(buf, len, FILE_BASE, SEED_FILE);
}

static void make_file(struct sfile *f, const char *dir, size_t len)
{
	struct statfs sfs;
	char *b = malloc(len);

	if (!b)
		api_die("out of memory");
	snprintf(f->path, sizeof(f->path), "%s/rel-sec-mapping.%zu", dir, len);
	f->fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f->fd < 0)
		api_die("create %s: %s", f->path, strerror(errno));
	f->len = len;
	file_content(b, len);
	if (pwrite(f->fd, b, len, 0) != (ssize_t)len || fsync(f->fd))
		api_die("write %s: %s", f->path, strerror(errno));
	if (fstatfs(f->fd, &sfs))
		api_die("fstatfs: %s", strerror(errno));
	f->on_disk = sfs.f_type != TMPFS_MAGIC;
	free(b);
}

static void drop_file(struct sfile *f)
{
	close(f->fd);
	unlink(f->path);
}

static char *map_file(const struct sfile *f, size_t len, int prot, int flags)
{
	char *p = mmap(NULL, len, prot, flags, f->fd, 0);

	if (p == MAP_FAILED)
		api_die("mmap %s: %s", f->path, strerror(errno));
	return p;
}

/* Bring @m (@len bytes) into @st; @expect gets what it then shows. */
static void apply_state(char *m, size_t len, enum state st, char *expect)
{
	volatile char sink;
	size_t i;

	file_content(expect, len);
	for (i = 0; i < len; i += 4096) {
		if (st == ST_READ)
			sink = m[i];
		if (st == ST_WRITTEN) {
			m[i + 100] = 'P';
			expect[i + 100] = 'P';
		}
	}
	(void)sink;
}

/* The file is as made: through the page cache, and from disk. */
static bool file_intact(const char *n, const struct sfile *f)
{
	char *b = malloc(f->len), *w = malloc(f->len);
	bool good = true;
	int fd;

	if (!b || !w)
		api_die("out of memory");
	file_content(w, f->len);
	if (pread(f->fd, b, f->len, 0) != (ssize_t)f->len ||
	    memcmp(b, w, f->len)) {
		api_fail("%s: the file changed (page cache)", n);
		good = false;
	}
	if (good && f->on_disk) {
		if (fsync(f->fd))
			api_die("fsync: %s", strerror(errno));
		fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "3", 1) != 1)
			api_die("drop_caches: %s", strerror(errno));
		close(fd);
		if (pread(f->fd, b, f->len, 0) != (ssize_t)f->len ||
		    memcmp(b, w, f->len)) {
			api_fail("%s: the file changed on disk", n);
			good = false;
		}
	}
	free(b);
	free(w);
	return good;
}

static void dev_restore(size_t len)
{
	char *b = api_map_guarded(len);

	api_pattern(b, len, DOFF, SEED_DEV);
	api_pwrite_all(dfd, b, len, DOFF);
	api_unmap_guarded(b, len);
}

static char *dev_read(size_t len)
{
	char *b = malloc(len);
	char *a = api_map_guarded(len);

	if (!b)
		api_die("out of memory");
	api_pread_all(dfd, a, len, DOFF);
	memcpy(b, a, len);
	api_unmap_guarded(a, len);
	return b;
}

static int64_t xfer(enum kind k, unsigned int op, void *buf, size_t len)
{
	ssize_t n;

	if (k == KIND_ZCIO)
		return zcio_pio(zfd, op, dfd, buf, len, DOFF);
	n = op == ZCIO_OP_READ ? pread(dfd, buf, len, DOFF) :
				 pwrite(dfd, buf, len, DOFF);
	return n < 0 ? -errno : n;
}

/* --- MAP_PRIVATE, read-write ----------------------------------------------- */

struct run {
	int64_t res;
	char *map;	/* a copy of the mapping afterwards */
	char *dev;	/* a copy of the device range afterwards */
};

static void private_run(const struct sfile *f, enum kind k, unsigned int op,
			enum state st, size_t len, struct run *r)
{
	char *m = map_file(f, FILE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *witness = map_file(f, FILE_LEN, PROT_READ, MAP_PRIVATE);
	char *expect = malloc(FILE_LEN), *w = malloc(FILE_LEN);
	volatile char sink;
	size_t i;

	if (!expect || !w)
		api_die("out of memory");
	for (i = 0; i < FILE_LEN; i += 4096)
		sink = witness[i];
	(void)sink;
	dev_restore(len);
	apply_state(m, FILE_LEN, st, expect);
	r->res = xfer(k, op, m, len);
	r->map = malloc(FILE_LEN);
	if (!r->map)
		api_die("out of memory");
	memcpy(r->map, m, FILE_LEN);
	r->dev = dev_read(len);
	file_content(w, FILE_LEN);
	if (memcmp(witness, w, FILE_LEN))
		api_fail("%s/%s: another MAP_PRIVATE mapping of the file sees the transfer",
			 name, k == KIND_ZCIO ? "zcio" : "odirect");
	/* the mapping apart from the transfer is as it was */
	if (memcmp(m + len, expect + len, FILE_LEN - len))
		api_fail("%s/%s: the mapping changed past the transfer", name,
			 k == KIND_ZCIO ? "zcio" : "odirect");
	if (op == ZCIO_OP_WRITE && memcmp(m, expect, len))
		api_fail("%s/%s: a write changed its mapping", name,
			 k == KIND_ZCIO ? "zcio" : "odirect");
	munmap(m, FILE_LEN);
	munmap(witness, FILE_LEN);
	free(expect);
	free(w);
}

static void private_case(const struct sfile *f, const char *fs, unsigned int op,
			 enum state st, size_t len)
{
	struct run z, o;
	char *want = malloc(FILE_LEN);
	int failures = api_failures;

	if (!want)
		api_die("out of memory");
	snprintf(name, sizeof(name), "%s-%s-private-%s-%zuk", fs,
		 op == ZCIO_OP_READ ? "read" : "write", state_name[st], len / K);
	private_run(f, KIND_ZCIO, op, st, len, &z);
	private_run(f, KIND_ODIRECT, op, st, len, &o);
	if (z.res != (int64_t)len || o.res != z.res)
		api_fail("%s: zcio %s, O_DIRECT %s, want %zu", name,
			 api_result_str(z.res), api_result_str(o.res), len);
	if (memcmp(z.map, o.map, FILE_LEN) || memcmp(z.dev, o.dev, len))
		api_fail("%s: zcio and O_DIRECT left different data", name);
	if (op == ZCIO_OP_READ) {
		/* the process sees the device data */
		api_pattern(want, len, DOFF, SEED_DEV);
		if (memcmp(z.map, want, len))
			api_fail("%s: the mapping does not hold the device data",
				 name);
	} else {
		/* the device got what the mapping showed */
		char *dummy = malloc(FILE_LEN);

		if (!dummy)
			api_die("out of memory");
		apply_state(dummy, FILE_LEN, st, want);
		if (memcmp(z.dev, want, len))
			api_fail("%s: the device does not hold what the mapping showed",
				 name);
		free(dummy);
	}
	file_intact(name, f);
	if (api_failures == failures)
		api_ok(name);
	free(z.map);
	free(z.dev);
	free(o.map);
	free(o.dev);
	free(want);
}

/* --- read-only mappings ---------------------------------------------------- */

static void ro_case(const struct sfile *f, const char *fs, unsigned int op,
		    int flags, enum state st, size_t len)
{
	int64_t res[2];
	char *want = malloc(FILE_LEN), *dev;
	int failures = api_failures, k;

	if (!want)
		api_die("out of memory");
	snprintf(name, sizeof(name), "%s-ro-%s-%s-%s-%zuk", fs,
		 op == ZCIO_OP_READ ? "read" : "write",
		 flags == MAP_SHARED ? "shared" : "private", state_name[st],
		 len / K);
	for (k = KIND_ZCIO; k <= KIND_ODIRECT; k++) {
		char *m = map_file(f, FILE_LEN, PROT_READ, flags);

		dev_restore(len);
		apply_state(m, FILE_LEN, st == ST_READ ? ST_READ : ST_UNTOUCHED,
			    want);
		res[k] = xfer(k, op, m, len);
		if (memcmp(m, want, FILE_LEN))
			api_fail("%s/%s: the read-only mapping changed", name,
				 k == KIND_ZCIO ? "zcio" : "odirect");
		dev = dev_read(len);
		if (op == ZCIO_OP_READ)
			api_pattern(want, len, DOFF, SEED_DEV);
		if (memcmp(dev, want, len))
			api_fail("%s/%s: the device holds other data", name,
				 k == KIND_ZCIO ? "zcio" : "odirect");
		free(dev);
		munmap(m, FILE_LEN);
	}
	if (res[0] != res[1] ||
	    res[0] != (op == ZCIO_OP_READ ? -EFAULT : (int64_t)len))
		api_fail("%s: zcio %s, O_DIRECT %s, want %s", name,
			 api_result_str(res[0]), api_result_str(res[1]),
			 op == ZCIO_OP_READ ? "EFAULT" : "the length");
	file_intact(name, f);
	if (api_failures == failures)
		api_ok(name);
	free(want);
}

/* --- past the end of the file ------------------------------------------------ */

static void eof_case(const char *dir, const char *fs, size_t file_len)
{
	size_t len = 2 * file_len;
	struct sfile f;
	int64_t res[2];
	char *want = malloc(file_len), *got[2];
	int failures = api_failures, k;

	if (!want)
		api_die("out of memory");
	snprintf(name, sizeof(name), "%s-eof-read-%zuk+%zuk", fs,
		 file_len / K, file_len / K);
	make_file(&f, dir, file_len);
	for (k = KIND_ZCIO; k <= KIND_ODIRECT; k++) {
		char *m = map_file(&f, len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

		dev_restore(len);
		res[k] = xfer(k, ZCIO_OP_READ, m, len);
		got[k] = malloc(file_len);
		if (!got[k])
			api_die("out of memory");
		memcpy(got[k], m, file_len);	/* the pages past EOF: SIGBUS */
		munmap(m, len);
	}
	if (res[0] != -EFAULT)
		api_fail("%s: zcio %s, want EFAULT", name, api_result_str(res[0]));
	if (res[1] != res[0]) {
		if (file_len <= 512 * K && res[1] == (int64_t)file_len)
			api_info("by design: %s: zcio=%s odirect=%s (a partly unmapped buffer that fits one bio)",
				 name, api_result_str(res[0]),
				 api_result_str(res[1]));
		else
			api_fail("%s: zcio %s, O_DIRECT %s", name,
				 api_result_str(res[0]), api_result_str(res[1]));
	}
	/* What was mapped before EOF was read, by both. */
	api_pattern(want, file_len, DOFF, SEED_DEV);
	if (memcmp(got[0], want, file_len) || memcmp(got[1], want, file_len))
		api_fail("%s: the pages before the end of the file do not hold the device data",
			 name);
	file_intact(name, &f);
	if (api_failures == failures)
		api_ok(name);
	drop_file(&f);
	free(got[0]);
	free(got[1]);
	free(want);
}

/* --- registered buffers ---------------------------------------------------- */

static void regbuf_case(const struct sfile *f, const char *fs)
{
	char *m = map_file(f, FILE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct zcio_buf zb = { (uint64_t)(uintptr_t)m, FILE_LEN };
	char *want = malloc(FILE_LEN);
	struct zcio_io io;
	int ret;

	if (!want)
		api_die("out of memory");
	snprintf(name, sizeof(name), "%s-regbuf-private", fs);
	ret = zcio_register_bufs(zfd, &zb, 1);
	if (f->on_disk) {
		if (ret != -EOPNOTSUPP)
			api_fail("%s: register %s, want EOPNOTSUPP", name,
				 api_result_str(ret));
		else
			api_ok(name);
		if (!ret)
			zcio_unregister_bufs(zfd);
		goto out;
	}
	if (ret) {
		api_fail("%s: register: %s", name, zcio_strerror(ret));
		goto out;
	}
	dev_restore(16 * K);
	zcio_prep_fixed(&io, ZCIO_OP_READ, dfd, 0, 4 * K, 16 * K, DOFF);
	ret = zcio_submit_io(zfd, &io);
	zcio_unregister_bufs(zfd);
	file_content(want, FILE_LEN);
	api_pattern(want + 4 * K, 16 * K, DOFF, SEED_DEV);
	if (ret || io.result != 16 * K)
		api_fail("%s: fixed read %s result %" PRId64, name,
			 zcio_strerror(ret), (int64_t)io.result);
	else if (memcmp(m, want, FILE_LEN))
		api_fail("%s: the mapping does not show the data read", name);
	else if (file_intact(name, f))
		api_ok(name);
out:
	munmap(m, FILE_LEN);
	free(want);
}

static void test_dir(const char *dir)
{
	struct sfile f;
	const char *fs;
	int st;

	make_file(&f, dir, FILE_LEN);
	fs = f.on_disk ? "disk" : "tmpfs";
	api_info("%s: %s", dir, fs);
	for (st = 0; st < NR_STATES; st++) {
		private_case(&f, fs, ZCIO_OP_READ, st, 4 * K);
		private_case(&f, fs, ZCIO_OP_READ, st, 64 * K);
		private_case(&f, fs, ZCIO_OP_WRITE, st, 4 * K);
		private_case(&f, fs, ZCIO_OP_WRITE, st, 64 * K);
	}
	for (st = ST_UNTOUCHED; st <= ST_READ; st++) {
		ro_case(&f, fs, ZCIO_OP_READ, MAP_PRIVATE, st, 4 * K);
		ro_case(&f, fs, ZCIO_OP_READ, MAP_PRIVATE, st, 64 * K);
		ro_case(&f, fs, ZCIO_OP_READ, MAP_SHARED, st, 64 * K);
		ro_case(&f, fs, ZCIO_OP_WRITE, MAP_PRIVATE, st, 64 * K);
		ro_case(&f, fs, ZCIO_OP_WRITE, MAP_SHARED, st, 4 * K);
	}
	regbuf_case(&f, fs);
	drop_file(&f);
	eof_case(dir, fs, 8 * K);
	eof_case(dir, fs, M);
}

int main(int argc, char **argv)
{
	int i;

	api_prog = "rel-sec-mapping";
	if (argc < 3) {
		fprintf(stderr, "usage: rel-sec-mapping DEV DIR...\n");
		return 2;
	}
	zfd = api_zcio_open();
	dfd = api_open(argv[1], O_RDWR | O_DIRECT);
	for (i = 2; i < argc; i++)
		test_dir(argv[i]);
	api_foll_pin_balanced("end");
	return api_exit();
}
