/* SPDX-License-Identifier: MIT */
/*
 * src/engine/worker.c - a worker thread: its loop, the accept loop on its
 * listening sockets, and its part of a graceful stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/eng_int.h"

/*
 * Accepts per readiness callback: enough to drain a burst in few
 * callbacks, few enough that one busy listener cannot starve the
 * connections of its worker (the loop is level-triggered, so the rest
 * comes in the next iteration).
 */
#define ACCEPT_BATCH 64
/* How long a listener rests when it cannot shed (ENOBUFS, ENOMEM...). */
#define ACCEPT_PAUSE_MS 100
/* Most connections refused in one go when out of fds. */
#define ACCEPT_SHED_MAX 1024

static void acceptor_resume(struct ev_loop *loop, struct ev_timer *t)
{
	struct eng_acceptor *a = t->data;

	ev_io_set(loop, &a->io, EV_READ);
}

/* Warnings about a starved listener: at most one a second per worker. */
static void starved_log(struct eng_worker *w, int fd, int err, int shed)
{
	uint64_t now = ev_now(w->loop);

	if (w->starved_logged && now - w->starved_logged < 1000)
		return;
	w->starved_logged = now ? now : 1;
	eng_log(ENG_LOG_WARN, "accept4 fd %d: %s; %s", fd, strerror(-err),
		shed ? "refusing connections until fds are free" :
		       "pausing the listener");
}

/*
 * Out of fds (EMFILE, ENFILE), the classic fix (libuv uv__emfile_trick):
 * give up the spare fd, accept every connection waiting and close it at
 * once (after the protocol's refusal, an HTTP 503), take the spare back.
 * Clients get a quick answer instead of a hang in the backlog, and the
 * level-triggered listener does not spin. If the spare could not be had
 * (another thread took the number) or memory is short (ENOBUFS, ENOMEM),
 * the listener rests for ACCEPT_PAUSE_MS instead.
 */
static void accept_starved(struct eng_acceptor *a, int err)
{
	struct eng_worker *w = a->w;
	const struct eng_proto *p = w->e->lst[a->listener].proto;
	int fd, n, shed = 0;

	eng_metric_inc(w->metrics, w->e->mid.accept_errors);
	if ((err == -EMFILE || err == -ENFILE) && w->spare_fd >= 0) {
		close(w->spare_fd);
		for (n = 0; n < ACCEPT_SHED_MAX; n++) {
			fd = accept4(a->io.fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				break;
			eng__conn_refuse(w, p, fd);
		}
		shed = n < ACCEPT_SHED_MAX && errno == EAGAIN;
		w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (w->spare_fd < 0)
			shed = 0;
	}
	starved_log(w, a->io.fd, err, shed);
	if (shed)
		return;
	ev_io_set(w->loop, &a->io, 0);
	ev_timer_start(w->loop, &a->pause, ACCEPT_PAUSE_MS);
}

static void on_listen(struct ev_loop *loop, struct ev_io *io,
		      unsigned int events)
{
	struct eng_acceptor *a = io->data;
	struct sockaddr_storage ss;
	socklen_t len;
	int i, fd;

	(void)loop;
	(void)events;
	for (i = 0; i < ACCEPT_BATCH && ev_io_active(io); i++) {
		len = sizeof(ss);
		fd = accept4(io->fd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			eng__conn_accept(a->w, a->listener, fd, &ss, len);
			continue;
		}
		switch (errno) {
		case EAGAIN:
			return;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
		case EPERM:	/* a firewall rule said no */
			continue;
		default:	/* EMFILE, ENFILE, ENOBUFS, ENOMEM... */
			accept_starved(a, -errno);
			return;
		}
	}
}

/* Watches this worker's socket of every listener (or of the single
 * ones, for worker 0). */
static int start_acceptors(struct eng_worker *w)
{
	struct eng *e = w->e;
	struct eng_acceptor *a;
	unsigned int i;
	int fd, ret;

	w->acc = calloc(e->nlst, sizeof(*w->acc));
	if (!w->acc)
		return -ENOMEM;
	for (i = 0; i < e->nlst; i++) {
		if (w->id >= e->lst[i].nfds)
			continue;
		fd = e->lst[i].fds[w->id];
		a = &w->acc[w->nacc++];
		a->w = w;
		a->listener = i;
		ev_io_init(&a->io, fd, on_listen, a);
		ev_timer_init(&a->pause, acceptor_resume, a);
		ret = ev_io_start(w->loop, &a->io, EV_READ);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Closes this worker's listening sockets: new connections go to the other
 * workers while they still listen, and are refused once all have stopped.
 */
static void stop_acceptors(struct eng_worker *w)
{
	struct eng *e = w->e;
	unsigned int i;

	for (i = 0; i < w->nacc; i++) {
		struct eng_acceptor *a = &w->acc[i];

		ev_io_stop(w->loop, &a->io);
		ev_timer_stop(w->loop, &a->pause);
		close(a->io.fd);
		e->lst[a->listener].fds[w->id] = -1;
	}
	w->nacc = 0;
}

/* Closes every connection left with @err; the loop then ends. */
static void force_close(struct eng_worker *w, int err)
{
	while (w->conns)
		eng_conn_close(w->conns, err);
	ev_stop(w->loop);
}

static void on_shutdown_timer(struct ev_loop *loop, struct ev_timer *t)
{
	struct eng_worker *w = t->data;

	(void)loop;
	if (w->conns)
		eng_log(ENG_LOG_WARN, "shutdown timeout: closing %u "
			"connections", w->nconns);
	force_close(w, -ETIMEDOUT);
}

/*
 * A graceful stop: no more accepts; each connection's protocol is told to
 * finish (on_drain) or, without on_drain, closed now. The walk survives
 * on_drain closing any connection (conn.c, unlink_conn). The loop ends
 * when the last connection closes, or at --shutdown-timeout.
 */
static void drain(struct eng_worker *w)
{
	struct eng_conn *c, *next;

	if (w->stopping)
		return;
	w->stopping = 1;
	stop_acceptors(w);
	for (c = w->conns; c; c = next) {
		next = c->next;
		if (c->flags & (CONN_CLOSING | CONN_DRAINED))
			continue;
		c->flags |= CONN_DRAINED;
		if (c->proto->on_drain)
			c->proto->on_drain(c);
		else
			eng_conn_close(c, -ESHUTDOWN);
	}
	if (!w->conns)
		ev_stop(w->loop);
	else
		ev_timer_start(w->loop, &w->shutdown, w->e->cfg.shutdown_ms);
}

static void on_stop(struct ev_loop *loop, struct ev_async *a)
{
	(void)loop;
	drain(a->data);
}

static void on_force(struct ev_loop *loop, struct ev_async *a)
{
	struct eng_worker *w = a->data;

	(void)loop;
	drain(w);
	force_close(w, -ESHUTDOWN);
}

static int worker_setup(struct eng_worker *w)
{
	struct eng *e = w->e;
	int err = 0;

	w->loop = ev_loop_new(e->backend, &err);
	if (!w->loop)
		return err;
	ev_loop_set_data(w->loop, w);
	ev_async_init(&w->stop_async, on_stop, w);
	ev_async_init(&w->force_async, on_force, w);
	ev_async_start(w->loop, &w->stop_async);
	ev_async_start(w->loop, &w->force_async);
	ev_timer_init(&w->shutdown, on_shutdown_timer, w);
	w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (e->alog) {
		w->alog = eng_alog_buf_new(e->alog, w->loop,
					   e->cfg.access_log_buffer, &err);
		if (!w->alog)
			return err;
	}
	err = start_acceptors(w);
	if (err < 0)
		return err;
	if (e->cfg.proto && e->cfg.proto->on_worker_start)
		err = e->cfg.proto->on_worker_start(w);
	return err < 0 ? err : 0;
}

/*
 * Everything the worker holds, in its own thread: what is still open is
 * closed (a worker that failed to start, or a forced stop that raced),
 * then the protocol's per-worker state, the access-log buffer (flushed),
 * and the loop.
 */
static void worker_teardown(struct eng_worker *w)
{
	struct eng *e = w->e;

	if (w->loop) {
		w->stopping = 1;
		stop_acceptors(w);
		while (w->conns)
			eng_conn_close(w->conns, -ESHUTDOWN);
		if (!w->start_err && e->cfg.proto &&
		    e->cfg.proto->on_worker_stop)
			e->cfg.proto->on_worker_stop(w);
		eng_alog_buf_free(w->alog);
		w->alog = NULL;
		ev_timer_stop(w->loop, &w->shutdown);
		/* the asyncs stay started: eng__worker_exit may still send */
		ev_loop_flush(w->loop);
	}
	if (w->spare_fd >= 0)
		close(w->spare_fd);
	w->spare_fd = -1;
	free(w->acc);
	w->acc = NULL;
}

void *eng__worker_main(void *arg)
{
	struct eng_worker *w = arg;
	struct eng *e = w->e;
	char name[16];
	int ret;

	snprintf(name, sizeof(name), "w%u", w->id);
	eng_log_set_thread(name);
	w->start_err = worker_setup(w);
	sem_post(&e->ready);
	if (!w->start_err) {
		ret = ev_run(w->loop, 0);
		if (ret < 0)
			eng_log(ENG_LOG_ERROR, "event loop failed: %s",
				strerror(-ret));
	}
	worker_teardown(w);
	__atomic_sub_fetch(&e->running, 1, __ATOMIC_SEQ_CST);
	ev_async_send(e->ctl, &e->ctl_async);
	return NULL;
}

/* Frees the loop; after the thread was joined. */
void eng__worker_exit(struct eng_worker *w)
{
	ev_loop_free(w->loop);
	w->loop = NULL;
}

unsigned int eng_worker_id(const struct eng_worker *w)
{
	return w->id;
}

struct eng *eng_worker_engine(const struct eng_worker *w)
{
	return w->e;
}

struct ev_loop *eng_worker_loop(const struct eng_worker *w)
{
	return w->loop;
}

void eng_worker_set_data(struct eng_worker *w, void *data)
{
	w->data = data;
}

void *eng_worker_data(const struct eng_worker *w)
{
	return w->data;
}

unsigned int eng_worker_conns(const struct eng_worker *w)
{
	return __atomic_load_n(&w->nconns, __ATOMIC_RELAXED);
}

int eng_worker_stopping(const struct eng_worker *w)
{
	return w->stopping;
}

uint64_t *eng_worker_metrics(const struct eng_worker *w)
{
	return w->metrics;
}

struct eng_alog_buf *eng_worker_alog(const struct eng_worker *w)
{
	return w->alog;
}
