/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_meta.c - Metadata 0-4: the request's topic list and the
 * response (brokers, cluster, topics, partitions).
 */
#include <errno.h>
#include <string.h>

#include "kafka/proto.h"
#include "kafka/proto_int.h"

int kafka_metadata_req_decode(struct zc_view *v, int version,
			      struct kafka_metadata_req *m,
			      struct kafka_arena *a)
{
	uint32_t i, n;
	bool null;
	int8_t b = 1;

	memset(m, 0, sizeof(*m));
	if (!kafka__in(version, KAFKA_METADATA_MIN, KAFKA_METADATA_MAX))
		return -ENOTSUP;
	m->allow_auto_topic_creation = true;
	/* v0: empty means all; v1+: null means all, empty means none */
	if (kafka_read_count(v, 2, version >= 1, &n, &null))
		return -EBADMSG;
	m->all_topics = null || (version == 0 && n == 0);
	m->topics = kafka_arena_alloc(a, n, sizeof(*m->topics));
	if (!m->topics)
		return -ENOMEM;
	m->nr_topics = n;
	for (i = 0; i < n; i++)
		if (kafka_read_str_nn(v, &m->topics[i]))
			return -EBADMSG;
	if (version >= 4) {
		zc_view_i8(v, &b);
		m->allow_auto_topic_creation = b != 0;
	}
	return kafka__req_done(v);
}

static void put_int32s(struct kafka_wbuf *w, uint32_t n, const int32_t *a)
{
	uint32_t i;

	kafka_put_count(w, n);
	for (i = 0; i < n; i++)
		kafka_put_i32(w, a[i]);
}

static void put_topic(struct kafka_wbuf *w, int version,
		      const struct kafka_metadata_topic *t)
{
	const struct kafka_metadata_part *p;
	uint32_t i;

	kafka_put_i16(w, t->error);
	kafka_put_str(w, &t->name);
	if (version >= 1)
		kafka_put_i8(w, t->is_internal);
	kafka_put_count(w, t->nr_partitions);
	for (i = 0; i < t->nr_partitions; i++) {
		p = &t->partitions[i];
		kafka_put_i16(w, p->error);
		kafka_put_i32(w, p->partition);
		kafka_put_i32(w, p->leader);
		put_int32s(w, p->nr_replicas, p->replicas);
		put_int32s(w, p->nr_isr, p->isr);
	}
}

int kafka_metadata_resp_encode(struct kafka_wbuf *w, int version,
			       int32_t correlation_id,
			       const struct kafka_metadata_resp *r)
{
	const struct kafka_metadata_broker *b;
	size_t start;
	uint32_t i;

	if (!kafka__in(version, KAFKA_METADATA_MIN, KAFKA_METADATA_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	if (version >= 3)
		kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_count(w, r->nr_brokers);
	for (i = 0; i < r->nr_brokers; i++) {
		b = &r->brokers[i];
		kafka_put_i32(w, b->node_id);
		kafka_put_str(w, &b->host);
		kafka_put_i32(w, b->port);
		if (version >= 1)
			kafka_put_str(w, &b->rack);
	}
	if (version >= 2)
		kafka_put_str(w, &r->cluster_id);
	if (version >= 1)
		kafka_put_i32(w, r->controller_id);
	kafka_put_count(w, r->nr_topics);
	for (i = 0; i < r->nr_topics; i++)
		put_topic(w, version, &r->topics[i]);
	return kafka_resp_end(w, start, 0);
}
