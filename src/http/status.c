/* SPDX-License-Identifier: MIT */
/*
 * src/http/status.c - reason phrases and the small error pages (resp.h).
 * The pages are static strings so that they can be sent as immortal
 * slices without a copy.
 */
#include <stddef.h>
#include <string.h>

#include "resp.h"

#define PAGE(code, reason)						\
	{ code, reason, "<!DOCTYPE html>\n<html><head><title>" #code	\
	  " " reason "</title></head>\n<body><h1>" #code " " reason	\
	  "</h1></body></html>\n" }

static const struct {
	int code;
	const char *reason;
	const char *page;
} statuses[] = {
	PAGE(200, "OK"),
	PAGE(206, "Partial Content"),
	PAGE(301, "Moved Permanently"),
	PAGE(304, "Not Modified"),
	PAGE(400, "Bad Request"),
	PAGE(403, "Forbidden"),
	PAGE(404, "Not Found"),
	PAGE(405, "Method Not Allowed"),
	PAGE(408, "Request Timeout"),
	PAGE(411, "Length Required"),
	PAGE(412, "Precondition Failed"),
	PAGE(413, "Content Too Large"),
	PAGE(414, "URI Too Long"),
	PAGE(416, "Range Not Satisfiable"),
	PAGE(417, "Expectation Failed"),
	PAGE(431, "Request Header Fields Too Large"),
	PAGE(500, "Internal Server Error"),
	PAGE(501, "Not Implemented"),
	PAGE(503, "Service Unavailable"),
	PAGE(505, "HTTP Version Not Supported"),
};

static const char unknown_page[] =
	"<!DOCTYPE html>\n<html><head><title>Error</title></head>\n"
	"<body><h1>Error</h1></body></html>\n";

static int find(int status)
{
	unsigned int i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == status)
			return (int)i;
	return -1;
}

const char *http_status_reason(int status)
{
	int i = find(status);

	return i < 0 ? "Unknown" : statuses[i].reason;
}

const char *http_error_page(int status, size_t *len)
{
	int i = find(status);
	const char *p = i < 0 ? unknown_page : statuses[i].page;

	*len = strlen(p);
	return p;
}
