/* SPDX-License-Identifier: MIT */
/*
 * tests/zsend-enobufs.c - MSG_ZEROCOPY refused with ENOBUFS: each send in
 * flight and each notification not read yet is charged to the socket's
 * optmem, and at net.core.optmem_max sendmsg(MSG_ZEROCOPY) fails with
 * ENOBUFS; the sender must then send with a plain copy, count it, and
 * take up zero-copy again once reaping has freed the room.
 *
 * optmem_max is per network namespace (Linux 6.9), so the program moves
 * into a namespace of its own: lowering it there disturbs nobody else
 * (other tests run on the same machine), and nothing needs restoring. A
 * kernel or a sandbox that refuses the namespace or the sysctl skips.
 */
#define MODE ZC_ZSEND_MSG_ZEROCOPY
#include "zsend-helpers.h"

#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>

#define OPTMEM "/proc/sys/net/core/optmem_max"

static const char *no_netns;	/* why the namespace is missing */
static long optmem_default;

static long optmem_get(void)
{
	FILE *f = fopen(OPTMEM, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int optmem_set(long v)
{
	FILE *f = fopen(OPTMEM, "w");
	int ok;

	if (!f)
		return -errno;
	ok = fprintf(f, "%ld\n", v) > 0;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

/* A new network namespace with its loopback up, or a reason why not. */
static void enter_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	if (unshare(CLONE_NEWNET)) {
		no_netns = "unshare(CLONE_NEWNET) refused";
		return;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		no_netns = "no loopback in the new namespace";
		return;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		no_netns = "cannot bring lo up";
	close(fd);
	optmem_default = optmem_get();
	if (!no_netns && (optmem_default < 0 || optmem_set(optmem_default)))
		no_netns = "net.core.optmem_max is not writable";
}

static void need_netns(void)
{
	need_mode();
	if (no_netns) {
		print_message("%s\n", no_netns);
		skip();
	}
}

static int teardown(void **state)
{
	(void)state;
	if (!no_netns)
		optmem_set(optmem_default);
	return 0;
}

#define N 200
#define SIZE (32 << 10)

/*
 * Room for about one notification (an skb's truesize, some 600 bytes):
 * with nothing reaped, most sends find optmem full. The stream arrives
 * intact, copies and zero-copy sends interleaved; once a reap has read
 * the pending notifications, zero-copy works again.
 */
static void enobufs_fallback(void **state)
{
	struct zc_zsend_stats st, st2;
	struct t_sink *sink;
	struct zc_ledger l;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	uint64_t zc = 0;
	int s[2], i;

	(void)state;
	need_netns();
	assert_int_equal(optmem_set(1024), 0);
	t_tcp_pair(s);
	t = tb_make(N + 1, SIZE, 0);
	sink = t_sink_start(s[1], 0, 0, 0);
	z = t_zsend(s[0]);
	zc_chain_init(&c);
	for (i = 0; i < N; i++) {
		tb_chain(&c, &t[i]);
		assert_int_equal(zc_zsend_send(z, &c, &l), SIZE);
		zc += l.zero_copy;
	}
	zc_zsend_stats(z, &st);
	print_message("optmem_max 1024: %lu zero-copy sends, %lu ENOBUFS "
		      "sent with a copy\n", (unsigned long)st.zc_sends,
		      (unsigned long)st.enobufs);
	assert_true(st.enobufs > 0);
	assert_true(st.zc_sends > 0);
	assert_int_equal(st.copy_sends, st.enobufs);
	assert_int_equal(st.zc_bytes, zc);
	assert_int_equal(st.copy_bytes + st.zc_bytes, (uint64_t)N * SIZE);
	/* Copied sends released their buffers with the chain, no others. */
	assert_true((uint64_t)early <= st.copy_sends);
	early = 0;
	assert_int_equal(t_drain(z, 5000), 0);
	/* The room is back: the next send goes zero-copy. */
	tb_chain(&c, &t[N]);
	assert_int_equal(zc_zsend_send(z, &c, &l), SIZE);
	assert_int_equal(l.zero_copy, SIZE);
	zc_zsend_stats(z, &st2);
	assert_int_equal(st2.enobufs, st.enobufs);
	assert_int_equal(t_drain(z, 5000), 0);
	shutdown(s[0], SHUT_WR);
	assert_int_equal(t_free(z), 0);
	sink_exact(sink, (uint64_t)(N + 1) * SIZE);
	assert_int_equal(early, 0);
	tb_done(t, N + 1);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}

/* optmem_max 0: no zero-copy send at all, every one copied, counted. */
static void enobufs_always(void **state)
{
	struct zc_zsend_stats st;
	struct t_sink *sink;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	int s[2], i;

	(void)state;
	need_netns();
	assert_int_equal(optmem_set(0), 0);
	t_tcp_pair(s);
	t = tb_make(20, SIZE, 0);
	sink = t_sink_start(s[1], 0, 0, 0);
	z = t_zsend(s[0]);
	zc_chain_init(&c);
	for (i = 0; i < 20; i++) {
		tb_chain(&c, &t[i]);
		assert_int_equal(zc_zsend_send(z, &c, NULL), SIZE);
		/* Nothing in flight: the buffer went with the chain. */
		assert_int_equal(t[i].disposed, 1);
	}
	zc_zsend_stats(z, &st);
	assert_int_equal(st.zc_sends, 0);
	assert_int_equal(st.enobufs, 20);
	assert_int_equal(st.copy_sends, 20);
	assert_int_equal(zc_zsend_inflight(z), 0);
	shutdown(s[0], SHUT_WR);
	assert_int_equal(t_free(z), 0);
	sink_exact(sink, 20 * SIZE);
	tb_done(t, 20);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}

/* io_uring's notifications are not charged to optmem: no ENOBUFS there. */
static void uring_unaffected(void **state)
{
	struct zc_zsend_stats st;
	struct t_sink *sink;
	struct zc_chain c;
	struct zc_zsend *z;
	struct tb *t;
	int s[2], i, err;

	(void)state;
	need_netns();
	if (!zc_zsend_mode_supported(ZC_ZSEND_URING))
		skip();
	assert_int_equal(optmem_set(0), 0);
	t_tcp_pair(s);
	t = tb_make(20, SIZE, 0);
	sink = t_sink_start(s[1], 0, 0, 0);
	z = zc_zsend_new(s[0], ZC_ZSEND_URING, &err);
	assert_non_null(z);
	zc_chain_init(&c);
	for (i = 0; i < 20; i++) {
		tb_chain(&c, &t[i]);
		assert_int_equal(zc_zsend_send(z, &c, NULL), SIZE);
	}
	zc_zsend_stats(z, &st);
	assert_int_equal(st.enobufs, 0);
	assert_int_equal(st.copy_sends, 0);
	assert_int_equal(t_drain(z, 5000), 0);
	shutdown(s[0], SHUT_WR);
	assert_int_equal(t_free(z), 0);
	sink_exact(sink, 20 * SIZE);
	assert_int_equal(early, 0);
	tb_done(t, 20);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(enobufs_fallback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(enobufs_always, setup,
						teardown),
		cmocka_unit_test_setup_teardown(uring_unaffected, setup,
						teardown),
	};

	enter_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
