/* test-random.c — randomized differential tests of ouro_scan() against a
 * brute-force oracle.
 *
 * Each graph is built from a fixed seed (g_rand_new_with_seed) in a tiny
 * object model defined here, whose refcounts are set explicitly: the
 * references other nodes hold (duplicates and self references included)
 * plus a few held from "outside", mostly none.  The oracle knows nothing of
 * trial deletion or Tarjan: it takes the reflexive transitive closure with
 * Warshall's O(n^3) algorithm and reads garbage, strongly connected
 * components and cycles straight off DESIGN.md's "Meanings".  Every report
 * must match it exactly: garbage, inconsistent objects, cycles and their
 * members, member order, report order, held garbage, the suggested weak
 * edge.
 *
 * Traverse functions that under-report (skip references the refcount
 * counts) and over-report (visit pointers they hold no reference on) are
 * simulated too.  The scan must then match the oracle of what it was
 * shown, and never call garbage what the true graph keeps alive: always
 * for under-reporting (DESIGN.md's "no false positives" theorem), and for
 * over-reporting whenever the extra visits leave no object held from
 * outside looking unheld (see random_check_over()).
 *
 * A mismatch prints the seed, the graph and the report.  OURO_RANDOM_SEED=N
 * reruns only the graph of seed N in every test; -m slow runs ten times as
 * many graphs.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ouro-report-private.h"
#include "test-node.h"

#define RANDOM_MAX_NODES 40
#define RANDOM_N_GRAPHS  500

typedef enum {
  RANDOM_EXACT,   /* traverse visits exactly the references counted */
  RANDOM_UNDER,   /* traverse skips some references the refcount counts */
  RANDOM_OVER,    /* traverse also visits pointers it holds no reference on */
} RandomMode;

static const char *const random_mode_names[] = { "exact", "under-report", "over-report" };

typedef struct _RandomNode RandomNode;
struct _RandomNode {
  guint        id;          /* position in RandomGraph.nodes */
  guint        refcount;    /* in-edges (self and duplicate ones too) + n_external */
  guint        n_external;
  const char  *type_name;   /* static */
  RandomNode **targets;     /* the strong references held, in traverse order */
  const char **labels;      /* [n_targets]; interned "field N", one per reference,
                               so the report's choice of edge shows */
  gboolean    *hidden;      /* [n_targets]; under-reporting: traverse skips it */
  guint        n_targets;
  gpointer    *extra;       /* visited after the targets, no reference held */
  guint        n_extra;
};

typedef struct {
  guint32     seed;
  RandomMode  mode;
  guint       n;
  RandomNode *nodes;        /* one block, so a pointer maps back to its id */
} RandomGraph;

/* What a check saw, summed over a run, so that a run can show it
 * exercised what it claims to (garbage, held objects, live cycles...). */
typedef struct {
  guint n_graphs;
  guint n_with_garbage;
  guint n_garbage_cycles;
  guint n_live_cycles;
  guint n_with_held;
  guint n_with_dying;
  guint n_with_inconsistent;
  guint n_hidden_garbage;   /* true garbage the scan could not see */
  guint n_masked;           /* over-report graphs outside the theorem */
  guint n_masked_false_positives;
} RandomStats;

/* Never tracked: traverse visits it, and the scan must ignore it. */
static int random_untracked;

/* For failure messages only. */
static OuroReport *random_current_report;
static char       *random_current_dump;
static gsize       random_current_dump_length;

/* ---- the object model ------------------------------------------------- */

static guint
random_node_get_refcount (gpointer object)
{
  return ((RandomNode *) object)->refcount;
}

static void
random_node_traverse (gpointer      object,
                      OuroVisitFunc visit,
                      gpointer      user_data)
{
  RandomNode *node = object;

  for (guint i = 0; i < node->n_targets; i++)
    if (!node->hidden[i])
      visit (node->targets[i], node->labels[i], user_data);
  for (guint i = 0; i < node->n_extra; i++)
    visit (node->extra[i], "extra", user_data);
}

static const char *
random_node_get_type_name (gpointer object)
{
  return ((RandomNode *) object)->type_name;
}

static char *
random_node_describe (gpointer object)
{
  return g_strdup_printf ("n%u", ((RandomNode *) object)->id);
}

static const OuroClass random_node_class = {
  .name = "RandomNode",
  .get_refcount = random_node_get_refcount,
  .traverse = random_node_traverse,
  .get_type_name = random_node_get_type_name,
  .describe = random_node_describe,
};

/* Returns the id of the node @pointer points at, or -1 when it points at
 * none of @graph's nodes. */
static gint
random_graph_id_of (const RandomGraph *graph,
                    gconstpointer      pointer)
{
  guintptr p = (guintptr) pointer;
  guintptr first = (guintptr) graph->nodes;

  if (p < first || p >= first + graph->n * sizeof (RandomNode))
    return -1;
  g_assert ((p - first) % sizeof (RandomNode) == 0);
  return (gint) ((p - first) / sizeof (RandomNode));
}

/* ---- building graphs -------------------------------------------------- */

#define RANDOM_PICK(prng, choices) \
  ((choices)[g_rand_int_range ((prng), 0, G_N_ELEMENTS (choices))])

static void
random_append_edge (GArray **out,
                    guint    from,
                    guint    to)
{
  g_array_append_val (out[from], to);
}

/* Appends an edge between two random nodes.  The two draws are sequenced
 * here, not left to argument evaluation order, so a seed means the same
 * graph with every compiler. */
static void
random_append_random_edge (GRand   *prng,
                           GArray **out,
                           guint    n)
{
  guint from = g_rand_int_range (prng, 0, n);
  guint to = g_rand_int_range (prng, 0, n);

  random_append_edge (out, from, to);
}

/* The label of a node's reference number @i: "field i", interned. */
static const char *
random_field_label (guint i)
{
  char label[32];

  g_snprintf (label, sizeof label, "field %u", i);
  return g_intern_string (label);
}

/* Returns the graph of @seed: everything about it, down to traverse order,
 * comes from one GRand seeded with @seed.  Nothing is tracked yet. */
static RandomGraph *
random_graph_new (guint32    seed,
                  RandomMode mode)
{
  static const char *const type_names[] = { "Alpha", "Beta", "Gamma", "Delta" };
  static const double external_choices[] = { 0.0, 0.05, 0.15, 0.5 };
  static const double self_choices[] = { 0.0, 0.05, 0.2 };
  static const double duplicate_choices[] = { 0.0, 0.1, 0.3 };
  static const double hidden_choices[] = { 0.1, 0.3, 0.7 };
  static const double extra_choices[] = { 0.05, 0.2, 0.5 };
  GRand *prng = g_rand_new_with_seed (seed);
  RandomGraph *graph = g_new0 (RandomGraph, 1);
  GArray **out;
  guint n, n_types, n_random_edges = 0;
  double p_external, p_self, p_duplicate, p_hidden, p_extra;

  graph->seed = seed;
  graph->mode = mode;
  graph->n = n = g_rand_int_range (prng, 1, RANDOM_MAX_NODES + 1);
  graph->nodes = g_new0 (RandomNode, n);
  n_types = g_rand_int_range (prng, 1, G_N_ELEMENTS (type_names) + 1);
  p_external = RANDOM_PICK (prng, external_choices);
  p_self = RANDOM_PICK (prng, self_choices);
  p_duplicate = RANDOM_PICK (prng, duplicate_choices);
  p_hidden = mode == RANDOM_UNDER ? RANDOM_PICK (prng, hidden_choices) : 0.0;
  p_extra = mode == RANDOM_OVER ? RANDOM_PICK (prng, extra_choices) : 0.0;

  out = g_new (GArray *, n);
  for (guint v = 0; v < n; v++)
    out[v] = g_array_new (FALSE, FALSE, sizeof (guint));

  /* The shape: random graphs from sparse to dense, chains and rings, and
   * the owner trees with back-references that real object systems build
   * (the cycles that hold garbage). */
  switch (g_rand_int_range (prng, 0, 6))
    {
    case 0:
      n_random_edges = g_rand_int_range (prng, 0, n + 1);
      break;
    case 1:
      n_random_edges = n + g_rand_int_range (prng, 0, n + 1);
      break;
    case 2:
      n_random_edges = 2 * n + g_rand_int_range (prng, 0, 2 * n + 1);
      break;
    case 3:
      n_random_edges = g_rand_int_range (prng, 0, n * n / 2 + 2);
      break;
    case 4:
      for (guint v = 0; v + 1 < n; v++)
        random_append_edge (out, v, v + 1);
      if (g_rand_boolean (prng))
        random_append_edge (out, n - 1, 0);
      n_random_edges = g_rand_int_range (prng, 0, n / 4 + 1);
      break;
    default:
      for (guint v = 1; v < n; v++)
        {
          guint owner = g_rand_int_range (prng, 0, v);

          random_append_edge (out, owner, v);
          if (g_rand_double (prng) < 0.3)
            random_append_edge (out, v, owner);
        }
      n_random_edges = g_rand_int_range (prng, 0, n / 4 + 1);
      break;
    }
  for (guint e = 0; e < n_random_edges; e++)
    random_append_random_edge (prng, out, n);
  for (guint v = 0; v < n; v++)
    if (g_rand_double (prng) < p_self)
      random_append_edge (out, v, v);
  for (guint v = 0; v < n; v++)
    for (guint i = 0, len = out[v]->len; i < len; i++)
      if (g_rand_double (prng) < p_duplicate)
        random_append_edge (out, v, g_array_index (out[v], guint, i));

  for (guint v = 0; v < n; v++)
    {
      RandomNode *node = &graph->nodes[v];

      node->id = v;
      node->type_name = type_names[g_rand_int_range (prng, 0, n_types)];
      if (g_rand_double (prng) < p_external)
        node->n_external = g_rand_int_range (prng, 1, 4);
      node->refcount += node->n_external;
    }

  for (guint v = 0; v < n; v++)
    {
      RandomNode *node = &graph->nodes[v];
      GArray *list = out[v];
      GPtrArray *extra = g_ptr_array_new ();

      /* Traverse order is random too: member order depends on it. */
      for (guint i = list->len; i > 1; i--)
        {
          guint j = g_rand_int_range (prng, 0, i);
          guint swap = g_array_index (list, guint, i - 1);

          g_array_index (list, guint, i - 1) = g_array_index (list, guint, j);
          g_array_index (list, guint, j) = swap;
        }

      node->n_targets = list->len;
      node->targets = g_new (RandomNode *, MAX (list->len, 1));
      node->hidden = g_new0 (gboolean, MAX (list->len, 1));
      node->labels = g_new (const char *, MAX (list->len, 1));
      for (guint i = 0; i < list->len; i++)
        {
          RandomNode *target = &graph->nodes[g_array_index (list, guint, i)];

          node->targets[i] = target;
          node->labels[i] = random_field_label (i);
          target->refcount++;
          node->hidden[i] = g_rand_double (prng) < p_hidden;
        }

      if (g_rand_double (prng) < p_extra)
        for (guint k = g_rand_int_range (prng, 1, 3); k > 0; k--)
          g_ptr_array_add (extra, &graph->nodes[g_rand_int_range (prng, 0, n)]);
      /* NULL and untracked pointers: visits every mode must ignore. */
      if (g_rand_double (prng) < 0.05)
        g_ptr_array_add (extra, g_rand_boolean (prng) ? NULL : &random_untracked);
      node->n_extra = extra->len;
      node->extra = (gpointer *) g_ptr_array_free (extra, FALSE);
    }

  for (guint v = 0; v < n; v++)
    g_array_unref (out[v]);
  g_free (out);
  g_rand_free (prng);
  return graph;
}

/* After it: every node is tracked, in id order, so node numbers in the
 * scan (tracking order) are ids. */
static void
random_graph_track (RandomGraph *graph)
{
  for (guint v = 0; v < graph->n; v++)
    ouro_track (&graph->nodes[v], &random_node_class);
}

/* Untracking last-first pops every registry position at once, so the next
 * graph starts from an empty registry. */
static void
random_graph_untrack (RandomGraph *graph)
{
  for (guint v = graph->n; v > 0; v--)
    ouro_untrack (&graph->nodes[v - 1]);
}

static void
random_graph_free (RandomGraph *graph)
{
  for (guint v = 0; v < graph->n; v++)
    {
      g_free (graph->nodes[v].targets);
      g_free (graph->nodes[v].hidden);
      g_free (graph->nodes[v].labels);
      g_free (graph->nodes[v].extra);
    }
  g_free (graph->nodes);
  g_free (graph);
}

/* One line per node: "#3 Beta refcount 2 (1 external): 4 ~5 3 +7 +NULL",
 * ~ marking a reference traverse hides, + a visit without a reference. */
static char *
random_graph_dump (const RandomGraph *graph)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "seed %u (%s), %u nodes; rerun with OURO_RANDOM_SEED=%u\n",
                          graph->seed, random_mode_names[graph->mode], graph->n, graph->seed);
  for (guint v = 0; v < graph->n; v++)
    {
      const RandomNode *node = &graph->nodes[v];

      g_string_append_printf (out, "  #%u %s refcount %u (%u external):", v,
                              node->type_name, node->refcount, node->n_external);
      for (guint i = 0; i < node->n_targets; i++)
        g_string_append_printf (out, " %s%u", node->hidden[i] ? "~" : "", node->targets[i]->id);
      for (guint i = 0; i < node->n_extra; i++)
        {
          gint id = random_graph_id_of (graph, node->extra[i]);

          if (id >= 0)
            g_string_append_printf (out, " +%d", id);
          else
            g_string_append (out, node->extra[i] == NULL ? " +NULL" : " +untracked");
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

static void random_fail (const RandomGraph *graph,
                         const char        *file,
                         int                line,
                         const char        *condition,
                         const char        *format,
                         ...) G_GNUC_PRINTF (5, 6);

/* Prints what reproduces the failure, then fails as g_assert does. */
static void
random_fail (const RandomGraph *graph,
             const char        *file,
             int                line,
             const char        *condition,
             const char        *format,
             ...)
{
  char *dump = random_graph_dump (graph);
  char *detail, *message;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("\n%s", dump);
  if (random_current_report != NULL)
    {
      char *text = ouro_report_to_text (random_current_report);

      g_printerr ("report:\n%s\n", text);
      g_free (text);
    }
  g_clear_pointer (&random_current_dump, g_free);   /* printed already */
  message = g_strdup_printf ("seed %u: %s: %s", graph->seed, condition, detail);
  g_assertion_message (G_LOG_DOMAIN, file, line, G_STRFUNC, message);
  g_free (message);
  g_free (detail);
  g_free (dump);
}

#define random_assert(graph, condition, ...) \
  G_STMT_START { \
    if (G_UNLIKELY (!(condition))) \
      random_fail ((graph), __FILE__, __LINE__, #condition, __VA_ARGS__); \
  } G_STMT_END

/* ---- the oracle ------------------------------------------------------- */

typedef struct {
  guint       to;
  const char *label;
} OracleEdge;

/* Everything straight from the definitions, with no cleverness. */
typedef struct {
  guint     n;
  GArray   *succ[RANDOM_MAX_NODES];       /* OracleEdge, in traverse order */
  gboolean  adj[RANDOM_MAX_NODES][RANDOM_MAX_NODES];
  gboolean  reach[RANDOM_MAX_NODES][RANDOM_MAX_NODES];   /* in 0+ steps */
  guint     visits[RANDOM_MAX_NODES];
  gint64    ext[RANDOM_MAX_NODES];
  gboolean  root[RANDOM_MAX_NODES];
  gboolean  live[RANDOM_MAX_NODES];
  guint     scc[RANDOM_MAX_NODES];        /* lowest id of the node's SCC */
  guint     scc_size[RANDOM_MAX_NODES];
  gboolean  in_cycle[RANDOM_MAX_NODES];
  guint     n_garbage;
  guint     n_cycles;
  guint     n_garbage_cycles;
  guint     n_inconsistent;
  guint     n_dying;
} Oracle;

static void
oracle_add_edge (Oracle     *oracle,
                 guint       from,
                 guint       to,
                 const char *label)
{
  OracleEdge edge = { to, label };

  g_array_append_val (oracle->succ[from], edge);
  oracle->adj[from][to] = TRUE;
  oracle->visits[to]++;
}

/* After it: @oracle describes @graph as the scan should see it when
 * @observed (the references traverse visits, the refcounts as they are),
 * else as it truly is (every reference held, none of the extra visits). */
static void
oracle_compute (Oracle            *oracle,
                const RandomGraph *graph,
                gboolean           observed)
{
  guint n = graph->n;

  memset (oracle, 0, sizeof *oracle);
  oracle->n = n;
  for (guint v = 0; v < n; v++)
    oracle->succ[v] = g_array_new (FALSE, FALSE, sizeof (OracleEdge));

  /* The same order random_node_traverse() visits in, read off the data. */
  for (guint v = 0; v < n; v++)
    {
      const RandomNode *node = &graph->nodes[v];

      for (guint i = 0; i < node->n_targets; i++)
        if (!observed || !node->hidden[i])
          oracle_add_edge (oracle, v, node->targets[i]->id, random_field_label (i));
      for (guint i = 0; observed && i < node->n_extra; i++)
        {
          gint id = random_graph_id_of (graph, node->extra[i]);

          if (id >= 0)
            oracle_add_edge (oracle, v, id, "extra");
        }
    }

  /* Warshall: after step k, reach[i][j] says whether a path from i to j
   * exists through intermediate nodes below k. */
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      oracle->reach[i][j] = i == j || oracle->adj[i][j];
  for (guint k = 0; k < n; k++)
    for (guint i = 0; i < n; i++)
      if (oracle->reach[i][k])
        for (guint j = 0; j < n; j++)
          if (oracle->reach[k][j])
            oracle->reach[i][j] = TRUE;

  for (guint v = 0; v < n; v++)
    {
      oracle->ext[v] = (gint64) graph->nodes[v].refcount - (gint64) oracle->visits[v];
      oracle->root[v] = oracle->ext[v] != 0 || graph->nodes[v].refcount == 0;
      /* DESIGN.md: ext < 0 is inconsistent, whatever the refcount; a node
       * with refcount 0 that is visited is dying and inconsistent both. */
      if (oracle->ext[v] < 0)
        oracle->n_inconsistent++;
      if (graph->nodes[v].refcount == 0)
        oracle->n_dying++;
    }

  for (guint v = 0; v < n; v++)
    {
      for (guint r = 0; r < n && !oracle->live[v]; r++)
        oracle->live[v] = oracle->root[r] && oracle->reach[r][v];
      if (!oracle->live[v])
        oracle->n_garbage++;

      oracle->scc[v] = v;
      for (guint u = 0; u < v; u++)
        if (oracle->reach[u][v] && oracle->reach[v][u])
          {
            oracle->scc[v] = u;
            break;
          }
    }

  for (guint v = 0; v < n; v++)
    {
      for (guint u = 0; u < n; u++)
        if (oracle->scc[u] == oracle->scc[v])
          oracle->scc_size[v]++;
      oracle->in_cycle[v] = oracle->scc_size[v] >= 2 || oracle->adj[v][v];
      if (oracle->in_cycle[v] && oracle->scc[v] == v)
        {
          oracle->n_cycles++;
          if (!oracle->live[v])
            oracle->n_garbage_cycles++;
        }
    }
}

static void
oracle_clear (Oracle *oracle)
{
  for (guint v = 0; v < oracle->n; v++)
    g_array_unref (oracle->succ[v]);
}

/* Depth-first preorder from @v along edges in traverse order, staying in
 * @v's SCC: the member order DESIGN.md promises. */
static void
oracle_preorder (const Oracle *oracle,
                 guint         v,
                 gboolean     *seen,
                 guint        *order,
                 guint        *n_order)
{
  seen[v] = TRUE;
  order[(*n_order)++] = v;
  for (guint i = 0; i < oracle->succ[v]->len; i++)
    {
      guint w = g_array_index (oracle->succ[v], OracleEdge, i).to;

      if (oracle->scc[w] == oracle->scc[v] && !seen[w])
        oracle_preorder (oracle, w, seen, order, n_order);
    }
}

/* ---- checking a report ------------------------------------------------ */

/* Compares the report's cycles at positions @a < @b: garbage first, then
 * by size, then by member type names in cycle order, then by canonical
 * member.  Returns whether they are in report order. */
static gboolean
random_cycles_in_order (const RandomGraph *graph,
                        OuroReport        *report,
                        guint              a,
                        guint              b)
{
  gboolean ga = ouro_report_cycle_is_garbage (report, a);
  gboolean gb = ouro_report_cycle_is_garbage (report, b);
  guint na = ouro_report_get_cycle_size (report, a);
  guint nb = ouro_report_get_cycle_size (report, b);

  if (ga != gb)
    return ga;
  if (na != nb)
    return na < nb;
  for (guint i = 0; i < na; i++)
    {
      const RandomNode *ma = ouro_report_get_cycle_object (report, a, i);
      const RandomNode *mb = ouro_report_get_cycle_object (report, b, i);
      int order = strcmp (ma->type_name, mb->type_name);

      if (order != 0)
        return order < 0;
    }
  return random_graph_id_of (graph, ouro_report_get_cycle_object (report, a, 0))
         < random_graph_id_of (graph, ouro_report_get_cycle_object (report, b, 0));
}

/* Checks the suggested weak edge of cycle @c, whose members are @order:
 * the last edge in traverse order from the member latest in cycle order
 * that has an edge back to member 0. */
static void
random_check_weak_edge (const RandomGraph *graph,
                        const Oracle      *oracle,
                        OuroReport        *report,
                        guint              c,
                        const guint       *order,
                        guint              size)
{
  guint from = 0, to = 0;
  const char *label = NULL;
  gboolean found = FALSE;
  gboolean has = ouro_report_get_cycle_weak_edge (report, c, &from, &to, &label);

  for (guint i = size; i > 0 && !found; i--)
    {
      const GArray *succ = oracle->succ[order[i - 1]];

      for (guint e = succ->len; e > 0 && !found; e--)
        {
          const OracleEdge *edge = &g_array_index (succ, OracleEdge, e - 1);

          if (edge->to != order[0])
            continue;
          found = TRUE;
          random_assert (graph, has && from == i - 1 && to == 0 && strcmp (label, edge->label) == 0,
                         "cycle %u: weak edge %s #%u -> #%u [%s], expected #%u -> #0 [%s]",
                         c, has ? "" : "(none)", from, to, label ? label : "", i - 1, edge->label);
        }
    }
  random_assert (graph, found, "cycle %u: no edge closes it onto its first member", c);
}

/* Checks @report, from a scan with @flags, against @oracle, which must
 * describe what the scan was shown. */
static void
random_check_report (const RandomGraph *graph,
                     const Oracle      *oracle,
                     OuroReport        *report,
                     OuroScanFlags      flags,
                     RandomStats       *stats)
{
  guint n = graph->n;
  gboolean all_cycles = (flags & OURO_SCAN_ALL_CYCLES) != 0;
  guint expected_cycles = all_cycles ? oracle->n_cycles : oracle->n_garbage_cycles;
  gboolean scc_seen[RANDOM_MAX_NODES] = { FALSE, };
  gint held_by[RANDOM_MAX_NODES];          /* report cycle listing it, or -1 */
  gint first_reaching[RANDOM_MAX_NODES];   /* what the oracle expects there */
  guint n_in_garbage_cycles = 0, n_held = 0, n_cycles;
  guint i_inconsistent = 0;

  random_current_report = report;

  random_assert (graph, ouro_report_get_n_tracked (report) == n,
                 "%u tracked, expected %u", ouro_report_get_n_tracked (report), n);
  random_assert (graph, ouro_report_get_n_garbage (report) == oracle->n_garbage,
                 "%u garbage, expected %u", ouro_report_get_n_garbage (report), oracle->n_garbage);
  for (guint v = 0; v < n; v++)
    random_assert (graph, ouro_report_is_garbage (report, &graph->nodes[v]) == !oracle->live[v],
                   "node #%u: garbage %d, expected %d",
                   v, ouro_report_is_garbage (report, &graph->nodes[v]), !oracle->live[v]);
  random_assert (graph, !ouro_report_is_garbage (report, &random_untracked), "untracked garbage");

  /* Inconsistent objects: exactly those visited more often than their
   * refcount allows, in tracking order. */
  random_assert (graph, ouro_report_get_n_inconsistent (report) == oracle->n_inconsistent,
                 "%u inconsistent, expected %u",
                 ouro_report_get_n_inconsistent (report), oracle->n_inconsistent);
  for (guint v = 0; v < n; v++)
    if (oracle->ext[v] < 0)
      {
        gpointer object = ouro_report_get_inconsistent_object (report, i_inconsistent);

        random_assert (graph, object == &graph->nodes[v],
                       "inconsistent object %u is #%d, expected #%u",
                       i_inconsistent, random_graph_id_of (graph, object), v);
        i_inconsistent++;
      }

  n_cycles = ouro_report_get_n_cycles (report);
  random_assert (graph, n_cycles == expected_cycles,
                 "%u cycles, expected %u", n_cycles, expected_cycles);

  for (guint v = 0; v < n; v++)
    held_by[v] = -1;

  for (guint c = 0; c < n_cycles; c++)
    {
      guint size = ouro_report_get_cycle_size (report, c);
      gboolean garbage = ouro_report_cycle_is_garbage (report, c);
      gint first = random_graph_id_of (graph, ouro_report_get_cycle_object (report, c, 0));
      gboolean seen[RANDOM_MAX_NODES] = { FALSE, };
      guint order[RANDOM_MAX_NODES];
      guint n_order = 0;
      guint cycle_n_held = ouro_report_get_cycle_n_held (report, c);
      const OuroReportCycle *cycle = &report->cycles[c];

      random_assert (graph, first >= 0, "cycle %u: first member is no node", c);
      random_assert (graph, oracle->in_cycle[first],
                     "cycle %u: #%d is in no cycle", c, first);
      random_assert (graph, oracle->scc[first] == (guint) first,
                     "cycle %u: first member #%d, expected canonical #%u",
                     c, first, oracle->scc[first]);
      random_assert (graph, !scc_seen[first], "cycle %u: SCC of #%d reported twice", c, first);
      scc_seen[first] = TRUE;
      random_assert (graph, size == oracle->scc_size[first],
                     "cycle %u: %u members, expected %u", c, size, oracle->scc_size[first]);
      random_assert (graph, garbage == !oracle->live[first],
                     "cycle %u: garbage %d, expected %d", c, garbage, !oracle->live[first]);
      random_assert (graph, garbage || all_cycles, "cycle %u: live cycle reported", c);

      /* Members: exactly the SCC, in depth-first preorder from the
       * canonical member. */
      oracle_preorder (oracle, first, seen, order, &n_order);
      g_assert_cmpuint (n_order, ==, oracle->scc_size[first]);
      for (guint i = 0; i < size; i++)
        {
          gint member = random_graph_id_of (graph, ouro_report_get_cycle_object (report, c, i));

          random_assert (graph, member == (gint) order[i],
                         "cycle %u: member %u is #%d, expected #%u", c, i, member, order[i]);
        }

      if (c > 0)
        random_assert (graph, random_cycles_in_order (graph, report, c - 1, c),
                       "cycles %u and %u out of report order", c - 1, c);
      random_check_weak_edge (graph, oracle, report, c, order, size);

      /* Held garbage: in no cycle, listed once, in tracking order. */
      random_assert (graph, garbage || cycle_n_held == 0,
                     "live cycle %u holds %u", c, cycle_n_held);
      random_assert (graph, cycle->n_held == cycle_n_held, "cycle %u: n_held", c);
      for (guint i = 0; i < cycle_n_held; i++)
        {
          gint held = random_graph_id_of (graph, cycle->held[i].object);

          random_assert (graph, held >= 0 && !oracle->live[held] && !oracle->in_cycle[held],
                         "cycle %u holds #%d, not garbage outside cycles", c, held);
          random_assert (graph, held_by[held] < 0,
                         "#%d held by cycles %d and %u", held, held_by[held], c);
          random_assert (graph, i == 0 || random_graph_id_of (graph, cycle->held[i - 1].object) < held,
                         "cycle %u: held objects out of tracking order", c);
          held_by[held] = (gint) c;
        }

      if (garbage)
        {
          n_in_garbage_cycles += size;
          n_held += cycle_n_held;
          stats->n_garbage_cycles++;
        }
      else
        stats->n_live_cycles++;
    }

  random_assert (graph, n_in_garbage_cycles + n_held == oracle->n_garbage,
                 "%u in garbage cycles + %u held, expected %u garbage",
                 n_in_garbage_cycles, n_held, oracle->n_garbage);

  /* Each garbage object in no cycle is listed under the first cycle, in
   * report order, that reaches it through objects in no cycle (one always
   * does: following holders back from it must end in a garbage cycle). */
  for (guint v = 0; v < n; v++)
    first_reaching[v] = -1;
  for (guint c = 0; c < n_cycles; c++)
    {
      gboolean reached[RANDOM_MAX_NODES] = { FALSE, };
      guint queue[RANDOM_MAX_NODES + 1];
      guint head = 0, tail = 0;

      if (!ouro_report_cycle_is_garbage (report, c))
        continue;
      for (guint i = 0; i < ouro_report_get_cycle_size (report, c); i++)
        queue[tail++] = random_graph_id_of (graph, ouro_report_get_cycle_object (report, c, i));
      while (head < tail)
        {
          guint v = queue[head++];

          for (guint w = 0; w < n; w++)
            if (oracle->adj[v][w] && !oracle->in_cycle[w] && !reached[w])
              {
                reached[w] = TRUE;
                queue[tail++] = w;
                if (first_reaching[w] < 0)
                  first_reaching[w] = (gint) c;
              }
        }
    }
  for (guint v = 0; v < n; v++)
    if (!oracle->live[v] && !oracle->in_cycle[v])
      {
        random_assert (graph, first_reaching[v] >= 0, "garbage #%u: no cycle reaches it", v);
        random_assert (graph, held_by[v] == first_reaching[v],
                       "#%u listed under cycle %d, expected %d", v, held_by[v], first_reaching[v]);
      }

  random_current_report = NULL;
}

/* Scans with @flags and checks the report against @oracle. */
static void
random_scan_and_check (const RandomGraph *graph,
                       const Oracle      *oracle,
                       OuroScanFlags      flags,
                       RandomStats       *stats)
{
  g_autoptr(OuroReport) report = ouro_scan (flags);

  random_check_report (graph, oracle, report, flags, stats);
}

/* Asserts that everything @report calls garbage is garbage in the true
 * graph @truth. */
static void
random_check_no_false_positives (const RandomGraph *graph,
                                 const Oracle      *truth,
                                 OuroReport        *report)
{
  random_current_report = report;
  for (guint v = 0; v < graph->n; v++)
    random_assert (graph, !ouro_report_is_garbage (report, &graph->nodes[v]) || !truth->live[v],
                   "#%u reported garbage, but the true graph keeps it alive", v);
  random_current_report = NULL;
}

static void
random_count (const Oracle *oracle,
              RandomStats  *stats)
{
  gboolean held = FALSE;

  stats->n_graphs++;
  if (oracle->n_garbage > 0)
    stats->n_with_garbage++;
  if (oracle->n_dying > 0)
    stats->n_with_dying++;
  if (oracle->n_inconsistent > 0)
    stats->n_with_inconsistent++;
  for (guint v = 0; v < oracle->n; v++)
    held |= !oracle->live[v] && !oracle->in_cycle[v];
  if (held)
    stats->n_with_held++;
}

/* ---- the checks, one per test ----------------------------------------- */

typedef void (*RandomCheckFunc) (RandomGraph *graph,
                                 RandomStats *stats);

static void
random_check_exact_garbage (RandomGraph *graph,
                            RandomStats *stats)
{
  Oracle oracle;

  oracle_compute (&oracle, graph, TRUE);
  random_count (&oracle, stats);
  g_assert_cmpuint (oracle.n_inconsistent, ==, 0);
  random_scan_and_check (graph, &oracle, OURO_SCAN_GARBAGE, stats);
  oracle_clear (&oracle);
}

static void
random_check_exact_all_cycles (RandomGraph *graph,
                               RandomStats *stats)
{
  Oracle oracle;

  oracle_compute (&oracle, graph, TRUE);
  random_count (&oracle, stats);
  random_scan_and_check (graph, &oracle, OURO_SCAN_ALL_CYCLES, stats);
  oracle_clear (&oracle);
}

/* Hidden references only make objects look held from outside: the scan
 * sees less garbage, never more. */
static void
random_check_under (RandomGraph *graph,
                    RandomStats *stats)
{
  Oracle seen, truth;
  g_autoptr(OuroReport) report = NULL;

  oracle_compute (&seen, graph, TRUE);
  oracle_compute (&truth, graph, FALSE);
  random_count (&seen, stats);
  g_assert_cmpuint (seen.n_inconsistent, ==, 0);
  stats->n_hidden_garbage += truth.n_garbage - MIN (truth.n_garbage, seen.n_garbage);

  random_scan_and_check (graph, &seen, OURO_SCAN_ALL_CYCLES, stats);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  random_check_report (graph, &seen, report, OURO_SCAN_GARBAGE, stats);
  random_check_no_false_positives (graph, &truth, report);

  oracle_clear (&seen);
  oracle_clear (&truth);
}

/* Extra visits make an object look less held from outside.  When they
 * exceed what its refcount allows the object is inconsistent and counts as
 * held from outside; but when they exactly use up its outside references
 * (true ext > 0, seen ext == 0) nothing can tell it from garbage, and the
 * promise of no false positives does not cover it (DESIGN.md states it for
 * under-reporting only).  Such graphs are counted, not checked for false
 * positives; everything else must match the oracle exactly. */
static void
random_check_over (RandomGraph *graph,
                   RandomStats *stats)
{
  Oracle seen, truth;
  g_autoptr(OuroReport) report = NULL;
  gboolean masked = FALSE;

  oracle_compute (&seen, graph, TRUE);
  oracle_compute (&truth, graph, FALSE);
  random_count (&seen, stats);
  for (guint v = 0; v < graph->n; v++)
    masked |= truth.ext[v] > 0 && seen.ext[v] == 0;

  random_scan_and_check (graph, &seen, OURO_SCAN_ALL_CYCLES, stats);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  random_check_report (graph, &seen, report, OURO_SCAN_GARBAGE, stats);

  for (guint v = 0; v < graph->n; v++)
    if (seen.visits[v] > graph->nodes[v].refcount)
      random_assert (graph, ouro_report_get_n_inconsistent (report) >= 1,
                     "#%u visited %u times with refcount %u, nothing inconsistent",
                     v, seen.visits[v], graph->nodes[v].refcount);

  if (!masked)
    random_check_no_false_positives (graph, &truth, report);
  else
    {
      stats->n_masked++;
      for (guint v = 0; v < graph->n; v++)
        if (ouro_report_is_garbage (report, &graph->nodes[v]) && truth.live[v])
          {
            stats->n_masked_false_positives++;
            break;
          }
    }

  oracle_clear (&seen);
  oracle_clear (&truth);
}

/* Reports are deterministic: the same graph scanned twice gives the same
 * text, JSON and DOT; the same graph built again at other addresses (so
 * with another registry hash layout) gives the same text once addresses
 * are masked. */
static void
random_check_deterministic (RandomGraph *graph,
                            RandomStats *stats)
{
  static const OuroScanFlags flag_choices[] = { OURO_SCAN_GARBAGE, OURO_SCAN_ALL_CYCLES };
  Oracle oracle;

  oracle_compute (&oracle, graph, TRUE);
  random_count (&oracle, stats);

  for (guint f = 0; f < G_N_ELEMENTS (flag_choices); f++)
    {
      g_autoptr(OuroReport) first = ouro_scan (flag_choices[f]);
      g_autoptr(OuroReport) second = ouro_scan (flag_choices[f]);
      g_autoptr(OuroReport) moved_report = NULL;
      g_autofree char *text1 = ouro_report_to_text (first);
      g_autofree char *text2 = ouro_report_to_text (second);
      g_autofree char *json1 = ouro_report_to_json (first);
      g_autofree char *json2 = ouro_report_to_json (second);
      g_autofree char *dot1 = ouro_report_to_dot (first);
      g_autofree char *dot2 = ouro_report_to_dot (second);
      g_autofree char *masked1 = NULL, *masked2 = NULL;
      g_autofree char *json_masked1 = NULL, *json_masked2 = NULL;
      g_autofree char *moved_text = NULL, *moved_json = NULL;
      RandomGraph *moved;

      random_check_report (graph, &oracle, first, flag_choices[f], stats);
      random_current_report = first;
      random_assert (graph, strcmp (text1, text2) == 0, "text differs:\n%s\n---\n%s", text1, text2);
      random_assert (graph, strcmp (json1, json2) == 0, "JSON differs");
      random_assert (graph, strcmp (dot1, dot2) == 0, "DOT differs");

      /* The same graph again, while the first still holds its memory, so
       * every node is at a new address. */
      random_graph_untrack (graph);
      g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
      moved = random_graph_new (graph->seed, graph->mode);
      random_graph_track (moved);
      moved_report = ouro_scan (flag_choices[f]);
      moved_text = ouro_report_to_text (moved_report);
      moved_json = ouro_report_to_json (moved_report);
      random_graph_untrack (moved);
      random_graph_free (moved);
      random_graph_track (graph);

      masked1 = test_mask_addresses (text1);
      masked2 = test_mask_addresses (moved_text);
      json_masked1 = test_mask_addresses (json1);
      json_masked2 = test_mask_addresses (moved_json);
      random_assert (graph, strcmp (masked1, masked2) == 0,
                     "text differs at other addresses:\n%s\n---\n%s", masked1, masked2);
      random_assert (graph, strcmp (json_masked1, json_masked2) == 0,
                     "JSON differs at other addresses");
      random_current_report = NULL;
    }
  oracle_clear (&oracle);
}

/* ---- running ---------------------------------------------------------- */

/* The detector's own g_assert()s abort inside a scan, before any check
 * here can print the graph: print it on the way out.  Only write() is
 * called, on a dump prepared before the scan. */
static void
random_on_abort (int signum)
{
  static const char header[] = "\nAborted while checking the graph of ";
  ssize_t ignored;

  if (random_current_dump == NULL)
    return;
  ignored = write (STDERR_FILENO, header, sizeof header - 1);
  ignored = write (STDERR_FILENO, random_current_dump, random_current_dump_length);
  (void) ignored;
}

/* Checks RANDOM_N_GRAPHS graphs of @mode, of seeds @base_seed + i, each
 * alone in the registry. */
static void
random_run (guint32          base_seed,
            RandomMode       mode,
            RandomCheckFunc  check)
{
  const char *forced = g_getenv ("OURO_RANDOM_SEED");
  guint n_graphs = g_test_slow () ? 10 * RANDOM_N_GRAPHS : RANDOM_N_GRAPHS;
  RandomStats stats = { 0, };

  if (forced != NULL)
    n_graphs = 1;

  for (guint i = 0; i < n_graphs; i++)
    {
      guint32 seed = forced != NULL ? (guint32) g_ascii_strtoull (forced, NULL, 10) : base_seed + i;
      RandomGraph *graph = random_graph_new (seed, mode);

      g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
      random_graph_track (graph);
      g_assert_cmpuint (ouro_get_n_tracked (), ==, graph->n);
      random_current_dump = random_graph_dump (graph);
      random_current_dump_length = strlen (random_current_dump);
      check (graph, &stats);
      g_clear_pointer (&random_current_dump, g_free);
      random_graph_untrack (graph);
      g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
      random_graph_free (graph);
    }

  g_test_message ("%u graphs (%s): %u with garbage, %u with held garbage, %u with dying "
                  "objects, %u with inconsistent ones; %u garbage and %u live cycles checked; "
                  "%u garbage objects hidden by under-reporting; %u graphs outside the "
                  "no-false-positive promise, %u of them with a false positive",
                  stats.n_graphs, random_mode_names[mode], stats.n_with_garbage,
                  stats.n_with_held, stats.n_with_dying, stats.n_with_inconsistent,
                  stats.n_garbage_cycles, stats.n_live_cycles, stats.n_hidden_garbage,
                  stats.n_masked, stats.n_masked_false_positives);

  /* A run that never met garbage would check nothing worth checking. */
  if (forced == NULL)
    {
      g_assert_cmpuint (stats.n_with_garbage, >, n_graphs / 10);
      g_assert_cmpuint (stats.n_with_held, >, 0);
      g_assert_cmpuint (stats.n_garbage_cycles, >, 0);
    }
}

static void
test_random_garbage (void)
{
  random_run (1000000, RANDOM_EXACT, random_check_exact_garbage);
}

static void
test_random_all_cycles (void)
{
  random_run (2000000, RANDOM_EXACT, random_check_exact_all_cycles);
}

static void
test_random_under_report (void)
{
  random_run (3000000, RANDOM_UNDER, random_check_under);
}

static void
test_random_over_report (void)
{
  random_run (4000000, RANDOM_OVER, random_check_over);
}

/* The same graphs, each built on two threads (ouro-graph-parallel.c):
 * chunks resolved by either thread, untracked extra visits squeezed out. */
static void
random_run_two_threads (guint32          base_seed,
                        RandomMode       mode,
                        RandomCheckFunc  check)
{
  guint32 before = ouro_graph_get_parallel_min_nodes ();

  ouro_graph_set_parallel_min_nodes (0);
  random_run (base_seed, mode, check);
  ouro_graph_set_parallel_min_nodes (before);
}

static void
test_random_two_threads_garbage (void)
{
  random_run_two_threads (7000000, RANDOM_EXACT, random_check_exact_garbage);
}

static void
test_random_two_threads_all_cycles (void)
{
  random_run_two_threads (8000000, RANDOM_EXACT, random_check_exact_all_cycles);
}

static void
test_random_two_threads_over_report (void)
{
  random_run_two_threads (9000000, RANDOM_OVER, random_check_over);
}

static void
test_random_deterministic (void)
{
  random_run (5000000, RANDOM_EXACT, random_check_deterministic);
  random_run (6000000, RANDOM_OVER, random_check_deterministic);
}

int
main (int    argc,
      char **argv)
{
  struct sigaction on_abort = { .sa_handler = random_on_abort, .sa_flags = SA_RESETHAND };

  g_test_init (&argc, &argv, NULL);
  sigemptyset (&on_abort.sa_mask);
  sigaction (SIGABRT, &on_abort, NULL);

  g_test_add_func ("/random/garbage", test_random_garbage);
  g_test_add_func ("/random/all-cycles", test_random_all_cycles);
  g_test_add_func ("/random/under-report", test_random_under_report);
  g_test_add_func ("/random/over-report", test_random_over_report);
  g_test_add_func ("/random/deterministic", test_random_deterministic);
  g_test_add_func ("/random/two-threads/garbage", test_random_two_threads_garbage);
  g_test_add_func ("/random/two-threads/all-cycles", test_random_two_threads_all_cycles);
  g_test_add_func ("/random/two-threads/over-report", test_random_two_threads_over_report);

  return g_test_run ();
}
