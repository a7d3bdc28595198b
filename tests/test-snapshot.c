/* test-snapshot.c — live counts by type and the growth table between two
 * snapshots: largest growth first, then by name, shrinking types last.
 */
#include "test-node.h"

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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/snapshot/counts-and-diff", test_counts_and_diff);
  g_test_add_func ("/snapshot/interleaved-types", test_interleaved_types);

  return g_test_run ();
}
