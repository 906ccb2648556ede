/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/conn_api.c - dispatch of a decoded request to its handler,
 * and the small APIs: ApiVersions, Metadata (with topic auto-creation)
 * and ListOffsets. Produce and Fetch have files of their own.
 *
 * Answers are encoded by the codec (kafka/proto.h) into the connection's
 * kafka_wbuf; the arrays they are built from live in the request's arena
 * and go with it.
 */
#include <errno.h>
#include <string.h>

#include "broker_int.h"

static const int32_t self_node[1] = { KAFKA_NODE_ID };

static int api_versions(struct kafka_conn *c, const struct kafka_request *r)
{
	kafka_count(c->w, c->w->srv->m.req[KAFKA_REQ_API_VERSIONS], 1);
	return kafka_api_versions_resp_encode(&c->wb, r->hdr.api_version,
					      r->hdr.correlation_id,
					      KAFKA_NONE);
}

struct kafka_topic *kafka_topic_get(struct kafka_srv *srv,
				    const struct kafka_str *name, bool create,
				    int *error)
{
	struct kafka_topic *tp = kafka_topic_find(srv->topics, name);
	int err;

	*error = KAFKA_NONE;
	if (tp)
		return tp;
	if (!kafka_topic_name_valid(name)) {
		*error = KAFKA_INVALID_TOPIC_EXCEPTION;
		return NULL;
	}
	if (!create || !srv->cfg->auto_create) {
		*error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
		return NULL;
	}
	err = kafka_topic_create(srv->topics, name, srv->cfg->partitions,
				 &tp);
	if (err) {
		eng_log(ENG_LOG_ERROR, "creating topic %.*s: %s", name->len,
			name->p, strerror(-err));
		*error = err == -EINVAL ? KAFKA_INVALID_TOPIC_EXCEPTION :
					  KAFKA_KAFKA_STORAGE_ERROR;
		return NULL;
	}
	return tp;
}

/* One topic of a Metadata answer; false when out of memory. */
static bool meta_topic(struct kafka_request *r, struct kafka_topic *tp,
		       struct kafka_metadata_topic *mt)
{
	struct kafka_metadata_part *mp;
	uint32_t i;

	mt->name = (struct kafka_str){ tp->name, tp->name_len };
	mt->nr_partitions = tp->nr_parts;
	mp = kafka_arena_alloc(&r->arena, tp->nr_parts, sizeof(*mp));
	if (!mp)
		return false;
	for (i = 0; i < tp->nr_parts; i++) {
		mp[i].partition = (int32_t)i;
		mp[i].leader = KAFKA_NODE_ID;
		mp[i].nr_replicas = 1;
		mp[i].replicas = self_node;
		mp[i].nr_isr = 1;
		mp[i].isr = self_node;
	}
	mt->partitions = mp;
	return true;
}

/* Every topic (the "all topics" request). */
static int meta_all(struct kafka_srv *srv, struct kafka_request *r,
		    struct kafka_metadata_resp *resp)
{
	struct kafka_metadata_topic *mt;
	struct kafka_topic **list;
	uint32_t n, i;

	n = kafka_topics_count(srv->topics);
	list = kafka_arena_alloc(&r->arena, n, sizeof(*list));
	mt = kafka_arena_alloc(&r->arena, n, sizeof(*mt));
	if (!list || !mt)
		return -ENOMEM;
	/* Topics created since the count are left for the next request. */
	n = kafka_topics_list(srv->topics, list, n);
	for (i = 0; i < n; i++)
		if (!meta_topic(r, list[i], &mt[i]))
			return -ENOMEM;
	resp->nr_topics = n;
	resp->topics = mt;
	return 0;
}

static int meta_some(struct kafka_srv *srv, struct kafka_request *r,
		     struct kafka_metadata_resp *resp)
{
	const struct kafka_metadata_req *m = &r->metadata;
	struct kafka_metadata_topic *mt;
	struct kafka_topic *tp;
	uint32_t i;
	int error;

	mt = kafka_arena_alloc(&r->arena, m->nr_topics, sizeof(*mt));
	if (!mt)
		return -ENOMEM;
	for (i = 0; i < m->nr_topics; i++) {
		tp = kafka_topic_get(srv, &m->topics[i],
				     m->allow_auto_topic_creation, &error);
		if (!tp) {
			mt[i].error = (int16_t)error;
			mt[i].name = m->topics[i];
			continue;
		}
		if (!meta_topic(r, tp, &mt[i]))
			return -ENOMEM;
	}
	resp->nr_topics = m->nr_topics;
	resp->topics = mt;
	return 0;
}

static int metadata(struct kafka_conn *c, struct kafka_request *r)
{
	struct kafka_srv *srv = c->w->srv;
	struct kafka_metadata_broker b = {
		.node_id = KAFKA_NODE_ID,
		.host = kafka_str_c(srv->adv_host),
		.port = srv->adv_port,
		.rack = KAFKA_STR_NULL,
	};
	struct kafka_metadata_resp resp = {
		.nr_brokers = 1,
		.brokers = &b,
		.cluster_id = KAFKA_STR("zcio"),
		.controller_id = KAFKA_NODE_ID,
	};
	int err;

	kafka_count(c->w, srv->m.req[KAFKA_REQ_METADATA], 1);
	err = r->metadata.all_topics ? meta_all(srv, r, &resp) :
				       meta_some(srv, r, &resp);
	if (err)
		return err;
	return kafka_metadata_resp_encode(&c->wb, r->hdr.api_version,
					  r->hdr.correlation_id, &resp);
}

/* One partition of ListOffsets. */
static void list_offset(struct kafka_topic *tp,
			const struct kafka_list_offsets_part *p,
			struct kafka_list_offsets_part_resp *pr)
{
	struct kafka_part *part = tp ? kafka_topic_part(tp, p->partition) :
				       NULL;
	int err;

	pr->partition = p->partition;
	pr->timestamp = -1;
	pr->offset = -1;
	if (!part) {
		pr->error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
		return;
	}
	if (p->timestamp < KAFKA_OFFSET_EARLIEST) {
		pr->error = KAFKA_INVALID_REQUEST;
		return;
	}
	err = kafka_log_offset_for_time(part->log, p->timestamp, &pr->offset,
					&pr->timestamp);
	if (err) {
		eng_log(ENG_LOG_ERROR, "ListOffsets %s-%d: %s", tp->name,
			p->partition, strerror(-err));
		pr->error = KAFKA_KAFKA_STORAGE_ERROR;
		pr->offset = pr->timestamp = -1;
		return;
	}
	if (p->timestamp < 0)
		pr->timestamp = -1;
}

static int list_offsets(struct kafka_conn *c, struct kafka_request *r)
{
	const struct kafka_list_offsets_req *l = &r->list_offsets;
	struct kafka_list_offsets_resp resp = { .nr_topics = l->nr_topics };
	struct kafka_list_offsets_topic_resp *tr;
	struct kafka_list_offsets_part_resp *pr;
	struct kafka_topic *tp;
	uint32_t i, j;

	kafka_count(c->w, c->w->srv->m.req[KAFKA_REQ_LIST_OFFSETS], 1);
	tr = kafka_arena_alloc(&r->arena, l->nr_topics, sizeof(*tr));
	if (!tr)
		return -ENOMEM;
	for (i = 0; i < l->nr_topics; i++) {
		tp = kafka_topic_find(c->w->srv->topics, &l->topics[i].name);
		tr[i].name = l->topics[i].name;
		tr[i].nr_partitions = l->topics[i].nr_partitions;
		pr = kafka_arena_alloc(&r->arena, tr[i].nr_partitions,
				       sizeof(*pr));
		if (!pr)
			return -ENOMEM;
		for (j = 0; j < tr[i].nr_partitions; j++)
			list_offset(tp, &l->topics[i].partitions[j], &pr[j]);
		tr[i].partitions = pr;
	}
	resp.topics = tr;
	return kafka_list_offsets_resp_encode(&c->wb, r->hdr.api_version,
					      r->hdr.correlation_id, &resp);
}

int kafka_dispatch(struct kafka_conn *c, struct kafka_request *req,
		   uint32_t frame_len)
{
	switch (req->hdr.api_key) {
	case KAFKA_API_API_VERSIONS:
		return api_versions(c, req);
	case KAFKA_API_METADATA:
		return metadata(c, req);
	case KAFKA_API_PRODUCE:
		return kafka_produce(c, req);
	case KAFKA_API_FETCH:
		return kafka_fetch(c, req, frame_len);
	case KAFKA_API_LIST_OFFSETS:
		return list_offsets(c, req);
	case KAFKA_API_FIND_COORDINATOR:
		return kafka_find_coordinator(c, req);
	case KAFKA_API_OFFSET_COMMIT:
		return kafka_offset_commit(c, req);
	case KAFKA_API_OFFSET_FETCH:
		return kafka_offset_fetch(c, req);
	case KAFKA_API_JOIN_GROUP:
		return kafka_group_join(c, req, frame_len);
	case KAFKA_API_SYNC_GROUP:
		return kafka_group_sync(c, req, frame_len);
	case KAFKA_API_HEARTBEAT:
		return kafka_group_heartbeat(c, req);
	case KAFKA_API_LEAVE_GROUP:
		return kafka_group_leave(c, req);
	case KAFKA_API_CREATE_TOPICS:
		return kafka_create_topics(c, req);
	case KAFKA_API_DELETE_TOPICS:
		return kafka_delete_topics(c, req);
	case KAFKA_API_INIT_PRODUCER_ID:
		return kafka_init_producer_id(c, req);
	}
	/* In the codec's table but without a handler here: no answer. */
	eng_log(ENG_LOG_INFO, "fd %d: no handler for %s v%d; closing",
		c->ec.fd, kafka_api_name(req->hdr.api_key),
		req->hdr.api_version);
	return -ENOTSUP;
}
