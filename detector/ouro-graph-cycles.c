/* ouro-graph-cycles.c — strongly connected components of the snapshot graph.
 *
 * Not thread safe by itself: runs under the registry lock (see
 * ouro-graph-private.h).
 *
 * Tarjan's algorithm, iterative: an explicit call stack of (node, next
 * edge) frames replaces recursion, so a ten-million-long chain costs memory,
 * not C stack.  Components pop off Tarjan's stack contiguously, so a cycle's
 * members are copied straight into cycle_nodes; components of one node
 * without a self edge are not cycles and are not kept.
 *
 * Garbage and live nodes never share a component (a live member would make
 * every member reachable, hence live), so one search over the chosen nodes
 * finds both kinds.
 */
#include "config.h"

#include "ouro-graph-private.h"

typedef struct {
  guint32 node;
  guint32 next_edge;
} CyclesFrame;

/* A node's DFS numbers side by side: an edge to a visited node reads
 * order and may lower low, one cache line for both. */
typedef struct {
  guint32      order;      /* DFS number + 1, 0 = unvisited */
  guint32      low;        /* lowest DFS number reachable */
} CyclesNumbers;

/* The numbers take the place of the fingerprints, which the confirmation
 * was the last to read: a garbage scan's peak memory does not grow by
 * them. */
G_STATIC_ASSERT (sizeof (CyclesNumbers) == sizeof (guint64));

typedef struct {
  OuroGraph     *graph;
  gboolean       include_live;
  CyclesNumbers *numbers;  /* [n] */
  guint32     *stack;      /* Tarjan's stack of visited, unassigned nodes */
  guint32      stack_len;
  CyclesFrame *frames;     /* the explicit call stack */
  guint32      n_frames;
  guint32      counter;
  guint32      n_cycle_nodes;
  GArray      *cycle_start;
} Cycles;

static inline gboolean
cycles_considers (const Cycles *cycles,
                  guint32       node)
{
  return cycles->include_live || ouro_graph_is_garbage (cycles->graph, node);
}

static inline void
cycles_enter (Cycles  *cycles,
              guint32  node)
{
  OuroGraph *graph = cycles->graph;

  cycles->numbers[node].order = cycles->numbers[node].low = ++cycles->counter;
  cycles->stack[cycles->stack_len++] = node;
  graph->state[node] |= OURO_NODE_ON_STACK;
  cycles->frames[cycles->n_frames++] = (CyclesFrame) { node, graph->edge_start[node] };
}

/* Pops the component rooted at @root off Tarjan's stack.  After it: when the
 * component is a cycle its members are appended to cycle_nodes and
 * cycle_of names it; ON_STACK is clear on all of them. */
static void
cycles_pop_component (Cycles  *cycles,
                      guint32  root)
{
  OuroGraph *graph = cycles->graph;
  guint32 first = cycles->stack_len;
  guint32 size;
  gboolean is_cycle;

  /* Invariant: stack[first, stack_len) are members above and including
   * the ones seen so far. */
  do
    first--;
  while (cycles->stack[first] != root);

  size = cycles->stack_len - first;
  is_cycle = size > 1 || (graph->state[root] & OURO_NODE_SELF_LOOP) != 0;

  if (is_cycle)
    {
      guint32 cycle = graph->n_cycles++;

      g_array_append_val (cycles->cycle_start, cycles->n_cycle_nodes);
      for (guint32 i = first; i < cycles->stack_len; i++)
        {
          guint32 member = cycles->stack[i];

          graph->cycle_nodes[cycles->n_cycle_nodes++] = member;
          graph->cycle_of[member] = cycle;
        }
    }
  for (guint32 i = first; i < cycles->stack_len; i++)
    graph->state[cycles->stack[i]] &= ~OURO_NODE_ON_STACK;
  cycles->stack_len = first;
}

/* Runs Tarjan's search from @start.  After it: every considered node
 * reachable from @start has been assigned to its component. */
static void
cycles_search_from (Cycles  *cycles,
                    guint32  start)
{
  OuroGraph *graph = cycles->graph;

  cycles_enter (cycles, start);

  /* Invariant: frames hold the DFS path from start to the current node;
   * each frame's next_edge is the first of its edges not yet followed. */
  while (cycles->n_frames > 0)
    {
      CyclesFrame *frame = &cycles->frames[cycles->n_frames - 1];
      guint32 v = frame->node;

      if (frame->next_edge < graph->edge_start[v + 1])
        {
          guint32 w = graph->edge_target[frame->next_edge++];

          if (!cycles_considers (cycles, w))
            continue;
          if (w == v)
            graph->state[v] |= OURO_NODE_SELF_LOOP;
          if (cycles->numbers[w].order == 0)
            cycles_enter (cycles, w);
          else if (graph->state[w] & OURO_NODE_ON_STACK)
            cycles->numbers[v].low = MIN (cycles->numbers[v].low, cycles->numbers[w].order);
          continue;
        }

      cycles->n_frames--;
      if (cycles->numbers[v].low == cycles->numbers[v].order)
        cycles_pop_component (cycles, v);
      if (cycles->n_frames > 0)
        {
          guint32 parent = cycles->frames[cycles->n_frames - 1].node;
          cycles->numbers[parent].low = MIN (cycles->numbers[parent].low, cycles->numbers[v].low);
        }
    }
}

void
ouro_graph_find_cycles (OuroGraph *graph,
                        gboolean   include_live)
{
  guint32 n = graph->n_nodes;
  Cycles cycles = { 0, };

  g_free (graph->cycle_of);
  g_free (graph->cycle_nodes);
  g_free (graph->cycle_start);
  graph->n_cycles = 0;

  /* Nothing to consider (the usual scan of a program without leaks):
   * no per-node arrays at all. */
  if (!include_live && graph->n_garbage == 0)
    {
      graph->cycle_of = NULL;
      graph->cycle_nodes = NULL;
      graph->cycle_start = g_new0 (guint32, 1);
      return;
    }

  cycles.graph = graph;
  cycles.include_live = include_live;
  cycles.numbers = graph->fingerprint != NULL ? (CyclesNumbers *) (gpointer) graph->fingerprint
                                             : g_new (CyclesNumbers, MAX (n, 1));
  graph->fingerprint = NULL;
  memset (cycles.numbers, 0, sizeof (CyclesNumbers) * n);
  cycles.stack = g_new (guint32, MAX (n, 1));
  cycles.frames = g_new (CyclesFrame, MAX (n, 1));
  cycles.cycle_start = g_array_new (FALSE, FALSE, sizeof (guint32));

  graph->cycle_of = g_new (guint32, MAX (n, 1));
  for (guint32 v = 0; v < n; v++)
    graph->cycle_of[v] = OURO_NODE_NONE;
  graph->cycle_nodes = g_new (guint32, MAX (n, 1));

  for (guint32 v = 0; v < n; v++)
    if (cycles.numbers[v].order == 0 && cycles_considers (&cycles, v))
      cycles_search_from (&cycles, v);

  g_array_append_val (cycles.cycle_start, cycles.n_cycle_nodes);
  graph->cycle_start = (guint32 *) (gpointer) g_array_free (cycles.cycle_start, FALSE);

  graph->fingerprint = (guint64 *) (gpointer) cycles.numbers;
  g_free (cycles.stack);
  g_free (cycles.frames);
}
