/* SPDX-License-Identifier: MIT */
/*
 * src/engine/loop_int.h - what the loop core (loop.c, timer.c) and its
 * backends (epoll.c, uring.c) share. Private to src/engine.
 *
 * The stale-completion rule (loop.h, rule 3) rests on slots: every started
 * watcher owns a slot of the loop's table, and what the kernel carries for
 * it (epoll_event.data, io_uring user_data) is the slot's index plus its
 * generation, never a pointer. Stopping a watcher bumps the generation and
 * frees the slot, so an event still in flight names a generation that no
 * longer exists and is dropped, whoever uses the slot or the memory now.
 * Callbacks can start watchers and so grow the table: code that calls back
 * keeps indexes, never pointers into it.
 */
#ifndef ZC_ENGINE_LOOP_INT_H
#define ZC_ENGINE_LOOP_INT_H

#include <liburing.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "engine/loop.h"

/* Events one epoll_wait or CQ harvest dispatches at most. */
#define EV_BATCH 256

struct ev_slot {
	struct ev_io *w;	/* NULL when free */
	uint32_t gen;
	uint32_t next_free;	/* free list link, 0 ends it */
	unsigned int armed;	/* io_uring: the poll mask in flight, or 0 */
};

struct ev_ops {
	int (*init)(struct ev_loop *loop);
	void (*exit)(struct ev_loop *loop);
	/*
	 * The watcher in slot @w->slot now wants @events (with EV_EDGE) and
	 * wanted @old: tell the kernel. On stop @events is 0 and the slot
	 * is still @w's, with its old generation.
	 */
	int (*change)(struct ev_loop *loop, struct ev_io *w, unsigned int old,
		      unsigned int events);
	/* Waits up to @timeout_ms (-1: no limit, 0: not at all) and calls
	 * back every ready watcher. 0 or -errno of the backend. */
	int (*poll)(struct ev_loop *loop, int timeout_ms);
	/* Submits queued changes without waiting; 0 or -errno. */
	int (*flush)(struct ev_loop *loop);
};

struct ev_loop {
	enum ev_backend backend;
	const struct ev_ops *ops;
	void *data;
	uint64_t now;
	int stop;
	uint32_t active;	/* started watchers the owner counts on */

	struct ev_slot *slots;	/* slot 0 is never used */
	uint32_t nslots;	/* allocated */
	uint32_t free_head;

	struct ev_timer **heap;
	uint32_t nheap, heap_cap;
	uint64_t timer_seq;

	int efd;		/* eventfd of ev_async_send */
	struct ev_io efd_io;
	int async_sent;		/* atomic: efd written, not read yet */
	struct ev_async *asyncs;
	uint32_t nasync;
	uint32_t async_mod;	/* bumped when the list changes */

	struct ev_defer *defer_head, **defer_tail;

	/* backends */
	int epfd;
	struct epoll_event *events;
	struct io_uring ring;
	int ring_up;
};

extern const struct ev_ops ev__epoll_ops;
extern const struct ev_ops ev__uring_ops;

/* What epoll and io_uring carry for a watcher. 0 is never one. */
static inline uint64_t ev__ud(uint32_t slot, uint32_t gen)
{
	return (uint64_t)gen << 32 | slot;
}

/*
 * The watcher an event with @ud is for, or NULL when it is stale (the
 * watcher stopped, maybe restarted in another slot or generation).
 */
static inline struct ev_io *ev__ud_watcher(struct ev_loop *loop, uint64_t ud)
{
	uint32_t idx = (uint32_t)ud, gen = (uint32_t)(ud >> 32);

	if (!idx || idx >= loop->nslots || loop->slots[idx].gen != gen)
		return NULL;
	return loop->slots[idx].w;
}

/*
 * Calls @w back with what the kernel reported (EV_READ/EV_WRITE, errors
 * and hangups already mapped to both), filtered by what it wants.
 */
void ev__io_call(struct ev_loop *loop, struct ev_io *w, unsigned int revents);

/* Stops @w and calls it with EV_ERROR: the backend cannot watch its fd. */
void ev__io_fail(struct ev_loop *loop, struct ev_io *w);

/* Timers (timer.c). */
int ev__timer_next(struct ev_loop *loop);	/* ms to wait, -1: none */
void ev__timer_run(struct ev_loop *loop);	/* calls the expired ones */
void ev__timer_exit(struct ev_loop *loop);

#endif
