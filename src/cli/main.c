/* SPDX-License-Identifier: MIT */
/*
 * src/cli/main.c - the zcio program: finds the command in the table and
 * runs it. Commands are added by adding a row; `zcio help` and the
 * overview are made from the table.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

extern const char copy_usage[], cat_usage[], paths_usage[], sink_usage[],
	serve_usage[], broker_usage[];
static int cmd_help(const struct cli_cmd *cmd, int argc, char **argv);

static const char help_usage[] =
"usage: zcio help [COMMAND]\n"
"\n"
"Shows the overview of zcio, or the options of COMMAND.\n";

static const struct cli_cmd cmds[] = {
	{ "copy", cmd_copy, "copy one file by the best path, keeping its mode",
	  copy_usage },
	{ "cat", cmd_cat, "write files to standard output by the best path",
	  cat_usage },
	{ "paths", cmd_paths, "list the transfer paths this kernel supports",
	  paths_usage },
	{ "sink", cmd_sink, "accept connections and drain them to /dev/null",
	  sink_usage },
	{ "bench", cmd_bench, "measure every path's cost here", bench_usage },
	{ "serve", cmd_serve, "serve a directory over HTTP/1.1 (sendfile)",
	  serve_usage },
	{ "broker", cmd_broker, "a Kafka-compatible log broker (sendfile)",
	  broker_usage },
	{ "help", cmd_help, "show help for zcio or for one command",
	  help_usage },
};

#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cli_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void overview(FILE *f)
{
	size_t i;

	fputs("usage: zcio COMMAND [OPTIONS] [ARGS]\n"
	      "       zcio help [COMMAND]\n"
	      "       zcio --version\n"
	      "\n"
	      "Moves bytes between files, pipes and sockets by the cheapest "
	      "kernel path\n"
	      "(copy_file_range, sendfile, splice, io_uring) and reports "
	      "what it cost.\n"
	      "\n"
	      "Commands:\n", f);
	for (i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %-7s %s\n", cmds[i].name, cmds[i].summary);
	fputs("\nRun 'zcio help COMMAND' for the options of a command; "
	      "see zcio(1).\n", f);
}

static int cmd_help(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const struct cli_cmd *c;
	int opt;

	opt = cli_getopt(cmd, argc, argv, "h", opts);
	if (opt != -1)
		return cli_opt_exit(opt);
	if (argc - optind > 1)
		return cli_usage_err(cmd, "too many arguments");
	if (argc == optind) {
		overview(stdout);
		return 0;
	}
	c = find_cmd(argv[optind]);
	if (!c)
		return cli_usage_err(NULL, "unknown command '%s'",
				     argv[optind]);
	fputs(c->usage, stdout);
	return 0;
}

/* `zcio --version`, `zcio --help`; anything else before a command. */
static int main_option(const char *opt)
{
	if (!strcmp(opt, "--version")) {
		printf("zcio %s (libzcio %s)\n", ZC_VERSION_STRING,
		       zc_version());
		return 0;
	}
	if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
		overview(stdout);
		return 0;
	}
	return cli_usage_err(NULL, "unrecognized option '%s'", opt);
}

int main(int argc, char **argv)
{
	const struct cli_cmd *cmd;

	if (argc < 2) {
		overview(stderr);
		return CLI_EXIT_USAGE;
	}
	if (argv[1][0] == '-' && argv[1][1])
		return main_option(argv[1]);
	cmd = find_cmd(argv[1]);
	if (!cmd)
		return cli_usage_err(NULL, "unknown command '%s'", argv[1]);
	/*
	 * A closed reader is an error value (EPIPE) for us, never a signal,
	 * so the library's per-call SIGPIPE guard is two wasted system
	 * calls per transfer (xfer.h, ZC_TUNE_SIGPIPE_GUARD).
	 */
	signal(SIGPIPE, SIG_IGN);
	zc_tune_set(ZC_TUNE_SIGPIPE_GUARD, 0);
	return cmd->run(cmd, argc - 1, argv + 1);
}
