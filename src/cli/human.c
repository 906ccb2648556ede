/* SPDX-License-Identifier: MIT */
/*
 * src/cli/human.c - numbers for people: sizes and rates in binary units,
 * durations as M:SS, and the monotonic clock they are measured with.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"

static const char *const units[] = {
	"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
};

/*
 * Scales @v to [1, 1024) and prints it with @decimals digits after the
 * point, or with three significant digits when @decimals is -1. 1023.6
 * would print as "1024 KiB", so values from 1023.5 move up a unit ("1.0
 * MiB" is as true and keeps the number below 1024).
 */
static const char *scaled(char *buf, double v, int decimals,
			  const char *tail)
{
	unsigned int u = 0;

	while (u < sizeof(units) / sizeof(units[0]) - 1 && v >= 1023.5) {
		v /= 1024;
		u++;
	}
	if (!u)
		decimals = 0;
	else if (decimals < 0)
		decimals = v < 10 ? 2 : v < 100 ? 1 : 0;
	snprintf(buf, CLI_HUMAN_LEN, "%.*f %s%s", decimals, v, units[u], tail);
	return buf;
}

/* "512 B", "123.4 MiB", "1.0 GiB". */
const char *cli_size(char *buf, uint64_t bytes)
{
	return scaled(buf, (double)bytes, 1, "");
}

/* "1.23 GiB/s", "45.6 MiB/s", "512 B/s". */
const char *cli_rate(char *buf, double bytes_per_sec)
{
	return scaled(buf, bytes_per_sec, -1, "/s");
}

/* "0:04", "12:30", "1:02:03". */
const char *cli_duration(char *buf, double secs)
{
	uint64_t s = secs > 0 ? (uint64_t)(secs + 0.5) : 0;

	if (s >= 3600)
		snprintf(buf, CLI_HUMAN_LEN, "%" PRIu64 ":%02u:%02u", s / 3600,
			 (unsigned int)(s / 60 % 60), (unsigned int)(s % 60));
	else
		snprintf(buf, CLI_HUMAN_LEN, "%u:%02u", (unsigned int)(s / 60),
			 (unsigned int)(s % 60));
	return buf;
}

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
