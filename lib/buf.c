/* SPDX-License-Identifier: MIT */
/*
 * lib/buf.c - refcounted buffers and slices (include/zcio/buf.h).
 *
 * Every buffer kind shares one struct and one release switch; they differ
 * only in how the storage is obtained and given back. Counts are plain
 * integers, as in h2o's h2o_mem_release_shared: a buffer lives on one event
 * loop's thread. A count that would go below zero or wrap means that some
 * caller's bookkeeping is wrong and memory is about to be corrupted, so it
 * aborts at once rather than later in a use-after-free.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

enum zc_buf_kind {
	ZC_BUF_HEAP = 1,	/* struct and bytes in one malloc */
	ZC_BUF_WRAP,		/* caller's memory, dispose callback */
	ZC_BUF_MMAP,		/* read-only file mapping */
	ZC_BUF_MEMFD,		/* memfd mapped read-write */
	ZC_BUF_FILE,		/* an fd and no memory, left open */
	ZC_BUF_FILE_OWNED,	/* the same, closed on release */
};

/*
 * The bytes of a heap buffer follow the struct, at the alignment malloc
 * itself guarantees, so that callers may lay out any type in them.
 */
#define HEAP_HDR ((sizeof(struct zc_buf) + alignof(max_align_t) - 1) & \
		  ~(alignof(max_align_t) - 1))

static void set_err(int *err, int val)
{
	if (err)
		*err = val;
}

static struct zc_buf *alloc_buf(size_t extra, enum zc_buf_kind kind)
{
	struct zc_buf *b = malloc(HEAP_HDR + extra);

	if (!b)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->refs = 1;
	b->kind = kind;
	return b;
}

/* A heap buffer: one allocation, released with one free(). */
struct zc_buf *zc_buf_new(size_t size, int *err)
{
	struct zc_buf *b;

	if (size > SIZE_MAX - HEAP_HDR) {
		set_err(err, -ENOMEM);
		return NULL;
	}
	b = alloc_buf(size, ZC_BUF_HEAP);
	if (!b) {
		set_err(err, -ENOMEM);
		return NULL;
	}
	b->data = (uint8_t *)b + HEAP_HDR;
	b->size = size;
	return b;
}

struct zc_buf *zc_buf_copy(const void *src, size_t len, int *err)
{
	struct zc_buf *b;

	if (!src && len) {
		set_err(err, -EINVAL);
		return NULL;
	}
	b = zc_buf_new(len, err);
	/* memcpy's arguments are declared nonnull even for zero bytes. */
	if (b && len)
		memcpy(b->data, src, len);
	return b;
}

struct zc_buf *zc_buf_wrap(void *data, size_t size, zc_dispose_fn dispose,
			   void *opaque, int *err)
{
	struct zc_buf *b;

	if (!data && size) {
		set_err(err, -EINVAL);
		return NULL;
	}
	b = alloc_buf(0, ZC_BUF_WRAP);
	if (!b) {
		set_err(err, -ENOMEM);
		return NULL;
	}
	b->data = data;
	b->size = size;
	b->dispose = dispose;
	b->opaque = opaque;
	return b;
}

/*
 * mmap(2) needs a page-aligned offset and a nonzero length; both are
 * checked here so that the error is the same on every kernel.
 */
struct zc_buf *zc_buf_mmap(int fd, off_t off, size_t len, int *err)
{
	long page = sysconf(_SC_PAGESIZE);
	struct zc_buf *b;
	void *p;

	if (off < 0 || off % page || !len) {
		set_err(err, -EINVAL);
		return NULL;
	}
	b = alloc_buf(0, ZC_BUF_MMAP);
	if (!b) {
		set_err(err, -ENOMEM);
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	if (p == MAP_FAILED) {
		set_err(err, -errno);
		free(b);
		return NULL;
	}
	b->data = p;
	b->size = len;
	return b;
}

static int memfd_open(const char *name, size_t size)
{
#ifdef ZC_HAVE_MEMFD_CREATE
	int fd = memfd_create(name ? name : "zcio", MFD_CLOEXEC);
	int ret;

	if (fd == -1)
		return -errno;
	if (ftruncate(fd, (off_t)size) == -1) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
#else
	(void)name;
	(void)size;
	return -ENOSYS;
#endif
}

struct zc_buf *zc_buf_memfd(size_t size, const char *name, int *err)
{
	struct zc_buf *b;
	void *p;
	int fd;

	/* ftruncate takes an off_t; mmap refuses an empty mapping. */
	if (!size || size > (size_t)INT64_MAX) {
		set_err(err, -EINVAL);
		return NULL;
	}
	b = alloc_buf(0, ZC_BUF_MEMFD);
	if (!b) {
		set_err(err, -ENOMEM);
		return NULL;
	}
	fd = memfd_open(name, size);
	if (fd < 0) {
		set_err(err, fd);
		free(b);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		set_err(err, -errno);
		close(fd);
		free(b);
		return NULL;
	}
	b->data = p;
	b->size = size;
	b->fd = fd;
	return b;
}

/*
 * Only files that can be read at an offset make sense behind file ranges:
 * regular files (memfds included) and block devices. A pipe or a socket
 * would fail at the first send, far from the mistake.
 */
struct zc_buf *zc_buf_file(int fd, int own_fd, int *err)
{
	struct zc_buf *b;
	struct stat st;

	if (fstat(fd, &st) == -1) {
		set_err(err, -errno);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		set_err(err, -EINVAL);
		return NULL;
	}
	b = alloc_buf(0, own_fd ? ZC_BUF_FILE_OWNED : ZC_BUF_FILE);
	if (!b) {
		set_err(err, -ENOMEM);
		return NULL;
	}
	b->size = (size_t)st.st_size;
	b->fd = fd;
	return b;
}

struct zc_buf *zc_buf_ref(struct zc_buf *b)
{
	if (!b->refs || b->refs == UINT32_MAX)
		abort();
	b->refs++;
	return b;
}

static void release(struct zc_buf *b)
{
	switch (b->kind) {
	case ZC_BUF_WRAP:
		if (b->dispose)
			b->dispose(b->opaque, b->data, b->size);
		break;
	case ZC_BUF_MMAP:
		munmap(b->data, b->size);
		break;
	case ZC_BUF_MEMFD:
		munmap(b->data, b->size);
		close(b->fd);
		break;
	case ZC_BUF_FILE_OWNED:
		close(b->fd);
		break;
	default:
		/* Heap bytes go with the struct; an unowned fd stays open. */
		break;
	}
	free(b);
}

void zc_buf_unref(struct zc_buf *b)
{
	if (!b)
		return;
	if (!b->refs)
		abort();
	if (!--b->refs)
		release(b);
}

static void slice_empty(struct zc_slice *s)
{
	s->buf = NULL;
	s->off = 0;
	s->len = 0;
}

/* Written so that no sum can overflow: off + len may exceed SIZE_MAX. */
static int window_fits(size_t size, size_t off, size_t len)
{
	return off <= size && len <= size - off;
}

int zc_slice_init(struct zc_slice *s, struct zc_buf *b, size_t off,
		  size_t len)
{
	if (!b || !window_fits(b->size, off, len)) {
		slice_empty(s);
		return b ? -ERANGE : -EINVAL;
	}
	s->buf = zc_buf_ref(b);
	s->off = off;
	s->len = len;
	return 0;
}

/*
 * @dst may be @src: the slice then narrows in place and keeps the one
 * reference it has (taking another would leak it), and an -ERANGE leaves
 * it as it was.
 */
int zc_slice_sub(struct zc_slice *dst, const struct zc_slice *src,
		 size_t off, size_t len)
{
	if (!window_fits(src->len, off, len)) {
		if (dst != src)
			slice_empty(dst);
		return -ERANGE;
	}
	/* An empty slice has no buffer to reference; its empty sub neither. */
	if (dst != src && src->buf)
		zc_buf_ref(src->buf);
	dst->buf = src->buf;
	dst->off = src->off + off;
	dst->len = len;
	return 0;
}

void zc_slice_exit(struct zc_slice *s)
{
	zc_buf_unref(s->buf);
	slice_empty(s);
}
