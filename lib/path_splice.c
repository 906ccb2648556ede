/* SPDX-License-Identifier: MIT */
/*
 * lib/path_splice.c - splice(2): pages move by reference through a pipe.
 * When one end is a pipe, one splice does the job. Otherwise the bytes go
 * through a pipe from this thread's pool: input -> pipe -> output, as
 * haproxy relays sockets.
 */
#include <errno.h>
#include <fcntl.h>

#include "internal.h"
#include "sys.h"

/*
 * Any pair but an O_APPEND output (which splice refuses) can be tried: the
 * kernel refuses (EINVAL) files without splice_read/splice_write, which
 * makes the path fall back.
 */
static int can(const struct zc__xfer *x)
{
	return !x->out_append;
}

/* More to come after this chunk: lets TCP build full segments. */
static unsigned int more_flag(const struct zc__xfer *x, size_t n)
{
	return x->len == ZC_EOF || x->len > n ? SPLICE_F_MORE : 0;
}

static ssize_t finish(const struct zc__splicer *sp, ssize_t done,
		      ssize_t err)
{
	if (done)
		return done;
	if (err < 0 && zc__is_refusal((int)-err)) {
		if (err == -ENOSYS)
			zc__path_mark_absent(sp->path);
		return -ZC__ENOPATH;
	}
	return err;
}

/* The plain system call, for zc__splice_run. */
static ssize_t sys_splice(void *ctx, struct zc_ledger *l, int in,
			  off_t *in_off, int out, size_t n, unsigned int flags)
{
	(void)ctx;
	return zc__sys_splice(l, in, in_off, out, NULL, n, flags);
}

/* One end is a pipe: splice straight from input to output. */
static ssize_t direct(struct zc__xfer *x, const struct zc__splicer *sp)
{
	struct zc__sigpipe guard = { 0 };
	size_t done = 0, want;
	ssize_t n, err = 0;

	if (zc__kind_can_sigpipe(x->out_kind))
		zc__sigpipe_block(&guard, x->l);
	while (x->len) {
		want = zc__xfer_chunk(x, ZC__MAX_CHUNK);
		n = sp->splice(sp->ctx, x->l, x->in, x->in_off, x->out, want,
			       SPLICE_F_MOVE | x->splice_flags |
			       more_flag(x, want));
		if (n <= 0) {
			err = n;
			break;
		}
		done += (size_t)n;
		zc__xfer_moved(x, (size_t)n);
	}
	zc__sigpipe_restore(&guard, err == -EPIPE, x->l);
	return finish(sp, (ssize_t)done, err);
}

/*
 * Bytes were taken from the input into the pipe but the output is full
 * (non-blocking) or failed. A file input gets them back: its offset is
 * moved back by @residue and the pipe is thrown away. A stream cannot take
 * bytes back, so for a stream the caller waits for the output instead.
 */
static int give_back(struct zc__xfer *x, size_t residue)
{
	off_t pos;

	if (zc__kind_is_stream(x->in_kind))
		return -ESPIPE;
	if (x->in_off) {
		*x->in_off -= (off_t)residue;
		return 0;
	}
	pos = zc__sys_lseek(x->l, x->in, -(off_t)residue, SEEK_CUR);
	return pos < 0 ? (int)pos : 0;
}

/*
 * Empties @p into the output. Returns 0 when empty, or the error that
 * stopped it (-EAGAIN: output full and the input is a file).
 */
static ssize_t drain(struct zc__xfer *x, const struct zc__splicer *sp,
		     struct zc__pipe *p, size_t *residue, size_t *done)
{
	ssize_t n;

	while (*residue) {
		n = sp->splice(sp->ctx, x->l, p->rfd, NULL, x->out, *residue,
			       SPLICE_F_MOVE | more_flag(x, *residue));
		if (n == -EAGAIN && zc__kind_is_stream(x->in_kind)) {
			/* Bytes read from a stream: deliver them. */
			n = zc__wait_writable(x->out, x->l);
			if (n < 0)
				return n;
			continue;
		}
		if (n < 0)
			return n;
		if (n == 0)
			return -EIO;	/* the pipe cannot be empty: a bug */
		*residue -= (size_t)n;
		*done += (size_t)n;
		zc__xfer_moved(x, (size_t)n);
	}
	return 0;
}

/*
 * Neither end is a pipe. Rules:
 *  1. Each round fills the pooled pipe from the input with at most its
 *     capacity, then empties it into the output; the pipe is empty between
 *     rounds, so the fill never blocks on the pipe.
 *  2. 0 from the fill is the end of input; -EAGAIN from the fill (a
 *     non-blocking input) ends the call with the progress, or -EAGAIN.
 *  3. A full non-blocking output ends the call. What is still in the pipe
 *     goes back to a file input (rewinding its offset); bytes from a stream
 *     are delivered first, waiting for the output (at most one pipe).
 *  4. The pipe returns to the pool only empty.
 */
static ssize_t via_pipe(struct zc__xfer *x, const struct zc__splicer *sp)
{
	struct zc__sigpipe guard = { 0 };
	struct zc__pipe p;
	size_t done = 0, residue = 0, want;
	ssize_t n, err = 0;

	err = zc__pipe_get(&p, x->l);
	if (err < 0)
		return err;
	if (zc__kind_can_sigpipe(x->out_kind))
		zc__sigpipe_block(&guard, x->l);
	while (x->len) {
		want = zc__xfer_chunk(x, p.size);
		n = sp->splice(sp->ctx, x->l, x->in, x->in_off, p.wfd, want,
			       SPLICE_F_MOVE | more_flag(x, want));
		if (n <= 0) {
			err = n;
			break;
		}
		residue = (size_t)n;
		err = drain(x, sp, &p, &residue, &done);
		if (err < 0)
			break;
	}
	/* A stream's residue is left only after the output failed for good. */
	if (residue)
		give_back(x, residue);
	zc__pipe_put(&p, residue);
	zc__sigpipe_restore(&guard, err == -EPIPE, x->l);
	return finish(sp, (ssize_t)done, err);
}

ssize_t zc__splice_run(struct zc__xfer *x, const struct zc__splicer *sp)
{
	if (x->in_kind == ZC__FD_PIPE || x->out_kind == ZC__FD_PIPE)
		return direct(x, sp);
	return via_pipe(x, sp);
}

static ssize_t run(struct zc__xfer *x)
{
	static const struct zc__splicer sp = {
		.path = ZC_PATH_SPLICE,
		.splice = sys_splice,
	};

	return zc__splice_run(x, &sp);
}

const struct zc__path_ops zc__path_splice = {
	.name = "splice",
	.can = can,
	.run = run,
};
