/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/produce.c - Produce v0-7: each partition's records are
 * validated once, by the codec (kafka_batch_validate: magic 2, CRC32C,
 * record count, size limit, codec allowed for the version), and appended
 * by the log verbatim, only the base offset and leader epoch patched in place in
 * the receive buffer. One node: acks 1 and -1 mean the same (the append,
 * under the --flush policy), acks 0 gets no answer.
 *
 * Errors per partition, as Kafka gives them:
 *   UNKNOWN_TOPIC_OR_PARTITION  no such topic (auto-create off) or partition
 *   INVALID_TOPIC_EXCEPTION     a name Kafka does not allow
 *   INVALID_REQUIRED_ACKS       acks other than 0, 1, -1
 *   CORRUPT_MESSAGE             bad CRC or lengths
 *   INVALID_RECORD              not record batch v2 (Produce 0-2 may carry
 *                               only v2 batches here: message sets v0/v1
 *                               are refused, never converted), counts
 *   MESSAGE_TOO_LARGE           a batch over --max-message-bytes
 *   UNSUPPORTED_COMPRESSION_TYPE  zstd below v7, codecs 5-7
 *   KAFKA_STORAGE_ERROR         the append failed (disk full: ENOSPC...)
 *   INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER,
 *   UNKNOWN_PRODUCER_ID         an idempotent batch refused (log.h)
 * An idempotent batch that duplicates one of the producer's last five is
 * answered as a success with the original's base offset, not written.
 */
#include <errno.h>
#include <string.h>

#include "broker_int.h"
#include "kafka/batch.h"

/* A failed append as the error code of the partition. */
static int append_error(int err)
{
	switch (err) {
	case -EMSGSIZE:
		return KAFKA_MESSAGE_TOO_LARGE;
	case -EINVAL:
	case -EBADMSG:
		return KAFKA_CORRUPT_MESSAGE;
	case -ESTALE:
		return KAFKA_INVALID_PRODUCER_EPOCH;
	case -EILSEQ:
		return KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER;
	case -ESRCH:
		return KAFKA_UNKNOWN_PRODUCER_ID;
	}
	return KAFKA_KAFKA_STORAGE_ERROR;
}

struct produce_ctx {
	struct kafka_conn *c;
	int16_t acks;
	struct kafka_batch_limits lim;
	int64_t now_ms;
	bool failed;			/* any partition's error */
};

static void append(struct produce_ctx *x, struct kafka_topic *tp,
		   const struct kafka_produce_part *pp,
		   struct kafka_produce_part_resp *pr)
{
	struct kafka_worker *w = x->c->w;
	struct kafka_batch_info info;
	struct kafka_part *part;
	size_t len = pp->records.len > 0 ? (size_t)pp->records.len : 0;
	int64_t base;
	int err;

	part = kafka_topic_part(tp, pp->partition);
	if (!part) {
		pr->error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
		return;
	}
	pr->error = (int16_t)kafka_batch_validate(pp->records.p, len, &x->lim,
						  &info);
	if (pr->error)
		return;
	err = kafka_log_append_checked(part->log, pp->records.p, len,
				       info.nr_records, x->now_ms, &base);
	if (err < 0) {
		pr->error = (int16_t)append_error(err);
		eng_log(pr->error == KAFKA_KAFKA_STORAGE_ERROR ?
			ENG_LOG_ERROR : ENG_LOG_INFO, "append to %s-%d: %s",
			tp->name, pp->partition, strerror(-err));
		return;
	}
	pr->base_offset = base;
	pr->log_start_offset = kafka_log_start_offset(part->log);
	if (err == 1) {		/* a duplicate: acked, not written */
		kafka_count(w, w->srv->m.produce_duplicates, 1);
		return;
	}
	kafka_count(w, w->srv->m.produce_bytes, len);
	kafka_count(w, w->srv->m.produce_records, info.nr_records);
}

static void produce_topic(struct produce_ctx *x,
			  const struct kafka_produce_topic *t,
			  struct kafka_produce_part_resp *pr)
{
	struct kafka_topic *tp = NULL;
	int error = KAFKA_INVALID_REQUIRED_ACKS;
	uint32_t i;

	if (x->acks == 0 || x->acks == 1 || x->acks == -1)
		tp = kafka_topic_get(x->c->w->srv, &t->name, true, &error);
	for (i = 0; i < t->nr_partitions; i++) {
		pr[i].partition = t->partitions[i].partition;
		pr[i].base_offset = -1;
		pr[i].log_append_time = -1;
		pr[i].log_start_offset = -1;
		if (tp)
			append(x, tp, &t->partitions[i], &pr[i]);
		else
			pr[i].error = (int16_t)error;
		if (pr[i].error) {
			x->failed = true;
			kafka_count(x->c->w, x->c->w->srv->m.produce_errors, 1);
		}
	}
}

int kafka_produce(struct kafka_conn *c, struct kafka_request *req)
{
	const struct kafka_produce_req *p = &req->produce;
	struct kafka_produce_resp resp = { .nr_topics = p->nr_topics };
	struct kafka_produce_topic_resp *tr;
	struct kafka_produce_part_resp *pr;
	struct produce_ctx x = {
		.c = c,
		.acks = p->acks,
		.lim = {
			.max_batch_bytes = c->w->srv->cfg->max_message_bytes,
			/* Produce v3+: one batch per partition. */
			.max_batches = req->hdr.api_version >= 3 ? 1 : 0,
			.produce_version = req->hdr.api_version,
		},
		.now_ms = kafka_now_ms(),
	};
	uint32_t i;

	kafka_count(c->w, c->w->srv->m.req[KAFKA_REQ_PRODUCE], 1);
	tr = kafka_arena_alloc(&req->arena, p->nr_topics, sizeof(*tr));
	if (!tr)
		return -ENOMEM;
	for (i = 0; i < p->nr_topics; i++) {
		tr[i].name = p->topics[i].name;
		tr[i].nr_partitions = p->topics[i].nr_partitions;
		pr = kafka_arena_alloc(&req->arena, tr[i].nr_partitions,
				       sizeof(*pr));
		if (!pr)
			return -ENOMEM;
		produce_topic(&x, &p->topics[i], pr);
		tr[i].partitions = pr;
	}
	if (p->acks == 0) {
		/* Rule 5 of conn.c: no answer; a failure ends the link. */
		if (x.failed)
			c->flags |= KAFKA_CF_CLOSE;
		return 0;
	}
	resp.topics = tr;
	return kafka_produce_resp_encode(&c->wb, req->hdr.api_version,
					 req->hdr.correlation_id, &resp);
}
