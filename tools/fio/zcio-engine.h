/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcio-engine.h - what the files of zcio-engine.so share: the option
 * values, the per-thread state, and the fio operations each file
 * provides to the ops table in zcio-engine.c.
 */
#ifndef ZCIO_ENGINE_H
#define ZCIO_ENGINE_H

#include <stdbool.h>
#include <time.h>

#include <fio.h>

#include "libzcio.h"

enum zcio_fio_mode {
	ZCIO_MODE_SYNC = 0,
	ZCIO_MODE_ASYNC = 1,
};

/* Option values; fio stores them at these offsets in td->eo. */
struct zcio_fio_options {
	void *pad;		/* fio: no option may live at offset 0 */
	unsigned int mode;
	unsigned int registered;
	unsigned int hipri;
	unsigned int fua;
	unsigned long long bio_size;
	unsigned int append;
};

/* Per fio thread, in td->io_ops_data. */
struct zcio_fio_data {
	int zfd;			/* /dev/zcio */
	struct zcio_version ver;
	unsigned int mode;		/* enum zcio_fio_mode */
	__u32 io_flags;			/* added to every zcio_io: HIPRI */
	__u32 write_flags;		/* and to every write: FUA */
	__u32 bio_bytes;		/* zcio_bio_size */
	bool registered;		/* buffers registered: ZCIO_IO_FIXED */
	bool append;			/* zcio_append=1 */
	bool buf_per_io_u;		/* buffer io_u->index is io_u->buf;
					 * else buffer 0 starts at reg_base */
	char *reg_base;

	/* async mode */
	unsigned int depth;		/* room in each array: td->o.iodepth */
	struct zcio_io *pend;		/* queued, not yet submitted */
	unsigned int nr_pend;
	unsigned int inflight;		/* submitted, not yet reaped */
	struct zcio_event *failed;	/* I/Os that never reached the
					 * module, completed by ->getevents */
	unsigned int nr_failed;
	struct zcio_event *events;	/* what ->getevents returned */
	unsigned int nr_events;
};

/* zcio-engine-regbuf.c */
int zcio_fio_post_init(struct thread_data *td);

/* zcio-engine-io.c */
enum fio_q_status zcio_fio_queue(struct thread_data *td, struct io_u *io_u);
int zcio_fio_commit(struct thread_data *td);
int zcio_fio_getevents(struct thread_data *td, unsigned int min,
		       unsigned int max, const struct timespec *t);
struct io_u *zcio_fio_event(struct thread_data *td, int event);

#endif /* ZCIO_ENGINE_H */
