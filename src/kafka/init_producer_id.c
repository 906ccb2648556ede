/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/init_producer_id.c - InitProducerId 0-1: a new producer id,
 * epoch 0, for an idempotent producer (librdkafka's enable.idempotence).
 *
 * Answers:
 *   null transactional_id   a fresh id (producer_id.h: never repeats, even
 *                           after a crash), epoch 0
 *   "" transactional_id     INVALID_REQUEST (42), as Kafka
 *   any other               TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53):
 *                           there are no transactions here. librdkafka
 *                           2.0.2 treats it as fatal
 *                           (rd_kafka_idemp_check_error) and fails
 *                           rd_kafka_init_transactions at once, where
 *                           COORDINATOR_NOT_AVAILABLE would make it retry
 *                           until its timeout
 *   the id file not writable  COORDINATOR_NOT_AVAILABLE (15): retriable,
 *                           librdkafka asks again after a backoff
 */
#include <errno.h>
#include <string.h>

#include "broker_int.h"
#include "kafka/proto_producer.h"

int kafka_init_producer_id(struct kafka_conn *c, struct kafka_request *req)
{
	struct kafka_init_pid_resp resp = {
		.producer_id = -1,
		.producer_epoch = -1,
	};
	struct kafka_init_pid_req r;
	struct zc_view v = req->body;
	int ret;

	kafka_count(c->w, c->w->srv->m.req[KAFKA_REQ_INIT_PRODUCER_ID], 1);
	ret = kafka_init_pid_req_decode(&v, req->hdr.api_version, &r);
	if (ret)
		return ret;
	if (kafka_str_is_null(&r.transactional_id)) {
		ret = kafka_pid_alloc_next(&c->w->srv->pids, &resp.producer_id);
		if (ret) {
			eng_log(ENG_LOG_ERROR, "reserving producer ids: %s",
				strerror(-ret));
			resp.producer_id = -1;
			resp.error = KAFKA_COORDINATOR_NOT_AVAILABLE;
		} else {
			resp.producer_epoch = 0;
		}
	} else if (!r.transactional_id.len) {
		resp.error = KAFKA_INVALID_REQUEST;
	} else {
		resp.error = KAFKA_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
	}
	return kafka_init_pid_resp_encode(&c->wb, req->hdr.api_version,
					  req->hdr.correlation_id, &resp);
}
