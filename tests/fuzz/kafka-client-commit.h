/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/kafka-client-commit.h - the test client's side of the
 * coordinator and committed-offset APIs (FindCoordinator 0-2,
 * OffsetCommit 0-7, OffsetFetch 0-5): requests encoded as a client does,
 * responses decoded as a client reads them. Written from the message
 * JSON specs, separately from src/kafka/proto_coord.c and
 * proto_commit.c, so that a misread field fails a round trip.
 */
#ifndef T_KAFKA_CLIENT_COMMIT_H
#define T_KAFKA_CLIENT_COMMIT_H

#include "kafka-client.h"
#include "kafka/proto_commit.h"
#include "kafka/proto_coord.h"

/* ---- FindCoordinator ------------------------------------------------ */

static inline void t_find_coord_req(struct t_out *o, int version,
				    int32_t corr,
				    const struct kafka_find_coord_req *f)
{
	size_t s = t_req_begin(o, KAFKA_API_FIND_COORDINATOR, version, corr,
			       "t");

	t_str(o, &f->key);
	if (version >= 1)
		t_i8(o, f->key_type);
	t_req_end(o, s);
}

/* The body after the correlation id; 0 or -EBADMSG (also trailing bytes). */
static inline int t_find_coord_resp(struct zc_view *v, int version,
				    struct kafka_find_coord_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->error_message = KAFKA_STR_NULL;
	if (version >= 1)
		zc_view_i32be(v, &r->throttle_time_ms);
	zc_view_i16be(v, &r->error);
	if (version >= 1)
		kafka_read_str(v, &r->error_message);
	zc_view_i32be(v, &r->node_id);
	kafka_read_str(v, &r->host);
	zc_view_i32be(v, &r->port);
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

/* ---- OffsetCommit ------------------------------------------------- */

static inline void t_commit_req(struct t_out *o, int version, int32_t corr,
				const struct kafka_commit_req *c)
{
	size_t s = t_req_begin(o, KAFKA_API_OFFSET_COMMIT, version, corr,
			       "t");
	const struct kafka_commit_part *p;
	uint32_t i, j;

	t_str(o, &c->group_id);
	if (version >= 1) {
		t_i32(o, c->generation_id);
		t_str(o, &c->member_id);
	}
	if (version >= 7)
		t_str(o, &c->group_instance_id);
	if (version >= 2 && version <= 4)
		t_i64(o, c->retention_time_ms);
	t_i32(o, c->nr_topics);
	for (i = 0; i < c->nr_topics; i++) {
		t_str(o, &c->topics[i].name);
		t_i32(o, c->topics[i].nr_partitions);
		for (j = 0; j < c->topics[i].nr_partitions; j++) {
			p = &c->topics[i].partitions[j];
			t_i32(o, p->partition);
			t_i64(o, p->offset);
			if (version >= 6)
				t_i32(o, p->leader_epoch);
			if (version == 1)
				t_i64(o, p->commit_timestamp);
			t_str(o, &p->metadata);
		}
	}
	t_req_end(o, s);
}

static inline int t_commit_resp(struct zc_view *v, int version,
				struct kafka_commit_resp *r,
				struct kafka_arena *a)
{
	struct kafka_commit_topic_resp *t;
	struct kafka_commit_part_resp *p;
	uint32_t i, j;

	memset(r, 0, sizeof(*r));
	if (version >= 3)
		zc_view_i32be(v, &r->throttle_time_ms);
	r->topics = t = t_array(v, a, &r->nr_topics, sizeof(*t));
	for (i = 0; i < r->nr_topics; i++) {
		kafka_read_str(v, &t[i].name);
		t[i].partitions = p = t_array(v, a, &t[i].nr_partitions,
					      sizeof(*p));
		for (j = 0; j < t[i].nr_partitions; j++) {
			zc_view_i32be(v, &p[j].partition);
			zc_view_i16be(v, &p[j].error);
		}
	}
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

/* ---- OffsetFetch -------------------------------------------------- */

static inline void t_offset_fetch_req(struct t_out *o, int version,
				      int32_t corr,
				      const struct kafka_offset_fetch_req *f)
{
	size_t s = t_req_begin(o, KAFKA_API_OFFSET_FETCH, version, corr,
			       "t");
	uint32_t i, j;

	t_str(o, &f->group_id);
	if (f->all_topics) {
		t_i32(o, -1);
		t_req_end(o, s);
		return;
	}
	t_i32(o, f->nr_topics);
	for (i = 0; i < f->nr_topics; i++) {
		t_str(o, &f->topics[i].name);
		t_i32(o, f->topics[i].nr_partitions);
		for (j = 0; j < f->topics[i].nr_partitions; j++)
			t_i32(o, f->topics[i].partitions[j]);
	}
	t_req_end(o, s);
}

static inline int t_offset_fetch_resp(struct zc_view *v, int version,
				      struct kafka_offset_fetch_resp *r,
				      struct kafka_arena *a)
{
	struct kafka_offset_fetch_topic_resp *t;
	struct kafka_offset_fetch_part_resp *p;
	uint32_t i, j;

	memset(r, 0, sizeof(*r));
	if (version >= 3)
		zc_view_i32be(v, &r->throttle_time_ms);
	r->topics = t = t_array(v, a, &r->nr_topics, sizeof(*t));
	for (i = 0; i < r->nr_topics; i++) {
		kafka_read_str(v, &t[i].name);
		t[i].partitions = p = t_array(v, a, &t[i].nr_partitions,
					      sizeof(*p));
		for (j = 0; j < t[i].nr_partitions; j++) {
			p[j].leader_epoch = -1;
			zc_view_i32be(v, &p[j].partition);
			zc_view_i64be(v, &p[j].offset);
			if (version >= 5)
				zc_view_i32be(v, &p[j].leader_epoch);
			kafka_read_str(v, &p[j].metadata);
			zc_view_i16be(v, &p[j].error);
		}
	}
	if (version >= 2)
		zc_view_i16be(v, &r->error);
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

#endif
