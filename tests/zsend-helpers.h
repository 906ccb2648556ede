/* SPDX-License-Identifier: MIT */
/*
 * tests/zsend-helpers.h - what the tests of zcio/zsend.h share (t_ and tb_
 * helpers); the including program defines MODE, the mode under test.
 *
 * The proof of the ownership rule: every buffer is caller memory whose
 * dispose callback (1) records whether it ran inside zc_zsend_reap,
 * zc_zsend_drain or zc_zsend_free, and which call that was, (2) scribbles
 * over the bytes, so that a release before the kernel is done shows as
 * corrupted bytes at the reader, and (3) poisons them under ASan, so that
 * a read by the library after the release is reported.
 */
#ifndef ZC_TESTS_ZSEND_HELPERS_H
#define ZC_TESTS_ZSEND_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <zcio.h>

#include "helpers.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#endif
#ifdef T_ASAN
#include <sanitizer/asan_interface.h>
#define T_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define T_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define T_POISON(p, n) ((void)(p), (void)(n))
#define T_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* A buffer of caller memory that reports its release. */
struct tb {
	uint8_t *mem;
	size_t size;
	uint64_t stream_off;	/* where its bytes sit in the stream */
	struct zc_buf *b;
	int disposed;		/* times the dispose callback ran */
	unsigned long at;	/* the release call it ran in (release_seq) */
};

/* Set around the calls allowed to release: reap, drain, free. */
static int in_release;
static unsigned long release_seq;
static int early;		/* releases outside those calls */
static int released_now;	/* releases in the current call */

static void tb_dispose(void *opaque, void *data, size_t size)
{
	struct tb *t = opaque;

	t->disposed++;
	t->at = release_seq;
	if (!in_release)
		early++;
	released_now++;
	memset(data, 0xde, size);
	T_POISON(data, size);
}

/* @n buffers of @size bytes holding the stream's pattern from @start. */
static inline struct tb *tb_make(int n, size_t size, uint64_t start)
{
	struct tb *t = calloc((size_t)n, sizeof(*t));
	int i, err;

	assert_non_null(t);
	for (i = 0; i < n; i++) {
		t[i].size = size;
		t[i].mem = malloc(size);
		assert_non_null(t[i].mem);
		t[i].stream_off = start + (uint64_t)i * size;
		t_fill(t[i].mem, size, t[i].stream_off, 7);
		t[i].b = zc_buf_wrap(t[i].mem, size, tb_dispose, &t[i], &err);
		assert_non_null(t[i].b);
	}
	return t;
}

/* Every buffer released exactly once; then their memory is freed. */
static inline void tb_done(struct tb *t, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (t[i].disposed != 1)
			fail_msg("buffer %d released %d times", i,
				 t[i].disposed);
		T_UNPOISON(t[i].mem, t[i].size);
		free(t[i].mem);
	}
	free(t);
}

/* A chain of the whole of buffer @t; the chain takes the only reference. */
static inline void tb_chain(struct zc_chain *c, struct tb *t)
{
	assert_int_equal(zc_chain_append_mem(c, t->b, t->mem, t->size), 0);
	zc_buf_unref(t->b);
	t->b = NULL;
}

static inline int t_reap(struct zc_zsend *z, int ms)
{
	int n;

	in_release = 1;
	release_seq++;
	released_now = 0;
	n = zc_zsend_reap(z, ms);
	in_release = 0;
	/* Nothing is released by a reap that processed no notification. */
	if (n <= 0)
		assert_int_equal(released_now, 0);
	return n;
}

static inline int t_drain(struct zc_zsend *z, int ms)
{
	int ret;

	in_release = 1;
	release_seq++;
	ret = zc_zsend_drain(z, ms);
	in_release = 0;
	return ret;
}

static inline int t_free(struct zc_zsend *z)
{
	int ret;

	in_release = 1;
	release_seq++;
	ret = zc_zsend_free(z);
	in_release = 0;
	return ret;
}

static inline struct zc_zsend *t_zsend(int fd)
{
	struct zc_zsend *z;
	int err = 0;

	z = zc_zsend_new(fd, MODE, &err);
	if (!z)
		fail_msg("zc_zsend_new(%s): %s", zc_zsend_mode_name(MODE),
			 strerror(-err));
	assert_int_equal(zc_zsend_mode(z), MODE);
	return z;
}

static inline int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sends @c to the end on a socket that may be non-blocking: on -EAGAIN,
 * reaps what arrived and waits for room. Bounded: 20 s at most.
 */
static inline void send_all(struct zc_zsend *z, int fd, struct zc_chain *c)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLOUT },
		{ .fd = zc_zsend_fd(z), .events = zc_zsend_events(z) },
	};
	int64_t end = ms_now() + 20000;
	ssize_t ret;

	while (zc_chain_bytes(c)) {
		ret = zc_zsend_send(z, c, NULL);
		if (ret > 0)
			continue;
		assert_int_equal(ret, -EAGAIN);
		t_reap(z, 0);
		assert_true(ms_now() < end);
		poll(pfd, 2, 100);
	}
}

/* What the sink read is the pattern from 0, @len bytes of it. */
static inline void sink_exact(struct t_sink *sink, uint64_t len)
{
	uint8_t *got;
	size_t n;
	ssize_t bad;

	n = t_sink_join(sink, &got);
	assert_int_equal(n, len);
	bad = t_check(got, n, 0, 7);
	if (bad >= 0)
		fail_msg("byte %zd of %zu differs: %#x (0xde: released early)",
			 bad, n, got[bad]);
	free(got);
}

static inline void need_mode(void)
{
	if (!zc_zsend_mode_supported(MODE)) {
		print_message("%s: not supported by this kernel\n",
			      zc_zsend_mode_name(MODE));
		skip();
	}
}

static inline int setup(void **state)
{
	(void)state;
	early = 0;
	zc_tune_set(ZC_TUNE_ZSEND_MIN, 10240);
	return 0;
}

#endif
