/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_commit.h - the codec of the committed-offset APIs,
 * OffsetCommit 0-7 (key 8) and OffsetFetch 0-5 (key 9), the non-flexible
 * versions (OffsetCommit is flexible from v8, OffsetFetch from v6). Pure
 * code over bytes with kafka/proto.h's conventions: decoders read a
 * request body from a view for one version, allocate arrays from a
 * kafka_arena and return 0, -EBADMSG, -ENOTSUP or -ENOMEM; encoders append
 * one whole response frame to a kafka_wbuf.
 *
 * What each version adds (Kafka's OffsetCommitRequest.json etc.):
 *
 * OffsetCommit request  v0: group_id, topics[name, partitions[partition,
 *                           offset, metadata]]
 *                       v1: + generation_id, member_id; per partition
 *                           commit_timestamp (v1 only)
 *                       v2-4: + retention_time_ms (after member_id)
 *                       v5: retention_time_ms gone
 *                       v6: + committed_leader_epoch (after offset)
 *                       v7: + group_instance_id (after member_id)
 * OffsetCommit response v0-2: topics[name, partitions[partition, error]]
 *                       v3-7: throttle_time_ms first
 * OffsetFetch request   v0-1: group_id, topics[name, partitions[int32]]
 *                       v2-5: topics may be null: every partition the
 *                             group committed
 * OffsetFetch response  v0-1: topics[name, partitions[partition, offset,
 *                             metadata, error]]
 *                       v2: + error_code at the end (top level)
 *                       v3-4: + throttle_time_ms first
 *                       v5: + committed_leader_epoch (after offset)
 */
#ifndef ZC_KAFKA_PROTO_COMMIT_H
#define ZC_KAFKA_PROTO_COMMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka/wire.h"

#define KAFKA_OFFSET_COMMIT_MIN 0
#define KAFKA_OFFSET_COMMIT_MAX 7
#define KAFKA_OFFSET_FETCH_MIN 0
#define KAFKA_OFFSET_FETCH_MAX 5

/* ---- OffsetCommit 0-7 ------------------------------------------------ */

struct kafka_commit_part {
	int32_t partition;
	int64_t offset;
	int32_t leader_epoch;		/* v6+; -1 before */
	int64_t commit_timestamp;	/* v1 only; -1 otherwise */
	struct kafka_str metadata;	/* nullable */
};

struct kafka_commit_topic {
	struct kafka_str name;
	uint32_t nr_partitions;
	struct kafka_commit_part *partitions;
};

struct kafka_commit_req {
	struct kafka_str group_id;
	int32_t generation_id;		/* v1+; -1 before */
	struct kafka_str member_id;	/* v1+; "" before */
	struct kafka_str group_instance_id;	/* v7+ nullable; null before */
	int64_t retention_time_ms;	/* v2-4; -1 otherwise */
	uint32_t nr_topics;
	struct kafka_commit_topic *topics;
};

int kafka_commit_req_decode(struct zc_view *v, int version,
			    struct kafka_commit_req *c, struct kafka_arena *a);

struct kafka_commit_part_resp {
	int32_t partition;
	int16_t error;
};

struct kafka_commit_topic_resp {
	struct kafka_str name;
	uint32_t nr_partitions;
	const struct kafka_commit_part_resp *partitions;
};

struct kafka_commit_resp {
	int32_t throttle_time_ms;	/* v3+ */
	uint32_t nr_topics;
	const struct kafka_commit_topic_resp *topics;
};

/* 0, -EINVAL (version outside 0-7), -EOVERFLOW, -ENOMEM; @w unchanged
 * on error. */
int kafka_commit_resp_encode(struct kafka_wbuf *w, int version,
			     int32_t correlation_id,
			     const struct kafka_commit_resp *r);

/* ---- OffsetFetch 0-5 ------------------------------------------------- */

struct kafka_offset_fetch_topic {
	struct kafka_str name;
	uint32_t nr_partitions;
	int32_t *partitions;
};

struct kafka_offset_fetch_req {
	struct kafka_str group_id;
	bool all_topics;		/* v2+: a null topic array */
	uint32_t nr_topics;		/* 0 when all_topics */
	struct kafka_offset_fetch_topic *topics;
};

int kafka_offset_fetch_req_decode(struct zc_view *v, int version,
				  struct kafka_offset_fetch_req *f,
				  struct kafka_arena *a);

struct kafka_offset_fetch_part_resp {
	int32_t partition;
	int64_t offset;			/* -1: none committed */
	int32_t leader_epoch;		/* v5+; -1 when unknown */
	struct kafka_str metadata;	/* nullable */
	int16_t error;
};

struct kafka_offset_fetch_topic_resp {
	struct kafka_str name;
	uint32_t nr_partitions;
	const struct kafka_offset_fetch_part_resp *partitions;
};

struct kafka_offset_fetch_resp {
	int32_t throttle_time_ms;	/* v3+ */
	uint32_t nr_topics;
	const struct kafka_offset_fetch_topic_resp *topics;
	int16_t error;			/* v2+ (top level) */
};

/* 0, -EINVAL (version outside 0-5), -EOVERFLOW, -ENOMEM; @w unchanged
 * on error. */
int kafka_offset_fetch_resp_encode(struct kafka_wbuf *w, int version,
				   int32_t correlation_id,
				   const struct kafka_offset_fetch_resp *r);

#endif
