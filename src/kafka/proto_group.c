/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_group.c - JoinGroup 0-5, SyncGroup 0-3, Heartbeat 0-3 and
 * LeaveGroup 0-1 (kafka/proto_group.h). Field order is the JSON specs';
 * every byte array is non-nullable there, so a length of -1 is malformed.
 */
#include <errno.h>
#include <string.h>

#include "kafka/proto_group.h"
#include "kafka/proto_int.h"

#define PROTOCOL_MIN 6		/* name "" + metadata length */
#define ASSIGNMENT_MIN 6	/* member id "" + assignment length */

/* Non-nullable bytes out: NULL or a negative length is written empty. */
static void put_bytes_nn(struct kafka_wbuf *w, const struct kafka_bytes *b)
{
	kafka_put_bytes(w, b->p ? (const void *)b->p : "",
			b->len < 0 ? 0 : b->len);
}

/* Non-nullable bytes: -1 is malformed here. */
static int read_bytes_nn(struct zc_view *v, struct kafka_bytes *b)
{
	if (kafka_read_bytes(v, b))
		return -EBADMSG;
	return b->len < 0 ? kafka_view_bad(v) : 0;
}

static int protocols_decode(struct zc_view *v, struct kafka_join_group_req *r,
			    struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	r->protocols = kafka__read_array(v, PROTOCOL_MIN, sizeof(*r->protocols),
					 a, &r->nr_protocols, &ret);
	if (!r->protocols)
		return ret;
	for (i = 0; i < r->nr_protocols; i++)
		if (kafka_read_str_nn(v, &r->protocols[i].name) ||
		    read_bytes_nn(v, &r->protocols[i].metadata))
			return -EBADMSG;
	return 0;
}

int kafka_join_group_req_decode(struct zc_view *v, int version,
				struct kafka_join_group_req *r,
				struct kafka_arena *a)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->group_instance_id = KAFKA_STR_NULL;
	if (!kafka__in(version, KAFKA_JOIN_GROUP_MIN, KAFKA_JOIN_GROUP_MAX))
		return -ENOTSUP;
	kafka_read_str_nn(v, &r->group_id);
	zc_view_i32be(v, &r->session_timeout_ms);
	r->rebalance_timeout_ms = r->session_timeout_ms;
	if (version >= 1)
		zc_view_i32be(v, &r->rebalance_timeout_ms);
	kafka_read_str_nn(v, &r->member_id);
	if (version >= 5)
		kafka_read_str(v, &r->group_instance_id);
	if (kafka_read_str_nn(v, &r->protocol_type))
		return -EBADMSG;
	ret = protocols_decode(v, r, a);
	return ret ? ret : kafka__req_done(v);
}

int kafka_join_group_resp_encode(struct kafka_wbuf *w, int version,
				 int32_t correlation_id,
				 const struct kafka_join_group_resp *r)
{
	const struct kafka_join_member *m;
	size_t start;
	uint32_t i;

	if (!kafka__in(version, KAFKA_JOIN_GROUP_MIN, KAFKA_JOIN_GROUP_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	if (version >= 2)
		kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_i16(w, r->error);
	kafka_put_i32(w, r->generation_id);
	kafka_put_str(w, &r->protocol_name);
	kafka_put_str(w, &r->leader);
	kafka_put_str(w, &r->member_id);
	kafka_put_count(w, r->nr_members);
	for (i = 0; i < r->nr_members; i++) {
		m = &r->members[i];
		kafka_put_str(w, &m->member_id);
		if (version >= 5)
			kafka_put_str(w, &m->group_instance_id);
		put_bytes_nn(w, &m->metadata);
	}
	return kafka_resp_end(w, start, 0);
}

/*
 * The fields SyncGroup and Heartbeat start with: group_id,
 * generation_id, member_id, and group_instance_id from v3 (null before).
 */
static void read_member_ref(struct zc_view *v, int version,
			    struct kafka_str *group_id, int32_t *generation,
			    struct kafka_str *member_id,
			    struct kafka_str *instance_id)
{
	*instance_id = KAFKA_STR_NULL;
	kafka_read_str_nn(v, group_id);
	zc_view_i32be(v, generation);
	kafka_read_str_nn(v, member_id);
	if (version >= 3)
		kafka_read_str(v, instance_id);
}

int kafka_sync_group_req_decode(struct zc_view *v, int version,
				struct kafka_sync_group_req *r,
				struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	r->group_instance_id = KAFKA_STR_NULL;
	if (!kafka__in(version, KAFKA_SYNC_GROUP_MIN, KAFKA_SYNC_GROUP_MAX))
		return -ENOTSUP;
	read_member_ref(v, version, &r->group_id, &r->generation_id,
			&r->member_id, &r->group_instance_id);
	r->assignments = kafka__read_array(v, ASSIGNMENT_MIN,
					   sizeof(*r->assignments), a,
					   &r->nr_assignments, &ret);
	if (!r->assignments)
		return ret;
	for (i = 0; i < r->nr_assignments; i++)
		if (kafka_read_str_nn(v, &r->assignments[i].member_id) ||
		    read_bytes_nn(v, &r->assignments[i].assignment))
			return -EBADMSG;
	return kafka__req_done(v);
}

int kafka_sync_group_resp_encode(struct kafka_wbuf *w, int version,
				 int32_t correlation_id,
				 const struct kafka_sync_group_resp *r)
{
	size_t start;

	if (!kafka__in(version, KAFKA_SYNC_GROUP_MIN, KAFKA_SYNC_GROUP_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	if (version >= 1)
		kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_i16(w, r->error);
	put_bytes_nn(w, &r->assignment);
	return kafka_resp_end(w, start, 0);
}

int kafka_heartbeat_req_decode(struct zc_view *v, int version,
			       struct kafka_heartbeat_req *r)
{
	memset(r, 0, sizeof(*r));
	r->group_instance_id = KAFKA_STR_NULL;
	if (!kafka__in(version, KAFKA_HEARTBEAT_MIN, KAFKA_HEARTBEAT_MAX))
		return -ENOTSUP;
	read_member_ref(v, version, &r->group_id, &r->generation_id,
			&r->member_id, &r->group_instance_id);
	return kafka__req_done(v);
}

/* Heartbeat and LeaveGroup answer the same fields. */
static int error_resp_encode(struct kafka_wbuf *w, int version,
			     int32_t correlation_id,
			     const struct kafka_group_resp *r)
{
	size_t start = kafka_resp_begin(w, correlation_id);

	if (version >= 1)
		kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_i16(w, r->error);
	return kafka_resp_end(w, start, 0);
}

int kafka_heartbeat_resp_encode(struct kafka_wbuf *w, int version,
				int32_t correlation_id,
				const struct kafka_group_resp *r)
{
	if (!kafka__in(version, KAFKA_HEARTBEAT_MIN, KAFKA_HEARTBEAT_MAX))
		return -EINVAL;
	return error_resp_encode(w, version, correlation_id, r);
}

int kafka_leave_group_req_decode(struct zc_view *v, int version,
				 struct kafka_leave_group_req *r)
{
	memset(r, 0, sizeof(*r));
	if (!kafka__in(version, KAFKA_LEAVE_GROUP_MIN, KAFKA_LEAVE_GROUP_MAX))
		return -ENOTSUP;
	kafka_read_str_nn(v, &r->group_id);
	kafka_read_str_nn(v, &r->member_id);
	return kafka__req_done(v);
}

int kafka_leave_group_resp_encode(struct kafka_wbuf *w, int version,
				  int32_t correlation_id,
				  const struct kafka_group_resp *r)
{
	if (!kafka__in(version, KAFKA_LEAVE_GROUP_MIN, KAFKA_LEAVE_GROUP_MAX))
		return -EINVAL;
	return error_resp_encode(w, version, correlation_id, r);
}
