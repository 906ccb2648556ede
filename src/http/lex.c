/* SPDX-License-Identifier: MIT */
/*
 * src/http/lex.c - the character table and list scanners of lex.h.
 */
#include <errno.h>

#include "lex.h"

#define T HTTP_C_TCHAR
#define D HTTP_C_DIGIT
#define X HTTP_C_HEX
#define V HTTP_C_FVCHAR
#define U HTTP_C_URI
#define W HTTP_C_OWS

/*
 * Request-target characters (U) are RFC 3986's unreserved, sub-delims,
 * ':', '@', '/', '?', '%' and the '[' ']' of an IP-literal host. Left out
 * on purpose: '#' (a fragment is never sent), '\\' (a path separator on
 * some systems), '"', '<', '>', '^', '`', '{', '|', '}', and bytes >= 0x80,
 * which a client must percent-encode.
 */
const uint8_t http__ctype[256] = {
	['\t'] = W | V, [' '] = W | V,
	['!'] = T | V | U, ['"'] = V, ['#'] = T | V, ['$'] = T | V | U,
	['%'] = T | V | U, ['&'] = T | V | U, ['\''] = T | V | U,
	['('] = V | U, [')'] = V | U, ['*'] = T | V | U, ['+'] = T | V | U,
	[','] = V | U, ['-'] = T | V | U, ['.'] = T | V | U, ['/'] = V | U,
	['0' ... '9'] = T | V | U | D | X,
	[':'] = V | U, [';'] = V | U, ['<'] = V, ['='] = V | U, ['>'] = V,
	['?'] = V | U, ['@'] = V | U,
	['A' ... 'F'] = T | V | U | X, ['G' ... 'Z'] = T | V | U,
	['['] = V | U, ['\\'] = V, [']'] = V | U, ['^'] = T | V,
	['_'] = T | V | U, ['`'] = T | V,
	['a' ... 'f'] = T | V | U | X, ['g' ... 'z'] = T | V | U,
	['{'] = V, ['|'] = T | V, ['}'] = V, ['~'] = T | V | U,
	[0x80 ... 0xff] = V,
};

bool http__ieq(const char *p, size_t len, const char *lit)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!lit[i] || http__lower(p[i]) != (unsigned char)lit[i])
			return false;
	return !lit[len];
}

bool http__list_next(const char *s, size_t len, size_t *pos,
		     struct http_str *elem)
{
	size_t i = *pos, start, end;

	for (;;) {
		while (i < len && (http__is((unsigned char)s[i], HTTP_C_OWS) ||
				   s[i] == ','))
			i++;
		if (i >= len) {
			*pos = len;
			return false;
		}
		start = i;
		while (i < len && s[i] != ',')
			i++;
		end = i;
		while (end > start &&
		       http__is((unsigned char)s[end - 1], HTTP_C_OWS))
			end--;
		if (end > start)
			break;
	}
	elem->p = s + start;
	elem->len = end - start;
	*pos = i;
	return true;
}

int http__u64(const char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0, d;
	bool big = false;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		d = (uint64_t)(p[i] - '0');
		/* INT64_MAX: lengths and offsets must fit off_t. */
		if (big || v > (INT64_MAX - d) / 10)
			big = true;
		else
			v = v * 10 + d;
	}
	if (big)
		return -ERANGE;
	*out = v;
	return 0;
}
