/* SPDX-License-Identifier: MIT */
/*
 * tests/zsend-uring.c - zcio/zsend.h with io_uring SEND_ZC / SENDMSG_ZC:
 * the cases of tests/zsend-cases.h over loopback TCP, plus registered
 * (fixed) buffers.
 */
#define MODE ZC_ZSEND_URING
#include "zsend-cases.h"

/*
 * A registered buffer: slices of it go out with SEND_ZC from the fixed
 * buffer, the registration holds a reference of its own, and the buffer
 * is released once both the registration and the sends are gone.
 */
static void registered_buffer(void **state)
{
	const size_t size = 1 << 20, part = 128 << 10;
	struct zc_zsend_stats st;
	struct t_sink *sink;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	size_t off;
	int s[2];

	(void)state;
	need_mode();
	t_tcp_pair(s);
	t = tb_make(1, size, 0);
	z = t_zsend(s[0]);
	assert_int_equal(zc_zsend_register(z, t->b), 0);
	assert_int_equal(zc_zsend_register(z, t->b), -EEXIST);
	assert_int_equal(zc_buf_refs(t->b), 2);
	sink = t_sink_start(s[1], 0, 0, 0);
	zc_chain_init(&c);
	/* Eight slices, each its own run: a fixed buffer travels alone. */
	for (off = 0; off < size; off += part)
		assert_int_equal(zc_chain_append_mem(&c, t->b, t->mem + off,
						     part), 0);
	zc_buf_unref(t->b);
	assert_int_equal(zc_zsend_send(z, &c, NULL), (ssize_t)size);
	zc_zsend_stats(z, &st);
	assert_int_equal(st.fixed_sends, st.zc_sends);
	assert_true(st.zc_sends >= size / part);
	assert_int_equal(t_drain(z, 5000), 0);
	/* The registration still holds it. */
	assert_int_equal(t->disposed, 0);
	in_release = 1;
	assert_int_equal(zc_zsend_unregister(z, t->b), 0);
	in_release = 0;
	assert_int_equal(t->disposed, 1);
	shutdown(s[0], SHUT_WR);
	assert_int_equal(t_free(z), 0);
	sink_exact(sink, size);
	assert_int_equal(early, 0);
	tb_done(t, 1);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}

/* The table is full at ZC_ZSEND_MAX_REGISTERED; free drops them all. */
static void register_limits(void **state)
{
	struct zc_buf *b[ZC_ZSEND_MAX_REGISTERED + 1], *nomem;
	struct zc_zsend *z;
	int s[2], i;

	(void)state;
	need_mode();
	t_tcp_pair(s);
	z = t_zsend(s[0]);
	for (i = 0; i <= ZC_ZSEND_MAX_REGISTERED; i++) {
		b[i] = zc_buf_new(4096, NULL);
		assert_non_null(b[i]);
	}
	for (i = 0; i < ZC_ZSEND_MAX_REGISTERED; i++)
		assert_int_equal(zc_zsend_register(z, b[i]), 0);
	assert_int_equal(zc_zsend_register(z, b[i]), -ENOSPC);
	assert_int_equal(zc_zsend_unregister(z, b[i]), -ENOENT);
	nomem = zc_buf_new(0, NULL);
	assert_non_null(nomem);
	assert_int_equal(zc_zsend_register(z, nomem), -EINVAL);
	zc_buf_unref(nomem);
	assert_int_equal(zc_zsend_events(z), POLLIN);
	assert_int_not_equal(zc_zsend_fd(z), s[0]);
	assert_int_equal(t_free(z), 0);
	for (i = 0; i <= ZC_ZSEND_MAX_REGISTERED; i++) {
		assert_int_equal(zc_buf_refs(b[i]), 1);
		zc_buf_unref(b[i]);
	}
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
		cmocka_unit_test_setup(registered_buffer, setup),
		cmocka_unit_test_setup(register_limits, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
