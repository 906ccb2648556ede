/* SPDX-License-Identifier: MIT */
/*
 * kafka/index.h - the two sparse indexes of a log segment (private to the
 * log: kafka/log*.c, segment*.c).
 *
 * Both are arrays of fixed-size big-endian entries, in memory exactly as
 * in their files (Kafka's formats, so its tools could read them):
 *   .index      u32 relative offset, u32 file position      (8 bytes)
 *   .timeindex  i64 timestamp, u32 relative offset           (12 bytes)
 * A relative offset is the base offset of a batch minus the segment's base
 * offset, and the position is where that batch starts in the .log.
 *
 * While its segment is active an index lives on the heap and grows;
 * entries reach the file in batches (kafka_idx_write) at flushes, rolls
 * and close, and the disk with the next sync (log_flush.c). They are
 * hints: recovery checks them (kafka_idx_check_*), copes with a time index
 * that a crash left shorter than the offset index, and rebuilds them from
 * the .log when they do not check out (log_recover.c). A sealed segment's index is a
 * read-only shared mapping of its file, so that a large log costs page
 * cache, not heap. A sealed index file is never written again while
 * mapped (retention only unlinks it), so the mapping cannot raise SIGBUS.
 */
#ifndef ZC_KAFKA_INDEX_H
#define ZC_KAFKA_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KAFKA_IDX_OFF_SIZE 8
#define KAFKA_IDX_TIME_SIZE 12

struct kafka_idx {
	uint8_t *ent;		/* entries, file format */
	uint32_t n;		/* entries held */
	uint32_t cap;		/* heap capacity in entries; 0 when mapped */
	uint32_t written;	/* entries [0, written) are in the file */
	uint32_t synced;	/* and [0, synced) are on disk */
	uint32_t esize;		/* KAFKA_IDX_OFF_SIZE or _TIME_SIZE */
	size_t map_len;		/* bytes mapped, when sealed */
	int fd;			/* the file while active, else -1 */
};

void kafka_idx_init(struct kafka_idx *x, uint32_t esize);

/* Frees the memory (or unmaps) and closes the file. */
void kafka_idx_exit(struct kafka_idx *x);

/*
 * Opens @name in the directory @dirfd read-write (created when @create)
 * and reads every whole entry into the heap. Returns 0, -ENOENT when the
 * file is missing (and !@create), -EBADMSG when its size is not a
 * multiple of the entry size (entries are loaded anyway, but a torn file
 * is rebuilt), or -errno.
 */
int kafka_idx_load(struct kafka_idx *x, int dirfd, const char *name,
		   bool create);

/* Drops every entry and empties the file (before a rebuild). */
int kafka_idx_reset(struct kafka_idx *x);

/* Appends one entry on the heap. -ENOMEM, or -EROFS once sealed. */
int kafka_idx_add_off(struct kafka_idx *x, uint32_t rel, uint32_t pos);
int kafka_idx_add_time(struct kafka_idx *x, int64_t ts, uint32_t rel);

/* Entry @i (below x->n). */
void kafka_idx_off_at(const struct kafka_idx *x, uint32_t i, uint32_t *rel,
		      uint32_t *pos);
void kafka_idx_time_at(const struct kafka_idx *x, uint32_t i, int64_t *ts,
		       uint32_t *rel);

/*
 * Lookups by binary search: the last offset entry with relative offset <=
 * @rel, or the last time entry with timestamp <= @ts. Return its index or
 * -1 when there is none.
 */
int64_t kafka_idx_find_off(const struct kafka_idx *x, uint32_t rel);
int64_t kafka_idx_find_time(const struct kafka_idx *x, int64_t ts);

/*
 * Checks what can be checked without the .log: offset entries strictly
 * increase in both fields and positions stay below @log_size; time
 * entries strictly increase in timestamp (an entry is added only when the
 * maximum grows) and do not decrease in offset. A page of zeros that
 * reached the disk instead of entries fails these. Returns 0 or -EBADMSG.
 */
int kafka_idx_check_off(const struct kafka_idx *x, uint64_t log_size);
int kafka_idx_check_time(const struct kafka_idx *x);

/*
 * Writes the entries not in the file yet with one pwrite. Returns 0 or
 * -errno; on failure the file is cut back to the entries that were there
 * (the index is a hint: a short file is still a correct one).
 */
int kafka_idx_write(struct kafka_idx *x);

/*
 * Ends the active life: writes the pending entries and replaces the heap
 * copy with a read-only mapping of @name (keeps the heap copy when it
 * cannot map). The file stays open while entries are not synced yet: the
 * next sync takes the fd over. Never fails in a way the caller must
 * handle.
 */
void kafka_idx_seal(struct kafka_idx *x, int dirfd, const char *name);

#endif
