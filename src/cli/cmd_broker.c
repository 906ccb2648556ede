/* SPDX-License-Identifier: MIT */
/*
 * src/cli/cmd_broker.c - `zcio broker`: parses the options through the
 * broker's option table (src/kafka/broker.h) and runs the broker. The
 * broker itself is src/kafka/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt_tab.h"
#include "kafka/broker.h"

const char broker_usage[] =
"usage: zcio broker [OPTIONS]\n"
"       zcio broker topics [OPTIONS] list|create|delete [NAME...]\n"
"\n"
"A single-node broker that speaks the Kafka wire protocol (produce, fetch,\n"
"offsets, metadata, consumer groups and committed offsets, idempotent\n"
"producers, CreateTopics/DeleteTopics), so that Kafka clients (kcat,\n"
"librdkafka, kafka-python) work unchanged. Record batches are stored as\n"
"the producer sent them, in segment files under DIR/TOPIC-PARTITION/, and\n"
"fetched from the page cache to the socket with sendfile: no record byte\n"
"passes through user space. Stops gracefully on SIGINT/SIGTERM.\n"
"Sizes take k, m, g; times are milliseconds or \"5s\", \"250ms\".\n"
"\n"
"Options:\n"
"  -l, --listen ADDR:PORT    listen here; repeatable; default 127.0.0.1:9092\n"
"  -p, --port PORT           the same as --listen 127.0.0.1:PORT\n"
"  -d, --data DIR            the log directory; default ./zcio-data\n"
"      --advertise HOST:PORT the address Metadata gives clients; default\n"
"                            the listen address (127.0.0.1 for 0.0.0.0)\n"
"      --partitions N        partitions of auto-created topics; 4\n"
"      --auto-create on|off  create topics on Metadata and Produce; on\n"
"      --flush always|interval MS|never\n"
"                            fdatasync before each produce answer, every\n"
"                            MS, or never (the kernel writes back); never\n"
"      --retention-bytes N   delete old segments beyond N bytes per\n"
"                            partition; -1 (no limit)\n"
"      --retention-ms MS     delete segments older than MS; 7 days; -1 off\n"
"      --segment-bytes N     roll a segment at N bytes; 1g\n"
"      --segment-ms MS       roll a segment after MS; 7 days\n"
"      --max-request-bytes N largest request frame; 100m\n"
"      --max-message-bytes N largest record batch; 1048588\n"
"      --idle-timeout T      close an idle connection; 10 min\n"
"      --retention-check T   how often retention runs; 60s\n"
"      --fetch-copy          fetch with read+write instead of sendfile\n"
"                            (for the benchmark: what zero copy saves)\n"
"      --group-initial-delay MS  a new group waits MS for more members\n"
"                            before its first rebalance completes; 3000\n"
"      --group-min-session MS, --group-max-session MS\n"
"                            the session timeouts JoinGroup accepts;\n"
"                            6000 and 1800000\n"
"  -m, --metrics ADDR:PORT   Prometheus text at /metrics, own listener\n"
"      --port-file FILE      write each bound ADDR:PORT there, one a line\n"
"  -w, --workers N           worker threads; default 1 (see zcio-broker(1))\n"
"  -e, --engine NAME         uring, epoll or auto (io_uring when it works)\n"
"      --max-conns N         connections, all workers\n"
"      --shutdown-timeout T  on SIGTERM, finish answers in flight; 10s\n"
"      --backlog N           listen(2) backlog; 511\n"
"      --error-log FILE|-    error log; default - (stderr)\n"
"      --log-level LEVEL     error, warn, info or debug; default info\n"
"  -q, --quiet               no startup banner\n"
"  -h, --help                show this help\n"
"\n"
"Topics of a running broker: zcio broker topics list|create|delete\n"
"(zcio broker topics --help, zcio-broker-topics(1)).\n"
"\n"
"See zcio-broker(1) and docs/kafka.md.\n";

static void build_opts(struct cli_opt_tab *t)
{
	const struct kafka_opt *o;
	unsigned int i;

	cli_opt_tab_init(t);
	for (i = 0; i < kafka_nr_opts; i++) {
		o = &kafka_opts[i];
		cli_opt_tab_add(t, o->name, o->arg != NULL, o->short_name);
	}
	cli_opt_tab_finish(t);
}

/*
 * `--flush interval 200`: the interval is the next word when it is a
 * number (getopt_long gives an option one argument).
 */
static const char *flush_arg(int argc, char **argv, const char *val,
			     char *buf, size_t len)
{
	const char *next = optind < argc ? argv[optind] : NULL;

	if (!kafka_flush_wants_ms(val) || !next || !*next ||
	    strspn(next, "0123456789msh") != strlen(next) ||
	    !strchr("0123456789", next[0]))
		return val;
	optind++;
	snprintf(buf, len, "%s %s", val, next);
	return buf;
}

int cmd_broker(const struct cli_cmd *cmd, int argc, char **argv)
{
	static struct cli_opt_tab t;
	char why[160], fl[64];
	struct kafka_cfg cfg;
	const char *val;
	int c, row, ret;

	/* The admin client is a command of its own, not broker options. */
	if (argc > 1 && !strcmp(argv[1], "topics"))
		return cmd_broker_topics(argc - 1, argv + 1);
	kafka_cfg_defaults(&cfg);
	build_opts(&t);
	while ((c = cli_getopt(cmd, argc, argv, t.so, t.lo)) != -1) {
		if (c == CLI_OPT_HELP || c == CLI_OPT_BAD)
			return cli_opt_exit(c);
		row = cli_opt_tab_row(&t, c);
		if (row < 0)
			return CLI_EXIT_USAGE;
		val = t.lo[row].has_arg ? optarg : NULL;
		if (!strcmp(t.names[row], "flush"))
			val = flush_arg(argc, argv, val, fl, sizeof(fl));
		why[0] = '\0';
		ret = kafka_opt_apply(&cfg, t.names[row], val, why,
				      sizeof(why));
		if (ret && why[0])
			return cli_usage_err(cmd, "%s", why);
		if (ret)
			return cli_usage_err(cmd, "bad option --%s: %s",
					     t.names[row], strerror(-ret));
	}
	if (argc > optind)
		return cli_usage_err(cmd, "unexpected argument '%s'",
				     argv[optind]);
	return kafka_broker_run(&cfg);
}
