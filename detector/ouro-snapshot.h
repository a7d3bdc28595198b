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
OURO_AVAILABLE_IN_ALL
guint64       ouro_snapshot_get_size     (OuroSnapshot *snapshot,
                                          const char   *type_name);
OURO_AVAILABLE_IN_ALL
guint64       ouro_snapshot_get_total_size (OuroSnapshot *snapshot);

/* Kept and read back (ouro-snapshot-json.c; docs/snapshot-json.md). */
OURO_AVAILABLE_IN_ALL
char         *ouro_snapshot_to_json      (OuroSnapshot *snapshot);
OURO_AVAILABLE_IN_ALL
OuroSnapshot *ouro_snapshot_new_from_json (const char  *json,
                                           gssize       length,
                                           GError     **error);

/* What grew, by type, with counts and sizes (ouro-snapshot-compare.c):
 * tracemalloc's compare_to (), what `ouro diff` prints. */
OURO_AVAILABLE_IN_ALL
char         *ouro_snapshot_compare_to_text (OuroSnapshot *before,
                                             OuroSnapshot *after,
                                             guint         limit);
OURO_AVAILABLE_IN_ALL
char         *ouro_snapshot_compare_to_json (OuroSnapshot *before,
                                             OuroSnapshot *after,
                                             guint         limit);

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
