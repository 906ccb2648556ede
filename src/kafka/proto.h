/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto.h - the Kafka wire protocol codec of `zcio broker`: framing,
 * request decoding and response encoding for the non-flexible versions
 * that the Debian 12 clients (kcat 1.7.1 / librdkafka 2.0.2, kafka-python
 * 2.0.2) use. Pure code over bytes: no sockets, no files, no printing.
 *
 *   ApiVersions 0-2   Metadata 0-4   Produce 0-7   Fetch 4-11
 *   ListOffsets 1-2   (kafka_apis[], the one table the broker advertises)
 *
 * A connection's life with the codec:
 *   1. kafka_frame_size(buf, have, max) until a whole frame is in;
 *   2. kafka_request_decode(&req, frame + 4, size) -> req.hdr, req.<api>;
 *   3. the broker's handler fills a kafka_<api>_resp and encodes it with
 *      kafka_<api>_resp_encode into a kafka_wbuf (whole response frames,
 *      size prefix included), or for Fetch with kafka_fetch_resp_encode
 *      straight into the connection's zc_chain, record bytes as file
 *      ranges;
 *   4. kafka_request_exit(&req).
 *
 * Error convention: functions return 0 or a negative errno (the codec's
 * own failures: malformed input, no memory); Kafka error codes (enum
 * kafka_err, kafka/err.h) are data that responses carry, and the only
 * thing kafka_fetch_session_error and kafka_batch_validate return. Decoded
 * strings and records point into the frame: keep it until the request is
 * done.
 *
 * Compatible changes since the first version:
 * - the per-API decoders (kafka_metadata_req_decode...) check their own
 *   version range and return -ENOTSUP outside it.
 */
#ifndef ZC_KAFKA_PROTO_H
#define ZC_KAFKA_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zcio/buf.h>
#include <zcio/chain.h>

#include "kafka/err.h"
#include "kafka/wire.h"

/* API keys (the protocol guide's numbers). */
enum kafka_api_key {
	KAFKA_API_PRODUCE = 0,
	KAFKA_API_FETCH = 1,
	KAFKA_API_LIST_OFFSETS = 2,
	KAFKA_API_METADATA = 3,
	KAFKA_API_OFFSET_COMMIT = 8,
	KAFKA_API_OFFSET_FETCH = 9,
	KAFKA_API_FIND_COORDINATOR = 10,
	KAFKA_API_JOIN_GROUP = 11,
	KAFKA_API_HEARTBEAT = 12,
	KAFKA_API_LEAVE_GROUP = 13,
	KAFKA_API_SYNC_GROUP = 14,
	KAFKA_API_API_VERSIONS = 18,
	KAFKA_API_CREATE_TOPICS = 19,
	KAFKA_API_DELETE_TOPICS = 20,
	KAFKA_API_INIT_PRODUCER_ID = 22,
};

/* "Produce", "Fetch", ... or "Unknown"; static, never NULL. */
const char *kafka_api_name(int key);

/* ---- the advertised versions ---------------------------------------- */

struct kafka_api_range {
	int16_t key;
	int16_t min;
	int16_t max;
};

/*
 * Every API the broker answers and its version range, sorted by key: the
 * ApiVersions response lists exactly this, and kafka_request_decode
 * refuses what is outside it. One constant in proto_api.c; add a line
 * there (and a decoder, here or in the broker) to support another API.
 */
extern const struct kafka_api_range kafka_apis[];
extern const unsigned int kafka_nr_apis;

/* The range of @key, or NULL when the broker does not answer it. */
const struct kafka_api_range *kafka_api_find(int key);

/* ---- framing ---------------------------------------------------------- */

/* Kafka's socket.request.max.bytes default (100 MiB). */
#define KAFKA_MAX_REQUEST_DEFAULT (100 * 1024 * 1024)
/* The smallest request: header v1 with a null client_id (2+2+4+2). */
#define KAFKA_REQ_HDR_MIN 10

/*
 * Looks at the @have bytes received so far at @buf. Returns the size of the
 * whole frame (4 + the int32 size prefix) as soon as the prefix is in,
 * whether or not the rest has arrived; 0 when fewer than 4 bytes are in;
 * -EMSGSIZE when the size exceeds @max (bytes after the prefix) and
 * -EBADMSG when it is negative or smaller than a request header. On an
 * error the broker closes the connection: the stream cannot be resynced.
 */
ssize_t kafka_frame_size(const void *buf, size_t have, size_t max);

/* ---- requests --------------------------------------------------------- */

/* Request header v1 (every non-flexible request). */
struct kafka_req_header {
	int16_t api_key;
	int16_t api_version;
	int32_t correlation_id;
	struct kafka_str client_id;	/* nullable */
};

/* ApiVersions 0-2: the body is empty. */

/* Metadata 0-4 */
struct kafka_metadata_req {
	bool all_topics;	/* v0: empty array; v1+: null array */
	uint32_t nr_topics;	/* 0 when all_topics */
	struct kafka_str *topics;	/* non-null names */
	bool allow_auto_topic_creation;	/* v4+; true before v4 */
};

/* Produce 0-7 (0-2: no transactional_id) */
struct kafka_produce_part {
	int32_t partition;
	struct kafka_bytes records;	/* in the frame, not copied; nullable */
};

struct kafka_produce_topic {
	struct kafka_str name;
	uint32_t nr_partitions;
	struct kafka_produce_part *partitions;
};

struct kafka_produce_req {
	struct kafka_str transactional_id;	/* nullable */
	int16_t acks;		/* 0, 1, -1; others: INVALID_REQUIRED_ACKS */
	int32_t timeout_ms;
	uint32_t nr_topics;
	struct kafka_produce_topic *topics;
};

/* Fetch 4-11 */
#define KAFKA_READ_UNCOMMITTED 0
#define KAFKA_READ_COMMITTED 1

struct kafka_fetch_part {
	int32_t partition;
	int32_t current_leader_epoch;	/* v9+; -1 before */
	int64_t fetch_offset;
	int64_t log_start_offset;	/* v5+; -1 before (followers only) */
	int32_t partition_max_bytes;
};

struct kafka_fetch_topic {
	struct kafka_str name;
	uint32_t nr_partitions;
	struct kafka_fetch_part *partitions;
};

struct kafka_fetch_forgotten {
	struct kafka_str name;
	uint32_t nr_partitions;
	int32_t *partitions;
};

struct kafka_fetch_req {
	int32_t replica_id;	/* -1 for consumers */
	int32_t max_wait_ms;
	int32_t min_bytes;
	int32_t max_bytes;	/* v3+ (always here) */
	int8_t isolation_level;	/* v4+ (always here) */
	int32_t session_id;	/* v7+; 0 before */
	int32_t session_epoch;	/* v7+; -1 before */
	uint32_t nr_topics;
	struct kafka_fetch_topic *topics;
	uint32_t nr_forgotten;	/* v7+ */
	struct kafka_fetch_forgotten *forgotten;
	struct kafka_str rack_id;	/* v11+; empty before */
};

/*
 * The broker keeps no fetch sessions (KIP-227). Returns the top-level
 * error for @f: KAFKA_NONE for a full fetch (session_epoch 0 "open a
 * session" or -1 "no session": answer every partition, with session_id 0,
 * which tells the client that no session was created), or
 * KAFKA_FETCH_SESSION_ID_NOT_FOUND for an incremental fetch (epoch > 0 or
 * below -1), as Kafka answers an unknown session: send it with no topics
 * and the client falls back to a full fetch.
 */
int kafka_fetch_session_error(const struct kafka_fetch_req *f);

/* ListOffsets 1-2 */
#define KAFKA_OFFSET_LATEST (-1)	/* timestamp: the high watermark */
#define KAFKA_OFFSET_EARLIEST (-2)	/* timestamp: the log start */

struct kafka_list_offsets_part {
	int32_t partition;
	int64_t timestamp;	/* -1 latest, -2 earliest, >= 0 by time */
};

struct kafka_list_offsets_topic {
	struct kafka_str name;
	uint32_t nr_partitions;
	struct kafka_list_offsets_part *partitions;
};

struct kafka_list_offsets_req {
	int32_t replica_id;
	int8_t isolation_level;	/* v2+; 0 before */
	uint32_t nr_topics;
	struct kafka_list_offsets_topic *topics;
};

struct kafka_request {
	struct kafka_req_header hdr;
	/* The body (after the header) of the frame; for APIs without a
	 * decoder here, the broker's own decoder starts at it. */
	struct zc_view body;
	union {
		struct kafka_metadata_req metadata;
		struct kafka_produce_req produce;
		struct kafka_fetch_req fetch;
		struct kafka_list_offsets_req list_offsets;
	};
	struct kafka_arena arena;	/* private: the arrays above */
};

/*
 * Decodes one request: @frame is the @len bytes after the size prefix
 * (len = the prefix's value). @frame is not modified here but is
 * non-const because produce records point into it, for in-place patching
 * (kafka_batch_assign_offsets); it must outlive @r's use. Allocates the
 * arrays from @r's arena (at most 8 bytes per frame byte plus one malloc
 * per non-empty array, in practice far less); free them with
 * kafka_request_exit, which must follow every call, successful or not.
 * Returns:
 *   0             decoded: r->hdr, and the API's member of the union (no
 *                 member for ApiVersions, whose body is empty, nor for an
 *                 API in kafka_apis that has no decoder here: r->body).
 *   -EBADMSG      malformed: a header or body that is truncated, has a
 *                 negative length or count that is not nullable there, a
 *                 count that cannot fit in the frame, or bytes left over.
 *                 r->hdr is valid when the header was. Close the connection
 *                 (Kafka does: a request it cannot parse has no answer).
 *   -ENOTSUP      r->hdr.api_version is outside kafka_apis' range for this
 *                 key; the body is not read. Answer with
 *                 kafka_unsupported_encode (ApiVersions), else close.
 *   -ENOPROTOOPT  r->hdr.api_key is not in kafka_apis. Close.
 *   -ENOMEM
 */
int kafka_request_decode(struct kafka_request *r, void *frame, size_t len);

/* Frees what decoding allocated. Safe after any kafka_request_decode. */
void kafka_request_exit(struct kafka_request *r);

/*
 * The per-API decoders behind kafka_request_decode, for tests and for a
 * broker that parses the header itself: each reads the whole body from @v
 * for @version, allocating from @a. Return 0, -EBADMSG (malformed or
 * trailing bytes), -ENOTSUP (a version this decoder cannot read) or
 * -ENOMEM. kafka_req_header_decode returns 0 or -EBADMSG.
 */
int kafka_req_header_decode(struct zc_view *v, struct kafka_req_header *h);
int kafka_metadata_req_decode(struct zc_view *v, int version,
			      struct kafka_metadata_req *m,
			      struct kafka_arena *a);
int kafka_produce_req_decode(struct zc_view *v, int version,
			     struct kafka_produce_req *p,
			     struct kafka_arena *a);
int kafka_fetch_req_decode(struct zc_view *v, int version,
			   struct kafka_fetch_req *f, struct kafka_arena *a);
int kafka_list_offsets_req_decode(struct zc_view *v, int version,
				  struct kafka_list_offsets_req *l,
				  struct kafka_arena *a);

/* ---- responses ---------------------------------------------------------
 * Every encoder appends one whole response frame (size prefix, response
 * header v0 = correlation id, body for @version) to @w and returns 0,
 * -EINVAL (@version outside kafka_apis' range), -EOVERFLOW (a string,
 * count or frame too long for its field) or -ENOMEM. On error @w is as it
 * was before the call. Input strings are kafka_str (see KAFKA_STR).
 */

/*
 * ApiVersions 0-2: @error (KAFKA_NONE) and the kafka_apis table;
 * throttle_time_ms 0 from v1.
 */
int kafka_api_versions_resp_encode(struct kafka_wbuf *w, int version,
				   int32_t correlation_id, int error);

/*
 * The answer to a request whose version kafka_request_decode refused
 * (-ENOTSUP). For ApiVersions (librdkafka 2.0.2 opens with v3) it is what
 * Kafka sends (KIP-511): a v0 body with UNSUPPORTED_VERSION and, as the
 * api list, the ApiVersions range alone; the client retries on the same
 * connection with a version it can take, so keep it open. Returns 0; or
 * -ENOTSUP for any other API, which has no answer: close the connection.
 */
int kafka_unsupported_encode(struct kafka_wbuf *w,
			     const struct kafka_req_header *h);

/* Metadata 0-4 */
struct kafka_metadata_broker {
	int32_t node_id;
	struct kafka_str host;
	int32_t port;
	struct kafka_str rack;		/* v1+; nullable */
};

struct kafka_metadata_part {
	int16_t error;
	int32_t partition;
	int32_t leader;			/* node id, -1 when none */
	uint32_t nr_replicas;
	const int32_t *replicas;
	uint32_t nr_isr;
	const int32_t *isr;
};

struct kafka_metadata_topic {
	int16_t error;
	struct kafka_str name;
	bool is_internal;		/* v1+ */
	uint32_t nr_partitions;
	const struct kafka_metadata_part *partitions;
};

struct kafka_metadata_resp {
	int32_t throttle_time_ms;	/* v3+ */
	uint32_t nr_brokers;
	const struct kafka_metadata_broker *brokers;
	struct kafka_str cluster_id;	/* v2+; nullable */
	int32_t controller_id;		/* v1+ */
	uint32_t nr_topics;
	const struct kafka_metadata_topic *topics;
};

int kafka_metadata_resp_encode(struct kafka_wbuf *w, int version,
			       int32_t correlation_id,
			       const struct kafka_metadata_resp *r);

/* Produce 0-7 (acks 0 has no response: do not encode one). */
struct kafka_produce_part_resp {
	int32_t partition;
	int16_t error;
	int64_t base_offset;		/* -1 on error */
	int64_t log_append_time;	/* -1 unless LogAppendTime */
	int64_t log_start_offset;	/* v5+; -1 on error */
};

struct kafka_produce_topic_resp {
	struct kafka_str name;
	uint32_t nr_partitions;
	const struct kafka_produce_part_resp *partitions;
};

struct kafka_produce_resp {
	uint32_t nr_topics;
	const struct kafka_produce_topic_resp *topics;
	int32_t throttle_time_ms;
};

int kafka_produce_resp_encode(struct kafka_wbuf *w, int version,
			      int32_t correlation_id,
			      const struct kafka_produce_resp *r);

/* ListOffsets 1-2 */
struct kafka_list_offsets_part_resp {
	int32_t partition;
	int16_t error;
	int64_t timestamp;		/* -1 when not by time / not found */
	int64_t offset;			/* -1 when not found */
};

struct kafka_list_offsets_topic_resp {
	struct kafka_str name;
	uint32_t nr_partitions;
	const struct kafka_list_offsets_part_resp *partitions;
};

struct kafka_list_offsets_resp {
	int32_t throttle_time_ms;	/* v2+ */
	uint32_t nr_topics;
	const struct kafka_list_offsets_topic_resp *topics;
};

int kafka_list_offsets_resp_encode(struct kafka_wbuf *w, int version,
				   int32_t correlation_id,
				   const struct kafka_list_offsets_resp *r);

/* ---- Fetch 4-11: header bytes in memory, records as file ranges ----- */

/*
 * Where some of a partition's record bytes come from, in the order they
 * are sent:
 *   @buf a file store (zc_buf_file): the file range [off, off + len);
 *   @buf a memory buffer: the bytes at buf->data + off (--fetch-copy, tests);
 *   @buf NULL: the range of @fd, which the caller keeps open until the
 *   chain has sent it.
 * The chain takes its own reference on @buf.
 */
struct kafka_records_range {
	struct zc_buf *buf;
	int fd;
	off_t off;
	size_t len;
};

struct kafka_fetch_part_resp {
	int32_t partition;
	int16_t error;
	int64_t high_watermark;
	int64_t last_stable_offset;	/* v4+; = high_watermark, no txns */
	int64_t log_start_offset;	/* v5+ */
	/* The records field is the concatenation of these ranges (its int32
	 * length is their sum, never null: 0 when none). */
	uint32_t nr_ranges;
	const struct kafka_records_range *ranges;
};

struct kafka_fetch_topic_resp {
	struct kafka_str name;
	uint32_t nr_partitions;
	const struct kafka_fetch_part_resp *partitions;
};

struct kafka_fetch_resp {
	int32_t throttle_time_ms;
	int16_t error;			/* v7+: kafka_fetch_session_error */
	int32_t session_id;		/* v7+: always 0 (no sessions) */
	/* From the request: aborted_transactions (v4+) is null for
	 * READ_UNCOMMITTED and an empty array for READ_COMMITTED, as Kafka
	 * sends them when there are no transactions. */
	int8_t isolation_level;
	uint32_t nr_topics;
	const struct kafka_fetch_topic_resp *topics;
};

/*
 * Appends the whole response frame for @version to @c: the response's
 * fields are written into one refcounted buffer, appended as memory pieces
 * that end at each partition's records length, each followed by that
 * partition's ranges (file ranges, or memory), so a chain looks like
 *   [size..records len][file range][..records len][file range]...[tail]
 * The size prefix is computed up front (memory bytes + range lengths), so
 * nothing is read from the files. Returns 0; -EINVAL for a version outside
 * 4-11; -EOVERFLOW when a partition's records exceed INT32_MAX or the
 * frame does (nothing appended then); -ENOMEM, after which @c may hold
 * part of the response: close the connection.
 */
int kafka_fetch_resp_encode(struct zc_chain *c, int version,
			    int32_t correlation_id,
			    const struct kafka_fetch_resp *r);

/* ---- helpers ---------------------------------------------------------- */

/*
 * Whether @name is a legal topic name (Kafka's rule: 1-249 bytes of
 * [a-zA-Z0-9._-], not "." or ".."); the broker answers others with
 * KAFKA_INVALID_TOPIC_EXCEPTION.
 */
bool kafka_topic_name_valid(const struct kafka_str *name);

#endif
