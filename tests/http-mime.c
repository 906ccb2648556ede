/* SPDX-License-Identifier: MIT */
/*
 * tests/http-mime.c - src/http/mime*.c: the built-in table (sorted, every
 * type well-formed, charsets where they belong), lookups by extension,
 * mime.types text with its oddities, which table wins, and loading the
 * system file when there is one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/mime.h"
#include "http/mime_int.h"

#include "helpers.h"

static const char *type(const struct http_mime *m, const char *name)
{
	return http_mime_type(m, name, strlen(name));
}

static void builtin_table(void **state)
{
	const struct http_mime_ent *e = http__mime_builtin;
	unsigned int i;

	(void)state;
	for (i = 0; i < http__mime_nr_builtin; i++) {
		if (i)
			assert_true(strcmp(e[i - 1].ext, e[i].ext) < 0);
		assert_true(strlen(e[i].ext) <= HTTP_MIME_EXT_MAX);
		assert_non_null(strchr(e[i].type, '/'));
		/* charset exactly for text and the text-like types */
		if (!strncmp(e[i].type, "text/", 5) ||
		    strstr(e[i].type, "json") || strstr(e[i].type, "xml"))
			assert_non_null(strstr(e[i].type, "; charset=utf-8"));
		else
			assert_null(strchr(e[i].type, ';'));
	}
}

static void lookups(void **state)
{
	struct http_mime *m;
	int err = 0, pass;

	(void)state;
	m = http_mime_new(&err);
	assert_non_null(m);
	/* the same answers with the table object and without */
	for (pass = 0; pass < 2; pass++) {
		const struct http_mime *t = pass ? m : NULL;

		assert_string_equal(type(t, "index.html"),
				    "text/html; charset=utf-8");
		assert_string_equal(type(t, "/a/b/INDEX.HTM"),
				    "text/html; charset=utf-8");
		assert_string_equal(type(t, "app.js"),
				    "text/javascript; charset=utf-8");
		assert_string_equal(type(t, "m.mjs"),
				    "text/javascript; charset=utf-8");
		assert_string_equal(type(t, "d.json"),
				    "application/json; charset=utf-8");
		assert_string_equal(type(t, "i.svg"),
				    "image/svg+xml; charset=utf-8");
		assert_string_equal(type(t, "p.PnG"), "image/png");
		assert_string_equal(type(t, "photo.jpeg"), "image/jpeg");
		assert_string_equal(type(t, "f.woff2"), "font/woff2");
		assert_string_equal(type(t, "x.wasm"), "application/wasm");
		assert_string_equal(type(t, "a.tar.gz"), "application/gzip");
		assert_string_equal(type(t, "s.css"),
				    "text/css; charset=utf-8");
		assert_string_equal(type(t, "r.md"),
				    "text/markdown; charset=utf-8");
		assert_string_equal(type(t, "v.mp4"), "video/mp4");
		assert_string_equal(type(t, "x.avif"), "image/avif");
		/* no extension, a dotfile, a trailing dot, a dot in a dir */
		assert_string_equal(type(t, "Makefile"), HTTP_MIME_DEFAULT);
		assert_string_equal(type(t, ".bashrc"), HTTP_MIME_DEFAULT);
		assert_string_equal(type(t, "/d/.html"), HTTP_MIME_DEFAULT);
		assert_string_equal(type(t, "file."), HTTP_MIME_DEFAULT);
		assert_string_equal(type(t, "/a.html/README"),
				    HTTP_MIME_DEFAULT);
		assert_string_equal(type(t, "x.unknownext"),
				    HTTP_MIME_DEFAULT);
		assert_string_equal(type(t, "x.thisextensionistoolong"),
				    HTTP_MIME_DEFAULT);
		assert_string_equal(type(t, ""), HTTP_MIME_DEFAULT);
		/* only @len bytes count */
		assert_string_equal(http_mime_type(t, "a.cssZZ", 5),
				    "text/css; charset=utf-8");
	}
	http_mime_free(m);
	http_mime_free(NULL);
}

static void text_format(void **state)
{
	const char *text =
		"# a comment line\n"
		"\n"
		"application/x-foo\t\tfoo FOO2   foo3\n"
		"text/x-bar bar # trailing comment baz\n"
		"application/vnd.nothing\n"
		"Image/X-Mixed  MiX\r\n"
		"   application/x-indented  ind\n"
		"not-a-type ntt\n"
		"a/b/c abc\n"
		"/x slash\n"
		"x/ slash2\n"
		"application/x-long waytoolongextension ok1\n"
		"application/x-dots a.b ok2\n"
		"application/json+x jx\n"
		"application/x-thing+json tj\n"
		"application/x-again foo\n"
		"text/html html2\n"
		"application/x-javascript js\n"
		"application/x-last last";	/* no newline at the end */
	struct http_mime *m;
	int err = 0, n;

	(void)state;
	m = http_mime_new(&err);
	assert_non_null(m);
	n = http_mime_add_text(m, text, strlen(text));
	/* foo foo2 foo3 bar mix ind ok1 ok2 jx tj html2 last */
	assert_int_equal(n, 12);
	assert_string_equal(type(m, "a.foo"), "application/x-foo");
	assert_string_equal(type(m, "a.Foo2"), "application/x-foo");
	assert_string_equal(type(m, "a.foo3"), "application/x-foo");
	assert_string_equal(type(m, "a.bar"), "text/x-bar; charset=utf-8");
	assert_string_equal(type(m, "a.baz"), HTTP_MIME_DEFAULT);
	assert_string_equal(type(m, "a.mix"), "image/x-mixed");
	assert_string_equal(type(m, "a.ind"), "application/x-indented");
	assert_string_equal(type(m, "a.ntt"), HTTP_MIME_DEFAULT);
	assert_string_equal(type(m, "a.abc"), HTTP_MIME_DEFAULT);
	assert_string_equal(type(m, "a.slash"), HTTP_MIME_DEFAULT);
	assert_string_equal(type(m, "a.slash2"), HTTP_MIME_DEFAULT);
	assert_string_equal(type(m, "a.ok1"), "application/x-long");
	assert_string_equal(type(m, "a.ok2"), "application/x-dots");
	assert_string_equal(type(m, "a.jx"), "application/json+x");
	assert_string_equal(type(m, "a.tj"),
			    "application/x-thing+json; charset=utf-8");
	assert_string_equal(type(m, "a.html2"), "text/html; charset=utf-8");
	assert_string_equal(type(m, "a.last"), "application/x-last");
	/* the first mapping wins: the built-in one, then earlier lines */
	assert_string_equal(type(m, "a.js"), "text/javascript; charset=utf-8");
	/* the built-in lookup without a table knows none of it */
	assert_string_equal(type(NULL, "a.foo"), HTTP_MIME_DEFAULT);
	http_mime_free(m);
}

/* Enough extensions to make the table grow several times. */
static void growth(void **state)
{
	struct http_mime *m;
	char *text, *p, name[32];
	int err = 0, i;

	(void)state;
	m = http_mime_new(&err);
	assert_non_null(m);
	text = malloc(5000 * 24);
	assert_non_null(text);
	for (p = text, i = 0; i < 5000; i++)
		p += sprintf(p, "application/x-t%d e%d\n", i % 7, i);
	assert_int_equal(http_mime_add_text(m, text, (size_t)(p - text)),
			 5000);
	for (i = 0; i < 5000; i += 37) {
		char want[32];

		sprintf(name, "f.E%d", i);
		sprintf(want, "application/x-t%d", i % 7);
		assert_string_equal(type(m, name), want);
	}
	assert_string_equal(type(m, "x.png"), "image/png");
	free(text);
	http_mime_free(m);
}

static void load_file(void **state)
{
	char path[4096];
	struct http_mime *m;
	const char *dir;
	int err = 0, fd, n;

	(void)state;
	m = http_mime_new(&err);
	assert_non_null(m);
	assert_int_equal(http_mime_load(m, "/nonexistent/mime.types"),
			 -ENOENT);
	dir = t_dir_tmpfs();
	snprintf(path, sizeof(path), "%s/mime.types", dir);
	fd = t_file_empty(dir, "mime.types", O_WRONLY, NULL);
	assert_int_equal(write(fd, "x/y qq\n", 7), 7);
	close(fd);
	assert_int_equal(http_mime_load(m, path), 1);
	assert_string_equal(type(m, "a.qq"), "x/y");
	/* the system's, when there is one: it adds, it does not replace */
	n = http_mime_load(m, "/etc/mime.types");
	if (n == -ENOENT) {
		http_mime_free(m);
		skip();
	}
	assert_true(n > 100);
	assert_string_equal(type(m, "a.js"), "text/javascript; charset=utf-8");
	assert_string_equal(type(m, "a.ico"), "image/x-icon");
	assert_string_equal(type(m, "a.docx"),
			    "application/vnd.openxmlformats-officedocument."
			    "wordprocessingml.document");
	http_mime_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_table),
		cmocka_unit_test(lookups),
		cmocka_unit_test(text_format),
		cmocka_unit_test(growth),
		cmocka_unit_test(load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
