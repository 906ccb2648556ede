/* SPDX-License-Identifier: MIT */
/*
 * src/cli/cmd_sink.c - `zcio sink`: the receiving end of demos and
 * benchmarks. Accepts connections one after the other, drains each to
 * /dev/null with zc_copy and prints what it cost.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

const char sink_usage[] =
"usage: zcio sink [--listen ADDR:PORT | --unix PATH] [OPTIONS]\n"
"\n"
"Accepts connections, one after the other, and drains each to /dev/null\n"
"with zc_copy (a socket into /dev/null takes the splice path). Prints one\n"
"line per connection on standard output: the path, bytes, seconds, rate\n"
"and system calls. Prints the address it listens on to stderr.\n"
"\n"
"Options:\n"
"  -l, --listen ADDR:PORT  TCP address; default 127.0.0.1:0 (a free port)\n"
"  -u, --unix PATH         listen on a new UNIX socket, removed at exit\n"
"  -c, --count N           connections to serve, 0 for no end; default 1\n"
"  -p, --port-file FILE    write the TCP port to FILE once listening\n"
"  -m, --method NAME       drain by this path only; default auto\n"
"  -h, --help              show this help\n";

struct sink_cfg {
	const struct cli_cmd *cmd;
	const char *listen, *unix_path, *port_file;
	unsigned long count;
	enum zc_path path;
};

/* The UNIX socket to remove when a signal ends the program. */
static const char *volatile sock_path;

static void on_signal(int sig)
{
	if (sock_path)
		unlink(sock_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -errno;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * Writes the port to a temporary file renamed over @file, so a script
 * polling for the file never reads half a number.
 */
static int write_port_file(const struct sink_cfg *c, int port)
{
	char tmp[PATH_MAX];
	FILE *f;
	int bad;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", c->port_file, (int)getpid());
	f = fopen(tmp, "we");
	if (!f) {
		cli_err(c->cmd, "cannot create '%s': %s", tmp, strerror(errno));
		return -1;
	}
	bad = fprintf(f, "%d\n", port) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, c->port_file) == -1) {
		cli_err(c->cmd, "cannot write '%s': %s", c->port_file,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * The socket file is ours from bind on: the signals that would end the
 * program wait (blocked) until the handler that removes it is in place.
 */
static int start_unix(const struct sink_cfg *c)
{
	sigset_t old;
	int fd;

	cli_block_signals(&old);
	fd = cli_listen_unix(c->cmd, c->unix_path);
	if (fd >= 0) {
		sock_path = c->unix_path;
		cli_catch_signals(on_signal);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return fd;
}

/* Opens the listening socket and says where it is; minus exit status. */
static int start(const struct sink_cfg *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char where[128];
	int fd;

	if (c->unix_path)
		return start_unix(c);
	fd = cli_listen_tcp(c->cmd, c->listen);
	if (fd < 0)
		return fd;
	if (c->port_file && write_port_file(c, bound_port(fd))) {
		close(fd);
		return -CLI_EXIT_FAIL;
	}
	getsockname(fd, (struct sockaddr *)&ss, &len);
	cli_err(c->cmd, "listening on %s",
		cli_addr_text(where, sizeof(where), (struct sockaddr *)&ss,
			      len));
	return fd;
}

/* Drains connection @nr to /dev/null; 0, or 1 after printing why not. */
static int drain(const struct sink_cfg *c, int conn, int devnull,
		 unsigned long nr, const char *peer)
{
	char label[192];
	struct cli_tally t;
	ssize_t n;

	snprintf(label, sizeof(label), "connection %lu from %s", nr, peer);
	cli_tally_init(&t);
	n = cli_pump(c->path, devnull, conn, NULL, ZC_EOF, &t);
	if (n < 0) {
		cli_xfer_err(c->cmd, c->path, (int)n, label, "/dev/null");
		return 1;
	}
	cli_tally_print(stdout, label, &t);
	return 0;
}

static int accept_one(const struct sink_cfg *c, int lfd, char *peer,
		      size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	do {
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	} while (fd == -1 && (errno == EINTR || errno == ECONNABORTED));
	if (fd == -1)
		cli_err(c->cmd, "accept: %s", strerror(errno));
	else
		cli_addr_text(peer, len, (struct sockaddr *)&ss, sl);
	return fd;
}

static int serve(const struct sink_cfg *c, int lfd)
{
	unsigned long nr;
	char peer[128];
	int devnull, conn, status = 0;

	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull == -1) {
		cli_err(c->cmd, "cannot open '/dev/null': %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	for (nr = 1; !c->count || nr <= c->count; nr++) {
		conn = accept_one(c, lfd, peer, sizeof(peer));
		if (conn == -1) {
			status = CLI_EXIT_FAIL;
			break;
		}
		if (drain(c, conn, devnull, nr, peer))
			status = CLI_EXIT_FAIL;
		close(conn);
	}
	close(devnull);
	return status;
}

static int parse_count(const struct sink_cfg *c, const char *s,
		       unsigned long *count)
{
	char *end;

	errno = 0;
	*count = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-')
		return cli_usage_err(c->cmd, "bad count '%s'", s);
	return 0;
}

/* Options into @c: CLI_RUN, or the exit status. */
static int parse(struct sink_cfg *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "unix", required_argument, NULL, 'u' },
		{ "count", required_argument, NULL, 'c' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "method", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	while ((opt = cli_getopt(c->cmd, argc, argv, "l:u:c:p:m:h",
				 opts)) != -1) {
		switch (opt) {
		case 'l':
			c->listen = optarg;
			break;
		case 'u':
			c->unix_path = optarg;
			break;
		case 'p':
			c->port_file = optarg;
			break;
		case 'c':
			if (parse_count(c, optarg, &c->count))
				return CLI_EXIT_USAGE;
			break;
		case 'm':
			if (cli_parse_method(c->cmd, optarg, &c->path))
				return CLI_EXIT_USAGE;
			break;
		default:
			return cli_opt_exit(opt);
		}
	}
	if (optind < argc)
		return cli_usage_err(c->cmd, "unexpected argument '%s'",
				     argv[optind]);
	if (c->unix_path && (c->listen || c->port_file))
		return cli_usage_err(c->cmd, "--unix excludes --listen and "
				     "--port-file");
	if (!c->listen)
		c->listen = "127.0.0.1:0";
	return CLI_RUN;
}

int cmd_sink(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct sink_cfg c = { .cmd = cmd, .count = 1 };
	int fd, status;

	status = parse(&c, argc, argv);
	if (status != CLI_RUN)
		return status;
	fd = start(&c);
	if (fd < 0)
		return -fd;
	status = serve(&c, fd);
	close(fd);
	if (c.unix_path)
		unlink(c.unix_path);
	return status;
}
