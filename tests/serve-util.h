/* SPDX-License-Identifier: MIT */
/*
 * tests/serve-util.h - what the `zcio serve` test programs share: the
 * real binary ($ZCIO_BIN) started on 127.0.0.1 port 0 with --port-file,
 * curl run with fork/exec (its exit code, status, headers and body
 * checked), raw sockets for what curl cannot send, and a test site. Each
 * test runs once per engine: the cmocka state is "uring" or "epoll".
 * Included by each serve test program: a header, because each .c in
 * tests/ is a program of its own.
 */
#ifndef ZC_TESTS_SERVE_UTIL_H
#define ZC_TESTS_SERVE_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define T_UNUSED __attribute__((unused))

/* Seeds of the pattern files of the test site. */
#define T_SEED_SMALL 11
#define T_SEED_4K 12
#define T_SEED_1M 13

struct t_srv {
	pid_t pid;
	int port;
	int mport;			/* --metrics port, or 0 */
	char dir[PATH_MAX];		/* scratch: port file, logs, bodies */
	char log[PATH_MAX + 16];	/* the server's stdout and stderr */
};

struct t_resp {
	int code;			/* HTTP status curl saw, 0 if none */
	int exit;			/* curl's exit status */
	char hdr[16384];		/* the head(s) as received */
	uint8_t *body;
	size_t len;
};

T_UNUSED static double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

T_UNUSED static const char *t_zcio(void)
{
	const char *bin = getenv("ZCIO_BIN");

	return bin && *bin ? bin : "build/zcio";
}

/*
 * Runs @argv with stdout to @out (NULL: inherit); returns its exit code.
 * With @bg it runs in the background (*@bg = its pid) and is killed when
 * the test program ends, however it ends (PR_SET_PDEATHSIG).
 */
T_UNUSED static int t_run(char *const *argv, const char *out, pid_t *bg)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (bg)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (out) {
			fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
			if (fd < 0)
				_exit(126);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (bg) {
		*bg = pid;
		return 0;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

T_UNUSED static char *t_read_file(const char *path, size_t *len)
{
	struct stat st;
	char *p;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		*len = 0;
		return NULL;
	}
	assert_int_equal(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	*len = 0;
	while (*len < (size_t)st.st_size) {
		ssize_t n = read(fd, p + *len, (size_t)st.st_size - *len);

		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	p[*len] = '\0';
	close(fd);
	return p;
}

/* The port on line @line (0-based) of the port file, 0 if not there. */
T_UNUSED static int t_port_line(const char *pf, int line)
{
	char *text, *p;
	size_t len;
	int port = 0;

	text = t_read_file(pf, &len);
	if (!text)
		return 0;
	for (p = text; line > 0 && p; line--) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (p && strchr(p, '\n') && strrchr(p, ':'))
		port = atoi(strrchr(strtok(p, "\n"), ':') + 1);
	free(text);
	return port;
}

/*
 * Starts `zcio serve ROOT --engine ENGINE --listen 127.0.0.1:0 --port-file
 * F --workers 1 --quiet ARGS...` (ARGS NULL-terminated) and waits (up to
 * 10 s) for the port file. With --metrics among ARGS, its port is read
 * from the second line. Returns 0, or -1 when the server did not start.
 */
/*
 * The server of the test running now. A test that fails stops at its
 * failed assertion without stopping its server; the next start kills it.
 */
static pid_t t_live_srv;

T_UNUSED static int t_srv_startv(struct t_srv *s, const char *engine,
				 const char *root, const char *const *args)
{
	char pf[PATH_MAX + 16], *argv[64];
	int n = 0, i, want_metrics = 0;
	double end;

	if (t_live_srv > 0) {
		kill(t_live_srv, SIGKILL);
		waitpid(t_live_srv, NULL, 0);
		t_live_srv = 0;
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s/srv-XXXXXX", t_dir_tmpfs());
	assert_non_null(mkdtemp(s->dir));
	chmod(s->dir, 0777);
	snprintf(pf, sizeof(pf), "%s/port", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/server.log", s->dir);
	argv[n++] = (char *)t_zcio();
	argv[n++] = "serve";
	argv[n++] = (char *)root;
	argv[n++] = "--engine";
	argv[n++] = (char *)engine;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--port-file";
	argv[n++] = pf;
	argv[n++] = "--workers";
	argv[n++] = "1";
	argv[n++] = "--quiet";
	for (i = 0; args && args[i] && n < 62; i++) {
		if (!strcmp(args[i], "--metrics"))
			want_metrics = 1;
		argv[n++] = (char *)args[i];
	}
	argv[n] = NULL;
	t_run(argv, s->log, &s->pid);
	t_live_srv = s->pid;
	for (end = t_now() + 10; t_now() < end; usleep(10000)) {
		s->port = t_port_line(pf, 0);
		if (want_metrics)
			s->mport = t_port_line(pf, 1);
		if (s->port && (!want_metrics || s->mport))
			return 0;
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			t_live_srv = 0;
			s->pid = 0;
			break;
		}
	}
	return -1;
}

#define t_srv_start(s, engine, root, ...)				\
	t_srv_startv(s, engine, root,					\
		     (const char *const[]){ __VA_ARGS__, NULL })

/* Prints the server's log (after a failure, to say why). */
T_UNUSED static void t_srv_dump(const struct t_srv *s)
{
	size_t len;
	char *text = t_read_file(s->log, &len);

	if (text && len)
		fprintf(stderr, "--- server log ---\n%s--- end ---\n", text);
	free(text);
}

/* Starts it or fails the test with the server's log. */
#define T_SRV_START(s, engine, root, ...)				\
	do {								\
		if (t_srv_start(s, engine, root, __VA_ARGS__)) {	\
			t_srv_dump(s);					\
			fail_msg("zcio serve did not start");		\
		}							\
	} while (0)

/*
 * Sends @sig and waits up to @secs for the exit; SIGKILL after that.
 * Returns the exit status, or -1 when it had to be killed.
 */
T_UNUSED static int t_srv_signal_wait(struct t_srv *s, int sig, double secs)
{
	double end = t_now() + secs;
	int status;

	if (!s->pid)
		return -1;
	kill(s->pid, sig);
	while (t_now() < end) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			if (t_live_srv == s->pid)
				t_live_srv = 0;
			s->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		}
		usleep(10000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	if (t_live_srv == s->pid)
		t_live_srv = 0;
	s->pid = 0;
	return -1;
}

/* Stops the server; it must exit 0 within 10 s of SIGTERM. */
T_UNUSED static void t_srv_stop(struct t_srv *s)
{
	int st = t_srv_signal_wait(s, SIGTERM, 10);

	if (st != 0)
		t_srv_dump(s);
	assert_int_equal(st, 0);
}

T_UNUSED static void t_resp_free(struct t_resp *r)
{
	free(r->body);
	r->body = NULL;
}

/*
 * curl -sS --max-time 30 -o BODY -D HEAD -w '%{http_code}' ARGS... against
 * the server; args starting with '/' get "http://127.0.0.1:PORT" in
 * front. Each URL (those, and full loopback URLs) gets its own -o, so the
 * body file holds the last one. Fills @r (free with t_resp_free).
 */
T_UNUSED static void t_curlv(const struct t_srv *s, struct t_resp *r,
			     const char *const *args)
{
	char body[PATH_MAX + 16], head[PATH_MAX + 16], out[PATH_MAX + 16];
	char urls[16][512], *argv[64], *text;
	int n = 0, i, u = 0;
	size_t len;

	memset(r, 0, sizeof(*r));
	snprintf(body, sizeof(body), "%s/body", s->dir);
	snprintf(head, sizeof(head), "%s/head", s->dir);
	snprintf(out, sizeof(out), "%s/curl.out", s->dir);
	unlink(body);
	unlink(head);
	unlink(out);
	argv[n++] = "curl";
	argv[n++] = "-sS";
	argv[n++] = "--max-time";
	argv[n++] = "60";
	argv[n++] = "-D";
	argv[n++] = head;
	argv[n++] = "-w";
	argv[n++] = "%{http_code}\\n";
	for (i = 0; args[i] && n < 62; i++) {
		if (args[i][0] == '/' && u < 16) {
			/* Each URL's body overwrites the last one's. */
			argv[n++] = "-o";
			argv[n++] = body;
			snprintf(urls[u], sizeof(urls[u]),
				 "http://127.0.0.1:%d%s", s->port, args[i]);
			argv[n++] = urls[u++];
		} else if (!strncmp(args[i], "http://127.", 11) ||
			   !strncmp(args[i], "http://[", 8)) {
			argv[n++] = "-o";
			argv[n++] = body;
			argv[n++] = (char *)args[i];
		} else {
			argv[n++] = (char *)args[i];
		}
	}
	argv[n] = NULL;
	r->exit = t_run(argv, out, NULL);
	text = t_read_file(out, &len);
	/* The last status written (-w runs once per URL). */
	if (text) {
		char *line;

		for (line = strtok(text, "\n"); line;
		     line = strtok(NULL, "\n"))
			if (*line >= '0' && *line <= '9')
				r->code = atoi(line);
	}
	free(text);
	text = t_read_file(head, &len);
	if (text) {
		snprintf(r->hdr, sizeof(r->hdr), "%s", text);
		free(text);
	}
	r->body = (uint8_t *)t_read_file(body, &r->len);
}

#define t_curl(s, r, ...)						\
	t_curlv(s, r, (const char *const[]){ __VA_ARGS__, NULL })

/*
 * The value of field @name in the last head of @hdr (copied into @buf),
 * or NULL. Case-insensitive, as field names are.
 */
T_UNUSED static const char *t_field(const char *hdr, const char *name,
				    char *buf, size_t cap)
{
	const char *p = hdr, *last = NULL, *eol;
	size_t n = strlen(name);

	/* Start at the last status line: redirects leave several heads. */
	for (; (eol = strstr(p, "HTTP/")); p = eol + 5)
		if (eol == hdr || eol[-1] == '\n')
			last = eol;
	for (p = last ? last : hdr; p && *p; p = eol ? eol + 1 : NULL) {
		eol = strchr(p, '\n');
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;
			size_t len;

			while (*v == ' ')
				v++;
			len = eol ? (size_t)(eol - v) : strlen(v);
			while (len && (v[len - 1] == '\r' || v[len - 1] == ' '))
				len--;
			snprintf(buf, cap, "%.*s", (int)len, v);
			return buf;
		}
	}
	return NULL;
}

/* Asserts field @name is @want in @r's last head. */
#define t_assert_field(r, name, want)					\
	do {								\
		char fb_[512];						\
		const char *v_ = t_field((r)->hdr, name, fb_,		\
					 sizeof(fb_));			\
		if (!v_)						\
			fail_msg("no %s in:\n%s", name, (r)->hdr);	\
		assert_string_equal(v_, want);				\
	} while (0)

/* Asserts @r's body is @len pattern bytes of @seed from offset @off. */
#define t_assert_pattern(r, off, n, seed)				\
	do {								\
		assert_int_equal((r)->len, (n));			\
		assert_int_equal(t_check((r)->body, (r)->len, (off),	\
					 (seed)), -1);			\
	} while (0)

T_UNUSED static int t_connect(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -errno;
	}
	return fd;
}

T_UNUSED static void t_send_all(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		assert_true(n > 0);
		p = (const char *)p + n;
		len -= (size_t)n;
	}
}

T_UNUSED static void t_send_str(int fd, const char *s)
{
	t_send_all(fd, s, strlen(s));
}

/*
 * Reads from @fd into @buf until EOF, @cap bytes, or @ms without data.
 * NUL-terminates (cap - 1 bytes at most). Returns the bytes read; *@eof
 * says whether the server closed.
 */
T_UNUSED static size_t t_recv_until(int fd, char *buf, size_t cap, int ms,
				    int *eof)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	*eof = 0;
	while (got + 1 < cap) {
		if (poll(&pfd, 1, ms) <= 0)
			break;
		n = recv(fd, buf + got, cap - 1 - got, 0);
		if (n <= 0) {
			*eof = 1;
			break;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

/* One raw exchange: connect, send @req, read until close or @ms idle. */
T_UNUSED static size_t t_raw(const struct t_srv *s, const char *req,
			     char *buf, size_t cap, int ms, int *eof)
{
	int fd = t_connect(s->port);
	size_t n;

	assert_true(fd >= 0);
	t_send_all(fd, req, strlen(req));
	n = t_recv_until(fd, buf, cap, ms, eof);
	close(fd);
	return n;
}

/* The status code of the first response in @buf, or 0. */
T_UNUSED static int t_status(const char *buf)
{
	return !strncmp(buf, "HTTP/1.1 ", 9) ? atoi(buf + 9) : 0;
}

/* How many times @what occurs in @buf (a string). */
T_UNUSED static int t_count(const char *buf, const char *what)
{
	int n = 0;

	for (; (buf = strstr(buf, what)); buf++)
		n++;
	return n;
}

/* The same in @len bytes that may hold NULs (a binary body). */
T_UNUSED static int t_countn(const char *buf, size_t len, const char *what)
{
	size_t wl = strlen(what);
	const char *p = buf, *end = buf + len;
	int n = 0;

	while ((p = memmem(p, (size_t)(end - p), what, wl))) {
		n++;
		p++;
	}
	return n;
}

/*
 * The test site, made once per program in a tmpfs dir (mode 0755 so that
 * --user nobody can read it):
 *   small.txt   100 pattern bytes     4k.bin   4096 bytes
 *   1m.bin      1 MiB                 index.html
 *   dir/index.html   plain/ (no index; a.txt, b.txt, .secret)
 *   .hidden     sub/page.html         "a b&c.txt" (a name to escape)
 *   link-in -> small.txt   link-out -> /etc/passwd
 *   abs-out -> /etc   up-out -> ../../../etc/passwd
 */
T_UNUSED static const char *t_site(void)
{
	static char root[PATH_MAX];
	const char *base;
	int fd;

	if (root[0])
		return root;
	base = t_dir_tmpfs();
	chmod(base, 0755);
	snprintf(root, sizeof(root), "%s/site", base);
	assert_int_equal(mkdir(root, 0755), 0);
	close(t_file(root, "small.txt", 100, T_SEED_SMALL, NULL));
	close(t_file(root, "4k.bin", 4096, T_SEED_4K, NULL));
	close(t_file(root, "1m.bin", 1 << 20, T_SEED_1M, NULL));
	fd = t_file_empty(root, "index.html", O_WRONLY, NULL);
	assert_int_equal(write(fd, "<h1>root</h1>\n", 14), 14);
	close(fd);
	fd = t_file_empty(root, ".hidden", O_WRONLY, NULL);
	assert_int_equal(write(fd, "secret\n", 7), 7);
	close(fd);
	fd = t_file_empty(root, "a b&c.txt", O_WRONLY, NULL);
	assert_int_equal(write(fd, "odd\n", 4), 4);
	close(fd);
	{
		char p[PATH_MAX + 32];

		snprintf(p, sizeof(p), "%s/dir", root);
		assert_int_equal(mkdir(p, 0755), 0);
		fd = t_file_empty(p, "index.html", O_WRONLY, NULL);
		assert_int_equal(write(fd, "<h1>dir</h1>\n", 13), 13);
		close(fd);
		snprintf(p, sizeof(p), "%s/plain", root);
		assert_int_equal(mkdir(p, 0755), 0);
		close(t_file(p, "a.txt", 10, 1, NULL));
		close(t_file(p, "b.txt", 20, 2, NULL));
		close(t_file(p, ".secret", 5, 3, NULL));
		snprintf(p, sizeof(p), "%s/sub", root);
		assert_int_equal(mkdir(p, 0755), 0);
		fd = t_file_empty(p, "page.html", O_WRONLY, NULL);
		assert_int_equal(write(fd, "<p>sub</p>\n", 11), 11);
		close(fd);
		snprintf(p, sizeof(p), "%s/link-in", root);
		assert_int_equal(symlink("small.txt", p), 0);
		snprintf(p, sizeof(p), "%s/link-out", root);
		assert_int_equal(symlink("/etc/passwd", p), 0);
		snprintf(p, sizeof(p), "%s/abs-out", root);
		assert_int_equal(symlink("/etc", p), 0);
		snprintf(p, sizeof(p), "%s/up-out", root);
		assert_int_equal(symlink("../../../../../../etc/passwd", p),
				 0);
	}
	/* t_file makes 0600 files; --user nobody must read them. */
	{
		char cmd[PATH_MAX + 64];

		snprintf(cmd, sizeof(cmd), "chmod -R a+rX '%s'", root);
		assert_int_equal(system(cmd), 0);
	}
	return root;
}

/* One cmocka test per engine: the state is the engine's name. */
#define T_BOTH(f)							\
	cmocka_unit_test_prestate(f, (void *)"uring"),			\
	cmocka_unit_test_prestate(f, (void *)"epoll")

#define T_ENGINE(state) ((const char *)*(state))

#endif
