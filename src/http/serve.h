/* SPDX-License-Identifier: MIT */
/*
 * src/http/serve.h - `zcio serve`: the configuration every part of the
 * server reads, the option table that fills it, and the entry point.
 * The option table is the one place where an option's name, its parser
 * and the field it sets are written (STYLE §9, nginx's ngx_command_t).
 */
#ifndef ZC_HTTP_SERVE_H
#define ZC_HTTP_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* --dotfiles */
enum http_dotfiles {
	HTTP_DOTFILES_DENY = 0,
	HTTP_DOTFILES_ALLOW,
};

/*
 * The engine's options (--listen, --workers, --engine, --max-conns,
 * --shutdown-timeout, --port-file, the logs...) live in @eng and are
 * parsed by the engine's own table (eng_config_set); this struct adds
 * what HTTP serving needs. Durations are milliseconds; the options take
 * "5", "5s" or "250ms".
 */
struct http_cfg {
	struct eng_config eng;
	const char *root;		/* DIR; NULL until chosen */
	unsigned int keepalive_ms;
	unsigned int header_ms;
	unsigned int send_ms;
	unsigned int max_header_bytes;
	unsigned int max_headers;
	unsigned int max_uri;
	unsigned int max_pipeline;
	int autoindex;
	int dotfiles;			/* enum http_dotfiles */
	const char *index;
	const char *metrics;		/* ADDR:PORT or NULL */
	const char *user;		/* drop privileges to this user */
	unsigned int cache_entries;
	unsigned int cache_valid_ms;
	unsigned int small_file_max;
	unsigned int loopback_sndbuf;	/* SO_SNDBUF for loopback peers */
	int quiet;			/* no startup banner */
};

/* Fills @cfg with the defaults documented in zcio-serve(1). */
void http_cfg_defaults(struct http_cfg *cfg);

/*
 * One row of the option table: `--NAME ARG` (or a flag when @arg is NULL)
 * parsed by @set into the field at @off of struct http_cfg. @min and @max
 * bound numbers (durations in milliseconds).
 */
struct http_opt {
	const char *name;
	char short_name;
	const char *arg;
	int (*set)(struct http_cfg *cfg, const struct http_opt *o,
		   const char *val);
	size_t off;
	long min, max;
};

extern const struct http_opt http_opts[];
extern const unsigned int http_nr_opts;

/* The row for `--@name`, or NULL when it is not an HTTP option. */
const struct http_opt *http_opt_find(const char *name);

/*
 * Applies option --@name with argument @val (NULL for a flag) to @cfg:
 * an HTTP option from http_opts, else an engine option (eng_config_set).
 * Returns 0, -ENOENT for an unknown name, or -EINVAL after writing a
 * one-line reason into @why (@len bytes).
 */
int http_opt_apply(struct http_cfg *cfg, const char *name, const char *val,
		   char *why, size_t len);

/*
 * Runs the server with @cfg until SIGINT/SIGTERM (graceful stop). Prints
 * why it cannot start on stderr. Returns the process exit status. Blocks.
 */
int http_serve_run(const struct http_cfg *cfg);

/*
 * The built-in demo site: the directory `zcio serve` serves without DIR
 * (site/ next to the binary, as `make run` builds it, or the installed
 * share/zcio/site). Writes the path into @buf; -ENOENT when there is none.
 */
int http_default_root(char *buf, size_t len);

#endif
