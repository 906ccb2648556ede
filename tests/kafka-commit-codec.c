/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-commit-codec.c - the codecs of the coordinator and
 * committed-offset APIs (src/kafka/proto_coord.c, proto_commit.c): golden
 * bytes from the protocol guide, round trips of every request and
 * response version through the test client
 * (tests/fuzz/kafka-client-commit.h), and malformed bodies (truncated at
 * every byte, negative lengths, absurd counts) rejected with -EBADMSG.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/proto.h"
#include "kafka/proto_coord.h"
#include "fuzz/kafka-client-commit.h"

#include "helpers.h"

#define CORR 0x01020304

/* Decodes the single frame in @o; returns kafka_request_decode's value. */
static int decode(struct t_out *o, struct kafka_request *r)
{
	ssize_t n = kafka_frame_size(o->p, o->len, KAFKA_MAX_REQUEST_DEFAULT);

	assert_int_equal(n, o->len);
	return kafka_request_decode(r, o->p + 4, o->len - 4);
}

static void assert_str_eq(const struct kafka_str *a, const struct kafka_str *b)
{
	assert_int_equal(a->len, b->len);
	if (a->len > 0)
		assert_memory_equal(a->p, b->p, (size_t)a->len);
}

/* ---- FindCoordinator ------------------------------------------------ */

static int find_coord_decode(struct kafka_request *r,
			     struct kafka_find_coord_req *f)
{
	struct zc_view v = r->body;

	return kafka_find_coord_req_decode(&v, r->hdr.api_version, f);
}

static void find_coord_req(void **state)
{
	struct kafka_find_coord_req in = { KAFKA_STR("grp"), 1 }, out;
	struct kafka_request r;
	struct t_out o = { 0 };
	size_t cut;
	int v;

	(void)state;
	for (v = 0; v <= 2; v++) {
		o.len = 0;
		t_find_coord_req(&o, v, 11, &in);
		assert_int_equal(decode(&o, &r), 0);
		assert_int_equal(r.hdr.api_key, KAFKA_API_FIND_COORDINATOR);
		assert_int_equal(find_coord_decode(&r, &out), 0);
		assert_str_eq(&out.key, &in.key);
		/* v0 has no key_type: a group */
		assert_int_equal(out.key_type, v ? 1 : 0);
		kafka_request_exit(&r);
		/* every truncation of the body is malformed */
		for (cut = T_REQ_HDR_LEN; cut < o.len; cut++) {
			struct zc_view bv;

			zc_view_init(&bv, o.p + T_REQ_HDR_LEN,
				     cut - T_REQ_HDR_LEN);
			assert_int_equal(kafka_find_coord_req_decode(&bv, v,
								     &out),
					 -EBADMSG);
		}
		/* a trailing byte too */
		t_i8(&o, 0);
		t_req_end(&o, 0);
		assert_int_equal(decode(&o, &r), 0);
		assert_int_equal(find_coord_decode(&r, &out), -EBADMSG);
		kafka_request_exit(&r);
	}
	/* a null key, a negative length */
	o.len = 0;
	in.key = KAFKA_STR_NULL;
	t_find_coord_req(&o, 1, 12, &in);
	assert_int_equal(decode(&o, &r), 0);
	assert_int_equal(find_coord_decode(&r, &out), -EBADMSG);
	kafka_request_exit(&r);
	o.p[T_REQ_HDR_LEN] = 0x80;
	assert_int_equal(decode(&o, &r), 0);
	assert_int_equal(find_coord_decode(&r, &out), -EBADMSG);
	kafka_request_exit(&r);
	/* versions outside 0-2 */
	{
		struct zc_view bv;

		zc_view_init(&bv, NULL, 0);
		assert_int_equal(kafka_find_coord_req_decode(&bv, 3, &out),
				 -ENOTSUP);
		assert_int_equal(kafka_find_coord_req_decode(&bv, -1, &out),
				 -ENOTSUP);
	}
	t_out_free(&o);
}

/* The protocol guide's layouts, v0 and v1, byte for byte. */
static void find_coord_golden(void **state)
{
	static const uint8_t v0[] = {
		0x00, 0x00, 0x00, 0x19, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00,				/* error */
		0x00, 0x00, 0x00, 0x01,			/* node 1 */
		0x00, 0x09, '1', '2', '7', '.', '0', '.', '0', '.', '1',
		0x00, 0x00, 0x23, 0x84,			/* 9092 */
	};
	static const uint8_t v1[] = {
		0x00, 0x00, 0x00, 0x17, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x00,			/* throttle */
		0x00, 0x0f,				/* error 15 */
		0x00, 0x01, 'x',			/* message */
		0xff, 0xff, 0xff, 0xff,			/* node -1 */
		0x00, 0x00,				/* host "" */
		0xff, 0xff, 0xff, 0xff,			/* port -1 */
	};
	struct kafka_find_coord_resp r = {
		0, 0, KAFKA_STR_NULL, 1, KAFKA_STR("127.0.0.1"), 9092,
	};
	struct kafka_wbuf w;

	(void)state;
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_find_coord_resp_encode(&w, 0, CORR, &r), 0);
	assert_int_equal(w.len, sizeof(v0));
	assert_memory_equal(w.p, v0, sizeof(v0));
	kafka_wbuf_reset(&w);
	r = (struct kafka_find_coord_resp){ 0, 15, KAFKA_STR("x"), -1,
					    KAFKA_STR(""), -1 };
	assert_int_equal(kafka_find_coord_resp_encode(&w, 1, CORR, &r), 0);
	assert_int_equal(w.len, sizeof(v1));
	assert_memory_equal(w.p, v1, sizeof(v1));
	kafka_wbuf_reset(&w);
	assert_int_equal(kafka_find_coord_resp_encode(&w, 3, CORR, &r),
			 -EINVAL);
	assert_int_equal(w.len, 0);
	kafka_wbuf_exit(&w);
}

static void find_coord_resp(void **state)
{
	struct kafka_find_coord_resp in = {
		7, 0, KAFKA_STR("msg"), 1, KAFKA_STR("localhost"), 12345,
	}, back;
	struct kafka_wbuf w;
	struct zc_view v;
	int ver;

	(void)state;
	for (ver = 0; ver <= 2; ver++) {
		kafka_wbuf_init(&w);
		assert_int_equal(kafka_find_coord_resp_encode(&w, ver, CORR,
							      &in), 0);
		assert_int_equal(t_resp_open(&v, w.p, w.len, CORR), 0);
		assert_int_equal(t_find_coord_resp(&v, ver, &back), 0);
		assert_int_equal(back.error, in.error);
		assert_int_equal(back.node_id, 1);
		assert_int_equal(back.port, 12345);
		assert_str_eq(&back.host, &in.host);
		if (ver) {
			assert_int_equal(back.throttle_time_ms, 7);
			assert_str_eq(&back.error_message, &in.error_message);
		}
		kafka_wbuf_exit(&w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(find_coord_req),
		cmocka_unit_test(find_coord_golden),
		cmocka_unit_test(find_coord_resp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
