/* SPDX-License-Identifier: MIT */
/*
 * src/http/files_open.c - opening one file under the root and making its
 * cache entry: the fd as a zc_buf file store, the validators, the header
 * lines, and for a small file an immutable copy in memory.
 *
 * Rules of the open:
 *  1. openat2(rootfd, path, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): no
 *     "..", absolute symlink or /proc magic link can leave the root; the
 *     kernel says EXDEV (or ELOOP), and we answer 403. Symlinks that stay
 *     inside the root are followed (a site may link a "latest" name to a
 *     release), which RESOLVE_NO_SYMLINKS would forbid.
 *  2. O_NONBLOCK, so that a FIFO planted under the root cannot block the
 *     worker in open(2); it changes nothing for a regular file, whose
 *     reads (and sendfile) always wait for the disk. O_NOCTTY for ttys.
 *  3. Only regular files and directories are served: a FIFO, socket or
 *     device is 403, after fstat on the fd we opened (no race).
 *  4. Files are never mmap'ed (DESIGN.md): a small file is copied with
 *     pread once, at open; a file truncated later cannot raise SIGBUS.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files_int.h"
#include "date.h"

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	long ret;

	do {
		ret = syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
	} while (ret == -1 && errno == EINTR);
	return ret == -1 ? -errno : (int)ret;
}

/* openat2's refusals (rule 1), and opens of odd files, become 403. */
static int open_errno(int err)
{
	switch (err) {
	case -EXDEV:
	case -ELOOP:
	case -ENXIO:
	case -ENODEV:
	case -EOPNOTSUPP:
	case -ETXTBSY:
		return -EPERM;
	}
	return err;
}

/* A small file read into memory; NULL when it came out short. */
static struct zc_buf *copy_small(int fd, uint64_t size)
{
	struct zc_buf *b;
	size_t done = 0;
	ssize_t n;
	int err;

	b = zc_buf_new(size, &err);
	if (!b)
		return NULL;
	while (done < size) {
		n = pread(fd, b->data + done, size - done, (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done == size)
		return b;
	/* Shrank meanwhile: sendfile will find out and close the reply. */
	zc_buf_unref(b);
	return NULL;
}

/*
 * The validators come from what revalidation compares, the inode, size
 * and mtime (http_etag_make), and the header lines that carry them are
 * written once here: http_resp_head gets them as its extra lines.
 */
static void make_meta(struct http_file *f)
{
	char date[HTTP_DATE_LEN + 1];
	int n;

	f->etag_len = (uint16_t)http_etag_make(f->etag, (uint64_t)f->ino,
			f->size, (int64_t)f->mtime.tv_sec * 1000000000 +
			f->mtime.tv_nsec);
	http_date_format(f->mtime.tv_sec, date);
	n = snprintf(f->meta, sizeof(f->meta),
		     "Content-Type: %s\r\nLast-Modified: %s\r\nETag: %s\r\n"
		     "Accept-Ranges: bytes\r\n", f->ctype, date, f->etag);
	f->meta_len = n > 0 && n < (int)sizeof(f->meta) ? (uint16_t)n : 0;
}

static int fill_reg(const struct http_files_cfg *cfg, struct http_file *f,
		    int fd)
{
	int err;

	f->store = zc_buf_file(fd, 1, &err);
	if (!f->store)
		return err;
	if (f->size && f->size <= cfg->small_max)
		f->mem = copy_small(fd, f->size);
	f->ctype = http_mime_type(cfg->mime, f->key, f->keylen);
	make_meta(f);
	return 0;
}

int http__file_open(const struct http_files_cfg *cfg, const char *key,
		    size_t len, uint32_t h, struct http_file **out)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	struct http_file *f;
	struct stat st;
	int fd, err;

	f = calloc(1, sizeof(*f) + len + 1);
	if (!f)
		return -ENOMEM;
	memcpy(f->key, key, len);
	f->keylen = (uint16_t)len;
	f->hash = h;
	fd = sys_openat2(cfg->rootfd, f->key, &how);
	if (fd < 0) {
		free(f);
		return open_errno(fd);
	}
	if (fstat(fd, &st) == -1) {
		err = -errno;
		goto fail;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = (uint64_t)st.st_size;
	f->mtime = st.st_mtim;
	if (S_ISDIR(st.st_mode)) {
		/* Kept by name only: the index or listing is opened anew. */
		f->kind = HTTP_FILE_DIR;
		close(fd);
		*out = f;
		return 0;
	}
	err = -EPERM;
	if (!S_ISREG(st.st_mode))
		goto fail;
	f->kind = HTTP_FILE_REG;
	err = fill_reg(cfg, f, fd);
	if (err)
		goto fail;
	*out = f;
	return 0;
fail:
	close(fd);
	free(f);
	return err;
}

void http__file_free(struct http_file *f)
{
	zc_buf_unref(f->store);
	zc_buf_unref(f->mem);
	free(f);
}
