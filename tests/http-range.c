/* SPDX-License-Identifier: MIT */
/*
 * tests/http-range.c - src/http/range.c and multipart.c: the three forms
 * of byte ranges against a file size, 416 and the cases that make the
 * field ignored, merging, the limit on the number of ranges, and the
 * multipart/byteranges framing with its exact length.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/range.h"

#include "helpers.h"

static struct http_ranges rs;

static int eval(const char *s, uint64_t size)
{
	return http_range_eval(s, strlen(s), size, &rs);
}

/* A single satisfiable range first..last. */
static void one(const char *s, uint64_t size, uint64_t first, uint64_t last)
{
	int st = eval(s, size);

	if (st != 206 || rs.n != 1 || rs.r[0].first != first ||
	    rs.r[0].last != last)
		fail_msg("\"%s\" size %llu: %d n=%u %llu-%llu, want %llu-%llu",
			 s, (unsigned long long)size, st, rs.n,
			 (unsigned long long)rs.r[0].first,
			 (unsigned long long)rs.r[0].last,
			 (unsigned long long)first, (unsigned long long)last);
}

static void status(const char *s, uint64_t size, int want)
{
	int st = eval(s, size);

	if (st != want)
		fail_msg("\"%s\" size %llu: %d, want %d", s,
			 (unsigned long long)size, st, want);
	if (st != 206)
		assert_int_equal(rs.n, 0);
}

static void single(void **state)
{
	(void)state;
	one("bytes=0-0", 100, 0, 0);
	one("bytes=0-99", 100, 0, 99);
	one("bytes=10-19", 100, 10, 19);
	one("bytes=99-99", 100, 99, 99);
	/* last beyond the end is clipped */
	one("bytes=90-1000", 100, 90, 99);
	one("bytes=0-18446744073709551615", 100, 0, 99);
	one("bytes=0-99999999999999999999999", 100, 0, 99);
	/* open-ended */
	one("bytes=0-", 100, 0, 99);
	one("bytes=99-", 100, 99, 99);
	/* suffix */
	one("bytes=-1", 100, 99, 99);
	one("bytes=-100", 100, 0, 99);
	one("bytes=-1000", 100, 0, 99);		/* larger than the file */
	one("bytes=-99999999999999999999999", 100, 0, 99);
	/* unit is case-insensitive; OWS and empty elements in the list */
	one("Bytes=1-2", 100, 1, 2);
	one("BYTES=1-2", 100, 1, 2);
	one("bytes= 1-2 ", 100, 1, 2);
	one("bytes=,1-2,", 100, 1, 2);
	one("bytes=1-2 , ", 100, 1, 2);
	/* one satisfiable among unsatisfiable ones */
	one("bytes=500-600,5-6,-0", 100, 5, 6);
}

static void unsatisfiable(void **state)
{
	(void)state;
	status("bytes=100-", 100, 416);
	status("bytes=100-200", 100, 416);
	status("bytes=1000-", 100, 416);
	status("bytes=99999999999999999999999-", 100, 416);
	status("bytes=-0", 100, 416);
	status("bytes=100-100,200-", 100, 416);
	/* an empty file: nothing can be had from first-pos */
	status("bytes=0-", 0, 416);
	status("bytes=0-0", 0, 416);
	status("bytes=-0", 0, 416);
}

/* Ignored: answer 200 with the whole file. */
static void ignored(void **state)
{
	static const char *const bad[] = {
		"", "bytes", "bytes=", "bytes= ", "bytes=,", "bytes=-",
		"bytes=a-b", "bytes=1-a", "bytes=5-4", "bytes=1-2-3",
		"bytes=1", "bytes=--1", "bytes=-1-", "bytes=+1-2",
		"bytes=1 -2", "bytes=1- 2", "bytes =1-2", "bytes:1-2",
		"items=1-2", "bytesx=1-2", "byte=1-2", "bytes=0x1-2",
		"bytes=1-2;x", "bytes=1-2,junk", "bytes=1-2,5-1",
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		status(bad[i], 100, 200);
	/* a suffix of an empty file is the whole empty file */
	status("bytes=-5", 0, 200);
	status("bytes=-5,0-", 0, 200);
}

static void multiple(void **state)
{
	(void)state;
	assert_int_equal(eval("bytes=0-9,20-29,-10", 100), 206);
	assert_int_equal(rs.n, 3);
	assert_true(rs.r[0].first == 0 && rs.r[0].last == 9);
	assert_true(rs.r[1].first == 20 && rs.r[1].last == 29);
	assert_true(rs.r[2].first == 90 && rs.r[2].last == 99);
	/* sorted */
	assert_int_equal(eval("bytes=50-59,0-9", 100), 206);
	assert_int_equal(rs.n, 2);
	assert_true(rs.r[0].first == 0 && rs.r[1].first == 50);
	/* overlapping and adjacent ranges merge */
	assert_int_equal(eval("bytes=0-9,5-14,15-20", 100), 206);
	assert_int_equal(rs.n, 1);
	assert_true(rs.r[0].first == 0 && rs.r[0].last == 20);
	assert_int_equal(eval("bytes=0-,0-,0-,0-,0-,0-,0-,0-", 100), 206);
	assert_int_equal(rs.n, 1);
	assert_true(rs.r[0].first == 0 && rs.r[0].last == 99);
	assert_int_equal(eval("bytes=-50,40-60,0-0", 100), 206);
	assert_int_equal(rs.n, 2);
	assert_true(rs.r[0].first == 0 && rs.r[0].last == 0);
	assert_true(rs.r[1].first == 40 && rs.r[1].last == 99);
	/* not adjacent: a gap of one byte stays */
	assert_int_equal(eval("bytes=0-9,11-20", 100), 206);
	assert_int_equal(rs.n, 2);
}

static void range_count_limit(void **state)
{
	char s[256];
	unsigned int i;
	int n;

	(void)state;
	/* 16 ranges: taken */
	n = sprintf(s, "bytes=");
	for (i = 0; i < HTTP_RANGES_MAX; i++)
		n += sprintf(s + n, "%u-%u,", 2 * i, 2 * i);
	s[n - 1] = '\0';
	assert_int_equal(eval(s, 1000), 206);
	assert_int_equal(rs.n, HTTP_RANGES_MAX);
	/* 17: ignored */
	sprintf(s + n - 1, ",%u-%u", 100, 100);
	assert_int_equal(eval(s, 1000), 200);
	/* the limit counts specs, even ones that select nothing */
	n = sprintf(s, "bytes=");
	for (i = 0; i <= HTTP_RANGES_MAX; i++)
		n += sprintf(s + n, "5000-,");
	assert_int_equal(eval(s, 1000), 200);
}

static void boundary(void **state)
{
	char a[HTTP_BOUNDARY_LEN + 1], b[HTTP_BOUNDARY_LEN + 1];
	unsigned int i;

	(void)state;
	http_multipart_boundary(a, 1);
	http_multipart_boundary(b, 2);
	assert_int_equal(strlen(a), HTTP_BOUNDARY_LEN);
	assert_string_not_equal(a, b);
	for (i = 0; i < HTTP_BOUNDARY_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	http_multipart_boundary(b, 1);
	assert_string_equal(a, b);
}

/* Builds the whole body for @rs over a file of letters, checks that its
 * length is http_multipart_length and its parts are where they should
 * be. */
static void build_and_check(const char *ctype, uint64_t size)
{
	char boundary[HTTP_BOUNDARY_LEN + 1], head[256];
	char *body = malloc(4096), *p = body, *q;
	unsigned int i;
	uint64_t want;
	ssize_t n;

	assert_non_null(body);
	http_multipart_boundary(boundary, 77);
	for (i = 0; i < rs.n; i++) {
		n = http_multipart_part(p, 256, boundary, ctype, &rs.r[i],
					size);
		assert_true(n > 0);
		p += n;
		memset(p, 'a' + (int)i, rs.r[i].last - rs.r[i].first + 1);
		p += rs.r[i].last - rs.r[i].first + 1;
	}
	n = http_multipart_end(p, 64, boundary);
	assert_true(n > 0);
	p += n;
	want = http_multipart_length(boundary, ctype, &rs, size);
	assert_int_equal((uint64_t)(p - body), want);
	/* the first part as a client sees it */
	snprintf(head, sizeof(head),
		 "\r\n--%s\r\n%s%s%sContent-Range: bytes %llu-%llu/%llu\r\n\r\n",
		 boundary, ctype ? "Content-Type: " : "", ctype ? ctype : "",
		 ctype ? "\r\n" : "", (unsigned long long)rs.r[0].first,
		 (unsigned long long)rs.r[0].last, (unsigned long long)size);
	assert_memory_equal(body, head, strlen(head));
	q = body + (p - body) - (8 + HTTP_BOUNDARY_LEN);
	assert_memory_equal(q, "\r\n--", 4);
	assert_memory_equal(q + 4 + HTTP_BOUNDARY_LEN, "--\r\n", 4);
	free(body);
}

static void multipart(void **state)
{
	char buf[256], boundary[HTTP_BOUNDARY_LEN + 1];

	(void)state;
	assert_int_equal(eval("bytes=0-9,20-29,-10", 12345), 206);
	build_and_check("text/plain; charset=utf-8", 12345);
	build_and_check(NULL, 12345);
	assert_int_equal(eval("bytes=0-0,2-2", 3), 206);
	build_and_check("image/png", 3);
	/* too small a buffer */
	http_multipart_boundary(boundary, 1);
	assert_int_equal(http_multipart_part(buf, 40, boundary, "a/b",
					     &rs.r[0], 3), -ENOSPC);
	assert_int_equal(http_multipart_end(buf, 10, boundary), -ENOSPC);
	assert_int_equal(http_multipart_end(buf, 8 + HTTP_BOUNDARY_LEN,
					    boundary), 8 + HTTP_BOUNDARY_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single),
		cmocka_unit_test(unsatisfiable),
		cmocka_unit_test(ignored),
		cmocka_unit_test(multiple),
		cmocka_unit_test(range_count_limit),
		cmocka_unit_test(boundary),
		cmocka_unit_test(multipart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
