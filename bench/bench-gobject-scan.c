/* bench-gobject-scan.c — how long ouro_scan (OURO_SCAN_GARBAGE) takes on
 * tracked GObjects whose edges the glue finds in its three ways (a
 * registered field, signal-handler data, qdata), against the core scan on
 * plain nodes of the same shape.
 *
 * The graph: N objects of BenchGNode (a GObject subclass with one field,
 * "next", registered with OURO_GOBJECT_ADD_FIELD), created after
 * ouro_gobject_init (), so tracked.  Each holds 3 strong references: its
 * field to the next object in a ring; the data of a "notify" handler
 * connected with g_signal_connect_data (g_object_ref (random other),
 * g_object_unref as destroy notify); and qdata set with
 * g_object_set_data_full (g_object_ref (random other), g_object_unref).
 * The core graph has the same shape and the same random targets: plain
 * refcounted nodes of one OuroClass (a refcount and three pointers).
 *
 * Variants: "live", an untracked outside array holds a reference to every
 * object (the scan finds no garbage); "garbage", the same graph once that
 * array dropped its references (the scan finds all N: the ring makes one
 * cycle).  A GObject graph is built once and serves both variants in that
 * order; ouro_collect () frees it afterwards.  The core and the GObject
 * graphs are never tracked at the same time.
 *
 * Measured: ouro_scan (OURO_SCAN_GARBAGE) + ouro_report_free (), min and
 * median over repeated scans, ms and ns per edge (3N), and the ratio
 * GObject / core; and the GObject scans again with OURO_SCAN_PROBABLE
 * (the glue reads each object's four words of its own: the registered
 * "next", which its proven edge accounts for, "peer", and two numbers),
 * interleaved with the plain ones, which must find no probable garbage
 * either.  The live graph is timed twice that way: with "peer" the
 * handler's target (a pointer its edge accounts for, as a field holding
 * a child widget is), then with "peer" an object no edge holds (a
 * borrowed pointer).  A scan that finds other garbage than 0 (live) or N
 * (garbage) fails the benchmark: a handler or qdata edge the glue did not
 * record would leave its target's refcount unexplained, so the garbage
 * check also proves every edge was seen.  The program first checks that
 * g_signal_connect_data and g_datalist_id_set_data_full are the glue's
 * (libouro-gobject linked before gobject-2.0), and fails otherwise.
 *
 * Not thread safe: a single-threaded program.
 */
#define _GNU_SOURCE   /* dladdr () */

#include <dlfcn.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <ouro-gobject.h>

#include "bench-common.h"

#define GSCAN_SEED             G_GUINT64_CONSTANT (0x5EED)
#define GSCAN_EDGES_PER_NODE   3
#define GSCAN_DEFAULT_SIZES    "100k"
#define GSCAN_QUICK_SIZES      "10k,100k"
#define GSCAN_QUICK_REPEATS    3
#define GSCAN_TARGET_N         100000
#define GSCAN_TARGET_MS        60.0

/* g_object_unref as a GClosureNotify / GDestroyNotify. */
#define GSCAN_UNREF_NOTIFY  ((GClosureNotify) (void (*) (void)) g_object_unref)

typedef enum {
  GSCAN_VARIANT_LIVE,
  GSCAN_VARIANT_GARBAGE,
  GSCAN_N_VARIANTS
} GScanVariant;

static const char *const gscan_variant_names[GSCAN_N_VARIANTS] = { "live", "garbage" };

/* ---- the GObject type ------------------------------------------------- */

#define BENCH_TYPE_GNODE (bench_gnode_get_type ())
G_DECLARE_FINAL_TYPE (BenchGNode, bench_gnode, BENCH, GNODE, GObject)

struct _BenchGNode {
  GObject  parent_instance;
  GObject *next;   /* strong, registered with OURO_GOBJECT_ADD_FIELD */
  GObject *peer;   /* borrowed: the handler's target, then the object half the ring away */
  gint64   serial;
  double   weight;
};

G_DEFINE_FINAL_TYPE (BenchGNode, bench_gnode, G_TYPE_OBJECT)

static void
bench_gnode_dispose (GObject *object)
{
  g_clear_object (&BENCH_GNODE (object)->next);
  G_OBJECT_CLASS (bench_gnode_parent_class)->dispose (object);
}

static void
bench_gnode_class_init (BenchGNodeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = bench_gnode_dispose;
}

static void
bench_gnode_init (BenchGNode *self)
{
}

static void
gscan_on_notify (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
}

/* ---- the core node model (bench-scan's, in short) --------------------- */

typedef struct _GScanNode GScanNode;

struct _GScanNode {
  guint      refcount;
  GScanNode *edges[GSCAN_EDGES_PER_NODE];
};

static guint
gscan_node_get_refcount (gpointer object)
{
  return ((GScanNode *) object)->refcount;
}

static void
gscan_node_traverse (gpointer      object,
                     OuroVisitFunc visit,
                     gpointer      user_data)
{
  GScanNode *node = object;

  for (guint i = 0; i < GSCAN_EDGES_PER_NODE; i++)
    visit (node->edges[i], "edge", user_data);
}

static const OuroClass gscan_node_class = {
  .name = "GScanNode",
  .get_refcount = gscan_node_get_refcount,
  .traverse = gscan_node_traverse,
};

/* ---- the shape -------------------------------------------------------- */

/* After it: @targets[3 i + e] is the index edge e of node i points to:
 * e = 0 the next in the ring, e = 1, 2 a random node other than i. */
static guint32 *
gscan_shape_new (guint32 n)
{
  guint32 *targets = g_new (guint32, (gsize) n * GSCAN_EDGES_PER_NODE);
  BenchRand rand;

  bench_rand_init (&rand, GSCAN_SEED);
  for (guint32 i = 0; i < n; i++)
    {
      targets[3 * (gsize) i] = i + 1 < n ? i + 1 : 0;
      for (guint e = 1; e < GSCAN_EDGES_PER_NODE; e++)
        targets[3 * (gsize) i + e] = (i + 1 + bench_rand_below (&rand, n - 1)) % n;
    }
  return targets;
}

/* ---- timing ----------------------------------------------------------- */

/* Times @repeats scans of what is tracked, with @flags and, when
 * @fields_out is not NULL, as many with OURO_SCAN_PROBABLE added (the
 * GObject candidates function reading pointer fields), alternating which
 * goes first.  After it: @out (and @fields_out) hold min and median ms.
 * Returns FALSE with @error set when a scan found other than @expected
 * garbage objects, or any probable garbage. */
static gboolean
gscan_time_scans (const char  *what,
                  guint32      n,
                  guint        expected,
                  guint        repeats,
                  BenchStats  *out,
                  BenchStats  *fields_out,
                  GError     **error)
{
  g_autofree double *samples = g_new (double, repeats);
  g_autofree double *fields_samples = g_new (double, repeats);

  for (guint r = 0; r < repeats; r++)
    for (guint k = 0; k < (fields_out != NULL ? 2u : 1u); k++)
      {
        gboolean fields = fields_out != NULL && (k + r) % 2 == 1;
        gint64 start = bench_now_ns ();
        OuroReport *report = ouro_scan (fields ? OURO_SCAN_PROBABLE : OURO_SCAN_GARBAGE);
        guint n_garbage = ouro_report_get_n_garbage (report);
        guint n_probable = ouro_report_get_n_probable (report);

        ouro_report_free (report);
        (fields ? fields_samples : samples)[r] = (double) (bench_now_ns () - start) / 1e6;
        if (n_garbage != expected || n_probable != 0)
          {
            g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
                         "%s%s N=%u: the scan found %u garbage objects, expected %u%s; "
                         "%u probable", what, fields ? " (fields)" : "", n, n_garbage, expected,
                         n_garbage < expected ? " (an edge through handler data or qdata "
                                                "was not recorded?)" : "", n_probable);
            return FALSE;
          }
      }
  bench_stats_compute (samples, repeats, out);
  if (fields_out != NULL)
    bench_stats_compute (fields_samples, repeats, fields_out);
  return TRUE;
}

/* Scans the core graph of @targets' shape in both variants.  After it:
 * @out[variant] holds the times, nothing of it is tracked or allocated. */
static gboolean
gscan_measure_core (guint32         n,
                    const guint32  *targets,
                    guint           repeats,
                    BenchStats      out[GSCAN_N_VARIANTS],
                    GError        **error)
{
  gboolean ok = TRUE;

  for (guint v = 0; v < GSCAN_N_VARIANTS && ok; v++)
    {
      GScanNode **nodes = g_new (GScanNode *, n);

      for (guint32 i = 0; i < n; i++)
        {
          nodes[i] = g_new0 (GScanNode, 1);
          nodes[i]->refcount = v == GSCAN_VARIANT_LIVE ? 1 : 0;
        }
      for (guint32 i = 0; i < n; i++)
        for (guint e = 0; e < GSCAN_EDGES_PER_NODE; e++)
          {
            GScanNode *target = nodes[targets[3 * (gsize) i + e]];

            nodes[i]->edges[e] = target;
            target->refcount++;
          }
      for (guint32 i = 0; i < n; i++)
        ouro_track (nodes[i], &gscan_node_class);

      ok = gscan_time_scans (v == GSCAN_VARIANT_LIVE ? "core live" : "core garbage", n,
                             v == GSCAN_VARIANT_LIVE ? 0 : n, repeats, &out[v], NULL, error);

      for (guint32 i = 0; i < n; i++)
        {
          ouro_untrack (nodes[i]);
          g_free (nodes[i]);
        }
      g_free (nodes);
    }
  return ok;
}

/* Builds the GObject graph, scans it live, drops the outside references,
 * scans it as garbage, and collects it.  After it: @out[variant] holds the
 * times and no BenchGNode is left. */
static gboolean
gscan_measure_gobject (guint32         n,
                       const guint32  *targets,
                       guint           repeats,
                       BenchStats      out[GSCAN_N_VARIANTS],
                       BenchStats      fields_out[GSCAN_N_VARIANTS],
                       BenchStats     *accounted_out,
                       BenchStats     *again_out,
                       double         *build_ns,
                       GError        **error)
{
  GQuark peer_quark = g_quark_from_static_string ("bench-gobject-scan-peer");
  GObject **objects = g_new (GObject *, n);
  guint n_before = ouro_get_n_tracked ();
  gboolean ok;
  gint64 start;
  guint collected;

  start = bench_now_ns ();
  for (guint32 i = 0; i < n; i++)
    objects[i] = g_object_new (BENCH_TYPE_GNODE, NULL);
  for (guint32 i = 0; i < n; i++)
    {
      const guint32 *t = &targets[3 * (gsize) i];

      BENCH_GNODE (objects[i])->next = g_object_ref (objects[t[0]]);
      BENCH_GNODE (objects[i])->peer = objects[t[1]];   /* first the handler's target */
      g_signal_connect_data (objects[i], "notify", G_CALLBACK (gscan_on_notify),
                             g_object_ref (objects[t[1]]), GSCAN_UNREF_NOTIFY, 0);
      g_object_set_qdata_full (objects[i], peer_quark, g_object_ref (objects[t[2]]),
                               g_object_unref);
    }
  *build_ns = (double) (bench_now_ns () - start) / n;

  if (ouro_get_n_tracked () != n_before + n)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
                   "%u objects tracked after creating %u, expected %u: "
                   "ouro_gobject_init () did not take effect",
                   ouro_get_n_tracked (), n, n_before + n);
      ok = FALSE;
    }
  else
    ok = gscan_time_scans ("GObject live", n, 0, repeats, &out[GSCAN_VARIANT_LIVE],
                           accounted_out, error);

  /* The borrowed pointer made one no edge accounts for: the harder case
   * for the tier, timed with its own plain scans. */
  for (guint32 i = 0; i < n; i++)
    BENCH_GNODE (objects[i])->peer = objects[(i + n / 2) % n];
  if (ok)
    ok = gscan_time_scans ("GObject live", n, 0, repeats, again_out,
                           &fields_out[GSCAN_VARIANT_LIVE], error);

  for (guint32 i = 0; i < n; i++)
    g_object_unref (objects[i]);
  g_free (objects);

  if (ok)
    ok = gscan_time_scans ("GObject garbage", n, n, repeats,
                           &out[GSCAN_VARIANT_GARBAGE], &fields_out[GSCAN_VARIANT_GARBAGE], error);

  {
    gint64 collect_start = g_get_monotonic_time ();

    collected = ouro_collect ();
    /* One run: collecting frees the graph. */
    g_print ("  ouro_collect () of the %u garbage GObjects: %.1f ms\n", n,
             (g_get_monotonic_time () - collect_start) / 1000.0);
  }
  if (ok && (collected != n || ouro_get_n_tracked () != n_before))
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
                   "ouro_collect () freed %u objects of %u; %u still tracked",
                   collected, n, ouro_get_n_tracked ());
      ok = FALSE;
    }
  return ok;
}

/* ---- the interposition check ------------------------------------------ */

/* Returns TRUE when calls this program makes to each function the graph
 * relies on go to a definition other than the library's own (the glue's);
 * FALSE with @error set otherwise. */
static gboolean
gscan_check_interposed (GError **error)
{
  static const struct {
    const char *library;
    const char *symbol;
    gpointer    called;
  } functions[] = {
    { "libgobject-2.0.so.0", "g_signal_connect_data", (gpointer) g_signal_connect_data },
    { "libglib-2.0.so.0", "g_datalist_id_set_data_full",
      (gpointer) g_datalist_id_set_data_full },
  };

  for (guint f = 0; f < G_N_ELEMENTS (functions); f++)
    {
      void *library = dlopen (functions[f].library, RTLD_LAZY | RTLD_NOLOAD);
      gpointer own = library != NULL ? dlsym (library, functions[f].symbol) : NULL;
      gpointer by_default = dlsym (RTLD_DEFAULT, functions[f].symbol);
      Dl_info info;

      if (library != NULL)
        dlclose (library);
      if (own == NULL || own == by_default || own == functions[f].called)
        {
          g_set_error (error, BENCH_ERROR, BENCH_ERROR_FAILED,
                       "%s is not interposed (%s's %p, default %p, called %p): link "
                       "ouro-gobject before gobject-2.0, or the glue records no handler "
                       "or qdata edges", functions[f].symbol, functions[f].library, own,
                       by_default, functions[f].called);
          return FALSE;
        }
      if (dladdr (by_default, &info) != 0 && info.dli_fname != NULL)
        g_print ("interposed: %s is defined by %s\n", functions[f].symbol, info.dli_fname);
    }
  return TRUE;
}

/* ---- main ------------------------------------------------------------- */

typedef struct {
  BenchStats gobject[GSCAN_N_VARIANTS];
  BenchStats fields[GSCAN_N_VARIANTS];   /* the same scans with OURO_SCAN_PROBABLE */
  BenchStats accounted;                  /* live, with "peer" the handler's target */
  BenchStats again;                      /* live without, timed with fields[live] */
  BenchStats core[GSCAN_N_VARIANTS];
  double     build_ns;   /* per GObject: create, connect, set qdata */
} GScanResult;

static void
gscan_print_table (GArray      *sizes,
                   GScanResult *results)
{
  g_print ("\ngobject-scan: ouro_scan (OURO_SCAN_GARBAGE) + ouro_report_free (), ms; "
           "3 edges per object (field, handler data, qdata) against core nodes of the "
           "same shape; ratio = GObject / core (above 1: the GObject scan is slower)\n\n");
  g_print ("| variant | N | edges | GObject min ms | GObject median ms | GObject ns/edge (min) "
           "| core min ms | core median ms | core ns/edge (min) | ratio (min) | ratio (median) |\n");
  g_print ("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
  for (guint v = 0; v < GSCAN_N_VARIANTS; v++)
    for (guint i = 0; i < sizes->len; i++)
      {
        guint64 n = g_array_index (sizes, guint64, i);
        guint64 n_edges = n * GSCAN_EDGES_PER_NODE;
        g_autofree char *size = bench_format_size (n);
        g_autofree char *edges = bench_format_size (n_edges);
        BenchStats *g = &results[i].gobject[v], *c = &results[i].core[v];

        g_print ("| %s | %s | %s | %.3f | %.3f | %.1f | %.3f | %.3f | %.1f | %.2fx | %.2fx |\n",
                 gscan_variant_names[v], size, edges, g->min, g->median,
                 g->min * 1e6 / n_edges, c->min, c->median, c->min * 1e6 / n_edges,
                 g->min / c->min, g->median / c->median);
      }

  g_print ("\nwith pointer fields read (OURO_SCAN_PROBABLE: 4 words per object, the field "
           "\"next\" accounted by its registered edge, \"peer\" a second pointer: to the "
           "handler's target, which that edge accounts for, or to an object no edge holds), "
           "against the same GObject scan without, interleaved:\n\n");
  g_print ("| variant | peer | N | without min ms | with min ms | without median ms "
           "| with median ms | ratio (min) | ratio (median) |\n");
  g_print ("|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
  for (guint row = 0; row < 3; row++)
    for (guint i = 0; i < sizes->len; i++)
      {
        g_autofree char *size = bench_format_size (g_array_index (sizes, guint64, i));
        BenchStats *g = row == 0 ? &results[i].gobject[GSCAN_VARIANT_LIVE]
                      : row == 1 ? &results[i].again : &results[i].gobject[GSCAN_VARIANT_GARBAGE];
        BenchStats *f = row == 0 ? &results[i].accounted
                      : row == 1 ? &results[i].fields[GSCAN_VARIANT_LIVE]
                      : &results[i].fields[GSCAN_VARIANT_GARBAGE];

        g_print ("| %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %.2fx | %.2fx |\n",
                 row < 2 ? "live" : "garbage", row == 0 ? "accounted" : "borrowed", size,
                 g->min, f->min, g->median, f->median, f->min / g->min, f->median / g->median);
      }

  g_print ("\nbuilding the GObject graph (g_object_new, field, connect, set qdata), ns per object:");
  for (guint i = 0; i < sizes->len; i++)
    {
      g_autofree char *size = bench_format_size (g_array_index (sizes, guint64, i));

      g_print (" %s: %.0f;", size, results[i].build_ns);
    }
  g_print ("\n");

  for (guint i = 0; i < sizes->len; i++)
    {
      if (g_array_index (sizes, guint64, i) != GSCAN_TARGET_N)
        continue;
      g_print ("\ntarget at N=100k: GObject scan <= %.0f ms (by min and by median):\n",
               GSCAN_TARGET_MS);
      for (guint v = 0; v < GSCAN_N_VARIANTS; v++)
        {
          BenchStats *g = &results[i].gobject[v];

          g_print ("  %-7s %.3f / %.3f ms: %s\n", gscan_variant_names[v], g->min, g->median,
                   g->min <= GSCAN_TARGET_MS && g->median <= GSCAN_TARGET_MS ? "met" : "not met");
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *sizes_text = NULL;
  g_autofree GScanResult *results = NULL;
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean quick = FALSE;
  gint repeats_option = 0;
  GOptionEntry entries[] = {
    { "sizes", 's', 0, G_OPTION_ARG_STRING, &sizes_text,
      "Graph sizes, comma-separated, k and M allowed (default " GSCAN_DEFAULT_SIZES ")", "LIST" },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      "Sizes " GSCAN_QUICK_SIZES ", 3 runs each (unless --sizes/--repeats say otherwise)", NULL },
    { "repeats", 'r', 0, G_OPTION_ARG_INT, &repeats_option,
      "Timed scans per graph and variant (default 7 up to 100k, 5 up to 1M, 3 above)", "N" },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  context = g_option_context_new ("- time ouro_scan over GObjects against the core scan");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;
  if (repeats_option < 0)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--repeats must be positive");
      goto fail;
    }
  if (quick && repeats_option == 0)
    repeats_option = GSCAN_QUICK_REPEATS;
  if (!bench_parse_sizes (sizes_text != NULL ? sizes_text
                                             : quick ? GSCAN_QUICK_SIZES : GSCAN_DEFAULT_SIZES,
                          sizes, &error))
    goto fail;
  for (guint i = 0; i < sizes->len; i++)
    if (g_array_index (sizes, guint64, i) < 2 || g_array_index (sizes, guint64, i) > G_MAXUINT32 / 3)
      {
        g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     "sizes must be between 2 and %u", G_MAXUINT32 / 3);
        goto fail;
      }

  ouro_gobject_init ();
  OURO_GOBJECT_ADD_FIELD (BENCH_TYPE_GNODE, BenchGNode, next);
  bench_print_machine ("bench-gobject-scan");
  if (!gscan_check_interposed (&error))
    goto fail;

  results = g_new0 (GScanResult, sizes->len);
  for (guint i = 0; i < sizes->len; i++)
    {
      guint32 n = (guint32) g_array_index (sizes, guint64, i);
      guint repeats = repeats_option > 0 ? (guint) repeats_option : bench_default_repeats (n);
      g_autofree guint32 *targets = gscan_shape_new (n);

      g_printerr ("gobject-scan: N=%u, %u runs\n", n, repeats);
      if (!gscan_measure_core (n, targets, repeats, results[i].core, &error)
          || !gscan_measure_gobject (n, targets, repeats, results[i].gobject,
                                     results[i].fields, &results[i].accounted,
                                     &results[i].again, &results[i].build_ns, &error))
        goto fail;
    }

  gscan_print_table (sizes, results);
  return EXIT_SUCCESS;

fail:
  g_printerr ("bench-gobject-scan: %s\n", error->message);
  return EXIT_FAILURE;
}
