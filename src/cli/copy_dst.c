/* SPDX-License-Identifier: MIT */
/*
 * src/cli/copy_dst.c - where `zcio copy` writes: resolves the destination,
 * writes into a temporary file in the same directory and renames it over
 * the destination at the end, so that a failed or interrupted copy never
 * leaves half a file under the destination's name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"

/* The directory part of @path: "." for "f", "/" for "/f". */
static void dir_of(char *dir, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else
		snprintf(dir, PATH_MAX, "%.*s", (int)(slash - path), path);
}

/* The length of @dir without its trailing slashes. */
static size_t trimmed_len(const char *dir)
{
	size_t n = strlen(dir);

	while (n && dir[n - 1] == '/')
		n--;
	return n;
}

static int set_path(const struct cli_cmd *cmd, struct copy_dst *d,
		    const char *dir, const char *base)
{
	int n;

	/* "sub/" + "f" is "sub/f"; "/" + "f" is "/f". */
	if (dir)
		n = snprintf(d->path, sizeof(d->path), "%.*s/%s",
			     (int)trimmed_len(dir), dir, base);
	else
		n = snprintf(d->path, sizeof(d->path), "%s", base);
	if (n >= (int)sizeof(d->path)) {
		cli_err(cmd, "'%s%s%s': %s", dir ? dir : "", dir ? "/" : "",
			base, strerror(ENAMETOOLONG));
		return CLI_EXIT_FAIL;
	}
	snprintf(d->name, sizeof(d->name), "'%s'", d->path);
	return 0;
}

/*
 * A symbolic link to an existing file keeps pointing at it: the copy
 * replaces the target, as cp writes through such a link.
 */
static int follow_link(const struct cli_cmd *cmd, struct copy_dst *d)
{
	char real[PATH_MAX];
	struct stat st;

	if (lstat(d->path, &st) || !S_ISLNK(st.st_mode) ||
	    !realpath(d->path, real))
		return 0;
	return set_path(cmd, d, NULL, real);
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* "-": standard output, which may be the source itself (`>> SRC`). */
static int resolve_stdout(const struct cli_cmd *cmd, struct copy_dst *d,
			  const char *src, const struct stat *st)
{
	struct stat out;

	d->in_place = 1;
	d->fd = STDOUT_FILENO;
	snprintf(d->name, sizeof(d->name), "standard output");
	if (!fstat(STDOUT_FILENO, &out) && S_ISREG(out.st_mode) &&
	    same_file(&out, st)) {
		cli_err(cmd, "'%s' and standard output are the same file",
			src);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/*
 * The destination exists (@ds, from lstat after following a link). A
 * character device or a FIFO is a stream: it is written in place and
 * nothing is replaced, so -f is not needed. Anything else needs -f.
 */
static int check_existing(const struct cli_cmd *cmd, struct copy_dst *d,
			  const char *src, const struct stat *st,
			  const struct stat *ds, int force)
{
	d->exists = 1;
	if (same_file(ds, st)) {
		cli_err(cmd, "'%s' and %s are the same file", src, d->name);
		return CLI_EXIT_FAIL;
	}
	if (S_ISDIR(ds->st_mode)) {
		cli_err(cmd, "cannot overwrite directory %s", d->name);
		return CLI_EXIT_FAIL;
	}
	d->in_place = !S_ISREG(ds->st_mode) && !S_ISLNK(ds->st_mode);
	if (S_ISCHR(ds->st_mode) || S_ISFIFO(ds->st_mode) || force)
		return 0;
	cli_err(cmd, "%s already exists (use -f to overwrite)", d->name);
	return CLI_EXIT_FAIL;
}

int copy_dst_resolve(const struct cli_cmd *cmd, struct copy_dst *d,
		     const char *src, const struct stat *st, const char *dst,
		     int force)
{
	struct stat ds;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (!strcmp(dst, "-"))
		return resolve_stdout(cmd, d, src, st);
	if (!stat(dst, &ds) && S_ISDIR(ds.st_mode))
		ret = set_path(cmd, d, dst, basename(src));
	else
		ret = set_path(cmd, d, NULL, dst);
	if (!ret)
		ret = follow_link(cmd, d);
	if (ret)
		return ret;
	if (!lstat(d->path, &ds))
		return check_existing(cmd, d, src, st, &ds, force);
	if (errno == ENOENT && d->path[strlen(d->path) - 1] == '/')
		errno = ENOTDIR;
	if (errno != ENOENT) {
		cli_err(cmd, "cannot create %s: %s", d->name, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/*
 * The permission bits of the source, set with fchmod so that the umask
 * does not strip them. Set-user-ID and set-group-ID stay only when the
 * copy has the source's owner (group): cp -p, too, keeps them only when
 * it could copy the ownership. Anything else would hand the source
 * owner's privileges to whoever made the copy.
 */
static int set_mode(int fd, const struct stat *st)
{
	mode_t mode = st->st_mode & 07777;
	struct stat now;

	if (fstat(fd, &now) == -1)
		return -1;
	if (now.st_uid != st->st_uid)
		mode &= ~(mode_t)S_ISUID;
	if (now.st_gid != st->st_gid)
		mode &= ~(mode_t)S_ISGID;
	return fchmod(fd, mode);
}

/*
 * The temporary file: ".NAME.zcio-XXXXXX" next to the destination, so
 * that rename(2) can replace it (same filesystem), hidden from ls, and
 * recognisable if a crash leaves one behind.
 */
static int open_tmp(const struct cli_cmd *cmd, struct copy_dst *d,
		    const struct stat *st)
{
	char dir[PATH_MAX];

	dir_of(dir, d->path);
	if (snprintf(d->tmp, sizeof(d->tmp), "%s/.%.200s.zcio-XXXXXX", dir,
		     basename(d->path)) >= (int)sizeof(d->tmp)) {
		d->tmp[0] = '\0';
		cli_err(cmd, "cannot create %s: %s", d->name,
			strerror(ENAMETOOLONG));
		return CLI_EXIT_FAIL;
	}
	d->fd = mkostemp(d->tmp, O_CLOEXEC);
	if (d->fd == -1) {
		cli_err(cmd, "cannot create a file in '%s': %s", dir,
			strerror(errno));
		d->tmp[0] = '\0';
		return CLI_EXIT_FAIL;
	}
	if (set_mode(d->fd, st) == -1) {
		cli_err(cmd, "cannot set the mode of '%s': %s", d->tmp,
			strerror(errno));
		copy_dst_abort(d);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

int copy_dst_open(const struct cli_cmd *cmd, struct copy_dst *d,
		  const struct stat *st)
{
	if (!d->in_place)
		return open_tmp(cmd, d, st);
	if (d->fd >= 0)
		return 0;
	d->fd = open(d->path, O_WRONLY | O_CLOEXEC);
	if (d->fd == -1) {
		cli_err(cmd, "cannot open %s: %s", d->name, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/*
 * rename(2) over the destination; without -f, renameat2(RENAME_NOREPLACE)
 * so that a file created there during the copy is not clobbered. Some
 * filesystems lack the flag (EINVAL; NFS, some FUSE): the check made
 * before copying is all they get.
 */
static int replace(const char *tmp, const char *path, int force)
{
	if (!force) {
		if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
			       RENAME_NOREPLACE))
			return 0;
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
	}
	return rename(tmp, path);
}

/* fsync and close; a write error that NFS reports late shows here. */
static int finish_fd(struct copy_dst *d, int sync)
{
	int fd = d->fd;

	/* Pipes, sockets and ttys cannot be synced, and need not be. */
	if (sync && fsync(fd) == -1 && !(d->in_place && errno == EINVAL))
		return -1;
	d->fd = -1;
	if (fd == STDOUT_FILENO)
		return 0;
	return close(fd);
}

int copy_dst_commit(const struct cli_cmd *cmd, struct copy_dst *d,
		    int force, int sync)
{
	if (finish_fd(d, sync) == -1) {
		cli_err(cmd, "cannot write %s: %s", d->name, strerror(errno));
		copy_dst_abort(d);
		return CLI_EXIT_FAIL;
	}
	if (d->in_place)
		return 0;
	if (replace(d->tmp, d->path, force) == -1) {
		if (errno == EEXIST)
			cli_err(cmd, "%s already exists (use -f to overwrite)",
				d->name);
		else
			cli_err(cmd, "cannot rename '%s' to %s: %s", d->tmp,
				d->name, strerror(errno));
		copy_dst_abort(d);
		return CLI_EXIT_FAIL;
	}
	d->tmp[0] = '\0';
	return 0;
}

void copy_dst_abort(struct copy_dst *d)
{
	if (d->fd >= 0 && d->fd != STDOUT_FILENO)
		close(d->fd);
	d->fd = -1;
	if (d->tmp[0])
		unlink(d->tmp);
	d->tmp[0] = '\0';
}
