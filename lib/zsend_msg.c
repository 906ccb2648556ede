/* SPDX-License-Identifier: MIT */
/*
 * lib/zsend_msg.c - MSG_ZEROCOPY (Linux 4.14 for TCP): sendmsg with
 * MSG_ZEROCOPY on a socket with SO_ZEROCOPY set pins the pages instead of
 * copying them, and the kernel queues a notification on the socket's
 * error queue when it no longer needs them: a range [ee_info, ee_data] of
 * send ids, numbered per socket from 0, one id per sendmsg that returned
 * bytes (a send that fails gives its id back). Ranges of consecutive ids
 * are merged into one message. SO_EE_CODE_ZEROCOPY_COPIED says the kernel
 * copied after all (loopback, a device without scatter-gather).
 * References: kernel Documentation/networking/msg_zerocopy.rst and
 * tools/testing/selftests/net/msg_zerocopy.c.
 */
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/errqueue.h>

#include "sys.h"
#include "zsend.h"

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY 5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED 1
#endif

/*
 * Whether this kernel has SO_ZEROCOPY: a TCP socket takes the option
 * (ENOPROTOOPT before 4.14). Cached for the process.
 */
static int probe(void)
{
	int fd, one = 1, ok;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return 0;
	ok = !setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one));
	close(fd);
	return ok;
}

int zc__zsend_msg_probe(void)
{
	static int known;

	return zc__zsend_probe_once(&known, probe);
}

/*
 * The kernel numbers MSG_ZEROCOPY sends per socket and there is no call to
 * read the counter, so a second zc_zsend on a socket that carried one
 * before would read its notifications as someone else's. Each sender
 * leaves the next id here when it is freed, keyed by the socket's
 * SO_COOKIE (unique for the boot, unlike fds or inode numbers), and the
 * next sender on that socket starts from it. A few recent sockets are
 * enough: the entry is only needed between one sender and the next.
 * Zero-copy sends made on the socket by anything else are not seen.
 */
#define IDS_KEPT 64

static struct {
	uint64_t cookie;
	uint32_t next;
} ids_kept[IDS_KEPT];
static unsigned int ids_hand;
static pthread_mutex_t ids_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t ids_take(uint64_t cookie)
{
	uint32_t next = 0;
	int i;

	pthread_mutex_lock(&ids_lock);
	for (i = 0; cookie && i < IDS_KEPT; i++) {
		if (ids_kept[i].cookie == cookie) {
			next = ids_kept[i].next;
			ids_kept[i].cookie = 0;
			break;
		}
	}
	pthread_mutex_unlock(&ids_lock);
	return next;
}

static void ids_leave(uint64_t cookie, uint32_t next)
{
	if (!cookie)
		return;
	pthread_mutex_lock(&ids_lock);
	ids_kept[ids_hand].cookie = cookie;
	ids_kept[ids_hand].next = next;
	ids_hand = (ids_hand + 1) % IDS_KEPT;
	pthread_mutex_unlock(&ids_lock);
}

static int msg_open(struct zc_zsend *z)
{
	socklen_t len = sizeof(z->cookie);
	int one = 1;

	z->st.syscalls += 2;
	if (setsockopt(z->fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		return errno == ENOPROTOOPT ? -ENOTSUP : -errno;
	if (getsockopt(z->fd, SOL_SOCKET, SO_COOKIE, &z->cookie, &len))
		z->cookie = 0;
	z->koff = ids_take(z->cookie);
	return 0;
}

static void msg_close(struct zc_zsend *z)
{
	ids_leave(z->cookie, z->next + z->koff);
}

/*
 * One run with MSG_ZEROCOPY (rules):
 *  1. The table has room for the record before the call (rule 1 of
 *     lib/zsend_rec.c); the references are taken once the call returned
 *     bytes, on the buffers of the bytes it took, under the id the kernel
 *     gave it (the next one: ids count successful calls).
 *  2. ENOBUFS means the socket's optmem (net.core.optmem_max) cannot hold
 *     one more notification: the notifications not read yet and the sends
 *     not completed use it up. The run goes again with a plain copy,
 *     counted; reaping frees the room.
 */
static ssize_t msg_send(struct zc_zsend *z, struct zc__zrun *r,
			struct zc_ledger *l)
{
	struct msghdr msg = { .msg_iov = r->iov, .msg_iovlen = r->cnt };
	ssize_t ret;

	ret = zc__zrec_reserve(z, r);
	if (ret < 0)
		return ret;
	ret = zc__sys_sendmsg(l, z->fd, &msg, r->flags | MSG_ZEROCOPY);
	if (ret > 0) {
		zc__zrec_commit(z, r, (size_t)ret);
		z->st.zc_sends++;
		z->st.zc_bytes += (uint64_t)ret;
		l->zero_copy += (uint64_t)ret;
		return ret;
	}
	zc__zrec_unreserve(z);
	if (ret != -ENOBUFS)
		return ret;
	z->st.enobufs++;
	return zc__zsend_plain(z, l);
}

/* The notification in one error-queue message, if it is one. */
static uint32_t notification(struct zc_zsend *z, struct msghdr *msg)
{
	struct sock_extended_err ee;
	struct cmsghdr *cm;
	uint32_t done = 0;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (!(cm->cmsg_level == SOL_IP &&
		      cm->cmsg_type == IP_RECVERR) &&
		    !(cm->cmsg_level == SOL_IPV6 &&
		      cm->cmsg_type == IPV6_RECVERR))
			continue;
		if (cm->cmsg_len < CMSG_LEN(sizeof(ee)))
			continue;
		memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
		if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee.ee_errno)
			continue;
		done += zc__zrec_complete(z, ee.ee_info - z->koff,
					  ee.ee_data - z->koff,
					  ee.ee_code &
					  SO_EE_CODE_ZEROCOPY_COPIED);
	}
	return done;
}

/*
 * Reads the error queue until it is empty (MSG_ERRQUEUE never blocks).
 * The queue belongs to the sender: other messages on it (ICMP errors with
 * IP_RECVERR) are read and dropped.
 */
static int msg_reap(struct zc_zsend *z)
{
	/* The extended error plus the offender's address (IPv6 at most). */
	char control[CMSG_SPACE(sizeof(struct sock_extended_err) +
				sizeof(struct sockaddr_in6))];
	struct msghdr msg;
	uint32_t done = 0;
	ssize_t ret;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		z->st.syscalls++;
		ret = recvmsg(z->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (ret == -1 && errno == EINTR)
			continue;
		if (ret == -1)
			break;
		done += notification(z, &msg);
	}
	if (errno != EAGAIN && !done)
		return -errno;
	return (int)(done > INT32_MAX ? INT32_MAX : done);
}

/* A socket reports POLLERR without being asked while its queue is not
 * empty. 1 when something happened, 0 on timeout. */
static int msg_wait(struct zc_zsend *z, int ms)
{
	struct pollfd pfd = { .fd = z->fd };
	int ret;

	z->st.syscalls++;
	ret = poll(&pfd, 1, ms);
	if (ret == -1)
		return errno == EINTR ? 1 : -errno;
	if (ret && (pfd.revents & POLLNVAL))
		return -EBADF;
	return ret > 0;
}

static int msg_poll_fd(const struct zc_zsend *z)
{
	return z->fd;
}

const struct zc__zsend_ops zc__zsend_msg_ops = {
	.open = msg_open,
	.close = msg_close,
	.send = msg_send,
	.reap = msg_reap,
	.wait = msg_wait,
	.poll_fd = msg_poll_fd,
	.events = POLLERR,
};
