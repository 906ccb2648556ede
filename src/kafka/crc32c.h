/* SPDX-License-Identifier: MIT */
/*
 * kafka/crc32c.h - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78),
 * the checksum of Kafka record batches (and of iSCSI, ext4, btrfs).
 *
 * kafka_crc32c uses the SSE4.2 crc32 instruction when the CPU has it
 * (checked once at run time) and a slicing-by-8 table otherwise. Both
 * variants are callable directly so that tests can check each one. The
 * @crc argument chains calls: pass 0 to start, then the previous result.
 * Pure functions; thread-safe.
 */
#ifndef ZC_KAFKA_CRC32C_H
#define ZC_KAFKA_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint32_t kafka_crc32c(uint32_t crc, const void *p, size_t len);

/* The table version; works on every CPU. */
uint32_t kafka_crc32c_sw(uint32_t crc, const void *p, size_t len);

/*
 * The SSE4.2 version; call it only when kafka_crc32c_hw_available().
 * On a build for another architecture it is the table version.
 */
uint32_t kafka_crc32c_hw(uint32_t crc, const void *p, size_t len);

/* Whether kafka_crc32c uses the instruction on this CPU. */
bool kafka_crc32c_hw_available(void);

#endif
