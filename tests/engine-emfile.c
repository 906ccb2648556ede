/* SPDX-License-Identifier: MIT */
/*
 * tests/engine-emfile.c - a server out of file descriptors, on io_uring
 * and on epoll. The fd limit is lowered so that the server can hold only
 * a few dozen connections while a child process opens 120: the first get
 * served, the rest get the protocol's refusal and a close at once (the
 * spare-fd trick) instead of hanging in the backlog, the server does not
 * spin meanwhile, and once the clients go away it serves new ones again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine-util.h"

#define CLIENTS 120
/* fd numbers free for the server when it starts */
#define HEADROOM 48

static int echo_open(struct eng_conn *c)
{
	(void)c;
	return 0;
}

static void echo_io(struct eng_conn *c, unsigned int events)
{
	char buf[256];
	ssize_t n;

	(void)events;
	n = read(c->fd, buf, sizeof(buf));
	if (n > 0 && send(c->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) == n)
		return;
	if (n == 0 || (n < 0 && errno != EAGAIN))
		eng_conn_close(c, 0);
}

static void echo_close(struct eng_conn *c, int err)
{
	(void)c;
	(void)err;
}

static void echo_refuse(struct eng_worker *w, int fd)
{
	ssize_t n = send(fd, "BUSY\n", 5, MSG_DONTWAIT | MSG_NOSIGNAL);

	(void)w;
	(void)n;
}

static const struct eng_proto echo_proto = {
	.name = "echo",
	.on_open = echo_open,
	.on_io = echo_io,
	.on_close = echo_close,
	.on_refuse = echo_refuse,
};

/* The fd limit that leaves @free numbers free below it. */
static int limit_for(int free)
{
	char path[64];
	int fd;

	for (fd = 0; free; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (access(path, F_OK))
			free--;
	}
	return fd;
}

/* One connection: 1 served, 2 refused (BUSY then EOF), 0 neither. */
static int conn_fate(int fd)
{
	char buf[8];
	ssize_t n;

	if (send(fd, "x", 1, MSG_NOSIGNAL) != 1)
		return 2;	/* reset: refused before we wrote */
	n = read(fd, buf, sizeof(buf));
	if (n == 1 && buf[0] == 'x')
		return 1;
	if (n == 5 && !memcmp(buf, "BUSY\n", 5))
		n = read(fd, buf, sizeof(buf));
	return n == 0 || (n < 0 && errno == ECONNRESET) ? 2 : 0;
}

static int dial(const struct sockaddr_in *sin)
{
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The child: opens every connection first (the server runs out of fds
 * meanwhile), then asks each one. Exit status: 0 when some were served,
 * some refused and none hung; then all closed and 5 new ones served.
 */
static int child_main(const struct sockaddr_in *sin)
{
	int fds[CLIENTS], i, fate, served = 0, refused = 0, hung = 0;

	for (i = 0; i < CLIENTS; i++)
		fds[i] = dial(sin);
	for (i = 0; i < CLIENTS; i++) {
		fate = fds[i] < 0 ? 2 : conn_fate(fds[i]);
		served += fate == 1;
		refused += fate == 2;
		hung += fate == 0;
	}
	fprintf(stderr, "child: %d served, %d refused, %d hung\n", served,
		refused, hung);
	for (i = 0; i < CLIENTS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (!served || !refused || hung)
		return 1;
	usleep(200000);
	for (i = 0; i < 5; i++) {
		fds[i] = dial(sin);
		if (fds[i] < 0 || conn_fate(fds[i]) != 1)
			return 2;
		close(fds[i]);
	}
	return 0;
}

static void *run_main(void *arg)
{
	return (void *)(long)eng_run(arg);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void out_of_fds(void **state)
{
	struct eng_config cfg;
	struct sockaddr_storage ss;
	struct rlimit saved, rl;
	socklen_t len;
	pthread_t th;
	struct eng *e;
	double cpu;
	char *text, *p;
	size_t tlen;
	int err = 0, status, go[2];
	pid_t pid;
	void *ret;

	eng_config_init(&cfg);
	cfg.backend = t_backend(state);
	cfg.workers = 1;
	cfg.max_conns = 100000;
	cfg.log_level = ENG_LOG_ERROR;
	cfg.proto = &echo_proto;
	eng_config_set(&cfg, "listen", "127.0.0.1:0");
	e = eng_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(eng_listen_addr(e, 0, &ss, &len), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		_exit(child_main((struct sockaddr_in *)&ss));
	}
	close(go[0]);
	getrlimit(RLIMIT_NOFILE, &saved);
	/* the soft limit only: raising a hard one back needs privilege */
	rl = saved;
	rl.rlim_cur = limit_for(HEADROOM);
	print_message("fd limit %d\n", (int)rl.rlim_cur);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(pthread_create(&th, NULL, run_main, e), 0);
	cpu = cpu_seconds();
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	cpu = cpu_seconds() - cpu;
	eng_stop(e);
	pthread_join(th, &ret);
	assert_int_equal((long)ret, 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* no spinning on EMFILE: a busy loop would burn the whole time */
	print_message("server cpu %.3f s\n", cpu);
	assert_true(cpu < 1.0);
	text = eng_metrics_render(eng_metrics(e), &tlen, &err);
	assert_non_null(text);
	p = strstr(text, "\nzcio_accept_errors_total ");
	assert_non_null(p);
	assert_true(atoi(p + strlen("\nzcio_accept_errors_total ")) > 0);
	free(text);
	eng_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(out_of_fds),
	};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
