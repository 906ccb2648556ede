/* SPDX-License-Identifier: MIT */
/*
 * src/engine/loop.c - the loop core: backend choice, the slot table of io
 * watchers, cross-thread wakeups, deferred work and ev_run. The kernel
 * side of io watchers is in epoll.c and uring.c, timers in timer.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "engine/loop_int.h"

/* Slots allocated at first; the table doubles when full. */
#define EV_SLOTS_MIN 64

static const char *const backend_names[] = {
	[EV_BACKEND_AUTO] = "auto",
	[EV_BACKEND_URING] = "uring",
	[EV_BACKEND_EPOLL] = "epoll",
};

const char *ev_backend_name(enum ev_backend b)
{
	if ((unsigned int)b >= sizeof(backend_names) / sizeof(*backend_names))
		return NULL;
	return backend_names[b];
}

int ev_backend_from_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(backend_names) / sizeof(*backend_names); i++)
		if (!strcmp(name, backend_names[i]))
			return (int)i;
	if (!strcmp(name, "io_uring"))
		return EV_BACKEND_URING;
	return -EINVAL;
}

/*
 * Whether io_uring can carry our readiness model here. We need
 * IORING_FEAT_EXT_ARG (5.11: the wait timeout rides in io_uring_enter, no
 * timeout SQE) and multishot poll for EV_EDGE (5.13), which has no feature
 * bit of its own: IORING_FEAT_RSRC_TAGS came in the same release. Setup
 * fails with -EPERM when kernel.io_uring_disabled or seccomp forbids it.
 */
static int probe_uring(void)
{
	struct io_uring_params p = { 0 };
	struct io_uring_probe *probe;
	struct io_uring ring;
	int ok;

	if (io_uring_queue_init_params(4, &ring, &p) < 0)
		return 0;
	ok = (p.features & IORING_FEAT_EXT_ARG) &&
	     (p.features & IORING_FEAT_RSRC_TAGS) &&
	     (p.features & IORING_FEAT_NODROP);
	probe = io_uring_get_probe_ring(&ring);
	if (!probe || !io_uring_opcode_supported(probe, IORING_OP_POLL_ADD) ||
	    !io_uring_opcode_supported(probe, IORING_OP_POLL_REMOVE))
		ok = 0;
	if (probe)
		io_uring_free_probe(probe);
	io_uring_queue_exit(&ring);
	return ok;
}

int ev_backend_usable(enum ev_backend b)
{
	/* 0 unknown, 1 usable, 2 not: racing threads probe twice, harmless */
	static int uring_state;
	int s;

	if (b != EV_BACKEND_URING)
		return b == EV_BACKEND_AUTO || b == EV_BACKEND_EPOLL;
	s = __atomic_load_n(&uring_state, __ATOMIC_RELAXED);
	if (!s) {
		s = probe_uring() ? 1 : 2;
		__atomic_store_n(&uring_state, s, __ATOMIC_RELAXED);
	}
	return s == 1;
}

void ev_now_update(struct ev_loop *loop)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	loop->now = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t ev_now(const struct ev_loop *loop)
{
	return loop->now;
}

void ev_loop_set_data(struct ev_loop *loop, void *data)
{
	loop->data = data;
}

void *ev_loop_data(const struct ev_loop *loop)
{
	return loop->data;
}

enum ev_backend ev_loop_backend(const struct ev_loop *loop)
{
	return loop->backend;
}

/* A free slot for a new watcher, growing the table; 0 if out of memory. */
static uint32_t slot_get(struct ev_loop *loop)
{
	struct ev_slot *s;
	uint32_t idx, n, i;

	if (!loop->free_head) {
		n = loop->nslots ? loop->nslots * 2 : EV_SLOTS_MIN;
		s = realloc(loop->slots, n * sizeof(*s));
		if (!s)
			return 0;
		/* generations start at 1 so that no live ud is 0 */
		for (i = loop->nslots; i < n; i++)
			s[i] = (struct ev_slot){ .gen = 1, .next_free = i + 1 };
		s[n - 1].next_free = 0;
		loop->free_head = loop->nslots ? loop->nslots : 1;
		loop->slots = s;
		loop->nslots = n;
	}
	idx = loop->free_head;
	loop->free_head = loop->slots[idx].next_free;
	return idx;
}

/* Frees a slot; the new generation makes every event in flight stale. */
static void slot_put(struct ev_loop *loop, uint32_t idx)
{
	struct ev_slot *s = &loop->slots[idx];

	s->w = NULL;
	s->gen++;
	s->armed = 0;
	s->next_free = loop->free_head;
	loop->free_head = idx;
}

void ev_io_init(struct ev_io *w, int fd, ev_io_fn cb, void *data)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->cb = cb;
	w->data = data;
}

int ev_io_start(struct ev_loop *loop, struct ev_io *w, unsigned int events)
{
	uint32_t idx;
	int ret;

	if (w->slot)
		return -EEXIST;
	idx = slot_get(loop);
	if (!idx)
		return -ENOMEM;
	loop->slots[idx].w = w;
	w->slot = idx;
	w->gen = loop->slots[idx].gen;
	w->events = 0;
	events &= EV_READ | EV_WRITE | EV_EDGE;
	ret = loop->ops->change(loop, w, 0, events);
	if (ret < 0) {
		slot_put(loop, idx);
		w->slot = 0;
		return ret;
	}
	w->events = events;
	loop->active++;
	return 0;
}

int ev_io_set(struct ev_loop *loop, struct ev_io *w, unsigned int events)
{
	int ret;

	if (!w->slot)
		return -EINVAL;
	events &= EV_READ | EV_WRITE | EV_EDGE;
	if (events == w->events)
		return 0;
	ret = loop->ops->change(loop, w, w->events, events);
	if (ret < 0)
		return ret;
	w->events = events;
	return 0;
}

void ev_io_stop(struct ev_loop *loop, struct ev_io *w)
{
	if (!w->slot)
		return;
	loop->ops->change(loop, w, w->events, 0);
	slot_put(loop, w->slot);
	w->slot = 0;
	w->events = 0;
	loop->active--;
}

void ev__io_call(struct ev_loop *loop, struct ev_io *w, unsigned int revents)
{
	unsigned int ev = revents & w->events & (EV_READ | EV_WRITE);

	if (ev)
		w->cb(loop, w, ev);
}

void ev__io_fail(struct ev_loop *loop, struct ev_io *w)
{
	ev_io_stop(loop, w);
	w->cb(loop, w, EV_ERROR);
}

void ev_async_init(struct ev_async *a, ev_async_fn cb, void *data)
{
	memset(a, 0, sizeof(*a));
	a->cb = cb;
	a->data = data;
}

void ev_async_start(struct ev_loop *loop, struct ev_async *a)
{
	if (a->active)
		return;
	a->active = 1;
	a->next = loop->asyncs;
	loop->asyncs = a;
	loop->nasync++;
	loop->async_mod++;
}

void ev_async_stop(struct ev_loop *loop, struct ev_async *a)
{
	struct ev_async **pp;

	if (!a->active)
		return;
	for (pp = &loop->asyncs; *pp != a; pp = &(*pp)->next)
		;
	*pp = a->next;
	a->active = 0;
	loop->nasync--;
	loop->async_mod++;
}

/*
 * Only atomics and write(2): callable from a signal handler. The eventfd
 * is written once until the loop reads it, however many sends pile up.
 */
void ev_async_send(struct ev_loop *loop, struct ev_async *a)
{
	uint64_t one = 1;
	ssize_t n;

	if (__atomic_exchange_n(&a->pending, 1, __ATOMIC_SEQ_CST))
		return;
	if (__atomic_exchange_n(&loop->async_sent, 1, __ATOMIC_SEQ_CST))
		return;
	n = write(loop->efd, &one, sizeof(one));
	(void)n;	/* only EAGAIN at 2^64-1, and then it is readable */
}

/*
 * The eventfd is readable: clear it first, then run the pending asyncs,
 * so that a send racing with the scan writes the eventfd again. A callback
 * may stop asyncs, so the scan starts over when the list changed (each
 * pending flag is taken once, so nothing runs twice).
 */
static void async_wake(struct ev_loop *loop, struct ev_io *w,
		       unsigned int events)
{
	struct ev_async *a;
	uint64_t v;
	uint32_t mod;
	ssize_t n;

	(void)events;
	n = read(w->fd, &v, sizeof(v));
	(void)n;
	__atomic_store_n(&loop->async_sent, 0, __ATOMIC_SEQ_CST);
again:
	mod = loop->async_mod;
	for (a = loop->asyncs; a; a = a->next) {
		if (!__atomic_exchange_n(&a->pending, 0, __ATOMIC_SEQ_CST))
			continue;
		a->cb(loop, a);
		if (loop->async_mod != mod)
			goto again;
	}
}

void ev_defer_init(struct ev_defer *d, ev_defer_fn cb, void *data)
{
	memset(d, 0, sizeof(*d));
	d->cb = cb;
	d->data = data;
}

void ev_defer(struct ev_loop *loop, struct ev_defer *d)
{
	if (d->queued)
		return;
	d->queued = 1;
	d->next = NULL;
	*loop->defer_tail = d;
	loop->defer_tail = &d->next;
}

/* FIFO; work queued meanwhile runs in this pass too. */
static void run_defer(struct ev_loop *loop)
{
	struct ev_defer *d;

	while ((d = loop->defer_head)) {
		loop->defer_head = d->next;
		if (!loop->defer_head)
			loop->defer_tail = &loop->defer_head;
		d->queued = 0;
		d->cb(loop, d);
	}
}

static int loop_init(struct ev_loop *loop, enum ev_backend b)
{
	int ret;

	loop->backend = b;
	loop->ops = b == EV_BACKEND_URING ? &ev__uring_ops : &ev__epoll_ops;
	loop->defer_tail = &loop->defer_head;
	loop->epfd = -1;
	loop->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->efd == -1)
		return -errno;
	ret = loop->ops->init(loop);
	if (ret < 0)
		return ret;
	ev_now_update(loop);
	ev_io_init(&loop->efd_io, loop->efd, async_wake, NULL);
	ret = ev_io_start(loop, &loop->efd_io, EV_READ);
	/* our own watcher must not keep ev_run going on its own */
	if (!ret)
		loop->active--;
	return ret;
}

static void loop_exit(struct ev_loop *loop)
{
	if (loop->ops)
		loop->ops->exit(loop);
	if (loop->efd >= 0)
		close(loop->efd);
	ev__timer_exit(loop);
	free(loop->slots);
}

struct ev_loop *ev_loop_new(enum ev_backend b, int *err)
{
	struct ev_loop *loop;
	int ret;

	if (b == EV_BACKEND_AUTO)
		b = ev_backend_usable(EV_BACKEND_URING) ? EV_BACKEND_URING :
							   EV_BACKEND_EPOLL;
	else if (b != EV_BACKEND_URING && b != EV_BACKEND_EPOLL) {
		*err = -EINVAL;
		return NULL;
	}
	loop = calloc(1, sizeof(*loop));
	if (!loop) {
		*err = -ENOMEM;
		return NULL;
	}
	ret = loop_init(loop, b);
	if (ret < 0) {
		loop_exit(loop);
		free(loop);
		*err = ret;
		return NULL;
	}
	return loop;
}

void ev_loop_free(struct ev_loop *loop)
{
	if (!loop)
		return;
	run_defer(loop);
	loop_exit(loop);
	free(loop);
}

void ev_stop(struct ev_loop *loop)
{
	loop->stop = 1;
}

static int has_work(const struct ev_loop *loop)
{
	return loop->active || loop->nheap || loop->nasync ||
	       loop->defer_head;
}

int ev_loop_flush(struct ev_loop *loop)
{
	return loop->ops->flush(loop);
}

int ev_run(struct ev_loop *loop, unsigned int flags)
{
	int timeout, ret;

	loop->stop = 0;
	do {
		if (!flags && !has_work(loop))
			break;
		timeout = ev__timer_next(loop);
		if ((flags & EV_RUN_NOWAIT) || loop->defer_head)
			timeout = 0;
		ret = loop->ops->poll(loop, timeout);
		if (ret < 0)
			return ret;
		ev__timer_run(loop);
		run_defer(loop);
	} while (!loop->stop && !(flags & (EV_RUN_ONCE | EV_RUN_NOWAIT)));
	/*
	 * A loop that stops may not run again for a while: what the last
	 * callbacks stopped must reach the kernel now (ev_loop_flush). Not
	 * after one iteration, whose caller comes back at once: the re-arms
	 * it would submit could report readiness that is gone by then.
	 */
	return flags ? 0 : ev_loop_flush(loop);
}
