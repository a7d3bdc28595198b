/* ouro-scan.c — finding garbage by trial deletion, and collecting it.
 *
 * MT safe: a scan holds the registry lock from the first traverse to the
 * last describe, so objects cannot be untracked (or, for a class that
 * untracks before freeing, freed) under it; describe_late runs after it is
 * released (it may run application code).  ouro_collect() releases the
 * lock before it calls ref/clear/unref, because those run user code that
 * untracks.  Garbage is unreachable but through weak references: under
 * the scan's lock, collect clears those first (clear_weak) and, when
 * there were any, scans again to confirm, so no other thread can touch
 * the garbage in between.  Called from inside a scan (a class function),
 * every entry point that would take the lock refuses instead.
 *
 * The algorithm (Bacon & Rajan's synchronous cycle collection, as CPython's
 * gc.c does it):
 *   1. build the snapshot graph: every tracked object, its refcount, the
 *      tracked objects its traverse visits (ouro-graph.c);
 *   2. subtract internal references: visits into x counted while building,
 *      ext(x) = refcount(x) - visits(x) is what the rest of the world holds;
 *   3. mark reachable: every object with ext != 0 is held from outside (or
 *      inconsistent, or dying), and everything reachable from it is live;
 *   4. confirm the garbage: read every candidate's refcount and references
 *      again; one that changed (another thread was at work) is live, with
 *      everything it reaches;
 *   5. the unmarked rest is garbage: find the cycles among it (and among
 *      live objects when asked) (ouro-graph-cycles.c);
 *   6. when asked, the probable tier: the same once more with candidate
 *      references counted, on a view of its own (ouro-graph-probable.c);
 *   7. build the report (ouro-report-build.c).
 *
 * Other threads keep running during a scan: only tracking and untracking
 * wait for the registry lock.  Refcounts and references are read one
 * object at a time, so the graph is not one instant's; a reference moved
 * between two objects while both are read could make a live object look
 * unheld.  Step 4 reads the candidates again and keeps only those that
 * read the same twice: a concurrent mutation can hide a leak (the object
 * is reported live this time), never invent one.  Objects finalized on
 * another thread meanwhile are safe to read: their untrack, which comes
 * before their memory is freed, waits for the scan.
 * If traverse under-reports references, ext only grows, more is marked
 * live, and the garbage found is a subset of the true garbage: a missing
 * edge can hide a leak, never invent one.
 */
#include "config.h"

#include "ouro-fork-private.h"
#include "ouro-graph-private.h"
#include "ouro-registry-private.h"
#include "ouro-registry.h"
#include "ouro-report-private.h"
#include "ouro-scan.h"

/* After it: ROOT is set on every node held from outside (refcount above its
 * visits), INCONSISTENT on every node visited more often than its refcount
 * allows, DYING on every node with refcount 0.  All three are roots of the
 * live set: the last two so that a traverse bug or a finalizing object can
 * only hide garbage. */
static void
scan_subtract_internal_refs (OuroGraph *graph)
{
  for (guint32 v = 0; v < graph->n_nodes; v++)
    {
      gint64 ext = (gint64) graph->nodes[v].refcount - (gint64) graph->nodes[v].visits;

      if (graph->nodes[v].refcount == 0)
        graph->state[v] |= OURO_NODE_DYING;
      if (ext > 0)
        graph->state[v] |= OURO_NODE_ROOT;
      else if (ext < 0)
        graph->state[v] |= OURO_NODE_INCONSISTENT;
    }
}

/* After it: LIVE is set on exactly the nodes reachable (along edges, in
 * zero or more steps) from a ROOT, INCONSISTENT, DYING or CHANGED node,
 * and n_garbage counts the others.
 *
 * All roots are marked in one linear pass first, then swept in node order
 * (CPython's order): in a graph that is mostly live, nearly every edge
 * then lands on a node already marked and the walk never wanders through
 * memory at random. */
static void
scan_mark_reachable (OuroGraph *graph)
{
  const guint8 root_bits = OURO_NODE_ROOT | OURO_NODE_INCONSISTENT | OURO_NODE_DYING
                           | OURO_NODE_CHANGED;
  guint32 *stack = g_new (guint32, MAX (graph->n_nodes, 1));
  guint32 depth = 0;
  guint32 n_live = 0;

  /* From scratch: the confirmation runs it a second time. */
  for (guint32 v = 0; v < graph->n_nodes; v++)
    if (graph->state[v] & root_bits)
      {
        graph->state[v] |= OURO_NODE_LIVE;
        n_live++;
      }
    else
      graph->state[v] &= ~OURO_NODE_LIVE;

  /* Once every node is LIVE no sweep can mark more: a graph without
   * garbage stops here, after one linear pass. */
  for (guint32 root = 0; root < graph->n_nodes && n_live < graph->n_nodes; root++)
    {
      if ((graph->state[root] & root_bits) == 0)
        continue;

      stack[depth++] = root;

      /* Invariant: every node on the stack is LIVE; every LIVE node that is
       * neither on the stack nor an unswept root has all successors LIVE. */
      while (depth > 0)
        {
          guint32 v = stack[--depth];

          for (guint32 e = graph->edge_start[v]; e < graph->edge_start[v + 1]; e++)
            {
              guint32 w = graph->edge_target[e];

              if (graph->state[w] & OURO_NODE_LIVE)
                continue;
              graph->state[w] |= OURO_NODE_LIVE;
              n_live++;
              stack[depth++] = w;
            }
        }
    }
  g_free (stack);
  graph->n_garbage = graph->n_nodes - n_live;
}

/* The second reading of one candidate's references: their fingerprint,
 * and the non-NULL targets themselves in visiting order. */
typedef struct {
  guint64   fingerprint;
  gpointer *targets;     /* [n_targets]; reused from one candidate to the next */
  guint     n_targets;
  guint     allocated;
} ScanConfirmWalk;

static void
scan_confirm_visit (gpointer    target,
                    const char *label,
                    gpointer    user_data)
{
  ScanConfirmWalk *walk = user_data;

  if (target == NULL)
    return;
  walk->fingerprint = ouro_graph_fingerprint (walk->fingerprint, target);
  /* A call into GLib per visit was 3% of a garbage scan. */
  if (G_UNLIKELY (walk->n_targets == walk->allocated))
    {
      walk->allocated = MAX (16, walk->allocated * 2);
      walk->targets = g_renew (gpointer, walk->targets, walk->allocated);
    }
  walk->targets[walk->n_targets++] = target;
}

/* Returns whether @walk's targets, candidate @v's references read again,
 * hold the tracked references the build resolved, in order.  Edge by edge:
 * each target is compared with the object its resolved edge names, a
 * random access per edge, so only a candidate whose fingerprint differs
 * comes here (an untracked target changed to another untracked one
 * changes the fingerprint, not the graph). */
static gboolean
scan_confirm_edges (const OuroGraph       *graph,
                    guint32                v,
                    const ScanConfirmWalk *walk)
{
  const guint32 *expected = graph->edge_target + graph->edge_start[v];
  guint32 n_expected = graph->edge_start[v + 1] - graph->edge_start[v];
  guint32 n_matched = 0;

  /* Invariant: targets [0, i) are expected [0, n_matched), in order, and
   * untracked pointers. */
  for (guint i = 0; i < walk->n_targets; i++)
    {
      gpointer target = walk->targets[i];

      if (n_matched < n_expected && graph->objects[expected[n_matched]] == target)
        n_matched++;
      /* Not the next reference of the first reading: an untracked target
       * (the build ignored it too), or a reference that is new or moved. */
      else if (ouro_registry_lookup_unlocked (target) != OURO_REGISTRY_NO_POSITION)
        return FALSE;
    }
  return n_matched == n_expected;
}

/* After it: every garbage candidate whose refcount or tracked references
 * (in order) read differently than in the build is CHANGED, and it and
 * everything it reaches are LIVE; n_changed counts them.
 *
 * A candidate whose references fold to the fingerprint the build took
 * read the same: that costs a traverse and no lookup, where comparing
 * edge by edge costs a random access per edge (as much as the build's
 * lookups, on a big garbage graph). */
static void
scan_confirm_garbage (OuroGraph *graph)
{
  ScanConfirmWalk walk;

  graph->n_changed = 0;
  if (graph->n_garbage == 0)
    return;

  walk = (ScanConfirmWalk) { 0, };
  for (guint32 v = 0; v < graph->n_nodes; v++)
    {
      const OuroClass *klass;
      gpointer object;
      gboolean same;

      if (!ouro_graph_is_garbage (graph, v))
        continue;
      klass = ouro_graph_class (graph, v);
      object = graph->objects[v];
      same = klass->get_refcount (object) == graph->nodes[v].refcount;
      if (same)
        {
          walk.fingerprint = OURO_GRAPH_FINGERPRINT_SEED;
          walk.n_targets = 0;
          klass->traverse (object, scan_confirm_visit, &walk);
          same = walk.fingerprint == graph->fingerprint[v]
                 || scan_confirm_edges (graph, v, &walk);
        }
      if (!same)
        {
          graph->state[v] |= OURO_NODE_CHANGED;
          graph->n_changed++;
        }
    }
  g_free (walk.targets);

  if (graph->n_changed > 0)
    scan_mark_reachable (graph);
}

/* Runs every phase.  Requires the registry locked for a scan.  After it
 * (when it returns TRUE) @graph holds states and cycles. */
gboolean
ouro_scan_run_unlocked (OuroGraph     *graph,
                        OuroScanFlags  flags)
{
  OuroRegistry *registry = ouro_registry_get_unlocked ();

  ouro_registry_compact_unlocked ();
  if (!ouro_graph_build (graph, registry, (flags & OURO_SCAN_PROBABLE) != 0))
    return FALSE;
  scan_subtract_internal_refs (graph);
  scan_mark_reachable (graph);
  scan_confirm_garbage (graph);
  ouro_graph_find_cycles (graph, (flags & OURO_SCAN_ALL_CYCLES) != 0);
  if (flags & OURO_SCAN_PROBABLE)
    ouro_graph_find_probable (graph);
  return TRUE;
}

static OuroReport *
scan_empty_report (OuroScanFlags flags)
{
  OuroGraph empty = { 0, };
  OuroReport *report;

  empty.edge_start = g_new0 (guint32, 1);
  empty.cycle_start = g_new0 (guint32, 1);
  report = ouro_report_build (&empty, flags);
  ouro_graph_clear (&empty);
  return report;
}

/**
 * ouro_scan:
 * @flags: what to report
 *
 * Finds the garbage among tracked objects: the objects that only other
 * garbage holds.  Every object reported as garbage is unreachable, provided
 * the classes' traverse functions never report a reference that is not
 * there.
 *
 * Returns: (transfer full): the report; free with ouro_report_free()
 */
OuroReport *
ouro_scan (OuroScanFlags flags)
{
  OuroGraph graph;
  OuroReport *report;

  g_return_val_if_fail ((flags & ~(OURO_SCAN_ALL_CYCLES | OURO_SCAN_LIVE_SUMMARY
                                   | OURO_SCAN_PROBABLE)) == 0, NULL);

  if (ouro_registry_refuse_reentry ("ouro_scan"))
    return scan_empty_report (flags);
  ouro_fork_ensure_handlers ();
  ouro_registry_lock_for_scan ();
  if (ouro_scan_run_unlocked (&graph, flags))
    {
      report = ouro_report_build (&graph, flags);
      ouro_graph_clear (&graph);
    }
  else
    report = scan_empty_report (flags);
  ouro_registry_unlock_after_scan ();
  /* Text that may run application code, now that the lock is free. */
  ouro_report_describe_late (report);

  return report;
}

typedef struct {
  gpointer         object;
  const OuroClass *klass;
  guint            refcount;   /* as the first scan read it */
  gboolean         clear;      /* chosen to be cleared this round */
} CollectItem;

/* Which garbage a collect round clears (see ouro_collect ()).  Every round
 * refs and unrefs all the collectable garbage; only the chosen objects are
 * cleared. */
typedef enum {
  /* In each garbage cycle that no other garbage holds, @width members:
   * those whose class can clear them now, in tracking order, from the
   * @offset-th on (modulo their number). */
  COLLECT_CLEAR_GENTLY,
  /* Every collectable garbage object. */
  COLLECT_CLEAR_ALL,
} CollectLevel;

/* What a collect knows from one round to the next. */
typedef struct {
  guint        round;
  CollectLevel level;
  guint        offset;
  guint        width;
  guint        n_slow;        /* rounds in a row that freed less than half */
  guint        n_previous;    /* garbage the previous round's scan found */
  guint        n_chosen;      /* objects the previous round chose to clear */
} CollectState;

/* Gentle rounds a collect runs at most, and rounds in a row that free less
 * than half of the garbage, before one clears every collectable object
 * left. */
#define COLLECT_MAX_GENTLE_ROUNDS 16
#define COLLECT_MAX_SLOW_ROUNDS   2

/* After it: @state says what the round whose scan found @n_garbage
 * clears.  A round that freed at least half of the garbage keeps one
 * member per cycle; one that freed less clears 16 times as many members
 * next, and one that freed nothing also moves on to other members. */
static void
collect_choose (CollectState *state,
                guint         n_garbage)
{
  if (state->round == 0)
    {
      state->level = COLLECT_CLEAR_GENTLY;
      state->offset = 0;
      state->width = 1;
    }
  else if (n_garbage * 2 <= state->n_previous)
    {
      state->offset = 0;
      state->width = 1;
      state->n_slow = 0;
    }
  else
    {
      if (n_garbage >= state->n_previous)
        state->offset += state->width;
      else
        state->offset = 0;
      state->width = state->width > G_MAXUINT / 16 ? G_MAXUINT : state->width * 16;
      state->n_slow++;
    }
  if (state->round >= COLLECT_MAX_GENTLE_ROUNDS || state->n_slow >= COLLECT_MAX_SLOW_ROUNDS
      || (state->round > 0 && state->n_chosen == 0))
    state->level = COLLECT_CLEAR_ALL;
  state->n_previous = n_garbage;
  state->round++;
}

/* After it: @root[c] says whether garbage cycle c is held by no garbage
 * outside it.  Garbage in no cycle is held by garbage (its refcount is all
 * explained), so following holders always ends in such a cycle. */
static gboolean *
collect_find_root_cycles (const OuroGraph *graph)
{
  gboolean *root = g_new (gboolean, graph->n_cycles);

  for (guint32 c = 0; c < graph->n_cycles; c++)
    root[c] = TRUE;
  for (guint32 u = 0; u < graph->n_nodes; u++)
    {
      if (!ouro_graph_is_garbage (graph, u))
        continue;
      for (guint32 e = graph->edge_start[u]; e < graph->edge_start[u + 1]; e++)
        {
          guint32 v = graph->edge_target[e];
          guint32 cycle = graph->cycle_of[v];

          if (cycle != OURO_NODE_NONE && cycle != graph->cycle_of[u])
            root[cycle] = FALSE;
        }
    }
  return root;
}

/* Whether ouro_collect () may take objects of @klass at all. */
static inline gboolean
collect_class_collects (const OuroClass *klass)
{
  return klass->ref != NULL && klass->unref != NULL && klass->clear != NULL;
}

/* Whether @item's class can clear it now. */
static gboolean
collect_can_clear (const CollectItem *item)
{
  return item->klass->can_clear == NULL || item->klass->can_clear (item->object);
}

/* After it: @collectable lists the garbage whose class can be collected and
 * @refused the rest, each in tracking order, the collectable items that
 * @state chooses (collect_choose (), given the garbage count) have clear
 * set, and @state->n_chosen counts them.  Returns the garbage count. */
static guint
collect_gather_unlocked (OuroGraph    *graph,
                         CollectState *state,
                         GArray       *collectable,
                         GArray       *refused)
{
  gboolean *root = NULL;
  guint *n_candidates = NULL;   /* per cycle: clearable members seen so far */
  guint *n_clearable = NULL;    /* per cycle: all of them */

  collect_choose (state, graph->n_garbage);
  state->n_chosen = 0;
  if (state->level == COLLECT_CLEAR_GENTLY && graph->n_cycles > 0)
    {
      root = collect_find_root_cycles (graph);
      n_candidates = g_new0 (guint, graph->n_cycles);
      n_clearable = g_new0 (guint, graph->n_cycles);
      for (guint32 v = 0; v < graph->n_nodes; v++)
        {
          guint32 cycle = graph->cycle_of[v];
          CollectItem item = { graph->objects[v], ouro_graph_class (graph, v), 0, FALSE };

          if (cycle != OURO_NODE_NONE && root[cycle] && collect_class_collects (item.klass)
              && collect_can_clear (&item))
            n_clearable[cycle]++;
        }
    }

  for (guint32 v = 0; v < graph->n_nodes; v++)
    {
      CollectItem item = { graph->objects[v], ouro_graph_class (graph, v),
                           graph->nodes[v].refcount, FALSE };
      guint32 cycle;

      if (!ouro_graph_is_garbage (graph, v))
        continue;
      if (!collect_class_collects (item.klass))
        {
          g_array_append_val (refused, item);
          continue;
        }
      cycle = graph->n_cycles > 0 ? graph->cycle_of[v] : OURO_NODE_NONE;
      if (state->level == COLLECT_CLEAR_ALL)
        item.clear = TRUE;
      else if (cycle != OURO_NODE_NONE && root[cycle] && collect_can_clear (&item))
        {
          /* Its rank among the cycle's clearable members, from @offset. */
          guint n = n_clearable[cycle];
          guint rank = (n_candidates[cycle]++ + n - state->offset % n) % n;

          item.clear = rank < state->width;
        }
      state->n_chosen += item.clear;
      g_array_append_val (collectable, item);
    }

  g_free (root);
  g_free (n_candidates);
  g_free (n_clearable);
  return graph->n_garbage;
}

/* Requires the registry lock.  After it: no weak reference of a class
 * with clear_weak points into @collectable any more, so nothing can take
 * a new strong reference to it (CPython's handle_weakrefs).  Returns
 * whether any was cleared: one may have been used between the scan and
 * now, and the garbage must then be confirmed. */
static gboolean
collect_clear_weak_unlocked (GArray *collectable)
{
  gboolean cleared = FALSE;

  for (guint i = 0; i < collectable->len; i++)
    {
      CollectItem *item = &g_array_index (collectable, CollectItem, i);

      if (item->klass->clear_weak != NULL && item->klass->clear_weak (item->object))
        cleared = TRUE;
    }
  return cleared;
}

/* After it: @items keeps only the objects @garbage maps to the refcount
 * (plus one) that the first scan read. */
static void
collect_keep_confirmed (GArray     *items,
                        GHashTable *garbage)
{
  guint kept = 0;

  for (guint i = 0; i < items->len; i++)
    {
      CollectItem *item = &g_array_index (items, CollectItem, i);
      guint refcount_plus_one = GPOINTER_TO_UINT (g_hash_table_lookup (garbage, item->object));

      if (refcount_plus_one == item->refcount + 1)
        g_array_index (items, CollectItem, kept++) = *item;
    }
  g_array_set_size (items, kept);
}

/* Requires the registry lock, and the weak references into @collectable
 * cleared.  After it: @collectable and @refused keep only the objects that
 * a new scan finds garbage with the refcount the first scan read.  An object that
 * another thread took through a weak reference before it was cleared is
 * live now, and so is everything it reaches, its whole cycle included:
 * they are left alone.  When the scan cannot run, nothing is kept. */
static void
collect_confirm_unlocked (GArray *collectable,
                          GArray *refused)
{
  OuroGraph graph;
  GHashTable *garbage;

  if (!ouro_scan_run_unlocked (&graph, OURO_SCAN_GARBAGE))
    {
      g_array_set_size (collectable, 0);
      g_array_set_size (refused, 0);
      return;
    }
  garbage = g_hash_table_new (NULL, NULL);
  for (guint32 v = 0; v < graph.n_nodes; v++)
    if (ouro_graph_is_garbage (&graph, v))
      g_hash_table_insert (garbage, graph.objects[v], GUINT_TO_POINTER (graph.nodes[v].refcount + 1));
  collect_keep_confirmed (collectable, garbage);
  /* What is left alone is not "left leaking" by this collect. */
  collect_keep_confirmed (refused, garbage);
  g_hash_table_unref (garbage);
  ouro_graph_clear (&graph);
}

/* Names, one message per class, the garbage that could not be collected
 * and is still tracked (clearing its collectable holders often frees it). */
static void
collect_report_refused (GArray *refused)
{
  GHashTable *still_tracked = g_hash_table_new (NULL, NULL);   /* class -> count */
  GHashTableIter iter;
  gpointer klass_pointer, count;

  for (guint i = 0; i < refused->len; i++)
    {
      CollectItem *item = &g_array_index (refused, CollectItem, i);

      if (ouro_is_tracked (item->object))
        g_hash_table_insert (still_tracked, (gpointer) item->klass,
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (
                               g_hash_table_lookup (still_tracked, item->klass)) + 1));
    }

  g_hash_table_iter_init (&iter, still_tracked);
  while (g_hash_table_iter_next (&iter, &klass_pointer, &count))
    {
      const OuroClass *klass = klass_pointer;
      g_message ("ouro_collect: %u garbage object(s) of class %s left leaking: "
                 "the class lacks ref, unref or clear",
                 GPOINTER_TO_UINT (count), klass->name != NULL ? klass->name : "(unnamed)");
    }
  g_hash_table_unref (still_tracked);
}

/* One round of ouro_collect (): scans, and clears what @state chooses of
 * the garbage found (see ouro_collect ()).  Returns the garbage the scan
 * found, collectable or not, and in *@n_collectable how much of it could
 * be collected.  @refused, emptied first, lists the rest. */
static guint
collect_round (CollectState *state,
               guint        *n_collectable,
               GArray       *refused)
{
  GArray *collectable = g_array_new (FALSE, FALSE, sizeof (CollectItem));
  OuroGraph graph;
  guint n_garbage = 0;

  g_array_set_size (refused, 0);
  ouro_registry_lock_for_scan ();
  if (ouro_scan_run_unlocked (&graph, OURO_SCAN_GARBAGE))
    {
      n_garbage = collect_gather_unlocked (&graph, state, collectable, refused);
      ouro_graph_clear (&graph);
      /* Under the same lock as the scan: untracking waits, so no garbage
       * object can be freed (and its address reused) in between. */
      if (collect_clear_weak_unlocked (collectable))
        collect_confirm_unlocked (collectable, refused);
    }
  ouro_registry_unlock_after_scan ();

  /* Confirmed garbage with no weak reference left is unreachable: nothing
   * but the calls below can touch it now.  Each chosen object is cleared
   * while the collect holds all of them, unless earlier clears already
   * released it (only the collect holds it: its refcount is 1); then each
   * is let go, and what the clears released is freed the ordinary way. */
  for (guint i = 0; i < collectable->len; i++)
    {
      CollectItem *item = &g_array_index (collectable, CollectItem, i);
      item->klass->ref (item->object);
    }
  for (guint i = 0; i < collectable->len; i++)
    {
      CollectItem *item = &g_array_index (collectable, CollectItem, i);

      if (item->clear && item->klass->get_refcount (item->object) > 1)
        item->klass->clear (item->object);
    }
  for (guint i = 0; i < collectable->len; i++)
    {
      CollectItem *item = &g_array_index (collectable, CollectItem, i);
      item->klass->unref (item->object);
    }

  *n_collectable = collectable->len;
  g_array_unref (collectable);
  return n_garbage;
}

/**
 * ouro_collect:
 *
 * Scans, then breaks the garbage cycles found, in rounds.  A round refs
 * every garbage object whose class has ref, unref and clear, calls clear
 * on one member of each garbage cycle that no other garbage holds (the
 * first in tracking order whose class's can_clear allows it), then unrefs
 * them all: the cleared object lets go of what it holds, and the rest of
 * its cycle, and what the cycle held, is freed the ordinary way, each
 * object's own dispose releasing what it holds in the order its code
 * expects.  Clearing every object at once would dispose objects still in
 * use by garbage not yet torn down (a GListStore a GTK list view still
 * shows), which libraries do not survive.  Rounds go on while garbage is
 * left.  After a round that freed less than half of the garbage (a tangle
 * where one member's clear releases little), the next clears 16 times as
 * many members of each cycle, other members when nothing was freed; after
 * COLLECT_MAX_SLOW_ROUNDS such rounds in a row, COLLECT_MAX_GENTLE_ROUNDS
 * rounds in all, or a round that could choose nothing, a last one clears
 * every collectable object left.  Garbage of other classes is not touched; what
 * of it is still garbage after the last round (nothing collected released
 * it) is named in a message.
 *
 * Weak references come first, as in CPython's collector: in every round,
 * before any clear, the weak references to the garbage are cleared (the
 * class's clear_weak), so nothing can take a new strong reference to it;
 * when there were any, another scan confirms the garbage, and an object
 * that another thread took in between is left alone, with its cycle and
 * all it holds.
 *
 * Returns: the number of garbage objects the first scan found,
 *   collectable or not
 */
guint
ouro_collect (void)
{
  GArray *refused = g_array_new (FALSE, FALSE, sizeof (CollectItem));
  CollectState state = { 0, };
  guint n_garbage, n_collectable;

  if (ouro_registry_refuse_reentry ("ouro_collect"))
    return 0;
  ouro_fork_ensure_handlers ();

  n_garbage = collect_round (&state, &n_collectable, refused);
  while (n_collectable > 0 && state.level != COLLECT_CLEAR_ALL)
    collect_round (&state, &n_collectable, refused);

  collect_report_refused (refused);
  g_array_unref (refused);
  return n_garbage;
}
