/* SPDX-License-Identifier: MIT */
/*
 * tests/cli-copy.c - `zcio copy`, run as a program: bytes and mode of the
 * copy, overwriting, directories, every path forced, the refusals, -v,
 * standard output, the progress bar, and an interrupt mid-copy.
 */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <zcio.h>
#include "cli-run.h"

/* Two 8 MiB chunks of the program and a tail: every loop edge. */
#define BIG (16u * 1024 * 1024 + 12345)

static char dir[PATH_MAX];

/* A fresh directory for each test, inside the one removed at exit. */
static int setup(void **state)
{
	static int n;

	(void)state;
	t_run_guard();
	snprintf(dir, sizeof(dir), "%s/t%d", t_dir_disk(), n++);
	if (mkdir(dir, 0700))
		fail_msg("mkdir %s: %s", dir, strerror(errno));
	return 0;
}

static void path_in(char *buf, const char *name)
{
	if (snprintf(buf, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		fail_msg("path too long");
}

static void make_src(const char *name, size_t size, unsigned int seed,
		     mode_t mode, char *path)
{
	int fd = t_file(dir, name, size, seed, path);

	if (fchmod(fd, mode))
		fail_msg("fchmod: %s", strerror(errno));
	close(fd);
}

/* The file at @path holds @size bytes of pattern @seed. */
static void assert_file(const char *path, size_t size, unsigned int seed)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *data;
	size_t len;

	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	len = t_slurp(fd, &data);
	close(fd);
	assert_int_equal(len, size);
	assert_int_equal(t_check(data, len, 0, seed), -1);
	free(data);
}

static int exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* No ".NAME.zcio-XXXXXX" left behind in the test's directory. */
static void assert_no_tmp(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".zcio-"))
			fail_msg("temporary file left: %s", e->d_name);
	closedir(d);
}

static void test_new_file_keeps_mode(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	make_src("src", BIG, 1, 0751, src);
	path_in(dst, "dst");
	t_run(&r, &io, "copy", src, dst, NULL);
	umask(old);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.err_len, 0);
	assert_int_equal(r.out_len, 0);
	assert_file(dst, BIG, 1);
	assert_int_equal(stat(dst, &st), 0);
	/* The umask (077) would have stripped 0751 to 0700. */
	assert_int_equal(st.st_mode & 07777, 0751);
	assert_no_tmp();
	t_run_free(&r);
}

static void test_empty_file(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	make_src("empty", 0, 1, 0644, src);
	path_in(dst, "copy");
	t_run(&r, &io, "copy", src, dst, NULL);
	assert_int_equal(r.status, 0);
	assert_file(dst, 0, 1);
	t_run_free(&r);
}

static void test_overwrite_needs_force(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	make_src("src", 100000, 2, 0644, src);
	make_src("dst", 5000, 3, 0600, dst);
	t_run(&r, &io, "copy", src, dst, NULL);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "already exists (use -f to overwrite)");
	assert_file(dst, 5000, 3);
	t_run_free(&r);

	t_run(&r, &io, "copy", "-f", src, dst, NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.err_len, 0);
	assert_file(dst, 100000, 2);
	assert_no_tmp();
	t_run_free(&r);
}

static void test_into_directory(void **state)
{
	char src[PATH_MAX], sub[PATH_MAX], dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	make_src("file.bin", 300000, 4, 0640, src);
	path_in(sub, "sub");
	assert_int_equal(mkdir(sub, 0755), 0);
	t_run(&r, &io, "copy", src, sub, NULL);
	assert_int_equal(r.status, 0);
	path_in(dst, "sub/file.bin");
	assert_file(dst, 300000, 4);
	t_run_free(&r);

	/* Again: now DST/NAME exists. */
	t_run(&r, &io, "copy", src, sub, NULL);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "already exists");
	t_run_free(&r);
}

/*
 * Every path forced with --method. A path this kernel lacks is skipped; a
 * path that cannot copy file to file must say so in the documented words
 * and leave nothing behind.
 */
static void test_method(void **state)
{
	enum zc_path p = (enum zc_path)(uintptr_t)*state;
	const char *name = zc_path_name(p);
	char src[PATH_MAX], dst[PATH_MAX], want[128];
	struct t_run_io io = { 0 };
	struct t_run r;

	if (p != ZC_PATH_AUTO && !zc_path_supported(p)) {
		print_message("path %s: not supported here\n", name);
		skip();
	}
	make_src("src", BIG, 5, 0644, src);
	path_in(dst, "dst");
	t_run(&r, &io, "copy", "-v", "--method", name, src, dst, NULL);
	if (r.status == 1) {
		snprintf(want, sizeof(want),
			 "path '%s' cannot copy this pair here", name);
		t_assert_one_line(&r, want);
		assert_false(exists(dst));
		assert_no_tmp();
		print_message("%s\n", r.err);
		t_run_free(&r);
		skip();
	}
	assert_int_equal(r.status, 0);
	assert_file(dst, BIG, 5);
	snprintf(want, sizeof(want), "path %s, ", name);
	if (p != ZC_PATH_AUTO && !strstr(r.err, want))
		fail_msg("-v does not name path %s: %s", name, r.err);
	t_run_free(&r);
}

/*
 * copy_file_range between tmpfs and a disk filesystem: refused (EXDEV)
 * since Linux 5.19. Forced, it must fail in the documented words and
 * leave nothing; automatic, the next rung copies.
 */
static void test_forced_path_refused(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	close(t_file(t_dir_tmpfs(), "src", 1u << 20, 14, src));
	path_in(dst, "dst");
	t_run(&r, &io, "copy", "-m", "copy_file_range", src, dst, NULL);
	if (!r.status) {
		print_message("copy_file_range crosses filesystems here\n");
		t_run_free(&r);
		skip();
	}
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "path 'copy_file_range' cannot copy this "
			  "pair here");
	assert_false(exists(dst));
	assert_no_tmp();
	t_run_free(&r);

	t_run(&r, &io, "copy", src, dst, NULL);
	assert_int_equal(r.status, 0);
	assert_file(dst, 1u << 20, 14);
	t_run_free(&r);
}

static void test_unknown_method(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	make_src("src", 1000, 6, 0644, src);
	path_in(dst, "dst");
	t_run(&r, &io, "copy", "--method", "teleport", src, dst, NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "unknown path 'teleport'");
	assert_non_null(strstr(r.err, "copy_file_range"));
	assert_false(exists(dst));
	t_run_free(&r);
}

static void test_missing_source(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	path_in(src, "nothing");
	path_in(dst, "dst");
	t_run(&r, &io, "copy", src, dst, NULL);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "cannot open '");
	assert_non_null(strstr(r.err, "No such file or directory"));
	assert_false(exists(dst));
	t_run_free(&r);
}

static void test_source_is_directory(void **state)
{
	char dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	path_in(dst, "dst");
	t_run(&r, &io, "copy", dir, dst, NULL);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "Is a directory");
	assert_false(exists(dst));
	t_run_free(&r);
}

/* Itself, through a hard link, and with -f: never (it would empty it). */
static void test_onto_itself(void **state)
{
	char src[PATH_MAX], link2[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	make_src("src", 70000, 7, 0644, src);
	path_in(link2, "hardlink");
	assert_int_equal(link(src, link2), 0);
	t_run(&r, &io, "copy", "-f", src, src, NULL);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "are the same file");
	t_run_free(&r);
	t_run(&r, &io, "copy", "-f", src, link2, NULL);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "are the same file");
	t_run_free(&r);
	t_run(&r, &io, "copy", src, dir, NULL);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "are the same file");
	assert_file(src, 70000, 7);
	t_run_free(&r);
}

static void test_verbose_names_path(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX], want[64];
	struct t_run_io io = { 0 };
	const char *name;
	struct t_run r;
	int p, named = 0;

	(void)state;
	make_src("src", BIG, 8, 0644, src);
	path_in(dst, "dst");
	t_run(&r, &io, "copy", "-v", src, dst, NULL);
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof(want), "(%u bytes)", BIG);
	t_assert_one_line(&r, want);
	assert_non_null(strstr(r.err, "bytes through user space"));
	for (p = 1; (name = zc_path_name((enum zc_path)p)); p++) {
		snprintf(want, sizeof(want), "path %s", name);
		named |= !!strstr(r.err, want);
	}
	if (!named)
		fail_msg("-v names no path: %s", r.err);
	t_run_free(&r);
}

static void test_to_stdout(void **state)
{
	char src[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	make_src("src", BIG, 9, 0644, src);
	t_run(&r, &io, "copy", src, "-", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, BIG);
	assert_int_equal(t_check((uint8_t *)r.out, r.out_len, 0, 9), -1);
	t_run_free(&r);
}

/* A character device is written in place, without -f, and survives. */
static void test_to_dev_null(void **state)
{
	char src[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;
	struct stat st;

	(void)state;
	make_src("src", 100000, 10, 0644, src);
	t_run(&r, &io, "copy", "--sync", src, "/dev/null", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	t_run_free(&r);
}

static void test_progress(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	make_src("src", BIG, 11, 0644, src);
	path_in(dst, "dst");
	t_run(&r, &io, "copy", "--progress", src, dst, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "ETA"));
	assert_non_null(strstr(r.err, "%"));
	/* Cleared at the end: the last thing written is a '\r'. */
	assert_int_equal(r.err[r.err_len - 1], '\r');
	t_run_free(&r);

	/* Not a terminal: no bar unless asked. */
	t_run(&r, &io, "copy", "-f", src, dst, NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.err_len, 0);
	t_run_free(&r);
}

static void test_sync(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	make_src("src", 200000, 12, 0644, src);
	path_in(dst, "dst");
	t_run(&r, &io, "copy", "--sync", src, dst, NULL);
	assert_int_equal(r.status, 0);
	assert_file(dst, 200000, 12);
	t_run_free(&r);
}

static void test_bad_operands(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	t_run(&r, &io, "copy", "a", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "missing destination file operand");
	t_run_free(&r);
	t_run(&r, &io, "copy", "a", "b", "c", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "extra operand 'c'");
	t_run_free(&r);
	t_run(&r, &io, "copy", "--bogus", "a", "b", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "unrecognized option '--bogus' "
			  "(see 'zcio help copy')");
	t_run_free(&r);
}

static void test_no_such_directory(void **state)
{
	char src[PATH_MAX], dst[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	make_src("src", 1000, 13, 0644, src);
	path_in(dst, "no/such/dir/dst");
	t_run(&r, &io, "copy", src, dst, NULL);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "No such file or directory");
	t_run_free(&r);
}

/* The temporary file exists: the copy has started. */
static void wait_for_tmp(void)
{
	int i;

	for (i = 0; i < 5000; i++) {
		DIR *d = opendir(dir);
		struct dirent *e;
		int found = 0;

		while (d && (e = readdir(d)))
			found |= !!strstr(e->d_name, ".zcio-");
		if (d)
			closedir(d);
		if (found)
			return;
		usleep(1000);
	}
	fail_msg("no temporary file appeared");
}

/*
 * The writing end of @fifo once the program has opened the reading end.
 * O_NONBLOCK: a program that never opens it fails the test (ENXIO until
 * then), it does not hang it.
 */
static int open_fifo_writer(const char *fifo)
{
	int i, fd;

	for (i = 0; i < 10000; i++) {
		fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			t_set_nonblock(fd, 0);
			return fd;
		}
		usleep(1000);
	}
	fail_msg("zcio did not open the FIFO");
	return -1;
}

/*
 * SIGINT mid-copy: the source is a FIFO that the test feeds, so the copy
 * is surely running when the signal comes. It must remove its temporary
 * file, leave no DST and die of SIGINT.
 */
static void test_sigint_removes_tmp(void **state)
{
	char fifo[PATH_MAX], dst[PATH_MAX], buf[4096] = { 0 };
	struct t_run_io io = { 0 };
	struct t_run r;
	int w;

	(void)state;
	path_in(fifo, "fifo");
	path_in(dst, "dst");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	t_run_start(&r, &io, "copy", fifo, dst, NULL);
	w = open_fifo_writer(fifo);
	assert_int_equal(write(w, buf, sizeof(buf)), sizeof(buf));
	wait_for_tmp();
	kill(r.pid, SIGINT);
	assert_int_equal(write(w, buf, sizeof(buf)), sizeof(buf));
	close(w);
	t_run_wait(&r);
	assert_int_equal(r.sig, SIGINT);
	assert_false(exists(dst));
	assert_no_tmp();
	t_run_free(&r);
}

/* One METHOD line per path: a new path must be added here. */
_Static_assert(ZC_PATH__COUNT == 7, "a path without a method_ test");

#define METHOD(p, name)							\
	{ "test_method_" name, test_method, setup, NULL, (void *)(uintptr_t)(p) }
#define TEST(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_new_file_keeps_mode),
		TEST(test_empty_file),
		TEST(test_overwrite_needs_force),
		TEST(test_into_directory),
		METHOD(ZC_PATH_AUTO, "auto"),
		METHOD(ZC_PATH_COPY_FILE_RANGE, "copy_file_range"),
		METHOD(ZC_PATH_SENDFILE, "sendfile"),
		METHOD(ZC_PATH_SPLICE, "splice"),
		METHOD(ZC_PATH_READWRITE, "readwrite"),
		METHOD(ZC_PATH_URING_SPLICE, "uring_splice"),
		METHOD(ZC_PATH_URING_RW, "uring_rw"),
		TEST(test_forced_path_refused),
		TEST(test_unknown_method),
		TEST(test_missing_source),
		TEST(test_source_is_directory),
		TEST(test_onto_itself),
		TEST(test_verbose_names_path),
		TEST(test_to_stdout),
		TEST(test_to_dev_null),
		TEST(test_progress),
		TEST(test_sync),
		TEST(test_bad_operands),
		TEST(test_no_such_directory),
		TEST(test_sigint_removes_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
