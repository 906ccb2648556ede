/* SPDX-License-Identifier: MIT */
/*
 * tests/http-fuzz-run.c - runs the libFuzzer target build/fuzz/http-request
 * (make fuzz) for a bounded time on a copy of the seed corpus, so that the
 * suite's count includes it (tests/fuzz-run.h). Environment: ZC_FUZZ_BIN
 * (the fuzzer), ZC_FUZZ_SECONDS (default 20).
 */
#include "fuzz-run.h"

static const struct t_fuzz http_request = {
	.name = "http-request",
	.bin_env = "ZC_FUZZ_BIN",
	.seeds = "tests/fuzz/corpus/http-request",
	.min_seeds = 12,
	.default_secs = "20",
};

static void fuzz_http_request(void **state)
{
	(void)state;
	t_fuzz_run(&http_request);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fuzz_http_request),
	};

	(void)argc;
	t_fuzz_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
