/* SPDX-License-Identifier: MIT */
/*
 * tests/engine-metrics.c - src/engine/metrics.h: the Prometheus text
 * format byte for byte (families, labels, HELP escapes, signed gauges,
 * computed metrics), registration errors, and rows counted by threads
 * while another renders, summing exactly once they are done.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/metrics.h"
#include "helpers.h"

static double forty_two(void *arg)
{
	(void)arg;
	return 42;
}

static double half(void *arg)
{
	return *(double *)arg;
}

static void render_format(void **state)
{
	static const char want[] =
		"# HELP zcio_http_requests_total Requests by status.\n"
		"# TYPE zcio_http_requests_total counter\n"
		"zcio_http_requests_total{code=\"200\"} 7\n"
		"zcio_http_requests_total{code=\"404\"} 1\n"
		"# HELP zcio_connections_open Open now; a \\\\ and a \\n.\n"
		"# TYPE zcio_connections_open gauge\n"
		"zcio_connections_open -4\n"
		"# HELP zcio_answer Computed.\n"
		"# TYPE zcio_answer gauge\n"
		"zcio_answer 42\n"
		"zcio_answer{part=\"half\"} 0.5\n"
		"# HELP zcio_empty \n"
		"# TYPE zcio_empty counter\n"
		"zcio_empty 0\n";
	struct eng_metrics *r;
	uint64_t *row0, *row1;
	double h = 0.5;
	int ok, nf, open, ans, err = 0;
	size_t len;
	char *text;

	(void)state;
	r = eng_metrics_new(2, 16, &err);
	assert_non_null(r);
	ok = eng_metric_new(r, ENG_METRIC_COUNTER, "zcio_http_requests_total",
			    "code=\"200\"", "Requests by status.");
	open = eng_metric_new(r, ENG_METRIC_GAUGE, "zcio_connections_open",
			      NULL, "Open now; a \\ and a \n.");
	nf = eng_metric_new(r, ENG_METRIC_COUNTER, "zcio_http_requests_total",
			    "code=\"404\"", "ignored: the family has one");
	ans = eng_metric_new_fn(r, ENG_METRIC_GAUGE, "zcio_answer", NULL,
				"Computed.", forty_two, NULL);
	assert_true(eng_metric_new_fn(r, ENG_METRIC_GAUGE, "zcio_answer",
				      "part=\"half\"", "", half, &h) >= 0);
	assert_true(eng_metric_new(r, ENG_METRIC_COUNTER, "zcio_empty", NULL,
				   NULL) >= 0);
	assert_true(ok >= 0 && open >= 0 && nf >= 0 && ans >= 0);
	row0 = eng_metrics_row(r, 0);
	row1 = eng_metrics_row(r, 1);
	assert_null(eng_metrics_row(r, 2));
	assert_int_equal(eng_metrics_rows(r), 2);
	eng_metric_add(row0, ok, 5);
	eng_metric_inc(row1, ok);
	eng_metric_inc(row1, ok);
	eng_metric_inc(row0, nf);
	/* opened in one worker, closed in another: rows go negative */
	eng_metric_inc(row0, open);
	eng_metric_sub(row1, open, 2);
	eng_metric_set(row0, open, -1);
	eng_metric_sub(row1, open, 1);
	assert_int_equal(eng_metric_value(r, ok), 7);
	assert_int_equal(eng_metric_value(r, ans), 42);
	text = eng_metrics_render(r, &len, &err);
	assert_non_null(text);
	assert_string_equal(text, want);
	assert_int_equal(len, strlen(want));
	free(text);
	eng_metrics_free(r);
}

static void register_errors(void **state)
{
	struct eng_metrics *r;
	int err = 0, i, id;
	char name[32];

	(void)state;
	assert_null(eng_metrics_new(0, 4, &err));
	assert_int_equal(err, -EINVAL);
	r = eng_metrics_new(1, 4, &err);
	assert_non_null(r);
	assert_int_equal(eng_metric_new(r, ENG_METRIC_COUNTER, "9lives", NULL,
					""), -EINVAL);
	assert_int_equal(eng_metric_new(r, ENG_METRIC_COUNTER, "a-b", NULL,
					""), -EINVAL);
	assert_int_equal(eng_metric_new(r, ENG_METRIC_COUNTER, "", NULL, ""),
			 -EINVAL);
	assert_int_equal(eng_metric_new(r, ENG_METRIC_COUNTER, "ok",
					"a=\"}\"", ""), -EINVAL);
	assert_int_equal(eng_metric_new(r, ENG_METRIC_COUNTER, "ok", "", ""),
			 -EINVAL);
	assert_int_equal(eng_metric_new(r, ENG_METRIC_COUNTER, "ok:x_1",
					NULL, ""), 0);
	assert_int_equal(eng_metric_new(r, ENG_METRIC_COUNTER, "ok:x_1",
					NULL, ""), -EEXIST);
	assert_int_equal(eng_metric_new(r, ENG_METRIC_GAUGE, "ok:x_1",
					"a=\"b\"", ""), -EINVAL);
	for (i = 1; i < 4; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		id = eng_metric_new(r, ENG_METRIC_GAUGE, name, NULL, "");
		assert_int_equal(id, i);
	}
	assert_int_equal(eng_metric_new(r, ENG_METRIC_GAUGE, "full", NULL,
					""), -ENOSPC);
	eng_metrics_free(r);
}

#define ADDS 2000000

struct adder {
	uint64_t *row;
	int id;
};

static void *add_main(void *arg)
{
	struct adder *a = arg;
	int i;

	for (i = 0; i < ADDS; i++)
		eng_metric_inc(a->row, a->id);
	return NULL;
}

/* Two writers on their rows, a reader rendering meanwhile: monotonic
 * sums while they run, the exact total after. */
static void concurrent_rows(void **state)
{
	struct eng_metrics *r;
	struct adder a[2];
	pthread_t th[2];
	uint64_t last = 0, v;
	int i, id, err = 0, renders = 0;
	size_t len;
	char *text;

	(void)state;
	r = eng_metrics_new(3, 0, &err);
	assert_non_null(r);
	id = eng_metric_new(r, ENG_METRIC_COUNTER, "c_total", NULL, "c");
	assert_int_equal(id, 0);
	for (i = 0; i < 2; i++) {
		a[i].row = eng_metrics_row(r, i + 1);
		a[i].id = id;
		assert_int_equal(pthread_create(&th[i], NULL, add_main, &a[i]),
				 0);
	}
	while (last < 2ull * ADDS && renders < 100000) {
		v = eng_metric_value(r, id);
		assert_true(v >= last);
		last = v;
		text = eng_metrics_render(r, &len, &err);
		assert_non_null(text);
		free(text);
		renders++;
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(eng_metric_value(r, id), 2ull * ADDS);
	eng_metrics_free(r);
}

/* Rows of different writers never share a cache line. */
static void rows_apart(void **state)
{
	struct eng_metrics *r;
	int err = 0;

	(void)state;
	r = eng_metrics_new(4, 3, &err);
	assert_non_null(r);
	assert_int_equal((uintptr_t)eng_metrics_row(r, 0) % 64, 0);
	assert_int_equal((uintptr_t)eng_metrics_row(r, 1) % 64, 0);
	assert_true((char *)eng_metrics_row(r, 1) -
		    (char *)eng_metrics_row(r, 0) >= 64);
	eng_metrics_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render_format),
		cmocka_unit_test(register_errors),
		cmocka_unit_test(concurrent_rows),
		cmocka_unit_test(rows_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
