/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/coord.c - FindCoordinator: this single broker coordinates
 * every consumer group, so the answer is the address Metadata advertises
 * (conn_api.c), node KAFKA_NODE_ID.
 *
 * A transaction coordinator (key_type 1) is this broker too, although it
 * has no transactions: the client's next request, InitProducerId with
 * its transactional id, is then answered TRANSACTIONAL_ID_AUTHORIZATION_
 * FAILED (init_producer_id.c), which librdkafka treats as fatal, so
 * rd_kafka_init_transactions fails at once and says why. Answering
 * COORDINATOR_NOT_AVAILABLE here instead makes librdkafka retry until its
 * transaction timeout and then report a retriable "timed out".
 * Any other key_type is INVALID_REQUEST, as Kafka answers it.
 */
#include "broker_int.h"
#include "kafka/proto_coord.h"

/* What the error answers carry: Kafka's Node.noNode(). */
static void no_node(struct kafka_find_coord_resp *r, int error,
		    const char *why)
{
	r->error = (int16_t)error;
	r->error_message = kafka_str_c(why);
	r->node_id = -1;
	r->host = KAFKA_STR("");
	r->port = -1;
}

int kafka_find_coordinator(struct kafka_conn *c, struct kafka_request *req)
{
	struct kafka_srv *srv = c->w->srv;
	struct kafka_find_coord_req f;
	struct kafka_find_coord_resp r = {
		.error = KAFKA_NONE,
		.error_message = KAFKA_STR_NULL,
		.node_id = KAFKA_NODE_ID,
		.host = kafka_str_c(srv->adv_host),
		.port = srv->adv_port,
	};
	struct zc_view v = req->body;
	int err;

	kafka_count(c->w, srv->m.req[KAFKA_REQ_FIND_COORDINATOR], 1);
	err = kafka_find_coord_req_decode(&v, req->hdr.api_version, &f);
	if (err)
		return err;
	if (f.key_type != KAFKA_COORD_GROUP &&
	    f.key_type != KAFKA_COORD_TRANSACTION)
		no_node(&r, KAFKA_INVALID_REQUEST, "unknown key_type");
	return kafka_find_coord_resp_encode(&c->wb, req->hdr.api_version,
					    req->hdr.correlation_id, &r);
}
