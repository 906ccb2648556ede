/* SPDX-License-Identifier: MIT */
/*
 * lib/zsend.h - what the files of the zero-copy sender share: the sender
 * itself, the run of memory pieces that one send carries, the in-flight
 * table (lib/zsend_rec.c) and the ops of each mode (lib/zsend_msg.c for
 * MSG_ZEROCOPY, lib/zsend_uring.c for io_uring SEND_ZC). Private to lib/.
 */
#ifndef ZC_LIB_ZSEND_H
#define ZC_LIB_ZSEND_H

#include <limits.h>
#include <stdint.h>
#include <sys/uio.h>

#include "internal.h"

/* The most iovecs one send carries: the kernel's UIO_MAXIOV. */
#define ZSEND_IOVS IOV_MAX

/*
 * One gathered send: consecutive memory pieces at the head of the chain,
 * all with a buffer (zero-copy candidates) or all without. A piece inside
 * a registered buffer (URING) travels alone, from its fixed buffer.
 */
struct zc__zrun {
	struct iovec iov[ZSEND_IOVS];
	struct zc_buf *bufs[ZSEND_IOVS];	/* the buffer of each iovec */
	int cnt;
	int fixed;		/* registered buffer index, or -1 */
	int flags;		/* MSG_MORE when the chain goes on */
	size_t bytes;
};

/* A record's buffers inline up to this many (a header and a body). */
#define ZREC_INLINE 3

/* One zero-copy send awaiting its notification. */
struct zc__zrec {
	struct zc_buf *bufs[ZREC_INLINE];
	struct zc_buf **many;	/* when nbufs > ZREC_INLINE */
	uint32_t nbufs;
	uint8_t waiting;	/* 1 until the notification is processed */
	uint8_t noted;		/* it came, to be processed at the next reap */
	uint8_t copied;		/* and it said the kernel copied */
	uint8_t quiet;		/* the send moved nothing: its notification
				 * is not counted in the stats */
};

/*
 * A mode: @send hands one run to the kernel without a copy and records it
 * (zc__zrec_reserve before the kernel sees the pages, zc__zrec_commit
 * after); @reap processes the notifications that are there without
 * waiting and returns the sends completed; @wait sleeps up to @ms (-1: no
 * limit) until some may be there: 1, 0 on timeout, or -errno.
 */
struct zc__zsend_ops {
	int (*open)(struct zc_zsend *z);
	void (*close)(struct zc_zsend *z);
	ssize_t (*send)(struct zc_zsend *z, struct zc__zrun *r,
			struct zc_ledger *l);
	int (*reap)(struct zc_zsend *z);
	int (*wait)(struct zc_zsend *z, int ms);
	int (*poll_fd)(const struct zc_zsend *z);
	short events;
};

extern const struct zc__zsend_ops zc__zsend_msg_ops;
extern const struct zc__zsend_ops zc__zsend_uring_ops;

/* Process-wide support of a mode's kernel side: 1 or 0, probed once. */
int zc__zsend_msg_probe(void);
int zc__zsend_uring_probe(void);

/*
 * The once of those probes: *@known is 0 until @probe has run, then 1
 * (supported) or -1. Threads that race both probe and store the same
 * answer, so relaxed atomics are enough. Returns 1 or 0.
 */
static inline int zc__zsend_probe_once(int *known, int (*probe)(void))
{
	int k = __atomic_load_n(known, __ATOMIC_RELAXED);

	if (!k) {
		k = probe() ? 1 : -1;
		__atomic_store_n(known, k, __ATOMIC_RELAXED);
	}
	return k > 0;
}

struct zc__zring;	/* lib/zsend_uring.c */

struct zc__zreg {
	struct zc_buf *buf;	/* the registration's reference, or NULL */
};

struct zc_zsend {
	int fd;				/* our duplicate of the socket */
	enum zc_zsend_mode mode;
	const struct zc__zsend_ops *ops;	/* NULL in COPY mode */

	/*
	 * The in-flight table: records of ids [base, next) in a ring of cap
	 * (a power of two) slots, at id & (cap - 1). MSG_ZEROCOPY numbers
	 * the sends of a socket 0, 1, 2... in the order they returned, so
	 * the kernel's id of a send is next at the time it returned; io_uring
	 * carries next as the user_data.
	 */
	struct zc__zrec *recs;
	uint32_t cap, base, next;
	/*
	 * MSG_ZEROCOPY ids belong to the socket, not to us: a socket that
	 * carried an earlier zc_zsend goes on counting from where that one
	 * stopped, so kernel id = our id + koff (lib/zsend_msg.c).
	 */
	uint32_t koff;
	uint64_t cookie;		/* SO_COOKIE of the socket, or 0 */
	struct zc_buf **spare;		/* reserved for the next commit */
	uint32_t noted;			/* records noted, not processed */

	struct zc_zsend_stats st;
	struct zc__zring *ring;		/* URING mode */
	int dontwait;			/* the socket is O_NONBLOCK: 1 or
					 * 0; -1 not known yet in this call */
	struct zc__zreg reg[ZC_ZSEND_MAX_REGISTERED];
	struct zc__zrun run;
};

/* The in-flight table (lib/zsend_rec.c). */
int zc__zrec_init(struct zc_zsend *z);
int zc__zrec_reserve(struct zc_zsend *z, const struct zc__zrun *r);
void zc__zrec_unreserve(struct zc_zsend *z);
uint32_t zc__zrec_commit(struct zc_zsend *z, const struct zc__zrun *r,
			 size_t n);
uint32_t zc__zrec_complete(struct zc_zsend *z, uint32_t lo, uint32_t hi,
			   int copied);
void zc__zrec_note(struct zc_zsend *z, uint32_t id, int copied);
uint32_t zc__zrec_complete_noted(struct zc_zsend *z);
void zc__zrec_drop(struct zc_zsend *z, uint32_t id);
void zc__zrec_quiet(struct zc_zsend *z, uint32_t id);
uint32_t zc__zrec_exit(struct zc_zsend *z);

/* The @i-th piece from the head of @c (as lib/chain.c's piece_at). */
static inline struct zc_piece *zc__chain_piece(struct zc_chain *c,
					       uint32_t i)
{
	struct zc_piece *ring = c->cap > ZC_CHAIN_INLINE ? c->pieces :
							   c->inline_pieces;

	return &ring[(c->head + i) & (c->cap - 1)];
}

/* Sends @z's current run with a plain sendmsg (the CPU copies). */
ssize_t zc__zsend_plain(struct zc_zsend *z, struct zc_ledger *l);

/* The index of the registered buffer holding [p, p + len), or -1. */
int zc__zsend_fixed_index(const struct zc_zsend *z, const void *p,
			  size_t len);

#endif
