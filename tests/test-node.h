/* test-node.h — a small refcounted object model the tests build graphs of.
 *
 * Not thread safe.  A TestNode holds strong references to other nodes
 * through labelled edges; its class traverses them, describes the node by
 * name, and supports ouro_collect().  Freed nodes are counted so tests can
 * check what a collect released.
 */
#pragma once

#include <ouro.h>

typedef struct {
  guint       refcount;
  const char *type_name;   /* static */
  char       *name;
  GPtrArray  *targets;     /* TestNode*, each holding a reference */
  GPtrArray  *labels;      /* const char*, static or interned */
  GPtrArray  *extra_visits; /* gpointer visited without holding a reference */
  GPtrArray  *weak_targets; /* TestNode* pointed to weakly (ouro_visit_weak) */
} TestNode;

extern const OuroClass test_node_class;        /* with ref/unref/clear */
extern const OuroClass test_node_plain_class;  /* no ref/unref/clear */
extern guint test_node_n_freed;

TestNode *test_node_new        (const char *type_name,
                                const char *name);
TestNode *test_node_new_plain  (const char *type_name,
                                const char *name);
TestNode *test_node_ref        (TestNode   *node);
void      test_node_unref      (TestNode   *node);
/* @from takes a reference on @to, visited with @label. */
void      test_node_link       (TestNode   *from,
                                TestNode   *to,
                                const char *label);
/* @from visits @pointer without a reference: a traverse bug, or a NULL or
 * untracked pointer that the scan must ignore. */
void      test_node_visit_also (TestNode   *from,
                                gpointer    pointer);
/* @from points to @to without a reference, reported with ouro_visit_weak. */
void      test_node_link_weak  (TestNode   *from,
                                TestNode   *to);
/* Replaces a report's 0x… addresses with 0xADDR, for golden files. */
char     *test_mask_addresses  (const char *text);
