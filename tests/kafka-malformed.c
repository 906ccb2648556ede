/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-malformed.c - what a hostile or broken client can send to
 * src/kafka/proto*.c: frame sizes out of range, every request truncated
 * at every byte (into buffers of exactly that size, so that ASan sees any
 * overread), trailing bytes, negative lengths where they are not
 * nullable, absurd counts refused before anything is allocated, and
 * random bodies behind valid headers. Each is refused with its documented
 * error and never crashes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/proto.h"
#include "fuzz/kafka-client.h"

#include "helpers.h"

/* Decodes @len bytes of @body copied to a buffer of exactly @len. */
static int decode_exact(const uint8_t *body, size_t len, size_t *arena)
{
	struct kafka_request r;
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	if (len)
		memcpy(copy, body, len);
	ret = kafka_request_decode(&r, copy, len);
	if (arena)
		*arena = r.arena.bytes;
	kafka_request_exit(&r);
	free(copy);
	return ret;
}

/* The frame in @o (one, from the client encoder), body only. */
static int decode_out(struct t_out *o)
{
	return decode_exact(o->p + 4, o->len - 4, NULL);
}

static void frame_sizes(void **state)
{
	static const struct { uint8_t b[4]; size_t max; ssize_t want; } c[] = {
		{ { 0, 0, 0, 10 }, 100, 14 },
		{ { 0, 0, 0, 9 }, 100, -EBADMSG },	/* below a header */
		{ { 0, 0, 0, 0 }, 100, -EBADMSG },
		{ { 0xff, 0xff, 0xff, 0xff }, 100, -EBADMSG },	/* -1 */
		{ { 0x80, 0, 0, 0 }, 100, -EBADMSG },	/* INT32_MIN */
		{ { 0, 0, 0, 100 }, 100, 104 },		/* exactly max */
		{ { 0, 0, 0, 101 }, 100, -EMSGSIZE },
		{ { 0x7f, 0xff, 0xff, 0xff }, KAFKA_MAX_REQUEST_DEFAULT,
		  -EMSGSIZE },
		{ { 0x06, 0x40, 0x00, 0x00 }, KAFKA_MAX_REQUEST_DEFAULT,
		  (ssize_t)KAFKA_MAX_REQUEST_DEFAULT + 4 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		assert_int_equal(kafka_frame_size(c[i].b, 4, c[i].max),
				 c[i].want);
	/* the prefix alone decides: fewer than 4 bytes is "need more" */
	for (i = 0; i < 4; i++)
		assert_int_equal(kafka_frame_size(c[0].b, i, 100), 0);
	assert_int_equal(kafka_frame_size(NULL, 0, 100), 0);
}

/* One request of every API and version the codec reads, into @o. */
static void all_requests(struct t_out *o, size_t *ends, int *nr)
{
	static const struct t_record recs[] = {
		{ "k", "v", "h", "x" }, { NULL, NULL, NULL, NULL },
	};
	struct kafka_str names[2] = { KAFKA_STR("orders"), KAFKA_STR("x") };
	struct kafka_metadata_req m = { .nr_topics = 2, .topics = names };
	struct t_out b = { 0 };
	struct kafka_produce_part pp[2];
	struct kafka_produce_topic pt = { KAFKA_STR("orders"), 2, pp };
	struct kafka_produce_req p = { KAFKA_STR("tx"), -1, 100, 1, &pt };
	struct kafka_fetch_part fp[2] = {
		{ 0, 1, 2, 3, 4 }, { 5, 6, 7, 8, 9 },
	};
	struct kafka_fetch_topic ft = { KAFKA_STR("orders"), 2, fp };
	int32_t gone = 3;
	struct kafka_fetch_forgotten fg = { KAFKA_STR("f"), 1, &gone };
	struct kafka_fetch_req f = { -1, 500, 1, 1000, 0, 0, -1, 1, &ft, 1,
				     &fg, KAFKA_STR("rack") };
	struct kafka_list_offsets_part lp = { 0, -2 };
	struct kafka_list_offsets_topic lt = { KAFKA_STR("t"), 1, &lp };
	struct kafka_list_offsets_req l = { -1, 0, 1, &lt };
	int v;

	t_batch(&b, recs, 2, 1, 0);
	pp[0] = (struct kafka_produce_part){ 0, { b.p, (int32_t)b.len } };
	pp[1] = (struct kafka_produce_part){ 1, { NULL, -1 } };
	*nr = 0;
	for (v = 0; v <= 2; v++) {
		t_api_versions_req(o, v, 1);
		ends[(*nr)++] = o->len;
	}
	for (v = 0; v <= 4; v++) {
		t_metadata_req(o, v, 1, &m);
		ends[(*nr)++] = o->len;
	}
	for (v = 0; v <= 7; v++) {
		t_produce_req(o, v, 1, &p);
		ends[(*nr)++] = o->len;
	}
	for (v = 4; v <= 11; v++) {
		t_fetch_req(o, v, 1, &f);
		ends[(*nr)++] = o->len;
	}
	for (v = 1; v <= 2; v++) {
		t_list_offsets_req(o, v, 1, &l);
		ends[(*nr)++] = o->len;
	}
	t_out_free(&b);
}

/*
 * Every request cut at every byte is -EBADMSG (the frame's own size
 * would refuse it first, but the decoder must not rely on that), and
 * one byte too many is -EBADMSG too.
 */
static void truncated_everywhere(void **state)
{
	struct t_out o = { 0 };
	size_t ends[32], start = 0, len, cut;
	uint8_t *body;
	int nr, i;

	(void)state;
	all_requests(&o, ends, &nr);
	for (i = 0; i < nr; start = ends[i++]) {
		body = o.p + start + 4;
		len = ends[i] - start - 4;
		assert_int_equal(decode_exact(body, len, NULL), 0);
		for (cut = 0; cut < len; cut++)
			assert_int_equal(decode_exact(body, cut, NULL),
					 -EBADMSG);
		body = malloc(len + 1);
		memcpy(body, o.p + start + 4, len);
		body[len] = 0;
		assert_int_equal(decode_exact(body, len + 1, NULL), -EBADMSG);
		free(body);
	}
	t_out_free(&o);
}

static void put16(uint8_t *p, int16_t x)
{
	p[0] = (uint8_t)((uint16_t)x >> 8);
	p[1] = (uint8_t)x;
}

static void put32(uint8_t *p, int32_t x)
{
	uint32_t u = (uint32_t)x;

	p[0] = (uint8_t)(u >> 24);
	p[1] = (uint8_t)(u >> 16);
	p[2] = (uint8_t)(u >> 8);
	p[3] = (uint8_t)u;
}

/* A header v1 with client id "t" is 11 bytes; bodies start after it. */
#define BODY 11

static void negative_lengths(void **state)
{
	struct t_out o = { 0 };
	size_t s;

	(void)state;
	/* client_id: null is fine, -2 is not */
	s = t_req_begin(&o, KAFKA_API_API_VERSIONS, 0, 1, NULL);
	t_req_end(&o, s);
	assert_int_equal(decode_out(&o), 0);
	put16(o.p + 12, -2);
	assert_int_equal(decode_out(&o), -EBADMSG);
	put16(o.p + 12, INT16_MIN);
	assert_int_equal(decode_out(&o), -EBADMSG);
	put16(o.p + 12, 1);		/* longer than the frame */
	assert_int_equal(decode_out(&o), -EBADMSG);
	o.len = 0;

	/* Metadata: v0 has no null array; v1+ does; names are never null */
	s = t_req_begin(&o, KAFKA_API_METADATA, 0, 1, "t");
	t_i32(&o, -1);
	t_req_end(&o, s);
	assert_int_equal(decode_out(&o), -EBADMSG);
	o.p[4 + 3] = 1;			/* version 1 */
	assert_int_equal(decode_out(&o), 0);
	put32(o.p + 4 + BODY, -2);
	assert_int_equal(decode_out(&o), -EBADMSG);
	o.len = 0;
	s = t_req_begin(&o, KAFKA_API_METADATA, 1, 1, "t");
	t_i32(&o, 1);
	t_i16(&o, -1);
	t_req_end(&o, s);
	assert_int_equal(decode_out(&o), -EBADMSG);
	o.len = 0;

	/* Produce: transactional id nullable, topic name not; records
	 * nullable, but not below -1 */
	s = t_req_begin(&o, KAFKA_API_PRODUCE, 7, 1, "t");
	t_i16(&o, -1);			/* transactional id */
	t_i16(&o, 1);
	t_i32(&o, 100);
	t_i32(&o, 1);
	t_cstr(&o, "t");
	t_i32(&o, 1);
	t_i32(&o, 0);
	t_i32(&o, -1);			/* records: null */
	t_req_end(&o, s);
	assert_int_equal(decode_out(&o), 0);
	put32(o.p + o.len - 4, -2);
	assert_int_equal(decode_out(&o), -EBADMSG);
	put32(o.p + o.len - 4, -1);
	put16(o.p + 4 + BODY, -2);	/* transactional id */
	assert_int_equal(decode_out(&o), -EBADMSG);
	put16(o.p + 4 + BODY, -1);
	put16(o.p + 4 + BODY + 12, -1);	/* topic name */
	assert_int_equal(decode_out(&o), -EBADMSG);
	put16(o.p + 4 + BODY + 12, 1);
	put32(o.p + 4 + BODY + 15, -1);	/* partition count */
	assert_int_equal(decode_out(&o), -EBADMSG);
	o.len = 0;

	/* Fetch v11: rack_id is a string, not nullable */
	{
		struct kafka_fetch_req f = { .session_epoch = -1,
					     .rack_id = KAFKA_STR("") };

		t_fetch_req(&o, 11, 1, &f);
		assert_int_equal(decode_out(&o), 0);
		put16(o.p + o.len - 2, -1);
		assert_int_equal(decode_out(&o), -EBADMSG);
		o.len = 0;
		t_fetch_req(&o, 7, 1, &f);
		put32(o.p + o.len - 4, -1);	/* forgotten topics */
		assert_int_equal(decode_out(&o), -EBADMSG);
		o.len = 0;
	}
	/* ListOffsets: negative partition count */
	s = t_req_begin(&o, KAFKA_API_LIST_OFFSETS, 1, 1, "t");
	t_i32(&o, -1);
	t_i32(&o, 1);
	t_cstr(&o, "t");
	t_i32(&o, -5);
	t_req_end(&o, s);
	assert_int_equal(decode_out(&o), -EBADMSG);
	t_out_free(&o);
}

/*
 * A count near 2^31 in a ~100-byte frame, at every level of every API:
 * refused before anything is allocated. Then the largest count whose
 * minimal elements would fit: the elements themselves are missing.
 */
static void absurd_counts(void **state)
{
	static const int32_t counts[] = { INT32_MAX, 0x40000000, 1 << 20, 87 };
	struct t_out o = { 0 };
	size_t s, arena;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		int32_t n = counts[i];

		/* Metadata topics */
		o.len = 0;
		s = t_req_begin(&o, KAFKA_API_METADATA, 4, 1, "t");
		t_i32(&o, n);
		t_raw(&o, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
		t_req_end(&o, s);
		assert_int_equal(decode_exact(o.p + 4, o.len - 4, &arena),
				 -EBADMSG);
		if (n > 87)
			assert_int_equal(arena, 0);

		/* Produce topics, then partitions of one topic */
		o.len = 0;
		s = t_req_begin(&o, KAFKA_API_PRODUCE, 7, 1, "t");
		t_i16(&o, -1);
		t_i16(&o, 1);
		t_i32(&o, 0);
		t_i32(&o, n);
		t_raw(&o, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			  "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		      48);
		t_req_end(&o, s);
		assert_int_equal(decode_exact(o.p + 4, o.len - 4, &arena),
				 -EBADMSG);
		if (n > 87)
			assert_int_equal(arena, 0);
		put32(o.p + 4 + BODY + 8, 1);
		put16(o.p + 4 + BODY + 12, 1);
		put32(o.p + 4 + BODY + 15, n);
		assert_int_equal(decode_exact(o.p + 4, o.len - 4, &arena),
				 -EBADMSG);

		/* Fetch topics, partitions, forgotten topics and partitions */
		o.len = 0;
		s = t_req_begin(&o, KAFKA_API_FETCH, 11, 1, "t");
		t_raw(&o, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 21);
		t_i32(&o, n);
		t_raw(&o, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			  "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 40);
		t_req_end(&o, s);
		assert_int_equal(decode_exact(o.p + 4, o.len - 4, &arena),
				 -EBADMSG);
		if (n > 87)
			assert_int_equal(arena, 0);

		/* ListOffsets topics */
		o.len = 0;
		s = t_req_begin(&o, KAFKA_API_LIST_OFFSETS, 2, 1, "t");
		t_i32(&o, -1);
		t_i8(&o, 0);
		t_i32(&o, n);
		t_raw(&o, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
		t_req_end(&o, s);
		assert_int_equal(decode_exact(o.p + 4, o.len - 4, &arena),
				 -EBADMSG);
		if (n > 87)
			assert_int_equal(arena, 0);
	}
	t_out_free(&o);
}

/* Valid nulls decode, and say they are null. */
static void nullable_strings(void **state)
{
	struct kafka_produce_part pp = { 0, { NULL, -1 } };
	struct kafka_produce_topic pt = { KAFKA_STR("t"), 1, &pp };
	struct kafka_produce_req p = { KAFKA_STR_NULL, 0, 0, 1, &pt };
	struct kafka_request r;
	struct t_out o = { 0 };
	size_t s;

	(void)state;
	t_produce_req(&o, 3, 1, &p);
	assert_int_equal(kafka_request_decode(&r, o.p + 4, o.len - 4), 0);
	assert_true(kafka_str_is_null(&r.produce.transactional_id));
	assert_null(r.produce.transactional_id.p);
	assert_int_equal(r.produce.topics[0].partitions[0].records.len, -1);
	assert_int_equal(kafka_batch_validate(
		r.produce.topics[0].partitions[0].records.p,
		(size_t)r.produce.topics[0].partitions[0].records.len, NULL,
		NULL), KAFKA_INVALID_RECORD);
	kafka_request_exit(&r);
	o.len = 0;
	s = t_req_begin(&o, KAFKA_API_METADATA, 2, 9, NULL);
	t_i32(&o, -1);
	t_req_end(&o, s);
	assert_int_equal(kafka_request_decode(&r, o.p + 4, o.len - 4), 0);
	assert_true(kafka_str_is_null(&r.hdr.client_id));
	assert_true(r.metadata.all_topics);
	kafka_request_exit(&r);
	t_out_free(&o);
}

/* Random bodies behind every valid header: only documented answers. */
static void random_bodies(void **state)
{
	static const int keys[] = { 0, 1, 2, 3, 18, 10, 42 };
	uint8_t body[96];
	unsigned int seed = 12345, i, k;
	size_t len, j;
	int ret, v;

	(void)state;
	for (i = 0; i < 20000; i++) {
		k = (unsigned int)rand_r(&seed) % 7;
		v = rand_r(&seed) % 13;
		len = 10 + (size_t)rand_r(&seed) % (sizeof(body) - 10);
		for (j = 0; j < len; j++)
			body[j] = (uint8_t)rand_r(&seed);
		/* small lengths and counts, so that decoding goes deep */
		for (j = 10; j + 4 <= len; j += 4)
			if (rand_r(&seed) % 2)
				body[j] = body[j + 1] = 0;
		put16(body, (int16_t)keys[k]);
		put16(body + 2, (int16_t)v);
		put16(body + 8, -1);
		ret = decode_exact(body, len, NULL);
		assert_true(ret == 0 || ret == -EBADMSG || ret == -ENOTSUP ||
			    ret == -ENOPROTOOPT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frame_sizes),
		cmocka_unit_test(truncated_everywhere),
		cmocka_unit_test(negative_lengths),
		cmocka_unit_test(absurd_counts),
		cmocka_unit_test(nullable_strings),
		cmocka_unit_test(random_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
