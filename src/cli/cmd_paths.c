/* SPDX-License-Identifier: MIT */
/*
 * src/cli/cmd_paths.c - `zcio paths`: which transfer paths this kernel
 * can run (probed by the library), what each is for, and the order in
 * which zc_copy tries them.
 */
#include <stdio.h>

#include "cli.h"

const char paths_usage[] =
"usage: zcio paths [--json]\n"
"\n"
"Lists every transfer path of libzcio with '+' when this kernel can run\n"
"it and '-' when it cannot (the library probes it once), what it is used\n"
"for, and the ladders the automatic choice climbs down.\n"
"\n"
"Options:\n"
"  --json      print a JSON array of {name, supported, use} instead\n"
"  -h, --help  show this help\n";

/* What each path is for; indexed by enum zc_path. */
static const char *const uses[ZC_PATH__COUNT] = {
	[ZC_PATH_COPY_FILE_RANGE] = "file -> file in the kernel (reflink or "
				    "in-kernel copy)",
	[ZC_PATH_SENDFILE] = "file -> socket, pipe or file, from the page "
			     "cache",
	[ZC_PATH_SPLICE] = "pipe <-> anything; socket -> socket via a pooled "
			   "pipe",
	[ZC_PATH_READWRITE] = "read/write via a user buffer: the CPU copies; "
			      "last resort",
	[ZC_PATH_URING_SPLICE] = "splice(2) submitted through io_uring",
	[ZC_PATH_URING_RW] = "io_uring read/write, registered buffer: the CPU "
			     "copies",
};

/* The order zc_copy tries paths in (DESIGN.md, STYLE.md section 6). */
static const char ladders[] =
"The automatic choice (zc_copy) tries, in order:\n"
"  file -> file      copy_file_range -> sendfile -> readwrite\n"
"  file -> socket    sendfile -> splice -> readwrite\n"
"  socket -> socket  splice -> readwrite\n"
"  pipe at one end   splice -> readwrite\n"
"A path the kernel refuses for a pair of descriptors is skipped; below a\n"
"small size readwrite is used on purpose (zero-copy setup costs more).\n";

static const char *use_of(int p)
{
	return p < ZC_PATH__COUNT && uses[p] ? uses[p] : "";
}

static void print_text(void)
{
	const char *name;
	int p;

	printf("Transfer paths on this kernel (+ supported, - not):\n");
	for (p = ZC_PATH_AUTO + 1; (name = zc_path_name((enum zc_path)p));
	     p++)
		printf("  %-16s %c  %s\n", name,
		       zc_path_supported((enum zc_path)p) > 0 ? '+' : '-',
		       use_of(p));
	printf("\n%s", ladders);
}

/* The names and uses are fixed ASCII text without quotes or escapes. */
static void print_json(void)
{
	const char *name;
	int p;

	printf("[");
	for (p = ZC_PATH_AUTO + 1; (name = zc_path_name((enum zc_path)p));
	     p++)
		printf("%s\n  {\"name\": \"%s\", \"supported\": %s, "
		       "\"use\": \"%s\"}", p > 1 ? "," : "", name,
		       zc_path_supported((enum zc_path)p) > 0 ? "true" :
								"false",
		       use_of(p));
	printf("\n]\n");
}

int cmd_paths(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt, json = 0;

	while ((opt = cli_getopt(cmd, argc, argv, "h", opts)) != -1) {
		if (opt != 'j')
			return cli_opt_exit(opt);
		json = 1;
	}
	if (optind < argc)
		return cli_usage_err(cmd, "unexpected argument '%s'",
				     argv[optind]);
	if (json)
		print_json();
	else
		print_text();
	return fflush(stdout) ? CLI_EXIT_FAIL : 0;
}
