/* SPDX-License-Identifier: MIT */
/*
 * src/bench/crossover.c - where zero-copy starts to pay: for each file
 * scenario and each path, the smallest measured size from which the path
 * costs the sender no more CPU per transfer than readwrite, at that size
 * and every larger one (one win between losses is noise, not a
 * crossover). This is the measurement behind ZC_TUNE_SMALL_COPY: below it
 * zc_copy uses readwrite on purpose.
 *
 * "No more" allows CROSS_TOL: medians of a few runs on a shared machine
 * move by about 5% from one run of the bench to the next, so a path within
 * 5% of readwrite is a tie, and a tie does not end a crossover.
 */
#include <stdio.h>

#include "bench.h"

/* Only small transfers decide the threshold. */
#define CROSS_MAX (256u << 10)
#define CROSS_TOL 1.05

static double cost(const struct bench *b, int scen, int path, size_t size)
{
	const struct bench_case *c = bench_find(b, BENCH_K_XFER, scen, path,
						size);

	return c && c->n ? BENCH_STAT(c, tx_cpu_us).med : -1;
}

/* The sizes up to CROSS_MAX where both @path and readwrite ran. */
static int sizes_of(const struct bench *b, int scen, int path, size_t *out)
{
	int i, n = 0;
	size_t s;

	for (i = 0; i < b->cfg.nsizes; i++) {
		s = b->cfg.sizes[i];
		if (s <= CROSS_MAX && cost(b, scen, path, s) >= 0 &&
		    cost(b, scen, BP_READWRITE, s) >= 0)
			out[n++] = s;
	}
	return n;
}

int bench_crossovers(const struct bench *b, struct bench_cross *out,
		     int max)
{
	size_t sizes[BENCH_MAX_SIZES];
	int s, p, i, n, k = 0;

	for (s = 0; s < BENCH_SCEN__COUNT; s++) {
		for (p = 0; p < BP__COUNT && k < max; p++) {
			if (p == BP_READWRITE || s == BENCH_MEM)
				continue;
			n = sizes_of(b, s, p, sizes);
			if (n < 3)
				continue;
			out[k].scen = s;
			out[k].path = p;
			out[k].nsizes = n;
			out[k].size = 0;
			/* From the top down, while the path still wins. */
			for (i = n - 1; i >= 0; i--) {
				if (cost(b, s, p, sizes[i]) > CROSS_TOL *
				    cost(b, s, BP_READWRITE, sizes[i]))
					break;
				out[k].size = sizes[i];
			}
			k++;
		}
	}
	return k;
}

static void scen_table(FILE *f, const struct bench *b, int scen)
{
	size_t sizes[BENCH_MAX_SIZES];
	char sz[CLI_HUMAN_LEN];
	int i, p, n = sizes_of(b, scen, BP_SENDFILE, sizes);

	if (n < 3)
		return;
	fprintf(f, "%s: sender CPU us per transfer (wall us)\n%-8s",
		bench_scen_titles[scen], "size");
	for (p = 0; p < BP__COUNT; p++)
		if (bench_find(b, BENCH_K_XFER, scen, p, sizes[0]))
			fprintf(f, " %15s", bench_paths[p]->name);
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%-8s", bench_size_text(sz, sizes[i]));
		for (p = 0; p < BP__COUNT; p++) {
			const struct bench_case *c = bench_find(
				b, BENCH_K_XFER, scen, p, sizes[i]);

			if (!bench_find(b, BENCH_K_XFER, scen, p, sizes[0]))
				continue;
			if (c && c->n)
				fprintf(f, " %7.2f (%5.1f)",
					BENCH_STAT(c, tx_cpu_us).med,
					BENCH_STAT(c, us_per_xfer).med);
			else
				fprintf(f, " %15s", "-");
		}
		fputc('\n', f);
	}
}

void bench_report_crossover(FILE *f, const struct bench *b)
{
	struct bench_cross x[BENCH_SCEN__COUNT * BP__COUNT];
	char sz[CLI_HUMAN_LEN];
	int i, n = bench_crossovers(b, x, BENCH_SCEN__COUNT * BP__COUNT);

	if (!n)
		return;
	fprintf(f, "\n== small-copy crossover (ZC_TUNE_SMALL_COPY): sizes up "
		"to 256 KiB\n");
	for (i = 0; i < BENCH_SCEN__COUNT; i++)
		scen_table(f, b, i);
	fprintf(f, "Smallest size from which the path costs the sender no "
		"more CPU than readwrite\n(within 5%%, there and at every "
		"larger size measured):\n");
	for (i = 0; i < n; i++) {
		fprintf(f, "  %-5s %-15s ", bench_scen_names[x[i].scen],
			bench_paths[x[i].path]->name);
		if (!x[i].size)
			fprintf(f, "never up to 256 KiB\n");
		else if (x[i].size == b->cfg.sizes[0])
			fprintf(f, "%s or below (cheaper at every size)\n",
				bench_size_text(sz, x[i].size));
		else
			fprintf(f, "%s\n", bench_size_text(sz, x[i].size));
	}
	fprintf(f, "zc_copy tries sendfile first for file -> socket and "
		"copy_file_range for file -> file:\nthose two rows decide "
		"the threshold (docs/benchmarks.md).\n");
}
