/* SPDX-License-Identifier: MIT */
/*
 * lib/zsend_uring.c - io_uring zero-copy sends (Linux 6.0): IORING_OP_SEND_ZC
 * for one piece, SENDMSG_ZC for a gathered run. Each operation completes
 * twice: a result CQE (bytes or -errno, with IORING_CQE_F_MORE when a
 * notification will follow), then a notification CQE (IORING_CQE_F_NOTIF,
 * same user_data) once the kernel no longer needs the pages. With
 * IORING_SEND_ZC_REPORT_USAGE (6.2) the notification's res carries
 * IORING_NOTIF_USAGE_ZC_COPIED when the kernel copied after all.
 * Reference: liburing examples/send-zerocopy.c, io_uring_prep_send_zc(3).
 *
 * Each sender has a ring of its own, so that its notifications are all
 * its own and its fd is something to poll: the socket is its fixed file 0
 * (IOSQE_FIXED_FILE: no file lookup per operation), and buffers the caller
 * registers fill a sparse table of fixed buffers (no page pinning per
 * send, IORING_RECVSEND_FIXED_BUF).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "uring.h"
#include "zsend.h"

#ifdef ZC_HAVE_LIBURING

/* Not in liburing 2.3's copy of the uapi header (kernel 6.2). */
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

/*
 * One operation is in flight at a time (its result is waited for), so a
 * few SQEs are enough. The CQ holds the notifications that wait for
 * zc_zsend_reap: 4096 of them before the kernel keeps the rest on its
 * overflow list (IORING_FEAT_NODROP, 5.5), which costs a syscall to flush
 * but loses nothing.
 */
#define RING_SQ 8
#define RING_CQ 4096

struct zc__zring {
	struct io_uring ring;
	unsigned int zc_flags;	/* REPORT_USAGE, dropped if refused */
	int fixed_file;		/* the socket is fixed file 0 */
	int sparse;		/* the fixed-buffer table exists */
	int broken;		/* an io_uring_enter failure: the ring's
				 * state is unknown, it is not used again */
};

static int probe(void)
{
	static const int ops[] = { IORING_OP_SEND_ZC, IORING_OP_SENDMSG_ZC };

	return zc__uring_ops_supported(ops, 2);
}

int zc__zsend_uring_probe(void)
{
	static int known;

	return zc__zsend_probe_once(&known, probe);
}

/*
 * The ring, the socket as fixed file 0 and an empty table of fixed
 * buffers. Only the ring is required: without the other two, sends name
 * the fd and zc_zsend_register says -ENOTSUP.
 */
static int uring_open(struct zc_zsend *z)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_CQSIZE,
		.cq_entries = RING_CQ,
	};
	struct zc__zring *zr = calloc(1, sizeof(*zr));
	int ret;

	if (!zr)
		return -ENOMEM;
	z->st.syscalls += 3;
	ret = io_uring_queue_init_params(RING_SQ, &zr->ring, &p);
	if (ret < 0) {
		free(zr);
		return ret == -ENOSYS || ret == -EPERM ? -ENOTSUP : ret;
	}
	zr->fixed_file = !io_uring_register_files(&zr->ring, &z->fd, 1);
	zr->sparse = !io_uring_register_buffers_sparse(&zr->ring,
						ZC_ZSEND_MAX_REGISTERED);
	zr->zc_flags = IORING_SEND_ZC_REPORT_USAGE;
	z->ring = zr;
	return 0;
}

static void uring_close(struct zc_zsend *z)
{
	if (!z->ring)
		return;
	io_uring_queue_exit(&z->ring->ring);
	free(z->ring);
	z->ring = NULL;
}

/*
 * A notification is noted on its send's record, processed at the next
 * reap (rule 5 of lib/zsend_rec.c); a result is returned through @res and
 * @flags when it is the one awaited (@want). Returns 1 for the awaited
 * result, else 0.
 */
static int handle(struct zc_zsend *z, struct io_uring_cqe *cqe, uint32_t want,
		  int *res, unsigned int *flags)
{
	uint32_t id = (uint32_t)cqe->user_data;

	if (cqe->flags & IORING_CQE_F_NOTIF) {
		zc__zrec_note(z, id, (uint32_t)cqe->res &
				     IORING_NOTIF_USAGE_ZC_COPIED);
		return 0;
	}
	if (res && id == want) {
		*res = cqe->res;
		*flags = cqe->flags;
		return 1;
	}
	/* A result nobody waits for: only its notification matters. */
	if (!(cqe->flags & IORING_CQE_F_MORE))
		zc__zrec_drop(z, id);
	return 0;
}

/* Processes every CQE there; stops early after the awaited result. */
static int drain_cq(struct zc_zsend *z, uint32_t want, int *res,
		    unsigned int *flags)
{
	struct io_uring *ring = &z->ring->ring;
	struct io_uring_cqe *cqe;
	int found = 0;

	while (!found && !io_uring_peek_cqe(ring, &cqe)) {
		found = handle(z, cqe, want, res, flags);
		io_uring_cqe_seen(ring, cqe);
	}
	return found;
}

/*
 * Submits the prepared SQE and waits for its result, processing the
 * notifications that come meanwhile. The SQE is submitted once: a failed
 * io_uring_enter is retried only for the reasons that leave it unsent.
 */
static int run_one(struct zc_zsend *z, uint32_t id, struct zc_ledger *l,
		   unsigned int *flags)
{
	struct io_uring *ring = &z->ring->ring;
	struct io_uring_cqe *cqe;
	int ret, res = 0;

	do {
		l->syscalls++;
		ret = io_uring_submit_and_wait(ring, 1);
	} while (ret == -EINTR || ret == -EAGAIN || ret == -EBUSY);
	if (ret < 0) {
		z->ring->broken = ret;
		return ret;
	}
	while (!drain_cq(z, id, &res, flags)) {
		l->syscalls++;
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret < 0 && ret != -EINTR) {
			z->ring->broken = ret;
			return ret;
		}
	}
	return res;
}

/*
 * Whether the socket is O_NONBLOCK, read at most once per zc_zsend_send
 * (the caller may change it between calls), and only when a send came back
 * with -EAGAIN: see rule 4 of uring_send.
 */
static int nonblocking(struct zc_zsend *z, struct zc_ledger *l)
{
	int fl;

	if (z->dontwait < 0) {
		l->syscalls++;
		fl = fcntl(z->fd, F_GETFL);
		z->dontwait = fl != -1 && (fl & O_NONBLOCK);
	}
	return z->dontwait;
}

/* Prepares the SQE of @r: one fixed buffer, one piece, or a gathered run. */
static void prep(struct zc_zsend *z, struct io_uring_sqe *sqe,
		 struct zc__zrun *r, struct msghdr *msg, uint32_t id,
		 int flags)
{
	struct zc__zring *zr = z->ring;
	int fd = zr->fixed_file ? 0 : z->fd;

	if (r->fixed >= 0)
		io_uring_prep_send_zc_fixed(sqe, fd, r->iov[0].iov_base,
					    r->iov[0].iov_len, flags,
					    zr->zc_flags,
					    (unsigned int)r->fixed);
	else if (r->cnt == 1)
		io_uring_prep_send_zc(sqe, fd, r->iov[0].iov_base,
				      r->iov[0].iov_len, flags, zr->zc_flags);
	else {
		io_uring_prep_sendmsg_zc(sqe, fd, msg, (unsigned int)flags);
		sqe->ioprio |= zr->zc_flags;
	}
	if (zr->fixed_file)
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, id);
}

/*
 * One operation on the run, recorded under an id of its own (rules 1, 2
 * of uring_send). A ring that broke keeps the record for good: the kernel
 * may have the pages.
 */
static ssize_t attempt(struct zc_zsend *z, struct zc__zrun *r,
		       struct zc_ledger *l, int msg_flags)
{
	struct msghdr msg = { .msg_iov = r->iov, .msg_iovlen = r->cnt };
	struct io_uring_sqe *sqe;
	unsigned int flags = 0;
	uint32_t id;
	int ret;

	ret = zc__zrec_reserve(z, r);
	if (ret < 0)
		return ret;
	id = zc__zrec_commit(z, r, r->bytes);
	/* The SQ is empty: one operation at a time. */
	sqe = io_uring_get_sqe(&z->ring->ring);
	prep(z, sqe, r, &msg, id, r->flags | MSG_NOSIGNAL | msg_flags);
	ret = run_one(z, id, l, &flags);
	if (z->ring->broken)
		return ret;
	if (!(flags & IORING_CQE_F_MORE))
		zc__zrec_drop(z, id);
	else if (ret <= 0)
		zc__zrec_quiet(z, id);
	return ret;
}

/*
 * One run with SEND_ZC or SENDMSG_ZC (rules):
 *  1. The references are taken before the kernel can see the pages, on
 *     every buffer of the run (a short send keeps them all: that holds
 *     some a little longer, never too short).
 *  2. Without IORING_CQE_F_MORE on the result no notification will come
 *     and the references go at once; with it they wait for it, even when
 *     the result is an error.
 *  3. A kernel that refuses REPORT_USAGE (6.0, 6.1: -EINVAL) is asked
 *     again without it, and never again.
 *  4. io_uring does not give EAGAIN for a full O_NONBLOCK socket: it polls
 *     and waits (lib/path_uring.c saw it on 6.18), so every operation goes
 *     with MSG_DONTWAIT first. Only an -EAGAIN costs the question whether
 *     the socket is blocking; if it is, the run goes again without the
 *     flag and io_uring waits for room. A send that does not fill the
 *     socket costs no syscall besides io_uring_enter.
 */
static ssize_t uring_send(struct zc_zsend *z, struct zc__zrun *r,
			  struct zc_ledger *l)
{
	ssize_t ret;

	if (z->ring->broken)
		return z->ring->broken;
	for (;;) {
		ret = attempt(z, r, l, z->dontwait ? MSG_DONTWAIT : 0);
		if (z->ring->broken)
			return ret;
		if (ret == -EINVAL && z->ring->zc_flags) {
			z->ring->zc_flags = 0;
			continue;
		}
		if (ret == -EAGAIN && z->dontwait < 0 && !nonblocking(z, l))
			continue;
		break;
	}
	if (ret > 0) {
		z->st.zc_sends++;
		z->st.zc_bytes += (uint64_t)ret;
		z->st.fixed_sends += r->fixed >= 0;
		l->zero_copy += (uint64_t)ret;
	}
	return ret;
}

static int uring_reap(struct zc_zsend *z)
{
	uint32_t done;

	drain_cq(z, 0, NULL, NULL);
	done = zc__zrec_complete_noted(z);
	return (int)(done > INT32_MAX ? INT32_MAX : done);
}

static int uring_wait(struct zc_zsend *z, int ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long long)(ms % 1000) * 1000000,
	};
	struct io_uring_cqe *cqe;
	int ret;

	z->st.syscalls++;
	ret = io_uring_wait_cqe_timeout(&z->ring->ring, &cqe,
					ms < 0 ? NULL : &ts);
	if (ret == -ETIME)
		return 0;
	if (ret == -EINTR)
		return 1;
	return ret < 0 ? ret : 1;
}

static int uring_poll_fd(const struct zc_zsend *z)
{
	return z->ring->ring.ring_fd;
}

int zc_zsend_register(struct zc_zsend *z, struct zc_buf *b)
{
	struct iovec iov;
	int i, slot = -1, ret;

	if (!z->ring || !z->ring->sparse)
		return -ENOTSUP;
	if (!b || !b->data || !b->size)
		return -EINVAL;
	for (i = ZC_ZSEND_MAX_REGISTERED - 1; i >= 0; i--) {
		if (z->reg[i].buf == b)
			return -EEXIST;
		if (!z->reg[i].buf)
			slot = i;
	}
	if (slot < 0)
		return -ENOSPC;
	iov.iov_base = b->data;
	iov.iov_len = b->size;
	z->st.syscalls++;
	ret = io_uring_register_buffers_update_tag(&z->ring->ring,
						   (unsigned int)slot, &iov,
						   NULL, 1);
	if (ret < 0)
		return ret;
	z->reg[slot].buf = zc_buf_ref(b);
	return 0;
}

/*
 * An empty iovec empties the slot. The kernel keeps its own hold on the
 * old pages until the operations that use them are done.
 */
int zc_zsend_unregister(struct zc_zsend *z, struct zc_buf *b)
{
	struct iovec iov = { 0 };
	int i;

	for (i = 0; b && i < ZC_ZSEND_MAX_REGISTERED; i++) {
		if (z->reg[i].buf != b)
			continue;
		z->st.syscalls++;
		io_uring_register_buffers_update_tag(&z->ring->ring,
						     (unsigned int)i, &iov,
						     NULL, 1);
		z->reg[i].buf = NULL;
		zc_buf_unref(b);
		return 0;
	}
	return -ENOENT;
}

#else /* !ZC_HAVE_LIBURING: built without liburing, no URING mode. */

int zc__zsend_uring_probe(void)
{
	return 0;
}

static int uring_open(struct zc_zsend *z)
{
	(void)z;
	return -ENOTSUP;
}

static void uring_close(struct zc_zsend *z)
{
	(void)z;
}

static ssize_t uring_send(struct zc_zsend *z, struct zc__zrun *r,
			  struct zc_ledger *l)
{
	(void)z; (void)r; (void)l;
	return -ENOTSUP;
}

static int uring_reap(struct zc_zsend *z)
{
	(void)z;
	return 0;
}

static int uring_wait(struct zc_zsend *z, int ms)
{
	(void)z; (void)ms;
	return 0;
}

static int uring_poll_fd(const struct zc_zsend *z)
{
	return z->fd;
}

int zc_zsend_register(struct zc_zsend *z, struct zc_buf *b)
{
	(void)z; (void)b;
	return -ENOTSUP;
}

int zc_zsend_unregister(struct zc_zsend *z, struct zc_buf *b)
{
	(void)z; (void)b;
	return -ENOENT;
}

#endif

const struct zc__zsend_ops zc__zsend_uring_ops = {
	.open = uring_open,
	.close = uring_close,
	.send = uring_send,
	.reap = uring_reap,
	.wait = uring_wait,
	.poll_fd = uring_poll_fd,
	.events = POLLIN,
};
