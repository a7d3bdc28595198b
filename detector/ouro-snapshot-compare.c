/* ouro-snapshot-compare.c — what grew between two snapshots, by type or by
 * creation site, with counts and sizes: tracemalloc's compare_to (), for
 * `ouro diff`.
 *
 * MT safe: reads two immutable snapshots.
 *
 * Order: the types (or sites) that grew (in bytes, or in objects when
 * their size did not change), largest growth in bytes first, then in
 * objects, then by name; then those that shrank, largest shrink first.
 * Rows that did not change are left out.  By site, a row is a type at a
 * site; a type's objects without a site (the site function knew none, or
 * none was set) make a row of their own, "(no creation site)".
 */
#include "config.h"

#include <string.h>

#include "ouro-json-writer-private.h"
#include "ouro-snapshot-private.h"

/* The row of a type's objects without a site: told apart by address. */
static const char compare_no_site[] = "(no creation site)";

typedef struct {
  const char *type_name;
  const char *site;        /* NULL: by type */
  guint       count_old;
  guint       count_new;
  guint64     size_old;
  guint64     size_new;
} CompareRow;

static gint64
compare_count_diff (const CompareRow *row)
{
  return (gint64) row->count_new - (gint64) row->count_old;
}

static gint64
compare_size_diff (const CompareRow *row)
{
  return (gint64) row->size_new - (gint64) row->size_old;
}

static gboolean
compare_grew (const CompareRow *row)
{
  return compare_size_diff (row) > 0 || (compare_size_diff (row) == 0 && compare_count_diff (row) > 0);
}

static gint
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const CompareRow *ra = a, *rb = b;
  gboolean grew_a = compare_grew (ra), grew_b = compare_grew (rb);
  gint64 size_a = compare_size_diff (ra), size_b = compare_size_diff (rb);
  gint64 count_a = compare_count_diff (ra), count_b = compare_count_diff (rb);

  if (grew_a != grew_b)
    return grew_a ? -1 : 1;
  /* Growth: largest first.  Shrink: most negative first. */
  if (size_a != size_b)
    return (grew_a ? size_a > size_b : size_a < size_b) ? -1 : 1;
  if (count_a != count_b)
    return (grew_a ? count_a > count_b : count_a < count_b) ? -1 : 1;
  if (strcmp (ra->type_name, rb->type_name) != 0)
    return strcmp (ra->type_name, rb->type_name);
  return g_strcmp0 (ra->site, rb->site);
}

/* The changed types of @before -> @after, in the order above. */
static GArray *
compare_collect (OuroSnapshot *before,
                 OuroSnapshot *after)
{
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (CompareRow));
  OuroSnapshot *sides[2] = { after, before };

  for (guint side = 0; side < 2; side++)
    {
      GHashTableIter iter;
      gpointer name;

      g_hash_table_iter_init (&iter, ouro_snapshot_get_counts_unlocked (sides[side]));
      while (g_hash_table_iter_next (&iter, &name, NULL))
        {
          CompareRow row = {
            name, NULL,
            ouro_snapshot_get_count (before, name), ouro_snapshot_get_count (after, name),
            ouro_snapshot_get_size (before, name), ouro_snapshot_get_size (after, name),
          };

          /* Listed once: from the later snapshot, or from the earlier when gone. */
          if (side == 1 && row.count_new != 0)
            continue;
          if (compare_count_diff (&row) != 0 || compare_size_diff (&row) != 0)
            g_array_append_val (rows, row);
        }
    }
  g_array_sort (rows, compare_rows);
  return rows;
}

/* A site's objects in @snapshot: its count and size, 0 when absent; for
 * compare_no_site, the type's objects no site counts. */
static void
compare_site_totals (OuroSnapshot *snapshot,
                     const char   *type_name,
                     const char   *site,
                     guint        *count,
                     guint64      *size)
{
  if (site == compare_no_site)
    {
      GHashTableIter iter;
      gpointer key;

      *count = ouro_snapshot_get_count (snapshot, type_name);
      *size = ouro_snapshot_get_size (snapshot, type_name);
      g_hash_table_iter_init (&iter, ouro_snapshot_get_sites_unlocked (snapshot));
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          const OuroSnapshotSite *entry = key;

          if (strcmp (entry->type_name, type_name) != 0)
            continue;
          *count -= MIN (*count, entry->count);
          *size -= MIN (*size, entry->size);
        }
    }
  else
    {
      const OuroSnapshotSite *entry = ouro_snapshot_lookup_site (snapshot, type_name, site);

      *count = entry != NULL ? entry->count : 0;
      *size = entry != NULL ? entry->size : 0;
    }
}

/* The changed (type, site) pairs of @before -> @after, in the order
 * above. */
static GArray *
compare_collect_sites (OuroSnapshot *before,
                       OuroSnapshot *after)
{
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (CompareRow));
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);   /* "type\nsite" */
  OuroSnapshot *sides[2] = { after, before };

  for (guint side = 0; side < 2; side++)
    {
      GHashTableIter iter;
      gpointer key;

      /* The sites, then each type's objects without one. */
      for (guint pass = 0; pass < 2; pass++)
        {
          g_hash_table_iter_init (&iter, pass == 0 ? ouro_snapshot_get_sites_unlocked (sides[side])
                                                   : ouro_snapshot_get_counts_unlocked (sides[side]));
          while (g_hash_table_iter_next (&iter, &key, NULL))
            {
              const char *type_name = pass == 0 ? ((const OuroSnapshotSite *) key)->type_name : key;
              const char *site = pass == 0 ? ((const OuroSnapshotSite *) key)->site : compare_no_site;
              char *id = g_strconcat (type_name, "\n", site, NULL);
              CompareRow row = { type_name, site, 0, 0, 0, 0 };

              if (g_hash_table_contains (seen, id))
                {
                  g_free (id);
                  continue;
                }
              g_hash_table_add (seen, id);
              compare_site_totals (before, type_name, site, &row.count_old, &row.size_old);
              compare_site_totals (after, type_name, site, &row.count_new, &row.size_new);
              if (compare_count_diff (&row) != 0 || compare_size_diff (&row) != 0)
                g_array_append_val (rows, row);
            }
        }
    }
  g_hash_table_foreach (seen, (GHFunc) (void (*) (void)) g_free, NULL);
  g_hash_table_unref (seen);
  g_array_sort (rows, compare_rows);
  return rows;
}

/* "4.1 KiB", "120 B": IEC units, one decimal, the same in every locale
 * (g_format_size () translates, and puts a no-break space in). */
static char *
compare_format_size (guint64 size)
{
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  guint64 scale = 1024;
  guint unit = 0;
  guint64 tenths;

  if (size < 1024)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " B", size);
  while (unit + 1 < G_N_ELEMENTS (units) && size / scale >= 1024)
    {
      scale *= 1024;
      unit++;
    }
  /* Rounded to the nearest tenth, in integers: no locale's decimal point. */
  tenths = size / scale * 10 + ((size % scale) * 10 + scale / 2) / scale;
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%u %s", tenths / 10, (guint) (tenths % 10),
                          units[unit]);
}

/* "+20", "-3", "+4.1 KiB", "-120 B". */
static char *
compare_format_size_diff (gint64 diff)
{
  g_autofree char *size = compare_format_size (diff < 0 ? (guint64) -diff : (guint64) diff);

  return g_strdup_printf ("%c%s", diff < 0 ? '-' : '+', size);
}

/**
 * ouro_snapshot_compare_to_text:
 * @before: the earlier snapshot
 * @after: the later snapshot
 * @by: by type, or by creation site
 * @limit: at most this many rows listed (0: all)
 *
 * Returns: (transfer full): what grew and what shrank, by type or site, a
 *   line each: `EditorWindow: count=20 (+20), size=20.3 KiB (+20.3 KiB)`,
 *   `open_window (app.c:42) EditorWindow: count=20 (+20), …` (sizes
 *   in IEC units, the same in every locale),
 *   largest growth first; a first line with the totals
 */
char *
ouro_snapshot_compare_to_text (OuroSnapshot     *before,
                               OuroSnapshot     *after,
                               OuroSnapshotGroup by,
                               guint             limit)
{
  g_autoptr(GArray) rows = NULL;
  g_autofree char *size_old = NULL, *size_new = NULL, *size_diff = NULL;
  guint64 total_old, total_new;
  guint n_listed;
  GString *out;

  g_return_val_if_fail (before != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  rows = by == OURO_SNAPSHOT_BY_SITE ? compare_collect_sites (before, after)
                                     : compare_collect (before, after);
  total_old = ouro_snapshot_get_total_size (before);
  total_new = ouro_snapshot_get_total_size (after);
  size_old = compare_format_size (total_old);
  size_new = compare_format_size (total_new);
  size_diff = compare_format_size_diff ((gint64) total_new - (gint64) total_old);

  out = g_string_new (NULL);
  g_string_append_printf (out, "ouro diff: %u -> %u objects (%+" G_GINT64_FORMAT "), %s -> %s (%s)\n",
                          ouro_snapshot_get_n_tracked (before), ouro_snapshot_get_n_tracked (after),
                          (gint64) ouro_snapshot_get_n_tracked (after)
                          - (gint64) ouro_snapshot_get_n_tracked (before),
                          size_old, size_new, size_diff);
  if (rows->len == 0)
    {
      g_string_append (out, "no type changed\n");
      return g_string_free (out, FALSE);
    }

  n_listed = limit > 0 ? MIN (limit, rows->len) : rows->len;
  for (guint i = 0; i < n_listed; i++)
    {
      const CompareRow *row = &g_array_index (rows, CompareRow, i);
      g_autofree char *size = compare_format_size (row->size_new);
      g_autofree char *diff = compare_format_size_diff (compare_size_diff (row));

      if (i == 0 || compare_grew (row) != compare_grew (row - 1))
        g_string_append (out, compare_grew (row) ? "grew:\n" : "shrank:\n");
      g_string_append_printf (out, "  %s%s%s: count=%u (%+" G_GINT64_FORMAT "), size=%s (%s)\n",
                              row->site != NULL ? row->site : "", row->site != NULL ? " " : "",
                              row->type_name, row->count_new, compare_count_diff (row), size, diff);
    }
  if (n_listed < rows->len)
    g_string_append_printf (out, "... and %u more changed types (--limit)\n", rows->len - n_listed);
  return g_string_free (out, FALSE);
}

/**
 * ouro_snapshot_compare_to_json:
 * @before: the earlier snapshot
 * @after: the later snapshot
 * @by: by type, or by creation site
 * @limit: at most this many rows listed (0: all)
 *
 * Returns: (transfer full): the comparison as JSON (docs/snapshot-json.md,
 *   "Comparing two snapshots"), in the order of the text
 */
char *
ouro_snapshot_compare_to_json (OuroSnapshot     *before,
                               OuroSnapshot     *after,
                               OuroSnapshotGroup by,
                               guint             limit)
{
  g_autoptr(GArray) rows = NULL;
  guint n_listed;
  GString *out;

  g_return_val_if_fail (before != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  rows = by == OURO_SNAPSHOT_BY_SITE ? compare_collect_sites (before, after)
                                     : compare_collect (before, after);
  n_listed = limit > 0 ? MIN (limit, rows->len) : rows->len;
  out = g_string_new (NULL);
  g_string_append_printf (out,
                          "{\n"
                          "  \"format\": \"ouro-snapshot-diff\",\n"
                          "  \"version\": 1,\n"
                          "  \"by\": \"%s\",\n"
                          "  \"before\": { \"n_tracked\": %u, \"size\": %" G_GUINT64_FORMAT " },\n"
                          "  \"after\": { \"n_tracked\": %u, \"size\": %" G_GUINT64_FORMAT " },\n"
                          "  \"n_omitted\": %u,\n"
                          "  \"types\": [",
                          by == OURO_SNAPSHOT_BY_SITE ? "site" : "type",
                          ouro_snapshot_get_n_tracked (before), ouro_snapshot_get_total_size (before),
                          ouro_snapshot_get_n_tracked (after), ouro_snapshot_get_total_size (after),
                          rows->len - n_listed);
  for (guint i = 0; i < n_listed; i++)
    {
      const CompareRow *row = &g_array_index (rows, CompareRow, i);

      g_string_append (out, i == 0 ? "\n    { \"type\": " : ",\n    { \"type\": ");
      ouro_json_append_string (out, row->type_name);
      if (row->site != NULL)
        {
          g_string_append (out, ", \"site\": ");
          ouro_json_append_string (out, row->site == compare_no_site ? NULL : row->site);
        }
      g_string_append_printf (out, ", \"count\": %u, \"count_diff\": %" G_GINT64_FORMAT
                              ", \"size\": %" G_GUINT64_FORMAT ", \"size_diff\": %" G_GINT64_FORMAT
                              " }",
                              row->count_new, compare_count_diff (row), row->size_new,
                              compare_size_diff (row));
    }
  g_string_append (out, n_listed > 0 ? "\n  ]\n}\n" : "]\n}\n");
  return g_string_free (out, FALSE);
}
