/* test-leak-check.c — loop-and-collect leak tests: a cycle scenario fails
 * and names its types and edges; a growth-only scenario fails and names
 * the chain that holds the growth; a clean scenario, and one that releases
 * on an idle callback, pass; suppressions silence exactly what they list;
 * ouro_assert_no_leaks fails one GTest test and lets the next run; under
 * valgrind, a plain malloc leak in the loop fails too.
 */
#include <glib/gstdio.h>
#include <unistd.h>
#include <valgrind/memcheck.h>

#include "test-node.h"

/* ---- scenarios -------------------------------------------------------- */

static void
scenario_cycle (gpointer user_data)
{
  TestNode *document = test_node_new ("Document", "notes.txt");
  TestNode *listener = test_node_new ("Listener", "autosave");

  test_node_link (document, listener, "field listeners[]");
  test_node_link (listener, document, "field document");
  test_node_unref (listener);
  test_node_unref (document);
}

static void
scenario_other_cycle (gpointer user_data)
{
  TestNode *a = test_node_new ("Cache", "cache");
  TestNode *b = test_node_new ("Entry", "entry");

  test_node_link (a, b, "field entries[]");
  test_node_link (b, a, "qdata cache");
  test_node_unref (a);
  test_node_unref (b);
}

static TestNode *row_list;   /* held by the test: an outside holder */

static void
scenario_growth (gpointer user_data)
{
  TestNode *row = test_node_new ("Row", "row");

  test_node_link (row_list, row, "field rows[]");
  test_node_unref (row);
}

static void
scenario_clean (gpointer user_data)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");

  test_node_link (a, b, "next");
  test_node_unref (b);
  test_node_unref (a);
}

static gboolean
release_on_idle (gpointer data)
{
  test_node_unref (data);
  return G_SOURCE_REMOVE;
}

static void
scenario_release_on_idle (gpointer user_data)
{
  TestNode *pending = test_node_new ("Pending", "pending");

  g_idle_add (release_on_idle, pending);
}

static void
collect_all (void)
{
  ouro_collect ();
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* ---- tests ------------------------------------------------------------ */

static void
test_cycle_fails (void)
{
  char *report = NULL;

  g_assert_false (ouro_check_leaks (scenario_cycle, NULL, 5, &report));
  g_assert_nonnull (report);
  g_test_message ("%s", report);
  g_assert_true (g_str_has_prefix (report, "ouro_check_leaks: LEAKS after 5 measured runs (2 warm-up): "));
  g_assert_nonnull (strstr (report, "Document"));
  g_assert_nonnull (strstr (report, "Listener"));
  g_assert_nonnull (strstr (report, "--[field document]-->"));
  g_assert_nonnull (strstr (report, "<== make this one weak"));
  g_assert_nonnull (strstr (report, "fingerprint: "));
  /* Both types grew by one per run, as well. */
  g_assert_nonnull (strstr (report, "Document: "));
  g_free (report);
  collect_all ();
}

static void
test_growth_fails_with_holder_chain (void)
{
  char *report = NULL;

  row_list = test_node_new ("RowList", "rows of the table");
  g_assert_false (ouro_check_leaks (scenario_growth, NULL, 10, &report));
  g_test_message ("%s", report);
  g_assert_nonnull (strstr (report, "1 growing type"));
  g_assert_nonnull (strstr (report, "  Row: 2 -> 12 (+10, 1.0 per run)\n"));
  g_assert_nonnull (strstr (report, "newest: Row 0x"));
  g_assert_nonnull (strstr (report, "<- [field rows[]] of RowList 0x"));
  g_assert_nonnull (strstr (report, "\"rows of the table\""));
  g_assert_nonnull (strstr (report, "held by 1 unexplained reference"));
  g_assert_null (strstr (report, "Garbage cycle"));
  g_free (report);

  test_node_unref (row_list);
  row_list = NULL;
  collect_all ();
}

/* With a site function, each growing type says where its new objects
 * were made: rows from two places, the larger growth first. */
static guint site_calls;

static const char *
row_site (gpointer         object,
          const OuroClass *klass,
          gpointer         user_data)
{
  if (klass != &test_node_class || strcmp (((TestNode *) object)->type_name, "Row") != 0)
    return NULL;
  site_calls++;
  return strcmp (((TestNode *) object)->name, "spare row") == 0
         ? g_intern_static_string ("add_spare_row (table.c:9)")
         : g_intern_static_string ("add_row (table.c:4)");
}

static void
scenario_two_sites (gpointer user_data)
{
  static guint run;

  scenario_growth (NULL);
  scenario_growth (NULL);
  if (run++ % 2 == 0)
    {
      TestNode *spare = test_node_new ("Row", "spare row");

      test_node_link (row_list, spare, "field rows[]");
      test_node_unref (spare);
    }
}

static void
test_growth_creation_sites (void)
{
  char *report = NULL;

  row_list = test_node_new ("RowList", "rows of the table");
  ouro_set_site_func (row_site, NULL);
  g_assert_false (ouro_check_leaks (scenario_two_sites, NULL, 10, &report));
  ouro_set_site_func (NULL, NULL);
  g_test_message ("%s", report);
  g_assert_cmpuint (site_calls, >, 0);
  g_assert_nonnull (strstr (report, "  Row: 5 -> 30 (+25, 2.5 per run)\n"
                                    "    created at add_row (table.c:4): +20\n"
                                    "    created at add_spare_row (table.c:9): +5\n"));
  g_free (report);

  test_node_unref (row_list);
  row_list = NULL;
  collect_all ();
}

static void
test_clean_passes (void)
{
  char *report = (char *) "not touched";

  g_assert_true (ouro_check_leaks (scenario_clean, NULL, 20, &report));
  g_assert_null (report);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

static void
test_release_on_idle_passes (void)
{
  char *report = NULL;

  g_assert_true (ouro_check_leaks (scenario_release_on_idle, NULL, 10, &report));
  g_assert_null (report);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

static gboolean
rearm_forever (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static guint busy_source;

static void
scenario_busy_and_leaky (gpointer user_data)
{
  if (busy_source == 0)
    busy_source = g_idle_add (rearm_forever, NULL);
  scenario_cycle (NULL);
}

/* A scenario whose main loop never goes idle cannot hang the check, and
 * the report says the loop was busy. */
static void
test_busy_main_loop_bounded (void)
{
  OuroLeakCheck *check = ouro_leak_check_new ();
  char *report = NULL;

  ouro_leak_check_set_settle_limit (check, 50);
  g_assert_false (ouro_leak_check_run (check, scenario_busy_and_leaky, NULL, 3, &report));
  g_assert_nonnull (strstr (report, "note: the main context was still busy after 50 iterations"));
  g_free (report);
  g_source_remove (busy_source);
  busy_source = 0;
  ouro_leak_check_free (check);
  collect_all ();
}

/* Pre-existing garbage (from before the measured runs) is not this
 * scenario's leak. */
static void
test_older_garbage_ignored (void)
{
  char *report = NULL;

  scenario_cycle (NULL);
  g_assert_true (ouro_check_leaks (scenario_clean, NULL, 5, &report));
  g_assert_null (report);
  collect_all ();
}

static char *
write_suppressions (const char *contents)
{
  GError *error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("ouro-suppressions-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* A cycle's fingerprint, from one run of @scenario. */
static char *
fingerprint_of (OuroScenarioFunc scenario)
{
  OuroReport *report;
  char *fingerprint;

  scenario (NULL);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  fingerprint = ouro_report_get_cycle_fingerprint (report, 0);
  ouro_report_free (report);
  collect_all ();
  return fingerprint;
}

/* A garbage ring of 1500 nodes: the first 1000 members are listed in
 * full, the rest kept briefly; the type of the last one is @user_data. */
static void
scenario_long_ring (gpointer user_data)
{
  enum { N = 1500 };
  TestNode *nodes[N];

  for (guint i = 0; i < N; i++)
    nodes[i] = test_node_new (i == N - 1 ? user_data : "Ring", "ring");
  for (guint i = 0; i < N; i++)
    test_node_link (nodes[i], nodes[(i + 1) % N], "next");
  for (guint i = 0; i < N; i++)
    test_node_unref (nodes[i]);
}

static void
scenario_long_ring_tail_a (gpointer user_data)
{
  scenario_long_ring ("TailA");
}

static void
scenario_long_ring_tail_b (gpointer user_data)
{
  scenario_long_ring ("TailB");
}

/* Members past the listed thousand count in a fingerprint. */
static void
test_fingerprints_see_every_member (void)
{
  char *a = fingerprint_of (scenario_long_ring_tail_a);
  char *b = fingerprint_of (scenario_long_ring_tail_b);
  char *again = fingerprint_of (scenario_long_ring_tail_a);

  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (a, ==, again);
  g_free (a);
  g_free (b);
  g_free (again);
}

static void
scenario_both_cycles (gpointer user_data)
{
  scenario_cycle (NULL);
  scenario_other_cycle (NULL);
}

static void
test_fingerprints_are_stable (void)
{
  char *first = fingerprint_of (scenario_cycle);
  char *again = fingerprint_of (scenario_cycle);
  char *other = fingerprint_of (scenario_other_cycle);

  g_assert_cmpuint (strlen (first), ==, 16);
  g_assert_cmpstr (first, ==, again);
  g_assert_cmpstr (first, !=, other);
  g_free (first);
  g_free (again);
  g_free (other);
}

static void
test_suppressions (void)
{
  char *fingerprint = fingerprint_of (scenario_cycle);
  char *contents = g_strdup_printf ("# the known leak, ticket 123\ncycle %s\n\n"
                                    "type Document\ntype Listener\n", fingerprint);
  char *path = write_suppressions (contents);
  OuroLeakCheck *check = ouro_leak_check_new ();
  GError *error = NULL;
  char *report = NULL;

  g_assert_true (ouro_leak_check_load_suppressions (check, path, &error));
  g_assert_no_error (error);

  /* The listed cycle (and its types' growth) is silenced... */
  g_assert_true (ouro_leak_check_run (check, scenario_cycle, NULL, 5, &report));
  g_assert_null (report);
  collect_all ();

  /* ...and nothing else: the other cycle still fails, alone. */
  g_assert_false (ouro_leak_check_run (check, scenario_both_cycles, NULL, 5, &report));
  g_test_message ("%s", report);
  g_assert_nonnull (strstr (report, "Cache"));
  g_assert_null (strstr (report, "Document"));
  g_assert_null (strstr (report, fingerprint));
  g_free (report);
  collect_all ();

  /* Through $OURO_SUPPRESSIONS for ouro_check_leaks () too. */
  g_setenv ("OURO_SUPPRESSIONS", path, TRUE);
  g_assert_true (ouro_check_leaks (scenario_cycle, NULL, 3, NULL));
  g_unsetenv ("OURO_SUPPRESSIONS");
  collect_all ();

  ouro_leak_check_free (check);
  g_unlink (path);
  g_free (path);
  g_free (contents);
  g_free (fingerprint);
}

static void
test_malformed_suppressions (void)
{
  char *path = write_suppressions ("cycle 0123456789abcdef\ncycle not-a-fingerprint\n");
  OuroLeakCheck *check = ouro_leak_check_new ();
  GError *error = NULL;
  char *report = NULL;

  g_assert_false (ouro_leak_check_load_suppressions (check, path, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, ":2: expected"));
  g_clear_error (&error);

  g_assert_false (ouro_leak_check_load_suppressions (check, "/nonexistent/ouro.supp", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  /* A bad $OURO_SUPPRESSIONS fails the check, saying why. */
  g_setenv ("OURO_SUPPRESSIONS", path, TRUE);
  g_assert_false (ouro_check_leaks (scenario_clean, NULL, 1, &report));
  g_assert_nonnull (strstr (report, "cannot use OURO_SUPPRESSIONS"));
  g_unsetenv ("OURO_SUPPRESSIONS");
  g_free (report);

  ouro_leak_check_free (check);
  g_unlink (path);
  g_free (path);
}

static void
test_growth_threshold_and_ignore (void)
{
  OuroLeakCheck *check = ouro_leak_check_new ();

  row_list = test_node_new ("RowList", "rows");
  /* 10 rows over 10 runs: below a threshold of 2 per run. */
  ouro_leak_check_set_growth_threshold (check, 2.0);
  g_assert_true (ouro_leak_check_run (check, scenario_growth, NULL, 10, NULL));
  ouro_leak_check_set_growth_threshold (check, 1.0);
  ouro_leak_check_ignore_type (check, "Row");
  g_assert_true (ouro_leak_check_run (check, scenario_growth, NULL, 10, NULL));
  ouro_leak_check_free (check);

  test_node_unref (row_list);
  row_list = NULL;
  collect_all ();
}

/* ouro_assert_no_leaks: the failing test is marked failed with the report,
 * and the code after it, and the next test, still run. */
static void
test_assert_subprocess (void)
{
  ouro_assert_no_leaks (scenario_cycle, NULL, 3);
  g_print ("after the assertion\n");
}

static void
test_assert (void)
{
  g_test_trap_subprocess ("/leak-check/assert/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*after the assertion*");
  g_test_trap_assert_stderr ("*test-leak-check.c:*ouro_assert_no_leaks (scenario_cycle) failed:*"
                             "ouro_check_leaks: LEAKS*field document*");

  /* And a passing one passes. */
  ouro_assert_no_leaks (scenario_clean, NULL, 3);
}

/* Under valgrind's memcheck, a plain malloc leak in the loop fails the
 * check.  The leaked blocks stay hidden (pointer masked) during the check,
 * then are freed so that valgrind's own exit report stays clean. */
#define LEAKED_MASK ((guintptr) 0x5a5a5a5a5a5a5a5a)
static guintptr leaked_blocks[16];
static guint n_leaked_blocks;

static void
scenario_malloc_leak (gpointer user_data)
{
  if (n_leaked_blocks < G_N_ELEMENTS (leaked_blocks))
    leaked_blocks[n_leaked_blocks++] = (guintptr) g_malloc (1000) ^ LEAKED_MASK;
}

static void
test_valgrind_malloc_leak (void)
{
  char *report = NULL;

  /* Its leak search reports the blocks it leaks on purpose, so it runs in
   * its own test (leak-check-memcheck, valgrind with leaks not counted as
   * errors), which sets OURO_TEST_MEMCHECK_LEAKS. */
  if (!RUNNING_ON_VALGRIND || g_getenv ("OURO_TEST_MEMCHECK_LEAKS") == NULL)
    {
      g_test_skip ("runs in the leak-check-memcheck test (valgrind)");
      return;
    }
  g_assert_false (ouro_check_leaks (scenario_malloc_leak, NULL, 5, &report));
  g_test_message ("%s", report);
  g_assert_nonnull (strstr (report, "valgrind memcheck: definitely and indirectly lost bytes grew"));
  g_free (report);

  for (guint i = 0; i < n_leaked_blocks; i++)
    g_free ((gpointer) (leaked_blocks[i] ^ LEAKED_MASK));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/leak-check/cycle-fails", test_cycle_fails);
  g_test_add_func ("/leak-check/growth-fails-with-holder-chain", test_growth_fails_with_holder_chain);
  g_test_add_func ("/leak-check/growth-creation-sites", test_growth_creation_sites);
  g_test_add_func ("/leak-check/clean-passes", test_clean_passes);
  g_test_add_func ("/leak-check/release-on-idle-passes", test_release_on_idle_passes);
  g_test_add_func ("/leak-check/busy-main-loop-bounded", test_busy_main_loop_bounded);
  g_test_add_func ("/leak-check/older-garbage-ignored", test_older_garbage_ignored);
  g_test_add_func ("/leak-check/fingerprints-stable", test_fingerprints_are_stable);
  g_test_add_func ("/leak-check/suppressions", test_suppressions);
  g_test_add_func ("/leak-check/malformed-suppressions", test_malformed_suppressions);
  g_test_add_func ("/leak-check/threshold-and-ignore", test_growth_threshold_and_ignore);
  g_test_add_func ("/leak-check/fingerprints-see-every-member", test_fingerprints_see_every_member);
  g_test_add_func ("/leak-check/assert", test_assert);
  g_test_add_func ("/leak-check/assert/subprocess", test_assert_subprocess);
  g_test_add_func ("/leak-check/valgrind-malloc-leak", test_valgrind_malloc_leak);

  return g_test_run ();
}
