/* SPDX-License-Identifier: MIT */
/*
 * src/bench/receiver.c - the receiving child of a socket run: a client
 * that recv()s into a user buffer, as a real client does (the loopback
 * receiver's copy to user space is part of the physical cost, and is
 * reported on its own line). It reads the warm-up, tells the sender it is
 * ready, then times and counts until the sender closes. In the
 * verification pass it checks every byte against the pattern instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

/*
 * 256 KiB per recv: large enough that the receiver's system calls do not
 * limit the sender (shared/bench uses the same), small enough for L2.
 */
#define RX_BUF (256u << 10)

static int fail(struct bench_shared *sh, int err, const char *what)
{
	sh->rx_status = err;
	if (!sh->rx_err[0])
		snprintf(sh->rx_err, sizeof(sh->rx_err), "receiver: %s: %s",
			 what, strerror(-err));
	return err;
}

/* Reads and drops exactly @n bytes; 0 or -errno (-EPIPE: stream ended). */
static int skip(int fd, uint8_t *buf, uint64_t n)
{
	ssize_t r;

	while (n) {
		r = recv(fd, buf, n < RX_BUF ? (size_t)n : RX_BUF, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return r ? -errno : -EPIPE;
		n -= (uint64_t)r;
	}
	return 0;
}

/*
 * The stream is the data repeated: byte @pos is the pattern at pos modulo
 * the transfer size. Checks @n bytes at @pos; records the first bad one.
 */
static void check(struct bench_shared *sh, const uint8_t *p, size_t n,
		  uint64_t pos)
{
	uint64_t in = pos % sh->size;
	size_t part;
	int64_t bad;

	while (n && sh->bad_at < 0) {
		part = sh->size - in < n ? (size_t)(sh->size - in) : n;
		bad = bench_pattern_check(p, part, in);
		if (bad >= 0)
			sh->bad_at = (int64_t)pos + bad;
		p += part;
		pos += part;
		n -= part;
		in = 0;
	}
}

int bench_receiver(struct bench_shared *sh, int fd, int ready)
{
	uint8_t *buf = malloc(RX_BUF);
	struct bench_ru r0;
	uint64_t total = 0;
	ssize_t n;
	int ret;

	if (!buf)
		return fail(sh, -ENOMEM, "buffer");
	ret = skip(fd, buf, sh->warm_bytes);
	if (ret)
		return fail(sh, ret, "warm-up");
	if (ready >= 0 && write(ready, "r", 1) != 1)
		return fail(sh, -errno, "ready pipe");
	bench_ru_now(&r0);
	for (;;) {
		n = recv(fd, buf, RX_BUF, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sh->mode == BENCH_VERIFY)
			check(sh, buf, (size_t)n, total);
		total += (uint64_t)n;
	}
	sh->rx_end = cli_now();
	bench_ru_now(&sh->rx_ru);
	bench_ru_sub(&sh->rx_ru, &r0);
	sh->rx_bytes = total;
	free(buf);
	return n < 0 ? fail(sh, -errno, "recv") : 0;
}
