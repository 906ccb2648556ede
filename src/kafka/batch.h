/* SPDX-License-Identifier: MIT */
/*
 * kafka/batch.h - record batches (magic 2): the unit a producer sends,
 * the log stores verbatim and a consumer fetches.
 *
 *   off size field
 *   0   8    base_offset             rewritten by the broker (outside CRC)
 *   8   4    batch_length            bytes after this field
 *   12  4    partition_leader_epoch  set by the broker (outside CRC)
 *   16  1    magic = 2
 *   17  4    crc                     CRC-32C of bytes [21, end)
 *   21  2    attributes              codec:3 | ts_type:1 | txn:1 | ctrl:1 | ..
 *   23  4    last_offset_delta
 *   27  8    first_timestamp
 *   35  8    max_timestamp
 *   43  8    producer_id
 *   51  2    producer_epoch
 *   53  4    base_sequence
 *   57  4    records_count
 *   61  ...  records (compressed as a whole when codec != 0)
 *
 * Nothing here allocates or does I/O: the functions read and patch bytes
 * that the caller holds (a produce request's records, a buffer read from a
 * segment file).
 *
 * Compatible changes since the first version:
 * - kafka_batch_validate: a NULL @p is INVALID_RECORD whatever @len.
 */
#ifndef ZC_KAFKA_BATCH_H
#define ZC_KAFKA_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KAFKA_BATCH_HDR_LEN 61		/* the fixed header above */
#define KAFKA_BATCH_LOG_OVERHEAD 12	/* base_offset + batch_length */
#define KAFKA_BATCH_MAGIC 2
#define KAFKA_BATCH_CRC_OFF 21		/* the CRC covers [21, end) */
/* Kafka's max.message.bytes default: 1 MiB + the log overhead. */
#define KAFKA_BATCH_MAX_DEFAULT 1048588

/* attributes */
#define KAFKA_ATTR_CODEC_MASK 0x07
#define KAFKA_ATTR_LOG_APPEND_TIME 0x08
#define KAFKA_ATTR_TRANSACTIONAL 0x10
#define KAFKA_ATTR_CONTROL 0x20
#define KAFKA_ATTR_DELETE_HORIZON 0x40

enum kafka_codec {
	KAFKA_CODEC_NONE = 0,
	KAFKA_CODEC_GZIP = 1,
	KAFKA_CODEC_SNAPPY = 2,
	KAFKA_CODEC_LZ4 = 3,
	KAFKA_CODEC_ZSTD = 4,
};

/* The decoded fixed header. */
struct kafka_batch_hdr {
	int64_t base_offset;
	int32_t batch_length;
	int32_t partition_leader_epoch;
	int8_t magic;
	uint32_t crc;
	int16_t attributes;
	int32_t last_offset_delta;
	int64_t first_timestamp;
	int64_t max_timestamp;
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
	int32_t records_count;
};

/*
 * Decodes the header at @p for the log: @len bytes are available (a read
 * from a segment file, say). Returns 0; -ENODATA when @len is below
 * KAFKA_BATCH_HDR_LEN (read more: the batch's length is at 8..11 as soon as
 * 12 bytes are in, see kafka_batch_size_at); -EBADMSG when the magic is not
 * 2 or batch_length is below the header's (49) — a torn or foreign tail.
 * Checks nothing else (no CRC: see kafka_batch_validate).
 */
int kafka_batch_hdr_parse(const void *p, size_t len,
			  struct kafka_batch_hdr *h);

/*
 * The whole batch's size (batch_length + 12) from its first 12 bytes, or
 * -ENODATA when @len < 12, -EBADMSG when batch_length is negative or below
 * the header's.
 */
int64_t kafka_batch_size_at(const void *p, size_t len);

/* Bytes of the whole batch on disk / on the wire. */
static inline int64_t kafka_batch_size(const struct kafka_batch_hdr *h)
{
	return (int64_t)h->batch_length + KAFKA_BATCH_LOG_OVERHEAD;
}

static inline int64_t kafka_batch_last_offset(const struct kafka_batch_hdr *h)
{
	return h->base_offset + h->last_offset_delta;
}

static inline int kafka_batch_codec(const struct kafka_batch_hdr *h)
{
	return h->attributes & KAFKA_ATTR_CODEC_MASK;
}

static inline bool kafka_batch_log_append_time(const struct kafka_batch_hdr *h)
{
	return h->attributes & KAFKA_ATTR_LOG_APPEND_TIME;
}

/*
 * The timestamp of the batch for the time index and ListOffsets: its
 * max_timestamp, which is the append time for LogAppendTime batches and
 * the largest record CreateTime otherwise.
 */
static inline int64_t kafka_batch_timestamp(const struct kafka_batch_hdr *h)
{
	return h->max_timestamp;
}

/*
 * The timestamp of a record with @delta (its timestampDelta): for a
 * LogAppendTime batch every record has the batch's max_timestamp (clients
 * do the same), else first_timestamp + delta.
 */
int64_t kafka_batch_record_timestamp(const struct kafka_batch_hdr *h,
				     int64_t delta);

/*
 * Rules for kafka_batch_validate. Zero-initialised means: size limit
 * KAFKA_BATCH_MAX_DEFAULT, any number of batches, no produce-version check,
 * records walked, transactional and control batches refused.
 */
struct kafka_batch_limits {
	uint32_t max_batch_bytes;	/* a whole batch; 0: the default */
	uint32_t max_batches;		/* 0: no limit (Kafka's Produce: 1) */
	int16_t produce_version;	/* >0: zstd needs >= 7 */
	bool skip_records;		/* header + CRC only, no record walk */
	bool allow_transactional;
	bool allow_control;
};

/* What kafka_batch_validate found, for the caller's bookkeeping. */
struct kafka_batch_info {
	uint32_t nr_batches;
	uint64_t nr_records;		/* sum of records_count */
	int64_t first_timestamp;	/* of the first batch */
	int64_t max_timestamp;		/* largest over the batches */
	int64_t producer_id;		/* of the first batch */
	int32_t base_sequence;		/* of the first batch */
	int16_t producer_epoch;		/* of the first batch */
	bool log_append_time;		/* any batch has the bit */
	int codec;			/* of the first batch */
	size_t bad_off;			/* on failure: the bad batch's offset */
};

/*
 * Validates a produced records blob of @len bytes at @p: one or more
 * complete batches back to back. Returns KAFKA_NONE (0) or the Kafka error
 * code for the partition's produce response:
 *   KAFKA_CORRUPT_MESSAGE       a length field out of bounds (batch_length
 *                               below the header, past the blob: a
 *                               truncated last batch), or a CRC mismatch
 *   KAFKA_INVALID_RECORD        empty or null blob, more batches than
 *                               max_batches, magic not 2, records_count
 *                               < 1 or != last_offset_delta + 1,
 *                               producer_id >= 0 with base_sequence < 0,
 *                               unknown attribute bits, transactional or
 *                               control batches not allowed,
 *                               and (uncompressed batches, unless
 *                               skip_records) records that do not parse
 *                               exactly to the batch's end, or whose
 *                               offset deltas are not 0..n-1
 *   KAFKA_MESSAGE_TOO_LARGE     a batch above max_batch_bytes
 *   KAFKA_UNSUPPORTED_COMPRESSION_TYPE  codec 5-7, or zstd below
 *                               produce_version 7
 * @lim may be NULL (defaults); @info may be NULL. Reads only [p, p + len).
 * A null records field (@p NULL) is INVALID_RECORD whatever @len says, so
 * that a kafka_bytes of length -1 can be passed as it is.
 */
int kafka_batch_validate(const void *p, size_t len,
			 const struct kafka_batch_limits *lim,
			 struct kafka_batch_info *info);

/*
 * Sets base_offset (bytes 0-7) of the batch at @p, which must hold at
 * least 12 bytes; outside the CRC, so nothing else changes.
 */
void kafka_batch_set_base_offset(void *p, int64_t base_offset);

/* Sets partition_leader_epoch (bytes 12-15); outside the CRC. */
void kafka_batch_set_leader_epoch(void *p, int32_t epoch);

/*
 * Assigns offsets to a validated blob (what Kafka's append does): the
 * batches at @p get base offsets @first, first + count0, ... in order, and
 * partition leader epoch @epoch. Returns the next offset after the last
 * record. @p, @len as validated by kafka_batch_validate (must be valid).
 */
int64_t kafka_batch_assign_offsets(void *p, size_t len, int64_t first,
				   int32_t epoch);

/*
 * Turns the whole batch at @p (@len bytes, validated) into a LogAppendTime
 * batch stamped @now_ms: sets attribute bit 3 and max_timestamp, then
 * recomputes the CRC (these bytes are inside it). For topics configured
 * with message.timestamp.type=LogAppendTime.
 */
void kafka_batch_set_log_append_time(void *p, size_t len, int64_t now_ms);

#endif
