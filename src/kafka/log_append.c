/* SPDX-License-Identifier: MIT */
/*
 * kafka/log_append.c - appending record batches to the active segment,
 * and rolling to a new segment by size and age.
 */
#include <errno.h>
#include <unistd.h>

#include "kafka/crc32c.h"
#include "kafka/log_int.h"

/*
 * The log's own checks (log.h): whole batches, magic 2, a sane
 * lastOffsetDelta and the CRC, since a stored batch that fails them would
 * make the next recovery cut it and everything after it. Counts the
 * offsets the batches take in *@nrec.
 */
static int check_batches(const uint8_t *p, size_t len, uint64_t *nrec)
{
	struct kafka_batch_hdr h;
	uint64_t n = 0;
	size_t off = 0;
	int64_t size;

	if (!len)
		return -EINVAL;
	while (off < len) {
		if (kafka_batch_hdr_parse(p + off, len - off, &h))
			return -EINVAL;
		size = kafka_batch_size(&h);
		if ((uint64_t)size > len - off || h.last_offset_delta < 0)
			return -EINVAL;
		if (kafka_crc32c(0, p + off + KAFKA_BATCH_CRC_OFF,
				 (size_t)size - KAFKA_BATCH_CRC_OFF) != h.crc)
			return -EBADMSG;
		n += (uint64_t)h.last_offset_delta + 1;
		off += (size_t)size;
	}
	*nrec = n;
	return 0;
}

/*
 * Rules, for a segment that holds something (an empty one never rolls):
 *  1. size: the new bytes would take it past segment_bytes;
 *  2. offsets: a relative offset would not fit the index's 31 bits
 *     (Kafka's rule too);
 *  3. age: segment_ms has passed since its first batch.
 */
static bool need_roll(const struct kafka_log *log,
		      const struct kafka_seg *seg, size_t len, uint64_t nrec,
		      int64_t now_ms)
{
	if (!seg->size)
		return false;
	if (len > log->cfg.segment_bytes - seg->size ||
	    seg->size > log->cfg.segment_bytes)
		return true;
	if ((uint64_t)(seg->end - seg->base) + nrec - 1 > INT32_MAX)
		return true;
	return log->cfg.segment_ms && seg->roll_ms != KAFKA_TS_NONE &&
	       now_ms - seg->roll_ms >= log->cfg.segment_ms;
}

int kafka_log__roll(struct kafka_log *log, int64_t now_ms)
{
	struct kafka_seg *old = kafka_log__active(log), *seg;
	int err;

	(void)now_ms;
	seg = kafka_seg_create(log->dirfd, old->end, &err);
	if (!seg)
		return err;
	err = kafka_log__push(log, seg);
	if (err) {
		kafka_seg_unlink(log->dirfd, seg);
		kafka_seg_free(seg);
		return err;
	}
	kafka_seg_seal(old, log->dirfd);
	/* Its directory entry must be on disk before data in it is acked. */
	log->dir_dirty = true;
	log->st.rolls++;
	return 0;
}

static int pwrite_all(int fd, const uint8_t *p, size_t len, uint64_t pos)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, p + done, len - done, (off_t)(pos + done));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		if (!n)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* Updates the segment and its indexes for the batches just written. */
static void account_all(struct kafka_log *log, struct kafka_seg *seg,
			const uint8_t *p, size_t len, uint64_t pos)
{
	struct kafka_batch_hdr h;
	size_t off = 0;

	while (off < len) {
		kafka_batch_hdr_parse(p + off, len - off, &h);
		/* No memory for an entry costs lookup time, not data. */
		kafka_seg_account(seg, &h, pos + off,
				  log->cfg.index_interval_bytes);
		off += (size_t)kafka_batch_size(&h);
	}
}

/*
 * Writes @p at the end of the active segment, rolling first when needed.
 * Called with @lock held. A failed write is undone with ftruncate, so the
 * segment never holds part of a batch that was not acknowledged.
 */
static int append_locked(struct kafka_log *log, uint8_t *p, size_t len,
			 uint64_t nrec, int64_t now_ms, int64_t *first)
{
	struct kafka_seg *seg = kafka_log__active(log);
	int ret;

	if (log->err)
		return log->err;
	if (need_roll(log, seg, len, nrec, now_ms)) {
		ret = kafka_log__roll(log, now_ms);
		if (ret)
			return ret;
		seg = kafka_log__active(log);
	}
	if (len > UINT32_MAX - seg->size || nrec - 1 > INT32_MAX)
		return -EMSGSIZE;
	if (nrec > (uint64_t)(INT64_MAX - seg->end))
		return -EOVERFLOW;
	*first = seg->end;
	kafka_batch_assign_offsets(p, len, seg->end, log->cfg.leader_epoch);
	ret = pwrite_all(seg->fd, p, len, seg->size);
	if (ret) {
		if (ftruncate(seg->fd, (off_t)seg->size) == -1)
			log->err = -EIO;
		return ret;
	}
	account_all(log, seg, p, len, seg->size);
	if (seg->roll_ms == KAFKA_TS_NONE)
		seg->roll_ms = now_ms;
	seg->dirty = true;
	log->st.appends++;
	log->st.appended_bytes += len;
	if (log->cfg.flush != KAFKA_LOG_FLUSH_ALWAYS) {
		kafka_seg_show_all(seg);
		log->hw = seg->end;
	}
	return 0;
}

int kafka_log_append_checked(struct kafka_log *log, uint8_t *records,
			     size_t len, uint64_t nr_offsets, int64_t now_ms,
			     int64_t *base_offset)
{
	struct kafka_pbatch dup;
	int64_t first, end;
	bool idem;
	int ret;

	idem = kafka_log__idempotent(records, len);
	pthread_mutex_lock(&log->lock);
	ret = idem ? kafka_log__producer_check(log, records, len, &dup) : 0;
	if (!ret)
		ret = append_locked(log, records, len, nr_offsets, now_ms,
				    &first);
	if (!ret && idem)
		kafka_log__producer_update(log, records, len, now_ms);
	end = kafka_log__active(log)->end;
	pthread_mutex_unlock(&log->lock);
	if (ret == 1)
		return kafka_log__producer_dup(log, &dup, base_offset);
	if (ret)
		return ret;
	if (log->cfg.flush == KAFKA_LOG_FLUSH_ALWAYS) {
		/* Acknowledged only once on disk, with what came before. */
		ret = kafka_log__sync(log, end, false);
		if (ret)
			return ret;
	} else {
		kafka_log__notify(log, end);
	}
	*base_offset = first;
	return 0;
}

int kafka_log_append(struct kafka_log *log, uint8_t *records, size_t len,
		     int64_t now_ms, int64_t *base_offset)
{
	uint64_t nrec;
	int ret;

	ret = check_batches(records, len, &nrec);
	if (ret)
		return ret;
	return kafka_log_append_checked(log, records, len, nrec, now_ms,
					base_offset);
}
