/* bench-scan.c — how long ouro_scan (OURO_SCAN_GARBAGE) takes on large
 * graphs, against CPython's gc.collect() on the same shape.
 *
 * The graph: N plain refcounted nodes of one core OuroClass, each holding 3
 * strong references: one to the next node in a ring, two to nodes drawn at
 * random with a fixed seed.  A node's refcount is its in-degree, plus one in
 * the "live" variant, where an untracked outside array holds every node (the
 * scan finds no garbage); in the "garbage" variant nothing outside holds
 * them and the scan finds all N (the ring makes them one cycle).
 *
 * Measured, per N and variant:
 *   - the wall time of ouro_scan (OURO_SCAN_GARBAGE) + ouro_report_free(),
 *     min and median over repeated runs on the same graph, and per edge;
 *   - ouro_track() and ouro_untrack() per object (untracking in tracking
 *     order, the order that leaves tombstones and compacts);
 *   - the registry's bytes per tracked object
 *     (ouro_registry_get_memory_size_unlocked () / N);
 *   - the memory floor: the scan's lookup alone, and one random access
 *     per edge, on the same registry (scan_measure_floor ());
 *   - the first scan's peak extra memory (VmHWM over VmRSS, the peak reset
 *     through /proc/self/clear_refs) per node: working arrays and report.
 * The CPython baseline, bench/cpython_gc.py, runs as a subprocess after the
 * Ouro runs and times gc.collect() on the same shape; the table gives
 * ratio = CPython ms / Ouro ms (above 1: Ouro is faster).
 *
 * Not thread safe: a single-threaded program.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ouro.h>

#include "ouro-graph-private.h"
#include "ouro-registry-private.h"

#include "bench-common.h"

#define SCAN_SEED             G_GUINT64_CONSTANT (0x5EED)
#define SCAN_EDGES_PER_NODE   3
#define SCAN_DEFAULT_SIZES    "10k,100k,1M,4M"
#define SCAN_QUICK_SIZES      "10k,100k"
#define SCAN_QUICK_REPEATS    3
#define SCAN_CPYTHON_SCRIPT   "cpython_gc.py"

/* ---- the object model ------------------------------------------------- */

typedef struct _ScanNode ScanNode;

struct _ScanNode {
  guint     refcount;
  ScanNode *edges[SCAN_EDGES_PER_NODE];   /* each holds a reference */
};

static const char *const scan_edge_labels[SCAN_EDGES_PER_NODE] = {
  "ring next", "random 1", "random 2",
};

static guint
scan_node_get_refcount (gpointer object)
{
  return ((ScanNode *) object)->refcount;
}

static void
scan_node_traverse (gpointer      object,
                    OuroVisitFunc visit,
                    gpointer      user_data)
{
  ScanNode *node = object;

  for (guint i = 0; i < SCAN_EDGES_PER_NODE; i++)
    visit (node->edges[i], scan_edge_labels[i], user_data);
}

static const OuroClass scan_node_class = {
  .name = "ScanNode",
  .get_refcount = scan_node_get_refcount,
  .traverse = scan_node_traverse,
};

/* ---- the graph -------------------------------------------------------- */

typedef enum {
  SCAN_VARIANT_LIVE,
  SCAN_VARIANT_GARBAGE,
  SCAN_N_VARIANTS
} ScanVariant;

static const char *const scan_variant_names[SCAN_N_VARIANTS] = { "live", "garbage" };

typedef struct {
  ScanNode **nodes;   /* [n]; in the live variant, the outside holder */
  guint32    n;
} ScanGraph;

/* After it: @graph holds @n separately allocated nodes wired into the
 * ring-plus-two-random shape, refcounts equal to in-degree (+1 when
 * @variant is live).  Nothing is tracked yet. */
static void
scan_graph_build (ScanGraph   *graph,
                  guint32      n,
                  ScanVariant  variant)
{
  BenchRand rand;

  bench_rand_init (&rand, SCAN_SEED);
  graph->n = n;
  graph->nodes = g_new (ScanNode *, n);
  for (guint32 i = 0; i < n; i++)
    {
      graph->nodes[i] = g_new0 (ScanNode, 1);
      graph->nodes[i]->refcount = variant == SCAN_VARIANT_LIVE ? 1 : 0;
    }

  for (guint32 i = 0; i < n; i++)
    {
      ScanNode *node = graph->nodes[i];

      node->edges[0] = graph->nodes[i + 1 < n ? i + 1 : 0];
      node->edges[1] = graph->nodes[bench_rand_below (&rand, n)];
      node->edges[2] = graph->nodes[bench_rand_below (&rand, n)];
      for (guint e = 0; e < SCAN_EDGES_PER_NODE; e++)
        node->edges[e]->refcount++;
    }
}

static void
scan_graph_free (ScanGraph *graph)
{
  for (guint32 i = 0; i < graph->n; i++)
    g_free (graph->nodes[i]);
  g_clear_pointer (&graph->nodes, g_free);
  graph->n = 0;
}

/* ---- measuring -------------------------------------------------------- */

typedef struct {
  gboolean   measured;
  BenchStats ouro_ms;          /* scan + report free */
  double     track_ns;         /* per object */
  double     untrack_ns;       /* per object */
  double     registry_bytes;   /* per tracked object, all N tracked */
  double     peak_bytes;       /* extra peak RSS of the first scan, per node; < 0: unknown */

  gboolean   have_cpython;
  BenchStats cpython_ms;       /* gc.collect () */

  /* The memory floor, ns per edge, min over the repeats: */
  double     resolve_only_ns;  /* the scan's staged lookup, targets given */
  double     one_access_ns;    /* one independent random node update */
} ScanResult;

/* What the machine's memory allows, measured on the registry and graph
 * the scan just used: (1) the scan's own way of resolving targets (batches
 * of 64: request slots, request nodes, confirm and count) with the targets
 * already in an array, no traverse, no other phase; (2) one independent
 * random read-modify-write of a 16-byte node per edge, the access every
 * edge needs at the least.  After it: @result's floor fields are set. */
typedef struct {
  gpointer object;
  guint32  visits;
  guint    refcount;
} FloorNode;

static void
scan_measure_floor (ScanGraph  *graph,
                    guint       repeats,
                    ScanResult *result)
{
  guint64 n_edges = (guint64) graph->n * SCAN_EDGES_PER_NODE;
  gpointer *targets = g_new (gpointer, n_edges);
  guint32 *positions = g_new (guint32, n_edges);
  guint32 *edge_target = g_new (guint32, n_edges);
  FloorNode *nodes;
  OuroRegistry *registry;

  for (guint32 i = 0; i < graph->n; i++)
    for (guint e = 0; e < SCAN_EDGES_PER_NODE; e++)
      targets[(guint64) i * SCAN_EDGES_PER_NODE + e] = graph->nodes[i]->edges[e];

  ouro_registry_lock ();
  ouro_registry_compact_unlocked ();
  registry = ouro_registry_get_unlocked ();
  nodes = g_new (FloorNode, registry->n_positions);
  result->resolve_only_ns = result->one_access_ns = G_MAXDOUBLE;

  for (guint r = 0; r < repeats; r++)
    {
      guint32 mask = registry->n_slots - 1, n_out = 0;
      gint64 start;

      for (guint32 v = 0; v < registry->n_positions; v++)
        nodes[v] = (FloorNode) { registry->objects[v], 0, 0 };

      start = bench_now_ns ();
      for (guint64 b = 0; b < n_edges; b += 64)
        {
          guint32 slot[64], entry[64], count = (guint32) MIN (64, n_edges - b);

          for (guint32 i = 0; i < count; i++)
            {
              slot[i] = ouro_pointer_hash (targets[b + i], registry->slot_shift);
              __builtin_prefetch (&registry->slots[slot[i]], 0, 3);
            }
          for (guint32 i = 0; i < count; i++)
            {
              entry[i] = registry->slots[slot[i]];
              if (entry[i] != 0)
                __builtin_prefetch (&nodes[entry[i] - 1], 1, 3);
            }
          for (guint32 i = 0; i < count; i++)
            {
              guint32 s = slot[i], found = entry[i];

              while (found != 0 && nodes[found - 1].object != targets[b + i])
                {
                  s = (s + 1) & mask;
                  found = registry->slots[s];
                }
              if (found != 0)
                {
                  edge_target[n_out++] = found - 1;
                  nodes[found - 1].visits++;
                }
            }
        }
      result->resolve_only_ns = MIN (result->resolve_only_ns,
                                     (double) (bench_now_ns () - start) / n_edges);
      g_assert (n_out == n_edges);

      memcpy (positions, edge_target, n_edges * sizeof (guint32));
      start = bench_now_ns ();
      for (guint64 e = 0; e < n_edges; e++)
        nodes[positions[e]].visits++;
      result->one_access_ns = MIN (result->one_access_ns,
                                   (double) (bench_now_ns () - start) / n_edges);
    }
  ouro_registry_unlock ();

  g_free (nodes);
  g_free (edge_target);
  g_free (positions);
  g_free (targets);
}

/* Reads one "Name:   N kB" line of /proc/self/status, in bytes; -1 if
 * there is none. */
static gint64
scan_read_status_kb (const char *name)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (line = strstr (status, name)) == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen (name), NULL, 10) * 1024;
}

/* Resets the kernel's peak-RSS mark (VmHWM) to the current RSS.  Returns
 * the current RSS in bytes, or -1 when the kernel does not offer it. */
static gint64
scan_reset_peak_rss (void)
{
  FILE *clear_refs = fopen ("/proc/self/clear_refs", "w");
  gboolean reset;

  if (clear_refs == NULL)
    return -1;
  reset = fputs ("5", clear_refs) >= 0;
  reset = fclose (clear_refs) == 0 && reset;
  return reset ? scan_read_status_kb ("VmRSS:") : -1;
}

/* Times @repeats scans of a fresh graph of @n nodes, with tracking and
 * untracking around them.  After it: @result holds the numbers, the
 * registry is empty again and the graph is freed.  Returns FALSE with
 * @error set when a scan found other garbage than expected. */
static gboolean
scan_measure_ouro (guint32       n,
                   ScanVariant   variant,
                   guint         repeats,
                   ScanResult   *result,
                   GError      **error)
{
  guint expected_garbage = variant == SCAN_VARIANT_LIVE ? 0 : n;
  ScanGraph graph;
  double *samples = g_new (double, repeats);
  gint64 start;
  gboolean ok = TRUE;

  g_assert (ouro_get_n_tracked () == 0);
  scan_graph_build (&graph, n, variant);

  start = bench_now_ns ();
  for (guint32 i = 0; i < n; i++)
    ouro_track (graph.nodes[i], &scan_node_class);
  result->track_ns = (double) (bench_now_ns () - start) / n;

  ouro_registry_lock ();
  result->registry_bytes = (double) ouro_registry_get_memory_size_unlocked () / n;
  ouro_registry_unlock ();

  for (guint r = 0; r < repeats && ok; r++)
    {
      OuroReport *report;
      guint n_garbage;

      gint64 rss_before = r == 0 ? scan_reset_peak_rss () : -1;

      start = bench_now_ns ();
      report = ouro_scan (OURO_SCAN_GARBAGE);
      n_garbage = ouro_report_get_n_garbage (report);
      ouro_report_free (report);
      if (r == 0)
        {
          /* The first scan faults its working arrays in; later ones reuse
           * them.  The peak includes the report, freed above. */
          gint64 peak = scan_read_status_kb ("VmHWM:");
          result->peak_bytes = rss_before >= 0 && peak >= rss_before
                               ? (double) (peak - rss_before) / n : -1;
        }
      samples[r] = (double) (bench_now_ns () - start) / 1e6;

      if (n_garbage != expected_garbage)
        {
          g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
                       "%s N=%u: the scan found %u garbage objects, expected %u",
                       scan_variant_names[variant], n, n_garbage, expected_garbage);
          ok = FALSE;
        }
    }

  if (ok)
    scan_measure_floor (&graph, repeats, result);

  start = bench_now_ns ();
  for (guint32 i = 0; i < n; i++)
    ouro_untrack (graph.nodes[i]);
  result->untrack_ns = (double) (bench_now_ns () - start) / n;

  if (ok)
    {
      bench_stats_compute (samples, repeats, &result->ouro_ms);
      result->measured = TRUE;
    }

  scan_graph_free (&graph);
  g_free (samples);
  return ok;
}

/* Runs the CPython baseline over every size and variant asked for and
 * fills the have_cpython/cpython_ms fields of @results ([size][variant]).
 * Returns FALSE with @error set when it could not run; the caller reports
 * the baseline as skipped. */
static gboolean
scan_measure_cpython (const char      *python,
                      const char      *script,
                      GArray          *sizes,
                      const gboolean   run_variant[SCAN_N_VARIANTS],
                      guint            repeats_override,
                      ScanResult      *results,
                      GError         **error)
{
  g_autoptr(GString) size_list = g_string_new (NULL);
  g_autoptr(GString) variant_list = g_string_new (NULL);
  g_autofree char *repeats_text = NULL;
  g_autofree char *output = NULL;
  g_auto(GStrv) lines = NULL;
  const char *args[7];
  guint n_args = 0;

  for (guint i = 0; i < sizes->len; i++)
    g_string_append_printf (size_list, "%s%" G_GUINT64_FORMAT,
                            i > 0 ? "," : "", g_array_index (sizes, guint64, i));
  for (guint v = 0; v < SCAN_N_VARIANTS; v++)
    if (run_variant[v])
      g_string_append_printf (variant_list, "%s%s",
                              variant_list->len > 0 ? "," : "", scan_variant_names[v]);

  args[n_args++] = "--sizes";
  args[n_args++] = size_list->str;
  args[n_args++] = "--variants";
  args[n_args++] = variant_list->str;
  if (repeats_override > 0)
    {
      repeats_text = g_strdup_printf ("%u", repeats_override);
      args[n_args++] = "--repeats";
      args[n_args++] = repeats_text;
    }
  args[n_args] = NULL;

  output = bench_run_python (python, script, args, error);
  if (output == NULL)
    return FALSE;

  lines = g_strsplit (output, "\n", -1);
  for (guint l = 0; lines[l] != NULL; l++)
    {
      char variant_name[16];
      guint64 n;
      guint found, runs;
      double min_ms, median_ms;

      if (g_str_has_prefix (lines[l], "python "))
        {
          g_print ("baseline: %s, %s\n", lines[l], script);
          continue;
        }
      if (sscanf (lines[l], "result %15s %" G_GUINT64_FORMAT " %u %lf %lf %u",
                  variant_name, &n, &found, &min_ms, &median_ms, &runs) != 6)
        continue;

      for (guint i = 0; i < sizes->len; i++)
        for (guint v = 0; v < SCAN_N_VARIANTS; v++)
          {
            ScanResult *result = &results[i * SCAN_N_VARIANTS + v];
            guint expected = v == SCAN_VARIANT_LIVE ? 0 : (guint) n;

            if (g_array_index (sizes, guint64, i) != n
                || strcmp (variant_name, scan_variant_names[v]) != 0)
              continue;
            if (found != expected)
              g_printerr ("warning: CPython %s N=%" G_GUINT64_FORMAT ": gc.collect() "
                          "found %u objects, expected %u\n", variant_name, n, found, expected);
            result->have_cpython = TRUE;
            result->cpython_ms.min = min_ms;
            result->cpython_ms.median = median_ms;
            result->cpython_ms.n = runs;
          }
    }
  return TRUE;
}

/* ---- the tables ------------------------------------------------------- */

static void
scan_print_ratio (double cpython_ms,
                  double ouro_ms)
{
  if (ouro_ms > 0)
    g_print (" %.2fx |", cpython_ms / ouro_ms);
  else
    g_print (" - |");
}

static void
scan_print_tables (GArray     *sizes,
                   ScanResult *results,
                   gboolean    have_cpython)
{
  g_print ("\nscan: ouro_scan (OURO_SCAN_GARBAGE) + ouro_report_free (), against "
           "gc.collect (); ratio = CPython ms / Ouro ms (above 1: Ouro faster); "
           "graphs of %u nodes or more built on two threads\n\n",
           ouro_graph_get_parallel_min_nodes ());
  g_print ("| variant | N | edges | Ouro min ms | Ouro median ms | Ouro ns/edge (min) "
           "| CPython min ms | CPython median ms | CPython ns/edge (min) "
           "| ratio (min) | ratio (median) |\n");
  g_print ("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");

  for (guint v = 0; v < SCAN_N_VARIANTS; v++)
    for (guint i = 0; i < sizes->len; i++)
      {
        ScanResult *result = &results[i * SCAN_N_VARIANTS + v];
        guint64 n = g_array_index (sizes, guint64, i);
        guint64 n_edges = n * SCAN_EDGES_PER_NODE;
        g_autofree char *size = bench_format_size (n);
        g_autofree char *edges = bench_format_size (n_edges);

        if (!result->measured)
          continue;
        g_print ("| %s | %s | %s | %.3f | %.3f | %.1f |",
                 scan_variant_names[v], size, edges,
                 result->ouro_ms.min, result->ouro_ms.median,
                 result->ouro_ms.min * 1e6 / n_edges);
        if (result->have_cpython)
          {
            g_print (" %.3f | %.3f | %.1f |",
                     result->cpython_ms.min, result->cpython_ms.median,
                     result->cpython_ms.min * 1e6 / n_edges);
            scan_print_ratio (result->cpython_ms.min, result->ouro_ms.min);
            scan_print_ratio (result->cpython_ms.median, result->ouro_ms.median);
            g_print ("\n");
          }
        else
          g_print (" - | - | - | - | - |\n");
      }

  if (!have_cpython)
    g_print ("\n(CPython baseline skipped: the CPython columns are empty)\n");

  g_print ("\nregistry: ouro_track / ouro_untrack per object (untrack in tracking "
           "order), registry bytes per tracked object; best of the variants run\n\n");
  g_print ("| N | track ns/object | untrack ns/object | track+untrack ns/object "
           "| registry bytes/object | first scan's peak extra bytes/node, live | same, garbage |\n");
  g_print ("|--:|--:|--:|--:|--:|--:|--:|\n");
  for (guint i = 0; i < sizes->len; i++)
    {
      g_autofree char *size = bench_format_size (g_array_index (sizes, guint64, i));
      double track = G_MAXDOUBLE, untrack = G_MAXDOUBLE, bytes = G_MAXDOUBLE;
      gboolean any = FALSE;

      for (guint v = 0; v < SCAN_N_VARIANTS; v++)
        {
          ScanResult *result = &results[i * SCAN_N_VARIANTS + v];

          if (!result->measured)
            continue;
          any = TRUE;
          track = MIN (track, result->track_ns);
          untrack = MIN (untrack, result->untrack_ns);
          bytes = MIN (bytes, result->registry_bytes);
        }
      if (any)
        {
          g_print ("| %s | %.1f | %.1f | %.1f | %.1f |",
                   size, track, untrack, track + untrack, bytes);
          for (guint v = 0; v < SCAN_N_VARIANTS; v++)
            {
              ScanResult *result = &results[i * SCAN_N_VARIANTS + v];

              if (result->measured && result->peak_bytes >= 0)
                g_print (" %.1f |", result->peak_bytes);
              else
                g_print (" - |");
            }
          g_print ("\n");
        }
    }

  g_print ("\nmemory floor, ns per edge (min), on the same registry and graph: the scan's "
           "staged lookup with the targets given (no traverse, no other phase), and one "
           "independent random update of a 16-byte node per edge\n\n");
  g_print ("| variant | N | scan ns/edge | lookup only ns/edge | one random access ns/edge "
           "| scan / lookup only |\n");
  g_print ("|---|--:|--:|--:|--:|--:|\n");
  for (guint v = 0; v < SCAN_N_VARIANTS; v++)
    for (guint i = 0; i < sizes->len; i++)
      {
        ScanResult *result = &results[i * SCAN_N_VARIANTS + v];
        guint64 n = g_array_index (sizes, guint64, i);
        double scan_ns;
        g_autofree char *size = bench_format_size (n);

        if (!result->measured)
          continue;
        scan_ns = result->ouro_ms.min * 1e6 / (n * SCAN_EDGES_PER_NODE);
        g_print ("| %s | %s | %.1f | %.1f | %.1f | %.2fx |\n", scan_variant_names[v], size,
                 scan_ns, result->resolve_only_ns, result->one_access_ns,
                 scan_ns / result->resolve_only_ns);
      }

  /* The goals later work is held to (bench/README.md). */
  for (guint i = 0; i < sizes->len; i++)
    {
      static const double goals[SCAN_N_VARIANTS] = { 3.0, 2.0 };

      if (g_array_index (sizes, guint64, i) != 1000000)
        continue;
      g_print ("\ntargets at N=1M (CPython ms / Ouro ms, by min and by median):\n");
      for (guint v = 0; v < SCAN_N_VARIANTS; v++)
        {
          ScanResult *result = &results[i * SCAN_N_VARIANTS + v];

          if (!result->measured || !result->have_cpython)
            continue;
          g_print ("  %-7s %.2fx / %.2fx, goal >= %.0fx: %s\n", scan_variant_names[v],
                   result->cpython_ms.min / result->ouro_ms.min,
                   result->cpython_ms.median / result->ouro_ms.median, goals[v],
                   result->cpython_ms.min / result->ouro_ms.min >= goals[v]
                   && result->cpython_ms.median / result->ouro_ms.median >= goals[v]
                   ? "met" : "not met");
        }
    }
}

/* ---- main ------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  g_autofree char *sizes_text = NULL;
  g_autofree char *variant_text = NULL;
  g_autofree char *python_option = NULL;
  g_autofree char *script_option = NULL;
  g_autofree char *python = NULL;
  g_autofree char *script = NULL;
  g_autofree ScanResult *results = NULL;
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean quick = FALSE, no_cpython = FALSE, have_cpython = FALSE, one_thread = FALSE;
  gboolean run_variant[SCAN_N_VARIANTS] = { TRUE, TRUE };
  gint repeats_option = 0;
  GOptionEntry entries[] = {
    { "sizes", 's', 0, G_OPTION_ARG_STRING, &sizes_text,
      "Graph sizes, comma-separated, k and M allowed (default " SCAN_DEFAULT_SIZES ")", "LIST" },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      "Sizes " SCAN_QUICK_SIZES ", 3 runs each (unless --sizes/--repeats say otherwise)", NULL },
    { "repeats", 'r', 0, G_OPTION_ARG_INT, &repeats_option,
      "Timed runs per graph (default 7 up to 100k, 5 up to 1M, 3 above)", "N" },
    { "variant", 0, 0, G_OPTION_ARG_STRING, &variant_text,
      "live, garbage or both (default both)", "VARIANT" },
    { "one-thread", 0, 0, G_OPTION_ARG_NONE, &one_thread,
      "Build every graph on the scanning thread alone (no second thread)", NULL },
    { "no-cpython", 0, 0, G_OPTION_ARG_NONE, &no_cpython,
      "Skip the CPython gc.collect() baseline", NULL },
    { "python", 0, 0, G_OPTION_ARG_FILENAME, &python_option,
      "The Python for the baseline (default $PYTHON, else /usr/bin/python3)", "PATH" },
    { "cpython-script", 0, 0, G_OPTION_ARG_FILENAME, &script_option,
      "The baseline script (default " SCAN_CPYTHON_SCRIPT " in the bench source directory)", "PATH" },
    G_OPTION_ENTRY_NULL
  };
  guint repeats_override;

  /* The user's charset for messages, but '.' decimal points always: the
   * tables are parsed back, and the baseline's output is read with sscanf. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  context = g_option_context_new ("- time ouro_scan against CPython's gc.collect()");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;

  if (repeats_option < 0)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--repeats must be positive");
      goto fail;
    }
  repeats_override = (guint) repeats_option;
  if (quick && repeats_override == 0)
    repeats_override = SCAN_QUICK_REPEATS;
  if (!bench_parse_sizes (sizes_text != NULL ? sizes_text
                                             : quick ? SCAN_QUICK_SIZES : SCAN_DEFAULT_SIZES,
                          sizes, &error))
    goto fail;
  if (variant_text != NULL && strcmp (variant_text, "both") != 0)
    {
      run_variant[SCAN_VARIANT_LIVE] = strcmp (variant_text, "live") == 0;
      run_variant[SCAN_VARIANT_GARBAGE] = strcmp (variant_text, "garbage") == 0;
      if (!run_variant[SCAN_VARIANT_LIVE] && !run_variant[SCAN_VARIANT_GARBAGE])
        {
          g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--variant must be live, garbage or both, not '%s'", variant_text);
          goto fail;
        }
    }

  if (one_thread)
    ouro_graph_set_parallel_min_nodes (G_MAXUINT32);
  bench_print_machine ("bench-scan");

  results = g_new0 (ScanResult, sizes->len * SCAN_N_VARIANTS);
  for (guint i = 0; i < sizes->len; i++)
    for (guint v = 0; v < SCAN_N_VARIANTS; v++)
      {
        guint32 n = (guint32) g_array_index (sizes, guint64, i);
        guint repeats = repeats_override > 0 ? repeats_override : bench_default_repeats (n);
        ScanResult *result = &results[i * SCAN_N_VARIANTS + v];

        if (!run_variant[v])
          continue;
        g_printerr ("ouro: %s N=%u, %u runs\n", scan_variant_names[v], n, repeats);
        if (!scan_measure_ouro (n, v, repeats, result, &error))
          goto fail;
      }

  if (no_cpython)
    g_print ("baseline: skipped (--no-cpython)\n");
  else
    {
      python = bench_find_python (python_option, &error);
      script = script_option != NULL
        ? g_strdup (script_option)
        : g_build_filename (bench_source_dir (), SCAN_CPYTHON_SCRIPT, NULL);
      if (python != NULL && !g_file_test (script, G_FILE_TEST_IS_REGULAR))
        g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no baseline script at %s", script);
      else if (python != NULL)
        have_cpython = scan_measure_cpython (python, script, sizes, run_variant,
                                             repeats_override, results, &error);
      if (!have_cpython)
        {
          g_print ("baseline: skipped (%s)\n", error->message);
          g_clear_error (&error);
        }
    }

  scan_print_tables (sizes, results, have_cpython);
  return EXIT_SUCCESS;

fail:
  g_printerr ("bench-scan: %s\n", error->message);
  return EXIT_FAILURE;
}
