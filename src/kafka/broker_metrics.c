/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/broker_metrics.c - what `zcio broker` counts, in the engine's
 * metrics registry (engine/metrics.h), rendered by the --metrics listener
 * as Prometheus text at /metrics.
 *
 * Counted on the hot path, by the worker that owns the row: requests by
 * API, produced bytes and records, fetched record bytes (and those copied
 * by --fetch-copy), the record bytes the kernel sent by sendfile and the
 * bytes copied in user space according to the ledger of every send (the
 * zero-copy proof: on the default path fetched bytes are all sendfile
 * bytes and nothing is copied), long-polls. Computed when rendered: each
 * partition's log start and end offsets, and the process-wide copy ledger
 * of libzcio (the engine's eng_metrics_register_ledger). The engine adds
 * connections and the bytes its sends moved by path
 * (zcio_sent_bytes_total).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_int.h"

static const char *const req_names[KAFKA_REQ__COUNT] = {
	[KAFKA_REQ_PRODUCE] = "produce",
	[KAFKA_REQ_FETCH] = "fetch",
	[KAFKA_REQ_LIST_OFFSETS] = "list_offsets",
	[KAFKA_REQ_METADATA] = "metadata",
	[KAFKA_REQ_API_VERSIONS] = "api_versions",
	[KAFKA_REQ_FIND_COORDINATOR] = "find_coordinator",
	[KAFKA_REQ_OFFSET_COMMIT] = "offset_commit",
	[KAFKA_REQ_OFFSET_FETCH] = "offset_fetch",
	[KAFKA_REQ_INIT_PRODUCER_ID] = "init_producer_id",
	[KAFKA_REQ_REFUSED] = "refused",
};

static const struct {
	size_t off;			/* in struct kafka_metric_ids */
	const char *name;
	const char *help;
} counters[] = {
#define ID(f) offsetof(struct kafka_metric_ids, f)
	{ ID(produce_bytes), "zcio_kafka_produce_bytes_total",
	  "Record batch bytes appended by Produce." },
	{ ID(produce_records), "zcio_kafka_produce_records_total",
	  "Records appended by Produce." },
	{ ID(produce_errors), "zcio_kafka_produce_errors_total",
	  "Produce partitions answered with an error." },
	{ ID(produce_duplicates), "zcio_kafka_produce_duplicates_total",
	  "Idempotent batches acknowledged as duplicates, not written." },
	{ ID(fetch_bytes), "zcio_kafka_fetch_bytes_total",
	  "Record bytes put into Fetch answers." },
	{ ID(fetch_sendfile), "zcio_kafka_fetch_sendfile_bytes_total",
	  "Record bytes the kernel sent with sendfile (send ledgers)." },
	{ ID(fetch_copied), "zcio_kafka_fetch_copied_bytes_total",
	  "Record bytes read into memory to answer Fetch (--fetch-copy)." },
	{ ID(user_copied), "zcio_kafka_user_copied_bytes_total",
	  "Bytes copied through user space by the sends (send ledgers)." },
	{ ID(fetch_errors), "zcio_kafka_fetch_errors_total",
	  "Fetch answers with a partition error." },
	{ ID(fetch_waits), "zcio_kafka_fetch_waits_total",
	  "Fetches that waited for data (long-poll)." },
	{ ID(fetch_wakeups), "zcio_kafka_fetch_wakeups_total",
	  "Waiting fetches answered early by an append." },
	{ ID(oversize), "zcio_kafka_oversize_frames_total",
	  "Connections closed for a frame over --max-request-bytes." },
	{ ID(offset_commits), "zcio_kafka_offset_commits_total",
	  "Partition offsets committed by OffsetCommit." },
	{ ID(offset_commit_errors), "zcio_kafka_offset_commit_errors_total",
	  "OffsetCommit partitions answered with an error." },
#undef ID
};

int kafka_metrics_register(struct kafka_srv *srv)
{
	struct eng_metrics *r = eng_metrics(srv->eng);
	char labels[48];
	size_t i;
	int *id;

	for (i = 0; i < KAFKA_REQ__COUNT; i++) {
		snprintf(labels, sizeof(labels), "api=\"%s\"", req_names[i]);
		srv->m.req[i] = eng_metric_new(r, ENG_METRIC_COUNTER,
				"zcio_kafka_requests_total", labels,
				"Kafka requests handled, by API.");
		if (srv->m.req[i] < 0)
			return srv->m.req[i];
	}
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		id = (int *)((char *)&srv->m + counters[i].off);
		*id = eng_metric_new(r, ENG_METRIC_COUNTER, counters[i].name,
				     NULL, counters[i].help);
		if (*id < 0)
			return *id;
	}
	return eng_metrics_register_ledger(r);
}

/*
 * The partition a gauge reports: its own, or once its topic was deleted
 * (admin.c) the same partition of a topic created again under that name,
 * since the registry can neither drop a gauge nor take a second one with
 * the same labels. NULL when there is none now (the gauge reads -1).
 */
static struct kafka_part *live(struct kafka_part *p)
{
	struct kafka_srv *srv = p->ctx;
	struct kafka_topic *tp;

	if (!kafka_topic_deleted(p->topic))
		return p;
	tp = kafka_topic_find(srv->topics, &(struct kafka_str){
		p->topic->name, p->topic->name_len });
	return tp ? kafka_topic_part(tp, p->id) : NULL;
}

static double end_offset(void *arg)
{
	struct kafka_part *p = live(arg);

	return p ? (double)kafka_log_end_offset(p->log) : -1;
}

static double start_offset(void *arg)
{
	struct kafka_part *p = live(arg);

	return p ? (double)kafka_log_start_offset(p->log) : -1;
}

/*
 * Two gauges per partition. The registry holds up to 1024 metrics (the
 * engine's default): a broker with hundreds of partitions loses these
 * gauges first, once, with a warning; nothing else depends on them.
 */
void kafka_metrics_part(struct kafka_srv *srv, struct kafka_part *p)
{
	static bool warned;
	struct eng_metrics *r = eng_metrics(srv->eng);
	char labels[KAFKA_LOG_TOPIC_MAX + 48];
	int a, b;

	snprintf(labels, sizeof(labels), "topic=\"%s\",partition=\"%d\"",
		 p->topic->name, p->id);
	a = eng_metric_new_fn(r, ENG_METRIC_GAUGE, "zcio_kafka_log_end_offset",
			      labels, "The next offset of each partition.",
			      end_offset, p);
	b = eng_metric_new_fn(r, ENG_METRIC_GAUGE,
			      "zcio_kafka_log_start_offset", labels,
			      "The first offset still stored.",
			      start_offset, p);
	p->metric = a;
	/* -EEXIST: a deleted topic's gauges serve it (live()) */
	if (a == -EEXIST && b == -EEXIST)
		return;
	if ((a < 0 || b < 0) && !__atomic_exchange_n(&warned, true,
						     __ATOMIC_RELAXED))
		eng_log(ENG_LOG_WARN, "metrics registry full: partitions from "
			"%s-%d on have no offset gauges", p->topic->name,
			p->id);
}
