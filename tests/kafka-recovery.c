/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-recovery.c - what kafka_log_open repairs, and what a crash
 * or a full disk can do to a partition log: a last batch torn at every
 * byte, CRC and offset damage in the tail, a page of zeros past the end,
 * damage in the middle of a log without a recovery point (later segments
 * dropped), missing, torn, zeroed, short and lying index files (rebuilt
 * byte-identical; a short .timeindex still gives exact times), kill -9 of
 * a process appending in a loop (no acknowledged batch lost, under ALWAYS
 * and NEVER, torn tails cut), ENOSPC on a small tmpfs and EFBIG from
 * RLIMIT_FSIZE (an error, nothing half-written, appends work again once
 * there is room).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "kafka-log-util.h"

#define T0 1700000000000LL

/* Checks in forked children, which must not reach cmocka. */
#define CHECK(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #c);		\
			_exit(1);					\
		}							\
	} while (0)

static struct kafka_log_cfg cfg_small(void)
{
	struct kafka_log_cfg cfg;

	kafka_log_cfg_init(&cfg);
	cfg.segment_bytes = 16384;
	cfg.index_interval_bytes = 1024;
	return cfg;
}

static struct kafka_log *open_log(int dirfd, const char *topic,
				  const struct kafka_log_cfg *cfg)
{
	struct kafka_log *log = NULL;

	assert_int_equal(kafka_log_open(dirfd, topic, 0, KAFKA_LOG_CREATE, cfg,
					&log), 0);
	return log;
}

/*
 * Batch @seq of a test log: its contents follow from @seq alone, so that
 * what was acknowledged can be rebuilt and compared.
 */
#define BIG_SEQ 1000000000000L	/* from here on: batches of 0.25-1 MB */

static struct t_batch batch_seq(long seq)
{
	size_t vsize = (size_t)(seq * 37 % 1500) + 1;

	if (seq >= BIG_SEQ)
		return t_batch_make(1, (size_t)(seq % 4 + 1) << 18,
				    (unsigned int)seq, T0 + seq % 1000, 0, 0);

	if (seq % 13 == 0)
		vsize += 20000;		/* some batches span many pages */
	return t_batch_make(1 + (int)(seq % 5), vsize, (unsigned int)seq,
			    T0 + seq, 1, 0);
}

static void append_seq(struct kafka_log *log, long seq, int64_t *base)
{
	struct t_batch b = batch_seq(seq);

	assert_int_equal(kafka_log_append(log, b.p, b.len, T0, base), 0);
	t_batch_free(&b);
}

/* Appends batches @from..@to-1; returns the base offset of each. */
static void fill(struct kafka_log *log, long from, long to, int64_t *base)
{
	long i;

	for (i = from; i < to; i++)
		append_seq(log, i, &base[i]);
}

/* Batch @seq must be in the log at @base, byte for byte. */
static bool has_batch(struct kafka_log *log, long seq, int64_t base)
{
	struct kafka_log_slice s;
	struct t_batch b = batch_seq(seq);
	bool ok = false;
	uint8_t *p;

	t_batch_patch(&b, base, 0);
	if (!kafka_log_read(log, base, b.len, 0, &s) && s.len == b.len &&
	    s.first_offset == base) {
		p = malloc(s.len);
		ok = p &&
		     pread(s.file->fd, p, s.len, s.pos) == (ssize_t)s.len &&
		     !memcmp(p, b.p, b.len);
		free(p);
	}
	kafka_log_slice_exit(&s);
	t_batch_free(&b);
	return ok;
}

/* The files of a directory, to put back between damage experiments. */
struct snap {
	char name[128][256];
	uint8_t *data[128];
	size_t len[128];
	int n;
};

static void snap_take(int dfd, const char *dir, struct snap *s)
{
	int fd = openat(dfd, dir, O_RDONLY | O_DIRECTORY), f;
	DIR *d = fdopendir(fd);
	struct dirent *de;

	assert_non_null(d);
	s->n = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		assert_true(s->n < 128);
		snprintf(s->name[s->n], 256, "%s", de->d_name);
		f = openat(fd, de->d_name, O_RDONLY);
		assert_true(f >= 0);
		s->len[s->n] = t_slurp(f, &s->data[s->n]);
		close(f);
		s->n++;
	}
	closedir(d);
}

/* Rewrites every file of @s (and removes files it does not have). */
static void snap_put(int dfd, const char *dir, const struct snap *s)
{
	int fd = openat(dfd, dir, O_RDONLY | O_DIRECTORY), f, i;
	DIR *d = fdopendir(dup(fd));
	struct dirent *de;
	bool known;

	assert_non_null(d);
	while ((de = readdir(d))) {
		known = de->d_name[0] == '.';
		for (i = 0; i < s->n && !known; i++)
			known = !strcmp(s->name[i], de->d_name);
		if (!known)
			assert_int_equal(unlinkat(fd, de->d_name, 0), 0);
	}
	closedir(d);
	for (i = 0; i < s->n; i++) {
		f = openat(fd, s->name[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(f >= 0);
		assert_int_equal(pwrite(f, s->data[i], s->len[i], 0),
				 (ssize_t)s->len[i]);
		close(f);
	}
	close(fd);
}

static void snap_free(struct snap *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->data[i]);
	s->n = 0;
}

/* The bytes of @dir/@name now. */
static size_t file_get(int dfd, const char *dir, const char *name,
		       uint8_t **data)
{
	char path[256];
	int fd;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = openat(dfd, path, O_RDONLY);
	assert_true(fd >= 0);
	n = t_slurp(fd, data);
	close(fd);
	return n;
}

static int file_open(int dfd, const char *dir, const char *name, int flags)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = openat(dfd, path, flags, 0644);
	assert_true(fd >= 0);
	return fd;
}

static void torn_tail(const char *root, const char *topic, bool keep_rp)
{
	struct kafka_log_cfg cfg = cfg_small();
	struct kafka_log_stats st;
	struct kafka_log *log;
	struct snap snap;
	char dir[64], rp[96];
	int64_t base[40], end, last_base;
	off_t size, last, cut, runs = 0;
	size_t step;
	int dfd = t_dirfd(root), fd;

	cfg.segment_bytes = 1 << 20;
	snprintf(dir, sizeof(dir), "%s-0", topic);
	log = open_log(dfd, topic, &cfg);
	fill(log, 1, 13, base);			/* 13: 20 KB, the last */
	last_base = base[12];
	end = kafka_log_end_offset(log);
	assert_int_equal(kafka_log_close(log), 0);
	snap_take(dfd, dir, &snap);
	fd = file_open(dfd, dir, "00000000000000000000.log", O_RDONLY);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	{
		struct t_batch b = batch_seq(12);

		last = size - (off_t)b.len;
		t_batch_free(&b);
	}
	/*
	 * Every byte inside the last batch (every 7th one on disk and for
	 * the full-scan variant, which syncs and so takes longer).
	 */
	step = root == t_dir_tmpfs() && keep_rp ? 1 : 7;
	snprintf(rp, sizeof(rp), "%s/recovery-point", dir);
	for (cut = last; cut < size; cut += (off_t)step, runs++) {
		snap_put(dfd, dir, &snap);
		if (!keep_rp)
			assert_int_equal(unlinkat(dfd, rp, 0), 0);
		fd = file_open(dfd, dir, "00000000000000000000.log", O_WRONLY);
		assert_int_equal(ftruncate(fd, cut), 0);
		close(fd);
		log = open_log(dfd, topic, &cfg);
		kafka_log_stats(log, &st);
		assert_int_equal(st.high_watermark, last_base);
		assert_int_equal(st.truncated_bytes, (uint64_t)(cut - last));
		assert_int_equal(st.recovery_point, last_base);
		assert_int_equal(t_log_walk(log, &end), 11);
		assert_int_equal(end, last_base);
		assert_true(has_batch(log, 11, base[11]));
		assert_int_equal(kafka_log_close(log), 0);
	}
	assert_int_equal(runs, (size - last + (off_t)step - 1) / (off_t)step);
	assert_true(runs > 100);
	/* The cut survives, and the log grows again from there. */
	log = open_log(dfd, topic, &cfg);
	kafka_log_stats(log, &st);
	assert_int_equal(st.truncated_bytes, 0);
	assert_int_equal(st.recovered_segments, 0);
	fill(log, 12, 14, base);
	assert_int_equal(base[12], last_base);
	assert_true(has_batch(log, 13, base[13]));
	assert_int_equal(kafka_log_close(log), 0);
	snap_free(&snap);
	close(dfd);
}

static void torn_tail_every_byte(void **state)
{
	(void)state;
	torn_tail(t_dir_tmpfs(), "torn", true);
}

static void torn_tail_disk_no_rp(void **state)
{
	(void)state;
	torn_tail(t_dir_disk(), "torn-norp", false);
}

/* Damage in the last batch of a cleanly closed log is still found. */
static void tail_damage(void **state)
{
	static const struct {
		off_t at;		/* from the last batch's start */
		uint8_t xor;
	} hits[] = {
		{ 100, 0x01 },		/* record bytes: CRC */
		{ 22, 0x08 },		/* attributes: inside the CRC */
		{ 17, 0xff },		/* the CRC itself */
		{ 7, 0x01 },		/* base offset: offsets don't follow */
		{ 16, 0x03 },		/* magic */
		{ 11, 0x40 },		/* batch length */
	};
	struct kafka_log_cfg cfg = cfg_small();
	struct kafka_log_stats st;
	struct kafka_log *log;
	struct snap snap;
	struct t_batch b;
	int64_t base[20], end;
	off_t size;
	uint8_t c;
	unsigned int i;
	int dfd = t_dirfd(t_dir_tmpfs()), fd;

	(void)state;
	cfg.segment_bytes = 1 << 20;
	log = open_log(dfd, "tail", &cfg);
	fill(log, 1, 9, base);
	assert_int_equal(kafka_log_close(log), 0);
	snap_take(dfd, "tail-0", &snap);
	b = batch_seq(8);
	for (i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
		snap_put(dfd, "tail-0", &snap);
		fd = file_open(dfd, "tail-0", "00000000000000000000.log",
			       O_RDWR);
		size = lseek(fd, 0, SEEK_END);
		assert_int_equal(pread(fd, &c, 1, size - (off_t)b.len +
				       hits[i].at), 1);
		c ^= hits[i].xor;
		assert_int_equal(pwrite(fd, &c, 1, size - (off_t)b.len +
					hits[i].at), 1);
		close(fd);
		log = open_log(dfd, "tail", &cfg);
		kafka_log_stats(log, &st);
		assert_int_equal(st.truncated_bytes, b.len);
		assert_int_equal(st.high_watermark, base[8]);
		assert_int_equal(t_log_walk(log, &end), 7);
		assert_int_equal(kafka_log_close(log), 0);
	}
	/* A page of zeros past the end, as a crash can leave. */
	snap_put(dfd, "tail-0", &snap);
	fd = file_open(dfd, "tail-0", "00000000000000000000.log", O_RDWR);
	size = lseek(fd, 0, SEEK_END);
	assert_int_equal(ftruncate(fd, size + 8192), 0);
	close(fd);
	log = open_log(dfd, "tail", &cfg);
	kafka_log_stats(log, &st);
	assert_int_equal(st.truncated_bytes, 8192);
	assert_int_equal(st.high_watermark, base[8] + 4);
	assert_true(has_batch(log, 8, base[8]));
	assert_int_equal(kafka_log_close(log), 0);
	t_batch_free(&b);
	snap_free(&snap);
	close(dfd);
}

/* The segment base names ("00000000000000000000") of @dir, sorted. */
static int seg_names(int dfd, const char *dir, char names[][32], int max)
{
	int fd = openat(dfd, dir, O_RDONLY | O_DIRECTORY), n = 0, i, j;
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char tmp[32];

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (strlen(de->d_name) != 24 || strcmp(de->d_name + 20, ".log"))
			continue;
		assert_true(n < max);
		snprintf(names[n++], 32, "%.20s", de->d_name);
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			memcpy(tmp, names[j], 32);
			memcpy(names[j], names[j - 1], 32);
			memcpy(names[j - 1], tmp, 32);
		}
	return n;
}

/*
 * With no recovery point every segment is checked: damage in the middle
 * of the second segment cuts there, and the segments after it go.
 */
static void middle_damage_drops_later(void **state)
{
	struct kafka_log_cfg cfg = cfg_small();
	struct kafka_log_stats st;
	struct kafka_log *log;
	char names[64][32], name[40];
	int64_t base[60], end, cut_base;
	size_t n, pos = 0, size = 0;
	uint8_t *p = NULL, c;
	int dfd = t_dirfd(t_dir_disk()), fd, k, nseg, i;
	long before = 0;

	(void)state;
	log = open_log(dfd, "mid", &cfg);
	fill(log, 1, 50, base);
	assert_int_equal(kafka_log_close(log), 0);
	nseg = seg_names(dfd, "mid-0", names, 64);
	assert_true(nseg >= 4);

	/* A log with no recovery point, intact: checked whole, kept whole. */
	assert_int_equal(unlinkat(dfd, "mid-0/recovery-point", 0), 0);
	log = open_log(dfd, "mid", &cfg);
	kafka_log_stats(log, &st);
	assert_int_equal(st.recovered_segments, (uint64_t)nseg);
	assert_int_equal(st.truncated_bytes, 0);
	assert_int_equal(st.high_watermark, base[49] + 49 % 5 + 1);
	assert_int_equal(kafka_log_close(log), 0);

	/*
	 * The last byte of the third batch of a segment in the middle (the
	 * first one that has three batches).
	 */
	for (k = 1, n = 0; k < nseg - 1; k++) {
		snprintf(name, sizeof(name), "%s.log", names[k]);
		n = file_get(dfd, "mid-0", name, &p);
		for (i = 0, pos = 0; i < 3 && pos < n; i++, pos += size)
			size = (size_t)t_get_be(p + pos + 8, 4) + 12;
		if (i == 3 && pos <= n)
			break;
		free(p);
	}
	assert_true(k < nseg - 1);
	pos -= size;
	cut_base = (int64_t)t_get_be(p + pos, 8);
	for (i = 1; i < 50; i++)
		before += base[i] < cut_base;
	fd = file_open(dfd, "mid-0", name, O_RDWR);
	c = p[pos + size - 1] ^ 0x5a;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)(pos + size - 1)), 1);
	close(fd);
	assert_int_equal(unlinkat(dfd, "mid-0/recovery-point", 0), 0);

	log = open_log(dfd, "mid", &cfg);
	kafka_log_stats(log, &st);
	assert_int_equal(st.high_watermark, cut_base);
	assert_int_equal(st.truncated_bytes, n - pos);
	assert_int_equal(st.dropped_segments, nseg - k - 1);
	assert_int_equal(st.segments, k + 1);
	assert_int_equal(t_log_walk(log, &end), before);
	assert_int_equal(end, cut_base);
	assert_int_equal(seg_names(dfd, "mid-0", names, 64), k + 1);
	/* Appends continue at the cut, in the cut segment. */
	fill(log, 50, 52, base);
	assert_int_equal(base[50], cut_base);
	assert_true(has_batch(log, 51, base[51]));
	assert_true(has_batch(log, 1, base[1]));
	assert_int_equal(kafka_log_close(log), 0);
	free(p);
	close(dfd);
}

enum damage {
	D_MISSING,
	D_GARBAGE,
	D_TORN,		/* not a whole number of entries */
	D_ZEROED,
	D_LYING,	/* well-formed, but the last entry points elsewhere */
	D_PREFIX,	/* a correct but short offset index */
	D_NR,
};

static void damage(int dfd, const char *path, enum damage d, bool timeidx,
		   size_t len)
{
	uint8_t buf[64], *p;
	size_t i;
	int fd;

	if (d == D_MISSING) {
		assert_int_equal(unlinkat(dfd, path, 0), 0);
		return;
	}
	fd = openat(dfd, path, O_RDWR);
	assert_true(fd >= 0);
	switch (d) {
	case D_GARBAGE:
	case D_ZEROED:
		p = malloc(len);
		assert_non_null(p);
		for (i = 0; i < len; i++)
			p[i] = d == D_ZEROED ? 0 : (uint8_t)(i * 131 + 7);
		assert_int_equal(pwrite(fd, p, len, 0), (ssize_t)len);
		free(p);
		break;
	case D_TORN:
		assert_int_equal(ftruncate(fd, (off_t)len - 3), 0);
		break;
	case D_LYING:
		/* The position (index) or relative offset (time) + 1. */
		i = len - 4;
		assert_int_equal(pread(fd, buf, 4, (off_t)i), 4);
		t_put_be(buf, t_get_be(buf, 4) + (timeidx ? 100000 : 1), 4);
		assert_int_equal(pwrite(fd, buf, 4, (off_t)i), 4);
		break;
	case D_PREFIX:
		/* One entry left. */
		assert_int_equal(ftruncate(fd, timeidx ? 12 : 8), 0);
		break;
	default:
		break;
	}
	close(fd);
}

/* The largest batch max timestamp in the segment file @name. */
static int64_t seg_max_ts(int dfd, const char *name)
{
	int64_t max = INT64_MIN, ts;
	size_t n, pos;
	uint8_t *p;

	n = file_get(dfd, "idx-0", name, &p);
	for (pos = 0; pos + 61 <= n; pos += t_get_be(p + pos + 8, 4) + 12) {
		ts = (int64_t)t_get_be(p + pos + 35, 8);
		if (ts > max)
			max = ts;
	}
	free(p);
	return max;
}

/*
 * A .timeindex shorter than its .index (they reach the disk apart): the
 * segment's max timestamp must still be exact, or a time lookup (and
 * retention by age) would skip the segment.
 */
static void short_timeindex(int dfd, const char *seg, int64_t first,
			    int64_t next, const struct kafka_log_cfg *cfg)
{
	struct kafka_log *log = open_log(dfd, "idx", cfg);
	char name[64];
	int64_t off, ts, max;

	snprintf(name, sizeof(name), "%.20s.log", seg);
	max = seg_max_ts(dfd, name);
	assert_int_equal(kafka_log_offset_for_time(log, max, &off, &ts), 0);
	assert_true(off >= first && off < next);
	assert_true(ts >= max);
	assert_int_equal(kafka_log_close(log), 0);
}

/*
 * A batch in the middle of a segment holds the segment's max timestamp;
 * a crash keeps only the first entry of its .timeindex. The max must come
 * out exact: ListOffsets finds that batch, and retention keeps the
 * segment.
 */
static void short_timeindex_mid_max(void **state)
{
	static const char *const topic[] = { "tmax-sealed", "tmax-active" };
	struct kafka_log_cfg cfg = cfg_small();
	struct kafka_log *log;
	struct t_batch b;
	char path[96];
	int64_t base, off, ts;
	int dfd = t_dirfd(t_dir_tmpfs()), i, k, fd;

	(void)state;
	cfg.retention_ms = 1000;
	for (k = 0; k < 2; k++) {
		cfg.segment_bytes = k ? 1 << 20 : 16384;
		log = open_log(dfd, topic[k], &cfg);
		for (i = 0; i < 120; i++) {
			b = t_batch_make(1, 250, 1,
					 i == 20 ? T0 + 1000000 : T0 + i, 0, 0);
			assert_int_equal(kafka_log_append(log, b.p, b.len, T0,
							  &base), 0);
			t_batch_free(&b);
		}
		assert_int_equal(kafka_log_close(log), 0);
		snprintf(path, sizeof(path),
			 "%s-0/00000000000000000000.timeindex", topic[k]);
		fd = openat(dfd, path, O_RDWR);
		assert_true(fd >= 0);
		assert_true(lseek(fd, 0, SEEK_END) > 24);
		assert_int_equal(ftruncate(fd, 12), 0);
		close(fd);
		log = open_log(dfd, topic[k], &cfg);
		assert_int_equal(kafka_log_offset_for_time(log, T0 + 1000000,
							   &off, &ts), 0);
		assert_int_equal(off, 20);
		assert_int_equal(ts, T0 + 1000000);
		assert_int_equal(kafka_log_offset_for_time(log, T0 + 50, &off,
							   &ts), 0);
		assert_int_equal(off, 20);
		assert_int_equal(kafka_log_offset_for_time(log, T0 + 1000001,
							   &off, &ts), 0);
		assert_int_equal(off, -1);
		/* Batch 20 is not older than 1 s at T0 + 1000500. */
		assert_int_equal(kafka_log_retention(log, T0 + 1000500), 0);
		assert_int_equal(kafka_log_start_offset(log), 0);
		assert_int_equal(kafka_log_close(log), 0);
	}
	close(dfd);
}

/* Index damage of each kind is found; the files come back identical. */
static void index_rebuild(void **state)
{
	static const char *const ext[] = { ".index", ".timeindex" };
	struct kafka_log_cfg cfg = cfg_small();
	struct kafka_log_stats st;
	struct kafka_log *log;
	struct snap snap;
	char names[64][32], path[96], name[64];
	int64_t base[80], end;
	uint8_t *orig, *now;
	size_t olen, nlen;
	int dfd = t_dirfd(t_dir_tmpfs()), nseg, d, w, s;
	long i, nb, k;

	(void)state;
	/* No 20 KB batches (seq % 13): every segment gets index entries. */
	log = open_log(dfd, "idx", &cfg);
	for (i = 1, nb = 0; nb < 70; i++)
		if (i % 13)
			append_seq(log, i, &base[nb++]);
	/* Until the active segment has a few entries in both indexes. */
	for (;;) {
		assert_int_equal(kafka_log_close(log), 0);
		nseg = seg_names(dfd, "idx-0", names, 64);
		snprintf(name, sizeof(name), "%.20s.index", names[nseg - 1]);
		olen = file_get(dfd, "idx-0", name, &orig);
		free(orig);
		snprintf(name, sizeof(name), "%.20s.timeindex",
			 names[nseg - 1]);
		nlen = file_get(dfd, "idx-0", name, &orig);
		free(orig);
		if (olen >= 24 && nlen >= 24)
			break;
		log = open_log(dfd, "idx", &cfg);
		for (; i % 13 == 0; i++)
			;
		assert_true(nb < 80);
		append_seq(log, i++, &base[nb++]);
	}
	assert_true(nseg >= 4);
	snap_take(dfd, "idx-0", &snap);
	for (d = 0; d < D_NR; d++) {
		for (w = 0; w < 2; w++) {
			/* A sealed segment, then the active one. */
			for (s = 0; s < 2; s++) {
				snap_put(dfd, "idx-0", &snap);
				snprintf(name, sizeof(name), "%.20s%s",
					 names[s ? nseg - 1 : 0], ext[w]);
				snprintf(path, sizeof(path), "idx-0/%s", name);
				olen = file_get(dfd, "idx-0", name, &orig);
				if (olen < 24)
					fail_msg("%s: %zu bytes", name, olen);
				damage(dfd, path, (enum damage)d, w, olen);
				if (d == D_PREFIX && w == 1) {
					short_timeindex(dfd, names[s ? nseg - 1
								   : 0],
							s ? atoll(names[nseg - 1])
							  : 0,
							s ? INT64_MAX
							  : atoll(names[1]),
							&cfg);
					free(orig);
					continue;
				}
				log = open_log(dfd, "idx", &cfg);
				kafka_log_stats(log, &st);
				assert_true(st.rebuilt_indexes >= 1);
				assert_int_equal(st.truncated_bytes, 0);
				assert_int_equal(t_log_walk(log, &end), nb);
				for (i = 1, k = 0; k < nb; i++)
					if (i % 13 && !has_batch(log, i,
								 base[k++]))
						fail_msg("batch %ld", i);
				assert_int_equal(kafka_log_close(log), 0);
				nlen = file_get(dfd, "idx-0", name, &now);
				assert_int_equal(nlen, olen);
				assert_memory_equal(now, orig, olen);
				free(now);
				free(orig);
			}
		}
	}
	snap_free(&snap);
	close(dfd);
}

/*
 * t_log_walk without cmocka, for forked children: the number of batches
 * (offsets following on, CRCs right) or -1.
 */
static long walk_plain(struct kafka_log *log, int64_t *end)
{
	int64_t off = kafka_log_start_offset(log);
	struct kafka_log_slice s;
	size_t pos, size;
	long n = 0;
	uint8_t *p;

	for (;;) {
		if (kafka_log_read(log, off, SIZE_MAX, 0, &s))
			return -1;
		if (!s.len)
			break;
		p = malloc(s.len);
		if (!p || pread(s.file->fd, p, s.len, s.pos) != (ssize_t)s.len)
			return -1;
		for (pos = 0; pos < s.len; pos += size, n++) {
			size = (size_t)t_get_be(p + pos + 8, 4) + 12;
			if ((int64_t)t_get_be(p + pos, 8) != off ||
			    size > s.len - pos ||
			    kafka_crc32c(0, p + pos + 21, size - 21) !=
				    t_get_be(p + pos + 17, 4))
				return -1;
			off += (int64_t)t_get_be(p + pos + 23, 4) + 1;
		}
		free(p);
		kafka_log_slice_exit(&s);
	}
	*end = off;
	return n;
}

struct ack {
	long seq;
	int64_t base;
};

/*
 * The child: appends batch after batch (applying retention after each
 * when @cfg has some) and reports each ack. Never returns.
 */
static void appender(int dfd, const char *topic,
		     const struct kafka_log_cfg *cfg, long seq, int wfd)
{
	struct kafka_log *log;
	struct t_batch b;
	struct ack a;

	CHECK(!kafka_log_open(dfd, topic, 0, KAFKA_LOG_CREATE, cfg, &log));
	for (;; seq++) {
		b = batch_seq(seq);
		a.seq = seq;
		CHECK(!kafka_log_append(log, b.p, b.len, T0, &a.base));
		CHECK(write(wfd, &a, sizeof(a)) == (ssize_t)sizeof(a));
		t_batch_free(&b);
		if (cfg->retention_bytes >= 0)
			CHECK(kafka_log_retention(log, T0) >= 0);
	}
}

/* Reads acks from @fd until EOF, appending to @acks. */
static void read_acks(int fd, struct ack **acks, long *n, long *cap)
{
	struct ack a;
	ssize_t r;

	while ((r = read(fd, &a, sizeof(a))) == (ssize_t)sizeof(a)) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			*acks = realloc(*acks, (size_t)*cap * sizeof(**acks));
			assert_non_null(*acks);
		}
		(*acks)[(*n)++] = a;
	}
	assert_true(r == 0 || (r == -1 && errno == EAGAIN));
}

/*
 * Rounds of: a child appends in a loop, the parent records every ack it
 * reports, then SIGKILLs it at a random moment; the log reopened must
 * hold every acknowledged batch byte for byte, and be whole (offsets
 * following on, every CRC right). A process crash loses nothing the
 * kernel took, so this holds under NEVER too; ALWAYS adds the machine
 * crash, which a test cannot cause.
 */
static void kill9(const char *root, const char *topic,
		  const struct kafka_log_cfg *cfg, long seq0, int rounds,
		  int max_ms)
{
	unsigned int rnd = 12345;
	struct kafka_log_stats st;
	struct kafka_log *log;
	struct ack *acks = NULL;
	long n = 0, cap = 0, i, cut_rounds = 0, checked = 0, from;
	int64_t end, need = 0;
	struct timespec ts;
	int dfd = t_dirfd(root), p[2], r, status;
	pid_t pid;

	for (r = 0; r < rounds; r++) {
		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (!pid) {
			close(p[0]);
			appender(dfd, topic, cfg, seq0 + 1000000L * r, p[1]);
		}
		close(p[1]);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(20 + rand_r(&rnd) % (unsigned int)max_ms) *
			     1000000;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		from = n;
		read_acks(p[0], &acks, &n, &cap);
		close(p[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);

		log = open_log(dfd, topic, cfg);
		kafka_log_stats(log, &st);
		cut_rounds += st.truncated_bytes > 0;
		/* This round's acks; in the last round, all of them. */
		for (i = r + 1 < rounds ? from : 0; i < n; i++) {
			if (acks[i].base + 1 > need)
				need = acks[i].base + 1;
			/* Deleted by the child's retention. */
			if (acks[i].base < st.log_start)
				continue;
			if (!has_batch(log, acks[i].seq, acks[i].base))
				fail_msg("round %d: ack %ld (seq %ld at %lld) "
					 "lost", r, i, acks[i].seq,
					 (long long)acks[i].base);
			checked++;
		}
		assert_true(t_log_walk(log, &end) > 0);
		assert_true(end >= need);
		assert_int_equal(end, kafka_log_end_offset(log));
		assert_int_equal(kafka_log_close(log), 0);
	}
	assert_true(n >= rounds);
	print_message("    %s: %ld acked batches over %d kills (%ld checks), "
		      "%ld torn tails cut\n", topic, n, rounds, checked,
		      cut_rounds);
	free(acks);
	close(dfd);
}

static void kill9_always_disk(void **state)
{
	struct kafka_log_cfg cfg = cfg_small();

	(void)state;
	cfg.segment_bytes = 65536;
	cfg.flush = KAFKA_LOG_FLUSH_ALWAYS;
	kill9(t_dir_disk(), "k9-always", &cfg, 1000000, 8, 250);
}

static void kill9_never_disk(void **state)
{
	struct kafka_log_cfg cfg = cfg_small();

	(void)state;
	cfg.segment_bytes = 65536;
	kill9(t_dir_disk(), "k9-never", &cfg, 1000000, 5, 100);
}

/*
 * Batches of up to 1 MB, so that kills land inside a write and leave torn
 * tails; retention deletes segments as it goes, so kills land inside
 * deletions too.
 */
static void kill9_big_tmpfs(void **state)
{
	struct kafka_log_cfg cfg = cfg_small();

	(void)state;
	cfg.segment_bytes = 3 << 20;
	cfg.retention_bytes = 8 << 20;
	kill9(t_dir_tmpfs(), "k9-big", &cfg, BIG_SEQ, 30, 60);
}

/* Total size of the .log files of @dir in @dfd. */
static uint64_t log_bytes(int dfd, const char *dir)
{
	int fd = openat(dfd, dir, O_RDONLY | O_DIRECTORY);
	DIR *d = fdopendir(fd);
	struct dirent *de;
	struct stat st;
	uint64_t n = 0;
	size_t l;

	if (!d)
		return UINT64_MAX;
	while ((de = readdir(d))) {
		l = strlen(de->d_name);
		if (l > 4 && !strcmp(de->d_name + l - 4, ".log") &&
		    !fstatat(fd, de->d_name, &st, 0))
			n += (uint64_t)st.st_size;
	}
	closedir(d);
	return n;
}

/*
 * In a child with a private mount namespace: a 1 MiB tmpfs filled until
 * appends fail. Returns the exit status: 0, 77 to skip, or a failure.
 */
static int enospc_child(const char *mnt)
{
	struct kafka_log_cfg cfg = cfg_small();
	struct kafka_log_stats st, st2;
	struct kafka_log *log;
	struct t_batch b;
	int64_t base, end;
	long seq, batches;
	int dfd, fd, ret = 0;
	char buf[4096] = { 0 };

	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("zcio-test", mnt, "tmpfs", 0, "size=1m") == -1) {
		fprintf(stderr, "no private tmpfs mount: %s\n",
			strerror(errno));
		return 77;
	}
	dfd = open(mnt, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	/* Room to free later. */
	fd = openat(dfd, "filler", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	for (seq = 0; seq < 64; seq++)
		CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	close(fd);
	cfg.segment_bytes = 200000;
	cfg.flush = KAFKA_LOG_FLUSH_ALWAYS;
	CHECK(!kafka_log_open(dfd, "full", 0, KAFKA_LOG_CREATE, &cfg, &log));
	for (seq = 1; !ret; seq++) {
		b = batch_seq(seq * 13);	/* 20 KB and more each */
		ret = kafka_log_append(log, b.p, b.len, T0, &base);
		t_batch_free(&b);
		CHECK(seq < 1000);
	}
	CHECK(ret == -ENOSPC);
	kafka_log_stats(log, &st);
	/* Again, and with a small batch: still refused, nothing changed. */
	b = batch_seq(13 * 7);
	CHECK(kafka_log_append(log, b.p, b.len, T0, &base) == -ENOSPC);
	t_batch_free(&b);
	kafka_log_stats(log, &st2);
	CHECK(st2.high_watermark == st.high_watermark);
	CHECK(st2.bytes == st.bytes);
	CHECK(log_bytes(dfd, "full-0") == st.bytes);
	batches = walk_plain(log, &end);
	CHECK(batches == seq - 2);
	CHECK(end == st.high_watermark);
	CHECK(!kafka_log_close(log));
	/* Nothing to repair after a restart. */
	CHECK(!kafka_log_open(dfd, "full", 0, 0, &cfg, &log));
	kafka_log_stats(log, &st2);
	CHECK(st2.truncated_bytes == 0);
	CHECK(st2.high_watermark == st.high_watermark);
	/* Once there is room, appends work again. */
	CHECK(!unlinkat(dfd, "filler", 0));
	b = batch_seq(13 * 7);
	CHECK(kafka_log_append(log, b.p, b.len, T0, &base) == 0);
	CHECK(base == st.high_watermark);
	t_batch_free(&b);
	CHECK(walk_plain(log, &end) == batches + 1);
	CHECK(!kafka_log_close(log));
	close(dfd);
	return 0;
}

static void enospc(void **state)
{
	char mnt[512];
	int status;
	pid_t pid;

	(void)state;
	snprintf(mnt, sizeof(mnt), "%s/small", t_dir_tmpfs());
	assert_int_equal(mkdir(mnt, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(enospc_child(mnt));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rmdir(mnt);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		skip();
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * RLIMIT_FSIZE makes a write stop part-way (then fail with EFBIG): the
 * append fails and the segment is cut back to where it was.
 */
static void efbig_partial_write(void **state)
{
	struct kafka_log_cfg cfg = cfg_small();
	struct kafka_log_stats st, st2;
	struct rlimit old, lim;
	struct kafka_log *log;
	struct t_batch b;
	int64_t base[8], end, b2;
	int dfd = t_dirfd(t_dir_tmpfs()), ret;
	void (*was)(int);

	(void)state;
	cfg.segment_bytes = 1 << 20;
	log = open_log(dfd, "fbig", &cfg);
	fill(log, 1, 4, base);
	kafka_log_stats(log, &st);
	b = batch_seq(26);
	assert_true(b.len > 20000);
	was = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = st.bytes + 5000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ret = kafka_log_append(log, b.p, b.len, T0, &b2);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, was);
	assert_int_equal(ret, -EFBIG);
	kafka_log_stats(log, &st2);
	assert_int_equal(st2.bytes, st.bytes);
	assert_int_equal(st2.high_watermark, st.high_watermark);
	assert_int_equal(log_bytes(dfd, "fbig-0"), st.bytes);
	t_batch_free(&b);
	append_seq(log, 26, &b2);
	assert_int_equal(b2, st.high_watermark);
	assert_true(has_batch(log, 26, b2));
	assert_int_equal(t_log_walk(log, &end), 4);
	assert_int_equal(kafka_log_close(log), 0);
	close(dfd);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(torn_tail_every_byte),
		cmocka_unit_test(torn_tail_disk_no_rp),
		cmocka_unit_test(tail_damage),
		cmocka_unit_test(middle_damage_drops_later),
		cmocka_unit_test(index_rebuild),
		cmocka_unit_test(short_timeindex_mid_max),
		cmocka_unit_test(kill9_always_disk),
		cmocka_unit_test(kill9_never_disk),
		cmocka_unit_test(kill9_big_tmpfs),
		cmocka_unit_test(enospc),
		cmocka_unit_test(efbig_partial_write),
	};

	/* A test name (or glob) as argument runs only that one. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
