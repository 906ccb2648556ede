/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/kafka-client-group.h - the test client's side of the group
 * membership APIs (JoinGroup 0-5, SyncGroup 0-3, Heartbeat 0-3,
 * LeaveGroup 0-1): requests encoded as a client does, responses decoded
 * as a client reads them. Written from the message JSON specs, separately
 * from src/kafka/proto_group.c, so that a misread field fails a round
 * trip.
 */
#ifndef T_KAFKA_CLIENT_GROUP_H
#define T_KAFKA_CLIENT_GROUP_H

#include "kafka-client.h"
#include "kafka/proto_group.h"

static inline void t_kbytes(struct t_out *o, const struct kafka_bytes *b)
{
	t_i32(o, b->len);
	if (b->len > 0)
		t_raw(o, b->p, (size_t)b->len);
}

static inline void t_join_group_req(struct t_out *o, int version,
				    int32_t corr,
				    const struct kafka_join_group_req *r)
{
	size_t s = t_req_begin(o, KAFKA_API_JOIN_GROUP, version, corr, "t");
	uint32_t i;

	t_str(o, &r->group_id);
	t_i32(o, r->session_timeout_ms);
	if (version >= 1)
		t_i32(o, r->rebalance_timeout_ms);
	t_str(o, &r->member_id);
	if (version >= 5)
		t_str(o, &r->group_instance_id);
	t_str(o, &r->protocol_type);
	t_i32(o, r->nr_protocols);
	for (i = 0; i < r->nr_protocols; i++) {
		t_str(o, &r->protocols[i].name);
		t_kbytes(o, &r->protocols[i].metadata);
	}
	t_req_end(o, s);
}

static inline void t_sync_group_req(struct t_out *o, int version,
				    int32_t corr,
				    const struct kafka_sync_group_req *r)
{
	size_t s = t_req_begin(o, KAFKA_API_SYNC_GROUP, version, corr, "t");
	uint32_t i;

	t_str(o, &r->group_id);
	t_i32(o, r->generation_id);
	t_str(o, &r->member_id);
	if (version >= 3)
		t_str(o, &r->group_instance_id);
	t_i32(o, r->nr_assignments);
	for (i = 0; i < r->nr_assignments; i++) {
		t_str(o, &r->assignments[i].member_id);
		t_kbytes(o, &r->assignments[i].assignment);
	}
	t_req_end(o, s);
}

static inline void t_heartbeat_req(struct t_out *o, int version,
				   int32_t corr,
				   const struct kafka_heartbeat_req *r)
{
	size_t s = t_req_begin(o, KAFKA_API_HEARTBEAT, version, corr, "t");

	t_str(o, &r->group_id);
	t_i32(o, r->generation_id);
	t_str(o, &r->member_id);
	if (version >= 3)
		t_str(o, &r->group_instance_id);
	t_req_end(o, s);
}

static inline void t_leave_group_req(struct t_out *o, int version,
				     int32_t corr,
				     const struct kafka_leave_group_req *r)
{
	size_t s = t_req_begin(o, KAFKA_API_LEAVE_GROUP, version, corr, "t");

	t_str(o, &r->group_id);
	t_str(o, &r->member_id);
	t_req_end(o, s);
}

/* Response bodies (after the correlation id); 0 or -EBADMSG. */
static inline int t_join_group_resp(struct zc_view *v, int version,
				    struct kafka_join_group_resp *r,
				    struct kafka_arena *a)
{
	struct kafka_join_member *m;
	uint32_t i;

	memset(r, 0, sizeof(*r));
	if (version >= 2)
		zc_view_i32be(v, &r->throttle_time_ms);
	zc_view_i16be(v, &r->error);
	zc_view_i32be(v, &r->generation_id);
	kafka_read_str(v, &r->protocol_name);
	kafka_read_str(v, &r->leader);
	kafka_read_str(v, &r->member_id);
	r->members = m = t_array(v, a, &r->nr_members, sizeof(*m));
	for (i = 0; i < r->nr_members; i++) {
		kafka_read_str(v, &m[i].member_id);
		m[i].group_instance_id = KAFKA_STR_NULL;
		if (version >= 5)
			kafka_read_str(v, &m[i].group_instance_id);
		kafka_read_bytes(v, &m[i].metadata);
	}
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

static inline int t_sync_group_resp(struct zc_view *v, int version,
				    struct kafka_sync_group_resp *r)
{
	memset(r, 0, sizeof(*r));
	if (version >= 1)
		zc_view_i32be(v, &r->throttle_time_ms);
	zc_view_i16be(v, &r->error);
	kafka_read_bytes(v, &r->assignment);
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

/* Heartbeat and LeaveGroup. */
static inline int t_group_resp(struct zc_view *v, int version,
			       struct kafka_group_resp *r)
{
	memset(r, 0, sizeof(*r));
	if (version >= 1)
		zc_view_i32be(v, &r->throttle_time_ms);
	zc_view_i16be(v, &r->error);
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

#endif
