/* SPDX-License-Identifier: MIT */
/*
 * src/cli/sig.c - catching the signals that ask a command to stop, so it
 * can remove what it created (a temporary file, a socket) first.
 */
#include <signal.h>
#include <stddef.h>

#include "cli.h"

static void catch(int sig, void (*fn)(int))
{
	struct sigaction sa = { .sa_handler = fn, .sa_flags = SA_RESTART };
	struct sigaction old;

	/*
	 * A signal the parent ignores stays ignored: a shell starts
	 * background jobs with SIGINT ignored, so ^C in the terminal is not
	 * theirs to answer (POSIX, "Signal Concepts").
	 */
	if (sigaction(sig, NULL, &old) || old.sa_handler == SIG_IGN)
		return;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* The signals that ask a command to stop: caught and blocked alike. */
static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };

void cli_catch_signals(void (*fn)(int))
{
	size_t i;

	for (i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		catch(stop_sigs[i], fn);
}

void cli_block_signals(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sigaddset(&set, stop_sigs[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}
