/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-kcat.c - `zcio broker` with Debian's Kafka clients run as
 * programs: kcat (librdkafka 2.0.2) and kafka-python 2.0.2. Metadata and
 * the advertised address, auto-creation on and off, keys, headers and
 * several partitions, consuming from the beginning, the end, an offset,
 * the last N and a timestamp, every compression codec (stored as sent,
 * never decompressed by the broker), kafka-python's own request versions
 * (Metadata v0/v1, Fetch v4, ListOffsets v1), the message size limit, a
 * restart,
 * retention, and the zero-copy proof: the ledger of every send says the
 * fetched record bytes went by sendfile and nothing was copied in user
 * space (and --fetch-copy says the opposite).
 */
#include "broker-util.h"
#include "kafka/broker.h"

static char text[8 << 20];

/* The output of the last t_kcat into text[]; its length. */
static size_t out_text(const struct t_broker *b)
{
	char path[PATH_MAX + 16], *p;
	size_t len;

	p = t_read_file(t_bpath(b, "out", path, sizeof(path)), &len);
	assert_non_null(p);
	assert_true(len < sizeof(text));
	memcpy(text, p, len + 1);
	free(p);
	return len;
}

/* kcat -C of @topic partition @part from @offset to the end, -f @fmt. */
static size_t consume(const struct t_broker *b, const char *topic,
		      const char *part, const char *offset, const char *fmt)
{
	char out[PATH_MAX + 16];
	int rc;

	rc = t_kcat(b, 30, NULL, t_bpath(b, "out", out, sizeof(out)), "-C",
		    "-t", topic, "-p", part, "-o", offset, "-e", "-q", "-f",
		    fmt);
	if (rc)
		t_kcat_dump(b);
	assert_int_equal(rc, 0);
	return out_text(b);
}

/* kcat -P of the lines of @lines to @topic/@part with extra @args. */
static int produce_v(const struct t_broker *b, const char *lines,
		     const char *const *args)
{
	char in[PATH_MAX + 16], *argv[32];
	int n = 0, i;

	t_bwrite(b, "in", lines, strlen(lines), in, sizeof(in));
	argv[n++] = "-P";
	for (i = 0; args[i] && n < 30; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	return t_kcatv(b, 30, in, NULL, (const char *const *)argv);
}

#define produce(b, lines, ...)						\
	produce_v(b, lines, (const char *const[]){ __VA_ARGS__, NULL })

static void start(struct t_broker *b, const char *const *extra)
{
	T_NEED("kcat");
	t_broker_dirs(b);
	t_broker_start(b, extra);
}

/* "0\n1\n...\n(n-1)\n" with @prefix before each number. */
static char *numbered(const char *prefix, int from, int n)
{
	char *s = malloc((size_t)n * (strlen(prefix) + 16) + 1), *p = s;
	int i;

	assert_non_null(s);
	*p = '\0';
	for (i = from; i < from + n; i++)
		p += sprintf(p, "%s%d\n", prefix, i);
	return s;
}

static void help(void **state)
{
	char out[PATH_MAX + 16], *argv[4], *t;
	struct t_broker b;
	unsigned int i;
	size_t len;

	(void)state;
	t_broker_dirs(&b);
	t_bpath(&b, "help", out, sizeof(out));
	argv[0] = (char *)t_zcio();
	argv[1] = "broker";
	argv[2] = "--help";
	argv[3] = NULL;
	assert_int_equal(t_run(argv, out, NULL), 0);
	t = t_read_file(out, &len);
	assert_non_null(t);
	for (i = 0; i < kafka_nr_opts; i++) {
		char opt[64];

		snprintf(opt, sizeof(opt), "--%s", kafka_opts[i].name);
		if (!strstr(t, opt))
			fail_msg("--help does not name %s", opt);
	}
	free(t);
	argv[2] = "--partitions=0";
	assert_int_equal(t_run(argv, out, NULL), 2);
	argv[2] = "--flush=sometimes";
	assert_int_equal(t_run(argv, out, NULL), 2);
}

static void metadata_and_autocreate(void **state)
{
	char want[128], out[PATH_MAX + 16];
	struct t_broker b;

	(void)state;
	start(&b, (const char *const[]){ "--partitions", "3", NULL });
	assert_int_equal(produce(&b, "x\n", "-t", "auto1"), 0);
	assert_int_equal(t_kcat(&b, 20, NULL,
				t_bpath(&b, "out", out, sizeof(out)), "-L",
				"-t", "auto1"), 0);
	out_text(&b);
	snprintf(want, sizeof(want), "broker 1 at 127.0.0.1:%d", b.port);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "topic \"auto1\" with 3 partitions"));
	t_broker_stop(&b);
	/* Off: the topic is not made, the produce fails. */
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--auto-create", "off", "--advertise",
		       "localhost");
	assert_int_not_equal(produce(&b, "x\n", "-t", "nope", "-X",
				     "message.timeout.ms=2000"), 0);
	t_kcat(&b, 20, NULL, t_bpath(&b, "out", out, sizeof(out)), "-L");
	out_text(&b);
	assert_null(strstr(text, "nope"));
	/* The advertised host, with the bound port. */
	snprintf(want, sizeof(want), "broker 1 at localhost:%d", b.port);
	if (!strstr(text, want)) {
		t_kcat_dump(&b);
		fail_msg("no '%s' in kcat -L:\n%s", want, text);
	}
	t_broker_stop(&b);
}

/* Keys, headers and partitions come back as sent, in order. */
static void keys_headers_partitions(void **state)
{
	char part[8], line[128], *lines, *want, *w;
	struct t_broker b;
	int p, i;

	(void)state;
	start(&b, NULL);
	for (p = 0; p < 4; p++) {
		lines = numbered("k:value-", p * 1000, 500);
		snprintf(part, sizeof(part), "%d", p);
		assert_int_equal(produce(&b, lines, "-t", "khp", "-p", part,
					 "-K:", "-H", "h1=x", "-H", "h2="),
				 0);
		free(lines);
	}
	for (p = 0; p < 4; p++) {
		snprintf(part, sizeof(part), "%d", p);
		consume(&b, "khp", part, "beginning", "%p|%o|%k|%s|%h\n");
		want = w = malloc(500 * 64);
		for (i = 0; i < 500; i++) {
			snprintf(line, sizeof(line),
				 "%d|%d|k|value-%d|h1=x,h2=\n", p, i,
				 p * 1000 + i);
			w = stpcpy(w, line);
		}
		assert_string_equal(text, want);
		free(want);
	}
	t_broker_stop(&b);
}

/* From the beginning, the end, an offset, the last N, a timestamp. */
static void offsets(void **state)
{
	char ts[64], out[PATH_MAX + 16], *lines, *want;
	struct t_broker b;
	struct timespec now;

	(void)state;
	start(&b, NULL);
	lines = numbered("m", 0, 60);
	assert_int_equal(produce(&b, lines, "-t", "off", "-p", "0"), 0);
	free(lines);
	usleep(50000);
	clock_gettime(CLOCK_REALTIME, &now);
	usleep(50000);
	lines = numbered("m", 60, 40);
	assert_int_equal(produce(&b, lines, "-t", "off", "-p", "0"), 0);
	free(lines);
	consume(&b, "off", "0", "beginning", "%s\n");
	want = numbered("m", 0, 100);
	assert_string_equal(text, want);
	free(want);
	assert_int_equal(consume(&b, "off", "0", "end", "%s\n"), 0);
	consume(&b, "off", "0", "42", "%o %s\n");
	assert_int_equal(t_lines(text), 58);
	assert_true(!strncmp(text, "42 m42\n", 7));
	consume(&b, "off", "0", "-10", "%s\n");
	want = numbered("m", 90, 10);
	assert_string_equal(text, want);
	free(want);
	snprintf(ts, sizeof(ts), "s@%lld", (long long)now.tv_sec * 1000 +
		 now.tv_nsec / 1000000);
	consume(&b, "off", "0", ts, "%s\n");
	want = numbered("m", 60, 40);
	assert_string_equal(text, want);
	free(want);
	/* kcat -Q: offsets by time, through ListOffsets v2. */
	snprintf(ts, sizeof(ts), "off:0:%lld", (long long)now.tv_sec * 1000 +
		 now.tv_nsec / 1000000);
	assert_int_equal(t_kcat(&b, 20, NULL, t_bpath(&b, "out", out,
						      sizeof(out)),
				"-Q", "-t", ts), 0);
	out_text(&b);
	assert_non_null(strstr(text, "off [0] offset 60"));
	t_broker_stop(&b);
}

/* The codec bits of every batch of DATA/@topic-0's first segment. */
static unsigned int codecs_stored(const struct t_broker *b,
				  const char *topic)
{
	char path[PATH_MAX * 2];
	unsigned int seen = 0;
	uint8_t *d;
	size_t len, off = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s-0/00000000000000000000.log",
		 b->data, topic);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	len = t_slurp(fd, &d);
	close(fd);
	while (off + 61 <= len) {
		seen |= 1u << (t_get16(d + off + 21) & 7);
		off += 12 + (size_t)t_get32(d + off + 8);
	}
	assert_int_equal(off, len);
	free(d);
	return seen;
}

static const char py_produce[] =
"import sys\n"
"from kafka import KafkaProducer\n"
"boot, topic, codec, n = sys.argv[1], sys.argv[2], sys.argv[3], "
"int(sys.argv[4])\n"
"p = KafkaProducer(bootstrap_servers=boot, linger_ms=20,\n"
"    compression_type=None if codec == 'none' else codec)\n"
"for i in range(n):\n"
"    p.send(topic, key=b'k%d' % i, value=b'message %d ' % i + b'x' * 200,\n"
"           partition=0, headers=[('h', b'%d' % i)])\n"
"p.flush()\n"
"p.close()\n";

/*
 * Every codec, two producers: kafka-python compresses whatever it is
 * asked; kcat (librdkafka 2.0.2) compresses gzip and snappy only because
 * the broker advertises Produce v0 (it checks Produce 0..0 for them,
 * rdkafka_msgset_writer.c), zstd because of Produce 7 + Fetch 10, and lz4
 * because FindCoordinator 0 is advertised too. Every codec must reach the
 * segment files as sent (checked there), and kcat reads it back.
 */
static void compression(void **state)
{
	static const char *const codecs[] = { "none", "gzip", "snappy",
					      "lz4", "zstd" };
	char topic[32], script[PATH_MAX + 16], pylog[PATH_MAX + 16];
	char *argv[8], *lines, *want;
	struct t_broker b;
	unsigned int i, seen;
	size_t len;
	int rc;

	(void)state;
	T_NEED("python3-kafka");
	start(&b, NULL);
	t_bwrite(&b, "produce.py", py_produce, strlen(py_produce), script,
		 sizeof(script));
	lines = numbered("compressible compressible compressible ", 0, 3000);
	for (i = 0; i < 5; i++) {
		snprintf(topic, sizeof(topic), "kz-%s", codecs[i]);
		assert_int_equal(produce(&b, lines, "-t", topic, "-p", "0",
					 "-z", codecs[i]), 0);
		consume(&b, topic, "0", "beginning", "%s\n");
		assert_string_equal(text, lines);
		seen = codecs_stored(&b, topic);
		assert_int_equal(seen, 1u << i);
		/* kafka-python: really compressed, every codec. */
		snprintf(topic, sizeof(topic), "py-%s", codecs[i]);
		argv[0] = "/usr/bin/python3";
		argv[1] = script;
		argv[2] = b.boot;
		argv[3] = topic;
		argv[4] = (char *)codecs[i];
		argv[5] = "500";
		argv[6] = NULL;
		rc = t_run(argv, t_bpath(&b, "py.log", pylog, sizeof(pylog)),
			   NULL);
		if (rc) {
			char *log = t_read_file(pylog, &len);

			fprintf(stderr, "kafka-python: %s\n", log ? log : "");
			free(log);
		}
		assert_int_equal(rc, 0);
		assert_int_equal(codecs_stored(&b, topic), 1u << i);
		consume(&b, topic, "0", "beginning", "%k|%s|%h\n");
		want = malloc(500 * 300);
		{
			char x[201], *w = want;
			int j;

			memset(x, 'x', 200);
			x[200] = '\0';
			for (j = 0; j < 500; j++)
				w += sprintf(w, "k%d|message %d %s|h=%d\n", j,
					     j, x, j);
		}
		assert_string_equal(text, want);
		free(want);
	}
	free(lines);
	t_broker_stop(&b);
}

static const char py_roundtrip[] =
"import sys, time\n"
"from kafka import KafkaProducer, KafkaConsumer, TopicPartition\n"
"boot = sys.argv[1]\n"
"p = KafkaProducer(bootstrap_servers=boot, linger_ms=5)\n"
"t0 = int(time.time() * 1000)\n"
"for i in range(1000):\n"
"    p.send('py', key=b'k%d' % i, value=b'v%d' % i, partition=i % 2,\n"
"           headers=[('n', b'%d' % i)], timestamp_ms=t0 + i)\n"
"p.flush()\n"
"p.close()\n"
"c = KafkaConsumer(bootstrap_servers=boot, consumer_timeout_ms=5000,\n"
"                  enable_auto_commit=False, group_id=None)\n"
"tps = [TopicPartition('py', 0), TopicPartition('py', 1)]\n"
"c.assign(tps)\n"
"c.seek_to_beginning(*tps)\n"
"got = {}\n"
"for m in c:\n"
"    i = int(m.value[1:])\n"
"    assert m.key == b'k%d' % i and m.headers == [('n', b'%d' % i)], m\n"
"    assert m.partition == i % 2 and m.offset == i // 2, m\n"
"    assert m.timestamp == t0 + i, m\n"
"    got[i] = 1\n"
"    if len(got) == 1000:\n"
"        break\n"
"assert len(got) == 1000, len(got)\n"
"assert c.end_offsets(tps) == {tps[0]: 500, tps[1]: 500}\n"
"assert c.beginning_offsets(tps) == {tps[0]: 0, tps[1]: 0}\n"
"o = c.offsets_for_times({tps[1]: t0 + 501})[tps[1]]\n"
"assert o.offset == 250 and o.timestamp == t0 + 501, o\n"
"print('ok')\n";

/*
 * kafka-python 2.0.2, the client that does not negotiate per API: its
 * version probe (ApiVersions v0 pipelined with Metadata v0), Metadata v1,
 * Produce v7, Fetch v4, ListOffsets v1 by time, record timestamps.
 */
static void kafka_python(void **state)
{
	struct t_broker b;

	(void)state;
	T_NEED("python3-kafka");
	start(&b, NULL);
	t_python(&b, "roundtrip.py", py_roundtrip, NULL);
	t_broker_stop(&b);
}

static void size_limit(void **state)
{
	char path[PATH_MAX + 16], err[PATH_MAX + 16], *e, *big;
	struct t_broker b;
	size_t len;

	(void)state;
	T_NEED("kcat");
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--max-message-bytes", "10000");
	big = malloc(20001);
	memset(big, 'a', 9000);
	big[9000] = '\0';
	t_bwrite(&b, "m9k", big, 9000, path, sizeof(path));
	assert_int_equal(t_kcat(&b, 20, NULL, NULL, "-P", "-t", "lim", "-p",
				"0", path), 0);
	memset(big, 'b', 20000);
	t_bwrite(&b, "m20k", big, 20000, path, sizeof(path));
	assert_int_not_equal(t_kcat(&b, 20, NULL, NULL, "-P", "-t", "lim",
				    "-p", "0", path), 0);
	e = t_read_file(t_bpath(&b, "kcat.err", err, sizeof(err)), &len);
	assert_non_null(e);
	assert_non_null(strstr(e, "Message size too large"));
	free(e);
	consume(&b, "lim", "0", "beginning", "%o %S\n");
	assert_string_equal(text, "0 9000\n");
	free(big);
	t_broker_stop(&b);
}

/* Stop, start on the same data: everything is there, offsets go on. */
static void restart(void **state)
{
	char *lines, *want;
	struct t_broker b;

	(void)state;
	start(&b, NULL);
	lines = numbered("before-", 0, 2000);
	assert_int_equal(produce(&b, lines, "-t", "rs", "-p", "2"), 0);
	free(lines);
	t_broker_stop(&b);
	T_BROKER_START(&b, "--segment-bytes", "8k");
	consume(&b, "rs", "2", "beginning", "%s\n");
	want = numbered("before-", 0, 2000);
	assert_string_equal(text, want);
	free(want);
	lines = numbered("after-", 0, 500);
	assert_int_equal(produce(&b, lines, "-t", "rs", "-p", "2"), 0);
	free(lines);
	t_broker_stop(&b);
	T_BROKER_START(&b, NULL);
	consume(&b, "rs", "2", "1990", "%o %s\n");
	assert_true(!strncmp(text, "1990 before-1990\n", 17));
	assert_non_null(strstr(text, "2000 after-0\n"));
	assert_non_null(strstr(text, "2499 after-499\n"));
	assert_int_equal(t_lines(text), 510);
	t_broker_stop(&b);
}

/*
 * The zero-copy proof. 4 MiB of 1 KiB records fetched: the ledgers of
 * the broker's sends say the record bytes went by sendfile and nothing
 * was copied in user space; with --fetch-copy the same bytes are copied.
 */
static void zero_copy(void **state)
{
	static char lines[(1024 + 1) * 4096 + 1];
	double fetched, sent, copied, user;
	struct t_broker b;
	int i, copy;

	(void)state;
	for (i = 0; i < 4096; i++) {
		memset(lines + i * 1025, 'a' + i % 26, 1024);
		lines[i * 1025 + 1024] = '\n';
	}
	T_NEED("kcat");
	for (copy = 0; copy <= 1; copy++) {
		t_broker_dirs(&b);
		if (copy)
			T_BROKER_START(&b, "--fetch-copy");
		else
			T_BROKER_START(&b, "--segment-bytes", "1m");
		assert_int_equal(produce(&b, lines, "-t", "zc", "-p", "0"), 0);
		consume(&b, "zc", "0", "beginning", "%s\n");
		assert_string_equal(text, lines);
		fetched = t_metric(&b, "zcio_kafka_fetch_bytes_total");
		sent = t_metric(&b, "zcio_kafka_fetch_sendfile_bytes_total");
		copied = t_metric(&b, "zcio_kafka_fetch_copied_bytes_total");
		user = t_metric(&b, "zcio_kafka_user_copied_bytes_total");
		assert_true(fetched >= 4096.0 * 1024);
		if (!copy) {
			assert_true(sent >= fetched);
			assert_true(copied == 0);
			assert_true(user == 0);
			assert_true(t_metric(&b, "zcio_ledger_user_copied_"
					     "bytes_total{path=\"readwrite\"}")
				    == 0);
			assert_true(t_metric(&b, "zcio_sent_bytes_total"
					     "{path=\"sendfile\"}") >= fetched);
		} else {
			assert_true(sent == 0);
			assert_true(copied == fetched);
		}
		t_broker_stop(&b);
	}
}

/* Small segments, a byte limit: old segments go, the start moves. */
static void retention(void **state)
{
	static char lines[1001 * 600 + 1];
	char metric[128];
	struct t_broker b;
	double start_off = 0, end;
	int i;

	(void)state;
	for (i = 0; i < 600; i++) {
		memset(lines + i * 1001, 'r', 1000);
		lines[i * 1001 + 1000] = '\n';
	}
	T_NEED("kcat");
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--segment-bytes", "64k", "--retention-bytes",
		       "128k", "--retention-check", "100ms");
	assert_int_equal(produce(&b, lines, "-t", "ret", "-p", "0", "-X",
				 "batch.num.messages=20"), 0);
	snprintf(metric, sizeof(metric), "zcio_kafka_log_start_offset"
		 "{topic=\"ret\",partition=\"0\"}");
	end = t_now() + 5;
	while (t_now() < end && (start_off = t_metric(&b, metric)) <= 0)
		usleep(50000);
	assert_true(start_off > 0);
	consume(&b, "ret", "0", "beginning", "%o\n");
	assert_int_equal(atoi(text), (int)start_off);
	assert_int_equal(t_lines(text), 600 - (int)start_off);
	t_broker_stop(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(help),
		cmocka_unit_test(metadata_and_autocreate),
		cmocka_unit_test(keys_headers_partitions),
		cmocka_unit_test(offsets),
		cmocka_unit_test(compression),
		cmocka_unit_test(kafka_python),
		cmocka_unit_test(size_limit),
		cmocka_unit_test(restart),
		cmocka_unit_test(zero_copy),
		cmocka_unit_test(retention),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
