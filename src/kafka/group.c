/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/group.c - the group coordinator's data: the registry of
 * groups, their members and pending member ids, the protocols members
 * offer and the choice among them. The state machine that uses them is
 * group_state.c; parked requests and the timer are group_wait.c.
 *
 * Locking: ONE mutex, kafka_groups.lock, guards every group, member,
 * pending id, parked request (struct kafka_group_wait, apart from its
 * worker-only fields) and the workers' ready lists. It is taken by a
 * worker thread around one request's work on the group state, by the
 * timer thread around one tick, and by kafka_group_commit_check; nothing
 * blocks while it is held (no disk or socket I/O, no logging, no topic or
 * log lock; waking a worker is a non-blocking eventfd write, or deferred
 * work on the calling worker itself). The only lock
 * ever taken while holding it is srv->wake_lock, for reading, to wake a
 * worker (group_wait.c); nothing takes kafka_groups.lock while holding
 * wake_lock or any other lock, so there is no lock inversion. A
 * connection is touched only by its own worker and never under the lock:
 * the lock only hands parked requests over. Every function here and in
 * group_state.c expects the caller to hold the lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "broker_int.h"
#include "group_int.h"
#include "kafka/proto_group.h"

char *kafka_group_strdup(const struct kafka_str *s)
{
	int32_t n = s->len > 0 ? s->len : 0;
	char *p = malloc((size_t)n + 1);

	if (!p)
		return NULL;
	if (n)
		memcpy(p, s->p, (size_t)n);
	p[n] = '\0';
	return p;
}

static bool str_is(const struct kafka_str *s, const char *c)
{
	return c && s->len >= 0 && kafka_str_eq(s, c);
}

struct kafka_group *kafka_group_find(struct kafka_groups *gs,
				     const struct kafka_str *id)
{
	struct kafka_group *g;

	for (g = gs->groups; g; g = g->next)
		if (str_is(id, g->id))
			return g;
	return NULL;
}

struct kafka_group *kafka_group_new(struct kafka_groups *gs,
				    const struct kafka_str *id)
{
	struct kafka_group *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->id = kafka_group_strdup(id);
	if (!g->id) {
		free(g);
		return NULL;
	}
	g->next = gs->groups;
	gs->groups = g;
	KAFKA_GROUP_COUNT(gs, nr_groups, 1);
	return g;
}

struct kafka_member *kafka_member_find(struct kafka_group *g,
				       const struct kafka_str *id)
{
	struct kafka_member *m;

	for (m = g->members; m; m = m->next)
		if (str_is(id, m->id))
			return m;
	return NULL;
}

struct kafka_pending **kafka_pending_find(struct kafka_group *g,
					  const struct kafka_str *id)
{
	struct kafka_pending **pp;

	for (pp = &g->pending; *pp; pp = &(*pp)->next)
		if (str_is(id, (*pp)->id))
			return pp;
	return NULL;
}

void kafka_pending_free(struct kafka_pending **pp)
{
	struct kafka_pending *p = *pp;

	*pp = p->next;
	free(p->id);
	free(p);
}

static void free_protos(struct kafka_member *m)
{
	uint32_t i;

	for (i = 0; i < m->nr_protos; i++) {
		free(m->protos[i].name);
		free(m->protos[i].meta);
	}
	free(m->protos);
	m->protos = NULL;
	m->nr_protos = 0;
}

/* Rule 1: "client_id-" and 32 hex digits of a random UUID v4. */
char *kafka_member_id_new(const struct kafka_str *client_id)
{
	static const char hex[] = "0123456789abcdef";
	int32_t cl = client_id->len > 0 ? client_id->len : 0;
	uint8_t u[16];
	size_t i, n = 0;
	char *id;

	if (cl > 128)
		cl = 128;
	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		return NULL;
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	id = malloc((size_t)cl + 1 + 36 + 1);
	if (!id)
		return NULL;
	memcpy(id, client_id->p ? client_id->p : "", (size_t)cl);
	n = (size_t)cl;
	id[n++] = '-';
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			id[n++] = '-';
		id[n++] = hex[u[i] >> 4];
		id[n++] = hex[u[i] & 15];
	}
	id[n] = '\0';
	return id;
}

/* Copies the protocols of @r into @m (replacing its own); -ENOMEM. */
int kafka_member_set_protos(struct kafka_member *m,
			    const struct kafka_join_group_req *r)
{
	struct kafka_protocol *p;
	uint32_t i;

	p = calloc(r->nr_protocols ? r->nr_protocols : 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < r->nr_protocols; i++) {
		p[i].name = kafka_group_strdup(&r->protocols[i].name);
		p[i].meta_len = r->protocols[i].metadata.len;
		p[i].meta = malloc(p[i].meta_len ? (size_t)p[i].meta_len : 1);
		if (!p[i].name || !p[i].meta) {
			free(p[i].name);
			free(p[i].meta);
			while (i--) {
				free(p[i].name);
				free(p[i].meta);
			}
			free(p);
			return -ENOMEM;
		}
		memcpy(p[i].meta, r->protocols[i].metadata.p,
		       (size_t)p[i].meta_len);
	}
	free_protos(m);
	m->protos = p;
	m->nr_protos = r->nr_protocols;
	return 0;
}

/* The protocol @name of @m, or NULL when it does not offer it. */
const struct kafka_protocol *kafka_member_offer(const struct kafka_member *m,
						const struct kafka_str *name)
{
	uint32_t i;

	for (i = 0; i < m->nr_protos; i++)
		if (str_is(name, m->protos[i].name))
			return &m->protos[i];
	return NULL;
}

/* Whether every member but @skip offers @name. */
static bool all_offer(const struct kafka_group *g,
		      const struct kafka_str *name,
		      const struct kafka_member *skip)
{
	const struct kafka_member *m;

	for (m = g->members; m; m = m->next)
		if (m != skip && !kafka_member_offer(m, name))
			return false;
	return true;
}

/*
 * Kafka's supportsProtocols: an Empty group takes any non-empty type and
 * list; otherwise the type must be the group's and one of the protocols
 * must be offered by every other member.
 */
bool kafka_group_supports(const struct kafka_group *g,
			  const struct kafka_join_group_req *r,
			  const struct kafka_member *self)
{
	uint32_t i;

	if (!r->protocol_type.len || !r->nr_protocols)
		return false;
	if (!g->nr_members)
		return true;
	if (!str_is(&r->protocol_type, g->protocol_type))
		return false;
	for (i = 0; i < r->nr_protocols; i++)
		if (all_offer(g, &r->protocols[i].name, self))
			return true;
	return false;
}

/* Whether @r's protocols are exactly those of @m (Kafka's matches). */
bool kafka_member_same_protos(const struct kafka_member *m,
			      const struct kafka_join_group_req *r)
{
	uint32_t i;

	if (m->nr_protos != r->nr_protocols)
		return false;
	for (i = 0; i < r->nr_protocols; i++) {
		if (!str_is(&r->protocols[i].name, m->protos[i].name) ||
		    r->protocols[i].metadata.len != m->protos[i].meta_len ||
		    memcmp(r->protocols[i].metadata.p, m->protos[i].meta,
			   (size_t)m->protos[i].meta_len))
			return false;
	}
	return true;
}

/*
 * Rule 3: among the protocols every member offers, the one most members
 * list first (of those); ties go to the leader's preference.
 */
const char *kafka_group_select_protocol(const struct kafka_group *g)
{
	const struct kafka_member *lead = g->leader, *m;
	unsigned int votes, best_votes = 0;
	struct kafka_str name, mine;
	const char *best = NULL;
	uint32_t i, j;

	for (i = 0; lead && i < lead->nr_protos; i++) {
		name = kafka_str_c(lead->protos[i].name);
		if (!all_offer(g, &name, NULL))
			continue;
		votes = 0;
		for (m = g->members; m; m = m->next) {
			/* Its vote: the first of its protocols all offer. */
			for (j = 0; j < m->nr_protos; j++) {
				mine = kafka_str_c(m->protos[j].name);
				if (all_offer(g, &mine, NULL))
					break;
			}
			if (j < m->nr_protos &&
			    !strcmp(m->protos[j].name, name.p))
				votes++;
		}
		if (!best || votes > best_votes) {
			best = name.p;
			best_votes = votes;
		}
	}
	return best;
}

void kafka_member_free(struct kafka_groups *gs, struct kafka_member *m)
{
	free_protos(m);
	free(m->assignment);
	free(m->id);
	free(m);
	KAFKA_GROUP_COUNT(gs, nr_members, -1);
}

void kafka_group_free(struct kafka_groups *gs, struct kafka_group **gp)
{
	struct kafka_group *g = *gp;

	g->state = KAFKA_GROUP_DEAD;
	*gp = g->next;
	free(g->protocol);
	free(g->protocol_type);
	free(g->id);
	free(g);
	KAFKA_GROUP_COUNT(gs, nr_groups, -1);
}

void kafka_group_free_all(struct kafka_groups *gs)
{
	struct kafka_member *m;
	struct kafka_group *g;

	while ((g = gs->groups)) {
		while ((m = g->members)) {
			g->members = m->next;
			kafka_member_free(gs, m);
		}
		while (g->pending)
			kafka_pending_free(&g->pending);
		kafka_group_free(gs, &gs->groups);
	}
}
