/* SPDX-License-Identifier: MIT */
/*
 * lib/fd.c - what a descriptor is, and which kernel errors mean "this path
 * cannot do it" rather than "this failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

#include "internal.h"
#include "sys.h"

static int kind_of(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return ZC__FD_FILE;
	if (S_ISFIFO(st->st_mode))
		return ZC__FD_PIPE;
	if (S_ISSOCK(st->st_mode))
		return ZC__FD_SOCK;
	if (S_ISCHR(st->st_mode))
		return ZC__FD_CHR;
	if (S_ISBLK(st->st_mode))
		return ZC__FD_BLK;
	return ZC__FD_OTHER;
}

/*
 * splice(2) honours O_NONBLOCK on the side that is not a pipe, but a pipe's
 * own O_NONBLOCK only through SPLICE_F_NONBLOCK (fs/splice.c), so a
 * non-blocking pipe would block the call: look the flag up for pipes.
 */
static unsigned int pipe_nonblock(struct zc__xfer *x, int fd)
{
	ssize_t fl = ZC__SYSCALL(x->l, fcntl(fd, F_GETFL));

	return fl >= 0 && (fl & O_NONBLOCK) ? SPLICE_F_NONBLOCK : 0;
}

/*
 * copy_file_range, sendfile and splice all refuse an output opened
 * O_APPEND (EBADF, EINVAL, EINVAL), as they write at an offset; knowing it
 * up front spares three refused calls on every `cat >> file`.
 */
static int file_append(struct zc__xfer *x)
{
	ssize_t fl = ZC__SYSCALL(x->l, fcntl(x->out, F_GETFL));

	return fl >= 0 && (fl & O_APPEND);
}

/*
 * A directory as input would only fail later with EISDIR from read(2) on
 * the last rung after every zero-copy rung refused it; say so at once.
 */
int zc__xfer_probe(struct zc__xfer *x)
{
	struct stat st;
	ssize_t ret;

	if (x->in < 0 || x->out < 0)
		return -EBADF;
	ret = ZC__SYSCALL(x->l, fstat(x->in, &st));
	if (ret < 0)
		return (int)ret;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	x->in_kind = kind_of(&st);
	x->in_size = x->in_kind == ZC__FD_FILE ? (int64_t)st.st_size : -1;
	ret = ZC__SYSCALL(x->l, fstat(x->out, &st));
	if (ret < 0)
		return (int)ret;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	x->out_kind = kind_of(&st);
	if (x->in_off && zc__kind_is_stream(x->in_kind))
		return -ESPIPE;
	x->out_append = x->out_kind == ZC__FD_FILE && file_append(x);
	x->splice_flags = 0;
	if (x->in_kind == ZC__FD_PIPE)
		x->splice_flags |= pipe_nonblock(x, x->in);
	if (x->out_kind == ZC__FD_PIPE)
		x->splice_flags |= pipe_nonblock(x, x->out);
	return 0;
}

/*
 * The kernel's ways of saying "not with these descriptors":
 *   EINVAL      sendfile/splice to a file opened O_APPEND, a descriptor
 *               type without splice_read/splice_write, copy_file_range on
 *               filesystems that refuse it;
 *   ENOSYS      the syscall does not exist (old kernel, seccomp);
 *   EXDEV       copy_file_range across filesystems (cross-fs copies were
 *               allowed in 5.3, then limited again in 5.19 to the same fs
 *               type; see commit 868f9f2f8e00 "vfs: fix copy_file_range()
 *               regression in cross-fs copies");
 *   EOPNOTSUPP  the operation is not supported by the file.
 * As libuv does in uv__fs_try_copy_file_range, these move us down a rung.
 */
int zc__is_refusal(int err)
{
	switch (err) {
	case EINVAL:
	case ENOSYS:
	case EXDEV:
	case EOPNOTSUPP:
		return 1;
	default:
		return 0;
	}
}

int zc__wait_writable(int fd, struct zc_ledger *l)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t ret = ZC__SYSCALL(l, poll(&pfd, 1, -1));

	if (ret < 0)
		return (int)ret;
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	/* POLLERR/POLLHUP: the write that follows reports the error. */
	return 0;
}

/*
 * A copy of 0 bytes makes no system call that would notice a descriptor
 * opened the wrong way, so look: the input must be readable, the output
 * writable (O_PATH descriptors are neither).
 */
static int access_ok(struct zc__xfer *x, int fd, int want_write)
{
	ssize_t fl = ZC__SYSCALL(x->l, fcntl(fd, F_GETFL));
	int mode;

	if (fl < 0)
		return (int)fl;
	if (fl & O_PATH)
		return -EBADF;
	mode = (int)(fl & O_ACCMODE);
	if (want_write ? mode == O_RDONLY : mode == O_WRONLY)
		return -EBADF;
	return 0;
}

int zc__xfer_check_access(struct zc__xfer *x)
{
	int ret = access_ok(x, x->in, 0);

	return ret ? ret : access_ok(x, x->out, 1);
}
