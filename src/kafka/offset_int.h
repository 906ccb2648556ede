/* SPDX-License-Identifier: MIT */
/*
 * kafka/offset_int.h - shared by offset_store.c (the map, commits and
 * syncs) and offset_file.c (the file format, replay, repair and
 * compaction) only.
 */
#ifndef ZC_KAFKA_OFFSET_INT_H
#define ZC_KAFKA_OFFSET_INT_H

#include <pthread.h>

#include "kafka/offset_store.h"

#define KAFKA_OFFSETS_MAGIC "ZCOF"
#define KAFKA_OFFSETS_VERSION 1
#define KAFKA_OFFSETS_HDR_LEN 8
/* len + crc before each body */
#define KAFKA_OFFSETS_REC_HDR 8
/* type 1 + partition 4 + offset 8 + epoch 4 + timestamp 8 + 3 lengths 6 */
#define KAFKA_OFFSETS_BODY_MIN 31
#define KAFKA_OFFSETS_BODY_MAX (KAFKA_OFFSETS_BODY_MIN + \
				3 * KAFKA_OFFSETS_STR_MAX)
#define KAFKA_OFFSETS_REC_COMMIT 1

/* One key and its value: a node of the map, and one record's content. */
struct kafka_offsets_ent {
	struct kafka_offsets_ent *next;		/* in its bucket */
	uint64_t hash;
	/* The file end after the record that set it: under ALWAYS values
	 * are applied after their sync, possibly out of file order, and the
	 * later record must win. 0 for what open loaded. */
	uint64_t seq;
	int64_t offset;
	int64_t commit_ts;
	int32_t partition;
	int32_t leader_epoch;
	uint16_t glen, tlen, mlen;
	char data[];				/* group, topic, metadata */
};

struct kafka_offsets {
	pthread_mutex_t mu;		/* everything below but @fd's syncs */
	pthread_mutex_t sync_mu;	/* one fdatasync at a time */
	struct kafka_offsets_ent **buckets;
	uint32_t nbuckets;		/* a power of 2 */
	int fd;
	int dirfd;
	int flush;			/* enum kafka_log_flush */
	uint64_t size;			/* the file's good end */
	uint64_t synced;		/* what fdatasync covered */
	int err;			/* sticky: commits refused */
	struct kafka_offsets_stats st;	/* st.keys: entries in the map */
};

static inline const char *
kafka_offsets__group(const struct kafka_offsets_ent *e)
{
	return e->data;
}

static inline const char *
kafka_offsets__topic(const struct kafka_offsets_ent *e)
{
	return e->data + e->glen;
}

static inline const char *
kafka_offsets__meta(const struct kafka_offsets_ent *e)
{
	return e->data + e->glen + e->tlen;
}

/* offset_store.c: a new entry (not in the map); NULL when out of memory. */
struct kafka_offsets_ent *kafka_offsets__ent_new(const char *group,
						 uint16_t glen,
						 const char *topic,
						 uint16_t tlen,
						 const char *meta,
						 uint16_t mlen);

/*
 * offset_store.c: puts @e in the map under @s->mu (held), replacing the
 * entry of its key unless that one has a higher seq (then @e is freed).
 */
void kafka_offsets__insert(struct kafka_offsets *s,
			   struct kafka_offsets_ent *e);

/* offset_file.c: the size of @e's record, and its bytes at @p. */
size_t kafka_offsets__rec_size(const struct kafka_offsets_ent *e);
void kafka_offsets__rec_encode(uint8_t *p, const struct kafka_offsets_ent *e);

/*
 * offset_file.c: opens, replays, repairs and compacts the file into @s
 * (whose map and dirfd are set up); sets s->fd, size, synced and the
 * open half of s->st. 0 or a negative errno (s->fd closed then).
 */
int kafka_offsets__load(struct kafka_offsets *s);

#endif
