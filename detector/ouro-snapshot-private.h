/* ouro-snapshot-private.h — a snapshot's counts, for the leak check.
 *
 * Immutable once taken: readable from any thread.
 */
#pragma once

#include "ouro-snapshot.h"

G_BEGIN_DECLS

/* The snapshot's own table: type name -> count (GUINT_TO_POINTER), keyed
 * by content. */
GHashTable   *ouro_snapshot_get_counts_unlocked (OuroSnapshot *snapshot);

/* For the JSON reader: a snapshot of @n_tracked objects with no type yet,
 * a copy of a name that lives as long as it does, and the types added one
 * by one (@type_name living as long as @snapshot). */
OuroSnapshot *ouro_snapshot_new_empty          (guint         n_tracked);
const char   *ouro_snapshot_keep_name          (OuroSnapshot *snapshot,
                                                const char   *type_name);
void          ouro_snapshot_add_type           (OuroSnapshot *snapshot,
                                                const char   *type_name,
                                                guint         count,
                                                guint64       size);

G_END_DECLS
