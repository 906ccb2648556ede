/* SPDX-License-Identifier: MIT */
/*
 * src/engine/metrics.h - a small registry of counters and gauges that
 * renders the Prometheus text exposition format (version 0.0.4).
 *
 * Each writer thread (worker) has its own row of values, one uint64_t per
 * metric, in cache lines of its own: counting is a relaxed load and store
 * by the only writer, with no lock and no atomic read-modify-write.
 * Rendering sums the rows with relaxed loads, so a sum may miss the
 * increments of the last instant but never tears a value.
 *
 * A metric is a family name plus an optional label set, so
 * "zcio_http_requests_total" with code="200" and with code="404" are two
 * metrics of one family; HELP and TYPE are printed once per family.
 *
 *	# HELP zcio_connections_open Connections open now.
 *	# TYPE zcio_connections_open gauge
 *	zcio_connections_open 3
 *
 * Register everything before the workers start: registration and render
 * take a mutex; the hot path never does.
 */
#ifndef ZC_ENGINE_METRICS_H
#define ZC_ENGINE_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum eng_metric_type {
	ENG_METRIC_COUNTER = 0,	/* only goes up; rendered unsigned */
	ENG_METRIC_GAUGE,	/* up and down; the sum of the rows, signed */
};

struct eng_metrics;

/*
 * A registry of up to @max metrics (0: 1024) with @rows writer rows.
 * NULL with *@err.
 */
struct eng_metrics *eng_metrics_new(unsigned int rows, unsigned int max,
				    int *err);
void eng_metrics_free(struct eng_metrics *r);

/*
 * Registers a metric: @name a Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*),
 * @labels NULL or a label set without braces (code="200",method="GET"),
 * @help one line. Copies the strings. Returns the metric's id (>= 0), or
 * -EINVAL (bad name, or a family already registered with another type),
 * -EEXIST (same name and labels), -ENOSPC (registry full), -ENOMEM.
 */
int eng_metric_new(struct eng_metrics *r, enum eng_metric_type type,
		   const char *name, const char *labels, const char *help);

/*
 * A metric computed at render time by @fn(@arg), for values kept
 * elsewhere (the library's copy ledger, a cache size). @fn runs in the
 * rendering thread, under the registry's mutex.
 */
typedef double (*eng_metric_fn)(void *arg);
int eng_metric_new_fn(struct eng_metrics *r, enum eng_metric_type type,
		      const char *name, const char *labels, const char *help,
		      eng_metric_fn fn, void *arg);

/*
 * Registers libzcio's copy ledger (bytes, system calls and bytes through
 * user space per kernel path, from zc_stats_get) as counters
 * zcio_ledger_*_total{path="..."}. Once per registry. 0 or -errno.
 */
int eng_metrics_register_ledger(struct eng_metrics *r);

/* Row @i (0 .. rows - 1) for one writer thread; NULL if out of range. */
uint64_t *eng_metrics_row(struct eng_metrics *r, unsigned int i);

/* The number of rows. */
unsigned int eng_metrics_rows(const struct eng_metrics *r);

/* Adds @n to metric @id in @row: the writer of @row only. */
static inline void eng_metric_add(uint64_t *row, int id, uint64_t n)
{
	uint64_t v = __atomic_load_n(&row[id], __ATOMIC_RELAXED);

	__atomic_store_n(&row[id], v + n, __ATOMIC_RELAXED);
}

static inline void eng_metric_inc(uint64_t *row, int id)
{
	eng_metric_add(row, id, 1);
}

/* For gauges: rows are summed as two's complement, so a row may go
 * below zero (a connection opened in one worker, counted down in none). */
static inline void eng_metric_sub(uint64_t *row, int id, uint64_t n)
{
	eng_metric_add(row, id, -n);
}

/* Sets this row's part of gauge @id. */
static inline void eng_metric_set(uint64_t *row, int id, int64_t v)
{
	__atomic_store_n(&row[id], (uint64_t)v, __ATOMIC_RELAXED);
}

/* The sum of metric @id over every row (a computed one: 0). */
uint64_t eng_metric_value(struct eng_metrics *r, int id);

/*
 * The whole registry in the Prometheus text format, in a new malloc()ed
 * string (free() it) of *@len bytes. NULL with *@err = -ENOMEM. Can be
 * called from any thread. Content-Type: text/plain; version=0.0.4.
 */
char *eng_metrics_render(struct eng_metrics *r, size_t *len, int *err);

#define ENG_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
