/* SPDX-License-Identifier: MIT */
/*
 * kafka/log.h - the broker's storage: one append-only log of Kafka record
 * batches per topic partition, stored verbatim and served by file range.
 *
 * Layout (docs/kafka.md, "Storage and durability"): DATA/TOPIC-PARTITION/
 * holds segments named by the 20-digit base offset of their first batch,
 * 00000000000000000000.log, with a sparse offset index (.index) and a time
 * index (.timeindex) each, and a file "recovery-point": the offset below
 * which every byte is known to be on disk. The batches in a .log file are
 * exactly the bytes producers sent (record batch v2), with the base offset
 * and the partition leader epoch patched; a fetch sends them from the file
 * to the socket with sendfile and never reads them into user space.
 *
 * Durability is chosen per log (struct kafka_log_cfg.flush): see enum
 * kafka_log_flush for what an acknowledged append survives under each.
 * kafka_log_open recovers: it validates every batch that may not have
 * reached the disk (lengths, CRC32C), cuts a torn tail and rebuilds
 * indexes that are missing or inconsistent.
 *
 * Threads: every function may be called from any thread, concurrently on
 * one log, except kafka_log_close (no call may run or follow on that log).
 * A mutex per log serialises appends, flushes and retention; reads hold it
 * only to look up the index and never while reading the file or syncing.
 * Functions that can block on the disk say so.
 *
 * Errors are negative errno values, as everywhere in zcio.
 *
 * Compatible changes since the first version: none.
 */
#ifndef ZC_KAFKA_LOG_H
#define ZC_KAFKA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zcio/buf.h>

/*
 * What a successful kafka_log_append has survived when it returns. The
 * values equal broker.h's enum kafka_flush, so that one may be assigned to
 * the other.
 *
 * A process crash (kill -9, abort, OOM kill) loses nothing that an append
 * returned under any policy: the bytes are in the kernel's page cache. The
 * policies differ in what survives a crash of the machine (power loss,
 * kernel panic):
 *
 * NEVER	nothing is promised; the kernel writes back when it likes
 *		(about 30 s on a default Linux). Appends are visible to readers
 *		at once.
 * INTERVAL	the broker calls kafka_log_flush every flush_ms; an append
 *		survives once the first flush that starts after it returned
 *		has finished: a crash loses at most the appends of the last
 *		flush_ms plus one fdatasync. Appends are visible to readers at
 *		once.
 * ALWAYS	kafka_log_append returns only after fdatasync of the data (and
 *		of the directory when a segment was created): an acknowledged
 *		batch survives a machine crash. Readers see a batch only after
 *		it is on disk, so a consumer never reads data that a crash could
 *		take back. Concurrent appends share their syncs (group commit).
 */
enum kafka_log_flush {
	KAFKA_LOG_FLUSH_NEVER = 0,
	KAFKA_LOG_FLUSH_INTERVAL,
	KAFKA_LOG_FLUSH_ALWAYS,
};

/* Sizes are bytes, times milliseconds. kafka_log_cfg_init sets defaults. */
struct kafka_log_cfg {
	/*
	 * Roll to a new segment when the batches would make the active one
	 * larger than this (a single larger batch still gets a segment of its
	 * own). Default 1 GiB as Kafka's segment.bytes; at most 4 GiB - 1
	 * because index positions are 32-bit.
	 */
	uint64_t segment_bytes;
	/*
	 * Roll when the active segment's first batch is older than this
	 * (measured from the broker's clock at its append, or from the first
	 * batch's max timestamp for a segment found on disk). 0: never.
	 * Default 7 days (Kafka's segment.ms).
	 */
	int64_t segment_ms;
	/*
	 * kafka_log_retention deletes the oldest segments while the log stays
	 * at least this large without them; -1: no limit (the default).
	 */
	int64_t retention_bytes;
	/*
	 * kafka_log_retention deletes segments whose newest batch timestamp is
	 * older than this; -1: no limit. Default 7 days (retention.ms).
	 */
	int64_t retention_ms;
	/*
	 * One offset index entry per this many bytes of log (Kafka's
	 * log.index.interval.bytes, default 4096): a lookup reads at most
	 * about this much batch headers after the entry it finds.
	 */
	uint32_t index_interval_bytes;
	/* Written into every appended batch (bytes 12-15). Default 0. */
	int32_t leader_epoch;
	/* enum kafka_log_flush. Default NEVER (Kafka's default too). */
	int flush;
	/*
	 * kafka_log_retention (and open) forget an idempotent producer whose
	 * newest batch's timestamp is older than this; -1: never. Default 7
	 * days, Kafka's transactional.id.expiration.ms, which governed
	 * idempotent producer ids before producer.id.expiration.ms (3.4).
	 */
	int64_t producer_expiration_ms;
};

/* Fills @cfg with the defaults described above. */
void kafka_log_cfg_init(struct kafka_log_cfg *cfg);

/* An open partition log. Opaque. */
struct kafka_log;

/* kafka_log_open flags */
#define KAFKA_LOG_CREATE	0x1	/* create the partition when missing */

/*
 * Opens (with KAFKA_LOG_CREATE: creates when missing) the log of
 * @topic/@partition in the data directory @dirfd, i.e. the directory
 * "@topic-@partition" under it, and recovers it:
 *  - index files without a .log (a crash during retention) are removed;
 *  - every segment that holds offsets at or past the recovery point is
 *    validated batch by batch (length, magic, CRC32C, offsets following
 *    on) and cut with ftruncate at the first invalid batch; segments after
 *    a cut are deleted (their offsets no longer follow on);
 *  - offset and time indexes that are missing, short, unordered or point
 *    at the wrong place are rebuilt from the .log;
 *  - what was recovered is synced and the recovery point rewritten.
 * kafka_log_stats reports what recovery did. The configuration is copied.
 * @topic must be a valid Kafka topic name (1-249 of [a-zA-Z0-9._-], not
 * "." or ".."): it names a directory. Returns 0 and *@out, -ENOENT when the
 * partition does not exist and KAFKA_LOG_CREATE was not given, -EINVAL for
 * a bad name or configuration, or another -errno from the file system.
 * Blocks on the disk (recovery reads whole segments after a crash).
 */
int kafka_log_open(int dirfd, const char *topic, int32_t partition,
		   unsigned int flags, const struct kafka_log_cfg *cfg,
		   struct kafka_log **out);

/*
 * Flushes (whatever the policy), writes the recovery point so that the
 * next open has nothing to scan, closes every file and frees @log. Returns
 * 0 or the first error of that flush; @log is freed either way. NULL is a
 * no-op. Blocks on the disk.
 */
int kafka_log_close(struct kafka_log *log);

/*
 * Appends the record batches in @records (@len bytes, one or more whole
 * v2 batches back to back) at the end of the log and returns in
 * *@base_offset the offset given to the first record.
 *
 * Each batch gets the next offsets: its base offset (bytes 0-7) and leader
 * epoch (bytes 12-15) are patched IN @records, which must be writable;
 * nothing covered by the CRC changes. The log end offset advances by
 * lastOffsetDelta + 1 per batch. The caller (the codec) has validated the
 * batches; the log still checks what its own consistency rests on and
 * refuses the whole call before writing anything: -EINVAL when the bytes
 * are not whole batches (length fields, magic 2, lastOffsetDelta >= 0),
 * -EBADMSG when a CRC32C is wrong (a batch stored with a bad CRC would be
 * cut off by the next recovery, with everything after it).
 *
 * The batches go into one segment with one pwrite. Any failure to write
 * (-ENOSPC, -EDQUOT, -EFBIG, -EIO) truncates the segment back to where it
 * was: nothing is half-written and the offsets are not used; a later append
 * can succeed once space is free. A failed fdatasync (ALWAYS) is -EIO and
 * is sticky: later appends fail with it too, because the kernel may have
 * dropped the unsynced pages (reopen to recover). Rolls to a new segment
 * first when the size or age limit says so. @now_ms is the wall clock
 * (CLOCK_REALTIME in ms), used for rolling by age.
 *
 * -EMSGSIZE when @len does not fit a segment at all (4 GiB). Blocks on the
 * disk (always under ALWAYS; for a roll otherwise).
 *
 * Idempotent producers (docs/kafka.md): when the first batch has a
 * producer id (>= 0), @records must be that one batch (else -EINVAL) and
 * its epoch and sequence are checked against the producer's last five
 * batches in this partition, atomically with the append:
 *   1         a duplicate of one of them: nothing written, *@base_offset
 *             is the original batch's (returned once that is synced
 *             under ALWAYS);
 *   -ESTALE   an older epoch (INVALID_PRODUCER_EPOCH);
 *   -EILSEQ   a sequence gap, or a new epoch not starting at 0
 *             (OUT_OF_ORDER_SEQUENCE_NUMBER);
 *   -ESRCH    an unknown producer not starting at sequence 0
 *             (UNKNOWN_PRODUCER_ID).
 * Batches without a producer id are not looked at (no lookup, no
 * allocation). kafka_log_open rebuilds this state from the batch headers.
 */
int kafka_log_append(struct kafka_log *log, uint8_t *records, size_t len,
		     int64_t now_ms, int64_t *base_offset);

/*
 * kafka_log_append for a caller that has already validated @records with
 * kafka_batch_validate (whole batches, magic 2, CRC32C, counts), which
 * also gave it @nr_offsets, the offsets they take (the sum of
 * lastOffsetDelta + 1). The produce path uses it so that a batch's CRC is
 * computed once, not twice: at 1 KiB messages the CRC was a fifth of the
 * broker's produce CPU. Same results and errors otherwise.
 */
int kafka_log_append_checked(struct kafka_log *log, uint8_t *records,
			     size_t len, uint64_t nr_offsets, int64_t now_ms,
			     int64_t *base_offset);

/*
 * The result of a read: a file range of one segment, plus the offsets the
 * fetch response reports. @file is a new store (zcio/buf.h) that owns a
 * private duplicate of the segment's fd, so the range stays sendable when
 * retention deletes the segment meanwhile. It has one reference, owned by
 * the caller: hand it to a chain (zc_chain_append_file takes its own) and
 * release this one with kafka_log_slice_exit. Store refcounts are not
 * atomic: use and release it on one thread at a time.
 */
struct kafka_log_slice {
	struct zc_buf *file;	/* NULL when @len is 0 */
	off_t pos;		/* file offset of the first batch */
	size_t len;		/* bytes; may end inside a batch */
	int64_t first_offset;	/* base offset of the first batch, or -1 */
	/*
	 * When the range runs to the end of what its segment holds (so it
	 * ends on a batch boundary): the offset to read next, which is the
	 * next segment's first offset or the high watermark. Otherwise -1.
	 */
	int64_t next_offset;
	int64_t log_start;	/* kafka_log_start_offset at the read */
	int64_t high_watermark;	/* kafka_log_end_offset at the read */
};

/* kafka_log_read flags */
/*
 * KIP-74: return the first batch whole even when it is larger than
 * @max_bytes, so that a consumer always makes progress. Kafka sets it for
 * the first partition of a fetch response that returns data, and not for
 * the partitions after it.
 */
#define KAFKA_LOG_READ_MIN_ONE	0x1

/*
 * Finds the bytes to send for a fetch at @offset: the range starts at the
 * batch that contains @offset (a consumer drops the records before its
 * offset), holds at most @max_bytes (more only for the first batch with
 * KAFKA_LOG_READ_MIN_ONE), may end inside a batch (Kafka's "partial
 * message at the end", which clients drop and fetch again), and never
 * crosses the end of a segment: read again at @next_offset for more.
 *
 * Returns 0 and fills @out (an empty range when @offset is the high
 * watermark: nothing new yet), or -ERANGE (OFFSET_OUT_OF_RANGE) when
 * @offset is below the log start or above the high watermark; @out's
 * log_start and high_watermark are set then too. Other errors (-ENOMEM,
 * -EMFILE, -EIO) leave @out empty. Reads batch headers (a few KiB at most,
 * normally from the page cache) but no record data. Takes the log's mutex
 * only to look up the indexes.
 */
int kafka_log_read(struct kafka_log *log, int64_t offset, size_t max_bytes,
		   unsigned int flags, struct kafka_log_slice *out);

/* Drops the slice's reference on its store and empties it. */
void kafka_log_slice_exit(struct kafka_log_slice *s);

/* Special timestamps of ListOffsets, accepted by kafka_log_offset_for_time. */
#define KAFKA_LOG_TS_LATEST	(-1)	/* the high watermark */
#define KAFKA_LOG_TS_EARLIEST	(-2)	/* the log start offset */

/*
 * ListOffsets by time: the earliest offset whose record timestamp is >=
 * @ts, and that timestamp, found through the time index. For uncompressed
 * batches this is the exact record; for a compressed batch (never
 * decompressed here) it is the batch's base offset with its max timestamp.
 * No such record: *@offset = -1 and *@timestamp = -1, return 0 (Kafka's
 * answer). KAFKA_LOG_TS_LATEST and _EARLIEST give the high watermark and
 * the log start with timestamp -1. @timestamp may be NULL. Returns 0 or
 * -errno (-EIO, -ENOMEM). Reads batch headers (and, for the exact record,
 * one uncompressed batch) from the file.
 */
int kafka_log_offset_for_time(struct kafka_log *log, int64_t ts,
			      int64_t *offset, int64_t *timestamp);

/* The first offset still stored (retention moves it forward). */
int64_t kafka_log_start_offset(struct kafka_log *log);

/*
 * The high watermark: the offset the next append gets, counting only data
 * readers may see (under ALWAYS: synced). One node, so it is also the log
 * end offset and the last stable offset.
 */
int64_t kafka_log_end_offset(struct kafka_log *log);

/*
 * Makes every appended byte durable: fdatasync of each segment written
 * since the last flush (outside the mutex, so appends and reads go on),
 * then records the new recovery point. Costs nothing when nothing was
 * appended since the last flush. The broker's timer calls it every
 * flush_ms under INTERVAL; under NEVER an occasional call (Kafka
 * checkpoints every minute) bounds what recovery reads after a crash
 * without making appends wait.
 * Returns 0 or -errno (-EIO is sticky as for kafka_log_append). Blocks on
 * the disk.
 */
int kafka_log_flush(struct kafka_log *log);

/*
 * Applies retention at wall-clock time @now_ms: forgets idle idempotent
 * producers (producer_expiration_ms), writes their snapshot when the log
 * grew since the last (so that a restart after a crash reads only the
 * batches after it), and deletes whole segments,
 * oldest first, while they are older than retention_ms (their newest
 * batch timestamp) or while the log without them stays at least
 * retention_bytes large. The active segment is deleted only by time and
 * only when every batch in it has expired: the log first rolls to a new
 * empty segment, so the start offset survives a restart. Reads already
 * handed out keep working (their stores hold the file open). Returns the
 * number of segments deleted, or -errno. Blocks on the disk (unlink).
 */
int kafka_log_retention(struct kafka_log *log, int64_t now_ms);

/*
 * Long-poll support: @fn(@arg, @end) is called after the high watermark
 * moved to @end (an append became visible). It runs on the appending (or
 * flushing) thread, after the log's mutex is released; it may call the
 * read functions of this log but must not append to it, and should only
 * wake the fetches waiting for this partition (an eventfd write, say).
 * @fn NULL removes the hook. A waiter may also just compare
 * kafka_log_end_offset with the offset it waits past.
 */
typedef void (*kafka_log_notify_fn)(void *arg, int64_t end);
void kafka_log_set_notify(struct kafka_log *log, kafka_log_notify_fn fn,
			  void *arg);

/* Counters for metrics and tests: a consistent snapshot. */
struct kafka_log_stats {
	int64_t log_start;		/* kafka_log_start_offset */
	int64_t high_watermark;		/* kafka_log_end_offset */
	int64_t recovery_point;		/* synced below this offset */
	uint64_t bytes;			/* size of all segments */
	uint32_t segments;
	uint64_t appends;		/* successful kafka_log_append calls */
	uint64_t appended_bytes;
	uint64_t syncs;			/* fdatasync/fsync calls: segments,
					   index files, the directory */
	uint64_t rolls;
	uint64_t deleted_segments;	/* by retention */
	/* What kafka_log_open found and repaired. */
	uint64_t recovered_segments;	/* scanned with CRC checks */
	uint64_t truncated_bytes;	/* cut off as torn or invalid */
	uint32_t dropped_segments;	/* deleted after a cut */
	uint32_t rebuilt_indexes;	/* .index/.timeindex files rewritten */
	uint64_t duplicates;		/* idempotent retries, unwritten */
	uint32_t producers;		/* producer ids rebuilt at open */
	uint64_t producers_expired;	/* forgotten: idle too long */
	uint32_t producer_scanned_segments;	/* ... read for it */
	uint32_t producer_scan_errors;	/* ... segments cut short */
	bool producer_snapshot;		/* ... from a snapshot */
	uint64_t producer_snapshots;	/* snapshots written */
};

void kafka_log_stats(struct kafka_log *log, struct kafka_log_stats *st);

/*
 * The largest producer id found in this log (at open, or appended since),
 * or -1: the broker never hands out an id at or below it again.
 */
int64_t kafka_log_max_producer_id(struct kafka_log *log);

/* The directory name of a partition: "TOPIC-PARTITION". */
#define KAFKA_LOG_TOPIC_MAX	249
#define KAFKA_LOG_DIRNAME_MAX	(KAFKA_LOG_TOPIC_MAX + 12)

/* True when @topic is a legal Kafka topic name (and so a safe dir name). */
bool kafka_log_topic_valid(const char *topic, size_t len);

/*
 * Writes "@topic-@partition" (NUL-terminated) to @buf of @size bytes.
 * Returns its length, -EINVAL for a bad topic or a negative partition, or
 * -ENAMETOOLONG when @size is too small.
 */
int kafka_log_dirname(char *buf, size_t size, const char *topic,
		      int32_t partition);

/*
 * The reverse, for the broker's scan of the data directory at start: when
 * @name is "TOPIC-N" with a valid topic and N a partition number, copies
 * TOPIC (NUL-terminated) to @topic (at least KAFKA_LOG_TOPIC_MAX + 1
 * bytes), sets *@partition and returns 0; else -EINVAL. Topics may
 * contain '-': the number follows the last one.
 */
int kafka_log_dirname_parse(const char *name, char *topic,
			    int32_t *partition);

#endif
