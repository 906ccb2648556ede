/* SPDX-License-Identifier: MIT */
/*
 * src/engine/metrics.c - the metrics registry and its Prometheus text
 * rendering (see metrics.h).
 *
 * Values live in rows[row][id]; each row is padded to whole cache lines
 * and aligned, so that workers counting in their own rows never share a
 * line (no false sharing on the hot path).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/metrics.h"

#define METRICS_MAX_DEFAULT 1024
#define CACHE_LINE 64
#define PER_LINE (CACHE_LINE / sizeof(uint64_t))

struct metric {
	char *name;
	char *labels;		/* NULL or "a=\"b\"" */
	char *help;
	enum eng_metric_type type;
	eng_metric_fn fn;
	void *arg;
};

struct eng_metrics {
	pthread_mutex_t lock;
	unsigned int rows, max, n;
	size_t stride;		/* uint64_t per row */
	uint64_t *vals;
	struct metric *m;
};

struct eng_metrics *eng_metrics_new(unsigned int rows, unsigned int max,
				    int *err)
{
	struct eng_metrics *r;

	if (!rows) {
		*err = -EINVAL;
		return NULL;
	}
	if (!max)
		max = METRICS_MAX_DEFAULT;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	r->rows = rows;
	r->max = max;
	r->stride = (max + PER_LINE - 1) / PER_LINE * PER_LINE;
	r->m = calloc(max, sizeof(*r->m));
	if (!r->m || posix_memalign((void **)&r->vals, CACHE_LINE,
				    rows * r->stride * sizeof(uint64_t)))
		goto nomem;
	memset(r->vals, 0, rows * r->stride * sizeof(uint64_t));
	pthread_mutex_init(&r->lock, NULL);
	return r;
nomem:
	if (r)
		free(r->m);
	free(r);
	*err = -ENOMEM;
	return NULL;
}

void eng_metrics_free(struct eng_metrics *r)
{
	unsigned int i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->m[i].name);
		free(r->m[i].labels);
		free(r->m[i].help);
	}
	pthread_mutex_destroy(&r->lock);
	free(r->vals);
	free(r->m);
	free(r);
}

static int valid_name(const char *s)
{
	const char *p;

	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == ':'))
			return 0;
	return 1;
}

/* Labels go out verbatim inside braces: refuse what would break a line. */
static int valid_labels(const char *s)
{
	return !s || (*s && !strpbrk(s, "{}\n"));
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Under the lock: the checks of eng_metric_new. */
static int check_new(struct eng_metrics *r, enum eng_metric_type type,
		     const char *name, const char *labels)
{
	unsigned int i;

	if (!valid_name(name) || !valid_labels(labels) ||
	    (type != ENG_METRIC_COUNTER && type != ENG_METRIC_GAUGE))
		return -EINVAL;
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->m[i].name, name))
			continue;
		if (r->m[i].type != type)
			return -EINVAL;
		if (same(r->m[i].labels, labels))
			return -EEXIST;
	}
	return r->n < r->max ? 0 : -ENOSPC;
}

int eng_metric_new_fn(struct eng_metrics *r, enum eng_metric_type type,
		      const char *name, const char *labels, const char *help,
		      eng_metric_fn fn, void *arg)
{
	struct metric *m;
	int ret;

	pthread_mutex_lock(&r->lock);
	ret = check_new(r, type, name, labels);
	if (ret < 0)
		goto out;
	m = &r->m[r->n];
	m->name = strdup(name);
	m->labels = labels ? strdup(labels) : NULL;
	m->help = strdup(help ? help : "");
	if (!m->name || (labels && !m->labels) || !m->help) {
		free(m->name);
		free(m->labels);
		free(m->help);
		memset(m, 0, sizeof(*m));
		ret = -ENOMEM;
		goto out;
	}
	m->type = type;
	m->fn = fn;
	m->arg = arg;
	ret = (int)r->n++;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int eng_metric_new(struct eng_metrics *r, enum eng_metric_type type,
		   const char *name, const char *labels, const char *help)
{
	return eng_metric_new_fn(r, type, name, labels, help, NULL, NULL);
}

uint64_t *eng_metrics_row(struct eng_metrics *r, unsigned int i)
{
	if (i >= r->rows)
		return NULL;
	return r->vals + (size_t)i * r->stride;
}

unsigned int eng_metrics_rows(const struct eng_metrics *r)
{
	return r->rows;
}

static uint64_t sum(struct eng_metrics *r, int id)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < r->rows; i++)
		v += __atomic_load_n(&r->vals[(size_t)i * r->stride + id],
				     __ATOMIC_RELAXED);
	return v;
}

uint64_t eng_metric_value(struct eng_metrics *r, int id)
{
	eng_metric_fn fn;
	void *arg;

	if (id < 0 || (unsigned int)id >= r->max)
		return 0;
	fn = r->m[id].fn;
	arg = r->m[id].arg;
	if (fn) {
		double d = fn(arg);

		return d > 0 ? (uint64_t)d : 0;
	}
	return sum(r, id);
}

/* A growing output string; on ENOMEM it stays failed. */
struct out {
	char *s;
	size_t len, cap;
	int err;
};

static void outf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *s;
	int n;

	while (!o->err) {
		va_start(ap, fmt);
		n = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < o->cap - o->len) {
			o->len += n;
			return;
		}
		cap = o->cap * 2 + (n > 0 ? n : 0);
		s = realloc(o->s, cap);
		if (!s || n < 0) {
			free(s ? s : o->s);
			o->s = NULL;
			o->err = -ENOMEM;
			return;
		}
		o->s = s;
		o->cap = cap;
	}
}

/* HELP text escapes: backslash and newline (exposition format 0.0.4). */
static void out_help(struct out *o, const struct metric *m)
{
	const char *p;

	outf(o, "# HELP %s ", m->name);
	for (p = m->help; *p; p++) {
		if (*p == '\\')
			outf(o, "\\\\");
		else if (*p == '\n')
			outf(o, "\\n");
		else
			outf(o, "%c", *p);
	}
	outf(o, "\n# TYPE %s %s\n", m->name,
	     m->type == ENG_METRIC_COUNTER ? "counter" : "gauge");
}

static void out_value(struct out *o, struct eng_metrics *r, int id)
{
	const struct metric *m = &r->m[id];
	double d;

	outf(o, "%s", m->name);
	if (m->labels)
		outf(o, "{%s}", m->labels);
	if (m->fn) {
		d = m->fn(m->arg);
		if (isnan(d))
			outf(o, " NaN\n");
		else if (d == floor(d) && fabs(d) < 9e15)
			outf(o, " %.0f\n", d);
		else
			outf(o, " %.17g\n", d);
	} else if (m->type == ENG_METRIC_COUNTER) {
		outf(o, " %" PRIu64 "\n", sum(r, id));
	} else {
		outf(o, " %" PRId64 "\n", (int64_t)sum(r, id));
	}
}

/*
 * Families in the order their first metric was registered, each metric of
 * a family under one HELP/TYPE pair, as the format requires. Quadratic in
 * the number of metrics, which is small, and off the hot path.
 */
char *eng_metrics_render(struct eng_metrics *r, size_t *len, int *err)
{
	struct out o = { .cap = 4096 };
	unsigned int i, j, k;

	o.s = malloc(o.cap);
	if (!o.s) {
		*err = -ENOMEM;
		return NULL;
	}
	o.s[0] = '\0';
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->n && !o.err; i++) {
		for (k = 0; k < i; k++)
			if (!strcmp(r->m[k].name, r->m[i].name))
				break;
		if (k < i)
			continue;	/* family rendered already */
		out_help(&o, &r->m[i]);
		for (j = i; j < r->n; j++)
			if (!strcmp(r->m[j].name, r->m[i].name))
				out_value(&o, r, (int)j);
	}
	pthread_mutex_unlock(&r->lock);
	if (o.err) {
		*err = o.err;
		return NULL;
	}
	*len = o.len;
	return o.s;
}
