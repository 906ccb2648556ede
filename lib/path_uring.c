/* SPDX-License-Identifier: MIT */
/*
 * lib/path_uring.c - the io_uring variants of splice and read/write, run
 * synchronously on this thread's ring: one submission, one completion.
 * They share their loops with the syscall paths (zc__splice_run,
 * zc__rw_run); only the way one operation is issued differs. uring_rw uses
 * a registered (fixed) buffer, so the kernel does not pin and unpin the
 * pages on every operation.
 *
 * io_uring runs splice in its worker threads (io-wq), which costs context
 * switches; shared/bench/BASELINE.md measured about 4,100 per GiB here.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>

#include "internal.h"
#include "uring.h"

static int can_splice(const struct zc__xfer *x)
{
	return !x->out_append;
}

static int can_rw(const struct zc__xfer *x)
{
	(void)x;
	return 1;
}

#ifdef ZC_HAVE_LIBURING

/*
 * Submits the one prepared SQE and returns its result. A signal can end
 * io_uring_enter early in two ways: before submitting (-EINTR, the SQE is
 * still in the ring and the next enter takes it) or after submitting but
 * before the completion (a positive count and no CQE yet). So submit until
 * the SQE is taken, then wait for its CQE, both across EINTR.
 */
static ssize_t ring_do(struct zc__ring *r, struct zc_ledger *l)
{
	struct io_uring_cqe *cqe;
	int ret;

	do {
		l->syscalls++;
		ret = io_uring_submit_and_wait(&r->ring, 1);
	} while (ret == -EINTR);
	if (ret < 0)
		return ret;
	while ((ret = io_uring_peek_cqe(&r->ring, &cqe)) == -EAGAIN) {
		l->syscalls++;
		ret = io_uring_wait_cqe(&r->ring, &cqe);
		if (ret == 0)
			break;
		if (ret != -EINTR)
			return ret;
	}
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&r->ring, cqe);
	return ret;
}

static ssize_t ring_splice(void *ctx, struct zc_ledger *l, int in,
			   off_t *in_off, int out, size_t n,
			   unsigned int flags)
{
	struct zc__ring *r = ctx;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	ssize_t ret;

	if (n > ZC__MAX_CHUNK)
		n = ZC__MAX_CHUNK;
	io_uring_prep_splice(sqe, in, in_off ? *in_off : -1, out, -1,
			     (unsigned int)n, flags);
	do
		ret = ring_do(r, l);
	while (ret == -EINTR);
	if (ret > 0 && in_off)
		*in_off += ret;
	return ret;
}

/* The ring, set up; -ZC__ENOPATH when this kernel has no io_uring. */
static int ring_for(enum zc_path path, struct zc__ring **rp,
		    struct zc_ledger *l)
{
	struct zc__ring *r = zc__thread_ring();
	int ret;

	if (!r)
		return -ENOMEM;
	if (!zc__uring_probe(path))
		return -ZC__ENOPATH;
	ret = zc__ring_ready(r, l);
	if (ret < 0)
		return ret == -ENOSYS || ret == -EPERM ? -ZC__ENOPATH : ret;
	*rp = r;
	return 0;
}

static ssize_t run_splice(struct zc__xfer *x)
{
	struct zc__splicer sp = {
		.path = ZC_PATH_URING_SPLICE,
		.splice = ring_splice,
	};
	struct zc__ring *r;
	int ret = ring_for(ZC_PATH_URING_SPLICE, &r, x->l);

	if (ret < 0)
		return ret;
	sp.ctx = r;
	return zc__splice_run(x, &sp);
}

static ssize_t ring_fill(void *ctx, struct zc__xfer *x, void *buf,
			 size_t want, off_t off)
{
	struct zc__ring *r = ctx;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	ssize_t ret;

	io_uring_prep_read_fixed(sqe, r->fixed_files ? ZC__RING_FILE_IN : x->in,
				 buf, (unsigned int)want,
				 x->in_off ? (uint64_t)off : (uint64_t)-1, 0);
	sqe->rw_flags = r->in_nowait;
	if (r->fixed_files)
		sqe->flags |= IOSQE_FIXED_FILE;
	do
		ret = ring_do(r, x->l);
	while (ret == -EINTR);
	return ret;
}

static ssize_t ring_put(void *ctx, struct zc__xfer *x, const void *p,
			size_t n)
{
	struct zc__ring *r = ctx;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	ssize_t ret;

	io_uring_prep_write_fixed(sqe, r->fixed_files ? ZC__RING_FILE_OUT :
				  x->out, p, (unsigned int)n, (uint64_t)-1, 0);
	sqe->rw_flags = r->out_nowait;
	if (r->fixed_files)
		sqe->flags |= IOSQE_FIXED_FILE;
	do
		ret = ring_do(r, x->l);
	while (ret == -EINTR);
	return ret;
}

/*
 * io_uring does not return EAGAIN for an O_NONBLOCK pipe or socket: it
 * polls and waits (seen on 6.18), which would make a non-blocking call
 * block. RWF_NOWAIT on the operation asks for the EAGAIN.
 */
static int nowait_flag(int fd, struct zc_ledger *l)
{
	int fl;

	l->syscalls++;
	fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK) ? RWF_NOWAIT : 0;
}

/*
 * Registered (fixed) files spare the kernel a file-table lookup and a
 * reference count per operation, but registering the pair and clearing it
 * again costs two system calls: about 550 ns against 20-55 ns saved per
 * operation (measured here), so break-even is some 10-25 operations, 1-3
 * MiB at the default 128 KiB buffer. Above 4 MiB the files are registered;
 * below, and for streams of unknown length, they are not. The slots are
 * cleared at the end so the ring never holds a caller's file open.
 */
#define URING_FIXED_FILES_MIN (4u << 20)

static int wants_fixed_files(const struct zc__xfer *x)
{
	if (x->len != ZC_EOF)
		return x->len >= URING_FIXED_FILES_MIN;
	return x->in_size >= (int64_t)URING_FIXED_FILES_MIN;
}

static ssize_t run_rw(struct zc__xfer *x)
{
	struct zc__rw rw = {
		.fill = ring_fill,
		.put = ring_put,
		.guard_sockets = 1,
	};
	struct zc__ring *r;
	int ret = ring_for(ZC_PATH_URING_RW, &r, x->l);
	ssize_t n;

	if (ret < 0)
		return ret;
	rw.ctx = r;
	r->in_nowait = nowait_flag(x->in, x->l);
	r->out_nowait = nowait_flag(x->out, x->l);
	rw.buf = zc__thread_rwbuf(&rw.size);
	if (!rw.buf)
		return -ENOMEM;
	ret = zc__ring_register_buffer(r, rw.buf, rw.size, x->l);
	if (ret < 0)
		return ret == -EOPNOTSUPP || ret == -EINVAL ? -ZC__ENOPATH :
							      ret;
	/* Without fixed files the operations still work: not an error. */
	r->fixed_files = wants_fixed_files(x) &&
			 zc__ring_files_set(r, x->in, x->out, x->l) == 0;
	n = zc__rw_run(x, &rw);
	if (r->fixed_files)
		zc__ring_files_clear(r, x->l);
	r->fixed_files = 0;
	return n;
}

#else

static ssize_t run_splice(struct zc__xfer *x)
{
	(void)x;
	return -ZC__ENOPATH;
}

static ssize_t run_rw(struct zc__xfer *x)
{
	(void)x;
	return -ZC__ENOPATH;
}

#endif

const struct zc__path_ops zc__path_uring_splice = {
	.name = "uring_splice",
	.can = can_splice,
	.run = run_splice,
};

const struct zc__path_ops zc__path_uring_rw = {
	.name = "uring_rw",
	.can = can_rw,
	.run = run_rw,
};
