/* SPDX-License-Identifier: MIT */
/*
 * src/http/metrics.c - what `zcio serve` counts, in the engine's metrics
 * registry (engine/metrics.h); metrics_http.c renders it as Prometheus
 * text at /metrics on the --metrics listener.
 *
 * Counted on the hot path, by the worker that owns the row: requests by
 * status, body bytes served from small-file memory copies, errors by
 * kind, keep-alive reuse and pipelining. Computed when rendered: the
 * open-file caches of the workers (hits, misses, evictions, entries,
 * bytes in memory copies) and the process-wide copy ledger of libzcio
 * (bytes, system calls and bytes copied in user space, by path;
 * zc_stats_get). The engine adds its own: connections, and the bytes its
 * sends moved by path.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "serve_int.h"

static const int codes[] = {
#define CODE(n) n,
	HTTP_CODES(CODE)
#undef CODE
};

static const char *const err_names[HTTP_ERR__COUNT] = {
	[HTTP_ERR_TRUNCATED] = "truncated",
	[HTTP_ERR_SEND] = "client_gone",
	[HTTP_ERR_HEADER_TIMEOUT] = "header_timeout",
	[HTTP_ERR_SEND_TIMEOUT] = "send_timeout",
	[HTTP_ERR_OPEN] = "open",
	[HTTP_ERR_NOMEM] = "nomem",
};

void http_count_status(struct http_worker *w, int status)
{
	const struct http_metric_ids *m = &w->srv->m;
	int id = status >= 0 && status < 600 ? m->code[status] : -1;

	eng_metric_inc(w->row, id >= 0 ? id : m->code_other);
}

/* The sum of one cache counter over the workers (a computed metric). */
struct cache_metric {
	struct http_srv *srv;
	size_t off;			/* in struct http_files_stats */
};

static double cache_sum(void *arg)
{
	const struct cache_metric *cm = arg;
	struct http_files_stats st;
	struct http_worker *w;
	double sum = 0;
	unsigned int i;

	for (i = 0; i < cm->srv->nr_workers; i++) {
		w = __atomic_load_n(&cm->srv->workers[i], __ATOMIC_ACQUIRE);
		if (!w || !w->files)
			continue;
		http_files_get_stats(w->files, &st);
		sum += (double)*(uint64_t *)((char *)&st + cm->off);
	}
	return sum;
}

#define CACHE(field) offsetof(struct http_files_stats, field)

static struct cache_metric cache_metrics[] = {
	{ NULL, CACHE(hits) }, { NULL, CACHE(misses) },
	{ NULL, CACHE(evictions) }, { NULL, CACHE(stale) },
	{ NULL, CACHE(entries) }, { NULL, CACHE(small_bytes) },
};

static const struct {
	const char *name;
	enum eng_metric_type type;
	const char *help;
} cache_rows[] = {
	{ "zcio_http_cache_hits_total", ENG_METRIC_COUNTER,
	  "Open-file cache lookups that found the file." },
	{ "zcio_http_cache_misses_total", ENG_METRIC_COUNTER,
	  "Open-file cache lookups that opened the file." },
	{ "zcio_http_cache_evictions_total", ENG_METRIC_COUNTER,
	  "Entries evicted to stay within --cache-entries." },
	{ "zcio_http_cache_stale_total", ENG_METRIC_COUNTER,
	  "Entries found changed on disk when revalidated." },
	{ "zcio_http_cache_entries", ENG_METRIC_GAUGE,
	  "Files in the open-file caches now." },
	{ "zcio_http_cache_memory_bytes", ENG_METRIC_GAUGE,
	  "Bytes of small files held as in-memory copies." },
};

static int reg_cache(struct http_srv *srv, struct eng_metrics *r)
{
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cache_rows) / sizeof(cache_rows[0]); i++) {
		cache_metrics[i].srv = srv;
		ret = eng_metric_new_fn(r, cache_rows[i].type,
					cache_rows[i].name, NULL,
					cache_rows[i].help, cache_sum,
					&cache_metrics[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int reg_codes(struct http_metric_ids *m, struct eng_metrics *r)
{
	static const char help[] = "HTTP responses by status code.";
	static const char name[] = "zcio_http_requests_total";
	char labels[32];
	size_t i;

	for (i = 0; i < 600; i++)
		m->code[i] = -1;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		snprintf(labels, sizeof(labels), "code=\"%d\"", codes[i]);
		m->code[codes[i]] = eng_metric_new(r, ENG_METRIC_COUNTER,
						   name, labels, help);
		if (m->code[codes[i]] < 0)
			return m->code[codes[i]];
	}
	m->code_other = eng_metric_new(r, ENG_METRIC_COUNTER, name,
				       "code=\"other\"", help);
	return m->code_other < 0 ? m->code_other : 0;
}

static int reg_counters(struct http_metric_ids *m, struct eng_metrics *r)
{
	char labels[48];
	int i;

	m->small_body = eng_metric_new(r, ENG_METRIC_COUNTER,
		"zcio_http_small_file_bytes_total", NULL,
		"Body bytes queued from the in-memory copies of small files.");
	m->keepalive_reuse = eng_metric_new(r, ENG_METRIC_COUNTER,
		"zcio_http_keepalive_requests_total", NULL,
		"Requests on a connection after its first one.");
	m->pipelined = eng_metric_new(r, ENG_METRIC_COUNTER,
		"zcio_http_pipelined_requests_total", NULL,
		"Requests parsed while an earlier answer was still queued.");
	if (m->small_body < 0 || m->keepalive_reuse < 0 || m->pipelined < 0)
		return -ENOMEM;
	for (i = 0; i < HTTP_ERR__COUNT; i++) {
		snprintf(labels, sizeof(labels), "kind=\"%s\"", err_names[i]);
		m->err[i] = eng_metric_new(r, ENG_METRIC_COUNTER,
					   "zcio_http_errors_total", labels,
					   "Connections ended by an error, "
					   "by kind.");
		if (m->err[i] < 0)
			return m->err[i];
	}
	return 0;
}

int http_metrics_register(struct http_srv *srv)
{
	struct eng_metrics *r = eng_metrics(srv->eng);
	int ret;

	ret = reg_codes(&srv->m, r);
	if (!ret)
		ret = reg_counters(&srv->m, r);
	if (!ret)
		ret = reg_cache(srv, r);
	if (!ret)
		ret = eng_metrics_register_ledger(r);
	return ret;
}
