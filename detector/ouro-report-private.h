/* ouro-report-private.h — the layout of OuroReport, shared by the builder,
 * the JSON loader and the writers.
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

/* Bytes of one description a report keeps (a UTF-8 character is never
 * split; "…" marks the cut): a describe returning megabytes must not make
 * every report form megabytes per object. */
#define OURO_REPORT_MAX_DESCRIPTION 256

/* Objects JSON lists per array (a cycle's members, its held objects, the
 * live summary's roots); the counts beside them give the totals, so a leak
 * of a million objects writes kilobytes, not a hundred megabytes.  Also
 * how many roots a report keeps. */
#define OURO_REPORT_MAX_LISTED 1000

/* Sites kept per object: the explain function may add more; they are
 * counted, not kept. */
#define OURO_REPORT_MAX_SITES 64

/* One place where outstanding references to an object were taken, as an
 * explain function reported it. */
typedef struct {
  guint       count;        /* references taken there, not yet released; >= 1 */
  const char *kind;         /* interned ("new", "ref", ...); in a report read
                               from JSON, owned by the report's strings */
  char      **frames;       /* NULL-terminated, innermost first, valid UTF-8 */
  gint        program_frame;  /* index in frames of the innermost frame in the
                                 program's own code; -1: none, or not known */
} OuroReportSite;

/* What holds an object from outside the tracked graph, as a holder
 * function reported it (ouro_explanation_add_holder ()): a main-context
 * source, a pending task.  Not a reference site: its count is not added
 * to the sites'. */
typedef struct {
  guint       count;        /* references it holds; >= 1 */
  char       *holder;       /* valid UTF-8: "timeout source (100 ms, default main context)" */
  char       *note;         /* NULL, or valid UTF-8: "likely leak: ..." */
  char      **frames;       /* NULL-terminated, innermost first: where it was added */
} OuroReportHolder;

typedef struct {
  gpointer        object;
  const char     *type_name;    /* interned (a report read from JSON: its strings) */
  const char     *class_name;   /* interned (likewise) */
  char           *description;  /* NULL when not captured */
  char           *address;      /* NULL, or how a report read from JSON wrote the
                                   address when "%p" of @object would not */
  guint           refcount;
  guint           explained;    /* references visited from tracked objects */
  gboolean        own;          /* the program's own (ouro_set_own_func ()) */
  guint32         node;         /* tracking order at scan time */
  /* What the explain function said; all empty unless explained_by_ledger. */
  gboolean        explained_by_ledger;
  OuroReportSite *sites;
  guint           n_sites;
  guint           n_sites_dropped;     /* sites past OURO_REPORT_MAX_SITES */
  guint64         n_references_dropped; /* their counts, summed */
  /* What the holder function said (at most OURO_REPORT_MAX_SITES). */
  OuroReportHolder *holders;
  guint           n_holders;
} OuroReportObject;

/* Filled by an explain function through ouro_explanation_add_site (); lives
 * on the report builder's stack for one call. */
struct _OuroExplanation {
  OuroReportSite *sites;        /* [allocated], of which n_sites are used */
  guint           n_sites;
  guint           allocated;
  guint           n_sites_dropped;
  guint64         n_references_dropped;
  OuroReportHolder *holders;    /* [holders_allocated], of which n_holders are used */
  guint           n_holders;
  guint           holders_allocated;
};

/* What a built report keeps of a member or held object past the first
 * OURO_REPORT_MAX_LISTED of its cycle: no writer shows it, but
 * ouro_report_get_cycle_object () and the leak check's fingerprints and
 * ignored types read it.  16 bytes where a full record takes 88: a
 * million-object leak's report was most of its scan's peak memory. */
typedef struct {
  gpointer    object;
  const char *type_name;    /* interned */
} OuroReportBrief;

typedef struct {
  guint       from;         /* member index in the cycle */
  guint       to;
  const char *label;        /* interned */
  gboolean    weak;
  /* A candidate reference (a probable cycle's edge read from memory), and
   * its evidence: the held member's references no proven edge explains,
   * and a site where the ledger saw one taken in a function of the
   * holder's type (interned; NULL when none). */
  gboolean    probable;
  guint       unexplained;
  const char *taken_in;
} OuroReportEdge;

/* members[] and held[] hold n_members and n_held entries, at most
 * OURO_REPORT_MAX_LISTED each, and the totals, which the writers show, are
 * n_members_total and n_held_total.  A built report keeps the rest in
 * members_past and held_past (NULL when there is no rest); a report read
 * from JSON has only what the JSON listed. */
typedef struct {
  gboolean          garbage;
  gboolean          probable;   /* garbage when candidate references count;
                                   never with garbage */
  OuroReportObject *members;    /* in cycle order, canonical member first */
  guint             n_members;
  guint             n_members_total;
  OuroReportBrief  *members_past; /* [n_members_total - n_members] when built */
  OuroReportEdge   *edges;      /* between described members, by source */
  guint             n_edges;
  gint              weak_edge;  /* index into edges; -1 when none */
  OuroReportObject *held;       /* garbage in no cycle that this one holds */
  guint             n_held;
  guint             n_held_total;
  OuroReportBrief  *held_past;  /* [n_held_total - n_held] when built */
} OuroReportCycle;

/* Entry @index of a cycle's members or held objects into @out: from
 * @listed (@n_listed of them), else from @past.  Returns FALSE when the
 * report does not have it (one read from JSON has only the listed ones). */
static inline gboolean
ouro_report_brief_at (const OuroReportObject *listed,
                      guint                   n_listed,
                      const OuroReportBrief  *past,
                      guint                   index,
                      OuroReportBrief        *out)
{
  if (index < n_listed)
    *out = (OuroReportBrief) { listed[index].object, listed[index].type_name };
  else if (past != NULL)
    *out = past[index - n_listed];
  else
    return FALSE;
  return TRUE;
}

/* Member @index (< n_members_total) of @cycle, as above. */
static inline gboolean
ouro_report_cycle_member_brief (const OuroReportCycle *cycle,
                                guint                  index,
                                OuroReportBrief       *out)
{
  return ouro_report_brief_at (cycle->members, cycle->n_members, cycle->members_past, index, out);
}

/* Held object @index (< n_held_total) of @cycle, as above. */
static inline gboolean
ouro_report_cycle_held_brief (const OuroReportCycle *cycle,
                              guint                  index,
                              OuroReportBrief       *out)
{
  return ouro_report_brief_at (cycle->held, cycle->n_held, cycle->held_past, index, out);
}

typedef struct {
  const char *type_name;        /* interned (a report read from JSON: its strings) */
  guint       count;
  gboolean    own;              /* the program's own type */
} OuroReportTypeCount;

struct _OuroReport {
  OuroScanFlags     flags;
  guint             n_tracked;
  guint             n_edges;
  guint64           n_ignored_visits;
  guint             n_changed;      /* candidates the confirmation refused; not in JSON */
  guint             n_garbage;
  OuroReportCycle  *cycles;
  guint             n_cycles;
  guint             n_garbage_cycles;
  guint             n_probable;      /* probable garbage (OURO_SCAN_PROBABLE) */
  guint             n_probable_cycles; /* cycles with probable, after the
                                          garbage ones */
  OuroReportObject *inconsistent;
  guint             n_inconsistent;
  gpointer         *garbage_sorted;  /* [n_garbage_sorted]; sorted by address on
                                        the first is_garbage, under garbage_sort_once */
  guint             n_garbage_sorted; /* n_garbage, or in a report read from JSON
                                         the listed garbage whose address parsed */
  gsize             garbage_sort_once;
  guint             n_described;
  gboolean          truncated;       /* some objects were not described */

  /* The live summary (OURO_SCAN_LIVE_SUMMARY in flags; empty otherwise). */
  OuroReportTypeCount *alive_by_type;   /* count descending, then name */
  guint             n_alive_types;
  OuroReportObject *roots;           /* [n_roots_listed]: the program's own
                                        first, each part in tracking order */
  guint             n_roots_listed;
  guint             n_roots;         /* all of them, listed or not */
  guint             n_own_roots;     /* of them, the program's own */

  GStringChunk     *strings;         /* a report read from JSON: owns its type,
                                        class, label and kind strings; NULL otherwise */

  /* OuroReportLate: the described objects whose class has describe_late,
   * in the order describe was called; set by the build under the
   * registry lock, emptied by ouro_report_describe_late () after it.
   * NULL when there are none, and in every report a caller sees. */
  GArray           *late;
};

typedef struct {
  OuroReportObject *out;
  const OuroClass  *klass;
} OuroReportLate;

/* After it: every object of @report whose describe was called has had
 * its class's describe_late too, its text appended to the description.
 * Runs application code: requires the registry lock released (the scan's
 * own thread, after ouro_registry_unlock_after_scan ()). */
void        ouro_report_describe_late (OuroReport *report);

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

/* Returns @object's address as every writer shows it: the text it was read
 * with, or "%p" of the pointer written into @buffer. */
const char *ouro_report_object_address (const OuroReportObject *object,
                                        char                    buffer[32]);

/* ouro-report.c: after it, @object owns nothing (description, address,
 * sites). */
void        ouro_report_object_clear (OuroReportObject *object);

G_END_DECLS
