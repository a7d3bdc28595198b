/* ouro-snapshot-private.h — a snapshot's counts, for the leak check.
 *
 * Immutable once taken: readable from any thread.
 */
#pragma once

#include "ouro-snapshot.h"

G_BEGIN_DECLS

/* The snapshot's own table: interned type name -> count (GUINT_TO_POINTER). */
GHashTable *ouro_snapshot_get_counts_unlocked (OuroSnapshot *snapshot);

G_END_DECLS
