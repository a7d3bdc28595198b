/* ouro-graph.c — building the snapshot graph from the registry.
 *
 * Not thread safe by itself: runs under the registry lock (see
 * ouro-graph-private.h).
 *
 * Two passes.  Collecting calls each class's traverse once per object and
 * appends the raw target pointers to one flat array (labels are not kept:
 * the report re-traverses the few objects it explains).  Resolving maps
 * each raw pointer to its node through the registry index; that lookup is
 * the one random memory access per edge the scan cannot avoid, so it is
 * software-pipelined: the index slot of edge e + 2D and the registry entry
 * of edge e + D are prefetched while edge e is resolved.
 */
#include "config.h"

#include "ouro-graph-private.h"

#define GRAPH_PREFETCH_DISTANCE 8

typedef struct {
  gpointer *raw;
  gsize     n_raw;
  gsize     capacity;
} GraphCollector;

static void
graph_collect_visit (gpointer    target,
                     const char *label,
                     gpointer    user_data)
{
  GraphCollector *collector = user_data;

  if (G_UNLIKELY (collector->n_raw == collector->capacity))
    {
      collector->capacity = MAX (1024, collector->capacity * 2);
      collector->raw = g_renew (gpointer, collector->raw, collector->capacity);
    }
  collector->raw[collector->n_raw++] = target;
}

/* After it: collector->raw holds every visited target (NULL included) and
 * graph->edge_start[v] the index of node v's first raw target. */
static void
graph_collect_edges (OuroGraph      *graph,
                     GraphCollector *collector)
{
  for (guint32 v = 0; v < graph->n_nodes; v++)
    {
      gpointer object = graph->objects[v];
      const OuroClass *klass = graph->classes[v];

      graph->edge_start[v] = (guint32) MIN (collector->n_raw, G_MAXUINT32);
      graph->refcounts[v] = klass->get_refcount (object);
      klass->traverse (object, graph_collect_visit, collector);
    }
}

static inline void
graph_prefetch (const void *address)
{
#if defined(__GNUC__)
  __builtin_prefetch (address, 0, 1);
#endif
}

/* After it: graph->edge_target holds, in the order collected, the node of
 * every raw target that is tracked; NULL and untracked targets are dropped
 * and counted in n_ignored_visits; edge_start is renumbered to match. */
static void
graph_resolve_edges (OuroGraph      *graph,
                     OuroRegistry   *registry,
                     GraphCollector *collector)
{
  gpointer *raw = collector->raw;
  gsize n_raw = collector->n_raw;
  guint32 mask = registry->n_slots - 1;
  guint32 *slots = registry->slots;
  gpointer *objects = registry->objects;
  guint32 next_node = 0;
  guint32 n_edges = 0;

  graph->edge_target = g_new (guint32, MAX (n_raw, 1));

  /* Invariant: raw targets [0, e) are resolved into edge_target[0, n_edges),
   * and edge_start is final for every node whose edges start before e. */
  for (gsize e = 0; e < n_raw; e++)
    {
      gpointer target = raw[e];
      guint32 slot, entry;

      while (next_node < graph->n_nodes && graph->edge_start[next_node] <= e)
        graph->edge_start[next_node++] = n_edges;

      if (e + 2 * GRAPH_PREFETCH_DISTANCE < n_raw)
        graph_prefetch (&slots[ouro_pointer_hash (raw[e + 2 * GRAPH_PREFETCH_DISTANCE],
                                                  registry->slot_shift)]);
      if (e + GRAPH_PREFETCH_DISTANCE < n_raw)
        {
          guint32 ahead = slots[ouro_pointer_hash (raw[e + GRAPH_PREFETCH_DISTANCE],
                                                   registry->slot_shift)];
          if (ahead != 0)
            graph_prefetch (&objects[ahead - 1]);
        }

      if (target == NULL)
        {
          graph->n_ignored_visits++;
          continue;
        }

      /* Invariant: no slot probed so far holds target. */
      slot = ouro_pointer_hash (target, registry->slot_shift);
      while ((entry = slots[slot]) != 0 && objects[entry - 1] != target)
        slot = (slot + 1) & mask;

      if (entry == 0)
        {
          const OuroClass *klass = graph->classes[next_node - 1];

          graph->n_ignored_visits++;
          if (G_UNLIKELY (klass->untracked_target != NULL))
            klass->untracked_target (graph->objects[next_node - 1], target);
        }
      else
        {
          graph->edge_target[n_edges++] = entry - 1;
          graph->visits[entry - 1]++;
        }
    }

  while (next_node <= graph->n_nodes)
    graph->edge_start[next_node++] = n_edges;
  graph->n_edges = n_edges;
}

gboolean
ouro_graph_build (OuroGraph    *graph,
                  OuroRegistry *registry)
{
  GraphCollector collector = { NULL, 0, 0 };
  guint32 n = registry->n_positions;

  g_assert (registry->n_dead == 0);

  memset (graph, 0, sizeof *graph);
  graph->n_nodes = n;
  graph->objects = registry->objects;
  graph->classes = g_new (const OuroClass *, MAX (n, 1));
  for (guint32 v = 0; v < n; v++)
    graph->classes[v] = ouro_registry_class_at_unlocked (registry, v);
  graph->refcounts = g_new (guint, MAX (n, 1));
  graph->visits = g_new0 (guint32, MAX (n, 1));
  graph->state = g_new0 (guint8, MAX (n, 1));
  graph->edge_start = g_new (guint32, n + 1);

  graph_collect_edges (graph, &collector);
  if (collector.n_raw >= G_MAXUINT32)
    {
      g_critical ("ouro_scan: %" G_GSIZE_FORMAT " references exceed what one scan "
                  "can hold; nothing is reported", collector.n_raw);
      g_free (collector.raw);
      graph->edge_target = NULL;
      ouro_graph_clear (graph);
      return FALSE;
    }
  graph->edge_start[n] = (guint32) collector.n_raw;

  if (registry->n_slots > 0)
    graph_resolve_edges (graph, registry, &collector);
  else
    {
      graph->edge_target = g_new (guint32, 1);
      graph->n_ignored_visits = collector.n_raw;
      for (guint32 v = 0; v <= n; v++)
        graph->edge_start[v] = 0;
    }
  g_free (collector.raw);
  return TRUE;
}

void
ouro_graph_clear (OuroGraph *graph)
{
  g_free (graph->classes);
  g_free (graph->refcounts);
  g_free (graph->visits);
  g_free (graph->state);
  g_free (graph->edge_start);
  g_free (graph->edge_target);
  g_free (graph->cycle_of);
  g_free (graph->cycle_nodes);
  g_free (graph->cycle_start);
  memset (graph, 0, sizeof *graph);
}
