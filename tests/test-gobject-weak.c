/* test-gobject-weak.c — the weak-reference helpers: weak closures, weak
 * signal handlers (side by side with g_signal_connect_object), weak
 * timeout and idle sources, and weak async callbacks over real GIO
 * operations.  Each helper must call its callback only while its object
 * lives, with a reference of its own; never keep the object alive; let go
 * by the end of the object's dispose; release everything when released
 * first; refuse bad arguments with a critical; and stay correct when the
 * object is disposed on another thread.  Leaks are left to valgrind and
 * LeakSanitizer, races to ThreadSanitizer.
 */
#include <dlfcn.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "test-node.h"

#include <ouro-gobject.h>

/* ---- GIO, looked up at run time -------------------------------------- */

/* tests/meson.build links no GIO into this test (the glue does not need
 * it), so the few GIO functions used are looked up in libgio at start.
 * With gio-2.0 among the test's dependencies they become direct calls. */
#define GIO_FUNCTIONS(X) \
  X (g_file_new_for_path) \
  X (g_file_load_contents_async) \
  X (g_file_load_contents_finish) \
  X (g_cancellable_new) \
  X (g_cancellable_cancel) \
  X (g_cancellable_is_cancelled) \
  X (g_cancellable_source_new) \
  X (g_task_new) \
  X (g_task_attach_source) \
  X (g_task_return_error_if_cancelled) \
  X (g_task_propagate_boolean) \
  X (g_io_error_quark)

static struct {
#define GIO_FIELD(name) __typeof__ (name) *name;
  GIO_FUNCTIONS (GIO_FIELD)
#undef GIO_FIELD
} gio;

/* RTLD_LOCAL on purpose: the glue must find g_cancellable_cancel even
 * when GIO is not in the global scope. */
static void
gio_load (void)
{
  void *library = dlopen ("libgio-2.0.so.0", RTLD_NOW | RTLD_LOCAL);

  g_assert_nonnull (library);
#define GIO_LOAD(name) \
  gio.name = (__typeof__ (gio.name)) dlsym (library, #name); \
  g_assert_nonnull (gio.name);
  GIO_FUNCTIONS (GIO_LOAD)
#undef GIO_LOAD
}

/* ---- test types -------------------------------------------------------- */

/* TestEmitter: the instance.  "ping" (detailed, one int, run-last class
 * handler) has a builtin C marshaller; "compute" (int -> int) uses the
 * generic one. */
#define TEST_TYPE_EMITTER (test_emitter_get_type ())
G_DECLARE_FINAL_TYPE (TestEmitter, test_emitter, TEST, EMITTER, GObject)

struct _TestEmitter {
  GObject parent;
};

G_DEFINE_TYPE (TestEmitter, test_emitter, G_TYPE_OBJECT)

enum { PING, COMPUTE, N_SIGNALS };
static guint emitter_signals[N_SIGNALS];

/* Handlers append to it when set; main thread only. */
static GString *call_log;

static void
log_call (const char *what)
{
  if (call_log != NULL)
    g_string_append_printf (call_log, "%s;", what);
}

static void
test_emitter_real_ping (TestEmitter *self,
                        gint         value)
{
  log_call ("class");
}

static void
test_emitter_class_init (TestEmitterClass *klass)
{
  emitter_signals[PING] =
    g_signal_new_class_handler ("ping", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                                G_CALLBACK (test_emitter_real_ping),
                                NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  emitter_signals[COMPUTE] =
    g_signal_new ("compute", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_INT, 1, G_TYPE_INT);
}

static void
test_emitter_init (TestEmitter *self)
{
}

/* TestTarget: the object held weakly.  Its dispose can emit "ping" on an
 * instance, or invoke a closure, before chaining up: what a handler that
 * still runs during its target's dispose would see. */
#define TEST_TYPE_TARGET (test_target_get_type ())
G_DECLARE_FINAL_TYPE (TestTarget, test_target, TEST, TARGET, GObject)

struct _TestTarget {
  GObject   parent;
  gpointer  emit_on;            /* not held */
  GClosure *invoke_in_dispose;  /* not held */
  gboolean  in_dispose;
  gint      disposed;           /* atomic */
  gint      n_calls;            /* atomic */
  guint     refcount_in_call;
  gint      last_value;
  char     *contents;
  GError   *error;
};

G_DEFINE_TYPE (TestTarget, test_target, G_TYPE_OBJECT)

/* What a target's finalize records, for tests that set them. */
static GClosure *finalize_check_closure;
static gboolean  finalize_saw_closure_invalid;
static gpointer  finalize_check_instance;
static gulong    finalize_check_handler;
static gboolean  finalize_saw_handler_connected;

static guint
refcount (gpointer object)
{
  return (guint) g_atomic_int_get ((gint *) &G_OBJECT (object)->ref_count);
}

static void invoke_compute (GClosure *closure,
                            gpointer  instance,
                            gint      value,
                            gint     *out_result);

static void
test_target_dispose (GObject *object)
{
  TestTarget *self = TEST_TARGET (object);

  self->in_dispose = TRUE;
  if (self->emit_on != NULL)
    g_signal_emit (self->emit_on, emitter_signals[PING], 0, 99);
  if (self->invoke_in_dispose != NULL)
    invoke_compute (self->invoke_in_dispose, NULL, 99, NULL);
  self->in_dispose = FALSE;
  g_atomic_int_set (&self->disposed, 1);

  G_OBJECT_CLASS (test_target_parent_class)->dispose (object);
}

static void
test_target_finalize (GObject *object)
{
  TestTarget *self = TEST_TARGET (object);

  /* Handlers on other threads end with an atomic add on n_calls; this load
   * makes their order before the free visible to ThreadSanitizer, which
   * cannot see GLib's refcounting. */
  (void) g_atomic_int_get (&self->n_calls);

  if (finalize_check_closure != NULL)
    finalize_saw_closure_invalid = finalize_check_closure->is_invalid;
  if (finalize_check_instance != NULL)
    finalize_saw_handler_connected =
      g_signal_handler_is_connected (finalize_check_instance, finalize_check_handler);

  g_free (self->contents);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (test_target_parent_class)->finalize (object);
}

static void
test_target_class_init (TestTargetClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = test_target_dispose;
  G_OBJECT_CLASS (klass)->finalize = test_target_finalize;
}

static void
test_target_init (TestTarget *self)
{
}

/* ---- helpers ----------------------------------------------------------- */

static gboolean
deadline_passed (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the default main context until @condition holds, failing the
 * test after 30 s. */
#define ITERATE_UNTIL(condition) \
  G_STMT_START { \
    gboolean timed_out_ = FALSE; \
    guint guard_ = g_timeout_add_seconds (30, deadline_passed, &timed_out_); \
    while (!(condition) && !timed_out_) \
      g_main_context_iteration (NULL, TRUE); \
    g_assert_false (timed_out_); \
    g_source_remove (guard_); \
  } G_STMT_END

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The callback of "compute" and of closures invoked as it: gint (GObject
 * *instance, gint value, gpointer target). */
static gint
compute_record (GObject  *instance,
                gint      value,
                gpointer  user_data)
{
  TestTarget *target = user_data;

  g_assert_true (TEST_IS_TARGET (target));
  target->refcount_in_call = refcount (target);
  target->last_value = value;
  g_atomic_int_inc (&target->n_calls);
  return value * 2;
}

/* Invokes @closure with the "compute" signature. */
static void
invoke_compute (GClosure *closure,
                gpointer  instance,
                gint      value,
                gint     *out_result)
{
  GValue params[2] = { G_VALUE_INIT, G_VALUE_INIT };
  GValue result = G_VALUE_INIT;

  g_value_init (&params[0], G_TYPE_OBJECT);
  g_value_set_object (&params[0], instance);
  g_value_init (&params[1], G_TYPE_INT);
  g_value_set_int (&params[1], value);
  g_value_init (&result, G_TYPE_INT);
  g_value_set_int (&result, -1);

  g_closure_invoke (closure, &result, 2, params, NULL);
  if (out_result != NULL)
    *out_result = g_value_get_int (&result);

  g_value_unset (&params[0]);
  g_value_unset (&params[1]);
  g_value_unset (&result);
}

static void
count_closure_notify (gpointer  data,
                      GClosure *closure)
{
  (*(guint *) data)++;
}

/* ---- weak closures ----------------------------------------------------- */

/* The callback gets the object as user data, with a reference held for
 * the call; arguments and the return value pass through the generic
 * marshal (none set) and through the signal's own (connected); the object
 * is not kept alive. */
static void
test_closure_invoke (void)
{
  TestEmitter *instance = g_object_new (TEST_TYPE_EMITTER, NULL);
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  GClosure *closure = ouro_weak_closure_new (G_CALLBACK (compute_record), target);
  gint result = 0;

  g_assert_nonnull (closure);
  g_closure_ref (closure);
  g_closure_sink (closure);
  g_assert_true (closure->data == target);
  g_assert_cmpuint (refcount (target), ==, 1);

  invoke_compute (closure, instance, 21, &result);
  g_assert_cmpint (result, ==, 42);
  g_assert_cmpint (target->last_value, ==, 21);
  g_assert_cmpuint (target->refcount_in_call, ==, 2);
  g_assert_cmpuint (refcount (target), ==, 1);

  g_signal_connect_closure (instance, "compute", closure, FALSE);
  g_signal_emit (instance, emitter_signals[COMPUTE], 0, 5, &result);
  g_assert_cmpint (result, ==, 10);
  g_assert_cmpint (g_atomic_int_get (&target->n_calls), ==, 2);
  g_assert_cmpuint (target->refcount_in_call, ==, 2);
  g_assert_cmpuint (refcount (target), ==, 1);

  g_assert_finalize_object (target);
  g_closure_unref (closure);
  g_object_unref (instance);
}

/* Disposing the object invalidates the closure before it is finalized,
 * which disconnects it; invoking it afterwards calls nothing. */
static void
test_closure_invalidated_on_dispose (void)
{
  TestEmitter *instance = g_object_new (TEST_TYPE_EMITTER, NULL);
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  GClosure *closure = ouro_weak_closure_new (G_CALLBACK (compute_record), target);
  guint n_invalidated = 0;
  gulong id;
  gint result = 0;

  g_closure_ref (closure);
  g_closure_sink (closure);
  g_closure_add_invalidate_notifier (closure, &n_invalidated, count_closure_notify);
  id = g_signal_connect_closure (instance, "compute", closure, FALSE);

  finalize_check_closure = closure;
  finalize_saw_closure_invalid = FALSE;
  finalize_check_instance = instance;
  finalize_check_handler = id;
  finalize_saw_handler_connected = TRUE;

  g_assert_finalize_object (target);
  g_assert_true (finalize_saw_closure_invalid);
  g_assert_false (finalize_saw_handler_connected);
  finalize_check_closure = NULL;
  finalize_check_instance = NULL;

  g_assert_cmpuint (n_invalidated, ==, 1);
  g_assert_true (closure->is_invalid);
  g_assert_false (g_signal_handler_is_connected (instance, id));
  g_signal_emit (instance, emitter_signals[COMPUTE], 0, 5, &result);
  g_assert_cmpint (result, ==, 0);
  invoke_compute (closure, instance, 5, &result);
  g_assert_cmpint (result, ==, -1);

  g_closure_unref (closure);
  g_object_unref (instance);
}

static guint n_calls_in_dispose;
static guint n_calls_total;

static gint
count_calls_in_dispose (GObject  *instance,
                        gint      value,
                        gpointer  user_data)
{
  TestTarget *target = user_data;

  n_calls_total++;
  if (target->in_dispose)
    n_calls_in_dispose++;
  return value;
}

/* On the last-unref path the weak closure calls nothing, even from the
 * object's own dispose; GLib's watched closure (g_cclosure_new_object)
 * still calls it there.  An explicit g_object_run_dispose () on an object
 * still held is not death: the closure runs, and is invalidated by the
 * end of that dispose. */
static void
test_closure_not_called_from_dispose (void)
{
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  TestTarget *watched_target = g_object_new (TEST_TYPE_TARGET, NULL);
  GClosure *weak = ouro_weak_closure_new (G_CALLBACK (count_calls_in_dispose), target);
  GClosure *watched = g_cclosure_new_object (G_CALLBACK (count_calls_in_dispose),
                                             G_OBJECT (watched_target));

  g_closure_ref (weak);
  g_closure_sink (weak);
  g_closure_ref (watched);
  g_closure_sink (watched);
  g_closure_set_marshal (watched, g_cclosure_marshal_generic);

  /* GLib's watched closure: called from its object's last dispose. */
  n_calls_in_dispose = n_calls_total = 0;
  watched_target->invoke_in_dispose = watched;
  g_assert_finalize_object (watched_target);
  g_assert_cmpuint (n_calls_in_dispose, ==, 1);

  /* Ouro's: not. */
  n_calls_in_dispose = n_calls_total = 0;
  target->invoke_in_dispose = weak;
  g_assert_finalize_object (target);
  g_assert_cmpuint (n_calls_total, ==, 0);
  g_assert_true (weak->is_invalid);

  g_closure_unref (weak);
  g_closure_unref (watched);

  /* Explicit dispose of an object still held: called, then invalidated. */
  target = g_object_new (TEST_TYPE_TARGET, NULL);
  weak = ouro_weak_closure_new (G_CALLBACK (count_calls_in_dispose), target);
  g_closure_ref (weak);
  g_closure_sink (weak);
  target->invoke_in_dispose = weak;
  n_calls_in_dispose = n_calls_total = 0;
  g_object_run_dispose (G_OBJECT (target));
  g_assert_cmpuint (n_calls_in_dispose, ==, 1);
  g_assert_true (weak->is_invalid);
  target->invoke_in_dispose = NULL;
  g_assert_finalize_object (target);
  g_assert_cmpuint (n_calls_total, ==, 1);
  g_closure_unref (weak);
}

/* Released before its object dies, the closure is freed at once (nothing
 * else holds it), connected or not, and the object's later death is no
 * error. */
static void
test_closure_released_first (void)
{
  TestEmitter *instance = g_object_new (TEST_TYPE_EMITTER, NULL);
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  GClosure *closure;
  guint n_finalized = 0;
  gulong id;

  closure = ouro_weak_closure_new (G_CALLBACK (compute_record), target);
  g_closure_add_finalize_notifier (closure, &n_finalized, count_closure_notify);
  g_closure_ref (closure);
  g_closure_sink (closure);
  g_closure_unref (closure);
  g_assert_cmpuint (n_finalized, ==, 1);

  closure = ouro_weak_closure_new (G_CALLBACK (compute_record), target);
  g_closure_add_finalize_notifier (closure, &n_finalized, count_closure_notify);
  id = g_signal_connect_closure (instance, "compute", closure, FALSE);
  g_assert_cmpuint (n_finalized, ==, 1);
  g_signal_handler_disconnect (instance, id);
  g_assert_cmpuint (n_finalized, ==, 2);

  /* Invalidated by hand, then released after the object died. */
  closure = ouro_weak_closure_new (G_CALLBACK (compute_record), target);
  g_closure_ref (closure);
  g_closure_sink (closure);
  g_closure_invalidate (closure);

  g_assert_finalize_object (target);
  g_closure_unref (closure);
  g_object_unref (instance);
}

/* ---- weak signal handlers ---------------------------------------------- */

static void
on_ping_record (TestEmitter *instance,
                gint         value,
                gpointer     user_data)
{
  TestTarget *target = user_data;

  g_assert_true (TEST_IS_EMITTER (instance));
  g_assert_true (TEST_IS_TARGET (target));
  target->refcount_in_call = refcount (target);
  target->last_value = value;
  log_call ("weak");
  g_atomic_int_inc (&target->n_calls);
}

static void
on_ping_swapped (TestTarget  *target,
                 gint         value,
                 TestEmitter *instance)
{
  g_assert_true (TEST_IS_TARGET (target));
  g_assert_true (TEST_IS_EMITTER (instance));
  log_call ("swapped");
}

static void
on_ping_after (TestEmitter *instance,
               gint         value,
               gpointer     user_data)
{
  g_assert_true (TEST_IS_TARGET (user_data));
  log_call ("after");
}

static void
on_ping_normal (TestEmitter *instance,
                gint         value,
                gpointer     user_data)
{
  log_call ("normal");
}

/* The handler gets the target, with a reference of its own; flags and
 * details are honoured; the connection holds no reference. */
static void
test_signal_connect (void)
{
  TestEmitter *instance = g_object_new (TEST_TYPE_EMITTER, NULL);
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  gulong id, after_id, swapped_id, detailed_id;

  call_log = g_string_new (NULL);
  after_id = ouro_signal_connect_weak (instance, "ping", G_CALLBACK (on_ping_after),
                                       target, G_CONNECT_AFTER);
  g_signal_connect (instance, "ping", G_CALLBACK (on_ping_normal), NULL);
  id = ouro_signal_connect_weak (instance, "ping", G_CALLBACK (on_ping_record), target, 0);
  swapped_id = ouro_signal_connect_weak (instance, "ping", G_CALLBACK (on_ping_swapped),
                                         target, G_CONNECT_SWAPPED);
  g_assert_cmpuint (id, !=, 0);
  g_assert_cmpuint (after_id, !=, 0);
  g_assert_cmpuint (swapped_id, !=, 0);
  g_assert_cmpuint (refcount (target), ==, 1);

  g_signal_emit (instance, emitter_signals[PING], 0, 7);
  /* Connected first with G_CONNECT_AFTER, run last. */
  g_assert_cmpstr (call_log->str, ==, "normal;weak;swapped;class;after;");
  g_assert_cmpint (target->last_value, ==, 7);
  g_assert_cmpuint (target->refcount_in_call, ==, 2);
  g_assert_cmpuint (refcount (target), ==, 1);

  /* A detail. */
  g_signal_handler_disconnect (instance, id);
  g_signal_handler_disconnect (instance, after_id);
  g_signal_handler_disconnect (instance, swapped_id);
  detailed_id = ouro_signal_connect_weak (instance, "ping::one", G_CALLBACK (on_ping_record),
                                          target, 0);
  g_assert_cmpuint (detailed_id, !=, 0);
  g_string_truncate (call_log, 0);
  g_signal_emit_by_name (instance, "ping::two", 2);
  g_assert_cmpstr (call_log->str, ==, "normal;class;");
  g_signal_emit_by_name (instance, "ping::one", 1);
  g_assert_cmpstr (call_log->str, ==, "normal;class;normal;weak;class;");
  g_assert_cmpint (target->last_value, ==, 1);

  /* The closure's data is the target, as g_signal_connect_object's. */
  g_assert_cmpuint (g_signal_handlers_disconnect_by_data (instance, target), ==, 1);
  g_assert_false (g_signal_handler_is_connected (instance, detailed_id));

  g_string_free (call_log, TRUE);
  call_log = NULL;
  g_assert_finalize_object (target);
  g_assert_finalize_object (instance);
}

static guint n_object_calls, n_object_calls_in_dispose;
static guint n_weak_calls, n_weak_calls_in_dispose;

static void
on_ping_connect_object (TestEmitter *instance,
                        gint         value,
                        gpointer     user_data)
{
  TestTarget *target = user_data;

  n_object_calls++;
  if (target->in_dispose)
    n_object_calls_in_dispose++;
}

static void
on_ping_connect_weak (TestEmitter *instance,
                      gint         value,
                      gpointer     user_data)
{
  TestTarget *target = user_data;

  n_weak_calls++;
  if (target->in_dispose)
    n_weak_calls_in_dispose++;
}

/* The difference with g_signal_connect_object: the target's dispose emits
 * on the instance before chaining up.  The g_signal_connect_object handler
 * runs there, on an object whose last reference is gone; the weak one does
 * not.  Both are disconnected by the end of the dispose, and the target is
 * finalized with its last reference. */
static void
test_signal_versus_connect_object (void)
{
  TestEmitter *instance = g_object_new (TEST_TYPE_EMITTER, NULL);
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  gulong object_id, weak_id;

  n_object_calls = n_object_calls_in_dispose = 0;
  n_weak_calls = n_weak_calls_in_dispose = 0;
  object_id = g_signal_connect_object (instance, "ping", G_CALLBACK (on_ping_connect_object),
                                       target, 0);
  weak_id = ouro_signal_connect_weak (instance, "ping", G_CALLBACK (on_ping_connect_weak),
                                      target, 0);
  g_signal_emit (instance, emitter_signals[PING], 0, 1);
  g_assert_cmpuint (n_object_calls, ==, 1);
  g_assert_cmpuint (n_weak_calls, ==, 1);

  target->emit_on = instance;
  finalize_check_instance = instance;
  finalize_check_handler = weak_id;
  finalize_saw_handler_connected = TRUE;
  g_assert_finalize_object (target);
  finalize_check_instance = NULL;

  g_assert_cmpuint (n_object_calls_in_dispose, ==, 1);
  g_assert_cmpuint (n_object_calls, ==, 2);
  g_assert_cmpuint (n_weak_calls_in_dispose, ==, 0);
  g_assert_cmpuint (n_weak_calls, ==, 1);

  g_assert_false (finalize_saw_handler_connected);
  g_assert_false (g_signal_handler_is_connected (instance, object_id));
  g_assert_false (g_signal_handler_is_connected (instance, weak_id));
  g_signal_emit (instance, emitter_signals[PING], 0, 2);
  g_assert_cmpuint (n_object_calls, ==, 2);
  g_assert_cmpuint (n_weak_calls, ==, 1);

  g_assert_finalize_object (instance);
}

/* g_object_run_dispose () on a target still held: the handler may run
 * during that dispose (the target is alive), and is disconnected by its
 * end; the target lives on until its last reference. */
static void
test_signal_explicit_dispose (void)
{
  TestEmitter *instance = g_object_new (TEST_TYPE_EMITTER, NULL);
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  gulong id;

  n_weak_calls = n_weak_calls_in_dispose = 0;
  id = ouro_signal_connect_weak (instance, "ping", G_CALLBACK (on_ping_connect_weak), target, 0);
  target->emit_on = instance;
  g_object_run_dispose (G_OBJECT (target));
  g_assert_cmpuint (n_weak_calls_in_dispose, ==, 1);
  g_assert_false (g_signal_handler_is_connected (instance, id));
  g_assert_cmpuint (refcount (target), ==, 1);

  /* A connection made after it, on the disposed but living target, holds
   * on until the target dies. */
  target->emit_on = NULL;
  id = ouro_signal_connect_weak (instance, "ping", G_CALLBACK (on_ping_connect_weak), target, 0);
  g_signal_emit (instance, emitter_signals[PING], 0, 3);
  g_assert_cmpuint (n_weak_calls, ==, 2);
  g_assert_finalize_object (target);
  g_assert_false (g_signal_handler_is_connected (instance, id));
  g_assert_finalize_object (instance);
}

/* Disconnected first, by id or by data, the handler is gone and the
 * target's later death is no error; the instance finalized first releases
 * its handlers and the target's death is still no error. */
static void
test_signal_released_first (void)
{
  TestEmitter *instance = g_object_new (TEST_TYPE_EMITTER, NULL);
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  gulong id;

  n_weak_calls = 0;
  id = ouro_signal_connect_weak (instance, "ping", G_CALLBACK (on_ping_connect_weak), target, 0);
  g_signal_handler_disconnect (instance, id);
  g_assert_false (g_signal_handler_is_connected (instance, id));
  g_signal_emit (instance, emitter_signals[PING], 0, 1);
  g_assert_cmpuint (n_weak_calls, ==, 0);
  g_assert_false (g_signal_has_handler_pending (instance, emitter_signals[PING], 0, FALSE));

  ouro_signal_connect_weak (instance, "ping", G_CALLBACK (on_ping_connect_weak), target, 0);
  ouro_signal_connect_weak (instance, "compute", G_CALLBACK (compute_record), target, 0);
  g_assert_finalize_object (instance);

  g_assert_finalize_object (target);
  g_assert_cmpuint (n_weak_calls, ==, 0);
}

static void
test_signal_bad_arguments_subprocess (void)
{
  TestEmitter *instance = g_object_new (TEST_TYPE_EMITTER, NULL);
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  GParamSpec *not_an_object = g_param_spec_ref_sink (
    g_param_spec_int ("n", NULL, NULL, 0, 1, 0, G_PARAM_READWRITE));
  GCallback handler = G_CALLBACK (on_ping_connect_weak);

  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Ouro", G_LOG_FATAL_MASK);

  g_assert_cmpuint (ouro_signal_connect_weak (instance, "ping", handler, not_an_object, 0), ==, 0);
  g_assert_cmpuint (ouro_signal_connect_weak (instance, "ping", handler, NULL, 0), ==, 0);
  g_assert_cmpuint (ouro_signal_connect_weak (instance, "no-such-signal", handler, target, 0), ==, 0);
  g_assert_cmpuint (ouro_signal_connect_weak (instance, "compute::detail", handler, target, 0), ==, 0);
  g_assert_cmpuint (ouro_signal_connect_weak (instance, "ping", NULL, target, 0), ==, 0);
  g_assert_cmpuint (ouro_signal_connect_weak (NULL, "ping", handler, target, 0), ==, 0);
  g_assert_null (ouro_weak_closure_new (handler, not_an_object));
  g_assert_null (ouro_weak_closure_new (NULL, target));

  g_assert_false (g_signal_has_handler_pending (instance, emitter_signals[PING], 0, FALSE));
  g_assert_false (g_signal_has_handler_pending (instance, emitter_signals[COMPUTE], 0, FALSE));
  g_assert_finalize_object (target);
  g_assert_finalize_object (instance);
  g_param_spec_unref (not_an_object);
  g_print ("host still running\n");
}

static void
test_signal_bad_arguments (void)
{
  g_test_trap_subprocess ("/gobject-weak/signal/bad-arguments/subprocess", 0,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*host still running*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_signal_connect_weak*G_IS_OBJECT (target)*"
                             "*CRITICAL*ouro_signal_connect_weak*G_IS_OBJECT (target)*"
                             "*CRITICAL*ouro_signal_connect_weak*'no-such-signal' is invalid*"
                             "*CRITICAL*ouro_signal_connect_weak*'compute::detail' is invalid*"
                             "*CRITICAL*ouro_signal_connect_weak*handler != NULL*"
                             "*CRITICAL*ouro_signal_connect_weak*G_TYPE_CHECK_INSTANCE (instance)*"
                             "*CRITICAL*ouro_weak_closure_new*G_IS_OBJECT (object)*"
                             "*CRITICAL*ouro_weak_closure_new*callback != NULL*");
}

/* ---- threads: the target dies on another thread ----------------------- */

typedef struct {
  TestTarget *target;   /* the thread's reference */
  gint        done;     /* atomic */
} Disposer;

/* Drops the last reference to the target once a callback has run. */
static gpointer
dispose_after_first_call (gpointer data)
{
  Disposer *disposer = data;

  /* A read-modify-write, not a load: see test_target_finalize(). */
  while (g_atomic_int_add (&disposer->target->n_calls, 0) == 0)
    g_thread_yield ();
  g_object_unref (disposer->target);
  g_atomic_int_set (&disposer->done, 1);
  return NULL;
}

/* Runs on the emitting thread while the target may be dying on another:
 * it must never see a target whose dispose has started. */
static void
on_ping_check_alive (TestEmitter *instance,
                     gint         value,
                     gpointer     user_data)
{
  TestTarget *target = user_data;

  g_assert_cmpint (g_atomic_int_get (&target->disposed), ==, 0);
  g_atomic_int_inc (&target->n_calls);
}

#define N_THREAD_ROUNDS 200

/* The instance emits on this thread while the target's last reference is
 * dropped on another: the handler only ever sees a live target, and it is
 * disconnected once the other thread is done. */
static void
test_signal_threads (void)
{
  for (guint round = 0; round < N_THREAD_ROUNDS; round++)
    {
      TestEmitter *instance = g_object_new (TEST_TYPE_EMITTER, NULL);
      Disposer disposer = { g_object_new (TEST_TYPE_TARGET, NULL), 0 };
      guint n_emissions = 0;
      GThread *thread;
      gulong id;

      id = ouro_signal_connect_weak (instance, "ping", G_CALLBACK (on_ping_check_alive),
                                     disposer.target, 0);
      thread = g_thread_new ("disposer", dispose_after_first_call, &disposer);
      while (!g_atomic_int_get (&disposer.done))
        {
          g_signal_emit (instance, emitter_signals[PING], 0, (gint) round);
          n_emissions++;
        }
      g_thread_join (thread);

      g_assert_cmpuint (n_emissions, >=, 1);
      g_assert_false (g_signal_handler_is_connected (instance, id));
      g_assert_false (g_signal_has_handler_pending (instance, emitter_signals[PING], 0, FALSE));
      g_assert_finalize_object (instance);
    }
}

static gboolean
idle_check_alive (gpointer user_data)
{
  TestTarget *target = user_data;

  g_assert_cmpint (g_atomic_int_get (&target->disposed), ==, 0);
  g_atomic_int_inc (&target->n_calls);
  return G_SOURCE_CONTINUE;
}

/* The main loop dispatches a weak idle here while its object's last
 * reference is dropped on another thread: the callback only ever sees a
 * live object, and the source is gone once the other thread is done. */
static void
test_source_threads (void)
{
  for (guint round = 0; round < N_THREAD_ROUNDS; round++)
    {
      Disposer disposer = { g_object_new (TEST_TYPE_TARGET, NULL), 0 };
      GThread *thread;
      guint id;

      id = round % 2 ? ouro_idle_add_weak (idle_check_alive, disposer.target)
                     : ouro_timeout_add_weak (0, idle_check_alive, disposer.target);
      thread = g_thread_new ("disposer", dispose_after_first_call, &disposer);
      while (!g_atomic_int_get (&disposer.done))
        g_main_context_iteration (NULL, FALSE);
      g_thread_join (thread);

      g_assert_null (g_main_context_find_source_by_id (NULL, id));
      iterate_pending ();
    }
}

/* ---- weak sources ------------------------------------------------------ */

static gboolean
source_record (gpointer user_data)
{
  TestTarget *target = user_data;

  g_assert_true (TEST_IS_TARGET (target));
  target->refcount_in_call = refcount (target);
  return g_atomic_int_add (&target->n_calls, 1) + 1 < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

typedef guint (*AddWeakFunc) (GSourceFunc function,
                              gpointer    object);

static guint
add_timeout_1ms (GSourceFunc function,
                 gpointer    object)
{
  return ouro_timeout_add_weak (1, function, object);
}

/* The callback gets the object, with a reference of its own, until it
 * returns G_SOURCE_REMOVE, which removes the source; the source holds no
 * reference, and the object's later death is no error. */
static void
check_source_dispatch (AddWeakFunc add)
{
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  guint id = add (source_record, target);

  g_assert_cmpuint (id, !=, 0);
  g_assert_nonnull (g_main_context_find_source_by_id (NULL, id));
  g_assert_cmpuint (refcount (target), ==, 1);
  ITERATE_UNTIL (g_atomic_int_get (&target->n_calls) == 3);
  g_assert_cmpuint (target->refcount_in_call, ==, 2);
  g_assert_null (g_main_context_find_source_by_id (NULL, id));
  g_assert_cmpuint (refcount (target), ==, 1);
  g_assert_finalize_object (target);
}

static void
test_idle_dispatch (void)
{
  check_source_dispatch (ouro_idle_add_weak);
}

static void
test_timeout_dispatch (void)
{
  check_source_dispatch (add_timeout_1ms);
}

/* The object's disposal removes the source at once, before any dispatch;
 * the callback is never called. */
static void
check_source_removed_on_dispose (AddWeakFunc add)
{
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  guint id = add (source_record, target);
  GSource *source = g_main_context_find_source_by_id (NULL, id);

  g_assert_nonnull (source);
  g_source_ref (source);
  g_assert_false (g_source_is_destroyed (source));

  g_assert_finalize_object (target);
  g_assert_true (g_source_is_destroyed (source));
  g_assert_null (g_main_context_find_source_by_id (NULL, id));
  g_source_unref (source);

  g_usleep (5000);
  iterate_pending ();
}

static void
test_idle_removed_on_dispose (void)
{
  check_source_removed_on_dispose (ouro_idle_add_weak);
}

static void
test_timeout_removed_on_dispose (void)
{
  check_source_removed_on_dispose (add_timeout_1ms);
}

static gboolean
source_must_not_run (gpointer user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

/* Removed by the user first: the object's later death is no error, and
 * the callback never runs. */
static void
test_source_removed_first (void)
{
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  guint idle_id = ouro_idle_add_weak (source_must_not_run, target);
  guint timeout_id = ouro_timeout_add_weak (0, source_must_not_run, target);

  g_assert_true (g_source_remove (idle_id));
  g_assert_true (g_source_remove (timeout_id));
  iterate_pending ();
  g_assert_finalize_object (target);
}

static void
test_source_bad_arguments_subprocess (void)
{
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  GParamSpec *not_an_object = g_param_spec_ref_sink (
    g_param_spec_int ("n", NULL, NULL, 0, 1, 0, G_PARAM_READWRITE));

  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Ouro", G_LOG_FATAL_MASK);

  g_assert_cmpuint (ouro_idle_add_weak (source_record, not_an_object), ==, 0);
  g_assert_cmpuint (ouro_idle_add_weak (NULL, target), ==, 0);
  g_assert_cmpuint (ouro_timeout_add_weak (1, source_record, NULL), ==, 0);
  g_assert_cmpuint (ouro_timeout_add_weak (1, NULL, target), ==, 0);

  g_assert_false (g_main_context_pending (NULL));
  g_assert_finalize_object (target);
  g_param_spec_unref (not_an_object);
  g_print ("host still running\n");
}

static void
test_source_bad_arguments (void)
{
  g_test_trap_subprocess ("/gobject-weak/source/bad-arguments/subprocess", 0,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*host still running*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_idle_add_weak*G_IS_OBJECT (object)*"
                             "*CRITICAL*ouro_idle_add_weak*function != NULL*"
                             "*CRITICAL*ouro_timeout_add_weak*G_IS_OBJECT (object)*"
                             "*CRITICAL*ouro_timeout_add_weak*function != NULL*");
}

/* ---- weak async callbacks ---------------------------------------------- */

static guint n_async_calls;

static void
on_loaded (GObject      *source_object,
           GAsyncResult *result,
           gpointer      user_data)
{
  TestTarget *target = user_data;
  gsize length;

  g_assert_true (TEST_IS_TARGET (target));
  target->refcount_in_call = refcount (target);
  gio.g_file_load_contents_finish ((GFile *) source_object, result, &target->contents,
                                   &length, NULL, &target->error);
  n_async_calls++;
  g_atomic_int_inc (&target->n_calls);
}

#if defined(__SANITIZE_THREAD__)
# define UNDER_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define UNDER_TSAN 1
# endif
#endif

/* Loading a file runs in GIO's worker threads, which hand memory to this
 * one through GLib's futex-based locks: an uninstrumented GLib hides them
 * from ThreadSanitizer, which then reports races inside GLib and GIO only.
 * The helpers' own threading is what the thread tests check, there too. */
static gboolean
skip_file_tests_under_tsan (void)
{
#ifdef UNDER_TSAN
  g_test_skip ("GIO's worker threads synchronise through GLib, which is not instrumented");
  return TRUE;
#else
  return FALSE;
#endif
}

/* A temporary file, and a GFile for it. */
static GFile *
make_file (char **out_path)
{
  GError *error = NULL;
  int fd = g_file_open_tmp ("ouro-weak-XXXXXX", out_path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (*out_path, "ouro weak async\n", -1, &error);
  g_assert_no_error (error);
  return gio.g_file_new_for_path (*out_path);
}

static void
remove_file (GFile *file,
             char  *path)
{
  /* The task of the operation holds the file until it is done. */
  ITERATE_UNTIL (refcount (file) == 1);
  g_object_unref (file);
  g_remove (path);
  g_free (path);
}

/* With self alive at completion: the callback gets self, with a reference
 * of its own, and the loaded contents; the pending operation never held
 * self, and completion leaves the cancellable alone and released. */
static void
test_async_alive (void)
{
  char *path;
  GFile *file;
  TestTarget *target;
  GCancellable *cancellable;

  if (skip_file_tests_under_tsan ())
    return;
  file = make_file (&path);
  target = g_object_new (TEST_TYPE_TARGET, NULL);
  cancellable = gio.g_cancellable_new ();
  n_async_calls = 0;
  gio.g_file_load_contents_async (file, cancellable, ouro_weak_async_ready,
                                  ouro_weak_async_data_new (target, on_loaded, cancellable));
  g_assert_cmpuint (refcount (target), ==, 1);
  g_assert_cmpuint (refcount (cancellable), >=, 2);

  ITERATE_UNTIL (n_async_calls == 1);
  g_assert_cmpuint (target->refcount_in_call, ==, 2);
  g_assert_no_error (target->error);
  g_assert_cmpstr (target->contents, ==, "ouro weak async\n");
  remove_file (file, path);

  g_assert_cmpuint (refcount (cancellable), ==, 1);
  g_assert_finalize_object (target);
  g_assert_false (gio.g_cancellable_is_cancelled (cancellable));
  g_assert_cmpuint (n_async_calls, ==, 1);
  g_object_unref (cancellable);
}

/* With self gone before completion: self was finalized with its last
 * reference, and the operation completes without calling back. */
static void
test_async_gone (void)
{
  char *path;
  GFile *file;
  TestTarget *target;

  if (skip_file_tests_under_tsan ())
    return;
  file = make_file (&path);
  target = g_object_new (TEST_TYPE_TARGET, NULL);
  n_async_calls = 0;
  gio.g_file_load_contents_async (file, NULL, ouro_weak_async_ready,
                                  ouro_weak_async_data_new (target, on_loaded, NULL));
  g_assert_finalize_object (target);
  remove_file (file, path);
  g_assert_cmpuint (n_async_calls, ==, 0);
}

/* An operation that only ends when its cancellable is cancelled. */
static gboolean
wait_cancelled (GCancellable *cancellable,
                gpointer      user_data)
{
  g_assert_true (gio.g_task_return_error_if_cancelled (user_data));
  return G_SOURCE_REMOVE;
}

static void
wait_for_cancel_async (GObject             *source_object,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = gio.g_task_new (source_object, cancellable, callback, user_data);
  GSource *source = gio.g_cancellable_source_new (cancellable);

  gio.g_task_attach_source (task, source, (GSourceFunc) (void (*) (void)) wait_cancelled);
  g_source_unref (source);
  g_object_unref (task);
}

static void
on_waited (GObject      *source_object,
           GAsyncResult *result,
           gpointer      user_data)
{
  TestTarget *target = user_data;

  g_assert_true (TEST_IS_TARGET (target));
  g_assert_false (gio.g_task_propagate_boolean ((GTask *) result, &target->error));
  n_async_calls++;
}

/* Self disposed while the operation waits: the cancellable is cancelled
 * at once, the operation ends early, and nothing is called back.  With
 * self alive, the helper never cancels, and a cancellation by its owner
 * is reported to the callback. */
static void
test_async_cancel_on_dispose (void)
{
  GObject *operation_source = g_object_new (G_TYPE_OBJECT, NULL);
  GCancellable *cancellable = gio.g_cancellable_new ();
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);

  n_async_calls = 0;
  wait_for_cancel_async (operation_source, cancellable, ouro_weak_async_ready,
                         ouro_weak_async_data_new (target, on_waited, cancellable));
  iterate_pending ();
  g_assert_cmpuint (refcount (operation_source), ==, 2);
  g_assert_false (gio.g_cancellable_is_cancelled (cancellable));

  g_assert_finalize_object (target);
  g_assert_true (gio.g_cancellable_is_cancelled (cancellable));
  ITERATE_UNTIL (refcount (operation_source) == 1);
  g_assert_cmpuint (n_async_calls, ==, 0);
  g_assert_cmpuint (refcount (cancellable), ==, 1);
  g_object_unref (cancellable);

  cancellable = gio.g_cancellable_new ();
  target = g_object_new (TEST_TYPE_TARGET, NULL);
  wait_for_cancel_async (operation_source, cancellable, ouro_weak_async_ready,
                         ouro_weak_async_data_new (target, on_waited, cancellable));
  iterate_pending ();
  g_assert_false (gio.g_cancellable_is_cancelled (cancellable));
  gio.g_cancellable_cancel (cancellable);
  ITERATE_UNTIL (n_async_calls == 1);
  g_assert_error (target->error, gio.g_io_error_quark (), G_IO_ERROR_CANCELLED);
  ITERATE_UNTIL (refcount (operation_source) == 1);
  g_assert_finalize_object (target);
  g_assert_cmpuint (refcount (cancellable), ==, 1);

  g_object_unref (cancellable);
  g_assert_finalize_object (operation_source);
}

static gpointer
unref_in_thread (gpointer object)
{
  g_object_unref (object);
  return NULL;
}

static void
on_waited_check_alive (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  TestTarget *target = user_data;
  GError *error = NULL;

  g_assert_cmpint (g_atomic_int_get (&target->disposed), ==, 0);
  g_assert_false (gio.g_task_propagate_boolean ((GTask *) result, &error));
  g_assert_error (error, gio.g_io_error_quark (), G_IO_ERROR_CANCELLED);
  g_error_free (error);
  g_atomic_int_inc (&target->n_calls);
}

/* Self's last reference dropped on another thread while the operation
 * waits, in half the rounds racing the operation's own cancellation: the
 * callback, if it runs, sees self alive; the cancellable ends up cancelled
 * and released either way. */
static void
test_async_threads (void)
{
  GObject *operation_source = g_object_new (G_TYPE_OBJECT, NULL);

  for (guint round = 0; round < N_THREAD_ROUNDS; round++)
    {
      GCancellable *cancellable = gio.g_cancellable_new ();
      TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
      GThread *thread;

      wait_for_cancel_async (operation_source, cancellable, ouro_weak_async_ready,
                             ouro_weak_async_data_new (target, on_waited_check_alive,
                                                       cancellable));
      thread = g_thread_new ("disposer", unref_in_thread, target);
      if (round % 2)
        gio.g_cancellable_cancel (cancellable);
      ITERATE_UNTIL (refcount (operation_source) == 1);
      g_thread_join (thread);

      g_assert_true (gio.g_cancellable_is_cancelled (cancellable));
      g_assert_cmpuint (refcount (cancellable), ==, 1);
      g_object_unref (cancellable);
    }
  g_assert_finalize_object (operation_source);
}

/* Data no operation took: freed without a call or a cancellation. */
static void
test_async_data_free (void)
{
  GCancellable *cancellable = gio.g_cancellable_new ();
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  gpointer data = ouro_weak_async_data_new (target, on_waited, cancellable);
  gpointer plain = ouro_weak_async_data_new (target, on_waited, NULL);

  g_assert_nonnull (data);
  g_assert_nonnull (plain);
  g_assert_cmpuint (refcount (cancellable), ==, 2);
  ouro_weak_async_data_free (data);
  ouro_weak_async_data_free (plain);
  ouro_weak_async_data_free (NULL);
  g_assert_cmpuint (refcount (cancellable), ==, 1);
  g_assert_finalize_object (target);
  g_assert_false (gio.g_cancellable_is_cancelled (cancellable));
  g_object_unref (cancellable);
}

static void
test_async_bad_arguments_subprocess (void)
{
  TestTarget *target = g_object_new (TEST_TYPE_TARGET, NULL);
  GObject *not_a_cancellable = g_object_new (G_TYPE_OBJECT, NULL);
  GParamSpec *not_an_object = g_param_spec_ref_sink (
    g_param_spec_int ("n", NULL, NULL, 0, 1, 0, G_PARAM_READWRITE));

  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Ouro", G_LOG_FATAL_MASK);

  g_assert_null (ouro_weak_async_data_new (not_an_object, on_waited, NULL));
  g_assert_null (ouro_weak_async_data_new (target, NULL, NULL));
  g_assert_null (ouro_weak_async_data_new (target, on_waited,
                                           (GCancellable *) not_a_cancellable));
  ouro_weak_async_ready (NULL, NULL, NULL);

  g_assert_cmpuint (refcount (not_a_cancellable), ==, 1);
  g_assert_finalize_object (target);
  g_assert_finalize_object (not_a_cancellable);
  g_param_spec_unref (not_an_object);
  g_print ("host still running\n");
}

static void
test_async_bad_arguments (void)
{
  g_test_trap_subprocess ("/gobject-weak/async/bad-arguments/subprocess", 0,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*host still running*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_weak_async_data_new*G_IS_OBJECT (self)*"
                             "*CRITICAL*ouro_weak_async_data_new*callback != NULL*"
                             "*CRITICAL*ouro_weak_async_data_new*cancellable_type*"
                             "*CRITICAL*ouro_weak_async_ready*async != NULL*");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gio_load ();

  g_test_add_func ("/gobject-weak/closure/invoke", test_closure_invoke);
  g_test_add_func ("/gobject-weak/closure/invalidated-on-dispose",
                   test_closure_invalidated_on_dispose);
  g_test_add_func ("/gobject-weak/closure/not-called-from-dispose",
                   test_closure_not_called_from_dispose);
  g_test_add_func ("/gobject-weak/closure/released-first", test_closure_released_first);

  g_test_add_func ("/gobject-weak/signal/connect", test_signal_connect);
  g_test_add_func ("/gobject-weak/signal/versus-connect-object",
                   test_signal_versus_connect_object);
  g_test_add_func ("/gobject-weak/signal/explicit-dispose", test_signal_explicit_dispose);
  g_test_add_func ("/gobject-weak/signal/released-first", test_signal_released_first);
  g_test_add_func ("/gobject-weak/signal/bad-arguments", test_signal_bad_arguments);
  g_test_add_func ("/gobject-weak/signal/bad-arguments/subprocess",
                   test_signal_bad_arguments_subprocess);
  g_test_add_func ("/gobject-weak/signal/threads", test_signal_threads);

  g_test_add_func ("/gobject-weak/source/idle-dispatch", test_idle_dispatch);
  g_test_add_func ("/gobject-weak/source/timeout-dispatch", test_timeout_dispatch);
  g_test_add_func ("/gobject-weak/source/idle-removed-on-dispose",
                   test_idle_removed_on_dispose);
  g_test_add_func ("/gobject-weak/source/timeout-removed-on-dispose",
                   test_timeout_removed_on_dispose);
  g_test_add_func ("/gobject-weak/source/removed-first", test_source_removed_first);
  g_test_add_func ("/gobject-weak/source/bad-arguments", test_source_bad_arguments);
  g_test_add_func ("/gobject-weak/source/bad-arguments/subprocess",
                   test_source_bad_arguments_subprocess);
  g_test_add_func ("/gobject-weak/source/threads", test_source_threads);

  g_test_add_func ("/gobject-weak/async/alive", test_async_alive);
  g_test_add_func ("/gobject-weak/async/gone", test_async_gone);
  g_test_add_func ("/gobject-weak/async/cancel-on-dispose", test_async_cancel_on_dispose);
  g_test_add_func ("/gobject-weak/async/threads", test_async_threads);
  g_test_add_func ("/gobject-weak/async/data-free", test_async_data_free);
  g_test_add_func ("/gobject-weak/async/bad-arguments", test_async_bad_arguments);
  g_test_add_func ("/gobject-weak/async/bad-arguments/subprocess",
                   test_async_bad_arguments_subprocess);

  return g_test_run ();
}
