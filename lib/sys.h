/* SPDX-License-Identifier: MIT */
/*
 * lib/sys.h - the raw system calls libzcio makes, each wrapped once: the
 * result is the value or -errno (never errno), EINTR is retried, and every
 * call is counted in the ledger passed in. Private to lib/.
 */
#ifndef ZC_LIB_SYS_H
#define ZC_LIB_SYS_H

#include <errno.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <zcio/xfer.h>

/* Turns a -1 from a syscall into -errno; counts the call. */
#define ZC__SYSCALL(l, expr)						\
	({								\
		ssize_t ret_;						\
		do {							\
			(l)->syscalls++;				\
			ret_ = (expr);					\
		} while (ret_ == -1 && errno == EINTR);			\
		ret_ == -1 ? (ssize_t)-errno : ret_;			\
	})

static inline ssize_t zc__sys_read(struct zc_ledger *l, int fd, void *p,
				   size_t n)
{
	return ZC__SYSCALL(l, read(fd, p, n));
}

static inline ssize_t zc__sys_pread(struct zc_ledger *l, int fd, void *p,
				    size_t n, off_t off)
{
	return ZC__SYSCALL(l, pread(fd, p, n, off));
}

static inline ssize_t zc__sys_write(struct zc_ledger *l, int fd,
				    const void *p, size_t n)
{
	return ZC__SYSCALL(l, write(fd, p, n));
}

static inline ssize_t zc__sys_send(struct zc_ledger *l, int fd,
				   const void *p, size_t n, int flags)
{
	return ZC__SYSCALL(l, send(fd, p, n, flags | MSG_NOSIGNAL));
}

static inline ssize_t zc__sys_writev(struct zc_ledger *l, int fd,
				     const struct iovec *iov, int cnt)
{
	return ZC__SYSCALL(l, writev(fd, iov, cnt));
}

static inline ssize_t zc__sys_sendmsg(struct zc_ledger *l, int fd,
				      const struct msghdr *msg, int flags)
{
	return ZC__SYSCALL(l, sendmsg(fd, msg, flags | MSG_NOSIGNAL));
}

static inline ssize_t zc__sys_sendfile(struct zc_ledger *l, int out, int in,
				       off_t *off, size_t n)
{
	return ZC__SYSCALL(l, sendfile(out, in, off, n));
}

static inline ssize_t zc__sys_splice(struct zc_ledger *l, int in,
				     off_t *in_off, int out, off_t *out_off,
				     size_t n, unsigned int flags)
{
	return ZC__SYSCALL(l, splice(in, in_off, out, out_off, n, flags));
}

static inline ssize_t zc__sys_copy_file_range(struct zc_ledger *l, int in,
					      off_t *in_off, int out,
					      size_t n)
{
	return ZC__SYSCALL(l, copy_file_range(in, in_off, out, NULL, n, 0));
}

static inline off_t zc__sys_lseek(struct zc_ledger *l, int fd, off_t off,
				  int whence)
{
	return (off_t)ZC__SYSCALL(l, lseek(fd, off, whence));
}

#endif
