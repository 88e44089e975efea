/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains how CLI commands reach the pinned state, with one clear error if they
 * cannot. */
#ifndef XDPLB_STATE_H
#define XDPLB_STATE_H

#include <stdbool.h>
#include "lb.h"

/* Open the pinned maps (and lock them when @lock); prints the error itself. */
int state_open(struct lb *lb, bool lock);

#endif /* XDPLB_STATE_H */
