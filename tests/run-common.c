/* run-common.c — the `ouro run` test drivers' shared helpers; see
 * run-common.h. */
#include "run-common.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

void
run_result_clear (RunResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

static char **
run_environment (const char *const *extra)
{
  char **env = g_get_environ ();

  /* The tests choose the options; the user's must not leak in. */
  env = g_environ_unsetenv (env, "OURO_OPTIONS");
  for (guint i = 0; extra != NULL && extra[i] != NULL; i += 2)
    env = g_environ_setenv (env, extra[i], extra[i + 1], TRUE);
  return env;
}

void
run_default_fatal_signals (gpointer data)
{
  sigset_t fatal;

  sigemptyset (&fatal);
  sigaddset (&fatal, SIGINT);
  sigaddset (&fatal, SIGTERM);
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  sigprocmask (SIG_UNBLOCK, &fatal, NULL);
}

void
run_command (const char *const *argv,
             const char *const *extra_env,
             RunResult         *result)
{
  g_auto(GStrv) env = run_environment (extra_env);
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  memset (result, 0, sizeof *result);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT,
                               run_default_fatal_signals, NULL,
                               &result->out, &result->err, &wait_status, &error));
  g_assert_no_error (error);
  if (WIFEXITED (wait_status))
    result->status = WEXITSTATUS (wait_status);
  else
    result->status = 128 + WTERMSIG (wait_status);
  if (g_test_verbose ())
    g_printerr ("status %d\n--- stdout\n%s--- stderr\n%s---\n", result->status,
                result->out, result->err);
}

const char *
tool (void)
{
  const char *path = g_getenv ("OURO_TOOL");

  g_assert_nonnull (path);
  return path;
}

gboolean
wait_for_file (const char *path,
               guint       seconds)
{
  for (guint i = 0; i < seconds * 20; i++)
    {
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return TRUE;
      g_usleep (50 * 1000);
    }
  return FALSE;
}
