/* SPDX-License-Identifier: MIT */
/*
 * tests/zsend-api.c - zcio/zsend.h around the sends: mode names and
 * support, AUTO's choice, refusals, the COPY mode (the baseline and the
 * fallback for sockets without zero-copy), the tunable.
 */
#define MODE ZC_ZSEND_COPY
#include "zsend-helpers.h"

static void mode_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < ZC_ZSEND__COUNT; i++) {
		assert_non_null(zc_zsend_mode_name(i));
		assert_int_equal(zc_zsend_mode_from_name(
					zc_zsend_mode_name(i)), i);
	}
	assert_string_equal(zc_zsend_mode_name(ZC_ZSEND_MSG_ZEROCOPY),
			    "msg_zerocopy");
	assert_null(zc_zsend_mode_name(ZC_ZSEND__COUNT));
	assert_null(zc_zsend_mode_name((enum zc_zsend_mode)-1));
	assert_int_equal(zc_zsend_mode_from_name("sendfile"), -EINVAL);
	assert_int_equal(zc_zsend_mode_from_name(NULL), -EINVAL);
	assert_int_equal(zc_zsend_mode_supported(ZC_ZSEND_AUTO), 1);
	assert_int_equal(zc_zsend_mode_supported(ZC_ZSEND_COPY), 1);
	assert_int_equal(zc_zsend_mode_supported(ZC_ZSEND__COUNT), 0);
	print_message("msg_zerocopy %s, uring %s\n",
		      zc_zsend_mode_supported(ZC_ZSEND_MSG_ZEROCOPY) ? "+" :
								       "-",
		      zc_zsend_mode_supported(ZC_ZSEND_URING) ? "+" : "-");
}

static void tunable(void **state)
{
	(void)state;
	assert_int_equal(zc_tune_get(ZC_TUNE_ZSEND_MIN), 10240);
	assert_int_equal(zc_tune_set(ZC_TUNE_ZSEND_MIN, -1), -EINVAL);
	assert_int_equal(zc_tune_set(ZC_TUNE_ZSEND_MIN, 0), 0);
	assert_int_equal(zc_tune_get(ZC_TUNE_ZSEND_MIN), 0);
	assert_int_equal(zc_tune_set(ZC_TUNE_ZSEND_MIN, 10240), 0);
}

/* AUTO on TCP takes the best the kernel has, io_uring first. */
static void auto_tcp(void **state)
{
	enum zc_zsend_mode want = ZC_ZSEND_COPY;
	struct zc_zsend *z;
	int s[2], err;

	(void)state;
	if (zc_zsend_mode_supported(ZC_ZSEND_MSG_ZEROCOPY))
		want = ZC_ZSEND_MSG_ZEROCOPY;
	if (zc_zsend_mode_supported(ZC_ZSEND_URING))
		want = ZC_ZSEND_URING;
	t_tcp_pair(s);
	z = zc_zsend_new(s[0], ZC_ZSEND_AUTO, &err);
	assert_non_null(z);
	assert_int_equal(zc_zsend_mode(z), want);
	assert_int_equal(zc_zsend_inflight(z), 0);
	assert_int_equal(zc_zsend_reap(z, 0), 0);
	assert_int_equal(zc_zsend_drain(z, 0), 0);
	assert_int_equal(zc_zsend_free(z), 0);
	close(s[0]);
	close(s[1]);
}

/*
 * A UNIX socket has no zero-copy: AUTO gives COPY, an explicit mode
 * -ENOTSUP. Not a socket, or not a descriptor: -ENOTSOCK, -EBADF.
 */
static void refusals(void **state)
{
	struct zc_zsend *z;
	int s[2], p[2], err;

	(void)state;
	t_unix_pair(s);
	z = zc_zsend_new(s[0], ZC_ZSEND_AUTO, &err);
	assert_non_null(z);
	assert_int_equal(zc_zsend_mode(z), ZC_ZSEND_COPY);
	assert_int_equal(zc_zsend_free(z), 0);
	err = 0;
	assert_null(zc_zsend_new(s[0], ZC_ZSEND_MSG_ZEROCOPY, &err));
	assert_int_equal(err, -ENOTSUP);
	err = 0;
	assert_null(zc_zsend_new(s[0], ZC_ZSEND_URING, &err));
	assert_int_equal(err, -ENOTSUP);
	err = 0;
	assert_null(zc_zsend_new(s[0], ZC_ZSEND__COUNT, &err));
	assert_int_equal(err, -EINVAL);
	t_pipe(p);
	err = 0;
	assert_null(zc_zsend_new(p[0], ZC_ZSEND_COPY, &err));
	assert_int_equal(err, -ENOTSOCK);
	close(p[0]);
	close(p[1]);
	err = 0;
	assert_null(zc_zsend_new(p[0], ZC_ZSEND_COPY, &err));
	assert_int_equal(err, -EBADF);
	/* err may be NULL. */
	assert_null(zc_zsend_new(-1, ZC_ZSEND_COPY, NULL));
	assert_int_equal(zc_zsend_free(NULL), 0);
	close(s[0]);
	close(s[1]);
}

/*
 * COPY: plain sends, nothing in flight, each buffer released with its
 * chain's reference; the sender's fd is its own duplicate.
 */
static void copy_mode(void **state)
{
	struct zc_zsend_stats st;
	struct t_sink *sink;
	struct zc_ledger l;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	int s[2], i;

	(void)state;
	t_unix_pair(s);
	t = tb_make(9, 100000, 0);
	sink = t_sink_start(s[1], 0, 0, 0);
	z = t_zsend(s[0]);
	assert_int_not_equal(zc_zsend_fd(z), s[0]);
	assert_int_equal(zc_zsend_events(z), 0);
	zc_chain_init(&c);
	for (i = 0; i < 8; i++)
		tb_chain(&c, &t[i]);
	assert_int_equal(zc_zsend_send(z, &c, &l), 800000);
	assert_int_equal(l.from_memory, 800000);
	assert_int_equal(l.zero_copy, 0);
	assert_int_equal(l.path, ZC_PATH_AUTO);
	assert_true(l.syscalls >= 1);
	for (i = 0; i < 8; i++)
		assert_int_equal(t[i].disposed, 1);
	zc_zsend_stats(z, &st);
	assert_int_equal(st.bytes, 800000);
	assert_int_equal(st.copy_bytes, 800000);
	assert_int_equal(st.zc_sends, 0);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(zc_zsend_reap(z, 100), 0);
	/* An empty chain sends nothing. */
	assert_int_equal(zc_zsend_send(z, &c, &l), 0);
	assert_int_equal(l.bytes, 0);
	/* Our descriptor may go: the sender has its own. */
	close(s[0]);
	tb_chain(&c, &t[8]);
	assert_int_equal(zc_zsend_send(z, &c, NULL), 100000);
	assert_int_equal(zc_zsend_free(z), 0);
	sink_exact(sink, 900000);
	zc_chain_exit(&c);
	tb_done(t, 9);
	close(s[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mode_names),
		cmocka_unit_test(tunable),
		cmocka_unit_test(auto_tcp),
		cmocka_unit_test(refusals),
		cmocka_unit_test_setup(copy_mode, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
