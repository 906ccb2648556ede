/* SPDX-License-Identifier: MIT */
/*
 * src/http/range.h - Range requests (RFC 9110 §14) and the
 * multipart/byteranges framing of a response with several ranges.
 *
 * Several ranges are answered as multipart/byteranges once they have been
 * sorted and merged: overlapping or adjacent ranges become one, so the
 * body is never longer than the file plus the part headers, whatever the
 * client asks ("bytes=0-,0-,0-..." is one range). A Range with more than
 * HTTP_RANGES_MAX ranges is ignored (200), as RFC 9110 §14.2 allows.
 *
 * Changes (compatible only, newest first):
 *   (none yet)
 */
#ifndef ZC_HTTP_RANGE_H
#define ZC_HTTP_RANGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_RANGES_MAX 16

/* Bytes first..last of the file, both included. */
struct http_range {
	uint64_t first;
	uint64_t last;
};

struct http_ranges {
	unsigned int n;			/* 1..HTTP_RANGES_MAX on 206 */
	struct http_range r[HTTP_RANGES_MAX];	/* sorted, disjoint */
};

/*
 * Evaluates the Range field value @s (@len bytes, http_request.range)
 * against a file of @size bytes. Returns:
 *   206  @out holds the satisfiable ranges (n == 1: a single-part 206
 *        with Content-Range; n > 1: multipart/byteranges)
 *   416  none is satisfiable: answer with Content-Range: bytes, '*', '/',
 *        then the size
 *   200  ignore the Range field: bad syntax, a unit other than "bytes",
 *        too many ranges, or an empty file asked for a suffix (which
 *        selects the whole, empty, representation)
 * The caller applies it to GET only, and only when If-Range allows.
 */
int http_range_eval(const char *s, size_t len, uint64_t size,
		    struct http_ranges *out);

/*
 * multipart/byteranges (RFC 9110 §14.6). The boundary is
 * HTTP_BOUNDARY_LEN hex digits made from @seed (say, a counter mixed with
 * the ETag hash); 20 random-looking hex digits do not occur in a file by
 * chance. The whole body is, for each range:
 *   http_multipart_part() then the file bytes first..last
 * and then http_multipart_end(). The response's Content-Type is
 * "multipart/byteranges; boundary=" followed by the boundary, and its
 * Content-Length http_multipart_length().
 */
#define HTTP_BOUNDARY_LEN 20
void http_multipart_boundary(char out[HTTP_BOUNDARY_LEN + 1], uint64_t seed);

/*
 * Writes the part header that goes before range @r:
 * "\r\n--BOUNDARY\r\nContent-Type: CTYPE\r\nContent-Range: bytes F-L/SIZE
 * \r\n\r\n". @ctype may be NULL (no Content-Type line). Returns the
 * length or -ENOSPC (no NUL is written).
 */
ssize_t http_multipart_part(char *buf, size_t cap, const char *boundary,
			    const char *ctype, const struct http_range *r,
			    uint64_t size);

/* Writes "\r\n--BOUNDARY--\r\n". Returns the length or -ENOSPC. */
ssize_t http_multipart_end(char *buf, size_t cap, const char *boundary);

/* The whole multipart body's length: part headers, data and the end. */
uint64_t http_multipart_length(const char *boundary, const char *ctype,
			       const struct http_ranges *rs, uint64_t size);

#endif
