/* test-scan.c — trial deletion on every shape of graph: what is garbage,
 * which cycles are found, in what order, and which edge to make weak.
 *
 * Each test builds TestNodes, drops the outside references, scans, checks,
 * then releases what is left through ouro_collect() so the registry is
 * empty for the next test.
 */
#include "ouro-graph-private.h"
#include "test-node.h"

static OuroReport *
scan (OuroScanFlags flags)
{
  OuroReport *report = ouro_scan (flags);

  g_assert_nonnull (report);
  if (g_test_verbose ())
    {
      char *text = ouro_report_to_text (report);
      g_test_message ("%s", text);
      g_free (text);
    }
  return report;
}

/* Frees whatever garbage is left and checks nothing else is tracked. */
static void
collect_all (void)
{
  ouro_collect ();
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

static void
test_empty (void)
{
  OuroReport *report = scan (OURO_SCAN_ALL_CYCLES);

  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  ouro_report_free (report);
}

static void
test_self_loop (void)
{
  TestNode *a = test_node_new ("Node", "a");
  OuroReport *report;
  guint from, to;
  const char *label;

  test_node_link (a, a, "field self");
  test_node_unref (a);

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 1);
  g_assert_true (ouro_report_cycle_is_garbage (report, 0));
  g_assert_true (ouro_report_get_cycle_object (report, 0, 0) == a);
  g_assert_true (ouro_report_get_cycle_weak_edge (report, 0, &from, &to, &label));
  g_assert_cmpuint (from, ==, 0);
  g_assert_cmpuint (to, ==, 0);
  g_assert_cmpstr (label, ==, "field self");
  ouro_report_free (report);
  collect_all ();
}

/* A node held from outside that holds itself: no garbage, a live cycle. */
static void
test_self_loop_live (void)
{
  TestNode *a = test_node_new ("Node", "a");
  OuroReport *report;

  test_node_link (a, a, "field self");

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 0);
  ouro_report_free (report);

  report = scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_false (ouro_report_cycle_is_garbage (report, 0));
  ouro_report_free (report);

  test_node_unref (a);
  collect_all ();
}

/* An owner and its child holding it back: the weak edge is the back-ref. */
static void
test_two_cycle (void)
{
  TestNode *owner = test_node_new ("Owner", "owner");
  TestNode *child = test_node_new ("Child", "child");
  OuroReport *report;
  guint from, to;
  const char *label;

  test_node_link (owner, child, "field child");
  test_node_link (child, owner, "field owner");
  test_node_unref (child);
  test_node_unref (owner);

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 2);
  g_assert_true (ouro_report_is_garbage (report, owner));
  g_assert_true (ouro_report_is_garbage (report, child));
  g_assert_false (ouro_report_is_garbage (report, report));
  /* Canonical member: tracked first. */
  g_assert_true (ouro_report_get_cycle_object (report, 0, 0) == owner);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 1) == child);
  g_assert_true (ouro_report_get_cycle_weak_edge (report, 0, &from, &to, &label));
  g_assert_cmpuint (from, ==, 1);
  g_assert_cmpuint (to, ==, 0);
  g_assert_cmpstr (label, ==, "field owner");
  ouro_report_free (report);
  collect_all ();
}

/* A child constructed inside its owner's init is tracked first; the
 * handler-data edge is still the one suggested, and weak edges never are. */
static void
test_handler_edge_suggested (void)
{
  TestNode *child = test_node_new ("Child", "child");
  TestNode *owner = test_node_new ("Owner", "owner");
  OuroReport *report;
  guint from, to;
  const char *label;

  test_node_link (owner, child, "field child");
  test_node_link (child, owner, "signal changed: handler data");
  test_node_link_weak (child, owner);
  test_node_unref (child);
  test_node_unref (owner);

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 0) == child);
  g_assert_true (ouro_report_get_cycle_weak_edge (report, 0, &from, &to, &label));
  g_assert_cmpuint (from, ==, 0);
  g_assert_cmpuint (to, ==, 1);
  g_assert_cmpstr (label, ==, "signal changed: handler data");
  ouro_report_free (report);
  collect_all ();
}

/* A ring of three is listed in ring order from its first-tracked member,
 * whichever member the search happens to start from. */
static void
test_ring_order (void)
{
  TestNode *c = test_node_new ("Node", "c");
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  OuroReport *report;
  guint from, to;

  test_node_link (c, a, "next");
  test_node_link (a, b, "next");
  test_node_link (b, c, "next");
  test_node_unref (a);
  test_node_unref (b);
  test_node_unref (c);

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 3);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 0) == c);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 1) == a);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 2) == b);
  g_assert_true (ouro_report_get_cycle_weak_edge (report, 0, &from, &to, NULL));
  g_assert_cmpuint (from, ==, 2);
  g_assert_cmpuint (to, ==, 0);
  ouro_report_free (report);
  collect_all ();
}

/* Cycle A<->B feeds cycle C<->D: two garbage cycles, reported smallest and
 * then by type names, whatever the tracking order. */
static void
test_cycle_feeding_cycle (void)
{
  TestNode *c = test_node_new ("Zeta", "c");
  TestNode *d = test_node_new ("Zeta", "d");
  TestNode *a = test_node_new ("Alpha", "a");
  TestNode *b = test_node_new ("Alpha", "b");
  TestNode *e = test_node_new ("Alpha", "e");
  OuroReport *report;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_link (b, c, "feeds");
  test_node_link (c, d, "next");
  test_node_link (d, e, "next");
  test_node_link (e, c, "next");
  for (TestNode **n = (TestNode *[]) { a, b, c, d, e, NULL }; *n; n++)
    test_node_unref (*n);

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 5);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 2);
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 2);
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 1), ==, 3);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 0) == a);
  g_assert_true (ouro_report_get_cycle_object (report, 1, 0) == c);
  g_assert_cmpuint (ouro_report_get_cycle_n_held (report, 0), ==, 0);
  g_assert_cmpuint (ouro_report_get_cycle_n_held (report, 1), ==, 0);
  ouro_report_free (report);
  collect_all ();
}

/* Two rings linked both ways are one strongly connected tangle. */
static void
test_mutually_linked_cycles (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  TestNode *c = test_node_new ("Node", "c");
  TestNode *d = test_node_new ("Node", "d");
  OuroReport *report;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_link (c, d, "next");
  test_node_link (d, c, "next");
  test_node_link (b, c, "bridge");
  test_node_link (d, a, "bridge");
  for (TestNode **n = (TestNode *[]) { a, b, c, d, NULL }; *n; n++)
    test_node_unref (*n);

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 4);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 4);
  /* Depth-first from a: a, b, c, d. */
  g_assert_true (ouro_report_get_cycle_object (report, 0, 0) == a);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 1) == b);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 2) == c);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 3) == d);
  ouro_report_free (report);
  collect_all ();
}

/* A cycle with one outside reference is live, and so is what it holds. */
static void
test_externally_held_cycle (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  TestNode *tail = test_node_new ("Tail", "tail");
  OuroReport *report;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_link (b, tail, "tail");
  test_node_unref (b);
  test_node_unref (tail);
  /* The test still holds a. */

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 0);
  g_assert_false (ouro_report_is_garbage (report, a));
  ouro_report_free (report);

  report = scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_false (ouro_report_cycle_is_garbage (report, 0));
  g_assert_cmpuint (ouro_report_get_cycle_n_held (report, 0), ==, 0);
  ouro_report_free (report);

  test_node_unref (a);
  report = scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 3);
  g_assert_true (ouro_report_cycle_is_garbage (report, 0));
  ouro_report_free (report);
  collect_all ();
}

/* Garbage in no cycle is listed under the cycle that holds it. */
static void
test_cycle_holding_tail (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  TestNode *t1 = test_node_new ("Tail", "t1");
  TestNode *t2 = test_node_new ("Tail", "t2");
  OuroReport *report;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_link (b, t1, "tail");
  test_node_link (t1, t2, "tail");
  for (TestNode **n = (TestNode *[]) { a, b, t1, t2, NULL }; *n; n++)
    test_node_unref (*n);

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 4);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 2);
  g_assert_cmpuint (ouro_report_get_cycle_n_held (report, 0), ==, 2);
  g_assert_true (ouro_report_is_garbage (report, t2));
  ouro_report_free (report);
  collect_all ();
}

/* NULL and untracked targets are ignored, not counted, not fatal. */
static void
test_untracked_and_null_targets (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  int untracked;
  OuroReport *report;
  char *json;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_visit_also (a, NULL);
  test_node_visit_also (a, &untracked);
  test_node_visit_also (b, &untracked);
  test_node_unref (a);
  test_node_unref (b);

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  json = ouro_report_to_json (report);
  g_assert_nonnull (strstr (json, "\"n_ignored_references\": 3"));
  g_free (json);
  ouro_report_free (report);
  collect_all ();
}

/* The class's untracked_target hook hears of every non-NULL target that
 * is not tracked, with the object that visited it, once per visit. */
typedef struct {
  gpointer objects[8];
  gpointer targets[8];
  guint    n;
} UntrackedCalls;

static UntrackedCalls untracked_calls;

static void
record_untracked_target (gpointer object,
                         gpointer target)
{
  g_assert_cmpuint (untracked_calls.n, <, G_N_ELEMENTS (untracked_calls.objects));
  untracked_calls.objects[untracked_calls.n] = object;
  untracked_calls.targets[untracked_calls.n] = target;
  untracked_calls.n++;
}

static void
test_untracked_target_hook (void)
{
  OuroClass hooked = test_node_class;
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  int outside_1, outside_2;
  OuroReport *report;

  hooked.untracked_target = record_untracked_target;
  ouro_untrack (a);
  ouro_track (a, &hooked);
  memset (&untracked_calls, 0, sizeof untracked_calls);

  test_node_link (a, b, "next");
  test_node_visit_also (a, NULL);
  test_node_visit_also (a, &outside_1);
  test_node_visit_also (a, &outside_2);
  test_node_visit_also (b, &outside_1);   /* b's class has no hook */

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (untracked_calls.n, ==, 2);
  g_assert_true (untracked_calls.objects[0] == a && untracked_calls.objects[1] == a);
  g_assert_true (untracked_calls.targets[0] == &outside_1);
  g_assert_true (untracked_calls.targets[1] == &outside_2);
  ouro_report_free (report);

  ouro_untrack (a);
  ouro_track (a, &test_node_class);
  test_node_unref (a);
  test_node_unref (b);
  collect_all ();
}

/* A graph built on two threads (ouro-graph-parallel.c) reports exactly
 * what the one-thread build does: 20,000 nodes with 8 NULL or untracked
 * visits each span many chunks, wrap the worker's ring, make the scanning
 * thread resolve chunks itself and grow the edge array while the worker
 * holds chunks; every untracked visit reaches the class's hook, on the
 * scanning thread. */
static guint two_threads_hook_calls;
static GThread *two_threads_scanning_thread;

static void
count_untracked_target (gpointer object,
                        gpointer target)
{
  g_assert_true (g_thread_self () == two_threads_scanning_thread);
  two_threads_hook_calls++;
}

static char *
scan_to_json (guint32  parallel_min_nodes,
              guint   *out_hook_calls)
{
  OuroReport *report;
  char *json;

  ouro_graph_set_parallel_min_nodes (parallel_min_nodes);
  two_threads_hook_calls = 0;
  two_threads_scanning_thread = g_thread_self ();
  report = scan (OURO_SCAN_GARBAGE | OURO_SCAN_ALL_CYCLES);
  *out_hook_calls = two_threads_hook_calls;
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 10000);
  json = ouro_report_to_json (report);
  ouro_report_free (report);
  return json;
}

/* A traverse that now and then takes its time, as GObjects' do: the
 * worker runs out of chunks to resolve and sleeps until the next one. */
static gboolean two_threads_slow;
static guint    two_threads_traversed;

static void
slow_traverse (gpointer      object,
               OuroVisitFunc visit,
               gpointer      user_data)
{
  if (two_threads_slow && ++two_threads_traversed % 2500 == 0)
    g_usleep (2000);
  test_node_class.traverse (object, visit, user_data);
}

static void
two_threads_same_report (gboolean slow)
{
  enum { N = 20000, HALF = N / 2 };
  OuroClass hooked = test_node_class;
  static int outside[4];
  guint32 before = ouro_graph_get_parallel_min_nodes ();
  TestNode **nodes = g_new (TestNode *, N);
  char *serial, *parallel;
  guint serial_calls, parallel_calls;

  hooked.untracked_target = count_untracked_target;
  hooked.traverse = slow_traverse;
  two_threads_slow = slow;
  /* Two rings of HALF, each node also holding one node of its own ring
   * at random; the first ring is held from outside, the second garbage. */
  for (guint i = 0; i < N; i++)
    {
      nodes[i] = test_node_new ("Node", "n");
      ouro_untrack (nodes[i]);
      ouro_track (nodes[i], &hooked);
    }
  for (guint i = 0; i < N; i++)
    {
      guint ring = i / HALF * HALF;

      test_node_link (nodes[i], nodes[ring + (i + 1) % HALF], "next");
      test_node_link (nodes[i], nodes[ring + g_test_rand_int_range (0, HALF)], "random");
      for (guint k = 0; k < 8; k++)
        test_node_visit_also (nodes[i], k % 2 ? NULL : &outside[(i + k) % 4]);
    }
  for (guint i = 1; i < N; i++)
    test_node_unref (nodes[i]);

  serial = scan_to_json (G_MAXUINT32, &serial_calls);
  parallel = scan_to_json (0, &parallel_calls);
  ouro_graph_set_parallel_min_nodes (before);
  g_assert_cmpuint (serial_calls, ==, 4 * N);
  g_assert_cmpuint (parallel_calls, ==, serial_calls);
  g_assert_cmpstr (parallel, ==, serial);
  g_free (serial);
  g_free (parallel);

  test_node_unref (nodes[0]);
  collect_all ();
  g_free (nodes);
  two_threads_slow = FALSE;
}

static void
test_two_threads_same_report (void)
{
  two_threads_same_report (FALSE);
}

static void
test_two_threads_slow_traverse (void)
{
  two_threads_same_report (TRUE);
}

/* Targets resolve in batches: a hub whose edges span several batches,
 * with NULL and untracked visits among them, keeps every edge on its own
 * node, in order, and every ignored visit counted. */
static void
test_many_edges_across_batches (void)
{
  enum { N_SPOKES = 150 };
  TestNode *hub = test_node_new ("Hub", "hub");
  TestNode *spokes[N_SPOKES];
  int untracked;
  OuroReport *report;
  char *json, *expected;

  for (guint i = 0; i < N_SPOKES; i++)
    {
      spokes[i] = test_node_new ("Spoke", "spoke");
      test_node_link (hub, spokes[i], "spoke");
      test_node_link (spokes[i], hub, "hub");
      if (i % 7 == 0)
        test_node_visit_also (hub, i % 2 ? NULL : &untracked);
    }
  /* Held from outside: every spoke stays live through the hub. */
  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  ouro_report_free (report);

  test_node_unref (hub);
  for (guint i = 0; i < N_SPOKES; i++)
    test_node_unref (spokes[i]);
  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, N_SPOKES + 1);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  json = ouro_report_to_json (report);
  expected = g_strdup_printf ("\"n_references\": %u", 2 * N_SPOKES);
  g_assert_nonnull (strstr (json, expected));
  g_free (expected);
  expected = g_strdup_printf ("\"n_ignored_references\": %u", (N_SPOKES + 6) / 7);
  g_assert_nonnull (strstr (json, expected));
  g_free (expected);
  g_free (json);
  ouro_report_free (report);
  collect_all ();
}

/* A candidate that reads differently the second time (as when another
 * thread refs it, or moves a reference, during the scan) is not reported:
 * it and what it holds count as live, and the report says so. */
static guint flaky_reads;

static guint
flaky_get_refcount (gpointer object)
{
  /* The second read sees one more reference. */
  return ((TestNode *) object)->refcount + (flaky_reads++ == 1 ? 1 : 0);
}

static void
flaky_traverse (gpointer      object,
                OuroVisitFunc visit,
                gpointer      user_data)
{
  /* The second walk no longer sees the first reference. */
  if (flaky_reads++ != 1)
    test_node_class.traverse (object, visit, user_data);
}

static void
check_change_is_not_garbage (const OuroClass *flaky)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  OuroReport *report;
  char *text;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_unref (a);
  test_node_unref (b);
  ouro_untrack (a);
  ouro_track (a, flaky);

  flaky_reads = 0;
  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (flaky_reads, ==, 2);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_unconfirmed (report), ==, 1);
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "1 candidate changed while the scan read it"));
  g_free (text);
  ouro_report_free (report);

  /* Reading the same twice, the cycle is garbage again. */
  flaky_reads = 2;
  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  g_assert_cmpuint (ouro_report_get_n_unconfirmed (report), ==, 0);
  ouro_report_free (report);

  ouro_untrack (a);
  ouro_track (a, &test_node_class);
  collect_all ();
}

static void
test_confirmation_refcount_changed (void)
{
  OuroClass flaky = test_node_class;

  flaky.get_refcount = flaky_get_refcount;
  check_change_is_not_garbage (&flaky);
}

static void
test_confirmation_references_changed (void)
{
  OuroClass flaky = test_node_class;

  flaky.traverse = flaky_traverse;
  check_change_is_not_garbage (&flaky);
}

/* The second reading visits something else at the place of its first
 * extra visit: an untracked pointer changing to another untracked one is
 * not a change of the graph (the fingerprints differ, the edge-by-edge
 * comparison finds the same tracked references), a tracked object in its
 * place is. */
static gpointer swap_second_read;
static guint swap_reads;

static void
swap_visit_also_traverse (gpointer      object,
                          OuroVisitFunc visit,
                          gpointer      user_data)
{
  TestNode *node = object;

  visit (node->targets->pdata[0], node->labels->pdata[0], user_data);
  visit (swap_reads++ == 0 ? g_ptr_array_index (node->extra_visits, 0) : swap_second_read,
         "extra", user_data);
}

static void
check_swapped_visit (gpointer second_read,
                     guint    n_garbage_expected)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  OuroClass swapping = test_node_class;
  static int untracked_1;
  OuroReport *report;

  swapping.traverse = swap_visit_also_traverse;
  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_visit_also (a, &untracked_1);
  test_node_unref (a);
  test_node_unref (b);
  ouro_untrack (a);
  ouro_track (a, &swapping);

  swap_reads = 0;
  swap_second_read = second_read;
  report = scan (OURO_SCAN_GARBAGE);
  /* The build and the confirmation; the report may read again. */
  g_assert_cmpuint (swap_reads, >=, 2);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, n_garbage_expected);
  g_assert_cmpuint (ouro_report_get_n_unconfirmed (report), ==, n_garbage_expected == 0 ? 1 : 0);
  ouro_report_free (report);

  ouro_untrack (a);
  ouro_track (a, &test_node_class);
}

static void
test_confirmation_untracked_changed (void)
{
  static int untracked_2;

  check_swapped_visit (&untracked_2, 2);
  collect_all ();
  check_swapped_visit (NULL, 2);
  collect_all ();
}

static void
test_confirmation_tracked_appeared (void)
{
  TestNode *live = test_node_new ("Node", "live");

  check_swapped_visit (live, 0);
  test_node_unref (live);
  collect_all ();
}

/* A traverse that reports one reference too many: the object is named as
 * inconsistent and treated as live, and so is everything it reaches. */
static void
test_over_reporting_traverse (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  OuroReport *report;
  char *text;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_visit_also (a, b);     /* a visits b twice but holds one ref */
  test_node_unref (a);
  test_node_unref (b);

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 1);
  g_assert_true (ouro_report_get_inconsistent_object (report, 0) == b);
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "Inconsistent: 1 object is visited more often"));
  g_assert_nonnull (strstr (text, "class TestNode: refcount 1, visited 2 times"));
  g_free (text);
  ouro_report_free (report);

  /* Fix the traverse; now the cycle is found. */
  g_ptr_array_set_size (a->extra_visits, 0);
  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  ouro_report_free (report);
  collect_all ();
}

/* A traverse that under-reports can only hide garbage. */
static void
test_under_reporting_traverse (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  OuroReport *report;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_unref (a);
  test_node_unref (b);

  /* Hide b's reference to a from the traverse (the ref stays). */
  g_ptr_array_set_size (b->labels, 0);
  g_ptr_array_set_size (b->targets, 0);
  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  ouro_report_free (report);

  test_node_link (b, a, "next");
  a->refcount--;                   /* the link took a second ref */
  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  ouro_report_free (report);
  collect_all ();
}

/* Refcount 0 (an object in its finalizer) is never garbage and keeps what
 * it points to live; refcount G_MAXUINT does not overflow. */
static void
test_extreme_refcounts (void)
{
  TestNode *dying = test_node_new ("Node", "dying");
  TestNode *huge = test_node_new ("Node", "huge");
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  OuroReport *report;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_link (dying, a, "held");
  test_node_unref (a);
  test_node_unref (b);
  dying->refcount = 0;
  huge->refcount = G_MAXUINT;

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  ouro_report_free (report);

  dying->refcount = 1;
  test_node_unref (dying);
  huge->refcount = 1;
  test_node_unref (huge);
  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  ouro_report_free (report);
  collect_all ();
}

/* Garbage may hold live objects: they stay live and are not listed as
 * held by the cycle. */
static void
test_garbage_holds_live (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  TestNode *c = test_node_new ("Kept", "c");
  TestNode *d = test_node_new ("Kept", "d");
  OuroReport *report;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_link (a, c, "uses");
  test_node_link (b, d, "uses");
  test_node_unref (a);
  test_node_unref (b);
  /* The test keeps c and d. */

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_cycle_n_held (report, 0), ==, 0);
  g_assert_false (ouro_report_is_garbage (report, c));
  g_assert_false (ouro_report_is_garbage (report, d));
  ouro_report_free (report);

  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (c->refcount, ==, 1);
  test_node_unref (c);
  test_node_unref (d);
  collect_all ();
}

/* An object in its finalizer (refcount 0) that something still visits is
 * inconsistent as well as dying. */
static void
test_dying_visited_is_inconsistent (void)
{
  TestNode *holder = test_node_new ("Holder", "holder");
  TestNode *dying = test_node_new ("Node", "dying");
  OuroReport *report;

  test_node_visit_also (holder, dying);
  dying->refcount = 0;

  report = scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 1);
  g_assert_true (ouro_report_get_inconsistent_object (report, 0) == dying);
  ouro_report_free (report);

  g_ptr_array_set_size (holder->extra_visits, 0);
  dying->refcount = 1;
  test_node_unref (dying);
  test_node_unref (holder);
  collect_all ();
}

/* Scanning twice gives the same report; scanning changes nothing. */
static void
test_scan_is_repeatable (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  OuroReport *first, *second;
  char *text1, *text2;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_unref (a);
  test_node_unref (b);

  first = scan (OURO_SCAN_ALL_CYCLES);
  second = scan (OURO_SCAN_ALL_CYCLES);
  text1 = ouro_report_to_text (first);
  text2 = ouro_report_to_text (second);
  g_assert_cmpstr (text1, ==, text2);
  g_assert_cmpuint (a->refcount, ==, 1);
  g_assert_cmpuint (b->refcount, ==, 1);
  g_free (text1);
  g_free (text2);
  ouro_report_free (first);
  ouro_report_free (second);
  collect_all ();
}

static void
test_bad_flags_subprocess (void)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Ouro", G_LOG_FATAL_MASK);
  g_assert_null (ouro_scan (1 << 7));
  g_assert_cmpuint (ouro_report_get_n_garbage (NULL), ==, 0);
  g_assert_null (ouro_report_to_text (NULL));
  g_print ("host still running\n");
}

static void
test_bad_flags (void)
{
  g_test_trap_subprocess ("/scan/bad-arguments/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*host still running*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_scan*flags*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_report_get_n_garbage*report != NULL*");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/scan/empty", test_empty);
  g_test_add_func ("/scan/self-loop", test_self_loop);
  g_test_add_func ("/scan/self-loop-live", test_self_loop_live);
  g_test_add_func ("/scan/two-cycle", test_two_cycle);
  g_test_add_func ("/scan/handler-edge-suggested", test_handler_edge_suggested);
  g_test_add_func ("/scan/ring-order", test_ring_order);
  g_test_add_func ("/scan/cycle-feeding-cycle", test_cycle_feeding_cycle);
  g_test_add_func ("/scan/mutually-linked-cycles", test_mutually_linked_cycles);
  g_test_add_func ("/scan/externally-held-cycle", test_externally_held_cycle);
  g_test_add_func ("/scan/cycle-holding-tail", test_cycle_holding_tail);
  g_test_add_func ("/scan/untracked-and-null-targets", test_untracked_and_null_targets);
  g_test_add_func ("/scan/untracked-target-hook", test_untracked_target_hook);
  g_test_add_func ("/scan/many-edges-across-batches", test_many_edges_across_batches);
  g_test_add_func ("/scan/two-threads/same-report", test_two_threads_same_report);
  g_test_add_func ("/scan/two-threads/slow-traverse", test_two_threads_slow_traverse);
  g_test_add_func ("/scan/confirmation/refcount-changed", test_confirmation_refcount_changed);
  g_test_add_func ("/scan/confirmation/references-changed", test_confirmation_references_changed);
  g_test_add_func ("/scan/confirmation/untracked-changed", test_confirmation_untracked_changed);
  g_test_add_func ("/scan/confirmation/tracked-appeared", test_confirmation_tracked_appeared);
  g_test_add_func ("/scan/over-reporting-traverse", test_over_reporting_traverse);
  g_test_add_func ("/scan/under-reporting-traverse", test_under_reporting_traverse);
  g_test_add_func ("/scan/extreme-refcounts", test_extreme_refcounts);
  g_test_add_func ("/scan/garbage-holds-live", test_garbage_holds_live);
  g_test_add_func ("/scan/dying-visited-is-inconsistent", test_dying_visited_is_inconsistent);
  g_test_add_func ("/scan/repeatable", test_scan_is_repeatable);
  g_test_add_func ("/scan/bad-arguments", test_bad_flags);
  g_test_add_func ("/scan/bad-arguments/subprocess", test_bad_flags_subprocess);

  return g_test_run ();
}
