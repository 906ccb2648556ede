/* SPDX-License-Identifier: MIT */
/*
 * kafka/log_retention.c - deleting whole old segments by age and size.
 *
 * Rules:
 *  1. Oldest first, and only from the front, so the offsets that remain
 *     still follow on and the log start is the first segment's name.
 *  2. By age: a segment goes when its newest batch (max timestamp) is
 *     older than retention_ms, as in Kafka. A segment without timestamps
 *     (none seen) is kept by this rule.
 *  3. By size: a segment goes while the log without it still holds at
 *     least retention_bytes; the active segment never goes by size.
 *  4. The active segment goes only by age, only when all of it is visible
 *     and expired: the log first rolls to an empty segment named by the
 *     end offset, so that a restart still knows where the log starts.
 *  5. Segments are taken out of the log under the mutex and unlinked and
 *     closed after it: reads already handed out hold their own fds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/log_int.h"

static bool expired(const struct kafka_log *log, const struct kafka_seg *seg,
		    int64_t now_ms)
{
	return log->cfg.retention_ms >= 0 && seg->max_ts != KAFKA_TS_NONE &&
	       seg->max_ts < now_ms - log->cfg.retention_ms;
}

static bool too_big(const struct kafka_log *log, uint64_t total,
		    const struct kafka_seg *seg)
{
	return log->cfg.retention_bytes >= 0 &&
	       total - seg->size >= (uint64_t)log->cfg.retention_bytes;
}

/* With @lock held: moves the segments to delete into @gone. */
static uint32_t pick(struct kafka_log *log, int64_t now_ms,
		     struct kafka_seg **gone, uint32_t max)
{
	struct kafka_seg *seg;
	uint64_t total = 0;
	uint32_t i, n = 0;

	for (i = 0; i < log->nsegs; i++)
		total += log->segs[i]->size;
	while (n < max) {
		seg = log->segs[n];
		if (n + 1 == log->nsegs) {
			/* Rule 4. */
			if (!seg->size || seg->vis_end != seg->end ||
			    !expired(log, seg, now_ms) ||
			    kafka_log__roll(log, now_ms))
				break;
		}
		if (seg->vis_end != seg->end ||
		    (seg->size && !expired(log, seg, now_ms) &&
		     !too_big(log, total, seg)))
			break;
		total -= seg->size;
		gone[n++] = seg;
	}
	if (n) {
		memmove(log->segs, log->segs + n,
			(log->nsegs - n) * sizeof(*log->segs));
		log->nsegs -= n;
		log->st.deleted_segments += n;
	}
	return n;
}

int kafka_log_retention(struct kafka_log *log, int64_t now_ms)
{
	struct kafka_seg **gone;
	uint32_t n, i, max;

	pthread_mutex_lock(&log->lock);
	max = log->nsegs;
	pthread_mutex_unlock(&log->lock);
	/* One more: rule 4 may add a segment. */
	gone = malloc((max + 1) * sizeof(*gone));
	if (!gone)
		return -ENOMEM;
	pthread_mutex_lock(&log->lock);
	kafka_log__producers_expire(log, now_ms);
	if (max > log->nsegs)
		max = log->nsegs;
	n = pick(log, now_ms, gone, max);
	pthread_mutex_unlock(&log->lock);
	for (i = 0; i < n; i++) {
		kafka_seg_unlink(log->dirfd, gone[i]);
		kafka_seg_free(gone[i]);
	}
	free(gone);
	kafka_log__producers_checkpoint(log);
	return (int)n;
}
