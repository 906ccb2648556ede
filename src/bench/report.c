/* SPDX-License-Identifier: MIT */
/*
 * src/bench/report.c - the report for people: a header that says what was
 * measured how, one table per scenario and size with each path's ratio to
 * the copying baseline, latency, the reference rows, the kernel's
 * zero-copy verdicts, then the physical-cost and crossover sections.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

const char *bench_size_text(char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB" };
	int u = 0;
	size_t v = size;

	/* Exact sizes as "64 KiB"; anything else as cli_size gives it. */
	while (u < 3 && v >= 1024 && !(v % 1024)) {
		v /= 1024;
		u++;
	}
	if (u < 3 && v >= 1024)
		return cli_size(buf, size);
	snprintf(buf, CLI_HUMAN_LEN, "%zu %s", v, unit[u]);
	return buf;
}

const struct bench_case *bench_find(const struct bench *b, int kind,
				    int scen, int path, size_t size)
{
	int i;

	for (i = 0; i < b->ncases; i++)
		if (b->cases[i].kind == kind && b->cases[i].scen == scen &&
		    b->cases[i].path == path && b->cases[i].size == size)
			return &b->cases[i];
	return NULL;
}

int bench_find_any(const struct bench *b, int scen, size_t size)
{
	int i;

	for (i = 0; i < b->ncases; i++)
		if (b->cases[i].kind == BENCH_K_XFER &&
		    b->cases[i].scen == scen && b->cases[i].size == size)
			return 1;
	return 0;
}

/* The copying baseline of a scenario: readwrite, or send for memory. */
static int baseline(int scen)
{
	return scen == BENCH_MEM ? BP_SEND : BP_READWRITE;
}

static void header(FILE *f, const struct bench *b)
{
	const struct bench_cfg *c = &b->cfg;

	fprintf(f, "%s\n", c->cmdline);
	fprintf(f, "machine: %s, %d CPUs, %s\n", b->cpu_model, b->ncpus,
		b->kernel);
	if (c->cold)
		fprintf(f, "page cache: cold (posix_fadvise DONTNEED before "
			"every transfer)\n");
	else
		fprintf(f, "page cache: warm (data files %.0f%% resident)\n",
			b->resident);
	fprintf(f, "method: %d interleaved run(s) per case, %.2f s each, "
		"after a warm-up; median (min-max)\n", c->runs, c->secs);
	if (c->pin)
		fprintf(f, "pinning: sender on CPU %d, receiver on CPU %d\n",
			c->cpu_tx, c->cpu_rx);
	else
		fprintf(f, "pinning: none (the scheduler places both ends)\n");
	fprintf(f, "units: GB/s = 1e9 B/s; CPU seconds and context switches "
		"per GiB (2^30 B);\n       copy = CPU copies per byte in the "
		"sender (ledger; a zero-copy send\n       the kernel flagged "
		"\"copied\" counts one); xbase = ratio to the copying\n"
		"       baseline (readwrite; send for memory)\n");
	fprintf(f, "took %.0f s; load average %.2f at the start, %.2f at the "
		"end (other work on\n       this machine: figures are "
		"comparable within this run only)\n", b->elapsed, b->load[0],
		b->load[1]);
}

static void row(FILE *f, const struct bench *b, const struct bench_case *c)
{
	const struct bench_case *base;
	struct bench_stat g = BENCH_STAT(c, gbps), bg;
	const struct bench_ledger *l = &c->led;
	char ratio[16] = "    -";

	fprintf(f, "%-15s ", bench_paths[c->path]->name);
	if (c->unsupported || (c->failed && !c->n)) {
		fprintf(f, "%s: %s\n", c->unsupported ? "n/a" : "FAILED",
			c->err);
		return;
	}
	base = bench_find(b, BENCH_K_XFER, c->scen, baseline(c->scen),
			  c->size);
	if (base && base->n) {
		bg = BENCH_STAT(base, gbps);
		if (bg.med > 0)
			snprintf(ratio, sizeof(ratio), "%5.2f", g.med / bg.med);
	}
	fprintf(f, "%6.2f (%5.2f-%5.2f) %s %8.3f %8.3f %10.0f %7.0f+%-6.0f "
		"%8.0f %5.2f %s", g.med, g.min, g.max, ratio,
		BENCH_STAT(c, tx_cpu).med, BENCH_STAT(c, rx_cpu).med,
		BENCH_STAT(c, syscalls).med, BENCH_STAT(c, tx_vcsw).med,
		BENCH_STAT(c, tx_ivcsw).med, BENCH_STAT(c, rx_csw).med,
		BENCH_STAT(c, copies).med,
		c->verified < 0 ? "-" : c->verified ? "yes" : "NO");
	if (l->mismatch)
		fprintf(f, "  LEDGER: %" PRIu32 " calls not by %s", l->mismatch,
			bench_paths[c->path]->name);
	if (l->zc_sends)
		fprintf(f, "  zc=%s", l->zc_copied < l->zc_done ? "y" : "n");
	if (c->err[0])
		fprintf(f, "  (%s)", c->err);
	fputc('\n', f);
}

static void xfer_tables(FILE *f, const struct bench *b)
{
	char sz[CLI_HUMAN_LEN];
	int s, i, p;
	const struct bench_case *c;

	for (s = 0; s < BENCH_SCEN__COUNT; s++) {
		for (i = 0; i < b->cfg.nsizes; i++) {
			if (!bench_find_any(b, s, b->cfg.sizes[i]))
				continue;
			fprintf(f, "\n== %s, %s per transfer\n",
				bench_scen_titles[s],
				bench_size_text(sz, b->cfg.sizes[i]));
			fprintf(f, "%-15s %-20s %5s %8s %8s %10s %14s %8s "
				"%5s %s\n", "path", "  GB/s (min-max)",
				"xbase", "snd s/G", "rcv s/G", "syscall/G",
				"snd csw/G v+i", "rcv cs/G", "copy", "ok");
			for (p = 0; p < BP__COUNT; p++) {
				c = bench_find(b, BENCH_K_XFER, s, p,
					       b->cfg.sizes[i]);
				if (c)
					row(f, b, c);
			}
		}
	}
}

static void latency_table(FILE *f, const struct bench *b)
{
	const struct bench_case *c;
	char sz[CLI_HUMAN_LEN];
	int i, any = 0;

	for (i = 0; i < b->ncases; i++) {
		c = &b->cases[i];
		if (c->kind != BENCH_K_LATENCY)
			continue;
		if (!any++)
			fprintf(f, "\n== latency: request -> whole response, "
				"loopback TCP, TCP_NODELAY, one request in "
				"flight\n%-5s %-15s %-8s %9s %9s %9s %9s\n",
				"from", "path", "size", "p50 us", "p99 us",
				"p99.9 us", "req/s");
		fprintf(f, "%-5s %-15s %-8s ", c->scen == BENCH_MEM ? "mem" :
			"file", bench_paths[c->path]->name,
			bench_size_text(sz, c->size));
		if (!c->n) {
			fprintf(f, "%s: %s\n", c->unsupported ? "n/a" :
				"FAILED", c->err);
			continue;
		}
		fprintf(f, "%9.1f %9.1f %9.1f %9.0f\n",
			BENCH_STAT(c, p50).med, BENCH_STAT(c, p99).med,
			BENCH_STAT(c, p999).med, BENCH_STAT(c, rps).med);
	}
}

/* The ceiling the servers are held to, measured in the same run. */
const struct bench_case *bench_best_loopback(const struct bench *b)
{
	const struct bench_case *c, *best = NULL;
	int i;

	for (i = 0; i < b->ncases; i++) {
		c = &b->cases[i];
		if (c->kind != BENCH_K_XFER || !c->n ||
		    (c->scen != BENCH_TCP && c->scen != BENCH_MEM))
			continue;
		if (!best ||
		    BENCH_STAT(c, gbps).med > BENCH_STAT(best, gbps).med)
			best = c;
	}
	return best;
}

static void reference(FILE *f, const struct bench *b)
{
	const struct bench_case *c;
	struct bench_stat g;
	char sz[CLI_HUMAN_LEN];
	int i;

	fprintf(f, "\n== reference rows (same run)\n");
	for (i = 0; i < b->ncases; i++) {
		c = &b->cases[i];
		if (c->kind != BENCH_K_MEMCPY || !c->n)
			continue;
		g = BENCH_STAT(c, gbps);
		fprintf(f, "memcpy, one thread, %s buffers: %.2f GB/s "
			"(%.2f-%.2f)\n", bench_size_text(sz, c->size), g.med,
			g.min, g.max);
	}
	c = bench_best_loopback(b);
	if (c)
		fprintf(f, "best loopback TCP transfer: %.2f GB/s (%s %s, %s "
			"per transfer)\n", BENCH_STAT(c, gbps).med,
			bench_scen_names[c->scen], bench_paths[c->path]->name,
			bench_size_text(sz, c->size));
}

static void verdicts(FILE *f, const struct bench *b)
{
	const struct bench_case *c;
	const struct bench_ledger *l;
	char sz[CLI_HUMAN_LEN];
	int i, any = 0;

	for (i = 0; i < b->ncases; i++) {
		c = &b->cases[i];
		l = &c->led;
		if (c->kind != BENCH_K_XFER || !l->zc_sends)
			continue;
		if (!any++)
			fprintf(f, "\n== zero-copy sends: what the kernel "
				"said (last run of each case)\n");
		fprintf(f, "%-13s %-8s zc=%s: %" PRIu64 " zero-copy sends, %"
			PRIu64 " notifications, %" PRIu64 " flagged copied; "
			"%" PRIu64 " plain sends\n", bench_paths[c->path]->name,
			bench_size_text(sz, c->size),
			l->zc_copied < l->zc_done ? "y" : "n", l->zc_sends,
			l->zc_done, l->zc_copied, l->copy_sends);
	}
	if (b->cfg.scens & (1u << BENCH_MEM))
		fprintf(f, "MSG_ZEROCOPY and SEND_ZC to a loopback peer "
			"always copy: the kernel copies\nthe pages when it "
			"hands the data to the local receiver and flags "
			"every\nnotification \"copied\" (Documentation/"
			"networking/msg_zerocopy.rst). On\nloopback these "
			"rows measure the cost of zero-copy bookkeeping, "
			"never its\nbenefit; that needs a NIC (or veth "
			"between namespaces).\n");
}

static void legend(FILE *f, const struct bench *b)
{
	int p;

	fprintf(f, "\n== paths\n");
	for (p = 0; p < BP__COUNT; p++)
		if (b->cfg.paths & (1u << p))
			fprintf(f, "%-15s %s\n", bench_paths[p]->name,
				bench_paths[p]->what);
	fprintf(f, "Sender CPU on loopback includes most of the TCP receive "
		"processing (softirq\nruns in the sender's context); the "
		"receiver's recv() copies every byte once\nmore.\n");
}

void bench_report_text(FILE *f, const struct bench *b)
{
	header(f, b);
	xfer_tables(f, b);
	latency_table(f, b);
	reference(f, b);
	verdicts(f, b);
	bench_report_physical(f, b);
	bench_report_crossover(f, b);
	legend(f, b);
}
