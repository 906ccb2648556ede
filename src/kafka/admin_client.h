/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/admin_client.h - a small blocking Kafka client for topic
 * administration (`zcio broker topics`): one TCP connection to one
 * broker, one request at a time, encoded and decoded with the project's
 * own codec (proto_admin.h for CreateTopics/DeleteTopics; Metadata v1,
 * ListOffsets v1 and ApiVersions v0 here). It talks to any Kafka broker
 * that has these APIs, not only to zcio's.
 *
 * Every function blocks (at most the timeout given to kafka_admin_open per
 * send or receive) and returns 0 or a negative errno: -ECONNREFUSED and
 * friends from connect, -ETIMEDOUT, -EPROTO for an answer that does not
 * parse or does not match the request, -ECONNRESET when the broker closed
 * the connection (Kafka brokers close it on a request they cannot
 * answer), -ENOTSUP when ApiVersions says the broker lacks the API. Kafka
 * error codes are data: per topic, in the results.
 */
#ifndef ZC_KAFKA_ADMIN_CLIENT_H
#define ZC_KAFKA_ADMIN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kafka_admin {
	int fd;
	int32_t corr;
	int timeout_ms;
	/* From ApiVersions: the highest usable version per API, -1 none. */
	int16_t create_v, delete_v, metadata_v, list_offsets_v;
};

/*
 * Connects to @bootstrap ("HOST:PORT", "[V6]:PORT") within @timeout_ms and
 * asks ApiVersions v0. -EINVAL for an address that does not parse,
 * -ENOENT when the host does not resolve.
 */
int kafka_admin_open(struct kafka_admin *a, const char *bootstrap,
		     int timeout_ms);
void kafka_admin_close(struct kafka_admin *a);

/*
 * CreateTopics for one topic: @partitions (-1: the broker's default),
 * replication factor -1. *@code is the topic's Kafka error code, @msg
 * (NUL-terminated, may be empty) its message.
 */
int kafka_admin_create(struct kafka_admin *a, const char *name,
		       int32_t partitions, bool validate_only, int *code,
		       char *msg, size_t msg_len);

/* DeleteTopics for one topic; *@code its Kafka error code. */
int kafka_admin_delete(struct kafka_admin *a, const char *name, int *code);

struct kafka_admin_part {
	int32_t id;
	int16_t error;			/* of ListOffsets, or Metadata */
	int64_t end;			/* log end offset, -1 unknown */
};

struct kafka_admin_topic {
	char name[250];
	int16_t error;			/* Metadata's, per topic */
	bool internal;
	uint32_t nr_parts;
	struct kafka_admin_part *parts;	/* sorted by id */
};

/*
 * Every topic (Metadata v1, all topics), sorted by name, with each
 * partition's log end offset (one ListOffsets request, latest). Free
 * with kafka_admin_topics_free.
 */
int kafka_admin_list(struct kafka_admin *a, struct kafka_admin_topic **out,
		     uint32_t *nr);
void kafka_admin_topics_free(struct kafka_admin_topic *t, uint32_t nr);

#endif
