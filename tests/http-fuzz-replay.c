/* SPDX-License-Identifier: MIT */
/*
 * tests/http-fuzz-replay.c - the libFuzzer target's checks, run by the
 * normal suite with the normal compiler (and under ASan in `make asan`)
 * over the seed corpus and over every input the fuzzer ever crashed on
 * (tests/fuzz/regress/http-request/, one file per fixed bug). This keeps
 * the regressions tested where clang's libFuzzer is not installed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/http-request.c"

#include "helpers.h"

/* Feeds every file in @dir to the target; returns how many. */
static int replay_dir(const char *dir)
{
	char path[4096];
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
		/* and every prefix, as libFuzzer's mutations would */
		while (len--)
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
	assert_true(replay_dir("tests/fuzz/corpus/http-request") >= 12);
}

static void regressions(void **state)
{
	(void)state;
	assert_true(replay_dir("tests/fuzz/regress/http-request") >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seeds),
		cmocka_unit_test(regressions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
