/* ouro-types.h — the export macro and the OuroClass vtable.
 *
 * Part of the public API: include <ouro.h>, not this file.
 */
#pragma once

#if !defined(OURO_INSIDE) && !defined(OURO_COMPILATION)
# error "Only <ouro.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* Every public function carries OURO_AVAILABLE_IN_ALL; everything else in
 * the library is built with hidden visibility and stays private. */
#if defined(_WIN32)
# define _OURO_EXTERN __declspec(dllexport) extern
#else
# define _OURO_EXTERN __attribute__((visibility("default"))) extern
#endif
#define OURO_AVAILABLE_IN_ALL _OURO_EXTERN

/**
 * OuroVisitFunc:
 * @target: an object the visited object holds a strong reference to; NULL
 *   and untracked pointers are ignored
 * @label: a static or interned string naming the reference, such as
 *   "field child" or "signal clicked: handler data"
 * @user_data: the user_data given to the traverse function
 *
 * Called by a traverse function once per strong reference held.
 */
typedef void (*OuroVisitFunc) (gpointer    target,
                               const char *label,
                               gpointer    user_data);

/**
 * OuroClass:
 * @name: the name of the object system or class ("GObject", "Node")
 * @get_refcount: required; the object's current reference count
 * @traverse: required; visits each strong reference the object holds, once
 *   per reference, with no side effects
 * @get_type_name: optional; the type of one object (a static or interned
 *   string); @name is used when NULL
 * @describe: optional; one line that identifies the object for a person,
 *   freed with g_free()
 * @ref: optional; needed by ouro_collect()
 * @unref: optional; needed by ouro_collect()
 * @clear: optional; drops the references the object holds; needed by
 *   ouro_collect()
 * @get_size: optional; bytes the object owns
 * @untracked_target: optional; called during a scan, under the registry
 *   lock, once for each non-NULL reference the object's traverse visited
 *   whose target is not tracked (such a reference is ignored).  Lets a
 *   class warn about holes in its tracking without a registry lookup per
 *   visit.  Must not track, untrack or scan.
 * @describe_late: optional; the second half of @describe, for text that
 *   may run application code (a property getter): a scan calls it after
 *   releasing the registry lock, on the same thread, exactly once for each
 *   object whose @describe it called, and appends what it returns
 *   (freed with g_free(); NULL for nothing) to the description.  The
 *   object may have been freed in between unless @describe took a
 *   reference on it: the two are a pair, and the class keeps that state
 *   (GObject's holds a weak reference from @describe to @describe_late).
 *   Called only after every @describe of that scan.
 * @clear_weak: optional; clears the weak references to the object, so that
 *   nothing can take a new strong reference to it through them (CPython's
 *   handle_weakrefs).  ouro_collect() calls it on every garbage object
 *   before it confirms the garbage again and before any @clear, under the
 *   registry lock: it must not run application code, track or untrack.
 *   Returns whether the object had weak references to clear.
 * @can_clear: optional; whether @clear would release anything of the
 *   object now (for a GTK widget that still has a parent it does not: the
 *   parent's dispose unparents it).  ouro_collect() calls it under the
 *   registry lock to choose which member of a garbage cycle to clear: it
 *   must not run application code, track or untrack.  NULL: always.
 *
 * Describes a refcounted object system to Ouro (CPython's tp_traverse).
 * A class must outlive every object tracked with it; Ouro keeps the
 * pointer, not a copy.
 */
typedef struct {
  const char  *name;
  guint       (*get_refcount)  (gpointer object);
  void        (*traverse)      (gpointer      object,
                                OuroVisitFunc visit,
                                gpointer      user_data);
  const char *(*get_type_name) (gpointer object);
  char       *(*describe)      (gpointer object);
  void        (*ref)           (gpointer object);
  void        (*unref)         (gpointer object);
  void        (*clear)         (gpointer object);
  gsize       (*get_size)      (gpointer object);
  void        (*untracked_target) (gpointer object,
                                   gpointer target);
  char       *(*describe_late) (gpointer object);
  gboolean    (*clear_weak)    (gpointer object);
  gboolean    (*can_clear)     (gpointer object);
} OuroClass;

G_END_DECLS
