/* SPDX-License-Identifier: MIT */
/*
 * src/http/files.c - the open-file cache (files.h): a hash table of
 * entries keyed by path, an LRU list, revalidation and eviction. Opening
 * a file and filling an entry is files_open.c.
 *
 * Entries are allocated on a miss only; a hit costs a hash, a compare and,
 * once per valid_ms, one fstatat. What a chain in flight sends is held by
 * its own zc_buf references, so an entry can be evicted or replaced at any
 * time without waiting for responses that use it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files_int.h"
#include "path.h"

/* Only the owning worker writes a counter: a relaxed load and store. */
#define ST_ADD(fc, field, n)						\
	__atomic_store_n(&(fc)->st.field, (fc)->st.field + (n),	\
			 __ATOMIC_RELAXED)

struct http_files {
	struct http_files_cfg cfg;
	struct http_file **table;	/* buckets; a power of two */
	uint32_t mask;
	struct http_file *head, *tail;	/* LRU, head is the newest */
	struct http_files_stats st;
};

/*
 * FNV-1a. Only paths that exist get an entry, so a client cannot fill a
 * bucket with names of its choosing.
 */
static uint32_t hash_path(const char *p, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

struct http_files *http_files_new(const struct http_files_cfg *cfg, int *err)
{
	struct http_files *fc;
	uint32_t n = 16;

	/* At least two buckets per entry keep the chains short. */
	while (n < 2 * (uint64_t)cfg->entries && n < (1u << 24))
		n *= 2;
	fc = calloc(1, sizeof(*fc));
	if (fc)
		fc->table = calloc(n, sizeof(*fc->table));
	if (!fc || !fc->table) {
		free(fc);
		*err = -ENOMEM;
		return NULL;
	}
	fc->cfg = *cfg;
	if (!fc->cfg.entries)
		fc->cfg.entries = 1;
	fc->mask = n - 1;
	return fc;
}

static void lru_unlink(struct http_files *fc, struct http_file *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		fc->head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		fc->tail = f->prev;
	f->prev = f->next = NULL;
}

static void lru_push(struct http_files *fc, struct http_file *f)
{
	f->next = fc->head;
	f->prev = NULL;
	if (fc->head)
		fc->head->prev = f;
	fc->head = f;
	if (!fc->tail)
		fc->tail = f;
}

/* Unhashes, unlinks and frees @f; its stores live on while referenced. */
static void drop(struct http_files *fc, struct http_file *f)
{
	struct http_file **pp = &fc->table[f->hash & fc->mask];

	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	lru_unlink(fc, f);
	ST_ADD(fc, entries, -1);
	if (f->mem)
		ST_ADD(fc, small_bytes, -f->size);
	http__file_free(f);
}

void http_files_free(struct http_files *fc)
{
	if (!fc)
		return;
	while (fc->head)
		drop(fc, fc->head);
	free(fc->table);
	free(fc);
}

static struct http_file *find(struct http_files *fc, const char *key,
			      size_t len, uint32_t h)
{
	struct http_file *f;

	for (f = fc->table[h & fc->mask]; f; f = f->hnext)
		if (f->hash == h && f->keylen == len &&
		    !memcmp(f->key, key, len))
			return f;
	return NULL;
}

static void insert(struct http_files *fc, struct http_file *f)
{
	struct http_file **b = &fc->table[f->hash & fc->mask];

	while (fc->st.entries >= fc->cfg.entries && fc->tail) {
		drop(fc, fc->tail);
		ST_ADD(fc, evictions, 1);
	}
	f->hnext = *b;
	*b = f;
	lru_push(fc, f);
	ST_ADD(fc, entries, 1);
	if (f->mem)
		ST_ADD(fc, small_bytes, f->size);
}

/*
 * Whether the file at @key is still the one @f opened: the same inode,
 * size and mtime, as nginx's ngx_open_cached_file checks. fstatat by name
 * may follow a symlink that leaves the root, but only to compare: a
 * changed answer makes us open the path again with openat2.
 */
static int still_valid(struct http_files *fc, struct http_file *f)
{
	struct stat st;

	if (fstatat(fc->cfg.rootfd, f->key, &st, AT_NO_AUTOMOUNT) == -1)
		return 0;
	return st.st_dev == f->dev && st.st_ino == f->ino &&
	       (uint64_t)st.st_size == f->size &&
	       st.st_mtim.tv_sec == f->mtime.tv_sec &&
	       st.st_mtim.tv_nsec == f->mtime.tv_nsec &&
	       S_ISDIR(st.st_mode) == (f->kind == HTTP_FILE_DIR);
}

int http_files_get(struct http_files *fc, const char *path, size_t len,
		   uint64_t now_ms, struct http_file **out)
{
	struct http_file *f;
	const char *key;
	uint32_t h;
	int ret;

	if (fc->cfg.dotfiles == HTTP_DOTFILES_DENY &&
	    http_path_has_dotfile(path, len))
		return -EPERM;
	/* The key is the path relative to the root; "." for the root. */
	while (len && *path == '/') {
		path++;
		len--;
	}
	key = len ? path : ".";
	len = len ? len : 1;
	if (len >= HTTP__KEY_MAX)
		return -ENAMETOOLONG;
	h = hash_path(key, len);
	f = find(fc, key, len, h);
	if (f && now_ms - f->checked_ms >= fc->cfg.valid_ms) {
		if (still_valid(fc, f)) {
			f->checked_ms = now_ms;
			ST_ADD(fc, revalidated, 1);
		} else {
			drop(fc, f);
			ST_ADD(fc, stale, 1);
			f = NULL;
		}
	}
	if (f) {
		ST_ADD(fc, hits, 1);
		if (fc->head != f) {
			lru_unlink(fc, f);
			lru_push(fc, f);
		}
		*out = f;
		return 0;
	}
	ST_ADD(fc, misses, 1);
	ret = http__file_open(&fc->cfg, key, len, h, &f);
	if (ret)
		return ret;
	f->checked_ms = now_ms;
	insert(fc, f);
	*out = f;
	return 0;
}

void http_files_expire(struct http_files *fc)
{
	struct http_file *f;

	for (f = fc->head; f; f = f->next)
		f->checked_ms = 0;
}

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void http_files_get_stats(const struct http_files *fc,
			  struct http_files_stats *st)
{
	st->hits = LOAD(fc->st.hits);
	st->misses = LOAD(fc->st.misses);
	st->evictions = LOAD(fc->st.evictions);
	st->revalidated = LOAD(fc->st.revalidated);
	st->stale = LOAD(fc->st.stale);
	st->small_bytes = LOAD(fc->st.small_bytes);
	st->entries = LOAD(fc->st.entries);
}
