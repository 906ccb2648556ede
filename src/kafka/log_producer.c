/* SPDX-License-Identifier: MIT */
/*
 * kafka/log_producer.c - the idempotent producer state of a partition log
 * (kafka/producer_state.h): checked and updated under the log's mutex
 * together with the append, so that two connections retrying the same
 * producer's batches on different workers cannot both write it; rebuilt
 * when the log opens.
 *
 * Rebuilding (kafka_log__producers_load):
 *  1. DATA/TOPIC-N/producer-snapshot holds the state and the log end
 *     offset it describes (producer_state.h). It is written at a clean
 *     close and, when the log grew, at each retention check
 *     (kafka_log__producers_checkpoint: every minute in the broker), as a
 *     new file renamed into place, never synced: a lost or torn one only
 *     costs a longer scan.
 *  2. Open loads it when it is whole (CRC) and its offset is not past the
 *     log's end. One past the end describes batches that recovery cut (a
 *     machine crash before they were synced): it is deleted, and the
 *     directory synced, so that it cannot come back once the log has
 *     grown past its offset again with other batches.
 *  3. The batch headers from the snapshot's offset to the end are
 *     replayed into the state: none after a clean close, those of the
 *     last minute or so after a kill -9, every batch of every segment
 *     when there is no usable snapshot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kafka/err.h"
#include "kafka/log_int.h"

/* Recovery reads headers through this much buffer (see producers_load). */
#define PRODUCER_SCAN_BUF (64u * 1024)
#define SNAP_FILE "producer-snapshot"
#define SNAP_TMP SNAP_FILE ".tmp"
/* 2^20 producers of five batches: a snapshot larger than this is junk. */
#define SNAP_MAX (192u << 20)

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

	/* One batch per call: what Produce allows and clients send. */
	if (kafka_batch_hdr_parse(p, len, &h) ||
	    (uint64_t)kafka_batch_size(&h) != len || h.base_sequence < 0)
		return -EINVAL;
	ret = kafka_pstate_check(&log->ps, &h, dup);
	if (ret == KAFKA_DUPLICATE_SEQUENCE_NUMBER)
		return 1;
	return ret ? to_errno(ret) : 0;
}

void kafka_log__producer_update(struct kafka_log *log, const uint8_t *p,
				size_t len, int64_t now_ms)
{
	struct kafka_batch_hdr h;

	/* The check parsed it; the base offset is the one append_locked
	 * patched in. Room was reserved by the check: this cannot fail. */
	kafka_batch_hdr_parse(p, len, &h);
	kafka_pstate_update(&log->ps, &h, now_ms);
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

/*
 * Every batch header of @seg with a producer id, from offset @from on,
 * goes into the state. A header that does not parse ends the segment's
 * scan but not the open: recovery trusts a segment below the recovery
 * point after walking its tail only, and damage in its middle must not
 * keep the partition from opening (a fetch there fails on its own).
 */
static int load_segment(struct kafka_log *log, struct kafka_seg *seg,
			int64_t from, int64_t now_ms)
{
	struct kafka_batch_hdr h;
	struct kafka_scan s;
	int ret;

	kafka_scan_init(&s, seg->fd, 0, seg->size, PRODUCER_SCAN_BUF);
	while ((ret = kafka_scan_next(&s, &h)) == 1) {
		if (h.producer_id >= 0 && h.base_offset >= from) {
			ret = kafka_pstate_update(&log->ps, &h, now_ms);
			if (ret)
				break;
		}
		kafka_scan_skip(&s, &h);
	}
	kafka_scan_exit(&s);
	if (ret == -EBADMSG) {
		log->st.producer_scan_errors++;
		ret = 0;
	}
	return ret;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the whole of @fd (at most SNAP_MAX) into a new buffer. */
static uint8_t *read_all(int fd, size_t *len)
{
	struct stat st;
	uint8_t *p;
	size_t got = 0;
	ssize_t n;

	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SNAP_MAX)
		return NULL;
	p = malloc((size_t)st.st_size);
	while (p && got < (size_t)st.st_size) {
		n = pread(fd, p + got, (size_t)st.st_size - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(p);
			return NULL;
		}
		got += (size_t)n;
	}
	*len = got;
	return p;
}

/*
 * Rule 2: the snapshot's offset, or 0 when there is none to use (the
 * state is then empty).
 */
static int64_t load_snapshot(struct kafka_log *log)
{
	int64_t off = 0;
	uint8_t *p = NULL;
	size_t len = 0;
	int fd, bad;

	fd = openat(log->dirfd, SNAP_FILE, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	p = read_all(fd, &len);
	close(fd);
	bad = !p || kafka_pstate_snap_read(&log->ps, p, len, &off);
	free(p);
	if (!bad && off <= kafka_log__active(log)->end) {
		log->st.producer_snapshot = true;
		log->snap_end = off;
		return off;
	}
	kafka_pstate_exit(&log->ps);
	unlinkat(log->dirfd, SNAP_FILE, 0);
	if (!bad)
		fsync(log->dirfd);
	return 0;
}

/*
 * Rebuilds the state (rules 2-3): the snapshot, then the batch headers
 * after it, oldest first, with a 64 KiB buffer (small batches: the whole
 * file is read; large ones: one pread per batch). Recovery has already
 * cut what was torn, so what is left is the truth, and replaying it gives
 * the same last five batches per producer as the appends did.
 */
int kafka_log__producers_load(struct kafka_log *log)
{
	int64_t from = load_snapshot(log), now = wall_ms();
	uint32_t i;
	int ret;

	for (i = kafka_log__find(log, from); i < log->nsegs; i++) {
		if (log->segs[i]->end <= from)
			continue;
		ret = load_segment(log, log->segs[i], from, now);
		if (ret)
			return ret;
		log->st.producer_scanned_segments++;
	}
	kafka_log__producers_expire(log, now);
	log->st.producers = log->ps.n;
	return 0;
}

void kafka_log__producers_expire(struct kafka_log *log, int64_t now_ms)
{
	int64_t max = log->cfg.producer_expiration_ms;

	if (max >= 0 && now_ms > INT64_MIN + max)
		log->st.producers_expired +=
			kafka_pstate_expire(&log->ps, now_ms - max);
}

/* Writes the @len bytes at @p as the snapshot (rule 1); 0 or -1. */
static int snap_store(struct kafka_log *log, const uint8_t *p, size_t len)
{
	ssize_t n = -1;
	int fd;

	fd = openat(log->dirfd, SNAP_TMP, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644);
	if (fd >= 0) {
		do {
			n = write(fd, p, len);
		} while (n == -1 && errno == EINTR);
		close(fd);
	}
	if (n != (ssize_t)len)
		return -1;
	return renameat(log->dirfd, SNAP_TMP, log->dirfd, SNAP_FILE);
}

/*
 * The state and the end offset it describes as snapshot bytes (a new
 * buffer, *@len), taken together under @lock; NULL when the end has not
 * moved since the last snapshot, or without memory.
 */
static uint8_t *snap_take(struct kafka_log *log, size_t *len, int64_t *end)
{
	uint8_t *p = NULL;

	pthread_mutex_lock(&log->lock);
	*end = kafka_log__active(log)->end;
	if (*end != log->snap_end) {
		*len = kafka_pstate_snap_size(&log->ps);
		p = malloc(*len);
		if (p)
			kafka_pstate_snap_write(&log->ps, *end, p);
	}
	pthread_mutex_unlock(&log->lock);
	return p;
}

void kafka_log__producers_checkpoint(struct kafka_log *log)
{
	size_t len = 0;
	int64_t end;
	uint8_t *p = snap_take(log, &len, &end);

	if (!p)
		return;
	if (!snap_store(log, p, len)) {
		pthread_mutex_lock(&log->lock);
		log->snap_end = end;
		log->st.producer_snapshots++;
		pthread_mutex_unlock(&log->lock);
	}
	free(p);
}

int64_t kafka_log_max_producer_id(struct kafka_log *log)
{
	int64_t v;

	pthread_mutex_lock(&log->lock);
	v = log->ps.max_id;
	pthread_mutex_unlock(&log->lock);
	return v;
}
