/* test-misuse.c — bad input and misuse of the core: the detector runs
 * inside someone else's program, so none of this may crash it, lose or
 * corrupt the registry, or report a live object as garbage.
 *
 *   - untracking a pointer never tracked, or twice: silent (see
 *     ouro_untrack's doc), the registry and a scan stay right;
 *   - a traverse that visits garbage pointers (small integers, misaligned,
 *     kernel-half, unmapped): ignored, counted, never dereferenced (the
 *     ASan build checks the last part);
 *   - a traverse that visits one target, or itself, thousands of times;
 *   - describe returning NULL, invalid UTF-8, control characters or a
 *     megabyte: every report form stays valid, the JSON reads back;
 *   - ouro_collect whose clear resurrects an object;
 *   - ouro_scan, ouro_collect, ouro_snapshot_take or ouro_check_leaks
 *     called from inside a scan (a traverse or get_refcount): refused with
 *     a critical and an empty result, never a deadlock.
 *
 * Not thread safe (one test at a time); each test leaves the registry
 * empty.
 */
#include "test-node.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

/* ---- helpers ---------------------------------------------------------- */

/* The report's n_ignored_references, read from its JSON. */
static guint64
report_n_ignored (OuroReport *report)
{
  g_autofree char *json = ouro_report_to_json (report);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  return (guint64) json_object_get_int_member (root, "n_ignored_references");
}

/* Every form of @report: text and DOT valid UTF-8, JSON parsed by
 * json-glib and read back by ouro_report_new_from_json () to the same
 * text.  Returns the text. */
static char *
check_report_forms (OuroReport *report)
{
  g_autofree char *json = ouro_report_to_json (report);
  g_autofree char *dot = ouro_report_to_dot (report);
  char *text = ouro_report_to_text (report);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OuroReport) loaded = NULL;
  g_autofree char *loaded_text = NULL;

  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_true (g_utf8_validate (dot, -1, NULL));
  g_assert_true (g_utf8_validate (json, -1, NULL));
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);

  loaded = ouro_report_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  loaded_text = ouro_report_to_text (loaded);
  g_assert_cmpstr (loaded_text, ==, text);
  return text;
}

/* After it: *@out_a and *@out_b (named "a", "b", of @klass) hold each
 * other and nothing else holds them: a garbage 2-cycle. */
static void
make_garbage_pair (const OuroClass *klass,
                   const char      *name_a,
                   TestNode       **out_a,
                   TestNode       **out_b)
{
  TestNode *a = test_node_new ("Node", name_a);
  TestNode *b = test_node_new ("Node", "b");

  ouro_track (a, klass);
  ouro_track (b, klass);
  test_node_link (a, b, "next");
  test_node_link (b, a, "next");
  test_node_unref (a);
  test_node_unref (b);
  *out_a = a;
  *out_b = b;
}

/* ---- 1. untrack of what is not tracked ------------------------------- */

static void
test_untrack_not_tracked (void)
{
  enum { N = 1000 };
  TestNode *nodes[N];
  TestNode *a, *b;
  guint8 never_tracked[64];
  gpointer stale;
  OuroReport *report;

  /* A garbage 2-cycle among N live nodes. */
  for (guint i = 0; i < N; i++)
    nodes[i] = test_node_new ("Live", "live");
  make_garbage_pair (&test_node_class, "a", &a, &b);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, N + 2);

  /* Pointers never tracked, some next to tracked ones (their hash slots
   * are neighbours), some not pointers at all: silence, no change.  The
   * GLib test runner makes criticals fatal, so a critical fails here. */
  for (guint i = 0; i < G_N_ELEMENTS (never_tracked); i++)
    ouro_untrack (&never_tracked[i]);
  for (guint i = 0; i < N; i++)
    ouro_untrack ((guint8 *) nodes[i] + 1);
  ouro_untrack (GSIZE_TO_POINTER (0x1));
  ouro_untrack (GSIZE_TO_POINTER (0xdeadbeef));
  ouro_untrack (GSIZE_TO_POINTER (G_GUINT64_CONSTANT (0xffff800000000000)));
  g_assert_cmpuint (ouro_get_n_tracked (), ==, N + 2);

  /* Untracked twice: a node freed (its unref untracked it), then its stale
   * pointer untracked again, as a buggy finalize hook would.  The pointer
   * is only compared, never read.  Every tenth, so the registry has
   * tombstones inside as well as at the ends. */
  for (guint i = 0; i < N; i += 10)
    {
      stale = nodes[i];
      test_node_unref (nodes[i]);
      nodes[i] = NULL;
      ouro_untrack (stale);
      ouro_untrack (stale);
    }
  g_assert_cmpuint (ouro_get_n_tracked (), ==, N - N / 10 + 2);
  for (guint i = 0; i < N; i++)
    if (nodes[i] != NULL)
      g_assert_true (ouro_is_tracked (nodes[i]));
  g_assert_true (ouro_is_tracked (a));
  g_assert_true (ouro_is_tracked (b));

  /* The scan still sees exactly the cycle as garbage. */
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_tracked (report), ==, N - N / 10 + 2);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  g_assert_true (ouro_report_is_garbage (report, a));
  g_assert_true (ouro_report_is_garbage (report, b));
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  ouro_report_free (report);

  g_assert_cmpuint (ouro_collect (), ==, 2);
  for (guint i = 0; i < N; i++)
    if (nodes[i] != NULL)
      test_node_unref (nodes[i]);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);

  /* And on an empty registry. */
  ouro_untrack (&never_tracked[0]);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* ---- 2. traverse visiting garbage ------------------------------------ */

static void
test_garbage_pointers (void)
{
  TestNode *a, *b;
  TestNode *live = test_node_new ("Live", "live");
  long page_size = sysconf (_SC_PAGESIZE);
  guint8 *unmapped;
  gpointer garbage[12];
  guint n = 0;
  OuroReport *report;

  /* A page that was mapped and is no more: any read of it faults. */
  unmapped = mmap (NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (unmapped != MAP_FAILED);
  g_assert_cmpint (munmap (unmapped, page_size), ==, 0);
  make_garbage_pair (&test_node_class, "a", &a, &b);

  garbage[n++] = GSIZE_TO_POINTER (0x1);
  garbage[n++] = GSIZE_TO_POINTER (0x10);
  garbage[n++] = GSIZE_TO_POINTER (0xdeadbeef);
  garbage[n++] = GSIZE_TO_POINTER (0xdeadbeefdeadbeef);
  garbage[n++] = (guint8 *) a + 1;                    /* misaligned, inside a */
  garbage[n++] = (guint8 *) b + 3;
  garbage[n++] = GSIZE_TO_POINTER (G_GUINT64_CONSTANT (0xffff800000000000));   /* kernel half */
  garbage[n++] = GSIZE_TO_POINTER (G_GUINT64_CONSTANT (0xffffffffffffffff));
  garbage[n++] = GSIZE_TO_POINTER (G_GUINT64_CONSTANT (0x0000800000000000));   /* non-canonical */
  garbage[n++] = unmapped;
  garbage[n++] = unmapped + 17;
  garbage[n++] = GSIZE_TO_POINTER (G_GUINT64_CONSTANT (0xfffffffffffffff0));   /* 16-aligned */
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (garbage));

  for (guint i = 0; i < n; i++)
    {
      test_node_visit_also (a, garbage[i]);
      test_node_visit_also (live, garbage[i]);
    }

  for (guint pass = 0; pass < 2; pass++)
    {
      OuroScanFlags flags = pass == 0 ? OURO_SCAN_GARBAGE
                                      : OURO_SCAN_ALL_CYCLES | OURO_SCAN_LIVE_SUMMARY;
      g_autofree char *text = NULL;

      report = ouro_scan (flags);
      g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
      g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
      g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
      g_assert_false (ouro_report_is_garbage (report, live));
      for (guint i = 0; i < n; i++)
        g_assert_false (ouro_report_is_garbage (report, garbage[i]));
      g_assert_cmpuint (report_n_ignored (report), ==, 2 * n);
      text = check_report_forms (report);
      ouro_report_free (report);
    }

  g_assert_cmpuint (ouro_collect (), ==, 2);
  test_node_unref (live);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* One target visited thousands of times for one reference: the target is
 * inconsistent, so live, and so is everything it reaches. */
static void
test_visits_one_target_many_times (void)
{
  const guint n_visits = 10000;
  TestNode *a, *b;
  OuroReport *report;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;

  make_garbage_pair (&test_node_class, "a", &a, &b);
  for (guint i = 1; i < n_visits; i++)
    test_node_visit_also (a, b);

  report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_false (ouro_report_is_garbage (report, a));
  g_assert_false (ouro_report_is_garbage (report, b));
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 1);
  g_assert_true (ouro_report_get_inconsistent_object (report, 0) == b);
  /* The live cycle is still one cycle of two, whatever the parallel
   * edges. */
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_false (ouro_report_cycle_is_garbage (report, 0));
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 2);
  text = check_report_forms (report);
  expected = g_strdup_printf ("class TestNode: refcount 1, visited %u times", n_visits);
  g_assert_nonnull (strstr (text, expected));
  g_assert_cmpuint (strlen (text), <, 64 * 1024);
  ouro_report_free (report);

  /* Fixed, the cycle is garbage again. */
  g_ptr_array_set_size (a->extra_visits, 0);
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* A traverse visiting its own object many times: inconsistent and live
 * when it holds fewer references on itself; a garbage self-loop when it
 * really holds that many. */
static void
test_visits_itself_many_times (void)
{
  const guint n_visits = 10000;
  TestNode *a = test_node_new ("Node", "a");
  OuroReport *report;
  g_autofree char *text = NULL;

  for (guint i = 0; i < n_visits; i++)
    test_node_visit_also (a, a);

  /* Our one reference, n_visits visits. */
  report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 1);
  g_assert_true (ouro_report_get_inconsistent_object (report, 0) == a);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_false (ouro_report_cycle_is_garbage (report, 0));
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 1);
  g_clear_pointer (&text, g_free);
  text = check_report_forms (report);
  ouro_report_free (report);

  /* Now a really holds n_visits references on itself and nobody else
   * holds it: a garbage self-loop, one cycle of one. */
  g_ptr_array_set_size (a->extra_visits, 0);
  for (guint i = 0; i < n_visits; i++)
    test_node_link (a, a, "self");
  test_node_unref (a);
  g_assert_cmpuint (a->refcount, ==, n_visits);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, 1);
  g_assert_true (ouro_report_get_cycle_object (report, 0, 0) == a);
  g_clear_pointer (&text, g_free);
  text = check_report_forms (report);
  g_assert_cmpuint (strlen (text), <, 64 * 1024);
  ouro_report_free (report);

  g_assert_cmpuint (ouro_collect (), ==, 1);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* ---- 3. describe returning bad text ---------------------------------- */

typedef enum {
  DESCRIBE_NULL,
  DESCRIBE_INVALID_UTF8,
  DESCRIBE_CONTROL,
  DESCRIBE_HUGE,
  DESCRIBE_HUGE_MULTIBYTE,
} DescribeMode;

static DescribeMode describe_mode;
#define HUGE_DESCRIPTION (4 * 1024 * 1024)

static char *
bad_describe (gpointer object)
{
  switch (describe_mode)
    {
    case DESCRIBE_NULL:
      return NULL;
    case DESCRIBE_INVALID_UTF8:
      /* A lone continuation byte, a truncated sequence, an overlong NUL,
       * a surrogate, 0xff. */
      return g_strdup ("bad \x80 \xe2\x82 \xc0\x80 \xed\xa0\x80 \xff end");
    case DESCRIBE_CONTROL:
      return g_strdup ("line\none\ttab \"quote\" back\\slash \x01\x7f");
    case DESCRIBE_HUGE:
      {
        char *huge = g_malloc (HUGE_DESCRIPTION + 1);

        memset (huge, 'x', HUGE_DESCRIPTION);
        huge[HUGE_DESCRIPTION] = '\0';
        return huge;
      }
    case DESCRIBE_HUGE_MULTIBYTE:
      {
        /* "€" is three bytes: wherever the cut falls, no character may be
         * split (a split one would read as U+FFFD). */
        GString *huge = g_string_sized_new (HUGE_DESCRIPTION + 4);

        while (huge->len < HUGE_DESCRIPTION)
          g_string_append (huge, "\u20ac");
        return g_string_free (huge, FALSE);
      }
    }
  g_assert_not_reached ();
}

static void
test_bad_descriptions (void)
{
  OuroClass bad_class = test_node_class;

  bad_class.describe = bad_describe;

  for (describe_mode = DESCRIBE_NULL; describe_mode <= DESCRIBE_HUGE_MULTIBYTE; describe_mode++)
    {
      TestNode *a, *b;
      TestNode *live = test_node_new ("Live", "live");
      OuroReport *report;
      g_autofree char *text = NULL;
      g_autofree char *huge_run = g_strnfill (300, 'x');

      ouro_track (live, &bad_class);
      make_garbage_pair (&bad_class, "a", &a, &b);
      test_node_link (a, live, "uses");

      report = ouro_scan (OURO_SCAN_GARBAGE | OURO_SCAN_ALL_CYCLES | OURO_SCAN_LIVE_SUMMARY);
      g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
      text = check_report_forms (report);
      g_assert_nonnull (strstr (text, "Node 0x"));
      g_test_message ("describe mode %d: text %zu bytes", describe_mode, strlen (text));
      switch (describe_mode)
        {
        case DESCRIBE_NULL:
          break;
        case DESCRIBE_INVALID_UTF8:
          g_assert_nonnull (strstr (text, "bad \xef\xbf\xbd"));   /* U+FFFD */
          g_assert_nonnull (strstr (text, " end"));
          break;
        case DESCRIBE_CONTROL:
          /* The description stays on its line. */
          g_assert_null (strstr (text, "line\none"));
          g_assert_null (strstr (text, "\t"));
          break;
        case DESCRIBE_HUGE:
          /* Cut, and the cut shown: the report stays small. */
          g_assert_nonnull (strstr (text, "xxxx\u2026"));
          g_assert_null (strstr (text, huge_run));
          g_assert_cmpuint (strlen (text), <, 16 * 1024);
          break;
        case DESCRIBE_HUGE_MULTIBYTE:
          g_assert_nonnull (strstr (text, "\u20ac\u20ac\u2026"));
          g_assert_null (strstr (text, "\xef\xbf\xbd"));
          g_assert_cmpuint (strlen (text), <, 16 * 1024);
          break;
        }
      ouro_report_free (report);

      g_assert_cmpuint (ouro_collect (), ==, 2);
      test_node_unref (live);
      g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
    }
}

/* ---- 4. collect whose clear resurrects ------------------------------- */

static TestNode *resurrected;   /* the "global" a clear stores into */

static void
resurrecting_clear (gpointer object)
{
  TestNode *node = object;

  /* Drop what it holds, as clear should, but keep a new reference to
   * itself in a global: the object outlives the collect. */
  test_node_class.clear (object);
  if (g_strcmp0 (node->name, "phoenix") == 0)
    resurrected = test_node_ref (node);
}

static void
test_collect_resurrection (void)
{
  OuroClass resurrecting_class = test_node_class;
  TestNode *phoenix, *b, *tail;
  guint freed_before = test_node_n_freed;
  OuroReport *report;

  resurrecting_class.clear = resurrecting_clear;
  tail = test_node_new ("Tail", "tail");
  make_garbage_pair (&resurrecting_class, "phoenix", &phoenix, &b);
  test_node_link (phoenix, tail, "tail");
  test_node_unref (tail);

  /* Returns the garbage found: the resurrected object counts, since it
   * was garbage when scanned. */
  g_assert_cmpuint (ouro_collect (), ==, 3);
  g_assert_true (resurrected == phoenix);
  /* b and tail are freed, phoenix is not. */
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 2);
  g_assert_cmpuint (phoenix->refcount, ==, 1);
  g_assert_cmpuint (phoenix->targets->len, ==, 0);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 1);
  g_assert_true (ouro_is_tracked (phoenix));

  /* Held from outside now: live, and a second collect leaves it alone. */
  report = ouro_scan (OURO_SCAN_ALL_CYCLES | OURO_SCAN_LIVE_SUMMARY);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_false (ouro_report_is_garbage (report, phoenix));
  g_assert_cmpuint (ouro_report_get_n_roots (report), ==, 1);
  g_assert_true (ouro_report_get_root_object (report, 0) == phoenix);
  ouro_report_free (report);
  g_assert_cmpuint (ouro_collect (), ==, 0);
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 2);

  /* Our global lets go: freed for real. */
  g_clear_pointer (&resurrected, test_node_unref);
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 3);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* A clear that drops nothing (a broken or refusing dispose): collect's
 * references are given back, nothing is freed, the cycle is garbage again
 * on the next collect, which neither loops nor crashes. */
static void
stubborn_clear (gpointer object)
{
  /* Refuses to drop anything. */
}

static void
test_collect_clear_refuses (void)
{
  OuroClass stubborn_class = test_node_class;
  TestNode *a, *b;
  guint freed_before = test_node_n_freed;

  stubborn_class.clear = stubborn_clear;
  make_garbage_pair (&stubborn_class, "a", &a, &b);

  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (test_node_n_freed, ==, freed_before);
  g_assert_cmpuint (a->refcount, ==, 1);
  g_assert_cmpuint (b->refcount, ==, 1);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 2);
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (test_node_n_freed, ==, freed_before);

  /* With a working clear, they go. */
  ouro_track (a, &test_node_class);
  ouro_track (b, &test_node_class);
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (test_node_n_freed - freed_before, ==, 2);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
}

/* ---- re-entrant scans ---------------------------------------------- */

typedef enum {
  REENTER_SCAN,
  REENTER_COLLECT,
  REENTER_SNAPSHOT,
  REENTER_CHECK_LEAKS,
  REENTER_FROM_REFCOUNT,   /* ouro_scan from get_refcount, not traverse */
} ReenterMode;

static ReenterMode reenter_mode;
static guint       reenter_calls;

static void reenter_scenario (gpointer user_data) { }

/* What the inner call returned: it must be empty, and it must return. */
static void
reenter (void)
{
  OuroReport *report;
  OuroSnapshot *snapshot;
  char *text = NULL;

  if (reenter_calls++ > 0)
    return;
  switch (reenter_mode)
    {
    case REENTER_SCAN:
    case REENTER_FROM_REFCOUNT:
      report = ouro_scan (OURO_SCAN_GARBAGE);
      g_assert_nonnull (report);
      g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
      g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 0);
      ouro_report_free (report);
      break;
    case REENTER_COLLECT:
      g_assert_cmpuint (ouro_collect (), ==, 0);
      break;
    case REENTER_SNAPSHOT:
      snapshot = ouro_snapshot_take ();
      g_assert_cmpuint (ouro_snapshot_get_count (snapshot, "Node"), ==, 0);
      ouro_snapshot_free (snapshot);
      break;
    case REENTER_CHECK_LEAKS:
      g_assert_false (ouro_check_leaks (reenter_scenario, NULL, 1, &text));
      g_assert_nonnull (strstr (text, "inside a scan"));
      g_free (text);
      break;
    }
}

static guint
reenter_get_refcount (gpointer object)
{
  if (reenter_mode == REENTER_FROM_REFCOUNT)
    reenter ();
  return test_node_class.get_refcount (object);
}

static void
reenter_traverse (gpointer      object,
                  OuroVisitFunc visit,
                  gpointer      user_data)
{
  if (reenter_mode != REENTER_FROM_REFCOUNT)
    reenter ();
  test_node_class.traverse (object, visit, user_data);
}

static void
test_reentrant_subprocess (void)
{
  OuroClass klass = test_node_class;
  TestNode *a = test_node_new ("Node", "a");
  TestNode *b = test_node_new ("Node", "b");
  OuroReport *report;

  reenter_mode = (ReenterMode) g_ascii_strtoull (g_getenv ("OURO_TEST_REENTER"), NULL, 10);
  /* The refusal's critical must not end the child: what follows it is
   * what is checked. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  klass.get_refcount = reenter_get_refcount;
  klass.traverse = reenter_traverse;
  test_node_link (a, b, "field peer");
  test_node_link (b, a, "field peer");
  ouro_track (a, &klass);
  ouro_track (b, &klass);
  test_node_unref (a);
  test_node_unref (b);

  /* The outer scan is whole: both nodes are garbage. */
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (reenter_calls, >=, 1);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  ouro_report_free (report);
  ouro_track (a, &test_node_class);
  ouro_track (b, &test_node_class);
  g_assert_cmpuint (ouro_collect (), ==, 2);
}

/* Each entry point, called from inside a scan, says so and returns. */
static void
test_reentrant (void)
{
  static const char *const names[] = { "ouro_scan", "ouro_collect", "ouro_snapshot_take",
                                       "ouro_leak_check_run", "ouro_scan" };

  for (guint mode = REENTER_SCAN; mode <= REENTER_FROM_REFCOUNT; mode++)
    {
      char *value = g_strdup_printf ("%u", mode);
      char *pattern = g_strdup_printf ("*%s () called from inside a scan*refused*", names[mode]);

      g_setenv ("OURO_TEST_REENTER", value, TRUE);
      g_test_trap_subprocess ("/misuse/reentrant-scan/subprocess", 20 * G_USEC_PER_SEC,
                              G_TEST_SUBPROCESS_INHERIT_STDOUT);
      /* A hang would time out and fail. */
      g_test_trap_assert_passed ();
      g_test_trap_assert_stderr (pattern);
      g_free (pattern);
      g_free (value);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/misuse/untrack-not-tracked", test_untrack_not_tracked);
  g_test_add_func ("/misuse/traverse/garbage-pointers", test_garbage_pointers);
  g_test_add_func ("/misuse/traverse/one-target-many-times", test_visits_one_target_many_times);
  g_test_add_func ("/misuse/traverse/itself-many-times", test_visits_itself_many_times);
  g_test_add_func ("/misuse/describe/bad", test_bad_descriptions);
  g_test_add_func ("/misuse/collect/resurrection", test_collect_resurrection);
  g_test_add_func ("/misuse/collect/clear-refuses", test_collect_clear_refuses);
  g_test_add_func ("/misuse/reentrant-scan", test_reentrant);
  g_test_add_func ("/misuse/reentrant-scan/subprocess", test_reentrant_subprocess);

  return g_test_run ();
}
