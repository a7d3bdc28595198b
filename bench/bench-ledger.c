/* bench-ledger.c — what the reference ledger costs per g_object_ref +
 * g_object_unref pair: GLib's own functions, called directly (the
 * baseline), against the ledger's interposed definitions with the ledger
 * off (forwarding), on with return addresses (the default of `ouro run`),
 * and on with stacks of 8 frames (backtrace=8).
 *
 * The program links the ledger statically with export_dynamic, as the
 * preload module puts it in front of libgobject, so its own calls to
 * g_object_ref reach the ledger; GLib's functions are looked up in
 * libgobject-2.0.so.0 with dlsym and called through pointers.  It checks
 * first that the ledger can be enabled (the interposition is in effect)
 * and, while measuring, that it recorded what it was given; it fails
 * otherwise.
 *
 * Two cases, ns per ref + unref pair, min and median over repeated runs,
 * the four modes interleaved in rotating order within each round:
 *   - hot: one object, ref then unref, N times in a row (the ledger's
 *     temporary-pair cancellation, R0);
 *   - spread: M objects, ref each, then unref each (every event reaches
 *     the per-object table), after one untimed round in the same session
 *     so that the objects have their entries, as objects the ledger saw
 *     created do.
 * And the ledger's memory with M objects created while it is on (one
 * record each), then with one more reference each (two): table bytes per
 * object, record bytes per record.
 *
 * Not thread safe: a single-threaded program.
 */
#include <dlfcn.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include <ouro-gobject.h>

#include "ouro-gobject-ledger-private.h"
#include "bench-common.h"

#define LEDGER_HOT_PAIRS            2000000
#define LEDGER_SPREAD_OBJECTS       100000
#define LEDGER_HOT_REPEATS          15
#define LEDGER_SPREAD_REPEATS       7
#define LEDGER_QUICK_HOT_PAIRS      200000
#define LEDGER_QUICK_SPREAD_OBJECTS 20000
#define LEDGER_QUICK_REPEATS        3
#define LEDGER_BACKTRACE_DEPTH      8

/* The budget of the issue: return-address mode minus forwarding, ns per
 * pair, on the hot object. */
#define LEDGER_BUDGET_NS 5.0

typedef enum {
  LEDGER_MODE_REAL,          /* (a) GLib's functions through pointers */
  LEDGER_MODE_FORWARD,       /* (b) the interposers, ledger off */
  LEDGER_MODE_RETURN,        /* (c) ledger on, return addresses */
  LEDGER_MODE_BACKTRACE,     /* (d) ledger on, 8-frame stacks */
  LEDGER_N_MODES
} LedgerMode;

static const char *const ledger_mode_names[LEDGER_N_MODES] = {
  "(a) real", "(b) forwarding", "(c) return address", "(d) backtrace 8",
};

typedef enum {
  LEDGER_CASE_HOT,
  LEDGER_CASE_SPREAD,
  LEDGER_N_CASES
} LedgerCase;

static const char *const ledger_case_names[LEDGER_N_CASES] = { "hot", "spread" };

typedef gpointer (*RefFunc)   (gpointer);
typedef void     (*UnrefFunc) (gpointer);

static RefFunc   ledger_real_ref;
static UnrefFunc ledger_real_unref;

/* ---- setup ------------------------------------------------------------ */

/* After it: ledger_real_ref and _unref are libgobject's. */
static void
ledger_resolve_real (void)
{
  void *gobject = dlopen ("libgobject-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD);

  g_assert (gobject != NULL);
  ledger_real_ref = (RefFunc) dlsym (gobject, "g_object_ref");
  ledger_real_unref = (UnrefFunc) dlsym (gobject, "g_object_unref");
  dlclose (gobject);
  g_assert (ledger_real_ref != NULL && ledger_real_unref != NULL);
  g_assert ((gpointer) ledger_real_ref != (gpointer) g_object_ref);
}

/* After it: the ledger is as @mode needs it.  Returns FALSE with @error
 * set when it cannot be enabled. */
static gboolean
ledger_set_mode (LedgerMode   mode,
                 GError     **error)
{
  ouro_ledger_disable ();
  if (mode == LEDGER_MODE_RETURN)
    return ouro_ledger_enable (1, error);
  if (mode == LEDGER_MODE_BACKTRACE)
    return ouro_ledger_enable (LEDGER_BACKTRACE_DEPTH, error);
  return TRUE;
}

/* ---- the timed loops -------------------------------------------------- */

static G_GNUC_NO_INLINE double
ledger_run_hot (LedgerMode mode,
                GObject   *object,
                guint      pairs)
{
  gint64 start = bench_now_ns ();

  if (mode == LEDGER_MODE_REAL)
    for (guint i = 0; i < pairs; i++)
      {
        ledger_real_ref (object);
        ledger_real_unref (object);
      }
  else
    for (guint i = 0; i < pairs; i++)
      {
        g_object_ref (object);
        g_object_unref (object);
      }
  return (double) (bench_now_ns () - start) / pairs;
}

static G_GNUC_NO_INLINE double
ledger_run_spread (LedgerMode mode,
                   GObject  **objects,
                   guint      n)
{
  gint64 start = bench_now_ns ();

  if (mode == LEDGER_MODE_REAL)
    {
      for (guint i = 0; i < n; i++)
        ledger_real_ref (objects[i]);
      for (guint i = 0; i < n; i++)
        ledger_real_unref (objects[i]);
    }
  else
    {
      for (guint i = 0; i < n; i++)
        g_object_ref (objects[i]);
      for (guint i = 0; i < n; i++)
        g_object_unref (objects[i]);
    }
  return (double) (bench_now_ns () - start) / n;
}

/* The ledger must have seen the run: in the hot case every pair cancelled
 * at once; in the spread case every event applied and no record left. */
static gboolean
ledger_check_recorded (LedgerMode             mode,
                       LedgerCase             which,
                       const OuroLedgerStats *before,
                       guint                  pairs,
                       GError               **error)
{
  OuroLedgerStats after;
  guint64 seen;

  ouro_ledger_sync ();
  ouro_ledger_get_stats (&after);
  seen = after.events - before->events;
  if (mode == LEDGER_MODE_REAL || mode == LEDGER_MODE_FORWARD)
    {
      if (seen == 0)
        return TRUE;
    }
  else if (seen == 2 * (guint64) pairs && after.n_records == before->n_records
           && (which == LEDGER_CASE_SPREAD || after.cancelled - before->cancelled == pairs))
    return TRUE;
  g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
               "%s, %s: the ledger saw %" G_GUINT64_FORMAT " calls for %u pairs "
               "(%" G_GUINT64_FORMAT " cancelled, %u records left, %u before)",
               ledger_case_names[which], ledger_mode_names[mode], seen, pairs,
               after.cancelled - before->cancelled, after.n_records, before->n_records);
  return FALSE;
}

/* Times one run of @which in @mode (the ledger set up for it first, and
 * for the spread case warmed up by one untimed round).  Returns ns per
 * pair, or a negative number with @error set. */
static double
ledger_measure (LedgerMode  mode,
                LedgerCase  which,
                GObject    *hot,
                GObject   **objects,
                guint       hot_pairs,
                guint       n_objects,
                GError    **error)
{
  OuroLedgerStats before;
  double ns;

  if (!ledger_set_mode (mode, error))
    return -1;
  if (which == LEDGER_CASE_SPREAD)
    ledger_run_spread (mode, objects, n_objects);
  else
    ledger_run_hot (mode, hot, hot_pairs / 10 + 1);
  ouro_ledger_sync ();
  ouro_ledger_get_stats (&before);

  ns = which == LEDGER_CASE_HOT ? ledger_run_hot (mode, hot, hot_pairs)
                                : ledger_run_spread (mode, objects, n_objects);
  if (!ledger_check_recorded (mode, which, &before,
                              which == LEDGER_CASE_HOT ? hot_pairs : n_objects, error))
    return -1;
  return ns;
}

/* ---- memory ----------------------------------------------------------- */

typedef struct {
  double table_per_object;     /* entry slots, free ones included, per object */
  double records_one;          /* record arrays per record, one record per object */
  double records_two;          /* the same with two records per object */
} LedgerMemory;

/* The ledger's memory with @n objects created while it is on (one record
 * each: their creation), then with one more reference each. */
static LedgerMemory
ledger_measure_memory (guint n)
{
  GObject **objects = g_new (GObject *, n);
  OuroLedgerStats one, two;
  LedgerMemory memory;

  ouro_ledger_disable ();
  g_assert_true (ouro_ledger_enable (1, NULL));
  for (guint i = 0; i < n; i++)
    objects[i] = g_object_new (G_TYPE_OBJECT, NULL);
  ouro_ledger_sync ();
  ouro_ledger_get_stats (&one);
  for (guint i = 0; i < n; i++)
    g_object_ref (objects[i]);
  ouro_ledger_sync ();
  ouro_ledger_get_stats (&two);
  g_assert_cmpuint (one.n_records, ==, n);
  g_assert_cmpuint (two.n_records, ==, 2 * n);

  memory.table_per_object = (double) one.table_bytes / n;
  memory.records_one = (double) one.record_bytes / one.n_records;
  memory.records_two = (double) two.record_bytes / two.n_records;

  for (guint i = 0; i < n; i++)
    {
      g_object_unref (objects[i]);
      g_object_unref (objects[i]);
    }
  ouro_ledger_disable ();
  g_free (objects);
  return memory;
}

/* ---- main ------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean quick = FALSE;
  gint pairs_option = 0, objects_option = 0, repeats_option = 0;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      "200k hot pairs, 20k objects, 3 runs (unless the options below say otherwise)", NULL },
    { "pairs", 'p', 0, G_OPTION_ARG_INT, &pairs_option,
      "Ref + unref pairs per hot run (default 2000000)", "N" },
    { "objects", 'o', 0, G_OPTION_ARG_INT, &objects_option,
      "Objects in the spread case (default 100000)", "N" },
    { "repeats", 'r', 0, G_OPTION_ARG_INT, &repeats_option,
      "Timed runs of each mode (default 15 hot, 7 spread)", "N" },
    G_OPTION_ENTRY_NULL
  };
  guint hot_pairs, n_objects, repeats[LEDGER_N_CASES];
  BenchStats stats[LEDGER_N_CASES][LEDGER_N_MODES];
  GObject *hot, **objects;
  LedgerMemory memory;

  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  context = g_option_context_new ("- time the reference ledger's g_object_ref/unref");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;
  if (pairs_option < 0 || objects_option < 0 || repeats_option < 0)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--pairs, --objects and --repeats must be positive");
      goto fail;
    }
  hot_pairs = pairs_option > 0 ? (guint) pairs_option
            : quick ? LEDGER_QUICK_HOT_PAIRS : LEDGER_HOT_PAIRS;
  n_objects = objects_option > 0 ? (guint) objects_option
            : quick ? LEDGER_QUICK_SPREAD_OBJECTS : LEDGER_SPREAD_OBJECTS;
  repeats[LEDGER_CASE_HOT] = repeats_option > 0 ? (guint) repeats_option
                           : quick ? LEDGER_QUICK_REPEATS : LEDGER_HOT_REPEATS;
  repeats[LEDGER_CASE_SPREAD] = repeats_option > 0 ? (guint) repeats_option
                              : quick ? LEDGER_QUICK_REPEATS : LEDGER_SPREAD_REPEATS;

  bench_print_machine ("bench-ledger");
  ouro_gobject_init ();
  ledger_resolve_real ();
  if (!ouro_ledger_enable (1, &error))
    goto fail;
  ouro_ledger_disable ();
  g_print ("interposed: this program's g_object_ref and g_object_unref are the ledger's\n\n");

  hot = g_object_new (G_TYPE_OBJECT, NULL);
  objects = g_new (GObject *, n_objects);
  for (guint i = 0; i < n_objects; i++)
    objects[i] = g_object_new (G_TYPE_OBJECT, NULL);

  for (guint c = 0; c < LEDGER_N_CASES; c++)
    {
      double *samples[LEDGER_N_MODES];

      g_printerr ("ledger: %s\n", ledger_case_names[c]);
      for (guint m = 0; m < LEDGER_N_MODES; m++)
        samples[m] = g_new (double, repeats[c]);
      for (guint r = 0; r < repeats[c]; r++)
        for (guint i = 0; i < LEDGER_N_MODES; i++)
          {
            LedgerMode mode = (r + i) % LEDGER_N_MODES;
            double ns = ledger_measure (mode, c, hot, objects, hot_pairs, n_objects, &error);

            if (ns < 0)
              goto fail;
            samples[mode][r] = ns;
          }
      for (guint m = 0; m < LEDGER_N_MODES; m++)
        {
          bench_stats_compute (samples[m], repeats[c], &stats[c][m]);
          g_free (samples[m]);
        }
    }
  ouro_ledger_disable ();
  memory = ledger_measure_memory (n_objects);

  {
    g_autofree char *pairs_text = bench_format_size (hot_pairs);
    g_autofree char *objects_text = bench_format_size (n_objects);

    g_print ("ns per g_object_ref + g_object_unref pair; hot: %s pairs on one object per run, "
             "%u runs; spread: %s objects, ref each then unref each, %u runs\n\n",
             pairs_text, repeats[LEDGER_CASE_HOT], objects_text, repeats[LEDGER_CASE_SPREAD]);
  }
  g_print ("| case | mode | min | median | - (b) min | - (b) median |\n");
  g_print ("|---|---|--:|--:|--:|--:|\n");
  for (guint c = 0; c < LEDGER_N_CASES; c++)
    for (guint m = 0; m < LEDGER_N_MODES; m++)
      {
        const BenchStats *forward = &stats[c][LEDGER_MODE_FORWARD];

        g_print ("| %s | %s | %.2f | %.2f | %+.2f | %+.2f |\n",
                 ledger_case_names[c], ledger_mode_names[m], stats[c][m].min, stats[c][m].median,
                 stats[c][m].min - forward->min, stats[c][m].median - forward->median);
      }

  {
    const BenchStats *forward = &stats[LEDGER_CASE_HOT][LEDGER_MODE_FORWARD];
    const BenchStats *on = &stats[LEDGER_CASE_HOT][LEDGER_MODE_RETURN];
    double by_min = on->min - forward->min, by_median = on->median - forward->median;

    g_print ("\nbudget: (c) - (b) <= %.0f ns per pair on the hot object (by min and by median): "
             "%+.2f / %+.2f ns: %s\n", LEDGER_BUDGET_NS, by_min, by_median,
             by_min <= LEDGER_BUDGET_NS && by_median <= LEDGER_BUDGET_NS ? "met" : "not met");
  }
  g_print ("memory (return addresses, %u objects created with the ledger on): %.1f bytes of "
           "table per object; %.1f bytes of record arrays per record with one record per "
           "object, %.1f with two (allocated sizes, without malloc's own overhead)\n",
           n_objects, memory.table_per_object, memory.records_one, memory.records_two);

  for (guint i = 0; i < n_objects; i++)
    g_object_unref (objects[i]);
  g_free (objects);
  g_object_unref (hot);
  return EXIT_SUCCESS;

fail:
  g_printerr ("bench-ledger: %s\n", error->message);
  return EXIT_FAILURE;
}
