/* test-gobject-ledger.c — the reference ledger: which call sites hold an
 * object's outstanding references, as the pairing policy of
 * ouro-gobject-ledger.c says, in the classic cases (a bound callback
 * connected in init, temporary refs, a ref taken in one function and
 * dropped in another, g_clear_object in dispose, floating references),
 * across threads (live ones, whose buffers are frozen and applied, and
 * exiting ones), after an address is reused, with stacks of N frames, with
 * the ledger off, and inside a real ouro_scan () report; references
 * another library takes (libgio) are seen, libgobject's own are not, and
 * one a library takes on the program's behalf (g_list_store_append,
 * g_ptr_array_copy) is attributed to the program's function that called
 * it, with the library's frame as context.
 *
 * The executable is linked with export_dynamic, as the other glue tests,
 * so that its g_object_ref is the one every library calls; helpers whose
 * names the tests look for in symbolised frames are global (dladdr names
 * them without debug information) and never inlined, and the calls the
 * stack tests count are never tail calls.
 */
#define _GNU_SOURCE   /* dl_iterate_phdr () */
#include "test-node.h"

#include <gio/gio.h>
#include <link.h>
#include <ouro-gobject.h>

#include "ouro-gobject-ledger-private.h"

#include <pthread.h>

#include "test-valgrind.h"

/* A sink the helpers write to after their calls, so that no call is a
 * tail call and no helper is folded into its caller. */
guint ledger_test_sink;
#define ledger_test_sink_touch() __atomic_fetch_add (&ledger_test_sink, 1, __ATOMIC_RELAXED)

/* ---- test types ------------------------------------------------------- */

/* A button with a "clicked" signal. */
typedef struct { GObject parent; } LedgerButton;
typedef struct { GObjectClass parent_class; } LedgerButtonClass;
static GType ledger_button_get_type (void);
G_DEFINE_TYPE (LedgerButton, ledger_button, G_TYPE_OBJECT)
static void ledger_button_init (LedgerButton *self) { }
static void
ledger_button_class_init (LedgerButtonClass *klass)
{
  g_signal_new ("clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                NULL, NULL, NULL, G_TYPE_NONE, 0);
}

/* The classic leak: a window owns a button and connects to its signal
 * with a reference to itself as the handler's data, in init. */
typedef struct { GObject parent; LedgerButton *button; } LedgerWindow;
typedef struct { GObjectClass parent_class; } LedgerWindowClass;
static GType ledger_window_get_type (void);
G_DEFINE_TYPE (LedgerWindow, ledger_window, G_TYPE_OBJECT)

static void
ledger_window_on_clicked (LedgerButton *button,
                          gpointer      user_data)
{
}

static void
ledger_window_init (LedgerWindow *self)
{
  self->button = g_object_new (ledger_button_get_type (), NULL);
  g_signal_connect_data (self->button, "clicked", G_CALLBACK (ledger_window_on_clicked),
                         g_object_ref (self), (GClosureNotify) g_object_unref, 0);
}

static void
ledger_window_dispose (GObject *object)
{
  g_clear_object (&((LedgerWindow *) object)->button);
  G_OBJECT_CLASS (ledger_window_parent_class)->dispose (object);
}

static void
ledger_window_class_init (LedgerWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ledger_window_dispose;
}

/* A floating object, as GTK widgets are. */
typedef struct { GInitiallyUnowned parent; } LedgerFloating;
typedef struct { GInitiallyUnownedClass parent_class; } LedgerFloatingClass;
static GType ledger_floating_get_type (void);
G_DEFINE_TYPE (LedgerFloating, ledger_floating, G_TYPE_INITIALLY_UNOWNED)
static void ledger_floating_init (LedgerFloating *self) { }
static void ledger_floating_class_init (LedgerFloatingClass *klass) { }

/* ---- helpers ---------------------------------------------------------- */

/* The helpers' names are what the tests look for in symbolised frames. */
GObject *ledger_make_object (void);
LedgerWindow *ledger_make_window (void);
void ledger_temporary_use (GObject *object);
void ledger_take_ref (GObject *object);
void ledger_release_elsewhere (GObject *object);
void ledger_keep_button (LedgerWindow *window);
GObject *ledger_make_floating (void);
void ledger_adopt (GObject *object);
void ledger_stash_reference (GObject *object);
void ledger_chain_1 (GObject *object);
void ledger_chain_2 (GObject *object);
void ledger_chain_3 (GObject *object);
void ledger_chain_4 (GObject *object);
void ledger_store_append (GListStore *store, GObject *object);
GPtrArray *ledger_copy_refs (GPtrArray *array);

G_GNUC_NO_INLINE GObject *
ledger_make_object (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  ledger_test_sink_touch ();
  return object;
}

G_GNUC_NO_INLINE LedgerWindow *
ledger_make_window (void)
{
  LedgerWindow *window = g_object_new (ledger_window_get_type (), NULL);

  ledger_test_sink_touch ();
  return window;
}

G_GNUC_NO_INLINE void
ledger_temporary_use (GObject *object)
{
  g_object_ref (object);
  ledger_test_sink_touch ();
  g_object_unref (object);
  ledger_test_sink_touch ();
}

G_GNUC_NO_INLINE void
ledger_take_ref (GObject *object)
{
  g_object_ref (object);
  ledger_test_sink_touch ();
}

static G_GNUC_NO_INLINE void
ledger_release_inner (GObject *object)
{
  g_object_unref (object);
  ledger_test_sink_touch ();
}

/* One level deeper than ledger_take_ref, so never in its stack frame. */
G_GNUC_NO_INLINE void
ledger_release_elsewhere (GObject *object)
{
  ledger_release_inner (object);
  ledger_test_sink_touch ();
}

G_GNUC_NO_INLINE void
ledger_keep_button (LedgerWindow *window)
{
  g_object_ref (window->button);
  ledger_test_sink_touch ();
}

G_GNUC_NO_INLINE GObject *
ledger_make_floating (void)
{
  GObject *object = g_object_new (ledger_floating_get_type (), NULL);

  ledger_test_sink_touch ();
  return object;
}

G_GNUC_NO_INLINE void
ledger_adopt (GObject *object)
{
  g_object_ref_sink (object);
  ledger_test_sink_touch ();
}

static GObject *ledger_stash;

G_GNUC_NO_INLINE void
ledger_stash_reference (GObject *object)
{
  ledger_stash = g_object_ref (object);
  ledger_test_sink_touch ();
}

G_GNUC_NO_INLINE void
ledger_chain_4 (GObject *object)
{
  g_object_ref (object);
  ledger_test_sink_touch ();
}

G_GNUC_NO_INLINE void
ledger_chain_3 (GObject *object)
{
  ledger_chain_4 (object);
  ledger_test_sink_touch ();
}

G_GNUC_NO_INLINE void
ledger_chain_2 (GObject *object)
{
  ledger_chain_3 (object);
  ledger_test_sink_touch ();
}

G_GNUC_NO_INLINE void
ledger_chain_1 (GObject *object)
{
  ledger_chain_2 (object);
  ledger_test_sink_touch ();
}

static void
ledger_on (guint depth)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ouro_ledger_enable (depth, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ouro_ledger_get_depth (), ==, depth);
}

static guint
refcount_of (gpointer object)
{
  return g_atomic_int_get (&G_OBJECT (object)->ref_count);
}

/* Whether @frame names @function: by name, which needs libdw for static
 * functions (dladdr only knows exported ones). */
static gboolean
frame_names (const char *frame,
             const char *function)
{
  return g_str_has_prefix (frame, function)
      && (frame[strlen (function)] == ' ' || frame[strlen (function)] == '+');
}

/* Whether the ledger names static functions here (libdw found them). */
static gboolean
have_line_info (const OuroLedgerSite *site)
{
  return strstr (site->frames[0], "test-gobject-ledger.c:") != NULL;
}

/* The site of @sites of @kind whose innermost frame names @function. */
static const OuroLedgerSite *
find_site (GPtrArray  *sites,
           const char *kind,
           const char *function)
{
  for (guint i = 0; i < sites->len; i++)
    {
      const OuroLedgerSite *site = sites->pdata[i];

      if (strcmp (site->kind, kind) == 0 && site->frames[0] != NULL
          && frame_names (site->frames[0], function))
        return site;
    }
  return NULL;
}

static guint
count_records (GPtrArray *sites)
{
  guint total = 0;

  for (guint i = 0; i < sites->len; i++)
    total += ((const OuroLedgerSite *) sites->pdata[i])->count;
  return total;
}

static void
print_sites (GPtrArray *sites)
{
  for (guint i = 0; i < sites->len; i++)
    {
      const OuroLedgerSite *site = sites->pdata[i];
      g_autofree char *frames = g_strjoinv (" <- ", site->frames);

      g_test_message ("  %u %s at %s", site->count, site->kind, frames);
    }
}

/* The program's function whose call makes a library take a reference:
 * libgio's g_list_store_append calls g_object_ref through its PLT. */
G_GNUC_NO_INLINE void
ledger_store_append (GListStore *store,
                     GObject    *object)
{
  g_list_store_append (store, object);
  ledger_test_sink_touch ();
}

/* libglib calls the copy function it is given: the interposed
 * g_object_ref, called from g_ptr_array_copy. */
G_GNUC_NO_INLINE GPtrArray *
ledger_copy_refs (GPtrArray *array)
{
  GPtrArray *copy = g_ptr_array_copy (array, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  ledger_test_sink_touch ();
  return copy;
}

/* ---- the classic cases ------------------------------------------------ */

/* The window's own reference goes (main drops it, or the function that
 * made it does); the one left is the g_object_ref in init. */
static void
test_bound_callback_in_init (void)
{
  for (guint variant = 0; variant < 2; variant++)
    {
      LedgerWindow *window;
      g_autoptr(GPtrArray) sites = NULL;
      const OuroLedgerSite *site;

      ledger_on (1);
      /* 0: made in a helper (R4 releases the creation); 1: made here and
       * dropped here (R1). */
      window = variant == 0 ? ledger_make_window ()
                            : g_object_new (ledger_window_get_type (), NULL);
      g_object_unref (window);
      g_assert_cmpuint (refcount_of (window), ==, 1);

      sites = ouro_ledger_dup_sites (window);
      print_sites (sites);
      g_assert_cmpuint (sites->len, ==, 1);
      site = sites->pdata[0];
      g_assert_cmpuint (site->count, ==, 1);
      g_assert_cmpstr (site->kind, ==, "ref");
      g_assert_nonnull (site->frames[0]);
      g_assert_null (site->frames[1]);
      if (have_line_info (site))
        g_assert_true (frame_names (site->frames[0], "ledger_window_init"));
      else
        g_test_message ("no line information (libdw): %s", site->frames[0]);

      /* Disconnecting drops the handler's reference (libgobject calls its
       * GClosureNotify: R3): the init's record goes, another stays. */
      ledger_take_ref (G_OBJECT (window));
      g_signal_handlers_disconnect_by_data (window->button, window);
      g_clear_pointer (&sites, g_ptr_array_unref);
      sites = ouro_ledger_dup_sites (window);
      print_sites (sites);
      g_assert_cmpuint (sites->len, ==, 1);
      g_assert_nonnull (find_site (sites, "ref", "ledger_take_ref"));
      g_object_unref (window);
      ouro_ledger_disable ();
    }
}

/* The example in one function: created, a reference handed to a
 * connect, dropped.  The creation is what the unref releases. */
static void
test_ref_after_new_in_one_frame (void)
{
  LedgerButton *button;
  GObject *object;
  g_autoptr(GPtrArray) sites = NULL;

  ledger_on (1);
  button = g_object_new (ledger_button_get_type (), NULL);
  object = g_object_new (G_TYPE_OBJECT, NULL);
  g_signal_connect_data (button, "clicked", G_CALLBACK (ledger_window_on_clicked),
                         g_object_ref (object), (GClosureNotify) g_object_unref, 0);
  g_object_unref (object);

  sites = ouro_ledger_dup_sites (object);
  print_sites (sites);
  g_assert_cmpuint (sites->len, ==, 1);
  g_assert_cmpstr (((OuroLedgerSite *) sites->pdata[0])->kind, ==, "ref");

  g_object_unref (button);   /* finalizes the handler: object goes too */
  ouro_ledger_disable ();
}

static void
test_temporary_pairs_cancel (void)
{
  OuroLedgerStats before, after;
  g_autoptr(GPtrArray) sites = NULL;
  GObject *object;

  ledger_on (1);
  object = ledger_make_object ();
  ouro_ledger_sync ();
  ouro_ledger_get_stats (&before);
  for (guint i = 0; i < 1000; i++)
    ledger_temporary_use (object);
  ouro_ledger_get_stats (&after);
  g_assert_cmpuint (after.cancelled - before.cancelled, ==, 1000);
  g_assert_cmpuint (after.events - before.events, ==, 2000);

  sites = ouro_ledger_dup_sites (object);
  print_sites (sites);
  g_assert_cmpuint (sites->len, ==, 1);
  g_assert_cmpstr (((OuroLedgerSite *) sites->pdata[0])->kind, ==, "new");
  g_assert_true (frame_names (((OuroLedgerSite *) sites->pdata[0])->frames[0],
                              "ledger_make_object"));
  g_object_unref (object);
  ouro_ledger_disable ();
}

/* Refs taken in one function, one released in another (no shared frame):
 * first in, first out, so the creation goes and both refs stay. */
static void
test_ref_here_unref_there (void)
{
  g_autoptr(GPtrArray) sites = NULL;
  g_autoptr(GPtrArray) after = NULL;
  const OuroLedgerSite *site;
  GObject *object;

  ledger_on (1);
  object = g_object_new (G_TYPE_OBJECT, NULL);
  ledger_take_ref (object);
  ledger_take_ref (object);
  ledger_release_elsewhere (object);
  g_assert_cmpuint (refcount_of (object), ==, 2);

  sites = ouro_ledger_dup_sites (object);
  print_sites (sites);
  g_assert_cmpuint (sites->len, ==, 1);
  site = find_site (sites, "ref", "ledger_take_ref");
  g_assert_nonnull (site);
  g_assert_cmpuint (site->count, ==, 2);

  g_object_unref (object);
  after = ouro_ledger_dup_sites (object);
  g_assert_cmpuint (count_records (after), ==, 1);
  g_object_unref (object);
  ouro_ledger_disable ();
}

/* The parent's dispose drops the child it created in init (g_clear_object):
 * the reference another function took on the child is what stays. */
static void
test_clear_object_in_dispose (void)
{
  g_autoptr(GPtrArray) sites = NULL;
  const OuroLedgerSite *site;
  LedgerWindow *window;
  LedgerButton *button;

  ledger_on (1);
  window = ledger_make_window ();
  button = window->button;
  ledger_keep_button (window);
  g_signal_handlers_disconnect_by_data (button, window);
  g_object_unref (window);    /* disposed: g_clear_object (&button) */
  g_assert_cmpuint (refcount_of (button), ==, 1);

  sites = ouro_ledger_dup_sites (button);
  print_sites (sites);
  g_assert_cmpuint (sites->len, ==, 1);
  site = find_site (sites, "ref", "ledger_keep_button");
  g_assert_nonnull (site);
  g_assert_cmpuint (site->count, ==, 1);
  g_object_unref (button);
  ouro_ledger_disable ();
}

/* A floating object's sink takes the creation's reference over; any other
 * object's is one more reference. */
static void
test_ref_sink (void)
{
  g_autoptr(GPtrArray) floating_sites = NULL;
  g_autoptr(GPtrArray) plain_sites = NULL;
  GObject *floating, *plain;

  ledger_on (1);
  floating = ledger_make_floating ();
  g_assert_true (g_object_is_floating (floating));
  ledger_adopt (floating);
  g_assert_false (g_object_is_floating (floating));
  g_assert_cmpuint (refcount_of (floating), ==, 1);
  floating_sites = ouro_ledger_dup_sites (floating);
  print_sites (floating_sites);
  g_assert_cmpuint (floating_sites->len, ==, 1);
  g_assert_nonnull (find_site (floating_sites, "ref_sink", "ledger_adopt"));

  plain = ledger_make_object ();
  ledger_adopt (plain);
  g_assert_cmpuint (refcount_of (plain), ==, 2);
  plain_sites = ouro_ledger_dup_sites (plain);
  print_sites (plain_sites);
  g_assert_cmpuint (plain_sites->len, ==, 2);
  g_assert_nonnull (find_site (plain_sites, "new", "ledger_make_object"));
  g_assert_nonnull (find_site (plain_sites, "ref_sink", "ledger_adopt"));

  g_object_unref (floating);
  g_object_unref (plain);
  g_object_unref (plain);
  ouro_ledger_disable ();
}

/* The creation site outlives the creation's reference: an object made in
 * ledger_make_object, its first reference dropped once another took
 * over, is still said to be made there, until it is finalized; a snapshot
 * with the site function counts it by that site. */
static const char *
ledger_site_func (gpointer         object,
                  const OuroClass *klass,
                  gpointer         user_data)
{
  return ouro_ledger_creation_site (object);
}

static void
test_creation_site (void)
{
  GObject *object, *other;
  const char *site;
  g_autoptr(OuroSnapshot) snapshot = NULL;

  ledger_on (1);
  object = ledger_make_object ();
  ledger_adopt (object);               /* a second reference */
  g_object_unref (object);             /* the creation's goes */
  ouro_ledger_sync ();
  site = ouro_ledger_creation_site (object);
  g_test_message ("creation site: %s", site);
  g_assert_nonnull (site);
  g_assert_true (frame_names (site, "ledger_make_object"));
  g_assert_true (site == ouro_ledger_creation_site (object));   /* interned */

  ouro_set_site_func (ledger_site_func, NULL);
  snapshot = ouro_snapshot_take ();
  ouro_set_site_func (NULL, NULL);
  g_assert_cmpuint (ouro_snapshot_get_site_count (snapshot, "GObject", site), >=, 1);

  g_object_unref (object);
  other = ledger_make_object ();       /* perhaps at the same address */
  ouro_ledger_sync ();
  g_assert_true (frame_names (ouro_ledger_creation_site (other), "ledger_make_object"));
  g_object_unref (other);
  ouro_ledger_sync ();
  g_assert_null (ouro_ledger_creation_site (other));

  /* Not kept when not asked for. */
  ouro_ledger_disable ();
  ouro_ledger_keep_creation_sites (FALSE);
  ledger_on (1);
  object = ledger_make_object ();
  ouro_ledger_sync ();
  g_assert_null (ouro_ledger_creation_site (object));
  g_object_unref (object);
  ouro_ledger_disable ();
  ouro_ledger_keep_creation_sites (TRUE);
}

/* Another library's references are seen (libgio calls g_object_ref
 * through its PLT), attributed to the program's function that called the
 * library, and released by the GSequence's destroy notify in libglib (R3);
 * libgobject's own (a GValue holding the object) are not seen, and are
 * left unattributed. */
static void
test_other_libraries (void)
{
  g_autoptr(GPtrArray) held = NULL;
  g_autoptr(GPtrArray) released = NULL;
  GValue value = G_VALUE_INIT;
  const OuroLedgerSite *site;
  GListStore *store;
  GObject *object;

  ledger_on (1);
  object = ledger_make_object ();
  store = g_list_store_new (G_TYPE_OBJECT);
  ledger_store_append (store, object);
  g_value_init (&value, G_TYPE_OBJECT);
  g_value_set_object (&value, object);
  g_assert_cmpuint (refcount_of (object), ==, 3);

  held = ouro_ledger_dup_sites (object);
  print_sites (held);
  g_assert_cmpuint (count_records (held), ==, 2);
  site = find_site (held, "new", "ledger_make_object");
  g_assert_nonnull (site);
  g_assert_null (site->frames[1]);
  g_assert_cmpint (site->program_frame, ==, 0);
  /* Taken inside libgio on the program's behalf: the innermost frame is
   * libgio's (the pairing policy goes by it), the site's program frame
   * the program's function that called it, and nothing further out. */
  site = find_site (held, "ref", "g_list_store_append");
  g_assert_nonnull (site);
  g_assert_nonnull (strstr (site->frames[0], "libgio-2.0.so"));
  g_assert_cmpint (site->program_frame, ==, 1);
  g_assert_cmpuint (g_strv_length (site->frames), ==, 2);
  g_assert_true (frame_names (site->frames[1], "ledger_store_append"));

  g_value_unset (&value);
  g_object_unref (store);
  g_assert_cmpuint (refcount_of (object), ==, 1);
  released = ouro_ledger_dup_sites (object);
  print_sites (released);
  g_assert_cmpuint (released->len, ==, 1);
  g_assert_nonnull (find_site (released, "new", "ledger_make_object"));
  g_object_unref (object);
  ouro_ledger_disable ();
}

/* In a report, the program's line is the site and the library's frame is
 * how the reference was taken. */
static void
test_library_ref_in_report (void)
{
  g_autoptr(OuroReport) report = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  GPtrArray *array, *copy;
  GObject *object;

  ledger_on (1);
  object = g_object_new (G_TYPE_OBJECT, NULL);
  array = g_ptr_array_new ();
  g_ptr_array_add (array, object);
  copy = ledger_copy_refs (array);
  g_ptr_array_unref (array);
  g_object_unref (object);
  g_assert_cmpuint (refcount_of (object), ==, 1);

  report = ouro_scan (OURO_SCAN_LIVE_SUMMARY);
  text = ouro_report_to_text (report);
  json = ouro_report_to_json (report);
  g_test_message ("%s", text);
  g_assert_true (g_regex_match_simple ("1 ref at ledger_copy_refs[ +].* via g_ptr_array_copy[ +]",
                                          text, 0, 0));
  g_assert_true (g_regex_match_simple ("\"frames\": \\[ \"g_ptr_array_copy[^\"]*\", "
                                          "\"ledger_copy_refs[^\"]*\" \\], \"program_frame\": 1",
                                          json, 0, 0));

  g_ptr_array_set_free_func (copy, g_object_unref);
  g_ptr_array_unref (copy);
  ouro_ledger_disable ();
}

/* ---- threads ---------------------------------------------------------- */

#define HOLD_THREADS 4
#define HOLD_REFS    1000

/* The thread tests synchronise with pthread mutexes and conditions, which
 * ThreadSanitizer sees (GLib's futex-based GMutex and GCond it does not). */
typedef struct {
  GObject        *object;
  pthread_mutex_t lock;
  pthread_cond_t  cond;
  guint           n_holding;
  gboolean        release;
} HoldData;

void ledger_hold_refs (GObject *object, guint n);
void ledger_drop_refs (GObject *object, guint n);

G_GNUC_NO_INLINE void
ledger_hold_refs (GObject *object,
                  guint    n)
{
  for (guint i = 0; i < n; i++)
    g_object_ref (object);
  ledger_test_sink_touch ();
}

G_GNUC_NO_INLINE void
ledger_drop_refs (GObject *object,
                  guint    n)
{
  for (guint i = 0; i < n; i++)
    g_object_unref (object);
  ledger_test_sink_touch ();
}

/* Takes HOLD_REFS references, says so, waits for the word, drops them. */
static gpointer
hold_thread (gpointer user_data)
{
  HoldData *data = user_data;

  ledger_hold_refs (data->object, HOLD_REFS);
  pthread_mutex_lock (&data->lock);
  data->n_holding++;
  pthread_cond_broadcast (&data->cond);
  while (!data->release)
    pthread_cond_wait (&data->cond, &data->lock);
  pthread_mutex_unlock (&data->lock);
  ledger_drop_refs (data->object, HOLD_REFS);
  return NULL;
}

/* Live threads' events are applied (their buffers frozen) when the main
 * thread asks; exiting threads apply their own. */
static void
test_threads_apply (void)
{
  HoldData data = { 0, };
  GThread *threads[HOLD_THREADS];
  g_autoptr(GPtrArray) held = NULL;
  g_autoptr(GPtrArray) after = NULL;
  const OuroLedgerSite *site;

  ledger_on (1);
  data.object = g_object_new (G_TYPE_OBJECT, NULL);
  pthread_mutex_init (&data.lock, NULL);
  pthread_cond_init (&data.cond, NULL);
  for (guint t = 0; t < HOLD_THREADS; t++)
    threads[t] = g_thread_new ("hold", hold_thread, &data);
  pthread_mutex_lock (&data.lock);
  while (data.n_holding < HOLD_THREADS)
    pthread_cond_wait (&data.cond, &data.lock);
  pthread_mutex_unlock (&data.lock);

  /* The four threads are alive, their references in their buffers. */
  held = ouro_ledger_dup_sites (data.object);
  print_sites (held);
  g_assert_cmpuint (count_records (held), ==, HOLD_THREADS * HOLD_REFS + 1);
  site = find_site (held, "ref", "ledger_hold_refs");
  g_assert_nonnull (site);
  g_assert_cmpuint (site->count, ==, HOLD_THREADS * HOLD_REFS);
  g_assert_nonnull (find_site (held, "new", "test_threads_apply"));

  pthread_mutex_lock (&data.lock);
  data.release = TRUE;
  pthread_cond_broadcast (&data.cond);
  pthread_mutex_unlock (&data.lock);
  for (guint t = 0; t < HOLD_THREADS; t++)
    g_thread_join (threads[t]);

  g_assert_cmpuint (refcount_of (data.object), ==, 1);
  after = ouro_ledger_dup_sites (data.object);
  print_sites (after);
  g_assert_cmpuint (count_records (after), ==, 1);

  g_object_unref (data.object);
  pthread_mutex_destroy (&data.lock);
  pthread_cond_destroy (&data.cond);
  ouro_ledger_disable ();
}

#define STRESS_THREADS    4
#define STRESS_ITERATIONS 100000

typedef struct {
  GObject *shared;
  gint     stop_syncing;
} StressData;

/* Each round: a ref of the shared object and of its own, released in the
 * other order, so that most events reach the table, not only R0. */
static gpointer
stress_thread (gpointer user_data)
{
  StressData *data = user_data;
  GObject *own = g_object_new (G_TYPE_OBJECT, NULL);

  for (guint i = 0; i < STRESS_ITERATIONS; i++)
    {
      g_object_ref (data->shared);
      g_object_ref (own);
      g_object_unref (data->shared);
      g_object_unref (own);
    }
  g_object_unref (own);
  return NULL;
}

static void
test_threads_stress (void)
{
  StressData data = { 0, };
  GThread *threads[STRESS_THREADS];
  g_autoptr(GPtrArray) sites = NULL;
  OuroLedgerStats before, after;
  guint syncs = 0;

  ledger_on (1);
  ouro_ledger_get_stats (&before);
  data.shared = ledger_make_object ();
  for (guint t = 0; t < STRESS_THREADS; t++)
    threads[t] = g_thread_new ("stress", stress_thread, &data);
  /* Freeze and apply the live threads' buffers while they run. */
  while (refcount_of (data.shared) > 0 && syncs < 200)
    {
      g_autoptr(GPtrArray) during = ouro_ledger_dup_sites (data.shared);

      g_assert_cmpuint (count_records (during), <=, 1 + STRESS_THREADS);
      syncs++;
      g_usleep (500);
    }
  for (guint t = 0; t < STRESS_THREADS; t++)
    g_thread_join (threads[t]);

  g_assert_cmpuint (refcount_of (data.shared), ==, 1);
  sites = ouro_ledger_dup_sites (data.shared);
  print_sites (sites);
  g_assert_cmpuint (count_records (sites), ==, 1);
  g_assert_nonnull (find_site (sites, "new", "ledger_make_object"));
  ouro_ledger_get_stats (&after);
  g_test_message ("%u syncs; %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " cancelled, %"
                  G_GUINT64_FORMAT " paired, %" G_GUINT64_FORMAT " unmatched",
                  syncs, after.events - before.events, after.cancelled - before.cancelled,
                  after.paired - before.paired, after.unmatched - before.unmatched);
  g_assert_cmpuint (after.events - before.events, >=, (guint64) STRESS_THREADS * STRESS_ITERATIONS * 4);
  g_assert_cmpuint (after.unmatched, ==, before.unmatched);
  g_object_unref (data.shared);
  ouro_ledger_disable ();
}

/* ---- address reuse ---------------------------------------------------- */

typedef struct {
  GObject        *object;
  pthread_mutex_t lock;
  pthread_cond_t  cond;
  gboolean        recorded;
  gboolean        exit;
} ReuseData;

/* Takes references of the object without a sync, then waits: its events
 * stay in its buffer until it exits or another thread applies them. */
static gpointer
reuse_thread (gpointer user_data)
{
  ReuseData *data = user_data;

  ledger_hold_refs (data->object, 3);
  pthread_mutex_lock (&data->lock);
  data->recorded = TRUE;
  pthread_cond_broadcast (&data->cond);
  while (!data->exit)
    pthread_cond_wait (&data->cond, &data->lock);
  pthread_mutex_unlock (&data->lock);
  return NULL;
}

static void
test_address_reuse (void)
{
  ReuseData data = { 0, };
  GPtrArray *others = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) sites = NULL;
  OuroLedgerStats before, after;
  GObject *reborn = NULL;
  gpointer address;
  GThread *thread;

  ledger_on (1);
  pthread_mutex_init (&data.lock, NULL);
  pthread_cond_init (&data.cond, NULL);
  data.object = g_object_new (G_TYPE_OBJECT, NULL);
  ledger_take_ref (data.object);   /* a record that must not survive */
  address = data.object;
  thread = g_thread_new ("reuse", reuse_thread, &data);
  pthread_mutex_lock (&data.lock);
  while (!data.recorded)
    pthread_cond_wait (&data.cond, &data.lock);
  pthread_mutex_unlock (&data.lock);

  /* The main thread drops the thread's references and its own: the
   * object is finalized while the thread's refs are still in its buffer,
   * so they are stale when applied. */
  ouro_ledger_get_stats (&before);
  ledger_drop_refs (data.object, 3);
  g_object_unref (data.object);
  g_object_unref (data.object);
  for (guint i = 0; i < 100000 && reborn == NULL; i++)
    {
      GObject *object = ledger_make_object ();

      if ((gpointer) object == address)
        reborn = object;
      else
        g_ptr_array_add (others, object);
    }
  g_ptr_array_unref (others);
  if (reborn == NULL)
    {
      g_test_skip ("the allocator never gave the address back");
      goto out;
    }

  /* The thread's events are applied now: after the rebirth. */
  sites = ouro_ledger_dup_sites (reborn);
  print_sites (sites);
  g_assert_cmpuint (sites->len, ==, 1);
  g_assert_cmpuint (count_records (sites), ==, 1);
  g_assert_nonnull (find_site (sites, "new", "ledger_make_object"));
  ouro_ledger_get_stats (&after);
  g_assert_cmpuint (after.stale - before.stale, ==, 3);
  g_object_unref (reborn);

out:
  pthread_mutex_lock (&data.lock);
  data.exit = TRUE;
  pthread_cond_broadcast (&data.cond);
  pthread_mutex_unlock (&data.lock);
  g_thread_join (thread);
  pthread_mutex_destroy (&data.lock);
  pthread_cond_destroy (&data.cond);
  ouro_ledger_disable ();
}

/* Objects created and finalized by the thousand leave finalized entries
 * behind, which are swept: the table stays small, live objects keep their
 * records. */
static void
test_churn_is_swept (void)
{
  GObject *kept[100];
  OuroLedgerStats stats;

  ledger_on (1);
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      kept[i] = ledger_make_object ();
      ledger_take_ref (kept[i]);
    }
  /* Batches, so that the addresses are many (one reused address would
   * keep one entry). */
  for (guint round = 0; round < 10; round++)
    {
      GObject *batch[5000];

      for (guint i = 0; i < G_N_ELEMENTS (batch); i++)
        batch[i] = ledger_make_object ();
      for (guint i = 0; i < G_N_ELEMENTS (batch); i++)
        g_object_unref (batch[i]);
    }

  ouro_ledger_sync ();
  ouro_ledger_get_stats (&stats);
  g_test_message ("%u objects, %u records, %" G_GSIZE_FORMAT " bytes of table",
                  stats.n_objects, stats.n_records, stats.table_bytes);
  g_assert_cmpuint (stats.n_objects, ==, G_N_ELEMENTS (kept));
  g_assert_cmpuint (stats.n_records, ==, 2 * G_N_ELEMENTS (kept));
  /* At most LEDGER_SWEEP_MIN finalized entries and the live ones, at a
   * load of 3/4 or less, in 64-byte entries. */
  g_assert_cmpuint (stats.table_bytes, <=, 64 * 16384);
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autoptr(GPtrArray) sites = ouro_ledger_dup_sites (kept[i]);

      g_assert_cmpuint (count_records (sites), ==, 2);
      g_assert_nonnull (find_site (sites, "ref", "ledger_take_ref"));
      g_object_unref (kept[i]);
      g_object_unref (kept[i]);
    }
  ouro_ledger_disable ();
}

/* ---- stacks ----------------------------------------------------------- */

static void
test_backtrace_depth (void)
{
  static const char *const chain[] = {
    "ledger_chain_4", "ledger_chain_3", "ledger_chain_2", "ledger_chain_1",
  };
  g_autoptr(GPtrArray) sites = NULL;
  const OuroLedgerSite *site;
  GObject *object;
  OuroLedgerStats stats;

  ledger_on (4);
  object = g_object_new (G_TYPE_OBJECT, NULL);
  ledger_chain_1 (object);

  sites = ouro_ledger_dup_sites (object);
  print_sites (sites);
  g_assert_cmpuint (sites->len, ==, 2);
  site = find_site (sites, "ref", "ledger_chain_4");
  g_assert_nonnull (site);
  g_assert_cmpuint (g_strv_length (site->frames), ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
    g_assert_true (frame_names (site->frames[i], chain[i]));
  g_assert_cmpint (site->program_frame, ==, 0);
  site = find_site (sites, "new", "test_backtrace_depth");
  g_assert_nonnull (site);
  g_assert_cmpuint (g_strv_length (site->frames), >=, 2);
  ouro_ledger_get_stats (&stats);
  g_assert_cmpuint (stats.n_stacks, >=, 2);

  g_object_unref (object);
  g_object_unref (object);
  ouro_ledger_disable ();
}

/* ---- sanitizers ------------------------------------------------------- */

/* Sanitizer runtimes without LLVM's 2023 fix (GCC 12's among them)
 * misread a dynamic TLS block that malloc placed 16 bytes past a page
 * boundary, and LeakSanitizer's tracer crashed at exit on the range they
 * made up, once in many runs (ouro-gobject-ledger-symbols.c).  So, in a
 * sanitizer build, taking stacks must leave this thread no TLS block in
 * the sanitizer's heap, as the dlopen'd libunwind's was: checked here on
 * every run, wherever the block happens to land. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
# define LEDGER_TEST_SANITIZER 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) \
     || __has_feature(memory_sanitizer)
#  define LEDGER_TEST_SANITIZER 1
# endif
#endif

#ifdef LEDGER_TEST_SANITIZER
/* From sanitizer/allocator_interface.h, which GCC does not install. */
extern int __sanitizer_get_ownership (const volatile void *p);

static int
count_heap_tls (struct dl_phdr_info *info,
                size_t               size,
                void                *data)
{
  if (info->dlpi_tls_modid != 0 && info->dlpi_tls_data != NULL
      && __sanitizer_get_ownership (info->dlpi_tls_data))
    {
      g_test_message ("%s: this thread's TLS block %p is a heap block", info->dlpi_name,
                      info->dlpi_tls_data);
      (*(guint *) data)++;
    }
  return 0;
}
#endif

static void
test_no_heap_tls_under_sanitizers (void)
{
#ifdef LEDGER_TEST_SANITIZER
  GObject *object;
  guint n_heap_tls = 0;

  ledger_on (4);
  object = g_object_new (G_TYPE_OBJECT, NULL);
  ledger_chain_1 (object);
  dl_iterate_phdr (count_heap_tls, &n_heap_tls);
  g_assert_cmpuint (n_heap_tls, ==, 0);
  g_object_unref (object);
  g_object_unref (object);
  ouro_ledger_disable ();
#else
  g_test_skip ("not a sanitizer build");
#endif
}

/* ---- off, errors, statistics ------------------------------------------ */

static void
test_disabled_records_nothing (void)
{
  OuroLedgerStats before, after;
  GObject *object;

  ouro_ledger_disable ();
  g_assert_false (ouro_ledger_is_enabled ());
  ouro_ledger_get_stats (&before);
  object = ledger_make_object ();
  ledger_take_ref (object);
  ledger_temporary_use (object);
  g_assert_cmpuint (refcount_of (object), ==, 2);
  g_assert_null (ouro_ledger_dup_sites (object));
  g_object_unref (object);
  g_object_unref (object);
  ouro_ledger_get_stats (&after);
  g_assert_cmpuint (after.events, ==, before.events);
  g_assert_cmpuint (after.n_records, ==, 0);
}

static void
test_enable_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_false (ouro_ledger_enable (0, &error));
  g_assert_error (error, OURO_LEDGER_ERROR, OURO_LEDGER_ERROR_INVALID_DEPTH);
  g_clear_error (&error);
  g_assert_false (ouro_ledger_enable (OURO_LEDGER_MAX_DEPTH + 1, &error));
  g_assert_error (error, OURO_LEDGER_ERROR, OURO_LEDGER_ERROR_INVALID_DEPTH);
  g_clear_error (&error);

  ledger_on (2);
  ledger_on (2);   /* idempotent */
  g_assert_false (ouro_ledger_enable (1, &error));
  g_assert_error (error, OURO_LEDGER_ERROR, OURO_LEDGER_ERROR_ALREADY_ENABLED);
  text = ouro_ledger_describe_statistics ();
  g_assert_nonnull (strstr (text, "calls seen"));
  g_clear_pointer (&text, g_free);

  /* Calls still in this thread's buffer are counted too. */
  {
    OuroLedgerStats before;
    GObject *object;

    ouro_ledger_get_stats (&before);
    object = g_object_new (G_TYPE_OBJECT, NULL);
    text = ouro_ledger_describe_statistics ();
    g_assert_cmpuint (g_ascii_strtoull (text, NULL, 10), >, before.events);
    g_object_unref (object);
  }
  ouro_ledger_disable ();
}

/* ---- in a report ------------------------------------------------------ */

/* The object is held by a reference no edge explains: the live summary
 * lists it with the site of that reference. */
static void
test_explain_in_report (void)
{
  g_autoptr(OuroReport) report = NULL;
  g_autofree char *text = NULL;
  GObject *object;

  ledger_on (1);
  object = g_object_new (G_TYPE_OBJECT, NULL);
  ledger_stash_reference (object);
  g_object_unref (object);

  report = ouro_scan (OURO_SCAN_LIVE_SUMMARY);
  text = ouro_report_to_text (report);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "ledger_stash_reference"));

  g_clear_object (&ledger_stash);
  ouro_ledger_disable ();
}

/* A library call site (return address and caller's frame) that keeps
 * finding no program frame is unwound once in 64 calls after 8 misses in
 * a row; a found program frame starts the count again, and another site,
 * or the same code called from another frame, is not affected. */
static void
test_site_miss_cache (void)
{
  const guintptr site = (guintptr) test_site_miss_cache + 0x11;
  const guintptr other = (guintptr) test_site_miss_cache + 0x23;
  guint unwound = 0;

  ouro_ledger_sites_reset ();
  for (guint i = 0; i < 8; i++)
    {
      g_assert_true (ouro_ledger_site_should_unwind (site, 0x7ffc1000));
      ouro_ledger_site_note_unwound (site, 0x7ffc1000, FALSE);
    }
  for (guint i = 0; i < 640; i++)
    if (ouro_ledger_site_should_unwind (site, 0x7ffc1000))
      {
        unwound++;
        ouro_ledger_site_note_unwound (site, 0x7ffc1000, FALSE);
      }
  g_assert_cmpuint (unwound, ==, 10);
  g_assert_true (ouro_ledger_site_should_unwind (other, 0x7ffc1000));
  /* The same code reached from elsewhere on the stack is another site. */
  g_assert_true (ouro_ledger_site_should_unwind (site, 0x7ffc2000));

  /* A recheck that finds the program: unwound every time again. */
  while (!ouro_ledger_site_should_unwind (site, 0x7ffc1000))
    ;
  ouro_ledger_site_note_unwound (site, 0x7ffc1000, TRUE);
  for (guint i = 0; i < 7; i++)
    {
      g_assert_true (ouro_ledger_site_should_unwind (site, 0x7ffc1000));
      ouro_ledger_site_note_unwound (site, 0x7ffc1000, FALSE);
    }
  g_assert_true (ouro_ledger_site_should_unwind (site, 0x7ffc1000));
  ouro_ledger_sites_reset ();
}

/* ---- paths out to the program, remembered ----------------------------- */

/* A path is taken again only while every frame of it is still on the
 * stack, at the same place: changing one word of it is another path. */
static void
test_path_remembered (void)
{
  guintptr stack[64] = { 0, };
  const guintptr site = (guintptr) test_path_remembered + 0x11;
  const guintptr path[4] = { site, site + 0x100, site + 0x200, site + 0x300 };
  guintptr frame = (guintptr) &stack[0], found[OURO_LEDGER_ATTRIBUTE_DEPTH];

  ouro_ledger_paths_reset (TRUE);
  stack[3] = path[1];
  stack[10] = path[2];
  stack[20] = path[3];
  g_assert_cmpuint (ouro_ledger_path_find (site, frame, found), ==, 0);
  ouro_ledger_path_learn (site, frame, path, 4);
  g_assert_cmpuint (ouro_ledger_path_find (site, frame, found), ==, 4);
  g_assert_cmpmem (found, 4 * sizeof (guintptr), path, 4 * sizeof (guintptr));

  /* Another caller two frames out: the same site and frame, another path. */
  stack[10] = path[2] + 8;
  g_assert_cmpuint (ouro_ledger_path_find (site, frame, found), ==, 0);
  stack[10] = path[2];
  g_assert_cmpuint (ouro_ledger_path_find (site, frame, found), ==, 4);
  /* The same code reached from elsewhere on the stack. */
  g_assert_cmpuint (ouro_ledger_path_find (site, frame + 16, found), ==, 0);

  /* A path whose frames are not all on the stack is not remembered.  The
   * search reads the whole stack above, uninitialised words too, which
   * memcheck would report (the ledger does not use paths under it). */
  if (!RUNNING_ON_VALGRIND)
    {
      ouro_ledger_paths_reset (TRUE);
      stack[20] = 0;
      ouro_ledger_path_learn (site, frame, path, 4);
      stack[20] = path[3];
      g_assert_cmpuint (ouro_ledger_path_find (site, frame, found), ==, 0);
    }

  /* Off (no libunwind): nothing is remembered or found.  (The next
   * ouro_ledger_enable () sets it as it finds libunwind.) */
  ouro_ledger_paths_reset (FALSE);
  ouro_ledger_path_learn (site, frame, path, 4);
  g_assert_cmpuint (ouro_ledger_path_find (site, frame, found), ==, 0);
}

GPtrArray *ledger_copy_refs_here  (GPtrArray *array);
GPtrArray *ledger_copy_refs_there (GPtrArray *array);

/* Twins: the same code (noipa: never merged into one), so the same stack
 * frame; called from one place, GLib's frames under them are at the same
 * depths, and only the return address into one or the other tells their
 * paths apart. */
__attribute__ ((noipa)) GPtrArray *
ledger_copy_refs_here (GPtrArray *array)
{
  GPtrArray *copy = g_ptr_array_copy (array, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  ledger_test_sink_touch ();
  return copy;
}

__attribute__ ((noipa)) GPtrArray *
ledger_copy_refs_there (GPtrArray *array)
{
  GPtrArray *copy = g_ptr_array_copy (array, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  ledger_test_sink_touch ();
  return copy;
}

/* The program frame of @object's outstanding g_object_ref, symbolised. */
static char *
ledger_ref_program_frame (gpointer object)
{
  g_autoptr(GPtrArray) sites = ouro_ledger_dup_sites (object);

  for (guint i = 0; i < sites->len; i++)
    {
      const OuroLedgerSite *site = g_ptr_array_index (sites, i);

      if (g_str_equal (site->kind, "ref") && site->program_frame >= 0)
        return g_strdup (site->frames[site->program_frame]);
    }
  return NULL;
}

/* References GLib takes for two program functions that reach it along
 * paths differing only in the program's frame, one after the other and
 * interleaved: each is attributed to its own function, whether the path
 * was unwound or remembered. */
static void
test_path_twins_attributed (void)
{
  GObject *objects[24];
  GPtrArray *copies[G_N_ELEMENTS (objects)];

  ledger_on (1);
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      GPtrArray *(*copy) (GPtrArray *) = i < 10 || i % 3 == 0 ? ledger_copy_refs_here
                                                               : ledger_copy_refs_there;
      GPtrArray *array = g_ptr_array_new ();

      objects[i] = g_object_new (G_TYPE_OBJECT, NULL);
      g_ptr_array_add (array, objects[i]);
      copies[i] = copy (array);
      g_ptr_array_unref (array);
    }
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      g_autofree char *frame = ledger_ref_program_frame (objects[i]);
      const char *expected = i < 10 || i % 3 == 0 ? "ledger_copy_refs_here" : "ledger_copy_refs_there";

      g_test_message ("object %u: %s", i, frame);
      g_assert_nonnull (frame);
      g_assert_true (g_str_has_prefix (frame, expected));
    }
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      g_ptr_array_set_free_func (copies[i], g_object_unref);
      g_ptr_array_unref (copies[i]);
      g_object_unref (objects[i]);
    }
  ouro_ledger_disable ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ouro_gobject_init ();

  g_test_add_func ("/gobject-ledger/bound-callback-in-init", test_bound_callback_in_init);
  g_test_add_func ("/gobject-ledger/ref-after-new-in-one-frame", test_ref_after_new_in_one_frame);
  g_test_add_func ("/gobject-ledger/temporary-pairs-cancel", test_temporary_pairs_cancel);
  g_test_add_func ("/gobject-ledger/ref-here-unref-there", test_ref_here_unref_there);
  g_test_add_func ("/gobject-ledger/clear-object-in-dispose", test_clear_object_in_dispose);
  g_test_add_func ("/gobject-ledger/ref-sink", test_ref_sink);
  g_test_add_func ("/gobject-ledger/creation-site", test_creation_site);
  g_test_add_func ("/gobject-ledger/other-libraries", test_other_libraries);
  g_test_add_func ("/gobject-ledger/library-ref-in-report", test_library_ref_in_report);
  g_test_add_func ("/gobject-ledger/threads-apply", test_threads_apply);
  g_test_add_func ("/gobject-ledger/threads-stress", test_threads_stress);
  g_test_add_func ("/gobject-ledger/address-reuse", test_address_reuse);
  g_test_add_func ("/gobject-ledger/churn-is-swept", test_churn_is_swept);
  g_test_add_func ("/gobject-ledger/backtrace-depth", test_backtrace_depth);
  g_test_add_func ("/gobject-ledger/no-heap-tls-under-sanitizers", test_no_heap_tls_under_sanitizers);
  g_test_add_func ("/gobject-ledger/disabled-records-nothing", test_disabled_records_nothing);
  g_test_add_func ("/gobject-ledger/enable-errors", test_enable_errors);
  g_test_add_func ("/gobject-ledger/explain-in-report", test_explain_in_report);
  g_test_add_func ("/gobject-ledger/site-miss-cache", test_site_miss_cache);
  g_test_add_func ("/gobject-ledger/path-remembered", test_path_remembered);
  g_test_add_func ("/gobject-ledger/path-twins-attributed", test_path_twins_attributed);

  return g_test_run ();
}
