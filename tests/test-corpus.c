/* test-corpus.c — `ouro run` on the corpus: small unmodified programs, each
 * one leak shape written the way GTK applications are, with its clean twin
 * (tests/corpus/, built as corpus-PROGRAM, run as `PROGRAM leaky|clean`).
 *
 * Single-threaded.  Each case runs one twin under `ouro run --format json`
 * and reads the report with json-glib (docs/report-json.md).  What each
 * leaky twin's report must say is the table `corpus` below: proven garbage
 * with one of the program's types and the edge that closes the cycle,
 * probable garbage (a cycle closed through a plain struct field, read
 * from the objects' memory: never proven), or, for what holds an object
 * without a cycle (a main-context source, a pending call), the object
 * listed as held from outside with where or by what.  Every expectation
 * says whether Ouro sees it today:
 *
 *   - seen today: asserted;
 *   - waiting for a feature (Feature below): the case prints what the report
 *     said and skips with "needs: FEATURE (issue N)" (or "(issue 14 item
 *     N)"); once the report says it, the case fails until the table marks
 *     it seen (the engineer who lands the feature turns the skip into an
 *     assertion).
 *     The labels and holder names of features not written yet are this
 *     table's proposal: the feature may settle on others, and then changes
 *     them here.
 *
 * Every leaky twin must leak (its first type alive or garbage at exit),
 * and every clean twin must leave no object of its types, garbage or alive:
 * both asserted today.  Programs run from OURO_TEST_CORPUS; cases that
 * need GTK skip without a display or when GTK 4 was not found at build
 * time.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "run-common.h"

/* ---- the table --------------------------------------------------------- */

/* What Ouro does not do yet: the issue that asks for it and, for an issue
 * listing several features (issue 14), the item's number in its order. */
typedef struct {
  const char *name;
  guint       issue;
  guint       item;   /* 0: the whole issue */
} Feature;

typedef enum {
  /* A garbage cycle with a member of @type and an edge labelled @what. */
  EXPECT_GARBAGE,
  /* A probable cycle (`probable: true`) with a member of @type and an edge
   * labelled @what. */
  EXPECT_PROBABLE,
  /* A root (held from outside) of @type with a reference site whose
   * frames name the program's own source file, PROGRAM.c. */
  EXPECT_ROOT_SITE,
  /* A root of @type that names @what as its holder, in its description
   * or in a key docs/report-json.md does not list today. */
  EXPECT_ROOT_HOLDER,
  /* The first root listed is of @type. */
  EXPECT_ROOT_FIRST,
} ExpectKind;

typedef struct {
  ExpectKind     kind;
  const char    *type;    /* NULL ends a list */
  const char    *what;
  const Feature *needs;   /* NULL: Ouro sees it today */
} Expectation;

typedef struct {
  const char  *program;
  gboolean     gtk;
  const char  *types[3];     /* the program's own, the leaking one first */
  Expectation  leaky[4];
  const char  *watch[2];     /* other types whose roots the case prints */
} CorpusCase;

static const CorpusCase corpus[] = {
  /* GTK's table of bound template children holds the button too: the
   * edge "template child NAME" counts that reference. */
  { .program = "template-child", .gtk = TRUE, .types = { "NotesEditor" },
    .leaky = {
      { EXPECT_GARBAGE, "NotesEditor", "template child save_button", NULL },
    },
    .watch = { "GtkButton" } },
  { .program = "binding-transform", .gtk = TRUE, .types = { "CounterView" },
    .leaky = {
      { EXPECT_GARBAGE, "CounterView", "binding transform data", NULL },
    },
    .watch = { "GBinding" } },
  { .program = "binding-closures", .gtk = TRUE, .types = { "DownloadRow" },
    .leaky = {
      { EXPECT_GARBAGE, "DownloadRow", "binding transform closure data", NULL },
    },
    .watch = { "GBinding" } },
  /* The cycle runs through the models the drop-down builds over its
   * model: its filter model's string filter holds the expression too. */
  { .program = "dropdown-expression", .gtk = TRUE, .types = { "FontPicker" },
    .leaky = {
      { EXPECT_GARBAGE, "FontPicker", "expression closure data", NULL },
      { EXPECT_GARBAGE, "FontPicker", "filter model", NULL },
    } },
  { .program = "timeout-source", .gtk = TRUE, .types = { "ClockLabel" },
    .leaky = {
      { EXPECT_ROOT_SITE, "ClockLabel", NULL, NULL },
      { EXPECT_ROOT_HOLDER, "ClockLabel", "timeout source (1000 ms, default main context)", NULL },
      { EXPECT_ROOT_FIRST, "ClockLabel", NULL, NULL },
    } },
  { .program = "idle-source", .types = { "SearchIndexer" },
    .leaky = {
      { EXPECT_ROOT_SITE, "SearchIndexer", NULL, NULL },
      { EXPECT_ROOT_HOLDER, "SearchIndexer", "idle source (default main context)", NULL },
    } },
  { .program = "custom-source", .types = { "SyncScheduler" },
    .leaky = {
      { EXPECT_ROOT_SITE, "SyncScheduler", NULL, NULL },
      { EXPECT_ROOT_HOLDER, "SyncScheduler", "SyncScheduler flush", NULL },
    } },
  { .program = "async-read", .types = { "LogTail" },
    .leaky = {
      { EXPECT_ROOT_SITE, "LogTail", NULL, NULL },
      { EXPECT_ROOT_HOLDER, "LogTail", "user data of a pending call on GUnixInputStream", NULL },
    },
    .watch = { "GTask" } },
  /* g_task_new () takes the reference, inside GIO. */
  { .program = "task-source", .types = { "DocumentSaver" },
    .leaky = {
      { EXPECT_ROOT_HOLDER, "DocumentSaver", "(document_saver_save_async", NULL },
      { EXPECT_ROOT_HOLDER, "DocumentSaver", "pending): its source object", NULL },
      { EXPECT_ROOT_SITE, "DocumentSaver", NULL, NULL },
    },
    .watch = { "GTask" } },
  /* A cycle through a plain field is never proven garbage: the field is a
   * reference only the program knows of.  The buffer is held from outside,
   * and its creation site is the page's init: gtk_text_buffer_new () ends
   * in a tail call to g_object_new () (Debian 12's GTK), so its caller's
   * frame is the program's.  The probable cycle closes because the text
   * view's own two references to the buffer (its own and its layout's)
   * are precise edges: the field explains the third. */
  { .program = "text-buffer-field", .gtk = TRUE, .types = { "JournalPage" },
    .leaky = {
      { EXPECT_ROOT_SITE, "GtkTextBuffer", NULL, NULL },
      { EXPECT_PROBABLE, "JournalPage", "field priv->buffer", NULL },
    } },
  /* Fields on both sides of the store: the playlist is held from outside,
   * by references the tracks took in the program's code, and the store by
   * the playlist's (g_list_store_new () tail-calls g_object_new () too). */
  { .program = "list-store-owner", .types = { "Playlist", "PlaylistTrack" },
    .leaky = {
      { EXPECT_ROOT_SITE, "Playlist", NULL, NULL },
      { EXPECT_ROOT_SITE, "GListStore", NULL, NULL },
      { EXPECT_PROBABLE, "Playlist", "field priv->tracks", NULL },
      { EXPECT_PROBABLE, "PlaylistTrack", "field playlist", NULL },
    } },
  /* Fields and nothing else: the document and its undo stack hold each
   * other in public instance struct fields.  Held from outside in the
   * proven tier, by the stack's reference. */
  { .program = "undo-stack-field", .types = { "EditorDocument", "EditorUndoStack" },
    .leaky = {
      { EXPECT_ROOT_SITE, "EditorDocument", NULL, NULL },
      { EXPECT_PROBABLE, "EditorDocument", "field undo", NULL },
      { EXPECT_PROBABLE, "EditorUndoStack", "field document", NULL },
    } },
  /* A private struct reached by a classic priv pointer; a handler closes
   * the cycle, an edge Ouro sees today, but the action is held from
   * outside (by the field) and the player with it. */
  { .program = "priv-pointer-action", .types = { "MusicPlayer" },
    .leaky = {
      { EXPECT_ROOT_SITE, "GSimpleAction", NULL, NULL },
      { EXPECT_PROBABLE, "MusicPlayer", "field priv->play_action", NULL },
      { EXPECT_PROBABLE, "MusicPlayer", "signal activate: handler data", NULL },
    },
    .watch = { "GSimpleAction" } },
  /* A field of a GTK widget subclass's public struct; the binding closes
   * the cycle, seen today, and the adjustment is held from outside. */
  { .program = "prefs-adjustment-field", .gtk = TRUE, .types = { "PrefsFontPanel" },
    .leaky = {
      { EXPECT_ROOT_SITE, "GtkAdjustment", NULL, NULL },
      { EXPECT_PROBABLE, "PrefsFontPanel", "field font_size", NULL },
      { EXPECT_PROBABLE, "PrefsFontPanel", "binding transform data", NULL },
    },
    .watch = { "GtkAdjustment", "GBinding" } },
  /* Members of a nested struct and of an array.  The dashboard's
   * references were taken in g_set_object (), which gobject.h inlines into
   * the program: their frames name gobject.h, the tiles' name the
   * program. */
  { .program = "tiles-array-owner", .types = { "Dashboard", "DashboardTile" },
    .leaky = {
      { EXPECT_ROOT_SITE, "DashboardTile", NULL, NULL },
      { EXPECT_PROBABLE, "Dashboard", "field chrome.header", NULL },
      { EXPECT_PROBABLE, "Dashboard", "field tiles[2]", NULL },
      { EXPECT_PROBABLE, "DashboardTile", "field owner", NULL },
    } },
  /* Three objects, three fields: public, private, public. */
  { .program = "mail-sync-chain", .types = { "MailAccount", "MailFolderTree", "MailSync" },
    .leaky = {
      { EXPECT_ROOT_SITE, "MailAccount", NULL, NULL },
      { EXPECT_PROBABLE, "MailAccount", "field folders", NULL },
      { EXPECT_PROBABLE, "MailFolderTree", "field priv->sync", NULL },
      { EXPECT_PROBABLE, "MailSync", "field account", NULL },
    } },
  /* Beyond pointer fields, by design: the book's references to its
   * contacts are in the GHashTable's memory, which Ouro does not read (it
   * reads only the program's own objects), so no cycle closes, proven or
   * probable.  The leak shows as the book and its contacts held from
   * outside, by references taken in the program's code, with or without
   * the feature: probable candidates never change the proven roots. */
  { .program = "hash-table-owner", .types = { "ContactBook", "Contact" },
    .leaky = {
      { EXPECT_ROOT_SITE, "ContactBook", NULL, NULL },
      { EXPECT_ROOT_SITE, "Contact", NULL, NULL },
    } },
  /* Controls: shapes Ouro has seen since its first release. */
  { .program = "qdata-control", .types = { "NotesDocument", "NotesUndoManager" },
    .leaky = {
      { EXPECT_GARBAGE, "NotesDocument", "qdata document", NULL },
      { EXPECT_GARBAGE, "NotesUndoManager", "qdata undo-manager", NULL },
    } },
  { .program = "controller-control", .gtk = TRUE, .types = { "SketchCanvas" },
    .leaky = {
      { EXPECT_GARBAGE, "SketchCanvas", "signal drag-begin: handler data", NULL },
      { EXPECT_GARBAGE, "SketchCanvas", "controller", NULL },
    } },
};

/* ---- running a twin ---------------------------------------------------- */

/* Runs @corpus_case's @twin under `ouro run` and returns its JSON report,
 * parsed; NULL after g_test_skip () when the case cannot run here. */
static JsonParser *
run_twin (const CorpusCase *corpus_case,
          const char       *twin)
{
  const char *dir = g_getenv ("OURO_TEST_CORPUS");
  g_autofree char *name = g_strconcat ("corpus-", corpus_case->program, NULL);
  g_autofree char *program = NULL;
  g_autofree char *report_dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  RunResult result;

  g_assert_nonnull (dir);
  if (corpus_case->gtk && g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return NULL;
    }
  program = g_build_filename (dir, name, NULL);
  if (!g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("not built (GTK 4 not found at build time)");
      return NULL;
    }

  report_dir = g_dir_make_tmp ("ouro-corpus-XXXXXX", NULL);
  path = g_build_filename (report_dir, "report.json", NULL);
  run_command ((const char *[]) { tool (), "run", "--format=json", "--output", path, "--",
                                  program, twin, NULL }, NULL, &result);
  if (result.status != 0)
    g_test_message ("%s %s's stderr:\n%s", name, twin, result.err);
  g_assert_cmpint (result.status, ==, 0);
  run_result_clear (&result);

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_unlink (path);
  g_rmdir (report_dir);
  return g_steal_pointer (&parser);
}

/* ---- reading the report ------------------------------------------------ */

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  return json_object_has_member (object, name) ? json_object_get_array_member (object, name)
                                                : NULL;
}

static const char *
object_type (JsonArray *objects,
             guint      index)
{
  return json_object_get_string_member (json_array_get_object_element (objects, index), "type");
}

static gboolean
array_has_type (JsonArray  *objects,
                const char *type)
{
  for (guint i = 0; objects != NULL && i < json_array_get_length (objects); i++)
    if (g_strcmp0 (object_type (objects, i), type) == 0)
      return TRUE;
  return FALSE;
}

/* Whether a cycle of @tier ("garbage", or "probable" for probable garbage:
 * a key a cycle has only when it is) has a member of @type and, when
 * @label is not NULL, a strong edge labelled @label. */
static gboolean
has_cycle (JsonObject *top,
           const char *tier,
           const char *type,
           const char *label)
{
  JsonArray *cycles = member_array (top, "cycles");

  for (guint i = 0; i < json_array_get_length (cycles); i++)
    {
      JsonObject *cycle = json_array_get_object_element (cycles, i);
      JsonArray *edges = member_array (cycle, "edges");
      gboolean labelled = label == NULL;

      if (!json_object_get_boolean_member_with_default (cycle, tier, FALSE)
          || !array_has_type (member_array (cycle, "members"), type))
        continue;
      for (guint e = 0; !labelled && e < json_array_get_length (edges); e++)
        {
          JsonObject *edge = json_array_get_object_element (edges, e);

          labelled = !json_object_get_boolean_member (edge, "weak")
                     && g_strcmp0 (json_object_get_string_member (edge, "label"), label) == 0;
        }
      if (labelled)
        return TRUE;
    }
  return FALSE;
}

/* Whether an object of @type is garbage: a cycle's member or held only by
 * one. */
static gboolean
is_garbage_type (JsonObject *top,
                 const char *type)
{
  JsonArray *cycles = member_array (top, "cycles");

  for (guint i = 0; i < json_array_get_length (cycles); i++)
    {
      JsonObject *cycle = json_array_get_object_element (cycles, i);

      if (json_object_get_boolean_member (cycle, "garbage")
          && (array_has_type (member_array (cycle, "members"), type)
              || array_has_type (member_array (cycle, "held"), type)))
        return TRUE;
    }
  return FALSE;
}

/* How many objects of @type the live summary counts. */
static gint64
alive_count (JsonObject *top,
             const char *type)
{
  JsonArray *types = member_array (top, "alive_by_type");

  for (guint i = 0; types != NULL && i < json_array_get_length (types); i++)
    {
      JsonObject *count = json_array_get_object_element (types, i);

      if (g_strcmp0 (json_object_get_string_member (count, "type"), type) == 0)
        return json_object_get_int_member (count, "count");
    }
  return 0;
}

/* Whether a reference site of @root has a frame in @file ("name.c"):
 * frames read "function (file.c:line)" when the symboliser has the debug
 * information. */
static gboolean
root_has_site_in (JsonObject *root,
                  const char *file)
{
  g_autofree char *needle = g_strdup_printf ("(%s:", file);
  JsonObject *references;
  JsonArray *sites;

  if (!json_object_has_member (root, "references"))
    return FALSE;
  references = json_object_get_object_member (root, "references");
  sites = member_array (references, "sites");
  for (guint i = 0; i < json_array_get_length (sites); i++)
    {
      JsonArray *frames = member_array (json_array_get_object_element (sites, i), "frames");

      for (guint f = 0; f < json_array_get_length (frames); f++)
        if (strstr (json_array_get_string_element (frames, f), needle) != NULL)
          return TRUE;
    }
  return FALSE;
}

/* Whether @root names @holder: in its description, or in a key version 1
 * of the schema does not have (where a holder may come). */
static gboolean
root_names_holder (JsonObject *root,
                   const char *holder)
{
  static const char *const known[] = { "address", "type", "class", "description", "refcount",
                                       "explained", "references", NULL };
  const char *description = json_object_get_string_member (root, "description");
  g_autoptr(GList) names = json_object_get_members (root);

  if (description != NULL && strstr (description, holder) != NULL)
    return TRUE;
  for (GList *l = names; l != NULL; l = l->next)
    {
      g_autofree char *text = NULL;

      if (g_strv_contains (known, l->data))
        continue;
      /* held_by is an array of holders; others may come. */
      text = json_to_string (json_object_get_member (root, l->data), FALSE);
      if (strstr (text, holder) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
expectation_met (JsonObject        *top,
                 const CorpusCase  *corpus_case,
                 const Expectation *expect)
{
  JsonArray *roots = member_array (top, "roots");
  g_autofree char *file = g_strconcat (corpus_case->program, ".c", NULL);

  if (expect->kind == EXPECT_GARBAGE)
    return has_cycle (top, "garbage", expect->type, expect->what);
  if (expect->kind == EXPECT_PROBABLE)
    return has_cycle (top, "probable", expect->type, expect->what);
  if (expect->kind == EXPECT_ROOT_FIRST)
    return roots != NULL && json_array_get_length (roots) > 0
           && g_strcmp0 (object_type (roots, 0), expect->type) == 0;
  for (guint i = 0; roots != NULL && i < json_array_get_length (roots); i++)
    {
      JsonObject *root = json_array_get_object_element (roots, i);

      if (g_strcmp0 (json_object_get_string_member (root, "type"), expect->type) != 0)
        continue;
      if (expect->kind == EXPECT_ROOT_SITE ? root_has_site_in (root, file)
                                           : root_names_holder (root, expect->what))
        return TRUE;
    }
  return FALSE;
}

static char *
expectation_describe (const CorpusCase  *corpus_case,
                      const Expectation *expect)
{
  switch (expect->kind)
    {
    case EXPECT_GARBAGE:
      return g_strdup_printf ("garbage %s with an edge [%s]", expect->type, expect->what);
    case EXPECT_PROBABLE:
      return g_strdup_printf ("probable garbage %s with an edge [%s]", expect->type,
                              expect->what);
    case EXPECT_ROOT_SITE:
      return g_strdup_printf ("%s held from outside, a reference taken in %s.c", expect->type,
                              corpus_case->program);
    case EXPECT_ROOT_HOLDER:
      return g_strdup_printf ("%s held from outside by %s", expect->type, expect->what);
    case EXPECT_ROOT_FIRST:
      return g_strdup_printf ("%s listed first among the roots", expect->type);
    default:
      g_assert_not_reached ();
    }
}

/* ---- what the report said ---------------------------------------------- */

static gboolean
is_shown_type (const CorpusCase *corpus_case,
               const char       *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (corpus_case->types) && corpus_case->types[i] != NULL; i++)
    if (g_strcmp0 (corpus_case->types[i], type) == 0)
      return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (corpus_case->leaky) && corpus_case->leaky[i].type != NULL;
       i++)
    if (g_strcmp0 (corpus_case->leaky[i].type, type) == 0)
      return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (corpus_case->watch) && corpus_case->watch[i] != NULL; i++)
    if (g_strcmp0 (corpus_case->watch[i], type) == 0)
      return TRUE;
  return FALSE;
}

static void
print_root (JsonObject *root)
{
  g_autoptr(GString) line = g_string_new (NULL);
  JsonObject *references = json_object_has_member (root, "references")
                           ? json_object_get_object_member (root, "references") : NULL;
  JsonArray *sites = references != NULL ? member_array (references, "sites") : NULL;

  const char *description = json_object_get_string_member (root, "description");

  g_string_printf (line, "  held from outside: %s (refcount %" G_GINT64_FORMAT
                   ", %" G_GINT64_FORMAT " explained)",
                   description != NULL ? description
                                       : json_object_get_string_member (root, "type"),
                   json_object_get_int_member (root, "refcount"),
                   json_object_get_int_member (root, "explained"));
  for (guint i = 0; sites != NULL && i < json_array_get_length (sites); i++)
    {
      JsonObject *site = json_array_get_object_element (sites, i);
      JsonArray *frames = member_array (site, "frames");

      g_string_append_printf (line, "; %" G_GINT64_FORMAT " %s at %s",
                              json_object_get_int_member (site, "count"),
                              json_object_get_string_member (site, "kind"),
                              json_array_get_length (frames) > 0
                              ? json_array_get_string_element (frames, 0) : "?");
    }
  g_test_message ("%s", line->str);
}

/* Prints, as test messages, the report's garbage and probable cycles, the
 * roots of the types @corpus_case is about and how many of its own types
 * are alive. */
static void
print_report (JsonObject       *top,
              const CorpusCase *corpus_case,
              const char       *twin)
{
  JsonArray *cycles = member_array (top, "cycles");
  JsonArray *roots = member_array (top, "roots");

  g_test_message ("corpus-%s %s: %" G_GINT64_FORMAT " garbage objects, %" G_GINT64_FORMAT
                  " tracked, %" G_GINT64_FORMAT " held from outside%s",
                  corpus_case->program, twin, json_object_get_int_member (top, "n_garbage"),
                  json_object_get_int_member (top, "n_tracked"),
                  json_object_get_int_member (top, "n_roots"),
                  json_object_get_boolean_member (top, "roots_truncated")
                  ? " (the first 1000 listed)" : "");
  for (guint i = 0; i < json_array_get_length (cycles); i++)
    {
      JsonObject *cycle = json_array_get_object_element (cycles, i);
      JsonArray *members = member_array (cycle, "members");
      JsonArray *edges = member_array (cycle, "edges");
      g_autoptr(GString) line = NULL;

      if (json_object_get_boolean_member (cycle, "garbage"))
        line = g_string_new ("  garbage cycle:");
      else if (json_object_get_boolean_member_with_default (cycle, "probable", FALSE))
        line = g_string_new ("  probable cycle:");
      else
        continue;
      for (guint e = 0; e < json_array_get_length (edges); e++)
        {
          JsonObject *edge = json_array_get_object_element (edges, e);

          g_string_append_printf (line, " %s --[%s]--> %s;",
                                  object_type (members, json_object_get_int_member (edge, "from")),
                                  json_object_get_string_member (edge, "label"),
                                  object_type (members, json_object_get_int_member (edge, "to")));
        }
      g_test_message ("%s", line->str);
    }
  for (guint i = 0; roots != NULL && i < json_array_get_length (roots); i++)
    if (is_shown_type (corpus_case, object_type (roots, i)))
      print_root (json_array_get_object_element (roots, i));
  for (guint i = 0; i < G_N_ELEMENTS (corpus_case->types) && corpus_case->types[i] != NULL; i++)
    g_test_message ("  alive: %" G_GINT64_FORMAT " %s", alive_count (top, corpus_case->types[i]),
                    corpus_case->types[i]);
}

/* ---- the cases --------------------------------------------------------- */

/* "pointer fields (issue 15)", "NAME (issue 14 item 3)". */
static char *
feature_describe (const Feature *feature)
{
  if (feature->item == 0)
    return g_strdup_printf ("%s (issue %u)", feature->name, feature->issue);
  return g_strdup_printf ("%s (issue %u item %u)", feature->name, feature->issue, feature->item);
}

static void
test_leaky (gconstpointer data)
{
  const CorpusCase *corpus_case = data;
  g_autoptr(JsonParser) parser = run_twin (corpus_case, "leaky");
  g_autoptr(GString) pending = g_string_new (NULL);
  JsonObject *top;
  const char *leaking;

  if (parser == NULL)
    return;
  top = json_node_get_object (json_parser_get_root (parser));
  print_report (top, corpus_case, "leaky");

  /* The program leaks at all. */
  leaking = corpus_case->types[0];
  if (alive_count (top, leaking) == 0 && !is_garbage_type (top, leaking))
    g_test_fail_printf ("corpus-%s leaky: no %s left at exit: the twin does not leak",
                        corpus_case->program, leaking);

  for (guint i = 0; i < G_N_ELEMENTS (corpus_case->leaky) && corpus_case->leaky[i].type != NULL;
       i++)
    {
      const Expectation *expect = &corpus_case->leaky[i];
      g_autofree char *what = expectation_describe (corpus_case, expect);
      g_autofree char *needs = expect->needs != NULL ? feature_describe (expect->needs) : NULL;
      gboolean met = expectation_met (top, corpus_case, expect);

      if (expect->needs == NULL && !met)
        g_test_fail_printf ("corpus-%s leaky: the report does not say: %s%s",
                            corpus_case->program, what,
                            expect->kind != EXPECT_GARBAGE && expect->kind != EXPECT_PROBABLE
                            && json_object_get_boolean_member (top, "roots_truncated")
                            ? " (it lists only the first 1000 roots)" : "");
      else if (expect->needs != NULL && met)
        g_test_fail_printf ("corpus-%s leaky: the report says %s now: mark it seen today "
                            "(it needed %s)", corpus_case->program, what, needs);
      else if (expect->needs != NULL && strstr (pending->str, needs) == NULL)
        g_string_append_printf (pending, "%s%s", pending->len > 0 ? "; " : "needs: ", needs);
    }
  if (pending->len > 0 && !g_test_failed ())
    g_test_skip (pending->str);
}

static void
test_clean (gconstpointer data)
{
  const CorpusCase *corpus_case = data;
  g_autoptr(JsonParser) parser = run_twin (corpus_case, "clean");
  JsonObject *top;

  if (parser == NULL)
    return;
  top = json_node_get_object (json_parser_get_root (parser));
  print_report (top, corpus_case, "clean");
  /* Only the program's own types' fields are read, and none is alive. */
  if (json_object_get_int_member_with_default (top, "n_probable_garbage", 0) != 0)
    g_test_fail_printf ("corpus-%s clean: %" G_GINT64_FORMAT " probable garbage objects",
                        corpus_case->program,
                        json_object_get_int_member_with_default (top, "n_probable_garbage", 0));
  for (guint i = 0; i < G_N_ELEMENTS (corpus_case->types) && corpus_case->types[i] != NULL; i++)
    {
      if (is_garbage_type (top, corpus_case->types[i]))
        g_test_fail_printf ("corpus-%s clean: %s is garbage", corpus_case->program,
                            corpus_case->types[i]);
      if (alive_count (top, corpus_case->types[i]) != 0)
        g_test_fail_printf ("corpus-%s clean: %" G_GINT64_FORMAT " %s alive at exit",
                            corpus_case->program, alive_count (top, corpus_case->types[i]),
                            corpus_case->types[i]);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (corpus); i++)
    {
      g_autofree char *leaky = g_strdup_printf ("/corpus/%s/leaky", corpus[i].program);
      g_autofree char *clean = g_strdup_printf ("/corpus/%s/clean", corpus[i].program);

      g_test_add_data_func (leaky, &corpus[i], test_leaky);
      g_test_add_data_func (clean, &corpus[i], test_clean);
    }
  return g_test_run ();
}
