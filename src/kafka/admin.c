/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/admin.c - CreateTopics 0-4 and DeleteTopics 0-3: topic
 * administration through the registry (topic.h), answered per topic as
 * Kafka answers them.
 *
 * CreateTopics, checked in this order for each topic of the request:
 *   INVALID_REQUEST             the name appears more than once in the
 *                               request (every entry of it); or manual
 *                               assignments together with num_partitions
 *                               or replication_factor other than -1
 *   INVALID_TOPIC_EXCEPTION     not 1-249 of [a-zA-Z0-9._-], "." or ".."
 *   TOPIC_ALREADY_EXISTS        the topic exists (also when another client
 *                               or auto-creation was a moment earlier)
 *   INVALID_PARTITIONS          num_partitions 0, below -1 or above
 *                               KAFKA_ADMIN_MAX_PARTITIONS; -1 is the
 *                               broker's --partitions (accepted at every
 *                               version, as Kafka's broker does)
 *   INVALID_REPLICATION_FACTOR  anything but -1 or 1: there is one broker
 *   INVALID_REPLICA_ASSIGNMENT  assignments whose partitions are not 0..n-1
 *                               each once, or whose replicas are not
 *                               exactly [1] (this broker's node id)
 *   INVALID_CONFIG              any config with a value: the broker has no
 *                               per-topic settings (its options apply to
 *                               every topic), and silently ignoring, say,
 *                               retention.ms would be worse than refusing;
 *                               a name Kafka does not know is refused even
 *                               with a null value ("Unknown topic config
 *                               name"), a known one with null (= default)
 *                               is accepted
 *   UNKNOWN_SERVER_ERROR        the file system failed (message: errno)
 * validate_only runs every check and creates nothing. timeout_ms is not
 * used: creation is done before the answer. One result per request entry,
 * in request order, with Kafka's error messages (v1+).
 *
 * DeleteTopics: each name is deleted in request order (kafka_topic_delete:
 * its directories leave the data directory crash-atomically, parked
 * fetches on it are woken and answer UNKNOWN_TOPIC_OR_PARTITION, and its
 * files are closed, freeing their space, once no worker can still hold
 * it: wake_all, reapable); a name
 * that is not a topic (or not a valid name, or already deleted by an
 * earlier entry of the same request) is UNKNOWN_TOPIC_OR_PARTITION.
 * Committed consumer offsets for the topic are not touched here: the
 * group coordinator owns them (see docs/kafka.md, "Topic administration").
 *
 * Both block the worker on the disk (directories, syncs), as auto-creation
 * does: administration is rare.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_int.h"
#include "kafka/proto_admin.h"

/* The same bound as --partitions (broker_opt.c), and it keeps every
 * "TOPIC-N" directory name within NAME_MAX for a 249-byte topic. */
#define KAFKA_ADMIN_MAX_PARTITIONS 10000
#define PARTITIONS_MSG "Number of partitions must be between 1 and 10000 " \
	"(or -1 for the default)."

/* A name quoted in a message: enough to recognise it, and a message
 * always fits its int16 length. */
#define CAP(len) ((len) < 255 ? (int)(len) : 255)

/* Kafka's topic-level config names (TopicConfig.java, 3.x). */
static const char *const topic_configs[] = {
	"cleanup.policy", "compression.type", "delete.retention.ms",
	"file.delete.delay.ms", "flush.messages", "flush.ms",
	"follower.replication.throttled.replicas", "index.interval.bytes",
	"leader.replication.throttled.replicas", "local.retention.bytes",
	"local.retention.ms", "max.compaction.lag.ms", "max.message.bytes",
	"message.downconversion.enable", "message.format.version",
	"message.timestamp.after.max.ms", "message.timestamp.before.max.ms",
	"message.timestamp.difference.max.ms", "message.timestamp.type",
	"min.cleanable.dirty.ratio", "min.compaction.lag.ms",
	"min.insync.replicas", "preallocate", "remote.storage.enable",
	"retention.bytes", "retention.ms", "segment.bytes",
	"segment.index.bytes", "segment.jitter.ms", "segment.ms",
	"unclean.leader.election.enable",
};

/*
 * A printf-made message in the request's arena, exactly as long as it is
 * (KAFKA_STR_NULL on ENOMEM). Only messages that name something from the
 * request are made: they are at most a few times its bytes, so a request
 * cannot make the arena grow more than proportionally (fixed messages are
 * KAFKA_STR literals).
 */
static struct kafka_str msg(struct kafka_request *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct kafka_str msg(struct kafka_request *r, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = n >= 0 ? kafka_arena_alloc(&r->arena, (size_t)n + 1, 1) : NULL;
	if (!p)
		return KAFKA_STR_NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return (struct kafka_str){ p, n };
}

static bool known_config(const struct kafka_str *name)
{
	size_t i;

	for (i = 0; i < sizeof(topic_configs) / sizeof(topic_configs[0]); i++)
		if (kafka_str_eq(name, topic_configs[i]))
			return true;
	return false;
}

static int check_configs(struct kafka_request *r,
			 const struct kafka_create_topic *t,
			 struct kafka_create_topic_resp *res)
{
	const struct kafka_create_config *c;
	uint32_t i;

	for (i = 0; i < t->nr_configs; i++) {
		c = &t->configs[i];
		if (!known_config(&c->name)) {
			res->message = msg(r, "Unknown topic config name: "
					   "%.*s", CAP(c->name.len),
					   c->name.p);
			return KAFKA_INVALID_CONFIG;
		}
		if (!kafka_str_is_null(&c->value)) {
			res->message = msg(r, "Topic config %.*s is not "
					   "supported: zcio broker applies its "
					   "options to every topic",
					   CAP(c->name.len), c->name.p);
			return KAFKA_INVALID_CONFIG;
		}
	}
	return KAFKA_NONE;
}

/* Manual assignments: partitions 0..n-1 once each, replicas exactly [1]. */
static int check_assignments(struct kafka_request *r,
			     const struct kafka_create_topic *t,
			     struct kafka_create_topic_resp *res)
{
	const struct kafka_create_assignment *x;
	uint8_t *seen;
	uint32_t i;

	if (t->num_partitions != -1 || t->replication_factor != -1) {
		res->message = KAFKA_STR("Both numPartitions or "
			"replicationFactor and replicasAssignments were set. "
			"Both cannot be used at the same time.");
		return KAFKA_INVALID_REQUEST;
	}
	if (t->nr_assignments > KAFKA_ADMIN_MAX_PARTITIONS) {
		res->message = KAFKA_STR(PARTITIONS_MSG);
		return KAFKA_INVALID_PARTITIONS;
	}
	seen = kafka_arena_alloc(&r->arena, t->nr_assignments, 1);
	if (!seen)
		return -ENOMEM;
	for (i = 0; i < t->nr_assignments; i++) {
		x = &t->assignments[i];
		if (x->partition < 0 ||
		    (uint32_t)x->partition >= t->nr_assignments ||
		    seen[x->partition]++) {
			res->message = KAFKA_STR("Partitions must be numbered "
				"from 0 on, each once.");
			return KAFKA_INVALID_REPLICA_ASSIGNMENT;
		}
		if (x->nr_brokers != 1 || x->brokers[0] != KAFKA_NODE_ID) {
			res->message = KAFKA_STR("Every partition must have "
				"exactly one replica, on broker 1 (the only "
				"one).");
			return KAFKA_INVALID_REPLICA_ASSIGNMENT;
		}
	}
	return KAFKA_NONE;
}

/* The partition count of @t, or an error code in @res. */
static int check_counts(struct kafka_request *r, const struct kafka_cfg *cfg,
			const struct kafka_create_topic *t, uint32_t *nr,
			struct kafka_create_topic_resp *res)
{
	int32_t np = t->num_partitions;
	int16_t rf = t->replication_factor;

	if (t->nr_assignments) {
		*nr = t->nr_assignments;
		return check_assignments(r, t, res);
	}
	if (np == -1)
		np = (int32_t)cfg->partitions;
	if (np <= 0 || np > KAFKA_ADMIN_MAX_PARTITIONS) {
		res->message = KAFKA_STR(PARTITIONS_MSG);
		return KAFKA_INVALID_PARTITIONS;
	}
	if (rf != -1 && rf != 1) {
		res->message = rf > 0 ?
			KAFKA_STR("Replication factor larger than available "
				  "brokers: 1.") :
			KAFKA_STR("Replication factor must be larger than 0 "
				  "(or -1 for the default).");
		return KAFKA_INVALID_REPLICATION_FACTOR;
	}
	*nr = (uint32_t)np;
	return KAFKA_NONE;
}

/* qsort_r order of topic indexes by name; @arg: the topics. */
static int cmp_name(const void *a, const void *b, void *arg)
{
	const struct kafka_create_topic *t = arg;
	const struct kafka_str *x = &t[*(const uint32_t *)a].name;
	const struct kafka_str *y = &t[*(const uint32_t *)b].name;
	int c = memcmp(x->p, y->p, (size_t)(x->len < y->len ? x->len :
							       y->len));

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/*
 * Marks in @dup the topics whose name appears more than once: sorted
 * indexes, so that a request of a million names costs n log n, not n^2.
 */
static int find_duplicates(struct kafka_request *r,
			   const struct kafka_create_topics_req *q,
			   bool **dup)
{
	uint32_t *idx, i;

	*dup = kafka_arena_alloc(&r->arena, q->nr_topics, sizeof(**dup));
	idx = kafka_arena_alloc(&r->arena, q->nr_topics, sizeof(*idx));
	if (!*dup || !idx)
		return -ENOMEM;
	for (i = 0; i < q->nr_topics; i++)
		idx[i] = i;
	qsort_r(idx, q->nr_topics, sizeof(*idx), cmp_name, q->topics);
	for (i = 1; i < q->nr_topics; i++) {
		if (cmp_name(&idx[i - 1], &idx[i], q->topics))
			continue;
		(*dup)[idx[i - 1]] = true;
		(*dup)[idx[i]] = true;
	}
	return 0;
}

/* One topic of CreateTopics; the code, or -ENOMEM. */
static int create_one(struct kafka_srv *srv, struct kafka_request *r,
		      const struct kafka_create_topics_req *q, uint32_t i,
		      bool dup, struct kafka_create_topic_resp *res)
{
	const struct kafka_create_topic *t = &q->topics[i];
	struct kafka_topic *tp;
	uint32_t nr = 0;
	int code, err;

	if (dup) {
		res->message = KAFKA_STR("Duplicate topic name.");
		return KAFKA_INVALID_REQUEST;
	}
	if (!kafka_topic_name_valid(&t->name)) {
		res->message = KAFKA_STR("Topic name is illegal: 1 to 249 of "
					 "[a-zA-Z0-9._-], not '.' or '..'.");
		return KAFKA_INVALID_TOPIC_EXCEPTION;
	}
	if (kafka_topic_find(srv->topics, &t->name))
		goto exists;
	code = check_counts(r, srv->cfg, t, &nr, res);
	if (!code)
		code = check_configs(r, t, res);
	if (code || q->validate_only)
		return code;
	err = kafka_topic_create_new(srv->topics, &t->name, nr, &tp);
	if (err == -EEXIST)
		goto exists;
	if (err) {
		eng_log(ENG_LOG_ERROR, "CreateTopics %.*s: %s", t->name.len,
			t->name.p, strerror(-err));
		res->message = msg(r, "%s", strerror(-err));
		return KAFKA_UNKNOWN_SERVER_ERROR;
	}
	return KAFKA_NONE;
exists:
	res->message = msg(r, "Topic '%.*s' already exists.", t->name.len,
			   t->name.p);
	return KAFKA_TOPIC_ALREADY_EXISTS;
}

int kafka_create_topics(struct kafka_conn *c, struct kafka_request *r)
{
	struct kafka_create_topics_req q;
	struct kafka_create_topics_resp resp = { 0 };
	struct kafka_create_topic_resp *res;
	bool *dup;
	uint32_t i;
	int ret;

	ret = kafka_create_topics_req_decode(&r->body, r->hdr.api_version, &q,
					     &r->arena);
	if (!ret)
		ret = find_duplicates(r, &q, &dup);
	if (ret)
		return ret;
	res = kafka_arena_alloc(&r->arena, q.nr_topics, sizeof(*res));
	if (!res)
		return -ENOMEM;
	for (i = 0; i < q.nr_topics; i++) {
		res[i].name = q.topics[i].name;
		res[i].message = KAFKA_STR_NULL;
		ret = create_one(c->w->srv, r, &q, i, dup[i], &res[i]);
		if (ret < 0)
			return ret;
		res[i].error = (int16_t)ret;
		if (ret)
			res[i].message = res[i].message.p ? res[i].message :
				kafka_str_c(kafka_err_name(ret));
	}
	resp.nr_topics = q.nr_topics;
	resp.topics = res;
	return kafka_create_topics_resp_encode(&c->wb, r->hdr.api_version,
					       r->hdr.correlation_id, &resp);
}

/*
 * After a deletion: every worker looks at its parked fetches again (those
 * on the topic see it deleted and answer) and then records that it holds
 * nothing of it (broker_worker.c, quiet_epoch); the housekeeping thread
 * wakes to close the topic's files once all have (kafka_admin_reap).
 */
static void wake_all(struct kafka_srv *srv)
{
	kafka_workers_wake(srv, ~0ull);
	pthread_mutex_lock(&srv->hk_lock);
	srv->hk_kick = true;
	pthread_cond_signal(&srv->hk_cond);
	pthread_mutex_unlock(&srv->hk_lock);
}

/*
 * Whether nobody can still use deleted @tp: no fetch is parked on its
 * partitions, and every running worker has finished a loop callback that
 * began after the deletion (its quiet_epoch reached tp's). Handlers find
 * topics by name and let go when they return; the housekeeping thread,
 * which asks this, is between passes; the metrics gauges run on workers
 * and check kafka_topic_deleted first.
 */
static bool reapable(void *arg, const struct kafka_topic *tp)
{
	struct kafka_srv *srv = arg;
	struct kafka_worker *w;
	bool ok = true;
	uint32_t i;

	for (i = 0; i < tp->nr_parts; i++)
		if (__atomic_load_n(&tp->parts[i].wait_mask, __ATOMIC_SEQ_CST))
			return false;
	pthread_rwlock_rdlock(&srv->wake_lock);
	for (i = 0; ok && i < srv->nr_workers; i++) {
		w = __atomic_load_n(&srv->workers[i], __ATOMIC_ACQUIRE);
		if (w && !w->stopped &&
		    __atomic_load_n(&w->quiet_epoch, __ATOMIC_ACQUIRE) <
		    tp->del_epoch)
			ok = false;
	}
	pthread_rwlock_unlock(&srv->wake_lock);
	return ok;
}

uint32_t kafka_admin_reap(struct kafka_srv *srv)
{
	return kafka_topics_reap(srv->topics, reapable, srv);
}

static int delete_one(struct kafka_srv *srv, const struct kafka_str *name)
{
	int err;

	if (!kafka_topic_name_valid(name))
		return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
	err = kafka_topic_delete(srv->topics, name, NULL);
	if (err == -ENOENT)
		return KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
	if (err) {
		eng_log(ENG_LOG_ERROR, "DeleteTopics %.*s: %s", name->len,
			name->p, strerror(-err));
		return KAFKA_UNKNOWN_SERVER_ERROR;
	}
	wake_all(srv);
	return KAFKA_NONE;
}

int kafka_delete_topics(struct kafka_conn *c, struct kafka_request *r)
{
	struct kafka_delete_topics_req q;
	struct kafka_delete_topics_resp resp = { 0 };
	struct kafka_delete_topic_resp *res;
	uint32_t i;
	int ret;

	ret = kafka_delete_topics_req_decode(&r->body, r->hdr.api_version, &q,
					     &r->arena);
	if (ret)
		return ret;
	res = kafka_arena_alloc(&r->arena, q.nr_topics, sizeof(*res));
	if (!res)
		return -ENOMEM;
	for (i = 0; i < q.nr_topics; i++) {
		res[i].name = q.topics[i];
		res[i].error = (int16_t)delete_one(c->w->srv, &q.topics[i]);
	}
	resp.nr_topics = q.nr_topics;
	resp.topics = res;
	return kafka_delete_topics_resp_encode(&c->wb, r->hdr.api_version,
					       r->hdr.correlation_id, &resp);
}
