/* SPDX-License-Identifier: MIT */
/*
 * src/cli/tally.c - sums the copy ledgers of several calls and prints them
 * as the one line that -v shows: which path ran, what it cost.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_tally_init(struct cli_tally *t)
{
	memset(t, 0, sizeof(*t));
	t->start = cli_now();
}

/* A failed call counts too: its system calls were made. */
void cli_tally_add(struct cli_tally *t, const struct zc_ledger *l)
{
	if (l->bytes && l->path > ZC_PATH_AUTO && l->path < ZC_PATH__COUNT)
		t->paths |= 1u << l->path;
	t->bytes += l->bytes;
	t->syscalls += l->syscalls;
	t->user_copied += l->user_copied;
	t->refused += l->refused;
	t->small += l->small;
}

/* "sendfile", "splice+readwrite (chunks took several paths)". */
static void paths_text(char *buf, size_t len, uint32_t paths)
{
	int p, n = 0;

	buf[0] = '\0';
	for (p = ZC_PATH_AUTO + 1; p < ZC_PATH__COUNT; p++) {
		if (!(paths & (1u << p)))
			continue;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 n++ ? "+" : "", zc_path_name((enum zc_path)p));
	}
	if (!n)
		snprintf(buf, len, "none (no byte moved)");
	else if (n > 1)
		snprintf(buf + strlen(buf), len - strlen(buf),
			 " (chunks took several paths)");
}

void cli_tally_print(FILE *f, const char *label, const struct cli_tally *t)
{
	char names[160], size[CLI_HUMAN_LEN], rate[CLI_HUMAN_LEN];
	double secs = cli_now() - t->start;
	int several = t->paths & (t->paths - 1);

	paths_text(names, sizeof(names), t->paths);
	/* A copy faster than the clock's resolution still gets a rate. */
	cli_rate(rate, (double)t->bytes / (secs > 1e-6 ? secs : 1e-6));
	fprintf(f, "%s: path%s %s, %s (%" PRIu64 " bytes) in %.3f s, %s, "
		"%" PRIu64 " syscalls, %" PRIu64 " bytes through user space",
		label, several ? "s" : "", names, cli_size(size, t->bytes),
		t->bytes, secs, rate, t->syscalls, t->user_copied);
	if (t->refused)
		fprintf(f, ", %" PRIu64 " refused first", t->refused);
	if (t->small)
		fprintf(f, ", small-size rule");
	fputc('\n', f);
	fflush(f);
}
