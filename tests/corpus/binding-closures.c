/* binding-closures.c — corpus program: a property binding whose transform
 * closure holds the widget that owns the binding's target.
 *
 * DownloadRow is a GtkBox with a progress bar child; its "received"
 * property (bytes) is bound to the bar's "fraction" with
 * g_object_bind_property_with_closures (), as language bindings and
 * closure-minded C code do; the transform needs the row's total size.
 * Usage: corpus-binding-closures leaky|clean.  Both show a row in a
 * window, close it and exit 0.
 *   leaky  the transform is a g_cclosure_new () whose data is
 *          g_object_ref (self), released by g_object_unref when the closure
 *          is finalized, that is when the binding goes: never, since the
 *          binding goes when the row or the bar is finalized
 *   clean  the closure is g_cclosure_new_object (): it watches the row
 *          without holding it, and the row goes with its window
 */
#include <gtk/gtk.h>

#include "corpus-gtk.h"
#include "corpus.h"

#define DOWNLOAD_TYPE_ROW (download_row_get_type ())
G_DECLARE_DERIVABLE_TYPE (DownloadRow, download_row, DOWNLOAD, ROW, GtkBox)

struct _DownloadRowClass
{
  GtkBoxClass parent_class;
};

typedef struct
{
  GtkWidget *progress;
  guint      received;
  guint      total;
} DownloadRowPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (DownloadRow, download_row, GTK_TYPE_BOX)

enum { PROP_0, PROP_RECEIVED, N_PROPS };
static GParamSpec *properties[N_PROPS];

static gboolean leaky;

/* Called through the closure: (binding, source value, target value, data). */
static gboolean
received_to_fraction (GBinding     *binding,
                      const GValue *from,
                      GValue       *to,
                      gpointer      user_data)
{
  DownloadRowPrivate *priv = download_row_get_instance_private (DOWNLOAD_ROW (user_data));

  g_value_set_double (to, priv->total == 0 ? 0.0
                                           : (double) g_value_get_uint (from) / priv->total);
  return TRUE;
}

static void
download_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DownloadRowPrivate *priv = download_row_get_instance_private (DOWNLOAD_ROW (object));

  if (prop_id == PROP_RECEIVED)
    g_value_set_uint (value, priv->received);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
download_row_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  DownloadRowPrivate *priv = download_row_get_instance_private (DOWNLOAD_ROW (object));

  if (prop_id == PROP_RECEIVED && priv->received != g_value_get_uint (value))
    {
      priv->received = g_value_get_uint (value);
      g_object_notify_by_pspec (object, pspec);
    }
  else if (prop_id != PROP_RECEIVED)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
download_row_class_init (DownloadRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = download_row_get_property;
  object_class->set_property = download_row_set_property;
  properties[PROP_RECEIVED] = g_param_spec_uint ("received", NULL, NULL, 0, G_MAXUINT, 0,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                 | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
download_row_init (DownloadRow *self)
{
  DownloadRowPrivate *priv = download_row_get_instance_private (self);
  GClosure *transform;

  priv->total = 4096;
  priv->progress = gtk_progress_bar_new ();
  gtk_box_append (GTK_BOX (self), priv->progress);
  if (leaky)
    transform = g_cclosure_new (G_CALLBACK (received_to_fraction), g_object_ref (self),
                                (GClosureNotify) g_object_unref);
  else
    transform = g_cclosure_new_object (G_CALLBACK (received_to_fraction), G_OBJECT (self));
  g_object_bind_property_with_closures (self, "received", priv->progress, "fraction",
                                        G_BINDING_SYNC_CREATE, transform, NULL);
}

int
main (int    argc,
      char **argv)
{
  GtkWidget *row;

  leaky = corpus_parse_leaky (argc, argv);
  gtk_init ();
  row = g_object_new (DOWNLOAD_TYPE_ROW, NULL);
  g_object_set (row, "received", 1024, NULL);
  corpus_show_in_window (row);
  return 0;
}
