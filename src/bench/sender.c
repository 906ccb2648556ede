/* SPDX-License-Identifier: MIT */
/*
 * src/bench/sender.c - the sending child of a run: a warm-up, then
 * transfers of the whole file (or memory) back to back for a fixed time,
 * measured from the inside: getrusage deltas around the timed window only,
 * so process start, file opening and the warm-up are not charged to the
 * path. Every transfer is one call of the path, as a server sends one
 * response; the ledger of every call is summed.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

ssize_t bench_xfer_all(struct bench_tx *tx, size_t len)
{
	/* Same cost for every path; counted apart from the ledger. */
	if (tx->rewind) {
		tx->led.extra_syscalls++;
		if (lseek(tx->out, 0, SEEK_SET) == -1)
			return -errno;
	}
	if (tx->cold) {
		tx->led.extra_syscalls++;
		posix_fadvise(tx->in, 0, 0, POSIX_FADV_DONTNEED);
	}
	return bench_paths[tx->path]->xfer(tx, len);
}

static int fail(struct bench_shared *sh, int err, const char *what)
{
	sh->tx_status = err;
	if (!sh->tx_err[0])
		snprintf(sh->tx_err, sizeof(sh->tx_err), "sender: %s: %s",
			 what, err == -ENOTSUP ? "path not possible here" :
			 strerror(-err));
	return err;
}

static int path_open(struct bench_tx *tx)
{
	const struct bench_path *p = bench_paths[tx->path];

	memset(&tx->led, 0, sizeof(tx->led));
	return p->open ? p->open(tx) : 0;
}

static int path_finish(struct bench_tx *tx)
{
	const struct bench_path *p = bench_paths[tx->path];

	return p->finish ? p->finish(tx) : 0;
}

static void path_close(struct bench_tx *tx)
{
	const struct bench_path *p = bench_paths[tx->path];

	if (p->close)
		p->close(tx);
}

/*
 * The warm-up: sets up the library's per-thread state (pipes, ring,
 * registered buffer), faults the pages in and opens the TCP window. Its
 * ledger is then dropped; the path stays open, since a socket that has
 * carried MSG_ZEROCOPY sends cannot take a second zc_zsend (the kernel's
 * notification counter is per socket and goes on).
 */
static int warm_up(struct bench_shared *sh, struct bench_tx *tx)
{
	size_t len;
	uint32_t i;
	ssize_t n;
	int ret = path_open(tx);

	if (ret || !sh->warm_count)
		return ret;
	len = (size_t)(sh->warm_bytes / sh->warm_count);
	for (i = 0; !ret && i < sh->warm_count; i++) {
		n = bench_xfer_all(tx, len);
		if (n != (ssize_t)len)
			ret = n < 0 ? (int)n : -EIO;
	}
	if (!ret)
		ret = path_finish(tx);
	memset(&tx->led, 0, sizeof(tx->led));
	return ret;
}

/* Blocks until the receiver has read the warm-up (or has gone). */
static void wait_ready(int ready)
{
	char c;

	while (read(ready, &c, 1) == -1 && errno == EINTR)
		;
}

int bench_sender(struct bench_shared *sh, struct bench_tx *tx, int ready)
{
	struct bench_ru r0;
	double deadline;
	ssize_t n;
	int ret;

	ret = warm_up(sh, tx);
	if (ret)
		return fail(sh, ret, "warm-up");
	if (ready >= 0)
		wait_ready(ready);
	bench_ru_now(&r0);
	sh->tx_start = cli_now();
	deadline = sh->tx_start + sh->secs;
	do {
		n = bench_xfer_all(tx, tx->size);
		if (n != (ssize_t)tx->size) {
			ret = n < 0 ? (int)n : -EIO;
			break;
		}
		sh->tx_bytes += (uint64_t)n;
		sh->transfers++;
	} while (sh->mode == BENCH_TIMED && cli_now() < deadline);
	if (!ret)
		ret = path_finish(tx);
	sh->tx_end = cli_now();
	bench_ru_now(&sh->tx_ru);
	bench_ru_sub(&sh->tx_ru, &r0);
	sh->led = tx->led;
	path_close(tx);
	if (ret)
		return fail(sh, ret, bench_paths[tx->path]->name);
	/* The receiver's end of stream; a file output just ends. */
	shutdown(tx->out, SHUT_WR);
	return 0;
}
