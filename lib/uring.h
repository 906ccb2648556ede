/* SPDX-License-Identifier: MIT */
/*
 * lib/uring.h - the small io_uring ring each thread keeps for the
 * synchronous io_uring paths (submit, wait, return), and the process-wide
 * probe of what this kernel's io_uring can do. Private to lib/.
 */
#ifndef ZC_LIB_URING_H
#define ZC_LIB_URING_H

#include <stddef.h>

#include "config.h"
#include <zcio/xfer.h>

#ifdef ZC_HAVE_LIBURING
#include <liburing.h>
#endif

struct zc__ring {
	int state;		/* 0 not set up, 1 ready, <0 the setup error */
#ifdef ZC_HAVE_LIBURING
	struct io_uring ring;
#endif
	void *reg_buf;		/* the buffer registered as index 0 */
	size_t reg_size;
	int in_nowait, out_nowait;	/* RWF_NOWAIT for this call's fds */
	int files;		/* 0 no file table yet, 1 a sparse table of
				 * two slots, <0 the kernel refused one */
	int fixed_files;	/* this call uses the two slots */
};

/* The slots of the registered-file table: the call's input and output. */
#define ZC__RING_FILE_IN 0
#define ZC__RING_FILE_OUT 1

void zc__ring_init(struct zc__ring *r);
void zc__ring_exit(struct zc__ring *r);

/* This thread's ring, or NULL when memory ran out. */
struct zc__ring *zc__thread_ring(void);

/* Sets the ring up on first use: 0, or -errno (-ENOSYS without io_uring). */
int zc__ring_ready(struct zc__ring *r, struct zc_ledger *l);

/* Registers @buf as fixed buffer 0 unless it already is. 0 or -errno. */
int zc__ring_register_buffer(struct zc__ring *r, void *buf, size_t size,
			     struct zc_ledger *l);
void zc__ring_unregister_buffer(struct zc__ring *r);

/*
 * Puts @in and @out in the ring's registered-file slots (a sparse table of
 * two, made on first use): 0, or -errno and the call goes without fixed
 * files. zc__ring_files_clear empties the slots again.
 */
int zc__ring_files_set(struct zc__ring *r, int in, int out,
		       struct zc_ledger *l);
void zc__ring_files_clear(struct zc__ring *r, struct zc_ledger *l);

/* 1 when @path (URING_SPLICE, URING_RW) works on this kernel, else 0. */
int zc__uring_probe(enum zc_path path);

#ifdef ZC_HAVE_LIBURING
/*
 * 1 when this kernel's io_uring supports every opcode in @ops[0..@n), else
 * 0 (no io_uring, no probe, or one missing). Sets up and tears down a
 * ring of its own: callers cache the answer.
 */
int zc__uring_ops_supported(const int *ops, unsigned int n);
#endif

#endif
