/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_producer.h - the InitProducerId codec (API key 22), versions
 * 0-1, the non-flexible ones (v2 and later use compact strings and tagged
 * fields). Same conventions as kafka/proto.h: decoders read a request body
 * from a zc_view (kafka_request_decode leaves it in req->body, as this
 * API has no member of the request union), encoders append one whole
 * response frame to a kafka_wbuf.
 */
#ifndef ZC_KAFKA_PROTO_PRODUCER_H
#define ZC_KAFKA_PROTO_PRODUCER_H

#include <stdint.h>

#include <zcio/view.h>

#include "kafka/wire.h"

#define KAFKA_INIT_PRODUCER_ID_MIN 0
#define KAFKA_INIT_PRODUCER_ID_MAX 1

/* InitProducerId 0-1 request (v1 only renamed nothing on the wire). */
struct kafka_init_pid_req {
	struct kafka_str transactional_id;	/* null: idempotent */
	int32_t transaction_timeout_ms;
};

/* InitProducerId 0-1 response. */
struct kafka_init_pid_resp {
	int32_t throttle_time_ms;
	int16_t error;
	int64_t producer_id;		/* -1 on error */
	int16_t producer_epoch;		/* -1 on error */
};

/*
 * Reads the whole body from @v for @version. Returns 0, -EBADMSG
 * (truncated, a negative string length other than -1, trailing bytes) or
 * -ENOTSUP (a version outside 0-1). Strings point into @v's bytes.
 */
int kafka_init_pid_req_decode(struct zc_view *v, int version,
			      struct kafka_init_pid_req *r);

/*
 * Appends the response frame for @version to @w: 0, -EINVAL (a version
 * outside 0-1) or -ENOMEM; @w is unchanged on error.
 */
int kafka_init_pid_resp_encode(struct kafka_wbuf *w, int version,
			       int32_t correlation_id,
			       const struct kafka_init_pid_resp *r);

#endif
