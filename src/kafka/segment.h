/* SPDX-License-Identifier: MIT */
/*
 * kafka/segment.h - one segment of a partition log (private to the log):
 * NNNNNNNNNNNNNNNNNNNN.log holding whole record batches back to back from
 * offset NNN on, and its two indexes (kafka/index.h).
 *
 * The fields are the log's to read and write under its mutex (log_int.h).
 * Bytes of the .log below @vis_size never change while the segment is
 * open, which is what lets readers pread and sendfile them without the
 * mutex.
 */
#ifndef ZC_KAFKA_SEGMENT_H
#define ZC_KAFKA_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka/batch.h"
#include "kafka/index.h"

/* "00000000000000000000.timeindex" + NUL, and some room. */
#define KAFKA_SEG_NAME_MAX 40

/* No timestamp seen yet. */
#define KAFKA_TS_NONE INT64_MIN

struct kafka_seg {
	int64_t base;		/* offset of the first batch; the file name */
	int64_t end;		/* offset after the last batch written */
	uint64_t size;		/* bytes of whole batches written */
	int64_t vis_end;	/* readers see offsets below this... */
	uint64_t vis_size;	/* ...which are the bytes below this */
	int64_t max_ts;		/* largest batch max_timestamp, or NONE */
	int64_t max_ts_off;	/* base offset of the batch that has it */
	int64_t roll_ms;	/* the age limit counts from here, or NONE */
	int fd;			/* the .log, read-write */
	bool dirty;		/* written since its last fdatasync */
	bool sealed;		/* not the active segment any more */
	struct kafka_idx idx;	/* .index */
	struct kafka_idx tidx;	/* .timeindex */
};

/* Writes the file name of segment @base with extension @ext (".log"...). */
void kafka_seg_name(char *buf, int64_t base, const char *ext);

/*
 * Parses a file name "NNNNNNNNNNNNNNNNNNNN@ext" (20 digits exactly):
 * returns true and *@base when it is one.
 */
bool kafka_seg_name_parse(const char *name, const char *ext, int64_t *base);

/*
 * A new empty active segment @base in @dirfd: creates the .log (it must
 * not exist) and empty index files. Returns NULL with *@err on failure,
 * having removed what it created.
 */
struct kafka_seg *kafka_seg_create(int dirfd, int64_t base, int *err);

/*
 * Opens the existing segment @base for recovery: the .log only; its size
 * is in @size and nothing is known yet about its batches (end == base).
 */
struct kafka_seg *kafka_seg_open(int dirfd, int64_t base, int *err);

/* Closes the files and frees @seg. */
void kafka_seg_free(struct kafka_seg *seg);

/* Unlinks the three files of @seg (they stay open: readers keep theirs). */
void kafka_seg_unlink(int dirfd, const struct kafka_seg *seg);

/*
 * Accounts for the batch @h stored at @pos (the segment's end): advances
 * end, size and the max timestamp, and adds an offset index entry when
 * @pos is at least @interval bytes past the last one (plus a time entry
 * when the max timestamp grew since the last time entry). The same rule
 * runs on append and when an index is rebuilt, so both give the same
 * index. Returns 0 or -ENOMEM (entries lost: the index is a hint, the
 * caller may ignore it).
 */
int kafka_seg_account(struct kafka_seg *seg, const struct kafka_batch_hdr *h,
		      uint64_t pos, uint32_t interval);

/*
 * Seals @seg (it is not the active segment any more): a last time index
 * entry for its max timestamp, the pending entries written, both indexes
 * mapped read-only. Never fails.
 */
void kafka_seg_seal(struct kafka_seg *seg, int dirfd);

/* Writes the pending index entries of the active segment (a hint). */
void kafka_seg_write_index(struct kafka_seg *seg);

/* Everything written is visible (not under ALWAYS until synced). */
static inline void kafka_seg_show_all(struct kafka_seg *seg)
{
	seg->vis_end = seg->end;
	seg->vis_size = seg->size;
}

/*
 * Reading batch headers from a segment file through a buffer, for lookups
 * and recovery; does not touch the segment struct, so it runs without the
 * log's mutex on a dup of the fd.
 */
struct kafka_scan {
	int fd;
	uint64_t pos;		/* start of the current batch */
	uint64_t limit;		/* stop here (bytes readers may see) */
	uint8_t *buf;
	size_t cap;
	uint64_t buf_pos;	/* file offset of buf[0] */
	size_t buf_len;		/* bytes held */
	uint8_t inline_buf[8192];
};

/*
 * Starts at @pos; @cap is the buffer size (0: the inline 8 KiB, enough for
 * lookups; recovery reads with 1 MiB). A failed allocation falls back to
 * the inline buffer.
 */
void kafka_scan_init(struct kafka_scan *s, int fd, uint64_t pos,
		     uint64_t limit, size_t cap);
void kafka_scan_exit(struct kafka_scan *s);

/*
 * Reads the header of the batch at s->pos into @h. Returns 1 when there
 * is one, 0 at @limit exactly, -EBADMSG when the bytes there are not a
 * whole plausible batch (short, a bad length or magic, a negative
 * lastOffsetDelta, running past @limit), or -errno from pread.
 */
int kafka_scan_next(struct kafka_scan *s, struct kafka_batch_hdr *h);

/* Moves past the batch kafka_scan_next returned. */
static inline void kafka_scan_skip(struct kafka_scan *s,
				   const struct kafka_batch_hdr *h)
{
	s->pos += (uint64_t)kafka_batch_size(h);
}

/*
 * Checks the CRC32C of the batch @h at s->pos, reading it in pieces
 * through the buffer. Returns 0, -EBADMSG on a mismatch, or -errno.
 */
int kafka_scan_crc(struct kafka_scan *s, const struct kafka_batch_hdr *h);

/*
 * Reads the whole batch @h at s->pos into a new buffer (free() it).
 * Returns 0 and *@out or -errno.
 */
int kafka_scan_read(struct kafka_scan *s, const struct kafka_batch_hdr *h,
		    uint8_t **out);

#endif
