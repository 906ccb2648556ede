/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/broker_worker.c - the state of one worker thread: its list of
 * connections whose fetch waits (long-poll) and the two ways it is told
 * to look at them again: an ev_async from another worker's append, and
 * deferred work from its own (fetch.c, rule 4). Each look also records
 * the topic-deletion epoch it started at (quiet_epoch), which tells the
 * housekeeping thread when a deleted topic's files can close (admin.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "broker_int.h"

static __thread struct kafka_worker *self;

struct kafka_worker *kafka_worker_self(void)
{
	return self;
}

void kafka_worker_wait_add(struct kafka_worker *w, struct kafka_conn *c)
{
	c->wprev = NULL;
	c->wnext = w->waiting;
	if (w->waiting)
		w->waiting->wprev = c;
	w->waiting = c;
}

void kafka_worker_wait_del(struct kafka_worker *w, struct kafka_conn *c)
{
	if (c->wprev)
		c->wprev->wnext = c->wnext;
	else if (w->waiting == c)
		w->waiting = c->wnext;
	if (c->wnext)
		c->wnext->wprev = c->wprev;
	c->wprev = c->wnext = NULL;
}

/*
 * Every parked fetch of this worker looks again; those answered take up
 * their connection's next requests. A connection that parks again goes
 * to the head of the list, behind the walk: it just looked.
 */
static void recheck(struct kafka_worker *w)
{
	uint64_t epoch = kafka_topics_epoch(w->srv->topics);
	struct kafka_conn *c, *next;
	int ret;

	for (c = w->waiting; c; c = next) {
		next = c->wnext;
		ret = kafka_fetch_retry(c, false);
		if (ret < 0)
			eng_conn_close(&c->ec, ret);
		else if (ret == 1)
			kafka_conn_resume(c);
	}
	/* A loop callback: nothing of a topic deleted by @epoch is held. */
	__atomic_store_n(&w->quiet_epoch, epoch, __ATOMIC_RELEASE);
}

/* Another thread appended (fetches) or completed a group (group_wait.c). */
static void on_wake(struct ev_loop *loop, struct ev_async *a)
{
	(void)loop;
	recheck(a->data);
	kafka_group_wake(a->data);
}

static void on_recheck(struct ev_loop *loop, struct ev_defer *d)
{
	(void)loop;
	recheck(d->data);
	kafka_group_wake(d->data);
}

void kafka_workers_wake(struct kafka_srv *srv, uint64_t mask)
{
	struct kafka_worker *w;
	unsigned int i;

	pthread_rwlock_rdlock(&srv->wake_lock);
	for (i = 0; i < srv->nr_workers; i++) {
		w = __atomic_load_n(&srv->workers[i], __ATOMIC_ACQUIRE);
		if (!(mask & (1ull << (i % 64))) || !w || w->stopped)
			continue;
		if (w == self)		/* this thread's worker */
			ev_defer(w->loop, &w->recheck);
		else
			ev_async_send(w->loop, &w->wake);
	}
	pthread_rwlock_unlock(&srv->wake_lock);
}

int kafka_worker_start(struct eng_worker *ew)
{
	struct kafka_srv *srv = eng_data(eng_worker_engine(ew));
	struct kafka_worker *w;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->srv = srv;
	w->ew = ew;
	w->loop = eng_worker_loop(ew);
	w->row = eng_worker_metrics(ew);
	w->id = eng_worker_id(ew);
	ev_async_init(&w->wake, on_wake, w);
	ev_async_start(w->loop, &w->wake);
	ev_defer_init(&w->recheck, on_recheck, w);
	self = w;
	eng_worker_set_data(ew, w);
	__atomic_store_n(&srv->workers[w->id], w, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Every connection is closed. The worker leaves the wakeup set under the
 * lock, so no other thread sends to its loop after this; it is freed by
 * the broker after eng_run returns.
 */
void kafka_worker_stop(struct eng_worker *ew)
{
	struct kafka_worker *w = eng_worker_data(ew);

	pthread_rwlock_wrlock(&w->srv->wake_lock);
	w->stopped = true;
	pthread_rwlock_unlock(&w->srv->wake_lock);
	ev_async_stop(w->loop, &w->wake);
	self = NULL;
}

void kafka_worker_free(struct kafka_worker *w)
{
	free(w);
}
