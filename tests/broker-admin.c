/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-admin.c - topic administration of `zcio broker`: CreateTopics
 * through librdkafka's admin API (rd_kafka_CreateTopics/DeleteTopics) with
 * every error case, and through kafka-python's KafkaAdminClient; raw
 * CreateTopics 0-4 and DeleteTopics 0-3 frames;
 * `zcio broker topics list|create|delete` (the real binary) including
 * errors and a broker that is not running; a topic deleted while a fetch
 * long-polls on it and a producer on another worker keeps writing, then
 * re-created empty, its files closed; 100 creations and deletions under
 * a producer, a consumer and /metrics readers (run it under ASan);
 * deletions surviving a restart, and one interrupted by a crash finished
 * at the next start; create/delete round trips.
 */
#include <dirent.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>

#include "broker-util.h"
#include "kafka-log-util.h"

static uint8_t rbuf[1 << 20];

/* ---- helpers ------------------------------------------------------------ */

/* Directories in the data directory whose name starts with @prefix. */
static int t_dirs(const struct t_broker *b, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(b->data);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

/* Entries ending in @suffix (retired directories, markers). */
static int t_ends(const struct t_broker *b, const char *suffix)
{
	struct dirent *de;
	DIR *d = opendir(b->data);
	size_t n, m = strlen(suffix);
	int c = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		n = strlen(de->d_name);
		c += n > m && !strcmp(de->d_name + n - m, suffix);
	}
	closedir(d);
	return c;
}

/* The broker's open files under its data directory that were deleted. */
static int t_deleted_fds(const struct t_broker *b)
{
	char dir[64], path[PATH_MAX + 64], link[PATH_MAX + 64];
	struct dirent *de;
	ssize_t n;
	int c = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)b->pid);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		c += strstr(link, b->data) && strstr(link, " (deleted)");
	}
	closedir(d);
	return c;
}

/*
 * Waits up to 5 s for the files of deleted topics to be closed (the
 * housekeeping thread closes them once no worker holds the topic).
 */
static void t_files_freed(const struct t_broker *b)
{
	double end = t_now() + 5;

	while (t_deleted_fds(b) && t_now() < end)
		usleep(10000);
	assert_int_equal(t_deleted_fds(b), 0);
}

/*
 * Runs `zcio broker topics -b BOOT ARGS...` (BOOT: @boot) with stdout
 * into DIR/cli.out and stderr into DIR/cli.err; returns the exit status
 * and the two texts (free them).
 */
static int t_topics(const struct t_broker *b, const char *boot, char **out,
		    char **err, const char *const *args)
{
	char po[PATH_MAX + 16], pe[PATH_MAX + 16], *argv[32];
	int n = 0, i, status, fd;
	size_t len;
	pid_t pid;

	t_bpath(b, "cli.out", po, sizeof(po));
	t_bpath(b, "cli.err", pe, sizeof(pe));
	argv[n++] = (char *)t_zcio();
	argv[n++] = "broker";
	argv[n++] = "topics";
	if (boot) {
		argv[n++] = "--bootstrap";
		argv[n++] = (char *)boot;
	}
	for (i = 0; args[i] && n < 31; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		fd = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		fd = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		alarm(60);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*out = t_read_file(po, &len);
	*err = t_read_file(pe, &len);
	assert_non_null(*out);
	assert_non_null(*err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define t_cli(b, out, err, ...)						\
	t_topics(b, (b)->boot, out, err, (const char *const[]){ __VA_ARGS__, \
								NULL })

/* Runs the CLI and expects status @want; returns nothing, frees. */
#define T_CLI_OK(b, want, ...)						\
	do {								\
		char *o_, *e_;						\
		int st_ = t_cli(b, &o_, &e_, __VA_ARGS__);		\
		if (st_ != (want))					\
			fprintf(stderr, "cli: %s%s", o_, e_);		\
		assert_int_equal(st_, (want));				\
		free(o_);						\
		free(e_);						\
	} while (0)

/* The line of `list` for @topic: partitions and end-offset sum, or -1. */
static int t_list(const struct t_broker *b, const char *topic, long *ends)
{
	char *out, *err, *p, name[256];
	int parts = -1, np;
	long e;

	assert_int_equal(t_cli(b, &out, &err, "list"), 0);
	assert_non_null(strstr(out, "TOPIC"));
	for (p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (sscanf(p, "%255s %d %ld", name, &np, &e) == 3 &&
		    !strcmp(name, topic)) {
			parts = np;
			if (ends)
				*ends = e;
		}
	}
	free(out);
	free(err);
	return parts;
}

/* ---- raw frames ----------------------------------------------------- */

static void t_ct_begin(struct t_kreq *r, int16_t ver, int32_t ntopics)
{
	t_kbegin(r, 19, ver, 19);
	t_kput32(r, ntopics);
}

/* A topic without assignments, with @ncfg configs to follow. */
static void t_ct_topic(struct t_kreq *r, const char *name, int32_t np,
		       int16_t rf, int32_t ncfg)
{
	t_kputs(r, name);
	t_kput32(r, np);
	t_kput16(r, rf);
	t_kput32(r, 0);
	t_kput32(r, ncfg);
}

static void t_ct_end(struct t_kreq *r, int16_t ver, int8_t validate_only)
{
	t_kput32(r, 5000);
	if (ver >= 1)
		t_kput8(r, validate_only);
	t_kend(r);
}

struct t_res {
	char name[256];
	int16_t err;
	int has_msg;
};

/* The answer to CreateTopics @ver (or DeleteTopics: @create 0). */
static int t_res_parse(int fd, int ver, int create, struct t_res *res,
		       int max)
{
	ssize_t n = t_krecv(fd, rbuf, sizeof(rbuf), 20000);
	size_t off = 4;
	int32_t cnt, i, nl;

	assert_true(n > 8);
	assert_int_equal(t_get32(rbuf), 19);
	if ((create && ver >= 2) || (!create && ver >= 1)) {
		assert_int_equal(t_get32(rbuf + off), 0);	/* throttle */
		off += 4;
	}
	cnt = t_get32(rbuf + off);
	off += 4;
	assert_true(cnt <= max);
	for (i = 0; i < cnt; i++) {
		nl = t_get16(rbuf + off);
		assert_true(nl >= 0 && nl < 256);
		memcpy(res[i].name, rbuf + off + 2, (size_t)nl);
		res[i].name[nl] = '\0';
		off += 2 + (size_t)nl;
		res[i].err = t_get16(rbuf + off);
		off += 2;
		res[i].has_msg = 0;
		if (create && ver >= 1) {
			nl = t_get16(rbuf + off);
			res[i].has_msg = nl >= 0;
			off += 2 + (size_t)(nl > 0 ? nl : 0);
		}
	}
	assert_int_equal(off, (size_t)n);
	return cnt;
}

/* One CreateTopics of a single plain topic: its error code. */
static int t_create1(int fd, int ver, const char *name, int32_t np,
		     int16_t rf, int8_t validate_only)
{
	static struct t_kreq r;
	struct t_res res[1];

	t_ct_begin(&r, (int16_t)ver, 1);
	t_ct_topic(&r, name, np, rf, 0);
	t_ct_end(&r, (int16_t)ver, validate_only);
	t_send_all(fd, r.b, r.len);
	assert_int_equal(t_res_parse(fd, ver, 1, res, 1), 1);
	assert_string_equal(res[0].name, name);
	/* v1+: every error carries a message */
	if (ver >= 1 && res[0].err)
		assert_true(res[0].has_msg);
	return res[0].err;
}

static int t_delete1(int fd, int ver, const char *name)
{
	static struct t_kreq r;
	struct t_res res[1];

	t_kbegin(&r, 20, (int16_t)ver, 19);
	t_kput32(&r, 1);
	t_kputs(&r, name);
	t_kput32(&r, 5000);
	t_kend(&r);
	t_send_all(fd, r.b, r.len);
	assert_int_equal(t_res_parse(fd, ver, 0, res, 1), 1);
	assert_string_equal(res[0].name, name);
	return res[0].err;
}

/* ---- librdkafka's admin API ----------------------------------------- */

static rd_kafka_t *t_admin(const struct t_broker *b)
{
	return t_rdkafka_new(RD_KAFKA_PRODUCER, t_rdkafka_conf(b, "0"));
}

/*
 * Runs rd_kafka_CreateTopics (@create) or DeleteTopics for the @n
 * objects named @names; writes each result's error into @errs, in the
 * request's order.
 */
static void t_admin_run(rd_kafka_t *rk, int create, void **objs,
			const char *const *names, size_t n, int validate_only,
			rd_kafka_resp_err_t *errs)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *o;
	const rd_kafka_topic_result_t **res;
	rd_kafka_event_t *ev;
	char err[256];
	size_t cnt, i, j;

	o = rd_kafka_AdminOptions_new(rk, create ?
				      RD_KAFKA_ADMIN_OP_CREATETOPICS :
				      RD_KAFKA_ADMIN_OP_DELETETOPICS);
	rd_kafka_AdminOptions_set_request_timeout(o, 20000, err, sizeof(err));
	if (validate_only)
		assert_int_equal(rd_kafka_AdminOptions_set_validate_only(o, 1,
						err, sizeof(err)), 0);
	if (create)
		rd_kafka_CreateTopics(rk, (rd_kafka_NewTopic_t **)objs, n, o,
				      q);
	else
		rd_kafka_DeleteTopics(rk, (rd_kafka_DeleteTopic_t **)objs, n,
				      o, q);
	ev = rd_kafka_queue_poll(q, 30000);
	assert_non_null(ev);
	if (rd_kafka_event_error(ev))
		fail_msg("admin: %s", rd_kafka_event_error_string(ev));
	res = create ?
	      rd_kafka_CreateTopics_result_topics(
		      rd_kafka_event_CreateTopics_result(ev), &cnt) :
	      rd_kafka_DeleteTopics_result_topics(
		      rd_kafka_event_DeleteTopics_result(ev), &cnt);
	assert_int_equal(cnt, n);
	for (i = 0; i < n; i++) {
		errs[i] = (rd_kafka_resp_err_t)-12345;
		for (j = 0; j < cnt; j++)
			if (!strcmp(rd_kafka_topic_result_name(res[j]),
				    names[i]))
				errs[i] = rd_kafka_topic_result_error(res[j]);
	}
	rd_kafka_event_destroy(ev);
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_queue_destroy(q);
}

static rd_kafka_NewTopic_t *t_new_topic(const char *name, int np, int rf)
{
	char err[256];
	rd_kafka_NewTopic_t *t = rd_kafka_NewTopic_new(name, np, rf, err,
						       sizeof(err));

	if (!t)
		fail_msg("NewTopic %s: %s", name, err);
	return t;
}

/* Partitions of @topic in librdkafka's Metadata, -1 when absent. */
static int t_md_parts(rd_kafka_t *rk, const char *topic)
{
	const struct rd_kafka_metadata *md;
	int i, n = -1;

	assert_int_equal(rd_kafka_metadata(rk, 1, NULL, &md, 10000), 0);
	for (i = 0; i < md->topic_cnt; i++)
		if (!strcmp(md->topics[i].topic, topic) &&
		    !md->topics[i].err)
			n = md->topics[i].partition_cnt;
	rd_kafka_metadata_destroy(md);
	return n;
}

static void rdkafka_admin(void **state)
{
	rd_kafka_resp_err_t e[10];
	void *t[10];
	struct t_broker b;
	rd_kafka_t *rk;
	size_t i;

	(void)state;
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--partitions", "2");
	rk = t_admin(&b);

	/* success: explicit count, the default count, manual assignment */
	t[0] = t_new_topic("rk-three", 3, 1);
	t[1] = t_new_topic("rk-default", -1, -1);
	/* librdkafka wants the count with an assignment, sends -1 */
	t[2] = t_new_topic("rk-manual", 2, -1);
	for (i = 0; i < 2; i++)
		assert_int_equal(rd_kafka_NewTopic_set_replica_assignment(
			t[2], (int32_t)i, (int32_t[]){ 1 }, 1, NULL, 0), 0);
	t[3] = t_new_topic("rk-nullcfg", 1, 1);
	assert_int_equal(rd_kafka_NewTopic_set_config(t[3], "cleanup.policy",
						      NULL), 0);
	t_admin_run(rk, 1, t, (const char *const[]){ "rk-three",
		    "rk-default", "rk-manual", "rk-nullcfg" }, 4, 0, e);
	for (i = 0; i < 4; i++)
		assert_int_equal(e[i], RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_NewTopic_destroy_array((rd_kafka_NewTopic_t **)t, 4);
	assert_int_equal(t_md_parts(rk, "rk-three"), 3);
	assert_int_equal(t_md_parts(rk, "rk-default"), 2);
	assert_int_equal(t_md_parts(rk, "rk-manual"), 2);
	assert_int_equal(t_dirs(&b, "rk-three-"), 3);

	/* every error case librdkafka lets through to the broker */
	t[0] = t_new_topic("rk-three", 3, 1);
	t[1] = t_new_topic("rk-rf3", 1, 3);
	t[2] = t_new_topic("rk-assign2", 1, -1);
	assert_int_equal(rd_kafka_NewTopic_set_replica_assignment(
		t[2], 0, (int32_t[]){ 2 }, 1, NULL, 0), 0);
	t[3] = t_new_topic("rk-gap", 2, -1);
	assert_int_equal(rd_kafka_NewTopic_set_replica_assignment(
		t[3], 0, (int32_t[]){ 1 }, 1, NULL, 0), 0);
	assert_int_equal(rd_kafka_NewTopic_set_replica_assignment(
		t[3], 1, (int32_t[]){ 1, 1 }, 2, NULL, 0), 0);
	t[4] = t_new_topic("rk-cfg", 1, 1);
	assert_int_equal(rd_kafka_NewTopic_set_config(t[4], "retention.ms",
						      "1000"), 0);
	t[5] = t_new_topic("rk-unknown-cfg", 1, 1);
	assert_int_equal(rd_kafka_NewTopic_set_config(t[5], "no.such.thing",
						      "1"), 0);
	t[6] = t_new_topic("rk bad name", 1, 1);
	t[7] = t_new_topic("rk-big", 10001, 1);
	t_admin_run(rk, 1, t, (const char *const[]){ "rk-three", "rk-rf3",
		    "rk-assign2", "rk-gap", "rk-cfg", "rk-unknown-cfg",
		    "rk bad name", "rk-big" }, 8, 0, e);
	assert_int_equal(e[0], RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
	assert_int_equal(e[1], RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR);
	assert_int_equal(e[2], RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT);
	assert_int_equal(e[3], RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT);
	assert_int_equal(e[4], RD_KAFKA_RESP_ERR_INVALID_CONFIG);
	assert_int_equal(e[5], RD_KAFKA_RESP_ERR_INVALID_CONFIG);
	assert_int_equal(e[6], RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION);
	assert_int_equal(e[7], RD_KAFKA_RESP_ERR_INVALID_PARTITIONS);
	rd_kafka_NewTopic_destroy_array((rd_kafka_NewTopic_t **)t, 8);
	assert_int_equal(t_dirs(&b, "rk-rf3"), 0);
	assert_int_equal(t_dirs(&b, "rk-big"), 0);

	/* validate_only: accepted, nothing created */
	t[0] = t_new_topic("rk-validate", 2, 1);
	t_admin_run(rk, 1, t, (const char *const[]){ "rk-validate" }, 1, 1,
		    e);
	assert_int_equal(e[0], RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_NewTopic_destroy_array((rd_kafka_NewTopic_t **)t, 1);
	assert_int_equal(t_dirs(&b, "rk-validate"), 0);
	assert_int_equal(t_md_parts(rk, "rk-validate"), -1);

	/* DeleteTopics: one known, one unknown */
	t[0] = rd_kafka_DeleteTopic_new("rk-three");
	t[1] = rd_kafka_DeleteTopic_new("rk-nope");
	t_admin_run(rk, 0, t, (const char *const[]){ "rk-three", "rk-nope" },
		    2, 0, e);
	assert_int_equal(e[0], RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_int_equal(e[1], RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
	rd_kafka_DeleteTopic_destroy_array((rd_kafka_DeleteTopic_t **)t, 2);
	assert_int_equal(t_dirs(&b, "rk-three"), 0);
	assert_int_equal(t_md_parts(rk, "rk-three"), -1);
	assert_int_equal(t_md_parts(rk, "rk-default"), 2);

	rd_kafka_destroy(rk);
	t_broker_stop(&b);
}

/*
 * kafka-python 2.0.2's KafkaAdminClient (it picks CreateTopics v3 and
 * DeleteTopics v3 against this broker): create, exists, list, delete.
 */
static const char py_admin[] =
"import sys\n"
"from kafka.admin import KafkaAdminClient, NewTopic\n"
"from kafka.errors import TopicAlreadyExistsError, InvalidPartitionsError\n"
"from kafka.errors import UnknownTopicOrPartitionError\n"
"a = KafkaAdminClient(bootstrap_servers=sys.argv[1])\n"
"r = a.create_topics([NewTopic('kp-a', 3, 1)])\n"
"assert [e[1] for e in r.topic_errors] == [0], r\n"
"for t, err in (('kp-a', TopicAlreadyExistsError),\n"
"               ('kp-b', InvalidPartitionsError)):\n"
"    try:\n"
"        a.create_topics([NewTopic(t, 0 if t == 'kp-b' else 1, 1)])\n"
"        sys.exit('no error for ' + t)\n"
"    except err:\n"
"        pass\n"
"assert 'kp-a' in a.list_topics()\n"
"r = a.delete_topics(['kp-a'])\n"
"assert [e[1] for e in r.topic_error_codes] == [0], r\n"
"try:\n"
"    a.delete_topics(['kp-a'])\n"
"    sys.exit('deleted twice')\n"
"except UnknownTopicOrPartitionError:\n"
"    pass\n"
"assert 'kp-a' not in a.list_topics()\n"
"print('ok')\n";

static void kafka_python_admin(void **state)
{
	struct t_broker b;

	(void)state;
	T_NEED("python3-kafka");
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--partitions", "2");
	t_python(&b, "admin.py", py_admin, NULL);
	assert_int_equal(t_dirs(&b, "kp-"), 0);
	t_broker_stop(&b);
}

/* ---- raw frames, every version -------------------------------------- */

static void wire_create(void **state)
{
	static struct t_kreq r;
	struct t_res res[4];
	struct t_broker b;
	char name[64];
	int fd, ver;

	(void)state;
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--partitions", "3");
	fd = t_connect(b.port);
	assert_true(fd >= 0);
	for (ver = 0; ver <= 4; ver++) {
		snprintf(name, sizeof(name), "w-v%d", ver);
		assert_int_equal(t_create1(fd, ver, name, 2, 1, 0), 0);
		assert_int_equal(t_dirs(&b, name), 2);
		assert_int_equal(t_create1(fd, ver, name, 2, 1, 0), 36);
		snprintf(name, sizeof(name), "w-def-v%d", ver);
		assert_int_equal(t_create1(fd, ver, name, -1, -1, 0), 0);
		assert_int_equal(t_dirs(&b, name), 3);
		assert_int_equal(t_create1(fd, ver, "w-x", 0, 1, 0), 37);
		assert_int_equal(t_create1(fd, ver, "w-x", -2, 1, 0), 37);
		assert_int_equal(t_create1(fd, ver, "w-x", 10001, 1, 0), 37);
		assert_int_equal(t_create1(fd, ver, "w-x", 1, 2, 0), 38);
		assert_int_equal(t_create1(fd, ver, "w-x", 1, 0, 0), 38);
		assert_int_equal(t_create1(fd, ver, "w-x", 1, -2, 0), 38);
		assert_int_equal(t_create1(fd, ver, "a b", 1, 1, 0), 17);
		assert_int_equal(t_create1(fd, ver, "..", 1, 1, 0), 17);
		assert_int_equal(t_create1(fd, ver, "", 1, 1, 0), 17);
		if (ver >= 1) {
			snprintf(name, sizeof(name), "w-val-v%d", ver);
			assert_int_equal(t_create1(fd, ver, name, 1, 1, 1), 0);
			assert_int_equal(t_dirs(&b, name), 0);
			/* validate_only still reports what would fail */
			assert_int_equal(t_create1(fd, ver, "w-v0", 1, 1, 1),
					 36);
		}
		assert_int_equal(t_dirs(&b, "w-x"), 0);

		/* duplicates in one request: each entry, nothing created */
		t_ct_begin(&r, (int16_t)ver, 3);
		t_ct_topic(&r, "w-dup", 1, 1, 0);
		t_ct_topic(&r, "w-single", 1, 1, 0);
		t_ct_topic(&r, "w-dup", 1, 1, 0);
		t_ct_end(&r, (int16_t)ver, 0);
		t_send_all(fd, r.b, r.len);
		assert_int_equal(t_res_parse(fd, ver, 1, res, 4), 3);
		assert_int_equal(res[0].err, 42);
		assert_int_equal(res[1].err, ver ? 0 : 0);
		assert_int_equal(res[2].err, 42);
		assert_int_equal(t_dirs(&b, "w-dup"), 0);
		assert_int_equal(t_delete1(fd, 0, "w-single"), 0);

		/* manual assignment: [0:[1], 1:[1]], then bad ones */
		snprintf(name, sizeof(name), "w-asg-v%d", ver);
		t_ct_begin(&r, (int16_t)ver, 4);
		t_kputs(&r, name);
		t_kput32(&r, -1);
		t_kput16(&r, -1);
		t_kput32(&r, 2);
		t_kput32(&r, 1); t_kput32(&r, 1); t_kput32(&r, 1);
		t_kput32(&r, 0); t_kput32(&r, 1); t_kput32(&r, 1);
		t_kput32(&r, 0);
		t_kputs(&r, "w-asg-np");		/* with num_partitions */
		t_kput32(&r, 1);
		t_kput16(&r, -1);
		t_kput32(&r, 1);
		t_kput32(&r, 0); t_kput32(&r, 1); t_kput32(&r, 1);
		t_kput32(&r, 0);
		t_kputs(&r, "w-asg-gap");		/* partitions 0, 2 */
		t_kput32(&r, -1);
		t_kput16(&r, -1);
		t_kput32(&r, 2);
		t_kput32(&r, 0); t_kput32(&r, 1); t_kput32(&r, 1);
		t_kput32(&r, 2); t_kput32(&r, 1); t_kput32(&r, 1);
		t_kput32(&r, 0);
		t_kputs(&r, "w-asg-b7");		/* broker 7 */
		t_kput32(&r, -1);
		t_kput16(&r, -1);
		t_kput32(&r, 1);
		t_kput32(&r, 0); t_kput32(&r, 1); t_kput32(&r, 7);
		t_kput32(&r, 0);
		t_ct_end(&r, (int16_t)ver, 0);
		t_send_all(fd, r.b, r.len);
		assert_int_equal(t_res_parse(fd, ver, 1, res, 4), 4);
		assert_int_equal(res[0].err, 0);
		assert_int_equal(res[1].err, 42);
		assert_int_equal(res[2].err, 39);
		assert_int_equal(res[3].err, 39);
		assert_int_equal(t_dirs(&b, name), 2);
		assert_int_equal(t_dirs(&b, "w-asg-"), 2 * (ver + 1));

		/* configs: null known ok; a value or an unknown name: 40 */
		snprintf(name, sizeof(name), "w-cfg-v%d", ver);
		t_ct_begin(&r, (int16_t)ver, 3);
		t_ct_topic(&r, name, 1, 1, 1);
		t_kputs(&r, "retention.ms");
		t_kputs(&r, NULL);
		t_ct_topic(&r, "w-cfg-val", 1, 1, 1);
		t_kputs(&r, "retention.ms");
		t_kputs(&r, "100");
		t_ct_topic(&r, "w-cfg-unknown", 1, 1, 1);
		t_kputs(&r, "foo.bar");
		t_kputs(&r, NULL);
		t_ct_end(&r, (int16_t)ver, 0);
		t_send_all(fd, r.b, r.len);
		assert_int_equal(t_res_parse(fd, ver, 1, res, 4), 3);
		assert_int_equal(res[0].err, 0);
		assert_int_equal(res[1].err, 40);
		assert_int_equal(res[2].err, 40);
		assert_int_equal(t_dirs(&b, "w-cfg-"), ver + 1);
	}
	/* a 32760-byte config name: refused, its message still fits */
	{
		static char longname[32761];

		memset(longname, 'x', 32760);
		t_ct_begin(&r, 4, 1);
		t_ct_topic(&r, "w-long", 1, 1, 1);
		t_kputs(&r, longname);
		t_kputs(&r, "1");
		t_ct_end(&r, 4, 0);
		t_send_all(fd, r.b, r.len);
		assert_int_equal(t_res_parse(fd, 4, 1, res, 4), 1);
		assert_int_equal(res[0].err, 40);
		assert_true(res[0].has_msg);
	}
	close(fd);
	t_broker_stop(&b);
}

static void wire_delete(void **state)
{
	struct t_broker b;
	char name[64];
	int fd, ver;

	(void)state;
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--partitions", "2");
	fd = t_connect(b.port);
	assert_true(fd >= 0);
	for (ver = 0; ver <= 3; ver++) {
		snprintf(name, sizeof(name), "d-v%d", ver);
		assert_int_equal(t_create1(fd, 4, name, 2, 1, 0), 0);
		assert_int_equal(t_dirs(&b, name), 2);
		assert_int_equal(t_delete1(fd, ver, name), 0);
		assert_int_equal(t_dirs(&b, name), 0);
		assert_int_equal(t_delete1(fd, ver, name), 3);
		assert_int_equal(t_delete1(fd, ver, "no such"), 3);
		assert_int_equal(t_delete1(fd, ver, ""), 3);
		/* the same name again: a new, empty topic */
		assert_int_equal(t_create1(fd, 0, name, 1, 1, 0), 0);
		assert_int_equal(t_dirs(&b, name), 1);
	}
	assert_int_equal(t_ends(&b, ".deleted"), 0);
	t_files_freed(&b);
	close(fd);
	t_broker_stop(&b);
}

/* What the codec refuses closes only that connection, at once. */
static void wire_refused(void **state)
{
	static struct t_kreq r;
	struct t_broker b;
	int fd, i;

	(void)state;
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--partitions", "1");
	for (i = 0; i < 4; i++) {
		fd = t_connect(b.port);
		assert_true(fd >= 0);
		if (i == 0) {			/* CreateTopics v5: flexible */
			t_ct_begin(&r, 5, 1);
			t_ct_topic(&r, "x", 1, 1, 0);
			t_ct_end(&r, 5, 0);
		} else if (i == 1) {		/* DeleteTopics v4 */
			t_kbegin(&r, 20, 4, 1);
			t_kput32(&r, 0);
			t_kput32(&r, 0);
			t_kend(&r);
		} else if (i == 2) {		/* truncated topic */
			t_ct_begin(&r, 4, 1);
			t_kputs(&r, "x");
			t_kput32(&r, 1);
			t_kend(&r);
		} else {			/* absurd count */
			t_kbegin(&r, 20, 1, 1);
			t_kput32(&r, 0x7fffffff);
			t_kput32(&r, 0);
			t_kend(&r);
		}
		t_send_all(fd, r.b, r.len);
		assert_int_equal(t_krecv(fd, rbuf, sizeof(rbuf), 3000), 0);
		close(fd);
	}
	/* the broker still answers */
	fd = t_connect(b.port);
	assert_int_equal(t_create1(fd, 4, "still-here", 1, 1, 0), 0);
	close(fd);
	t_broker_stop(&b);
}

/* ---- the command line ------------------------------------------------- */

static void cli(void **state)
{
	struct sockaddr_in sin = { 0 };
	socklen_t sl = sizeof(sin);
	struct t_broker b;
	char *out, *err, dead[32];
	long ends = -1;
	int fd, port;

	(void)state;
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--partitions", "2");

	T_CLI_OK(&b, 0, "--help");
	T_CLI_OK(&b, 2, "frobnicate");
	T_CLI_OK(&b, 2, "create");
	T_CLI_OK(&b, 2, "create", "a", "b");
	T_CLI_OK(&b, 2, "create", "a", "--partitions", "0");
	T_CLI_OK(&b, 2, "delete");
	assert_int_equal(t_cli(&b, &out, &err, "list", "--bogus"), 2);
	assert_non_null(strstr(err, "unrecognized option --bogus"));
	assert_non_null(strstr(err, "zcio broker topics --help"));
	free(out);
	free(err);

	assert_int_equal(t_cli(&b, &out, &err, "create", "cli-a",
			       "--partitions", "3"), 0);
	assert_non_null(strstr(out, "created topic cli-a"));
	free(out);
	free(err);
	T_CLI_OK(&b, 0, "create", "cli-b");
	assert_int_equal(t_list(&b, "cli-a", &ends), 3);
	assert_int_equal(ends, 0);
	assert_int_equal(t_list(&b, "cli-b", NULL), 2);

	/* errors by their Kafka names, exit 1 */
	assert_int_equal(t_cli(&b, &out, &err, "create", "cli-a"), 1);
	assert_non_null(strstr(err, "TOPIC_ALREADY_EXISTS"));
	free(out);
	free(err);
	assert_int_equal(t_cli(&b, &out, &err, "create", "bad/name"), 1);
	assert_non_null(strstr(err, "INVALID_TOPIC_EXCEPTION"));
	free(out);
	free(err);
	T_CLI_OK(&b, 0, "create", "cli-v", "--validate-only");
	assert_int_equal(t_list(&b, "cli-v", NULL), -1);

	/* records show in the end offsets */
	if (t_have("kcat")) {
		char in[PATH_MAX + 16];

		t_bwrite(&b, "in.txt", "a\nb\nc\n", 6, in, sizeof(in));
		assert_int_equal(t_kcat(&b, 20, in, NULL, "-P", "-t", "cli-a",
					"-p", "1"), 0);
		assert_int_equal(t_list(&b, "cli-a", &ends), 3);
		assert_int_equal(ends, 3);
		assert_int_equal(t_cli(&b, &out, &err, "list", "-v"), 0);
		assert_non_null(strstr(out, "cli-a-1  end 3"));
		free(out);
		free(err);
	}

	/* delete: several at once; an unknown one fails the run */
	assert_int_equal(t_cli(&b, &out, &err, "delete", "cli-a", "nope",
			       "cli-b"), 1);
	assert_non_null(strstr(out, "deleted topic cli-a"));
	assert_non_null(strstr(out, "deleted topic cli-b"));
	assert_non_null(strstr(err, "delete nope: UNKNOWN_TOPIC_OR_PARTITION"));
	free(out);
	free(err);
	assert_int_equal(t_list(&b, "cli-a", NULL), -1);
	assert_int_equal(t_list(&b, "cli-b", NULL), -1);
	assert_int_equal(t_dirs(&b, "cli-"), 0);

	/* a port nobody listens on: refused, named */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	snprintf(dead, sizeof(dead), "127.0.0.1:%d", port);
	assert_int_equal(t_topics(&b, dead, &out, &err,
				  (const char *const[]){ "list", NULL }), 1);
	assert_non_null(strstr(err, dead));
	assert_non_null(strstr(err, "Connection refused"));
	free(out);
	free(err);
	assert_int_equal(t_topics(&b, "nonsense", &out, &err,
				  (const char *const[]){ "list", NULL }), 1);
	assert_non_null(strstr(err, "nonsense"));
	free(out);
	free(err);
	t_broker_stop(&b);
}

/* ---- delete under load ---------------------------------------------- */

/* Produce v7 of @blob to @topic partition 0, acks 1, on @fd. */
static int t_produce(int fd, const char *topic, const struct t_batch *bt,
		     uint8_t *buf, size_t cap)
{
	struct t_kreq *r = malloc(sizeof(*r));
	ssize_t n;
	size_t off;
	int16_t nl;

	assert_non_null(r);
	t_kbegin(r, 0, 7, 7);
	t_kputs(r, NULL);
	t_kput16(r, 1);
	t_kput32(r, 5000);
	t_kput32(r, 1);
	t_kputs(r, topic);
	t_kput32(r, 1);
	t_kput32(r, 0);
	t_kput32(r, (int32_t)bt->len);
	t_kput(r, bt->p, bt->len);
	t_kend(r);
	t_send_all(fd, r->b, r->len);
	free(r);
	n = t_krecv(fd, buf, cap, 10000);
	if (n <= 30)
		return -1;
	off = 4 + 4;
	nl = t_get16(buf + off);
	off += 2 + (size_t)nl + 4 + 4;
	return t_get16(buf + off);
}

struct t_loader {
	int port;
	const char *topic;
	volatile int stop;
	int ok, unknown, other;
};

/* Produces in a loop on its own connection until told to stop. */
static void *loader(void *arg)
{
	struct t_loader *l = arg;
	struct t_batch bt = t_batch_make(5, 100, 3, 1700000000000LL, 1, 0);
	static uint8_t buf[4096];
	int fd = t_connect(l->port), e;

	while (fd >= 0 && !l->stop) {
		e = t_produce(fd, l->topic, &bt, buf, sizeof(buf));
		if (e == 0)
			l->ok++;
		else if (e == 3)
			l->unknown++;
		else
			l->other++;
	}
	if (fd >= 0)
		close(fd);
	t_batch_free(&bt);
	return NULL;
}

static void t_fetch_send(int fd, const char *topic, int32_t part,
			 int64_t offset, int32_t wait_ms)
{
	static struct t_kreq r;

	t_fetch_req(&r, 11, topic, part, offset, wait_ms, 1, 1 << 20);
	t_send_all(fd, r.b, r.len);
}

/* The error and high watermark of a single-partition Fetch v11 answer. */
static int16_t t_fetch_recv(int fd, int ms, int64_t *hwm, int32_t *rlen)
{
	ssize_t n = t_krecv(fd, rbuf, sizeof(rbuf), ms);
	size_t off = 4 + 4 + 2 + 4 + 4;
	int16_t nl;

	assert_true(n > 40);
	nl = t_get16(rbuf + off);
	off += 2 + (size_t)nl + 4 + 4;
	*hwm = t_get64(rbuf + off + 2);
	*rlen = t_get32(rbuf + off + 2 + 8 + 8 + 8 + 4 + 4);
	return t_get16(rbuf + off);
}

#define BUSY0 "zcio_kafka_log_end_offset{topic=\"busy\",partition=\"0\"}"

static void delete_while_busy(void **state)
{
	struct t_loader l = { .topic = "busy" };
	struct t_broker b;
	pthread_t th;
	int64_t hwm, p1;
	int32_t rlen;
	double t0;
	long ends;
	int fd, i;

	(void)state;
	t_broker_dirs(&b);
	/* two workers: the fetch and the producer land on different ones */
	T_BROKER_START(&b, "--workers", "2", "--auto-create", "off");
	T_CLI_OK(&b, 0, "create", "busy", "--partitions", "2");
	l.port = b.port;
	assert_int_equal(pthread_create(&th, NULL, loader, &l), 0);
	for (t0 = t_now(); l.ok < 20 && t_now() < t0 + 20; usleep(10000))
		;
	assert_true(l.ok >= 20);

	/*
	 * Partition 0 grows under the loader; partition 1 gets three records
	 * from kcat (librdkafka), and a fetch past them waits up to 30 s.
	 */
	fd = t_connect(b.port);
	assert_true(fd >= 0);
	t_fetch_send(fd, "busy", 0, 0, 0);
	assert_int_equal(t_fetch_recv(fd, 5000, &hwm, &rlen), 0);
	assert_true(hwm > 0);
	assert_true(rlen > 0);
	assert_true(t_metric(&b, BUSY0) >= (double)hwm);
	p1 = 0;
	if (t_have("kcat")) {
		char in[PATH_MAX + 16];

		t_bwrite(&b, "in.txt", "x\ny\nz\n", 6, in, sizeof(in));
		assert_int_equal(t_kcat(&b, 20, in, NULL, "-P", "-t", "busy",
					"-p", "1"), 0);
		p1 = 3;
	}
	t_fetch_send(fd, "busy", 1, 0, 0);
	assert_int_equal(t_fetch_recv(fd, 5000, &hwm, &rlen), 0);
	assert_int_equal(hwm, p1);
	t_fetch_send(fd, "busy", 1, p1, 30000);
	assert_int_equal(t_krecv(fd, rbuf, sizeof(rbuf), 300), -1);

	t0 = t_now();
	T_CLI_OK(&b, 0, "delete", "busy");
	/* the parked fetch answers at once: the topic is gone */
	assert_int_equal(t_fetch_recv(fd, 5000, &hwm, &rlen), 3);
	assert_true(t_now() - t0 < 5);
	for (i = 0; l.unknown < 5 && i < 500; i++)
		usleep(10000);
	l.stop = 1;
	pthread_join(th, NULL);
	assert_true(l.unknown >= 5);
	assert_int_equal(l.other, 0);
	assert_int_equal(t_dirs(&b, "busy-"), 0);
	assert_int_equal(t_ends(&b, ".deleted"), 0);
	/* the gauges of a deleted partition say it is not there */
	assert_true(t_metric(&b, BUSY0) == -1);
	/* and its files are closed: the disk space is free */
	t_files_freed(&b);

	/* re-created: fresh and empty */
	T_CLI_OK(&b, 0, "create", "busy", "--partitions", "1");
	assert_int_equal(t_list(&b, "busy", &ends), 1);
	assert_int_equal(ends, 0);
	assert_true(t_metric(&b, BUSY0) == 0);
	t_fetch_send(fd, "busy", 0, 0, 0);
	assert_int_equal(t_fetch_recv(fd, 5000, &hwm, &rlen), 0);
	assert_int_equal(hwm, 0);
	assert_int_equal(rlen, 0);
	if (t_have("kcat")) {
		char out[PATH_MAX + 16];
		size_t len;
		char *text;

		t_bpath(&b, "consumed", out, sizeof(out));
		assert_int_equal(t_kcat(&b, 20, NULL, out, "-C", "-t", "busy",
					"-o", "beginning", "-e"), 0);
		text = t_read_file(out, &len);
		assert_int_equal(len, 0);
		free(text);
	}
	close(fd);

	/* and after a restart still that one, empty */
	t_broker_stop(&b);
	T_BROKER_START(&b, "--workers", "2", "--auto-create", "off");
	assert_int_equal(t_list(&b, "busy", &ends), 1);
	assert_int_equal(ends, 0);
	t_broker_stop(&b);
}

/* Long-polls partition 1 of a topic in a loop; counts answers by error. */
struct t_poller {
	int port;
	const char *topic;
	volatile int stop;
	int ok, unknown, other;
};

static void *poller(void *arg)
{
	struct t_poller *p = arg;
	static uint8_t buf[1 << 20];
	struct t_kreq *r = calloc(1, sizeof(*r));
	int fd = t_connect(p->port);
	ssize_t n;
	int16_t e;

	assert_non_null(r);
	while (fd >= 0 && !p->stop) {
		/* partition 1 from 0, waiting 3 ms: short, many looks */
		t_fetch_req(r, 11, p->topic, 1, 0, 3, 1, 1 << 20);
		t_send_all(fd, r->b, r->len);
		n = t_krecv(fd, buf, sizeof(buf), 5000);
		if (n <= 40) {
			p->other++;
			break;
		}
		e = t_get16(buf + 4 + 4 + 2 + 4 + 4 + 2 +
			    (size_t)t_get16(buf + 18) + 4 + 4);
		if (e == 0)
			p->ok++;
		else if (e == 3)
			p->unknown++;
		else
			p->other++;
	}
	if (fd >= 0)
		close(fd);
	free(r);
	return NULL;
}

/* Reads /metrics in a loop (the gauges of deleted partitions). */
struct t_scraper {
	int port;
	volatile int stop;
	int rounds;
};

static void *scraper(void *arg)
{
	struct t_scraper *s = arg;
	static char buf[1 << 20];
	int fd, eof;

	while (!s->stop) {
		fd = t_connect(s->port);
		if (fd < 0)
			break;
		t_send_str(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n"
			   "Connection: close\r\n\r\n");
		t_recv_until(fd, buf, sizeof(buf), 3000, &eof);
		close(fd);
		s->rounds++;
	}
	return NULL;
}

/*
 * Creation and deletion of one name, 100 times, while a producer writes to
 * it, a consumer long-polls it and /metrics is read, on three workers:
 * every answer is NONE or UNKNOWN_TOPIC_OR_PARTITION, nothing crashes
 * (run under ASan: no use of a freed log), the files are closed.
 */
static void churn(void **state)
{
	struct t_loader l = { .topic = "churn" };
	struct t_poller p = { .topic = "churn" };
	struct t_scraper sc = { 0 };
	pthread_t th[3];
	struct t_broker b;
	int fd, i;

	(void)state;
	t_broker_dirs(&b);
	/* --flush always: appends last long enough to race the deletion */
	T_BROKER_START(&b, "--workers", "3", "--auto-create", "off",
		       "--flush", "always");
	l.port = p.port = b.port;
	sc.port = b.mport;
	fd = t_connect(b.port);
	assert_int_equal(t_create1(fd, 4, "churn", 2, 1, 0), 0);
	assert_int_equal(pthread_create(&th[0], NULL, loader, &l), 0);
	assert_int_equal(pthread_create(&th[1], NULL, poller, &p), 0);
	assert_int_equal(pthread_create(&th[2], NULL, scraper, &sc), 0);
	for (i = 0; i < 100; i++) {
		usleep(5000);
		assert_int_equal(t_delete1(fd, 3, "churn"), 0);
		usleep(2000);
		assert_int_equal(t_create1(fd, 4, "churn", 1 + i % 3, 1, 0),
				 0);
	}
	usleep(100000);
	l.stop = p.stop = sc.stop = 1;
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	close(fd);
	assert_int_equal(l.other, 0);
	assert_int_equal(p.other, 0);
	assert_true(l.ok > 0 && l.unknown > 0);
	assert_true(p.ok > 0);
	assert_true(sc.rounds > 0);
	t_files_freed(&b);
	t_broker_stop(&b);
}

/* ---- restarts -------------------------------------------------------- */

static void restart_after_delete(void **state)
{
	struct t_broker b;
	long ends;
	int fd, dfd, i;

	(void)state;
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--partitions", "2");
	T_CLI_OK(&b, 0, "create", "keep");
	T_CLI_OK(&b, 0, "create", "gone");
	T_CLI_OK(&b, 0, "create", "half", "--partitions", "3");
	fd = t_connect(b.port);
	for (i = 0; i < 3; i++) {
		struct t_batch bt = t_batch_make(2, 10, 1, 1, 1, 0);

		assert_int_equal(t_produce(fd, i ? "gone" : "keep", &bt,
					   rbuf, sizeof(rbuf)), 0);
		t_batch_free(&bt);
	}
	close(fd);
	T_CLI_OK(&b, 0, "delete", "gone");
	t_broker_stop(&b);

	/*
	 * What a crash in the middle of deleting "half" leaves: the marker,
	 * one partition already retired (with a file), two not; and a
	 * retired directory that a crash left unremoved.
	 */
	dfd = open(b.data, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	fd = openat(dfd, ".rm-half", O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(renameat(dfd, "half-1", dfd, "half-1.123.deleted"),
			 0);
	assert_int_equal(mkdirat(dfd, "old-0.9.deleted", 0755), 0);
	fd = openat(dfd, "old-0.9.deleted/00000000000000000000.log",
		    O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	close(dfd);

	T_BROKER_START(&b, "--partitions", "2");
	assert_int_equal(t_list(&b, "keep", &ends), 2);
	assert_int_equal(ends, 2);
	assert_int_equal(t_list(&b, "gone", NULL), -1);
	assert_int_equal(t_list(&b, "half", NULL), -1);
	assert_int_equal(t_dirs(&b, "gone"), 0);
	assert_int_equal(t_dirs(&b, "half"), 0);
	assert_int_equal(t_ends(&b, ".deleted"), 0);
	assert_int_equal(t_dirs(&b, ".rm-"), 0);
	t_broker_stop(&b);
}

/* create, produce, delete, many times: each incarnation starts empty. */
static void round_trips(void **state)
{
	struct t_batch bt = t_batch_make(3, 10, 1, 1, 1, 0);
	struct t_broker b;
	long ends;
	int fd, i, j;

	(void)state;
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--partitions", "1", "--auto-create", "off");
	fd = t_connect(b.port);
	for (i = 0; i < 25; i++) {
		assert_int_equal(t_create1(fd, 4, "rt", 1 + i % 3, 1, 0), 0);
		for (j = 0; j <= i % 4; j++)
			assert_int_equal(t_produce(fd, "rt", &bt, rbuf,
						   sizeof(rbuf)), 0);
		assert_int_equal(t_list(&b, "rt", &ends), 1 + i % 3);
		assert_int_equal(ends, 3 * (i % 4 + 1));
		assert_int_equal(t_delete1(fd, 3, "rt"), 0);
		assert_int_equal(t_produce(fd, "rt", &bt, rbuf, sizeof(rbuf)),
				 3);
		assert_int_equal(t_list(&b, "rt", NULL), -1);
	}
	close(fd);
	t_batch_free(&bt);
	assert_int_equal(t_dirs(&b, "rt-"), 0);
	t_files_freed(&b);
	t_broker_stop(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rdkafka_admin),
		cmocka_unit_test(kafka_python_admin),
		cmocka_unit_test(wire_create),
		cmocka_unit_test(wire_delete),
		cmocka_unit_test(wire_refused),
		cmocka_unit_test(cli),
		cmocka_unit_test(delete_while_busy),
		cmocka_unit_test(churn),
		cmocka_unit_test(restart_after_delete),
		cmocka_unit_test(round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
