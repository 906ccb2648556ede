/* SPDX-License-Identifier: MIT */
/*
 * src/bench/run.c - one run of one case: the connection (loopback TCP
 * made by the parent, a UNIX socketpair, or an O_TMPFILE output), the
 * forked sender and receiver (pinned when asked, each under an alarm so
 * nothing can hang), and the shared page they report into.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* Before the timed window, the sender moves this much (at most 64 calls). */
#define WARM_BYTES (4u << 20)
#define WARM_MAX 64

static struct bench_shared *sh;

void bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* A CPU that is not there leaves the child unpinned; say nothing. */
	sched_setaffinity(0, sizeof(set), &set);
}

void bench_ru_now(struct bench_ru *ru)
{
	struct rusage r;

	/* RUSAGE_SELF sums every thread, io_uring's io-wq workers too. */
	getrusage(RUSAGE_SELF, &r);
	ru->user = (double)r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6;
	ru->sys = (double)r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
	ru->nvcsw = (double)r.ru_nvcsw;
	ru->nivcsw = (double)r.ru_nivcsw;
}

void bench_ru_sub(struct bench_ru *d, const struct bench_ru *a)
{
	d->user -= a->user;
	d->sys -= a->sys;
	d->nvcsw -= a->nvcsw;
	d->nivcsw -= a->nivcsw;
}

/* A connected loopback TCP pair: [0] the sender's end, [1] accepted. */
static int tcp_pair(int fds[2], int nodelay)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t alen = sizeof(a);
	int l, one = 1, ret = 0;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l == -1)
		return -errno;
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] == -1 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &alen) ||
	    connect(fds[0], (struct sockaddr *)&a, sizeof(a)))
		ret = -errno;
	fds[1] = ret ? -1 : accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (!ret && fds[1] == -1)
		ret = -errno;
	close(l);
	if (ret) {
		if (fds[0] >= 0)
			close(fds[0]);
		return ret;
	}
	if (nodelay) {
		setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fds[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return 0;
}

/*
 * A filesystem without O_TMPFILE (before Linux 3.11, or one that does not
 * implement it): a named file, unlinked at once, does the same.
 */
static int named_tmpfile(const char *dir, int fds[2])
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s/zcio-bench-XXXXXX", dir);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fds[0] = mkostemp(path, O_CLOEXEC);
	if (fds[0] == -1)
		return -errno;
	unlink(path);
	return 0;
}

/* The two ends: a socket pair, or the output file and -1. */
static int endpoints(const struct bench *b, const struct bench_case *c,
		     int fds[2])
{
	fds[0] = fds[1] = -1;
	if (c->scen == BENCH_UNIX)
		return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				  fds) ? -errno : 0;
	if (c->scen != BENCH_FILE)
		return tcp_pair(fds, c->kind == BENCH_K_LATENCY);
	/* Unnamed: nothing is left behind, whatever happens. */
	fds[0] = open(b->cfg.dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fds[0] >= 0 || errno != EOPNOTSUPP)
		return fds[0] == -1 ? -errno : 0;
	return named_tmpfile(b->cfg.dir, fds);
}

/* Bounds a child: the run's time, plus moving the data at 20 MB/s. */
static unsigned int limit_secs(const struct bench *b, size_t size)
{
	return 30 + (unsigned int)(b->cfg.secs * 4) +
	       (unsigned int)(size / 20000000);
}

static void child_sender(const struct bench *b, const struct bench_case *c,
			 int out, int ready)
{
	struct bench_tx tx = {
		.path = c->path, .out = out, .in = -1, .size = c->size,
		.rewind = c->scen == BENCH_FILE,
		.cold = b->cfg.cold && c->kind == BENCH_K_XFER &&
			c->scen != BENCH_MEM,
	};
	char path[4096];
	int ret;

	bench_pin(b->cfg.pin ? b->cfg.cpu_tx : -1);
	alarm(limit_secs(b, c->size));
	if (c->scen == BENCH_MEM) {
		tx.mem = bench_data_mem(c->size);
	} else if (!bench_data_file(b, c->size, path, sizeof(path))) {
		tx.in = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (tx.in == -1 && !tx.mem) {
		snprintf(sh->tx_err, sizeof(sh->tx_err), "cannot open the "
			 "data file: %s", strerror(errno));
		_exit(1);
	}
	if (c->kind == BENCH_K_LATENCY)
		ret = bench_lat_server(sh, &tx);
	else
		ret = bench_sender(sh, &tx, ready);
	_exit(ret ? 1 : 0);
}

static void child_receiver(const struct bench *b, const struct bench_case *c,
			   int fd, int ready)
{
	int ret;

	bench_pin(b->cfg.pin ? b->cfg.cpu_rx : -1);
	alarm(limit_secs(b, c->size));
	if (c->kind == BENCH_K_LATENCY)
		ret = bench_lat_client(sh, fd);
	else
		ret = bench_receiver(sh, fd, ready);
	_exit(ret ? 1 : 0);
}

static pid_t spawn(void)
{
	pid_t pid;

	/* Buffered output would be written twice, by parent and child. */
	fflush(NULL);
	pid = fork();
	return pid;
}

/* The warm-up, agreed between sender and receiver before fork. */
static void set_warm(const struct bench_case *c, int mode)
{
	size_t len = c->size < WARM_BYTES ? c->size : WARM_BYTES;

	if (mode != BENCH_TIMED)
		return;
	sh->warm_count = (uint32_t)(WARM_BYTES / len);
	if (sh->warm_count > WARM_MAX)
		sh->warm_count = WARM_MAX;
	if (!sh->warm_count)
		sh->warm_count = 1;
	sh->warm_bytes = (uint64_t)sh->warm_count * len;
}

/* Waits for a child; 0 when it exited with 0, else a reason. */
static const char *reap(pid_t pid)
{
	int st;

	if (pid <= 0)
		return NULL;
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return "lost";
	if (WIFSIGNALED(st))
		return WTERMSIG(st) == SIGALRM ? "timed out" : "killed";
	return WEXITSTATUS(st) ? "failed" : NULL;
}

static int shared_page(void)
{
	if (sh)
		return 0;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		sh = NULL;
		return -errno;
	}
	return 0;
}

/* Turns what the children said into a sample, or an error on @c. */
static int collect(struct bench *b, struct bench_case *c, int mode,
		   const char *tx, const char *rx, int out)
{
	if (sh->tx_status == -ENOTSUP) {
		c->unsupported = 1;
		snprintf(c->err, sizeof(c->err), "not possible here: %s",
			 sh->tx_err);
		return 0;
	}
	if (tx || rx) {
		c->failed = 1;
		b->failures++;
		if (sh->tx_err[0] || sh->rx_err[0])
			snprintf(c->err, sizeof(c->err), "%s",
				 sh->tx_err[0] ? sh->tx_err : sh->rx_err);
		else
			snprintf(c->err, sizeof(c->err), "%s %s",
				 tx ? "sender" : "receiver", tx ? tx : rx);
		return -1;
	}
	if (mode == BENCH_VERIFY)
		return bench_check_verify(b, c, sh, out);
	if (c->n < BENCH_MAX_RUNS) {
		bench_sample_from(&c->s[c->n], sh, c);
		c->n++;
	}
	if (mode == BENCH_TIMED)
		c->led = sh->led;
	return 0;
}

int bench_run(struct bench *b, struct bench_case *c, int mode)
{
	int fds[2], ready[2] = { -1, -1 }, ret;
	pid_t tx = -1, rx = -1;
	const char *txs, *rxs;

	ret = shared_page();
	if (ret)
		return ret;
	memset(sh, 0, sizeof(*sh));
	sh->mode = mode;
	sh->scen = c->scen;
	sh->path = c->path;
	sh->size = c->size;
	sh->secs = b->cfg.secs;
	sh->bad_at = -1;
	if (c->kind == BENCH_K_MEMCPY) {
		tx = spawn();
		if (!tx) {
			bench_pin(b->cfg.pin ? b->cfg.cpu_tx : -1);
			bench_memcpy_run(sh);
			_exit(sh->tx_status ? 1 : 0);
		}
		txs = tx < 0 ? "fork" : reap(tx);
		return collect(b, c, mode, txs, NULL, -1);
	}
	set_warm(c, mode);
	ret = endpoints(b, c, fds);
	if (ret) {
		snprintf(c->err, sizeof(c->err), "connection: %s",
			 strerror(-ret));
		c->failed = 1;
		b->failures++;
		return ret;
	}
	if (fds[1] >= 0 && mode == BENCH_TIMED && pipe2(ready, O_CLOEXEC))
		ready[0] = ready[1] = -1;
	if (fds[1] >= 0) {
		rx = spawn();
		if (!rx) {
			close(fds[0]);
			close(ready[0]);
			child_receiver(b, c, fds[1], ready[1]);
		}
	}
	tx = spawn();
	if (!tx) {
		close(fds[1]);
		close(ready[1]);
		child_sender(b, c, fds[0], ready[0]);
	}
	if (fds[1] >= 0)
		close(fds[1]);
	close(ready[0]);
	close(ready[1]);
	txs = tx < 0 ? "fork" : reap(tx);
	rxs = rx < 0 && fds[1] >= 0 ? "fork" : reap(rx);
	ret = collect(b, c, mode, txs, rxs, fds[0]);
	close(fds[0]);
	return ret;
}
