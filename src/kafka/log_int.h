/* SPDX-License-Identifier: MIT */
/*
 * kafka/log_int.h - the partition log's private state, shared by the
 * kafka/log*.c files (open and names, recovery, append and roll, flush,
 * read, retention).
 *
 * Locking: @lock guards every field below it; @sync_lock serialises whole
 * syncs (capture what is dirty, fdatasync it without @lock, publish), and
 * is always taken before @lock. Readers take @lock only to find a segment
 * and look up its index; they read the .log through a dup of its fd.
 */
#ifndef ZC_KAFKA_LOG_INT_H
#define ZC_KAFKA_LOG_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kafka/log.h"
#include "kafka/segment.h"

/* The file in each partition directory that holds the recovery point. */
#define KAFKA_LOG_RP_FILE "recovery-point"

/* Recovery and index rebuilds read the .log with buffers this large. */
#define KAFKA_LOG_SCAN_BUF (1u << 20)

struct kafka_log {
	pthread_mutex_t sync_lock;
	pthread_mutex_t lock;
	int dirfd;			/* the partition directory, flock'ed */
	struct kafka_log_cfg cfg;
	struct kafka_seg **segs;	/* by base offset; the last is active */
	uint32_t nsegs;
	uint32_t segs_cap;
	int64_t hw;			/* high watermark: readers' end */
	int64_t synced;			/* every offset below is on disk */
	int64_t rp_file;		/* the recovery point in the file */
	int rp_fd;
	int err;			/* sticky failure of a sync, or 0 */
	bool dir_dirty;			/* a segment created, dir not synced */
	kafka_log_notify_fn notify;
	void *notify_arg;
	struct kafka_log_stats st;	/* counters (offsets filled on read) */
};

static inline struct kafka_seg *kafka_log__active(struct kafka_log *log)
{
	return log->segs[log->nsegs - 1];
}

/* The index of the last segment whose base is <= @offset (0 if none). */
uint32_t kafka_log__find(struct kafka_log *log, int64_t offset);

/* Appends @seg to the segment array (it becomes the last). -ENOMEM. */
int kafka_log__push(struct kafka_log *log, struct kafka_seg *seg);

/*
 * Seals the active segment and starts an empty one at its end offset.
 * Called with @lock held. Returns 0 or -errno (nothing changed then).
 */
int kafka_log__roll(struct kafka_log *log, int64_t now_ms);

/*
 * Makes every offset below @target durable (returns at once when a sync
 * that finished already covered it); @flush also writes pending index
 * entries. Called without either lock; calls the notify hook when
 * visibility moved. Returns 0 or the sticky -errno.
 */
int kafka_log__sync(struct kafka_log *log, int64_t target, bool flush);

/* Writes @offset to the recovery point file (no fsync: see log_flush.c). */
int kafka_log__rp_write(struct kafka_log *log, int64_t offset);

/* Loads or recovers every segment of the freshly opened @log. */
int kafka_log__recover(struct kafka_log *log);

/* A close-on-exec duplicate of @fd, or -errno. */
int kafka_log__dup(int fd);

/* Calls the notify hook with @end (without @lock held). */
void kafka_log__notify(struct kafka_log *log, int64_t end);

#endif
