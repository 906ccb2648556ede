/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_coord.h - the codec of FindCoordinator 0-2 (API key 10, the
 * GroupCoordinator request of old clients): which broker coordinates a
 * consumer group (or a transactional id). Non-flexible versions only (v3
 * is the first flexible one). Pure code over bytes, like kafka/proto.h,
 * whose conventions it follows: decoders read a request body from a view
 * and return 0, -EBADMSG, -ENOTSUP or -ENOMEM; the encoder appends one
 * whole response frame to a kafka_wbuf.
 *
 * Request   v0: key                  v1-2: key, key_type
 * Response  v0: error_code, node_id, host, port
 *           v1-2: throttle_time_ms, error_code, error_message, node_id,
 *                 host, port
 */
#ifndef ZC_KAFKA_PROTO_COORD_H
#define ZC_KAFKA_PROTO_COORD_H

#include <stdint.h>

#include "kafka/wire.h"

/* What the codec reads and writes (kafka_apis advertises within it). */
#define KAFKA_FIND_COORDINATOR_MIN 0
#define KAFKA_FIND_COORDINATOR_MAX 2

/* key_type (v1+; v0 asks for a group). */
#define KAFKA_COORD_GROUP 0
#define KAFKA_COORD_TRANSACTION 1

struct kafka_find_coord_req {
	struct kafka_str key;		/* the group id (or transactional id) */
	int8_t key_type;		/* v1+; KAFKA_COORD_GROUP before */
};

/*
 * Decodes the body at @v for @version into @f (strings point into the
 * view's memory). 0, -EBADMSG (truncated, a null key, bytes left over) or
 * -ENOTSUP (@version outside 0-2). Allocates nothing.
 */
int kafka_find_coord_req_decode(struct zc_view *v, int version,
				      struct kafka_find_coord_req *f);

struct kafka_find_coord_resp {
	int32_t throttle_time_ms;	/* v1+ */
	int16_t error;
	struct kafka_str error_message;	/* v1+; nullable */
	int32_t node_id;		/* -1 with an error */
	struct kafka_str host;		/* "" with an error */
	int32_t port;			/* -1 with an error */
};

/*
 * Appends the response frame for @version to @w: 0, -EINVAL (version
 * outside 0-2), -EOVERFLOW or -ENOMEM; @w unchanged on error.
 */
int kafka_find_coord_resp_encode(struct kafka_wbuf *w, int version,
				       int32_t correlation_id,
				       const struct kafka_find_coord_resp *r);

#endif
