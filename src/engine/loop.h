/* SPDX-License-Identifier: MIT */
/*
 * src/engine/loop.h - the event loop (reactor) under every server of zcio.
 *
 * One struct ev_loop belongs to one thread. It watches file descriptors for
 * readiness (struct ev_io), runs one-shot timers (struct ev_timer), takes
 * wakeups from other threads (struct ev_async) and runs deferred work at
 * the end of an iteration (struct ev_defer). Two backends give the same
 * behaviour, chosen at run time:
 *
 *   EV_BACKEND_URING  io_uring readiness: IORING_OP_POLL_ADD, submissions
 *                     batched into the io_uring_enter that waits.
 *   EV_BACKEND_EPOLL  epoll_wait in batches of 256.
 *
 * Rules that hold on both backends:
 *
 *  1. Level-triggered by default: a watcher's callback runs in every
 *     iteration in which its fd is ready for an event it wants. Reading or
 *     writing only part of what is possible is fine; the callback comes
 *     again. To stop being called, stop wanting the event. EV_EDGE asks
 *     for edge-triggered delivery instead (cheaper on io_uring: one
 *     multishot poll): then the callback must read or write until EAGAIN.
 *     A callback may now and then come when the fd would block after
 *     all (readiness observed before the callback of another watcher or
 *     the owner consumed it): EAGAIN just means wait for the next call.
 *  2. An error or hangup on the fd is reported as the wanted events (the
 *     next read or write returns the error or EOF), never as a silent
 *     stall. EV_ERROR alone means the backend could not watch the fd
 *     (closed, or not pollable); the watcher is stopped before that call.
 *  3. Any callback may stop, restart or change any watcher or timer,
 *     including its own, close the fd and free the watcher's memory (after
 *     stopping it). A completion or event that was already on its way for
 *     a stopped watcher is dropped: it never reaches the callback and never
 *     touches the watcher's memory, even when the fd number and the memory
 *     are reused at once by a new watcher. Stop a watcher BEFORE closing
 *     its fd.
 *  4. One watcher per fd at a time (epoll registers fds, not watchers).
 *  5. Nothing here is thread-safe except ev_async_send. Errors are
 *     negative errno values; nothing prints.
 *
 * Changes since this header was first published (all compatible): added
 * ev_loop_flush; documented that a callback may come when the fd would
 * block after all (rule 1).
 */
#ifndef ZC_ENGINE_LOOP_H
#define ZC_ENGINE_LOOP_H

#include <stdint.h>

enum ev_backend {
	EV_BACKEND_AUTO = 0,	/* io_uring if it works here, else epoll */
	EV_BACKEND_URING,
	EV_BACKEND_EPOLL,
};

/* Events; EV_EDGE is a flag of ev_io_start/ev_io_set, never reported. */
#define EV_READ		0x1u
#define EV_WRITE	0x2u
#define EV_ERROR	0x4u
#define EV_EDGE		0x8u

struct ev_loop;
struct ev_io;
struct ev_timer;
struct ev_async;
struct ev_defer;

typedef void (*ev_io_fn)(struct ev_loop *loop, struct ev_io *w,
			 unsigned int events);
typedef void (*ev_timer_fn)(struct ev_loop *loop, struct ev_timer *t);
typedef void (*ev_async_fn)(struct ev_loop *loop, struct ev_async *a);
typedef void (*ev_defer_fn)(struct ev_loop *loop, struct ev_defer *d);

/*
 * A readiness watcher, embedded by its owner. Set it up with ev_io_init;
 * fd, cb and data may be changed while it is stopped. The rest is private.
 */
struct ev_io {
	int fd;
	ev_io_fn cb;
	void *data;
	unsigned int events;	/* private: wanted events | EV_EDGE */
	uint32_t slot;		/* private: 0 when stopped */
	uint32_t gen;		/* private */
};

/*
 * A one-shot timer, embedded by its owner. Restarting an active timer is
 * O(1) when it moves later (the keep-alive case: re-armed on every
 * request) and O(log n) when it moves earlier.
 */
struct ev_timer {
	ev_timer_fn cb;
	void *data;
	uint64_t when;		/* private: deadline, ev_now() ms */
	uint64_t key;		/* private: deadline as ordered in the heap */
	uint64_t seq;		/* private: start order, for equal deadlines */
	uint32_t heap;		/* private: heap index + 1, 0 when inactive */
};

/* A wakeup that another thread can send (see ev_async_send). */
struct ev_async {
	ev_async_fn cb;
	void *data;
	int pending;		/* private, atomic */
	struct ev_async *next;	/* private */
	int active;		/* private */
};

/* Work to run once at the end of the current loop iteration. */
struct ev_defer {
	ev_defer_fn cb;
	void *data;
	struct ev_defer *next;	/* private */
	int queued;		/* private */
};

/* "auto", "uring", "epoll"; NULL for a bad value. */
const char *ev_backend_name(enum ev_backend b);

/* The backend named @name (the names above), or -EINVAL. */
int ev_backend_from_name(const char *name);

/*
 * Whether @b can run on this kernel: 1 or 0 (probed once per process, by
 * setting up a small ring with the features the backend needs). AUTO and
 * EPOLL are always 1.
 */
int ev_backend_usable(enum ev_backend b);

/*
 * A new loop on backend @b; AUTO takes io_uring when usable, else epoll.
 * NULL with *@err set (-ENOSYS or -EPERM when io_uring was asked for and
 * the kernel refuses it, -ENOMEM, -EMFILE...). Call it in the thread that
 * will run the loop: an io_uring loop may be bound to that thread.
 */
struct ev_loop *ev_loop_new(enum ev_backend b, int *err);

/*
 * Frees the loop: its ring or epoll fd and its wakeup eventfd. Watchers
 * still started are forgotten (never called again); their memory is the
 * owner's. Deferred work still queued is run first.
 */
void ev_loop_free(struct ev_loop *loop);

/* The backend in use (never AUTO). */
enum ev_backend ev_loop_backend(const struct ev_loop *loop);

/* A pointer for the owner of the loop. */
void ev_loop_set_data(struct ev_loop *loop, void *data);
void *ev_loop_data(const struct ev_loop *loop);

#define EV_RUN_ONCE	0x1u	/* one iteration, waiting for an event */
#define EV_RUN_NOWAIT	0x2u	/* one iteration, without waiting */

/*
 * Runs the loop: waits, then calls the callbacks of what happened (io and
 * asyncs, then expired timers, then deferred work). With flags 0 it
 * runs until ev_stop; it also returns when nothing at all is left to wait
 * for (no watcher, timer or async started), after ev_loop_flush. Returns
 * 0, or a negative errno when the backend failed (the loop is unusable
 * then).
 */
int ev_run(struct ev_loop *loop, unsigned int flags);

/* Makes ev_run return after the current iteration. Loop thread only. */
void ev_stop(struct ev_loop *loop);

/*
 * Hands queued watcher changes to the kernel now (io_uring: submits the
 * SQ; epoll: nothing to do). Until then a stopped io_uring watcher's poll
 * keeps a reference to its file, so a closed socket is not closed yet.
 * ev_run does it before it returns; call it after stopping watchers
 * outside ev_run. Returns 0 or a negative errno.
 */
int ev_loop_flush(struct ev_loop *loop);

/*
 * The loop's clock: CLOCK_MONOTONIC in milliseconds, read once per
 * iteration (after the wait), so it is free to call.
 */
uint64_t ev_now(const struct ev_loop *loop);

/* Reads the clock again (after a long computation in a callback). */
void ev_now_update(struct ev_loop *loop);

/* Sets up @w for @fd; it starts stopped. */
void ev_io_init(struct ev_io *w, int fd, ev_io_fn cb, void *data);

/*
 * Starts watching @w->fd for @events (EV_READ, EV_WRITE, maybe EV_EDGE;
 * 0 is allowed: started but asking for nothing). Returns 0, -EEXIST if
 * started already, -ENOMEM, or (epoll) the error of epoll_ctl: -EBADF,
 * -EPERM for a regular file. On io_uring such errors arrive as EV_ERROR.
 */
int ev_io_start(struct ev_loop *loop, struct ev_io *w, unsigned int events);

/*
 * Changes what a started watcher wants. Cheap when nothing changes.
 * Returns 0, -EINVAL if @w is stopped, or as ev_io_start.
 */
int ev_io_set(struct ev_loop *loop, struct ev_io *w, unsigned int events);

/* Stops @w (no-op if stopped). After this its memory may be freed. */
void ev_io_stop(struct ev_loop *loop, struct ev_io *w);

static inline int ev_io_active(const struct ev_io *w)
{
	return w->slot != 0;
}

/* Wanted events of @w (without EV_EDGE). */
static inline unsigned int ev_io_events(const struct ev_io *w)
{
	return w->events & (EV_READ | EV_WRITE);
}

void ev_timer_init(struct ev_timer *t, ev_timer_fn cb, void *data);

/*
 * (Re)arms @t to fire once, @ms milliseconds after ev_now() (0: in the
 * next iteration). Timers with the same deadline fire in the order they
 * were started. Returns 0 or -ENOMEM (then @t is inactive).
 */
int ev_timer_start(struct ev_loop *loop, struct ev_timer *t, uint64_t ms);

/* Disarms @t (no-op if inactive); its memory may then be freed. */
void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t);

static inline int ev_timer_active(const struct ev_timer *t)
{
	return t->heap != 0;
}

/* Milliseconds until @t fires (0 if due or inactive). */
uint64_t ev_timer_remaining(const struct ev_loop *loop,
			    const struct ev_timer *t);

/* Timers armed in @loop (for tests and metrics). */
uint32_t ev_timer_count(const struct ev_loop *loop);

void ev_async_init(struct ev_async *a, ev_async_fn cb, void *data);

/* Lets @a be sent to @loop; loop thread only. */
void ev_async_start(struct ev_loop *loop, struct ev_async *a);
void ev_async_stop(struct ev_loop *loop, struct ev_async *a);

/*
 * From any thread, async-signal-safe: @a's callback runs once in @loop's
 * thread soon after. Sends that pile up before it runs are merged into
 * one call. @a must have been started.
 */
void ev_async_send(struct ev_loop *loop, struct ev_async *a);

void ev_defer_init(struct ev_defer *d, ev_defer_fn cb, void *data);

/*
 * Queues @d to run at the end of this iteration, after every io and timer
 * callback: the way a callback frees the object that owns the watcher now
 * running. Queueing a queued @d again does nothing. Deferred work queued
 * by deferred work runs in the same pass.
 */
void ev_defer(struct ev_loop *loop, struct ev_defer *d);

#endif
