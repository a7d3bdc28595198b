/* ouro-fork-private.h — installing the fork () handlers.
 *
 * MT safe.
 */
#pragma once

#include "ouro-types.h"

G_BEGIN_DECLS

/* Installs the pthread_atfork handlers of ouro-fork.c (once; cheap to
 * call again). */
void ouro_fork_ensure_handlers (void);

G_END_DECLS
