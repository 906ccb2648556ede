/* SPDX-License-Identifier: MIT */
/*
 * src/cli/opt_tab.h - one getopt_long table built from option tables kept
 * elsewhere: the engine's (eng_options, shared by every server) and a
 * server's own (http_opts, kafka_opts). Every long row's val is its index
 * plus CLI_OPT_ROW, and short options map to the same rows, so a command
 * finds the option's name for whatever getopt_long returned.
 */
#ifndef ZC_CLI_OPT_TAB_H
#define ZC_CLI_OPT_TAB_H

#include <getopt.h>

#define CLI_OPT_ROWS 96
#define CLI_OPT_ROW 0x100

struct cli_opt_tab {
	struct option lo[CLI_OPT_ROWS];
	const char *names[CLI_OPT_ROWS];
	char shorts[CLI_OPT_ROWS];
	char so[64];
	unsigned int n;
};

/* Empties @t and adds the engine's options (-l, -w, -e as short ones). */
void cli_opt_tab_init(struct cli_opt_tab *t);

/* Adds --@name (with an argument when @has_arg), and -@short_name if set. */
void cli_opt_tab_add(struct cli_opt_tab *t, const char *name, int has_arg,
		     char short_name);

/* Ends the table with --help / -h. Call after the last add. */
void cli_opt_tab_finish(struct cli_opt_tab *t);

/* The row of what getopt_long returned, or -1. */
int cli_opt_tab_row(const struct cli_opt_tab *t, int c);

#endif
