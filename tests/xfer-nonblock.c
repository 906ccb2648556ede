/* SPDX-License-Identifier: MIT */
/*
 * tests/xfer-nonblock.c - non-blocking descriptors (include/zcio/xfer.h
 * rule 5, docs/api.md rule 5):
 *
 *  1. A non-blocking TCP socket with a ~4 KiB send buffer and a slow
 *     reader, fed from a file: each call returns a partial count or -EAGAIN
 *     (only when nothing moved; never 0 before the end), *in_off (or the
 *     file position) advances by exactly the bytes sent, and resuming after
 *     poll(POLLOUT) delivers the file byte-exact. The same into a
 *     non-blocking pipe.
 *  2. A non-blocking empty pipe or socket as input gives -EAGAIN, at once.
 *  3. A non-blocking input holding some bytes gives those bytes, then
 *     -EAGAIN, then 0 once the writer closed.
 *  4. Non-blocking socket to non-blocking socket (a proxy): bytes taken
 *     from the input are never lost; the stream arrives exact.
 * Calls that could hang on a library bug run in a thread with a time limit,
 * so a blocking call is a failure, not a stuck run.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <zcio.h>
#include "helpers.h"

#define SEED 0x0b10u
#define SIZE ((size_t)(1u << 20) + 3)
#define TEST_TIMEOUT 60

static uint8_t *expect;		/* SIZE pattern bytes */
static char where[200];

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

static void on_alarm(int sig)
{
	static const char msg[] = "\nTIMEOUT (hang) in xfer-nonblock: ";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, where, strlen(where)) < 0)
		_exit(3);
	abort();
}

static int rw_path(enum zc_path p)
{
	return p == ZC_PATH_READWRITE || p == ZC_PATH_URING_RW;
}

/* The ledger of a call that returned @n (> 0, or -EAGAIN). */
static void check_ledger(const struct zc_ledger *l, ssize_t n,
			 enum zc_path p)
{
	if (n < 0) {
		EXPECT_EQ(l->bytes, 0, "ledger.bytes with -EAGAIN");
		return;
	}
	EXPECT_EQ(l->bytes, n, "ledger.bytes");
	if (p != ZC_PATH_AUTO && l->path != p)
		fail_msg("%s: ledger.path %s", where, pname(l->path));
	/* A partial write may have read more than it wrote. */
	if (rw_path(l->path) ? l->user_copied < (uint64_t)n :
			       l->user_copied != 0)
		fail_msg("%s: user_copied %llu for %zd bytes on %s", where,
			 (unsigned long long)l->user_copied, n,
			 pname(l->path));
}

/* --- a call with a time limit ---------------------------------------- */

struct tcall {
	enum zc_path path;
	int out, in;
	off_t *off;
	size_t len;
	struct zc_ledger l;
	ssize_t ret;
};

static void *tcall_main(void *arg)
{
	struct tcall *c = arg;

	memset(&c->l, 0xa5, sizeof(c->l));
	c->ret = zc_copy_path(c->path, c->out, c->in, c->off, c->len, &c->l);
	return NULL;
}

/* Runs the call in a thread; if it is still running after @ms, closes
 * @rescue_fd (giving the call an end of input) and fails: a call on a
 * non-blocking descriptor must not wait for data. */
static ssize_t timed_call(struct tcall *c, int *rescue_fd, unsigned int ms)
{
	struct timespec ts;
	pthread_t tid;

	assert_int_equal(pthread_create(&tid, NULL, tcall_main, c), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (pthread_timedjoin_np(tid, NULL, &ts)) {
		close(*rescue_fd);
		*rescue_fd = -1;
		pthread_join(tid, NULL);
		fail_msg("%s: the call blocked on a non-blocking descriptor "
			 "(returned %zd once its writer closed)", where,
			 c->ret);
	}
	return c->ret;
}

/* --- 1. a non-blocking output ---------------------------------------- */

enum nb_out { NB_TCP, NB_PIPE };

struct out_case {
	enum zc_path path;
	enum nb_out out;
	int use_off;
	char name[64];
};

static void nb_output(void **state)
{
	const struct out_case *c = *state;
	int in, fds[2], eagain = 0, partial = 0, polls = 0;
	off_t off = 0, *offp = c->use_off ? &off : NULL;
	struct t_sink *sink;
	struct zc_ledger l;
	size_t done = 0, got;
	unsigned long iter = 0;
	uint8_t *data;
	ssize_t n;

	if (c->path != ZC_PATH_AUTO && !zc_path_supported(c->path)) {
		print_message("skip: zc_path_supported(%s) == 0\n",
			      pname(c->path));
		skip();
	}
	snprintf(where, sizeof(where), "%s", c->name);
	in = t_file(t_dir_disk(), "nb-in", SIZE, SEED, NULL);
	if (c->out == NB_TCP) {
		t_tcp_pair(fds);
		/* A 4 KiB send buffer; the receive buffer bounded too (else
		 * it autotunes to MiBs and swallows the file), but not so
		 * small that loopback TCP crawls (4 KiB: ~50 KB/s). */
		t_set_sndbuf(fds[0], 4096);
		t_set_rcvbuf(fds[1], 65536);
	} else {
		t_pipe(fds);
	}
	t_set_nonblock(fds[0], 1);
	/* 4 KiB every 300 us. */
	sink = t_sink_start(fds[1], 4096, 300, 0);

	while (done < SIZE) {
		size_t left = SIZE - done;
		size_t len = (iter++ & 1) ? ZC_EOF : left;

		memset(&l, 0xa5, sizeof(l));
		n = zc_copy_path(c->path, fds[0], in, offp, len, &l);
		if (n == -ENOTSUP && done == 0 && c->path == ZC_PATH_URING_RW &&
		    c->out == NB_PIPE) {
			/* docs/api.md: uring_rw serves "anything but
			 * non-blocking pipes". */
			close(fds[0]);
			t_sink_join(sink, NULL);
			close(fds[1]);
			close(in);
			print_message("note: uring_rw refuses a non-blocking "
				      "pipe (documented)\n");
			return;
		}
		check_ledger(&l, n, c->path);
		if (n == -EAGAIN) {
			struct pollfd pfd = { .fd = fds[0], .events = POLLOUT };

			eagain++;
			if (offp)
				EXPECT_EQ(off, done, "*in_off after -EAGAIN");
			assert_true(poll(&pfd, 1, 10000) == 1);
			polls++;
			continue;
		}
		if (n <= 0 || (size_t)n > left)
			fail_msg("%s: returned %zd with %zu bytes left at %zu",
				 where, n, left, done);
		done += (size_t)n;
		if ((size_t)n < left)
			partial++;
		if (offp) {
			EXPECT_EQ(off, done, "*in_off");
			EXPECT_EQ(lseek(in, 0, SEEK_CUR), 0, "file position "
				  "with in_off");
		} else {
			EXPECT_EQ(lseek(in, 0, SEEK_CUR), done,
				  "file position (bytes not sent must be "
				  "given back)");
		}
	}
	/* At the end: 0. A path that asks the (full) output first may say
	 * -EAGAIN until it drains: accepted, as "call again when ready". */
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLOUT };

		memset(&l, 0xa5, sizeof(l));
		n = zc_copy_path(c->path, fds[0], in, offp, ZC_EOF, &l);
		if (n != -EAGAIN)
			break;
		assert_true(poll(&pfd, 1, 10000) == 1);
	}
	EXPECT_EQ(n, 0, "a call at end of file");
	close(fds[0]);
	got = t_sink_join(sink, &data);
	close(fds[1]);
	close(in);
	if (got != SIZE || memcmp(data, expect, SIZE)) {
		ssize_t bad = got == SIZE ? t_check(data, got, 0, SEED) : -1;

		free(data);
		fail_msg("%s: reader got %zu bytes (want %zu), first bad byte "
			 "%zd", where, got, SIZE, bad);
	}
	free(data);
	if (!partial || !eagain)
		fail_msg("%s: %d partial counts and %d -EAGAIN in %lu calls: "
			 "the send buffer never filled (test setup)", where,
			 partial, eagain, iter);
}

/* --- 2. and 3. a non-blocking input ---------------------------------- */

enum nb_in { IN_PIPE, IN_TCP, IN_UNIX };
static const char *const in_names[] = { "pipe", "tcp", "unix" };

struct in_case {
	enum zc_path path;
	enum nb_in in;
	int sock_out;		/* out: a UNIX socket, else a disk file */
	char name[80];
};

static int can_read_stream(enum zc_path p)
{
	return p != ZC_PATH_COPY_FILE_RANGE && p != ZC_PATH_SENDFILE;
}

static void nb_input(void **state)
{
	const struct in_case *c = *state;
	struct t_sink *sink = NULL;
	struct tcall t;
	int fds[2], ofds[2] = { -1, -1 }, out, w;
	uint8_t *data;
	size_t got;
	ssize_t n;

	if (c->path != ZC_PATH_AUTO && !zc_path_supported(c->path)) {
		print_message("skip: zc_path_supported(%s) == 0\n",
			      pname(c->path));
		skip();
	}
	if (c->in == IN_PIPE)
		t_pipe(fds);
	else if (c->in == IN_TCP)
		t_tcp_pair(fds);
	else
		t_unix_pair(fds);
	w = fds[0];
	t_set_nonblock(fds[1], 1);
	if (c->sock_out) {
		t_unix_pair(ofds);
		out = ofds[0];
		sink = t_sink_start(ofds[1], 0, 0, 0);
	} else {
		out = t_file_empty(t_dir_disk(), "nbin-out", O_RDWR, NULL);
	}
	t.path = c->path;
	t.out = out;
	t.in = fds[1];
	t.off = NULL;

	/* Empty: -EAGAIN at once. */
	snprintf(where, sizeof(where), "%s, empty", c->name);
	t.len = ZC_EOF;
	n = timed_call(&t, &w, 3000);
	if (!can_read_stream(c->path)) {
		EXPECT_EQ(n, -ENOTSUP, "return (cannot read a stream)");
		goto out;
	}
	if (c->path == ZC_PATH_URING_RW && c->in == IN_PIPE &&
	    n == -ENOTSUP) {
		print_message("note: uring_rw refuses a non-blocking pipe "
			      "(documented)\n");
		goto out;
	}
	EXPECT_EQ(n, -EAGAIN, "return");
	EXPECT_EQ(t.l.bytes, 0, "ledger.bytes");
	t.len = 4096;
	n = timed_call(&t, &w, 3000);
	EXPECT_EQ(n, -EAGAIN, "return with len 4096");

	/* 1000 bytes there: those, then -EAGAIN. */
	assert_int_equal(write(w, expect, 1000), 1000);
	snprintf(where, sizeof(where), "%s, 1000 bytes there, len ZC_EOF",
		 c->name);
	t.len = ZC_EOF;
	n = timed_call(&t, &w, 3000);
	EXPECT_EQ(n, 1000, "return");
	check_ledger(&t.l, n, c->path);
	n = timed_call(&t, &w, 3000);
	EXPECT_EQ(n, -EAGAIN, "return of the next call");

	assert_int_equal(write(w, expect + 1000, 1000), 1000);
	snprintf(where, sizeof(where), "%s, 1000 bytes there, len 5000",
		 c->name);
	t.len = 5000;
	n = timed_call(&t, &w, 3000);
	EXPECT_EQ(n, 1000, "return");
	check_ledger(&t.l, n, c->path);

	/* The writer leaves: end of input is 0. */
	snprintf(where, sizeof(where), "%s, writer closed", c->name);
	close(w);
	w = -1;
	t.len = ZC_EOF;
	n = timed_call(&t, &w, 3000);
	EXPECT_EQ(n, 0, "return at end of stream");

	if (sink) {
		close(out);
		out = -1;
		got = t_sink_join(sink, &data);
		sink = NULL;
	} else {
		got = t_slurp(out, &data);
	}
	if (got != 2000 || memcmp(data, expect, 2000)) {
		free(data);
		fail_msg("%s: output holds %zu bytes, expected 2000 exact",
			 where, got);
	}
	free(data);
out:
	if (w >= 0)
		close(w);
	if (out >= 0)
		close(out);
	if (sink)
		t_sink_join(sink, NULL);
	if (ofds[1] >= 0)
		close(ofds[1]);
	close(fds[1]);
}

/* --- 4. non-blocking to non-blocking --------------------------------- */

struct proxy_case {
	enum zc_path path;
	char name[64];
};

static void nb_proxy(void **state)
{
	const struct proxy_case *c = *state;
	int in[2], out[2], eagain = 0;
	struct t_source *src;
	struct t_sink *sink;
	struct zc_ledger l;
	size_t done = 0, got;
	uint8_t *data;
	ssize_t n;

	if (c->path != ZC_PATH_AUTO && !zc_path_supported(c->path)) {
		print_message("skip: zc_path_supported(%s) == 0\n",
			      pname(c->path));
		skip();
	}
	snprintf(where, sizeof(where), "%s", c->name);
	t_tcp_pair(in);
	t_tcp_pair(out);
	t_set_sndbuf(out[0], 4096);
	t_set_rcvbuf(out[1], 65536);
	t_set_nonblock(in[1], 1);
	t_set_nonblock(out[0], 1);
	src = t_source_start(in[0], SIZE, SEED, 1);
	sink = t_sink_start(out[1], 4096, 200, 0);
	for (;;) {
		memset(&l, 0xa5, sizeof(l));
		n = zc_copy_path(c->path, out[0], in[1], NULL, ZC_EOF, &l);
		check_ledger(&l, n, c->path);
		if (n == -EAGAIN) {
			struct pollfd pfd[2] = {
				{ .fd = in[1], .events = POLLIN },
				{ .fd = out[0], .events = POLLOUT },
			};

			eagain++;
			assert_true(poll(pfd, 2, 10000) > 0);
			continue;
		}
		if (n < 0)
			fail_msg("%s: returned %zd after %zu bytes", where, n,
				 done);
		if (n == 0)
			break;		/* end of stream */
		done += (size_t)n;
		if (done > SIZE)
			fail_msg("%s: %zu bytes from a %zu-byte stream", where,
				 done, SIZE);
	}
	t_source_join(src);
	close(out[0]);
	got = t_sink_join(sink, &data);
	close(out[1]);
	close(in[1]);
	EXPECT_EQ(done, SIZE, "bytes counted");
	if (got != SIZE || memcmp(data, expect, SIZE)) {
		ssize_t bad = got == SIZE ? t_check(data, got, 0, SEED) : -1;

		free(data);
		fail_msg("%s: reader got %zu bytes (want %zu), first bad byte "
			 "%zd", where, got, SIZE, bad);
	}
	free(data);
	print_message("%s: %d -EAGAIN\n", c->name, eagain);
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
	/* Paths are forced or asserted: keep the small-copy rule out. */
	return zc_tune_set(ZC_TUNE_SMALL_COPY, 0);
}

static int group_teardown(void **state)
{
	(void)state;
	free(expect);
	return 0;
}

static const enum zc_path sock_writers[] = {
	ZC_PATH_AUTO, ZC_PATH_SENDFILE, ZC_PATH_SPLICE, ZC_PATH_READWRITE,
	ZC_PATH_URING_SPLICE, ZC_PATH_URING_RW
};
#define N_SW (sizeof(sock_writers) / sizeof(sock_writers[0]))
static const enum zc_path all_paths[] = {
	ZC_PATH_AUTO, ZC_PATH_COPY_FILE_RANGE, ZC_PATH_SENDFILE,
	ZC_PATH_SPLICE, ZC_PATH_READWRITE, ZC_PATH_URING_SPLICE,
	ZC_PATH_URING_RW
};
#define N_ALL (sizeof(all_paths) / sizeof(all_paths[0]))
static const enum zc_path stream_paths[] = {
	ZC_PATH_AUTO, ZC_PATH_SPLICE, ZC_PATH_READWRITE,
	ZC_PATH_URING_SPLICE, ZC_PATH_URING_RW
};
#define N_STREAM (sizeof(stream_paths) / sizeof(stream_paths[0]))

static void add(struct CMUnitTest *t, size_t *n, const char *name,
		CMUnitTestFunction f, void *c)
{
	t[*n].name = name;
	t[*n].test_func = f;
	t[*n].setup_func = setup;
	t[*n].teardown_func = teardown;
	t[(*n)++].initial_state = c;
}

int main(int argc, char **argv)
{
	size_t nout = N_SW * 2 * 2, nin = N_ALL * 3 * 2, nproxy = N_STREAM;
	struct out_case *oc = calloc(nout, sizeof(*oc));
	struct in_case *ic = calloc(nin, sizeof(*ic));
	struct proxy_case *pc = calloc(nproxy, sizeof(*pc));
	struct CMUnitTest *tests = calloc(nout + nin + nproxy, sizeof(*tests));
	size_t n = 0, i, j = 0;
	int o, k, s;
	int rc;

	if (!oc || !ic || !pc || !tests)
		return 1;
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	signal(SIGALRM, on_alarm);
	t_count_sigpipe();
	for (o = 0; o < 2; o++)
		for (i = 0; i < N_SW; i++)
			for (k = 0; k < 2; k++) {
				struct out_case *c = &oc[j++];

				c->path = sock_writers[i];
				c->out = (enum nb_out)o;
				c->use_off = !k;
				snprintf(c->name, sizeof(c->name),
					 "nb_out/file->%s/%s/%s",
					 o ? "pipe" : "tcp", pname(c->path),
					 k ? "pos" : "in_off");
				add(tests, &n, c->name, nb_output, c);
			}
	j = 0;
	for (k = 0; k < 3; k++)
		for (s = 0; s < 2; s++)
			for (i = 0; i < N_ALL; i++) {
				struct in_case *c = &ic[j++];

				c->path = all_paths[i];
				c->in = (enum nb_in)k;
				c->sock_out = s;
				snprintf(c->name, sizeof(c->name),
					 "nb_in/%s->%s/%s", in_names[k],
					 s ? "unix" : "file", pname(c->path));
				add(tests, &n, c->name, nb_input, c);
			}
	for (i = 0; i < N_STREAM; i++) {
		struct proxy_case *c = &pc[i];

		c->path = stream_paths[i];
		snprintf(c->name, sizeof(c->name), "nb_proxy/tcp->tcp/%s",
			 pname(c->path));
		add(tests, &n, c->name, nb_proxy, c);
	}
	rc = _cmocka_run_group_tests("xfer-nonblock", tests, n, group_setup,
				     group_teardown);
	free(tests);
	free(oc);
	free(ic);
	free(pc);
	return rc;
}
