/* SPDX-License-Identifier: MIT */
/*
 * src/engine/listen.c - listening sockets: "ADDR:PORT" specs, one
 * SO_REUSEPORT socket per worker on the same address and port, the bound
 * address as text, and the port file.
 *
 * Every worker has a socket of its own rather than sharing one: the
 * kernel then hashes each new connection to one socket (one worker), with
 * no thundering herd and no accept lock. Port 0 is bound by the first
 * socket, and the others bind the port it got. An autobind never lands on
 * a port held by another SO_REUSEPORT group (the kernel refuses reuseport
 * sharing for port 0 since 4.12), so no foreign process can join ours by
 * chance.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/eng_int.h"

/*
 * Splits "HOST:PORT", "[V6]:PORT" or ":PORT" in place in @buf into @host
 * (NULL for every address) and @port. 0 or -EINVAL.
 */
static int split_spec(char *buf, char **host, char **port)
{
	char *colon = strrchr(buf, ':');
	unsigned long p;
	char *end;

	if (!colon)
		return -EINVAL;
	*colon = '\0';
	*port = colon + 1;
	p = strtoul(*port, &end, 10);
	if (!**port || *end || **port == '-' || **port == '+' || p > 65535)
		return -EINVAL;
	*host = buf;
	if (buf[0] == '[') {
		if (colon == buf || colon[-1] != ']')
			return -EINVAL;
		colon[-1] = '\0';
		*host = buf + 1;
	} else if (strchr(buf, ':')) {
		return -EINVAL;		/* an IPv6 address needs brackets */
	}
	if (!**host || !strcmp(*host, "*"))
		*host = NULL;
	return 0;
}

/* A non-blocking listening socket on @sa; the fd or -errno. */
static int listen_one(const struct sockaddr *sa, socklen_t len, int backlog)
{
	int fd, one = 1, err;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd == -1)
		return -errno;
	/* restart without waiting out TIME_WAIT; share the port by worker */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		goto fail;
	/* [::]:80 means IPv6 only, so that 0.0.0.0:80 can be listed too */
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		goto fail;
	if (bind(fd, sa, len) || listen(fd, backlog))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

/* Binds the first socket on the first address of @spec that works. */
static int bind_first(struct eng *e, struct eng_listener *l,
		      const char *spec)
{
	struct addrinfo hints = {
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
		.ai_socktype = SOCK_STREAM,
	}, *res, *ai;
	char buf[256], *host, *port;
	int fd = -EADDRNOTAVAIL, gai;

	if (strlen(spec) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, spec);
	if (split_spec(buf, &host, &port))
		return -EINVAL;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai)
		return gai == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = listen_one(ai->ai_addr, ai->ai_addrlen, e->cfg.backlog);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return fd;
	l->addrlen = sizeof(l->addr);
	if (getsockname(fd, (struct sockaddr *)&l->addr, &l->addrlen)) {
		gai = -errno;
		close(fd);
		return gai;
	}
	return fd;
}

int eng__listen_bind(struct eng *e, struct eng_listener *l, const char *spec)
{
	unsigned int i, n = l->flags & ENG_LISTEN_SINGLE ? 1 : e->nworkers;
	int fd;

	l->fds = malloc(n * sizeof(*l->fds));
	if (!l->fds)
		return -ENOMEM;
	l->nfds = 0;
	fd = bind_first(e, l, spec);
	if (fd < 0)
		goto fail;
	l->fds[l->nfds++] = fd;
	for (i = 1; i < n; i++) {
		fd = listen_one((struct sockaddr *)&l->addr, l->addrlen,
				e->cfg.backlog);
		if (fd < 0)
			goto fail;
		l->fds[l->nfds++] = fd;
	}
	return 0;
fail:
	eng__listen_close(l);
	return fd;
}

void eng__listen_close(struct eng_listener *l)
{
	unsigned int i;

	for (i = 0; i < l->nfds; i++)
		if (l->fds[i] >= 0)
			close(l->fds[i]);
	free(l->fds);
	l->fds = NULL;
	l->nfds = 0;
}

int eng_listen(struct eng *e, const char *spec, const struct eng_proto *proto,
	       unsigned int flags)
{
	struct eng_listener *l;
	int ret;

	if (e->ran || !proto || !proto->on_open || !proto->on_io ||
	    !proto->on_close)
		return -EINVAL;
	if (e->nlst >= ENG_MAX_LISTENERS)
		return -E2BIG;
	l = &e->lst[e->nlst];
	memset(l, 0, sizeof(*l));
	l->proto = proto;
	l->flags = flags;
	ret = eng__listen_bind(e, l, spec);
	if (ret < 0) {
		eng_log(ENG_LOG_ERROR, "cannot listen on %s: %s", spec,
			strerror(-ret));
		return ret;
	}
	return (int)e->nlst++;
}

unsigned int eng_listen_count(const struct eng *e)
{
	return e->nlst;
}

int eng_listen_addr(const struct eng *e, unsigned int i,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	if (i >= e->nlst)
		return -ENOENT;
	*ss = e->lst[i].addr;
	*len = e->lst[i].addrlen;
	return 0;
}

const char *eng_listen_text(const struct eng *e, unsigned int i, char *buf,
			    size_t len)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];
	const struct eng_listener *l = &e->lst[i];

	if (i >= e->nlst ||
	    getnameinfo((const struct sockaddr *)&l->addr, l->addrlen, host,
			sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(buf, len, "?");
	else if (l->addr.ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", host, port);
	else
		snprintf(buf, len, "%s:%s", host, port);
	return buf;
}

int eng_write_port_file(const struct eng *e, const char *path)
{
	char tmp[4096], addr[NI_MAXHOST + 16];
	unsigned int i;
	FILE *f;
	int ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (i = 0; i < e->nlst; i++)
		fprintf(f, "%s\n", eng_listen_text(e, i, addr, sizeof(addr)));
	if (fflush(f) || ferror(f))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}
