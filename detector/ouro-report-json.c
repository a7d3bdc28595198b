/* ouro-report-json.c — a report as JSON, for tools and `ouro report`.
 *
 * MT safe: reads an immutable report.
 *
 * The schema is documented in docs/report-json.md; keys are stable, and
 * "version" changes when a key changes meaning or goes away.  Strings are
 * escaped per RFC 8259; bytes that are not UTF-8 become U+FFFD.
 */
#include "config.h"

#include "ouro-report-private.h"
#include "ouro-report.h"

#define JSON_SCHEMA_VERSION 1

/* Members and held objects listed per cycle; "size" and "n_held" give the
 * full counts, so a leak of a million objects writes kilobytes, not a
 * hundred megabytes. */
#define JSON_MAX_LISTED 1000

static void
json_append_string (GString    *out,
                    const char *text)
{
  char *valid;

  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  valid = g_utf8_make_valid (text, -1);
  g_string_append_c (out, '"');
  for (const char *p = valid; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
  g_free (valid);
}

static void
json_append_object (GString                *out,
                    const OuroReportObject *object,
                    const char             *indent)
{
  char address[32];

  g_snprintf (address, sizeof address, "%p", object->object);
  g_string_append_printf (out, "%s{ \"address\": ", indent);
  json_append_string (out, address);
  g_string_append (out, ", \"type\": ");
  json_append_string (out, object->type_name);
  g_string_append (out, ", \"class\": ");
  json_append_string (out, object->class_name);
  g_string_append (out, ", \"description\": ");
  json_append_string (out, object->description);
  g_string_append_printf (out, ", \"refcount\": %u, \"explained\": %u }",
                          object->refcount, object->explained);
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
  guint n_members_listed = MIN (cycle->n_members, JSON_MAX_LISTED);
  guint n_held_listed = MIN (cycle->n_held, JSON_MAX_LISTED);

  g_string_append_printf (out, "    {\n      \"garbage\": %s,\n      \"size\": %u,\n"
                          "      \"members_truncated\": %s,\n",
                          cycle->garbage ? "true" : "false", cycle->n_members,
                          n_members_listed < cycle->n_members ? "true" : "false");
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
          json_append_string (out, edge->label);
          g_string_append_printf (out, ", \"weak\": %s }%s\n", edge->weak ? "true" : "false",
                                  e + 1 < cycle->n_edges ? "," : "");
        }
      g_string_append (out, "      ]");
    }
  if (cycle->weak_edge >= 0)
    g_string_append_printf (out, ",\n      \"suggested_weak_edge\": %d", cycle->weak_edge);
  else
    g_string_append (out, ",\n      \"suggested_weak_edge\": null");
  g_string_append_printf (out, ",\n      \"n_held\": %u,\n      \"held_truncated\": %s",
                          cycle->n_held, n_held_listed < cycle->n_held ? "true" : "false");
  g_string_append (out, ",\n      \"held\": ");
  json_append_objects (out, cycle->held, n_held_listed, "        ");
  g_string_append (out, "\n    }");
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
  g_string_append (out, "\n}\n");

  return g_string_free (out, FALSE);
}
