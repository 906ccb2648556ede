/* SPDX-License-Identifier: MIT */
/*
 * tests/bench-opts.c - the command line of `zcio bench`: size and time
 * parsing, defaults, --quick yielding to explicit options in any order,
 * lists of paths and scenarios, --pin, output choices, and the exit
 * statuses and one-line messages of the real binary (0 for --help and
 * --dry-run, 2 for usage mistakes). Nothing here runs a measurement.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "cli-run.h"

static const struct cli_cmd cmd = { "bench", cmd_bench, "", bench_usage };

/* bench_parse on "bench ARGS..."; returns what it returns (-1: run). */
static int parse(struct bench_cfg *c, ...)
{
	char *argv[32];
	int argc = 0, err, ret, saved;
	const char *a;
	va_list ap;

	argv[argc++] = "bench";
	va_start(ap, c);
	while ((a = va_arg(ap, const char *)) && argc < 31)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	/* getopt keeps state between calls; 0 starts it afresh (glibc). */
	optind = 0;
	/* The usage errors go to stderr; keep the test log readable. */
	fflush(stderr);
	saved = dup(2);
	err = open("/dev/null", O_WRONLY);
	dup2(err, 2);
	close(err);
	ret = bench_parse(c, &cmd, argc, argv);
	dup2(saved, 2);
	close(saved);
	return ret;
}

static void sizes_ok(void **state)
{
	size_t v[BENCH_MAX_SIZES];

	(void)state;
	assert_int_equal(bench_parse_sizes("4k,64k,1m,64m,1g", v,
					   BENCH_MAX_SIZES), 5);
	assert_int_equal(v[0], 4096);
	assert_int_equal(v[4], 1u << 30);
	/* Sorted, duplicates dropped, units in any spelling. */
	assert_int_equal(bench_parse_sizes("1M,512,4KiB,4k,2KB", v,
					   BENCH_MAX_SIZES), 4);
	assert_int_equal(v[0], 512);
	assert_int_equal(v[1], 2048);
	assert_int_equal(v[2], 4096);
	assert_int_equal(v[3], 1u << 20);
	assert_int_equal(bench_parse_sizes("none", v, BENCH_MAX_SIZES), 0);
	assert_int_equal(bench_parse_sizes("16g", v, BENCH_MAX_SIZES), 1);
}

static void sizes_bad(void **state)
{
	static const char *const bad[] = {
		"", "0", "4x", "k", "4k,", ",4k", "17g", "-4k", "4kk", "4 k",
		"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
		"99999999999999999999",
	};
	size_t v[BENCH_MAX_SIZES];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bench_parse_sizes(bad[i], v, BENCH_MAX_SIZES) >= 0)
			fail_msg("'%s' was accepted", bad[i]);
}

static void secs(void **state)
{
	(void)state;
	assert_true(bench_parse_secs("0.5") == 0.5);
	assert_true(bench_parse_secs("60") == 60);
	assert_true(bench_parse_secs("0") < 0);
	assert_true(bench_parse_secs("-1") < 0);
	assert_true(bench_parse_secs("61") < 0);
	assert_true(bench_parse_secs("1s") < 0);
	assert_true(bench_parse_secs("nan") < 0);
	assert_true(bench_parse_secs("") < 0);
}

static void defaults(void **state)
{
	struct bench_cfg c;

	(void)state;
	assert_int_equal(parse(&c, NULL), -1);
	assert_int_equal(c.runs, 3);
	assert_true(c.secs == 0.5);
	assert_int_equal(c.nsizes, 5);
	assert_int_equal(c.nlat, 2);
	assert_int_equal(c.scens, (1u << BENCH_SCEN__COUNT) - 1);
	assert_int_equal(c.paths, (1u << BP__COUNT) - 1);
	assert_int_equal(c.verify, 1);
	assert_int_equal(c.cold, 0);
	assert_int_equal(c.pin, 0);
	assert_string_equal(c.dir, "/var/tmp");
	assert_null(c.json);
}

/* --quick sets what was not given, wherever it stands. */
static void quick(void **state)
{
	struct bench_cfg c;

	(void)state;
	assert_int_equal(parse(&c, "--quick", NULL), -1);
	assert_int_equal(c.runs, 1);
	assert_true(c.secs == 0.1);
	assert_int_equal(c.nsizes, 3);
	assert_int_equal(c.sizes[2], 1u << 20);
	assert_int_equal(c.nlat, 1);
	assert_int_equal(parse(&c, "--runs", "5", "-q", "--sizes", "1k",
			       NULL), -1);
	assert_int_equal(c.runs, 5);
	assert_int_equal(c.nsizes, 1);
	assert_int_equal(c.sizes[0], 1024);
	assert_int_equal(parse(&c, "-q", "-t", "2", "-r", "2", NULL), -1);
	assert_true(c.secs == 2);
	assert_int_equal(c.runs, 2);
}

static void lists(void **state)
{
	struct bench_cfg c;

	(void)state;
	assert_int_equal(parse(&c, "-S", "tcp,file", "-p", "sendfile,splice",
			       NULL), -1);
	assert_int_equal(c.scens, (1u << BENCH_TCP) | (1u << BENCH_FILE));
	assert_int_equal(c.paths, (1u << BP_SENDFILE) | (1u << BP_SPLICE));
	assert_int_equal(parse(&c, "--paths", "all", "--scenarios", "mem",
			       NULL), -1);
	assert_int_equal(c.scens, 1u << BENCH_MEM);
	assert_int_equal(parse(&c, "--latency-sizes", "none", NULL), -1);
	assert_int_equal(c.nlat, 0);
	/* Unknown names, and a choice with nothing to measure. */
	assert_int_equal(parse(&c, "-p", "sendfile,nope", NULL), 2);
	assert_int_equal(parse(&c, "-S", "udp", NULL), 2);
	assert_int_equal(parse(&c, "-S", "mem", "-p", "sendfile", NULL), 2);
	assert_int_equal(parse(&c, "-S", "tcp", "-p", "copy_file_range",
			       NULL), 2);
	assert_int_equal(parse(&c, "--latency-sizes", "2m", NULL), 2);
	assert_int_equal(parse(&c, "--sizes", "4k,,8k", NULL), 2);
}

static void numbers(void **state)
{
	struct bench_cfg c;

	(void)state;
	assert_int_equal(parse(&c, "--runs", "0", NULL), 2);
	assert_int_equal(parse(&c, "--runs", "51", NULL), 2);
	assert_int_equal(parse(&c, "--runs", "3x", NULL), 2);
	assert_int_equal(parse(&c, "--time", "0", NULL), 2);
	assert_int_equal(parse(&c, "--runs", NULL), 2);
	assert_int_equal(parse(&c, "--runs", "50", "--time", "0.01", NULL),
			 -1);
}

static void pin_and_outputs(void **state)
{
	struct bench_cfg c;

	(void)state;
	assert_int_equal(parse(&c, "--pin", NULL), -1);
	assert_int_equal(c.pin, 1);
	assert_int_equal(c.cpu_tx, 0);
	assert_int_equal(c.cpu_rx, 1);
	assert_int_equal(parse(&c, "--pin=1,0", NULL), -1);
	assert_int_equal(c.cpu_tx, 1);
	assert_int_equal(c.cpu_rx, 0);
	assert_int_equal(parse(&c, "--pin=1", NULL), 2);
	assert_int_equal(parse(&c, "--pin=a,b", NULL), 2);
	assert_int_equal(parse(&c, "--json", "--csv=x.csv", "--svg", "y.svg",
			       NULL), -1);
	assert_string_equal(c.json, "-");
	assert_string_equal(c.csv, "x.csv");
	assert_string_equal(c.svg, "y.svg");
	/* Two reports cannot share standard output. */
	assert_int_equal(parse(&c, "--json", "--csv", NULL), 2);
	assert_int_equal(parse(&c, "--json=", NULL), 2);
	assert_int_equal(parse(&c, "--cold", "--no-verify", "--dir", "/tmp",
			       "--keep-data", "-v", NULL), -1);
	assert_true(c.cold && !c.verify && c.keep_data && c.verbose);
	assert_string_equal(c.dir, "/tmp");
	assert_int_equal(parse(&c, "extra", NULL), 2);
	assert_int_equal(parse(&c, "--help", NULL), 0);
}

/* The real binary: exit statuses and one-line messages. */
static void binary(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	t_run(&r, &io, "bench", "--runs", "0", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "zcio bench: --runs wants 1 to 50");
	t_run_free(&r);
	t_run(&r, &io, "bench", "--bogus", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "unrecognized option '--bogus'");
	t_run_free(&r);
	t_run(&r, &io, "bench", "--paths", "nope", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "unknown path 'nope'");
	t_run_free(&r);
	t_run(&r, &io, "help", "bench", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: zcio bench"));
	t_run_free(&r);
}

/* --dry-run prints the plan the options make, and measures nothing. */
static void dry_run(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	t_run(&r, &io, "bench", "--dry-run", "--quick", "-S", "tcp,file",
	      "-p", "readwrite,copy_file_range", "--sizes", "512,8k",
	      NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "config: runs 1, time 0.100 s, "
				      "sizes 512,8192, latency sizes 4096"));
	assert_non_null(strstr(r.out, "case xfer tcp readwrite 512 B\n"));
	assert_non_null(strstr(r.out, "case xfer file copy_file_range "
				      "8 KiB\n"));
	assert_null(strstr(r.out, "tcp copy_file_range"));
	assert_non_null(strstr(r.out, "case latency tcp readwrite "
				      "4 KiB\n"));
	assert_non_null(strstr(r.out, "case memcpy 64 MiB\n"));
	/* 6 transfer cases, 1 latency, 2 memcpy; verify the 6. */
	assert_non_null(strstr(r.out, "runs: 9 timed, 6 verification\n"));
	t_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_ok),
		cmocka_unit_test(sizes_bad),
		cmocka_unit_test(secs),
		cmocka_unit_test(defaults),
		cmocka_unit_test(quick),
		cmocka_unit_test(lists),
		cmocka_unit_test(numbers),
		cmocka_unit_test(pin_and_outputs),
		cmocka_unit_test(binary),
		cmocka_unit_test(dry_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
