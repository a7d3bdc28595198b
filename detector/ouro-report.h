/* ouro-report.h — what a scan found, and its text, JSON and DOT forms.
 *
 * Part of the public API: include <ouro.h>, not this file.
 * A report is an immutable value: it owns copies of everything it shows
 * (type names, descriptions), so it stays readable after the objects it
 * names are gone.  Its functions may be called from any thread; one report
 * must not be freed while another thread reads it.
 */
#pragma once

#if !defined(OURO_INSIDE) && !defined(OURO_COMPILATION)
# error "Only <ouro.h> can be included directly."
#endif

#include "ouro-types.h"
#include "ouro-scan.h"

G_BEGIN_DECLS

OURO_AVAILABLE_IN_ALL
void        ouro_report_free              (OuroReport *report);
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_n_garbage     (OuroReport *report);
OURO_AVAILABLE_IN_ALL
gboolean    ouro_report_is_garbage        (OuroReport *report,
                                           gpointer    object);
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_n_cycles      (OuroReport *report);
OURO_AVAILABLE_IN_ALL
gboolean    ouro_report_cycle_is_garbage  (OuroReport *report,
                                           guint       cycle);
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_cycle_size    (OuroReport *report,
                                           guint       cycle);
OURO_AVAILABLE_IN_ALL
gpointer    ouro_report_get_cycle_object  (OuroReport *report,
                                           guint       cycle,
                                           guint       index);
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_n_inconsistent(OuroReport *report);

/* Additions to the contract. */
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_n_unconfirmed (OuroReport *report);
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_n_tracked     (OuroReport *report);
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_cycle_n_held  (OuroReport *report,
                                           guint       cycle);
OURO_AVAILABLE_IN_ALL
gboolean    ouro_report_get_cycle_weak_edge (OuroReport  *report,
                                             guint        cycle,
                                             guint       *out_from,
                                             guint       *out_to,
                                             const char **out_label);
OURO_AVAILABLE_IN_ALL
gpointer    ouro_report_get_inconsistent_object (OuroReport *report,
                                                 guint       index);

/* The probable tier (OURO_SCAN_PROBABLE; empty otherwise): never counted
 * by the accessors of garbage above. */
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_n_probable    (OuroReport *report);
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_n_probable_cycles (OuroReport *report);
OURO_AVAILABLE_IN_ALL
gboolean    ouro_report_cycle_is_probable (OuroReport *report,
                                           guint       cycle);

 /* The live summary (OURO_SCAN_LIVE_SUMMARY; empty otherwise).  Types are
 * ordered by count, most first, then by name; roots are the live objects
 * held from outside the tracked ones, in tracking order, at most 1000.
 * When an own-object function is set (ouro_set_own_func ()), the
 * program's own types and roots come first, each part in that order. */
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_n_alive_types (OuroReport *report);
OURO_AVAILABLE_IN_ALL
const char *ouro_report_get_alive_type    (OuroReport *report,
                                           guint       index,
                                           guint      *out_count);
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_n_roots       (OuroReport *report);
OURO_AVAILABLE_IN_ALL
gpointer    ouro_report_get_root_object   (OuroReport *report,
                                           guint       index);
/* How many roots are the program's own (0 without an own-object function). */
OURO_AVAILABLE_IN_ALL
guint       ouro_report_get_n_own_roots   (OuroReport *report);
/* Whether listed root @index is the program's own. */
OURO_AVAILABLE_IN_ALL
gboolean    ouro_report_root_is_own       (OuroReport *report,
                                           guint       index);

/**
 * OuroExplanation:
 *
 * Where one reported object's references were taken, as an explain
 * function fills it in (opaque; valid only during the call).
 */
typedef struct _OuroExplanation OuroExplanation;

/**
 * OuroExplainFunc:
 * @object: an object the report shows whose refcount is above the
 *   references found from tracked objects
 * @explanation: add the sites of its outstanding references here
 * @user_data: what ouro_set_explain_func () was given
 *
 * Called while a report is built, on the scanning thread with the registry
 * locked: it must not track, untrack or scan.  The GObject preload's
 * reference ledger is one.
 */
typedef void (*OuroExplainFunc) (gpointer         object,
                                 OuroExplanation *explanation,
                                 gpointer         user_data);

/* Sets (or with NULL, unsets) the process's explain function.  MT safe;
 * takes effect from the next report built. */
OURO_AVAILABLE_IN_ALL
void        ouro_set_explain_func         (OuroExplainFunc func,
                                           gpointer        user_data);

/* Sets (or with NULL, unsets) the process's holder function: called like
 * the explain function, for the same objects, to say what holds them from
 * outside the tracked graph (ouro_explanation_add_holder ()); the GObject
 * glue sets one.  A second hook rather than a second explain function:
 * the two answer different questions (who holds it now, where its
 * references were taken), are set by different layers, and a report must
 * tell "the ledger saw nothing" from "no ledger ran".  MT safe; takes
 * effect from the next report built. */
OURO_AVAILABLE_IN_ALL
void        ouro_set_holder_func          (OuroExplainFunc func,
                                           gpointer        user_data);

/**
 * OuroOwnFunc:
 * @object: a tracked object
 * @klass: its class
 * @user_data: what ouro_set_own_func () was given
 *
 * Returns whether @object is the program's own (for GObjects: its type
 * was registered by the main executable or a library outside the
 * system's library directories).  Reports list the program's own objects
 * first in every section, and say how many of them are held by references
 * nothing tracked explains.  Called while a report is built, on the
 * scanning thread with the registry locked: it must not track, untrack or
 * scan, nor run application code.
 */
typedef gboolean (*OuroOwnFunc) (gpointer         object,
                                 const OuroClass *klass,
                                 gpointer         user_data);

/* Sets (or with NULL, unsets) the process's own-object function.  MT safe;
 * takes effect from the next report built. */
OURO_AVAILABLE_IN_ALL
void        ouro_set_own_func             (OuroOwnFunc     func,
                                           gpointer        user_data);

/* Adds one site: @count outstanding references taken at @frames (symbolised
 * call frames, innermost first, NULL-terminated; copied) by @kind
 * ("new", "ref", "ref_sink": a static string). */
OURO_AVAILABLE_IN_ALL
void        ouro_explanation_add_site     (OuroExplanation    *explanation,
                                           guint               count,
                                           const char         *kind,
                                           const char * const *frames);
/* The same, saying which of @frames is the innermost in the program's own
 * code (@program_frame, an index; -1 when none is): reports name that
 * frame, with the library frames inside it as context. */
OURO_AVAILABLE_IN_ALL
void        ouro_explanation_add_site_full (OuroExplanation    *explanation,
                                            guint               count,
                                            const char         *kind,
                                            const char * const *frames,
                                            gint                program_frame);

/* Adds one holder: something outside the tracked objects that holds
 * @count references to the object, described by @holder ("timeout source
 * (100 ms, default main context)"), with an optional @note ("likely leak:
 * ...") and the @frames where it was added (innermost first,
 * NULL-terminated, may be NULL); all copied.  Holders are not reference
 * sites: they say who holds the object, not where the reference was
 * taken, and their counts are not added to the sites'.  A report keeps
 * the first 64 of an object. */
OURO_AVAILABLE_IN_ALL
void        ouro_explanation_add_holder   (OuroExplanation    *explanation,
                                           guint               count,
                                           const char         *holder,
                                           const char         *note,
                                           const char * const *frames);

/**
 * OURO_REPORT_ERROR:
 *
 * The error domain of ouro_report_new_from_json ().  Messages start with
 * "line L, column C: " and, past the JSON syntax, name the key at fault
 * ("cycles[2].edges[0].to: 7 is not a member index (the cycle lists 3
 * members)").
 */
#define OURO_REPORT_ERROR (ouro_report_error_quark ())

/**
 * OuroReportError:
 * @OURO_REPORT_ERROR_SYNTAX: not JSON (RFC 8259, strictly: valid UTF-8, no
 *   duplicate keys), nested deeper than 64 levels, or larger than 256 MiB
 * @OURO_REPORT_ERROR_FORMAT: JSON, but not an Ouro report ("format" is not
 *   "ouro-report")
 * @OURO_REPORT_ERROR_VERSION: a report of a schema version this library
 *   does not read
 * @OURO_REPORT_ERROR_INVALID: a report with a key missing or of the wrong
 *   type, an index out of range, or counts that contradict each other
 */
typedef enum {
  OURO_REPORT_ERROR_SYNTAX,
  OURO_REPORT_ERROR_FORMAT,
  OURO_REPORT_ERROR_VERSION,
  OURO_REPORT_ERROR_INVALID,
} OuroReportError;

OURO_AVAILABLE_IN_ALL
GQuark      ouro_report_error_quark       (void);

/* Reads a report written by ouro_report_to_json () (schema version 1; keys
 * it does not know are ignored) back into a report whose text, JSON and DOT
 * forms are the original's.  Objects in it are addresses of another
 * process: never dereference them.  NULL with @error set on malformed
 * input. */
OURO_AVAILABLE_IN_ALL
OuroReport *ouro_report_new_from_json     (const char *json,
                                           gssize      length,
                                           GError    **error);

OURO_AVAILABLE_IN_ALL
char       *ouro_report_to_text           (OuroReport *report);
OURO_AVAILABLE_IN_ALL
char       *ouro_report_to_json           (OuroReport *report);
OURO_AVAILABLE_IN_ALL
char       *ouro_report_to_dot            (OuroReport *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OuroReport, ouro_report_free)

G_END_DECLS
