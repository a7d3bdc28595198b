/* test-report.c — the text, JSON and DOT forms of one report, against
 * golden files in tests/golden/ (addresses masked as 0xADDR), plus JSON
 * that a real parser accepts with the documented keys; the live summary
 * (OURO_SCAN_LIVE_SUMMARY) and the reference sites an explain function
 * gives, with their own golden files.
 *
 * To regenerate the golden files after an intended change:
 *   OURO_UPDATE_GOLDEN=1 build/tests/test-report
 * and review the diff.
 */
#include <json-glib/json-glib.h>

#include "test-node.h"

/* One of everything a report shows: a two-cycle holding a tail, a ring
 * with awkward characters in a description, a self loop, a qdata cycle, a
 * cycle held from outside with a signal-handler edge and a weak edge, and
 * an inconsistent traverse.  Returns the nodes to release. */
static GPtrArray *
build_scene (void)
{
  GPtrArray *keep = g_ptr_array_new ();
  TestNode *document = test_node_new ("Document", "notes.txt");
  TestNode *listener = test_node_new ("Listener", "autosave");
  TestNode *buffer = test_node_new ("Buffer", "text");
  TestNode *r1 = test_node_new ("Ring", "quote \" backslash \\ newline \n tab \t end");
  TestNode *r2 = test_node_new ("Ring", "r2");
  TestNode *r3 = test_node_new ("Ring", "r3 \xff not utf-8");
  TestNode *loop = test_node_new ("Loop", "loop");
  TestNode *window = test_node_new ("Window", "main");
  TestNode *controller = test_node_new ("Controller", "keys");
  TestNode *holder = test_node_new ("Holder", "holder");
  TestNode *held = test_node_new ("Held", "held");
  TestNode *cache = test_node_new ("Cache", "cache");
  TestNode *entry = test_node_new ("Entry", "entry");

  test_node_link (document, listener, "field listeners[]");
  test_node_link (listener, document, "field document");
  test_node_link (document, buffer, "field buffer");
  test_node_unref (document);
  test_node_unref (listener);
  test_node_unref (buffer);

  test_node_link (r1, r2, "next");
  test_node_link (r2, r3, "next");
  test_node_link (r3, r1, "next");
  test_node_unref (r1);
  test_node_unref (r2);
  test_node_unref (r3);

  test_node_link (loop, loop, "field self");
  test_node_unref (loop);

  test_node_link (cache, entry, "field entries[]");
  test_node_link (entry, cache, "qdata my-cache");
  test_node_unref (cache);
  test_node_unref (entry);

  /* Live: the test keeps window. */
  test_node_link (window, controller, "controller");
  test_node_link (controller, window, "signal key-pressed: handler data");
  test_node_link_weak (window, controller);
  test_node_unref (controller);
  g_ptr_array_add (keep, window);

  /* Inconsistent: holder visits held twice, holding one reference. */
  test_node_link (holder, held, "field held");
  test_node_visit_also (holder, held);
  test_node_unref (held);
  g_ptr_array_add (keep, holder);

  return keep;
}

static void
release_scene (GPtrArray *keep)
{
  for (guint i = 0; i < keep->len; i++)
    {
      TestNode *node = keep->pdata[i];
      g_ptr_array_set_size (node->extra_visits, 0);
      test_node_unref (node);
    }
  g_ptr_array_unref (keep);
  ouro_collect ();
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

static void
check_golden (const char *text,
              const char *name)
{
  char *masked = test_mask_addresses (text);
  char *path = g_test_build_filename (G_TEST_DIST, "golden", name, NULL);
  char *expected = NULL;
  GError *error = NULL;

  if (g_getenv ("OURO_UPDATE_GOLDEN") != NULL)
    {
      g_file_set_contents (path, masked, -1, &error);
      g_assert_no_error (error);
      g_test_message ("updated %s", path);
    }

  g_file_get_contents (path, &expected, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (masked, ==, expected);

  g_free (expected);
  g_free (path);
  g_free (masked);
}

static void
test_golden_text (void)
{
  GPtrArray *keep = build_scene ();
  OuroReport *report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  char *text = ouro_report_to_text (report);

  g_assert_true (g_str_has_prefix (text, "ouro: 9 objects leak in 4 garbage cycles"));
  check_golden (text, "report.txt");
  g_free (text);
  ouro_report_free (report);
  release_scene (keep);
}

static void
test_golden_dot (void)
{
  GPtrArray *keep = build_scene ();
  OuroReport *report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  char *dot = ouro_report_to_dot (report);

  check_golden (dot, "report.dot");
  g_free (dot);
  ouro_report_free (report);
  release_scene (keep);
}

static void
test_golden_json (void)
{
  GPtrArray *keep = build_scene ();
  OuroReport *report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  char *json = ouro_report_to_json (report);
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  JsonObject *root, *cycle, *member;
  JsonArray *cycles, *edges;

  check_golden (json, "report.json");

  /* A real parser reads it, and the documented keys hold what they say. */
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "format"), ==, "ouro-report");
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (root, "n_garbage"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (root, "n_garbage_cycles"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (root, "n_cycles"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (root, "n_inconsistent"), ==, 1);
  cycles = json_object_get_array_member (root, "cycles");
  g_assert_cmpuint (json_array_get_length (cycles), ==, 5);

  cycle = json_array_get_object_element (cycles, 3);
  g_assert_true (json_object_get_boolean_member (cycle, "garbage"));
  member = json_array_get_object_element (json_object_get_array_member (cycle, "members"), 0);
  g_assert_cmpstr (json_object_get_string_member (member, "type"), ==, "Ring");
  g_assert_cmpstr (json_object_get_string_member (member, "description"), ==,
                   "\"quote \" backslash \\ newline \n tab \t end\"");
  edges = json_object_get_array_member (cycle, "edges");
  g_assert_cmpuint (json_array_get_length (edges), ==, 3);
  g_assert_cmpint (json_object_get_int_member (cycle, "suggested_weak_edge"), ==, 2);

  cycle = json_array_get_object_element (cycles, 4);
  g_assert_false (json_object_get_boolean_member (cycle, "garbage"));
  edges = json_object_get_array_member (cycle, "edges");
  g_assert_cmpuint (json_array_get_length (edges), ==, 3);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (edges, 1), "weak"));
  /* The handler-data edge is suggested, never the weak one. */
  g_assert_cmpint (json_object_get_int_member (cycle, "suggested_weak_edge"), ==, 2);

  g_object_unref (parser);
  g_free (json);
  ouro_report_free (report);
  release_scene (keep);
}

/* An explain function as the GObject ledger would be, driven by the
 * node's name; records every object it is asked about. */
static GPtrArray *explain_calls;

static void
explain_by_name (gpointer         object,
                 OuroExplanation *explanation,
                 gpointer         user_data)
{
  TestNode *node = object;

  g_assert_true (user_data == &explain_calls);
  g_ptr_array_add (explain_calls, node);

  if (strcmp (node->name, "main") == 0)
    {
      /* Every reference on record: nothing unattributed. */
      const char *created[] = { "make_window (app.c:40)", "main (app.c:90)", NULL };
      const char *attached[] = { "controller_attach (controller.c:12)", NULL };

      ouro_explanation_add_site (explanation, 1, "new", created);
      ouro_explanation_add_site (explanation, 1, "ref", attached);
    }
  else if (strcmp (node->name, "label-1") == 0)
    {
      /* A deep stack: eight frames shown, then how many more. */
      const char *deep[] = { "f0 (deep.c:1)", "f1 (deep.c:2)", "f2 (deep.c:3)", "f3 (deep.c:4)",
                             "f4 (deep.c:5)", "f5 (deep.c:6)", "f6 (deep.c:7)", "f7 (deep.c:8)",
                             "f8 (deep.c:9)", "f9 (deep.c:10)", NULL };

      ouro_explanation_add_site (explanation, 1, "new", deep);
    }
  else if (strcmp (node->name, "label-2") == 0)
    {
      /* More on record than the refcount: unrefs the ledger missed. */
      const char *grab[] = { "grab (odd\nframe\t\xff.c:1)", NULL };

      ouro_explanation_add_site (explanation, 3, "ref", grab);
    }
  else if (strcmp (node->name, "label-3") == 0)
    {
      /* One of two references on record, and a site without frames. */
      ouro_explanation_add_site (explanation, 1, "ref_sink", NULL);
    }
  /* "holder": nothing on record. */
}

/* The scene, plus three labels the test holds (one twice). */
static GPtrArray *
build_summary_scene (void)
{
  GPtrArray *keep = build_scene ();

  g_ptr_array_add (keep, test_node_new ("Label", "label-1"));
  g_ptr_array_add (keep, test_node_new ("Label", "label-2"));
  g_ptr_array_add (keep, test_node_new ("Label", "label-3"));
  test_node_ref (keep->pdata[keep->len - 1]);
  return keep;
}

static void
release_summary_scene (GPtrArray *keep)
{
  test_node_unref (keep->pdata[keep->len - 1]);
  release_scene (keep);
}

static OuroReport *
scan_with_explain (OuroScanFlags flags)
{
  OuroReport *report;

  explain_calls = g_ptr_array_new ();
  ouro_set_explain_func (explain_by_name, &explain_calls);
  report = ouro_scan (flags);
  ouro_set_explain_func (NULL, NULL);
  return report;
}

static void
test_golden_summary (void)
{
  GPtrArray *keep = build_summary_scene ();
  OuroReport *report = scan_with_explain (OURO_SCAN_ALL_CYCLES | OURO_SCAN_LIVE_SUMMARY);
  char *text = ouro_report_to_text (report);
  char *json = ouro_report_to_json (report);
  char *dot = ouro_report_to_dot (report);
  char *plain_dot;
  OuroReport *plain;
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  JsonObject *root, *window;
  JsonArray *sites;

  check_golden (text, "report-summary.txt");
  check_golden (json, "report-summary.json");

  /* DOT shows no summary: the same picture as without it. */
  plain = ouro_scan (OURO_SCAN_ALL_CYCLES);
  plain_dot = ouro_report_to_dot (plain);
  g_assert_cmpstr (dot, ==, plain_dot);

  /* Asked about: the live cycle's Window, then each root (the Window
   * again, the holder, the labels); never garbage, never the Controller
   * (all its references found) nor the inconsistent object. */
  g_assert_cmpuint (explain_calls->len, ==, 6);
  g_assert_true (explain_calls->pdata[0] == keep->pdata[0]);
  g_assert_true (explain_calls->pdata[1] == keep->pdata[0]);
  g_assert_true (explain_calls->pdata[2] == keep->pdata[1]);
  for (guint i = 0; i < 3; i++)
    g_assert_true (explain_calls->pdata[3 + i] == keep->pdata[2 + i]);

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_get_boolean_member (root, "live_summary"));
  g_assert_cmpint (json_object_get_int_member (root, "n_roots"), ==, 5);
  g_assert_false (json_object_get_boolean_member (root, "roots_truncated"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "alive_by_type")), ==, 5);
  window = json_array_get_object_element (json_object_get_array_member (root, "roots"), 0);
  sites = json_object_get_array_member (json_object_get_object_member (window, "references"), "sites");
  g_assert_cmpuint (json_array_get_length (sites), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (sites, 1), "kind"), ==, "ref");

  g_object_unref (parser);
  g_free (plain_dot);
  ouro_report_free (plain);
  g_free (dot);
  g_free (json);
  g_free (text);
  ouro_report_free (report);
  g_ptr_array_unref (explain_calls);
  release_summary_scene (keep);
}

/* The accessors: types by count then name, roots in tracking order, dying
 * objects in neither, and nothing without the flag. */
static void
test_summary_accessors (void)
{
  TestNode *b1 = test_node_new ("Beta", "b1");
  TestNode *a1 = test_node_new ("Alpha", "a1");
  TestNode *b2 = test_node_new ("Beta", "b2");
  TestNode *c1 = test_node_new ("Gamma", "c1");
  TestNode *dying = test_node_new ("Dying", "dying");
  TestNode *g1 = test_node_new ("Garbage", "g1");
  OuroReport *report;
  guint count = 0;

  test_node_link (g1, g1, "self");
  test_node_unref (g1);
  test_node_link (a1, c1, "child");       /* c1: held by a1 and by the test */
  test_node_unref (c1);                   /* now only by a1: not a root */
  dying->refcount = 0;                    /* as in the middle of finalizing */

  report = ouro_scan (OURO_SCAN_LIVE_SUMMARY);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_n_alive_types (report), ==, 3);
  g_assert_cmpstr (ouro_report_get_alive_type (report, 0, &count), ==, "Beta");
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpstr (ouro_report_get_alive_type (report, 1, &count), ==, "Alpha");
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpstr (ouro_report_get_alive_type (report, 2, NULL), ==, "Gamma");
  g_assert_cmpuint (ouro_report_get_n_roots (report), ==, 3);
  g_assert_true (ouro_report_get_root_object (report, 0) == b1);
  g_assert_true (ouro_report_get_root_object (report, 1) == a1);
  g_assert_true (ouro_report_get_root_object (report, 2) == b2);
  g_test_expect_message ("Ouro", G_LOG_LEVEL_CRITICAL, "*index < report->n_roots_listed*");
  g_assert_null (ouro_report_get_root_object (report, 3));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Ouro", G_LOG_LEVEL_CRITICAL, "*index < report->n_alive_types*");
  g_assert_null (ouro_report_get_alive_type (report, 3, &count));
  g_test_assert_expected_messages ();
  ouro_report_free (report);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_alive_types (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_roots (report), ==, 0);
  g_test_expect_message ("Ouro", G_LOG_LEVEL_CRITICAL, "*index < report->n_roots_listed*");
  g_assert_null (ouro_report_get_root_object (report, 0));
  g_test_assert_expected_messages ();
  ouro_report_free (report);

  dying->refcount = 1;
  test_node_unref (dying);
  test_node_unref (b1);
  test_node_unref (a1);
  test_node_unref (b2);
  ouro_collect ();
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* More than 1000 roots: 1000 listed, all counted, the text shows 50. */
static void
test_summary_many_roots (void)
{
  GPtrArray *nodes = g_ptr_array_new ();
  OuroReport *report;
  char *text, *json;

  for (guint i = 0; i < 1100; i++)
    g_ptr_array_add (nodes, test_node_new ("Many", "many"));

  report = scan_with_explain (OURO_SCAN_LIVE_SUMMARY);
  g_assert_cmpuint (ouro_report_get_n_roots (report), ==, 1100);
  g_assert_true (ouro_report_get_root_object (report, 999) == nodes->pdata[999]);
  g_test_expect_message ("Ouro", G_LOG_LEVEL_CRITICAL, "*index < report->n_roots_listed*");
  g_assert_null (ouro_report_get_root_object (report, 1000));
  g_test_assert_expected_messages ();
  /* The explain function shares the description budget. */
  g_assert_cmpuint (explain_calls->len, ==, 1000);

  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "\nAlive: 1100 objects of 1 type\n  1100  Many\n"));
  g_assert_nonnull (strstr (text, "\nHeld from outside the tracked objects: 1100 objects\n"));
  g_assert_nonnull (strstr (text, "\n  ... and 1050 more\n"));
  json = ouro_report_to_json (report);
  g_assert_nonnull (strstr (json, "\"n_roots\": 1100,\n  \"roots_truncated\": true,"));

  g_free (json);
  g_free (text);
  ouro_report_free (report);
  g_ptr_array_unref (explain_calls);
  for (guint i = 0; i < nodes->len; i++)
    test_node_unref (nodes->pdata[i]);
  g_ptr_array_unref (nodes);
}

static void
explain_many_sites (gpointer         object,
                    OuroExplanation *explanation,
                    gpointer         user_data)
{
  const char *frames[] = { "here (many.c:1)", NULL };

  /* Misuse is refused with a critical, never an abort. */
  g_test_expect_message ("Ouro", G_LOG_LEVEL_CRITICAL, "*kind != NULL*");
  ouro_explanation_add_site (explanation, 1, NULL, frames);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Ouro", G_LOG_LEVEL_CRITICAL, "*count > 0*");
  ouro_explanation_add_site (explanation, 0, "ref", frames);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Ouro", G_LOG_LEVEL_CRITICAL, "*explanation != NULL*");
  ouro_explanation_add_site (NULL, 1, "ref", frames);
  g_test_assert_expected_messages ();

  for (guint i = 0; i < 70; i++)
    ouro_explanation_add_site (explanation, 2, "ref", frames);
}

/* Sites past 64 are counted, not kept. */
static void
test_summary_site_cap (void)
{
  TestNode *node = test_node_new ("Busy", "busy");
  OuroReport *report;
  char *text, *json;

  ouro_set_explain_func (explain_many_sites, NULL);
  report = ouro_scan (OURO_SCAN_LIVE_SUMMARY);
  ouro_set_explain_func (NULL, NULL);

  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "\n        ... and 6 more sites (12 references)\n"
                                  "        (139 more on record than the refcount: "
                                  "released where they could not be seen)\n"));
  json = ouro_report_to_json (report);
  g_assert_nonnull (strstr (json, "], \"n_sites_dropped\": 6, \"n_references_dropped\": 12 }"));

  g_free (json);
  g_free (text);
  ouro_report_free (report);
  test_node_unref (node);
}

/* Without an explain function, no "references" anywhere. */
static void
test_summary_without_explain (void)
{
  TestNode *node = test_node_new ("Lone", "lone");
  OuroReport *report = ouro_scan (OURO_SCAN_LIVE_SUMMARY);
  char *text = ouro_report_to_text (report);
  char *json = ouro_report_to_json (report);

  g_assert_true (g_str_has_prefix (text,
                                   "ouro: no leaks: no garbage among 1 tracked object\n"
                                   "\n"
                                   "Alive: 1 object of 1 type\n"
                                   "  1  Lone\n"
                                   "\n"
                                   "Held from outside the tracked objects: 1 object\n"
                                   "  Lone 0x"));
  g_assert_true (g_str_has_suffix (text, " \"lone\"  (refcount 1, 0 explained, 1 from outside)\n"));
  g_assert_null (strstr (json, "\"references\""));
  g_free (json);
  g_free (text);
  ouro_report_free (report);
  test_node_unref (node);
}

static gpointer
toggle_explain_thread (gpointer data)
{
  gint *stop = data;

  while (!g_atomic_int_get (stop))
    {
      ouro_set_explain_func (explain_by_name, &explain_calls);
      ouro_set_explain_func (NULL, NULL);
    }
  return NULL;
}

/* Setting the explain function races with scans without harm. */
static void
test_explain_func_threads (void)
{
  GPtrArray *keep = build_summary_scene ();
  gint stop = 0;
  GThread *thread;

  explain_calls = g_ptr_array_new ();
  thread = g_thread_new ("toggle", toggle_explain_thread, &stop);
  for (guint i = 0; i < 200; i++)
    ouro_report_free (ouro_scan (OURO_SCAN_ALL_CYCLES | OURO_SCAN_LIVE_SUMMARY));
  g_atomic_int_set (&stop, 1);
  g_thread_join (thread);
  ouro_set_explain_func (NULL, NULL);
  g_ptr_array_unref (explain_calls);
  release_summary_scene (keep);
}

/* Text of a clean scan says so on its first line. */
static void
test_text_no_leaks (void)
{
  TestNode *a = test_node_new ("Node", "a");
  OuroReport *report = ouro_scan (OURO_SCAN_GARBAGE);
  char *text = ouro_report_to_text (report);

  g_assert_cmpstr (text, ==, "ouro: no leaks: no garbage among 1 tracked object\n");
  g_free (text);
  ouro_report_free (report);
  test_node_unref (a);
}

/* Type names and labels with control characters stay on their line. */
static void
test_text_escapes_names (void)
{
  TestNode *a = test_node_new ("Odd\tType", "a");
  TestNode *b = test_node_new ("Node", "b");
  OuroReport *report;
  char *text;

  test_node_link (a, b, "field x\ny");
  test_node_link (b, a, "signal s\n: handler data");
  test_node_unref (a);
  test_node_unref (b);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "--[field x\\ny]-->"));
  g_assert_nonnull (strstr (text, "#0 Odd\\tType --["));
  g_assert_nonnull (strstr (text, "the handler of [signal s\\n: handler data] on Node"));
  g_assert_null (strstr (text, "\t"));
  g_assert_null (strstr (text, "x\ny"));
  g_free (text);
  ouro_report_free (report);
  g_assert_cmpuint (ouro_collect (), ==, 2);
}

/* A report outlives the objects it names. */
static void
test_report_outlives_objects (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  OuroReport *report;
  char *before, *after;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_unref (a);
  test_node_unref (b);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  before = ouro_report_to_text (report);
  g_assert_cmpuint (ouro_collect (), ==, 2);
  after = ouro_report_to_text (report);
  g_assert_cmpstr (before, ==, after);
  g_assert_nonnull (strstr (after, "Node 0x"));
  g_assert_nonnull (strstr (after, "\"a\""));
  g_free (before);
  g_free (after);
  ouro_report_free (report);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/report/golden-text", test_golden_text);
  g_test_add_func ("/report/golden-json", test_golden_json);
  g_test_add_func ("/report/golden-dot", test_golden_dot);
  g_test_add_func ("/report/text-no-leaks", test_text_no_leaks);
  g_test_add_func ("/report/outlives-objects", test_report_outlives_objects);
  g_test_add_func ("/report/text-escapes-names", test_text_escapes_names);
  g_test_add_func ("/report/summary/golden", test_golden_summary);
  g_test_add_func ("/report/summary/accessors", test_summary_accessors);
  g_test_add_func ("/report/summary/many-roots", test_summary_many_roots);
  g_test_add_func ("/report/summary/site-cap", test_summary_site_cap);
  g_test_add_func ("/report/summary/without-explain", test_summary_without_explain);
  g_test_add_func ("/report/summary/explain-threads", test_explain_func_threads);

  return g_test_run ();
}
