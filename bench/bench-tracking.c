/* bench-tracking.c — what tracking every GObject costs: g_object_new () +
 * g_object_unref () untracked, tracked by the glue (ouro_gobject_init (),
 * whose hooks on GObjectClass->constructed and ->finalize call ouro_track
 * and ouro_untrack), and tracked the way gobject-list does (a weak ref per
 * object, recorded in a GHashTable under a mutex).
 *
 * ouro_gobject_init () is process-wide and cannot be undone, so each way of
 * tracking runs in a process of its own: the benchmark spawns itself
 * (/proc/self/exe --mode untracked|tracked|weakref), rounds of one process
 * per mode in rotating order, and reads back one line per timed run.  Every
 * ratio is computed from processes of the same invocation.  "untracked" is
 * this program with libouro-gobject linked but not initialised (its
 * interposed functions, g_datalist_id_set_data_full among them, are still
 * called); a fourth mode, "noglue", runs the same source built without
 * libouro-gobject (bench-tracking-noglue, -DBENCH_TRACKING_NO_GLUE), for
 * what linking the glue costs by itself.
 *
 * Measured, for a plain GObject (g_object_new (G_TYPE_OBJECT, NULL)) and for
 * BenchItem, a subclass with two properties (one of them G_PARAM_CONSTRUCT)
 * and a finalize that chains up:
 *   - hot: create + unref one object, repeatedly, ns per object;
 *   - alive: create N objects (all alive at once), then unref them in
 *     creation order, ns per object for each half and for both;
 *   - threads: two threads doing "hot" at the same time, half of its
 *     objects each, wall time divided by the objects one thread made
 *     (equal to "hot" if they do not slow each other down).
 * Each process also checks that its mode did what it says (N objects
 * tracked, or N in the weak-ref table, or nothing tracked) and fails
 * otherwise.
 *
 * Thread safety: the measuring process runs two threads in the "threads"
 * case only; everything else, and the whole parent, is single-threaded.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BENCH_TRACKING_NO_GLUE
# include <ouro-gobject.h>
#else
# include <glib-object.h>
#endif

#include "bench-common.h"

#define TRACKING_DEFAULT_ITERATIONS  5000000
#define TRACKING_DEFAULT_ALIVE       1000000
#define TRACKING_DEFAULT_ROUNDS      5
#define TRACKING_QUICK_ITERATIONS    200000
#define TRACKING_QUICK_ALIVE         100000
#define TRACKING_QUICK_ROUNDS        2
#define TRACKING_WARMUP_ITERATIONS   100000
#define TRACKING_N_THREADS           2

/* The targets of bench/README.md: tracked / untracked, plain GObject. */
#define TRACKING_GOAL_HOT    1.10
#define TRACKING_GOAL_ALIVE  1.30

/* ---- modes, types and cases ------------------------------------------- */

typedef enum {
  TRACKING_MODE_UNTRACKED,
  TRACKING_MODE_OURO,
  TRACKING_MODE_WEAKREF,
  TRACKING_MODE_NO_GLUE,   /* bench-tracking-noglue: no libouro-gobject at all */
  TRACKING_N_MODES
} TrackingMode;

static const char *const tracking_mode_names[TRACKING_N_MODES] = {
  "untracked", "tracked", "weakref", "noglue",
};

/* The same program built without libouro-gobject, next to this one. */
#define TRACKING_NO_GLUE_PROGRAM "bench-tracking-noglue"

typedef enum {
  TRACKING_TYPE_OBJECT,
  TRACKING_TYPE_ITEM,
  TRACKING_N_TYPES
} TrackingType;

static const char *const tracking_type_names[TRACKING_N_TYPES] = {
  "GObject", "BenchItem",
};

typedef enum {
  TRACKING_CASE_HOT,
  TRACKING_CASE_ALIVE_CREATE,
  TRACKING_CASE_ALIVE_UNREF,
  TRACKING_CASE_ALIVE_TOTAL,
  TRACKING_CASE_THREADS,
  TRACKING_N_CASES
} TrackingCase;

static const char *const tracking_case_names[TRACKING_N_CASES] = {
  "hot", "alive-create", "alive-unref", "alive-total", "threads",
};

/* What --cases selects: one run gives the samples of one or more cases. */
typedef enum {
  TRACKING_RUN_HOT     = 1 << 0,
  TRACKING_RUN_ALIVE   = 1 << 1,
  TRACKING_RUN_THREADS = 1 << 2,
  TRACKING_RUN_ALL     = (1 << 3) - 1
} TrackingRuns;

static const char *const tracking_run_names[] = { "hot", "alive", "threads" };

/* The run that gives the samples of @which. */
static TrackingRuns
tracking_case_run (TrackingCase which)
{
  switch (which)
    {
    case TRACKING_CASE_HOT:
      return TRACKING_RUN_HOT;
    case TRACKING_CASE_THREADS:
      return TRACKING_RUN_THREADS;
    default:
      return TRACKING_RUN_ALIVE;
    }
}

/* ---- BenchItem: a subclass with properties ---------------------------- */

#define BENCH_TYPE_ITEM (bench_item_get_type ())
G_DECLARE_FINAL_TYPE (BenchItem, bench_item, BENCH, ITEM, GObject)

struct _BenchItem {
  GObject parent_instance;
  char   *name;
  int     count;
};

G_DEFINE_TYPE (BenchItem, bench_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_NAME = 1,
  ITEM_PROP_COUNT,
  ITEM_N_PROPS
};

static GParamSpec *item_props[ITEM_N_PROPS];

static void
bench_item_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  BenchItem *self = BENCH_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      break;
    case ITEM_PROP_COUNT:
      self->count = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bench_item_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  BenchItem *self = BENCH_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case ITEM_PROP_COUNT:
      g_value_set_int (value, self->count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bench_item_finalize (GObject *object)
{
  g_free (BENCH_ITEM (object)->name);
  G_OBJECT_CLASS (bench_item_parent_class)->finalize (object);
}

static void
bench_item_class_init (BenchItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = bench_item_set_property;
  object_class->get_property = bench_item_get_property;
  object_class->finalize = bench_item_finalize;

  /* A construct property, as most real classes have one: g_object_new ()
   * then sets its default, through the construct-property path. */
  item_props[ITEM_PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "item",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_COUNT] =
    g_param_spec_int ("count", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_props);
}

static void
bench_item_init (BenchItem *self)
{
}

/* ---- the gobject-list-style tracker ----------------------------------- */

/* What gobject-list does: every object in a hash table under a mutex,
 * removed by a weak-ref notify when it is finalized. */
static GMutex      weakref_lock;
static GHashTable *weakref_objects;

static void
weakref_notify (gpointer  data,
                GObject  *where_the_object_was)
{
  g_mutex_lock (&weakref_lock);
  g_hash_table_remove (weakref_objects, where_the_object_was);
  g_mutex_unlock (&weakref_lock);
}

static void
weakref_track (GObject *object)
{
  g_mutex_lock (&weakref_lock);
  g_hash_table_add (weakref_objects, object);
  g_mutex_unlock (&weakref_lock);
  g_object_weak_ref (object, weakref_notify, NULL);
}

static guint
weakref_get_n_tracked (void)
{
  guint n;

  g_mutex_lock (&weakref_lock);
  n = g_hash_table_size (weakref_objects);
  g_mutex_unlock (&weakref_lock);
  return n;
}

/* ---- measuring (the child process) ------------------------------------ */

/* --cpu-time: hot and alive timed in the measuring thread's CPU time
 * (system time, page faults included) instead of wall time.  On a machine
 * shared with other work, the time others hold the CPU is left out, the
 * cache they evict is not. */
static gboolean tracking_cpu_time;

static gint64
tracking_now_ns (void)
{
  struct timespec now;

  if (!tracking_cpu_time)
    return bench_now_ns ();
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return (gint64) now.tv_sec * G_GINT64_CONSTANT (1000000000) + now.tv_nsec;
}

typedef struct {
  TrackingMode mode;
  GType        type;
} TrackingSetup;

/* Creates one object of @setup's type, tracked as @setup's mode says (the
 * glue's hooks track it by themselves). */
static inline GObject *
tracking_new (const TrackingSetup *setup)
{
  GObject *object = g_object_new (setup->type, NULL);

  if (setup->mode == TRACKING_MODE_WEAKREF)
    weakref_track (object);
  return object;
}

/* Objects tracked by the mode's own tracker, whatever else is around. */
static guint
tracking_get_n_tracked (const TrackingSetup *setup)
{
  if (setup->mode == TRACKING_MODE_WEAKREF)
    return weakref_get_n_tracked ();
#ifndef BENCH_TRACKING_NO_GLUE
  return ouro_get_n_tracked ();
#else
  return 0;
#endif
}

/* Returns ns per create + unref over @iterations. */
static double
tracking_run_hot (const TrackingSetup *setup,
                  guint                iterations)
{
  gint64 start = tracking_now_ns ();

  for (guint i = 0; i < iterations; i++)
    g_object_unref (tracking_new (setup));
  return (double) (tracking_now_ns () - start) / iterations;
}

/* Creates @n objects, then unrefs them in creation order.  After it:
 * @create_ns and @unref_ns hold ns per object.  Returns FALSE with @error
 * set when the mode's tracker did not see exactly the @n objects. */
static gboolean
tracking_run_alive (const TrackingSetup *setup,
                    guint                n,
                    double              *create_ns,
                    double              *unref_ns,
                    GError             **error)
{
  GObject **objects = g_new (GObject *, n);
  guint before = tracking_get_n_tracked (setup);
  guint expected = setup->mode == TRACKING_MODE_OURO || setup->mode == TRACKING_MODE_WEAKREF ? n : 0;
  guint during, after;
  gint64 start;

  start = tracking_now_ns ();
  for (guint i = 0; i < n; i++)
    objects[i] = tracking_new (setup);
  *create_ns = (double) (tracking_now_ns () - start) / n;

  during = tracking_get_n_tracked (setup) - before;

  start = tracking_now_ns ();
  for (guint i = 0; i < n; i++)
    g_object_unref (objects[i]);
  *unref_ns = (double) (tracking_now_ns () - start) / n;

  after = tracking_get_n_tracked (setup);
  g_free (objects);

  if (during != expected || after != before)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
                   "%s: %u objects alive, %u tracked (expected %u), %u still tracked after "
                   "unref (expected %u)", tracking_mode_names[setup->mode], n, during, expected,
                   after, before);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  const TrackingSetup *setup;
  guint                iterations;
  gint                *n_ready;   /* atomic */
  gint                *go;        /* atomic */
} TrackingThread;

static gpointer
tracking_thread_main (gpointer data)
{
  TrackingThread *thread = data;

  g_atomic_int_inc (thread->n_ready);
  while (!g_atomic_int_get (thread->go))
    ;
  for (guint i = 0; i < thread->iterations; i++)
    g_object_unref (tracking_new (thread->setup));
  return NULL;
}

/* Returns the wall time of TRACKING_N_THREADS threads each doing
 * @iterations create + unref, divided by @iterations: the ns per object of
 * one thread, equal to the hot loop's if the threads do not slow each
 * other down. */
static double
tracking_run_threads (const TrackingSetup *setup,
                      guint                iterations)
{
  TrackingThread threads[TRACKING_N_THREADS];
  GThread *handles[TRACKING_N_THREADS];
  gint n_ready = 0, go = 0;
  gint64 start;

  for (guint t = 0; t < TRACKING_N_THREADS; t++)
    {
      threads[t] = (TrackingThread) { setup, iterations, &n_ready, &go };
      handles[t] = g_thread_new ("bench-tracking", tracking_thread_main, &threads[t]);
    }
  while (g_atomic_int_get (&n_ready) < TRACKING_N_THREADS)
    g_thread_yield ();

  start = bench_now_ns ();
  g_atomic_int_set (&go, 1);
  for (guint t = 0; t < TRACKING_N_THREADS; t++)
    g_thread_join (handles[t]);
  return (double) (bench_now_ns () - start) / iterations;
}

static void
tracking_print_sample (TrackingType type,
                       TrackingCase which,
                       double       ns)
{
  g_print ("sample %s %s %.3f\n", tracking_type_names[type], tracking_case_names[which], ns);
}

/* The measuring process: sets up @mode, runs the @runs of the types in
 * @type_mask (bit 1 << TrackingType) once after a warm-up, and prints one
 * "sample TYPE CASE NS" line per case. */
static gboolean
tracking_child (TrackingMode   mode,
                guint          type_mask,
                TrackingRuns   runs,
                guint          iterations,
                guint          n_alive,
                GError       **error)
{
  GType types[TRACKING_N_TYPES];

#ifndef BENCH_TRACKING_NO_GLUE
  if (mode == TRACKING_MODE_NO_GLUE)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--mode noglue is for " TRACKING_NO_GLUE_PROGRAM);
      return FALSE;
    }
  if (mode == TRACKING_MODE_OURO)
    ouro_gobject_init ();
#else
  if (mode != TRACKING_MODE_NO_GLUE)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   TRACKING_NO_GLUE_PROGRAM " measures --mode noglue only");
      return FALSE;
    }
#endif
  if (mode == TRACKING_MODE_WEAKREF)
    weakref_objects = g_hash_table_new (NULL, NULL);

  types[TRACKING_TYPE_OBJECT] = G_TYPE_OBJECT;
  types[TRACKING_TYPE_ITEM] = BENCH_TYPE_ITEM;

  for (guint t = 0; t < TRACKING_N_TYPES; t++)
    {
      TrackingSetup setup = { mode, types[t] };
      double create_ns, unref_ns;

      if (!(type_mask & (1u << t)))
        continue;
      /* Classes, the registry and the allocator's caches warmed up. */
      tracking_run_hot (&setup, TRACKING_WARMUP_ITERATIONS);

      if (runs & TRACKING_RUN_HOT)
        tracking_print_sample (t, TRACKING_CASE_HOT, tracking_run_hot (&setup, iterations));
      if (runs & TRACKING_RUN_ALIVE)
        {
          if (!tracking_run_alive (&setup, n_alive, &create_ns, &unref_ns, error))
            return FALSE;
          tracking_print_sample (t, TRACKING_CASE_ALIVE_CREATE, create_ns);
          tracking_print_sample (t, TRACKING_CASE_ALIVE_UNREF, unref_ns);
          tracking_print_sample (t, TRACKING_CASE_ALIVE_TOTAL, create_ns + unref_ns);
        }
      /* As many objects in all as the hot loop, shared by the threads. */
      if (runs & TRACKING_RUN_THREADS)
        tracking_print_sample (t, TRACKING_CASE_THREADS,
                               tracking_run_threads (&setup, iterations / TRACKING_N_THREADS));

      if (tracking_get_n_tracked (&setup) != 0)
        {
          g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED, "%s %s: %u objects still tracked",
                       tracking_mode_names[mode], tracking_type_names[t],
                       tracking_get_n_tracked (&setup));
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- the parent: spawning and collecting ------------------------------ */

/* samples[mode][type][case]: GArray of double */
typedef struct {
  GArray *samples[TRACKING_N_MODES][TRACKING_N_TYPES][TRACKING_N_CASES];
} TrackingResults;

static void
tracking_results_init (TrackingResults *results)
{
  for (guint m = 0; m < TRACKING_N_MODES; m++)
    for (guint t = 0; t < TRACKING_N_TYPES; t++)
      for (guint c = 0; c < TRACKING_N_CASES; c++)
        results->samples[m][t][c] = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
tracking_results_clear (TrackingResults *results)
{
  for (guint m = 0; m < TRACKING_N_MODES; m++)
    for (guint t = 0; t < TRACKING_N_TYPES; t++)
      for (guint c = 0; c < TRACKING_N_CASES; c++)
        g_array_unref (results->samples[m][t][c]);
}

static int
tracking_lookup (const char *const *names,
                 guint              n_names,
                 const char        *name)
{
  for (guint i = 0; i < n_names; i++)
    if (strcmp (names[i], name) == 0)
      return (int) i;
  return -1;
}

/* Returns the set of @names (bit i for names[i]) that @text, the
 * comma-separated value of --@option, lists; 0 with @error set when it
 * lists another word. */
static guint
tracking_parse_list (const char        *text,
                     const char        *option,
                     const char *const *names,
                     guint              n_names,
                     GError           **error)
{
  g_auto(GStrv) words = g_strsplit (text, ",", -1);
  guint mask = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      int found = tracking_lookup (names, n_names, g_strstrip (words[i]));

      if (found < 0)
        {
          g_autoptr(GString) known = g_string_new (NULL);

          for (guint n = 0; n < n_names; n++)
            g_string_append_printf (known, "%s%s", n == 0 ? "" : ", ", names[n]);
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--%s takes %s, not '%s'", option, known->str, words[i]);
          return 0;
        }
      mask |= 1u << found;
    }
  if (mask == 0)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s lists nothing", option);
  return mask;
}

/* Runs @program as the measuring process of @mode and adds its samples to
 * @results. */
static gboolean
tracking_spawn (const char       *program,
                TrackingMode      mode,
                const char       *types_text,
                guint             type_mask,
                const char       *cases_text,
                TrackingRuns      runs,
                guint             iterations,
                guint             n_alive,
                TrackingResults  *results,
                GError          **error)
{
  g_autofree char *iterations_text = g_strdup_printf ("%u", iterations);
  g_autofree char *alive_text = g_strdup_printf ("%u", n_alive);
  g_autofree char *output = NULL;
  g_auto(GStrv) lines = NULL;
  const char *argv[] = {
    program, "--mode", tracking_mode_names[mode], "--types", types_text, "--cases", cases_text,
    "--iterations", iterations_text, "--alive", alive_text,
    tracking_cpu_time ? "--cpu-time" : NULL, NULL
  };
  guint n_samples = 0, n_expected = 0;
  int status;

  /* A NULL standard_error lets the child write to our stderr. */
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &output, NULL, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "the %s process failed: ", tracking_mode_names[mode]);
      return FALSE;
    }

  lines = g_strsplit (output, "\n", -1);
  for (guint l = 0; lines[l] != NULL; l++)
    {
      char type_name[32], case_name[32];
      double ns;
      int type, which;

      if (sscanf (lines[l], "sample %31s %31s %lf", type_name, case_name, &ns) != 3)
        continue;
      type = tracking_lookup (tracking_type_names, TRACKING_N_TYPES, type_name);
      which = tracking_lookup (tracking_case_names, TRACKING_N_CASES, case_name);
      if (type < 0 || which < 0)
        continue;
      g_array_append_val (results->samples[mode][type][which], ns);
      n_samples++;
    }

  for (guint t = 0; t < TRACKING_N_TYPES; t++)
    for (guint c = 0; c < TRACKING_N_CASES; c++)
      if ((type_mask & (1u << t)) && (runs & tracking_case_run (c)))
        n_expected++;
  if (n_samples != n_expected)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
                   "the %s process gave %u samples, expected %u", tracking_mode_names[mode],
                   n_samples, n_expected);
      return FALSE;
    }
  return TRUE;
}

/* ---- the tables ------------------------------------------------------- */

static void
tracking_stats (TrackingResults *results,
                TrackingMode     mode,
                TrackingType     type,
                TrackingCase     which,
                BenchStats      *out)
{
  GArray *samples = results->samples[mode][type][which];

  bench_stats_compute ((const double *) (gpointer) samples->data, samples->len, out);
}

static void
tracking_print_tables (TrackingResults *results,
                       guint            iterations,
                       guint            n_alive,
                       guint            rounds)
{
  g_autofree char *iterations_text = bench_format_size (iterations);
  g_autofree char *alive_text = bench_format_size (n_alive);
  BenchStats base, stats;

  g_print ("\ntracking: g_object_new () + g_object_unref (), ns per object; hot = %s "
           "create+unref in a row; alive = %s created, then unrefed in creation order; "
           "threads = %d threads sharing hot's objects (wall ns / objects per thread); "
           "min and median of %u processes per mode; ratio = mode / untracked%s\n\n",
           iterations_text, alive_text, TRACKING_N_THREADS, rounds,
           tracking_cpu_time ? "; hot and alive in thread CPU time (--cpu-time)" : "");
  g_print ("| type | case | untracked min | untracked median | ouro min | ouro median "
           "| ouro ratio (min) | ouro ratio (median) | weakref min | weakref median "
           "| weakref ratio (min) | weakref ratio (median) |\n");
  g_print ("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");

  for (guint t = 0; t < TRACKING_N_TYPES; t++)
    for (guint c = 0; c < TRACKING_N_CASES; c++)
      {
        tracking_stats (results, TRACKING_MODE_UNTRACKED, t, c, &base);
        if (base.n == 0)
          continue;
        g_print ("| %s | %s | %.1f | %.1f |", tracking_type_names[t], tracking_case_names[c],
                 base.min, base.median);
        for (guint m = TRACKING_MODE_OURO; m <= TRACKING_MODE_WEAKREF; m++)
          {
            tracking_stats (results, m, t, c, &stats);
            if (stats.n == 0)
              g_print (" - | - | - | - |");   /* not in --modes */
            else
              g_print (" %.1f | %.1f | %.2fx | %.2fx |", stats.min, stats.median,
                       stats.min / base.min, stats.median / base.median);
          }
        g_print ("\n");
      }

  if (results->samples[TRACKING_MODE_NO_GLUE][0][TRACKING_CASE_ALIVE_TOTAL]->len > 0
      || results->samples[TRACKING_MODE_NO_GLUE][0][TRACKING_CASE_HOT]->len > 0)
    {
      g_print ("\nthe glue merely linked: ratio = mode / noglue, the same program built "
               "without libouro-gobject (%s)\n\n", TRACKING_NO_GLUE_PROGRAM);
      g_print ("| type | case | noglue min | noglue median | untracked ratio (min) "
               "| untracked ratio (median) | ouro ratio (min) | ouro ratio (median) |\n");
      g_print ("|---|---|--:|--:|--:|--:|--:|--:|\n");
      for (guint t = 0; t < TRACKING_N_TYPES; t++)
        for (guint c = 0; c < TRACKING_N_CASES; c++)
          {
            tracking_stats (results, TRACKING_MODE_NO_GLUE, t, c, &base);
            if (base.n == 0)
              continue;
            g_print ("| %s | %s | %.1f | %.1f |", tracking_type_names[t],
                     tracking_case_names[c], base.min, base.median);
            for (guint m = TRACKING_MODE_UNTRACKED; m <= TRACKING_MODE_OURO; m++)
              {
                tracking_stats (results, m, t, c, &stats);
                g_print (" %.2fx | %.2fx |", stats.min / base.min, stats.median / base.median);
              }
            g_print ("\n");
          }
    }

  g_print ("\ntargets, plain GObject, ouro tracked / untracked (by min and by median):\n");
  for (guint i = 0; i < 2; i++)
    {
      TrackingCase which = i == 0 ? TRACKING_CASE_HOT : TRACKING_CASE_ALIVE_TOTAL;
      double goal = i == 0 ? TRACKING_GOAL_HOT : TRACKING_GOAL_ALIVE;
      double by_min, by_median;

      tracking_stats (results, TRACKING_MODE_UNTRACKED, TRACKING_TYPE_OBJECT, which, &base);
      tracking_stats (results, TRACKING_MODE_OURO, TRACKING_TYPE_OBJECT, which, &stats);
      if (base.n == 0 || stats.n == 0)
        continue;
      by_min = stats.min / base.min;
      by_median = stats.median / base.median;
      g_print ("  %-12s %.2fx / %.2fx (%+.1f / %+.1f ns), goal <= %.2fx: %s\n",
               tracking_case_names[which], by_min, by_median, stats.min - base.min,
               stats.median - base.median, goal,
               by_min <= goal && by_median <= goal ? "met" : "not met");
    }
}

/* ---- main ------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  g_autofree char *mode_text = NULL;
  g_autofree char *modes_text = NULL;
  g_autofree char *cases_text = NULL;
  g_autofree char *types_text = NULL;
  g_autofree char *self = NULL;
  g_autofree char *no_glue = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  TrackingResults results;
  gboolean quick = FALSE;
  gint iterations_option = 0, alive_option = 0, rounds_option = 0;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      "200k iterations, 100k alive, 2 rounds (unless the options below say otherwise)", NULL },
    { "iterations", 'i', 0, G_OPTION_ARG_INT, &iterations_option,
      "Objects per hot loop, shared by the two threads of the threads case (default 5000000)", "N" },
    { "alive", 'a', 0, G_OPTION_ARG_INT, &alive_option,
      "Objects alive at once in the alive case (default 1000000)", "N" },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds_option,
      "Processes per mode, one timed run of each case each (default 5)", "N" },
    { "cases", 'c', 0, G_OPTION_ARG_STRING, &cases_text,
      "Comma-separated: hot, alive, threads (default all)", "LIST" },
    { "types", 't', 0, G_OPTION_ARG_STRING, &types_text,
      "Comma-separated: GObject, BenchItem (default both)", "LIST" },
    { "modes", 'm', 0, G_OPTION_ARG_STRING, &modes_text,
      "Comma-separated: tracked, weakref, noglue (default all; untracked always runs)", "LIST" },
    { "cpu-time", 0, 0, G_OPTION_ARG_NONE, &tracking_cpu_time,
      "Time hot and alive in the measuring thread's CPU time, not wall time "
      "(leaves out the time other processes hold the CPU)", NULL },
    { "mode", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &mode_text,
      "Measure in this process: untracked, tracked, weakref (or noglue, in "
      TRACKING_NO_GLUE_PROGRAM ")", "MODE" },
    G_OPTION_ENTRY_NULL
  };
  TrackingMode modes[TRACKING_N_MODES];
  guint mode_mask;
  guint iterations, n_alive, rounds, n_modes;
  TrackingRuns runs;
  guint type_mask;

  /* '.' decimal points always: the children's lines are read with sscanf. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  context = g_option_context_new ("- time tracking every GObject, against no tracking and "
                                  "a weak-ref tracker");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;
  if (iterations_option < 0 || alive_option < 0 || rounds_option < 0)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--iterations, --alive and --rounds must be positive");
      goto fail;
    }
  iterations = iterations_option > 0 ? (guint) iterations_option
             : quick ? TRACKING_QUICK_ITERATIONS : TRACKING_DEFAULT_ITERATIONS;
  n_alive = alive_option > 0 ? (guint) alive_option
          : quick ? TRACKING_QUICK_ALIVE : TRACKING_DEFAULT_ALIVE;
  rounds = rounds_option > 0 ? (guint) rounds_option
         : quick ? TRACKING_QUICK_ROUNDS : TRACKING_DEFAULT_ROUNDS;

  /* The children get the same lists. */
  if (cases_text == NULL)
    cases_text = g_strdup ("hot,alive,threads");
  if (types_text == NULL)
    types_text = g_strdup ("GObject,BenchItem");
  runs = tracking_parse_list (cases_text, "cases", tracking_run_names,
                              G_N_ELEMENTS (tracking_run_names), &error);
  if (runs == 0)
    goto fail;
  type_mask = tracking_parse_list (types_text, "types", tracking_type_names, TRACKING_N_TYPES,
                                   &error);
  if (type_mask == 0)
    goto fail;
  /* Every ratio is to untracked: it always runs. */
  mode_mask = tracking_parse_list (modes_text != NULL ? modes_text : "tracked,weakref,noglue",
                                   "modes", tracking_mode_names, TRACKING_N_MODES, &error);
  if (mode_mask == 0)
    goto fail;
  mode_mask |= 1u << TRACKING_MODE_UNTRACKED;

  if (mode_text != NULL)
    {
      int mode = tracking_lookup (tracking_mode_names, TRACKING_N_MODES, mode_text);

      if (mode < 0)
        {
          g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--mode must be untracked, tracked, weakref or noglue, not '%s'",
                       mode_text);
          goto fail;
        }
      if (!tracking_child (mode, type_mask, runs, iterations, n_alive, &error))
        goto fail;
      return EXIT_SUCCESS;
    }

#ifdef BENCH_TRACKING_NO_GLUE
  g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "this is the half of bench-tracking without the glue; run bench-tracking");
  goto fail;
#endif

  self = g_file_read_link ("/proc/self/exe", &error);
  if (self == NULL)
    goto fail;
  {
    g_autofree char *directory = g_path_get_dirname (self);

    no_glue = g_build_filename (directory, TRACKING_NO_GLUE_PROGRAM, NULL);
  }

  bench_print_machine ("bench-tracking");
  if ((mode_mask & (1u << TRACKING_MODE_NO_GLUE)) && !g_file_test (no_glue, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_print ("noglue: skipped (no %s)\n", no_glue);
      mode_mask &= ~(1u << TRACKING_MODE_NO_GLUE);
    }
  n_modes = 0;
  for (guint m = 0; m < TRACKING_N_MODES; m++)
    if (mode_mask & (1u << m))
      modes[n_modes++] = m;

  tracking_results_init (&results);
  for (guint r = 0; r < rounds; r++)
    for (guint i = 0; i < n_modes; i++)
      {
        /* Rotating the order spreads slow phases of the machine over the
         * modes. */
        TrackingMode mode = modes[(r + i) % n_modes];
        const char *program = mode == TRACKING_MODE_NO_GLUE ? no_glue : self;

        g_printerr ("tracking: round %u/%u, %s\n", r + 1, rounds, tracking_mode_names[mode]);
        if (!tracking_spawn (program, mode, types_text, type_mask, cases_text, runs,
                             iterations, n_alive, &results, &error))
          {
            tracking_results_clear (&results);
            goto fail;
          }
      }

  tracking_print_tables (&results, iterations, n_alive, rounds);
  tracking_results_clear (&results);
  return EXIT_SUCCESS;

fail:
  g_printerr ("bench-tracking: %s\n", error->message);
  return EXIT_FAILURE;
}
