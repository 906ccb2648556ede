/* SPDX-License-Identifier: MIT */
/*
 * src/http/log.c - the access log line of one response, in the combined
 * log format of Apache and nginx, formatted in place in the worker's
 * buffer of the engine's access-log sink (engine/log.h), which writes
 * whole lines out when it fills and at least once a second:
 *
 *   127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a.html HTTP/1.1"
 *   200 2326 "http://ref/" "curl/7.88.1"
 *
 * What the client sent is escaped as nginx does (\xHH for '"', '\\',
 * control and non-ASCII bytes), so a line cannot be forged or broken.
 * The byte count is the body as queued; a reply cut short by the client
 * still shows its full length (nginx counts what left; we log before).
 */
#include <stdio.h>
#include <string.h>

#include "serve_int.h"

/* An escaped field is cut at this many bytes of output. */
#define FIELD_MAX 2048
/* Peer, time, status, bytes, quotes and spaces: well under 256. */
#define ALOG_LINE_MAX (4 * FIELD_MAX + 256)

static char *put(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

/* @s escaped into @p, at most FIELD_MAX bytes of output; "-" if absent. */
static char *esc(char *p, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *end = p + FIELD_MAX - 4;
	size_t i;

	if (!s)
		return put(p, "-", 1);
	for (i = 0; i < len && p < end; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		} else {
			*p++ = (char)ch;
		}
	}
	return p;
}

/* "GET /path HTTP/1.1", or "-" when the request line was not read. */
static char *request_line(char *p, const struct http_request *req)
{
	if (!req || !req->method_str.len)
		return put(p, "-", 1);
	p = esc(p, req->method_str.p, req->method_str.len);
	*p++ = ' ';
	p = esc(p, req->target.p, req->target.len);
	if (req->target.len)
		p = put(p, req->minor ? " HTTP/1.1" : " HTTP/1.0", 9);
	return p;
}

/* The whole line into @line (ALOG_LINE_MAX bytes); returns its length. */
static size_t format(char *line, struct http_conn *c,
		     const struct http_request *req, int status,
		     uint64_t bytes)
{
	char num[32], *p;
	int n;

	p = put(line, c->peer, strlen(c->peer));
	p = put(p, " - - ", 5);
	p = put(p, c->w->clf, strlen(c->w->clf));
	p = put(p, " \"", 2);
	p = request_line(p, req);
	n = snprintf(num, sizeof(num), "\" %d %llu \"", status,
		     (unsigned long long)bytes);
	p = put(p, num, (size_t)n);
	p = esc(p, req ? req->referer.p : NULL, req ? req->referer.len : 0);
	p = put(p, "\" \"", 3);
	p = esc(p, req ? req->user_agent.p : NULL,
		req ? req->user_agent.len : 0);
	p = put(p, "\"\n", 2);
	return (size_t)(p - line);
}

/*
 * Formatted in place in the buffer; a buffer smaller than the longest
 * line (--access-log-buffer 4k, say) gets it through a copy instead.
 */
void http_log_access(struct http_conn *c, const struct http_request *req,
		     int status, uint64_t bytes)
{
	struct eng_alog_buf *b = c->w->alog;
	char tmp[ALOG_LINE_MAX], *line;

	if (!b)
		return;
	line = eng_alog_reserve(b, ALOG_LINE_MAX);
	if (line) {
		eng_alog_commit(b, format(line, c, req, status, bytes));
		return;
	}
	eng_alog_write(b, tmp, format(tmp, c, req, status, bytes));
}
