/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/broker_opt.c - the option table of `zcio broker` and its
 * setters (broker.h). Each row names an option, the parser of its argument
 * and the field it sets. --help (src/cli/cmd_broker.c), zcio-broker(1) and
 * docs/kafka.md describe the same rows in the same order; a test checks
 * that --help names every one.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"

#define FIELD(cfg, o, type) ((type *)((char *)(cfg) + (o)->off))
#define OFF(f) offsetof(struct kafka_cfg, f)

#define DAY_MS 86400000LL

void kafka_cfg_defaults(struct kafka_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	eng_config_init(&cfg->eng);
	cfg->data = "zcio-data";
	/* The librdkafka mock cluster's count; keyed producers need >= 2. */
	cfg->partitions = 4;
	cfg->auto_create = 1;
	/*
	 * Kafka's own default: no fsync per write, the page cache writes
	 * back. A produce answered survives a crash of the broker process
	 * (the bytes are in the kernel) but not of the machine; see --flush.
	 */
	cfg->flush = KAFKA_FLUSH_NEVER;
	cfg->flush_ms = 1000;
	/* Kafka: retention.bytes -1, retention.ms 7 days, segment 1 GiB. */
	cfg->retention_bytes = -1;
	cfg->retention_ms = 7 * DAY_MS;
	cfg->segment_bytes = 1ull << 30;
	cfg->segment_ms = 7 * DAY_MS;
	/* Kafka: socket.request.max.bytes, max.message.bytes. */
	cfg->max_request_bytes = 104857600;
	cfg->max_message_bytes = 1048588;
	/* Kafka: connections.max.idle.ms 10 min. */
	cfg->idle_ms = 600000;
	/* Kafka checks every 5 min; a minute makes small tests possible. */
	cfg->retention_check_ms = 60000;
	/* Kafka: group.initial.rebalance.delay.ms, group.min/max.session.
	 * timeout.ms. */
	cfg->group_initial_delay_ms = 3000;
	cfg->group_min_session_ms = 6000;
	cfg->group_max_session_ms = 1800000;
}

/* An integer with an optional k/m/g (times 1024) suffix. */
static int parse_num(const char *val, long long *out)
{
	long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoll(val, &end, 10);
	if (errno || end == val)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1048576; end++; break;
	case 'g': case 'G': mul = 1073741824; end++; break;
	}
	if (*end || (v > 0 && v > LLONG_MAX / mul) ||
	    (v < 0 && v < LLONG_MIN / mul))
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static int set_uint(struct kafka_cfg *cfg, const struct kafka_opt *o,
		    const char *val)
{
	long long v;

	if (parse_num(val, &v) || v < o->min || v > o->max)
		return -EINVAL;
	*FIELD(cfg, o, unsigned int) = (unsigned int)v;
	return 0;
}

static int set_u64(struct kafka_cfg *cfg, const struct kafka_opt *o,
		   const char *val)
{
	long long v;

	if (parse_num(val, &v) || v < o->min || v > o->max)
		return -EINVAL;
	*FIELD(cfg, o, uint64_t) = (uint64_t)v;
	return 0;
}

/* Bytes or -1 for "no limit". */
static int set_i64(struct kafka_cfg *cfg, const struct kafka_opt *o,
		   const char *val)
{
	long long v;

	if (parse_num(val, &v) || (v < o->min && v != -1) || v > o->max)
		return -EINVAL;
	*FIELD(cfg, o, int64_t) = v;
	return 0;
}

/*
 * A duration: plain milliseconds as Kafka's *.ms settings are written, or
 * the engine's "500ms", "10s", "2m". -1 only when @neg allows it.
 */
static int parse_ms(const char *val, int64_t min, int64_t max, int neg,
		    int64_t *out)
{
	uint64_t ms;
	long long v;
	char *end;

	errno = 0;
	v = strtoll(val, &end, 10);
	if (end != val && !*end && !errno) {
		if (!(neg && v == -1) && (v < min || v > max))
			return -EINVAL;
		*out = v;
		return 0;
	}
	if (eng_parse_ms(val, &ms) || ms < (uint64_t)min ||
	    ms > (uint64_t)max)
		return -EINVAL;
	*out = (int64_t)ms;
	return 0;
}

/* A time in ms or -1 for "no limit" (retention). */
static int set_ms64(struct kafka_cfg *cfg, const struct kafka_opt *o,
		    const char *val)
{
	return parse_ms(val, o->min, o->max, 1, FIELD(cfg, o, int64_t));
}

static int set_ms(struct kafka_cfg *cfg, const struct kafka_opt *o,
		  const char *val)
{
	int64_t v;

	if (parse_ms(val, o->min, o->max, 0, &v))
		return -EINVAL;
	*FIELD(cfg, o, unsigned int) = (unsigned int)v;
	return 0;
}

static int set_segment_ms(struct kafka_cfg *cfg, const struct kafka_opt *o,
			  const char *val)
{
	int64_t v;

	if (parse_ms(val, o->min, o->max, 0, &v))
		return -EINVAL;
	*FIELD(cfg, o, uint64_t) = (uint64_t)v;
	return 0;
}

static int set_str(struct kafka_cfg *cfg, const struct kafka_opt *o,
		   const char *val)
{
	if (!*val)
		return -EINVAL;
	*FIELD(cfg, o, const char *) = val;
	return 0;
}

static int set_flag(struct kafka_cfg *cfg, const struct kafka_opt *o,
		    const char *val)
{
	(void)val;
	*FIELD(cfg, o, int) = 1;
	return 0;
}

static int set_onoff(struct kafka_cfg *cfg, const struct kafka_opt *o,
		     const char *val)
{
	if (!strcmp(val, "on") || !strcmp(val, "true") || !strcmp(val, "1"))
		*FIELD(cfg, o, int) = 1;
	else if (!strcmp(val, "off") || !strcmp(val, "false") ||
		 !strcmp(val, "0"))
		*FIELD(cfg, o, int) = 0;
	else
		return -EINVAL;
	return 0;
}

int kafka_flush_wants_ms(const char *mode)
{
	return !strcmp(mode, "interval");
}

/*
 * "always", "never", "interval" (then the command line parser hands the
 * next word over as "interval MS"), "interval MS", "interval=MS".
 */
static int set_flush(struct kafka_cfg *cfg, const struct kafka_opt *o,
		     const char *val)
{
	int64_t ms = cfg->flush_ms;

	(void)o;
	if (!strcmp(val, "always"))
		cfg->flush = KAFKA_FLUSH_ALWAYS;
	else if (!strcmp(val, "never"))
		cfg->flush = KAFKA_FLUSH_NEVER;
	else if (strncmp(val, "interval", 8))
		return -EINVAL;
	if (strncmp(val, "interval", 8))
		return 0;
	if (val[8] && ((val[8] != ' ' && val[8] != '=') ||
		       parse_ms(val + 9, 1, DAY_MS, 0, &ms)))
		return -EINVAL;
	cfg->flush = KAFKA_FLUSH_INTERVAL;
	cfg->flush_ms = (unsigned int)ms;
	return 0;
}

/* --port P is --listen 127.0.0.1:P (eng_config_set_port). */
static int set_port(struct kafka_cfg *cfg, const struct kafka_opt *o,
		    const char *val)
{
	(void)o;
	return eng_config_set_port(&cfg->eng, val);
}

#define GIB (1LL << 30)

const struct kafka_opt kafka_opts[] = {
	{ "port", 'p', "PORT", set_port, 0, 0, 0 },
	{ "data", 'd', "DIR", set_str, OFF(data), 0, 0 },
	{ "advertise", 0, "HOST:PORT", set_str, OFF(advertise), 0, 0 },
	{ "partitions", 0, "N", set_uint, OFF(partitions), 1, 10000 },
	{ "auto-create", 0, "on|off", set_onoff, OFF(auto_create), 0, 0 },
	{ "flush", 0, "always|interval MS|never", set_flush, 0, 0, 0 },
	{ "retention-bytes", 0, "N", set_i64, OFF(retention_bytes), 0,
	  LLONG_MAX },
	{ "retention-ms", 0, "MS", set_ms64, OFF(retention_ms), 1,
	  LLONG_MAX },
	{ "segment-bytes", 0, "N", set_u64, OFF(segment_bytes), 14,
	  GIB },
	{ "segment-ms", 0, "MS", set_segment_ms, OFF(segment_ms), 1,
	  LLONG_MAX },
	{ "max-request-bytes", 0, "N", set_uint, OFF(max_request_bytes),
	  1024, INT32_MAX },
	{ "max-message-bytes", 0, "N", set_uint, OFF(max_message_bytes), 64,
	  INT32_MAX },
	{ "idle-timeout", 0, "TIME", set_ms, OFF(idle_ms), 1, DAY_MS },
	{ "retention-check", 0, "TIME", set_ms, OFF(retention_check_ms), 10,
	  DAY_MS },
	{ "fetch-copy", 0, NULL, set_flag, OFF(fetch_copy), 0, 0 },
	{ "group-initial-delay", 0, "MS", set_ms, OFF(group_initial_delay_ms),
	  0, 300000 },
	{ "group-min-session", 0, "MS", set_ms, OFF(group_min_session_ms), 1,
	  DAY_MS },
	{ "group-max-session", 0, "MS", set_ms, OFF(group_max_session_ms), 1,
	  DAY_MS },
	{ "metrics", 'm', "ADDR:PORT", set_str, OFF(metrics), 0, 0 },
	{ "quiet", 'q', NULL, set_flag, OFF(quiet), 0, 0 },
};

const unsigned int kafka_nr_opts = sizeof(kafka_opts) / sizeof(kafka_opts[0]);

const struct kafka_opt *kafka_opt_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < kafka_nr_opts; i++)
		if (!strcmp(kafka_opts[i].name, name))
			return &kafka_opts[i];
	return NULL;
}

/* What a bad value of @o should have looked like. */
static void want_text(const struct kafka_opt *o, char *want, size_t len)
{
	if (o->set == set_uint || o->set == set_u64)
		snprintf(want, len, "a number from %lld to %lld",
			 (long long)o->min, (long long)o->max);
	else if (o->set == set_i64)
		snprintf(want, len, "a number of bytes, or -1");
	else if (o->set == set_ms || o->set == set_ms64 ||
		 o->set == set_segment_ms)
		snprintf(want, len, "milliseconds, or a time like 5s");
	else
		snprintf(want, len, "%s", o->arg ? o->arg : "none");
}

int kafka_opt_apply(struct kafka_cfg *cfg, const char *name,
		    const char *val, char *why, size_t len)
{
	const struct kafka_opt *o = kafka_opt_find(name);
	char want[64];
	int ret;

	if (!o) {
		ret = eng_config_set(&cfg->eng, name, val);
		if (ret == -EINVAL || ret == -E2BIG)
			snprintf(why, len, "bad value '%s' for --%s", val,
				 name);
		if (!ret && !strcmp(name, "workers"))
			cfg->workers_set = 1;
		return ret;
	}
	if (!o->set(cfg, o, val ? val : ""))
		return 0;
	want_text(o, want, sizeof(want));
	snprintf(why, len, "bad value '%s' for --%s (want %s)",
		 val ? val : "", o->name, want);
	return -EINVAL;
}
