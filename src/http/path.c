/* SPDX-License-Identifier: MIT */
/*
 * src/http/path.c - percent-decoding, dot-segment removal and URL
 * encoding of paths (path.h).
 */
#include <errno.h>

#include "lex.h"
#include "path.h"

/*
 * The next decoded byte of the segment at in[*i], or -400/-404. A byte
 * that would make the name mean something else than a plain file name
 * is refused whether it came raw or encoded: NUL and the other controls,
 * and the backslash. An encoded '/' is -404 (see path.h).
 */
static int next_byte(const char *in, size_t len, size_t *i)
{
	unsigned char c = (unsigned char)in[*i];
	int hi, lo;

	if (c == '%') {
		if (len - *i < 3)
			return -400;
		hi = http__hexval((unsigned char)in[*i + 1]);
		lo = http__hexval((unsigned char)in[*i + 2]);
		if (hi < 0 || lo < 0)
			return -400;
		c = (unsigned char)(hi << 4 | lo);
		*i += 3;
		if (c == '/')
			return -404;
	} else {
		*i += 1;
	}
	if (c < 0x20 || c == 0x7f || c == '\\')
		return -400;
	return c;
}

/*
 * Rules, in the order they apply (RFC 3986 §5.2.4 remove_dot_segments on
 * the decoded segments):
 * 1. The path is split at raw '/' only; each segment is decoded alone,
 *    so an encoded '/' cannot create a segment boundary.
 * 2. Empty segments ("//") vanish; "." vanishes; ".." removes the segment
 *    before it and is an error at the root instead of being clamped:
 *    a client that climbs above the root is probing, not browsing.
 * 3. @out is "/" followed by each kept segment and '/'; the last '/' is
 *    dropped unless the path ended in '/', "." or "..", which name a
 *    directory.
 */
ssize_t http_path_normalize(const char *in, size_t len, char *out,
			    size_t cap)
{
	size_t i = 1, o = 1, seg;
	bool trailing = true;
	int c;

	if (cap < len + 2)
		return -ENOSPC;
	if (!len || in[0] != '/')
		return -400;
	out[0] = '/';
	for (;;) {
		seg = o;
		while (i < len && in[i] != '/') {
			c = next_byte(in, len, &i);
			if (c < 0)
				return c;
			out[o++] = (char)c;
		}
		if (o == seg) {
			/* empty: "//" or the end after a '/' */
		} else if (o - seg == 1 && out[seg] == '.') {
			o = seg;
			trailing = true;
		} else if (o - seg == 2 && out[seg] == '.' &&
			   out[seg + 1] == '.') {
			if (seg == 1)
				return -400;
			o = seg - 1;
			while (out[o - 1] != '/')
				o--;
			trailing = true;
		} else {
			out[o++] = '/';
			trailing = false;
		}
		if (i >= len)
			break;
		i++;
		if (i >= len)
			trailing = true;
	}
	if (!trailing && o > 1)
		o--;
	out[o] = '\0';
	return (ssize_t)o;
}

bool http_path_has_dotfile(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] == '.' && (i == 0 || p[i - 1] == '/'))
			return true;
	return false;
}

static bool keep_raw(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~' || c == '/';
}

ssize_t http_path_encode(const char *in, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (keep_raw(c)) {
			if (cap - o < 2)
				return -ENOSPC;
			out[o++] = (char)c;
		} else {
			if (cap - o < 4)
				return -ENOSPC;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (cap - o < 1)
		return -ENOSPC;
	out[o] = '\0';
	return (ssize_t)o;
}
