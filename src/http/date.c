/* SPDX-License-Identifier: MIT */
/*
 * src/http/date.c - HTTP-dates (date.h). The civil-calendar conversions
 * are Howard Hinnant's days_from_civil/civil_from_days
 * (https://howardhinnant.github.io/date_algorithms.html): exact for any
 * proleptic Gregorian date, no tables, no time zone.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "date.h"

static const char wkday[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};
static const char *const weekday[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday",
};
static const char month[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned int *m,
			    unsigned int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Floor division: the day of a negative time is the one before 1970. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static char *put2(char *p, unsigned int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

char *http_date_format(int64_t t, char out[HTTP_DATE_LEN + 1])
{
	/* 0000-01-01T00:00:00 and 9999-12-31T23:59:59 */
	const int64_t lo = -62167219200LL, hi = 253402300799LL;
	int64_t days, secs, y;
	unsigned int m, d;
	char *p = out;

	if (t < lo)
		t = lo;
	if (t > hi)
		t = hi;
	days = floor_div(t, 86400);
	secs = t - days * 86400;
	civil_from_days(days, &y, &m, &d);
	/* 1970-01-01 was a Thursday; (days + 4) mod 7 with Sunday = 0. */
	memcpy(p, wkday[(days % 7 + 11) % 7], 3);
	p[3] = ',';
	p[4] = ' ';
	p = put2(p + 5, d);
	*p++ = ' ';
	memcpy(p, month[m - 1], 3);
	p[3] = ' ';
	p = put2(p + 4, (unsigned int)(y / 100));
	p = put2(p, (unsigned int)(y % 100));
	*p++ = ' ';
	p = put2(p, (unsigned int)(secs / 3600));
	*p++ = ':';
	p = put2(p, (unsigned int)(secs / 60 % 60));
	*p++ = ':';
	p = put2(p, (unsigned int)(secs % 60));
	memcpy(p, " GMT", 5);
	return out;
}

/* The parse in progress: a cursor over the trimmed input. */
struct dp {
	const char *s;
	size_t len, pos;
	bool bad;
};

static bool lit(struct dp *d, const char *l)
{
	size_t n = strlen(l);

	if (d->bad || d->len - d->pos < n || memcmp(d->s + d->pos, l, n)) {
		d->bad = true;
		return false;
	}
	d->pos += n;
	return true;
}

/* Exactly @n digits. */
static unsigned int digits(struct dp *d, size_t n)
{
	unsigned int v = 0;
	size_t i;

	if (d->bad || d->len - d->pos < n) {
		d->bad = true;
		return 0;
	}
	for (i = 0; i < n; i++) {
		char c = d->s[d->pos + i];

		if (c < '0' || c > '9') {
			d->bad = true;
			return 0;
		}
		v = v * 10 + (unsigned int)(c - '0');
	}
	d->pos += n;
	return v;
}

static unsigned int mon(struct dp *d)
{
	unsigned int i;

	if (!d->bad && d->len - d->pos >= 3)
		for (i = 0; i < 12; i++)
			if (!memcmp(d->s + d->pos, month[i], 3)) {
				d->pos += 3;
				return i + 1;
			}
	d->bad = true;
	return 1;
}

/* "HH:MM:SS" into seconds of the day (a leap second 60 is allowed). */
static int64_t tod(struct dp *d)
{
	unsigned int h, m, s;

	h = digits(d, 2);
	lit(d, ":");
	m = digits(d, 2);
	lit(d, ":");
	s = digits(d, 2);
	if (h > 23 || m > 59 || s > 60)
		d->bad = true;
	return (int64_t)h * 3600 + m * 60 + s;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool valid_day(int64_t y, unsigned int m, unsigned int day)
{
	static const unsigned char mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	return day >= 1 &&
	       day <= mdays[m - 1] + (unsigned int)(m == 2 && leap(y));
}

/*
 * RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is
 * the most recent past year with those digits; so the year is the one
 * with those last digits in (now - 50, now + 50].
 */
static int64_t full_year(unsigned int yy, int64_t now)
{
	int64_t ny, y;
	unsigned int m, d;

	civil_from_days(floor_div(now, 86400), &ny, &m, &d);
	y = ny - ny % 100 + yy;
	if (y > ny + 50)
		y -= 100;
	else if (y <= ny - 50)
		y += 100;
	return y;
}

/* The day name (3 letters or, for RFC 850, full) that starts @d. */
static bool day_name(struct dp *d, bool full)
{
	unsigned int i;

	for (i = 0; i < 7; i++) {
		const char *n = full ? weekday[i] : wkday[i];
		size_t l = strlen(n);

		if (d->len - d->pos >= l && !memcmp(d->s + d->pos, n, l)) {
			d->pos += l;
			return true;
		}
	}
	d->bad = true;
	return false;
}

int http_date_parse(const char *s, size_t len, int64_t now, int64_t *t)
{
	struct dp d = { .s = s, .len = len };
	unsigned int day, m;
	int64_t y, secs;

	while (d.len && (s[d.len - 1] == ' ' || s[d.len - 1] == '\t'))
		d.len--;
	while (d.pos < d.len && (s[d.pos] == ' ' || s[d.pos] == '\t'))
		d.pos++;
	if (d.len - d.pos < 4)
		return -EINVAL;
	if (s[d.pos + 3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		day_name(&d, false);
		lit(&d, ", ");
		day = digits(&d, 2);
		lit(&d, " ");
		m = mon(&d);
		lit(&d, " ");
		y = digits(&d, 4);
		lit(&d, " ");
		secs = tod(&d);
		lit(&d, " GMT");
	} else if (s[d.pos + 3] == ' ') {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		day_name(&d, false);
		lit(&d, " ");
		m = mon(&d);
		lit(&d, " ");
		if (d.pos < d.len && s[d.pos] == ' ') {
			d.pos++;
			day = digits(&d, 1);
		} else {
			day = digits(&d, 2);
		}
		lit(&d, " ");
		secs = tod(&d);
		lit(&d, " ");
		y = digits(&d, 4);
	} else {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
		day_name(&d, true);
		lit(&d, ", ");
		day = digits(&d, 2);
		lit(&d, "-");
		m = mon(&d);
		lit(&d, "-");
		y = full_year(digits(&d, 2), now);
		lit(&d, " ");
		secs = tod(&d);
		lit(&d, " GMT");
	}
	if (d.bad || d.pos != d.len || !valid_day(y, m, day))
		return -EINVAL;
	*t = days_from_civil(y, m, day) * 86400 + secs;
	return 0;
}
