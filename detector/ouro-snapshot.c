/* ouro-snapshot.c — live object counts by type, and their growth between
 * two points (objgraph's show_growth, tracemalloc's compare_to).
 *
 * MT safe: a snapshot is taken under the registry lock, as a scan is (it
 * calls get_type_name), and is immutable afterwards.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "ouro-registry-private.h"
#include "ouro-snapshot.h"
#include "ouro-snapshot-private.h"

/* Type names are keys by content: a snapshot taken here holds interned
 * names (a process has few types), one read from JSON holds them in its
 * own chunk, so that reading untrusted files interns nothing for ever. */
struct _OuroSnapshot {
  GHashTable   *counts;   /* type name -> count */
  GHashTable   *sizes;    /* type name -> guint64 * bytes (get_size) */
  GHashTable   *sites;    /* OuroSnapshotSite * (type, site) -> itself, with its totals */
  GStringChunk *names;    /* the names of a snapshot read back, or NULL */
  guint         n_tracked;
};

/* The site function (ouro_set_site_func ()), under its own lock. */
static pthread_mutex_t snapshot_site_lock = PTHREAD_MUTEX_INITIALIZER;
static OuroSiteFunc    snapshot_site_func;
static gpointer        snapshot_site_data;

/**
 * ouro_set_site_func:
 * @func: (nullable): the site function, or %NULL to unset it
 * @user_data: passed to @func
 *
 * Sets the process's site function: what snapshots ask of every object
 * for where it was created, so that they count objects per type and per
 * creation site too.  MT safe; takes effect from the next snapshot.
 */
void
ouro_set_site_func (OuroSiteFunc func,
                    gpointer     user_data)
{
  pthread_mutex_lock (&snapshot_site_lock);
  snapshot_site_func = func;
  snapshot_site_data = func != NULL ? user_data : NULL;
  pthread_mutex_unlock (&snapshot_site_lock);
}

static guint
snapshot_site_hash (gconstpointer key)
{
  const OuroSnapshotSite *site = key;

  return g_str_hash (site->type_name) * 31 + g_str_hash (site->site);
}

static gboolean
snapshot_site_equal (gconstpointer a,
                     gconstpointer b)
{
  const OuroSnapshotSite *sa = a, *sb = b;

  return strcmp (sa->type_name, sb->type_name) == 0 && strcmp (sa->site, sb->site) == 0;
}

void
ouro_snapshot_add_site (OuroSnapshot *snapshot,
                        const char   *type_name,
                        const char   *site,
                        guint         count,
                        guint64       size)
{
  OuroSnapshotSite key = { type_name, site, 0, 0 };
  OuroSnapshotSite *entry = g_hash_table_lookup (snapshot->sites, &key);

  if (entry == NULL)
    {
      entry = g_new0 (OuroSnapshotSite, 1);
      entry->type_name = type_name;
      entry->site = site;
      g_hash_table_add (snapshot->sites, entry);
    }
  entry->count += count;
  entry->size += size;
}

const OuroSnapshotSite *
ouro_snapshot_lookup_site (OuroSnapshot *snapshot,
                           const char   *type_name,
                           const char   *site)
{
  OuroSnapshotSite key = { type_name, site, 0, 0 };

  return g_hash_table_lookup (snapshot->sites, &key);
}

GHashTable *
ouro_snapshot_get_sites_unlocked (OuroSnapshot *snapshot)
{
  return snapshot->sites;
}

/* After it: @snapshot counts @count more objects of @type_name (which
 * lives as long as @snapshot) and @size more bytes. */
void
ouro_snapshot_add_type (OuroSnapshot *snapshot,
                        const char   *type_name,
                        guint         count,
                        guint64       size)
{
  guint64 *bytes = g_hash_table_lookup (snapshot->sizes, type_name);

  g_hash_table_insert (snapshot->counts, (gpointer) type_name,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (snapshot->counts,
                                                                                type_name))
                                         + count));
  if (bytes == NULL)
    {
      bytes = g_new0 (guint64, 1);
      g_hash_table_insert (snapshot->sizes, (gpointer) type_name, bytes);
    }
  *bytes += size;
}

OuroSnapshot *
ouro_snapshot_new_empty (guint n_tracked)
{
  OuroSnapshot *snapshot = g_new0 (OuroSnapshot, 1);

  snapshot->counts = g_hash_table_new (g_str_hash, g_str_equal);
  snapshot->sizes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  snapshot->sites = g_hash_table_new_full (snapshot_site_hash, snapshot_site_equal, g_free, NULL);
  snapshot->n_tracked = n_tracked;
  return snapshot;
}

const char *
ouro_snapshot_keep_name (OuroSnapshot *snapshot,
                         const char   *type_name)
{
  if (snapshot->names == NULL)
    snapshot->names = g_string_chunk_new (1024);
  return g_string_chunk_insert_const (snapshot->names, type_name);
}

/**
 * ouro_snapshot_take:
 *
 * Returns: (transfer full): how many objects of each type are tracked now;
 *   free with ouro_snapshot_free()
 */
OuroSnapshot *
ouro_snapshot_take (void)
{
  OuroSnapshot *snapshot = ouro_snapshot_new_empty (0);
  OuroRegistry *registry;
  const OuroClass *last_class = NULL;
  const char *last_raw = NULL, *last_type = NULL;
  guint last_count = 0;
  guint64 last_size = 0;
  OuroSiteFunc site_func;
  gpointer site_data;

  /* An empty snapshot: it would wait for the scan that called it. */
  if (ouro_registry_refuse_reentry ("ouro_snapshot_take"))
    return snapshot;
  pthread_mutex_lock (&snapshot_site_lock);
  site_func = snapshot_site_func;
  site_data = snapshot_site_data;
  pthread_mutex_unlock (&snapshot_site_lock);

  ouro_registry_lock_for_scan ();
  registry = ouro_registry_get_unlocked ();
  for (guint32 position = 0; position < registry->n_positions; position++)
    {
      gpointer object = registry->objects[position];
      const OuroClass *klass;
      const char *raw, *site;
      guint64 size;

      if (object == NULL)
        continue;
      klass = ouro_registry_class_at_unlocked (registry, position);
      raw = ouro_class_get_type_name (klass, object);
      size = klass->get_size != NULL ? klass->get_size (object) : 0;
      if (site_func != NULL && (site = site_func (object, klass, site_data)) != NULL)
        ouro_snapshot_add_site (snapshot, g_intern_string (raw), site, 1, size);
      /* Runs of one type are common (a list of rows): count them without
       * touching the table. */
      if (klass == last_class && raw == last_raw)
        {
          last_count++;
          last_size += size;
          continue;
        }
      if (last_type != NULL)
        ouro_snapshot_add_type (snapshot, last_type, last_count, last_size);
      last_class = klass;
      last_raw = raw;
      last_type = g_intern_string (raw);
      last_count = 1;
      last_size = size;
    }
  if (last_type != NULL)
    ouro_snapshot_add_type (snapshot, last_type, last_count, last_size);
  snapshot->n_tracked = registry->n_positions - registry->n_dead;
  ouro_registry_unlock_after_scan ();

  return snapshot;
}

/**
 * ouro_snapshot_free:
 * @snapshot: (nullable): a snapshot
 */
void
ouro_snapshot_free (OuroSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_hash_table_unref (snapshot->counts);
  g_hash_table_unref (snapshot->sizes);
  g_hash_table_unref (snapshot->sites);
  if (snapshot->names != NULL)
    g_string_chunk_free (snapshot->names);
  g_free (snapshot);
}

/**
 * ouro_snapshot_get_count:
 * @type_name: a type name, as get_type_name returns it
 *
 * Returns: how many objects of @type_name were tracked in @snapshot
 */
guint
ouro_snapshot_get_count (OuroSnapshot *snapshot,
                         const char   *type_name)
{
  g_return_val_if_fail (snapshot != NULL, 0);
  g_return_val_if_fail (type_name != NULL, 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (snapshot->counts, type_name));
}

GHashTable *
ouro_snapshot_get_counts_unlocked (OuroSnapshot *snapshot)
{
  return snapshot->counts;
}

/**
 * ouro_snapshot_get_size:
 * @type_name: a type name, as get_type_name returns it
 *
 * Returns: how many bytes the objects of @type_name took in @snapshot, as
 *   their class's get_size says (0 for a class without one); for
 *   GObjects, each instance and private struct
 */
guint64
ouro_snapshot_get_size (OuroSnapshot *snapshot,
                        const char   *type_name)
{
  guint64 *bytes;

  g_return_val_if_fail (snapshot != NULL, 0);
  g_return_val_if_fail (type_name != NULL, 0);
  bytes = g_hash_table_lookup (snapshot->sizes, type_name);
  return bytes != NULL ? *bytes : 0;
}

/**
 * ouro_snapshot_get_site_count:
 * @type_name: a type name
 * @site: a creation site, as the site function gave it
 *
 * Returns: how many objects of @type_name created at @site @snapshot
 *   counted (0 when it has no sites)
 */
guint
ouro_snapshot_get_site_count (OuroSnapshot *snapshot,
                              const char   *type_name,
                              const char   *site)
{
  const OuroSnapshotSite *entry;

  g_return_val_if_fail (snapshot != NULL, 0);
  g_return_val_if_fail (type_name != NULL && site != NULL, 0);
  entry = ouro_snapshot_lookup_site (snapshot, type_name, site);
  return entry != NULL ? entry->count : 0;
}

/**
 * ouro_snapshot_has_sites:
 *
 * Returns: whether @snapshot counted objects by creation site (a site
 *   function was set, and gave a site for at least one object)
 */
gboolean
ouro_snapshot_has_sites (OuroSnapshot *snapshot)
{
  g_return_val_if_fail (snapshot != NULL, FALSE);
  return g_hash_table_size (snapshot->sites) > 0;
}

/**
 * ouro_snapshot_get_total_size:
 *
 * Returns: how many bytes all the objects in @snapshot took, as
 *   ouro_snapshot_get_size () counts them
 */
guint64
ouro_snapshot_get_total_size (OuroSnapshot *snapshot)
{
  GHashTableIter iter;
  gpointer value;
  guint64 total = 0;

  g_return_val_if_fail (snapshot != NULL, 0);
  g_hash_table_iter_init (&iter, snapshot->sizes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    total += *(guint64 *) value;
  return total;
}

/**
 * ouro_snapshot_get_n_tracked:
 *
 * Returns: how many objects were tracked in @snapshot
 */
guint
ouro_snapshot_get_n_tracked (OuroSnapshot *snapshot)
{
  g_return_val_if_fail (snapshot != NULL, 0);
  return snapshot->n_tracked;
}

typedef struct {
  const char *type_name;
  guint       before;
  guint       after;
  gint64      delta;
} SnapshotRow;

static gint
snapshot_compare_rows (gconstpointer a,
                       gconstpointer b)
{
  const SnapshotRow *ra = a, *rb = b;

  if (ra->delta != rb->delta)
    return ra->delta > rb->delta ? -1 : 1;
  return strcmp (ra->type_name, rb->type_name);
}

/**
 * ouro_snapshot_diff_to_text:
 * @before: the earlier snapshot
 * @after: the later snapshot
 *
 * Returns: (transfer full): a table of the types whose live count changed,
 *   largest growth first, then by name
 */
char *
ouro_snapshot_diff_to_text (OuroSnapshot *before,
                            OuroSnapshot *after)
{
  GArray *rows;
  GHashTableIter iter;
  gpointer key, value;
  GString *out;
  int width = 4;

  g_return_val_if_fail (before != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  rows = g_array_new (FALSE, FALSE, sizeof (SnapshotRow));
  g_hash_table_iter_init (&iter, after->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SnapshotRow row = { key, GPOINTER_TO_UINT (g_hash_table_lookup (before->counts, key)),
                          GPOINTER_TO_UINT (value), 0 };
      row.delta = (gint64) row.after - (gint64) row.before;
      if (row.delta != 0)
        g_array_append_val (rows, row);
    }
  g_hash_table_iter_init (&iter, before->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SnapshotRow row = { key, GPOINTER_TO_UINT (value), 0, 0 };
      if (g_hash_table_contains (after->counts, key))
        continue;
      row.delta = -(gint64) row.before;
      g_array_append_val (rows, row);
    }
  g_array_sort (rows, snapshot_compare_rows);

  out = g_string_new (NULL);
  if (rows->len == 0)
    {
      g_string_append_printf (out, "ouro: no change in live objects by type (%u tracked)\n",
                              after->n_tracked);
      g_array_unref (rows);
      return g_string_free (out, FALSE);
    }

  for (guint i = 0; i < rows->len; i++)
    width = MAX (width, (int) strlen (g_array_index (rows, SnapshotRow, i).type_name));

  g_string_append_printf (out, "ouro: live objects by type, %u -> %u tracked (%+" G_GINT64_FORMAT ")\n",
                          before->n_tracked, after->n_tracked,
                          (gint64) after->n_tracked - (gint64) before->n_tracked);
  g_string_append_printf (out, "  %-*s %10s %10s %10s\n", width, "type", "before", "after", "delta");
  for (guint i = 0; i < rows->len; i++)
    {
      SnapshotRow *row = &g_array_index (rows, SnapshotRow, i);
      g_string_append_printf (out, "  %-*s %10u %10u %+10" G_GINT64_FORMAT "\n",
                              width, row->type_name, row->before, row->after, row->delta);
    }
  g_array_unref (rows);
  return g_string_free (out, FALSE);
}
