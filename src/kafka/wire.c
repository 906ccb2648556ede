/* SPDX-License-Identifier: MIT */
/*
 * kafka/wire.c - Kafka's primitive types: length-prefixed reads in place,
 * the request arena and the output buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zcio/buf.h>

#include "kafka/wire.h"

enum { WBUF_GROW, WBUF_FIXED, WBUF_COUNT };

int kafka_view_bad(struct zc_view *v)
{
	if (!v->err)
		v->err = -EBADMSG;
	return v->err;
}

int kafka_read_str(struct zc_view *v, struct kafka_str *s)
{
	const uint8_t *p = NULL;
	int16_t n = 0;

	if (zc_view_i16be(v, &n))
		return v->err;
	if (n < -1)
		return kafka_view_bad(v);
	if (n == -1) {
		*s = KAFKA_STR_NULL;
		return 0;
	}
	if (zc_view_bytes(v, (size_t)n, &p))
		return v->err;
	s->p = (const char *)p;
	s->len = n;
	return 0;
}

int kafka_read_str_nn(struct zc_view *v, struct kafka_str *s)
{
	if (kafka_read_str(v, s))
		return v->err;
	return s->len < 0 ? kafka_view_bad(v) : 0;
}

int kafka_read_bytes(struct zc_view *v, struct kafka_bytes *b)
{
	const uint8_t *p = NULL;
	int32_t n = 0;

	if (zc_view_i32be(v, &n))
		return v->err;
	if (n < -1)
		return kafka_view_bad(v);
	if (n == -1) {
		b->p = NULL;
		b->len = -1;
		return 0;
	}
	if (zc_view_bytes(v, (size_t)n, &p))
		return v->err;
	/* the view's memory is the caller's frame, writable (see wire.h) */
	b->p = (uint8_t *)p;
	b->len = n;
	return 0;
}

int kafka_read_count(struct zc_view *v, size_t min_size, bool nullable,
		     uint32_t *n, bool *null)
{
	int32_t c = 0;

	if (null)
		*null = false;
	*n = 0;
	if (zc_view_i32be(v, &c))
		return v->err;
	if (c == -1 && nullable) {
		*null = true;
		return 0;
	}
	if (c < 0)
		return kafka_view_bad(v);
	if (min_size && (size_t)c > zc_view_left(v) / min_size)
		return kafka_view_bad(v);
	*n = (uint32_t)c;
	return 0;
}

/* Arena: a list of separate blocks, each with this link in front. */
struct block {
	struct block *next;
	max_align_t data[];
};

void kafka_arena_init(struct kafka_arena *a)
{
	a->head = NULL;
	a->bytes = 0;
}

void kafka_arena_exit(struct kafka_arena *a)
{
	struct block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	kafka_arena_init(a);
}

void *kafka_arena_alloc(struct kafka_arena *a, size_t n, size_t size)
{
	/* an empty array costs nothing: a topic with no partitions is 6
	 * wire bytes and must not cost a malloc */
	static max_align_t empty;
	struct block *b;

	if (!n || !size)
		return &empty;
	if (n > (SIZE_MAX - sizeof(*b)) / size)
		return NULL;
	b = calloc(1, sizeof(*b) + n * size);
	if (!b)
		return NULL;
	b->next = a->head;
	a->head = b;
	a->bytes += n * size;
	return b->data;
}

/* Output buffer */

void kafka_wbuf_init(struct kafka_wbuf *w)
{
	memset(w, 0, sizeof(*w));
	w->mode = WBUF_GROW;
}

void kafka_wbuf_init_fixed(struct kafka_wbuf *w, void *p, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->p = p;
	w->cap = cap;
	w->mode = WBUF_FIXED;
}

void kafka_wbuf_init_count(struct kafka_wbuf *w)
{
	memset(w, 0, sizeof(*w));
	w->mode = WBUF_COUNT;
}

void kafka_wbuf_exit(struct kafka_wbuf *w)
{
	int mode = w->mode;

	if (mode == WBUF_GROW)
		free(w->p);
	memset(w, 0, sizeof(*w));
	w->mode = mode;
}

void kafka_wbuf_reset(struct kafka_wbuf *w)
{
	w->len = 0;
	w->err = 0;
}

static void dispose_free(void *opaque, void *data, size_t size)
{
	(void)opaque;
	(void)size;
	free(data);
}

int kafka_wbuf_to_chain(struct kafka_wbuf *w, struct zc_chain *c)
{
	struct zc_buf *b;
	int err = w->err;

	if (err || w->mode != WBUF_GROW || !w->len) {
		kafka_wbuf_exit(w);
		return err ? err : w->mode != WBUF_GROW ? -EINVAL : 0;
	}
	b = zc_buf_wrap(w->p, w->len, dispose_free, NULL, &err);
	if (!b) {
		kafka_wbuf_exit(w);
		return err ? err : -ENOMEM;
	}
	/* the buffer owns the bytes now; the chain takes its own reference */
	memset(w, 0, sizeof(*w));
	w->mode = WBUF_GROW;
	err = zc_chain_append_mem(c, b, b->data, b->size);
	zc_buf_unref(b);
	return err;
}

static bool wbuf_fail(struct kafka_wbuf *w, int err)
{
	if (!w->err)
		w->err = err;
	return false;
}

/* Makes room for @n more bytes; false (error set) when it cannot. */
static bool wbuf_room(struct kafka_wbuf *w, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (w->err)
		return false;
	if (n > SIZE_MAX - w->len)
		return wbuf_fail(w, -EOVERFLOW);
	if (w->mode == WBUF_COUNT || w->len + n <= w->cap)
		return true;
	if (w->mode == WBUF_FIXED)
		return wbuf_fail(w, -ENOBUFS);
	cap = w->cap ? w->cap : 256;
	while (cap < w->len + n)
		cap = cap > SIZE_MAX / 2 ? w->len + n : cap * 2;
	p = realloc(w->p, cap);
	if (!p)
		return wbuf_fail(w, -ENOMEM);
	w->p = p;
	w->cap = cap;
	return true;
}

uint8_t *kafka_wbuf_extend(struct kafka_wbuf *w, size_t n)
{
	uint8_t *p;

	if (!wbuf_room(w, n))
		return NULL;
	p = w->mode == WBUF_COUNT ? NULL : w->p + w->len;
	w->len += n;
	return p;
}

static void put_be(struct kafka_wbuf *w, uint64_t x, size_t n)
{
	uint8_t *p;
	size_t i;

	if (!wbuf_room(w, n))
		return;
	if (w->mode != WBUF_COUNT) {
		p = w->p + w->len;
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
	}
	w->len += n;
}

void kafka_put_raw(struct kafka_wbuf *w, const void *p, size_t n)
{
	if (!wbuf_room(w, n))
		return;
	if (w->mode != WBUF_COUNT && n)
		memcpy(w->p + w->len, p, n);
	w->len += n;
}

void kafka_put_i8(struct kafka_wbuf *w, int8_t x)
{
	put_be(w, (uint8_t)x, 1);
}

void kafka_put_i16(struct kafka_wbuf *w, int16_t x)
{
	put_be(w, (uint16_t)x, 2);
}

void kafka_put_i32(struct kafka_wbuf *w, int32_t x)
{
	put_be(w, (uint32_t)x, 4);
}

void kafka_put_i64(struct kafka_wbuf *w, int64_t x)
{
	put_be(w, (uint64_t)x, 8);
}

void kafka_put_str(struct kafka_wbuf *w, const struct kafka_str *s)
{
	if (s->len < 0 || !s->p) {
		kafka_put_i16(w, -1);
		return;
	}
	if (s->len > INT16_MAX) {
		wbuf_fail(w, -EOVERFLOW);
		return;
	}
	kafka_put_i16(w, (int16_t)s->len);
	kafka_put_raw(w, s->p, (size_t)s->len);
}

void kafka_put_bytes(struct kafka_wbuf *w, const void *p, int32_t len)
{
	if (len < 0 || !p) {
		kafka_put_i32(w, -1);
		return;
	}
	kafka_put_i32(w, len);
	kafka_put_raw(w, p, (size_t)len);
}

void kafka_put_count(struct kafka_wbuf *w, size_t n)
{
	if (n > INT32_MAX) {
		wbuf_fail(w, -EOVERFLOW);
		return;
	}
	kafka_put_i32(w, (int32_t)n);
}

void kafka_patch_i32(struct kafka_wbuf *w, size_t off, int32_t x)
{
	uint32_t u = (uint32_t)x;
	uint8_t *p;

	if (w->err || w->mode == WBUF_COUNT || off > w->len || w->len - off < 4)
		return;
	p = w->p + off;
	p[0] = (uint8_t)(u >> 24);
	p[1] = (uint8_t)(u >> 16);
	p[2] = (uint8_t)(u >> 8);
	p[3] = (uint8_t)u;
}

size_t kafka_resp_begin(struct kafka_wbuf *w, int32_t correlation_id)
{
	size_t start = w->len;

	kafka_put_i32(w, 0);
	kafka_put_i32(w, correlation_id);
	return start;
}

int kafka_resp_end(struct kafka_wbuf *w, size_t start, uint64_t extra)
{
	uint64_t size;
	int err;

	if (!w->err) {
		size = w->len - start - 4 + extra;
		if (size > INT32_MAX)
			w->err = -EOVERFLOW;
		else
			kafka_patch_i32(w, start, (int32_t)size);
	}
	err = w->err;
	if (err) {
		w->len = start < w->len ? start : w->len;
		w->err = 0;
	}
	return err;
}
