/* SPDX-License-Identifier: MIT */
/*
 * src/engine/conn.c - connections: opened on accept, counted against
 * --max-conns, called back on io and timeouts, sent to with chains, and
 * closed with their memory freed at the end of the loop iteration.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/eng_int.h"

static void conn_io(struct ev_loop *loop, struct ev_io *io,
		    unsigned int events)
{
	struct eng_conn *c = io->data;

	(void)loop;
	if (events & EV_ERROR)
		eng_conn_close(c, -EBADF);
	else
		c->proto->on_io(c, events);
}

static void conn_timer(struct ev_loop *loop, struct ev_timer *t)
{
	struct eng_conn *c = t->data;

	(void)loop;
	if (c->proto->on_timeout)
		c->proto->on_timeout(c);
	else
		eng_conn_close(c, -ETIMEDOUT);
}

static void conn_free(struct ev_loop *loop, struct ev_defer *d)
{
	(void)loop;
	free(d->data);
}

static void link_conn(struct eng_worker *w, struct eng_conn *c)
{
	c->prev = NULL;
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	__atomic_store_n(&w->nconns, w->nconns + 1, __ATOMIC_RELAXED);
	eng_metric_inc(w->metrics, w->e->mid.open);
}

/*
 * Leaves c->next alone: a walk over the list that is at @c when it is
 * closed (worker.c, drain) still finds its way on, since every node stays
 * allocated until the end of the iteration.
 */
static void unlink_conn(struct eng_worker *w, struct eng_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	__atomic_store_n(&w->nconns, w->nconns - 1, __ATOMIC_RELAXED);
	eng_metric_sub(w->metrics, w->e->mid.open, 1);
	if (c->flags & CONN_LIMITED)
		__atomic_sub_fetch(&w->e->limited, 1, __ATOMIC_RELAXED);
}

void eng__conn_refuse(struct eng_worker *w, const struct eng_proto *p, int fd)
{
	/* counted first: the client may look at the metric once closed */
	eng_metric_inc(w->metrics, w->e->mid.refused);
	if (p && p->on_refuse)
		p->on_refuse(w, fd);
	close(fd);
}

/* A slot under --max-conns, or 0 when the server is full. */
static int take_limit(struct eng *e)
{
	if (__atomic_add_fetch(&e->limited, 1, __ATOMIC_RELAXED) <=
	    e->max_conns)
		return 1;
	__atomic_sub_fetch(&e->limited, 1, __ATOMIC_RELAXED);
	return 0;
}

static struct eng_conn *conn_new(struct eng_worker *w, unsigned int listener,
				 int fd, const struct sockaddr_storage *peer,
				 socklen_t len)
{
	const struct eng_proto *p = w->e->lst[listener].proto;
	size_t size = p->conn_size > sizeof(struct eng_conn) ?
		      p->conn_size : sizeof(struct eng_conn);
	struct eng_conn *c = calloc(1, size);

	if (!c)
		return NULL;
	c->fd = fd;
	c->worker = w;
	c->proto = p;
	c->peer = *peer;
	c->peerlen = len;
	c->listener = listener;
	ev_io_init(&c->io, fd, conn_io, c);
	ev_timer_init(&c->timer, conn_timer, c);
	ev_defer_init(&c->free, conn_free, c);
	return c;
}

void eng__conn_accept(struct eng_worker *w, unsigned int listener, int fd,
		      const struct sockaddr_storage *peer, socklen_t len)
{
	struct eng *e = w->e;
	const struct eng_listener *l = &e->lst[listener];
	struct eng_conn *c;
	int limited = !(l->flags & ENG_LISTEN_NO_LIMIT), ret;

	if (limited && !take_limit(e)) {
		eng__conn_refuse(w, l->proto, fd);
		return;
	}
	c = conn_new(w, listener, fd, peer, len);
	if (!c) {
		if (limited)
			__atomic_sub_fetch(&e->limited, 1, __ATOMIC_RELAXED);
		eng__conn_refuse(w, l->proto, fd);
		return;
	}
	if (limited)
		c->flags |= CONN_LIMITED;
	link_conn(w, c);
	eng_metric_inc(w->metrics, e->mid.accepted);
	ret = ev_io_start(w->loop, &c->io, EV_READ);
	if (!ret)
		ret = c->proto->on_open(c);
	if (ret < 0) {
		/* on_close is for connections that were opened */
		c->flags |= CONN_UNOPENED;
		eng_conn_close(c, ret);
	}
}

int eng_conn_want(struct eng_conn *c, unsigned int events)
{
	if (c->flags & CONN_CLOSING)
		return -EBADF;
	return ev_io_set(eng_conn_loop(c), &c->io,
			 events & (EV_READ | EV_WRITE | EV_EDGE));
}

void eng_conn_timeout(struct eng_conn *c, uint64_t ms)
{
	if (c->flags & CONN_CLOSING)
		return;
	if (!ms)
		ev_timer_stop(eng_conn_loop(c), &c->timer);
	else
		ev_timer_start(eng_conn_loop(c), &c->timer, ms);
}

/* The bytes of one send into zcio_sent_bytes_total{path=...}. */
static void count_sent(struct eng_conn *c, const struct zc_ledger *l,
		       uint64_t n)
{
	const struct eng_mids *m = &c->worker->e->mid;
	uint64_t *row = c->worker->metrics;
	uint64_t mem = l->from_memory < n ? l->from_memory : n;
	int id = -1;

	eng_metric_add(row, m->sent_memory, mem);
	if (l->path == ZC_PATH_SENDFILE)
		id = m->sent_sendfile;
	else if (l->path == ZC_PATH_SPLICE || l->path == ZC_PATH_URING_SPLICE)
		id = m->sent_splice;
	else if (l->path != ZC_PATH_AUTO)
		id = m->sent_readwrite;
	if (id >= 0 && n > mem)
		eng_metric_add(row, id, n - mem);
}

ssize_t eng_conn_send(struct eng_conn *c, struct zc_chain *ch,
		      struct zc_ledger *ledger)
{
	struct zc_ledger local;
	unsigned int want;
	ssize_t n;
	int ret;

	if (c->flags & CONN_CLOSING)
		return -EBADF;
	if (!ledger)
		ledger = &local;
	n = zc_chain_send(c->fd, ch, ledger);
	if (n > 0)
		count_sent(c, ledger, (uint64_t)n);
	else if (n == -EAGAIN)
		n = 0;
	if (n < 0)
		return n;
	want = c->io.events;	/* with EV_EDGE, if the protocol chose it */
	want = zc_chain_bytes(ch) ? want | EV_WRITE : want & ~EV_WRITE;
	ret = eng_conn_want(c, want);
	return ret < 0 ? ret : n;
}

void eng_conn_close(struct eng_conn *c, int err)
{
	struct eng_worker *w = c->worker;

	/* once: on_close may call us again */
	if (c->flags & CONN_CLOSING)
		return;
	c->flags |= CONN_CLOSING;
	ev_io_stop(w->loop, &c->io);
	ev_timer_stop(w->loop, &c->timer);
	unlink_conn(w, c);
	if (!(c->flags & CONN_UNOPENED))
		c->proto->on_close(c, err);
	close(c->fd);
	c->fd = -1;
	ev_defer(w->loop, &c->free);
	if (w->stopping && !w->conns)
		ev_stop(w->loop);
}
