/* test-fork.c — a child forked while other threads track keeps a usable
 * registry.
 *
 * Threads track and untrack (and, in the GObject case, set qdata on
 * tracked GObjects, which takes the glue's records lock) while the main
 * thread forks again and again.  Each child tracks, scans, collects and
 * untracks on its own, with an alarm: a lock left held by a thread that
 * does not exist in the child shows as a child killed by SIGALRM, a
 * corrupted registry as a failed check (exit status).  A GObject child
 * also forks a grandchild of its own.
 *
 * The children use only Ouro and plain memory: GLib's own locks are not
 * Ouro's to release, so a child that called into GObject could hang on
 * them for reasons that are not Ouro's.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ouro.h>
#include <ouro-gobject.h>

#include "ouro-gobject-private.h"
#include "test-node.h"

#define FORK_N_CHILDREN 40
#define FORK_N_THREADS  2
#define FORK_SLAB       4096

static gint fork_stop;
/* Under memcheck, threads take turns on one lock of valgrind's: a churn
 * thread that never blocks starves the forking thread for minutes. */
static gboolean fork_yield;

static guint
fork_get_refcount (gpointer object)
{
  return 1;
}

static void
fork_traverse (gpointer      object,
               OuroVisitFunc visit,
               gpointer      user_data)
{
}

static const OuroClass fork_class = {
  .name = "ForkSlot",
  .get_refcount = fork_get_refcount,
  .traverse = fork_traverse,
};

/* Tracks and untracks slots of its own slab until told to stop. */
static gpointer
fork_churn (gpointer data)
{
  guint8 *slab = data;
  guint i = 0;

  while (!g_atomic_int_get (&fork_stop))
    {
      ouro_track (&slab[i % FORK_SLAB], &fork_class);
      if (i >= 64)
        ouro_untrack (&slab[(i - 64) % FORK_SLAB]);
      i++;
      if (fork_yield)
        g_thread_yield ();
    }
  for (guint j = i >= 64 ? i - 64 : 0; j < i; j++)
    ouro_untrack (&slab[j % FORK_SLAB]);
  return NULL;
}

/* What each child does; returns the exit status (0: all well). */
static int
fork_child_work (GObject *owner)
{
  TestNode *a, *b;
  OuroReport *report;
  guint n_before = ouro_get_n_tracked (), n_garbage;

  alarm (10);
  a = test_node_new ("Node", "a");
  b = test_node_new ("Node", "b");
  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_unref (a);
  test_node_unref (b);
  if (ouro_get_n_tracked () != n_before + 2)
    return 2;

  /* The threads' slots are frozen in the child: all held (refcount 1). */
  report = ouro_scan (OURO_SCAN_GARBAGE);
  n_garbage = ouro_report_get_n_garbage (report);
  ouro_report_free (report);
  if (n_garbage != 2)
    return 3;
  if (ouro_collect () != 2 || ouro_get_n_tracked () != n_before)
    return 4;
  /* The glue's records lock is free too. */
  if (owner != NULL && ouro_gobject_count_records (owner) == G_MAXUINT)
    return 5;
  /* The child's own fork () takes every lock again (g_spawn_async
   * double-forks): each was left free, the glue's recursive one too. */
  if (owner != NULL)
    {
      int status = -1;
      pid_t grandchild = fork ();

      if (grandchild == 0)
        _exit (0);
      if (grandchild < 0 || waitpid (grandchild, &status, 0) != grandchild || status != 0)
        return 6;
    }
  return 0;
}

static void
fork_run (gboolean with_gobjects)
{
  GThread *threads[FORK_N_THREADS];
  guint8 *slabs = g_malloc0 (FORK_N_THREADS * FORK_SLAB);
  GObject *owner = NULL;
  guint n_ok = 0;

  g_atomic_int_set (&fork_stop, 0);
  if (with_gobjects)
    owner = g_object_new (G_TYPE_OBJECT, NULL);
  for (guint t = 0; t < FORK_N_THREADS; t++)
    threads[t] = g_thread_new ("churn", fork_churn, slabs + t * FORK_SLAB);

  for (guint c = 0; c < FORK_N_CHILDREN; c++)
    {
      int status;
      pid_t pid;

      /* The main thread keeps the records lock busy as well. */
      if (owner != NULL)
        {
          GObject *child = g_object_new (G_TYPE_OBJECT, NULL);
          g_object_set_data_full (owner, "child", child, g_object_unref);
        }

      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        _exit (fork_child_work (owner));

      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      if (WIFSIGNALED (status))
        g_error ("child %u killed by signal %d (%s): a lock left held at fork ()?",
                 c, WTERMSIG (status), WTERMSIG (status) == SIGALRM ? "alarm" : "crash");
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
      n_ok++;
      g_usleep (1000);
    }

  g_atomic_int_set (&fork_stop, 1);
  for (guint t = 0; t < FORK_N_THREADS; t++)
    g_thread_join (threads[t]);
  g_clear_object (&owner);
  g_free (slabs);
  g_test_message ("%u children forked while %u threads tracked, all with a usable registry",
                  n_ok, FORK_N_THREADS);
}

static void
test_fork_core (void)
{
  fork_run (FALSE);
}

static void
test_fork_gobject (void)
{
  fork_run (TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ouro_gobject_init ();

  fork_yield = g_getenv ("OURO_TEST_UNDER_VALGRIND") != NULL;
  g_test_add_func ("/fork/core", test_fork_core);
  g_test_add_func ("/fork/gobject", test_fork_gobject);
  return g_test_run ();
}
