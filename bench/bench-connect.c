/* bench-connect.c — what the glue's interposition of g_signal_connect_data
 * costs: g_signal_connect_data () + g_signal_handler_disconnect () through
 * GLib's own function against through the glue's definition.
 *
 * libouro-gobject defines g_signal_connect_data; this program links it
 * before gobject-2.0, so its calls go to the glue, which forwards to GLib's
 * and, once ouro_gobject_init () has run, records handlers whose data is a
 * GObject released with g_object_unref (the bound-callback back-reference).
 * GLib's own function is looked up in libgobject-2.0.so.0 with dlsym and
 * called through that pointer.  The program checks first that the
 * interposition is in effect (the default definition is not GLib's) and,
 * after ouro_gobject_init (), that it records (a cycle made through handler
 * data is found by ouro_scan); it fails otherwise.
 *
 * Measured, in two phases (ouro_gobject_init () cannot be undone): before
 * it (the glue only forwards) and after it (the glue records), for
 *   - plain: g_signal_connect_data (instance, "notify", cb, NULL, NULL, 0)
 *     + g_signal_handler_disconnect ();
 *   - held: g_signal_connect_data (instance, "notify", cb, g_object_ref
 *     (data), (GClosureNotify) g_object_unref, 0) + disconnect (which
 *     unrefs data): the case the glue records;
 * ns per connect + disconnect through GLib's function ("real") and the
 * glue's ("interposed"), min and median over repeated runs, the two
 * interleaved; each run uses a fresh instance, dropped afterwards.  Also
 * the heap bytes (mallinfo2) still held per connect + disconnect while the
 * instance lives: what the glue's records keep.
 *
 * Also, after init, the same comparison for the weak-location
 * interposers (ouro-gobject-weak-locations.c): g_weak_ref_set (ref,
 * object) + g_weak_ref_set (ref, NULL), which GLib's GWeakRef users call
 * on every change of what they point to.
 *
 * Not thread safe: a single-threaded program.
 */
#define _GNU_SOURCE   /* dladdr () */

#include <dlfcn.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ouro-gobject.h>

#include "bench-common.h"

#define CONNECT_DEFAULT_ITERATIONS  100000
#define CONNECT_DEFAULT_REPEATS     15
#define CONNECT_QUICK_ITERATIONS    20000
#define CONNECT_QUICK_REPEATS       3

/* The budget of bench/README.md: interposed - real, ns per connect +
 * disconnect, with the glue initialised. */
#define CONNECT_BUDGET_NS  200.0

typedef gulong (*ConnectDataFunc) (gpointer, const gchar *, GCallback, gpointer,
                                   GClosureNotify, GConnectFlags);

typedef enum {
  CONNECT_PHASE_FORWARDING,
  CONNECT_PHASE_RECORDING,
  CONNECT_N_PHASES
} ConnectPhase;

static const char *const connect_phase_names[CONNECT_N_PHASES] = {
  "before init", "after init",
};

typedef enum {
  CONNECT_VARIANT_PLAIN,
  CONNECT_VARIANT_HELD,
  CONNECT_N_VARIANTS
} ConnectVariant;

static const char *const connect_variant_names[CONNECT_N_VARIANTS] = {
  "plain", "held (g_object_ref data, g_object_unref notify)",
};

typedef enum {
  CONNECT_PATH_REAL,
  CONNECT_PATH_INTERPOSED,
  CONNECT_N_PATHS
} ConnectPath;

/* g_object_unref as a GClosureNotify: the cast through void (*) (void)
 * says the extra argument is meant. */
#define CONNECT_UNREF_NOTIFY ((GClosureNotify) (void (*) (void)) g_object_unref)

/* ---- the two functions ------------------------------------------------ */

static ConnectDataFunc connect_real;

static void
connect_on_notify (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
}

/* After it: connect_real is GLib's g_signal_connect_data, and calls this
 * program makes to g_signal_connect_data go to another definition (the
 * glue's).  Returns FALSE with @error set otherwise. */
static gboolean
connect_resolve (GError **error)
{
  void *gobject = dlopen ("libgobject-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD);
  gpointer by_default, called;
  Dl_info info;

  if (gobject == NULL)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED, "libgobject-2.0.so.0 is not loaded");
      return FALSE;
    }
  connect_real = (ConnectDataFunc) dlsym (gobject, "g_signal_connect_data");
  dlclose (gobject);

  by_default = dlsym (RTLD_DEFAULT, "g_signal_connect_data");
  called = (gpointer) g_signal_connect_data;   /* what this program's calls reach */
  if (connect_real == NULL || by_default == (gpointer) connect_real
      || called == (gpointer) connect_real)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
                   "g_signal_connect_data is not interposed (GLib's %p, default %p, called %p): "
                   "libgobject-2.0 precedes libouro-gobject in the symbol search order; "
                   "link ouro-gobject before gobject-2.0",
                   (gpointer) connect_real, by_default, called);
      return FALSE;
    }

  if (dladdr (called, &info) != 0 && info.dli_fname != NULL)
    g_print ("interposed: g_signal_connect_data is defined by %s\n", info.dli_fname);
  return TRUE;
}

/* After ouro_gobject_init (): a cycle of two objects through handler data,
 * connected through the glue, must be found.  Returns FALSE with @error
 * set when it is not (the glue does not record). */
static gboolean
connect_check_recording (GError **error)
{
  GObject *a = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *b = g_object_new (G_TYPE_OBJECT, NULL);
  OuroReport *report;
  guint n_garbage;

  g_signal_connect_data (a, "notify", G_CALLBACK (connect_on_notify), g_object_ref (b),
                         CONNECT_UNREF_NOTIFY, 0);
  g_signal_connect_data (b, "notify", G_CALLBACK (connect_on_notify), g_object_ref (a),
                         CONNECT_UNREF_NOTIFY, 0);
  g_object_unref (a);
  g_object_unref (b);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  n_garbage = ouro_report_get_n_garbage (report);
  ouro_report_free (report);
  ouro_collect ();   /* dispose disconnects both handlers: the cycle goes */

  if (n_garbage != 2)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
                   "a cycle through handler data connected through the glue: ouro_scan found "
                   "%u garbage objects, expected 2; the glue does not record", n_garbage);
      return FALSE;
    }
  g_print ("recording: a 2-object cycle through handler data is found (2 garbage)\n");
  return TRUE;
}

/* ---- measuring -------------------------------------------------------- */

typedef struct {
  double ns;               /* per connect + disconnect */
  double retained_bytes;   /* per connect + disconnect, while the instance lives */
} ConnectSample;

static gsize
connect_heap_in_use (void)
{
  return mallinfo2 ().uordblks;
}

/* Times @iterations connect + disconnect on a fresh instance. */
static ConnectSample
connect_run (ConnectVariant variant,
             ConnectPath    path,
             guint          iterations)
{
  ConnectDataFunc connect = path == CONNECT_PATH_REAL ? connect_real : g_signal_connect_data;
  GObject *instance = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *data = g_object_new (G_TYPE_OBJECT, NULL);
  ConnectSample sample;
  gsize heap_before;
  gint64 start;

  /* A first connect, so that the signal's and the handler table's own
   * allocations are not counted as retained. */
  g_signal_handler_disconnect (instance,
                               connect (instance, "notify", G_CALLBACK (connect_on_notify),
                                        NULL, NULL, 0));
  heap_before = connect_heap_in_use ();

  start = bench_now_ns ();
  if (variant == CONNECT_VARIANT_PLAIN)
    for (guint i = 0; i < iterations; i++)
      g_signal_handler_disconnect (instance,
                                   connect (instance, "notify", G_CALLBACK (connect_on_notify),
                                            NULL, NULL, 0));
  else
    for (guint i = 0; i < iterations; i++)
      g_signal_handler_disconnect (instance,
                                   connect (instance, "notify", G_CALLBACK (connect_on_notify),
                                            g_object_ref (data),
                                            CONNECT_UNREF_NOTIFY, 0));
  sample.ns = (double) (bench_now_ns () - start) / iterations;
  sample.retained_bytes = ((double) connect_heap_in_use () - (double) heap_before) / iterations;

  g_object_unref (instance);
  g_object_unref (data);
  return sample;
}

typedef struct {
  BenchStats ns;
  double     retained_bytes;   /* the largest seen */
} ConnectResult;

/* Runs @repeats rounds of every variant and path, alternating the order of
 * the paths, and fills @results[variant][path]. */
static void
connect_measure_phase (guint          iterations,
                       guint          repeats,
                       ConnectResult  results[CONNECT_N_VARIANTS][CONNECT_N_PATHS])
{
  double *samples[CONNECT_N_VARIANTS][CONNECT_N_PATHS];

  for (guint v = 0; v < CONNECT_N_VARIANTS; v++)
    for (guint p = 0; p < CONNECT_N_PATHS; p++)
      {
        samples[v][p] = g_new (double, repeats);
        results[v][p].retained_bytes = 0;
        connect_run (v, p, iterations / 10 + 1);   /* warm-up */
      }

  for (guint r = 0; r < repeats; r++)
    for (guint v = 0; v < CONNECT_N_VARIANTS; v++)
      for (guint i = 0; i < CONNECT_N_PATHS; i++)
        {
          ConnectPath p = (r + i) % CONNECT_N_PATHS;
          ConnectSample sample = connect_run (v, p, iterations);

          samples[v][p][r] = sample.ns;
          results[v][p].retained_bytes = MAX (results[v][p].retained_bytes,
                                              sample.retained_bytes);
        }

  for (guint v = 0; v < CONNECT_N_VARIANTS; v++)
    for (guint p = 0; p < CONNECT_N_PATHS; p++)
      {
        bench_stats_compute (samples[v][p], repeats, &results[v][p].ns);
        g_free (samples[v][p]);
      }
}

/* ---- weak references ---------------------------------------------- */

typedef void (*WeakRefSetFunc) (GWeakRef *, gpointer);

/* Times @iterations g_weak_ref_set (object) + g_weak_ref_set (NULL) on one
 * GWeakRef through @set; ns per pair. */
static double
connect_weak_run (WeakRefSetFunc set,
                  guint          iterations)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GWeakRef ref;
  gint64 start;
  double ns;

  g_weak_ref_init (&ref, NULL);
  start = bench_now_ns ();
  for (guint i = 0; i < iterations; i++)
    {
      set (&ref, object);
      set (&ref, NULL);
    }
  ns = (double) (bench_now_ns () - start) / iterations;
  g_weak_ref_clear (&ref);
  g_object_unref (object);
  return ns;
}

/* After it: @out[path] holds the times of GLib's g_weak_ref_set and the
 * glue's, interleaved.  FALSE with @error set when the glue's is not the
 * one this program calls. */
static gboolean
connect_weak_measure (guint       iterations,
                      guint       repeats,
                      BenchStats  out[CONNECT_N_PATHS],
                      GError    **error)
{
  void *gobject = dlopen ("libgobject-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD);
  WeakRefSetFunc paths[CONNECT_N_PATHS];
  g_autofree double *samples[CONNECT_N_PATHS] = { g_new (double, repeats),
                                                   g_new (double, repeats) };

  paths[CONNECT_PATH_REAL] = gobject != NULL ? (WeakRefSetFunc) dlsym (gobject, "g_weak_ref_set")
                                             : NULL;
  paths[CONNECT_PATH_INTERPOSED] = g_weak_ref_set;
  if (gobject != NULL)
    dlclose (gobject);
  if (paths[CONNECT_PATH_REAL] == NULL
      || paths[CONNECT_PATH_REAL] == paths[CONNECT_PATH_INTERPOSED])
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
                   "g_weak_ref_set is not interposed: link ouro-gobject before gobject-2.0");
      return FALSE;
    }
  for (guint p = 0; p < CONNECT_N_PATHS; p++)
    connect_weak_run (paths[p], iterations / 10 + 1);   /* warm-up */
  for (guint r = 0; r < repeats; r++)
    for (guint i = 0; i < CONNECT_N_PATHS; i++)
      {
        ConnectPath p = (r + i) % CONNECT_N_PATHS;

        samples[p][r] = connect_weak_run (paths[p], iterations);
      }
  for (guint p = 0; p < CONNECT_N_PATHS; p++)
    bench_stats_compute (samples[p], repeats, &out[p]);
  return TRUE;
}

/* ---- the tables ------------------------------------------------------- */

static void
connect_print_tables (ConnectResult results[CONNECT_N_PHASES][CONNECT_N_VARIANTS][CONNECT_N_PATHS],
                      guint         iterations,
                      guint         repeats)
{
  g_autofree char *iterations_text = bench_format_size (iterations);

  g_print ("\nconnect: g_signal_connect_data () + g_signal_handler_disconnect (), ns per pair "
           "(%s pairs per run, %u runs); real = GLib's function through dlsym, interposed = "
           "the glue's; delta = interposed - real\n\n", iterations_text, repeats);
  g_print ("| phase | variant | real min | real median | interposed min | interposed median "
           "| delta min | delta median | ratio (min) | ratio (median) "
           "| retained bytes/pair real | retained bytes/pair interposed |\n");
  g_print ("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");

  for (guint ph = 0; ph < CONNECT_N_PHASES; ph++)
    for (guint v = 0; v < CONNECT_N_VARIANTS; v++)
      {
        ConnectResult *real = &results[ph][v][CONNECT_PATH_REAL];
        ConnectResult *glue = &results[ph][v][CONNECT_PATH_INTERPOSED];

        g_print ("| %s | %s | %.1f | %.1f | %.1f | %.1f | %+.1f | %+.1f | %.2fx | %.2fx "
                 "| %.1f | %.1f |\n",
                 connect_phase_names[ph], connect_variant_names[v],
                 real->ns.min, real->ns.median, glue->ns.min, glue->ns.median,
                 glue->ns.min - real->ns.min, glue->ns.median - real->ns.median,
                 glue->ns.min / real->ns.min, glue->ns.median / real->ns.median,
                 real->retained_bytes, glue->retained_bytes);
      }

  g_print ("\nbudget after init: interposed - real <= +%.0f ns per connect + disconnect "
           "(by min and by median):\n", CONNECT_BUDGET_NS);
  for (guint v = 0; v < CONNECT_N_VARIANTS; v++)
    {
      ConnectResult *real = &results[CONNECT_PHASE_RECORDING][v][CONNECT_PATH_REAL];
      ConnectResult *glue = &results[CONNECT_PHASE_RECORDING][v][CONNECT_PATH_INTERPOSED];
      double by_min = glue->ns.min - real->ns.min;
      double by_median = glue->ns.median - real->ns.median;

      g_print ("  %-6s %+.1f / %+.1f ns: %s\n", v == CONNECT_VARIANT_PLAIN ? "plain" : "held",
               by_min, by_median,
               by_min <= CONNECT_BUDGET_NS && by_median <= CONNECT_BUDGET_NS ? "met" : "not met");
    }
}

/* ---- main ------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  ConnectResult results[CONNECT_N_PHASES][CONNECT_N_VARIANTS][CONNECT_N_PATHS];
  BenchStats weak[CONNECT_N_PATHS];
  gboolean quick = FALSE;
  gint iterations_option = 0, repeats_option = 0;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      "20k pairs per run, 3 runs (unless the options below say otherwise)", NULL },
    { "iterations", 'i', 0, G_OPTION_ARG_INT, &iterations_option,
      "Connect + disconnect pairs per timed run (default 100000)", "N" },
    { "repeats", 'r', 0, G_OPTION_ARG_INT, &repeats_option,
      "Timed runs of each variant and path per phase (default 15)", "N" },
    G_OPTION_ENTRY_NULL
  };
  guint iterations, repeats;

  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  context = g_option_context_new ("- time the glue's g_signal_connect_data against GLib's");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;
  if (iterations_option < 0 || repeats_option < 0)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--iterations and --repeats must be positive");
      goto fail;
    }
  iterations = iterations_option > 0 ? (guint) iterations_option
             : quick ? CONNECT_QUICK_ITERATIONS : CONNECT_DEFAULT_ITERATIONS;
  repeats = repeats_option > 0 ? (guint) repeats_option
          : quick ? CONNECT_QUICK_REPEATS : CONNECT_DEFAULT_REPEATS;

  bench_print_machine ("bench-connect");
  if (!connect_resolve (&error))
    goto fail;

  g_printerr ("connect: %s\n", connect_phase_names[CONNECT_PHASE_FORWARDING]);
  connect_measure_phase (iterations, repeats, results[CONNECT_PHASE_FORWARDING]);

  ouro_gobject_init ();
  if (!connect_check_recording (&error))
    goto fail;
  g_printerr ("connect: %s\n", connect_phase_names[CONNECT_PHASE_RECORDING]);
  connect_measure_phase (iterations, repeats, results[CONNECT_PHASE_RECORDING]);

  connect_print_tables (results, iterations, repeats);

  g_printerr ("connect: weak references\n");
  if (!connect_weak_measure (iterations, repeats, weak, &error))
    goto fail;
  g_print ("\nweak references, after init: g_weak_ref_set (ref, object) + g_weak_ref_set "
           "(ref, NULL), ns per pair\n\n"
           "| real min | real median | interposed min | interposed median | delta min "
           "| delta median |\n|--:|--:|--:|--:|--:|--:|\n"
           "| %.1f | %.1f | %.1f | %.1f | %+.1f | %+.1f |\n",
           weak[CONNECT_PATH_REAL].min, weak[CONNECT_PATH_REAL].median,
           weak[CONNECT_PATH_INTERPOSED].min, weak[CONNECT_PATH_INTERPOSED].median,
           weak[CONNECT_PATH_INTERPOSED].min - weak[CONNECT_PATH_REAL].min,
           weak[CONNECT_PATH_INTERPOSED].median - weak[CONNECT_PATH_REAL].median);
  return EXIT_SUCCESS;

fail:
  g_printerr ("bench-connect: %s\n", error->message);
  return EXIT_FAILURE;
}
