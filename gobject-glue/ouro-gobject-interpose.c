/* ouro-gobject-interpose.c — seeing the references GObject keeps no public
 * record of, as they are made.
 *
 * MT safe: the records of all objects are guarded by one lock, never held
 * while calling into GLib code that could call back here.
 *
 * A signal handler whose data is a GObject released with g_object_unref
 * (the bound-callback back-reference), qdata set with g_object_unref as
 * destroy notify, and a GTK4 controller given to a widget are all strong
 * references that no GLib API lists.  libgobject calls itself directly, so
 * the glue defines the public entry points that programs, GTK and GIO call
 * through the PLT — g_signal_connect_data, _closure, _closure_by_id,
 * _object; libglib's g_datalist_id_set_data_full, _remove_no_notify,
 * _replace_data (libgobject calls those through the PLT too);
 * gtk_widget_add_controller — forwards to the real functions (looked up in
 * the libraries that define them), and records what it sees in the
 * owner's own qdata, so the records go when the owner is finalized.
 *
 * A record is only a claim: every scan checks it again (the handler is
 * still connected, the qdata still holds that object, the controller is
 * still on that widget) and drops it if not, so a stale record can hide an
 * edge but never invent one.
 *
 * This works when libouro-gobject comes before libgobject in the symbol
 * search order: LD_PRELOAD, or linked before gobject-2.0.
 * ouro_gobject_interpose_check () says when it does not.
 */
#include "config.h"

#include <dlfcn.h>

#include "ouro-gobject-private.h"

#define OURO_INTERPOSE __attribute__((visibility("default")))

typedef struct {
  OuroRecordKind kind;
  gulong         id;       /* handler id, or qdata key */
  gpointer       target;
  const char    *label;    /* interned */
} Record;

typedef gulong   (*ConnectDataFunc)        (gpointer, const gchar *, GCallback, gpointer,
                                            GClosureNotify, GConnectFlags);
typedef gulong   (*ConnectClosureFunc)     (gpointer, const gchar *, GClosure *, gboolean);
typedef gulong   (*ConnectClosureByIdFunc) (gpointer, guint, GQuark, GClosure *, gboolean);
typedef gulong   (*ConnectObjectFunc)      (gpointer, const gchar *, GCallback, gpointer,
                                            GConnectFlags);
typedef void     (*SetDataFullFunc)        (GData **, GQuark, gpointer, GDestroyNotify);
typedef gpointer (*RemoveNoNotifyFunc)     (GData **, GQuark);
typedef gboolean (*ReplaceDataFunc)        (GData **, GQuark, gpointer, gpointer,
                                            GDestroyNotify, GDestroyNotify *);
typedef void     (*AddControllerFunc)      (gpointer, gpointer);

static struct {
  ConnectDataFunc        connect_data;
  ConnectClosureFunc     connect_closure;
  ConnectClosureByIdFunc connect_closure_by_id;
  ConnectObjectFunc      connect_object;
  SetDataFullFunc        set_data_full;
  RemoveNoNotifyFunc     remove_no_notify;
  ReplaceDataFunc        replace_data;
  AddControllerFunc      add_controller;
  gpointer               unref;           /* libgobject's own g_object_unref */
  gpointer               unref_default;   /* what the program calls: maybe interposed */
} real;

static gsize   interpose_resolved;
static gsize   interpose_gtk_resolved;
static GMutex  records_lock;
static GQuark  records_quark;
static gint    records_n_qdata;   /* atomic: qdata records ever made, to skip work */

/* Returns @symbol as the library @soname defines it, whatever precedes it
 * in the search order; NULL when that library is not loaded. */
static gpointer
interpose_lookup (const char *soname,
                  const char *symbol)
{
  void *library = dlopen (soname, RTLD_LAZY | RTLD_NOLOAD);
  gpointer address;

  if (library == NULL)
    return NULL;
  address = dlsym (library, symbol);
  dlclose (library);
  return address;
}

/* After it: every real function of GLib and GObject is known (GTK's once
 * GTK is loaded, see interpose_real_add_controller). */
static void
interpose_resolve (void)
{
  if (!g_once_init_enter (&interpose_resolved))
    return;

  real.connect_data = interpose_lookup ("libgobject-2.0.so.0", "g_signal_connect_data");
  real.connect_closure = interpose_lookup ("libgobject-2.0.so.0", "g_signal_connect_closure");
  real.connect_closure_by_id = interpose_lookup ("libgobject-2.0.so.0", "g_signal_connect_closure_by_id");
  real.connect_object = interpose_lookup ("libgobject-2.0.so.0", "g_signal_connect_object");
  real.unref = interpose_lookup ("libgobject-2.0.so.0", "g_object_unref");
  real.unref_default = dlsym (RTLD_DEFAULT, "g_object_unref");
  real.set_data_full = interpose_lookup ("libglib-2.0.so.0", "g_datalist_id_set_data_full");
  real.remove_no_notify = interpose_lookup ("libglib-2.0.so.0", "g_datalist_id_remove_no_notify");
  real.replace_data = interpose_lookup ("libglib-2.0.so.0", "g_datalist_id_replace_data");
  records_quark = g_quark_from_static_string ("ouro-edge-records");

  /* These libraries are what the glue itself links against: if they are
   * missing the process cannot have got here. */
  g_assert (real.connect_data != NULL && real.set_data_full != NULL && real.unref != NULL);
  g_once_init_leave (&interpose_resolved, 1);
}

void
ouro_gobject_interpose_check (void)
{
  interpose_resolve ();
  if (dlsym (RTLD_DEFAULT, "g_signal_connect_data") == (gpointer) real.connect_data)
    g_message ("ouro: signal handler and qdata references will not be seen: libgobject-2.0 "
               "precedes libouro-gobject in the symbol search order; link ouro-gobject "
               "before gobject-2.0, or run under `ouro run` / LD_PRELOAD");
}

/* Resolved when the library is loaded (its dependencies, libgobject and
 * libglib, are loaded and initialised first), so the interposed functions'
 * fast paths need no once-check. */
__attribute__ ((constructor)) static void
interpose_load (void)
{
  interpose_resolve ();
}

gboolean
ouro_gobject_is_unref_func (gpointer func)
{
  interpose_resolve ();
  return func != NULL && (func == real.unref || func == real.unref_default
                          || func == (gpointer) g_object_unref);
}

/* ---- records ---------------------------------------------------------- */

static void
records_free (gpointer data)
{
  g_mutex_lock (&records_lock);
  g_array_unref (data);
  g_mutex_unlock (&records_lock);
}

/* Requires the lock.  Returns @datalist's records, created when @create. */
static GArray *
records_get (GData  **datalist,
             gboolean create)
{
  GArray *records = g_datalist_id_get_data (datalist, records_quark);

  if (records == NULL && create)
    {
      records = g_array_new (FALSE, FALSE, sizeof (Record));
      /* The real function: ours would look at the records, under the lock. */
      real.set_data_full (datalist, records_quark, records, records_free);
    }
  return records;
}

void
ouro_gobject_record_add (GObject        *owner,
                         OuroRecordKind  kind,
                         gulong          id,
                         gpointer        target,
                         const char     *label)
{
  Record record = { kind, id, target, g_intern_string (label) };
  GArray *records;

  interpose_resolve ();
  g_mutex_lock (&records_lock);
  records = records_get (&owner->qdata, TRUE);
  if (kind == OURO_RECORD_QDATA)
    {
      /* One record per key: setting it again replaces the old one. */
      for (guint i = 0; i < records->len; i++)
        if (g_array_index (records, Record, i).kind == kind && g_array_index (records, Record, i).id == id)
          g_array_remove_index (records, i--);
      g_atomic_int_inc (&records_n_qdata);
    }
  /* Handlers disconnected without a scan in between leave records behind:
   * drop those that no longer hold whenever the array reaches a power of
   * two, so records stay proportional to live references, at amortised
   * O(1) per connect.  (Controllers are left to the scans: checking one
   * needs the registry, whose lock is taken before this one.) */
  if (records->len >= 8 && (records->len & (records->len - 1)) == 0)
    for (guint i = 0; i < records->len; i++)
      {
        Record *old = &g_array_index (records, Record, i);
        gboolean holds = old->kind == OURO_RECORD_CONTROLLER
                      || (old->kind == OURO_RECORD_QDATA
                          ? g_datalist_id_get_data (&owner->qdata, (GQuark) old->id) == old->target
                          : g_signal_handler_is_connected (owner, old->id));
        if (!holds)
          g_array_remove_index (records, i--);
      }
  g_array_append_val (records, record);
  g_mutex_unlock (&records_lock);
}

/* Requires the lock.  Drops @datalist's records of @kind with @id. */
static void
records_drop_unlocked (GData          **datalist,
                       OuroRecordKind   kind,
                       gulong           id)
{
  GArray *records = records_get (datalist, FALSE);

  if (records == NULL)
    return;
  for (guint i = 0; i < records->len; i++)
    if (g_array_index (records, Record, i).kind == kind && g_array_index (records, Record, i).id == id)
      g_array_remove_index (records, i--);
}

void
ouro_gobject_record_remove (GObject        *owner,
                            OuroRecordKind  kind,
                            gpointer        target)
{
  GArray *records;

  interpose_resolve ();
  g_mutex_lock (&records_lock);
  records = records_get (&owner->qdata, FALSE);
  for (guint i = 0; records != NULL && i < records->len; i++)
    if (g_array_index (records, Record, i).kind == kind && g_array_index (records, Record, i).target == target)
      g_array_remove_index (records, i--);
  g_mutex_unlock (&records_lock);
}

void
ouro_gobject_drop_recorded_qdata (GObject *object)
{
  GArray *records;
  GArray *keys = g_array_new (FALSE, FALSE, sizeof (GQuark));

  interpose_resolve ();
  g_mutex_lock (&records_lock);
  records = records_get (&object->qdata, FALSE);
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      const Record *record = &g_array_index (records, Record, i);
      if (record->kind == OURO_RECORD_QDATA
          && g_datalist_id_get_data (&object->qdata, (GQuark) record->id) == record->target)
        g_array_append_val (keys, record->id);
    }
  g_mutex_unlock (&records_lock);

  /* Outside the lock: the destroy notify unrefs, and finalizers run. */
  for (guint i = 0; i < keys->len; i++)
    g_object_set_qdata (object, g_array_index (keys, GQuark, i), NULL);
  g_array_unref (keys);
}

/* Whether @record still holds, read from GLib and GTK now. */
static gboolean
records_still_hold (GObject      *object,
                    const Record *record)
{
  switch (record->kind)
    {
    case OURO_RECORD_HANDLER_DATA:
    case OURO_RECORD_HANDLER_OBJECT:
      return g_signal_handler_is_connected (object, record->id);
    case OURO_RECORD_QDATA:
      return g_datalist_id_get_data (&object->qdata, (GQuark) record->id) == record->target;
    case OURO_RECORD_CONTROLLER:
      return ouro_gobject_gtk_controller_is_on (record->target, object);
    default:
      return FALSE;
    }
}

void
ouro_gobject_visit_recorded (GObject      *object,
                             OuroVisitFunc visit,
                             gpointer      user_data)
{
  GArray *records;

  if (!g_atomic_pointer_get (&interpose_resolved))
    return;

  g_mutex_lock (&records_lock);
  records = records_get (&object->qdata, FALSE);
  /* Invariant: records [0, i) all still hold and have been visited. */
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      Record *record = &g_array_index (records, Record, i);

      if (!records_still_hold (object, record))
        {
          g_array_remove_index (records, i--);
          continue;
        }
      if (record->kind == OURO_RECORD_HANDLER_OBJECT)
        ouro_visit_weak (visit, record->target, record->label, user_data);
      else
        ouro_gobject_visit (visit, record->target, record->label, user_data);
    }
  g_mutex_unlock (&records_lock);
}

/* ---- signals ---------------------------------------------------------- */

static void
interpose_record_handler (gpointer        instance,
                          gulong          handler_id,
                          OuroRecordKind  kind,
                          gpointer        target,
                          const char     *signal)
{
  char *label;

  if (handler_id == 0 || target == NULL || !ouro_gobject_is_initialized ()
      || !G_TYPE_CHECK_INSTANCE_TYPE (instance, G_TYPE_OBJECT))
    return;
  label = kind == OURO_RECORD_HANDLER_DATA
        ? g_strdup_printf ("signal %s: handler data", signal)
        : g_strdup_printf ("signal %s: g_signal_connect_object target", signal);
  ouro_gobject_record_add (instance, kind, handler_id, target, label);
  g_free (label);
}

/* The object a closure holds and releases with g_object_unref when it is
 * finalized (g_cclosure_new (callback, g_object_ref (self), unref)), or
 * NULL.  Finalize notifiers follow the marshal guards in notifiers[]. */
static gpointer
interpose_closure_held_object (GClosure *closure)
{
  guint first = closure->meta_marshal_nouse + (closure->n_guards << 1);

  if (closure->data == NULL)
    return NULL;
  for (guint i = 0; i < closure->n_fnotifiers; i++)
    {
      GClosureNotifyData *notifier = &closure->notifiers[first + i];

      if (notifier->data == closure->data && ouro_gobject_is_unref_func ((gpointer) notifier->notify))
        return closure->data;
    }
  return NULL;
}

OURO_INTERPOSE gulong
g_signal_connect_data (gpointer       instance,
                       const gchar   *detailed_signal,
                       GCallback      c_handler,
                       gpointer       data,
                       GClosureNotify destroy_data,
                       GConnectFlags  connect_flags)
{
  gulong id;

  interpose_resolve ();
  id = real.connect_data (instance, detailed_signal, c_handler, data, destroy_data, connect_flags);
  if (ouro_gobject_is_unref_func ((gpointer) destroy_data))
    interpose_record_handler (instance, id, OURO_RECORD_HANDLER_DATA, data, detailed_signal);
  return id;
}

OURO_INTERPOSE gulong
g_signal_connect_closure (gpointer     instance,
                          const gchar *detailed_signal,
                          GClosure    *closure,
                          gboolean     after)
{
  gpointer held;
  gulong id;

  interpose_resolve ();
  held = closure != NULL ? interpose_closure_held_object (closure) : NULL;
  id = real.connect_closure (instance, detailed_signal, closure, after);
  interpose_record_handler (instance, id, OURO_RECORD_HANDLER_DATA, held, detailed_signal);
  return id;
}

OURO_INTERPOSE gulong
g_signal_connect_closure_by_id (gpointer  instance,
                                guint     signal_id,
                                GQuark    detail,
                                GClosure *closure,
                                gboolean  after)
{
  gpointer held;
  gulong id;

  interpose_resolve ();
  held = closure != NULL ? interpose_closure_held_object (closure) : NULL;
  id = real.connect_closure_by_id (instance, signal_id, detail, closure, after);
  if (id != 0 && held != NULL)
    {
      char *signal = detail != 0
                   ? g_strconcat (g_signal_name (signal_id), "::", g_quark_to_string (detail), NULL)
                   : g_strdup (g_signal_name (signal_id));
      interpose_record_handler (instance, id, OURO_RECORD_HANDLER_DATA, held, signal);
      g_free (signal);
    }
  return id;
}

OURO_INTERPOSE gulong
g_signal_connect_object (gpointer      instance,
                         const gchar  *detailed_signal,
                         GCallback     c_handler,
                         gpointer      gobject,
                         GConnectFlags connect_flags)
{
  gulong id;

  interpose_resolve ();
  id = real.connect_object (instance, detailed_signal, c_handler, gobject, connect_flags);
  interpose_record_handler (instance, id, OURO_RECORD_HANDLER_OBJECT, gobject, detailed_signal);
  return id;
}

/* ---- qdata ------------------------------------------------------------ */

/* The GObject whose qdata @datalist is, if it is a tracked one. */
static GObject *
interpose_qdata_owner (GData **datalist)
{
  GObject *owner = (GObject *) (gpointer) ((char *) datalist - G_STRUCT_OFFSET (GObject, qdata));

  /* Tracked means alive and (for the pointers qdata lives in) a GObject;
   * the lookup never dereferences @owner. */
  return ouro_is_tracked (owner) ? owner : NULL;
}

/* Forgets a record of (@datalist, @key) after it changed in a way that
 * may no longer hold a reference. */
static void
interpose_qdata_forget (GData **datalist,
                        GQuark  key)
{
  if (key == records_quark || g_atomic_int_get (&records_n_qdata) == 0)
    return;
  g_mutex_lock (&records_lock);
  records_drop_unlocked (datalist, OURO_RECORD_QDATA, key);
  g_mutex_unlock (&records_lock);
}

/* Records that @owner's qdata @key holds a reference to @target. */
static void
interpose_record_qdata (GObject  *owner,
                        GQuark    key,
                        gpointer  target)
{
  char *label = g_strconcat ("qdata ", g_quark_to_string (key), NULL);

  ouro_gobject_record_add (owner, OURO_RECORD_QDATA, key, target, label);
  g_free (label);
}

/* qdata an object sets on itself in its instance init or constructor,
 * before it is constructed and tracked (g_object_set_data_full (self, ...,
 * g_object_unref) in init is common): kept per thread, since an object is
 * built on one thread, until ouro_gobject_interpose_claim_pending () sees
 * the object constructed.  A ring: the oldest claims go first, which can
 * only hide an edge.  Claims for datalists that are not a GObject's are
 * never claimed and simply fall out. */
#define PENDING_QDATA_MAX 16

typedef struct {
  GData  **datalist;
  GQuark   key;
  gpointer target;
} PendingQdata;

static __thread PendingQdata pending_qdata[PENDING_QDATA_MAX]
  __attribute__ ((tls_model ("initial-exec")));
static __thread guint pending_qdata_next __attribute__ ((tls_model ("initial-exec")));
static __thread guint pending_qdata_n __attribute__ ((tls_model ("initial-exec")));

static void
interpose_qdata_defer (GData  **datalist,
                       GQuark   key,
                       gpointer target)
{
  pending_qdata[pending_qdata_next] = (PendingQdata) { datalist, key, target };
  pending_qdata_next = (pending_qdata_next + 1) % PENDING_QDATA_MAX;
  if (pending_qdata_n < PENDING_QDATA_MAX)
    pending_qdata_n++;
}

void
ouro_gobject_interpose_claim_pending (GObject *object)
{
  if (G_LIKELY (pending_qdata_n == 0))
    return;
  for (guint i = 0; i < PENDING_QDATA_MAX; i++)
    {
      PendingQdata *pending = &pending_qdata[i];

      if (pending->datalist != &object->qdata || pending->target == NULL)
        continue;
      interpose_record_qdata (object, pending->key, pending->target);
      *pending = (PendingQdata) { NULL, 0, NULL };
      pending_qdata_n--;
    }
}

static G_GNUC_NO_INLINE void
interpose_set_data_full_slow (GData        **datalist,
                              GQuark         key_id,
                              gpointer       data,
                              GDestroyNotify destroy_func)
{
  GObject *owner;

  interpose_resolve ();
  real.set_data_full (datalist, key_id, data, destroy_func);

  if (data == NULL || !ouro_gobject_is_unref_func ((gpointer) destroy_func)
      || !ouro_gobject_is_initialized ())
    interpose_qdata_forget (datalist, key_id);
  else if ((owner = interpose_qdata_owner (datalist)) != NULL)
    interpose_record_qdata (owner, key_id, data);
  else if (key_id != records_quark)
    interpose_qdata_defer (datalist, key_id, data);
}

/* libgobject calls this several times for every object it creates and
 * finalizes (notify queues, weak refs, closures), so the common case —
 * nothing attached with g_object_unref, no qdata record anywhere to
 * forget — goes straight to GLib. */
OURO_INTERPOSE void
g_datalist_id_set_data_full (GData        **datalist,
                             GQuark         key_id,
                             gpointer       data,
                             GDestroyNotify destroy_func)
{
  SetDataFullFunc set_data_full = real.set_data_full;

  if (G_LIKELY (set_data_full != NULL)
      && g_atomic_int_get (&records_n_qdata) == 0
      && (data == NULL || destroy_func == NULL
          || ((gpointer) destroy_func != real.unref
              && (gpointer) destroy_func != real.unref_default
              && destroy_func != g_object_unref)))
    {
      set_data_full (datalist, key_id, data, destroy_func);
      return;
    }
  interpose_set_data_full_slow (datalist, key_id, data, destroy_func);
}

OURO_INTERPOSE gpointer
g_datalist_id_remove_no_notify (GData **datalist,
                                GQuark  key_id)
{
  gpointer data;

  interpose_resolve ();
  data = real.remove_no_notify (datalist, key_id);
  interpose_qdata_forget (datalist, key_id);
  return data;
}

OURO_INTERPOSE gboolean
g_datalist_id_replace_data (GData          **datalist,
                            GQuark           key_id,
                            gpointer         oldval,
                            gpointer         newval,
                            GDestroyNotify   destroy,
                            GDestroyNotify  *old_destroy)
{
  gboolean replaced;

  interpose_resolve ();
  replaced = real.replace_data (datalist, key_id, oldval, newval, destroy, old_destroy);
  /* Rare enough to just forget: under-reporting is safe. */
  if (replaced)
    interpose_qdata_forget (datalist, key_id);
  return replaced;
}

/* ---- GTK4 controllers ------------------------------------------------- */

/* GTK's prototype, without including GTK's headers. */
void gtk_widget_add_controller (gpointer widget,
                                gpointer controller);

OURO_INTERPOSE void
gtk_widget_add_controller (gpointer widget,
                           gpointer controller)
{
  if (g_once_init_enter (&interpose_gtk_resolved))
    {
      real.add_controller = interpose_lookup ("libgtk-4.so.1", "gtk_widget_add_controller");
      g_once_init_leave (&interpose_gtk_resolved, 1);
    }
  if (real.add_controller == NULL)
    {
      g_critical ("ouro: gtk_widget_add_controller called but libgtk-4.so.1 is not loaded");
      return;
    }

  real.add_controller (widget, controller);
  if (ouro_gobject_is_initialized () && G_IS_OBJECT (widget) && G_IS_OBJECT (controller))
    ouro_gobject_record_add (widget, OURO_RECORD_CONTROLLER, 0, controller, "controller");
}
