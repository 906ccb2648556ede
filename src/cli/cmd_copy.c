/* SPDX-License-Identifier: MIT */
/*
 * src/cli/cmd_copy.c - `zcio copy SRC DST`: one file, like cp, by the
 * best path (or a forced one), in chunks so that a progress bar can follow
 * and an interrupt can stop it cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"

const char copy_usage[] =
"usage: zcio copy [OPTIONS] SRC DST\n"
"\n"
"Copies the file SRC to DST by the cheapest kernel path (copy_file_range\n"
"between files) and gives the copy SRC's permission bits. DST may be a\n"
"directory (the copy is DST/NAME) or '-' for standard output. The copy is\n"
"written to a temporary file next to DST and renamed over it at the end,\n"
"so DST is never left half written. An existing DST is kept unless -f.\n"
"\n"
"Options:\n"
"  -f, --force        replace an existing DST\n"
"  -m, --method NAME  use only this path (names: 'zcio paths'); default "
"auto\n"
"  -v, --verbose      print the path taken and its cost on stderr\n"
"      --progress     always show the progress bar on stderr\n"
"      --no-progress  never show it (default: on a terminal, >= 64 MiB)\n"
"      --sync         fsync the copy before it replaces DST\n"
"  -h, --help         show this help\n";

/*
 * Bytes per zc_copy call. Each call costs a few system calls, nothing next
 * to moving 8 MiB (about 2 ms at 4 GiB/s), and 8 MiB lets the progress bar
 * and an interrupt be seen several times a second even on slow disks.
 */
#define COPY_CHUNK (8u << 20)
/* Smaller files are done before a bar would be worth reading. */
#define PROGRESS_MIN (64ull << 20)

enum { PROGRESS_AUTO = -1, PROGRESS_OFF, PROGRESS_ON };

struct copy_cfg {
	const struct cli_cmd *cmd;
	enum zc_path path;
	int force, verbose, sync, progress;
	const char *src, *dst;
};

static int show_progress(const struct copy_cfg *c, const struct stat *st)
{
	if (c->progress != PROGRESS_AUTO)
		return c->progress;
	return isatty(STDERR_FILENO) && S_ISREG(st->st_mode) &&
	       (uint64_t)st->st_size >= PROGRESS_MIN;
}

/*
 * The copy loop. A regular file is read at an explicit offset, chunk by
 * chunk, until a chunk comes back short: the end of the file, also when
 * it grew or shrank meanwhile (cli_pump makes sure). Anything else is
 * read as a stream. Returns 0, -errno, or -EINTR when a signal asked to
 * stop.
 */
static int copy_data(const struct copy_cfg *c, int in, int out,
		     const struct stat *st, struct cli_tally *t)
{
	off_t off = 0, *offp = S_ISREG(st->st_mode) ? &off : NULL;
	struct cli_progress bar;
	ssize_t n;

	cli_progress_init(&bar, show_progress(c, st),
			  S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0);
	do {
		if (copy_interrupted()) {
			n = -EINTR;
			break;
		}
		n = cli_pump(c->path, out, in, offp, COPY_CHUNK, t);
		cli_progress_update(&bar, t->bytes);
	} while (n == COPY_CHUNK);
	cli_progress_clear(&bar);
	if (n >= 0 && copy_interrupted())
		n = -EINTR;
	return n < 0 ? (int)n : 0;
}

static void report(const struct copy_cfg *c, const struct copy_dst *d,
		   const struct cli_tally *t)
{
	char label[2 * PATH_MAX + 32];

	snprintf(label, sizeof(label), "zcio copy: '%s' -> %s", c->src,
		 d->name);
	cli_tally_print(stderr, label, t);
}

/* A failed copy: nothing stays behind; returns the exit status. */
static int fail(const struct copy_cfg *c, struct copy_dst *d, int err)
{
	char src[PATH_MAX + 2];

	copy_dst_abort(d);
	if (err == -EINTR)
		return copy_die(copy_interrupted());
	/* A reader of standard output that left is not worth a message
	 * (see zcio cat). */
	if (err == -EPIPE && !strcmp(c->dst, "-"))
		return CLI_EXIT_FAIL;
	snprintf(src, sizeof(src), "'%s'", c->src);
	cli_xfer_err(c->cmd, c->path, err, src, d->name);
	return CLI_EXIT_FAIL;
}

/* Copies the open source @in (@st) to @d; returns the exit status. */
static int copy_to(const struct copy_cfg *c, int in, const struct stat *st,
		   struct copy_dst *d)
{
	struct cli_tally t;
	int ret, err;

	if (!d->in_place)
		copy_guard_signals(d);
	ret = copy_dst_open(c->cmd, d, st);
	if (ret)
		return ret;
	cli_tally_init(&t);
	err = copy_data(c, in, d->fd, st, &t);
	if (err)
		return fail(c, d, err);
	ret = copy_dst_commit(c->cmd, d, c->force, c->sync);
	if (!ret && c->verbose)
		report(c, d, &t);
	return ret;
}

static int open_src(const struct copy_cfg *c, struct stat *st)
{
	int fd = open(c->src, O_RDONLY | O_CLOEXEC);

	if (fd == -1) {
		cli_err(c->cmd, "cannot open '%s': %s", c->src,
			strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1 || S_ISDIR(st->st_mode)) {
		if (S_ISDIR(st->st_mode))
			errno = EISDIR;
		cli_err(c->cmd, "cannot copy '%s': %s", c->src,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int copy_run(const struct copy_cfg *c)
{
	struct copy_dst d;
	struct stat st;
	int in, ret;

	in = open_src(c, &st);
	if (in == -1)
		return CLI_EXIT_FAIL;
	ret = copy_dst_resolve(c->cmd, &d, c->src, &st, c->dst, c->force);
	if (!ret)
		ret = copy_to(c, in, &st, &d);
	close(in);
	return ret;
}

/* Options and operands into @c: CLI_RUN, or the exit status. */
static int parse(struct copy_cfg *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "method", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "progress", no_argument, NULL, 'P' },
		{ "no-progress", no_argument, NULL, 'N' },
		{ "sync", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	while ((opt = cli_getopt(c->cmd, argc, argv, "fm:vh", opts)) != -1) {
		switch (opt) {
		case 'f':
			c->force = 1;
			break;
		case 'm':
			if (cli_parse_method(c->cmd, optarg, &c->path))
				return CLI_EXIT_USAGE;
			break;
		case 'v':
			c->verbose = 1;
			break;
		case 'P':
			c->progress = PROGRESS_ON;
			break;
		case 'N':
			c->progress = PROGRESS_OFF;
			break;
		case 'S':
			c->sync = 1;
			break;
		default:
			return cli_opt_exit(opt);
		}
	}
	if (argc - optind < 2)
		return cli_usage_err(c->cmd, argc == optind ?
				     "missing file operand" :
				     "missing destination file operand");
	if (argc - optind > 2)
		return cli_usage_err(c->cmd, "extra operand '%s'",
				     argv[optind + 2]);
	c->src = argv[optind];
	c->dst = argv[optind + 1];
	return CLI_RUN;
}

int cmd_copy(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct copy_cfg c = {
		.cmd = cmd,
		.path = ZC_PATH_AUTO,
		.progress = PROGRESS_AUTO,
	};
	int ret;

	ret = parse(&c, argc, argv);
	if (ret != CLI_RUN)
		return ret;
	return copy_run(&c);
}
