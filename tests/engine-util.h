/* SPDX-License-Identifier: MIT */
/*
 * tests/engine-util.h - what the engine tests share: running each test on
 * both loop backends, and small waits. Header-only, so that no other
 * test program links it.
 */
#ifndef ZC_TESTS_ENGINE_UTIL_H
#define ZC_TESTS_ENGINE_UTIL_H

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "engine/loop.h"
#include "helpers.h"

static const enum ev_backend t_be_uring = EV_BACKEND_URING;
static const enum ev_backend t_be_epoll = EV_BACKEND_EPOLL;

/* Each test twice, named "test/uring" and "test/epoll". */
#define T_BOTH(f)							\
	{ #f "/uring", f, NULL, NULL, (void *)&t_be_uring },		\
	{ #f "/epoll", f, NULL, NULL, (void *)&t_be_epoll }

/* The backend of this run; skips when io_uring is not usable here. */
static inline enum ev_backend t_backend(void **state)
{
	enum ev_backend be = *(const enum ev_backend *)*state;

	if (!ev_backend_usable(be)) {
		print_message("io_uring is not usable on this kernel\n");
		skip();
	}
	return be;
}

static inline struct ev_loop *t_loop(void **state)
{
	struct ev_loop *loop;
	int err = 0;

	loop = ev_loop_new(t_backend(state), &err);
	if (!loop)
		fail_msg("ev_loop_new: %s", strerror(-err));
	return loop;
}

static inline uint64_t t_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void t_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Runs @loop one iteration at a time until *@flag is set or @ms pass. */
static inline int t_run_until(struct ev_loop *loop, volatile int *flag,
			      unsigned int ms)
{
	uint64_t end = t_ms() + ms;

	while (!*flag && t_ms() < end) {
		ev_run(loop, EV_RUN_NOWAIT);
		if (!*flag)
			t_sleep_ms(1);
	}
	return *flag;
}

#endif
