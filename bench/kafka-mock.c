/* SPDX-License-Identifier: MIT */
/*
 * bench/kafka-mock.c - librdkafka's built-in mock cluster as a process,
 * the reference bench/broker.sh compares `zcio broker` with: one broker,
 * records kept in memory (no disk, no fsync, no CRC check), so an upper
 * bound for what a broker on this machine can give the same client.
 *
 *	kafka-mock [TOPIC:PARTITIONS]...
 *
 * Creates the topics, prints the bootstrap address ("127.0.0.1:PORT") on
 * standard output, and runs until SIGTERM or SIGINT.
 * Built by bench/broker.sh: cc -O2 bench/kafka-mock.c -lrdkafka.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* "name:N" creates topic name with N partitions (default 1). */
static int add_topic(rd_kafka_mock_cluster_t *mc, char *spec)
{
	char *colon = strchr(spec, ':');
	int parts = 1;

	if (colon) {
		*colon = '\0';
		parts = atoi(colon + 1);
	}
	if (parts < 1 ||
	    rd_kafka_mock_topic_create(mc, spec, parts, 1)) {
		fprintf(stderr, "kafka-mock: cannot create topic %s\n", spec);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_conf_t *conf;
	char err[256];
	rd_kafka_t *rk;
	int i;

	conf = rd_kafka_conf_new();
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "kafka-mock: %s\n", err);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, 1);
	if (!mc) {
		fprintf(stderr, "kafka-mock: no mock cluster\n");
		return 1;
	}
	for (i = 1; i < argc; i++)
		if (add_topic(mc, argv[i]))
			return 1;
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	/* The cluster runs in librdkafka's threads; we only wait. */
	while (!stop)
		usleep(100000);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
