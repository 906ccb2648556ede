/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/topic.h - the broker's registry of topics and partitions: what
 * is in the data directory at start (every "TOPIC-N" directory, recovered
 * by kafka_log_open), plus the topics created while the broker runs
 * (auto-creation on Metadata and Produce). Each partition owns its log
 * (kafka/log.h) and the bookkeeping of the fetches that wait for it.
 *
 * Threads: workers look topics up and create them concurrently; the
 * registry takes a lock for that. A topic, once found, stays valid and
 * unchanged (partitions are never added or removed) until
 * kafka_topics_close, so callers use it without a lock. That holds for a
 * deleted topic too (kafka_topic_delete): it leaves the lookups at once,
 * its directories leave the data directory, but the struct stays until
 * kafka_topics_close, because lookups hand out pointers without
 * references (produce, fetch, parked fetches, metrics gauges). Its logs
 * are closed (disk space freed, part->log NULL) by kafka_topics_reap once
 * the broker knows nobody can still be using them; whoever keeps a
 * partition across event-loop iterations must check kafka_topic_deleted
 * before touching its log.
 */
#ifndef ZC_KAFKA_TOPIC_H
#define ZC_KAFKA_TOPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka/log.h"
#include "kafka/wire.h"

struct kafka_topic;

struct kafka_part {
	struct kafka_topic *topic;
	int32_t id;
	struct kafka_log *log;
	/*
	 * Long-poll wakeups (fetch.c): bit (worker % 64) is set while that
	 * worker has a fetch waiting for this partition; @wait_count[worker]
	 * counts those fetches and is touched by its worker only.
	 */
	uint64_t wait_mask;
	uint32_t *wait_count;
	int metric;			/* its offset gauge's id, or -1 */
	void *ctx;			/* the broker's (notify hook) */
};

struct kafka_topic {
	char name[KAFKA_LOG_TOPIC_MAX + 1];
	uint16_t name_len;
	uint32_t nr_parts;
	struct kafka_part *parts;
	struct kafka_topic *hnext;	/* hash chain; graveyard once deleted */
	/* Set (atomically) by kafka_topic_delete; see kafka_topic_deleted. */
	bool deleted;
	uint64_t del_epoch;		/* kafka_topics_epoch it was deleted at */
	bool reaped;			/* logs closed (kafka_topics_reap) */
};

/*
 * Whether @tp was deleted. Whoever kept a pointer from before (a parked
 * fetch) answers UNKNOWN_TOPIC_OR_PARTITION for it from then on.
 */
static inline bool kafka_topic_deleted(const struct kafka_topic *tp)
{
	return __atomic_load_n(&tp->deleted, __ATOMIC_SEQ_CST);
}

struct kafka_topics;

/*
 * Called for every partition the registry opens, before it is visible to
 * lookups: the broker sets the log's notify hook and registers metrics.
 */
typedef void (*kafka_part_hook)(void *arg, struct kafka_part *p);

struct kafka_topics_cfg {
	int dirfd;			/* the data directory, kept open */
	struct kafka_log_cfg log;	/* for every partition */
	unsigned int nr_workers;	/* sizes wait_count */
	kafka_part_hook on_open;	/* may be NULL */
	void *arg;
};

/*
 * Opens the registry over @cfg->dirfd: every "TOPIC-N" directory found
 * is opened (and recovered) with kafka_log_open; a topic gets as many
 * partitions as its highest N + 1, missing ones are created. Directories
 * that do not parse as TOPIC-N are left alone (and logged). Returns 0 and
 * *@out, or -errno (the first partition that fails stops the start).
 * Blocks on the disk, for as long as recovery takes.
 */
int kafka_topics_open(const struct kafka_topics_cfg *cfg,
		      struct kafka_topics **out);

/* Closes every log (flushing it) and frees the registry. Blocks. */
void kafka_topics_close(struct kafka_topics *t);

/* The topic named @name, or NULL. Never blocks for long. */
struct kafka_topic *kafka_topic_find(struct kafka_topics *t,
				     const struct kafka_str *name);

/*
 * Creates topic @name with @nr_parts partitions (directories and empty
 * first segments), or finds it when it exists already (another worker
 * may have been first). Returns 0 and *@out; -EINVAL for a name Kafka
 * does not allow; -errno from the file system. Blocks on the disk.
 */
int kafka_topic_create(struct kafka_topics *t, const struct kafka_str *name,
		       uint32_t nr_parts, struct kafka_topic **out);

/*
 * kafka_topic_create for CreateTopics: -EEXIST when @name exists already
 * (created by anyone, even a moment earlier), never finds. Blocks.
 */
int kafka_topic_create_new(struct kafka_topics *t,
			   const struct kafka_str *name, uint32_t nr_parts,
			   struct kafka_topic **out);

/*
 * Deletes topic @name (topic_delete.c has the rule): its partition
 * directories are renamed away from the data directory atomically (a
 * crash at any point leaves the topic whole or gone at the next start)
 * and removed, it leaves the lookups and lists, and kafka_topic_deleted
 * becomes true. The struct stays valid until kafka_topics_close, its logs
 * until kafka_topics_reap, for whoever still holds it. Returns 0 and
 * *@out (when @out is not NULL), -ENOENT when there is no such topic,
 * -errno from the file system (the topic is then left as it was). Blocks
 * on the disk.
 */
int kafka_topic_delete(struct kafka_topics *t, const struct kafka_str *name,
		       struct kafka_topic **out);

/*
 * The number of deletions so far. A thread that reads it as E and then
 * finishes everything it started before holds no pointer into a topic
 * deleted at an epoch <= E (those left the lookups before E was counted).
 */
uint64_t kafka_topics_epoch(struct kafka_topics *t);

/*
 * Closes the logs of deleted topics for which @safe(@arg, tp) says no one
 * can use them any more (the broker asks its workers), at most a few per
 * call, and sets their parts' log to NULL. Returns how many deleted
 * topics still have their logs open. One caller at a time (the
 * housekeeping thread). Blocks on the disk (the logs' last flush).
 */
uint32_t kafka_topics_reap(struct kafka_topics *t,
			   bool (*safe)(void *arg, const struct kafka_topic *tp),
			   void *arg);

/* The partition @id of @tp, or NULL when out of range. */
static inline struct kafka_part *kafka_topic_part(struct kafka_topic *tp,
						  int32_t id)
{
	return id >= 0 && (uint32_t)id < tp->nr_parts ? &tp->parts[id] : NULL;
}

/* Topics now. */
uint32_t kafka_topics_count(struct kafka_topics *t);

/*
 * Up to @max topics, in creation order, into @out; returns how many. For
 * Metadata "all topics" and the housekeeping thread: the array is a
 * snapshot, the topics stay valid.
 */
uint32_t kafka_topics_list(struct kafka_topics *t, struct kafka_topic **out,
			   uint32_t max);

#endif
