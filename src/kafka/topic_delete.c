/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/topic_delete.c - deleting a topic's data (DeleteTopics), and
 * finishing interrupted deletions at start.
 *
 * Rules, for a topic of N partitions in the data directory DATA:
 *  1. Threads. kafka_topic_delete (topic.c) runs this under the registry's
 *     creation mutex, so no creation or other deletion of any topic runs
 *     meanwhile. Workers may still append to and read from the topic's
 *     logs: they hold its struct, which stays allocated until the broker
 *     stops, its logs open until the broker knows nobody uses them
 *     (kafka_topics_reap, admin.c). Their files are unlinked here, so a racing
 *     append lands in a file that no longer has a name (or fails, when it
 *     has to roll: it cannot create a segment in a removed directory), and
 *     a fetch in flight sends from its own fd (zc_buf_file) as before.
 *  2. Atomic on a crash. A marker DATA/.rm-TOPIC is created and the
 *     directory synced before the first rename; then every TOPIC-i is
 *     renamed to "TOPIC-i.<unique>.deleted" (a name that never parses as
 *     TOPIC-N: it ends in letters); the directory is synced and the marker
 *     removed, and synced again before DeleteTopics answers (so a marker
 *     can never come back after the same name was created again). At
 *     start (kafka__topics_purge, before the scan), a marker means a
 *     deletion that did not finish: the TOPIC-N directories it names are
 *     retired too. So after a crash the topic is either whole or gone.
 *  3. Removal. Every "*.deleted" directory is emptied (its files
 *     unlinked) and removed, right after the renames (outside the
 *     creation mutex: markers are then left alone, since one may belong
 *     to a deletion in progress on another worker) and at each start.
 *     What fails (a file that a racing roll just created) is logged and
 *     retried at the next deletion or start. The disk space of files
 *     still open returns when kafka_topics_reap closes them (topic.h).
 *  4. Names. Markers start with '.', which the start-up scan skips; a
 *     topic name can be 249 bytes, so ".rm-" + name fits in NAME_MAX, and
 *     the retired name keeps at most 200 bytes of the topic (enough to
 *     recognise it, short enough for the suffix).
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/log.h"
#include "kafka/log.h"
#include "topic_int.h"

#define MARKER_PREFIX ".rm-"
#define DELETED_SUFFIX ".deleted"
#define NAME_MAX_LEN 256
/* Passes over the directory before giving up until the next purge. */
#define MAX_ROUNDS 64

static int sync_dir(int dirfd)
{
	return fsync(dirfd) == -1 ? -errno : 0;
}

static int marker_name(char *buf, size_t size, const char *topic)
{
	int n = snprintf(buf, size, MARKER_PREFIX "%s", topic);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Rule 4: a fresh "*.deleted" name for partition @part of @topic. */
static void retired_name(char *buf, size_t size, const char *topic,
			 int32_t part)
{
	static unsigned int seq;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, size, "%.200s-%d.%llx%x" DELETED_SUFFIX, topic, part,
		 (unsigned long long)ts.tv_sec * 1000000000ull +
		 (unsigned long long)ts.tv_nsec,
		 __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
}

/* Renames TOPIC-@part to a fresh retired name, kept in @to. */
static int retire_one(int dirfd, const char *topic, int32_t part, char *to)
{
	char from[KAFKA_LOG_DIRNAME_MAX + 1];
	int ret;

	ret = kafka_log_dirname(from, sizeof(from), topic, part);
	if (ret < 0)
		return ret;
	retired_name(to, NAME_MAX_LEN, topic, part);
	if (renameat(dirfd, from, dirfd, to) == -1) {
		to[0] = '\0';
		return errno == ENOENT ? 0 : -errno;
	}
	return 0;
}

/* Puts back the first @n partitions a failed retire moved to @to. */
static void unretire(int dirfd, const char *topic, char (*to)[NAME_MAX_LEN],
		     uint32_t n)
{
	char from[KAFKA_LOG_DIRNAME_MAX + 1];
	uint32_t i;

	for (i = 0; i < n; i++) {
		kafka_log_dirname(from, sizeof(from), topic, (int32_t)i);
		if (to[i][0] && renameat(dirfd, to[i], dirfd, from) == -1)
			eng_log(ENG_LOG_ERROR, "topic %s: cannot rename '%s' "
				"back: %s", topic, to[i], strerror(errno));
	}
}

int kafka__topic_retire(int dirfd, const char *topic, uint32_t nr_parts)
{
	char marker[NAME_MAX_LEN], (*to)[NAME_MAX_LEN];
	uint32_t i;
	int fd, ret;

	ret = marker_name(marker, sizeof(marker), topic);
	if (ret)
		return ret;
	to = calloc(nr_parts ? nr_parts : 1, sizeof(*to));
	if (!to)
		return -ENOMEM;
	fd = openat(dirfd, marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
	if (fd < 0) {
		free(to);
		return -errno;
	}
	close(fd);
	ret = sync_dir(dirfd);
	for (i = 0; !ret && i < nr_parts; i++) {
		ret = retire_one(dirfd, topic, (int32_t)i, to[i]);
		if (ret)
			unretire(dirfd, topic, to, i);
	}
	free(to);
	if (!ret)
		ret = sync_dir(dirfd);
	unlinkat(dirfd, marker, 0);
	/* Rule 2: the marker must be gone for good before an answer. */
	if (sync_dir(dirfd) && !ret)
		ret = -EIO;
	return ret;
}

/* Rule 3: empties and removes one retired directory. */
static void remove_dir(int dirfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		/* ENOENT: a purge on another thread was first */
		if (errno != ENOENT)
			eng_log(ENG_LOG_WARN, "data directory: cannot open "
				"'%s': %s", name, strerror(errno));
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(fd, de->d_name, 0);
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		eng_log(ENG_LOG_WARN, "data directory: cannot remove '%s': %s",
			name, strerror(errno));
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && !strcmp(s + n - m, suf);
}

/*
 * Rule 2 at start: the partitions of an interrupted deletion. Renames
 * change the directory under readdir, so it reads again until a pass
 * finds nothing (bounded: a rename that keeps failing is logged).
 */
static void finish_marker(int dirfd, DIR *d, const char *marker)
{
	const char *topic = marker + strlen(MARKER_PREFIX);
	char name[KAFKA_LOG_TOPIC_MAX + 1], to[NAME_MAX_LEN];
	unsigned int found, round = 0;
	struct dirent *de;
	int32_t part;

	do {
		found = 0;
		rewinddir(d);
		while ((de = readdir(d))) {
			if (kafka_log_dirname_parse(de->d_name, name, &part) ||
			    strcmp(name, topic))
				continue;
			found++;
			if (retire_one(dirfd, topic, part, to))
				eng_log(ENG_LOG_WARN, "data directory: cannot "
					"retire '%s': %s", de->d_name,
					strerror(errno));
		}
	} while (found && ++round < MAX_ROUNDS);
	eng_log(ENG_LOG_INFO, "topic %s: finished an interrupted deletion",
		topic);
}

/* Calls @fn for each entry of @dirfd accepted by @want; 0 or -errno. */
static int each(int dirfd, bool (*want)(const char *),
		void (*fn)(int dirfd, DIR *d, const char *name))
{
	char names[16][NAME_MAX_LEN];
	struct dirent *de;
	unsigned int n, i, round = 0;
	DIR *d;
	int fd;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	/*
	 * In rounds of 16: @fn changes the directory under readdir. A name
	 * @fn cannot remove comes back each round: bounded.
	 */
	do {
		rewinddir(d);
		for (n = 0; n < 16 && (de = readdir(d));)
			if (want(de->d_name))
				snprintf(names[n++], NAME_MAX_LEN, "%s",
					 de->d_name);
		for (i = 0; i < n; i++)
			fn(dirfd, d, names[i]);
	} while (n == 16 && ++round < MAX_ROUNDS);
	closedir(d);
	return 0;
}

static bool is_marker(const char *name)
{
	return !strncmp(name, MARKER_PREFIX, strlen(MARKER_PREFIX)) &&
	       name[strlen(MARKER_PREFIX)];
}

static bool is_retired(const char *name)
{
	return name[0] != '.' && has_suffix(name, DELETED_SUFFIX);
}

static void drop_marker(int dirfd, DIR *d, const char *name)
{
	finish_marker(dirfd, d, name);
	fsync(dirfd);
	unlinkat(dirfd, name, 0);
}

static void drop_retired(int dirfd, DIR *d, const char *name)
{
	(void)d;
	remove_dir(dirfd, name);
}

void kafka__topics_purge(int dirfd, bool at_start)
{
	/* Rule 2: a marker while running is a deletion in progress. */
	if ((at_start && each(dirfd, is_marker, drop_marker)) ||
	    each(dirfd, is_retired, drop_retired))
		eng_log(ENG_LOG_WARN, "data directory: cannot purge deleted "
			"topics: %s", strerror(errno));
	fsync(dirfd);
}
