/* ouro-gobject-tracking.c — tracking every GObject, and the OuroClass that
 * describes GObjects to the core.
 *
 * MT safe.  ouro_gobject_init () runs once (g_once): it replaces
 * GObjectClass->constructed and ->finalize with hooks that track and
 * untrack, in GObjectClass itself and in every class initialised before
 * it whose slot still holds GObject's own function.  Classes initialised
 * later copy their parent's class structure, hooks included, and classes
 * that override either function chain up to them.  Cost: two indirect
 * calls and one registry operation per object, no per-object allocation;
 * not ->constructor (214 ns more on classes with construct properties),
 * not per-object weak refs (106 ns more).
 *
 * The one known hole: a class that overrides constructed and never chains
 * up.  Its objects are not tracked.  A scan that meets one of them held by
 * a tracked object says so once per type (gobject_untracked_target ()), and the
 * class can call ouro_gobject_track () itself.
 *
 * Call ouro_gobject_init () early, before other threads create objects: a
 * class being initialised on another thread while the hooks are installed
 * may copy its parent's structure before or after the patch.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ouro-gobject-private.h"

static void (*real_constructed) (GObject *object);
static void (*real_finalize)    (GObject *object);
static gsize tracking_initialized;

/* The reference ledger's (ouro_gobject_set_finalize_hook ()); NULL unless
 * it is on, so finalization pays one atomic load without it. */
static OuroGObjectFinalizeHook tracking_finalize_hook;

static pthread_mutex_t tracking_hole_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable *tracking_hole_types;   /* GType -> TRUE, under the lock */

static void tracking_hole_lock_acquire (void) { pthread_mutex_lock (&tracking_hole_lock); }
static void tracking_hole_lock_release (void) { pthread_mutex_unlock (&tracking_hole_lock); }

static const OuroClass gobject_class;

static void
tracking_constructed (GObject *object)
{
  if (real_constructed != NULL)
    real_constructed (object);
  /* The class itself, not ouro_gobject_class (): an exported function,
   * called through the PLT even from this file. */
  ouro_track (object, &gobject_class);
  ouro_gobject_interpose_claim_pending (object);
  ouro_gobject_tasks_note_constructed (object);
}

static void
tracking_finalize (GObject *object)
{
  OuroGObjectFinalizeHook hook = g_atomic_pointer_get (&tracking_finalize_hook);

  ouro_untrack (object);
  ouro_gobject_tasks_note_finalized (object);
  if (hook != NULL)
    hook (object);
  real_finalize (object);
}

void
ouro_gobject_set_finalize_hook (OuroGObjectFinalizeHook hook)
{
  g_atomic_pointer_set (&tracking_finalize_hook, hook);
}

/* After it: every class of @root's tree initialised so far sends
 * constructed and finalize through the hooks, unless it overrides them
 * (and then it chains up to a hooked slot, or has the known hole). */
static void
tracking_patch_initialised_classes (GType root)
{
  GArray *pending = g_array_new (FALSE, FALSE, sizeof (GType));

  g_array_append_val (pending, root);
  /* Invariant: every type popped has been patched; pending holds the
   * types whose subtrees are still to patch.  An explicit stack: type
   * trees are shallow, but nothing here recurses on principle. */
  while (pending->len > 0)
    {
      GType type = g_array_index (pending, GType, pending->len - 1);
      GObjectClass *klass = g_type_class_peek (type);
      GType *children;
      guint n_children;

      g_array_set_size (pending, pending->len - 1);
      if (klass != NULL)
        {
          if (klass->constructed == real_constructed)
            klass->constructed = tracking_constructed;
          if (klass->finalize == real_finalize)
            klass->finalize = tracking_finalize;
        }
      children = g_type_children (type, &n_children);
      g_array_append_vals (pending, children, n_children);
      g_free (children);
    }
  g_array_unref (pending);
}

/**
 * ouro_gobject_init:
 *
 * From now on, tracks every GObject when it is constructed and untracks it
 * when it is finalized, and discovers the strong references between them
 * (signal handler data, qdata, registered fields and properties, GTK4
 * widget trees and controllers, GListStore items).  Idempotent and MT
 * safe; call it early, before other threads create objects.  Objects that
 * existed before can be added with ouro_gobject_track ().
 */
void
ouro_gobject_init (void)
{
  if (g_once_init_enter (&tracking_initialized))
    {
      GObjectClass *object_class = g_type_class_ref (G_TYPE_OBJECT);

      /* Before the first object is tracked: a fork () from now on leaves
       * the child with free locks. */
      ouro_gobject_interpose_add_fork_lock ();
      /* Taken after the records lock, as a scan takes them. */
      ouro_gobject_closures_add_fork_lock ();
      ouro_gobject_edges_add_fork_lock ();
      ouro_gobject_bindings_add_fork_lock ();
      ouro_gobject_field_names_add_fork_lock ();
      ouro_gobject_weak_locations_add_fork_lock ();
      ouro_add_fork_lock (tracking_hole_lock_acquire, tracking_hole_lock_release);
      real_constructed = object_class->constructed;
      real_finalize = object_class->finalize;
      tracking_patch_initialised_classes (G_TYPE_OBJECT);
      g_type_class_unref (object_class);
      g_once_init_leave (&tracking_initialized, 1);
      ouro_gobject_interpose_check ();
      ouro_gobject_own_init ();
      ouro_gobject_holders_init ();
      ouro_gobject_fields_init ();
    }
}

gboolean
ouro_gobject_is_initialized (void)
{
  return g_atomic_pointer_get (&tracking_initialized) != 0;
}

/* Whether @size bytes (at most 16) at @address can be read, asked of the
 * kernel instead of loaded: process_vm_readv () on this very process (by
 * syscall (): glibc declares it only under _GNU_SOURCE) fails
 * with EFAULT where a load would fault.  Where that call is refused (a
 * seccomp filter), whether the pages are mapped at all (mincore ()).  One
 * system call: for ouro_gobject_track (), never for a hot path. */
static gboolean
tracking_is_readable (gconstpointer address,
                      gsize         size)
{
  char buffer[16];
  struct iovec local = { buffer, MIN (size, sizeof buffer) };
  struct iovec remote = { (gpointer) address, MIN (size, sizeof buffer) };
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  guintptr first, last;
  unsigned char in_core[2];

  if (syscall (SYS_process_vm_readv, getpid (), &local, 1UL, &remote, 1UL, 0UL) == (long) local.iov_len)
    return TRUE;
  if (errno != ENOSYS && errno != EPERM)
    return FALSE;

  if ((guintptr) address > (guintptr) -1 - local.iov_len)
    return FALSE;
  first = (guintptr) address & ~(guintptr) (page - 1);
  last = ((guintptr) address + local.iov_len - 1) & ~(guintptr) (page - 1);
  return mincore ((gpointer) first, last - first + page, in_core) == 0;
}

/* What G_IS_OBJECT () would read of @pointer, and whether it can. */
typedef enum {
  TRACKING_READABLE,             /* the instance and its class pointer */
  TRACKING_INSTANCE_UNREADABLE,
  TRACKING_CLASS_UNREADABLE,
} TrackingReadable;

static TrackingReadable
tracking_check_instance (gconstpointer pointer)
{
  const GTypeInstance *instance = pointer;

  if (!tracking_is_readable (instance, sizeof (GTypeInstance)))
    return TRACKING_INSTANCE_UNREADABLE;
  if (instance->g_class != NULL && !tracking_is_readable (instance->g_class, sizeof (GTypeClass)))
    return TRACKING_CLASS_UNREADABLE;
  return TRACKING_READABLE;
}

/**
 * ouro_gobject_track:
 * @object: (type GObject): a GObject
 *
 * Tracks one object: one created before ouro_gobject_init (), or of a
 * class whose constructed does not chain up.  Calls ouro_gobject_init ()
 * first, so that the object is untracked when it is finalized.
 *
 * Anything that is not a live GObject is refused with a critical, and
 * never crashes the program when the pointer or its class pointer is not
 * readable memory (a wild pointer, an object freed and unmapped): both are
 * checked with a system call before G_IS_OBJECT () reads them.  Passing
 * a freed object whose memory is still mapped stays a bug the check cannot
 * always catch: it is refused when the class pointer GLib cleared is still
 * NULL or now unreadable, but a pointer the allocator wrote over it is
 * followed as G_IS_OBJECT () follows it.
 */
void
ouro_gobject_track (gpointer object)
{
  GTypeInstance *instance = object;

  g_return_if_fail (object != NULL);
  switch (tracking_check_instance (instance))
    {
    case TRACKING_READABLE:
      break;
    case TRACKING_INSTANCE_UNREADABLE:
      g_critical ("ouro_gobject_track: %p is not a GObject: it is not readable memory", object);
      return;
    case TRACKING_CLASS_UNREADABLE:
      g_critical ("ouro_gobject_track: %p is not a GObject: its class pointer %p is not "
                  "readable memory (a freed or corrupted object?)", object, instance->g_class);
      return;
    }
  g_return_if_fail (G_IS_OBJECT (object));

  ouro_gobject_init ();
  ouro_track (object, ouro_gobject_class ());
}

/* Says once per type that objects of @type reach the scan untracked. */
static void
tracking_note_untracked (GObject *object)
{
  GType type = G_OBJECT_TYPE (object);
  gboolean first;

  pthread_mutex_lock (&tracking_hole_lock);
  if (tracking_hole_types == NULL)
    tracking_hole_types = g_hash_table_new (NULL, NULL);
  first = g_hash_table_add (tracking_hole_types, GSIZE_TO_POINTER (type));
  pthread_mutex_unlock (&tracking_hole_lock);

  if (first)
    g_message ("ouro: a %s (%p) is held by a tracked object but is not tracked itself, so "
               "cycles through it cannot be found: either %s or a parent class overrides "
               "GObjectClass.constructed without chaining up (chain up, or call "
               "ouro_gobject_track () in constructed), or it was created before "
               "ouro_gobject_init ()",
               g_type_name (type), object, g_type_name (type));
}

void
ouro_gobject_visit (OuroVisitFunc visit,
                    gpointer      target,
                    const char   *label,
                    gpointer      user_data)
{
  if (target == NULL)
    return;
  visit (target, label, user_data);
}

/* ---- the OuroClass ---------------------------------------------------- */

static guint
gobject_get_refcount (gpointer object)
{
  /* Floating references are not in ref_count; toggle references are, so
   * an object a language binding holds is never garbage. */
  return (guint) g_atomic_int_get ((gint *) &((GObject *) object)->ref_count);
}

static void
gobject_traverse (gpointer      object,
                  OuroVisitFunc visit,
                  gpointer      user_data)
{
  GObject *gobject = object;

  /* Refcount 0: being finalized, its subclasses' finalizers may already
   * have freed what the edges below would read. */
  if (gobject_get_refcount (gobject) == 0)
    return;

  ouro_gobject_visit_registered (gobject, visit, user_data);
  ouro_gobject_visit_recorded (gobject, visit, user_data);
  ouro_gobject_visit_containers (gobject, visit, user_data);
  ouro_gobject_visit_expression_holders (gobject, visit, user_data);
  ouro_gobject_visit_list_models (gobject, visit, user_data);
  ouro_gobject_visit_text_views (gobject, visit, user_data);
}

static const char *
gobject_get_type_name (gpointer object)
{
  return G_OBJECT_TYPE_NAME (object);
}

static void
gobject_ref (gpointer object)
{
  g_object_ref (object);
}

static void
gobject_unref (gpointer object)
{
  g_object_unref (object);
}

/* What ouro_collect () calls between its ref and unref: dispose drops the
 * references the object holds, which is what breaks the cycle, and so does
 * unsetting the qdata recorded as holding references (dispose keeps qdata
 * until finalize).  A GTK
 * widget that still has a parent is left to it: GTK forbids disposing a
 * parented widget (and loops in the parent's dispose after that), and a
 * garbage widget's parent is garbage too (a live one would keep it live),
 * so the parent's dispose unparents it and collect's last unref frees it.
 * A GBinding is unbound: that drops its transform data, and its sources'
 * and targets' weak notifies cannot do it once collect has cleared the
 * GWeakRef through which they find the binding. */
static void
gobject_clear (gpointer object)
{
  if (ouro_gobject_gtk_widget_has_parent (object))
    return;
  ouro_gobject_describe_mark_disposing (object, TRUE);
  if (G_IS_BINDING (object))
    g_binding_unbind (object);
  ouro_gobject_bindings_unbind_for (object);
  g_object_run_dispose (object);
  ouro_gobject_drop_recorded_qdata (object);
  ouro_gobject_describe_mark_disposing (object, FALSE);
}

/* A widget that still has a parent is left to its parent's dispose, which
 * unparents it (gobject_clear () does nothing to it). */
static gboolean
gobject_can_clear (gpointer object)
{
  return !ouro_gobject_gtk_widget_has_parent (object);
}

/* A type's instance size plus its private areas' (its own and its
 * ancestors'), which GLib lays out before the instance: the bytes one
 * object of it takes.  Cached per type; called by snapshots, under the
 * registry lock, which serialises the cache. */
static OuroGObjectTypeCacheEntry gobject_size_cache[OURO_GOBJECT_TYPE_CACHE_SIZE];

static gsize
gobject_get_size (gpointer object)
{
  GType type = G_OBJECT_TYPE (object);
  OuroGObjectTypeCacheEntry *entry = &gobject_size_cache[ouro_gobject_type_cache_slot (type)];

  if (entry->type != type)
    {
      GTypeQuery query;
      gpointer private_area;

      g_type_query (type, &query);
      /* The most derived type's private area is the lowest: every private
       * area lies between it and the instance.  (The deprecated call, not
       * g_type_class_get_instance_private_offset (), which is fatal for a
       * type without private data.) */
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      private_area = g_type_instance_get_private ((GTypeInstance *) object, type);
      G_GNUC_END_IGNORE_DEPRECATIONS
      entry->value = query.instance_size + (guint32) ((const char *) object
                                                      - (const char *) private_area);
      entry->type = type;
    }
  return entry->value;
}

/* The scan calls it for each visited target it found untracked: every
 * target gobject_traverse visits is a GObject the object holds, so an
 * untracked one is a hole in the tracking.  (Checking in ouro_gobject_visit
 * cost a registry lookup per edge: 40% of a GObject scan.) */
static void
gobject_untracked_target (gpointer object,
                          gpointer target)
{
  /* A stale or wild pointer in a registered field must not crash the
   * scan: G_IS_OBJECT () only once both loads it makes are known safe. */
  if (tracking_check_instance (target) == TRACKING_READABLE && G_IS_OBJECT (target))
    tracking_note_untracked (target);
}

static const OuroClass gobject_class = {
  .name = "GObject",
  .get_refcount = gobject_get_refcount,
  .traverse = gobject_traverse,
  .get_type_name = gobject_get_type_name,
  .describe = ouro_gobject_describe,
  .describe_late = ouro_gobject_describe_late,
  .ref = gobject_ref,
  .unref = gobject_unref,
  .clear = gobject_clear,
  .get_size = gobject_get_size,
  .untracked_target = gobject_untracked_target,
  .clear_weak = ouro_gobject_clear_weak,
  .can_clear = gobject_can_clear,
};

/**
 * ouro_gobject_class:
 *
 * Returns: the OuroClass Ouro tracks GObjects with
 */
const OuroClass *
ouro_gobject_class (void)
{
  return &gobject_class;
}
