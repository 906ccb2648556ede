/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-offset-store.c - the committed-offsets store
 * (src/kafka/offset_store.c, offset_file.c) on real files: put/get/list,
 * replay after reopen, a last record torn at every byte (and a header
 * torn at every byte), corrupt CRCs and lengths (records before the
 * damage kept), a foreign file refused untouched, compaction keeping the
 * latest value of each key, argument checks, a write cut short by
 * RLIMIT_FSIZE (cut back off the file, commits work again), threads
 * committing the same keys at once (memory ends equal to the replayed
 * file, under ALWAYS where values are applied after their sync), and a child
 * committing in a loop under ALWAYS killed with SIGKILL several times:
 * no acknowledged commit is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kafka/log.h"
#include "kafka/offset_store.h"

#include "helpers.h"

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

/* A fresh directory under @root; its fd. */
static int fresh_dir(const char *root, const char *name, char *path,
		     size_t len)
{
	static int seq;
	int fd;

	snprintf(path, len, "%s/%s-%d-%d", root, name, (int)getpid(), ++seq);
	assert_int_equal(mkdir(path, 0755), 0);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static struct kafka_offsets *open_store(int dfd, int flush,
					struct kafka_offsets_stats *st)
{
	struct kafka_offsets_cfg cfg = { .dirfd = dfd, .flush = flush };
	struct kafka_offsets *s;

	assert_int_equal(kafka_offsets_open(&cfg, &s, st), 0);
	assert_non_null(s);
	return s;
}

static void put1(struct kafka_offsets *s, const char *group,
		 const char *topic, int32_t part, int64_t offset,
		 const char *meta)
{
	struct kafka_str g = kafka_str_c(group);
	struct kafka_offset_put p = {
		kafka_str_c(topic), part, { offset, (int32_t)part, T0 + offset,
					     kafka_str_c(meta) },
	};

	assert_int_equal(kafka_offsets_put(s, &g, &p, 1), 0);
}

/* Whether the store holds exactly @offset and @meta for the key. */
static void want(struct kafka_offsets *s, const char *group,
		 const char *topic, int32_t part, int64_t offset,
		 const char *meta)
{
	struct kafka_str g = kafka_str_c(group), t = kafka_str_c(topic);
	struct kafka_offset_val v;
	struct kafka_arena a;
	int ret;

	kafka_arena_init(&a);
	ret = kafka_offsets_get(s, &g, &t, part, &v, &a);
	if (offset < 0) {
		assert_int_equal(ret, -ENOENT);
	} else {
		assert_int_equal(ret, 0);
		assert_int_equal(v.offset, offset);
		assert_int_equal(v.leader_epoch, part);
		assert_int_equal(v.commit_ts, T0 + offset);
		assert_true(kafka_str_eq(&v.metadata, meta));
	}
	kafka_arena_exit(&a);
}

static off_t file_size(int dfd)
{
	struct stat sb;

	assert_int_equal(fstatat(dfd, KAFKA_OFFSETS_FILE, &sb, 0), 0);
	return sb.st_size;
}

static uint8_t *read_store(int dfd, size_t *len)
{
	int fd = openat(dfd, KAFKA_OFFSETS_FILE, O_RDONLY);
	uint8_t *p;

	assert_true(fd >= 0);
	*len = t_slurp(fd, &p);
	close(fd);
	return p;
}

static void write_store(int dfd, const uint8_t *p, size_t len)
{
	int fd = openat(dfd, KAFKA_OFFSETS_FILE,
			O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
}

static void put_get_list(void **state)
{
	struct kafka_offsets_stats st;
	struct kafka_offsets *s;
	struct kafka_offset_put *list;
	struct kafka_str g = KAFKA_STR("g1");
	struct kafka_arena a;
	char path[512];
	uint32_t n;
	int dfd;

	(void)state;
	dfd = fresh_dir(t_dir_disk(), "ostore", path, sizeof(path));
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
	/* a new file: written with its header, nothing else */
	assert_int_equal(st.replayed, 0);
	assert_int_equal(st.keys, 0);
	assert_int_equal(file_size(dfd), 8);
	want(s, "g1", "t", 0, -1, NULL);
	put1(s, "g1", "t", 0, 10, "");
	put1(s, "g1", "t", 1, 11, "m1");
	put1(s, "g1", "s", 2, 12, "m2");
	put1(s, "g2", "t", 0, 99, "other group");
	put1(s, "g1", "t", 0, 20, "again");
	want(s, "g1", "t", 0, 20, "again");
	want(s, "g1", "t", 1, 11, "m1");
	want(s, "g2", "t", 0, 99, "other group");
	want(s, "g1", "t", 2, -1, NULL);
	want(s, "g", "t", 0, -1, NULL);
	/* the list of g1: by topic, then partition */
	kafka_arena_init(&a);
	assert_int_equal(kafka_offsets_list(s, &g, &a, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_true(kafka_str_eq(&list[0].topic, "s"));
	assert_int_equal(list[0].val.offset, 12);
	assert_true(kafka_str_eq(&list[1].topic, "t"));
	assert_int_equal(list[1].partition, 0);
	assert_int_equal(list[1].val.offset, 20);
	assert_int_equal(list[2].partition, 1);
	assert_true(kafka_str_eq(&list[2].val.metadata, "m1"));
	g = KAFKA_STR("nobody");
	assert_int_equal(kafka_offsets_list(s, &g, &a, &list, &n), 0);
	assert_int_equal(n, 0);
	kafka_arena_exit(&a);
	kafka_offsets_stats(s, &st);
	assert_int_equal(st.commits, 5);
	assert_int_equal(st.keys, 4);
	assert_int_equal(kafka_offsets_close(s), 0);

	/* replay: the same values; 5 records for 4 keys: compacted */
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
	assert_int_equal(st.replayed, 5);
	assert_int_equal(st.keys, 4);
	assert_true(st.compacted);
	assert_int_equal(st.truncated_bytes, 0);
	want(s, "g1", "t", 0, 20, "again");
	want(s, "g1", "s", 2, 12, "m2");
	want(s, "g2", "t", 0, 99, "other group");
	assert_int_equal(kafka_offsets_close(s), 0);
	/* nothing to compact now */
	s = open_store(dfd, KAFKA_LOG_FLUSH_ALWAYS, &st);
	assert_int_equal(st.replayed, 4);
	assert_false(st.compacted);
	want(s, "g1", "t", 1, 11, "m1");
	assert_int_equal(kafka_offsets_close(s), 0);
	close(dfd);
}

/* Many keys: the table grows; one commit of many partitions. */
static void many_keys(void **state)
{
	struct kafka_offset_put p[500];
	struct kafka_offsets_stats st;
	struct kafka_offsets *s;
	struct kafka_str g = KAFKA_STR("big");
	char path[512], topic[500][16];
	int dfd, i;

	(void)state;
	dfd = fresh_dir(t_dir_tmpfs(), "ostore", path, sizeof(path));
	s = open_store(dfd, KAFKA_LOG_FLUSH_ALWAYS, NULL);
	for (i = 0; i < 500; i++) {
		snprintf(topic[i], sizeof(topic[i]), "topic-%d", i % 50);
		p[i] = (struct kafka_offset_put){
			kafka_str_c(topic[i]), i, { i * 7, i, T0 + i * 7,
						   KAFKA_STR("") },
		};
	}
	assert_int_equal(kafka_offsets_put(s, &g, p, 500), 0);
	kafka_offsets_stats(s, &st);
	assert_int_equal(st.commits, 1);
	assert_int_equal(st.keys, 500);
	assert_true(st.syncs >= 1);
	assert_int_equal(kafka_offsets_close(s), 0);
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
	assert_int_equal(st.keys, 500);
	for (i = 0; i < 500; i++)
		want(s, "big", topic[i], i, i * 7, "");
	assert_int_equal(kafka_offsets_close(s), 0);
	close(dfd);
}

/*
 * A store of @nkeys keys, then one more record for "last"/0; returns its
 * bytes and where the last record starts.
 */
static uint8_t *store_with_last(int dfd, int nkeys, size_t *len,
				size_t *last)
{
	struct kafka_offsets *s;
	char topic[32];
	int i;

	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, NULL);
	for (i = 0; i < nkeys; i++) {
		snprintf(topic, sizeof(topic), "t%d", i);
		put1(s, "grp", topic, i, 100 + i, topic);
	}
	assert_int_equal(kafka_offsets_close(s), 0);
	*last = (size_t)file_size(dfd);
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, NULL);
	put1(s, "grp", "last", 0, 7, "the last metadata");
	assert_int_equal(kafka_offsets_close(s), 0);
	return read_store(dfd, len);
}

static void want_first(struct kafka_offsets *s, int nkeys)
{
	char topic[32];
	int i;

	for (i = 0; i < nkeys; i++) {
		snprintf(topic, sizeof(topic), "t%d", i);
		want(s, "grp", topic, i, 100 + i, topic);
	}
}

static void torn_tail_every_byte(void **state)
{
	struct kafka_offsets_stats st;
	struct kafka_offsets *s;
	size_t len, last, cut;
	char path[512];
	uint8_t *file;
	int dfd;

	(void)state;
	dfd = fresh_dir(t_dir_tmpfs(), "ostore", path, sizeof(path));
	file = store_with_last(dfd, 5, &len, &last);
	assert_true(len > last + 8);
	for (cut = last; cut <= len; cut++) {
		write_store(dfd, file, cut);
		s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
		assert_int_equal(st.truncated_bytes, cut < len ? cut - last : 0);
		assert_int_equal(st.replayed, cut < len ? 5 : 6);
		assert_int_equal(st.compacted, cut > last && cut < len);
		want_first(s, 5);
		if (cut < len)
			want(s, "grp", "last", 0, -1, NULL);
		else
			want(s, "grp", "last", 0, 7, "the last metadata");
		/* commits go on after the cut, and survive a reopen */
		put1(s, "grp", "after", 1, 1, "x");
		assert_int_equal(kafka_offsets_close(s), 0);
		s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
		assert_int_equal(st.truncated_bytes, 0);
		want_first(s, 5);
		want(s, "grp", "after", 1, 1, "x");
		assert_int_equal(kafka_offsets_close(s), 0);
	}
	/* a header torn at any byte: a new, empty store */
	for (cut = 0; cut < 8; cut++) {
		write_store(dfd, file, cut);
		s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
		assert_int_equal(st.truncated_bytes, cut);
		assert_int_equal(st.keys, 0);
		assert_int_equal(file_size(dfd), 8);
		assert_int_equal(kafka_offsets_close(s), 0);
	}
	free(file);
	close(dfd);
}

/* Damage at @at (xor @x): the records before it survive, none after. */
static void damage(int dfd, const uint8_t *file, size_t len, size_t at,
		   uint8_t x, int keep)
{
	struct kafka_offsets_stats st;
	struct kafka_offsets *s;
	uint8_t *copy = malloc(len);

	assert_non_null(copy);
	memcpy(copy, file, len);
	copy[at] ^= x;
	write_store(dfd, copy, len);
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
	assert_int_equal(st.replayed, keep);
	assert_true(st.truncated_bytes > 0);
	assert_true(st.compacted);
	want_first(s, keep < 5 ? keep : 5);
	assert_int_equal(kafka_offsets_close(s), 0);
	free(copy);
}

static void corrupt_records(void **state)
{
	struct kafka_offsets *s;
	size_t len, last, rec;
	char path[512];
	uint8_t *file;
	int dfd;

	(void)state;
	dfd = fresh_dir(t_dir_tmpfs(), "ostore", path, sizeof(path));
	file = store_with_last(dfd, 5, &len, &last);
	/* the five first records have the same size ("tN" twice) */
	rec = (last - 8) / 5;
	/* a bit of the last record's body: CRC mismatch */
	damage(dfd, file, len, len - 3, 0x10, 5);
	/* its CRC field */
	damage(dfd, file, len, last + 5, 0x01, 5);
	/* the third record's offset: the third and later are cut */
	damage(dfd, file, len, 8 + 2 * rec + 8 + 6, 0x80, 2);
	/* the second record's length, made huge: runs past the end */
	damage(dfd, file, len, 8 + rec + 3, 0x40, 1);
	/* the first record's length, made smaller: CRC of less fails */
	damage(dfd, file, len, 8, 0x01, 0);
	/* the damaged file was rewritten: the original is intact again */
	write_store(dfd, file, len);
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, NULL);
	want_first(s, 5);
	assert_int_equal(kafka_offsets_close(s), 0);
	free(file);
	close(dfd);
}

/* Not an offsets file: refused, and left as it was. */
static void foreign_file(void **state)
{
	struct kafka_offsets_cfg cfg = { .flush = KAFKA_LOG_FLUSH_NEVER };
	static const uint8_t junk[] = "this is not an offsets file";
	struct kafka_offsets *s;
	char path[512];
	uint8_t *back;
	size_t len;

	(void)state;
	cfg.dirfd = fresh_dir(t_dir_tmpfs(), "ostore", path, sizeof(path));
	write_store(cfg.dirfd, junk, sizeof(junk));
	assert_int_equal(kafka_offsets_open(&cfg, &s, NULL), -EBADMSG);
	assert_null(s);
	back = read_store(cfg.dirfd, &len);
	assert_int_equal(len, sizeof(junk));
	assert_memory_equal(back, junk, len);
	free(back);
	close(cfg.dirfd);
}

static void compaction_keeps_latest(void **state)
{
	struct kafka_offsets_stats st;
	struct kafka_offsets *s;
	char path[512], meta[64];
	off_t before, after;
	int dfd, i;

	(void)state;
	dfd = fresh_dir(t_dir_disk(), "ostore", path, sizeof(path));
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, NULL);
	for (i = 0; i < 300; i++) {
		snprintf(meta, sizeof(meta), "m%d", i);
		put1(s, "g", "a", i % 3, i, meta);
		put1(s, "h", "a", 0, i, meta);
	}
	assert_int_equal(kafka_offsets_close(s), 0);
	before = file_size(dfd);
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
	after = file_size(dfd);
	assert_int_equal(st.replayed, 600);
	assert_int_equal(st.keys, 4);
	assert_true(st.compacted);
	assert_int_equal(st.compact_err, 0);
	assert_true(after < before / 100);
	want(s, "g", "a", 0, 297, "m297");
	want(s, "g", "a", 1, 298, "m298");
	want(s, "g", "a", 2, 299, "m299");
	want(s, "h", "a", 0, 299, "m299");
	assert_int_equal(kafka_offsets_close(s), 0);
	/* no temporary file left, and a stale one is removed at open */
	assert_true(faccessat(dfd, KAFKA_OFFSETS_FILE ".tmp", F_OK, 0));
	close(openat(dfd, KAFKA_OFFSETS_FILE ".tmp", O_CREAT | O_WRONLY,
		     0644));
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
	assert_false(st.compacted);
	assert_int_equal(file_size(dfd), after);
	assert_true(faccessat(dfd, KAFKA_OFFSETS_FILE ".tmp", F_OK, 0));
	want(s, "h", "a", 0, 299, "m299");
	assert_int_equal(kafka_offsets_close(s), 0);
	close(dfd);
}

static void bad_arguments(void **state)
{
	struct kafka_offset_put p = {
		KAFKA_STR("t"), 0, { 1, -1, T0, KAFKA_STR("") },
	};
	struct kafka_str g = KAFKA_STR("g"), empty = KAFKA_STR("");
	struct kafka_offsets_stats st;
	struct kafka_offsets *s;
	char path[512], *big;
	int dfd;

	(void)state;
	dfd = fresh_dir(t_dir_tmpfs(), "ostore", path, sizeof(path));
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, NULL);
	assert_int_equal(kafka_offsets_put(s, &empty, &p, 1), -EINVAL);
	p.val.metadata = KAFKA_STR_NULL;
	assert_int_equal(kafka_offsets_put(s, &g, &p, 1), -EINVAL);
	big = calloc(1, 70000);
	assert_non_null(big);
	p.val.metadata = (struct kafka_str){ big, 70000 };
	assert_int_equal(kafka_offsets_put(s, &g, &p, 1), -EINVAL);
	/* the largest metadata the file holds */
	p.val.metadata.len = KAFKA_OFFSETS_STR_MAX;
	assert_int_equal(kafka_offsets_put(s, &g, &p, 1), 0);
	p.topic = empty;
	p.val.metadata = KAFKA_STR("");
	assert_int_equal(kafka_offsets_put(s, &g, &p, 1), -EINVAL);
	assert_int_equal(kafka_offsets_put(s, &g, &p, 0), 0);
	kafka_offsets_stats(s, &st);
	assert_int_equal(st.commits, 1);
	assert_int_equal(kafka_offsets_close(s), 0);
	/* the 64 KiB record replays */
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
	assert_int_equal(st.keys, 1);
	assert_int_equal(st.truncated_bytes, 0);
	assert_int_equal(kafka_offsets_close(s), 0);
	free(big);
	close(dfd);
}

/*
 * RLIMIT_FSIZE stops a write part-way (then EFBIG): the commit fails,
 * the partial record is cut back off, later commits work and replay.
 */
static void partial_write(void **state)
{
	struct kafka_offset_put p = {
		KAFKA_STR("t"), 0, { 5, 0, T0 + 5, KAFKA_STR("") },
	};
	struct kafka_str g = KAFKA_STR("g");
	struct kafka_offsets_stats st;
	struct kafka_offsets *s;
	struct rlimit old, lim;
	char path[512], *big;
	void (*was)(int);
	off_t size;
	int dfd, ret;

	(void)state;
	dfd = fresh_dir(t_dir_tmpfs(), "ostore", path, sizeof(path));
	s = open_store(dfd, KAFKA_LOG_FLUSH_ALWAYS, NULL);
	put1(s, "g", "t", 0, 1, "");
	size = file_size(dfd);
	big = calloc(1, 60000);
	assert_non_null(big);
	p.val.metadata = (struct kafka_str){ big, 60000 };
	was = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)size + 1000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ret = kafka_offsets_put(s, &g, &p, 1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, was);
	assert_int_equal(ret, -EFBIG);
	assert_int_equal(file_size(dfd), size);
	want(s, "g", "t", 0, 1, "");
	put1(s, "g", "t", 0, 2, "");
	want(s, "g", "t", 0, 2, "");
	assert_int_equal(kafka_offsets_close(s), 0);
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
	assert_int_equal(st.truncated_bytes, 0);
	assert_int_equal(st.replayed, 2);
	want(s, "g", "t", 0, 2, "");
	assert_int_equal(kafka_offsets_close(s), 0);
	free(big);
	close(dfd);
}

#define MT_THREADS 4
#define MT_COMMITS 300
#define MT_KEYS 6

struct mt {
	struct kafka_offsets *s;
	int id;
};

/* Thread @id commits offsets id, id + 4, ... to the shared keys. */
static void *mt_committer(void *arg)
{
	struct mt *m = arg;
	struct kafka_str g = KAFKA_STR("mt");
	struct kafka_offset_put p[2];
	int i;

	for (i = 0; i < MT_COMMITS; i++) {
		p[0] = (struct kafka_offset_put){
			KAFKA_STR("t"), i % MT_KEYS,
			{ (int64_t)i * MT_THREADS + m->id, m->id, T0,
			  KAFKA_STR("") },
		};
		p[1] = p[0];
		p[1].partition = (i + 1) % MT_KEYS;
		if (kafka_offsets_put(m->s, &g, p, 2))
			return (void *)1;
	}
	return NULL;
}

/* The offsets of the shared keys, from memory. */
static void mt_values(struct kafka_offsets *s, int64_t *v)
{
	struct kafka_str g = KAFKA_STR("mt"), t = KAFKA_STR("t");
	struct kafka_offset_val val;
	struct kafka_arena a;
	int k;

	kafka_arena_init(&a);
	for (k = 0; k < MT_KEYS; k++) {
		assert_int_equal(kafka_offsets_get(s, &g, &t, k, &val, &a), 0);
		v[k] = val.offset;
	}
	kafka_arena_exit(&a);
}

static void threads(int flush)
{
	struct mt m[MT_THREADS];
	pthread_t th[MT_THREADS];
	int64_t mem[MT_KEYS], disk[MT_KEYS];
	struct kafka_offsets_stats st;
	struct kafka_offsets *s;
	char path[512];
	void *ret;
	int dfd, i;

	/* on disk: real syncs, so that commits share them and apply late */
	dfd = fresh_dir(t_dir_disk(), "ostore-mt", path, sizeof(path));
	s = open_store(dfd, flush, NULL);
	for (i = 0; i < MT_THREADS; i++) {
		m[i] = (struct mt){ s, i };
		assert_int_equal(pthread_create(&th[i], NULL, mt_committer,
						&m[i]), 0);
	}
	for (i = 0; i < MT_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	mt_values(s, mem);
	kafka_offsets_stats(s, &st);
	assert_int_equal(st.commits, MT_THREADS * MT_COMMITS);
	assert_int_equal(st.keys, MT_KEYS);
	assert_int_equal(kafka_offsets_close(s), 0);
	s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
	assert_int_equal(st.replayed, 2 * MT_THREADS * MT_COMMITS);
	mt_values(s, disk);
	assert_memory_equal(mem, disk, sizeof(mem));
	assert_int_equal(kafka_offsets_close(s), 0);
	close(dfd);
}

static void threads_always(void **state)
{
	(void)state;
	threads(KAFKA_LOG_FLUSH_ALWAYS);
}

static void threads_never(void **state)
{
	(void)state;
	threads(KAFKA_LOG_FLUSH_NEVER);
}

#define K9_PARTS 8

/*
 * The child: commits offsets 1, 2, 3... of "k9"/P (P = n % K9_PARTS, with
 * metadata of varying size so that records differ) under ALWAYS, and
 * after each commit returns writes n to @fd: the acknowledgement.
 */
static void committer(int dfd, long from, int fd)
{
	struct kafka_offsets_cfg cfg = {
		.dirfd = dfd, .flush = KAFKA_LOG_FLUSH_ALWAYS,
	};
	struct kafka_str g = KAFKA_STR("g");
	struct kafka_offset_put p;
	struct kafka_offsets *s;
	char meta[600];
	long n;

	CHECK(!kafka_offsets_open(&cfg, &s, NULL));
	memset(meta, 'm', sizeof(meta));
	for (n = from;; n++) {
		p = (struct kafka_offset_put){
			KAFKA_STR("k9"), (int32_t)(n % K9_PARTS),
			{ n, (int32_t)(n % K9_PARTS), T0 + n,
			  { meta, (int32_t)(n % 597) } },
		};
		CHECK(!kafka_offsets_put(s, &g, &p, 1));
		CHECK(write(fd, &n, sizeof(n)) == (ssize_t)sizeof(n));
	}
}

static void kill9_always(void **state)
{
	int64_t acked[K9_PARTS];
	struct kafka_offsets_stats st;
	struct kafka_offsets *s;
	struct kafka_offset_val v;
	struct kafka_str g = KAFKA_STR("g"), t = KAFKA_STR("k9");
	struct kafka_arena a;
	struct timespec ts;
	unsigned int rnd = 4242;
	long n, from = 1, total = 0;
	int dfd, p[2], r, i, status, cut = 0;
	char path[512];
	pid_t pid;

	(void)state;
	for (i = 0; i < K9_PARTS; i++)
		acked[i] = -1;
	dfd = fresh_dir(t_dir_disk(), "ostore-k9", path, sizeof(path));
	for (r = 0; r < 6; r++) {
		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (!pid) {
			close(p[0]);
			committer(dfd, from, p[1]);
		}
		close(p[1]);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(50 + rand_r(&rnd) % 250) * 1000000;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		while (read(p[0], &n, sizeof(n)) == (ssize_t)sizeof(n)) {
			acked[n % K9_PARTS] = n;
			from = n + 1;
			total++;
		}
		close(p[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));

		s = open_store(dfd, KAFKA_LOG_FLUSH_NEVER, &st);
		cut += st.truncated_bytes > 0;
		kafka_arena_init(&a);
		for (i = 0; i < K9_PARTS; i++) {
			if (acked[i] < 0)
				continue;
			assert_int_equal(kafka_offsets_get(s, &g, &t, i, &v,
							   &a), 0);
			/* the acknowledged one, or one committed after it
			 * whose answer the kill took */
			if (v.offset < acked[i] ||
			    v.offset > acked[i] + K9_PARTS)
				fail_msg("round %d partition %d: stored %lld, "
					 "acknowledged %lld", r, i,
					 (long long)v.offset,
					 (long long)acked[i]);
			assert_int_equal(v.offset % K9_PARTS, i);
			assert_int_equal(v.metadata.len, v.offset % 597);
			/* an unacknowledged commit that made it is the
			 * floor from now on, and the child goes on after it */
			acked[i] = v.offset;
			if (v.offset >= from)
				from = v.offset + 1;
		}
		kafka_arena_exit(&a);
		assert_int_equal(kafka_offsets_close(s), 0);
	}
	assert_true(total > 0);
	print_message("    %ld acknowledged commits over 6 kills, %d torn "
		      "tails cut\n", total, cut);
	close(dfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_get_list),
		cmocka_unit_test(many_keys),
		cmocka_unit_test(torn_tail_every_byte),
		cmocka_unit_test(corrupt_records),
		cmocka_unit_test(foreign_file),
		cmocka_unit_test(compaction_keeps_latest),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(partial_write),
		cmocka_unit_test(threads_always),
		cmocka_unit_test(threads_never),
		cmocka_unit_test(kill9_always),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
