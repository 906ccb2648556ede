/* SPDX-License-Identifier: MIT */
/*
 * src/bench/cmd_bench.c - `zcio bench`: the physical cost of every data
 * path on the machine at hand. Builds the cases (scenario x path x size,
 * latency, memcpy), runs them interleaved (A B C A B C) so that machine
 * noise spreads over every path alike, verifies the bytes in a separate
 * pass, and writes the reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

const char bench_usage[] =
"usage: zcio bench [OPTIONS]\n"
"\n"
"Measures every transfer path of libzcio, forced one at a time, on this\n"
"machine: throughput, CPU seconds per GiB of sender and receiver, system\n"
"calls per GiB (the copy ledger), context switches per GiB, the bytes the\n"
"CPU copies, and request/response latency; beside them the memcpy\n"
"bandwidth and the best loopback rate. Runs are interleaved; each figure\n"
"is the median of --runs, with min and max. Every path is verified in a\n"
"separate pass (bytes intact) that is never timed. On loopback the kernel\n"
"copies every MSG_ZEROCOPY / SEND_ZC send and the receiver copies all\n"
"data: see docs/benchmarks.md for what that means for each figure.\n"
"\n"
"Scenarios: tcp (file -> loopback TCP), unix (file -> UNIX socket),\n"
"file (file -> file), mem (memory -> loopback TCP).\n"
"Paths: readwrite, mmap_write, sendfile, splice, copy_file_range,\n"
"uring_rw, uring_splice (file scenarios); send, msg_zerocopy, send_zc\n"
"(mem).\n"
"\n"
"Options:\n"
"  -q, --quick              runs 1, time 0.1 s, sizes 4k,64k,1m, latency\n"
"                           4k: under a minute\n"
"  -r, --runs N             runs of every case, interleaved; default 3\n"
"  -t, --time SECS          timed window of one run; default 0.5\n"
"  -s, --sizes LIST         bytes per transfer; default 4k,64k,1m,64m,1g\n"
"  -S, --scenarios LIST     tcp,unix,file,mem or all (default)\n"
"  -p, --paths LIST         path names or all (default)\n"
"      --latency-sizes LIST request/response sizes (<= 1m) or none;\n"
"                           default 4k,64k\n"
"      --cold               drop the file's pages before every transfer\n"
"                           (posix_fadvise DONTNEED); default warm\n"
"      --pin[=TX,RX]        pin sender and receiver to CPUs (default 0,1)\n"
"      --dir DIR            data and output files; default /var/tmp\n"
"      --keep-data          keep (and reuse) the data files\n"
"      --json[=FILE]        JSON to FILE, or instead of the table\n"
"      --csv[=FILE]         CSV to FILE, or instead of the table\n"
"      --svg FILE           a chart of throughput and CPU per GiB\n"
"      --no-verify          skip the verification pass\n"
"      --progress           always show the progress line on stderr\n"
"      --no-progress        never (default: when stderr is a terminal)\n"
"      --dry-run            print the plan and exit\n"
"  -v, --verbose            one summary line per run on stderr\n"
"  -h, --help               show this help\n"
"\n"
"Exit status: 0, 1 when a run failed or bytes arrived wrong, 2 for a\n"
"usage mistake.\n";

/* The reference rows: a cache-sized copy and one beyond the caches. */
#define MEMCPY_LARGE (64u << 20)

static int add_case(struct bench *b, int kind, int scen, int path,
		    size_t size)
{
	struct bench_case *c, *n;
	const struct bench_path *p = path >= 0 ? bench_paths[path] : NULL;

	n = realloc(b->cases, (size_t)(b->ncases + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	b->cases = n;
	c = &n[b->ncases++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->scen = scen;
	c->path = path;
	c->size = size;
	c->verified = -1;
	if (p && !p->supported()) {
		c->unsupported = 1;
		snprintf(c->err, sizeof(c->err), "not supported by this "
			 "kernel");
	}
	return 0;
}

static int wanted(const struct bench_cfg *cfg, int scen, int path)
{
	return (cfg->scens & (1u << scen)) && (cfg->paths & (1u << path)) &&
	       (bench_paths[path]->scens & (1u << scen));
}

/* Latency is measured over TCP: the file paths and the memory ones. */
static int build_latency(struct bench *b)
{
	static const int scens[] = { BENCH_TCP, BENCH_MEM };
	int i, s, p, ret = 0;

	for (i = 0; i < b->cfg.nlat; i++)
		for (s = 0; s < 2; s++)
			for (p = 0; p < BP__COUNT && !ret; p++)
				if (wanted(&b->cfg, scens[s], p))
					ret = add_case(b, BENCH_K_LATENCY,
						       scens[s], p,
						       b->cfg.lat_sizes[i]);
	return ret;
}

static int build_cases(struct bench *b)
{
	int s, p, i, ret = 0;

	for (s = 0; s < BENCH_SCEN__COUNT; s++)
		for (p = 0; p < BP__COUNT; p++)
			for (i = 0; i < b->cfg.nsizes && !ret; i++)
				if (wanted(&b->cfg, s, p))
					ret = add_case(b, BENCH_K_XFER, s, p,
						       b->cfg.sizes[i]);
	if (!ret)
		ret = build_latency(b);
	if (!ret)
		ret = add_case(b, BENCH_K_MEMCPY, -1, -1,
			       (size_t)zc_tune_get(ZC_TUNE_RW_BUFFER));
	if (!ret)
		ret = add_case(b, BENCH_K_MEMCPY, -1, -1, MEMCPY_LARGE);
	return ret;
}

static const char *kind_name(int kind)
{
	return kind == BENCH_K_LATENCY ? "latency" :
	       kind == BENCH_K_MEMCPY ? "memcpy" : "xfer";
}

/* "xfer tcp sendfile 64 KiB", "latency mem send 4 KiB", "memcpy 64 MiB" */
static void case_text(char *buf, size_t len, const struct bench_case *c)
{
	char sz[CLI_HUMAN_LEN];

	bench_size_text(sz, c->size);
	if (c->kind == BENCH_K_MEMCPY)
		snprintf(buf, len, "memcpy %s", sz);
	else
		snprintf(buf, len, "%s %s %s %s", kind_name(c->kind),
			 bench_scen_names[c->scen], bench_paths[c->path]->name,
			 sz);
}

/* STYLE.md section 9: one line per run, naming the path and zc verdict. */
static void run_line(const struct bench_case *c, int run, int runs)
{
	const struct bench_sample *s = &c->s[c->n - 1];
	const struct bench_ledger *l = &c->led;
	char what[96], zc[96] = "zc=-";

	case_text(what, sizeof(what), c);
	if (c->kind == BENCH_K_LATENCY) {
		fprintf(stderr, "zcio bench: %s run %d/%d: p50 %.1f us, p99 "
			"%.1f us, p99.9 %.1f us (%llu requests)\n", what,
			run, runs, s->p50, s->p99, s->p999,
			(unsigned long long)s->samples);
		return;
	}
	if (c->kind == BENCH_K_MEMCPY) {
		fprintf(stderr, "zcio bench: %s run %d/%d: %.2f GB/s\n", what,
			run, runs, s->gbps);
		return;
	}
	if (l->zc_sends)
		snprintf(zc, sizeof(zc), "zc=%s (%llu of %llu notifications "
			 "copied)", l->zc_copied < l->zc_done ? "y" : "n",
			 (unsigned long long)l->zc_copied,
			 (unsigned long long)l->zc_done);
	fprintf(stderr, "zcio bench: %s run %d/%d: %.2f GB/s, sender %.3f "
		"s/GiB, receiver %.3f s/GiB, path=%s %s\n", what, run, runs,
		s->gbps, s->tx_cpu, s->rx_cpu, l->ran[0] ? l->ran : "?", zc);
}

static int runnable(const struct bench_case *c)
{
	return !c->unsupported && !c->failed;
}

/* The plan: runs x runnable cases, then one verification per xfer case. */
static int count_runs(const struct bench *b, int *verify)
{
	int i, n = 0;

	*verify = 0;
	for (i = 0; i < b->ncases; i++) {
		if (!runnable(&b->cases[i]))
			continue;
		n += b->cfg.runs;
		if (b->cfg.verify && b->cases[i].kind == BENCH_K_XFER)
			(*verify)++;
	}
	return n;
}

static void one_run(struct bench *b, struct bench_case *c, int mode,
		    int done, int total, int run)
{
	char what[128], text[96];

	case_text(text, sizeof(text), c);
	if (mode == BENCH_VERIFY)
		snprintf(what, sizeof(what), "verify %s", text);
	else
		snprintf(what, sizeof(what), "run %d/%d %s", run + 1,
			 b->cfg.runs, text);
	bench_progress(b, done, total, what);
	bench_run(b, c, mode);
	if (mode != BENCH_VERIFY && b->cfg.verbose && runnable(c) && c->n)
		run_line(c, run + 1, b->cfg.runs);
	if (b->cfg.verbose && c->err[0])
		fprintf(stderr, "zcio bench: %s: %s\n", text, c->err);
}

static void run_all(struct bench *b)
{
	int verify, total = count_runs(b, &verify) + verify, done = 0;
	int r, i;

	b->runs_started = cli_now();
	for (r = 0; r < b->cfg.runs; r++)
		for (i = 0; i < b->ncases; i++)
			if (runnable(&b->cases[i]))
				one_run(b, &b->cases[i], BENCH_TIMED, done++,
					total, r);
	for (i = 0; b->cfg.verify && i < b->ncases; i++)
		if (b->cases[i].kind == BENCH_K_XFER &&
		    runnable(&b->cases[i]))
			one_run(b, &b->cases[i], BENCH_VERIFY, done++, total,
				0);
	bench_progress_end(b);
}

static void sizes_text(char *buf, size_t len, const size_t *v, int n)
{
	int i;

	snprintf(buf, len, "%s", n ? "" : "none");
	for (i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%zu",
			 i ? "," : "", v[i]);
}

/* --dry-run: the configuration and every case, one per line. */
static void print_plan(const struct bench *b)
{
	const struct bench_cfg *c = &b->cfg;
	char sizes[256], lat[256], what[96];
	int i, verify, n = count_runs(b, &verify);

	sizes_text(sizes, sizeof(sizes), c->sizes, c->nsizes);
	sizes_text(lat, sizeof(lat), c->lat_sizes, c->nlat);
	printf("config: runs %d, time %.3f s, sizes %s, latency sizes %s, "
	       "cold %s, pin %s, verify %s, dir %s\n", c->runs, c->secs,
	       sizes, lat, c->cold ? "yes" : "no", c->pin ? "yes" : "no",
	       c->verify ? "yes" : "no", c->dir);
	if (c->pin)
		printf("pin: sender cpu %d, receiver cpu %d\n", c->cpu_tx,
		       c->cpu_rx);
	for (i = 0; i < b->ncases; i++) {
		case_text(what, sizeof(what), &b->cases[i]);
		printf("case %s%s%s\n", what,
		       b->cases[i].unsupported ? ": " : "",
		       b->cases[i].unsupported ? b->cases[i].err : "");
	}
	printf("runs: %d timed, %d verification\n", n, verify);
}

/*
 * The 1-minute load average: on a shared machine the one number that says
 * how much else ran during the measurement. -1 when unknown.
 */
static double loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double v = -1;

	if (f) {
		if (fscanf(f, "%lf", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void machine(struct bench *b)
{
	struct utsname u;
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(b->cpu_model, sizeof(b->cpu_model), "unknown CPU");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			snprintf(b->cpu_model, sizeof(b->cpu_model), "%s",
				 strchr(line, ':') + 2);
			b->cpu_model[strcspn(b->cpu_model, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	b->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (!uname(&u))
		snprintf(b->kernel, sizeof(b->kernel), "%s %s", u.sysname,
			 u.release);
}

/* Writes one report to @name ("-": stdout); 0 or 1 after saying why. */
static int write_report(const struct bench *b, const char *name,
			int (*fn)(FILE *, const struct bench *))
{
	FILE *f = strcmp(name, "-") ? fopen(name, "w") : stdout;
	int bad;

	if (!f) {
		cli_err(b->cfg.cmd, "cannot create '%s': %s", name,
			strerror(errno));
		return 1;
	}
	bad = fn(f, b) < 0 || ferror(f);
	bad |= f == stdout ? fflush(f) != 0 : fclose(f) != 0;
	if (bad)
		cli_err(b->cfg.cmd, "cannot write '%s'", name);
	return bad;
}

static int text_report(FILE *f, const struct bench *b)
{
	bench_report_text(f, b);
	return 0;
}

static int reports(const struct bench *b)
{
	const struct bench_cfg *c = &b->cfg;
	int bad = 0, table = !(c->json && !strcmp(c->json, "-")) &&
			     !(c->csv && !strcmp(c->csv, "-"));

	if (table)
		bad |= write_report(b, "-", text_report);
	if (c->json)
		bad |= write_report(b, c->json, bench_report_json);
	if (c->csv)
		bad |= write_report(b, c->csv, bench_report_csv);
	if (c->svg)
		bad |= write_report(b, c->svg, bench_report_svg);
	return bad;
}

int cmd_bench(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct bench b;
	int ret;

	memset(&b, 0, sizeof(b));
	ret = bench_parse(&b.cfg, cmd, argc, argv);
	if (ret >= 0)
		return ret;
	if (b.cfg.progress < 0)
		b.cfg.progress = isatty(STDERR_FILENO);
	machine(&b);
	if (build_cases(&b)) {
		cli_err(cmd, "out of memory");
		return CLI_EXIT_FAIL;
	}
	if (b.cfg.dry_run) {
		print_plan(&b);
		free(b.cases);
		return 0;
	}
	b.started = cli_now();
	b.load[0] = loadavg();
	bench_progress_text(&b, "zcio bench: writing the data files");
	ret = bench_data_prepare(&b);
	if (!ret)
		run_all(&b);
	b.elapsed = cli_now() - b.started;
	b.load[1] = loadavg();
	bench_data_cleanup(&b);
	if (!ret && reports(&b))
		ret = -EIO;
	free(b.cases);
	if (ret)
		return CLI_EXIT_FAIL;
	if (b.failures)
		cli_err(cmd, "%d run(s) failed or delivered wrong bytes (see "
			"the report)", b.failures);
	return b.failures ? CLI_EXIT_FAIL : 0;
}
