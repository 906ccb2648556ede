/* SPDX-License-Identifier: MIT */
/*
 * zcio.h - libzcio, zero-copy data movement for Linux. Includes the whole
 * public API; see docs/api.md and the zc_*(3) man pages.
 */
#ifndef ZCIO_H
#define ZCIO_H

#include "zcio/common.h"
#include "zcio/version.h"
#include "zcio/xfer.h"
#include "zcio/buf.h"
#include "zcio/chain.h"
#include "zcio/view.h"
#include "zcio/zsend.h"

#endif
