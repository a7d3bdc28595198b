/* ouro-gobject-records-private.h — what the edge files that interpose
 * GLib and GTK functions share (ouro-gobject-records.c, -signals.c,
 * -qdata.c, -controllers.c): the real functions behind the interposers,
 * the record table's lock-free qdata marks, and the labels of records.
 *
 * MT safe as documented per function.
 *
 * Only the interposed GLib and GTK functions (OURO_INTERPOSE) are exported
 * from libouro-gobject.so and libouro-preload.so: what these files share
 * is hidden, as when they were one file.
 */
#pragma once

#include "ouro-gobject-private.h"
/* For ouro_pointer_hash () only: an inline function, nothing to link. */
#include "ouro-registry-private.h"

G_BEGIN_DECLS

#define OURO_INTERPOSE __attribute__((visibility("default")))

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

/* The functions the interposers forward to, as the libraries that define
 * them define them.  GLib's and GObject's are set by
 * ouro_gobject_interpose_resolve (); add_controller by
 * gtk_widget_add_controller () itself, when GTK is loaded. */
typedef struct {
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
} OuroGObjectRealFuncs;

extern OuroGObjectRealFuncs ouro_gobject_real_funcs;

/* ---- ouro-gobject-records.c ------------------------------------------- */

/* After it: every real function of GLib and GObject is known.  Cheap once
 * done (done when the library is loaded). */
void     ouro_gobject_interpose_resolve (void);
/* Returns @symbol as the library @soname defines it, whatever precedes it
 * in the search order; NULL when that library is not loaded. */
gpointer ouro_gobject_interpose_lookup  (const char *soname,
                                         const char *symbol);

/* The qdata key of the entry whose destroy notify frees an owner's
 * records: setting or removing it is none of the qdata interposers'
 * business. */
extern GQuark ouro_gobject_records_quark;

/* Drops the records of @owner's qdata @key.  Takes the records lock. */
void     ouro_gobject_records_drop_qdata (GObject *owner,
                                          GQuark   key);

/* Which datalists may have a qdata record, so that g_datalist_id_set_data_full
 * on any other takes the fast path: a counter per hash bucket of owners
 * (objects that have or had a qdata record, until they are finalized).  A
 * collision only sends an object down the slow path; a counter that
 * reaches 255 stays there.  Written under records_lock, read without it
 * (one relaxed byte load). */
#define RECORDS_MARKS_BITS 18
extern guint8 ouro_gobject_records_qdata_marks[1 << RECORDS_MARKS_BITS];

static inline guint8 *
ouro_gobject_records_qdata_mark (gconstpointer owner)
{
  return &ouro_gobject_records_qdata_marks[ouro_pointer_hash (owner, 64 - RECORDS_MARKS_BITS)];
}

/* Whether @datalist's owner may have qdata records.  No lock: false means
 * no record of its qdata was made before whatever ordered this call after
 * it. */
static inline gboolean
ouro_gobject_records_qdata_maybe (GData **datalist)
{
  gconstpointer owner = (const char *) datalist - G_STRUCT_OFFSET (GObject, qdata);

  return __atomic_load_n (ouro_gobject_records_qdata_mark (owner), __ATOMIC_RELAXED) != 0;
}

/* ---- ouro-gobject-signals.c ------------------------------------------- */

/* The interned label of a record of @kind: "signal SIGNAL: handler data",
 * "signal SIGNAL: g_signal_connect_object target" or "qdata NAME" of
 * @key_quark (@signal NULL). */
const char *ouro_gobject_interpose_label (OuroRecordKind  kind,
                                          const char     *signal,
                                          GQuark          key_quark);

G_END_DECLS
