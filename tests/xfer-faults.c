/* SPDX-License-Identifier: MIT */
/*
 * tests/xfer-faults.c - transfers that go wrong (include/zcio/xfer.h rules
 * 3, 4, 6 and 7):
 *
 *  1. A peer that closes mid-transfer (TCP, UNIX, a pipe whose reader
 *     closes), for every path that can write to it: the call returns the
 *     bytes moved before (never an error once bytes moved, and *in_off
 *     advanced by exactly them), the next call -EPIPE (-ECONNRESET once
 *     for a TCP reset), no SIGPIPE reaches the process, the caller's signal
 *     mask and its own pending SIGPIPE are left as they were.
 *  2. A source file truncated during the copy to a slow reader: a short
 *     count at least the new size, no hang, no SIGBUS, then 0 at the end.
 *  3. EINTR is retried: a signal storm on the copying thread changes
 *     nothing.
 *  4. Closed, invalid, O_PATH and wrongly-opened descriptors give -EBADF
 *     for every path; a directory gives -EISDIR (docs/api.md rule 7).
 * Every test is bounded by alarm(); a hang aborts with its name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zcio.h>
#include "helpers.h"

#define SEED 0xfa17u
#define SIZE ((size_t)(8u << 20))
#define TEST_TIMEOUT 60

enum out_kind { O_TCP, O_UNIX, O_PIPE, O__N };
static const char *const out_names[] = { "tcp", "unix", "pipe" };

static uint8_t *expect;		/* SIZE pattern bytes, seed SEED */
static char where[200];

/* What a peer_close case holds, released by teardown() when an assertion
 * ends it early: closing the input unblocks the source thread. */
static struct {
	int in, out;
	struct t_source *source;
	int restore_mask;
	sigset_t mask;
	long guard;
} held = { -1, -1, NULL, 0, { { 0 } }, -1 };

static void release_held(void)
{
	if (held.restore_mask)
		pthread_sigmask(SIG_SETMASK, &held.mask, NULL);
	held.restore_mask = 0;
	if (held.guard >= 0)
		zc_tune_set(ZC_TUNE_SIGPIPE_GUARD, held.guard);
	held.guard = -1;
	if (held.out >= 0)
		close(held.out);
	if (held.in >= 0)
		close(held.in);
	held.in = held.out = -1;
	if (held.source)
		t_source_join(held.source);
	held.source = NULL;
}

#define EXPECT_EQ(got, want, what)					\
	do {								\
		long long g_ = (long long)(got), w_ = (long long)(want);\
		if (g_ != w_)						\
			fail_msg("%s: %s is %lld, expected %lld",	\
				 where, (what), g_, w_);		\
	} while (0)

static const char *pname(enum zc_path p)
{
	const char *s = zc_path_name(p);

	return s ? s : "?";
}

static void skip_absent(enum zc_path p)
{
	if (p != ZC_PATH_AUTO && !zc_path_supported(p)) {
		print_message("skip: zc_path_supported(%s) == 0 on this "
			      "kernel\n", pname(p));
		skip();
	}
}

static void on_alarm(int sig)
{
	static const char msg[] = "\nTIMEOUT (hang) in xfer-faults: ";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, where, strlen(where)) < 0)
		_exit(3);
	abort();
}

/* --- a reader that reads @limit bytes, then closes its end ----------- */

struct closer {
	pthread_t tid;
	int fd;
	size_t limit, got;
	uint8_t *data;
};

static void *closer_main(void *arg)
{
	struct closer *c = arg;

	while (c->got < c->limit) {
		ssize_t n = read(c->fd, c->data + c->got, c->limit - c->got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		c->got += (size_t)n;
	}
	close(c->fd);
	return NULL;
}

static struct closer *closer_start(int fd, size_t limit)
{
	struct closer *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->fd = fd;
	c->limit = limit;
	c->data = malloc(limit);
	assert_non_null(c->data);
	assert_int_equal(pthread_create(&c->tid, NULL, closer_main, c), 0);
	return c;
}

/* Joins; checks it read @limit pattern bytes from @start. */
static void closer_join(struct closer *c, size_t start)
{
	pthread_join(c->tid, NULL);
	if (c->got != c->limit || memcmp(c->data, expect + start, c->got))
		fail_msg("%s: the reader got %zu bytes (wanted %zu pattern "
			 "bytes)", where, c->got, c->limit);
	free(c->data);
	free(c);
}

/* An output of @k with small buffers, so a closing reader is noticed long
 * before SIZE bytes fit in them. fds[0] writes, fds[1] reads. */
static void small_pair(enum out_kind k, int fds[2])
{
	if (k == O_PIPE) {
		t_pipe(fds);
		fcntl(fds[0], F_SETPIPE_SZ, 4096);
		return;
	}
	if (k == O_TCP)
		t_tcp_pair(fds);
	else
		t_unix_pair(fds);
	t_set_sndbuf(fds[0], 4096);
	t_set_rcvbuf(fds[1], 4096);
}

static int mask_has_sigpipe(void)
{
	sigset_t cur;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGPIPE);
}

static int sigpipe_pending(void)
{
	sigset_t p;

	sigpending(&p);
	return sigismember(&p, SIGPIPE);
}

/* --- 1. peer closes mid-transfer ------------------------------------- */

struct pc_case {
	enum zc_path path;
	enum out_kind out;
	int stream_in;		/* a pipe fed SIZE bytes by a t_source */
	char name[64];
};

#define LIMIT ((size_t)65536)

/*
 * One transfer into a reader that leaves after @limit bytes. Returns the
 * first call's result; checks it and the second call. @mode: 0 the
 * library's guard (default), 1 caller blocked SIGPIPE, 2 caller blocked
 * SIGPIPE and has one pending of its own, 3 guard off.
 */
static void peer_close(const struct pc_case *c, int mode)
{
	size_t total = SIZE, limit = LIMIT;
	int fds[2], in, src[2] = { -1, -1 }, sigpipes = t_sigpipes();
	int blocked_before, r;
	struct t_source *source = NULL;
	struct closer *cl;
	struct zc_ledger l;
	off_t off = 0, *offp = NULL;
	sigset_t set, old;
	ssize_t n, n2;
	long guard = zc_tune_get(ZC_TUNE_SIGPIPE_GUARD);

	static const char *const modes[] = {
		"", " (caller blocks SIGPIPE)",
		" (caller blocks SIGPIPE, one pending)", " (guard off)"
	};

	snprintf(where, sizeof(where), "%s%s", c->name, modes[mode]);
	if (c->stream_in) {
		t_pipe(src);
		source = t_source_start(src[0], SIZE, SEED, 1);
		in = src[1];
	} else {
		in = t_file(t_dir_disk(), "pc-in", SIZE, SEED, NULL);
		offp = &off;
	}
	small_pair(c->out, fds);
	held.in = in;
	held.out = fds[0];
	held.source = source;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (mode == 1 || mode == 2) {
		pthread_sigmask(SIG_BLOCK, &set, &old);
		held.mask = old;
		held.restore_mask = 1;
	}
	if (mode == 2)
		pthread_kill(pthread_self(), SIGPIPE);
	if (mode == 3) {
		held.guard = guard;
		assert_int_equal(zc_tune_set(ZC_TUNE_SIGPIPE_GUARD, 0), 0);
	}
	blocked_before = mask_has_sigpipe();

	cl = closer_start(fds[1], limit);
	memset(&l, 0xa5, sizeof(l));
	n = zc_copy_path(c->path, fds[0], in, offp, ZC_EOF, &l);
	closer_join(cl, 0);

	/* Bytes moved before the close: the count, not an error. */
	if (n < (ssize_t)limit || n >= (ssize_t)total)
		fail_msg("%s: first call returned %zd; the reader took %zu of "
			 "%zu bytes, then closed", where, n, limit, total);
	EXPECT_EQ(l.bytes, n, "ledger.bytes");
	if (offp)
		EXPECT_EQ(off, n, "*in_off after the partial transfer");

	/* Then the error. */
	memset(&l, 0xa5, sizeof(l));
	n2 = zc_copy_path(c->path, fds[0], in, offp, ZC_EOF, &l);
	if (n2 != -EPIPE && !(c->out == O_TCP && n2 == -ECONNRESET))
		fail_msg("%s: second call returned %zd, expected -EPIPE",
			 where, n2);
	EXPECT_EQ(l.bytes, 0, "ledger.bytes of the failed call");
	if (offp)
		EXPECT_EQ(off, n, "*in_off after the failed call");
	n2 = zc_copy_path(c->path, fds[0], in, offp, ZC_EOF, &l);
	if (n2 != -EPIPE && !(c->out == O_TCP && n2 == -ECONNRESET))
		fail_msg("%s: third call returned %zd, expected -EPIPE",
			 where, n2);

	/* Signals: none delivered, the mask as it was, ours kept. */
	EXPECT_EQ(mask_has_sigpipe(), blocked_before,
		  "SIGPIPE blocked after the calls");
	if (mode != 3)
		EXPECT_EQ(t_sigpipes() - sigpipes, 0, "SIGPIPEs delivered");
	if (mode == 1)
		EXPECT_EQ(sigpipe_pending(), 0,
			  "SIGPIPE left pending by the library");
	if (mode == 2) {
		struct timespec ts = { 0, 0 };

		EXPECT_EQ(sigpipe_pending(), 1, "the caller's own SIGPIPE "
			  "still pending");
		r = sigtimedwait(&set, NULL, &ts);
		EXPECT_EQ(r, SIGPIPE, "sigtimedwait");
	}
	/* Last: the source may now take a SIGPIPE of its own (counted). */
	release_held();
}

static void run_peer_close(void **state)
{
	const struct pc_case *c = *state;

	skip_absent(c->path);
	peer_close(c, 0);
	if (c->out == O_PIPE) {
		/* A pipe write always raises SIGPIPE: the guard's cases. */
		peer_close(c, 1);
		peer_close(c, 2);
		peer_close(c, 3);
	}
}

/* --- 2. a source truncated during the copy --------------------------- */

struct truncator {
	pthread_t tid;
	int fd;
	off_t to;
	unsigned int after_us;
};

static void *truncator_main(void *arg)
{
	struct truncator *t = arg;

	usleep(t->after_us);
	if (ftruncate(t->fd, t->to))
		abort();
	return NULL;
}

static void truncated(enum zc_path path, enum out_kind k, off_t to,
		      int use_off)
{
	struct truncator tr;
	struct t_sink *sink;
	struct zc_ledger l;
	int in, fds[2];
	off_t off = 0, *offp = use_off ? &off : NULL;
	uint8_t *data;
	size_t got;
	ssize_t n, n2;

	snprintf(where, sizeof(where), "%s->%s, source truncated to %lld "
		 "mid-copy%s", pname(path), out_names[k], (long long)to,
		 use_off ? " (in_off)" : "");
	in = t_file(t_dir_disk(), "trunc-in", SIZE, SEED, NULL);
	if (k == O_PIPE)
		t_pipe(fds);
	else
		t_unix_pair(fds);
	/* 16 KiB every 2 ms: SIZE takes about a second. */
	sink = t_sink_start(fds[1], 16384, 2000, 0);
	tr.fd = in;
	tr.to = to;
	tr.after_us = 50000;
	assert_int_equal(pthread_create(&tr.tid, NULL, truncator_main, &tr),
			 0);
	memset(&l, 0xa5, sizeof(l));
	n = zc_copy_path(path, fds[0], in, offp, ZC_EOF, &l);
	pthread_join(tr.tid, NULL);
	close(fds[0]);
	got = t_sink_join(sink, &data);
	close(fds[1]);

	if (n < (ssize_t)to || n >= (ssize_t)SIZE) {
		free(data);
		fail_msg("%s: returned %zd, expected a short count in [%lld, "
			 "%zu)", where, n, (long long)to, SIZE);
	}
	EXPECT_EQ(l.bytes, n, "ledger.bytes");
	if (got != (size_t)n || memcmp(data, expect, (size_t)to)) {
		free(data);
		fail_msg("%s: reader got %zu bytes for %zd sent, or the first "
			 "%lld differ", where, got, n, (long long)to);
	}
	free(data);
	if (offp)
		EXPECT_EQ(off, n, "*in_off");
	else
		EXPECT_EQ(lseek(in, 0, SEEK_CUR), n, "file position");

	/* Past the new end: 0, the end of input. */
	t_pipe(fds);
	n2 = zc_copy_path(path, fds[0], in, offp, ZC_EOF, &l);
	EXPECT_EQ(n2, 0, "a further call at the end");
	close(fds[0]);
	close(fds[1]);
	close(in);
}

struct tr_case {
	enum zc_path path;
	char name[64];		/* truncated/<path> */
	char ename[64];		/* eintr/<path> */
};

static void run_truncated(void **state)
{
	const struct tr_case *c = *state;

	skip_absent(c->path);
	truncated(c->path, O_PIPE, 1 << 20, 0);
	truncated(c->path, O_UNIX, 300001, 1);
}

/* --- 3. EINTR ---------------------------------------------------------- */

static void on_usr1(int sig)
{
	(void)sig;
}

struct storm {
	pthread_t tid, target;
	volatile int stop;
	unsigned long sent;
};

static void *storm_main(void *arg)
{
	struct storm *s = arg;

	while (!s->stop) {
		pthread_kill(s->target, SIGUSR1);
		s->sent++;
		usleep(300);
	}
	return NULL;
}

/* A slow writer into a pipe: @len pattern bytes, 8 KiB per ms. */
struct slow_src {
	pthread_t tid;
	int fd;
	size_t len;
};

static void *slow_src_main(void *arg)
{
	struct slow_src *s = arg;
	size_t done = 0;

	while (done < s->len) {
		size_t n = s->len - done < 8192 ? s->len - done : 8192;
		ssize_t w = write(s->fd, expect + done, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
		usleep(1000);
	}
	close(s->fd);
	return NULL;
}

static void eintr(void **state)
{
	const struct tr_case *c = *state;
	/* No SA_RESTART: every blocking call the signal hits fails EINTR. */
	struct sigaction sa = { .sa_handler = on_usr1 };
	const size_t len = 2u << 20;
	struct storm st = { .stop = 0 };
	int dir;

	skip_absent(c->path);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	for (dir = 0; dir < 2; dir++) {
		struct zc_ledger l;
		struct t_sink *sink = NULL;
		struct slow_src src;
		int in, out, fds[2];
		uint8_t *data;
		size_t got;
		ssize_t n;

		if (dir == 1 && c->path == ZC_PATH_SENDFILE)
			continue;	/* sendfile cannot read a pipe */
		snprintf(where, sizeof(where), "%s %s under a SIGUSR1 storm "
			 "(no SA_RESTART)", c->ename,
			 dir ? "slow pipe->file" : "file->slow pipe");
		t_pipe(fds);
		if (dir == 0) {
			in = t_file(t_dir_disk(), "eintr-in", len, SEED, NULL);
			out = fds[0];
			sink = t_sink_start(fds[1], 16384, 1000, 0);
		} else {
			in = fds[1];
			out = t_file_empty(t_dir_disk(), "eintr-out", O_RDWR,
					   NULL);
			src.fd = fds[0];
			src.len = len;
			assert_int_equal(pthread_create(&src.tid, NULL,
							slow_src_main, &src),
					 0);
		}
		st.stop = 0;
		st.target = pthread_self();
		assert_int_equal(pthread_create(&st.tid, NULL, storm_main,
						&st), 0);
		n = zc_copy_path(c->path, out, in, NULL, ZC_EOF, &l);
		st.stop = 1;
		pthread_join(st.tid, NULL);
		if (dir == 0) {
			close(out);
			got = t_sink_join(sink, &data);
			close(fds[1]);
		} else {
			pthread_join(src.tid, NULL);
			got = t_slurp(out, &data);
			close(out);
		}
		close(in);
		if (n != (ssize_t)len || got != len ||
		    memcmp(data, expect, len)) {
			free(data);
			fail_msg("%s: returned %zd, output %zu bytes, expected "
				 "%zu exact (%lu signals)", where, n, got, len,
				 st.sent);
		}
		free(data);
	}
	signal(SIGUSR1, SIG_DFL);
}

/* --- 4. bad descriptors ---------------------------------------------- */

static const enum zc_path all_methods[] = {
	ZC_PATH_AUTO, ZC_PATH_COPY_FILE_RANGE, ZC_PATH_SENDFILE,
	ZC_PATH_SPLICE, ZC_PATH_READWRITE, ZC_PATH_URING_SPLICE,
	ZC_PATH_URING_RW
};
#define N_METHODS (sizeof(all_methods) / sizeof(all_methods[0]))

static int closed_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

/* @n for a descriptor that is wrong for this job: @want, or -ENOTSUP
 * when @notsup_ok (a forced path that could not serve the pair anyway). */
static void expect_err(ssize_t n, ssize_t want, int notsup_ok,
		       const struct zc_ledger *l)
{
	if (n != want && !(notsup_ok && n == -ENOTSUP))
		fail_msg("%s: returned %zd, expected %zd", where, n, want);
	EXPECT_EQ(l->bytes, 0, "ledger.bytes");
}

static void bad_fds_for(enum zc_path p, size_t len)
{
	char ipath[PATH_MAX], opath[PATH_MAX];
	int in = t_file(t_dir_disk(), "bad-in", 4096, SEED, ipath);
	int out = t_file_empty(t_dir_disk(), "bad-out", O_RDWR, opath);
	int wo, ro, pin, pout, pp[2];
	struct zc_ledger l;
	off_t off = 0;
	struct stat st;
	ssize_t n;
	int cfr = p == ZC_PATH_COPY_FILE_RANGE, sf = p == ZC_PATH_SENDFILE;

#define TRY(desc, o, i, offp, want, notsup_ok)				\
	do {								\
		snprintf(where, sizeof(where), "%s len %s: %s", pname(p),\
			 len == ZC_EOF ? "ZC_EOF" : "0", desc);		\
		memset(&l, 0xa5, sizeof(l));				\
		n = zc_copy_path(p, (o), (i), (offp), len, &l);		\
		expect_err(n, (want), (notsup_ok), &l);			\
	} while (0)

	TRY("closed input", out, closed_fd(), NULL, -EBADF, 0);
	TRY("closed input, in_off given", out, closed_fd(), &off, -EBADF, 0);
	TRY("input -1", out, -1, NULL, -EBADF, 0);
	TRY("closed output", closed_fd(), in, NULL, -EBADF, 0);
	TRY("output -1", -1, in, NULL, -EBADF, 0);
	TRY("both -1", -1, -1, NULL, -EBADF, 0);

	wo = open(ipath, O_WRONLY | O_CLOEXEC);
	ro = open(opath, O_RDONLY | O_CLOEXEC);
	pin = open(ipath, O_PATH | O_CLOEXEC);
	pout = open(opath, O_PATH | O_CLOEXEC);
	assert_true(wo >= 0 && ro >= 0 && pin >= 0 && pout >= 0);
	TRY("input opened O_WRONLY", out, wo, NULL, -EBADF, 0);
	TRY("input opened O_WRONLY, in_off given", out, wo, &off, -EBADF, 0);
	TRY("output opened O_RDONLY", ro, in, NULL, -EBADF, 0);
	TRY("input opened O_PATH", out, pin, NULL, -EBADF, 0);
	TRY("output opened O_PATH", pout, in, NULL, -EBADF, 0);
	/* Pipes the wrong way round: cfr and sendfile cannot read a pipe
	 * and cfr cannot write one anyway, so -ENOTSUP is fine for them. */
	t_pipe(pp);
	TRY("input is a pipe's write end", out, pp[0], NULL, -EBADF,
	    cfr || sf);
	TRY("output is a pipe's read end", pp[1], in, NULL, -EBADF, cfr);
	close(pp[0]);
	close(pp[1]);

	/* Nothing moved anywhere. */
	EXPECT_EQ(lseek(in, 0, SEEK_CUR), 0, "input position");
	EXPECT_EQ(off, 0, "*in_off");
	assert_int_equal(fstat(out, &st), 0);
	EXPECT_EQ(st.st_size, 0, "output size");
	close(wo);
	close(ro);
	close(pin);
	close(pout);
	close(in);
	close(out);
	unlink(ipath);
	unlink(opath);
#undef TRY
}

static void bad_fds(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_METHODS; i++)
		if (zc_path_supported(all_methods[i]))
			bad_fds_for(all_methods[i], ZC_EOF);
}

/* The same with len 0: rule 7 does not depend on the length (read(2) and
 * write(2) with count 0 still say EBADF). */
static void bad_fds_len0(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_METHODS; i++)
		if (zc_path_supported(all_methods[i]))
			bad_fds_for(all_methods[i], 0);
}

/* A directory as input: -EISDIR (docs/api.md rule 7), never a crash. */
static void directory(void **state)
{
	int dir = open(t_dir_disk(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int out = t_file_empty(t_dir_disk(), "dir-out", O_RDWR, NULL);
	struct zc_ledger l;
	size_t i;
	ssize_t n;

	(void)state;
	assert_true(dir >= 0);
	for (i = 0; i < N_METHODS; i++) {
		off_t off = 0;

		if (!zc_path_supported(all_methods[i]))
			continue;
		snprintf(where, sizeof(where), "%s: directory as input",
			 pname(all_methods[i]));
		n = zc_copy_path(all_methods[i], out, dir, NULL, ZC_EOF, &l);
		EXPECT_EQ(n, -EISDIR, "return");
		n = zc_copy_path(all_methods[i], out, dir, &off, 100, &l);
		EXPECT_EQ(n, -EISDIR, "return with in_off");
		/* As output (opened O_RDONLY, as a directory must be):
		 * write(2) says EBADF, the docs EISDIR; either. */
		snprintf(where, sizeof(where), "%s: directory as output",
			 pname(all_methods[i]));
		n = zc_copy_path(all_methods[i], dir, out, NULL, ZC_EOF, &l);
		if (n != -EISDIR && n != -EBADF)
			fail_msg("%s: returned %zd", where, n);
	}
	close(dir);
	close(out);
}

/* zc_copy_path with a path that does not exist: -EINVAL. */
static void unknown_path(void **state)
{
	int in = t_file(t_dir_disk(), "unk-in", 100, SEED, NULL);
	int out = t_file_empty(t_dir_disk(), "unk-out", O_RDWR, NULL);
	struct zc_ledger l;

	(void)state;
	snprintf(where, sizeof(where), "zc_copy_path(unknown path)");
	EXPECT_EQ(zc_copy_path(ZC_PATH__COUNT, out, in, NULL, ZC_EOF, &l),
		  -EINVAL, "ZC_PATH__COUNT");
	EXPECT_EQ(zc_copy_path((enum zc_path)-1, out, in, NULL, ZC_EOF, &l),
		  -EINVAL, "-1");
	EXPECT_EQ(zc_copy_path((enum zc_path)1000, out, in, NULL, ZC_EOF, &l),
		  -EINVAL, "1000");
	EXPECT_EQ(lseek(in, 0, SEEK_CUR), 0, "input position");
	close(in);
	close(out);
}

/* --- the runner ------------------------------------------------------ */

static int setup(void **state)
{
	(void)state;
	where[0] = 0;
	alarm(TEST_TIMEOUT);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	release_held();
	alarm(0);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	expect = malloc(SIZE);
	if (!expect)
		return -1;
	t_fill(expect, SIZE, 0, SEED);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(expect);
	return 0;
}

static const enum zc_path writers[] = {
	ZC_PATH_AUTO, ZC_PATH_SENDFILE, ZC_PATH_SPLICE, ZC_PATH_READWRITE,
	ZC_PATH_URING_SPLICE, ZC_PATH_URING_RW
};
#define N_WRITERS (sizeof(writers) / sizeof(writers[0]))

int main(int argc, char **argv)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test_setup_teardown(bad_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_fds_len0, setup, teardown),
		cmocka_unit_test_setup_teardown(directory, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_path, setup, teardown),
	};
	size_t nfix = sizeof(fixed) / sizeof(fixed[0]);
	size_t max = nfix + N_WRITERS * O__N * 2 + N_WRITERS * 2, n = 0, i;
	struct CMUnitTest *tests = calloc(max, sizeof(*tests));
	struct pc_case *pcs = calloc(N_WRITERS * O__N * 2, sizeof(*pcs));
	struct tr_case *trs = calloc(N_WRITERS, sizeof(*trs));
	size_t npc = 0;
	int k, s, rc;

	if (!tests || !pcs || !trs)
		return 1;
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	signal(SIGALRM, on_alarm);
	t_count_sigpipe();

	for (i = 0; i < nfix; i++)
		tests[n++] = fixed[i];
	for (s = 0; s < 2; s++)
		for (k = 0; k < O__N; k++)
			for (i = 0; i < N_WRITERS; i++) {
				struct pc_case *c;

				/* sendfile cannot read a pipe */
				if (s && writers[i] == ZC_PATH_SENDFILE)
					continue;
				c = &pcs[npc++];
				c->path = writers[i];
				c->out = (enum out_kind)k;
				c->stream_in = s;
				snprintf(c->name, sizeof(c->name),
					 "peer_close/%s->%s/%s",
					 s ? "pipe" : "file", out_names[k],
					 pname(c->path));
				tests[n].name = c->name;
				tests[n].test_func = run_peer_close;
				tests[n].setup_func = setup;
				tests[n].teardown_func = teardown;
				tests[n++].initial_state = c;
			}
	for (i = 0; i < N_WRITERS; i++) {
		struct tr_case *c = &trs[i];

		c->path = writers[i];
		snprintf(c->name, sizeof(c->name), "truncated/%s",
			 pname(c->path));
		tests[n].name = c->name;
		tests[n].test_func = run_truncated;
		tests[n].setup_func = setup;
		tests[n].teardown_func = teardown;
		tests[n++].initial_state = c;
	}
	for (i = 0; i < N_WRITERS; i++) {
		struct tr_case *c = &trs[i];

		snprintf(c->ename, sizeof(c->ename), "eintr/%s",
			 pname(c->path));
		tests[n].name = c->ename;
		tests[n].test_func = eintr;
		tests[n].setup_func = setup;
		tests[n].teardown_func = teardown;
		tests[n++].initial_state = c;
	}
	rc = _cmocka_run_group_tests("xfer-faults", tests, n, group_setup,
				     group_teardown);
	free(tests);
	free(pcs);
	free(trs);
	return rc;
}
