/* SPDX-License-Identifier: MIT */
/*
 * kafka/segment.c - a segment's files and the bookkeeping of the batches
 * appended to it (segment.h). Reading headers back is segment_scan.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka/segment.h"

#define SEG_DIGITS 20

void kafka_seg_name(char *buf, int64_t base, const char *ext)
{
	snprintf(buf, KAFKA_SEG_NAME_MAX, "%020" PRId64 "%s", base, ext);
}

bool kafka_seg_name_parse(const char *name, const char *ext, int64_t *base)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < SEG_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		if (v > ((uint64_t)INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	if (strcmp(name + SEG_DIGITS, ext))
		return false;
	*base = (int64_t)v;
	return true;
}

static struct kafka_seg *seg_alloc(int64_t base)
{
	struct kafka_seg *seg = calloc(1, sizeof(*seg));

	if (!seg)
		return NULL;
	seg->base = base;
	seg->end = base;
	seg->vis_end = base;
	seg->max_ts = KAFKA_TS_NONE;
	seg->max_ts_off = base;
	seg->roll_ms = KAFKA_TS_NONE;
	seg->fd = -1;
	kafka_idx_init(&seg->idx, KAFKA_IDX_OFF_SIZE);
	kafka_idx_init(&seg->tidx, KAFKA_IDX_TIME_SIZE);
	return seg;
}

struct kafka_seg *kafka_seg_create(int dirfd, int64_t base, int *err)
{
	char name[KAFKA_SEG_NAME_MAX];
	struct kafka_seg *seg = seg_alloc(base);
	int ret;

	if (!seg) {
		*err = -ENOMEM;
		return NULL;
	}
	kafka_seg_name(name, base, ".log");
	seg->fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			 0644);
	if (seg->fd == -1) {
		*err = -errno;
		free(seg);
		return NULL;
	}
	/* Index files left by a segment of the same name are stale. */
	kafka_seg_name(name, base, ".index");
	ret = kafka_idx_load(&seg->idx, dirfd, name, true);
	if (!ret)
		ret = kafka_idx_reset(&seg->idx);
	kafka_seg_name(name, base, ".timeindex");
	if (!ret)
		ret = kafka_idx_load(&seg->tidx, dirfd, name, true);
	if (!ret)
		ret = kafka_idx_reset(&seg->tidx);
	if (ret) {
		kafka_seg_unlink(dirfd, seg);
		kafka_seg_free(seg);
		*err = ret == -EBADMSG ? -EIO : ret;
		return NULL;
	}
	return seg;
}

struct kafka_seg *kafka_seg_open(int dirfd, int64_t base, int *err)
{
	char name[KAFKA_SEG_NAME_MAX];
	struct kafka_seg *seg = seg_alloc(base);

	if (!seg) {
		*err = -ENOMEM;
		return NULL;
	}
	kafka_seg_name(name, base, ".log");
	seg->fd = openat(dirfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (seg->fd == -1) {
		*err = -errno;
		free(seg);
		return NULL;
	}
	return seg;
}

void kafka_seg_free(struct kafka_seg *seg)
{
	if (!seg)
		return;
	kafka_idx_exit(&seg->idx);
	kafka_idx_exit(&seg->tidx);
	if (seg->fd >= 0)
		close(seg->fd);
	free(seg);
}

void kafka_seg_unlink(int dirfd, const struct kafka_seg *seg)
{
	static const char *const ext[] = { ".log", ".index", ".timeindex" };
	char name[KAFKA_SEG_NAME_MAX];
	unsigned int i;

	/* The .log first: index files without it are removed at open. */
	for (i = 0; i < 3; i++) {
		kafka_seg_name(name, seg->base, ext[i]);
		unlinkat(dirfd, name, 0);
	}
}

/* Where the last offset index entry points, 0 when there is none. */
static uint64_t last_entry_pos(const struct kafka_seg *seg)
{
	uint32_t rel, pos;

	if (!seg->idx.n)
		return 0;
	kafka_idx_off_at(&seg->idx, seg->idx.n - 1, &rel, &pos);
	return pos;
}

static int64_t last_time(const struct kafka_seg *seg)
{
	uint32_t rel;
	int64_t ts;

	if (!seg->tidx.n)
		return KAFKA_TS_NONE;
	kafka_idx_time_at(&seg->tidx, seg->tidx.n - 1, &ts, &rel);
	return ts;
}

/*
 * Rules:
 *  1. An offset entry points at the batch that starts at @pos when @pos
 *     is at least @interval bytes past the last entry's batch (or past 0),
 *     so a lookup scans at most about @interval bytes of headers.
 *  2. The batch already pointed at (a walk that re-reads it) gets none.
 *  3. With it, a time entry (max timestamp so far, the base offset of its
 *     batch) when the maximum grew since the last time entry: entries then
 *     strictly increase, and every batch before the one an entry names has
 *     a smaller max timestamp, which is what the time lookup relies on.
 */
int kafka_seg_account(struct kafka_seg *seg, const struct kafka_batch_hdr *h,
		      uint64_t pos, uint32_t interval)
{
	uint64_t last = last_entry_pos(seg);
	int ret = 0;

	seg->end = h->base_offset + h->last_offset_delta + 1;
	seg->size = pos + (uint64_t)kafka_batch_size(h);
	if (seg->max_ts == KAFKA_TS_NONE || h->max_timestamp > seg->max_ts) {
		seg->max_ts = h->max_timestamp;
		seg->max_ts_off = h->base_offset;
	}
	if ((seg->idx.n && pos <= last) || pos - last < interval)
		return 0;
	ret = kafka_idx_add_off(&seg->idx, (uint32_t)(h->base_offset -
						      seg->base),
				(uint32_t)pos);
	if (!ret && seg->max_ts > last_time(seg))
		ret = kafka_idx_add_time(&seg->tidx, seg->max_ts,
					 (uint32_t)(seg->max_ts_off -
						    seg->base));
	return ret;
}

void kafka_seg_write_index(struct kafka_seg *seg)
{
	kafka_idx_write(&seg->idx);
	kafka_idx_write(&seg->tidx);
}

void kafka_seg_seal(struct kafka_seg *seg, int dirfd)
{
	char name[KAFKA_SEG_NAME_MAX];

	if (seg->max_ts != KAFKA_TS_NONE && seg->max_ts > last_time(seg))
		kafka_idx_add_time(&seg->tidx, seg->max_ts,
				   (uint32_t)(seg->max_ts_off - seg->base));
	kafka_seg_name(name, seg->base, ".index");
	kafka_idx_seal(&seg->idx, dirfd, name);
	kafka_seg_name(name, seg->base, ".timeindex");
	kafka_idx_seal(&seg->tidx, dirfd, name);
	seg->sealed = true;
}
