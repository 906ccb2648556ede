/* SPDX-License-Identifier: MIT */
/*
 * src/bench/report_json.c - the whole result as JSON for scripts: the
 * machine and configuration, every case with its figures (median, min,
 * max), its ledger, its verification and, for zero-copy sends, the
 * kernel's verdicts; the crossovers; the loopback caveat in words.
 */
#include <math.h>
#include <stdio.h>

#include "bench.h"

static void figure(struct bench_json *j, const char *key,
		 const struct bench_case *c, size_t field)
{
	struct bench_stat s = bench_stat_of(c, field);

	bj_begin(j, key, '{');
	bj_num(j, "median", s.med);
	bj_num(j, "min", s.min);
	bj_num(j, "max", s.max);
	bj_end(j, '}');
}

#define STAT(j, key, c, f) figure((j), (key), (c), \
				offsetof(struct bench_sample, f))

static void ledger(struct bench_json *j, const struct bench_ledger *l)
{
	bj_begin(j, "ledger", '{');
	bj_str(j, "ran", l->ran);
	bj_u64(j, "mismatch", l->mismatch);
	bj_u64(j, "calls", l->calls);
	bj_u64(j, "bytes", l->bytes);
	bj_u64(j, "syscalls", l->syscalls);
	bj_u64(j, "user_copied", l->user_copied);
	bj_u64(j, "from_memory", l->from_memory);
	bj_u64(j, "zero_copy", l->zero_copy);
	bj_u64(j, "extra_syscalls", l->extra_syscalls);
	if (l->zc_sends) {
		bj_begin(j, "zerocopy", '{');
		bj_u64(j, "sends", l->zc_sends);
		bj_u64(j, "notifications", l->zc_done);
		bj_u64(j, "copied", l->zc_copied);
		bj_u64(j, "plain_sends", l->copy_sends);
		bj_bool(j, "zc", l->zc_copied < l->zc_done);
		bj_end(j, '}');
	}
	bj_end(j, '}');
}

static void xfer_figures(struct bench_json *j, const struct bench_case *c)
{
	STAT(j, "gbps", c, gbps);
	STAT(j, "sender_cpu_s_per_gib", c, tx_cpu);
	STAT(j, "receiver_cpu_s_per_gib", c, rx_cpu);
	STAT(j, "sender_cpu_pct", c, tx_pct);
	STAT(j, "receiver_cpu_pct", c, rx_pct);
	STAT(j, "syscalls_per_gib", c, syscalls);
	STAT(j, "sender_vcsw_per_gib", c, tx_vcsw);
	STAT(j, "sender_ivcsw_per_gib", c, tx_ivcsw);
	STAT(j, "receiver_csw_per_gib", c, rx_csw);
	STAT(j, "us_per_transfer", c, us_per_xfer);
	STAT(j, "sender_cpu_us_per_transfer", c, tx_cpu_us);
	STAT(j, "syscalls_per_transfer", c, sys_per_xfer);
	STAT(j, "csw_per_transfer", c, csw_per_xfer);
	STAT(j, "cpu_copies_per_byte", c, copies);
	bj_u64(j, "bytes", c->n ? c->s[c->n - 1].bytes : 0);
	bj_u64(j, "transfers", c->n ? c->s[c->n - 1].transfers : 0);
	ledger(j, &c->led);
	/* null: not checked (--no-verify), as a non-finite number writes. */
	if (c->verified >= 0)
		bj_bool(j, "verified", c->verified);
	else
		bj_num(j, "verified", NAN);
}

static void one_case(struct bench_json *j, const struct bench_case *c)
{
	static const char *const kinds[] = { "xfer", "latency", "memcpy" };

	bj_begin(j, NULL, '{');
	bj_str(j, "kind", kinds[c->kind]);
	if (c->kind != BENCH_K_MEMCPY) {
		bj_str(j, "scenario", bench_scen_names[c->scen]);
		bj_str(j, "path", bench_paths[c->path]->name);
	}
	bj_u64(j, "size", c->size);
	bj_u64(j, "runs", (uint64_t)c->n);
	bj_str(j, "status", c->unsupported ? "unsupported" :
			    c->failed ? "failed" : "ok");
	if (c->err[0])
		bj_str(j, "error", c->err);
	if (c->n && c->kind == BENCH_K_XFER)
		xfer_figures(j, c);
	if (c->n && c->kind == BENCH_K_MEMCPY)
		STAT(j, "gbps", c, gbps);
	if (c->n && c->kind == BENCH_K_LATENCY) {
		STAT(j, "p50_us", c, p50);
		STAT(j, "p99_us", c, p99);
		STAT(j, "p999_us", c, p999);
		STAT(j, "requests_per_s", c, rps);
		ledger(j, &c->led);
	}
	bj_end(j, '}');
}

static void config(struct bench_json *j, const struct bench *b)
{
	const struct bench_cfg *c = &b->cfg;
	int i;

	bj_begin(j, "config", '{');
	bj_u64(j, "runs", (uint64_t)c->runs);
	bj_num(j, "seconds_per_run", c->secs);
	bj_begin(j, "sizes", '[');
	for (i = 0; i < c->nsizes; i++)
		bj_u64(j, NULL, c->sizes[i]);
	bj_end(j, ']');
	bj_begin(j, "latency_sizes", '[');
	for (i = 0; i < c->nlat; i++)
		bj_u64(j, NULL, c->lat_sizes[i]);
	bj_end(j, ']');
	bj_bool(j, "cold", c->cold);
	bj_bool(j, "pinned", c->pin);
	if (c->pin) {
		bj_u64(j, "sender_cpu", (uint64_t)c->cpu_tx);
		bj_u64(j, "receiver_cpu", (uint64_t)c->cpu_rx);
	}
	bj_bool(j, "verify", c->verify);
	bj_end(j, '}');
}

static void crossovers(struct bench_json *j, const struct bench *b)
{
	struct bench_cross x[BENCH_SCEN__COUNT * BP__COUNT];
	int i, n = bench_crossovers(b, x, BENCH_SCEN__COUNT * BP__COUNT);

	bj_begin(j, "crossover", '[');
	for (i = 0; i < n; i++) {
		bj_begin(j, NULL, '{');
		bj_str(j, "scenario", bench_scen_names[x[i].scen]);
		bj_str(j, "path", bench_paths[x[i].path]->name);
		bj_u64(j, "from_size", x[i].size);
		bj_u64(j, "sizes_compared", (uint64_t)x[i].nsizes);
		bj_end(j, '}');
	}
	bj_end(j, ']');
}

int bench_report_json(FILE *f, const struct bench *b)
{
	struct bench_json j = { .f = f };
	const struct bench_case *best = bench_best_loopback(b);
	int i;

	bj_begin(&j, NULL, '{');
	bj_u64(&j, "zcio_bench", 1);
	bj_str(&j, "command", b->cfg.cmdline);
	bj_begin(&j, "machine", '{');
	bj_str(&j, "cpu", b->cpu_model);
	bj_u64(&j, "cpus", (uint64_t)b->ncpus);
	bj_str(&j, "kernel", b->kernel);
	bj_num(&j, "page_cache_resident_pct", b->cfg.cold ? 0 : b->resident);
	bj_num(&j, "loadavg_start", b->load[0]);
	bj_num(&j, "loadavg_end", b->load[1]);
	bj_end(&j, '}');
	config(&j, b);
	bj_num(&j, "elapsed_s", b->elapsed);
	bj_u64(&j, "failures", (uint64_t)b->failures);
	bj_begin(&j, "cases", '[');
	for (i = 0; i < b->ncases; i++)
		one_case(&j, &b->cases[i]);
	bj_end(&j, ']');
	if (best) {
		bj_begin(&j, "best_loopback", '{');
		bj_str(&j, "scenario", bench_scen_names[best->scen]);
		bj_str(&j, "path", bench_paths[best->path]->name);
		bj_u64(&j, "size", best->size);
		bj_num(&j, "gbps", BENCH_STAT(best, gbps).med);
		bj_end(&j, '}');
	}
	crossovers(&j, b);
	bj_str(&j, "loopback_note", "MSG_ZEROCOPY and SEND_ZC to a loopback "
	       "peer always copy (every notification is flagged copied), and "
	       "the loopback receiver copies every byte once more");
	bj_end(&j, '}');
	return 0;
}
