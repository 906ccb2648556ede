/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/topic.c - the registry of topics and partitions (topic.h): a
 * hash table for lookups under a read-write lock, an array in creation
 * order for listing, and the scan of the data directory at start.
 *
 * Creation opens the logs (directories, files: it blocks on the disk)
 * under a mutex of its own, outside the lookup lock, and publishes the
 * finished topic under the write lock: lookups by other workers never wait
 * for the disk.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/log.h"
#include "topic.h"
#include "topic_int.h"

/* Buckets of the hash table: a power of two, plenty for a single node. */
#define NR_BUCKETS 1024

struct kafka_topics {
	struct kafka_topics_cfg cfg;
	pthread_rwlock_t lock;		/* buckets, list, nr */
	pthread_mutex_t create;		/* one creation at a time */
	struct kafka_topic *buckets[NR_BUCKETS];
	struct kafka_topic **list;	/* in creation order */
	uint32_t nr, cap;
	/* Deleted topics, kept until close, their logs until reaped
	 * (topic.h); under @create. */
	struct kafka_topic *graveyard;
	uint64_t epoch;			/* deletions; atomic */
};

/* FNV-1a: short keys, no adversary worth a keyed hash here. */
static uint32_t hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h & (NR_BUCKETS - 1);
}

static struct kafka_topic *lookup(struct kafka_topics *t, const char *p,
				  size_t len)
{
	struct kafka_topic *tp;

	for (tp = t->buckets[hash(p, len)]; tp; tp = tp->hnext)
		if (tp->name_len == len && !memcmp(tp->name, p, len))
			return tp;
	return NULL;
}

struct kafka_topic *kafka_topic_find(struct kafka_topics *t,
				     const struct kafka_str *name)
{
	struct kafka_topic *tp;

	if (name->len <= 0 || name->len > KAFKA_LOG_TOPIC_MAX)
		return NULL;
	pthread_rwlock_rdlock(&t->lock);
	tp = lookup(t, name->p, (size_t)name->len);
	pthread_rwlock_unlock(&t->lock);
	return tp;
}

static void topic_free(struct kafka_topic *tp)
{
	uint32_t i;

	if (!tp)
		return;
	for (i = 0; tp->parts && i < tp->nr_parts; i++) {
		kafka_log_close(tp->parts[i].log);
		free(tp->parts[i].wait_count);
	}
	free(tp->parts);
	free(tp);
}

/* Opens (creating) the logs of a new topic struct; not yet published. */
static int topic_open(struct kafka_topics *t, const char *name, size_t len,
		      uint32_t nr_parts, struct kafka_topic **out)
{
	struct kafka_topic *tp;
	struct kafka_part *p;
	uint32_t i;
	int err;

	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	memcpy(tp->name, name, len);
	tp->name_len = (uint16_t)len;
	tp->nr_parts = nr_parts;
	tp->parts = calloc(nr_parts, sizeof(*tp->parts));
	if (!tp->parts) {
		free(tp);
		return -ENOMEM;
	}
	for (i = 0; i < nr_parts; i++) {
		p = &tp->parts[i];
		p->topic = tp;
		p->id = (int32_t)i;
		p->metric = -1;
		p->wait_count = calloc(t->cfg.nr_workers,
				       sizeof(*p->wait_count));
		err = p->wait_count ? kafka_log_open(t->cfg.dirfd, tp->name,
						     (int32_t)i,
						     KAFKA_LOG_CREATE,
						     &t->cfg.log, &p->log) :
				      -ENOMEM;
		if (err) {
			eng_log(ENG_LOG_ERROR, "partition %s-%u: %s",
				tp->name, i, strerror(-err));
			topic_free(tp);
			return err;
		}
	}
	/* Only a whole topic is handed to the hook (metrics keep it). */
	for (i = 0; t->cfg.on_open && i < nr_parts; i++)
		t->cfg.on_open(t->cfg.arg, &tp->parts[i]);
	*out = tp;
	return 0;
}

/*
 * Room in the list for one more topic, made before the topic is opened:
 * publishing cannot fail then, so a topic whose partitions were handed to
 * the hook (metrics point at them) is never freed again.
 */
static int reserve(struct kafka_topics *t)
{
	struct kafka_topic **list;
	uint32_t cap = t->cap ? t->cap * 2 : 64;

	if (t->nr < t->cap)
		return 0;
	list = malloc(cap * sizeof(*list));
	if (!list)
		return -ENOMEM;
	pthread_rwlock_wrlock(&t->lock);
	if (t->nr)
		memcpy(list, t->list, t->nr * sizeof(*list));
	free(t->list);
	t->list = list;
	t->cap = cap;
	pthread_rwlock_unlock(&t->lock);
	return 0;
}

/* Adds @tp to the table and the list (reserved); under the write lock. */
static void publish(struct kafka_topics *t, struct kafka_topic *tp)
{
	uint32_t h = hash(tp->name, tp->name_len);

	t->list[t->nr++] = tp;
	tp->hnext = t->buckets[h];
	t->buckets[h] = tp;
}

/* Under the creation mutex (or alone, at start). */
static int create_locked(struct kafka_topics *t, const char *name,
			 size_t len, uint32_t nr_parts,
			 struct kafka_topic **out)
{
	struct kafka_topic *tp;
	int err;

	pthread_rwlock_rdlock(&t->lock);
	tp = lookup(t, name, len);
	pthread_rwlock_unlock(&t->lock);
	if (tp) {
		*out = tp;
		return 0;
	}
	err = reserve(t);
	if (!err)
		err = topic_open(t, name, len, nr_parts, &tp);
	if (err)
		return err;
	pthread_rwlock_wrlock(&t->lock);
	publish(t, tp);
	pthread_rwlock_unlock(&t->lock);
	eng_log(ENG_LOG_INFO, "topic %s: %u partition%s", tp->name,
		nr_parts, nr_parts == 1 ? "" : "s");
	*out = tp;
	return 0;
}

/* Both creations; @excl: -EEXIST rather than finding the topic. */
static int create(struct kafka_topics *t, const struct kafka_str *name,
		  uint32_t nr_parts, bool excl, struct kafka_topic **out)
{
	int err = 0;

	if (name->len <= 0 || !kafka_log_topic_valid(name->p,
						     (size_t)name->len))
		return -EINVAL;
	if (!nr_parts)
		return -EINVAL;
	pthread_mutex_lock(&t->create);
	if (excl) {
		pthread_rwlock_rdlock(&t->lock);
		if (lookup(t, name->p, (size_t)name->len))
			err = -EEXIST;
		pthread_rwlock_unlock(&t->lock);
	}
	if (!err)
		err = create_locked(t, name->p, (size_t)name->len, nr_parts,
				    out);
	pthread_mutex_unlock(&t->create);
	return err;
}

int kafka_topic_create(struct kafka_topics *t, const struct kafka_str *name,
		       uint32_t nr_parts, struct kafka_topic **out)
{
	return create(t, name, nr_parts, false, out);
}

int kafka_topic_create_new(struct kafka_topics *t,
			   const struct kafka_str *name, uint32_t nr_parts,
			   struct kafka_topic **out)
{
	return create(t, name, nr_parts, true, out);
}

/* Takes @tp out of the table and the list; under the write lock. */
static void unpublish(struct kafka_topics *t, struct kafka_topic *tp)
{
	struct kafka_topic **pp = &t->buckets[hash(tp->name, tp->name_len)];
	uint32_t i;

	while (*pp && *pp != tp)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = tp->hnext;
	for (i = 0; i < t->nr && t->list[i] != tp; i++)
		;
	if (i < t->nr) {
		memmove(&t->list[i], &t->list[i + 1],
			(t->nr - i - 1) * sizeof(*t->list));
		t->nr--;
	}
}

int kafka_topic_delete(struct kafka_topics *t, const struct kafka_str *name,
		       struct kafka_topic **out)
{
	struct kafka_topic *tp = NULL;
	int err;

	if (name->len <= 0 || name->len > KAFKA_LOG_TOPIC_MAX)
		return -ENOENT;
	pthread_mutex_lock(&t->create);
	pthread_rwlock_rdlock(&t->lock);
	tp = lookup(t, name->p, (size_t)name->len);
	pthread_rwlock_unlock(&t->lock);
	err = tp ? kafka__topic_retire(t->cfg.dirfd, tp->name, tp->nr_parts) :
		   -ENOENT;
	if (!err) {
		__atomic_store_n(&tp->deleted, true, __ATOMIC_SEQ_CST);
		pthread_rwlock_wrlock(&t->lock);
		unpublish(t, tp);
		pthread_rwlock_unlock(&t->lock);
		/* Counted after it left the lookups (kafka_topics_epoch). */
		tp->del_epoch = __atomic_add_fetch(&t->epoch, 1,
						   __ATOMIC_SEQ_CST);
		tp->hnext = t->graveyard;
		t->graveyard = tp;
	}
	pthread_mutex_unlock(&t->create);
	if (err)
		return err;
	/* The bytes go now; the space once the logs close (topic.h). */
	kafka__topics_purge(t->cfg.dirfd, false);
	eng_log(ENG_LOG_INFO, "topic %s: deleted", tp->name);
	if (out)
		*out = tp;
	return 0;
}

uint64_t kafka_topics_epoch(struct kafka_topics *t)
{
	return __atomic_load_n(&t->epoch, __ATOMIC_SEQ_CST);
}

/* Deleted topics whose logs one kafka_topics_reap call closes at most. */
#define REAP_BATCH 16

uint32_t kafka_topics_reap(struct kafka_topics *t,
			   bool (*safe)(void *arg, const struct kafka_topic *tp),
			   void *arg)
{
	struct kafka_topic *tp, *todo[REAP_BATCH];
	uint32_t n = 0, pending = 0, i, j;

	pthread_mutex_lock(&t->create);
	for (tp = t->graveyard; tp; tp = tp->hnext) {
		if (tp->reaped)
			continue;
		if (n < REAP_BATCH && safe(arg, tp)) {
			tp->reaped = true;
			todo[n++] = tp;
		} else {
			pending++;
		}
	}
	pthread_mutex_unlock(&t->create);
	/* Outside the mutex: the last flush must not hold up creations. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < todo[i]->nr_parts; j++) {
			kafka_log_close(todo[i]->parts[j].log);
			todo[i]->parts[j].log = NULL;
		}
		eng_log(ENG_LOG_INFO, "topic %s: deleted files closed",
			todo[i]->name);
	}
	return pending;
}

/* A topic seen in the data directory and its highest partition. */
struct found {
	char name[KAFKA_LOG_TOPIC_MAX + 1];
	int32_t max_part;
};

static int note(struct found **f, uint32_t *n, uint32_t *cap,
		const char *name, int32_t part)
{
	struct found *nf;
	uint32_t i;

	for (i = 0; i < *n; i++) {
		if (!strcmp((*f)[i].name, name)) {
			if (part > (*f)[i].max_part)
				(*f)[i].max_part = part;
			return 0;
		}
	}
	if (*n == *cap) {
		nf = realloc(*f, (*cap ? *cap * 2 : 16) * sizeof(**f));
		if (!nf)
			return -ENOMEM;
		*f = nf;
		*cap = *cap ? *cap * 2 : 16;
	}
	strcpy((*f)[*n].name, name);
	(*f)[(*n)++].max_part = part;
	return 0;
}

/* Every TOPIC-N directory under the data directory. */
static int scan(struct kafka_topics *t, struct found **f, uint32_t *n)
{
	char topic[KAFKA_LOG_TOPIC_MAX + 1];
	uint32_t cap = 0;
	struct dirent *de;
	int32_t part;
	int fd, err = 0;
	DIR *d;

	fd = openat(t->cfg.dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (kafka_log_dirname_parse(de->d_name, topic, &part)) {
			eng_log(ENG_LOG_WARN, "data directory: ignoring '%s' "
				"(not TOPIC-PARTITION)", de->d_name);
			continue;
		}
		err = note(f, n, &cap, topic, part);
	}
	closedir(d);
	return err;
}

static int load(struct kafka_topics *t)
{
	struct found *f = NULL;
	struct kafka_topic *tp;
	uint32_t n = 0, i;
	int err;

	/* Deletions a crash interrupted are finished first. */
	kafka__topics_purge(t->cfg.dirfd, true);
	err = scan(t, &f, &n);
	for (i = 0; !err && i < n; i++)
		err = create_locked(t, f[i].name, strlen(f[i].name),
				    (uint32_t)f[i].max_part + 1, &tp);
	free(f);
	return err;
}

int kafka_topics_open(const struct kafka_topics_cfg *cfg,
		      struct kafka_topics **out)
{
	struct kafka_topics *t;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	pthread_rwlock_init(&t->lock, NULL);
	pthread_mutex_init(&t->create, NULL);
	err = load(t);
	if (err) {
		kafka_topics_close(t);
		return err;
	}
	*out = t;
	return 0;
}

void kafka_topics_close(struct kafka_topics *t)
{
	struct kafka_topic *tp;
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->nr; i++)
		topic_free(t->list[i]);
	while ((tp = t->graveyard)) {
		t->graveyard = tp->hnext;
		topic_free(tp);
	}
	free(t->list);
	pthread_rwlock_destroy(&t->lock);
	pthread_mutex_destroy(&t->create);
	free(t);
}

uint32_t kafka_topics_count(struct kafka_topics *t)
{
	uint32_t n;

	pthread_rwlock_rdlock(&t->lock);
	n = t->nr;
	pthread_rwlock_unlock(&t->lock);
	return n;
}

uint32_t kafka_topics_list(struct kafka_topics *t, struct kafka_topic **out,
			   uint32_t max)
{
	uint32_t n;

	pthread_rwlock_rdlock(&t->lock);
	n = t->nr < max ? t->nr : max;
	if (n)
		memcpy(out, t->list, n * sizeof(*out));
	pthread_rwlock_unlock(&t->lock);
	return n;
}
