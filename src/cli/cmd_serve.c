/* SPDX-License-Identifier: MIT */
/*
 * src/cli/cmd_serve.c - `zcio serve [DIR]`: parses the options through the
 * server's option table (src/http/serve.h) and runs the server. The
 * server itself is src/http/serve*.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opt_tab.h"
#include "http/serve.h"

const char serve_usage[] =
"usage: zcio serve [DIR] [OPTIONS]\n"
"\n"
"Serves the files under DIR over HTTP/1.1 (GET and HEAD, keep-alive,\n"
"pipelining, ranges, conditional requests), sending each file with\n"
"sendfile from an open-file cache, and small files from memory. Without\n"
"DIR it serves the built-in demo site (site/ next to the binary, made by\n"
"`make run`). Stops gracefully on SIGINT/SIGTERM; SIGHUP reopens the logs.\n"
"Times are seconds (\"5\", \"5s\") or milliseconds (\"250ms\").\n"
"\n"
"Options:\n"
"  -l, --listen ADDR:PORT    listen here; repeatable, [::1]:80 for IPv6,\n"
"                            port 0 for a free port; default 127.0.0.1:8080\n"
"  -p, --port PORT           the same as --listen 127.0.0.1:PORT\n"
"  -w, --workers N           worker threads (one event loop each, sharing\n"
"                            the port with SO_REUSEPORT); default: CPUs\n"
"  -e, --engine NAME         uring, epoll or auto (io_uring when it works)\n"
"      --max-conns N         connections, all workers; default 3/4 of\n"
"                            RLIMIT_NOFILE (raised to its hard limit)\n"
"      --backlog N           listen(2) backlog; 511\n"
"      --keepalive-timeout T close an idle keep-alive connection; 60s\n"
"      --header-timeout T    a request head must arrive in T, else 408; 10s\n"
"      --send-timeout T      close a client that takes no bytes for T; 60s\n"
"      --shutdown-timeout T  on SIGTERM, finish replies in flight for at\n"
"                            most T; 10s\n"
"      --max-header-bytes N  request line + fields, else 431; 16k\n"
"      --max-headers N       header fields, else 431; 100\n"
"      --max-uri N           request-target bytes, else 414; 8192\n"
"      --max-pipeline N      pipelined requests in flight; 32\n"
"  -a, --autoindex           list directories that have no index file\n"
"      --dotfiles deny|allow names starting with '.' (403); default deny\n"
"      --index NAME          the file served for a directory; index.html\n"
"      --access-log FILE|-|off  combined log format; default off\n"
"      --access-log-buffer N bytes buffered per worker; 64k\n"
"      --error-log FILE|-    error log; default - (stderr)\n"
"      --log-level LEVEL     error, warn, info or debug; default info\n"
"  -m, --metrics ADDR:PORT   Prometheus text at /metrics, own listener\n"
"      --port-file FILE      write each bound ADDR:PORT there, one a line\n"
"  -u, --user NAME           drop root privileges to NAME after binding\n"
"      --cache-entries N     open-file cache entries per worker; 4096\n"
"      --cache-valid-ms MS   recheck a cached file after MS ms; 1000\n"
"      --small-file-max N    files up to N bytes are sent from memory; 16k\n"
"      --loopback-sndbuf N   SO_SNDBUF for clients on this host (the kernel\n"
"                            doubles it); 0: autotuning; default 128k\n"
"  -q, --quiet               no startup banner\n"
"  -h, --help                show this help\n"
"\n"
"See zcio-serve(1) and docs/serve.md.\n";

static void build_opts(struct cli_opt_tab *t)
{
	const struct http_opt *o;
	unsigned int i;

	cli_opt_tab_init(t);
	for (i = 0; i < http_nr_opts; i++) {
		o = &http_opts[i];
		cli_opt_tab_add(t, o->name, o->arg != NULL, o->short_name);
	}
	cli_opt_tab_finish(t);
}

int cmd_serve(const struct cli_cmd *cmd, int argc, char **argv)
{
	static struct cli_opt_tab t;
	char why[160], root[PATH_MAX];
	struct http_cfg cfg;
	int c, row, ret;

	http_cfg_defaults(&cfg);
	build_opts(&t);
	while ((c = cli_getopt(cmd, argc, argv, t.so, t.lo)) != -1) {
		if (c == CLI_OPT_HELP || c == CLI_OPT_BAD)
			return cli_opt_exit(c);
		row = cli_opt_tab_row(&t, c);
		if (row < 0)
			return CLI_EXIT_USAGE;
		why[0] = '\0';
		ret = http_opt_apply(&cfg, t.names[row],
				     t.lo[row].has_arg ? optarg : NULL, why,
				     sizeof(why));
		if (ret && why[0])
			return cli_usage_err(cmd, "%s", why);
		if (ret)
			return cli_usage_err(cmd, "bad option --%s: %s",
					     t.names[row], strerror(-ret));
	}
	if (argc - optind > 1)
		return cli_usage_err(cmd, "one DIR at most");
	if (argc - optind == 1) {
		cfg.root = argv[optind];
	} else if (http_default_root(root, sizeof(root)) == 0) {
		cfg.root = root;
	} else {
		cli_err(cmd, "no DIR given and no demo site found; run "
			"'make run' once (it builds build/site) or name a "
			"directory");
		return CLI_EXIT_USAGE;
	}
	return http_serve_run(&cfg);
}
