/* SPDX-License-Identifier: MIT */
/*
 * kafka/offset_store.c - the committed-offsets map and its commits
 * (offset_store.h): a chained hash table under one mutex, appends to the
 * file, and the syncs that the --flush policy asks for.
 *
 * Rules of a commit (kafka_offsets_put):
 *  1. Everything that can fail for lack of memory (the record bytes, the
 *     new entries) is prepared before the lock, so that a record on disk
 *     is never left out of the map for want of memory.
 *  2. The write goes at the file's good end under @mu (positional, so
 *     that a failed or short write can be cut back off); if the cut fails
 *     too, the store turns read-only (sticky error).
 *  3. ALWAYS: the sync runs outside @mu, one at a time under @sync_mu; a
 *     commit whose bytes an earlier sync covered returns at once (group
 *     commit). The entries reach the map only after their sync, in any
 *     order, so each carries the file position of its record (seq) and
 *     an older one never replaces a newer one.
 *  4. A failed fdatasync is sticky, as in the partition logs: Linux may
 *     have dropped the pages it could not write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka/log.h"
#include "kafka/offset_int.h"

#define NBUCKETS_MIN 64

/* FNV-1a over the key (group, a 0 byte, topic, partition). */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t key_hash(const char *g, uint16_t glen, const char *t,
			 uint16_t tlen, int32_t partition)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t zero = 0;

	h = fnv(h, g, glen);
	h = fnv(h, &zero, 1);
	h = fnv(h, t, tlen);
	return fnv(h, &partition, sizeof(partition));
}

struct kafka_offsets_ent *kafka_offsets__ent_new(const char *group,
						 uint16_t glen,
						 const char *topic,
						 uint16_t tlen,
						 const char *meta,
						 uint16_t mlen)
{
	struct kafka_offsets_ent *e;

	e = malloc(sizeof(*e) + (size_t)glen + tlen + mlen);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->glen = glen;
	e->tlen = tlen;
	e->mlen = mlen;
	memcpy(e->data, group, glen);
	memcpy(e->data + glen, topic, tlen);
	if (mlen)
		memcpy(e->data + glen + tlen, meta, mlen);
	return e;
}

static bool same_key(const struct kafka_offsets_ent *a,
		     const struct kafka_offsets_ent *b)
{
	return a->hash == b->hash && a->partition == b->partition &&
	       a->glen == b->glen && a->tlen == b->tlen &&
	       !memcmp(a->data, b->data, (size_t)a->glen + a->tlen);
}

/* Doubles the table; on no memory it stays as it is (longer chains). */
static void grow(struct kafka_offsets *s)
{
	uint32_t n = s->nbuckets * 2, i;
	struct kafka_offsets_ent **b, *e, *next;

	b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (i = 0; i < s->nbuckets; i++)
		for (e = s->buckets[i]; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
}

void kafka_offsets__insert(struct kafka_offsets *s,
			   struct kafka_offsets_ent *e)
{
	struct kafka_offsets_ent **pp;

	e->hash = key_hash(kafka_offsets__group(e), e->glen,
			   kafka_offsets__topic(e), e->tlen, e->partition);
	for (pp = &s->buckets[e->hash & (s->nbuckets - 1)]; *pp;
	     pp = &(*pp)->next) {
		if (!same_key(*pp, e))
			continue;
		if ((*pp)->seq > e->seq) {
			free(e);
			return;
		}
		e->next = (*pp)->next;
		free(*pp);
		*pp = e;
		return;
	}
	e->next = NULL;
	*pp = e;
	if (++s->st.keys > s->nbuckets && s->nbuckets < (1u << 30))
		grow(s);
}

static struct kafka_offsets_ent *find(struct kafka_offsets *s,
				      const struct kafka_str *group,
				      const struct kafka_str *topic,
				      int32_t partition)
{
	struct kafka_offsets_ent *e;
	uint64_t h;

	if (group->len < 1 || group->len > KAFKA_OFFSETS_STR_MAX ||
	    topic->len < 1 || topic->len > KAFKA_OFFSETS_STR_MAX)
		return NULL;
	h = key_hash(group->p, (uint16_t)group->len, topic->p,
		     (uint16_t)topic->len, partition);
	for (e = s->buckets[h & (s->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && e->partition == partition &&
		    e->glen == group->len && e->tlen == topic->len &&
		    !memcmp(e->data, group->p, e->glen) &&
		    !memcmp(e->data + e->glen, topic->p, e->tlen))
			return e;
	return NULL;
}

static void free_map(struct kafka_offsets *s)
{
	struct kafka_offsets_ent *e, *next;
	uint32_t i;

	for (i = 0; s->buckets && i < s->nbuckets; i++)
		for (e = s->buckets[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	free(s->buckets);
}

int kafka_offsets_open(const struct kafka_offsets_cfg *cfg,
		       struct kafka_offsets **out,
		       struct kafka_offsets_stats *st)
{
	struct kafka_offsets *s;
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->nbuckets = NBUCKETS_MIN;
	s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
	if (!s->buckets) {
		free(s);
		return -ENOMEM;
	}
	s->dirfd = cfg->dirfd;
	s->flush = cfg->flush;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->sync_mu, NULL);
	err = kafka_offsets__load(s);
	if (st)
		*st = s->st;
	if (err) {
		free_map(s);
		pthread_mutex_destroy(&s->mu);
		pthread_mutex_destroy(&s->sync_mu);
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

/* Rule 1 and 3: syncs up to @end at least; 0 or the sticky error. */
static int sync_to(struct kafka_offsets *s, uint64_t end)
{
	uint64_t target;
	int err;

	pthread_mutex_lock(&s->sync_mu);
	pthread_mutex_lock(&s->mu);
	err = s->err;
	target = s->size;
	if (err || s->synced >= end) {
		pthread_mutex_unlock(&s->mu);
		pthread_mutex_unlock(&s->sync_mu);
		return err;
	}
	pthread_mutex_unlock(&s->mu);
	err = fdatasync(s->fd) ? -errno : 0;
	pthread_mutex_lock(&s->mu);
	s->st.syncs++;
	if (err)
		s->err = err;
	else
		s->synced = target;
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_unlock(&s->sync_mu);
	return err;
}

int kafka_offsets_flush(struct kafka_offsets *s)
{
	uint64_t end;

	pthread_mutex_lock(&s->mu);
	end = s->size;
	pthread_mutex_unlock(&s->mu);
	return sync_to(s, end);
}

int kafka_offsets_close(struct kafka_offsets *s)
{
	int err;

	if (!s)
		return 0;
	err = kafka_offsets_flush(s);
	if (close(s->fd) && !err)
		err = -errno;
	free_map(s);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->sync_mu);
	free(s);
	return err;
}

/* Rule 2: the whole buffer at the good end, or nothing (under @mu). */
static int append(struct kafka_offsets *s, const uint8_t *p, size_t n)
{
	size_t done = 0;
	ssize_t w;
	int err = 0;

	if (s->err)
		return s->err;
	while (done < n) {
		w = pwrite(s->fd, p + done, n - done,
			   (off_t)(s->size + done));
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w ? -errno : -EIO;
			break;
		}
		done += (size_t)w;
	}
	if (!err) {
		s->size += n;
		s->st.commits++;
		return 0;
	}
	if (done && ftruncate(s->fd, (off_t)s->size))
		s->err = -errno;
	return err;
}

/* The entries of a commit and their records, built before the lock. */
struct batch {
	struct kafka_offsets_ent **ents;
	uint8_t *bytes;
	size_t len;
	uint32_t n;
};

static void batch_free(struct batch *b)
{
	uint32_t i;

	for (i = 0; b->ents && i < b->n; i++)
		free(b->ents[i]);
	free(b->ents);
	free(b->bytes);
}

static bool put_valid(const struct kafka_str *group,
		      const struct kafka_offset_put *p)
{
	return group->len >= 1 && group->len <= KAFKA_OFFSETS_STR_MAX &&
	       p->topic.len >= 1 && p->topic.len <= KAFKA_OFFSETS_STR_MAX &&
	       p->val.metadata.len >= 0 && p->val.metadata.p &&
	       p->val.metadata.len <= KAFKA_OFFSETS_STR_MAX;
}

static int batch_build(struct batch *b, const struct kafka_str *group,
		       const struct kafka_offset_put *puts, uint32_t n)
{
	const struct kafka_offset_put *p;
	struct kafka_offsets_ent *e;
	uint32_t i;
	size_t off;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < n; i++)
		if (!put_valid(group, &puts[i]))
			return -EINVAL;
	b->ents = calloc(n ? n : 1, sizeof(*b->ents));
	if (!b->ents)
		return -ENOMEM;
	for (i = 0; i < n; i++, b->n++) {
		p = &puts[i];
		e = kafka_offsets__ent_new(group->p, (uint16_t)group->len,
					   p->topic.p, (uint16_t)p->topic.len,
					   p->val.metadata.p,
					   (uint16_t)p->val.metadata.len);
		if (!e)
			return -ENOMEM;
		e->partition = p->partition;
		e->offset = p->val.offset;
		e->leader_epoch = p->val.leader_epoch;
		e->commit_ts = p->val.commit_ts;
		b->ents[i] = e;
		b->len += kafka_offsets__rec_size(e);
	}
	b->bytes = malloc(b->len ? b->len : 1);
	if (!b->bytes)
		return -ENOMEM;
	for (i = 0, off = 0; i < n; i++) {
		kafka_offsets__rec_encode(b->bytes + off, b->ents[i]);
		off += kafka_offsets__rec_size(b->ents[i]);
	}
	return 0;
}

/* Moves the batch's entries into the map, with @seq (under @mu). */
static void batch_apply(struct kafka_offsets *s, struct batch *b,
			uint64_t seq)
{
	uint32_t i;

	for (i = 0; i < b->n; i++) {
		b->ents[i]->seq = seq;
		kafka_offsets__insert(s, b->ents[i]);
		b->ents[i] = NULL;
	}
}

int kafka_offsets_put(struct kafka_offsets *s, const struct kafka_str *group,
		      const struct kafka_offset_put *puts, uint32_t n)
{
	bool always = s->flush == KAFKA_LOG_FLUSH_ALWAYS;
	struct batch b;
	uint64_t end;
	int err;

	if (!n)
		return 0;
	err = batch_build(&b, group, puts, n);
	if (err) {
		batch_free(&b);
		return err;
	}
	pthread_mutex_lock(&s->mu);
	err = append(s, b.bytes, b.len);
	end = s->size;
	if (!err && !always)
		batch_apply(s, &b, end);
	pthread_mutex_unlock(&s->mu);
	if (!err && always) {
		err = sync_to(s, end);
		if (!err) {
			pthread_mutex_lock(&s->mu);
			batch_apply(s, &b, end);
			pthread_mutex_unlock(&s->mu);
		}
	}
	batch_free(&b);
	return err;
}

/* A copy of @n bytes at @p in @a, as a kafka_str; false on no memory. */
static bool arena_str(struct kafka_arena *a, const char *p, uint16_t n,
		      struct kafka_str *out)
{
	char *c = kafka_arena_alloc(a, n, 1);

	if (!c)
		return false;
	if (n)
		memcpy(c, p, n);
	*out = (struct kafka_str){ c, n };
	return true;
}

static bool val_copy(const struct kafka_offsets_ent *e,
		     struct kafka_offset_val *v, struct kafka_arena *a)
{
	v->offset = e->offset;
	v->leader_epoch = e->leader_epoch;
	v->commit_ts = e->commit_ts;
	return arena_str(a, kafka_offsets__meta(e), e->mlen, &v->metadata);
}

int kafka_offsets_get(struct kafka_offsets *s, const struct kafka_str *group,
		      const struct kafka_str *topic, int32_t partition,
		      struct kafka_offset_val *v, struct kafka_arena *a)
{
	const struct kafka_offsets_ent *e;
	int ret = -ENOENT;

	pthread_mutex_lock(&s->mu);
	e = find(s, group, topic, partition);
	if (e)
		ret = val_copy(e, v, a) ? 0 : -ENOMEM;
	pthread_mutex_unlock(&s->mu);
	return ret;
}

static int put_cmp(const void *a, const void *b)
{
	const struct kafka_offset_put *x = a, *y = b;
	int32_t n = x->topic.len < y->topic.len ? x->topic.len : y->topic.len;
	int c = memcmp(x->topic.p, y->topic.p, (size_t)n);

	if (c)
		return c;
	if (x->topic.len != y->topic.len)
		return x->topic.len < y->topic.len ? -1 : 1;
	return x->partition < y->partition ? -1 : x->partition > y->partition;
}

static bool in_group(const struct kafka_offsets_ent *e,
		     const struct kafka_str *group)
{
	return group->len >= 0 && e->glen == group->len &&
	       !memcmp(e->data, group->p, e->glen);
}

/* Under @mu: the entries of @group copied into @list (@n of them). */
static bool list_copy(struct kafka_offsets *s, const struct kafka_str *group,
		      struct kafka_arena *a, struct kafka_offset_put *list)
{
	const struct kafka_offsets_ent *e;
	uint32_t i, k = 0;

	for (i = 0; i < s->nbuckets; i++)
		for (e = s->buckets[i]; e; e = e->next) {
			if (!in_group(e, group))
				continue;
			list[k].partition = e->partition;
			if (!arena_str(a, kafka_offsets__topic(e), e->tlen,
				       &list[k].topic) ||
			    !val_copy(e, &list[k].val, a))
				return false;
			k++;
		}
	return true;
}

int kafka_offsets_list(struct kafka_offsets *s, const struct kafka_str *group,
		       struct kafka_arena *a, struct kafka_offset_put **out,
		       uint32_t *n)
{
	const struct kafka_offsets_ent *e;
	struct kafka_offset_put *list;
	uint32_t i, k = 0;
	bool ok;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nbuckets; i++)
		for (e = s->buckets[i]; e; e = e->next)
			k += in_group(e, group);
	list = kafka_arena_alloc(a, k, sizeof(*list));
	ok = list && list_copy(s, group, a, list);
	pthread_mutex_unlock(&s->mu);
	if (!ok)
		return -ENOMEM;
	qsort(list, k, sizeof(*list), put_cmp);
	*out = list;
	*n = k;
	return 0;
}

void kafka_offsets_stats(struct kafka_offsets *s,
			 struct kafka_offsets_stats *st)
{
	pthread_mutex_lock(&s->mu);
	*st = s->st;
	pthread_mutex_unlock(&s->mu);
}
