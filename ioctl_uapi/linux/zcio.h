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

/**
 * struct zcio_version - ZCIO_IOC_VERSION: what this module can do
 * @major:		module version, major
 * @minor:		module version, minor
 * @patch:		module version, patch level
 * @pad:		zero
 * @abi:		ZCIO_ABI_VERSION of the running module
 * @max_io_bytes:	largest @len one struct zcio_io may ask for
 * @features:		ZCIO_FEAT_* bits
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
	__u64 resv[4];
};

/* Device flags reported by ZCIO_IOC_DEVINFO. */
#define ZCIO_DEV_RDONLY		0x1U	/* the device refuses writes */
#define ZCIO_DEV_FD_READ	0x2U	/* @fd was opened for reading */
#define ZCIO_DEV_FD_WRITE	0x4U	/* @fd was opened for writing */
#define ZCIO_DEV_ROTATIONAL	0x8U	/* the queue says rotational */

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

/* Operations for struct zcio_io @op. */
#define ZCIO_OP_READ		0	/* device -> user memory */
#define ZCIO_OP_WRITE		1	/* user memory -> device */

/**
 * struct zcio_io - ZCIO_IOC_IO: one synchronous transfer
 * @addr:	user buffer address; aligned to the device's dma_alignment
 * @len:	bytes, a multiple of the logical block size, at most
 *		max_io_bytes of struct zcio_version
 * @offset:	byte offset on the device, a multiple of the logical block
 *		size
 * @tag:	the caller's cookie; not interpreted by the module
 * @fd:		an open block-device file descriptor (the authority)
 * @op:		ZCIO_OP_*
 * @pad:	zero
 * @ioprio:	zero (reserved for an I/O priority)
 * @flags:	zero (no ZCIO_IO_* flags are defined yet)
 * @buf_index:	zero (reserved for registered buffers)
 * @result:	out: bytes transferred; less than @len only at the end of
 *		the device, exactly like pread()/pwrite() with O_DIRECT
 * @resv:	zero
 *
 * The ioctl returns 0 and sets @result, or returns -1 with errno set and
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
	__u64 resv;
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
 * @resv:		zero
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
	__u64 resv[4];
};

#define ZCIO_IOC_MAGIC		0xE6

#define ZCIO_IOC_VERSION	_IOR(ZCIO_IOC_MAGIC, 0x00, struct zcio_version)
#define ZCIO_IOC_DEVINFO	_IOWR(ZCIO_IOC_MAGIC, 0x01, struct zcio_devinfo)
#define ZCIO_IOC_STATS		_IOR(ZCIO_IOC_MAGIC, 0x02, struct zcio_stats)
#define ZCIO_IOC_IO		_IOWR(ZCIO_IOC_MAGIC, 0x10, struct zcio_io)
/*
 * Numbers 0x11-0x1f are kept for asynchronous and batched submission and
 * completion reaping, 0x20-0x2f for registered buffers.
 */

#endif /* _UAPI_LINUX_ZCIO_H */
