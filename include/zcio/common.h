/* SPDX-License-Identifier: MIT */
/*
 * zcio/common.h - what every public header of libzcio shares: the export
 * macro and the C++ guards.
 */
#ifndef ZCIO_COMMON_H
#define ZCIO_COMMON_H

#if defined(__GNUC__) && __GNUC__ >= 4
#define ZC_API __attribute__((visibility("default")))
#else
#define ZC_API
#endif

#ifdef __cplusplus
#define ZC_BEGIN_DECLS extern "C" {
#define ZC_END_DECLS }
#else
#define ZC_BEGIN_DECLS
#define ZC_END_DECLS
#endif

#endif
