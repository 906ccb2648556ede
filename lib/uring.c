/* SPDX-License-Identifier: MIT */
/*
 * lib/uring.c - a per-thread io_uring ring and the probe of its opcodes.
 * io_uring may be absent (kernels before 5.1, CONFIG_IO_URING=n) or turned
 * off (the kernel.io_uring_disabled sysctl since 6.6 gives EPERM, seccomp
 * in containers gives ENOSYS or EPERM): that is process-wide absence and is
 * cached, as libuv's uv__use_io_uring does.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "uring.h"

#define RING_ENTRIES 8

void zc__ring_init(struct zc__ring *r)
{
	r->state = 0;
	r->reg_buf = NULL;
	r->reg_size = 0;
	r->files = 0;
	r->fixed_files = 0;
}

#ifdef ZC_HAVE_LIBURING

void zc__ring_exit(struct zc__ring *r)
{
	if (r->state == 1)
		io_uring_queue_exit(&r->ring);
	r->state = 0;
	r->reg_buf = NULL;
	r->files = 0;
}

int zc__ring_files_set(struct zc__ring *r, int in, int out,
		       struct zc_ledger *l)
{
	int fds[2] = { in, out };
	int ret;

	if (r->files < 0)
		return r->files;
	if (!r->files) {
		l->syscalls++;
		ret = io_uring_register_files_sparse(&r->ring, 2);
		if (ret < 0)
			return r->files = ret;
		r->files = 1;
	}
	l->syscalls++;
	ret = io_uring_register_files_update(&r->ring, 0, fds, 2);
	return ret == 2 ? 0 : ret < 0 ? ret : -EIO;
}

void zc__ring_files_clear(struct zc__ring *r, struct zc_ledger *l)
{
	int none[2] = { -1, -1 };

	l->syscalls++;
	io_uring_register_files_update(&r->ring, 0, none, 2);
}

static void mark_absent(void)
{
	zc__path_mark_absent(ZC_PATH_URING_SPLICE);
	zc__path_mark_absent(ZC_PATH_URING_RW);
}

int zc__ring_ready(struct zc__ring *r, struct zc_ledger *l)
{
	int ret;

	if (r->state == 1)
		return 0;
	if (r->state < 0)
		return r->state;
	l->syscalls++;
	ret = io_uring_queue_init(RING_ENTRIES, &r->ring, 0);
	if (ret < 0) {
		if (ret == -ENOSYS || ret == -EPERM)
			mark_absent();
		/* Out of memory or locked memory may pass: do not cache. */
		if (ret == -ENOSYS || ret == -EPERM)
			r->state = ret;
		return ret;
	}
	r->state = 1;
	return 0;
}

int zc__ring_register_buffer(struct zc__ring *r, void *buf, size_t size,
			     struct zc_ledger *l)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	int ret;

	if (r->reg_buf == buf && r->reg_size == size)
		return 0;
	zc__ring_unregister_buffer(r);
	l->syscalls++;
	ret = io_uring_register_buffers(&r->ring, &iov, 1);
	if (ret < 0)
		return ret;
	r->reg_buf = buf;
	r->reg_size = size;
	return 0;
}

void zc__ring_unregister_buffer(struct zc__ring *r)
{
	if (r->state == 1 && r->reg_buf)
		io_uring_unregister_buffers(&r->ring);
	r->reg_buf = NULL;
	r->reg_size = 0;
}

int zc__uring_ops_supported(const int *ops, unsigned int n)
{
	struct io_uring_probe *pr;
	struct io_uring ring;
	unsigned int i;
	int ok;

	if (io_uring_queue_init(2, &ring, 0) < 0)
		return 0;
	pr = io_uring_get_probe_ring(&ring);
	ok = pr != NULL;
	for (i = 0; ok && i < n; i++)
		ok = io_uring_opcode_supported(pr, ops[i]);
	if (pr)
		io_uring_free_probe(pr);
	io_uring_queue_exit(&ring);
	return ok;
}

static int probe_ops(enum zc_path path)
{
	static const int splice[] = { IORING_OP_SPLICE };
	static const int rw[] = { IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED };

	if (path == ZC_PATH_URING_SPLICE)
		return zc__uring_ops_supported(splice, 1);
	return zc__uring_ops_supported(rw, 2);
}

int zc__uring_probe(enum zc_path path)
{
	static int known[ZC_PATH__COUNT];	/* 0 unknown, 1 yes, -1 no */
	int k = __atomic_load_n(&known[path], __ATOMIC_RELAXED);

	if (zc__path_absent(path))
		return 0;
	if (!k) {
		k = probe_ops(path) ? 1 : -1;
		__atomic_store_n(&known[path], k, __ATOMIC_RELAXED);
		if (k < 0)
			zc__path_mark_absent(path);
	}
	return k > 0;
}

#else /* !ZC_HAVE_LIBURING: built without liburing, io_uring is absent. */

void zc__ring_exit(struct zc__ring *r)
{
	(void)r;
}

int zc__ring_ready(struct zc__ring *r, struct zc_ledger *l)
{
	(void)r;
	(void)l;
	return -ENOSYS;
}

int zc__ring_register_buffer(struct zc__ring *r, void *buf, size_t size,
			     struct zc_ledger *l)
{
	(void)r; (void)buf; (void)size; (void)l;
	return -ENOSYS;
}

int zc__ring_files_set(struct zc__ring *r, int in, int out,
		       struct zc_ledger *l)
{
	(void)r; (void)in; (void)out; (void)l;
	return -ENOSYS;
}

void zc__ring_files_clear(struct zc__ring *r, struct zc_ledger *l)
{
	(void)r;
	(void)l;
}

void zc__ring_unregister_buffer(struct zc__ring *r)
{
	(void)r;
}

int zc__uring_probe(enum zc_path path)
{
	(void)path;
	return 0;
}

#endif
