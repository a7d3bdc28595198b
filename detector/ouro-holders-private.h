/* ouro-holders-private.h — who keeps an object alive: the chain of strong
 * references from something held from outside down to it.
 *
 * MT safe: runs a scan of its own under the registry lock.
 */
#pragma once

#include "ouro-types.h"

G_BEGIN_DECLS

/* Returns text (lines indented by @indent) naming the newest tracked
 * object whose type is @type_name and the chain of references that keeps
 * it alive, from it outward to an object held from outside the tracked
 * graph ("held by 1 unexplained reference").  NULL when no object of that
 * type is tracked. */
char *ouro_holders_describe_newest (const char *type_name,
                                    const char *indent);

G_END_DECLS
