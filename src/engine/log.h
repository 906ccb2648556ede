/* SPDX-License-Identifier: MIT */
/*
 * src/engine/log.h - the error log and the access-log sink.
 *
 * The error log is process-wide: lines with a time, a level and the
 * thread ("main", "w0", "w1"...), written with one write(2) each to stderr
 * or to a file opened O_APPEND, so that lines of different threads never
 * mix. Reopening (SIGHUP, after logrotate renamed the file) opens the path
 * again and dup2()s the new file over the old fd, so a thread writing at
 * that moment writes whole lines to one file or the other.
 *
 *	2025-01-02T03:04:05.678Z error w1: accept4 fd 7: Too many open files
 *
 * The access log is a file shared by the workers (struct eng_alog), each
 * of which fills its own buffer (struct eng_alog_buf) and writes it out in
 * whole lines when full, at least every second, and when it is freed. The
 * line format is the protocol's; the sink only moves bytes.
 */
#ifndef ZC_ENGINE_LOG_H
#define ZC_ENGINE_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct ev_loop;

enum eng_log_level {
	ENG_LOG_ERROR = 0,
	ENG_LOG_WARN,
	ENG_LOG_INFO,
	ENG_LOG_DEBUG,
};

/* "error", "warn", "info", "debug"; NULL for a bad value. */
const char *eng_log_level_name(enum eng_log_level level);

/* The level named @name ("warning" too), or -EINVAL. */
int eng_log_level_from_name(const char *name);

/*
 * Sends the error log to @path (NULL, "" or "-": stderr) from now on, at
 * @level and above. Returns 0, or -errno of open(2) (the log is unchanged
 * then). Call it before threads start; until then lines go to stderr at
 * ENG_LOG_INFO.
 */
int eng_log_open(const char *path, enum eng_log_level level);

/* Opens the path of the log again (SIGHUP). Thread-safe. 0 or -errno. */
int eng_log_reopen(void);

/* Back to stderr; closes the file. */
void eng_log_close(void);

/* Whether a line at @level would be written. */
int eng_log_enabled(enum eng_log_level level);

/*
 * The name of this thread in log lines, at most 15 bytes: the engine sets
 * "w0", "w1"... in its workers. Default "main".
 */
void eng_log_set_thread(const char *name);

/*
 * Writes one line (a newline is added). Thread-safe; blocks only as
 * write(2) to the log file does. Lines longer than 1 KiB are cut.
 */
void eng_log(enum eng_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void eng_vlog(enum eng_log_level level, const char *fmt, va_list ap);

/* A system call that failed: "what fd N: strerror(-err)". */
#define eng_log_sys(level, what, fd, err)				\
	eng_log(level, "%s fd %d: %s", what, fd, strerror(-(err)))

struct eng_alog;
struct eng_alog_buf;

/*
 * Opens the access log @path for appending ("-": standard output, which
 * is never reopened). NULL with *@err = -errno of open(2).
 */
struct eng_alog *eng_alog_open(const char *path, int *err);

/*
 * Opens the path again and puts the new file in place of the old one
 * (dup2): buffers written after this go to the new file. Thread-safe.
 */
int eng_alog_reopen(struct eng_alog *a);

/* Closes the file; every buffer on it must be freed first. */
void eng_alog_free(struct eng_alog *a);

/*
 * A buffer of @size bytes (0: 64 KiB) on @a, for one thread, flushed by a
 * timer on @loop at least once a second while it holds data. NULL with
 * *@err.
 */
struct eng_alog_buf *eng_alog_buf_new(struct eng_alog *a,
				      struct ev_loop *loop, size_t size,
				      int *err);

/* Flushes, stops the timer and frees @b. Call it on @b's loop thread. */
void eng_alog_buf_free(struct eng_alog_buf *b);

/*
 * Room for up to @n bytes to format a line into, in place; finish with
 * eng_alog_commit. NULL when @n is larger than the buffer. May flush
 * (a blocking write(2)) to make room.
 */
char *eng_alog_reserve(struct eng_alog_buf *b, size_t n);

/* Adds the first @n bytes written at the reserved place. */
void eng_alog_commit(struct eng_alog_buf *b, size_t n);

/* Appends @len bytes (whole lines, with their '\n'). Copies. 0 or -E2BIG. */
int eng_alog_write(struct eng_alog_buf *b, const void *line, size_t len);

/* Appends a formatted line (no newline added). 0 or -E2BIG. */
int eng_alog_printf(struct eng_alog_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes out what is buffered. 0 or -errno of write(2) (data dropped). */
int eng_alog_flush(struct eng_alog_buf *b);

#endif
