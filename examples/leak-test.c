/* leak-test.c — how a project adds Ouro leak tests: a GTest program that
 * runs each scenario many times and fails, with Ouro's report, when the
 * scenario leaks a cycle or grows some type.
 *
 * The scenario here is a window-like object that owns a button and reacts
 * to its clicks.  test_open_close_window passes: the handler is connected
 * with ouro_signal_connect_weak ().  Build with OURO_LEAK_TEST_BUGGY=1 in
 * the environment to connect it with g_object_ref (self) instead and see
 * the test fail with the cycle named.
 *
 * In a meson project:
 *   ouro_dep = dependency('ouro-gobject')
 *   test('leaks', executable('leak-test', 'leak-test.c', dependencies: [ouro_dep, gtk_dep]))
 * and under valgrind, `meson test --setup=valgrind` also catches plain
 * malloc leaks in the same loop.
 */
#include <ouro-gobject.h>

typedef struct { GObject parent; } Button;
typedef struct { GObjectClass parent_class; } ButtonClass;
static GType button_get_type (void);
G_DEFINE_TYPE (Button, button, G_TYPE_OBJECT)
static void
button_class_init (ButtonClass *klass)
{
  g_signal_new ("clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);
}
static void button_init (Button *self) { }

typedef struct { GObject parent; Button *button; guint clicks; } Window;
typedef struct { GObjectClass parent_class; } WindowClass;
static GType window_get_type (void);
G_DEFINE_TYPE (Window, window, G_TYPE_OBJECT)

static void
window_dispose (GObject *object)
{
  g_clear_object (&((Window *) object)->button);
  G_OBJECT_CLASS (window_parent_class)->dispose (object);
}

static void window_class_init (WindowClass *klass) { G_OBJECT_CLASS (klass)->dispose = window_dispose; }
static void window_init (Window *self) { self->button = g_object_new (button_get_type (), NULL); }

static void
on_clicked (Button *button,
            Window *self)
{
  self->clicks++;
}

/* One use of the code under test: open a window, click, close it. */
static void
open_click_close (gpointer user_data)
{
  Window *window = g_object_new (window_get_type (), NULL);

  if (g_getenv ("OURO_LEAK_TEST_BUGGY") != NULL)
    g_signal_connect_data (window->button, "clicked", G_CALLBACK (on_clicked),
                           g_object_ref (window), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  else
    ouro_signal_connect_weak (window->button, "clicked", G_CALLBACK (on_clicked), window, 0);
  g_signal_emit_by_name (window->button, "clicked");
  g_object_unref (window);
}

static void
test_open_close_window (void)
{
  ouro_assert_no_leaks (open_click_close, NULL, 20);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* Before anything creates objects: every GObject is tracked from here. */
  ouro_gobject_init ();
  OURO_GOBJECT_ADD_FIELD (window_get_type (), Window, button);

  g_test_add_func ("/leak-test/open-close-window", test_open_close_window);
  return g_test_run ();
}
