/* ouro-tool.c — the `ouro` command: `ouro run` runs an unmodified program
 * with the preload module, `ouro report` turns a saved JSON report into
 * text, DOT or SVG.
 *
 * Single-threaded.  `ouro run` becomes the program (execvp): the process
 * id, the exit status and the signals are the program's own (killed by
 * a signal, it dies by that signal); the preload module writes the report,
 * also before SIGINT or SIGTERM kills the program, and applies
 * --error-exitcode.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <ouro.h>

#include "ouro-options-private.h"

#define TOOL_EXIT_USAGE 2
#define TOOL_EXIT_FAILURE 1
#define TOOL_EXIT_CANNOT_RUN 127

static const char tool_overview[] =
  "Usage:\n"
  "  ouro run [OPTION…] [--] PROGRAM [ARGUMENT…]\n"
  "  ouro report FILE.json [--format text|json|dot|svg] [--output FILE]\n"
  "  ouro diff OLD.json NEW.json [--limit N] [--format text|json] [--output FILE]\n"
  "  ouro --help | ouro run --help | ouro report --help | ouro diff --help\n"
  "  ouro --version | ouro -V\n"
  "\n"
  "Ouro finds the reference cycles that leak GObjects: objects that hold each\n"
  "other (a signal handler whose data is g_object_ref (self), a qdata entry, a\n"
  "widget and its controller) while nothing else holds them.  Refcounting never\n"
  "frees them and valgrind calls them \"still reachable\".\n"
  "\n"
  "The workflow, like valgrind's:\n"
  "  1. ouro run -- ./my-app              run it as usual; the report comes at exit\n"
  "  2. read the report: each garbage cycle, edge by edge, and the reference\n"
  "     to make weak (\"make weak: signal clicked: handler data …\")\n"
  "  3. kill -USR1 <pid>                  a report while it keeps running\n"
  "  4. ouro run --format json -o r.json -- ./my-app\n"
  "     ouro report r.json --format svg -o r.svg       a picture of each cycle\n"
  "  5. in CI: ouro run --error-exitcode=3 -- ./my-test   fails when garbage is found\n"
  "\n"
  "The report also lists what is still alive at exit by type, and for objects\n"
  "held from outside the tracked objects, where their references were taken\n"
  "(the reference ledger; --backtrace N for whole call chains).  See ouro(1).\n";

/* ---- ouro run ---------------------------------------------------------- */

static char *
tool_find_preload_module (GError **error)
{
  const char *override = g_getenv ("OURO_PRELOAD");
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;
  const char *candidates[2];

  if (override != NULL && *override != '\0')
    {
      if (!g_file_test (override, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                       "OURO_PRELOAD names %s, which does not exist", override);
          return NULL;
        }
      return g_canonicalize_filename (override, NULL);
    }
  if (exe == NULL)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                           "cannot read /proc/self/exe to find the preload module");
      return NULL;
    }
  dir = g_path_get_dirname (exe);
  /* The build tree puts the module next to the tool; an installation puts
   * it in LIBDIR/ouro, whose path relative to BINDIR meson computed. */
  candidates[0] = ".";
  candidates[1] = OURO_PRELOAD_RELDIR;
  for (gsize i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *path = g_build_filename (dir, candidates[i], "libouro-preload.so", NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_canonicalize_filename (path, NULL);
    }
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
               "libouro-preload.so is neither next to %s nor in %s/%s (set OURO_PRELOAD "
               "to its path)", exe, dir, OURO_PRELOAD_RELDIR);
  return NULL;
}

/* Appends key=value to an OURO_OPTIONS string, quoting the value when it
 * holds a separator.  FALSE when it cannot be quoted. */
static gboolean
tool_append_option (GString    *options,
                    const char *key,
                    const char *value)
{
  gboolean needs_quote = strpbrk (value, ":, \t\n\r\v\f\"'") != NULL;

  if (options->len > 0)
    g_string_append_c (options, ',');
  if (!needs_quote)
    {
      g_string_append_printf (options, "%s=%s", key, value);
      return TRUE;
    }
  if (strchr (value, '"') == NULL)
    g_string_append_printf (options, "%s=\"%s\"", key, value);
  else if (strchr (value, '\'') == NULL)
    g_string_append_printf (options, "%s='%s'", key, value);
  else
    return FALSE;
  return TRUE;
}

static int
tool_run (int    argc,
          char **argv)
{
  g_autofree char *format = NULL;
  g_autofree char *output = NULL;
  g_autofree char *report = NULL;
  g_autofree char *fields = NULL;
  g_autofree char *error_on = NULL;
  g_autofree char *snapshot = NULL;
  g_autofree char *snapshot_output = NULL;
  int backtrace = 0;
  int error_exitcode = -1;
  gboolean all_cycles = FALSE, no_ledger = FALSE, no_summary = FALSE, children = FALSE;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      "Report format: text (default), json or dot", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write the exit report to FILE (%p: the process id; SIGUSR1 reports go to FILE.1, "
      "FILE.2, …) instead of stderr", "FILE" },
    { "backtrace", 'b', 0, G_OPTION_ARG_INT, &backtrace,
      "Keep N frames per reference site in the ledger (default 1: the caller, or the frames out to the program's code when a library took it)", "N" },
    { "all-cycles", 'a', 0, G_OPTION_ARG_NONE, &all_cycles,
      "Also report cycles among live objects", NULL },
    { "error-exitcode", 'e', 0, G_OPTION_ARG_INT, &error_exitcode,
      "Exit with N when the exit report finds garbage (like valgrind; not when a "
      "signal kills the program)", "N" },
    { "error-on", 0, 0, G_OPTION_ARG_STRING, &error_on,
      "What --error-exitcode counts: garbage (default), or probable (garbage or "
      "probable garbage)", "WHAT" },
    { "fields", 0, 0, G_OPTION_ARG_STRING, &fields,
      "Whose pointer fields to read for probable cycles: program (default: the types "
      "the program registers), all, or none", "WHOSE" },
    { "snapshot", 0, 0, G_OPTION_ARG_STRING, &snapshot,
      "When to write a snapshot of the live objects (for ouro diff): signal (default: on "
      "SIGUSR2), exit, exit+signal or none", "WHEN" },
    { "snapshot-output", 0, 0, G_OPTION_ARG_FILENAME, &snapshot_output,
      "Where snapshots go (default ouro-snapshot.%p.%n.json: %p the process id, %n the "
      "snapshot's number, exit for the one at exit)", "FILE" },
    { "report", 'r', 0, G_OPTION_ARG_STRING, &report,
      "When to report: exit+signal (default), exit, signal or none", "WHEN" },
    { "no-ledger", 0, 0, G_OPTION_ARG_NONE, &no_ledger,
      "Do not record where references are taken", NULL },
    { "no-summary", 0, 0, G_OPTION_ARG_NONE, &no_summary,
      "Leave out the objects still alive", NULL },
    { "trace-children", 0, 0, G_OPTION_ARG_NONE, &children,
      "Also preload into the programs the program starts", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[--] PROGRAM [ARGUMENT…]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) options = g_string_new (g_getenv ("OURO_OPTIONS"));
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *module = NULL;
  g_autofree char *preload = NULL;
  const char *old_preload;
  OuroOptions parsed;
  char **program;

  g_option_context_set_summary (context,
    "Runs PROGRAM with Ouro preloaded: every GObject is tracked from its first\n"
    "construction and the references between them are discovered (signal handler\n"
    "data, qdata, GTK widget trees and controllers, list stores).  At exit, and on\n"
    "SIGUSR1, a report names the garbage cycles, the reference in each to make\n"
    "weak, what is still alive by type, and where unexplained references were\n"
    "taken; SIGINT and SIGTERM write the exit report before PROGRAM dies by them.\n"
    "The exit status is PROGRAM's (killed by a signal, `ouro run` dies by it too).");
  g_option_context_set_description (context,
    "Options can also be given with OURO_OPTIONS=key=value,… (keys: report, format,\n"
    "output, backtrace, ledger, all-cycles, summary, children, error-exitcode,\n"
    "error-on, fields, snapshot, snapshot-output); the command line wins.  Plain\n"
    "LD_PRELOAD=…/libouro-preload.so works the same way.\n"
    "\n"
    "Examples:\n"
    "  ouro run -- ./my-app\n"
    "  ouro run --error-exitcode=3 -- ./my-leak-test\n"
    "  ouro run --fields=none -- ./my-app   # proven garbage only, no pointer fields read\n"
    "  ouro run --format json --output report-%p.json -- gtk4-demo\n"
    "  kill -USR1 $(pidof my-app)          # a report while it runs\n"
    "  kill -USR2 $(pidof my-app)          # a snapshot; two of them: ouro diff OLD NEW\n");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("ouro run: %s (see ouro run --help)\n", error->message);
      return TOOL_EXIT_USAGE;
    }
  program = argv + 1;
  if (program[0] != NULL && g_str_equal (program[0], "--"))
    program++;
  if (program[0] == NULL)
    {
      g_printerr ("ouro run: no program to run (see ouro run --help)\n");
      return TOOL_EXIT_USAGE;
    }

  {
    g_autofree char *backtrace_text = g_strdup_printf ("%d", backtrace);
    g_autofree char *exitcode_text = g_strdup_printf ("%d", error_exitcode);
    const struct {
      gboolean    given;
      const char *key;
      const char *value;
    } settings[] = {
      { format != NULL,      "format",         format },
      { output != NULL,      "output",         output },
      { report != NULL,      "report",         report },
      { backtrace != 0,      "backtrace",      backtrace_text },
      { error_exitcode >= 0, "error-exitcode", exitcode_text },
      { error_on != NULL,    "error-on",       error_on },
      { fields != NULL,      "fields",         fields },
      { snapshot != NULL,    "snapshot",       snapshot },
      { snapshot_output != NULL, "snapshot-output", snapshot_output },
      { all_cycles,          "all-cycles",     "yes" },
      { no_ledger,           "ledger",         "no" },
      { no_summary,          "summary",        "no" },
      { children,            "children",       "yes" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
      if (settings[i].given && !tool_append_option (options, settings[i].key, settings[i].value))
        {
          g_printerr ("ouro run: an option value cannot hold both kinds of quote\n");
          return TOOL_EXIT_USAGE;
        }
  }

  /* The module would only warn: refuse here, where the user can fix it. */
  ouro_options_init (&parsed);
  ouro_options_parse (&parsed, options->str, warnings);
  ouro_options_clear (&parsed);
  if (warnings->len > 0)
    {
      for (guint i = 0; i < warnings->len; i++)
        g_printerr ("ouro run: %s\n", (const char *) warnings->pdata[i]);
      return TOOL_EXIT_USAGE;
    }

  module = tool_find_preload_module (&error);
  if (module == NULL)
    {
      g_printerr ("ouro run: %s\n", error->message);
      return TOOL_EXIT_FAILURE;
    }
  old_preload = g_getenv ("LD_PRELOAD");
  preload = old_preload != NULL && *old_preload != '\0'
            ? g_strconcat (module, ":", old_preload, NULL)
            : g_strdup (module);
  g_setenv ("LD_PRELOAD", preload, TRUE);
  g_setenv ("OURO_OPTIONS", options->str, TRUE);

  execvp (program[0], program);
  g_printerr ("ouro run: cannot run %s: %s\n", program[0], g_strerror (errno));
  return TOOL_EXIT_CANNOT_RUN;
}

/* ---- reading and writing files ---------------------------------------- */

/* The contents of @path ("-": standard input), never NULL on success (an
 * empty file is ""), and its length; NULL after saying why, as
 * @command. */
static char *
tool_read_input (const char *command,
                 const char *path,
                 gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  if (g_str_equal (path, "-"))
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      g_autoptr(GOutputStream) buffer = g_memory_output_stream_new_resizable ();

      if (g_output_stream_splice (buffer, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL,
                                  &error) < 0)
        {
          g_printerr ("%s: standard input: %s\n", command, error->message);
          return NULL;
        }
      *length = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (buffer));
      contents = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (buffer));
    }
  else if (!g_file_get_contents (path, &contents, length, &error))
    {
      g_printerr ("%s: %s\n", command, error->message);
      return NULL;
    }
  return contents != NULL ? contents : g_strdup ("");
}

/* Writes @text to @output (NULL or "-": standard output).  Returns FALSE
 * after saying why, as @command. */
static gboolean
tool_write_output (const char *command,
                   const char *text,
                   const char *output)
{
  g_autoptr(GError) error = NULL;

  if (output == NULL || g_str_equal (output, "-"))
    {
      fputs (text, stdout);
      if (fflush (stdout) != 0)
        {
          g_printerr ("%s: writing: %s\n", command, g_strerror (errno));
          return FALSE;
        }
    }
  else if (!g_file_set_contents (output, text, -1, &error))
    {
      g_printerr ("%s: %s\n", command, error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- ouro report ------------------------------------------------------- */

static char *
tool_render_svg (const char  *dot,
                 GError     **error)
{
  g_autofree char *dot_program = g_find_program_in_path ("dot");
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *svg = NULL;
  g_autofree char *errors = NULL;

  if (dot_program == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "SVG needs Graphviz's dot, which is not in PATH: install "
                           "graphviz (apt install graphviz), or write --format dot");
      return NULL;
    }
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                              | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              error, dot_program, "-Tsvg", NULL);
  if (process == NULL)
    return NULL;
  if (!g_subprocess_communicate_utf8 (process, dot, NULL, &svg, &errors, error))
    return NULL;
  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "dot failed: %s",
                   errors != NULL ? g_strstrip (errors) : "");
      return NULL;
    }
  return g_steal_pointer (&svg);
}

static int
tool_report (int    argc,
             char **argv)
{
  g_autofree char *format = NULL;
  g_autofree char *output = NULL;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      "text (default), json, dot or svg (needs Graphviz's dot)", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write to FILE instead of standard output (- is standard output)", "FILE" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(OuroReport) report = NULL;
  g_autofree char *json = NULL;
  g_autofree char *result = NULL;
  gsize length;

  g_option_context_set_summary (context,
    "Turns a report saved with `ouro run --format json` (or ouro_report_to_json ())\n"
    "into text, JSON, DOT or SVG.  The SVG draws each cycle: a box per object, an\n"
    "arrow per reference, the reference to make weak in bold red, weak references\n"
    "dashed.  FILE.json may be - for standard input.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("ouro report: %s (see ouro report --help)\n", error->message);
      return TOOL_EXIT_USAGE;
    }
  if (argc != 2)
    {
      g_printerr ("ouro report: expected one FILE.json (see ouro report --help)\n");
      return TOOL_EXIT_USAGE;
    }
  if (format == NULL)
    format = g_strdup ("text");
  if (!g_str_equal (format, "text") && !g_str_equal (format, "json")
      && !g_str_equal (format, "dot") && !g_str_equal (format, "svg"))
    {
      g_printerr ("ouro report: --format=%s: expected text, json, dot or svg\n", format);
      return TOOL_EXIT_USAGE;
    }

  json = tool_read_input ("ouro report", argv[1], &length);
  if (json == NULL)
    return TOOL_EXIT_FAILURE;

  report = ouro_report_new_from_json (json, (gssize) length, &error);
  if (report == NULL)
    {
      g_printerr ("ouro report: %s: %s\n", argv[1], error->message);
      return TOOL_EXIT_FAILURE;
    }

  if (g_str_equal (format, "text"))
    result = ouro_report_to_text (report);
  else if (g_str_equal (format, "json"))
    result = ouro_report_to_json (report);
  else
    {
      g_autofree char *dot = ouro_report_to_dot (report);
      result = g_str_equal (format, "svg") ? tool_render_svg (dot, &error) : g_steal_pointer (&dot);
      if (result == NULL)
        {
          g_printerr ("ouro report: %s\n", error->message);
          return TOOL_EXIT_FAILURE;
        }
    }

  return tool_write_output ("ouro report", result, output) ? 0 : TOOL_EXIT_FAILURE;
}

/* ---- ouro diff --------------------------------------------------------- */

static OuroSnapshot *
tool_load_snapshot (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  OuroSnapshot *snapshot;
  gsize length;

  json = tool_read_input ("ouro diff", path, &length);
  if (json == NULL)
    return NULL;
  snapshot = ouro_snapshot_new_from_json (json, (gssize) length, &error);
  if (snapshot == NULL)
    g_printerr ("ouro diff: %s: %s\n", path, error->message);
  return snapshot;
}

static int
tool_diff (int    argc,
           char **argv)
{
  g_autofree char *by = NULL;
  g_autofree char *format = NULL;
  g_autofree char *output = NULL;
  int limit = 0;
  GOptionEntry entries[] = {
    { "by", 0, 0, G_OPTION_ARG_STRING, &by,
      "Group by type (the default) or by creation site, when the snapshots record sites",
      "type|site" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit,
      "List at most N types (default: every type that changed)", "N" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text (default) or json", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write to FILE instead of standard output (- is standard output)", "FILE" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("OLD.json NEW.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(OuroSnapshot) before = NULL;
  g_autoptr(OuroSnapshot) after = NULL;
  g_autofree char *result = NULL;
  OuroSnapshotGroup group;

  g_option_context_set_summary (context,
    "Compares two snapshots of the live objects (ouro_snapshot_to_json ()): what\n"
    "grew and what shrank between them, by type or site, with counts and sizes, largest\n"
    "growth first, as Python's tracemalloc compare_to () does:\n"
    "  EditorWindow: count=20 (+20), size=20.3 KiB (+20.3 KiB)\n"
    "Either file may be - for standard input.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("ouro diff: %s (see ouro diff --help)\n", error->message);
      return TOOL_EXIT_USAGE;
    }
  if (argc != 3)
    {
      g_printerr ("ouro diff: expected OLD.json and NEW.json (see ouro diff --help)\n");
      return TOOL_EXIT_USAGE;
    }
  if (by != NULL && !g_str_equal (by, "type") && !g_str_equal (by, "site"))
    {
      g_printerr ("ouro diff: --by=%s: expected type or site\n", by);
      return TOOL_EXIT_USAGE;
    }
  if (format != NULL && !g_str_equal (format, "text") && !g_str_equal (format, "json"))
    {
      g_printerr ("ouro diff: --format=%s: expected text or json\n", format);
      return TOOL_EXIT_USAGE;
    }
  if (limit < 0)
    {
      g_printerr ("ouro diff: --limit=%d: expected 0 (all) or more\n", limit);
      return TOOL_EXIT_USAGE;
    }

  before = tool_load_snapshot (argv[1]);
  after = before != NULL ? tool_load_snapshot (argv[2]) : NULL;
  if (after == NULL)
    return TOOL_EXIT_FAILURE;
  group = by != NULL && g_str_equal (by, "site") ? OURO_SNAPSHOT_BY_SITE : OURO_SNAPSHOT_BY_TYPE;
  if (group == OURO_SNAPSHOT_BY_SITE && !ouro_snapshot_has_sites (before)
      && !ouro_snapshot_has_sites (after))
    {
      g_printerr ("ouro diff: --by=site: neither snapshot records creation sites\n");
      return TOOL_EXIT_FAILURE;
    }
  result = format != NULL && g_str_equal (format, "json")
           ? ouro_snapshot_compare_to_json (before, after, group, (guint) limit)
           : ouro_snapshot_compare_to_text (before, after, group, (guint) limit);
  return tool_write_output ("ouro diff", result, output) ? 0 : TOOL_EXIT_FAILURE;
}

int
main (int    argc,
      char **argv)
{
  char *help_argv[4] = { NULL, };

  /* The user's locale: GOption's help prints "…" as the terminal can. */
  setlocale (LC_ALL, "");

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")
      || g_str_equal (argv[1], "help"))
    {
      if (argc >= 3 && g_str_equal (argv[1], "help"))
        {
          help_argv[0] = argv[0];
          help_argv[1] = argv[2];
          help_argv[2] = (char *) "--help";
          argc = 3;
          argv = help_argv;
        }
      else
        {
          fputs (tool_overview, argc < 2 ? stderr : stdout);
          return argc < 2 ? TOOL_EXIT_USAGE : 0;
        }
    }
  if (g_str_equal (argv[1], "--version") || g_str_equal (argv[1], "-V"))
    {
      printf ("ouro %s\n", OURO_VERSION);
      return 0;
    }
  /* Usage lines and messages name the command: "ouro run [OPTION…]". */
  if (g_str_equal (argv[1], "run") || g_str_equal (argv[1], "report")
      || g_str_equal (argv[1], "diff"))
    {
      g_autofree char *name = g_strconcat ("ouro ", argv[1], NULL);

      g_set_prgname (name);
    }
  if (g_str_equal (argv[1], "run"))
    return tool_run (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "report"))
    return tool_report (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "diff"))
    return tool_diff (argc - 1, argv + 1);
  g_printerr ("ouro: unknown command '%s' (commands: run, report, diff; see ouro --help)\n",
              argv[1]);
  return TOOL_EXIT_USAGE;
}
