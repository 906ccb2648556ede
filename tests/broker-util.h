/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-util.h - what the `zcio broker` test programs share: the
 * real binary ($ZCIO_BIN) started on 127.0.0.1 port 0 with --port-file and
 * a fresh data directory, kcat run with fork/exec under timeout(1), raw
 * Kafka frames for what no client sends (bad versions, oversize frames,
 * pipelining), and the --metrics endpoint read over a raw socket.
 * The generic process and socket helpers come from serve-util.h.
 */
#ifndef ZC_TESTS_BROKER_UTIL_H
#define ZC_TESTS_BROKER_UTIL_H

#include <arpa/inet.h>

#include "serve-util.h"

struct t_broker {
	pid_t pid;
	int port;
	int mport;			/* --metrics port */
	char dir[PATH_MAX];		/* scratch: port file, logs... */
	char data[PATH_MAX + 16];	/* --data */
	char log[PATH_MAX + 16];	/* the broker's stdout and stderr */
	char boot[64];			/* "127.0.0.1:PORT" for clients */
	/* 0: listen on an ephemeral port; else on this one (a restart
	 * that clients must find at the same address). */
	int listen_port;
};

/*
 * Brokers still running when the program ends (a failed assertion skips
 * t_broker_stop) are killed, so that no test leaves one behind.
 */
static pid_t t_broker_pids[64];

static void t_broker_reap(void)
{
	unsigned int i;

	for (i = 0; i < 64; i++)
		if (t_broker_pids[i] > 0)
			kill(t_broker_pids[i], SIGKILL);
}

T_UNUSED static void t_broker_track(pid_t pid, int on)
{
	static int registered;
	unsigned int i;

	if (!registered++)
		atexit(t_broker_reap);
	for (i = 0; i < 64; i++) {
		if (on && t_broker_pids[i] <= 0) {
			t_broker_pids[i] = pid;
			return;
		}
		if (!on && t_broker_pids[i] == pid) {
			t_broker_pids[i] = 0;
			return;
		}
	}
}

/* A fresh scratch directory on disk (the log must be on a real fs). */
T_UNUSED static void t_broker_dirs(struct t_broker *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "%s/broker-XXXXXX", t_dir_disk());
	assert_non_null(mkdtemp(b->dir));
	snprintf(b->data, sizeof(b->data), "%s/data", b->dir);
	snprintf(b->log, sizeof(b->log), "%s/broker.log", b->dir);
}

/*
 * Starts `zcio broker --listen 127.0.0.1:0 --port-file F --data DATA
 * --metrics 127.0.0.1:0 --quiet ARGS...` (port b->listen_port instead of
 * 0 when set) with b->data as set by
 * t_broker_dirs (or kept from an earlier run: a restart) and waits up to
 * 20 s for the port file (recovery of a big log takes time). Returns 0 or
 * -1 when the broker did not start.
 */
T_UNUSED static int t_broker_startv(struct t_broker *b,
				    const char *const *args)
{
	char pf[PATH_MAX + 16], *argv[64], listen[32];
	int n = 0, i;
	double end;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", b->listen_port);
	snprintf(pf, sizeof(pf), "%s/port", b->dir);
	unlink(pf);
	argv[n++] = (char *)t_zcio();
	argv[n++] = "broker";
	argv[n++] = "--listen";
	argv[n++] = listen;
	argv[n++] = "--port-file";
	argv[n++] = pf;
	argv[n++] = "--data";
	argv[n++] = b->data;
	argv[n++] = "--metrics";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--quiet";
	for (i = 0; args && args[i] && n < 62; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	b->port = b->mport = 0;
	t_run(argv, b->log, &b->pid);
	t_broker_track(b->pid, 1);
	for (end = t_now() + 20; t_now() < end; usleep(10000)) {
		b->port = t_port_line(pf, 0);
		b->mport = t_port_line(pf, 1);
		if (b->port && b->mport) {
			snprintf(b->boot, sizeof(b->boot), "127.0.0.1:%d",
				 b->port);
			return 0;
		}
		if (waitpid(b->pid, NULL, WNOHANG) == b->pid) {
			t_broker_track(b->pid, 0);
			b->pid = 0;
			break;
		}
	}
	return -1;
}

T_UNUSED static void t_broker_dump(const struct t_broker *b)
{
	size_t len;
	char *text = t_read_file(b->log, &len);

	if (text && len)
		fprintf(stderr, "--- broker log ---\n%s--- end ---\n",
			len > 8000 ? text + len - 8000 : text);
	free(text);
}

/*
 * t_broker_startv, failing the test (after dumping the broker's log) when
 * the broker does not start. b->data is kept: after t_broker_dirs this is
 * a first start, after t_broker_stop a restart on the same data.
 */
T_UNUSED static void t_broker_start(struct t_broker *b,
				    const char *const *args)
{
	if (t_broker_startv(b, args)) {
		t_broker_dump(b);
		fail_msg("zcio broker did not start");
	}
}

#define T_BROKER_START(b, ...)						\
	t_broker_start(b, (const char *const[]){ __VA_ARGS__, NULL })

/*
 * t_broker_dirs, then starts the broker on @engine ("uring", "epoll")
 * with @extra options (NULL-terminated, may be NULL); fails the test when
 * it does not start.
 */
T_UNUSED static void t_broker_start_on(struct t_broker *b, const char *engine,
				       const char *const *extra)
{
	const char *args[16] = { "--engine", engine };
	int n = 2;

	while (extra && *extra && n < 15)
		args[n++] = *extra++;
	args[n] = NULL;
	t_broker_dirs(b);
	t_broker_start(b, args);
}

/* t_broker_start_on with the options as arguments: (b, "uring", ...). */
#define T_BROKER_START_ON(b, engine, ...)				\
	t_broker_start_on(b, engine, (const char *const[]){ __VA_ARGS__, NULL })

/* Sends @sig, waits up to @secs; SIGKILL after. Exit status or -1. */
T_UNUSED static int t_broker_signal(struct t_broker *b, int sig, double secs)
{
	double end = t_now() + secs;
	int status;

	if (!b->pid)
		return -1;
	kill(b->pid, sig);
	while (t_now() < end) {
		if (waitpid(b->pid, &status, WNOHANG) == b->pid) {
			t_broker_track(b->pid, 0);
			b->pid = 0;
			if (WIFSIGNALED(status))
				return 128 + WTERMSIG(status);
			return WEXITSTATUS(status);
		}
		usleep(5000);
	}
	kill(b->pid, SIGKILL);
	waitpid(b->pid, NULL, 0);
	t_broker_track(b->pid, 0);
	b->pid = 0;
	return -1;
}

/* Stops the broker; it must exit 0 within 15 s of SIGTERM. */
T_UNUSED static void t_broker_stop(struct t_broker *b)
{
	int st = t_broker_signal(b, SIGTERM, 15);

	if (st != 0)
		t_broker_dump(b);
	assert_int_equal(st, 0);
}

/*
 * Starts `timeout SECS kcat -b BOOT ARGS...` with standard input from @in
 * (NULL: /dev/null) and standard output into @out (NULL: discarded);
 * standard error goes to DIR/kcat.err. Returns the pid of timeout(1),
 * which passes a SIGTERM on to kcat.
 */
T_UNUSED static pid_t t_kcat_spawn(const struct t_broker *b, int secs,
				   const char *in, const char *out,
				   const char *const *args)
{
	char err[PATH_MAX + 16], tmo[16], *argv[64];
	int n = 0, i, fd;
	pid_t pid;

	snprintf(err, sizeof(err), "%s/kcat.err", b->dir);
	snprintf(tmo, sizeof(tmo), "%d", secs);
	argv[n++] = "timeout";
	argv[n++] = "-k";
	argv[n++] = "5";
	argv[n++] = tmo;
	argv[n++] = "kcat";
	argv[n++] = "-b";
	argv[n++] = (char *)b->boot;
	for (i = 0; args[i] && n < 62; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		fd = open(in ? in : "/dev/null", O_RDONLY);
		if (fd < 0)
			_exit(126);
		dup2(fd, 0);
		fd = open(out ? out : "/dev/null",
			  O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		fd = open(err, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/*
 * t_kcat_spawn and wait: returns kcat's exit status (124 when timeout(1)
 * had to stop it).
 */
T_UNUSED static int t_kcatv(const struct t_broker *b, int secs,
			    const char *in, const char *out,
			    const char *const *args)
{
	pid_t pid = t_kcat_spawn(b, secs, in, out, args);
	int status;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define t_kcat(b, secs, in, out, ...)					\
	t_kcatv(b, secs, in, out, (const char *const[]){ __VA_ARGS__, NULL })

/*
 * Whether the clients are installed (scripts/install-deps installs them):
 * a test without them is a skip with its reason, not a failure. Checked
 * once per program.
 */
T_UNUSED static int t_have(const char *what)
{
	static int kcat = -1, python = -1;
	char *kv[] = { "kcat", "-V", NULL };
	char *pv[] = { "/usr/bin/python3", "-c",
		       "import kafka, snappy, lz4, zstandard", NULL };

	if (!strcmp(what, "kcat")) {
		if (kcat < 0)
			kcat = t_run(kv, "/dev/null", NULL) == 0;
		return kcat;
	}
	if (python < 0)
		python = t_run(pv, "/dev/null", NULL) == 0;
	return python;
}

#define T_NEED(what)							\
	do {								\
		if (!t_have(what)) {					\
			fprintf(stderr, "skip: no %s (scripts/install-deps"\
				" installs it)\n", what);		\
			skip();						\
		}							\
	} while (0)

/* Prints kcat's standard error (after a failure). */
T_UNUSED static void t_kcat_dump(const struct t_broker *b)
{
	char err[PATH_MAX + 16], *text;
	size_t len;

	snprintf(err, sizeof(err), "%s/kcat.err", b->dir);
	text = t_read_file(err, &len);
	if (text && len)
		fprintf(stderr, "--- kcat stderr ---\n%s--- end ---\n",
			len > 4000 ? text + len - 4000 : text);
	free(text);
}

/* DIR/@name into @buf. */
T_UNUSED static const char *t_bpath(const struct t_broker *b,
				    const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", b->dir, name);
	return buf;
}

/* Writes @len bytes at @p to DIR/@name (truncating); returns the path. */
T_UNUSED static const char *t_bwrite(const struct t_broker *b,
				     const char *name, const void *p,
				     size_t len, char *buf, size_t cap)
{
	int fd;

	t_bpath(b, name, buf, cap);
	fd = open(buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
	return buf;
}

/*
 * Writes the kafka-python script @text to DIR/@name and runs it for at
 * most 60 s as `python3 SCRIPT BOOT [@arg]`, its output in DIR/py.log;
 * fails the test, with that output, unless it exits 0 having printed a
 * line "ok".
 */
T_UNUSED static void t_python(const struct t_broker *b, const char *name,
			      const char *text, const char *arg)
{
	char script[PATH_MAX + 16], pylog[PATH_MAX + 16], *log;
	char *argv[] = { "timeout", "-k", "5", "60", "/usr/bin/python3",
			 script, (char *)b->boot, (char *)arg, NULL };
	size_t len;
	int rc;

	t_bwrite(b, name, text, strlen(text), script, sizeof(script));
	t_bpath(b, "py.log", pylog, sizeof(pylog));
	unlink(pylog);
	rc = t_run(argv, pylog, NULL);
	log = t_read_file(pylog, &len);
	if (rc || !log || !strstr(log, "ok\n"))
		fail_msg("kafka-python %s %s (exit %d):\n%s", name,
			 arg ? arg : "", rc, log ? log : "");
	free(log);
}

/* Lines in @text (each ending in '\n'). */
T_UNUSED static int t_lines(const char *text)
{
	int n = 0;

	for (; text && *text; text++)
		n += *text == '\n';
	return n;
}

/*
 * The value of metric @name (with its labels, exactly as rendered, e.g.
 * "zcio_kafka_fetch_bytes_total{mode=\"sendfile\"}") from GET /metrics,
 * or -1 when it is not there.
 */
T_UNUSED static double t_metric(const struct t_broker *b, const char *name)
{
	static char buf[1 << 20];
	char req[128], *p;
	size_t nlen = strlen(name);
	int fd, eof;

	fd = t_connect(b->mport);
	assert_true(fd >= 0);
	snprintf(req, sizeof(req), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	t_send_str(fd, req);
	t_recv_until(fd, buf, sizeof(buf), 3000, &eof);
	close(fd);
	for (p = buf; (p = strstr(p, name)); p += nlen) {
		if ((p == buf || p[-1] == '\n') && p[nlen] == ' ')
			return strtod(p + nlen + 1, NULL);
	}
	return -1;
}

/*
 * Raw Kafka frames: a request under construction (big-endian fields, as
 * the protocol guide writes them), independent of the broker's codec so
 * that the tests check the wire, not the codec against itself.
 */
struct t_kreq {
	uint8_t b[1 << 18];
	size_t len;
};

T_UNUSED static void t_kput(struct t_kreq *r, const void *p, size_t n)
{
	assert_true(r->len + n <= sizeof(r->b));
	memcpy(r->b + r->len, p, n);
	r->len += n;
}

T_UNUSED static void t_kput8(struct t_kreq *r, int8_t v)
{
	t_kput(r, &v, 1);
}

T_UNUSED static void t_kput16(struct t_kreq *r, int16_t v)
{
	uint16_t be = htons((uint16_t)v);

	t_kput(r, &be, 2);
}

T_UNUSED static void t_kput32(struct t_kreq *r, int32_t v)
{
	uint32_t be = htonl((uint32_t)v);

	t_kput(r, &be, 4);
}

T_UNUSED static void t_kput64(struct t_kreq *r, int64_t v)
{
	t_kput32(r, (int32_t)((uint64_t)v >> 32));
	t_kput32(r, (int32_t)(uint32_t)v);
}

T_UNUSED static void t_kputs(struct t_kreq *r, const char *s)
{
	t_kput16(r, s ? (int16_t)strlen(s) : -1);
	if (s)
		t_kput(r, s, strlen(s));
}

/* Starts a request: size placeholder and header v1 (client "t"). */
T_UNUSED static void t_kbegin(struct t_kreq *r, int16_t key, int16_t ver,
			      int32_t corr)
{
	r->len = 0;
	t_kput32(r, 0);
	t_kput16(r, key);
	t_kput16(r, ver);
	t_kput32(r, corr);
	t_kputs(r, "t");
}

/* Fills in the size. */
T_UNUSED static void t_kend(struct t_kreq *r)
{
	uint32_t be = htonl((uint32_t)(r->len - 4));

	memcpy(r->b, &be, 4);
}

static inline int32_t t_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return (int32_t)ntohl(v);
}

static inline int16_t t_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return (int16_t)ntohs(v);
}

static inline int64_t t_get64(const uint8_t *p)
{
	return (int64_t)((uint64_t)(uint32_t)t_get32(p) << 32 |
			 (uint32_t)t_get32(p + 4));
}

/*
 * Reads one response frame from @fd within @ms: returns its size (the
 * bytes after the length, in @buf), 0 at EOF, -1 on timeout.
 */
T_UNUSED static ssize_t t_krecv(int fd, uint8_t *buf, size_t cap, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t hdr[4];
	size_t got = 0, want = 4;
	uint8_t *dst = hdr;
	int32_t size = -1;
	ssize_t n;

	for (;;) {
		while (got < want) {
			if (poll(&pfd, 1, ms) <= 0)
				return -1;
			n = recv(fd, dst + got, want - got, 0);
			if (n <= 0)
				return n == 0 ? 0 : -1;
			got += (size_t)n;
		}
		if (size >= 0)
			return size;
		size = t_get32(hdr);
		assert_true(size >= 4 && (size_t)size <= cap);
		dst = buf;
		got = 0;
		want = (size_t)size;
	}
}

/* Whether the broker closed @fd within @ms (reads and drops data). */
T_UNUSED static int t_kclosed(int fd, int ms)
{
	char buf[4096];
	int eof;

	t_recv_until(fd, buf, sizeof(buf), ms, &eof);
	return eof;
}

/*
 * A raw Fetch v11 (correlation id @corr) of partition @part of @topic from
 * @offset: waits up to @wait_ms for @min_bytes, answers at most
 * @max_bytes in all and 1 MiB of the partition.
 */
T_UNUSED static void t_fetch_req(struct t_kreq *r, int32_t corr,
				 const char *topic, int32_t part,
				 int64_t offset, int32_t wait_ms,
				 int32_t min_bytes, int32_t max_bytes)
{
	t_kbegin(r, 1, 11, corr);
	t_kput32(r, -1);		/* replica_id */
	t_kput32(r, wait_ms);
	t_kput32(r, min_bytes);
	t_kput32(r, max_bytes);
	t_kput8(r, 0);			/* isolation_level */
	t_kput32(r, 0);			/* session_id */
	t_kput32(r, -1);		/* session_epoch */
	t_kput32(r, 1);
	t_kputs(r, topic);
	t_kput32(r, 1);
	t_kput32(r, part);
	t_kput32(r, -1);		/* current_leader_epoch */
	t_kput64(r, offset);
	t_kput64(r, -1);		/* log_start_offset */
	t_kput32(r, 1 << 20);		/* partition_max_bytes */
	t_kput32(r, 0);			/* forgotten topics */
	t_kputs(r, "");			/* rack_id */
	t_kend(r);
}

#ifdef RD_KAFKA_VERSION
/*
 * For the programs that drive librdkafka (they include
 * <librdkafka/rdkafka.h> before this header). A new configuration for @b:
 * bootstrap.servers (the test fails when it is refused) and @log_level
 * ("0" where the test breaks connections on purpose). The caller owns it.
 */
T_UNUSED static rd_kafka_conf_t *t_rdkafka_conf(const struct t_broker *b,
						const char *log_level)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[256];

	assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers",
					   b->boot, err, sizeof(err)),
			 RD_KAFKA_CONF_OK);
	rd_kafka_conf_set(conf, "log_level", log_level, err, sizeof(err));
	return conf;
}

/*
 * What librdkafka's delivery reports said, by message id (the message's
 * opaque, which the programs set to its number): set t_dr_on as the
 * delivery report callback and the struct as the configuration's opaque.
 */
struct t_dr {
	int32_t *part;			/* -1: not delivered */
	int64_t *offset;
	uint64_t ok, failed;
	rd_kafka_resp_err_t last_err;	/* of the last failure */
};

T_UNUSED static void t_dr_on(rd_kafka_t *rk, const rd_kafka_message_t *m,
			     void *opaque)
{
	struct t_dr *dr = opaque;
	intptr_t id = (intptr_t)m->_private;

	(void)rk;
	if (m->err) {
		dr->failed++;
		dr->last_err = m->err;
		return;
	}
	dr->part[id] = m->partition;
	dr->offset[id] = m->offset;
	dr->ok++;
}

/* Room for the reports of messages 0 to @n - 1, none delivered yet. */
T_UNUSED static void t_dr_init(struct t_dr *dr, size_t n)
{
	size_t i;

	memset(dr, 0, sizeof(*dr));
	dr->part = malloc(n * sizeof(*dr->part));
	dr->offset = malloc(n * sizeof(*dr->offset));
	assert_non_null(dr->part);
	assert_non_null(dr->offset);
	for (i = 0; i < n; i++)
		dr->part[i] = -1;
}

T_UNUSED static void t_dr_exit(struct t_dr *dr)
{
	free(dr->part);
	free(dr->offset);
}

/* rd_kafka_new of @type, which takes @conf; fails the test when it fails. */
T_UNUSED static rd_kafka_t *t_rdkafka_new(rd_kafka_type_t type,
					  rd_kafka_conf_t *conf)
{
	char err[256];
	rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));

	if (!rk)
		fail_msg("rd_kafka_new: %s", err);
	return rk;
}
#endif

#endif
