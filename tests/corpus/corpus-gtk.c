/* corpus-gtk.c — the GTK corpus programs' shared helper; see
 * corpus-gtk.h. */
#include "corpus-gtk.h"

#include "corpus.h"

static gboolean
close_window (gpointer window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  return G_SOURCE_REMOVE;
}

void
corpus_show_in_window (GtkWidget *child)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_title (GTK_WINDOW (window), "ouro corpus");
  gtk_window_set_child (GTK_WINDOW (window), child);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_present (GTK_WINDOW (window));

  g_timeout_add (100, close_window, window);
  while (window != NULL)
    g_main_context_iteration (NULL, TRUE);
  /* Let GTK finish what closing the window scheduled. */
  corpus_settle ();
}
