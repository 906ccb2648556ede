/* SPDX-License-Identifier: MIT */
/*
 * tests/http-resp.c - src/http/resp.c, status.c and html.c: response
 * heads byte for byte, error responses whose Content-Length matches their
 * body (and HEAD's that have none), -ENOSPC at every buffer size without
 * writing past it, redirect Locations, HTML escaping, and the directory
 * listing with hostile names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/date.h"
#include "http/resp.h"

#include "helpers.h"

static char buf[8192];

static void head_full(void **state)
{
	struct http_resp r = {
		.status = 206,
		.keep_alive = true,
		.date = "Sun, 06 Nov 1994 08:49:37 GMT",
		.server = "zcio/0.1",
		.has_content_length = true,
		.content_length = 10,
		.content_type = "text/plain; charset=utf-8",
		.has_last_modified = true,
		.last_modified = 0,
		.etag = "\"a-b\"",
		.accept_ranges = true,
		.content_range = HTTP_CR_BYTES,
		.range = { 5, 14 },
		.size = 100,
		.extra = "X-A: 1\r\n",
	};
	const char *want =
		"HTTP/1.1 206 Partial Content\r\n"
		"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		"Server: zcio/0.1\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 10\r\n"
		"Last-Modified: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
		"ETag: \"a-b\"\r\n"
		"Accept-Ranges: bytes\r\n"
		"Content-Range: bytes 5-14/100\r\n"
		"Connection: keep-alive\r\n"
		"X-A: 1\r\n"
		"\r\n";
	ssize_t n;

	(void)state;
	n = http_resp_head(&r, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, (size_t)n);
}

static void head_minimal(void **state)
{
	struct http_resp r = { .status = 200 };
	const char *want = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";

	(void)state;
	assert_int_equal(http_resp_head(&r, buf, sizeof(buf)), strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	/* a zero Content-Length is written when asked for */
	r.has_content_length = true;
	assert_true(http_resp_head(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\r\nContent-Length: 0\r\n"));
	/* statuses we would never send come out as 500 */
	r.status = 42;
	assert_true(http_resp_head(&r, buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "HTTP/1.1 500 Internal Server Error\r\n", 36);
	r.status = 1000;
	assert_true(http_resp_head(&r, buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "HTTP/1.1 500 ", 13);
}

/*
 * Every size below the needed one is -ENOSPC and writes nothing past
 * @cap (a heap buffer of exactly @cap bytes: ASan sees an overrun);
 * the exact size works.
 */
static void every_cap(ssize_t (*fn)(char *, size_t, const void *),
		      const void *arg)
{
	ssize_t need = fn(buf, sizeof(buf), arg), n;
	size_t cap;
	char *p;

	assert_true(need > 0);
	for (cap = 0; cap <= (size_t)need; cap++) {
		p = malloc(cap ? cap : 1);
		assert_non_null(p);
		n = fn(p, cap, arg);
		if (cap < (size_t)need)
			assert_int_equal(n, -ENOSPC);
		else
			assert_int_equal(n, need);
		free(p);
	}
}

static ssize_t head_fn(char *p, size_t cap, const void *arg)
{
	return http_resp_head(arg, p, cap);
}

static ssize_t error_fn(char *p, size_t cap, const void *arg)
{
	return http_resp_error(arg, false, p, cap);
}

static void small_buffers(void **state)
{
	struct http_resp r = {
		.status = 416, .date = "Sun, 06 Nov 1994 08:49:37 GMT",
		.server = "zcio", .size = 12345, .keep_alive = true,
		.location = "/x/", .allow = true, .etag = "\"e\"",
		.has_last_modified = true, .content_range = HTTP_CR_BYTES,
	};

	(void)state;
	every_cap(head_fn, &r);
	every_cap(error_fn, &r);
}

/* Splits a response into head and body; checks Content-Length. */
static void check_error(int status, bool head_only)
{
	struct http_resp r = {
		.status = status,
		.date = "Sun, 06 Nov 1994 08:49:37 GMT",
		.server = "zcio",
		.size = 777,
		/* overridden by http_resp_error */
		.content_type = "x/y",
		.has_content_length = true,
		.content_length = 99999,
	};
	const char *end, *cl;
	size_t page_len;
	ssize_t n;

	n = http_resp_error(&r, head_only, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	end = strstr(buf, "\r\n\r\n");
	assert_non_null(end);
	end += 4;
	assert_null(strstr(buf, "x/y"));
	cl = strstr(buf, "\r\nContent-Length: ");
	http_error_page(status, &page_len);
	if (status == 304) {
		assert_null(cl);
		assert_null(strstr(buf, "Content-Type"));
		assert_int_equal(end - buf, n);
		return;
	}
	assert_non_null(cl);
	assert_int_equal(strtoul(cl + 18, NULL, 10), page_len);
	assert_non_null(strstr(buf, "Content-Type: text/html; charset=utf-8"));
	if (head_only)
		assert_int_equal(end - buf, n);
	else
		assert_int_equal(buf + n - end, page_len);
	assert_int_equal(!!strstr(buf, "\r\nAllow: GET, HEAD\r\n"),
			 status == 405);
	assert_int_equal(!!strstr(buf, "\r\nContent-Range: bytes */777\r\n"),
			 status == 416);
}

static void errors(void **state)
{
	static const int codes[] = {
		301, 304, 400, 403, 404, 405, 408, 412, 413, 414, 416, 431,
		500, 501, 503, 505,
	};
	char want[64];
	const char *page;
	unsigned int i;
	size_t len;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		check_error(codes[i], false);
		check_error(codes[i], true);
		page = http_error_page(codes[i], &len);
		assert_int_equal(strlen(page), len);
		snprintf(want, sizeof(want), "<h1>%d %s</h1>", codes[i],
			 http_status_reason(codes[i]));
		assert_non_null(strstr(page, want));
	}
	assert_string_equal(http_status_reason(404), "Not Found");
	assert_string_equal(http_status_reason(431),
			    "Request Header Fields Too Large");
	assert_string_equal(http_status_reason(299), "Unknown");
	page = http_error_page(299, &len);
	assert_int_equal(strlen(page), len);
	/* a redirect built the way the server builds it */
	check_error(299, false);
}

static void redirect(void **state)
{
	struct http_resp r = { .status = 301, .keep_alive = true };
	char loc[128];
	ssize_t n;

	(void)state;
	n = http_location_dir("/docs", 5, NULL, 0, false, loc, sizeof(loc));
	assert_int_equal(n, 6);
	assert_string_equal(loc, "/docs/");
	n = http_location_dir("/a b/\r\nX: y", 11, "q=1&r", 5, true, loc,
			      sizeof(loc));
	assert_string_equal(loc, "/a%20b/%0D%0AX%3A%20y/?q=1&r");
	assert_int_equal(n, strlen(loc));
	n = http_location_dir("/d", 2, "", 0, true, loc, sizeof(loc));
	assert_string_equal(loc, "/d/?");
	/* never a network-path reference to another host */
	n = http_location_dir("//evil.example", 14, NULL, 0, false, loc,
			      sizeof(loc));
	assert_string_equal(loc, "/evil.example/");
	assert_int_equal(n, 14);
	n = http_location_dir("/", 1, NULL, 0, false, loc, sizeof(loc));
	assert_string_equal(loc, "/");
	n = http_location_dir("///", 3, NULL, 0, false, loc, sizeof(loc));
	assert_string_equal(loc, "/");
	/* the documented bound suffices, one less does not for this one */
	assert_int_equal(http_location_dir("/\x01", 2, "q", 1, true, loc,
					   3 * 2 + 1 + 3), 7);
	assert_int_equal(http_location_dir("/\x01", 2, "q", 1, true, loc, 7),
			 -ENOSPC);
	r.location = "/docs/";
	n = http_resp_error(&r, false, buf, sizeof(buf));
	assert_true(n > 0);
	assert_memory_equal(buf, "HTTP/1.1 301 Moved Permanently\r\n", 32);
	assert_non_null(strstr(buf, "\r\nLocation: /docs/\r\n"));
}

static void escape(void **state)
{
	char out[64];
	ssize_t n;

	(void)state;
	n = http_html_escape("<a href=\"x\">&'</a>", 18, out, sizeof(out));
	assert_int_equal(n, strlen("&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
				   "&lt;/a&gt;"));
	assert_memory_equal(out, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
			    "&lt;/a&gt;", (size_t)n);
	assert_int_equal(http_html_escape("plain", 5, out, 5), 5);
	assert_int_equal(http_html_escape("plain", 5, out, 4), -ENOSPC);
	assert_int_equal(http_html_escape("\"", 1, out, 6), 6);
	assert_int_equal(http_html_escape("\"", 1, out, 5), -ENOSPC);
	assert_int_equal(http_html_escape("", 0, out, 0), 0);
}

static void autoindex(void **state)
{
	const struct http_dirent ents[] = {
		{ "sub", 3, true, 4096, 0 },
		{ "<script>alert(1)<", 17, false, 12, 784111777 },
		{ "a b&c\"d'e?f#g%h", 15, false, 0, 0 },
		{ "x:y", 3, false, 1, 0 },
		{ "caf\xc3\xa9", 5, false, 18446744073709551615ULL, -1 },
	};
	const char *dir = "/d<i>r/";
	size_t bound;
	ssize_t n;
	char *p;

	(void)state;
	bound = http_autoindex_bound(strlen(dir), ents, 5);
	p = malloc(bound);
	assert_non_null(p);
	n = http_autoindex(dir, strlen(dir), ents, 5, p, bound);
	assert_true(n > 0 && (size_t)n <= bound);
	p[n - 1] = '\0';
	assert_non_null(strstr(p, "<title>Index of /d&lt;i&gt;r/</title>"));
	assert_non_null(strstr(p, "<a href=\"../\">../</a>"));
	assert_non_null(strstr(p, "<a href=\"sub/\">sub/</a></td><td>"
			       "Thu, 01 Jan 1970 00:00:00 GMT</td><td>-</td>"));
	assert_non_null(strstr(p, "<a href=\"%3Cscript%3Ealert%281%29%3C\">"
			       "&lt;script&gt;alert(1)&lt;</a></td><td>"
			       "Sun, 06 Nov 1994 08:49:37 GMT</td><td>12</td>"));
	assert_non_null(strstr(p, "<a href=\"a%20b%26c%22d%27e%3Ff%23g%25h\">"
			       "a b&amp;c&quot;d&#39;e?f#g%h</a>"));
	/* a colon would make "x:y" a URL scheme */
	assert_non_null(strstr(p, "<a href=\"x%3Ay\">x:y</a>"));
	assert_non_null(strstr(p, "<a href=\"caf%C3%A9\">caf\xc3\xa9</a>"));
	assert_non_null(strstr(p, "<td>18446744073709551615</td>"));
	assert_null(strstr(p, "<script>"));
	free(p);
	/* the root has no "../" */
	n = http_autoindex("/", 1, ents, 1, buf, sizeof(buf));
	assert_true(n > 0);
	assert_null(memmem(buf, (size_t)n, "../", 3));
	/* an empty directory, and too small a buffer */
	n = http_autoindex("/e/", 3, NULL, 0, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n <= http_autoindex_bound(3, NULL, 0));
	assert_int_equal(http_autoindex("/e/", 3, NULL, 0, buf, (size_t)n - 1),
			 -ENOSPC);
}

/* Worst-case names: the bound holds with every byte at its longest. */
static void autoindex_bound_worst(void **state)
{
	static char quotes[200];
	struct http_dirent e[3];
	size_t bound;
	ssize_t n;
	char *p;

	(void)state;
	memset(quotes, '"', sizeof(quotes));
	e[0] = (struct http_dirent){ quotes, sizeof(quotes), true, 0,
				     INT64_MAX };
	e[1] = (struct http_dirent){ quotes, 1, false, UINT64_MAX, INT64_MIN };
	e[2] = (struct http_dirent){ "", 0, false, 0, 0 };
	bound = http_autoindex_bound(sizeof(quotes), e, 3);
	p = malloc(bound);
	assert_non_null(p);
	n = http_autoindex(quotes, sizeof(quotes), e, 3, p, bound);
	assert_true(n > 0 && (size_t)n <= bound);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(head_full),
		cmocka_unit_test(head_minimal),
		cmocka_unit_test(small_buffers),
		cmocka_unit_test(errors),
		cmocka_unit_test(redirect),
		cmocka_unit_test(escape),
		cmocka_unit_test(autoindex),
		cmocka_unit_test(autoindex_bound_worst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
