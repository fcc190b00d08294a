// SPDX-License-Identifier: GPL-2.0
/*
 * zcio CLI: the progress line of long transfers (read, write, verify).
 *
 *   read: 104857600 / 1073741824 bytes (9%), 98.3 MB/s, ETA 0:09
 *   write: 104857600 bytes, 98.3 MB/s          (length not known)
 *
 * Only when stderr is a terminal and -q was not given; the first line
 * appears after PROGRESS_FIRST seconds (short transfers show none), then
 * it is rewritten in place (carriage return, padded with blanks over the
 * previous one) at most every PROGRESS_EVERY seconds.  progress_clear()
 * blanks it and leaves the cursor at the start of the line, so that the
 * summary or an error message prints as if it had never been there.
 * The rate is the average since the start, in MB/s (10^6 bytes) like the
 * summary line.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

#define PROGRESS_FIRST	0.5
#define PROGRESS_EVERY	0.25

void progress_start(struct progress *p, const struct opts *o,
		    const char *what, uint64_t total)
{
	struct winsize ws;

	memset(p, 0, sizeof(*p));
	p->on = !o->quiet && isatty(STDERR_FILENO);
	p->what = what;
	p->total = total;
	p->next = PROGRESS_FIRST;
	if (p->on && !ioctl(STDERR_FILENO, TIOCGWINSZ, &ws))
		p->cols = ws.ws_col;
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
}

/* "1:02:03" or "2:03" for @s seconds. */
static void fmt_eta(char *buf, size_t len, double s)
{
	uint64_t t = s + 0.5;

	if (t >= 3600)
		snprintf(buf, len, "%" PRIu64 ":%02u:%02u", t / 3600,
			 (unsigned int)(t / 60 % 60), (unsigned int)(t % 60));
	else
		snprintf(buf, len, "%u:%02u", (unsigned int)(t / 60),
			 (unsigned int)(t % 60));
}

static int fmt_line(const struct progress *p, char *buf, size_t len,
		    uint64_t done, double s)
{
	double rate = done / s;
	char eta[32];

	if (!p->total)
		return snprintf(buf, len, "%s: %" PRIu64 " bytes, %.1f MB/s",
				p->what, done, rate / 1e6);
	if (done && done < p->total)
		fmt_eta(eta, sizeof(eta), (p->total - done) / rate);
	else
		snprintf(eta, sizeof(eta), "%s", done ? "0:00" : "-");
	return snprintf(buf, len, "%s: %" PRIu64 " / %" PRIu64 " bytes (%u%%), %.1f MB/s, ETA %s",
			p->what, done, p->total,
			(unsigned int)(done * 100.0 / p->total), rate / 1e6, eta);
}

/* Rewrite the line with @n characters of @line over what is there. */
static void show(struct progress *p, const char *line, int n)
{
	char buf[512];
	int pad = p->len > n ? p->len - n : 0;

	snprintf(buf, sizeof(buf), "\r%.*s%*s", n, line, pad, "");
	fputs(buf, stderr);
	p->len = n;
}

/* @done bytes of the total are done; redraw if it is time. */
void progress_update(struct progress *p, uint64_t done)
{
	char line[256];
	double s;
	int n;

	if (!p->on)
		return;
	s = elapsed_since(&p->t0);
	if (s < p->next)
		return;
	p->next = s + PROGRESS_EVERY;
	n = fmt_line(p, line, sizeof(line), done, s);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	/* never wrap: \r only goes back to the start of the last row */
	if (p->cols > 1 && n > p->cols - 1)
		n = p->cols - 1;
	show(p, line, n);
}

/* Blank the line, if one is showing; the cursor ends at its start. */
void progress_clear(struct progress *p)
{
	if (!p->len)
		return;
	show(p, "", 0);
	fputc('\r', stderr);
	p->len = 0;
}
