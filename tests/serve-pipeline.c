/* SPDX-License-Identifier: MIT */
/*
 * tests/serve-pipeline.c - connections that misbehave or push, on both
 * engines: many requests pipelined in one write answered in order and
 * byte-exact (also with --max-pipeline 2), a client that aborts a large
 * download, a file truncated while a slow client downloads it (that
 * connection ends early, the server goes on and serves the new size),
 * and slow-loris clients closed by --header-timeout while a normal
 * client is served at once.
 */
#include "serve-util.h"

/* Parses the response at @p (of @len bytes); returns its total length. */
static size_t one_response(const char *p, size_t len, int *status,
			   const char **body, size_t *blen)
{
	const char *end = memmem(p, len, "\r\n\r\n", 4), *cl;

	assert_non_null(end);
	*status = t_status(p);
	cl = memmem(p, (size_t)(end - p), "Content-Length: ", 16);
	*blen = cl ? strtoul(cl + 16, NULL, 10) : 0;
	*body = end + 4;
	return (size_t)(end + 4 - p) + *blen;
}

/* Reads until the server closes (bounded by 10 s of silence). */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 8 << 20;
	char *buf = malloc(cap);
	int eof;

	assert_non_null(buf);
	*len = t_recv_until(fd, buf, cap, 10000, &eof);
	assert_true(eof);
	return buf;
}

static void in_order(void **state)
{
	static const struct {
		const char *path;
		int status;
		size_t len;
		unsigned int seed;
	} reqs[] = {
		{ "/small.txt", 200, 100, T_SEED_SMALL },
		{ "/1m.bin", 200, 1 << 20, T_SEED_1M },
		{ "/nope", 404, 0, 0 },
		{ "/4k.bin", 200, 4096, T_SEED_4K },
		{ "/dir", 301, 0, 0 },
		{ "/small.txt", 200, 100, T_SEED_SMALL },
	};
	const size_t nr = sizeof(reqs) / sizeof(reqs[0]);
	char wire[65536], *buf;
	const char *body;
	size_t len, off, blen, i, k, w;
	struct t_srv s;
	int fd, st, pass;

	for (pass = 0; pass < 2; pass++) {
		if (pass)
			T_SRV_START(&s, T_ENGINE(state), t_site(),
				    "--max-pipeline", "2");
		else
			T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
		/* 5 rounds of the list in one write, the last closes. */
		for (w = 0, k = 0; k < 5 * nr; k++)
			w += (size_t)snprintf(wire + w, sizeof(wire) - w,
				"GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n",
				reqs[k % nr].path, k == 5 * nr - 1 ?
				"Connection: close\r\n" : "");
		fd = t_connect(s.port);
		t_send_all(fd, wire, w);
		buf = read_all(fd, &len);
		close(fd);
		for (off = 0, k = 0; k < 5 * nr; k++) {
			i = k % nr;
			assert_true(off < len);
			off += one_response(buf + off, len - off, &st, &body,
					    &blen);
			assert_int_equal(st, reqs[i].status);
			if (reqs[i].seed) {
				assert_int_equal(blen, reqs[i].len);
				assert_int_equal(t_check((const uint8_t *)body,
							 blen, 0,
							 reqs[i].seed), -1);
			}
		}
		assert_int_equal(off, len);
		free(buf);
		t_srv_stop(&s);
	}
}

/* A big sparse file on tmpfs: zeros, read from holes. */
static const char *big_sparse(const char *name, off_t size)
{
	static char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t_site(), name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
	return path;
}

static void client_aborts(void **state)
{
	char buf[65536];
	const char *path;
	struct t_srv s;
	int fd, i, eof;

	path = big_sparse("abort.bin", 256 << 20);
	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	for (i = 0; i < 10; i++) {
		fd = t_connect(s.port);
		t_send_str(fd, "GET /abort.bin HTTP/1.1\r\nHost: x\r\n\r\n");
		assert_true(t_recv_until(fd, buf, sizeof(buf), 2000, &eof) >
			    0);
		/* RST with data unread: the server's send fails mid-file. */
		close(fd);
	}
	{
		struct t_resp r;

		t_curl(&s, &r, "/1m.bin");
		assert_int_equal(r.code, 200);
		t_assert_pattern(&r, 0, 1u << 20, T_SEED_1M);
		t_resp_free(&r);
	}
	t_srv_stop(&s);
	unlink(path);
}

/*
 * The client reads slowly through a small receive buffer; the file is
 * cut to 1 MiB meanwhile. sendfile then finds the end early and the
 * server closes that connection (never SIGBUS: nothing is mmap'ed), and
 * the next request gets the new length.
 */
static void truncated_while_sent(void **state)
{
	size_t got = 0, want = 64 << 20;
	char buf[65536], *path;
	struct t_srv s;
	struct t_resp r;
	int fd, eof = 0;
	double end;

	path = strdup(big_sparse("trunc.bin", 64 << 20));
	T_SRV_START(&s, T_ENGINE(state), t_site(), "--cache-valid-ms", "0");
	fd = t_connect(s.port);
	t_set_rcvbuf(fd, 16384);
	t_send_str(fd, "GET /trunc.bin HTTP/1.1\r\nHost: x\r\n\r\n");
	got = t_recv_until(fd, buf, sizeof(buf), 2000, &eof);
	assert_true(got > 0);
	assert_int_equal(truncate(path, 1 << 20), 0);
	for (end = t_now() + 20; !eof && t_now() < end;)
		got += t_recv_until(fd, buf, sizeof(buf), 2000, &eof);
	assert_true(eof);
	assert_true(got < want);
	close(fd);
	t_curl(&s, &r, "/trunc.bin");
	assert_int_equal(r.code, 200);
	assert_int_equal(r.len, 1u << 20);
	t_resp_free(&r);
	t_srv_stop(&s);
	unlink(path);
	free(path);
}

/* Whether @fd has an answer or EOF waiting; a 408 counts in @got408. */
static int answered(int fd, int *got408)
{
	char buf[1024];
	int eof;

	if (!t_recv_until(fd, buf, sizeof(buf), 0, &eof) && !eof)
		return 0;
	if (t_status(buf) == 408)
		(*got408)++;
	return 1;
}

static void slow_loris(void **state)
{
	enum { NR = 50 };
	int fds[NR], i, left, got408 = 0;
	struct t_srv s;
	struct t_resp r;
	double t0, t1;

	T_SRV_START(&s, T_ENGINE(state), t_site(), "--header-timeout", "1s");
	t0 = t_now();
	for (i = 0; i < NR; i++) {
		fds[i] = t_connect(s.port);
		t_send_str(fds[i], "GET /small.txt HTTP/1.1\r\n");
	}
	/* A byte every 100 ms from each: never a whole head. */
	for (left = NR; left && t_now() - t0 < 5;) {
		usleep(100000);
		for (i = 0, left = 0; i < NR; i++) {
			if (fds[i] < 0)
				continue;
			if (answered(fds[i], &got408)) {
				close(fds[i]);
				fds[i] = -1;
				continue;
			}
			send(fds[i], "X", 1, MSG_NOSIGNAL);
			left++;
		}
		/* Meanwhile a normal client is served at once. */
		if (t_now() - t0 > 0.3 && t_now() - t0 < 0.5) {
			t1 = t_now();
			t_curl(&s, &r, "/4k.bin");
			assert_int_equal(r.code, 200);
			assert_true(t_now() - t1 < 1.0);
			t_resp_free(&r);
		}
	}
	/* Every one got its 408 within about the 1 s timeout. */
	assert_int_equal(left, 0);
	assert_int_equal(got408, NR);
	assert_true(t_now() - t0 < 2.5);
	t_srv_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(in_order),
		T_BOTH(client_aborts),
		T_BOTH(truncated_while_sent),
		T_BOTH(slow_loris),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
