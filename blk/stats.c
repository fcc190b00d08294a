// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide counters: per-CPU so that the I/O path never shares a cache
 * line, summed when somebody reads them through ZCIO_IOC_STATS or
 * /sys/class/misc/zcio/stats/.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "zcio.h"

DEFINE_PER_CPU(struct zcio_counters, zcio_counters);

/* Sum the per-CPU counters into @st. */
void zcio_stats_read(struct zcio_stats *st)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct zcio_counters *c = per_cpu_ptr(&zcio_counters, cpu);

		st->requests += READ_ONCE(c->requests);
		st->reads += READ_ONCE(c->reads);
		st->writes += READ_ONCE(c->writes);
		st->bytes_read += READ_ONCE(c->bytes_read);
		st->bytes_written += READ_ONCE(c->bytes_written);
		st->bios += READ_ONCE(c->bios);
		st->partial_maps += READ_ONCE(c->partial_maps);
		st->errors += READ_ONCE(c->errors);
		st->pins += READ_ONCE(c->pins);
		st->unpins += READ_ONCE(c->unpins);
		st->killed += READ_ONCE(c->killed);
		st->async_requests += READ_ONCE(c->async_requests);
		st->polled_requests += READ_ONCE(c->polled_requests);
		st->flush_dropped += READ_ONCE(c->flush_dropped);
		st->bios_capped += READ_ONCE(c->bios_capped);
	}
	/* The sums are not one snapshot: never report a negative count. */
	st->pages_pinned = st->pins > st->unpins ? st->pins - st->unpins : 0;
}

/* A sysfs file showing one field of struct zcio_stats. */
struct zcio_stat_attr {
	struct device_attribute dattr;
	size_t offset;
};

static ssize_t zcio_stat_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	const struct zcio_stat_attr *sa =
		container_of(attr, struct zcio_stat_attr, dattr);
	struct zcio_stats st = {};

	zcio_stats_read(&st);
	return sysfs_emit(buf, "%llu\n", *(u64 *)((char *)&st + sa->offset));
}

#define ZCIO_STAT_ATTR(field)						\
static struct zcio_stat_attr zcio_stat_##field = {			\
	.dattr = {							\
		.attr = { .name = __stringify(field), .mode = 0444 },	\
		.show = zcio_stat_show,					\
	},								\
	.offset = offsetof(struct zcio_stats, field),			\
}

ZCIO_STAT_ATTR(requests);
ZCIO_STAT_ATTR(reads);
ZCIO_STAT_ATTR(writes);
ZCIO_STAT_ATTR(bytes_read);
ZCIO_STAT_ATTR(bytes_written);
ZCIO_STAT_ATTR(bios);
ZCIO_STAT_ATTR(partial_maps);
ZCIO_STAT_ATTR(errors);
ZCIO_STAT_ATTR(pages_pinned);
ZCIO_STAT_ATTR(pins);
ZCIO_STAT_ATTR(unpins);
ZCIO_STAT_ATTR(killed);
ZCIO_STAT_ATTR(async_requests);
ZCIO_STAT_ATTR(polled_requests);
ZCIO_STAT_ATTR(flush_dropped);
ZCIO_STAT_ATTR(bios_capped);

static struct attribute *zcio_stats_attrs[] = {
	&zcio_stat_requests.dattr.attr,
	&zcio_stat_reads.dattr.attr,
	&zcio_stat_writes.dattr.attr,
	&zcio_stat_bytes_read.dattr.attr,
	&zcio_stat_bytes_written.dattr.attr,
	&zcio_stat_bios.dattr.attr,
	&zcio_stat_partial_maps.dattr.attr,
	&zcio_stat_errors.dattr.attr,
	&zcio_stat_pages_pinned.dattr.attr,
	&zcio_stat_pins.dattr.attr,
	&zcio_stat_unpins.dattr.attr,
	&zcio_stat_killed.dattr.attr,
	&zcio_stat_async_requests.dattr.attr,
	&zcio_stat_polled_requests.dattr.attr,
	&zcio_stat_flush_dropped.dattr.attr,
	&zcio_stat_bios_capped.dattr.attr,
	NULL,
};

static const struct attribute_group zcio_stats_group = {
	.name = "stats",
	.attrs = zcio_stats_attrs,
};

const struct attribute_group *zcio_attr_groups[] = {
	&zcio_stats_group,
	NULL,
};
