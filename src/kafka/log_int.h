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
#include "kafka/producer_state.h"
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
	struct kafka_pstate ps;		/* producers (log_producer.c) */
	int64_t snap_end;		/* offset of the snapshot on disk */
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

/*
 * log_producer.c: idempotent producers. kafka_log__idempotent tells from
 * the first batch's header (producer_id >= 0, byte 43's sign bit) whether
 * the append must be checked: no lock, no call for the others.
 * kafka_log__producer_check (under @lock, before writing; one batch only)
 * returns 0 (write it), 1 (a duplicate: *@dup is the original), or
 * -ESTALE / -EILSEQ / -ESRCH (old epoch, sequence gap, unknown producer)
 * or -EINVAL / -ENOMEM; kafka_log__producer_update records the batch once
 * written (under @lock). kafka_log__producer_dup (without @lock) waits for
 * the original to be synced under ALWAYS and returns 1 with its base
 * offset. kafka_log__producers_load rebuilds the state at open (from the
 * snapshot kafka_log__producers_checkpoint writes, and the log after it).
 */
static inline bool kafka_log__idempotent(const uint8_t *records, size_t len)
{
	return len >= KAFKA_BATCH_HDR_LEN && !(records[43] & 0x80);
}

int kafka_log__producer_check(struct kafka_log *log, const uint8_t *p,
			      size_t len, struct kafka_pbatch *dup);
void kafka_log__producer_update(struct kafka_log *log, const uint8_t *p,
				size_t len, int64_t now_ms);
int kafka_log__producer_dup(struct kafka_log *log,
			    const struct kafka_pbatch *dup,
			    int64_t *base_offset);
int kafka_log__producers_load(struct kafka_log *log);
/*
 * Writes the snapshot when the log grew since the last one (takes @lock,
 * writes without it; best effort). At retention checks and close.
 */
void kafka_log__producers_checkpoint(struct kafka_log *log);
/* Forgets idle producers (cfg.producer_expiration_ms); under @lock. */
void kafka_log__producers_expire(struct kafka_log *log, int64_t now_ms);

#endif
