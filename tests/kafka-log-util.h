/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-log-util.h - helpers for the partition log tests
 * (kafka-log.c, kafka-recovery.c): real record batches (v2, uncompressed
 * records, a correct CRC32C) built from a seed so that a test can build
 * the same batch again to compare it, and a walk over a whole log through
 * kafka_log_read that checks every batch it is served.
 */
#ifndef ZC_TESTS_KAFKA_LOG_UTIL_H
#define ZC_TESTS_KAFKA_LOG_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "kafka/batch.h"
#include "kafka/crc32c.h"
#include "kafka/log.h"

struct t_batch {
	uint8_t *p;
	size_t len;
	int n;			/* records */
};

static inline size_t t_put_varint(uint8_t *p, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;

	while (u >= 0x80) {
		p[n++] = (uint8_t)(u | 0x80);
		u >>= 7;
	}
	p[n++] = (uint8_t)u;
	return n;
}

static inline void t_put_be(uint8_t *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static inline uint64_t t_get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * A batch of @n records (base offset 0, leader epoch -1), record i with a
 * @vsize-byte value of pattern @seed and timestamp @ts0 + i * @step;
 * @attrs goes into the attributes (a codec bit makes it "compressed":
 * the log never looks inside).
 */
static inline struct t_batch t_batch_make(int n, size_t vsize,
					  unsigned int seed, int64_t ts0,
					  int64_t step, int16_t attrs)
{
	struct t_batch b;
	size_t cap = 61 + (size_t)n * (vsize + 40), off = 61, rl;
	uint8_t rec[64], *p;
	int64_t max = ts0;
	int i;

	p = calloc(1, cap);
	assert_non_null(p);
	for (i = 0; i < n; i++) {
		rl = 0;
		rec[rl++] = 0;				/* attributes */
		rl += t_put_varint(rec + rl, (int64_t)i * step);
		rl += t_put_varint(rec + rl, i);	/* offset delta */
		rl += t_put_varint(rec + rl, -1);	/* null key */
		rl += t_put_varint(rec + rl, (int64_t)vsize);
		off += t_put_varint(p + off, (int64_t)(rl + vsize + 1));
		memcpy(p + off, rec, rl);
		off += rl;
		t_fill(p + off, vsize, (uint64_t)i * vsize, seed);
		off += vsize;
		p[off++] = 0;				/* no headers */
		if (ts0 + i * step > max)
			max = ts0 + i * step;
	}
	t_put_be(p + 0, 0, 8);
	t_put_be(p + 8, off - 12, 4);
	t_put_be(p + 12, (uint32_t)-1, 4);
	p[16] = 2;
	t_put_be(p + 21, (uint16_t)attrs, 2);
	t_put_be(p + 23, (uint32_t)(n - 1), 4);
	t_put_be(p + 27, (uint64_t)ts0, 8);
	t_put_be(p + 35, (uint64_t)max, 8);
	t_put_be(p + 43, (uint64_t)-1, 8);
	t_put_be(p + 51, (uint16_t)-1, 2);
	t_put_be(p + 53, (uint32_t)-1, 4);
	t_put_be(p + 57, (uint32_t)n, 4);
	t_put_be(p + 17, kafka_crc32c(0, p + 21, off - 21), 4);
	b.p = p;
	b.len = off;
	b.n = n;
	return b;
}

/* What the log stores for @b at @base: base offset and epoch patched. */
static inline void t_batch_patch(struct t_batch *b, int64_t base,
				 int32_t epoch)
{
	t_put_be(b->p, (uint64_t)base, 8);
	t_put_be(b->p + 12, (uint32_t)epoch, 4);
}

static inline void t_batch_free(struct t_batch *b)
{
	free(b->p);
	b->p = NULL;
}

/* The data directory fd of @path. */
static inline int t_dirfd(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* Reads @len bytes of a slice's file range into a new buffer. */
static inline uint8_t *t_slice_bytes(const struct kafka_log_slice *s)
{
	uint8_t *p = malloc(s->len ? s->len : 1);

	assert_non_null(p);
	if (s->len)
		assert_int_equal(pread(s->file->fd, p, s->len, s->pos),
				 (ssize_t)s->len);
	return p;
}

/*
 * Reads the whole log from its start through kafka_log_read, segment by
 * segment, and checks every batch: offsets follow on, CRC32C right.
 * Returns the number of batches; *@end gets the offset after the last.
 */
static inline long t_log_walk(struct kafka_log *log, int64_t *end)
{
	int64_t off = kafka_log_start_offset(log);
	struct kafka_log_slice s;
	long batches = 0;
	size_t pos, size;
	uint8_t *p;

	for (;;) {
		assert_int_equal(kafka_log_read(log, off, SIZE_MAX, 0, &s), 0);
		if (!s.len)
			break;
		assert_int_equal(s.first_offset, off);
		assert_true(s.next_offset > off);
		p = t_slice_bytes(&s);
		for (pos = 0; pos < s.len; pos += size) {
			assert_true(s.len - pos >= 61);
			assert_int_equal((int64_t)t_get_be(p + pos, 8), off);
			size = (size_t)t_get_be(p + pos + 8, 4) + 12;
			assert_true(size <= s.len - pos);
			assert_int_equal(t_get_be(p + pos + 17, 4),
					 kafka_crc32c(0, p + pos + 21,
						      size - 21));
			off += (int64_t)t_get_be(p + pos + 23, 4) + 1;
			batches++;
		}
		assert_int_equal(off, s.next_offset);
		free(p);
		kafka_log_slice_exit(&s);
	}
	*end = off;
	return batches;
}

#endif
