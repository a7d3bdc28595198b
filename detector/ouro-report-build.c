/* ouro-report-build.c — turning a scanned graph into an OuroReport.
 *
 * Runs under the registry lock, on the scanning thread (it calls the
 * classes' get_type_name, describe and traverse).
 *
 * Order is what makes reports comparable between runs, so every choice here
 * is deterministic given the tracking order:
 *   - a cycle's canonical member is the one tracked first (node numbers are
 *     tracking order); members follow in depth-first preorder from it along
 *     edges in traverse order, which for a simple ring is the ring itself;
 *   - cycles go garbage first, then by size, then by the sequence of member
 *     type names, then by canonical member;
 *   - garbage in no cycle goes under the first cycle, in that order, that
 *     reaches it.
 * The suggested weak edge: the first strong edge labelled "signal ..." (a
 * signal handler whose data holds an object: the bound-callback
 * back-reference, which a weak connection fixes without changing
 * ownership) or "binding transform ..." (a GBinding's transform data, the
 * same back-reference) or "expression closure data" (a GtkExpression's
 * callback data, the same again); else the first labelled "qdata ..." (an object attached as
 * data with a reference); else the edge that closes the cycle back onto
 * its canonical member, from the member latest in cycle order.  Plain C
 * owners are usually tracked before what they own, so that is the
 * back-reference; GObjects created in their owner's init are tracked
 * first, which is why edge kinds come first.
 * Weak edges (ouro_visit_weak) are shown, never suggested, never counted.
 *
 * Detail is bounded: descriptions (each cut to OURO_REPORT_MAX_DESCRIPTION
 * bytes), and the explain function's reference
 * sites, are captured for the first OURO_REPORT_MAX_DESCRIBED objects in
 * the order they are built (inconsistent objects, cycle members, held
 * garbage, then the live summary's roots); an object costs one from that
 * budget when it has either.  The explain function is called, with the
 * registry locked, for each such object whose refcount is above the
 * references found: never garbage, every root while the budget lasts.
 *
 * The explain function itself is process-wide state, set from any thread:
 * a mutex guards it, and a build reads it once, when it starts.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "ouro-registry-private.h"
#include "ouro-report-private.h"
#include "ouro-report.h"

static pthread_mutex_t build_explain_lock = PTHREAD_MUTEX_INITIALIZER;
static OuroExplainFunc  build_explain_func;
static gpointer         build_explain_data;
static OuroExplainFunc  build_holder_func;   /* under build_explain_lock too */
static gpointer         build_holder_data;
static OuroOwnFunc      build_own_func;      /* under build_explain_lock too */
static gpointer         build_own_data;

typedef struct {
  OuroGraph        *graph;
  OuroReport       *report;         /* being built; its late list grows */
  guint32          *ordered;        /* cycle members in cycle order, laid out as cycle_nodes */
  const char      **type_names;     /* [n_nodes], filled for cycle members;
                                       NULL when there are no cycles */
  guint32          *cycle_rank;     /* report position -> graph cycle */
  guint             budget;         /* objects left to describe and explain */
  gboolean          truncated;
  OuroExplainFunc   explain_func;   /* as set when the build started */
  gpointer          explain_data;
  OuroExplainFunc   holder_func;    /* likewise */
  gpointer          holder_data;
  OuroOwnFunc       own_func;       /* likewise */
  gpointer          own_data;
  guint8           *cycle_own;      /* graph cycle -> has a member of the program's own */
  /* Interned type names by (class, raw name pointer), direct-mapped:
   * g_intern_string () hashes the string and takes a lock, and objects of
   * many types alternate in tracking order. */
  struct {
    const OuroClass *klass;
    const char      *raw;
    const char      *interned;
  } type_cache[256];
  const OuroClass  *last_name_class;
  const char       *last_class_name;
} Builder;

static const char *
build_type_name (Builder  *builder,
                 guint32   node)
{
  const OuroClass *klass = ouro_graph_class (builder->graph, node);
  const char *raw = ouro_class_get_type_name (klass, builder->graph->objects[node]);
  guint slot = (guint) ((((guintptr) raw >> 3) ^ ((guintptr) klass >> 4)) % G_N_ELEMENTS (builder->type_cache));

  if (builder->type_cache[slot].klass != klass || builder->type_cache[slot].raw != raw)
    {
      builder->type_cache[slot].klass = klass;
      builder->type_cache[slot].raw = raw;
      builder->type_cache[slot].interned = g_intern_string (raw);
    }
  return builder->type_cache[slot].interned;
}

/* The type name of @node, from the cycle members' cache when it is one. */
static const char *
build_node_type_name (Builder *builder,
                      guint32  node)
{
  if (builder->type_names != NULL && builder->type_names[node] != NULL)
    return builder->type_names[node];
  return build_type_name (builder, node);
}

static const char *
build_class_name (Builder         *builder,
                  const OuroClass *klass)
{
  if (klass != builder->last_name_class)
    {
      builder->last_name_class = klass;
      builder->last_class_name = g_intern_string (klass->name != NULL ? klass->name
                                                                      : "(unnamed class)");
    }
  return builder->last_class_name;
}

/**
 * ouro_set_explain_func:
 * @func: (nullable): called for each object a report shows whose refcount
 *   is above the references found, or NULL for none
 * @user_data: passed to @func
 *
 * Sets the process's explain function: the source of the reference sites
 * reports show (the GObject preload's reference ledger is one).  MT safe;
 * a report being built when it changes still uses the one it started with,
 * so @user_data must outlive a scan running at the time.
 */
void
ouro_set_explain_func (OuroExplainFunc func,
                       gpointer        user_data)
{
  pthread_mutex_lock (&build_explain_lock);
  build_explain_func = func;
  build_explain_data = func != NULL ? user_data : NULL;
  pthread_mutex_unlock (&build_explain_lock);
}

/**
 * ouro_set_holder_func:
 * @func: (nullable): called for each object a report shows whose refcount
 *   is above the references found, or NULL for none
 * @user_data: passed to @func
 *
 * Sets the process's holder function: what reports say holds an object
 * from outside the tracked ones (ouro_explanation_add_holder ()).  The
 * GObject glue sets one.  MT safe, as ouro_set_explain_func ().
 */
void
ouro_set_holder_func (OuroExplainFunc func,
                      gpointer        user_data)
{
  pthread_mutex_lock (&build_explain_lock);
  build_holder_func = func;
  build_holder_data = func != NULL ? user_data : NULL;
  pthread_mutex_unlock (&build_explain_lock);
}

/**
 * ouro_set_own_func:
 * @func: (nullable): says which objects are the program's own, or NULL
 * @user_data: passed to @func
 *
 * Sets the process's own-object function (see #OuroOwnFunc); the GObject
 * glue sets one.  MT safe; a report being built when it changes uses the
 * one it started with.
 */
void
ouro_set_own_func (OuroOwnFunc func,
                   gpointer    user_data)
{
  pthread_mutex_lock (&build_explain_lock);
  build_own_func = func;
  build_own_data = func != NULL ? user_data : NULL;
  pthread_mutex_unlock (&build_explain_lock);
}

/* The passes over every node below read each object (its type, to name
 * it or to tell whether it is the program's), one cache miss per object
 * in tracking order: the object BUILD_PREFETCH_AHEAD nodes further is
 * fetched while this one is read.  A prefetch never faults, whatever the
 * class's objects are. */
#define BUILD_PREFETCH_AHEAD 16

static inline void
build_prefetch_ahead (const OuroGraph *graph,
                      guint32          node)
{
  if (node + BUILD_PREFETCH_AHEAD < graph->n_nodes)
    ouro_graph_prefetch (graph->objects[node + BUILD_PREFETCH_AHEAD]);
}

/* Whether @node is the program's own object. */
static gboolean
build_is_own (const Builder *builder,
              guint32        node)
{
  return builder->own_func != NULL
         && builder->own_func (builder->graph->objects[node],
                               ouro_graph_class (builder->graph, node), builder->own_data);
}

/* Returns @text as an interned string, made valid UTF-8 first. */
static const char *
build_intern_valid (const char *text)
{
  char *valid;
  const char *interned;

  if (g_utf8_validate (text, -1, NULL))
    return g_intern_string (text);
  valid = g_utf8_make_valid (text, -1);
  interned = g_intern_string (valid);
  g_free (valid);
  return interned;
}

/* Returns @frames (NULL-terminated, or NULL) copied as valid UTF-8. */
static char **
build_copy_frames (const char * const *frames)
{
  guint n_frames = 0;
  char **copy;

  while (frames != NULL && frames[n_frames] != NULL)
    n_frames++;
  copy = g_new (char *, n_frames + 1);
  for (guint i = 0; i < n_frames; i++)
    copy[i] = g_utf8_make_valid (frames[i], -1);
  copy[n_frames] = NULL;
  return copy;
}

/**
 * ouro_explanation_add_site:
 * @explanation: what the explain function was given
 * @count: references taken at this site and not yet released; at least 1
 * @kind: how they were taken ("new", "ref", "ref_sink")
 * @frames: (nullable) (array zero-terminated=1): symbolised call frames,
 *   innermost first ("app_window_setup (app-window.c:71)"); copied, made
 *   valid UTF-8
 *
 * Adds one site to the object being explained.  A report keeps the first
 * 64 sites of an object and counts the rest.  Only valid inside the
 * explain function's call.
 */
void
ouro_explanation_add_site (OuroExplanation    *explanation,
                           guint               count,
                           const char         *kind,
                           const char * const *frames)
{
  ouro_explanation_add_site_full (explanation, count, kind, frames, -1);
}

/**
 * ouro_explanation_add_site_full:
 * @explanation: what the explain function was given
 * @count: references taken at this site and not yet released; at least 1
 * @kind: how they were taken ("new", "ref", "ref_sink")
 * @frames: (nullable) (array zero-terminated=1): symbolised call frames,
 *   innermost first; copied, made valid UTF-8
 * @program_frame: the index in @frames of the innermost frame in the
 *   program's own code, or -1 when none is (or it is not known)
 *
 * As ouro_explanation_add_site (), for a site taken inside a library on
 * the program's behalf: the report names @frames[@program_frame] and shows
 * the frames inside it as the way the reference was taken.
 */
void
ouro_explanation_add_site_full (OuroExplanation    *explanation,
                                guint               count,
                                const char         *kind,
                                const char * const *frames,
                                gint                program_frame)
{
  OuroReportSite *site;

  g_return_if_fail (explanation != NULL);
  g_return_if_fail (kind != NULL);
  g_return_if_fail (count > 0);
  g_return_if_fail (program_frame >= -1);

  if (explanation->n_sites == OURO_REPORT_MAX_SITES)
    {
      explanation->n_sites_dropped++;
      explanation->n_references_dropped += count;
      return;
    }
  if (explanation->n_sites == explanation->allocated)
    {
      explanation->allocated = MIN (MAX (explanation->allocated * 2, 4), OURO_REPORT_MAX_SITES);
      explanation->sites = g_renew (OuroReportSite, explanation->sites, explanation->allocated);
    }

  site = &explanation->sites[explanation->n_sites++];
  site->count = count;
  site->kind = build_intern_valid (kind);
  site->frames = build_copy_frames (frames);
  site->program_frame = program_frame < (gint) g_strv_length (site->frames) ? program_frame : -1;
}

/**
 * ouro_explanation_add_holder:
 * @explanation: what the holder (or explain) function was given
 * @count: references it holds; at least 1
 * @holder: what holds the object ("timeout source (100 ms, default main
 *   context)"); copied, made valid UTF-8
 * @note: (nullable): a remark shown under it ("likely leak: ..."); copied
 * @frames: (nullable) (array zero-terminated=1): where the holder was
 *   made, innermost first; copied, made valid UTF-8
 *
 * Adds one holder of the object being explained.  A report keeps the
 * first 64 of an object.  Only valid inside the function's call.
 */
void
ouro_explanation_add_holder (OuroExplanation    *explanation,
                             guint               count,
                             const char         *holder,
                             const char         *note,
                             const char * const *frames)
{
  OuroReportHolder *out;

  g_return_if_fail (explanation != NULL);
  g_return_if_fail (holder != NULL);
  g_return_if_fail (count > 0);

  if (explanation->n_holders == OURO_REPORT_MAX_SITES)
    return;
  if (explanation->n_holders == explanation->holders_allocated)
    {
      explanation->holders_allocated = MIN (MAX (explanation->holders_allocated * 2, 2),
                                            OURO_REPORT_MAX_SITES);
      explanation->holders = g_renew (OuroReportHolder, explanation->holders,
                                      explanation->holders_allocated);
    }
  out = &explanation->holders[explanation->n_holders++];
  out->count = count;
  out->holder = g_utf8_make_valid (holder, -1);
  out->note = note != NULL ? g_utf8_make_valid (note, -1) : NULL;
  out->frames = build_copy_frames (frames);
}

/* After it: @out holds what the explain and holder functions say of its
 * object; explained_by_ledger is set when there is an explain function. */
static void
build_explain (Builder          *builder,
               OuroReportObject *out)
{
  OuroExplanation explanation = { 0, };

  if (builder->explain_func != NULL)
    {
      builder->explain_func (out->object, &explanation, builder->explain_data);
      out->explained_by_ledger = TRUE;
    }
  if (builder->holder_func != NULL)
    builder->holder_func (out->object, &explanation, builder->holder_data);
  out->holders = explanation.holders;
  out->n_holders = explanation.n_holders;
  out->sites = explanation.sites;
  out->n_sites = explanation.n_sites;
  out->n_sites_dropped = explanation.n_sites_dropped;
  out->n_references_dropped = explanation.n_references_dropped;
}

/* Returns @description (taken) cut to OURO_REPORT_MAX_DESCRIPTION bytes
 * and made valid UTF-8, so every writer can assume both. */
static char *
build_tidy_description (char *description)
{
  if (description != NULL && strnlen (description, OURO_REPORT_MAX_DESCRIPTION + 1)
                             > OURO_REPORT_MAX_DESCRIPTION)
    {
      /* Cut before a character that would cross the limit (backing over
       * at most three continuation bytes), then mark the cut. */
      gsize cut = OURO_REPORT_MAX_DESCRIPTION - strlen ("…");
      char *shortened;

      for (guint i = 0; i < 3 && cut > 0 && ((guchar) description[cut] & 0xc0) == 0x80; i++)
        cut--;
      shortened = g_strdup_printf ("%.*s…", (int) cut, description);
      g_free (description);
      description = shortened;
    }
  if (description != NULL && !g_utf8_validate (description, -1, NULL))
    {
      char *valid = g_utf8_make_valid (description, -1);
      g_free (description);
      description = valid;
    }
  return description;
}

/* After it: @out describes @node; while the report's budget lasts, its
 * description is captured, as valid UTF-8, and when its refcount is above
 * the references found, the explain function's sites. */
static void
build_object (Builder          *builder,
              guint32           node,
              OuroReportObject *out)
{
  OuroGraph *graph = builder->graph;
  const OuroClass *klass = ouro_graph_class (graph, node);
  gboolean wants_explanation;
  char *description;

  memset (out, 0, sizeof *out);
  out->object = graph->objects[node];
  out->type_name = build_node_type_name (builder, node);
  out->class_name = build_class_name (builder, klass);
  out->refcount = graph->nodes[node].refcount;
  out->explained = graph->nodes[node].visits;
  out->node = node;
  out->own = build_is_own (builder, node);
  wants_explanation = (builder->explain_func != NULL || builder->holder_func != NULL)
                      && out->refcount > out->explained;
  if (klass->describe == NULL && !wants_explanation)
    return;
  if (builder->budget == 0)
    {
      /* "descriptions_truncated" means what it says: a missing explanation
       * shows as explained_by_ledger unset. */
      if (klass->describe != NULL)
        builder->truncated = TRUE;
      return;
    }
  builder->budget--;
  if (wants_explanation)
    build_explain (builder, out);
  if (klass->describe == NULL)
    return;
  description = klass->describe (out->object);
  out->description = build_tidy_description (description);
  if (klass->describe_late != NULL)
    {
      OuroReportLate late = { out, klass };

      if (builder->report->late == NULL)
        builder->report->late = g_array_new (FALSE, FALSE, sizeof (OuroReportLate));
      g_array_append_val (builder->report->late, late);
    }
}

void
ouro_report_describe_late (OuroReport *report)
{
  g_assert (!ouro_registry_scanning_here ());
  if (report->late == NULL)
    return;
  /* In the order describe was called, as the class may expect. */
  for (guint i = 0; i < report->late->len; i++)
    {
      OuroReportLate *late = &g_array_index (report->late, OuroReportLate, i);
      char *extra = late->klass->describe_late (late->out->object);
      char *joined;

      if (extra == NULL || extra[0] == '\0')
        {
          g_free (extra);
          continue;
        }
      joined = late->out->description != NULL
             ? g_strconcat (late->out->description, " ", extra, NULL)
             : g_strdup (extra);
      g_free (extra);
      g_free (late->out->description);
      late->out->description = build_tidy_description (joined);
    }
  g_clear_pointer (&report->late, g_array_unref);
}

/* After it: @out names @node and its type.  A description it would have
 * had counts as truncated: the budget is always spent by then (the listed
 * objects of one cycle are as many as the budget). */
static void
build_brief (Builder         *builder,
             guint32          node,
             OuroReportBrief *out)
{
  G_STATIC_ASSERT (OURO_REPORT_MAX_DESCRIBED <= OURO_REPORT_MAX_LISTED);

  out->object = builder->graph->objects[node];
  out->type_name = build_node_type_name (builder, node);
  if (ouro_graph_class (builder->graph, node)->describe != NULL)
    builder->truncated = TRUE;
}

/* After it: ordered[cycle_start[c] ..) lists cycle c's members in
 * depth-first preorder from its lowest-numbered member. */
static void
build_order_members (Builder *builder)
{
  OuroGraph *graph = builder->graph;
  guint32 total = graph->cycle_start[graph->n_cycles];
  guint8 *seen;
  guint32 *stack_node, *stack_edge;

  builder->ordered = g_new (guint32, MAX (total, 1));
  if (graph->n_cycles == 0)
    return;
  seen = g_new0 (guint8, MAX (graph->n_nodes, 1));
  stack_node = g_new (guint32, MAX (total, 1));
  stack_edge = g_new (guint32, MAX (total, 1));

  for (guint32 c = 0; c < graph->n_cycles; c++)
    {
      guint32 first = graph->cycle_start[c], end = graph->cycle_start[c + 1];
      guint32 root = graph->cycle_nodes[first];
      guint32 out = first, depth = 0;

      for (guint32 i = first; i < end; i++)
        root = MIN (root, graph->cycle_nodes[i]);

      seen[root] = 1;
      builder->ordered[out++] = root;
      stack_node[depth] = root;
      stack_edge[depth++] = graph->edge_start[root];

      /* Invariant: the stack is the DFS path from root; ordered[first, out)
       * are the members entered so far, each exactly once. */
      while (depth > 0)
        {
          guint32 v = stack_node[depth - 1];

          if (stack_edge[depth - 1] == graph->edge_start[v + 1])
            {
              depth--;
              continue;
            }

          guint32 w = graph->edge_target[stack_edge[depth - 1]++];
          /* seen[] first: a byte per node stays in cache, cycle_of[] less. */
          if (seen[w] || graph->cycle_of[w] != c)
            continue;
          seen[w] = 1;
          builder->ordered[out++] = w;
          stack_node[depth] = w;
          stack_edge[depth++] = graph->edge_start[w];
        }
      g_assert (out == end);
    }

  g_free (seen);
  g_free (stack_node);
  g_free (stack_edge);
}

static gint
build_compare_cycles (gconstpointer a,
                      gconstpointer b,
                      gpointer      user_data)
{
  const Builder *builder = user_data;
  const OuroGraph *graph = builder->graph;
  guint32 ca = *(const guint32 *) a, cb = *(const guint32 *) b;
  guint32 fa = graph->cycle_start[ca], fb = graph->cycle_start[cb];
  guint32 na = graph->cycle_start[ca + 1] - fa, nb = graph->cycle_start[cb + 1] - fb;
  gboolean ga = ouro_graph_is_garbage (graph, graph->cycle_nodes[fa]);
  gboolean gb = ouro_graph_is_garbage (graph, graph->cycle_nodes[fb]);

  if (ga != gb)
    return ga ? -1 : 1;
  if (builder->cycle_own[ca] != builder->cycle_own[cb])
    return builder->cycle_own[ca] ? -1 : 1;
  if (na != nb)
    return na < nb ? -1 : 1;
  for (guint32 i = 0; i < na; i++)
    {
      int order = strcmp (builder->type_names[builder->ordered[fa + i]],
                          builder->type_names[builder->ordered[fb + i]]);
      if (order != 0)
        return order;
    }
  return builder->ordered[fa] < builder->ordered[fb] ? -1 : 1;
}

/* After it: cycle_rank lists the graph's cycles in report order. */
static void
build_rank_cycles (Builder *builder)
{
  OuroGraph *graph = builder->graph;

  if (graph->n_cycles > 0)
    builder->type_names = g_new0 (const char *, graph->n_nodes);
  for (guint32 i = 0; i < graph->cycle_start[graph->n_cycles]; i++)
    {
      guint32 node = graph->cycle_nodes[i];
      builder->type_names[node] = build_type_name (builder, node);
    }
  /* Cycles with a member of the program's own come first. */
  builder->cycle_own = g_new0 (guint8, MAX (graph->n_cycles, 1));
  for (guint32 c = 0; c < graph->n_cycles && builder->own_func != NULL; c++)
    for (guint32 i = graph->cycle_start[c]; i < graph->cycle_start[c + 1] && !builder->cycle_own[c]; i++)
      builder->cycle_own[c] = build_is_own (builder, graph->cycle_nodes[i]);

  builder->cycle_rank = g_new (guint32, MAX (graph->n_cycles, 1));
  for (guint32 c = 0; c < graph->n_cycles; c++)
    builder->cycle_rank[c] = c;
  g_qsort_with_data (builder->cycle_rank, graph->n_cycles, sizeof (guint32),
                     build_compare_cycles, builder);
}

/* After it: held_by[v] is the report position of the cycle that holds
 * garbage node v when v is in no cycle, OURO_NODE_NONE otherwise; every
 * garbage node in no cycle is held by one (its holders are all garbage, and
 * following holders back from it must end in a cycle).  NULL when there
 * is no garbage. */
static guint32 *
build_assign_held (Builder *builder)
{
  OuroGraph *graph = builder->graph;
  guint32 *held_by, *queue;
  guint32 n_in_cycles = 0;

  if (graph->n_garbage == 0)
    return NULL;
  held_by = g_new (guint32, MAX (graph->n_nodes, 1));
  for (guint32 v = 0; v < graph->n_nodes; v++)
    held_by[v] = OURO_NODE_NONE;

  /* Garbage all in cycles (one big tangle, say): nothing is held. */
  for (guint32 c = 0; c < graph->n_cycles; c++)
    if (ouro_graph_is_garbage (graph, graph->cycle_nodes[graph->cycle_start[c]]))
      n_in_cycles += graph->cycle_start[c + 1] - graph->cycle_start[c];
  if (n_in_cycles == graph->n_garbage)
    return held_by;

  queue = g_new (guint32, MAX (graph->n_nodes, 1));

  for (guint32 rank = 0; rank < graph->n_cycles; rank++)
    {
      guint32 c = builder->cycle_rank[rank];
      guint32 head = 0, tail = 0;

      if (!ouro_graph_is_garbage (graph, graph->cycle_nodes[graph->cycle_start[c]]))
        continue;
      for (guint32 i = graph->cycle_start[c]; i < graph->cycle_start[c + 1]; i++)
        queue[tail++] = builder->ordered[i];

      /* Invariant: queue[head, tail) are nodes of this cycle or garbage
       * claimed by it, whose successors are not yet looked at. */
      while (head < tail)
        {
          guint32 v = queue[head++];

          for (guint32 e = graph->edge_start[v]; e < graph->edge_start[v + 1]; e++)
            {
              guint32 w = graph->edge_target[e];

              /* Garbage may hold live objects: those are not its to list. */
              if (!ouro_graph_is_garbage (graph, w)
                  || graph->cycle_of[w] != OURO_NODE_NONE || held_by[w] != OURO_NODE_NONE)
                continue;
              held_by[w] = rank;
              queue[tail++] = w;
            }
        }
    }

  g_free (queue);
  return held_by;
}

typedef struct {
  GHashTable *members;   /* object -> member index + 1 */
  GArray     *edges;
  guint       from;
  gboolean    probable;  /* recording candidate references */
} EdgeCollector;

static void
build_edge_record (EdgeCollector *collector,
                   gpointer       target,
                   const char    *label,
                   gboolean       weak)
{
  guint to = GPOINTER_TO_UINT (g_hash_table_lookup (collector->members, target));
  OuroReportEdge edge;

  if (target == NULL || to == 0)
    return;
  memset (&edge, 0, sizeof edge);
  edge.from = collector->from;
  edge.to = to - 1;
  edge.label = g_intern_string (label != NULL ? label : "(unlabelled)");
  edge.weak = weak;
  edge.probable = collector->probable;
  if (edge.probable && edge.from == edge.to)
    return;
  g_array_append_val (collector->edges, edge);
}

static void
build_edge_visit (gpointer    target,
                  const char *label,
                  gpointer    user_data)
{
  build_edge_record (user_data, target, label, FALSE);
}

/* After it: of the candidate edges @collector->edges holds from index
 * @first on, those that a proven edge between the same two members
 * accounts for (k proven edges from a to b account for k candidates, as
 * in ouro-graph-probable.c) are gone. */
static void
build_drop_accounted (EdgeCollector *collector,
                      guint          first)
{
  GArray *edges = collector->edges;
  guint kept = first;

  for (guint i = first; i < edges->len; i++)
    {
      const OuroReportEdge *edge = &g_array_index (edges, OuroReportEdge, i);
      guint n_proven = 0, n_before = 0;

      for (guint j = 0; j < first; j++)
        {
          const OuroReportEdge *other = &g_array_index (edges, OuroReportEdge, j);
          n_proven += !other->weak && other->from == edge->from && other->to == edge->to;
        }
      for (guint j = first; j < i; j++)
        {
          const OuroReportEdge *other = &g_array_index (edges, OuroReportEdge, j);
          n_before += other->from == edge->from && other->to == edge->to;
        }
      if (n_before < n_proven)
        continue;
      g_array_index (edges, OuroReportEdge, kept++) = *edge;
    }
  g_array_set_size (edges, kept);
}

/* The prefix of the functions of type @type_name, as GObject code names
 * them: "DocController" -> "doc_controller_", "GtkTextBuffer" ->
 * "gtk_text_buffer_".  Returns a newly allocated string. */
static char *
build_type_function_prefix (const char *type_name)
{
  GString *prefix = g_string_new (NULL);

  for (const char *p = type_name; *p != '\0'; p++)
    {
      if (g_ascii_isupper (*p) && p != type_name
          && (g_ascii_islower (p[-1]) || (p[1] != '\0' && g_ascii_islower (p[1]))))
        g_string_append_c (prefix, '_');
      g_string_append_c (prefix, g_ascii_tolower (*p));
    }
  g_string_append_c (prefix, '_');
  return g_string_free (prefix, FALSE);
}

/* After it: each candidate edge of @cycle carries its evidence: the held
 * member's unexplained references, and the first frame of its ledger
 * sites that is in a function of the holder's type. */
static void
build_probable_evidence (OuroReportCycle *cycle)
{
  for (guint e = 0; e < cycle->n_edges; e++)
    {
      OuroReportEdge *edge = &cycle->edges[e];
      const OuroReportObject *held = &cycle->members[edge->to];
      g_autofree char *prefix = NULL;

      if (!edge->probable)
        continue;
      edge->unexplained = held->refcount > held->explained ? held->refcount - held->explained : 0;
      prefix = build_type_function_prefix (cycle->members[edge->from].type_name);
      for (guint i = 0; i < held->n_sites && edge->taken_in == NULL; i++)
        for (char **frame = held->sites[i].frames; frame != NULL && *frame != NULL; frame++)
          if (g_str_has_prefix (*frame, prefix))
            {
              edge->taken_in = g_intern_string (*frame);
              break;
            }
    }
}

/**
 * ouro_visit_weak:
 * @visit: the visit function the traverse function was given
 * @target: an object the traversed object points to without holding a
 *   reference
 * @label: a static or interned string naming the pointer
 * @user_data: the user_data the traverse function was given
 *
 * Reports a weak reference from inside a traverse function.  It is never
 * counted: the scan ignores it, and a report shows it, marked weak, when
 * it runs between two members of a cycle (a g_signal_connect_object()
 * handler, say), so a reader sees the whole picture.
 */
void
ouro_visit_weak (OuroVisitFunc visit,
                 gpointer      target,
                 const char   *label,
                 gpointer      user_data)
{
  if (visit == build_edge_visit)
    build_edge_record (user_data, target, label, TRUE);
}

/* How good a candidate for "make this weak" an edge is by its kind: a
 * signal handler's data (the bound-callback back-reference) first, then
 * qdata attached with a reference; 0 for the rest (fields, children,
 * items: usually the owner's direction).  See the file comment. */
static guint
build_edge_preference (const OuroReportEdge *edge)
{
  if (edge->weak)
    return 0;
  if (g_str_has_prefix (edge->label, "signal ")
      || g_str_has_prefix (edge->label, "binding transform ")
      || g_str_equal (edge->label, "expression closure data"))
    return 2;
  if (g_str_has_prefix (edge->label, "qdata "))
    return 1;
  return 0;
}

/* In a probable cycle, the candidate edge that points back at an owner:
 * one whose target took the reference of another edge in a function of
 * its own type (evidence taken_in) while nothing says the edge's source
 * took its own.  The first pointing straight back at the member it owns,
 * else the first of any.  -1: none. */
static gint
build_probable_back_pointer (const OuroReportCycle *cycle)
{
  gint found = -1;

  for (guint e = 0; e < cycle->n_edges; e++)
    {
      const OuroReportEdge *edge = &cycle->edges[e];

      if (!edge->probable || edge->taken_in != NULL)
        continue;
      for (guint f = 0; f < cycle->n_edges; f++)
        {
          const OuroReportEdge *owned = &cycle->edges[f];

          if (owned->from != edge->to || owned->taken_in == NULL)
            continue;
          if (owned->to == edge->from)
            return (gint) e;
          if (found < 0)
            found = (gint) e;
        }
    }
  return found;
}

/* After it: @cycle->edges lists the labelled edges between its described
 * members, by source in cycle order, and weak_edge names the one to make
 * weak (see the file comment), or -1. */
static void
build_cycle_edges (Builder         *builder,
                   OuroReportCycle *cycle)
{
  EdgeCollector collector;
  guint n_with_edges = 0;

  /* Edges are kept among the leading members that were described (or
   * have nothing to describe), so a huge tangle costs bounded work. */
  while (n_with_edges < cycle->n_members
         && n_with_edges < OURO_REPORT_MAX_DESCRIBED
         && (cycle->members[n_with_edges].description != NULL
             || ouro_graph_class (builder->graph, cycle->members[n_with_edges].node)->describe == NULL))
    n_with_edges++;

  collector.members = g_hash_table_new (NULL, NULL);
  collector.edges = g_array_new (FALSE, FALSE, sizeof (OuroReportEdge));
  for (guint i = 0; i < n_with_edges; i++)
    g_hash_table_insert (collector.members, cycle->members[i].object, GUINT_TO_POINTER (i + 1));

  collector.probable = FALSE;
  for (guint i = 0; i < n_with_edges; i++)
    {
      const OuroClass *klass = ouro_graph_class (builder->graph, cycle->members[i].node);

      collector.from = i;
      klass->traverse (cycle->members[i].object, build_edge_visit, &collector);
    }
  if (builder->graph->is_probable_view)
    {
      /* A probable cycle: its candidate edges after the proven ones. */
      OuroCandidatesFunc func;
      gpointer func_data;
      guint first = collector.edges->len;

      collector.probable = TRUE;
      if (ouro_graph_get_candidates_func (&func, &func_data))
        for (guint i = 0; i < n_with_edges; i++)
          {
            collector.from = i;
            func (cycle->members[i].object, ouro_graph_class (builder->graph, cycle->members[i].node),
                  build_edge_visit, &collector, func_data);
          }
      build_drop_accounted (&collector, first);
    }

  cycle->n_edges = collector.edges->len;
  cycle->edges = (OuroReportEdge *) (gpointer) g_array_free (collector.edges, FALSE);
  g_hash_table_unref (collector.members);
  build_probable_evidence (cycle);
  /* By source, as the proven edges are: candidates came after them all. */
  for (guint e = 1; e < cycle->n_edges; e++)
    for (guint f = e; f > 0 && cycle->edges[f - 1].from > cycle->edges[f].from; f--)
      {
        OuroReportEdge swap = cycle->edges[f];

        cycle->edges[f] = cycle->edges[f - 1];
        cycle->edges[f - 1] = swap;
      }

  cycle->weak_edge = builder->graph->is_probable_view ? build_probable_back_pointer (cycle) : -1;
  if (cycle->weak_edge >= 0)
    return;
  for (guint preference = 2; preference > 0; preference--)
    for (guint e = 0; e < cycle->n_edges; e++)
      if (build_edge_preference (&cycle->edges[e]) == preference)
        {
          cycle->weak_edge = (gint) e;
          return;
        }
  for (guint e = 0; e < cycle->n_edges; e++)
    if (!cycle->edges[e].weak && cycle->edges[e].to == 0
        && (cycle->weak_edge < 0 || cycle->edges[e].from >= cycle->edges[cycle->weak_edge].from))
      cycle->weak_edge = (gint) e;
}

static gint
build_compare_type_counts (gconstpointer a,
                           gconstpointer b)
{
  const OuroReportTypeCount *ta = a, *tb = b;

  if (ta->own != tb->own)
    return ta->own ? -1 : 1;
  if (ta->count != tb->count)
    return ta->count > tb->count ? -1 : 1;
  return strcmp (ta->type_name, tb->type_name);
}

/* Live and not being finalized: what the summary counts. */
static gboolean
build_is_alive (const OuroGraph *graph,
                guint32          node)
{
  return (graph->state[node] & (OURO_NODE_LIVE | OURO_NODE_DYING)) == OURO_NODE_LIVE;
}

/* After it: @report's alive_by_type counts every live node that is not
 * dying by type name, most numerous first, then by name. */
static void
build_count_alive (Builder    *builder,
                   OuroReport *report)
{
  OuroGraph *graph = builder->graph;
  GHashTable *index_of = g_hash_table_new (NULL, NULL);   /* interned name -> index + 1 */
  GArray *counts = g_array_new (FALSE, FALSE, sizeof (OuroReportTypeCount));
  const char *last_type = NULL;
  guint last_index = 0;

  for (guint32 v = 0; v < graph->n_nodes; v++)
    {
      const char *type;

      build_prefetch_ahead (graph, v);
      if (!build_is_alive (graph, v))
        continue;
      type = build_node_type_name (builder, v);
      /* Objects of one type often come in runs: skip the lookup then. */
      if (type != last_type)
        {
          last_index = GPOINTER_TO_UINT (g_hash_table_lookup (index_of, type));
          if (last_index == 0)
            {
              /* A type is the program's own when its first object is. */
              OuroReportTypeCount entry = { type, 0, build_is_own (builder, v) };
              g_array_append_val (counts, entry);
              last_index = counts->len;
              g_hash_table_insert (index_of, (gpointer) type, GUINT_TO_POINTER (last_index));
            }
          last_type = type;
        }
      g_array_index (counts, OuroReportTypeCount, last_index - 1).count++;
    }

  g_array_sort (counts, build_compare_type_counts);
  report->n_alive_types = counts->len;
  report->alive_by_type = (OuroReportTypeCount *) (gpointer) g_array_free (counts, FALSE);
  g_hash_table_unref (index_of);
}

/* After it: @report's roots list the first OURO_REPORT_MAX_LISTED live
 * nodes held from outside (not dying), in tracking order, and n_roots
 * counts them all.  Run last: roots get what is left of the description
 * budget. */
static void
build_list_roots (Builder    *builder,
                  OuroReport *report)
{
  OuroGraph *graph = builder->graph;
  guint8 *own = g_new0 (guint8, MAX (graph->n_nodes, 1));
  guint i = 0;

  for (guint32 v = 0; v < graph->n_nodes; v++)
    {
      build_prefetch_ahead (graph, v);
      if (!(graph->state[v] & OURO_NODE_ROOT) || !build_is_alive (graph, v))
        continue;
      report->n_roots++;
      own[v] = build_is_own (builder, v);
      report->n_own_roots += own[v];
    }

  report->n_roots_listed = MIN (report->n_roots, OURO_REPORT_MAX_LISTED);
  report->roots = g_new0 (OuroReportObject, MAX (report->n_roots_listed, 1));
  /* The program's own first: what it leaks without a cycle is among them,
   * and GTK's thousands of objects must not push it out of the list. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint32 v = 0; v < graph->n_nodes && i < report->n_roots_listed; v++)
      if ((graph->state[v] & OURO_NODE_ROOT) && build_is_alive (graph, v)
          && own[v] == (pass == 0))
        build_object (builder, v, &report->roots[i++]);
  g_free (own);
}

/* After it: the returned array (*@n_cycles of them) holds @builder's
 * graph's cycles in report order, each with its members, held objects
 * and edges; *@n_garbage counts the graph's garbage and *@n_garbage_cycles
 * the garbage cycles, which come first.  The builder's per-graph scratch
 * is freed again. */
static OuroReportCycle *
build_cycles (Builder *builder,
              guint   *out_n_cycles,
              guint   *out_n_garbage,
              guint   *out_n_garbage_cycles)
{
  OuroGraph *graph = builder->graph;
  OuroReportCycle *cycles;
  guint32 *held_by;
  guint32 *n_held, *n_held_past;
  guint n_garbage = 0, n_garbage_cycles = 0, n_garbage_seen = 0;

  build_order_members (builder);
  build_rank_cycles (builder);
  held_by = build_assign_held (builder);

  n_held = g_new0 (guint32, MAX (graph->n_cycles, 1));
  for (guint32 v = 0; v < graph->n_nodes && held_by != NULL; v++)
    {
      if (!ouro_graph_is_garbage (graph, v))
        continue;
      n_garbage++;
      if (held_by[v] != OURO_NODE_NONE)
        n_held[held_by[v]]++;
    }

  n_held_past = g_new0 (guint32, MAX (graph->n_cycles, 1));
  cycles = g_new0 (OuroReportCycle, MAX (graph->n_cycles, 1));
  for (guint32 rank = 0; rank < graph->n_cycles; rank++)
    {
      OuroReportCycle *cycle = &cycles[rank];
      guint32 c = builder->cycle_rank[rank];
      guint32 first = graph->cycle_start[c];

      cycle->n_members_total = graph->cycle_start[c + 1] - first;
      cycle->n_members = MIN (cycle->n_members_total, OURO_REPORT_MAX_LISTED);
      cycle->garbage = ouro_graph_is_garbage (graph, graph->cycle_nodes[first]);
      cycle->members = g_new (OuroReportObject, cycle->n_members);
      for (guint i = 0; i < cycle->n_members; i++)
        build_object (builder, builder->ordered[first + i], &cycle->members[i]);
      if (cycle->n_members < cycle->n_members_total)
        {
          cycle->members_past = g_new (OuroReportBrief, cycle->n_members_total - cycle->n_members);
          for (guint i = cycle->n_members; i < cycle->n_members_total; i++)
            build_brief (builder, builder->ordered[first + i], &cycle->members_past[i - cycle->n_members]);
        }
      cycle->n_held_total = n_held[rank];
      cycle->held = g_new (OuroReportObject, MAX (MIN (n_held[rank], OURO_REPORT_MAX_LISTED), 1));
      if (n_held[rank] > OURO_REPORT_MAX_LISTED)
        cycle->held_past = g_new (OuroReportBrief, n_held[rank] - OURO_REPORT_MAX_LISTED);
      if (cycle->garbage)
        n_garbage_cycles++;
    }

  /* Held objects after every member, so members are described first. */
  for (guint32 v = 0; v < graph->n_nodes && held_by != NULL; v++)
    if (held_by[v] != OURO_NODE_NONE)
      {
        OuroReportCycle *cycle = &cycles[held_by[v]];
        guint listed = MIN (cycle->n_held_total, OURO_REPORT_MAX_LISTED);

        if (cycle->n_held < listed)
          build_object (builder, v, &cycle->held[cycle->n_held++]);
        else
          build_brief (builder, v, &cycle->held_past[n_held_past[held_by[v]]++]);
        n_garbage_seen++;
      }

  for (guint32 rank = 0; rank < graph->n_cycles; rank++)
    {
      build_cycle_edges (builder, &cycles[rank]);
      if (cycles[rank].garbage)
        n_garbage_seen += cycles[rank].n_members_total;
    }
  g_assert (n_garbage_seen == n_garbage);

  g_free (n_held);
  g_free (n_held_past);
  g_free (held_by);
  g_clear_pointer (&builder->ordered, g_free);
  g_clear_pointer (&builder->type_names, g_free);
  g_clear_pointer (&builder->cycle_rank, g_free);
  g_clear_pointer (&builder->cycle_own, g_free);

  *out_n_cycles = graph->n_cycles;
  *out_n_garbage = n_garbage;
  *out_n_garbage_cycles = n_garbage_cycles;
  return cycles;
}

/* Whether the ledger saw a reference of @cycle taken in a function of its
 * holder's type: what an owner does, so the strongest evidence. */
static gboolean
build_cycle_has_owner_evidence (const OuroReportCycle *cycle)
{
  for (guint e = 0; e < cycle->n_edges; e++)
    if (cycle->edges[e].probable && cycle->edges[e].taken_in != NULL)
      return TRUE;
  return FALSE;
}

/* After it: the probable cycles with owner evidence come first, each
 * group in the order it had (stable, so the order stays deterministic). */
static void
build_rank_probable (OuroReportCycle *cycles,
                     guint            n_cycles)
{
  OuroReportCycle *ranked = g_new (OuroReportCycle, MAX (n_cycles, 1));
  guint out = 0;

  for (guint pass = 0; pass < 2; pass++)
    for (guint c = 0; c < n_cycles; c++)
      if (build_cycle_has_owner_evidence (&cycles[c]) == (pass == 0))
        ranked[out++] = cycles[c];
  memcpy (cycles, ranked, n_cycles * sizeof (OuroReportCycle));
  g_free (ranked);
}

/* After it: @report's cycles have the probable tier's after its garbage
 * cycles (before the live ones), flagged probable, and n_probable counts
 * the tier.  Describes with what is left of the budget. */
static void
build_add_probable (Builder    *builder,
                    OuroReport *report)
{
  Builder view_builder = *builder;
  OuroReportCycle *probable, *merged;
  guint n_probable_cycles, n_view_garbage_cycles;

  view_builder.graph = builder->graph->probable;
  probable = build_cycles (&view_builder, &n_probable_cycles, &report->n_probable,
                           &n_view_garbage_cycles);
  builder->budget = view_builder.budget;
  builder->truncated = view_builder.truncated;
  for (guint c = 0; c < n_probable_cycles; c++)
    {
      probable[c].garbage = FALSE;
      probable[c].probable = TRUE;
    }
  build_rank_probable (probable, n_probable_cycles);

  merged = g_new0 (OuroReportCycle, MAX (report->n_cycles + n_probable_cycles, 1));
  memcpy (merged, report->cycles, report->n_garbage_cycles * sizeof (OuroReportCycle));
  memcpy (merged + report->n_garbage_cycles, probable, n_probable_cycles * sizeof (OuroReportCycle));
  memcpy (merged + report->n_garbage_cycles + n_probable_cycles,
          report->cycles + report->n_garbage_cycles,
          (report->n_cycles - report->n_garbage_cycles) * sizeof (OuroReportCycle));
  g_free (report->cycles);
  g_free (probable);
  report->cycles = merged;
  report->n_cycles += n_probable_cycles;
  report->n_probable_cycles = n_probable_cycles;
}

OuroReport *
ouro_report_build (OuroGraph     *graph,
                   OuroScanFlags  flags)
{
  OuroReport *report = g_new0 (OuroReport, 1);
  Builder builder = { 0, };

  builder.graph = graph;
  builder.report = report;
  builder.budget = OURO_REPORT_MAX_DESCRIBED;
  pthread_mutex_lock (&build_explain_lock);
  builder.explain_func = build_explain_func;
  builder.own_func = build_own_func;
  builder.own_data = build_own_data;
  builder.explain_data = build_explain_data;
  builder.holder_func = build_holder_func;
  builder.holder_data = build_holder_data;
  pthread_mutex_unlock (&build_explain_lock);

  report->flags = flags;
  report->n_tracked = graph->n_nodes;
  report->n_edges = graph->n_edges;
  report->n_ignored_visits = graph->n_ignored_visits;
  report->n_changed = graph->n_changed;

  /* Inconsistent objects first: they are rare and name a traverse bug. */
  for (guint32 v = 0; v < graph->n_nodes; v++)
    if (graph->state[v] & OURO_NODE_INCONSISTENT)
      report->n_inconsistent++;
  report->inconsistent = g_new0 (OuroReportObject, MAX (report->n_inconsistent, 1));
  for (guint32 v = 0, i = 0; v < graph->n_nodes; v++)
    if (graph->state[v] & OURO_NODE_INCONSISTENT)
      build_object (&builder, v, &report->inconsistent[i++]);

  report->cycles = build_cycles (&builder, &report->n_cycles, &report->n_garbage,
                                 &report->n_garbage_cycles);
  if (graph->probable != NULL)
    build_add_probable (&builder, report);

  report->garbage_sorted = g_new (gpointer, MAX (report->n_garbage, 1));
  for (guint32 v = 0, i = 0; v < graph->n_nodes && i < report->n_garbage; v++)
    if (ouro_graph_is_garbage (graph, v))
      report->garbage_sorted[i++] = graph->objects[v];
  report->n_garbage_sorted = report->n_garbage;

  if (flags & OURO_SCAN_LIVE_SUMMARY)
    {
      build_count_alive (&builder, report);
      build_list_roots (&builder, report);
    }

  report->n_described = OURO_REPORT_MAX_DESCRIBED - builder.budget;
  report->truncated = builder.truncated;

  return report;
}
