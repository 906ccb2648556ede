/* SPDX-License-Identifier: MIT */
/*
 * zcio/zsend.h - sending user memory to a socket without a copy.
 *
 * A struct zc_zsend is a sender bound to one connected socket. It sends
 * chains (zcio/chain.h) like zc_chain_send, but hands the memory pieces to
 * the kernel without copying them: MSG_ZEROCOPY (sendmsg on a socket with
 * SO_ZEROCOPY, completions read from the socket's error queue) or io_uring
 * IORING_OP_SEND_ZC / SENDMSG_ZC (completions are notification CQEs on the
 * sender's own ring, which can also send from registered buffers).
 *
 * Ownership, the rule of DESIGN.md made mechanical:
 *  1. A memory piece that the kernel took without a copy keeps a reference
 *     on its zc_buf in the sender's in-flight list, taken before the
 *     kernel can see the pages and dropped only when the kernel's
 *     notification covering that send is processed (zc_zsend_reap). Only
 *     then can the buffer's dispose callback run: inside zc_zsend_reap,
 *     _drain, _unregister or _free, never elsewhere (an io_uring
 *     notification met while a send waits for its result is noted and
 *     processed by the next reap). The chain's own reference goes when the
 *     piece is consumed, as for zc_chain_send.
 *  2. Memory pieces without a buffer (zc_chain_append_ptr) cannot be kept
 *     alive by a reference, so they are always sent with a plain copy.
 *  3. The sender works on its own duplicate of the socket, so closing the
 *     caller's descriptor with sends outstanding cannot lose the
 *     notifications: the connection lives until zc_zsend_free.
 *  4. zc_zsend_free waits (bounded) for the outstanding notifications, then
 *     resets the connection to make the kernel drop the pages it still
 *     holds; a buffer whose notification never came is never released (a
 *     leak, counted) rather than released while the kernel may read it.
 *
 * Zero-copy costs a page pin and a notification per send, which only pays
 * above about 10 KB (kernel Documentation/networking/msg_zerocopy.rst);
 * smaller sends use a plain send on purpose (ZC_TUNE_ZSEND_MIN). To a
 * loopback peer the kernel always copies, late, and says so in every
 * notification (the stats count it as "copied").
 *
 * A sender belongs to one thread at a time, like the buffers it references,
 * and dispose callbacks must not call into it. A socket has one sender for
 * its whole life (MSG_ZEROCOPY numbers a socket's sends from 0), which owns
 * the socket's error queue.
 */
#ifndef ZCIO_ZSEND_H
#define ZCIO_ZSEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "common.h"
#include "buf.h"
#include "chain.h"
#include "xfer.h"

ZC_BEGIN_DECLS

/*
 * How memory pieces go out. AUTO takes the first this kernel and socket
 * support: URING, then MSG_ZEROCOPY, then COPY. The order is stable: it
 * indexes tables.
 */
enum zc_zsend_mode {
	ZC_ZSEND_AUTO = 0,
	ZC_ZSEND_MSG_ZEROCOPY,	/* sendmsg(MSG_ZEROCOPY), SO_ZEROCOPY set;
				 * notifications on the error queue */
	ZC_ZSEND_URING,		/* IORING_OP_SEND_ZC / SENDMSG_ZC on a ring
				 * of the sender's own; notification CQEs */
	ZC_ZSEND_COPY,		/* plain sendmsg: the CPU copies (the
				 * baseline, and the fallback) */
	ZC_ZSEND__COUNT
};

/* Counters of one sender since zc_zsend_new (zc_zsend_stats). */
struct zc_zsend_stats {
	uint64_t sends;		/* sendmsg calls and SQEs that moved bytes */
	uint64_t bytes;		/* bytes they moved (file ranges not counted) */
	uint64_t zc_sends;	/* of them, sent zero-copy */
	uint64_t zc_bytes;
	uint64_t fixed_sends;	/* of zc_sends, from a registered buffer */
	uint64_t copy_sends;	/* sent with a plain copy, for any reason */
	uint64_t copy_bytes;
	uint64_t small;		/* plain sends below ZC_TUNE_ZSEND_MIN */
	uint64_t unowned;	/* plain sends of pieces without a buffer */
	uint64_t enobufs;	/* MSG_ZEROCOPY refused with ENOBUFS (optmem
				 * limit), sent again with a plain copy */
	uint64_t completions;	/* zero-copy sends whose notification came */
	uint64_t copied;	/* of them, notifications saying the kernel
				 * copied after all (SO_EE_CODE_ZEROCOPY_COPIED,
				 * IORING_NOTIF_USAGE_ZC_COPIED) */
	uint64_t released;	/* buffer references dropped by notifications */
	uint64_t file_bytes;	/* bytes of file ranges (sendfile ladder) */
	uint64_t syscalls;	/* every system call, io_uring_enter included */
	uint32_t inflight;	/* as zc_zsend_inflight, now */
	uint32_t inflight_max;	/* the most at any time */
};

/*
 * Creates a sender for the connected stream socket @sock (TCP; any socket
 * in COPY mode). The socket is duplicated (F_DUPFD_CLOEXEC): the caller
 * keeps and closes @sock as it likes. Sets SO_ZEROCOPY for MSG_ZEROCOPY;
 * sets up a ring with the socket as its fixed file 0 for URING. An
 * explicit mode that this kernel or socket cannot do gives -ENOTSUP
 * (-EOPNOTSUPP); AUTO falls down its ladder to COPY instead. Returns NULL
 * and *@err on failure (-EBADF, -ENOTSOCK, -ENOMEM, -EMFILE, -ENOTSUP,
 * -EINVAL for an unknown mode).
 * Does not block.
 */
ZC_API struct zc_zsend *zc_zsend_new(int sock, enum zc_zsend_mode mode,
				     int *err);

/* The mode @z runs (never AUTO). */
ZC_API enum zc_zsend_mode zc_zsend_mode(const struct zc_zsend *z);

/* "auto", "msg_zerocopy", "uring", "copy"; NULL if out of range. */
ZC_API const char *zc_zsend_mode_name(enum zc_zsend_mode mode);

/* The mode named @name, or -EINVAL. Accepts what zc_zsend_mode_name gives. */
ZC_API int zc_zsend_mode_from_name(const char *name);

/*
 * Whether this kernel can do @mode at all: 1 or 0 (probed once, cached for
 * the process). Whether a given socket can is only known by zc_zsend_new.
 */
ZC_API int zc_zsend_mode_supported(enum zc_zsend_mode mode);

/*
 * Sends @c and consumes what the kernel took, with the same rules as
 * zc_chain_send (returns the bytes of this call or -errno when nothing
 * moved; -EAGAIN on a full non-blocking socket, -EPIPE when the peer
 * closed; progress first, the error on the next call). Memory pieces of a
 * buffer go zero-copy when their gathered run reaches ZC_TUNE_ZSEND_MIN
 * bytes, the rest with a plain send; the sender takes a reference on each
 * buffer sent zero-copy (rule 1 above). File ranges go through the
 * sendfile ladder of zc_copy, in order. With MSG_ZEROCOPY, ENOBUFS (the
 * optmem limit, too many notifications pending) sends that run again with
 * a plain copy. In URING mode each operation is submitted and its result
 * waited for (not its notification); O_NONBLOCK on the socket is honoured
 * (MSG_DONTWAIT). Never raises SIGPIPE. Can block unless the socket is
 * non-blocking. @ledger as for zc_chain_send, plus zero_copy: the part of
 * from_memory handed over without a copy.
 */
ZC_API ssize_t zc_zsend_send(struct zc_zsend *z, struct zc_chain *c,
			     struct zc_ledger *ledger);

/*
 * Processes the notifications that have arrived and drops the references
 * of the sends they cover (dispose callbacks run here, in zc_zsend_drain,
 * _unregister and _free, and nowhere else). @timeout_ms: 0 does not
 * wait, > 0 waits up to that long for at least one when sends are in
 * flight, -1 waits without limit. Returns the number of sends completed
 * (0 if none), or -errno.
 */
ZC_API int zc_zsend_reap(struct zc_zsend *z, int timeout_ms);

/*
 * Reaps until nothing is in flight or @timeout_ms (>= 0) ran out: 0, or
 * -ETIMEDOUT with sends still outstanding. Does not reset the connection;
 * call it before zc_zsend_free for a graceful close.
 */
ZC_API int zc_zsend_drain(struct zc_zsend *z, int timeout_ms);

/*
 * What to poll for notifications: the socket (the sender's duplicate; it
 * reports POLLERR when the error queue holds some) in MSG_ZEROCOPY mode,
 * the ring's fd (POLLIN) in URING mode, the socket in COPY mode (nothing
 * ever arrives). zc_zsend_events gives the events to ask for.
 */
ZC_API int zc_zsend_fd(const struct zc_zsend *z);
ZC_API short zc_zsend_events(const struct zc_zsend *z);

/*
 * Zero-copy operations whose notification has not been processed (in
 * URING mode this includes an operation that failed with -EAGAIN: the
 * kernel still sends its notification).
 */
ZC_API uint32_t zc_zsend_inflight(const struct zc_zsend *z);

/* Copies @z's counters into @st. */
ZC_API void zc_zsend_stats(const struct zc_zsend *z,
			   struct zc_zsend_stats *st);

/*
 * URING mode: registers @b's memory as a fixed buffer of the sender's ring
 * and takes a new reference on @b, held until zc_zsend_unregister or
 * zc_zsend_free. Pieces inside a registered buffer are then sent with
 * SEND_ZC from the fixed buffer, so the kernel does not pin the pages on
 * every send. At most ZC_ZSEND_MAX_REGISTERED buffers, each below 1 GiB.
 * Returns 0, -EEXIST (already registered), -ENOSPC (table full), -ENOTSUP
 * (not URING mode, or a kernel without sparse buffer tables), -EINVAL (no
 * memory), or the kernel's error (-ENOMEM, -EFAULT).
 */
#define ZC_ZSEND_MAX_REGISTERED 16
ZC_API int zc_zsend_register(struct zc_zsend *z, struct zc_buf *b);

/*
 * Removes @b from the ring's table and drops the registration's reference
 * (sends in flight keep their own). 0, or -ENOENT if it was not there.
 */
ZC_API int zc_zsend_unregister(struct zc_zsend *z, struct zc_buf *b);

/*
 * Frees the sender (NULL is a no-op). Rules:
 *  1. Waits up to ZC_ZSEND_FREE_WAIT_MS for the outstanding notifications.
 *  2. If some are still missing (a peer that does not read), resets the
 *     connection (connect AF_UNSPEC: RST, and the kernel frees the queued
 *     data and its pages), then waits up to ZC_ZSEND_FREE_WAIT_MS again.
 *  3. Drops every reference whose notification came, and the registered
 *     buffers; closes the ring and the duplicate socket.
 *  4. Returns 0, or -ETIMEDOUT when some notifications never came: those
 *     buffers are left referenced for good (never disposed), since the
 *     kernel may still read them.
 * Safe when the peer closed or reset with sends outstanding. Can block for
 * up to twice ZC_ZSEND_FREE_WAIT_MS.
 */
#define ZC_ZSEND_FREE_WAIT_MS 1000
ZC_API int zc_zsend_free(struct zc_zsend *z);

ZC_END_DECLS

#endif
