/* custom-source.c — corpus program: a custom GSource whose callback data
 * holds the object that owns the source.
 *
 * SyncScheduler (a GObject with a private struct) coalesces the changes
 * queued on it and writes them out together from a GSource of its own
 * kind, ready whenever changes are waiting, that its init attaches to the
 * default main context and its dispose destroys.  Usage:
 * corpus-custom-source leaky|clean.  Both queue changes, let the main loop
 * run, drop the scheduler and exit 0.
 *   leaky  the callback is set with g_source_set_callback () and
 *          g_object_ref (self) as its data, g_object_unref as its notify:
 *          the scheduler holds its source, the source (attached, so held
 *          by the main context too) holds the scheduler, and the dispose
 *          that would destroy the source never runs
 *   clean  the callback borrows the scheduler (no reference) and dispose
 *          destroys the source
 */
#include <glib-object.h>

#include "corpus.h"

/* ---- a source that is ready while changes wait ------------------------ */

typedef struct
{
  GSource  source;
  gboolean dirty;
} SyncSource;

static gboolean
sync_source_prepare (GSource *source,
                     int     *timeout)
{
  *timeout = -1;
  return ((SyncSource *) source)->dirty;
}

static gboolean
sync_source_check (GSource *source)
{
  return ((SyncSource *) source)->dirty;
}

static gboolean
sync_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  ((SyncSource *) source)->dirty = FALSE;
  return callback != NULL ? callback (user_data) : G_SOURCE_REMOVE;
}

static GSourceFuncs sync_source_funcs = {
  .prepare = sync_source_prepare,
  .check = sync_source_check,
  .dispatch = sync_source_dispatch,
};

/* ---- the scheduler ----------------------------------------------------- */

#define SYNC_TYPE_SCHEDULER (sync_scheduler_get_type ())
G_DECLARE_DERIVABLE_TYPE (SyncScheduler, sync_scheduler, SYNC, SCHEDULER, GObject)

struct _SyncSchedulerClass
{
  GObjectClass parent_class;
};

typedef struct
{
  GSource   *source;    /* a SyncSource, attached to the default context */
  GPtrArray *changes;   /* of char *, waiting to be written */
  guint      n_written;
} SyncSchedulerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (SyncScheduler, sync_scheduler, G_TYPE_OBJECT)

static gboolean leaky;

static gboolean
sync_scheduler_flush (gpointer data)
{
  SyncSchedulerPrivate *priv = sync_scheduler_get_instance_private (SYNC_SCHEDULER (data));

  priv->n_written += priv->changes->len;
  g_ptr_array_set_size (priv->changes, 0);
  return G_SOURCE_CONTINUE;
}

static void
sync_scheduler_queue (SyncScheduler *self,
                      const char    *change)
{
  SyncSchedulerPrivate *priv = sync_scheduler_get_instance_private (self);

  g_ptr_array_add (priv->changes, g_strdup (change));
  ((SyncSource *) priv->source)->dirty = TRUE;
  g_main_context_wakeup (g_source_get_context (priv->source));
}

static void
sync_scheduler_dispose (GObject *object)
{
  SyncSchedulerPrivate *priv = sync_scheduler_get_instance_private (SYNC_SCHEDULER (object));

  if (priv->source != NULL)
    g_source_destroy (priv->source);
  g_clear_pointer (&priv->source, g_source_unref);
  G_OBJECT_CLASS (sync_scheduler_parent_class)->dispose (object);
}

static void
sync_scheduler_finalize (GObject *object)
{
  SyncSchedulerPrivate *priv = sync_scheduler_get_instance_private (SYNC_SCHEDULER (object));

  g_ptr_array_unref (priv->changes);
  G_OBJECT_CLASS (sync_scheduler_parent_class)->finalize (object);
}

static void
sync_scheduler_class_init (SyncSchedulerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = sync_scheduler_dispose;
  G_OBJECT_CLASS (klass)->finalize = sync_scheduler_finalize;
}

static void
sync_scheduler_init (SyncScheduler *self)
{
  SyncSchedulerPrivate *priv = sync_scheduler_get_instance_private (self);

  priv->changes = g_ptr_array_new_with_free_func (g_free);
  priv->source = g_source_new (&sync_source_funcs, sizeof (SyncSource));
  g_source_set_name (priv->source, "SyncScheduler flush");
  if (leaky)
    g_source_set_callback (priv->source, sync_scheduler_flush, g_object_ref (self),
                           g_object_unref);
  else
    g_source_set_callback (priv->source, sync_scheduler_flush, self, NULL);
  g_source_attach (priv->source, NULL);
}

int
main (int    argc,
      char **argv)
{
  SyncScheduler *scheduler;

  leaky = corpus_parse_leaky (argc, argv);
  scheduler = g_object_new (SYNC_TYPE_SCHEDULER, NULL);
  sync_scheduler_queue (scheduler, "bookmarks: +1");
  sync_scheduler_queue (scheduler, "history: +3");
  corpus_settle ();
  g_object_unref (scheduler);
  corpus_settle ();
  return 0;
}
