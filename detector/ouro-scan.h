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
 * @OURO_SCAN_PROBABLE: also look for probable garbage: trial deletion once
 *   more, with the candidate references the candidates function finds
 *   (ouro_set_candidates_func (): for GObjects, pointer fields read from
 *   memory) counted too.  Reported in a tier of its own with its evidence;
 *   never counted as garbage, never collected
 */
typedef enum {
  OURO_SCAN_GARBAGE      = 0,
  OURO_SCAN_ALL_CYCLES   = 1 << 0,
  OURO_SCAN_LIVE_SUMMARY = 1 << 1,
  OURO_SCAN_PROBABLE     = 1 << 2,
} OuroScanFlags;

/**
 * OuroCandidatesFunc:
 * @object: a tracked object
 * @klass: its class
 * @visit: call it for each candidate reference, with a label naming where
 *   the pointer is ("field priv->buffer"; a static or interned string)
 * @visit_data: pass it to @visit
 * @user_data: what ouro_set_candidates_func () was given
 *
 * Visits @object's candidate references: pointers that may be references
 * it holds, which no traverse function vouches for.  Pointers to objects
 * that are not tracked are ignored, as are candidates a traverse function
 * already reported between the same two objects.  Called on the scanning
 * thread with the registry locked: it must not track, untrack or scan,
 * nor run application code.
 */
typedef void (*OuroCandidatesFunc) (gpointer         object,
                                    const OuroClass *klass,
                                    OuroVisitFunc    visit,
                                    gpointer         visit_data,
                                    gpointer         user_data);

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
OURO_AVAILABLE_IN_ALL
void        ouro_set_candidates_func (OuroCandidatesFunc func,
                                      gpointer           user_data);

G_END_DECLS
