/* SPDX-License-Identifier: MIT */
/*
 * src/http/date.h - HTTP-dates (RFC 9110 §5.6.7), without locale or time
 * zone state: the calendar arithmetic is written out, so the result does
 * not depend on TZ, setlocale or a tzdata lookup.
 *
 * Changes (compatible only, newest first):
 *   (none yet)
 */
#ifndef ZC_HTTP_DATE_H
#define ZC_HTTP_DATE_H

#include <stddef.h>
#include <stdint.h>

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define HTTP_DATE_LEN 29

/*
 * Writes @t (seconds since the epoch, UTC) as an IMF-fixdate and a NUL
 * into @out; returns @out. Years outside 0..9999 are clamped to that
 * range's ends. No allocation, no snprintf: cheap enough per response,
 * though the caller may cache it per second.
 */
char *http_date_format(int64_t t, char out[HTTP_DATE_LEN + 1]);

/*
 * Parses an HTTP-date in any of the three forms a recipient must accept:
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"
 *   asctime      "Sun Nov  6 08:49:37 1994"
 * exactly (names are case-sensitive, as the grammar says), with optional
 * whitespace around it. A two-digit year is the most recent one ending in
 * those digits that is not more than 50 years ahead of @now (seconds,
 * usually time(NULL)), as §5.6.7 requires. Returns 0 and sets *@t, or
 * -EINVAL (not a date, or a field out of range such as Feb 30 or 24:00).
 */
int http_date_parse(const char *s, size_t len, int64_t now, int64_t *t);

#endif
