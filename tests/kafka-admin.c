/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-admin.c - the codec of CreateTopics 0-4 and DeleteTopics 0-3
 * (src/kafka/proto_admin.c): golden bytes written by hand from the
 * protocol guide, round trips of every version in both directions, and
 * malformed bodies (truncated at every byte, trailing bytes, negative
 * lengths and counts, absurd counts) refused with -EBADMSG.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/proto.h"
#include "kafka/proto_admin.h"
#include "fuzz/kafka-client.h"

#include "helpers.h"
#include "kafka-codec-util.h"

static void assert_str(const struct kafka_str *a, const char *want)
{
	if (!want) {
		assert_int_equal(a->len, -1);
		return;
	}
	assert_int_equal(a->len, (int32_t)strlen(want));
	assert_memory_equal(a->p, want, strlen(want));
}

/* ---- golden bytes ------------------------------------------------------ */

/* CreateTopics v4 body: one topic with assignments and a config. */
static const uint8_t ct_v4_body[] = {
	0x00, 0x00, 0x00, 0x01,			/* topics: 1 */
	0x00, 0x03, 'a', 'b', 'c',		/* name */
	0xff, 0xff, 0xff, 0xff,			/* num_partitions -1 */
	0xff, 0xff,				/* replication_factor -1 */
	0x00, 0x00, 0x00, 0x02,			/* assignments: 2 */
	0x00, 0x00, 0x00, 0x00,			/*  partition 0 */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,	/* [1] */
	0x00, 0x00, 0x00, 0x01,			/*  partition 1 */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,	/* [1] */
	0x00, 0x00, 0x00, 0x02,			/* configs: 2 */
	0x00, 0x02, 'k', '1', 0x00, 0x01, 'v',	/* k1=v */
	0x00, 0x02, 'k', '2', 0xff, 0xff,	/* k2=null */
	0x00, 0x00, 0x75, 0x30,			/* timeout_ms 30000 */
	0x01,					/* validate_only */
};

static void golden_create_req(void **state)
{
	struct kafka_create_topics_req q;
	const struct kafka_create_topic *t;
	struct kafka_arena a;
	struct zc_view v;

	(void)state;
	kafka_arena_init(&a);
	zc_view_init(&v, ct_v4_body, sizeof(ct_v4_body));
	assert_int_equal(kafka_create_topics_req_decode(&v, 4, &q, &a), 0);
	assert_int_equal(q.nr_topics, 1);
	t = &q.topics[0];
	assert_str(&t->name, "abc");
	assert_int_equal(t->num_partitions, -1);
	assert_int_equal(t->replication_factor, -1);
	assert_int_equal(t->nr_assignments, 2);
	assert_int_equal(t->assignments[1].partition, 1);
	assert_int_equal(t->assignments[1].nr_brokers, 1);
	assert_int_equal(t->assignments[1].brokers[0], 1);
	assert_int_equal(t->nr_configs, 2);
	assert_str(&t->configs[0].name, "k1");
	assert_str(&t->configs[0].value, "v");
	assert_str(&t->configs[1].value, NULL);
	assert_int_equal(q.timeout_ms, 30000);
	assert_true(q.validate_only);
	/* v0 has no validate_only: the same bytes have one too many */
	zc_view_init(&v, ct_v4_body, sizeof(ct_v4_body));
	assert_int_equal(kafka_create_topics_req_decode(&v, 0, &q, &a),
			 -EBADMSG);
	zc_view_init(&v, ct_v4_body, sizeof(ct_v4_body) - 1);
	assert_int_equal(kafka_create_topics_req_decode(&v, 0, &q, &a), 0);
	assert_false(q.validate_only);
	kafka_arena_exit(&a);
}

static void golden_create_resp(void **state)
{
	static const uint8_t v2[] = {
		0x00, 0x00, 0x00, 0x19,			/* size 25 */
		0x01, 0x02, 0x03, 0x04,			/* correlation id */
		0x00, 0x00, 0x00, 0x05,			/* throttle 5 */
		0x00, 0x00, 0x00, 0x01,			/* topics: 1 */
		0x00, 0x03, 'a', 'b', 'c',
		0x00, 0x24,				/* 36 */
		0x00, 0x04, 'd', 'u', 'p', '!',		/* message */
	};
	struct kafka_create_topic_resp t = {
		KAFKA_STR("abc"), KAFKA_TOPIC_ALREADY_EXISTS, KAFKA_STR("dup!"),
	};
	struct kafka_create_topics_resp r = { 5, 1, &t };
	struct kafka_wbuf w;

	(void)state;
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_create_topics_resp_encode(&w, 2, CORR, &r), 0);
	assert_golden(&w, v2, sizeof(v2));
	/* v0: no throttle, no message */
	kafka_wbuf_reset(&w);
	assert_int_equal(kafka_create_topics_resp_encode(&w, 0, CORR, &r), 0);
	assert_int_equal(w.len, 4 + 4 + 4 + 5 + 2);
	assert_int_equal(kafka_create_topics_resp_encode(&w, 5, CORR, &r),
			 -EINVAL);
	assert_int_equal(w.len, 19);
	kafka_wbuf_exit(&w);
}

static void golden_delete(void **state)
{
	static const uint8_t req_body[] = {
		0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 'x', 0x00, 0x02, 'y', 'z',
		0x00, 0x00, 0x03, 0xe8,			/* timeout 1000 */
	};
	static const uint8_t v1[] = {
		0x00, 0x00, 0x00, 0x11, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x00,			/* throttle */
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x01, 'x', 0x00, 0x03,		/* x: 3 */
	};
	struct kafka_delete_topic_resp t = { KAFKA_STR("x"), 3 };
	struct kafka_delete_topics_resp r = { 0, 1, &t };
	struct kafka_delete_topics_req q;
	struct kafka_arena a;
	struct kafka_wbuf w;
	struct zc_view v;
	int ver;

	(void)state;
	kafka_arena_init(&a);
	for (ver = 0; ver <= 3; ver++) {
		zc_view_init(&v, req_body, sizeof(req_body));
		assert_int_equal(kafka_delete_topics_req_decode(&v, ver, &q,
								&a), 0);
		assert_int_equal(q.nr_topics, 2);
		assert_str(&q.topics[1], "yz");
		assert_int_equal(q.timeout_ms, 1000);
	}
	zc_view_init(&v, req_body, sizeof(req_body));
	assert_int_equal(kafka_delete_topics_req_decode(&v, 4, &q, &a),
			 -ENOTSUP);
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_delete_topics_resp_encode(&w, 1, CORR, &r), 0);
	assert_golden(&w, v1, sizeof(v1));
	kafka_wbuf_exit(&w);
	kafka_arena_exit(&a);
}

/* ---- round trips ------------------------------------------------------- */

static int32_t brokers[2] = { 1, 7 };
static struct kafka_create_assignment assigns[2] = {
	{ 0, 1, brokers }, { 1, 2, brokers },
};
static struct kafka_create_config configs[2] = {
	{ KAFKA_STR("retention.ms"), KAFKA_STR("1000") },
	{ KAFKA_STR("cleanup.policy"), { NULL, -1 } },
};
static struct kafka_create_topic topics[3] = {
	{ KAFKA_STR("one"), 3, 1, 0, NULL, 0, NULL },
	{ KAFKA_STR("two"), -1, -1, 2, assigns, 2, configs },
	{ KAFKA_STR(""), 0, 0, 0, NULL, 0, NULL },
};

/* Encodes as the client, decodes as the broker; every field back. */
static void create_req_roundtrip(void **state)
{
	struct kafka_create_topics_req in = { 3, topics, 1234, true }, out;
	struct kafka_str cid = KAFKA_STR("cli");
	struct kafka_request r;
	struct kafka_wbuf w;
	uint32_t i, j;
	int ver;

	(void)state;
	for (ver = 0; ver <= 4; ver++) {
		kafka_wbuf_init(&w);
		assert_int_equal(kafka_create_topics_req_encode(&w, ver, CORR,
								&cid, &in), 0);
		assert_int_equal(kafka_frame_size(w.p, w.len, 1 << 20),
				 (ssize_t)w.len);
		assert_int_equal(kafka_request_decode(&r, w.p + 4, w.len - 4),
				 0);
		assert_int_equal(r.hdr.api_key, KAFKA_API_CREATE_TOPICS);
		assert_int_equal(r.hdr.api_version, ver);
		assert_int_equal(r.hdr.correlation_id, CORR);
		assert_int_equal(kafka_create_topics_req_decode(&r.body, ver,
							&out, &r.arena), 0);
		assert_int_equal(out.nr_topics, 3);
		for (i = 0; i < 3; i++) {
			assert_int_equal(out.topics[i].name.len,
					 topics[i].name.len);
			assert_int_equal(out.topics[i].num_partitions,
					 topics[i].num_partitions);
			assert_int_equal(out.topics[i].replication_factor,
					 topics[i].replication_factor);
			assert_int_equal(out.topics[i].nr_assignments,
					 topics[i].nr_assignments);
			assert_int_equal(out.topics[i].nr_configs,
					 topics[i].nr_configs);
		}
		for (i = 0; i < 2; i++) {
			assert_int_equal(out.topics[1].assignments[i].nr_brokers,
					 assigns[i].nr_brokers);
			for (j = 0; j < assigns[i].nr_brokers; j++)
				assert_int_equal(
				    out.topics[1].assignments[i].brokers[j],
				    brokers[j]);
			assert_int_equal(out.topics[1].configs[i].value.len,
					 configs[i].value.len);
		}
		assert_str(&out.topics[1].configs[0].value, "1000");
		assert_int_equal(out.timeout_ms, 1234);
		assert_int_equal(out.validate_only, ver >= 1);
		kafka_request_exit(&r);
		kafka_wbuf_exit(&w);
	}
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_create_topics_req_encode(&w, 5, CORR, &cid,
							&in), -EINVAL);
	assert_int_equal(w.len, 0);
	kafka_wbuf_exit(&w);
}

static void create_resp_roundtrip(void **state)
{
	struct kafka_create_topic_resp t[2] = {
		{ KAFKA_STR("a"), 0, { NULL, -1 } },
		{ KAFKA_STR("bb"), KAFKA_INVALID_PARTITIONS, KAFKA_STR("no") },
	};
	struct kafka_create_topics_resp in = { 77, 2, t }, out;
	struct kafka_arena a;
	struct kafka_wbuf w;
	struct zc_view v;
	int32_t corr;
	int ver;

	(void)state;
	for (ver = 0; ver <= 4; ver++) {
		kafka_arena_init(&a);
		kafka_wbuf_init(&w);
		assert_int_equal(kafka_create_topics_resp_encode(&w, ver, CORR,
								 &in), 0);
		zc_view_init(&v, w.p + 4, w.len - 4);
		zc_view_i32be(&v, &corr);
		assert_int_equal(corr, CORR);
		assert_int_equal(kafka_create_topics_resp_decode(&v, ver, &out,
								 &a), 0);
		assert_int_equal(out.throttle_time_ms, ver >= 2 ? 77 : 0);
		assert_int_equal(out.nr_topics, 2);
		assert_str(&out.topics[1].name, "bb");
		assert_int_equal(out.topics[1].error, KAFKA_INVALID_PARTITIONS);
		assert_str(&out.topics[1].message, ver >= 1 ? "no" : NULL);
		assert_str(&out.topics[0].message, NULL);
		kafka_wbuf_exit(&w);
		kafka_arena_exit(&a);
	}
}

static void delete_roundtrip(void **state)
{
	struct kafka_str names[2] = { KAFKA_STR("a.b"), KAFKA_STR("c-d") };
	struct kafka_delete_topics_req in = { 2, names, 500 }, out;
	struct kafka_delete_topic_resp t[2] = {
		{ KAFKA_STR("a.b"), 0 }, { KAFKA_STR("c-d"), 3 },
	};
	struct kafka_delete_topics_resp rin = { 9, 2, t }, rout;
	struct kafka_request r;
	struct kafka_arena a;
	struct kafka_wbuf w;
	struct zc_view v;
	int32_t corr;
	int ver;

	(void)state;
	for (ver = 0; ver <= 3; ver++) {
		kafka_wbuf_init(&w);
		assert_int_equal(kafka_delete_topics_req_encode(&w, ver, CORR,
						&(struct kafka_str){ NULL, -1 },
						&in), 0);
		assert_int_equal(kafka_request_decode(&r, w.p + 4, w.len - 4),
				 0);
		assert_int_equal(r.hdr.api_key, KAFKA_API_DELETE_TOPICS);
		assert_int_equal(r.hdr.client_id.len, -1);
		assert_int_equal(kafka_delete_topics_req_decode(&r.body, ver,
							&out, &r.arena), 0);
		assert_int_equal(out.nr_topics, 2);
		assert_str(&out.topics[1], "c-d");
		assert_int_equal(out.timeout_ms, 500);
		kafka_request_exit(&r);

		kafka_wbuf_reset(&w);
		kafka_arena_init(&a);
		assert_int_equal(kafka_delete_topics_resp_encode(&w, ver, CORR,
								 &rin), 0);
		zc_view_init(&v, w.p + 4, w.len - 4);
		zc_view_i32be(&v, &corr);
		assert_int_equal(kafka_delete_topics_resp_decode(&v, ver,
							&rout, &a), 0);
		assert_int_equal(rout.throttle_time_ms, ver >= 1 ? 9 : 0);
		assert_int_equal(rout.nr_topics, 2);
		assert_str(&rout.topics[1].name, "c-d");
		assert_int_equal(rout.topics[1].error, 3);
		kafka_arena_exit(&a);
		kafka_wbuf_exit(&w);
	}
}

/* The API table advertises exactly the codec's ranges. */
static void table(void **state)
{
	const struct kafka_api_range *c = kafka_api_find(19);
	const struct kafka_api_range *d = kafka_api_find(20);

	(void)state;
	assert_non_null(c);
	assert_non_null(d);
	assert_int_equal(c->min, KAFKA_CREATE_TOPICS_MIN);
	assert_int_equal(c->max, KAFKA_CREATE_TOPICS_MAX);
	assert_int_equal(d->min, KAFKA_DELETE_TOPICS_MIN);
	assert_int_equal(d->max, KAFKA_DELETE_TOPICS_MAX);
	assert_string_equal(kafka_api_name(19), "CreateTopics");
	assert_string_equal(kafka_api_name(20), "DeleteTopics");
}

/* ---- malformed --------------------------------------------------------- */

static int create_dec(struct zc_view *v, int ver, void *out,
		      struct kafka_arena *a)
{
	return kafka_create_topics_req_decode(v, ver, out, a);
}

static int delete_dec(struct zc_view *v, int ver, void *out,
		      struct kafka_arena *a)
{
	return kafka_delete_topics_req_decode(v, ver, out, a);
}

union admin_req {
	struct kafka_create_topics_req c;
	struct kafka_delete_topics_req d;
};

/* t_decode_exact with @api's decoder (CreateTopics, else DeleteTopics). */
static int decode_exact(int api, int ver, const uint8_t *body, size_t len)
{
	union admin_req u;

	return t_decode_exact(api == KAFKA_API_CREATE_TOPICS ? create_dec :
			      delete_dec, ver, &u, body, len);
}

/* Every version's body from the client encoder, cut at every byte. */
static void truncated(void **state)
{
	struct kafka_create_topics_req cq = { 3, topics, 1, true };
	struct kafka_str names[2] = { KAFKA_STR("a"), KAFKA_STR("bcd") };
	struct kafka_delete_topics_req dq = { 2, names, 1 };
	struct kafka_str cid = KAFKA_STR("c");
	struct kafka_wbuf w;
	size_t hdr = 4 + 2 + 2 + 4 + 3;
	union admin_req u;
	int ver, api;

	(void)state;
	for (api = 19; api <= 20; api++) {
		for (ver = 0; ver <= (api == 19 ? 4 : 3); ver++) {
			kafka_wbuf_init(&w);
			if (api == 19)
				kafka_create_topics_req_encode(&w, ver, 1,
							       &cid, &cq);
			else
				kafka_delete_topics_req_encode(&w, ver, 1,
							       &cid, &dq);
			assert_int_equal(w.err, 0);
			t_assert_truncations(api == 19 ? create_dec :
					     delete_dec, ver, &u, w.p + hdr,
					     w.len - hdr);
			kafka_wbuf_exit(&w);
		}
	}
}

static void bad_lengths(void **state)
{
	static const uint8_t neg_topics[] = { 0xff, 0xff, 0xff, 0xff,
					      0, 0, 0, 0 };
	static const uint8_t absurd[] = { 0x7f, 0xff, 0xff, 0xff,
					  0, 0, 0, 0, 0 };
	static const uint8_t null_name[] = {
		0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 1, 0, 1,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t neg_name[] = {
		0, 0, 0, 1, 0xff, 0xfe, 0, 0, 0, 1, 0, 1,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	/* one topic "a" claiming 2^30 assignments */
	static const uint8_t absurd_assign[] = {
		0, 0, 0, 1, 0, 1, 'a', 0, 0, 0, 1, 0, 1,
		0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	/* an assignment with -1 brokers (not nullable) */
	static const uint8_t neg_brokers[] = {
		0, 0, 0, 1, 0, 1, 'a', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	/* a config with a null name */
	static const uint8_t null_config[] = {
		0, 0, 0, 1, 0, 1, 'a', 0, 0, 0, 1, 0, 1, 0, 0, 0, 0,
		0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
	};
	static const uint8_t del_null[] = { 0, 0, 0, 1, 0xff, 0xff,
					    0, 0, 0, 0 };
	static const uint8_t del_absurd[] = { 0x10, 0, 0, 0, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(decode_exact(19, 0, neg_topics, sizeof(neg_topics)),
			 -EBADMSG);
	assert_int_equal(decode_exact(19, 0, absurd, sizeof(absurd)),
			 -EBADMSG);
	assert_int_equal(decode_exact(19, 0, null_name, sizeof(null_name)),
			 -EBADMSG);
	assert_int_equal(decode_exact(19, 0, neg_name, sizeof(neg_name)),
			 -EBADMSG);
	assert_int_equal(decode_exact(19, 0, absurd_assign,
				      sizeof(absurd_assign)), -EBADMSG);
	assert_int_equal(decode_exact(19, 0, neg_brokers,
				      sizeof(neg_brokers)), -EBADMSG);
	assert_int_equal(decode_exact(19, 0, null_config,
				      sizeof(null_config)), -EBADMSG);
	assert_int_equal(decode_exact(20, 0, del_null, sizeof(del_null)),
			 -EBADMSG);
	assert_int_equal(decode_exact(20, 3, del_absurd, sizeof(del_absurd)),
			 -EBADMSG);
	assert_int_equal(decode_exact(19, 5, ct_v4_body, sizeof(ct_v4_body)),
			 -ENOTSUP);
	assert_int_equal(decode_exact(19, -1, ct_v4_body,
				      sizeof(ct_v4_body)), -ENOTSUP);
}

/* The broker's frame decoder: v5 (flexible) is refused unread. */
static void frame_versions(void **state)
{
	uint8_t f[] = { 0, 19, 0, 5, 0, 0, 0, 1, 0xff, 0xff, 1, 2, 3 };
	struct kafka_request r;

	(void)state;
	assert_int_equal(kafka_request_decode(&r, f, sizeof(f)), -ENOTSUP);
	kafka_request_exit(&r);
	f[3] = 4;
	/* in range: the header decodes, the body is the broker's */
	assert_int_equal(kafka_request_decode(&r, f, sizeof(f)), 0);
	assert_int_equal(r.body.len, 3);
	kafka_request_exit(&r);
	f[1] = 20;
	assert_int_equal(kafka_request_decode(&r, f, sizeof(f)), -ENOTSUP);
	kafka_request_exit(&r);
}

/* The response decoders refuse what a broker must not send. */
static void bad_responses(void **state)
{
	static const uint8_t trailing[] = { 0, 0, 0, 0, 0 };
	static const uint8_t neg_count[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t null_name[] = { 0, 0, 0, 1, 0xff, 0xff, 0, 0 };
	struct kafka_create_topics_resp cr;
	struct kafka_delete_topics_resp dr;
	struct kafka_arena a;
	struct zc_view v;

	(void)state;
	kafka_arena_init(&a);
	zc_view_init(&v, trailing, sizeof(trailing));
	assert_int_equal(kafka_create_topics_resp_decode(&v, 0, &cr, &a),
			 -EBADMSG);
	zc_view_init(&v, neg_count, sizeof(neg_count));
	assert_int_equal(kafka_delete_topics_resp_decode(&v, 0, &dr, &a),
			 -EBADMSG);
	zc_view_init(&v, null_name, sizeof(null_name));
	assert_int_equal(kafka_delete_topics_resp_decode(&v, 0, &dr, &a),
			 -EBADMSG);
	zc_view_init(&v, null_name, sizeof(null_name));
	assert_int_equal(kafka_delete_topics_resp_decode(&v, 4, &dr, &a),
			 -ENOTSUP);
	kafka_arena_exit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden_create_req),
		cmocka_unit_test(golden_create_resp),
		cmocka_unit_test(golden_delete),
		cmocka_unit_test(create_req_roundtrip),
		cmocka_unit_test(create_resp_roundtrip),
		cmocka_unit_test(delete_roundtrip),
		cmocka_unit_test(table),
		cmocka_unit_test(truncated),
		cmocka_unit_test(bad_lengths),
		cmocka_unit_test(frame_versions),
		cmocka_unit_test(bad_responses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
