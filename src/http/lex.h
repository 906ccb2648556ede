/* SPDX-License-Identifier: MIT */
/*
 * src/http/lex.h - private to src/http: the character classes of RFC 9110
 * and 3986 as one table, and the small scanners every parser here shares
 * (case-insensitive compare, comma lists, numbers).
 */
#ifndef ZC_HTTP_LEX_H
#define ZC_HTTP_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

#define HTTP_C_TCHAR	0x01	/* token: RFC 9110 §5.6.2 */
#define HTTP_C_DIGIT	0x02
#define HTTP_C_HEX	0x04
#define HTTP_C_FVCHAR	0x08	/* field-vchar, obs-text, SP, HTAB */
#define HTTP_C_URI	0x10	/* may appear in a request-target */
#define HTTP_C_OWS	0x20	/* SP, HTAB */

extern const uint8_t http__ctype[256];

static inline bool http__is(unsigned char c, uint8_t cls)
{
	return http__ctype[c] & cls;
}

static inline unsigned char http__lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

/* 0..15, or -1 when @c is not a hex digit. */
static inline int http__hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = http__lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* @p/@len equals the lower-case literal @lit, ignoring ASCII case. */
bool http__ieq(const char *p, size_t len, const char *lit);

/*
 * The next non-empty element of a comma-separated list (RFC 9110 §5.6.1:
 * empty elements and OWS around commas are allowed) starting at *@pos,
 * trimmed of OWS. Returns false at the end. Quoted strings are not
 * special: callers whose elements may hold commas in quotes (entity-tags
 * cannot) must not use it.
 */
bool http__list_next(const char *s, size_t len, size_t *pos,
		     struct http_str *elem);

/*
 * 1*DIGIT as a decimal number. Returns 0, -ERANGE when it does not fit
 * in 63 bits (callers decide whether that is an error or "huge"), or
 * -EINVAL when empty or not all digits.
 */
int http__u64(const char *p, size_t len, uint64_t *out);

#endif
