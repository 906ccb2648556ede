/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_fetch.c - the Fetch 4-11 request: limits, session fields
 * (read, never honoured: see kafka_fetch_session_error), topics and
 * partitions, forgotten topics and the rack.
 */
#include <errno.h>
#include <string.h>

#include "kafka/proto.h"
#include "kafka/proto_int.h"

#define TOPIC_MIN 6	/* name + partition count */

/* partition, [leader epoch v9+], fetch offset, [log start v5+], max bytes */
static size_t part_min(int version)
{
	return 4 + (version >= 9 ? 4 : 0) + 8 + (version >= 5 ? 8 : 0) + 4;
}

static int topic_decode(struct zc_view *v, int version,
			struct kafka_fetch_topic *t, struct kafka_arena *a)
{
	struct kafka_fetch_part *p;
	uint32_t i;
	int ret;

	if (kafka_read_str_nn(v, &t->name))
		return -EBADMSG;
	t->partitions = kafka__read_array(v, part_min(version),
					  sizeof(*t->partitions), a,
					  &t->nr_partitions, &ret);
	if (!t->partitions)
		return ret;
	for (i = 0; i < t->nr_partitions; i++) {
		p = &t->partitions[i];
		p->current_leader_epoch = -1;
		p->log_start_offset = -1;
		zc_view_i32be(v, &p->partition);
		if (version >= 9)
			zc_view_i32be(v, &p->current_leader_epoch);
		zc_view_i64be(v, &p->fetch_offset);
		if (version >= 5)
			zc_view_i64be(v, &p->log_start_offset);
		zc_view_i32be(v, &p->partition_max_bytes);
	}
	return zc_view_error(v) ? -EBADMSG : 0;
}

static int forgotten_decode(struct zc_view *v, struct kafka_fetch_forgotten *t,
			    struct kafka_arena *a)
{
	if (kafka_read_str_nn(v, &t->name))
		return -EBADMSG;
	return kafka__read_i32_array(v, a, &t->partitions, &t->nr_partitions);
}

static int topics_decode(struct zc_view *v, int version,
			 struct kafka_fetch_req *f, struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	f->topics = kafka__read_array(v, TOPIC_MIN, sizeof(*f->topics), a,
				      &f->nr_topics, &ret);
	if (!f->topics)
		return ret;
	for (i = 0; i < f->nr_topics; i++) {
		ret = topic_decode(v, version, &f->topics[i], a);
		if (ret)
			return ret;
	}
	if (version < 7)
		return 0;
	f->forgotten = kafka__read_array(v, TOPIC_MIN, sizeof(*f->forgotten), a,
					 &f->nr_forgotten, &ret);
	if (!f->forgotten)
		return ret;
	for (i = 0; i < f->nr_forgotten; i++) {
		ret = forgotten_decode(v, &f->forgotten[i], a);
		if (ret)
			return ret;
	}
	return 0;
}

int kafka_fetch_req_decode(struct zc_view *v, int version,
			   struct kafka_fetch_req *f, struct kafka_arena *a)
{
	int ret;

	memset(f, 0, sizeof(*f));
	if (!kafka__in(version, KAFKA_FETCH_MIN, KAFKA_FETCH_MAX))
		return -ENOTSUP;
	f->session_epoch = -1;
	f->rack_id = KAFKA_STR("");
	zc_view_i32be(v, &f->replica_id);
	zc_view_i32be(v, &f->max_wait_ms);
	zc_view_i32be(v, &f->min_bytes);
	zc_view_i32be(v, &f->max_bytes);	/* v3+ */
	zc_view_i8(v, &f->isolation_level);	/* v4+ */
	if (version >= 7) {
		zc_view_i32be(v, &f->session_id);
		zc_view_i32be(v, &f->session_epoch);
	}
	ret = topics_decode(v, version, f, a);
	if (ret)
		return ret;
	if (version >= 11 && kafka_read_str_nn(v, &f->rack_id))
		return -EBADMSG;
	return kafka__req_done(v);
}
