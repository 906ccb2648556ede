/* SPDX-License-Identifier: MIT */
/*
 * src/http/etag.c - making and comparing entity-tags (cond.h, RFC 9110
 * §8.8.3).
 */
#include <errno.h>
#include <string.h>

#include "cond.h"
#include "lex.h"

static char *put_hex(char *p, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* splitmix64's finalizer: a bijection that spreads every input bit. */
static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

size_t http_etag_make(char out[HTTP_ETAG_MAX + 1], uint64_t ino,
		      uint64_t size, int64_t mtime_ns)
{
	char *p = out;

	*p++ = '"';
	p = put_hex(p, size);
	*p++ = '-';
	p = put_hex(p, mix(mix(ino) ^ (uint64_t)mtime_ns));
	*p++ = '"';
	*p = '\0';
	return (size_t)(p - out);
}

/*
 * entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E /
 * obs-text. Points @opaque at what is between the quotes. False when
 * malformed.
 */
static bool split(const char *t, size_t len, bool *weak,
		  struct http_str *opaque)
{
	size_t i;

	*weak = len >= 2 && t[0] == 'W' && t[1] == '/';
	if (*weak) {
		t += 2;
		len -= 2;
	}
	if (len < 2 || t[0] != '"' || t[len - 1] != '"')
		return false;
	for (i = 1; i < len - 1; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c < 0x21 || c == '"' || c == 0x7f)
			return false;
	}
	opaque->p = t + 1;
	opaque->len = len - 2;
	return true;
}

static bool eq(const char *a, size_t alen, const char *b, size_t blen,
	       bool weak_ok)
{
	struct http_str oa, ob;
	bool wa, wb;

	if (!split(a, alen, &wa, &oa) || !split(b, blen, &wb, &ob))
		return false;
	if (!weak_ok && (wa || wb))
		return false;
	return oa.len == ob.len && !memcmp(oa.p, ob.p, oa.len);
}

bool http_etag_eq_strong(const char *a, size_t alen, const char *b,
			 size_t blen)
{
	return eq(a, alen, b, blen, false);
}

bool http_etag_eq_weak(const char *a, size_t alen, const char *b,
		       size_t blen)
{
	return eq(a, alen, b, blen, true);
}

/*
 * An entity-tag may hold a comma (etagc includes %x2C), so the generic
 * list scanner will not do: here an element ends at a comma outside
 * quotes.
 */
static bool next_tag(const char *s, size_t len, size_t *pos,
		     struct http_str *tag)
{
	size_t i = *pos, start;
	bool quoted = false;

	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
		i++;
	if (i >= len) {
		*pos = len;
		return false;
	}
	start = i;
	for (; i < len && (quoted || s[i] != ','); i++)
		if (s[i] == '"')
			quoted = !quoted;
	tag->p = s + start;
	tag->len = i - start;
	while (tag->len && (tag->p[tag->len - 1] == ' ' ||
			    tag->p[tag->len - 1] == '\t'))
		tag->len--;
	*pos = i;
	return true;
}

int http_etag_list_match(const char *list, size_t len, const char *etag,
			 size_t etag_len, bool weak)
{
	struct http_str t, o;
	size_t pos = 0;
	bool w, match = false;

	if (len == 1 && list[0] == '*')
		return 1;
	while (next_tag(list, len, &pos, &t)) {
		if (!split(t.p, t.len, &w, &o))
			return -EINVAL;
		if (etag && eq(t.p, t.len, etag, etag_len, weak))
			match = true;
	}
	return match;
}
