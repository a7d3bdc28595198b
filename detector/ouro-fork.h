/* ouro-fork.h — Ouro's locks across fork ().
 *
 * Part of the public API: include <ouro.h>, not this file.
 * MT safe.
 */
#pragma once

#if !defined(OURO_INSIDE) && !defined(OURO_COMPILATION)
# error "Only <ouro.h> can be included directly."
#endif

#include "ouro-types.h"

G_BEGIN_DECLS

/**
 * OuroLockFunc:
 *
 * Takes or releases one lock.
 */
typedef void (*OuroLockFunc) (void);

OURO_AVAILABLE_IN_ALL
void ouro_add_fork_lock (OuroLockFunc lock,
                         OuroLockFunc unlock);

G_END_DECLS
