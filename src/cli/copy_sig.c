/* SPDX-License-Identifier: MIT */
/*
 * src/cli/copy_sig.c - interrupting `zcio copy`: the copy stops between
 * chunks and removes its temporary file, then dies of the signal so that
 * the shell sees what happened.
 */
#include <signal.h>
#include <unistd.h>

#include "copy.h"

static volatile sig_atomic_t stop_sig;
static const char *volatile guard_tmp;

/*
 * Only async-signal-safe calls here (signal-safety(7)): unlink, signal,
 * raise. A signal raised from its own handler is blocked until the
 * handler returns, and then ends the program.
 */
static void on_signal(int sig)
{
	if (!stop_sig) {
		stop_sig = sig;
		return;
	}
	if (guard_tmp && guard_tmp[0])
		unlink(guard_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

void copy_guard_signals(const struct copy_dst *d)
{
	guard_tmp = d->tmp;
	cli_catch_signals(on_signal);
}

int copy_interrupted(void)
{
	return stop_sig;
}

int copy_die(int sig)
{
	signal(sig, SIG_DFL);
	raise(sig);
	return 128 + sig;
}
