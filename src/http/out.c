/* SPDX-License-Identifier: MIT */
/*
 * src/http/out.c - numbers for the bounded writer (out.h).
 */
#include <errno.h>

#include "out.h"

ssize_t http__out_end(const struct http_out *w)
{
	return w->full ? -ENOSPC : (ssize_t)w->len;
}

size_t http__u64_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

void http__out_u64(struct http_out *w, uint64_t v)
{
	char tmp[20];
	size_t n = http__u64_len(v), i;

	for (i = n; i > 0; i--) {
		tmp[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	http__out_mem(w, tmp, n);
}
