/* ouro-scan.h — finding garbage cycles, and breaking them.
 *
 * Part of the public API: include <ouro.h>, not this file.
 * MT safe: scans are serialised with the registry; see ouro-scan.c.
 */
#pragma once

#if !defined(OURO_INSIDE) && !defined(OURO_COMPILATION)
# error "Only <ouro.h> can be included directly."
#endif

#include "ouro-types.h"

G_BEGIN_DECLS

/**
 * OuroScanFlags:
 * @OURO_SCAN_GARBAGE: report garbage cycles and the objects they hold
 * @OURO_SCAN_ALL_CYCLES: also report strong cycles among live objects,
 *   flagged as live
 * @OURO_SCAN_LIVE_SUMMARY: also count live objects by type and list the
 *   objects held from outside the tracked ones (refcount above the
 *   references found), with the reference sites the explain function gives;
 *   what `ouro run` writes at exit
 */
typedef enum {
  OURO_SCAN_GARBAGE      = 0,
  OURO_SCAN_ALL_CYCLES   = 1 << 0,
  OURO_SCAN_LIVE_SUMMARY = 1 << 1,
} OuroScanFlags;

typedef struct _OuroReport OuroReport;

OURO_AVAILABLE_IN_ALL
OuroReport *ouro_scan    (OuroScanFlags flags);

/* Addition to the contract. */
OURO_AVAILABLE_IN_ALL
void        ouro_visit_weak (OuroVisitFunc visit,
                             gpointer      target,
                             const char   *label,
                             gpointer      user_data);
OURO_AVAILABLE_IN_ALL
guint       ouro_collect (void);

G_END_DECLS
