/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-group.c - the group coordinator of `zcio broker` on the
 * wire, with raw sockets, so that each step of Kafka's group protocol is
 * seen and timed: two members join (MEMBER_ID_REQUIRED first, v5), the
 * protocol every member offers is chosen, only the leader gets the member
 * list, a follower's SyncGroup waits for the leader's and gets its own
 * assignment; a third member makes the others' heartbeats answer
 * REBALANCE_IN_PROGRESS until they rejoin; a member that stops
 * heartbeating is expelled after its session timeout; LeaveGroup; the
 * errors (INVALID_SESSION_TIMEOUT, INVALID_GROUP_ID, INCONSISTENT_GROUP_
 * PROTOCOL, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, static membership
 * refused); a follower's JoinGroup with the same protocols answered at
 * once, the leader's rebalancing; OffsetCommit checked against the group
 * (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS while
 * CompletingRebalance, simple commits only without members); a parked
 * JoinGroup whose connection closes, a parked one at graceful stop
 * (COORDINATOR_NOT_AVAILABLE), a request pipelined behind a parked
 * JoinGroup, answered after it; and six clients churning on four workers
 * (joins, closes while parked, leaves).
 */
#include "broker-util.h"

static uint8_t rbuf[1 << 16];

/* Protocols a member offers: names, each with metadata "<name>-meta". */
struct t_protos {
	const char *type;
	const char *names[4];
};

static const struct t_protos consumer = { "consumer",
					  { "range", "roundrobin" } };

static void join_req(struct t_kreq *r, int16_t ver, int32_t corr,
		     const char *group, const char *member, int32_t session,
		     const struct t_protos *p)
{
	char meta[64];
	int i, n = 0;

	while (n < 4 && p->names[n])
		n++;
	t_kbegin(r, 11, ver, corr);
	t_kputs(r, group);
	t_kput32(r, session);
	if (ver >= 1)
		t_kput32(r, 10000);		/* rebalance timeout */
	t_kputs(r, member);
	if (ver >= 5)
		t_kputs(r, NULL);		/* group_instance_id */
	t_kputs(r, p->type);
	t_kput32(r, n);
	for (i = 0; i < n; i++) {
		t_kputs(r, p->names[i]);
		snprintf(meta, sizeof(meta), "%s-meta", p->names[i]);
		t_kput32(r, (int32_t)strlen(meta));
		t_kput(r, meta, strlen(meta));
	}
	t_kend(r);
}

struct t_join {
	int16_t error;
	int32_t gen;
	char proto[64], leader[128], member[128];
	int nr_members;
	char members[4][128];
	char meta[4][64];
};

static size_t get_str(const uint8_t *f, size_t off, ssize_t n, char *out,
		      size_t cap)
{
	int16_t len = t_get16(f + off);

	assert_true(off + 2 <= (size_t)n);
	if (len < 0) {
		*out = '\0';
		return off + 2;
	}
	assert_true((size_t)len < cap && off + 2 + (size_t)len <= (size_t)n);
	memcpy(out, f + off + 2, (size_t)len);
	out[len] = '\0';
	return off + 2 + (size_t)len;
}

/* A JoinGroup answer of version @ver (>= 2) in @f. */
static void join_parse(const uint8_t *f, ssize_t n, int ver,
		       struct t_join *j)
{
	size_t off = 4 + (ver >= 2 ? 4 : 0);
	int32_t ml;
	int i;

	memset(j, 0, sizeof(*j));
	assert_true(n >= (ssize_t)off + 6);
	j->error = t_get16(f + off);
	j->gen = t_get32(f + off + 2);
	off = get_str(f, off + 6, n, j->proto, sizeof(j->proto));
	off = get_str(f, off, n, j->leader, sizeof(j->leader));
	off = get_str(f, off, n, j->member, sizeof(j->member));
	j->nr_members = t_get32(f + off);
	off += 4;
	assert_true(j->nr_members >= 0 && j->nr_members <= 4);
	for (i = 0; i < j->nr_members; i++) {
		off = get_str(f, off, n, j->members[i], sizeof(j->members[i]));
		if (ver >= 5) {
			char inst[8];

			assert_int_equal(t_get16(f + off), -1);
			off = get_str(f, off, n, inst, sizeof(inst));
		}
		ml = t_get32(f + off);
		assert_true(ml >= 0 && ml < 64 && off + 4 + (size_t)ml <=
			    (size_t)n);
		memcpy(j->meta[i], f + off + 4, (size_t)ml);
		off += 4 + (size_t)ml;
	}
	assert_int_equal(off, (size_t)n);
}

/* Sends @r on @fd and reads the answer into @j; fails after @ms. */
static void join_call(int fd, struct t_kreq *r, int ver, int32_t corr,
		      int ms, struct t_join *j)
{
	ssize_t n;

	t_send_all(fd, r->b, r->len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), ms);
	assert_true(n > 0);
	assert_int_equal(t_get32(rbuf), corr);
	join_parse(rbuf, n, ver, j);
}

/* Reads a parked JoinGroup's answer (sent before) from @fd. */
static void join_wait(int fd, int ver, int32_t corr, int ms, struct t_join *j)
{
	ssize_t n = t_krecv(fd, rbuf, sizeof(rbuf), ms);

	assert_true(n > 0);
	assert_int_equal(t_get32(rbuf), corr);
	join_parse(rbuf, n, ver, j);
}

/* v5: MEMBER_ID_REQUIRED with an id, then the JoinGroup that parks. */
static void join_v5_start(int fd, const char *group, int32_t session,
			  const struct t_protos *p, char *id, size_t cap)
{
	struct t_kreq r;
	struct t_join j;

	join_req(&r, 5, 1, group, "", session, p);
	join_call(fd, &r, 5, 1, 3000, &j);
	assert_int_equal(j.error, 79);
	assert_int_equal(j.gen, -1);
	assert_true(strlen(j.member) > 2);
	assert_true(!strncmp(j.member, "t-", 2));	/* client id "t" */
	snprintf(id, cap, "%s", j.member);
	join_req(&r, 5, 2, group, id, session, p);
	t_send_all(fd, r.b, r.len);
}

struct t_assign {
	const char *member;
	const char *data;
};

static void sync_req(struct t_kreq *r, int16_t ver, int32_t corr,
		     const char *group, int32_t gen, const char *member,
		     const struct t_assign *a, int n)
{
	int i;

	t_kbegin(r, 14, ver, corr);
	t_kputs(r, group);
	t_kput32(r, gen);
	t_kputs(r, member);
	if (ver >= 3)
		t_kputs(r, NULL);
	t_kput32(r, n);
	for (i = 0; i < n; i++) {
		t_kputs(r, a[i].member);
		t_kput32(r, (int32_t)strlen(a[i].data));
		t_kput(r, a[i].data, strlen(a[i].data));
	}
	t_kend(r);
}

/* A SyncGroup v1+ answer: the error, the assignment into @out. */
static int sync_parse(const uint8_t *f, ssize_t n, char *out, size_t cap)
{
	int32_t len;

	assert_true(n >= 4 + 4 + 2 + 4);
	len = t_get32(f + 10);
	assert_true(len >= 0 && (size_t)len < cap);
	assert_int_equal(n, 14 + len);
	memcpy(out, f + 14, (size_t)len);
	out[len] = '\0';
	return t_get16(f + 8);
}

static int sync_wait(int fd, int32_t corr, int ms, char *out, size_t cap)
{
	ssize_t n = t_krecv(fd, rbuf, sizeof(rbuf), ms);

	assert_true(n > 0);
	assert_int_equal(t_get32(rbuf), corr);
	return sync_parse(rbuf, n, out, cap);
}

/*
 * Ends @r (begun with correlation id @corr) and sends it on @fd; its answer
 * must come within 3 s, @len bytes with that id, into rbuf.
 */
static void call(int fd, struct t_kreq *r, int32_t corr, ssize_t len)
{
	ssize_t n;

	t_kend(r);
	t_send_all(fd, r->b, r->len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 3000);
	assert_int_equal(n, len);
	assert_int_equal(t_get32(rbuf), corr);
}

/* Heartbeat v3; returns the error code. */
static int heartbeat(int fd, const char *group, int32_t gen,
		     const char *member)
{
	struct t_kreq r;

	t_kbegin(&r, 12, 3, 77);
	t_kputs(&r, group);
	t_kput32(&r, gen);
	t_kputs(&r, member);
	t_kputs(&r, NULL);
	call(fd, &r, 77, 10);
	return t_get16(rbuf + 8);
}

/* LeaveGroup v1; returns the error code. */
static int leave(int fd, const char *group, const char *member)
{
	struct t_kreq r;

	t_kbegin(&r, 13, 1, 78);
	t_kputs(&r, group);
	t_kputs(&r, member);
	call(fd, &r, 78, 10);
	return t_get16(rbuf + 8);
}

/* Whether nothing arrives on @fd within @ms. */
static int silent(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 0;
}

/* On the test's engine with a 1 s initial join delay, then the options
 * given. */
#define start(b, ...)							\
	T_BROKER_START_ON(b, T_ENGINE(state), "--group-initial-delay", "1000", \
			  __VA_ARGS__)

/*
 * A pair in group @group: A (the leader: it joins first, offers range
 * and roundrobin) and B (offers roundrobin only, so roundrobin is the one
 * protocol both offer), synced with assignments "aaa" and "bbbb".
 */
struct t_pair {
	int a, b;
	char ida[128], idb[128];
	int32_t gen;
};

static const struct t_protos rr_only = { "consumer", { "roundrobin" } };

static void pair_up(struct t_broker *br, const char *group, int32_t session,
		    struct t_pair *p)
{
	struct t_assign as[2];
	struct t_join ja, jb;
	struct t_kreq r;
	char out[64];

	p->a = t_connect(br->port);
	p->b = t_connect(br->port);
	join_v5_start(p->a, group, session, &consumer, p->ida,
		      sizeof(p->ida));
	/* A waits for the initial delay, B arrives within it (A's JoinGroup
	 * is in first: with two workers the two may race). */
	assert_true(silent(p->a, 50));
	join_v5_start(p->b, group, session, &rr_only, p->idb,
		      sizeof(p->idb));
	join_wait(p->a, 5, 2, 5000, &ja);
	join_wait(p->b, 5, 2, 5000, &jb);
	assert_int_equal(ja.error, 0);
	assert_int_equal(jb.error, 0);
	assert_true(ja.gen >= 1);
	assert_int_equal(ja.gen, jb.gen);
	assert_string_equal(ja.proto, "roundrobin");
	assert_string_equal(jb.proto, "roundrobin");
	assert_string_equal(ja.leader, p->ida);
	assert_string_equal(jb.leader, p->ida);
	assert_string_equal(ja.member, p->ida);
	assert_string_equal(jb.member, p->idb);
	/* Only the leader sees the members, with the chosen metadata. */
	assert_int_equal(ja.nr_members, 2);
	assert_int_equal(jb.nr_members, 0);
	assert_string_equal(ja.meta[0], "roundrobin-meta");
	assert_string_equal(ja.meta[1], "roundrobin-meta");
	assert_true((!strcmp(ja.members[0], p->ida) &&
		     !strcmp(ja.members[1], p->idb)) ||
		    (!strcmp(ja.members[1], p->ida) &&
		     !strcmp(ja.members[0], p->idb)));
	p->gen = ja.gen;
	/* The follower's SyncGroup waits for the leader's. */
	sync_req(&r, 3, 5, group, p->gen, p->idb, NULL, 0);
	t_send_all(p->b, r.b, r.len);
	assert_true(silent(p->b, 300));
	as[0] = (struct t_assign){ p->ida, "aaa" };
	as[1] = (struct t_assign){ p->idb, "bbbb" };
	sync_req(&r, 3, 6, group, p->gen, p->ida, as, 2);
	t_send_all(p->a, r.b, r.len);
	assert_int_equal(sync_wait(p->a, 6, 3000, out, sizeof(out)), 0);
	assert_string_equal(out, "aaa");
	assert_int_equal(sync_wait(p->b, 5, 3000, out, sizeof(out)), 0);
	assert_string_equal(out, "bbbb");
	assert_int_equal(heartbeat(p->a, group, p->gen, p->ida), 0);
	assert_int_equal(heartbeat(p->b, group, p->gen, p->idb), 0);
}

static void two_members(void **state)
{
	struct t_broker b;
	struct t_pair p;
	char out[64];
	struct t_kreq r;
	ssize_t n;

	start(&b, "--workers", "2");
	pair_up(&b, "g2", 10000, &p);
	/* A SyncGroup in a Stable group gets the assignment at once. */
	sync_req(&r, 1, 9, "g2", p.gen, p.idb, NULL, 0);
	t_send_all(p.b, r.b, r.len);
	n = t_krecv(p.b, rbuf, sizeof(rbuf), 3000);
	assert_int_equal(sync_parse(rbuf, n, out, sizeof(out)), 0);
	assert_string_equal(out, "bbbb");
	assert_true(t_metric(&b, "zcio_kafka_groups") == 1);
	assert_true(t_metric(&b, "zcio_kafka_group_members") == 2);
	assert_true(t_metric(&b, "zcio_kafka_group_rebalances_total") >= 1);
	close(p.a);
	close(p.b);
	t_broker_stop(&b);
}

/*
 * A follower that rejoins with the same protocols gets the current
 * generation at once; the leader's JoinGroup always rebalances.
 */
static void rejoin_same(void **state)
{
	struct t_join ja, jb;
	struct t_broker b;
	struct t_kreq r;
	struct t_pair p;

	start(&b, NULL);
	pair_up(&b, "gj", 10000, &p);
	join_req(&r, 5, 20, "gj", p.idb, 10000, &rr_only);
	join_call(p.b, &r, 5, 20, 3000, &jb);
	assert_int_equal(jb.error, 0);
	assert_int_equal(jb.gen, p.gen);
	assert_int_equal(jb.nr_members, 0);
	assert_int_equal(heartbeat(p.a, "gj", p.gen, p.ida), 0);
	join_req(&r, 5, 21, "gj", p.ida, 10000, &consumer);
	t_send_all(p.a, r.b, r.len);
	assert_int_equal(heartbeat(p.b, "gj", p.gen, p.idb), 27);
	join_req(&r, 5, 22, "gj", p.idb, 10000, &rr_only);
	join_call(p.b, &r, 5, 22, 3000, &jb);
	join_wait(p.a, 5, 21, 3000, &ja);
	assert_int_equal(ja.gen, p.gen + 1);
	assert_int_equal(jb.gen, p.gen + 1);
	assert_int_equal(ja.nr_members, 2);
	close(p.a);
	close(p.b);
	t_broker_stop(&b);
}

/* OffsetCommit v2 of partition 0 of "ct" at @offset; its error. */
static int commit(int fd, const char *group, int32_t gen,
		  const char *member, int64_t offset)
{
	struct t_kreq r;

	t_kbegin(&r, 8, 2, 55);
	t_kputs(&r, group);
	t_kput32(&r, gen);
	t_kputs(&r, member);
	t_kput64(&r, -1);		/* retention_time_ms */
	t_kput32(&r, 1);
	t_kputs(&r, "ct");
	t_kput32(&r, 1);
	t_kput32(&r, 0);
	t_kput64(&r, offset);
	t_kputs(&r, "");
	/* corr, [1] name "ct", [1] partition, error */
	call(fd, &r, 55, 4 + 4 + 4 + 4 + 4 + 2);
	return t_get16(rbuf + 4 + 4 + 4 + 4 + 4);
}

/* OffsetCommit asks the coordinator, as Kafka's handleCommitOffsets. */
static void commit_checks(void **state)
{
	struct t_join ja, jb, jc;
	struct t_broker b;
	struct t_kreq r;
	struct t_pair p;
	ssize_t n;
	int c;

	start(&b, NULL);
	pair_up(&b, "gc", 10000, &p);
	/* The topic, auto-created by Metadata. */
	t_kbegin(&r, 3, 4, 54);
	t_kput32(&r, 1);
	t_kputs(&r, "ct");
	t_kput8(&r, 1);
	t_kend(&r);
	t_send_all(p.a, r.b, r.len);
	n = t_krecv(p.a, rbuf, sizeof(rbuf), 3000);
	assert_true(n > 0);
	assert_int_equal(commit(p.a, "gc", p.gen, p.ida, 5), 0);
	assert_int_equal(commit(p.a, "gc", p.gen + 1, p.ida, 5), 22);
	assert_int_equal(commit(p.a, "gc", p.gen, "t-nobody", 5), 25);
	/* A "simple" commit: only while the group has no members. */
	assert_int_equal(commit(p.a, "gc", -1, "", 5), 25);
	assert_int_equal(commit(p.a, "nogroup", -1, "", 5), 0);
	assert_int_equal(commit(p.a, "nogroup", 3, "x", 5), 22);
	/* CompletingRebalance: the assignment is not out yet. */
	c = t_connect(b.port);
	join_req(&r, 2, 56, "gc", "", 10000, &consumer);
	t_send_all(c, r.b, r.len);
	assert_true(silent(c, 100));
	join_req(&r, 5, 57, "gc", p.ida, 10000, &consumer);
	t_send_all(p.a, r.b, r.len);
	join_req(&r, 5, 58, "gc", p.idb, 10000, &rr_only);
	join_call(p.b, &r, 5, 58, 3000, &jb);
	join_wait(p.a, 5, 57, 3000, &ja);
	join_wait(c, 2, 56, 3000, &jc);
	assert_int_equal(ja.gen, p.gen + 1);
	assert_int_equal(commit(p.b, "gc", ja.gen, p.idb, 6), 27);
	/* Every member has left: simple commits are fine again. */
	assert_int_equal(leave(p.a, "gc", p.ida), 0);
	assert_int_equal(leave(p.b, "gc", p.idb), 0);
	assert_int_equal(leave(c, "gc", jc.member), 0);
	assert_int_equal(commit(p.a, "gc", -1, "", 7), 0);
	close(c);
	close(p.a);
	close(p.b);
	t_broker_stop(&b);
}

/* A third member: the others see REBALANCE_IN_PROGRESS and rejoin. */
static void third_member(void **state)
{
	struct t_join ja, jb, jc;
	struct t_broker b;
	struct t_kreq r;
	struct t_pair p;
	int c;

	start(&b, NULL);
	pair_up(&b, "g3", 10000, &p);
	c = t_connect(b.port);
	/* v2 has no MEMBER_ID_REQUIRED: the id comes with the answer. */
	join_req(&r, 2, 30, "g3", "", 10000, &consumer);
	t_send_all(c, r.b, r.len);
	assert_true(silent(c, 200));
	assert_int_equal(heartbeat(p.a, "g3", p.gen, p.ida), 27);
	assert_int_equal(heartbeat(p.b, "g3", p.gen, p.idb), 27);
	join_req(&r, 5, 31, "g3", p.ida, 10000, &consumer);
	t_send_all(p.a, r.b, r.len);
	assert_true(silent(c, 200));
	join_req(&r, 5, 32, "g3", p.idb, 10000, &rr_only);
	t_send_all(p.b, r.b, r.len);
	join_wait(p.a, 5, 31, 3000, &ja);
	join_wait(p.b, 5, 32, 3000, &jb);
	join_wait(c, 2, 30, 3000, &jc);
	assert_int_equal(ja.error, 0);
	assert_int_equal(jb.error, 0);
	assert_int_equal(jc.error, 0);
	assert_int_equal(ja.gen, p.gen + 1);
	assert_int_equal(jc.gen, p.gen + 1);
	assert_int_equal(ja.nr_members, 3);
	assert_int_equal(jc.nr_members, 0);
	assert_string_equal(jc.leader, p.ida);
	assert_true(!strncmp(jc.member, "t-", 2));
	/* The old generation is over. */
	assert_int_equal(heartbeat(p.b, "g3", p.gen, p.idb), 22);
	close(c);
	close(p.a);
	close(p.b);
	t_broker_stop(&b);
}

/* B stops heartbeating: expelled after its session, A rejoins alone. */
static void session_expiry(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	struct t_pair p;
	struct t_join j;
	double t0, end;
	int err = 0;

	start(&b, "--group-min-session", "200");
	pair_up(&b, "gs", 800, &p);
	t0 = t_now();
	for (end = t0 + 5; t_now() < end; usleep(100000)) {
		err = heartbeat(p.a, "gs", p.gen, p.ida);
		if (err)
			break;
	}
	assert_int_equal(err, 27);
	assert_true(t_now() - t0 >= 0.6);
	assert_int_equal(heartbeat(p.b, "gs", p.gen, p.idb), 25);
	join_req(&r, 5, 40, "gs", p.ida, 800, &consumer);
	join_call(p.a, &r, 5, 40, 3000, &j);
	assert_int_equal(j.error, 0);
	assert_int_equal(j.gen, p.gen + 1);
	assert_int_equal(j.nr_members, 1);
	/* Alone, range (A's first choice) wins now. */
	assert_string_equal(j.proto, "range");
	close(p.a);
	close(p.b);
	t_broker_stop(&b);
}

static void leave_group(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	struct t_pair p;
	struct t_join j;

	start(&b, NULL);
	pair_up(&b, "gl", 10000, &p);
	assert_int_equal(leave(p.b, "gl", p.idb), 0);
	assert_int_equal(leave(p.b, "gl", p.idb), 25);
	assert_int_equal(leave(p.b, "nosuch", "x"), 25);
	assert_int_equal(heartbeat(p.a, "gl", p.gen, p.ida), 27);
	join_req(&r, 5, 50, "gl", p.ida, 10000, &consumer);
	join_call(p.a, &r, 5, 50, 3000, &j);
	assert_int_equal(j.error, 0);
	assert_int_equal(j.gen, p.gen + 1);
	assert_int_equal(j.nr_members, 1);
	/* The last member leaves: the group is Empty, then forgotten. */
	assert_int_equal(leave(p.a, "gl", p.ida), 0);
	assert_int_equal(heartbeat(p.a, "gl", j.gen, p.ida), 25);
	close(p.a);
	close(p.b);
	t_broker_stop(&b);
}

static void errors(void **state)
{
	static const struct t_protos other = { "connect", { "range" } };
	struct t_broker b;
	struct t_kreq r;
	struct t_pair p;
	struct t_join j;
	char out[16];
	ssize_t n;
	int fd;

	start(&b, NULL);
	pair_up(&b, "ge", 10000, &p);
	fd = t_connect(b.port);
	/* Below --group-min-session (6000 by default, as in Kafka). */
	join_req(&r, 5, 60, "gx", "", 1000, &consumer);
	join_call(fd, &r, 5, 60, 3000, &j);
	assert_int_equal(j.error, 26);
	join_req(&r, 5, 61, "", "", 10000, &consumer);
	join_call(fd, &r, 5, 61, 3000, &j);
	assert_int_equal(j.error, 24);
	join_req(&r, 5, 62, "ge", "", 10000, &other);
	join_call(fd, &r, 5, 62, 3000, &j);
	assert_int_equal(j.error, 23);
	join_req(&r, 5, 63, "ge", "t-nobody", 10000, &consumer);
	join_call(fd, &r, 5, 63, 3000, &j);
	assert_int_equal(j.error, 25);
	assert_int_equal(heartbeat(fd, "ge", p.gen + 5, p.ida), 22);
	assert_int_equal(heartbeat(fd, "ge", p.gen, "t-nobody"), 25);
	assert_int_equal(heartbeat(fd, "nosuch", 1, "x"), 25);
	sync_req(&r, 3, 64, "ge", p.gen + 1, p.ida, NULL, 0);
	t_send_all(fd, r.b, r.len);
	assert_int_equal(sync_wait(fd, 64, 3000, out, sizeof(out)), 22);
	sync_req(&r, 3, 65, "ge", p.gen, "t-nobody", NULL, 0);
	t_send_all(fd, r.b, r.len);
	assert_int_equal(sync_wait(fd, 65, 3000, out, sizeof(out)), 25);
	/* Static membership (group_instance_id) is refused, not ignored. */
	t_kbegin(&r, 11, 5, 66);
	t_kputs(&r, "ge");
	t_kput32(&r, 10000);
	t_kput32(&r, 10000);
	t_kputs(&r, "");
	t_kputs(&r, "instance-1");
	t_kputs(&r, "consumer");
	t_kput32(&r, 1);
	t_kputs(&r, "range");
	t_kput32(&r, 0);
	t_kend(&r);
	join_call(fd, &r, 5, 66, 3000, &j);
	assert_int_equal(j.error, 35);
	/* The group was not disturbed by any of it. */
	assert_int_equal(heartbeat(p.a, "ge", p.gen, p.ida), 0);
	/* A truncated JoinGroup closes that connection only. */
	join_req(&r, 5, 67, "ge", "", 10000, &consumer);
	r.len -= 3;
	t_kend(&r);
	t_send_all(fd, r.b, r.len);
	assert_true(t_kclosed(fd, 3000));
	close(fd);
	/* v0 (no rebalance timeout) in a group of its own. */
	fd = t_connect(b.port);
	join_req(&r, 0, 68, "g0", "", 10000, &consumer);
	t_send_all(fd, r.b, r.len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 3000);
	assert_true(n > 0);
	assert_int_equal(t_get32(rbuf), 68);
	assert_int_equal(t_get16(rbuf + 4), 0);		/* no throttle */
	assert_int_equal(t_get32(rbuf + 6), 1);		/* generation */
	close(fd);
	close(p.a);
	close(p.b);
	t_broker_stop(&b);
}

/*
 * A parked JoinGroup whose connection closes: dropped safely; the member
 * stays (Kafka waits for its session), so B's generation includes it
 * until it expires.
 */
static void parked_close(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	struct t_join j;
	char ida[128];
	int a, c, err = 0;
	double end;

	start(&b, "--group-min-session", "200");
	a = t_connect(b.port);
	join_v5_start(a, "gp", 700, &consumer, ida, sizeof(ida));
	usleep(20000);
	close(a);
	c = t_connect(b.port);
	join_req(&r, 3, 70, "gp", "", 700, &consumer);
	join_call(c, &r, 3, 70, 3000, &j);
	assert_int_equal(j.error, 0);
	assert_int_equal(j.gen, 1);
	assert_string_equal(j.leader, ida);
	for (end = t_now() + 5; t_now() < end; usleep(100000)) {
		err = heartbeat(c, "gp", 1, j.member);
		if (err)
			break;
	}
	assert_int_equal(err, 27);
	join_req(&r, 3, 71, "gp", j.member, 700, &consumer);
	join_call(c, &r, 3, 71, 3000, &j);
	assert_int_equal(j.error, 0);
	assert_int_equal(j.gen, 2);
	assert_string_equal(j.leader, j.member);
	assert_int_equal(j.nr_members, 1);
	close(c);
	t_broker_stop(&b);
}

/* Graceful stop answers a parked JoinGroup COORDINATOR_NOT_AVAILABLE. */
static void parked_stop(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	struct t_join j;
	int fd;

	start(&b, "--group-initial-delay", "20000");
	fd = t_connect(b.port);
	join_req(&r, 2, 80, "gd", "", 10000, &consumer);
	t_send_all(fd, r.b, r.len);
	assert_true(silent(fd, 300));
	assert_int_equal(t_broker_signal(&b, SIGTERM, 15), 0);
	join_wait(fd, 2, 80, 1000, &j);
	assert_int_equal(j.error, 15);
	close(fd);
}

/* A request pipelined behind a parked JoinGroup is answered after it. */
static void parked_order(void **state)
{
	struct t_broker b;
	struct t_kreq r, v;
	struct t_join j;
	ssize_t n;
	int fd;

	start(&b, "--group-initial-delay", "300");
	fd = t_connect(b.port);
	join_req(&r, 2, 90, "go", "", 10000, &consumer);
	t_kbegin(&v, 18, 0, 91);
	t_kend(&v);
	t_kput(&r, v.b, v.len);
	t_send_all(fd, r.b, r.len);
	assert_true(silent(fd, 150));
	join_wait(fd, 2, 90, 3000, &j);
	assert_int_equal(j.error, 0);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 3000);
	assert_true(n > 0);
	assert_int_equal(t_get32(rbuf), 91);
	close(fd);
	t_broker_stop(&b);
}

/*
 * The head of a JoinGroup v5 answer without asserting (for children):
 * generation, leader, member id; -1 when it does not parse.
 */
static int join_head(const uint8_t *f, ssize_t n, int32_t *gen,
		     char *leader, char *member)
{
	size_t off = 4 + 4 + 2 + 4, i;
	char *out[3] = { NULL, leader, member };
	int16_t len;

	if (n < (ssize_t)off)
		return -1;
	*gen = t_get32(f + 10);
	for (i = 0; i < 3; i++) {
		if ((size_t)n < off + 2)
			return -1;
		len = t_get16(f + off);
		if (len < 0 || len > 127 || (size_t)n < off + 2 + (size_t)len)
			return -1;
		if (out[i]) {
			memcpy(out[i], f + off + 2, (size_t)len);
			out[i][len] = '\0';
		}
		off += 2 + (size_t)len;
	}
	return 0;
}

/*
 * One churning client (a child process, no cmocka there): @rounds times
 * it joins group "churn" (v5, MEMBER_ID_REQUIRED first), and then, by
 * a pseudo-random choice, closes while its JoinGroup waits, or waits for
 * the answer, syncs (the leader assigning itself only), heartbeats and
 * leaves, or just disconnects without leaving. Returns how many
 * JoinGroup answers it got.
 */
static int churn_client(int port, unsigned int seed, int rounds)
{
	static uint8_t buf[1 << 16];
	char id[128], leader[128], mine[128];
	struct t_kreq r;
	int fd, i, got = 0;
	int32_t gen;
	ssize_t n;

	for (i = 0; i < rounds; i++) {
		seed = seed * 1103515245u + 12345u;
		fd = t_connect(port);
		if (fd < 0)
			return -1;
		join_req(&r, 5, 1, "churn", "", 1000, &consumer);
		t_send_all(fd, r.b, r.len);
		n = t_krecv(fd, buf, sizeof(buf), 5000);
		if (n <= 0 || join_head(buf, n, &gen, leader, id))
			return -1;
		join_req(&r, 5, 2, "churn", id, 1000, &consumer);
		t_send_all(fd, r.b, r.len);
		if ((seed >> 16) % 3 == 0) {
			usleep((seed >> 8) % 50000);
			close(fd);
			continue;
		}
		n = t_krecv(fd, buf, sizeof(buf), 8000);
		if (n > 0) {
			if (join_head(buf, n, &gen, leader, mine))
				return -1;
			got++;
			sync_req(&r, 3, 3, "churn", gen, id,
				 &(struct t_assign){ id, "x" },
				 !strcmp(leader, id));
			t_send_all(fd, r.b, r.len);
			t_krecv(fd, buf, sizeof(buf), 3000);
			if ((seed >> 16) % 3 == 1) {
				heartbeat(fd, "churn", gen, id);
				leave(fd, "churn", id);
			}
		}
		close(fd);
	}
	return got;
}

/*
 * Six clients churn on four workers at once: joins completed on one
 * worker answer connections on others, connections close while parked
 * or while their answer is on its way. The broker must stay up (under
 * ASan: without a single error), keep answering, and stop cleanly.
 */
static void churn(void **state)
{
	struct t_broker b;
	struct t_join j;
	struct t_kreq r;
	int i, fd, status, answered = 0;
	pid_t kids[6];

	start(&b, "--workers", "4", "--group-initial-delay", "50",
	      "--group-min-session", "200");
	for (i = 0; i < 6; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (!kids[i]) {
			int got = churn_client(b.port, 77u * (unsigned)i + 1,
					       12);

			_exit(got < 0 ? 255 : got > 100 ? 100 : got);
		}
	}
	for (i = 0; i < 6; i++) {
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) != 255);
		answered += WEXITSTATUS(status);
	}
	assert_true(answered > 0);
	/* Still answering: a group of its own completes. */
	fd = t_connect(b.port);
	join_req(&r, 2, 9, "after", "", 6000, &consumer);
	join_call(fd, &r, 2, 9, 5000, &j);
	assert_int_equal(j.error, 0);
	assert_int_equal(j.gen, 1);
	close(fd);
	t_broker_stop(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(two_members),
		T_BOTH(third_member),
		cmocka_unit_test_prestate(rejoin_same, (void *)"uring"),
		cmocka_unit_test_prestate(commit_checks, (void *)"epoll"),
		cmocka_unit_test_prestate(session_expiry, (void *)"epoll"),
		cmocka_unit_test_prestate(leave_group, (void *)"uring"),
		cmocka_unit_test_prestate(errors, (void *)"epoll"),
		T_BOTH(parked_close),
		T_BOTH(parked_stop),
		cmocka_unit_test_prestate(parked_order, (void *)"uring"),
		T_BOTH(churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
