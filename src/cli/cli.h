/* SPDX-License-Identifier: MIT */
/*
 * src/cli/cli.h - what the files of the zcio program share: the command
 * table, messages, option parsing, human-readable numbers, the transfer
 * tally and the progress bar. The program uses only the public API
 * (include/), never lib/.
 */
#ifndef ZC_CLI_H
#define ZC_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <zcio.h>

/* Exit statuses: 1 for a failure at run time, 2 for a usage mistake. */
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/*
 * One command: `zcio NAME ...`. @run gets argv with argv[0] == NAME and
 * returns the exit status. @usage is the whole text of `zcio help NAME`.
 */
struct cli_cmd {
	const char *name;
	int (*run)(const struct cli_cmd *cmd, int argc, char **argv);
	const char *summary;
	const char *usage;
};

int cmd_copy(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_cat(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_paths(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_sink(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_bench(const struct cli_cmd *cmd, int argc, char **argv);
extern const char bench_usage[];	/* src/bench/cmd_bench.c */
int cmd_serve(const struct cli_cmd *cmd, int argc, char **argv);
int cmd_broker(const struct cli_cmd *cmd, int argc, char **argv);
/* `zcio broker topics ...`, @argv[0] "topics" (cmd_broker_topics.c). */
int cmd_broker_topics(int argc, char **argv);

/* Messages to stderr, one line each: "zcio NAME: ...". */
void cli_err(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A usage mistake: the message plus "(see 'zcio help NAME')". */
int cli_usage_err(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A transfer from @src to @dst that failed with @err (negative errno);
 * the names are printed as given, so callers quote file names.
 */
void cli_xfer_err(const struct cli_cmd *cmd, enum zc_path path, int err,
		  const char *src, const char *dst);

/*
 * getopt_long for @cmd with our messages. Every command's option table
 * has {"help", no_argument, NULL, 'h'}. Returns the option as getopt_long
 * does and -1 after the last one; for --help (after printing the usage)
 * and for a bad option (after printing one line) it returns CLI_OPT_HELP
 * or CLI_OPT_BAD, which cli_opt_exit() turns into the exit status.
 */
#define CLI_OPT_HELP 0x10000
#define CLI_OPT_BAD 0x10001
/*
 * What a command's parser returns when the command should run; anything
 * else is the exit status to end with (0 after --help).
 */
#define CLI_RUN (-1)
int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts);
int cli_opt_exit(int opt);

/*
 * Parses a path name for --method into @path: 0, or -EINVAL after printing
 * a usage error that lists the valid names.
 */
int cli_parse_method(const struct cli_cmd *cmd, const char *name,
		     enum zc_path *path);

/* Human-readable numbers into @buf: "123.4 MiB", "1.23 GiB/s", "1:04". */
#define CLI_HUMAN_LEN 32
const char *cli_size(char *buf, uint64_t bytes);
const char *cli_rate(char *buf, double bytes_per_sec);
const char *cli_duration(char *buf, double secs);
/* Monotonic seconds. */
double cli_now(void);

/*
 * The sum of the ledgers of several calls (a copy in chunks, a connection,
 * one file of cat): which paths moved bytes, and the totals.
 */
struct cli_tally {
	uint32_t paths;		/* bit (1 << enum zc_path) per path used */
	uint64_t bytes;
	uint64_t syscalls;
	uint64_t user_copied;
	uint64_t refused;
	uint32_t small;		/* calls the small-size rule decided */
	double start;		/* cli_now() at cli_tally_init */
};

void cli_tally_init(struct cli_tally *t);
void cli_tally_add(struct cli_tally *t, const struct zc_ledger *l);
/* One line: "LABEL: path sendfile, 1.0 GiB (N bytes) in 0.5 s, ...". */
void cli_tally_print(FILE *f, const char *label, const struct cli_tally *t);

/*
 * Moves up to @len bytes (ZC_EOF: to the end) from @in to @out by @path,
 * as zc_copy_path does, but waits in poll() whenever a non-blocking end
 * would block, so callers see blocking semantics. Adds every call's
 * ledger to @t. Returns the bytes moved, fewer than @len only at the end
 * of input, or -errno on an error (what moved before it is in @t, and in
 * *@in_off). Blocks.
 */
ssize_t cli_pump(enum zc_path path, int out, int in, off_t *in_off,
		 size_t len, struct cli_tally *t);

/*
 * Calls @fn on SIGINT, SIGTERM and SIGHUP, except for those the program
 * was started with ignored. SA_RESTART: the library retries EINTR anyway,
 * so commands look at what @fn recorded between transfers.
 */
void cli_catch_signals(void (*fn)(int));

/*
 * Blocks the signals cli_catch_signals catches and stores the mask before
 * in *@old; sigprocmask(SIG_SETMASK, old, NULL) lets them in again. For a
 * command that must install its handler before a signal may end it.
 */
void cli_block_signals(sigset_t *old);

/*
 * Listening sockets for @cmd, on "ADDR:PORT" ("127.0.0.1:0", "[::1]:80",
 * ":8080" for every address) or on a UNIX socket path, which must not
 * exist. Return the fd, or minus the exit status after printing why.
 */
int cli_listen_tcp(const struct cli_cmd *cmd, const char *spec);
int cli_listen_unix(const struct cli_cmd *cmd, const char *path);
/* "127.0.0.1:80", "[::1]:80", a UNIX socket's path or "unix". */
const char *cli_addr_text(char *buf, size_t len, const struct sockaddr *sa,
			  socklen_t salen);

/*
 * The progress bar on stderr: "  1.2 GiB / 4.0 GiB  30%  1.23 GiB/s
 * ETA 0:02", redrawn with '\r' at most 10 times a second. A @total of 0
 * means unknown (no percentage, no ETA).
 */
struct cli_progress {
	int on;
	uint64_t total;
	double start, last_draw;
	int width;		/* of the last line drawn, to clear it */
};

void cli_progress_init(struct cli_progress *p, int on, uint64_t total);
void cli_progress_update(struct cli_progress *p, uint64_t done);
void cli_progress_clear(struct cli_progress *p);

#endif
