/* SPDX-License-Identifier: MIT */
/*
 * src/http/cond.h - entity tags and conditional requests (RFC 9110 §8.8,
 * §13): which of 200/206, 304 and 412 a request gets, and whether its
 * Range applies.
 *
 * Changes (compatible only, newest first):
 *   (none yet)
 */
#ifndef ZC_HTTP_COND_H
#define ZC_HTTP_COND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

/*
 * A strong ETag: '"' hex(size) '-' hex(mix(inode, mtime in ns)) '"', 35
 * bytes at most. Any change of the file that a stat can see changes it
 * (but for a 2^-64 chance of the 64-bit mix repeating at the same size);
 * it costs no read of the file. Writes a NUL; returns the length.
 */
#define HTTP_ETAG_MAX 40
size_t http_etag_make(char out[HTTP_ETAG_MAX + 1], uint64_t ino,
		      uint64_t size, int64_t mtime_ns);

/*
 * Compares two entity-tags as sent ("W/\"x\"" or "\"x\""). Strong: both
 * strong and the same opaque-tag. Weak: the same opaque-tag, W/ or not.
 * A malformed tag never matches.
 */
bool http_etag_eq_strong(const char *a, size_t alen, const char *b,
			 size_t blen);
bool http_etag_eq_weak(const char *a, size_t alen, const char *b,
		       size_t blen);

/*
 * Does the list @list (an If-Match or If-None-Match value: "*" or
 * 1#entity-tag, empty elements allowed) match @etag? @weak chooses the
 * comparison (If-None-Match: weak; If-Match: strong). Returns 1 for a
 * match, 0 for none, -EINVAL when the list is malformed (what that
 * means for the request: see http_cond_eval).
 */
int http_etag_list_match(const char *list, size_t len, const char *etag,
			 size_t etag_len, bool weak);

/* What the server knows about the file it is about to send. */
struct http_entity {
	const char *etag;		/* strong, quoted; NULL: none */
	size_t etag_len;
	int64_t mtime;			/* Last-Modified, seconds */
	bool has_mtime;
};

struct http_cond {
	int status;		/* 0: go on (200 or 206), 304 or 412 */
	bool use_range;		/* a Range field is present and If-Range,
				   if any, holds: evaluate the Range */
};

/*
 * The precedence of RFC 9110 §13.2.2 for @req against @e:
 *   1. If-Match (all its field lines): no strong match -> 412
 *   2. else If-Unmodified-Since (a valid date): modified after -> 412
 *   3. If-None-Match: a weak match -> 304 for GET/HEAD, else 412
 *   4. else If-Modified-Since (GET/HEAD, a valid date): not modified
 *      after it -> 304
 *   5. Range on GET with If-Range: applies only if If-Range is a strong
 *      ETag equal to @e's or a date exactly equal to @e's mtime
 * A malformed If-Match/If-None-Match list is 400-worthy but answered as
 * if no tag matched (412 for If-Match, ignored for If-None-Match); an
 * invalid date in a date field makes that field ignored, as §13.1.3 and
 * §13.1.4 say. @now (seconds) is for two-digit years in dates. Returns
 * the status, also stored in @out.
 */
int http_cond_eval(const struct http_request *req,
		   const struct http_entity *e, int64_t now,
		   struct http_cond *out);

#endif
