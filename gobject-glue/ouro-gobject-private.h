/* ouro-gobject-private.h — what the glue's files share.
 *
 * MT safe as documented per function.
 */
#pragma once

#include "ouro-gobject.h"

G_BEGIN_DECLS

/* ---- ouro-gobject-tracking.c ------------------------------------------ */

gboolean ouro_gobject_is_initialized (void);

/* Register the glue's locks with ouro-fork.c; called once by
 * ouro_gobject_init (). */
void     ouro_gobject_interpose_add_fork_lock (void);
void     ouro_gobject_edges_add_fork_lock     (void);

/* Visits @target from inside a GObject traverse, NULL skipped.  A target
 * the scan finds untracked is named once per type by the class's
 * untracked_target hook: a class that overrides constructed without
 * chaining up, or an object created before ouro_gobject_init (). */
void     ouro_gobject_visit          (OuroVisitFunc visit,
                                      gpointer      target,
                                      const char   *label,
                                      gpointer      user_data);

/* Called for every GObject finalized from now on (NULL: none), after it is
 * untracked and before GObject's own finalize frees it, on the thread that
 * finalizes it, with no lock held.  One hook: the reference ledger's. */
typedef void (*OuroGObjectFinalizeHook) (GObject *object);
void     ouro_gobject_set_finalize_hook (OuroGObjectFinalizeHook hook);

/* ---- ouro-gobject-creation.c: objects whose class skips constructed ----- */

/* Called for every GObject created through the public g_object_new
 * family, after it is constructed: tracks it when its type's constructed
 * never reaches the glue's hook.  Any thread, no lock held. */
void     ouro_gobject_track_created  (gpointer object);
/* Whether objects of @type are tracked at creation, because the hook
 * missed one of them (for the tests). */
gboolean ouro_gobject_type_tracked_at_creation (GType type);

/* ---- per-type caches --------------------------------------------------- */

/* The slot of @type in a direct-mapped cache of what a type is to one of
 * the glue's parts (an edge source, the tracker), of
 * OURO_GOBJECT_TYPE_CACHE_SIZE entries: room for every type a large GTK
 * program instantiates (gtk4-demo: 174 alive at exit).  A GType is the
 * address of GLib's type node, whose low bits are all zero: it is mixed,
 * not shifted (a shift by 2 left a 256-entry cache 64 usable entries, and
 * the list models' classified gtk4-demo's types 30,000 times a scan). */
#define OURO_GOBJECT_TYPE_CACHE_BITS 10
#define OURO_GOBJECT_TYPE_CACHE_SIZE (1u << OURO_GOBJECT_TYPE_CACHE_BITS)

static inline guint
ouro_gobject_type_cache_slot (GType type)
{
  return (guint) (((guint64) type * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15))
                  >> (64 - OURO_GOBJECT_TYPE_CACHE_BITS));
}

/* One entry of such a cache (an array of OURO_GOBJECT_TYPE_CACHE_SIZE):
 * a type and what its part made of it. */
typedef struct {
  GType   type;
  guint32 value;
} OuroGObjectTypeCacheEntry;

/* What @classify says of @type, from @cache, which remembers it: for
 * answers that never change once an object of the type exists (its
 * ancestry, its registration).  Not locked: each cache's user serialises
 * its calls (the registry lock). */
static inline guint32
ouro_gobject_type_cache_get (OuroGObjectTypeCacheEntry *cache,
                             GType                      type,
                             guint32                  (*classify) (GType type))
{
  OuroGObjectTypeCacheEntry *entry = &cache[ouro_gobject_type_cache_slot (type)];

  if (entry->type != type)
    {
      entry->value = classify (type);
      entry->type = type;
    }
  return entry->value;
}

/* ---- ouro-gobject-own.c: the program's own types --------------------- */

/* Installs the core's own-object function; called by ouro_gobject_init (). */
void     ouro_gobject_own_init       (void);
/* Whether @type was registered by the program (main executable, or a
 * library outside the system's library directories). */
gboolean ouro_gobject_type_is_own    (GType type);
/* Whether @path (an absolute file name) is in the system's library
 * directories (/lib, /lib64, /usr/lib, /usr/lib64 and under them): code
 * there is never the program's; a library elsewhere is. */
gboolean ouro_gobject_path_is_system (const char *path);
/* The file name the dynamic loader knows the object (executable or shared
 * library) holding the code at @address by, as dladdr () gives it, without
 * dladdr ()'s search of the object's symbols for the nearest (tens of
 * microseconds in libgtk); "" for the main executable; NULL when no
 * loaded object holds @address.  Valid while the object stays loaded. */
const char *ouro_gobject_loaded_object_name (gconstpointer address);
/* The file of the module (executable or shared library) that registered
 * @type through the public registration functions: an interned path;
 * NULL when that registration was not seen (libgobject's own types, or
 * types registered before this library was loaded). */
const char *ouro_gobject_type_module (GType type);

/* ---- ouro-gobject-describe.c ------------------------------------------ */

/* Under the registry lock: what reading runs no application code. */
char    *ouro_gobject_describe       (gpointer object);
/* After the lock is released, for an object describe saw: its properties. */
char    *ouro_gobject_describe_late  (gpointer object);
/* Whether a language binding holds @object through a toggle reference.
 * Reads GLib's flag only: safe under the registry lock. */
gboolean ouro_gobject_has_toggle_ref (GObject *object);
/* Brackets ouro_collect ()'s dispose of @object: describe_late leaves an
 * object being disposed alone. */
void     ouro_gobject_describe_mark_disposing (GObject  *object,
                                               gboolean  disposing);

/* ---- ouro-gobject-clear-weak.c ---------------------------------------- */

/* OuroClass.clear_weak: clears the GWeakRefs and weak pointers to @object.
 * Under the registry lock; GLib's code only. */
gboolean ouro_gobject_clear_weak     (gpointer object);

/* ---- ouro-gobject-registered.c: fields, properties, traversers -------- */

void     ouro_gobject_visit_registered (GObject      *object,
                                        OuroVisitFunc visit,
                                        gpointer      user_data);

/* ---- ouro-gobject-field-names.c: struct members from debug information */

/* The name of the pointer-sized field at @offset bytes into the part of an
 * object's memory that @type itself owns: its instance struct's own members
 * when @private_area is FALSE (@offset counted from the start of the
 * instance, so it lies in [parent's instance_size, type's instance_size)),
 * or its private struct when TRUE (@offset counted from the start of that
 * type's private area).  Returns an interned string (g_intern_string):
 * "buffer" / "owner" / "inner.child" / "items[2]" for instance members,
 * "priv->buffer" for private members; or, when no debug information
 * describes the struct or no member covers @offset, "+0x18 of TypeName" /
 * "+0x18 of TypeNamePrivate".  MT safe.  Caches per type: DWARF is read at
 * most once per type, never per call. */
void        ouro_gobject_field_names_add_fork_lock (void);
const char *ouro_gobject_field_name (GType    type,
                                     gboolean private_area,
                                     gsize    offset);

/* ---- ouro-gobject-fields.c: candidate references from pointer fields -- */

/* Installs the candidates function for GObjects; called by
 * ouro_gobject_init (). */
void        ouro_gobject_fields_init (void);

/* ---- ouro-gobject-weak-locations.c: GWeakRefs and weak pointers ------- */

void        ouro_gobject_weak_locations_add_fork_lock (void);
/* A bit per hash of a location that may be in the table: set under the
 * weak-locations lock, read without it. */
#define OURO_GOBJECT_WEAK_MAYBE_BITS  16     /* 8 KiB of bits */
#define OURO_GOBJECT_WEAK_MAYBE_WORDS ((1u << OURO_GOBJECT_WEAK_MAYBE_BITS) / 64)
extern guint64 ouro_gobject_weak_maybe[OURO_GOBJECT_WEAK_MAYBE_WORDS];

static inline guint
ouro_gobject_weak_maybe_bit (gconstpointer location)
{
  return (guint) (((guint64) (guintptr) location * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15))
                  >> (64 - OURO_GOBJECT_WEAK_MAYBE_BITS));
}

/* Whether @location may be a weak location: FALSE means it is not, with
 * no lock taken (what a scan asks of nearly every word). */
static inline gboolean
ouro_gobject_weak_location_maybe (gconstpointer location)
{
  guint bit = ouro_gobject_weak_maybe_bit (location);

  return (__atomic_load_n (&ouro_gobject_weak_maybe[bit / 64], __ATOMIC_RELAXED)
          & (G_GUINT64_CONSTANT (1) << (bit % 64))) != 0;
}
/* Whether @location is a GWeakRef or weak pointer the program set to
 * @object (and has not set or cleared since).  Takes the weak-locations
 * lock: callable under the registry lock.  MT safe. */
gboolean    ouro_gobject_weak_location_holds (gconstpointer location,
                                              gconstpointer object);

/* ---- ouro-gobject-records.c: edges recorded when they are made -------- */

/* What the interposers (ouro-gobject-signals.c, ouro-gobject-qdata.c,
 * ouro-gobject-controllers.c) see being made. */
typedef enum {
  OURO_RECORD_HANDLER_DATA,    /* strong: a handler whose data is unref'd with the closure */
  OURO_RECORD_HANDLER_OBJECT,  /* weak: g_signal_connect_object */
  OURO_RECORD_QDATA,           /* strong: qdata with g_object_unref as destroy notify */
  OURO_RECORD_CONTROLLER,      /* strong: gtk_widget_add_controller */
  OURO_RECORD_BINDING,         /* strong: what a GBinding's link stands for (id: its serial) */
} OuroRecordKind;

/* Records that @owner holds @target, checked again at every scan (handler
 * still connected, qdata unchanged, controller still attached) so a stale
 * record can only hide an edge.  @id is the handler id or the qdata key;
 * @label is interned (g_intern_string ()).  A controller or a qdata key
 * has one record at most: recording it again replaces the old one. */
void     ouro_gobject_record_add     (GObject        *owner,
                                      OuroRecordKind  kind,
                                      gulong          id,
                                      gpointer        target,
                                      const char     *label);
/* The same for a reference on a caller-made @closure that holds @target
 * (see ouro-gobject-closures.c): a handler's (@kind
 * OURO_RECORD_HANDLER_DATA, @id its handler id) or a GBinding's transform
 * closure (OURO_RECORD_BINDING, @id its serial); @shared_label names the
 * reference to the closure when several holders share it. */
void     ouro_gobject_record_add_closure (GObject        *owner,
                                          OuroRecordKind  kind,
                                          gulong          id,
                                          GClosure       *closure,
                                          gpointer        target,
                                          const char     *label,
                                          const char     *shared_label);
void     ouro_gobject_record_remove  (GObject        *owner,
                                      OuroRecordKind  kind,
                                      gpointer        target);
/* Unsets the qdata entries recorded as holding a reference (their destroy
 * notify drops it): dispose leaves qdata alone until finalize, so this is
 * what breaks a cycle made of qdata.  Not under any Ouro lock. */
void     ouro_gobject_drop_recorded_qdata (GObject *object);
/* How many records @owner has (for the tests). */
guint    ouro_gobject_count_records  (GObject        *owner);
void     ouro_gobject_visit_recorded (GObject      *object,
                                      OuroVisitFunc visit,
                                      gpointer      user_data);
gboolean ouro_gobject_is_unref_func  (gpointer func);
/* libgobject's own g_object_unref, past any interposer (the reference
 * ledger's): for a reference taken inside libgobject, which the ledger
 * never saw being taken. */
void     ouro_gobject_real_unref     (gpointer object);
/* Says (a message) when the interposed functions are not the ones the
 * program calls. */
void     ouro_gobject_interpose_check (void);

/* ---- ouro-gobject-qdata.c: qdata that holds an object ----------------- */

/* Turns the qdata references @object set on itself before it was tracked
 * (in its instance init or constructor, on this thread) into records.
 * Called when @object is constructed. */
void     ouro_gobject_interpose_claim_pending (GObject *object);

/* ---- ouro-gobject-closures.c: closures of handlers that hold objects --- */

void     ouro_gobject_closures_add_fork_lock (void);
/* The object @closure holds and releases with g_object_unref when it is
 * finalized (g_cclosure_new (callback, g_object_ref (self), unref)), or
 * NULL. */
gpointer ouro_gobject_closure_held_object (GClosure *closure);
/* @closure's refcount, read whole (GLib changes it with a compare-and-swap
 * of the word that holds it). */
guint    ouro_gobject_closure_refcount (GClosure *closure);
/* Called after a handler holding @closure was connected, outside every
 * Ouro lock.  After it, the closure is known until it is finalized, and a
 * node of its own from its second handler on.  Returns FALSE when it
 * cannot be followed (no finalize notifier slot left): make no record. */
gboolean ouro_gobject_closure_note_handler (GClosure *closure);
/* From a scan, under the registry and records locks: visits what one
 * handler holding @closure holds — @target (with @label) when the handler
 * is the closure's only holder, the closure (with @shared_label) when it
 * is a shared node, nothing otherwise. */
void     ouro_gobject_closure_visit_handler (GClosure      *closure,
                                             gpointer       target,
                                             const char    *label,
                                             const char    *shared_label,
                                             OuroVisitFunc  visit,
                                             gpointer       user_data);

/* ---- ouro-gobject-bindings.c: GBindings and what they hold ----------- */

void     ouro_gobject_bindings_add_fork_lock (void);
/* Whether the binding made with @serial still holds what it held when it
 * was made (GLib has not let go of its transform data).  Takes the
 * bindings lock, after the registry and records locks. */
gboolean ouro_gobject_binding_holds  (gulong serial);
/* From ouro_collect ()'s clear of @object, outside every lock: unbinds the
 * bindings made through the interposers whose source or target is
 * @object, as GLib's own weak notify would on its dispose; the collect
 * cleared the binding's weak references first (ouro-gobject-clear-weak.c),
 * which turns that notify into a no-op. */
void     ouro_gobject_bindings_unbind_for (GObject *object);

/* ---- ouro-gobject-tasks.c: pending GTasks as holders ----------------- */

void     ouro_gobject_tasks_init            (void);
/* From the tracking hooks, for every GObject constructed or finalized. */
void     ouro_gobject_tasks_note_constructed (GObject *object);
void     ouro_gobject_tasks_note_finalized   (GObject *object);

/* ---- ouro-gobject-holders.c: what holds objects from outside --------- */

/* Installs the core's holder function; called by ouro_gobject_init (). */
void     ouro_gobject_holders_init   (void);
/* Names the call returning to an address: "function (file.c:26)",
 * "function+0x1a (libfoo.so.1)"; a new string.  Called without any Ouro
 * lock of the glue's held, under the registry lock. */
typedef char *(*OuroGObjectSymboliseFunc) (guintptr return_address);
/* Sets how holders name the code that added them (the reference ledger's
 * symboliser under `ouro run`); NULL: ouro_gobject_symbolise_dladdr (). */
void     ouro_gobject_holders_set_symbolise_func (OuroGObjectSymboliseFunc func);
/* The dynamic symbol table's name for it: "function+0x1a (libfoo.so.1)",
 * or "0x… (libfoo.so.1+0x…)". */
char    *ouro_gobject_symbolise_dladdr (guintptr return_address);
/* ouro-gobject-tasks.c, from the holder function: adds the GTasks that
 * hold @object, as their source object or as a pending call's user data. */
void     ouro_gobject_tasks_explain (GObject                 *object,
                                     OuroExplanation         *explanation,
                                     OuroGObjectSymboliseFunc symbolise);

/* ---- ouro-gobject-containers.c: GTK4 and GIO containers, at run time -- */

void     ouro_gobject_visit_containers (GObject      *object,
                                        OuroVisitFunc visit,
                                        gpointer      user_data);
gboolean ouro_gobject_gtk_controller_is_on (gpointer controller,
                                            gpointer widget);
/* Whether @object is a GTK widget that still has a parent.  Called from
 * ouro_collect ()'s clear, outside the registry lock, on the thread that
 * collects: GTK is single-threaded, so that is its main thread. */
gboolean ouro_gobject_gtk_widget_has_parent (gpointer object);

/* ---- ouro-gobject-templates.c: GTK4 template children ----------------- */

/* From a scan, for a GtkWidget: visits each object GTK's template table
 * holds for @widget ("template child NAME"). */
void     ouro_gobject_visit_template_children (GObject      *widget,
                                               OuroVisitFunc visit,
                                               gpointer      user_data);

/* ---- ouro-gobject-expressions.c: GtkExpression nodes ------------------ */

/* From a scan, for any GObject: visits the expression a GTK expression
 * holder (GtkDropDown, the string and numeric sorters, the string and bool
 * filters) holds ("expression"); nothing until an expression was tracked. */
void     ouro_gobject_visit_expression_holders (GObject      *object,
                                                OuroVisitFunc visit,
                                                gpointer      user_data);

/* ---- ouro-gobject-text-views.c: GtkTextView's buffer and layout ------- */

/* From a scan, for any GObject: visits the buffer and the text layout a
 * GtkTextView holds, and the buffer a GtkTextLayout holds ("text buffer",
 * "text layout"); GTK 4.8 only (see that file). */
void     ouro_gobject_visit_text_views (GObject      *object,
                                        OuroVisitFunc visit,
                                        gpointer      user_data);

/* ---- ouro-gobject-list-models.c: GTK4 list models and list widgets ---- */

/* From a scan, for any GObject: visits what a GTK list model, selection
 * model, list view, grid view or drop-down holds ("list model", "filter",
 * "sorter", "selected item", "factory", "filter model", ...). */
void     ouro_gobject_visit_list_models (GObject      *object,
                                         OuroVisitFunc visit,
                                         gpointer      user_data);

G_END_DECLS
