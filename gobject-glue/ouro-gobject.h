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

/* ---- registered edges (ouro-gobject-edges.c) --------------------------- */

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

/* ---- weak-reference helpers (ouro-gobject-weak.c) ---------------------- */

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

G_END_DECLS
