/* SPDX-License-Identifier: MIT */
/*
 * tests/zsend-msg.c - zcio/zsend.h with MSG_ZEROCOPY: the cases of
 * tests/zsend-cases.h over loopback TCP, plus what is particular to the
 * error queue (notification ranges, a socket that had IP_RECVERR data).
 */
#define MODE ZC_ZSEND_MSG_ZEROCOPY
#include "zsend-cases.h"

/* Registered buffers are an io_uring feature. */
static void register_refused(void **state)
{
	struct zc_zsend *z;
	struct zc_buf *b;
	int s[2];

	(void)state;
	need_mode();
	t_tcp_pair(s);
	z = t_zsend(s[0]);
	b = zc_buf_new(4096, NULL);
	assert_non_null(b);
	assert_int_equal(zc_zsend_register(z, b), -ENOTSUP);
	assert_int_equal(zc_zsend_unregister(z, b), -ENOENT);
	assert_int_equal(zc_buf_refs(b), 1);
	zc_buf_unref(b);
	assert_int_equal(zc_zsend_events(z), POLLERR);
	assert_int_equal(t_free(z), 0);
	close(s[0]);
	close(s[1]);
}

/*
 * MSG_ZEROCOPY numbers sends per socket: a second sender on a socket that
 * already carried zero-copy sends must still match its notifications
 * (found by zcio bench, which made one sender per run).
 */
static void second_sender_same_socket(void **state)
{
	struct zc_chain c;
	struct t_sink *sink;
	struct tb *t;
	struct zc_zsend *z;
	int s[2], round, i;

	(void)state;
	need_mode();
	zc_tune_set(ZC_TUNE_ZSEND_MIN, 0);
	t_tcp_pair(s);
	sink = t_sink_start(s[1], 0, 0, 0);
	t = tb_make(20, 16384, 0);
	for (round = 0; round < 2; round++) {
		z = t_zsend(s[0]);
		for (i = round * 10; i < round * 10 + 10; i++) {
			zc_chain_init(&c);
			tb_chain(&c, &t[i]);
			send_all(z, s[0], &c);
			zc_chain_exit(&c);
		}
		assert_int_equal(t_drain(z, 5000), 0);
		assert_int_equal(zc_zsend_inflight(z), 0);
		assert_int_equal(t_free(z), 0);
	}
	shutdown(s[0], SHUT_WR);
	sink_exact(sink, 20 * 16384);
	tb_done(t, 20);
	close(s[0]);
	close(s[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(one_big_send, setup),
		cmocka_unit_test_setup(release_after_notification, setup),
		cmocka_unit_test_setup(many_in_flight, setup),
		cmocka_unit_test_setup(closed_by_us_graceful, setup),
		cmocka_unit_test_setup(closed_by_us_abort, setup),
		cmocka_unit_test_setup(closed_by_peer, setup),
		cmocka_unit_test_setup(threshold, setup),
		cmocka_unit_test_setup(mixed_chain, setup),
		cmocka_unit_test_setup(blocking_slow_reader, setup),
		cmocka_unit_test_setup(register_refused, setup),
		cmocka_unit_test_setup(second_sender_same_socket, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
