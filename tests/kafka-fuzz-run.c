/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-fuzz-run.c - the Kafka codec's libFuzzer target
 * (tests/fuzz/kafka-request.c) in the suite: its checks replayed with the
 * normal compiler (and under ASan in `make asan`) over the seed corpus,
 * every prefix of each seed, and every input the fuzzer ever crashed on
 * (tests/fuzz/regress/kafka-request/, one file per fixed bug); then the
 * fuzzer itself (make fuzz) for a bounded time on a copy of the seeds,
 * failing when it finds a crash or a broken invariant. The log's tail
 * (with libFuzzer's Base64 of the input) says what to keep under
 * tests/fuzz/regress/kafka-request/.
 *
 * Environment: ZC_KAFKA_FUZZ_BIN (the fuzzer; default ../fuzz/kafka-request
 * next to this program's directory; ZC_FUZZ_BIN names the HTTP one),
 * ZC_FUZZ_SECONDS (default 15). Run from the source tree. The fuzzing
 * test skips, with the reason, when the fuzzer was not built (no clang or
 * no libFuzzer runtime).
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

#include "fuzz/kafka-request.c"

#include "helpers.h"

#define SEEDS "tests/fuzz/corpus/kafka-request"
#define REGRESS "tests/fuzz/regress/kafka-request"

static char self[PATH_MAX];

/*
 * Feeds every file in @dir to the target, and when @prefixes each one's
 * prefixes too (a frame truncated at every byte). Returns how many files.
 */
static int replay_dir(const char *dir, int prefixes)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	uint8_t *data;
	size_t len;
	int n = 0, fd;
	DIR *d;

	d = opendir(dir);
	if (!d)
		fail_msg("%s: %s (run the suite from the source tree)", dir,
			 strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		len = t_slurp(fd, &data);
		close(fd);
		LLVMFuzzerTestOneInput(data, len);
		while (prefixes && len--)
			LLVMFuzzerTestOneInput(data, len);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

static void seeds(void **state)
{
	(void)state;
	assert_true(replay_dir(SEEDS, 1) >= 30);
}

static void regressions(void **state)
{
	(void)state;
	assert_true(replay_dir(REGRESS, 0) >= 1);
}

/* Copies every regular file of @src into @dst; returns how many. */
static int copy_dir(const char *src, const char *dst)
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

/* libFuzzer's closing "stat::name: value" lines; the last " cov: " line. */
static long stat_of(const char *log, const char *name, char *cov,
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

static void fuzzer_path(char *out, size_t len)
{
	const char *env = getenv("ZC_KAFKA_FUZZ_BIN");
	char tmp[PATH_MAX];

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s", self);
	snprintf(out, len, "%s/../fuzz/kafka-request", dirname(tmp));
}

static void fuzz(void **state)
{
	char bin[PATH_MAX], corpus[PATH_MAX], log[PATH_MAX], arg_time[64];
	char prefix[PATH_MAX], cov[512] = "";
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
	n = copy_dir(SEEDS, corpus);
	assert_true(n >= 30);
	assert_true(copy_dir(REGRESS, corpus) >= 1);
	secs = getenv("ZC_FUZZ_SECONDS");
	if (!secs || !*secs)
		secs = "15";
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
			 "in " REGRESS "/", status);
	}
	print_message("fuzzed %s s: %ld runs, %ld new inputs, %d seeds\n",
		      secs,
		      stat_of(log, "stat::number_of_executed_units:", NULL, 0),
		      stat_of(log, "stat::new_units_added:", cov,
			      sizeof(cov)), n);
	print_message("%s", cov);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seeds),
		cmocka_unit_test(regressions),
		cmocka_unit_test(fuzz),
	};

	(void)argc;
	if (!realpath(argv[0], self))
		snprintf(self, sizeof(self), "%s", argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
