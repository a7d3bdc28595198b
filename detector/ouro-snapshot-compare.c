/* ouro-snapshot-compare.c — what grew between two snapshots, by type, with
 * counts and sizes: tracemalloc's compare_to (), for `ouro diff`.
 *
 * MT safe: reads two immutable snapshots.
 *
 * Order: the types that grew (in bytes, or in objects when their size did
 * not change), largest growth in bytes first, then in objects, then by
 * name; then the types that shrank, largest shrink first.  Types that did
 * not change are left out.
 */
#include "config.h"

#include <string.h>

#include "ouro-json-writer-private.h"
#include "ouro-snapshot-private.h"

typedef struct {
  const char *type_name;
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
  return strcmp (ra->type_name, rb->type_name);
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
            name,
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
 * @limit: at most this many types listed (0: all)
 *
 * Returns: (transfer full): what grew and what shrank, by type, a line
 *   each: `EditorWindow: count=20 (+20), size=20.3 KiB (+20.3 KiB)` (sizes
 *   in IEC units, the same in every locale),
 *   largest growth first; a first line with the totals
 */
char *
ouro_snapshot_compare_to_text (OuroSnapshot *before,
                               OuroSnapshot *after,
                               guint         limit)
{
  g_autoptr(GArray) rows = NULL;
  g_autofree char *size_old = NULL, *size_new = NULL, *size_diff = NULL;
  guint64 total_old, total_new;
  guint n_listed;
  GString *out;

  g_return_val_if_fail (before != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  rows = compare_collect (before, after);
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
      g_string_append_printf (out, "  %s: count=%u (%+" G_GINT64_FORMAT "), size=%s (%s)\n",
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
 * @limit: at most this many types listed (0: all)
 *
 * Returns: (transfer full): the comparison as JSON (docs/snapshot-json.md,
 *   "Comparing two snapshots"), in the order of the text
 */
char *
ouro_snapshot_compare_to_json (OuroSnapshot *before,
                               OuroSnapshot *after,
                               guint         limit)
{
  g_autoptr(GArray) rows = NULL;
  guint n_listed;
  GString *out;

  g_return_val_if_fail (before != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  rows = compare_collect (before, after);
  n_listed = limit > 0 ? MIN (limit, rows->len) : rows->len;
  out = g_string_new (NULL);
  g_string_append_printf (out,
                          "{\n"
                          "  \"format\": \"ouro-snapshot-diff\",\n"
                          "  \"version\": 1,\n"
                          "  \"by\": \"type\",\n"
                          "  \"before\": { \"n_tracked\": %u, \"size\": %" G_GUINT64_FORMAT " },\n"
                          "  \"after\": { \"n_tracked\": %u, \"size\": %" G_GUINT64_FORMAT " },\n"
                          "  \"n_omitted\": %u,\n"
                          "  \"types\": [",
                          ouro_snapshot_get_n_tracked (before), ouro_snapshot_get_total_size (before),
                          ouro_snapshot_get_n_tracked (after), ouro_snapshot_get_total_size (after),
                          rows->len - n_listed);
  for (guint i = 0; i < n_listed; i++)
    {
      const CompareRow *row = &g_array_index (rows, CompareRow, i);

      g_string_append (out, i == 0 ? "\n    { \"type\": " : ",\n    { \"type\": ");
      ouro_json_append_string (out, row->type_name);
      g_string_append_printf (out, ", \"count\": %u, \"count_diff\": %" G_GINT64_FORMAT
                              ", \"size\": %" G_GUINT64_FORMAT ", \"size_diff\": %" G_GINT64_FORMAT
                              " }",
                              row->count_new, compare_count_diff (row), row->size_new,
                              compare_size_diff (row));
    }
  g_string_append (out, n_listed > 0 ? "\n  ]\n}\n" : "]\n}\n");
  return g_string_free (out, FALSE);
}
