/* ouro-holders.c — the chain of strong references that keeps an object
 * alive (heapgraph's find_roots, objgraph's find_backref_chain).
 *
 * MT safe: one scan under the registry lock, like ouro_scan ().
 *
 * After the scan's phases, the edges are transposed (one counting pass,
 * one filling pass: CSR of predecessors) and a breadth-first search runs
 * backwards from the object until it meets a node held from outside
 * (refcount above the references visited), an inconsistent or a dying
 * one: the shortest chain of holders.  Labels are found by traversing each
 * holder on the chain once more, for the edge to the next.
 *
 * When the chain ends in an object held from outside and a candidates
 * function is set (ouro_set_candidates_func ()), the objects whose pointer
 * fields may hold it are looked for (one pass over every object's
 * candidates): the first one found names the holder, marked probable, and
 * the search goes on from it, a few hops at most.  A holder is only named,
 * never proven: the line says the field may be borrowed.
 */
#include "config.h"

#include "ouro-graph-private.h"
#include "ouro-holders-private.h"
#include "ouro-registry-private.h"
#include "ouro-report-private.h"

#define HOLDERS_ROOT_BITS (OURO_NODE_ROOT | OURO_NODE_INCONSISTENT | OURO_NODE_DYING)

/* The references one object's traverse (or candidates) function visits
 * to one target: how many, and the first one's label. */
typedef struct {
  gpointer    target;
  const char *label;    /* first label seen for target */
  guint       n_found;
} LabelFinder;

static void
holders_find_label (gpointer    target,
                    const char *label,
                    gpointer    user_data)
{
  LabelFinder *finder = user_data;

  if (target != finder->target)
    return;
  if (finder->n_found++ == 0)
    finder->label = label != NULL ? label : "(unlabelled)";
}

/* Where a class's describe_late text goes, once the lock is released. */
typedef struct {
  gsize            position;   /* in the output, just after the identity */
  gpointer         object;
  const OuroClass *klass;
} HoldersLate;

/* After it: @out names @node; when its class has describe_late, @late
 * says where that text goes. */
static void
holders_append_object (GString         *out,
                       GArray          *late,
                       const OuroGraph *graph,
                       guint32          node)
{
  const OuroClass *klass = ouro_graph_class (graph, node);
  gpointer object = graph->objects[node];
  const char *type_name = ouro_class_get_type_name (klass, object);
  char *description = klass->describe != NULL ? klass->describe (object) : NULL;

  ouro_report_append_identity (out, type_name, object, description);
  g_free (description);
  if (klass->describe != NULL && klass->describe_late != NULL)
    {
      HoldersLate entry = { out->len, object, klass };
      g_array_append_val (late, entry);
    }
}

/* After it: every describe_late text is in @out.  Runs application code:
 * requires the registry lock released. */
static void
holders_describe_late (GString *out,
                       GArray  *late)
{
  /* Each in the order describe ran, inserted from the end backwards so
   * the positions before it stay true. */
  char **texts = g_new0 (char *, MAX (late->len, 1));

  for (guint i = 0; i < late->len; i++)
    {
      HoldersLate *entry = &g_array_index (late, HoldersLate, i);
      texts[i] = entry->klass->describe_late (entry->object);
    }
  for (guint i = late->len; i > 0; i--)
    {
      HoldersLate *entry = &g_array_index (late, HoldersLate, i - 1);
      char *text = texts[i - 1];

      if (text != NULL && text[0] != '\0')
        {
          /* One line per object: a newline in a property would break it. */
          g_strdelimit (text, "\n\r", ' ');
          g_string_insert (out, (gssize) entry->position, text);
          g_string_insert_c (out, (gssize) entry->position, ' ');
        }
      g_free (text);
    }
  g_free (texts);
}

/* Returns the newest node of @type_name, or OURO_NODE_NONE. */
static guint32
holders_find_newest (const OuroGraph *graph,
                     const char      *type_name)
{
  for (guint32 v = graph->n_nodes; v > 0; v--)
    if (strcmp (ouro_class_get_type_name (ouro_graph_class (graph, v - 1), graph->objects[v - 1]),
                type_name) == 0)
      return v - 1;
  return OURO_NODE_NONE;
}

/* After it: parent[v] is the successor of v on a shortest path from v to
 * @start along edges (v holds parent[v]), for every node the backward
 * search reached; returns the first root it met, or OURO_NODE_NONE. */
static guint32
holders_search_back (const OuroGraph *graph,
                     guint32          start,
                     guint32         *parent)
{
  guint32 n = graph->n_nodes;
  guint32 *in_start = g_new0 (guint32, n + 1);
  guint32 *in_source = g_new (guint32, MAX (graph->n_edges, 1));
  guint32 *fill = g_new (guint32, MAX (n, 1));
  guint32 *queue = g_new (guint32, MAX (n, 1));
  guint32 head = 0, tail = 0, found = OURO_NODE_NONE;

  /* Transpose: count, prefix-sum, fill. */
  for (guint32 e = 0; e < graph->n_edges; e++)
    in_start[graph->edge_target[e] + 1]++;
  for (guint32 v = 0; v < n; v++)
    in_start[v + 1] += in_start[v];
  memcpy (fill, in_start, n * sizeof (guint32));
  for (guint32 v = 0; v < n; v++)
    for (guint32 e = graph->edge_start[v]; e < graph->edge_start[v + 1]; e++)
      in_source[fill[graph->edge_target[e]]++] = v;

  for (guint32 v = 0; v < n; v++)
    parent[v] = OURO_NODE_NONE;
  parent[start] = start;
  queue[tail++] = start;

  /* Invariant: queue[head, tail) are reached nodes whose holders are not
   * yet looked at; parent[] leads each reached node back to start. */
  while (head < tail && found == OURO_NODE_NONE)
    {
      guint32 v = queue[head++];

      if (graph->state[v] & HOLDERS_ROOT_BITS)
        {
          found = v;
          break;
        }
      for (guint32 i = in_start[v]; i < in_start[v + 1]; i++)
        {
          guint32 holder = in_source[i];

          if (parent[holder] != OURO_NODE_NONE)
            continue;
          parent[holder] = v;
          queue[tail++] = holder;
        }
    }

  g_free (in_start);
  g_free (in_source);
  g_free (fill);
  g_free (queue);
  return found;
}

/* Finds a tracked object that may hold @held through a candidate
 * reference (a pointer field): the first node, in node order, with more
 * candidates to @held than proven edges to it.  Returns it, or
 * OURO_NODE_NONE; @out_label gets the candidate's label. */
static guint32
holders_find_candidate_holder (const OuroGraph *graph,
                               guint32          held,
                               const char     **out_label)
{
  OuroCandidatesFunc func;
  gpointer func_data;

  if (!ouro_graph_get_candidates_func (&func, &func_data))
    return OURO_NODE_NONE;
  for (guint32 u = 0; u < graph->n_nodes; u++)
    {
      LabelFinder finder = { graph->objects[held], NULL, 0 };
      guint n_proven = 0;

      if (u == held || (graph->state[u] & OURO_NODE_DYING))
        continue;
      func (graph->objects[u], ouro_graph_class (graph, u), holders_find_label, &finder,
            func_data);
      if (finder.n_found == 0)
        continue;
      for (guint32 e = graph->edge_start[u]; e < graph->edge_start[u + 1]; e++)
        n_proven += graph->edge_target[e] == held;
      if (finder.n_found > n_proven)
        {
          *out_label = finder.label;
          return u;
        }
    }
  return OURO_NODE_NONE;
}

/* After it: @out has one line per holder on a shortest chain of proven
 * references from a root down to @sample ("<- [label] of Holder"), read
 * from @parent (holders_search_back ()). */
static void
holders_append_chain (GString         *out,
                      GArray          *late,
                      const OuroGraph *graph,
                      const char      *indent,
                      guint32          sample,
                      guint32          root,
                      const guint32   *parent)
{
  GArray *path = g_array_new (FALSE, FALSE, sizeof (guint32));

  /* parent[] leads from the root down to the sample; read it back to
   * front, so each line names a holder and the reference by which it
   * holds the object on the line before. */
  for (guint32 u = root; u != sample; u = parent[u])
    g_array_append_val (path, u);
  for (guint i = path->len; i > 0; i--)
    {
      guint32 holder = g_array_index (path, guint32, i - 1);
      guint32 held = i < path->len ? g_array_index (path, guint32, i) : sample;
      LabelFinder finder = { graph->objects[held], NULL, 0 };

      ouro_graph_class (graph, holder)->traverse (graph->objects[holder], holders_find_label, &finder);
      g_string_append_printf (out, "%s  <- [%s] of ", indent,
                              finder.label != NULL ? finder.label : "(unlabelled)");
      holders_append_object (out, late, graph, holder);
      g_string_append_c (out, '\n');
    }
  g_array_unref (path);
}

#define HOLDERS_MAX_PROBABLE_HOPS 8

char *
ouro_holders_describe_newest (const char *type_name,
                              const char *indent)
{
  OuroGraph graph;
  GString *out = NULL;
  guint32 sample, root;
  guint32 *parent;
  gboolean *on_chain;
  GArray *late;

  g_return_val_if_fail (type_name != NULL, NULL);
  if (indent == NULL)
    indent = "";

  if (ouro_registry_refuse_reentry ("ouro_holders_describe_newest"))
    return NULL;
  late = g_array_new (FALSE, FALSE, sizeof (HoldersLate));
  ouro_registry_lock_for_scan ();
  if (!ouro_scan_run_unlocked (&graph, OURO_SCAN_GARBAGE))
    {
      ouro_registry_unlock_after_scan ();
      g_array_unref (late);
      return NULL;
    }

  sample = holders_find_newest (&graph, type_name);
  if (sample != OURO_NODE_NONE)
    {
      parent = g_new (guint32, MAX (graph.n_nodes, 1));
      root = holders_search_back (&graph, sample, parent);
      on_chain = g_new0 (gboolean, MAX (graph.n_nodes, 1));

      out = g_string_new (NULL);
      g_string_append_printf (out, "%snewest: ", indent);
      holders_append_object (out, late, &graph, sample);
      g_string_append_c (out, '\n');

      /* Proven chains, joined by candidate references where a chain ends
       * in an object held from outside that a pointer field may hold: a
       * name for the holder instead of "from outside", marked probable. */
      for (guint hop = 0; ; hop++)
        {
          guint32 holder;
          const char *label = NULL;

          if (root == OURO_NODE_NONE)
            {
              g_string_append_printf (out, "%s  held only by garbage (see the cycles above)\n",
                                      indent);
              break;
            }
          holders_append_chain (out, late, &graph, indent, sample, root, parent);
          for (guint32 u = root; ; u = parent[u])
            {
              on_chain[u] = TRUE;
              if (u == sample)
                break;
            }
          if (graph.state[root] & OURO_NODE_INCONSISTENT)
            {
              g_string_append_printf (out, "%s  (held as live: its traverse reports more "
                                      "references than its refcount allows)\n", indent);
              break;
            }
          if (graph.state[root] & OURO_NODE_DYING)
            {
              g_string_append_printf (out, "%s  (held by an object being finalized)\n", indent);
              break;
            }
          holder = hop < HOLDERS_MAX_PROBABLE_HOPS
                   ? holders_find_candidate_holder (&graph, root, &label)
                   : OURO_NODE_NONE;
          if (holder == OURO_NODE_NONE)
            {
              guint unexplained = graph.nodes[root].refcount - graph.nodes[root].visits;

              g_string_append_printf (out, "%s  held by %u unexplained %s (from outside the "
                                      "tracked objects: a global, a local, a toggle reference, "
                                      "an untracked holder)\n",
                                      indent, unexplained,
                                      unexplained == 1 ? "reference" : "references");
              break;
            }
          g_string_append_printf (out, "%s  <- [%s] of ", indent, label);
          holders_append_object (out, late, &graph, holder);
          g_string_append (out, "  (probable: a pointer field, maybe borrowed)\n");
          if (on_chain[holder])
            {
              g_string_append_printf (out, "%s  (a probable cycle: that object is already on "
                                      "this chain)\n", indent);
              break;
            }
          sample = holder;
          root = holders_search_back (&graph, sample, parent);
        }
      g_free (parent);
      g_free (on_chain);
    }

  ouro_graph_clear (&graph);
  ouro_registry_unlock_after_scan ();
  if (out != NULL)
    holders_describe_late (out, late);
  g_array_unref (late);
  return out != NULL ? g_string_free (out, FALSE) : NULL;
}
