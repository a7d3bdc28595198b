/* test-run-bindings.c — `ouro run` on GTK 4 programs written in Python
 * (PyGObject) and JavaScript (GJS), run the way their users run them.
 *
 * Single-threaded.  The programs, tests/apps/py-gtk-app.py and
 * tests/apps/gjs-gtk-app.js (found through G_TEST_SRCDIR), never load Ouro.
 * A language binding holds the GObjects its wrappers stand for with toggle
 * references, runs its own code for them (toggle notifies, properties
 * defined in the language), and may have shut its interpreter down by the
 * time the exit report describes them.  The cases check, for the report at
 * exit and for one asked for with SIGUSR1 while the window is up, that the
 * program exits 0, that the report is written and finds no garbage in
 * these clean programs, and that the binding's objects are marked as held
 * by it.  Python is Debian's /usr/bin/python3 (the one python3-gi is built
 * for; a python3 earlier on PATH, such as pyenv's, may have no gi), gjs the
 * one on PATH.  Cases skip, naming what is missing, without a display or
 * without the binding and GTK 4's typelib.
 */
#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <ouro.h>

#include "run-common.h"

#define TOGGLE_MARK "[toggle ref: held by a language binding]"

typedef struct {
  const char *name;         /* in messages */
  const char *interpreter;  /* an absolute path, or a name to find on PATH */
  const char *option;       /* the interpreter's, before the script, or NULL */
  const char *script;       /* in tests/apps */
  const char *probe[4];     /* interpreter arguments that load GTK 4 */
  const char *packages;     /* Debian packages that provide the above */
  const char *panel_type;   /* the program's subclass of a GTK widget */
  const char *note_type;    /* its GObject subclass, in a GListStore */
  gboolean    held_at_exit; /* some wrappers outlive the interpreter */
} Binding;

static const Binding python_binding = {
  .name = "PyGObject",
  .interpreter = "/usr/bin/python3",
  .script = "py-gtk-app.py",
  .probe = { "-c", "import gi; gi.require_version('Gtk', '4.0'); "
                   "from gi.repository import Gtk", NULL },
  .packages = "python3-gi, gir1.2-gtk-4.0",
  .panel_type = "PySavePanel",
  .note_type = "PyNote",
  /* Some wrappers outlive CPython's finalization, and so do their objects:
   * with Debian 12's python3-gi, the panel's and every note's. */
  .held_at_exit = TRUE,
};

static const Binding gjs_binding = {
  .name = "GJS",
  .interpreter = "gjs",
  .option = "-m",
  .script = "gjs-gtk-app.js",
  .probe = { "-c", "imports.gi.versions.Gtk = '4.0'; imports.gi.Gtk;", NULL },
  .packages = "gjs, gir1.2-gtk-4.0",
  .panel_type = "JsSavePanel",
  .note_type = "JsNote",
  /* GJS drops its toggle references when it disposes of its context,
   * before the program exits. */
  .held_at_exit = FALSE,
};

/* Returns the interpreter's path, or NULL after g_test_skip () saying what
 * is missing. */
static char *
binding_find (const Binding *binding)
{
  g_autofree char *interpreter = NULL;
  g_autoptr(GStrvBuilder) probe = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autofree char *reason = NULL;
  RunResult result;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return NULL;
    }
  interpreter = g_path_is_absolute (binding->interpreter)
    ? (g_file_test (binding->interpreter, G_FILE_TEST_IS_EXECUTABLE)
       ? g_strdup (binding->interpreter) : NULL)
    : g_find_program_in_path (binding->interpreter);
  if (interpreter == NULL)
    {
      reason = g_strdup_printf ("%s not found (Debian packages %s)", binding->interpreter,
                                binding->packages);
      g_test_skip (reason);
      return NULL;
    }

  g_strv_builder_add (probe, interpreter);
  g_strv_builder_addv (probe, (const char **) binding->probe);
  argv = g_strv_builder_end (probe);
  run_command ((const char *const *) argv, NULL, &result);
  if (result.status != 0)
    {
      /* The error's last line (a traceback's): a skip reason is one line. */
      const char *error_line = strrchr (g_strstrip (result.err), '\n');

      reason = g_strdup_printf ("%s cannot load GTK 4 through %s (Debian packages %s): %s",
                                interpreter, binding->name, binding->packages,
                                error_line != NULL ? error_line + 1 : result.err);
    }
  run_result_clear (&result);
  if (reason != NULL)
    {
      g_test_skip (reason);
      return NULL;
    }
  return g_steal_pointer (&interpreter);
}

/* `ouro run OPTIONS -- INTERPRETER [OPTION] SCRIPT [MODE]`, NULL-terminated;
 * @options is NULL-terminated. */
static GStrv
binding_command (const Binding     *binding,
                 const char        *interpreter,
                 const char *const *options,
                 const char        *mode)
{
  g_autoptr(GStrvBuilder) command = g_strv_builder_new ();
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "apps", binding->script,
                                                   NULL);

  g_strv_builder_add_many (command, tool (), "run", NULL);
  g_strv_builder_addv (command, (const char **) options);
  g_strv_builder_add_many (command, "--", interpreter, NULL);
  if (binding->option != NULL)
    g_strv_builder_add (command, binding->option);
  g_strv_builder_add (command, script);
  if (mode != NULL)
    g_strv_builder_add (command, mode);
  return g_strv_builder_end (command);
}

/* A crash (139: SIGSEGV) fails the case, not the whole driver, so that the
 * other cases still run; the log shows what the program printed. */
static gboolean
exited_cleanly (const RunResult *result,
                const char      *what)
{
  if (result->status == 0)
    return TRUE;
  /* One line for the failure: TAP takes more as a malformed result. */
  g_test_message ("%s's stderr:\n%s", what, result->err);
  g_test_fail_printf ("%s exited with status %d%s", what, result->status,
                      result->status > 128 ? " (killed by a signal)" : "");
  return FALSE;
}

/* Removes @dir and the reports in it, whichever were written. */
static void
remove_report_dir (const char *dir)
{
  g_autoptr(GDir) entries = g_dir_open (dir, 0, NULL);
  const char *name;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* Checks the JSON report in @path: it parses (json-glib, and Ouro's own
 * reader, as `ouro report` uses it), finds no garbage, and every listed
 * root of the program's own types carries the toggle mark; with
 * @expect_held, both types are among them. */
static void
check_json_report (const char    *path,
                   const Binding *binding,
                   gboolean       expect_held)
{
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(OuroReport) report = NULL;
  JsonObject *top;
  JsonArray *roots;
  guint n_marked = 0, n_panels = 0, n_notes = 0;

  g_assert_true (g_file_get_contents (path, &json, NULL, &error));
  g_assert_no_error (error);
  report = ouro_report_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);

  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  top = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (top, "format"), ==, "ouro-report");
  g_assert_cmpint (json_object_get_int_member (top, "n_garbage"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (top, "n_garbage_cycles"), ==, 0);
  /* `ouro run` asks for the live summary unless told --no-summary. */
  g_assert_true (json_object_get_boolean_member (top, "live_summary"));
  g_assert_false (json_object_get_boolean_member (top, "roots_truncated"));
  roots = json_object_get_array_member (top, "roots");

  for (guint i = 0; i < json_array_get_length (roots); i++)
    {
      JsonObject *root = json_array_get_object_element (roots, i);
      const char *type = json_object_get_string_member (root, "type");
      const char *description = json_object_get_string_member (root, "description");
      gboolean marked = description != NULL && strstr (description, TOGGLE_MARK) != NULL;

      n_marked += marked;
      if (g_strcmp0 (type, binding->panel_type) != 0 && g_strcmp0 (type, binding->note_type) != 0)
        continue;
      if (!marked)
        g_test_message ("not marked as held by %s: %s", binding->name, description);
      g_assert_true (marked);
      if (g_strcmp0 (type, binding->panel_type) == 0)
        n_panels++;
      else
        n_notes++;
    }
  g_test_message ("%s: %u roots of %u marked as held by a language binding (%u %s, %u %s)",
                  path, n_marked, json_array_get_length (roots), n_panels,
                  binding->panel_type, n_notes, binding->note_type);
  if (expect_held)
    {
      g_assert_cmpuint (n_panels, ==, 1);
      g_assert_cmpuint (n_notes, >=, 3);
    }
}

/* ---- the exit report --------------------------------------------------- */

/* The program runs to its end twice: a text report, then a JSON one. */
static void
check_exit_report (const Binding *binding,
                   const char    *program_name)
{
  g_autofree char *interpreter = binding_find (binding);
  g_autofree char *dir = NULL;
  g_autofree char *text_path = NULL;
  g_autofree char *json_path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *header = NULL;
  g_auto(GStrv) text_command = NULL;
  g_auto(GStrv) json_command = NULL;
  RunResult result;

  if (interpreter == NULL)
    return;
  dir = g_dir_make_tmp ("ouro-run-bindings-XXXXXX", NULL);
  text_path = g_build_filename (dir, "report.txt", NULL);
  json_path = g_build_filename (dir, "report.json", NULL);

  text_command = binding_command (binding, interpreter,
                                  (const char *[]) { "--error-exitcode=3", "--format=text",
                                                     "--output", text_path, NULL }, NULL);
  run_command ((const char *const *) text_command, NULL, &result);
  if (!exited_cleanly (&result, program_name))
    {
      run_result_clear (&result);
      remove_report_dir (dir);
      return;
    }
  g_assert_nonnull (strstr (result.err, "ouro: 0 garbage objects; report in"));
  run_result_clear (&result);
  g_assert_true (g_file_get_contents (text_path, &text, NULL, NULL));
  header = g_strdup_printf ("ouro: report at exit of %s\n", program_name);
  g_assert_nonnull (strstr (text, header));
  g_assert_nonnull (strstr (text, "ouro: no leaks: no garbage among"));
  /* The live summary lists what is held from outside, the binding's
   * objects among it (the text shows the first 50: the JSON checks them). */
  g_assert_nonnull (strstr (text, "Held from outside the tracked objects:"));

  json_command = binding_command (binding, interpreter,
                                  (const char *[]) { "--error-exitcode=3", "--format=json",
                                                     "--output", json_path, NULL }, NULL);
  run_command ((const char *const *) json_command, NULL, &result);
  if (exited_cleanly (&result, program_name))
    check_json_report (json_path, binding, binding->held_at_exit);
  run_result_clear (&result);

  remove_report_dir (dir);
}

static void
test_python_exit (void)
{
  check_exit_report (&python_binding, "python3");
}

static void
test_gjs_exit (void)
{
  check_exit_report (&gjs_binding, "gjs");
}

/* ---- a report while the window is up ----------------------------------- */

/* With the interpreter running, every wrapped object of the program's own
 * types is held by the binding.  The exit report is off: the exit cases
 * check it, this one checks describing the binding's objects live. */
static void
check_signal_report (const Binding *binding)
{
  g_autofree char *interpreter = binding_find (binding);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *signal_path = NULL;
  g_autofree char *line = NULL;
  g_auto(GStrv) command = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;

  if (interpreter == NULL)
    return;
  dir = g_dir_make_tmp ("ouro-run-bindings-XXXXXX", NULL);
  path = g_build_filename (dir, "report.json", NULL);
  signal_path = g_build_filename (dir, "report.json.1", NULL);
  command = binding_command (binding, interpreter,
                             (const char *[]) { "--report=signal", "--format=json",
                                                "--output", path, NULL }, "wait");

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "OURO_OPTIONS");
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) command, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "ready");

  g_subprocess_send_signal (process, SIGUSR1);
  g_assert_true (wait_for_file (signal_path, 30));
  /* End of file on its stdin: the program uses its window and quits. */
  g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (process), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  check_json_report (signal_path, binding, TRUE);

  remove_report_dir (dir);
}

static void
test_python_signal (void)
{
  check_signal_report (&python_binding);
}

static void
test_gjs_signal (void)
{
  check_signal_report (&gjs_binding);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/run/bindings/python-exit", test_python_exit);
  g_test_add_func ("/run/bindings/gjs-exit", test_gjs_exit);
  g_test_add_func ("/run/bindings/python-signal", test_python_signal);
  g_test_add_func ("/run/bindings/gjs-signal", test_gjs_signal);

  return g_test_run ();
}
