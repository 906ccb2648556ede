/* SPDX-License-Identifier: MIT */
/*
 * kafka/producer_state.h - what a partition remembers about idempotent
 * producers (Kafka's ProducerStateManager / ProducerAppendInfo): for each
 * producer id, its current epoch and its last five batches (sequence range,
 * offset range, max timestamp). Pure bookkeeping: no I/O, no lock. The log
 * keeps one per partition under its mutex (log_producer.c), so that
 * checking a batch and appending it is one atomic step.
 *
 * Rules for a batch with producer id >= 0 (kafka_pstate_check), in order:
 *  1. epoch older than the producer's: INVALID_PRODUCER_EPOCH (47);
 *  2. same epoch, same first and last sequence as one of the last five
 *     batches: a duplicate (DUPLICATE_SEQUENCE_NUMBER, 46, returned here
 *     with the original batch; the broker answers it as a success with
 *     the original base offset, as Kafka 2.x+ does);
 *  3. newer epoch (a bump): must start at sequence 0, else
 *     OUT_OF_ORDER_SEQUENCE_NUMBER (45);
 *  4. same epoch: the first sequence must follow the last one (INT32_MAX
 *     wraps to 0), else OUT_OF_ORDER_SEQUENCE_NUMBER;
 *  5. unknown producer id: sequence 0 starts it; any other sequence is
 *     UNKNOWN_PRODUCER_ID (59), on which librdkafka 2.0.2 resets its id and
 *     retries when no message can be duplicated, and fails fatally
 *     otherwise (rdkafka_request.c, rd_kafka_handle_idempotent_Produce_error).
 * Kafka's own answers, ProducerAppendInfo.checkSequence (2.x).
 *
 * Memory: about 200 bytes per producer id per partition it wrote to,
 * until kafka_pstate_expire forgets it (Kafka's producer id expiration).
 */
#ifndef ZC_KAFKA_PRODUCER_STATE_H
#define ZC_KAFKA_PRODUCER_STATE_H

#include <stdint.h>

#include "kafka/batch.h"

/* Kafka's ProducerStateEntry.NumBatchesToRetain. */
#define KAFKA_PSTATE_BATCHES 5

struct kafka_pbatch {
	int32_t first_seq;
	int32_t last_seq;
	int64_t base_offset;
	int64_t last_offset;
	int64_t timestamp;		/* the batch's max timestamp */
};

struct kafka_producer {
	int64_t id;			/* -1: a free slot */
	int64_t last_ms;		/* broker clock of its last batch */
	int16_t epoch;
	uint8_t n;			/* batches held, newest at b[head] */
	uint8_t head;
	struct kafka_pbatch b[KAFKA_PSTATE_BATCHES];
};

/* One partition's producers: an open-addressing table by id. */
struct kafka_pstate {
	struct kafka_producer *tab;
	uint32_t cap;			/* a power of two, or 0 */
	uint32_t n;
	int64_t max_id;			/* the largest id seen, or -1 */
};

void kafka_pstate_init(struct kafka_pstate *ps);
void kafka_pstate_exit(struct kafka_pstate *ps);

/* The last sequence of a batch: base_sequence + lastOffsetDelta, wrapping. */
int32_t kafka_seq_add(int32_t seq, int32_t n);

/*
 * Checks batch @h (producer_id >= 0) against the rules above. Returns
 * KAFKA_NONE (0: append it, then call kafka_pstate_update), a Kafka error
 * code (45, 47, 59: refuse it), KAFKA_DUPLICATE_SEQUENCE_NUMBER with the
 * original batch in *@dup (do not append; acknowledge *@dup), or -ENOMEM.
 * On KAFKA_NONE room for the producer is reserved, so the update that
 * follows cannot fail. Changes nothing else.
 */
int kafka_pstate_check(struct kafka_pstate *ps,
		       const struct kafka_batch_hdr *h,
		       struct kafka_pbatch *dup);

/*
 * Records batch @h, whose base_offset is the one the log gave it: after
 * a successful append, and for every batch read back at recovery (no rule
 * checked then: the log is the truth). A newer epoch forgets the older
 * epoch's batches; the oldest of five is dropped. @now_ms is the broker's
 * wall clock (at recovery: the time of the open), which expiration
 * counts from. Returns 0, or -ENOMEM (only when no kafka_pstate_check
 * reserved room).
 */
int kafka_pstate_update(struct kafka_pstate *ps,
			const struct kafka_batch_hdr *h, int64_t now_ms);

/*
 * Forgets the producers whose last batch came before @before (broker
 * clock; Kafka counts from the batch's own timestamp, which a producer
 * replaying old data sets in the past: its state would go at once).
 * Their next batch will be UNKNOWN_PRODUCER_ID unless it starts a
 * sequence at 0. Returns how many went; 0 also when out of memory (the
 * table is rebuilt: try again later).
 */
uint32_t kafka_pstate_expire(struct kafka_pstate *ps, int64_t before);

/* The producer @id, or NULL. */
const struct kafka_producer *kafka_pstate_find(const struct kafka_pstate *ps,
					       int64_t id);

/*
 * Snapshots: the whole state as it was at log offset @offset, so that a
 * clean restart need not read the log to rebuild it. The bytes are
 * "ZCPS", the CRC32C of everything after these 8 bytes, then (little-
 * endian) i64 offset, u32 count, and per producer i64 id, i64 last_ms,
 * i16 epoch, u8 batches, u8 0, and per batch (oldest first) i32 first and
 * last sequence, i64 base and last offset, i64 timestamp.
 *
 * kafka_pstate_snap_size is the size of @ps's snapshot;
 * kafka_pstate_snap_write writes it to @buf (that many bytes).
 * kafka_pstate_snap_read adds the producers in the @len bytes at @buf to
 * an empty @ps and sets *@offset: 0, -EBADMSG for anything malformed
 * (CRC, lengths, counts, offsets or sequences that do not agree), or
 * -ENOMEM; @ps may hold part of it on error (kafka_pstate_exit it).
 */
size_t kafka_pstate_snap_size(const struct kafka_pstate *ps);
void kafka_pstate_snap_write(const struct kafka_pstate *ps, int64_t offset,
			     uint8_t *buf);
int kafka_pstate_snap_read(struct kafka_pstate *ps, const uint8_t *buf,
			   size_t len, int64_t *offset);

#endif
