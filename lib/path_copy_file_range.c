/* SPDX-License-Identifier: MIT */
/*
 * lib/path_copy_file_range.c - file to file inside the kernel. On
 * filesystems with reflinks (btrfs, xfs) or server-side copy (NFS 4.2, SMB)
 * no data moves at all; elsewhere the page cache is copied in the kernel.
 */
#include <errno.h>

#include "internal.h"
#include "sys.h"

static int can(const struct zc__xfer *x)
{
	return x->in_kind == ZC__FD_FILE && x->out_kind == ZC__FD_FILE &&
	       !x->out_append;
}

/*
 * Rules:
 *  1. Loops until len bytes moved or the input ends (0 from the kernel).
 *  2. A refusal before any byte moved is -ZC__ENOPATH; after, the bytes.
 *  3. The output is a regular file: no EAGAIN, no SIGPIPE.
 */
static ssize_t run(struct zc__xfer *x)
{
	off_t off = x->in_off ? *x->in_off : 0;
	off_t *offp = x->in_off ? &off : NULL;
	size_t done = 0;
	ssize_t n;

	while (x->len) {
		n = zc__sys_copy_file_range(x->l, x->in, offp, x->out,
					    zc__xfer_chunk(x, ZC__MAX_CHUNK));
		if (n == 0)
			break;
		if (n < 0) {
			if (done)
				break;
			if (zc__is_refusal((int)-n)) {
				if (n == -ENOSYS)
					zc__path_mark_absent(
						ZC_PATH_COPY_FILE_RANGE);
				return -ZC__ENOPATH;
			}
			return n;
		}
		done += (size_t)n;
		zc__xfer_moved(x, (size_t)n);
	}
	if (x->in_off)
		*x->in_off = off;
	return (ssize_t)done;
}

const struct zc__path_ops zc__path_copy_file_range = {
	.name = "copy_file_range",
	.can = can,
	.run = run,
};
