/* SPDX-License-Identifier: MIT */
/*
 * lib/path_readwrite.c - the last rung: read(2) into this thread's buffer,
 * write(2) out of it. Works with every pair of descriptors; costs two CPU
 * copies per byte (kernel to user, user to kernel), which the ledger counts.
 * Also the path chosen on purpose for small copies (ZC_TUNE_SMALL_COPY).
 */
#include <errno.h>
#include <fcntl.h>

#include "internal.h"
#include "sys.h"

static int can(const struct zc__xfer *x)
{
	(void)x;
	return 1;
}

static ssize_t fill(void *ctx, struct zc__xfer *x, void *buf, size_t want,
		    off_t off)
{
	(void)ctx;
	if (x->in_off)
		return zc__sys_pread(x->l, x->in, buf, want, off);
	return zc__sys_read(x->l, x->in, buf, want);
}

static ssize_t put(void *ctx, struct zc__xfer *x, const void *p, size_t n)
{
	(void)ctx;
	/* send(2) can say MSG_NOSIGNAL; write(2) to a pipe needs the guard. */
	if (x->out_kind == ZC__FD_SOCK)
		return zc__sys_send(x->l, x->out, p, n, 0);
	return zc__sys_write(x->l, x->out, p, n);
}

/*
 * Hands @n bytes that were read back to a file input, which re-reads them
 * next time: used when a non-blocking output took only part of a buffer.
 */
static void give_back(struct zc__xfer *x, size_t n, off_t *off)
{
	if (x->in_off)
		*off -= (off_t)n;
	else
		zc__sys_lseek(x->l, x->in, -(off_t)n, SEEK_CUR);
}

/*
 * Writes all of [p, p + n) and returns the count written; *@err gets what
 * stopped it early (0 when all went). A full non-blocking output stops it
 * for a file input (the rest is given back); for a stream input the rest
 * cannot be given back and is delivered by waiting for the output (at most
 * one buffer).
 */
static size_t put_all(struct zc__xfer *x, const struct zc__rw *rw,
		      const char *p, size_t n, ssize_t *err)
{
	size_t put_n = 0;
	ssize_t w;

	*err = 0;
	while (put_n < n) {
		w = rw->put(rw->ctx, x, p + put_n, n - put_n);
		if (w > 0) {
			put_n += (size_t)w;
			continue;
		}
		if (w == -EAGAIN && zc__kind_is_stream(x->in_kind) &&
		    (w = zc__wait_writable(x->out, x->l)) == 0)
			continue;
		*err = w ? w : -EIO;	/* write(2) never returns 0 for n > 0 */
		break;
	}
	return put_n;
}

/*
 * Rules:
 *  1. read (pread with an explicit offset) up to one buffer, then write it
 *     all; 0 from read is the end of input.
 *  2. A short or refused write of a file's bytes gives the unwritten ones
 *     back (offset moved back) so that a resumed call sends them.
 *  3. -EAGAIN from read or write ends the call with the progress.
 *  4. user_copied counts every byte that went through the buffer.
 */
ssize_t zc__rw_run(struct zc__xfer *x, const struct zc__rw *rw)
{
	struct zc__sigpipe guard = { 0 };
	off_t off = x->in_off ? *x->in_off : 0;
	size_t done = 0, w;
	ssize_t n, err = 0;
	char *buf = rw->buf;

	if (rw->guard_sockets ? zc__kind_can_sigpipe(x->out_kind) :
				x->out_kind == ZC__FD_PIPE)
		zc__sigpipe_block(&guard, x->l);
	while (x->len) {
		n = rw->fill(rw->ctx, x, buf, zc__xfer_chunk(x, rw->size), off);
		if (n <= 0) {
			err = n;
			break;
		}
		off += n;
		w = put_all(x, rw, buf, (size_t)n, &err);
		done += w;
		x->l->user_copied += w;
		zc__xfer_moved(x, w);
		if (err) {
			give_back(x, (size_t)n - w, &off);
			break;
		}
	}
	if (x->in_off)
		*x->in_off = off;
	zc__sigpipe_restore(&guard, err == -EPIPE, x->l);
	if (done)
		return (ssize_t)done;
	return err;
}

static ssize_t run(struct zc__xfer *x)
{
	struct zc__rw rw = { .fill = fill, .put = put };

	rw.buf = zc__thread_rwbuf(&rw.size);
	if (!rw.buf)
		return -ENOMEM;
	return zc__rw_run(x, &rw);
}

const struct zc__path_ops zc__path_readwrite = {
	.name = "readwrite",
	.can = can,
	.run = run,
};
