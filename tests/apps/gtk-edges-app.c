/* gtk-edges-app.c — an unmodified GTK 4 program for `ouro run` tests of
 * the edges GTK keeps in its own tables: it never includes or links Ouro.
 *
 * Main thread only (GTK).  Usage: gtk-edges-app template|expression
 * leaky|clean.  It shows a window, lets it draw, closes it, lets the main
 * loop settle and exits 0.
 *   template    the window holds an EdgesPanel, a widget built from a
 *               class template (a string, gtk_widget_class_set_template ())
 *               whose "save" button is a bound template child.
 *               leaky: the button's "clicked" handler holds its panel
 *               (g_object_ref (self) as handler data): the panel (through
 *               GTK's template table and as the button's parent) and the
 *               button keep each other alive after the window is gone;
 *               clean: the same handler connected with
 *               g_signal_connect_object: the panel goes with its window
 *   expression  the window holds a GtkDropDown whose expression is a
 *               cclosure expression.  leaky: its user data is a reference
 *               to the window, released with g_object_unref: the window,
 *               the drop-down and the expression keep each other alive;
 *               clean: the user data is the window, borrowed
 */
#include <string.h>

#include <gtk/gtk.h>

#define EDGES_TYPE_PANEL (edges_panel_get_type ())
G_DECLARE_FINAL_TYPE (EdgesPanel, edges_panel, EDGES, PANEL, GtkWidget)

struct _EdgesPanel
{
  GtkWidget  parent_instance;
  GtkWidget *save;      /* bound template child: GTK's table holds it */
  guint      clicks;
};

G_DEFINE_FINAL_TYPE (EdgesPanel, edges_panel, GTK_TYPE_WIDGET)

static gboolean leaky;

static const char panel_ui[] =
  "<interface>"
  "  <template class=\"EdgesPanel\" parent=\"GtkWidget\">"
  "    <child>"
  "      <object class=\"GtkButton\" id=\"save\">"
  "        <property name=\"label\">Save</property>"
  "      </object>"
  "    </child>"
  "  </template>"
  "</interface>";

static void
on_clicked (GtkButton  *button,
            EdgesPanel *self)
{
  self->clicks++;
}

static void
edges_panel_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), EDGES_TYPE_PANEL);
  G_OBJECT_CLASS (edges_panel_parent_class)->dispose (object);
}

static void
edges_panel_class_init (EdgesPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GBytes *bytes = g_bytes_new_static (panel_ui, sizeof panel_ui - 1);

  G_OBJECT_CLASS (klass)->dispose = edges_panel_dispose;
  gtk_widget_class_set_template (widget_class, bytes);
  g_bytes_unref (bytes);
  gtk_widget_class_bind_template_child (widget_class, EdgesPanel, save);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
edges_panel_init (EdgesPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  if (leaky)
    g_signal_connect_data (self->save, "clicked", G_CALLBACK (on_clicked),
                           g_object_ref (self), (GClosureNotify) g_object_unref, 0);
  else
    g_signal_connect_object (self->save, "clicked", G_CALLBACK (on_clicked), self, 0);
}

static char *
drop_down_label (GObject    *item,
                 const char *title)
{
  return g_strdup (title);
}

/* A drop-down (no model) whose expression holds @window or borrows it. */
static GtkWidget *
drop_down_new (GtkWidget *window)
{
  GtkExpression *expression;

  if (leaky)
    expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                              G_CALLBACK (drop_down_label),
                                              g_object_ref (window),
                                              (GClosureNotify) g_object_unref);
  else
    expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                              G_CALLBACK (drop_down_label), window, NULL);
  return gtk_drop_down_new (NULL, expression);
}

static gboolean closed;

static gboolean
close_window (gpointer window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  closed = TRUE;
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  GtkWidget *window;

  if (argc != 3 || (strcmp (argv[1], "template") != 0 && strcmp (argv[1], "expression") != 0)
      || (strcmp (argv[2], "leaky") != 0 && strcmp (argv[2], "clean") != 0))
    {
      g_printerr ("usage: gtk-edges-app template|expression leaky|clean\n");
      return 2;
    }
  leaky = strcmp (argv[2], "leaky") == 0;

  gtk_init ();
  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "ouro edges");
  if (strcmp (argv[1], "template") == 0)
    gtk_window_set_child (GTK_WINDOW (window), g_object_new (EDGES_TYPE_PANEL, NULL));
  else
    gtk_window_set_child (GTK_WINDOW (window), drop_down_new (window));
  gtk_window_present (GTK_WINDOW (window));

  /* The leaky expression keeps the window: wait for the close, not for
   * the window to be finalized. */
  g_timeout_add (200, close_window, window);
  while (!closed)
    g_main_context_iteration (NULL, TRUE);
  /* Let GTK finish what closing the window scheduled. */
  for (int i = 0; i < 50 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  return 0;
}
