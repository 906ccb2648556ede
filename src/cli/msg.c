/* SPDX-License-Identifier: MIT */
/*
 * src/cli/msg.c - the program's messages: one line on stderr each, named
 * after the command, so a script's log says which step failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/*
 * Formats "zcio NAME: MESSAGE[SUFFIX]\n" and writes it with one write(2):
 * stderr is unbuffered, and a line built by several writes could be cut
 * by the output of another process sharing the terminal.
 */
static void vmsg(const struct cli_cmd *cmd, const char *suffix,
		 const char *fmt, va_list ap)
{
	char text[768], line[1024];
	int n;

	vsnprintf(text, sizeof(text), fmt, ap);
	n = snprintf(line, sizeof(line), "zcio%s%s: %s%s\n", cmd ? " " : "",
		     cmd ? cmd->name : "", text, suffix);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void cli_err(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(cmd, "", fmt, ap);
	va_end(ap);
}

/* Prints a usage mistake with a pointer to the help; returns exit 2. */
int cli_usage_err(const struct cli_cmd *cmd, const char *fmt, ...)
{
	char suffix[64];
	va_list ap;

	snprintf(suffix, sizeof(suffix), " (see 'zcio help%s%s')",
		 cmd ? " " : "", cmd ? cmd->name : "");
	va_start(ap, fmt);
	vmsg(cmd, suffix, fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

/*
 * A failed transfer from @src to @dst by @path: a forced path that cannot
 * do this pair (-ENOTSUP, xfer.h) is said plainly; anything else is the
 * errno text.
 */
void cli_xfer_err(const struct cli_cmd *cmd, enum zc_path path, int err,
		  const char *src, const char *dst)
{
	if (err == -ENOTSUP && path != ZC_PATH_AUTO)
		cli_err(cmd, "path '%s' cannot copy this pair here (%s to %s)",
			zc_path_name(path), src, dst);
	else
		cli_err(cmd, "cannot copy %s to %s: %s", src, dst,
			strerror(-err));
}
