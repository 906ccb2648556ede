/* SPDX-License-Identifier: MIT */
/*
 * kafka/log_flush.c - making appended bytes durable: fdatasync of the
 * segments written since the last sync, the directory when a segment was
 * created, and the recovery point that lets the next open skip what is
 * known to be on disk.
 *
 * The recovery point file is 16 bytes: "ZCRP", the CRC32C of the next 8
 * bytes (little-endian), the offset (little-endian). It is rewritten in
 * place and never synced on its own: its value is written only after the
 * data below it was synced, so whatever version reaches the disk is a
 * true lower bound; a torn write fails the CRC and recovery then checks
 * every segment, which is slow but right.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka/crc32c.h"
#include "kafka/log_int.h"

static void put_le(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

int kafka_log__rp_write(struct kafka_log *log, int64_t offset)
{
	uint8_t b[16];
	ssize_t n;

	memcpy(b, "ZCRP", 4);
	put_le(b + 8, (uint64_t)offset, 8);
	put_le(b + 4, kafka_crc32c(0, b + 8, 8), 4);
	if (log->rp_fd < 0)
		return -EBADF;
	do {
		n = pwrite(log->rp_fd, b, sizeof(b), 0);
	} while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(b))
		return n == -1 ? -errno : -EIO;
	log->rp_file = offset;
	return 0;
}

/* What one sync flushes, captured under the log's lock. */
struct capture {
	int *fds;		/* segments, index files, the directory */
	uint32_t n;
	int64_t base;		/* the active segment then */
	int64_t end;
	uint64_t size;
};

/* Whether an index file has entries written since its last sync. */
static bool idx_pending(const struct kafka_idx *x)
{
	return x->fd >= 0 && x->written > x->synced;
}

static int take_dup(struct capture *c, int fd)
{
	fd = kafka_log__dup(fd);
	if (fd < 0)
		return fd;
	c->fds[c->n++] = fd;
	return 0;
}

/*
 * Pass 1 of a capture: duplicates of every fd to sync that stays open
 * (the dirty segments, the active segment's index files, the directory).
 * The only part that can fail, so it changes nothing in the log.
 */
static int take_dups(struct kafka_log *log, struct capture *c)
{
	struct kafka_seg *seg;
	uint32_t i;
	int ret = 0;

	for (i = 0; i < log->nsegs && !ret; i++) {
		seg = log->segs[i];
		if (seg->dirty)
			ret = take_dup(c, seg->fd);
		if (!ret && !seg->sealed && idx_pending(&seg->idx))
			ret = take_dup(c, seg->idx.fd);
		if (!ret && !seg->sealed && idx_pending(&seg->tidx))
			ret = take_dup(c, seg->tidx.fd);
	}
	if (!ret && log->dir_dirty)
		ret = take_dup(c, log->dirfd);
	return ret;
}

/* Pass 2: sealed index files hand their fds over; flags are cleared. */
static void take_rest(struct kafka_log *log, struct capture *c)
{
	struct kafka_idx *x[2];
	uint32_t i, k;

	for (i = 0; i < log->nsegs; i++) {
		log->segs[i]->dirty = false;
		x[0] = &log->segs[i]->idx;
		x[1] = &log->segs[i]->tidx;
		for (k = 0; k < 2; k++) {
			if (!idx_pending(x[k]))
				continue;
			if (log->segs[i]->sealed) {
				c->fds[c->n++] = x[k]->fd;
				x[k]->fd = -1;
			}
			x[k]->synced = x[k]->written;
		}
	}
	log->dir_dirty = false;
}

/*
 * Takes what the sync must make durable. Flags are cleared here, before
 * the sync: syncs run one at a time, so a flag that a later append sets
 * again is seen by the next one, and a failed sync is sticky anyway.
 */
static int capture(struct kafka_log *log, struct capture *c, bool flush)
{
	struct kafka_seg *seg = kafka_log__active(log);
	int ret;

	/* Index entries reach the file at flushes, and the disk with them. */
	if (flush)
		kafka_seg_write_index(seg);
	c->n = 0;
	c->fds = malloc((log->nsegs * 3 + 1) * sizeof(int));
	if (!c->fds)
		return -ENOMEM;
	ret = take_dups(log, c);
	if (ret) {
		while (c->n)
			close(c->fds[--c->n]);
		free(c->fds);
		return ret;
	}
	take_rest(log, c);
	c->base = seg->base;
	c->end = seg->end;
	c->size = seg->size;
	return 0;
}

static int sync_fds(struct capture *c)
{
	int ret = 0;
	uint32_t i;

	for (i = 0; i < c->n; i++) {
		if (!ret && fdatasync(c->fds[i]) == -1)
			ret = -errno;
		close(c->fds[i]);
	}
	free(c->fds);
	return ret;
}

/*
 * Under ALWAYS readers see only synced batches: everything in the
 * segments before the captured one, and the captured one up to where it
 * was. Returns true when the high watermark moved.
 */
static bool publish(struct kafka_log *log, const struct capture *c)
{
	struct kafka_seg *seg;
	uint32_t i;

	if (c->end > log->synced)
		log->synced = c->end;
	if (log->cfg.flush != KAFKA_LOG_FLUSH_ALWAYS || c->end <= log->hw)
		return false;
	for (i = log->nsegs; i-- > 0;) {
		seg = log->segs[i];
		if (seg->base > c->base)
			continue;
		if (seg->base < c->base) {
			if (seg->vis_end == seg->end)
				break;
			kafka_seg_show_all(seg);
		} else if (c->end > seg->vis_end) {
			seg->vis_end = c->end;
			seg->vis_size = c->size;
		}
	}
	log->hw = c->end;
	return true;
}

/*
 * Rules:
 *  1. One sync at a time (@sync_lock): a sync that finds @target covered
 *     by the one before returns at once (group commit), and "not dirty"
 *     then really means "synced by a sync that finished".
 *  2. fdatasync runs without @lock: appends and reads go on meanwhile, on
 *     duplicated fds so that retention may close a segment under it.
 *  3. A failed fdatasync is sticky: Linux may have dropped the dirty pages
 *     it could not write, so nothing written before it can be promised.
 */
int kafka_log__sync(struct kafka_log *log, int64_t target, bool flush)
{
	struct capture c;
	bool moved;
	int ret;

	pthread_mutex_lock(&log->sync_lock);
	pthread_mutex_lock(&log->lock);
	ret = log->err;
	if (ret || (!flush && log->synced >= target)) {
		pthread_mutex_unlock(&log->lock);
		pthread_mutex_unlock(&log->sync_lock);
		return ret;
	}
	ret = capture(log, &c, flush);
	pthread_mutex_unlock(&log->lock);
	if (ret) {
		/* No memory or fds: nothing was taken, nothing is lost. */
		pthread_mutex_unlock(&log->sync_lock);
		return ret;
	}
	ret = sync_fds(&c);
	pthread_mutex_lock(&log->lock);
	log->st.syncs += c.n;
	if (ret)
		log->err = ret;
	moved = !ret && publish(log, &c);
	if (!ret && log->synced != log->rp_file)
		kafka_log__rp_write(log, log->synced);
	pthread_mutex_unlock(&log->lock);
	pthread_mutex_unlock(&log->sync_lock);
	if (moved)
		kafka_log__notify(log, c.end);
	return ret;
}

int kafka_log_flush(struct kafka_log *log)
{
	return kafka_log__sync(log, INT64_MAX, true);
}
