/* SPDX-License-Identifier: MIT */
/*
 * lib/path_copy_file_range.c - file to file inside the kernel. On
 * filesystems with reflinks (btrfs, xfs) or server-side copy (NFS 4.2, SMB)
 * no data moves at all; elsewhere the page cache is copied in the kernel.
 */
#include <errno.h>
#include <fcntl.h>

#include "internal.h"
#include "sys.h"

static int can(const struct zc__xfer *x)
{
	return x->in_kind == ZC__FD_FILE && x->out_kind == ZC__FD_FILE;
}

/*
 * copy_file_range(2) refuses an output opened O_APPEND with EBADF, which
 * would otherwise read as a real error; that one is a refusal. Checked
 * only after the failure, so the common path pays nothing.
 */
static int refusal(struct zc__xfer *x, int err)
{
	ssize_t fl;

	if (err == -EBADF) {
		fl = ZC__SYSCALL(x->l, fcntl(x->out, F_GETFL));
		return fl >= 0 && (fl & O_APPEND) && (fl & O_ACCMODE) != O_RDONLY;
	}
	return zc__is_refusal(-err);
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
			if (refusal(x, (int)n)) {
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
