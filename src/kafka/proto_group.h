/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_group.h - the codec of the group membership APIs, non-flexible
 * versions only: JoinGroup 0-5, SyncGroup 0-3, Heartbeat 0-3, LeaveGroup
 * 0-1 (apache/kafka clients/src/main/resources/common/message/
 * {JoinGroup,SyncGroup,Heartbeat,LeaveGroup}{Request,Response}.json).
 *
 * These APIs have no member in struct kafka_request's union: the broker
 * decodes them from req->body with the functions here, allocating from
 * req->arena. Decoded strings and bytes point into the frame. Decoders
 * return 0, -EBADMSG (truncated, a negative length or count that is not
 * nullable there, a count that cannot fit, trailing bytes), -ENOTSUP (a
 * version outside the range below) or -ENOMEM. Encoders append one whole
 * response frame and return 0, -EINVAL (version), -EOVERFLOW or -ENOMEM;
 * on error the buffer is as it was.
 *
 * Fields by version (what the JSON specs say, and what the structs hold
 * for versions that lack a field):
 *   JoinGroup  v1+ rebalance_timeout_ms (before: = session_timeout_ms);
 *              v2+ throttle_time_ms in the response; v4+ the client
 *              handles MEMBER_ID_REQUIRED; v5+ group_instance_id in the
 *              request and in each member of the response (null before).
 *   SyncGroup  v1+ throttle_time_ms; v3+ group_instance_id (null before).
 *   Heartbeat  v1+ throttle_time_ms; v3+ group_instance_id (null before).
 *   LeaveGroup v1+ throttle_time_ms; one member_id (v3+ batches members,
 *              flexible from v4: not here).
 */
#ifndef ZC_KAFKA_PROTO_GROUP_H
#define ZC_KAFKA_PROTO_GROUP_H

#include <stdint.h>

#include "kafka/wire.h"

#define KAFKA_JOIN_GROUP_MIN 0
#define KAFKA_JOIN_GROUP_MAX 5
#define KAFKA_SYNC_GROUP_MIN 0
#define KAFKA_SYNC_GROUP_MAX 3
#define KAFKA_HEARTBEAT_MIN 0
#define KAFKA_HEARTBEAT_MAX 3
#define KAFKA_LEAVE_GROUP_MIN 0
#define KAFKA_LEAVE_GROUP_MAX 1

/* ---- JoinGroup -------------------------------------------------------- */

struct kafka_join_protocol {
	struct kafka_str name;		/* "range", "roundrobin"... */
	struct kafka_bytes metadata;	/* opaque to the broker */
};

struct kafka_join_group_req {
	struct kafka_str group_id;
	int32_t session_timeout_ms;
	int32_t rebalance_timeout_ms;	/* v1+; session timeout before */
	struct kafka_str member_id;	/* "" for a new member */
	struct kafka_str group_instance_id;	/* v5+, nullable */
	struct kafka_str protocol_type;	/* "consumer" */
	uint32_t nr_protocols;
	struct kafka_join_protocol *protocols;	/* by preference */
};

struct kafka_join_member {
	struct kafka_str member_id;
	struct kafka_str group_instance_id;	/* v5+, nullable */
	struct kafka_bytes metadata;
};

struct kafka_join_group_resp {
	int32_t throttle_time_ms;	/* v2+ */
	int16_t error;
	int32_t generation_id;		/* -1 on error */
	struct kafka_str protocol_name;	/* "" when none (v0-6) */
	struct kafka_str leader;	/* "" when none */
	struct kafka_str member_id;
	uint32_t nr_members;		/* the leader's answer only */
	const struct kafka_join_member *members;
};

int kafka_join_group_req_decode(struct zc_view *v, int version,
				struct kafka_join_group_req *r,
				struct kafka_arena *a);
int kafka_join_group_resp_encode(struct kafka_wbuf *w, int version,
				 int32_t correlation_id,
				 const struct kafka_join_group_resp *r);

/* ---- SyncGroup -------------------------------------------------------- */

struct kafka_sync_assignment {
	struct kafka_str member_id;
	struct kafka_bytes assignment;
};

struct kafka_sync_group_req {
	struct kafka_str group_id;
	int32_t generation_id;
	struct kafka_str member_id;
	struct kafka_str group_instance_id;	/* v3+, nullable */
	uint32_t nr_assignments;	/* the leader's request only */
	struct kafka_sync_assignment *assignments;
};

struct kafka_sync_group_resp {
	int32_t throttle_time_ms;	/* v1+ */
	int16_t error;
	struct kafka_bytes assignment;	/* never null on the wire: "" */
};

int kafka_sync_group_req_decode(struct zc_view *v, int version,
				struct kafka_sync_group_req *r,
				struct kafka_arena *a);
int kafka_sync_group_resp_encode(struct kafka_wbuf *w, int version,
				 int32_t correlation_id,
				 const struct kafka_sync_group_resp *r);

/* ---- Heartbeat, LeaveGroup ------------------------------------------- */

struct kafka_heartbeat_req {
	struct kafka_str group_id;
	int32_t generation_id;
	struct kafka_str member_id;
	struct kafka_str group_instance_id;	/* v3+, nullable */
};

struct kafka_leave_group_req {
	struct kafka_str group_id;
	struct kafka_str member_id;
};

/* Both answers are an error code, with throttle_time_ms from v1. */
struct kafka_group_resp {
	int32_t throttle_time_ms;	/* v1+ */
	int16_t error;
};

int kafka_heartbeat_req_decode(struct zc_view *v, int version,
			       struct kafka_heartbeat_req *r);
int kafka_heartbeat_resp_encode(struct kafka_wbuf *w, int version,
				int32_t correlation_id,
				const struct kafka_group_resp *r);
int kafka_leave_group_req_decode(struct zc_view *v, int version,
				 struct kafka_leave_group_req *r);
int kafka_leave_group_resp_encode(struct kafka_wbuf *w, int version,
				  int32_t correlation_id,
				  const struct kafka_group_resp *r);

#endif
