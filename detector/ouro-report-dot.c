/* ouro-report-dot.c — a report as a Graphviz graph.
 *
 * MT safe: reads an immutable report.
 *
 * One cluster per cycle (red for garbage, orange and dashed for probable
 * garbage, grey for live), a box per member (type, address, description),
 * an arrow per reference with its label; the suggested weak edge is red
 * and bold, weak references are dashed grey, candidate references of a
 * probable cycle dotted orange and marked "(probable)".  Garbage a cycle
 * only holds is summarised in one note box per cycle.
 */
#include "config.h"

#include <string.h>

#include "ouro-report-private.h"
#include "ouro-report.h"

#define DOT_MAX_MEMBERS 200
/* Clusters drawn, garbage cycles first: with millions of cycles the graph
 * stays drawable and under a megabyte; the label has the totals. */
#define DOT_MAX_CYCLES  50

/* Appends @text inside a double-quoted DOT string. */
static void
dot_append_escaped (GString    *out,
                    const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

static void
dot_append_node (GString                *out,
                 const char             *id,
                 const OuroReportObject *object,
                 const char             *attributes)
{
  char buffer[32];
  const char *rest = object->description;
  /* What the box shows: "%p" of the object, or how a report read from
   * JSON wrote it (then @buffer is left unwritten). */
  const char *address = ouro_report_object_address (object, buffer);

  g_string_append_printf (out, "    %s [label=\"", id);
  dot_append_escaped (out, object->type_name);
  g_string_append (out, "\\n");
  dot_append_escaped (out, address);
  /* The GObject glue's descriptions start with "Type 0xADDR": the box
   * already says that, so only the rest goes under it. */
  if (rest != NULL && g_str_has_prefix (rest, object->type_name))
    {
      rest += strlen (object->type_name);
      while (*rest == ' ')
        rest++;
      if (g_str_has_prefix (rest, address))
        rest += strlen (address);
      while (*rest == ' ')
        rest++;
    }
  if (rest != NULL && *rest != '\0')
    {
      g_string_append (out, "\\n");
      dot_append_escaped (out, rest);
    }
  g_string_append_printf (out, "\\nrefcount %u, %u explained\"%s];\n",
                          object->refcount, object->explained, attributes);
}

static void
dot_append_cycle (GString               *out,
                  const OuroReportCycle *cycle,
                  guint                  c)
{
  guint n_shown = MIN (cycle->n_members, DOT_MAX_MEMBERS);

  g_string_append_printf (out, "  subgraph cluster_%u {\n"
                          "    label=\"%s cycle %u: %u object%s\";\n"
                          "    color=\"%s\";%s\n",
                          c,
                          cycle->garbage ? "garbage" : cycle->probable ? "probable garbage" : "live",
                          c + 1, cycle->n_members_total,
                          cycle->n_members_total == 1 ? "" : "s",
                          cycle->garbage ? "#cc0000" : cycle->probable ? "#e07000" : "#888888",
                          cycle->probable ? " style=dashed;" : "");

  for (guint i = 0; i < n_shown; i++)
    {
      char id[48];
      g_snprintf (id, sizeof id, "c%u_m%u", c, i);
      dot_append_node (out, id, &cycle->members[i], "");
    }
  if (n_shown < cycle->n_members_total)
    g_string_append_printf (out, "    c%u_more [shape=note, label=\"... and %u more members\"];\n",
                            c, cycle->n_members_total - n_shown);

  for (guint e = 0; e < cycle->n_edges; e++)
    {
      const OuroReportEdge *edge = &cycle->edges[e];
      gboolean suggested = (gint) e == cycle->weak_edge;

      if (edge->from >= n_shown || edge->to >= n_shown)
        continue;
      g_string_append_printf (out, "    c%u_m%u -> c%u_m%u [label=\"", c, edge->from, c, edge->to);
      dot_append_escaped (out, edge->label);
      if (edge->probable)
        g_string_append (out, "\\n(probable)");
      if (suggested)
        g_string_append (out, "\\n(make this weak)\", color=\"#cc0000\", fontcolor=\"#cc0000\", "
                              "penwidth=2.5, style=bold");
      else if (edge->weak)
        g_string_append (out, "\\n(weak)\", style=dashed, color=\"#888888\"");
      else if (edge->probable)
        g_string_append (out, "\", style=dotted, penwidth=1.5, color=\"#e07000\", "
                              "fontcolor=\"#e07000\"");
      else
        g_string_append_c (out, '"');
      g_string_append (out, "];\n");
    }

  if (cycle->n_held_total > 0)
    {
      g_string_append_printf (out, "    c%u_held [shape=note, color=\"#888888\", label=\"also garbage, "
                              "held by this cycle: %u object%s", c, cycle->n_held_total,
                              cycle->n_held_total == 1 ? "" : "s");
      for (guint i = 0; i < MIN (cycle->n_held, 5); i++)
        {
          g_string_append (out, "\\n");
          dot_append_escaped (out, cycle->held[i].type_name);
        }
      if (cycle->n_held_total > 5)
        g_string_append (out, "\\n...");
      g_string_append_printf (out, "\"];\n    c%u_m0 -> c%u_held [style=dotted, color=\"#888888\"];\n",
                              c, c);
    }
  g_string_append (out, "  }\n");
}

/**
 * ouro_report_to_dot:
 *
 * Returns: (transfer full): the report as a Graphviz digraph, one cluster
 *   per cycle, with the suggested weak edge highlighted
 */
char *
ouro_report_to_dot (OuroReport *report)
{
  GString *out;

  g_return_val_if_fail (report != NULL, NULL);

  out = g_string_new ("digraph ouro {\n"
                      "  graph [rankdir=LR, fontname=\"sans-serif\", labelloc=t];\n"
                      "  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n"
                      "  edge [fontname=\"sans-serif\", fontsize=10];\n");
  g_string_append_printf (out, "  label=\"ouro: %u garbage object%s in %u garbage cycle%s, ",
                          report->n_garbage, report->n_garbage == 1 ? "" : "s",
                          report->n_garbage_cycles, report->n_garbage_cycles == 1 ? "" : "s");
  if (report->n_probable > 0)
    g_string_append_printf (out, "%u probable garbage object%s, ",
                            report->n_probable, report->n_probable == 1 ? "" : "s");
  g_string_append_printf (out, "%u tracked\";\n", report->n_tracked);

  for (guint c = 0; c < MIN (report->n_cycles, DOT_MAX_CYCLES); c++)
    dot_append_cycle (out, &report->cycles[c], c);
  if (report->n_cycles > DOT_MAX_CYCLES)
    g_string_append_printf (out, "  more_cycles [shape=note, label=\"%u more cycles not drawn\"];\n",
                            report->n_cycles - DOT_MAX_CYCLES);

  if (report->n_inconsistent > 0)
    {
      g_string_append (out, "  subgraph cluster_inconsistent {\n"
                            "    label=\"inconsistent: traverse reports more references than the refcount\";\n"
                            "    color=\"#cc8800\";\n");
      for (guint i = 0; i < report->n_inconsistent; i++)
        {
          char id[32];
          g_snprintf (id, sizeof id, "inconsistent_%u", i);
          dot_append_node (out, id, &report->inconsistent[i], ", color=\"#cc8800\"");
        }
      g_string_append (out, "  }\n");
    }

  g_string_append (out, "}\n");
  return g_string_free (out, FALSE);
}
