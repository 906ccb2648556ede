/* SPDX-License-Identifier: MIT */
/*
 * zcio/version.h - the version of the headers and of the library in use.
 */
#ifndef ZCIO_VERSION_H
#define ZCIO_VERSION_H

#include "common.h"

#define ZC_VERSION_MAJOR 0
#define ZC_VERSION_MINOR 1
#define ZC_VERSION_PATCH 0
#define ZC_VERSION_STRING "0.1.0"

ZC_BEGIN_DECLS

/* The version of the library actually linked, e.g. "0.1.0". */
ZC_API const char *zc_version(void);

ZC_END_DECLS

#endif
