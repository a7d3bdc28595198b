/* task-source.c — corpus program: a GTask whose source object is the
 * object that started it, kept pending.
 *
 * DocumentSaver (a GObject with a private struct) saves in a worker thread
 * with g_task_run_in_thread (); the task's source object is the saver.
 * Here the write stalls (a network share that stopped answering) until the
 * operation is cancelled.  Usage: corpus-task-source leaky|clean.  Both
 * start a save, drop the saver, let the main loop run and exit 0.
 *   leaky  the save has no cancellable and nobody ends it: the pending
 *          task holds the saver until the program exits (its thread is
 *          still waiting then)
 *   clean  the save takes a cancellable, which the program cancels when
 *          it is done with the saver (as a window cancels its pending
 *          operations when it closes), then waits for the callback and for
 *          the saver to be finalized: the task, and the saver with it, are
 *          freed
 */
#include <gio/gio.h>

#include "corpus.h"

#define DOCUMENT_TYPE_SAVER (document_saver_get_type ())
G_DECLARE_DERIVABLE_TYPE (DocumentSaver, document_saver, DOCUMENT, SAVER, GObject)

struct _DocumentSaverClass
{
  GObjectClass parent_class;
};

typedef struct
{
  char  *path;
  guint  n_saved;
} DocumentSaverPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (DocumentSaver, document_saver, G_TYPE_OBJECT)

/* Savers not finalized yet: the worker thread may drop a task's last
 * reference, and the saver with it, after the callback has run. */
static gint n_savers;

/* The stalled share: a write waits here until its operation is
 * cancelled. */
static GMutex stall_lock;
static GCond  stall_cond;

static void
wake_stalled_writes (GCancellable *cancellable,
                     gpointer      data)
{
  g_mutex_lock (&stall_lock);
  g_cond_broadcast (&stall_cond);
  g_mutex_unlock (&stall_lock);
}

static void
save_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  gulong handler = 0;

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_stalled_writes), NULL, NULL);

  g_mutex_lock (&stall_lock);
  while (!g_cancellable_is_cancelled (cancellable))
    g_cond_wait (&stall_cond, &stall_lock);
  g_mutex_unlock (&stall_lock);
  g_cancellable_disconnect (cancellable, handler);
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
}

static void
document_saver_save_async (DocumentSaver       *self,
                           const char          *text,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, document_saver_save_async);
  g_task_set_task_data (task, g_strdup (text), g_free);
  g_task_run_in_thread (task, save_in_thread);
}

static gboolean
document_saver_save_finish (DocumentSaver  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  DocumentSaverPrivate *priv = document_saver_get_instance_private (self);
  gboolean saved = g_task_propagate_boolean (G_TASK (result), error);

  priv->n_saved += saved;
  return saved;
}

static void
document_saver_finalize (GObject *object)
{
  DocumentSaverPrivate *priv = document_saver_get_instance_private (DOCUMENT_SAVER (object));

  g_free (priv->path);
  G_OBJECT_CLASS (document_saver_parent_class)->finalize (object);
  g_atomic_int_add (&n_savers, -1);
}

static void
document_saver_class_init (DocumentSaverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = document_saver_finalize;
}

static void
document_saver_init (DocumentSaver *self)
{
  DocumentSaverPrivate *priv = document_saver_get_instance_private (self);

  priv->path = g_strdup ("smb://share/notes.txt");
  g_atomic_int_inc (&n_savers);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  gboolean *done = data;

  document_saver_save_finish (DOCUMENT_SAVER (source), result, NULL);
  *done = TRUE;
}

int
main (int    argc,
      char **argv)
{
  gboolean leaky = corpus_parse_leaky (argc, argv);
  g_autoptr(GCancellable) cancellable = leaky ? NULL : g_cancellable_new ();
  DocumentSaver *saver = g_object_new (DOCUMENT_TYPE_SAVER, NULL);
  gboolean done = FALSE;

  document_saver_save_async (saver, "milk, eggs", cancellable, on_saved, &done);
  g_object_unref (saver);
  corpus_settle ();
  if (cancellable != NULL)
    {
      g_cancellable_cancel (cancellable);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
      /* Before exiting with a worker still finishing (1 s at most). */
      for (guint i = 0; i < 1000 && g_atomic_int_get (&n_savers) > 0; i++)
        g_usleep (1000);
      corpus_settle ();
    }
  return 0;
}
