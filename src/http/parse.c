/* SPDX-License-Identifier: MIT */
/*
 * src/http/parse.c - finding the end of a request head as it arrives, and
 * the request line (parse.h, RFC 9112 §2-3). The field lines are in
 * parse_fields.c.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "lex.h"
#include "parse_int.h"

/*
 * 16 KiB of head holds any browser's request with its cookies (nginx
 * allows 1 KiB + 4 x 8 KiB, lighttpd 8 KiB); a target of 8 KiB is what
 * nginx's large buffers allow; 100 fields is Apache's LimitRequestFields.
 */
static const struct http_limits dflt = {
	.max_head = 16384,
	.max_uri = 8192,
	.max_fields = 100,
	.max_body = 65536,
};

/* The longest method we know is 7 bytes; 32 is generous for a 501. */
#define METHOD_MAX 32

void http_limits_default(struct http_limits *lim)
{
	*lim = dflt;
}

void http_parser_init(struct http_parser *p, const struct http_limits *lim)
{
	p->lim = lim ? lim : &dflt;
	http_parser_reset(p);
}

void http_parser_reset(struct http_parser *p)
{
	p->scanned = 0;
	p->skip = 0;
	p->line_end = 0;
	p->line_ok = false;
}

static const char *const methods[] = {
	[HTTP_M_UNKNOWN] = "",
	[HTTP_M_GET] = "GET",
	[HTTP_M_HEAD] = "HEAD",
	[HTTP_M_POST] = "POST",
	[HTTP_M_PUT] = "PUT",
	[HTTP_M_DELETE] = "DELETE",
	[HTTP_M_CONNECT] = "CONNECT",
	[HTTP_M_OPTIONS] = "OPTIONS",
	[HTTP_M_TRACE] = "TRACE",
	[HTTP_M_PATCH] = "PATCH",
};

const char *http_method_name(enum http_method m)
{
	if ((unsigned int)m >= sizeof(methods) / sizeof(methods[0]))
		return "";
	return methods[m];
}

/* Methods are case-sensitive (RFC 9110 §9.1): "get" is unknown. */
static enum http_method method_of(const char *p, size_t len)
{
	unsigned int m;

	for (m = HTTP_M_GET; m < sizeof(methods) / sizeof(methods[0]); m++)
		if (strlen(methods[m]) == len && !memcmp(p, methods[m], len))
			return (enum http_method)m;
	return HTTP_M_UNKNOWN;
}

/* Zeroes everything but the field array, which nr_fields bounds. */
static void clear(struct http_request *req)
{
	memset(req, 0, offsetof(struct http_request, fields));
	req->head_len = 0;
}

/*
 * While the request line is still arriving: a method that cannot be one
 * (-400, -501) or a target already longer than max_uri (-414) is refused
 * now rather than when max_head bytes have come.
 */
static int check_partial_line(const char *s, size_t n,
			      const struct http_limits *lim)
{
	size_t i;

	for (i = 0; i < n && s[i] != ' '; i++) {
		if (!http__is((unsigned char)s[i], HTTP_C_TCHAR))
			return s[i] == '\r' ? 0 : -400;
		if (i == METHOD_MAX)
			return -501;
	}
	if (i == n)
		return 0;
	n -= i + 1;
	s += i + 1;
	for (i = 0; i < n && s[i] != ' '; i++)
		;
	return i > lim->max_uri ? -414 : 0;
}

/*
 * Looks for the blank line that ends the head, from where the last call
 * stopped. Each LF must follow a CR (a bare LF is -400 at once: see
 * docs/http.md). Returns the offset just past the blank line, 0 when it
 * has not come yet, or -status.
 */
static ssize_t find_end(struct http_parser *p, const char *buf, size_t len)
{
	size_t start = p->skip, i = p->scanned > start ? p->scanned : start;
	const char *nl;

	while (i < len) {
		nl = memchr(buf + i, '\n', len - i);
		if (!nl)
			break;
		i = (size_t)(nl - buf);
		if (i == start || buf[i - 1] != '\r')
			return -400;
		if (!p->line_end)
			p->line_end = i + 1;
		else if (buf[i - 2] == '\n')
			return (ssize_t)(i + 1);
		i++;
	}
	p->scanned = len;
	if (!p->line_end) {
		int ret = check_partial_line(buf + start, len - start,
					     p->lim);
		if (ret)
			return ret;
	}
	if (len - start >= p->lim->max_head)
		return p->line_end ? -431 : -414;
	return 0;
}

/* RFC 9110 §2.5: "HTTP/" DIGIT "." DIGIT, case-sensitive. */
static int version(const char *v, size_t len, struct http_request *req)
{
	if (len != 8 || memcmp(v, "HTTP/", 5) || v[6] != '.' ||
	    !http__is((unsigned char)v[5], HTTP_C_DIGIT) ||
	    !http__is((unsigned char)v[7], HTTP_C_DIGIT))
		return -400;
	if (v[5] != '1')
		return -505;
	/* 1.2 and later minors are answered as 1.1 (RFC 9110 §6.2). */
	req->minor = v[7] == '0' ? 0 : 1;
	return 0;
}

/*
 * absolute-form "http://authority/path?query" (RFC 9112 §3.2.2): the
 * authority becomes the Host and the rest is parsed as origin-form.
 * userinfo ("user@") is refused, as RFC 9110 §4.2.4 requires.
 */
static int absolute_form(struct http_request *req, const char *t,
			 size_t len, size_t *rest)
{
	size_t i = 0, a;

	if (len > 7 && http__ieq(t, 7, "http://"))
		i = 7;
	else if (len > 8 && http__ieq(t, 8, "https://"))
		i = 8;
	else
		return -400;
	for (a = i; a < len && t[a] != '/' && t[a] != '?'; a++)
		if (t[a] == '@')
			return -400;
	if (a == i || !http__valid_host(t + i, a - i))
		return -400;
	req->host.p = t + i;
	req->host.len = a - i;
	req->absolute_form = true;
	*rest = a;
	return 0;
}

/* The request-target: its bytes, its form, path and query. */
static int target(struct http_request *req, const char *t, size_t len)
{
	size_t i, rest = 0;
	const char *q;
	int ret;

	for (i = 0; i < len; i++)
		if (!http__is((unsigned char)t[i], HTTP_C_URI))
			return -400;
	if (req->method != HTTP_M_GET && req->method != HTTP_M_HEAD)
		return 0;	/* 405 whatever the form */
	if (t[0] != '/') {
		ret = absolute_form(req, t, len, &rest);
		if (ret)
			return ret;
	}
	q = memchr(t + rest, '?', len - rest);
	req->path.p = t + rest;
	req->path.len = (size_t)((q ? q : t + len) - (t + rest));
	if (!req->path.len) {
		/* "http://host" and "http://host?q" mean "/" */
		req->path.p = "/";
		req->path.len = 1;
	}
	if (q) {
		req->has_query = true;
		req->query.p = q + 1;
		req->query.len = (size_t)(t + len - q - 1);
	}
	return 0;
}

/*
 * request-line = method SP request-target SP HTTP-version, exactly one
 * SP each (RFC 9112 §3: no other whitespace, which some parsers split
 * on and others do not). @end points at the CR.
 */
static int request_line(struct http_request *req, const char *s,
			const char *end, const struct http_limits *lim)
{
	const char *sp1, *sp2;
	int ret;

	sp1 = memchr(s, ' ', (size_t)(end - s));
	if (!sp1 || sp1 == s)
		return -400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1)
		return -400;
	req->method_str.p = s;
	req->method_str.len = (size_t)(sp1 - s);
	req->target.p = sp1 + 1;
	req->target.len = (size_t)(sp2 - sp1 - 1);
	if (req->target.len > lim->max_uri)
		return -414;
	for (; s < sp1; s++)
		if (!http__is((unsigned char)*s, HTTP_C_TCHAR))
			return -400;
	ret = version(sp2 + 1, (size_t)(end - sp2 - 1), req);
	if (ret)
		return ret;
	req->method = method_of(req->method_str.p, req->method_str.len);
	return target(req, req->target.p, req->target.len);
}

static int method_status(const struct http_request *req)
{
	if (req->method == HTTP_M_GET || req->method == HTTP_M_HEAD)
		return 0;
	return req->method == HTTP_M_UNKNOWN ? -501 : -405;
}

/* Leading CRLFs (RFC 9112 §2.2: a server SHOULD ignore at least one). */
static ssize_t skip_empty_lines(struct http_parser *p, const char *buf,
				size_t len)
{
	while (p->skip < len && buf[p->skip] == '\r') {
		if (p->skip + 1 == len)
			return 0;
		if (buf[p->skip + 1] != '\n')
			return -400;
		p->skip += 2;
	}
	if (p->skip < len && buf[p->skip] == '\n')
		return -400;
	if (p->skip >= p->lim->max_head)
		return -400;
	return p->skip < len;
}

/*
 * The request line is checked as soon as it is complete, not when the
 * whole head is: a bad one is answered at once, and the answer does not
 * depend on how the bytes were split into reads.
 */
ssize_t http_parse(struct http_parser *p, const char *buf, size_t len,
		   struct http_request *req)
{
	ssize_t end;
	int ret;

	clear(req);
	end = skip_empty_lines(p, buf, len);
	if (end <= 0)
		return end;
	end = find_end(p, buf, len);
	if (end < 0)
		return end;
	if (p->line_end && (!p->line_ok || end)) {
		ret = request_line(req, buf + p->skip, buf + p->line_end - 2,
				   p->lim);
		if (!ret)
			ret = method_status(req);
		if (ret)
			return ret;
		p->line_ok = true;
	}
	if (!end)
		return 0;
	if ((size_t)end - p->skip > p->lim->max_head)
		return -431;
	ret = http__parse_fields(buf + p->line_end, buf + end - 2, p->lim,
				 req);
	if (ret)
		return ret;
	req->head_len = (size_t)end;
	return end;
}
