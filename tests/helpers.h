/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers.h - setup helpers shared by the test programs (t_ prefix).
 * Each test program is standalone and uses cmocka for its assertions; these
 * helpers make the kernel objects the tests run on: files on disk and on
 * tmpfs, memfds, pipes, TCP and UNIX socket pairs, and reader and writer
 * threads on the far end. They abort the test (fail()) on setup errors.
 */
#ifndef ZC_TESTS_HELPERS_H
#define ZC_TESTS_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/types.h>
#include <cmocka.h>

/* The byte at stream position @i of pattern @seed: it does not repeat with
 * any power-of-two period below 1 MiB, so a misplaced block is caught. */
uint8_t t_pattern_byte(uint64_t i, unsigned int seed);
void t_fill(uint8_t *p, size_t len, uint64_t start, unsigned int seed);
/* Index of the first byte that differs from the pattern, or -1. */
ssize_t t_check(const uint8_t *p, size_t len, uint64_t start,
		unsigned int seed);

/* A fresh directory on disk (under $TMPDIR or /var/tmp) or on tmpfs
 * (/dev/shm), removed with everything in it at exit. */
const char *t_dir_disk(void);
const char *t_dir_tmpfs(void);

/* Creates @dir/@name holding @size pattern bytes; returns an O_RDWR fd at
 * position 0. @path, when not NULL, receives the full path (PATH_MAX). */
int t_file(const char *dir, const char *name, size_t size, unsigned int seed,
	   char *path);
/* An empty file opened with @flags (O_CREAT|O_TRUNC added). */
int t_file_empty(const char *dir, const char *name, int flags, char *path);
int t_memfd(size_t size, unsigned int seed);

/* fds[0] is the writing end, fds[1] the reading end, for all three. */
void t_pipe(int fds[2]);
void t_tcp_pair(int fds[2]);		/* loopback TCP: client, accepted */
void t_unix_pair(int fds[2]);		/* AF_UNIX SOCK_STREAM */
void t_set_nonblock(int fd, int on);
/* Shrinks a socket's send (or receive) buffer to about @bytes. */
void t_set_sndbuf(int fd, int bytes);
void t_set_rcvbuf(int fd, int bytes);

/* A thread that reads @fd until EOF (or @limit bytes) into memory, pausing
 * @delay_us between reads of @chunk bytes (0: 64 KiB): a slow reader. */
struct t_sink;
struct t_sink *t_sink_start(int fd, size_t chunk, unsigned int delay_us,
			    size_t limit);
/* Waits for the thread; returns the bytes read and hands over the buffer
 * (free() it). Does not close the fd. */
size_t t_sink_join(struct t_sink *s, uint8_t **data);

/* A thread that writes @len pattern bytes to @fd, then closes @fd when
 * @close_fd. */
struct t_source;
struct t_source *t_source_start(int fd, size_t len, unsigned int seed,
				int close_fd);
void t_source_join(struct t_source *s);

/* Reads the whole file at @fd from offset 0 with pread into a new buffer. */
size_t t_slurp(int fd, uint8_t **data);

/* Ignores SIGPIPE... never: tests must prove the library does not raise it.
 * This counts SIGPIPEs delivered instead, for the assertion. */
void t_count_sigpipe(void);
int t_sigpipes(void);

#endif
