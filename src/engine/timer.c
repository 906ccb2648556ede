/* SPDX-License-Identifier: MIT */
/*
 * src/engine/timer.c - one-shot timers in a binary min-heap keyed by
 * (deadline, start order).
 *
 * A server re-arms a connection's idle timer on every request, almost
 * always to a later deadline. So a restart that moves a timer later only
 * records the new deadline (when) and leaves the heap key alone; when the
 * key comes due and the deadline has moved, the timer sinks to its new
 * place instead of firing (the lazy re-arm of nginx's timer tree). That
 * makes the common restart O(1); moving earlier, start and stop are
 * O(log n).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/loop_int.h"

#define HEAP_MIN 64

static int before(const struct ev_timer *a, const struct ev_timer *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void heap_put(struct ev_loop *loop, uint32_t i, struct ev_timer *t)
{
	loop->heap[i] = t;
	t->heap = i + 1;
}

static void sift_up(struct ev_loop *loop, uint32_t i)
{
	struct ev_timer *t = loop->heap[i];
	uint32_t parent;

	while (i) {
		parent = (i - 1) / 2;
		if (!before(t, loop->heap[parent]))
			break;
		heap_put(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_put(loop, i, t);
}

static void sift_down(struct ev_loop *loop, uint32_t i)
{
	struct ev_timer *t = loop->heap[i];
	uint32_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= loop->nheap)
			break;
		if (child + 1 < loop->nheap &&
		    before(loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!before(loop->heap[child], t))
			break;
		heap_put(loop, i, loop->heap[child]);
		i = child;
	}
	heap_put(loop, i, t);
}

static void heap_remove(struct ev_loop *loop, struct ev_timer *t)
{
	uint32_t i = t->heap - 1;
	struct ev_timer *last = loop->heap[--loop->nheap];

	t->heap = 0;
	if (last == t)
		return;
	heap_put(loop, i, last);
	if (i && before(last, loop->heap[(i - 1) / 2]))
		sift_up(loop, i);
	else
		sift_down(loop, i);
}

static int heap_grow(struct ev_loop *loop)
{
	struct ev_timer **h;
	uint32_t n = loop->heap_cap ? loop->heap_cap * 2 : HEAP_MIN;

	h = realloc(loop->heap, n * sizeof(*h));
	if (!h)
		return -ENOMEM;
	loop->heap = h;
	loop->heap_cap = n;
	return 0;
}

void ev_timer_init(struct ev_timer *t, ev_timer_fn cb, void *data)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->data = data;
}

int ev_timer_start(struct ev_loop *loop, struct ev_timer *t, uint64_t ms)
{
	uint64_t when = loop->now + ms;

	t->seq = ++loop->timer_seq;
	if (t->heap) {
		t->when = when;
		if (when > t->key)
			return 0;	/* later: settled lazily on expiry */
		if (when == t->key) {
			/* same deadline, started last now: after its peers */
			sift_down(loop, t->heap - 1);
			return 0;
		}
		t->key = when;
		sift_up(loop, t->heap - 1);
		return 0;
	}
	if (loop->nheap == loop->heap_cap && heap_grow(loop) < 0)
		return -ENOMEM;
	t->when = t->key = when;
	heap_put(loop, loop->nheap++, t);
	sift_up(loop, loop->nheap - 1);
	return 0;
}

void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t)
{
	if (t->heap)
		heap_remove(loop, t);
}

uint64_t ev_timer_remaining(const struct ev_loop *loop,
			    const struct ev_timer *t)
{
	if (!t->heap || t->when <= loop->now)
		return 0;
	return t->when - loop->now;
}

uint32_t ev_timer_count(const struct ev_loop *loop)
{
	return loop->nheap;
}

int ev__timer_next(struct ev_loop *loop)
{
	uint64_t key;

	if (!loop->nheap)
		return -1;
	key = loop->heap[0]->key;
	if (key <= loop->now)
		return 0;
	/* no timer is days away in a server; cap to keep it an int */
	return key - loop->now > 86400000 ? 86400000 : (int)(key - loop->now);
}

/*
 * Fires every timer due by ev_now(). A timer re-armed lazily sinks to its
 * real deadline instead; its start order (seq) was taken at the restart,
 * so equal deadlines still fire in start order. A callback may start and
 * stop any timer, its own included; one started for 0 ms by a callback
 * here waits for the next iteration, so that a timer re-arming itself at
 * 0 cannot starve io.
 */
void ev__timer_run(struct ev_loop *loop)
{
	uint64_t now = loop->now, limit = loop->timer_seq;
	struct ev_timer *t;

	while (loop->nheap) {
		t = loop->heap[0];
		if (t->key > now)
			break;
		if (t->when > t->key) {
			t->key = t->when;
			sift_down(loop, 0);
			continue;
		}
		if (t->seq > limit)
			break;
		heap_remove(loop, t);
		t->cb(loop, t);
	}
}

void ev__timer_exit(struct ev_loop *loop)
{
	uint32_t i;

	for (i = 0; i < loop->nheap; i++)
		loop->heap[i]->heap = 0;
	free(loop->heap);
	loop->heap = NULL;
	loop->nheap = loop->heap_cap = 0;
}
