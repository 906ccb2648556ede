/* SPDX-License-Identifier: MIT */
/*
 * lib/internal.h - what the files of libzcio share and nothing outside
 * lib/ may use: descriptor classification, the "use a fallback" code, the
 * SIGPIPE guard, process-wide counters and tunables, the pipe pool.
 */
#ifndef ZC_LIB_INTERNAL_H
#define ZC_LIB_INTERNAL_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include <zcio.h>

/*
 * "This path cannot do this job; try the next rung." Paths map the kernel's
 * refusals (EINVAL, ENOSYS, EXDEV, EOPNOTSUPP, ...) to it when no byte has
 * moved, as libuv maps them to ENOSYS. zc_copy_path() turns it into
 * -ENOTSUP for callers; it never leaves the library.
 */
#define ZC__ENOPATH 4095

/* What a descriptor is, from fstat. */
enum zc__fd_kind {
	ZC__FD_FILE = 1,	/* regular file (disk, tmpfs, memfd) */
	ZC__FD_PIPE,		/* pipe or FIFO */
	ZC__FD_SOCK,
	ZC__FD_CHR,		/* character device (/dev/null, a tty) */
	ZC__FD_BLK,
	ZC__FD_OTHER,
};

/*
 * One transfer as the paths see it: the caller's arguments plus what the
 * dispatcher learnt about the descriptors, so that no path has to fstat
 * them again. @l is never NULL here and was zeroed by the public entry.
 */
struct zc__xfer {
	int out, in;
	off_t *in_off;		/* NULL: in's file position */
	size_t len;		/* ZC_EOF: until end of input */
	int out_kind, in_kind;	/* enum zc__fd_kind */
	unsigned int splice_flags; /* SPLICE_F_NONBLOCK for O_NONBLOCK pipes */
	int out_append;		/* a FILE output opened O_APPEND */
	int64_t in_size;	/* file size of a FILE or BLK input, else -1 */
	struct zc_ledger *l;
};

/* Fills the kinds and in_size of @x (two fstats). -EBADF for a bad fd. */
int zc__xfer_probe(struct zc__xfer *x);

/* 0 when in is readable and out writable, else -EBADF (for len 0). */
int zc__xfer_check_access(struct zc__xfer *x);

/* Whether a kernel errno means "this path can't", not "this failed". */
int zc__is_refusal(int err);

/* A stream is what cannot seek: pipes, sockets, most character devices. */
static inline int zc__kind_is_stream(int kind)
{
	return kind == ZC__FD_PIPE || kind == ZC__FD_SOCK ||
	       kind == ZC__FD_CHR || kind == ZC__FD_OTHER;
}

/* Writes to these can raise SIGPIPE. */
static inline int zc__kind_can_sigpipe(int kind)
{
	return kind == ZC__FD_PIPE || kind == ZC__FD_SOCK;
}

/*
 * A path: whether it can serve this pair of descriptor kinds at all
 * (checked before a forced path runs), and the function that runs it. A
 * path returns bytes moved or -errno, and -ZC__ENOPATH only when nothing
 * moved and the kernel refused the job (see zc__is_refusal).
 */
struct zc__path_ops {
	const char *name;
	int (*can)(const struct zc__xfer *x);
	ssize_t (*run)(struct zc__xfer *x);
};

extern const struct zc__path_ops zc__path_copy_file_range;
extern const struct zc__path_ops zc__path_sendfile;
extern const struct zc__path_ops zc__path_splice;
extern const struct zc__path_ops zc__path_readwrite;
extern const struct zc__path_ops zc__path_uring_splice;
extern const struct zc__path_ops zc__path_uring_rw;

/*
 * The splice loop, shared by the syscall path and the io_uring one: only
 * the way one splice is issued differs. @splice returns bytes or -errno
 * and updates *in_off like splice(2).
 */
struct zc__splicer {
	enum zc_path path;
	ssize_t (*splice)(void *ctx, struct zc_ledger *l, int in,
			  off_t *in_off, int out, size_t n,
			  unsigned int flags);
	void *ctx;
};
ssize_t zc__splice_run(struct zc__xfer *x, const struct zc__splicer *sp);

/*
 * The read/write loop, shared likewise: @fill reads up to @want bytes at
 * @off (or the file position when x->in_off is NULL) into @buf, @put
 * writes from it. @guard_sockets: writes to sockets need the SIGPIPE guard
 * too (they cannot carry MSG_NOSIGNAL).
 */
struct zc__rw {
	ssize_t (*fill)(void *ctx, struct zc__xfer *x, void *buf,
			size_t want, off_t off);
	ssize_t (*put)(void *ctx, struct zc__xfer *x, const void *p,
		       size_t n);
	void *ctx;
	void *buf;
	size_t size;
	int guard_sockets;
};
ssize_t zc__rw_run(struct zc__xfer *x, const struct zc__rw *rw);

/* The automatic choice with @l already zeroed (chains use it for pieces). */
ssize_t zc__copy_auto(int out_fd, int in_fd, off_t *in_off, size_t len,
		      struct zc_ledger *l);

/* Adds @n bytes moved to the call: ledger bytes and the offset in use. */
static inline void zc__xfer_moved(struct zc__xfer *x, size_t n)
{
	x->l->bytes += n;
	if (x->len != ZC_EOF)
		x->len -= n;
}

/* The most one syscall is asked to move (Linux caps at 0x7ffff000). */
#define ZC__MAX_CHUNK ((size_t)1 << 30)

static inline size_t zc__xfer_chunk(const struct zc__xfer *x, size_t cap)
{
	return x->len < cap ? x->len : cap;
}

/*
 * Waits until @fd is writable: used only when bytes already taken from a
 * stream input must still be delivered to a non-blocking output (they
 * cannot be put back). 0, or -errno.
 */
int zc__wait_writable(int fd, struct zc_ledger *l);

/*
 * Process-wide absence of a path, found at run time (ENOSYS, no io_uring,
 * an opcode missing). Only absence is cached: per-descriptor refusals are
 * checked on every call.
 */
void zc__path_mark_absent(enum zc_path p);
int zc__path_absent(enum zc_path p);

/* Adds one finished call to the process-wide counters. */
void zc__stats_add(const struct zc_ledger *l);
void zc__stats_refused(enum zc_path p);

/* Tunables, read on the hot path without a call. */
extern long zc__tune[ZC_TUNE__COUNT];

/*
 * The SIGPIPE guard (rules):
 *  1. Only for writes to a pipe or socket that cannot carry MSG_NOSIGNAL
 *     (write, writev, sendfile, splice), and only when ZC_TUNE_SIGPIPE_GUARD
 *     is on.
 *  2. SIGPIPE is blocked in the calling thread for the call. A write that
 *     fails with EPIPE leaves its SIGPIPE pending; restore (told so by
 *     @saw_epipe) takes it with sigtimedwait, unless one was pending
 *     before (the caller blocks SIGPIPE and that one is theirs).
 *  3. The mask is restored as it was.
 */
struct zc__sigpipe {
	int active;
	int was_pending;
	sigset_t old;
};
void zc__sigpipe_block(struct zc__sigpipe *g, struct zc_ledger *l);
void zc__sigpipe_restore(struct zc__sigpipe *g, int saw_epipe,
			 struct zc_ledger *l);

/*
 * Pooled pipes for splicing between two non-pipes, one small pool per
 * thread (as haproxy's get_pipe/put_pipe). A pipe goes back to the pool
 * only empty; a pipe with bytes stuck in it is closed instead.
 */
struct zc__pipe {
	int rfd, wfd;
	size_t size;	/* capacity (F_GETPIPE_SZ) */
};
int zc__pipe_get(struct zc__pipe *p, struct zc_ledger *l);
void zc__pipe_put(struct zc__pipe *p, size_t residue);

/*
 * Per-thread state, created on first use and released at thread exit: the
 * pipe pool, the read/write buffer, the io_uring ring.
 */
struct zc__thread;
struct zc__thread *zc__thread(void);

#define ZC__PIPE_POOL 4

/* The read/write path's buffer (zc__tune[ZC_TUNE_RW_BUFFER] bytes). */
void *zc__thread_rwbuf(size_t *size);

#endif
