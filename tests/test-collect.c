/* test-collect.c — ouro_collect(): garbage cycles are broken and freed,
 * live objects are never touched, garbage whose class cannot be collected
 * is named and left alone, and the count returned is the garbage found.
 */
#include "test-node.h"

static void
test_collect_cycle_and_tail (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  TestNode *t = test_node_new ("Tail", "t");
  guint freed_before = test_node_n_freed;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_link (b, t, "tail");
  test_node_unref (a);
  test_node_unref (b);
  test_node_unref (t);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 3);

  g_assert_cmpuint (ouro_collect (), ==, 3);
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 3);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);

  /* Nothing left: a second collect finds nothing. */
  g_assert_cmpuint (ouro_collect (), ==, 0);
}

static void
test_collect_leaves_live_alone (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  TestNode *lone = test_node_new ("Node", "lone");
  guint freed_before = test_node_n_freed;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_unref (b);
  /* The test holds a (and so b) and lone. */

  g_assert_cmpuint (ouro_collect (), ==, 0);
  g_assert_cmpuint (test_node_n_freed, ==, freed_before);
  g_assert_cmpuint (a->refcount, ==, 2);
  g_assert_cmpuint (b->refcount, ==, 1);
  g_assert_cmpuint (a->targets->len, ==, 1);
  g_assert_cmpuint (b->targets->len, ==, 1);

  test_node_unref (lone);
  test_node_unref (a);
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 3);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* Garbage of a class without ref/unref/clear is counted, named in a
 * message, and not touched. */
static void
test_collect_refuses_plain_class (void)
{
  TestNode *a = test_node_new_plain ("Plain", "a");
  TestNode *b = test_node_new_plain ("Plain", "b");
  guint freed_before = test_node_n_freed;
  OuroReport *report;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_unref (a);
  test_node_unref (b);

  g_test_expect_message ("Ouro", G_LOG_LEVEL_MESSAGE,
                         "ouro_collect: 2 garbage object(s) of class PlainTestNode left leaking*");
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (test_node_n_freed, ==, freed_before);
  g_assert_cmpuint (a->refcount, ==, 1);
  g_assert_cmpuint (a->targets->len, ==, 1);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  ouro_report_free (report);

  /* Break it by hand. */
  g_ptr_array_set_size (b->targets, 0);
  g_ptr_array_set_size (b->labels, 0);
  test_node_unref (a);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* A plain-class object held only by a collectable cycle is freed when the
 * cycle is, so no message names it. */
static void
test_collect_frees_plain_tail (void)
{
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  TestNode *plain = test_node_new_plain ("Plain", "tail");
  guint freed_before = test_node_n_freed;

  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_link (b, plain, "tail");
  test_node_unref (a);
  test_node_unref (b);
  test_node_unref (plain);

  g_assert_cmpuint (ouro_collect (), ==, 3);
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 3);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* Many independent cycles in one collect. */
static void
test_collect_many (void)
{
  guint freed_before = test_node_n_freed;

  for (guint i = 0; i < 1000; i++)
    {
      TestNode *a = test_node_new ("Node", "a");
      TestNode *b = test_node_new ("Node", "b");

      test_node_link (a, b, "next");
      test_node_link (b, a, "next");
      test_node_unref (a);
      test_node_unref (b);
    }
  g_assert_cmpuint (ouro_collect (), ==, 2000);
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 2000);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/collect/cycle-and-tail", test_collect_cycle_and_tail);
  g_test_add_func ("/collect/leaves-live-alone", test_collect_leaves_live_alone);
  g_test_add_func ("/collect/refuses-plain-class", test_collect_refuses_plain_class);
  g_test_add_func ("/collect/frees-plain-tail", test_collect_frees_plain_tail);
  g_test_add_func ("/collect/many", test_collect_many);

  return g_test_run ();
}
