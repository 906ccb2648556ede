/* SPDX-License-Identifier: MIT */
/*
 * tests/engine-log.c - src/engine/log.h and the engine's options: error
 * log lines (format, levels, thread names, long lines cut, reopen after a
 * rename), the access-log buffer (held until full, a second, or free;
 * reserve/commit; formatted lines; reopen), on io_uring and epoll for the
 * timer flush; and eng_config_set / eng_parse_ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine-util.h"

/* The file's contents in a static buffer (NUL-terminated). */
static const char *slurp(const char *path)
{
	static char buf[65536];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void tmp_path(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", t_dir_disk(), name);
}

static void error_log_lines(void **state)
{
	char path[PATH_MAX], old[PATH_MAX + 4], big[3000];
	const char *text;
	regex_t re;

	(void)state;
	tmp_path(path, "error.log");
	assert_int_equal(eng_log_open(path, ENG_LOG_WARN), 0);
	assert_true(eng_log_enabled(ENG_LOG_ERROR));
	assert_false(eng_log_enabled(ENG_LOG_INFO));
	eng_log(ENG_LOG_INFO, "not written");
	eng_log(ENG_LOG_ERROR, "accept4 fd %d: %s", 7, strerror(EMFILE));
	eng_log_set_thread("w3");
	eng_log(ENG_LOG_WARN, "from a worker");
	eng_log_set_thread("main");
	text = slurp(path);
	assert_int_equal(regcomp(&re,
				 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z "
				 "error main: accept4 fd 7: Too many open "
				 "files\n[^\n]*Z warn w3: from a worker\n$",
				 REG_EXTENDED), 0);
	if (regexec(&re, text, 0, NULL, 0))
		fail_msg("unexpected log:\n%s", text);
	regfree(&re);
	/* a long line is cut, still one line */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	eng_log(ENG_LOG_ERROR, "%s", big);
	text = slurp(path);
	assert_true(strlen(text) < 1300);
	assert_int_equal(text[strlen(text) - 1], '\n');
	/* logrotate: rename, reopen, new lines in a new file */
	snprintf(old, sizeof(old), "%s.1", path);
	assert_int_equal(rename(path, old), 0);
	assert_int_equal(eng_log_reopen(), 0);
	eng_log(ENG_LOG_ERROR, "after");
	assert_non_null(strstr(slurp(path), "error main: after\n"));
	assert_null(strstr(slurp(old), "after"));
	eng_log_close();
	assert_int_equal(eng_log_open("/nonexistent/dir/x.log", ENG_LOG_INFO),
			 -ENOENT);
	assert_int_equal(eng_log_level_from_name("warning"), ENG_LOG_WARN);
	assert_int_equal(eng_log_level_from_name("debug"), ENG_LOG_DEBUG);
	assert_int_equal(eng_log_level_from_name("loud"), -EINVAL);
	assert_string_equal(eng_log_level_name(ENG_LOG_INFO), "info");
}

/* Held in the buffer until free, the size or the one-second timer. */
static void alog_buffering(void **state)
{
	struct ev_loop *loop = t_loop(state);
	char path[PATH_MAX], name[32], *p;
	struct eng_alog_buf *b;
	struct eng_alog *a;
	uint64_t t0;
	int err = 0;

	snprintf(name, sizeof(name), "access-%d.log", *(int *)*state);
	tmp_path(path, name);
	unlink(path);
	a = eng_alog_open(path, &err);
	assert_non_null(a);
	b = eng_alog_buf_new(a, loop, 4096, &err);
	assert_non_null(b);
	assert_int_equal(eng_alog_write(b, "one\n", 4), 0);
	assert_int_equal(eng_alog_printf(b, "%s %d\n", "two", 2), 0);
	p = eng_alog_reserve(b, 100);
	assert_non_null(p);
	memcpy(p, "three\n", 6);
	eng_alog_commit(b, 6);
	assert_string_equal(slurp(path), "");
	/* the timer writes it out within a second */
	t0 = t_ms();
	while (!*slurp(path) && t_ms() - t0 < 3000)
		ev_run(loop, EV_RUN_ONCE);
	assert_string_equal(slurp(path), "one\ntwo 2\nthree\n");
	assert_true(t_ms() - t0 >= 900);
	assert_int_equal(ev_timer_count(loop), 0);	/* idle: no timer */
	/* too big for the buffer */
	assert_null(eng_alog_reserve(b, 4097));
	assert_int_equal(eng_alog_write(b, path, 5000), -E2BIG);
	/* full: the old lines go out to make room */
	for (err = 0; err < 200; err++)
		assert_int_equal(eng_alog_printf(b, "line %04d of a full "
						 "buffer\n", err), 0);
	assert_non_null(strstr(slurp(path), "line 0000 of"));
	assert_null(strstr(slurp(path), "line 0199 of"));
	eng_alog_buf_free(b);
	eng_alog_free(a);
	ev_loop_free(loop);
}

static void alog_reopen(void **state)
{
	struct ev_loop *loop = t_loop(state);
	char path[PATH_MAX], old[PATH_MAX + 4], name[32];
	struct eng_alog_buf *b;
	struct eng_alog *a;
	int err = 0;

	snprintf(name, sizeof(name), "reopen-%d.log", *(int *)*state);
	tmp_path(path, name);
	snprintf(old, sizeof(old), "%s.1", path);
	unlink(path);
	a = eng_alog_open(path, &err);
	b = eng_alog_buf_new(a, loop, 0, &err);
	assert_non_null(b);
	eng_alog_printf(b, "before\n");
	assert_int_equal(eng_alog_flush(b), 0);
	assert_int_equal(rename(path, old), 0);
	eng_alog_printf(b, "after\n");
	assert_int_equal(eng_alog_reopen(a), 0);
	eng_alog_buf_free(b);	/* flushes */
	assert_string_equal(slurp(old), "before\n");
	assert_string_equal(slurp(path), "after\n");
	eng_alog_free(a);
	assert_null(eng_alog_open("/nonexistent/dir/a.log", &err));
	assert_int_equal(err, -ENOENT);
	ev_loop_free(loop);
}

static void config_options(void **state)
{
	struct eng_config cfg;
	uint64_t ms;
	int i;

	(void)state;
	unsetenv("ZCIO_ENGINE");
	eng_config_init(&cfg);
	assert_int_equal(cfg.backend, EV_BACKEND_AUTO);
	assert_int_equal(cfg.shutdown_ms, 10000);
	assert_int_equal(cfg.backlog, 511);
	assert_int_equal(cfg.workers, 0);
	assert_int_equal(eng_config_set(&cfg, "engine", "epoll"), 0);
	assert_int_equal(cfg.backend, EV_BACKEND_EPOLL);
	assert_int_equal(eng_config_set(&cfg, "engine", "kqueue"), -EINVAL);
	assert_int_equal(eng_config_set(&cfg, "workers", "3"), 0);
	assert_int_equal(cfg.workers, 3);
	assert_int_equal(eng_config_set(&cfg, "workers", "0"), -EINVAL);
	assert_int_equal(eng_config_set(&cfg, "workers", "-1"), -EINVAL);
	assert_int_equal(eng_config_set(&cfg, "workers", "auto"), 0);
	assert_int_equal(cfg.workers, 0);
	assert_int_equal(eng_config_set(&cfg, "max-conns", "100"), 0);
	assert_int_equal(cfg.max_conns, 100);
	assert_int_equal(eng_config_set(&cfg, "max-conns", "x"), -EINVAL);
	assert_int_equal(eng_config_set(&cfg, "shutdown-timeout", "2s"), 0);
	assert_int_equal(cfg.shutdown_ms, 2000);
	assert_int_equal(eng_config_set(&cfg, "log-level", "debug"), 0);
	assert_int_equal(cfg.log_level, ENG_LOG_DEBUG);
	assert_int_equal(eng_config_set(&cfg, "access-log", "off"), 0);
	assert_null(cfg.access_log);
	assert_int_equal(eng_config_set(&cfg, "access-log-buffer", "128k"),
			 0);
	assert_int_equal(cfg.access_log_buffer, 128 * 1024);
	assert_int_equal(eng_config_set(&cfg, "access-log-buffer", "1"),
			 -EINVAL);
	assert_int_equal(eng_config_set(&cfg, "root", "/srv"), -ENOENT);
	for (i = 0; i < ENG_MAX_LISTEN; i++)
		assert_int_equal(eng_config_set(&cfg, "listen", ":80"), 0);
	assert_int_equal(eng_config_set(&cfg, "listen", ":80"), -E2BIG);
	/* every option in the table is known to eng_config_set */
	for (i = 0; eng_options[i].name; i++)
		assert_int_not_equal(eng_config_set(&cfg, eng_options[i].name,
						    "?"), -ENOENT);
	assert_int_equal(eng_parse_ms("10", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(eng_parse_ms("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(eng_parse_ms("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(eng_parse_ms("", &ms), -EINVAL);
	assert_int_equal(eng_parse_ms("5h", &ms), -EINVAL);
	assert_int_equal(eng_parse_ms("-5", &ms), -EINVAL);
	setenv("ZCIO_ENGINE", "epoll", 1);
	eng_config_init(&cfg);
	assert_int_equal(cfg.backend, EV_BACKEND_EPOLL);
	unsetenv("ZCIO_ENGINE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(error_log_lines),
		T_BOTH(alog_buffering),
		T_BOTH(alog_reopen),
		cmocka_unit_test(config_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
