/* SPDX-License-Identifier: MIT */
/*
 * tests/http-date.c - src/http/date.c: IMF-fixdate formatting against
 * gmtime_r/strftime over many times, the three formats a recipient must
 * parse, two-digit years, round trips, and what is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/date.h"

#include "helpers.h"

/* Sun, 06 Nov 1994 08:49:37 GMT, the RFC's example. */
#define RFC_EXAMPLE 784111777LL
/* 2026-01-01T00:00:00Z, a fixed "now" for two-digit years. */
#define NOW_2026 1767225600LL

static int64_t parse(const char *s)
{
	int64_t t = -12345;

	if (http_date_parse(s, strlen(s), NOW_2026, &t))
		return -12345;
	return t;
}

static void format_examples(void **state)
{
	char buf[HTTP_DATE_LEN + 1];

	(void)state;
	assert_string_equal(http_date_format(RFC_EXAMPLE, buf),
			    "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_string_equal(http_date_format(0, buf),
			    "Thu, 01 Jan 1970 00:00:00 GMT");
	assert_string_equal(http_date_format(-1, buf),
			    "Wed, 31 Dec 1969 23:59:59 GMT");
	assert_string_equal(http_date_format(951782400, buf),
			    "Tue, 29 Feb 2000 00:00:00 GMT");
	assert_string_equal(http_date_format(4107542399LL, buf),
			    "Sun, 28 Feb 2100 23:59:59 GMT");
	assert_string_equal(http_date_format(4107542400LL, buf),
			    "Mon, 01 Mar 2100 00:00:00 GMT");
	assert_string_equal(http_date_format(2147483648LL, buf),
			    "Tue, 19 Jan 2038 03:14:08 GMT");
	/* clamped to years 0000..9999 */
	assert_string_equal(http_date_format(INT64_MAX, buf),
			    "Fri, 31 Dec 9999 23:59:59 GMT");
	assert_string_equal(http_date_format(INT64_MIN, buf),
			    "Sat, 01 Jan 0000 00:00:00 GMT");
	assert_int_equal(strlen(buf), HTTP_DATE_LEN);
}

/* Against the C library for times spread over 1900..2200. */
static void format_vs_libc(void **state)
{
	char ours[HTTP_DATE_LEN + 1], libc[64];
	int64_t t = -2208988800LL;	/* 1900-01-01 */
	struct tm tm;
	time_t tt;

	(void)state;
	while (t < 7258118400LL) {	/* 2200-01-01 */
		tt = (time_t)t;
		assert_non_null(gmtime_r(&tt, &tm));
		/* C locale names, as the test runs without setlocale */
		strftime(libc, sizeof(libc), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		http_date_format(t, ours);
		if (strcmp(ours, libc))
			fail_msg("%lld: %s, libc %s", (long long)t, ours, libc);
		t += 86400 * 3 + 3671;	/* wanders through days and hours */
	}
}

static void parse_three_formats(void **state)
{
	(void)state;
	assert_int_equal(parse("Sun, 06 Nov 1994 08:49:37 GMT"), RFC_EXAMPLE);
	assert_int_equal(parse("Sunday, 06-Nov-94 08:49:37 GMT"), RFC_EXAMPLE);
	assert_int_equal(parse("Sun Nov  6 08:49:37 1994"), RFC_EXAMPLE);
	assert_int_equal(parse("Sun Nov 06 08:49:37 1994"), RFC_EXAMPLE);
	/* surrounding whitespace is not part of the date */
	assert_int_equal(parse("  Sun, 06 Nov 1994 08:49:37 GMT\t"),
			 RFC_EXAMPLE);
	assert_int_equal(parse("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	assert_int_equal(parse("Wed, 31 Dec 1969 23:59:59 GMT"), -1);
	assert_int_equal(parse("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400);
	/* the day name is not checked against the date */
	assert_int_equal(parse("Mon, 06 Nov 1994 08:49:37 GMT"), RFC_EXAMPLE);
	/* a leap second */
	assert_int_equal(parse("Sat, 31 Dec 2016 23:59:60 GMT"), 1483228800);
}

static void two_digit_years(void **state)
{
	(void)state;
	/* now is 2026: up to 2076 is the future, 77..99 the past century */
	assert_int_equal(parse("Thursday, 01-Jan-70 00:00:00 GMT"),
			 parse("Tue, 01 Jan 2070 00:00:00 GMT"));
	assert_int_equal(parse("Sunday, 01-Jan-76 00:00:00 GMT"),
			 parse("Sun, 01 Jan 2076 00:00:00 GMT"));
	assert_int_equal(parse("Saturday, 01-Jan-77 00:00:00 GMT"),
			 parse("Sat, 01 Jan 1977 00:00:00 GMT"));
	assert_int_equal(parse("Friday, 31-Dec-99 23:59:59 GMT"),
			 parse("Fri, 31 Dec 1999 23:59:59 GMT"));
	assert_int_equal(parse("Saturday, 01-Jan-00 00:00:00 GMT"),
			 parse("Sat, 01 Jan 2000 00:00:00 GMT"));
	assert_int_equal(parse("Monday, 01-Jan-26 00:00:00 GMT"), NOW_2026);
}

static void round_trip(void **state)
{
	char buf[HTTP_DATE_LEN + 1];
	int64_t t, back;
	unsigned int i;

	(void)state;
	for (i = 0, t = -62167219200LL; t <= 253402300799LL; i++) {
		http_date_format(t, buf);
		assert_int_equal(http_date_parse(buf, HTTP_DATE_LEN, NOW_2026,
						 &back), 0);
		assert_int_equal(back, t);
		t += 15778463LL + i;	/* about half a year, drifting */
	}
}

static void refused(void **state)
{
	static const char *const bad[] = {
		"", "x", "Sun,", "GMT",
		"Sun, 06 Nov 1994 08:49:37",		/* no zone */
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37 gmt",
		"sun, 06 Nov 1994 08:49:37 GMT",	/* names are exact */
		"Sun, 06 nov 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 94 08:49:37 GMT",
		"Sun,  06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 8:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMTx",
		"Sun, 06 Nov 1994 08:49:37 GMT GMT",
		"Xyz, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Foo 1994 08:49:37 GMT",
		"Sun, 00 Nov 1994 08:49:37 GMT",	/* out of range */
		"Sun, 31 Nov 1994 08:49:37 GMT",
		"Sun, 29 Feb 1900 08:49:37 GMT",
		"Sun, 30 Feb 2000 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 23:60:00 GMT",
		"Sun, 06 Nov 1994 23:59:61 GMT",
		"Sun, 06 Nov 1994 08:49:37 +0000",
		"Sun, 06 Nov 1994 08-49-37 GMT",
		"Sun, 06 Nov 19a4 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMT\r\n",
		"Sun, 06-Nov-94 08:49:37 GMT",		/* short name in 850 */
		"Sunday, 06-Nov-1994 08:49:37 GMT",
		"Sunday, 06 Nov 94 08:49:37 GMT",
		"Sund, 06-Nov-94 08:49:37 GMT",
		"Sun Nov 6 08:49:37 1994",		/* asctime pads */
		"Sun Nov  6 08:49:37 94",
		"Sun Nov  6 08:49:37 1994 GMT",
		"Sun  Nov  6 08:49:37 1994",
		"1994-11-06T08:49:37Z",
		"784111777",
	};
	unsigned int i;
	int64_t t = 42;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (http_date_parse(bad[i], strlen(bad[i]), NOW_2026, &t) !=
		    -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(t, 42);
	/* only @len bytes are read */
	assert_int_equal(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMTZZZ",
					 29, NOW_2026, &t), 0);
	assert_int_equal(t, RFC_EXAMPLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_examples),
		cmocka_unit_test(format_vs_libc),
		cmocka_unit_test(parse_three_formats),
		cmocka_unit_test(two_digit_years),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
