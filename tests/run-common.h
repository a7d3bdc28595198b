/* run-common.h — what the `ouro run` test drivers share: running a
 * command to completion and collecting what it printed, finding the
 * `ouro` tool, and waiting for a running program's report file.
 *
 * Single-threaded.  The tool's path comes from OURO_TOOL, which
 * tests/meson.build sets.
 */
#pragma once

#include <glib.h>

typedef struct {
  int   status;   /* exit status, or 128 + signal */
  char *out;
  char *err;
} RunResult;

void        run_result_clear   (RunResult         *result);

/* A GSpawnChildSetupFunc: SIGINT and SIGTERM have their default action and
 * are not blocked, as in a program started from a terminal, whatever the
 * test runner left them (a background job starts with SIGINT ignored).
 * run_command () uses it. */
void        run_default_fatal_signals (gpointer data);

/* Runs @argv to completion with the test's environment, minus the user's
 * OURO_OPTIONS, plus @extra_env (name, value pairs, NULL-terminated; may
 * be NULL).  After it: @result holds what the command printed and how it
 * ended (printed too under --verbose).  SIGINT and SIGTERM start at their
 * default action (run_default_fatal_signals ()). */
void        run_command        (const char *const *argv,
                                const char *const *extra_env,
                                RunResult         *result);

/* The `ouro` binary under test ($OURO_TOOL). */
const char *tool               (void);

/* Whether @path exists within @seconds. */
gboolean    wait_for_file      (const char        *path,
                                guint              seconds);
