/* SPDX-License-Identifier: MIT */
/*
 * tests/bench-quick.c - `zcio bench --quick`, shortened to small sizes
 * and short windows (a few seconds), run for real: the JSON is well-formed,
 * the CSV has one well-formed line per case, the SVG is a whole document,
 * the table states the loopback caveat, and, from the ledger of each case,
 * every forced path really ran: the ledger names it, counts the bytes
 * sent, and shows the copies (or their absence) the path stands for. Every
 * byte was verified. No timing is asserted: this machine is shared.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-run.h"

/* ------------------------------------------------------------- JSON */

/* A recursive-descent check of RFC 8259 syntax; returns the end or NULL. */
static const char *json_value(const char *p, int depth);

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			if (!isxdigit(p[1]) || !isxdigit(p[2]) ||
			    !isxdigit(p[3]) || !isxdigit(p[4]))
				return NULL;
			p += 4;
		} else if (!strchr("\"\\/bfnrt", *p) || !*p) {
			return NULL;
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *json_number(const char *p)
{
	const char *s = p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (isdigit(*p))
		while (isdigit(*p))
			p++;
	else
		return NULL;
	if (*p == '.') {
		if (!isdigit(*++p))
			return NULL;
		while (isdigit(*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit(*p))
			return NULL;
		while (isdigit(*p))
			p++;
	}
	return p > s ? p : NULL;
}

/* Members of an object (@obj) or elements of an array, after the '{'/'['. */
static const char *json_items(const char *p, int depth, int obj)
{
	char close = obj ? '}' : ']';

	p = ws(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			p = json_string(ws(p));
			if (!p || *(p = ws(p)) != ':')
				return NULL;
			p++;
		}
		p = json_value(p, depth + 1);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p, int depth)
{
	p = ws(p);
	if (depth > 64)
		return NULL;
	switch (*p) {
	case '{':
		return json_items(p + 1, depth, 1);
	case '[':
		return json_items(p + 1, depth, 0);
	case '"':
		return json_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return json_number(p);
	}
}

static void assert_json(const char *doc)
{
	const char *end = json_value(doc, 0);

	if (!end || *ws(end))
		fail_msg("not well-formed JSON near offset %td",
			 end ? ws(end) - doc : (ptrdiff_t)-1);
}

static void json_validator(void **state)
{
	(void)state;
	assert_non_null(json_value("{\"a\": [1, -2.5e3, true, null, "
				   "\"x\\u00e9\"], \"b\": {}}", 0));
	assert_null(json_value("{\"a\": 1,}", 0));
	assert_null(json_value("[01]", 0));
	assert_null(json_value("{\"a\" 1}", 0));
	assert_null(json_value("[nan]", 0));
}

/* -------------------------------------------------------------- CSV */

#define MAX_COLS 64

/* Splits one RFC 4180 line in place; returns the number of fields. */
static int csv_split(char *line, char **f)
{
	char *w = line, *r = line;
	int n = 0, q;

	for (;;) {
		f[n++] = w;
		q = *r == '"';
		if (q)
			r++;
		while (*r && (q || *r != ',')) {
			if (q && *r == '"') {
				if (r[1] != '"') {
					q = 0;
					r++;
					continue;
				}
				r++;
			}
			*w++ = *r++;
		}
		if (!*r || n == MAX_COLS) {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		r++;
	}
}

struct table {
	char *head[MAX_COLS];
	int cols;
	char *buf;
};

static const char *col(const struct table *t, char **row, const char *name)
{
	int i;

	for (i = 0; i < t->cols; i++)
		if (!strcmp(t->head[i], name))
			return row[i];
	fail_msg("no column '%s'", name);
	return NULL;
}

static unsigned long long num(const struct table *t, char **row,
			      const char *name)
{
	return strtoull(col(t, row, name), NULL, 10);
}

/* --------------------------------------------------------- the run */

static char dir[4096], jpath[4200], cpath[4200], spath[4200];
static struct t_run run;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* The suite's run: every scenario and path, 4 KiB and 64 KiB, short. */
static int setup(void **state)
{
	struct t_run_io io = { 0 };
	char json[4300], csv[4300];

	(void)state;
	snprintf(dir, sizeof(dir), "%s", t_dir_disk());
	snprintf(jpath, sizeof(jpath), "%s/b.json", dir);
	snprintf(cpath, sizeof(cpath), "%s/b.csv", dir);
	snprintf(spath, sizeof(spath), "%s/b.svg", dir);
	snprintf(json, sizeof(json), "--json=%s", jpath);
	snprintf(csv, sizeof(csv), "--csv=%s", cpath);
	t_run(&run, &io, "bench", "--quick", "--sizes", "4k,64k",
	      "--latency-sizes", "4k", "--time", "0.05", "--dir", dir,
	      "--no-progress", json, csv, "--svg", spath, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	t_run_free(&run);
	return 0;
}

static void exit_ok(void **state)
{
	(void)state;
	if (run.status != 0)
		fail_msg("zcio bench exited %d: %s", run.status, run.err);
	/* No progress line, no stray message. */
	assert_string_equal(run.err, "");
}

static void json_well_formed(void **state)
{
	char *doc;

	(void)state;
	doc = slurp(jpath);
	assert_json(doc);
	assert_non_null(strstr(doc, "\"zcio_bench\": 1"));
	assert_non_null(strstr(doc, "\"loopback_note\""));
	free(doc);
}

static void svg_whole(void **state)
{
	char *doc;
	size_t n;

	(void)state;
	doc = slurp(spath);
	n = strlen(doc);
	assert_true(!strncmp(doc, "<svg xmlns=", 11));
	assert_true(n > 7 && !strcmp(doc + n - 7, "</svg>\n"));
	assert_non_null(strstr(doc, "sendfile"));
	free(doc);
}

static void table_says(void **state)
{
	(void)state;
	assert_non_null(strstr(run.out, "== file -> TCP loopback"));
	assert_non_null(strstr(run.out, "== physical cost"));
	assert_non_null(strstr(run.out, "always copy"));
	assert_non_null(strstr(run.out, "memcpy, one thread"));
	assert_non_null(strstr(run.out, "best loopback TCP transfer"));
	assert_null(strstr(run.out, "FAILED"));
	assert_null(strstr(run.out, "LEDGER"));
}

/* What the ledger must show for each path; see src/bench/paths.c. */
static void check_ledger(const struct table *t, char **row)
{
	const char *path = col(t, row, "path");
	unsigned long long bytes = num(t, row, "ledger_bytes");

	assert_string_equal(col(t, row, "ledger_ran"), path);
	assert_string_equal(col(t, row, "ledger_mismatch"), "0");
	assert_true(bytes > 0);
	assert_true(num(t, row, "ledger_syscalls") > 0);
	if (strcmp(col(t, row, "kind"), "xfer"))
		return;
	assert_int_equal(bytes, num(t, row, "bytes"));
	assert_string_equal(col(t, row, "verified"), "yes");
	if (!strcmp(path, "readwrite") || !strcmp(path, "uring_rw"))
		assert_int_equal(num(t, row, "ledger_user_copied"), bytes);
	else
		assert_int_equal(num(t, row, "ledger_user_copied"), 0);
	if (!strcmp(path, "mmap_write") || !strcmp(path, "send"))
		assert_int_equal(num(t, row, "ledger_from_memory"), bytes);
	if (!strcmp(path, "msg_zerocopy") || !strcmp(path, "send_zc")) {
		assert_true(num(t, row, "ledger_zero_copy") > 0);
		assert_true(num(t, row, "zc_sends") > 0);
		/* Every zero-copy send got its notification back. */
		assert_int_equal(num(t, row, "zc_notifications"),
				 num(t, row, "zc_sends"));
	}
}

/* Every scenario's paths, at both sizes: 22 x 2 transfer cases. */
static const char *const expect[] = {
	"tcp readwrite", "tcp mmap_write", "tcp sendfile", "tcp splice",
	"tcp uring_rw", "tcp uring_splice", "unix readwrite",
	"unix mmap_write", "unix sendfile", "unix splice", "unix uring_rw",
	"unix uring_splice", "file readwrite", "file mmap_write",
	"file sendfile", "file splice", "file copy_file_range",
	"file uring_rw", "file uring_splice", "mem send", "mem msg_zerocopy",
	"mem send_zc",
};
#define NEXPECT (sizeof(expect) / sizeof(expect[0]))

static void csv_rows(void **state)
{
	struct table t = { 0 };
	char *line, *save, *row[MAX_COLS], name[64];
	int seen[NEXPECT] = { 0 }, n, ok = 0, skipped = 0;
	size_t i;

	(void)state;
	t.buf = slurp(cpath);
	line = strtok_r(t.buf, "\n", &save);
	assert_non_null(line);
	t.cols = csv_split(line, t.head);
	assert_true(t.cols > 30);
	while ((line = strtok_r(NULL, "\n", &save))) {
		n = csv_split(line, row);
		assert_int_equal(n, t.cols);
		if (!strcmp(col(&t, row, "kind"), "memcpy")) {
			assert_true(strtod(col(&t, row, "gbps"), NULL) > 0);
			continue;
		}
		if (!strcmp(col(&t, row, "status"), "unsupported")) {
			skipped++;
			continue;
		}
		assert_string_equal(col(&t, row, "status"), "ok");
		check_ledger(&t, row);
		if (strcmp(col(&t, row, "kind"), "xfer"))
			continue;
		snprintf(name, sizeof(name), "%s %s", col(&t, row, "scenario"),
			 col(&t, row, "path"));
		for (i = 0; i < NEXPECT; i++)
			seen[i] += !strcmp(name, expect[i]);
		ok++;
	}
	for (i = 0; i < NEXPECT; i++)
		if (seen[i] != 2 && !skipped)
			fail_msg("%s: %d rows, want 2", expect[i], seen[i]);
	if (skipped)
		print_message("%d cases unsupported on this kernel\n",
			      skipped);
	assert_int_equal(ok + skipped >= (int)(2 * NEXPECT), 1);
	free(t.buf);
}

/* A report instead of the table, and a cold page cache. */
static void json_to_stdout_cold(void **state)
{
	struct t_run_io io = { 0 };
	struct t_run r;

	(void)state;
	t_run(&r, &io, "bench", "-S", "tcp,file", "-p", "sendfile",
	      "--sizes", "64k", "--latency-sizes", "none", "--runs", "1",
	      "--time", "0.02", "--cold", "--dir", dir, "--json", NULL);
	assert_int_equal(r.status, 0);
	assert_json(r.out);
	assert_non_null(strstr(r.out, "\"cold\": true"));
	assert_non_null(strstr(r.out, "\"ran\": \"sendfile\""));
	t_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_validator),
		cmocka_unit_test(exit_ok),
		cmocka_unit_test(json_well_formed),
		cmocka_unit_test(svg_whole),
		cmocka_unit_test(table_says),
		cmocka_unit_test(csv_rows),
		cmocka_unit_test(json_to_stdout_cold),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
