/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_admin.h - the codec of topic administration: CreateTopics
 * 0-4 (key 19) and DeleteTopics 0-3 (key 20), the non-flexible versions
 * (CreateTopics 5 and DeleteTopics 4 are the first flexible ones). Both
 * sides: the broker decodes requests and encodes responses, the
 * command-line client (`zcio broker topics`, admin_client.c) encodes
 * requests and decodes responses. Pure code over bytes, as proto.h.
 *
 * Fields follow Kafka's CreateTopicsRequest/Response.json and
 * DeleteTopicsRequest/Response.json:
 *   CreateTopics request: topics [name, num_partitions, replication_factor,
 *     assignments [partition_index, broker_ids [int32]],
 *     configs [name, value (nullable)]], timeout_ms, validate_only (v1+)
 *   CreateTopics response: throttle_time_ms (v2+),
 *     topics [name, error_code, error_message (v1+, nullable)]
 *   DeleteTopics request: topic_names [string], timeout_ms
 *   DeleteTopics response: throttle_time_ms (v1+),
 *     responses [name, error_code]
 *
 * Decoders read the body from @v (after the request header, or after the
 * response's correlation id), allocate arrays from @a and return 0,
 * -EBADMSG (truncated, a negative length or count where none is allowed, a
 * count that cannot fit in the bytes left, trailing bytes), -ENOTSUP (a
 * version outside the range) or -ENOMEM. Strings point into the frame.
 * Encoders append one whole frame (size prefix included) and return 0,
 * -EINVAL (version), -EOVERFLOW or -ENOMEM; @w is then as before the call.
 */
#ifndef ZC_KAFKA_PROTO_ADMIN_H
#define ZC_KAFKA_PROTO_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include <zcio/view.h>

#include "kafka/proto.h"
#include "kafka/wire.h"

#define KAFKA_CREATE_TOPICS_MIN 0
#define KAFKA_CREATE_TOPICS_MAX 4
#define KAFKA_DELETE_TOPICS_MIN 0
#define KAFKA_DELETE_TOPICS_MAX 3

/* CreateTopics 0-4 */
struct kafka_create_assignment {
	int32_t partition;
	uint32_t nr_brokers;
	int32_t *brokers;
};

struct kafka_create_config {
	struct kafka_str name;
	struct kafka_str value;		/* nullable: the default */
};

struct kafka_create_topic {
	struct kafka_str name;
	int32_t num_partitions;		/* -1: the broker's default */
	int16_t replication_factor;	/* -1: the broker's default */
	uint32_t nr_assignments;
	struct kafka_create_assignment *assignments;
	uint32_t nr_configs;
	struct kafka_create_config *configs;
};

struct kafka_create_topics_req {
	uint32_t nr_topics;
	struct kafka_create_topic *topics;
	int32_t timeout_ms;
	bool validate_only;		/* v1+; false before */
};

struct kafka_create_topic_resp {
	struct kafka_str name;
	int16_t error;
	struct kafka_str message;	/* v1+; nullable */
};

struct kafka_create_topics_resp {
	int32_t throttle_time_ms;	/* v2+ */
	uint32_t nr_topics;
	struct kafka_create_topic_resp *topics;
};

/* DeleteTopics 0-3 */
struct kafka_delete_topics_req {
	uint32_t nr_topics;
	struct kafka_str *topics;
	int32_t timeout_ms;
};

struct kafka_delete_topic_resp {
	struct kafka_str name;
	int16_t error;
};

struct kafka_delete_topics_resp {
	int32_t throttle_time_ms;	/* v1+ */
	uint32_t nr_topics;
	struct kafka_delete_topic_resp *topics;
};

/* Broker side. */
int kafka_create_topics_req_decode(struct zc_view *v, int version,
				   struct kafka_create_topics_req *r,
				   struct kafka_arena *a);
int kafka_create_topics_resp_encode(struct kafka_wbuf *w, int version,
				    int32_t correlation_id,
				    const struct kafka_create_topics_resp *r);
int kafka_delete_topics_req_decode(struct zc_view *v, int version,
				   struct kafka_delete_topics_req *r,
				   struct kafka_arena *a);
int kafka_delete_topics_resp_encode(struct kafka_wbuf *w, int version,
				    int32_t correlation_id,
				    const struct kafka_delete_topics_resp *r);

/*
 * Client side. The request encoders write the size prefix and request
 * header v1 (@client_id nullable) before the body.
 */
int kafka_create_topics_req_encode(struct kafka_wbuf *w, int version,
				   int32_t correlation_id,
				   const struct kafka_str *client_id,
				   const struct kafka_create_topics_req *r);
int kafka_create_topics_resp_decode(struct zc_view *v, int version,
				    struct kafka_create_topics_resp *r,
				    struct kafka_arena *a);
int kafka_delete_topics_req_encode(struct kafka_wbuf *w, int version,
				   int32_t correlation_id,
				   const struct kafka_str *client_id,
				   const struct kafka_delete_topics_req *r);
int kafka_delete_topics_resp_decode(struct zc_view *v, int version,
				    struct kafka_delete_topics_resp *r,
				    struct kafka_arena *a);

/*
 * The request frame's start for a client: size placeholder, api key,
 * version, correlation id, client id. Returns the frame's start offset;
 * finish the frame with kafka_resp_end(w, start, 0).
 */
size_t kafka_req_begin(struct kafka_wbuf *w, int16_t key, int16_t version,
		       int32_t correlation_id,
		       const struct kafka_str *client_id);

#endif
