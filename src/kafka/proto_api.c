/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_api.c - the API table the broker advertises, and the
 * ApiVersions response.
 */
#include <errno.h>

#include "kafka/proto.h"
#include "kafka/proto_admin.h"
#include "kafka/proto_commit.h"
#include "kafka/proto_coord.h"
#include "kafka/proto_group.h"
#include "kafka/proto_int.h"
#include "kafka/proto_producer.h"

/*
 * What `zcio broker` answers, sorted by key. Every range must lie inside
 * what the codec reads and writes (proto_int.h); the minimums are the
 * lowest versions the Debian clients need (Produce 3 and Fetch 4 for
 * record batch v2: see ../shared/notes/kafka-protocol.md §1.1-1.2).
 */
const struct kafka_api_range kafka_apis[] = {
	{ KAFKA_API_PRODUCE, KAFKA_PRODUCE_MIN, KAFKA_PRODUCE_MAX },
	{ KAFKA_API_FETCH, KAFKA_FETCH_MIN, KAFKA_FETCH_MAX },
	{ KAFKA_API_LIST_OFFSETS, KAFKA_LIST_OFFSETS_MIN,
	  KAFKA_LIST_OFFSETS_MAX },
	{ KAFKA_API_METADATA, KAFKA_METADATA_MIN, KAFKA_METADATA_MAX },
	{ KAFKA_API_OFFSET_COMMIT, KAFKA_OFFSET_COMMIT_MIN,
	  KAFKA_OFFSET_COMMIT_MAX },
	{ KAFKA_API_OFFSET_FETCH, KAFKA_OFFSET_FETCH_MIN,
	  KAFKA_OFFSET_FETCH_MAX },
	{ KAFKA_API_FIND_COORDINATOR, KAFKA_FIND_COORDINATOR_MIN,
	  KAFKA_FIND_COORDINATOR_MAX },
	{ KAFKA_API_JOIN_GROUP, KAFKA_JOIN_GROUP_MIN, KAFKA_JOIN_GROUP_MAX },
	{ KAFKA_API_HEARTBEAT, KAFKA_HEARTBEAT_MIN, KAFKA_HEARTBEAT_MAX },
	{ KAFKA_API_LEAVE_GROUP, KAFKA_LEAVE_GROUP_MIN, KAFKA_LEAVE_GROUP_MAX },
	{ KAFKA_API_SYNC_GROUP, KAFKA_SYNC_GROUP_MIN, KAFKA_SYNC_GROUP_MAX },
	{ KAFKA_API_API_VERSIONS, KAFKA_API_VERSIONS_MIN,
	  KAFKA_API_VERSIONS_MAX },
	{ KAFKA_API_CREATE_TOPICS, KAFKA_CREATE_TOPICS_MIN,
	  KAFKA_CREATE_TOPICS_MAX },
	{ KAFKA_API_DELETE_TOPICS, KAFKA_DELETE_TOPICS_MIN,
	  KAFKA_DELETE_TOPICS_MAX },
	{ KAFKA_API_INIT_PRODUCER_ID, KAFKA_INIT_PRODUCER_ID_MIN,
	  KAFKA_INIT_PRODUCER_ID_MAX },
};

const unsigned int kafka_nr_apis = sizeof(kafka_apis) / sizeof(kafka_apis[0]);

const struct kafka_api_range *kafka_api_find(int key)
{
	unsigned int i;

	for (i = 0; i < kafka_nr_apis; i++)
		if (kafka_apis[i].key == key)
			return &kafka_apis[i];
	return NULL;
}

const char *kafka_api_name(int key)
{
	switch (key) {
	case KAFKA_API_PRODUCE:
		return "Produce";
	case KAFKA_API_FETCH:
		return "Fetch";
	case KAFKA_API_LIST_OFFSETS:
		return "ListOffsets";
	case KAFKA_API_METADATA:
		return "Metadata";
	case KAFKA_API_OFFSET_COMMIT:
		return "OffsetCommit";
	case KAFKA_API_OFFSET_FETCH:
		return "OffsetFetch";
	case KAFKA_API_FIND_COORDINATOR:
		return "FindCoordinator";
	case KAFKA_API_JOIN_GROUP:
		return "JoinGroup";
	case KAFKA_API_HEARTBEAT:
		return "Heartbeat";
	case KAFKA_API_LEAVE_GROUP:
		return "LeaveGroup";
	case KAFKA_API_SYNC_GROUP:
		return "SyncGroup";
	case KAFKA_API_API_VERSIONS:
		return "ApiVersions";
	case KAFKA_API_CREATE_TOPICS:
		return "CreateTopics";
	case KAFKA_API_DELETE_TOPICS:
		return "DeleteTopics";
	case KAFKA_API_INIT_PRODUCER_ID:
		return "InitProducerId";
	default:
		return "Unknown";
	}
}

static void put_range(struct kafka_wbuf *w, const struct kafka_api_range *a)
{
	kafka_put_i16(w, a->key);
	kafka_put_i16(w, a->min);
	kafka_put_i16(w, a->max);
}

int kafka_api_versions_resp_encode(struct kafka_wbuf *w, int version,
				   int32_t correlation_id, int error)
{
	unsigned int i;
	size_t start;

	if (!kafka__in(version, KAFKA_API_VERSIONS_MIN,
		       KAFKA_API_VERSIONS_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	kafka_put_i16(w, (int16_t)error);
	kafka_put_count(w, kafka_nr_apis);
	for (i = 0; i < kafka_nr_apis; i++)
		put_range(w, &kafka_apis[i]);
	if (version >= 1)
		kafka_put_i32(w, 0);	/* throttle_time_ms */
	return kafka_resp_end(w, start, 0);
}

int kafka_unsupported_encode(struct kafka_wbuf *w,
			     const struct kafka_req_header *h)
{
	size_t start;

	if (h->api_key != KAFKA_API_API_VERSIONS)
		return -ENOTSUP;
	/* KIP-511: a v0 body, whatever version was asked, since the
	 * client's parser of that version cannot be known to us */
	start = kafka_resp_begin(w, h->correlation_id);
	kafka_put_i16(w, KAFKA_UNSUPPORTED_VERSION);
	kafka_put_count(w, 1);
	put_range(w, kafka_api_find(KAFKA_API_API_VERSIONS));
	return kafka_resp_end(w, start, 0);
}
