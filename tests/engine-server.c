/* SPDX-License-Identifier: MIT */
/*
 * tests/engine-server.c - src/engine/engine.h end to end, on io_uring and
 * on epoll, with a tiny protocol module: echo, plus "BIG n\n" which
 * answers n pattern bytes from a file with sendfile. Tested: accepting and
 * echoing, two workers both getting connections through SO_REUSEPORT, the
 * connection limit with a clean refusal, idle timeouts, graceful stop with
 * a response in flight (it completes, new connections are refused), the
 * shutdown bound and a forced second stop, SIGTERM, SIGHUP reopening the
 * error and access logs after a rename, IPv6 on [::1], the port file, the
 * engine's metrics, and bad listen addresses. Loopback only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine-util.h"

#define BIG_SIZE (8u << 20)
#define BIG_SEED 7

static int big_fd;

/* What the protocol saw, read by the test thread. */
static struct {
	int opens[4];		/* per worker */
	int closes;
	int timeouts;		/* on_timeout calls */
	int close_timedout;	/* on_close with -ETIMEDOUT */
	int drains;
	int worker_starts, worker_stops;
	unsigned int idle_ms;	/* 0: no idle timeout */
	int edge;		/* EV_EDGE: read until EAGAIN */
} st;

#define ST_INC(x) __atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)
#define ST_GET(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)

struct echo {
	struct eng_conn c;	/* first: the engine allocates conn_size */
	struct zc_chain out;
	int draining;
};

static int echo_open(struct eng_conn *c)
{
	struct echo *ec = (struct echo *)c;

	zc_chain_init(&ec->out);
	ST_INC(st.opens[eng_worker_id(c->worker)]);
	if (st.idle_ms)
		eng_conn_timeout(c, st.idle_ms);
	if (st.edge)
		return eng_conn_want(c, EV_READ | EV_EDGE);
	return 0;
}

static void echo_flush(struct echo *ec)
{
	ssize_t n = eng_conn_send(&ec->c, &ec->out, NULL);

	if (n < 0)
		eng_conn_close(&ec->c, (int)n);
	else if (ec->draining && !zc_chain_bytes(&ec->out))
		eng_conn_close(&ec->c, 0);
}

static void echo_request(struct echo *ec, const char *buf, ssize_t n)
{
	struct eng_alog_buf *alog = eng_worker_alog(ec->c.worker);
	unsigned long size;

	if (n > 4 && !memcmp(buf, "BIG ", 4)) {
		size = strtoul(buf + 4, NULL, 10);
		if (size > BIG_SIZE)
			size = BIG_SIZE;
		zc_chain_append_fd(&ec->out, big_fd, 0, size);
	} else {
		zc_chain_append_copy(&ec->out, buf, n);
	}
	if (alog)
		eng_alog_printf(alog, "w%u %zd\n", eng_worker_id(ec->c.worker),
				n);
}

static void echo_io(struct eng_conn *c, unsigned int events)
{
	struct echo *ec = (struct echo *)c;
	char buf[4096];
	ssize_t n;

	/* level-triggered: one read a call; edge: until EAGAIN */
	while (events & EV_READ) {
		n = read(c->fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			eng_conn_close(c, n ? -errno : 0);
			return;
		}
		if (n < 0)
			break;
		if (st.idle_ms)
			eng_conn_timeout(c, st.idle_ms);
		echo_request(ec, buf, n);
		if (!st.edge)
			break;
	}
	echo_flush(ec);
}

static void echo_timeout(struct eng_conn *c)
{
	ST_INC(st.timeouts);
	eng_conn_close(c, -ETIMEDOUT);
}

static void echo_drain(struct eng_conn *c)
{
	struct echo *ec = (struct echo *)c;

	ST_INC(st.drains);
	ec->draining = 1;
	if (!zc_chain_bytes(&ec->out))
		eng_conn_close(c, 0);
}

static void echo_close(struct eng_conn *c, int err)
{
	struct echo *ec = (struct echo *)c;

	zc_chain_exit(&ec->out);
	ST_INC(st.closes);
	if (err == -ETIMEDOUT)
		ST_INC(st.close_timedout);
}

static void echo_refuse(struct eng_worker *w, int fd)
{
	ssize_t n = send(fd, "BUSY\n", 5, MSG_DONTWAIT | MSG_NOSIGNAL);

	(void)w;
	(void)n;
}

static int echo_worker_start(struct eng_worker *w)
{
	(void)w;
	ST_INC(st.worker_starts);
	return 0;
}

static void echo_worker_stop(struct eng_worker *w)
{
	(void)w;
	ST_INC(st.worker_stops);
}

static const struct eng_proto echo_proto = {
	.name = "echo",
	.conn_size = sizeof(struct echo),
	.on_open = echo_open,
	.on_io = echo_io,
	.on_timeout = echo_timeout,
	.on_drain = echo_drain,
	.on_close = echo_close,
	.on_refuse = echo_refuse,
	.on_worker_start = echo_worker_start,
	.on_worker_stop = echo_worker_stop,
};

/* A server running in a thread of its own. */
struct srv {
	struct eng *e;
	pthread_t th;
	int ret;
	int done;
	char addr[80];
};

static void cfg_init(void **state, struct eng_config *cfg, unsigned int nw)
{
	memset(&st, 0, sizeof(st));
	eng_config_init(cfg);
	cfg->backend = t_backend(state);
	cfg->workers = nw;
	cfg->log_level = ENG_LOG_WARN;
	cfg->proto = &echo_proto;
	if (!cfg->nlisten)
		eng_config_set(cfg, "listen", "127.0.0.1:0");
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;

	s->ret = eng_run(s->e);
	__atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * The server of the test running now. A failed assertion jumps out of
 * the test and would leave its server running, with its listeners, its
 * threads and its signalfd, which could then take a later test's SIGTERM
 * (one failure showing as several). srv_reap, each test's teardown,
 * stops and joins it. The thread writes to its struct srv until then, so
 * the tests keep theirs static rather than in a frame the jump discards.
 */
static struct srv *live;

/* Runs eng_run(s->e) in a thread; s->e is set up. */
static void srv_run(struct srv *s)
{
	s->done = 0;
	assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
	live = s;
}

static void srv_start(struct srv *s, const struct eng_config *cfg)
{
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->e = eng_new(cfg, &err);
	if (!s->e)
		fail_msg("eng_new: %s", strerror(-err));
	eng_listen_text(s->e, 0, s->addr, sizeof(s->addr));
	srv_run(s);
}

/* Waits up to @ms for eng_run to return; 1 if it did. */
static int srv_wait(struct srv *s, unsigned int ms)
{
	uint64_t end = t_ms() + ms;

	while (!__atomic_load_n(&s->done, __ATOMIC_SEQ_CST) && t_ms() < end)
		t_sleep_ms(2);
	return __atomic_load_n(&s->done, __ATOMIC_SEQ_CST);
}

static void srv_join(struct srv *s)
{
	if (!srv_wait(s, 15000))
		fail_msg("eng_run did not return");
	pthread_join(s->th, NULL);
	live = NULL;
	assert_int_equal(s->ret, 0);
	eng_free(s->e);
}

static void srv_stop(struct srv *s)
{
	eng_stop(s->e);
	srv_join(s);
}

/* Teardown: a server left by a failed test is stopped at once. */
static int srv_reap(void **state)
{
	struct srv *s = live;

	(void)state;
	if (!s)
		return 0;
	eng_stop(s->e);
	eng_stop(s->e);		/* the second stop closes what is in flight */
	if (!srv_wait(s, 15000))
		return -1;
	pthread_join(s->th, NULL);
	live = NULL;
	eng_free(s->e);
	return 0;
}

/* T_BOTH, with srv_reap after each run. */
#define T_SRV(f)							\
	{ #f "/uring", f, NULL, srv_reap, (void *)&t_be_uring },	\
	{ #f "/epoll", f, NULL, srv_reap, (void *)&t_be_epoll }

/* "127.0.0.1:port" or "[::1]:port" to a sockaddr. */
static socklen_t parse_addr(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[64];
	const char *colon = strrchr(text, ':');

	memset(ss, 0, sizeof(*ss));
	assert_non_null(colon);
	if (text[0] == '[') {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - text - 2),
			 text + 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(atoi(colon + 1));
		assert_int_equal(inet_pton(AF_INET6, host, &sin6->sin6_addr),
				 1);
		return sizeof(*sin6);
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(atoi(colon + 1));
	assert_int_equal(inet_pton(AF_INET, host, &sin->sin_addr), 1);
	return sizeof(*sin);
}

/* A blocking client socket with 5 s timeouts, or -errno of connect. */
static int try_connect(const char *addr)
{
	struct timeval tv = { 5, 0 };
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(addr, &ss);
	int fd, err;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int client(const char *addr)
{
	int fd = try_connect(addr);

	if (fd < 0)
		fail_msg("connect %s: %s", addr, strerror(-fd));
	return fd;
}

static void send_str(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL),
			 (ssize_t)strlen(s));
}

/* Reads exactly @len bytes (or fails), then returns. */
static void recv_exact(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail_msg("read after %zu of %zu bytes: %s", got, len,
				 n ? strerror(errno) : "EOF");
		got += n;
	}
}

static void recv_big(int fd, size_t size, size_t done);

static void echo_check(int fd, const char *s)
{
	char buf[256];

	send_str(fd, s);
	recv_exact(fd, buf, strlen(s));
	assert_memory_equal(buf, s, strlen(s));
}

/* 0 when the server closed the connection (EOF or reset). */
static int at_eof(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return 0;
	print_message("not at EOF: read %zd (%s)\n", n,
		      n < 0 ? strerror(errno) : "data");
	return -1;
}

static int wait_conns(struct eng *e, unsigned int want, unsigned int ms)
{
	uint64_t end = t_ms() + ms;

	while (eng_conns(e) != want && t_ms() < end)
		t_sleep_ms(2);
	return eng_conns(e) == want;
}

static void echo_basic(void **state)
{
	struct eng_config cfg;
	static struct srv s;
	int fd;

	cfg_init(state, &cfg, 2);
	srv_start(&s, &cfg);
	assert_int_equal(eng_backend(s.e), *(enum ev_backend *)*state);
	assert_int_equal(eng_workers(s.e), 2);
	fd = client(s.addr);
	echo_check(fd, "hello");
	echo_check(fd, "world, again");
	assert_true(wait_conns(s.e, 1, 2000));
	close(fd);
	assert_true(wait_conns(s.e, 0, 2000));
	srv_stop(&s);
	assert_int_equal(ST_GET(st.worker_starts), 2);
	assert_int_equal(ST_GET(st.worker_stops), 2);
	assert_int_equal(ST_GET(st.closes), 1);
}

/*
 * A protocol that asks for EV_EDGE: many echoes of various sizes, and an
 * 8 MiB answer that fills the socket again and again (edge-triggered
 * EV_WRITE after EAGAIN) while requests keep arriving.
 */
static void edge_mode(void **state)
{
	static char big[20000];
	struct eng_config cfg;
	static struct srv s;
	int fd, i;

	cfg_init(state, &cfg, 1);
	st.edge = 1;
	srv_start(&s, &cfg);
	fd = client(s.addr);
	for (i = 0; i < 200; i++)
		echo_check(fd, i % 2 ? "ping" : "a longer line of text");
	memset(big, 'e', sizeof(big) - 1);
	send_str(fd, big);
	recv_exact(fd, big, sizeof(big) - 1);
	send_str(fd, "BIG 8388608\n");
	recv_big(fd, BIG_SIZE, 0);
	echo_check(fd, "after");
	close(fd);
	assert_true(wait_conns(s.e, 0, 2000));
	srv_stop(&s);
}

/* SO_REUSEPORT spreads connections: both workers get some of 64. */
static void two_workers(void **state)
{
	struct eng_config cfg;
	static struct srv s;
	int fds[64], i;

	cfg_init(state, &cfg, 2);
	srv_start(&s, &cfg);
	for (i = 0; i < 64; i++) {
		fds[i] = client(s.addr);
		echo_check(fds[i], "x");
	}
	assert_int_equal(ST_GET(st.opens[0]) + ST_GET(st.opens[1]), 64);
	assert_true(ST_GET(st.opens[0]) > 0);
	assert_true(ST_GET(st.opens[1]) > 0);
	for (i = 0; i < 64; i++)
		close(fds[i]);
	srv_stop(&s);
}

static uint64_t metric(struct eng *e, const char *line_start)
{
	size_t len;
	int err;
	char *text = eng_metrics_render(eng_metrics(e), &len, &err), *p;
	char needle[128];
	uint64_t v;

	assert_non_null(text);
	/* a sample line, not the HELP line that names the metric */
	snprintf(needle, sizeof(needle), "\n%s", line_start);
	p = strstr(text, needle);
	if (!p)
		fail_msg("no '%s' in:\n%s", line_start, text);
	v = strtoull(p + strlen(needle), NULL, 10);
	free(text);
	return v;
}

/* Metrics are counted after the send: the client may be faster. */
static int metric_is(struct eng *e, const char *line_start, uint64_t want)
{
	uint64_t end = t_ms() + 2000;

	while (metric(e, line_start) != want && t_ms() < end)
		t_sleep_ms(2);
	return metric(e, line_start) == want;
}

/* Over --max-conns: the refusal hook answers and the fd is closed; a
 * freed slot is usable again. */
static void conn_limit(void **state)
{
	struct eng_config cfg;
	static struct srv s;
	int fds[4], fd, i;
	char buf[8];

	cfg_init(state, &cfg, 2);
	assert_int_equal(eng_config_set(&cfg, "max-conns", "4"), 0);
	srv_start(&s, &cfg);
	for (i = 0; i < 4; i++) {
		fds[i] = client(s.addr);
		echo_check(fds[i], "in");
	}
	for (i = 0; i < 3; i++) {
		fd = client(s.addr);
		recv_exact(fd, buf, 5);
		assert_memory_equal(buf, "BUSY\n", 5);
		assert_int_equal(at_eof(fd), 0);
		close(fd);
	}
	assert_true(metric_is(s.e, "zcio_connections_refused_total ", 3));
	assert_true(metric_is(s.e, "zcio_connections_open ", 4));
	close(fds[0]);
	assert_true(wait_conns(s.e, 3, 2000));
	fd = client(s.addr);
	echo_check(fd, "again");
	close(fd);
	for (i = 1; i < 4; i++)
		close(fds[i]);
	srv_stop(&s);
}

/* The protocol's idle timer closes a silent connection. */
static void idle_timeout(void **state)
{
	struct eng_config cfg;
	static struct srv s;
	uint64_t t0;
	int fd;

	cfg_init(state, &cfg, 1);
	st.idle_ms = 150;
	srv_start(&s, &cfg);
	fd = client(s.addr);
	echo_check(fd, "a");
	t0 = t_ms();
	t_sleep_ms(80);
	echo_check(fd, "b");	/* re-arms the timer */
	assert_int_equal(at_eof(fd), 0);
	assert_true(t_ms() - t0 >= 200);
	assert_true(t_ms() - t0 < 3000);
	assert_int_equal(ST_GET(st.timeouts), 1);
	close(fd);
	srv_stop(&s);
}

/* Reads the BIG response after the @done bytes already read and checks
 * every byte against the pattern. */
static void recv_big(int fd, size_t size, size_t done)
{
	static uint8_t buf[BIG_SIZE];

	recv_exact(fd, buf, size - done);
	assert_int_equal(t_check(buf, size - done, done, BIG_SEED), -1);
}

/*
 * 1 once a connect to @addr is refused, within @ms. eng_stop only asks the
 * workers to stop, so a connect may still reach a listener that is about
 * to close. It then either succeeds (still queued) or, when the close
 * comes between the handshake and connect() returning, fails with
 * ECONNRESET: the kernel resets what was in the closing listener's
 * queue. Neither is a refusal, so both try again; any other error fails.
 */
static int connect_refused(const char *addr, unsigned int ms)
{
	uint64_t end = t_ms() + ms;
	int fd;

	for (;;) {
		fd = try_connect(addr);
		if (fd == -ECONNREFUSED)
			return 1;
		if (fd < 0 && fd != -ECONNRESET) {
			print_message("connect %s: %s\n", addr, strerror(-fd));
			return 0;
		}
		if (fd >= 0)
			close(fd);
		if (t_ms() > end)
			return 0;
		t_sleep_ms(5);
	}
}

/*
 * SIGTERM-like stop with an 8 MiB response in flight to a client that
 * reads slowly: listeners close at once, the response completes, then the
 * server closes the connection and eng_run returns.
 */
static void graceful_in_flight(void **state)
{
	static uint8_t head[65536];
	struct eng_config cfg;
	static struct srv s;
	int fd;

	cfg_init(state, &cfg, 1);
	srv_start(&s, &cfg);
	fd = client(s.addr);
	t_set_rcvbuf(fd, 65536);
	send_str(fd, "BIG 8388608\n");
	recv_exact(fd, head, sizeof(head));
	eng_stop(s.e);
	assert_true(connect_refused(s.addr, 2000));
	t_sleep_ms(100);
	assert_false(__atomic_load_n(&s.done, __ATOMIC_SEQ_CST));
	assert_true(ST_GET(st.drains) >= 1);
	recv_big(fd, BIG_SIZE, sizeof(head));
	assert_true(t_check(head, sizeof(head), 0, BIG_SEED) == -1);
	assert_int_equal(at_eof(fd), 0);
	srv_join(&s);
	assert_int_equal(ST_GET(st.close_timedout), 0);
	close(fd);
}

/* A client that never reads: closed at --shutdown-timeout. */
static void shutdown_bound(void **state)
{
	struct eng_config cfg;
	static struct srv s;
	uint64_t t0;
	int fd;

	cfg_init(state, &cfg, 1);
	assert_int_equal(eng_config_set(&cfg, "shutdown-timeout", "300ms"),
			 0);
	srv_start(&s, &cfg);
	fd = client(s.addr);
	t_set_rcvbuf(fd, 4096);
	send_str(fd, "BIG 8388608\n");
	t_sleep_ms(50);
	t0 = t_ms();
	eng_stop(s.e);
	assert_true(srv_wait(&s, 5000));
	assert_true(t_ms() - t0 >= 250);
	srv_join(&s);
	assert_int_equal(ST_GET(st.close_timedout), 1);
	close(fd);
}

/* A second stop does not wait for the bound. */
static void forced_stop(void **state)
{
	struct eng_config cfg;
	static struct srv s;
	uint64_t t0;
	int fd;

	cfg_init(state, &cfg, 2);
	srv_start(&s, &cfg);
	fd = client(s.addr);
	t_set_rcvbuf(fd, 4096);
	send_str(fd, "BIG 8388608\n");
	t_sleep_ms(50);
	t0 = t_ms();
	eng_stop(s.e);
	t_sleep_ms(50);
	assert_false(__atomic_load_n(&s.done, __ATOMIC_SEQ_CST));
	eng_stop(s.e);
	srv_join(&s);
	assert_true(t_ms() - t0 < 5000);	/* the bound is 10 s */
	close(fd);
}

/* SIGTERM from outside stops the server like eng_stop. */
static void sigterm(void **state)
{
	struct eng_config cfg;
	static struct srv s;
	int fd;

	cfg_init(state, &cfg, 2);
	srv_start(&s, &cfg);
	fd = client(s.addr);
	echo_check(fd, "x");
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	assert_int_equal(at_eof(fd), 0);
	srv_join(&s);
	close(fd);
}

static int file_has(const char *path, const char *needle, unsigned int ms)
{
	uint64_t end = t_ms() + ms;
	char buf[8192];
	ssize_t n;
	int fd;

	do {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = '\0';
			if (strstr(buf, needle))
				return 1;
		}
		t_sleep_ms(10);
	} while (t_ms() < end);
	return 0;
}

/*
 * logrotate's way: rename the logs, send SIGHUP, and the server writes
 * to new files at the old paths; lines flushed before stay in the old.
 */
static void sighup_reopen(void **state)
{
	char elog[PATH_MAX], alog[PATH_MAX];
	char elog1[PATH_MAX + 4], alog1[PATH_MAX + 4];
	const char *dir = t_dir_disk();
	struct eng_config cfg;
	static struct srv s;
	struct stat sb;
	uint64_t end;
	int fd;

	snprintf(elog, sizeof(elog), "%s/error-%d.log", dir,
		 *(int *)*state);
	snprintf(alog, sizeof(alog), "%s/access-%d.log", dir,
		 *(int *)*state);
	snprintf(elog1, sizeof(elog1), "%s.1", elog);
	snprintf(alog1, sizeof(alog1), "%s.1", alog);
	cfg_init(state, &cfg, 1);
	cfg.log_level = ENG_LOG_INFO;
	cfg.error_log = elog;
	cfg.access_log = alog;
	srv_start(&s, &cfg);
	fd = client(s.addr);
	echo_check(fd, "first");
	/* flushed within a second, without more traffic */
	assert_true(file_has(alog, "w0 5\n", 3000));
	assert_true(file_has(elog, "listening on", 1000));
	assert_int_equal(rename(elog, elog1), 0);
	assert_int_equal(rename(alog, alog1), 0);
	assert_int_equal(kill(getpid(), SIGHUP), 0);
	assert_true(file_has(elog1, "reopening logs", 3000));
	end = t_ms() + 3000;
	while (stat(elog, &sb) && t_ms() < end)
		t_sleep_ms(5);
	assert_int_equal(stat(elog, &sb), 0);
	assert_int_equal(stat(alog, &sb), 0);
	echo_check(fd, "second");
	assert_true(file_has(alog, "w0 6\n", 3000));
	assert_false(file_has(alog, "w0 5\n", 0));
	assert_true(file_has(alog1, "w0 5\n", 0));
	close(fd);
	srv_stop(&s);
	assert_true(file_has(elog, "stopped", 1000));
	eng_log_close();
}

/* The access log is flushed at stop, not lost with the buffer. */
static void alog_flush_on_stop(void **state)
{
	char alog[PATH_MAX];
	struct eng_config cfg;
	static struct srv s;
	int fd;

	snprintf(alog, sizeof(alog), "%s/stop-%d.log", t_dir_disk(),
		 *(int *)*state);
	cfg_init(state, &cfg, 2);
	cfg.access_log = alog;
	srv_start(&s, &cfg);
	fd = client(s.addr);
	echo_check(fd, "abc");
	close(fd);
	srv_stop(&s);
	assert_true(file_has(alog, " 3\n", 0));
}

static void ipv6(void **state)
{
	struct eng_config cfg;
	static struct srv s;
	int fd, err = 0;
	struct eng *e;

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0)
		skip();
	close(fd);
	cfg_init(state, &cfg, 1);
	cfg.nlisten = 0;
	eng_config_set(&cfg, "listen", "[::1]:0");
	e = eng_new(&cfg, &err);
	if (!e && (err == -EADDRNOTAVAIL || err == -EAFNOSUPPORT))
		skip();
	eng_free(e);
	srv_start(&s, &cfg);
	assert_memory_equal(s.addr, "[::1]:", 6);
	fd = client(s.addr);
	echo_check(fd, "six");
	close(fd);
	srv_stop(&s);
}

/* Two listeners; the port file lists both, in order. */
static void port_file(void **state)
{
	char path[PATH_MAX], want[256], a0[80], a1[80];
	struct eng_config cfg;
	static struct srv s;
	int fd;

	snprintf(path, sizeof(path), "%s/ports-%d", t_dir_disk(),
		 *(int *)*state);
	cfg_init(state, &cfg, 2);
	eng_config_set(&cfg, "listen", "127.0.0.1:0");
	cfg.port_file = path;
	srv_start(&s, &cfg);
	assert_int_equal(eng_listen_count(s.e), 2);
	eng_listen_text(s.e, 0, a0, sizeof(a0));
	eng_listen_text(s.e, 1, a1, sizeof(a1));
	assert_string_not_equal(a0, a1);
	snprintf(want, sizeof(want), "%s\n%s\n", a0, a1);
	assert_true(file_has(path, want, 3000));
	fd = client(a1);
	echo_check(fd, "second listener");
	close(fd);
	srv_stop(&s);
}

/* A listener outside the limit (a metrics endpoint) still accepts when
 * the server is full; ENG_LISTEN_SINGLE has one socket, in worker 0. */
static void extra_listener(void **state)
{
	struct eng_config cfg;
	static struct srv s;
	char addr[80];
	int full, fd, i, idx, err = 0;

	cfg_init(state, &cfg, 2);
	eng_config_set(&cfg, "max-conns", "1");
	memset(&s, 0, sizeof(s));
	s.e = eng_new(&cfg, &err);
	assert_non_null(s.e);
	idx = eng_listen(s.e, "127.0.0.1:0", &echo_proto,
			 ENG_LISTEN_SINGLE | ENG_LISTEN_NO_LIMIT);
	assert_int_equal(idx, 1);
	eng_listen_text(s.e, idx, addr, sizeof(addr));
	eng_listen_text(s.e, 0, s.addr, sizeof(s.addr));
	srv_run(&s);
	full = client(s.addr);
	echo_check(full, "one");
	for (i = 0; i < 8; i++) {
		fd = client(addr);
		echo_check(fd, "metrics");
		close(fd);
	}
	assert_true(ST_GET(st.opens[0]) >= 8);
	assert_int_equal(ST_GET(st.opens[0]) + ST_GET(st.opens[1]), 9);
	close(full);
	srv_stop(&s);
}

static void metrics_counted(void **state)
{
	struct eng_config cfg;
	static struct srv s;
	int fd, i;

	cfg_init(state, &cfg, 2);
	srv_start(&s, &cfg);
	for (i = 0; i < 5; i++) {
		fd = client(s.addr);
		echo_check(fd, "12345");
		close(fd);
	}
	fd = client(s.addr);
	send_str(fd, "BIG 1000\n");
	recv_big(fd, 1000, 0);
	assert_true(wait_conns(s.e, 1, 2000));
	assert_true(metric_is(s.e, "zcio_connections_accepted_total ", 6));
	assert_true(metric_is(s.e,
			      "zcio_sent_bytes_total{path=\"memory\"} ", 25));
	assert_true(metric_is(s.e,
			      "zcio_sent_bytes_total{path=\"sendfile\"} ",
			      1000));
	close(fd);
	srv_stop(&s);
}

static void bad_listen(void **state)
{
	struct eng_config cfg;
	struct eng *e;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char spec[64];
	int err = 0, fd;

	cfg_init(state, &cfg, 1);
	cfg.nlisten = 0;
	eng_config_set(&cfg, "listen", "127.0.0.1");
	assert_null(eng_new(&cfg, &err));
	assert_int_equal(err, -EINVAL);
	cfg.nlisten = 0;
	eng_config_set(&cfg, "listen", "::1:80");
	assert_null(eng_new(&cfg, &err));
	assert_int_equal(err, -EINVAL);
	/* a port held by a socket without SO_REUSEPORT */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", ntohs(sin.sin_port));
	cfg.nlisten = 0;
	eng_config_set(&cfg, "listen", spec);
	assert_null(eng_new(&cfg, &err));
	assert_int_equal(err, -EADDRINUSE);
	close(fd);
	/* stopped before it ran: eng_run returns at once */
	cfg.nlisten = 0;
	eng_config_set(&cfg, "listen", "127.0.0.1:0");
	e = eng_new(&cfg, &err);
	assert_non_null(e);
	eng_stop(e);
	assert_int_equal(eng_run(e), 0);
	eng_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_SRV(echo_basic),
		T_SRV(edge_mode),
		T_SRV(two_workers),
		T_SRV(conn_limit),
		T_SRV(idle_timeout),
		T_SRV(graceful_in_flight),
		T_SRV(shutdown_bound),
		T_SRV(forced_stop),
		T_SRV(sigterm),
		T_SRV(sighup_reopen),
		T_SRV(alog_flush_on_stop),
		T_SRV(ipv6),
		T_SRV(port_file),
		T_SRV(extra_listener),
		T_SRV(metrics_counted),
		T_SRV(bad_listen),
	};
	sigset_t set;

	/* the engine takes these from a signalfd: no thread may get them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	big_fd = t_memfd(BIG_SIZE, BIG_SEED);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
