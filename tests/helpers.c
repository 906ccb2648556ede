/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

#include "helpers.h"

uint8_t t_pattern_byte(uint64_t i, unsigned int seed)
{
	uint64_t x = (i >> 20) * 0x9e3779b97f4a7c15ull + seed;

	return (uint8_t)(i * 131 + (i >> 8) * 7 + (i >> 16) * 13 + x +
			 (x >> 32));
}

void t_fill(uint8_t *p, size_t len, uint64_t start, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = t_pattern_byte(start + i, seed);
}

ssize_t t_check(const uint8_t *p, size_t len, uint64_t start,
		unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != t_pattern_byte(start + i, seed))
			return (ssize_t)i;
	return -1;
}

static char disk_dir[PATH_MAX], tmpfs_dir[PATH_MAX];

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void rm_dirs(void)
{
	if (disk_dir[0])
		nftw(disk_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (tmpfs_dir[0])
		nftw(tmpfs_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *make_dir(char *dir, const char *base)
{
	static int registered;

	if (dir[0])
		return dir;
	snprintf(dir, PATH_MAX, "%s/zcio-test.XXXXXX", base);
	if (!mkdtemp(dir))
		fail_msg("mkdtemp %s: %s", dir, strerror(errno));
	if (!registered++)
		atexit(rm_dirs);
	return dir;
}

const char *t_dir_disk(void)
{
	const char *base = getenv("TMPDIR");

	/* /tmp may be tmpfs; /var/tmp is on disk on Debian. */
	return make_dir(disk_dir, base && *base ? base : "/var/tmp");
}

const char *t_dir_tmpfs(void)
{
	return make_dir(tmpfs_dir, "/dev/shm");
}

static void write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail_msg("write: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

static void fill_fd(int fd, size_t size, unsigned int seed)
{
	static uint8_t chunk[1 << 16];
	size_t done = 0;

	while (done < size) {
		size_t n = size - done < sizeof(chunk) ? size - done :
							 sizeof(chunk);
		t_fill(chunk, n, done, seed);
		write_all(fd, chunk, n);
		done += n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		fail_msg("lseek: %s", strerror(errno));
}

int t_file_empty(const char *dir, const char *name, int flags, char *path)
{
	char buf[PATH_MAX];
	int fd;

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	fd = open(buf, flags | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fail_msg("open %s: %s", buf, strerror(errno));
	if (path)
		strcpy(path, buf);
	return fd;
}

int t_file(const char *dir, const char *name, size_t size, unsigned int seed,
	   char *path)
{
	int fd = t_file_empty(dir, name, O_RDWR, path);

	fill_fd(fd, size, seed);
	return fd;
}

int t_memfd(size_t size, unsigned int seed)
{
	int fd = memfd_create("zcio-test", MFD_CLOEXEC);

	if (fd < 0)
		fail_msg("memfd_create: %s", strerror(errno));
	fill_fd(fd, size, seed);
	return fd;
}

void t_pipe(int fds[2])
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		fail_msg("pipe2: %s", strerror(errno));
	fds[0] = p[1];
	fds[1] = p[0];
}

void t_tcp_pair(int fds[2])
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int l, c, a, one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&sa, &sl))
		fail_msg("listen: %s", strerror(errno));
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)))
		fail_msg("connect: %s", strerror(errno));
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0)
		fail_msg("accept: %s", strerror(errno));
	close(l);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fds[0] = c;
	fds[1] = a;
}

void t_unix_pair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
		fail_msg("socketpair: %s", strerror(errno));
}

void t_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK :
					      fl & ~O_NONBLOCK))
		fail_msg("fcntl: %s", strerror(errno));
}

void t_set_sndbuf(int fd, int bytes)
{
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}

void t_set_rcvbuf(int fd, int bytes)
{
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

struct t_sink {
	pthread_t tid;
	int fd;
	size_t chunk, limit, len, cap;
	unsigned int delay_us;
	uint8_t *data;
};

static void *sink_main(void *arg)
{
	struct t_sink *s = arg;

	for (;;) {
		size_t want = s->chunk;
		ssize_t n;

		if (s->limit && s->limit - s->len < want)
			want = s->limit - s->len;
		if (!want)
			break;
		if (s->cap - s->len < want) {
			s->cap = (s->cap + want) * 2;
			s->data = realloc(s->data, s->cap);
			if (!s->data)
				abort();
		}
		n = read(s->fd, s->data + s->len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		s->len += (size_t)n;
		if (s->delay_us)
			usleep(s->delay_us);
	}
	return NULL;
}

struct t_sink *t_sink_start(int fd, size_t chunk, unsigned int delay_us,
			    size_t limit)
{
	struct t_sink *s = calloc(1, sizeof(*s));

	if (!s)
		fail_msg("calloc");
	s->fd = fd;
	s->chunk = chunk ? chunk : 65536;
	s->delay_us = delay_us;
	s->limit = limit;
	if (pthread_create(&s->tid, NULL, sink_main, s))
		fail_msg("pthread_create");
	return s;
}

size_t t_sink_join(struct t_sink *s, uint8_t **data)
{
	size_t len;

	pthread_join(s->tid, NULL);
	len = s->len;
	if (data)
		*data = s->data;
	else
		free(s->data);
	free(s);
	return len;
}

struct t_source {
	pthread_t tid;
	int fd, close_fd;
	size_t len;
	unsigned int seed;
};

static void *source_main(void *arg)
{
	struct t_source *s = arg;
	uint8_t chunk[16384];
	size_t done = 0;

	while (done < s->len) {
		size_t n = s->len - done < sizeof(chunk) ? s->len - done :
							   sizeof(chunk);
		ssize_t w;

		t_fill(chunk, n, done, s->seed);
		w = write(s->fd, chunk, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		/* A short write leaves the rest of chunk for the next round. */
		done += (size_t)w;
	}
	if (s->close_fd)
		close(s->fd);
	return NULL;
}

struct t_source *t_source_start(int fd, size_t len, unsigned int seed,
				int close_fd)
{
	struct t_source *s = calloc(1, sizeof(*s));

	if (!s)
		fail_msg("calloc");
	s->fd = fd;
	s->len = len;
	s->seed = seed;
	s->close_fd = close_fd;
	if (pthread_create(&s->tid, NULL, source_main, s))
		fail_msg("pthread_create");
	return s;
}

void t_source_join(struct t_source *s)
{
	pthread_join(s->tid, NULL);
	free(s);
}

size_t t_slurp(int fd, uint8_t **data)
{
	struct stat st;
	size_t done = 0;
	uint8_t *p;

	if (fstat(fd, &st))
		fail_msg("fstat: %s", strerror(errno));
	p = malloc((size_t)st.st_size + 1);
	if (!p)
		fail_msg("malloc");
	while (done < (size_t)st.st_size) {
		ssize_t n = pread(fd, p + done, (size_t)st.st_size - done,
				  (off_t)done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	*data = p;
	return done;
}

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

void t_count_sigpipe(void)
{
	struct sigaction sa = { .sa_handler = on_sigpipe };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

int t_sigpipes(void)
{
	return sigpipes;
}
