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

/* Objects of one type created at one site, and their bytes. */
typedef struct {
  const char *type_name;   /* lives as long as the snapshot */
  const char *site;        /* the same */
  guint       count;
  guint64     size;
} OuroSnapshotSite;

/* The snapshot's sites: OuroSnapshotSite * -> itself. */
GHashTable   *ouro_snapshot_get_sites_unlocked (OuroSnapshot *snapshot);
/* After it: @snapshot counts @count more objects of @type_name made at
 * @site (both living as long as @snapshot), and @size more bytes. */
void          ouro_snapshot_add_site           (OuroSnapshot *snapshot,
                                                const char   *type_name,
                                                const char   *site,
                                                guint         count,
                                                guint64       size);
/* The objects of @type_name made at @site, or NULL. */
const OuroSnapshotSite *ouro_snapshot_lookup_site (OuroSnapshot *snapshot,
                                                   const char   *type_name,
                                                   const char   *site);

G_END_DECLS
