/* idle-source.c — corpus program: an idle that never finishes and holds
 * the object that would remove it in its dispose.
 *
 * SearchIndexer (a GObject with a private struct) indexes the paths queued
 * on it a little at a time from a low-priority idle its init adds and its
 * dispose removes; the idle stays, waiting for more work (it returns
 * G_SOURCE_CONTINUE).  Usage: corpus-idle-source leaky|clean.  Both queue a
 * few paths, let the main loop run, drop the indexer and exit 0.
 *   leaky  the idle is g_idle_add_full () with g_object_ref (self) as its
 *          data and g_object_unref as its notify: the main context holds
 *          the indexer through the source, so its dispose never runs
 *   clean  the idle borrows the indexer (no reference) and dispose removes
 *          it
 */
#include <glib-object.h>

#include "corpus.h"

#define SEARCH_TYPE_INDEXER (search_indexer_get_type ())
G_DECLARE_DERIVABLE_TYPE (SearchIndexer, search_indexer, SEARCH, INDEXER, GObject)

struct _SearchIndexerClass
{
  GObjectClass parent_class;
};

typedef struct
{
  GQueue      pending;   /* of char *, paths to index */
  GHashTable *words;     /* word -> number of paths it was seen in */
  guint       idle_id;
} SearchIndexerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (SearchIndexer, search_indexer, G_TYPE_OBJECT)

static gboolean leaky;

/* One path per call; stays installed for the next ones. */
static gboolean
search_indexer_step (gpointer data)
{
  SearchIndexerPrivate *priv = search_indexer_get_instance_private (SEARCH_INDEXER (data));
  g_autofree char *path = g_queue_pop_head (&priv->pending);
  g_auto(GStrv) words = NULL;

  if (path == NULL)
    return G_SOURCE_CONTINUE;
  words = g_strsplit_set (path, "/.", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      {
        guint n = GPOINTER_TO_UINT (g_hash_table_lookup (priv->words, words[i]));

        g_hash_table_insert (priv->words, g_strdup (words[i]), GUINT_TO_POINTER (n + 1));
      }
  return G_SOURCE_CONTINUE;
}

static void
search_indexer_queue (SearchIndexer *self,
                      const char    *path)
{
  SearchIndexerPrivate *priv = search_indexer_get_instance_private (self);

  g_queue_push_tail (&priv->pending, g_strdup (path));
}

static void
search_indexer_dispose (GObject *object)
{
  SearchIndexerPrivate *priv = search_indexer_get_instance_private (SEARCH_INDEXER (object));

  g_clear_handle_id (&priv->idle_id, g_source_remove);
  G_OBJECT_CLASS (search_indexer_parent_class)->dispose (object);
}

static void
search_indexer_finalize (GObject *object)
{
  SearchIndexerPrivate *priv = search_indexer_get_instance_private (SEARCH_INDEXER (object));

  g_queue_clear_full (&priv->pending, g_free);
  g_hash_table_unref (priv->words);
  G_OBJECT_CLASS (search_indexer_parent_class)->finalize (object);
}

static void
search_indexer_class_init (SearchIndexerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = search_indexer_dispose;
  G_OBJECT_CLASS (klass)->finalize = search_indexer_finalize;
}

static void
search_indexer_init (SearchIndexer *self)
{
  SearchIndexerPrivate *priv = search_indexer_get_instance_private (self);

  g_queue_init (&priv->pending);
  priv->words = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (leaky)
    priv->idle_id = g_idle_add_full (G_PRIORITY_LOW, search_indexer_step, g_object_ref (self),
                                     g_object_unref);
  else
    priv->idle_id = g_idle_add_full (G_PRIORITY_LOW, search_indexer_step, self, NULL);
}

int
main (int    argc,
      char **argv)
{
  SearchIndexer *indexer;

  leaky = corpus_parse_leaky (argc, argv);
  indexer = g_object_new (SEARCH_TYPE_INDEXER, NULL);
  search_indexer_queue (indexer, "/home/user/notes/groceries.txt");
  search_indexer_queue (indexer, "/home/user/notes/todo.md");
  corpus_settle ();
  g_object_unref (indexer);
  corpus_settle ();
  return 0;
}
