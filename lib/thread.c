/* SPDX-License-Identifier: MIT */
/*
 * lib/thread.c - per-thread state: the splice pipe pool and the read/write
 * buffer, created on first use and released when the thread exits (a
 * pthread key destructor), so that calls need no locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "sys.h"
#include "uring.h"

struct zc__thread {
	struct zc__pipe pipes[ZC__PIPE_POOL];
	int npipes;
	void *rwbuf;
	size_t rwbuf_size;
	struct zc__ring ring;
};

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;
static int thread_key_ok;

static void thread_free(void *arg)
{
	struct zc__thread *t = arg;
	int i;

	for (i = 0; i < t->npipes; i++) {
		close(t->pipes[i].rfd);
		close(t->pipes[i].wfd);
	}
	zc__ring_exit(&t->ring);
	free(t->rwbuf);
	free(t);
}

static void thread_key_init(void)
{
	thread_key_ok = pthread_key_create(&thread_key, thread_free) == 0;
}

/* NULL only when memory or the key ran out; callers then return -ENOMEM. */
struct zc__thread *zc__thread(void)
{
	static __thread struct zc__thread *self;

	if (self)
		return self;
	pthread_once(&thread_once, thread_key_init);
	if (!thread_key_ok)
		return NULL;
	self = calloc(1, sizeof(*self));
	if (!self)
		return NULL;
	zc__ring_init(&self->ring);
	pthread_setspecific(thread_key, self);
	return self;
}

struct zc__ring *zc__thread_ring(void)
{
	struct zc__thread *t = zc__thread();

	return t ? &t->ring : NULL;
}

void *zc__thread_rwbuf(size_t *size)
{
	struct zc__thread *t = zc__thread();
	size_t want = (size_t)zc__tune[ZC_TUNE_RW_BUFFER];

	if (!t)
		return NULL;
	if (t->rwbuf && t->rwbuf_size != want) {
		/* The tunable changed; a registered copy must go too. */
		zc__ring_unregister_buffer(&t->ring);
		free(t->rwbuf);
		t->rwbuf = NULL;
	}
	if (!t->rwbuf) {
		if (posix_memalign(&t->rwbuf, 4096, want))
			return t->rwbuf = NULL;
		t->rwbuf_size = want;
	}
	*size = t->rwbuf_size;
	return t->rwbuf;
}

/*
 * Gets an empty pipe from this thread's pool, or makes one (sized by
 * ZC_TUNE_PIPE_SIZE when set; failure to resize is not an error, the
 * kernel's default capacity is used).
 */
int zc__pipe_get(struct zc__pipe *p, struct zc_ledger *l)
{
	struct zc__thread *t = zc__thread();
	int fds[2];
	long want = zc__tune[ZC_TUNE_PIPE_SIZE];
	ssize_t ret, sz;

	if (t && t->npipes) {
		*p = t->pipes[--t->npipes];
		return 0;
	}
	ret = ZC__SYSCALL(l, pipe2(fds, O_CLOEXEC));
	if (ret < 0)
		return (int)ret;
	p->rfd = fds[0];
	p->wfd = fds[1];
	if (want > 0)
		ZC__SYSCALL(l, fcntl(p->wfd, F_SETPIPE_SZ, (int)want));
	sz = ZC__SYSCALL(l, fcntl(p->wfd, F_GETPIPE_SZ));
	p->size = sz > 0 ? (size_t)sz : 65536;
	return 0;
}

/* A pipe with bytes left in it cannot be reused: they belong to no one. */
void zc__pipe_put(struct zc__pipe *p, size_t residue)
{
	struct zc__thread *t = zc__thread();

	if (!residue && t && t->npipes < ZC__PIPE_POOL) {
		t->pipes[t->npipes++] = *p;
		return;
	}
	close(p->rfd);
	close(p->wfd);
}
