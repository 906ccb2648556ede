/* SPDX-License-Identifier: MIT */
/*
 * tests/serve-load.c - `zcio serve` under load and around its life, on
 * both engines: 200 concurrent downloads of a 1 MiB file (curl
 * --parallel, every body checked), a 1 GiB file (sparse on tmpfs, with
 * pattern blocks at known offsets, checked end to end), 10,000 idle
 * connections (as many as RLIMIT_NOFILE allows) while a normal client is
 * served, a graceful stop (SIGTERM) that lets a download in flight
 * finish and refuses new connections, and SIGHUP reopening the access
 * log after a rename, in the combined log format.
 */
#include <sys/resource.h>

#include "serve-util.h"

#define GIB (1ull << 30)
#define BLOCK (1u << 20)

static void parallel_200(void **state)
{
	char url[128], out[PATH_MAX + 32], log[PATH_MAX + 32], *text;
	struct t_srv s;
	size_t len;
	int i;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/1m.bin?[1-200]",
		 s.port);
	snprintf(out, sizeof(out), "%s/par_#1", s.dir);
	snprintf(log, sizeof(log), "%s/par.log", s.dir);
	{
		char *argv[] = {
			"curl", "-sS", "--max-time", "60", "--parallel",
			"--parallel-max", "200", "--parallel-immediate",
			"-o", out, "-w", "%{http_code}\\n", url, NULL
		};

		assert_int_equal(t_run(argv, log, NULL), 0);
	}
	text = t_read_file(log, &len);
	assert_int_equal(t_count(text, "200\n"), 200);
	free(text);
	for (i = 1; i <= 200; i++) {
		snprintf(out, sizeof(out), "%s/par_%d", s.dir, i);
		text = t_read_file(out, &len);
		assert_int_equal(len, 1u << 20);
		assert_int_equal(t_check((uint8_t *)text, len, 0, T_SEED_1M),
				 -1);
		free(text);
		unlink(out);
	}
	t_srv_stop(&s);
}

/* 1 GiB of holes with a pattern block at 0, in the middle and at the end. */
static const char *gib_file(void)
{
	static char path[PATH_MAX + 32];
	static const uint64_t at[] = { 0, GIB / 2 + 4096, GIB - BLOCK };
	uint8_t *b;
	size_t i;
	int fd;

	if (path[0])
		return path;
	snprintf(path, sizeof(path), "%s/1g.bin", t_site());
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)GIB), 0);
	b = malloc(BLOCK);
	for (i = 0; i < 3; i++) {
		t_fill(b, BLOCK, at[i], 7);
		assert_int_equal(pwrite(fd, b, BLOCK, (off_t)at[i]), BLOCK);
	}
	free(b);
	close(fd);
	return path;
}

/* The byte at @pos of gib_file(). */
static uint8_t gib_byte(uint64_t pos)
{
	if (pos < BLOCK || (pos >= GIB / 2 + 4096 &&
			    pos < GIB / 2 + 4096 + BLOCK) ||
	    pos >= GIB - BLOCK)
		return t_pattern_byte(pos, 7);
	return 0;
}

static void one_gib(void **state)
{
	char head[4096], *buf;
	uint64_t pos = 0, bad = UINT64_MAX;
	struct t_srv s;
	struct t_resp r;
	size_t hl = 0, i;
	ssize_t n;
	char *end;
	int fd;

	gib_file();
	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	t_curl(&s, &r, "-o", "/dev/null", "-w", "%{size_download}\\n",
	       "/1g.bin");
	assert_int_equal(r.exit, 0);
	t_resp_free(&r);
	fd = t_connect(s.port);
	t_send_str(fd, "GET /1g.bin HTTP/1.1\r\nHost: x\r\nConnection: close"
		   "\r\n\r\n");
	/* The head, then every byte of the body against the file. */
	while (!(end = memmem(head, hl, "\r\n\r\n", 4))) {
		n = recv(fd, head + hl, sizeof(head) - hl, 0);
		assert_true(n > 0);
		hl += (size_t)n;
	}
	assert_non_null(strstr(head, "Content-Length: 1073741824\r\n"));
	buf = malloc(1 << 20);
	for (i = (size_t)(end + 4 - head); i < hl; i++, pos++)
		if ((uint8_t)head[i] != gib_byte(pos) && bad == UINT64_MAX)
			bad = pos;
	while ((n = recv(fd, buf, 1 << 20, 0)) > 0) {
		/* Check the pattern blocks byte by byte, holes by zeros. */
		for (i = 0; i < (size_t)n; i++, pos++)
			if ((uint8_t)buf[i] != gib_byte(pos) &&
			    bad == UINT64_MAX)
				bad = pos;
	}
	free(buf);
	close(fd);
	assert_int_equal(pos, GIB);
	assert_true(bad == UINT64_MAX);
	t_srv_stop(&s);
}

static void many_idle(void **state)
{
	struct rlimit rl;
	struct t_srv s;
	struct t_resp r;
	int *fds, nr, i, want = 10000;
	double t0;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < (rlim_t)want + 200) {
		want = (int)rl.rlim_cur - 200;
		print_message("RLIMIT_NOFILE %lu: %d idle connections only\n",
			      (unsigned long)rl.rlim_cur, want);
	}
	T_SRV_START(&s, T_ENGINE(state), t_site(), "--max-conns", "20000");
	fds = calloc((size_t)want, sizeof(*fds));
	for (nr = 0; nr < want; nr++) {
		fds[nr] = t_connect(s.port);
		if (fds[nr] < 0)
			break;
	}
	assert_int_equal(nr, want);
	/* Half of them even sent half a request. */
	for (i = 0; i < nr; i += 2)
		t_send_str(fds[i], "GET / HTTP/1.1\r\n");
	t0 = t_now();
	t_curl(&s, &r, "/1m.bin");
	assert_int_equal(r.code, 200);
	t_assert_pattern(&r, 0, 1u << 20, T_SEED_1M);
	t_resp_free(&r);
	assert_true(t_now() - t0 < 2.0);
	for (i = 0; i < nr; i++)
		close(fds[i]);
	free(fds);
	t_srv_stop(&s);
}

static void graceful_stop(void **state)
{
	uint64_t got = 0;
	const char *path;
	char buf[65536];
	struct t_srv s;
	double end;
	int fd, eof = 0, st;
	ssize_t n;

	snprintf(buf, sizeof(buf), "%s/stop.bin", t_site());
	path = strdup(buf);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	assert_int_equal(ftruncate(fd, 256 << 20), 0);
	close(fd);
	T_SRV_START(&s, T_ENGINE(state), t_site(), "--shutdown-timeout",
		    "20s");
	fd = t_connect(s.port);
	t_set_rcvbuf(fd, 65536);
	t_send_str(fd, "GET /stop.bin HTTP/1.1\r\nHost: x\r\n\r\n");
	got = t_recv_until(fd, buf, sizeof(buf), 2000, &eof);
	kill(s.pid, SIGTERM);
	usleep(200000);
	/* Not accepting any more... */
	assert_true(t_connect(s.port) < 0);
	/* ...but the download in flight goes on to its end. */
	for (end = t_now() + 20; t_now() < end; got += (uint64_t)n) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
	}
	close(fd);
	assert_true(got > (256u << 20));
	assert_true(got < (256u << 20) + 1024);
	/* Signal 0: just wait for the exit that SIGTERM began. */
	st = t_srv_signal_wait(&s, 0, 10);
	assert_int_equal(st, 0);
	unlink(path);
	free((void *)path);
}

static void sighup_reopens_log(void **state)
{
	char log[PATH_MAX + 32], old[PATH_MAX + 48], *text;
	struct t_srv s;
	struct t_resp r;
	size_t len;

	snprintf(log, sizeof(log), "%s/access-%s.log", t_dir_tmpfs(),
		 T_ENGINE(state));
	snprintf(old, sizeof(old), "%s.1", log);
	T_SRV_START(&s, T_ENGINE(state), t_site(), "--access-log", log);
	t_curl(&s, &r, "-A", "agent \"x\"", "-e", "http://ref/", "/4k.bin",
	       "/nope");
	t_resp_free(&r);
	/* The buffer is written out at least once a second. */
	usleep(1300000);
	assert_int_equal(rename(log, old), 0);
	kill(s.pid, SIGHUP);
	usleep(300000);
	t_curl(&s, &r, "/small.txt");
	t_resp_free(&r);
	t_srv_stop(&s);
	text = t_read_file(old, &len);
	assert_non_null(text);
	assert_int_equal(t_count(text, "\n"), 2);
	assert_non_null(strstr(text, "127.0.0.1 - - ["));
	assert_non_null(strstr(text, " +0000] \"GET /4k.bin HTTP/1.1\" 200 "
			       "4096 \"http://ref/\" \"agent \\x22x\\x22\"\n"));
	assert_non_null(strstr(text, "\"GET /nope HTTP/1.1\" 404 "));
	free(text);
	text = t_read_file(log, &len);
	assert_non_null(text);
	assert_int_equal(t_count(text, "\n"), 1);
	assert_non_null(strstr(text, "\"GET /small.txt HTTP/1.1\" 200 100 "));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(parallel_200),
		T_BOTH(one_gib),
		T_BOTH(many_idle),
		T_BOTH(graceful_stop),
		T_BOTH(sighup_reopens_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
