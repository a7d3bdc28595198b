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

OURO_AVAILABLE_IN_ALL
char       *ouro_report_to_text           (OuroReport *report);
OURO_AVAILABLE_IN_ALL
char       *ouro_report_to_json           (OuroReport *report);
OURO_AVAILABLE_IN_ALL
char       *ouro_report_to_dot            (OuroReport *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OuroReport, ouro_report_free)

G_END_DECLS
