/* SPDX-License-Identifier: MIT */
/*
 * lib/path_sendfile.c - from a file to anything that accepts spliced pages:
 * sockets above all, but also pipes, regular files and /dev/null (since
 * Linux 2.6.33 the output may be any file). The pages go from the page
 * cache to the output without passing through user space.
 */
#include <errno.h>

#include "internal.h"
#include "sys.h"

/*
 * sendfile(2) reads with the page cache: the input must be a file. It
 * writes at the output's offset, so not to an O_APPEND file.
 */
static int can(const struct zc__xfer *x)
{
	return (x->in_kind == ZC__FD_FILE || x->in_kind == ZC__FD_BLK) &&
	       !x->out_append;
}

/*
 * Rules:
 *  1. Loops until len bytes moved or the input ends. 0 from sendfile is
 *     the end of the file, including a file that shrank while we sent it
 *     (nginx treats that as an error; here it is the end of the copy and
 *     the short count tells the caller).
 *  2. -EAGAIN (a full non-blocking output) returns the progress, or
 *     -EAGAIN when nothing moved.
 *  3. A refusal before any byte moved is -ZC__ENOPATH (EINVAL: the output
 *     has no splice_write, or is O_APPEND).
 *  4. Writes to a pipe or socket run under the SIGPIPE guard.
 */
static ssize_t run(struct zc__xfer *x)
{
	struct zc__sigpipe guard = { 0 };
	size_t done = 0;
	ssize_t n, ret = 0;

	if (zc__kind_can_sigpipe(x->out_kind))
		zc__sigpipe_block(&guard, x->l);
	while (x->len) {
		n = zc__sys_sendfile(x->l, x->out, x->in, x->in_off,
				     zc__xfer_chunk(x, ZC__MAX_CHUNK));
		if (n <= 0) {
			ret = n;
			break;
		}
		done += (size_t)n;
		zc__xfer_moved(x, (size_t)n);
	}
	zc__sigpipe_restore(&guard, ret == -EPIPE, x->l);
	if (done)
		return (ssize_t)done;
	if (ret < 0 && zc__is_refusal((int)-ret)) {
		if (ret == -ENOSYS)
			zc__path_mark_absent(ZC_PATH_SENDFILE);
		return -ZC__ENOPATH;
	}
	return ret;
}

const struct zc__path_ops zc__path_sendfile = {
	.name = "sendfile",
	.can = can,
	.run = run,
};
