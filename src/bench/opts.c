/* SPDX-License-Identifier: MIT */
/*
 * src/bench/opts.c - the command line of `zcio bench`: one table of long
 * options, lists of sizes, paths and scenarios, and --quick, whose values
 * yield to any option given explicitly, wherever it stands.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* Defaults (the matrix) and what --quick keeps of them. */
static const char default_sizes[] = "4k,64k,1m,64m,1g";
static const char default_lat[] = "4k,64k";
static const char quick_sizes[] = "4k,64k,1m";
static const char quick_lat[] = "4k";
#define DEFAULT_RUNS 3
#define DEFAULT_SECS 0.5
#define QUICK_SECS 0.1

enum {
	OPT_COLD = 0x100, OPT_PIN, OPT_DIR, OPT_JSON, OPT_CSV, OPT_SVG,
	OPT_NO_VERIFY, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_DRY_RUN,
	OPT_LAT, OPT_KEEP,
};

static const struct option opts[] = {
	{ "quick", no_argument, NULL, 'q' },
	{ "runs", required_argument, NULL, 'r' },
	{ "time", required_argument, NULL, 't' },
	{ "sizes", required_argument, NULL, 's' },
	{ "scenarios", required_argument, NULL, 'S' },
	{ "paths", required_argument, NULL, 'p' },
	{ "latency-sizes", required_argument, NULL, OPT_LAT },
	{ "cold", no_argument, NULL, OPT_COLD },
	{ "pin", optional_argument, NULL, OPT_PIN },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "keep-data", no_argument, NULL, OPT_KEEP },
	{ "json", optional_argument, NULL, OPT_JSON },
	{ "csv", optional_argument, NULL, OPT_CSV },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* "4k", "64K", "1m", "1GiB", "512": binary units. 0 when malformed. */
static uint64_t parse_size(const char *s, const char *end)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *e;

	if (s == end || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno || e > end)
		return 0;
	if (e < end) {
		switch (*e++) {
		case 'k': case 'K': mult = 1ull << 10; break;
		case 'm': case 'M': mult = 1ull << 20; break;
		case 'g': case 'G': mult = 1ull << 30; break;
		default: return 0;
		}
		/* "KiB" and "KB" mean the same here: binary, as printed. */
		if (e < end && *e == 'i')
			e++;
		if (e < end && (*e == 'B' || *e == 'b'))
			e++;
	}
	if (e != end || !v || v > BENCH_MAX_SIZE / mult)
		return 0;
	return v * mult;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

int bench_parse_sizes(const char *s, size_t *out, int max)
{
	const char *p = s, *comma;
	int n = 0, i, k;
	uint64_t v;

	if (!strcmp(s, "none"))
		return 0;
	for (;;) {
		comma = strchr(p, ',');
		if (!comma)
			comma = p + strlen(p);
		v = parse_size(p, comma);
		if (!v || n == max)
			return -1;
		out[n++] = (size_t)v;
		if (!*comma)
			break;
		p = comma + 1;
	}
	qsort(out, (size_t)n, sizeof(*out), cmp_size);
	for (i = k = 0; i < n; i++)
		if (!k || out[k - 1] != out[i])
			out[k++] = out[i];
	return k;
}

double bench_parse_secs(const char *s)
{
	char *e;
	double v;

	errno = 0;
	v = strtod(s, &e);
	if (errno || e == s || *e || !isfinite(v) || v <= 0 || v > 60)
		return -1;
	return v;
}

/*
 * "a,b,c" or "all" of names known to @lookup into a bit set; the name
 * that is not known goes to @bad. 0 when empty or bad.
 */
static uint32_t parse_names(const char *s, int (*lookup)(const char *),
			    uint32_t all, char *bad, size_t badlen)
{
	char buf[256], *tok, *save;
	uint32_t set = 0;
	int v;

	if (!strcmp(s, "all"))
		return all;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		v = lookup(tok);
		if (v < 0) {
			snprintf(bad, badlen, "%s", tok);
			return 0;
		}
		set |= 1u << v;
	}
	if (!set)
		snprintf(bad, badlen, "%s", s);
	return set;
}

/* "0,1" into the two CPUs; no argument means sender 0, receiver 1. */
static int parse_pin(struct bench_cfg *c, const char *arg)
{
	char *e;
	long tx, rx;

	c->pin = 1;
	c->cpu_tx = 0;
	c->cpu_rx = 1;
	if (!arg)
		return 0;
	tx = strtol(arg, &e, 10);
	if (e == arg || *e != ',')
		return -1;
	rx = strtol(e + 1, &e, 10);
	if (*e || tx < 0 || rx < 0 || tx >= CPU_SETSIZE || rx >= CPU_SETSIZE)
		return -1;
	c->cpu_tx = (int)tx;
	c->cpu_rx = (int)rx;
	return 0;
}

/* What was given explicitly, so that --quick fills in only the rest. */
struct given {
	const char *sizes, *lat;
	int runs, secs;
};

static int list_err(struct bench_cfg *c, const char *what, const char *bad,
		    const char *valid)
{
	return cli_usage_err(c->cmd, "unknown %s '%s'; valid: %s, all", what,
			     bad, valid);
}

static void path_names(char *buf, size_t len, unsigned int of_scens)
{
	int p;

	buf[0] = '\0';
	for (p = 0; p < BP__COUNT; p++)
		if (bench_paths[p]->scens & of_scens)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? ", " : "", bench_paths[p]->name);
}

/* One option into @c; 0, or exit status 2 after saying what is wrong. */
static int one(struct bench_cfg *c, struct given *g, int opt)
{
	char bad[256], names[256];
	long v;
	char *e;

	switch (opt) {
	case 'q':
		c->quick = 1;
		return 0;
	case 'r':
		v = strtol(optarg, &e, 10);
		if (*e || e == optarg || v < 1 || v > BENCH_MAX_RUNS)
			return cli_usage_err(c->cmd, "--runs wants 1 to %d, "
					     "not '%s'", BENCH_MAX_RUNS,
					     optarg);
		c->runs = (int)v;
		g->runs = 1;
		return 0;
	case 't':
		c->secs = bench_parse_secs(optarg);
		if (c->secs < 0)
			return cli_usage_err(c->cmd, "--time wants seconds "
					     "in (0, 60], not '%s'",
					     optarg);
		g->secs = 1;
		return 0;
	case 's':
		g->sizes = optarg;
		return 0;
	case OPT_LAT:
		g->lat = optarg;
		return 0;
	case 'S':
		c->scens = parse_names(optarg, bench_scen_from_name,
				       (1u << BENCH_SCEN__COUNT) - 1, bad,
				       sizeof(bad));
		return c->scens ? 0 : list_err(c, "scenario", bad,
					       "tcp, unix, file, mem");
	case 'p':
		c->paths = parse_names(optarg, bench_path_from_name,
				       (1u << BP__COUNT) - 1, bad,
				       sizeof(bad));
		path_names(names, sizeof(names), ~0u);
		return c->paths ? 0 : list_err(c, "path", bad, names);
	case OPT_COLD:
		c->cold = 1;
		return 0;
	case OPT_PIN:
		if (parse_pin(c, optarg))
			return cli_usage_err(c->cmd, "--pin wants "
					     "SENDER_CPU,RECEIVER_CPU, not "
					     "'%s'", optarg);
		return 0;
	case OPT_DIR:
		c->dir = optarg;
		return 0;
	case OPT_KEEP:
		c->keep_data = 1;
		return 0;
	case OPT_JSON:
		c->json = optarg ? optarg : "-";
		return 0;
	case OPT_CSV:
		c->csv = optarg ? optarg : "-";
		return 0;
	case OPT_SVG:
		c->svg = optarg;
		return 0;
	case OPT_NO_VERIFY:
		c->verify = 0;
		return 0;
	case OPT_PROGRESS:
	case OPT_NO_PROGRESS:
		c->progress = opt == OPT_PROGRESS;
		return 0;
	case OPT_DRY_RUN:
		c->dry_run = 1;
		return 0;
	case 'v':
		c->verbose = 1;
		return 0;
	}
	return CLI_EXIT_USAGE;
}

/* Lists, --quick and the checks that need every option seen. */
static int finish(struct bench_cfg *c, const struct given *g)
{
	const char *sizes = g->sizes ? g->sizes :
			    c->quick ? quick_sizes : default_sizes;
	const char *lat = g->lat ? g->lat : c->quick ? quick_lat : default_lat;
	unsigned int want = 0;
	int p;

	c->nsizes = bench_parse_sizes(sizes, c->sizes, BENCH_MAX_SIZES);
	if (c->nsizes <= 0)
		return cli_usage_err(c->cmd, "--sizes wants up to %d sizes "
				     "such as 4k,64k,1m (1 B to 16 GiB), not "
				     "'%s'", BENCH_MAX_SIZES, sizes);
	c->nlat = bench_parse_sizes(lat, c->lat_sizes, BENCH_MAX_SIZES);
	if (c->nlat < 0 || (c->nlat && c->lat_sizes[c->nlat - 1] > 1 << 20))
		return cli_usage_err(c->cmd, "--latency-sizes wants sizes up "
				     "to 1m, or 'none', not '%s'", lat);
	if (!g->runs && c->quick)
		c->runs = 1;
	if (!g->secs && c->quick)
		c->secs = QUICK_SECS;
	for (p = 0; p < BP__COUNT; p++)
		if (c->paths & (1u << p))
			want |= bench_paths[p]->scens;
	if (!(want & c->scens))
		return cli_usage_err(c->cmd, "none of the chosen paths applies "
				     "to the chosen scenarios");
	if (c->json && c->csv && !strcmp(c->json, "-") &&
	    !strcmp(c->csv, "-"))
		return cli_usage_err(c->cmd, "--json and --csv cannot both go "
				     "to standard output; give one a FILE");
	if ((c->json && !*c->json) || (c->csv && !*c->csv) ||
	    (c->svg && !*c->svg) || !*c->dir)
		return cli_usage_err(c->cmd, "empty file name");
	return 0;
}

/* The command line, as typed, for the reports' headers. */
static void keep_cmdline(struct bench_cfg *c, int argc, char **argv)
{
	size_t len = 0;
	int i;

	len += (size_t)snprintf(c->cmdline, sizeof(c->cmdline), "zcio");
	for (i = 0; i < argc && len < sizeof(c->cmdline); i++)
		len += (size_t)snprintf(c->cmdline + len,
					sizeof(c->cmdline) - len, " %s",
					argv[i]);
}

int bench_parse(struct bench_cfg *c, const struct cli_cmd *cmd, int argc,
		char **argv)
{
	struct given g = { 0 };
	int opt;

	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->scens = (1u << BENCH_SCEN__COUNT) - 1;
	c->paths = (1u << BP__COUNT) - 1;
	c->runs = DEFAULT_RUNS;
	c->secs = DEFAULT_SECS;
	c->verify = 1;
	c->progress = -1;
	c->dir = "/var/tmp";
	keep_cmdline(c, argc, argv);
	while ((opt = cli_getopt(cmd, argc, argv, "qr:t:s:S:p:vh",
				 opts)) != -1) {
		if (opt == CLI_OPT_HELP || opt == CLI_OPT_BAD)
			return cli_opt_exit(opt);
		if (one(c, &g, opt))
			return CLI_EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_err(cmd, "unexpected argument '%s'",
				     argv[optind]);
	if (finish(c, &g))
		return CLI_EXIT_USAGE;
	return -1;
}
