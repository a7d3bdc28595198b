/* ouro-report-text.c — a report as text for a person at a terminal.
 *
 * MT safe: reads an immutable report.
 *
 * The first line answers "does it leak?": how many objects, in how many
 * garbage cycles.  Then each cycle: its members in cycle order, the
 * labelled references that close it, the one to make weak, and the garbage
 * it holds; then the objects whose traverse over-reports.  Addresses are
 * printed as 0x… so that tests can mask them.
 */
#include "config.h"

#include "ouro-report-private.h"
#include "ouro-report.h"

#define TEXT_MAX_MEMBERS 50
#define TEXT_MAX_EDGES   100
#define TEXT_MAX_HELD    20

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

void
ouro_report_append_identity (GString    *out,
                             const char *type_name,
                             gpointer    object,
                             const char *description)
{
  if (description == NULL || !g_str_has_prefix (description, type_name))
    g_string_append_printf (out, "%s %p", type_name, object);
  if (description != NULL)
    {
      if (!g_str_has_prefix (description, type_name))
        g_string_append_c (out, ' ');
      text_append_one_line (out, description);
    }
}

static void
text_append_identity (GString                *out,
                      const OuroReportObject *object)
{
  ouro_report_append_identity (out, object->type_name, object->object, object->description);
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

/* Appends the advice for the suggested edge, worded by the kind of
 * reference its label names ("signal ...", "qdata ...", anything else). */
static void
text_append_fix (GString               *out,
                 const OuroReportCycle *cycle,
                 const OuroReportEdge  *edge)
{
  const char *lead = cycle->garbage ? "fix" : "to break it";
  const char *from_type = cycle->members[edge->from].type_name;
  const char *to_type = cycle->members[edge->to].type_name;

  if (g_str_has_prefix (edge->label, "signal "))
    g_string_append_printf (out, "  %s: the handler of [%s] on %s #%u keeps %s #%u alive; "
                            "connect it with ouro_signal_connect_weak () or "
                            "g_signal_connect_object (), or disconnect it in dispose\n",
                            lead, edge->label, from_type, edge->from, to_type, edge->to);
  else if (g_str_has_prefix (edge->label, "qdata "))
    g_string_append_printf (out, "  %s: [%s] of %s #%u keeps %s #%u alive; attach it without "
                            "g_object_unref as destroy notify (hold a GWeakRef), or clear it "
                            "in dispose\n",
                            lead, edge->label, from_type, edge->from, to_type, edge->to);
  else if (edge->from == edge->to)
    g_string_append_printf (out, "  %s: %s #%u holds itself through [%s]; "
                            "drop that reference or make it weak\n",
                            lead, from_type, edge->from, edge->label);
  else if (edge->to == 0)
    g_string_append_printf (out, "  %s: make [%s] of %s #%u a weak reference: it points back "
                            "at %s #0, the member created first, which owns the rest\n",
                            lead, edge->label, from_type, edge->from, to_type);
  else
    g_string_append_printf (out, "  %s: make [%s] of %s #%u a weak reference\n",
                            lead, edge->label, from_type, edge->from);
}

static void
text_append_cycle (GString               *out,
                   const OuroReport      *report,
                   const OuroReportCycle *cycle,
                   guint                  number)
{
  guint n_shown = MIN (cycle->n_members, TEXT_MAX_MEMBERS);

  g_string_append_printf (out, "\n%s cycle %u: %u %s",
                          cycle->garbage ? "Garbage" : "Live", number,
                          cycle->n_members, text_plural (cycle->n_members, "object", "objects"));
  if (cycle->garbage)
    g_string_append_printf (out, ", nothing outside holds %s\n",
                            cycle->n_members == 1 ? "it" : "them");
  else
    g_string_append (out, ", held from outside (not a leak while its holders live)\n");

  for (guint i = 0; i < n_shown; i++)
    {
      g_string_append_printf (out, "  #%u ", i);
      text_append_identity (out, &cycle->members[i]);
      g_string_append (out, "  (");
      text_append_counts (out, &cycle->members[i]);
      g_string_append (out, ")\n");
    }
  if (n_shown < cycle->n_members)
    g_string_append_printf (out, "  ... and %u more members\n", cycle->n_members - n_shown);

  if (cycle->n_edges > 0)
    {
      g_string_append (out, "  references between them:\n");
      for (guint e = 0; e < MIN (cycle->n_edges, TEXT_MAX_EDGES); e++)
        {
          const OuroReportEdge *edge = &cycle->edges[e];

          g_string_append_printf (out, "    #%u %s --[%s]--> #%u %s%s%s\n",
                                  edge->from, cycle->members[edge->from].type_name,
                                  edge->label,
                                  edge->to, cycle->members[edge->to].type_name,
                                  edge->weak ? "  (weak, not counted)" : "",
                                  (gint) e == cycle->weak_edge ? "   <== make this one weak" : "");
        }
      if (cycle->n_edges > TEXT_MAX_EDGES)
        g_string_append_printf (out, "    ... and %u more references\n", cycle->n_edges - TEXT_MAX_EDGES);
    }

  if (cycle->weak_edge >= 0)
    text_append_fix (out, cycle, &cycle->edges[cycle->weak_edge]);
  else if (cycle->n_members > 0)
    g_string_append (out, "  fix: no single reference to suggest (members without "
                          "descriptions have no edges listed)\n");

  if (cycle->n_held > 0)
    {
      g_string_append_printf (out, "  also garbage, held only through this cycle: %u %s\n",
                              cycle->n_held, text_plural (cycle->n_held, "object", "objects"));
      for (guint i = 0; i < MIN (cycle->n_held, TEXT_MAX_HELD); i++)
        {
          g_string_append (out, "    ");
          text_append_identity (out, &cycle->held[i]);
          g_string_append (out, "  (");
          text_append_counts (out, &cycle->held[i]);
          g_string_append (out, ")\n");
        }
      if (cycle->n_held > TEXT_MAX_HELD)
        g_string_append_printf (out, "    ... and %u more\n", cycle->n_held - TEXT_MAX_HELD);
    }
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

  if (report->n_garbage == 0)
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
  if (report->n_cycles > report->n_garbage_cycles)
    g_string_append_printf (out, "; %u live %s",
                            report->n_cycles - report->n_garbage_cycles,
                            text_plural (report->n_cycles - report->n_garbage_cycles, "cycle", "cycles"));
  if (report->n_inconsistent > 0)
    g_string_append_printf (out, "; %u inconsistent", report->n_inconsistent);
  g_string_append_c (out, '\n');

  for (guint c = 0; c < report->n_cycles; c++)
    text_append_cycle (out, report, &report->cycles[c], c + 1);

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
        }
    }

  if (report->truncated)
    g_string_append_printf (out, "\n(descriptions captured for the first %u objects only)\n",
                            OURO_REPORT_MAX_DESCRIBED);

  return g_string_free (out, FALSE);
}
