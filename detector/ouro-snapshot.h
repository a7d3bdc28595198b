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

/**
 * OuroSiteFunc:
 * @object: a tracked object
 * @klass: its class
 * @user_data: what ouro_set_site_func () was given
 *
 * Says where @object was created, for snapshots to count objects by
 * creation site ("open_window (app.c:42)").  Called while a snapshot is
 * taken, with the registry locked: it must not track, untrack or scan.
 *
 * Returns: (nullable): the site, a string that lives as long as the
 *   process (interned), or %NULL when it is not known
 */
typedef const char *(*OuroSiteFunc) (gpointer         object,
                                     const OuroClass *klass,
                                     gpointer         user_data);

OURO_AVAILABLE_IN_ALL
void          ouro_set_site_func         (OuroSiteFunc  func,
                                          gpointer      user_data);

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
OURO_AVAILABLE_IN_ALL
guint64       ouro_snapshot_get_size     (OuroSnapshot *snapshot,
                                          const char   *type_name);
OURO_AVAILABLE_IN_ALL
guint64       ouro_snapshot_get_total_size (OuroSnapshot *snapshot);
/* Objects of @type_name created at @site (0 when the snapshot has no
 * sites: no site function was set). */
OURO_AVAILABLE_IN_ALL
guint         ouro_snapshot_get_site_count (OuroSnapshot *snapshot,
                                            const char   *type_name,
                                            const char   *site);
OURO_AVAILABLE_IN_ALL
gboolean      ouro_snapshot_has_sites    (OuroSnapshot *snapshot);

/* Kept and read back (ouro-snapshot-json.c; docs/snapshot-json.md). */
OURO_AVAILABLE_IN_ALL
char         *ouro_snapshot_to_json      (OuroSnapshot *snapshot);
OURO_AVAILABLE_IN_ALL
OuroSnapshot *ouro_snapshot_new_from_json (const char  *json,
                                           gssize       length,
                                           GError     **error);

/**
 * OuroSnapshotGroup:
 * @OURO_SNAPSHOT_BY_TYPE: a row per type
 * @OURO_SNAPSHOT_BY_SITE: a row per type and creation site (see
 *   ouro_set_site_func ())
 *
 * How a comparison of two snapshots groups objects.
 */
typedef enum {
  OURO_SNAPSHOT_BY_TYPE,
  OURO_SNAPSHOT_BY_SITE,
} OuroSnapshotGroup;

/* What grew, by type or site, with counts and sizes
 * (ouro-snapshot-compare.c): tracemalloc's compare_to (), what `ouro
 * diff` prints. */
OURO_AVAILABLE_IN_ALL
char         *ouro_snapshot_compare_to_text (OuroSnapshot     *before,
                                             OuroSnapshot     *after,
                                             OuroSnapshotGroup by,
                                             guint             limit);
OURO_AVAILABLE_IN_ALL
char         *ouro_snapshot_compare_to_json (OuroSnapshot     *before,
                                             OuroSnapshot     *after,
                                             OuroSnapshotGroup by,
                                             guint             limit);

/**
 * OURO_SNAPSHOT_ERROR:
 *
 * The error domain of ouro_snapshot_new_from_json ().  Messages start
 * with "line L, column C: " and, past the JSON syntax, name the key at
 * fault.
 */
#define OURO_SNAPSHOT_ERROR (ouro_snapshot_error_quark ())
OURO_AVAILABLE_IN_ALL
GQuark        ouro_snapshot_error_quark  (void);

/**
 * OuroSnapshotError:
 * @OURO_SNAPSHOT_ERROR_SYNTAX: not JSON
 * @OURO_SNAPSHOT_ERROR_FORMAT: JSON, but not an Ouro snapshot
 * @OURO_SNAPSHOT_ERROR_VERSION: a snapshot of a schema version this
 *   library does not read
 * @OURO_SNAPSHOT_ERROR_INVALID: a snapshot with a key missing or of the
 *   wrong type, or counts and sizes that do not add up
 */
typedef enum {
  OURO_SNAPSHOT_ERROR_SYNTAX,
  OURO_SNAPSHOT_ERROR_FORMAT,
  OURO_SNAPSHOT_ERROR_VERSION,
  OURO_SNAPSHOT_ERROR_INVALID,
} OuroSnapshotError;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OuroSnapshot, ouro_snapshot_free)

G_END_DECLS
