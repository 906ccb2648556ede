/* SPDX-License-Identifier: MIT */
/*
 * tests/engine-timer.c - src/engine/loop.h timers on io_uring and epoll:
 * 10,000 timers firing in deadline order (start order for equal
 * deadlines), cancelled ones never firing, re-armed ones (later: the lazy
 * path; earlier: the heap path) firing once at their last deadline, a
 * callback that stops others and re-arms itself, and timing bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "engine-util.h"

#define NT 10000

struct tm_rec {
	struct ev_timer t;
	uint64_t deadline;	/* ev_now() ms it must not fire before */
	int idx;
	int fired;
};

static struct tm_rec recs[NT];
static int fired_order[NT], nfired;
static uint64_t fired_at[NT];

static void tm_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct tm_rec *r = t->data;

	r->fired++;
	fired_at[nfired] = ev_now(loop);
	fired_order[nfired++] = r->idx;
}

static void run_all(struct ev_loop *loop, unsigned int ms)
{
	uint64_t end = t_ms() + ms;

	while (ev_timer_count(loop) && t_ms() < end)
		assert_int_equal(ev_run(loop, EV_RUN_ONCE), 0);
	assert_int_equal(ev_timer_count(loop), 0);
}

static void setup_recs(struct ev_loop *loop, unsigned int span)
{
	int i;

	nfired = 0;
	srandom(42);
	for (i = 0; i < NT; i++) {
		recs[i].idx = i;
		recs[i].fired = 0;
		ev_timer_init(&recs[i].t, tm_cb, &recs[i]);
		recs[i].deadline = ev_now(loop) + (uint64_t)(random() % span);
		assert_int_equal(ev_timer_start(loop, &recs[i].t,
						recs[i].deadline -
						ev_now(loop)), 0);
	}
	assert_int_equal(ev_timer_count(loop), NT);
}

/* Deadline order, start order among equals, none early, each once. */
static void ordering(void **state)
{
	struct ev_loop *loop = t_loop(state);
	int i, a, b;

	setup_recs(loop, 100);
	run_all(loop, 5000);
	assert_int_equal(nfired, NT);
	for (i = 0; i < NT; i++) {
		assert_int_equal(recs[i].fired, 1);
		assert_true(fired_at[i] >= recs[fired_order[i]].deadline);
	}
	for (i = 1; i < NT; i++) {
		a = fired_order[i - 1];
		b = fired_order[i];
		assert_true(recs[a].deadline <= recs[b].deadline);
		if (recs[a].deadline == recs[b].deadline)
			assert_true(a < b);
	}
	ev_loop_free(loop);
}

/* Half of them stopped before they fire, at random. */
static void cancel(void **state)
{
	struct ev_loop *loop = t_loop(state);
	int i, n = 0;

	setup_recs(loop, 50);
	for (i = 0; i < NT; i++) {
		if (random() % 2) {
			ev_timer_stop(loop, &recs[i].t);
			ev_timer_stop(loop, &recs[i].t);	/* no-op */
			assert_false(ev_timer_active(&recs[i].t));
			recs[i].deadline = UINT64_MAX;
		} else {
			n++;
		}
	}
	assert_int_equal(ev_timer_count(loop), n);
	run_all(loop, 5000);
	assert_int_equal(nfired, n);
	for (i = 0; i < NT; i++)
		assert_int_equal(recs[i].fired,
				 recs[i].deadline != UINT64_MAX);
	ev_loop_free(loop);
}

/*
 * Re-armed three times while active, to later and to earlier deadlines
 * (the keep-alive pattern and its reverse): each fires once, at or after
 * its last deadline, in deadline order.
 */
static void rearm(void **state)
{
	struct ev_loop *loop = t_loop(state);
	uint64_t ms;
	int i, round;

	setup_recs(loop, 40);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < NT; i++) {
			ms = 20 + (uint64_t)(random() % 60);
			recs[i].deadline = ev_now(loop) + ms;
			assert_int_equal(ev_timer_start(loop, &recs[i].t, ms),
					 0);
		}
		assert_int_equal(ev_timer_count(loop), NT);
	}
	run_all(loop, 5000);
	assert_int_equal(nfired, NT);
	for (i = 0; i < NT; i++) {
		assert_int_equal(recs[i].fired, 1);
		assert_true(fired_at[i] >= recs[fired_order[i]].deadline);
		if (i)
			assert_true(recs[fired_order[i - 1]].deadline <=
				    recs[fired_order[i]].deadline);
	}
	ev_loop_free(loop);
}

/* A callback that stops the next timer and re-arms itself 5 times. */
static struct ev_timer ta, tb;
static int a_calls, b_calls;

static void a_cb(struct ev_loop *loop, struct ev_timer *t)
{
	a_calls++;
	ev_timer_stop(loop, &tb);
	if (a_calls < 5)
		assert_int_equal(ev_timer_start(loop, t, 0), 0);
}

static void b_cb(struct ev_loop *loop, struct ev_timer *t)
{
	(void)loop;
	(void)t;
	b_calls++;
}

static void callback_changes(void **state)
{
	struct ev_loop *loop = t_loop(state);

	a_calls = b_calls = 0;
	ev_timer_init(&ta, a_cb, NULL);
	ev_timer_init(&tb, b_cb, NULL);
	assert_int_equal(ev_timer_start(loop, &ta, 0), 0);
	assert_int_equal(ev_timer_start(loop, &tb, 0), 0);
	/* a 0 ms re-arm waits for the next iteration: no starving io */
	ev_run(loop, EV_RUN_NOWAIT);
	assert_int_equal(a_calls, 1);
	assert_int_equal(b_calls, 0);
	assert_int_equal(ev_run(loop, 0), 0);	/* returns: no work left */
	assert_int_equal(a_calls, 5);
	assert_int_equal(b_calls, 0);
	ev_loop_free(loop);
}

/* The wait really waits for the timer, no longer than a bit after it. */
static void timing(void **state)
{
	struct ev_loop *loop = t_loop(state);
	struct tm_rec r = { .idx = 0 };
	uint64_t t0;

	nfired = 0;
	ev_timer_init(&r.t, tm_cb, &r);
	t0 = t_ms();
	assert_int_equal(ev_timer_start(loop, &r.t, 30), 0);
	assert_true(ev_timer_remaining(loop, &r.t) <= 30);
	assert_true(ev_timer_remaining(loop, &r.t) >= 29);
	assert_int_equal(ev_run(loop, 0), 0);
	assert_int_equal(r.fired, 1);
	assert_true(t_ms() - t0 >= 29);
	assert_true(t_ms() - t0 < 1000);
	assert_int_equal(ev_timer_remaining(loop, &r.t), 0);
	/* re-armed from outside a callback after a pause */
	ev_now_update(loop);
	t0 = t_ms();
	assert_int_equal(ev_timer_start(loop, &r.t, 10), 0);
	assert_int_equal(ev_timer_start(loop, &r.t, 40), 0);	/* lazy */
	assert_int_equal(ev_run(loop, 0), 0);
	assert_int_equal(r.fired, 2);
	assert_true(t_ms() - t0 >= 39);
	ev_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(ordering),
		T_BOTH(cancel),
		T_BOTH(rearm),
		T_BOTH(callback_changes),
		T_BOTH(timing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
