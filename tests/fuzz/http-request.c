/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/http-request.c - libFuzzer target for the HTTP protocol code
 * of `zcio serve`: the fuzzer's bytes are a stream of pipelined requests
 * (parsed whole and again in two reads split where the first byte says),
 * and each request found goes through everything the server would do
 * with it: path normalization, dotfile check, MIME lookup, conditionals,
 * Range against a size taken from the input, body skipping, a redirect
 * Location and a listing entry. The raw bytes are also thrown at the
 * Range and date parsers, the mime.types parser, the ETag list parser
 * and the HTML escaper directly.
 *
 * Invariants are checked with fz_assert (abort: a crash for libFuzzer):
 * a normalized path starts with '/' and has no "..", "." or empty
 * segment, no NUL and no backslash; ranges are sorted, disjoint and
 * inside the file; writers never exceed their buffers (ASan) and their
 * bounds hold; results are the same whether bytes come at once or not.
 *
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined); the same
 * function replays the corpus in the normal suite (http-fuzz-replay).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

#define fz_assert(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #c);		\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool in(const void *p, size_t len, const char *buf, size_t buflen)
{
	const char *c = p;

	return c >= buf && len <= buflen && c - buf <= (ssize_t)(buflen - len);
}

static void check_path(const struct http_request *req)
{
	char *out = malloc(req->path.len + 2), *p;
	ssize_t n;

	fz_assert(out);
	n = http_path_normalize(req->path.p, req->path.len, out,
				req->path.len + 2);
	fz_assert(n == -400 || n == -404 || n > 0);
	if (n > 0) {
		fz_assert((size_t)n <= req->path.len + 1);
		fz_assert(out[0] == '/' && out[n] == '\0');
		fz_assert(strlen(out) == (size_t)n);
		fz_assert(!strstr(out, "//") && !strstr(out, "/./") &&
			  !strstr(out, "/../") && !strchr(out, '\\'));
		fz_assert(!(n >= 2 && !strcmp(out + n - 2, "/.")));
		fz_assert(!(n >= 3 && !strcmp(out + n - 3, "/..")));
		for (p = out; *p; p++)
			fz_assert((unsigned char)*p >= 0x20 && *p != 0x7f);
		http_path_has_dotfile(out, (size_t)n);
		fz_assert(http_mime_type(NULL, out, (size_t)n));
	}
	free(out);
}

static void check_ranges(const char *s, size_t len, uint64_t size)
{
	struct http_ranges rs;
	char b[HTTP_BOUNDARY_LEN + 1], part[256];
	uint64_t bytes = 0;
	unsigned int i;
	int st;

	st = http_range_eval(s, len, size, &rs);
	fz_assert(st == 200 || st == 206 || st == 416);
	if (st != 206) {
		fz_assert(rs.n == 0);
		return;
	}
	fz_assert(rs.n >= 1 && rs.n <= HTTP_RANGES_MAX);
	for (i = 0; i < rs.n; i++) {
		fz_assert(rs.r[i].first <= rs.r[i].last);
		fz_assert(rs.r[i].last < size);
		if (i)
			fz_assert(rs.r[i].first > rs.r[i - 1].last + 1);
		bytes += rs.r[i].last - rs.r[i].first + 1;
	}
	/* merged ranges never ask for more than the file */
	fz_assert(bytes <= size);
	http_multipart_boundary(b, size);
	fz_assert(http_multipart_length(b, "a/b", &rs, size) > bytes);
	fz_assert(http_multipart_part(part, sizeof(part), b, "a/b", &rs.r[0],
				      size) > 0);
}

static void check_cond(const struct http_request *req, uint64_t size)
{
	char etag[HTTP_ETAG_MAX + 1];
	struct http_entity e = { .etag = etag, .has_mtime = true };
	struct http_cond c;
	int st;

	e.etag_len = http_etag_make(etag, size, size, (int64_t)size);
	e.mtime = (int64_t)(size >> 16);
	st = http_cond_eval(req, &e, 1767225600, &c);
	fz_assert(st == 0 || st == 304 || st == 412);
	fz_assert(!c.use_range || (st == 0 && req->range.p));
	if (c.use_range)
		check_ranges(req->range.p, req->range.len, size);
}

static void check_date(const char *s, size_t len)
{
	char buf[HTTP_DATE_LEN + 1];
	int64_t t, t2;

	if (http_date_parse(s, len, 1767225600, &t))
		return;
	http_date_format(t, buf);
	fz_assert(strlen(buf) == HTTP_DATE_LEN);
	fz_assert(!http_date_parse(buf, HTTP_DATE_LEN, 0, &t2));
	/* equal unless the leap second 60 was normalized */
	fz_assert(t2 == t);
}

/* The body's length when all of it is in @rest, else -1. */
static ssize_t check_body(const struct http_request *req, const char *rest,
			  size_t len)
{
	struct http_body b;
	ssize_t n;

	http_body_init(&b, req, NULL);
	n = http_body_skip(&b, rest, len);
	fz_assert(n == -400 || n == -413 || (n >= 0 && (size_t)n <= len));
	if (n >= 0 && !b.done)
		fz_assert((size_t)n == len);
	return n >= 0 && b.done ? n : -1;
}

static void check_resp(const struct http_request *req)
{
	size_t cap = 3 * req->path.len + req->query.len + 3;
	struct http_dirent d = { req->path.p, req->path.len, false, 1, 2 };
	char *loc = malloc(cap), *page;
	size_t bound;
	ssize_t n;

	fz_assert(loc);
	n = http_location_dir(req->path.p, req->path.len, req->query.p,
			      req->query.len, req->has_query, loc, cap);
	fz_assert(n >= 0 && (size_t)n < cap);
	fz_assert(!memchr(loc, '\r', (size_t)n));
	fz_assert(!memchr(loc, '\n', (size_t)n));
	fz_assert(loc[0] == '/' && loc[1] != '/');
	free(loc);
	bound = http_autoindex_bound(req->path.len, &d, 1);
	page = malloc(bound);
	fz_assert(page);
	n = http_autoindex(req->path.p, req->path.len, &d, 1, page, bound);
	fz_assert(n > 0 && (size_t)n <= bound);
	free(page);
}

/* Checks a parsed request; returns its body's length or -1. */
static ssize_t check_request(const struct http_request *req,
			     const char *buf, size_t len, ssize_t ret,
			     uint64_t size)
{
	unsigned int i;

	fz_assert((size_t)ret <= len && req->head_len == (size_t)ret);
	fz_assert(req->method == HTTP_M_GET || req->method == HTTP_M_HEAD);
	fz_assert(req->path.len >= 1 && req->path.p[0] != '?');
	fz_assert(in(req->target.p, req->target.len, buf, (size_t)ret));
	fz_assert(req->nr_fields <= HTTP_FIELDS_MAX);
	for (i = 0; i < req->nr_fields; i++) {
		const struct http_field *f = &req->fields[i];

		fz_assert(in(f->name.p, f->name.len, buf, (size_t)ret));
		fz_assert(in(f->value.p, f->value.len, buf, (size_t)ret));
		fz_assert(f->name.len > 0);
		fz_assert(!memchr(f->value.p, '\r', f->value.len));
		fz_assert(!memchr(f->value.p, '\n', f->value.len));
	}
	fz_assert(req->minor == 1 || !req->keep_alive || req->minor == 0);
	check_path(req);
	check_cond(req, size);
	check_resp(req);
	if (req->if_modified_since.p)
		check_date(req->if_modified_since.p,
			   req->if_modified_since.len);
	return check_body(req, buf + ret, len - (size_t)ret);
}

static bool good_status(ssize_t ret)
{
	return ret == -400 || ret == -405 || ret == -413 || ret == -414 ||
	       ret == -431 || ret == -501 || ret == -505;
}

/* The same answer from two reads split at @k as from one. */
static void check_split(const char *buf, size_t len, size_t k, ssize_t whole,
			struct http_request *req)
{
	struct http_parser p;
	ssize_t ret;

	http_parser_init(&p, NULL);
	ret = http_parse(&p, buf, k, req);
	if (ret != 0) {
		/* an answer before all of it came: only errors can, and only
		 * if the whole also fails */
		fz_assert(ret < 0 ? whole < 0 : ret == whole);
		return;
	}
	ret = http_parse(&p, buf, len, req);
	if (whole > 0)
		fz_assert(ret == whole);
	else if (whole == 0)
		fz_assert(ret == 0);
	else
		fz_assert(ret < 0);
}

/* The raw bytes as a mime.types file, an ETag list and HTML text. */
static void check_raw(const char *buf, size_t size)
{
	struct http_mime *m;
	char *esc;
	ssize_t n;
	int err = 0;

	m = http_mime_new(&err);
	fz_assert(m);
	fz_assert(http_mime_add_text(m, buf, size) >= 0);
	fz_assert(http_mime_type(m, buf, size));
	fz_assert(!strcmp(http_mime_type(m, "a.html", 6),
			  "text/html; charset=utf-8"));
	http_mime_free(m);
	n = http_etag_list_match(buf, size, "\"x\"", 3, size & 1);
	fz_assert(n == 0 || n == 1 || n == -EINVAL);
	esc = malloc(6 * size + 1);
	fz_assert(esc);
	n = http_html_escape(buf, size, esc, 6 * size);
	fz_assert(n >= 0 && !memchr(esc, '<', (size_t)n) &&
		  !memchr(esc, '"', (size_t)n));
	free(esc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req, req2;
	const char *buf = (const char *)data;
	struct http_parser p;
	uint64_t fsize = 0;
	size_t off = 0, i;
	ssize_t ret, body;
	int rounds;

	for (i = 0; i < 8 && i < size; i++)
		fsize = fsize << 8 | data[i];
	fsize %= 1u << 20;
	check_ranges(buf, size, fsize);
	check_ranges(buf, size, 0);
	check_date(buf, size);
	check_raw(buf, size);

	http_parser_init(&p, NULL);
	for (rounds = 0; rounds < 64 && off < size; rounds++) {
		ret = http_parse(&p, buf + off, size - off, &req);
		fz_assert(ret == 0 || ret > 0 || good_status(ret));
		if (size - off > 1)
			check_split(buf + off, size - off,
				    1 + data[off] % (size - off - 1), ret,
				    &req2);
		if (ret <= 0)
			break;
		body = check_request(&req, buf + off, size - off, ret, fsize);
		if (body < 0)
			break;
		off += (size_t)ret + (size_t)body;
		http_parser_reset(&p);
	}
	return 0;
}
