/* SPDX-License-Identifier: MIT */
/*
 * kafka/offset_store.h - the committed offsets of consumer groups: a map
 * (group, topic, partition) -> (offset, leader epoch, metadata, commit
 * time) kept in memory for every worker thread (one mutex) and made
 * durable as an append-only file in the data directory, the way Kafka
 * keeps them in its __consumer_offsets topic.
 *
 * The file, KAFKA_OFFSETS_FILE, is an 8-byte header ("ZCOF", then the
 * format version 1 as a little-endian u32) followed by records, all
 * integers little-endian:
 *
 *   u32 len      bytes of the body
 *   u32 crc      CRC32C (kafka/crc32c.h) of the body
 *   body:
 *     u8  type   1 = commit (the only type so far)
 *     i32 partition
 *     i64 offset
 *     i32 leader_epoch
 *     i64 commit_timestamp (ms since the epoch)
 *     u16 group length, u16 topic length, u16 metadata length
 *     the group, topic and metadata bytes
 *
 * Every commit appends one record per partition; the last record of a key
 * wins. kafka_offsets_open replays the file, cuts a torn or corrupt tail
 * (the first record whose length runs past the end, or whose CRC or
 * fields are wrong, and everything after it: records before it are never
 * lost) and compacts: when the file holds superseded records or had a bad
 * tail, it is rewritten with the latest record of each key into
 * KAFKA_OFFSETS_FILE ".tmp", which is fdatasync'ed and renamed over the
 * original, and the directory is fsync'ed.
 *
 * Durability follows the broker's --flush policy (enum kafka_log_flush):
 * a commit has been written to the file (the page cache) when
 * kafka_offsets_put returns, so it survives a crash of the process under
 * every policy. Under ALWAYS kafka_offsets_put returns only after
 * fdatasync, so it survives a crash of the machine too, and a commit is
 * visible to kafka_offsets_get only once it is on disk; under INTERVAL
 * and NEVER the broker calls kafka_offsets_flush from its housekeeping
 * thread (every flush_ms; every 60 s), and a commit is visible at once.
 *
 * Errors: a failed write is cut back off the file, so the file never
 * holds half a record followed by good ones; if that cut, or any
 * fdatasync, fails, the store refuses every later commit with the first
 * error (sticky, as Linux may have dropped the pages it could not write)
 * while lookups go on from memory.
 *
 * Thread-safe; every function may block on the disk except the lookups.
 */
#ifndef ZC_KAFKA_OFFSET_STORE_H
#define ZC_KAFKA_OFFSET_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka/wire.h"

#define KAFKA_OFFSETS_FILE "consumer_offsets.log"

/* The longest group id or metadata the file can hold (u16 lengths). */
#define KAFKA_OFFSETS_STR_MAX 65535

struct kafka_offsets;

struct kafka_offsets_cfg {
	int dirfd;		/* the data directory (borrowed) */
	int flush;		/* enum kafka_log_flush */
};

/* What open found and what has happened since. */
struct kafka_offsets_stats {
	uint64_t replayed;		/* good records read at open */
	uint64_t keys;			/* distinct keys now */
	uint64_t truncated_bytes;	/* torn or corrupt tail cut at open */
	bool compacted;			/* the file was rewritten at open */
	int compact_err;		/* 0, or why compaction failed */
	uint64_t commits;		/* records appended since open */
	uint64_t syncs;			/* fdatasync calls since open */
};

/* The value of a key. */
struct kafka_offset_val {
	int64_t offset;
	int32_t leader_epoch;		/* -1: unknown */
	int64_t commit_ts;		/* ms since the epoch */
	struct kafka_str metadata;	/* never null; "" when none */
};

/* One partition of a commit, or of a listing. */
struct kafka_offset_put {
	struct kafka_str topic;
	int32_t partition;
	struct kafka_offset_val val;
};

/*
 * Opens (creating it when missing) the store in @cfg->dirfd, replays,
 * repairs and compacts it as described above, and returns it in *@out.
 * @st (may be NULL) gets what open did. Returns 0, -EBADMSG when the file
 * exists but is not an offsets file (its header is wrong: nothing is
 * changed), or a negative errno from the file system. A failed
 * compaction is not an error (st->compact_err): the store keeps the old
 * file, with any bad tail cut. Blocks.
 */
int kafka_offsets_open(const struct kafka_offsets_cfg *cfg,
		       struct kafka_offsets **out,
		       struct kafka_offsets_stats *st);

/*
 * Makes what was appended durable (fdatasync when anything is pending),
 * closes the file and frees @s. Returns 0 or the sticky error / the
 * sync's error; @s is freed either way. NULL is a no-op.
 */
int kafka_offsets_close(struct kafka_offsets *s);

/*
 * Commits @n partitions of @group in one write (and, under ALWAYS, one
 * fdatasync, shared with concurrent commits). Strings are copied.
 * Returns 0 once the commit is as durable as the policy promises;
 * -EINVAL when a string is longer than KAFKA_OFFSETS_STR_MAX, a topic
 * or group is empty, or a metadata is null (nothing written);
 * -ENOMEM; or the write's / sync's error (then nothing of this call is
 * visible to lookups). Blocks on the disk.
 */
int kafka_offsets_put(struct kafka_offsets *s, const struct kafka_str *group,
		      const struct kafka_offset_put *puts, uint32_t n);

/*
 * The value of (@group, @topic, @partition) into *@v, its metadata copied
 * into @a. Returns 0, -ENOENT when nothing was committed, -ENOMEM.
 */
int kafka_offsets_get(struct kafka_offsets *s, const struct kafka_str *group,
		      const struct kafka_str *topic, int32_t partition,
		      struct kafka_offset_val *v, struct kafka_arena *a);

/*
 * Every partition committed for @group, sorted by topic then partition,
 * into an array of *@n entries in @a (strings copied into @a too).
 * Returns 0 (*@n may be 0) or -ENOMEM. Walks the whole map: a cost
 * proportional to every key of every group.
 */
int kafka_offsets_list(struct kafka_offsets *s, const struct kafka_str *group,
		       struct kafka_arena *a, struct kafka_offset_put **out,
		       uint32_t *n);

/*
 * fdatasync of what was appended since the last sync, for the
 * housekeeping thread (INTERVAL, NEVER). 0 or the sticky error. Blocks.
 */
int kafka_offsets_flush(struct kafka_offsets *s);

/* A snapshot of the counters. */
void kafka_offsets_stats(struct kafka_offsets *s,
			 struct kafka_offsets_stats *st);

#endif
