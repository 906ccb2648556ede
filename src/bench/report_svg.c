/* SPDX-License-Identifier: MIT */
/*
 * src/bench/report_svg.c - the chart: for the largest size measured, one
 * panel per scenario, one row per path, a bar for throughput (GB/s, with
 * the min-max range as a whisker) and a stacked bar for CPU seconds per
 * GiB (sender, then receiver). Plain SVG written by hand: rectangles and
 * text, no script, no external font, readable by any browser or converter.
 */
#include <stdio.h>

#include "bench.h"

#define W 1000
#define ROW 22
#define LABEL_W 130
#define BAR_W 330
#define GAP 40
#define X_RATE (LABEL_W + 10)
#define X_CPU (X_RATE + BAR_W + GAP + 50)

struct chart {
	size_t size;
	double max_rate, max_cpu;
	int rows, panels;
};

static double cpu_of(const struct bench_case *c)
{
	return BENCH_STAT(c, tx_cpu).med + BENCH_STAT(c, rx_cpu).med;
}

static int shown(const struct bench_case *c)
{
	return c && c->n;
}

/* Scales and the number of rows, so the height is known up front. */
static void measure(const struct bench *b, struct chart *ch)
{
	const struct bench_case *c;
	int s, p, any;

	ch->size = b->cfg.sizes[b->cfg.nsizes - 1];
	for (s = 0; s < BENCH_SCEN__COUNT; s++) {
		for (p = any = 0; p < BP__COUNT; p++) {
			c = bench_find(b, BENCH_K_XFER, s, p, ch->size);
			if (!shown(c))
				continue;
			any = 1;
			ch->rows++;
			if (BENCH_STAT(c, gbps).max > ch->max_rate)
				ch->max_rate = BENCH_STAT(c, gbps).max;
			if (cpu_of(c) > ch->max_cpu)
				ch->max_cpu = cpu_of(c);
		}
		ch->panels += any;
	}
	if (ch->max_rate <= 0)
		ch->max_rate = 1;
	if (ch->max_cpu <= 0)
		ch->max_cpu = 1;
}

static void text(FILE *f, int x, int y, const char *anchor, int size,
		 const char *s)
{
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" "
		"font-size=\"%d\">%s</text>\n", x, y, anchor, size, s);
}

static void rect(FILE *f, double x, int y, double w, int h,
		 const char *fill)
{
	fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		"fill=\"%s\"/>\n", x, y, w > 0 ? w : 0, h, fill);
}

static void bar_row(FILE *f, const struct chart *ch,
		    const struct bench_case *c, int y)
{
	struct bench_stat g = BENCH_STAT(c, gbps);
	double tx = BENCH_STAT(c, tx_cpu).med, rx = BENCH_STAT(c, rx_cpu).med;
	double k = BAR_W / ch->max_rate, kc = BAR_W / ch->max_cpu;
	char v[64];

	text(f, LABEL_W, y + 15, "end", 13, bench_paths[c->path]->name);
	rect(f, X_RATE, y + 3, g.med * k, ROW - 6, "#3b6ea8");
	fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" "
		"stroke=\"#222\"/>\n", X_RATE + g.min * k, X_RATE + g.max * k,
		y + ROW / 2, y + ROW / 2);
	snprintf(v, sizeof(v), "%.2f", g.med);
	text(f, (int)(X_RATE + g.max * k) + 4, y + 15, "start", 12, v);
	rect(f, X_CPU, y + 3, tx * kc, ROW - 6, "#d9822b");
	rect(f, X_CPU + tx * kc, y + 3, rx * kc, ROW - 6, "#a0a0a0");
	snprintf(v, sizeof(v), "%.3f + %.3f", tx, rx);
	text(f, (int)(X_CPU + (tx + rx) * kc) + 4, y + 15, "start", 12, v);
}

static int panel(FILE *f, const struct bench *b, const struct chart *ch,
		 int s, int y)
{
	const struct bench_case *c;
	int p;

	text(f, 10, y + 16, "start", 14, bench_scen_titles[s]);
	y += 24;
	for (p = 0; p < BP__COUNT; p++) {
		c = bench_find(b, BENCH_K_XFER, s, p, ch->size);
		if (!shown(c))
			continue;
		bar_row(f, ch, c, y);
		y += ROW;
	}
	return y + 12;
}

int bench_report_svg(FILE *f, const struct bench *b)
{
	struct chart ch = { 0 };
	char t[320], sz[CLI_HUMAN_LEN];
	int s, y, h;

	measure(b, &ch);
	h = 110 + ch.panels * 36 + ch.rows * ROW + 40;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" font-family=\"sans-serif\">\n", W, h);
	rect(f, 0, 0, W, h, "#ffffff");
	snprintf(t, sizeof(t), "zcio bench: %s per transfer, median of %d "
		 "run(s), whisker min-max", bench_size_text(sz, ch.size),
		 b->cfg.runs);
	text(f, 10, 24, "start", 17, t);
	snprintf(t, sizeof(t), "%s, %d CPUs, %s; page cache %s", b->cpu_model,
		 b->ncpus, b->kernel, b->cfg.cold ? "cold" : "warm");
	text(f, 10, 44, "start", 12, t);
	text(f, X_RATE, 72, "start", 13, "throughput, GB/s (1e9 B/s)");
	text(f, X_CPU, 72, "start", 13, "CPU s per GiB: sender (orange) + "
	     "receiver (grey)");
	y = 84;
	for (s = 0; s < BENCH_SCEN__COUNT; s++)
		if (bench_find_any(b, s, ch.size))
			y = panel(f, b, &ch, s, y);
	text(f, 10, h - 12, "start", 11, "Loopback: the receiver copies "
	     "every byte; MSG_ZEROCOPY/SEND_ZC are always copied by the "
	     "kernel. Compare paths within one run, as ratios.");
	fputs("</svg>\n", f);
	return 0;
}
