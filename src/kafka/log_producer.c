/* SPDX-License-Identifier: MIT */
/*
 * kafka/log_producer.c - the idempotent producer state of a partition log
 * (kafka/producer_state.h): checked and updated under the log's mutex
 * together with the append, so that two connections retrying the same
 * producer's batches on different workers cannot both write it; rebuilt
 * from the batch headers of the segments when the log opens.
 */
#include <errno.h>

#include "kafka/err.h"
#include "kafka/log_int.h"

/* Recovery reads headers through this much buffer (see producers_load). */
#define PRODUCER_SCAN_BUF (64u * 1024)

/* The refusals of kafka_pstate_check as kafka_log_append's errors. */
static int to_errno(int kerr)
{
	switch (kerr) {
	case KAFKA_INVALID_PRODUCER_EPOCH:
		return -ESTALE;
	case KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER:
		return -EILSEQ;
	case KAFKA_UNKNOWN_PRODUCER_ID:
		return -ESRCH;
	}
	return kerr < 0 ? kerr : -EINVAL;
}

int kafka_log__producer_check(struct kafka_log *log, const uint8_t *p,
			      size_t len, struct kafka_pbatch *dup)
{
	struct kafka_batch_hdr h;
	int ret;

	/* check_batches parsed this header already. */
	kafka_batch_hdr_parse(p, len, &h);
	/* One batch per call: what Produce v3+ allows and sends. */
	if ((uint64_t)kafka_batch_size(&h) != len || h.base_sequence < 0)
		return -EINVAL;
	ret = kafka_pstate_check(&log->ps, &h, dup);
	if (ret == KAFKA_DUPLICATE_SEQUENCE_NUMBER)
		return 1;
	return ret ? to_errno(ret) : 0;
}

void kafka_log__producer_update(struct kafka_log *log, const uint8_t *p,
				size_t len)
{
	struct kafka_batch_hdr h;

	/* The base offset is the one append_locked patched in. Room was
	 * reserved by the check: this cannot fail. */
	kafka_batch_hdr_parse(p, len, &h);
	kafka_pstate_update(&log->ps, &h);
}

int kafka_log__producer_dup(struct kafka_log *log,
			    const struct kafka_pbatch *dup,
			    int64_t *base_offset)
{
	int ret;

	log->st.duplicates++;
	/* Acknowledge no earlier than the original: under ALWAYS it may
	 * still be syncing on another thread. Free when it is synced. */
	if (log->cfg.flush == KAFKA_LOG_FLUSH_ALWAYS) {
		ret = kafka_log__sync(log, dup->last_offset + 1, false);
		if (ret)
			return ret;
	}
	*base_offset = dup->base_offset;
	return 1;
}

/* Every batch header of @seg with a producer id goes into the state. */
static int load_segment(struct kafka_log *log, struct kafka_seg *seg)
{
	struct kafka_batch_hdr h;
	struct kafka_scan s;
	int ret;

	kafka_scan_init(&s, seg->fd, 0, seg->size, PRODUCER_SCAN_BUF);
	while ((ret = kafka_scan_next(&s, &h)) == 1) {
		if (h.producer_id >= 0) {
			ret = kafka_pstate_update(&log->ps, &h);
			if (ret)
				break;
		}
		kafka_scan_skip(&s, &h);
	}
	kafka_scan_exit(&s);
	return ret;
}

/*
 * Rebuilds the state from the log: every batch header of every segment,
 * oldest first, in one pass with a 64 KiB buffer (small batches: the
 * whole file is read; large ones: one pread per batch). Recovery has
 * already cut what was torn, so what is left is the truth, and replaying
 * it gives the same last five batches per producer as the appends did.
 */
int kafka_log__producers_load(struct kafka_log *log)
{
	uint32_t i;
	int ret;

	for (i = 0; i < log->nsegs; i++) {
		ret = load_segment(log, log->segs[i]);
		if (ret)
			return ret;
	}
	log->st.producers = log->ps.n;
	return 0;
}

int64_t kafka_log_max_producer_id(struct kafka_log *log)
{
	int64_t v;

	pthread_mutex_lock(&log->lock);
	v = log->ps.max_id;
	pthread_mutex_unlock(&log->lock);
	return v;
}
