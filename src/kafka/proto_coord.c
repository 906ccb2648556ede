/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_coord.c - FindCoordinator 0-2: request and response.
 */
#include <errno.h>
#include <string.h>

#include "kafka/proto_coord.h"
#include "kafka/proto_int.h"

int kafka_find_coord_req_decode(struct zc_view *v, int version,
				      struct kafka_find_coord_req *f)
{
	memset(f, 0, sizeof(*f));
	f->key_type = KAFKA_COORD_GROUP;
	if (!kafka__in(version, KAFKA_FIND_COORDINATOR_MIN,
		       KAFKA_FIND_COORDINATOR_MAX))
		return -ENOTSUP;
	if (kafka_read_str_nn(v, &f->key))
		return -EBADMSG;
	if (version >= 1)
		zc_view_i8(v, &f->key_type);
	return kafka__req_done(v);
}

int kafka_find_coord_resp_encode(struct kafka_wbuf *w, int version,
				       int32_t correlation_id,
				       const struct kafka_find_coord_resp *r)
{
	size_t start;

	if (!kafka__in(version, KAFKA_FIND_COORDINATOR_MIN,
		       KAFKA_FIND_COORDINATOR_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	if (version >= 1)
		kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_i16(w, r->error);
	if (version >= 1)
		kafka_put_str(w, &r->error_message);
	kafka_put_i32(w, r->node_id);
	kafka_put_str(w, &r->host);
	kafka_put_i32(w, r->port);
	return kafka_resp_end(w, start, 0);
}
