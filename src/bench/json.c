/* SPDX-License-Identifier: MIT */
/*
 * src/bench/json.c - a minimal JSON writer: nested objects and arrays with
 * the commas placed for the caller, strings escaped, numbers that are not
 * finite written as null (JSON has no NaN).
 */
#include <math.h>
#include <stdio.h>

#include "bench.h"

/* The separator and the key of the next member, at the current depth. */
static void member(struct bench_json *j, const char *key)
{
	if (j->depth > 0 && !j->first[j->depth])
		fputc(',', j->f);
	if (j->depth > 0) {
		j->first[j->depth] = 0;
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	}
	if (key)
		fprintf(j->f, "\"%s\": ", key);
}

static void string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void bj_begin(struct bench_json *j, const char *key, char open)
{
	member(j, key);
	fputc(open, j->f);
	if (j->depth < 15)
		j->depth++;
	j->first[j->depth] = 1;
}

void bj_end(struct bench_json *j, char close)
{
	int empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc(close, j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void bj_str(struct bench_json *j, const char *key, const char *v)
{
	member(j, key);
	string(j->f, v);
}

void bj_num(struct bench_json *j, const char *key, double v)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void bj_u64(struct bench_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void bj_bool(struct bench_json *j, const char *key, int v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}
