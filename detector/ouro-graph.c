/* ouro-graph.c — building the snapshot graph from the registry.
 *
 * Not thread safe by itself: runs under the registry lock (see
 * ouro-graph-private.h).
 *
 * One pass over the registry: each class's get_refcount and traverse run
 * once per object, in tracking order, and every visited target goes into a
 * small batch.  Resolving a target (pointer -> node) is the one random
 * memory access per edge a scan cannot avoid, two dependent loads deep:
 * the index slot, then the node, which holds both the pointer that
 * confirms the slot and the visit counter.  One edge at a time, each waits
 * for its misses in a row.  A batch of 64 resolves in stages instead (hash
 * every target and request its slot; read every slot and request its node;
 * confirm and count: ouro_graph_resolve_batch (), which the parallel build
 * shares), so the misses of a batch overlap.  (A pipeline that
 * requested one batch's slots while the next filled was tried: no faster,
 * the machine drops software prefetches beyond ~20 in flight.)
 *
 * The batch is small enough to stay in L1 and nothing else is kept per
 * visit: no array of raw pointers (24 MiB at 3M edges, faulted in and
 * unmapped by every scan before).  Labels are not kept either: the report
 * re-traverses the few objects it explains.
 *
 * The working arrays (nodes, states, fingerprints, edges: ~29 bytes per
 * object and 4 per edge) are kept from one scan to the next, under the registry lock: a
 * leak test scans after every iteration, and fresh arrays cost every scan
 * a page fault per 4 KiB (12% of a 100k-object scan).  They are given back
 * when a scan needs less than a quarter of them.
 */
#include "config.h"

#include "ouro-graph-private.h"

/* Targets visited and not yet resolved, with their sources. */
typedef struct {
  gpointer            target[OURO_GRAPH_BATCH];
  guint32             source[OURO_GRAPH_BATCH];
  guint32             node[OURO_GRAPH_BATCH];  /* resolved: node or OURO_NODE_NONE */
  guint32             n;
} GraphBatch;

typedef struct {
  OuroGraph          *graph;
  const OuroRegistry *registry;
  guint32             node;          /* the node being traversed */
  guint64             fingerprint;   /* of its targets visited so far */

  GraphBatch          batch;

  guint32             next_start;    /* first node whose edge_start is not final */
  guint64             n_visits;      /* every visit, NULL included */
  gboolean            overflow;      /* edges past 32-bit numbers were dropped */
} GraphBuilder;

gboolean
ouro_graph_reserve_edges (OuroGraph *graph,
                          guint64    wanted)
{
  if (G_LIKELY (wanted <= graph->edge_capacity))
    return TRUE;
  if (wanted >= G_MAXUINT32)
    return FALSE;
  graph->edge_capacity = (guint32) MIN (MAX (wanted, (guint64) graph->edge_capacity * 2),
                                       G_MAXUINT32 - 1);
  graph->edge_target = g_renew (guint32, graph->edge_target, graph->edge_capacity);
  return TRUE;
}

/* After it: the batch is empty; each of its targets that is tracked is
 * appended to edge_target (in visiting order) and counted in its node's
 * visits, each other one ignored (ouro_graph_ignore_visit ()); edge_start
 * is final for every node up to the last source. */
static void
graph_resolve_batch (GraphBuilder *builder)
{
  OuroGraph *graph = builder->graph;
  GraphBatch *batch = &builder->batch;
  const OuroGraphCounter counter = ouro_graph_nodes_counter (graph);

  /* Room for the whole batch keeps the loop free of checks.  Past 32-bit
   * edge numbers the batch is dropped, and the build fails. */
  if (!ouro_graph_reserve_edges (graph, (guint64) graph->n_edges + batch->n))
    {
      builder->overflow = TRUE;
      batch->n = 0;
      return;
    }

  ouro_graph_resolve_batch (builder->registry, batch->target, batch->n, batch->node, &counter);
  for (guint32 i = 0; i < batch->n; i++)
    {
      guint32 source = batch->source[i];

      while (builder->next_start <= source)
        graph->edge_start[builder->next_start++] = graph->n_edges;
      if (G_LIKELY (batch->node[i] != OURO_NODE_NONE))
        graph->edge_target[graph->n_edges++] = batch->node[i];
      else
        ouro_graph_ignore_visit (graph, source, batch->target[i]);
    }
  batch->n = 0;
}

static void
graph_visit (gpointer    target,
             const char *label,
             gpointer    user_data)
{
  GraphBuilder *builder = user_data;
  GraphBatch *batch = &builder->batch;

  builder->n_visits++;
  if (target == NULL)
    {
      builder->graph->n_ignored_visits++;
      return;
    }
  builder->fingerprint = ouro_graph_fingerprint (builder->fingerprint, target);
  batch->target[batch->n] = target;
  batch->source[batch->n] = builder->node;
  if (G_UNLIKELY (++batch->n == OURO_GRAPH_BATCH))
    graph_resolve_batch (builder);
}

/* After it (when it returns TRUE): refcounts, visits, fingerprints,
 * edge_start, edge_target, n_edges and n_ignored_visits describe every
 * node. */
static gboolean
graph_collect_edges (GraphBuilder *builder)
{
  OuroGraph *graph = builder->graph;
  guint32 n = graph->n_nodes;

  /* Invariant: nodes [0, v) have been traversed; their resolved targets
   * are in edge_target or in the batch. */
  for (guint32 v = 0; v < n; v++)
    {
      builder->node = v;
      builder->fingerprint = OURO_GRAPH_FINGERPRINT_SEED;
      ouro_graph_read_node (graph, v, graph_visit, builder);
      graph->fingerprint[v] = builder->fingerprint;
    }

  graph_resolve_batch (builder);
  if (builder->n_visits >= G_MAXUINT32 || builder->overflow)
    return FALSE;
  while (builder->next_start <= n)
    graph->edge_start[builder->next_start++] = graph->n_edges;
  return TRUE;
}

/* Below it a second thread costs more than it saves: starting it takes
 * ~50-100 us, and a graph this small resolves from the caches anyway. */
#define GRAPH_PARALLEL_MIN_NODES 65536

static guint32 graph_parallel_min_nodes = GRAPH_PARALLEL_MIN_NODES;

guint32
ouro_graph_get_parallel_min_nodes (void)
{
  return g_atomic_int_get ((gint *) &graph_parallel_min_nodes);
}

void
ouro_graph_set_parallel_min_nodes (guint32 n_nodes)
{
  g_atomic_int_set ((gint *) &graph_parallel_min_nodes, (gint) n_nodes);
}

/* Whether @n nodes are worth a second thread on this machine. */
static gboolean
graph_wants_parallel (guint32 n)
{
  static gsize n_processors_once;
  static guint n_processors;

  if (g_once_init_enter (&n_processors_once))
    {
      n_processors = g_get_num_processors ();
      g_once_init_leave (&n_processors_once, 1);
    }
  return n_processors >= 2 && n >= ouro_graph_get_parallel_min_nodes ();
}

/* The arrays of the last graph cleared; under the registry lock. */
static OuroGraph graph_scratch;

static void
graph_free_arrays (OuroGraph *graph)
{
  g_free (graph->nodes);
  g_free (graph->state);
  g_free (graph->fingerprint);
  g_free (graph->edge_start);
  g_free (graph->edge_target);
}

/* After it: @graph's nodes, state, fingerprint and edge_start hold at least @n nodes
 * (state all zero), edge_target some room; from the scratch arrays when
 * they fit and are not far too big. */
static void
graph_take_arrays (OuroGraph *graph,
                   guint32    n)
{
  guint32 wanted = MAX (n, 1024);

  if (graph_scratch.node_capacity < wanted || graph_scratch.node_capacity / 4 > wanted)
    {
      graph_free_arrays (&graph_scratch);
      memset (&graph_scratch, 0, sizeof graph_scratch);
      /* Headroom, so that a registry growing slowly (a leak test's) does
       * not reallocate at every scan. */
      wanted = (guint32) MIN ((guint64) wanted + wanted / 4, G_MAXUINT32 - 1);
      graph->node_capacity = wanted;
      graph->nodes = g_new (OuroGraphNode, wanted);
      graph->state = g_new (guint8, wanted);
      graph->fingerprint = g_new (guint64, wanted);
      graph->edge_start = g_new (guint32, (gsize) wanted + 1);
      graph->edge_capacity = (guint32) MIN ((guint64) wanted * 4, G_MAXUINT32 - 1);
      graph->edge_target = g_new (guint32, graph->edge_capacity);
    }
  else
    {
      graph->node_capacity = graph_scratch.node_capacity;
      graph->nodes = graph_scratch.nodes;
      graph->state = graph_scratch.state;
      graph->fingerprint = graph_scratch.fingerprint;
      graph->edge_start = graph_scratch.edge_start;
      graph->edge_capacity = graph_scratch.edge_capacity;
      graph->edge_target = graph_scratch.edge_target;
      memset (&graph_scratch, 0, sizeof graph_scratch);
    }
  memset (graph->state, 0, n);
}

gboolean
ouro_graph_build (OuroGraph    *graph,
                  OuroRegistry *registry,
                  gboolean      gather_candidates)
{
  GraphBuilder *builder;
  guint32 n = registry->n_positions;
  gboolean built;

  g_assert (registry->n_dead == 0);
  /* A registry that never held anything has no index, and no nodes to
   * visit from. */
  g_assert (n == 0 || registry->n_slots > 0);

  memset (graph, 0, sizeof *graph);
  graph->n_nodes = n;
  graph->objects = registry->objects;
  graph->class_ids = registry->class_ids;
  graph->class_table = registry->classes;
  graph_take_arrays (graph, n);
  if (gather_candidates)
    graph->gathered = ouro_graph_gathered_new ();
  for (guint32 v = 0; v < n; v++)
    graph->nodes[v] = (OuroGraphNode) { registry->objects[v], 0, 0 };

  builder = g_new0 (GraphBuilder, 1);
  builder->graph = graph;
  builder->registry = registry;

  if (graph_wants_parallel (n)
      && ouro_graph_collect_edges_parallel (graph, registry, &builder->n_visits, &builder->overflow))
    built = builder->n_visits < G_MAXUINT32 && !builder->overflow;
  else
    built = graph_collect_edges (builder);
  if (!built)
    {
      g_critical ("ouro_scan: %" G_GUINT64_FORMAT " references exceed what one scan "
                  "can hold; nothing is reported", builder->n_visits);
      ouro_graph_clear (graph);
    }
  g_free (builder);
  return built;
}

void
ouro_graph_clear (OuroGraph *graph)
{
  if (graph->node_capacity >= graph_scratch.node_capacity)
    {
      graph_free_arrays (&graph_scratch);
      graph_scratch.nodes = graph->nodes;
      graph_scratch.state = graph->state;
      graph_scratch.fingerprint = graph->fingerprint;
      graph_scratch.edge_start = graph->edge_start;
      graph_scratch.edge_target = graph->edge_target;
      graph_scratch.node_capacity = graph->node_capacity;
      graph_scratch.edge_capacity = graph->edge_capacity;
    }
  else
    graph_free_arrays (graph);
  g_free (graph->cycle_of);
  g_free (graph->cycle_nodes);
  g_free (graph->cycle_start);
  ouro_graph_probable_free (graph);
  memset (graph, 0, sizeof *graph);
}
