/* SPDX-License-Identifier: MIT */
/*
 * tests/http-cond.c - src/http/etag.c and cond.c: making ETags, strong
 * and weak comparison, entity-tag lists, and the precedence of RFC 9110
 * §13.2.2 over real parsed requests (If-Match, If-Unmodified-Since,
 * If-None-Match, If-Modified-Since, then If-Range).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/cond.h"
#include "http/date.h"
#include "http/parse.h"

#include "helpers.h"

#define MTIME 784111777LL	/* Sun, 06 Nov 1994 08:49:37 GMT */
#define NOW 1767225600LL
#define ETAG "\"abc-123\""

static struct http_request req;
static struct http_entity ent = {
	.etag = ETAG,
	.etag_len = sizeof(ETAG) - 1,
	.mtime = MTIME,
	.has_mtime = true,
};

/*
 * Parses "METHOD / HTTP/1.1" with Host and the field lines @fields, and
 * evaluates it; returns the status, *@range = use_range.
 */
static int eval_m(const char *method, const char *fields, bool *range)
{
	struct http_parser p;
	struct http_cond c;
	char head[1024];
	int st;

	snprintf(head, sizeof(head), "%s / HTTP/1.1\r\nHost: a\r\n%s\r\n",
		 strcmp(method, "HEAD") ? "GET" : "HEAD", fields);
	http_parser_init(&p, NULL);
	assert_int_equal(http_parse(&p, head, strlen(head), &req),
			 strlen(head));
	/* http_parse refuses other methods; cond must still handle them */
	if (!strcmp(method, "POST"))
		req.method = HTTP_M_POST;
	st = http_cond_eval(&req, &ent, NOW, &c);
	assert_int_equal(st, c.status);
	if (range)
		*range = c.use_range;
	return st;
}

static int eval(const char *fields)
{
	return eval_m("GET", fields, NULL);
}

static void make(void **state)
{
	char a[HTTP_ETAG_MAX + 1], b[HTTP_ETAG_MAX + 1];
	size_t n;

	(void)state;
	n = http_etag_make(a, 1234, 4096, 1700000000123456789LL);
	assert_int_equal(n, strlen(a));
	assert_true(n <= HTTP_ETAG_MAX);
	assert_int_equal(a[0], '"');
	assert_int_equal(a[n - 1], '"');
	assert_memory_equal(a, "\"1000-", 6);
	assert_true(http_etag_eq_strong(a, n, a, n));
	/* any of inode, size, mtime changes it */
	http_etag_make(b, 1235, 4096, 1700000000123456789LL);
	assert_string_not_equal(a, b);
	http_etag_make(b, 1234, 4097, 1700000000123456789LL);
	assert_string_not_equal(a, b);
	http_etag_make(b, 1234, 4096, 1700000000123456790LL);
	assert_string_not_equal(a, b);
	/* the longest there can be fits */
	n = http_etag_make(a, UINT64_MAX, UINT64_MAX, INT64_MIN);
	assert_true(n <= HTTP_ETAG_MAX);
	assert_int_equal(strlen(a), n);
}

static void compare(void **state)
{
	(void)state;
	assert_true(http_etag_eq_strong("\"x\"", 3, "\"x\"", 3));
	assert_false(http_etag_eq_strong("\"x\"", 3, "\"y\"", 3));
	assert_false(http_etag_eq_strong("W/\"x\"", 5, "\"x\"", 3));
	assert_false(http_etag_eq_strong("\"x\"", 3, "W/\"x\"", 5));
	assert_false(http_etag_eq_strong("W/\"x\"", 5, "W/\"x\"", 5));
	assert_true(http_etag_eq_weak("W/\"x\"", 5, "\"x\"", 3));
	assert_true(http_etag_eq_weak("W/\"x\"", 5, "W/\"x\"", 5));
	assert_false(http_etag_eq_weak("W/\"x\"", 5, "W/\"xy\"", 6));
	assert_true(http_etag_eq_strong("\"\"", 2, "\"\"", 2));
	/* malformed never matches, not even itself */
	assert_false(http_etag_eq_weak("x", 1, "x", 1));
	assert_false(http_etag_eq_weak("\"x", 2, "\"x", 2));
	assert_false(http_etag_eq_weak("w/\"x\"", 5, "w/\"x\"", 5));
	assert_false(http_etag_eq_weak("\"a b\"", 5, "\"a b\"", 5));
	assert_false(http_etag_eq_weak("\"", 1, "\"", 1));
	assert_false(http_etag_eq_weak("W/", 2, "W/", 2));
}

static int lm(const char *list, bool weak)
{
	return http_etag_list_match(list, strlen(list), ETAG, strlen(ETAG),
				    weak);
}

static void lists(void **state)
{
	(void)state;
	assert_int_equal(lm("*", false), 1);
	assert_int_equal(lm(ETAG, false), 1);
	assert_int_equal(lm("\"a\", " ETAG, false), 1);
	assert_int_equal(lm("\"a\",\"b\"", false), 0);
	assert_int_equal(lm(" , \"a\" ,, " ETAG " ,", false), 1);
	assert_int_equal(lm("W/" ETAG, false), 0);
	assert_int_equal(lm("W/" ETAG, true), 1);
	/* a comma inside a tag is part of it */
	assert_int_equal(lm("\"abc-123,x\"", true), 0);
	assert_int_equal(http_etag_list_match("\"a,b\"", 5, "\"a,b\"", 5,
					      false), 1);
	/* malformed */
	assert_int_equal(lm("abc", true), -EINVAL);
	assert_int_equal(lm("\"a\", b", true), -EINVAL);
	assert_int_equal(lm("*, \"a\"", true), -EINVAL);
	assert_int_equal(lm("\"unterminated", true), -EINVAL);
	/* empty list: nothing matches */
	assert_int_equal(lm("", true), 0);
	/* no tag of our own: only "*" matches */
	assert_int_equal(http_etag_list_match("\"a\"", 3, NULL, 0, true), 0);
	assert_int_equal(http_etag_list_match("*", 1, NULL, 0, true), 1);
}

static void if_match(void **state)
{
	(void)state;
	assert_int_equal(eval("If-Match: " ETAG "\r\n"), 0);
	assert_int_equal(eval("If-Match: *\r\n"), 0);
	assert_int_equal(eval("If-Match: \"other\"\r\n"), 412);
	/* strong comparison: a weak tag does not do */
	assert_int_equal(eval("If-Match: W/" ETAG "\r\n"), 412);
	/* malformed: no tag matched */
	assert_int_equal(eval("If-Match: nope\r\n"), 412);
	/* several field lines are one list */
	assert_int_equal(eval("If-Match: \"x\"\r\nIf-Match: " ETAG "\r\n"), 0);
	/* If-Match wins over If-Unmodified-Since */
	assert_int_equal(eval("If-Match: " ETAG "\r\n"
			      "If-Unmodified-Since: "
			      "Sat, 01 Jan 1994 00:00:00 GMT\r\n"), 0);
}

static void if_unmodified_since(void **state)
{
	(void)state;
	assert_int_equal(eval("If-Unmodified-Since: "
			      "Sun, 06 Nov 1994 08:49:37 GMT\r\n"), 0);
	assert_int_equal(eval("If-Unmodified-Since: "
			      "Sun, 06 Nov 1994 08:49:36 GMT\r\n"), 412);
	assert_int_equal(eval("If-Unmodified-Since: "
			      "Sunday, 06-Nov-94 08:49:38 GMT\r\n"), 0);
	/* an invalid date: the field is ignored */
	assert_int_equal(eval("If-Unmodified-Since: yesterday\r\n"), 0);
}

static void if_none_match(void **state)
{
	bool r;

	(void)state;
	assert_int_equal(eval("If-None-Match: " ETAG "\r\n"), 304);
	assert_int_equal(eval_m("HEAD", "If-None-Match: " ETAG "\r\n", NULL),
			 304);
	/* weak comparison */
	assert_int_equal(eval("If-None-Match: W/" ETAG "\r\n"), 304);
	assert_int_equal(eval("If-None-Match: *\r\n"), 304);
	assert_int_equal(eval("If-None-Match: \"a\", \"b\"\r\n"), 0);
	assert_int_equal(eval("If-None-Match: \"a\"\r\n"
			      "If-None-Match: \"b\", " ETAG "\r\n"), 304);
	/* present and not matching: If-Modified-Since is not looked at */
	assert_int_equal(eval("If-None-Match: \"a\"\r\nIf-Modified-Since: "
			      "Sun, 06 Nov 1994 08:49:37 GMT\r\n"), 0);
	/* malformed: treated as absent, so If-Modified-Since decides */
	assert_int_equal(eval("If-None-Match: junk\r\nIf-Modified-Since: "
			      "Sun, 06 Nov 1994 08:49:37 GMT\r\n"), 304);
	assert_int_equal(eval("If-None-Match: junk\r\n"), 0);
	/* other methods get 412 where GET gets 304 */
	assert_int_equal(eval_m("POST", "If-None-Match: " ETAG "\r\n", NULL),
			 412);
	assert_int_equal(eval_m("POST", "If-Modified-Since: "
				"Sun, 06 Nov 1994 08:49:37 GMT\r\n", NULL), 0);
	/* 412 before 304 */
	assert_int_equal(eval("If-Match: \"x\"\r\n"
			      "If-None-Match: " ETAG "\r\n"), 412);
	/* a 304 has no range */
	assert_int_equal(eval_m("GET", "If-None-Match: " ETAG "\r\n"
				"Range: bytes=0-1\r\n", &r), 304);
	assert_false(r);
}

static void if_modified_since(void **state)
{
	(void)state;
	assert_int_equal(eval("If-Modified-Since: "
			      "Sun, 06 Nov 1994 08:49:37 GMT\r\n"), 304);
	assert_int_equal(eval("If-Modified-Since: "
			      "Sun Nov  6 08:49:38 1994\r\n"), 304);
	assert_int_equal(eval("If-Modified-Since: "
			      "Sun, 06 Nov 1994 08:49:36 GMT\r\n"), 0);
	assert_int_equal(eval("If-Modified-Since: not a date\r\n"), 0);
	/* without an mtime there is nothing to compare */
	ent.has_mtime = false;
	assert_int_equal(eval("If-Modified-Since: "
			      "Sun, 06 Nov 1994 08:49:37 GMT\r\n"), 0);
	assert_int_equal(eval("If-Unmodified-Since: "
			      "Sun, 06 Nov 1994 08:49:36 GMT\r\n"), 0);
	ent.has_mtime = true;
}

static void if_range(void **state)
{
	bool r;

	(void)state;
	/* no Range: no range, whatever If-Range says */
	assert_int_equal(eval_m("GET", "If-Range: " ETAG "\r\n", &r), 0);
	assert_false(r);
	assert_int_equal(eval_m("GET", "Range: bytes=0-1\r\n", &r), 0);
	assert_true(r);
	assert_int_equal(eval_m("HEAD", "Range: bytes=0-1\r\n", &r), 0);
	assert_false(r);
	assert_int_equal(eval_m("GET", "Range: bytes=0-1\r\nIf-Range: " ETAG
				"\r\n", &r), 0);
	assert_true(r);
	assert_int_equal(eval_m("GET", "Range: bytes=0-1\r\nIf-Range: "
				"\"old\"\r\n", &r), 0);
	assert_false(r);
	/* weak tags never do for If-Range */
	assert_int_equal(eval_m("GET", "Range: bytes=0-1\r\nIf-Range: W/" ETAG
				"\r\n", &r), 0);
	assert_false(r);
	/* a date must be exactly Last-Modified */
	assert_int_equal(eval_m("GET", "Range: bytes=0-1\r\nIf-Range: "
				"Sun, 06 Nov 1994 08:49:37 GMT\r\n", &r), 0);
	assert_true(r);
	assert_int_equal(eval_m("GET", "Range: bytes=0-1\r\nIf-Range: "
				"Sun, 06 Nov 1994 08:49:38 GMT\r\n", &r), 0);
	assert_false(r);
	assert_int_equal(eval_m("GET", "Range: bytes=0-1\r\nIf-Range: "
				"garbage\r\n", &r), 0);
	assert_false(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(make),
		cmocka_unit_test(compare),
		cmocka_unit_test(lists),
		cmocka_unit_test(if_match),
		cmocka_unit_test(if_unmodified_since),
		cmocka_unit_test(if_none_match),
		cmocka_unit_test(if_modified_since),
		cmocka_unit_test(if_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
