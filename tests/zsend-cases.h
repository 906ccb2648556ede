/* SPDX-License-Identifier: MIT */
/*
 * tests/zsend-cases.h - the test cases of zcio/zsend.h that every
 * zero-copy mode must pass, included by one program per mode
 * (tests/zsend-msg.c, tests/zsend-uring.c), which defines MODE first.
 */
#include "zsend-helpers.h"

/*
 * One 4 MiB buffer, sent zero-copy in one call. The chain's reference
 * goes at once; the sender's stays until the notification is reaped.
 * Loopback copies: every notification says so.
 */
static void one_big_send(void **state)
{
	const size_t size = 4 << 20;
	struct zc_zsend_stats st;
	struct pollfd pfd;
	struct t_sink *sink;
	struct zc_ledger l;
	struct zc_chain c;
	struct tb *t;
	int s[2], n = 0;

	(void)state;
	need_mode();
	t_tcp_pair(s);
	t = tb_make(1, size, 0);
	zc_chain_init(&c);
	tb_chain(&c, t);
	sink = t_sink_start(s[1], 0, 0, 0);
	{
		struct zc_zsend *z = t_zsend(s[0]);

		assert_int_equal(zc_zsend_send(z, &c, &l), (ssize_t)size);
		assert_int_equal(zc_chain_bytes(&c), 0);
		assert_int_equal(l.bytes, size);
		assert_int_equal(l.from_memory, size);
		assert_int_equal(l.zero_copy, size);
		assert_int_equal(l.small, 0);
		/* Sent, the chain emptied, and still not released. */
		assert_int_equal(t->disposed, 0);
		assert_true(zc_zsend_inflight(z) >= 1);
		/* Its descriptor says when a notification is there. */
		pfd.fd = zc_zsend_fd(z);
		pfd.events = zc_zsend_events(z);
		assert_int_equal(poll(&pfd, 1, 5000), 1);
		while (zc_zsend_inflight(z) && n < 100)
			n += t_reap(z, 1000) > 0;
		assert_int_equal(zc_zsend_inflight(z), 0);
		assert_int_equal(t->disposed, 1);
#ifdef T_ASAN
		assert_true(__asan_address_is_poisoned(t->mem));
#endif
		zc_zsend_stats(z, &st);
		assert_true(st.zc_sends >= 1);
		assert_int_equal(st.zc_bytes, size);
		assert_int_equal(st.bytes, size);
		assert_int_equal(st.copy_sends, 0);
		assert_int_equal(st.completions, st.zc_sends);
		assert_true(st.released >= st.zc_sends);
		/* Loopback copies: networking/msg_zerocopy.rst. */
		assert_int_equal(st.copied, st.completions);
		print_message("%s: %lu zero-copy sends, %lu notifications, "
			      "%lu said copied\n", zc_zsend_mode_name(MODE),
			      (unsigned long)st.zc_sends,
			      (unsigned long)st.completions,
			      (unsigned long)st.copied);
		shutdown(s[0], SHUT_WR);
		assert_int_equal(t_free(z), 0);
	}
	sink_exact(sink, size);
	assert_int_equal(early, 0);
	tb_done(t, 1);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}

#define SLOW_N 64
#define SLOW_SIZE (64 << 10)

/*
 * A slow reader behind a small window and a non-blocking socket: sends
 * stop at -EAGAIN with data still queued in the kernel (on loopback the
 * deferred copy happens only when a segment is delivered, so queued data
 * still reads the caller's pages). Releases happen only in reaps that
 * processed notifications, and the reader gets every byte intact, which
 * it would not if a buffer were scribbled over before the kernel had
 * read it.
 */
static void release_after_notification(void **state)
{
	struct zc_zsend_stats st;
	struct t_sink *sink;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	uint32_t max_inflight = 0;
	int s[2], i, waits = 0;

	(void)state;
	need_mode();
	t_tcp_pair(s);
	t_set_sndbuf(s[0], 65536);
	t_set_rcvbuf(s[1], 65536);
	t_set_nonblock(s[0], 1);
	t = tb_make(SLOW_N, SLOW_SIZE, 0);
	sink = t_sink_start(s[1], 16384, 300, 0);
	z = t_zsend(s[0]);
	zc_chain_init(&c);
	for (i = 0; i < SLOW_N; i++) {
		tb_chain(&c, &t[i]);
		if (zc_zsend_send(z, &c, NULL) == -EAGAIN)
			waits++;
		if (zc_zsend_inflight(z) > max_inflight)
			max_inflight = zc_zsend_inflight(z);
		send_all(z, s[0], &c);
	}
	assert_true(waits > 0);
	assert_true(max_inflight > 1);
	assert_int_equal(t_drain(z, 10000), 0);
	zc_zsend_stats(z, &st);
	/* Only a buffer sent with a copy (ENOBUFS) may go with its chain. */
	assert_true((uint64_t)early <= st.copy_sends);
	early = 0;
	shutdown(s[0], SHUT_WR);
	sink_exact(sink, (uint64_t)SLOW_N * SLOW_SIZE);
	assert_int_equal(st.bytes, (uint64_t)SLOW_N * SLOW_SIZE);
	assert_int_equal(st.completions, st.zc_sends);
	assert_int_equal(st.copied, st.completions);
	assert_int_equal(t_free(z), 0);
	assert_int_equal(early, 0);
	tb_done(t, SLOW_N);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}

#define MANY_N 1200
#define MANY_SIZE (16 << 10)

/*
 * 1200 sends, none reaped until the end: at least 1000 in flight at once,
 * every buffer held by the sender and none released; then one drain
 * releases each exactly once.
 */
static void many_in_flight(void **state)
{
	struct zc_zsend_stats st;
	struct t_sink *sink;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	int s[2], i;

	(void)state;
	need_mode();
	t_tcp_pair(s);
	t = tb_make(MANY_N, MANY_SIZE, 0);
	sink = t_sink_start(s[1], 0, 0, 0);
	z = t_zsend(s[0]);
	zc_chain_init(&c);
	for (i = 0; i < MANY_N; i++) {
		tb_chain(&c, &t[i]);
		assert_int_equal(zc_zsend_send(z, &c, NULL), MANY_SIZE);
	}
	zc_zsend_stats(z, &st);
	print_message("%s: %lu zero-copy sends in flight, %lu ENOBUFS\n",
		      zc_zsend_mode_name(MODE), (unsigned long)st.inflight,
		      (unsigned long)st.enobufs);
	/* io_uring also holds an operation that said -EAGAIN (a full socket
	 * before it waits) until its notification. */
	assert_true(st.zc_sends >= 1000);
	assert_true(st.inflight >= st.zc_sends);
	assert_int_equal(st.inflight_max, st.inflight);
	for (i = 0; i < MANY_N; i++)
		assert_int_equal(t[i].disposed, 0);
	assert_int_equal(t_drain(z, 10000), 0);
	zc_zsend_stats(z, &st);
	assert_int_equal(st.completions, st.zc_sends);
	assert_true(st.released >= st.zc_sends);
	assert_int_equal(st.inflight, 0);
	shutdown(s[0], SHUT_WR);
	assert_int_equal(t_free(z), 0);
	sink_exact(sink, (uint64_t)MANY_N * MANY_SIZE);
	assert_int_equal(early, 0);
	tb_done(t, MANY_N);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}

/*
 * Fills a peer that does not read: a non-blocking send of @n buffers
 * until -EAGAIN. Returns the bytes the kernel took; the rest of @c stays.
 */
static uint64_t fill_stuck(struct zc_zsend *z, struct zc_chain *c,
			   struct tb *t, int n)
{
	uint64_t sent = 0;
	ssize_t ret;
	int i;

	for (i = 0; i < n; i++)
		tb_chain(c, &t[i]);
	for (;;) {
		ret = zc_zsend_send(z, c, NULL);
		if (ret == -EAGAIN)
			break;
		assert_true(ret > 0);
		sent += (uint64_t)ret;
	}
	assert_true(sent > 0);
	assert_true(zc_chain_bytes(c) > 0);
	return sent;
}

#define STUCK_N 64
#define STUCK_SIZE (64 << 10)

/*
 * We close our descriptor with sends outstanding, the reader still
 * reading: the sender's duplicate keeps the connection, free waits for
 * the notifications, and the reader gets every byte sent, then EOF.
 */
static void closed_by_us_graceful(void **state)
{
	struct t_sink *sink;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	uint64_t sent;
	int s[2];

	(void)state;
	need_mode();
	t_tcp_pair(s);
	t_set_sndbuf(s[0], 65536);
	t_set_rcvbuf(s[1], 65536);
	t_set_nonblock(s[0], 1);
	t = tb_make(STUCK_N, STUCK_SIZE, 0);
	z = t_zsend(s[0]);
	zc_chain_init(&c);
	sent = fill_stuck(z, &c, t, STUCK_N);
	assert_true(zc_zsend_inflight(z) > 0);
	close(s[0]);
	/* The unsent rest of the chain goes: its buffers were never sent. */
	zc_chain_clear(&c);
	early = 0;
	sink = t_sink_start(s[1], 0, 0, 0);
	/* A reset (free's last resort) would cut the stream short. */
	assert_int_equal(t_free(z), 0);
	sink_exact(sink, sent);
	assert_int_equal(early, 0);
	tb_done(t, STUCK_N);
	zc_chain_exit(&c);
	close(s[1]);
}

/*
 * We close with sends outstanding and the peer never reads: free waits
 * its bound, resets the connection so that the kernel drops the queued
 * data, and then every buffer is released, once.
 */
static void closed_by_us_abort(void **state)
{
	struct zc_zsend_stats st;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	int64_t start;
	uint8_t buf[4096];
	int s[2], out, i;

	(void)state;
	need_mode();
	t_tcp_pair(s);
	t_set_sndbuf(s[0], 65536);
	t_set_rcvbuf(s[1], 65536);
	t_set_nonblock(s[0], 1);
	t = tb_make(STUCK_N, STUCK_SIZE, 0);
	z = t_zsend(s[0]);
	zc_chain_init(&c);
	fill_stuck(z, &c, t, STUCK_N);
	zc_chain_clear(&c);
	out = (int)zc_zsend_inflight(z);
	/* What was delivered completes; what the kernel queues cannot. */
	for (i = 0; i < 50 && t_reap(z, 200) > 0; i++)
		;
	start = ms_now();
	assert_int_equal(t_reap(z, 200), 0);
	assert_true(ms_now() - start >= 190);
	assert_true(ms_now() - start < 2000);
	zc_zsend_stats(z, &st);
	print_message("%s: %d sends in flight, %lu completed, peer stuck\n",
		      zc_zsend_mode_name(MODE), out,
		      (unsigned long)st.completions);
	assert_true(zc_zsend_inflight(z) > 0);
	close(s[0]);
	start = ms_now();
	assert_int_equal(t_free(z), 0);
	assert_true(ms_now() - start < 2 * ZC_ZSEND_FREE_WAIT_MS + 1000);
	assert_true(ms_now() - start >= ZC_ZSEND_FREE_WAIT_MS - 50);
	/* The reader finds what was delivered, then the reset. */
	while (read(s[1], buf, sizeof(buf)) > 0)
		;
	tb_done(t, STUCK_N);
	zc_chain_exit(&c);
	close(s[1]);
}

/*
 * The peer closes without reading (its unread data makes it send an RST)
 * with our sends outstanding: the next send fails without SIGPIPE, and
 * free releases every buffer once, without waiting for its bound.
 */
static void closed_by_peer(void **state)
{
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t, *more;
	int64_t start;
	ssize_t ret;
	int s[2], i;

	(void)state;
	need_mode();
	t_count_sigpipe();
	t_tcp_pair(s);
	t_set_sndbuf(s[0], 65536);
	t_set_rcvbuf(s[1], 65536);
	t_set_nonblock(s[0], 1);
	t = tb_make(STUCK_N, STUCK_SIZE, 0);
	more = tb_make(1, STUCK_SIZE, 0);
	z = t_zsend(s[0]);
	zc_chain_init(&c);
	fill_stuck(z, &c, t, STUCK_N);
	zc_chain_clear(&c);
	assert_true(zc_zsend_inflight(z) > 0);
	close(s[1]);
	tb_chain(&c, more);
	/* The RST may take a moment to arrive: until then, -EAGAIN. */
	for (i = 0; i < 100; i++) {
		ret = zc_zsend_send(z, &c, NULL);
		if (ret != -EAGAIN)
			break;
		usleep(10000);
	}
	assert_true(ret == -EPIPE || ret == -ECONNRESET);
	assert_int_equal(t_sigpipes(), 0);
	zc_chain_clear(&c);
	start = ms_now();
	assert_int_equal(t_free(z), 0);
	assert_true(ms_now() - start < ZC_ZSEND_FREE_WAIT_MS);
	tb_done(t, STUCK_N);
	tb_done(more, 1);
	zc_chain_exit(&c);
	close(s[0]);
}

/*
 * ZC_TUNE_ZSEND_MIN: a run below it goes with a plain send (counted, the
 * ledger's small set) and its buffer is released as soon as the chain
 * drops it; at or above it, zero-copy. 0 turns the rule off.
 */
static void threshold(void **state)
{
	struct zc_zsend_stats st;
	struct t_sink *sink;
	struct zc_ledger l;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	int s[2];

	(void)state;
	need_mode();
	t_tcp_pair(s);
	sink = t_sink_start(s[1], 0, 0, 0);
	z = t_zsend(s[0]);
	zc_chain_init(&c);
	/* Three buffers back to back in the stream: 10239, 10240, 100. */
	t = calloc(3, sizeof(*t));
	assert_non_null(t);
	{
		static const size_t sizes[3] = { 10239, 10240, 100 };
		uint64_t off = 0;
		int i, err;

		for (i = 0; i < 3; i++) {
			t[i].size = sizes[i];
			t[i].mem = malloc(sizes[i]);
			assert_non_null(t[i].mem);
			t_fill(t[i].mem, sizes[i], off, 7);
			off += sizes[i];
			t[i].b = zc_buf_wrap(t[i].mem, sizes[i], tb_dispose,
					     &t[i], &err);
			assert_non_null(t[i].b);
		}
	}
	tb_chain(&c, &t[0]);
	assert_int_equal(zc_zsend_send(z, &c, &l), 10239);
	assert_int_equal(l.small, 1);
	assert_int_equal(l.zero_copy, 0);
	assert_int_equal(l.from_memory, 10239);
	/* Copied: nothing in flight, released with the chain's reference. */
	assert_int_equal(zc_zsend_inflight(z), 0);
	assert_int_equal(t[0].disposed, 1);
	tb_chain(&c, &t[1]);
	assert_int_equal(zc_zsend_send(z, &c, &l), 10240);
	assert_int_equal(l.small, 0);
	assert_int_equal(l.zero_copy, 10240);
	assert_int_equal(t[1].disposed, 0);
	assert_int_equal(zc_zsend_inflight(z), 1);
	assert_int_equal(zc_tune_set(ZC_TUNE_ZSEND_MIN, 0), 0);
	tb_chain(&c, &t[2]);
	assert_int_equal(zc_zsend_send(z, &c, &l), 100);
	assert_int_equal(l.zero_copy, 100);
	assert_int_equal(t[2].disposed, 0);
	zc_zsend_stats(z, &st);
	assert_int_equal(st.small, 1);
	assert_int_equal(st.copy_sends, 1);
	assert_int_equal(st.copy_bytes, 10239);
	assert_int_equal(st.zc_sends, 2);
	assert_int_equal(st.zc_bytes, 10340);
	assert_int_equal(st.sends, 3);
	assert_int_equal(t_drain(z, 5000), 0);
	assert_int_equal(t[1].disposed + t[2].disposed, 2);
	shutdown(s[0], SHUT_WR);
	assert_int_equal(t_free(z), 0);
	sink_exact(sink, 10239 + 10240 + 100);
	tb_done(t, 3);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}

/*
 * Pieces without a buffer (zc_chain_append_ptr) cannot be kept alive by a
 * reference: always a plain send, counted as unowned. A chain mixing them
 * with buffers and a file range arrives in order, byte for byte.
 */
static void mixed_chain(void **state)
{
	static uint8_t hdr[300], trailer[50000];
	struct zc_zsend_stats st;
	struct t_sink *sink;
	struct zc_ledger l;
	struct zc_chain c;
	struct zc_zsend *z;
	struct zc_buf *file;
	struct tb *t;
	uint64_t total;
	int s[2], fd;

	(void)state;
	need_mode();
	t_tcp_pair(s);
	/* Stream: hdr (ptr) | 200000 from a buffer | 300000 of a file |
	 * trailer (ptr) | 20000 from a buffer. */
	t_fill(hdr, sizeof(hdr), 0, 7);
	t = tb_make(1, 200000, sizeof(hdr));
	fd = t_memfd(sizeof(hdr) + 200000 + 300000, 7);
	file = zc_buf_file(fd, 1, NULL);
	assert_non_null(file);
	t_fill(trailer, sizeof(trailer), sizeof(hdr) + 500000, 7);
	total = sizeof(hdr) + 500000 + sizeof(trailer) + 20000;
	{
		struct tb *tail = tb_make(1, 20000,
					  sizeof(hdr) + 500000 +
					  sizeof(trailer));

		zc_chain_init(&c);
		assert_int_equal(zc_chain_append_ptr(&c, hdr, sizeof(hdr)),
				 0);
		tb_chain(&c, t);
		assert_int_equal(zc_chain_append_file(&c, file,
						      sizeof(hdr) + 200000,
						      300000), 0);
		zc_buf_unref(file);
		assert_int_equal(zc_chain_append_ptr(&c, trailer,
						     sizeof(trailer)), 0);
		tb_chain(&c, tail);
		sink = t_sink_start(s[1], 0, 0, 0);
		z = t_zsend(s[0]);
		assert_int_equal(zc_zsend_send(z, &c, &l), (ssize_t)total);
		assert_int_equal(l.path, ZC_PATH_SENDFILE);
		assert_int_equal(l.from_memory, total - 300000);
		assert_int_equal(l.zero_copy, 220000);
		zc_zsend_stats(z, &st);
		assert_int_equal(st.unowned, 2);
		assert_int_equal(st.file_bytes, 300000);
		assert_int_equal(st.zc_bytes, 220000);
		assert_int_equal(st.copy_bytes, sizeof(hdr) + sizeof(trailer));
		assert_int_equal(t_drain(z, 5000), 0);
		shutdown(s[0], SHUT_WR);
		assert_int_equal(t_free(z), 0);
		sink_exact(sink, total);
		assert_int_equal(early, 0);
		tb_done(tail, 1);
	}
	tb_done(t, 1);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}

/*
 * A blocking socket and a slow reader: one call sends the whole chain,
 * waiting for room as a blocking send does (io_uring's first try says
 * -EAGAIN under MSG_DONTWAIT; the sender must then let io_uring wait).
 */
static void blocking_slow_reader(void **state)
{
	const size_t size = 2 << 20;
	struct zc_zsend_stats st;
	struct t_sink *sink;
	struct zc_ledger l;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	int s[2];

	(void)state;
	need_mode();
	t_tcp_pair(s);
	t_set_sndbuf(s[0], 65536);
	t_set_rcvbuf(s[1], 65536);
	t = tb_make(1, size, 0);
	sink = t_sink_start(s[1], 16384, 200, 0);
	z = t_zsend(s[0]);
	zc_chain_init(&c);
	tb_chain(&c, t);
	assert_int_equal(zc_zsend_send(z, &c, &l), (ssize_t)size);
	assert_int_equal(l.zero_copy, size);
	/* sendmsg blocks inside one call; io_uring takes several. */
	zc_zsend_stats(z, &st);
	assert_true(st.zc_sends >= 1);
	assert_int_equal(st.zc_bytes, size);
	assert_int_equal(t_drain(z, 10000), 0);
	shutdown(s[0], SHUT_WR);
	sink_exact(sink, size);
	assert_int_equal(t_free(z), 0);
	assert_int_equal(early, 0);
	tb_done(t, 1);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}
