/* ouro-gobject-records.c — seeing the references GObject keeps no public
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
 * the libraries that define them), and records what it sees in a table
 * keyed by the owner; a qdata entry on the owner frees its records when
 * it is finalized.  Datalists of objects that never had a qdata record
 * take the fast path of g_datalist_id_set_data_full (a per-owner mark,
 * read without a lock).
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

#include <pthread.h>

#include <dlfcn.h>
#include <string.h>

#include "ouro-gobject-private.h"
/* For ouro_pointer_hash () only: an inline function, nothing to link. */
#include "ouro-registry-private.h"

#define OURO_INTERPOSE __attribute__((visibility("default")))

typedef struct {
  OuroRecordKind kind;
  gulong         id;       /* handler id, or qdata key */
  gpointer       target;
  const char    *label;    /* interned */
  GClosure      *closure;  /* a handler's closure, when its caller made it */
  const char    *shared_label;  /* interned; with @closure */
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
static pthread_mutex_t records_lock = PTHREAD_MUTEX_INITIALIZER;   /* TSan sees it, not a GMutex */
static GQuark  records_quark;

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

void
ouro_gobject_real_unref (gpointer object)
{
  interpose_resolve ();
  ((void (*) (gpointer)) real.unref) (object);
}

/* ---- records ---------------------------------------------------------- */

/* An object's records, in one allocation.  records_table finds them by
 * owner; a qdata entry on the owner (records_quark, its data the owner
 * itself) frees them from its destroy notify, so they go when the owner is
 * finalized, and the table never names a freed object. */
typedef struct {
  GObject *owner;
  guint    len;
  guint    alloc;
  gboolean qdata_marked;   /* counted in the owner's records_qdata_marks */
  Record   items[];
} Records;

typedef struct {
  GObject *owner;          /* NULL: empty */
  Records *records;
} RecordsSlot;

/* Owner -> records, open addressing with linear probing, at most half
 * full; under records_lock.  A scan finds an object's records here with
 * one probe, without GLib's datalist lock and walk; owners allocated one
 * after another share cache lines of the table (ouro_pointer_hash, the registry's). */
static struct {
  RecordsSlot *slots;
  guint        n_slots;    /* a power of two, or 0 */
  guint        shift;      /* 64 - log2 (n_slots) */
  guint        n_used;
} records_table;

/* Which datalists may have a qdata record, so that g_datalist_id_set_data_full
 * on any other takes the fast path: a counter per hash bucket of owners
 * (objects that have or had a qdata record, until they are finalized).  A
 * collision only sends an object down the slow path; a counter that
 * reaches 255 stays there.  Written under records_lock, read without it
 * (one relaxed byte load). */
#define RECORDS_MARKS_BITS 18
static guint8 records_qdata_marks[1 << RECORDS_MARKS_BITS];

static inline guint8 *
records_qdata_mark (gconstpointer owner)
{
  return &records_qdata_marks[ouro_pointer_hash (owner, 64 - RECORDS_MARKS_BITS)];
}

/* Whether @datalist's owner may have qdata records.  No lock: false means
 * no record of its qdata was made before whatever ordered this call after
 * it. */
static inline gboolean
records_qdata_maybe (GData **datalist)
{
  gconstpointer owner = (const char *) datalist - G_STRUCT_OFFSET (GObject, qdata);

  return __atomic_load_n (records_qdata_mark (owner), __ATOMIC_RELAXED) != 0;
}

/* Requires the lock.  After it: @records' owner is counted in its mark. */
static void
records_mark_qdata (Records *records)
{
  guint8 *mark = records_qdata_mark (records->owner);

  if (records->qdata_marked)
    return;
  records->qdata_marked = TRUE;
  if (*mark < G_MAXUINT8)
    __atomic_store_n (mark, (guint8) (*mark + 1), __ATOMIC_RELAXED);
}

/* Requires the lock.  Returns @owner's slot, or NULL. */
static RecordsSlot *
records_table_find (gconstpointer owner)
{
  guint mask = records_table.n_slots - 1;

  if (records_table.n_slots == 0)
    return NULL;
  for (guint i = ouro_pointer_hash (owner, records_table.shift);; i = (i + 1) & mask)
    {
      RecordsSlot *slot = &records_table.slots[i];

      if (slot->owner == owner)
        return slot;
      if (slot->owner == NULL)
        return NULL;
    }
}

/* Requires the lock and a free slot.  Returns @records' new slot. */
static RecordsSlot *
records_table_place (Records *records)
{
  guint mask = records_table.n_slots - 1;
  guint i = ouro_pointer_hash (records->owner, records_table.shift);

  while (records_table.slots[i].owner != NULL)
    i = (i + 1) & mask;
  records_table.slots[i] = (RecordsSlot) { records->owner, records };
  records_table.n_used++;
  return &records_table.slots[i];
}

/* Requires the lock, and @records->owner not in the table.  Returns its
 * new slot; the table stays at most half full. */
static RecordsSlot *
records_table_insert (Records *records)
{
  if (2 * (records_table.n_used + 1) > records_table.n_slots)
    {
      RecordsSlot *old = records_table.slots;
      guint n_old = records_table.n_slots;
      guint n_slots = MAX (n_old * 2, 1024);

      records_table.slots = g_new0 (RecordsSlot, n_slots);
      records_table.n_slots = n_slots;
      records_table.shift = 64 - (guint) g_bit_nth_msf (n_slots, -1);
      records_table.n_used = 0;
      for (guint j = 0; j < n_old; j++)
        if (old[j].owner != NULL)
          records_table_place (old[j].records);
      g_free (old);
    }
  return records_table_place (records);
}

/* Requires the lock.  After it: @slot is empty and every owner left is
 * still reachable from its home slot without crossing an empty one
 * (backward-shift deletion, no tombstones). */
static void
records_table_remove (RecordsSlot *slot)
{
  guint mask = records_table.n_slots - 1;
  guint hole = (guint) (slot - records_table.slots);

  for (guint i = (hole + 1) & mask; records_table.slots[i].owner != NULL; i = (i + 1) & mask)
    {
      guint home = ouro_pointer_hash (records_table.slots[i].owner, records_table.shift);

      /* Moves into the hole unless its home lies cyclically in (hole, i]. */
      if (((i - home) & mask) >= ((i - hole) & mask))
        {
          records_table.slots[hole] = records_table.slots[i];
          hole = i;
        }
    }
  records_table.slots[hole] = (RecordsSlot) { NULL, NULL };
  records_table.n_used--;
}

/* The destroy notify of the records_quark entry: the owner is being
 * finalized (or the entry went some other way). */
static void
records_free (gpointer owner)
{
  RecordsSlot *slot;

  pthread_mutex_lock (&records_lock);
  slot = records_table_find (owner);
  if (slot != NULL)
    {
      Records *records = slot->records;

      if (records->qdata_marked)
        {
          guint8 *mark = records_qdata_mark (owner);

          if (*mark < G_MAXUINT8)
            __atomic_store_n (mark, (guint8) (*mark - 1), __ATOMIC_RELAXED);
        }
      records_table_remove (slot);
      g_free (records);
    }
  pthread_mutex_unlock (&records_lock);
}

/* Requires the lock.  Returns @owner's records, created when @create
 * (NULL if not). */
static RecordsSlot *
records_get (GObject *owner,
             gboolean create)
{
  RecordsSlot *slot = records_table_find (owner);
  Records *records;

  if (slot != NULL || !create)
    return slot;
  records = g_malloc (sizeof (Records) + 2 * sizeof (Record));
  *records = (Records) { owner, 0, 2, FALSE };
  slot = records_table_insert (records);
  /* The real function: ours would look at the records, under the lock. */
  real.set_data_full (&owner->qdata, records_quark, owner, records_free);
  return slot;
}

/* Requires the lock.  Drops @records' record @i, keeping the others in order. */
static void
records_remove_index (Records *records,
                      guint    i)
{
  memmove (&records->items[i], &records->items[i + 1], (records->len - i - 1) * sizeof (Record));
  records->len--;
}

static void records_add (GObject *owner, const Record *record);

void
ouro_gobject_record_add (GObject        *owner,
                         OuroRecordKind  kind,
                         gulong          id,
                         gpointer        target,
                         const char     *label)
{
  Record record = { kind, id, target, label, NULL, NULL };

  records_add (owner, &record);
}

void
ouro_gobject_record_add_closure (GObject    *owner,
                                 gulong      id,
                                 GClosure   *closure,
                                 gpointer    target,
                                 const char *label,
                                 const char *shared_label)
{
  Record record = { OURO_RECORD_HANDLER_DATA, id, target, label, closure, shared_label };

  records_add (owner, &record);
}

static void
records_add (GObject      *owner,
             const Record *new_record)
{
  Record record = *new_record;
  OuroRecordKind kind = record.kind;
  gulong id = record.id;
  RecordsSlot *slot;
  Records *records;

  interpose_resolve ();
  /* An object being finalized has had its records freed, or is about to. */
  if (g_atomic_int_get ((gint *) &owner->ref_count) == 0)
    return;
  pthread_mutex_lock (&records_lock);
  slot = records_get (owner, TRUE);
  records = slot->records;
  if (kind == OURO_RECORD_QDATA)
    {
      /* One record per key: setting it again replaces the old one. */
      for (guint i = 0; i < records->len; i++)
        if (records->items[i].kind == kind && records->items[i].id == id)
          records_remove_index (records, i--);
      records_mark_qdata (records);
    }
  else if (kind == OURO_RECORD_CONTROLLER)
    {
      /* One record per controller: a record left by one that was removed
       * (and perhaps freed, its address now another controller's) would
       * count the widget's one reference twice. */
      for (guint i = 0; i < records->len; i++)
        if (records->items[i].kind == kind && records->items[i].target == record.target)
          records_remove_index (records, i--);
    }
  /* Handlers disconnected without a scan in between leave records behind:
   * drop those that no longer hold whenever the array reaches a power of
   * two, so records stay proportional to live references, at amortised
   * O(1) per connect.  (Controllers are left to the scans: checking one
   * needs the registry, whose lock is taken before this one.) */
  if (records->len >= 8 && (records->len & (records->len - 1)) == 0)
    for (guint i = 0; i < records->len; i++)
      {
        Record *old = &records->items[i];
        gboolean holds = old->kind == OURO_RECORD_CONTROLLER
                      || (old->kind == OURO_RECORD_QDATA
                          ? g_datalist_id_get_data (&owner->qdata, (GQuark) old->id) == old->target
                          : g_signal_handler_is_connected (owner, old->id));
        if (!holds)
          records_remove_index (records, i--);
      }
  if (records->len == records->alloc)
    {
      records->alloc *= 2;
      records = g_realloc (records, sizeof (Records) + records->alloc * sizeof (Record));
      slot->records = records;
    }
  records->items[records->len++] = record;
  pthread_mutex_unlock (&records_lock);
}

/* Requires the lock.  Drops the records of @owner's qdata @key. */
static void
records_drop_qdata_unlocked (GObject *owner,
                             GQuark   key)
{
  RecordsSlot *slot = records_table_find (owner);
  Records *records;

  if (slot == NULL)
    return;
  records = slot->records;
  for (guint i = 0; i < records->len; i++)
    if (records->items[i].kind == OURO_RECORD_QDATA && records->items[i].id == key)
      records_remove_index (records, i--);
}

void
ouro_gobject_record_remove (GObject        *owner,
                            OuroRecordKind  kind,
                            gpointer        target)
{
  RecordsSlot *slot;

  interpose_resolve ();
  pthread_mutex_lock (&records_lock);
  slot = records_table_find (owner);
  for (guint i = 0; slot != NULL && i < slot->records->len; i++)
    if (slot->records->items[i].kind == kind && slot->records->items[i].target == target)
      records_remove_index (slot->records, i--);
  pthread_mutex_unlock (&records_lock);
}

guint
ouro_gobject_count_records (GObject *owner)
{
  RecordsSlot *slot;
  guint n;

  pthread_mutex_lock (&records_lock);
  slot = records_table_find (owner);
  n = slot != NULL ? slot->records->len : 0;
  pthread_mutex_unlock (&records_lock);
  return n;
}

void
ouro_gobject_drop_recorded_qdata (GObject *object)
{
  RecordsSlot *slot;
  GArray *keys = g_array_new (FALSE, FALSE, sizeof (GQuark));

  interpose_resolve ();
  pthread_mutex_lock (&records_lock);
  slot = records_table_find (object);
  for (guint i = 0; slot != NULL && i < slot->records->len; i++)
    {
      const Record *record = &slot->records->items[i];
      if (record->kind == OURO_RECORD_QDATA
          && g_datalist_id_get_data (&object->qdata, (GQuark) record->id) == record->target)
        g_array_append_val (keys, record->id);
    }
  pthread_mutex_unlock (&records_lock);

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
  RecordsSlot *slot;

  if (!g_atomic_pointer_get (&interpose_resolved))
    return;

  pthread_mutex_lock (&records_lock);
  slot = records_table_find (object);
  /* Invariant: records [0, i) all still hold and have been visited. */
  for (guint i = 0; slot != NULL && i < slot->records->len; i++)
    {
      Record *record = &slot->records->items[i];

      if (!records_still_hold (object, record))
        {
          records_remove_index (slot->records, i--);
          continue;
        }
      if (record->kind == OURO_RECORD_HANDLER_OBJECT)
        ouro_visit_weak (visit, record->target, record->label, user_data);
      else if (record->closure != NULL)
        ouro_gobject_closure_visit_handler (record->closure, record->target, record->label,
                                            record->shared_label, visit, user_data);
      else
        ouro_gobject_visit (visit, record->target, record->label, user_data);
    }
  pthread_mutex_unlock (&records_lock);
}

/* ---- signals ---------------------------------------------------------- */

/* The interned label of a record of @kind: "signal SIGNAL: handler data",
 * "signal SIGNAL: g_signal_connect_object target" or "qdata NAME" of
 * @key.  Formatting and interning one cost as much as the rest of a
 * connect, so each thread keeps the labels it made last, direct-mapped by
 * kind and by the caller's signal string (compared with a copy too, as a
 * caller may reuse its buffer) or the qdata key. */
#define LABEL_CACHE_SIZE 32

typedef struct {
  OuroRecordKind kind;
  gconstpointer  key;      /* @signal as passed, or the quark */
  const char    *signal;   /* interned copy, NULL for qdata */
  const char    *label;    /* interned; NULL: empty entry */
} LabelCacheEntry;

static __thread LabelCacheEntry label_cache[LABEL_CACHE_SIZE];

static const char *
interpose_label (OuroRecordKind kind,
                 const char    *signal,
                 GQuark         key_quark)
{
  gconstpointer key = signal != NULL ? (gconstpointer) signal : GUINT_TO_POINTER (key_quark);
  guint i = ((guint) (((guint64) (guintptr) key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 59)
             ^ (guint) kind) & (LABEL_CACHE_SIZE - 1);
  LabelCacheEntry *entry = &label_cache[i];
  char *label;

  if (entry->label != NULL && entry->kind == kind && entry->key == key
      && (signal == NULL || strcmp (entry->signal, signal) == 0))
    return entry->label;

  if (kind == OURO_RECORD_QDATA)
    label = g_strconcat ("qdata ", g_quark_to_string (key_quark), NULL);
  else if (kind == OURO_RECORD_HANDLER_DATA)
    label = g_strconcat ("signal ", signal, ": handler data", NULL);
  else
    label = g_strconcat ("signal ", signal, ": g_signal_connect_object target", NULL);
  *entry = (LabelCacheEntry) { kind, key, signal != NULL ? g_intern_string (signal) : NULL,
                               g_intern_string (label) };
  g_free (label);
  return entry->label;
}

static void
interpose_record_handler (gpointer        instance,
                          gulong          handler_id,
                          OuroRecordKind  kind,
                          gpointer        target,
                          const char     *signal)
{
  if (handler_id == 0 || target == NULL || !ouro_gobject_is_initialized ()
      || !G_TYPE_CHECK_INSTANCE_TYPE (instance, G_TYPE_OBJECT))
    return;
  ouro_gobject_record_add (instance, kind, handler_id, target,
                           interpose_label (kind, signal, 0));
}

/* Records a handler connected with a closure its caller made, which may
 * be shared: see ouro-gobject-closures.c. */
static void
interpose_record_closure (gpointer    instance,
                          gulong      handler_id,
                          GClosure   *closure,
                          gpointer    target,
                          const char *signal)
{
  char *shared;

  if (handler_id == 0 || target == NULL || !ouro_gobject_is_initialized ()
      || !G_TYPE_CHECK_INSTANCE_TYPE (instance, G_TYPE_OBJECT)
      || !ouro_gobject_closure_note_handler (closure))
    return;
  shared = g_strconcat ("signal ", signal, ": handler closure", NULL);
  ouro_gobject_record_add_closure (instance, handler_id, closure, target,
                                   interpose_label (OURO_RECORD_HANDLER_DATA, signal, 0),
                                   g_intern_string (shared));
  g_free (shared);
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
  held = closure != NULL ? ouro_gobject_closure_held_object (closure) : NULL;
  id = real.connect_closure (instance, detailed_signal, closure, after);
  interpose_record_closure (instance, id, closure, held, detailed_signal);
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
  held = closure != NULL ? ouro_gobject_closure_held_object (closure) : NULL;
  id = real.connect_closure_by_id (instance, signal_id, detail, closure, after);
  if (id != 0 && held != NULL)
    {
      char *signal = detail != 0
                   ? g_strconcat (g_signal_name (signal_id), "::", g_quark_to_string (detail), NULL)
                   : g_strdup (g_signal_name (signal_id));
      interpose_record_closure (instance, id, closure, held, signal);
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

static void records_lock_acquire (void) { pthread_mutex_lock (&records_lock); }
static void records_lock_release (void) { pthread_mutex_unlock (&records_lock); }

/* The records lock is taken at fork () (ouro_add_fork_lock ()): a scan takes it
 * under the registry lock, and nothing takes the registry under it. */
void
ouro_gobject_interpose_add_fork_lock (void)
{
  ouro_add_fork_lock (records_lock_acquire, records_lock_release);
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
  if (key == records_quark || !records_qdata_maybe (datalist))
    return;
  pthread_mutex_lock (&records_lock);
  records_drop_qdata_unlocked ((GObject *) (gpointer) ((char *) datalist - G_STRUCT_OFFSET (GObject, qdata)),
                               key);
  pthread_mutex_unlock (&records_lock);
}

/* Records that @owner's qdata @key holds a reference to @target. */
static void
interpose_record_qdata (GObject  *owner,
                        GQuark    key,
                        gpointer  target)
{
  ouro_gobject_record_add (owner, OURO_RECORD_QDATA, key, target,
                           interpose_label (OURO_RECORD_QDATA, NULL, key));
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
 * nothing attached with g_object_unref, no qdata record of this object to
 * forget — goes straight to GLib. */
OURO_INTERPOSE void
g_datalist_id_set_data_full (GData        **datalist,
                             GQuark         key_id,
                             gpointer       data,
                             GDestroyNotify destroy_func)
{
  SetDataFullFunc set_data_full = real.set_data_full;

  if (G_LIKELY (set_data_full != NULL)
      && (data == NULL || destroy_func == NULL
          || ((gpointer) destroy_func != real.unref
              && (gpointer) destroy_func != real.unref_default
              && destroy_func != g_object_unref))
      && !records_qdata_maybe (datalist))
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
    ouro_gobject_record_add (widget, OURO_RECORD_CONTROLLER, 0, controller,
                             g_intern_static_string ("controller"));
}
