/* async-read.c — corpus program: a pending asynchronous read whose user
 * data holds the object that started it.
 *
 * LogTail (a GObject with a private struct) follows what another process
 * writes to a pipe, one g_input_stream_read_async () after another.  The
 * writer here never writes, so the first read stays pending.  Usage:
 * corpus-async-read leaky|clean.  Both start following, let the main loop
 * run, drop the tail and exit 0 (the writer's end stays open until then).
 *   leaky  the read's user data is g_object_ref (self), released by the
 *          callback, which never runs: the pending call holds the tail
 *   clean  the read borrows the tail and takes the tail's cancellable,
 *          which its dispose cancels; the callback, told so, leaves the
 *          tail alone
 */
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>

#include "corpus.h"

#define LOG_TYPE_TAIL (log_tail_get_type ())
G_DECLARE_DERIVABLE_TYPE (LogTail, log_tail, LOG, TAIL, GObject)

struct _LogTailClass
{
  GObjectClass parent_class;
};

typedef struct
{
  GInputStream *stream;
  GCancellable *cancellable;
  GString      *text;
  char          buffer[256];
} LogTailPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (LogTail, log_tail, G_TYPE_OBJECT)

static gboolean leaky;

static void log_tail_read_more (LogTail *self);

static void
on_read (GObject      *stream,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (stream), result, &error);
  LogTail *self = user_data;
  LogTailPrivate *priv;

  /* Cancelled by the tail's dispose: the tail is going, or gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  priv = log_tail_get_instance_private (self);
  if (n > 0)
    {
      g_string_append_len (priv->text, priv->buffer, n);
      log_tail_read_more (self);
    }
  if (leaky)
    g_object_unref (self);
}

static void
log_tail_read_more (LogTail *self)
{
  LogTailPrivate *priv = log_tail_get_instance_private (self);

  if (leaky)
    g_input_stream_read_async (priv->stream, priv->buffer, sizeof priv->buffer,
                               G_PRIORITY_DEFAULT, NULL, on_read, g_object_ref (self));
  else
    g_input_stream_read_async (priv->stream, priv->buffer, sizeof priv->buffer,
                               G_PRIORITY_DEFAULT, priv->cancellable, on_read, self);
}

static void
log_tail_dispose (GObject *object)
{
  LogTailPrivate *priv = log_tail_get_instance_private (LOG_TAIL (object));

  g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->stream);
  G_OBJECT_CLASS (log_tail_parent_class)->dispose (object);
}

static void
log_tail_finalize (GObject *object)
{
  LogTailPrivate *priv = log_tail_get_instance_private (LOG_TAIL (object));

  g_object_unref (priv->cancellable);
  g_string_free (priv->text, TRUE);
  G_OBJECT_CLASS (log_tail_parent_class)->finalize (object);
}

static void
log_tail_class_init (LogTailClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = log_tail_dispose;
  G_OBJECT_CLASS (klass)->finalize = log_tail_finalize;
}

static void
log_tail_init (LogTail *self)
{
  LogTailPrivate *priv = log_tail_get_instance_private (self);

  priv->cancellable = g_cancellable_new ();
  priv->text = g_string_new (NULL);
}

static LogTail *
log_tail_new (GInputStream *stream)
{
  LogTail *self = g_object_new (LOG_TYPE_TAIL, NULL);
  LogTailPrivate *priv = log_tail_get_instance_private (self);

  priv->stream = g_object_ref (stream);
  log_tail_read_more (self);
  return self;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GInputStream) stream = NULL;
  LogTail *tail;
  int fds[2];

  leaky = corpus_parse_leaky (argc, argv);
  /* fds[1] is the writer's end: open, silent, until the program exits. */
  if (pipe (fds) != 0)
    return 1;
  stream = g_unix_input_stream_new (fds[0], TRUE);
  tail = log_tail_new (stream);
  g_clear_object (&stream);
  corpus_settle ();
  g_object_unref (tail);
  corpus_settle ();
  return 0;
}
