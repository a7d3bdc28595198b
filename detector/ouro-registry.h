/* ouro-registry.h — the process-wide registry of tracked objects.
 *
 * Part of the public API: include <ouro.h>, not this file.
 * MT safe: every function may be called from any thread.
 */
#pragma once

#if !defined(OURO_INSIDE) && !defined(OURO_COMPILATION)
# error "Only <ouro.h> can be included directly."
#endif

#include "ouro-types.h"

G_BEGIN_DECLS

OURO_AVAILABLE_IN_ALL
void     ouro_track         (gpointer         object,
                             const OuroClass *klass);
OURO_AVAILABLE_IN_ALL
void     ouro_untrack       (gpointer         object);
OURO_AVAILABLE_IN_ALL
gboolean ouro_is_tracked    (gpointer         object);
OURO_AVAILABLE_IN_ALL
guint    ouro_get_n_tracked (void);
OURO_AVAILABLE_IN_ALL
const OuroClass *ouro_get_class (gpointer         object);

G_END_DECLS
