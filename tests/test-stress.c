/* test-stress.c — scans and collects while other threads churn GObjects.
 *
 * Worker threads construct, ref, connect, emit, set qdata, unref and
 * finalize tracked GObjects for a bounded time, every one of them held by
 * its thread while it matters; every so often a worker also leaks a
 * genuine cycle, of a type of its own (StressLeak: an owner holding a
 * child in qdata, the child's signal handler holding the owner).  Meanwhile
 * the main thread scans hundreds of times, every other time also reading
 * pointer fields for the probable tier (an owner's borrowed pointer to its
 * child, the child's GWeakRef to its owner, written and cleared by the
 * workers while they are read), and now and then collects.
 *
 * What must hold: no crash, no deadlock, and no false positive: every
 * garbage object any report names is a StressLeak, and the last scan, with
 * the workers gone, finds exactly the leaks not yet freed.
 *
 * OURO_STRESS_SECONDS sets how long the workers run (default 1.5);
 * OURO_STRESS_THREADS how many there are (default 3).
 */
#include <string.h>

#include <ouro.h>
#include <ouro-gobject.h>

#include "ouro-report-private.h"

#define STRESS_MIN_SCANS 100

/* ---- two types: one for churn, one for the leaks ---------------------- */

/* Both types' fields: @partner, an owner's borrowed pointer to its child
 * (the qdata edge accounts for it); @weak_owner, a child's GWeakRef to its
 * owner (never a candidate). */
typedef struct {
  GObject   parent;
  GObject  *partner;
  GWeakRef  weak_owner;
} StressFields;
typedef StressFields StressItem;
typedef struct { GObjectClass parent_class; } StressItemClass;
typedef StressFields StressLeak;
typedef struct { GObjectClass parent_class; } StressLeakClass;

static GType stress_item_get_type (void);
static GType stress_leak_get_type (void);
G_DEFINE_TYPE (StressItem, stress_item, G_TYPE_OBJECT)
G_DEFINE_TYPE (StressLeak, stress_leak, G_TYPE_OBJECT)

static guint stress_item_ping, stress_leak_ping;

static void stress_item_init (StressItem *self) { }
static void stress_leak_init (StressLeak *self) { }

static void
stress_item_class_init (StressItemClass *klass)
{
  stress_item_ping = g_signal_new ("ping", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

/* StressLeak objects finalized: a collect frees what its first scan
 * found, and also what leaked while it ran (its later rounds). */
static gint stress_leaks_finalized;

static void
stress_leak_finalize (GObject *object)
{
  g_atomic_int_inc (&stress_leaks_finalized);
  G_OBJECT_CLASS (stress_leak_parent_class)->finalize (object);
}

static void
stress_leak_class_init (StressLeakClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = stress_leak_finalize;
  stress_leak_ping = g_signal_new ("ping", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static GQuark stress_child_quark;

static void
stress_on_ping (GObject *child,
                gpointer owner)
{
  g_assert_true (G_IS_OBJECT (owner));
}

/* ---- the workers ------------------------------------------------------ */

typedef struct {
  gint64  deadline;
  guint   seed;
  guint   n_churned;       /* objects created and finalized */
  guint   n_leaked;        /* StressLeak cycles left behind */
} StressWorker;

/* An owner holding @child in qdata, @child's handler holding the owner:
 * the bound-callback cycle.  Returns the owner, held by the caller. */
static GObject *
stress_make_pair (GType  type,
                  guint  signal)
{
  GObject *owner = g_object_new (type, NULL);
  GObject *child = g_object_new (type, NULL);

  g_object_set_qdata_full (owner, stress_child_quark, child, g_object_unref);
  ((StressFields *) owner)->partner = child;
  g_weak_ref_init (&((StressFields *) child)->weak_owner, owner);
  g_signal_connect_data (child, "ping", G_CALLBACK (stress_on_ping),
                         g_object_ref (owner), (GClosureNotify) g_object_unref, 0);
  g_signal_emit (child, signal, 0);
  return owner;
}

/* Breaks @owner's cycle the way correct code does, then drops it. */
static void
stress_release_pair (GObject *owner)
{
  GObject *child = g_object_get_qdata (owner, stress_child_quark);

  g_signal_handlers_disconnect_by_data (child, owner);
  g_weak_ref_clear (&((StressFields *) child)->weak_owner);
  ((StressFields *) owner)->partner = NULL;
  g_object_set_qdata (owner, stress_child_quark, NULL);
  g_object_unref (owner);
}

static gpointer
stress_worker_run (gpointer data)
{
  StressWorker *worker = data;
  GRand *rand = g_rand_new_with_seed (worker->seed);
  GPtrArray *held = g_ptr_array_new ();

  while (g_get_monotonic_time () < worker->deadline)
    {
      guint action = g_rand_int_range (rand, 0, 100);

      if (action < 50 || held->len == 0)
        g_ptr_array_add (held, stress_make_pair (stress_item_get_type (), stress_item_ping));
      else if (action < 60)
        {
          /* Refs taken and dropped by code passing an object around. */
          GObject *object = g_ptr_array_index (held, g_rand_int_range (rand, 0, held->len));
          g_object_unref (g_object_ref (object));
          g_signal_emit (g_object_get_qdata (object, stress_child_quark), stress_item_ping, 0);
        }
      else if (action < 99)
        {
          stress_release_pair (g_ptr_array_steal_index_fast (
                                 held, g_rand_int_range (rand, 0, held->len)));
          worker->n_churned += 2;
        }
      else
        {
          g_object_unref (stress_make_pair (stress_leak_get_type (), stress_leak_ping));
          worker->n_leaked++;
        }
      if (held->len > 64)
        {
          stress_release_pair (g_ptr_array_steal_index_fast (held, 0));
          worker->n_churned += 2;
        }
    }

  while (held->len > 0)
    {
      stress_release_pair (g_ptr_array_steal_index_fast (held, 0));
      worker->n_churned += 2;
    }
  g_ptr_array_unref (held);
  g_rand_free (rand);
  return NULL;
}

/* ---- the checks ------------------------------------------------------- */

/* Asserts that every garbage object @report names is a StressLeak.
 * Returns the number of garbage objects. */
static guint
stress_check_report (OuroReport *report)
{
  for (guint c = 0; c < report->n_cycles; c++)
    {
      const OuroReportCycle *cycle = &report->cycles[c];

      if (!cycle->garbage)
        continue;
      for (guint i = 0; i < cycle->n_members; i++)
        g_assert_cmpstr (cycle->members[i].type_name, ==, "StressLeak");
      for (guint i = 0; i < cycle->n_held; i++)
        g_assert_cmpstr (cycle->held[i].type_name, ==, "StressLeak");
    }
  /* An object can read as visited more often than its refcount allows
   * when a thread takes a reference and stores it between the two reads:
   * it is then treated as live, which is safe.  Not asserted. */
  return ouro_report_get_n_garbage (report);
}

static guint
stress_env_uint (const char *name,
                 guint       fallback)
{
  const char *text = g_getenv (name);

  return text != NULL && g_ascii_strtoull (text, NULL, 10) > 0
         ? (guint) g_ascii_strtoull (text, NULL, 10) : fallback;
}

static void
test_scan_while_churning (void)
{
  double seconds = g_getenv ("OURO_STRESS_SECONDS") != NULL
                   ? g_ascii_strtod (g_getenv ("OURO_STRESS_SECONDS"), NULL) : 1.5;
  guint n_threads = stress_env_uint ("OURO_STRESS_THREADS", 3);
  StressWorker *workers = g_new0 (StressWorker, n_threads);
  GThread **threads = g_new (GThread *, n_threads);
  guint n_scans = 0, n_collects = 0, n_unconfirmed = 0, n_collected = 0;
  guint n_leaked = 0, n_churned = 0, max_garbage = 0;
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  OuroReport *report;

  for (guint t = 0; t < n_threads; t++)
    {
      workers[t].deadline = deadline;
      workers[t].seed = 17 + t;
      threads[t] = g_thread_new ("stress", stress_worker_run, &workers[t]);
    }

  /* Invariant: every report so far named only StressLeak objects. */
  while (g_get_monotonic_time () < deadline || n_scans < STRESS_MIN_SCANS)
    {
      report = ouro_scan (n_scans % 2 == 0 ? OURO_SCAN_GARBAGE : OURO_SCAN_PROBABLE);
      max_garbage = MAX (max_garbage, stress_check_report (report));
      n_unconfirmed += ouro_report_get_n_unconfirmed (report);
      ouro_report_free (report);
      n_scans++;
      /* Let the workers have the registry between scans too. */
      g_usleep (200);
      if (n_scans % 25 == 0)
        {
          n_collected += ouro_collect ();
          n_collects++;
        }
    }

  for (guint t = 0; t < n_threads; t++)
    {
      g_thread_join (threads[t]);
      n_leaked += workers[t].n_leaked;
      n_churned += workers[t].n_churned;
    }

  /* Quiet now: the leaks not yet collected, exactly. */
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (stress_check_report (report), ==,
                    2 * n_leaked - (guint) g_atomic_int_get (&stress_leaks_finalized));
  g_assert_cmpuint (ouro_report_get_n_unconfirmed (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  ouro_report_free (report);
  n_collected += ouro_collect ();
  g_assert_cmpuint (n_collected, <=, 2 * n_leaked);
  g_assert_cmpuint (g_atomic_int_get (&stress_leaks_finalized), ==, 2 * n_leaked);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  ouro_report_free (report);

  g_test_message ("%u threads for %.1f s: %u objects churned, %u cycles leaked; %u scans, "
                  "%u collects (%u objects), largest garbage seen %u, %u candidates unconfirmed",
                  n_threads, seconds, n_churned, n_leaked, n_scans, n_collects, n_collected,
                  max_garbage, n_unconfirmed);
  g_assert_cmpuint (n_scans, >=, STRESS_MIN_SCANS);
  g_assert_cmpuint (n_churned, >, 0);
  g_free (threads);
  g_free (workers);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ouro_gobject_init ();
  stress_child_quark = g_quark_from_static_string ("stress-child");
  /* Class initialisation before the threads (see ouro_gobject_init ()). */
  g_type_class_unref (g_type_class_ref (stress_item_get_type ()));
  g_type_class_unref (g_type_class_ref (stress_leak_get_type ()));

  g_test_add_func ("/stress/scan-while-churning", test_scan_while_churning);
  return g_test_run ();
}
