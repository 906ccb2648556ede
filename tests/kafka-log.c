/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-log.c - kafka/log.h, the broker's partition log, on real
 * files on disk and on tmpfs: appends of real v2 batches (offsets
 * assigned, bytes stored verbatim but for the base offset and leader
 * epoch), reads from every offset including mid-batch ones, max_bytes and
 * KIP-74, out-of-range offsets, segment rolls by size and age, retention
 * by size and age, offsets by timestamp, reopening, bad input, the flush
 * policies and the notify hook, a reader racing an appender, and a fetch
 * sent through a chain with no byte copied in user space.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zcio.h>

#include "helpers.h"
#include "kafka-log-util.h"

#define T0 1700000000000LL	/* a wall-clock time in ms */

static struct kafka_log_cfg cfg_default(void)
{
	struct kafka_log_cfg cfg;

	kafka_log_cfg_init(&cfg);
	return cfg;
}

static struct kafka_log *open_log(int dirfd, const char *topic,
				  const struct kafka_log_cfg *cfg)
{
	struct kafka_log *log = NULL;

	assert_int_equal(kafka_log_open(dirfd, topic, 0, KAFKA_LOG_CREATE, cfg,
					&log), 0);
	assert_non_null(log);
	return log;
}

/* The batches appended by a test, kept to compare what is read back. */
struct appended {
	struct t_batch b[512];
	int64_t base[512];
	int n;
};

static void append_one(struct kafka_log *log, struct appended *a, int recs,
		       size_t vsize, int64_t ts, int64_t now)
{
	struct t_batch *b = &a->b[a->n];
	int64_t base = -1, end = kafka_log_end_offset(log);

	*b = t_batch_make(recs, vsize, (unsigned int)a->n + 1, ts, 1, 0);
	assert_int_equal(kafka_log_append(log, b->p, b->len, now, &base), 0);
	assert_int_equal(base, end);
	/* The log patched the caller's buffer: it now equals the stored. */
	assert_int_equal((int64_t)t_get_be(b->p, 8), base);
	assert_int_equal((int32_t)t_get_be(b->p + 12, 4), 0);
	assert_int_equal(kafka_log_end_offset(log), end + recs);
	a->base[a->n++] = base;
}

static void appended_free(struct appended *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		t_batch_free(&a->b[i]);
	a->n = 0;
}

/* The batch index holding @off. */
static int batch_of(const struct appended *a, int64_t off)
{
	int i;

	for (i = a->n - 1; i > 0 && a->base[i] > off; i--)
		;
	return i;
}

/* Reads at @off and checks the range starts with the right batch. */
static void check_read_at(struct kafka_log *log, const struct appended *a,
			  int64_t off)
{
	struct kafka_log_slice s;
	int i = batch_of(a, off);
	uint8_t *p;

	assert_int_equal(kafka_log_read(log, off, a->b[i].len, 0, &s), 0);
	assert_int_equal(s.first_offset, a->base[i]);
	assert_int_equal(s.len, a->b[i].len);
	p = t_slice_bytes(&s);
	assert_memory_equal(p, a->b[i].p, a->b[i].len);
	free(p);
	kafka_log_slice_exit(&s);
}

static void check_all_reads(struct kafka_log *log, const struct appended *a)
{
	int64_t off, end = kafka_log_end_offset(log);

	for (off = a->base[0]; off < end; off++)
		check_read_at(log, a, off);
}

static void roundtrip(const char *dir)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct appended a = { .n = 0 };
	struct kafka_log_stats st;
	struct kafka_log *log;
	int64_t end;
	int dfd = t_dirfd(dir), i;

	cfg.index_interval_bytes = 1024;
	log = open_log(dfd, "rt", &cfg);
	assert_int_equal(kafka_log_start_offset(log), 0);
	assert_int_equal(kafka_log_end_offset(log), 0);
	for (i = 0; i < 200; i++)
		append_one(log, &a, 1 + i % 7, 10 + (size_t)(i * 37) % 900,
			   T0 + i, T0);
	check_all_reads(log, &a);
	assert_int_equal(t_log_walk(log, &end), 200);
	assert_int_equal(end, kafka_log_end_offset(log));
	kafka_log_stats(log, &st);
	assert_int_equal(st.appends, 200);
	assert_int_equal(st.segments, 1);
	assert_int_equal(st.recovered_segments, 0);	/* a new log */
	assert_int_equal(st.truncated_bytes, 0);
	assert_int_equal(kafka_log_close(log), 0);

	/* Reopened after a clean close: nothing to recover, same bytes. */
	log = open_log(dfd, "rt", &cfg);
	kafka_log_stats(log, &st);
	assert_int_equal(st.recovered_segments, 0);
	assert_int_equal(st.rebuilt_indexes, 0);
	assert_int_equal(st.high_watermark, end);
	assert_int_equal(st.recovery_point, end);
	check_all_reads(log, &a);
	append_one(log, &a, 3, 100, T0, T0);
	check_all_reads(log, &a);
	assert_int_equal(kafka_log_close(log), 0);
	appended_free(&a);
	close(dfd);
}

static void roundtrip_disk(void **state)
{
	(void)state;
	roundtrip(t_dir_disk());
}

static void roundtrip_tmpfs(void **state)
{
	(void)state;
	roundtrip(t_dir_tmpfs());
}

/* Sparse: about one offset entry per interval bytes, none at 0. */
static void index_is_sparse(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct appended a = { .n = 0 };
	struct kafka_log *log;
	struct stat st;
	int dfd = t_dirfd(t_dir_tmpfs()), i;

	(void)state;
	log = open_log(dfd, "sparse", &cfg);
	for (i = 0; i < 100; i++)
		append_one(log, &a, 2, 400, T0 + i, T0);	/* ~900 B */
	assert_int_equal(kafka_log_close(log), 0);
	assert_int_equal(fstatat(dfd, "sparse-0/00000000000000000000.index",
				 &st, 0), 0);
	/* ~90 KB of batches at 4 KiB: 19-22 entries of 8 bytes. */
	assert_true(st.st_size >= 18 * 8 && st.st_size <= 23 * 8);
	assert_int_equal(st.st_size % 8, 0);
	assert_int_equal(fstatat(dfd,
				 "sparse-0/00000000000000000000.timeindex",
				 &st, 0), 0);
	assert_true(st.st_size >= 18 * 12 && st.st_size % 12 == 0);
	assert_int_equal(fstatat(dfd, "sparse-0/recovery-point", &st, 0), 0);
	assert_int_equal(st.st_size, 16);
	appended_free(&a);
	close(dfd);
}

static void max_bytes(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct appended a = { .n = 0 };
	struct kafka_log_slice s;
	struct kafka_log *log;
	size_t l0, l1;
	int dfd = t_dirfd(t_dir_tmpfs());

	(void)state;
	log = open_log(dfd, "mb", &cfg);
	append_one(log, &a, 5, 1000, T0, T0);		/* offsets 0-4 */
	append_one(log, &a, 2, 100, T0, T0);		/* 5-6 */
	append_one(log, &a, 1, 3000, T0, T0);		/* 7 */
	l0 = a.b[0].len;
	l1 = a.b[1].len;

	/* KIP-74: the first batch whole although larger than the limit. */
	assert_int_equal(kafka_log_read(log, 2, 100, KAFKA_LOG_READ_MIN_ONE,
					&s), 0);
	assert_int_equal(s.pos, 0);
	assert_int_equal(s.len, l0);
	assert_int_equal(s.first_offset, 0);
	assert_int_equal(s.next_offset, -1);
	kafka_log_slice_exit(&s);
	/* Without the flag: exactly the limit, a partial batch. */
	assert_int_equal(kafka_log_read(log, 2, 100, 0, &s), 0);
	assert_int_equal(s.len, 100);
	kafka_log_slice_exit(&s);
	/* A partial trailing batch is allowed. */
	assert_int_equal(kafka_log_read(log, 0, l0 + l1 + 10,
					KAFKA_LOG_READ_MIN_ONE, &s), 0);
	assert_int_equal(s.len, l0 + l1 + 10);
	kafka_log_slice_exit(&s);
	/* Everything to the segment's end: next_offset says where next. */
	assert_int_equal(kafka_log_read(log, 6, 1 << 20, 0, &s), 0);
	assert_int_equal(s.pos, (off_t)l0);
	assert_int_equal(s.first_offset, 5);
	assert_int_equal(s.len, l1 + a.b[2].len);
	assert_int_equal(s.next_offset, 8);
	assert_int_equal(s.high_watermark, 8);
	assert_int_equal(s.log_start, 0);
	kafka_log_slice_exit(&s);
	/* A limit of 0 without the flag gives nothing, with it one batch. */
	assert_int_equal(kafka_log_read(log, 7, 0, 0, &s), 0);
	assert_int_equal(s.len, 0);
	assert_null(s.file);
	kafka_log_slice_exit(&s);
	assert_int_equal(kafka_log_read(log, 7, 0, KAFKA_LOG_READ_MIN_ONE, &s),
			 0);
	assert_int_equal(s.len, a.b[2].len);
	kafka_log_slice_exit(&s);
	assert_int_equal(kafka_log_close(log), 0);
	appended_free(&a);
	close(dfd);
}

static void out_of_range(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct appended a = { .n = 0 };
	struct kafka_log_slice s;
	struct kafka_log *log;
	int dfd = t_dirfd(t_dir_tmpfs());

	(void)state;
	log = open_log(dfd, "oor", &cfg);
	/* Empty log: offset 0 is the high watermark, nothing new. */
	assert_int_equal(kafka_log_read(log, 0, 100, 0, &s), 0);
	assert_int_equal(s.len, 0);
	assert_int_equal(kafka_log_read(log, 1, 100, 0, &s), -ERANGE);
	assert_int_equal(kafka_log_read(log, -1, 100, 0, &s), -ERANGE);
	append_one(log, &a, 4, 10, T0, T0);
	assert_int_equal(kafka_log_read(log, 4, 100, 0, &s), 0);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.high_watermark, 4);
	assert_int_equal(kafka_log_read(log, 5, 100, 0, &s), -ERANGE);
	assert_int_equal(s.high_watermark, 4);
	assert_int_equal(s.log_start, 0);
	assert_null(s.file);
	assert_int_equal(kafka_log_close(log), 0);
	appended_free(&a);
	close(dfd);
}

static int count_files(int dfd, const char *dir, const char *ext)
{
	struct dirent *de;
	size_t l, e = strlen(ext);
	int n = 0, fd = openat(dfd, dir, O_RDONLY | O_DIRECTORY);
	DIR *d = fdopendir(fd);

	assert_non_null(d);
	while ((de = readdir(d))) {
		l = strlen(de->d_name);
		n += l > e && !strcmp(de->d_name + l - e, ext);
	}
	closedir(d);
	return n;
}

static void roll_by_size(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct appended a = { .n = 0 };
	struct kafka_log_stats st;
	struct kafka_log *log;
	int64_t end;
	int dfd = t_dirfd(t_dir_disk()), i;

	(void)state;
	cfg.segment_bytes = 8192;
	cfg.index_interval_bytes = 512;
	log = open_log(dfd, "size", &cfg);
	for (i = 0; i < 100; i++)
		append_one(log, &a, 1 + i % 3, 300 + (size_t)i * 13 % 700,
			   T0 + i, T0);
	/* One batch larger than a segment still goes in, alone. */
	append_one(log, &a, 2, 9000, T0, T0);
	append_one(log, &a, 1, 10, T0, T0);
	kafka_log_stats(log, &st);
	assert_true(st.segments > 10);
	assert_int_equal(st.rolls, st.segments - 1);
	check_all_reads(log, &a);
	assert_int_equal(t_log_walk(log, &end), a.n);
	assert_int_equal(kafka_log_close(log), 0);
	assert_int_equal(count_files(dfd, "size-0", ".log"), (int)st.segments);

	log = open_log(dfd, "size", &cfg);
	kafka_log_stats(log, &st);
	assert_int_equal(st.recovered_segments, 0);
	assert_int_equal(st.rebuilt_indexes, 0);
	check_all_reads(log, &a);
	assert_int_equal(kafka_log_close(log), 0);
	appended_free(&a);
	close(dfd);
}

static void roll_by_time(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct appended a = { .n = 0 };
	struct kafka_log_stats st;
	struct kafka_log *log;
	int dfd = t_dirfd(t_dir_tmpfs());

	(void)state;
	cfg.segment_ms = 1000;
	log = open_log(dfd, "time", &cfg);
	append_one(log, &a, 1, 10, T0, T0);
	append_one(log, &a, 1, 10, T0, T0 + 999);
	kafka_log_stats(log, &st);
	assert_int_equal(st.segments, 1);
	append_one(log, &a, 1, 10, T0, T0 + 1000);
	append_one(log, &a, 1, 10, T0, T0 + 1500);
	kafka_log_stats(log, &st);
	assert_int_equal(st.segments, 2);
	/* The new segment's age counts from its own first batch. */
	append_one(log, &a, 1, 10, T0, T0 + 2001);
	kafka_log_stats(log, &st);
	assert_int_equal(st.segments, 3);
	check_all_reads(log, &a);
	assert_int_equal(kafka_log_close(log), 0);
	appended_free(&a);
	close(dfd);
}

static void retention_by_size(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct appended a = { .n = 0 };
	struct kafka_log_stats st;
	struct kafka_log_slice s;
	struct kafka_log *log;
	int64_t end;
	int dfd = t_dirfd(t_dir_tmpfs()), i, n;

	(void)state;
	cfg.segment_bytes = 4096;
	cfg.retention_bytes = 10000;
	log = open_log(dfd, "rsize", &cfg);
	for (i = 0; i < 60; i++)
		append_one(log, &a, 1, 900, T0, T0);	/* ~1 KB each */
	kafka_log_stats(log, &st);
	assert_true(st.segments >= 15);
	/* A read handed out before retention stays sendable. */
	assert_int_equal(kafka_log_read(log, 0, 1 << 20, 0, &s), 0);
	n = kafka_log_retention(log, T0);
	assert_true(n > 0);
	kafka_log_stats(log, &st);
	assert_true(st.bytes >= 10000 && st.bytes < 10000 + 4096);
	assert_int_equal(st.deleted_segments, n);
	assert_true(st.log_start > 0);
	check_read_at(log, &a, 59);
	assert_int_equal(s.first_offset, 0);
	{
		uint8_t *p = t_slice_bytes(&s);

		assert_memory_equal(p, a.b[0].p, a.b[0].len);
		free(p);
	}
	kafka_log_slice_exit(&s);
	assert_int_equal(kafka_log_read(log, st.log_start - 1, 100, 0, &s),
			 -ERANGE);
	assert_int_equal(s.log_start, st.log_start);
	assert_int_equal(t_log_walk(log, &end), 60 - st.log_start);
	/* Nothing more to delete. */
	assert_int_equal(kafka_log_retention(log, T0), 0);
	assert_int_equal(kafka_log_close(log), 0);
	log = open_log(dfd, "rsize", &cfg);
	assert_int_equal(kafka_log_start_offset(log), st.log_start);
	assert_int_equal(kafka_log_close(log), 0);
	appended_free(&a);
	close(dfd);
}

static void retention_by_age(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct appended a = { .n = 0 };
	struct kafka_log_stats st;
	struct kafka_log *log;
	int dfd = t_dirfd(t_dir_disk()), i;

	(void)state;
	cfg.segment_bytes = 2048;
	cfg.retention_ms = 10000;
	log = open_log(dfd, "rage", &cfg);
	/* Batch timestamps T0, T0+1000, ...: one batch per segment. */
	for (i = 0; i < 10; i++)
		append_one(log, &a, 1, 1500, T0 + i * 1000, T0);
	assert_int_equal(kafka_log_retention(log, T0 + 10000), 0);
	/* Segments whose newest batch is older than now - 10 s go. */
	assert_int_equal(kafka_log_retention(log, T0 + 12500), 3);
	assert_int_equal(kafka_log_start_offset(log), 3);
	check_read_at(log, &a, 3);
	/* All expired: the active segment goes too, via an empty one. */
	assert_int_equal(kafka_log_retention(log, T0 + 100000), 7);
	kafka_log_stats(log, &st);
	assert_int_equal(st.segments, 1);
	assert_int_equal(st.log_start, 10);
	assert_int_equal(st.high_watermark, 10);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(kafka_log_close(log), 0);
	/* The empty segment's name keeps the offsets across a restart. */
	log = open_log(dfd, "rage", &cfg);
	assert_int_equal(kafka_log_start_offset(log), 10);
	assert_int_equal(kafka_log_end_offset(log), 10);
	append_one(log, &a, 2, 10, T0 + 100000, T0 + 100000);
	assert_int_equal(a.base[a.n - 1], 10);
	check_read_at(log, &a, 11);
	assert_int_equal(kafka_log_close(log), 0);
	appended_free(&a);
	close(dfd);
}

static void offset_for_time(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct kafka_log *log;
	struct t_batch b;
	int64_t off, ts, base;
	int dfd = t_dirfd(t_dir_tmpfs()), i;

	(void)state;
	cfg.segment_bytes = 6000;
	cfg.index_interval_bytes = 256;
	log = open_log(dfd, "ts", &cfg);
	/* Batch i: 10 records at T0 + 100 i + 0..9 (max T0 + 100 i + 9). */
	for (i = 0; i < 50; i++) {
		b = t_batch_make(10, 50, 1, T0 + 100 * i, 1, 0);
		assert_int_equal(kafka_log_append(log, b.p, b.len, T0, &base),
				 0);
		t_batch_free(&b);
	}
	/* One batch whose timestamp goes back (CreateTime is the client's). */
	b = t_batch_make(1, 50, 1, T0 + 50, 0, 0);
	assert_int_equal(kafka_log_append(log, b.p, b.len, T0, &base), 0);
	t_batch_free(&b);
	/* A "compressed" batch: the log answers with its base offset. */
	b = t_batch_make(3, 50, 1, T0 + 6000, 10, KAFKA_CODEC_GZIP);
	assert_int_equal(kafka_log_append(log, b.p, b.len, T0, &base), 0);
	assert_int_equal(base, 501);
	t_batch_free(&b);

	for (i = 0; i < 50; i++) {
		assert_int_equal(kafka_log_offset_for_time(log, T0 + 100 * i,
							   &off, &ts), 0);
		assert_int_equal(off, 10 * i);
		assert_int_equal(ts, T0 + 100 * i);
		/* Mid-batch: the exact record. */
		assert_int_equal(kafka_log_offset_for_time(log,
							   T0 + 100 * i + 7,
							   &off, &ts), 0);
		assert_int_equal(off, 10 * i + 7);
		assert_int_equal(ts, T0 + 100 * i + 7);
		/* Between batches: the next batch's first record. */
		assert_int_equal(kafka_log_offset_for_time(log,
							   T0 + 100 * i + 10,
							   &off, &ts), 0);
		assert_int_equal(off, i < 49 ? 10 * i + 10 : 501);
	}
	assert_int_equal(kafka_log_offset_for_time(log, 0, &off, &ts), 0);
	assert_int_equal(off, 0);
	assert_int_equal(kafka_log_offset_for_time(log, T0 + 6005, &off, &ts),
			 0);
	assert_int_equal(off, 501);
	assert_int_equal(ts, T0 + 6020);
	assert_int_equal(kafka_log_offset_for_time(log, T0 + 6021, &off, &ts),
			 0);
	assert_int_equal(off, -1);
	assert_int_equal(ts, -1);
	assert_int_equal(kafka_log_offset_for_time(log, KAFKA_LOG_TS_LATEST,
						   &off, NULL), 0);
	assert_int_equal(off, 504);
	assert_int_equal(kafka_log_offset_for_time(log, KAFKA_LOG_TS_EARLIEST,
						   &off, &ts), 0);
	assert_int_equal(off, 0);
	assert_int_equal(ts, -1);
	/* The same answers from indexes loaded (and mapped) at open. */
	assert_int_equal(kafka_log_close(log), 0);
	log = open_log(dfd, "ts", &cfg);
	for (i = 0; i < 50; i++) {
		assert_int_equal(kafka_log_offset_for_time(log,
							   T0 + 100 * i + 3,
							   &off, &ts), 0);
		assert_int_equal(off, 10 * i + 3);
	}
	assert_int_equal(kafka_log_close(log), 0);
	close(dfd);
}

static void bad_input(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct kafka_log_stats st;
	struct kafka_log *log;
	struct t_batch b;
	int64_t base = -7;
	uint8_t *two;
	int dfd = t_dirfd(t_dir_tmpfs());

	(void)state;
	log = open_log(dfd, "bad", &cfg);
	b = t_batch_make(3, 100, 1, T0, 1, 0);
	/* Truncated, empty, a bad magic, a CRC mismatch: nothing written. */
	assert_int_equal(kafka_log_append(log, b.p, b.len - 1, T0, &base),
			 -EINVAL);
	assert_int_equal(kafka_log_append(log, b.p, 0, T0, &base), -EINVAL);
	b.p[16] = 1;
	assert_int_equal(kafka_log_append(log, b.p, b.len, T0, &base),
			 -EINVAL);
	b.p[16] = 2;
	b.p[100] ^= 1;
	assert_int_equal(kafka_log_append(log, b.p, b.len, T0, &base),
			 -EBADMSG);
	b.p[100] ^= 1;
	/* Two batches in one call, the second one torn: neither goes in. */
	two = malloc(2 * b.len);
	assert_non_null(two);
	memcpy(two, b.p, b.len);
	memcpy(two + b.len, b.p, b.len);
	assert_int_equal(kafka_log_append(log, two, 2 * b.len - 5, T0, &base),
			 -EINVAL);
	assert_int_equal(base, -7);
	kafka_log_stats(log, &st);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.high_watermark, 0);
	/* Both whole: offsets 0-2 and 3-5. */
	assert_int_equal(kafka_log_append(log, two, 2 * b.len, T0, &base), 0);
	assert_int_equal(base, 0);
	assert_int_equal(t_get_be(two + b.len, 8), 3);
	assert_int_equal(kafka_log_end_offset(log), 6);
	free(two);
	t_batch_free(&b);
	assert_int_equal(kafka_log_close(log), 0);
	close(dfd);
}

static void names(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct kafka_log *log, *log2;
	char buf[KAFKA_LOG_DIRNAME_MAX], topic[KAFKA_LOG_TOPIC_MAX + 1];
	char longname[300];
	int32_t part;
	int dfd = t_dirfd(t_dir_tmpfs());

	(void)state;
	assert_int_equal(kafka_log_dirname(buf, sizeof(buf), "a-b.c_d", 12),
			 10);
	assert_string_equal(buf, "a-b.c_d-12");
	assert_int_equal(kafka_log_dirname_parse(buf, topic, &part), 0);
	assert_string_equal(topic, "a-b.c_d");
	assert_int_equal(part, 12);
	assert_int_equal(kafka_log_dirname_parse("t-01", topic, &part),
			 -EINVAL);
	assert_int_equal(kafka_log_dirname_parse("t-", topic, &part), -EINVAL);
	assert_int_equal(kafka_log_dirname_parse("t", topic, &part), -EINVAL);
	assert_int_equal(kafka_log_dirname_parse("-3", topic, &part), -EINVAL);
	assert_int_equal(kafka_log_dirname_parse("..-3", topic, &part),
			 -EINVAL);
	assert_int_equal(kafka_log_dirname_parse("t-99999999999", topic,
						 &part), -EINVAL);
	assert_int_equal(kafka_log_dirname(buf, 4, "abc", 1), -ENAMETOOLONG);
	assert_false(kafka_log_topic_valid("a/b", 3));
	assert_false(kafka_log_topic_valid("..", 2));
	assert_false(kafka_log_topic_valid("", 0));
	memset(longname, 'x', 250);
	longname[250] = '\0';
	assert_false(kafka_log_topic_valid(longname, 250));
	assert_true(kafka_log_topic_valid(longname, 249));

	assert_int_equal(kafka_log_open(dfd, "../x", 0, KAFKA_LOG_CREATE,
					&cfg, &log), -EINVAL);
	assert_int_equal(kafka_log_open(dfd, "x", -1, KAFKA_LOG_CREATE, &cfg,
					&log), -EINVAL);
	assert_int_equal(kafka_log_open(dfd, "nope", 0, 0, &cfg, &log),
			 -ENOENT);
	cfg.segment_bytes = 1ull << 32;
	assert_int_equal(kafka_log_open(dfd, "x", 0, KAFKA_LOG_CREATE, &cfg,
					&log), -EINVAL);
	cfg.segment_bytes = 1 << 20;
	log = open_log(dfd, "x", &cfg);
	/* A second opener of the same partition is refused. */
	assert_int_equal(kafka_log_open(dfd, "x", 0, KAFKA_LOG_CREATE, &cfg,
					&log2), -EBUSY);
	assert_int_equal(kafka_log_close(log), 0);
	log = open_log(dfd, "x", &cfg);
	assert_int_equal(kafka_log_close(log), 0);
	assert_int_equal(kafka_log_close(NULL), 0);
	close(dfd);
}

static int notified;
static int64_t notified_end;

static void on_notify(void *arg, int64_t end)
{
	assert_ptr_equal(arg, &notified);
	notified++;
	notified_end = end;
}

static void flush_policies(void **state)
{
	static const int pol[] = { KAFKA_LOG_FLUSH_NEVER,
				   KAFKA_LOG_FLUSH_INTERVAL,
				   KAFKA_LOG_FLUSH_ALWAYS };
	struct kafka_log_cfg cfg = cfg_default();
	struct appended a = { .n = 0 };
	struct kafka_log_stats st;
	struct kafka_log *log;
	char topic[16];
	unsigned int i;
	int dfd = t_dirfd(t_dir_disk());

	(void)state;
	for (i = 0; i < 3; i++) {
		cfg.flush = pol[i];
		cfg.segment_bytes = 5000;
		snprintf(topic, sizeof(topic), "fl%u", i);
		log = open_log(dfd, topic, &cfg);
		kafka_log_set_notify(log, on_notify, &notified);
		notified = 0;
		kafka_log_stats(log, &st);
		/* Opening a new log synced its directory entry. */
		assert_int_equal(st.syncs, 1);
		append_one(log, &a, 2, 1000, T0, T0);
		append_one(log, &a, 2, 1000, T0, T0);
		append_one(log, &a, 2, 1000, T0, T0);	/* rolls */
		assert_int_equal(notified, 3);
		assert_int_equal(notified_end, 6);
		kafka_log_stats(log, &st);
		if (pol[i] == KAFKA_LOG_FLUSH_ALWAYS) {
			/* Every append synced; the recovery point follows. */
			assert_true(st.syncs >= 5);
			assert_int_equal(st.recovery_point, 6);
		} else {
			assert_int_equal(st.syncs, 1);
			assert_int_equal(st.recovery_point, 0);
			assert_int_equal(kafka_log_flush(log), 0);
			kafka_log_stats(log, &st);
			/*
			 * Both segments, the directory, the time index the
			 * first one got when sealed.
			 */
			assert_int_equal(st.syncs, 5);
			assert_int_equal(st.recovery_point, 6);
			/* Nothing new: nothing to sync. */
			assert_int_equal(kafka_log_flush(log), 0);
			kafka_log_stats(log, &st);
			assert_int_equal(st.syncs, 5);
		}
		check_all_reads(log, &a);
		kafka_log_set_notify(log, NULL, NULL);
		assert_int_equal(kafka_log_close(log), 0);
		appended_free(&a);
	}
	close(dfd);
}

/* One thread appends while another reads every offset it can see. */
struct race {
	struct kafka_log *log;
	int stop;
	long reads;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct kafka_log_slice s;
	int64_t off = 0, hw;
	uint8_t *p;
	size_t size;
	int ret;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		hw = kafka_log_end_offset(r->log);
		for (; off < hw; off++) {
			ret = kafka_log_read(r->log, off, 1,
					     KAFKA_LOG_READ_MIN_ONE, &s);
			/* Retention moved the start past us. */
			if (ret == -ERANGE && off < s.log_start) {
				off = s.log_start - 1;
				continue;
			}
			if (ret)
				abort();
			p = t_slice_bytes(&s);
			size = (size_t)t_get_be(p + 8, 4) + 12;
			if (size != s.len || (int64_t)t_get_be(p, 8) >
						     off ||
			    kafka_crc32c(0, p + 21, size - 21) !=
				    t_get_be(p + 17, 4))
				abort();
			free(p);
			kafka_log_slice_exit(&s);
			r->reads++;
		}
	}
	return NULL;
}

static void append_read_race(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct race r = { 0 };
	struct t_batch b;
	pthread_t th;
	int64_t base, end;
	int dfd = t_dirfd(t_dir_tmpfs()), i;

	(void)state;
	cfg.segment_bytes = 32768;
	cfg.retention_bytes = 200000;
	cfg.index_interval_bytes = 1000;
	r.log = open_log(dfd, "race", &cfg);
	assert_int_equal(pthread_create(&th, NULL, race_reader, &r), 0);
	for (i = 0; i < 2000; i++) {
		b = t_batch_make(1 + i % 4, 50 + (size_t)i % 500, 1, T0, 1, 0);
		assert_int_equal(kafka_log_append(r.log, b.p, b.len, T0, &base),
				 0);
		t_batch_free(&b);
		if (i % 100 == 0)
			assert_true(kafka_log_retention(r.log, T0) >= 0);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	assert_true(r.reads > 0);
	assert_true(t_log_walk(r.log, &end) > 0);
	assert_int_equal(end, kafka_log_end_offset(r.log));
	assert_int_equal(kafka_log_close(r.log), 0);
	close(dfd);
}

/*
 * ALWAYS with three appending threads (their syncs shared) and a reader
 * that must never see the high watermark go back or a batch it cannot
 * read whole.
 */
struct writer {
	struct kafka_log *log;
	unsigned int id;
	int64_t base[100];
};

#define WRITES 100

static struct t_batch writer_batch(unsigned int id, int i)
{
	return t_batch_make(1 + i % 3, 100 + id * 10, id * 1000 + (unsigned)i,
			    T0 + i, 1, 0);
}

static void *always_writer(void *arg)
{
	struct writer *w = arg;
	struct t_batch b;
	int i;

	for (i = 0; i < WRITES; i++) {
		b = writer_batch(w->id, i);
		if (kafka_log_append(w->log, b.p, b.len, T0, &w->base[i]))
			abort();
		/* Acknowledged: already visible to readers. */
		if (kafka_log_end_offset(w->log) < w->base[i] + 1 + i % 3)
			abort();
		t_batch_free(&b);
	}
	return NULL;
}

static void *always_reader(void *arg)
{
	struct race *r = arg;
	struct kafka_log_slice s;
	int64_t hw, last = 0;
	uint8_t *p;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		hw = kafka_log_end_offset(r->log);
		if (hw < last)
			abort();
		last = hw;
		if (!hw)
			continue;
		if (kafka_log_read(r->log, hw - 1, 0, KAFKA_LOG_READ_MIN_ONE,
				   &s) || !s.len)
			abort();
		p = t_slice_bytes(&s);
		if (kafka_crc32c(0, p + 21, s.len - 21) != t_get_be(p + 17, 4))
			abort();
		free(p);
		kafka_log_slice_exit(&s);
		r->reads++;
	}
	return NULL;
}

static void always_threads(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct writer w[3];
	struct race r = { 0 };
	struct kafka_log_slice s;
	struct kafka_log_stats st;
	pthread_t th[4];
	struct t_batch b;
	int64_t end;
	unsigned int k;
	int dfd = t_dirfd(t_dir_disk()), i;
	uint8_t *p;

	(void)state;
	cfg.flush = KAFKA_LOG_FLUSH_ALWAYS;
	cfg.segment_bytes = 20000;
	r.log = open_log(dfd, "always", &cfg);
	assert_int_equal(pthread_create(&th[3], NULL, always_reader, &r), 0);
	for (k = 0; k < 3; k++) {
		w[k].log = r.log;
		w[k].id = k;
		assert_int_equal(pthread_create(&th[k], NULL, always_writer,
						&w[k]), 0);
	}
	for (k = 0; k < 3; k++)
		pthread_join(th[k], NULL);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th[3], NULL);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < WRITES; i++) {
			b = writer_batch(k, i);
			t_batch_patch(&b, w[k].base[i], 0);
			assert_int_equal(kafka_log_read(r.log, w[k].base[i],
							b.len, 0, &s), 0);
			assert_int_equal(s.len, b.len);
			p = t_slice_bytes(&s);
			assert_memory_equal(p, b.p, b.len);
			free(p);
			kafka_log_slice_exit(&s);
			t_batch_free(&b);
		}
	}
	assert_int_equal(t_log_walk(r.log, &end), 3 * WRITES);
	kafka_log_stats(r.log, &st);
	assert_int_equal(st.recovery_point, end);
	assert_true(st.rolls > 0);
	assert_int_equal(kafka_log_close(r.log), 0);
	close(dfd);
}

/* A fetch's range sent to a socket by a chain: no user-space copy. */
static void send_zero_copy(void **state)
{
	struct kafka_log_cfg cfg = cfg_default();
	struct appended a = { .n = 0 };
	struct kafka_log_slice s;
	struct kafka_log *log;
	struct zc_ledger l;
	struct t_sink *sink;
	struct zc_chain c;
	uint8_t *got;
	size_t n;
	int sv[2], dfd = t_dirfd(t_dir_disk()), i;

	(void)state;
	log = open_log(dfd, "send", &cfg);
	for (i = 0; i < 20; i++)
		append_one(log, &a, 3, 5000, T0, T0);
	assert_int_equal(kafka_log_read(log, 31, 1 << 20, 0, &s), 0);
	assert_int_equal(s.first_offset, 30);
	zc_chain_init(&c);
	assert_int_equal(zc_chain_append_copy(&c, "HDR!", 4), 0);
	assert_int_equal(zc_chain_append_file(&c, s.file, s.pos, s.len), 0);
	kafka_log_slice_exit(&s);
	/* The chain's reference keeps the file open through a deletion. */
	assert_int_equal(kafka_log_close(log), 0);
	t_unix_pair(sv);
	sink = t_sink_start(sv[1], 0, 0, 0);
	assert_int_equal(zc_chain_send(sv[0], &c, &l), 4 + 10 * a.b[0].len);
	assert_int_equal(l.path, ZC_PATH_SENDFILE);
	assert_int_equal(l.from_memory, 4);
	close(sv[0]);
	n = t_sink_join(sink, &got);
	assert_int_equal(n, 4 + 10 * a.b[0].len);
	for (i = 10; i < 20; i++)
		assert_memory_equal(got + 4 + (size_t)(i - 10) * a.b[0].len,
				    a.b[i].p, a.b[i].len);
	free(got);
	zc_chain_exit(&c);
	close(sv[1]);
	appended_free(&a);
	close(dfd);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip_disk),
		cmocka_unit_test(roundtrip_tmpfs),
		cmocka_unit_test(index_is_sparse),
		cmocka_unit_test(max_bytes),
		cmocka_unit_test(out_of_range),
		cmocka_unit_test(roll_by_size),
		cmocka_unit_test(roll_by_time),
		cmocka_unit_test(retention_by_size),
		cmocka_unit_test(retention_by_age),
		cmocka_unit_test(offset_for_time),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(names),
		cmocka_unit_test(flush_policies),
		cmocka_unit_test(append_read_race),
		cmocka_unit_test(always_threads),
		cmocka_unit_test(send_zero_copy),
	};

	/* A test name (or glob) as argument runs only that one. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
