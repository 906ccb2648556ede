/* SPDX-License-Identifier: MIT */
/*
 * tests/http-parse.c - src/http/parse.c, parse_fields.c and body.c: the
 * fields a request head yields, every rule that refuses one (smuggling
 * cases first), limits at exactly N and N + 1, pipelining, heads split at
 * every byte, and discarding bodies of both framings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parse.h"

#include "helpers.h"

static struct http_request req;

/* Parses @s in one call with a fresh parser and limits @lim. */
static ssize_t parse_lim(const char *s, const struct http_limits *lim)
{
	struct http_parser p;

	http_parser_init(&p, lim);
	return http_parse(&p, s, strlen(s), &req);
}

static ssize_t parse(const char *s)
{
	return parse_lim(s, NULL);
}

static bool str_is(const struct http_str *v, const char *s)
{
	return v->p && v->len == strlen(s) && !memcmp(v->p, s, v->len);
}

#define assert_str(v, s) assert_true(str_is(&(v), (s)))

static void simple_get(void **state)
{
	const char *s = "GET /docs/index.html?x=1&y HTTP/1.1\r\n"
			"Host: example.com:8080\r\n"
			"User-Agent: curl/7.88.1\r\n"
			"Accept: */*\r\n"
			"X-Empty:\r\n"
			"X-Pad: \t spaced out \t \r\n"
			"\r\n";

	(void)state;
	assert_int_equal(parse(s), strlen(s));
	assert_int_equal(req.head_len, strlen(s));
	assert_int_equal(req.method, HTTP_M_GET);
	assert_str(req.method_str, "GET");
	assert_str(req.target, "/docs/index.html?x=1&y");
	assert_str(req.path, "/docs/index.html");
	assert_str(req.query, "x=1&y");
	assert_true(req.has_query);
	assert_false(req.absolute_form);
	assert_int_equal(req.minor, 1);
	assert_true(req.keep_alive);
	assert_str(req.host, "example.com:8080");
	assert_str(req.user_agent, "curl/7.88.1");
	assert_null(req.referer.p);
	assert_null(req.range.p);
	assert_int_equal(req.body, HTTP_BODY_NONE);
	assert_int_equal(req.nr_fields, 5);
	assert_str(req.fields[0].name, "Host");
	assert_int_equal(req.fields[0].id, HTTP_H_HOST);
	assert_int_equal(req.fields[2].id, HTTP_H_OTHER);
	assert_str(req.fields[2].value, "*/*");
	/* sent but empty: a pointer and no bytes */
	assert_non_null(req.fields[3].value.p);
	assert_int_equal(req.fields[3].value.len, 0);
	assert_str(req.fields[4].value, "spaced out");
}

static void versions_and_keep_alive(void **state)
{
	static const struct {
		const char *head;
		int minor;
		bool keep_alive;
	} cases[] = {
		{ "HEAD / HTTP/1.0\r\n\r\n", 0, false },
		{ "HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0, true },
		{ "HEAD / HTTP/1.0\r\nConnection: Keep-Alive, x\r\n\r\n", 0,
		  true },
		{ "HEAD / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
		  0, false },
		{ "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", 1, true },
		{ "HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 1,
		  false },
		{ "HEAD / HTTP/1.1\r\nHost: a\r\nConnection: x\r\n"
		  "Connection: foo ,CLOSE\r\n\r\n", 1, false },
		/* a later 1.x minor is answered as 1.1 */
		{ "HEAD / HTTP/1.2\r\nHost: a\r\n\r\n", 1, true },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].head), strlen(cases[i].head));
		assert_int_equal(req.method, HTTP_M_HEAD);
		assert_int_equal(req.minor, cases[i].minor);
		assert_int_equal(req.keep_alive, cases[i].keep_alive);
	}
}

struct bad {
	const char *head;
	int status;
};

static void check_bad(const struct bad *cases, unsigned int n)
{
	unsigned int i;
	ssize_t ret;

	for (i = 0; i < n; i++) {
		ret = parse(cases[i].head);
		if (ret != cases[i].status)
			fail_msg("case %u: %zd, want %d: %s", i, ret,
				 cases[i].status, cases[i].head);
	}
}

#define CHECK_BAD(c) check_bad(c, sizeof(c) / sizeof(c[0]))

/* The cases behind request smuggling: framing two parsers could read
 * differently. */
static void smuggling(void **state)
{
	static const struct bad cases[] = {
		/* bare LF, bare CR */
		{ "GET / HTTP/1.1\nHost: a\n\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: \r\r\n\r\n", -400 },
		{ "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		/* obs-fold, whitespace before the first field */
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\n Host: a\r\n\r\n", -400 },
		/* whitespace or junk in or after the field name */
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHo st: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX\"y: 1\r\n\r\n", -400 },
		/* controls in values */
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01" "b\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", -400 },
		/* Content-Length with Transfer-Encoding, either order */
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		  "Content-Length: 5\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		  "Content-Length: 0\r\n\r\n", -400 },
		/* invalid or conflicting Content-Length */
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
		  "Content-Length: 6\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n",
		  -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
		  -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
		  -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n",
		  -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n",
		  -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: ,\r\n\r\n",
		  -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1.0\r\n\r\n",
		  -400 },
		/* Transfer-Encoding whose end cannot be known */
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
		  -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n"
		  "Transfer-Encoding: chunked, gzip\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		  "Transfer-Encoding: gzip\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n",
		  -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n"
		  "Transfer-Encoding: chunked;x=1\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n"
		  "Transfer-Encoding: \"chunked\"\r\n\r\n", -400 },
		{ "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -400 },
		/* unknown codings: 501 */
		{ "GET / HTTP/1.1\r\nHost: a\r\n"
		  "Transfer-Encoding: foo, chunked\r\n\r\n", -501 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n"
		  "Transfer-Encoding: chunkedx\r\n\r\n", -501 },
		/* Host: missing in 1.1, twice, or not a host */
		{ "GET / HTTP/1.1\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", -400 },
		/* singletons sent twice */
		{ "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\n"
		  "Range: bytes=5-9\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Range: \"x\"\r\n"
		  "If-Range: \"y\"\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: x\r\n"
		  "If-Modified-Since: y\r\n\r\n", -400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Unmodified-Since: x\r\n"
		  "If-Unmodified-Since: y\r\n\r\n", -400 },
	};

	(void)state;
	CHECK_BAD(cases);
}

static void request_line_errors(void **state)
{
	static const struct bad cases[] = {
		{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -400 },
		{ " GET / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /\tx HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET / http/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1.10\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/1\r\nHost: a\r\n\r\n", -400 },
		{ "GET / HTTP/a.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /\r\nHost: a\r\n\r\n", -400 },
		{ "GET\r\n\r\n", -400 },
		{ "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		/* targets: characters a client must encode, fragments */
		{ "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /a\\b HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /a\"b HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /a<b> HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		/* forms other than origin and absolute for GET */
		{ "GET * HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET a.b:443 HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET http://u@a/x HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		{ "GET http://a:b/x HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
		/* versions */
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", -505 },
		{ "GET / HTTP/0.9\r\nHost: a\r\n\r\n", -505 },
		{ "GET / HTTP/3.0\r\n\r\n", -505 },
		/* methods: case-sensitive; known but not allowed -> 405 */
		{ "get / HTTP/1.1\r\nHost: a\r\n\r\n", -501 },
		{ "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", -501 },
		{ "POST / HTTP/1.1\r\nHost: a\r\n\r\n", -405 },
		{ "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n",
		  -405 },
		{ "DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n", -405 },
		{ "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", -405 },
		{ "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", -405 },
		{ "TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", -405 },
		{ "PATCH / HTTP/1.1\r\nHost: a\r\n\r\n", -405 },
	};

	(void)state;
	CHECK_BAD(cases);
}

/* What an error leaves for the access log. */
static void error_keeps_line(void **state)
{
	static const char nul_target[] =
		"GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char nul_value[] =
		"GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	struct http_parser p;

	(void)state;
	http_parser_init(&p, NULL);
	assert_int_equal(http_parse(&p, nul_target, sizeof(nul_target) - 1,
				    &req), -400);
	http_parser_init(&p, NULL);
	assert_int_equal(http_parse(&p, nul_value, sizeof(nul_value) - 1,
				    &req), -400);
	assert_int_equal(parse("POST /form HTTP/1.1\r\nHost: a\r\n\r\n"),
			 -405);
	assert_int_equal(req.method, HTTP_M_POST);
	assert_str(req.method_str, "POST");
	assert_str(req.target, "/form");
	assert_string_equal(http_method_name(HTTP_M_POST), "POST");
	assert_string_equal(http_method_name(HTTP_M_UNKNOWN), "");
	assert_string_equal(http_method_name((enum http_method)99), "");
}

static void absolute_form(void **state)
{
	const char *a = "GET http://Example.org:81/x/y?q=1 HTTP/1.1\r\n"
			"Host: other\r\n\r\n";
	const char *b = "GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n";
	const char *c = "GET http://[::1]:8080?z HTTP/1.1\r\nHost: x\r\n\r\n";

	(void)state;
	assert_int_equal(parse(a), strlen(a));
	assert_true(req.absolute_form);
	/* the target's authority wins over the Host field */
	assert_str(req.host, "Example.org:81");
	assert_str(req.path, "/x/y");
	assert_str(req.query, "q=1");
	assert_int_equal(parse(b), strlen(b));
	assert_str(req.host, "h");
	assert_str(req.path, "/");
	assert_false(req.has_query);
	assert_int_equal(parse(c), strlen(c));
	assert_str(req.host, "[::1]:8080");
	assert_str(req.path, "/");
	assert_true(req.has_query);
	assert_str(req.query, "z");
}

static void hosts(void **state)
{
	static const char *const ok[] = {
		"", "a", "a.b.c", "a:80", "a:", "127.0.0.1:8080", "[::1]",
		"[::1]:80", "[v1.x]", "xn--bcher-kva.example", "a%41b",
		"a!$&'()*+,;=b",
	};
	char head[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(head, sizeof(head),
			 "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", ok[i]);
		assert_int_equal(parse(head), strlen(head));
		assert_str(req.host, ok[i]);
	}
	/* 1.0 without Host: fine, and host stays unset */
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n"), 18);
	assert_null(req.host.p);
}

static void conditional_fields(void **state)
{
	const char *s = "GET /f HTTP/1.1\r\nHost: a\r\n"
			"If-None-Match: \"a\", \"b\"\r\n"
			"if-none-match: W/\"c\"\r\n"
			"If-Match: *\r\n"
			"If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			"If-Unmodified-Since: x\r\n"
			"If-Range: \"a\"\r\n"
			"RANGE: bytes=0-9\r\n"
			"Referer: http://r/\r\n"
			"Expect: 100-Continue\r\n\r\n";

	(void)state;
	assert_int_equal(parse(s), strlen(s));
	assert_int_equal(req.nr_if_none_match, 2);
	assert_str(req.if_none_match, "\"a\", \"b\"");
	assert_int_equal(req.nr_if_match, 1);
	assert_str(req.if_match, "*");
	assert_str(req.if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_str(req.if_unmodified_since, "x");
	assert_str(req.if_range, "\"a\"");
	assert_str(req.range, "bytes=0-9");
	assert_str(req.referer, "http://r/");
	assert_true(req.expect_continue);
	assert_int_equal(req.fields[2].id, HTTP_H_IF_NONE_MATCH);
}

static void leading_empty_lines(void **state)
{
	const char *s = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";

	(void)state;
	assert_int_equal(parse(s), strlen(s));
	assert_str(req.target, "/");
	/* only empty lines so far: wait */
	assert_int_equal(parse("\r\n\r\n"), 0);
	assert_int_equal(parse("\r"), 0);
}

/* Every proper prefix needs more; the whole parses; fed one byte at a
 * time to one parser, the answer comes exactly at the last byte. */
static void split_every_byte(void **state)
{
	static const char *const heads[] = {
		("GET /a/b?c HTTP/1.1\r\nHost: example.com\r\n"
		 "Range: bytes=1-2\r\nConnection: close\r\n\r\n"),
		"\r\nHEAD / HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n",
	};
	struct http_parser p;
	unsigned int i;
	size_t n, k, len;
	ssize_t ret;

	(void)state;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		len = strlen(heads[i]);
		http_parser_init(&p, NULL);
		for (n = 1; n < len; n++)
			assert_int_equal(http_parse(&p, heads[i], n, &req), 0);
		assert_int_equal(http_parse(&p, heads[i], len, &req), len);
		/* two reads, split at every point */
		for (k = 1; k < len; k++) {
			http_parser_init(&p, NULL);
			assert_int_equal(http_parse(&p, heads[i], k, &req), 0);
			ret = http_parse(&p, heads[i], len, &req);
			assert_int_equal(ret, len);
		}
	}
}

/* An error shows up as soon as its byte arrives, byte by byte too. */
static void split_errors(void **state)
{
	const char *s = "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n";
	struct http_parser p;
	size_t n, len = strlen(s);
	ssize_t ret = 0;

	(void)state;
	http_parser_init(&p, NULL);
	for (n = 1; n <= len && !ret; n++)
		ret = http_parse(&p, s, n, &req);
	assert_int_equal(ret, -400);
	/* a bad request line is refused when it ends, not the head */
	http_parser_init(&p, NULL);
	s = "GET  / HTTP/1.1\r\n";
	http_parser_init(&p, NULL);
	assert_int_equal(http_parse(&p, s, strlen(s), &req), -400);
	s = "POST / HTTP/1.1\r\nHo";
	http_parser_init(&p, NULL);
	assert_int_equal(http_parse(&p, s, strlen(s), &req), -405);
	s = "GET / HTTP/2.0\r\n";
	http_parser_init(&p, NULL);
	assert_int_equal(http_parse(&p, s, strlen(s), &req), -505);
	/* a bare LF is refused at once, not when the head ends */
	http_parser_init(&p, NULL);
	assert_int_equal(http_parse(&p, "GET / HTTP/1.1\n", 15, &req), -400);
}

static void pipelined(void **state)
{
	const char *s = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
			"HEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n"
			"GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
			"GET /4 HTT";
	static const char *const paths[] = { "/1", "/2", "/3" };
	struct http_parser p;
	size_t off = 0, len = strlen(s);
	unsigned int i;
	ssize_t ret;

	(void)state;
	http_parser_init(&p, NULL);
	for (i = 0; i < 3; i++) {
		ret = http_parse(&p, s + off, len - off, &req);
		assert_true(ret > 0);
		assert_str(req.path, paths[i]);
		off += (size_t)ret;
		http_parser_reset(&p);
	}
	assert_false(req.keep_alive);
	assert_int_equal(http_parse(&p, s + off, len - off, &req), 0);
}

static void set_limits(struct http_limits *lim, size_t head, size_t uri,
		       unsigned int fields)
{
	http_limits_default(lim);
	lim->max_head = head;
	lim->max_uri = uri;
	lim->max_fields = fields;
}

/* "GET /xxx... HTTP/1.1\r\nHost: a\r\n\r\n" with a target of @n bytes */
static char *head_with_target(size_t n)
{
	char *s = malloc(n + 64);
	size_t i;

	assert_non_null(s);
	strcpy(s, "GET /");
	for (i = 1; i < n; i++)
		s[4 + i] = 'x';
	strcpy(s + 4 + n, " HTTP/1.1\r\nHost: a\r\n\r\n");
	return s;
}

static void limit_uri(void **state)
{
	struct http_limits lim;
	struct http_parser p;
	char *s;

	(void)state;
	set_limits(&lim, 4096, 100, 10);
	s = head_with_target(100);
	assert_int_equal(parse_lim(s, &lim), strlen(s));
	assert_int_equal(req.target.len, 100);
	free(s);
	s = head_with_target(101);
	assert_int_equal(parse_lim(s, &lim), -414);
	/* refused while the line still arrives: 101 target bytes, no SP */
	http_parser_init(&p, &lim);
	assert_int_equal(http_parse(&p, s, 4 + 100, &req), 0);
	assert_int_equal(http_parse(&p, s, 4 + 101, &req), -414);
	free(s);
	/* the defaults: 8192 */
	s = head_with_target(8192);
	assert_int_equal(parse(s), strlen(s));
	free(s);
	s = head_with_target(8193);
	assert_int_equal(parse(s), -414);
	free(s);
}

static void limit_fields(void **state)
{
	const char *three = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n";
	const char *four = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n"
			   "C: 3\r\n\r\n";
	struct http_limits lim;
	char *s, *p;
	unsigned int i;

	(void)state;
	set_limits(&lim, 4096, 100, 3);
	assert_int_equal(parse_lim(three, &lim), strlen(three));
	assert_int_equal(parse_lim(four, &lim), -431);
	/* never more than the array holds, whatever the limit says */
	set_limits(&lim, 1 << 20, 100, 100000);
	s = malloc(64 + 8 * (HTTP_FIELDS_MAX + 1));
	assert_non_null(s);
	p = s + sprintf(s, "GET / HTTP/1.1\r\n");
	for (i = 0; i < HTTP_FIELDS_MAX - 1; i++)
		p += sprintf(p, "X: %u\r\n", i % 10);
	strcpy(p, "Host: a\r\n\r\n");
	assert_int_equal(parse_lim(s, &lim), strlen(s));
	assert_int_equal(req.nr_fields, HTTP_FIELDS_MAX);
	strcpy(p, "Y: 1\r\nHost: a\r\n\r\n");
	assert_int_equal(parse_lim(s, &lim), -431);
	free(s);
}

/* A head of exactly max_head bytes is taken; one more is 431. */
static void limit_head(void **state)
{
	char s[256];
	struct http_limits lim;
	struct http_parser p;
	size_t len;

	(void)state;
	set_limits(&lim, 64, 32, 10);
	strcpy(s, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	len = strlen(s);
	memset(s + len, 'v', 64 - 4 - len);
	strcpy(s + 60, "\r\n\r\n");
	assert_int_equal(strlen(s), 64);
	assert_int_equal(parse_lim(s, &lim), 64);
	/* 65: refused complete, and refused at byte 64 when incremental */
	memmove(s + 28, s + 27, 38);
	assert_int_equal(strlen(s), 65);
	assert_int_equal(parse_lim(s, &lim), -431);
	http_parser_init(&p, &lim);
	assert_int_equal(http_parse(&p, s, 63, &req), 0);
	assert_int_equal(http_parse(&p, s, 64, &req), -431);
	/* with the request line unfinished at the limit: 414 */
	memset(s, 'a', sizeof(s));
	memcpy(s, "GET /", 5);
	http_parser_init(&p, &lim);
	set_limits(&lim, 64, 100, 10);
	assert_int_equal(http_parse(&p, s, 64, &req), -414);
	/* empty lines before the head count too */
	memset(s, 0, sizeof(s));
	for (len = 0; len < 64; len += 2)
		memcpy(s + len, "\r\n", 2);
	strcpy(s + 64, "GET / HTTP/1.0\r\n\r\n");
	assert_int_equal(parse_lim(s, &lim), -400);
}

static void long_method(void **state)
{
	struct http_parser p;
	char s[64];

	(void)state;
	memset(s, 'M', sizeof(s));
	http_parser_init(&p, NULL);
	assert_int_equal(http_parse(&p, s, 32, &req), 0);
	assert_int_equal(http_parse(&p, s, 33, &req), -501);
}

static void body_length(void **state)
{
	const char *s = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
			"helloGET /next HTTP/1.1\r\nHost: a\r\n\r\n";
	struct http_parser p;
	struct http_body b;
	ssize_t head, n;

	(void)state;
	http_parser_init(&p, NULL);
	head = http_parse(&p, s, strlen(s), &req);
	assert_true(head > 0);
	assert_int_equal(req.body, HTTP_BODY_LENGTH);
	assert_int_equal(req.content_length, 5);
	http_body_init(&b, &req, NULL);
	assert_false(b.done);
	assert_int_equal(http_body_skip(&b, s + head, 2), 2);
	assert_false(b.done);
	n = http_body_skip(&b, s + head + 2, strlen(s) - (size_t)head - 2);
	assert_int_equal(n, 3);
	assert_true(b.done);
	assert_int_equal(http_body_skip(&b, s, 10), 0);
	http_parser_reset(&p);
	s += head + 5;
	assert_int_equal(http_parse(&p, s, strlen(s), &req), strlen(s));
	assert_str(req.path, "/next");
	/* Content-Length: 0 is no body; "7, 7" and twice the same are one */
	assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\n"
			  "Content-Length: 0\r\n\r\n") > 0);
	assert_int_equal(req.body, HTTP_BODY_NONE);
	http_body_init(&b, &req, NULL);
	assert_true(b.done);
	assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\n"
			  "Content-Length: 7, 7\r\nContent-Length: 7\r\n\r\n")
		    > 0);
	assert_int_equal(req.content_length, 7);
}

static void body_limits(void **state)
{
	struct http_limits lim;
	char s[128];

	(void)state;
	http_limits_default(&lim);
	lim.max_body = 10;
	strcpy(s, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n");
	assert_true(parse_lim(s, &lim) > 0);
	strcpy(s, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n");
	assert_int_equal(parse_lim(s, &lim), -413);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: "
			       "99999999999999999999999\r\n\r\n"), -413);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: "
			       "65537\r\n\r\n"), -413);
}

/* Skips @body (after a chunked head) byte by byte and in one go. */
static ssize_t skip_chunked(const char *body, size_t len, uint64_t max,
			    bool bytewise)
{
	struct http_limits lim;
	struct http_body b;
	size_t off = 0;
	ssize_t n;

	http_limits_default(&lim);
	lim.max_body = max;
	assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\n"
			  "Transfer-Encoding: gzip, Chunked\r\n\r\n") > 0);
	assert_int_equal(req.body, HTTP_BODY_CHUNKED);
	http_body_init(&b, &req, &lim);
	while (off < len && !b.done) {
		n = http_body_skip(&b, body + off, bytewise ? 1 : len - off);
		if (n < 0)
			return n;
		off += (size_t)n;
	}
	return b.done ? (ssize_t)off : 0;
}

static void body_chunked(void **state)
{
	static const struct {
		const char *body;
		ssize_t want;	/* consumed, 0 for unfinished, or -status */
	} cases[] = {
		{ "5\r\nhello\r\n0\r\n\r\nNEXT", 15 },
		{ "5;ext=1;q=\"x y\"\r\nhello\r\n0\r\n\r\n", 29 },
		{ "5 ;a\r\nhello\r\n000\r\nTrailer: x\r\nB: y\r\n\r\n", 38 },
		{ "A\r\n0123456789\r\n0\r\n\r\n", 20 },
		{ "0\r\n\r\n", 5 },
		{ "5\r\nhel", 0 },
		{ "5\r\nhelloX", -400 },
		{ "5\r\nhello\rX", -400 },
		{ "z\r\n", -400 },
		{ "\r\n", -400 },
		{ "5\n", -400 },
		{ "5\r\r", -400 },
		{ "5;a\x01\r\n", -400 },
		{ "0\r\n x: y\r\n\r\n", -400 },
		{ "0\r\nx: y\n", -400 },
		{ "0\r\n\r\r", -400 },
		{ "65\r\n", -413 },
		{ "fffffffffffffffffffffff\r\n", -413 },
		{ "40\r\n", 0 },
	};
	unsigned int i, bytewise;
	ssize_t ret;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (bytewise = 0; bytewise < 2; bytewise++) {
			ret = skip_chunked(cases[i].body, strlen(cases[i].body),
					   64, bytewise);
			if (ret != cases[i].want)
				fail_msg("case %u (%s): %zd, want %zd", i,
					 bytewise ? "bytewise" : "whole", ret,
					 cases[i].want);
		}
}

static void body_chunked_lines_bounded(void **state)
{
	static char s[10000];
	ssize_t ret;

	(void)state;
	/* leading zeros and extensions cannot go on for ever */
	memset(s, '0', 9999);
	ret = skip_chunked(s, 9999, 64, false);
	assert_int_equal(ret, -400);
	memcpy(s, "1;", 2);
	memset(s + 2, 'e', 9997);
	ret = skip_chunked(s, 9999, 64, false);
	assert_int_equal(ret, -400);
	memcpy(s, "0\r\nX: ", 6);
	memset(s + 6, 'v', 9993);
	ret = skip_chunked(s, 9999, 64, false);
	assert_int_equal(ret, -400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(simple_get),
		cmocka_unit_test(versions_and_keep_alive),
		cmocka_unit_test(smuggling),
		cmocka_unit_test(request_line_errors),
		cmocka_unit_test(error_keeps_line),
		cmocka_unit_test(absolute_form),
		cmocka_unit_test(hosts),
		cmocka_unit_test(conditional_fields),
		cmocka_unit_test(leading_empty_lines),
		cmocka_unit_test(split_every_byte),
		cmocka_unit_test(split_errors),
		cmocka_unit_test(pipelined),
		cmocka_unit_test(limit_uri),
		cmocka_unit_test(limit_fields),
		cmocka_unit_test(limit_head),
		cmocka_unit_test(long_method),
		cmocka_unit_test(body_length),
		cmocka_unit_test(body_limits),
		cmocka_unit_test(body_chunked),
		cmocka_unit_test(body_chunked_lines_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
