/* SPDX-License-Identifier: MIT */
#include "internal.h"

const char *zc_version(void)
{
	return ZC_VERSION_STRING;
}
