/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/topic_int.h - shared by topic.c and topic_delete.c only: the
 * file-system half of deleting a topic.
 */
#ifndef ZC_KAFKA_TOPIC_INT_H
#define ZC_KAFKA_TOPIC_INT_H

#include <stdint.h>

/*
 * Moves the @nr_parts partition directories "@topic-N" of the data
 * directory @dirfd to "*.deleted" names, crash-atomically (rules in
 * topic_delete.c). Returns 0, or -errno with every directory back in
 * place. Blocks on the disk (renames, directory syncs).
 */
int kafka__topic_retire(int dirfd, const char *topic, uint32_t nr_parts);

/*
 * Finishes what a crash interrupted (a ".rm-TOPIC" marker: its remaining
 * "TOPIC-N" directories are retired) and removes every "*.deleted"
 * directory with its files. Failures are logged and left for the next
 * call. Blocks on the disk.
 */
void kafka__topics_purge(int dirfd);

#endif
