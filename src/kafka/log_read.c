/* SPDX-License-Identifier: MIT */
/*
 * kafka/log_read.c - finding what a fetch sends (a file range starting at
 * the batch that holds the fetch offset) and ListOffsets by timestamp.
 *
 * Both take the log's mutex only to pick the segment, look up its index
 * and duplicate its fd; the batch headers after the index entry are read
 * without the mutex, through the duplicate, from bytes that no longer
 * change (below the segment's visible size).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zcio/view.h>

#include "kafka/log_int.h"

/* Where a reader starts: a segment's file and an index hint, unlocked. */
struct spot {
	int fd;			/* a dup of the .log, owned by the reader */
	uint64_t pos;		/* a batch start at or before the target */
	uint64_t limit;		/* the visible size */
	int64_t vis_end;	/* the visible end offset */
};

/* With @lock held: @spot for @seg from the offset index entry of @off. */
static int spot_at(struct kafka_seg *seg, int64_t off, struct spot *sp)
{
	uint32_t rel, pos = 0;
	int64_t e;

	e = kafka_idx_find_off(&seg->idx, (uint32_t)(off - seg->base));
	if (e >= 0)
		kafka_idx_off_at(&seg->idx, (uint32_t)e, &rel, &pos);
	sp->pos = pos;
	sp->limit = seg->vis_size;
	sp->vis_end = seg->vis_end;
	sp->fd = kafka_log__dup(seg->fd);
	return sp->fd < 0 ? sp->fd : 0;
}

/*
 * The first batch from sp->pos on whose last offset is >= @off (when
 * @by_ts is false) or whose max timestamp is >= @ts (when true). Returns
 * 1 with *@h and *@pos, 0 when there is none before the limit, or -errno
 * (-EIO for a header that does not parse: the log is damaged).
 */
static int seek(const struct spot *sp, bool by_ts, int64_t off, int64_t ts,
		struct kafka_batch_hdr *h, uint64_t *pos)
{
	struct kafka_scan s;
	int ret;

	kafka_scan_init(&s, sp->fd, sp->pos, sp->limit, 0);
	while ((ret = kafka_scan_next(&s, h)) == 1) {
		if (by_ts ? h->max_timestamp >= ts :
			    kafka_batch_last_offset(h) >= off)
			break;
		kafka_scan_skip(&s, h);
	}
	*pos = s.pos;
	kafka_scan_exit(&s);
	return ret == -EBADMSG ? -EIO : ret;
}

int kafka_log_read(struct kafka_log *log, int64_t offset, size_t max_bytes,
		   unsigned int flags, struct kafka_log_slice *out)
{
	struct kafka_batch_hdr h;
	struct spot sp;
	uint64_t pos, avail, len;
	uint32_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	out->first_offset = -1;
	out->next_offset = -1;
	pthread_mutex_lock(&log->lock);
	out->log_start = log->segs[0]->base;
	out->high_watermark = log->hw;
	if (offset < out->log_start || offset >= log->hw) {
		pthread_mutex_unlock(&log->lock);
		return offset == log->hw ? 0 : -ERANGE;
	}
	/* Skips segments with nothing visible at @offset (an empty one). */
	for (i = kafka_log__find(log, offset);
	     i + 1 < log->nsegs && log->segs[i]->vis_end <= offset; i++)
		;
	ret = spot_at(log->segs[i], offset, &sp);
	pthread_mutex_unlock(&log->lock);
	if (ret)
		return ret;
	ret = seek(&sp, false, offset, 0, &h, &pos);
	if (ret != 1) {
		close(sp.fd);
		return ret ? ret : -EIO;
	}
	avail = sp.limit - pos;
	len = max_bytes < avail ? max_bytes : avail;
	if ((flags & KAFKA_LOG_READ_MIN_ONE) &&
	    len < (uint64_t)kafka_batch_size(&h))
		len = (uint64_t)kafka_batch_size(&h);
	out->first_offset = h.base_offset;
	if (!len) {
		close(sp.fd);
		return 0;
	}
	out->file = zc_buf_file(sp.fd, 1, &ret);
	if (!out->file) {
		close(sp.fd);
		out->first_offset = -1;
		return ret;
	}
	out->pos = (off_t)pos;
	out->len = (size_t)len;
	out->next_offset = len == avail ? sp.vis_end : -1;
	return 0;
}

/*
 * The first record of the uncompressed batch @b (@h) whose timestamp is
 * >= @ts: its offset and timestamp. Returns false when the records do
 * not parse (the caller then answers with the batch).
 */
static bool record_at(const uint8_t *b, const struct kafka_batch_hdr *h,
		      int64_t ts, int64_t *off, int64_t *rts)
{
	int64_t len, delta, odelta;
	struct zc_view v, r;
	uint8_t attrs;
	int32_t i;

	zc_view_init(&v, b + KAFKA_BATCH_HDR_LEN,
		     (size_t)kafka_batch_size(h) - KAFKA_BATCH_HDR_LEN);
	for (i = 0; i < h->records_count; i++) {
		if (zc_view_varint(&v, &len) || len < 0 ||
		    zc_view_sub(&v, (size_t)len, &r))
			return false;
		if (zc_view_u8(&r, &attrs) || zc_view_varint(&r, &delta) ||
		    zc_view_varint(&r, &odelta))
			return false;
		if (kafka_batch_record_timestamp(h, delta) >= ts) {
			*off = h->base_offset + odelta;
			*rts = kafka_batch_record_timestamp(h, delta);
			return true;
		}
	}
	return false;
}

/*
 * The answer inside batch @h at @pos: the exact record when the batch is
 * neither compressed nor LogAppendTime (all of whose records share the max
 * timestamp), else the batch itself.
 */
static void answer(const struct spot *sp, uint64_t pos,
		   const struct kafka_batch_hdr *h, int64_t ts, int64_t *off,
		   int64_t *rts)
{
	struct kafka_scan s;
	uint8_t *b;

	*off = h->base_offset;
	*rts = h->max_timestamp;
	if (kafka_batch_codec(h) != KAFKA_CODEC_NONE ||
	    kafka_batch_log_append_time(h))
		return;
	kafka_scan_init(&s, sp->fd, pos, sp->limit, 0);
	if (!kafka_scan_read(&s, h, &b)) {
		if (!record_at(b, h, ts, off, rts)) {
			*off = h->base_offset;
			*rts = h->max_timestamp;
		}
		free(b);
	}
	kafka_scan_exit(&s);
}

/*
 * With @lock held: the spot in the first segment from @i on whose max
 * timestamp reaches @ts, through its time index. Returns the segment's
 * index, or -1 when none has such a timestamp.
 */
static int64_t time_spot(struct kafka_log *log, uint32_t i, int64_t ts,
			 struct spot *sp, int *err)
{
	struct kafka_seg *seg;
	uint32_t rel = 0;
	int64_t e, t;

	for (; i < log->nsegs; i++) {
		seg = log->segs[i];
		if (seg->vis_size && seg->max_ts != KAFKA_TS_NONE &&
		    seg->max_ts >= ts)
			break;
	}
	if (i >= log->nsegs)
		return -1;
	/*
	 * Every batch before the one the entry names has a smaller max
	 * timestamp (segment.c, rule 3): the search can start there.
	 */
	e = kafka_idx_find_time(&seg->tidx, ts);
	if (e >= 0)
		kafka_idx_time_at(&seg->tidx, (uint32_t)e, &t, &rel);
	*err = spot_at(seg, seg->base + rel, sp);
	return i;
}

int kafka_log_offset_for_time(struct kafka_log *log, int64_t ts,
			      int64_t *offset, int64_t *timestamp)
{
	struct kafka_batch_hdr h;
	int64_t i = 0, rts = -1;
	struct spot sp;
	uint64_t pos;
	int ret = 0;

	*offset = -1;
	if (ts == KAFKA_LOG_TS_LATEST || ts == KAFKA_LOG_TS_EARLIEST)
		*offset = ts == KAFKA_LOG_TS_LATEST ?
			  kafka_log_end_offset(log) :
			  kafka_log_start_offset(log);
	for (; *offset < 0; i++) {
		pthread_mutex_lock(&log->lock);
		i = time_spot(log, (uint32_t)i, ts, &sp, &ret);
		pthread_mutex_unlock(&log->lock);
		if (i < 0 || ret)
			break;
		ret = seek(&sp, true, 0, ts, &h, &pos);
		if (ret == 1)
			answer(&sp, pos, &h, ts, offset, &rts);
		close(sp.fd);
		if (ret < 0)
			break;
		ret = 0;
	}
	if (timestamp)
		*timestamp = rts;
	return ret;
}
