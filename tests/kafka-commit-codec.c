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
#include "kafka/proto_commit.h"
#include "kafka/proto_coord.h"
#include "fuzz/kafka-client-commit.h"

#include "helpers.h"
#include "kafka-codec-util.h"

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
	assert_golden(&w, v0, sizeof(v0));
	kafka_wbuf_reset(&w);
	r = (struct kafka_find_coord_resp){ 0, 15, KAFKA_STR("x"), -1,
					    KAFKA_STR(""), -1 };
	assert_int_equal(kafka_find_coord_resp_encode(&w, 1, CORR, &r), 0);
	assert_golden(&w, v1, sizeof(v1));
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

/* ---- OffsetCommit --------------------------------------------------- */

static int commit_dec(struct zc_view *v, int version, void *out,
		      struct kafka_arena *a)
{
	return kafka_commit_req_decode(v, version, out, a);
}

static int fetch_dec(struct zc_view *v, int version, void *out,
		     struct kafka_arena *a)
{
	return kafka_offset_fetch_req_decode(v, version, out, a);
}

static struct kafka_commit_part cparts[3] = {
	{ 0, 42, 5, 1700000000000, KAFKA_STR("meta") },
	{ 7, 0, -1, -1, { NULL, -1 } },
	{ 1, 1LL << 40, 9, 17, KAFKA_STR("") },
};

static struct kafka_commit_topic ctopics[2] = {
	{ KAFKA_STR("orders"), 2, cparts },
	{ KAFKA_STR("t.2"), 1, cparts + 2 },
};

static void check_commit_part(const struct kafka_commit_part *got,
			      const struct kafka_commit_part *want, int v)
{
	assert_int_equal(got->partition, want->partition);
	assert_int_equal(got->offset, want->offset);
	assert_int_equal(got->leader_epoch, v >= 6 ? want->leader_epoch : -1);
	assert_int_equal(got->commit_timestamp,
			 v == 1 ? want->commit_timestamp : -1);
	assert_str_eq(&got->metadata, &want->metadata);
}

static void commit_req(void **state)
{
	struct kafka_commit_req in = {
		KAFKA_STR("grp"), 3, KAFKA_STR("m-1"), KAFKA_STR("inst"),
		86400000, 2, ctopics,
	}, *c, tmp;
	struct kafka_request r;
	struct t_out o = { 0 };
	uint32_t i, j;
	int v;

	(void)state;
	for (v = 0; v <= 7; v++) {
		o.len = 0;
		t_commit_req(&o, v, 20 + v, &in);
		assert_int_equal(decode(&o, &r), 0);
		c = malloc(sizeof(*c));
		assert_non_null(c);
		assert_int_equal(commit_dec(&r.body, v, c, &r.arena), 0);
		assert_str_eq(&c->group_id, &in.group_id);
		assert_int_equal(c->generation_id, v >= 1 ? 3 : -1);
		assert_true(kafka_str_eq(&c->member_id, v >= 1 ? "m-1" : ""));
		if (v >= 7)
			assert_true(kafka_str_eq(&c->group_instance_id,
						 "inst"));
		else
			assert_true(kafka_str_is_null(&c->group_instance_id));
		assert_int_equal(c->retention_time_ms,
				 v >= 2 && v <= 4 ? 86400000 : -1);
		assert_int_equal(c->nr_topics, 2);
		for (i = 0; i < 2; i++) {
			assert_str_eq(&c->topics[i].name, &ctopics[i].name);
			assert_int_equal(c->topics[i].nr_partitions,
					 ctopics[i].nr_partitions);
			for (j = 0; j < ctopics[i].nr_partitions; j++)
				check_commit_part(&c->topics[i].partitions[j],
						  &ctopics[i].partitions[j],
						  v);
		}
		free(c);
		kafka_request_exit(&r);
		t_assert_req_truncations(&o, commit_dec, v, &tmp);
	}
	t_out_free(&o);
}

/* Hand-made malformed bodies, each -EBADMSG before any big allocation. */
static void commit_req_bad(void **state)
{
	struct kafka_commit_req c;
	struct kafka_arena a;
	struct zc_view v;
	struct t_out o = { 0 };

	(void)state;
	kafka_arena_init(&a);
	/* null group id */
	t_i16(&o, -1);
	t_i32(&o, 0);
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_commit_req_decode(&v, 0, &c, &a), -EBADMSG);
	/* 10^9 topics in a few bytes */
	o.len = 0;
	t_cstr(&o, "g");
	t_i32(&o, 1000000000);
	t_cstr(&o, "x");
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_commit_req_decode(&v, 0, &c, &a), -EBADMSG);
	assert_int_equal(a.bytes, 0);
	/* a negative topic count */
	o.len = 0;
	t_cstr(&o, "g");
	t_i32(&o, -1);
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_commit_req_decode(&v, 0, &c, &a), -EBADMSG);
	/* a partition count that cannot fit (v1: 22 bytes each) */
	o.len = 0;
	t_cstr(&o, "g");
	t_i32(&o, 1);
	t_cstr(&o, "m");
	t_i32(&o, 1);
	t_cstr(&o, "t");
	t_i32(&o, 2);
	t_i32(&o, 0);
	t_i64(&o, 0);
	t_i64(&o, 0);
	t_i16(&o, -1);
	t_i32(&o, 0);
	t_i64(&o, 0);
	t_i64(&o, 0);
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_commit_req_decode(&v, 1, &c, &a), -EBADMSG);
	/* metadata length -2 */
	o.len = 0;
	t_cstr(&o, "g");
	t_i32(&o, 1);
	t_cstr(&o, "t");
	t_i32(&o, 1);
	t_i32(&o, 0);
	t_i64(&o, 0);
	t_i16(&o, -2);
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_commit_req_decode(&v, 0, &c, &a), -EBADMSG);
	/* the same with -1 is a null metadata, fine */
	o.p[o.len - 1] = 0xff;
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_commit_req_decode(&v, 0, &c, &a), 0);
	assert_true(kafka_str_is_null(&c.topics[0].partitions[0].metadata));
	/* a null member id (v1+) */
	o.len = 0;
	t_cstr(&o, "g");
	t_i32(&o, 1);
	t_i16(&o, -1);
	t_i32(&o, 0);
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_commit_req_decode(&v, 1, &c, &a), -EBADMSG);
	/* versions outside 0-7 */
	zc_view_init(&v, NULL, 0);
	assert_int_equal(kafka_commit_req_decode(&v, 8, &c, &a), -ENOTSUP);
	assert_int_equal(kafka_commit_req_decode(&v, -1, &c, &a), -ENOTSUP);
	kafka_arena_exit(&a);
	t_out_free(&o);
}

/* OffsetCommit v2 answer (kafka-python's version), built by hand. */
static void commit_golden(void **state)
{
	static const uint8_t v2[] = {
		0x00, 0x00, 0x00, 0x15, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x01,			/* 1 topic */
		0x00, 0x01, 't',
		0x00, 0x00, 0x00, 0x01,			/* 1 partition */
		0x00, 0x00, 0x00, 0x03,			/* partition 3 */
		0x00, 0x0c,		/* OFFSET_METADATA_TOO_LARGE */
	};
	static const uint8_t v3_extra[] = { 0x00, 0x00, 0x00, 0x00 };
	struct kafka_commit_part_resp p = { 3, 12 };
	struct kafka_commit_topic_resp t = { KAFKA_STR("t"), 1, &p };
	struct kafka_commit_resp r = { 0, 1, &t };
	struct kafka_wbuf w;

	(void)state;
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_commit_resp_encode(&w, 2, CORR, &r), 0);
	assert_golden(&w, v2, sizeof(v2));
	/* v3+: throttle_time_ms first */
	kafka_wbuf_reset(&w);
	assert_int_equal(kafka_commit_resp_encode(&w, 7, CORR, &r), 0);
	assert_int_equal(w.len, sizeof(v2) + 4);
	assert_memory_equal(w.p + 8, v3_extra, 4);
	assert_memory_equal(w.p + 12, v2 + 8, sizeof(v2) - 8);
	kafka_wbuf_reset(&w);
	assert_int_equal(kafka_commit_resp_encode(&w, 8, CORR, &r), -EINVAL);
	assert_int_equal(w.len, 0);
	kafka_wbuf_exit(&w);
}

static void commit_resp(void **state)
{
	struct kafka_commit_part_resp p[3] = { { 0, 0 }, { 1, 3 }, { 9, 56 } };
	struct kafka_commit_topic_resp t[2] = {
		{ KAFKA_STR("a"), 2, p }, { KAFKA_STR("bb"), 1, p + 2 },
	};
	struct kafka_commit_resp r = { 5, 2, t }, back;
	struct kafka_arena a;
	struct kafka_wbuf w;
	struct zc_view v;
	int ver;

	(void)state;
	for (ver = 0; ver <= 7; ver++) {
		kafka_arena_init(&a);
		kafka_wbuf_init(&w);
		assert_int_equal(kafka_commit_resp_encode(&w, ver, CORR, &r),
				 0);
		assert_int_equal(t_resp_open(&v, w.p, w.len, CORR), 0);
		assert_int_equal(t_commit_resp(&v, ver, &back, &a), 0);
		assert_int_equal(back.throttle_time_ms, ver >= 3 ? 5 : 0);
		assert_int_equal(back.nr_topics, 2);
		assert_str_eq(&back.topics[1].name, &t[1].name);
		assert_int_equal(back.topics[0].partitions[1].partition, 1);
		assert_int_equal(back.topics[0].partitions[1].error, 3);
		assert_int_equal(back.topics[1].partitions[0].error, 56);
		kafka_wbuf_exit(&w);
		kafka_arena_exit(&a);
	}
}

/* ---- OffsetFetch ---------------------------------------------------- */

static void offset_fetch_req(void **state)
{
	int32_t p0[] = { 0, 1, 2 }, p1[] = { 7 };
	struct kafka_offset_fetch_topic tp[2] = {
		{ KAFKA_STR("orders"), 3, p0 }, { KAFKA_STR("x"), 1, p1 },
	};
	struct kafka_offset_fetch_req in = { KAFKA_STR("g"), false, 2, tp };
	struct kafka_offset_fetch_req f;
	struct kafka_request r;
	struct t_out o = { 0 };
	int v;

	(void)state;
	for (v = 0; v <= 5; v++) {
		o.len = 0;
		in.all_topics = false;
		in.nr_topics = 2;
		t_offset_fetch_req(&o, v, 30 + v, &in);
		assert_int_equal(decode(&o, &r), 0);
		assert_int_equal(fetch_dec(&r.body, v, &f, &r.arena), 0);
		assert_true(kafka_str_eq(&f.group_id, "g"));
		assert_false(f.all_topics);
		assert_int_equal(f.nr_topics, 2);
		assert_str_eq(&f.topics[0].name, &tp[0].name);
		assert_int_equal(f.topics[0].nr_partitions, 3);
		assert_int_equal(f.topics[0].partitions[2], 2);
		assert_int_equal(f.topics[1].partitions[0], 7);
		kafka_request_exit(&r);
		t_assert_req_truncations(&o, fetch_dec, v, &f);
		/* a null array: every partition (v2+), malformed before */
		o.len = 0;
		in.all_topics = true;
		t_offset_fetch_req(&o, v, 40 + v, &in);
		assert_int_equal(decode(&o, &r), 0);
		assert_int_equal(fetch_dec(&r.body, v, &f, &r.arena),
				 v >= 2 ? 0 : -EBADMSG);
		if (v >= 2) {
			assert_true(f.all_topics);
			assert_int_equal(f.nr_topics, 0);
		}
		kafka_request_exit(&r);
	}
	t_out_free(&o);
}

static void offset_fetch_req_bad(void **state)
{
	struct kafka_offset_fetch_req f;
	struct kafka_arena a;
	struct zc_view v;
	struct t_out o = { 0 };

	(void)state;
	kafka_arena_init(&a);
	/* -2 topics */
	t_cstr(&o, "g");
	t_i32(&o, -2);
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_offset_fetch_req_decode(&v, 3, &f, &a),
			 -EBADMSG);
	/* 2^31-1 partitions */
	o.len = 0;
	t_cstr(&o, "g");
	t_i32(&o, 1);
	t_cstr(&o, "t");
	t_i32(&o, INT32_MAX);
	t_i32(&o, 0);
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_offset_fetch_req_decode(&v, 1, &f, &a),
			 -EBADMSG);
	/* the one topic, not the partitions */
	assert_true(a.bytes <= sizeof(*f.topics));
	/* a null partition array is not allowed */
	o.len = 0;
	t_cstr(&o, "g");
	t_i32(&o, 1);
	t_cstr(&o, "t");
	t_i32(&o, -1);
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_offset_fetch_req_decode(&v, 5, &f, &a),
			 -EBADMSG);
	/* a null topic name */
	o.len = 0;
	t_cstr(&o, "g");
	t_i32(&o, 1);
	t_i16(&o, -1);
	t_i32(&o, 0);
	zc_view_init(&v, o.p, o.len);
	assert_int_equal(kafka_offset_fetch_req_decode(&v, 5, &f, &a),
			 -EBADMSG);
	zc_view_init(&v, NULL, 0);
	assert_int_equal(kafka_offset_fetch_req_decode(&v, 6, &f, &a),
			 -ENOTSUP);
	kafka_arena_exit(&a);
	t_out_free(&o);
}

/* OffsetFetch v1 (kafka-python) and v5 (librdkafka), by hand. */
static void offset_fetch_golden(void **state)
{
	static const uint8_t v1[] = {
		0x00, 0x00, 0x00, 0x21, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x01,			/* 1 topic */
		0x00, 0x01, 't',
		0x00, 0x00, 0x00, 0x01,			/* 1 partition */
		0x00, 0x00, 0x00, 0x02,			/* partition 2 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, /* 256 */
		0x00, 0x02, 'm', 'd',			/* metadata */
		0x00, 0x00,				/* error */
	};
	static const uint8_t v5[] = {
		0x00, 0x00, 0x00, 0x2b, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x00,			/* throttle */
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x01, 't',
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
		0x00, 0x00, 0x00, 0x04,			/* leader epoch 4 */
		0x00, 0x02, 'm', 'd',
		0x00, 0x00,
		0x00, 0x00,				/* top-level error */
	};
	struct kafka_offset_fetch_part_resp p = {
		2, 256, 4, KAFKA_STR("md"), 0,
	};
	struct kafka_offset_fetch_topic_resp t = { KAFKA_STR("t"), 1, &p };
	struct kafka_offset_fetch_resp r = { 0, 1, &t, 0 };
	struct kafka_wbuf w;

	(void)state;
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_offset_fetch_resp_encode(&w, 1, CORR, &r), 0);
	assert_golden(&w, v1, sizeof(v1));
	kafka_wbuf_reset(&w);
	assert_int_equal(kafka_offset_fetch_resp_encode(&w, 5, CORR, &r), 0);
	assert_golden(&w, v5, sizeof(v5));
	kafka_wbuf_reset(&w);
	assert_int_equal(kafka_offset_fetch_resp_encode(&w, 6, CORR, &r),
			 -EINVAL);
	assert_int_equal(w.len, 0);
	kafka_wbuf_exit(&w);
}

static void offset_fetch_resp(void **state)
{
	struct kafka_offset_fetch_part_resp p[3] = {
		{ 0, 10, 3, KAFKA_STR("a"), 0 },
		{ 1, -1, -1, KAFKA_STR(""), 0 },
		{ 5, -1, -1, { NULL, -1 }, 3 },
	};
	struct kafka_offset_fetch_topic_resp t[2] = {
		{ KAFKA_STR("x"), 2, p }, { KAFKA_STR("y"), 1, p + 2 },
	};
	struct kafka_offset_fetch_resp r = { 9, 2, t, 24 }, back;
	const struct kafka_offset_fetch_part_resp *q;
	struct kafka_arena a;
	struct kafka_wbuf w;
	struct zc_view v;
	int ver;

	(void)state;
	for (ver = 0; ver <= 5; ver++) {
		kafka_arena_init(&a);
		kafka_wbuf_init(&w);
		assert_int_equal(kafka_offset_fetch_resp_encode(&w, ver, CORR,
								&r), 0);
		assert_int_equal(t_resp_open(&v, w.p, w.len, CORR), 0);
		assert_int_equal(t_offset_fetch_resp(&v, ver, &back, &a), 0);
		assert_int_equal(back.throttle_time_ms, ver >= 3 ? 9 : 0);
		assert_int_equal(back.error, ver >= 2 ? 24 : 0);
		assert_int_equal(back.nr_topics, 2);
		q = back.topics[0].partitions;
		assert_int_equal(q[0].offset, 10);
		assert_int_equal(q[0].leader_epoch, ver >= 5 ? 3 : -1);
		assert_true(kafka_str_eq(&q[0].metadata, "a"));
		assert_int_equal(q[1].offset, -1);
		q = back.topics[1].partitions;
		assert_int_equal(q[0].partition, 5);
		assert_true(kafka_str_is_null(&q[0].metadata));
		assert_int_equal(q[0].error, 3);
		kafka_wbuf_exit(&w);
		kafka_arena_exit(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(find_coord_req),
		cmocka_unit_test(find_coord_golden),
		cmocka_unit_test(find_coord_resp),
		cmocka_unit_test(commit_req),
		cmocka_unit_test(commit_req_bad),
		cmocka_unit_test(commit_golden),
		cmocka_unit_test(commit_resp),
		cmocka_unit_test(offset_fetch_req),
		cmocka_unit_test(offset_fetch_req_bad),
		cmocka_unit_test(offset_fetch_golden),
		cmocka_unit_test(offset_fetch_resp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
