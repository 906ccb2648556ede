/* SPDX-License-Identifier: MIT */
/*
 * src/cli/progress.c - the progress bar of long copies, drawn on stderr
 * with '\r' so that it stays on one line and is cleared at the end.
 */
#include <stdio.h>

#include "cli.h"

/* Ten redraws a second look smooth and cost nothing next to the copy. */
#define DRAW_INTERVAL 0.1

void cli_progress_init(struct cli_progress *p, int on, uint64_t total)
{
	p->on = on;
	p->total = total;
	p->start = cli_now();
	p->last_draw = 0;
	p->width = 0;
}

/* "  123.4 MiB / 1.0 GiB  12%  1.23 GiB/s  ETA 0:04" */
static int format(const struct cli_progress *p, char *line, size_t len,
		  uint64_t done, double now)
{
	char d[CLI_HUMAN_LEN], t[CLI_HUMAN_LEN], r[CLI_HUMAN_LEN];
	char e[CLI_HUMAN_LEN];
	double secs = now - p->start, rate = secs > 0 ? done / secs : 0;
	unsigned int pct;

	cli_size(d, done);
	cli_rate(r, rate);
	if (!p->total)
		return snprintf(line, len, "  %s  %s", d, r);
	/* The file may have grown since it was measured. */
	pct = done >= p->total ? 100 : (unsigned int)(done * 100 / p->total);
	if (rate > 0)
		cli_duration(e, done >= p->total ? 0 :
				(double)(p->total - done) / rate);
	else
		snprintf(e, sizeof(e), "-:--");
	return snprintf(line, len, "  %s / %s  %u%%  %s  ETA %s", d,
			cli_size(t, p->total), pct, r, e);
}

void cli_progress_update(struct cli_progress *p, uint64_t done)
{
	double now;
	char line[128];
	int n;

	if (!p->on)
		return;
	now = cli_now();
	if (now - p->last_draw < DRAW_INTERVAL)
		return;
	p->last_draw = now;
	n = format(p, line, sizeof(line), done, now);
	/* Blanks over the tail of a longer previous line. */
	fprintf(stderr, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
	if (n > p->width)
		p->width = n;
}

void cli_progress_clear(struct cli_progress *p)
{
	if (p->on && p->width)
		fprintf(stderr, "\r%*s\r", p->width, "");
	p->width = 0;
}
