/* bound-callback.c — the classic GObject leak: an owner connects to its
 * child's signal with g_object_ref (self) as handler data.
 *
 * An EditorWindow owns a SaveButton (a field).  To react to clicks it
 * connects to the button's "clicked" signal and, to be safe, passes
 * g_object_ref (self) as the handler's data with g_object_unref as destroy
 * notify.  Now the button's handler holds the window and the window holds
 * the button: once the program lets go of the window, neither is ever
 * finalized.  valgrind and LeakSanitizer report nothing (GLib's global
 * handler table keeps it all "still reachable").  Ouro finds the cycle
 * with no description of these types beyond the one field, names the
 * signal handler as the reference to make weak, and the fix is
 * ouro_signal_connect_weak ().
 *
 * Usage: bound-callback [--format text|json|dot]
 * Single-threaded.
 */
#include <stdio.h>
#include <string.h>

#include <ouro-gobject.h>

/* ---- SaveButton: a child with a "clicked" signal ---------------------- */

typedef struct { GObject parent; } SaveButton;
typedef struct { GObjectClass parent_class; } SaveButtonClass;
static GType save_button_get_type (void);
G_DEFINE_TYPE (SaveButton, save_button, G_TYPE_OBJECT)

static void
save_button_class_init (SaveButtonClass *klass)
{
  g_signal_new ("clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void save_button_init (SaveButton *self) { }

/* ---- EditorWindow: owns its button ------------------------------------ */

typedef struct {
  GObject     parent;
  SaveButton *save_button;   /* owned */
  char       *title;
  guint       n_saves;
} EditorWindow;
typedef struct { GObjectClass parent_class; } EditorWindowClass;
static GType editor_window_get_type (void);
G_DEFINE_TYPE (EditorWindow, editor_window, G_TYPE_OBJECT)

static void
editor_window_dispose (GObject *object)
{
  g_clear_object (&((EditorWindow *) object)->save_button);
  G_OBJECT_CLASS (editor_window_parent_class)->dispose (object);
}

static void
editor_window_finalize (GObject *object)
{
  g_free (((EditorWindow *) object)->title);
  G_OBJECT_CLASS (editor_window_parent_class)->finalize (object);
}

static void
editor_window_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  g_value_set_string (value, ((EditorWindow *) object)->title);
}

static void
editor_window_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  g_free (((EditorWindow *) object)->title);
  ((EditorWindow *) object)->title = g_value_dup_string (value);
}

static void
editor_window_class_init (EditorWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = editor_window_dispose;
  object_class->finalize = editor_window_finalize;
  object_class->get_property = editor_window_get_property;
  object_class->set_property = editor_window_set_property;
  g_object_class_install_property (object_class, 1,
    g_param_spec_string ("title", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
editor_window_init (EditorWindow *self)
{
  self->save_button = g_object_new (save_button_get_type (), NULL);
}

static void
on_save_clicked (SaveButton   *button,
                 EditorWindow *self)
{
  self->n_saves++;
}

/* The bug: the handler's data holds the window. */
static EditorWindow *
editor_window_new_leaky (const char *title)
{
  EditorWindow *self = g_object_new (editor_window_get_type (), "title", title, NULL);

  g_signal_connect_data (self->save_button, "clicked", G_CALLBACK (on_save_clicked),
                         g_object_ref (self), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  return self;
}

/* The fix: the handler holds the window weakly. */
static EditorWindow *
editor_window_new_fixed (const char *title)
{
  EditorWindow *self = g_object_new (editor_window_get_type (), "title", title, NULL);

  ouro_signal_connect_weak (self->save_button, "clicked", G_CALLBACK (on_save_clicked), self, 0);
  return self;
}

static char *
report_format (OuroReport *report,
               const char *format)
{
  if (g_strcmp0 (format, "json") == 0)
    return ouro_report_to_json (report);
  if (g_strcmp0 (format, "dot") == 0)
    return ouro_report_to_dot (report);
  return ouro_report_to_text (report);
}

int
main (int    argc,
      char **argv)
{
  const char *format = "text";
  FILE *narrative = stdout;
  EditorWindow *window;
  OuroReport *report;
  guint n_leaked, n_tracked;
  char *text;

  if (argc == 3 && strcmp (argv[1], "--format") == 0)
    format = argv[2];
  else if (argc != 1)
    {
      fprintf (stderr, "usage: %s [--format text|json|dot]\n", argv[0]);
      return 2;
    }
  if (strcmp (format, "text") != 0)
    narrative = stderr;

  /* Track every GObject from here on; say which field owns the button. */
  ouro_gobject_init ();
  OURO_GOBJECT_ADD_FIELD (editor_window_get_type (), EditorWindow, save_button);

  fprintf (narrative, "== 1. The window passes g_object_ref (self) to its button's handler ==\n\n");
  window = editor_window_new_leaky ("notes.txt");
  g_signal_emit_by_name (window->save_button, "clicked");
  g_object_unref (window);                 /* the program is done with it... */

  report = ouro_scan (OURO_SCAN_GARBAGE);
  text = report_format (report, format);
  fputs (text, stdout);
  g_free (text);
  n_leaked = ouro_report_get_n_garbage (report);
  ouro_report_free (report);
  if (n_leaked != 2)
    {
      fprintf (stderr, "bound-callback: expected 2 leaked objects, found %u\n", n_leaked);
      return 1;
    }

  fflush (stdout);
  n_leaked = ouro_collect ();
  fprintf (narrative, "\nouro_collect () disposed them: %u garbage objects, %u GObjects still tracked\n",
           n_leaked, ouro_get_n_tracked ());

  fprintf (narrative, "\n== 2. The fix: ouro_signal_connect_weak () ==\n\n");
  window = editor_window_new_fixed ("notes.txt");
  g_signal_emit_by_name (window->save_button, "clicked");
  g_object_unref (window);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  text = ouro_report_to_text (report);
  fputs (text, narrative);
  g_free (text);
  n_leaked = ouro_report_get_n_garbage (report);
  ouro_report_free (report);
  n_tracked = ouro_get_n_tracked ();

  return n_leaked == 0 && n_tracked == 0 ? 0 : 1;
}
