/* SPDX-License-Identifier: MIT */
/*
 * src/bench/progress.c - the progress line of `zcio bench` on stderr:
 * which run of how many, what it measures, and the time left, estimated
 * from the runs so far. Redrawn in place with '\r' and cleared at the end,
 * so that stdout (the report) stays clean when both go to a terminal.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static int width;

void bench_progress_text(struct bench *b, const char *text)
{
	int n = (int)strlen(text);

	if (!b->cfg.progress)
		return;
	fprintf(stderr, "\r%s%*s", text, width > n ? width - n : 0, "");
	if (n > width)
		width = n;
	fflush(stderr);
}

void bench_progress(struct bench *b, int done, int total, const char *what)
{
	char eta[CLI_HUMAN_LEN] = "-:--", line[160];
	double spent = cli_now() - b->runs_started;

	if (!b->cfg.progress)
		return;
	if (done > 0)
		cli_duration(eta, spent / done * (total - done));
	snprintf(line, sizeof(line), "zcio bench: [%d/%d] %s  ETA %s",
		 done + 1, total, what, eta);
	bench_progress_text(b, line);
}

void bench_progress_end(struct bench *b)
{
	if (b->cfg.progress && width)
		fprintf(stderr, "\r%*s\r", width, "");
	width = 0;
}
