/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/group_state.c - the group coordinator's state machine, after
 * Kafka's GroupCoordinator (2.x, before KIP-848): Empty ->
 * PreparingRebalance -> CompletingRebalance -> Stable, and back to
 * PreparingRebalance whenever the membership or a member's protocols
 * change. The caller holds kafka_groups.lock (group.c, "Locking").
 *
 * Rules (Kafka's, with the names of GroupCoordinator.scala):
 *  1. JoinGroup with an empty member id gets a new id (client_id-uuid).
 *     From v4 it is answered MEMBER_ID_REQUIRED with that id, which the
 *     client sends back in a new JoinGroup (KIP-394); the id waits as a
 *     "pending member" for one session timeout.
 *  2. A join that adds a member or changes its protocols, or any join of
 *     the leader, starts a rebalance (PreparingRebalance): every JoinGroup
 *     is held until every member has rejoined (and no pending member is
 *     left) or the largest rebalance timeout of the members passes;
 *     members that did not rejoin are removed. A group that was Empty
 *     waits --group-initial-delay first and again for every member that
 *     arrives meanwhile, up to the rebalance timeout
 *     (group.initial.rebalance.delay.ms, InitialDelayedJoin).
 *  3. The rebalance completes: generation + 1, the protocol that every
 *     member offers with the most first-choice votes, the leader (the
 *     first member that joined) gets every member's metadata, the others
 *     an empty list: CompletingRebalance.
 *  4. SyncGroup of the followers is held until the leader's arrives with
 *     the assignments; then every held SyncGroup gets its member's
 *     assignment: Stable. A rebalance that starts meanwhile answers the
 *     held ones REBALANCE_IN_PROGRESS.
 *  5. Heartbeat: REBALANCE_IN_PROGRESS while PreparingRebalance (the
 *     client rejoins), else NONE for a member of the current generation.
 *     A member that neither heartbeats nor waits in JoinGroup/SyncGroup
 *     within its session timeout is removed, which starts a rebalance, as
 *     does LeaveGroup. A closed connection removes nobody.
 *  6. Empty groups with no pending member are freed by the timer: their
 *     generation starts again at 0 (Kafka keeps it with the offsets).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_int.h"
#include "group_int.h"
#include "kafka/proto_group.h"

/* ---- answers --------------------------------------------------------- */

static void join_answer(struct kafka_groups *gs, struct kafka_group_wait *w,
			const struct kafka_join_group_resp *resp)
{
	if (kafka_join_group_resp_encode(&w->ans, w->version,
					 w->correlation_id, resp))
		kafka_wbuf_reset(&w->ans);
	kafka_group_deliver(gs, w);
}

static void join_error(struct kafka_groups *gs, struct kafka_group_wait *w,
		       int error, const char *member_id)
{
	struct kafka_join_group_resp resp = {
		.error = (int16_t)error,
		.generation_id = -1,
		.protocol_name = KAFKA_STR(""),
		.leader = KAFKA_STR(""),
		.member_id = kafka_str_c(member_id ? member_id : ""),
	};

	join_answer(gs, w, &resp);
}

static void sync_answer(struct kafka_groups *gs, struct kafka_group_wait *w,
			int error, const uint8_t *p, int32_t len)
{
	struct kafka_sync_group_resp resp = {
		.error = (int16_t)error,
		.assignment = { (uint8_t *)(uintptr_t)p, p ? len : 0 },
	};

	if (kafka_sync_group_resp_encode(&w->ans, w->version,
					 w->correlation_id, &resp))
		kafka_wbuf_reset(&w->ans);
	kafka_group_deliver(gs, w);
}

void kafka_group_fail(struct kafka_groups *gs, struct kafka_group_wait *w,
		      int error)
{
	kafka_wbuf_reset(&w->ans);
	if (w->api == KAFKA_API_JOIN_GROUP)
		join_error(gs, w, error, NULL);
	else
		sync_answer(gs, w, error, NULL, 0);
}

/*
 * Rule 3: the JoinGroup answer of @m in the current generation; the
 * leader's carries every member's metadata for the selected protocol.
 */
static void join_done(struct kafka_groups *gs, struct kafka_group *g,
		      struct kafka_member *m)
{
	struct kafka_group_wait *w = m->join_w;
	struct kafka_join_group_resp resp = {
		.generation_id = g->generation,
		.protocol_name = kafka_str_c(g->protocol ? g->protocol : ""),
		.leader = kafka_str_c(g->leader ? g->leader->id : ""),
		.member_id = kafka_str_c(m->id),
	};
	struct kafka_str chosen = kafka_str_c(g->protocol);
	struct kafka_join_member *list = NULL;
	const struct kafka_protocol *p;
	struct kafka_member *o;
	uint32_t n = 0;

	if (m == g->leader && g->protocol) {
		list = calloc(g->nr_members ? g->nr_members : 1,
			      sizeof(*list));
		if (!list) {
			kafka_group_fail(gs, w, KAFKA_UNKNOWN_SERVER_ERROR);
			return;
		}
		for (o = g->members; o; o = o->next, n++) {
			p = kafka_member_offer(o, &chosen);
			list[n].member_id = kafka_str_c(o->id);
			list[n].group_instance_id = KAFKA_STR_NULL;
			list[n].metadata = (struct kafka_bytes){
				p ? p->meta : NULL, p ? p->meta_len : 0 };
		}
	}
	resp.nr_members = n;
	resp.members = list;
	join_answer(gs, w, &resp);
	free(list);
}

/* ---- rebalance ------------------------------------------------------- */

static int32_t max_rebalance_ms(const struct kafka_group *g)
{
	const struct kafka_member *m;
	int32_t max = 0;

	for (m = g->members; m; m = m->next)
		if (m->rebalance_ms > max)
			max = m->rebalance_ms;
	return max;
}

/* Rule 4: held SyncGroups learn that another rebalance started. */
static void fail_syncs(struct kafka_groups *gs, struct kafka_group *g)
{
	struct kafka_member *m;

	for (m = g->members; m; m = m->next)
		if (m->sync_w)
			kafka_group_fail(gs, m->sync_w,
					 KAFKA_REBALANCE_IN_PROGRESS);
}

/* Rule 2: Kafka's prepareRebalance. */
static void prepare(struct kafka_groups *gs, struct kafka_group *g,
		    uint64_t now)
{
	int32_t window = max_rebalance_ms(g);

	if (g->state == KAFKA_GROUP_PREPARING)
		return;
	if (g->state == KAFKA_GROUP_COMPLETING)
		fail_syncs(gs, g);
	if (g->state == KAFKA_GROUP_EMPTY) {
		g->initial = true;
		g->new_member = false;
		g->delay_left = (int64_t)window - gs->initial_delay_ms;
		if (g->delay_left < 0)
			g->delay_left = 0;
		g->join_deadline = now + gs->initial_delay_ms;
	} else {
		g->initial = false;
		g->join_deadline = now + (uint64_t)window;
	}
	g->state = KAFKA_GROUP_PREPARING;
	KAFKA_GROUP_COUNT(gs, rebalances, 1);
	kafka_group_poke(gs);
}

/*
 * Takes @m out of @g: its held requests are answered UNKNOWN_MEMBER_ID
 * (another connection may still wait for it); the leader passes to the
 * first member left.
 */
static void remove_member(struct kafka_groups *gs, struct kafka_group *g,
			  struct kafka_member *m)
{
	struct kafka_member **pp;

	for (pp = &g->members; *pp && *pp != m; pp = &(*pp)->next)
		;
	if (!*pp)
		return;
	*pp = m->next;
	g->nr_members--;
	if (m->join_w)
		kafka_group_fail(gs, m->join_w, KAFKA_UNKNOWN_MEMBER_ID);
	if (m->sync_w)
		kafka_group_fail(gs, m->sync_w, KAFKA_UNKNOWN_MEMBER_ID);
	if (g->leader == m)
		g->leader = g->members;
	kafka_member_free(gs, m);
}

/* Rule 3: Kafka's onCompleteJoin. */
static void complete_join(struct kafka_groups *gs, struct kafka_group *g,
			  uint64_t now)
{
	struct kafka_member *m, *next;

	for (m = g->members; m; m = next) {
		next = m->next;
		if (!m->joined)
			remove_member(gs, g, m);
	}
	g->generation++;
	free(g->protocol);
	g->protocol = NULL;
	if (!g->nr_members) {
		g->state = KAFKA_GROUP_EMPTY;
		free(g->protocol_type);
		g->protocol_type = NULL;
		return;
	}
	if (!g->leader || !g->leader->joined)
		g->leader = g->members;
	g->protocol = (char *)kafka_group_select_protocol(g);
	if (g->protocol)
		g->protocol = strdup(g->protocol);
	g->state = KAFKA_GROUP_COMPLETING;
	for (m = g->members; m; m = m->next) {
		m->joined = false;
		m->deadline = now + (uint64_t)m->session_ms;
		free(m->assignment);
		m->assignment = NULL;
		m->assign_len = 0;
		if (m->join_w)
			join_done(gs, g, m);
	}
}

/* Kafka's hasAllMembersJoined. */
static bool all_joined(const struct kafka_group *g)
{
	const struct kafka_member *m;

	if (g->pending)
		return false;
	for (m = g->members; m; m = m->next)
		if (!m->joined)
			return false;
	return true;
}

/*
 * Rule 2: whether the window of a PreparingRebalance group ends at @now;
 * completes it if so. The initial delay (InitialDelayedJoin) never ends
 * early: it waits for more members.
 */
static void try_complete(struct kafka_groups *gs, struct kafka_group *g,
			 uint64_t now)
{
	uint64_t d;

	if (g->state != KAFKA_GROUP_PREPARING)
		return;
	if (g->initial) {
		if (now < g->join_deadline)
			return;
		if (g->new_member && g->delay_left > 0) {
			d = gs->initial_delay_ms < (uint64_t)g->delay_left ?
			    gs->initial_delay_ms : (uint64_t)g->delay_left;
			g->delay_left -= (int64_t)d;
			g->new_member = false;
			g->join_deadline = now + d;
			return;
		}
		complete_join(gs, g, now);
		return;
	}
	if (all_joined(g) || now >= g->join_deadline)
		complete_join(gs, g, now);
}

/* ---- JoinGroup ------------------------------------------------------- */

static void update_member(struct kafka_member *m,
			  const struct kafka_join_group_req *r, uint64_t now)
{
	m->session_ms = r->session_timeout_ms;
	m->rebalance_ms = r->rebalance_timeout_ms;
	m->deadline = now + (uint64_t)m->session_ms;
}

/* Rule 2: @m (re)joins and waits in @w for the end of the rebalance. */
static void rejoin(struct kafka_groups *gs, struct kafka_group *g,
		   struct kafka_member *m, const struct kafka_join_group_req *r,
		   struct kafka_group_wait *w, uint64_t now)
{
	if (kafka_member_set_protos(m, r)) {
		kafka_group_fail(gs, w, KAFKA_UNKNOWN_SERVER_ERROR);
		return;
	}
	update_member(m, r, now);
	/* A second JoinGroup for the same member replaces the first. */
	if (m->join_w)
		kafka_group_fail(gs, m->join_w, KAFKA_REBALANCE_IN_PROGRESS);
	m->join_w = w;
	w->m = m;
	m->joined = true;
	prepare(gs, g, now);
	try_complete(gs, g, now);
}

/* Kafka's addMemberAndRebalance, @id owned by the new member. */
static void add_member(struct kafka_groups *gs, struct kafka_group *g,
		       char *id, const struct kafka_join_group_req *r,
		       struct kafka_group_wait *w, uint64_t now)
{
	struct kafka_member *m, **pp;

	/* The first member sets the type (supports() checked the rest). */
	if (!g->protocol_type)
		g->protocol_type = kafka_group_strdup(&r->protocol_type);
	m = g->protocol_type ? calloc(1, sizeof(*m)) : NULL;
	if (!m) {
		free(id);
		kafka_group_fail(gs, w, KAFKA_UNKNOWN_SERVER_ERROR);
		return;
	}
	m->id = id;
	for (pp = &g->members; *pp; pp = &(*pp)->next)
		;
	*pp = m;
	g->nr_members++;
	KAFKA_GROUP_COUNT(gs, nr_members, 1);
	if (!g->leader)
		g->leader = m;
	/* InitialDelayedJoin waits once more for each new member. */
	if (g->state == KAFKA_GROUP_PREPARING && g->initial)
		g->new_member = true;
	rejoin(gs, g, m, r, w, now);
}

/* Rule 1 and the first half of Kafka's doUnknownJoinGroup. */
static void join_new(struct kafka_groups *gs, struct kafka_group *g,
		     const struct kafka_join_group_req *r,
		     const struct kafka_str *client_id,
		     struct kafka_group_wait *w, uint64_t now)
{
	struct kafka_pending *p;
	char *id = kafka_member_id_new(client_id);

	if (!id) {
		kafka_group_fail(gs, w, KAFKA_UNKNOWN_SERVER_ERROR);
		return;
	}
	if (w->version < 4) {
		add_member(gs, g, id, r, w, now);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		free(id);
		kafka_group_fail(gs, w, KAFKA_UNKNOWN_SERVER_ERROR);
		return;
	}
	p->id = id;
	p->deadline = now + (uint64_t)r->session_timeout_ms;
	p->next = g->pending;
	g->pending = p;
	join_error(gs, w, KAFKA_MEMBER_ID_REQUIRED, id);
	kafka_group_poke(gs);
}

/* Kafka's doJoinGroup for a known member. */
static void join_known(struct kafka_groups *gs, struct kafka_group *g,
		       struct kafka_member *m,
		       const struct kafka_join_group_req *r,
		       struct kafka_group_wait *w, uint64_t now)
{
	switch (g->state) {
	case KAFKA_GROUP_PREPARING:
		rejoin(gs, g, m, r, w, now);
		return;
	case KAFKA_GROUP_COMPLETING:
		if (!kafka_member_same_protos(m, r)) {
			rejoin(gs, g, m, r, w, now);
			return;
		}
		break;
	default:
		if (m == g->leader || !kafka_member_same_protos(m, r)) {
			rejoin(gs, g, m, r, w, now);
			return;
		}
		break;
	}
	/* The join changes nothing: the current generation again. */
	update_member(m, r, now);
	if (m->join_w)
		kafka_group_fail(gs, m->join_w, KAFKA_REBALANCE_IN_PROGRESS);
	m->join_w = w;
	w->m = m;
	join_done(gs, g, m);
}

/* Kafka's checks of a JoinGroup before any group is looked at. */
static int join_invalid(const struct kafka_groups *gs,
			const struct kafka_join_group_req *r)
{
	if (r->group_id.len <= 0)
		return KAFKA_INVALID_GROUP_ID;
	if (r->session_timeout_ms < (int32_t)gs->min_session_ms ||
	    r->session_timeout_ms > (int32_t)gs->max_session_ms)
		return KAFKA_INVALID_SESSION_TIMEOUT;
	if (r->rebalance_timeout_ms <= 0)
		return KAFKA_INVALID_REQUEST;
	/* Static membership (KIP-345) is not kept: refuse, not ignore. */
	if (!kafka_str_is_null(&r->group_instance_id))
		return KAFKA_UNSUPPORTED_VERSION;
	return KAFKA_NONE;
}

/*
 * A valid JoinGroup to the right path; returns the error to answer, or
 * KAFKA_NONE when @w is answered or waits.
 */
static int join_route(struct kafka_groups *gs,
		      const struct kafka_join_group_req *r,
		      const struct kafka_str *client_id,
		      struct kafka_group_wait *w, uint64_t now)
{
	struct kafka_group *g = kafka_group_find(gs, &r->group_id);
	struct kafka_pending **pp;
	struct kafka_member *m;
	char *id;

	if (!r->member_id.len) {
		if (!g)
			g = kafka_group_new(gs, &r->group_id);
		if (!g)
			return KAFKA_UNKNOWN_SERVER_ERROR;
		if (!kafka_group_supports(g, r, NULL))
			return KAFKA_INCONSISTENT_GROUP_PROTOCOL;
		join_new(gs, g, r, client_id, w, now);
		return KAFKA_NONE;
	}
	if (!g)
		return KAFKA_UNKNOWN_MEMBER_ID;
	pp = kafka_pending_find(g, &r->member_id);
	m = pp ? NULL : kafka_member_find(g, &r->member_id);
	if (!pp && !m)
		return KAFKA_UNKNOWN_MEMBER_ID;
	if (!kafka_group_supports(g, r, m))
		return KAFKA_INCONSISTENT_GROUP_PROTOCOL;
	if (m) {
		join_known(gs, g, m, r, w, now);
		return KAFKA_NONE;
	}
	id = (*pp)->id;
	(*pp)->id = NULL;
	kafka_pending_free(pp);
	add_member(gs, g, id, r, w, now);
	return KAFKA_NONE;
}

void kafka_group_do_join(struct kafka_groups *gs,
			 const struct kafka_join_group_req *r,
			 const struct kafka_str *client_id,
			 struct kafka_group_wait *w)
{
	int err = join_invalid(gs, r);

	if (!err)
		err = join_route(gs, r, client_id, w, kafka_group_now());
	if (err)
		join_error(gs, w, err, NULL);
}

/* ---- SyncGroup, Heartbeat, LeaveGroup -------------------------------- */

/* Rule 4: the leader's assignments, copied to their members. */
static void assign(struct kafka_groups *gs, struct kafka_group *g,
		   const struct kafka_sync_group_req *r)
{
	const struct kafka_sync_assignment *a;
	struct kafka_member *m;
	uint32_t i;

	for (i = 0; i < r->nr_assignments; i++) {
		a = &r->assignments[i];
		m = kafka_member_find(g, &a->member_id);
		if (!m || m->assignment)
			continue;
		m->assignment = malloc(a->assignment.len ?
				       (size_t)a->assignment.len : 1);
		if (!m->assignment)
			continue;
		memcpy(m->assignment, a->assignment.p,
		       (size_t)a->assignment.len);
		m->assign_len = a->assignment.len;
	}
	g->state = KAFKA_GROUP_STABLE;
	for (m = g->members; m; m = m->next)
		if (m->sync_w)
			sync_answer(gs, m->sync_w, KAFKA_NONE, m->assignment,
				    m->assign_len);
}

/* Kafka's doSyncGroup: the error to answer, or NONE (answered/waits). */
static int sync_route(struct kafka_groups *gs,
		      const struct kafka_sync_group_req *r,
		      struct kafka_group_wait *w)
{
	struct kafka_group *g = kafka_group_find(gs, &r->group_id);
	struct kafka_member *m = g ? kafka_member_find(g, &r->member_id) : NULL;

	if (!m)
		return KAFKA_UNKNOWN_MEMBER_ID;
	if (r->generation_id != g->generation)
		return KAFKA_ILLEGAL_GENERATION;
	m->deadline = kafka_group_now() + (uint64_t)m->session_ms;
	switch (g->state) {
	case KAFKA_GROUP_PREPARING:
		return KAFKA_REBALANCE_IN_PROGRESS;
	case KAFKA_GROUP_STABLE:
		sync_answer(gs, w, KAFKA_NONE, m->assignment, m->assign_len);
		return KAFKA_NONE;
	case KAFKA_GROUP_COMPLETING:
		if (m->sync_w)
			kafka_group_fail(gs, m->sync_w,
					 KAFKA_REBALANCE_IN_PROGRESS);
		m->sync_w = w;
		w->m = m;
		if (m == g->leader)
			assign(gs, g, r);
		return KAFKA_NONE;
	default:
		return KAFKA_UNKNOWN_MEMBER_ID;
	}
}

void kafka_group_do_sync(struct kafka_groups *gs,
			 const struct kafka_sync_group_req *r,
			 struct kafka_group_wait *w)
{
	int err = sync_route(gs, r, w);

	if (err)
		sync_answer(gs, w, err, NULL, 0);
}

int kafka_group_do_heartbeat(struct kafka_groups *gs,
			     const struct kafka_str *group_id,
			     int32_t generation, const struct kafka_str *member)
{
	struct kafka_group *g = kafka_group_find(gs, group_id);
	struct kafka_member *m = g ? kafka_member_find(g, member) : NULL;

	if (!m)
		return KAFKA_UNKNOWN_MEMBER_ID;
	if (generation != g->generation)
		return KAFKA_ILLEGAL_GENERATION;
	m->deadline = kafka_group_now() + (uint64_t)m->session_ms;
	return g->state == KAFKA_GROUP_PREPARING ?
	       KAFKA_REBALANCE_IN_PROGRESS : KAFKA_NONE;
}

/* Kafka's removeMemberAndUpdateGroup. */
static void member_gone(struct kafka_groups *gs, struct kafka_group *g,
			struct kafka_member *m, uint64_t now)
{
	remove_member(gs, g, m);
	switch (g->state) {
	case KAFKA_GROUP_STABLE:
	case KAFKA_GROUP_COMPLETING:
		prepare(gs, g, now);
		/* With nobody left, the window ends at once. */
		try_complete(gs, g, now);
		break;
	case KAFKA_GROUP_PREPARING:
		try_complete(gs, g, now);
		break;
	default:
		break;
	}
}

int kafka_group_do_leave(struct kafka_groups *gs,
			 const struct kafka_str *group_id,
			 const struct kafka_str *member)
{
	struct kafka_group *g = kafka_group_find(gs, group_id);
	struct kafka_pending **pp;
	struct kafka_member *m;

	if (!g)
		return KAFKA_UNKNOWN_MEMBER_ID;
	pp = kafka_pending_find(g, member);
	if (pp) {
		kafka_pending_free(pp);
		try_complete(gs, g, kafka_group_now());
		return KAFKA_NONE;
	}
	m = kafka_member_find(g, member);
	if (!m)
		return KAFKA_UNKNOWN_MEMBER_ID;
	member_gone(gs, g, m, kafka_group_now());
	return KAFKA_NONE;
}

int kafka_group_commit_check(struct kafka_srv *srv,
			     const struct kafka_str *group_id,
			     int32_t generation_id,
			     const struct kafka_str *member_id)
{
	struct kafka_groups *gs = srv->groups;
	struct kafka_member *m = NULL;
	struct kafka_group *g;
	int ret;

	if (group_id->len <= 0)
		return KAFKA_INVALID_GROUP_ID;
	pthread_mutex_lock(&gs->lock);
	g = kafka_group_find(gs, group_id);
	if (g && !(generation_id < 0 && g->state == KAFKA_GROUP_EMPTY))
		m = kafka_member_find(g, member_id);
	if (!g)
		ret = generation_id < 0 ? KAFKA_NONE :
					  KAFKA_ILLEGAL_GENERATION;
	else if (generation_id < 0 && g->state == KAFKA_GROUP_EMPTY)
		ret = KAFKA_NONE;
	else if (g->state == KAFKA_GROUP_COMPLETING)
		ret = KAFKA_REBALANCE_IN_PROGRESS;
	else if (!m)
		ret = KAFKA_UNKNOWN_MEMBER_ID;
	else if (generation_id != g->generation)
		ret = KAFKA_ILLEGAL_GENERATION;
	else
		ret = KAFKA_NONE;
	if (m && ret == KAFKA_NONE)
		m->deadline = kafka_group_now() + (uint64_t)m->session_ms;
	pthread_mutex_unlock(&gs->lock);
	return ret;
}

/* ---- the timer ------------------------------------------------------- */

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Rule 5: a member alive while it waits in JoinGroup or SyncGroup. */
static bool expired(const struct kafka_member *m, uint64_t now)
{
	return !m->join_w && !m->sync_w && now >= m->deadline;
}

/* Appends "group/member" to the timer's note (cut when full). */
static void note_expired(struct kafka_tick_note *n, const char *group,
			 const char *member)
{
	size_t left = sizeof(n->text) - n->len;
	int k;

	n->count++;
	if (left < 2)
		return;
	k = snprintf(n->text + n->len, left, "%s%s/%s", n->len ? ", " : "",
		     group, member);
	n->len = k < 0 || (size_t)k >= left ? sizeof(n->text) - 1 :
					      n->len + (size_t)k;
}

/* One group's deadlines at @now; returns its next one. */
static uint64_t tick_group(struct kafka_groups *gs, struct kafka_group *g,
			   uint64_t now, struct kafka_tick_note *note)
{
	struct kafka_pending **pp = &g->pending;
	struct kafka_member *m, *next;
	uint64_t next_at = UINT64_MAX;

	while (*pp) {
		if (now >= (*pp)->deadline)
			kafka_pending_free(pp);
		else
			pp = &(*pp)->next;
	}
	for (m = g->members; m; m = next) {
		next = m->next;
		if (expired(m, now)) {
			note_expired(note, g->id, m->id);
			member_gone(gs, g, m, now);
		}
	}
	try_complete(gs, g, now);
	for (m = g->members; m; m = m->next)
		if (!m->join_w && !m->sync_w)
			next_at = min64(next_at, m->deadline);
	for (pp = &g->pending; *pp; pp = &(*pp)->next)
		next_at = min64(next_at, (*pp)->deadline);
	if (g->state == KAFKA_GROUP_PREPARING)
		next_at = min64(next_at, g->join_deadline);
	return next_at;
}

uint64_t kafka_group_tick(struct kafka_groups *gs, uint64_t now,
			  struct kafka_tick_note *note)
{
	struct kafka_group **gp = &gs->groups;
	uint64_t next = UINT64_MAX;

	while (*gp) {
		next = min64(next, tick_group(gs, *gp, now, note));
		if ((*gp)->state == KAFKA_GROUP_EMPTY && !(*gp)->pending &&
		    !(*gp)->nr_members)
			kafka_group_free(gs, gp);
		else
			gp = &(*gp)->next;
	}
	return next;
}
