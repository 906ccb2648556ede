/* SPDX-License-Identifier: MIT */
/*
 * tests/cli-cat.c - `zcio cat`, run as a program, into every kind of
 * standard output: a pipe, a file (truncated and appended), a TCP and a
 * UNIX socket, /dev/null, a terminal, a non-blocking pipe; several files, '-', a
 * missing file, and a reader that leaves early.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <termios.h>

#include <zcio.h>
#include "cli-run.h"

#define SIZE_A (3u * 1024 * 1024 + 17)
#define SIZE_B (1u * 1024 * 1024 + 4099)

static char path_a[PATH_MAX], path_b[PATH_MAX];

/* Two pattern files, a (seed 1) and b (seed 2), for every test. */
static int setup_files(void **state)
{
	(void)state;
	t_run_guard();
	close(t_file(t_dir_disk(), "a", SIZE_A, 1, path_a));
	close(t_file(t_dir_disk(), "b", SIZE_B, 2, path_b));
	return 0;
}

/* @p holds @size bytes of pattern @seed. */
static void assert_pattern(const void *p, size_t len, size_t size,
			   unsigned int seed)
{
	assert_int_equal(len, size);
	assert_int_equal(t_check(p, len, 0, seed), -1);
}

static void test_to_pipe(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	t_run(&r, &io, "cat", path_a, NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.err_len, 0);
	assert_pattern(r.out, r.out_len, SIZE_A, 1);
	t_run_free(&r);
}

static void test_several_files(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	t_run(&r, &io, "cat", path_a, path_b, path_a, NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 2 * SIZE_A + SIZE_B);
	assert_pattern(r.out, SIZE_A, SIZE_A, 1);
	assert_pattern(r.out + SIZE_A, SIZE_B, SIZE_B, 2);
	assert_pattern(r.out + SIZE_A + SIZE_B, SIZE_A, SIZE_A, 1);
	t_run_free(&r);
}

static void test_to_file(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;
	uint8_t *data;
	size_t len;

	(void)state;
	io.out = t_file_empty(t_dir_disk(), "out", O_RDWR, NULL);
	t_run(&r, &io, "cat", path_a, path_b, NULL);
	assert_int_equal(r.status, 0);
	len = t_slurp(io.out, &data);
	close(io.out);
	assert_int_equal(len, SIZE_A + SIZE_B);
	assert_pattern(data, SIZE_A, SIZE_A, 1);
	assert_pattern(data + SIZE_A, SIZE_B, SIZE_B, 2);
	free(data);
	t_run_free(&r);
}

/* `>>`: the file's bytes stay, ours go after them (O_APPEND kept). */
static void test_to_file_append(void **state)
{
	struct t_run_io io = { 0 };
	char log[PATH_MAX];
	struct t_run r;
	uint8_t *data;
	size_t len;
	int fd;

	(void)state;
	fd = t_file_empty(t_dir_disk(), "log", O_WRONLY, log);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	io.out = open(log, O_RDWR | O_APPEND | O_CLOEXEC);
	t_run(&r, &io, "cat", path_b, NULL);
	assert_int_equal(r.status, 0);
	len = t_slurp(io.out, &data);
	close(io.out);
	assert_int_equal(len, 6 + SIZE_B);
	assert_memory_equal(data, "hello\n", 6);
	assert_pattern(data + 6, SIZE_B, SIZE_B, 2);
	free(data);
	t_run_free(&r);
}

/*
 * Standard output is one end of a socket pair; a thread reads the other
 * end until EOF, which comes when both the program and the test have
 * closed their copies of the writing end.
 */
static void cat_to_socket(int fds[2])
{
	struct t_run_io io = { .out = fds[0] };
	struct t_sink *sink = t_sink_start(fds[1], 0, 0, 0);
	struct t_run r;
	uint8_t *data;
	size_t len;

	t_run(&r, &io, "cat", "-v", path_a, path_b, NULL);
	close(fds[0]);
	len = t_sink_join(sink, &data);
	close(fds[1]);
	assert_int_equal(r.status, 0);
	assert_int_equal(len, SIZE_A + SIZE_B);
	assert_pattern(data, SIZE_A, SIZE_A, 1);
	assert_pattern(data + SIZE_A, SIZE_B, SIZE_B, 2);
	/* One ledger line per file. */
	assert_non_null(strstr(r.err, "path "));
	assert_non_null(strstr(strstr(r.err, "\n") + 1, "path "));
	free(data);
	t_run_free(&r);
}

static void test_to_tcp_socket(void **state)
{
	int fds[2];

	(void)state;
	t_tcp_pair(fds);
	cat_to_socket(fds);
}

static void test_to_unix_socket(void **state)
{
	int fds[2];

	(void)state;
	t_unix_pair(fds);
	cat_to_socket(fds);
}

static void test_to_dev_null(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	io.out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	t_run(&r, &io, "cat", path_a, NULL);
	close(io.out);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.err_len, 0);
	t_run_free(&r);
}

/* A terminal in raw mode, so the bytes arrive as they were sent. */
static void test_to_terminal(void **state)
{
	struct t_run_io io = { 0 };
	struct termios tio;
	struct t_sink *sink;
	struct t_run r;
	uint8_t *data;
	size_t len;
	int master;

	(void)state;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		print_message("no pseudo-terminal: %s\n", strerror(errno));
		skip();
	}
	io.out = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(io.out >= 0);
	assert_int_equal(tcgetattr(io.out, &tio), 0);
	cfmakeraw(&tio);
	assert_int_equal(tcsetattr(io.out, TCSANOW, &tio), 0);
	sink = t_sink_start(master, 0, 0, SIZE_B);
	t_run(&r, &io, "cat", path_b, NULL);
	close(io.out);
	len = t_sink_join(sink, &data);
	close(master);
	assert_int_equal(r.status, 0);
	assert_pattern(data, len, SIZE_B, 2);
	free(data);
	t_run_free(&r);
}

/* A non-blocking pipe to a slow reader: -EAGAIN is waited out. */
static void test_nonblocking_stdout(void **state)
{
	struct t_run_io io = { 0 };
	struct t_sink *sink;
	struct t_run r;
	uint8_t *data;
	size_t len;
	int fds[2];

	(void)state;
	t_pipe(fds);
	t_set_nonblock(fds[0], 1);
	sink = t_sink_start(fds[1], 16384, 200, 0);
	io.out = fds[0];
	t_run(&r, &io, "cat", path_b, NULL);
	close(fds[0]);
	len = t_sink_join(sink, &data);
	close(fds[1]);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.err_len, 0);
	assert_pattern(data, len, SIZE_B, 2);
	free(data);
	t_run_free(&r);
}

/* '-' is standard input, between two files. */
static void test_stdin_dash(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	io.in = open(path_b, O_RDONLY | O_CLOEXEC);
	t_run(&r, &io, "cat", path_a, "-", path_a, NULL);
	close(io.in);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 2 * SIZE_A + SIZE_B);
	assert_pattern(r.out, SIZE_A, SIZE_A, 1);
	assert_pattern(r.out + SIZE_A, SIZE_B, SIZE_B, 2);
	assert_pattern(r.out + SIZE_A + SIZE_B, SIZE_A, SIZE_A, 1);
	t_run_free(&r);
}

/* No FILE: standard input, here a pipe fed by a thread. */
static void test_stdin_pipe(void **state)
{
	struct t_run_io io = { 0 };
	struct t_source *src;
	struct t_run r;
	int fds[2];

	(void)state;
	t_pipe(fds);
	src = t_source_start(fds[0], SIZE_A, 1, 1);
	io.in = fds[1];
	t_run(&r, &io, "cat", NULL);
	/* Closed first: a writer left behind gets EPIPE, not a hang. */
	close(fds[1]);
	t_source_join(src);
	assert_int_equal(r.status, 0);
	assert_pattern(r.out, r.out_len, SIZE_A, 1);
	t_run_free(&r);
}

static void test_missing_among_others(void **state)
{
	char missing[PATH_MAX];
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	snprintf(missing, sizeof(missing), "%s/none", t_dir_disk());
	t_run(&r, &io, "cat", path_a, missing, path_b, NULL);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "zcio cat: cannot open '");
	assert_non_null(strstr(r.err, "No such file or directory"));
	assert_int_equal(r.out_len, SIZE_A + SIZE_B);
	assert_pattern(r.out, SIZE_A, SIZE_A, 1);
	assert_pattern(r.out + SIZE_A, SIZE_B, SIZE_B, 2);
	t_run_free(&r);
}

static void test_directory(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	t_run(&r, &io, "cat", t_dir_disk(), path_b, NULL);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "is a directory");
	assert_int_equal(r.out_len, SIZE_B);
	t_run_free(&r);
}

/* `zcio cat f >> f` would never end: refused, like coreutils. */
static void test_input_is_output(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;
	struct stat st;

	(void)state;
	io.out = open(path_b, O_WRONLY | O_APPEND | O_CLOEXEC);
	t_run(&r, &io, "cat", path_b, NULL);
	close(io.out);
	assert_int_equal(r.status, 1);
	t_assert_one_line(&r, "input file is output file");
	assert_int_equal(stat(path_b, &st), 0);
	assert_int_equal(st.st_size, SIZE_B);
	t_run_free(&r);
}

/*
 * The reader takes a few bytes and leaves: the program gets EPIPE, exits
 * 1 at once without a word and without dying of SIGPIPE.
 */
static void test_reader_leaves(void **state)
{
	char big[PATH_MAX], buf[100];
	struct t_run_io io = { 0 };
	struct t_run r;
	int fds[2];

	(void)state;
	close(t_file(t_dir_disk(), "big", 64u << 20, 3, big));
	t_pipe(fds);
	io.out = fds[0];
	t_run_start(&r, &io, "cat", big, path_a, NULL);
	close(fds[0]);
	assert_true(read(fds[1], buf, sizeof(buf)) > 0);
	close(fds[1]);
	t_run_wait(&r);
	assert_int_equal(r.sig, 0);
	assert_int_equal(r.status, 1);
	assert_int_equal(r.err_len, 0);
	t_run_free(&r);
}

static void test_verbose_per_file(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;
	char want[64];

	(void)state;
	t_run(&r, &io, "cat", "-v", path_a, path_b, NULL);
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof(want), "(%u bytes)", SIZE_A);
	assert_non_null(strstr(r.err, want));
	snprintf(want, sizeof(want), "(%u bytes)", SIZE_B);
	assert_non_null(strstr(r.err, want));
	assert_non_null(strstr(r.err, "bytes through user space"));
	t_run_free(&r);
}

/* Forced paths into a pipe: a path that can must deliver every byte. */
static void test_forced_paths(void **state)
{
	struct t_run_io io = { 0 };
	const char *name;
	struct t_run r;
	char want[96];
	int p;

	(void)state;
	for (p = 1; (name = zc_path_name((enum zc_path)p)); p++) {
		if (!zc_path_supported((enum zc_path)p))
			continue;
		t_run(&r, &io, "cat", "-m", name, path_b, NULL);
		snprintf(want, sizeof(want),
			 "path '%s' cannot copy this pair here", name);
		if (r.status) {
			t_assert_one_line(&r, want);
			assert_int_equal(r.status, 1);
		} else {
			assert_pattern(r.out, r.out_len, SIZE_B, 2);
		}
		t_run_free(&r);
	}
}

static void test_bad_option(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	t_run(&r, &io, "cat", "--bogus", path_a, NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "zcio cat: unrecognized option '--bogus' "
			  "(see 'zcio help cat')");
	assert_int_equal(r.out_len, 0);
	t_run_free(&r);
}

#define TEST(f) cmocka_unit_test_setup(f, setup_files)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_to_pipe),
		TEST(test_several_files),
		TEST(test_to_file),
		TEST(test_to_file_append),
		TEST(test_to_tcp_socket),
		TEST(test_to_unix_socket),
		TEST(test_to_dev_null),
		TEST(test_to_terminal),
		TEST(test_nonblocking_stdout),
		TEST(test_stdin_dash),
		TEST(test_stdin_pipe),
		TEST(test_missing_among_others),
		TEST(test_directory),
		TEST(test_input_is_output),
		TEST(test_reader_leaves),
		TEST(test_verbose_per_file),
		TEST(test_forced_paths),
		TEST(test_bad_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
