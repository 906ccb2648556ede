/* SPDX-License-Identifier: MIT */
/*
 * zcio/view.h - bounds-checked reads of fields in place.
 *
 * A struct zc_view is a cursor over bytes that someone else owns (a slice,
 * a receive buffer). Each read checks the length first and, when the field
 * would run past the end, returns -ENODATA, reads nothing and leaves the
 * view failed: every later read fails too, so a parser can read a whole
 * header and check once (zc_view_error) instead of after every field.
 * Integers are big-endian (network order), as HTTP/2, TLS and Kafka use.
 * Nothing here allocates or copies unless it says so.
 */
#ifndef ZCIO_VIEW_H
#define ZCIO_VIEW_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "common.h"
#include "buf.h"

ZC_BEGIN_DECLS

struct zc_view {
	const uint8_t *p;	/* first byte */
	size_t len;		/* bytes in the view */
	size_t pos;		/* bytes read so far */
	int err;		/* 0, or the first error (sticky) */
};

/*
 * @p may be NULL when @len is 0 (an empty or file-only slice): the view
 * then points at a static empty string instead, so that a read of zero
 * bytes succeeds with a valid pointer rather than doing NULL + 0.
 */
static inline void zc_view_init(struct zc_view *v, const void *p, size_t len)
{
	v->p = p ? (const uint8_t *)p : (const uint8_t *)"";
	v->len = len;
	v->pos = 0;
	v->err = 0;
}

/* A view of a slice's window; the slice must outlive the view. */
static inline void zc_view_init_slice(struct zc_view *v,
				      const struct zc_slice *s)
{
	zc_view_init(v, zc_slice_data(s), zc_slice_data(s) ? s->len : 0);
}

/* Bytes not read yet (0 once the view failed). */
static inline size_t zc_view_left(const struct zc_view *v)
{
	return v->err ? 0 : v->len - v->pos;
}

/* 0, or the first error the view met. */
static inline int zc_view_error(const struct zc_view *v)
{
	return v->err;
}

/*
 * The base of every read: the address of the next @n bytes, advancing past
 * them, or NULL (and the view failed) when fewer than @n are left. A view
 * that failed already keeps its first error (-EOVERFLOW, say).
 */
static inline const uint8_t *zc_view_take(struct zc_view *v, size_t n)
{
	const uint8_t *p;

	if (v->err || n > v->len - v->pos) {
		if (!v->err)
			v->err = -ENODATA;
		return NULL;
	}
	p = v->p + v->pos;
	v->pos += n;
	return p;
}

/* Points *@out at the next @n bytes in place. No copy. */
static inline int zc_view_bytes(struct zc_view *v, size_t n,
				const uint8_t **out)
{
	const uint8_t *p = zc_view_take(v, n);

	if (!p)
		return v->err;
	*out = p;
	return 0;
}

/* Copies the next @n bytes to @dst (a fixed-size field, say). Copies. */
static inline int zc_view_copy(struct zc_view *v, void *dst, size_t n)
{
	const uint8_t *p = zc_view_take(v, n);

	if (!p)
		return v->err;
	memcpy(dst, p, n);
	return 0;
}

static inline int zc_view_skip(struct zc_view *v, size_t n)
{
	return zc_view_take(v, n) ? 0 : v->err;
}

/*
 * Carves the next @n bytes off as a view of their own (a length-prefixed
 * field) and advances past them. @sub fails too when @v has too few.
 */
static inline int zc_view_sub(struct zc_view *v, size_t n,
			      struct zc_view *sub)
{
	const uint8_t *p = zc_view_take(v, n);

	zc_view_init(sub, p, p ? n : 0);
	if (!p)
		sub->err = v->err;
	return v->err;
}

static inline uint64_t zc__load_be(const uint8_t *p, size_t n)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		x = x << 8 | p[i];
	return x;
}

#define ZC__VIEW_BE(name, type, n)					\
static inline int zc_view_##name(struct zc_view *v, type *out)		\
{									\
	const uint8_t *p = zc_view_take(v, n);				\
									\
	if (!p)								\
		return v->err;						\
	*out = (type)zc__load_be(p, n);					\
	return 0;							\
}

ZC__VIEW_BE(u8, uint8_t, 1)
ZC__VIEW_BE(u16be, uint16_t, 2)
ZC__VIEW_BE(u32be, uint32_t, 4)
ZC__VIEW_BE(u64be, uint64_t, 8)
ZC__VIEW_BE(i8, int8_t, 1)
ZC__VIEW_BE(i16be, int16_t, 2)
ZC__VIEW_BE(i32be, int32_t, 4)
ZC__VIEW_BE(i64be, int64_t, 8)
#undef ZC__VIEW_BE

/*
 * An unsigned LEB128 varint (protobuf, Kafka records): at most 10 bytes.
 * A longer or overflowing one is -EOVERFLOW (and fails the view).
 */
static inline int zc_view_uvarint(struct zc_view *v, uint64_t *out)
{
	uint64_t x = 0;
	unsigned int shift;
	const uint8_t *p;

	for (shift = 0; shift < 64; shift += 7) {
		p = zc_view_take(v, 1);
		if (!p)
			return v->err;
		if (shift == 63 && *p > 1)
			break;
		x |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80)) {
			*out = x;
			return 0;
		}
	}
	v->err = -EOVERFLOW;
	return v->err;
}

/* A signed zigzag varint (Kafka record fields). */
static inline int zc_view_varint(struct zc_view *v, int64_t *out)
{
	uint64_t u;
	int ret = zc_view_uvarint(v, &u);

	if (ret)
		return ret;
	*out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

/*
 * Random access that does not move the cursor: the @n bytes at @off from
 * the start of the view, or NULL when they run past its end. Does not fail
 * the view.
 */
static inline const uint8_t *zc_view_at(const struct zc_view *v, size_t off,
					size_t n)
{
	if (off > v->len || n > v->len - off)
		return NULL;
	return v->p + off;
}

ZC_END_DECLS

#endif
