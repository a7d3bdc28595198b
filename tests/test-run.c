/* test-run.c — `ouro run` and `ouro report` on unmodified programs.
 *
 * Single-threaded.  The programs under tests/apps never link Ouro: what
 * these tests see comes through the preload module, as for a user's
 * program.  Paths come from the environment meson sets: OURO_TOOL (the
 * `ouro` binary), OURO_TEST_APPS (where the apps are built).  GTK cases
 * skip without a display or without the gtk-app binary.
 */
#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <ouro.h>

#include "run-common.h"

static char *
app_path (const char *name)
{
  const char *dir = g_getenv ("OURO_TEST_APPS");

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

/* Child setup: the same as run_default_fatal_signals (), but SIGTERM is
 * ignored, as under nohup. */
static void
ignore_sigterm (gpointer data)
{
  run_default_fatal_signals (data);
  signal (SIGTERM, SIG_IGN);
}

/* ---- the command line -------------------------------------------------- */

static void
test_help (void)
{
  RunResult result;

  run_command ((const char *[]) { tool (), "--help", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "ouro run"));
  g_assert_nonnull (strstr (result.out, "kill -USR1"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--help", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "--error-exitcode"));
  g_assert_nonnull (strstr (result.out, "OURO_OPTIONS"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "help", "report", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "svg"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "--version", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (g_str_has_prefix (result.out, "ouro "));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "-V", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (g_str_has_prefix (result.out, "ouro "));
  run_result_clear (&result);

  /* The usage line names the command; in a UTF-8 locale "…" stays "…". */
  run_command ((const char *[]) { tool (), "run", "--help", NULL },
               (const char *[]) { "LC_ALL", "C.UTF-8", NULL }, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "  ouro run [OPTION\u2026] [--] PROGRAM [ARGUMENT\u2026]"));
  run_result_clear (&result);
  run_command ((const char *[]) { tool (), "diff", "--help", NULL }, NULL, &result);
  g_assert_nonnull (strstr (result.out, "ouro diff ["));
  run_result_clear (&result);
}

/* -o - is standard output, never a file named "-". */
static void
test_output_dash (void)
{
  g_autofree char *golden = g_test_build_filename (G_TEST_DIST, "golden", "report.json", NULL);
  g_autofree char *snapshot = g_test_build_filename (G_TEST_DIST, "golden", "snapshot.json", NULL);
  g_autofree char *dir = g_dir_make_tmp ("ouro-run-XXXXXX", NULL);
  g_autofree char *dash = g_build_filename (dir, "-", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  RunResult result;

  g_assert_cmpint (g_chdir (dir), ==, 0);
  run_command ((const char *[]) { tool (), "report", golden, "-o", "-", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (g_str_has_prefix (result.out, "ouro: 9 objects leak"));
  run_result_clear (&result);
  run_command ((const char *[]) { tool (), "diff", snapshot, snapshot, "-o", "-", NULL }, NULL,
               &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (g_str_has_prefix (result.out, "ouro diff: 8 -> 8 objects"));
  run_result_clear (&result);
  g_assert_false (g_file_test (dash, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_rmdir (dir);
}

static void
test_usage_errors (void)
{
  RunResult result;

  run_command ((const char *[]) { tool (), NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 2);
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "frobnicate", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 2);
  g_assert_nonnull (strstr (result.err, "unknown command 'frobnicate'"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 2);
  g_assert_nonnull (strstr (result.err, "no program to run"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--format=xml", "--", "true", NULL }, NULL,
               &result);
  g_assert_cmpint (result.status, ==, 2);
  g_assert_nonnull (strstr (result.err, "expected text, json or dot"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--backtrace=1000", "--", "true", NULL },
               NULL, &result);
  g_assert_cmpint (result.status, ==, 2);
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--", "/nonexistent/program", NULL }, NULL,
               &result);
  g_assert_cmpint (result.status, ==, 127);
  g_assert_nonnull (strstr (result.err, "cannot run /nonexistent/program"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "report", "/nonexistent.json", NULL }, NULL,
               &result);
  g_assert_cmpint (result.status, ==, 1);
  run_result_clear (&result);
}

/* ---- reports at exit --------------------------------------------------- */

static void
test_cycle_exit_code (void)
{
  g_autofree char *app = app_path ("glib-app");
  RunResult result;

  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", app, "cycle",
                                  NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 3);
  g_assert_nonnull (strstr (result.err, "ouro: report at exit of glib-app"));
  g_assert_nonnull (strstr (result.err, "AppOwner"));
  g_assert_nonnull (strstr (result.err, "AppChild"));
  g_assert_nonnull (strstr (result.err, "signal changed: handler data"));
  g_assert_nonnull (strstr (result.err, "error-exitcode"));
  run_result_clear (&result);

  /* Without the option, the status is the program's own. */
  run_command ((const char *[]) { tool (), "run", "--", app, "cycle", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "AppOwner"));
  run_result_clear (&result);
}

/* A cycle through a plain field: probable garbage, named by the field,
 * apart from garbage; error-exitcode counts it only with
 * error-on=probable; fields=none reads nothing.  The owner's borrowed
 * pointer to its child is accounted by the qdata edge, so the cycle
 * shape of `cycle` has no probable section at all. */
static void
test_field_cycle (void)
{
  g_autofree char *app = app_path ("glib-app");
  RunResult result;

  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", app, "field-cycle",
                                  NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "ouro: no garbage cycles among"));
  g_assert_nonnull (strstr (result.err, "2 probable garbage objects in 1 cycle"));
  g_assert_nonnull (strstr (result.err, "Probable garbage cycles: through pointer fields"));
  g_assert_nonnull (strstr (result.err, "AppChild --[field back]--> #"));
  g_assert_nonnull (strstr (result.err, "(probable)"));
  g_assert_null (strstr (result.err, "error-exitcode"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--error-on=probable",
                                  "--", app, "field-cycle", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 3);
  g_assert_nonnull (strstr (result.err, "garbage or probable garbage found: exit code 3"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--fields=none", "--", app, "field-cycle",
                                  NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_null (strstr (result.err, "robable"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--", app, "cycle", NULL }, NULL, &result);
  g_assert_nonnull (strstr (result.err, "Garbage cycle 1"));
  g_assert_null (strstr (result.err, "robable"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--fields=some", "--", app, "field-cycle",
                                  NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 2);
  g_assert_nonnull (strstr (result.err, "expected program, all or none"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--error-on=leaks", "--", app, "field-cycle",
                                  NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 2);
  g_assert_nonnull (strstr (result.err, "expected garbage or probable"));
  run_result_clear (&result);
}

static void
test_clean_program (void)
{
  g_autofree char *app = app_path ("glib-app");
  RunResult result;

  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", app, "clean",
                                  NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "ouro: report at exit"));
  g_assert_null (strstr (result.err, "AppOwner"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", app, "status",
                                  NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 7);
  run_result_clear (&result);
}

static void
test_json_and_report_command (void)
{
  g_autofree char *app = app_path ("glib-app");
  g_autofree char *dir = g_dir_make_tmp ("ouro-run-XXXXXX", NULL);
  g_autofree char *json_path = g_build_filename (dir, "report.json", NULL);
  g_autofree char *svg_path = g_build_filename (dir, "report.svg", NULL);
  g_autofree char *json = NULL;
  g_autofree char *svg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OuroReport) report = NULL;
  g_autofree char *text = NULL;
  g_autofree char *dot_program = g_find_program_in_path ("dot");
  RunResult result;

  run_command ((const char *[]) { tool (), "run", "--format=json", "--output", json_path, "--",
                                  app, "cycle", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "report in"));
  run_result_clear (&result);

  g_assert_true (g_file_get_contents (json_path, &json, NULL, &error));
  g_assert_no_error (error);
  report = ouro_report_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), >=, 2);
  /* Everything the program made is garbage: nothing alive at exit. */
  g_assert_nonnull (strstr (json, "\"alive_by_type\": []"));
  g_assert_cmpuint (ouro_report_get_n_alive_types (report), ==, 0);
  text = ouro_report_to_text (report);

  /* `ouro report` gives the same text the library gives. */
  run_command ((const char *[]) { tool (), "report", json_path, NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.out, ==, text);
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "report", json_path, "--format", "dot", NULL }, NULL,
               &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (g_str_has_prefix (result.out, "digraph"));
  g_assert_nonnull (strstr (result.out, "make this weak"));
  /* A box says type and address once, not again from the description. */
  g_assert_nonnull (strstr (result.out, "AppOwner\\n0x"));
  g_assert_null (strstr (result.out, "AppOwner 0x"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "report", json_path, "--format", "svg", "-o",
                                  svg_path, NULL }, NULL, &result);
  if (dot_program != NULL)
    {
      g_assert_cmpint (result.status, ==, 0);
      g_assert_true (g_file_get_contents (svg_path, &svg, NULL, NULL));
      g_assert_nonnull (strstr (svg, "<svg"));
      g_assert_nonnull (strstr (svg, "AppOwner"));
    }
  else
    {
      g_assert_cmpint (result.status, ==, 1);
      g_assert_nonnull (strstr (result.err, "install graphviz"));
    }
  run_result_clear (&result);

  g_unlink (svg_path);
  g_unlink (json_path);
  g_rmdir (dir);
}

static void
test_report_rejects_bad_json (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ouro-run-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bad.json", NULL);
  RunResult result;

  g_assert_true (g_file_set_contents (path, "{\"format\": \"ouro-report\", \"version\": 1,", -1,
                                      NULL));
  run_command ((const char *[]) { tool (), "report", path, NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_nonnull (strstr (result.err, "bad.json"));
  run_result_clear (&result);
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- OURO_OPTIONS and plain LD_PRELOAD --------------------------------- */

static void
test_options_environment (void)
{
  g_autofree char *app = app_path ("glib-app");
  const char *preload = g_getenv ("OURO_PRELOAD");
  RunResult result;

  g_assert_nonnull (preload);
  run_command ((const char *[]) { app, "cycle", NULL },
               (const char *[]) { "LD_PRELOAD", preload,
                                  "OURO_OPTIONS", "bogus=1, format=xml ,summary=maybe,ledger",
                                  NULL }, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "unknown option 'bogus'"));
  g_assert_nonnull (strstr (result.err, "format='xml': expected text, json or dot"));
  g_assert_nonnull (strstr (result.err, "summary='maybe'"));
  g_assert_nonnull (strstr (result.err, "'ledger': expected key=value"));
  /* Defaults kept: a text report, the cycle found. */
  g_assert_nonnull (strstr (result.err, "AppOwner"));
  run_result_clear (&result);

  run_command ((const char *[]) { app, "cycle", NULL },
               (const char *[]) { "LD_PRELOAD", preload,
                                  "OURO_OPTIONS", "report=none:error-exitcode=9", NULL },
               &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_null (strstr (result.err, "AppOwner"));
  run_result_clear (&result);
}

static void
test_children (void)
{
  g_autofree char *app = app_path ("glib-app");
  RunResult result;

  run_command ((const char *[]) { tool (), "run", "--report=none", "--", app, "child", NULL },
               NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "LD_PRELOAD=\n"));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "run", "--report=none", "--trace-children", "--",
                                  app, "child", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "libouro-preload.so"));
  run_result_clear (&result);
}

/* ---- the reference ledger ---------------------------------------------- */

static void
test_ledger_names_the_extra_reference (void)
{
  g_autofree char *app = app_path ("glib-app");
  RunResult result;

  run_command ((const char *[]) { tool (), "run", "--", app, "stash", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "AppOwner"));
  g_assert_nonnull (strstr (result.err, "1 ref at stash_reference"));
  /* Taken inside GLib on the program's behalf: the program's line is the
   * site, GLib's frame how it was taken. */
  g_assert_true (g_regex_match_simple ("1 ref at stash_in_copy[ +].* via g_ptr_array_copy[ +]",
                                       result.err, 0, 0));
  run_result_clear (&result);
}

/* An object held by a main-context source its own code added: the
 * report names the source, its interval and that code, and flags it. */
static void
test_run_source_leak (void)
{
  g_autofree char *app = app_path ("glib-app");
  RunResult result;

  run_command ((const char *[]) { tool (), "run", "--", app, "source-leak", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "AppOwner"));
  g_assert_nonnull (strstr (result.err, "held by: timeout source (250 ms, default main context), "
                                        "added at app_owner_start_polling"));
  g_assert_nonnull (strstr (result.err, "likely leak: a source holding its own object"));
  run_result_clear (&result);
}

/* ---- reports on SIGUSR1 ------------------------------------------------ */

/* Whether @process is alive (not a zombie): GSubprocess only says once
 * it has been waited for. */
static gboolean
process_is_running (GSubprocess *process)
{
  const char *pid = g_subprocess_get_identifier (process);
  g_autofree char *path = NULL;
  g_autofree char *stat = NULL;
  const char *state;

  if (pid == NULL)
    return FALSE;
  path = g_strdup_printf ("/proc/%s/stat", pid);
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  state = strrchr (stat, ')');
  return state != NULL && state[1] == ' ' && state[2] != 'Z' && state[2] != 'X';
}

/* After it: @argv runs, its stderr going to @err_path (NULL: the test's),
 * with SIGINT and SIGTERM as @child_setup leaves them, and has printed
 * "ready". */
static GSubprocess *
start_ready_program (const char *const    *argv,
                     GSpawnChildSetupFunc  child_setup,
                     const char           *err_path)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_subprocess_launcher_unsetenv (launcher, "OURO_OPTIONS");
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  if (err_path != NULL)
    g_subprocess_launcher_set_stderr_file_path (launcher, err_path);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  /* The pipe stays open with the process: the program may print more. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (out), FALSE);
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "ready");
  return g_steal_pointer (&process);
}

static void
check_signal_report (const char *mode)
{
  g_autofree char *app = app_path ("glib-app");
  g_autofree char *dir = g_dir_make_tmp ("ouro-run-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "report.txt", NULL);
  g_autofree char *signal_path = g_build_filename (dir, "report.txt.1", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  process = start_ready_program ((const char *[]) { tool (), "run", "--output", path, "--",
                                                    app, mode, NULL },
                                 run_default_fatal_signals, NULL);

  g_subprocess_send_signal (process, SIGUSR1);
  g_assert_true (wait_for_file (signal_path, 30));
  /* The program keeps running after the report. */
  g_usleep (100 * 1000);
  g_assert_true (process_is_running (process));
  g_assert_true (g_file_get_contents (signal_path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "report 1 (SIGUSR1) of glib-app"));
  g_assert_nonnull (strstr (text, "AppOwner"));
  g_clear_pointer (&text, g_free);

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "report at exit of glib-app"));

  g_unlink (signal_path);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_signal_with_main_loop (void)
{
  check_signal_report ("loop");
}

static void
test_signal_without_main_loop (void)
{
  check_signal_report ("busy");
}

/* ---- snapshots on SIGUSR2, and ouro diff ------------------------------- */

/* Reads lines from @out until one is @expected. */
static void
read_until (GDataInputStream *out,
            const char       *expected)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line (out, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (g_str_equal (line, expected))
        return;
    }
}

/* A program keeps 10 more objects on each SIGHUP: a snapshot before, one
 * after, one at exit, and `ouro diff` of the first two names what grew,
 * by type and by the line that created it. */
static void
test_snapshots_and_diff (void)
{
  g_autofree char *app = app_path ("glib-app");
  g_autofree char *dir = g_dir_make_tmp ("ouro-run-XXXXXX", NULL);
  g_autofree char *pattern = g_build_filename (dir, "snap.%n.json", NULL);
  g_autofree char *first = g_build_filename (dir, "snap.1.json", NULL);
  g_autofree char *second = g_build_filename (dir, "snap.2.json", NULL);
  g_autofree char *at_exit = g_build_filename (dir, "snap.exit.json", NULL);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  RunResult result;

  g_subprocess_launcher_unsetenv (launcher, "OURO_OPTIONS");
  g_subprocess_launcher_set_child_setup (launcher, run_default_fatal_signals, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char *[]) {
                                            tool (), "run", "--report=none",
                                            "--snapshot=exit+signal", "--snapshot-output",
                                            pattern, "--", app, "grow", NULL }, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  read_until (out, "ready");

  g_subprocess_send_signal (process, SIGUSR2);
  g_assert_true (wait_for_file (first, 30));
  g_subprocess_send_signal (process, SIGHUP);
  read_until (out, "grew");
  g_subprocess_send_signal (process, SIGHUP);
  read_until (out, "grew");
  g_subprocess_send_signal (process, SIGUSR2);
  g_assert_true (wait_for_file (second, 30));
  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (at_exit, G_FILE_TEST_EXISTS));

  run_command ((const char *[]) { tool (), "diff", first, second, NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (g_str_has_prefix (result.out, "ouro diff: "));
  g_assert_nonnull (strstr (result.out, "grew:\n  AppChild: count=20 (+20), size="));
  run_result_clear (&result);

  run_command ((const char *[]) { tool (), "diff", "--format=json", "--limit=1", second, first,
                                  NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "{ \"type\": \"AppChild\", \"count\": 0, "
                                        "\"count_diff\": -20,"));
  run_result_clear (&result);

  /* Usage errors, and a file that is not a snapshot. */
  run_command ((const char *[]) { tool (), "diff", first, NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 2);
  run_result_clear (&result);
  run_command ((const char *[]) { tool (), "diff", "--by=line", first, second, NULL }, NULL,
               &result);
  g_assert_cmpint (result.status, ==, 2);
  g_assert_nonnull (strstr (result.err, "--by=line: expected type or site"));
  run_result_clear (&result);
  /* By creation site: the ledger saw the line that made them. */
  run_command ((const char *[]) { tool (), "diff", "--by=site", first, second, NULL }, NULL,
               &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "grew:\n  grow_cache (glib-app.c:"));
  g_assert_nonnull (strstr (result.out, ") AppChild: count=20 (+20), size="));
  run_result_clear (&result);
  {
    g_autofree char *no_sites = g_test_build_filename (G_TEST_DIST, "golden", "snapshot.json",
                                                       NULL);

    run_command ((const char *[]) { tool (), "diff", "--by=site", no_sites, no_sites, NULL },
                 NULL, &result);
    g_assert_cmpint (result.status, ==, 1);
    g_assert_nonnull (strstr (result.err, "neither snapshot records creation sites"));
    run_result_clear (&result);
  }
  run_command ((const char *[]) { tool (), "diff", first, app, NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_nonnull (strstr (result.err, "ouro diff: "));
  run_result_clear (&result);

  g_unlink (first);
  g_unlink (second);
  g_unlink (at_exit);
  g_rmdir (dir);
}

/* ---- SIGINT and SIGTERM ------------------------------------------------ */

static guint
count_occurrences (const char *text,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* After it: @process has been waited for, was killed by a signal, and
 * returns it. */
static int
wait_killed (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_if_exited (process));
  g_assert_true (g_subprocess_get_if_signaled (process));
  return g_subprocess_get_term_sig (process);
}

/* Asserts that the exit report in @path, written because of @signum,
 * names the cycle glib-app leaked, and that the program's stderr in
 * @err_path announced it once and applied no error-exitcode. */
static void
check_exit_report_on_signal (const char *path,
                             const char *err_path,
                             int         signum)
{
  g_autofree char *text = NULL;
  g_autofree char *err = NULL;
  g_autofree char *header = g_strdup_printf ("report at exit of glib-app (%s)",
                                             signum == SIGINT ? "SIGINT" : "SIGTERM");

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, header));
  g_assert_nonnull (strstr (text, "Garbage cycle 1"));
  g_assert_nonnull (strstr (text, "AppOwner"));
  g_assert_nonnull (strstr (text, "signal changed: handler data"));
  g_assert_true (g_file_get_contents (err_path, &err, NULL, NULL));
  g_assert_cmpuint (count_occurrences (err, "report in"), ==, 1);
  g_assert_null (strstr (err, "error-exitcode"));
}

/* A program with no handler of its own, killed by @signum in @mode
 * (killable-loop: the report runs on its main loop; killable-busy: on the
 * helper thread), writes its exit report and still dies by @signum; `ouro
 * run` is the program, so its status says the same.  @second_signum, when
 * not 0, follows at once, while the report is being written. */
static void
check_fatal_signal (const char *mode,
                    int         signum,
                    int         second_signum)
{
  g_autofree char *app = app_path ("glib-app");
  g_autofree char *dir = g_dir_make_tmp ("ouro-run-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "report.txt", NULL);
  g_autofree char *err_path = g_build_filename (dir, "stderr.txt", NULL);
  g_autoptr(GSubprocess) process = NULL;
  int killed_by;

  process = start_ready_program ((const char *[]) { tool (), "run", "--error-exitcode=3",
                                                    "--output", path, "--", app, mode, NULL },
                                 run_default_fatal_signals, err_path);
  g_subprocess_send_signal (process, signum);
  if (second_signum != 0)
    g_subprocess_send_signal (process, second_signum);
  killed_by = wait_killed (process);
  /* Two signals pending together are delivered in either order. */
  if (second_signum != 0 && killed_by == second_signum)
    signum = second_signum;
  g_assert_cmpint (killed_by, ==, signum);
  check_exit_report_on_signal (path, err_path, signum);

  g_unlink (err_path);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_sigint_with_main_loop (void)
{
  check_fatal_signal ("killable-loop", SIGINT, 0);
}

static void
test_sigterm_without_main_loop (void)
{
  check_fatal_signal ("killable-busy", SIGTERM, 0);
}

static void
test_fatal_signal_twice (void)
{
  check_fatal_signal ("killable-busy", SIGTERM, SIGINT);
}

/* A program started with SIGTERM ignored keeps ignoring it; SIGINT, still
 * at its default, reports and kills. */
static void
test_sigterm_ignored (void)
{
  g_autofree char *app = app_path ("glib-app");
  g_autofree char *dir = g_dir_make_tmp ("ouro-run-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "report.txt", NULL);
  g_autofree char *signal_path = g_build_filename (dir, "report.txt.1", NULL);
  g_autofree char *err_path = g_build_filename (dir, "stderr.txt", NULL);
  g_autoptr(GSubprocess) process = NULL;

  process = start_ready_program ((const char *[]) { tool (), "run", "--output", path, "--",
                                                    app, "killable-loop", NULL },
                                 ignore_sigterm, err_path);
  /* The kernel drops an ignored signal when it is sent: once the SIGUSR1
   * report sent after it is out, SIGTERM has come and gone. */
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_send_signal (process, SIGUSR1);
  g_assert_true (wait_for_file (signal_path, 30));
  g_assert_true (process_is_running (process));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_subprocess_send_signal (process, SIGINT);
  g_assert_cmpint (wait_killed (process), ==, SIGINT);
  check_exit_report_on_signal (path, err_path, SIGINT);

  g_unlink (err_path);
  g_unlink (signal_path);
  g_unlink (path);
  g_rmdir (dir);
}

/* A child forked without exec inherits the handlers, not the helper
 * thread: SIGTERM kills it at once, unreported, and the parent neither
 * reports nor dies for it. */
static void
test_fatal_signal_forked_child (void)
{
  g_autofree char *app = app_path ("glib-app");
  RunResult result;

  run_command ((const char *[]) { tool (), "run", "--", app, "fork-kill", NULL }, NULL,
               &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.out, ==, "child killed by signal 15\n");
  g_assert_cmpuint (count_occurrences (result.err, "ouro: report at exit of glib-app\n"), ==, 1);
  g_assert_nonnull (strstr (result.err, "AppOwner"));
  run_result_clear (&result);
}

/* ---- GTK 4 ------------------------------------------------------------- */

static gboolean
gtk_case_can_run (void)
{
  g_autofree char *app = app_path ("gtk-app");

  if (!g_file_test (app, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("gtk-app not built (no GTK 4)");
      return FALSE;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return FALSE;
    }
  return TRUE;
}

static void
test_gtk_leaky (void)
{
  g_autofree char *app = app_path ("gtk-app");
  RunResult result;

  if (!gtk_case_can_run ())
    return;
  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", app, "leaky",
                                  NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 3);
  g_assert_nonnull (strstr (result.err, "AppPanel"));
  g_assert_nonnull (strstr (result.err, "GtkButton"));
  g_assert_nonnull (strstr (result.err, "GtkGestureClick"));
  g_assert_nonnull (strstr (result.err, "signal clicked: handler data"));
  g_assert_nonnull (strstr (result.err, "signal pressed: handler data"));
  run_result_clear (&result);
}

static void
test_gtk_clean (void)
{
  g_autofree char *app = app_path ("gtk-app");
  RunResult result;

  if (!gtk_case_can_run ())
    return;
  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", app, "clean",
                                  NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "ouro: report at exit of gtk-app"));
  g_assert_null (strstr (result.err, "AppPanel"));
  run_result_clear (&result);
}

/* A widget built from a class template: its bound button's handler holds
 * it.  The panel holds the button twice (as its parent, and in GTK's
 * template table): both edges are named, and nothing is inconsistent. */
static void
test_gtk_template_leaky (void)
{
  g_autofree char *app = app_path ("gtk-edges-app");
  RunResult result;

  if (!gtk_case_can_run ())
    return;
  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", app, "template",
                                  "leaky", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 3);
  g_assert_nonnull (strstr (result.err, "EdgesPanel"));
  g_assert_nonnull (strstr (result.err, "--[template child save]-->"));
  g_assert_nonnull (strstr (result.err, "--[child widget]-->"));
  g_assert_nonnull (strstr (result.err, "signal clicked: handler data"));
  g_assert_null (strstr (result.err, "nconsistent"));
  run_result_clear (&result);
}

static void
test_gtk_template_clean (void)
{
  g_autofree char *app = app_path ("gtk-edges-app");
  RunResult result;

  if (!gtk_case_can_run ())
    return;
  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", app, "template",
                                  "clean", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "ouro: report at exit of gtk-edges-app"));
  g_assert_null (strstr (result.err, "EdgesPanel"));
  g_assert_null (strstr (result.err, "nconsistent"));
  run_result_clear (&result);
}

/* A drop-down whose expression holds its window: a garbage cycle of
 * GObjects and a GtkExpression, found through the preload's interposed
 * expression constructors. */
static void
test_gtk_expression_leaky (void)
{
  g_autofree char *app = app_path ("gtk-edges-app");
  RunResult result;

  if (!gtk_case_can_run ())
    return;
  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", app, "expression",
                                  "leaky", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 3);
  g_assert_nonnull (strstr (result.err, "GtkDropDown --[expression]--> "));
  g_assert_nonnull (strstr (result.err, "GtkCClosureExpression --[expression closure data]--> "));
  g_assert_nonnull (strstr (result.err, "title=\"ouro edges\""));
  g_assert_null (strstr (result.err, "nconsistent"));
  run_result_clear (&result);
}

static void
test_gtk_expression_clean (void)
{
  g_autofree char *app = app_path ("gtk-edges-app");
  RunResult result;

  if (!gtk_case_can_run ())
    return;
  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", app, "expression",
                                  "clean", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "ouro: report at exit of gtk-edges-app"));
  g_assert_null (strstr (result.err, "GtkCClosureExpression"));
  g_assert_null (strstr (result.err, "nconsistent"));
  run_result_clear (&result);
}

/* ---- stock programs from Debian ---------------------------------------- */

static void
test_stock_gio (void)
{
  g_autofree char *gio = g_find_program_in_path ("gio");
  RunResult result;

  if (gio == NULL)
    {
      g_test_skip ("gio (libglib2.0-bin) not installed");
      return;
    }
  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", gio, "info",
                                  "/", NULL }, NULL, &result);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "standard::"));
  g_assert_nonnull (strstr (result.err, "ouro: report at exit of gio"));
  run_result_clear (&result);
}

/* gtk4-demo (Debian's gtk-4-examples) shows a demo and quits by itself. */
static void
test_stock_gtk4_demo (void)
{
  g_autofree char *demo = g_find_program_in_path ("gtk4-demo");
  gint64 start;
  RunResult result;

  if (demo == NULL)
    {
      g_test_skip ("gtk4-demo (gtk-4-examples) not installed");
      return;
    }
  if (!gtk_case_can_run ())
    return;
  start = g_get_monotonic_time ();
  run_command ((const char *[]) { tool (), "run", "--error-exitcode=3", "--", demo,
                                  "--run=listbox", "--autoquit", NULL }, NULL, &result);
  g_test_message ("gtk4-demo under ouro run: %.2f s",
                  (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.err, "ouro: report at exit of gtk4-demo"));
  /* No garbage; the demo's own objects that Ouro cannot explain are
   * counted in the headline instead of a flat "no leaks". */
  g_assert_nonnull (strstr (result.err, "ouro: no garbage"));
  g_assert_nonnull (strstr (result.err, "of the program's own objects are held by references"));
  run_result_clear (&result);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/run/help", test_help);
  g_test_add_func ("/run/usage-errors", test_usage_errors);
  g_test_add_func ("/run/cycle-exit-code", test_cycle_exit_code);
  g_test_add_func ("/run/output-dash", test_output_dash);
  g_test_add_func ("/run/clean-program", test_clean_program);
  g_test_add_func ("/run/field-cycle", test_field_cycle);
  g_test_add_func ("/run/snapshots-and-diff", test_snapshots_and_diff);
  g_test_add_func ("/run/json-and-report-command", test_json_and_report_command);
  g_test_add_func ("/run/report-rejects-bad-json", test_report_rejects_bad_json);
  g_test_add_func ("/run/options-environment", test_options_environment);
  g_test_add_func ("/run/children", test_children);
  g_test_add_func ("/run/ledger", test_ledger_names_the_extra_reference);
  g_test_add_func ("/run/source-leak", test_run_source_leak);
  g_test_add_func ("/run/signal-main-loop", test_signal_with_main_loop);
  g_test_add_func ("/run/signal-no-main-loop", test_signal_without_main_loop);
  g_test_add_func ("/run/sigint-main-loop", test_sigint_with_main_loop);
  g_test_add_func ("/run/sigterm-no-main-loop", test_sigterm_without_main_loop);
  g_test_add_func ("/run/fatal-signal-twice", test_fatal_signal_twice);
  g_test_add_func ("/run/sigterm-ignored", test_sigterm_ignored);
  g_test_add_func ("/run/fatal-signal-forked-child", test_fatal_signal_forked_child);
  g_test_add_func ("/run/gtk-leaky", test_gtk_leaky);
  g_test_add_func ("/run/gtk-clean", test_gtk_clean);
  g_test_add_func ("/run/gtk-template-leaky", test_gtk_template_leaky);
  g_test_add_func ("/run/gtk-template-clean", test_gtk_template_clean);
  g_test_add_func ("/run/gtk-expression-leaky", test_gtk_expression_leaky);
  g_test_add_func ("/run/gtk-expression-clean", test_gtk_expression_clean);
  g_test_add_func ("/run/stock-gio", test_stock_gio);
  g_test_add_func ("/run/stock-gtk4-demo", test_stock_gtk4_demo);

  return g_test_run ();
}
