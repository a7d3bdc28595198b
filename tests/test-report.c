/* test-report.c — the text, JSON and DOT forms of one report, against
 * golden files in tests/golden/ (addresses masked as 0xADDR), plus JSON
 * that a real parser accepts with the documented keys.
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

  return g_test_run ();
}
