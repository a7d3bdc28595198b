/* ouro-report-json.c — a report as JSON, for tools and `ouro report`.
 *
 * MT safe: reads an immutable report.
 *
 * The schema is documented in docs/report-json.md; keys are stable, and
 * "version" changes when a key changes meaning or goes away; keys added
 * within a version (the live summary, an object's "references") are
 * written only when they have something to say, so older reports stay
 * byte for byte what they were.  Strings are escaped per RFC 8259; bytes
 * that are not UTF-8 become U+FFFD.  ouro-report-load.c reads it back.
 */
#include "config.h"

#include <string.h>

#include "ouro-json-writer-private.h"
#include "ouro-report-private.h"
#include "ouro-report.h"

#define JSON_SCHEMA_VERSION 1


/* Appends ", \"frames\": [...]" to a site or a holder. */
static void
json_append_frames (GString     *out,
                    char *const *frames)
{
  g_string_append (out, ", \"frames\": [");
  for (guint f = 0; frames[f] != NULL; f++)
    {
      g_string_append (out, f > 0 ? ", " : " ");
      ouro_json_append_string (out, frames[f]);
    }
  g_string_append (out, frames[0] != NULL ? " ]" : "]");
}

/* Appends ", \"references\": {...}" for an object the explain function
 * was asked about; nothing for the others, so reports without an explain
 * function read as they always have. */
static void
json_append_references (GString                *out,
                        const OuroReportObject *object)
{
  if (!object->explained_by_ledger)
    return;
  g_string_append (out, ", \"references\": { \"sites\": [");
  for (guint i = 0; i < object->n_sites; i++)
    {
      const OuroReportSite *site = &object->sites[i];

      g_string_append_printf (out, "%s{ \"count\": %u, \"kind\": ", i > 0 ? ", " : " ", site->count);
      ouro_json_append_string (out, site->kind);
      json_append_frames (out, site->frames);
      if (site->program_frame >= 0)
        g_string_append_printf (out, ", \"program_frame\": %d", site->program_frame);
      g_string_append (out, " }");
    }
  g_string_append_printf (out, "%s], \"n_sites_dropped\": %u, \"n_references_dropped\": %"
                          G_GUINT64_FORMAT " }",
                          object->n_sites > 0 ? " " : "", object->n_sites_dropped,
                          object->n_references_dropped);
}

/* Appends ", \"held_by\": [...]" for an object with holders; nothing for
 * the others, so reports without a holder function read as they always
 * have. */
static void
json_append_holders (GString                *out,
                     const OuroReportObject *object)
{
  if (object->n_holders == 0)
    return;
  g_string_append (out, ", \"held_by\": [");
  for (guint i = 0; i < object->n_holders; i++)
    {
      const OuroReportHolder *holder = &object->holders[i];

      g_string_append_printf (out, "%s{ \"count\": %u, \"holder\": ", i > 0 ? ", " : " ",
                              holder->count);
      ouro_json_append_string (out, holder->holder);
      g_string_append (out, ", \"note\": ");
      ouro_json_append_string (out, holder->note);
      json_append_frames (out, holder->frames);
      g_string_append (out, " }");
    }
  g_string_append (out, " ]");
}

static void
json_append_object (GString                *out,
                    const OuroReportObject *object,
                    const char             *indent)
{
  char address[32];

  g_string_append_printf (out, "%s{ \"address\": ", indent);
  ouro_json_append_string (out, ouro_report_object_address (object, address));
  g_string_append (out, ", \"type\": ");
  ouro_json_append_string (out, object->type_name);
  g_string_append (out, ", \"class\": ");
  ouro_json_append_string (out, object->class_name);
  g_string_append (out, ", \"description\": ");
  ouro_json_append_string (out, object->description);
  g_string_append_printf (out, ", \"refcount\": %u, \"explained\": %u",
                          object->refcount, object->explained);
  /* Only when true, so reports without an own-object function read as
   * they always have. */
  if (object->own)
    g_string_append (out, ", \"own\": true");
  json_append_holders (out, object);
  json_append_references (out, object);
  g_string_append (out, " }");
}

static void
json_append_objects (GString                *out,
                     const OuroReportObject *objects,
                     guint                   n_objects,
                     const char             *indent)
{
  if (n_objects == 0)
    {
      g_string_append (out, "[]");
      return;
    }
  g_string_append (out, "[\n");
  for (guint i = 0; i < n_objects; i++)
    {
      json_append_object (out, &objects[i], indent);
      g_string_append (out, i + 1 < n_objects ? ",\n" : "\n");
    }
  g_string_append_len (out, indent, strlen (indent) - 2);
  g_string_append_c (out, ']');
}

static void
json_append_cycle (GString               *out,
                   const OuroReportCycle *cycle)
{
  guint n_members_listed = MIN (cycle->n_members, OURO_REPORT_MAX_LISTED);
  guint n_held_listed = MIN (cycle->n_held, OURO_REPORT_MAX_LISTED);

  g_string_append_printf (out, "    {\n      \"garbage\": %s,\n      \"size\": %u,\n"
                          "      \"members_truncated\": %s,\n",
                          cycle->garbage ? "true" : "false", cycle->n_members_total,
                          n_members_listed < cycle->n_members_total ? "true" : "false");
  if (cycle->probable)
    g_string_append (out, "      \"probable\": true,\n");
  g_string_append (out, "      \"members\": ");
  json_append_objects (out, cycle->members, n_members_listed, "        ");
  g_string_append (out, ",\n      \"edges\": ");
  if (cycle->n_edges == 0)
    g_string_append (out, "[]");
  else
    {
      g_string_append (out, "[\n");
      /* Edges are only kept between the first OURO_REPORT_MAX_DESCRIBED
       * members, all of which are listed. */
      for (guint e = 0; e < cycle->n_edges; e++)
        {
          const OuroReportEdge *edge = &cycle->edges[e];

          g_string_append_printf (out, "        { \"from\": %u, \"to\": %u, \"label\": ",
                                  edge->from, edge->to);
          ouro_json_append_string (out, edge->label);
          g_string_append_printf (out, ", \"weak\": %s", edge->weak ? "true" : "false");
          if (edge->probable)
            {
              g_string_append_printf (out, ", \"probable\": true, \"evidence\": "
                                      "{ \"unexplained\": %u", edge->unexplained);
              if (edge->taken_in != NULL)
                {
                  g_string_append (out, ", \"taken_in\": ");
                  ouro_json_append_string (out, edge->taken_in);
                }
              g_string_append (out, " }");
            }
          g_string_append_printf (out, " }%s\n", e + 1 < cycle->n_edges ? "," : "");
        }
      g_string_append (out, "      ]");
    }
  if (cycle->weak_edge >= 0)
    g_string_append_printf (out, ",\n      \"suggested_weak_edge\": %d", cycle->weak_edge);
  else
    g_string_append (out, ",\n      \"suggested_weak_edge\": null");
  g_string_append_printf (out, ",\n      \"n_held\": %u,\n      \"held_truncated\": %s",
                          cycle->n_held_total,
                          n_held_listed < cycle->n_held_total ? "true" : "false");
  g_string_append (out, ",\n      \"held\": ");
  json_append_objects (out, cycle->held, n_held_listed, "        ");
  g_string_append (out, "\n    }");
}

/* Appends the live summary's keys, after "inconsistent": written only with
 * the summary, so reports without it are what they always were. */
static void
json_append_live_summary (GString          *out,
                          const OuroReport *report)
{
  guint n_roots_listed = MIN (report->n_roots_listed, OURO_REPORT_MAX_LISTED);

  g_string_append (out, ",\n  \"live_summary\": true,\n  \"alive_by_type\": ");
  if (report->n_alive_types == 0)
    g_string_append (out, "[]");
  else
    {
      g_string_append (out, "[\n");
      for (guint i = 0; i < report->n_alive_types; i++)
        {
          g_string_append (out, "    { \"type\": ");
          ouro_json_append_string (out, report->alive_by_type[i].type_name);
          g_string_append_printf (out, ", \"count\": %u%s }%s\n", report->alive_by_type[i].count,
                                  report->alive_by_type[i].own ? ", \"own\": true" : "",
                                  i + 1 < report->n_alive_types ? "," : "");
        }
      g_string_append (out, "  ]");
    }
  g_string_append_printf (out, ",\n  \"n_roots\": %u,", report->n_roots);
  /* Only with an own-object function's answer, as "own" on objects. */
  if (report->n_own_roots > 0)
    g_string_append_printf (out, "\n  \"n_own_roots\": %u,", report->n_own_roots);
  g_string_append_printf (out, "\n  \"roots_truncated\": %s,\n  \"roots\": ",
                          n_roots_listed < report->n_roots ? "true" : "false");
  json_append_objects (out, report->roots, n_roots_listed, "    ");
}

/**
 * ouro_report_to_json:
 *
 * Returns: (transfer full): the report as JSON, per docs/report-json.md
 */
char *
ouro_report_to_json (OuroReport *report)
{
  GString *out;

  g_return_val_if_fail (report != NULL, NULL);

  out = g_string_new ("{\n");
  g_string_append_printf (out,
                          "  \"format\": \"ouro-report\",\n"
                          "  \"version\": %d,\n"
                          "  \"all_cycles\": %s,\n"
                          "  \"n_tracked\": %u,\n"
                          "  \"n_references\": %u,\n"
                          "  \"n_ignored_references\": %" G_GUINT64_FORMAT ",\n"
                          "  \"n_garbage\": %u,\n"
                          "  \"n_garbage_cycles\": %u,\n"
                          "  \"n_cycles\": %u,\n"
                          "  \"n_inconsistent\": %u,\n"
                          "  \"descriptions_truncated\": %s,\n"
                          "  \"cycles\": ",
                          JSON_SCHEMA_VERSION,
                          (report->flags & OURO_SCAN_ALL_CYCLES) ? "true" : "false",
                          report->n_tracked, report->n_edges, report->n_ignored_visits,
                          report->n_garbage, report->n_garbage_cycles, report->n_cycles,
                          report->n_inconsistent,
                          report->truncated ? "true" : "false");
  g_string_truncate (out, out->len - strlen ("  \"cycles\": "));
  if (report->flags & OURO_SCAN_PROBABLE)
    g_string_append_printf (out, "  \"probable\": true,\n  \"n_probable_garbage\": %u,\n"
                            "  \"n_probable_cycles\": %u,\n",
                            report->n_probable, report->n_probable_cycles);
  g_string_append (out, "  \"cycles\": ");
  if (report->n_cycles == 0)
    g_string_append (out, "[]");
  else
    {
      g_string_append (out, "[\n");
      for (guint c = 0; c < report->n_cycles; c++)
        {
          json_append_cycle (out, &report->cycles[c]);
          g_string_append (out, c + 1 < report->n_cycles ? ",\n" : "\n");
        }
      g_string_append (out, "  ]");
    }
  g_string_append (out, ",\n  \"inconsistent\": ");
  json_append_objects (out, report->inconsistent, report->n_inconsistent, "    ");
  if (report->flags & OURO_SCAN_LIVE_SUMMARY)
    json_append_live_summary (out, report);
  g_string_append (out, "\n}\n");

  return g_string_free (out, FALSE);
}
