/* SPDX-License-Identifier: MIT */
/*
 * tests/cli-misc.c - the rest of the zcio program, run as a program:
 * --version, help, unknown commands and options, `zcio paths` and
 * `zcio sink` over TCP and a UNIX socket.
 */
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <zcio.h>
#include "cli-run.h"

static const char *const commands[] = { "copy", "cat", "paths", "sink",
					"help" };
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int setup(void **state)
{
	(void)state;
	t_run_guard();
	return 0;
}

static void test_version(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;
	char want[128];

	(void)state;
	t_run(&r, &io, "--version", NULL);
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof(want), "zcio %s (libzcio %s)\n",
		 ZC_VERSION_STRING, zc_version());
	assert_string_equal(r.out, want);
	assert_int_equal(r.err_len, 0);
	t_run_free(&r);
}

/* `zcio help` and `zcio --help` list every command; bare `zcio` too,
 * but on stderr and with status 2: a command is missing. */
static void test_help_overview(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;
	size_t i;

	(void)state;
	t_run(&r, &io, "help", NULL);
	assert_int_equal(r.status, 0);
	for (i = 0; i < NR_COMMANDS; i++)
		assert_non_null(strstr(r.out, commands[i]));
	t_run_free(&r);
	t_run(&r, &io, "--help", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: zcio COMMAND"));
	t_run_free(&r);
	t_run(&r, &io, NULL);
	assert_int_equal(r.status, 2);
	assert_int_equal(r.out_len, 0);
	assert_non_null(strstr(r.err, "usage: zcio COMMAND"));
	t_run_free(&r);
}

/* `zcio help CMD` and `zcio CMD --help` print the same usage. */
static void test_help_command(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r, r2;
	char want[64];
	size_t i;

	(void)state;
	for (i = 0; i < NR_COMMANDS; i++) {
		t_run(&r, &io, "help", commands[i], NULL);
		assert_int_equal(r.status, 0);
		snprintf(want, sizeof(want), "usage: zcio %s", commands[i]);
		assert_non_null(strstr(r.out, want));
		t_run(&r2, &io, commands[i], "--help", NULL);
		assert_int_equal(r2.status, 0);
		assert_string_equal(r.out, r2.out);
		t_run_free(&r);
		t_run_free(&r2);
	}
	t_run(&r, &io, "help", "teleport", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "zcio: unknown command 'teleport'");
	t_run_free(&r);
}

static void test_unknown_command(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	t_run(&r, &io, "teleport", "x", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "zcio: unknown command 'teleport' "
			  "(see 'zcio help')");
	assert_int_equal(r.out_len, 0);
	t_run_free(&r);
	t_run(&r, &io, "--teleport", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "zcio: unrecognized option '--teleport'");
	t_run_free(&r);
}

/* Every command: an unknown long and short option, a missing argument. */
static void test_unknown_option(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;
	char want[128];
	size_t i;

	(void)state;
	for (i = 0; i < NR_COMMANDS; i++) {
		t_run(&r, &io, commands[i], "--bogus", NULL);
		assert_int_equal(r.status, 2);
		snprintf(want, sizeof(want), "zcio %s: unrecognized option "
			 "'--bogus' (see 'zcio help %s')", commands[i],
			 commands[i]);
		t_assert_one_line(&r, want);
		assert_int_equal(r.out_len, 0);
		t_run_free(&r);
		t_run(&r, &io, commands[i], "-Z", NULL);
		assert_int_equal(r.status, 2);
		t_assert_one_line(&r, "invalid option -- 'Z'");
		t_run_free(&r);
	}
	t_run(&r, &io, "sink", "--count", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "option '--count' requires an argument");
	t_run_free(&r);
}

/* Each path once, with the +/- that the library reports. */
static void test_paths(void **state)
{
	struct t_run_io io = { 0 };
	const char *name, *line;
	struct t_run r;
	char want[64];
	int p;

	(void)state;
	t_run(&r, &io, "paths", NULL);
	assert_int_equal(r.status, 0);
	for (p = 1; (name = zc_path_name((enum zc_path)p)); p++) {
		snprintf(want, sizeof(want), "  %s ", name);
		line = strstr(r.out, want);
		if (!line)
			fail_msg("path %s not listed:\n%s", name, r.out);
		line += strspn(line + 2, "abcdefghijklmnopqrstuvwxyz_") + 2;
		line += strspn(line, " ");
		assert_int_equal(*line,
				 zc_path_supported((enum zc_path)p) ? '+' :
								       '-');
	}
	assert_null(strstr(r.out, "  auto "));
	t_run_free(&r);
}

static void test_paths_json(void **state)
{
	struct t_run_io io = { 0 };
	const char *name;
	struct t_run r;
	char want[96];
	int p;

	(void)state;
	t_run(&r, &io, "paths", "--json", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out[0], '[');
	for (p = 1; (name = zc_path_name((enum zc_path)p)); p++) {
		snprintf(want, sizeof(want), "{\"name\": \"%s\", "
			 "\"supported\": %s,", name,
			 zc_path_supported((enum zc_path)p) ? "true" :
							       "false");
		if (!strstr(r.out, want))
			fail_msg("no %s in:\n%s", want, r.out);
	}
	assert_non_null(strstr(r.out, "]\n"));
	t_run_free(&r);
}

/* Waits up to 10 s for @path to exist (non-empty for a regular file). */
static void wait_for(const char *path)
{
	struct stat st;
	int i;

	for (i = 0; i < 10000; i++) {
		if (!stat(path, &st) && (!S_ISREG(st.st_mode) || st.st_size))
			return;
		usleep(1000);
	}
	fail_msg("%s did not appear", path);
}

static int read_port(const char *path)
{
	FILE *f = fopen(path, "r");
	int port = 0;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &port), 1);
	fclose(f);
	return port;
}

/* Connects, writes @len pattern bytes, closes. */
static void send_tcp(int port, size_t len)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	t_source_join(t_source_start(fd, len, 4, 1));
}

static void test_sink_tcp(void **state)
{
	struct t_run_io io = { 0 };
	char pf[PATH_MAX];
	struct t_run r;
	int port;

	(void)state;
	snprintf(pf, sizeof(pf), "%s/port", t_dir_disk());
	t_run_start(&r, &io, "sink", "--listen", "127.0.0.1:0",
		    "--port-file", pf, "--count", "2", NULL);
	wait_for(pf);
	port = read_port(pf);
	assert_true(port > 0);
	send_tcp(port, 5u << 20);
	send_tcp(port, 12345);
	t_run_wait(&r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "connection 1 from 127.0.0.1:"));
	assert_non_null(strstr(r.out, "(5242880 bytes)"));
	assert_non_null(strstr(r.out, "connection 2 from 127.0.0.1:"));
	assert_non_null(strstr(r.out, "(12345 bytes)"));
	assert_non_null(strstr(r.out, " MiB/s"));
	t_assert_one_line(&r, "zcio sink: listening on 127.0.0.1:");
	t_run_free(&r);
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) >=
	    (int)sizeof(sun.sun_path))
		fail_msg("socket path too long: %s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)),
			 0);
	return fd;
}

/* A socket path in the test directory; skips if $TMPDIR is too deep. */
static void unix_path(char *sock, const char *name)
{
	struct sockaddr_un sun;

	if (snprintf(sock, PATH_MAX, "%s/%s", t_dir_disk(), name) >=
	    (int)sizeof(sun.sun_path)) {
		print_message("%s: too long for a UNIX socket\n", sock);
		skip();
	}
}

/* The socket file is the sink's: it is gone when the sink is. */
static void test_sink_unix(void **state)
{
	struct t_run_io io = { 0 };
	char sock[PATH_MAX];
	struct t_run r;
	struct stat st;

	(void)state;
	unix_path(sock, "sink.sock");
	t_run_start(&r, &io, "sink", "--unix", sock, NULL);
	wait_for(sock);
	t_source_join(t_source_start(connect_unix(sock), 1u << 20, 5, 1));
	t_run_wait(&r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "connection 1 from"));
	assert_non_null(strstr(r.out, "(1048576 bytes)"));
	assert_int_equal(stat(sock, &st), -1);
	t_run_free(&r);
}

static void test_sink_unix_sigterm(void **state)
{
	struct t_run_io io = { 0 };
	char sock[PATH_MAX];
	struct t_run r;
	struct stat st;

	(void)state;
	unix_path(sock, "term.sock");
	t_run_start(&r, &io, "sink", "--unix", sock, "--count", "0", NULL);
	wait_for(sock);
	kill(r.pid, SIGTERM);
	t_run_wait(&r);
	assert_int_equal(r.sig, SIGTERM);
	assert_int_equal(stat(sock, &st), -1);
	t_run_free(&r);
}

static void test_sink_bad_args(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	t_run(&r, &io, "sink", "--listen", "nowhere", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "bad address 'nowhere'");
	t_run_free(&r);
	t_run(&r, &io, "sink", "--count", "many", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "bad count 'many'");
	t_run_free(&r);
	t_run(&r, &io, "sink", "--unix", "/x", "--port-file", "/y", NULL);
	assert_int_equal(r.status, 2);
	t_assert_one_line(&r, "--unix excludes");
	t_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_version, setup),
		cmocka_unit_test_setup(test_help_overview, setup),
		cmocka_unit_test_setup(test_help_command, setup),
		cmocka_unit_test_setup(test_unknown_command, setup),
		cmocka_unit_test_setup(test_unknown_option, setup),
		cmocka_unit_test_setup(test_paths, setup),
		cmocka_unit_test_setup(test_paths_json, setup),
		cmocka_unit_test_setup(test_sink_tcp, setup),
		cmocka_unit_test_setup(test_sink_unix, setup),
		cmocka_unit_test_setup(test_sink_unix_sigterm, setup),
		cmocka_unit_test_setup(test_sink_bad_args, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
