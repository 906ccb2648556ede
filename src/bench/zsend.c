/* SPDX-License-Identifier: MIT */
/*
 * src/bench/zsend.c - the zero-copy memory senders, on libzcio's zc_zsend:
 * MSG_ZEROCOPY (completions from the socket's error queue) and io_uring
 * SEND_ZC from a registered buffer (notification CQEs). The timed window
 * ends only when every notification has come back, so completion handling
 * is part of the cost, as it is for a server.
 *
 * The kernel's verdict is reported, not assumed: each notification says
 * whether the kernel had to copy after all. To a loopback peer it always
 * does (Documentation/networking/msg_zerocopy.rst), so on loopback these
 * rows measure the bookkeeping of zero-copy, never its benefit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* Notifications still missing at the end of a run: wait this long. */
#define DRAIN_MS 10000

struct zs {
	struct zc_zsend *z;
	struct zc_buf *buf;
	enum zc_zsend_mode mode;
	struct zc_zsend_stats last;	/* at the previous finish */
};

static int zs_open(struct bench_tx *tx, enum zc_zsend_mode mode)
{
	struct zs *s = calloc(1, sizeof(*s));
	int err = 0;

	if (!s)
		return -ENOMEM;
	tx->priv = s;
	s->mode = mode;
	/*
	 * A forced path must really run zero-copy at every size, 4 KiB
	 * included: the small-send rule is what the bench measures against.
	 */
	zc_tune_set(ZC_TUNE_ZSEND_MIN, 0);
	/* The memory outlives the run: no dispose callback. */
	s->buf = zc_buf_wrap((void *)tx->mem, tx->size, NULL, NULL, &err);
	if (!s->buf)
		return err;
	s->z = zc_zsend_new(tx->out, mode, &err);
	if (!s->z)
		return err == -EOPNOTSUPP ? -ENOTSUP : err;
	/* Registered buffers are below 1 GiB (zsend.h); larger ones pin. */
	if (mode == ZC_ZSEND_URING && tx->size < (1u << 30))
		zc_zsend_register(s->z, s->buf);
	return 0;
}

static int open_msg(struct bench_tx *tx)
{
	return zs_open(tx, ZC_ZSEND_MSG_ZEROCOPY);
}

static int open_uring(struct bench_tx *tx)
{
	return zs_open(tx, ZC_ZSEND_URING);
}

static void add_ledger(struct bench_tx *tx, const struct zc_ledger *l,
		       ssize_t n)
{
	struct bench_ledger *b = &tx->led;

	b->calls++;
	b->syscalls += l->syscalls;
	b->from_memory += l->from_memory;
	b->zero_copy += l->zero_copy;
	b->user_copied += l->user_copied;
	if (n > 0)
		b->bytes += (uint64_t)n;
}

/*
 * One transfer: a chain of one memory piece of the wrapped buffer, sent
 * by the forced mode; then whatever notifications have already arrived
 * are processed without waiting, as an event loop would.
 */
static ssize_t zs_xfer(struct bench_tx *tx, size_t len)
{
	struct zs *s = tx->priv;
	struct zc_ledger l;
	struct zc_chain c;
	size_t done = 0;
	ssize_t n = 0;

	zc_chain_init(&c);
	if (zc_chain_append_mem(&c, s->buf, tx->mem, len)) {
		zc_chain_exit(&c);
		return -ENOMEM;
	}
	while (zc_chain_bytes(&c)) {
		n = zc_zsend_send(s->z, &c, &l);
		add_ledger(tx, &l, n);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	zc_chain_exit(&c);
	zc_zsend_reap(s->z, 0);
	return done ? (ssize_t)done : n ? n : -EIO;
}

/*
 * Waits for the outstanding notifications and takes the counters since
 * the previous finish (the warm-up's are not the run's). The ledger must
 * show the forced mode ran and handed bytes over without a copy; sends
 * the kernel refused (ENOBUFS) went as plain copies and are counted, not
 * hidden.
 */
static int zs_finish(struct bench_tx *tx)
{
	struct zs *s = tx->priv;
	struct bench_ledger *b = &tx->led;
	struct zc_zsend_stats st;
	enum zc_zsend_mode mode = zc_zsend_mode(s->z);
	int ret = zc_zsend_drain(s->z, DRAIN_MS);

	zc_zsend_stats(s->z, &st);
	b->zc_sends = st.zc_sends - s->last.zc_sends;
	b->zc_done = st.completions - s->last.completions;
	b->zc_copied = st.copied - s->last.copied;
	b->copy_sends = st.copy_sends - s->last.copy_sends;
	s->last = st;
	b->paths = 1u << mode;
	snprintf(b->ran, sizeof(b->ran), "%s",
		 mode == ZC_ZSEND_URING ? "send_zc" :
		 mode == ZC_ZSEND_MSG_ZEROCOPY ? "msg_zerocopy" :
		 zc_zsend_mode_name(mode));
	if (mode != s->mode || (b->bytes && !b->zero_copy))
		b->mismatch++;
	return ret;
}

static void zs_close(struct bench_tx *tx)
{
	struct zs *s = tx->priv;

	if (!s)
		return;
	if (s->z)
		zc_zsend_free(s->z);
	zc_buf_unref(s->buf);
	free(s);
	tx->priv = NULL;
}

static int sup_msg(void)
{
	return zc_zsend_mode_supported(ZC_ZSEND_MSG_ZEROCOPY);
}

static int sup_uring(void)
{
	return zc_zsend_mode_supported(ZC_ZSEND_URING);
}

const struct bench_path bench_path_msg_zerocopy = {
	.name = "msg_zerocopy",
	.what = "zc_zsend: sendmsg(MSG_ZEROCOPY), error-queue completions",
	.scens = 1u << BENCH_MEM,
	.copies = 0,
	.supported = sup_msg,
	.open = open_msg,
	.xfer = zs_xfer,
	.finish = zs_finish,
	.close = zs_close,
};

const struct bench_path bench_path_send_zc = {
	.name = "send_zc",
	.what = "zc_zsend: io_uring SEND_ZC, registered buffer, notif CQEs",
	.scens = 1u << BENCH_MEM,
	.copies = 0,
	.supported = sup_uring,
	.open = open_uring,
	.xfer = zs_xfer,
	.finish = zs_finish,
	.close = zs_close,
};
