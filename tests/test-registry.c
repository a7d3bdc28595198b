/* test-registry.c — the process-wide registry: tracking, untracking, class
 * updates, misuse, churn with compaction, memory per object, threads, and
 * calls back into the registry from inside a scan.
 */
#include "test-node.h"
#include "ouro-registry-private.h"

static guint
fake_get_refcount (gpointer object)
{
  return 1;
}

static void
fake_traverse (gpointer      object,
               OuroVisitFunc visit,
               gpointer      user_data)
{
}

static const OuroClass fake_class = {
  .name = "Fake",
  .get_refcount = fake_get_refcount,
  .traverse = fake_traverse,
};

static const OuroClass other_fake_class = {
  .name = "OtherFake",
  .get_refcount = fake_get_refcount,
  .traverse = fake_traverse,
};

static int never_tracked;

static void
test_track_untrack (void)
{
  int objects[3];

  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    ouro_track (&objects[i], &fake_class);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 3);
  g_assert_true (ouro_is_tracked (&objects[1]));
  g_assert_false (ouro_is_tracked (NULL));
  g_assert_false (ouro_is_tracked (&never_tracked));

  /* Tracking again changes the class, not the count. */
  ouro_track (&objects[1], &other_fake_class);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 3);
  {
    OuroRegistry *registry;
    guint32 position;

    ouro_registry_lock ();
    registry = ouro_registry_get_unlocked ();
    position = ouro_registry_lookup_unlocked (&objects[1]);
    g_assert_cmpuint (position, !=, OURO_REGISTRY_NO_POSITION);
    g_assert_true (ouro_registry_class_at_unlocked (registry, position) == &other_fake_class);
    ouro_registry_unlock ();
  }

  /* Untracking something never tracked, or twice, does nothing. */
  ouro_untrack (&never_tracked);
  ouro_untrack (&objects[1]);
  ouro_untrack (&objects[1]);
  g_assert_false (ouro_is_tracked (&objects[1]));
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 2);

  ouro_untrack (&objects[0]);
  ouro_untrack (&objects[2]);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* Misuse in a subprocess: criticals made non-fatal there, as in a host
 * program, so the test shows the program goes on and nothing changed. */
static const OuroClass no_refcount_class = { .name = "NoRefcount", .traverse = fake_traverse };
static const OuroClass no_traverse_class = { .name = "NoTraverse", .get_refcount = fake_get_refcount };

static void
test_misuse_subprocess (void)
{
  int object, tracked;

  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Ouro", G_LOG_FATAL_MASK);

  ouro_track (&tracked, &fake_class);
  ouro_track (NULL, &fake_class);
  ouro_track (&object, NULL);
  ouro_track (&object, &no_refcount_class);
  ouro_track (&object, &no_traverse_class);
  ouro_untrack (NULL);

  g_assert_false (ouro_is_tracked (&object));
  g_assert_true (ouro_is_tracked (&tracked));
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 1);
  g_print ("host still running\n");
}

static void
test_misuse (void)
{
  g_test_trap_subprocess ("/registry/misuse/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*host still running*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_track*object != NULL*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_track*klass != NULL*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_track*get_refcount != NULL*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_track*traverse != NULL*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_untrack*object != NULL*");
}

/* Random churn against a model; compaction must keep tracking order. */
static void
test_churn (void)
{
  const guint n = 100000;
  guint8 *slab = g_malloc (n);
  gboolean *tracked = g_new0 (gboolean, n);
  guint64 *order = g_new0 (guint64, n);   /* when last tracked */
  GRand *rand = g_rand_new_with_seed (42);
  guint64 clock = 0;
  guint n_tracked = 0;

  for (guint step = 0; step < 4 * n; step++)
    {
      guint i = g_rand_int_range (rand, 0, n);

      if (tracked[i])
        {
          ouro_untrack (&slab[i]);
          tracked[i] = FALSE;
          n_tracked--;
        }
      else
        {
          ouro_track (&slab[i], &fake_class);
          tracked[i] = TRUE;
          order[i] = ++clock;
          n_tracked++;
        }
    }

  g_assert_cmpuint (ouro_get_n_tracked (), ==, n_tracked);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (ouro_is_tracked (&slab[i]), ==, tracked[i]);

  {
    OuroRegistry *registry;
    guint64 last = 0;

    ouro_registry_lock ();
    ouro_registry_compact_unlocked ();
    registry = ouro_registry_get_unlocked ();
    g_assert_cmpuint (registry->n_positions, ==, n_tracked);
    /* Invariant: positions [0, p) are in increasing tracking time. */
    for (guint32 p = 0; p < registry->n_positions; p++)
      {
        guint i = (guint8 *) registry->objects[p] - slab;
        g_assert_true (tracked[i]);
        g_assert_cmpuint (order[i], >, last);
        last = order[i];
      }
    ouro_registry_unlock ();
  }

  for (guint i = 0; i < n; i++)
    if (tracked[i])
      ouro_untrack (&slab[i]);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);

  g_rand_free (rand);
  g_free (order);
  g_free (tracked);
  g_free (slab);
}

/* Bytes the registry uses per tracked object, at a few sizes. */
static void
test_memory (void)
{
  const guint sizes[] = { 1000, 100000, 1000000 };
  guint8 *slab = g_malloc (sizes[G_N_ELEMENTS (sizes) - 1]);
  guint n_done = 0;

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      double per_object;

      for (; n_done < sizes[s]; n_done++)
        ouro_track (&slab[n_done], &fake_class);

      ouro_registry_lock ();
      per_object = (double) ouro_registry_get_memory_size_unlocked () / n_done;
      ouro_registry_unlock ();
      g_test_message ("registry: %u objects, %.1f bytes per object", n_done, per_object);
      if (sizes[s] >= 100000)
        g_assert_cmpfloat (per_object, <=, 24.0);
    }

  for (guint i = 0; i < n_done; i++)
    ouro_untrack (&slab[i]);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
  g_free (slab);
}

#define THREAD_OBJECTS 20000

static gpointer
thread_churn (gpointer data)
{
  guint8 *slab = data;

  for (guint round = 0; round < 5; round++)
    {
      for (guint i = 0; i < THREAD_OBJECTS; i++)
        ouro_track (&slab[i], &fake_class);
      for (guint i = 0; i < THREAD_OBJECTS; i++)
        g_assert_true (ouro_is_tracked (&slab[i]));
      for (guint i = 0; i < THREAD_OBJECTS; i += 2)
        ouro_untrack (&slab[i]);
      for (guint i = 1; i < THREAD_OBJECTS; i += 2)
        ouro_untrack (&slab[i]);
    }
  return NULL;
}

static void
test_threads (void)
{
  GThread *threads[4];
  guint8 *slabs[4];

  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      slabs[t] = g_malloc (THREAD_OBJECTS);
      threads[t] = g_thread_new ("churn", thread_churn, slabs[t]);
    }
  /* Scans run meanwhile: the fake objects hold nothing, so none is garbage
   * (refcount 1, nothing visits them). */
  for (guint i = 0; i < 20; i++)
    {
      OuroReport *report = ouro_scan (OURO_SCAN_ALL_CYCLES);
      g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
      ouro_report_free (report);
    }
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      g_thread_join (threads[t]);
      g_free (slabs[t]);
    }
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* A traverse that calls back into the registry: refused with a critical,
 * applied when the scan ends, and no deadlock. */
static gpointer reentrant_victim;
static int reentrant_newcomer;

static void
reentrant_traverse (gpointer      object,
                    OuroVisitFunc visit,
                    gpointer      user_data)
{
  g_assert_true (ouro_is_tracked (object));
  g_assert_cmpuint (ouro_get_n_tracked (), >=, 1);
  if (reentrant_victim != NULL)
    {
      ouro_untrack (reentrant_victim);
      ouro_track (&reentrant_newcomer, &fake_class);
      reentrant_victim = NULL;
    }
}

static const OuroClass reentrant_class = {
  .name = "Reentrant",
  .get_refcount = fake_get_refcount,
  .traverse = reentrant_traverse,
};

static void
test_reentrant (void)
{
  int object;
  OuroReport *report;

  ouro_track (&object, &reentrant_class);
  reentrant_victim = &object;

  g_test_expect_message ("Ouro", G_LOG_LEVEL_CRITICAL, "ouro_untrack*called from inside a scan*");
  g_test_expect_message ("Ouro", G_LOG_LEVEL_CRITICAL, "ouro_track*called from inside a scan*");
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (ouro_report_get_n_tracked (report), ==, 1);
  ouro_report_free (report);

  /* The deferred requests were applied when the scan ended. */
  g_assert_false (ouro_is_tracked (&object));
  g_assert_true (ouro_is_tracked (&reentrant_newcomer));
  ouro_untrack (&reentrant_newcomer);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/registry/track-untrack", test_track_untrack);
  g_test_add_func ("/registry/misuse", test_misuse);
  g_test_add_func ("/registry/misuse/subprocess", test_misuse_subprocess);
  g_test_add_func ("/registry/churn", test_churn);
  g_test_add_func ("/registry/memory", test_memory);
  g_test_add_func ("/registry/threads", test_threads);
  g_test_add_func ("/registry/reentrant", test_reentrant);

  return g_test_run ();
}
