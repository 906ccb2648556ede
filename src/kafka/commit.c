/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/commit.c - OffsetCommit and OffsetFetch: the committed
 * offsets of consumer groups, kept by the offset store
 * (kafka/offset_store.h) that the broker opens at start in its data
 * directory, and the store's life (open, housekeeping flush, close).
 *
 * What is checked, as Kafka does (KafkaApis, GroupCoordinator):
 *  - an empty group id is INVALID_GROUP_ID for every partition (Kafka
 *    still accepts it from old clients for these two APIs; no Debian
 *    client sends one, and an anonymous group's offsets would be shared
 *    by every such client);
 *  - the group's generation and member (kafka_group_commit_check: v0 and
 *    "simple" consumers that call rd_kafka_assign send generation -1 and
 *    an empty member, accepted while the group has no members);
 *  - each partition must exist (UNKNOWN_TOPIC_OR_PARTITION: topics are
 *    not auto-created here) and its metadata be at most
 *    KAFKA_OFFSET_METADATA_MAX bytes (OFFSET_METADATA_TOO_LARGE).
 * The retention_time_ms of v2-4 is ignored: offsets are kept until
 * overwritten (Kafka expires them after offsets.retention.minutes).
 * group_instance_id (v7) is not used: static membership is the group
 * coordinator's business.
 *
 * OffsetFetch answers -1 and "" for a partition without a committed
 * offset; v0 (which Kafka served from ZooKeeper) answers a partition that
 * does not exist UNKNOWN_TOPIC_OR_PARTITION, v1+ answer it like one with
 * no offset, as Kafka does. A null topic list (v2+) lists every partition
 * the group committed.
 *
 * The store blocks the worker on the disk under --flush always (the
 * commit's fdatasync), as a produce does: that wait is what the client
 * asked for.
 */
#include <errno.h>
#include <string.h>

#include "broker_int.h"
#include "kafka/offset_store.h"
#include "kafka/proto_commit.h"

/* Kafka's offset.metadata.max.bytes default. */
#define KAFKA_OFFSET_METADATA_MAX 4096

/* The group coordinator's verdict (group.h). */
static int group_commit_check(struct kafka_srv *srv,
			      const struct kafka_str *group_id,
			      int32_t generation_id,
			      const struct kafka_str *member_id)
{
	return kafka_group_commit_check(srv, group_id, generation_id,
					member_id);
}

int kafka_commit_open(struct kafka_srv *srv)
{
	struct kafka_offsets_cfg cfg = {
		.dirfd = srv->datafd,
		.flush = srv->cfg->flush,
	};
	struct kafka_offsets_stats st;
	int err;

	err = kafka_offsets_open(&cfg, &srv->offsets, &st);
	if (err) {
		eng_log(ENG_LOG_ERROR, "%s/%s: %s", srv->cfg->data,
			KAFKA_OFFSETS_FILE, err == -EBADMSG ?
			"not a committed-offsets file" : strerror(-err));
		return err;
	}
	if (st.truncated_bytes)
		eng_log(ENG_LOG_WARN, "committed offsets: cut %llu bytes of "
			"torn or invalid tail", (unsigned long long)
			st.truncated_bytes);
	if (st.compact_err)
		eng_log(ENG_LOG_WARN, "committed offsets: compaction failed: "
			"%s", strerror(-st.compact_err));
	if (!st.replayed && !st.truncated_bytes)
		return 0;
	eng_log(ENG_LOG_INFO, "committed offsets: %llu record%s replayed, "
		"%llu key%s%s", (unsigned long long)st.replayed,
		st.replayed == 1 ? "" : "s", (unsigned long long)st.keys,
		st.keys == 1 ? "" : "s", st.compacted ? ", compacted" : "");
	return 0;
}

/*
 * A failed sync is sticky (offset_store.h), so every later flush returns
 * the same error: it is logged once, not at every --flush interval.
 * Only the housekeeping thread calls this.
 */
void kafka_commit_flush(struct kafka_srv *srv)
{
	static int logged;
	int err = srv->offsets ? kafka_offsets_flush(srv->offsets) : 0;

	if (err && err != logged)
		eng_log(ENG_LOG_ERROR, "flush committed offsets: %s",
			strerror(-err));
	logged = err;
}

void kafka_commit_close(struct kafka_srv *srv)
{
	int err = kafka_offsets_close(srv->offsets);

	srv->offsets = NULL;
	if (err)
		eng_log(ENG_LOG_ERROR, "closing committed offsets: %s",
			strerror(-err));
}

/* The error of the whole request, before any partition is looked at. */
static int commit_group_error(struct kafka_srv *srv,
			      const struct kafka_commit_req *cr)
{
	if (cr->group_id.len < 1)
		return KAFKA_INVALID_GROUP_ID;
	if (!srv->offsets)
		return KAFKA_COORDINATOR_NOT_AVAILABLE;
	return group_commit_check(srv, &cr->group_id, cr->generation_id,
				  &cr->member_id);
}

/* One partition's checks; KAFKA_NONE when it may be stored. */
static int commit_part_error(struct kafka_topic *tp,
			     const struct kafka_commit_part *p)
{
	if (!tp || !kafka_topic_part(tp, p->partition))
		return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
	if (p->metadata.len > KAFKA_OFFSET_METADATA_MAX)
		return KAFKA_OFFSET_METADATA_TOO_LARGE;
	return KAFKA_NONE;
}

/* What one OffsetCommit builds: the answer and the store's input. */
struct commit {
	struct kafka_commit_topic_resp *tr;
	struct kafka_offset_put *puts;
	struct kafka_commit_part_resp **put_resp;	/* answer of puts[i] */
	uint32_t nr_puts;
	uint32_t nr_errors;
};

static void commit_put(struct commit *cm, const struct kafka_str *topic,
		       const struct kafka_commit_part *p, int64_t now,
		       struct kafka_commit_part_resp *pr)
{
	struct kafka_offset_put *o = &cm->puts[cm->nr_puts];

	o->topic = *topic;
	o->partition = p->partition;
	o->val.offset = p->offset;
	o->val.leader_epoch = p->leader_epoch;
	/* v1's own timestamp when given, as Kafka keeps it */
	o->val.commit_ts = p->commit_timestamp != -1 ? p->commit_timestamp :
						      now;
	/* a null metadata is stored as "" (Kafka's NO_METADATA) */
	o->val.metadata = kafka_str_is_null(&p->metadata) ? KAFKA_STR("") :
							    p->metadata;
	cm->put_resp[cm->nr_puts++] = pr;
}

/* Fills the answer of every partition; the valid ones go to @cm->puts. */
static int commit_plan(struct kafka_srv *srv, struct kafka_request *r,
		       const struct kafka_commit_req *cr, struct commit *cm)
{
	struct kafka_commit_part_resp *pr;
	const struct kafka_commit_topic *t;
	int group_err = commit_group_error(srv, cr);
	int64_t now = kafka_now_ms();
	struct kafka_topic *tp;
	uint32_t i, j, total = 0;

	for (i = 0; i < cr->nr_topics; i++)
		total += cr->topics[i].nr_partitions;
	cm->tr = kafka_arena_alloc(&r->arena, cr->nr_topics, sizeof(*cm->tr));
	cm->puts = kafka_arena_alloc(&r->arena, total, sizeof(*cm->puts));
	cm->put_resp = kafka_arena_alloc(&r->arena, total,
					 sizeof(*cm->put_resp));
	if (!cm->tr || !cm->puts || !cm->put_resp)
		return -ENOMEM;
	for (i = 0; i < cr->nr_topics; i++) {
		t = &cr->topics[i];
		pr = kafka_arena_alloc(&r->arena, t->nr_partitions,
				       sizeof(*pr));
		if (!pr)
			return -ENOMEM;
		cm->tr[i] = (struct kafka_commit_topic_resp){
			t->name, t->nr_partitions, pr,
		};
		tp = group_err ? NULL : kafka_topic_find(srv->topics,
							 &t->name);
		for (j = 0; j < t->nr_partitions; j++) {
			pr[j].partition = t->partitions[j].partition;
			pr[j].error = (int16_t)(group_err ? group_err :
				commit_part_error(tp, &t->partitions[j]));
			if (pr[j].error)
				cm->nr_errors++;
			else
				commit_put(cm, &t->name, &t->partitions[j],
					   now, &pr[j]);
		}
	}
	return 0;
}

/* Stores the valid partitions; a failure becomes their error code. */
static int commit_store(struct kafka_conn *c, const struct kafka_str *group,
			struct commit *cm)
{
	struct kafka_srv *srv = c->w->srv;
	uint32_t i;
	int err;

	if (!cm->nr_puts)
		return 0;
	err = kafka_offsets_put(srv->offsets, group, cm->puts, cm->nr_puts);
	if (err == -ENOMEM)
		return err;
	if (!err) {
		kafka_count(c->w, srv->m.offset_commits, cm->nr_puts);
		return 0;
	}
	eng_log(ENG_LOG_ERROR, "OffsetCommit %.*s: %s", group->len, group->p,
		strerror(-err));
	for (i = 0; i < cm->nr_puts; i++)
		cm->put_resp[i]->error = KAFKA_KAFKA_STORAGE_ERROR;
	cm->nr_errors += cm->nr_puts;
	return 0;
}

int kafka_offset_commit(struct kafka_conn *c, struct kafka_request *req)
{
	struct kafka_srv *srv = c->w->srv;
	struct kafka_commit_resp resp = { 0 };
	struct commit cm = { 0 };
	struct kafka_commit_req cr;
	struct zc_view v = req->body;
	int err;

	kafka_count(c->w, srv->m.req[KAFKA_REQ_OFFSET_COMMIT], 1);
	err = kafka_commit_req_decode(&v, req->hdr.api_version, &cr,
				      &req->arena);
	if (!err)
		err = commit_plan(srv, req, &cr, &cm);
	if (!err)
		err = commit_store(c, &cr.group_id, &cm);
	if (err)
		return err;
	kafka_count(c->w, srv->m.offset_commit_errors, cm.nr_errors);
	resp.nr_topics = cr.nr_topics;
	resp.topics = cm.tr;
	return kafka_commit_resp_encode(&c->wb, req->hdr.api_version,
					req->hdr.correlation_id, &resp);
}

/* One asked-for partition of OffsetFetch. */
static int fetch_part(struct kafka_srv *srv, struct kafka_request *r,
		      const struct kafka_str *group, struct kafka_topic *tp,
		      const struct kafka_str *topic,
		      struct kafka_offset_fetch_part_resp *pr)
{
	struct kafka_offset_val val;
	int err;

	if (r->hdr.api_version == 0 &&
	    (!tp || !kafka_topic_part(tp, pr->partition))) {
		pr->error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
		return 0;
	}
	err = kafka_offsets_get(srv->offsets, group, topic, pr->partition,
				&val, &r->arena);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	pr->offset = val.offset;
	pr->leader_epoch = val.leader_epoch;
	pr->metadata = val.metadata;
	return 0;
}

/*
 * The asked-for topics; @group_err (v0-1 only: v2+ answers it at the top
 * level, with no topics) becomes every partition's error.
 */
static int fetch_some(struct kafka_srv *srv, struct kafka_request *r,
		      const struct kafka_offset_fetch_req *f, int group_err,
		      struct kafka_offset_fetch_resp *resp)
{
	struct kafka_offset_fetch_topic_resp *tr;
	struct kafka_offset_fetch_part_resp *pr;
	const struct kafka_offset_fetch_topic *t;
	struct kafka_topic *tp;
	uint32_t i, j;
	int err;

	tr = kafka_arena_alloc(&r->arena, f->nr_topics, sizeof(*tr));
	if (!tr)
		return -ENOMEM;
	for (i = 0; i < f->nr_topics; i++) {
		t = &f->topics[i];
		pr = kafka_arena_alloc(&r->arena, t->nr_partitions,
				       sizeof(*pr));
		if (!pr)
			return -ENOMEM;
		tr[i] = (struct kafka_offset_fetch_topic_resp){
			t->name, t->nr_partitions, pr,
		};
		tp = kafka_topic_find(srv->topics, &t->name);
		for (j = 0; j < t->nr_partitions; j++) {
			pr[j] = (struct kafka_offset_fetch_part_resp){
				t->partitions[j], -1, -1, KAFKA_STR(""),
				(int16_t)group_err,
			};
			if (group_err)
				continue;
			err = fetch_part(srv, r, &f->group_id, tp, &t->name,
					 &pr[j]);
			if (err)
				return err;
		}
	}
	resp->nr_topics = f->nr_topics;
	resp->topics = tr;
	return 0;
}

static bool same_topic(const struct kafka_offset_put *a,
		       const struct kafka_offset_put *b)
{
	return a->topic.len == b->topic.len &&
	       !memcmp(a->topic.p, b->topic.p, (size_t)a->topic.len);
}

/* Topics in a sorted listing: how many distinct names. */
static uint32_t count_topics(const struct kafka_offset_put *l, uint32_t n)
{
	uint32_t i, k = 0;

	for (i = 0; i < n; i++)
		k += !i || !same_topic(&l[i], &l[i - 1]);
	return k;
}

/* Every partition the group committed (a null topic list, v2+). */
static int fetch_all(struct kafka_srv *srv, struct kafka_request *r,
		     const struct kafka_str *group,
		     struct kafka_offset_fetch_resp *resp)
{
	struct kafka_offset_fetch_topic_resp *tr;
	struct kafka_offset_fetch_part_resp *pr;
	struct kafka_offset_put *l;
	uint32_t n, i, k;
	int err;

	err = kafka_offsets_list(srv->offsets, group, &r->arena, &l, &n);
	if (err)
		return err;
	tr = kafka_arena_alloc(&r->arena, count_topics(l, n), sizeof(*tr));
	pr = kafka_arena_alloc(&r->arena, n, sizeof(*pr));
	if (!tr || !pr)
		return -ENOMEM;
	for (i = 0, k = 0; i < n; i++) {
		if (!i || !same_topic(&l[i], &l[i - 1]))
			tr[k++] = (struct kafka_offset_fetch_topic_resp){
				l[i].topic, 0, pr + i,
			};
		tr[k - 1].nr_partitions++;
		pr[i] = (struct kafka_offset_fetch_part_resp){
			l[i].partition, l[i].val.offset,
			l[i].val.leader_epoch, l[i].val.metadata, KAFKA_NONE,
		};
	}
	resp->nr_topics = k;
	resp->topics = tr;
	return 0;
}

int kafka_offset_fetch(struct kafka_conn *c, struct kafka_request *req)
{
	struct kafka_srv *srv = c->w->srv;
	struct kafka_offset_fetch_resp resp = { 0 };
	struct kafka_offset_fetch_req f;
	struct zc_view v = req->body;
	int ver = req->hdr.api_version;
	int group_err = KAFKA_NONE, err;

	kafka_count(c->w, srv->m.req[KAFKA_REQ_OFFSET_FETCH], 1);
	err = kafka_offset_fetch_req_decode(&v, ver, &f, &req->arena);
	if (err)
		return err;
	if (f.group_id.len < 1)
		group_err = KAFKA_INVALID_GROUP_ID;
	else if (!srv->offsets)
		group_err = KAFKA_COORDINATOR_NOT_AVAILABLE;
	if (group_err && ver >= 2)
		resp.error = (int16_t)group_err;
	else if (f.all_topics)
		err = fetch_all(srv, req, &f.group_id, &resp);
	else
		err = fetch_some(srv, req, &f, group_err, &resp);
	if (err)
		return err;
	return kafka_offset_fetch_resp_encode(&c->wb, ver,
					      req->hdr.correlation_id, &resp);
}
