/* ouro-snapshot-json.c — a snapshot kept as JSON and read back
 * (tracemalloc's dump () and load ()), for `ouro diff` and for comparing
 * later or on another machine.
 *
 * MT safe: the writer reads an immutable snapshot; the reader builds a new
 * one from its input and nothing else.
 *
 * The schema is docs/snapshot-json.md.  Types are written sorted by name,
 * so one snapshot always gives the same bytes.  The reader is as strict as
 * the report's (ouro-report-load.c): every required key and its type, no
 * type twice, counts that add up to n_tracked and sizes to "size", sites
 * only of listed types and within their totals; a
 * snapshot this library wrote always loads, and loads to what it was.
 * Unknown keys are ignored.
 */
#include "config.h"

#include <string.h>

#include "ouro-json-loader-private.h"
#include "ouro-json-writer-private.h"
#include "ouro-snapshot-private.h"

#define SNAPSHOT_SCHEMA_VERSION 1
/* A size, and the sizes' sum: what a JSON integer the reader takes holds. */
#define SNAPSHOT_MAX_SIZE G_MAXINT64

G_DEFINE_QUARK (ouro-snapshot-error-quark, ouro_snapshot_error)

static gint
snapshot_compare_names (gconstpointer a,
                        gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gint
snapshot_compare_sites (gconstpointer a,
                        gconstpointer b)
{
  const OuroSnapshotSite *sa = *(const OuroSnapshotSite * const *) a;
  const OuroSnapshotSite *sb = *(const OuroSnapshotSite * const *) b;
  int by_type = strcmp (sa->type_name, sb->type_name);

  return by_type != 0 ? by_type : strcmp (sa->site, sb->site);
}

/* Appends ",\n  \"sites\": [...]", sorted by type, then site. */
static void
snapshot_append_sites (GString      *out,
                       OuroSnapshot *snapshot)
{
  GPtrArray *sites = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer site;

  g_hash_table_iter_init (&iter, ouro_snapshot_get_sites_unlocked (snapshot));
  while (g_hash_table_iter_next (&iter, &site, NULL))
    g_ptr_array_add (sites, site);
  g_ptr_array_sort (sites, snapshot_compare_sites);
  g_string_append (out, ",\n  \"sites\": [");
  for (guint i = 0; i < sites->len; i++)
    {
      const OuroSnapshotSite *entry = sites->pdata[i];

      g_string_append (out, i == 0 ? "\n    { \"type\": " : ",\n    { \"type\": ");
      ouro_json_append_string (out, entry->type_name);
      g_string_append (out, ", \"site\": ");
      ouro_json_append_string (out, entry->site);
      g_string_append_printf (out, ", \"count\": %u, \"size\": %" G_GUINT64_FORMAT " }",
                              entry->count, entry->size);
    }
  g_string_append (out, "\n  ]");
  g_ptr_array_unref (sites);
}

/**
 * ouro_snapshot_to_json:
 * @snapshot: a snapshot
 *
 * Returns: (transfer full): @snapshot as JSON (docs/snapshot-json.md),
 *   types sorted by name; ouro_snapshot_new_from_json () reads it back
 */
char *
ouro_snapshot_to_json (OuroSnapshot *snapshot)
{
  GHashTable *counts;
  GPtrArray *names;
  GString *out;

  g_return_val_if_fail (snapshot != NULL, NULL);

  counts = ouro_snapshot_get_counts_unlocked (snapshot);
  names = g_ptr_array_new ();
  {
    GHashTableIter iter;
    gpointer name;

    g_hash_table_iter_init (&iter, counts);
    while (g_hash_table_iter_next (&iter, &name, NULL))
      g_ptr_array_add (names, name);
  }
  g_ptr_array_sort (names, snapshot_compare_names);

  out = g_string_new (NULL);
  g_string_append_printf (out,
                          "{\n"
                          "  \"format\": \"ouro-snapshot\",\n"
                          "  \"version\": %d,\n"
                          "  \"n_tracked\": %u,\n"
                          "  \"size\": %" G_GUINT64_FORMAT ",\n"
                          "  \"types\": [",
                          SNAPSHOT_SCHEMA_VERSION, ouro_snapshot_get_n_tracked (snapshot),
                          ouro_snapshot_get_total_size (snapshot));
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];

      g_string_append (out, i == 0 ? "\n    { \"type\": " : ",\n    { \"type\": ");
      ouro_json_append_string (out, name);
      g_string_append_printf (out, ", \"count\": %u, \"size\": %" G_GUINT64_FORMAT " }",
                              GPOINTER_TO_UINT (g_hash_table_lookup (counts, name)),
                              ouro_snapshot_get_size (snapshot, name));
    }
  g_string_append (out, names->len > 0 ? "\n  ]" : "]");
  g_ptr_array_unref (names);
  if (ouro_snapshot_has_sites (snapshot))
    snapshot_append_sites (out, snapshot);
  g_string_append (out, "\n}\n");
  return g_string_free (out, FALSE);
}

/* After it (when TRUE): @snapshot holds the type that @value describes;
 * @data, two guint64s, adds its count and size to the totals so far. */
static gboolean
snapshot_load_type (OuroJsonLoader      *loader,
                    const OuroJsonValue *value,
                    gsize                index,
                    gpointer             data)
{
  OuroSnapshot *snapshot = loader->document;
  guint64 *total_count = data, *total_size = total_count + 1;
  const char *name;
  guint count;
  guint64 size;

  if (!ouro_json_loader_string (loader, value, "type", FALSE, &name)
      || !ouro_json_loader_uint (loader, value, "count", &count)
      || !ouro_json_loader_integer (loader, value, "size", SNAPSHOT_MAX_SIZE, &size))
    return FALSE;
  if (*name == '\0')
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (value, "type"), "type",
                                  OURO_SNAPSHOT_ERROR_INVALID, "a type has a name");
  if (count == 0)
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (value, "count"), "count",
                                  OURO_SNAPSHOT_ERROR_INVALID,
                                  "a type is listed when it has objects (1 or more)");
  if (ouro_snapshot_get_count (snapshot, name) != 0)
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (value, "type"), "type",
                                  OURO_SNAPSHOT_ERROR_INVALID, "\"%s\" is listed twice", name);
  *total_count += count;
  *total_size += size;
  if (*total_size > SNAPSHOT_MAX_SIZE)
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (value, "size"), "size",
                                  OURO_SNAPSHOT_ERROR_INVALID,
                                  "the sizes add up to more than %" G_GINT64_FORMAT " bytes",
                                  SNAPSHOT_MAX_SIZE);
  ouro_snapshot_add_type (snapshot, ouro_snapshot_keep_name (snapshot, name), count, size);
  return TRUE;
}

/* Whether string @value is @text exactly (a NUL inside it is not). */
static gboolean
snapshot_string_is (const OuroJsonValue *value,
                    const char          *text)
{
  gsize length;
  const char *string = ouro_json_value_get_string (value, &length);

  return length == strlen (text) && memcmp (string, text, length) == 0;
}

/* After it (when TRUE): @snapshot holds the site @value describes, whose
 * type it already lists; @site_totals (type name -> guint64[2]) adds its
 * count and size to its type's. */
static gboolean
snapshot_load_site (OuroJsonLoader      *loader,
                    const OuroJsonValue *value,
                    gsize                index,
                    gpointer             data)
{
  OuroSnapshot *snapshot = loader->document;
  GHashTable *site_totals = data;
  const char *name, *site;
  guint count;
  guint64 size, *totals;

  if (!ouro_json_loader_string (loader, value, "type", FALSE, &name)
      || !ouro_json_loader_string (loader, value, "site", FALSE, &site)
      || !ouro_json_loader_uint (loader, value, "count", &count)
      || !ouro_json_loader_integer (loader, value, "size", SNAPSHOT_MAX_SIZE, &size))
    return FALSE;
  if (ouro_snapshot_get_count (snapshot, name) == 0)
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (value, "type"), "type",
                                  OURO_SNAPSHOT_ERROR_INVALID,
                                  "\"%s\" is not among the snapshot's types", name);
  if (*site == '\0')
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (value, "site"), "site",
                                  OURO_SNAPSHOT_ERROR_INVALID, "a site has a name");
  if (count == 0)
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (value, "count"), "count",
                                  OURO_SNAPSHOT_ERROR_INVALID,
                                  "a site is listed when it has objects (1 or more)");
  if (ouro_snapshot_lookup_site (snapshot, name, site) != NULL)
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (value, "site"), "site",
                                  OURO_SNAPSHOT_ERROR_INVALID,
                                  "\"%s\" is listed twice for \"%s\"", site, name);

  name = ouro_snapshot_keep_name (snapshot, name);
  totals = g_hash_table_lookup (site_totals, name);
  if (totals == NULL)
    {
      totals = g_new0 (guint64, 2);
      g_hash_table_insert (site_totals, (gpointer) name, totals);
    }
  totals[0] += count;
  totals[1] += size;
  if (totals[0] > ouro_snapshot_get_count (snapshot, name))
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (value, "count"), "count",
                                  OURO_SNAPSHOT_ERROR_INVALID,
                                  "the sites of \"%s\" count more objects than the type (%u)",
                                  name, ouro_snapshot_get_count (snapshot, name));
  if (totals[1] > ouro_snapshot_get_size (snapshot, name))
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (value, "size"), "size",
                                  OURO_SNAPSHOT_ERROR_INVALID,
                                  "the sites of \"%s\" count more bytes than the type (%"
                                  G_GUINT64_FORMAT ")", name,
                                  ouro_snapshot_get_size (snapshot, name));
  ouro_snapshot_add_site (snapshot, name, ouro_snapshot_keep_name (snapshot, site), count, size);
  return TRUE;
}

/* After it (when TRUE): @snapshot holds the sites "sites" lists, when
 * there is the key. */
static gboolean
snapshot_load_sites (OuroJsonLoader      *loader,
                     const OuroJsonValue *root)
{
  const OuroJsonValue *sites;
  GHashTable *site_totals;
  gboolean ok = TRUE;

  if (!ouro_json_loader_member (loader, root, "sites", OURO_JSON_ARRAY, FALSE, FALSE, &sites))
    return FALSE;
  if (sites == NULL)
    return TRUE;
  site_totals = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  ok = ouro_json_loader_each (loader, sites, "sites", OURO_JSON_OBJECT, snapshot_load_site,
                              site_totals);
  g_hash_table_unref (site_totals);
  return ok;
}

static gboolean
snapshot_load (OuroJsonLoader      *loader,
               const OuroJsonValue *root)
{
  const OuroJsonValue *format, *version, *types;
  guint n_tracked;
  guint64 size, totals[2] = { 0, 0 };   /* the types' counts and sizes */

  if (ouro_json_value_get_type (root) != OURO_JSON_OBJECT)
    return ouro_json_loader_fail (loader, root, NULL, OURO_SNAPSHOT_ERROR_FORMAT,
                                  "not an Ouro snapshot: expected an object, found %s",
                                  ouro_json_type_describe (ouro_json_value_get_type (root)));
  format = ouro_json_object_lookup (root, "format");
  if (format == NULL || ouro_json_value_get_type (format) != OURO_JSON_STRING
      || !snapshot_string_is (format, "ouro-snapshot"))
    return ouro_json_loader_fail (loader, format != NULL ? format : root, "format",
                                  OURO_SNAPSHOT_ERROR_FORMAT,
                                  "not an Ouro snapshot (\"format\" is not \"ouro-snapshot\")");
  if (!ouro_json_loader_member (loader, root, "version", OURO_JSON_INTEGER, TRUE, FALSE, &version))
    return FALSE;
  if (ouro_json_value_get_integer (version) != SNAPSHOT_SCHEMA_VERSION)
    return ouro_json_loader_fail (loader, version, "version", OURO_SNAPSHOT_ERROR_VERSION,
                                  "version %" G_GINT64_FORMAT ": this library reads version %d",
                                  ouro_json_value_get_integer (version), SNAPSHOT_SCHEMA_VERSION);
  if (!ouro_json_loader_uint (loader, root, "n_tracked", &n_tracked)
      || !ouro_json_loader_integer (loader, root, "size", SNAPSHOT_MAX_SIZE, &size)
      || !ouro_json_loader_member (loader, root, "types", OURO_JSON_ARRAY, TRUE, FALSE, &types))
    return FALSE;

  loader->document = ouro_snapshot_new_empty (n_tracked);
  if (!ouro_json_loader_each (loader, types, "types", OURO_JSON_OBJECT, snapshot_load_type,
                              totals))
    return FALSE;

  if (totals[0] != n_tracked)
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (root, "n_tracked"), "n_tracked",
                                  OURO_SNAPSHOT_ERROR_INVALID,
                                  "%u, but the types' counts add up to %" G_GUINT64_FORMAT,
                                  n_tracked, totals[0]);
  if (totals[1] != size)
    return ouro_json_loader_fail (loader, ouro_json_object_lookup (root, "size"), "size",
                                  OURO_SNAPSHOT_ERROR_INVALID,
                                  "%" G_GUINT64_FORMAT ", but the types' sizes add up to %"
                                  G_GUINT64_FORMAT, size, totals[1]);
  return snapshot_load_sites (loader, root);
}

/**
 * ouro_snapshot_new_from_json:
 * @json: a snapshot's JSON, as ouro_snapshot_to_json () writes it
 * @length: its length in bytes, or -1 when it is NUL-terminated
 * @error: where a refusal is said
 *
 * Reads a snapshot back.  Anything that is not a well-formed snapshot is
 * refused with an %OURO_SNAPSHOT_ERROR naming the line, the column and
 * the key at fault ("line 9, column 16: types[2].count: 0: a type is
 * listed when it has objects"); never a crash, whatever the input.
 *
 * Returns: (transfer full) (nullable): the snapshot, or %NULL with @error
 *   set
 */
OuroSnapshot *
ouro_snapshot_new_from_json (const char  *json,
                             gssize       length,
                             GError     **error)
{
  OuroJsonLoader loader = { NULL, NULL, OURO_SNAPSHOT_ERROR, OURO_SNAPSHOT_ERROR_INVALID, NULL };

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (length >= -1, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ouro_json_loader_run (&loader, json, length, OURO_SNAPSHOT_ERROR_SYNTAX, snapshot_load,
                             error))
    {
      g_clear_pointer ((OuroSnapshot **) &loader.document, ouro_snapshot_free);
      return NULL;
    }
  return loader.document;
}
