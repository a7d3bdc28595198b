/* test-gobject-edges.c — the strong references the glue finds between
 * GObjects: registered fields (inherited), properties and traverse
 * functions; signal handler data through every public connect function;
 * g_signal_connect_object as a weak edge; qdata with g_object_unref as
 * destroy notify; GListStore items.  Each edge must appear with its label,
 * disappear when the reference goes, and let ouro_collect () free the
 * cycle.
 */
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>
#include <gio/gio.h>

#include "test-node.h"

#include <ouro-gobject.h>
#include "ouro-gobject-private.h"

/* ---- test types: an owner and its child ------------------------------ */

typedef struct { GObject parent; GObject *child; GObject *peer; GPtrArray *items; } Owner;
typedef struct { GObjectClass parent_class; } OwnerClass;
static GType owner_get_type (void);
G_DEFINE_TYPE (Owner, owner, G_TYPE_OBJECT)

enum { OWNER_PROP_PEER = 1 };

static void
owner_dispose (GObject *object)
{
  Owner *self = (Owner *) object;

  g_clear_object (&self->child);
  g_clear_object (&self->peer);
  if (self->items != NULL)
    g_ptr_array_set_size (self->items, 0);
  G_OBJECT_CLASS (owner_parent_class)->dispose (object);
}

static void
owner_finalize (GObject *object)
{
  g_clear_pointer (&((Owner *) object)->items, g_ptr_array_unref);
  G_OBJECT_CLASS (owner_parent_class)->finalize (object);
}

static void
owner_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  g_value_set_object (value, ((Owner *) object)->peer);
}

static void
owner_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  g_set_object (&((Owner *) object)->peer, g_value_get_object (value));
}

static void
owner_class_init (OwnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = owner_dispose;
  object_class->finalize = owner_finalize;
  object_class->get_property = owner_get_property;
  object_class->set_property = owner_set_property;
  g_object_class_install_property (object_class, OWNER_PROP_PEER,
    g_param_spec_object ("peer", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
owner_init (Owner *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

/* A subtype: registrations on Owner apply to it too. */
typedef struct { Owner parent; } SubOwner;
typedef struct { OwnerClass parent_class; } SubOwnerClass;
static GType sub_owner_get_type (void);
G_DEFINE_TYPE (SubOwner, sub_owner, owner_get_type ())
static void sub_owner_class_init (SubOwnerClass *klass) { }
static void sub_owner_init (SubOwner *self) { }

/* Holds another object through its "link" property only (no field
 * registered: the property is the registration under test). */
typedef struct { GObject parent; GObject *link; } Linked;
typedef struct { GObjectClass parent_class; } LinkedClass;
static GType linked_get_type (void);
G_DEFINE_TYPE (Linked, linked, G_TYPE_OBJECT)
static void
linked_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  g_value_set_object (value, ((Linked *) object)->link);
}
static void
linked_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  g_set_object (&((Linked *) object)->link, g_value_get_object (value));
}
static void
linked_dispose (GObject *object)
{
  g_clear_object (&((Linked *) object)->link);
  G_OBJECT_CLASS (linked_parent_class)->dispose (object);
}
static void
linked_class_init (LinkedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = linked_get_property;
  object_class->set_property = linked_set_property;
  object_class->dispose = linked_dispose;
  g_object_class_install_property (object_class, 1,
    g_param_spec_object ("link", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}
static void linked_init (Linked *self) { }

/* Holds two pointers that are not GObjects, in registered fields: what a
 * stale field looks like to a scan. */
typedef struct { GObject parent; GObject *wild; GObject *bogus_class; } WildHolder;
typedef struct { GObjectClass parent_class; } WildHolderClass;
static GType wild_holder_get_type (void);
G_DEFINE_TYPE (WildHolder, wild_holder, G_TYPE_OBJECT)
static void wild_holder_class_init (WildHolderClass *klass) { }
static void wild_holder_init (WildHolder *self) { }

/* The child: has a "changed" signal. */
typedef struct { GObject parent; } Child;
typedef struct { GObjectClass parent_class; } ChildClass;
static GType child_get_type (void);
G_DEFINE_TYPE (Child, child, G_TYPE_OBJECT)
static guint child_signal_changed;
static void
child_class_init (ChildClass *klass)
{
  child_signal_changed = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}
static void child_init (Child *self) { }

static void
owner_traverse_items (GObject *object, OuroVisitFunc visit, gpointer user_data)
{
  GPtrArray *items = ((Owner *) object)->items;

  for (guint i = 0; i < items->len; i++)
    visit (items->pdata[i], "field items[]", user_data);
}

static void
on_child_changed (Child *child, gpointer user_data)
{
}

/* ---- helpers ---------------------------------------------------------- */

static void
weak_notify_count (gpointer data, GObject *where_the_object_was)
{
  (*(guint *) data)++;
}

static Owner *
owner_with_child (GType type, Child **out_child, guint *finalized)
{
  Owner *owner = g_object_new (type, NULL);
  Child *child = g_object_new (child_get_type (), NULL);

  owner->child = g_object_ref (G_OBJECT (child));
  g_object_weak_ref (G_OBJECT (owner), weak_notify_count, finalized);
  g_object_weak_ref (G_OBJECT (child), weak_notify_count, finalized);
  *out_child = child;
  return owner;
}

/* Scans; checks there is exactly one garbage cycle of @size whose edges
 * include @label, and returns the report's text. */
static char *
scan_expect_cycle (guint size, const char *label)
{
  OuroReport *report = ouro_scan (OURO_SCAN_GARBAGE);
  char *text = ouro_report_to_text (report);

  if (g_test_verbose ())
    g_test_message ("%s", text);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  g_assert_cmpuint (ouro_report_get_cycle_size (report, 0), ==, size);
  if (label != NULL)
    {
      char *bracketed = g_strdup_printf ("--[%s]-->", label);
      g_assert_nonnull (strstr (text, bracketed));
      g_free (bracketed);
    }
  ouro_report_free (report);
  return text;
}

static void
scan_expect_no_garbage (void)
{
  OuroReport *report = ouro_scan (OURO_SCAN_GARBAGE);

  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  ouro_report_free (report);
}

/* ---- registered edges ------------------------------------------------- */

static void
test_field_edges_and_inheritance (void)
{
  guint finalized = 0;
  Child *child;
  Owner *owner = owner_with_child (sub_owner_get_type (), &child, &finalized);
  char *text;

  /* The back-reference through a registered field of Owner. */
  owner->peer = g_object_ref (G_OBJECT (owner));
  g_object_unref (child);
  g_object_unref (owner);

  text = scan_expect_cycle (1, "field peer");
  g_assert_nonnull (strstr (text, "SubOwner 0x"));
  g_free (text);
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (finalized, ==, 2);
}

static void
test_property_edge (void)
{
  guint finalized = 0;
  GObject *a = g_object_new (linked_get_type (), NULL);
  GObject *b = g_object_new (linked_get_type (), "link", a, NULL);
  OuroReport *report;

  g_object_weak_ref (a, weak_notify_count, &finalized);
  g_object_weak_ref (b, weak_notify_count, &finalized);
  g_object_set (a, "link", b, NULL);
  g_object_unref (a);
  g_object_unref (b);

  g_free (scan_expect_cycle (2, "property link"));
  /* The getter's temporary reference is gone: nothing is inconsistent. */
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  ouro_report_free (report);
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (finalized, ==, 2);
}

static void
test_property_misuse_subprocess (void)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Ouro", G_LOG_FATAL_MASK);
  ouro_gobject_add_property (linked_get_type (), "no-such-property");
  ouro_gobject_add_property (G_TYPE_OBJECT, NULL);
  ouro_gobject_add_field (linked_get_type (), "beyond", 4096);
  g_print ("host still running\n");
}

static void
test_property_misuse (void)
{
  g_test_trap_subprocess ("/gobject-edges/registration-misuse/subprocess", 0,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*host still running*");
  g_test_trap_assert_stderr ("*CRITICAL*Linked has no readable object-valued property \"no-such-property\"*");
  g_test_trap_assert_stderr ("*CRITICAL*ouro_gobject_add_field*instance_size*");
}

static void
test_traverse_func (void)
{
  guint finalized = 0;
  Child *child;
  Owner *owner = owner_with_child (owner_get_type (), &child, &finalized);
  Owner *item = g_object_new (owner_get_type (), NULL);
  char *text;

  g_ptr_array_add (owner->items, item);          /* owner holds item */
  item->peer = g_object_ref (G_OBJECT (owner));  /* item holds owner */
  g_object_unref (child);
  g_object_unref (owner);

  text = scan_expect_cycle (2, "field items[]");
  g_free (text);
  g_assert_cmpuint (ouro_collect (), ==, 3);
  g_assert_cmpuint (finalized, ==, 2);
}

/* ---- signal handler data: the bound-callback back-reference ----------- */

static void
test_handler_data_cycle (void)
{
  guint finalized = 0;
  Child *child;
  Owner *owner = owner_with_child (owner_get_type (), &child, &finalized);
  OuroReport *report;
  guint from, to;
  const char *label;
  char *text;

  g_signal_connect_data (child, "changed", G_CALLBACK (on_child_changed),
                         g_object_ref (owner), (GClosureNotify) g_object_unref, 0);
  g_object_unref (child);
  g_object_unref (owner);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  g_assert_true (ouro_report_get_cycle_weak_edge (report, 0, &from, &to, &label));
  g_assert_cmpstr (label, ==, "signal changed: handler data");
  g_assert_true (ouro_report_get_cycle_object (report, 0, from) == (gpointer) child);
  g_assert_true (ouro_report_get_cycle_object (report, 0, to) == (gpointer) owner);
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "--[field child]-->"));
  g_assert_nonnull (strstr (text, "ouro_signal_connect_weak ()"));
  g_free (text);
  ouro_report_free (report);

  /* Collect disposes the child, which destroys its handlers and with them
   * the closure's reference to the owner. */
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (finalized, ==, 2);
}

/* A live cycle through a handler; disconnecting it removes the edge. */
static void
test_handler_disconnect_removes_edge (void)
{
  guint finalized = 0;
  Child *child;
  Owner *owner = owner_with_child (owner_get_type (), &child, &finalized);
  OuroReport *report;
  char *text;
  gulong id;

  id = g_signal_connect_data (child, "changed", G_CALLBACK (on_child_changed),
                              g_object_ref (owner), (GClosureNotify) g_object_unref, 0);
  g_object_unref (child);   /* the test still holds owner */

  report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "--[signal changed: handler data]-->"));
  g_free (text);
  ouro_report_free (report);

  g_signal_handler_disconnect (child, id);
  report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 0);
  ouro_report_free (report);

  g_object_unref (owner);
  g_assert_cmpuint (finalized, ==, 2);
}

/* Connecting and disconnecting without a scan in between does not pile up
 * records: they are pruned as the owner's array grows. */
static void
test_handler_records_stay_bounded (void)
{
  Child *child = g_object_new (child_get_type (), NULL);
  Owner *owner = g_object_new (owner_get_type (), NULL);

  for (guint i = 0; i < 1000; i++)
    {
      gulong id = g_signal_connect_data (child, "changed", G_CALLBACK (on_child_changed),
                                         g_object_ref (owner), (GClosureNotify) g_object_unref, 0);
      g_signal_handler_disconnect (child, id);
    }
  g_assert_cmpuint (ouro_gobject_count_records (G_OBJECT (child)), >, 0);
  g_assert_cmpuint (ouro_gobject_count_records (G_OBJECT (child)), <=, 16);
  g_assert_cmpuint (G_OBJECT (owner)->ref_count, ==, 1);

  g_object_unref (child);
  g_object_unref (owner);
}

/* The same back-reference made through g_signal_connect_closure and
 * _by_id with g_cclosure_new (..., g_object_ref (owner), g_object_unref),
 * and with the address of libgobject's own g_object_unref. */
static void
test_handler_closures (void)
{
  typedef void (*UnrefFunc) (gpointer);
  void *gobject_library = dlopen ("libgobject-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD);
  UnrefFunc real_unref = (UnrefFunc) dlsym (gobject_library, "g_object_unref");

  g_assert_nonnull (real_unref);
  for (guint variant = 0; variant < 3; variant++)
    {
      guint finalized = 0;
      Child *child;
      Owner *owner = owner_with_child (owner_get_type (), &child, &finalized);
      GClosure *closure = g_cclosure_new (G_CALLBACK (on_child_changed), g_object_ref (owner),
                                          (GClosureNotify) (variant == 2 ? real_unref : g_object_unref));
      char *text;

      if (variant == 0)
        g_signal_connect_closure (child, "changed", closure, FALSE);
      else
        g_signal_connect_closure_by_id (child, child_signal_changed, 0, closure, FALSE);
      g_object_unref (child);
      g_object_unref (owner);

      text = scan_expect_cycle (2, "signal changed: handler data");
      g_free (text);
      g_assert_cmpuint (ouro_collect (), ==, 2);
      g_assert_cmpuint (finalized, ==, 2);
    }
  dlclose (gobject_library);
}

/* One closure holding t (its data, released by g_object_unref) connected
 * to two instances that t holds in qdata, t also held by the test: one
 * reference to t, so t is live, and so are they.  Counting the closure's
 * reference once per handler made all three garbage, and collect then
 * disposed t under the test's feet. */
static void
test_shared_closure_counts_once (void)
{
  guint finalized = 0;
  GObject *t = g_object_new (owner_get_type (), NULL);
  GObject *i1 = g_object_new (child_get_type (), NULL);
  GObject *i2 = g_object_new (child_get_type (), NULL);
  GClosure *closure = g_cclosure_new (G_CALLBACK (on_child_changed), g_object_ref (t),
                                      (GClosureNotify) g_object_unref);
  OuroReport *report;
  char *text;

  g_object_weak_ref (t, weak_notify_count, &finalized);
  g_object_weak_ref (i1, weak_notify_count, &finalized);
  g_object_weak_ref (i2, weak_notify_count, &finalized);
  g_signal_connect_closure (i1, "changed", closure, FALSE);
  g_signal_connect_closure_by_id (i2, child_signal_changed, 0, closure, FALSE);
  g_object_set_data_full (t, "first", i1, g_object_unref);    /* takes i1 */
  g_object_set_data_full (t, "second", i2, g_object_unref);   /* takes i2 */

  scan_expect_no_garbage ();
  g_assert_cmpuint (ouro_collect (), ==, 0);
  g_assert_cmpuint (finalized, ==, 0);

  /* The closure is a holder of its own: shown between the handlers and t. */
  report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  text = ouro_report_to_text (report);
  if (g_test_verbose ())
    g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "--[signal changed: handler closure]--> "));
  g_assert_nonnull (strstr (text, "--[closure data]--> "));
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  g_free (text);
  ouro_report_free (report);

  /* Dropped: t, i1, i2 and the closure are garbage, and collect frees them. */
  g_object_unref (t);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 4);
  g_assert_true (ouro_report_is_garbage (report, closure));
  ouro_report_free (report);
  g_assert_cmpuint (ouro_collect (), ==, 4);
  g_assert_cmpuint (finalized, ==, 3);
  g_assert_false (ouro_is_tracked (closure));
}

/* A closure the program holds as well as its handler: its reference to
 * the owner is not the handler's alone, so it keeps the owner live; once
 * the program lets go, the handler's edge counts and the cycle is found. */
static void
test_closure_held_elsewhere (void)
{
  guint finalized = 0;
  Child *child;
  Owner *owner = owner_with_child (owner_get_type (), &child, &finalized);
  GClosure *closure = g_cclosure_new (G_CALLBACK (on_child_changed), g_object_ref (owner),
                                      (GClosureNotify) g_object_unref);
  char *text;

  g_closure_ref (closure);
  g_signal_connect_closure (child, "changed", closure, FALSE);
  g_object_unref (child);
  g_object_unref (owner);

  scan_expect_no_garbage ();
  g_assert_cmpuint (ouro_collect (), ==, 0);
  g_assert_cmpuint (finalized, ==, 0);

  g_closure_unref (closure);
  text = scan_expect_cycle (2, "signal changed: handler data");
  g_free (text);
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (finalized, ==, 2);
}

/* One closure on two signals of one instance, and a handler disconnected:
 * the closure's one reference is never counted twice. */
static void
test_closure_two_signals_one_instance (void)
{
  guint finalized = 0;
  Child *child;
  Owner *owner = owner_with_child (owner_get_type (), &child, &finalized);
  GClosure *closure = g_cclosure_new (G_CALLBACK (on_child_changed), g_object_ref (owner),
                                      (GClosureNotify) g_object_unref);
  gulong first;
  OuroReport *report;

  first = g_signal_connect_closure (child, "changed", closure, FALSE);
  g_signal_connect_closure (child, "notify", closure, FALSE);
  g_object_unref (child);

  /* The test holds owner: nothing is garbage, nothing inconsistent. */
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  ouro_report_free (report);

  g_signal_handler_disconnect (child, first);
  g_object_unref (owner);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 3);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  ouro_report_free (report);
  g_assert_cmpuint (ouro_collect (), ==, 3);
  g_assert_cmpuint (finalized, ==, 2);
}

/* g_signal_connect_object holds no reference: shown weak, never counted. */
static void
test_connect_object_is_weak (void)
{
  guint finalized = 0;
  Child *child;
  Owner *owner = owner_with_child (owner_get_type (), &child, &finalized);
  OuroReport *report;
  const char *label;
  char *text;

  g_signal_connect_object (child, "changed", G_CALLBACK (on_child_changed), owner, 0);
  g_object_unref (child);
  g_object_unref (owner);

  /* Only owner -> child is strong: nothing leaks. */
  g_assert_cmpuint (finalized, ==, 2);
  scan_expect_no_garbage ();

  /* Now with a strong back-reference (a handler's data) as well. */
  finalized = 0;
  owner = owner_with_child (owner_get_type (), &child, &finalized);
  g_signal_connect_object (child, "changed", G_CALLBACK (on_child_changed), owner, 0);
  g_signal_connect_data (child, "changed", G_CALLBACK (on_child_changed),
                         g_object_ref (owner), (GClosureNotify) g_object_unref, 0);
  g_object_unref (child);
  g_object_unref (owner);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  g_assert_true (ouro_report_get_cycle_weak_edge (report, 0, NULL, NULL, &label));
  g_assert_cmpstr (label, ==, "signal changed: handler data");
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "--[signal changed: g_signal_connect_object target]-->"));
  g_assert_nonnull (strstr (text, "(weak, not counted)"));
  g_free (text);
  ouro_report_free (report);
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (finalized, ==, 2);
}

/* ---- qdata ------------------------------------------------------------ */

static void
test_qdata_edge (void)
{
  guint finalized = 0;
  Child *child;
  Owner *owner = owner_with_child (owner_get_type (), &child, &finalized);
  OuroReport *report;
  char *text;

  g_object_set_data_full (G_OBJECT (child), "my-owner", g_object_ref (owner), g_object_unref);
  g_object_ref (owner);   /* the test keeps one */
  g_object_unref (child);
  g_object_unref (owner);

  report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  text = ouro_report_to_text (report);
  g_assert_nonnull (strstr (text, "--[qdata my-owner]-->"));
  g_free (text);
  ouro_report_free (report);

  /* Replaced by a pointer that holds no reference (the old destroy notify
   * drops the reference): the edge must go, or it would be over-reported. */
  g_object_set_data (G_OBJECT (child), "my-owner", owner);
  report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  ouro_report_free (report);

  /* Set again with a reference, then stolen: gone again. */
  g_object_set_qdata_full (G_OBJECT (child), g_quark_from_string ("my-owner"),
                           g_object_ref (owner), g_object_unref);
  report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 1);
  ouro_report_free (report);
  g_object_unref (g_object_steal_data (G_OBJECT (child), "my-owner"));
  report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  g_assert_cmpuint (ouro_report_get_n_cycles (report), ==, 0);
  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  ouro_report_free (report);

  /* The garbage case, and collect. */
  g_object_set_data_full (G_OBJECT (child), "my-owner", g_object_ref (owner), g_object_unref);
  g_object_unref (owner);
  g_free (scan_expect_cycle (2, "qdata my-owner"));
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (finalized, ==, 2);
}

/* An object that attaches a child to itself in its instance init, before
 * it is constructed and tracked: the glue must still see that edge. */
typedef struct { GObject parent; } InitOwner;
typedef struct { GObjectClass parent_class; } InitOwnerClass;
static GType init_owner_get_type (void);
G_DEFINE_TYPE (InitOwner, init_owner, G_TYPE_OBJECT)

static void
init_owner_class_init (InitOwnerClass *klass)
{
}

static void
init_owner_init (InitOwner *self)
{
  g_object_set_data_full (G_OBJECT (self), "init-child", g_object_new (G_TYPE_OBJECT, NULL),
                          g_object_unref);
}

static void
test_qdata_set_in_init (void)
{
  GObject *owner = g_object_new (init_owner_get_type (), NULL);
  GObject *child = g_object_get_data (owner, "init-child");
  OuroReport *report;
  char *text;

  g_object_set_data_full (child, "back", g_object_ref (owner), g_object_unref);
  g_object_unref (owner);

  report = ouro_scan (OURO_SCAN_GARBAGE);
  text = ouro_report_to_text (report);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 2);
  g_assert_nonnull (strstr (text, "--[qdata init-child]-->"));
  g_assert_nonnull (strstr (text, "--[qdata back]-->"));
  g_free (text);
  ouro_report_free (report);

  /* Dispose leaves qdata alone: collect must unset the recorded entries. */
  g_object_weak_ref (child, (GWeakNotify) g_nullify_pointer, &child);
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_null (child);
  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  ouro_report_free (report);
}

/* Scans every object; checks that no refcount is over-explained (an edge
 * reported that holds no reference) and returns the number of cycles. */
static guint
scan_count_cycles_consistent (void)
{
  OuroReport *report = ouro_scan (OURO_SCAN_ALL_CYCLES);
  guint n_cycles = ouro_report_get_n_cycles (report);

  g_assert_cmpuint (ouro_report_get_n_inconsistent (report), ==, 0);
  ouro_report_free (report);
  return n_cycles;
}

/* One object with a qdata record and one without, both setting qdata: the
 * one without stays on GLib's fast path and gets no records until it sets
 * a reference itself; then replacing, replacing through
 * g_object_replace_qdata () and stealing each drop the record of that key
 * only, on the object that did it. */
static void
test_qdata_with_and_without_records (void)
{
  GQuark held = g_quark_from_static_string ("held");
  GObject *target = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *with = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *without = g_object_new (G_TYPE_OBJECT, NULL);
  GDestroyNotify old_destroy = NULL;

  g_object_set_qdata_full (with, held, g_object_ref (target), g_object_unref);
  g_assert_cmpuint (ouro_gobject_count_records (with), ==, 1);

  /* Plain qdata on both: no record anywhere changes. */
  g_object_set_data (without, "plain", target);
  g_object_set_data_full (without, "string", g_strdup ("x"), g_free);
  g_object_set_data (with, "plain", target);
  g_object_set_data (without, "plain", NULL);
  g_assert_cmpuint (ouro_gobject_count_records (without), ==, 0);
  g_assert_cmpuint (ouro_gobject_count_records (with), ==, 1);
  g_assert_cmpuint (scan_count_cycles_consistent (), ==, 0);

  /* The second object takes a reference under the same key, then swaps it
   * for a pointer that holds none: its record goes, the first stays. */
  g_object_set_qdata_full (without, held, g_object_ref (target), g_object_unref);
  g_assert_cmpuint (ouro_gobject_count_records (without), ==, 1);
  g_object_set_qdata (without, held, target);
  g_assert_cmpuint (ouro_gobject_count_records (without), ==, 0);
  g_assert_cmpuint (ouro_gobject_count_records (with), ==, 1);
  g_assert_cmpuint (target->ref_count, ==, 2);
  g_assert_cmpuint (scan_count_cycles_consistent (), ==, 0);

  /* Replaced in place without a destroy notify: the caller now owns the
   * reference, so the record must go. */
  g_object_set_qdata_full (without, held, g_object_ref (target), g_object_unref);
  g_assert_true (g_object_replace_qdata (without, held, target, target, NULL, &old_destroy));
  g_assert_true (old_destroy == g_object_unref);
  g_assert_cmpuint (ouro_gobject_count_records (without), ==, 0);
  g_object_unref (target);

  /* Stolen from the first: its record goes too. */
  g_object_unref (g_object_steal_qdata (with, held));
  g_assert_cmpuint (ouro_gobject_count_records (with), ==, 0);
  g_assert_cmpuint (target->ref_count, ==, 1);
  g_assert_cmpuint (scan_count_cycles_consistent (), ==, 0);

  /* A back reference makes a cycle the scan finds through qdata. */
  g_object_set_qdata_full (without, held, g_object_ref (target), g_object_unref);
  g_object_set_qdata_full (target, held, g_object_ref (without), g_object_unref);
  g_assert_cmpuint (scan_count_cycles_consistent (), ==, 1);
  g_object_set_qdata (target, held, NULL);

  g_object_unref (with);
  g_object_unref (without);
  g_assert_cmpuint (target->ref_count, ==, 1);
  g_object_unref (target);
}

/* An object's records go with it: objects created where finalized ones
 * with qdata records were (malloc hands the memory straight back) start
 * with none, and qdata they set without a reference is no edge. */
static void
test_qdata_records_freed_with_owner (void)
{
  GQuark key = g_quark_from_static_string ("reused");
  GObject *target = g_object_new (G_TYPE_OBJECT, NULL);
  guint n_reused = 0;

  for (guint i = 0; i < 32; i++)
    {
      GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
      gpointer address = object;

      g_object_set_qdata_full (object, key, g_object_ref (target), g_object_unref);
      g_assert_cmpuint (ouro_gobject_count_records (object), ==, 1);
      g_object_unref (object);
      g_assert_cmpuint (target->ref_count, ==, 1);

      object = g_object_new (G_TYPE_OBJECT, NULL);
      n_reused += (gpointer) object == address;
      g_assert_cmpuint (ouro_gobject_count_records (object), ==, 0);
      g_object_set_qdata (object, key, target);
      g_assert_cmpuint (ouro_gobject_count_records (object), ==, 0);
      g_object_set_qdata_full (target, key, g_object_ref (object), g_object_unref);
      g_assert_cmpuint (scan_count_cycles_consistent (), ==, 0);
      g_object_set_qdata (target, key, NULL);
      g_object_unref (object);
    }
  g_test_message ("%u of 32 objects took a finalized owner's address", n_reused);
  g_object_unref (target);
}

/* ---- GListStore ------------------------------------------------------- */

static void
test_list_store_items (void)
{
  guint finalized = 0;
  GListStore *store = g_list_store_new (owner_get_type ());
  Owner *item = g_object_new (owner_get_type (), NULL);

  g_object_weak_ref (G_OBJECT (store), weak_notify_count, &finalized);
  g_list_store_append (store, item);
  item->peer = g_object_ref (G_OBJECT (store));
  g_object_unref (item);
  g_object_unref (store);

  g_free (scan_expect_cycle (2, "list item"));
  g_assert_cmpuint (ouro_collect (), ==, 2);
  g_assert_cmpuint (finalized, ==, 1);
}

/* A registered field holding a wild pointer, or a pointer to memory whose
 * first word (the class pointer) is wild: the scan ignores both targets as
 * untracked, and its check for untracked GObjects reads neither. */
static void
test_wild_field_pointers (void)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  char *guard = mmap (NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  gpointer *fake = g_new0 (gpointer, 4);
  WildHolder *holder;
  OuroReport *report;

  g_assert_true (guard != MAP_FAILED);
  fake[0] = guard;   /* a "class pointer" into the unreadable page */
  OURO_GOBJECT_ADD_FIELD (wild_holder_get_type (), WildHolder, wild);
  OURO_GOBJECT_ADD_FIELD (wild_holder_get_type (), WildHolder, bogus_class);
  holder = g_object_new (wild_holder_get_type (), NULL);
  holder->wild = (GObject *) (gpointer) guard;
  holder->bogus_class = (GObject *) (gpointer) fake;

  report = ouro_scan (OURO_SCAN_GARBAGE);
  g_assert_cmpuint (ouro_report_get_n_garbage (report), ==, 0);
  ouro_report_free (report);

  holder->wild = holder->bogus_class = NULL;
  g_object_unref (holder);
  g_free (fake);
  munmap (guard, page);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ouro_gobject_init ();
  OURO_GOBJECT_ADD_FIELD (owner_get_type (), Owner, child);
  OURO_GOBJECT_ADD_FIELD (owner_get_type (), Owner, peer);
  ouro_gobject_add_traverse (owner_get_type (), owner_traverse_items);
  ouro_gobject_add_property (linked_get_type (), "link");

  g_test_add_func ("/gobject-edges/fields-inherited", test_field_edges_and_inheritance);
  g_test_add_func ("/gobject-edges/property", test_property_edge);
  g_test_add_func ("/gobject-edges/wild-field-pointers", test_wild_field_pointers);
  g_test_add_func ("/gobject-edges/registration-misuse", test_property_misuse);
  g_test_add_func ("/gobject-edges/registration-misuse/subprocess", test_property_misuse_subprocess);
  g_test_add_func ("/gobject-edges/traverse-func", test_traverse_func);
  g_test_add_func ("/gobject-edges/handler-data-cycle", test_handler_data_cycle);
  g_test_add_func ("/gobject-edges/handler-disconnect", test_handler_disconnect_removes_edge);
  g_test_add_func ("/gobject-edges/handler-records-bounded", test_handler_records_stay_bounded);
  g_test_add_func ("/gobject-edges/handler-closures", test_handler_closures);
  g_test_add_func ("/gobject-edges/shared-closure-counts-once", test_shared_closure_counts_once);
  g_test_add_func ("/gobject-edges/closure-held-elsewhere", test_closure_held_elsewhere);
  g_test_add_func ("/gobject-edges/closure-two-signals-one-instance",
                   test_closure_two_signals_one_instance);
  g_test_add_func ("/gobject-edges/connect-object-weak", test_connect_object_is_weak);
  g_test_add_func ("/gobject-edges/qdata", test_qdata_edge);
  g_test_add_func ("/gobject-edges/qdata-set-in-init", test_qdata_set_in_init);
  g_test_add_func ("/gobject-edges/qdata-with-and-without-records", test_qdata_with_and_without_records);
  g_test_add_func ("/gobject-edges/qdata-records-freed-with-owner", test_qdata_records_freed_with_owner);
  g_test_add_func ("/gobject-edges/list-store", test_list_store_items);

  return g_test_run ();
}
