/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/group_wait.c - how a parked JoinGroup or SyncGroup gets its
 * answer across threads, and the coordinator's timer thread.
 *
 * Rules (the lock is kafka_groups.lock; see group.c, "Locking"):
 *  1. A handler creates its struct kafka_group_wait, runs the state
 *     machine under the lock and, still under it, either finds the answer
 *     ready (its own request completed the group, or an error) and sends
 *     it at once, or parks the connection (KAFKA_CF_GROUP, c->gw): the
 *     connection reads nothing more (conn.c, rule 3) and its frame stays.
 *  2. Whoever completes a parked request (any worker, or the timer)
 *     encodes its whole answer into the wait under the lock, pushes it on
 *     its worker's ready list and wakes that worker (kafka_workers_wake:
 *     its ev_async, or deferred work when it is the calling thread's own
 *     worker, under srv->wake_lock for reading, so never a stopped loop).
 *     Either way the answer goes out from a callback of its own, never
 *     from inside the handler that completed the group.
 *  3. The worker takes its ready list under the lock and, without it,
 *     puts each answer in front of its connection's output and resumes
 *     it: answers stay in request order. Only the worker touches its
 *     connections, so a connection that closes (on that worker) cannot
 *     vanish between the two steps; closing removes its wait from the
 *     member or the ready list under the lock (kafka_group_unpark).
 *  4. The timer thread sleeps on a condition variable until the earliest
 *     group deadline (rebalance window, session, pending member); any
 *     change that may bring a deadline closer signals it (poke).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broker_int.h"
#include "group_int.h"

uint64_t kafka_group_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void kafka_group_poke(struct kafka_groups *gs)
{
	pthread_cond_signal(&gs->cond);
}

/* @w no longer waits on its member; false when it did not. */
static bool unlink_member(struct kafka_group_wait *w)
{
	if (!w->m)
		return false;
	if (w->m->join_w == w)
		w->m->join_w = NULL;
	if (w->m->sync_w == w)
		w->m->sync_w = NULL;
	w->m = NULL;
	return true;
}

void kafka_group_deliver(struct kafka_groups *gs, struct kafka_group_wait *w)
{
	unlink_member(w);
	w->ready = true;
	if (w->inline_)
		return;
	w->next = gs->ready[w->worker];
	gs->ready[w->worker] = w;
	/* Rule 2: deferred work when it is this thread's worker. */
	kafka_workers_wake(gs->srv, 1ull << (w->worker % 64));
}

/* Unlinks @w from wherever it is; caller holds the lock. */
static void detach(struct kafka_groups *gs, struct kafka_group_wait *w)
{
	struct kafka_group_wait **pp;

	if (unlink_member(w))
		return;
	for (pp = &gs->ready[w->worker]; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
}

static void wait_free(struct kafka_group_wait *w)
{
	kafka_wbuf_exit(&w->ans);
	free(w);
}

/* Rule 3: @w's answer goes out on its connection; 0 or -errno. */
static int answer(struct kafka_conn *c, struct kafka_group_wait *w)
{
	if (!w->ans.len)
		return -ENOMEM;		/* the encoder failed: no answer */
	kafka_put_raw(&c->wb, w->ans.p, w->ans.len);
	return c->wb.err;
}

/* A parked request is over: the frame behind it is next. */
static void unpark(struct kafka_conn *c)
{
	c->in_off += c->gw->frame_len;
	wait_free(c->gw);
	c->gw = NULL;
	c->flags &= ~KAFKA_CF_GROUP;
}

void kafka_group_wake(struct kafka_worker *w)
{
	struct kafka_groups *gs = w->srv->groups;
	struct kafka_group_wait *list, *gw, *rev = NULL;
	struct kafka_conn *c;
	int err;

	if (!gs)
		return;
	pthread_mutex_lock(&gs->lock);
	list = gs->ready[w->id];
	gs->ready[w->id] = NULL;
	pthread_mutex_unlock(&gs->lock);
	while (list) {			/* oldest first */
		gw = list;
		list = gw->next;
		gw->next = rev;
		rev = gw;
	}
	while (rev) {
		gw = rev;
		rev = gw->next;
		c = gw->c;
		err = answer(c, gw);
		unpark(c);
		if (err)
			eng_conn_close(&c->ec, err);
		else
			kafka_conn_resume(c);
	}
}

void kafka_group_unpark(struct kafka_conn *c)
{
	struct kafka_groups *gs = c->w->srv->groups;

	if (!c->gw)
		return;
	pthread_mutex_lock(&gs->lock);
	detach(gs, c->gw);
	pthread_mutex_unlock(&gs->lock);
	wait_free(c->gw);
	c->gw = NULL;
	c->flags &= ~KAFKA_CF_GROUP;
}

int kafka_group_drain(struct kafka_conn *c)
{
	struct kafka_groups *gs = c->w->srv->groups;
	struct kafka_group_wait *w = c->gw;
	int err;

	if (!w)
		return 0;
	pthread_mutex_lock(&gs->lock);
	detach(gs, w);
	if (!w->ready) {
		w->inline_ = true;
		kafka_group_fail(gs, w, KAFKA_COORDINATOR_NOT_AVAILABLE);
	}
	pthread_mutex_unlock(&gs->lock);
	err = answer(c, w);
	unpark(c);
	return err;
}

/* ---- the timer thread (rule 4) ---------------------------------------- */

static void *timer_main(void *arg)
{
	struct kafka_groups *gs = arg;
	struct kafka_tick_note note;
	struct timespec ts;
	uint64_t next;

	eng_log_set_thread("groups");
	pthread_mutex_lock(&gs->lock);
	while (!gs->stop) {
		memset(&note, 0, sizeof(note));
		next = kafka_group_tick(gs, kafka_group_now(), &note);
		if (note.count) {
			/* Logging writes: never under the lock. */
			pthread_mutex_unlock(&gs->lock);
			eng_log(ENG_LOG_INFO, "%u session%s timed out: %s",
				note.count, note.count == 1 ? "" : "s",
				note.text);
			pthread_mutex_lock(&gs->lock);
			continue;
		}
		if (next == UINT64_MAX) {
			pthread_cond_wait(&gs->cond, &gs->lock);
			continue;
		}
		ts.tv_sec = (time_t)(next / 1000);
		ts.tv_nsec = (long)(next % 1000) * 1000000;
		pthread_cond_timedwait(&gs->cond, &gs->lock, &ts);
	}
	pthread_mutex_unlock(&gs->lock);
	return NULL;
}

/* Started before eng_run: eng_thread_start keeps its signals off it. */
static int start_timer(struct kafka_groups *gs)
{
	int err;

	err = eng_thread_start(&gs->timer, timer_main, gs);
	if (err) {
		eng_log(ENG_LOG_ERROR, "group timer thread: %s",
			strerror(-err));
		return err;
	}
	gs->timer_running = true;
	return 0;
}

/* ---- metrics ----------------------------------------------------------- */

static double m_groups(void *arg)
{
	return (double)__atomic_load_n(&((struct kafka_groups *)arg)->nr_groups,
				       __ATOMIC_RELAXED);
}

static double m_members(void *arg)
{
	return (double)__atomic_load_n(
		&((struct kafka_groups *)arg)->nr_members, __ATOMIC_RELAXED);
}

static double m_rebalances(void *arg)
{
	return (double)__atomic_load_n(
		&((struct kafka_groups *)arg)->rebalances, __ATOMIC_RELAXED);
}

static int metrics(struct kafka_groups *gs)
{
	static const char *const api[4] = { "join", "sync", "heartbeat",
					    "leave" };
	struct eng_metrics *r = eng_metrics(gs->srv->eng);
	char labels[32];
	int i, ret;

	ret = eng_metric_new_fn(r, ENG_METRIC_GAUGE, "zcio_kafka_groups",
				NULL, "Consumer groups the coordinator knows.",
				m_groups, gs);
	if (ret >= 0)
		ret = eng_metric_new_fn(r, ENG_METRIC_GAUGE,
					"zcio_kafka_group_members", NULL,
					"Members of all consumer groups.",
					m_members, gs);
	if (ret >= 0)
		ret = eng_metric_new_fn(r, ENG_METRIC_COUNTER,
					"zcio_kafka_group_rebalances_total",
					NULL, "Rebalances started.",
					m_rebalances, gs);
	for (i = 0; i < 4 && ret >= 0; i++) {
		snprintf(labels, sizeof(labels), "api=\"%s\"", api[i]);
		ret = gs->req[i] = eng_metric_new(r, ENG_METRIC_COUNTER,
				"zcio_kafka_group_requests_total", labels,
				"Group membership requests, by API.");
	}
	return ret < 0 ? ret : 0;
}

int kafka_groups_start(struct kafka_srv *srv)
{
	const struct kafka_cfg *cfg = srv->cfg;
	struct kafka_groups *gs = calloc(1, sizeof(*gs));
	pthread_condattr_t ca;
	int err;

	if (!gs)
		return -ENOMEM;
	if (cfg->group_min_session_ms > cfg->group_max_session_ms) {
		eng_log(ENG_LOG_ERROR, "--group-min-session %u is above "
			"--group-max-session %u", cfg->group_min_session_ms,
			cfg->group_max_session_ms);
		free(gs);
		return -EINVAL;
	}
	gs->ready = calloc(srv->nr_workers ? srv->nr_workers : 1,
			   sizeof(*gs->ready));
	if (!gs->ready) {
		free(gs);
		return -ENOMEM;
	}
	gs->srv = srv;
	gs->initial_delay_ms = cfg->group_initial_delay_ms;
	gs->min_session_ms = cfg->group_min_session_ms;
	gs->max_session_ms = cfg->group_max_session_ms;
	pthread_mutex_init(&gs->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&gs->cond, &ca);
	pthread_condattr_destroy(&ca);
	srv->groups = gs;
	err = metrics(gs);
	if (err) {
		eng_log(ENG_LOG_ERROR, "group metrics: %s", strerror(-err));
		return err;
	}
	return start_timer(gs);
}

void kafka_groups_stop(struct kafka_srv *srv)
{
	struct kafka_groups *gs = srv->groups;

	if (!gs)
		return;
	if (gs->timer_running) {
		pthread_mutex_lock(&gs->lock);
		gs->stop = true;
		pthread_cond_signal(&gs->cond);
		pthread_mutex_unlock(&gs->lock);
		pthread_join(gs->timer, NULL);
	}
	kafka_group_free_all(gs);
	pthread_cond_destroy(&gs->cond);
	pthread_mutex_destroy(&gs->lock);
	free(gs->ready);
	free(gs);
	srv->groups = NULL;
}
