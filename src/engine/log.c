/* SPDX-License-Identifier: MIT */
/*
 * src/engine/log.c - the process-wide error log (see log.h).
 *
 * Every line is formatted in a stack buffer and written with one write(2)
 * to a fd opened O_APPEND, so lines of different threads never interleave
 * (a write to a regular file holds the file position lock for its whole
 * length; to a pipe, lines are under PIPE_BUF). Reopening replaces the file
 * behind the same fd number with dup2(), which is atomic, so writers need
 * no lock; only reopen itself is serialized.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/log.h"

/* A line: 1 KiB of message plus time, level and thread name. */
#define LOG_MSG_MAX 1024
#define LOG_LINE_MAX (LOG_MSG_MAX + 64)

static const char *const level_names[] = {
	[ENG_LOG_ERROR] = "error",
	[ENG_LOG_WARN] = "warn",
	[ENG_LOG_INFO] = "info",
	[ENG_LOG_DEBUG] = "debug",
};

static int log_fd = STDERR_FILENO;
static int log_level = ENG_LOG_INFO;
static char *log_path;		/* NULL: stderr */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread char thread_name[16] = "main";

const char *eng_log_level_name(enum eng_log_level level)
{
	if ((unsigned int)level > ENG_LOG_DEBUG)
		return NULL;
	return level_names[level];
}

int eng_log_level_from_name(const char *name)
{
	int i;

	for (i = ENG_LOG_ERROR; i <= ENG_LOG_DEBUG; i++)
		if (!strcmp(name, level_names[i]))
			return i;
	if (!strcmp(name, "warning"))
		return ENG_LOG_WARN;
	return -EINVAL;
}

static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	return fd == -1 ? -errno : fd;
}

static int is_stderr(const char *path)
{
	return !path || !*path || !strcmp(path, "-");
}

int eng_log_open(const char *path, enum eng_log_level level)
{
	char *copy = NULL;
	int fd = STDERR_FILENO;

	if ((unsigned int)level > ENG_LOG_DEBUG)
		return -EINVAL;
	if (!is_stderr(path)) {
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
		fd = open_log(path);
		if (fd < 0) {
			free(copy);
			return fd;
		}
	}
	pthread_mutex_lock(&log_lock);
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	free(log_path);
	log_fd = fd;
	log_path = copy;
	__atomic_store_n(&log_level, (int)level, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&log_lock);
	return 0;
}

int eng_log_reopen(void)
{
	int fd, ret = 0;

	pthread_mutex_lock(&log_lock);
	if (log_path) {
		fd = open_log(log_path);
		if (fd < 0)
			ret = fd;
		else if (dup2(fd, log_fd) == -1)
			ret = -errno;
		if (fd >= 0)
			close(fd);
	}
	pthread_mutex_unlock(&log_lock);
	return ret;
}

void eng_log_close(void)
{
	eng_log_open(NULL, (enum eng_log_level)
		     __atomic_load_n(&log_level, __ATOMIC_RELAXED));
}

int eng_log_enabled(enum eng_log_level level)
{
	return (int)level <= __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void eng_log_set_thread(const char *name)
{
	snprintf(thread_name, sizeof(thread_name), "%s", name);
}

/* "2025-01-02T03:04:05.678Z": UTC, so that lines of any host compare. */
static int stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	return snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			tm.tm_hour, tm.tm_min, tm.tm_sec,
			ts.tv_nsec / 1000000);
}

void eng_vlog(enum eng_log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int saved = errno, n, m;
	ssize_t w;

	if (!eng_log_enabled(level) || (unsigned int)level > ENG_LOG_DEBUG)
		return;
	n = stamp(line, sizeof(line));
	n += snprintf(line + n, sizeof(line) - n, " %s %s: ",
		      level_names[level], thread_name);
	m = vsnprintf(line + n, LOG_MSG_MAX, fmt, ap);
	if (m < 0)
		m = 0;
	n += m < LOG_MSG_MAX ? m : LOG_MSG_MAX - 1;
	line[n++] = '\n';
	w = write(__atomic_load_n(&log_fd, __ATOMIC_RELAXED), line, n);
	(void)w;	/* nowhere left to report a failing log */
	errno = saved;
}

void eng_log(enum eng_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eng_vlog(level, fmt, ap);
	va_end(ap);
}
