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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
