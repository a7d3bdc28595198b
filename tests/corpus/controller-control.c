/* controller-control.c — corpus program, a control: an event controller
 * whose handler holds its widget, which Ouro sees without new features.
 *
 * SketchCanvas is a GtkWidget that follows drags with a GtkGestureDrag it
 * adds to itself.  Usage: corpus-controller-control leaky|clean.  Both
 * show a canvas in a window, close it and exit 0.
 *   leaky  the gesture's "drag-begin" handler is connected with
 *          g_object_ref (self) as its data: the canvas holds its
 *          controller, the controller's handler holds the canvas
 *   clean  the handler is connected with g_signal_connect_object
 */
#include <gtk/gtk.h>

#include "corpus-gtk.h"
#include "corpus.h"

#define SKETCH_TYPE_CANVAS (sketch_canvas_get_type ())
G_DECLARE_DERIVABLE_TYPE (SketchCanvas, sketch_canvas, SKETCH, CANVAS, GtkWidget)

struct _SketchCanvasClass
{
  GtkWidgetClass parent_class;
};

typedef struct
{
  double start_x;
  double start_y;
} SketchCanvasPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (SketchCanvas, sketch_canvas, GTK_TYPE_WIDGET)

static gboolean leaky;

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               SketchCanvas   *self)
{
  SketchCanvasPrivate *priv = sketch_canvas_get_instance_private (self);

  priv->start_x = x;
  priv->start_y = y;
}

static void
sketch_canvas_class_init (SketchCanvasClass *klass)
{
}

static void
sketch_canvas_init (SketchCanvas *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  gtk_widget_set_size_request (GTK_WIDGET (self), 200, 150);
  if (leaky)
    g_signal_connect_data (drag, "drag-begin", G_CALLBACK (on_drag_begin), g_object_ref (self),
                           (GClosureNotify) g_object_unref, 0);
  else
    g_signal_connect_object (drag, "drag-begin", G_CALLBACK (on_drag_begin), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
}

int
main (int    argc,
      char **argv)
{
  leaky = corpus_parse_leaky (argc, argv);
  gtk_init ();
  corpus_show_in_window (g_object_new (SKETCH_TYPE_CANVAS, NULL));
  return 0;
}
