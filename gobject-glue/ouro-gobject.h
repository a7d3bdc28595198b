/* ouro-gobject.h — the one public header of libouro-gobject: automatic
 * tracking of GObjects, discovery of the strong references between them,
 * and weak-reference helpers that stop code from creating cycles.
 *
 * Include only this header (it includes <ouro.h>).
 */
#pragma once

#include <glib-object.h>
#include <ouro.h>

G_BEGIN_DECLS

/* ---- tracking (ouro-gobject-tracking.c) -------------------------------- */

OURO_AVAILABLE_IN_ALL
const OuroClass *ouro_gobject_class        (void);
OURO_AVAILABLE_IN_ALL
void             ouro_gobject_init         (void);
OURO_AVAILABLE_IN_ALL
void             ouro_gobject_track        (gpointer object);

/* ---- registered edges (ouro-gobject-registered.c) --------------------------- */

typedef void   (*OuroGObjectTraverseFunc)  (GObject      *object,
                                            OuroVisitFunc visit,
                                            gpointer      user_data);
OURO_AVAILABLE_IN_ALL
void             ouro_gobject_add_traverse (GType                   type,
                                            OuroGObjectTraverseFunc func);
OURO_AVAILABLE_IN_ALL
void             ouro_gobject_add_field    (GType       type,
                                            const char *name,
                                            gsize       offset);
#define          OURO_GOBJECT_ADD_FIELD(type, Struct, member) \
                   ouro_gobject_add_field ((type), #member, G_STRUCT_OFFSET (Struct, member))
OURO_AVAILABLE_IN_ALL
void             ouro_gobject_add_property (GType       type,
                                            const char *property_name);

/* ---- pointer fields (edges/ouro-gobject-fields.c) ---------------------- */

/**
 * OuroGObjectFieldScope:
 * @OURO_GOBJECT_FIELDS_NONE: read no object's memory
 * @OURO_GOBJECT_FIELDS_PROGRAM: read the fields the program's own types
 *   add (registered by the main executable or a library outside the
 *   system's library directories); the default
 * @OURO_GOBJECT_FIELDS_ALL: read the fields of every type but GObject
 *
 * Whose pointer fields a scan with %OURO_SCAN_PROBABLE reads for candidate
 * references (the probable tier).
 */
typedef enum {
  OURO_GOBJECT_FIELDS_NONE,
  OURO_GOBJECT_FIELDS_PROGRAM,
  OURO_GOBJECT_FIELDS_ALL,
} OuroGObjectFieldScope;

OURO_AVAILABLE_IN_ALL
void                  ouro_gobject_set_field_scope (OuroGObjectFieldScope scope);
OURO_AVAILABLE_IN_ALL
OuroGObjectFieldScope ouro_gobject_get_field_scope (void);

/* ---- weak-reference helpers (ouro-gobject-weak.c) ---------------------- */

/* Callbacks that hold their object weakly, so that connecting, scheduling
 * or starting something never keeps the object alive (never closes a
 * cycle).  All of them are MT safe, and share one contract:
 *
 *  - the object is held by a GWeakRef: the callback is never called once
 *    the object's last reference is gone (GLib clears weak refs before it
 *    runs dispose on the last-unref path), and while it runs it holds a
 *    strong reference of its own, so the object cannot die under it;
 *  - what carries the callback (closure, signal handler, source,
 *    cancellable) is invalidated, disconnected, removed or cancelled when
 *    the object's dispose chains up to GObject's, on the thread that
 *    disposes;
 *  - releasing it first (g_signal_handler_disconnect, g_source_remove,
 *    returning G_SOURCE_REMOVE, g_closure_unref, completion) releases
 *    everything at once; the object dying later is not an error.
 *
 * g_signal_connect_object() falls short of the first point: its handler
 * still runs from its object's own dispose, after the last reference went
 * (it is disconnected only when that dispose chains up), and it is not
 * safe when the object dies on another thread.  As with it, g_object_run_dispose()
 * on an object that others still hold is not death: callbacks may run
 * until that dispose chains up.
 *
 * Async callbacks: pass ouro_weak_async_ready() as the callback of any
 * GIO-style *_async() call, and ouro_weak_async_data_new() as its user
 * data:
 *
 *   g_file_load_contents_async (file, cancellable, ouro_weak_async_ready,
 *                               ouro_weak_async_data_new (self, on_loaded,
 *                                                         cancellable));
 *
 * on_loaded (source_object, result, self) then runs only if self is still
 * alive when the operation completes; otherwise the result is dropped
 * unfinished (a GTask frees it).  The optional cancellable is cancelled
 * when self is disposed, so the operation ends early instead of running for
 * nobody.  libouro-gobject does not link GIO: the types below are GIO's own
 * by their struct tags, so that ouro_weak_async_ready() is a
 * GAsyncReadyCallback and a GAsyncReadyCallback is an OuroWeakAsyncFunc,
 * with no cast. */

struct _GAsyncResult;
struct _GCancellable;

/**
 * OuroWeakAsyncFunc:
 * @source_object: (nullable): the object the operation ran on
 * @result: the operation's GAsyncResult
 * @self: the object given to ouro_weak_async_data_new(), alive, with a
 *   reference held for the call
 *
 * The same type as GAsyncReadyCallback: any GAsyncReadyCallback is one.
 */
typedef void   (*OuroWeakAsyncFunc)        (GObject              *source_object,
                                            struct _GAsyncResult *result,
                                            gpointer              self);

OURO_AVAILABLE_IN_ALL
gulong           ouro_signal_connect_weak  (gpointer       instance,
                                            const char    *detailed_signal,
                                            GCallback      handler,
                                            gpointer       target,
                                            GConnectFlags  flags);
OURO_AVAILABLE_IN_ALL
guint            ouro_timeout_add_weak     (guint          interval_ms,
                                            GSourceFunc    function,
                                            gpointer       object);
OURO_AVAILABLE_IN_ALL
guint            ouro_idle_add_weak        (GSourceFunc    function,
                                            gpointer       object);
OURO_AVAILABLE_IN_ALL
GClosure        *ouro_weak_closure_new     (GCallback      callback,
                                            gpointer       object);
OURO_AVAILABLE_IN_ALL
gpointer         ouro_weak_async_data_new  (gpointer               self,
                                            OuroWeakAsyncFunc      callback,
                                            struct _GCancellable  *cancellable);
OURO_AVAILABLE_IN_ALL
void             ouro_weak_async_ready     (GObject               *source_object,
                                            struct _GAsyncResult  *result,
                                            gpointer               data);
OURO_AVAILABLE_IN_ALL
void             ouro_weak_async_data_free (gpointer               data);

G_END_DECLS
