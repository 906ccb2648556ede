/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-codec-util.h - what the Kafka codec test programs share
 * (tests/kafka-codec.c, kafka-commit-codec.c, kafka-group-codec.c,
 * kafka-admin.c): one frame decoded whole, request bodies decoded from
 * exactly-sized copies and cut at every byte, strings and golden bytes
 * compared with cmocka's assertions. Include after helpers.h and
 * fuzz/kafka-client.h.
 */
#ifndef ZC_TESTS_KAFKA_CODEC_UTIL_H
#define ZC_TESTS_KAFKA_CODEC_UTIL_H

/* A file whose golden bytes carry another correlation id defines its own
 * CORR before including this. */
#ifndef CORR
#define CORR 0x01020304
#endif

/* Decodes the single frame in @o; returns kafka_request_decode's value. */
static inline int decode(struct t_out *o, struct kafka_request *r)
{
	ssize_t n = kafka_frame_size(o->p, o->len, KAFKA_MAX_REQUEST_DEFAULT);

	assert_int_equal(n, o->len);
	return kafka_request_decode(r, o->p + 4, o->len - 4);
}

static inline void assert_str_eq(const struct kafka_str *a,
				 const struct kafka_str *b)
{
	assert_int_equal(a->len, b->len);
	if (a->len > 0)
		assert_memory_equal(a->p, b->p, (size_t)a->len);
}

static inline void assert_golden(const struct kafka_wbuf *w, const uint8_t *g,
				 size_t n)
{
	assert_int_equal(w->len, n);
	assert_memory_equal(w->p, g, n);
}

/*
 * One API's request body decoder: @v (version @ver) into @out, variable
 * parts in @a (a decoder that has none ignores it). Returns the kafka_*
 * decoder's value.
 */
typedef int (*t_body_dec_fn)(struct zc_view *v, int ver, void *out,
			     struct kafka_arena *a);

/*
 * Decodes @len bytes of @p with @dec into @out, from a copy of exactly
 * @len bytes so that ASan sees any read past the end. Returns @dec's value.
 */
static inline int t_decode_exact(t_body_dec_fn dec, int ver, void *out,
				 const uint8_t *p, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct kafka_arena a;
	struct zc_view v;
	int ret;

	assert_non_null(copy);
	memcpy(copy, p, len);
	zc_view_init(&v, copy, len);
	kafka_arena_init(&a);
	ret = dec(&v, ver, out, &a);
	kafka_arena_exit(&a);
	free(copy);
	return ret;
}

/*
 * @dec accepts the @n-byte body @p, and rejects with -EBADMSG each proper
 * prefix of it and the body with one (zero) byte more, all decoded by
 * t_decode_exact into the scratch @out.
 */
static inline void t_assert_truncations(t_body_dec_fn dec, int ver,
					void *out, const uint8_t *p, size_t n)
{
	uint8_t *more = malloc(n + 1);
	size_t i;

	assert_non_null(more);
	assert_int_equal(t_decode_exact(dec, ver, out, p, n), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(t_decode_exact(dec, ver, out, p, i), -EBADMSG);
	memcpy(more, p, n);
	more[n] = 0;
	assert_int_equal(t_decode_exact(dec, ver, out, more, n + 1), -EBADMSG);
	free(more);
}

/* t_assert_truncations on the body of the one request frame in @o. */
static inline void t_assert_req_truncations(struct t_out *o,
					    t_body_dec_fn dec, int ver,
					    void *out)
{
	t_assert_truncations(dec, ver, out, o->p + T_REQ_HDR_LEN,
			     o->len - T_REQ_HDR_LEN);
}

#endif
