/* test-node.c — the tests' refcounted object model; see test-node.h. */
#include "test-node.h"

guint test_node_n_freed;

static guint
node_get_refcount (gpointer object)
{
  return ((TestNode *) object)->refcount;
}

static void
node_traverse (gpointer      object,
               OuroVisitFunc visit,
               gpointer      user_data)
{
  TestNode *node = object;

  for (guint i = 0; i < node->targets->len; i++)
    visit (node->targets->pdata[i], node->labels->pdata[i], user_data);
  for (guint i = 0; i < node->extra_visits->len; i++)
    visit (node->extra_visits->pdata[i], "extra visit", user_data);
  for (guint i = 0; i < node->weak_targets->len; i++)
    ouro_visit_weak (visit, node->weak_targets->pdata[i], "weak pointer", user_data);
}

static const char *
node_get_type_name (gpointer object)
{
  return ((TestNode *) object)->type_name;
}

static char *
node_describe (gpointer object)
{
  return g_strdup_printf ("\"%s\"", ((TestNode *) object)->name);
}

static void
node_ref (gpointer object)
{
  test_node_ref (object);
}

static void
node_unref (gpointer object)
{
  test_node_unref (object);
}

static void
node_clear (gpointer object)
{
  TestNode *node = object;
  GPtrArray *targets = node->targets;

  node->targets = g_ptr_array_new ();
  g_ptr_array_set_size (node->labels, 0);
  for (guint i = 0; i < targets->len; i++)
    test_node_unref (targets->pdata[i]);
  g_ptr_array_unref (targets);
}

const OuroClass test_node_class = {
  .name = "TestNode",
  .get_refcount = node_get_refcount,
  .traverse = node_traverse,
  .get_type_name = node_get_type_name,
  .describe = node_describe,
  .ref = node_ref,
  .unref = node_unref,
  .clear = node_clear,
};

const OuroClass test_node_plain_class = {
  .name = "PlainTestNode",
  .get_refcount = node_get_refcount,
  .traverse = node_traverse,
  .get_type_name = node_get_type_name,
  .describe = node_describe,
};

static TestNode *
node_new (const char      *type_name,
          const char      *name,
          const OuroClass *klass)
{
  TestNode *node = g_new0 (TestNode, 1);

  node->refcount = 1;
  node->type_name = type_name;
  node->name = g_strdup (name);
  node->targets = g_ptr_array_new ();
  node->labels = g_ptr_array_new ();
  node->extra_visits = g_ptr_array_new ();
  node->weak_targets = g_ptr_array_new ();
  ouro_track (node, klass);
  return node;
}

TestNode *
test_node_new (const char *type_name,
               const char *name)
{
  return node_new (type_name, name, &test_node_class);
}

TestNode *
test_node_new_plain (const char *type_name,
                     const char *name)
{
  return node_new (type_name, name, &test_node_plain_class);
}

TestNode *
test_node_ref (TestNode *node)
{
  node->refcount++;
  return node;
}

void
test_node_unref (TestNode *node)
{
  g_assert_cmpuint (node->refcount, >, 0);
  if (--node->refcount > 0)
    return;

  ouro_untrack (node);
  node_clear (node);
  g_ptr_array_unref (node->targets);
  g_ptr_array_unref (node->labels);
  g_ptr_array_unref (node->extra_visits);
  g_ptr_array_unref (node->weak_targets);
  g_free (node->name);
  g_free (node);
  test_node_n_freed++;
}

void
test_node_link (TestNode   *from,
                TestNode   *to,
                const char *label)
{
  g_ptr_array_add (from->targets, test_node_ref (to));
  g_ptr_array_add (from->labels, (gpointer) g_intern_string (label));
}

void
test_node_link_weak (TestNode *from,
                     TestNode *to)
{
  g_ptr_array_add (from->weak_targets, to);
}

void
test_node_visit_also (TestNode *from,
                      gpointer  pointer)
{
  g_ptr_array_add (from->extra_visits, pointer);
}

char *
test_mask_addresses (const char *text)
{
  GRegex *regex = g_regex_new ("0x[0-9a-f]+", G_REGEX_RAW, 0, NULL);
  char *masked = g_regex_replace_literal (regex, text, -1, 0, "0xADDR", 0, NULL);

  g_regex_unref (regex);
  return masked;
}
