/* ouro-snapshot.h — live object counts by type, and their growth.
 *
 * Part of the public API: include <ouro.h>, not this file.
 * MT safe: a snapshot is taken under the registry lock and is immutable.
 */
#pragma once

#if !defined(OURO_INSIDE) && !defined(OURO_COMPILATION)
# error "Only <ouro.h> can be included directly."
#endif

#include "ouro-types.h"

G_BEGIN_DECLS

typedef struct _OuroSnapshot OuroSnapshot;

OURO_AVAILABLE_IN_ALL
OuroSnapshot *ouro_snapshot_take         (void);
OURO_AVAILABLE_IN_ALL
void          ouro_snapshot_free         (OuroSnapshot *snapshot);
OURO_AVAILABLE_IN_ALL
char         *ouro_snapshot_diff_to_text (OuroSnapshot *before,
                                          OuroSnapshot *after);

/* Additions to the contract. */
OURO_AVAILABLE_IN_ALL
guint         ouro_snapshot_get_count    (OuroSnapshot *snapshot,
                                          const char   *type_name);
OURO_AVAILABLE_IN_ALL
guint         ouro_snapshot_get_n_tracked (OuroSnapshot *snapshot);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OuroSnapshot, ouro_snapshot_free)

G_END_DECLS
