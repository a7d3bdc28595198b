/* ouro-report-text.c — a report as text for a person at a terminal.
 *
 * MT safe: reads an immutable report.
 *
 * The first line answers "does it leak?": how many objects, in how many
 * garbage cycles.  Then each cycle: its members in cycle order, the
 * labelled references that close it, the one to make weak, and the garbage
 * it holds; then the objects whose traverse over-reports; then, with the
 * live summary, the live objects by type and the ones held from outside.
 * Under an object the explain function was asked about come the sites its
 * references were taken at.  Addresses are printed as 0x… so that tests
 * can mask them.
 */
#include "config.h"

#include <string.h>

#include "ouro-report-private.h"
#include "ouro-report.h"

#define TEXT_MAX_MEMBERS 50
#define TEXT_MAX_EDGES   100
#define TEXT_MAX_HELD    20
#define TEXT_MAX_FRAMES  8
#define TEXT_MAX_TYPES   40
#define TEXT_MAX_ROOTS   50
/* Cycles shown (garbage ones come first): each is at most ~15 KB, so the
 * text stays under a megabyte with millions of cycles; the first line has
 * the totals. */
#define TEXT_MAX_CYCLES  50

static const char *
text_plural (guint        n,
             const char  *singular,
             const char  *plural)
{
  return n == 1 ? singular : plural;
}

/* Appends @text with control characters escaped, so one object stays on
 * one line. */
static void
text_append_one_line (GString    *out,
                      const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
}

/* @text as text_append_one_line () writes it: a new string. */
static char *
text_one_line (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  text_append_one_line (out, text);
  return g_string_free (out, FALSE);
}

/* As ouro_report_append_identity (), the address already written. */
static void
text_append_identity_at (GString    *out,
                         const char *type_name,
                         const char *address,
                         const char *description)
{
  if (description == NULL || !g_str_has_prefix (description, type_name))
    {
      text_append_one_line (out, type_name);
      g_string_append_c (out, ' ');
      text_append_one_line (out, address);
    }
  if (description != NULL)
    {
      if (!g_str_has_prefix (description, type_name))
        g_string_append_c (out, ' ');
      text_append_one_line (out, description);
    }
}

void
ouro_report_append_identity (GString    *out,
                             const char *type_name,
                             gpointer    object,
                             const char *description)
{
  char address[32];

  g_snprintf (address, sizeof address, "%p", object);
  text_append_identity_at (out, type_name, address, description);
}

static void
text_append_identity (GString                *out,
                      const OuroReportObject *object)
{
  char buffer[32];

  text_append_identity_at (out, object->type_name, ouro_report_object_address (object, buffer),
                           object->description);
}

/* Appends @frames past the first (a line each, "called from ...", at
 * @indent columns), at most TEXT_MAX_FRAMES in all, then how many more. */
static void
text_append_outer_frames (GString     *out,
                          char *const *frames,
                          int          indent)
{
  guint n_frames = g_strv_length ((char **) frames);

  for (guint f = 1; f < MIN (n_frames, TEXT_MAX_FRAMES); f++)
    {
      g_string_append_printf (out, "%*scalled from ", indent, "");
      text_append_one_line (out, frames[f]);
      g_string_append_c (out, '\n');
    }
  if (n_frames > TEXT_MAX_FRAMES)
    g_string_append_printf (out, "%*s... %u more %s\n", indent, "",
                            n_frames - TEXT_MAX_FRAMES,
                            text_plural (n_frames - TEXT_MAX_FRAMES, "frame", "frames"));
}

/* Appends, under the line of an object (whose text starts @indent
 * columns in), what holds it from outside, as the holder function said:
 * "held by: HOLDER, added at FRAME", further frames, then its note. */
static void
text_append_holders (GString                *out,
                     const OuroReportObject *object,
                     int                     indent)
{
  for (guint i = 0; i < object->n_holders; i++)
    {
      const OuroReportHolder *holder = &object->holders[i];

      g_string_append_printf (out, "%*sheld by", indent + 4, "");
      if (holder->count > 1)
        g_string_append_printf (out, " (%u references)", holder->count);
      g_string_append (out, ": ");
      text_append_one_line (out, holder->holder);
      if (holder->frames[0] != NULL)
        {
          g_string_append (out, ", added at ");
          text_append_one_line (out, holder->frames[0]);
        }
      g_string_append_c (out, '\n');
      text_append_outer_frames (out, holder->frames, indent + 8);
      if (holder->note != NULL)
        {
          g_string_append_printf (out, "%*s", indent + 6, "");
          text_append_one_line (out, holder->note);
          g_string_append_c (out, '\n');
        }
    }
}

/* Appends, under a site's first line (which showed @site's frame @named
 * and, when @named is past 0, the one inside it), the rest of its
 * @n_frames frames in call order, at most TEXT_MAX_FRAMES in all: the
 * library frames the program's frame called through, inward ("via"), down
 * to the innermost, where the reference was taken (kept when the middle
 * is left out), then the named frame's callers ("called from"). */
static void
text_append_site_frames (GString              *out,
                         const OuroReportSite *site,
                         guint                 n_frames,
                         guint                 named,
                         int                   indent)
{
  guint budget = n_frames == 0 ? 0 : TEXT_MAX_FRAMES - (named > 0 ? 2 : 1);
  guint n_inward = named > 1 ? named - 1 : 0;   /* frames named - 2 to 0 */
  guint n_outward = n_frames > named ? n_frames - named - 1 : 0;
  guint n_shown_outward;

  for (guint i = 0; i < n_inward; i++)
    {
      guint f = named - 2 - i;

      if (n_inward > budget && i == budget - 1)
        {
          /* Too deep: the middle goes, the innermost frame stays. */
          g_string_append_printf (out, "%*svia ... %u more %s\n", indent, "", n_inward - budget,
                                  text_plural (n_inward - budget, "frame", "frames"));
          f = 0;
        }
      g_string_append_printf (out, "%*svia ", indent, "");
      text_append_one_line (out, site->frames[f]);
      g_string_append_c (out, '\n');
      if (f == 0)
        break;
    }
  budget -= MIN (budget, n_inward);
  n_shown_outward = MIN (budget, n_outward);
  for (guint i = 0; i < n_shown_outward; i++)
    {
      g_string_append_printf (out, "%*scalled from ", indent, "");
      text_append_one_line (out, site->frames[named + 1 + i]);
      g_string_append_c (out, '\n');
    }
  if (n_outward > n_shown_outward)
    g_string_append_printf (out, "%*s... %u more %s\n", indent, "", n_outward - n_shown_outward,
                            text_plural (n_outward - n_shown_outward, "frame", "frames"));
}

/* Appends, under the line of an object (whose text starts @indent columns
 * in), its holders; then, when the explain function was asked about it,
 * where its outstanding references were taken, and how many of its
 * refcount no site accounts for. */
static void
text_append_references (GString                *out,
                        const OuroReportObject *object,
                        int                     indent)
{
  guint64 on_record = object->n_references_dropped;

  text_append_holders (out, object, indent);
  if (!object->explained_by_ledger)
    return;
  for (guint i = 0; i < object->n_sites; i++)
    on_record += object->sites[i].count;

  if (object->n_sites == 0 && object->n_sites_dropped == 0)
    {
      g_string_append_printf (out, "%*sno references on record", indent + 4, "");
      if (object->refcount > 0)
        g_string_append_printf (out, ": %u unattributed", object->refcount);
      g_string_append_c (out, '\n');
      return;
    }

  g_string_append_printf (out, "%*sreferences on record:\n", indent + 4, "");
  for (guint i = 0; i < object->n_sites; i++)
    {
      const OuroReportSite *site = &object->sites[i];
      guint n_frames = g_strv_length (site->frames);
      /* The frame named: the innermost in the program's code, when one is
       * (a reference a library took on the program's behalf). */
      guint named = site->program_frame > 0 && (guint) site->program_frame < n_frames
                    ? (guint) site->program_frame : 0;

      g_string_append_printf (out, "%*s%u ", indent + 6, "", site->count);
      text_append_one_line (out, site->kind);
      if (n_frames == 0)
        g_string_append (out, " at an unknown place\n");
      else
        {
          g_string_append (out, " at ");
          text_append_one_line (out, site->frames[named]);
          if (named > 0)
            {
              g_string_append (out, " via ");
              text_append_one_line (out, site->frames[named - 1]);
            }
          g_string_append_c (out, '\n');
        }
      text_append_site_frames (out, site, n_frames, named, indent + 10);
    }
  if (object->n_sites_dropped > 0)
    g_string_append_printf (out, "%*s... and %u more %s (%" G_GUINT64_FORMAT " %s)\n",
                            indent + 6, "", object->n_sites_dropped,
                            text_plural (object->n_sites_dropped, "site", "sites"),
                            object->n_references_dropped,
                            object->n_references_dropped == 1 ? "reference" : "references");
  if (object->refcount > on_record)
    g_string_append_printf (out, "%*s%" G_GUINT64_FORMAT " unattributed\n",
                            indent + 6, "", object->refcount - on_record);
  else if (on_record > object->refcount)
    g_string_append_printf (out, "%*s(%" G_GUINT64_FORMAT " more on record than the refcount: "
                            "released where they could not be seen)\n",
                            indent + 6, "", on_record - object->refcount);
}

static void
text_append_counts (GString                *out,
                    const OuroReportObject *object)
{
  g_string_append_printf (out, "refcount %u", object->refcount);
  if (object->explained == object->refcount)
    g_string_append (out, ", all explained");
  else if (object->explained < object->refcount)
    g_string_append_printf (out, ", %u explained, %u from outside",
                            object->explained, object->refcount - object->explained);
  else
    g_string_append_printf (out, ", visited %u %s", object->explained,
                            text_plural (object->explained, "time", "times"));
}

/* The edge of @cycle by which @edge's target took a reference in a
 * function of its own type (evidence), or NULL. */
static const OuroReportEdge *
text_owner_edge (const OuroReportCycle *cycle,
                 const OuroReportEdge  *edge)
{
  for (guint f = 0; f < cycle->n_edges; f++)
    if (cycle->edges[f].from == edge->to && cycle->edges[f].taken_in != NULL)
      return &cycle->edges[f];
  return NULL;
}

/* Appends the advice for the suggested edge, worded by the kind of
 * reference its label names ("signal ...", "qdata ...", anything else). */
static void
text_append_fix (GString               *out,
                 const OuroReportCycle *cycle,
                 const OuroReportEdge  *edge)
{
  const char *lead = cycle->garbage || cycle->probable ? "fix" : "to break it";
  g_autofree char *from_type = text_one_line (cycle->members[edge->from].type_name);
  g_autofree char *to_type = text_one_line (cycle->members[edge->to].type_name);
  g_autofree char *label = text_one_line (edge->label);
  const OuroReportEdge *owner_edge;

  if (g_str_has_prefix (edge->label, "signal "))
    g_string_append_printf (out, "  %s: the handler of [%s] on %s #%u keeps %s #%u alive; "
                            "connect it with ouro_signal_connect_weak () or "
                            "g_signal_connect_object (), or disconnect it in dispose\n",
                            lead, label, from_type, edge->from, to_type, edge->to);
  else if (g_str_has_prefix (edge->label, "binding transform "))
    g_string_append_printf (out, "  %s: the transform data of %s #%u [%s] keeps %s #%u alive; "
                            "pass it without g_object_unref as destroy notify (hold a "
                            "GWeakRef), or unbind in dispose\n",
                            lead, from_type, edge->from, label, to_type, edge->to);
  else if (g_str_equal (edge->label, "expression closure data"))
    g_string_append_printf (out, "  %s: the callback data of %s #%u keeps %s #%u alive; "
                            "make its closure with g_cclosure_new_object () (or pass the "
                            "data without g_object_unref as destroy notify), or drop the "
                            "expression in dispose\n",
                            lead, from_type, edge->from, to_type, edge->to);
  else if (g_str_has_prefix (edge->label, "qdata "))
    g_string_append_printf (out, "  %s: [%s] of %s #%u keeps %s #%u alive; attach it without "
                            "g_object_unref as destroy notify (hold a GWeakRef), or clear it "
                            "in dispose\n",
                            lead, label, from_type, edge->from, to_type, edge->to);
  else if (cycle->probable && edge->probable
           && (owner_edge = text_owner_edge (cycle, edge)) != NULL)
    {
      g_autofree char *taken_in = text_one_line (owner_edge->taken_in);

      g_string_append_printf (out, "  %s: if [%s] of %s #%u is a reference, make it weak (a "
                              "GWeakRef): it points back at %s #%u, which took its own "
                              "reference in %s; if it is borrowed, this is no cycle\n",
                              lead, label, from_type, edge->from, to_type, edge->to, taken_in);
    }
  else if (edge->from == edge->to)
    g_string_append_printf (out, "  %s: %s #%u holds itself through [%s]; "
                            "drop that reference or make it weak\n",
                            lead, from_type, edge->from, label);
  else if (edge->to == 0)
    g_string_append_printf (out, "  %s: make [%s] of %s #%u a weak reference: it points back "
                            "at %s #0, the member created first, which owns the rest\n",
                            lead, label, from_type, edge->from, to_type);
  else
    g_string_append_printf (out, "  %s: make [%s] of %s #%u a weak reference\n",
                            lead, label, from_type, edge->from);
}

/* Appends @object's line after what the caller wrote at its start
 * (@indent columns of it): identity and counts, then the sites of its
 * references. */
static void
text_append_object (GString                *out,
                    const OuroReportObject *object,
                    int                     indent)
{
  text_append_identity (out, object);
  g_string_append (out, "  (");
  text_append_counts (out, object);
  g_string_append (out, ")\n");
  text_append_references (out, object, indent);
}

/* The number a report gives the probable cycle @object is a listed member
 * of, or 0. */
static guint
text_probable_cycle_of (const OuroReport *report,
                        gconstpointer     object)
{
  for (guint c = report->n_garbage_cycles; c < report->n_cycles && report->cycles[c].probable; c++)
    for (guint i = 0; i < report->cycles[c].n_members; i++)
      if (report->cycles[c].members[i].object == object)
        return c + 1;
  return 0;
}

static void
text_append_cycle (GString               *out,
                   const OuroReport      *report,
                   const OuroReportCycle *cycle,
                   guint                  number)
{
  guint n_shown = MIN (cycle->n_members, TEXT_MAX_MEMBERS);
  guint n_held_shown = MIN (cycle->n_held, TEXT_MAX_HELD);

  g_string_append_printf (out, "\n%s cycle %u: %u %s",
                          cycle->garbage ? "Garbage" : cycle->probable ? "Probable garbage" : "Live",
                          number, cycle->n_members_total,
                          text_plural (cycle->n_members_total, "object", "objects"));
  if (cycle->garbage)
    g_string_append_printf (out, ", nothing outside holds %s\n",
                            cycle->n_members_total == 1 ? "it" : "them");
  else if (cycle->probable)
    g_string_append_printf (out, ", nothing outside holds %s if the fields marked (probable) "
                            "are references\n", cycle->n_members_total == 1 ? "it" : "them");
  else
    g_string_append (out, ", held from outside (not a leak while its holders live)\n");

  for (guint i = 0; i < n_shown; i++)
    {
      g_string_append_printf (out, "  #%u ", i);
      text_append_object (out, &cycle->members[i], 2);
    }
  if (n_shown < cycle->n_members_total)
    g_string_append_printf (out, "  ... and %u more members\n", cycle->n_members_total - n_shown);

  if (cycle->n_edges > 0)
    {
      g_string_append (out, "  references between them:\n");
      for (guint e = 0; e < MIN (cycle->n_edges, TEXT_MAX_EDGES); e++)
        {
          const OuroReportEdge *edge = &cycle->edges[e];
          g_autofree char *from_type = text_one_line (cycle->members[edge->from].type_name);
          g_autofree char *to_type = text_one_line (cycle->members[edge->to].type_name);
          g_autofree char *label = text_one_line (edge->label);

          g_string_append_printf (out, "    #%u %s --[%s]--> #%u %s%s%s%s\n",
                                  edge->from, from_type, label, edge->to, to_type,
                                  edge->weak ? "  (weak, not counted)" : "",
                                  edge->probable ? "  (probable)" : "",
                                  (gint) e == cycle->weak_edge ? "   <== make this one weak" : "");
          if (edge->probable)
            {
              g_string_append_printf (out, "        evidence: #%u has %u %s no proven edge "
                                      "explains", edge->to, edge->unexplained,
                                      text_plural (edge->unexplained, "reference", "references"));
              if (edge->taken_in != NULL)
                {
                  g_autofree char *site = text_one_line (edge->taken_in);

                  g_string_append_printf (out, "; one was taken in %s", site);
                }
              g_string_append_c (out, '\n');
            }
        }
      if (cycle->n_edges > TEXT_MAX_EDGES)
        g_string_append_printf (out, "    ... and %u more references\n", cycle->n_edges - TEXT_MAX_EDGES);
    }

  if (cycle->weak_edge >= 0)
    text_append_fix (out, cycle, &cycle->edges[cycle->weak_edge]);
  else if (cycle->n_members_total > 0)
    g_string_append (out, "  fix: no single reference to suggest (members without "
                          "descriptions have no edges listed)\n");

  if (cycle->n_held_total > 0)
    {
      g_string_append_printf (out, "  also garbage, held only through this cycle: %u %s\n",
                              cycle->n_held_total,
                              text_plural (cycle->n_held_total, "object", "objects"));
      for (guint i = 0; i < n_held_shown; i++)
        {
          g_string_append (out, "    ");
          text_append_object (out, &cycle->held[i], 4);
        }
      if (cycle->n_held_total > n_held_shown)
        g_string_append_printf (out, "    ... and %u more\n", cycle->n_held_total - n_held_shown);
    }
}

/* Appends the live summary: live objects by type, then the objects held
 * from outside the tracked ones, with their reference sites. */
static void
text_append_live_summary (GString          *out,
                          const OuroReport *report)
{
  guint64 n_alive = 0;
  guint n_types_shown = MIN (report->n_alive_types, TEXT_MAX_TYPES);
  guint n_roots_shown = MIN (report->n_roots_listed, TEXT_MAX_ROOTS);
  int width;

  for (guint i = 0; i < report->n_alive_types; i++)
    n_alive += report->alive_by_type[i].count;

  if (n_alive == 0)
    g_string_append (out, "\nAlive: no tracked objects\n");
  else
    g_string_append_printf (out, "\nAlive: %" G_GUINT64_FORMAT " %s of %u %s%s\n",
                            n_alive, n_alive == 1 ? "object" : "objects", report->n_alive_types,
                            text_plural (report->n_alive_types, "type", "types"),
                            report->n_alive_types > 0 && report->alive_by_type[0].own
                            ? " (the program's own types first)" : "");
  /* Counts right-aligned on the widest shown: the first of each part (the
   * program's own types, then the others) is its widest. */
  width = 0;
  for (guint i = 0; i < n_types_shown; i++)
    width = MAX (width, g_snprintf (NULL, 0, "%u", report->alive_by_type[i].count));
  for (guint i = 0; i < n_types_shown; i++)
    {
      g_string_append_printf (out, "  %*u  ", width, report->alive_by_type[i].count);
      text_append_one_line (out, report->alive_by_type[i].type_name);
      g_string_append_c (out, '\n');
    }
  if (report->n_alive_types > n_types_shown)
    g_string_append_printf (out, "  ... and %u more %s\n", report->n_alive_types - n_types_shown,
                            text_plural (report->n_alive_types - n_types_shown, "type", "types"));

  if (report->n_roots == 0)
    {
      g_string_append (out, "\nHeld from outside the tracked objects: none\n");
      return;
    }
  g_string_append_printf (out, "\nHeld from outside the tracked objects: %u %s",
                          report->n_roots, text_plural (report->n_roots, "object", "objects"));
  if (report->n_own_roots > 0)
    g_string_append_printf (out, ", %u of them the program's own (listed first)", report->n_own_roots);
  g_string_append_c (out, '\n');
  for (guint i = 0; i < n_roots_shown; i++)
    {
      guint cycle = text_probable_cycle_of (report, report->roots[i].object);

      g_string_append (out, "  ");
      if (cycle == 0)
        text_append_object (out, &report->roots[i], 2);
      else
        {
          /* Its line, then where the report says more. */
          text_append_identity (out, &report->roots[i]);
          g_string_append (out, "  (");
          text_append_counts (out, &report->roots[i]);
          g_string_append_printf (out, ")  probable garbage: see probable garbage cycle %u\n",
                                  cycle);
          text_append_references (out, &report->roots[i], 2);
        }
    }
  if (report->n_roots > n_roots_shown)
    g_string_append_printf (out, "  ... and %u more\n", report->n_roots - n_roots_shown);
}

void
ouro_report_append_cycle_text (GString    *out,
                               OuroReport *report,
                               guint       cycle,
                               guint       number)
{
  text_append_cycle (out, report, &report->cycles[cycle], number);
}

/**
 * ouro_report_to_text:
 *
 * Returns: (transfer full): the report as text, for a person; its first
 *   line says how many objects leak in how many cycles
 */
char *
ouro_report_to_text (OuroReport *report)
{
  GString *out;
  guint in_cycles;

  g_return_val_if_fail (report != NULL, NULL);

  out = g_string_new (NULL);
  in_cycles = ouro_report_count_objects_in_cycles (report, TRUE);

  if (report->n_garbage == 0 && report->n_own_roots > 0)
    /* Not "no leaks": a leak without a cycle (a source, a pending call, a
     * stray reference) holds the program's objects from outside. */
    g_string_append_printf (out, "ouro: no garbage cycles among %u tracked %s; %u of the "
                            "program's own objects %s held by references Ouro cannot explain "
                            "(listed first under \"Held from outside\")",
                            report->n_tracked, text_plural (report->n_tracked, "object", "objects"),
                            report->n_own_roots, text_plural (report->n_own_roots, "is", "are"));
  else if (report->n_garbage == 0)
    g_string_append_printf (out, "ouro: no leaks: no garbage among %u tracked %s",
                            report->n_tracked, text_plural (report->n_tracked, "object", "objects"));
  else
    g_string_append_printf (out, "ouro: %u %s leak in %u garbage %s "
                            "(%u in %s, %u held by %s); %u tracked",
                            report->n_garbage, text_plural (report->n_garbage, "object", "objects"),
                            report->n_garbage_cycles,
                            text_plural (report->n_garbage_cycles, "cycle", "cycles"),
                            in_cycles, text_plural (report->n_garbage_cycles, "the cycle", "cycles"),
                            report->n_garbage - in_cycles,
                            text_plural (report->n_garbage_cycles, "it", "them"),
                            report->n_tracked);
  if (report->n_probable_cycles > 0)
    g_string_append_printf (out, "; %u probable garbage %s in %u %s through pointer fields "
                            "(not proven)",
                            report->n_probable, text_plural (report->n_probable, "object", "objects"),
                            report->n_probable_cycles,
                            text_plural (report->n_probable_cycles, "cycle", "cycles"));
  if (report->n_cycles > report->n_garbage_cycles + report->n_probable_cycles)
    g_string_append_printf (out, "; %u live %s",
                            report->n_cycles - report->n_garbage_cycles - report->n_probable_cycles,
                            text_plural (report->n_cycles - report->n_garbage_cycles
                                         - report->n_probable_cycles, "cycle", "cycles"));
  if (report->n_inconsistent > 0)
    g_string_append_printf (out, "; %u inconsistent", report->n_inconsistent);
  g_string_append_c (out, '\n');
  if (report->n_changed > 0)
    g_string_append_printf (out, "ouro: %u %s changed while the scan read %s (another thread "
                            "at work) and %s counted as live this time\n",
                            report->n_changed,
                            text_plural (report->n_changed, "candidate", "candidates"),
                            text_plural (report->n_changed, "it", "them"),
                            text_plural (report->n_changed, "is", "are"));

  for (guint c = 0; c < MIN (report->n_cycles, TEXT_MAX_CYCLES); c++)
    {
      if (report->cycles[c].probable && c == report->n_garbage_cycles)
        g_string_append (out, "\nProbable garbage cycles: through pointer fields read from "
                              "memory, not proven (a field may hold a pointer it does not own); "
                              "never collected\n");
      text_append_cycle (out, report, &report->cycles[c], c + 1);
    }
  if (report->n_cycles > TEXT_MAX_CYCLES)
    {
      guint n_garbage_left = report->n_garbage_cycles > TEXT_MAX_CYCLES
                             ? report->n_garbage_cycles - TEXT_MAX_CYCLES : 0;
      guint n_left = report->n_cycles - TEXT_MAX_CYCLES;

      guint n_probable_shown = report->n_garbage_cycles >= TEXT_MAX_CYCLES ? 0
                               : MIN (report->n_probable_cycles, TEXT_MAX_CYCLES - report->n_garbage_cycles);
      guint n_probable_left = report->n_probable_cycles - n_probable_shown;

      if (report->n_probable_cycles == 0)
        g_string_append_printf (out, "\n... and %u more %s not shown (%u garbage, %u live)\n",
                                n_left, text_plural (n_left, "cycle", "cycles"),
                                n_garbage_left, n_left - n_garbage_left);
      else
        g_string_append_printf (out, "\n... and %u more %s not shown (%u garbage, %u probable, "
                                "%u live)\n", n_left, text_plural (n_left, "cycle", "cycles"),
                                n_garbage_left, n_probable_left,
                                n_left - n_garbage_left - n_probable_left);
    }

  if (report->n_inconsistent > 0)
    {
      g_string_append_printf (out, "\nInconsistent: %u %s visited more often than %s refcount "
                              "allows; a traverse reports a weak or borrowed pointer as strong. "
                              "Treated as live:\n",
                              report->n_inconsistent,
                              text_plural (report->n_inconsistent, "object is", "objects are"),
                              text_plural (report->n_inconsistent, "its", "their"));
      for (guint i = 0; i < report->n_inconsistent; i++)
        {
          const OuroReportObject *object = &report->inconsistent[i];

          g_string_append (out, "  ");
          text_append_identity (out, object);
          g_string_append_printf (out, "  (class %s: refcount %u, visited %u %s)\n",
                                  object->class_name, object->refcount, object->explained,
                                  text_plural (object->explained, "time", "times"));
          text_append_references (out, object, 2);
        }
    }

  if (report->flags & OURO_SCAN_LIVE_SUMMARY)
    text_append_live_summary (out, report);

  if (report->truncated)
    g_string_append_printf (out, "\n(descriptions captured for the first %u objects only)\n",
                            OURO_REPORT_MAX_DESCRIBED);

  return g_string_free (out, FALSE);
}
