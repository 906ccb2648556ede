/* SPDX-License-Identifier: MIT */
/*
 * src/http/multipart.c - the multipart/byteranges framing (range.h,
 * RFC 9110 §14.6, RFC 2046 §5.1.1).
 */
#include <errno.h>

#include "out.h"
#include "range.h"

void http_multipart_boundary(char out[HTTP_BOUNDARY_LEN + 1], uint64_t seed)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t x = seed;
	unsigned int i;

	/*
	 * splitmix64 steps: every bit of the seed affects every digit, so
	 * boundaries from consecutive counters look unrelated.
	 */
	for (i = 0; i < HTTP_BOUNDARY_LEN; i++) {
		if (i % 16 == 0) {
			x += 0x9e3779b97f4a7c15ULL;
			x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
			x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
			x ^= x >> 31;
		}
		out[i] = hex[(x >> (4 * (i % 16))) & 15];
	}
	out[HTTP_BOUNDARY_LEN] = '\0';
}

static void part(struct http_out *w, const char *boundary,
		 const char *ctype, const struct http_range *r, uint64_t size)
{
	http__out_str(w, "\r\n--");
	http__out_str(w, boundary);
	if (ctype) {
		http__out_str(w, "\r\nContent-Type: ");
		http__out_str(w, ctype);
	}
	http__out_str(w, "\r\nContent-Range: bytes ");
	http__out_u64(w, r->first);
	http__out_str(w, "-");
	http__out_u64(w, r->last);
	http__out_str(w, "/");
	http__out_u64(w, size);
	http__out_str(w, "\r\n\r\n");
}

ssize_t http_multipart_part(char *buf, size_t cap, const char *boundary,
			    const char *ctype, const struct http_range *r,
			    uint64_t size)
{
	struct http_out w;

	http__out_init(&w, buf, cap);
	part(&w, boundary, ctype, r, size);
	return http__out_end(&w);
}

ssize_t http_multipart_end(char *buf, size_t cap, const char *boundary)
{
	struct http_out w;

	http__out_init(&w, buf, cap);
	http__out_str(&w, "\r\n--");
	http__out_str(&w, boundary);
	http__out_str(&w, "--\r\n");
	return http__out_end(&w);
}

uint64_t http_multipart_length(const char *boundary, const char *ctype,
			       const struct http_ranges *rs, uint64_t size)
{
	/* "\r\n--" B "--\r\n" */
	uint64_t total = 8 + strlen(boundary);
	unsigned int i;

	for (i = 0; i < rs->n; i++) {
		const struct http_range *r = &rs->r[i];

		/* "\r\n--" B "\r\nContent-Range: bytes " F "-" L "/" S
		 * "\r\n\r\n", plus "\r\nContent-Type: " T */
		total += 4 + strlen(boundary) + 23 + http__u64_len(r->first) +
			 1 + http__u64_len(r->last) + 1 +
			 http__u64_len(size) + 4;
		if (ctype)
			total += 16 + strlen(ctype);
		total += r->last - r->first + 1;
	}
	return total;
}
