/* SPDX-License-Identifier: MIT */
/*
 * src/cli/cmd_broker_topics.c - `zcio broker topics list|create|delete`:
 * a command-line client of a running broker (zcio's or any Kafka broker
 * with CreateTopics and DeleteTopics) over the Kafka protocol, through the
 * blocking admin client (src/kafka/admin_client.h). cmd_broker.c hands
 * over when its first argument is "topics".
 *
 * Exit status: 0 when everything asked was done; 1 when the broker could
 * not be reached or answered an error (printed by its Kafka name); 2 for a
 * usage mistake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kafka/admin_client.h"
#include "kafka/err.h"

/* Per send or receive; creating many partitions syncs many directories. */
#define TOPICS_TIMEOUT_MS 30000

const char broker_topics_usage[] =
"usage: zcio broker topics [OPTIONS] list\n"
"       zcio broker topics [OPTIONS] create NAME [--partitions N]\n"
"       zcio broker topics [OPTIONS] delete NAME...\n"
"\n"
"Administers the topics of a running broker over the Kafka protocol\n"
"(Metadata, ListOffsets, CreateTopics, DeleteTopics).\n"
"  list     every topic, its partition count and the sum of its log end\n"
"           offsets; with -v each partition's end offset\n"
"  create   a topic with N partitions (default: the broker's, e.g. zcio\n"
"           broker --partitions) and one replica\n"
"  delete   topics and their data\n"
"\n"
"Options:\n"
"  -b, --bootstrap HOST:PORT the broker; default 127.0.0.1:9092\n"
"  -p, --partitions N        partitions for create; 1-10000\n"
"      --validate-only       create: check only, create nothing\n"
"  -v, --verbose             list: one line per partition too\n"
"  -h, --help                show this help\n"
"\n"
"Exit status: 0 done, 1 failed (the error is printed by its Kafka name),\n"
"2 usage. See zcio-broker-topics(1).\n";

static const struct cli_cmd topics_cmd = {
	"broker topics", NULL, "administer the topics of a running broker",
	broker_topics_usage,
};

struct topics_opts {
	const char *bootstrap;
	int32_t partitions;
	int validate_only;
	int verbose;
};

/*
 * A usage mistake: one line, and where the help is (not cli_usage_err,
 * whose "zcio help NAME" does not reach a subcommand).
 */
static int usage_err(const char *why, const char *what)
{
	cli_err(&topics_cmd, "%s%s%s (see 'zcio broker topics --help')", why,
		what ? " " : "", what ? what : "");
	return CLI_EXIT_USAGE;
}

static int connect_to(struct kafka_admin *a, const struct topics_opts *o)
{
	int ret = kafka_admin_open(a, o->bootstrap, TOPICS_TIMEOUT_MS);

	if (ret == -EINVAL)
		cli_err(&topics_cmd, "bad address '%s' (HOST:PORT)",
			o->bootstrap);
	else if (ret == -ENOENT)
		cli_err(&topics_cmd, "cannot resolve '%s'", o->bootstrap);
	else if (ret)
		cli_err(&topics_cmd, "cannot talk to the broker at %s: %s",
			o->bootstrap, strerror(-ret));
	return ret;
}

/* A failed exchange (not a Kafka error code): why, in words. */
static int call_err(const char *what, const char *name, int ret)
{
	if (ret == -ENOTSUP)
		cli_err(&topics_cmd, "%s %s: the broker does not support it "
			"(no usable version in its ApiVersions)", what, name);
	else
		cli_err(&topics_cmd, "%s %s: %s", what, name, strerror(-ret));
	return CLI_EXIT_FAIL;
}

static int do_create(struct kafka_admin *a, const struct topics_opts *o,
		     const char *name)
{
	char msg[512];
	int ret, code;

	ret = kafka_admin_create(a, name, o->partitions, o->validate_only,
				 &code, msg, sizeof(msg));
	if (ret)
		return call_err("create", name, ret);
	if (code) {
		cli_err(&topics_cmd, "create %s: %s%s%s", name,
			kafka_err_name(code), msg[0] ? ": " : "", msg);
		return CLI_EXIT_FAIL;
	}
	if (o->validate_only)
		printf("topic %s: valid (nothing created)\n", name);
	else
		printf("created topic %s\n", name);
	return 0;
}

static int do_delete(struct kafka_admin *a, const char *name)
{
	int ret, code;

	ret = kafka_admin_delete(a, name, &code);
	if (ret)
		return call_err("delete", name, ret);
	if (code) {
		cli_err(&topics_cmd, "delete %s: %s", name,
			kafka_err_name(code));
		return CLI_EXIT_FAIL;
	}
	printf("deleted topic %s\n", name);
	return 0;
}

static void print_topic(const struct kafka_admin_topic *t, int verbose)
{
	int64_t sum = 0;
	uint32_t i;
	int known = 1;

	for (i = 0; i < t->nr_parts; i++) {
		if (t->parts[i].end < 0)
			known = 0;
		else
			sum += t->parts[i].end;
	}
	if (t->error)
		printf("%-32s %10s  %s\n", t->name, "-",
		       kafka_err_name(t->error));
	else if (known)
		printf("%-32s %10u %12lld\n", t->name, t->nr_parts,
		       (long long)sum);
	else
		printf("%-32s %10u %12s\n", t->name, t->nr_parts, "-");
	for (i = 0; verbose && i < t->nr_parts; i++) {
		if (t->parts[i].error)
			printf("  %s-%d  %s\n", t->name, t->parts[i].id,
			       kafka_err_name(t->parts[i].error));
		else
			printf("  %s-%d  end %lld\n", t->name, t->parts[i].id,
			       (long long)t->parts[i].end);
	}
}

static int do_list(struct kafka_admin *a, const struct topics_opts *o)
{
	struct kafka_admin_topic *t;
	uint32_t n, i;
	int ret;

	ret = kafka_admin_list(a, &t, &n);
	if (ret)
		return call_err("list", "topics", ret);
	printf("%-32s %10s %12s\n", "TOPIC", "PARTITIONS", "END-OFFSETS");
	for (i = 0; i < n; i++)
		print_topic(&t[i], o->verbose);
	kafka_admin_topics_free(t, n);
	return 0;
}

/* Options anywhere on the line (getopt permutes); CLI_RUN or a status. */
static int parse(int argc, char **argv, struct topics_opts *o)
{
	static const struct option opts[] = {
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "partitions", required_argument, NULL, 'p' },
		{ "validate-only", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	long n;
	int c;

	*o = (struct topics_opts){ "127.0.0.1:9092", -1, 0, 0 };
	optind = 1;
	opterr = 0;
	/* ':' first: a missing argument is told apart from a bad option */
	while ((c = getopt_long(argc, argv, ":b:p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(broker_topics_usage, stdout);
			return 0;
		case ':':
			return usage_err("this option needs an argument:",
					 argv[optind - 1]);
		case '?':
			return usage_err("unrecognized option",
					 argv[optind - 1]);
		case 'b':
			o->bootstrap = optarg;
			break;
		case 'p':
			n = strtol(optarg, &end, 10);
			if (*end || !*optarg || n < 1 || n > 10000)
				return usage_err("--partitions takes 1 to "
						 "10000, not", optarg);
			o->partitions = (int32_t)n;
			break;
		case 'V':
			o->validate_only = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		}
	}
	return CLI_RUN;
}

/* @argv[0] is "topics". */
int cmd_broker_topics(int argc, char **argv)
{
	struct topics_opts o;
	struct kafka_admin a;
	const char *sub;
	int ret, i, status = 0;

	ret = parse(argc, argv, &o);
	if (ret != CLI_RUN)
		return ret;
	if (optind >= argc)
		return usage_err("list, create or delete?", NULL);
	sub = argv[optind++];
	if (!strcmp(sub, "list") && optind != argc)
		return usage_err("list takes no arguments", NULL);
	if (!strcmp(sub, "create") && argc - optind != 1)
		return usage_err("create takes one NAME", NULL);
	if (!strcmp(sub, "delete") && optind == argc)
		return usage_err("delete needs a NAME", NULL);
	if (strcmp(sub, "list") && strcmp(sub, "create") &&
	    strcmp(sub, "delete"))
		return usage_err("unknown subcommand (list, create or "
				 "delete):", sub);
	if (connect_to(&a, &o))
		return CLI_EXIT_FAIL;
	if (!strcmp(sub, "list"))
		status = do_list(&a, &o);
	else if (!strcmp(sub, "create"))
		status = do_create(&a, &o, argv[optind]);
	for (i = optind; !strcmp(sub, "delete") && i < argc; i++)
		if (do_delete(&a, argv[i]))
			status = CLI_EXIT_FAIL;
	kafka_admin_close(&a);
	return status;
}
