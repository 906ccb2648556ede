/* SPDX-License-Identifier: MIT */
/*
 * src/cli/copy.h - the destination side of `zcio copy`: where the bytes
 * go, the temporary file they are written to, and the rename that makes
 * the copy appear whole or not at all.
 */
#ifndef ZC_CLI_COPY_H
#define ZC_CLI_COPY_H

#include <limits.h>
#include <sys/stat.h>

#include "cli.h"

struct copy_dst {
	char path[PATH_MAX];	/* the file that receives the copy */
	char tmp[PATH_MAX];	/* the temporary file; "" when in place */
	char name[PATH_MAX + 2];	/* @path quoted, for messages */
	int fd;
	int in_place;		/* standard output, a device or a FIFO:
				 * written directly, never replaced */
	int exists;
};

/*
 * Decides where the copy of @src (fstat'ed in @st) goes: @dst itself,
 * @dst/basename(@src) when @dst is a directory, standard output for "-".
 * Refuses the source itself, a directory, and an existing file unless
 * @force. Returns 0, or the exit status after printing why.
 */
int copy_dst_resolve(const struct cli_cmd *cmd, struct copy_dst *d,
		     const char *src, const struct stat *st, const char *dst,
		     int force);

/*
 * Opens the destination: a new temporary file next to it, with the
 * permissions of the source (@st), or the destination itself when it is
 * written in place. Returns 0, or the exit status after printing why.
 */
int copy_dst_open(const struct cli_cmd *cmd, struct copy_dst *d,
		  const struct stat *st);

/*
 * Finishes: fsync when @sync, close, and rename the temporary file over
 * the destination (refusing to replace a file that appeared meanwhile
 * unless @force). On failure the temporary file is removed. Returns 0, or
 * the exit status after printing why.
 */
int copy_dst_commit(const struct cli_cmd *cmd, struct copy_dst *d,
		    int force, int sync);

/* Closes and removes the temporary file. */
void copy_dst_abort(struct copy_dst *d);

/*
 * SIGINT, SIGTERM and SIGHUP during a copy into @d's temporary file: the
 * first one is remembered for copy_interrupted(), which the copy loop
 * checks between chunks; a second one removes the file and ends the
 * program at once (a chunk may wait on a FIFO forever).
 */
void copy_guard_signals(const struct copy_dst *d);
/* The signal that asked the copy to stop, or 0. */
int copy_interrupted(void);
/*
 * Ends the program by @sig with its default action, after the cleanup;
 * returns 128 + @sig only if the signal does not end it.
 */
int copy_die(int sig);

#endif
