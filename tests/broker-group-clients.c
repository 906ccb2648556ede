/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-group-clients.c - consumer groups of `zcio broker` with
 * real clients:
 *  - two `kcat -G` consumers split the partitions of a 4-partition topic
 *    and together read every message exactly once; one stops (it commits
 *    and leaves), the other takes over every partition from the committed
 *    offsets and reads the new messages, none twice;
 *  - a `kcat -G` consumer stops (committing), the broker restarts, the
 *    group resumes exactly after what it had read;
 *  - librdkafka's high-level consumer (rd_kafka_subscribe +
 *    rd_kafka_consumer_poll), two in one process: a range assignment of
 *    two partitions each, a synchronous commit with the group's
 *    generation, the committed offsets read back, one closes, the other
 *    gets all four partitions and the new messages;
 *  - kafka-python's KafkaConsumer(group_id=...) (its own versions:
 *    GroupCoordinator v0, JoinGroup v2, SyncGroup v1, Heartbeat v1,
 *    OffsetCommit v2, OffsetFetch v1): everything once, committed, and a
 *    second run of the same group reads nothing.
 */
#include <librdkafka/rdkafka.h>

#include "broker-util.h"

#define NPART 4

static void start_broker(struct t_broker *b, const char *delay)
{
	t_broker_dirs(b);
	T_BROKER_START(b, "--group-initial-delay", delay);
}

/* ---- kcat --------------------------------------------------------------- */

/* A `kcat -G GROUP TOPIC` consumer printing "partition offset value". */
static pid_t group_consumer(const struct t_broker *b, const char *group,
			    const char *topic, const char *out)
{
	return t_kcat_spawn(b, 90, NULL, out, (const char *const[]){
		"-G", group, topic, "-u", "-q",
		"-X", "auto.offset.reset=earliest",
		"-X", "heartbeat.interval.ms=500", "-f", "%p %o %s\n",
		NULL });
}

/* Produces values m<from>..m<to-1> with keys k<i> (spread over parts). */
static void produce_range(const struct t_broker *b, const char *topic,
			  int from, int to)
{
	char path[PATH_MAX + 32], *text = malloc((size_t)(to - from) * 32 + 1);
	size_t len = 0;
	int i;

	assert_non_null(text);
	for (i = from; i < to; i++)
		len += (size_t)sprintf(text + len, "k%d:m%d\n", i, i);
	t_bwrite(b, "in.txt", text, len, path, sizeof(path));
	free(text);
	if (t_kcat(b, 30, path, NULL, "-P", "-t", topic, "-K:") != 0) {
		t_kcat_dump(b);
		fail_msg("kcat -P failed");
	}
}

/* What the consumers printed: per value, how often; partitions seen. */
struct t_seen {
	int count[1024];
	unsigned int parts;		/* bit per partition */
	int lines;
};

static void seen_read(const char *path, struct t_seen *s)
{
	char *text, *line, *save = NULL;
	int p, id;
	long off;
	size_t len;

	memset(s, 0, sizeof(*s));
	text = t_read_file(path, &len);
	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%d %ld m%d", &p, &off, &id) != 3 ||
		    id < 0 || id >= 1024 || p < 0 || p >= NPART)
			fail_msg("bad consumer line '%s'", line);
		s->count[id]++;
		s->parts |= 1u << p;
		s->lines++;
	}
	free(text);
}

/* Waits until the lines of @a and @b add up to @n (max @secs). */
static int wait_lines(const char *a, const char *b, int n, double secs)
{
	struct t_seen sa, sb;
	double end = t_now() + secs;

	do {
		seen_read(a, &sa);
		seen_read(b, &sb);
		if (sa.lines + sb.lines >= n)
			return sa.lines + sb.lines;
		usleep(100000);
	} while (t_now() < end);
	return sa.lines + sb.lines;
}

static void stop_kcat(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static void kcat_pair(void **state)
{
	char pa[PATH_MAX + 32], pb[PATH_MAX + 32];
	struct t_seen sa, sb;
	struct t_broker b;
	pid_t a, c;
	int i, got;

	(void)state;
	T_NEED("kcat");
	/* Both consumers start within the initial delay: one generation. */
	start_broker(&b, "3000");
	produce_range(&b, "gk", 0, 200);
	t_bpath(&b, "a.out", pa, sizeof(pa));
	t_bpath(&b, "b.out", pb, sizeof(pb));
	a = group_consumer(&b, "gk-grp", "gk", pa);
	c = group_consumer(&b, "gk-grp", "gk", pb);
	got = wait_lines(pa, pb, 200, 40);
	if (got != 200) {
		t_kcat_dump(&b);
		t_broker_dump(&b);
	}
	assert_int_equal(got, 200);
	usleep(300000);			/* nothing more may come */
	seen_read(pa, &sa);
	seen_read(pb, &sb);
	assert_int_equal(sa.lines + sb.lines, 200);
	/* The partitions are split: both have some, none is shared. */
	assert_true(sa.parts && sb.parts);
	assert_int_equal(sa.parts & sb.parts, 0);
	assert_int_equal(sa.parts | sb.parts, (1u << NPART) - 1);
	for (i = 0; i < 200; i++)
		assert_int_equal(sa.count[i] + sb.count[i], 1);
	assert_int_equal(t_metric(&b, "zcio_kafka_group_members"), 2);
	/* B stops: it commits and leaves; A takes over everything. */
	stop_kcat(c);
	produce_range(&b, "gk", 200, 300);
	got = wait_lines(pa, pb, 300, 40);
	if (got != 300) {
		t_kcat_dump(&b);
		t_broker_dump(&b);
	}
	assert_int_equal(got, 300);
	usleep(500000);
	seen_read(pa, &sa);
	seen_read(pb, &sb);
	for (i = 0; i < 300; i++)
		assert_int_equal(sa.count[i] + sb.count[i], 1);
	for (i = 200; i < 300; i++)
		assert_int_equal(sa.count[i], 1);
	assert_int_equal(sa.parts, (1u << NPART) - 1);
	assert_int_equal(t_metric(&b, "zcio_kafka_group_members"), 1);
	assert_true(t_metric(&b, "zcio_kafka_group_rebalances_total") >= 2);
	stop_kcat(a);
	t_broker_stop(&b);
}

/*
 * kcat -G commits on close; after a broker restart the group resumes
 * exactly there: only the messages produced since are read.
 */
static void kcat_restart(void **state)
{
	char pa[PATH_MAX + 32], pb[PATH_MAX + 32];
	struct t_seen s;
	struct t_broker b;
	pid_t a;
	int i;

	(void)state;
	T_NEED("kcat");
	start_broker(&b, "100");
	produce_range(&b, "gz", 0, 100);
	t_bpath(&b, "a.out", pa, sizeof(pa));
	t_bpath(&b, "b.out", pb, sizeof(pb));
	a = group_consumer(&b, "gz-grp", "gz", pa);
	assert_int_equal(wait_lines(pa, "/dev/null", 100, 40), 100);
	usleep(300000);
	stop_kcat(a);
	t_broker_stop(&b);
	T_BROKER_START(&b, "--group-initial-delay", "100");
	produce_range(&b, "gz", 100, 150);
	a = group_consumer(&b, "gz-grp", "gz", pb);
	assert_int_equal(wait_lines(pb, "/dev/null", 50, 40), 50);
	usleep(500000);
	stop_kcat(a);
	seen_read(pb, &s);
	assert_int_equal(s.lines, 50);
	for (i = 0; i < 150; i++)
		assert_int_equal(s.count[i], i >= 100);
	t_broker_stop(&b);
}

/* ---- librdkafka's high-level consumer -------------------------------- */

static void rk_produce(const struct t_broker *b, const char *topic, int from,
		       int to)
{
	rd_kafka_t *rk;
	char key[16], val[16];
	int i;

	rk = t_rdkafka_new(RD_KAFKA_PRODUCER, t_rdkafka_conf(b, "3"));
	for (i = from; i < to; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		snprintf(val, sizeof(val), "m%d", i);
		assert_int_equal(rd_kafka_producev(rk,
			RD_KAFKA_V_TOPIC(topic),
			RD_KAFKA_V_KEY(key, strlen(key)),
			RD_KAFKA_V_VALUE(val, strlen(val)),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_END), 0);
	}
	assert_int_equal(rd_kafka_flush(rk, 30000), 0);
	rd_kafka_destroy(rk);
}

static rd_kafka_t *rk_consumer(const struct t_broker *b, const char *group,
			       const char *topic)
{
	rd_kafka_conf_t *conf = t_rdkafka_conf(b, "3");
	rd_kafka_topic_partition_list_t *sub;
	char err[256];
	rd_kafka_t *rk;

	rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err));
	rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err,
			  sizeof(err));
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", err,
			  sizeof(err));
	rd_kafka_conf_set(conf, "heartbeat.interval.ms", "300", err,
			  sizeof(err));
	rd_kafka_conf_set(conf, "session.timeout.ms", "6000", err,
			  sizeof(err));
	rd_kafka_conf_set(conf, "partition.assignment.strategy", "range",
			  err, sizeof(err));
	rk = t_rdkafka_new(RD_KAFKA_CONSUMER, conf);
	rd_kafka_poll_set_consumer(rk);
	sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
	assert_int_equal(rd_kafka_subscribe(rk, sub), 0);
	rd_kafka_topic_partition_list_destroy(sub);
	return rk;
}

/* This consumer's assigned partitions as a bit mask. */
static unsigned int assigned(rd_kafka_t *rk)
{
	rd_kafka_topic_partition_list_t *l = NULL;
	unsigned int mask = 0;
	int i;

	if (rd_kafka_assignment(rk, &l) || !l)
		return 0;
	for (i = 0; i < l->cnt; i++)
		mask |= 1u << l->elems[i].partition;
	rd_kafka_topic_partition_list_destroy(l);
	return mask;
}

/* Polls @rk once; a message's value id counted in @count. */
static int poll_one(rd_kafka_t *rk, int *count, unsigned int *parts)
{
	rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);
	char v[16];
	int id;

	if (!m)
		return 0;
	if (m->err) {
		rd_kafka_message_destroy(m);
		return 0;
	}
	assert_true(m->len > 1 && m->len < sizeof(v));
	memcpy(v, m->payload, m->len);
	v[m->len] = '\0';
	id = atoi(v + 1);
	assert_true(id >= 0 && id < 1024);
	count[id]++;
	*parts |= 1u << m->partition;
	rd_kafka_message_destroy(m);
	return 1;
}

static void rdkafka_group(void **state)
{
	rd_kafka_topic_partition_list_t *l;
	unsigned int p1 = 0, p2 = 0, m1 = 0, m2 = 0;
	static int count[1024];
	struct t_broker b;
	rd_kafka_t *c1, *c2;
	int got = 0, i;
	double end;

	(void)state;
	start_broker(&b, "1000");
	rk_produce(&b, "gr", 0, 1);		/* creates the topic */
	c1 = rk_consumer(&b, "rk-grp", "gr");
	c2 = rk_consumer(&b, "rk-grp", "gr");
	/* Both assigned, two partitions each (range). */
	for (end = t_now() + 30; t_now() < end; ) {
		got += poll_one(c1, count, &p1) + poll_one(c2, count, &p2);
		m1 = assigned(c1);
		m2 = assigned(c2);
		if (m1 && m2 && (m1 | m2) == 0xf)
			break;
	}
	assert_int_equal(m1 & m2, 0);
	assert_int_equal(m1 | m2, 0xf);
	assert_int_equal(__builtin_popcount(m1), 2);
	rk_produce(&b, "gr", 1, 400);
	for (end = t_now() + 30; got < 400 && t_now() < end; )
		got += poll_one(c1, count, &p1) + poll_one(c2, count, &p2);
	assert_int_equal(got, 400);
	for (i = 0; i < 400; i++)
		assert_int_equal(count[i], 1);
	assert_int_equal(p1 & ~m1, 0);
	assert_int_equal(p2 & ~m2, 0);
	/* A synchronous commit with the generation; read back. */
	assert_int_equal(rd_kafka_commit(c2, NULL, 0), 0);
	assert_int_equal(rd_kafka_commit(c1, NULL, 0), 0);
	l = rd_kafka_topic_partition_list_new(NPART);
	for (i = 0; i < NPART; i++)
		rd_kafka_topic_partition_list_add(l, "gr", i);
	assert_int_equal(rd_kafka_committed(c1, l, 10000), 0);
	for (i = 0, got = 0; i < NPART; i++) {
		assert_int_equal(l->elems[i].err, 0);
		assert_true(l->elems[i].offset > 0);
		got += (int)l->elems[i].offset;
	}
	assert_int_equal(got, 400);
	rd_kafka_topic_partition_list_destroy(l);
	/* c2 leaves; c1 gets all four partitions and the new messages. */
	assert_int_equal(rd_kafka_consumer_close(c2), 0);
	rd_kafka_destroy(c2);
	for (end = t_now() + 30; t_now() < end; ) {
		poll_one(c1, count, &p1);
		if (assigned(c1) == 0xf)
			break;
	}
	assert_int_equal(assigned(c1), 0xf);
	rk_produce(&b, "gr", 400, 500);
	for (got = 0, end = t_now() + 30; got < 100 && t_now() < end; )
		got += poll_one(c1, count, &p1);
	assert_int_equal(got, 100);
	for (i = 0; i < 500; i++)
		assert_int_equal(count[i], 1);
	assert_int_equal(rd_kafka_consumer_close(c1), 0);
	rd_kafka_destroy(c1);
	t_broker_stop(&b);
}

/* ---- kafka-python ------------------------------------------------------- */

static const char py_consume[] =
"import sys\n"
"from kafka import KafkaConsumer\n"
"c = KafkaConsumer(sys.argv[2], bootstrap_servers=sys.argv[1],\n"
"                  group_id='py-grp', auto_offset_reset='earliest',\n"
"                  enable_auto_commit=False, consumer_timeout_ms=4000,\n"
"                  heartbeat_interval_ms=500)\n"
"seen = {}\n"
"for m in c:\n"
"    seen[m.value] = seen.get(m.value, 0) + 1\n"
"c.commit()\n"
"parts = sorted(p.partition for p in c.assignment())\n"
"c.close()\n"
"dups = sum(1 for v in seen.values() if v > 1)\n"
"print(len(seen), dups, ','.join(map(str, parts)))\n";

/* Runs the script; its one output line into @line. */
static void run_py(const struct t_broker *b, char *line, size_t cap)
{
	char out[PATH_MAX + 32], *argv[] = { "timeout", "60",
		"/usr/bin/python3", "-c", (char *)py_consume,
		(char *)b->boot, "gp", NULL };
	char *text;
	size_t len;

	char *last;
	int st;

	t_bpath(b, "py.out", out, sizeof(out));
	unlink(out);
	st = t_run(argv, out, NULL);
	text = t_read_file(out, &len);
	assert_non_null(text);
	if (st)
		fprintf(stderr, "--- python ---\n%s--- end ---\n", text);
	assert_int_equal(st, 0);
	/* The last line: stderr (warnings) shares the file. */
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	last = strrchr(text, '\n');
	snprintf(line, cap, "%s\n", last ? last + 1 : text);
	free(text);
}

static void python_group(void **state)
{
	struct t_broker b;
	char line[256];

	(void)state;
	T_NEED("python");
	start_broker(&b, "100");
	rk_produce(&b, "gp", 0, 300);
	run_py(&b, line, sizeof(line));
	if (strncmp(line, "300 0 0,1,2,3", 13))
		t_broker_dump(&b);
	assert_string_equal(line, "300 0 0,1,2,3\n");
	/* Committed: the same group again reads nothing. */
	run_py(&b, line, sizeof(line));
	assert_string_equal(line, "0 0 0,1,2,3\n");
	t_broker_stop(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kcat_pair),
		cmocka_unit_test(kcat_restart),
		cmocka_unit_test(rdkafka_group),
		cmocka_unit_test(python_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
