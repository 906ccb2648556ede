/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_produce.c - Produce 0-7: the request (records stay in the
 * frame, as pointer and length) and the per-partition response.
 *
 * Versions 0-2 are here because librdkafka 2.0.2 compresses with gzip or
 * snappy only for a broker whose Produce range contains 0 (its feature
 * check; it then still sends v7, the highest common version). They differ
 * from v3 only in framing: no transactional_id in the request, no
 * throttle_time_ms (v0) and no log_append_time (v0-1) in the response.
 * Their records must still be record batch v2 (produce.c).
 */
#include <errno.h>
#include <string.h>

#include "kafka/proto.h"
#include "kafka/proto_int.h"

/* Smallest wire sizes: name + partition count; partition + bytes length. */
#define TOPIC_MIN 6
#define PART_MIN 8

static int topic_decode(struct zc_view *v, struct kafka_produce_topic *t,
			struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	if (kafka_read_str_nn(v, &t->name))
		return -EBADMSG;
	t->partitions = kafka__read_array(v, PART_MIN, sizeof(*t->partitions),
					  a, &t->nr_partitions, &ret);
	if (!t->partitions)
		return ret;
	for (i = 0; i < t->nr_partitions; i++) {
		zc_view_i32be(v, &t->partitions[i].partition);
		if (kafka_read_bytes(v, &t->partitions[i].records))
			return -EBADMSG;
	}
	return 0;
}

int kafka_produce_req_decode(struct zc_view *v, int version,
			     struct kafka_produce_req *p,
			     struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	memset(p, 0, sizeof(*p));
	if (!kafka__in(version, KAFKA_PRODUCE_MIN, KAFKA_PRODUCE_MAX))
		return -ENOTSUP;
	if (version >= 3)
		kafka_read_str(v, &p->transactional_id);
	else
		p->transactional_id = KAFKA_STR_NULL;
	zc_view_i16be(v, &p->acks);
	zc_view_i32be(v, &p->timeout_ms);
	p->topics = kafka__read_array(v, TOPIC_MIN, sizeof(*p->topics), a,
				      &p->nr_topics, &ret);
	if (!p->topics)
		return ret;
	for (i = 0; i < p->nr_topics; i++) {
		ret = topic_decode(v, &p->topics[i], a);
		if (ret)
			return ret;
	}
	return kafka__req_done(v);
}

int kafka_produce_resp_encode(struct kafka_wbuf *w, int version,
			      int32_t correlation_id,
			      const struct kafka_produce_resp *r)
{
	const struct kafka_produce_topic_resp *t;
	const struct kafka_produce_part_resp *p;
	uint32_t i, j;
	size_t start;

	if (!kafka__in(version, KAFKA_PRODUCE_MIN, KAFKA_PRODUCE_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	kafka_put_count(w, r->nr_topics);
	for (i = 0; i < r->nr_topics; i++) {
		t = &r->topics[i];
		kafka_put_str(w, &t->name);
		kafka_put_count(w, t->nr_partitions);
		for (j = 0; j < t->nr_partitions; j++) {
			p = &t->partitions[j];
			kafka_put_i32(w, p->partition);
			kafka_put_i16(w, p->error);
			kafka_put_i64(w, p->base_offset);
			if (version >= 2)
				kafka_put_i64(w, p->log_append_time);
			if (version >= 5)
				kafka_put_i64(w, p->log_start_offset);
		}
	}
	if (version >= 1)
		kafka_put_i32(w, r->throttle_time_ms);
	return kafka_resp_end(w, start, 0);
}
