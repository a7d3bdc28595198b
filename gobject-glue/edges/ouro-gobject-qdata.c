/* ouro-gobject-qdata.c — qdata that holds a GObject (set with
 * g_object_unref as its destroy notify), recorded as it is set: libglib's
 * g_datalist_id_set_data_full, _remove_no_notify and _replace_data, which
 * libgobject calls through the PLT too.  qdata an object sets on itself
 * before it is tracked is kept per thread and claimed when the object is
 * constructed.
 *
 * MT safe: the interposers run on the calling thread and record under the
 * records lock (ouro-gobject-records.c); the pending claims are per
 * thread.  g_datalist_id_set_data_full's fast path takes no lock: it reads
 * the records' qdata marks.
 */
#include "config.h"

#include "ouro-gobject-records-private.h"

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
  if (key == ouro_gobject_records_quark || !ouro_gobject_records_qdata_maybe (datalist))
    return;
  ouro_gobject_records_drop_qdata ((GObject *) (gpointer) ((char *) datalist
                                                            - G_STRUCT_OFFSET (GObject, qdata)),
                                   key);
}

/* Records that @owner's qdata @key holds a reference to @target. */
static void
interpose_record_qdata (GObject  *owner,
                        GQuark    key,
                        gpointer  target)
{
  ouro_gobject_record_add (owner, OURO_RECORD_QDATA, key, target,
                           ouro_gobject_interpose_label (OURO_RECORD_QDATA, NULL, key));
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

  ouro_gobject_interpose_resolve ();
  ouro_gobject_real_funcs.set_data_full (datalist, key_id, data, destroy_func);

  if (data == NULL || !ouro_gobject_is_unref_func ((gpointer) destroy_func)
      || !ouro_gobject_is_initialized ())
    interpose_qdata_forget (datalist, key_id);
  else if ((owner = interpose_qdata_owner (datalist)) != NULL)
    interpose_record_qdata (owner, key_id, data);
  else if (key_id != ouro_gobject_records_quark)
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
  SetDataFullFunc set_data_full = ouro_gobject_real_funcs.set_data_full;

  if (G_LIKELY (set_data_full != NULL)
      && (data == NULL || destroy_func == NULL
          || ((gpointer) destroy_func != ouro_gobject_real_funcs.unref
              && (gpointer) destroy_func != ouro_gobject_real_funcs.unref_default
              && destroy_func != g_object_unref))
      && !ouro_gobject_records_qdata_maybe (datalist))
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

  ouro_gobject_interpose_resolve ();
  data = ouro_gobject_real_funcs.remove_no_notify (datalist, key_id);
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

  ouro_gobject_interpose_resolve ();
  replaced = ouro_gobject_real_funcs.replace_data (datalist, key_id, oldval, newval, destroy,
                                                   old_destroy);
  /* Rare enough to just forget: under-reporting is safe. */
  if (replaced)
    interpose_qdata_forget (datalist, key_id);
  return replaced;
}
