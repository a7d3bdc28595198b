/* test-report-load.c — reading reports back from JSON, and the JSON parser
 * underneath.
 *
 * Round trips: reports of every kind (garbage and live cycles, held and
 * inconsistent objects, descriptions and members past the limits, the
 * live summary with reference sites, awkward strings) written as JSON and
 * read back must write the same text, JSON and DOT, and answer the same
 * through the accessors.  The golden files load and write themselves back.
 * Malformed input must give an error naming what is wrong, never crash:
 * every prefix of a real report, byte replacements, and a catalogue of
 * specific faults.  Not thread safe (the tests share the registry).
 */
#include <string.h>

#include "test-node.h"
#include "ouro-json-reader-private.h"

/* A small valid report, the base the malformed cases edit. */
static const char minimal_report[] =
  "{\"format\":\"ouro-report\",\"version\":1,\"all_cycles\":false,\"n_tracked\":2,"
  "\"n_references\":2,\"n_ignored_references\":0,\"n_garbage\":2,\"n_garbage_cycles\":1,"
  "\"n_cycles\":1,\"n_inconsistent\":0,\"descriptions_truncated\":false,"
  "\"cycles\":[{\"garbage\":true,\"size\":2,\"members_truncated\":false,\"members\":["
  "{\"address\":\"0x10\",\"type\":\"A\",\"class\":\"C\",\"description\":null,\"refcount\":1,\"explained\":1},"
  "{\"address\":\"0x20\",\"type\":\"B\",\"class\":\"C\",\"description\":\"b\",\"refcount\":1,\"explained\":1}],"
  "\"edges\":[{\"from\":0,\"to\":1,\"label\":\"x\",\"weak\":false},{\"from\":1,\"to\":0,\"label\":\"y\",\"weak\":false}],"
  "\"suggested_weak_edge\":1,\"n_held\":0,\"held_truncated\":false,\"held\":[]}],"
  "\"inconsistent\":[]}";

/* Returns @text with its one occurrence of @from replaced by @to. */
static char *
replace_once (const char *text,
              const char *from,
              const char *to)
{
  const char *at = strstr (text, from);

  g_assert_nonnull (at);
  g_assert_null (strstr (at + 1, from));
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

static char *
read_golden (const char *name)
{
  char *path = g_test_build_filename (G_TEST_DIST, "golden", name, NULL);
  char *contents = NULL;
  GError *error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_free (path);
  return contents;
}

/* Loads @json from a buffer of exactly @length bytes (no terminator after
 * it, so an overread shows under ASan). */
static OuroReport *
load_exact (const char  *json,
            gsize        length,
            GError     **error)
{
  char *copy = g_memdup2 (json, MAX (length, 1));
  OuroReport *report = ouro_report_new_from_json (copy, (gssize) length, error);

  g_free (copy);
  return report;
}

static void
assert_load_error (const char *json,
                   gssize      length,
                   gint        code,
                   const char *fragment)
{
  GError *error = NULL;
  OuroReport *report = ouro_report_new_from_json (json, length, &error);

  g_assert_null (report);
  g_assert_nonnull (error);
  if (strstr (error->message, fragment) == NULL || error->code != code)
    g_error ("expected error %d with \"%s\", got %d: %s", code, fragment, error->code, error->message);
  g_assert_true (error->domain == OURO_REPORT_ERROR);
  g_error_free (error);
}

/* @report written as JSON and read back writes the same text, JSON and
 * DOT, and its accessors say the same about what the JSON lists. */
static void
check_round_trip (OuroReport *report)
{
  char *json = ouro_report_to_json (report);
  char *text = ouro_report_to_text (report);
  char *dot = ouro_report_to_dot (report);
  GError *error = NULL;
  OuroReport *loaded = load_exact (json, strlen (json), &error);
  char *json2, *text2, *dot2;

  g_assert_no_error (error);
  json2 = ouro_report_to_json (loaded);
  text2 = ouro_report_to_text (loaded);
  dot2 = ouro_report_to_dot (loaded);
  g_assert_cmpstr (json2, ==, json);
  g_assert_cmpstr (text2, ==, text);
  g_assert_cmpstr (dot2, ==, dot);

  g_assert_cmpuint (ouro_report_get_n_tracked (loaded), ==, ouro_report_get_n_tracked (report));
  g_assert_cmpuint (ouro_report_get_n_garbage (loaded), ==, ouro_report_get_n_garbage (report));
  g_assert_cmpuint (ouro_report_get_n_cycles (loaded), ==, ouro_report_get_n_cycles (report));
  for (guint c = 0; c < ouro_report_get_n_cycles (report); c++)
    {
      guint size = ouro_report_get_cycle_size (report, c);
      guint from = 0, to = 0, from2 = 0, to2 = 0;
      const char *label = NULL, *label2 = NULL;
      gboolean garbage = ouro_report_cycle_is_garbage (report, c);

      g_assert_cmpint (ouro_report_cycle_is_garbage (loaded, c), ==, garbage);
      g_assert_cmpuint (ouro_report_get_cycle_size (loaded, c), ==, size);
      g_assert_cmpuint (ouro_report_get_cycle_n_held (loaded, c), ==,
                        ouro_report_get_cycle_n_held (report, c));
      g_assert_cmpint (ouro_report_get_cycle_weak_edge (loaded, c, &from2, &to2, &label2), ==,
                       ouro_report_get_cycle_weak_edge (report, c, &from, &to, &label));
      g_assert_cmpuint (from2, ==, from);
      g_assert_cmpuint (to2, ==, to);
      g_assert_cmpstr (label2, ==, label);
      for (guint i = 0; i < MIN (size, 1000); i++)
        {
          gpointer object = ouro_report_get_cycle_object (report, c, i);

          g_assert_true (ouro_report_get_cycle_object (loaded, c, i) == object);
          g_assert_cmpint (ouro_report_is_garbage (loaded, object), ==, garbage);
        }
      /* Members past the listed ones are counted, not known. */
      if (size > 1000)
        g_assert_null (ouro_report_get_cycle_object (loaded, c, 1000));
    }

  g_assert_cmpuint (ouro_report_get_n_inconsistent (loaded), ==, ouro_report_get_n_inconsistent (report));
  for (guint i = 0; i < ouro_report_get_n_inconsistent (report); i++)
    g_assert_true (ouro_report_get_inconsistent_object (loaded, i)
                   == ouro_report_get_inconsistent_object (report, i));

  g_assert_cmpuint (ouro_report_get_n_alive_types (loaded), ==, ouro_report_get_n_alive_types (report));
  for (guint i = 0; i < ouro_report_get_n_alive_types (report); i++)
    {
      guint count = 0, count2 = 0;

      g_assert_cmpstr (ouro_report_get_alive_type (loaded, i, &count2), ==,
                       ouro_report_get_alive_type (report, i, &count));
      g_assert_cmpuint (count2, ==, count);
    }
  g_assert_cmpuint (ouro_report_get_n_roots (loaded), ==, ouro_report_get_n_roots (report));
  for (guint i = 0; i < MIN (ouro_report_get_n_roots (report), 1000); i++)
    g_assert_true (ouro_report_get_root_object (loaded, i) == ouro_report_get_root_object (report, i));

  g_free (json2);
  g_free (text2);
  g_free (dot2);
  ouro_report_free (loaded);
  g_free (json);
  g_free (text);
  g_free (dot);
}

/* A scene given as data: nodes by type and name, links between them, and
 * which nodes the test keeps. */
typedef struct {
  const char *type;
  const char *name;
  gboolean    kept;
} SceneNode;

typedef struct {
  guint       from;
  guint       to;
  const char *label;
} SceneLink;

static GPtrArray *
scene_build (const SceneNode *nodes,
             guint            n_nodes,
             const SceneLink *links,
             guint            n_links)
{
  GPtrArray *all = g_ptr_array_new ();
  GPtrArray *kept = g_ptr_array_new ();

  for (guint i = 0; i < n_nodes; i++)
    g_ptr_array_add (all, test_node_new (nodes[i].type, nodes[i].name));
  for (guint i = 0; i < n_links; i++)
    {
      if (links[i].label == NULL)
        test_node_visit_also (all->pdata[links[i].from], all->pdata[links[i].to]);
      else
        test_node_link (all->pdata[links[i].from], all->pdata[links[i].to], links[i].label);
    }
  for (guint i = 0; i < n_nodes; i++)
    if (nodes[i].kept)
      g_ptr_array_add (kept, all->pdata[i]);
    else
      test_node_unref (all->pdata[i]);
  g_ptr_array_unref (all);
  return kept;
}

static void
scene_release (GPtrArray *kept)
{
  for (guint i = 0; i < kept->len; i++)
    {
      TestNode *node = kept->pdata[i];
      g_ptr_array_set_size (node->extra_visits, 0);
      test_node_unref (node);
    }
  g_ptr_array_unref (kept);
  ouro_collect ();
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* Garbage and live cycles, a held tail, an inconsistent object, and
 * strings with every awkward character a writer escapes. */
static const SceneNode mixed_nodes[] = {
  { "Owner", "owner \"quoted\" \\ back\\slash", FALSE },             /* 0 */
  { "Odd \"Type\"\t", "ctrl \x01\x1f\x7f\r\n end", FALSE },          /* 1 */
  { "Tail", "unicode é \xe2\x82\xac \xf0\x9f\x98\x80", FALSE },      /* 2 */
  { "Tail", "bad utf-8 \xc3\x28 \xed\xa0\x80 \xff", FALSE },         /* 3 */
  { "Self", "self", FALSE },                                         /* 4 */
  { "Window", "main", TRUE },                                        /* 5 */
  { "Button", "ok", FALSE },                                         /* 6 */
  { "Holder", "holder", TRUE },                                      /* 7 */
  { "Held", "held", FALSE },                                         /* 8 */
};

static const SceneLink mixed_links[] = {
  { 0, 1, "field \"child\" \\ \t\x01 é" },
  { 1, 0, "signal clicked: handler data \xf0\x9f\x98\x80" },
  { 1, 2, "field tail" },
  { 2, 3, "field next" },
  { 4, 4, "qdata self" },
  { 5, 6, "child widget" },
  { 6, 5, "field window" },
  { 7, 8, "field held" },
  { 7, 8, NULL },              /* a second visit: inconsistent */
};

static void
test_round_trip_mixed (void)
{
  GPtrArray *kept = scene_build (mixed_nodes, G_N_ELEMENTS (mixed_nodes),
                                 mixed_links, G_N_ELEMENTS (mixed_links));
  OuroReport *report;

  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 5);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 1);
  check_round_trip (report);
  ouro_report_free (report);

  report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 3);
  check_round_trip (report);
  ouro_report_free (report);

  report = ouro_scan (OURO_SCAN_ALL_CYCLES | OURO_SCAN_LIVE_SUMMARY);
  check_round_trip (report);
  ouro_report_free (report);

  scene_release (kept);
}

/* Past every limit: a 1500-member ring holding 1200 objects, so members,
 * held objects and descriptions are all cut short. */
static void
test_round_trip_truncated (void)
{
  GPtrArray *ring = g_ptr_array_new ();
  OuroReport *report;
  char *json;

  for (guint i = 0; i < 1500; i++)
    g_ptr_array_add (ring, test_node_new ("Ring", "r"));
  for (guint i = 0; i < 1500; i++)
    test_node_link (ring->pdata[i], ring->pdata[(i + 1) % 1500], "next");
  for (guint i = 0; i < 1200; i++)
    {
      TestNode *leaf = test_node_new ("Leaf", "leaf");
      test_node_link (ring->pdata[0], leaf, "field leaves[]");
      test_node_unref (leaf);
    }
  for (guint i = 0; i < 1500; i++)
    test_node_unref (ring->pdata[i]);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2700);
  json = ouro_report_to_json (report);
  g_assert_nonnull (strstr (json, "\"members_truncated\": true"));
  g_assert_nonnull (strstr (json, "\"held_truncated\": true"));
  g_assert_nonnull (strstr (json, "\"descriptions_truncated\": true"));
  check_round_trip (report);

  g_free (json);
  ouro_report_free (report);
  g_ptr_array_unref (ring);
  g_assert_cmpuint (ouro_collect (), ==, 2700);
}

static void
explain_everything (gpointer         object,
                    OuroExplanation *explanation,
                    gpointer         user_data)
{
  TestNode *node = object;
  const char *frames[] = { "take (\"odd\" \\ \x01 \xe2\x82\xac.c:1)", "caller (x.c:2)", NULL };
  const char *library[] = { "lib_take+0x1a (libx.so.1)", "lib_api+0x2 (libx.so.1)",
                            "app_call (app.c:3)", "main (app.c:9)", NULL };

  ouro_explanation_add_site (explanation, node->refcount, "ref", frames);
  /* Taken in a library on the program's behalf: its program frame. */
  ouro_explanation_add_site_full (explanation, 1, "new", library, 2);
  if (strcmp (node->name, "busy") == 0)
    for (guint i = 0; i < 70; i++)
      ouro_explanation_add_site (explanation, 1, "new", NULL);
}

/* The live summary with sites, and more roots than are listed. */
static void
test_round_trip_summary (void)
{
  GPtrArray *kept = scene_build (mixed_nodes, G_N_ELEMENTS (mixed_nodes),
                                 mixed_links, G_N_ELEMENTS (mixed_links));
  OuroReport *report;

  for (guint i = 0; i < 1100; i++)
    g_ptr_array_add (kept, test_node_new ("Many", i == 3 ? "busy" : "many"));

  ouro_set_explain_func (explain_everything, NULL);
  report = ouro_scan (OURO_SCAN_ALL_CYCLES | OURO_SCAN_LIVE_SUMMARY);
  ouro_set_explain_func (NULL, NULL);
  g_assert_cmpuint (ouro_report_get_n_roots (report), ==, 1102);
  check_round_trip (report);
  ouro_report_free (report);

  scene_release (kept);
}

static void
test_round_trip_empty (void)
{
  OuroReport *report = ouro_scan (OURO_SCAN_LIVE_SUMMARY);

  check_round_trip (report);
  ouro_report_free (report);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  check_round_trip (report);
  ouro_report_free (report);
}

/* The golden files, addresses masked, load and write themselves back. */
static void
test_load_golden (void)
{
  const char *bases[] = { "report", "report-summary" };

  for (guint b = 0; b < G_N_ELEMENTS (bases); b++)
    {
      char *name = g_strconcat (bases[b], ".json", NULL);
      char *json = read_golden (name);
      GError *error = NULL;
      OuroReport *report = ouro_report_new_from_json (json, -1, &error);
      char *again, *text, *expected_text;

      g_assert_no_error (error);
      again = ouro_report_to_json (report);
      g_assert_cmpstr (again, ==, json);
      text = ouro_report_to_text (report);
      g_free (name);
      name = g_strconcat (bases[b], ".txt", NULL);
      expected_text = read_golden (name);
      g_assert_cmpstr (text, ==, expected_text);
      if (b == 0)
        {
          char *dot = ouro_report_to_dot (report);
          char *expected_dot = read_golden ("report.dot");

          g_assert_cmpstr (dot, ==, expected_dot);
          g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 9);
          /* Masked addresses are no pointers. */
          g_assert_null (ouro_report_get_cycle_object (report, 0, 0));
          g_assert_false (ouro_report_is_garbage (report, NULL));
          g_free (expected_dot);
          g_free (dot);
        }
      g_free (expected_text);
      g_free (text);
      g_free (again);
      ouro_report_free (report);
      g_free (json);
      g_free (name);
    }
}

static void
test_load_minimal (void)
{
  GError *error = NULL;
  OuroReport *report = ouro_report_new_from_json (minimal_report, -1, &error);
  char *odd, *json;
  guint from = 0;

  g_assert_no_error (error);
  g_assert_true (ouro_report_is_garbage (report, GSIZE_TO_POINTER (0x10)));
  g_assert_true (ouro_report_is_garbage (report, GSIZE_TO_POINTER (0x20)));
  g_assert_false (ouro_report_is_garbage (report, GSIZE_TO_POINTER (0x30)));
  g_assert_true (ouro_report_get_cycle_object (report, 0, 1) == GSIZE_TO_POINTER (0x20));
  g_assert_true (ouro_report_get_cycle_weak_edge (report, 0, &from, NULL, NULL));
  g_assert_cmpuint (from, ==, 1);
  check_round_trip (report);
  ouro_report_free (report);

  /* Unknown keys are ignored, at any level; so is white space. */
  odd = replace_once (minimal_report, "\"n_tracked\":2,",
                      " \"future\" : { \"x\" : [ 1, 2.5, null, \"s\" ] } ,\r\n\t\"n_tracked\":2,");
  report = ouro_report_new_from_json (odd, -1, &error);
  g_assert_no_error (error);
  ouro_report_free (report);
  g_free (odd);

  /* An address "%p" would not write is kept as written. */
  odd = replace_once (minimal_report, "\"0x10\"", "\"0x0010\"");
  report = ouro_report_new_from_json (odd, -1, &error);
  g_assert_no_error (error);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 0) == GSIZE_TO_POINTER (0x10));
  json = ouro_report_to_json (report);
  g_assert_nonnull (strstr (json, "\"address\": \"0x0010\""));
  g_free (json);
  ouro_report_free (report);
  g_free (odd);

  odd = replace_once (minimal_report, "\"0x10\"", "\"0x12345678123456789\"");
  report = ouro_report_new_from_json (odd, -1, &error);
  g_assert_no_error (error);
  g_assert_null (ouro_report_get_cycle_object (report, 0, 0));
  ouro_report_free (report);
  g_free (odd);

  /* A surrogate pair decodes to one character. */
  odd = replace_once (minimal_report, "\"description\":\"b\"", "\"description\":\"\\ud83d\\ude00\"");
  report = ouro_report_new_from_json (odd, -1, &error);
  g_assert_no_error (error);
  json = ouro_report_to_json (report);
  g_assert_nonnull (strstr (json, "\"description\": \"\xf0\x9f\x98\x80\""));
  g_free (json);
  ouro_report_free (report);
  g_free (odd);
}

typedef struct {
  const char *from;
  const char *to;
  gint        code;
  const char *fragment;
} Fault;

static const Fault faults[] = {
  { "\"format\":\"ouro-report\"", "\"format\":\"other\"", OURO_REPORT_ERROR_FORMAT,
    "line 1, column 11: format: not an Ouro report" },
  { "\"format\":\"ouro-report\"", "\"formats\":\"ouro-report\"", OURO_REPORT_ERROR_FORMAT,
    "format: not an Ouro report" },
  { "\"version\":1", "\"version\":2", OURO_REPORT_ERROR_VERSION,
    "version: this library reads version 1 of the report schema only" },
  { "\"version\":1", "\"version\":\"1\"", OURO_REPORT_ERROR_VERSION, "version: this library reads" },
  { "\"all_cycles\":false", "\"all_cycles\":1", OURO_REPORT_ERROR_INVALID,
    "all_cycles: expected a boolean, found an integer" },
  { "\"n_tracked\":2", "\"n_tracked\":-1", OURO_REPORT_ERROR_INVALID,
    "n_tracked: -1 is out of range (0 to 4294967295)" },
  { "\"n_tracked\":2", "\"n_tracked\":4294967296", OURO_REPORT_ERROR_INVALID, "n_tracked: 4294967296 is out of range" },
  { "\"n_tracked\":2", "\"n_tracked\":1e3", OURO_REPORT_ERROR_INVALID, "n_tracked: expected an integer, found a number" },
  { "\"n_tracked\":2", "\"n_tracked\":123456789012345678901234567890", OURO_REPORT_ERROR_INVALID,
    "n_tracked: expected an integer, found a number" },
  { "\"n_tracked\":2", "\"n_tracked\":1e999", OURO_REPORT_ERROR_SYNTAX, "number out of range" },
  { "\"n_tracked\":2", "\"n_tracked\":2,\"n_tracked\":3", OURO_REPORT_ERROR_SYNTAX,
    "duplicate key \"n_tracked\" (first at line 1, column" },
  { "\"n_tracked\":2", "\"n_tracked\":null", OURO_REPORT_ERROR_INVALID, "n_tracked: expected an integer, found null" },
  { "\"n_tracked\":2,", "", OURO_REPORT_ERROR_INVALID, "line 1, column 1: required key \"n_tracked\" is missing" },
  { "{\"from\":1,\"to\":0,", "{\"from\":1,\"to\":7,", OURO_REPORT_ERROR_INVALID,
    "cycles[0].edges[1].to: 7 is not a member index (the cycle lists 2 members)" },
  { "{\"from\":1,\"to\":0,", "{\"from\":2,\"to\":0,", OURO_REPORT_ERROR_INVALID,
    "cycles[0].edges[1].from: 2 is not a member index" },
  { "\"edges\":[{", "\"edges\":[1,{", OURO_REPORT_ERROR_INVALID, "cycles[0].edges[0]: expected an object, found an integer" },
  { "\"suggested_weak_edge\":1", "\"suggested_weak_edge\":2", OURO_REPORT_ERROR_INVALID,
    "cycles[0].suggested_weak_edge: 2 is not an edge index (the cycle has 2 edges)" },
  { "\"suggested_weak_edge\":1", "\"suggested_weak_edge\":-1", OURO_REPORT_ERROR_INVALID,
    "cycles[0].suggested_weak_edge: -1 is not an edge index" },
  { "\"suggested_weak_edge\":1", "\"suggested_weak_edge\":true", OURO_REPORT_ERROR_INVALID,
    "cycles[0].suggested_weak_edge: expected an integer or null, found a boolean" },
  { "\"n_cycles\":1", "\"n_cycles\":2", OURO_REPORT_ERROR_INVALID, "cycles: lists 1, but n_cycles is 2" },
  { "\"n_garbage\":2", "\"n_garbage\":3", OURO_REPORT_ERROR_INVALID,
    "n_garbage: 3, but the garbage cycles' sizes and n_held add up to 2" },
  { "\"n_garbage_cycles\":1", "\"n_garbage_cycles\":0", OURO_REPORT_ERROR_INVALID,
    "n_garbage_cycles: 0, but cycles has 1 garbage cycle" },
  { "\"size\":2", "\"size\":1", OURO_REPORT_ERROR_INVALID, "cycles[0].members: lists 2 objects, more than size (1)" },
  { "\"size\":2", "\"size\":3", OURO_REPORT_ERROR_INVALID,
    "cycles[0].members_truncated: false, but members lists 2 of size 3" },
  { "\"n_held\":0", "\"n_held\":1", OURO_REPORT_ERROR_INVALID,
    "cycles[0].held_truncated: false, but held lists 0 of n_held 1" },
  { "\"n_inconsistent\":0", "\"n_inconsistent\":1", OURO_REPORT_ERROR_INVALID,
    "inconsistent: lists 0, but n_inconsistent is 1" },
  /* Found by fuzzing: a count read before the array it counts failed to
   * load must not be what the report frees. */
  { "\"n_inconsistent\":0,\"descriptions_truncated\":false,\"cycles\":[{\"garbage\":true",
    "\"n_inconsistent\":3,\"descriptions_truncated\":false,\"cycles\":[{\"garbage\":1",
    OURO_REPORT_ERROR_INVALID, "cycles[0].garbage: expected a boolean, found an integer" },
  { "\"description\":\"b\"", "\"description\":5", OURO_REPORT_ERROR_INVALID,
    "cycles[0].members[1].description: expected a string or null, found an integer" },
  { "\"description\":\"b\"", "\"description\":\"b\\u0000\"", OURO_REPORT_ERROR_INVALID,
    "cycles[0].members[1].description: a string with a NUL character" },
  { "\"type\":\"B\",", "", OURO_REPORT_ERROR_INVALID, "cycles[0].members[1]: required key \"type\" is missing" },
  { "\"cycles\":[{", "\"cycles\":[[]],\"x\":[{", OURO_REPORT_ERROR_INVALID,
    "cycles[0]: expected an object, found an array" },
  { "\"inconsistent\":[]", "\"inconsistent\":[],\"live_summary\":true", OURO_REPORT_ERROR_INVALID,
    "required key \"alive_by_type\" is missing" },
  { "\"inconsistent\":[]", "\"inconsistent\":[],\"live_summary\":1", OURO_REPORT_ERROR_INVALID,
    "live_summary: expected a boolean, found an integer" },
  { "\"inconsistent\":[]",
    "\"inconsistent\":[],\"live_summary\":true,\"alive_by_type\":[{\"type\":\"A\",\"count\":1}],"
    "\"n_roots\":2,\"roots_truncated\":false,\"roots\":[]",
    OURO_REPORT_ERROR_INVALID, "roots_truncated: false, but roots lists 0 of n_roots 2" },
  { "\"inconsistent\":[]",
    "\"inconsistent\":[],\"live_summary\":true,\"alive_by_type\":[{\"type\":\"A\"}],"
    "\"n_roots\":0,\"roots_truncated\":false,\"roots\":[]",
    OURO_REPORT_ERROR_INVALID, "alive_by_type[0]: required key \"count\" is missing" },
  { "\"explained\":1},{\"address\":\"0x20\"",
    "\"explained\":1,\"references\":{\"sites\":[{\"count\":0,\"kind\":\"ref\",\"frames\":[]}],"
    "\"n_sites_dropped\":0,\"n_references_dropped\":0}},{\"address\":\"0x20\"",
    OURO_REPORT_ERROR_INVALID, "cycles[0].members[0].references.sites[0].count: a site holds at least one reference" },
  { "\"explained\":1},{\"address\":\"0x20\"",
    "\"explained\":1,\"references\":{\"sites\":[{\"count\":1,\"kind\":\"ref\",\"frames\":[\"a\",null]}],"
    "\"n_sites_dropped\":0,\"n_references_dropped\":0}},{\"address\":\"0x20\"",
    OURO_REPORT_ERROR_INVALID, "cycles[0].members[0].references.sites[0].frames[1]: expected a string, found null" },
  { "\"explained\":1},{\"address\":\"0x20\"",
    "\"explained\":1,\"held_by\":[]},{\"address\":\"0x20\"",
    OURO_REPORT_ERROR_INVALID, "cycles[0].members[0].held_by: 0 holders: a report lists 1 to 64 (or leaves the key out)" },
  { "\"explained\":1},{\"address\":\"0x20\"",
    "\"explained\":1,\"held_by\":[{\"count\":1,\"holder\":null,\"note\":null,\"frames\":[]}]},{\"address\":\"0x20\"",
    OURO_REPORT_ERROR_INVALID, "cycles[0].members[0].held_by[0].holder: expected a string, found null" },
  { "\"explained\":1},{\"address\":\"0x20\"",
    "\"explained\":1,\"held_by\":[{\"count\":1,\"holder\":\"h\",\"frames\":[]}]},{\"address\":\"0x20\"",
    OURO_REPORT_ERROR_INVALID, "cycles[0].members[0].held_by[0]: required key \"note\" is missing" },
  { "\"explained\":1},{\"address\":\"0x20\"",
    "\"explained\":1,\"references\":{\"sites\":[{\"count\":1,\"kind\":\"ref\",\"frames\":[\"a\",\"b\"],"
    "\"program_frame\":2}],\"n_sites_dropped\":0,\"n_references_dropped\":0}},{\"address\":\"0x20\"",
    OURO_REPORT_ERROR_INVALID, "cycles[0].members[0].references.sites[0].program_frame: 2 is out of range (0 to 1)" },
  { "\"explained\":1},{\"address\":\"0x20\"",
    "\"explained\":1,\"references\":{\"sites\":[{\"count\":1,\"kind\":\"ref\",\"frames\":[],"
    "\"program_frame\":0}],\"n_sites_dropped\":0,\"n_references_dropped\":0}},{\"address\":\"0x20\"",
    OURO_REPORT_ERROR_INVALID, "cycles[0].members[0].references.sites[0].program_frame: a site without frames has no program frame" },
  { "\"explained\":1},{\"address\":\"0x20\"",
    "\"explained\":1,\"references\":{\"sites\":[{\"count\":1,\"kind\":\"ref\",\"frames\":[\"a\"],"
    "\"program_frame\":\"0\"}],\"n_sites_dropped\":0,\"n_references_dropped\":0}},{\"address\":\"0x20\"",
    OURO_REPORT_ERROR_INVALID, "cycles[0].members[0].references.sites[0].program_frame: expected an integer, found a string" },
  { "\"explained\":1},{\"address\":\"0x20\"",
    "\"explained\":1,\"references\":{\"sites\":[]}},{\"address\":\"0x20\"",
    OURO_REPORT_ERROR_INVALID, "cycles[0].members[0].references: required key \"n_sites_dropped\" is missing" },
  { "\"label\":\"x\"", "\"label\":\"x\ty\"", OURO_REPORT_ERROR_SYNTAX,
    "control character 0x09 in a string (escape it)" },
  { "\"label\":\"x\"", "\"label\":\"x\xc3\x28\"", OURO_REPORT_ERROR_SYNTAX, "invalid UTF-8 in a string" },
  { "\"label\":\"x\"", "\"label\":\"\\ud800\"", OURO_REPORT_ERROR_SYNTAX, "lone surrogate \\ud800" },
  { "\"label\":\"x\"", "\"label\":\"\\udc00\\ud800\"", OURO_REPORT_ERROR_SYNTAX, "lone surrogate \\udc00" },
  { "\"label\":\"x\"", "\"label\":\"\\ud800\\u0041\"", OURO_REPORT_ERROR_SYNTAX, "lone surrogate \\ud800" },
  { "\"label\":\"x\"", "\"label\":\"\\x\"", OURO_REPORT_ERROR_SYNTAX, "invalid escape in a string" },
  { "\"held\":[]}]", "\"held\":[],}]", OURO_REPORT_ERROR_SYNTAX, "expected a string (an object key), found '}'" },
  { "\"held\":[]}]", "\"held\":[]]]", OURO_REPORT_ERROR_SYNTAX, "expected ',' or '}' in an object, found ']'" },
};

static void
test_load_faults (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      char *json = replace_once (minimal_report, faults[i].from, faults[i].to);

      g_test_message ("fault %u: %s", i, faults[i].fragment);
      assert_load_error (json, -1, faults[i].code, faults[i].fragment);
      g_free (json);
    }
}

static void
test_load_malformed (void)
{
  char *deep = g_strnfill (100000, '[');
  char *trailing = g_strconcat (minimal_report, " x", NULL);
  char *spaced = g_strconcat ("\xef\xbb\xbf", minimal_report, NULL);
  OuroReport *report;
  GError *error = NULL;

  assert_load_error ("", -1, OURO_REPORT_ERROR_SYNTAX,
                     "line 1, column 1: expected a JSON value, found the end of the input");
  assert_load_error (" \n\t ", -1, OURO_REPORT_ERROR_SYNTAX, "line 2, column 3: expected a JSON value");
  assert_load_error (deep, -1, OURO_REPORT_ERROR_SYNTAX, "line 1, column 65: nesting deeper than 64 levels");
  assert_load_error (trailing, -1, OURO_REPORT_ERROR_SYNTAX,
                     "expected the end of the input after the JSON value, found 'x'");
  assert_load_error (spaced, -1, OURO_REPORT_ERROR_SYNTAX, "line 1, column 1: expected a JSON value, found byte 0xef");
  assert_load_error ("[1]", -1, OURO_REPORT_ERROR_FORMAT, "not an Ouro report: expected an object, found an array");
  assert_load_error ("{\"format\": \"ouro-report\",\n \"version\": 1,\n \"all_cycles\": tru }", -1,
                     OURO_REPORT_ERROR_SYNTAX, "line 3, column 16: expected a JSON value, found 't'");
  /* The length is honoured: a NUL inside is a byte like any other. */
  assert_load_error ("{}\0{}", 5, OURO_REPORT_ERROR_SYNTAX, "found byte 0x00");
  assert_load_error ("{}", 2, OURO_REPORT_ERROR_FORMAT, "format: not an Ouro report");

  /* White space after the value is fine. */
  g_free (trailing);
  trailing = g_strconcat (minimal_report, " \r\n\t\n", NULL);
  report = ouro_report_new_from_json (trailing, -1, &error);
  g_assert_no_error (error);
  ouro_report_free (report);

  g_test_expect_message ("Ouro", G_LOG_LEVEL_CRITICAL, "*json != NULL*");
  g_assert_null (ouro_report_new_from_json (NULL, 0, &error));
  g_test_assert_expected_messages ();
  g_assert_null (error);

  g_free (spaced);
  g_free (trailing);
  g_free (deep);
}

/* Every prefix of a real report fails cleanly, but the one that only lacks
 * the final newline. */
static void
test_load_every_prefix (void)
{
  const char *names[] = { "report.json", "report-summary.json" };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      char *json = read_golden (names[n]);
      gsize length = strlen (json);

      for (gsize cut = 0; cut < length; cut++)
        {
          GError *error = NULL;
          OuroReport *report = load_exact (json, cut, &error);

          if (cut == length - 1)
            {
              g_assert_no_error (error);
              ouro_report_free (report);
              continue;
            }
          g_assert_null (report);
          g_assert_error (error, OURO_REPORT_ERROR, OURO_REPORT_ERROR_SYNTAX);
          g_error_free (error);
        }
      g_free (json);
    }
}

/* Any byte of a report replaced by any of a few others: an error or a
 * report its writers can write, never a crash. */
static void
test_load_byte_replacements (void)
{
  static const char replacements[] = { '"', '\\', '{', '}', '[', ']', ',', ':', '0', '9', '-',
                                       'e', ' ', 'x', '\0', '\x01', '\x80', '\xff' };
  char *json = replace_once (minimal_report, "\"inconsistent\":[]",
                             "\"inconsistent\":[],\"live_summary\":true,\"alive_by_type\":"
                             "[{\"type\":\"A\",\"count\":1}],\"n_roots\":1,\"roots_truncated\":false,"
                             "\"roots\":[{\"address\":\"0x30\",\"type\":\"R\",\"class\":\"C\","
                             "\"description\":\"r\\u00e9\",\"refcount\":2,\"explained\":0,"
                             "\"references\":{\"sites\":[{\"count\":1,\"kind\":\"ref\",\"frames\":[\"f\"]}],"
                             "\"n_sites_dropped\":1,\"n_references_dropped\":3}}]");
  gsize length = strlen (json);
  guint n_loaded = 0;

  for (gsize at = 0; at < length; at++)
    for (guint r = 0; r < G_N_ELEMENTS (replacements); r++)
      {
        char *copy = g_memdup2 (json, length);
        GError *error = NULL;
        OuroReport *report;

        copy[at] = replacements[r];
        report = ouro_report_new_from_json (copy, (gssize) length, &error);
        if (report != NULL)
          {
            g_free (ouro_report_to_text (report));
            g_free (ouro_report_to_json (report));
            g_free (ouro_report_to_dot (report));
            ouro_report_free (report);
            n_loaded++;
          }
        else
          {
            g_assert_nonnull (error);
            g_error_free (error);
          }
        g_free (copy);
      }
  /* Some replacements keep it valid (a digit for a digit, a space). */
  g_assert_cmpuint (n_loaded, >, 0);
  g_free (json);
}

/* The parser on its own: values, escapes, limits, positions. */
static OuroJson *
parse_ok (const char *text)
{
  GError *error = NULL;
  OuroJson *json = ouro_json_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return json;
}

static void
assert_parse_error (const char *text,
                    gsize       length,
                    const char *fragment)
{
  GError *error = NULL;

  g_assert_null (ouro_json_parse (text, length, &error));
  g_assert_true (error != NULL && error->domain == OURO_JSON_ERROR);
  if (strstr (error->message, fragment) == NULL)
    g_error ("expected \"%s\", got: %s", fragment, error->message);
  g_error_free (error);
}

static void
test_json_scalars (void)
{
  static const struct { const char *text; gint64 value; } integers[] = {
    { "0", 0 }, { "-0", 0 }, { " 42 ", 42 }, { "9223372036854775807", G_MAXINT64 },
    { "-9223372036854775808", G_MININT64 },
  };
  static const struct { const char *text; double value; } doubles[] = {
    { "1.5e3", 1500.0 }, { "-0.25", -0.25 }, { "1E+2", 100.0 }, { "5e-1", 0.5 },
    { "9223372036854775808", 9223372036854775808.0 }, { "1e308", 1e308 },
  };
  static const char *bad[] = { "-", "01", "1.", ".5", "1e", "1e+", "+1", "tru", "nul", "True", "0x10",
                               "NaN", "Infinity", "'a'", "1e309", "-1e309" };
  static const char decoded[] = "\"\\/\b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \0.";
  OuroJson *json;
  gsize length;

  for (guint i = 0; i < G_N_ELEMENTS (integers); i++)
    {
      json = parse_ok (integers[i].text);
      g_assert_cmpint (ouro_json_value_get_type (ouro_json_get_root (json)), ==, OURO_JSON_INTEGER);
      g_assert_cmpint (ouro_json_value_get_integer (ouro_json_get_root (json)), ==, integers[i].value);
      ouro_json_free (json);
    }
  for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      json = parse_ok (doubles[i].text);
      g_assert_cmpint (ouro_json_value_get_type (ouro_json_get_root (json)), ==, OURO_JSON_DOUBLE);
      g_assert_cmpfloat (ouro_json_value_get_double (ouro_json_get_root (json)), ==, doubles[i].value);
      ouro_json_free (json);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_parse_error (bad[i], strlen (bad[i]), "line 1, column ");

  json = parse_ok ("true");
  g_assert_true (ouro_json_value_get_boolean (ouro_json_get_root (json)));
  ouro_json_free (json);
  json = parse_ok ("null");
  g_assert_cmpint (ouro_json_value_get_type (ouro_json_get_root (json)), ==, OURO_JSON_NULL);
  ouro_json_free (json);

  json = parse_ok ("\"\\\"\\\\\\/\\b\\f\\n\\r\\t \\u00e9 \\u20AC \\ud83d\\ude00 \\u0000.\"");
  g_assert_cmpmem (ouro_json_value_get_string (ouro_json_get_root (json), &length), length,
                   decoded, sizeof decoded - 1);
  ouro_json_free (json);

  assert_parse_error ("\"\xc0\xaf\"", 4, "line 1, column 2: invalid UTF-8 in a string");
  assert_parse_error ("\"ok \xed\xa0\x80\"", 8, "line 1, column 5: invalid UTF-8 in a string");
  assert_parse_error ("\"\xf4\x90\x80\x80\"", 6, "invalid UTF-8 in a string");
  assert_parse_error ("\"abc", 4, "line 1, column 1: unexpected end of input in the string");
  assert_parse_error ("\"\\u12\"", 6, "\\u must be followed by four hex digits");
  assert_parse_error ("\"\\", 2, "unexpected end of input in a string escape");
}

static void
test_json_containers (void)
{
  OuroJson *json = parse_ok (" { \"b\" : [ 1 , [ ] , { } , \"s\" ] ,\n \"a\" : { \"\\u0000k\" : null } , \"\" : 2 } ");
  const OuroJsonValue *root = ouro_json_get_root (json), *b, *a;
  const char *text;
  gsize length;

  g_assert_cmpuint (ouro_json_object_get_size (root), ==, 3);
  /* Members keep their input order; lookups find them by key. */
  g_assert_cmpstr (ouro_json_object_get_key (root, 0, NULL), ==, "b");
  g_assert_cmpstr (ouro_json_object_get_key (root, 1, NULL), ==, "a");
  g_assert_cmpstr (ouro_json_object_get_key (root, 2, &length), ==, "");
  g_assert_cmpuint (length, ==, 0);
  b = ouro_json_object_lookup (root, "b");
  g_assert_true (b == ouro_json_object_get_value (root, 0));
  g_assert_cmpuint (ouro_json_array_get_length (b), ==, 4);
  g_assert_cmpint (ouro_json_value_get_type (ouro_json_array_get (b, 1)), ==, OURO_JSON_ARRAY);
  g_assert_cmpuint (ouro_json_array_get_length (ouro_json_array_get (b, 1)), ==, 0);
  g_assert_cmpuint (ouro_json_object_get_size (ouro_json_array_get (b, 2)), ==, 0);
  g_assert_null (ouro_json_object_lookup (ouro_json_array_get (b, 2), "x"));
  a = ouro_json_object_lookup (root, "a");
  g_assert_cmpuint (ouro_json_value_get_line (a), ==, 2);
  g_assert_cmpuint (ouro_json_value_get_column (a), ==, 8);
  /* A key with a NUL in it is not the key before the NUL. */
  g_assert_null (ouro_json_object_lookup (a, ""));
  g_assert_cmpuint (ouro_json_object_get_size (a), ==, 1);
  g_assert_cmpint (ouro_json_value_get_integer (ouro_json_object_lookup (root, "")), ==, 2);
  ouro_json_free (json);

  assert_parse_error ("[1,]", 4, "line 1, column 4: expected a JSON value, found ']'");
  assert_parse_error ("[1 2]", 5, "expected ',' or ']' in an array, found '2'");
  assert_parse_error ("{\"a\" 1}", 7, "expected ':' after an object key, found '1'");
  assert_parse_error ("{1:2}", 5, "expected a string (an object key), found '1'");
  assert_parse_error ("{\"a\":1,}", 8, "expected a string (an object key), found '}'");
  text = "{\"a\":1,\n \"b\":2,\n \"a\":3}";
  assert_parse_error (text, strlen (text), "line 3, column 6: duplicate key \"a\" (first at line 1, column 6)");
  assert_parse_error ("[", 1, "expected a JSON value, found the end of the input");
  assert_parse_error ("[1", 2, "expected ',' or ']' in an array, found the end of the input");
}

static void
test_json_limits (void)
{
  GString *nested = g_string_new (NULL);
  GError *error = NULL;
  OuroJson *json;

  for (guint i = 0; i < OURO_JSON_MAX_DEPTH; i++)
    g_string_append_c (nested, '[');
  for (guint i = 0; i < OURO_JSON_MAX_DEPTH; i++)
    g_string_append_c (nested, ']');
  json = parse_ok (nested->str);
  ouro_json_free (json);

  g_string_prepend_c (nested, '[');
  g_string_append_c (nested, ']');
  assert_parse_error (nested->str, nested->len, "line 1, column 65: nesting deeper than 64 levels");

  g_string_truncate (nested, 0);
  for (guint i = 0; i < 100000; i++)
    g_string_append (nested, "{\"a\":");
  g_assert_null (ouro_json_parse (nested->str, nested->len, &error));
  g_assert_error (error, OURO_JSON_ERROR, OURO_JSON_ERROR_LIMIT);
  g_clear_error (&error);

  /* Refused before a byte is read. */
  g_assert_null (ouro_json_parse ("", (gsize) OURO_JSON_MAX_INPUT + 1, &error));
  g_assert_error (error, OURO_JSON_ERROR, OURO_JSON_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "larger than the limit, 256 MiB"));
  g_clear_error (&error);

  g_string_free (nested, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/report-load/round-trip/mixed", test_round_trip_mixed);
  g_test_add_func ("/report-load/round-trip/truncated", test_round_trip_truncated);
  g_test_add_func ("/report-load/round-trip/summary", test_round_trip_summary);
  g_test_add_func ("/report-load/round-trip/empty", test_round_trip_empty);
  g_test_add_func ("/report-load/golden", test_load_golden);
  g_test_add_func ("/report-load/minimal", test_load_minimal);
  g_test_add_func ("/report-load/faults", test_load_faults);
  g_test_add_func ("/report-load/malformed", test_load_malformed);
  g_test_add_func ("/report-load/every-prefix", test_load_every_prefix);
  g_test_add_func ("/report-load/byte-replacements", test_load_byte_replacements);
  g_test_add_func ("/report-load/json/scalars", test_json_scalars);
  g_test_add_func ("/report-load/json/containers", test_json_containers);
  g_test_add_func ("/report-load/json/limits", test_json_limits);

  return g_test_run ();
}
