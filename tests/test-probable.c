/* test-probable.c — the probable tier (OURO_SCAN_PROBABLE): trial deletion
 * again with candidate references counted, reported apart, never touching
 * proven garbage, never collected.
 *
 * Single-threaded.  The candidates here are TestNode "fields": a reference
 * the test takes by hand (test_node_ref) and tells only the candidates
 * function about, the way a GObject's struct field holds a reference no
 * traverse function knows.
 */
#include <string.h>

#include "test-node.h"

/* node -> GPtrArray of Field */
static GHashTable *fields;

typedef struct {
  TestNode   *target;
  const char *label;
} Field;

static void
field_add (TestNode   *from,
           TestNode   *to,
           const char *label)
{
  GPtrArray *list = g_hash_table_lookup (fields, from);
  Field *field = g_new (Field, 1);

  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (fields, from, list);
    }
  field->target = to;
  field->label = label;
  g_ptr_array_add (list, field);
}

/* @from holds @to through a field: a reference and a candidate. */
static void
field_link (TestNode   *from,
            TestNode   *to,
            const char *label)
{
  test_node_ref (to);
  field_add (from, to, label);
}

static void
test_candidates (gpointer         object,
                 const OuroClass *klass,
                 OuroVisitFunc    visit,
                 gpointer         visit_data,
                 gpointer         user_data)
{
  GPtrArray *list = g_hash_table_lookup (fields, object);

  g_assert_true (user_data == &fields);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      Field *field = g_ptr_array_index (list, i);
      visit (field->target, field->label, visit_data);
    }
}

static void
setup (void)
{
  fields = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  ouro_set_candidates_func (test_candidates, &fields);
}

/* Drops every field's reference (which breaks the cycles) and the table. */
static void
teardown (void)
{
  GHashTableIter iter;
  gpointer key, value;
  GPtrArray *targets = g_ptr_array_new ();

  ouro_set_candidates_func (NULL, NULL);
  g_hash_table_iter_init (&iter, fields);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *list = value;

      for (guint i = 0; i < list->len; i++)
        g_ptr_array_add (targets, ((Field *) g_ptr_array_index (list, i))->target);
    }
  g_clear_pointer (&fields, g_hash_table_unref);
  for (guint i = 0; i < targets->len; i++)
    test_node_unref (g_ptr_array_index (targets, i));
  g_ptr_array_unref (targets);
}

/* A page holds its buffer through a field; the buffer's handler data
 * holds the page; nothing else holds either. */
static void
make_page_and_buffer (TestNode **page,
                      TestNode **buffer)
{
  *page = test_node_new ("JournalPage", "page");
  *buffer = test_node_new ("TextBuffer", "buffer");
  field_link (*page, *buffer, "field priv->buffer");
  test_node_link (*buffer, *page, "signal changed: handler data");
  test_node_unref (*page);
  test_node_unref (*buffer);
}

/* A page holds its buffer through a field; the buffer's handler data holds
 * the page: proven, the page is held from outside; counting the field, both
 * are probable garbage, in one cycle, the field edge marked probable. */
static void
test_field_cycle (void)
{
  TestNode *page, *buffer;
  g_autoptr(OuroReport) proven = NULL;
  g_autoptr(OuroReport) report = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  guint from, to;
  const char *label;

  setup ();
  make_page_and_buffer (&page, &buffer);

  proven = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (proven), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (proven), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_probable (proven), ==, 0);

  report = ouro_scan (OURO_SCAN_PROBABLE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_false (ouro_report_is_garbage (report, page));
  g_assert_cmpuint (ouro_report_get_n_probable (report), ==, 2);
  g_assert_cmpuint (ouro_report_get_n_probable_cycles (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_false (ouro_report_cycle_is_garbage (report, 0));
  g_assert_true (ouro_report_cycle_is_probable (report, 0));
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 2);
  g_assert_true (ouro_report_get_cycle_weak_edge (report, 0, &from, &to, &label));
  g_assert_cmpstr (label, ==, "signal changed: handler data");

  text = ouro_report_to_text (report);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "ouro: no leaks"));
  g_assert_nonnull (strstr (text, "2 probable garbage objects in 1 cycle"));
  g_assert_nonnull (strstr (text, "\nProbable garbage cycles: through pointer fields"));
  g_assert_nonnull (strstr (text, "Probable garbage cycle 1: 2 objects"));
  g_assert_nonnull (strstr (text, "--[field priv->buffer]--> #1 TextBuffer  (probable)"));
  g_assert_nonnull (strstr (text, "evidence: #1 has 1 reference no proven edge explains"));

  json = ouro_report_to_json (report);
  g_assert_nonnull (strstr (json, "\"n_probable_garbage\": 2"));
  g_assert_nonnull (strstr (json, "\"probable\": true, \"evidence\": { \"unexplained\": 1 }"));

  /* Read back, every form is the original's. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OuroReport) loaded = ouro_report_new_from_json (json, -1, &error);
    g_autofree char *loaded_text = NULL;
    g_autofree char *loaded_json = NULL;

    g_assert_no_error (error);
    loaded_text = ouro_report_to_text (loaded);
    loaded_json = ouro_report_to_json (loaded);
    g_assert_cmpstr (loaded_text, ==, text);
    g_assert_cmpstr (loaded_json, ==, json);
    g_assert_true (ouro_report_cycle_is_probable (loaded, 0));
    g_assert_cmpuint (ouro_report_get_n_probable (loaded), ==, 2);
  }

  /* Held from outside by the proven count, the buffer's line there points
   * at its probable cycle. */
  {
    g_autoptr(OuroReport) summary = ouro_scan (OURO_SCAN_PROBABLE | OURO_SCAN_LIVE_SUMMARY);
    g_autofree char *summary_text = ouro_report_to_text (summary);

    g_assert_nonnull (strstr (summary_text, "1 from outside)  probable garbage: see probable "
                                            "garbage cycle 1\n"));
  }

  teardown ();
}

/* A candidate the traverse already reports between the same two objects
 * adds nothing; one more than the proven edges overshoots the refcount,
 * which makes the target held from outside (never probable). */
static void
test_accounted_and_overshoot (void)
{
  TestNode *a, *b;
  g_autoptr(OuroReport) first = NULL;
  g_autoptr(OuroReport) second = NULL;

  setup ();
  a = test_node_new ("A", "a");
  b = test_node_new ("B", "b");
  test_node_link (a, b, "field b");
  test_node_link (b, a, "field a");
  field_add (b, a, "field a");           /* the same pointer, read from memory */
  test_node_unref (a);
  test_node_unref (b);

  /* Proven garbage stays proven, and nothing is probable beside it. */
  first = ouro_scan (OURO_SCAN_PROBABLE);
  g_assert_cmpuint (ouro_report_get_n_garbage (first), ==, 2);
  g_assert_cmpuint (ouro_report_get_n_probable (first), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (first), ==, 1);
  g_assert_true (ouro_report_cycle_is_garbage (first, 0));
  g_assert_false (ouro_report_cycle_is_probable (first, 0));

  /* A second pointer to a, borrowed: counted, it overshoots. */
  field_add (b, a, "field also_a");
  second = ouro_scan (OURO_SCAN_PROBABLE);
  g_assert_cmpuint (ouro_report_get_n_garbage (second), ==, 2);
  g_assert_cmpuint (ouro_report_get_n_probable (second), ==, 0);

  g_clear_pointer (&fields, g_hash_table_unref);
  fields = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  ouro_collect ();
  teardown ();
}

/* Accounting counts every earlier candidate to the same target, also one
 * a proven edge took and one to another target between them: with one
 * proven edge a -> b, candidates b, c, b from a leave the second b
 * counted, which closes the cycle through b's field. */
static void
test_accounted_interleaved (void)
{
  TestNode *a, *b, *c;
  g_autoptr(OuroReport) report = NULL;

  setup ();
  a = test_node_new ("A", "a");
  b = test_node_new ("B", "b");
  c = test_node_new ("C", "c");
  test_node_link (a, b, "child b");
  field_add (a, b, "field b");           /* the proven edge's own pointer */
  field_add (a, c, "field c");           /* borrowed: the test holds c twice */
  test_node_ref (c);
  field_link (a, b, "field also_b");     /* a second reference to b */
  field_link (b, a, "field a");
  test_node_unref (a);
  test_node_unref (b);

  report = ouro_scan (OURO_SCAN_PROBABLE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_probable (report), ==, 2);

  /* teardown () drops one reference per field: the two borrowed ones
   * took none. */
  test_node_ref (b);
  teardown ();
  test_node_unref (c);
}

/* Probable cycles whose evidence says an owner took the reference come
 * first: the page's cycle (its buffer was created in journal_page_init)
 * before the Alpha/Beta pair, which would come first by type names. */
static gpointer ranked_owned;

static void
rank_explain (gpointer         object,
              OuroExplanation *explanation,
              gpointer         user_data)
{
  const char *frames[] = { "journal_page_init (page.c:12)", NULL };

  if (object == ranked_owned)
    ouro_explanation_add_site (explanation, 1, "new", frames);
}

static void
test_owner_evidence_first (void)
{
  TestNode *alpha, *beta, *page, *buffer;
  g_autoptr(OuroReport) report = NULL;
  g_autofree char *text = NULL;
  gboolean page_first = FALSE;

  setup ();
  alpha = test_node_new ("Alpha", "alpha");
  beta = test_node_new ("Beta", "beta");
  field_link (alpha, beta, "field beta");
  field_link (beta, alpha, "field alpha");
  test_node_unref (alpha);
  test_node_unref (beta);
  make_page_and_buffer (&page, &buffer);
  ranked_owned = buffer;
  ouro_set_explain_func (rank_explain, NULL);

  report = ouro_scan (OURO_SCAN_PROBABLE);
  g_assert_cmpuint (ouro_report_get_n_probable_cycles (report), ==, 2);
  for (guint i = 0; i < ouro_report_get_cycle_size (report, 0); i++)
    page_first |= ouro_report_get_cycle_object (report, 0, i) == (gpointer) page;
  g_assert_true (page_first);
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "one was taken in journal_page_init (page.c:12)"));
  g_assert_true (strstr (text, "JournalPage") < strstr (text, "Alpha"));

  ouro_set_explain_func (NULL, NULL);
  ranked_owned = NULL;
  teardown ();
}

/* A borrowed back-pointer from a child to a parent the test holds: the
 * parent's refcount covers the test's reference, the candidate claims it,
 * and the pair looks probable: the heuristic's known weakness, which is
 * why the tier is never proven.  The evidence says no reference was taken
 * in the holder's functions. */
static void
test_borrowed_shows_evidence (void)
{
  TestNode *parent, *child;
  g_autoptr(OuroReport) report = NULL;
  g_autofree char *text = NULL;

  setup ();
  parent = test_node_new ("Parent", "parent");
  child = test_node_new ("Child", "child");
  test_node_link (parent, child, "field child");
  test_node_unref (child);
  field_add (child, parent, "field parent");   /* borrowed: no reference */

  report = ouro_scan (OURO_SCAN_PROBABLE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_probable (report), ==, 2);
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "evidence: #0 has 1 reference no proven edge explains\n"));
  g_clear_pointer (&report, ouro_report_free);

  g_clear_pointer (&fields, g_hash_table_unref);
  fields = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  test_node_unref (parent);
  teardown ();
}

/* ouro_collect () never touches probable garbage. */
static void
test_collect_leaves_probable (void)
{
  TestNode *page, *buffer;
  guint freed;

  setup ();
  make_page_and_buffer (&page, &buffer);

  freed = test_node_n_freed;
  g_assert_cmpuint (ouro_collect (), ==, 0);
  g_assert_cmpuint (test_node_n_freed, ==, freed);
  g_assert_true (ouro_is_tracked (page));
  g_assert_true (ouro_is_tracked (buffer));

  /* Break it the way the program would: drop the field's reference. */
  teardown ();
  g_assert_cmpuint (test_node_n_freed, ==, freed + 2);
}

/* Without a candidates function the flag finds nothing. */
static void
test_without_function (void)
{
  TestNode *a = test_node_new ("A", "a");
  g_autoptr(OuroReport) report = NULL;

  report = ouro_scan (OURO_SCAN_PROBABLE | OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_probable (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_probable_cycles (report), ==, 0);
  test_node_unref (a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/probable/field-cycle", test_field_cycle);
  g_test_add_func ("/probable/accounted-and-overshoot", test_accounted_and_overshoot);
  g_test_add_func ("/probable/accounted-interleaved", test_accounted_interleaved);
  g_test_add_func ("/probable/owner-evidence-first", test_owner_evidence_first);
  g_test_add_func ("/probable/borrowed-shows-evidence", test_borrowed_shows_evidence);
  g_test_add_func ("/probable/collect-leaves-probable", test_collect_leaves_probable);
  g_test_add_func ("/probable/without-function", test_without_function);

  return g_test_run ();
}
