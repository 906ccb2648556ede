/* SPDX-License-Identifier: MIT */
/*
 * kafka/wire.h - the primitive types of the Kafka wire protocol
 * (non-flexible versions): strings and byte arrays read in place, an
 * append-only output buffer for encoders, and the arena that holds a
 * decoded request's arrays.
 *
 * Decoding reads with zc_view (include/zcio/view.h, bounds-checked,
 * big-endian); the helpers here add Kafka's length-prefixed forms and the
 * count checks that keep an absurd array count from allocating anything.
 * Encoding appends to a struct kafka_wbuf whose first error is sticky, so
 * that an encoder writes every field and checks once at the end.
 *
 * Compatible changes since the first version:
 * - kafka_wbuf_to_chain: on error @w is emptied (it was said to keep its
 *   bytes, which a refcounted buffer that already owns them cannot do).
 * - kafka_wbuf_extend: a counting buffer returns NULL without an error.
 * - kafka_arena_alloc: n == 0 no longer allocates.
 */
#ifndef ZC_KAFKA_WIRE_H
#define ZC_KAFKA_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zcio/chain.h>
#include <zcio/view.h>

/*
 * A string on the wire (int16 length + bytes, not NUL-terminated). In a
 * decoded request @p points into the frame, which must outlive it. A null
 * string has @p NULL and @len -1; an empty one has @len 0.
 */
struct kafka_str {
	const char *p;
	int32_t len;
};

#define KAFKA_STR_NULL ((struct kafka_str){ NULL, -1 })
/* A string literal as a kafka_str. */
#define KAFKA_STR(lit) ((struct kafka_str){ (lit), (int32_t)sizeof(lit) - 1 })

/* @s (NUL-terminated, or NULL for a null string) as a kafka_str. */
static inline struct kafka_str kafka_str_c(const char *s)
{
	return s ? (struct kafka_str){ s, (int32_t)strlen(s) } : KAFKA_STR_NULL;
}

static inline bool kafka_str_is_null(const struct kafka_str *s)
{
	return s->len < 0;
}

/* True when @s is not null and holds exactly the NUL-terminated @c. */
static inline bool kafka_str_eq(const struct kafka_str *s, const char *c)
{
	size_t n = strlen(c);

	return s->len >= 0 && (size_t)s->len == n && !memcmp(s->p, c, n);
}

/*
 * A byte array on the wire (int32 length + bytes): records in a produce
 * request. Mutable so that a record batch can be patched in place
 * (kafka_batch_set_base_offset) inside the receive buffer. Null: @p NULL,
 * @len -1.
 */
struct kafka_bytes {
	uint8_t *p;
	int32_t len;
};

/* Reading (decoders). Each returns 0 or the view's sticky error. */

/* A nullable string; -EBADMSG for a length below -1. */
int kafka_read_str(struct zc_view *v, struct kafka_str *s);

/* A non-null string: -EBADMSG also for -1. */
int kafka_read_str_nn(struct zc_view *v, struct kafka_str *s);

/*
 * Nullable bytes, pointing into the view's memory. The view's bytes must be
 * writable memory when the caller patches them (see struct kafka_bytes).
 */
int kafka_read_bytes(struct zc_view *v, struct kafka_bytes *b);

/*
 * An array count (int32). -1 (null) sets *@null and *@n = 0 when @nullable,
 * else it is -EBADMSG like any other negative count. A count whose elements
 * cannot fit in the bytes left, at @min_size wire bytes each, is -EBADMSG
 * too: this is what rejects 2^31 topics in a 100-byte frame before
 * anything is allocated. @null may be NULL when !@nullable.
 */
int kafka_read_count(struct zc_view *v, size_t min_size, bool nullable,
		     uint32_t *n, bool *null);

/*
 * Fails the view with -EBADMSG (a field that is out of range although it
 * was read whole); returns -EBADMSG. Keeps an earlier error.
 */
int kafka_view_bad(struct zc_view *v);

/*
 * The arena of a decoded request: every array the decoder allocates, freed
 * together. Private fields.
 */
struct kafka_arena {
	void *head;	/* a list of blocks */
	size_t bytes;	/* allocated so far */
};

void kafka_arena_init(struct kafka_arena *a);

/* Frees every block; the arena stays usable (empty). */
void kafka_arena_exit(struct kafka_arena *a);

/*
 * @n zeroed elements of @size bytes; NULL on overflow or -ENOMEM. @n == 0
 * returns a valid non-NULL pointer to nothing (no allocation).
 */
void *kafka_arena_alloc(struct kafka_arena *a, size_t n, size_t size);

/*
 * An output buffer. Growable (kafka_wbuf_init), fixed over caller memory
 * (kafka_wbuf_init_fixed: a write past the end fails with -ENOBUFS) or
 * counting only (kafka_wbuf_init_count: stores nothing, for sizing). Public
 * so that tests can read @p and @len; write only through the functions.
 */
struct kafka_wbuf {
	uint8_t *p;	/* the bytes (NULL when counting) */
	size_t len;	/* bytes written */
	size_t cap;	/* bytes at p */
	int err;	/* 0, or the first: -ENOMEM, -ENOBUFS, -EOVERFLOW */
	int mode;	/* private */
};

void kafka_wbuf_init(struct kafka_wbuf *w);
void kafka_wbuf_init_fixed(struct kafka_wbuf *w, void *p, size_t cap);
void kafka_wbuf_init_count(struct kafka_wbuf *w);

/* Frees a growable buffer's memory; leaves @w empty. */
void kafka_wbuf_exit(struct kafka_wbuf *w);

/* Forgets the bytes and the error, keeping the memory. */
void kafka_wbuf_reset(struct kafka_wbuf *w);

/*
 * Moves the bytes of a growable @w into a refcounted buffer appended to
 * @c as one memory piece (so several responses encoded into one wbuf leave
 * in one gathered write). @w is left empty, without memory, and usable.
 * Returns 0, or a negative errno: @w's sticky error, -EINVAL when @w is
 * not growable, -ENOMEM; @w is emptied then too (the bytes are dropped:
 * close the connection). An empty @w appends nothing.
 */
int kafka_wbuf_to_chain(struct kafka_wbuf *w, struct zc_chain *c);

/*
 * The address of @n more bytes at the end (to fill in), or NULL (and the
 * error set) when they do not fit. A counting buffer counts them and
 * returns NULL with no error. Valid until the next write to a growable
 * buffer.
 */
uint8_t *kafka_wbuf_extend(struct kafka_wbuf *w, size_t n);

void kafka_put_raw(struct kafka_wbuf *w, const void *p, size_t n);
void kafka_put_i8(struct kafka_wbuf *w, int8_t x);
void kafka_put_i16(struct kafka_wbuf *w, int16_t x);
void kafka_put_i32(struct kafka_wbuf *w, int32_t x);
void kafka_put_i64(struct kafka_wbuf *w, int64_t x);
/* A nullable string; a length above INT16_MAX sets -EOVERFLOW. */
void kafka_put_str(struct kafka_wbuf *w, const struct kafka_str *s);
/* Nullable bytes (@len -1 with @p NULL is null). */
void kafka_put_bytes(struct kafka_wbuf *w, const void *p, int32_t len);
/* An array count; above INT32_MAX sets -EOVERFLOW. */
void kafka_put_count(struct kafka_wbuf *w, size_t n);

/* Overwrites 4 bytes at @off (an earlier placeholder). */
void kafka_patch_i32(struct kafka_wbuf *w, size_t off, int32_t x);

/*
 * Response framing for encoders: kafka_resp_begin writes a size
 * placeholder and the response header v0 (the correlation id) and returns
 * the frame's start offset; kafka_resp_end fills in the size as the bytes
 * written since, plus @extra bytes that the caller sends from elsewhere
 * (the file ranges of a fetch response). kafka_resp_end returns 0 or the
 * sticky error (-EOVERFLOW when the frame exceeds INT32_MAX); on error
 * @w is cut back to @start, so earlier responses in it stay intact, and
 * the error is cleared.
 */
size_t kafka_resp_begin(struct kafka_wbuf *w, int32_t correlation_id);
int kafka_resp_end(struct kafka_wbuf *w, size_t start, uint64_t extra);

#endif
