/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz-run.h - runs a libFuzzer target (make fuzz) inside the suite:
 * for a bounded time, on a copy of its seed corpus (and of its regression
 * inputs), failing when it finds a crash or a broken invariant. The log's
 * tail (with libFuzzer's Base64 of the input) says what to keep under the
 * target's regression folder. Header-only, included by the *-fuzz-run.c
 * programs (like cli-run.h): each is one standalone test program.
 *
 * Environment: the target's own variable for the fuzzer binary (default
 * ../fuzz/NAME next to the test program's directory), ZC_FUZZ_SECONDS.
 * Skips, with the reason, when the fuzzer was not built (no clang or no
 * libFuzzer runtime). Run from the source tree.
 */
#ifndef ZC_TESTS_FUZZ_RUN_H
#define ZC_TESTS_FUZZ_RUN_H

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

struct t_fuzz {
	const char *name;		/* "http-request": build/fuzz/NAME */
	const char *bin_env;		/* variable naming the binary */
	const char *seeds;		/* seed corpus, copied */
	int min_seeds;			/* fewer is a broken checkout */
	const char *regress;		/* regression inputs, or NULL */
	const char *default_secs;	/* without ZC_FUZZ_SECONDS */
};

/* The test program's own path (argv[0] made absolute in main). */
static char t_fuzz_self[PATH_MAX];

static inline void t_fuzz_init(const char *argv0)
{
	if (!realpath(argv0, t_fuzz_self))
		snprintf(t_fuzz_self, sizeof(t_fuzz_self), "%s", argv0);
}

/* Copies every regular file of @src into @dst; returns how many. */
static inline int t_fuzz_copy_dir(const char *src, const char *dst)
{
	char from[PATH_MAX + 256], to[PATH_MAX + 256];
	struct dirent *e;
	uint8_t *data;
	size_t len;
	int n = 0, in, out;
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
		len = t_slurp(in, &data);
		close(in);
		out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(out >= 0);
		assert_int_equal(write(out, data, len), (ssize_t)len);
		close(out);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

/* Prints the last @lines lines of @path through cmocka. */
static inline void t_fuzz_print_tail(const char *path, int lines)
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

/* libFuzzer's closing "stat::name: value" lines; the last " cov: " line. */
static inline long t_fuzz_stat(const char *log, const char *name, char *cov,
			       size_t covlen)
{
	char line[512];
	long v = -1;
	size_t n = strlen(name);
	FILE *f = fopen(log, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n))
			v = strtol(line + n, NULL, 10);
		if (cov && strstr(line, " cov: "))
			snprintf(cov, covlen, "%s", line);
	}
	fclose(f);
	return v;
}

static inline void t_fuzz_bin(const struct t_fuzz *f, char *out, size_t len)
{
	const char *env = getenv(f->bin_env);
	char tmp[PATH_MAX];

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s", t_fuzz_self);
	snprintf(out, len, "%s/../fuzz/%s", dirname(tmp), f->name);
}

/* Runs the fuzzer of @f; a cmocka test body. */
static inline void t_fuzz_run(const struct t_fuzz *f)
{
	char bin[PATH_MAX], corpus[PATH_MAX], log[PATH_MAX], arg_time[64];
	char prefix[PATH_MAX], cov[512] = "";
	const char *dir, *secs;
	int status, fd, n;
	pid_t pid;

	t_fuzz_bin(f, bin, sizeof(bin));
	if (access(bin, X_OK)) {
		print_message("fuzzer %s not built (make fuzz: clang with "
			      "libFuzzer); skipping\n", bin);
		skip();
	}
	dir = t_dir_disk();
	snprintf(corpus, sizeof(corpus), "%s/corpus", dir);
	snprintf(log, sizeof(log), "%s/fuzz.log", dir);
	assert_int_equal(mkdir(corpus, 0755), 0);
	n = t_fuzz_copy_dir(f->seeds, corpus);
	assert_true(n >= f->min_seeds);
	if (f->regress)
		assert_true(t_fuzz_copy_dir(f->regress, corpus) >= 1);
	secs = getenv("ZC_FUZZ_SECONDS");
	if (!secs || !*secs)
		secs = f->default_secs;
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
		t_fuzz_print_tail(log, 40);
		fail_msg("fuzzer failed (status 0x%x): keep the input above "
			 "in tests/fuzz/regress/%s/", status, f->name);
	}
	print_message("fuzzed %s s: %ld runs, %ld new inputs, %d seeds\n",
		      secs,
		      t_fuzz_stat(log, "stat::number_of_executed_units:",
				  NULL, 0),
		      t_fuzz_stat(log, "stat::new_units_added:", cov,
				  sizeof(cov)), n);
	print_message("%s", cov);
}

#endif
