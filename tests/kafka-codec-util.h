/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-codec-util.h - what the Kafka codec test programs share
 * (tests/kafka-codec.c, kafka-commit-codec.c): one frame decoded whole,
 * strings and golden bytes compared with cmocka's assertions. Include
 * after helpers.h and fuzz/kafka-client.h.
 */
#ifndef ZC_TESTS_KAFKA_CODEC_UTIL_H
#define ZC_TESTS_KAFKA_CODEC_UTIL_H

#define CORR 0x01020304

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

#endif
