/* SPDX-License-Identifier: MIT */
/*
 * lib/sigpipe.c - keeping SIGPIPE away from the caller.
 *
 * send(2) takes MSG_NOSIGNAL, but write(2), writev(2), sendfile(2), splice(2)
 * and io_uring writes do not, and a library must not change the process's
 * signal dispositions. So, around such a write to a pipe or socket, SIGPIPE
 * is blocked in this thread, and the one a failing write raised (pending
 * then, since it is blocked) is taken before the mask is restored. The rules
 * are in lib/internal.h. Cost: two rt_sigprocmask calls, plus one
 * sigtimedwait after an EPIPE.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "internal.h"

static void pipe_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGPIPE);
}

void zc__sigpipe_block(struct zc__sigpipe *g, struct zc_ledger *l)
{
	sigset_t set, pending;

	g->active = 0;
	g->was_pending = 0;
	if (!zc__tune[ZC_TUNE_SIGPIPE_GUARD])
		return;
	pipe_set(&set);
	l->syscalls++;
	if (pthread_sigmask(SIG_BLOCK, &set, &g->old))
		return;
	g->active = 1;
	/*
	 * A SIGPIPE can only be pending already if the caller blocks it; that
	 * one is the caller's and must survive us.
	 */
	if (sigismember(&g->old, SIGPIPE)) {
		l->syscalls++;
		g->was_pending = sigpending(&pending) == 0 &&
				 sigismember(&pending, SIGPIPE);
	}
}

void zc__sigpipe_restore(struct zc__sigpipe *g, int saw_epipe,
			 struct zc_ledger *l)
{
	static const struct timespec zero;
	sigset_t set;

	if (!g->active)
		return;
	if (saw_epipe && !g->was_pending) {
		pipe_set(&set);
		l->syscalls++;
		while (sigtimedwait(&set, NULL, &zero) == -1 && errno == EINTR)
			;
	}
	l->syscalls++;
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
	g->active = 0;
}
