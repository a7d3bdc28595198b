/* test-gobject-describe.c — describing GObjects never runs application
 * code under Ouro's lock: property getters run after the scan released
 * it, never on an object with a toggle reference, never on one that
 * ouro_collect () is disposing.
 *
 * Each case failed before describe was split in two halves: a getter that
 * creates a GObject made the registry refuse the track (a critical), a
 * getter that takes an application mutex deadlocked against a thread that
 * held it while creating a GObject, and a toggle-referenced object had
 * its binding's toggle notify called by g_object_get ().
 */
#include <ouro-gobject.h>

#include <pthread.h>
#include <string.h>

/* ---- a type whose "title" getter is application code ----------------- */

typedef enum {
  GETTER_PLAIN,
  GETTER_CREATES_OBJECT,   /* a temporary GObject, as a getter may */
  GETTER_TAKES_MUTEX,      /* the application's own lock */
} GetterMode;

static GetterMode getter_mode;
/* pthread, not GMutex: ThreadSanitizer sees these. */
static pthread_mutex_t app_mutex = PTHREAD_MUTEX_INITIALIZER;
static guint      getter_calls;
static gboolean   getter_saw_disposing;

typedef struct { GObject parent; char *title; gboolean disposing; } Panel;
typedef struct { GObjectClass parent_class; } PanelClass;
static GType panel_get_type (void);
G_DEFINE_TYPE (Panel, panel, G_TYPE_OBJECT)

static void
panel_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  Panel *self = (Panel *) object;

  g_atomic_int_inc (&getter_calls);
  if (self->disposing)
    getter_saw_disposing = TRUE;
  switch (getter_mode)
    {
    case GETTER_CREATES_OBJECT:
      g_object_unref (g_object_new (G_TYPE_OBJECT, NULL));
      break;
    case GETTER_TAKES_MUTEX:
      pthread_mutex_lock (&app_mutex);
      pthread_mutex_unlock (&app_mutex);
      break;
    case GETTER_PLAIN:
    default:
      break;
    }
  g_value_set_string (value, self->title);
}

static void
panel_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  g_free (((Panel *) object)->title);
  ((Panel *) object)->title = g_value_dup_string (value);
}

/* The scan a dispose may run (a dispose that logs what is alive): it
 * lists this object as held from outside, since collect holds it. */
static gboolean panel_scan_in_dispose;

static void
panel_dispose (GObject *object)
{
  Panel *self = (Panel *) object;

  self->disposing = TRUE;
  if (panel_scan_in_dispose)
    ouro_report_free (ouro_scan (OURO_SCAN_LIVE_SUMMARY));
  g_clear_pointer (&self->title, g_free);
  G_OBJECT_CLASS (panel_parent_class)->dispose (object);
  /* Disposed now, not being disposed: its getters may run again. */
  self->disposing = FALSE;
}

static void
panel_class_init (PanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = panel_get_property;
  object_class->set_property = panel_set_property;
  object_class->dispose = panel_dispose;
  g_object_class_install_property (object_class, 1,
    g_param_spec_string ("title", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}
static void panel_init (Panel *self) { }

/* A plain GObject with a "name" property, no GTK at all. */
typedef struct { GObject parent; char *name; } Named;
typedef struct { GObjectClass parent_class; } NamedClass;
static GType named_get_type (void);
G_DEFINE_TYPE (Named, named, G_TYPE_OBJECT)
static void
named_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  g_value_set_string (value, ((Named *) object)->name);
}
static void
named_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  g_free (((Named *) object)->name);
  ((Named *) object)->name = g_value_dup_string (value);
}
static void
named_finalize (GObject *object)
{
  g_free (((Named *) object)->name);
  G_OBJECT_CLASS (named_parent_class)->finalize (object);
}
static void
named_class_init (NamedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = named_get_property;
  object_class->set_property = named_set_property;
  object_class->finalize = named_finalize;
  g_object_class_install_property (object_class, 1,
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}
static void named_init (Named *self) { }

/* The text of a scan that lists every live object held from outside. */
static char *
scan_summary_text (void)
{
  OuroReport *report = ouro_scan (OURO_SCAN_LIVE_SUMMARY);
  char *text = ouro_report_to_text (report);

  ouro_report_free (report);
  return text;
}

/* ---- the cases --------------------------------------------------------- */

/* A report still names objects by their properties, read late. */
static void
test_names_in_reports (void)
{
  GObject *panel = g_object_new (panel_get_type (), "title", "Budget 2026", NULL);
  GObject *named = g_object_new (named_get_type (), "name", "inbox", NULL);
  char *text;

  getter_mode = GETTER_PLAIN;
  text = scan_summary_text ();
  g_assert_nonnull (strstr (text, "Panel 0x"));
  g_assert_nonnull (strstr (text, "title=\"Budget 2026\""));
  /* A plain GObject's "name" property: the README promises it. */
  g_assert_nonnull (strstr (text, "name=\"inbox\""));
  g_free (text);

  g_object_unref (panel);
  g_object_unref (named);
}

static void
test_getter_creates_object_subprocess (void)
{
  GObject *panel = g_object_new (panel_get_type (), "title", "temporary", NULL);
  char *text;

  getter_mode = GETTER_CREATES_OBJECT;
  getter_calls = 0;
  text = scan_summary_text ();
  g_assert_cmpuint (getter_calls, >=, 1);
  g_assert_nonnull (strstr (text, "title=\"temporary\""));
  g_free (text);
  g_object_unref (panel);
}

/* Criticals are fatal in a GTest program: a track refused from inside the
 * scan would kill the subprocess. */
static void
test_getter_creates_object (void)
{
  g_test_trap_subprocess ("/gobject-describe/getter-creates-object/subprocess", 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*inside a scan*");
}

/* A thread holds the application's mutex and creates a GObject (which
 * tracks it, so it waits for a scan in progress); the scan's describe must
 * not wait for that mutex. */
typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t  cond;
  gboolean        scanning;
  gboolean        thread_has_mutex;
} MutexRace;

static MutexRace mutex_race = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, FALSE, FALSE };

static gpointer
mutex_race_thread (gpointer data)
{
  pthread_mutex_lock (&app_mutex);
  pthread_mutex_lock (&mutex_race.lock);
  mutex_race.thread_has_mutex = TRUE;
  pthread_cond_broadcast (&mutex_race.cond);
  while (!mutex_race.scanning)
    pthread_cond_wait (&mutex_race.cond, &mutex_race.lock);
  pthread_mutex_unlock (&mutex_race.lock);
  /* Waits for the registry while the scan holds it. */
  g_object_unref (g_object_new (G_TYPE_OBJECT, NULL));
  pthread_mutex_unlock (&app_mutex);
  return NULL;
}

/* Registered on Panel: runs inside the scan, under the registry lock, and
 * gives the thread time to block on it. */
static void
mutex_race_traverse (GObject      *object,
                     OuroVisitFunc visit,
                     gpointer      user_data)
{
  pthread_mutex_lock (&mutex_race.lock);
  if (!mutex_race.scanning)
    {
      mutex_race.scanning = TRUE;
      pthread_cond_broadcast (&mutex_race.cond);
      pthread_mutex_unlock (&mutex_race.lock);
      g_usleep (50 * 1000);
      return;
    }
  pthread_mutex_unlock (&mutex_race.lock);
}

static void
test_getter_takes_mutex_subprocess (void)
{
  GObject *panel = g_object_new (panel_get_type (), "title", "locked", NULL);
  GThread *thread;
  char *text;

  getter_mode = GETTER_TAKES_MUTEX;
  ouro_gobject_add_traverse (panel_get_type (), mutex_race_traverse);
  thread = g_thread_new ("app", mutex_race_thread, NULL);
  pthread_mutex_lock (&mutex_race.lock);
  while (!mutex_race.thread_has_mutex)
    pthread_cond_wait (&mutex_race.cond, &mutex_race.lock);
  pthread_mutex_unlock (&mutex_race.lock);

  text = scan_summary_text ();
  g_thread_join (thread);
  g_assert_nonnull (strstr (text, "title=\"locked\""));
  g_free (text);
  g_object_unref (panel);
}

/* A deadlock shows as the subprocess timing out. */
static void
test_getter_takes_mutex (void)
{
  g_test_trap_subprocess ("/gobject-describe/getter-takes-mutex/subprocess", 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static guint toggle_notifies;

static void
count_toggle_notify (gpointer data, GObject *object, gboolean is_last_ref)
{
  toggle_notifies++;
}

/* A language binding answers a toggle-referenced object's getters, and
 * its toggle notify must not be called by a scan (PyGObject's, after the
 * interpreter finalized, crashed every program at exit). */
static void
test_toggle_ref_untouched (void)
{
  GObject *panel = g_object_new (panel_get_type (), "title", "wrapped", NULL);
  char *text;

  getter_mode = GETTER_PLAIN;
  getter_calls = 0;
  g_object_add_toggle_ref (panel, count_toggle_notify, NULL);
  g_object_unref (panel);   /* only the toggle reference is left: notified */
  toggle_notifies = 0;

  text = scan_summary_text ();
  g_assert_cmpuint (toggle_notifies, ==, 0);
  g_assert_cmpuint (getter_calls, ==, 0);
  g_assert_nonnull (strstr (text, "[toggle ref: held by a language binding]"));
  g_assert_null (strstr (text, "title=\"wrapped\""));
  g_free (text);

  g_object_remove_toggle_ref (panel, count_toggle_notify, NULL);
}

/* A dispose run by ouro_collect () that scans: the object being disposed
 * is listed (collect holds it) but its getters are not called. */
static void
test_collect_disposing_untouched (void)
{
  Panel *a = g_object_new (panel_get_type (), "title", "a", NULL);
  Panel *b = g_object_new (panel_get_type (), "title", "b", NULL);

  getter_mode = GETTER_PLAIN;
  getter_saw_disposing = FALSE;
  /* a and b hold each other through qdata: a garbage cycle. */
  g_object_set_data_full (G_OBJECT (a), "peer", g_object_ref (b), g_object_unref);
  g_object_set_data_full (G_OBJECT (b), "peer", g_object_ref (a), g_object_unref);
  g_object_unref (a);
  g_object_unref (b);

  panel_scan_in_dispose = TRUE;
  g_assert_cmpuint (ouro_collect (), ==, 2);
  panel_scan_in_dispose = FALSE;
  g_assert_false (getter_saw_disposing);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ouro_gobject_init ();

  g_test_add_func ("/gobject-describe/names-in-reports", test_names_in_reports);
  g_test_add_func ("/gobject-describe/getter-creates-object", test_getter_creates_object);
  g_test_add_func ("/gobject-describe/getter-creates-object/subprocess",
                   test_getter_creates_object_subprocess);
  g_test_add_func ("/gobject-describe/getter-takes-mutex", test_getter_takes_mutex);
  g_test_add_func ("/gobject-describe/getter-takes-mutex/subprocess",
                   test_getter_takes_mutex_subprocess);
  g_test_add_func ("/gobject-describe/toggle-ref-untouched", test_toggle_ref_untouched);
  g_test_add_func ("/gobject-describe/collect-disposing-untouched",
                   test_collect_disposing_untouched);

  return g_test_run ();
}
