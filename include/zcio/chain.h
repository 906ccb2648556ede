/* SPDX-License-Identifier: MIT */
/*
 * zcio/chain.h - a message to send as an ordered list of pieces.
 *
 * Each piece is either memory (a pointer and a length, normally inside a
 * refcounted zc_buf) or a file range (fd, offset, length). An HTTP response
 * is a header piece plus a file range; a Kafka fetch response is a header
 * plus one file range per partition. zc_chain_send writes memory pieces with
 * one gathered sendmsg/writev and file ranges with sendfile, in order, and
 * advances the chain by exactly what the kernel took, so that a partial send
 * on a non-blocking socket is resumed by calling it again. Nothing is
 * flattened into a contiguous copy.
 *
 * Ownership: a piece holds one reference on its buffer (taken at append,
 * unless the function says it steals the caller's), dropped when the piece
 * is fully sent or the chain is cleared. Pieces appended without a buffer
 * (zc_chain_append_ptr, zc_chain_append_fd) point at storage the caller
 * keeps alive and open until the chain no longer holds them.
 *
 * The struct is public so that connections can embed it; treat its fields
 * as private.
 */
#ifndef ZCIO_CHAIN_H
#define ZCIO_CHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "common.h"
#include "buf.h"
#include "xfer.h"

ZC_BEGIN_DECLS

enum zc_piece_kind {
	ZC_PIECE_MEM = 1,
	ZC_PIECE_FILE = 2,
};

struct zc_piece {
	struct zc_buf *buf;	/* the reference held, or NULL */
	const uint8_t *ptr;	/* memory pieces: the next byte to send */
	off_t off;		/* file pieces: the next offset to send */
	size_t len;		/* bytes left in this piece */
	int fd;			/* file pieces: the file */
	int kind;		/* enum zc_piece_kind */
};

#define ZC_CHAIN_INLINE 4

struct zc_chain {
	struct zc_piece *pieces;	/* ring of cap pieces */
	uint32_t head;			/* index of the first piece */
	uint32_t count;			/* pieces held */
	uint32_t cap;
	uint64_t bytes;			/* bytes left to send */
	struct zc_piece inline_pieces[ZC_CHAIN_INLINE];
};

/* Makes @c empty. Never fails; pieces beyond a few are allocated. */
ZC_API void zc_chain_init(struct zc_chain *c);

/* Drops every piece's reference and frees the chain's own memory. */
ZC_API void zc_chain_exit(struct zc_chain *c);

/*
 * Drops every piece, keeping the chain usable (as after init); a heap ring
 * is kept for the next message.
 */
ZC_API void zc_chain_clear(struct zc_chain *c);

/*
 * Appends the window of @s; takes a new reference on its buffer. The slice
 * of a file store (no memory) appends that window as a file range.
 */
ZC_API int zc_chain_append_slice(struct zc_chain *c,
				 const struct zc_slice *s);

/*
 * Appends @len bytes at @p, which lie inside @b's memory; takes a new
 * reference on @b. -ERANGE if they do not. Returns 0 or -ENOMEM.
 */
ZC_API int zc_chain_append_mem(struct zc_chain *c, struct zc_buf *b,
			       const void *p, size_t len);

/* Appends memory the caller keeps valid while the chain holds it. */
ZC_API int zc_chain_append_ptr(struct zc_chain *c, const void *p, size_t len);

/* Appends a copy of @len bytes at @p (a small header, say). Copies. */
ZC_API int zc_chain_append_copy(struct zc_chain *c, const void *p,
				size_t len);

/*
 * Appends the file range [off, off + len) of the file store @file (see
 * zc_buf_file); takes a new reference. A range that starts where the last
 * piece's range of the same store ends extends that piece instead, so one
 * sendfile covers both.
 */
ZC_API int zc_chain_append_file(struct zc_chain *c, struct zc_buf *file,
				off_t off, size_t len);

/* Appends a file range of an fd that the caller keeps open meanwhile. */
ZC_API int zc_chain_append_fd(struct zc_chain *c, int fd, off_t off,
			      size_t len);

/* Bytes left to send. */
static inline uint64_t zc_chain_bytes(const struct zc_chain *c)
{
	return c->bytes;
}

/* Pieces held. */
static inline uint32_t zc_chain_pieces(const struct zc_chain *c)
{
	return c->count;
}

/*
 * Marks the first @n bytes as sent: advances the pieces and releases the
 * ones finished. @n larger than zc_chain_bytes is a bug and aborts.
 */
ZC_API void zc_chain_consume(struct zc_chain *c, uint64_t n);

/*
 * Sends the chain to @fd (a socket, a pipe, a file...) and consumes what
 * was sent. Returns the bytes sent by this call (the whole chain with a
 * blocking fd), or a negative errno when nothing was sent: -EAGAIN on a
 * non-blocking fd that is full (call again when it is writable), -EPIPE
 * when the peer closed, -ENODATA when a file shrank under a file range
 * (the rest of the range cannot be sent; close the connection). Progress
 * made before an error is returned first; the error comes on the next call.
 * Memory pieces that precede a file range go out with MSG_MORE so that a
 * small header and the file leave in one packet. Can block unless @fd is
 * non-blocking. @ledger as for zc_copy: path is the path that sent file
 * ranges (SENDFILE unless the kernel refused it for @fd), or AUTO when only
 * memory was sent; from_memory counts the memory bytes.
 */
ZC_API ssize_t zc_chain_send(int fd, struct zc_chain *c,
			     struct zc_ledger *ledger);

ZC_END_DECLS

#endif
