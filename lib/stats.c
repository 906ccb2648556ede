/* SPDX-License-Identifier: MIT */
/*
 * lib/stats.c - the process-wide side of the copy ledger: counters per path
 * summed over every call of every thread (relaxed atomics: they are
 * statistics, not synchronisation), and the cache of paths found absent.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static struct zc_path_stats stats[ZC_PATH__COUNT];
static int absent[ZC_PATH__COUNT];

#define ADD(field, v) __atomic_fetch_add(&(field), (v), __ATOMIC_RELAXED)
#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define STORE(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

void zc__stats_add(const struct zc_ledger *l)
{
	struct zc_path_stats *s = &stats[l->path];

	if (!l->bytes && !l->syscalls)
		return;
	if (l->bytes)
		ADD(s->calls, 1);
	ADD(s->bytes, l->bytes);
	ADD(s->syscalls, l->syscalls);
	ADD(s->user_copied, l->user_copied);
}

void zc__stats_refused(enum zc_path p)
{
	ADD(stats[p].refused, 1);
}

int zc_stats_get(enum zc_path path, struct zc_path_stats *st)
{
	struct zc_path_stats *s;

	if ((unsigned int)path >= ZC_PATH__COUNT || !st)
		return -EINVAL;
	s = &stats[path];
	st->calls = LOAD(s->calls);
	st->bytes = LOAD(s->bytes);
	st->syscalls = LOAD(s->syscalls);
	st->user_copied = LOAD(s->user_copied);
	st->refused = LOAD(s->refused);
	return 0;
}

void zc_stats_reset(void)
{
	int i;

	for (i = 0; i < ZC_PATH__COUNT; i++) {
		STORE(stats[i].calls, 0);
		STORE(stats[i].bytes, 0);
		STORE(stats[i].syscalls, 0);
		STORE(stats[i].user_copied, 0);
		STORE(stats[i].refused, 0);
	}
}

void zc__path_mark_absent(enum zc_path p)
{
	STORE(absent[p], 1);
}

int zc__path_absent(enum zc_path p)
{
	return LOAD(absent[p]);
}
