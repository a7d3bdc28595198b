/* test-snapshot.c — live counts by type and the growth table between two
 * snapshots: largest growth first, then by name, shrinking types last.
 * Sizes from the class's get_size; snapshots kept as JSON and read back
 * (a golden file), and bad snapshot files refused with a GError that
 * names the problem.
 */
#include <string.h>

#include "test-node.h"

/* Objects of a class with a size: a type name and a byte count each. */
typedef struct {
  const char *type_name;
  gsize       size;
} SizedObject;

static guint
sized_get_refcount (gpointer object)
{
  return 1;
}

static void
sized_traverse (gpointer      object,
                OuroVisitFunc visit,
                gpointer      user_data)
{
}

static const char *
sized_get_type_name (gpointer object)
{
  return ((SizedObject *) object)->type_name;
}

static gsize
sized_get_size (gpointer object)
{
  return ((SizedObject *) object)->size;
}

static const OuroClass sized_class = {
  .name = "Sized",
  .get_refcount = sized_get_refcount,
  .traverse = sized_traverse,
  .get_type_name = sized_get_type_name,
  .get_size = sized_get_size,
};

/* Objects tracked by the tests below carry a creation site, or NULL, for
 * the site function. */
typedef struct {
  SizedObject base;
  const char *site;
} SitedObject;

static const char *
sited_site (gpointer         object,
            const OuroClass *klass,
            gpointer         user_data)
{
  g_assert_true (user_data == &sized_class);
  return klass == &sized_class ? ((SitedObject *) object)->site : NULL;
}

/* Tracks @n objects of @type_name, @size bytes each, created at @site
 * (NULL: unknown), in @objects. */
static void
sized_add_at (GPtrArray  *objects,
              const char *type_name,
              const char *site,
              guint       n,
              gsize       size)
{
  for (guint i = 0; i < n; i++)
    {
      SitedObject *object = g_new (SitedObject, 1);

      *object = (SitedObject) { { type_name, size }, site };
      ouro_track (object, &sized_class);
      g_ptr_array_add (objects, object);
    }
}

static void
sized_add (GPtrArray  *objects,
           const char *type_name,
           guint       n,
           gsize       size)
{
  sized_add_at (objects, type_name, NULL, n, size);
}

static void
sized_untrack_free (gpointer object)
{
  ouro_untrack (object);
  g_free (object);
}

/* Asserts that @json is golden file @name (rewritten first with
 * OURO_UPDATE_GOLDEN set). */
static void
check_golden (const char *name,
              const char *json)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "golden", name, NULL);
  g_autofree char *golden = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv ("OURO_UPDATE_GOLDEN") != NULL)
    g_assert_true (g_file_set_contents (path, json, -1, NULL));
  g_assert_true (g_file_get_contents (path, &golden, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json, ==, golden);
}

static void
test_counts_and_diff (void)
{
  GPtrArray *nodes = g_ptr_array_new ();
  OuroSnapshot *before, *after, *later;
  char *text;

  g_ptr_array_add (nodes, test_node_new ("Gone", "g"));
  g_ptr_array_add (nodes, test_node_new ("Same", "s"));
  before = ouro_snapshot_take ();
  g_assert_cmpuint (ouro_snapshot_get_n_tracked (before), ==, 2);
  g_assert_cmpuint (ouro_snapshot_get_count (before, "Gone"), ==, 1);
  g_assert_cmpuint (ouro_snapshot_get_count (before, "Row"), ==, 0);

  for (guint i = 0; i < 10; i++)
    g_ptr_array_add (nodes, test_node_new ("Row", "row"));
  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (nodes, test_node_new ("Cell", "cell"));
  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (nodes, test_node_new ("Apple", "apple"));
  test_node_unref (nodes->pdata[0]);   /* Gone */
  nodes->pdata[0] = NULL;

  after = ouro_snapshot_take ();
  g_assert_cmpuint (ouro_snapshot_get_count (after, "Row"), ==, 10);
  g_assert_cmpuint (ouro_snapshot_get_count (after, "Gone"), ==, 0);
  g_assert_cmpuint (ouro_snapshot_get_n_tracked (after), ==, 17);

  text = ouro_snapshot_diff_to_text (before, after);
  g_assert_cmpstr (text, ==,
                   "ouro: live objects by type, 2 -> 17 tracked (+15)\n"
                   "  type      before      after      delta\n"
                   "  Row            0         10        +10\n"
                   "  Apple          0          3         +3\n"
                   "  Cell           0          3         +3\n"
                   "  Gone           1          0         -1\n");
  g_free (text);

  later = ouro_snapshot_take ();
  text = ouro_snapshot_diff_to_text (after, later);
  g_assert_cmpstr (text, ==, "ouro: no change in live objects by type (17 tracked)\n");
  g_free (text);

  ouro_snapshot_free (before);
  ouro_snapshot_free (after);
  ouro_snapshot_free (later);
  for (guint i = 1; i < nodes->len; i++)
    test_node_unref (nodes->pdata[i]);
  g_ptr_array_unref (nodes);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* Types interleaved in tracking order are still counted per type. */
static void
test_interleaved_types (void)
{
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) test_node_unref);
  g_autoptr(OuroSnapshot) snapshot = NULL;

  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (nodes, test_node_new (i % 3 == 0 ? "Fizz" : "Buzz", "x"));
  snapshot = ouro_snapshot_take ();
  g_assert_cmpuint (ouro_snapshot_get_count (snapshot, "Fizz"), ==, 34);
  g_assert_cmpuint (ouro_snapshot_get_count (snapshot, "Buzz"), ==, 66);
  g_ptr_array_unref (nodes);
}

/* Sizes per type; the JSON written, against a golden file, and read back
 * to the same counts, sizes and bytes. */
static void
test_json_round_trip (void)
{
  GPtrArray *objects = g_ptr_array_new_with_free_func (sized_untrack_free);
  g_autoptr(OuroSnapshot) snapshot = NULL;
  g_autoptr(OuroSnapshot) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;

  sized_add (objects, "EditorWindow", 2, 1040);
  sized_add (objects, "GtkButton", 5, 96);
  sized_add (objects, "Row \"quoted\"", 1, 0);
  snapshot = ouro_snapshot_take ();
  g_assert_cmpuint (ouro_snapshot_get_count (snapshot, "GtkButton"), ==, 5);
  g_assert_cmpuint (ouro_snapshot_get_size (snapshot, "GtkButton"), ==, 480);
  g_assert_cmpuint (ouro_snapshot_get_size (snapshot, "Nothing"), ==, 0);
  g_assert_cmpuint (ouro_snapshot_get_total_size (snapshot), ==, 2080 + 480);

  json = ouro_snapshot_to_json (snapshot);
  check_golden ("snapshot.json", json);

  loaded = ouro_snapshot_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ouro_snapshot_get_n_tracked (loaded), ==, 8);
  g_assert_cmpuint (ouro_snapshot_get_count (loaded, "EditorWindow"), ==, 2);
  g_assert_cmpuint (ouro_snapshot_get_size (loaded, "EditorWindow"), ==, 2080);
  g_assert_cmpuint (ouro_snapshot_get_count (loaded, "Row \"quoted\""), ==, 1);
  again = ouro_snapshot_to_json (loaded);
  g_assert_cmpstr (again, ==, json);

  g_ptr_array_unref (objects);
}

/* compare_to: what grew first, by bytes then by objects, then what shrank;
 * unchanged types left out; --limit cuts the list. */
static void
test_compare (void)
{
  GPtrArray *objects = g_ptr_array_new_with_free_func (sized_untrack_free);
  GPtrArray *more = g_ptr_array_new_with_free_func (sized_untrack_free);
  g_autoptr(OuroSnapshot) before = NULL;
  g_autoptr(OuroSnapshot) after = NULL;
  g_autofree char *text = NULL;
  g_autofree char *limited = NULL;
  g_autofree char *json = NULL;
  g_autofree char *same = NULL;

  sized_add (objects, "Kept", 3, 100);
  sized_add (more, "Gone", 2, 512);
  before = ouro_snapshot_take ();
  g_ptr_array_set_size (more, 0);
  sized_add (objects, "EditorWindow", 20, 1040);
  sized_add (objects, "Marker", 4, 0);
  sized_add (objects, "Small", 1, 8);
  after = ouro_snapshot_take ();

  text = ouro_snapshot_compare_to_text (before, after, OURO_SNAPSHOT_BY_TYPE, 0);
  g_assert_cmpstr (text, ==,
                   "ouro diff: 5 -> 28 objects (+23), 1.3 KiB -> 20.6 KiB (+19.3 KiB)\n"
                   "grew:\n"
                   "  EditorWindow: count=20 (+20), size=20.3 KiB (+20.3 KiB)\n"
                   "  Small: count=1 (+1), size=8 B (+8 B)\n"
                   "  Marker: count=4 (+4), size=0 B (+0 B)\n"
                   "shrank:\n"
                   "  Gone: count=0 (-2), size=0 B (-1.0 KiB)\n");
  limited = ouro_snapshot_compare_to_text (before, after, OURO_SNAPSHOT_BY_TYPE, 1);
  g_assert_true (g_str_has_suffix (limited, "(+20.3 KiB)\n... and 3 more changed types (--limit)\n"));
  json = ouro_snapshot_compare_to_json (before, after, OURO_SNAPSHOT_BY_TYPE, 2);
  g_assert_nonnull (strstr (json, "\"n_omitted\": 2,"));
  g_assert_nonnull (strstr (json, "{ \"type\": \"EditorWindow\", \"count\": 20, \"count_diff\": 20, "
                                  "\"size\": 20800, \"size_diff\": 20800 },\n"
                                  "    { \"type\": \"Small\""));
  same = ouro_snapshot_compare_to_text (after, after, OURO_SNAPSHOT_BY_TYPE, 0);
  g_assert_cmpstr (same, ==, "ouro diff: 28 -> 28 objects (+0), 20.6 KiB -> 20.6 KiB (+0 B)\n"
                             "no type changed\n");

  g_ptr_array_unref (more);
  g_ptr_array_unref (objects);
}

/* By creation site: counted per (type, site), kept in JSON and read back,
 * compared with a row per site and one for the objects without a site. */
static void
test_sites (void)
{
  GPtrArray *objects = g_ptr_array_new_with_free_func (sized_untrack_free);
  g_autoptr(OuroSnapshot) before = NULL;
  g_autoptr(OuroSnapshot) after = NULL;
  g_autoptr(OuroSnapshot) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *by_type = NULL;
  const char *open_window = g_intern_static_string ("open_window (app.c:42)");
  const char *load_rows = g_intern_static_string ("load_rows (rows.c:7)");

  ouro_set_site_func (sited_site, (gpointer) &sized_class);
  sized_add_at (objects, "EditorWindow", open_window, 1, 1040);
  sized_add_at (objects, "Row", load_rows, 2, 64);
  before = ouro_snapshot_take ();
  g_assert_true (ouro_snapshot_has_sites (before));
  sized_add_at (objects, "EditorWindow", open_window, 20, 1040);
  sized_add_at (objects, "Row", load_rows, 1, 64);
  sized_add_at (objects, "Row", NULL, 3, 64);
  after = ouro_snapshot_take ();
  ouro_set_site_func (NULL, NULL);
  g_assert_cmpuint (ouro_snapshot_get_site_count (after, "EditorWindow", open_window), ==, 21);
  g_assert_cmpuint (ouro_snapshot_get_site_count (after, "Row", load_rows), ==, 3);
  g_assert_cmpuint (ouro_snapshot_get_count (after, "Row"), ==, 6);

  json = ouro_snapshot_to_json (after);
  check_golden ("snapshot-sites.json", json);
  loaded = ouro_snapshot_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ouro_snapshot_get_site_count (loaded, "Row", "load_rows (rows.c:7)"), ==, 3);
  again = ouro_snapshot_to_json (loaded);
  g_assert_cmpstr (again, ==, json);

  text = ouro_snapshot_compare_to_text (before, loaded, OURO_SNAPSHOT_BY_SITE, 0);
  g_assert_cmpstr (text, ==,
                   "ouro diff: 3 -> 27 objects (+24), 1.1 KiB -> 21.7 KiB (+20.6 KiB)\n"
                   "grew:\n"
                   "  open_window (app.c:42) EditorWindow: count=21 (+20), size=21.3 KiB (+20.3 KiB)\n"
                   "  (no creation site) Row: count=3 (+3), size=192 B (+192 B)\n"
                   "  load_rows (rows.c:7) Row: count=3 (+1), size=192 B (+64 B)\n");
  by_type = ouro_snapshot_compare_to_text (before, loaded, OURO_SNAPSHOT_BY_TYPE, 0);
  g_assert_nonnull (strstr (by_type, "  Row: count=6 (+4), size=384 B (+256 B)\n"));
  g_clear_pointer (&text, g_free);
  text = ouro_snapshot_compare_to_json (before, loaded, OURO_SNAPSHOT_BY_SITE, 0);
  g_assert_nonnull (strstr (text, "\"by\": \"site\""));
  g_assert_nonnull (strstr (text, "{ \"type\": \"Row\", \"site\": null, \"count\": 3,"));

  g_ptr_array_unref (objects);
}

/* Each bad file: refused, with the error code and the words that say why. */
static void
test_json_refused (void)
{
  static const struct {
    const char *json;
    gint        code;
    const char *message;
  } cases[] = {
    { "{", OURO_SNAPSHOT_ERROR_SYNTAX, "line 1" },
    { "[]", OURO_SNAPSHOT_ERROR_FORMAT, "not an Ouro snapshot" },
    { "{\"format\": \"ouro-report\", \"version\": 1}", OURO_SNAPSHOT_ERROR_FORMAT,
      "\"format\" is not \"ouro-snapshot\"" },
    { "{\"format\": \"ouro-snapshot\\u0000\", \"version\": 1}", OURO_SNAPSHOT_ERROR_FORMAT,
      "not an Ouro snapshot" },
    { "{\"format\": \"ouro-snapshot\", \"version\": 2}", OURO_SNAPSHOT_ERROR_VERSION,
      "version 2: this library reads version 1" },
    { "{\"format\": \"ouro-snapshot\", \"version\": 1, \"size\": 0, \"types\": []}",
      OURO_SNAPSHOT_ERROR_INVALID, "required key \"n_tracked\" is missing" },
    { "{\"format\": \"ouro-snapshot\", \"version\": 1, \"n_tracked\": -1, \"size\": 0, "
      "\"types\": []}", OURO_SNAPSHOT_ERROR_INVALID, "n_tracked: -1 is out of range" },
    { "{\"format\": \"ouro-snapshot\", \"version\": 1, \"n_tracked\": 1, \"size\": 0, "
      "\"types\": [{\"type\": \"A\", \"count\": \"1\", \"size\": 0}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "types[0].count: expected an integer, found a string" },
    { "{\"format\": \"ouro-snapshot\", \"version\": 1, \"n_tracked\": 0, \"size\": 0, "
      "\"types\": [{\"type\": \"A\", \"count\": 0, \"size\": 0}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "types[0].count: a type is listed when it has objects" },
    { "{\"format\": \"ouro-snapshot\", \"version\": 1, \"n_tracked\": 2, \"size\": 0, "
      "\"types\": [{\"type\": \"A\", \"count\": 1, \"size\": 0}, "
      "{\"type\": \"A\", \"count\": 1, \"size\": 0}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "types[1].type: \"A\" is listed twice" },
    { "{\"format\": \"ouro-snapshot\", \"version\": 1, \"n_tracked\": 3, \"size\": 0, "
      "\"types\": [{\"type\": \"A\", \"count\": 1, \"size\": 0}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "n_tracked: 3, but the types' counts add up to 1" },
    { "{\"format\": \"ouro-snapshot\", \"version\": 1, \"n_tracked\": 1, \"size\": 5, "
      "\"types\": [{\"type\": \"A\", \"count\": 1, \"size\": 4}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "size: 5, but the types' sizes add up to 4" },
    { "{\"format\": \"ouro-snapshot\", \"version\": 1, \"n_tracked\": 1, \"size\": 0, "
      "\"types\": [{\"type\": \"\", \"count\": 1, \"size\": 0}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "types[0].type: a type has a name" },
    { "{\"format\": \"ouro-snapshot\", \"version\": 1, \"n_tracked\": 1, \"size\": 0, "
      "\"types\": [7]}", OURO_SNAPSHOT_ERROR_INVALID, "types[0]: expected an object, found an integer" },
#define SITES_OF_A "{\"format\": \"ouro-snapshot\", \"version\": 1, \"n_tracked\": 2, \"size\": 8, " \
                   "\"types\": [{\"type\": \"A\", \"count\": 2, \"size\": 8}], \"sites\": "
    { SITES_OF_A "[{\"type\": \"B\", \"site\": \"f\", \"count\": 1, \"size\": 0}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "sites[0].type: \"B\" is not among the snapshot's types" },
    { SITES_OF_A "[{\"type\": \"A\", \"site\": \"f\", \"count\": 1, \"size\": 0}, "
      "{\"type\": \"A\", \"site\": \"f\", \"count\": 1, \"size\": 0}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "sites[1].site: \"f\" is listed twice for \"A\"" },
    { SITES_OF_A "[{\"type\": \"A\", \"site\": \"f\", \"count\": 3, \"size\": 0}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "sites[0].count: the sites of \"A\" count more objects" },
    { SITES_OF_A "[{\"type\": \"A\", \"site\": \"f\", \"count\": 1, \"size\": 9}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "sites[0].size: the sites of \"A\" count more bytes" },
    { SITES_OF_A "[{\"type\": \"A\", \"site\": \"\", \"count\": 1, \"size\": 0}]}",
      OURO_SNAPSHOT_ERROR_INVALID, "sites[0].site: a site has a name" },
    { SITES_OF_A "{}}", OURO_SNAPSHOT_ERROR_INVALID, "sites: expected an array, found an object" },
#undef SITES_OF_A
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OuroSnapshot) snapshot = ouro_snapshot_new_from_json (cases[i].json, -1, &error);

      g_assert_null (snapshot);
      g_assert_error (error, OURO_SNAPSHOT_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: \"%s\" does not say \"%s\"", i, error->message, cases[i].message);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/snapshot/counts-and-diff", test_counts_and_diff);
  g_test_add_func ("/snapshot/interleaved-types", test_interleaved_types);
  g_test_add_func ("/snapshot/json-round-trip", test_json_round_trip);
  g_test_add_func ("/snapshot/json-refused", test_json_refused);
  g_test_add_func ("/snapshot/compare", test_compare);
  g_test_add_func ("/snapshot/sites", test_sites);

  return g_test_run ();
}
