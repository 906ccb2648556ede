/* SPDX-License-Identifier: MIT */
/*
 * src/engine/config.c - the engine's options: their table (names, defaults,
 * help), defaults, and parsing one option from its command-line text.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/eng_int.h"

#define DEF_SHUTDOWN_MS 10000
/* nginx's default; the kernel caps it at net.core.somaxconn */
#define DEF_BACKLOG 511
#define MAX_WORKERS 1024

const struct eng_option eng_options[] = {
	{ "engine", "auto|uring|epoll", "auto",
	  "event loop backend; auto takes io_uring when the kernel allows" },
	{ "workers", "N", "CPUs",
	  "worker threads, each with its own loop and listening sockets" },
	{ "listen", "ADDR:PORT", "(none)",
	  "listen address, repeatable: 127.0.0.1:8080, [::1]:0, :8080" },
	{ "max-conns", "N", "auto",
	  "connections open at once, all workers; auto: 3/4 of the fd "
	  "limit" },
	{ "shutdown-timeout", "TIME", "10s",
	  "on SIGTERM, wait this long for responses in flight" },
	{ "backlog", "N", "511", "listen(2) backlog of each socket" },
	{ "port-file", "PATH", "(none)",
	  "write the bound ADDR:PORT of each listener there, one a line" },
	{ "error-log", "PATH", "stderr", "error log file; - for stderr" },
	{ "log-level", "LEVEL", "info", "error, warn, info or debug" },
	{ "access-log", "PATH", "(none)",
	  "access log file; - for stdout; off for none" },
	{ "access-log-buffer", "SIZE", "64k",
	  "access-log bytes buffered per worker (flushed every second)" },
	{ NULL, NULL, NULL, NULL },
};

/* The CPUs this process may run on (taskset, cgroup cpusets). */
unsigned int eng__cpus(void)
{
	cpu_set_t set;
	long n;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return (unsigned int)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned int)n : 1;
}

void eng_config_init(struct eng_config *cfg)
{
	const char *env = getenv("ZCIO_ENGINE");
	int b;

	memset(cfg, 0, sizeof(*cfg));
	cfg->backend = EV_BACKEND_AUTO;
	/* lets a whole test suite run on one backend without new options */
	if (env && (b = ev_backend_from_name(env)) >= 0)
		cfg->backend = (enum ev_backend)b;
	cfg->shutdown_ms = DEF_SHUTDOWN_MS;
	cfg->backlog = DEF_BACKLOG;
	cfg->log_level = ENG_LOG_INFO;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int eng_parse_ms(const char *text, uint64_t *ms)
{
	unsigned long long v;
	uint64_t mul = 1000;
	char *end;

	if (!*text || *text == '-' || *text == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		mul = 1;
	else if (!strcmp(end, "m"))
		mul = 60000;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -EINVAL;
	*ms = v * mul;
	return 0;
}

/* "65536", "64k", "1m": bytes. */
static int parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	size_t mul = 1;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		mul = 1024;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024;
	if (mul > 1)
		end++;
	if (*end || v > SIZE_MAX / mul / 2)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static int set_number(struct eng_config *cfg, const char *name,
		      const char *value)
{
	unsigned long v;
	uint64_t ms;

	if (!strcmp(name, "workers")) {
		if (!strcmp(value, "auto"))
			v = 0;
		else if (parse_uint(value, MAX_WORKERS, &v) || !v)
			return -EINVAL;
		cfg->workers = v;
	} else if (!strcmp(name, "max-conns")) {
		if (!strcmp(value, "auto"))
			v = 0;
		else if (parse_uint(value, INT_MAX, &v) || !v)
			return -EINVAL;
		cfg->max_conns = v;
	} else if (!strcmp(name, "shutdown-timeout")) {
		if (eng_parse_ms(value, &ms) || ms > UINT_MAX)
			return -EINVAL;
		cfg->shutdown_ms = ms;
	} else if (!strcmp(name, "backlog")) {
		if (parse_uint(value, INT_MAX, &v) || !v)
			return -EINVAL;
		cfg->backlog = (int)v;
	} else if (!strcmp(name, "access-log-buffer")) {
		/* a line must fit, and a buffer per worker stays small */
		if (parse_size(value, &cfg->access_log_buffer) ||
		    cfg->access_log_buffer < 4096 ||
		    cfg->access_log_buffer > 64 * 1024 * 1024)
			return -EINVAL;
	} else {
		return -ENOENT;
	}
	return 0;
}

int eng_config_set_port(struct eng_config *cfg, const char *port)
{
	/* "127.0.0.1:65535" and its NUL fit; 24 leaves room to spare */
	static char text[ENG_MAX_LISTEN][24];
	char *end;
	long p;

	p = strtol(port, &end, 10);
	if (end == port || *end || p < 0 || p > 65535 ||
	    cfg->nlisten >= ENG_MAX_LISTEN)
		return -EINVAL;
	snprintf(text[cfg->nlisten], sizeof(text[0]), "127.0.0.1:%ld", p);
	return eng_config_set(cfg, "listen", text[cfg->nlisten]);
}

int eng_config_set(struct eng_config *cfg, const char *name,
		   const char *value)
{
	int v;

	if (!strcmp(name, "engine")) {
		v = ev_backend_from_name(value);
		if (v < 0)
			return -EINVAL;
		cfg->backend = (enum ev_backend)v;
	} else if (!strcmp(name, "listen")) {
		if (cfg->nlisten >= ENG_MAX_LISTEN)
			return -E2BIG;
		if (!*value)
			return -EINVAL;
		cfg->listen[cfg->nlisten++] = value;
	} else if (!strcmp(name, "port-file")) {
		cfg->port_file = value;
	} else if (!strcmp(name, "error-log")) {
		cfg->error_log = value;
	} else if (!strcmp(name, "log-level")) {
		v = eng_log_level_from_name(value);
		if (v < 0)
			return -EINVAL;
		cfg->log_level = (enum eng_log_level)v;
	} else if (!strcmp(name, "access-log")) {
		cfg->access_log = strcmp(value, "off") ? value : NULL;
	} else {
		return set_number(cfg, name, value);
	}
	return 0;
}
