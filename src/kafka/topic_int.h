/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/topic_int.h - shared by topic.c and topic_delete.c only: the
 * file-system half of deleting a topic.
 */
#ifndef ZC_KAFKA_TOPIC_INT_H
#define ZC_KAFKA_TOPIC_INT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Moves the @nr_parts partition directories "@topic-N" of the data
 * directory @dirfd to "*.deleted" names, crash-atomically (rules in
 * topic_delete.c). Returns 0, or -errno with every directory back in
 * place. Blocks on the disk (renames, directory syncs).
 */
int kafka__topic_retire(int dirfd, const char *topic, uint32_t nr_parts);

/*
 * Removes every "*.deleted" directory with its files; @at_start (before
 * the registry scans the directory, when no deletion can be running) it
 * first finishes what a crash interrupted: a ".rm-TOPIC" marker's
 * remaining "TOPIC-N" directories are retired. Failures are logged and
 * left for the next call. Blocks on the disk.
 */
void kafka__topics_purge(int dirfd, bool at_start);

#endif
