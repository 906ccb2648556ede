/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-group-codec.c - src/kafka/proto_group.c: JoinGroup 0-5,
 * SyncGroup 0-3, Heartbeat 0-3 and LeaveGroup 0-1. Every request version
 * round-trips (encoded as a client would, tests/fuzz/kafka-client-group.h),
 * every response version reads back as a client reads it, golden bytes
 * built by hand from the JSON specs, the advertised ranges, and malformed
 * bodies: truncated at every byte (into exact-size buffers, for ASan),
 * trailing bytes, null where the spec says non-nullable, negative and
 * absurd counts, versions outside the range.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/proto.h"
#include "kafka/proto_group.h"
#include "fuzz/kafka-client-group.h"

#include "helpers.h"

#define CORR 0x0a0b0c0d
#include "kafka-codec-util.h"

static void assert_bytes_eq(const struct kafka_bytes *a,
			    const struct kafka_bytes *b)
{
	assert_int_equal(a->len, b->len);
	if (a->len > 0)
		assert_memory_equal(a->p, b->p, (size_t)a->len);
}

/* The body of the one frame in @o, as the broker's decoder sees it. */
static struct zc_view body_of(struct t_out *o, struct kafka_request *r)
{
	assert_int_equal(kafka_request_decode(r, o->p + 4, o->len - 4), 0);
	return r->body;
}

static uint8_t meta1[] = { 0, 1, 2, 3 }, meta2[] = { 9 };

static const struct kafka_join_protocol protos[2] = {
	{ KAFKA_STR("range"), { meta1, sizeof(meta1) } },
	{ KAFKA_STR("roundrobin"), { meta2, sizeof(meta2) } },
};

static struct kafka_join_group_req join_example(int version)
{
	return (struct kafka_join_group_req){
		.group_id = KAFKA_STR("grp"),
		.session_timeout_ms = 45000,
		.rebalance_timeout_ms = version >= 1 ? 300000 : 45000,
		.member_id = KAFKA_STR("rdkafka-1"),
		.group_instance_id = version >= 5 ? KAFKA_STR("inst") :
			KAFKA_STR_NULL,
		.protocol_type = KAFKA_STR("consumer"),
		.nr_protocols = 2,
		.protocols = (struct kafka_join_protocol *)protos,
	};
}

static void api_ranges(void **state)
{
	static const struct kafka_api_range want[] = {
		{ 11, 0, 5 }, { 12, 0, 3 }, { 13, 0, 1 }, { 14, 0, 3 },
	};
	const struct kafka_api_range *a;
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		a = kafka_api_find(want[i].key);
		assert_non_null(a);
		assert_int_equal(a->min, want[i].min);
		assert_int_equal(a->max, want[i].max);
	}
}

static void join_req(void **state)
{
	struct kafka_join_group_req in, out;
	struct kafka_request r;
	struct t_out o = { 0 };
	struct zc_view v;
	uint32_t i;
	int ver;

	(void)state;
	for (ver = 0; ver <= 5; ver++) {
		in = join_example(ver);
		t_join_group_req(&o, ver, CORR, &in);
		v = body_of(&o, &r);
		assert_int_equal(r.hdr.api_key, KAFKA_API_JOIN_GROUP);
		assert_int_equal(kafka_join_group_req_decode(&v, ver, &out,
							     &r.arena), 0);
		assert_str_eq(&out.group_id, &in.group_id);
		assert_int_equal(out.session_timeout_ms, 45000);
		assert_int_equal(out.rebalance_timeout_ms,
				 in.rebalance_timeout_ms);
		assert_str_eq(&out.member_id, &in.member_id);
		assert_str_eq(&out.group_instance_id, &in.group_instance_id);
		assert_str_eq(&out.protocol_type, &in.protocol_type);
		assert_int_equal(out.nr_protocols, 2);
		for (i = 0; i < 2; i++) {
			assert_str_eq(&out.protocols[i].name,
				      &protos[i].name);
			assert_bytes_eq(&out.protocols[i].metadata,
					&protos[i].metadata);
		}
		kafka_request_exit(&r);
		t_out_free(&o);
	}
}

static void sync_req(void **state)
{
	uint8_t x[] = { 7, 7, 7 };
	struct kafka_sync_assignment as[2] = {
		{ KAFKA_STR("m1"), { x, 3 } },
		{ KAFKA_STR("m2"), { x, 0 } },
	};
	struct kafka_sync_group_req in = {
		.group_id = KAFKA_STR("grp"),
		.generation_id = 4,
		.member_id = KAFKA_STR("m1"),
		.nr_assignments = 2,
		.assignments = as,
	}, out;
	struct kafka_request r;
	struct t_out o = { 0 };
	struct zc_view v;
	int ver;

	(void)state;
	for (ver = 0; ver <= 3; ver++) {
		in.group_instance_id = ver >= 3 ? KAFKA_STR("i") :
						  KAFKA_STR_NULL;
		t_sync_group_req(&o, ver, CORR, &in);
		v = body_of(&o, &r);
		assert_int_equal(kafka_sync_group_req_decode(&v, ver, &out,
							     &r.arena), 0);
		assert_str_eq(&out.group_id, &in.group_id);
		assert_int_equal(out.generation_id, 4);
		assert_str_eq(&out.member_id, &in.member_id);
		assert_str_eq(&out.group_instance_id, &in.group_instance_id);
		assert_int_equal(out.nr_assignments, 2);
		assert_str_eq(&out.assignments[1].member_id, &as[1].member_id);
		assert_bytes_eq(&out.assignments[0].assignment,
				&as[0].assignment);
		assert_int_equal(out.assignments[1].assignment.len, 0);
		kafka_request_exit(&r);
		t_out_free(&o);
	}
}

static void heartbeat_leave_req(void **state)
{
	struct kafka_heartbeat_req h = {
		.group_id = KAFKA_STR("g"), .generation_id = -1,
		.member_id = KAFKA_STR(""),
	}, ho;
	struct kafka_leave_group_req l = {
		.group_id = KAFKA_STR("g"), .member_id = KAFKA_STR("m"),
	}, lo;
	struct kafka_request r;
	struct t_out o = { 0 };
	struct zc_view v;
	int ver;

	(void)state;
	for (ver = 0; ver <= 3; ver++) {
		h.group_instance_id = ver >= 3 ? KAFKA_STR("i") :
						 KAFKA_STR_NULL;
		t_heartbeat_req(&o, ver, CORR, &h);
		v = body_of(&o, &r);
		assert_int_equal(kafka_heartbeat_req_decode(&v, ver, &ho), 0);
		assert_str_eq(&ho.group_id, &h.group_id);
		assert_int_equal(ho.generation_id, -1);
		assert_str_eq(&ho.member_id, &h.member_id);
		assert_str_eq(&ho.group_instance_id, &h.group_instance_id);
		kafka_request_exit(&r);
		t_out_free(&o);
	}
	for (ver = 0; ver <= 1; ver++) {
		t_leave_group_req(&o, ver, CORR, &l);
		v = body_of(&o, &r);
		assert_int_equal(kafka_leave_group_req_decode(&v, ver, &lo),
				 0);
		assert_str_eq(&lo.group_id, &l.group_id);
		assert_str_eq(&lo.member_id, &l.member_id);
		kafka_request_exit(&r);
		t_out_free(&o);
	}
}

static void join_resp(void **state)
{
	struct kafka_join_member ms[2] = {
		{ KAFKA_STR("m1"), KAFKA_STR_NULL, { meta1, 4 } },
		{ KAFKA_STR("m2"), KAFKA_STR_NULL, { NULL, 0 } },
	};
	struct kafka_join_group_resp in = {
		.throttle_time_ms = 0, .error = 0, .generation_id = 3,
		.protocol_name = KAFKA_STR("range"),
		.leader = KAFKA_STR("m1"), .member_id = KAFKA_STR("m1"),
		.nr_members = 2, .members = ms,
	}, out;
	struct kafka_arena a;
	struct kafka_wbuf w;
	struct zc_view v;
	int ver;

	(void)state;
	for (ver = 0; ver <= 5; ver++) {
		kafka_wbuf_init(&w);
		kafka_arena_init(&a);
		assert_int_equal(kafka_join_group_resp_encode(&w, ver, CORR,
							      &in), 0);
		assert_int_equal(t_resp_open(&v, w.p, w.len, CORR), 0);
		assert_int_equal(t_join_group_resp(&v, ver, &out, &a), 0);
		assert_int_equal(out.generation_id, 3);
		assert_str_eq(&out.protocol_name, &in.protocol_name);
		assert_str_eq(&out.leader, &in.leader);
		assert_str_eq(&out.member_id, &in.member_id);
		assert_int_equal(out.nr_members, 2);
		assert_bytes_eq(&out.members[0].metadata, &ms[0].metadata);
		/* Non-nullable: an empty array, never null. */
		assert_int_equal(out.members[1].metadata.len, 0);
		assert_true(kafka_str_is_null(
			&out.members[1].group_instance_id));
		kafka_arena_exit(&a);
		kafka_wbuf_exit(&w);
	}
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_join_group_resp_encode(&w, 6, CORR, &in),
			 -EINVAL);
	assert_int_equal(kafka_join_group_resp_encode(&w, -1, CORR, &in),
			 -EINVAL);
	assert_int_equal(w.len, 0);
	kafka_wbuf_exit(&w);
}

static void small_resps(void **state)
{
	struct kafka_sync_group_resp s = { .error = 27 }, so;
	struct kafka_group_resp g = { .throttle_time_ms = 5, .error = 25 }, go;
	struct kafka_wbuf w;
	struct zc_view v;
	int ver;

	(void)state;
	for (ver = 0; ver <= 3; ver++) {
		kafka_wbuf_init(&w);
		assert_int_equal(kafka_sync_group_resp_encode(&w, ver, CORR,
							      &s), 0);
		assert_int_equal(t_resp_open(&v, w.p, w.len, CORR), 0);
		assert_int_equal(t_sync_group_resp(&v, ver, &so), 0);
		assert_int_equal(so.error, 27);
		assert_int_equal(so.assignment.len, 0);
		kafka_wbuf_reset(&w);
		assert_int_equal(kafka_heartbeat_resp_encode(&w, ver, CORR,
							     &g), 0);
		assert_int_equal(t_resp_open(&v, w.p, w.len, CORR), 0);
		assert_int_equal(t_group_resp(&v, ver, &go), 0);
		assert_int_equal(go.error, 25);
		assert_int_equal(go.throttle_time_ms, ver >= 1 ? 5 : 0);
		kafka_wbuf_reset(&w);
		if (ver <= 1) {
			assert_int_equal(kafka_leave_group_resp_encode(&w,
					 ver, CORR, &g), 0);
			assert_int_equal(t_resp_open(&v, w.p, w.len, CORR), 0);
			assert_int_equal(t_group_resp(&v, ver, &go), 0);
			assert_int_equal(go.error, 25);
		} else {
			assert_int_equal(kafka_leave_group_resp_encode(&w,
					 ver, CORR, &g), -EINVAL);
		}
		kafka_wbuf_exit(&w);
	}
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_sync_group_resp_encode(&w, 4, CORR, &s),
			 -EINVAL);
	assert_int_equal(kafka_heartbeat_resp_encode(&w, 4, CORR, &g),
			 -EINVAL);
	kafka_wbuf_exit(&w);
}

/* JoinGroup v5 and SyncGroup v3 answers, byte by byte from the specs. */
static void golden(void **state)
{
	static const uint8_t join5[] = {
		0, 0, 0, 42,			/* size */
		0x0a, 0x0b, 0x0c, 0x0d,		/* correlation id */
		0, 0, 0, 0,			/* throttle_time_ms */
		0, 0,				/* error */
		0, 0, 0, 1,			/* generation_id */
		0, 5, 'r', 'a', 'n', 'g', 'e',	/* protocol_name */
		0, 1, 'a',			/* leader */
		0, 1, 'a',			/* member_id */
		0, 0, 0, 1,			/* members[1] */
		0, 1, 'a',			/*  member_id */
		0xff, 0xff,			/*  group_instance_id null */
		0, 0, 0, 2, 'x', 'y',		/*  metadata */
	};
	static const uint8_t sync3[] = {
		0, 0, 0, 15, 0x0a, 0x0b, 0x0c, 0x0d,
		0, 0, 0, 0,			/* throttle_time_ms */
		0, 0,				/* error */
		0, 0, 0, 1, 'z',		/* assignment */
	};
	uint8_t xy[] = { 'x', 'y' }, z[] = { 'z' };
	struct kafka_join_member m = { KAFKA_STR("a"), KAFKA_STR_NULL,
				       { xy, 2 } };
	struct kafka_join_group_resp j = {
		.generation_id = 1, .protocol_name = KAFKA_STR("range"),
		.leader = KAFKA_STR("a"), .member_id = KAFKA_STR("a"),
		.nr_members = 1, .members = &m,
	};
	struct kafka_sync_group_resp s = { .assignment = { z, 1 } };
	struct kafka_wbuf w;

	(void)state;
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_join_group_resp_encode(&w, 5, CORR, &j), 0);
	assert_golden(&w, join5, sizeof(join5));
	kafka_wbuf_reset(&w);
	assert_int_equal(kafka_sync_group_resp_encode(&w, 3, CORR, &s), 0);
	assert_golden(&w, sync3, sizeof(sync3));
	kafka_wbuf_exit(&w);
}

/* The four request decoders as t_body_dec_fn, and scratch for any. */
union group_req {
	struct kafka_join_group_req j;
	struct kafka_sync_group_req s;
	struct kafka_heartbeat_req h;
	struct kafka_leave_group_req l;
};

static int join_dec(struct zc_view *v, int ver, void *out,
		    struct kafka_arena *a)
{
	return kafka_join_group_req_decode(v, ver, out, a);
}

static int sync_dec(struct zc_view *v, int ver, void *out,
		    struct kafka_arena *a)
{
	return kafka_sync_group_req_decode(v, ver, out, a);
}

static int heartbeat_dec(struct zc_view *v, int ver, void *out,
			 struct kafka_arena *a)
{
	(void)a;
	return kafka_heartbeat_req_decode(v, ver, out);
}

static int leave_dec(struct zc_view *v, int ver, void *out,
		     struct kafka_arena *a)
{
	(void)a;
	return kafka_leave_group_req_decode(v, ver, out);
}

static void malformed(void **state)
{
	struct kafka_sync_assignment as = { KAFKA_STR("m"),
					    { meta1, 2 } };
	struct kafka_sync_group_req s = {
		.group_id = KAFKA_STR("g"), .member_id = KAFKA_STR("m"),
		.group_instance_id = KAFKA_STR_NULL,
		.nr_assignments = 1, .assignments = &as,
	};
	struct kafka_heartbeat_req h = { KAFKA_STR("g"), 1, KAFKA_STR("m"),
					 KAFKA_STR_NULL };
	struct kafka_leave_group_req l = { KAFKA_STR("g"), KAFKA_STR("m") };
	struct kafka_join_group_req j;
	union group_req u;
	struct t_out o = { 0 };
	int ver;

	(void)state;
	for (ver = 0; ver <= 5; ver++) {
		j = join_example(ver);
		t_join_group_req(&o, ver, CORR, &j);
		t_assert_req_truncations(&o, join_dec, ver, &u);
		t_out_free(&o);
	}
	for (ver = 0; ver <= 3; ver++) {
		t_sync_group_req(&o, ver, CORR, &s);
		t_assert_req_truncations(&o, sync_dec, ver, &u);
		t_out_free(&o);
		t_heartbeat_req(&o, ver, CORR, &h);
		t_assert_req_truncations(&o, heartbeat_dec, ver, &u);
		t_out_free(&o);
	}
	for (ver = 0; ver <= 1; ver++) {
		t_leave_group_req(&o, ver, CORR, &l);
		t_assert_req_truncations(&o, leave_dec, ver, &u);
		t_out_free(&o);
	}
	/* Versions outside the ranges. */
	assert_int_equal(t_decode_exact(join_dec, 6, &u, meta1, 0),
			 -ENOTSUP);
	assert_int_equal(t_decode_exact(sync_dec, 4, &u, meta1, 0),
			 -ENOTSUP);
	assert_int_equal(t_decode_exact(heartbeat_dec, -1, &u, meta1, 0),
			 -ENOTSUP);
	assert_int_equal(t_decode_exact(leave_dec, 2, &u, meta1, 0),
			 -ENOTSUP);
}

/* Body bytes built by hand: counts and nulls the specs forbid. */
static void bad_fields(void **state)
{
	static const uint8_t join_head[] = {
		0, 1, 'g',			/* group_id */
		0, 0, 0x17, 0x70,		/* session 6000 */
		0, 0, 0x17, 0x70,		/* rebalance */
		0, 0,				/* member_id "" */
		0, 8, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r',
	};
	uint8_t b[128];
	size_t n = sizeof(join_head);
	union group_req u;

	(void)state;
	memcpy(b, join_head, n);
	/* A negative protocol count. */
	memcpy(b + n, "\xff\xff\xff\xfe", 4);
	assert_int_equal(t_decode_exact(join_dec, 1, &u, b, n + 4),
			 -EBADMSG);
	/* An absurd one: 2^31-1 protocols in a few bytes. */
	memcpy(b + n, "\x7f\xff\xff\xff", 4);
	assert_int_equal(t_decode_exact(join_dec, 1, &u, b, n + 4),
			 -EBADMSG);
	/* Null metadata (non-nullable bytes). */
	memcpy(b + n, "\0\0\0\1\0\1r\xff\xff\xff\xff", 11);
	assert_int_equal(t_decode_exact(join_dec, 1, &u, b, n + 11),
			 -EBADMSG);
	/* The same with empty metadata decodes. */
	memcpy(b + n, "\0\0\0\1\0\1r\0\0\0\0", 11);
	assert_int_equal(t_decode_exact(join_dec, 1, &u, b, n + 11), 0);
	/* A null group id. */
	b[0] = 0xff;
	b[1] = 0xff;
	memmove(b + 2, b + 3, n + 11 - 3);
	assert_int_equal(t_decode_exact(join_dec, 1, &u, b, n + 10),
			 -EBADMSG);
	/* Heartbeat with a null member id. */
	memcpy(b, "\0\1g\0\0\0\1\xff\xff", 9);
	assert_int_equal(t_decode_exact(heartbeat_dec, 0, &u, b, 9), -EBADMSG);
	/* SyncGroup with a negative length of assignment bytes. */
	memcpy(b, "\0\1g\0\0\0\1\0\1m\0\0\0\1\0\1m\xff\xff\xff\xfe", 21);
	assert_int_equal(t_decode_exact(sync_dec, 0, &u, b, 21),
			 -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(api_ranges),
		cmocka_unit_test(join_req),
		cmocka_unit_test(sync_req),
		cmocka_unit_test(heartbeat_leave_req),
		cmocka_unit_test(join_resp),
		cmocka_unit_test(small_resps),
		cmocka_unit_test(golden),
		cmocka_unit_test(malformed),
		cmocka_unit_test(bad_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
