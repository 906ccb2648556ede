/* SPDX-License-Identifier: MIT */
/*
 * src/http/mime_load.c - reading a mime.types file (mime.h). The only
 * file the HTTP protocol code opens; kept apart so that everything else
 * here stays pure functions over bytes (and the fuzz build does not need
 * it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime_int.h"

/* Debian's is 74 KB; anything beyond this is not a mime.types file. */
#define MIME_FILE_MAX (4u << 20)

static ssize_t read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int http_mime_load(struct http_mime *m, const char *path)
{
	struct stat st;
	ssize_t n;
	char *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (st.st_size > MIME_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read_all(fd, buf, (size_t)st.st_size);
	close(fd);
	ret = n < 0 ? (int)n : http_mime_add_text(m, buf, (size_t)n);
	free(buf);
	return ret;
}
