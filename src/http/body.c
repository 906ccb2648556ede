/* SPDX-License-Identifier: MIT */
/*
 * src/http/body.c - reading past a request body we do not want (parse.h):
 * Content-Length bytes, or chunked framing (RFC 9112 §7.1) decoded just
 * far enough to find its end.
 */
#include <errno.h>

#include "lex.h"
#include "parse.h"

/* A chunk-size line with extensions, or a trailer section, longer than
 * this is not something a client needs to send: -400. */
#define FRAME_LINE_MAX 4096

enum {
	S_SIZE0,	/* first hex digit of a chunk-size */
	S_SIZE,		/* more hex digits */
	S_EXT,		/* chunk-ext up to CR */
	S_SIZE_LF,	/* LF after the size line */
	S_DATA,
	S_DATA_CR,
	S_DATA_LF,
	S_TRAILER,	/* start of a trailer line, or the final CRLF */
	S_TRAILER_LINE,
	S_TRAILER_LF,
	S_END_LF,
};

void http_body_init(struct http_body *b, const struct http_request *req,
		    const struct http_limits *lim)
{
	struct http_limits d;

	if (!lim) {
		http_limits_default(&d);
		lim = &d;
	}
	b->kind = req->body;
	b->left = req->body == HTTP_BODY_LENGTH ? req->content_length : 0;
	b->total = 0;
	b->max = lim->max_body;
	b->line = 0;
	b->state = S_SIZE0;
	b->done = req->body == HTTP_BODY_NONE ||
		  (req->body == HTTP_BODY_LENGTH && !b->left);
}

static int size_digit(struct http_body *b, unsigned char c)
{
	int v = http__hexval(c);

	if (v < 0) {
		if (b->state == S_SIZE0)
			return -400;
		if (c == '\r')
			b->state = S_SIZE_LF;
		else if (c == ';' || c == ' ' || c == '\t')
			b->state = S_EXT;
		else
			return -400;
		return 0;
	}
	b->state = S_SIZE;
	/* over max_body already, whatever digits follow: stop counting */
	if (b->left > (b->max - b->total) / 16)
		return -413;
	b->left = b->left * 16 + (unsigned int)v;
	return 0;
}

/* A byte of a chunk-ext or trailer line: no CTL but HTAB. */
static int line_byte(struct http_body *b, unsigned char c, int next)
{
	if (c == '\r') {
		b->state = next;
		return 0;
	}
	if (!http__is(c, HTTP_C_FVCHAR))
		return -400;
	return ++b->line > FRAME_LINE_MAX ? -400 : 0;
}

static int expect(struct http_body *b, unsigned char c, unsigned char want,
		  int next)
{
	if (c != want)
		return -400;
	b->state = next;
	return 0;
}

/* One framing byte. */
static int step(struct http_body *b, unsigned char c)
{
	switch (b->state) {
	case S_SIZE0:
	case S_SIZE:
		if (++b->line > FRAME_LINE_MAX)
			return -400;
		return size_digit(b, c);
	case S_EXT:
		return line_byte(b, c, S_SIZE_LF);
	case S_SIZE_LF:
		if (c != '\n')
			return -400;
		b->line = 0;
		if (b->left > b->max - b->total)
			return -413;
		b->total += b->left;
		b->state = b->left ? S_DATA : S_TRAILER;
		return 0;
	case S_DATA_CR:
		return expect(b, c, '\r', S_DATA_LF);
	case S_DATA_LF:
		return expect(b, c, '\n', S_SIZE0);
	case S_TRAILER:
		if (c == '\r') {
			b->state = S_END_LF;
			return 0;
		}
		/* a trailer line starts with a field name: no obs-fold */
		if (!http__is(c, HTTP_C_TCHAR))
			return -400;
		b->state = S_TRAILER_LINE;
		return ++b->line > FRAME_LINE_MAX ? -400 : 0;
	case S_TRAILER_LINE:
		return line_byte(b, c, S_TRAILER_LF);
	case S_TRAILER_LF:
		return expect(b, c, '\n', S_TRAILER);
	case S_END_LF:
		if (c != '\n')
			return -400;
		b->done = true;
		return 0;
	default:
		return -400;
	}
}

static ssize_t skip_chunked(struct http_body *b, const char *buf,
			    size_t len)
{
	size_t i = 0, n;
	int ret;

	while (i < len && !b->done) {
		if (b->state == S_DATA) {
			n = len - i < b->left ? len - i : (size_t)b->left;
			i += n;
			b->left -= n;
			if (!b->left)
				b->state = S_DATA_CR;
			continue;
		}
		ret = step(b, (unsigned char)buf[i++]);
		if (ret)
			return ret;
	}
	return (ssize_t)i;
}

ssize_t http_body_skip(struct http_body *b, const char *buf, size_t len)
{
	size_t n;

	if (b->done)
		return 0;
	if (b->kind == HTTP_BODY_CHUNKED)
		return skip_chunked(b, buf, len);
	n = len < b->left ? len : (size_t)b->left;
	b->left -= n;
	b->total += n;
	b->done = !b->left;
	return (ssize_t)n;
}
