/* SPDX-License-Identifier: MIT */
/*
 * tests/chain-send.c - zcio/chain.h: building chains (merging adjacent file
 * ranges, growing past the inline ring), consuming them, and sending them
 * to TCP and UNIX sockets, pipes and regular files, byte-exact end to end,
 * including partial sends to a slow reader, truncated files, closed peers
 * (no SIGPIPE) and the ledger.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zcio.h>

#include "helpers.h"

/* The bytes a chain should deliver, built up as pieces are appended. */
struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *p, size_t n)
{
	if (b->cap - b->len < n) {
		b->cap = (b->cap + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void bytes_add_file(struct bytes *b, int fd, off_t off, size_t n)
{
	uint8_t *tmp = malloc(n);

	assert_non_null(tmp);
	assert_int_equal(pread(fd, tmp, n, off), (ssize_t)n);
	bytes_add(b, tmp, n);
	free(tmp);
}

/* Asserts that @n bytes at @got are @want (and says where they differ). */
static void same_bytes(const uint8_t *got, size_t n, const struct bytes *want)
{
	size_t i;

	assert_int_equal(n, want->len);
	for (i = 0; i < n && got[i] == want->p[i]; i++)
		;
	if (i < n)
		fail_msg("byte %zu of %zu differs: %#x, want %#x", i, n,
			 got[i], want->p[i]);
}

/* Closes @wfd to end the stream, then checks what the sink read. */
static void sink_check(struct t_sink *sink, int wfd, const struct bytes *want)
{
	uint8_t *got;
	size_t n;

	close(wfd);
	n = t_sink_join(sink, &got);
	same_bytes(got, n, want);
	free(got);
}

static int fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static int disposed;

static void free_dispose(void *opaque, void *data, size_t size)
{
	(void)opaque;
	(void)size;
	disposed++;
	free(data);
}

/* A deterministic generator, so that a failure can be replayed. */
static uint32_t rnd(void)
{
	static uint32_t x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static void expect_abort(void (*fn)(void))
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (!pid) {
		signal(SIGABRT, SIG_DFL);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
}

static void header_file_tcp(void **state)
{
	static const char hdr[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 500000\r\n\r\n";
	size_t hlen = strlen(hdr), total = hlen + 500000;
	struct bytes want = { 0 };
	struct zc_ledger l;
	struct t_sink *sink;
	struct zc_chain c;
	struct zc_buf *f;
	int s[2], fd;

	(void)state;
	t_tcp_pair(s);
	fd = t_file(t_dir_disk(), "body", 1 << 20, 11, NULL);
	f = zc_buf_file(fd, 1, NULL);
	assert_non_null(f);
	zc_chain_init(&c);
	assert_int_equal(zc_chain_append_copy(&c, hdr, hlen), 0);
	assert_int_equal(zc_chain_append_file(&c, f, 1000, 500000), 0);
	bytes_add(&want, hdr, hlen);
	bytes_add_file(&want, fd, 1000, 500000);
	/* The chain's reference keeps the store (and its fd) alive. */
	zc_buf_unref(f);
	assert_int_equal(zc_chain_pieces(&c), 2);
	assert_int_equal(zc_chain_bytes(&c), total);

	sink = t_sink_start(s[1], 0, 0, 0);
	assert_int_equal(zc_chain_send(s[0], &c, &l), (ssize_t)total);
	assert_int_equal(zc_chain_bytes(&c), 0);
	assert_int_equal(zc_chain_pieces(&c), 0);
	assert_int_equal(l.path, ZC_PATH_SENDFILE);
	assert_int_equal(l.bytes, total);
	assert_int_equal(l.from_memory, hlen);
	assert_int_equal(l.user_copied, 0);
	assert_true(l.syscalls >= 2);
	/* The owned fd went with the last reference, the finished piece. */
	assert_false(fd_open(fd));
	sink_check(sink, s[0], &want);
	close(s[1]);
	free(want.p);
	zc_chain_exit(&c);
}

#define NBUFS 40
#define BUFSZ 2048
#define NSLICES 1000

struct mixed {
	struct zc_chain c;
	struct bytes want;
	struct zc_buf *bufs[NBUFS];
	struct zc_buf *stores[2];
	int store_fds[2];
	int memfd, memfds[NBUFS];
	uint32_t pieces;
	size_t mem_bytes;
	int wraps;
};

/* Buffers of four kinds, each holding distinct pattern bytes. */
static void mixed_bufs(struct mixed *m)
{
	uint8_t tmp[BUFSZ];
	int i, err;

	for (i = 0; i < NBUFS; i++) {
		uint8_t *mem;

		t_fill(tmp, BUFSZ, (uint64_t)i * 4096, 100 + (unsigned int)i);
		m->memfds[i] = -1;
		switch (i % 4) {
		case 0:
			m->bufs[i] = zc_buf_new(BUFSZ, &err);
			assert_non_null(m->bufs[i]);
			memcpy(m->bufs[i]->data, tmp, BUFSZ);
			break;
		case 1:
			mem = malloc(BUFSZ);
			assert_non_null(mem);
			memcpy(mem, tmp, BUFSZ);
			m->bufs[i] = zc_buf_wrap(mem, BUFSZ, free_dispose,
						 NULL, &err);
			m->wraps++;
			break;
		case 2:
			m->bufs[i] = zc_buf_memfd(BUFSZ, "chain", &err);
			assert_non_null(m->bufs[i]);
			memcpy(m->bufs[i]->data, tmp, BUFSZ);
			m->memfds[i] = m->bufs[i]->fd;
			break;
		default:
			m->bufs[i] = zc_buf_copy(tmp, BUFSZ, &err);
			break;
		}
		assert_non_null(m->bufs[i]);
	}
}

/* A slice of a random buffer, appended and then dropped by its maker. */
static void mixed_slice(struct mixed *m)
{
	struct zc_buf *b = m->bufs[rnd() % NBUFS];
	size_t off = rnd() % BUFSZ, len;
	struct zc_slice s;

	len = 1 + rnd() % (BUFSZ - off < 200 ? BUFSZ - off : 200);
	assert_int_equal(zc_slice_init(&s, b, off, len), 0);
	assert_int_equal(zc_chain_append_slice(&m->c, &s), 0);
	zc_slice_exit(&s);
	bytes_add(&m->want, b->data + off, len);
	m->mem_bytes += len;
	m->pieces++;
}

/*
 * Two or three ranges of one file back to back (one piece once merged),
 * then one that leaves a gap (a piece of its own). File 2 is a bare fd.
 */
static void mixed_ranges(struct mixed *m)
{
	unsigned int k = rnd() % 3;
	int fd = k < 2 ? m->store_fds[k] : m->memfd;
	off_t off = rnd() % 100000;
	int i, n = 2 + (int)(rnd() % 2);
	size_t len;

	for (i = 0; i <= n; i++) {
		len = 1 + rnd() % 6000;
		if (i == n)
			off += 1 + rnd() % 100;
		if (k < 2)
			assert_int_equal(zc_chain_append_file(&m->c,
					 m->stores[k], off, len), 0);
		else
			assert_int_equal(zc_chain_append_fd(&m->c, fd, off,
							    len), 0);
		bytes_add_file(&m->want, fd, off, len);
		off += (off_t)len;
	}
	m->pieces += 2;
}

static void mixed_build(struct mixed *m)
{
	int i;

	mixed_bufs(m);
	m->store_fds[0] = t_file(t_dir_disk(), "mixed-a", 200000, 21, NULL);
	m->store_fds[1] = t_file(t_dir_tmpfs(), "mixed-b", 200000, 22, NULL);
	m->memfd = t_memfd(200000, 23);
	for (i = 0; i < 2; i++) {
		m->stores[i] = zc_buf_file(m->store_fds[i], 0, NULL);
		assert_non_null(m->stores[i]);
	}
	zc_chain_init(&m->c);
	for (i = 0; i < NSLICES; i++) {
		mixed_slice(m);
		if (i % 25 == 24)
			mixed_ranges(m);
		assert_int_equal(zc_chain_pieces(&m->c), m->pieces);
	}
	assert_int_equal(zc_chain_bytes(&m->c), m->want.len);
	/* Only the chain holds the buffers now, but for the heap ones. */
	for (i = 0; i < NBUFS; i++)
		if (i % 4)
			zc_buf_unref(m->bufs[i]);
	for (i = 0; i < 2; i++)
		zc_buf_unref(m->stores[i]);
}

/* Everything the chain held was released when it emptied. */
static void mixed_done(struct mixed *m)
{
	int i;

	assert_int_equal(disposed, m->wraps);
	for (i = 0; i < NBUFS; i++) {
		if (i % 4 == 0) {
			assert_int_equal(zc_buf_refs(m->bufs[i]), 1);
			zc_buf_unref(m->bufs[i]);
		}
		if (m->memfds[i] >= 0)
			assert_false(fd_open(m->memfds[i]));
	}
	for (i = 0; i < 2; i++)
		close(m->store_fds[i]);
	close(m->memfd);
	zc_chain_exit(&m->c);
	free(m->want.p);
}

static void wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	assert_int_equal(poll(&pfd, 1, 10000), 1);
}

/*
 * 1000 slices and 40 runs of file ranges to a slow reader through a tiny
 * non-blocking socket: every call is partial or -EAGAIN, and each must
 * take exactly what it reports.
 */
static void slow_reader_nonblocking(void **state)
{
	struct mixed *m = calloc(1, sizeof(*m));
	uint64_t before, mem = 0;
	int s[2], eagain = 0, partial = 0;
	struct t_sink *sink;
	struct zc_ledger l;
	ssize_t ret;

	(void)state;
	assert_non_null(m);
	disposed = 0;
	mixed_build(m);
	t_tcp_pair(s);
	/*
	 * A receive buffer as small as the send buffer makes TCP stall on
	 * zero-window probes (seconds); 64 KiB keeps the window open while
	 * the 1 KiB reads still fill it dozens of times.
	 */
	t_set_sndbuf(s[0], 4096);
	t_set_rcvbuf(s[1], 65536);
	t_set_nonblock(s[0], 1);
	sink = t_sink_start(s[1], 1024, 100, 0);
	while (zc_chain_bytes(&m->c)) {
		before = zc_chain_bytes(&m->c);
		ret = zc_chain_send(s[0], &m->c, &l);
		if (ret == -EAGAIN) {
			eagain++;
			assert_int_equal(zc_chain_bytes(&m->c), before);
			assert_int_equal(l.bytes, 0);
			wait_writable(s[0]);
			continue;
		}
		assert_true(ret > 0);
		assert_int_equal(before - zc_chain_bytes(&m->c), ret);
		assert_int_equal(l.bytes, ret);
		assert_true(l.from_memory <= (uint64_t)ret);
		if (l.from_memory < (uint64_t)ret)
			assert_int_equal(l.path, ZC_PATH_SENDFILE);
		mem += l.from_memory;
		if (zc_chain_bytes(&m->c))
			partial++;
	}
	assert_true(partial > 10);
	assert_true(eagain > 0);
	assert_int_equal(mem, m->mem_bytes);
	sink_check(sink, s[0], &m->want);
	close(s[1]);
	mixed_done(m);
	free(m);
}

/* The same mix through a UNIX socket, blocking: one call sends it all. */
static void unix_socket(void **state)
{
	struct mixed *m = calloc(1, sizeof(*m));
	struct t_sink *sink;
	struct zc_ledger l;
	int s[2];

	(void)state;
	assert_non_null(m);
	disposed = 0;
	mixed_build(m);
	t_unix_pair(s);
	sink = t_sink_start(s[1], 0, 0, 0);
	assert_int_equal(zc_chain_send(s[0], &m->c, &l), m->want.len);
	assert_int_equal(l.from_memory, m->mem_bytes);
	assert_int_equal(l.path, ZC_PATH_SENDFILE);
	sink_check(sink, s[0], &m->want);
	close(s[1]);
	mixed_done(m);
	free(m);
}

/* A pipe is not a socket: writev for memory, sendfile for ranges. */
static void pipe_out(void **state)
{
	struct mixed *m = calloc(1, sizeof(*m));
	struct t_sink *sink;
	struct zc_ledger l;
	int p[2];

	(void)state;
	assert_non_null(m);
	disposed = 0;
	mixed_build(m);
	t_pipe(p);
	sink = t_sink_start(p[1], 0, 0, 0);
	assert_int_equal(zc_chain_send(p[0], &m->c, &l), m->want.len);
	assert_int_equal(l.from_memory, m->mem_bytes);
	assert_int_equal(l.path, ZC_PATH_SENDFILE);
	assert_int_equal(l.refused, 0);
	sink_check(sink, p[0], &m->want);
	close(p[1]);
	mixed_done(m);
	free(m);
}

/* A non-blocking pipe with a slow reader: partial sends through writev. */
static void pipe_nonblocking(void **state)
{
	struct mixed *m = calloc(1, sizeof(*m));
	int p[2], partial = 0;
	struct t_sink *sink;
	uint64_t before;
	ssize_t ret;

	(void)state;
	assert_non_null(m);
	disposed = 0;
	mixed_build(m);
	t_pipe(p);
	assert_true(fcntl(p[0], F_SETPIPE_SZ, 4096) >= 0);
	t_set_nonblock(p[0], 1);
	sink = t_sink_start(p[1], 1000, 200, 0);
	while (zc_chain_bytes(&m->c)) {
		before = zc_chain_bytes(&m->c);
		ret = zc_chain_send(p[0], &m->c, NULL);
		if (ret == -EAGAIN) {
			wait_writable(p[0]);
			continue;
		}
		assert_true(ret > 0);
		assert_int_equal(before - zc_chain_bytes(&m->c), ret);
		partial += zc_chain_bytes(&m->c) > 0;
	}
	assert_true(partial > 0);
	sink_check(sink, p[0], &m->want);
	close(p[1]);
	mixed_done(m);
	free(m);
}

/* A regular file as output, and the same with O_APPEND, which sendfile
 * refuses (EINVAL): the ranges then go by the automatic ladder. */
static void file_out(int append)
{
	struct mixed *m = calloc(1, sizeof(*m));
	struct zc_ledger l;
	uint8_t *got;
	size_t n;
	int out;

	assert_non_null(m);
	disposed = 0;
	mixed_build(m);
	out = t_file_empty(t_dir_disk(), append ? "out-append" : "out",
			   O_RDWR | (append ? O_APPEND : 0), NULL);
	assert_int_equal(zc_chain_send(out, &m->c, &l), m->want.len);
	assert_int_equal(l.from_memory, m->mem_bytes);
	if (append) {
		assert_true(l.refused >= 1);
		assert_int_not_equal(l.path, ZC_PATH_SENDFILE);
		assert_int_not_equal(l.path, ZC_PATH_AUTO);
	} else {
		assert_int_equal(l.path, ZC_PATH_SENDFILE);
		assert_int_equal(l.refused, 0);
	}
	n = t_slurp(out, &got);
	same_bytes(got, n, &m->want);
	free(got);
	close(out);
	mixed_done(m);
	free(m);
}

static void file_out_plain(void **state)
{
	(void)state;
	file_out(0);
}

static void file_out_append(void **state)
{
	(void)state;
	file_out(1);
}

/*
 * A file cut short under its range: the bytes that exist go, then
 * -ENODATA, again on every later call, and the rest stays in the chain.
 */
static void truncated_file(void **state)
{
	static const char hdr[] = "HEADER", trl[] = "TRAILER";
	struct bytes want = { 0 };
	struct t_sink *sink;
	struct zc_ledger l;
	struct zc_chain c;
	struct zc_buf *f;
	int s[2], fd;

	(void)state;
	fd = t_file(t_dir_disk(), "shrinks", 100000, 31, NULL);
	f = zc_buf_file(fd, 1, NULL);
	assert_non_null(f);
	zc_chain_init(&c);
	assert_int_equal(zc_chain_append_copy(&c, hdr, 6), 0);
	assert_int_equal(zc_chain_append_file(&c, f, 0, 100000), 0);
	assert_int_equal(zc_chain_append_ptr(&c, trl, 7), 0);
	zc_buf_unref(f);
	bytes_add(&want, hdr, 6);
	bytes_add_file(&want, fd, 0, 40000);
	assert_int_equal(ftruncate(fd, 40000), 0);

	t_tcp_pair(s);
	sink = t_sink_start(s[1], 0, 0, 0);
	assert_int_equal(zc_chain_send(s[0], &c, &l), 6 + 40000);
	assert_int_equal(l.path, ZC_PATH_SENDFILE);
	assert_int_equal(zc_chain_bytes(&c), 60000 + 7);
	assert_int_equal(zc_chain_send(s[0], &c, &l), -ENODATA);
	assert_int_equal(l.bytes, 0);
	assert_int_equal(zc_chain_send(s[0], &c, NULL), -ENODATA);
	assert_int_equal(zc_chain_bytes(&c), 60000 + 7);
	assert_int_equal(zc_chain_pieces(&c), 2);
	sink_check(sink, s[0], &want);
	close(s[1]);
	zc_chain_exit(&c);
	assert_false(fd_open(fd));
	free(want.p);
}

/* The same through the fallback: sendfile refused, the ladder sees EOF. */
static void truncated_file_fallback(void **state)
{
	struct zc_chain c;
	uint8_t *got;
	int fd, out;
	size_t n;

	(void)state;
	fd = t_file(t_dir_disk(), "shrinks2", 50000, 32, NULL);
	out = t_file_empty(t_dir_disk(), "out-append2", O_RDWR | O_APPEND,
			   NULL);
	zc_chain_init(&c);
	assert_int_equal(zc_chain_append_fd(&c, fd, 10000, 40000), 0);
	assert_int_equal(ftruncate(fd, 30000), 0);
	assert_int_equal(zc_chain_send(out, &c, NULL), 20000);
	assert_int_equal(zc_chain_send(out, &c, NULL), -ENODATA);
	assert_int_equal(zc_chain_bytes(&c), 20000);
	n = t_slurp(out, &got);
	assert_int_equal(n, 20000);
	assert_int_equal(t_check(got, n, 10000, 32), -1);
	free(got);
	zc_chain_exit(&c);
	close(fd);
	close(out);
}

/* A chain of one memory piece and one file range, for the EPIPE tests. */
static void epipe_chain(struct zc_chain *c, int fd, int file_first)
{
	zc_chain_init(c);
	if (file_first)
		assert_int_equal(zc_chain_append_fd(c, fd, 0, 300000), 0);
	assert_int_equal(zc_chain_append_copy(c, "hello", 5), 0);
	if (!file_first)
		assert_int_equal(zc_chain_append_fd(c, fd, 0, 300000), 0);
}

/* Sends until the error; the closed peer must say -EPIPE. */
static void expect_epipe(int out, int fd, int file_first)
{
	struct zc_chain c;
	ssize_t ret;
	int i;

	epipe_chain(&c, fd, file_first);
	for (i = 0; i < 100; i++) {
		ret = zc_chain_send(out, &c, NULL);
		if (ret < 0)
			break;
	}
	assert_int_equal(ret, -EPIPE);
	assert_true(zc_chain_bytes(&c) > 0);
	assert_int_equal(zc_chain_send(out, &c, NULL), -EPIPE);
	zc_chain_exit(&c);
}

static void peer_closed(void **state)
{
	int p[2], fd, i;

	(void)state;
	t_count_sigpipe();
	assert_int_equal(zc_tune_set(ZC_TUNE_SIGPIPE_GUARD, 1), 0);
	fd = t_file(t_dir_tmpfs(), "epipe", 300000, 41, NULL);
	for (i = 0; i < 2; i++) {
		/* Pipes: writev and sendfile both raise SIGPIPE. */
		t_pipe(p);
		close(p[1]);
		expect_epipe(p[0], fd, i);
		close(p[0]);
		/* UNIX sockets: sendmsg has MSG_NOSIGNAL, sendfile not. */
		t_unix_pair(p);
		close(p[1]);
		expect_epipe(p[0], fd, i);
		close(p[0]);
		/* TCP: the first sends may still go before the RST. */
		t_tcp_pair(p);
		close(p[1]);
		usleep(10000);
		expect_epipe(p[0], fd, i);
		close(p[0]);
	}
	assert_int_equal(t_sigpipes(), 0);
	close(fd);
}

/* The control: without the guard the very same send raises SIGPIPE, so
 * the test above would have seen one. */
static void peer_closed_unguarded(void **state)
{
	struct zc_chain c;
	int p[2], before;

	(void)state;
	t_count_sigpipe();
	before = t_sigpipes();
	assert_int_equal(zc_tune_set(ZC_TUNE_SIGPIPE_GUARD, 0), 0);
	t_pipe(p);
	close(p[1]);
	zc_chain_init(&c);
	assert_int_equal(zc_chain_append_copy(&c, "x", 1), 0);
	assert_int_equal(zc_chain_send(p[0], &c, NULL), -EPIPE);
	assert_int_equal(zc_tune_set(ZC_TUNE_SIGPIPE_GUARD, 1), 0);
	assert_int_equal(t_sigpipes(), before + 1);
	zc_chain_exit(&c);
	close(p[0]);
}

static void read_exact(int fd, uint8_t *p, size_t n)
{
	ssize_t r;

	while (n) {
		r = read(fd, p, n);
		assert_true(r > 0);
		p += r;
		n -= (size_t)r;
	}
}

static void consume_arith(void **state)
{
	uint8_t got[64], want[64];
	struct zc_chain c;
	struct zc_buf *b;
	int p[2], fd;

	(void)state;
	fd = t_file(t_dir_tmpfs(), "consume", 1000, 51, NULL);
	b = zc_buf_copy("0123456789abcdefghij", 20, NULL);
	assert_non_null(b);
	zc_chain_init(&c);
	assert_int_equal(zc_chain_append_mem(&c, b, b->data, 10), 0);
	assert_int_equal(zc_chain_append_mem(&c, b, b->data + 10, 10), 0);
	assert_int_equal(zc_chain_append_fd(&c, fd, 100, 30), 0);
	assert_int_equal(zc_chain_append_ptr(&c, "XYZ12", 5), 0);
	assert_int_equal(zc_chain_bytes(&c), 55);
	assert_int_equal(zc_buf_refs(b), 3);

	zc_chain_consume(&c, 0);
	assert_int_equal(zc_chain_bytes(&c), 55);
	zc_chain_consume(&c, 4);
	assert_int_equal(zc_chain_pieces(&c), 4);
	assert_int_equal(zc_chain_bytes(&c), 51);
	/* The rest of the first piece: it goes, with its reference. */
	zc_chain_consume(&c, 6);
	assert_int_equal(zc_chain_pieces(&c), 3);
	assert_int_equal(zc_buf_refs(b), 2);
	/* Across the end of the second into the file range. */
	zc_chain_consume(&c, 3);
	zc_chain_consume(&c, 7 + 5);
	assert_int_equal(zc_chain_pieces(&c), 2);
	assert_int_equal(zc_chain_bytes(&c), 25 + 5);
	assert_int_equal(zc_buf_refs(b), 1);

	t_pipe(p);
	assert_int_equal(zc_chain_send(p[0], &c, NULL), 30);
	read_exact(p[1], got, 30);
	t_fill(want, 25, 105, 51);
	memcpy(want + 25, "XYZ12", 5);
	assert_memory_equal(got, want, 30);
	assert_int_equal(zc_chain_pieces(&c), 0);

	zc_buf_unref(b);
	zc_chain_exit(&c);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void consume_too_much(void)
{
	struct zc_chain c;

	zc_chain_init(&c);
	zc_chain_append_ptr(&c, "abc", 3);
	zc_chain_consume(&c, 4);
}

static void consume_empty(void)
{
	struct zc_chain c;

	zc_chain_init(&c);
	zc_chain_consume(&c, 1);
}

static void consume_abort(void **state)
{
	(void)state;
	expect_abort(consume_too_much);
	expect_abort(consume_empty);
}

static void count_dispose(void *opaque, void *data, size_t size)
{
	(void)data;
	(void)size;
	(*(int *)opaque)++;
}

static void clear_exit_refs(void **state)
{
	static uint8_t mem[100];
	struct zc_buf *b, *d;
	struct zc_chain c;
	uint8_t got[10];
	int i, calls = 0, p[2];

	(void)state;
	b = zc_buf_new(100, NULL);
	d = zc_buf_wrap(mem, sizeof(mem), count_dispose, &calls, NULL);
	assert_non_null(b);
	assert_non_null(d);
	zc_chain_init(&c);
	for (i = 0; i < 100; i++)
		assert_int_equal(zc_chain_append_mem(&c, i % 2 ? b : d,
			(i % 2 ? b : d)->data + i, 1), 0);
	assert_int_equal(zc_chain_pieces(&c), 100);
	assert_int_equal(zc_buf_refs(b), 51);
	assert_int_equal(zc_buf_refs(d), 51);

	zc_chain_clear(&c);
	assert_int_equal(zc_chain_pieces(&c), 0);
	assert_int_equal(zc_chain_bytes(&c), 0);
	assert_int_equal(zc_buf_refs(b), 1);
	assert_int_equal(zc_buf_refs(d), 1);

	/* Usable again after a clear. */
	memcpy(b->data, "0123456789", 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(zc_chain_append_mem(&c, b, b->data + i, 1),
				 0);
	t_pipe(p);
	assert_int_equal(zc_chain_send(p[0], &c, NULL), 10);
	read_exact(p[1], got, 10);
	assert_memory_equal(got, "0123456789", 10);
	close(p[0]);
	close(p[1]);

	/* The chain's references outlive the creator's. */
	for (i = 0; i < 10; i++)
		assert_int_equal(zc_chain_append_mem(&c, d, d->data, 1), 0);
	zc_buf_unref(d);
	assert_int_equal(calls, 0);
	zc_chain_exit(&c);
	assert_int_equal(calls, 1);
	zc_chain_exit(&c);
	zc_buf_unref(b);
}

static void empty_send(void **state)
{
	struct zc_ledger l;
	struct zc_chain c;
	int s[2];

	(void)state;
	t_unix_pair(s);
	zc_chain_init(&c);
	memset(&l, 0xa5, sizeof(l));
	assert_int_equal(zc_chain_send(s[0], &c, &l), 0);
	assert_int_equal(l.path, ZC_PATH_AUTO);
	assert_int_equal(l.bytes, 0);
	assert_int_equal(l.syscalls, 0);
	assert_int_equal(l.from_memory, 0);
	assert_int_equal(l.refused, 0);
	assert_int_equal(zc_chain_send(-1, &c, NULL), 0);
	zc_chain_exit(&c);
	close(s[0]);
	close(s[1]);
}

static void ledger_memory_only(void **state)
{
	static uint8_t mem[3000];
	struct bytes want = { 0 };
	struct t_sink *sink;
	struct zc_ledger l;
	struct zc_chain c;
	int s[2], i;

	(void)state;
	t_fill(mem, sizeof(mem), 0, 61);
	zc_chain_init(&c);
	assert_int_equal(zc_chain_append_copy(&c, mem, 100), 0);
	bytes_add(&want, mem, 100);
	t_unix_pair(s);
	sink = t_sink_start(s[1], 0, 0, 0);
	assert_int_equal(zc_chain_send(s[0], &c, &l), 100);
	assert_int_equal(l.path, ZC_PATH_AUTO);
	assert_int_equal(l.from_memory, 100);
	assert_int_equal(l.bytes, 100);
	assert_int_equal(l.syscalls, 1);

	/* More pieces than one sendmsg takes (IOV_MAX): several calls. */
	for (i = 0; i < 3000; i++) {
		assert_int_equal(zc_chain_append_ptr(&c, mem + i, 1), 0);
		bytes_add(&want, mem + i, 1);
	}
	assert_int_equal(zc_chain_send(s[0], &c, &l), 3000);
	assert_int_equal(l.from_memory, 3000);
	assert_true(l.syscalls >= 3);
	sink_check(sink, s[0], &want);
	close(s[1]);
	zc_chain_exit(&c);
	free(want.p);
}

static void append_checks(void **state)
{
	struct zc_buf *b, *st, *st2;
	struct bytes want = { 0 };
	struct zc_slice sl;
	struct zc_chain c;
	uint8_t *got;
	int fd, fd2, out;
	size_t n;

	(void)state;
	fd = t_file(t_dir_tmpfs(), "append", 1000, 71, NULL);
	fd2 = t_file(t_dir_tmpfs(), "append2", 1000, 72, NULL);
	b = zc_buf_new(100, NULL);
	st = zc_buf_file(fd, 0, NULL);
	st2 = zc_buf_file(fd, 0, NULL);
	assert_non_null(b);
	assert_non_null(st);
	assert_non_null(st2);
	zc_chain_init(&c);

	/* Refused, and no reference taken. */
	assert_int_equal(zc_chain_append_mem(&c, b, b->data + 90, 11), -ERANGE);
	assert_int_equal(zc_chain_append_mem(&c, b, b->data + 101, 0), -ERANGE);
	assert_int_equal(zc_chain_append_mem(&c, b, want.p, 0), -ERANGE);
	assert_int_equal(zc_chain_append_mem(&c, NULL, b->data, 1), -EINVAL);
	assert_int_equal(zc_chain_append_file(&c, b, 0, 10), -EINVAL);
	assert_int_equal(zc_chain_append_file(&c, st, -1, 10), -EINVAL);
	assert_int_equal(zc_chain_append_file(&c, st, INT64_MAX - 5, 10),
			 -EINVAL);
	assert_int_equal(zc_chain_append_fd(&c, -1, 0, 10), -EBADF);
	assert_int_equal(zc_chain_append_ptr(&c, NULL, 1), -EINVAL);
	assert_int_equal(zc_buf_refs(b), 1);
	assert_int_equal(zc_buf_refs(st), 1);
	/* Empty pieces are not kept. */
	assert_int_equal(zc_chain_append_mem(&c, b, b->data + 100, 0), 0);
	assert_int_equal(zc_chain_append_file(&c, st, 5, 0), 0);
	assert_int_equal(zc_chain_append_copy(&c, NULL, 0), 0);
	assert_int_equal(zc_chain_pieces(&c), 0);
	assert_int_equal(zc_buf_refs(b), 1);

	/* Adjacent ranges of one store: one piece, one reference. */
	assert_int_equal(zc_chain_append_file(&c, st, 0, 10), 0);
	assert_int_equal(zc_chain_append_file(&c, st, 10, 10), 0);
	assert_int_equal(zc_chain_pieces(&c), 1);
	assert_int_equal(zc_buf_refs(st), 2);
	/* A gap: a new piece. */
	assert_int_equal(zc_chain_append_file(&c, st, 25, 5), 0);
	assert_int_equal(zc_chain_append_file(&c, st, 30, 5), 0);
	assert_int_equal(zc_chain_pieces(&c), 2);
	assert_int_equal(zc_buf_refs(st), 3);
	/* Same fd, another store: not merged. */
	assert_int_equal(zc_chain_append_file(&c, st2, 35, 5), 0);
	assert_int_equal(zc_chain_pieces(&c), 3);
	/* Bare fds merge with the same bare fd only. */
	assert_int_equal(zc_chain_append_fd(&c, fd, 40, 5), 0);
	assert_int_equal(zc_chain_append_fd(&c, fd, 45, 5), 0);
	assert_int_equal(zc_chain_pieces(&c), 4);
	assert_int_equal(zc_chain_append_fd(&c, fd2, 50, 5), 0);
	assert_int_equal(zc_chain_pieces(&c), 5);
	/* Memory in between ends the run. */
	assert_int_equal(zc_chain_append_copy(&c, "mm", 2), 0);
	assert_int_equal(zc_chain_append_fd(&c, fd2, 55, 5), 0);
	assert_int_equal(zc_chain_pieces(&c), 7);
	/* A slice of a file store is a file range, and merges like one. */
	assert_int_equal(zc_slice_init(&sl, st, 60, 10), 0);
	assert_int_equal(zc_chain_append_slice(&c, &sl), 0);
	assert_int_equal(zc_chain_append_file(&c, st, 70, 10), 0);
	zc_slice_exit(&sl);
	assert_int_equal(zc_chain_pieces(&c), 8);
	assert_int_equal(zc_buf_refs(st), 4);
	bytes_add_file(&want, fd, 0, 20);
	bytes_add_file(&want, fd, 25, 10);
	bytes_add_file(&want, fd, 35, 15);
	bytes_add_file(&want, fd2, 50, 5);
	bytes_add(&want, "mm", 2);
	bytes_add_file(&want, fd2, 55, 5);
	bytes_add_file(&want, fd, 60, 20);
	assert_int_equal(zc_chain_bytes(&c), want.len);

	out = t_file_empty(t_dir_tmpfs(), "append-out", O_RDWR, NULL);
	assert_int_equal(zc_chain_send(out, &c, NULL), want.len);
	assert_int_equal(zc_buf_refs(st), 1);
	assert_int_equal(zc_buf_refs(st2), 1);
	n = t_slurp(out, &got);
	same_bytes(got, n, &want);
	free(got);
	free(want.p);
	zc_chain_exit(&c);
	zc_buf_unref(b);
	zc_buf_unref(st);
	zc_buf_unref(st2);
	close(out);
	close(fd);
	close(fd2);
}

/* A chain on the inline ring may be moved by its owner (memcpy). */
static void moved_chain(void **state)
{
	struct zc_chain a, b;
	uint8_t got[6];
	int p[2];

	(void)state;
	zc_chain_init(&a);
	assert_int_equal(zc_chain_append_copy(&a, "abc", 3), 0);
	assert_int_equal(zc_chain_append_copy(&a, "def", 3), 0);
	memcpy(&b, &a, sizeof(a));
	memset(&a, 0xa5, sizeof(a));
	t_pipe(p);
	assert_int_equal(zc_chain_send(p[0], &b, NULL), 6);
	read_exact(p[1], got, 6);
	assert_memory_equal(got, "abcdef", 6);
	zc_chain_exit(&b);
	close(p[0]);
	close(p[1]);
}

/*
 * The ring wraps and grows while pieces are consumed from its head: each
 * round appends a few 3-byte pieces and consumes 5 bytes, so the ring
 * doubles several times with its head anywhere.
 */
static void ring_wraps(void **state)
{
	static uint8_t mem[4000];
	size_t off = 0, used = 0, n;
	struct zc_chain c;
	uint8_t *got;
	int p[2], i, j;

	(void)state;
	t_fill(mem, sizeof(mem), 0, 81);
	zc_chain_init(&c);
	for (i = 0; i < 300; i++) {
		for (j = 0; j <= i % 7; j++) {
			assert_int_equal(zc_chain_append_ptr(&c, mem + off,
							     3), 0);
			off += 3;
		}
		n = zc_chain_bytes(&c) < 5 ? zc_chain_bytes(&c) : 5;
		zc_chain_consume(&c, n);
		used += n;
		assert_int_equal(zc_chain_bytes(&c), off - used);
	}
	assert_true(zc_chain_pieces(&c) > 256);
	got = malloc(off - used);
	assert_non_null(got);
	t_pipe(p);
	assert_int_equal(zc_chain_send(p[0], &c, NULL), off - used);
	read_exact(p[1], got, off - used);
	assert_memory_equal(got, mem + used, off - used);
	zc_chain_exit(&c);
	free(got);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_file_tcp),
		cmocka_unit_test(slow_reader_nonblocking),
		cmocka_unit_test(unix_socket),
		cmocka_unit_test(pipe_out),
		cmocka_unit_test(pipe_nonblocking),
		cmocka_unit_test(file_out_plain),
		cmocka_unit_test(file_out_append),
		cmocka_unit_test(truncated_file),
		cmocka_unit_test(truncated_file_fallback),
		cmocka_unit_test(peer_closed),
		cmocka_unit_test(peer_closed_unguarded),
		cmocka_unit_test(consume_arith),
		cmocka_unit_test(consume_abort),
		cmocka_unit_test(clear_exit_refs),
		cmocka_unit_test(empty_send),
		cmocka_unit_test(ledger_memory_only),
		cmocka_unit_test(append_checks),
		cmocka_unit_test(moved_chain),
		cmocka_unit_test(ring_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
