/* timeout-source.c — corpus program: a timeout whose data holds the widget
 * that would remove it in its dispose.
 *
 * ClockLabel is a GtkBox with a label child that shows the time, updated
 * by a one-second timeout its init adds and its dispose removes.  Usage:
 * corpus-timeout-source leaky|clean.  Both show a clock in a window, close
 * it and exit 0.
 *   leaky  the timeout is g_timeout_add_full () with g_object_ref (self) as
 *          its data and g_object_unref as its notify: the main context
 *          holds the clock through the source, so the dispose that would
 *          remove the source never runs
 *   clean  the timeout borrows the clock (no reference) and dispose
 *          removes it: the clock goes with its window
 */
#include <gtk/gtk.h>

#include "corpus-gtk.h"
#include "corpus.h"

#define CLOCK_TYPE_LABEL (clock_label_get_type ())
G_DECLARE_DERIVABLE_TYPE (ClockLabel, clock_label, CLOCK, LABEL, GtkBox)

struct _ClockLabelClass
{
  GtkBoxClass parent_class;
};

typedef struct
{
  GtkWidget *label;
  guint      tick_id;
} ClockLabelPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (ClockLabel, clock_label, GTK_TYPE_BOX)

static gboolean leaky;

static gboolean
clock_label_tick (gpointer data)
{
  ClockLabelPrivate *priv = clock_label_get_instance_private (CLOCK_LABEL (data));
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *text = g_date_time_format (now, "%H:%M:%S");

  gtk_label_set_label (GTK_LABEL (priv->label), text);
  return G_SOURCE_CONTINUE;
}

static void
clock_label_dispose (GObject *object)
{
  ClockLabelPrivate *priv = clock_label_get_instance_private (CLOCK_LABEL (object));

  g_clear_handle_id (&priv->tick_id, g_source_remove);
  G_OBJECT_CLASS (clock_label_parent_class)->dispose (object);
}

static void
clock_label_class_init (ClockLabelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = clock_label_dispose;
}

static void
clock_label_init (ClockLabel *self)
{
  ClockLabelPrivate *priv = clock_label_get_instance_private (self);

  priv->label = gtk_label_new (NULL);
  gtk_box_append (GTK_BOX (self), priv->label);
  clock_label_tick (self);
  if (leaky)
    priv->tick_id = g_timeout_add_full (G_PRIORITY_DEFAULT, 1000, clock_label_tick,
                                        g_object_ref (self), g_object_unref);
  else
    priv->tick_id = g_timeout_add (1000, clock_label_tick, self);
}

int
main (int    argc,
      char **argv)
{
  leaky = corpus_parse_leaky (argc, argv);
  gtk_init ();
  corpus_show_in_window (g_object_new (CLOCK_TYPE_LABEL, NULL));
  return 0;
}
