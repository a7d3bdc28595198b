/* ouro-gobject-bindings.c — GBindings and what they hold, recorded as they
 * are made: g_object_bind_property (), g_object_bind_property_full () and
 * g_object_bind_property_with_closures () are interposed.
 *
 * MT safe: one lock guards the table of live bindings; it is taken after
 * the registry lock and the records lock (a scan checks records and reads
 * link nodes under them), never before them, and no GLib or application
 * code runs under it.
 *
 * What a GBinding holds, in GLib 2.74 (gbinding.c): no reference on its
 * source or target (GWeakRefs in a shared context), one on its transform
 * functions' box, which holds the caller's user data until its destroy
 * notify runs, when the binding is unbound (g_binding_unbind (), or the
 * source or the target disposed: their weak notifies) or finalized.
 * g_object_bind_property_with_closures () makes that user data a box
 * holding one reference on each closure.  Who holds the GBinding: its
 * first reference belongs to the weak notifies GLib puts on the source
 * and the target, jointly: the first of them to run drops it.  So the
 * binding lives as long as both its source and its target, and is
 * garbage only when both are.
 *
 * That "either one keeps it" cannot be one edge per holder: the binding
 * has one reference, and two visits of it would make it inconsistent.  So
 * each binding gets a node of its own, a *link* (class "GBinding link"):
 * its refcount is the number of weak notifies GLib installed (2, or 1
 * when source and target are one object), the source and the target each
 * visit it once ("binding P->Q: source" / "target"), and it visits the
 * binding ("binding"), which visits its user data ("binding transform
 * data") when that is a GObject released with g_object_unref, and the
 * objects its transform closures hold (ouro-gobject-closures.c: one
 * reference, one visit; a closure held elsewhere too keeps its object
 * live).  A link reachable from a live source or target is live, and so
 * are its binding and data; with both garbage, a binding whose data holds
 * one of them closes a cycle that is proven garbage, and ouro_collect ()
 * disposing either runs GLib's own unbind, which breaks it.  A binding the
 * caller also holds (g_object_ref on the returned pointer) has a
 * reference nothing visits: live.
 *
 * Knowing exactly when the joint reference goes: the interposers hand
 * GLib a destroy notify of their own (with the link as user data, and
 * transform functions that call the caller's with the caller's data; a
 * NULL transform stays NULL, so GLib's default, which ignores user data,
 * applies).  GLib calls it exactly when it lets go of the transform box,
 * on every path (unbind, weak notify, finalize), before it drops the
 * binding's joint reference; the link then stops holding anything, then
 * the caller's own notify runs.  The one delay: a transform running on
 * another thread holds the box a little longer; it also holds strong
 * references to the binding and to the source or the target (GLib takes
 * them before calling it), references nothing visits, so the link and
 * everything it reaches stay live meanwhile: a stale link can only hide
 * garbage, never invent it.  g_object_bind_property_with_closures () is
 * served by the same path (the closures are invoked as GLib invokes them:
 * binding, source value, target value, a boolean result), since GLib's
 * own calls its _full directly, where no interposer sees its notify.
 *
 * Tracking the binding: GBinding's constructed does not chain up, so
 * ouro_gobject_init ()'s hook never sees one; the interposers track the
 * binding they return, as ouro_gobject_track () would.  Tracking again is
 * harmless (it re-sets the class), so this stays right once bindings are
 * also tracked at creation.
 *
 * Before ouro_gobject_init () the interposers only forward.
 */
#include "config.h"

#include <pthread.h>

#include "ouro-gobject-records-private.h"

typedef GBinding *(*BindPropertyFullFunc) (gpointer, const gchar *, gpointer, const gchar *,
                                           GBindingFlags, GBindingTransformFunc,
                                           GBindingTransformFunc, gpointer, GDestroyNotify);

/* One binding made through the interposers.  Its memory lives until both
 * GLib (its destroy notify) and the interposer that made it let go. */
typedef struct {
  /* Always NULL: where a GTypeInstance has its class pointer, so a link
   * read by mistake as an object is no GObject. */
  gpointer               not_an_instance;
  gulong                 serial;         /* the key of the live table, not reused */
  gint                   refs;           /* atomic: GLib's notify, the maker */
  GBinding              *binding;
  gconstpointer          source;         /* compared, never read */
  gconstpointer          target;
  guint                  n_holders;      /* weak notifies GLib installed: 1 or 2 */
  gboolean               registered;     /* in the live table; under the lock */
  gboolean               released;       /* GLib let go; under the lock */
  GBindingTransformFunc  transform_to;   /* the caller's, or NULL */
  GBindingTransformFunc  transform_from;
  gpointer               data;           /* the caller's user data */
  GDestroyNotify         notify;         /* the caller's */
  GClosure              *closure_to;     /* _with_closures: one reference each */
  GClosure              *closure_from;
  const char            *source_type;    /* static (g_type_name) */
  const char            *target_type;
  const char            *source_property;   /* interned */
  const char            *target_property;
} BindingLink;

static pthread_mutex_t bindings_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable     *bindings_live;    /* serial -> BindingLink *, under the lock */
static gulong          bindings_next_serial = 1;   /* under the lock */
static BindPropertyFullFunc bindings_real_full;
static gsize           bindings_resolved;

static void bindings_lock_acquire (void) { pthread_mutex_lock (&bindings_lock); }
static void bindings_lock_release (void) { pthread_mutex_unlock (&bindings_lock); }

/* Taken at fork (): a scan takes it under the registry and records locks,
 * and nothing takes those under it. */
void
ouro_gobject_bindings_add_fork_lock (void)
{
  ouro_add_fork_lock (bindings_lock_acquire, bindings_lock_release);
}

static void
bindings_resolve (void)
{
  if (g_once_init_enter (&bindings_resolved))
    {
      bindings_real_full = ouro_gobject_interpose_lookup ("libgobject-2.0.so.0",
                                                          "g_object_bind_property_full");
      g_assert (bindings_real_full != NULL);
      g_once_init_leave (&bindings_resolved, 1);
    }
}

/* Requires the lock.  Whether @link holds its binding now. */
static inline gboolean
bindings_link_holds (const BindingLink *link)
{
  return link->registered && !link->released;
}

gboolean
ouro_gobject_binding_holds (gulong serial)
{
  BindingLink *link;
  gboolean holds;

  pthread_mutex_lock (&bindings_lock);
  link = bindings_live != NULL ? g_hash_table_lookup (bindings_live, GSIZE_TO_POINTER (serial)) : NULL;
  holds = link != NULL && bindings_link_holds (link);
  pthread_mutex_unlock (&bindings_lock);
  return holds;
}

void
ouro_gobject_bindings_unbind_for (GObject *object)
{
  GPtrArray *bindings = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  pthread_mutex_lock (&bindings_lock);
  if (bindings_live != NULL)
    {
      g_hash_table_iter_init (&iter, bindings_live);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          BindingLink *link = value;

          /* Holding: GLib has not let go, so the binding is alive. */
          if (bindings_link_holds (link) && (link->source == object || link->target == object))
            g_ptr_array_add (bindings, g_object_ref (link->binding));
        }
    }
  pthread_mutex_unlock (&bindings_lock);

  for (guint i = 0; i < bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (bindings, i));
  g_ptr_array_unref (bindings);
}

static void
bindings_link_unref (BindingLink *link)
{
  if (g_atomic_int_dec_and_test (&link->refs))
    g_free (link);
}

/* ---- the OuroClass of a link ----------------------------------------- */

static guint
link_get_refcount (gpointer object)
{
  BindingLink *link = object;
  guint refcount;

  pthread_mutex_lock (&bindings_lock);
  refcount = bindings_link_holds (link) ? link->n_holders : 0;
  pthread_mutex_unlock (&bindings_lock);
  return refcount;
}

static void
link_traverse (gpointer      object,
               OuroVisitFunc visit,
               gpointer      user_data)
{
  BindingLink *link = object;
  GBinding *binding = NULL;

  pthread_mutex_lock (&bindings_lock);
  if (bindings_link_holds (link))
    binding = link->binding;
  pthread_mutex_unlock (&bindings_lock);
  /* Still a valid pointer: GLib lets go of the link before the binding can
   * be finalized, and its finalization waits for this scan (untrack). */
  ouro_gobject_visit (visit, binding, "binding", user_data);
}

static const char *
link_get_type_name (gpointer object)
{
  return "GBinding link";
}

static char *
link_describe (gpointer object)
{
  BindingLink *link = object;

  return g_strdup_printf ("%s:%s -> %s:%s, holds its GBinding %p until either is disposed",
                          link->source_type, link->source_property,
                          link->target_type, link->target_property, link->binding);
}

/* No ref, unref nor clear: ouro_collect () unbinds the binding when it
 * clears its source or target (ouro_gobject_bindings_unbind_for (); GLib's
 * own weak notify would not, the collect having cleared the binding's weak
 * reference), and the link goes with it. */
static const OuroClass link_class = {
  .name = "GBinding link",
  .get_refcount = link_get_refcount,
  .traverse = link_traverse,
  .get_type_name = link_get_type_name,
  .describe = link_describe,
};

/* ---- what GLib calls -------------------------------------------------- */

/* Calls @closure as g_object_bind_property_with_closures () documents:
 * (binding, source value, target value) -> gboolean, the target value
 * passed boxed and copied back on success. */
static gboolean
bindings_invoke_closure (GClosure     *closure,
                         GBinding     *binding,
                         const GValue *from_value,
                         GValue       *to_value)
{
  GValue params[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  GValue result = G_VALUE_INIT;
  gboolean done;

  g_value_init (&params[0], G_TYPE_BINDING);
  g_value_set_object (&params[0], binding);
  g_value_init (&params[1], G_TYPE_VALUE);
  g_value_set_boxed (&params[1], from_value);
  g_value_init (&params[2], G_TYPE_VALUE);
  g_value_set_boxed (&params[2], to_value);
  g_value_init (&result, G_TYPE_BOOLEAN);

  g_closure_invoke (closure, &result, G_N_ELEMENTS (params), params, NULL);
  done = g_value_get_boolean (&result);
  if (done)
    g_value_copy (g_value_get_boxed (&params[2]), to_value);

  for (guint i = 0; i < G_N_ELEMENTS (params); i++)
    g_value_unset (&params[i]);
  g_value_unset (&result);
  return done;
}

/* The caller's transform one way (@forward: source to target), with the
 * caller's data. */
static gboolean
bindings_transform (BindingLink  *link,
                    gboolean      forward,
                    GBinding     *binding,
                    const GValue *from_value,
                    GValue       *to_value)
{
  GClosure *closure = forward ? link->closure_to : link->closure_from;

  if (closure != NULL)
    return bindings_invoke_closure (closure, binding, from_value, to_value);
  return (forward ? link->transform_to : link->transform_from) (binding, from_value, to_value,
                                                                link->data);
}

static gboolean
bindings_transform_to (GBinding     *binding,
                       const GValue *from_value,
                       GValue       *to_value,
                       gpointer      user_data)
{
  return bindings_transform (user_data, TRUE, binding, from_value, to_value);
}

static gboolean
bindings_transform_from (GBinding     *binding,
                         const GValue *from_value,
                         GValue       *to_value,
                         gpointer      user_data)
{
  return bindings_transform (user_data, FALSE, binding, from_value, to_value);
}

/* What GLib gets as the transform one way: NULL where the caller gave
 * none, so GLib's default (which ignores the data) applies. */
static GBindingTransformFunc
bindings_transform_func (const BindingLink *link,
                         gboolean           forward)
{
  if (forward)
    return link->closure_to != NULL || link->transform_to != NULL ? bindings_transform_to : NULL;
  return link->closure_from != NULL || link->transform_from != NULL ? bindings_transform_from : NULL;
}

/* GLib's destroy notify for the link: the binding lets go of its transform
 * box, before it drops its joint reference.  After it the link holds
 * nothing and is untracked, and the caller's data has been released. */
static void
bindings_release (gpointer user_data)
{
  BindingLink *link = user_data;

  pthread_mutex_lock (&bindings_lock);
  link->released = TRUE;
  if (link->registered)
    g_hash_table_remove (bindings_live, GSIZE_TO_POINTER (link->serial));
  pthread_mutex_unlock (&bindings_lock);
  /* Waits for a scan that reads it. */
  ouro_untrack (link);

  if (link->notify != NULL)
    link->notify (link->data);
  g_clear_pointer (&link->closure_to, g_closure_unref);
  g_clear_pointer (&link->closure_from, g_closure_unref);
  bindings_link_unref (link);
}

/* ---- making one ------------------------------------------------------- */

/* Returns the interned label "binding SOURCE->TARGET: @role". */
static const char *
bindings_label (const BindingLink *link,
                const char        *role)
{
  char *label = g_strdup_printf ("binding %s->%s: %s", link->source_property,
                                 link->target_property, role);
  const char *interned = g_intern_string (label);

  g_free (label);
  return interned;
}

/* Records what the binding @link stands for holds, once GLib made it. */
static void
bindings_record (BindingLink *link,
                 GObject     *source,
                 GObject     *target)
{
  GObject *binding = G_OBJECT (link->binding);
  gboolean registered;

  /* What ouro_gobject_track () does, without its check that the pointer
   * is a readable object (a system call): GLib just returned it. */
  ouro_track (binding, ouro_gobject_class ());
  ouro_track (link, &link_class);

  pthread_mutex_lock (&bindings_lock);
  registered = !link->released;
  if (registered)
    {
      link->serial = bindings_next_serial++;
      link->registered = TRUE;
      if (bindings_live == NULL)
        bindings_live = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (bindings_live, GSIZE_TO_POINTER (link->serial), link);
    }
  pthread_mutex_unlock (&bindings_lock);
  if (!registered)
    {
      /* Unbound already (by a transform run at sync-create): nothing holds. */
      ouro_untrack (link);
      return;
    }

  /* The records hold while the link does (ouro_gobject_binding_holds ()):
   * a record left after GLib let go is dropped at the next scan. */
  if (source == target)
    ouro_gobject_record_add (source, OURO_RECORD_BINDING, link->serial, link,
                             bindings_label (link, "source and target"));
  else
    {
      ouro_gobject_record_add (source, OURO_RECORD_BINDING, link->serial, link,
                               bindings_label (link, "source"));
      ouro_gobject_record_add (target, OURO_RECORD_BINDING, link->serial, link,
                               bindings_label (link, "target"));
    }
  if (link->data != NULL && ouro_gobject_is_unref_func ((gpointer) link->notify))
    ouro_gobject_record_add (binding, OURO_RECORD_BINDING, link->serial, link->data,
                             g_intern_static_string ("binding transform data"));

  /* One record per reference the binding holds on a closure (twice when
   * one closure transforms both ways). */
  for (guint i = 0; i < 2; i++)
    {
      GClosure *closure = i == 0 ? link->closure_to : link->closure_from;
      gpointer held = closure != NULL ? ouro_gobject_closure_held_object (closure) : NULL;

      if (held != NULL && ouro_gobject_closure_note_handler (closure))
        ouro_gobject_record_add_closure (binding, OURO_RECORD_BINDING, link->serial, closure,
                                         held,
                                         g_intern_static_string ("binding transform closure data"),
                                         g_intern_static_string ("binding transform closure"));
    }
}

/* Binds through GLib with @link standing in for the caller's transform
 * data, then records.  Takes @link's maker reference. */
static GBinding *
bindings_bind (BindingLink   *link,
               gpointer       source,
               const gchar   *source_property,
               gpointer       target,
               const gchar   *target_property,
               GBindingFlags  flags)
{
  GBinding *binding;

  /* GLib's notify reference, and the maker's. */
  g_atomic_int_set (&link->refs, 2);
  binding = bindings_real_full (source, source_property, target, target_property, flags,
                                bindings_transform_func (link, TRUE),
                                bindings_transform_func (link, FALSE),
                                link, bindings_release);
  if (binding == NULL)
    {
      /* Refused with a warning: GLib drops neither the data nor the
       * closures then, and neither does this. */
      g_free (link);
      return NULL;
    }

  link->binding = binding;
  link->source = source;
  link->target = target;
  link->n_holders = source == target ? 1 : 2;
  link->source_type = G_OBJECT_TYPE_NAME (source);
  link->target_type = G_OBJECT_TYPE_NAME (target);
  link->source_property = g_intern_string (source_property);
  link->target_property = g_intern_string (target_property);
  bindings_record (link, source, target);
  bindings_link_unref (link);
  return binding;
}

OURO_INTERPOSE GBinding *
g_object_bind_property_full (gpointer               source,
                             const gchar           *source_property,
                             gpointer               target,
                             const gchar           *target_property,
                             GBindingFlags          flags,
                             GBindingTransformFunc  transform_to,
                             GBindingTransformFunc  transform_from,
                             gpointer               user_data,
                             GDestroyNotify         notify)
{
  BindingLink *link;

  bindings_resolve ();
  /* What GLib refuses it refuses itself, with its own warnings. */
  if (!ouro_gobject_is_initialized () || !G_IS_OBJECT (source) || !G_IS_OBJECT (target)
      || source_property == NULL || target_property == NULL)
    return bindings_real_full (source, source_property, target, target_property, flags,
                               transform_to, transform_from, user_data, notify);

  link = g_new0 (BindingLink, 1);
  link->transform_to = transform_to;
  link->transform_from = transform_from;
  link->data = user_data;
  link->notify = notify;
  return bindings_bind (link, source, source_property, target, target_property, flags);
}

OURO_INTERPOSE GBinding *
g_object_bind_property (gpointer       source,
                        const gchar   *source_property,
                        gpointer       target,
                        const gchar   *target_property,
                        GBindingFlags  flags)
{
  /* libgobject's calls its _full directly: through the interposer here. */
  return g_object_bind_property_full (source, source_property, target, target_property,
                                      flags, NULL, NULL, NULL, NULL);
}

OURO_INTERPOSE GBinding *
g_object_bind_property_with_closures (gpointer       source,
                                      const gchar   *source_property,
                                      gpointer       target,
                                      const gchar   *target_property,
                                      GBindingFlags  flags,
                                      GClosure      *transform_to,
                                      GClosure      *transform_from)
{
  BindingLink *link;

  bindings_resolve ();
  link = g_new0 (BindingLink, 1);
  /* As GLib does: the binding owns one reference on each closure (a
   * floating one is taken over), marshalled as a transform function. */
  if (transform_to != NULL)
    {
      if (G_CLOSURE_NEEDS_MARSHAL (transform_to))
        g_closure_set_marshal (transform_to, g_cclosure_marshal_BOOLEAN__BOXED_BOXED);
      link->closure_to = g_closure_ref (transform_to);
      g_closure_sink (transform_to);
    }
  if (transform_from != NULL)
    {
      if (G_CLOSURE_NEEDS_MARSHAL (transform_from))
        g_closure_set_marshal (transform_from, g_cclosure_marshal_BOOLEAN__BOXED_BOXED);
      link->closure_from = g_closure_ref (transform_from);
      g_closure_sink (transform_from);
    }

  if (!ouro_gobject_is_initialized () || !G_IS_OBJECT (source) || !G_IS_OBJECT (target)
      || source_property == NULL || target_property == NULL)
    {
      /* Not followed: GLib's own path, with the references taken above
       * handed over as its notify releases them. */
      GBinding *binding;

      g_atomic_int_set (&link->refs, 1);
      link->registered = FALSE;
      binding = bindings_real_full (source, source_property, target, target_property, flags,
                                    bindings_transform_func (link, TRUE),
                                    bindings_transform_func (link, FALSE),
                                    link, bindings_release);
      if (binding == NULL)
        g_free (link);
      return binding;
    }
  return bindings_bind (link, source, source_property, target, target_property, flags);
}
