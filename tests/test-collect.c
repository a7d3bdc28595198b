/* test-collect.c — ouro_collect(): garbage cycles are broken and freed,
 * live objects are never touched, garbage whose class cannot be collected
 * is named and left alone, and the count returned is the garbage found.
 * Weak references are cleared before anything is cleared, and an object
 * taken through one before that (another thread's upgrade) keeps its
 * cycle, and all it holds, alive.
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

/* ---- which members a collect clears ------------------------------------ */

/* test_node_class, with its clears written down, and can_clear refused to
 * nodes whose name starts with "held". */
static GString *cleared_names;   /* set by each test */
static guint    n_clears;        /* reset by each test */
static guint    freed_at_clear[8];   /* test_node_n_freed at each clear */

static void
counting_clear (gpointer object)
{
  TestNode *node = object;

  if (n_clears < G_N_ELEMENTS (freed_at_clear))
    freed_at_clear[n_clears] = test_node_n_freed;
  n_clears++;
  g_string_append_printf (cleared_names, "%s%s", cleared_names->len > 0 ? " " : "", node->name);
  test_node_class.clear (object);
}

static gboolean
counting_can_clear (gpointer object)
{
  return !g_str_has_prefix (((TestNode *) object)->name, "held");
}

static OuroClass counting_class;

static TestNode *
counting_node_new (const char *name)
{
  TestNode *node = test_node_new ("Node", name);

  if (counting_class.name == NULL)
    {
      counting_class = test_node_class;
      counting_class.name = "CountingTestNode";
      counting_class.clear = counting_clear;
      counting_class.can_clear = counting_can_clear;
    }
  ouro_track (node, &counting_class);   /* tracking again changes the class */
  return node;
}

/* A ring of three: one clear (the first member in tracking order) breaks
 * it, and the rest is freed by its own unrefs. */
static void
test_collect_clears_one_member (void)
{
  TestNode *a = counting_node_new ("a");
  TestNode *b = counting_node_new ("b");
  TestNode *c = counting_node_new ("c");
  guint freed_before = test_node_n_freed;

  cleared_names = g_string_new (NULL);
  n_clears = 0;
  test_node_link (a, b, "next");
  test_node_link (b, c, "next");
  test_node_link (c, a, "next");
  test_node_unref (a);
  test_node_unref (b);
  test_node_unref (c);

  g_assert_cmpuint (ouro_collect (), ==, 3);
  g_assert_cmpstr (cleared_names->str, ==, "a");
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 3);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
  g_string_free (cleared_names, TRUE);
}

/* A member its class says clear cannot act on now is passed over. */
static void
test_collect_skips_what_cannot_clear (void)
{
  TestNode *held = counting_node_new ("held");
  TestNode *b = counting_node_new ("b");
  guint freed_before = test_node_n_freed;

  cleared_names = g_string_new (NULL);
  n_clears = 0;
  test_node_link (held, b, "next");
  test_node_link (b, held, "next");
  test_node_unref (held);
  test_node_unref (b);

  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpstr (cleared_names->str, ==, "b");
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 2);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
  g_string_free (cleared_names, TRUE);
}

/* An inner cycle held by an outer one is not cleared while the outer one
 * still holds it: the outer cycle goes first (one clear), and a later
 * round clears the inner one, which by then nothing else holds. */
static void
test_collect_inner_cycle_waits (void)
{
  TestNode *o1 = counting_node_new ("o1");
  TestNode *o2 = counting_node_new ("o2");
  TestNode *i1 = counting_node_new ("i1");
  TestNode *i2 = counting_node_new ("i2");
  guint freed_before = test_node_n_freed;

  cleared_names = g_string_new (NULL);
  n_clears = 0;
  test_node_link (o1, o2, "next");
  test_node_link (o2, o1, "next");
  test_node_link (o2, i1, "inner");
  test_node_link (i1, i2, "next");
  test_node_link (i2, i1, "next");
  test_node_unref (o1);
  test_node_unref (o2);
  test_node_unref (i1);
  test_node_unref (i2);

  g_assert_cmpuint (ouro_collect (), ==, 4);
  g_assert_cmpstr (cleared_names->str, ==, "o1 i1");
  /* When i1 was cleared, the outer cycle was gone. */
  g_assert_cmpuint (freed_at_clear[1] - freed_before, ==, 2);
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 4);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
  g_string_free (cleared_names, TRUE);
}

/* A tangle: every node holds every other, so clearing one member frees
 * nothing.  The rounds escalate (1 member, then 16, then all that is
 * left), and one collect frees it all. */
static void
test_collect_tangle_escalates (void)
{
  TestNode *nodes[40];
  guint freed_before = test_node_n_freed;

  cleared_names = g_string_new (NULL);
  n_clears = 0;
  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    {
      char *name = g_strdup_printf ("t%u", i);

      nodes[i] = counting_node_new (name);
      g_free (name);
    }
  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    for (guint j = 0; j < G_N_ELEMENTS (nodes); j++)
      if (i != j)
        test_node_link (nodes[i], nodes[j], "next");
  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    test_node_unref (nodes[i]);

  g_assert_cmpuint (ouro_collect (), ==, G_N_ELEMENTS (nodes));
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, G_N_ELEMENTS (nodes));
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
  g_test_message ("cleared: %s", cleared_names->str);
  /* One member first; it freed nothing, so 16 others next (t0, no longer
   * in the cycle once cleared, is not among them); then all that is left,
   * each once, but those the earlier clears already released. */
  g_assert_true (g_str_has_prefix (cleared_names->str, "t0 "));
  g_assert_cmpuint (n_clears, >, 1 + 16);
  g_assert_cmpuint (n_clears, <=, 1 + 16 + G_N_ELEMENTS (nodes));
  g_string_free (cleared_names, TRUE);
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

/* A class whose clear_weak plays another thread that upgraded a weak
 * reference to @weak_victim between the scan and the clear: it takes a
 * strong reference, as g_weak_ref_get () would have. */
static TestNode *weak_victim;
static TestNode *weak_upgraded;
static guint     weak_clears;

static gboolean
weak_node_clear_weak (gpointer object)
{
  weak_clears++;
  if (object != weak_victim)
    return FALSE;
  weak_upgraded = test_node_ref (object);
  return TRUE;
}

static void
test_collect_weak_upgrade_keeps_cycle (void)
{
  OuroClass klass = test_node_class;
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  TestNode *held = test_node_new ("Held", "held");
  TestNode *c = test_node_new ("Other", "c");
  TestNode *d = test_node_new ("Other", "d");
  guint freed_before = test_node_n_freed;

  klass.clear_weak = weak_node_clear_weak;
  for (TestNode **node = (TestNode *[]) { a, b, held, c, d, NULL }; *node != NULL; node++)
    ouro_track (*node, &klass);
  /* a <-> b, which holds held; c <-> d, unrelated. */
  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_link (b, held, "tail");
  test_node_link (c, d, "next");
  test_node_link (d, c, "next");
  for (TestNode **node = (TestNode *[]) { a, b, held, c, d, NULL }; *node != NULL; node++)
    test_node_unref (*node);

  weak_victim = b;
  weak_clears = 0;
  /* Five garbage found; every one's weak references cleared first. */
  g_assert_cmpuint (ouro_collect (), ==, 5);
  g_assert_cmpuint (weak_clears, ==, 5);
  /* b was taken: its cycle and what it holds are left alone, untouched. */
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 2);
  g_assert_cmpuint (a->targets->len, ==, 1);
  g_assert_cmpuint (b->targets->len, ==, 2);
  g_assert_cmpuint (b->refcount, ==, 2);
  g_assert_true (ouro_is_tracked (held));

  /* The taker lets go: the next collect frees them. */
  weak_victim = NULL;
  test_node_unref (weak_upgraded);
  g_assert_cmpuint (ouro_collect (), ==, 3);
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 5);
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
  g_test_add_func ("/collect/clears-one-member", test_collect_clears_one_member);
  g_test_add_func ("/collect/skips-what-cannot-clear", test_collect_skips_what_cannot_clear);
  g_test_add_func ("/collect/inner-cycle-waits", test_collect_inner_cycle_waits);
  g_test_add_func ("/collect/tangle-escalates", test_collect_tangle_escalates);
  g_test_add_func ("/collect/weak-upgrade-keeps-cycle", test_collect_weak_upgrade_keeps_cycle);

  return g_test_run ();
}
