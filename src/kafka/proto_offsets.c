/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_offsets.c - ListOffsets 1-2: offsets by time, earliest or
 * latest, one per partition.
 */
#include <errno.h>
#include <string.h>

#include "kafka/proto.h"
#include "kafka/proto_int.h"

#define TOPIC_MIN 6	/* name + partition count */
#define PART_MIN 12	/* partition + timestamp */

static int topic_decode(struct zc_view *v,
			struct kafka_list_offsets_topic *t,
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
		zc_view_i64be(v, &t->partitions[i].timestamp);
	}
	return zc_view_error(v) ? -EBADMSG : 0;
}

int kafka_list_offsets_req_decode(struct zc_view *v, int version,
				  struct kafka_list_offsets_req *l,
				  struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	memset(l, 0, sizeof(*l));
	if (!kafka__in(version, KAFKA_LIST_OFFSETS_MIN,
		       KAFKA_LIST_OFFSETS_MAX))
		return -ENOTSUP;
	zc_view_i32be(v, &l->replica_id);
	if (version >= 2)
		zc_view_i8(v, &l->isolation_level);
	l->topics = kafka__read_array(v, TOPIC_MIN, sizeof(*l->topics), a,
				      &l->nr_topics, &ret);
	if (!l->topics)
		return ret;
	for (i = 0; i < l->nr_topics; i++) {
		ret = topic_decode(v, &l->topics[i], a);
		if (ret)
			return ret;
	}
	return kafka__req_done(v);
}

int kafka_list_offsets_resp_encode(struct kafka_wbuf *w, int version,
				   int32_t correlation_id,
				   const struct kafka_list_offsets_resp *r)
{
	const struct kafka_list_offsets_topic_resp *t;
	const struct kafka_list_offsets_part_resp *p;
	uint32_t i, j;
	size_t start;

	if (!kafka__in(version, KAFKA_LIST_OFFSETS_MIN,
		       KAFKA_LIST_OFFSETS_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	if (version >= 2)
		kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_count(w, r->nr_topics);
	for (i = 0; i < r->nr_topics; i++) {
		t = &r->topics[i];
		kafka_put_str(w, &t->name);
		kafka_put_count(w, t->nr_partitions);
		for (j = 0; j < t->nr_partitions; j++) {
			p = &t->partitions[j];
			kafka_put_i32(w, p->partition);
			kafka_put_i16(w, p->error);
			kafka_put_i64(w, p->timestamp);
			kafka_put_i64(w, p->offset);
		}
	}
	return kafka_resp_end(w, start, 0);
}
