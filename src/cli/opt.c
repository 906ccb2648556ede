/* SPDX-License-Identifier: MIT */
/*
 * src/cli/opt.c - option parsing shared by the commands: getopt_long with
 * one-line messages in the program's format, --help, and --method.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* A long option is reported by its text; argv[optind - 1] holds it. */
static const char *long_text(int argc, char **argv)
{
	if (optind > 0 && optind <= argc &&
	    !strncmp(argv[optind - 1], "--", 2))
		return argv[optind - 1];
	return NULL;
}

/* getopt_long returned '?': an unknown option or a stray argument. */
static void bad_option(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *opt = long_text(argc, argv);

	if (opt && optopt)
		cli_usage_err(cmd, "option '%.*s' doesn't allow an argument",
			      (int)strcspn(opt, "="), opt);
	else if (opt)
		cli_usage_err(cmd, "unrecognized option '%s'", opt);
	else
		cli_usage_err(cmd, "invalid option -- '%c'", optopt);
}

/* getopt_long returned ':': an option without its argument. */
static void missing_arg(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *opt = long_text(argc, argv);

	if (opt)
		cli_usage_err(cmd, "option '%s' requires an argument", opt);
	else
		cli_usage_err(cmd, "option requires an argument -- '%c'",
			      optopt);
}

int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts)
{
	char opts[128];
	int c;

	/* ':' first: a missing argument is told apart from a bad option. */
	snprintf(opts, sizeof(opts), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	switch (c) {
	case 'h':
		fputs(cmd->usage, stdout);
		return CLI_OPT_HELP;
	case '?':
		bad_option(cmd, argc, argv);
		return CLI_OPT_BAD;
	case ':':
		missing_arg(cmd, argc, argv);
		return CLI_OPT_BAD;
	}
	return c;
}

/* The exit status for what cli_getopt returned: 0 after --help. */
int cli_opt_exit(int opt)
{
	return opt == CLI_OPT_HELP ? 0 : CLI_EXIT_USAGE;
}

int cli_parse_method(const struct cli_cmd *cmd, const char *name,
		     enum zc_path *path)
{
	char names[256] = "";
	const char *n;
	int p;

	p = zc_path_from_name(name);
	if (p >= 0) {
		*path = (enum zc_path)p;
		return 0;
	}
	for (p = 0; (n = zc_path_name((enum zc_path)p)); p++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
			 "%s%s", p ? ", " : "", n);
	cli_usage_err(cmd, "unknown path '%s'; valid: %s", name, names);
	return -EINVAL;
}
