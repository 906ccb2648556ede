/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-group-state.c - the group coordinator's data and state
 * machine (src/kafka/group.c, group_state.c) in-process, without sockets
 * or threads, with the timer driven by hand: protocol choice by votes
 * (a majority beats the leader's preference, a tie goes to the leader,
 * nothing in common is NULL), supportsProtocols, member ids, the initial
 * delay extended by a late member, session expiry by tick, and
 * kafka_group_commit_check in each state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/broker_int.h"
#include "kafka/group_int.h"
#include "kafka/proto_group.h"
#include "fuzz/kafka-client-group.h"

#include "helpers.h"

static struct kafka_srv srv;
static struct kafka_groups gs;
static struct kafka_worker *no_workers[1];

static int setup(void **state)
{
	(void)state;
	memset(&srv, 0, sizeof(srv));
	memset(&gs, 0, sizeof(gs));
	srv.nr_workers = 1;
	srv.workers = no_workers;	/* NULL: nobody to wake */
	pthread_rwlock_init(&srv.wake_lock, NULL);
	srv.groups = &gs;
	gs.srv = &srv;
	gs.ready = calloc(1, sizeof(*gs.ready));
	gs.initial_delay_ms = 100;
	gs.min_session_ms = 10;
	gs.max_session_ms = 100000;
	pthread_mutex_init(&gs.lock, NULL);
	pthread_cond_init(&gs.cond, NULL);
	return 0;
}

static int teardown(void **state)
{
	struct kafka_group_wait *w;

	(void)state;
	while ((w = gs.ready[0])) {
		gs.ready[0] = w->next;
		kafka_wbuf_exit(&w->ans);
		free(w);
	}
	kafka_group_free_all(&gs);
	free(gs.ready);
	pthread_cond_destroy(&gs.cond);
	pthread_mutex_destroy(&gs.lock);
	pthread_rwlock_destroy(&srv.wake_lock);
	return 0;
}

static struct kafka_join_protocol protos[3][2] = {
	{ { KAFKA_STR("range"), { (uint8_t *)"a", 1 } },
	  { KAFKA_STR("roundrobin"), { (uint8_t *)"b", 1 } } },
	{ { KAFKA_STR("roundrobin"), { (uint8_t *)"c", 1 } },
	  { KAFKA_STR("range"), { (uint8_t *)"d", 1 } } },
	{ { KAFKA_STR("sticky"), { (uint8_t *)"e", 1 } } },
};

static struct kafka_join_group_req join_of(const char *member,
					   int which, uint32_t n)
{
	return (struct kafka_join_group_req){
		.group_id = KAFKA_STR("g"),
		.session_timeout_ms = 1000,
		.rebalance_timeout_ms = 5000,
		.member_id = kafka_str_c(member),
		.group_instance_id = KAFKA_STR_NULL,
		.protocol_type = KAFKA_STR("consumer"),
		.nr_protocols = n,
		.protocols = protos[which],
	};
}

/* A parked request of JoinGroup/SyncGroup @api v@ver, not inline. */
static struct kafka_group_wait *wait_new(int api, int ver)
{
	struct kafka_group_wait *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->api = (int16_t)api;
	w->version = (int16_t)ver;
	w->correlation_id = 1;
	kafka_wbuf_init(&w->ans);
	return w;
}

/* Takes @w off the ready list (it must be there) and decodes it. */
static void join_answer(struct kafka_group_wait *w,
			struct kafka_join_group_resp *r, struct kafka_arena *a)
{
	struct kafka_group_wait **pp;
	struct zc_view v;

	assert_true(w->ready);
	for (pp = &gs.ready[0]; *pp && *pp != w; pp = &(*pp)->next)
		;
	assert_ptr_equal(*pp, w);
	*pp = w->next;
	assert_int_equal(t_resp_open(&v, w->ans.p, w->ans.len, 1), 0);
	assert_int_equal(t_join_group_resp(&v, w->version, r, a), 0);
}

static char *dup_member(const struct kafka_join_group_resp *r)
{
	char *s = malloc((size_t)r->member_id.len + 1);

	memcpy(s, r->member_id.p, (size_t)r->member_id.len);
	s[r->member_id.len] = '\0';
	return s;
}

/* A v2 JoinGroup (no MEMBER_ID_REQUIRED) of a new member. */
static struct kafka_group_wait *join_new(int which, uint32_t n)
{
	struct kafka_join_group_req r = join_of("", which, n);
	struct kafka_group_wait *w = wait_new(KAFKA_API_JOIN_GROUP, 2);
	struct kafka_str client = KAFKA_STR("cli");

	kafka_group_do_join(&gs, &r, &client, w);
	return w;
}

/* Frees @w wherever it is: on the ready list, or parked on a member. */
static void free_wait(struct kafka_group_wait *w)
{
	struct kafka_group_wait **pp;

	for (pp = &gs.ready[0]; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	if (w->m && w->m->join_w == w)
		w->m->join_w = NULL;
	if (w->m && w->m->sync_w == w)
		w->m->sync_w = NULL;
	kafka_wbuf_exit(&w->ans);
	free(w);
}

/* The end of the initial delay, and later deadlines, by hand. */
static void tick_at(uint64_t now)
{
	struct kafka_tick_note note = { 0 };

	kafka_group_tick(&gs, now, &note);
}

static void member_ids(void **state)
{
	struct kafka_str c = KAFKA_STR("rdkafka");
	char *a = kafka_member_id_new(&c), *b = kafka_member_id_new(&c);

	(void)state;
	assert_int_equal(strlen(a), 8 + 36);
	assert_memory_equal(a, "rdkafka-", 8);
	assert_int_equal(a[8 + 8], '-');
	assert_int_equal(a[8 + 14], '4');	/* UUID v4 */
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

/* Three members: two first-choice votes for roundrobin beat the leader. */
static void votes(void **state)
{
	struct kafka_str grp = KAFKA_STR("g");
	struct kafka_group_wait *w[3];
	struct kafka_join_group_resp r;
	struct kafka_group *g;
	struct kafka_arena a;
	int i;

	(void)state;
	w[0] = join_new(0, 2);
	w[1] = join_new(1, 2);
	w[2] = join_new(1, 2);
	g = kafka_group_find(&gs, &grp);
	assert_non_null(g);
	assert_int_equal(g->state, KAFKA_GROUP_PREPARING);
	assert_false(w[0]->ready);
	/* Late members extend the initial delay once more. */
	tick_at(kafka_group_now() + 150);
	assert_int_equal(g->state, KAFKA_GROUP_PREPARING);
	tick_at(kafka_group_now() + 400);
	assert_int_equal(g->state, KAFKA_GROUP_COMPLETING);
	assert_int_equal(g->generation, 1);
	assert_string_equal(g->protocol, "roundrobin");
	kafka_arena_init(&a);
	for (i = 0; i < 3; i++) {
		join_answer(w[i], &r, &a);
		assert_int_equal(r.error, 0);
		assert_int_equal(r.nr_members, i == 0 ? 3 : 0);
		if (!i)		/* roundrobin's metadata of each */
			assert_memory_equal(r.members[1].metadata.p, "c", 1);
		free_wait(w[i]);
	}
	kafka_arena_exit(&a);
}

/* A tie goes to the leader's order; nothing in common is NULL. */
static void tie_and_none(void **state)
{
	struct kafka_join_group_req r = join_of("", 2, 1);
	struct kafka_str grp = KAFKA_STR("g");
	struct kafka_group_wait *w[2], *x;
	struct kafka_group *g;

	(void)state;
	w[0] = join_new(0, 2);
	w[1] = join_new(1, 2);
	g = kafka_group_find(&gs, &grp);
	assert_string_equal(kafka_group_select_protocol(g), "range");
	/* "sticky" alone is offered by nobody else. */
	assert_false(kafka_group_supports(g, &r, NULL));
	r.nr_protocols = 1;
	r.protocols = protos[1];
	assert_true(kafka_group_supports(g, &r, NULL));
	r.protocol_type = KAFKA_STR("connect");
	assert_false(kafka_group_supports(g, &r, NULL));
	x = join_new(2, 1);
	assert_true(x->ready);		/* INCONSISTENT_GROUP_PROTOCOL */
	free_wait(x);
	tick_at(kafka_group_now() + 1000);
	free_wait(w[0]);
	free_wait(w[1]);
}

/* Sessions expire by tick; the commit check follows the states. */
static void expiry_and_commits(void **state)
{
	struct kafka_str grp = KAFKA_STR("g"), none = KAFKA_STR("");
	struct kafka_join_group_resp r;
	struct kafka_group_wait *w;
	struct kafka_str id;
	struct kafka_group *g;
	struct kafka_arena a;
	char *mid;

	(void)state;
	assert_int_equal(kafka_group_commit_check(&srv, &grp, -1, &none), 0);
	assert_int_equal(kafka_group_commit_check(&srv, &grp, 1, &none), 22);
	w = join_new(0, 2);
	tick_at(kafka_group_now() + 150);
	kafka_arena_init(&a);
	join_answer(w, &r, &a);
	mid = dup_member(&r);
	id = kafka_str_c(mid);
	free_wait(w);
	g = kafka_group_find(&gs, &grp);
	assert_int_equal(g->state, KAFKA_GROUP_COMPLETING);
	assert_int_equal(kafka_group_commit_check(&srv, &grp, 1, &id), 27);
	g->state = KAFKA_GROUP_STABLE;	/* as after its SyncGroup */
	assert_int_equal(kafka_group_commit_check(&srv, &grp, 1, &id), 0);
	assert_int_equal(kafka_group_commit_check(&srv, &grp, 2, &id), 22);
	assert_int_equal(kafka_group_commit_check(&srv, &grp, -1, &none), 25);
	assert_int_equal(kafka_group_commit_check(&srv, &none, -1, &none), 24);
	assert_int_equal(kafka_group_do_heartbeat(&gs, &grp, 1, &id), 0);
	/* 1000 ms session: alive just before, gone after (and forgotten). */
	tick_at(kafka_group_now() + 900);
	assert_int_equal(g->nr_members, 1);
	tick_at(kafka_group_now() + 1100);
	assert_null(kafka_group_find(&gs, &grp));
	assert_int_equal(kafka_group_do_heartbeat(&gs, &grp, 1, &id), 25);
	assert_int_equal(kafka_group_commit_check(&srv, &grp, -1, &none), 0);
	free(mid);
	kafka_arena_exit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(member_ids),
		cmocka_unit_test_setup_teardown(votes, setup, teardown),
		cmocka_unit_test_setup_teardown(tie_and_none, setup, teardown),
		cmocka_unit_test_setup_teardown(expiry_and_commits, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
