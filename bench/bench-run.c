/* bench-run.c — what `ouro run` costs a GObject-heavy program: the same
 * workload (bench-run-workload) timed plain and under `ouro run` with
 * the ledger off, on (the caller only), and with 8-frame backtraces.
 *
 * Single-threaded.  Runs are interleaved (one of each mode per repeat) so
 * that a noisy machine slows every mode alike; ratios are of minima and of
 * medians within this run.  Wall time includes the exit report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-common.h"

typedef struct {
  const char *name;
  const char *tool_args[4];   /* NULL: run the workload plain */
} RunMode;

static const RunMode run_modes[] = {
  { "plain",                 { NULL } },
  { "ouro run --no-ledger",  { "--no-ledger", NULL } },
  { "ouro run --snapshot=none", { "--snapshot=none", NULL } },   /* no creation sites kept */
  { "ouro run",              { NULL }, },
  { "ouro run --backtrace=8", { "--backtrace=8", NULL } },
};

/* After it: the workload ran once in @mode; returns its wall time in
 * seconds, or a negative number when it failed. */
static double
run_once (guint       mode,
          const char *rounds,
          const char *objects)
{
  GPtrArray *argv = g_ptr_array_new ();
  char **env = g_get_environ ();
  int status = 0;
  gint64 start;
  gboolean ok;
  g_autoptr(GError) error = NULL;

  if (mode > 0)
    {
      g_ptr_array_add (argv, (gpointer) BENCH_OURO_TOOL);
      g_ptr_array_add (argv, (gpointer) "run");
      g_ptr_array_add (argv, (gpointer) "--output=/dev/null");
      for (guint i = 0; run_modes[mode].tool_args[i] != NULL; i++)
        g_ptr_array_add (argv, (gpointer) run_modes[mode].tool_args[i]);
      g_ptr_array_add (argv, (gpointer) "--");
    }
  g_ptr_array_add (argv, (gpointer) BENCH_WORKLOAD);
  g_ptr_array_add (argv, (gpointer) rounds);
  g_ptr_array_add (argv, (gpointer) objects);
  g_ptr_array_add (argv, NULL);
  env = g_environ_unsetenv (env, "OURO_OPTIONS");

  start = bench_now_ns ();
  ok = g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     NULL, NULL, &status, &error);
  g_ptr_array_unref (argv);
  g_strfreev (env);
  if (!ok || !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("bench-run: %s failed: %s\n", run_modes[mode].name,
                  error != NULL ? error->message : "?");
      return -1;
    }
  return (bench_now_ns () - start) / 1e9;
}

int
main (int    argc,
      char **argv)
{
  guint repeats = 7;
  const char *rounds = "10";
  const char *objects = "20000";
  double *samples[G_N_ELEMENTS (run_modes)];
  BenchStats stats[G_N_ELEMENTS (run_modes)];

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--quick"))
        {
          repeats = 2;
          rounds = "2";
          objects = "5000";
        }
      else if (g_str_equal (argv[i], "--repeats") && i + 1 < argc)
        {
          /* Not inside MAX (), which evaluates its arguments twice. */
          int value = atoi (argv[++i]);

          repeats = (guint) MAX (1, value);
        }
      else
        {
          g_printerr ("usage: bench-run [--quick] [--repeats N]\n");
          return 2;
        }
    }

  bench_print_machine ("run");
  printf ("workload: %s rounds of %s documents (2 objects, 1 connect, 1 qdata, 3 emissions, "
          "6 ref/unref pairs each); wall time of the whole process, exit report included\n\n",
          rounds, objects);

  for (guint m = 0; m < G_N_ELEMENTS (run_modes); m++)
    samples[m] = g_new0 (double, repeats);
  for (guint r = 0; r < repeats; r++)
    for (guint m = 0; m < G_N_ELEMENTS (run_modes); m++)
      if ((samples[m][r] = run_once (m, rounds, objects)) < 0)
        return 1;

  printf ("| mode | min s | median s | min ratio | median ratio |\n");
  printf ("|---|---|---|---|---|\n");
  for (guint m = 0; m < G_N_ELEMENTS (run_modes); m++)
    {
      bench_stats_compute (samples[m], repeats, &stats[m]);
      printf ("| %s | %.3f | %.3f | %.2fx | %.2fx |\n", run_modes[m].name, stats[m].min,
              stats[m].median, stats[m].min / stats[0].min, stats[m].median / stats[0].median);
      g_free (samples[m]);
    }
  return 0;
}
