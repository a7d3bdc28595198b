/* ouro-gobject-clear-weak.c — clearing the weak references to a GObject
 * that ouro_collect () found garbage, before it disposes anything
 * (OuroClass.clear_weak; CPython's handle_weakrefs).
 *
 * MT safe: called by the core under the registry lock, so the object
 * cannot be finalized meanwhile; runs only GLib's own code (its
 * weak-locations lock, its datalist lock), never a callback.
 *
 * Why: a garbage object is unreachable except through weak references.
 * Another thread can upgrade a GWeakRef (g_weak_ref_get) between the scan
 * and the dispose, and would then hold a strong reference it took
 * legitimately to an object being disposed.  GLib's own last
 * g_object_unref () clears an object's GWeakRefs under its weak-locations
 * lock before dispose; a collect must do the same, then confirm the
 * garbage (a refcount raised by an upgrade before the clear shows there).
 *
 * How, with public API only (measured on GLib 2.74, whose layout below is
 * checked at run time):
 *  - GWeakRefs: GLib keeps an object's weak locations as the object data
 *    "GObject-weak-locations", a GSList ** freed by GLib's destroy notify,
 *    which takes the weak-locations writer lock and sets every location
 *    to NULL.  The list is swapped for a fresh empty one
 *    (g_datalist_id_replace_data (), atomic under the datalist lock; the
 *    data never goes missing, which g_weak_ref_set () asserts on), and the
 *    old one given to that destroy notify: after it returns, every upgrade
 *    that read the object has taken its reference, and none can start.
 *  - weak pointers (g_object_add_weak_pointer (): a g_object_weak_ref ()
 *    whose notify is g_nullify_pointer): removed with
 *    g_object_remove_weak_pointer () and set to NULL.  Their locations are
 *    read from GLib's WeakRefStack, "GObject-weak-references" (its layout
 *    is GLib 2.74's; other versions keep weak pointers as they are).  GLib
 *    documents weak pointers as unsafe across threads; this protects a
 *    collect's own disposes from reading one and taking a reference.
 * Not prevented (GLib offers no lock to take): a thread that upgraded a
 * weak reference before the clear, made a new GWeakRef and dropped its
 * strong reference, all before the confirming scan, and upgrades again
 * after it.
 */
#include "config.h"

#include "ouro-gobject-private.h"

/* GLib 2.74's gobject.c WeakRefStack. */
typedef struct {
  GObject *object;
  guint    n_weak_refs;
  struct {
    GWeakNotify notify;
    gpointer    data;
  } weak_refs[1];
} ClearWeakStack;

/* After it: no GWeakRef points to @object.  Returns whether any did. */
static gboolean
clear_weak_locations (GObject *object)
{
  GQuark quark = g_quark_try_string ("GObject-weak-locations");
  GDestroyNotify free_locations = NULL;
  GSList **locations, **fresh;

  if (quark == 0)
    return FALSE;
  locations = g_datalist_id_get_data (&object->qdata, quark);
  if (locations == NULL)
    return FALSE;

  fresh = g_new0 (GSList *, 1);
  if (!g_datalist_id_replace_data (&object->qdata, quark, locations, fresh, NULL, &free_locations))
    {
      /* Changed under us (a weak reference set or cleared meanwhile):
       * report one, so that the garbage is confirmed, and try no more. */
      g_free (fresh);
      return TRUE;
    }
  if (free_locations == NULL)
    {
      /* Not GLib 2.74's bookkeeping: put it back as it was. */
      g_datalist_id_replace_data (&object->qdata, quark, fresh, locations, NULL, NULL);
      g_free (fresh);
      return TRUE;
    }
  /* GLib's weak_locations_free (): NULLs every GWeakRef in the list under
   * the writer lock, then frees it. */
  free_locations (locations);
  /* The fresh list gets the same notify, as GLib gives every list.  Fails
   * only if g_weak_ref_set () freed it already (it does that to a list it
   * empties): nothing is left to free then. */
  g_datalist_id_replace_data (&object->qdata, quark, fresh, fresh, free_locations, NULL);
  return TRUE;
}

/* After it: no weak pointer added with g_object_add_weak_pointer () points
 * to @object.  Returns whether any did. */
static gboolean
clear_weak_pointers (GObject *object)
{
  GQuark quark = g_quark_try_string ("GObject-weak-references");
  ClearWeakStack *stack;
  GPtrArray *locations;
  gboolean any;

  if (quark == 0 || glib_major_version != 2 || glib_minor_version >= 76)
    return FALSE;
  stack = g_datalist_id_get_data (&object->qdata, quark);
  if (stack == NULL || stack->object != object)
    return FALSE;

  /* Read first, removed after: g_object_weak_unref () changes the stack. */
  locations = g_ptr_array_new ();
  for (guint i = 0; i < stack->n_weak_refs; i++)
    if ((gpointer) stack->weak_refs[i].notify == (gpointer) g_nullify_pointer)
      g_ptr_array_add (locations, stack->weak_refs[i].data);
  for (guint i = 0; i < locations->len; i++)
    {
      gpointer *location = locations->pdata[i];

      g_object_remove_weak_pointer (object, location);
      if (*location == object)
        *location = NULL;
    }
  any = locations->len > 0;
  g_ptr_array_unref (locations);
  return any;
}

gboolean
ouro_gobject_clear_weak (gpointer object)
{
  /* Both, always: || would skip the second. */
  gboolean locations = clear_weak_locations (object);
  gboolean pointers = clear_weak_pointers (object);

  return locations || pointers;
}
