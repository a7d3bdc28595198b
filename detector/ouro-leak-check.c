/* ouro-leak-check.c — loop-and-collect leak tests: run a scenario many
 * times and fail, with a readable report, when it leaves garbage cycles
 * behind or when some type's live count grows with the runs.
 *
 * Not MT safe per check: a check runs its scenario on the calling thread
 * and iterates the default main context there (the registry it reads is
 * MT safe, so other threads may go on creating objects; their growth is
 * counted too).
 *
 * The run: warm-up runs (caches, class init and singletons settle), a
 * snapshot of live counts and of the set of tracked objects, the measured
 * runs with the main context iterated until idle after each (bounded: a
 * scenario that keeps adding sources cannot hang the test, and the report
 * says so), a second snapshot, a scan.  It fails when
 *   (a) garbage exists among objects that were not tracked before the
 *       measured runs (minus suppressed cycles), or
 *   (b) a type's live count grew by at least threshold x iterations
 *       (default: one per iteration; ignored types aside), or
 *   (c) under valgrind's memcheck, definitely or indirectly lost bytes grew
 *       across the measured runs (plain malloc leaks in the same loop).
 * For each grown type the report shows where its new objects were created
 * (when a site function is set: ouro_set_site_func ()), its newest object
 * and the chain of references that keeps it alive (ouro-holders.c).
 *
 * Fingerprints: a cycle's fingerprint hashes the sorted list of its strong
 * edges as (holder type, label, held type), so it is the same from run to
 * run and machine to machine, whatever the addresses and tracking order.
 * A suppressions file lists fingerprints and types to ignore:
 *   # comment
 *   cycle 3f6c0d0a9b3e1c27
 *   type  GtkSettings
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_VALGRIND_MEMCHECK_H
# include <valgrind/memcheck.h>
#endif

#include "ouro-holders-private.h"
#include "ouro-leak-check.h"
#include "ouro-registry-private.h"
#include "ouro-report-private.h"
#include "ouro-snapshot.h"
#include "ouro-snapshot-private.h"

#define LEAK_CHECK_DEFAULT_WARMUP       2
#define LEAK_CHECK_DEFAULT_THRESHOLD    1.0
#define LEAK_CHECK_DEFAULT_SETTLE_LIMIT 10000
#define LEAK_CHECK_MAX_SITES            5      /* creation sites listed per growing type */

struct _OuroLeakCheck {
  guint       warmup;
  double      threshold;
  guint       settle_limit;
  GHashTable *ignored_types;          /* interned name -> itself */
  GHashTable *suppressed_cycles;      /* fingerprint string -> itself */
  gboolean    fail_on_probable;
};

/**
 * ouro_leak_check_new:
 *
 * Returns: (transfer full): a leak check with the defaults: 2 warm-up
 *   runs, growth threshold 1.0 per iteration, at most 10000 main context
 *   iterations to settle after each run, nothing suppressed
 */
OuroLeakCheck *
ouro_leak_check_new (void)
{
  OuroLeakCheck *check = g_new0 (OuroLeakCheck, 1);

  check->warmup = LEAK_CHECK_DEFAULT_WARMUP;
  check->threshold = LEAK_CHECK_DEFAULT_THRESHOLD;
  check->settle_limit = LEAK_CHECK_DEFAULT_SETTLE_LIMIT;
  check->ignored_types = g_hash_table_new (NULL, NULL);
  check->suppressed_cycles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return check;
}

void
ouro_leak_check_free (OuroLeakCheck *check)
{
  if (check == NULL)
    return;
  g_hash_table_unref (check->ignored_types);
  g_hash_table_unref (check->suppressed_cycles);
  g_free (check);
}

/** ouro_leak_check_set_warmup: runs of the scenario before measuring (default 2) */
void
ouro_leak_check_set_warmup (OuroLeakCheck *check,
                            guint          runs)
{
  g_return_if_fail (check != NULL);
  check->warmup = runs;
}

/**
 * ouro_leak_check_set_growth_threshold:
 * @per_iteration: growth of one type's live count per measured run that
 *   fails the check (default 1.0; above 0)
 */
void
ouro_leak_check_set_growth_threshold (OuroLeakCheck *check,
                                      double         per_iteration)
{
  g_return_if_fail (check != NULL);
  g_return_if_fail (per_iteration > 0);
  check->threshold = per_iteration;
}

/** ouro_leak_check_set_settle_limit: main context iterations allowed after each run (default 10000) */
void
ouro_leak_check_set_settle_limit (OuroLeakCheck *check,
                                  guint          max_iterations)
{
  g_return_if_fail (check != NULL);
  check->settle_limit = max_iterations;
}

/** ouro_leak_check_ignore_type: neither growth of @type_name nor cycles made only of such objects fail the check */
void
ouro_leak_check_ignore_type (OuroLeakCheck *check,
                             const char    *type_name)
{
  const char *interned;

  g_return_if_fail (check != NULL);
  g_return_if_fail (type_name != NULL);
  interned = g_intern_string (type_name);
  g_hash_table_add (check->ignored_types, (gpointer) interned);
}

/** ouro_leak_check_suppress_cycle: cycles with this fingerprint do not fail the check */
void
ouro_leak_check_suppress_cycle (OuroLeakCheck *check,
                                const char    *fingerprint)
{
  g_return_if_fail (check != NULL);
  g_return_if_fail (fingerprint != NULL);
  g_hash_table_add (check->suppressed_cycles, g_ascii_strdown (fingerprint, -1));
}

/**
 * ouro_leak_check_load_suppressions:
 * @path: a suppressions file: lines "cycle FINGERPRINT" or "type NAME",
 *   blank lines and "#" comments
 *
 * Returns: whether the file was read; on a malformed line, FALSE with
 *   @error naming the file and line, and nothing from the file applied
 */
gboolean
ouro_leak_check_load_suppressions (OuroLeakCheck *check,
                                   const char    *path,
                                   GError       **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *cycles, *types;
  gboolean ok = TRUE;

  g_return_val_if_fail (check != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;

  cycles = g_ptr_array_new ();
  types = g_ptr_array_new ();
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL && ok; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *word, *value;

      if (line[0] == '\0' || line[0] == '#')
        continue;
      word = line;
      value = line + strcspn (line, " \t");
      if (*value != '\0')
        *value++ = '\0';
      value = g_strstrip (value);

      if (strcmp (word, "cycle") == 0 && strlen (value) == 16
          && strspn (value, "0123456789abcdefABCDEF") == 16)
        g_ptr_array_add (cycles, value);
      else if (strcmp (word, "type") == 0 && value[0] != '\0' && strpbrk (value, " \t") == NULL)
        g_ptr_array_add (types, value);
      else
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "%s:%u: expected \"cycle <16 hex digits>\" or \"type <TypeName>\", got \"%s\"",
                       path, i + 1, line);
          ok = FALSE;
        }
    }

  if (ok)
    {
      for (guint i = 0; i < cycles->len; i++)
        ouro_leak_check_suppress_cycle (check, cycles->pdata[i]);
      for (guint i = 0; i < types->len; i++)
        ouro_leak_check_ignore_type (check, types->pdata[i]);
    }
  g_ptr_array_unref (cycles);
  g_ptr_array_unref (types);
  return ok;
}

/* ---- fingerprints ----------------------------------------------------- */

static gint
leak_check_compare_strings (gconstpointer a,
                            gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * ouro_report_get_cycle_fingerprint:
 *
 * Returns: (transfer full): 16 hex digits identifying @cycle by the types
 *   and labels of its strong edges (and member types), stable across runs
 *   and addresses; for suppression files
 */
char *
ouro_report_get_cycle_fingerprint (OuroReport *report,
                                   guint       cycle)
{
  const OuroReportCycle *c;
  OuroReportBrief member;
  GPtrArray *parts;
  guint64 hash = G_GUINT64_CONSTANT (0xcbf29ce484222325);   /* FNV-1a */

  g_return_val_if_fail (report != NULL, NULL);
  g_return_val_if_fail (cycle < report->n_cycles, NULL);

  c = &report->cycles[cycle];
  parts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < c->n_members_total && ouro_report_cycle_member_brief (c, i, &member); i++)
    g_ptr_array_add (parts, g_strconcat ("member ", member.type_name, NULL));
  for (guint e = 0; e < c->n_edges; e++)
    if (!c->edges[e].weak)
      g_ptr_array_add (parts, g_strconcat ("edge ", c->members[c->edges[e].from].type_name, " -[",
                                           c->edges[e].label, "]-> ",
                                           c->members[c->edges[e].to].type_name, NULL));
  g_ptr_array_sort (parts, leak_check_compare_strings);

  for (guint i = 0; i < parts->len; i++)
    for (const guchar *p = parts->pdata[i]; ; p++)
      {
        hash = (hash ^ *p) * G_GUINT64_CONSTANT (0x100000001b3);
        if (*p == '\0')
          break;
      }
  g_ptr_array_unref (parts);
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x", hash);
}

/* ---- the run ---------------------------------------------------------- */

/* Iterates the default main context until nothing is ready, at most
 * @limit times.  Returns whether it went idle. */
static gboolean
leak_check_settle (guint limit)
{
  GMainContext *context = g_main_context_default ();

  for (guint i = 0; i < limit; i++)
    if (!g_main_context_iteration (context, FALSE))
      return TRUE;
  return !g_main_context_pending (context);
}

/* Under valgrind's memcheck, runs a leak search and returns the bytes
 * definitely and indirectly lost so far; 0 otherwise. */
static gulong
leak_check_valgrind_lost (void)
{
  gulong leaked = 0, dubious = 0, reachable = 0, suppressed = 0;

#ifdef HAVE_VALGRIND_MEMCHECK_H
  if (RUNNING_ON_VALGRIND)
    {
      VALGRIND_DO_ADDED_LEAK_CHECK;
      VALGRIND_COUNT_LEAKS (leaked, dubious, reachable, suppressed);
    }
#endif
  (void) dubious;
  (void) reachable;
  (void) suppressed;
  return leaked;
}

/* Returns the set of objects tracked now. */
static GHashTable *
leak_check_tracked_set (void)
{
  GHashTable *set = g_hash_table_new (NULL, NULL);
  OuroRegistry *registry;

  ouro_registry_lock ();
  registry = ouro_registry_get_unlocked ();
  for (guint32 p = 0; p < registry->n_positions; p++)
    if (registry->objects[p] != NULL)
      g_hash_table_add (set, registry->objects[p]);
  ouro_registry_unlock ();
  return set;
}

typedef struct {
  const char *type_name;
  guint       before;
  guint       after;
} LeakCheckGrowth;

static gint
leak_check_compare_growth (gconstpointer a,
                           gconstpointer b)
{
  const LeakCheckGrowth *ga = a, *gb = b;
  gint64 da = (gint64) ga->after - ga->before, db = (gint64) gb->after - gb->before;

  if (da != db)
    return da > db ? -1 : 1;
  return strcmp (ga->type_name, gb->type_name);
}

/* Returns @cycle's fingerprint when it is one the check reports (garbage,
 * or probable garbage when @probable, with a member created during the
 * measured runs, not suppressed by fingerprint, not made only of ignored
 * types), NULL otherwise. */
static char *
leak_check_failing_fingerprint (OuroLeakCheck *check,
                                OuroReport    *report,
                                guint          cycle,
                                GHashTable    *before,
                                gboolean       probable)
{
  const OuroReportCycle *c = &report->cycles[cycle];
  OuroReportBrief brief;
  gboolean new_member = FALSE, all_ignored = TRUE;
  char *fingerprint;

  if (probable ? !c->probable : !c->garbage)
    return NULL;
  for (guint i = 0; i < c->n_members_total && ouro_report_cycle_member_brief (c, i, &brief); i++)
    {
      new_member |= !g_hash_table_contains (before, brief.object);
      all_ignored &= g_hash_table_contains (check->ignored_types, brief.type_name);
    }
  for (guint i = 0; i < c->n_held_total && ouro_report_cycle_held_brief (c, i, &brief); i++)
    new_member |= !g_hash_table_contains (before, brief.object);
  if (!new_member || all_ignored)
    return NULL;

  fingerprint = ouro_report_get_cycle_fingerprint (report, cycle);
  if (g_hash_table_contains (check->suppressed_cycles, fingerprint))
    g_clear_pointer (&fingerprint, g_free);
  return fingerprint;
}

/**
 * ouro_leak_check_set_fail_on_probable:
 * @check: a leak check
 * @fail: whether probable garbage fails the check
 *
 * By default probable garbage (cycles closed through pointer fields read
 * from memory: see %OURO_SCAN_PROBABLE) made during the measured runs is
 * listed in a failing check's report but does not fail it by itself: only
 * proven garbage, growth and lost bytes do.  With @fail, it fails the
 * check too; suppressions apply to it by fingerprint as to garbage.
 */
void
ouro_leak_check_set_fail_on_probable (OuroLeakCheck *check,
                                      gboolean       fail)
{
  g_return_if_fail (check != NULL);
  check->fail_on_probable = fail != FALSE;
}

/* Groups the cycles of one tier that the check reports by shape: after
 * it, @order lists their fingerprints, first seen first, @first the first
 * cycle of each, @shapes each one's count.  Returns how many cycles. */
static guint
leak_check_group_shapes (OuroLeakCheck *check,
                         OuroReport    *report,
                         GHashTable    *before,
                         gboolean       probable,
                         GHashTable    *shapes,
                         GPtrArray     *order,
                         GArray        *first)
{
  guint n = 0;

  for (guint c = 0; c < report->n_cycles; c++)
    {
      char *fingerprint = leak_check_failing_fingerprint (check, report, c, before, probable);
      gpointer count;

      if (fingerprint == NULL)
        continue;
      n++;
      if (g_hash_table_lookup_extended (shapes, fingerprint, NULL, &count))
        {
          g_hash_table_insert (shapes, fingerprint, GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));
          continue;
        }
      g_hash_table_insert (shapes, fingerprint, GUINT_TO_POINTER (1));
      g_ptr_array_add (order, fingerprint);
      g_array_append_val (first, c);
    }
  return n;
}

static gint
leak_check_compare_site_growth (gconstpointer a,
                                gconstpointer b)
{
  const OuroSnapshotSite *sa = a, *sb = b;

  /* Here count holds the growth: largest first, then by site. */
  if (sa->count != sb->count)
    return sa->count > sb->count ? -1 : 1;
  return strcmp (sa->site, sb->site);
}

/* After it: @out has a line per creation site where objects of
 * @type_name grew between the snapshots ("created at open_window
 * (app.c:42): +20"), largest growth first; nothing when the snapshots
 * record no sites (no site function is set). */
static void
leak_check_append_sites (GString      *out,
                         const char   *type_name,
                         OuroSnapshot *before,
                         OuroSnapshot *after)
{
  GArray *grown = g_array_new (FALSE, FALSE, sizeof (OuroSnapshotSite));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, ouro_snapshot_get_sites_unlocked (after));
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      OuroSnapshotSite site = *(const OuroSnapshotSite *) key;
      const OuroSnapshotSite *earlier;

      if (strcmp (site.type_name, type_name) != 0)
        continue;
      earlier = ouro_snapshot_lookup_site (before, type_name, site.site);
      if (earlier != NULL && earlier->count >= site.count)
        continue;
      site.count -= earlier != NULL ? earlier->count : 0;
      g_array_append_val (grown, site);
    }
  g_array_sort (grown, leak_check_compare_site_growth);
  for (guint i = 0; i < grown->len && i < LEAK_CHECK_MAX_SITES; i++)
    g_string_append_printf (out, "    created at %s: +%u\n",
                            g_array_index (grown, OuroSnapshotSite, i).site,
                            g_array_index (grown, OuroSnapshotSite, i).count);
  if (grown->len > LEAK_CHECK_MAX_SITES)
    g_string_append_printf (out, "    ... and %u more creation sites\n",
                            grown->len - LEAK_CHECK_MAX_SITES);
  g_array_unref (grown);
}

/**
 * ouro_leak_check_run:
 * @scenario: what to run; it should leave nothing behind
 * @user_data: its data
 * @iterations: measured runs (at least 1)
 * @out_report: (out) (optional) (transfer full): on failure, the report;
 *   NULL on success
 *
 * Runs @scenario as described at the top of ouro-leak-check.c.
 *
 * Returns: TRUE when nothing leaked
 */
gboolean
ouro_leak_check_run (OuroLeakCheck   *check,
                     OuroScenarioFunc scenario,
                     gpointer         user_data,
                     guint            iterations,
                     char           **out_report)
{
  OuroSnapshot *snapshot_before, *snapshot_after;
  GHashTable *before;
  OuroReport *report;
  GArray *grown;
  GHashTable *shapes;          /* failing fingerprint -> count */
  GPtrArray *shape_order;      /* failing fingerprints, first seen first */
  GArray *shape_first;         /* guint: the first cycle of each shape */
  GString *out;
  gboolean settled = TRUE, passed;
  guint n_failing_cycles, n_probable_cycles, n_garbage_shapes;
  gulong lost_before = 0, lost_after = 0;

  if (out_report != NULL)
    *out_report = NULL;
  g_return_val_if_fail (check != NULL, FALSE);
  g_return_val_if_fail (scenario != NULL, FALSE);
  g_return_val_if_fail (iterations > 0, FALSE);
  if (ouro_registry_refuse_reentry ("ouro_leak_check_run"))
    {
      if (out_report != NULL)
        *out_report = g_strdup ("ouro_check_leaks: refused: called from inside a scan\n");
      return FALSE;
    }

  for (guint i = 0; i < check->warmup; i++)
    {
      scenario (user_data);
      settled &= leak_check_settle (check->settle_limit);
    }

  snapshot_before = ouro_snapshot_take ();
  before = leak_check_tracked_set ();
  lost_before = leak_check_valgrind_lost ();

  for (guint i = 0; i < iterations; i++)
    {
      scenario (user_data);
      settled &= leak_check_settle (check->settle_limit);
    }

  lost_after = leak_check_valgrind_lost ();
  snapshot_after = ouro_snapshot_take ();
  report = ouro_scan (OURO_SCAN_GARBAGE | OURO_SCAN_PROBABLE);

  /* (b) growth per type, largest first. */
  grown = g_array_new (FALSE, FALSE, sizeof (LeakCheckGrowth));
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, ouro_snapshot_get_counts_unlocked (snapshot_after));
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        LeakCheckGrowth growth = { key, ouro_snapshot_get_count (snapshot_before, key),
                                   GPOINTER_TO_UINT (value) };

        if (g_hash_table_contains (check->ignored_types, key))
          continue;
        if ((double) growth.after - (double) growth.before >= check->threshold * iterations)
          g_array_append_val (grown, growth);
      }
    g_array_sort (grown, leak_check_compare_growth);
  }

  /* (a) garbage created during the runs, grouped by shape: a scenario
   * that leaks every run leaves as many cycles of one fingerprint as runs;
   * the report shows the first of each, with the count.  Probable garbage
   * the same way, apart. */
  shapes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  shape_order = g_ptr_array_new ();
  shape_first = g_array_new (FALSE, FALSE, sizeof (guint));
  n_failing_cycles = leak_check_group_shapes (check, report, before, FALSE, shapes, shape_order,
                                              shape_first);
  n_garbage_shapes = shape_order->len;
  n_probable_cycles = leak_check_group_shapes (check, report, before, TRUE, shapes, shape_order,
                                               shape_first);

  passed = n_failing_cycles == 0 && grown->len == 0 && lost_after <= lost_before
           && (!check->fail_on_probable || n_probable_cycles == 0);

  out = g_string_new (NULL);
  g_string_append_printf (out, "ouro_check_leaks: %s after %u measured %s (%u warm-up)",
                          passed ? "no leaks" : "LEAKS", iterations,
                          iterations == 1 ? "run" : "runs", check->warmup);
  if (!passed)
    {
      g_string_append (out, ":");
      if (n_failing_cycles > 0)
        g_string_append_printf (out, " %u garbage %s", n_failing_cycles,
                                n_failing_cycles == 1 ? "cycle" : "cycles");
      if (grown->len > 0)
        g_string_append_printf (out, "%s %u growing %s", n_failing_cycles > 0 ? "," : "",
                                grown->len, grown->len == 1 ? "type" : "types");
      if (lost_after > lost_before)
        g_string_append_printf (out, "%s valgrind lost bytes grew", n_failing_cycles + grown->len > 0 ? "," : "");
      if (n_probable_cycles > 0)
        g_string_append_printf (out, "%s %u probable garbage %s%s",
                                n_failing_cycles + grown->len > 0 || lost_after > lost_before
                                ? "," : "",
                                n_probable_cycles, n_probable_cycles == 1 ? "cycle" : "cycles",
                                check->fail_on_probable ? "" : " (not proven: listed, not failing)");
    }
  g_string_append_c (out, '\n');
  if (!settled)
    g_string_append_printf (out, "note: the main context was still busy after %u iterations "
                            "following a run (a source that keeps re-arming?); objects it "
                            "would release may show as leaks\n", check->settle_limit);

  for (guint i = 0; i < shape_order->len; i++)
    {
      const char *fingerprint = shape_order->pdata[i];
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (shapes, fingerprint));

      if (i == n_garbage_shapes)
        g_string_append (out, "\nProbable garbage cycles: through pointer fields read from "
                         "memory, not proven (a field may hold a pointer it does not own)\n");
      ouro_report_append_cycle_text (out, report, g_array_index (shape_first, guint, i),
                                     i < n_garbage_shapes ? i + 1 : i - n_garbage_shapes + 1);
      if (count > 1)
        g_string_append_printf (out, "  and %u more %s cycles of this shape\n", count - 1,
                                i < n_garbage_shapes ? "garbage" : "probable garbage");
      g_string_append_printf (out, "  fingerprint: %s (to suppress: \"cycle %s\")\n",
                              fingerprint, fingerprint);
    }
  g_array_unref (shape_first);
  g_ptr_array_unref (shape_order);
  g_hash_table_unref (shapes);

  if (grown->len > 0)
    {
      g_string_append_printf (out, "\nGrowing types: live count grew by at least %g per run over %u runs:\n",
                              check->threshold, iterations);
      for (guint i = 0; i < grown->len; i++)
        {
          LeakCheckGrowth *growth = &g_array_index (grown, LeakCheckGrowth, i);
          char *holders;

          g_string_append_printf (out, "  %s: %u -> %u (+%u, %.1f per run)\n",
                                  growth->type_name, growth->before, growth->after,
                                  growth->after - growth->before,
                                  (double) (growth->after - growth->before) / iterations);
          leak_check_append_sites (out, growth->type_name, snapshot_before, snapshot_after);
          holders = ouro_holders_describe_newest (growth->type_name, "    ");
          if (holders != NULL)
            g_string_append (out, holders);
          g_free (holders);
        }
    }

  if (lost_after > lost_before)
    g_string_append_printf (out, "\nvalgrind memcheck: definitely and indirectly lost bytes grew "
                            "by %lu over the measured runs (%lu -> %lu): a plain malloc leak; "
                            "see valgrind's leak report\n",
                            lost_after - lost_before, lost_before, lost_after);

  if (out_report != NULL && !passed)
    *out_report = g_string_free (out, FALSE);
  else
    g_string_free (out, TRUE);

  g_array_unref (grown);
  ouro_report_free (report);
  g_hash_table_unref (before);
  ouro_snapshot_free (snapshot_before);
  ouro_snapshot_free (snapshot_after);
  return passed;
}

/**
 * ouro_check_leaks:
 * @scenario: what to run
 * @user_data: its data
 * @iterations: measured runs
 * @out_report: (out) (optional) (transfer full): on failure, the report
 *
 * ouro_leak_check_run () with the defaults, plus the suppressions file
 * named by $OURO_SUPPRESSIONS when set (a malformed one fails the check,
 * saying why).
 *
 * Returns: TRUE when nothing leaked
 */
gboolean
ouro_check_leaks (OuroScenarioFunc scenario,
                  gpointer         user_data,
                  guint            iterations,
                  char           **out_report)
{
  g_autoptr(OuroLeakCheck) check = ouro_leak_check_new ();
  const char *suppressions = g_getenv ("OURO_SUPPRESSIONS");
  GError *error = NULL;

  if (out_report != NULL)
    *out_report = NULL;
  if (suppressions != NULL && suppressions[0] != '\0'
      && !ouro_leak_check_load_suppressions (check, suppressions, &error))
    {
      if (out_report != NULL)
        *out_report = g_strdup_printf ("ouro_check_leaks: cannot use OURO_SUPPRESSIONS: %s\n",
                                       error->message);
      g_error_free (error);
      return FALSE;
    }
  return ouro_leak_check_run (check, scenario, user_data, iterations, out_report);
}

void
ouro_test_fail_leaks (const char *file,
                      int         line,
                      const char *function,
                      const char *scenario,
                      const char *report)
{
  /* The report goes to stderr, where every GTest mode (TAP, subprocess
   * traps, verbose) and meson's logs keep it; the failure names it. */
  g_printerr ("%s:%d: %s: ouro_assert_no_leaks (%s) failed:\n%s",
              file, line, function != NULL ? function : "?", scenario,
              report != NULL ? report : "(no report)\n");
  g_test_fail_printf ("%s:%d: ouro_assert_no_leaks (%s) found leaks (report on stderr)",
                      file, line, scenario);
}
