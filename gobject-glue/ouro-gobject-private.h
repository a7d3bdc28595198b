/* ouro-gobject-private.h — what the glue's files share.
 *
 * MT safe as documented per function.
 */
#pragma once

#include "ouro-gobject.h"

G_BEGIN_DECLS

/* ouro-gobject-tracking.c */
gboolean ouro_gobject_is_initialized (void);

G_END_DECLS
