/* ouro-graph-parallel.c — collecting a big graph's edges on two threads.
 *
 * Not thread safe by itself: runs under the registry lock, like the rest of
 * the build (see ouro-graph-private.h); it starts one worker thread of its
 * own and joins it before it returns.
 *
 * On a big graph, resolving targets (pointer -> node: two dependent cache
 * misses per edge) is ~80% of a scan without garbage, and the traverse
 * calls that produce the targets the rest.  Here the scanning thread
 * traverses and cuts the visited targets into chunks of GRAPH_CHUNK; the
 * worker resolves the chunks it is handed, and when the worker's ring is
 * full the scanning thread resolves the chunk itself, so both CPUs stay
 * busy and neither waits for the other until the end.  When the traverse
 * is the slower side (GObjects), the worker spins a little, yields a
 * little, then sleeps until the next chunk is handed over.
 *
 * Each chunk owns a range of edge_target, numbered by visit (every
 * non-NULL target gets one entry, OURO_NODE_NONE when it is not tracked),
 * so chunks resolve in any order; a last sequential pass squeezes the NONE
 * entries out and turns edge_start from visit numbers into edge numbers.
 *
 * Ownership, the whole protocol:
 *   - a ring chunk is the scanning thread's while FREE or DONE and the
 *     worker's while FULL; the state is handed over with release stores
 *     and acquire loads, so the chunk's contents travel with it;
 *   - the worker writes only its chunk's range of edge_target and its own
 *     counts[]; it reads the registry (the scan holds its lock: nothing
 *     moves) and never calls class code;
 *   - edge_target is reallocated only when no chunk is FULL;
 *   - class code (get_refcount, traverse, untracked_target) runs on the
 *     scanning thread only: a chunk's untracked targets are reported when
 *     the scanning thread takes the chunk back ("retires" it).
 * The worker confirms a slot through the registry's objects[] and counts
 * into counts[], the scanning thread through nodes[]: the two threads never
 * write the same cache line.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>

#include "ouro-graph-private.h"

#define GRAPH_CHUNK 4096
#define GRAPH_RING  8

enum {
  CHUNK_FREE,   /* the scanning thread's, nothing to retire */
  CHUNK_FULL,   /* the worker's */
  CHUNK_DONE,   /* resolved, the scanning thread's, to be retired */
};

typedef struct {
  gpointer  target[GRAPH_CHUNK];
  guint32   source[GRAPH_CHUNK];
  guint32   first;     /* edge_target index of target[0] */
  guint32   n;
  gint      state;     /* CHUNK_*; atomic */
} GraphChunk;

typedef struct {
  OuroGraph          *graph;
  const OuroRegistry *registry;
  GraphChunk         *ring;        /* [GRAPH_RING] */
  GraphChunk         *own;         /* the scanning thread's spare chunk */
  guint32            *counts;      /* [n_nodes]: visits the worker resolved */
  gint                finished;    /* atomic: no chunk will be handed over any more */

  /* The worker sleeps here when the scanning thread keeps it waiting (a
   * traverse slower than resolving, as GObjects' are): spinning then
   * burnt a CPU for nothing. */
  pthread_mutex_t     wake_lock;
  pthread_cond_t      wake_cond;
  gint                sleeping;    /* atomic: the worker is, or is about to */

  /* The scanning thread's side. */
  GraphChunk         *chunk;       /* being filled */
  guint32             next_ring;   /* the ring chunk to hand over next */
  guint32             node;        /* being traversed */
  guint64             fingerprint; /* of its targets so far */
  guint64             n_visits;    /* every visit, NULL included */
  guint64             n_untracked; /* OURO_NODE_NONE entries retired */
  gboolean            overflow;
} GraphParallel;

static inline void
parallel_pause (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

/* After it: every target of @chunk has its entry in edge_target (its node,
 * or OURO_NODE_NONE when untracked), and each tracked one is counted in
 * @counter. */
static void
parallel_resolve (const OuroRegistry     *registry,
                  guint32                *edge_target,
                  GraphChunk             *chunk,
                  const OuroGraphCounter *counter)
{
  /* Invariant: targets [0, b) are resolved and counted. */
  for (guint32 b = 0; b < chunk->n; b += OURO_GRAPH_BATCH)
    ouro_graph_resolve_batch (registry, chunk->target + b, MIN (OURO_GRAPH_BATCH, chunk->n - b),
                              edge_target + chunk->first + b, counter);
}

/* Yields before the worker sleeps instead. */
#define PARALLEL_YIELDS 16

/* On the worker: returns once @chunk is FULL or the scan finished.  The
 * flag and the state are stored and loaded sequentially consistent on both
 * sides (g_atomic_int_set/get), so either the scanning thread sees
 * sleeping set and signals under the lock, or the worker sees the chunk
 * FULL before it waits: no wake-up is lost. */
static void
parallel_sleep (GraphParallel *parallel,
                GraphChunk    *chunk)
{
  pthread_mutex_lock (&parallel->wake_lock);
  g_atomic_int_set (&parallel->sleeping, TRUE);
  while (g_atomic_int_get (&chunk->state) != CHUNK_FULL
         && !g_atomic_int_get (&parallel->finished))
    pthread_cond_wait (&parallel->wake_cond, &parallel->wake_lock);
  g_atomic_int_set (&parallel->sleeping, FALSE);
  pthread_mutex_unlock (&parallel->wake_lock);
}

/* On the scanning thread, after it handed a chunk over or finished. */
static inline void
parallel_wake (GraphParallel *parallel)
{
  if (g_atomic_int_get (&parallel->sleeping))
    {
      pthread_mutex_lock (&parallel->wake_lock);
      pthread_cond_signal (&parallel->wake_cond);
      pthread_mutex_unlock (&parallel->wake_lock);
    }
}

static gpointer
parallel_worker_main (gpointer data)
{
  GraphParallel *parallel = data;
  const OuroGraphCounter counter = {
    (const guint8 *) parallel->registry->objects, sizeof (gpointer),
    (guint8 *) parallel->counts, sizeof (guint32),
  };

  /* Invariant: ring chunks before r (mod GRAPH_RING, in handing order)
   * are resolved. */
  for (guint32 r = 0; ; r = (r + 1) % GRAPH_RING)
    {
      GraphChunk *chunk = &parallel->ring[r];
      guint spins = 0;

      while (g_atomic_int_get (&chunk->state) != CHUNK_FULL)
        {
          if (g_atomic_int_get (&parallel->finished)
              && g_atomic_int_get (&chunk->state) != CHUNK_FULL)
            return NULL;
          if (++spins < 256)
            parallel_pause ();
          else if (spins < 256 + PARALLEL_YIELDS)
            sched_yield ();
          else
            {
              parallel_sleep (parallel, chunk);
              spins = 0;
            }
        }
      /* edge_target is not reallocated while this chunk is FULL. */
      parallel_resolve (parallel->registry, parallel->graph->edge_target, chunk, &counter);
      g_atomic_int_set (&chunk->state, CHUNK_DONE);
    }
}

/* After it: @chunk's untracked targets are counted and reported to their
 * sources' classes; @chunk is FREE.  On the scanning thread. */
static void
parallel_retire (GraphParallel *parallel,
                 GraphChunk    *chunk)
{
  OuroGraph *graph = parallel->graph;
  const guint32 *out = graph->edge_target + chunk->first;

  for (guint32 i = 0; i < chunk->n; i++)
    if (out[i] == OURO_NODE_NONE)
      {
        ouro_graph_ignore_visit (graph, chunk->source[i], chunk->target[i]);
        parallel->n_untracked++;
      }
  chunk->n = 0;
  g_atomic_int_set (&chunk->state, CHUNK_FREE);
}

/* After it: no ring chunk is FULL, and every DONE one is retired. */
static void
parallel_drain (GraphParallel *parallel)
{
  for (guint32 r = 0; r < GRAPH_RING; r++)
    {
      GraphChunk *chunk = &parallel->ring[r];
      gint state;
      guint spins = 0;

      while ((state = g_atomic_int_get (&chunk->state)) == CHUNK_FULL)
        if (++spins < 256)
          parallel_pause ();
        else
          sched_yield ();
      if (state == CHUNK_DONE)
        parallel_retire (parallel, chunk);
    }
}

/* After it: @parallel->chunk is an empty chunk the scanning thread may
 * fill: the next ring chunk when the worker is done with it, else the
 * spare. */
static void
parallel_take_chunk (GraphParallel *parallel)
{
  GraphChunk *next = &parallel->ring[parallel->next_ring];
  gint state = g_atomic_int_get (&next->state);

  if (state == CHUNK_FULL)
    parallel->chunk = parallel->own;
  else
    {
      if (state == CHUNK_DONE)
        parallel_retire (parallel, next);
      parallel->chunk = next;
      parallel->next_ring = (parallel->next_ring + 1) % GRAPH_RING;
    }
  parallel->chunk->first = parallel->graph->n_edges;
  parallel->chunk->n = 0;
}

/* Gives the filled chunk to the worker, or resolves it here when it is the
 * spare; then takes the next one.  Returns FALSE when edge numbers would not
 * fit 32 bits (the chunk is dropped). */
static gboolean
parallel_hand_over (GraphParallel *parallel)
{
  OuroGraph *graph = parallel->graph;
  GraphChunk *chunk = parallel->chunk;
  guint64 wanted = (guint64) graph->n_edges + chunk->n;

  /* The worker may be writing into edge_target: let it finish before it
   * moves.  The spare is never in the ring, so its contents survive. */
  if (wanted > graph->edge_capacity)
    parallel_drain (parallel);
  if (!ouro_graph_reserve_edges (graph, wanted))
    {
      chunk->n = 0;
      return FALSE;
    }
  graph->n_edges = (guint32) wanted;

  if (chunk == parallel->own)
    {
      const OuroGraphCounter counter = ouro_graph_nodes_counter (graph);

      parallel_resolve (parallel->registry, graph->edge_target, chunk, &counter);
      parallel_retire (parallel, chunk);
    }
  else
    {
      g_atomic_int_set (&chunk->state, CHUNK_FULL);
      parallel_wake (parallel);
    }
  parallel_take_chunk (parallel);
  return TRUE;
}

static void
parallel_visit (gpointer    target,
                const char *label,
                gpointer    user_data)
{
  GraphParallel *parallel = user_data;
  GraphChunk *chunk = parallel->chunk;

  parallel->n_visits++;
  if (target == NULL)
    {
      parallel->graph->n_ignored_visits++;
      return;
    }
  parallel->fingerprint = ouro_graph_fingerprint (parallel->fingerprint, target);
  chunk->target[chunk->n] = target;
  chunk->source[chunk->n] = parallel->node;
  if (G_UNLIKELY (++chunk->n == GRAPH_CHUNK) && !parallel_hand_over (parallel))
    parallel->overflow = TRUE;
}

/* After it: edge_target holds only tracked targets, edge_start edge
 * numbers, n_edges the count of edges.  Before it edge_start[v] was the
 * visit number of v's first target, and n_edges the count of visits, of
 * which @n_untracked were not tracked. */
static void
parallel_squeeze (OuroGraph *graph,
                  guint64    n_untracked)
{
  guint32 n = graph->n_nodes, kept = 0;

  graph->edge_start[n] = graph->n_edges;
  /* Every target tracked (a graph of one object system): visit numbers
   * are edge numbers already, and a pass over every edge is saved. */
  if (n_untracked == 0)
    return;
  /* Invariant: edge_target [0, kept) holds the tracked targets of nodes
   * [0, v) in order, and edge_start [0, v) their edge numbers. */
  for (guint32 v = 0; v < n; v++)
    {
      guint32 start = graph->edge_start[v], end = graph->edge_start[v + 1];

      graph->edge_start[v] = kept;
      for (guint32 e = start; e < end; e++)
        if (graph->edge_target[e] != OURO_NODE_NONE)
          graph->edge_target[kept++] = graph->edge_target[e];
    }
  graph->edge_start[n] = kept;
  graph->n_edges = kept;
}

static void
parallel_free (GraphParallel *parallel)
{
  g_free (parallel->ring);
  g_free (parallel->own);
  g_free (parallel->counts);
  pthread_mutex_destroy (&parallel->wake_lock);
  pthread_cond_destroy (&parallel->wake_cond);
  g_free (parallel);
}

gboolean
ouro_graph_collect_edges_parallel (OuroGraph          *graph,
                                   const OuroRegistry *registry,
                                   guint64            *out_n_visits,
                                   gboolean           *out_overflow)
{
  GraphParallel *parallel = g_new0 (GraphParallel, 1);
  guint32 n = graph->n_nodes;
  GThread *worker;

  parallel->graph = graph;
  parallel->registry = registry;
  parallel->ring = g_new0 (GraphChunk, GRAPH_RING);
  parallel->own = g_new0 (GraphChunk, 1);
  parallel->counts = g_new0 (guint32, MAX (n, 1));
  pthread_mutex_init (&parallel->wake_lock, NULL);
  pthread_cond_init (&parallel->wake_cond, NULL);
  worker = g_thread_try_new ("ouro-scan", parallel_worker_main, parallel, NULL);
  if (worker == NULL)
    {
      parallel_free (parallel);
      return FALSE;
    }

  graph->n_edges = 0;
  parallel_take_chunk (parallel);
  /* Invariant: nodes [0, v) have been traversed; each of their non-NULL
   * targets is in a chunk, handed over or being filled. */
  for (guint32 v = 0; v < n; v++)
    {
      parallel->node = v;
      parallel->fingerprint = OURO_GRAPH_FINGERPRINT_SEED;
      graph->edge_start[v] = graph->n_edges + parallel->chunk->n;
      ouro_graph_read_node (graph, v, parallel_visit, parallel);
      graph->fingerprint[v] = parallel->fingerprint;
    }
  if (parallel->chunk->n > 0 && !parallel_hand_over (parallel))
    parallel->overflow = TRUE;

  g_atomic_int_set (&parallel->finished, TRUE);
  parallel_wake (parallel);
  parallel_drain (parallel);
  g_thread_join (worker);

  /* Past 32-bit edge numbers the build fails: edge_start may name visits
   * that were dropped, so nothing more is read. */
  if (!parallel->overflow)
    {
      for (guint32 v = 0; v < n; v++)
        graph->nodes[v].visits += parallel->counts[v];
      parallel_squeeze (graph, parallel->n_untracked);
    }

  *out_n_visits = parallel->n_visits;
  *out_overflow = parallel->overflow;
  parallel_free (parallel);
  return TRUE;
}
