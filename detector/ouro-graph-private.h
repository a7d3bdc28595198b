/* ouro-graph-private.h — the snapshot graph a scan works on.
 *
 * Not thread safe by itself: a graph is built and used under the registry
 * lock, by the one thread that scans.
 *
 * Nodes are registry positions (tracking order); all per-node data lives in
 * parallel arrays indexed by node number, edges in compressed sparse rows.
 * Every phase after the build walks these arrays only: no hash lookups, no
 * allocation per edge, no recursion.
 */
#pragma once

#include "ouro-types.h"
#include "ouro-registry-private.h"
#include "ouro-scan.h"

G_BEGIN_DECLS

#define OURO_NODE_NONE G_MAXUINT32

/* Bits of OuroGraph.state. */
enum {
  OURO_NODE_LIVE         = 1 << 0,  /* reachable from an object held from outside */
  OURO_NODE_ROOT         = 1 << 1,  /* held from outside: refcount > visits */
  OURO_NODE_INCONSISTENT = 1 << 2,  /* traverse reports more refs than refcount */
  OURO_NODE_DYING        = 1 << 3,  /* refcount 0: being finalized, never garbage */
  OURO_NODE_SELF_LOOP    = 1 << 4,  /* has an edge to itself */
  OURO_NODE_ON_STACK     = 1 << 5,  /* scratch bit of the SCC search */
  OURO_NODE_CHANGED      = 1 << 6,  /* refcount or references changed during the scan */
};

/* What a scan counts per node.  The object pointer is a copy of the
 * registry's, next to the counter: resolving an edge confirms its target
 * and counts it on one cache line. */
typedef struct {
  gpointer         object;
  guint32          visits;      /* edges into the node */
  guint            refcount;
} OuroGraphNode;

typedef struct _OuroGraph {
  guint32          n_nodes;
  gpointer        *objects;     /* [n_nodes]; borrowed from the registry */
  guint16         *class_ids;   /* [n_nodes]; borrowed from the registry */
  const OuroClass **class_table; /* indexed by class_ids; borrowed */
  OuroGraphNode   *nodes;       /* [n_nodes] */
  guint8          *state;       /* [n_nodes]; OURO_NODE_* bits */
  guint64         *fingerprint; /* [n_nodes]; ouro_graph_fingerprint () of the
                                   targets each traverse visited, for the
                                   confirmation; after it, the cycle search's
                                   scratch (see ouro-graph-cycles.c) */
  guint32          n_garbage;   /* nodes left without LIVE by the mark phase */
  guint32          n_changed;   /* garbage candidates the confirmation refused */

  guint32         *edge_start;  /* [n_nodes + 1]; node v's edges are  */
  guint32         *edge_target; /* edge_target[edge_start[v] .. edge_start[v + 1]) */
  guint32          n_edges;
  guint32          node_capacity; /* of nodes, state and edge_start (+ 1) */
  guint32          edge_capacity; /* of edge_target */
  guint64          n_ignored_visits; /* NULL or untracked targets */

  /* Cycles: strongly connected components with 2+ nodes or a self edge,
   * as found by ouro_graph_find_cycles(); members of cycle c are
   * cycle_nodes[cycle_start[c] .. cycle_start[c + 1]). */
  guint32         *cycle_of;    /* [n_nodes]; cycle number or OURO_NODE_NONE */
  guint32         *cycle_nodes;
  guint32         *cycle_start; /* [n_cycles + 1] */
  guint32          n_cycles;

  /* The probable tier (ouro-graph-probable.c), when the scan asked for it
   * and a candidates function is set: a view of this graph, NULL
   * otherwise.  is_probable_view says a graph is such a view. */
  struct _OuroGraph *probable;
  gboolean         is_probable_view;
  /* While a scan that asked for the probable tier builds the graph: the
   * candidates function, called for each node just after its traverse
   * (its memory is in the cache then), and what it visited; NULL
   * otherwise (see ouro-graph-probable.c). */
  struct _OuroGraphGathered *gathered;
} OuroGraph;

/* After it: @graph holds every tracked object as a node with its refcount
 * and the resolved edges its class's traverse visited, and, when
 * @gather_candidates and a candidates function is set, graph->gathered
 * what that function visited from each node.  Requires the
 * registry lock and a compacted registry.  Returns FALSE (with a critical)
 * when the graph does not fit 32-bit edge numbers. */
gboolean ouro_graph_build (OuroGraph    *graph,
                           OuroRegistry *registry,
                           gboolean      gather_candidates);

/* ouro-graph-parallel.c: what ouro_graph_build () does for a graph of at
 * least ouro_graph_get_parallel_min_nodes () nodes, on two threads.  After
 * it, when it returns TRUE: as after graph_collect_edges () in
 * ouro-graph.c, with every visit counted in @out_n_visits and
 * @out_overflow set when edges past 32-bit numbers were dropped.  Returns
 * FALSE, having done nothing, when it could not start its thread. */
gboolean ouro_graph_collect_edges_parallel (OuroGraph          *graph,
                                            const OuroRegistry *registry,
                                            guint64            *out_n_visits,
                                            gboolean           *out_overflow);

/* The smallest graph built on two threads (on a machine with 2 CPUs or
 * more); G_MAXUINT32: never.  Tests lower it to run both builds on small
 * graphs. */
guint32  ouro_graph_get_parallel_min_nodes (void);
void     ouro_graph_set_parallel_min_nodes (guint32 n_nodes);

/* After it: cycle_of, cycle_nodes, cycle_start and n_cycles describe the
 * cycles among the nodes for which OURO_NODE_LIVE is clear, or among all
 * nodes when @include_live.  Requires n_garbage; when nothing is to be
 * searched cycle_of and cycle_nodes are NULL. */
void     ouro_graph_find_cycles (OuroGraph *graph,
                                 gboolean   include_live);

/* ouro-graph-probable.c.  After it: graph->probable holds the probable
 * tier (see that file) when a candidates function is set and the graph has
 * nodes, NULL otherwise.  Requires every phase of the proven scan to have
 * run; calls the candidates function. */
void     ouro_graph_find_probable (OuroGraph *graph);
/* After it: graph->probable and graph->gathered are NULL, their arrays
 * freed. */
void     ouro_graph_probable_free (OuroGraph *graph);
/* For ouro_graph_build (): a gathering of candidates when a candidates
 * function is set, NULL otherwise. */
struct _OuroGraphGathered *ouro_graph_gathered_new (void);
/* For ouro_graph_read_node (): calls the candidates function on node @v,
 * which its traverse just visited.  Not for a dying node. */
void     ouro_graph_gather_candidates (OuroGraph *graph,
                                       guint32    v);
/* Returns whether a candidates function is set, and it in @func. */
gboolean ouro_graph_get_candidates_func (OuroCandidatesFunc *func,
                                         gpointer           *user_data);

/* After it: @graph is empty.  Requires the registry lock: the working
 * arrays are kept for the next build (see ouro-graph.c). */
void     ouro_graph_clear (OuroGraph *graph);

/* ouro-scan.c: every phase of a scan (build, subtract internal references,
 * mark reachable, find cycles).  Requires the registry locked for a scan;
 * after it, when it returns TRUE, @graph holds states and cycles. */
gboolean ouro_scan_run_unlocked (OuroGraph     *graph,
                                 OuroScanFlags  flags);

/* One more visited target folded into a node's fingerprint (start from
 * OURO_GRAPH_FINGERPRINT_SEED, fold every non-NULL target in visiting
 * order).  Order-sensitive and one multiply: two readings of an object's
 * references that fold to the same value are taken as the same readings
 * (different ones collide with odds of about 2^-64; the scan falls back to
 * comparing edge by edge whenever the values differ). */
#define OURO_GRAPH_FINGERPRINT_SEED G_GUINT64_CONSTANT (0x243f6a8885a308d3)

static inline guint64
ouro_graph_fingerprint (guint64  fingerprint,
                        gpointer target)
{
  return (fingerprint ^ (guint64) (guintptr) target) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)
         + G_GUINT64_CONSTANT (0x632be59bd9b4e019);
}

static inline const OuroClass *
ouro_graph_class (const OuroGraph *graph,
                  guint32          node)
{
  return graph->class_table[graph->class_ids[node]];
}

static inline void
ouro_graph_prefetch (const void *address)
{
#if defined(__GNUC__)
  __builtin_prefetch (address, 0, 3);
#endif
}

static inline void
ouro_graph_prefetch_write (const void *address)
{
#if defined(__GNUC__)
  __builtin_prefetch (address, 1, 3);
#endif
}

/* Targets one staged lookup resolves at most: enough to overlap the
 * misses, few enough for L1 (see ouro-graph.c). */
#define OURO_GRAPH_BATCH 64

/* Where a lookup confirms a slot's entry (the object at that position) and
 * counts the visit: nodes[] (object and visits on one line) for the
 * scanning thread, the registry's objects[] and counts of its own for the
 * parallel build's worker (see ouro-graph-parallel.c). */
typedef struct {
  const guint8 *objects;
  gsize         object_stride;
  guint8       *counts;
  gsize         count_stride;
} OuroGraphCounter;

static inline OuroGraphCounter
ouro_graph_nodes_counter (OuroGraph *graph)
{
  return (OuroGraphCounter) {
    (const guint8 *) &graph->nodes[0].object, sizeof (OuroGraphNode),
    (guint8 *) &graph->nodes[0].visits, sizeof (OuroGraphNode),
  };
}

/* After it: out[i] is the node of targets[i], or OURO_NODE_NONE when it is
 * not tracked, for i < @n (at most OURO_GRAPH_BATCH); every tracked one is
 * counted in @counter.  Requires the registry locked for a scan and
 * compacted.  In stages, so that the misses of each stage overlap: hash
 * every target and request its slot; read every slot and request what it
 * names; confirm and count. */
static inline void
ouro_graph_resolve_batch (const OuroRegistry     *registry,
                          const gpointer         *targets,
                          guint32                 n,
                          guint32                *out,
                          const OuroGraphCounter *counter)
{
  const guint32 *slots = registry->slots;
  guint32 mask = registry->n_slots - 1;
  guint shift = registry->slot_shift;
  guint32 slot[OURO_GRAPH_BATCH];

#define GRAPH_OBJECT_AT(position) \
  (*(gpointer const *) (gconstpointer) (counter->objects + (gsize) (position) * counter->object_stride))
#define GRAPH_COUNT_AT(position) \
  (*(guint32 *) (gpointer) (counter->counts + (gsize) (position) * counter->count_stride))

  for (guint32 i = 0; i < n; i++)
    {
      slot[i] = ouro_pointer_hash_masked (targets[i], shift, mask);
      ouro_graph_prefetch (&slots[slot[i]]);
    }
  for (guint32 i = 0; i < n; i++)
    {
      out[i] = slots[slot[i]];   /* position + 1, 0 = none, until confirmed */
      if (out[i] != 0)
        {
          ouro_graph_prefetch (&GRAPH_OBJECT_AT (out[i] - 1));
          ouro_graph_prefetch_write (&GRAPH_COUNT_AT (out[i] - 1));
        }
    }
  for (guint32 i = 0; i < n; i++)
    {
      guint32 s = slot[i], entry = out[i];

      /* Invariant: no slot probed before s holds targets[i].  (Rarely
       * more than one: ~0.1 extra probes per lookup.) */
      while (entry != 0 && GRAPH_OBJECT_AT (entry - 1) != targets[i])
        {
          s = (s + 1) & mask;
          entry = slots[s];
        }
      if (entry != 0)
        {
          out[i] = entry - 1;
          GRAPH_COUNT_AT (entry - 1)++;
        }
      else
        out[i] = OURO_NODE_NONE;
    }
#undef GRAPH_OBJECT_AT
#undef GRAPH_COUNT_AT
}

/* After it: a visit from @source to @target, which is not tracked, is
 * counted in n_ignored_visits and passed to the source class's
 * untracked_target.  On the scanning thread (it runs class code). */
static inline void
ouro_graph_ignore_visit (OuroGraph *graph,
                         guint32    source,
                         gpointer   target)
{
  const OuroClass *klass = ouro_graph_class (graph, source);

  graph->n_ignored_visits++;
  if (G_UNLIKELY (klass->untracked_target != NULL))
    klass->untracked_target (graph->objects[source], target);
}

/* Makes edge_target hold at least @wanted entries.  Returns FALSE when
 * edge numbers would not fit 32 bits. */
gboolean ouro_graph_reserve_edges (OuroGraph *graph,
                                   guint64    wanted);

/* Reads node @v: its refcount into nodes[], its references through @visit.
 * The next objects are the next misses: one a few ahead is requested. */
static inline void
ouro_graph_read_node (OuroGraph     *graph,
                      guint32        v,
                      OuroVisitFunc  visit,
                      gpointer       user_data)
{
  gpointer object = graph->objects[v];
  const OuroClass *klass = ouro_graph_class (graph, v);

  if (v + 4 < graph->n_nodes)
    ouro_graph_prefetch (graph->objects[v + 4]);
  graph->nodes[v].refcount = klass->get_refcount (object);
  klass->traverse (object, visit, user_data);
  if (G_UNLIKELY (graph->gathered != NULL) && graph->nodes[v].refcount != 0)
    ouro_graph_gather_candidates (graph, v);
}

static inline gboolean
ouro_graph_is_garbage (const OuroGraph *graph,
                       guint32          node)
{
  return (graph->state[node] & OURO_NODE_LIVE) == 0;
}

G_END_DECLS
