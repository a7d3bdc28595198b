/* ouro-gobject-records.c — the references GObject keeps no public record
 * of, recorded as they are made: the table of records by owner, checking
 * them again at every scan, and the real GLib functions behind the
 * interposers (ouro-gobject-signals.c, ouro-gobject-qdata.c,
 * ouro-gobject-controllers.c, ouro-gobject-bindings.c).
 *
 * MT safe: the records of all objects are guarded by one lock, never held
 * while calling into GLib code that could call back here.
 *
 * A signal handler whose data is a GObject released with g_object_unref
 * (the bound-callback back-reference), qdata set with g_object_unref as
 * destroy notify, and a GTK4 controller given to a widget are all strong
 * references that no GLib API lists.  libgobject calls itself directly, so
 * the glue defines the public entry points that programs, GTK and GIO call
 * through the PLT, forwards to the real functions (looked up here, in the
 * libraries that define them), and records what it sees in a table keyed
 * by the owner; a qdata entry on the owner frees its records when it is
 * finalized.  Datalists of objects that never had a qdata record take the
 * fast path of g_datalist_id_set_data_full (a per-owner mark, read without
 * a lock).
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

#include "ouro-gobject-records-private.h"

typedef struct {
  OuroRecordKind kind;
  gulong         id;       /* handler id, or qdata key */
  gpointer       target;
  const char    *label;    /* interned */
  GClosure      *closure;  /* a handler's closure, when its caller made it */
  const char    *shared_label;  /* interned; with @closure */
} Record;

OuroGObjectRealFuncs ouro_gobject_real_funcs;

static gsize   interpose_resolved;
static pthread_mutex_t records_lock = PTHREAD_MUTEX_INITIALIZER;   /* TSan sees it, not a GMutex */

GQuark ouro_gobject_records_quark;

gpointer
ouro_gobject_interpose_lookup (const char *soname,
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

/* GTK's functions are looked up by gtk_widget_add_controller (), once GTK
 * is loaded. */
#define GOBJECT "libgobject-2.0.so.0"
#define GLIB    "libglib-2.0.so.0"

void
ouro_gobject_interpose_resolve (void)
{
  OuroGObjectRealFuncs *real = &ouro_gobject_real_funcs;

  if (!g_once_init_enter (&interpose_resolved))
    return;

  real->connect_data = ouro_gobject_interpose_lookup (GOBJECT, "g_signal_connect_data");
  real->connect_closure = ouro_gobject_interpose_lookup (GOBJECT, "g_signal_connect_closure");
  real->connect_closure_by_id = ouro_gobject_interpose_lookup (GOBJECT,
                                                               "g_signal_connect_closure_by_id");
  real->connect_object = ouro_gobject_interpose_lookup (GOBJECT, "g_signal_connect_object");
  real->unref = ouro_gobject_interpose_lookup (GOBJECT, "g_object_unref");
  real->unref_default = dlsym (RTLD_DEFAULT, "g_object_unref");
  real->set_data_full = ouro_gobject_interpose_lookup (GLIB, "g_datalist_id_set_data_full");
  real->remove_no_notify = ouro_gobject_interpose_lookup (GLIB, "g_datalist_id_remove_no_notify");
  real->replace_data = ouro_gobject_interpose_lookup (GLIB, "g_datalist_id_replace_data");
  ouro_gobject_records_quark = g_quark_from_static_string ("ouro-edge-records");

  /* These libraries are what the glue itself links against: if they are
   * missing the process cannot have got here. */
  g_assert (real->connect_data != NULL && real->set_data_full != NULL && real->unref != NULL);
  g_once_init_leave (&interpose_resolved, 1);
}

void
ouro_gobject_interpose_check (void)
{
  ouro_gobject_interpose_resolve ();
  if (dlsym (RTLD_DEFAULT, "g_signal_connect_data")
      == (gpointer) ouro_gobject_real_funcs.connect_data)
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
  ouro_gobject_interpose_resolve ();
}

gboolean
ouro_gobject_is_unref_func (gpointer func)
{
  ouro_gobject_interpose_resolve ();
  return func != NULL && (func == ouro_gobject_real_funcs.unref
                          || func == ouro_gobject_real_funcs.unref_default
                          || func == (gpointer) g_object_unref);
}

void
ouro_gobject_real_unref (gpointer object)
{
  ouro_gobject_interpose_resolve ();
  ((void (*) (gpointer)) ouro_gobject_real_funcs.unref) (object);
}

/* ---- records ---------------------------------------------------------- */

/* An object's records, in one allocation.  records_table finds them by
 * owner; a qdata entry on the owner (ouro_gobject_records_quark, its data
 * the owner itself) frees them from its destroy notify, so they go when
 * the owner is finalized, and the table never names a freed object. */
typedef struct {
  GObject *owner;
  guint    len;
  guint    alloc;
  gboolean qdata_marked;   /* counted in the owner's qdata mark */
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

/* Read without the lock by g_datalist_id_set_data_full's fast path
 * (ouro-gobject-qdata.c); written here, under the lock. */
guint8 ouro_gobject_records_qdata_marks[1 << RECORDS_MARKS_BITS];

/* Requires the lock.  After it: @records' owner is counted in its mark. */
static void
records_mark_qdata (Records *records)
{
  guint8 *mark = ouro_gobject_records_qdata_mark (records->owner);

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

/* The destroy notify of the ouro_gobject_records_quark entry: the owner is
 * being finalized (or the entry went some other way). */
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
          guint8 *mark = ouro_gobject_records_qdata_mark (owner);

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
  ouro_gobject_real_funcs.set_data_full (&owner->qdata, ouro_gobject_records_quark,
                                         owner, records_free);
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
static gboolean records_still_hold (GObject *object, const Record *record);

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
ouro_gobject_record_add_closure (GObject        *owner,
                                 OuroRecordKind  kind,
                                 gulong          id,
                                 GClosure       *closure,
                                 gpointer        target,
                                 const char     *label,
                                 const char     *shared_label)
{
  Record record = { kind, id, target, label, closure, shared_label };

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

  ouro_gobject_interpose_resolve ();
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
                      || records_still_hold (owner, old);
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
ouro_gobject_records_drop_qdata (GObject *owner,
                                 GQuark   key)
{
  pthread_mutex_lock (&records_lock);
  records_drop_qdata_unlocked (owner, key);
  pthread_mutex_unlock (&records_lock);
}

void
ouro_gobject_record_remove (GObject        *owner,
                            OuroRecordKind  kind,
                            gpointer        target)
{
  RecordsSlot *slot;

  ouro_gobject_interpose_resolve ();
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

  ouro_gobject_interpose_resolve ();
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
    case OURO_RECORD_BINDING:
      return ouro_gobject_binding_holds (record->id);
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

static void records_lock_acquire (void) { pthread_mutex_lock (&records_lock); }
static void records_lock_release (void) { pthread_mutex_unlock (&records_lock); }

/* The records lock is taken at fork () (ouro_add_fork_lock ()): a scan takes it
 * under the registry lock, and nothing takes the registry under it. */
void
ouro_gobject_interpose_add_fork_lock (void)
{
  ouro_add_fork_lock (records_lock_acquire, records_lock_release);
}
