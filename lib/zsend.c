/* SPDX-License-Identifier: MIT */
/*
 * lib/zsend.c - the zero-copy sender (include/zcio/zsend.h): choosing the
 * mode, cutting a chain into runs, sending each run zero-copy or with a
 * plain copy, and the life cycle. The mode-specific halves are in
 * lib/zsend_msg.c (MSG_ZEROCOPY) and lib/zsend_uring.c (io_uring SEND_ZC);
 * the table of sends in flight is lib/zsend_rec.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"
#include "zsend.h"

static const char *const mode_names[ZC_ZSEND__COUNT] = {
	[ZC_ZSEND_AUTO] = "auto",
	[ZC_ZSEND_MSG_ZEROCOPY] = "msg_zerocopy",
	[ZC_ZSEND_URING] = "uring",
	[ZC_ZSEND_COPY] = "copy",
};

const char *zc_zsend_mode_name(enum zc_zsend_mode mode)
{
	if ((unsigned int)mode >= ZC_ZSEND__COUNT)
		return NULL;
	return mode_names[mode];
}

int zc_zsend_mode_from_name(const char *name)
{
	int i;

	for (i = 0; name && i < ZC_ZSEND__COUNT; i++)
		if (!strcmp(name, mode_names[i]))
			return i;
	return -EINVAL;
}

int zc_zsend_mode_supported(enum zc_zsend_mode mode)
{
	switch (mode) {
	case ZC_ZSEND_AUTO:
	case ZC_ZSEND_COPY:
		return 1;
	case ZC_ZSEND_MSG_ZEROCOPY:
		return zc__zsend_msg_probe();
	case ZC_ZSEND_URING:
		return zc__zsend_uring_probe();
	default:
		return 0;
	}
}

static const struct zc__zsend_ops *mode_ops(enum zc_zsend_mode mode)
{
	if (mode == ZC_ZSEND_MSG_ZEROCOPY)
		return &zc__zsend_msg_ops;
	if (mode == ZC_ZSEND_URING)
		return &zc__zsend_uring_ops;
	return NULL;
}

/*
 * Zero-copy needs a connected TCP socket: SO_ZEROCOPY accepts TCP, UDP and
 * RDS, io_uring SEND_ZC sockets flagged SOCK_SUPPORT_ZC (TCP, UDP), and a
 * chain is a byte stream. Other sockets (AF_UNIX...) get COPY under AUTO.
 * -ENOTSOCK for a descriptor that is not a socket.
 */
static int sock_kind(int fd, int *is_tcp)
{
	int type, proto, family;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return -errno;
	len = sizeof(proto);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == -1)
		return -errno;
	len = sizeof(family);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) == -1)
		return -errno;
	*is_tcp = type == SOCK_STREAM && proto == IPPROTO_TCP &&
		  (family == AF_INET || family == AF_INET6);
	return 0;
}

/* Opens @mode on @z: 0, or -ENOTSUP (-EOPNOTSUPP) when it cannot run. */
static int open_mode(struct zc_zsend *z, enum zc_zsend_mode mode, int is_tcp)
{
	const struct zc__zsend_ops *ops = mode_ops(mode);
	int ret;

	z->mode = mode;
	z->ops = ops;
	if (!ops)
		return 0;
	if (!is_tcp || !zc_zsend_mode_supported(mode))
		return -ENOTSUP;
	ret = ops->open(z);
	if (ret < 0)
		z->ops = NULL;
	return ret;
}

/*
 * AUTO: the first mode that opens. io_uring first: its notifications come
 * with the CQEs that a send reads anyway, where MSG_ZEROCOPY costs a
 * recvmsg per batch. Any failure moves down the ladder, even ENOMEM: a
 * ring needs locked memory (RLIMIT_MEMLOCK before 5.12) that a plain
 * socket option does not, and COPY needs nothing.
 */
static int open_auto(struct zc_zsend *z, int is_tcp)
{
	static const enum zc_zsend_mode ladder[] = {
		ZC_ZSEND_URING, ZC_ZSEND_MSG_ZEROCOPY,
	};
	unsigned int i;

	for (i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++)
		if (!open_mode(z, ladder[i], is_tcp))
			return 0;
	return open_mode(z, ZC_ZSEND_COPY, is_tcp);
}

static struct zc_zsend *fail(struct zc_zsend *z, int *err, int ret)
{
	if (err)
		*err = ret;
	if (z) {
		zc__zrec_exit(z);
		if (z->fd >= 0)
			close(z->fd);
		free(z);
	}
	return NULL;
}

struct zc_zsend *zc_zsend_new(int sock, enum zc_zsend_mode mode, int *err)
{
	struct zc_zsend *z;
	int ret, is_tcp = 0;

	if ((unsigned int)mode >= ZC_ZSEND__COUNT)
		return fail(NULL, err, -EINVAL);
	ret = sock_kind(sock, &is_tcp);
	if (ret < 0)
		return fail(NULL, err, ret);
	z = calloc(1, sizeof(*z));
	if (!z)
		return fail(NULL, err, -ENOMEM);
	z->fd = fcntl(sock, F_DUPFD_CLOEXEC, 0);
	if (z->fd == -1) {
		ret = -errno;
		z->fd = -1;
		return fail(z, err, ret);
	}
	ret = zc__zrec_init(z);
	if (!ret)
		ret = mode == ZC_ZSEND_AUTO ? open_auto(z, is_tcp) :
					      open_mode(z, mode, is_tcp);
	if (ret < 0)
		return fail(z, err, ret);
	return z;
}

enum zc_zsend_mode zc_zsend_mode(const struct zc_zsend *z)
{
	return z->mode;
}

int zc_zsend_fd(const struct zc_zsend *z)
{
	return z->ops ? z->ops->poll_fd(z) : z->fd;
}

short zc_zsend_events(const struct zc_zsend *z)
{
	return z->ops ? z->ops->events : 0;
}

uint32_t zc_zsend_inflight(const struct zc_zsend *z)
{
	return z->st.inflight;
}

void zc_zsend_stats(const struct zc_zsend *z, struct zc_zsend_stats *st)
{
	*st = z->st;
}

int zc__zsend_fixed_index(const struct zc_zsend *z, const void *p,
			  size_t len)
{
	uintptr_t at = (uintptr_t)p, base;
	const struct zc_buf *b;
	int i;

	for (i = 0; i < ZC_ZSEND_MAX_REGISTERED; i++) {
		b = z->reg[i].buf;
		if (!b)
			continue;
		base = (uintptr_t)b->data;
		if (at >= base && at - base <= b->size &&
		    len <= b->size - (at - base))
			return i;
	}
	return -1;
}

/*
 * Cuts the next run off the head of @c (rules):
 *  1. Only memory pieces, in order, at most ZSEND_IOVS of them and
 *     @budget bytes, all with a buffer or all without (rule 2 of the
 *     header: a piece without one can only be copied).
 *  2. In URING mode a piece inside a registered buffer travels alone: a
 *     fixed-buffer send takes one buffer.
 */
static void gather(struct zc_zsend *z, struct zc_chain *c, size_t budget)
{
	struct zc__zrun *r = &z->run;
	struct zc_piece *p;
	int owned = -1, fixed;
	uint32_t i;

	r->cnt = 0;
	r->bytes = 0;
	r->fixed = -1;
	for (i = 0; i < c->count && r->cnt < ZSEND_IOVS && budget; i++) {
		p = zc__chain_piece(c, i);
		if (p->kind != ZC_PIECE_MEM)
			break;
		if (owned >= 0 && owned != !!p->buf)
			break;
		owned = !!p->buf;
		fixed = z->ring && p->buf ?
			zc__zsend_fixed_index(z, p->ptr, p->len) : -1;
		if (r->cnt && (fixed >= 0 || r->fixed >= 0))
			break;
		r->fixed = fixed;
		r->iov[r->cnt].iov_base = (void *)p->ptr;
		r->iov[r->cnt].iov_len = p->len < budget ? p->len : budget;
		r->bufs[r->cnt] = p->buf;
		budget -= r->iov[r->cnt].iov_len;
		r->bytes += r->iov[r->cnt].iov_len;
		r->cnt++;
	}
	r->flags = r->bytes < c->bytes ? MSG_MORE : 0;
}

/* One run with a plain sendmsg: the CPU copies it into the kernel. */
ssize_t zc__zsend_plain(struct zc_zsend *z, struct zc_ledger *l)
{
	struct zc__zrun *r = &z->run;
	struct msghdr msg = { .msg_iov = r->iov, .msg_iovlen = r->cnt };
	ssize_t ret;

	ret = zc__sys_sendmsg(l, z->fd, &msg, r->flags);
	if (ret > 0) {
		z->st.copy_sends++;
		z->st.copy_bytes += (uint64_t)ret;
	}
	return ret;
}

/*
 * One run, zero-copy when it can be (rule order matters for the stats: a
 * run without a buffer is "unowned" whatever its size).
 */
static ssize_t send_run(struct zc_zsend *z, struct zc_ledger *l)
{
	struct zc__zrun *r = &z->run;
	ssize_t ret;

	if (!z->ops) {
		ret = zc__zsend_plain(z, l);
	} else if (!r->bufs[0]) {
		ret = zc__zsend_plain(z, l);
		z->st.unowned += ret > 0;
	} else if (r->bytes < (size_t)zc__tune[ZC_TUNE_ZSEND_MIN]) {
		ret = zc__zsend_plain(z, l);
		if (ret > 0) {
			z->st.small++;
			l->small = 1;
		}
	} else {
		ret = z->ops->send(z, r, l);
	}
	if (ret > 0) {
		z->st.sends++;
		z->st.bytes += (uint64_t)ret;
		l->from_memory += (uint64_t)ret;
	}
	return ret;
}

static void ledger_merge(struct zc_ledger *l, const struct zc_ledger *sub)
{
	l->syscalls += sub->syscalls;
	l->user_copied += sub->user_copied;
	l->refused += sub->refused;
	if (sub->path != ZC_PATH_AUTO)
		l->path = sub->path;
}

/*
 * The head file range through zc_copy's ladder (sendfile first, from a
 * file to a socket), which keeps its own SIGPIPE guard. 0 bytes before the
 * end of the range: the file shrank, -ENODATA as for zc_chain_send.
 */
static ssize_t send_file(struct zc_zsend *z, struct zc_chain *c,
			 size_t budget, struct zc_ledger *l)
{
	struct zc_piece *p = zc__chain_piece(c, 0);
	size_t n = p->len < budget ? p->len : budget;
	struct zc_ledger sub;
	off_t off = p->off;
	ssize_t ret;

	memset(&sub, 0, sizeof(sub));
	ret = zc__copy_auto(z->fd, p->fd, &off, n, &sub);
	ledger_merge(l, &sub);
	if (ret == 0)
		return -ENODATA;
	if (ret > 0)
		z->st.file_bytes += (uint64_t)ret;
	return ret;
}

/*
 * Rules, as zc_chain_send's:
 *  1. Runs and file ranges go in order until the chain is empty or the
 *     socket says stop; each is consumed by exactly what the kernel took.
 *  2. Progress is returned first; the error comes on the next call.
 *  3. The total stays below SSIZE_MAX.
 */
ssize_t zc_zsend_send(struct zc_zsend *z, struct zc_chain *c,
		      struct zc_ledger *ledger)
{
	struct zc_ledger local;
	struct zc_ledger *l = ledger ? ledger : &local;
	uint64_t sent = 0;
	size_t budget;
	ssize_t ret = 0;

	memset(l, 0, sizeof(*l));
	z->dontwait = -1;
	while (c->count && sent < SSIZE_MAX) {
		budget = SSIZE_MAX - sent;
		if (budget > ZC__MAX_CHUNK)
			budget = ZC__MAX_CHUNK;
		if (zc__chain_piece(c, 0)->kind == ZC_PIECE_FILE) {
			ret = send_file(z, c, budget, l);
		} else {
			gather(z, c, budget);
			ret = send_run(z, l);
		}
		if (ret <= 0)
			break;
		sent += (uint64_t)ret;
		zc_chain_consume(c, (uint64_t)ret);
	}
	z->st.syscalls += l->syscalls;
	if (!sent)
		return ret;
	l->bytes = sent;
	zc__stats_add(l);
	return (ssize_t)sent;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Rules:
 *  1. Whatever has arrived is processed first, without waiting.
 *  2. Then, while sends are in flight and time is left, wait on the mode's
 *     descriptor and process again.
 *  3. A wake-up with nothing to process (a socket that was reset reports
 *     POLLHUP and POLLERR for good, while the kernel may still hold a
 *     clone of the data in a device queue) backs off, 1 ms doubling to
 *     64 ms, instead of spinning.
 */
int zc_zsend_reap(struct zc_zsend *z, int timeout_ms)
{
	int64_t end = timeout_ms > 0 ? now_ms() + timeout_ms : 0, left;
	int n, ret, backoff = 1;

	if (!z->ops)
		return 0;
	n = z->ops->reap(z);
	while (!n && timeout_ms && z->st.inflight) {
		left = timeout_ms < 0 ? -1 : end - now_ms();
		if (timeout_ms > 0 && left <= 0)
			break;
		ret = z->ops->wait(z, (int)left);
		if (ret < 0)
			return ret;
		n = z->ops->reap(z);
		if (n || !ret)
			continue;
		if (left >= 0 && backoff > left)
			backoff = (int)left;
		poll(NULL, 0, backoff);
		backoff = backoff < 64 ? backoff * 2 : 64;
	}
	return n;
}

int zc_zsend_drain(struct zc_zsend *z, int timeout_ms)
{
	int64_t end = now_ms() + (timeout_ms > 0 ? timeout_ms : 0), left;
	int ret;

	while (z->st.inflight) {
		left = end - now_ms();
		if (left <= 0)
			left = 0;
		ret = zc_zsend_reap(z, (int)left);
		if (ret < 0)
			return ret;
		if (!ret && !left)
			return -ETIMEDOUT;
	}
	return 0;
}

/*
 * Resets the connection so that the kernel frees the data it still queues
 * (and the pages under it): connect(AF_UNSPEC) runs tcp_disconnect, which
 * sends an RST and purges the write queue, but leaves the socket open, so
 * the notifications can still be read. close() could not: the error queue
 * dies with the last descriptor.
 */
static void reset_connection(struct zc_zsend *z)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	z->st.syscalls++;
	connect(z->fd, &sa, sizeof(sa));
}

int zc_zsend_free(struct zc_zsend *z)
{
	uint32_t leaked;
	int i;

	if (!z)
		return 0;
	if (zc_zsend_drain(z, ZC_ZSEND_FREE_WAIT_MS) && z->st.inflight) {
		reset_connection(z);
		zc_zsend_drain(z, ZC_ZSEND_FREE_WAIT_MS);
	}
	if (z->ops)
		z->ops->close(z);
	for (i = 0; i < ZC_ZSEND_MAX_REGISTERED; i++)
		zc_buf_unref(z->reg[i].buf);
	leaked = zc__zrec_exit(z);
	close(z->fd);
	free(z);
	return leaked ? -ETIMEDOUT : 0;
}
