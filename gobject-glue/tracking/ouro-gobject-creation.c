/* ouro-gobject-creation.c — tracking the GObjects whose class never chains
 * up its constructed, so that no GObject goes untracked.
 *
 * MT safe: one per-type cache of single words, read and written with
 * relaxed atomics; two threads that classify one type at once write the
 * same answer.
 *
 * The glue tracks objects from GObjectClass->constructed, which every
 * class inherits or chains up to.  A few do neither: on Debian 12, GIO's
 * GSocket and GApplication (and so GtkApplication and every program's
 * application class) and GObject's own GBinding.  Their objects were
 * invisible: a leaked GSocket of a server was never reported.  So every
 * object is also seen when it is created, through the public g_object_new
 * family (ouro-gobject-creation-interpose.c in libouro-gobject, the
 * reference ledger's interposers under `ouro run`): the first object of a
 * type says whether the constructed hook tracked it; if not, the type is
 * marked, and each of its objects is tracked here.  That costs one cache
 * probe per object of a type that chains up.  Objects libgobject creates
 * itself (GBinding) are tracked where they are made
 * (edges/ouro-gobject-bindings.c).  Untracking needs nothing new: such
 * classes still chain up their finalize.
 */
#include "config.h"

#include "ouro-gobject-private.h"

/* A word per slot: the GType (its low two bits are always zero: type ids
 * are multiples of four) with the answer in them.  0: empty. */
enum {
  CREATION_HOOKED   = 1,   /* the constructed hook tracks its objects */
  CREATION_UNHOOKED = 2,   /* tracked here */
};

static gsize creation_cache[OURO_GOBJECT_TYPE_CACHE_SIZE];

static inline gsize *
creation_slot (GType type)
{
  return &creation_cache[ouro_gobject_type_cache_slot (type)];
}

void
ouro_gobject_track_created (gpointer object)
{
  GType type;
  gsize entry, *slot;
  gboolean tracked;

  if (object == NULL || !ouro_gobject_is_initialized ())
    return;
  type = G_OBJECT_TYPE (object);
  slot = creation_slot (type);
  entry = __atomic_load_n (slot, __ATOMIC_RELAXED);
  if ((entry & ~(gsize) 3) == type)
    {
      if ((entry & 3) == CREATION_UNHOOKED)
        ouro_gobject_track (object);
      return;
    }

  /* First object of @type seen here (or its slot was taken meanwhile by
   * another type: classifying again is the same answer). */
  tracked = ouro_is_tracked (object);
  if (!tracked)
    ouro_gobject_track (object);
  __atomic_store_n (slot, type | (tracked ? CREATION_HOOKED : CREATION_UNHOOKED), __ATOMIC_RELAXED);
}

gboolean
ouro_gobject_type_tracked_at_creation (GType type)
{
  gsize entry = __atomic_load_n (creation_slot (type), __ATOMIC_RELAXED);

  return (entry & ~(gsize) 3) == type && (entry & 3) == CREATION_UNHOOKED;
}
