/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/broker.h - `zcio broker`: the configuration every part of the
 * broker reads, the option table that fills it, and the entry point. The
 * option table is the one place where an option's name, its parser and
 * the field it sets are written (STYLE §9); --help, zcio-broker(1) and
 * docs/kafka.md describe the same rows in the same order.
 */
#ifndef ZC_KAFKA_BROKER_H
#define ZC_KAFKA_BROKER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* --flush */
enum kafka_flush {
	KAFKA_FLUSH_NEVER = 0,		/* the kernel writes back */
	KAFKA_FLUSH_INTERVAL,		/* fdatasync every flush_ms */
	KAFKA_FLUSH_ALWAYS,		/* fdatasync before each answer */
};

/*
 * The engine's options (--listen, --workers, --engine, --port-file, the
 * logs...) live in @eng and are parsed by the engine's own table; this
 * struct adds what the broker needs. Sizes are bytes, times milliseconds.
 */
struct kafka_cfg {
	struct eng_config eng;
	const char *data;		/* --data DIR */
	const char *advertise;		/* HOST[:PORT], or NULL */
	unsigned int partitions;	/* of auto-created topics */
	int auto_create;		/* --auto-create on|off */
	int flush;			/* enum kafka_flush */
	unsigned int flush_ms;		/* --flush interval MS */
	int64_t retention_bytes;	/* -1: no limit */
	int64_t retention_ms;		/* -1: no limit */
	uint64_t segment_bytes;
	uint64_t segment_ms;
	unsigned int max_request_bytes;
	unsigned int max_message_bytes;
	unsigned int idle_ms;		/* --idle-timeout */
	unsigned int retention_check_ms;
	int fetch_copy;			/* --fetch-copy: read+write */
	const char *metrics;		/* --metrics ADDR:PORT, or NULL */
	int quiet;
	int workers_set;		/* --workers was given */
	unsigned int group_initial_delay_ms;	/* --group-initial-delay */
	unsigned int group_min_session_ms;	/* --group-min-session */
	unsigned int group_max_session_ms;	/* --group-max-session */
};

/* Fills @cfg with the defaults documented in zcio-broker(1). */
void kafka_cfg_defaults(struct kafka_cfg *cfg);

/*
 * One row of the option table: `--NAME ARG` (or a flag when @arg is NULL)
 * parsed by @set into the field at @off of struct kafka_cfg; @min and
 * @max bound numbers.
 */
struct kafka_opt {
	const char *name;
	char short_name;
	const char *arg;
	int (*set)(struct kafka_cfg *cfg, const struct kafka_opt *o,
		   const char *val);
	size_t off;
	int64_t min, max;
};

extern const struct kafka_opt kafka_opts[];
extern const unsigned int kafka_nr_opts;

/* The row for `--@name`, or NULL when it is not a broker option. */
const struct kafka_opt *kafka_opt_find(const char *name);

/*
 * Applies option --@name with argument @val (NULL for a flag): a broker
 * option from kafka_opts, else an engine option (eng_config_set). Returns
 * 0, -ENOENT for an unknown name, or -EINVAL after writing a one-line
 * reason into @why (@len bytes).
 */
int kafka_opt_apply(struct kafka_cfg *cfg, const char *name,
		    const char *val, char *why, size_t len);

/*
 * --flush takes one or two words ("always", "interval 200"): the command
 * line parser asks this whether the word after `--flush interval` belongs
 * to it.
 */
int kafka_flush_wants_ms(const char *mode);

/*
 * Runs the broker with @cfg until SIGINT/SIGTERM (graceful stop): opens
 * the data directory (recovering every partition), binds, serves. Prints
 * why it cannot start on stderr. Returns the process exit status. Blocks.
 */
int kafka_broker_run(const struct kafka_cfg *cfg);

#endif
