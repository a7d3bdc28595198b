/* ouro-report-load.c — reading a report's JSON back into an OuroReport.
 *
 * MT safe: builds a new report from its input and nothing else.
 *
 * The JSON (docs/report-json.md) is parsed by ouro-json-reader.c, then
 * mapped key by key onto the same structures ouro-report-build.c fills, so
 * the writers give the original's text, JSON and DOT byte for byte.  A
 * report written by this library always loads; anything else is checked
 * before a writer could trip on it: every required key and its type, every
 * index (an edge's members, the suggested edge), every count a writer
 * relies on (a cycle's size against the members listed, n_garbage against
 * the cycles), so that a loaded report upholds the same invariants as a
 * built one.  Unknown keys are ignored, as the schema promises.
 *
 * Decisions the schema leaves open:
 *   - "address" is any string.  When it is "0x" and hex digits it becomes
 *     the object pointer; otherwise (masked golden files write "0xADDR")
 *     the pointer is NULL.  Whenever "%p" of the pointer would not give the
 *     string back, the report keeps the string and writes it as it was.
 *   - Strings holding U+0000 are refused: every consumer is C.
 *   - Only listed objects are known: a truncated cycle has its first 1000
 *     members, and ouro_report_is_garbage () knows the listed garbage whose
 *     address parsed.
 */
#include "config.h"

#include <string.h>

#include "ouro-json-loader-private.h"
#include "ouro-report-private.h"
#include "ouro-report.h"

#define LOAD_SCHEMA_VERSION 1

/* The loader's document is the report being filled. */
typedef OuroJsonLoader Loader;
#define LOADER_REPORT(loader) ((OuroReport *) (loader)->document)

/* The shared readers (ouro-json-loader.c), under this file's short names. */
#define load_fail          ouro_json_loader_fail
#define load_enter_key     ouro_json_loader_enter_key
#define load_enter_index   ouro_json_loader_enter_index
#define load_leave         ouro_json_loader_leave
#define load_member        ouro_json_loader_member
#define load_integer       ouro_json_loader_integer
#define load_uint          ouro_json_loader_uint
#define load_boolean       ouro_json_loader_boolean
#define load_string_value  ouro_json_loader_string_value
#define load_string        ouro_json_loader_string
#define load_each          ouro_json_loader_each
typedef OuroJsonElementFunc LoadElementFunc;

G_DEFINE_QUARK (ouro-report-error-quark, ouro_report_error)

/* A key that older reports do not have: *out is FALSE when it is absent. */
static gboolean
load_optional_boolean (Loader              *loader,
                       const OuroJsonValue *object,
                       const char          *key,
                       gboolean            *out)
{
  const OuroJsonValue *value;

  *out = FALSE;
  if (!load_member (loader, object, key, OURO_JSON_BOOLEAN, FALSE, FALSE, &value))
    return FALSE;
  if (value != NULL)
    *out = ouro_json_value_get_boolean (value);
  return TRUE;
}

/* As load_string (), the text kept in the report's strings. */
static gboolean
load_report_string (Loader              *loader,
                    const OuroJsonValue *object,
                    const char          *key,
                    const char         **out)
{
  const char *text;

  if (!load_string (loader, object, key, FALSE, &text))
    return FALSE;
  *out = g_string_chunk_insert_const (LOADER_REPORT (loader)->strings, text);
  return TRUE;
}

/* Returns the pointer @address names when it is "0x" and 1 to 16 hex
 * digits, NULL otherwise. */
static gpointer
load_parse_address (const char *address)
{
  guint64 value = 0;
  gsize n_digits = 0;

  if (address[0] != '0' || address[1] != 'x')
    return NULL;
  for (const char *p = address + 2; *p != '\0'; p++, n_digits++)
    {
      gint digit = g_ascii_xdigit_value (*p);

      if (digit < 0 || n_digits == sizeof (gpointer) * 2)
        return NULL;
      value = value * 16 + (guint) digit;
    }
  return n_digits > 0 ? (gpointer) (guintptr) value : NULL;
}

/* @data: the frames being filled, NULL-terminated at every step. */
static gboolean
load_frame_element (Loader              *loader,
                    const OuroJsonValue *element,
                    gsize                index,
                    gpointer             data)
{
  char **frames = data;
  const char *text = NULL;

  if (!load_string_value (loader, element, NULL, &text))
    return FALSE;
  frames[index] = g_strdup (text);
  return TRUE;
}

/* Fills the zeroed item @out_item from @value; on failure the item owns
 * what was filled in. */
typedef gboolean (*LoadFillFunc) (Loader              *loader,
                                  const OuroJsonValue *value,
                                  gpointer             out_item);

/* An array of items that load_each fills, counting each before filling it
 * so that the report frees whatever was filled in when one fails. */
typedef struct {
  gpointer      items;
  gsize         item_size;
  guint        *n_items;
  LoadFillFunc  fill;
} LoadInto;

static gboolean
load_into_element (Loader              *loader,
                   const OuroJsonValue *element,
                   gsize                index,
                   gpointer             data)
{
  LoadInto *into = data;

  (*into->n_items)++;
  return into->fill (loader, element, (char *) into->items + index * into->item_size);
}

/* As load_each () for an array of objects, into @into. */
static gboolean
load_each_into (Loader              *loader,
                const OuroJsonValue *array,
                const char          *key,
                gpointer             items,
                gsize                item_size,
                guint               *n_items,
                LoadFillFunc         fill)
{
  LoadInto into = { items, item_size, n_items, fill };

  return load_each (loader, array, key, OURO_JSON_OBJECT, load_into_element, &into);
}

/* After it: *out_frames holds the strings of array @frames, as far as
 * they loaded (NULL-terminated at every step, for the report to free). */
static gboolean
load_frames (Loader              *loader,
             const OuroJsonValue *frames,
             char              ***out_frames)
{
  *out_frames = g_new0 (char *, ouro_json_array_get_length (frames) + 1);
  return load_each (loader, frames, "frames", OURO_JSON_STRING, load_frame_element, *out_frames);
}

/* A LoadFillFunc: a site. */
static gboolean
load_site (Loader              *loader,
           const OuroJsonValue *value,
           gpointer             out_item)
{
  OuroReportSite *out = out_item;
  const OuroJsonValue *frames, *program_frame;
  gsize n_frames;

  out->program_frame = -1;
  if (!load_uint (loader, value, "count", &out->count)
      || !load_report_string (loader, value, "kind", &out->kind)
      || !load_member (loader, value, "frames", OURO_JSON_ARRAY, TRUE, FALSE, &frames)
      || !load_member (loader, value, "program_frame", OURO_JSON_INTEGER, FALSE, FALSE,
                       &program_frame))
    return FALSE;
  if (out->count == 0)
    return load_fail (loader, ouro_json_object_lookup (value, "count"), "count",
                      OURO_REPORT_ERROR_INVALID, "a site holds at least one reference");

  n_frames = ouro_json_array_get_length (frames);
  /* Optional: reports written before it was there name frames[0]. */
  if (program_frame != NULL)
    {
      guint64 index = 0;

      if (n_frames == 0 || !load_integer (loader, value, "program_frame", n_frames - 1, &index))
        return n_frames == 0
               ? load_fail (loader, program_frame, "program_frame", OURO_REPORT_ERROR_INVALID,
                            "a site without frames has no program frame")
               : FALSE;
      out->program_frame = (gint) index;
    }
  return load_frames (loader, frames, &out->frames);
}

/* A LoadFillFunc: a holder. */
static gboolean
load_holder (Loader              *loader,
             const OuroJsonValue *value,
             gpointer             out_item)
{
  OuroReportHolder *out = out_item;
  const OuroJsonValue *frames;
  const char *holder, *note;

  if (!load_uint (loader, value, "count", &out->count)
      || !load_string (loader, value, "holder", FALSE, &holder)
      || !load_string (loader, value, "note", TRUE, &note)
      || !load_member (loader, value, "frames", OURO_JSON_ARRAY, TRUE, FALSE, &frames))
    return FALSE;
  if (out->count == 0)
    return load_fail (loader, ouro_json_object_lookup (value, "count"), "count",
                      OURO_REPORT_ERROR_INVALID, "a holder holds at least one reference");

  out->holder = g_strdup (holder);
  out->note = g_strdup (note);
  return load_frames (loader, frames, &out->frames);
}

/* After it (when TRUE): @out holds the holders array @value lists: one to
 * OURO_REPORT_MAX_SITES of them, as a report writes them. */
static gboolean
load_holders (Loader              *loader,
              const OuroJsonValue *value,
              OuroReportObject    *out)
{
  gsize n_holders = ouro_json_array_get_length (value);

  if (n_holders == 0 || n_holders > OURO_REPORT_MAX_SITES)
    return load_fail (loader, value, "held_by", OURO_REPORT_ERROR_INVALID,
                      "%" G_GSIZE_FORMAT " holders: a report lists 1 to %u (or leaves the "
                      "key out)", n_holders, OURO_REPORT_MAX_SITES);
  out->holders = g_new0 (OuroReportHolder, n_holders);
  return load_each_into (loader, value, "held_by", out->holders, sizeof (OuroReportHolder),
                         &out->n_holders, load_holder);
}

/* After it (when TRUE): @out holds what "references" object @value says;
 * explained_by_ledger is set. */
static gboolean
load_references (Loader              *loader,
                 const OuroJsonValue *value,
                 OuroReportObject    *out)
{
  const OuroJsonValue *sites;
  gsize n_sites;

  if (!load_member (loader, value, "sites", OURO_JSON_ARRAY, TRUE, FALSE, &sites)
      || !load_uint (loader, value, "n_sites_dropped", &out->n_sites_dropped)
      || !load_integer (loader, value, "n_references_dropped", G_MAXINT64, &out->n_references_dropped))
    return FALSE;

  out->explained_by_ledger = TRUE;
  n_sites = ouro_json_array_get_length (sites);
  if (n_sites > G_MAXUINT)
    return load_fail (loader, sites, "sites", OURO_REPORT_ERROR_INVALID, "too many sites");
  out->sites = g_new0 (OuroReportSite, MAX (n_sites, 1));
  return load_each_into (loader, sites, "sites", out->sites, sizeof (OuroReportSite),
                         &out->n_sites, load_site);
}

/* A LoadFillFunc: an object. */
static gboolean
load_object (Loader              *loader,
             const OuroJsonValue *value,
             gpointer             out_item)
{
  OuroReportObject *out = out_item;
  const OuroJsonValue *references, *held_by;
  const char *address, *description;
  char printed[32];

  if (!load_string (loader, value, "address", FALSE, &address)
      || !load_report_string (loader, value, "type", &out->type_name)
      || !load_report_string (loader, value, "class", &out->class_name)
      || !load_string (loader, value, "description", TRUE, &description)
      || !load_uint (loader, value, "refcount", &out->refcount)
      || !load_uint (loader, value, "explained", &out->explained)
      || !load_optional_boolean (loader, value, "own", &out->own)
      || !load_member (loader, value, "references", OURO_JSON_OBJECT, FALSE, FALSE, &references)
      || !load_member (loader, value, "held_by", OURO_JSON_ARRAY, FALSE, FALSE, &held_by))
    return FALSE;

  out->object = load_parse_address (address);
  g_snprintf (printed, sizeof printed, "%p", out->object);
  if (strcmp (printed, address) != 0)
    out->address = g_strdup (address);
  out->description = g_strdup (description);

  if (held_by != NULL && !load_holders (loader, held_by, out))
    return FALSE;
  if (references != NULL)
    {
      gsize saved = load_enter_key (loader, "references");
      gboolean ok = load_references (loader, references, out);

      load_leave (loader, saved);
      return ok;
    }
  return TRUE;
}

/* After it (when TRUE): *out_objects holds the objects of array @key of
 * @parent, *out_n of them, at most @max_listed: @count_key's value, the
 * count of all of them, listed or not.  Member @key_truncated, unless
 * NULL, must say whether some were left out.  On failure *out_objects and
 * *out_n hold what was filled in, for the report to free. */
static gboolean
load_objects (Loader              *loader,
              const OuroJsonValue *parent,
              const char          *key,
              guint                max_listed,
              const char          *count_key,
              const char          *key_truncated,
              OuroReportObject   **out_objects,
              guint               *out_n)
{
  const OuroJsonValue *array;
  gsize n;
  gboolean truncated = FALSE;

  *out_n = 0;
  if (!load_member (loader, parent, key, OURO_JSON_ARRAY, TRUE, FALSE, &array)
      || (key_truncated != NULL && !load_boolean (loader, parent, key_truncated, &truncated)))
    return FALSE;

  n = ouro_json_array_get_length (array);
  if (n > max_listed)
    return load_fail (loader, array, key, OURO_REPORT_ERROR_INVALID,
                      "lists %" G_GSIZE_FORMAT " objects, more than %s (%u)", n, count_key, max_listed);
  /* The writer lists at most OURO_REPORT_MAX_LISTED; more, and what it
   * writes back would not be what was read. */
  if (key_truncated != NULL && n > OURO_REPORT_MAX_LISTED)
    return load_fail (loader, array, key, OURO_REPORT_ERROR_INVALID,
                      "lists %" G_GSIZE_FORMAT " objects, more than the %d a report lists",
                      n, OURO_REPORT_MAX_LISTED);
  if (key_truncated != NULL && truncated != (n < max_listed))
    return load_fail (loader, ouro_json_object_lookup (parent, key_truncated), key_truncated,
                      OURO_REPORT_ERROR_INVALID, "%s, but %s lists %" G_GSIZE_FORMAT " of %s %u",
                      truncated ? "true" : "false", key, n, count_key, max_listed);

  *out_objects = g_new0 (OuroReportObject, MAX (n, 1));
  return load_each_into (loader, array, key, *out_objects, sizeof (OuroReportObject), out_n,
                         load_object);
}

/* @data: the OuroReportCycle whose edges are being filled, after its
 * members. */
static gboolean
load_edge_element (Loader              *loader,
                   const OuroJsonValue *element,
                   gsize                index,
                   gpointer             data)
{
  OuroReportCycle *cycle = data;
  OuroReportEdge *out = &cycle->edges[index];
  guint n_members = cycle->n_members;

  if (!load_uint (loader, element, "from", &out->from)
      || !load_uint (loader, element, "to", &out->to)
      || !load_report_string (loader, element, "label", &out->label)
      || !load_boolean (loader, element, "weak", &out->weak)
      || !load_optional_boolean (loader, element, "probable", &out->probable))
    return FALSE;
  if (out->probable)
    {
      const OuroJsonValue *evidence;

      if (!load_member (loader, element, "evidence", OURO_JSON_OBJECT, TRUE, FALSE, &evidence)
          || !load_uint (loader, evidence, "unexplained", &out->unexplained))
        return FALSE;
      if (ouro_json_object_lookup (evidence, "taken_in") != NULL
          && !load_report_string (loader, evidence, "taken_in", &out->taken_in))
        return FALSE;
    }
  if (out->from >= n_members)
    return load_fail (loader, ouro_json_object_lookup (element, "from"), "from", OURO_REPORT_ERROR_INVALID,
                      "%u is not a member index (the cycle lists %u %s)", out->from, n_members,
                      n_members == 1 ? "member" : "members");
  if (out->to >= n_members)
    return load_fail (loader, ouro_json_object_lookup (element, "to"), "to", OURO_REPORT_ERROR_INVALID,
                      "%u is not a member index (the cycle lists %u %s)", out->to, n_members,
                      n_members == 1 ? "member" : "members");
  cycle->n_edges++;
  return TRUE;
}

/* A LoadFillFunc: a cycle. */
static gboolean
load_cycle (Loader              *loader,
            const OuroJsonValue *value,
            gpointer             out_item)
{
  OuroReportCycle *out = out_item;
  const OuroJsonValue *edges, *weak_edge;
  gsize n_edges;

  out->weak_edge = -1;
  if (!load_boolean (loader, value, "garbage", &out->garbage)
      || !load_optional_boolean (loader, value, "probable", &out->probable)
      || !load_uint (loader, value, "size", &out->n_members_total)
      || !load_uint (loader, value, "n_held", &out->n_held_total)
      || !load_objects (loader, value, "members", out->n_members_total, "size", "members_truncated",
                        &out->members, &out->n_members)
      || !load_objects (loader, value, "held", out->n_held_total, "n_held", "held_truncated",
                        &out->held, &out->n_held)
      || !load_member (loader, value, "edges", OURO_JSON_ARRAY, TRUE, FALSE, &edges)
      || !load_member (loader, value, "suggested_weak_edge", OURO_JSON_INTEGER, TRUE, TRUE, &weak_edge))
    return FALSE;

  n_edges = ouro_json_array_get_length (edges);
  if (n_edges > G_MAXINT)
    return load_fail (loader, edges, "edges", OURO_REPORT_ERROR_INVALID, "too many edges");
  out->edges = g_new0 (OuroReportEdge, MAX (n_edges, 1));
  if (!load_each (loader, edges, "edges", OURO_JSON_OBJECT, load_edge_element, out))
    return FALSE;

  if (weak_edge != NULL)
    {
      gint64 index = ouro_json_value_get_integer (weak_edge);

      if (index < 0 || (guint64) index >= n_edges)
        return load_fail (loader, weak_edge, "suggested_weak_edge", OURO_REPORT_ERROR_INVALID,
                          "%" G_GINT64_FORMAT " is not an edge index (the cycle has %" G_GSIZE_FORMAT
                          " %s)", index, n_edges, n_edges == 1 ? "edge" : "edges");
      out->weak_edge = (gint) index;
    }
  return TRUE;
}

/* After it (when TRUE): the report's cycles hold array "cycles" of @root,
 * and the counts about them agree with it. */
static gboolean
load_cycles (Loader              *loader,
             const OuroJsonValue *root)
{
  OuroReport *report = LOADER_REPORT (loader);
  const OuroJsonValue *cycles;
  guint n_cycles, n_garbage_cycles = 0;
  guint64 n_garbage = 0;

  if (!load_uint (loader, root, "n_cycles", &n_cycles)
      || !load_uint (loader, root, "n_garbage_cycles", &report->n_garbage_cycles)
      || !load_uint (loader, root, "n_garbage", &report->n_garbage)
      || !load_member (loader, root, "cycles", OURO_JSON_ARRAY, TRUE, FALSE, &cycles))
    return FALSE;
  if (ouro_json_array_get_length (cycles) != n_cycles)
    return load_fail (loader, cycles, "cycles", OURO_REPORT_ERROR_INVALID,
                      "lists %" G_GSIZE_FORMAT ", but n_cycles is %u",
                      ouro_json_array_get_length (cycles), n_cycles);

  report->cycles = g_new0 (OuroReportCycle, MAX (n_cycles, 1));
  if (!load_each_into (loader, cycles, "cycles", report->cycles, sizeof (OuroReportCycle),
                       &report->n_cycles, load_cycle))
    return FALSE;

  for (guint c = 0; c < n_cycles; c++)
    {
      if (report->cycles[c].garbage && report->cycles[c].probable)
        return load_fail (loader, cycles, "cycles", OURO_REPORT_ERROR_INVALID,
                          "cycle %u is both garbage and probable", c);
      report->n_probable_cycles += report->cycles[c].probable;
    }
  for (guint c = 0; c < n_cycles; c++)
    if (report->cycles[c].garbage)
      {
        n_garbage_cycles++;
        n_garbage += (guint64) report->cycles[c].n_members_total + report->cycles[c].n_held_total;
      }
  if (n_garbage_cycles != report->n_garbage_cycles)
    return load_fail (loader, ouro_json_object_lookup (root, "n_garbage_cycles"), "n_garbage_cycles",
                      OURO_REPORT_ERROR_INVALID, "%u, but cycles has %u garbage %s",
                      report->n_garbage_cycles, n_garbage_cycles,
                      n_garbage_cycles == 1 ? "cycle" : "cycles");
  if (n_garbage != report->n_garbage)
    return load_fail (loader, ouro_json_object_lookup (root, "n_garbage"), "n_garbage",
                      OURO_REPORT_ERROR_INVALID, "%u, but the garbage cycles' sizes and n_held "
                      "add up to %" G_GUINT64_FORMAT, report->n_garbage, n_garbage);
  return TRUE;
}

/* A LoadFillFunc: one type's count. */
static gboolean
load_type_count (Loader              *loader,
                 const OuroJsonValue *value,
                 gpointer             out_item)
{
  OuroReportTypeCount *out = out_item;

  return load_report_string (loader, value, "type", &out->type_name)
         && load_uint (loader, value, "count", &out->count)
         && load_optional_boolean (loader, value, "own", &out->own);
}

/* After it (when TRUE): the report holds the live summary of @root. */
static gboolean
load_live_summary (Loader              *loader,
                   const OuroJsonValue *root)
{
  OuroReport *report = LOADER_REPORT (loader);
  const OuroJsonValue *types, *n_own;
  gsize n_types;

  if (!load_member (loader, root, "alive_by_type", OURO_JSON_ARRAY, TRUE, FALSE, &types)
      || !load_uint (loader, root, "n_roots", &report->n_roots)
      || !load_member (loader, root, "n_own_roots", OURO_JSON_INTEGER, FALSE, FALSE, &n_own)
      || (n_own != NULL && !load_uint (loader, root, "n_own_roots", &report->n_own_roots))
      || !load_objects (loader, root, "roots", report->n_roots, "n_roots", "roots_truncated",
                        &report->roots, &report->n_roots_listed))
    return FALSE;
  if (report->n_own_roots > report->n_roots)
    return load_fail (loader, n_own, "n_own_roots", OURO_REPORT_ERROR_INVALID,
                      "%u own roots of %u", report->n_own_roots, report->n_roots);

  n_types = ouro_json_array_get_length (types);
  if (n_types > G_MAXUINT)
    return load_fail (loader, types, "alive_by_type", OURO_REPORT_ERROR_INVALID, "too many types");
  report->alive_by_type = g_new0 (OuroReportTypeCount, MAX (n_types, 1));
  return load_each_into (loader, types, "alive_by_type", report->alive_by_type,
                         sizeof (OuroReportTypeCount), &report->n_alive_types, load_type_count);
}

/* After it: garbage_sorted lists the listed garbage whose address parsed,
 * for ouro_report_is_garbage (). */
static void
load_index_garbage (OuroReport *report)
{
  guint n = 0;

  for (guint c = 0; c < report->n_cycles; c++)
    if (report->cycles[c].garbage)
      n += report->cycles[c].n_members + report->cycles[c].n_held;
  report->garbage_sorted = g_new (gpointer, MAX (n, 1));

  for (guint c = 0; c < report->n_cycles; c++)
    {
      const OuroReportCycle *cycle = &report->cycles[c];

      if (!cycle->garbage)
        continue;
      for (guint i = 0; i < cycle->n_members; i++)
        if (cycle->members[i].object != NULL)
          report->garbage_sorted[report->n_garbage_sorted++] = cycle->members[i].object;
      for (guint i = 0; i < cycle->n_held; i++)
        if (cycle->held[i].object != NULL)
          report->garbage_sorted[report->n_garbage_sorted++] = cycle->held[i].object;
    }
}

/* After it (when TRUE): the loader's report holds @root, a report of
 * schema version 1. */
static gboolean
load_report (Loader              *loader,
             const OuroJsonValue *root)
{
  OuroReport *report = LOADER_REPORT (loader);
  const OuroJsonValue *format, *version, *live_summary;
  gboolean all_cycles, summary = FALSE;
  guint n_inconsistent;
  guint64 n_ignored;

  if (ouro_json_value_get_type (root) != OURO_JSON_OBJECT)
    return load_fail (loader, root, NULL, OURO_REPORT_ERROR_FORMAT,
                      "not an Ouro report: expected an object, found %s",
                      ouro_json_type_describe (ouro_json_value_get_type (root)));

  format = ouro_json_object_lookup (root, "format");
  if (format == NULL || ouro_json_value_get_type (format) != OURO_JSON_STRING
      || strcmp (ouro_json_value_get_string (format, NULL), "ouro-report") != 0)
    return load_fail (loader, format != NULL ? format : root, "format", OURO_REPORT_ERROR_FORMAT,
                      "not an Ouro report: \"format\" must be \"ouro-report\"");
  version = ouro_json_object_lookup (root, "version");
  if (version == NULL || ouro_json_value_get_type (version) != OURO_JSON_INTEGER
      || ouro_json_value_get_integer (version) != LOAD_SCHEMA_VERSION)
    return load_fail (loader, version != NULL ? version : root, "version", OURO_REPORT_ERROR_VERSION,
                      "this library reads version %d of the report schema only", LOAD_SCHEMA_VERSION);

  if (!load_boolean (loader, root, "all_cycles", &all_cycles)
      || !load_member (loader, root, "live_summary", OURO_JSON_BOOLEAN, FALSE, FALSE, &live_summary)
      || !load_uint (loader, root, "n_tracked", &report->n_tracked)
      || !load_uint (loader, root, "n_references", &report->n_edges)
      || !load_integer (loader, root, "n_ignored_references", G_MAXINT64, &n_ignored)
      || !load_boolean (loader, root, "descriptions_truncated", &report->truncated)
      || !load_uint (loader, root, "n_inconsistent", &n_inconsistent)
      || !load_cycles (loader, root)
      /* Into the report only as they are filled in: it frees that many. */
      || !load_objects (loader, root, "inconsistent", n_inconsistent, "n_inconsistent", NULL,
                        &report->inconsistent, &report->n_inconsistent))
    return FALSE;
  if (report->n_inconsistent != n_inconsistent)
    return load_fail (loader, ouro_json_object_lookup (root, "inconsistent"), "inconsistent",
                      OURO_REPORT_ERROR_INVALID, "lists %u, but n_inconsistent is %u",
                      report->n_inconsistent, n_inconsistent);
  report->n_ignored_visits = n_ignored;
  if (live_summary != NULL)
    summary = ouro_json_value_get_boolean (live_summary);
  report->flags = (all_cycles ? OURO_SCAN_ALL_CYCLES : 0) | (summary ? OURO_SCAN_LIVE_SUMMARY : 0);
  if (ouro_json_object_lookup (root, "probable") != NULL)
    {
      gboolean probable;

      if (!load_boolean (loader, root, "probable", &probable)
          || (probable && !load_uint (loader, root, "n_probable_garbage", &report->n_probable)))
        return FALSE;
      if (probable)
        report->flags |= OURO_SCAN_PROBABLE;
    }

  if (summary && !load_live_summary (loader, root))
    return FALSE;

  load_index_garbage (report);
  return TRUE;
}

/**
 * ouro_report_new_from_json:
 * @json: a report as ouro_report_to_json () wrote it
 * @length: its length in bytes, or -1 when it is NUL-terminated
 * @error: return location for an error (%OURO_REPORT_ERROR), or NULL
 *
 * Reads a report back (docs/report-json.md, version 1; unknown keys are
 * ignored).  Its text, JSON and DOT forms are the original's, byte for
 * byte, and its accessors answer as the original's did for what the JSON
 * lists: a cycle's members past the first 1000 are only counted, and
 * ouro_report_is_garbage () knows the listed garbage.  Its objects are
 * another process's addresses (NULL where the address is not "0x" and hex
 * digits, as in masked files): never dereference them.
 *
 * Returns: (transfer full) (nullable): the report, or NULL with @error set
 */
OuroReport *
ouro_report_new_from_json (const char  *json,
                           gssize       length,
                           GError     **error)
{
  OuroReport *report;
  Loader loader;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (length >= -1, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  report = g_new0 (OuroReport, 1);
  report->strings = g_string_chunk_new (4096);
  loader = (Loader) { NULL, NULL, OURO_REPORT_ERROR, OURO_REPORT_ERROR_INVALID, report };
  if (!ouro_json_loader_run (&loader, json, length, OURO_REPORT_ERROR_SYNTAX, load_report, error))
    {
      ouro_report_free (report);
      return NULL;
    }
  return report;
}
