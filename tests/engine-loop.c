/* SPDX-License-Identifier: MIT */
/*
 * tests/engine-loop.c - src/engine/loop.h io watchers, wakeups and
 * deferred work, each test on io_uring and on epoll: readiness on pipes
 * and sockets, level and edge delivery, interest changes, hangups, the
 * stale-completion hazard (a watcher stopped, its fd closed and its number
 * and memory reused inside a callback of the same batch), batches larger
 * than one harvest, ev_async_send from another thread, and ev_defer.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine-util.h"

struct rec {
	struct ev_io io;
	int calls;
	unsigned int last;
	unsigned int all;
};

static void rec_cb(struct ev_loop *loop, struct ev_io *w, unsigned int ev)
{
	struct rec *r = w->data;

	(void)loop;
	r->calls++;
	r->last = ev;
	r->all |= ev;
}

static void rec_start(struct ev_loop *loop, struct rec *r, int fd,
		      unsigned int events)
{
	memset(r, 0, sizeof(*r));
	ev_io_init(&r->io, fd, rec_cb, r);
	assert_int_equal(ev_io_start(loop, &r->io, events), 0);
}

static void put(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void backend_named(void **state)
{
	struct ev_loop *loop = t_loop(state);

	assert_int_equal(ev_loop_backend(loop),
			 *(const enum ev_backend *)*state);
	assert_string_equal(ev_backend_name(EV_BACKEND_URING), "uring");
	assert_int_equal(ev_backend_from_name("epoll"), EV_BACKEND_EPOLL);
	assert_int_equal(ev_backend_from_name("kqueue"), -EINVAL);
	ev_loop_free(loop);
}

/* Level-triggered: called again while data stays unread. */
static void pipe_level(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct rec r;
	char buf[8];
	int p[2];

	t_pipe(p);
	rec_start(loop, &r, p[1], EV_READ);
	assert_int_equal(ev_run(loop, EV_RUN_NOWAIT), 0);
	assert_int_equal(r.calls, 0);
	put(p[0], "ab");
	assert_int_equal(ev_run(loop, EV_RUN_ONCE), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.last, EV_READ);
	ev_run(loop, EV_RUN_ONCE);
	assert_int_equal(r.calls, 2);
	assert_int_equal(read(p[1], buf, 1), 1);
	ev_run(loop, EV_RUN_ONCE);
	assert_int_equal(r.calls, 3);
	assert_int_equal(read(p[1], buf, 1), 1);
	ev_run(loop, EV_RUN_NOWAIT);
	ev_run(loop, EV_RUN_NOWAIT);
	assert_int_equal(r.calls, 3);
	ev_io_stop(loop, &r.io);
	put(p[0], "c");
	ev_run(loop, EV_RUN_NOWAIT);
	assert_int_equal(r.calls, 3);
	ev_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

/* EV_EDGE: one call per arrival, even with data left unread. */
static void pipe_edge(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct rec r;
	int p[2];

	t_pipe(p);
	rec_start(loop, &r, p[1], EV_READ | EV_EDGE);
	put(p[0], "ab");
	ev_run(loop, EV_RUN_ONCE);
	assert_int_equal(r.calls, 1);
	ev_run(loop, EV_RUN_NOWAIT);
	ev_run(loop, EV_RUN_NOWAIT);
	assert_int_equal(r.calls, 1);
	put(p[0], "c");
	ev_run(loop, EV_RUN_ONCE);
	assert_int_equal(r.calls, 2);
	assert_int_equal(ev_io_events(&r.io), EV_READ);
	ev_io_stop(loop, &r.io);
	ev_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

/* Fills a non-blocking socket until it would block. */
static void fill(int fd)
{
	static char junk[65536];

	while (write(fd, junk, sizeof(junk)) > 0)
		;
	assert_int_equal(errno, EAGAIN);
}

static void drain_fd(int fd)
{
	char buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Writable sockets, full ones, and interest moving between events. */
static void socket_interest(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct rec r;
	int s[2];

	t_tcp_pair(s);
	t_set_nonblock(s[0], 1);
	t_set_nonblock(s[1], 1);
	rec_start(loop, &r, s[0], EV_READ);
	ev_run(loop, EV_RUN_NOWAIT);
	assert_int_equal(r.calls, 0);
	/* wanting WRITE on an empty socket: called at once */
	assert_int_equal(ev_io_set(loop, &r.io, EV_READ | EV_WRITE), 0);
	ev_run(loop, EV_RUN_ONCE);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.last, EV_WRITE);
	/* full: no more WRITE */
	fill(s[0]);
	r.calls = 0;
	ev_run(loop, EV_RUN_NOWAIT);
	ev_run(loop, EV_RUN_NOWAIT);
	assert_int_equal(r.calls, 0);
	/* data from the peer: READ only */
	put(s[1], "x");
	ev_run(loop, EV_RUN_ONCE);
	assert_true(r.calls >= 1);
	assert_int_equal(r.last, EV_READ);
	/* back to WRITE only: READ pending is not reported */
	assert_int_equal(ev_io_set(loop, &r.io, EV_WRITE), 0);
	r.calls = 0;
	r.all = 0;
	ev_run(loop, EV_RUN_NOWAIT);
	assert_int_equal(r.calls, 0);
	/* the peer drains: WRITE comes */
	drain_fd(s[1]);
	ev_run(loop, EV_RUN_ONCE);
	assert_true(r.calls >= 1);
	assert_int_equal(r.all, EV_WRITE);
	/* nothing wanted: nothing reported, even with data there */
	assert_int_equal(ev_io_set(loop, &r.io, 0), 0);
	assert_true(ev_io_active(&r.io));
	r.calls = 0;
	ev_run(loop, EV_RUN_NOWAIT);
	ev_run(loop, EV_RUN_NOWAIT);
	assert_int_equal(r.calls, 0);
	assert_int_equal(ev_io_set(loop, &r.io, EV_READ), 0);
	ev_run(loop, EV_RUN_ONCE);
	assert_int_equal(r.last, EV_READ);
	ev_io_stop(loop, &r.io);
	assert_false(ev_io_active(&r.io));
	assert_int_equal(ev_io_set(loop, &r.io, EV_READ), -EINVAL);
	ev_loop_free(loop);
	close(s[0]);
	close(s[1]);
}

/* A peer that closes is reported as readable (EOF) and writable. */
static void hangup(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct rec r;
	char c;
	int s[2];

	t_tcp_pair(s);
	t_set_nonblock(s[0], 1);
	rec_start(loop, &r, s[0], EV_READ);
	close(s[1]);
	ev_run(loop, EV_RUN_ONCE);
	assert_int_equal(r.last, EV_READ);
	assert_int_equal(read(s[0], &c, 1), 0);
	ev_io_stop(loop, &r.io);
	ev_loop_free(loop);
	close(s[0]);
}

/* Starting on a closed fd: an error now (epoll) or EV_ERROR (io_uring). */
static void bad_fd(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct rec r;
	int p[2], ret;

	t_pipe(p);
	close(p[0]);
	close(p[1]);
	memset(&r, 0, sizeof(r));
	ev_io_init(&r.io, p[1], rec_cb, &r);
	ret = ev_io_start(loop, &r.io, EV_READ);
	if (ret == 0) {
		ev_run(loop, EV_RUN_ONCE);
		assert_int_equal(r.calls, 1);
		assert_int_equal(r.last, EV_ERROR);
		assert_false(ev_io_active(&r.io));
	} else {
		assert_int_equal(ret, -EBADF);
		assert_false(ev_io_active(&r.io));
	}
	ev_loop_free(loop);
}

/*
 * The stale-completion hazard. Two pipes are readable in the same batch.
 * Whichever callback runs first stops the other watcher, closes its fd,
 * frees its memory (ASan catches any later touch), and opens a new, empty
 * pipe on the same fd number with a new watcher. The other callback must
 * never run, and the new watcher must not inherit the old event. Then a
 * callback that stops and frees itself. Repeated, to cross batches.
 */
struct hz {
	struct ev_io io;
	struct hz **peer;	/* where the other one is kept */
	struct hz **self;
	int calls;
	int *wfd;		/* writing end to close with the watcher */
};

static int hz_bad;
static void *hz_freed;

static void hz_new_cb(struct ev_loop *loop, struct ev_io *w, unsigned int ev)
{
	char c;

	(void)loop;
	(void)ev;
	((struct hz *)w->data)->calls++;
	assert_int_equal(read(w->fd, &c, 1), 1);
}

static void hz_cb(struct ev_loop *loop, struct ev_io *w, unsigned int ev)
{
	struct hz *me, *other, *fresh;
	int fd, p[2];
	char c;

	(void)ev;
	/* compares the address only: the memory may be gone */
	if ((void *)w == hz_freed) {
		hz_bad++;
		return;
	}
	me = w->data;
	me->calls++;
	assert_int_equal(read(w->fd, &c, 1), 1);
	other = *me->peer;
	if (!other)
		return;		/* the survivor, called again: fine */
	/* allocated first, so that it cannot take the freed address */
	fresh = calloc(1, sizeof(*fresh));
	fresh->wfd = malloc(sizeof(int));
	fd = other->io.fd;
	ev_io_stop(loop, &other->io);
	close(fd);
	close(*other->wfd);
	*me->peer = NULL;
	hz_freed = other;
	free(other);
	/* a new, empty pipe on the fd number just freed */
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	if (p[0] != fd) {
		assert_int_equal(dup2(p[0], fd), fd);
		close(p[0]);
	}
	*fresh->wfd = p[1];
	ev_io_init(&fresh->io, fd, hz_new_cb, fresh);
	assert_int_equal(ev_io_start(loop, &fresh->io, EV_READ), 0);
	*me->self = fresh;	/* handed to the test to check and free */
}

static void stale_completion(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct hz *a, *b, *slot_a, *slot_b, *fresh;
	int round, pa[2], pb[2], wa, wb;

	hz_bad = 0;
	for (round = 0; round < 200; round++) {
		t_pipe(pa);
		t_pipe(pb);
		wa = pa[0];
		wb = pb[0];
		a = calloc(1, sizeof(*a));
		b = calloc(1, sizeof(*b));
		slot_a = a;
		slot_b = b;
		fresh = NULL;
		a->peer = &slot_b;
		b->peer = &slot_a;
		a->self = b->self = &fresh;
		a->wfd = &wa;
		b->wfd = &wb;
		ev_io_init(&a->io, pa[1], hz_cb, a);
		ev_io_init(&b->io, pb[1], hz_cb, b);
		assert_int_equal(ev_io_start(loop, &a->io, EV_READ), 0);
		assert_int_equal(ev_io_start(loop, &b->io, EV_READ), 0);
		/* both readable before the loop looks */
		put(wa, "a");
		put(wb, "b");
		ev_run(loop, EV_RUN_ONCE);
		ev_run(loop, EV_RUN_NOWAIT);
		ev_run(loop, EV_RUN_NOWAIT);
		assert_int_equal(hz_bad, 0);
		assert_non_null(fresh);
		assert_int_equal(fresh->calls, 0);
		/* the new watcher works on its own pipe */
		put(*fresh->wfd, "n");
		ev_run(loop, EV_RUN_ONCE);
		assert_int_equal(fresh->calls, 1);
		/* the survivor */
		a = slot_a ? slot_a : slot_b;
		assert_non_null(a);
		assert_int_equal(a->calls, 1);
		ev_io_stop(loop, &a->io);
		close(a->io.fd);
		close(*a->wfd);
		free(a);
		ev_io_stop(loop, &fresh->io);
		close(fresh->io.fd);
		close(*fresh->wfd);
		free(fresh->wfd);
		free(fresh);
	}
	ev_loop_free(loop);
}

/* A callback that stops, closes and frees its own watcher; the fd number
 * is reused at once by a socket that is not readable. */
static int selfs;

static void self_cb(struct ev_loop *loop, struct ev_io *w, unsigned int ev)
{
	(void)ev;
	selfs++;
	ev_io_stop(loop, w);
	close(w->fd);
	free(w);
}

static void stop_self(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct rec r;
	struct ev_io *w;
	int i, p[2], s[2];

	selfs = 0;
	for (i = 0; i < 100; i++) {
		t_pipe(p);
		w = malloc(sizeof(*w));
		ev_io_init(w, p[1], self_cb, NULL);
		assert_int_equal(ev_io_start(loop, w, EV_READ), 0);
		put(p[0], "x");
		ev_run(loop, EV_RUN_ONCE);
		assert_int_equal(selfs, i + 1);
		/* socketpair takes the lowest free numbers, often p[1]'s */
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM |
					    SOCK_NONBLOCK, 0, s), 0);
		rec_start(loop, &r, s[0], EV_READ);
		ev_run(loop, EV_RUN_NOWAIT);
		ev_run(loop, EV_RUN_NOWAIT);
		assert_int_equal(r.calls, 0);
		ev_io_stop(loop, &r.io);
		close(s[0]);
		close(s[1]);
		close(p[0]);
	}
	ev_loop_free(loop);
}

/* More ready watchers than one epoll_wait or CQ harvest returns (256). */
#define MANY 600

static void many_ready(void **state)
{
	struct ev_loop *loop = t_loop(state);
	static struct rec r[MANY];
	static int p[MANY][2];
	int i, total, rounds;

	for (i = 0; i < MANY; i++) {
		t_pipe(p[i]);
		rec_start(loop, &r[i], p[i][1], EV_READ);
		put(p[i][0], "z");
	}
	for (rounds = 0; rounds < 20; rounds++) {
		ev_run(loop, EV_RUN_ONCE);
		for (i = 0, total = 0; i < MANY; i++)
			total += r[i].calls > 0;
		if (total == MANY)
			break;
	}
	assert_int_equal(total, MANY);
	for (i = 0; i < MANY; i++) {
		ev_io_stop(loop, &r[i].io);
		close(p[i][0]);
		close(p[i][1]);
	}
	ev_loop_free(loop);
}

/* ev_async_send from another thread wakes a loop that waits. */
struct sender {
	struct ev_loop *loop;
	struct ev_async *a;
	int n;
};

static void *send_main(void *arg)
{
	struct sender *s = arg;
	int i;

	for (i = 0; i < s->n; i++) {
		t_sleep_ms(1);
		ev_async_send(s->loop, s->a);
	}
	return NULL;
}

static int async_calls;

static void async_cb(struct ev_loop *loop, struct ev_async *a)
{
	(void)a;
	if (++async_calls >= 5)
		ev_stop(loop);
}

static void async_wakeup(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct ev_async a;
	struct sender s = { loop, &a, 50 };
	pthread_t th;
	uint64_t t0;

	async_calls = 0;
	ev_async_init(&a, async_cb, NULL);
	ev_async_start(loop, &a);
	/* sends before the loop runs merge into one call */
	ev_async_send(loop, &a);
	ev_async_send(loop, &a);
	ev_run(loop, EV_RUN_ONCE);
	assert_int_equal(async_calls, 1);
	assert_int_equal(pthread_create(&th, NULL, send_main, &s), 0);
	t0 = t_ms();
	assert_int_equal(ev_run(loop, 0), 0);	/* until 5 calls */
	assert_true(t_ms() - t0 < 5000);
	assert_true(async_calls >= 5);
	ev_async_stop(loop, &a);
	/* no watcher, timer or async: ev_run returns at once */
	assert_int_equal(ev_run(loop, 0), 0);
	ev_async_start(loop, &a);
	pthread_join(th, NULL);
	ev_async_stop(loop, &a);
	ev_loop_free(loop);
}

/* Deferred work runs after the io callbacks of the iteration, once. */
static int order[8], norder;

static void defer_cb(struct ev_loop *loop, struct ev_defer *d)
{
	(void)loop;
	order[norder++] = (int)(long)d->data;
}

static struct ev_defer d1, d2;

static void io_defers(struct ev_loop *loop, struct ev_io *w, unsigned int ev)
{
	(void)ev;
	order[norder++] = 0;
	ev_defer(loop, &d1);
	ev_defer(loop, &d1);	/* queued already: no-op */
	ev_defer(loop, &d2);
	ev_io_stop(loop, w);
}

static void defer_order(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct ev_io w;
	int p[2];

	norder = 0;
	ev_defer_init(&d1, defer_cb, (void *)1L);
	ev_defer_init(&d2, defer_cb, (void *)2L);
	t_pipe(p);
	ev_io_init(&w, p[1], io_defers, NULL);
	assert_int_equal(ev_io_start(loop, &w, EV_READ), 0);
	put(p[0], "x");
	ev_run(loop, EV_RUN_ONCE);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	/* queued outside the loop: runs at free */
	ev_defer(loop, &d1);
	ev_loop_free(loop);
	assert_int_equal(norder, 4);
	close(p[0]);
	close(p[1]);
}

/* A watcher restarted on another fd (the reused-struct case). */
static void restart_other_fd(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct rec r;
	int p[2], q[2];

	t_pipe(p);
	t_pipe(q);
	rec_start(loop, &r, p[1], EV_READ);
	put(p[0], "x");
	ev_io_stop(loop, &r.io);
	r.io.fd = q[1];
	assert_int_equal(ev_io_start(loop, &r.io, EV_READ), 0);
	assert_int_equal(ev_io_start(loop, &r.io, EV_READ), -EEXIST);
	ev_run(loop, EV_RUN_NOWAIT);
	ev_run(loop, EV_RUN_NOWAIT);
	assert_int_equal(r.calls, 0);
	put(q[0], "y");
	ev_run(loop, EV_RUN_ONCE);
	assert_int_equal(r.calls, 1);
	ev_io_stop(loop, &r.io);
	ev_loop_free(loop);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(backend_named),
		T_BOTH(pipe_level),
		T_BOTH(pipe_edge),
		T_BOTH(socket_interest),
		T_BOTH(hangup),
		T_BOTH(bad_fd),
		T_BOTH(stale_completion),
		T_BOTH(stop_self),
		T_BOTH(many_ready),
		T_BOTH(async_wakeup),
		T_BOTH(defer_order),
		T_BOTH(restart_other_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
