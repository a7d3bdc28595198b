/* ouro-report-private.h — the layout of OuroReport, shared by the builder
 * and the writers.
 *
 * A report is immutable once built; see ouro-report.h for thread safety.
 */
#pragma once

#include "ouro-types.h"
#include "ouro-scan.h"
#include "ouro-graph-private.h"

G_BEGIN_DECLS

/* Descriptions are captured (describe() called) for at most this many
 * objects per report, in report order; the rest show type and address. */
#define OURO_REPORT_MAX_DESCRIBED 1000
G_STATIC_ASSERT (OURO_REPORT_MAX_DESCRIBED <= 1000);   /* JSON lists 1000 members */

typedef struct {
  gpointer    object;
  const char *type_name;    /* interned */
  const char *class_name;   /* interned */
  char       *description;  /* NULL when not captured */
  guint       refcount;
  guint       explained;    /* references visited from tracked objects */
  guint32     node;         /* tracking order at scan time */
} OuroReportObject;

typedef struct {
  guint       from;         /* member index in the cycle */
  guint       to;
  const char *label;        /* interned */
  gboolean    weak;
} OuroReportEdge;

typedef struct {
  gboolean          garbage;
  OuroReportObject *members;    /* in cycle order, canonical member first */
  guint             n_members;
  OuroReportEdge   *edges;      /* between described members, by source */
  guint             n_edges;
  gint              weak_edge;  /* index into edges; -1 when none */
  OuroReportObject *held;       /* garbage in no cycle that this one holds */
  guint             n_held;
} OuroReportCycle;

struct _OuroReport {
  OuroScanFlags     flags;
  guint             n_tracked;
  guint             n_edges;
  guint64           n_ignored_visits;
  guint             n_garbage;
  OuroReportCycle  *cycles;
  guint             n_cycles;
  guint             n_garbage_cycles;
  OuroReportObject *inconsistent;
  guint             n_inconsistent;
  gpointer         *garbage_sorted;  /* [n_garbage]; sorted by address on the
                                        first is_garbage, under garbage_sort_once */
  gsize             garbage_sort_once;
  guint             n_described;
  gboolean          truncated;       /* some objects were not described */
};

/* After it: a report of what @graph holds, whose phases have all run.
 * Requires the registry lock (it calls describe and traverse). */
OuroReport *ouro_report_build (OuroGraph     *graph,
                               OuroScanFlags  flags);

/* ouro-report-text.c: appends cycle @cycle as ouro_report_to_text ()
 * shows it, numbered @number. */
void        ouro_report_append_cycle_text (GString    *out,
                                           OuroReport *report,
                                           guint       cycle,
                                           guint       number);

/* ouro-report-text.c: appends "Type 0xADDR description", or the
 * description alone when it already starts with the type name (the GObject
 * glue's describe does), control characters escaped so it stays on one
 * line.  @description may be NULL. */
void        ouro_report_append_identity (GString    *out,
                                         const char *type_name,
                                         gpointer    object,
                                         const char *description);

/* Shared by the writers. */
guint       ouro_report_count_objects_in_cycles (OuroReport *report,
                                                 gboolean    garbage);

G_END_DECLS
