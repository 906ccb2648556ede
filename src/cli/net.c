/* SPDX-License-Identifier: MIT */
/*
 * src/cli/net.c - listening sockets for the commands that accept
 * connections: "ADDR:PORT" for TCP (IPv4, [IPv6], a host name, port 0 for
 * an ephemeral port) or a path for a UNIX socket, and addresses as text.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"

/* Enough for the backlog of a demo or a benchmark's connect storm. */
#define LISTEN_BACKLOG 128

/*
 * Splits "HOST:PORT", "[V6]:PORT" or ":PORT" into @host (NULL for every
 * address) and @port, in place in @buf. Returns 0 or -EINVAL.
 */
static int split_addr(char *buf, char **host, char **port)
{
	char *colon = strrchr(buf, ':');
	char *end;
	long p;

	if (!colon)
		return -EINVAL;
	*colon = '\0';
	*port = colon + 1;
	p = strtol(*port, &end, 10);
	if (!**port || *end || p < 0 || p > 65535)
		return -EINVAL;
	*host = buf;
	if (buf[0] == '[') {
		if (colon == buf || colon[-1] != ']')
			return -EINVAL;
		colon[-1] = '\0';
		*host = buf + 1;
	}
	if (!**host || !strcmp(*host, "*"))
		*host = NULL;
	return 0;
}

/* socket, SO_REUSEADDR, bind, listen: the fd or -errno. */
static int listen_on(const struct addrinfo *ai)
{
	int fd, one = 1, err;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd == -1)
		return -errno;
	/* A restarted sink must not wait out TIME_WAIT of the last run. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int cli_listen_tcp(const struct cli_cmd *cmd, const char *spec)
{
	struct addrinfo hints = {
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
		.ai_socktype = SOCK_STREAM,
	}, *res, *ai;
	char buf[256], *host, *port;
	int fd = -EADDRNOTAVAIL, gai;

	snprintf(buf, sizeof(buf), "%s", spec);
	if (strlen(spec) >= sizeof(buf) || split_addr(buf, &host, &port))
		return -cli_usage_err(cmd, "bad address '%s' (want ADDR:PORT)",
				      spec);
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai) {
		cli_err(cmd, "cannot resolve '%s': %s", spec,
			gai_strerror(gai));
		return -CLI_EXIT_FAIL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = listen_on(ai);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		cli_err(cmd, "cannot listen on '%s': %s", spec, strerror(-fd));
		return -CLI_EXIT_FAIL;
	}
	return fd;
}

/*
 * The socket file appears at bind(2), before listen(2): a client that
 * waits for the file and connects at once would be refused. So bind to a
 * temporary name beside it, listen, and rename it into place: the path is
 * ready the moment it exists.
 */
int cli_listen_unix(const struct cli_cmd *cmd, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct addrinfo ai = {
		.ai_family = AF_UNIX,
		.ai_socktype = SOCK_STREAM,
		.ai_addr = (struct sockaddr *)&sun,
		.ai_addrlen = sizeof(sun),
	};
	int fd, n, err;

	if (!*path || strlen(path) >= sizeof(sun.sun_path))
		return -cli_usage_err(cmd, "bad socket path '%s' (1 to %zu "
				      "bytes)", path,
				      sizeof(sun.sun_path) - 1);
	n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.%ld", path,
		     (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path))
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = listen_on(&ai);
	/* NOREPLACE: an existing path fails as bind(2) would have. */
	if (fd >= 0 && strcmp(sun.sun_path, path) &&
	    renameat2(AT_FDCWD, sun.sun_path, AT_FDCWD, path,
		      RENAME_NOREPLACE)) {
		err = errno == EEXIST ? EADDRINUSE : errno;
		unlink(sun.sun_path);
		close(fd);
		fd = -err;
	}
	if (fd < 0) {
		cli_err(cmd, "cannot listen on '%s': %s", path, strerror(-fd));
		return -CLI_EXIT_FAIL;
	}
	return fd;
}

const char *cli_addr_text(char *buf, size_t len, const struct sockaddr *sa,
			  socklen_t salen)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *sun = (const void *)sa;

		/* An unbound client has no name (unix(7): unnamed). */
		snprintf(buf, len, "%s", salen > sizeof(sa_family_t) &&
			 sun->sun_path[0] ? sun->sun_path : "unix");
		return buf;
	}
	if (getnameinfo(sa, salen, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(buf, len, "?");
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", host, port);
	else
		snprintf(buf, len, "%s:%s", host, port);
	return buf;
}
