/* SPDX-License-Identifier: MIT */
/*
 * src/engine/metrics_ledger.c - the copy ledger as metrics: libzcio's
 * process-wide counters per kernel path (zc_stats_get), read when the
 * metrics are rendered, so that every server built on the engine shows
 * which path moved its bytes and what that cost.
 */
#include <stdio.h>

#include <zcio.h>

#include "engine/metrics.h"

enum { LEDGER_BYTES, LEDGER_SYSCALLS, LEDGER_USER_COPIED, LEDGER_FIELDS };

/* One (path, field) pair; static: the values live in libzcio anyway. */
struct ledger_metric {
	enum zc_path path;
	int field;
};

static struct ledger_metric ledger_metrics[LEDGER_FIELDS * ZC_PATH__COUNT];

static double ledger_value(void *arg)
{
	const struct ledger_metric *lm = arg;
	struct zc_path_stats st;

	if (zc_stats_get(lm->path, &st))
		return 0;
	switch (lm->field) {
	case LEDGER_BYTES:
		return (double)st.bytes;
	case LEDGER_SYSCALLS:
		return (double)st.syscalls;
	default:
		return (double)st.user_copied;
	}
}

int eng_metrics_register_ledger(struct eng_metrics *r)
{
	static const char *const names[LEDGER_FIELDS] = {
		"zcio_ledger_bytes_total", "zcio_ledger_syscalls_total",
		"zcio_ledger_user_copied_bytes_total",
	};
	static const char *const helps[LEDGER_FIELDS] = {
		"Bytes moved by libzcio, by kernel path (copy ledger).",
		"System calls libzcio made, by kernel path.",
		"Bytes that passed through a user-space buffer, by path.",
	};
	struct ledger_metric *lm;
	char labels[64];
	int p, f, ret;

	for (f = 0; f < LEDGER_FIELDS; f++) {
		for (p = ZC_PATH_AUTO + 1; p < ZC_PATH__COUNT; p++) {
			lm = &ledger_metrics[f * ZC_PATH__COUNT + p];
			lm->path = (enum zc_path)p;
			lm->field = f;
			snprintf(labels, sizeof(labels), "path=\"%s\"",
				 zc_path_name((enum zc_path)p));
			ret = eng_metric_new_fn(r, ENG_METRIC_COUNTER,
						names[f], labels, helps[f],
						ledger_value, lm);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}
