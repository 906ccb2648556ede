/* SPDX-License-Identifier: MIT */
/*
 * tests/cli-run.h - runs the real zcio binary for the cli-* tests: with
 * arguments, a chosen stdin and stdout (or stdout captured), stderr
 * captured, the exit status collected, and a time limit that kills it.
 * The binary is $ZCIO_BIN (set by `make test`), else ./build/zcio.
 * Header-only: each test program is standalone (tests/run.sh).
 */
#ifndef ZC_TESTS_CLI_RUN_H
#define ZC_TESTS_CLI_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

/* No run of the program needs more; a hang is a failure, not a wait. */
#define T_RUN_TIMEOUT_MS 60000
/* A whole test, setup and threads included: SIGALRM ends the program. */
#define T_TEST_TIMEOUT_S 120
#define T_RUN_MAX_ARGS 32
#define T_RUN_MAX_LIVE 8

/* How to start the program. Zeroed: stdin /dev/null, stdout captured. */
struct t_run_io {
	int in;			/* fd for stdin, or 0 for /dev/null */
	int out;		/* fd for stdout, or 0 to capture it */
};

/* A started program, then its result. */
struct t_run {
	pid_t pid;
	int out_pipe, err_pipe;	/* read ends, -1 when not captured */
	int status;		/* exit status, or -1 when killed by... */
	int sig;		/* ...this signal */
	char *out, *err;	/* captured, NUL-terminated; free with
				 * t_run_free */
	size_t out_len, err_len;
};

/*
 * Programs started and not yet collected. A failed assertion leaves the
 * test early (cmocka longjmps), maybe with a sink still waiting for a
 * connection: those are killed at exit.
 */
static pid_t t_run_live[T_RUN_MAX_LIVE];

static inline void t_run_kill_live(void)
{
	int i;

	for (i = 0; i < T_RUN_MAX_LIVE; i++)
		if (t_run_live[i] > 0)
			kill(t_run_live[i], SIGKILL);
}

static inline void t_run_track(pid_t pid, pid_t was)
{
	static int registered;
	int i;

	if (!registered++)
		atexit(t_run_kill_live);
	for (i = 0; i < T_RUN_MAX_LIVE; i++)
		if (t_run_live[i] == was) {
			t_run_live[i] = pid;
			return;
		}
}

/*
 * For each test's setup: a time limit on the whole test, and SIGPIPE
 * ignored so that a test thread writing to a program that died gets
 * EPIPE instead of killing the test (the program gets SIGPIPE back).
 */
static inline void t_run_guard(void)
{
	signal(SIGPIPE, SIG_IGN);
	alarm(T_TEST_TIMEOUT_S);
}

static inline const char *t_zcio_bin(void)
{
	const char *bin = getenv("ZCIO_BIN");

	bin = bin && *bin ? bin : "./build/zcio";
	if (access(bin, X_OK))
		fail_msg("zcio binary '%s': %s (set ZCIO_BIN)", bin,
			 strerror(errno));
	return bin;
}

static inline void t_run_child(const struct t_run_io *io, int out_w,
			       int err_w, char **argv)
{
	int in = io->in ? io->in : open("/dev/null", O_RDONLY);
	int out = io->out ? io->out : out_w;

	/* dup2 clears FD_CLOEXEC on the copy; everything else closes. */
	if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(err_w, 2) < 0)
		_exit(126);
	/*
	 * Ignored signals stay ignored across exec: the test ignores
	 * SIGPIPE, and a shell may have started it with SIGINT ignored.
	 * The program starts as from a terminal.
	 */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	execv(argv[0], argv);
	_exit(127);
}

/*
 * Starts zcio with the arguments (NULL-terminated) and returns at once;
 * t_run_wait() collects it. The caller's fds in @io stay open.
 */
static inline void t_run_start(struct t_run *r, const struct t_run_io *io,
			       const char *arg, ...)
{
	char *argv[T_RUN_MAX_ARGS + 2];
	int op[2] = { -1, -1 }, ep[2];
	va_list ap;
	int n = 0;

	memset(r, 0, sizeof(*r));
	argv[n++] = (char *)t_zcio_bin();
	va_start(ap, arg);
	for (; arg && n <= T_RUN_MAX_ARGS; arg = va_arg(ap, const char *))
		argv[n++] = (char *)arg;
	va_end(ap);
	argv[n] = NULL;
	if ((!io->out && pipe2(op, O_CLOEXEC)) || pipe2(ep, O_CLOEXEC))
		fail_msg("pipe2: %s", strerror(errno));
	r->pid = fork();
	if (r->pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (!r->pid)
		t_run_child(io, op[1], ep[1], argv);
	t_run_track(r->pid, 0);
	if (op[1] >= 0)
		close(op[1]);
	close(ep[1]);
	r->out_pipe = op[0];
	r->err_pipe = ep[0];
}

/* Appends what @fd has to @buf; closes @fd and sets it to -1 at EOF. */
static inline void t_run_drain(int *fd, char **buf, size_t *len)
{
	char chunk[65536];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	*buf = realloc(*buf, *len + (size_t)n + 1);
	if (!*buf)
		fail_msg("realloc");
	memcpy(*buf + *len, chunk, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
}

static inline long t_ms_left(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return T_RUN_TIMEOUT_MS - ((now.tv_sec - start->tv_sec) * 1000 +
				   (now.tv_nsec - start->tv_nsec) / 1000000);
}

/* Reads the captured output until EOF, waits for the exit; kills at the
 * time limit and fails the test. */
static inline void t_run_wait(struct t_run *r)
{
	struct timespec start;
	int wstatus;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (r->out_pipe >= 0 || r->err_pipe >= 0) {
		struct pollfd p[2] = {
			{ .fd = r->out_pipe, .events = POLLIN },
			{ .fd = r->err_pipe, .events = POLLIN },
		};
		long left = t_ms_left(&start);

		if (left <= 0 || poll(p, 2, (int)left) == 0) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, NULL, 0);
			t_run_track(0, r->pid);
			fail_msg("zcio did not finish in %d ms",
				 T_RUN_TIMEOUT_MS);
		}
		if (p[0].revents)
			t_run_drain(&r->out_pipe, &r->out, &r->out_len);
		if (p[1].revents)
			t_run_drain(&r->err_pipe, &r->err, &r->err_len);
	}
	while (waitpid(r->pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			fail_msg("waitpid: %s", strerror(errno));
	t_run_track(0, r->pid);
	r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	r->sig = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	if (!r->out)
		r->out = calloc(1, 1);
	if (!r->err)
		r->err = calloc(1, 1);
}

#define t_run(r, io, ...)						\
	do {								\
		t_run_start(r, io, __VA_ARGS__);			\
		t_run_wait(r);						\
	} while (0)

static inline void t_run_free(struct t_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* stderr is exactly one line, and it contains @needle. */
static inline void t_assert_one_line(const struct t_run *r,
				     const char *needle)
{
	if (!r->err_len || r->err[r->err_len - 1] != '\n' ||
	    memchr(r->err, '\n', r->err_len - 1) || !strstr(r->err, needle))
		fail_msg("stderr is not one line with \"%s\": \"%s\"", needle,
			 r->err);
}

#endif
