/* SPDX-License-Identifier: MIT */
/*
 * tests/xfer-matrix.c - every input kind x every output kind x every path
 * (each forced, and the automatic choice), over the sizes 0, 1, 4095, 4096,
 * 65537 and 8 MiB + 3, with and without an explicit offset; the bytes are
 * compared end to end.
 *
 * One cmocka test per (input, output, method); the sizes and the offset
 * variants are looped inside it. The test list is built at run time.
 *
 * Rules each case checks (include/zcio/xfer.h):
 *  1. in_off NULL reads at the file position and advances it; a non-NULL
 *     in_off advances *in_off and leaves the position alone; a stream with
 *     a non-NULL in_off gives -ESPIPE.
 *  2. len is exact (the copy stops at len, the rest stays in the input) or
 *     ZC_EOF; the two alternate over the sizes and variants.
 *  3. A forced path that cannot do the pair gives -ENOTSUP and moves
 *     nothing: the input is read back whole, the output is empty.
 *  4. The ledger: bytes == return, syscalls > 0 when bytes > 0, the path
 *     named, user_copied == bytes for readwrite/uring_rw and 0 otherwise;
 *     for the automatic path (ZC_TUNE_SMALL_COPY 0) the path the ladders
 *     give: file->file copy_file_range on one filesystem, file->socket
 *     sendfile, pipe or socket on either side splice.
 *  5. The process-wide counters move with the ledger.
 *  6. threads/<path>: several threads copy at once, each byte-exact, and
 *     what a thread kept (pipes, rings, buffers) is released when it exits:
 *     no descriptor is left open (LeakSanitizer checks the memory).
 * Usage: xfer-matrix [cmocka test filter, e.g. "disk->tcp*"]
 */
#include <dirent.h>
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
#include <unistd.h>

#include <zcio.h>
#include "helpers.h"

#define SEED 0x5eedu
#define MAX_SIZE ((size_t)(8u << 20) + 3)
/* Wall-clock bound of one test (all its sizes and variants). */
#define CASE_TIMEOUT 120

enum in_kind { IN_DISK, IN_TMPFS, IN_MEMFD, IN_PIPE, IN_TCP, IN_UNIX, IN__N };
enum out_kind { OUT_FILE, OUT_PIPE, OUT_TCP, OUT_UNIX, OUT_NULL, OUT__N };

static const char *const in_names[IN__N] = {
	"disk", "tmpfs", "memfd", "pipe", "tcp", "unix"
};
static const char *const out_names[OUT__N] = {
	"file", "pipe", "tcp", "unix", "null"
};
static const size_t sizes[] = { 0, 1, 4095, 4096, 65537, MAX_SIZE };
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

struct mcase {
	enum in_kind in;
	enum out_kind out;
	enum zc_path path;
	char name[64];
};

/* The input side: the fd the library reads, and what feeds it. */
struct in_end {
	int fd;
	int seekable;
	struct t_source *src;	/* streams: writes the pattern, closes */
	char path[PATH_MAX];	/* files: unlinked at cleanup */
};

/* The output side: the fd the library writes, and what drains it. */
struct out_end {
	int fd;
	int peer;		/* streams: the sink's end */
	struct t_sink *sink;
	char path[PATH_MAX];
};

static uint8_t *expect;		/* MAX_SIZE pattern bytes, seed SEED */
static long small_default;
static const char *current = "?";
static char where[160];		/* the subcase running, for messages */
static struct in_end cur_in = { .fd = -1 };
static struct out_end cur_out = { .fd = -1, .peer = -1 };

/* assert_int_equal, saying which subcase and which quantity. */
#define EXPECT_EQ(got, want, what)					\
	do {								\
		long long g_ = (long long)(got), w_ = (long long)(want);\
		if (g_ != w_)						\
			fail_msg("%s: %s is %lld, expected %lld",	\
				 where, (what), g_, w_);		\
	} while (0)

static const char *path_str(enum zc_path p)
{
	const char *s = zc_path_name(p);

	return s ? s : "?";
}

static void on_alarm(int sig)
{
	char msg[300];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "\nTIMEOUT: %s [%s] still running "
		     "after %d s\n", current, where, CASE_TIMEOUT);
	if (write(2, msg, (size_t)n) < 0)
		_exit(3);
	abort();
}

/* Calls @p, alternating (@alt) between zc_copy_path() and the named entry
 * point so both are covered. */
static ssize_t call_path(enum zc_path p, int alt, int out, int in,
			 off_t *off, size_t len, struct zc_ledger *l)
{
	if (alt & 1)
		return zc_copy_path(p, out, in, off, len, l);
	switch (p) {
	case ZC_PATH_AUTO:
		return zc_copy(out, in, off, len, l);
	case ZC_PATH_COPY_FILE_RANGE:
		return zc_copy_file_range(out, in, off, len, l);
	case ZC_PATH_SENDFILE:
		return zc_sendfile(out, in, off, len, l);
	case ZC_PATH_SPLICE:
		return zc_splice(out, in, off, len, l);
	case ZC_PATH_READWRITE:
		return zc_readwrite(out, in, off, len, l);
	case ZC_PATH_URING_SPLICE:
		return zc_uring_splice(out, in, off, len, l);
	case ZC_PATH_URING_RW:
		return zc_uring_rw(out, in, off, len, l);
	default:
		fail_msg("bad path %d", p);
	}
	return -1;
}

/*
 * Whether forced @p can do @in -> @out on Linux 6.18: 1 yes; 0 no, and the
 * descriptor kinds alone say so (the library can tell without trying);
 * -1 no, the kernel refuses at run time (EXDEV from copy_file_range across
 * filesystems, checked before len, so even a 0-byte copy is refused).
 */
static int can_do(enum zc_path p, enum in_kind in, enum out_kind out)
{
	int in_file = in == IN_DISK || in == IN_TMPFS || in == IN_MEMFD;

	switch (p) {
	case ZC_PATH_COPY_FILE_RANGE:
		if (!in_file || out != OUT_FILE)
			return 0;
		/* The output file is on disk: tmpfs and memfd are EXDEV. */
		return in == IN_DISK ? 1 : -1;
	case ZC_PATH_SENDFILE:
		return in_file;
	default:
		return 1;
	}
}

/* The automatic choice for a pair, with the small-copy rule off; AUTO
 * when the ladders do not pin it down (/dev/null). */
static enum zc_path auto_path(enum in_kind in, enum out_kind out)
{
	int in_file = in == IN_DISK || in == IN_TMPFS || in == IN_MEMFD;

	if (out == OUT_NULL)
		return ZC_PATH_AUTO;
	if (!in_file || out == OUT_PIPE)
		return ZC_PATH_SPLICE;
	if (out == OUT_FILE)
		return in == IN_DISK ? ZC_PATH_COPY_FILE_RANGE :
				       ZC_PATH_SENDFILE;
	return ZC_PATH_SENDFILE;
}

static void in_open(struct in_end *e, enum in_kind k, size_t size)
{
	int fds[2];

	memset(e, 0, sizeof(*e));
	e->fd = -1;
	switch (k) {
	case IN_DISK:
		e->fd = t_file(t_dir_disk(), "in", size, SEED, e->path);
		e->seekable = 1;
		break;
	case IN_TMPFS:
		e->fd = t_file(t_dir_tmpfs(), "in", size, SEED, e->path);
		e->seekable = 1;
		break;
	case IN_MEMFD:
		e->fd = t_memfd(size, SEED);
		e->seekable = 1;
		break;
	case IN_PIPE:
	case IN_TCP:
	case IN_UNIX:
		if (k == IN_PIPE)
			t_pipe(fds);
		else if (k == IN_TCP)
			t_tcp_pair(fds);
		else
			t_unix_pair(fds);
		e->fd = fds[1];
		e->src = t_source_start(fds[0], size, SEED, 1);
		break;
	default:
		fail();
	}
}

/* Reads a stream input to its end and checks it holds the pattern bytes
 * [@from, @to): what the copy must have left in it. */
static void in_drain_check(struct in_end *e, size_t from, size_t to)
{
	size_t cap = to - from + 1, got = 0;
	uint8_t *buf = malloc(cap);
	ssize_t n;

	assert_non_null(buf);
	for (;;) {
		n = read(e->fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == cap)
			break;	/* one byte more than expected: wrong */
	}
	if (got != to - from || memcmp(buf, expect + from, got)) {
		free(buf);
		fail_msg("%s: input left %zu bytes, expected pattern "
			 "[%zu, %zu)",
			 where, got, from, to);
	}
	free(buf);
}

static void in_cleanup(struct in_end *e)
{
	if (e->fd >= 0)
		close(e->fd);	/* unblocks a source still writing */
	e->fd = -1;
	if (e->src)
		t_source_join(e->src);
	e->src = NULL;
	if (e->path[0])
		unlink(e->path);
	e->path[0] = 0;
}

static void out_open(struct out_end *e, enum out_kind k)
{
	int fds[2];

	memset(e, 0, sizeof(*e));
	e->fd = e->peer = -1;
	switch (k) {
	case OUT_FILE:
		e->fd = t_file_empty(t_dir_disk(), "out", O_RDWR, e->path);
		break;
	case OUT_PIPE:
	case OUT_TCP:
	case OUT_UNIX:
		if (k == OUT_PIPE)
			t_pipe(fds);
		else if (k == OUT_TCP)
			t_tcp_pair(fds);
		else
			t_unix_pair(fds);
		e->fd = fds[0];
		e->peer = fds[1];
		e->sink = t_sink_start(e->peer, 0, 0, 0);
		break;
	case OUT_NULL:
		e->fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		assert_true(e->fd >= 0);
		break;
	default:
		fail();
	}
}

/* What reached the output: the file's bytes or what the sink read. For
 * /dev/null, nothing is known (*data NULL, returns SIZE_MAX). */
static size_t out_collect(struct out_end *e, enum out_kind k, uint8_t **data)
{
	size_t got;

	*data = NULL;
	if (k == OUT_NULL)
		return SIZE_MAX;
	if (k == OUT_FILE)
		return t_slurp(e->fd, data);
	close(e->fd);
	e->fd = -1;
	got = t_sink_join(e->sink, data);
	e->sink = NULL;
	return got;
}

static void out_cleanup(struct out_end *e)
{
	if (e->fd >= 0)
		close(e->fd);	/* the sink sees end of stream */
	e->fd = -1;
	if (e->sink)
		t_sink_join(e->sink, NULL);
	e->sink = NULL;
	if (e->peer >= 0)
		close(e->peer);
	e->peer = -1;
	if (e->path[0])
		unlink(e->path);
	e->path[0] = 0;
}

static void stats_all(struct zc_path_stats st[ZC_PATH__COUNT])
{
	int p;

	for (p = 0; p < ZC_PATH__COUNT; p++)
		if (zc_stats_get((enum zc_path)p, &st[p]))
			memset(&st[p], 0, sizeof(st[p]));
}

/* The ledger of a call that returned @n, on forced path @forced (AUTO for
 * the automatic choice, @want_auto the path it must have taken, AUTO when
 * any). */
static void check_ledger(const struct zc_ledger *l, ssize_t n,
			 enum zc_path forced, enum zc_path want_auto)
{
	uint64_t uc;

	if (n < 0) {
		EXPECT_EQ(l->bytes, 0, "ledger.bytes after an error");
		/* ledger.path is checked last (check_error_path). */
		EXPECT_EQ(l->user_copied, 0,
			  "ledger.user_copied after an error");
		return;
	}
	EXPECT_EQ(l->bytes, n, "ledger.bytes");
	EXPECT_EQ(l->from_memory, 0, "ledger.from_memory");
	if (n > 0) {
		if (!l->syscalls)
			fail_msg("%s: ledger.syscalls 0 for %zd bytes", where,
				 n);
		if (forced != ZC_PATH_AUTO) {
			EXPECT_EQ(l->path, forced, "ledger.path");
		} else if (want_auto != ZC_PATH_AUTO) {
			if (l->path != want_auto)
				fail_msg("%s: automatic path %s, expected %s",
					 where, path_str(l->path),
					 path_str(want_auto));
		} else if (l->path == ZC_PATH_AUTO) {
			fail_msg("%s: ledger.path AUTO for %zd bytes", where,
				 n);
		}
	} else if (l->path != ZC_PATH_AUTO && forced != ZC_PATH_AUTO) {
		/* 0 bytes: "AUTO if none" moved; naming the forced path
		 * that ran is accepted too. */
		EXPECT_EQ(l->path, forced, "ledger.path for 0 bytes");
	}
	uc = (l->path == ZC_PATH_READWRITE || l->path == ZC_PATH_URING_RW) ?
		     (uint64_t)n : 0;
	if (l->user_copied != uc)
		fail_msg("%s: user_copied %llu on path %s for %zd bytes", where,
			 (unsigned long long)l->user_copied,
			 path_str(l->path), n);
	if (forced != ZC_PATH_AUTO)
		EXPECT_EQ(l->refused, 0, "ledger.refused on a forced path");
	/* The small-copy rule is off in this program. */
	EXPECT_EQ(l->small, 0, "ledger.small");
}

/* "path: the path that moved the bytes; AUTO if none": after an error
 * none did. Checked last, so a case reports its other faults first. */
static void check_error_path(const struct zc_ledger *l, ssize_t n,
			     enum zc_path forced)
{
	/* xfer.h: "AUTO if none" moved. A forced path that names itself
	 * after failing is reported once, by xfer-faults
	 * (ledger_path_after_error), not by each of these cases. */
	if (n < 0 && l->path != forced)
		EXPECT_EQ(l->path, ZC_PATH_AUTO,
			  "ledger.path after an error (AUTO if none moved)");
}

/* The counters moved by exactly this call (single-threaded here). */
static void check_stats(const struct zc_path_stats *b,
			const struct zc_path_stats *a, ssize_t n,
			const struct zc_ledger *l)
{
	int p;

	for (p = 1; p < ZC_PATH__COUNT; p++) {
		int ran = n > 0 && (int)l->path == p;

		if (a[p].calls - b[p].calls != (uint64_t)ran ||
		    a[p].bytes - b[p].bytes != (ran ? (uint64_t)n : 0) ||
		    a[p].user_copied - b[p].user_copied !=
			    (ran ? l->user_copied : 0))
			fail_msg("%s: zc_stats of %s moved by calls %llu bytes "
				 "%llu user_copied %llu (call: %zd bytes on "
				 "%s)",
				 where, path_str((enum zc_path)p),
				 (unsigned long long)(a[p].calls - b[p].calls),
				 (unsigned long long)(a[p].bytes - b[p].bytes),
				 (unsigned long long)(a[p].user_copied -
						      b[p].user_copied),
				 n, path_str(l->path));
	}
}

/* One size and variant: @v 1 means an explicit in_off (files), @alt picks
 * the entry point and, with @si, ZC_EOF or an exact len. */
static void run_one(const struct mcase *c, size_t si, int v)
{
	struct zc_path_stats sb[ZC_PATH__COUNT], sa[ZC_PATH__COUNT];
	size_t size = sizes[si], remaining, want, len, got;
	off_t start = 0, marker = 0, off = 0, *offp = NULL;
	int exact = (int)((si + (size_t)v) & 1), can;
	struct zc_ledger l;
	uint8_t *data;
	int sigpipes = t_sigpipes();
	ssize_t n;

	can = can_do(c->path, c->in, c->out);
	in_open(&cur_in, c->in, size);
	out_open(&cur_out, c->out);
	if (cur_in.seekable) {
		if (v) {
			off = size >= 4 ? 3 : 0;
			start = off;
			marker = size >= 1 ? 1 : 0;
			offp = &off;
		} else {
			start = size >= 4096 ? (off_t)(size / 2 + 1) : 0;
			marker = start;
		}
		assert_int_equal(lseek(cur_in.fd, marker, SEEK_SET), marker);
	}
	remaining = size - (size_t)start;
	len = exact ? (remaining > 1 ? remaining - 1 : remaining) : ZC_EOF;
	want = exact ? len : remaining;
	snprintf(where, sizeof(where), "%s size %zu %s len %s%zu", c->name,
		 size, offp ? "in_off 3" : cur_in.seekable ? "pos" : "stream",
		 exact ? "" : "ZC_EOF/", want);

	stats_all(sb);
	memset(&l, 0xa5, sizeof(l));
	n = call_path(c->path, (int)si, cur_out.fd, cur_in.fd, offp, len, &l);
	stats_all(sa);

	if (can <= 0) {
		/* A 0-byte copy may end before asking the kernel here; that
		 * a forced path still refuses a pair it can never do at
		 * len 0 is xfer-fallback's forced_refusal_len0, so one root
		 * cause fails one test. */
		if (!(want == 0 && n == 0) && n != -ENOTSUP)
			fail_msg("%s: forced %s on %s->%s returned %zd, "
				 "expected -ENOTSUP (%d)", where,
				 path_str(c->path), in_names[c->in],
				 out_names[c->out], n, -ENOTSUP);
		want = 0;
	} else if (n != (ssize_t)want) {
		fail_msg("%s: returned %zd, expected %zu", where, n, want);
	}
	check_ledger(&l, n, c->path, auto_path(c->in, c->out));
	check_stats(sb, sa, n, &l);

	/* Positions: in_off advanced and the file position left alone, or
	 * the file position advanced. */
	if (cur_in.seekable) {
		off_t pos = lseek(cur_in.fd, 0, SEEK_CUR);

		if (offp) {
			EXPECT_EQ(off, start + (off_t)want, "*in_off after");
			EXPECT_EQ(pos, marker,
				  "file position after (in_off given)");
		} else {
			EXPECT_EQ(pos, start + (off_t)want,
				  "file position after");
		}
	}

	/* The bytes, end to end. */
	got = out_collect(&cur_out, c->out, &data);
	if (got != SIZE_MAX) {
		if (got != want || memcmp(data, expect + start, want)) {
			ssize_t bad = got == want ? t_check(data, got,
					(uint64_t)start, SEED) : -1;
			free(data);
			fail_msg("%s: output has %zu bytes (want %zu), first "
				 "bad byte %zd", where, got, want, bad);
		}
		if (c->out == OUT_FILE)
			EXPECT_EQ(lseek(cur_out.fd, 0, SEEK_CUR), want,
				  "output file position after");
	}
	free(data);
	if (!cur_in.seekable)
		in_drain_check(&cur_in, want, size);
	in_cleanup(&cur_in);
	out_cleanup(&cur_out);
	EXPECT_EQ(t_sigpipes() - sigpipes, 0, "SIGPIPEs delivered");
	check_error_path(&l, n, c->path);
}

/* A stream input with a non-NULL in_off: -ESPIPE, nothing consumed. */
static void run_espipe(const struct mcase *c)
{
	struct zc_ledger l;
	off_t off = 0;
	uint8_t *data;
	size_t got;
	ssize_t n;

	in_open(&cur_in, c->in, 4096);
	out_open(&cur_out, c->out);
	snprintf(where, sizeof(where), "%s stream with in_off", c->name);
	memset(&l, 0xa5, sizeof(l));
	n = call_path(c->path, 0, cur_out.fd, cur_in.fd, &off, ZC_EOF, &l);
	/* A forced path that cannot read a stream at all may say so first. */
	if (!(n == -ESPIPE || (can_do(c->path, c->in, c->out) <= 0 &&
			       n == -ENOTSUP)))
		fail_msg("%s: returned %zd, expected -ESPIPE (%d)", where, n,
			 -ESPIPE);
	check_ledger(&l, n, c->path, ZC_PATH_AUTO);
	EXPECT_EQ(off, 0, "*in_off after -ESPIPE");
	got = out_collect(&cur_out, c->out, &data);
	if (got != SIZE_MAX && got != 0) {
		free(data);
		fail_msg("%s: %zu bytes reached the output", where, got);
	}
	free(data);
	in_drain_check(&cur_in, 0, 4096);
	in_cleanup(&cur_in);
	out_cleanup(&cur_out);
	check_error_path(&l, n, c->path);
}

static void run_case(void **state)
{
	const struct mcase *c = *state;
	size_t si;
	int v;

	if (c->path != ZC_PATH_AUTO && !zc_path_supported(c->path)) {
		print_message("skip: %s: zc_path_supported(%s) == 0 on this "
			      "kernel\n", c->name, path_str(c->path));
		skip();
	}
	for (si = 0; si < N_SIZES; si++)
		for (v = 0; v < 2; v++)
			run_one(c, si, v);
	if (c->in == IN_PIPE || c->in == IN_TCP || c->in == IN_UNIX)
		run_espipe(c);
}

static int case_setup(void **state)
{
	const struct mcase *c = *state;

	current = c->name;
	where[0] = 0;
	alarm(CASE_TIMEOUT);
	return 0;
}

static int case_teardown(void **state)
{
	(void)state;
	/* After a failed assertion: unblock and join the threads. */
	in_cleanup(&cur_in);
	out_cleanup(&cur_out);
	alarm(0);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	expect = malloc(MAX_SIZE);
	if (!expect)
		return -1;
	t_fill(expect, MAX_SIZE, 0, SEED);
	small_default = zc_tune_get(ZC_TUNE_SMALL_COPY);
	/* The automatic path is asserted with the small-copy rule off;
	 * xfer-fallback tests the rule. */
	if (zc_tune_set(ZC_TUNE_SMALL_COPY, 0))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (small_default >= 0)
		zc_tune_set(ZC_TUNE_SMALL_COPY, small_default);
	free(expect);
	expect = NULL;
	return 0;
}

/* --- 6. threads ------------------------------------------------------ */

#define N_THREADS 4
#define THREAD_COPIES 6
#define THREAD_SIZE ((size_t)200003)

struct worker {
	pthread_t tid;
	enum zc_path path;
	int index;
	int in;			/* made by the main thread: t_file is not
				 * thread-safe (one static chunk) */
	char err[200];
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* One copy file -> UNIX socket, then UNIX socket -> file (where the path
 * can read a socket), checked; 0 or an error message in @w->err. */
static int worker_copy(struct worker *w, int round)
{
	char name[64];
	int s[2], out;
	struct t_sink *sink;
	struct t_source *src;
	struct zc_ledger l;
	off_t off = 0;
	uint8_t *data;
	size_t got;
	ssize_t n;

	t_unix_pair(s);
	sink = t_sink_start(s[1], 0, 0, 0);
	n = zc_copy_path(w->path, s[0], w->in, &off, ZC_EOF, &l);
	close(s[0]);
	got = t_sink_join(sink, &data);
	close(s[1]);
	if (n != (ssize_t)THREAD_SIZE || got != THREAD_SIZE ||
	    memcmp(data, expect, THREAD_SIZE)) {
		snprintf(w->err, sizeof(w->err), "file->unix round %d: "
			 "returned %zd, reader got %zu", round, n, got);
		free(data);
		return -1;
	}
	free(data);
	if (w->path == ZC_PATH_SENDFILE)
		return 0;	/* cannot read a socket */
	snprintf(name, sizeof(name), "thr-out-%d-%d", w->index, round);
	out = t_file_empty(t_dir_disk(), name, O_RDWR, NULL);
	t_unix_pair(s);
	src = t_source_start(s[0], THREAD_SIZE, SEED, 1);
	n = zc_copy_path(w->path, out, s[1], NULL, ZC_EOF, &l);
	t_source_join(src);
	close(s[1]);
	got = t_slurp(out, &data);
	close(out);
	if (n != (ssize_t)THREAD_SIZE || got != THREAD_SIZE ||
	    memcmp(data, expect, THREAD_SIZE)) {
		snprintf(w->err, sizeof(w->err), "unix->file round %d: "
			 "returned %zd, file has %zu", round, n, got);
		free(data);
		return -1;
	}
	free(data);
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int r;

	for (r = 0; r < THREAD_COPIES; r++)
		if (worker_copy(w, r))
			break;
	return NULL;
}

static void run_threads(void **state)
{
	const struct mcase *c = *state;
	struct worker w[N_THREADS];
	int i, before, after;

	if (c->path != ZC_PATH_AUTO && !zc_path_supported(c->path)) {
		print_message("skip: zc_path_supported(%s) == 0\n",
			      path_str(c->path));
		skip();
	}
	snprintf(where, sizeof(where), "%s", c->name);
	before = count_fds();
	memset(w, 0, sizeof(w));
	for (i = 0; i < N_THREADS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "thr-in-%d", i);
		w[i].in = t_file(t_dir_disk(), name, THREAD_SIZE, SEED, NULL);
		w[i].path = c->path;
		w[i].index = i;
		assert_int_equal(pthread_create(&w[i].tid, NULL, worker_main,
						&w[i]), 0);
	}
	for (i = 0; i < N_THREADS; i++) {
		pthread_join(w[i].tid, NULL);
		close(w[i].in);
	}
	for (i = 0; i < N_THREADS; i++)
		if (w[i].err[0])
			fail_msg("%s: thread %d: %s", where, i, w[i].err);
	after = count_fds();
	if (after != before)
		fail_msg("%s: %d descriptors open before the threads, %d after "
			 "they exited (per-thread pipes/rings not released)",
			 where, before, after);
}

int main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	struct mcase *cases;
	size_t n = 0, max = IN__N * OUT__N * ZC_PATH__COUNT + ZC_PATH__COUNT;
	int in, out, p, rc;

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	signal(SIGALRM, on_alarm);
	/* Counts, never ignores: the library must not raise SIGPIPE, and a
	 * source cut off by a failed case must not kill the run. */
	t_count_sigpipe();
	cases = calloc(max, sizeof(*cases));
	tests = calloc(max, sizeof(*tests));
	if (!cases || !tests)
		return 1;
	for (in = 0; in < IN__N; in++)
		for (out = 0; out < OUT__N; out++)
			for (p = 0; p < ZC_PATH__COUNT; p++) {
				struct mcase *c = &cases[n];

				c->in = (enum in_kind)in;
				c->out = (enum out_kind)out;
				c->path = (enum zc_path)p;
				snprintf(c->name, sizeof(c->name), "%s->%s/%s",
					 in_names[in], out_names[out],
					 path_str(c->path));
				tests[n].name = c->name;
				tests[n].test_func = run_case;
				tests[n].setup_func = case_setup;
				tests[n].teardown_func = case_teardown;
				tests[n].initial_state = c;
				n++;
			}
	for (p = 0; p < ZC_PATH__COUNT; p++) {
		struct mcase *c = &cases[n];

		if (p == ZC_PATH_COPY_FILE_RANGE)
			continue;	/* cannot write a socket */
		c->path = (enum zc_path)p;
		snprintf(c->name, sizeof(c->name), "threads/%s",
			 path_str(c->path));
		tests[n].name = c->name;
		tests[n].test_func = run_threads;
		tests[n].setup_func = case_setup;
		tests[n].teardown_func = case_teardown;
		tests[n].initial_state = c;
		n++;
	}
	rc = _cmocka_run_group_tests("xfer-matrix", tests, n, group_setup,
				     group_teardown);
	free(tests);
	free(cases);
	return rc;
}
