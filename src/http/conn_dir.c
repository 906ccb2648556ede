/* SPDX-License-Identifier: MIT */
/*
 * src/http/conn_dir.c - the --autoindex listing of a directory that has
 * no index file. Rare and bounded, so it may allocate: the page is a heap
 * zc_buf that the chain holds until it is sent.
 *
 * Rules:
 *  1. The directory is opened like a file (openat2 RESOLVE_BENEATH under
 *     the root); dotfiles are left out unless --dotfiles allow.
 *  2. A symlink is shown with what it points to only when that is inside
 *     the root (openat2 again); one that leaves the root is not listed,
 *     so that not even its size or date leaks.
 *  3. At most LIST_MAX entries, sorted by name; the rest is cut.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "serve_int.h"

/* A listing longer than this is cut: a page nobody reads, and memory. */
#define LIST_MAX 10000

struct listing {
	struct http_dirent *ents;
	size_t n, cap;
	char *names;
	size_t used, names_cap;
};

static int open_beneath(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	fd = syscall(SYS_openat2, rootfd, *path ? path : ".", &how,
		     sizeof(how));
	return fd == -1 ? -errno : (int)fd;
}

/* What @name in directory @rel (relative to the root) is (rule 2). */
static int stat_entry(int rootfd, int dfd, const char *rel,
		      const char *name, unsigned char type, struct stat *st)
{
	char path[PATH_MAX];
	int fd, ret;

	if (type != DT_LNK && type != DT_UNKNOWN)
		return fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
	if (snprintf(path, sizeof(path), "%s%s", rel, name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open_beneath(rootfd, path, O_PATH);
	if (fd < 0)
		return fd;
	ret = fstat(fd, st) ? -errno : 0;
	close(fd);
	return ret;
}

static int add(struct listing *l, const char *name, const struct stat *st)
{
	size_t len = strlen(name);
	void *p;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		p = realloc(l->ents, l->cap * sizeof(*l->ents));
		if (!p)
			return -ENOMEM;
		l->ents = p;
	}
	if (l->used + len > l->names_cap) {
		l->names_cap = (l->names_cap + len) * 2;
		p = realloc(l->names, l->names_cap);
		if (!p)
			return -ENOMEM;
		l->names = p;
	}
	memcpy(l->names + l->used, name, len);
	/* Offsets now; pointers once the names stop moving. */
	l->ents[l->n++] = (struct http_dirent){
		.name = (const char *)(uintptr_t)l->used, .name_len = len,
		.is_dir = S_ISDIR(st->st_mode), .size = (uint64_t)st->st_size,
		.mtime = st->st_mtim.tv_sec,
	};
	l->used += len;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct http_dirent *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int d = memcmp(x->name, y->name, n);

	return d ? d : (x->name_len > y->name_len) -
		       (x->name_len < y->name_len);
}

/* Reads directory @path (normalized, ending in '/') into @l. */
static int read_dir(struct http_worker *w, const char *path,
		    struct listing *l)
{
	const char *rel = path + 1;
	struct dirent *de;
	struct stat st;
	int fd, ret = 0;
	size_t i;
	DIR *d;

	fd = open_beneath(w->srv->rootfd, rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (!ret && l->n < LIST_MAX && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_name[0] == '.' &&
		    w->srv->cfg->dotfiles == HTTP_DOTFILES_DENY)
			continue;
		if (stat_entry(w->srv->rootfd, dirfd(d), rel, de->d_name,
			       de->d_type, &st))
			continue;
		ret = add(l, de->d_name, &st);
	}
	closedir(d);
	for (i = 0; i < l->n; i++)
		l->ents[i].name = l->names + (uintptr_t)l->ents[i].name;
	qsort(l->ents, l->n, sizeof(*l->ents), by_name);
	return ret;
}

/* The page for @l in a new heap buffer; its length in *@len. */
static struct zc_buf *make_page(const char *path, size_t len,
				const struct listing *l, size_t *out)
{
	size_t bound = http_autoindex_bound(len, l->ents, l->n);
	struct zc_buf *b;
	ssize_t n;
	int err;

	b = zc_buf_new(bound, &err);
	if (!b)
		return NULL;
	n = http_autoindex(path, len, l->ents, l->n, (char *)b->data, bound);
	if (n < 0) {
		zc_buf_unref(b);
		return NULL;
	}
	*out = (size_t)n;
	return b;
}

int http_dir_page(struct http_worker *w, const char *path, size_t len,
		  struct zc_buf **page, size_t *page_len)
{
	struct listing l = { 0 };
	int ret;

	ret = read_dir(w, path, &l);
	if (!ret) {
		*page = make_page(path, len, &l, page_len);
		if (!*page)
			ret = -ENOMEM;
	}
	free(l.ents);
	free(l.names);
	return ret;
}
