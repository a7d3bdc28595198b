/* ouro-gobject-closures.c — the GClosures that signal handlers connected
 * with g_signal_connect_closure[_by_id] () hold, when a closure holds a
 * GObject (its data, released by g_object_unref when it is finalized).
 *
 * MT safe: one lock guards the table of known closures; it is taken after
 * the registry lock and the records lock, never before them.
 *
 * One reference, one visit.  Such a closure holds its object once, however
 * many handlers share it.  A handler's edge may stand for the closure's
 * reference only when that handler is the closure's only holder (its
 * refcount is 1): then "handler -> closure -> object" is "handler ->
 * object".  A closure connected twice (to two instances, or two signals)
 * is a holder of its own: it is tracked as a node, each handler visits it
 * ("signal NAME: handler closure") and it visits its object ("closure
 * data").  A closure some other code holds too (refcount above its
 * handlers) keeps its object live, since nothing visits the extra
 * reference.  Counting the closure's one reference once per handler made
 * an object held by a local look like garbage, and ouro_collect () then
 * disposed it.
 *
 * A closure's memory is read during a scan only while this table knows it:
 * its finalize notifier (added when it is first recorded) untracks it and
 * forgets it before GLib frees it, and it waits for a scan in progress
 * (ouro_untrack () takes the registry lock).  A closure with no free
 * finalize notifier slot (GLib allows three) is not followed: its handler
 * is left unexplained, which can only hide an edge.
 */
#include "config.h"

#include <pthread.h>

#include "ouro-gobject-private.h"

/* GLib 2.74 gclosure.c: CLOSURE_MAX_N_FNOTIFIERS, a 2-bit field. */
#define CLOSURES_MAX_FNOTIFIERS 3

typedef struct {
  guint    n_handlers;   /* handler records ever made for it */
  gboolean tracked;      /* a node: shared by two handlers or more */
} ClosureEntry;

static pthread_mutex_t closures_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable     *closures;   /* GClosure * -> ClosureEntry * */

static void closures_lock_acquire (void) { pthread_mutex_lock (&closures_lock); }
static void closures_lock_release (void) { pthread_mutex_unlock (&closures_lock); }

void
ouro_gobject_closures_add_fork_lock (void)
{
  ouro_add_fork_lock (closures_lock_acquire, closures_lock_release);
}

gpointer
ouro_gobject_closure_held_object (GClosure *closure)
{
  guint first = closure->meta_marshal_nouse + (closure->n_guards << 1);

  if (closure->data == NULL)
    return NULL;
  /* Finalize notifiers follow the marshal guards in notifiers[]. */
  for (guint i = 0; i < closure->n_fnotifiers; i++)
    {
      GClosureNotifyData *notifier = &closure->notifiers[first + i];

      if (notifier->data == closure->data && ouro_gobject_is_unref_func ((gpointer) notifier->notify))
        return closure->data;
    }
  return NULL;
}

/* GLib changes a closure's refcount with an atomic compare-and-swap of
 * the word that holds it; one load reads it whole. */
guint
ouro_gobject_closure_refcount (GClosure *closure)
{
  return g_atomic_int_get ((gint *) closure) & 0x7fff;
}

/* ---- the OuroClass of a shared closure -------------------------------- */

static guint
closure_get_refcount (gpointer object)
{
  return ouro_gobject_closure_refcount (object);
}

static void
closure_traverse (gpointer      object,
                  OuroVisitFunc visit,
                  gpointer      user_data)
{
  ouro_gobject_visit (visit, ouro_gobject_closure_held_object (object), "closure data", user_data);
}

static const char *
closure_get_type_name (gpointer object)
{
  return "GClosure";
}

static char *
closure_describe (gpointer object)
{
  GClosure *closure = object;

  return g_strdup_printf ("GClosure %p (shared by several handlers)%s", closure,
                          closure->is_invalid ? " [invalidated]" : "");
}

static void closure_ref (gpointer object) { g_closure_ref (object); }
static void closure_unref (gpointer object) { g_closure_unref (object); }

/* What ouro_collect () calls on a garbage closure: invalidating it
 * disconnects the handlers that hold it (GLib's own invalid-closure
 * notify), as disposing their instances would; its data goes when the
 * last of them lets go.  Runs outside the registry lock. */
static void closure_clear (gpointer object) { g_closure_invalidate (object); }

static const OuroClass closure_class = {
  .name = "GClosure",
  .get_refcount = closure_get_refcount,
  .traverse = closure_traverse,
  .get_type_name = closure_get_type_name,
  .describe = closure_describe,
  .ref = closure_ref,
  .unref = closure_unref,
  .clear = closure_clear,
};

/* ---- the table --------------------------------------------------------- */

/* GLib calls it before it frees @closure, on the thread that drops the
 * last reference, with no lock of ours held. */
static void
closures_finalized (gpointer  data,
                    GClosure *closure)
{
  /* First: a scan reading it finishes before this returns. */
  ouro_untrack (closure);
  pthread_mutex_lock (&closures_lock);
  g_hash_table_remove (closures, closure);
  pthread_mutex_unlock (&closures_lock);
}

gboolean
ouro_gobject_closure_note_handler (GClosure *closure)
{
  ClosureEntry *entry;
  gboolean known = TRUE, track = FALSE;

  pthread_mutex_lock (&closures_lock);
  if (closures == NULL)
    closures = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  entry = g_hash_table_lookup (closures, closure);
  if (entry == NULL)
    {
      /* The caller's handler holds it: it cannot be finalized meanwhile. */
      if (closure->n_fnotifiers >= CLOSURES_MAX_FNOTIFIERS || closure->is_invalid)
        known = FALSE;
      else
        {
          entry = g_new0 (ClosureEntry, 1);
          g_hash_table_insert (closures, closure, entry);
          g_closure_add_finalize_notifier (closure, NULL, closures_finalized);
        }
    }
  if (entry != NULL && ++entry->n_handlers == 2)
    track = TRUE;
  pthread_mutex_unlock (&closures_lock);

  /* Outside our lock: the registry's comes first.  Handlers visit the node
   * only once it is tracked; until then, with two holders, its refcount
   * keeps them from standing for its reference, and a scan sees it as an
   * untracked holder (its object live). */
  if (track)
    {
      ouro_track (closure, &closure_class);
      pthread_mutex_lock (&closures_lock);
      entry = g_hash_table_lookup (closures, closure);
      /* The caller's handler still holds it: it is there. */
      entry->tracked = TRUE;
      pthread_mutex_unlock (&closures_lock);
    }
  return known;
}

void
ouro_gobject_closure_visit_handler (GClosure      *closure,
                                    gpointer       target,
                                    const char    *label,
                                    const char    *shared_label,
                                    OuroVisitFunc  visit,
                                    gpointer       user_data)
{
  ClosureEntry *entry;

  pthread_mutex_lock (&closures_lock);
  entry = closures != NULL ? g_hash_table_lookup (closures, closure) : NULL;
  if (entry != NULL)
    {
      /* Known: not finalized, and it cannot be before the scan ends. */
      if (entry->tracked)
        ouro_gobject_visit (visit, closure, shared_label, user_data);
      else if (ouro_gobject_closure_refcount (closure) == 1
               && ouro_gobject_closure_held_object (closure) == target)
        ouro_gobject_visit (visit, target, label, user_data);
    }
  pthread_mutex_unlock (&closures_lock);
}
