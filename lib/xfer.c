/* SPDX-License-Identifier: MIT */
/*
 * lib/xfer.c - choosing a path. zc_copy() looks at both descriptors and
 * walks a written ladder of paths, cheapest first, falling to the next rung
 * only when the kernel refused the job before any byte moved (libuv's way;
 * see STYLE.md section 6). zc_copy_path() runs one path and never falls.
 *
 * The ladders:
 *   file -> file           copy_file_range, sendfile, read/write
 *   file -> socket, other  sendfile, splice (through a pipe), read/write
 *   pipe at either end     splice (direct), read/write
 *   stream -> not a pipe   splice (through a pipe), read/write
 * and below ZC_TUNE_SMALL_COPY bytes, read/write on purpose.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "uring.h"

static const struct zc__path_ops *const paths[ZC_PATH__COUNT] = {
	[ZC_PATH_COPY_FILE_RANGE] = &zc__path_copy_file_range,
	[ZC_PATH_SENDFILE] = &zc__path_sendfile,
	[ZC_PATH_SPLICE] = &zc__path_splice,
	[ZC_PATH_READWRITE] = &zc__path_readwrite,
	[ZC_PATH_URING_SPLICE] = &zc__path_uring_splice,
	[ZC_PATH_URING_RW] = &zc__path_uring_rw,
};

/* Each ladder ends with ZC_PATH_AUTO. */
static const enum zc_path ladder_file_file[] = {
	ZC_PATH_COPY_FILE_RANGE, ZC_PATH_SENDFILE, ZC_PATH_READWRITE, 0
};
static const enum zc_path ladder_file_any[] = {
	ZC_PATH_SENDFILE, ZC_PATH_SPLICE, ZC_PATH_READWRITE, 0
};
static const enum zc_path ladder_splice[] = {
	ZC_PATH_SPLICE, ZC_PATH_READWRITE, 0
};
static const enum zc_path ladder_small[] = {
	ZC_PATH_READWRITE, 0
};

static int is_file(int kind)
{
	return kind == ZC__FD_FILE || kind == ZC__FD_BLK;
}

/*
 * Below the threshold a copy is cheaper than setting up zero-copy. The
 * size is known from len, or, for "until EOF", bounded by the file's size
 * (the position is not looked up: that would cost a syscall).
 */
static int is_small(const struct zc__xfer *x)
{
	uint64_t limit = (uint64_t)zc__tune[ZC_TUNE_SMALL_COPY];

	if (x->len != ZC_EOF)
		return x->len < limit;
	return x->in_size >= 0 && (uint64_t)x->in_size < limit;
}

static const enum zc_path *ladder(const struct zc__xfer *x)
{
	if (is_small(x))
		return ladder_small;
	if (x->in_kind == ZC__FD_PIPE || x->out_kind == ZC__FD_PIPE)
		return ladder_splice;
	if (is_file(x->in_kind))
		return x->out_kind == ZC__FD_FILE ? ladder_file_file :
						    ladder_file_any;
	return ladder_splice;
}

ssize_t zc__copy_auto(int out_fd, int in_fd, off_t *in_off, size_t len,
		      struct zc_ledger *l)
{
	struct zc__xfer x = {
		.out = out_fd, .in = in_fd, .in_off = in_off, .len = len,
		.l = l,
	};
	const enum zc_path *rung;
	ssize_t ret;

	ret = zc__xfer_probe(&x);
	if (ret < 0)
		return ret;
	if (len == 0)
		return zc__xfer_check_access(&x);
	rung = ladder(&x);
	l->small = rung == ladder_small;
	for (; *rung; rung++) {
		if (zc__path_absent(*rung) || !paths[*rung]->can(&x))
			continue;
		ret = paths[*rung]->run(&x);
		if (ret == -ZC__ENOPATH) {
			l->refused++;
			zc__stats_refused(*rung);
			continue;
		}
		l->path = *rung;
		return ret;
	}
	/* Unreachable: read/write ends every ladder and never refuses. */
	return -ENOTSUP;
}

static struct zc_ledger *ledger_start(struct zc_ledger *given,
				      struct zc_ledger *local)
{
	struct zc_ledger *l = given ? given : local;

	memset(l, 0, sizeof(*l));
	return l;
}

ssize_t zc_copy(int out_fd, int in_fd, off_t *in_off, size_t len,
		struct zc_ledger *ledger)
{
	struct zc_ledger local;
	struct zc_ledger *l = ledger_start(ledger, &local);
	ssize_t ret = zc__copy_auto(out_fd, in_fd, in_off, len, l);

	zc__stats_add(l);
	return ret;
}

ssize_t zc_copy_path(enum zc_path path, int out_fd, int in_fd,
		     off_t *in_off, size_t len, struct zc_ledger *ledger)
{
	struct zc__xfer x = {
		.out = out_fd, .in = in_fd, .in_off = in_off, .len = len,
	};
	struct zc_ledger local;
	ssize_t ret;

	if (path == ZC_PATH_AUTO)
		return zc_copy(out_fd, in_fd, in_off, len, ledger);
	if ((unsigned int)path >= ZC_PATH__COUNT)
		return -EINVAL;
	x.l = ledger_start(ledger, &local);
	x.l->path = path;
	ret = zc__xfer_probe(&x);
	if (ret < 0)
		return ret;
	if (!zc_path_supported(path) || !paths[path]->can(&x))
		return -ENOTSUP;
	if (len == 0)
		return zc__xfer_check_access(&x);
	ret = paths[path]->run(&x);
	if (ret == -ZC__ENOPATH) {
		x.l->refused++;
		zc__stats_refused(path);
		ret = -ENOTSUP;
	}
	zc__stats_add(x.l);
	return ret;
}

ssize_t zc_copy_file_range(int out_fd, int in_fd, off_t *in_off, size_t len,
			   struct zc_ledger *ledger)
{
	return zc_copy_path(ZC_PATH_COPY_FILE_RANGE, out_fd, in_fd, in_off,
			    len, ledger);
}

ssize_t zc_sendfile(int out_fd, int in_fd, off_t *in_off, size_t len,
		    struct zc_ledger *ledger)
{
	return zc_copy_path(ZC_PATH_SENDFILE, out_fd, in_fd, in_off, len,
			    ledger);
}

ssize_t zc_splice(int out_fd, int in_fd, off_t *in_off, size_t len,
		  struct zc_ledger *ledger)
{
	return zc_copy_path(ZC_PATH_SPLICE, out_fd, in_fd, in_off, len,
			    ledger);
}

ssize_t zc_readwrite(int out_fd, int in_fd, off_t *in_off, size_t len,
		     struct zc_ledger *ledger)
{
	return zc_copy_path(ZC_PATH_READWRITE, out_fd, in_fd, in_off, len,
			    ledger);
}

ssize_t zc_uring_splice(int out_fd, int in_fd, off_t *in_off, size_t len,
			struct zc_ledger *ledger)
{
	return zc_copy_path(ZC_PATH_URING_SPLICE, out_fd, in_fd, in_off, len,
			    ledger);
}

ssize_t zc_uring_rw(int out_fd, int in_fd, off_t *in_off, size_t len,
		    struct zc_ledger *ledger)
{
	return zc_copy_path(ZC_PATH_URING_RW, out_fd, in_fd, in_off, len,
			    ledger);
}

const char *zc_path_name(enum zc_path path)
{
	if (path == ZC_PATH_AUTO)
		return "auto";
	if ((unsigned int)path >= ZC_PATH__COUNT)
		return NULL;
	return paths[path]->name;
}

int zc_path_from_name(const char *name)
{
	int p;

	for (p = 0; name && p < ZC_PATH__COUNT; p++)
		if (!strcmp(zc_path_name((enum zc_path)p), name))
			return p;
	return -EINVAL;
}

/* copy_file_range(2) arrived in 4.5; EBADF on bad fds means it exists. */
static int probe_copy_file_range(void)
{
	if (copy_file_range(-1, NULL, -1, NULL, 0, 0) == -1 &&
	    errno == ENOSYS) {
		zc__path_mark_absent(ZC_PATH_COPY_FILE_RANGE);
		return 0;
	}
	return 1;
}

int zc_path_supported(enum zc_path path)
{
	if ((unsigned int)path >= ZC_PATH__COUNT)
		return 0;
	if (path != ZC_PATH_AUTO && zc__path_absent(path))
		return 0;
	switch (path) {
	case ZC_PATH_COPY_FILE_RANGE:
		return probe_copy_file_range();
	case ZC_PATH_URING_SPLICE:
	case ZC_PATH_URING_RW:
		return zc__uring_probe(path);
	default:
		return 1;
	}
}
