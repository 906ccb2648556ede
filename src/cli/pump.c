/* SPDX-License-Identifier: MIT */
/*
 * src/cli/pump.c - one transfer with blocking semantics whatever the
 * descriptors are: the program's stdin and stdout are given to it, and a
 * shell or another program may have made them non-blocking.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "cli.h"

static void wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	while (poll(&p, 1, -1) == -1 && errno == EINTR)
		;
}

/*
 * -EAGAIN does not say which end would block. Waiting for each in turn is
 * right for both: the end that is ready answers poll() at once (a regular
 * file always does), the other one is waited for.
 */
static void wait_ends(int out, int in)
{
	wait_fd(out, POLLOUT);
	wait_fd(in, POLLIN);
}

/*
 * When does the input end? Rules:
 *  1. A call that returns 0 moved nothing: the input ended.
 *  2. A short count is not enough, even on blocking descriptors: xfer.h
 *     rules 3 and 6 give the bytes moved before an error (a reader that
 *     left, a full disk) and keep the error for the next call. So the
 *     next call is made; at a real end of input it returns 0 at the cost
 *     of a system call or two.
 *  3. Except on a terminal, where an end of input (^D) is not sticky: a
 *     second read would wait for another line.
 */
ssize_t cli_pump(enum zc_path path, int out, int in, off_t *in_off,
		 size_t len, struct cli_tally *t)
{
	int tty = isatty(in);
	size_t done = 0, want;
	struct zc_ledger l;
	ssize_t n;

	while (done < len) {
		want = len == ZC_EOF ? ZC_EOF : len - done;
		n = zc_copy_path(path, out, in, in_off, want, &l);
		cli_tally_add(t, &l);
		if (n == -EAGAIN) {
			wait_ends(out, in);
			continue;
		}
		if (n < 0)
			return n;
		done += (size_t)n;
		if (!n || (tty && (size_t)n < want))
			break;
	}
	return (ssize_t)done;
}
