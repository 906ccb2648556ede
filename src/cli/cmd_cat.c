/* SPDX-License-Identifier: MIT */
/*
 * src/cli/cmd_cat.c - `zcio cat`: files to standard output by the best
 * path for whatever standard output is (terminal, pipe, file, socket).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char cat_usage[] =
"usage: zcio cat [OPTIONS] [FILE]...\n"
"\n"
"Writes each FILE to standard output, in order, by the cheapest kernel\n"
"path for what standard output is: copy_file_range or sendfile into a\n"
"file, sendfile into a socket, splice into a pipe. With no FILE, or when\n"
"FILE is '-', reads standard input. A missing FILE is reported and the\n"
"others are still written. A reader that goes away ends zcio quietly.\n"
"\n"
"Options:\n"
"  -m, --method NAME  use only this path (names: 'zcio paths'); default "
"auto\n"
"  -v, --verbose      print the path and the cost of each FILE on stderr\n"
"  -h, --help         show this help\n";

struct cat_cfg {
	const struct cli_cmd *cmd;
	enum zc_path path;
	int verbose;
	int out_known;		/* @out holds fstat(STDOUT_FILENO) */
	struct stat out;
};

/*
 * Refuses a directory, and the file standard output writes into when the
 * input has not been read to its end yet: `zcio cat f >> f` would chase
 * its own output forever (coreutils cat's "input file is output file").
 */
static int check_input(const struct cat_cfg *c, int fd, const char *name)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		cli_err(c->cmd, "cannot stat '%s': %s", name, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		cli_err(c->cmd, "'%s' is a directory", name);
		return -1;
	}
	if (c->out_known && S_ISREG(c->out.st_mode) && S_ISREG(st.st_mode) &&
	    st.st_dev == c->out.st_dev && st.st_ino == c->out.st_ino &&
	    lseek(fd, 0, SEEK_CUR) < st.st_size) {
		cli_err(c->cmd, "'%s': input file is output file", name);
		return -1;
	}
	return 0;
}

/* 0 when written, 1 on an error, -EPIPE when the reader has gone. */
static int cat_fd(const struct cat_cfg *c, int fd, const char *name)
{
	char src[PATH_MAX + 8], label[PATH_MAX + 32];
	struct cli_tally t;
	ssize_t n;

	if (check_input(c, fd, name))
		return 1;
	cli_tally_init(&t);
	n = cli_pump(c->path, STDOUT_FILENO, fd, NULL, ZC_EOF, &t);
	/* Like cat with SIGPIPE ignored, without the message. */
	if (n == -EPIPE)
		return -EPIPE;
	snprintf(src, sizeof(src), "'%s'", name);
	if (n < 0) {
		cli_xfer_err(c->cmd, c->path, (int)n, src, "standard output");
		return 1;
	}
	if (c->verbose) {
		snprintf(label, sizeof(label), "zcio cat: %s", src);
		cli_tally_print(stderr, label, &t);
	}
	return 0;
}

static int cat_one(const struct cat_cfg *c, const char *name)
{
	int fd, ret;

	if (!strcmp(name, "-"))
		return cat_fd(c, STDIN_FILENO, "-");
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		cli_err(c->cmd, "cannot open '%s': %s", name, strerror(errno));
		return 1;
	}
	ret = cat_fd(c, fd, name);
	close(fd);
	return ret;
}

int cmd_cat(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "method", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct cat_cfg c = { .cmd = cmd, .path = ZC_PATH_AUTO };
	int opt, i, ret, status = 0;

	while ((opt = cli_getopt(cmd, argc, argv, "m:vh", opts)) != -1) {
		switch (opt) {
		case 'v':
			c.verbose = 1;
			break;
		case 'm':
			if (cli_parse_method(cmd, optarg, &c.path))
				return CLI_EXIT_USAGE;
			break;
		default:
			return cli_opt_exit(opt);
		}
	}
	c.out_known = !fstat(STDOUT_FILENO, &c.out);
	if (optind == argc)
		return cat_one(&c, "-") ? CLI_EXIT_FAIL : 0;
	for (i = optind; i < argc; i++) {
		ret = cat_one(&c, argv[i]);
		if (ret < 0)
			return CLI_EXIT_FAIL;
		if (ret)
			status = CLI_EXIT_FAIL;
	}
	return status;
}
