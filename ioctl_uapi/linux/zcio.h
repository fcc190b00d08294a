/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcio: zero-copy block I/O from user memory.
 *
 * /dev/zcio takes a user buffer, a length and a byte offset on a block
 * device that the caller opened itself, and moves the data between the
 * device and the buffer with no copy: the user pages are pinned and
 * handed to the block layer as bios.  The open file descriptor of the
 * block device is the authority; /dev/zcio itself grants nothing.
 *
 * Rules for every structure in this file:
 *  - fixed size, no implicit padding, 64-bit aligned, the same layout for
 *    32-bit and 64-bit user space;
 *  - user pointers are carried as __u64;
 *  - fields named resv* or pad* must be zero on input (EINVAL otherwise)
 *    and are zero on output;
 *  - unknown flag bits are rejected with EINVAL.
 *
 * The structure sizes are part of the ioctl numbers and never change;
 * new behaviour comes as new flags, new ops, new ioctl numbers or by
 * giving a reserved field a meaning (gated by a ZCIO_FEAT_* bit).
 */
#ifndef _UAPI_LINUX_ZCIO_H
#define _UAPI_LINUX_ZCIO_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define ZCIO_DEVICE_NAME	"zcio"

/* ABI generation: bumped only if an existing ioctl changes meaning. */
#define ZCIO_ABI_VERSION	1

/* Features reported by ZCIO_IOC_VERSION. */
#define ZCIO_FEAT_SYNC_IO	0x1U	/* ZCIO_IOC_IO */
#define ZCIO_FEAT_DEVINFO	0x2U	/* ZCIO_IOC_DEVINFO */
#define ZCIO_FEAT_STATS		0x4U	/* ZCIO_IOC_STATS */
#define ZCIO_FEAT_ASYNC		0x8U	/* ZCIO_IOC_SUBMIT, ZCIO_IOC_REAP, poll() */
#define ZCIO_FEAT_REGBUF	0x10U	/* ZCIO_IOC_REGISTER, ZCIO_IO_FIXED */
#define ZCIO_FEAT_POLLED	0x20U	/* ZCIO_IO_HIPRI */
#define ZCIO_FEAT_REQFLAGS	0x40U	/* ZCIO_IO_FUA...ZCIO_IO_NOPLUG, @ioprio, @bio_bytes */
#define ZCIO_FEAT_NONDATA	0x80U	/* ZCIO_OP_FLUSH...ZCIO_OP_WRITE_ZEROES */
#define ZCIO_FEAT_ZONED		0x100U	/* ZCIO_OP_ZONE_APPEND...ZCIO_OP_ZONE_FINISH */

/**
 * struct zcio_version - ZCIO_IOC_VERSION: what this module can do
 * @major:		module version, major
 * @minor:		module version, minor
 * @patch:		module version, patch level
 * @pad:		zero
 * @abi:		ZCIO_ABI_VERSION of the running module
 * @max_io_bytes:	largest @len one struct zcio_io may ask for
 * @features:		ZCIO_FEAT_* bits
 * @max_inflight:	with ZCIO_FEAT_ASYNC: most asynchronous I/Os one open
 *			/dev/zcio may hold, submitted and not yet reaped
 * @max_bufs:		with ZCIO_FEAT_REGBUF: most buffers one
 *			ZCIO_IOC_REGISTER takes
 * @max_buf_bytes:	with ZCIO_FEAT_REGBUF: largest registered buffer
 * @pad2:		zero
 * @resv:		zero
 */
struct zcio_version {
	__u16 major;
	__u16 minor;
	__u16 patch;
	__u16 pad;
	__u32 abi;
	__u32 max_io_bytes;
	__u64 features;
	__u32 max_inflight;
	__u32 max_bufs;
	__u32 max_buf_bytes;
	__u32 pad2;
	__u64 resv[2];
};

/* Device flags reported by ZCIO_IOC_DEVINFO. */
#define ZCIO_DEV_RDONLY		0x1U	/* the device refuses writes */
#define ZCIO_DEV_FD_READ	0x2U	/* @fd was opened for reading */
#define ZCIO_DEV_FD_WRITE	0x4U	/* @fd was opened for writing */
#define ZCIO_DEV_ROTATIONAL	0x8U	/* the queue says rotational */
#define ZCIO_DEV_POLL		0x10U	/* the queue has poll queues: ZCIO_IO_HIPRI polls */

/**
 * struct zcio_devinfo - ZCIO_IOC_DEVINFO: limits of a block device
 * @fd:			in: an open block-device file descriptor
 * @flags:		in: zero
 * @size:		out: device size in bytes
 * @logical_block_size:	out: offsets and lengths must be multiples of it
 * @physical_block_size: out: the device's preferred write granularity
 * @dma_alignment:	out: buffer addresses must be multiples of it
 * @max_sectors_bytes:	out: largest request the queue builds (bios are
 *			split above it)
 * @max_hw_sectors_bytes: out: the driver's hard limit per request
 * @max_segments:	out: most segments per request
 * @dev_flags:		out: ZCIO_DEV_* bits
 * @dev_major:		out: device number, major
 * @dev_minor:		out: device number, minor
 * @resv:		zero
 */
struct zcio_devinfo {
	__s32 fd;
	__u32 flags;
	__u64 size;
	__u32 logical_block_size;
	__u32 physical_block_size;
	__u32 dma_alignment;
	__u32 max_sectors_bytes;
	__u32 max_hw_sectors_bytes;
	__u32 max_segments;
	__u32 dev_flags;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 pad;
	__u64 resv[3];
};

/*
 * Operations for struct zcio_io @op.  The data operations move @len bytes
 * between user memory and the device; the others (ZCIO_FEAT_NONDATA) move
 * no data, take no buffer (@addr zero) and run synchronously: ZCIO_IOC_IO
 * only, an entry of ZCIO_IOC_SUBMIT completes with -EINVAL.  Each needs a
 * target fd opened for writing and fails with EOPNOTSUPP on a device
 * without the operation.
 */
#define ZCIO_OP_READ		0	/* device -> user memory */
#define ZCIO_OP_WRITE		1	/* user memory -> device */
/* an empty write with PREFLUSH: the volatile cache to media; @len, @offset 0 */
#define ZCIO_OP_FLUSH		2
/* the range may be forgotten, as BLKDISCARD */
#define ZCIO_OP_DISCARD		3
/* the range is erased for good, as BLKSECDISCARD */
#define ZCIO_OP_SECURE_ERASE	4
/* the range reads back as zeroes, as BLKZEROOUT (see ZCIO_IO_NOUNMAP) */
#define ZCIO_OP_WRITE_ZEROES	5
/*
 * Zoned devices (ZCIO_FEAT_ZONED), ZCIO_IOC_IO only; EOPNOTSUPP on a
 * device that is not zoned.  ZCIO_OP_ZONE_APPEND writes @len bytes from
 * @addr at the write pointer of the zone that starts at @offset, in one
 * bio (at most 256 pages and the queue's max_zone_append bytes), and sets
 * @result to the device byte offset where the data landed.  The zone
 * management operations act on the zones from @offset for @len bytes
 * (whole zones; @addr zero), as BLKRESETZONE, BLKOPENZONE, BLKCLOSEZONE
 * and BLKFINISHZONE do.
 */
#define ZCIO_OP_ZONE_APPEND	6
#define ZCIO_OP_ZONE_RESET	7
#define ZCIO_OP_ZONE_OPEN	8
#define ZCIO_OP_ZONE_CLOSE	9
#define ZCIO_OP_ZONE_FINISH	10

/* Flags for struct zcio_io @flags. */
/* @addr is a byte offset into the registered buffer @buf_index */
#define ZCIO_IO_FIXED		0x1U
/* complete by polling the queue, where it has poll queues */
#define ZCIO_IO_HIPRI		0x2U
/*
 * Request flags (ZCIO_FEAT_REQFLAGS) that the bios carry to the queue.
 * FUA and PREFLUSH are for writes only; the block layer drops both on a
 * device without a volatile write cache, which the counter flush_dropped
 * and the trace notes report.
 */
#define ZCIO_IO_FUA		0x4U	/* REQ_FUA: on media at completion */
#define ZCIO_IO_PREFLUSH	0x8U	/* REQ_PREFLUSH: flush the cache first */
#define ZCIO_IO_NOMERGE		0x10U	/* REQ_NOMERGE: never merged */
#define ZCIO_IO_SYNC		0x20U	/* REQ_SYNC: someone waits for it */
#define ZCIO_IO_IDLE		0x40U	/* REQ_IDLE: nothing follows soon */
#define ZCIO_IO_META		0x80U	/* REQ_META: metadata */
/*
 * Writes carry exactly the flags asked for, not the REQ_SYNC | REQ_IDLE
 * that zcio (like O_DIRECT) gives them otherwise.  Writes only.
 */
#define ZCIO_IO_EXACT		0x100U
/* submit each bio on its own, without a plug (nothing merged in it) */
#define ZCIO_IO_NOPLUG		0x200U
/* ZCIO_OP_WRITE_ZEROES only: keep the blocks allocated (no unmap) */
#define ZCIO_IO_NOUNMAP		0x400U

/**
 * struct zcio_io - one transfer: ZCIO_IOC_IO, or an entry of ZCIO_IOC_SUBMIT
 * @addr:	user buffer address, aligned to the device's dma_alignment;
 *		with ZCIO_IO_FIXED the byte offset into registered buffer
 *		@buf_index (the buffer's address plus @addr must be aligned)
 * @len:	bytes, a multiple of the logical block size, at most
 *		max_io_bytes of struct zcio_version
 * @offset:	byte offset on the device, a multiple of the logical block
 *		size
 * @tag:	the caller's cookie, returned in the completion event of an
 *		asynchronous I/O; not interpreted by the module
 * @fd:		an open block-device file descriptor (the authority)
 * @op:		ZCIO_OP_*
 * @pad:	zero
 * @ioprio:	data operations: an I/O priority as ioprio_set(2) takes it
 *		(IOPRIO_PRIO_VALUE(class, level) of <linux/ioprio.h>), the
 *		real-time class needing CAP_SYS_ADMIN or CAP_SYS_NICE
 *		(EPERM); 0: the task's own, as for pread()
 * @flags:	ZCIO_IO_* bits
 * @buf_index:	with ZCIO_IO_FIXED: index of the registered buffer, else 0
 * @result:	out (ZCIO_IOC_IO only): bytes transferred; less than @len
 *		only at the end of the device, exactly like pread()/pwrite()
 *		with O_DIRECT; the non-data operations report @len;
 *		ZCIO_OP_ZONE_APPEND reports where the data landed.  Left
 *		alone by ZCIO_IOC_SUBMIT.
 * @bio_bytes:	data operations: no bio carries more than this many bytes,
 *		a multiple of the logical block size; 0: no cap
 * @resv:	zero
 *
 * ZCIO_IOC_IO returns 0 and sets @result, or returns -1 with errno set and
 * leaves nothing pinned.
 */
struct zcio_io {
	__u64 addr;
	__u64 len;
	__u64 offset;
	__u64 tag;
	__s32 fd;
	__u8 op;
	__u8 pad;
	__u16 ioprio;
	__u32 flags;
	__u32 buf_index;
	__s64 result;
	__u32 bio_bytes;
	__u32 resv;
};

/**
 * struct zcio_stats - ZCIO_IOC_STATS: module-wide counters since load
 * @requests:		ZCIO_IOC_IO calls that passed validation
 * @reads:		of which reads
 * @writes:		of which writes
 * @bytes_read:		bytes moved device -> memory
 * @bytes_written:	bytes moved memory -> device
 * @bios:		bios submitted
 * @partial_maps:	bios that mapped less than the rest of their request
 * @errors:		requests that failed after validation
 * @pages_pinned:	user pages pinned right now
 * @pins:		user pages pinned since load
 * @unpins:		user pages unpinned since load
 * @killed:		requests whose caller was killed while waiting
 * @async_requests:	of @requests, those submitted with ZCIO_IOC_SUBMIT
 *			(both counted when the request is released: reaped,
 *			or discarded by close())
 * @polled_requests:	requests with ZCIO_IO_HIPRI that completed while
 *			polled, by their caller or by ZCIO_IOC_REAP (the
 *			others fell back to interrupts)
 * @flush_dropped:	bios asked for with ZCIO_IO_FUA or ZCIO_IO_PREFLUSH
 *			(or ZCIO_OP_FLUSH) on a device without a volatile
 *			write cache: the block layer drops those flags
 * @bios_capped:	bios cut short by @bio_bytes of struct zcio_io
 */
struct zcio_stats {
	__u64 requests;
	__u64 reads;
	__u64 writes;
	__u64 bytes_read;
	__u64 bytes_written;
	__u64 bios;
	__u64 partial_maps;
	__u64 errors;
	__u64 pages_pinned;
	__u64 pins;
	__u64 unpins;
	__u64 killed;
	__u64 async_requests;
	__u64 polled_requests;
	__u64 flush_dropped;
	__u64 bios_capped;
};

/**
 * struct zcio_submit - ZCIO_IOC_SUBMIT: start asynchronous I/Os
 * @ios:	user pointer to an array of @nr struct zcio_io
 * @nr:		entries in @ios
 * @flags:	zero
 * @resv:	zero
 *
 * The ioctl takes entries in order and returns how many it took (0 for
 * @nr 0).  Each entry taken completes with exactly one struct zcio_event,
 * also when it fails (a bad fd, a misaligned buffer...: the event carries
 * -errno).  It stops early, returning the count so far, when an entry
 * cannot be read, the context is full or no request can be allocated;
 * if that happens at the first entry, it fails with EFAULT, EAGAIN or
 * ENOMEM.  "Full" means @max_inflight of
 * struct zcio_version I/Os submitted and not yet reaped: unreaped events
 * count, so the completion queue cannot overflow.
 */
struct zcio_submit {
	__u64 ios;
	__u32 nr;
	__u32 flags;
	__u64 resv[2];
};

/**
 * struct zcio_event - the completion of one asynchronous I/O
 * @tag:	@tag of the struct zcio_io
 * @result:	bytes transferred (as ZCIO_IOC_IO's @result) or -errno
 * @flags:	zero
 */
struct zcio_event {
	__u64 tag;
	__s32 result;
	__u32 flags;
};

/**
 * struct zcio_reap - ZCIO_IOC_REAP: collect completion events
 * @events:	user pointer to room for @max_nr struct zcio_event
 * @min_nr:	wait until this many events are ready, or as many as there
 *		are I/Os outstanding if that is fewer (nothing outstanding:
 *		no wait)
 * @max_nr:	return at most this many, at least 1
 * @timeout_ns:	give up waiting after this long and return what is ready;
 *		negative: no limit, 0: do not wait
 * @flags:	zero
 * @pad:	zero
 * @resv:	zero
 *
 * Returns the number of events stored, oldest completion first.  A signal
 * while waiting fails with EINTR when nothing was reaped yet.  Every
 * event returned has its pages already released (dirtied and unpinned).
 * poll() on /dev/zcio reports EPOLLIN while an event is ready.
 */
struct zcio_reap {
	__u64 events;
	__u32 min_nr;
	__u32 max_nr;
	__s64 timeout_ns;
	__u32 flags;
	__u32 pad;
	__u64 resv[2];
};

/**
 * struct zcio_buf - one buffer for ZCIO_IOC_REGISTER
 * @addr:	user address, aligned as the devices used with it need
 * @len:	bytes, nonzero, at most @max_buf_bytes of struct zcio_version
 */
struct zcio_buf {
	__u64 addr;
	__u64 len;
};

/**
 * struct zcio_register - ZCIO_IOC_REGISTER: pin buffers once for many I/Os
 * @bufs:	user pointer to an array of @nr struct zcio_buf
 * @nr:		1 to @max_bufs of struct zcio_version
 * @flags:	zero
 * @resv:	zero
 *
 * Pins every page of every buffer for as long as they stay registered
 * (FOLL_LONGTERM), charged to RLIMIT_MEMLOCK (ENOMEM beyond it unless the
 * caller has CAP_IPC_LOCK) before anything is pinned.  Only anonymous,
 * shmem and hugetlb memory can be registered (EOPNOTSUPP for other file
 * mappings).  One set per open /dev/zcio: EBUSY if one is registered.
 * ZCIO_IOC_UNREGISTER (ENXIO if none is) and close() release it; I/O
 * still in flight keeps its buffer until it completes.
 */
struct zcio_register {
	__u64 bufs;
	__u32 nr;
	__u32 flags;
	__u64 resv[2];
};

#define ZCIO_IOC_MAGIC		0xE6

#define ZCIO_IOC_VERSION	_IOR(ZCIO_IOC_MAGIC, 0x00, struct zcio_version)
#define ZCIO_IOC_DEVINFO	_IOWR(ZCIO_IOC_MAGIC, 0x01, struct zcio_devinfo)
#define ZCIO_IOC_STATS		_IOR(ZCIO_IOC_MAGIC, 0x02, struct zcio_stats)
#define ZCIO_IOC_IO		_IOWR(ZCIO_IOC_MAGIC, 0x10, struct zcio_io)
#define ZCIO_IOC_SUBMIT		_IOW(ZCIO_IOC_MAGIC, 0x11, struct zcio_submit)
#define ZCIO_IOC_REAP		_IOW(ZCIO_IOC_MAGIC, 0x12, struct zcio_reap)
#define ZCIO_IOC_REGISTER	_IOW(ZCIO_IOC_MAGIC, 0x20, struct zcio_register)
#define ZCIO_IOC_UNREGISTER	_IO(ZCIO_IOC_MAGIC, 0x21)
/* Numbers 0x13-0x1f and 0x22-0x2f are kept for future use. */

#endif /* _UAPI_LINUX_ZCIO_H */
