/* SPDX-License-Identifier: MIT */
/*
 * src/http/out.h - private to src/http: appending text to a bounded
 * buffer. A write that does not fit marks the writer full and writes
 * nothing more, so a builder appends everything and checks once at the
 * end (the same sticky-error idea as zc_view).
 */
#ifndef ZC_HTTP_OUT_H
#define ZC_HTTP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct http_out {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

static inline void http__out_init(struct http_out *w, char *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->full = false;
}

static inline void http__out_mem(struct http_out *w, const void *s,
				 size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	if (n)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

static inline void http__out_str(struct http_out *w, const char *s)
{
	http__out_mem(w, s, strlen(s));
}

/* The length written, or -ENOSPC if anything did not fit. */
ssize_t http__out_end(const struct http_out *w);

/* Decimal digits of @v (1 for 0). */
size_t http__u64_len(uint64_t v);
void http__out_u64(struct http_out *w, uint64_t v);

#endif
