/* corpus-gtk.h — what the GTK corpus programs share: showing a widget in a
 * window for a moment, as a user would open and close it.
 *
 * Main thread only (GTK); gtk_init () first.
 */
#pragma once

#include <gtk/gtk.h>

/* Puts @child (floating, or with a reference the caller gives up) in a new
 * window, presents it, closes it after 100 ms, and returns once the window
 * is destroyed and the main loop has settled (corpus_settle ()).  What the
 * window held is then only what the program's own code still holds. */
void corpus_show_in_window (GtkWidget *child);
