/* test-gobject-holders.c — what holds objects beyond plain fields and
 * handlers: GBindings (their transform data and closures, and the joint
 * reference their source and target hold on them), and the holders from
 * outside the graph that explain roots (main-context sources, pending
 * GTasks, toggle references).  Leaky and clean twins: a binding cycle is
 * proven garbage and collectable, a clean binding never is, and no scan
 * ever finds an inconsistent object.
 */
#include <string.h>
#include <gio/gio.h>

#include "test-node.h"

#include <ouro-gobject.h>
#include "ouro-gobject-private.h"

/* ---- a test type with integer properties ------------------------------ */

typedef struct { GObject parent; int value; int level; } Gauge;
typedef struct { GObjectClass parent_class; } GaugeClass;
static GType gauge_get_type (void);
G_DEFINE_TYPE (Gauge, gauge, G_TYPE_OBJECT)

enum { GAUGE_PROP_VALUE = 1, GAUGE_PROP_LEVEL };

static void
gauge_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  Gauge *self = (Gauge *) object;

  g_value_set_int (value, id == GAUGE_PROP_VALUE ? self->value : self->level);
}

static void
gauge_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  Gauge *self = (Gauge *) object;

  if (id == GAUGE_PROP_VALUE)
    self->value = g_value_get_int (value);
  else
    self->level = g_value_get_int (value);
}

static void
gauge_class_init (GaugeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = gauge_get_property;
  object_class->set_property = gauge_set_property;
  g_object_class_install_property (object_class, GAUGE_PROP_VALUE,
    g_param_spec_int ("value", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, GAUGE_PROP_LEVEL,
    g_param_spec_int ("level", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void gauge_init (Gauge *self) { }

static void
weak_notify_count (gpointer data, GObject *where_the_object_was)
{
  (*(guint *) data)++;
}

static Gauge *
gauge_new_counted (guint *finalized)
{
  Gauge *gauge = g_object_new (gauge_get_type (), NULL);

  g_object_weak_ref (G_OBJECT (gauge), weak_notify_count, finalized);
  return gauge;
}

/* Doubles the value, and checks the data is what the binding was given. */
static gboolean
transform_double (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  g_assert_true (G_IS_OBJECT (user_data));
  g_value_set_int (to, 2 * g_value_get_int (from));
  return TRUE;
}

/* The same as a closure's callback: (binding, GValue *from, GValue *to). */
static gboolean
closure_double (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  g_assert_true (G_IS_OBJECT (user_data));
  g_value_set_int (to, 2 * g_value_get_int (from));
  return TRUE;
}

/* Scans with @flags; checks that nothing is inconsistent, and returns the
 * report (its text printed when verbose). */
static OuroReport *
scan_checked (OuroScanFlags flags)
{
  OuroReport *report = ouro_scan (flags);

  if (g_test_verbose ())
    {
      char *text = ouro_report_to_text (report);
      g_test_message ("%s", text);
      g_free (text);
    }
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  return report;
}

static void
expect_no_garbage (void)
{
  OuroReport *report = scan_checked (OURO_SCAN_GARBAGE);

  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  ouro_report_free (report);
}

/* Whether @report's root list holds @object. */
static gboolean
report_has_root (OuroReport *report, gpointer object)
{
  for (guint i = 0; i < ouro_report_get_n_roots (report); i++)
    if (ouro_report_get_root_object (report, i) == object)
      return TRUE;
  return FALSE;
}

/* ---- bindings ---------------------------------------------------------- */

/* A binding of an object to itself whose transform data is that object:
 * nothing can ever dispose it, so it never unbinds.  Proven garbage; the
 * transform data is the reference to make weak; collect frees it. */
static void
test_binding_self_cycle (void)
{
  guint finalized = 0, binding_finalized = 0;
  Gauge *gauge = gauge_new_counted (&finalized);
  GBinding *binding;
  OuroReport *report;
  guint from, to;
  const char *label;
  char *text;

  binding = g_object_bind_property_full (gauge, "value", gauge, "level", G_BINDING_DEFAULT,
                                         transform_double, NULL,
                                         g_object_ref (gauge), g_object_unref);
  g_assert_nonnull (binding);
  g_assert_true (ouro_is_tracked (binding));
  g_object_weak_ref (G_OBJECT (binding), weak_notify_count, &binding_finalized);

  /* The transform runs with the caller's data. */
  g_object_set (gauge, "value", 21, NULL);
  g_assert_cmpint (gauge->level, ==, 42);

  /* Held by the test: nothing is garbage, and the binding is no root. */
  report = scan_checked (OURO_SCAN_LIVE_SUMMARY);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_false (report_has_root (report, binding));
  ouro_report_free (report);

  g_object_unref (gauge);
  report = scan_checked (OURO_SCAN_GARBAGE);
  /* The gauge, its binding's link and the binding. */
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 3);
  g_assert_true (ouro_report_is_garbage (report, gauge));
  g_assert_true (ouro_report_is_garbage (report, binding));
  g_assert_true (ouro_report_get_cycle_weak_edge (report, 0, &from, &to, &label));
  g_assert_cmpstr (label, ==, "binding transform data");
  g_assert_true (ouro_report_get_cycle_object (report, 0, from) == (gpointer) binding);
  g_assert_true (ouro_report_get_cycle_object (report, 0, to) == (gpointer) gauge);
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "--[binding value->level: source and target]--> "));
  g_assert_nonnull (strstr (text, "GBinding link"));
  g_assert_nonnull (strstr (text, "--[binding]--> "));
  g_assert_nonnull (strstr (text, "the transform data of GBinding"));
  g_free (text);
  ouro_report_free (report);

  g_assert_cmpuint (ouro_collect (), ==, 3);
  g_assert_cmpuint (finalized, ==, 1);
  g_assert_cmpuint (binding_finalized, ==, 1);
  expect_no_garbage ();
}

/* Source and target distinct: the source holds the target (qdata), the
 * binding's data holds the source.  Garbage, all four (with the link).
 * The clean twin (no data) frees everything once dropped. */
static void
test_binding_source_target_cycle (void)
{
  guint finalized = 0, binding_finalized = 0;
  Gauge *source = gauge_new_counted (&finalized);
  Gauge *target = gauge_new_counted (&finalized);
  GBinding *binding;
  OuroReport *report;
  char *text;

  g_object_set_data_full (G_OBJECT (source), "view", target, g_object_unref);  /* takes target */
  binding = g_object_bind_property_full (source, "value", target, "level", G_BINDING_SYNC_CREATE,
                                         transform_double, NULL,
                                         g_object_ref (source), g_object_unref);
  g_object_weak_ref (G_OBJECT (binding), weak_notify_count, &binding_finalized);
  expect_no_garbage ();

  g_object_unref (source);
  report = scan_checked (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 4);
  g_assert_true (ouro_report_is_garbage (report, target));
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "--[binding value->level: source]--> "));
  g_assert_nonnull (strstr (text, "--[binding value->level: target]--> "));
  g_free (text);
  ouro_report_free (report);

  g_assert_cmpuint (ouro_collect (), ==, 4);
  g_assert_cmpuint (finalized, ==, 2);
  g_assert_cmpuint (binding_finalized, ==, 1);

  /* The clean twin: no transform data. */
  finalized = binding_finalized = 0;
  source = gauge_new_counted (&finalized);
  target = gauge_new_counted (&finalized);
  g_object_set_data_full (G_OBJECT (source), "view", target, g_object_unref);
  binding = g_object_bind_property (source, "value", target, "level", G_BINDING_BIDIRECTIONAL);
  g_object_weak_ref (G_OBJECT (binding), weak_notify_count, &binding_finalized);
  g_object_set (target, "level", 5, NULL);
  g_assert_cmpint (source->value, ==, 5);
  expect_no_garbage ();
  g_object_unref (source);
  g_assert_cmpuint (finalized, ==, 2);
  g_assert_cmpuint (binding_finalized, ==, 1);
  expect_no_garbage ();
}

/* The binding's data holds the source, and nothing else does, but the
 * target is held from outside: when the target goes the binding unbinds
 * and frees the source.  Not garbage meanwhile: the live target keeps the
 * link, and through it the binding and its data. */
static void
test_binding_live_target_keeps_it (void)
{
  guint finalized = 0;
  Gauge *source = gauge_new_counted (&finalized);
  Gauge *target = gauge_new_counted (&finalized);
  OuroReport *report;

  g_object_bind_property_full (source, "value", target, "level", G_BINDING_DEFAULT,
                               transform_double, NULL, g_object_ref (source), g_object_unref);
  g_object_unref (source);

  report = scan_checked (OURO_SCAN_LIVE_SUMMARY);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_true (report_has_root (report, target));
  g_assert_false (report_has_root (report, source));
  ouro_report_free (report);
  g_assert_cmpuint (ouro_collect (), ==, 0);
  g_assert_cmpuint (finalized, ==, 0);

  g_object_unref (target);
  g_assert_cmpuint (finalized, ==, 2);
  expect_no_garbage ();
}

/* A clean g_object_bind_property: never garbage, the binding explained
 * (no root), and it goes with its source. */
static void
test_binding_clean (void)
{
  guint finalized = 0, binding_finalized = 0;
  Gauge *source = gauge_new_counted (&finalized);
  Gauge *target = gauge_new_counted (&finalized);
  GBinding *binding = g_object_bind_property (source, "value", target, "level",
                                              G_BINDING_DEFAULT);
  OuroReport *report;

  g_object_weak_ref (G_OBJECT (binding), weak_notify_count, &binding_finalized);
  g_object_set (source, "value", 3, NULL);
  g_assert_cmpint (target->level, ==, 3);

  report = scan_checked (OURO_SCAN_LIVE_SUMMARY);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_false (report_has_root (report, binding));
  ouro_report_free (report);

  g_object_unref (source);
  g_assert_cmpuint (binding_finalized, ==, 1);
  expect_no_garbage ();
  g_object_unref (target);
  g_assert_cmpuint (finalized, ==, 2);
}

/* Unbinding drops the data, and with it the edge. */
static void
test_binding_unbind (void)
{
  guint finalized = 0;
  Gauge *gauge = gauge_new_counted (&finalized);
  GBinding *binding;

  binding = g_object_bind_property_full (gauge, "value", gauge, "level", G_BINDING_DEFAULT,
                                         transform_double, NULL,
                                         g_object_ref (gauge), g_object_unref);
  g_object_ref (binding);
  g_binding_unbind (binding);
  expect_no_garbage ();
  g_object_unref (binding);
  g_object_unref (gauge);
  g_assert_cmpuint (finalized, ==, 1);
  expect_no_garbage ();
}

/* g_object_bind_property_with_closures: a closure that holds the object
 * closes the same cycle; one the program holds too keeps it live. */
static void
test_binding_closures (void)
{
  guint finalized = 0;
  Gauge *gauge = gauge_new_counted (&finalized);
  GClosure *closure = g_cclosure_new (G_CALLBACK (closure_double), g_object_ref (gauge),
                                      (GClosureNotify) g_object_unref);
  GBinding *binding;
  OuroReport *report;
  char *text;

  g_closure_ref (closure);    /* the program's own */
  binding = g_object_bind_property_with_closures (gauge, "value", gauge, "level",
                                                  G_BINDING_DEFAULT, closure, NULL);
  g_assert_nonnull (binding);
  g_object_set (gauge, "value", 4, NULL);
  g_assert_cmpint (gauge->level, ==, 8);
  g_object_unref (gauge);

  /* The program's reference on the closure is outside: live. */
  expect_no_garbage ();
  g_assert_cmpuint (ouro_collect (), ==, 0);

  g_closure_unref (closure);
  report = scan_checked (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 3);
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "--[binding transform closure data]--> "));
  g_free (text);
  ouro_report_free (report);
  g_assert_cmpuint (ouro_collect (), ==, 3);
  g_assert_cmpuint (finalized, ==, 1);

  /* One closure both ways: two references, a node of its own. */
  finalized = 0;
  gauge = gauge_new_counted (&finalized);
  closure = g_cclosure_new (G_CALLBACK (closure_double), g_object_ref (gauge),
                            (GClosureNotify) g_object_unref);
  g_object_bind_property_with_closures (gauge, "value", gauge, "level",
                                        G_BINDING_BIDIRECTIONAL, closure, closure);
  expect_no_garbage ();
  g_object_unref (gauge);
  report = scan_checked (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 4);
  g_assert_true (ouro_report_is_garbage (report, closure));
  ouro_report_free (report);
  g_assert_cmpuint (ouro_collect (), ==, 4);
  g_assert_cmpuint (finalized, ==, 1);
}

/* ---- holders: main-context sources, toggle references ----------------- */

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Exported (the test links with export_dynamic), so dladdr names it: code
 * of the Gauge type adding a source that holds its own gauge. */
guint gauge_start_ticking (Gauge *self);

guint
gauge_start_ticking (Gauge *self)
{
  guint id = g_timeout_add_full (G_PRIORITY_DEFAULT, 100, tick, g_object_ref (self),
                                 g_object_unref);

  /* Not a tail call: the return address must be in this function. */
  g_assert_cmpuint (id, !=, 0);
  return id;
}

/* Scans with the live summary; returns its text, after checking that
 * nothing is garbage or inconsistent and that the JSON form reads back
 * into the same text. */
static char *
scan_summary_text (void)
{
  OuroReport *report = scan_checked (OURO_SCAN_LIVE_SUMMARY);
  char *text = ouro_report_to_text (report);
  char *json = ouro_report_to_json (report);
  GError *error = NULL;
  OuroReport *loaded = ouro_report_new_from_json (json, -1, &error);
  char *loaded_text;

  g_assert_no_error (error);
  loaded_text = ouro_report_to_text (loaded);
  g_assert_cmpstr (loaded_text, ==, text);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_free (loaded_text);
  ouro_report_free (loaded);
  g_free (json);
  ouro_report_free (report);
  return text;
}

/* A timeout source holding its own object: a root explained by the
 * source, its interval and the code that added it, flagged as a likely
 * leak; removing the source removes the explanation. */
static void
test_holder_timeout (void)
{
  guint finalized = 0;
  Gauge *gauge = gauge_new_counted (&finalized);
  guint id = gauge_start_ticking (gauge);
  char *text;

  text = scan_summary_text ();
  g_assert_nonnull (strstr (text, "held by: timeout source (100 ms, default main context), "
                                  "added at gauge_start_ticking"));
  g_assert_nonnull (strstr (text, "likely leak: a source holding its own object keeps it "
                                  "alive forever unless removed"));
  g_free (text);

  /* The test's own reference stays: the gauge is still a root, held by
   * nothing the glue knows of. */
  g_source_remove (id);
  text = scan_summary_text ();
  g_assert_null (strstr (text, "held by:"));
  g_free (text);
  g_assert_cmpuint (finalized, ==, 0);
  g_object_unref (gauge);
  g_assert_cmpuint (finalized, ==, 1);
}

static void
task_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
  g_object_unref (user_data);   /* the reference passed as user data */
}

/* A pending GTask names both what it holds: its source object (a gauge),
 * and the user data its caller passed (another gauge, by reference); once
 * the task completes and is freed, neither is named. */
static void
test_holder_task (void)
{
  guint finalized = 0;
  Gauge *source = gauge_new_counted (&finalized);
  Gauge *data = gauge_new_counted (&finalized);
  GTask *task = g_task_new (source, NULL, task_done, g_object_ref (data));
  char *text, *expected;

  g_task_set_source_tag (task, test_holder_task);
  text = scan_summary_text ();
  /* In process, functions are named from the dynamic symbol table: this
   * test's static ones are not (under `ouro run` the ledger names them). */
  expected = g_strdup_printf ("held by: GTask %p (pending): its source object", task);
  g_assert_nonnull (strstr (text, expected));
  g_free (expected);
  expected = g_strdup_printf ("held by: user data of a pending call on Gauge %p (GTask %p)",
                              source, task);
  g_assert_nonnull (strstr (text, expected));
  g_free (expected);
  g_free (text);

  /* Completed: the callback ran and dropped the data's reference. */
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  text = scan_summary_text ();
  g_assert_null (strstr (text, "GTask"));
  g_assert_null (strstr (text, "pending call"));
  g_free (text);
  g_object_unref (source);
  g_object_unref (data);
  g_assert_cmpuint (finalized, ==, 2);
}

/* Two sources with the same data, an idle and one made by hand on another
 * context: each is named while it holds, and no longer once removed. */
static void
test_holder_sources_shared_data (void)
{
  guint finalized = 0;
  Gauge *gauge = gauge_new_counted (&finalized);
  GMainContext *context = g_main_context_new ();
  GSource *source = g_timeout_source_new_seconds (3);
  guint idle_id;
  char *text;

  idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, tick, g_object_ref (gauge), g_object_unref);
  g_source_set_name (source, "poller");
  g_source_set_callback (source, tick, g_object_ref (gauge), g_object_unref);
  g_source_attach (source, context);
  g_object_unref (gauge);

  text = scan_summary_text ();
  g_assert_nonnull (strstr (text, "held by: idle source (default main context), added at "));
  g_assert_nonnull (strstr (text, "held by: source \"poller\" (another main context), added at "));
  /* Added by the test's code, not Gauge's. */
  g_assert_null (strstr (text, "likely leak"));
  g_free (text);

  g_source_remove (idle_id);
  text = scan_summary_text ();
  g_assert_null (strstr (text, "idle source"));
  g_assert_nonnull (strstr (text, "source \"poller\""));
  g_free (text);

  /* Replacing the callback lets go of the gauge. */
  g_source_set_callback (source, tick, NULL, NULL);
  g_assert_cmpuint (finalized, ==, 1);
  text = scan_summary_text ();
  g_assert_null (strstr (text, "held by:"));
  g_free (text);

  g_source_destroy (source);
  g_source_unref (source);
  g_main_context_unref (context);
}

static void
toggle_notify (gpointer data, GObject *object, gboolean is_last_ref)
{
}

/* A toggle reference: the object is held by a language binding. */
static void
test_holder_toggle_ref (void)
{
  guint finalized = 0;
  Gauge *gauge = gauge_new_counted (&finalized);
  char *text;

  g_object_add_toggle_ref (G_OBJECT (gauge), toggle_notify, NULL);
  g_object_unref (gauge);
  text = scan_summary_text ();
  g_assert_nonnull (strstr (text, "held by: a language binding (toggle reference)"));
  g_free (text);
  g_object_remove_toggle_ref (G_OBJECT (gauge), toggle_notify, NULL);
  g_assert_cmpuint (finalized, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ouro_gobject_init ();

  g_test_add_func ("/gobject-holders/binding/self-cycle", test_binding_self_cycle);
  g_test_add_func ("/gobject-holders/binding/source-target-cycle", test_binding_source_target_cycle);
  g_test_add_func ("/gobject-holders/binding/live-target-keeps-it", test_binding_live_target_keeps_it);
  g_test_add_func ("/gobject-holders/binding/clean", test_binding_clean);
  g_test_add_func ("/gobject-holders/binding/unbind", test_binding_unbind);
  g_test_add_func ("/gobject-holders/binding/closures", test_binding_closures);
  g_test_add_func ("/gobject-holders/source/timeout", test_holder_timeout);
  g_test_add_func ("/gobject-holders/source/shared-data", test_holder_sources_shared_data);
  g_test_add_func ("/gobject-holders/toggle-ref", test_holder_toggle_ref);
  g_test_add_func ("/gobject-holders/task", test_holder_task);
  return g_test_run ();
}
