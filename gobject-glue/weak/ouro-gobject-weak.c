/* ouro-gobject-weak.c — weak-reference helpers: closures, signal handlers,
 * main-loop sources and async callbacks that hold their object weakly and
 * let go of it when it is disposed (the contract is in ouro-gobject.h).
 *
 * MT safe.  Each helper keeps its object in a WeakLink: a GWeakRef, which
 * GLib clears under its own lock before dispose starts on the last-unref
 * path, so a strong reference taken from it for the duration of a call is
 * always safe; and a place in the object's WeakHub, so the helper is told
 * of the disposal.
 *
 * The hub is a list of links hung on the object as qdata, with one
 * g_object_weak_ref() per object; its notify runs at the end of dispose
 * (g_object_real_dispose) on the disposing thread.  Links leave the hub
 * under weak_lock and never touch the object to do so, because a weak ref
 * cannot be removed safely from an object that may be dying on another
 * thread (g_object_weak_unref would race with the notify, and
 * g_object_watch_closure's marshal guards ref the object with no lock at
 * all, which is why g_signal_connect_object is not thread safe).  An
 * object whose helpers have all gone keeps its empty hub, a few bytes,
 * until it is disposed.
 *
 * Lock order: weak_lock, then GLib's own locks (qdata, weak refs, a main
 * context).  Nothing here is called by GLib with one of those held, and no
 * user code runs under weak_lock.
 */
/* For RTLD_DEFAULT and RTLD_NOLOAD; before any system header. */
#define _GNU_SOURCE

#include "config.h"

#include <dlfcn.h>
#include <pthread.h>

#include "ouro-gobject-private.h"

typedef struct _WeakHub  WeakHub;
typedef struct _WeakLink WeakLink;

/* What a kind of helper does when its object is disposed.  ref_owner runs
 * under weak_lock on a link still in its hub, whose owner (the closure,
 * source or async data) is therefore alive: every owner leaves the hub,
 * under the lock, before it can be freed.  It returns a new reference to
 * the owner, taken by a plain atomic increment: no user code may run
 * under the lock.  target_disposed runs outside the lock, on the disposing
 * thread, and drops that reference. */
typedef struct {
  gpointer (*ref_owner)       (WeakLink *link);
  void     (*target_disposed) (gpointer  owner);
} WeakLinkKind;

struct _WeakLink {
  const WeakLinkKind *kind;
  GWeakRef            target;
  WeakHub            *hub;    /* under weak_lock; NULL once out of it */
  WeakLink           *prev;   /* under weak_lock: the hub's list */
  WeakLink           *next;
  gint                n_calls; /* atomic: see weak_link_release() */
};

struct _WeakHub {
  WeakLink *first;            /* under weak_lock */
};

#define WEAK_LINK_OWNER(link, Type) \
  ((Type *) (gpointer) ((char *) (link) - G_STRUCT_OFFSET (Type, link)))

/* A pthread mutex rather than a GMutex, as in the registry: ThreadSanitizer
 * understands it, while GLib's futex-based GMutex is invisible to it. */
static pthread_mutex_t weak_lock = PTHREAD_MUTEX_INITIALIZER;
static GQuark          weak_hub_quark;   /* under weak_lock */

/* ---- links and hubs ---------------------------------------------------- */

static void
weak_link_init (WeakLink           *link,
                const WeakLinkKind *kind,
                gpointer            target)
{
  link->kind = kind;
  g_weak_ref_init (&link->target, target);
  link->hub = NULL;
  link->prev = link->next = NULL;
  link->n_calls = 0;
}

static void weak_hub_notify (gpointer  data,
                             GObject  *where_the_object_was);

/* Under weak_lock, with a strong reference to @target held by the caller.
 * After it: @link is in @target's hub, which exists and holds a weak ref on
 * @target until its dispose. */
static void
weak_link_attach_locked (WeakLink *link,
                         GObject  *target)
{
  WeakHub *hub;

  g_assert (link->hub == NULL);

  if (weak_hub_quark == 0)
    weak_hub_quark = g_quark_from_static_string ("ouro-weak-hub");
  hub = g_object_get_qdata (target, weak_hub_quark);
  if (hub == NULL)
    {
      hub = g_new0 (WeakHub, 1);
      g_object_set_qdata (target, weak_hub_quark, hub);
      g_object_weak_ref (target, weak_hub_notify, hub);
    }

  link->hub = hub;
  link->prev = NULL;
  link->next = hub->first;
  if (hub->first != NULL)
    hub->first->prev = link;
  hub->first = link;
}

static void
weak_link_attach (WeakLink *link,
                  GObject  *target)
{
  pthread_mutex_lock (&weak_lock);
  weak_link_attach_locked (link, target);
  pthread_mutex_unlock (&weak_lock);
}

/* After it: @link is in no hub, and the disposal of its object will not
 * reach its owner (if the disposal already took it, it holds its own
 * reference to the owner).  Never touches the object, so it is safe
 * whatever state the object is in. */
static void
weak_link_detach (WeakLink *link)
{
  pthread_mutex_lock (&weak_lock);
  if (link->hub != NULL)
    {
      if (link->prev != NULL)
        link->prev->next = link->next;
      else
        link->hub->first = link->next;
      if (link->next != NULL)
        link->next->prev = link->prev;
      link->hub = NULL;
      link->prev = link->next = NULL;
    }
  pthread_mutex_unlock (&weak_lock);
}

/* Returns: (transfer full) (nullable): the object, or NULL once its last
 * reference is gone. */
static gpointer
weak_link_ref_target (WeakLink *link)
{
  return g_weak_ref_get (&link->target);
}

/* GLib is not instrumented for ThreadSanitizer, so it cannot see the
 * atomics in libgobject and libglib (closure and source-callback
 * refcounts, a GMutex) that order a call through a helper on one thread
 * before the helper is freed on another.  Every call ends with
 * weak_link_release() and every free starts with weak_link_acquire(): the
 * order GLib already guarantees, made visible to it.  It hides no race: if
 * a free ever overlapped a call, the acquire would not see the release and
 * the report would stand.  Costs one atomic add per call. */
static void
weak_link_release (WeakLink *link)
{
  g_atomic_int_inc (&link->n_calls);
}

static void
weak_link_acquire (WeakLink *link)
{
  (void) g_atomic_int_get (&link->n_calls);
}

/* Before the memory holding @link is freed.  After it: @link is out of its
 * hub and holds nothing. */
static void
weak_link_clear (WeakLink *link)
{
  weak_link_detach (link);
  weak_link_acquire (link);
  g_weak_ref_clear (&link->target);
}

typedef struct {
  const WeakLinkKind *kind;
  gpointer            owner;
} WeakDisposal;

/* The object is being disposed (end of g_object_real_dispose, or of
 * g_object_unref if a dispose did not chain up); it is still valid.  After
 * it: the hub is freed and gone from the object, every link that was in it
 * is out of it, and each owner was told (invalidated, removed, cancelled)
 * on this thread. */
static void
weak_hub_notify (gpointer  data,
                 GObject  *where_the_object_was)
{
  WeakHub *hub = data;
  GArray *disposals = g_array_new (FALSE, FALSE, sizeof (WeakDisposal));

  pthread_mutex_lock (&weak_lock);
  /* A helper made later, on an object that survives its dispose
   * (g_object_run_dispose, or a resurrection), starts a new hub with a new
   * weak ref. */
  if (g_object_get_qdata (where_the_object_was, weak_hub_quark) == hub)
    g_object_set_qdata (where_the_object_was, weak_hub_quark, NULL);
  while (hub->first != NULL)
    {
      WeakLink *link = hub->first;
      WeakDisposal disposal = { link->kind, link->kind->ref_owner (link) };

      hub->first = link->next;
      link->hub = NULL;
      link->prev = link->next = NULL;
      g_array_append_val (disposals, disposal);
    }
  pthread_mutex_unlock (&weak_lock);
  g_free (hub);

  /* Outside the lock: invalidating a closure or destroying a source runs
   * user notifiers, which may create or release helpers. */
  for (guint i = 0; i < disposals->len; i++)
    {
      WeakDisposal *disposal = &g_array_index (disposals, WeakDisposal, i);

      disposal->kind->target_disposed (disposal->owner);
    }
  g_array_unref (disposals);
}

/* ---- closures ---------------------------------------------------------- */

/* closure.data is the object's address, for matching only
 * (g_signal_handlers_disconnect_by_data); never dereferenced. */
typedef struct {
  GClosure   closure;          /* first: a GClosure * is a WeakClosure * */
  GCallback  callback;
  gboolean   swapped;
  gboolean   guards_instance;  /* ouro_signal_connect_weak on a GObject */
  GWeakRef   instance;         /* then: the instance it is connected on */
  WeakLink   link;
} WeakClosure;

/* The meta marshal, so that a connection still sets closure.marshal to the
 * signal's C marshaller, which the call below uses. */
static void
weak_closure_marshal (GClosure     *closure,
                      GValue       *return_value,
                      guint         n_param_values,
                      const GValue *param_values,
                      gpointer      invocation_hint,
                      gpointer      marshal_data)
{
  WeakClosure *self = (WeakClosure *) closure;
  gpointer target = weak_link_ref_target (&self->link);
  GClosure *call;

  if (target == NULL)
    {
      weak_link_release (&self->link);
      return;
    }

  /* A closure of our own for this one call, rather than data stored in
   * the shared closure: two threads may emit at once. */
  if (self->swapped)
    call = g_cclosure_new_swap (self->callback, target, NULL);
  else
    call = g_cclosure_new (self->callback, target, NULL);
  g_closure_set_marshal (call, closure->marshal != NULL ? closure->marshal
                                                        : g_cclosure_marshal_generic);
  weak_link_release (&self->link);

  g_closure_invoke (call, return_value, n_param_values, param_values, invocation_hint);
  g_closure_unref (call);
  g_object_unref (target);
}

/* Runs while the closure still holds a reference (g_closure_unref
 * invalidates before it frees), which is what ref_owner relies on. */
static void
weak_closure_invalidated (gpointer  data,
                          GClosure *closure)
{
  weak_link_detach (&((WeakClosure *) closure)->link);
}

static void
weak_closure_finalized (gpointer  data,
                        GClosure *closure)
{
  WeakClosure *self = (WeakClosure *) closure;

  weak_link_clear (&self->link);
  if (self->guards_instance)
    g_weak_ref_clear (&self->instance);
}

static gpointer
weak_closure_ref_owner (WeakLink *link)
{
  return g_closure_ref (&WEAK_LINK_OWNER (link, WeakClosure)->closure);
}

/* Invalidating a connected closure makes GLib remove its handler from the
 * instance, which must then be alive: an instance that is dying on another
 * thread is left to its own g_signal_handlers_destroy(), which releases the
 * closure just as well. */
static void
weak_closure_target_disposed (gpointer owner)
{
  WeakClosure *self = owner;
  GObject *instance = NULL;

  if (self->guards_instance)
    instance = g_weak_ref_get (&self->instance);
  if (!self->guards_instance || instance != NULL)
    g_closure_invalidate (&self->closure);
  g_clear_object (&instance);
  weak_link_release (&self->link);
  g_closure_unref (&self->closure);
}

static const WeakLinkKind weak_closure_kind = {
  weak_closure_ref_owner,
  weak_closure_target_disposed,
};

/* Returns: (transfer floating): a weak closure on @object, in its hub;
 * @instance (nullable) is the instance it will be connected on. */
static GClosure *
weak_closure_new (GCallback callback,
                  gpointer  object,
                  gboolean  swapped,
                  gpointer  instance)
{
  GClosure *closure = g_closure_new_simple (sizeof (WeakClosure), object);
  WeakClosure *self = (WeakClosure *) closure;

  self->callback = callback;
  self->swapped = swapped;
  self->guards_instance = instance != NULL && G_IS_OBJECT (instance);
  if (self->guards_instance)
    g_weak_ref_init (&self->instance, instance);
  weak_link_init (&self->link, &weak_closure_kind, object);
  g_closure_set_meta_marshal (closure, NULL, weak_closure_marshal);
  g_closure_add_invalidate_notifier (closure, NULL, weak_closure_invalidated);
  g_closure_add_finalize_notifier (closure, NULL, weak_closure_finalized);
  weak_link_attach (&self->link, object);

  return closure;
}

/**
 * ouro_weak_closure_new:
 * @callback: the function to call; it receives the object as its last
 *   argument (user data)
 * @object: (type GObject): the object, held weakly
 *
 * Creates a closure like g_cclosure_new (@callback, @object, NULL) that
 * does not keep @object alive.  While @object lives, each invocation holds
 * a strong reference to it for the call.  Once its last reference is gone
 * the closure calls nothing (a signal with a return value then returns its
 * default), and by the time its dispose has finished the closure is
 * invalidated, which disconnects it from any signal it was connected to.
 *
 * The call uses the closure's marshal: a signal connection sets the
 * signal's C marshaller, and one can be set with g_closure_set_marshal();
 * with none, g_cclosure_marshal_generic().  The meta marshal is taken.
 * closure->data is @object's address, for matching only.
 *
 * MT safe: the closure may be invoked on any thread, and @object disposed
 * on any other.
 *
 * Returns: (transfer floating): a new floating closure, or NULL with a
 *   critical if @callback is NULL or @object is not a GObject
 */
GClosure *
ouro_weak_closure_new (GCallback callback,
                       gpointer  object)
{
  g_return_val_if_fail (callback != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);

  return weak_closure_new (callback, object, FALSE, NULL);
}

/**
 * ouro_signal_connect_weak:
 * @instance: (type GObject.TypeInstance): the instance to connect to
 * @detailed_signal: a signal name, with an optional "::detail"
 * @handler: the handler; it receives @target as its user data
 * @target: (type GObject): the object the handler works for, held weakly
 * @flags: G_CONNECT_AFTER and G_CONNECT_SWAPPED, as for
 *   g_signal_connect_data()
 *
 * Connects @handler like g_signal_connect_object() does, without keeping
 * @target alive, and better than it: the handler is never called again
 * once @target's last reference is gone, not even from @target's own
 * dispose, and it is disconnected by the time that dispose has finished.
 * Each call holds a strong reference to @target.  Disconnecting the
 * handler, or finalizing @instance, first releases everything.
 *
 * MT safe: @instance may emit on any thread while @target is disposed on
 * another.  As with any handler, finalizing @instance on one thread while
 * @target is being disposed on another is safe only when @instance is a
 * GObject.
 *
 * Returns: the handler id, or 0 with a critical on bad arguments (an
 *   unknown signal, a @target that is not a GObject)
 */
gulong
ouro_signal_connect_weak (gpointer       instance,
                          const char    *detailed_signal,
                          GCallback      handler,
                          gpointer       target,
                          GConnectFlags  flags)
{
  GClosure *closure;
  guint signal_id;
  GQuark detail;
  gulong id;

  g_return_val_if_fail (G_TYPE_CHECK_INSTANCE (instance), 0);
  g_return_val_if_fail (detailed_signal != NULL, 0);
  g_return_val_if_fail (handler != NULL, 0);
  g_return_val_if_fail (G_IS_OBJECT (target), 0);

  if (!g_signal_parse_name (detailed_signal, G_TYPE_FROM_INSTANCE (instance),
                            &signal_id, &detail, TRUE))
    {
      g_critical ("%s: signal '%s' is invalid for instance '%p' of type '%s'",
                  G_STRFUNC, detailed_signal, instance,
                  G_OBJECT_TYPE_NAME (instance));
      return 0;
    }

  closure = weak_closure_new (handler, target, (flags & G_CONNECT_SWAPPED) != 0,
                              instance);
  /* Owned here, so that a refused connection frees it. */
  g_closure_ref (closure);
  g_closure_sink (closure);
  id = g_signal_connect_closure_by_id (instance, signal_id, detail, closure,
                                       (flags & G_CONNECT_AFTER) != 0);
  g_closure_unref (closure);

  return id;
}

/* ---- main-loop sources ------------------------------------------------- */

typedef struct {
  WeakLink     link;
  GSourceFunc  function;
  GSource     *source;    /* borrowed: the source owns this as its callback data */
} WeakSource;

static gboolean
weak_source_dispatch (gpointer user_data)
{
  WeakSource *self = user_data;
  GSourceFunc function = self->function;
  gpointer object = weak_link_ref_target (&self->link);
  gboolean again;

  weak_link_release (&self->link);
  /* Dying: the disposal removes the source too; removing it here as well
   * spares a second dispatch. */
  if (object == NULL)
    return G_SOURCE_REMOVE;

  again = function (object);
  g_object_unref (object);
  return again;
}

/* The callback's destroy notify: GLib calls it when the source is
 * destroyed (the context still holds the source), or when it is freed. */
static void
weak_source_free (gpointer data)
{
  WeakSource *self = data;

  weak_link_clear (&self->link);
  g_free (self);
}

static gpointer
weak_source_ref_owner (WeakLink *link)
{
  return g_source_ref (WEAK_LINK_OWNER (link, WeakSource)->source);
}

static void
weak_source_target_disposed (gpointer owner)
{
  GSource *source = owner;

  g_source_destroy (source);
  g_source_unref (source);
}

static const WeakLinkKind weak_source_kind = {
  weak_source_ref_owner,
  weak_source_target_disposed,
};

/* Takes @source.  Returns: its id on the default main context. */
static guint
weak_source_attach (GSource     *source,
                    GSourceFunc  function,
                    GObject     *object)
{
  WeakSource *self = g_new0 (WeakSource, 1);
  guint id;

  weak_link_init (&self->link, &weak_source_kind, object);
  self->function = function;
  self->source = source;
  g_source_set_callback (source, weak_source_dispatch, self, weak_source_free);

  /* Both under the lock: a disposal on another thread then finds the
   * source attached, never between the two (g_source_destroy on a source
   * not yet attached would make the attach fail). */
  pthread_mutex_lock (&weak_lock);
  weak_link_attach_locked (&self->link, object);
  id = g_source_attach (source, NULL);
  pthread_mutex_unlock (&weak_lock);
  g_source_unref (source);

  return id;
}

/**
 * ouro_timeout_add_weak:
 * @interval_ms: the time between calls, in milliseconds
 * @function: called with @object, at G_PRIORITY_DEFAULT; returns
 *   G_SOURCE_CONTINUE to be called again, G_SOURCE_REMOVE to stop
 * @object: (type GObject): the object, held weakly
 *
 * Like g_timeout_add (@interval_ms, @function, @object), without keeping
 * @object alive: @function gets a strong reference to @object for each
 * call, is never called once @object's last reference is gone, and the
 * source is removed from the default main context as soon as @object is
 * disposed, not at its next dispatch.  g_source_remove() of the id, or
 * G_SOURCE_REMOVE, releases everything.
 *
 * MT safe: @object may be disposed on any thread.
 *
 * Returns: the source id, or 0 with a critical on bad arguments
 */
guint
ouro_timeout_add_weak (guint        interval_ms,
                       GSourceFunc  function,
                       gpointer     object)
{
  GSource *source;

  g_return_val_if_fail (function != NULL, 0);
  g_return_val_if_fail (G_IS_OBJECT (object), 0);

  source = g_timeout_source_new (interval_ms);
  g_source_set_static_name (source, "[ouro] weak timeout");
  return weak_source_attach (source, function, object);
}

/**
 * ouro_idle_add_weak:
 * @function: called with @object, at G_PRIORITY_DEFAULT_IDLE; returns
 *   G_SOURCE_CONTINUE to be called again, G_SOURCE_REMOVE to stop
 * @object: (type GObject): the object, held weakly
 *
 * Like g_idle_add (@function, @object), without keeping @object alive, as
 * ouro_timeout_add_weak() does.
 *
 * MT safe: @object may be disposed on any thread.
 *
 * Returns: the source id, or 0 with a critical on bad arguments
 */
guint
ouro_idle_add_weak (GSourceFunc function,
                    gpointer    object)
{
  GSource *source;

  g_return_val_if_fail (function != NULL, 0);
  g_return_val_if_fail (G_IS_OBJECT (object), 0);

  source = g_idle_source_new ();
  g_source_set_static_name (source, "[ouro] weak idle");
  return weak_source_attach (source, function, object);
}

/* ---- async callbacks --------------------------------------------------- */

typedef void (*WeakCancelFunc) (struct _GCancellable *cancellable);

/* Shared by the caller (until completion or ouro_weak_async_data_free) and
 * by a disposal of its object while that runs, hence its own refcount: a
 * reference to the cancellable would do, but taking one can run a toggle
 * notify (a language binding's), which must not run under weak_lock. */
typedef struct {
  WeakLink              link;        /* in a hub only with a cancellable */
  gint                  ref_count;   /* atomic */
  OuroWeakAsyncFunc     callback;
  struct _GCancellable *cancellable; /* a reference, or NULL */
} WeakAsync;

/* Set once under weak_lock, before the first link that uses it enters a
 * hub; read after a disposal took the lock: always seen set. */
static WeakCancelFunc weak_cancel;

/* libouro-gobject links no GIO (gobject-2.0 is its only GLib dependency),
 * and a program that hands it a GCancellable has GIO loaded: look
 * g_cancellable_cancel up there, once, even if GIO was dlopen()ed
 * privately.  Under weak_lock.  Returns: NULL if GIO cannot be found. */
static WeakCancelFunc
weak_async_find_cancel_locked (void)
{
  if (weak_cancel == NULL)
    {
      gpointer symbol = dlsym (RTLD_DEFAULT, "g_cancellable_cancel");

      if (symbol == NULL)
        {
          void *gio = dlopen ("libgio-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD);

          if (gio != NULL)
            {
              symbol = dlsym (gio, "g_cancellable_cancel");
              dlclose (gio);   /* still loaded: NOLOAD only counted a use */
            }
        }
      weak_cancel = (WeakCancelFunc) symbol;
    }
  return weak_cancel;
}

static WeakAsync *
weak_async_ref (WeakAsync *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

static void
weak_async_unref (WeakAsync *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  weak_link_clear (&self->link);
  g_clear_object (&self->cancellable);
  g_free (self);
}

/* The caller's reference, last: once out of the hub, no disposal can take
 * a new one. */
static void
weak_async_release (WeakAsync *self)
{
  weak_link_detach (&self->link);
  weak_async_unref (self);
}

static gpointer
weak_async_ref_owner (WeakLink *link)
{
  return weak_async_ref (WEAK_LINK_OWNER (link, WeakAsync));
}

static void
weak_async_target_disposed (gpointer owner)
{
  WeakAsync *self = owner;

  weak_cancel (self->cancellable);
  weak_async_unref (self);
}

static const WeakLinkKind weak_async_kind = {
  weak_async_ref_owner,
  weak_async_target_disposed,
};

/**
 * ouro_weak_async_data_new:
 * @self: (type GObject): the object the callback works for, held weakly
 * @callback: (scope async): a GAsyncReadyCallback; it receives @self as
 *   its user data
 * @cancellable: (type Gio.Cancellable) (nullable): to cancel when @self is
 *   disposed; pass the same one to the operation
 *
 * Makes the user data to pass, with ouro_weak_async_ready() as the
 * callback, to one *_async() call, so that the pending operation does not
 * keep @self alive.  The operation's completion then calls @callback only
 * if @self is still alive, with a strong reference held for the call.  If
 * @cancellable is given, it is held until completion and cancelled as soon
 * as @self is disposed.  Data that no operation will take is freed with
 * ouro_weak_async_data_free().
 *
 * MT safe: @self may be disposed on any thread; the completion runs where
 * the operation delivers it, as usual.
 *
 * Returns: (transfer full): the user data, or NULL with a critical on bad
 *   arguments
 */
gpointer
ouro_weak_async_data_new (gpointer              self,
                          OuroWeakAsyncFunc     callback,
                          struct _GCancellable *cancellable)
{
  WeakAsync *async;

  g_return_val_if_fail (G_IS_OBJECT (self), NULL);
  g_return_val_if_fail (callback != NULL, NULL);
  if (cancellable != NULL)
    {
      GType cancellable_type = g_type_from_name ("GCancellable");

      g_return_val_if_fail (cancellable_type != 0 &&
                            G_TYPE_CHECK_INSTANCE_TYPE (cancellable, cancellable_type), NULL);
    }

  async = g_new0 (WeakAsync, 1);
  weak_link_init (&async->link, &weak_async_kind, self);
  async->ref_count = 1;
  async->callback = callback;
  if (cancellable == NULL)
    return async;

  pthread_mutex_lock (&weak_lock);
  if (weak_async_find_cancel_locked () == NULL)
    {
      pthread_mutex_unlock (&weak_lock);
      g_critical ("%s: g_cancellable_cancel() not found in this process", G_STRFUNC);
      weak_async_release (async);
      return NULL;
    }
  async->cancellable = g_object_ref (cancellable);
  weak_link_attach_locked (&async->link, self);
  pthread_mutex_unlock (&weak_lock);

  return async;
}

/**
 * ouro_weak_async_ready:
 * @source_object: (nullable): the object the operation ran on
 * @result: the operation's GAsyncResult
 * @data: (transfer full): from ouro_weak_async_data_new()
 *
 * A GAsyncReadyCallback: calls the data's callback with @source_object,
 * @result and the data's object if that object is still alive (holding a
 * strong reference for the call), and frees @data either way.  When the
 * object is gone, @result is left unfinished: a GTask frees what it holds.
 */
void
ouro_weak_async_ready (GObject              *source_object,
                       struct _GAsyncResult *result,
                       gpointer              data)
{
  WeakAsync *async = data;
  OuroWeakAsyncFunc callback;
  gpointer self;

  g_return_if_fail (async != NULL);

  callback = async->callback;
  self = weak_link_ref_target (&async->link);
  /* Released before the call: the operation is over, so disposing of self
   * in the callback must not cancel the cancellable, which may serve
   * others. */
  weak_async_release (async);

  if (self != NULL)
    {
      callback (source_object, result, self);
      g_object_unref (self);
    }
}

/**
 * ouro_weak_async_data_free:
 * @data: (nullable) (transfer full): from ouro_weak_async_data_new(), not
 *   given to any operation
 *
 * Frees data that no operation took, without calling its callback or
 * cancelling its cancellable.
 */
void
ouro_weak_async_data_free (gpointer data)
{
  if (data != NULL)
    weak_async_release (data);
}
