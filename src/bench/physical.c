/* SPDX-License-Identifier: MIT */
/*
 * src/bench/physical.c - the seeds' "physical cost" table, rebuilt from
 * the measured numbers of file -> loopback TCP: per request (64 KiB when
 * measured), the system calls and the mode switches they imply, the
 * scheduler's context switches and the CPU copies; at the largest size,
 * the rate and the CPU use. Then, line by line, where this machine agrees
 * with the seeds and where it does not.
 *
 * The seeds: "traditional I/O: 4 context switches, 2 CPU copies; sendfile:
 * 2 context switches, 0 CPU copies"; "read/write 42 Gbps at 100% CPU,
 * sendfile 180 Gbps at 45%".
 */
#include <stdio.h>

#include "bench.h"

#define SEED_RW_GBPS 42.0
#define SEED_SF_GBPS 180.0
#define SEED_RW_PCT 100.0
#define SEED_SF_PCT 45.0
/* libzcio looks at both descriptors (two fstat) on every call. */
#define PROBE_SYSCALLS 2

/* The request size: 64 KiB if measured, else the smallest size. */
static size_t req_size(const struct bench *b)
{
	int i;

	for (i = 0; i < b->cfg.nsizes; i++)
		if (b->cfg.sizes[i] == 64u << 10)
			return b->cfg.sizes[i];
	return b->cfg.sizes[0];
}

static const struct bench_case *get(const struct bench *b, int path,
				    size_t size)
{
	const struct bench_case *c = bench_find(b, BENCH_K_XFER, BENCH_TCP,
						path, size);

	return c && c->n ? c : NULL;
}

static const char *seed_of(int path)
{
	switch (path) {
	case BP_READWRITE:
		return "4 sw, 2 copies";
	case BP_SENDFILE:
		return "2 sw, 0 copies";
	default:
		return "-";
	}
}

static void table_row(FILE *f, const struct bench *b, int path,
		      size_t req, size_t big)
{
	const struct bench_case *r = get(b, path, req), *g = get(b, path, big);
	double sys;

	if (!r && !g)
		return;
	fprintf(f, "%-13s %-15s", bench_paths[path]->name, seed_of(path));
	if (r) {
		sys = BENCH_STAT(r, sys_per_xfer).med;
		fprintf(f, " %7.1f %8.1f %9.2f %5.2f+1",
			sys, 2 * sys, BENCH_STAT(r, csw_per_xfer).med,
			BENCH_STAT(r, copies).med);
	} else {
		fprintf(f, " %7s %8s %9s %7s", "-", "-", "-", "-");
	}
	if (g)
		fprintf(f, " %7.1f %6.0f%% %6.0f%%\n",
			BENCH_STAT(g, gbps).med * 8, BENCH_STAT(g, tx_pct).med,
			BENCH_STAT(g, rx_pct).med);
	else
		fprintf(f, " %7s %7s %7s\n", "-", "-", "-");
}

/* The lines under the table: the seed's claim, the measurement. */
static void switches(FILE *f, const struct bench_case *rw,
		     const struct bench_case *sf, size_t req)
{
	char sz[CLI_HUMAN_LEN];
	double a = BENCH_STAT(rw, sys_per_xfer).med;
	double s = BENCH_STAT(sf, sys_per_xfer).med;

	fprintf(f, "- switches: the seeds count user/kernel mode switches, "
		"two per system call.\n  Per %s request readwrite made %.1f "
		"calls (%.0f switches), sendfile %.1f (%.0f);\n  without "
		"libzcio's %d fstat probes per call that is %.0f vs %.0f:\n  "
		"%s.\n", bench_size_text(sz, req), a, 2 * a, s, 2 * s,
		PROBE_SYSCALLS, 2 * (a - PROBE_SYSCALLS),
		2 * (s - PROBE_SYSCALLS),
		a - PROBE_SYSCALLS <= 2.05 && s - PROBE_SYSCALLS <= 1.05 ?
		"the seeds' 4 vs 2 hold" :
		"more than the seeds' 4 vs 2 (chunks or partial writes)");
	fprintf(f, "  Scheduler context switches (both processes) were %.2f "
		"vs %.2f per request:\n  they follow the receiver's wake-ups, "
		"not the path.\n", BENCH_STAT(rw, csw_per_xfer).med,
		BENCH_STAT(sf, csw_per_xfer).med);
}

static void copies(FILE *f, const struct bench_case *rw,
		   const struct bench_case *sf)
{
	double a = BENCH_STAT(rw, copies).med, s = BENCH_STAT(sf, copies).med;

	fprintf(f, "- CPU copies (ledger): readwrite %.2f, sendfile %.2f per "
		"byte in the sender:\n  %s.\n  On loopback the receiver's "
		"recv() adds one copy per byte to every path.\n", a, s,
		a > 1.95 && s < 0.05 ? "the seeds' 2 vs 0 hold" :
		"not the seeds' 2 vs 0");
}

static void rates(FILE *f, const struct bench_case *rw,
		  const struct bench_case *sf, size_t big)
{
	char sz[CLI_HUMAN_LEN];
	double a = BENCH_STAT(rw, gbps).med * 8;
	double s = BENCH_STAT(sf, gbps).med * 8;
	double pa = BENCH_STAT(rw, tx_pct).med, ps = BENCH_STAT(sf, tx_pct).med;
	double ratio = a > 0 ? s / a : 0, ca, cs;

	fprintf(f, "- rate (%s transfers): readwrite %.1f Gbps, sendfile %.1f "
		"Gbps, x%.2f;\n  the seeds say %.0f vs %.0f Gbps, x%.2f:\n  "
		"%s.\n",
		bench_size_text(sz, big), a, s, ratio, SEED_RW_GBPS,
		SEED_SF_GBPS, SEED_SF_GBPS / SEED_RW_GBPS,
		ratio > 0.8 * SEED_SF_GBPS / SEED_RW_GBPS ?
		"this machine agrees on the ratio" :
		"this machine gains much less from sendfile");
	ca = BENCH_STAT(rw, tx_cpu).med;
	cs = BENCH_STAT(sf, tx_cpu).med;
	fprintf(f, "- CPU: sender readwrite %.0f%%, sendfile %.0f%% of a CPU "
		"while sending (seeds %.0f%% vs\n  %.0f%%). Per byte: %.3f vs "
		"%.3f s/GiB, sendfile x%.2f; the seeds' figures\n  imply "
		"x%.2f. The loopback sender also runs the receive side's TCP "
		"processing,\n  which no path avoids.\n", pa, ps, SEED_RW_PCT,
		SEED_SF_PCT, ca, cs, ca > 0 ? cs / ca : 0,
		(SEED_SF_PCT / SEED_SF_GBPS) / (SEED_RW_PCT / SEED_RW_GBPS));
}

void bench_report_physical(FILE *f, const struct bench *b)
{
	size_t req = req_size(b), big = b->cfg.sizes[b->cfg.nsizes - 1];
	const struct bench_case *rwr = get(b, BP_READWRITE, req);
	const struct bench_case *sfr = get(b, BP_SENDFILE, req);
	const struct bench_case *rwb = get(b, BP_READWRITE, big);
	const struct bench_case *sfb = get(b, BP_SENDFILE, big);
	char a[CLI_HUMAN_LEN], c[CLI_HUMAN_LEN];
	int p;

	if (!rwr && !sfr && !rwb && !sfb)
		return;
	fprintf(f, "\n== physical cost, file -> loopback TCP: the seeds' "
		"claims, measured\n(per %s request; rate and CPU %% at %s;\n"
		" sw = mode switches = 2 x syscalls)\n",
		bench_size_text(a, req), bench_size_text(c, big));
	fprintf(f, "%-13s %-15s %7s %8s %9s %7s %7s %7s %7s\n", "path",
		"seeds say", "sys/req", "sw/req", "csw/req", "copies",
		"Gbps", "snd CPU", "rcv CPU");
	for (p = 0; p < BP__COUNT; p++)
		if (bench_paths[p]->scens & (1u << BENCH_TCP))
			table_row(f, b, p, req, big);
	fprintf(f, "Where this machine agrees with the seeds, and where "
		"not:\n");
	if (rwr && sfr) {
		switches(f, rwr, sfr, req);
		copies(f, rwr, sfr);
	}
	if (rwb && sfb)
		rates(f, rwb, sfb, big);
}
