/* test-deep.c — million-object rings and chains: the scan must not recurse.
 *
 * DESIGN.md promises that a 10-million-long chain cannot overflow the
 * stack: every phase (marking, Tarjan's search, member order, held
 * garbage) walks flat arrays with an explicit stack.  These tests build
 * rings and chains a million long (ten million with -m slow) under the
 * default stack and check the reports, and that the text, JSON and DOT
 * forms of such reports stay bounded.  Two cases always use ten million:
 * a mix of live and garbage 2-cycles, and a chain held by a garbage
 * 2-cycle; they give the peak resident set per object and bound it.  Each phase is timed and the times
 * shown with g_test_message (run with --verbose, or read the TAP log).
 *
 * The object model is as compact as it gets, so that memory stays small:
 * nodes sit in one array and name their (at most two) targets by number.
 */
#include "test-node.h"

#define DEEP_NONE      G_MAXUINT32
#define DEEP_MILLION   1000000u
#define DEEP_MAX_BYTES (1024 * 1024)   /* what any one report form may take */

typedef struct {
  guint32 refcount;
  guint32 targets[2];   /* numbers of nodes in deep_nodes, DEEP_NONE when unused */
} DeepNode;

/* The one structure under test; traverse needs it to turn numbers into
 * pointers. */
static DeepNode *deep_nodes;
static guint32   deep_n_nodes;

static guint
deep_node_get_refcount (gpointer object)
{
  return ((DeepNode *) object)->refcount;
}

static void
deep_node_traverse (gpointer      object,
                    OuroVisitFunc visit,
                    gpointer      user_data)
{
  DeepNode *node = object;

  for (guint i = 0; i < G_N_ELEMENTS (node->targets); i++)
    if (node->targets[i] != DEEP_NONE)
      visit (&deep_nodes[node->targets[i]], "next", user_data);
}

static char *
deep_node_describe (gpointer object)
{
  return g_strdup_printf ("#%u", (guint) ((DeepNode *) object - deep_nodes));
}

/* describe makes the report capture (a bounded number of) descriptions,
 * as it would for a real class. */
static const OuroClass deep_node_class = {
  .name = "DeepNode",
  .get_refcount = deep_node_get_refcount,
  .traverse = deep_node_traverse,
  .describe = deep_node_describe,
};

/* After it: deep_nodes holds @n nodes with no references, none tracked. */
static void
deep_alloc (guint32 n)
{
  g_assert_null (deep_nodes);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);

  deep_nodes = g_new (DeepNode, n);
  deep_n_nodes = n;
  for (guint32 v = 0; v < n; v++)
    deep_nodes[v] = (DeepNode) { 0, { DEEP_NONE, DEEP_NONE } };
}

/* Node @from takes a reference on node @to. */
static void
deep_link (guint32 from,
           guint32 to)
{
  DeepNode *node = &deep_nodes[from];
  guint slot = node->targets[0] == DEEP_NONE ? 0 : 1;

  g_assert_cmpuint (node->targets[slot], ==, DEEP_NONE);
  node->targets[slot] = to;
  deep_nodes[to].refcount++;
}

/* After it: node @first and the next hold each other, and the second
 * holds a chain through every node up to @end (excluded). */
static void
deep_link_cycle_holding_chain (guint32 first,
                               guint32 end)
{
  deep_link (first, first + 1);
  deep_link (first + 1, first);
  for (guint32 v = first + 1; v + 1 < end; v++)
    deep_link (v, v + 1);
}

/* Tracks every node, in number order: the order a scan visits them in. */
static void
deep_track (void)
{
  g_test_timer_start ();
  for (guint32 v = 0; v < deep_n_nodes; v++)
    ouro_track (&deep_nodes[v], &deep_node_class);
  g_test_message ("  track %u objects: %.3f s", deep_n_nodes, g_test_timer_elapsed ());
  g_assert_cmpuint (ouro_get_n_tracked (), ==, deep_n_nodes);
}

/* Untracks (last first, which leaves the registry no tombstones) and
 * frees every node. */
static void
deep_free (void)
{
  g_test_timer_start ();
  for (guint32 v = deep_n_nodes; v > 0; v--)
    ouro_untrack (&deep_nodes[v - 1]);
  g_test_message ("  untrack: %.3f s", g_test_timer_elapsed ());
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);

  g_clear_pointer (&deep_nodes, g_free);
  deep_n_nodes = 0;
}

static OuroReport *
deep_scan (OuroScanFlags flags)
{
  OuroReport *report;

  g_test_timer_start ();
  report = ouro_scan (flags);
  g_test_message ("  ouro_scan (%s): %.3f s",
                  flags & OURO_SCAN_ALL_CYCLES ? "ALL_CYCLES" : "GARBAGE",
                  g_test_timer_elapsed ());
  g_assert_nonnull (report);
  g_assert_cmpuint (ouro_report_get_n_tracked (report), ==, deep_n_nodes);
  return report;
}

/* Writes @report as text, JSON and DOT: none may crash, and text and DOT
 * must stay under DEEP_MAX_BYTES however big the report is, since a person
 * reads them.  The text's first line must still say what leaks.  Returns
 * the JSON's length, whose bound test_deep_json_bounded() checks. */
static gsize
deep_check_writers (OuroReport *report)
{
  g_autofree char *text = NULL, *json = NULL, *dot = NULL;
  g_autofree char *first_line = NULL;

  g_test_timer_start ();
  text = ouro_report_to_text (report);
  g_test_message ("  to_text: %.3f s, %zu bytes", g_test_timer_elapsed (), strlen (text));
  g_test_timer_start ();
  json = ouro_report_to_json (report);
  g_test_message ("  to_json: %.3f s, %zu bytes", g_test_timer_elapsed (), strlen (json));
  g_test_timer_start ();
  dot = ouro_report_to_dot (report);
  g_test_message ("  to_dot: %.3f s, %zu bytes", g_test_timer_elapsed (), strlen (dot));

  first_line = g_strndup (text, strcspn (text, "\n"));
  g_test_message ("  %s", first_line);
  if (ouro_report_get_n_garbage (report) > 0)
    g_assert_true (g_str_has_prefix (first_line, "ouro: ")
                   && strstr (first_line, " leak in ") != NULL);

  g_assert_cmpuint (strlen (text), <, DEEP_MAX_BYTES);
  g_assert_cmpuint (strlen (dot), <, DEEP_MAX_BYTES);
  g_assert_true (g_str_has_prefix (json, "{") && g_str_has_suffix (json, "}\n"));
  return strlen (json);
}

/* Every form of @report is bounded, JSON included. */
static void
deep_check_bounded (OuroReport *report)
{
  g_assert_cmpuint (deep_check_writers (report), <, DEEP_MAX_BYTES);
}

/* After it: deep_nodes is a ring of @n, each node holding the next, and
 * tracked; @n_outside references from outside on node 0. */
static void
deep_build_ring (guint32 n,
                 guint32 n_outside)
{
  deep_alloc (n);
  for (guint32 v = 0; v < n; v++)
    deep_link (v, (v + 1) % n);
  deep_nodes[0].refcount += n_outside;
  deep_track ();
}

/* (a) One garbage ring of a million: one cycle of a million members, in
 * ring order from the node tracked first. */
static void
test_deep_garbage_ring (void)
{
  const guint32 n = DEEP_MILLION;
  g_autoptr(OuroReport) report = NULL;

  deep_build_ring (n, 0);

  report = deep_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, n);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_true (ouro_report_cycle_is_garbage (report, 0));
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, n);
  g_assert_cmpuint (ouro_report_get_cycle_n_held (report, 0), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  for (guint32 v = 0; v < n; v++)
    if (ouro_report_get_cycle_object (report, 0, v) != &deep_nodes[v])
      g_error ("member %u is not node %u", v, v);
  g_assert_true (ouro_report_is_garbage (report, &deep_nodes[0]));
  g_assert_true (ouro_report_is_garbage (report, &deep_nodes[n - 1]));
  deep_check_writers (report);

  g_clear_pointer (&report, ouro_report_free);
  deep_free ();
}

/* (b) A garbage 2-cycle holding a million-long chain: everything is
 * garbage, the chain listed under the cycle, every report form bounded. */
static void
deep_run_cycle_holding_chain (guint32 chain)
{
  const guint32 n = chain + 2;
  g_autoptr(OuroReport) report = NULL;

  deep_alloc (n);
  deep_link_cycle_holding_chain (0, n);
  deep_track ();

  report = deep_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, n);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_true (ouro_report_cycle_is_garbage (report, 0));
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 2);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 0) == &deep_nodes[0]);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 1) == &deep_nodes[1]);
  g_assert_cmpuint (ouro_report_get_cycle_n_held (report, 0), ==, chain);
  g_assert_true (ouro_report_is_garbage (report, &deep_nodes[n - 1]));
  deep_check_bounded (report);

  g_clear_pointer (&report, ouro_report_free);
  deep_free ();
}

static void
test_deep_cycle_holding_chain (void)
{
  deep_run_cycle_holding_chain (DEEP_MILLION);
}

/* (c) A million-long chain held from outside: no garbage, and no cycle
 * even when live cycles are asked for (a chain a million deep is the
 * worst case of a depth-first search). */
static void
test_deep_held_chain (void)
{
  const guint32 n = DEEP_MILLION;
  g_autoptr(OuroReport) garbage = NULL;
  g_autoptr(OuroReport) all = NULL;

  deep_alloc (n);
  for (guint32 v = 0; v + 1 < n; v++)
    deep_link (v, v + 1);
  deep_nodes[0].refcount++;   /* our reference */
  deep_track ();

  garbage = deep_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (garbage), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (garbage), ==, 0);
  g_assert_false (ouro_report_is_garbage (garbage, &deep_nodes[n - 1]));
  deep_check_writers (garbage);

  all = deep_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_garbage (all), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (all), ==, 0);
  deep_check_writers (all);

  g_clear_pointer (&garbage, ouro_report_free);
  g_clear_pointer (&all, ouro_report_free);
  deep_free ();
}

/* (d) A live ring of a million: no garbage; with ALL_CYCLES one live
 * cycle of a million members. */
static void
test_deep_live_ring (void)
{
  const guint32 n = DEEP_MILLION;
  g_autoptr(OuroReport) garbage = NULL;
  g_autoptr(OuroReport) all = NULL;

  deep_build_ring (n, 1);   /* our reference */

  garbage = deep_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (garbage), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (garbage), ==, 0);

  all = deep_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_garbage (all), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (all), ==, 1);
  g_assert_false (ouro_report_cycle_is_garbage (all, 0));
  g_assert_cmpuint (ouro_report_get_cycle_size (all, 0), ==, n);
  g_assert_cmpuint (ouro_report_get_cycle_n_held (all, 0), ==, 0);
  g_assert_true (ouro_report_get_cycle_object (all, 0, 0) == &deep_nodes[0]);
  g_assert_true (ouro_report_get_cycle_object (all, 0, n - 1) == &deep_nodes[n - 1]);
  deep_check_writers (all);

  g_clear_pointer (&garbage, ouro_report_free);
  g_clear_pointer (&all, ouro_report_free);
  deep_free ();
}

/* (e) The chain DESIGN.md names: ten million long with -m slow (a million
 * otherwise), garbage, held by one node that holds itself. */
static void
test_deep_self_loop_holding_chain (void)
{
  const guint32 chain = g_test_slow () ? 10 * DEEP_MILLION : DEEP_MILLION;
  const guint32 n = chain + 1;
  g_autoptr(OuroReport) report = NULL;

  deep_alloc (n);
  deep_link (0, 0);
  for (guint32 v = 0; v + 1 < n; v++)
    deep_link (v, v + 1);
  deep_track ();

  report = deep_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, n);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_true (ouro_report_cycle_is_garbage (report, 0));
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 1);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 0) == &deep_nodes[0]);
  g_assert_cmpuint (ouro_report_get_cycle_n_held (report, 0), ==, chain);
  g_assert_true (ouro_report_is_garbage (report, &deep_nodes[n - 1]));
  deep_check_writers (report);

  g_clear_pointer (&report, ouro_report_free);
  deep_free ();
}

/* ---- ten million ------------------------------------------------------ */

#define DEEP_TEN_MILLION (10 * DEEP_MILLION)
/* What a tracked object may cost at its peak, model included: the
 * 12-byte node, the registry's ~20 bytes, the scan's graph (node, state,
 * edges) and the report's per-node arrays, with room for growth slack. */
#define DEEP_MAX_PEAK_BYTES_PER_OBJECT 200

/* Resets the process's peak resident set (Linux: clear_refs 5), so that
 * deep_peak_rss () gives the peak since.  FALSE when it cannot (then the
 * peak is the process's whole life). */
static gboolean
deep_reset_peak_rss (void)
{
  return g_file_set_contents_full ("/proc/self/clear_refs", "5", 1,
                                   G_FILE_SET_CONTENTS_NONE, 0644, NULL);
}

/* The peak resident set in bytes (VmHWM), 0 when unknown. */
static guint64
deep_peak_rss (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmHWM:");
  return line != NULL ? g_ascii_strtoull (line + 6, NULL, 10) * 1024 : 0;
}

/* Says the peak since deep_reset_peak_rss () and checks it is at most
 * DEEP_MAX_PEAK_BYTES_PER_OBJECT per node, under a memory checker
 * excepted (its shadow memory is not ours). */
static void
deep_check_peak_rss (gboolean reset_worked,
                     guint32  n_objects)
{
  guint64 peak = deep_peak_rss ();

  g_test_message ("  peak RSS%s: %.1f MiB, %.1f bytes per object",
                  reset_worked ? "" : " (process lifetime)",
                  peak / (1024.0 * 1024.0), (double) peak / n_objects);
#if defined(__SANITIZE_ADDRESS__)
  return;
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
  return;
# endif
#endif
  if (reset_worked && peak > 0)
    g_assert_cmpuint (peak / n_objects, <=, DEEP_MAX_PEAK_BYTES_PER_OBJECT);
}

/* (f) Ten million tracked objects, half live and half garbage: a live
 * ring of five million held from outside, and a garbage 2-cycle holding a
 * chain of five million less two.  Both scans find exactly the garbage
 * half. */
static void
test_deep_ten_million_mixed (void)
{
  const guint32 n = DEEP_TEN_MILLION, half = n / 2;
  gboolean reset = deep_reset_peak_rss ();
  g_autoptr(OuroReport) garbage = NULL;
  g_autoptr(OuroReport) all = NULL;

  deep_alloc (n);
  for (guint32 v = 0; v < half; v++)
    deep_link (v, (v + 1) % half);
  deep_nodes[0].refcount++;   /* our reference */
  deep_link_cycle_holding_chain (half, n);
  deep_track ();

  garbage = deep_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (garbage), ==, half);
  g_assert_cmpuint (ouro_report_get_n_cycles (garbage), ==, 1);
  g_assert_cmpuint (ouro_report_get_cycle_size (garbage, 0), ==, 2);
  g_assert_cmpuint (ouro_report_get_cycle_n_held (garbage, 0), ==, half - 2);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (garbage), ==, 0);
  g_assert_false (ouro_report_is_garbage (garbage, &deep_nodes[0]));
  g_assert_false (ouro_report_is_garbage (garbage, &deep_nodes[half - 1]));
  g_assert_true (ouro_report_is_garbage (garbage, &deep_nodes[half]));
  g_assert_true (ouro_report_is_garbage (garbage, &deep_nodes[n - 1]));
  deep_check_bounded (garbage);
  g_clear_pointer (&garbage, ouro_report_free);

  all = deep_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_garbage (all), ==, half);
  g_assert_cmpuint (ouro_report_get_n_cycles (all), ==, 2);
  g_assert_true (ouro_report_cycle_is_garbage (all, 0));
  g_assert_false (ouro_report_cycle_is_garbage (all, 1));
  g_assert_cmpuint (ouro_report_get_cycle_size (all, 1), ==, half);
  deep_check_bounded (all);
  g_clear_pointer (&all, ouro_report_free);

  deep_check_peak_rss (reset, n);
  deep_free ();
}

/* (g) Many small cycles: a million objects in 2-cycles, every other one
 * held from outside, so 250 000 garbage cycles.  The text and DOT show
 * the first cycles and count the rest.  The JSON lists every cycle (its
 * schema says the cycles array has n_cycles entries): about 500 bytes
 * each, so it is not bounded yet; the test says so rather than fail. */
static void
test_deep_many_cycles (void)
{
  const guint32 n = DEEP_MILLION;
  g_autoptr(OuroReport) report = NULL;
  gsize json_length;

  deep_alloc (n);
  for (guint32 v = 0; v < n; v += 2)
    {
      deep_link (v, v + 1);
      deep_link (v + 1, v);
      if (v % 4 == 0)
        deep_nodes[v].refcount++;   /* our reference: pairs 0, 2, 4... live */
    }
  deep_track ();

  report = deep_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, n / 2);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, n / 4);
  g_assert_false (ouro_report_is_garbage (report, &deep_nodes[0]));
  g_assert_true (ouro_report_is_garbage (report, &deep_nodes[2]));
  g_assert_true (ouro_report_is_garbage (report, &deep_nodes[n - 1]));
  json_length = deep_check_writers (report);

  g_clear_pointer (&report, ouro_report_free);
  deep_free ();
  if (json_length >= DEEP_MAX_BYTES)
    g_test_incomplete_printf ("JSON of %u garbage cycles is %zu bytes: it lists every cycle",
                              n / 4, json_length);
}

/* (h) A garbage 2-cycle holding a chain ten million long, always (the
 * self-loop case above needs -m slow for that length). */
static void
test_deep_cycle_holding_ten_million_chain (void)
{
  gboolean reset = deep_reset_peak_rss ();

  deep_run_cycle_holding_chain (DEEP_TEN_MILLION);
  deep_check_peak_rss (reset, DEEP_TEN_MILLION + 2);
}

/* The JSON of a report a million objects big must stay bounded too: a
 * program that leaks a million objects writes it at exit.  Every writer
 * caps what it lists (members, edges, held objects) and gives the full
 * counts. */
static void
test_deep_json_bounded (void)
{
  g_autoptr(OuroReport) report = NULL;

  deep_build_ring (DEEP_MILLION, 0);
  report = deep_scan (OURO_SCAN_GARBAGE);
  deep_check_bounded (report);

  g_clear_pointer (&report, ouro_report_free);
  deep_free ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/deep/garbage-ring", test_deep_garbage_ring);
  g_test_add_func ("/deep/cycle-holding-chain", test_deep_cycle_holding_chain);
  g_test_add_func ("/deep/held-chain", test_deep_held_chain);
  g_test_add_func ("/deep/live-ring", test_deep_live_ring);
  g_test_add_func ("/deep/self-loop-holding-chain", test_deep_self_loop_holding_chain);
  g_test_add_func ("/deep/json-bounded", test_deep_json_bounded);
  g_test_add_func ("/deep/many-cycles", test_deep_many_cycles);
  g_test_add_func ("/deep/ten-million-mixed", test_deep_ten_million_mixed);
  g_test_add_func ("/deep/cycle-holding-ten-million-chain", test_deep_cycle_holding_ten_million_chain);

  return g_test_run ();
}
