/* SPDX-License-Identifier: MIT */
/*
 * src/http/files.h - the open-file cache of one worker: files under the
 * served root, opened once with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS), kept open as zc_buf file stores so that chains
 * in flight hold them, with what each response needs ready: size, ETag,
 * Last-Modified, Content-Type and the header lines made of them. Small
 * files also get an immutable in-memory copy, sent with the header in one
 * sendmsg. Entries are revalidated (one fstatat, inode/size/mtime) at most
 * every cache_valid_ms and evicted least-recently-used first, like nginx's
 * open_file_cache. One cache per worker: no locks.
 */
#ifndef ZC_HTTP_FILES_H
#define ZC_HTTP_FILES_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <zcio.h>

#include "cond.h"
#include "mime.h"

enum http_file_kind {
	HTTP_FILE_REG = 1,
	HTTP_FILE_DIR,
};

/*
 * "Content-Type: ...\r\nLast-Modified: ...\r\nETag: ...\r\nAccept-Ranges:
 * bytes\r\n": a MIME type with charset (~80), an IMF-fixdate (29), an ETag
 * (40) and the names (~60).
 */
#define HTTP_FILE_META 256

struct http_file {
	int kind;			/* enum http_file_kind */
	struct zc_buf *store;		/* the open file (REG); owns the fd */
	struct zc_buf *mem;		/* immutable copy of a small file */
	uint64_t size;
	struct timespec mtime;
	const char *ctype;		/* Content-Type value */
	char etag[HTTP_ETAG_MAX + 1];	/* quoted, strong */
	uint16_t etag_len;
	uint16_t meta_len;
	char meta[HTTP_FILE_META];	/* the header lines above, prebuilt */
	/* private to the cache */
	dev_t dev;
	ino_t ino;
	uint64_t checked_ms;
	struct http_file *hnext;	/* hash chain */
	struct http_file *prev, *next;	/* LRU: head is the newest */
	uint32_t hash;
	uint16_t keylen;
	char key[];			/* the path relative to the root */
};

struct http_files_cfg {
	int rootfd;			/* O_PATH|O_DIRECTORY, not owned */
	unsigned int entries;		/* bound; >= 1 */
	unsigned int valid_ms;		/* 0: revalidate every use */
	unsigned int small_max;		/* bytes; 0: no memory copies */
	int dotfiles;			/* enum http_dotfiles */
	const struct http_mime *mime;	/* read-only, shared; may be NULL */
};

/*
 * Counters of one cache, written by its worker only (relaxed stores) and
 * read by the metrics renderer in another thread (relaxed loads).
 */
struct http_files_stats {
	uint64_t hits, misses, evictions, revalidated, stale;
	uint64_t small_bytes;		/* bytes held in memory copies */
	uint64_t entries;
};

struct http_files;

/* A cache for @cfg (copied). NULL and *@err = -ENOMEM on failure. */
struct http_files *http_files_new(const struct http_files_cfg *cfg, int *err);
/*
 * Drops every entry; stores still referenced by chains in flight stay
 * open until those chains let go of them.
 */
void http_files_free(struct http_files *fc);

/*
 * The entry for @path (@len bytes, already percent-decoded and normalized:
 * it starts with '/', has no "." or ".." segment, no NUL, no "//"), opening
 * the file on a miss and revalidating a hit older than valid_ms; @now_ms
 * is the loop's clock. The entry is valid until the next call on @fc: take
 * references (zc_buf_ref, zc_chain_append_*) to keep its stores. Returns 0
 * or: -ENOENT / -ENOTDIR (404), -EACCES (403: unreadable), -EPERM (403: a
 * dotfile, a symlink that leaves the root, or not a regular file or a
 * directory), -ENAMETOOLONG (414), -EMFILE / -ENFILE / -ENOMEM (503).
 * Blocks on the file system (open, fstat, and pread of a small file).
 */
int http_files_get(struct http_files *fc, const char *path, size_t len,
		   uint64_t now_ms, struct http_file **out);

/*
 * Makes every entry due for revalidation at its next use: a file shrank
 * under a send, so at least one entry is stale. O(entries); rare.
 */
void http_files_expire(struct http_files *fc);

/* A snapshot of @fc's counters; safe from any thread while @fc lives. */
void http_files_get_stats(const struct http_files *fc,
			  struct http_files_stats *st);

#endif
