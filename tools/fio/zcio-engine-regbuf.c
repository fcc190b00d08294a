// SPDX-License-Identifier: GPL-2.0
/*
 * zcio-engine.so, registered buffers (zcio_registered=1): ->post_init
 * registers fio's I/O buffers with the module (ZCIO_IOC_REGISTER); the
 * I/O path (zcio-engine-io.c) then sends ZCIO_IO_FIXED I/O.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fio.h>

#include "libzcio.h"
#include "zcio-engine.h"

/*
 * ->post_init, after fio allocated its buffers: register them.  One
 * buffer per io_u (io_u->buf, td_max_bs() bytes, index io_u->index) as
 * fio's io_uring engine does with fixedbufs; if the module takes fewer
 * buffers or smaller ones than that needs, one buffer spanning all of
 * them.
 */
int zcio_fio_post_init(struct thread_data *td)
{
	struct zcio_fio_options *o = td->eo;
	struct zcio_fio_data *zd = td->io_ops_data;
	unsigned int i, nr = td->io_u_all.nr;
	unsigned long long max_bs = td_max_bs(td);
	struct zcio_buf *bufs;
	char *lo = NULL, *hi = NULL;
	int ret;

	if (!o->registered)
		return 0;
	if (!nr || !td->io_u_all.io_us[0]->buf) {
		log_err("zcio: zcio_registered=1 but fio allocated no I/O buffers\n");
		td_verror(td, EINVAL, "zcio_fio_post_init");
		return 1;
	}
	bufs = calloc(nr, sizeof(*bufs));
	if (!bufs) {
		td_verror(td, ENOMEM, "zcio_fio_post_init");
		return 1;
	}
	for (i = 0; i < nr; i++) {
		struct io_u *io_u = td->io_u_all.io_us[i];
		char *b = io_u->buf;

		if (io_u->index != i) {
			log_err("zcio: io_u %u has index %u\n", i, io_u->index);
			td_verror(td, EINVAL, "zcio_fio_post_init");
			free(bufs);
			return 1;
		}
		bufs[i].addr = (uintptr_t)b;
		bufs[i].len = max_bs;
		if (!lo || b < lo)
			lo = b;
		if (!hi || b + max_bs > hi)
			hi = b + max_bs;
	}
	if (nr <= zd->ver.max_bufs && max_bs <= zd->ver.max_buf_bytes) {
		zd->buf_per_io_u = true;
	} else if ((uint64_t)(hi - lo) <= zd->ver.max_buf_bytes) {
		bufs[0].addr = (uintptr_t)lo;
		bufs[0].len = hi - lo;
		zd->reg_base = lo;
		nr = 1;
	} else {
		log_err("zcio: cannot register %u buffers of %llu bytes: the module takes at most %u buffers of %u bytes\n",
			nr, max_bs, zd->ver.max_bufs, zd->ver.max_buf_bytes);
		td_verror(td, E2BIG, "zcio_register_bufs");
		free(bufs);
		return 1;
	}
	ret = zcio_register_bufs(zd->zfd, bufs, nr);
	free(bufs);
	if (ret) {
		log_err("zcio: ZCIO_IOC_REGISTER of %u buffer(s): %s%s\n", nr,
			strerror(-ret), ret == -ENOMEM ?
			" (RLIMIT_MEMLOCK too low? see ulimit -l)" : "");
		td_verror(td, -ret, "zcio_register_bufs");
		return 1;
	}
	zd->registered = true;
	return 0;
}
