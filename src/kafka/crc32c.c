/* SPDX-License-Identifier: MIT */
/*
 * kafka/crc32c.c - CRC-32C two ways: the SSE4.2 crc32 instruction (8 bytes
 * per instruction) and, on CPUs without it, slicing-by-8 tables (8 bytes
 * per step through 8 tables of 256 entries, built once at first use).
 * Both compute the same function: reflected polynomial 0x82F63B78, initial
 * value and final xor 0xFFFFFFFF (the @crc argument and result are the
 * finished values, so calls chain).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kafka/crc32c.h"

#define POLY 0x82F63B78u

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? c >> 1 ^ POLY : c >> 1;
		table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			table[k][i] = table[k - 1][i] >> 8 ^
				      table[0][table[k - 1][i] & 0xff];
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint32_t kafka_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t lo, hi;

	pthread_once(&table_once, table_init);
	crc = ~crc;
	for (; len >= 8; len -= 8, p += 8) {
		lo = crc ^ le32(p);
		hi = le32(p + 4);
		crc = table[7][lo & 0xff] ^ table[6][lo >> 8 & 0xff] ^
		      table[5][lo >> 16 & 0xff] ^ table[4][lo >> 24] ^
		      table[3][hi & 0xff] ^ table[2][hi >> 8 & 0xff] ^
		      table[1][hi >> 16 & 0xff] ^ table[0][hi >> 24];
	}
	while (len--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ crc >> 8;
	return ~crc;
}

#if defined(__x86_64__)
/*
 * One crc32 instruction per 8 bytes. Its latency (3 cycles) bounds this
 * loop to ~8 bytes per 3 cycles, several GB/s: far above what a produce
 * request needs, so no interleaving of three streams.
 */
__attribute__((target("sse4.2")))
uint32_t kafka_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t c = ~crc, w;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, 8);
		c = __builtin_ia32_crc32di(c, w);
	}
	crc = (uint32_t)c;
	while (len--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return ~crc;
}

bool kafka_crc32c_hw_available(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t kafka_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	return kafka_crc32c_sw(crc, buf, len);
}

bool kafka_crc32c_hw_available(void)
{
	return false;
}
#endif

uint32_t kafka_crc32c(uint32_t crc, const void *buf, size_t len)
{
	/* -1 until known; threads racing here all store the same value */
	static int hw = -1;
	int h = __atomic_load_n(&hw, __ATOMIC_RELAXED);

	if (h < 0) {
		h = kafka_crc32c_hw_available();
		__atomic_store_n(&hw, h, __ATOMIC_RELAXED);
	}
	return h ? kafka_crc32c_hw(crc, buf, len)
		 : kafka_crc32c_sw(crc, buf, len);
}
