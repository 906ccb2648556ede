/* SPDX-License-Identifier: MIT */
/*
 * src/engine/uring.c - the io_uring backend: readiness by IORING_OP_POLL_ADD.
 *
 * Rules:
 *  1. Submissions are only queued; they go to the kernel with the
 *     io_uring_enter that waits (io_uring_submit_and_wait_timeout), so a
 *     loop iteration costs one system call however many watchers changed.
 *  2. Level-triggered watchers use one-shot polls, re-armed after their
 *     callback while still wanted. A new poll checks the fd at once, so
 *     an fd that is still ready completes in the same io_uring_enter: the
 *     level semantics of epoll, at the price of one SQE per event (no
 *     system call). A multishot poll (IORING_POLL_ADD_MULTI, 5.13) would
 *     be edge-triggered: it posts on wakeups only, and a protocol that
 *     stops reading before EAGAIN would hang. EV_EDGE watchers get one.
 *  3. user_data is slot index + generation (loop_int.h). Changing interest
 *     removes the poll (IORING_OP_POLL_REMOVE, its own CQE ignored) and
 *     arms a new one under a new generation, so that a completion of the
 *     old poll still in flight is dropped. At most one poll per
 *     generation is ever live.
 *  4. A poll's last CQE (no IORING_CQE_F_MORE) disarms its slot at harvest,
 *     before any callback of the batch runs: a callback that re-arms
 *     another watcher whose CQE waits later in the batch then never leaves
 *     a second poll untracked.
 *  5. -ECANCELED with a live generation means the kernel ended the poll
 *     (a multishot poll whose CQ overflowed): re-arm. Any other error
 *     (-EBADF: the fd was closed) stops the watcher and reports EV_ERROR.
 *  6. A poll holds a reference to the file, not to the fd number: closing
 *     the fd does not end it, and the socket lives until the POLL_REMOVE
 *     queued by ev_io_stop reaches the kernel and the cancelled poll's
 *     task work runs (an io_uring_enter with GETEVENTS): in the wait at
 *     the end of the current iteration, or in ev_loop_flush when the loop
 *     stops. A closed fd number reused at once is a new file and gets its
 *     own poll.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "engine/loop_int.h"

/*
 * SQ: 256 entries is one batch of re-arms; when full we submit early
 * (rule 1 bends, nothing breaks). CQ: 4096 so that a burst on thousands
 * of connections rarely spills into the kernel's overflow list.
 */
#define UR_SQ 256
#define UR_CQ 4096

/*
 * The setups we try, best first. DEFER_TASKRUN (6.1) runs completions only
 * when we wait, in our thread, without interrupting it; it needs
 * SINGLE_ISSUER, which ties the ring to the thread that made it (hence
 * ev_loop_new in the loop's thread). COOP_TASKRUN (5.19) saves the IPI.
 */
static const unsigned int ur_setups[] = {
	IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	IORING_SETUP_COOP_TASKRUN,
	0,
};

static int ur_init(struct ev_loop *loop)
{
	struct io_uring_params p;
	unsigned int i;
	int ret = -ENOSYS;

	if (!ev_backend_usable(EV_BACKEND_URING))
		return -ENOSYS;
	for (i = 0; i < sizeof(ur_setups) / sizeof(*ur_setups); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = ur_setups[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = UR_CQ;
		ret = io_uring_queue_init_params(UR_SQ, &loop->ring, &p);
		if (ret != -EINVAL)
			break;
	}
	if (ret < 0)
		return ret;
	loop->ring_up = 1;
	/* saves an fget/fput per io_uring_enter (5.18); optional */
	io_uring_register_ring_fd(&loop->ring);
	return 0;
}

static void ur_exit(struct ev_loop *loop)
{
	if (loop->ring_up)
		io_uring_queue_exit(&loop->ring);
	loop->ring_up = 0;
}

/* An SQE, submitting what is queued when the SQ is full. NULL if even
 * that fails (the kernel is out of memory for overflowed CQEs). */
static struct io_uring_sqe *ur_sqe(struct ev_loop *loop)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);

	if (!sqe) {
		io_uring_submit(&loop->ring);
		sqe = io_uring_get_sqe(&loop->ring);
	}
	return sqe;
}

static int ur_arm(struct ev_loop *loop, struct ev_io *w, unsigned int events)
{
	struct io_uring_sqe *sqe = ur_sqe(loop);
	unsigned int mask = 0;

	if (!sqe)
		return -EBUSY;
	if (events & EV_READ)
		mask |= POLLIN | POLLRDHUP;
	if (events & EV_WRITE)
		mask |= POLLOUT;
	if (events & EV_EDGE)
		io_uring_prep_poll_multishot(sqe, w->fd, mask);
	else
		io_uring_prep_poll_add(sqe, w->fd, mask);
	io_uring_sqe_set_data64(sqe, ev__ud(w->slot, w->gen));
	loop->slots[w->slot].armed = events;
	return 0;
}

/*
 * Removes the live poll and moves the slot to a new generation (rule 3).
 * If no SQE can be had, the old poll stays until its fd is ready, and its
 * CQE is then dropped as stale.
 */
static void ur_disarm(struct ev_loop *loop, struct ev_io *w)
{
	struct ev_slot *s = &loop->slots[w->slot];
	struct io_uring_sqe *sqe = ur_sqe(loop);

	if (sqe) {
		io_uring_prep_poll_remove(sqe, ev__ud(w->slot, w->gen));
		io_uring_sqe_set_data64(sqe, 0);
	}
	s->armed = 0;
	s->gen++;
	w->gen = s->gen;
}

static int ur_change(struct ev_loop *loop, struct ev_io *w, unsigned int old,
		     unsigned int events)
{
	struct ev_slot *s = &loop->slots[w->slot];

	(void)old;
	if (s->armed) {
		if (s->armed == events)
			return 0;
		ur_disarm(loop, w);
	}
	if (!(events & (EV_READ | EV_WRITE)))
		return 0;
	return ur_arm(loop, w, events);
}

static unsigned int ur_revents(int res)
{
	unsigned int ev = 0;

	if (res & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))
		ev |= EV_READ;
	if (res & (POLLOUT | POLLHUP | POLLERR))
		ev |= EV_WRITE;
	return ev;
}

/* After a callback (rule 2): arm again if the watcher still wants events.
 * A watcher we cannot re-arm would hang: it gets EV_ERROR instead. */
static void ur_rearm(struct ev_loop *loop, uint32_t idx, uint32_t gen)
{
	struct ev_slot *s = &loop->slots[idx];
	struct ev_io *w = s->w;

	if (s->gen != gen || !w || s->armed ||
	    !(w->events & (EV_READ | EV_WRITE)))
		return;
	if (ur_arm(loop, w, w->events) < 0)
		ev__io_fail(loop, w);
}

struct ur_done {
	uint64_t ud;
	int res;
	unsigned int flags;
};

/* Copies up to EV_BATCH CQEs out of the ring and applies rule 4. */
static unsigned int ur_harvest(struct ev_loop *loop, struct ur_done *done)
{
	struct io_uring_cqe *cqes[EV_BATCH];
	struct ev_io *w;
	unsigned int n, i, k = 0;

	n = io_uring_peek_batch_cqe(&loop->ring, cqes, EV_BATCH);
	for (i = 0; i < n; i++) {
		w = ev__ud_watcher(loop, cqes[i]->user_data);
		if (!w)
			continue;
		done[k].ud = cqes[i]->user_data;
		done[k].res = cqes[i]->res;
		done[k].flags = cqes[i]->flags;
		if (!(done[k].flags & IORING_CQE_F_MORE))
			loop->slots[w->slot].armed = 0;
		k++;
	}
	io_uring_cq_advance(&loop->ring, n);
	return k;
}

static void ur_dispatch(struct ev_loop *loop, const struct ur_done *d)
{
	struct ev_io *w = ev__ud_watcher(loop, d->ud);
	uint32_t idx = (uint32_t)d->ud, gen = (uint32_t)(d->ud >> 32);

	if (!w)
		return;		/* stopped by an earlier callback */
	if (d->res == -ECANCELED) {
		ur_rearm(loop, idx, gen);
		return;
	}
	if (d->res < 0) {
		ev__io_fail(loop, w);
		return;
	}
	ev__io_call(loop, w, ur_revents(d->res));
	ur_rearm(loop, idx, gen);
}

static int ur_wait(struct ev_loop *loop, int timeout_ms)
{
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;

	if (!timeout_ms)
		return io_uring_submit_and_get_events(&loop->ring);
	if (timeout_ms < 0)
		return io_uring_submit_and_wait(&loop->ring, 1);
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
	return io_uring_submit_and_wait_timeout(&loop->ring, &cqe, 1, &ts,
						NULL);
}

static int ur_poll(struct ev_loop *loop, int timeout_ms)
{
	struct ur_done done[EV_BATCH];
	unsigned int n, i;
	int ret;

	ret = ur_wait(loop, timeout_ms);
	ev_now_update(loop);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EAGAIN &&
	    ret != -EBUSY)
		return ret;
	n = ur_harvest(loop, done);
	for (i = 0; i < n; i++)
		ur_dispatch(loop, &done[i]);
	return 0;
}

/*
 * Submits and runs the ring's pending task work too: with DEFER_TASKRUN a
 * removed poll is only freed, and drops its file, when task work runs,
 * which a plain submit does not do. The CQEs this posts are left in the
 * ring, to be dropped as stale.
 */
static int ur_flush(struct ev_loop *loop)
{
	int ret = io_uring_submit_and_get_events(&loop->ring);

	return ret < 0 && ret != -EBUSY && ret != -EAGAIN && ret != -EINTR ?
	       ret : 0;
}

const struct ev_ops ev__uring_ops = {
	.init = ur_init,
	.exit = ur_exit,
	.change = ur_change,
	.poll = ur_poll,
	.flush = ur_flush,
};
