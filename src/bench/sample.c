/* SPDX-License-Identifier: MIT */
/*
 * src/bench/sample.c - from what the children of a run wrote to figures:
 * rates in GB/s (1e9 bytes, as network rates are given), costs per GiB
 * (2^30 bytes, as memory is), costs per transfer; the verification pass;
 * and the median, min and max over the runs of a case.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define GIB (1024.0 * 1024 * 1024)

static void from_latency(struct bench_sample *s,
			 const struct bench_shared *sh)
{
	s->p50 = sh->p50;
	s->p99 = sh->p99;
	s->p999 = sh->p999;
	s->samples = sh->samples;
	s->rps = sh->lat_secs > 0 ? (double)sh->samples / sh->lat_secs : 0;
}

/*
 * CPU copies of the sender, in bytes copied: a byte through a user buffer
 * is copied twice, a byte from memory once, a byte handed over without a
 * copy not at all, unless the kernel's notification says it copied after
 * all (always, to a loopback peer): then once, late, in the kernel.
 */
static double copies(const struct bench_ledger *l)
{
	double late = l->zc_done ? (double)l->zc_copied / (double)l->zc_done :
			0;

	return 2.0 * (double)l->user_copied +
	       (double)(l->from_memory - l->zero_copy) +
	       late * (double)l->zero_copy;
}

void bench_sample_from(struct bench_sample *s, const struct bench_shared *sh,
		       const struct bench_case *c)
{
	double gib, xfers, end;

	memset(s, 0, sizeof(*s));
	if (c->kind == BENCH_K_LATENCY) {
		from_latency(s, sh);
		return;
	}
	if (c->kind == BENCH_K_MEMCPY) {
		s->gbps = sh->memcpy_gbps;
		s->secs = sh->tx_end - sh->tx_start;
		s->bytes = sh->tx_bytes;
		return;
	}
	/* Through a socket the bytes count when the receiver has them. */
	end = c->scen == BENCH_FILE ? sh->tx_end : sh->rx_end;
	s->secs = end - sh->tx_start;
	s->bytes = sh->tx_bytes;
	s->transfers = sh->transfers;
	gib = (double)sh->tx_bytes / GIB;
	xfers = sh->transfers ? (double)sh->transfers : 1;
	if (s->secs <= 0 || gib <= 0)
		return;
	s->gbps = (double)sh->tx_bytes / s->secs / 1e9;
	s->tx_cpu = (sh->tx_ru.user + sh->tx_ru.sys) / gib;
	s->rx_cpu = (sh->rx_ru.user + sh->rx_ru.sys) / gib;
	s->tx_pct = 100 * (sh->tx_ru.user + sh->tx_ru.sys) / s->secs;
	s->rx_pct = 100 * (sh->rx_ru.user + sh->rx_ru.sys) / s->secs;
	s->syscalls = (double)sh->led.syscalls / gib;
	s->tx_vcsw = sh->tx_ru.nvcsw / gib;
	s->tx_ivcsw = sh->tx_ru.nivcsw / gib;
	s->rx_csw = (sh->rx_ru.nvcsw + sh->rx_ru.nivcsw) / gib;
	s->us_per_xfer = s->secs / xfers * 1e6;
	s->tx_cpu_us = (sh->tx_ru.user + sh->tx_ru.sys) / xfers * 1e6;
	s->sys_per_xfer = (double)sh->led.syscalls / xfers;
	s->csw_per_xfer = (sh->tx_ru.nvcsw + sh->tx_ru.nivcsw +
			   sh->rx_ru.nvcsw + sh->rx_ru.nivcsw) / xfers;
	s->copies = copies(&sh->led) / (double)sh->tx_bytes;
}

/* Reads the output file back; the offset of the first wrong byte or -1. */
static int64_t check_file(int fd, size_t size, int64_t *len)
{
	size_t bufsz = 1u << 20, off = 0;
	uint8_t *buf = malloc(bufsz);
	struct stat st;
	int64_t bad = -1;
	ssize_t n;

	*len = fstat(fd, &st) ? -1 : (int64_t)st.st_size;
	if (!buf)
		return 0;
	while (off < size && bad < 0) {
		n = pread(fd, buf, bufsz, (off_t)off);
		if (n <= 0)
			break;
		bad = bench_pattern_check(buf, (size_t)n, off);
		if (bad >= 0)
			bad += (int64_t)off;
		off += (size_t)n;
	}
	free(buf);
	return bad;
}

int bench_check_verify(struct bench *b, struct bench_case *c,
		       const struct bench_shared *sh, int out)
{
	int64_t bad = sh->bad_at, got = (int64_t)sh->rx_bytes;

	if (c->scen == BENCH_FILE)
		bad = check_file(out, c->size, &got);
	c->verified = bad < 0 && got == (int64_t)c->size;
	if (c->verified)
		return 0;
	if (bad >= 0)
		snprintf(c->err, sizeof(c->err), "verification: byte %lld of "
			 "%zu is wrong", (long long)bad, c->size);
	else
		snprintf(c->err, sizeof(c->err), "verification: %lld bytes "
			 "arrived, %zu sent", (long long)got, c->size);
	b->failures++;
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct bench_stat bench_stat_of(const struct bench_case *c, size_t field)
{
	struct bench_stat st = { 0, 0, 0 };
	double v[BENCH_MAX_RUNS];
	int i, n = c->n;

	if (!n)
		return st;
	for (i = 0; i < n; i++)
		memcpy(&v[i], (const char *)&c->s[i] + field, sizeof(double));
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	st.min = v[0];
	st.max = v[n - 1];
	st.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return st;
}
