/* SPDX-License-Identifier: MIT */
/*
 * src/engine/alog.c - the access-log sink: one file shared by the workers,
 * one buffer per worker (see log.h).
 *
 * A worker formats its lines into its own buffer with no lock and writes
 * the buffer out in one write(2) when it is full, one second after the
 * first line that went into it, and when the buffer is freed (stop). The
 * file is opened O_APPEND: concurrent writes of whole buffers by several
 * workers land one after the other, never mixed. Reopen dup2()s the new
 * file over the shared fd, as the error log does.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/log.h"
#include "engine/loop.h"

/* A line waits at most this long in a buffer (the issue: "every second"). */
#define ALOG_FLUSH_MS 1000
#define ALOG_BUF_DEFAULT (64 * 1024)

struct eng_alog {
	int fd;
	char *path;		/* NULL for standard output */
	pthread_mutex_t lock;	/* serializes reopen */
};

struct eng_alog_buf {
	struct eng_alog *a;
	struct ev_loop *loop;
	struct ev_timer timer;
	size_t size, len;
	char data[];
};

struct eng_alog *eng_alog_open(const char *path, int *err)
{
	struct eng_alog *a = calloc(1, sizeof(*a));

	if (!a) {
		*err = -ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	if (!path || !strcmp(path, "-")) {
		a->fd = STDOUT_FILENO;
		return a;
	}
	a->path = strdup(path);
	a->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (!a->path || a->fd == -1) {
		*err = a->path ? -errno : -ENOMEM;
		if (a->fd >= 0)
			close(a->fd);
		free(a->path);
		free(a);
		return NULL;
	}
	return a;
}

int eng_alog_reopen(struct eng_alog *a)
{
	int fd, ret = 0;

	if (!a->path)
		return 0;
	pthread_mutex_lock(&a->lock);
	fd = open(a->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd == -1)
		ret = -errno;
	else if (dup2(fd, a->fd) == -1)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

void eng_alog_free(struct eng_alog *a)
{
	if (!a)
		return;
	if (a->path)
		close(a->fd);
	pthread_mutex_destroy(&a->lock);
	free(a->path);
	free(a);
}

static void flush_timer(struct ev_loop *loop, struct ev_timer *t)
{
	(void)loop;
	eng_alog_flush(t->data);
}

struct eng_alog_buf *eng_alog_buf_new(struct eng_alog *a,
				      struct ev_loop *loop, size_t size,
				      int *err)
{
	struct eng_alog_buf *b;

	if (!size)
		size = ALOG_BUF_DEFAULT;
	b = malloc(sizeof(*b) + size);
	if (!b) {
		*err = -ENOMEM;
		return NULL;
	}
	b->a = a;
	b->loop = loop;
	b->size = size;
	b->len = 0;
	ev_timer_init(&b->timer, flush_timer, b);
	return b;
}

void eng_alog_buf_free(struct eng_alog_buf *b)
{
	if (!b)
		return;
	eng_alog_flush(b);
	ev_timer_stop(b->loop, &b->timer);
	free(b);
}

/*
 * Writes the whole buffer, resuming after short writes (a full disk gives
 * one, then ENOSPC). What cannot be written is dropped: a log must not
 * stop the server.
 */
int eng_alog_flush(struct eng_alog_buf *b)
{
	size_t off = 0;
	ssize_t n;
	int ret = 0;

	while (off < b->len) {
		n = write(b->a->fd, b->data + off, b->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n ? -errno : -EIO;
			break;
		}
		off += n;
	}
	b->len = 0;
	ev_timer_stop(b->loop, &b->timer);
	return ret;
}

char *eng_alog_reserve(struct eng_alog_buf *b, size_t n)
{
	if (n > b->size)
		return NULL;
	if (b->size - b->len < n)
		eng_alog_flush(b);
	return b->data + b->len;
}

void eng_alog_commit(struct eng_alog_buf *b, size_t n)
{
	b->len += n;
	if (b->len && !ev_timer_active(&b->timer))
		ev_timer_start(b->loop, &b->timer, ALOG_FLUSH_MS);
}

int eng_alog_write(struct eng_alog_buf *b, const void *line, size_t len)
{
	char *p = eng_alog_reserve(b, len);

	if (!p)
		return -E2BIG;
	memcpy(p, line, len);
	eng_alog_commit(b, len);
	return 0;
}

int eng_alog_printf(struct eng_alog_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->size - b->len;
	int n;

	/* format in place; if it does not fit, flush and format again */
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < room) {
			eng_alog_commit(b, n);
			return 0;
		}
		if ((size_t)n >= b->size)
			return -E2BIG;
		eng_alog_flush(b);
		room = b->size;
	}
}
