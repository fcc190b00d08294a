// SPDX-License-Identifier: GPL-2.0
/*
 * zcio info [DEV]: device limits, module version and features, as text
 * or JSON.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

const char *const info_help =
"Usage: zcio info [DEV] [--json]\n"
"\n"
"Show the limits of block device DEV (opened read-only) as zcio sees them:\n"
"size, logical/physical block size, DMA alignment, max I/O sizes, max\n"
"segments, read-only flag, fd open mode, major:minor; then the module\n"
"version, ABI and features.  Without DEV, only the module part.\n"
"\n"
"  --json    one JSON object on stdout\n"
"  -h        this help\n";

static void feature_list(FILE *f, uint64_t features, bool json)
{
	const char *name;
	char buf[16];
	int i, n = 0;

	for (i = 0; i < 64; i++) {
		if (!(features & (1ULL << i)))
			continue;
		name = zcio_feature_name(1ULL << i);
		if (!name) {
			snprintf(buf, sizeof(buf), "bit%d", i);
			name = buf;
		}
		if (n++)
			fputc(json ? ',' : ' ', f);
		if (json)
			json_str(f, name);
		else
			fputs(name, f);
	}
	if (!n && !json)
		fputs("none", f);
}

static const char *human(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = v;
	int i = -1;

	while (d >= 1024 && i < 5) {
		d /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRIu64 " B", v);
	else
		snprintf(buf, len, "%.1f %s", d, units[i]);
	return buf;
}

static const char *fd_mode(uint32_t flags)
{
	bool r = flags & ZCIO_DEV_FD_READ, w = flags & ZCIO_DEV_FD_WRITE;

	return r && w ? "read-write" : r ? "read" : w ? "write" : "none";
}

static void info_text(const char *dev, const struct zcio_devinfo *di,
		      const struct zcio_version *ver)
{
	char hbuf[32];

	if (di) {
		printf("device:               %s (%u:%u)\n", dev,
		       di->dev_major, di->dev_minor);
		printf("size:                 %" PRIu64 " bytes (%s)\n",
		       (uint64_t)di->size, human(di->size, hbuf, sizeof(hbuf)));
		printf("logical block size:   %u\n", di->logical_block_size);
		printf("physical block size:  %u\n", di->physical_block_size);
		printf("dma alignment:        %u\n", di->dma_alignment);
		printf("max sectors bytes:    %u\n", di->max_sectors_bytes);
		printf("max hw sectors bytes: %u\n", di->max_hw_sectors_bytes);
		printf("max segments:         %u\n", di->max_segments);
		printf("read-only:            %s\n",
		       di->dev_flags & ZCIO_DEV_RDONLY ? "yes" : "no");
		printf("rotational:           %s\n",
		       di->dev_flags & ZCIO_DEV_ROTATIONAL ? "yes" : "no");
		printf("fd mode:              %s\n", fd_mode(di->dev_flags));
		printf("polled completion:    %s\n",
		       di->dev_flags & ZCIO_DEV_POLL ?
		       "yes (the queue has poll queues)" :
		       "no (--hipri falls back to interrupts)");
	}
	printf("module version:       %u.%u.%u\n", ver->major, ver->minor, ver->patch);
	printf("abi:                  %u\n", ver->abi);
	printf("max io bytes:         %u\n", ver->max_io_bytes);
	if (ver->features & ZCIO_FEAT_ASYNC)
		printf("max in flight:        %u\n", ver->max_inflight);
	if (ver->features & ZCIO_FEAT_REGBUF) {
		printf("max registered bufs:  %u\n", ver->max_bufs);
		printf("max registered bytes: %u\n", ver->max_buf_bytes);
	}
	printf("features:             ");
	feature_list(stdout, ver->features, false);
	putchar('\n');
}

static void info_json(const char *dev, const struct zcio_devinfo *di,
		      const struct zcio_version *ver)
{
	bool first = true;
	char vbuf[32];
	FILE *f = stdout;

	fputc('{', f);
	if (di) {
		json_string(f, &first, "device", dev);
		json_u64(f, &first, "dev_major", di->dev_major);
		json_u64(f, &first, "dev_minor", di->dev_minor);
		json_u64(f, &first, "size", di->size);
		json_u64(f, &first, "logical_block_size", di->logical_block_size);
		json_u64(f, &first, "physical_block_size", di->physical_block_size);
		json_u64(f, &first, "dma_alignment", di->dma_alignment);
		json_u64(f, &first, "max_sectors_bytes", di->max_sectors_bytes);
		json_u64(f, &first, "max_hw_sectors_bytes", di->max_hw_sectors_bytes);
		json_u64(f, &first, "max_segments", di->max_segments);
		json_u64(f, &first, "dev_flags", di->dev_flags);
		json_bool(f, &first, "read_only", di->dev_flags & ZCIO_DEV_RDONLY);
		json_bool(f, &first, "rotational", di->dev_flags & ZCIO_DEV_ROTATIONAL);
		json_bool(f, &first, "fd_read", di->dev_flags & ZCIO_DEV_FD_READ);
		json_bool(f, &first, "fd_write", di->dev_flags & ZCIO_DEV_FD_WRITE);
		json_bool(f, &first, "poll", di->dev_flags & ZCIO_DEV_POLL);
	}
	snprintf(vbuf, sizeof(vbuf), "%u.%u.%u", ver->major, ver->minor, ver->patch);
	json_string(f, &first, "module_version", vbuf);
	json_u64(f, &first, "abi", ver->abi);
	json_u64(f, &first, "max_io_bytes", ver->max_io_bytes);
	json_u64(f, &first, "max_inflight", ver->max_inflight);
	json_u64(f, &first, "max_bufs", ver->max_bufs);
	json_u64(f, &first, "max_buf_bytes", ver->max_buf_bytes);
	json_u64(f, &first, "feature_bits", ver->features);
	json_key(f, &first, "features");
	fputc('[', f);
	feature_list(f, ver->features, true);
	fputs("]}\n", f);
}

int cmd_info(struct opts *o)
{
	struct zcio_version ver;
	struct zcio_devinfo di;
	const char *dev;
	int zfd, fd, ret;

	ret = check_nargs(o, 0, 1);
	if (ret)
		return ret;
	dev = o->nargs ? o->args[0] : NULL;

	ret = open_zcio(&zfd);
	if (ret)
		return ret;
	ret = get_version(zfd, &ver);
	if (ret)
		goto out_zfd;
	if (dev) {
		ret = check_version(&ver, ZCIO_FEAT_DEVINFO);
		if (ret)
			goto out_zfd;
		ret = open_bdev(dev, O_RDONLY, &fd);
		if (ret)
			goto out_zfd;
		ret = get_devinfo(zfd, dev, fd, &di);
		close(fd);
		if (ret)
			goto out_zfd;
	}
	if (o->json)
		info_json(dev, dev ? &di : NULL, &ver);
	else
		info_text(dev, dev ? &di : NULL, &ver);
	ret = finish_stdout(0);
out_zfd:
	close(zfd);
	return ret;
}
