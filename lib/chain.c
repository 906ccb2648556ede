/* SPDX-License-Identifier: MIT */
/*
 * lib/chain.c - chains of memory pieces and file ranges, and sending them
 * (include/zcio/chain.h).
 *
 * The pieces live in a ring: the first ZC_CHAIN_INLINE inside the struct,
 * so that a typical reply (a header and a file range) allocates nothing,
 * and on the heap beyond that, doubling. Sending consumes from the head and
 * appending pushes at the tail, both O(1), as nginx's ngx_chain_update_sent
 * advances a chain after a partial write.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "sys.h"

/* Ring indexes wrap with a mask; doubling keeps the size a power of two. */
_Static_assert((ZC_CHAIN_INLINE & (ZC_CHAIN_INLINE - 1)) == 0,
	       "ZC_CHAIN_INLINE must be a power of two");

/* The largest off_t, for ranges whose end must stay representable. */
#define OFF_T_MAX ((off_t)(((uint64_t)1 << (sizeof(off_t) * 8 - 1)) - 1))

/*
 * At most this many memory pieces go into one sendmsg/writev: the kernel's
 * limit (UIO_MAXIOV, 1024), which costs 16 KiB of stack for the iovecs.
 */
#define CHAIN_IOVS IOV_MAX

/*
 * The inline ring is found through the struct itself, not c->pieces, so
 * that a chain stays valid when its owner moves it (a connection array that
 * is reallocated, say); a heap ring moves with its pointer.
 */
static struct zc_piece *ring(struct zc_chain *c)
{
	return c->cap > ZC_CHAIN_INLINE ? c->pieces : c->inline_pieces;
}

/* The @i-th piece from the head. */
static struct zc_piece *piece_at(struct zc_chain *c, uint32_t i)
{
	return &ring(c)[(c->head + i) & (c->cap - 1)];
}

void zc_chain_init(struct zc_chain *c)
{
	c->pieces = c->inline_pieces;
	c->head = 0;
	c->count = 0;
	c->cap = ZC_CHAIN_INLINE;
	c->bytes = 0;
}

/*
 * Removes the head piece and drops its reference. The ring is updated
 * first: a dispose callback run by the unref sees a consistent chain.
 */
static void pop(struct zc_chain *c)
{
	struct zc_buf *b = piece_at(c, 0)->buf;

	c->head = (c->head + 1) & (c->cap - 1);
	c->count--;
	zc_buf_unref(b);
}

/* Keeps a heap ring for the next message: a connection reuses its chain. */
void zc_chain_clear(struct zc_chain *c)
{
	while (c->count)
		pop(c);
	c->head = 0;
	c->bytes = 0;
}

void zc_chain_exit(struct zc_chain *c)
{
	zc_chain_clear(c);
	if (c->cap > ZC_CHAIN_INLINE)
		free(c->pieces);
	zc_chain_init(c);
}

/*
 * Doubles a full ring. The pieces are kept in order: a heap ring grows in
 * place with realloc and the pieces that wrapped to [0, head) move to just
 * after the old end; the inline ring is copied out unwrapped.
 */
static int grow(struct zc_chain *c)
{
	uint32_t old = c->cap, cap = old * 2;
	struct zc_piece *p;
	size_t size;

	if (old > UINT32_MAX / 2 ||
	    __builtin_mul_overflow((size_t)cap, sizeof(*p), &size))
		return -ENOMEM;
	if (old > ZC_CHAIN_INLINE) {
		p = realloc(c->pieces, size);
		if (!p)
			return -ENOMEM;
		memcpy(p + old, p, c->head * sizeof(*p));
	} else {
		p = malloc(size);
		if (!p)
			return -ENOMEM;
		memcpy(p, c->inline_pieces + c->head,
		       (old - c->head) * sizeof(*p));
		memcpy(p + old - c->head, c->inline_pieces,
		       c->head * sizeof(*p));
		c->head = 0;
	}
	c->pieces = p;
	c->cap = cap;
	return 0;
}

/* Appends a copy of @np; the caller takes the reference once it is in. */
static int push(struct zc_chain *c, const struct zc_piece *np)
{
	if (c->count == c->cap && grow(c))
		return -ENOMEM;
	*piece_at(c, c->count) = *np;
	c->count++;
	c->bytes += np->len;
	return 0;
}

/* Whether [p, p + len) lies inside @b's memory; no sum can overflow. */
static int in_buf(const struct zc_buf *b, const void *p, size_t len)
{
	uintptr_t base = (uintptr_t)b->data, at = (uintptr_t)p;

	return b->data && at >= base && at - base <= b->size &&
	       len <= b->size - (at - base);
}

int zc_chain_append_mem(struct zc_chain *c, struct zc_buf *b, const void *p,
			size_t len)
{
	struct zc_piece np = {
		.buf = b, .ptr = p, .len = len, .fd = -1, .kind = ZC_PIECE_MEM,
	};
	int ret;

	if (!b)
		return -EINVAL;
	if (!in_buf(b, p, len))
		return -ERANGE;
	/* An empty piece would only cost a syscall slot: keep none. */
	if (!len)
		return 0;
	ret = push(c, &np);
	if (!ret)
		zc_buf_ref(b);
	return ret;
}

int zc_chain_append_ptr(struct zc_chain *c, const void *p, size_t len)
{
	struct zc_piece np = {
		.ptr = p, .len = len, .fd = -1, .kind = ZC_PIECE_MEM,
	};

	if (!p && len)
		return -EINVAL;
	return len ? push(c, &np) : 0;
}

/* The copy's own reference passes to the piece (or dies on failure). */
int zc_chain_append_copy(struct zc_chain *c, const void *p, size_t len)
{
	struct zc_buf *b;
	int ret;

	if (!len)
		return 0;
	b = zc_buf_copy(p, len, &ret);
	if (!b)
		return ret;
	ret = zc_chain_append_mem(c, b, b->data, len);
	zc_buf_unref(b);
	return ret;
}

/*
 * Both kinds of file range. A range that continues the last piece (same
 * store, or same bare fd when @b is NULL) extends it, as nginx's
 * ngx_chain_coalesce_file does, and takes no reference: the piece holds
 * one already. A range is not checked against the file size, which may
 * grow (a log being appended to); a file that is too short shows at send
 * time as -ENODATA.
 */
static int append_range(struct zc_chain *c, struct zc_buf *b, int fd,
			off_t off, size_t len)
{
	struct zc_piece np = {
		.buf = b, .off = off, .len = len, .fd = fd,
		.kind = ZC_PIECE_FILE,
	};
	struct zc_piece *last;
	int ret;

	if (off < 0 || len > (uint64_t)(OFF_T_MAX - off))
		return -EINVAL;
	if (!len)
		return 0;
	last = c->count ? piece_at(c, c->count - 1) : NULL;
	if (last && last->kind == ZC_PIECE_FILE && last->buf == b &&
	    last->fd == fd && last->off + (off_t)last->len == off &&
	    len <= SIZE_MAX - last->len) {
		last->len += len;
		c->bytes += len;
		return 0;
	}
	ret = push(c, &np);
	if (!ret && b)
		zc_buf_ref(b);
	return ret;
}

int zc_chain_append_file(struct zc_chain *c, struct zc_buf *file, off_t off,
			 size_t len)
{
	if (!file || file->fd < 0)
		return -EINVAL;
	return append_range(c, file, file->fd, off, len);
}

int zc_chain_append_fd(struct zc_chain *c, int fd, off_t off, size_t len)
{
	if (fd < 0)
		return -EBADF;
	return append_range(c, NULL, fd, off, len);
}

/*
 * A slice of a buffer with memory is a memory piece; a slice of a file
 * store (no memory) is the same window as a file range.
 */
int zc_chain_append_slice(struct zc_chain *c, const struct zc_slice *s)
{
	struct zc_buf *b = s->buf;

	if (!b || !s->len)
		return 0;
	if (b->data)
		return zc_chain_append_mem(c, b, b->data + s->off, s->len);
	if (s->off > (uint64_t)OFF_T_MAX)
		return -EINVAL;
	return zc_chain_append_file(c, b, (off_t)s->off, s->len);
}

void zc_chain_consume(struct zc_chain *c, uint64_t n)
{
	struct zc_piece *p;

	if (n > c->bytes)
		abort();
	c->bytes -= n;
	while (n) {
		p = piece_at(c, 0);
		if (n < p->len) {
			if (p->kind == ZC_PIECE_MEM)
				p->ptr += n;
			else
				p->off += (off_t)n;
			p->len -= n;
			return;
		}
		n -= p->len;
		pop(c);
	}
}

/*
 * One zc_chain_send call. What @fd is gets learnt lazily: a sendmsg that
 * works proves a socket, and only a failed sendmsg or a file piece sent to
 * an fd not known yet pays for an fstat, so that a memory-only reply on a
 * socket costs one syscall.
 */
struct tx {
	int fd;
	int kind;		/* enum zc__fd_kind of fd, 0 until known */
	int no_sendfile;	/* the kernel refused sendfile to fd */
	int guarded;		/* the SIGPIPE guard is up */
	int saw_epipe;		/* a guarded write failed with EPIPE */
	size_t piece_moved;	/* bytes of the head file piece sent yet */
	uint64_t sent;
	struct zc_ledger *l;
	struct zc__sigpipe guard;
};

static int out_kind(struct tx *x)
{
	struct stat st;

	if (x->kind)
		return x->kind;
	/* A bad fd stays OTHER: the write that follows says -EBADF. */
	x->kind = ZC__FD_OTHER;
	if (ZC__SYSCALL(x->l, fstat(x->fd, &st)) < 0)
		return x->kind;
	if (S_ISREG(st.st_mode))
		x->kind = ZC__FD_FILE;
	else if (S_ISFIFO(st.st_mode))
		x->kind = ZC__FD_PIPE;
	else if (S_ISSOCK(st.st_mode))
		x->kind = ZC__FD_SOCK;
	return x->kind;
}

/*
 * Raised once, before the first write that cannot carry MSG_NOSIGNAL to a
 * pipe or socket, and lowered at the end of the call: two syscalls per
 * call instead of two per write.
 */
static void guard_up(struct tx *x)
{
	/* A server that ignores SIGPIPE turns the guard off: no fstat then. */
	if (x->guarded || !zc__tune[ZC_TUNE_SIGPIPE_GUARD] ||
	    !zc__kind_can_sigpipe(out_kind(x)))
		return;
	zc__sigpipe_block(&x->guard, x->l);
	x->guarded = 1;
}

/*
 * Fills @iov with the memory pieces at the head of @c, at most CHAIN_IOVS
 * of them and @budget bytes. Returns the iovec count and their bytes in
 * @total.
 */
static int gather(struct zc_chain *c, struct iovec *iov, size_t budget,
		  size_t *total)
{
	struct zc_piece *p;
	uint32_t i;
	int n = 0;

	*total = 0;
	for (i = 0; i < c->count && n < CHAIN_IOVS && budget; i++) {
		p = piece_at(c, i);
		if (p->kind != ZC_PIECE_MEM)
			break;
		iov[n].iov_base = (void *)p->ptr;
		iov[n].iov_len = p->len < budget ? p->len : budget;
		budget -= iov[n].iov_len;
		*total += iov[n].iov_len;
		n++;
	}
	return n;
}

/*
 * The memory pieces at the head, in one gathered syscall. sendmsg first:
 * it carries MSG_NOSIGNAL, and MSG_MORE when bytes follow, so that a
 * header and the file range behind it leave in one segment. An fd that is
 * not a socket (ENOTSOCK) gets writev, under the SIGPIPE guard when it is
 * a pipe, for the rest of the call.
 */
static ssize_t send_mem(struct tx *x, struct zc_chain *c)
{
	struct iovec iov[CHAIN_IOVS];
	struct msghdr msg = { .msg_iov = iov };
	size_t total;
	ssize_t ret;
	int cnt;

	cnt = gather(c, iov, SSIZE_MAX - x->sent, &total);
	msg.msg_iovlen = (size_t)cnt;
	if (!x->kind || x->kind == ZC__FD_SOCK) {
		ret = zc__sys_sendmsg(x->l, x->fd, &msg,
				      total < c->bytes ? MSG_MORE : 0);
		if (ret >= 0 || ret == -EAGAIN)
			x->kind = ZC__FD_SOCK;
		if (ret != -ENOTSOCK)
			goto out;
	}
	guard_up(x);
	ret = zc__sys_writev(x->l, x->fd, iov, cnt);
	if (ret == -EPIPE)
		x->saw_epipe = 1;
out:
	if (ret > 0) {
		x->l->from_memory += (uint64_t)ret;
		x->sent += (uint64_t)ret;
		zc_chain_consume(c, (uint64_t)ret);
	}
	return ret;
}

/* Accounts @n bytes of the head file piece as sent. */
static void file_took(struct tx *x, struct zc_chain *c, size_t n)
{
	x->piece_moved = n < piece_at(c, 0)->len ? x->piece_moved + n : 0;
	x->sent += n;
	zc_chain_consume(c, n);
}

static void ledger_merge(struct zc_ledger *l, const struct zc_ledger *sub)
{
	l->syscalls += sub->syscalls;
	l->user_copied += sub->user_copied;
	l->refused += sub->refused;
	l->small |= sub->small;
	if (sub->path != ZC_PATH_AUTO)
		l->path = sub->path;
}

/*
 * @n bytes of the head file piece through the automatic ladder, once
 * sendfile was refused for this fd. zc__copy_auto keeps its own SIGPIPE
 * guard; a short count is the end of the file or a full fd, and the next
 * round tells which.
 */
static ssize_t send_copy(struct tx *x, struct zc_chain *c, size_t n)
{
	struct zc_piece *p = piece_at(c, 0);
	struct zc_ledger sub;
	off_t off = p->off;
	ssize_t ret;

	memset(&sub, 0, sizeof(sub));
	ret = zc__copy_auto(x->fd, p->fd, &off, n, &sub);
	ledger_merge(x->l, &sub);
	if (ret == -EPIPE)
		x->saw_epipe = 1;
	if (ret == 0)
		return -ENODATA;
	if (ret > 0)
		file_took(x, c, (size_t)ret);
	return ret;
}

/*
 * The head file piece with sendfile (rules):
 *  1. Guarded against SIGPIPE when fd is a pipe or socket: sendfile has no
 *     MSG_NOSIGNAL.
 *  2. 0 before the end of the piece means the file shrank under the range:
 *     -ENODATA, as nginx's ngx_linux_sendfile treats it. The piece stays,
 *     so the next call says it again.
 *  3. A refusal (O_APPEND output, an fd without splice_write...) before
 *     any byte of the piece moved falls back to zc__copy_auto, for this
 *     piece and the rest of the call; after bytes moved it is an error.
 */
static ssize_t send_file(struct tx *x, struct zc_chain *c)
{
	struct zc_piece *p = piece_at(c, 0);
	size_t n = p->len;
	off_t off = p->off;
	ssize_t ret;

	if (n > SSIZE_MAX - x->sent)
		n = SSIZE_MAX - x->sent;
	guard_up(x);
	if (x->no_sendfile)
		return send_copy(x, c, n);
	ret = zc__sys_sendfile(x->l, x->fd, p->fd, &off, n);
	if (ret < 0 && !x->piece_moved && zc__is_refusal((int)-ret)) {
		x->no_sendfile = 1;
		x->l->refused++;
		zc__stats_refused(ZC_PATH_SENDFILE);
		return send_copy(x, c, n);
	}
	if (ret == -EPIPE)
		x->saw_epipe = 1;
	if (ret == 0)
		return -ENODATA;
	if (ret > 0) {
		x->l->path = ZC_PATH_SENDFILE;
		file_took(x, c, (size_t)ret);
	}
	return ret;
}

/*
 * Rules:
 *  1. Pieces go in order, memory runs gathered, until the chain is empty
 *     or the fd says stop. A blocking fd is therefore served to the end.
 *  2. A stop after progress returns the progress; the error (-EAGAIN,
 *     -EPIPE, -ENODATA...) comes again on the next call, which has nothing
 *     to report first.
 *  3. The total stays below SSIZE_MAX so that it can be returned; what is
 *     left over waits for the next call.
 */
ssize_t zc_chain_send(int fd, struct zc_chain *c, struct zc_ledger *ledger)
{
	struct zc_ledger local;
	struct tx x = { .fd = fd, .l = ledger ? ledger : &local };
	ssize_t ret = 0;

	memset(x.l, 0, sizeof(*x.l));
	while (c->count && x.sent < SSIZE_MAX) {
		if (piece_at(c, 0)->kind == ZC_PIECE_MEM)
			ret = send_mem(&x, c);
		else
			ret = send_file(&x, c);
		if (ret <= 0)
			break;
	}
	if (x.guarded)
		zc__sigpipe_restore(&x.guard, x.saw_epipe, x.l);
	if (!x.sent)
		return ret;
	x.l->bytes = x.sent;
	zc__stats_add(x.l);
	return (ssize_t)x.sent;
}
