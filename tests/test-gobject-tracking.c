/* test-gobject-tracking.c — every GObject tracked from construction to
 * finalization once ouro_gobject_init () ran, classes initialised before
 * it included; the one hole (constructed without chain-up) reported; the
 * GObject OuroClass: refcount, type name, describe, toggle references,
 * collect through dispose.
 */
#include "test-node.h"

#include <ouro-gobject.h>
#include "ouro-gobject-private.h"
#include <gio/gio.h>

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test-valgrind.h"

/* Under AddressSanitizer, ThreadSanitizer or memcheck, reading freed
 * memory is reported as the error it is, even when the code reading it
 * survives it. */
static gboolean
running_under_memory_checker (void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return TRUE;
#elif defined(__has_feature)
# if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return TRUE;
# endif
#endif
  return RUNNING_ON_VALGRIND != 0;
}

/* ---- test types ------------------------------------------------------- */

/* Initialised before ouro_gobject_init (): its class must be patched. */
typedef struct { GObject parent; GObject *peer; } EarlyObject;
typedef struct { GObjectClass parent_class; } EarlyObjectClass;
static GType early_object_get_type (void);
G_DEFINE_TYPE (EarlyObject, early_object, G_TYPE_OBJECT)

static void
early_object_dispose (GObject *object)
{
  g_clear_object (&((EarlyObject *) object)->peer);
  G_OBJECT_CLASS (early_object_parent_class)->dispose (object);
}

static void early_object_class_init (EarlyObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = early_object_dispose;
}
static void early_object_init (EarlyObject *self) { }

/* A subclass of a class initialised early, itself initialised after. */
typedef struct { EarlyObject parent; } LateObject;
typedef struct { EarlyObjectClass parent_class; } LateObjectClass;
static GType late_object_get_type (void);
G_DEFINE_TYPE (LateObject, late_object, early_object_get_type ())
static void late_object_class_init (LateObjectClass *klass) { }
static void late_object_init (LateObject *self) { }

/* Overrides constructed and finalize, chaining up: tracked as usual. */
static gboolean chained_finalized;
typedef struct { GObject parent; } Chained;
typedef struct { GObjectClass parent_class; } ChainedClass;
static GType chained_get_type (void);
G_DEFINE_TYPE (Chained, chained, G_TYPE_OBJECT)
static void
chained_constructed (GObject *object)
{
  G_OBJECT_CLASS (chained_parent_class)->constructed (object);
}
static void
chained_finalize (GObject *object)
{
  g_assert_true (ouro_is_tracked (object));   /* untracked last, by GObject's own finalize */
  chained_finalized = TRUE;
  G_OBJECT_CLASS (chained_parent_class)->finalize (object);
}
static void chained_class_init (ChainedClass *klass)
{
  G_OBJECT_CLASS (klass)->constructed = chained_constructed;
  G_OBJECT_CLASS (klass)->finalize = chained_finalize;
}
static void chained_init (Chained *self) { }

/* The hole: constructed never chains up. */
typedef struct { GObject parent; } Unchained;
typedef struct { GObjectClass parent_class; } UnchainedClass;
static GType unchained_get_type (void);
G_DEFINE_TYPE (Unchained, unchained, G_TYPE_OBJECT)
static void unchained_constructed (GObject *object) { }
static void unchained_class_init (UnchainedClass *klass)
{
  G_OBJECT_CLASS (klass)->constructed = unchained_constructed;
}
static void unchained_init (Unchained *self) { }

/* Has a "title": describe shows it. */
typedef struct { GObject parent; char *title; } Titled;
typedef struct { GObjectClass parent_class; } TitledClass;
static GType titled_get_type (void);
G_DEFINE_TYPE (Titled, titled, G_TYPE_OBJECT)
static void
titled_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  g_value_set_string (value, ((Titled *) object)->title);
}
static void
titled_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  g_free (((Titled *) object)->title);
  ((Titled *) object)->title = g_value_dup_string (value);
}
static void
titled_finalize (GObject *object)
{
  g_free (((Titled *) object)->title);
  G_OBJECT_CLASS (titled_parent_class)->finalize (object);
}
static void titled_class_init (TitledClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->get_property = titled_get_property;
  object_class->set_property = titled_set_property;
  object_class->finalize = titled_finalize;
  g_object_class_install_property (object_class, 1,
    g_param_spec_string ("title", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}
static void titled_init (Titled *self) { }

static GObject *early_instance;   /* created before ouro_gobject_init () */

/* ---- tests ------------------------------------------------------------ */

static void
test_tracks_new_objects (void)
{
  guint before = ouro_get_n_tracked ();
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *late = g_object_new (late_object_get_type (), NULL);
  GObject *early = g_object_new (early_object_get_type (), NULL);
  GObject *chained = g_object_new (chained_get_type (), NULL);

  g_assert_true (ouro_is_tracked (object));
  g_assert_true (ouro_is_tracked (late));
  g_assert_true (ouro_is_tracked (early));
  g_assert_true (ouro_is_tracked (chained));
  g_assert_cmpuint (ouro_get_n_tracked (), ==, before + 4);

  g_object_unref (object);
  g_object_unref (late);
  g_object_unref (early);
  chained_finalized = FALSE;
  g_object_unref (chained);
  g_assert_true (chained_finalized);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, before);
}

static void
test_init_is_idempotent (void)
{
  guint before = ouro_get_n_tracked ();
  GObject *object;

  ouro_gobject_init ();
  ouro_gobject_init ();
  object = g_object_new (G_TYPE_OBJECT, NULL);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, before + 1);
  g_object_unref (object);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, before);
}

/* An object from before init is not tracked until asked, then untracked
 * at finalization like any other. */
static void
test_track_existing (void)
{
  guint before = ouro_get_n_tracked ();

  g_assert_false (ouro_is_tracked (early_instance));
  ouro_gobject_track (early_instance);
  g_assert_true (ouro_is_tracked (early_instance));
  g_assert_cmpuint (ouro_get_n_tracked (), ==, before + 1);
  g_clear_object (&early_instance);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, before);
}

static void
test_track_misuse_subprocess (void)
{
  gpointer zeroed[4] = { NULL, };
  GParamSpec *pspec = g_param_spec_int ("n", NULL, NULL, 0, 1, 0, G_PARAM_READABLE);

  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Ouro", G_LOG_FATAL_MASK);
  ouro_gobject_track (NULL);
  ouro_gobject_track (zeroed);
  ouro_gobject_track (pspec);   /* a GTypeInstance, not a GObject */
  g_assert_false (ouro_is_tracked (zeroed));
  g_assert_false (ouro_is_tracked (pspec));
  g_param_spec_unref (pspec);
  g_print ("host still running\n");
}

static void
test_track_misuse (void)
{
  g_test_trap_subprocess ("/gobject-tracking/track-misuse/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*host still running*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_gobject_track*G_IS_OBJECT*");
}

/* A freed GObject: GLib clears its class pointer before it frees it, but
 * the allocator may write over it.  Seen here: the small object's first
 * word read as not a GObject, the big one's held glibc's bookkeeping
 * (its own address >> 12, safe-linking's mangled NULL), unreadable as a
 * class pointer.  The big one asks for malloc's mmap threshold, lowered
 * for it, so that it may be unmapped instead.  Either way: a critical,
 * no crash. */
typedef struct { GObject parent; guint8 payload[32 * 1024]; } BigObject;
typedef struct { GObjectClass parent_class; } BigObjectClass;
static GType big_object_get_type (void);
G_DEFINE_TYPE (BigObject, big_object, G_TYPE_OBJECT)
static void big_object_class_init (BigObjectClass *klass) { }
static void big_object_init (BigObject *self) { }

static void
test_track_freed_subprocess (void)
{
  GObject *small, *big;
  gpointer small_address, big_address;

  g_assert_cmpint (mallopt (M_MMAP_THRESHOLD, 16 * 1024), ==, 1);
  small = g_object_new (G_TYPE_OBJECT, NULL);
  big = g_object_new (big_object_get_type (), NULL);
  small_address = small;
  big_address = big;

  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Ouro", G_LOG_FATAL_MASK);
  g_object_unref (small);
  g_object_unref (big);
  g_assert_false (ouro_is_tracked (small_address));
  g_assert_false (ouro_is_tracked (big_address));

  ouro_gobject_track (small_address);
  ouro_gobject_track (big_address);
  g_assert_false (ouro_is_tracked (small_address));
  g_assert_false (ouro_is_tracked (big_address));
  g_print ("host still running\n");
}

static void
test_track_freed (void)
{
  if (running_under_memory_checker ())
    {
      g_test_skip ("reads freed memory on purpose");
      return;
    }
  g_test_trap_subprocess ("/gobject-tracking/track-freed/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*host still running*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_gobject_track*CRITICAL*ouro_gobject_track*");
}

/* Pointers that are not objects at all: the pointer, or its first word
 * (the class pointer), points to memory that cannot be read.  The
 * critical says so, and nothing is read through them.
 *
 * The unreadable page is mapped PROT_NONE rather than unmapped: an
 * unmapped address is soon mapped again (the first critical's own
 * allocations did, and the next case then read whatever came there). */
static void
test_track_wild_subprocess (void)
{
  long page_size = sysconf (_SC_PAGESIZE);
  guint8 *unreadable;
  gpointer fake[4] = { NULL, };

  unreadable = mmap (NULL, page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (unreadable != MAP_FAILED);

  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Ouro", G_LOG_FATAL_MASK);

  /* The object pointer itself. */
  ouro_gobject_track (unreadable);
  ouro_gobject_track (GSIZE_TO_POINTER (0x1));
  ouro_gobject_track (GSIZE_TO_POINTER (G_GUINT64_CONSTANT (0xffff800000000000)));
  /* Its class pointer: unreadable, small, non-canonical. */
  fake[0] = unreadable + 64;
  ouro_gobject_track (fake);
  fake[0] = GSIZE_TO_POINTER (0x10);
  ouro_gobject_track (fake);
  fake[0] = GSIZE_TO_POINTER (G_GUINT64_CONSTANT (0xdeadbeefdeadbeef));
  ouro_gobject_track (fake);

  g_assert_false (ouro_is_tracked (unreadable));
  g_assert_false (ouro_is_tracked (fake));
  g_assert_cmpuint (ouro_get_n_tracked (), ==, 0);
  munmap (unreadable, page_size);
  g_print ("host still running\n");
}

static void
test_track_wild (void)
{
  g_test_trap_subprocess ("/gobject-tracking/track-wild/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*host still running*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_gobject_track: 0x*is not a GObject: it is not readable memory*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_gobject_track: 0x*is not a GObject: its class pointer 0x10 is not "
                             "readable memory*");
  g_test_trap_assert_stderr ("*its class pointer 0xdeadbeefdeadbeef is not readable*");
}

/* A class that overrides constructed and never chains up is tracked all
 * the same, when its objects are created (the g_object_new family is
 * interposed); types that chain up are left to the constructed hook. */
static void
test_unchained_constructed_is_tracked (void)
{
  GObject *unchained = g_object_new (unchained_get_type (), NULL);
  GObject *chained = g_object_new (chained_get_type (), NULL);

  g_assert_true (ouro_is_tracked (unchained));
  g_assert_true (ouro_gobject_type_tracked_at_creation (unchained_get_type ()));
  g_assert_true (ouro_is_tracked (chained));
  g_assert_false (ouro_gobject_type_tracked_at_creation (chained_get_type ()));
  g_object_unref (unchained);
  g_object_unref (chained);
  g_assert_false (ouro_is_tracked (unchained));
}

/* The GLib and GIO types of Debian 12 (GLib 2.74) whose constructed does
 * not chain up, found by creating every instantiable GObject type of
 * GLib, GIO and GTK 4.8 and checking whether the hook tracked it (GTK's
 * GtkApplication, a GApplication, is in test-gobject-gtk.c; GBinding,
 * which libgobject creates itself, in the edge tests): each is tracked
 * now, and freed from the registry when it is finalized. */
static void
test_library_types_without_chain_up (void)
{
  g_autoptr(GError) error = NULL;
  GObject *socket = G_OBJECT (g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_DEFAULT, &error));
  GObject *application = G_OBJECT (g_application_new ("org.example.Ouro", G_APPLICATION_NON_UNIQUE));

  g_assert_no_error (error);
  g_assert_true (ouro_is_tracked (socket));
  g_assert_true (ouro_gobject_type_tracked_at_creation (G_TYPE_SOCKET));
  g_assert_true (ouro_is_tracked (application));
  g_assert_true (ouro_gobject_type_tracked_at_creation (G_TYPE_APPLICATION));
  g_object_unref (socket);
  g_object_unref (application);
  g_assert_false (ouro_is_tracked (socket));
  g_assert_false (ouro_is_tracked (application));
}

/* An object the glue never saw being made (libgobject made it, or it came
 * before ouro_gobject_init ()): the hole is named once per type when a
 * scan meets such an object held by a tracked one. */
static void
test_unchained_constructed_is_reported (void)
{
  EarlyObject *holder = g_object_new (early_object_get_type (), NULL);
  GObject *unchained = g_object_new (unchained_get_type (), NULL);
  OuroReport *report;

  ouro_untrack (unchained);   /* as if made out of sight */
  g_assert_false (ouro_is_tracked (unchained));
  holder->peer = unchained;

  g_test_expect_message ("Ouro", G_LOG_LEVEL_MESSAGE,
                         "*a Unchained * is held by a tracked object but is not tracked*"
                         "Unchained or a parent class overrides GObjectClass.constructed*");
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_test_assert_expected_messages ();
  ouro_report_free (report);

  /* Once per type. */
  report = ouro_scan (OURO_SCAN_GARBAGE);
  ouro_report_free (report);

  /* The fallback works. */
  ouro_gobject_track (unchained);
  g_assert_true (ouro_is_tracked (unchained));
  g_object_unref (holder);
  g_assert_false (ouro_is_tracked (unchained));
}

static void
test_class_basics (void)
{
  const OuroClass *klass = ouro_gobject_class ();
  GObject *titled = g_object_new (titled_get_type (), "title", "Budget 2026", NULL);
  char *description;

  g_assert_nonnull (klass);
  g_assert_cmpstr (klass->name, ==, "GObject");
  g_assert_cmpuint (klass->get_refcount (titled), ==, 1);
  g_object_ref (titled);
  g_assert_cmpuint (klass->get_refcount (titled), ==, 2);
  g_object_unref (titled);
  g_assert_cmpstr (klass->get_type_name (titled), ==, "Titled");
  g_assert_cmpuint (klass->get_size (titled), ==, sizeof (Titled));

  /* The getter runs in the late half, which the core calls with no lock
   * held; describe itself never calls it. */
  description = klass->describe (titled);
  g_assert_true (g_str_has_prefix (description, "Titled 0x"));
  g_assert_null (strstr (description, "title="));
  g_free (description);
  description = klass->describe_late (titled);
  g_assert_cmpstr (description, ==, "title=\"Budget 2026\"");
  g_free (description);

  g_object_unref (titled);
}

static void
toggle_notify (gpointer data, GObject *object, gboolean is_last_ref)
{
}

/* A language binding's toggle reference keeps an object, and what it
 * reaches, live; describe names it. */
static void
test_toggle_ref (void)
{
  EarlyObject *a = g_object_new (early_object_get_type (), NULL);
  EarlyObject *b = g_object_new (early_object_get_type (), NULL);
  OuroReport *report;
  char *description;

  a->peer = g_object_ref (G_OBJECT (b));
  b->peer = g_object_ref (G_OBJECT (a));
  g_object_add_toggle_ref (G_OBJECT (a), toggle_notify, NULL);
  g_object_unref (a);   /* only the toggle reference is left, and b's */
  g_object_unref (b);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  ouro_report_free (report);
  description = ouro_gobject_class ()->describe (a);
  g_assert_nonnull (strstr (description, "[toggle ref: held by a language binding]"));
  g_free (description);

  g_object_remove_toggle_ref (G_OBJECT (a), toggle_notify, NULL);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  ouro_report_free (report);
  g_assert_cmpuint (ouro_collect (), ==, 2);
}

static void
weak_notify_count (gpointer data, GObject *where_the_object_was)
{
  (*(guint *) data)++;
}

/* ouro_collect () disposes garbage GObjects (refs held around it), which
 * drops their references and finalizes them; live objects are untouched. */
static void
test_collect_disposes (void)
{
  EarlyObject *a = g_object_new (early_object_get_type (), NULL);
  EarlyObject *b = g_object_new (early_object_get_type (), NULL);
  EarlyObject *live = g_object_new (early_object_get_type (), NULL);
  guint before = ouro_get_n_tracked ();
  guint finalized = 0;

  a->peer = g_object_ref (G_OBJECT (b));
  b->peer = g_object_ref (G_OBJECT (a));
  live->peer = g_object_ref (G_OBJECT (live));   /* held by the test too */
  g_object_weak_ref (G_OBJECT (a), weak_notify_count, &finalized);
  g_object_weak_ref (G_OBJECT (b), weak_notify_count, &finalized);
  g_object_unref (a);
  g_object_unref (b);

  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (finalized, ==, 2);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, before - 2);
  g_assert_true (live->peer == G_OBJECT (live));

  g_clear_object (&live->peer);
  g_object_unref (live);
}

static gpointer
thread_churn (gpointer data)
{
  for (guint i = 0; i < 20000; i++)
    {
      GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
      g_assert_true (ouro_is_tracked (object));
      g_object_unref (object);
    }
  return NULL;
}

static void
test_threads (void)
{
  guint before = ouro_get_n_tracked ();
  GThread *threads[3];

  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    threads[t] = g_thread_new ("churn", thread_churn, NULL);
  for (guint i = 0; i < 10; i++)
    {
      OuroReport *report = ouro_scan (OURO_SCAN_GARBAGE);
      g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
      ouro_report_free (report);
    }
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
  g_assert_cmpuint (ouro_get_n_tracked (), ==, before);
}

/* Types the program registered (this test executable) are its own; GIO's
 * are not.  Reports list the program's own roots first, however many of
 * the library's come before them in tracking order, and the headline
 * counts them instead of saying "no leaks". */
static void
test_own_objects_first (void)
{
  GPtrArray *library = g_ptr_array_new_with_free_func (g_object_unref);
  GObject *own;
  OuroReport *report, *loaded;
  char *text, *json;
  GError *error = NULL;

  g_assert_false (ouro_gobject_type_is_own (G_TYPE_LIST_STORE));
  g_assert_false (ouro_gobject_type_is_own (G_TYPE_OBJECT));
  g_assert_true (ouro_gobject_type_is_own (titled_get_type ()));

  /* More library roots than a report lists, then one of the program's. */
  for (guint i = 0; i < 1100; i++)
    g_ptr_array_add (library, g_list_store_new (G_TYPE_OBJECT));
  own = g_object_new (titled_get_type (), "title", "mine", NULL);

  report = ouro_scan (OURO_SCAN_LIVE_SUMMARY);
  g_assert_cmpuint (ouro_report_get_n_own_roots (report), >=, 1);
  g_assert_true (ouro_report_get_root_object (report, 0) == (gpointer) own);
  g_assert_true (ouro_report_root_is_own (report, 0));
  g_assert_false (ouro_report_root_is_own (report, ouro_report_get_n_own_roots (report)));
  g_assert_cmpstr (ouro_report_get_alive_type (report, 0, NULL), ==, "Titled");

  text = ouro_report_to_text (report);
  g_assert_true (g_str_has_prefix (text, "ouro: no garbage cycles among "));
  g_assert_nonnull (strstr (text, "of the program's own"));
  g_free (text);

  /* Kept in JSON, read back. */
  json = ouro_report_to_json (report);
  g_assert_nonnull (strstr (json, "\"own\": true"));
  loaded = ouro_report_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ouro_report_get_n_own_roots (loaded), ==, ouro_report_get_n_own_roots (report));
  g_assert_true (ouro_report_root_is_own (loaded, 0));
  ouro_report_free (loaded);
  g_free (json);
  ouro_report_free (report);

  g_object_unref (own);
  g_ptr_array_unref (library);
}

/* A snapshot's size of a GObject: its instance struct and every private
 * struct, its own and its parent's. */
typedef struct { GObject parent_instance; double a[3]; } SizedParent;
typedef struct { GObjectClass parent_class; } SizedParentClass;
typedef struct { char name[40]; } SizedParentPrivate;
static GType sized_parent_get_type (void);
G_DEFINE_TYPE_WITH_PRIVATE (SizedParent, sized_parent, G_TYPE_OBJECT)
static void sized_parent_class_init (SizedParentClass *klass) { }
static void sized_parent_init (SizedParent *self) { }

typedef struct { SizedParent parent_instance; gpointer b; } SizedChild;
typedef struct { SizedParentClass parent_class; } SizedChildClass;
typedef struct { gint64 c[5]; } SizedChildPrivate;
static GType sized_child_get_type (void);
G_DEFINE_TYPE_WITH_PRIVATE (SizedChild, sized_child, sized_parent_get_type ())
static void sized_child_class_init (SizedChildClass *klass) { }
static void sized_child_init (SizedChild *self) { }

static void
test_snapshot_sizes (void)
{
  GObject *parents[2] = { g_object_new (sized_parent_get_type (), NULL),
                          g_object_new (sized_parent_get_type (), NULL) };
  GObject *child = g_object_new (sized_child_get_type (), NULL);
  g_autoptr(OuroSnapshot) snapshot = ouro_snapshot_take ();
  gsize parent_size = sizeof (SizedParent) + sizeof (SizedParentPrivate);
  gsize child_size = sizeof (SizedChild) + sizeof (SizedParentPrivate) + sizeof (SizedChildPrivate);

  /* GLib aligns each private struct: at least the structs, at most 16
   * bytes more each. */
  g_assert_cmpuint (ouro_snapshot_get_size (snapshot, "SizedParent"), >=, 2 * parent_size);
  g_assert_cmpuint (ouro_snapshot_get_size (snapshot, "SizedParent"), <=, 2 * (parent_size + 16));
  g_assert_cmpuint (ouro_snapshot_get_size (snapshot, "SizedChild"), >=, child_size);
  g_assert_cmpuint (ouro_snapshot_get_size (snapshot, "SizedChild"), <=, child_size + 32);
  g_assert_cmpuint (ouro_snapshot_get_count (snapshot, "SizedChild"), ==, 1);

  g_object_unref (parents[0]);
  g_object_unref (parents[1]);
  g_object_unref (child);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* Before init: a class initialised and an object created. */
  early_instance = g_object_new (early_object_get_type (), NULL);
  ouro_gobject_init ();
  OURO_GOBJECT_ADD_FIELD (early_object_get_type (), EarlyObject, peer);

  g_test_add_func ("/gobject-tracking/tracks-new-objects", test_tracks_new_objects);
  g_test_add_func ("/gobject-tracking/snapshot-sizes", test_snapshot_sizes);
  g_test_add_func ("/gobject-tracking/init-is-idempotent", test_init_is_idempotent);
  g_test_add_func ("/gobject-tracking/track-existing", test_track_existing);
  g_test_add_func ("/gobject-tracking/track-misuse", test_track_misuse);
  g_test_add_func ("/gobject-tracking/track-misuse/subprocess", test_track_misuse_subprocess);
  g_test_add_func ("/gobject-tracking/track-freed", test_track_freed);
  g_test_add_func ("/gobject-tracking/track-freed/subprocess", test_track_freed_subprocess);
  g_test_add_func ("/gobject-tracking/track-wild", test_track_wild);
  g_test_add_func ("/gobject-tracking/track-wild/subprocess", test_track_wild_subprocess);
  g_test_add_func ("/gobject-tracking/unchained-constructed-tracked", test_unchained_constructed_is_tracked);
  g_test_add_func ("/gobject-tracking/library-types-without-chain-up", test_library_types_without_chain_up);
  g_test_add_func ("/gobject-tracking/unchained-constructed", test_unchained_constructed_is_reported);
  g_test_add_func ("/gobject-tracking/class-basics", test_class_basics);
  g_test_add_func ("/gobject-tracking/toggle-ref", test_toggle_ref);
  g_test_add_func ("/gobject-tracking/own-objects-first", test_own_objects_first);
  g_test_add_func ("/gobject-tracking/collect-disposes", test_collect_disposes);
  g_test_add_func ("/gobject-tracking/threads", test_threads);

  return g_test_run ();
}
