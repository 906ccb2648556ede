/* SPDX-License-Identifier: MIT */
/*
 * src/http/serve.c - starting `zcio serve`: the root directory, the MIME
 * table, the limits, the engine with its listeners (the file server and
 * the optional metrics listener), dropping privileges, and the banner.
 * Then the engine runs until a signal stops it (engine/engine.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve_int.h"

/* Where Debian's media-types package puts the system's MIME table. */
#define MIME_TYPES "/etc/mime.types"

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/*
 * site/ next to the binary (build/zcio -> build/site, what `make run`
 * makes), else the installed ../share/zcio/site.
 */
int http_default_root(char *buf, size_t len)
{
	char exe[PATH_MAX], *dir;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	dir = dirname(exe);
	if ((size_t)snprintf(buf, len, "%s/site", dir) < len && is_dir(buf))
		return 0;
	if ((size_t)snprintf(buf, len, "%s/../share/zcio/site", dir) < len &&
	    is_dir(buf))
		return 0;
	return -ENOENT;
}

/* --user: after binding (ports below 1024), before any file is opened. */
static int drop_privileges(const char *user)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		eng_log(ENG_LOG_ERROR, "--user %s: no such user", user);
		return -ENOENT;
	}
	if (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		eng_log(ENG_LOG_ERROR, "--user %s: %s", user, strerror(errno));
		return -errno;
	}
	return 0;
}

static void limits(struct http_srv *srv, const struct http_cfg *cfg)
{
	http_limits_default(&srv->lim);
	srv->lim.max_head = cfg->max_header_bytes;
	srv->lim.max_uri = cfg->max_uri;
	srv->lim.max_fields = cfg->max_headers;
	/*
	 * Larger than a head may be, so the parser's 431 comes first, with
	 * room to read a few pipelined requests behind it in one recv.
	 */
	srv->in_size = cfg->max_header_bytes + 4096;
}

static void banner(struct http_srv *srv, const struct http_cfg *cfg)
{
	char addr[128];
	unsigned int i;

	if (cfg->quiet)
		return;
	for (i = 0; i < eng_listen_count(srv->eng); i++)
		fprintf(stderr, "zcio serve: %s on http://%s/\n",
			i < cfg->eng.nlisten ? cfg->root : "metrics",
			eng_listen_text(srv->eng, i, addr, sizeof(addr)));
	fprintf(stderr, "zcio serve: %u worker%s, engine %s; Ctrl-C stops\n",
		eng_workers(srv->eng), eng_workers(srv->eng) == 1 ? "" : "s",
		ev_backend_name(eng_backend(srv->eng)));
}

/* Everything eng_run needs; the error is logged. */
static int start(struct http_srv *srv, const struct http_cfg *cfg)
{
	struct eng_config ecfg = cfg->eng;
	int err;

	srv->rootfd = open(cfg->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srv->rootfd < 0) {
		eng_log(ENG_LOG_ERROR, "cannot serve '%s': %s", cfg->root,
			strerror(errno));
		return -errno;
	}
	srv->mime = http_mime_new(&err);
	if (!srv->mime)
		return err;
	/* Optional: the built-in table covers the common types. */
	http_mime_load(srv->mime, MIME_TYPES);
	limits(srv, cfg);
	snprintf(srv->server, sizeof(srv->server), "zcio/%s",
		 ZC_VERSION_STRING);
	if (!ecfg.nlisten)
		eng_config_set(&ecfg, "listen", "127.0.0.1:8080");
	ecfg.proto = &http_proto;
	ecfg.proto_data = srv;
	srv->eng = eng_new(&ecfg, &err);
	if (!srv->eng)
		return err;
	srv->nr_workers = eng_workers(srv->eng);
	srv->workers = calloc(srv->nr_workers, sizeof(*srv->workers));
	if (!srv->workers)
		return -ENOMEM;
	if (cfg->metrics) {
		err = http_metrics_listen(srv->eng, cfg->metrics);
		if (err)
			return err;
	}
	err = http_metrics_register(srv);
	if (err)
		return err;
	return cfg->user ? drop_privileges(cfg->user) : 0;
}

static void stop(struct http_srv *srv)
{
	unsigned int i;

	for (i = 0; srv->workers && i < srv->nr_workers; i++)
		http_worker_free(srv->workers[i]);
	free(srv->workers);
	if (srv->eng)
		eng_free(srv->eng);
	http_mime_free(srv->mime);
	if (srv->rootfd >= 0)
		close(srv->rootfd);
}

int http_serve_run(const struct http_cfg *cfg)
{
	struct http_srv srv = { .cfg = cfg, .rootfd = -1 };
	int ret;

	ret = start(&srv, cfg);
	if (!ret) {
		banner(&srv, cfg);
		ret = eng_run(srv.eng);
		if (ret)
			eng_log(ENG_LOG_ERROR, "stopped: %s", strerror(-ret));
	}
	stop(&srv);
	return ret ? 1 : 0;
}
