/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcio tracepoints: the same five points at which the module writes
 * notes into a running blktrace (blk/note.c), for perf, trace-cmd and
 * bpftrace.  Every event carries the request id that the notes carry, so
 * the two streams can be joined; the id is nonzero only while some trace
 * of zcio was on when the request started.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM zcio

#if !defined(ZCIO_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define ZCIO_TRACE_H

#include <linux/blkdev.h>
#include <linux/tracepoint.h>

/* A request starts: before anything is pinned. */
TRACE_EVENT(zcio_start,
	TP_PROTO(dev_t dev, u64 id, bool write, loff_t pos, u64 len,
		 unsigned long uaddr, int buf_index, bool async, bool polled),
	TP_ARGS(dev, id, write, pos, len, uaddr, buf_index, async, polled),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u64, id)
		__field(loff_t, pos)
		__field(u64, len)
		__field(unsigned long, uaddr)
		__field(int, buf_index)
		__field(bool, write)
		__field(bool, async)
		__field(bool, polled)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->id = id;
		__entry->pos = pos;
		__entry->len = len;
		__entry->uaddr = uaddr;
		__entry->buf_index = buf_index;
		__entry->write = write;
		__entry->async = async;
		__entry->polled = polled;
	),
	TP_printk("%d,%d r%llu %s pos=%lld len=%llu addr=0x%lx buf=%d %s%s",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->id,
		  __entry->write ? "W" : "R", __entry->pos, __entry->len,
		  __entry->uaddr, __entry->buf_index,
		  __entry->async ? "async" : "sync",
		  __entry->polled ? " polled" : "")
);

/* A bio of the request goes to submit_bio(). */
TRACE_EVENT(zcio_bio,
	TP_PROTO(dev_t dev, u64 id, sector_t sector, unsigned int bytes,
		 unsigned int nr_pages),
	TP_ARGS(dev, id, sector, bytes, nr_pages),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u64, id)
		__field(sector_t, sector)
		__field(unsigned int, bytes)
		__field(unsigned int, nr_pages)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->id = id;
		__entry->sector = sector;
		__entry->bytes = bytes;
		__entry->nr_pages = nr_pages;
	),
	TP_printk("%d,%d r%llu %llu + %u pages=%u",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->id,
		  (unsigned long long)__entry->sector, __entry->bytes >> 9,
		  __entry->nr_pages)
);

/*
 * A bio maps less than the rest of the request: @pinned of the @asked
 * pages were pinned, and the bio could hold @max_vecs pages; or (@asked
 * 0) the caller capped bios at @mapped bytes.
 */
TRACE_EVENT(zcio_partial,
	TP_PROTO(dev_t dev, u64 id, u64 mapped, u64 wanted,
		 unsigned int pinned, unsigned int asked, unsigned int max_vecs),
	TP_ARGS(dev, id, mapped, wanted, pinned, asked, max_vecs),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u64, id)
		__field(u64, mapped)
		__field(u64, wanted)
		__field(unsigned int, pinned)
		__field(unsigned int, asked)
		__field(unsigned int, max_vecs)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->id = id;
		__entry->mapped = mapped;
		__entry->wanted = wanted;
		__entry->pinned = pinned;
		__entry->asked = asked;
		__entry->max_vecs = max_vecs;
	),
	TP_printk("%d,%d r%llu mapped %llu of %llu pinned=%u/%u max_vecs=%u",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->id,
		  __entry->mapped, __entry->wanted, __entry->pinned,
		  __entry->asked, __entry->max_vecs)
);

/* Every bio of the request has ended (or it failed before any I/O). */
TRACE_EVENT(zcio_done,
	TP_PROTO(dev_t dev, u64 id, long result, u64 lat_ns),
	TP_ARGS(dev, id, result, lat_ns),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u64, id)
		__field(long, result)
		__field(u64, lat_ns)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->id = id;
		__entry->result = result;
		__entry->lat_ns = lat_ns;
	),
	TP_printk("%d,%d r%llu result=%ld lat_ns=%llu",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->id,
		  __entry->result, __entry->lat_ns)
);

/* The request's pages are released: @dirtied of them marked dirty. */
TRACE_EVENT(zcio_unmap,
	TP_PROTO(dev_t dev, u64 id, unsigned long dirtied,
		 unsigned long unpinned),
	TP_ARGS(dev, id, dirtied, unpinned),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u64, id)
		__field(unsigned long, dirtied)
		__field(unsigned long, unpinned)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->id = id;
		__entry->dirtied = dirtied;
		__entry->unpinned = unpinned;
	),
	TP_printk("%d,%d r%llu dirtied=%lu unpinned=%lu",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->id,
		  __entry->dirtied, __entry->unpinned)
);

#endif /* ZCIO_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
