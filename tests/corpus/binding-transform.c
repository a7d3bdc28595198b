/* binding-transform.c — corpus program: a property binding whose transform
 * data holds the widget that owns the binding's target.
 *
 * CounterView is a GtkBox with a label child; its "count" property is
 * bound to the label's "label" with g_object_bind_property_full (), whose
 * transform function needs the view's unit.  Usage:
 * corpus-binding-transform leaky|clean.  Both show a view in a window,
 * close it and exit 0.
 *   leaky  the transform's user data is g_object_ref (self), released by
 *          g_object_unref when the binding goes; the binding goes when the
 *          view or the label is finalized, which that reference prevents
 *   clean  the user data is the view itself, unreferenced: the binding
 *          never outlives it, and the view goes with its window
 */
#include <gtk/gtk.h>

#include "corpus-gtk.h"
#include "corpus.h"

#define COUNTER_TYPE_VIEW (counter_view_get_type ())
G_DECLARE_DERIVABLE_TYPE (CounterView, counter_view, COUNTER, VIEW, GtkBox)

struct _CounterViewClass
{
  GtkBoxClass parent_class;
};

typedef struct
{
  GtkWidget *label;
  char      *unit;
  int        count;
} CounterViewPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (CounterView, counter_view, GTK_TYPE_BOX)

enum { PROP_0, PROP_COUNT, N_PROPS };
static GParamSpec *properties[N_PROPS];

static gboolean leaky;

static gboolean
count_to_label (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  CounterViewPrivate *priv = counter_view_get_instance_private (COUNTER_VIEW (user_data));

  g_value_take_string (to, g_strdup_printf ("%d %s", g_value_get_int (from), priv->unit));
  return TRUE;
}

static void
counter_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  CounterViewPrivate *priv = counter_view_get_instance_private (COUNTER_VIEW (object));

  if (prop_id == PROP_COUNT)
    g_value_set_int (value, priv->count);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
counter_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  CounterViewPrivate *priv = counter_view_get_instance_private (COUNTER_VIEW (object));

  if (prop_id == PROP_COUNT && priv->count != g_value_get_int (value))
    {
      priv->count = g_value_get_int (value);
      g_object_notify_by_pspec (object, pspec);
    }
  else if (prop_id != PROP_COUNT)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
counter_view_finalize (GObject *object)
{
  CounterViewPrivate *priv = counter_view_get_instance_private (COUNTER_VIEW (object));

  g_free (priv->unit);
  G_OBJECT_CLASS (counter_view_parent_class)->finalize (object);
}

static void
counter_view_class_init (CounterViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = counter_view_get_property;
  object_class->set_property = counter_view_set_property;
  object_class->finalize = counter_view_finalize;
  properties[PROP_COUNT] = g_param_spec_int ("count", NULL, NULL, 0, G_MAXINT, 0,
                                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                             | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
counter_view_init (CounterView *self)
{
  CounterViewPrivate *priv = counter_view_get_instance_private (self);

  priv->unit = g_strdup ("unread");
  priv->label = gtk_label_new (NULL);
  gtk_box_append (GTK_BOX (self), priv->label);
  if (leaky)
    g_object_bind_property_full (self, "count", priv->label, "label", G_BINDING_SYNC_CREATE,
                                 count_to_label, NULL, g_object_ref (self), g_object_unref);
  else
    g_object_bind_property_full (self, "count", priv->label, "label", G_BINDING_SYNC_CREATE,
                                 count_to_label, NULL, self, NULL);
}

int
main (int    argc,
      char **argv)
{
  GtkWidget *view;

  leaky = corpus_parse_leaky (argc, argv);
  gtk_init ();
  view = g_object_new (COUNTER_TYPE_VIEW, NULL);
  g_object_set (view, "count", 3, NULL);
  corpus_show_in_window (view);
  return 0;
}
