/* gtk-controller-cycle.c — the classic GTK 4 leak: an event controller
 * whose handler holds the window it is attached to.
 *
 * An editor window has an entry and a key controller, so that Escape
 * closes it.  The "key-pressed" handler gets g_object_ref (window) as its
 * data, "so the window stays valid while the handler runs": the window
 * holds the controller (gtk_widget_add_controller), the controller's
 * handler holds the window.  gtk_window_destroy () only drops the
 * reference GTK's list of toplevels holds (GTK 4.8 does not dispose the
 * window), so the window, its entry and its controller stay alive for
 * good, and valgrind calls them "still reachable".  Ouro sees the
 * controller edge and the handler data as they are made and reports the
 * cycle; libouro-gobject finds GTK at run time, it does not link it.
 * (The entry, which has the focus, is held through the window's focus
 * references as well as the widget tree; the report lists it with the
 * garbage the cycle holds.)
 *
 * The fix connects the handler with ouro_signal_connect_weak (), which
 * holds the window weakly and never runs the handler once the window's
 * last reference is gone; g_signal_connect_object () would also break the
 * cycle, but leaves the handler able to run during the window's own
 * dispose.
 *
 * Usage: gtk-controller-cycle.  Needs a display: headless, run it as
 * `xvfb-run -a gtk-controller-cycle`.  Exits 0 when the leak was found and
 * the fix scanned clean, 1 otherwise, 77 without a display.
 * Single-threaded, on GTK's main thread.
 */
#include <stdio.h>

#include <gtk/gtk.h>
#include <ouro-gobject.h>

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                gpointer               user_data)
{
  GtkWindow *window = user_data;

  if (keyval != GDK_KEY_Escape)
    return FALSE;
  gtk_window_destroy (window);
  return TRUE;
}

static GtkWidget *
editor_window_new (gboolean             fixed,
                   GtkEventController **out_key)
{
  GtkWidget *window = gtk_window_new ();   /* GTK's toplevel list holds it */
  GtkWidget *entry = gtk_entry_new ();
  GtkEventController *key = gtk_event_controller_key_new ();

  gtk_window_set_title (GTK_WINDOW (window), fixed ? "notes (fixed)" : "notes");
  gtk_widget_set_name (entry, "note");
  gtk_window_set_child (GTK_WINDOW (window), entry);

  if (fixed)
    /* The window is held weakly: no cycle.  Better still (disconnected
     * as soon as the window is disposed, never run for a dying window):
     * ouro_signal_connect_weak (key, "key-pressed",
     *                           G_CALLBACK (on_key_pressed), window, 0); */
    ouro_signal_connect_weak (key, "key-pressed", G_CALLBACK (on_key_pressed), window, 0);
  else
    /* The leak: the handler's data holds the window that holds the key
     * controller that holds the handler. */
    g_signal_connect_data (key, "key-pressed", G_CALLBACK (on_key_pressed),
                           g_object_ref (window), (GClosureNotify) g_object_unref, 0);
  gtk_widget_add_controller (window, key);   /* the window takes the controller */
  *out_key = key;
  return window;
}

static void
iterate_until_idle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Shows @window, lets GTK map and draw it, then closes it. */
static void
open_and_close (GtkWidget *window)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (window) && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  iterate_until_idle ();

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_until_idle ();
}

/* Scans and prints the report.  Returns the number of garbage objects;
 * *is_garbage says whether @object (alive) is one of them. */
static guint
scan_and_print (gpointer  object,
                gboolean *is_garbage)
{
  OuroReport *report = ouro_scan (OURO_SCAN_GARBAGE);
  char *text = ouro_report_to_text (report);
  guint n_garbage = ouro_report_get_n_garbage (report);

  fputs (text, stdout);
  fflush (stdout);
  if (is_garbage != NULL)
    *is_garbage = ouro_report_is_garbage (report, object);
  g_free (text);
  ouro_report_free (report);
  return n_garbage;
}

int
main (void)
{
  GtkEventController *key;
  GtkWidget *window;
  gpointer leaked_window, fixed_window;
  gboolean window_is_garbage, freed_by_disconnect;
  guint n_leaked, n_garbage;

  /* Before GTK creates anything, so that every GTK object is tracked. */
  ouro_gobject_init ();
  if (!gtk_init_check ())
    {
      fprintf (stderr, "gtk-controller-cycle: cannot open a display; run it as "
                       "`xvfb-run -a gtk-controller-cycle`\n");
      return 77;
    }

  printf ("== 1. The key controller's handler holds the window ==\n\n");
  window = editor_window_new (FALSE, &key);
  leaked_window = window;
  g_object_add_weak_pointer (G_OBJECT (window), &leaked_window);
  open_and_close (window);
  n_leaked = scan_and_print (window, &window_is_garbage);
  /* Once leaked, the window goes only when its handler lets go of it. */
  g_signal_handlers_disconnect_by_func (key, on_key_pressed, window);
  freed_by_disconnect = leaked_window == NULL;
  printf ("disconnecting the handler %s the window\n", freed_by_disconnect ? "freed" : "did NOT free");

  printf ("\n== 2. The fix: ouro_signal_connect_weak () holds the window weakly ==\n\n");
  window = editor_window_new (TRUE, &key);
  fixed_window = window;
  g_object_add_weak_pointer (G_OBJECT (window), &fixed_window);
  open_and_close (window);
  n_garbage = scan_and_print (NULL, NULL);
  printf ("the window was %s when it was closed\n", fixed_window == NULL ? "freed" : "NOT freed");

  return window_is_garbage && n_leaked >= 2 && freed_by_disconnect
         && n_garbage == 0 && fixed_window == NULL ? 0 : 1;
}
