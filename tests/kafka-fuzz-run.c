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
#include "fuzz-run.h"

#include "fuzz/kafka-request.c"

#define SEEDS "tests/fuzz/corpus/kafka-request"
#define REGRESS "tests/fuzz/regress/kafka-request"

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

static const struct t_fuzz kafka_request = {
	.name = "kafka-request",
	.bin_env = "ZC_KAFKA_FUZZ_BIN",
	.seeds = SEEDS,
	.min_seeds = 30,
	.regress = REGRESS,
	.default_secs = "15",
};

static void fuzz(void **state)
{
	(void)state;
	t_fuzz_run(&kafka_request);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seeds),
		cmocka_unit_test(regressions),
		cmocka_unit_test(fuzz),
	};

	(void)argc;
	t_fuzz_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
