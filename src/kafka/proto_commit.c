/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_commit.c - OffsetCommit 0-7 and OffsetFetch 0-5: requests
 * and responses (field order per version: kafka/proto_commit.h).
 */
#include <errno.h>
#include <string.h>

#include "kafka/proto_commit.h"
#include "kafka/proto_int.h"

/* The fewest wire bytes of one element, for kafka_read_count. */
#define TOPIC_MIN 6		/* name length + partition count */

static size_t commit_part_min(int version)
{
	/* partition + offset + metadata length, then what versions add */
	size_t n = 4 + 8 + 2;

	if (version == 1)
		n += 8;			/* commit_timestamp */
	if (version >= 6)
		n += 4;			/* committed_leader_epoch */
	return n;
}

static void commit_part_decode(struct zc_view *v, int version,
			       struct kafka_commit_part *p)
{
	p->leader_epoch = -1;
	p->commit_timestamp = -1;
	zc_view_i32be(v, &p->partition);
	zc_view_i64be(v, &p->offset);
	if (version >= 6)
		zc_view_i32be(v, &p->leader_epoch);
	if (version == 1)
		zc_view_i64be(v, &p->commit_timestamp);
	kafka_read_str(v, &p->metadata);
}

static int commit_topic_decode(struct zc_view *v, int version,
			       struct kafka_commit_topic *t,
			       struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	if (kafka_read_str_nn(v, &t->name))
		return -EBADMSG;
	t->partitions = kafka__read_array(v, commit_part_min(version),
					  sizeof(*t->partitions), a,
					  &t->nr_partitions, &ret);
	if (!t->partitions)
		return ret;
	for (i = 0; i < t->nr_partitions; i++)
		commit_part_decode(v, version, &t->partitions[i]);
	return zc_view_error(v) ? -EBADMSG : 0;
}

/* The group fields before the topic array. */
static int commit_group_decode(struct zc_view *v, int version,
			       struct kafka_commit_req *c)
{
	c->generation_id = -1;
	c->member_id = KAFKA_STR("");
	c->group_instance_id = KAFKA_STR_NULL;
	c->retention_time_ms = -1;
	if (kafka_read_str_nn(v, &c->group_id))
		return -EBADMSG;
	if (version >= 1) {
		zc_view_i32be(v, &c->generation_id);
		if (kafka_read_str_nn(v, &c->member_id))
			return -EBADMSG;
	}
	if (version >= 7 && kafka_read_str(v, &c->group_instance_id))
		return -EBADMSG;
	if (version >= 2 && version <= 4)
		zc_view_i64be(v, &c->retention_time_ms);
	return zc_view_error(v) ? -EBADMSG : 0;
}

int kafka_commit_req_decode(struct zc_view *v, int version,
			    struct kafka_commit_req *c, struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	memset(c, 0, sizeof(*c));
	if (!kafka__in(version, KAFKA_OFFSET_COMMIT_MIN,
		       KAFKA_OFFSET_COMMIT_MAX))
		return -ENOTSUP;
	if (commit_group_decode(v, version, c))
		return -EBADMSG;
	c->topics = kafka__read_array(v, TOPIC_MIN, sizeof(*c->topics), a,
				      &c->nr_topics, &ret);
	if (!c->topics)
		return ret;
	for (i = 0; i < c->nr_topics; i++) {
		ret = commit_topic_decode(v, version, &c->topics[i], a);
		if (ret)
			return ret;
	}
	return kafka__req_done(v);
}

int kafka_commit_resp_encode(struct kafka_wbuf *w, int version,
			     int32_t correlation_id,
			     const struct kafka_commit_resp *r)
{
	const struct kafka_commit_topic_resp *t;
	uint32_t i, j;
	size_t start;

	if (!kafka__in(version, KAFKA_OFFSET_COMMIT_MIN,
		       KAFKA_OFFSET_COMMIT_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	if (version >= 3)
		kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_count(w, r->nr_topics);
	for (i = 0; i < r->nr_topics; i++) {
		t = &r->topics[i];
		kafka_put_str(w, &t->name);
		kafka_put_count(w, t->nr_partitions);
		for (j = 0; j < t->nr_partitions; j++) {
			kafka_put_i32(w, t->partitions[j].partition);
			kafka_put_i16(w, t->partitions[j].error);
		}
	}
	return kafka_resp_end(w, start, 0);
}

static int fetch_topic_decode(struct zc_view *v,
			      struct kafka_offset_fetch_topic *t,
			      struct kafka_arena *a)
{
	if (kafka_read_str_nn(v, &t->name))
		return -EBADMSG;
	return kafka__read_i32_array(v, a, &t->partitions, &t->nr_partitions);
}

int kafka_offset_fetch_req_decode(struct zc_view *v, int version,
				  struct kafka_offset_fetch_req *f,
				  struct kafka_arena *a)
{
	uint32_t i, n;
	bool null;
	int ret;

	memset(f, 0, sizeof(*f));
	if (!kafka__in(version, KAFKA_OFFSET_FETCH_MIN,
		       KAFKA_OFFSET_FETCH_MAX))
		return -ENOTSUP;
	/* v2+: a null array asks for every partition of the group */
	if (kafka_read_str_nn(v, &f->group_id) ||
	    kafka_read_count(v, TOPIC_MIN, version >= 2, &n, &null))
		return -EBADMSG;
	f->all_topics = null;
	f->topics = kafka_arena_alloc(a, n, sizeof(*f->topics));
	if (!f->topics)
		return -ENOMEM;
	f->nr_topics = n;
	for (i = 0; i < n; i++) {
		ret = fetch_topic_decode(v, &f->topics[i], a);
		if (ret)
			return ret;
	}
	return kafka__req_done(v);
}

static void fetch_part_encode(struct kafka_wbuf *w, int version,
			      const struct kafka_offset_fetch_part_resp *p)
{
	kafka_put_i32(w, p->partition);
	kafka_put_i64(w, p->offset);
	if (version >= 5)
		kafka_put_i32(w, p->leader_epoch);
	kafka_put_str(w, &p->metadata);
	kafka_put_i16(w, p->error);
}

int kafka_offset_fetch_resp_encode(struct kafka_wbuf *w, int version,
				   int32_t correlation_id,
				   const struct kafka_offset_fetch_resp *r)
{
	const struct kafka_offset_fetch_topic_resp *t;
	uint32_t i, j;
	size_t start;

	if (!kafka__in(version, KAFKA_OFFSET_FETCH_MIN,
		       KAFKA_OFFSET_FETCH_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	if (version >= 3)
		kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_count(w, r->nr_topics);
	for (i = 0; i < r->nr_topics; i++) {
		t = &r->topics[i];
		kafka_put_str(w, &t->name);
		kafka_put_count(w, t->nr_partitions);
		for (j = 0; j < t->nr_partitions; j++)
			fetch_part_encode(w, version, &t->partitions[j]);
	}
	if (version >= 2)
		kafka_put_i16(w, r->error);
	return kafka_resp_end(w, start, 0);
}
