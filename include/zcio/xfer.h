/* SPDX-License-Identifier: MIT */
/*
 * zcio/xfer.h - moving bytes between two file descriptors.
 *
 * zc_copy() looks at both descriptors and takes the cheapest kernel path that
 * works; zc_copy_path() and the zc_<path>() functions run one path only.
 * Every function here has the same shape and the same rules:
 *
 *   ssize_t f(int out_fd, int in_fd, off_t *in_off, size_t len,
 *             struct zc_ledger *ledger);
 *
 *  1. in_off NULL reads from in_fd's file position and advances it. A
 *     non-NULL in_off reads at *in_off, advances *in_off by the bytes moved
 *     and leaves the file position alone, like pread(2). It needs a
 *     seekable in_fd (-ESPIPE otherwise).
 *  2. len is a byte count, or ZC_EOF to move everything up to end of file
 *     (or until a socket or pipe reports end of stream).
 *  3. The return value is the number of bytes written to out_fd, or a
 *     negative errno when nothing was moved. Nothing prints, nothing exits,
 *     errno is not the answer.
 *  4. EINTR is retried. Blocking descriptors are served until len bytes
 *     moved or the input ended; fewer than len means end of input, including
 *     a file that shrank while it was copied (no hang, no SIGBUS), or an
 *     error that stopped the copy after some bytes: that error is what the
 *     next call returns (rule 3), so a caller that must tell the two apart
 *     calls once more.
 *  5. A non-blocking descriptor that would block ends the call: it returns
 *     the progress so far, or -EAGAIN when nothing moved. Call again to go on.
 *  6. A peer that closed gives -EPIPE (or the bytes moved before it) and never
 *     raises SIGPIPE in the process (see ZC_TUNE_SIGPIPE_GUARD).
 *  7. A closed or wrong descriptor gives -EBADF; a descriptor opened in the
 *     wrong direction gives -EBADF as read(2)/write(2) would.
 *
 * The calls can block unless the descriptors are non-blocking. They are
 * thread-safe: per-thread state (pipes, io_uring rings, buffers) is kept per
 * thread and released at thread exit.
 */
#ifndef ZCIO_XFER_H
#define ZCIO_XFER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "common.h"

ZC_BEGIN_DECLS

/* len value meaning "until end of input". */
#define ZC_EOF ((size_t)-1)

/*
 * The kernel paths. ZC_PATH_AUTO chooses; every other value names exactly
 * one mechanism. The order is stable: it indexes zc_stats and tables.
 */
enum zc_path {
	ZC_PATH_AUTO = 0,
	ZC_PATH_COPY_FILE_RANGE,	/* copy_file_range(2): file to file */
	ZC_PATH_SENDFILE,		/* sendfile(2): file to anything */
	ZC_PATH_SPLICE,			/* splice(2), through a pooled pipe
					 * when neither end is a pipe */
	ZC_PATH_READWRITE,		/* read(2)/write(2) through a reused
					 * user-space buffer: the CPU copies */
	ZC_PATH_URING_SPLICE,		/* IORING_OP_SPLICE */
	ZC_PATH_URING_RW,		/* IORING_OP_READ_FIXED/WRITE_FIXED
					 * through a registered buffer, and
					 * registered files above 4 MiB; with
					 * RWF_NOWAIT for O_NONBLOCK fds, which
					 * pipes refuse (-ENOTSUP) */
	ZC_PATH__COUNT
};

/*
 * What one call did. The caller owns the struct; the library fills it in
 * (it zeroes it first). Pass NULL to not ask.
 */
struct zc_ledger {
	enum zc_path path;	/* the path that ran (for zc_copy_path the
				 * forced one, even when it failed); AUTO
				 * when zc_copy failed before any path */
	uint64_t bytes;		/* bytes written to out_fd */
	uint64_t syscalls;	/* system calls made, io_uring_enter included */
	uint64_t user_copied;	/* bytes that passed through a user-space
				 * buffer (each costs two CPU copies) */
	uint64_t from_memory;	/* bytes sent from user memory by chains
				 * (one CPU copy each, into the kernel) */
	uint32_t refused;	/* paths the kernel refused before this one */
	uint32_t small;		/* 1 when the small-size rule chose a copy */
	/*
	 * Fields are only ever appended. The library writes the whole struct,
	 * so a caller built against older (shorter) headers must be rebuilt:
	 * until 1.0 every minor version may grow it.
	 */
	uint64_t zero_copy;	/* bytes of from_memory handed to the kernel
				 * without a copy (zc_zsend_send) */
};

/* The automatic path: see the rules at the top and zc_copy(3). */
ZC_API ssize_t zc_copy(int out_fd, int in_fd, off_t *in_off, size_t len,
		       struct zc_ledger *ledger);

/*
 * Runs exactly @path (ZC_PATH_AUTO is zc_copy). A path this kernel or
 * these descriptors cannot do gives -ENOTSUP without moving a byte, and
 * never falls back: that is what forcing means.
 */
ZC_API ssize_t zc_copy_path(enum zc_path path, int out_fd, int in_fd,
			    off_t *in_off, size_t len,
			    struct zc_ledger *ledger);

/* The explicit paths, each zc_copy_path() with its path. */
ZC_API ssize_t zc_copy_file_range(int out_fd, int in_fd, off_t *in_off,
				  size_t len, struct zc_ledger *ledger);
ZC_API ssize_t zc_sendfile(int out_fd, int in_fd, off_t *in_off, size_t len,
			   struct zc_ledger *ledger);
ZC_API ssize_t zc_splice(int out_fd, int in_fd, off_t *in_off, size_t len,
			 struct zc_ledger *ledger);
ZC_API ssize_t zc_readwrite(int out_fd, int in_fd, off_t *in_off, size_t len,
			    struct zc_ledger *ledger);
ZC_API ssize_t zc_uring_splice(int out_fd, int in_fd, off_t *in_off,
			       size_t len, struct zc_ledger *ledger);
ZC_API ssize_t zc_uring_rw(int out_fd, int in_fd, off_t *in_off, size_t len,
			   struct zc_ledger *ledger);

/* "sendfile", "splice", ...; "auto" for ZC_PATH_AUTO; NULL if out of range. */
ZC_API const char *zc_path_name(enum zc_path path);

/* The path named @name, or -EINVAL. Accepts the names zc_path_name gives. */
ZC_API int zc_path_from_name(const char *name);

/*
 * Whether this kernel can run @path at all: 1 yes, 0 no (the answer is
 * probed once and cached for the process). Whether a given pair of
 * descriptors works is only known by trying.
 */
ZC_API int zc_path_supported(enum zc_path path);

/*
 * Process-wide counters per path, summed over every call in every thread
 * since the start (or the last zc_stats_reset). Read with zc_stats_get.
 */
struct zc_path_stats {
	uint64_t calls;		/* calls in which this path moved bytes */
	uint64_t bytes;
	uint64_t syscalls;
	uint64_t user_copied;
	uint64_t refused;	/* times the kernel refused it at run time */
};

/* Copies the counters of @path into @st. -EINVAL for a bad path. */
ZC_API int zc_stats_get(enum zc_path path, struct zc_path_stats *st);
ZC_API void zc_stats_reset(void);

/*
 * Tunables, process-wide. See docs/tunables.md for each one's reason.
 */
enum zc_tune {
	/* Below this many bytes zc_copy uses read/write on purpose: zero-copy
	 * setup costs more than it saves. 0 turns the rule off. */
	ZC_TUNE_SMALL_COPY = 0,
	/* Size of the user-space buffer of the read/write path. */
	ZC_TUNE_RW_BUFFER,
	/* Capacity asked for the pooled splice pipes (F_SETPIPE_SZ). */
	ZC_TUNE_PIPE_SIZE,
	/* 1: block SIGPIPE around calls that write to a pipe or socket without
	 * MSG_NOSIGNAL, and swallow the one they raise. 0: the caller ignores
	 * SIGPIPE itself (servers do) and saves two system calls a call. */
	ZC_TUNE_SIGPIPE_GUARD,
	/* Below this many bytes in one gathered run zc_zsend_send uses a
	 * plain send: zero-copy setup costs more than the copy saves. */
	ZC_TUNE_ZSEND_MIN,
	ZC_TUNE__COUNT
};

/* Sets a tunable: 0, or -EINVAL for an unknown one or a bad value. */
ZC_API int zc_tune_set(enum zc_tune what, long value);
/* The current value, or -EINVAL for an unknown tunable. */
ZC_API long zc_tune_get(enum zc_tune what);

ZC_END_DECLS

#endif
