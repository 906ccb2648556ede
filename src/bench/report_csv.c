/* SPDX-License-Identifier: MIT */
/*
 * src/bench/report_csv.c - one CSV line per case (the rows of the tables),
 * the same columns for every kind, empty where a figure does not apply;
 * medians, with min and max for the rate. For spreadsheets and for the
 * test suite, which checks from it that every forced path ran.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bench.h"

static const char head[] =
"kind,scenario,path,size,status,runs,gbps,gbps_min,gbps_max,"
"sender_cpu_s_per_gib,receiver_cpu_s_per_gib,sender_cpu_pct,"
"receiver_cpu_pct,syscalls_per_gib,sender_vcsw_per_gib,"
"sender_ivcsw_per_gib,receiver_csw_per_gib,us_per_transfer,"
"sender_cpu_us_per_transfer,cpu_copies_per_byte,p50_us,p99_us,p999_us,"
"requests_per_s,bytes,transfers,ledger_ran,ledger_mismatch,ledger_bytes,"
"ledger_syscalls,ledger_user_copied,ledger_from_memory,ledger_zero_copy,"
"zc_sends,zc_notifications,zc_copied,verified,error\n";

/* Quoted, with quotes doubled (RFC 4180). */
static void quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputc('"', f);
}

static void num(FILE *f, const struct bench_case *c, size_t field, int on)
{
	if (on && c->n)
		fprintf(f, ",%.6g", bench_stat_of(c, field).med);
	else
		fputc(',', f);
}

#define NUM(f, c, field, on) \
	num((f), (c), offsetof(struct bench_sample, field), (on))

static void figures(FILE *f, const struct bench_case *c)
{
	int x = c->kind == BENCH_K_XFER, l = c->kind == BENCH_K_LATENCY;
	struct bench_stat g = BENCH_STAT(c, gbps);

	if (c->n && !l)
		fprintf(f, ",%.6g,%.6g,%.6g", g.med, g.min, g.max);
	else
		fputs(",,,", f);
	NUM(f, c, tx_cpu, x);
	NUM(f, c, rx_cpu, x);
	NUM(f, c, tx_pct, x);
	NUM(f, c, rx_pct, x);
	NUM(f, c, syscalls, x);
	NUM(f, c, tx_vcsw, x);
	NUM(f, c, tx_ivcsw, x);
	NUM(f, c, rx_csw, x);
	NUM(f, c, us_per_xfer, x);
	NUM(f, c, tx_cpu_us, x);
	NUM(f, c, copies, x);
	NUM(f, c, p50, l);
	NUM(f, c, p99, l);
	NUM(f, c, p999, l);
	NUM(f, c, rps, l);
}

static void ledger(FILE *f, const struct bench_case *c)
{
	const struct bench_ledger *l = &c->led;

	if (c->kind == BENCH_K_MEMCPY || !c->n) {
		fputs(",,,,,,,,,,,,", f);
		return;
	}
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",", c->s[c->n - 1].bytes,
		c->s[c->n - 1].transfers);
	quoted(f, l->ran);
	fprintf(f, ",%" PRIu32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%"
		PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
		l->mismatch, l->bytes, l->syscalls, l->user_copied,
		l->from_memory, l->zero_copy, l->zc_sends, l->zc_done,
		l->zc_copied);
}

int bench_report_csv(FILE *f, const struct bench *b)
{
	static const char *const kinds[] = { "xfer", "latency", "memcpy" };
	const struct bench_case *c;
	int i, m;

	fputs(head, f);
	for (i = 0; i < b->ncases; i++) {
		c = &b->cases[i];
		m = c->kind == BENCH_K_MEMCPY;
		fprintf(f, "%s,%s,%s,%zu,%s,%d", kinds[c->kind],
			m ? "" : bench_scen_names[c->scen],
			m ? "" : bench_paths[c->path]->name, c->size,
			c->unsupported ? "unsupported" :
			c->failed ? "failed" : "ok", c->n);
		figures(f, c);
		ledger(f, c);
		fprintf(f, ",%s,", c->verified < 0 ? "" :
			c->verified ? "yes" : "no");
		quoted(f, c->err);
		fputc('\n', f);
	}
	return 0;
}
