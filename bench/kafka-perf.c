/* SPDX-License-Identifier: MIT */
/*
 * bench/kafka-perf.c - an rdkafka_performance-style client for
 * bench/broker.sh. Debian's librdkafka-dev ships rdkafka_performance.c
 * only as an example that needs librdkafka's private headers, so this is
 * the part of it the benchmark needs, on the public API:
 *
 *	kafka-perf produce BOOTSTRAP TOPIC PARTS COUNT SIZE [PROP=VALUE]...
 *	kafka-perf consume BOOTSTRAP TOPIC PARTS COUNT [PROP=VALUE]...
 *
 * produce sends COUNT messages of SIZE bytes, message i to partition
 * i % PARTS, as fast as librdkafka takes them, and waits for every
 * delivery report (acks=all); consume reads COUNT messages of partitions
 * 0..PARTS-1 from the beginning with the simple consumer (no group), all
 * partitions into one queue, timed from the first message received.
 * Several partitions because librdkafka's mock cluster keeps only the
 * last 5 MiB of each. Each prints one line:
 *
 *   produce msgs=1000000 bytes=100000000 secs=1.2 msgs_s=810372 MB_s=81.04
 *
 * MB is 10^6 bytes of message payload. Exit status 1 on any error (a
 * failed delivery, a consume error, a timeout after 120 s).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

static long delivered, failed;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (m->err)
		failed++;
	else
		delivered++;
}

static rd_kafka_conf_t *conf_new(const char *boot, int argc, char **argv)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[256], *eq;
	int i;

	rd_kafka_conf_set(conf, "bootstrap.servers", boot, err, sizeof(err));
	for (i = 0; i < argc; i++) {
		eq = strchr(argv[i], '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (rd_kafka_conf_set(conf, argv[i], eq + 1, err,
				      sizeof(err))) {
			fprintf(stderr, "kafka-perf: %s\n", err);
			exit(1);
		}
	}
	return conf;
}

static void report(const char *what, long n, double bytes, double secs)
{
	printf("%s msgs=%ld bytes=%.0f secs=%.3f msgs_s=%.0f MB_s=%.2f\n",
	       what, n, bytes, secs, n / secs, bytes / secs / 1e6);
}

static int produce(const char *boot, const char *topic, int parts,
		   long count, size_t size, int argc, char **argv)
{
	rd_kafka_conf_t *conf = conf_new(boot, argc, argv);
	const struct rd_kafka_metadata *md;
	rd_kafka_topic_t *rkt;
	char err[256], *buf;
	double t0, end;
	rd_kafka_t *rk;
	long i;

	rd_kafka_conf_set(conf, "acks", "all", err, sizeof(err));
	rd_kafka_conf_set(conf, "queue.buffering.max.messages", "2000000",
			  err, sizeof(err));
	rd_kafka_conf_set_dr_msg_cb(conf, on_dr);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "kafka-perf: %s\n", err);
		return 1;
	}
	rkt = rd_kafka_topic_new(rk, topic, NULL);
	buf = malloc(size);
	memset(buf, 'x', size);
	/* Metadata first, so that connecting is not timed. */
	if (!rd_kafka_metadata(rk, 0, rkt, &md, 10000))
		rd_kafka_metadata_destroy(md);
	t0 = now();
	for (i = 0; i < count; i++) {
		while (rd_kafka_produce(rkt, (int32_t)(i % parts),
					RD_KAFKA_MSG_F_COPY, buf, size, NULL,
					0, NULL) == -1)
			rd_kafka_poll(rk, 1);
		if (!(i & 1023))
			rd_kafka_poll(rk, 0);
	}
	end = t0 + 120;
	while (delivered + failed < count && now() < end)
		rd_kafka_poll(rk, 10);
	report("produce", delivered, (double)delivered * (double)size,
	       now() - t0);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	free(buf);
	return failed || delivered < count;
}

static int consume(const char *boot, const char *topic, int parts,
		   long count, int argc, char **argv)
{
	rd_kafka_conf_t *conf = conf_new(boot, argc, argv);
	rd_kafka_message_t *msgs[10000];
	rd_kafka_topic_t *rkt;
	rd_kafka_queue_t *q;
	double t0, first = 0, bytes = 0;
	size_t want;
	long got = 0;
	ssize_t n, i;
	char err[256];
	rd_kafka_t *rk;
	int bad = 0, p;

	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "kafka-perf: %s\n", err);
		return 1;
	}
	rkt = rd_kafka_topic_new(rk, topic, NULL);
	q = rd_kafka_queue_new(rk);
	t0 = now();
	for (p = 0; p < parts; p++)
		rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING,
					     q);
	while (got < count && now() < t0 + 120) {
		/*
		 * The call waits until it has all it asked for (or the
		 * timeout): never ask for more than what is left.
		 */
		want = count - got < 10000 ? (size_t)(count - got) : 10000;
		n = rd_kafka_consume_batch_queue(q, 100, msgs, want);
		for (i = 0; i < n; i++) {
			if (!msgs[i]->err) {
				if (!got++)
					first = now();
				bytes += (double)msgs[i]->len;
			} else if (msgs[i]->err !=
				   RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				fprintf(stderr, "kafka-perf: %s\n",
					rd_kafka_message_errstr(msgs[i]));
				bad = 1;
			}
			rd_kafka_message_destroy(msgs[i]);
		}
	}
	/*
	 * From the first message on: connecting and the offset queries of
	 * the simple consumer take half a second whatever the broker.
	 */
	report("consume", got, bytes, now() - (got ? first : t0));
	for (p = 0; p < parts; p++)
		rd_kafka_consume_stop(rkt, p);
	rd_kafka_queue_destroy(q);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	return bad || got < count;
}

int main(int argc, char **argv)
{
	if (argc >= 7 && !strcmp(argv[1], "produce"))
		return produce(argv[2], argv[3], atoi(argv[4]), atol(argv[5]),
			       (size_t)atol(argv[6]), argc - 7, argv + 7);
	if (argc >= 6 && !strcmp(argv[1], "consume"))
		return consume(argv[2], argv[3], atoi(argv[4]), atol(argv[5]),
			       argc - 6, argv + 6);
	fprintf(stderr, "usage: kafka-perf produce BOOTSTRAP TOPIC PARTS COUNT "
		"SIZE [PROP=VALUE]...\n       kafka-perf consume BOOTSTRAP "
		"TOPIC PARTS COUNT [PROP=VALUE]...\n");
	return 2;
}
