/* SPDX-License-Identifier: MIT */
/*
 * kafka/producer_id.h - producer ids for InitProducerId, unique for the
 * life of the data directory: never handed out twice, across restarts and
 * crashes (kill -9, power loss) included.
 *
 * DATA/producer-ids holds the first id not yet reserved: "ZCPI", the
 * CRC32C of the next 8 bytes, the id (little-endian), 16 bytes. Ids are
 * reserved a block at a time: the file is first rewritten with the
 * block's end (a new file, fsync, rename over the old one, fsync of the
 * directory) and only then are ids of the block handed out. A crash at
 * any point leaves the old or the new file, never a torn one, and either
 * way the next start begins past every id already given: it wastes the
 * rest of the block, of 2^63. Should the file be lost (or never have
 * been written, by an older broker), the largest id found in the logs at
 * start (kafka_pid_alloc_seen) is the floor instead. When the file is
 * there it alone counts: a client may put any id in its batches, and one
 * near INT64_MAX must not exhaust the ids.
 *
 * Thread-safe: InitProducerId may arrive on every worker.
 */
#ifndef ZC_KAFKA_PRODUCER_ID_H
#define ZC_KAFKA_PRODUCER_ID_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define KAFKA_PID_FILE "producer-ids"
/* Ids reserved per write of the file: one fsync per this many producers. */
#define KAFKA_PID_BLOCK 1000

struct kafka_pid_alloc {
	pthread_mutex_t lock;
	int dirfd;			/* the data directory (not owned) */
	int64_t next;			/* the next id to hand out */
	int64_t limit;			/* reserved on disk below this */
	bool from_logs;			/* no file: logs set the floor */
};

/*
 * Reads DATA/producer-ids in @dirfd (missing: start from 0). Returns 0,
 * -EBADMSG when the file is there but not valid (a damaged disk: refusing
 * to start is safer than handing out an id twice), or -errno. Blocks.
 */
int kafka_pid_alloc_init(struct kafka_pid_alloc *a, int dirfd);
void kafka_pid_alloc_exit(struct kafka_pid_alloc *a);

/*
 * Never hand out @id or anything below it (a log holds it); only heeded
 * when there was no file at init.
 */
void kafka_pid_alloc_seen(struct kafka_pid_alloc *a, int64_t id);

/*
 * A new producer id in *@id. Returns 0, or -errno when a block could not
 * be reserved on disk (no id is handed out then). Blocks on the disk once
 * per KAFKA_PID_BLOCK ids.
 */
int kafka_pid_alloc_next(struct kafka_pid_alloc *a, int64_t *id);

#endif
