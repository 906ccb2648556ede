/* SPDX-License-Identifier: MIT */
/*
 * src/bench/latency.c - request/response latency of small transfers over
 * loopback TCP (TCP_NODELAY at both ends): the client sends an 8-byte
 * request, the server answers with the whole file (or memory) by the path
 * under test, the client times request to last byte. One request in
 * flight, so the figure is the path's own round trip, not a queue.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

/* The first round trips set up state and caches: not counted. */
#define LAT_WARM 200
/* Enough for p99.9 from 1,000 samples up; bounded memory (8 MiB). */
#define LAT_MAX (1u << 20)

/* Reads exactly @n bytes (MSG_WAITALL can stop early on a signal). */
static int recv_all(int fd, uint8_t *buf, size_t n)
{
	ssize_t r;

	while (n) {
		r = recv(fd, buf, n, MSG_WAITALL);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return r ? -errno : -EPIPE;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

int bench_lat_server(struct bench_shared *sh, struct bench_tx *tx)
{
	const struct bench_path *p = bench_paths[tx->path];
	uint8_t req[8];
	ssize_t n;
	int ret = p->open ? p->open(tx) : 0;

	while (!ret) {
		if (recv_all(tx->out, req, sizeof(req)))
			break;
		n = bench_xfer_all(tx, tx->size);
		if (n != (ssize_t)tx->size)
			ret = n < 0 ? (int)n : -EIO;
		sh->transfers++;
	}
	if (!ret && p->finish)
		ret = p->finish(tx);
	sh->led = tx->led;
	if (p->close)
		p->close(tx);
	sh->tx_status = ret;
	if (ret)
		snprintf(sh->tx_err, sizeof(sh->tx_err), "server: %s: %s",
			 p->name, ret == -ENOTSUP ? "path not possible here" :
			 strerror(-ret));
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least @q of them below. */
static double rank(const double *v, uint64_t n, double q)
{
	uint64_t i = (uint64_t)(q * (double)n + 0.999999);

	return v[i ? i - 1 : 0];
}

static void summarize(struct bench_shared *sh, double *lat, uint64_t n,
		      double secs)
{
	qsort(lat, n, sizeof(*lat), cmp_double);
	sh->samples = n;
	sh->lat_secs = secs;
	if (!n)
		return;
	sh->p50 = rank(lat, n, 0.50);
	sh->p99 = rank(lat, n, 0.99);
	sh->p999 = rank(lat, n, 0.999);
}

int bench_lat_client(struct bench_shared *sh, int fd)
{
	double *lat = malloc(LAT_MAX * sizeof(*lat));
	uint8_t *buf = malloc(sh->size);
	uint64_t i, n = 0, seq = 0;
	double t0, t1, start = 0, deadline = 0;
	int ret = 0;

	if (!lat || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; n < LAT_MAX; i++) {
		if (i == LAT_WARM) {
			start = cli_now();
			deadline = start + sh->secs;
		}
		t0 = cli_now();
		if (i > LAT_WARM && t0 >= deadline)
			break;
		seq++;
		if (send(fd, &seq, sizeof(seq), MSG_NOSIGNAL) != sizeof(seq)) {
			ret = -errno;
			break;
		}
		ret = recv_all(fd, buf, sh->size);
		if (ret)
			break;
		t1 = cli_now();
		if (i >= LAT_WARM)
			lat[n++] = (t1 - t0) * 1e6;
	}
	summarize(sh, lat, n, n ? cli_now() - start : 0);
	shutdown(fd, SHUT_WR);
out:
	sh->rx_status = ret;
	if (ret)
		snprintf(sh->rx_err, sizeof(sh->rx_err), "client: %s",
			 strerror(-ret));
	free(lat);
	free(buf);
	return ret;
}
