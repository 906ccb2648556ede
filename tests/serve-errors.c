/* SPDX-License-Identifier: MIT */
/*
 * tests/serve-errors.c - every error status of `zcio serve` from raw
 * requests (what curl would not send), on both engines: 400 malformed,
 * 403, 404, 405 with Allow, 408 after --header-timeout, 413, 414, 431
 * (bytes and field count), 501, 505; request smuggling attempts (CL with
 * TE, conflicting CL, obs-fold, bare CR) refused; path traversal in
 * every encoding never reaching outside the root; a body on a GET
 * skipped with the connection kept; an unreadable file (403) with the
 * server running as nobody; 503 over --max-conns. After each, the server
 * still serves.
 */
#include <pwd.h>

#include "serve-util.h"

/* One raw request; asserts its status and, if @closes, that it closed. */
static void expect(struct t_srv *s, const char *req, int status, int closes)
{
	char buf[16384];
	int eof;

	t_raw(s, req, buf, sizeof(buf), 2000, &eof);
	if (t_status(buf) != status)
		fail_msg("%d for %.60s...:\n%.300s", t_status(buf), req, buf);
	if (closes && !eof)
		fail_msg("not closed after %d", status);
	if (strstr(buf, "root:"))
		fail_msg("leaked /etc/passwd for %.60s", req);
}

static void still_serves(struct t_srv *s)
{
	struct t_resp r;

	t_curl(s, &r, "/small.txt");
	assert_int_equal(r.code, 200);
	t_assert_pattern(&r, 0, 100u, T_SEED_SMALL);
	t_resp_free(&r);
}

static void statuses(void **state)
{
	char big[4096];
	struct t_srv s;

	T_SRV_START(&s, T_ENGINE(state), t_site(), "--max-uri", "200",
		    "--max-header-bytes", "1024", "--max-headers", "8");
	expect(&s, "GET /small.txt HTTP/1.1\r\nHost x\r\n\r\n", 400, 1);
	expect(&s, "GET small.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400, 1);
	expect(&s, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	       404, 1);
	expect(&s, "POST /small.txt HTTP/1.1\r\nHost: x\r\n"
	       "Content-Length: 0\r\n\r\n", 405, 1);
	{
		char buf[4096];
		int eof;

		t_raw(&s, "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", buf,
		      sizeof(buf), 2000, &eof);
		assert_non_null(strstr(buf, "Allow: GET, HEAD\r\n"));
	}
	expect(&s, "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 501, 1);
	/* Chunked not last: 400 (RFC 9112 6.1); an unknown coding: 501. */
	expect(&s, "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
	       "\r\n", 400, 1);
	expect(&s, "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zork, "
	       "chunked\r\n\r\n", 501, 1);
	expect(&s, "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, 1);
	expect(&s, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000"
	       "\r\n\r\n", 413, 1);
	snprintf(big, sizeof(big), "GET /%0300d HTTP/1.1\r\nHost: x\r\n\r\n",
		 0);
	expect(&s, big, 414, 1);
	snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "
		 "%01500d\r\n\r\n", 0);
	expect(&s, big, 431, 1);
	expect(&s, "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 1\r\nC: 1\r\n"
	       "D: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\nI: 1\r\n\r\n", 431, 1);
	expect(&s, "GET /.hidden HTTP/1.1\r\nHost: x\r\n\r\n", 403, 0);
	still_serves(&s);
	t_srv_stop(&s);
}

static void smuggling(void **state)
{
	struct t_srv s;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	expect(&s, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
	       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, 1);
	expect(&s, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
	       "Content-Length: 6\r\n\r\nhello!", 400, 1);
	expect(&s, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
	       400, 1);
	expect(&s, "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n",
	       400, 1);
	expect(&s, "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400, 1);
	expect(&s, "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, 1);
	expect(&s, "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, 1);
	still_serves(&s);
	t_srv_stop(&s);
}

static void traversal(void **state)
{
	static const char *const paths[] = {
		"/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
		"/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/..%2f..%2fetc/passwd",
		"/dir/..%5c..%5cetc%5cpasswd", "/..\\..\\etc\\passwd",
		"/small.txt%00.html", "/%252e%252e/etc/passwd",
		"/link-out", "/abs-out/passwd", "/up-out", "//etc/passwd",
		"/./../etc/passwd", "/dir/../../etc/passwd",
	};
	char req[512], buf[16384];
	struct t_srv s;
	size_t i;
	int eof, st;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n"
			 "Connection: close\r\n\r\n", paths[i]);
		t_raw(&s, req, buf, sizeof(buf), 2000, &eof);
		st = t_status(buf);
		if (strstr(buf, "root:") || (st != 400 && st != 403 &&
					     st != 404))
			fail_msg("%s: %d\n%.300s", paths[i], st, buf);
	}
	/* A ".." that stays inside the root is resolved, not refused. */
	expect(&s, "GET /dir/../small.txt HTTP/1.1\r\nHost: x\r\n\r\n", 200,
	       0);
	still_serves(&s);
	t_srv_stop(&s);
}

/* A GET with a body: the body is read and dropped, the next request
 * on the connection is answered. */
static void body_skipped(void **state)
{
	char buf[16384];
	struct t_srv s;
	size_t n;
	int eof;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	n = t_raw(&s, "GET /small.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5"
	      "\r\n\r\nhelloGET /4k.bin HTTP/1.1\r\nHost: x\r\n"
	      "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
	      "GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	      "\r\n", buf, sizeof(buf), 2000, &eof);
	assert_int_equal(t_countn(buf, n, "HTTP/1.1 200 OK"), 3);
	assert_true(eof);
	t_srv_stop(&s);
}

static void header_timeout(void **state)
{
	char buf[4096];
	struct t_srv s;
	double t0;
	int fd, eof;

	T_SRV_START(&s, T_ENGINE(state), t_site(), "--header-timeout",
		    "500ms");
	fd = t_connect(s.port);
	t0 = t_now();
	t_send_str(fd, "GET /small.txt HTTP/1.1\r\nHost:");
	t_recv_until(fd, buf, sizeof(buf), 3000, &eof);
	assert_int_equal(t_status(buf), 408);
	assert_true(eof);
	assert_true(t_now() - t0 < 2.0);
	close(fd);
	/* A connection that never sends is closed without a word. */
	fd = t_connect(s.port);
	t_recv_until(fd, buf, sizeof(buf), 3000, &eof);
	assert_true(eof);
	assert_int_equal(buf[0], '\0');
	close(fd);
	still_serves(&s);
	t_srv_stop(&s);
}

/*
 * chmod 000 means nothing to root (CAP_DAC_OVERRIDE), so the server runs
 * as nobody (--user) to see the 403 of an unreadable file.
 */
static void unreadable(void **state)
{
	char path[PATH_MAX + 32];
	struct t_srv s;
	struct t_resp r;

	if (geteuid() != 0 || !getpwnam("nobody"))
		skip();
	snprintf(path, sizeof(path), "%s/secret.bin", t_site());
	close(t_file(t_site(), "secret.bin", 10, 5, NULL));
	assert_int_equal(chmod(path, 0), 0);
	T_SRV_START(&s, T_ENGINE(state), t_site(), "--user", "nobody");
	t_curl(&s, &r, "/secret.bin");
	assert_int_equal(r.code, 403);
	t_resp_free(&r);
	still_serves(&s);
	t_srv_stop(&s);
	unlink(path);
}

/* Over --max-conns: a 503 and a close, and the others go on. */
static void over_max_conns(void **state)
{
	char buf[4096];
	struct t_srv s;
	int a, b, c, eof;

	T_SRV_START(&s, T_ENGINE(state), t_site(), "--max-conns", "2");
	a = t_connect(s.port);
	b = t_connect(s.port);
	usleep(100000);
	c = t_connect(s.port);
	t_recv_until(c, buf, sizeof(buf), 2000, &eof);
	assert_int_equal(t_status(buf), 503);
	assert_true(eof);
	close(c);
	t_send_str(a, "GET /small.txt HTTP/1.1\r\nHost: x\r\n"
		   "Connection: close\r\n\r\n");
	t_recv_until(a, buf, sizeof(buf), 2000, &eof);
	assert_int_equal(t_status(buf), 200);
	close(a);
	close(b);
	t_srv_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(statuses),
		T_BOTH(smuggling),
		T_BOTH(traversal),
		T_BOTH(body_skipped),
		T_BOTH(header_timeout),
		T_BOTH(unreadable),
		T_BOTH(over_max_conns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
