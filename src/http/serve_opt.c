/* SPDX-License-Identifier: MIT */
/*
 * src/http/serve_opt.c - the option table of `zcio serve` and its setters
 * (serve.h). Each row names an option, the parser of its argument and the
 * field it sets. --help (src/cli/cmd_serve.c), the man page and
 * docs/serve.md describe the same rows in the same order; a test checks
 * that --help names every one.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* The field at @off of @cfg, as a @type. */
#define FIELD(cfg, o, type) ((type *)((char *)(cfg) + (o)->off))
#define OFF(f) offsetof(struct http_cfg, f)

void http_cfg_defaults(struct http_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	eng_config_init(&cfg->eng);
	/* nginx's keepalive_timeout is 75 s, its send_timeout 60 s. */
	cfg->keepalive_ms = 60000;
	cfg->header_ms = 10000;
	cfg->send_ms = 60000;
	cfg->max_header_bytes = 16384;
	cfg->max_headers = 100;
	cfg->max_uri = 8192;
	cfg->max_pipeline = 32;
	cfg->index = "index.html";
	cfg->cache_entries = 4096;
	cfg->cache_valid_ms = 1000;
	cfg->small_file_max = 16384;
	cfg->loopback_sndbuf = 131072;
}

static int why_fmt(char *why, size_t len, const struct http_opt *o,
		   const char *val, const char *want)
{
	snprintf(why, len, "bad value '%s' for --%s (want %s)", val, o->name,
		 want);
	return -EINVAL;
}

/* A number in [o->min, o->max]; "k" and "m" multiply by 1024. */
static int set_uint(struct http_cfg *cfg, const struct http_opt *o,
		    const char *val)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (end != val && (*end == 'k' || *end == 'K') && !end[1] &&
	    v <= LONG_MAX / 1024) {
		v *= 1024;
		end++;
	} else if (end != val && (*end == 'm' || *end == 'M') && !end[1] &&
		   v <= LONG_MAX / 1048576) {
		v *= 1048576;
		end++;
	}
	if (errno || end == val || *end || v < o->min || v > o->max)
		return -EINVAL;
	*FIELD(cfg, o, unsigned int) = (unsigned int)v;
	return 0;
}

/* A duration as the engine parses them: "30", "30s", "250ms", "2m". */
static int set_ms(struct http_cfg *cfg, const struct http_opt *o,
		  const char *val)
{
	uint64_t ms;

	if (eng_parse_ms(val, &ms) || ms < (uint64_t)o->min ||
	    ms > (uint64_t)o->max)
		return -EINVAL;
	*FIELD(cfg, o, unsigned int) = (unsigned int)ms;
	return 0;
}

static int set_str(struct http_cfg *cfg, const struct http_opt *o,
		   const char *val)
{
	if (!*val)
		return -EINVAL;
	*FIELD(cfg, o, const char *) = val;
	return 0;
}

static int set_flag(struct http_cfg *cfg, const struct http_opt *o,
		    const char *val)
{
	(void)val;
	*FIELD(cfg, o, int) = 1;
	return 0;
}

/* --port P is --listen 127.0.0.1:P (eng_config_set_port). */
static int set_port(struct http_cfg *cfg, const struct http_opt *o,
		    const char *val)
{
	(void)o;
	return eng_config_set_port(&cfg->eng, val);
}

/* A word out of @words (NULL-terminated), stored as its index or text. */
static int pick(const char *val, const char *const *words)
{
	int i;

	for (i = 0; words[i]; i++)
		if (!strcmp(val, words[i]))
			return i;
	return -EINVAL;
}

static const char *const dotfiles[] = { "deny", "allow", NULL };

static int set_dotfiles(struct http_cfg *cfg, const struct http_opt *o,
			const char *val)
{
	int i = pick(val, dotfiles);

	(void)o;
	if (i < 0)
		return i;
	cfg->dotfiles = i;
	return 0;
}

#define DAY_MS 86400000L

const struct http_opt http_opts[] = {
	{ "port", 'p', "PORT", set_port, 0, 0, 0 },
	{ "keepalive-timeout", 0, "TIME", set_ms, OFF(keepalive_ms), 1,
	  DAY_MS },
	{ "header-timeout", 0, "TIME", set_ms, OFF(header_ms), 1, DAY_MS },
	{ "send-timeout", 0, "TIME", set_ms, OFF(send_ms), 1, DAY_MS },
	{ "max-header-bytes", 0, "N", set_uint, OFF(max_header_bytes), 256,
	  1 << 20 },
	{ "max-headers", 0, "N", set_uint, OFF(max_headers), 1, 128 },
	{ "max-uri", 0, "N", set_uint, OFF(max_uri), 16, 1 << 20 },
	{ "max-pipeline", 0, "N", set_uint, OFF(max_pipeline), 1, 1024 },
	{ "autoindex", 'a', NULL, set_flag, OFF(autoindex), 0, 0 },
	{ "dotfiles", 0, "deny|allow", set_dotfiles, 0, 0, 0 },
	{ "index", 0, "NAME", set_str, OFF(index), 0, 0 },
	{ "metrics", 'm', "ADDR:PORT", set_str, OFF(metrics), 0, 0 },
	{ "user", 'u', "NAME", set_str, OFF(user), 0, 0 },
	{ "cache-entries", 0, "N", set_uint, OFF(cache_entries), 1, 1 << 22 },
	{ "cache-valid-ms", 0, "MS", set_uint, OFF(cache_valid_ms), 0,
	  DAY_MS },
	{ "small-file-max", 0, "N", set_uint, OFF(small_file_max), 0,
	  1 << 20 },
	{ "loopback-sndbuf", 0, "N", set_uint, OFF(loopback_sndbuf), 0,
	  64 << 20 },
	{ "quiet", 'q', NULL, set_flag, OFF(quiet), 0, 0 },
};


const unsigned int http_nr_opts = sizeof(http_opts) / sizeof(http_opts[0]);

const struct http_opt *http_opt_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < http_nr_opts; i++)
		if (!strcmp(http_opts[i].name, name))
			return &http_opts[i];
	return NULL;
}

/* What a bad value of @o should have looked like. */
static void want_text(const struct http_opt *o, char *want, size_t len)
{
	if (o->set == set_uint)
		snprintf(want, len, "a number from %ld to %ld", o->min,
			 o->max);
	else if (o->set == set_ms)
		snprintf(want, len, "a time like 5s or 250ms");
	else
		snprintf(want, len, "%s", o->arg ? o->arg : "none");
}

int http_opt_apply(struct http_cfg *cfg, const char *name, const char *val,
		   char *why, size_t len)
{
	const struct http_opt *o = http_opt_find(name);
	char want[64];
	int ret;

	if (!o) {
		ret = eng_config_set(&cfg->eng, name, val);
		if (ret == -EINVAL || ret == -E2BIG)
			snprintf(why, len, "bad value '%s' for --%s", val,
				 name);
		return ret;
	}
	if (!o->set(cfg, o, val ? val : ""))
		return 0;
	want_text(o, want, sizeof(want));
	return why_fmt(why, len, o, val ? val : "", want);
}
