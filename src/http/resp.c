/* SPDX-License-Identifier: MIT */
/*
 * src/http/resp.c - response heads and complete error responses
 * (resp.h).
 */
#include <errno.h>

#include "date.h"
#include "out.h"
#include "resp.h"

static void field(struct http_out *w, const char *name, const char *val)
{
	http__out_str(w, name);
	http__out_str(w, ": ");
	http__out_str(w, val);
	http__out_str(w, "\r\n");
}

static void field_u64(struct http_out *w, const char *name, uint64_t v)
{
	http__out_str(w, name);
	http__out_str(w, ": ");
	http__out_u64(w, v);
	http__out_str(w, "\r\n");
}

static void content_range(struct http_out *w, const struct http_resp *r)
{
	http__out_str(w, "Content-Range: bytes ");
	if (r->content_range == HTTP_CR_BYTES) {
		http__out_u64(w, r->range.first);
		http__out_str(w, "-");
		http__out_u64(w, r->range.last);
	} else {
		http__out_str(w, "*");
	}
	http__out_str(w, "/");
	http__out_u64(w, r->size);
	http__out_str(w, "\r\n");
}

static void status_line(struct http_out *w, int status)
{
	char code[3];

	/* A status we would never send is a bug upstream: answer 500. */
	if (status < 100 || status > 599)
		status = 500;
	code[0] = (char)('0' + status / 100);
	code[1] = (char)('0' + status / 10 % 10);
	code[2] = (char)('0' + status % 10);
	http__out_str(w, "HTTP/1.1 ");
	http__out_mem(w, code, 3);
	http__out_str(w, " ");
	http__out_str(w, http_status_reason(status));
	http__out_str(w, "\r\n");
}

static void head(struct http_out *w, const struct http_resp *r)
{
	char date[HTTP_DATE_LEN + 1];

	status_line(w, r->status);
	if (r->date)
		field(w, "Date", r->date);
	if (r->server)
		field(w, "Server", r->server);
	if (r->content_type)
		field(w, "Content-Type", r->content_type);
	if (r->has_content_length)
		field_u64(w, "Content-Length", r->content_length);
	if (r->has_last_modified)
		field(w, "Last-Modified",
		      http_date_format(r->last_modified, date));
	if (r->etag)
		field(w, "ETag", r->etag);
	if (r->accept_ranges)
		field(w, "Accept-Ranges", "bytes");
	if (r->content_range != HTTP_CR_NONE)
		content_range(w, r);
	if (r->location)
		field(w, "Location", r->location);
	if (r->allow)
		field(w, "Allow", "GET, HEAD");
	field(w, "Connection", r->keep_alive ? "keep-alive" : "close");
	if (r->extra)
		http__out_str(w, r->extra);
	http__out_str(w, "\r\n");
}

ssize_t http_resp_head(const struct http_resp *r, char *buf, size_t cap)
{
	struct http_out w;

	http__out_init(&w, buf, cap);
	head(&w, r);
	return http__out_end(&w);
}

/* 1xx, 204 and 304 never have content (RFC 9110 §6.4.1). */
static bool no_content(int status)
{
	return status < 200 || status == 204 || status == 304;
}

ssize_t http_resp_error(const struct http_resp *r, bool head_only,
			char *buf, size_t cap)
{
	struct http_resp e = *r;
	struct http_out w;
	const char *page;
	size_t len;

	page = http_error_page(r->status, &len);
	e.content_type = NULL;
	e.has_content_length = false;
	e.content_range = HTTP_CR_NONE;
	if (no_content(r->status)) {
		head_only = true;
	} else {
		e.content_type = "text/html; charset=utf-8";
		e.has_content_length = true;
		e.content_length = len;
	}
	if (r->status == 405)
		e.allow = true;
	if (r->status == 416)
		e.content_range = HTTP_CR_UNSATISFIED;
	http__out_init(&w, buf, cap);
	head(&w, &e);
	if (!head_only)
		http__out_mem(&w, page, len);
	return http__out_end(&w);
}
