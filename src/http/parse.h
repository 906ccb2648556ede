/* SPDX-License-Identifier: MIT */
/*
 * src/http/parse.h - HTTP/1.1 request heads (RFC 9112), parsed in place.
 *
 * The parser works over the bytes a connection has received so far. It
 * allocates nothing and copies nothing: every string in struct
 * http_request points into the caller's buffer, which must stay put while
 * the request is used. It is strict where leniency lets two parsers
 * disagree about where a message ends (request smuggling): bare CR, bare
 * LF, obs-fold, whitespace before the colon, Content-Length together with
 * Transfer-Encoding, conflicting Content-Lengths. docs/http.md lists every
 * rule and why.
 *
 * Status returns: a negative value from these functions is an HTTP status
 * negated (-400, -413, -414, -431, -501, -505, -405), the answer to send
 * before closing the connection; never an errno.
 *
 * Changes (compatible only, newest first):
 *   struct http_parser: + line_ok (private state; embedders recompile).
 *   The request line is checked as soon as it is complete: -400/-414/
 *   -405/-501/-505 for a bad one come before the rest of the head.
 */
#ifndef ZC_HTTP_PARSE_H
#define ZC_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes in the caller's buffer; not NUL-terminated. */
struct http_str {
	const char *p;
	size_t len;
};

enum http_method {
	HTTP_M_UNKNOWN = 0,
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_CONNECT,
	HTTP_M_OPTIONS,
	HTTP_M_TRACE,
	HTTP_M_PATCH,
};

/* Header fields the server acts on or logs; everything else is OTHER. */
enum http_hdr {
	HTTP_H_OTHER = 0,
	HTTP_H_HOST,
	HTTP_H_CONNECTION,
	HTTP_H_CONTENT_LENGTH,
	HTTP_H_TRANSFER_ENCODING,
	HTTP_H_IF_MATCH,
	HTTP_H_IF_NONE_MATCH,
	HTTP_H_IF_MODIFIED_SINCE,
	HTTP_H_IF_UNMODIFIED_SINCE,
	HTTP_H_IF_RANGE,
	HTTP_H_RANGE,
	HTTP_H_USER_AGENT,
	HTTP_H_REFERER,
	HTTP_H_EXPECT,
};

/*
 * Limits on what a client controls. Defaults (http_limits_default):
 *   max_head   16384  request line + fields + blank line -> 431 (414 while
 *                     still in the request line)
 *   max_uri     8192  request-target bytes -> 414
 *   max_fields   100  field lines -> 431 (at most HTTP_FIELDS_MAX)
 *   max_body   65536  a body sent with GET/HEAD, which the caller reads
 *                     and discards (http_body_skip) -> 413 when larger
 */
#define HTTP_FIELDS_MAX 128
struct http_limits {
	size_t max_head;
	size_t max_uri;
	unsigned int max_fields;
	uint64_t max_body;
};

void http_limits_default(struct http_limits *lim);

struct http_field {
	struct http_str name;		/* as sent (case kept) */
	struct http_str value;		/* OWS trimmed at both ends */
	enum http_hdr id;
};

/* How the request body, if any, is framed (RFC 9112 §6.3). */
enum http_body_kind {
	HTTP_BODY_NONE = 0,
	HTTP_BODY_LENGTH,		/* Content-Length: content_length */
	HTTP_BODY_CHUNKED,		/* Transfer-Encoding: ..., chunked */
};

/*
 * One request head. Filled by http_parse; all strings point into the
 * parsed buffer. A field that was not sent has p == NULL, len == 0 (and
 * an empty value that was sent has p != NULL, len == 0).
 *
 * This is about 4.5 KiB (the field array): keep one per worker, not one
 * per connection; the per-connection state is struct http_parser.
 */
struct http_request {
	enum http_method method;
	struct http_str method_str;
	struct http_str target;		/* the request-target as sent */
	struct http_str path;		/* percent-encoded, before '?' */
	struct http_str query;		/* after '?' (without it) */
	bool has_query;			/* a '?' was there, maybe empty */
	bool absolute_form;		/* "http://host/path" target */
	int minor;			/* 0 or 1: HTTP/1.0, HTTP/1.1 */
	bool keep_alive;		/* the connection may persist */
	bool expect_continue;		/* "Expect: 100-continue" */

	/* Host: from an absolute-form target if any, else the field. */
	struct http_str host;

	/* Single-valued fields of interest (the field, trimmed). */
	struct http_str if_modified_since;
	struct http_str if_unmodified_since;
	struct http_str if_range;
	struct http_str range;
	struct http_str user_agent;
	struct http_str referer;
	/*
	 * If-Match and If-None-Match are lists and may come in several
	 * field lines: these are the first; http_cond_eval reads them all.
	 */
	struct http_str if_match;
	struct http_str if_none_match;
	unsigned int nr_if_match;
	unsigned int nr_if_none_match;

	enum http_body_kind body;
	uint64_t content_length;	/* when body == HTTP_BODY_LENGTH */

	unsigned int nr_fields;
	struct http_field fields[HTTP_FIELDS_MAX];
	size_t head_len;		/* bytes of the head, == consumed */
};

/*
 * Per-connection state between calls: only how far the search for the end
 * of the head got, so that a head arriving in many reads costs O(bytes)
 * rather than O(bytes^2). Plain data: embed it, no _exit needed.
 */
struct http_parser {
	const struct http_limits *lim;
	size_t scanned;			/* bytes already searched */
	size_t skip;			/* leading CRLFs before the head */
	size_t line_end;		/* end of the request line, or 0 */
	bool line_ok;			/* the request line was checked */
};

/* @lim must outlive the parser; NULL means the defaults. */
void http_parser_init(struct http_parser *p, const struct http_limits *lim);
/* Forget a finished (or abandoned) head: call before parsing the next. */
void http_parser_reset(struct http_parser *p);

/*
 * Parses the request head at the start of @buf (@len bytes received so
 * far; the same bytes as in the previous call, plus more). Returns:
 *   > 0   the head is complete: @req is filled and the return value is the
 *         number of bytes it took (leading empty lines included). A body,
 *         if req->body says so, follows at buf + ret (http_body_skip).
 *         Pipelined requests: reset the parser and parse buf + ret next.
 *   0     need more bytes (nothing in @req is valid yet).
 *   < 0   -status: answer it and close. @req then holds what was parsed
 *         before the error (method, target; maybe empty) for the log.
 *         -400 malformed, -405 a known method other than GET/HEAD
 *         (answer with Allow: GET, HEAD), -413 body too large, -414
 *         target too long, -431 head too large or too many fields, -501
 *         unknown method or transfer-coding, -505 version other than
 *         HTTP/1.x. Errors in the request line come as soon as that
 *         line is complete, and the answer is the same however the
 *         bytes were split into reads.
 * Never blocks, never reads beyond buf + len.
 */
ssize_t http_parse(struct http_parser *p, const char *buf, size_t len,
		   struct http_request *req);

/* "GET" for HTTP_M_GET, ...; "" for HTTP_M_UNKNOWN. */
const char *http_method_name(enum http_method m);

/*
 * A request body being read and thrown away (a GET with a body: we never
 * need one, but the connection can stay open once it is gone). Plain data.
 */
struct http_body {
	enum http_body_kind kind;
	uint64_t left;			/* bytes left in the body or chunk */
	uint64_t total;			/* decoded bytes so far */
	uint64_t max;			/* limit -> -413 */
	size_t line;			/* bytes of the current framing line */
	int state;			/* private to body.c */
	bool done;
};

/* Sets @b up for @req's body (with @lim's max_body; NULL: defaults). */
void http_body_init(struct http_body *b, const struct http_request *req,
		    const struct http_limits *lim);

/*
 * Consumes body bytes at the start of @buf. Returns how many it took
 * (0..len; b->done becomes true at the end of the body, after which the
 * next request starts at buf + ret), or -400 (bad chunked framing), -413
 * (larger than max_body). Chunked: chunk extensions and trailer fields are
 * checked for bare CR/LF and CTLs and bounded in size, then ignored.
 */
ssize_t http_body_skip(struct http_body *b, const char *buf, size_t len);

#endif
