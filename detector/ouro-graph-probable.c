/* ouro-graph-probable.c — probable garbage: trial deletion once more, with
 * candidate references counted too.
 *
 * Not thread safe by itself: runs under the registry lock, on the scanning
 * thread (see ouro-graph-private.h); the candidates function is set under
 * a lock of its own.
 *
 * A candidate reference is a pointer a candidates function found where a
 * reference may be (the GObject glue: a word of an object's own memory
 * equal to a tracked object's address), not one a traverse function
 * vouches for.  It may be borrowed.  So candidates never touch the proven
 * result: the scan's phases have run, and this one works on a view of the
 * graph of its own (OuroGraph.probable):
 *
 *   1. collect the candidates of every node whose class the function
 *      answers (gathered while the graph is built, right after each
 *      node's traverse: ouro_graph_read_node ()), resolved to nodes, less
 *      the ones a proven edge between the same two nodes already accounts
 *      for (k proven edges from v to w account for k candidates from v to
 *      w) and pointers to the object itself;
 *   2. subtract them too: ext'(w) = refcount - proven visits - candidate
 *      visits.  A node whose candidates overshoot its refcount (a borrowed
 *      pointer counted) is held from outside, as is every root of the
 *      proven scan that stays above zero, every dying and changed node;
 *   3. mark what those reach along proven and candidate edges;
 *   4. the probable tier is what is left that the proven scan did not
 *      already call garbage; its cycles are found over both kinds of edge
 *      (ouro-graph-cycles.c on the view).
 *
 * After it, the view shares the graph's objects, classes and node counts;
 * its state has LIVE on every node but the probable tier, its edges are
 * the proven and candidate edges out of the probable tier, its cycles are
 * the probable cycles.  Every probable
 * node is live by the proven scan, so nothing here can add to or take from
 * proven garbage.
 */
#include "config.h"

#include <pthread.h>

#include "ouro-graph-private.h"
#include "ouro-registry-private.h"

static pthread_mutex_t    probable_lock = PTHREAD_MUTEX_INITIALIZER;
static OuroCandidatesFunc probable_func;
static gpointer           probable_data;

/**
 * ouro_set_candidates_func:
 * @func: (nullable): the candidates function, or %NULL to unset it
 * @user_data: passed to @func
 *
 * Sets the process's candidates function, which %OURO_SCAN_PROBABLE scans
 * and their reports ask for the candidate references of every tracked
 * object.  The GObject glue sets one that reads pointer fields.  MT safe;
 * takes effect from the next scan.
 */
void
ouro_set_candidates_func (OuroCandidatesFunc func,
                          gpointer           user_data)
{
  pthread_mutex_lock (&probable_lock);
  probable_func = func;
  probable_data = user_data;
  pthread_mutex_unlock (&probable_lock);
}

gboolean
ouro_graph_get_candidates_func (OuroCandidatesFunc *func,
                                gpointer           *user_data)
{
  pthread_mutex_lock (&probable_lock);
  *func = probable_func;
  *user_data = probable_data;
  pthread_mutex_unlock (&probable_lock);
  return *func != NULL;
}

/* The candidates visited while the graph was built: pointers[i] visited
 * from node sources[i], for i < n.  Plain arrays, not GArrays: the append
 * runs for every pointer word of every object read. */
typedef struct _OuroGraphGathered {
  OuroCandidatesFunc func;
  gpointer           func_data;
  guint32           *sources;
  gpointer          *pointers;
  guint              n;
  guint              capacity;
  guint32            source;
} OuroGraphGathered;

/* The last scan's arrays, kept for the next one (scans are serialised by
 * the registry lock): growing fresh ones costs a page fault per page. */
static guint32  *probable_spare_sources;
static gpointer *probable_spare_pointers;
static guint     probable_spare_capacity;

OuroGraphGathered *
ouro_graph_gathered_new (void)
{
  OuroGraphGathered *gathered;
  OuroCandidatesFunc func;
  gpointer func_data;

  if (!ouro_graph_get_candidates_func (&func, &func_data))
    return NULL;
  gathered = g_new0 (OuroGraphGathered, 1);
  gathered->func = func;
  gathered->func_data = func_data;
  gathered->sources = g_steal_pointer (&probable_spare_sources);
  gathered->pointers = g_steal_pointer (&probable_spare_pointers);
  gathered->capacity = probable_spare_capacity;
  probable_spare_capacity = 0;
  return gathered;
}

static void
probable_gathered_free (OuroGraphGathered *gathered)
{
  /* The larger arrays stay; the smaller go. */
  if (gathered->capacity > probable_spare_capacity)
    {
      g_free (probable_spare_sources);
      g_free (probable_spare_pointers);
      probable_spare_sources = gathered->sources;
      probable_spare_pointers = gathered->pointers;
      probable_spare_capacity = gathered->capacity;
    }
  else
    {
      g_free (gathered->sources);
      g_free (gathered->pointers);
    }
  g_free (gathered);
}

static G_GNUC_NO_INLINE void
probable_gathered_grow (OuroGraphGathered *gathered)
{
  gathered->capacity = MAX (1024, 2 * gathered->capacity);
  gathered->sources = g_renew (guint32, gathered->sources, gathered->capacity);
  gathered->pointers = g_renew (gpointer, gathered->pointers, gathered->capacity);
}

static void
probable_gather_visit (gpointer    target,
                       const char *label,
                       gpointer    user_data)
{
  OuroGraphGathered *gathered = user_data;

  if (target == NULL)
    return;
  if (G_UNLIKELY (gathered->n == gathered->capacity))
    probable_gathered_grow (gathered);
  gathered->sources[gathered->n] = gathered->source;
  gathered->pointers[gathered->n] = target;
  gathered->n++;
}

/* Phase 1, during the build: the object's memory was just read by its
 * traverse, so reading its words now costs no miss of its own. */
void
ouro_graph_gather_candidates (OuroGraph *graph,
                              guint32    v)
{
  OuroGraphGathered *gathered = graph->gathered;

  gathered->source = v;
  gathered->func (graph->objects[v], ouro_graph_class (graph, v), probable_gather_visit, gathered,
                  gathered->func_data);
}

/* Whether a proven edge from @v to @w is left to account for a candidate
 * between them: the @n_used-th such candidate is accounted for when @v has
 * more than @n_used proven edges to @w.  (A report applies the same rule
 * to a cycle's labelled edges: build_drop_accounted () in
 * ouro-report-build.c.) */
static gboolean
probable_proven_accounts (const OuroGraph *graph,
                          guint32          v,
                          guint32          w,
                          guint32          n_used)
{
  guint32 n_proven = 0;

  for (guint32 e = graph->edge_start[v]; e < graph->edge_start[v + 1]; e++)
    if (graph->edge_target[e] == w && ++n_proven > n_used)
      return TRUE;
  return FALSE;
}

/* Phase 1, after the build.  After it: @sources and @targets (same
 * length) list the candidate edges left of what @gathered holds, grouped
 * by source in node order.  The pointers are resolved to nodes in batches,
 * as the proven edges are (ouro_graph_resolve_batch ()): one lookup at a
 * time would wait for each of its cache misses in turn. */
static void
probable_collect_candidates (const OuroGraph   *graph,
                             OuroGraphGathered *gathered,
                             GArray            *sources,
                             GArray            *targets)
{
  const guint32 *from = gathered->sources;
  guint32 *resolved = g_new (guint32, MAX (gathered->n, 1));
  guint32 *scratch_counts = g_new (guint32, MAX (graph->n_nodes, 1));
  OuroGraphCounter counter = {
    (const guint8 *) &graph->nodes[0].object, sizeof (OuroGraphNode),
    (guint8 *) scratch_counts, sizeof (guint32),
  };

  for (guint i = 0; i < gathered->n; i += OURO_GRAPH_BATCH)
    ouro_graph_resolve_batch (ouro_registry_get_unlocked (),
                              (const gpointer *) gathered->pointers + i,
                              MIN (OURO_GRAPH_BATCH, gathered->n - i), resolved + i, &counter);
  g_free (scratch_counts);

  /* Invariant: @sources and @targets hold the candidates left of those in
   * [0, i), in order; [first, i) are those of the source of i, all of
   * them, kept or not (the count of earlier ones to the same target
   * decides whether a proven edge is left for this one). */
  for (guint i = 0, first = 0; i < gathered->n; i++)
    {
      guint32 v = from[i], w = resolved[i];
      guint32 n_before = 0;

      if (i > 0 && from[i - 1] != v)
        first = i;
      if (w == OURO_NODE_NONE || w == v)
        continue;
      for (guint j = first; j < i; j++)
        n_before += resolved[j] == w;
      if (probable_proven_accounts (graph, v, w, n_before))
        continue;
      g_array_append_val (sources, v);
      g_array_append_val (targets, w);
    }
  g_free (resolved);
}

/* Candidate edges in compressed sparse rows: node v's are
 * targets[start[v] .. start[v + 1]). */
typedef struct {
  guint32       *start;    /* [n_nodes + 1] */
  const guint32 *targets;
} ProbableCandidates;

/* Phases 2 and 3.  After it: LIVE is set in @view's state on every node
 * reachable, along proven and candidate edges, from one held from outside
 * when candidates count, and on the proven garbage; view->n_garbage counts
 * the rest, the tier. */
static void
probable_mark_reachable (OuroGraph                *view,
                         const OuroGraph          *graph,
                         const ProbableCandidates *candidates)
{
  guint32 *candidate_visits = g_new0 (guint32, MAX (graph->n_nodes, 1));
  guint32 *stack = g_new (guint32, MAX (graph->n_nodes, 1));
  guint32 depth = 0, n_live = 0;

  for (guint32 c = 0; c < candidates->start[graph->n_nodes]; c++)
    candidate_visits[candidates->targets[c]]++;
  for (guint32 v = 0; v < graph->n_nodes; v++)
    {
      gint64 ext = (gint64) graph->nodes[v].refcount - (gint64) graph->nodes[v].visits
                   - (gint64) candidate_visits[v];

      if (ext != 0 || (graph->state[v] & (OURO_NODE_INCONSISTENT | OURO_NODE_DYING
                                          | OURO_NODE_CHANGED)))
        {
          view->state[v] |= OURO_NODE_LIVE;
          n_live++;
        }
    }
  g_free (candidate_visits);

  /* One sweep in node order.  A node it marks ahead of itself is left for
   * the sweep to reach; one behind it is walked at once.  In a mostly live
   * graph nearly every edge lands on a node already marked; in one with
   * few roots (every outside reference explained by a candidate) the walk
   * follows memory order instead of jumping through it.  Once every node
   * is LIVE nothing more can be marked. */
  for (guint32 sweep = 0; sweep < graph->n_nodes && n_live < graph->n_nodes; sweep++)
    {
      if (!(view->state[sweep] & OURO_NODE_LIVE))
        continue;
      stack[depth++] = sweep;

      /* Invariant: every node on the stack is LIVE and at or behind the
       * sweep; every LIVE node behind the sweep and not on the stack has
       * all its successors, by either kind of edge, LIVE. */
      while (depth > 0)
        {
          guint32 v = stack[--depth];

          for (guint kind = 0; kind < 2; kind++)
            {
              const guint32 *targets = kind == 0 ? graph->edge_target : candidates->targets;
              const guint32 *start = kind == 0 ? graph->edge_start : candidates->start;

              for (guint32 e = start[v]; e < start[v + 1]; e++)
                {
                  guint32 w = targets[e];

                  if (view->state[w] & OURO_NODE_LIVE)
                    continue;
                  view->state[w] |= OURO_NODE_LIVE;
                  n_live++;
                  if (w < sweep)
                    stack[depth++] = w;
                }
            }
        }
    }
  g_free (stack);

  view->n_garbage = 0;
  for (guint32 v = 0; v < graph->n_nodes; v++)
    {
      if (ouro_graph_is_garbage (graph, v))
        view->state[v] |= OURO_NODE_LIVE;
      if (!(view->state[v] & OURO_NODE_LIVE))
        view->n_garbage++;
    }
}

/* After it: @view's edges are, for the nodes of the tier only, @graph's
 * proven edges then the candidate edges; other nodes have none (the cycle
 * search and the report look at the tier alone). */
static void
probable_merge_tier_edges (OuroGraph                *view,
                           const OuroGraph          *graph,
                           const ProbableCandidates *candidates)
{
  guint32 n = graph->n_nodes, out = 0;

  view->edge_start = g_new (guint32, n + 1);
  view->edge_target = g_new (guint32, MAX (graph->n_edges + candidates->start[n], 1));
  for (guint32 v = 0; v < n; v++)
    {
      view->edge_start[v] = out;
      if (!ouro_graph_is_garbage (view, v))
        continue;
      for (guint32 e = graph->edge_start[v]; e < graph->edge_start[v + 1]; e++)
        view->edge_target[out++] = graph->edge_target[e];
      for (guint32 c = candidates->start[v]; c < candidates->start[v + 1]; c++)
        view->edge_target[out++] = candidates->targets[c];
    }
  view->edge_start[n] = out;
  view->n_edges = out;
}

void
ouro_graph_find_probable (OuroGraph *graph)
{
  OuroGraphGathered *gathered = g_steal_pointer (&graph->gathered);
  GArray *sources, *targets;
  ProbableCandidates candidates;
  OuroGraph *view;

  ouro_graph_probable_free (graph);
  if (gathered == NULL || graph->n_nodes == 0)
    {
      g_clear_pointer (&gathered, probable_gathered_free);
      return;
    }

  sources = g_array_new (FALSE, FALSE, sizeof (guint32));
  targets = g_array_new (FALSE, FALSE, sizeof (guint32));
  probable_collect_candidates (graph, gathered, sources, targets);
  probable_gathered_free (gathered);
  /* Sources come grouped in node order: count them into rows. */
  candidates.start = g_new0 (guint32, graph->n_nodes + 1);
  candidates.targets = (const guint32 *) (gconstpointer) targets->data;
  for (guint i = 0; i < sources->len; i++)
    candidates.start[g_array_index (sources, guint32, i) + 1]++;
  for (guint32 v = 0; v < graph->n_nodes; v++)
    candidates.start[v + 1] += candidates.start[v];

  view = g_new0 (OuroGraph, 1);
  view->n_nodes = graph->n_nodes;
  view->objects = graph->objects;
  view->class_ids = graph->class_ids;
  view->class_table = graph->class_table;
  view->nodes = graph->nodes;
  view->state = g_new0 (guint8, graph->n_nodes);
  view->is_probable_view = TRUE;
  graph->probable = view;

  probable_mark_reachable (view, graph, &candidates);
  probable_merge_tier_edges (view, graph, &candidates);
  ouro_graph_find_cycles (view, FALSE);

  g_free (candidates.start);
  g_array_unref (sources);
  g_array_unref (targets);
}

void
ouro_graph_probable_free (OuroGraph *graph)
{
  OuroGraph *view = graph->probable;

  g_clear_pointer (&graph->gathered, probable_gathered_free);
  if (view == NULL)
    return;
  g_free (view->state);
  g_free (view->fingerprint);
  g_free (view->edge_start);
  g_free (view->edge_target);
  g_free (view->cycle_of);
  g_free (view->cycle_nodes);
  g_free (view->cycle_start);
  g_free (view);
  graph->probable = NULL;
}
