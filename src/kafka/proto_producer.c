/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_producer.c - InitProducerId 0-1: the request a producer
 * sends before its first idempotent batch, and the id and epoch it gets.
 * Layouts from the protocol guide (InitProducerIdRequest/Response.json):
 *   request   transactional_id: nullable string, transaction_timeout_ms: i32
 *   response  throttle_time_ms: i32, error_code: i16, producer_id: i64,
 *             producer_epoch: i16
 */
#include <errno.h>
#include <string.h>

#include "kafka/proto_int.h"
#include "kafka/proto_producer.h"

int kafka_init_pid_req_decode(struct zc_view *v, int version,
			      struct kafka_init_pid_req *r)
{
	memset(r, 0, sizeof(*r));
	if (!kafka__in(version, KAFKA_INIT_PRODUCER_ID_MIN,
		       KAFKA_INIT_PRODUCER_ID_MAX))
		return -ENOTSUP;
	if (kafka_read_str(v, &r->transactional_id))
		return -EBADMSG;
	zc_view_i32be(v, &r->transaction_timeout_ms);
	return kafka__req_done(v);
}

int kafka_init_pid_resp_encode(struct kafka_wbuf *w, int version,
			       int32_t correlation_id,
			       const struct kafka_init_pid_resp *r)
{
	size_t start;

	if (!kafka__in(version, KAFKA_INIT_PRODUCER_ID_MIN,
		       KAFKA_INIT_PRODUCER_ID_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_i16(w, r->error);
	kafka_put_i64(w, r->producer_id);
	kafka_put_i16(w, r->producer_epoch);
	return kafka_resp_end(w, start, 0);
}
