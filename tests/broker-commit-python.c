/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-commit-python.c - committed offsets of `zcio broker` with
 * kafka-python 2.0.2 (GroupCoordinator = FindCoordinator v0, OffsetCommit
 * v2, OffsetFetch v1): a KafkaConsumer with a group_id and assign()
 * commits offsets with metadata, reads them back with committed(), and
 * resumes from them; after a broker restart the same, unchanged. The
 * script runs under timeout(1).
 */
#include "broker-util.h"

static const char py_commit[] =
"import sys\n"
"from kafka import KafkaConsumer, KafkaProducer, TopicPartition\n"
"from kafka.structs import OffsetAndMetadata\n"
"boot, mode = sys.argv[1], sys.argv[2]\n"
"tps = [TopicPartition('pt', p) for p in range(4)]\n"
"if mode == 'commit':\n"
"    pr = KafkaProducer(bootstrap_servers=boot)\n"
"    for i in range(40):\n"
"        pr.send('pt', b'v%d' % i, partition=i % 4)\n"
"    pr.flush()\n"
"    pr.close()\n"
"c = KafkaConsumer(bootstrap_servers=boot, group_id='kpg',\n"
"                  enable_auto_commit=False, consumer_timeout_ms=10000)\n"
"c.assign(tps)\n"
"if mode == 'commit':\n"
"    c.commit({tp: OffsetAndMetadata(3 + tp.partition, 'kp-%d' %\n"
"                                    tp.partition) for tp in tps})\n"
"for tp in tps:\n"
"    om = c.committed(tp, metadata=True)\n"
"    assert om is not None and om.offset == 3 + tp.partition and \\\n"
"        om.metadata == 'kp-%d' % tp.partition, (tp, om)\n"
"got = {}\n"
"for m in c:\n"
"    got.setdefault(m.partition, m.offset)\n"
"    if len(got) == 4:\n"
"        break\n"
"assert got == {p: 3 + p for p in range(4)}, got\n"
"c.close()\n"
"print('ok')\n";

static void kafka_python_commit(void **state)
{
	struct t_broker b;

	(void)state;
	T_NEED("python3-kafka");
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--flush", "always");
	t_python(&b, "commit.py", py_commit, "commit");
	assert_true(t_metric(&b, "zcio_kafka_requests_total"
			     "{api=\"find_coordinator\"}") >= 1);
	assert_int_equal(t_metric(&b, "zcio_kafka_offset_commits_total"), 4);
	t_broker_stop(&b);
	T_BROKER_START(&b, NULL);
	t_python(&b, "commit.py", py_commit, "read");
	assert_int_equal(t_metric(&b, "zcio_kafka_offset_commits_total"), 0);
	t_broker_stop(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kafka_python_commit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
