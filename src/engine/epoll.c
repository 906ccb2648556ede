/* SPDX-License-Identifier: MIT */
/*
 * src/engine/epoll.c - the epoll backend.
 *
 * Level-triggered unless the watcher asks for EV_EDGE: the contract of
 * loop.h (a callback comes again while the fd stays ready) is what epoll
 * gives natively in that mode, and a protocol that stops reading before
 * EAGAIN (a full request buffer, a pipelined request waiting for its turn)
 * cannot stall. The cost is an epoll_ctl(MOD) when interest changes, which
 * a server does only when a send fills the socket and when it drains.
 * A watcher that wants nothing is removed from the set: epoll reports
 * EPOLLERR/EPOLLHUP even for an empty mask, and level-triggered that would
 * spin.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/loop_int.h"

static int ep_init(struct ev_loop *loop)
{
	loop->events = calloc(EV_BATCH, sizeof(*loop->events));
	if (!loop->events)
		return -ENOMEM;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd == -1)
		return -errno;
	return 0;
}

static void ep_exit(struct ev_loop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
	free(loop->events);
	loop->events = NULL;
}

static int ep_change(struct ev_loop *loop, struct ev_io *w, unsigned int old,
		     unsigned int events)
{
	struct epoll_event ev = { .data.u64 = ev__ud(w->slot, w->gen) };
	int op;

	if (events & EV_READ)
		ev.events |= EPOLLIN | EPOLLRDHUP;
	if (events & EV_WRITE)
		ev.events |= EPOLLOUT;
	if (events & EV_EDGE)
		ev.events |= EPOLLET;
	if (!(old & (EV_READ | EV_WRITE)))
		op = EPOLL_CTL_ADD;
	else if (ev.events & (EPOLLIN | EPOLLOUT))
		op = EPOLL_CTL_MOD;
	else
		op = EPOLL_CTL_DEL;
	if (op == EPOLL_CTL_ADD && !(ev.events & (EPOLLIN | EPOLLOUT)))
		return 0;
	/* DEL of an fd closed behind our back fails: nothing to undo then */
	if (epoll_ctl(loop->epfd, op, w->fd, &ev) == -1 && op != EPOLL_CTL_DEL)
		return -errno;
	return 0;
}

static unsigned int ep_revents(uint32_t e)
{
	unsigned int ev = 0;

	if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		ev |= EV_READ;
	if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		ev |= EV_WRITE;
	return ev;
}

/*
 * One epoll_wait of up to EV_BATCH events, then the callbacks. A callback
 * may stop (and free) a watcher whose event comes later in the batch:
 * each event is looked up by slot and generation just before its call.
 */
static int ep_poll(struct ev_loop *loop, int timeout_ms)
{
	struct epoll_event *ev;
	struct ev_io *w;
	int n, i;

	n = epoll_wait(loop->epfd, loop->events, EV_BATCH, timeout_ms);
	ev_now_update(loop);
	if (n == -1)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		ev = &loop->events[i];
		w = ev__ud_watcher(loop, ev->data.u64);
		if (w)
			ev__io_call(loop, w, ep_revents(ev->events));
	}
	return 0;
}

/* epoll_ctl took effect when it returned. */
static int ep_flush(struct ev_loop *loop)
{
	(void)loop;
	return 0;
}

const struct ev_ops ev__epoll_ops = {
	.init = ep_init,
	.exit = ep_exit,
	.change = ep_change,
	.poll = ep_poll,
	.flush = ep_flush,
};
