/* SPDX-License-Identifier: MIT */
/*
 * zcio/buf.h - refcounted buffers and the slices that reference them.
 *
 * A struct zc_buf is backing storage with a reference count: heap memory,
 * memory the caller owns (static or released by a callback of its own), a
 * read-only mapping of a file, a memfd (memory that is also a file, so it
 * can be sent with sendfile or passed to another process), or an open file
 * with no memory at all (the store behind a chain's file ranges).
 *
 * A buffer starts with one reference, held by its creator. zc_buf_ref adds
 * one, zc_buf_unref drops one, and the last unref releases the storage the
 * way its owner asked. Counts are plain integers: a buffer belongs to one
 * thread at a time (one event loop), as in h2o. Dropping a reference that
 * is not there is a bug that corrupts memory, and aborts the process.
 *
 * A struct zc_slice is a window (off, len) into a buffer that holds one
 * reference of its own, so the bytes stay valid while the slice lives.
 */
#ifndef ZCIO_BUF_H
#define ZCIO_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "common.h"

ZC_BEGIN_DECLS

/*
 * Releases caller-owned storage after the last reference is dropped. It is
 * called exactly once, from whichever zc_buf_unref drops the count to 0.
 */
typedef void (*zc_dispose_fn)(void *opaque, void *data, size_t size);

/*
 * Public so that inline accessors and views can reach the bytes; every
 * field is read-only for callers.
 */
struct zc_buf {
	uint8_t *data;		/* the bytes; NULL for a file-only store */
	size_t size;		/* bytes at data, or the file size at creation */
	int fd;			/* the file behind the buffer, or -1 */
	uint32_t refs;		/* private: the reference count */
	uint32_t kind;		/* private: enum zc_buf_kind */
	zc_dispose_fn dispose;	/* private */
	void *opaque;		/* private */
};

/* A heap buffer of @size bytes (uninitialised), freed on release. */
ZC_API struct zc_buf *zc_buf_new(size_t size, int *err);

/* A heap buffer holding a copy of @len bytes at @src. Copies. */
ZC_API struct zc_buf *zc_buf_copy(const void *src, size_t len, int *err);

/*
 * Wraps memory the caller owns. On release @dispose(opaque, data, size) is
 * called; with @dispose NULL the memory is static (or outlives every
 * reference) and nothing is called.
 */
ZC_API struct zc_buf *zc_buf_wrap(void *data, size_t size,
				  zc_dispose_fn dispose, void *opaque,
				  int *err);

/*
 * Maps @len bytes of @fd at @off (a multiple of the page size) read-only
 * and shared; unmapped on release. The fd is not kept. Such memory raises
 * SIGBUS when the file shrinks under it: never send it to a socket, send a
 * file range instead (zc_buf_file).
 */
ZC_API struct zc_buf *zc_buf_mmap(int fd, off_t off, size_t len, int *err);

/*
 * A memfd of @size bytes mapped read-write: memory that is also a file, so
 * that chains can send it with sendfile and processes can share it. @name
 * shows in /proc/PID/fd. Unmapped and closed on release.
 */
ZC_API struct zc_buf *zc_buf_memfd(size_t size, const char *name, int *err);

/*
 * A store for an open file, with no memory: chains send ranges of it by
 * fd. @own_fd nonzero closes @fd on release. size is the file's size now.
 * -EINVAL unless @fd is a regular file or a block device; a failed call
 * never closes @fd.
 */
ZC_API struct zc_buf *zc_buf_file(int fd, int own_fd, int *err);

/* Takes a new reference and returns @b. */
ZC_API struct zc_buf *zc_buf_ref(struct zc_buf *b);

/* Drops one reference; the last one releases the storage. NULL is a no-op. */
ZC_API void zc_buf_unref(struct zc_buf *b);

/* The current count (for tests and assertions). */
static inline uint32_t zc_buf_refs(const struct zc_buf *b)
{
	return b->refs;
}

/* A window into a buffer, holding one reference of its own. */
struct zc_slice {
	struct zc_buf *buf;
	size_t off;
	size_t len;
};

/*
 * Points @s at [off, off + len) of @b and takes a new reference on @b.
 * Returns 0, or -ERANGE when the window does not fit inside the buffer
 * (then @s is left empty and no reference is taken).
 */
ZC_API int zc_slice_init(struct zc_slice *s, struct zc_buf *b, size_t off,
			 size_t len);

/*
 * Points @dst at [off, off + len) of the window of @src, with a new
 * reference. -ERANGE when it runs past @src's window. @dst may be @src:
 * the slice then narrows in place, keeping its one reference.
 */
ZC_API int zc_slice_sub(struct zc_slice *dst, const struct zc_slice *src,
			size_t off, size_t len);

/* Drops the slice's reference and empties it. Safe on an empty slice. */
ZC_API void zc_slice_exit(struct zc_slice *s);

/* The first byte of the window (NULL for file-only buffers). */
static inline const uint8_t *zc_slice_data(const struct zc_slice *s)
{
	return s->buf && s->buf->data ? s->buf->data + s->off : NULL;
}

ZC_END_DECLS

#endif
