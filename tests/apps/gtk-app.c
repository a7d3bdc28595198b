/* gtk-app.c — an unmodified GTK 4 program for `ouro run` tests: it never
 * includes or links Ouro.
 *
 * Main thread only (GTK).  Usage: gtk-app leaky|clean.  Both show a window
 * holding an AppPanel (a widget with a button child and a click
 * controller), let it draw, close the window, let the main loop settle and
 * exit 0.
 *   leaky  the button's "clicked" handler holds its panel
 *          (g_object_ref (self) as handler data), and so does the click
 *          gesture's "pressed" handler: the panel and its button, and the
 *          panel and its controller, keep each other alive after the window
 *          is gone
 *   clean  the same handlers connected with g_signal_connect_object: the
 *          panel goes with its window
 */
#include <string.h>

#include <gtk/gtk.h>

#define APP_TYPE_PANEL (app_panel_get_type ())
G_DECLARE_FINAL_TYPE (AppPanel, app_panel, APP, PANEL, GtkWidget)

struct _AppPanel
{
  GtkWidget  parent_instance;
  GtkWidget *button;
  guint      clicks;
};

G_DEFINE_FINAL_TYPE (AppPanel, app_panel, GTK_TYPE_WIDGET)

static gboolean leaky;

static void
on_clicked (GtkButton *button,
            AppPanel  *self)
{
  self->clicks++;
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            AppPanel        *self)
{
  self->clicks++;
}

static void
app_panel_dispose (GObject *object)
{
  AppPanel *self = APP_PANEL (object);

  g_clear_pointer (&self->button, gtk_widget_unparent);
  G_OBJECT_CLASS (app_panel_parent_class)->dispose (object);
}

static void
app_panel_class_init (AppPanelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = app_panel_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
}

static void
app_panel_init (AppPanel *self)
{
  GtkGesture *gesture = gtk_gesture_click_new ();

  self->button = gtk_button_new_with_label ("Save");
  gtk_widget_set_parent (self->button, GTK_WIDGET (self));
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  if (leaky)
    {
      g_signal_connect_data (self->button, "clicked", G_CALLBACK (on_clicked),
                             g_object_ref (self), (GClosureNotify) g_object_unref, 0);
      g_signal_connect_data (gesture, "pressed", G_CALLBACK (on_pressed),
                             g_object_ref (self), (GClosureNotify) g_object_unref, 0);
    }
  else
    {
      g_signal_connect_object (self->button, "clicked", G_CALLBACK (on_clicked), self, 0);
      g_signal_connect_object (gesture, "pressed", G_CALLBACK (on_pressed), self, 0);
    }
}

static gboolean
close_window (gpointer window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  GtkWidget *window;

  if (argc != 2 || (strcmp (argv[1], "leaky") != 0 && strcmp (argv[1], "clean") != 0))
    {
      g_printerr ("usage: gtk-app leaky|clean\n");
      return 2;
    }
  leaky = strcmp (argv[1], "leaky") == 0;

  gtk_init ();
  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "ouro test");
  gtk_window_set_child (GTK_WINDOW (window), g_object_new (APP_TYPE_PANEL, NULL));
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_present (GTK_WINDOW (window));

  g_timeout_add (200, close_window, window);
  while (window != NULL)
    g_main_context_iteration (NULL, TRUE);
  /* Let GTK finish what closing the window scheduled. */
  for (int i = 0; i < 50 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  return 0;
}
