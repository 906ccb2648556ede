/* SPDX-License-Identifier: MIT */
/*
 * tests/http-fuzz-run.c - runs the libFuzzer target build/fuzz/http-request
 * (make fuzz) for a bounded time on a copy of the seed corpus, so that the
 * suite's count includes it, and fails when the fuzzer finds a crash or an
 * invariant breaks; the log's tail (with libFuzzer's Base64 of the input)
 * says what to keep under tests/fuzz/regress/http-request/.
 *
 * Environment: ZC_FUZZ_BIN (the fuzzer; default ../fuzz/http-request next
 * to this program's directory), ZC_FUZZ_CORPUS (default
 * tests/fuzz/corpus/http-request), ZC_FUZZ_SECONDS (default 20).
 * Skips, with the reason, when the fuzzer was not built (no clang or no
 * libFuzzer runtime).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static char self[PATH_MAX];

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

/* The fuzzer binary: $ZC_FUZZ_BIN, or B/fuzz/http-request for B/tests/x. */
static void fuzzer_path(char *out, size_t len)
{
	char tmp[PATH_MAX];

	if (getenv("ZC_FUZZ_BIN") && *getenv("ZC_FUZZ_BIN")) {
		snprintf(out, len, "%s", getenv("ZC_FUZZ_BIN"));
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s", self);
	snprintf(out, len, "%s/../fuzz/http-request", dirname(tmp));
}

/* Copies every regular file of @src into @dst; returns how many. */
static int copy_dir(const char *src, const char *dst)
{
	char from[PATH_MAX + 256], to[PATH_MAX + 256], buf[65536];
	struct dirent *e;
	int n = 0, in, out;
	ssize_t got;
	DIR *d;

	d = opendir(src);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), "%s/%s", src, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", dst, e->d_name);
		in = open(from, O_RDONLY);
		assert_true(in >= 0);
		out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(out >= 0);
		while ((got = read(in, buf, sizeof(buf))) > 0)
			assert_int_equal(write(out, buf, (size_t)got), got);
		close(in);
		close(out);
		n++;
	}
	closedir(d);
	return n;
}

/* Prints the last @lines lines of @path through cmocka. */
static void print_tail(const char *path, int lines)
{
	char *buf, *p;
	size_t len;
	int fd, n = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	len = t_slurp(fd, (uint8_t **)&buf);
	close(fd);
	for (p = buf + len; p > buf && n <= lines; p--)
		if (p[-1] == '\n')
			n++;
	print_message("%.*s", (int)(buf + len - p), p);
	free(buf);
}

/* libFuzzer's closing "stat::name: value" lines. */
static long stat_of(const char *log, const char *name)
{
	char line[512];
	long v = -1;
	size_t n = strlen(name);
	FILE *f = fopen(log, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n))
			v = strtol(line + n, NULL, 10);
	fclose(f);
	return v;
}

/* The last "#N DONE cov: ... ft: ... corp: ..." line, for coverage. */
static void print_cov(const char *log)
{
	char line[512], last[512] = "";
	FILE *f = fopen(log, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " cov: "))
			memcpy(last, line, sizeof(line));
	fclose(f);
	print_message("%s", last);
}

static void fuzz_http_request(void **state)
{
	char bin[PATH_MAX], corpus[PATH_MAX], log[PATH_MAX], arg_time[64];
	char prefix[PATH_MAX];
	const char *dir, *secs;
	int status, fd, n;
	pid_t pid;

	(void)state;
	fuzzer_path(bin, sizeof(bin));
	if (access(bin, X_OK)) {
		print_message("fuzzer %s not built (make fuzz: clang with "
			      "libFuzzer); skipping\n", bin);
		skip();
	}
	dir = t_dir_disk();
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	snprintf(log, sizeof(log), "%s/fuzz.log", dir);
	assert_int_equal(mkdir(corpus, 0755), 0);
	n = copy_dir(env_or("ZC_FUZZ_CORPUS", "tests/fuzz/corpus/http-request"),
		     corpus);
	assert_true(n >= 12);
	secs = env_or("ZC_FUZZ_SECONDS", "20");
	snprintf(arg_time, sizeof(arg_time), "-max_total_time=%s", secs);
	snprintf(prefix, sizeof(prefix), "-artifact_prefix=%s/", dir);

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(bin, bin, corpus, arg_time, "-timeout=5",
		      "-rss_limit_mb=2048", "-print_final_stats=1", prefix,
		      (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		print_tail(log, 40);
		fail_msg("fuzzer failed (status 0x%x): keep the input above "
			 "in tests/fuzz/regress/http-request/", status);
	}
	print_message("fuzzed %s s: %ld runs, %ld new inputs, %d seeds\n",
		      secs, stat_of(log, "stat::number_of_executed_units:"),
		      stat_of(log, "stat::new_units_added:"), n);
	print_cov(log);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fuzz_http_request),
	};

	(void)argc;
	if (!realpath(argv[0], self))
		snprintf(self, sizeof(self), "%s", argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
