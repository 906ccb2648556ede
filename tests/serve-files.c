/* SPDX-License-Identifier: MIT */
/*
 * tests/serve-files.c - the open-file cache of `zcio serve`
 * (src/http/files.h) on its own: hits and misses, LRU eviction within
 * --cache-entries, a store kept open by a reference after eviction,
 * revalidation after valid_ms (a rewritten file is seen, an unchanged
 * one is not reopened), small-file memory copies, and the refusals:
 * escaping symlinks, dotfiles, FIFOs (without blocking), missing files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "http/files.h"
#include "http/serve.h"

struct fx {
	char root[4096];
	int rootfd;
	struct http_files *fc;
};

static struct fx *fx_new(unsigned int entries, unsigned int valid_ms)
{
	struct http_files_cfg cfg = {
		.entries = entries, .valid_ms = valid_ms, .small_max = 1024,
	};
	static struct fx fx;
	char p[4200];
	int err;

	snprintf(fx.root, sizeof(fx.root), "%s/root%u-%u", t_dir_tmpfs(),
		 entries, valid_ms);
	assert_int_equal(mkdir(fx.root, 0755), 0);
	close(t_file(fx.root, "a.txt", 100, 1, NULL));
	close(t_file(fx.root, "b.bin", 5000, 2, NULL));
	close(t_file(fx.root, "c.html", 10, 3, NULL));
	close(t_file(fx.root, ".env", 10, 4, NULL));
	snprintf(p, sizeof(p), "%s/sub", fx.root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/fifo", fx.root);
	assert_int_equal(mkfifo(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/out", fx.root);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	snprintf(p, sizeof(p), "%s/in", fx.root);
	assert_int_equal(symlink("a.txt", p), 0);
	fx.rootfd = open(fx.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fx.rootfd >= 0);
	cfg.rootfd = fx.rootfd;
	fx.fc = http_files_new(&cfg, &err);
	assert_non_null(fx.fc);
	return &fx;
}

static void fx_free(struct fx *fx)
{
	http_files_free(fx->fc);
	close(fx->rootfd);
}

static struct http_file *get(struct fx *fx, const char *path, uint64_t now,
			     int want)
{
	struct http_file *f = NULL;

	assert_int_equal(http_files_get(fx->fc, path, strlen(path), now, &f),
			 want);
	return want ? NULL : f;
}

static void hits_and_kinds(void **state)
{
	struct fx *fx = fx_new(16, 1000);
	struct http_files_stats st;
	struct http_file *f;

	(void)state;
	f = get(fx, "/a.txt", 1, 0);
	assert_int_equal(f->kind, HTTP_FILE_REG);
	assert_int_equal(f->size, 100);
	/* Small: a memory copy with the file's bytes. */
	assert_non_null(f->mem);
	assert_int_equal(t_check(f->mem->data, 100, 0, 1), -1);
	assert_non_null(strstr(f->meta, "Content-Type: text/plain"));
	assert_non_null(strstr(f->meta, "ETag: \""));
	f = get(fx, "/b.bin", 2, 0);
	assert_null(f->mem);
	assert_non_null(f->store);
	f = get(fx, "/a.txt", 3, 0);
	f = get(fx, "/sub/", 4, 0);
	assert_int_equal(f->kind, HTTP_FILE_DIR);
	f = get(fx, "/", 5, 0);
	assert_int_equal(f->kind, HTTP_FILE_DIR);
	f = get(fx, "/in", 6, 0);
	assert_int_equal(f->size, 100);
	http_files_get_stats(fx->fc, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 5);
	assert_int_equal(st.small_bytes, 200);
	fx_free(fx);
}

static void refusals(void **state)
{
	struct fx *fx = fx_new(16, 0);

	(void)state;
	get(fx, "/nope", 1, -ENOENT);
	get(fx, "/a.txt/", 1, -ENOTDIR);
	get(fx, "/out", 1, -EPERM);
	get(fx, "/.env", 1, -EPERM);
	/* A FIFO is refused, and opening it did not block. */
	get(fx, "/fifo", 1, -EPERM);
	fx_free(fx);
}

static void lru_and_refs(void **state)
{
	struct fx *fx = fx_new(2, 1000);
	struct http_files_stats st;
	struct http_file *f;
	struct zc_buf *kept;
	uint8_t buf[5000];

	(void)state;
	f = get(fx, "/b.bin", 1, 0);
	kept = zc_buf_ref(f->store);
	get(fx, "/a.txt", 2, 0);
	get(fx, "/c.html", 3, 0);	/* evicts b.bin, the oldest */
	get(fx, "/a.txt", 4, 0);	/* a hit */
	http_files_get_stats(fx->fc, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.hits, 1);
	/* The evicted file stays open for whoever holds its store. */
	assert_int_equal(pread(kept->fd, buf, sizeof(buf), 0), 5000);
	assert_int_equal(t_check(buf, 5000, 0, 2), -1);
	zc_buf_unref(kept);
	get(fx, "/b.bin", 5, 0);	/* a miss again; evicts c.html */
	http_files_get_stats(fx->fc, &st);
	assert_int_equal(st.misses, 4);
	assert_int_equal(st.evictions, 2);
	fx_free(fx);
}

static void revalidation(void **state)
{
	struct fx *fx = fx_new(16, 100);
	struct http_files_stats st;
	struct http_file *f;
	char p[4200];
	int fd;

	(void)state;
	f = get(fx, "/a.txt", 1000, 0);
	assert_int_equal(f->size, 100);
	snprintf(p, sizeof(p), "%s/a.txt", fx->root);
	fd = open(p, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "more", 4), 4);
	close(fd);
	/* Within valid_ms: the cached answer, unchecked. */
	f = get(fx, "/a.txt", 1050, 0);
	assert_int_equal(f->size, 100);
	/* After it: checked, found changed, reopened. */
	f = get(fx, "/a.txt", 1101, 0);
	assert_int_equal(f->size, 104);
	f = get(fx, "/a.txt", 1300, 0);
	assert_int_equal(f->size, 104);
	http_files_get_stats(fx->fc, &st);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.revalidated, 1);
	/* Expired by a truncation elsewhere: checked at the next use. */
	http_files_expire(fx->fc);
	get(fx, "/a.txt", 1301, 0);
	http_files_get_stats(fx->fc, &st);
	assert_int_equal(st.revalidated, 2);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hits_and_kinds),
		cmocka_unit_test(refusals),
		cmocka_unit_test(lru_and_refs),
		cmocka_unit_test(revalidation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
