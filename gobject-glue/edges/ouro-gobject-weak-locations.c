/* ouro-gobject-weak-locations.c — where the program keeps weak references:
 * the addresses of its GWeakRefs and weak pointers, so that a word read
 * from an object's memory (ouro-gobject-fields.c) that is one is never
 * taken for a reference it holds.
 *
 * MT safe: one lock guards the table; the interposers take it after
 * calling GLib, never while GLib runs.  Lock order: registry, then this
 * one (a scan asks under the registry lock; ouro_collect ()'s clear of
 * weak pointers calls g_object_remove_weak_pointer () under it).
 *
 * How: libouro-gobject defines the public entry points that set a weak
 * location — g_weak_ref_init (), g_weak_ref_set (), g_weak_ref_clear (),
 * g_object_add_weak_pointer () and g_object_remove_weak_pointer ()
 * (g_set_weak_pointer () and g_clear_weak_pointer () are inline functions
 * that call the last two) — forwards to libgobject's and remembers each
 * location with the object it was set to.  A word is weak when the table
 * has its address with that very object: a location whose memory was
 * freed without g_weak_ref_clear () and reused for a strong pointer to
 * another object reads as strong again.
 *
 * A scan asks about every pointer word it reads, so a bitmap over the
 * locations' addresses (set under the lock, read without it) answers "not
 * weak" for nearly all of them without the lock: a bit is set for each
 * location in the table, and cleared only when a prune rebuilds the map.
 *
 * GLib empties a weak location when its object dies without telling
 * anyone, so entries for dead objects stay until the location is set or
 * cleared again.  When the table has doubled since it was last pruned,
 * the entries whose object is no longer tracked go; the check runs with
 * the table's lock released (it takes the registry lock).
 *
 * What is not seen: weak references made with g_object_weak_ref () and a
 * notify of the program's own (a field the notify sets to NULL), and
 * locations set by libgobject calling itself (GBinding's, which are not
 * the program's).  Such a field stays a candidate; only a candidate, never
 * proven.
 */
#include "config.h"

#include <pthread.h>

#include "ouro-gobject-records-private.h"

#define WEAK_LOCATIONS_PRUNE_MIN 4096

typedef void (*WeakRefInitFunc)          (GWeakRef *, gpointer);
typedef void (*WeakRefClearFunc)         (GWeakRef *);
typedef void (*AddWeakPointerFunc)       (GObject *, gpointer *);

static struct {
  WeakRefInitFunc    weak_ref_init;
  WeakRefInitFunc    weak_ref_set;
  WeakRefClearFunc   weak_ref_clear;
  AddWeakPointerFunc add_weak_pointer;
  AddWeakPointerFunc remove_weak_pointer;
} weak_real;

static pthread_once_t  weak_resolved = PTHREAD_ONCE_INIT;
static pthread_mutex_t weak_lock = PTHREAD_MUTEX_INITIALIZER;   /* TSan sees it, not a GMutex */
static GHashTable     *weak_locations;   /* location -> the object it was set to */
static guint           weak_prune_at = WEAK_LOCATIONS_PRUNE_MIN;
guint64 ouro_gobject_weak_maybe[OURO_GOBJECT_WEAK_MAYBE_WORDS];

#define weak_maybe ouro_gobject_weak_maybe
#define weak_maybe_bit ouro_gobject_weak_maybe_bit

/* Under the lock. */
static void
weak_maybe_set (gconstpointer location)
{
  guint bit = weak_maybe_bit (location);

  __atomic_fetch_or (&weak_maybe[bit / 64], G_GUINT64_CONSTANT (1) << (bit % 64), __ATOMIC_RELAXED);
}

/* Under the lock: the map says exactly what the table holds.  Each word
 * is stored whole, so a bit that stays set is never seen clear. */
static void
weak_maybe_rebuild (void)
{
  guint64 fresh[G_N_ELEMENTS (weak_maybe)] = { 0 };
  GHashTableIter iter;
  gpointer location;

  g_hash_table_iter_init (&iter, weak_locations);
  while (g_hash_table_iter_next (&iter, &location, NULL))
    {
      guint bit = weak_maybe_bit (location);

      fresh[bit / 64] |= G_GUINT64_CONSTANT (1) << (bit % 64);
    }
  for (guint i = 0; i < G_N_ELEMENTS (weak_maybe); i++)
    __atomic_store_n (&weak_maybe[i], fresh[i], __ATOMIC_RELAXED);
}

static void weak_lock_acquire (void) { pthread_mutex_lock (&weak_lock); }
static void weak_lock_release (void) { pthread_mutex_unlock (&weak_lock); }

void
ouro_gobject_weak_locations_add_fork_lock (void)
{
  ouro_add_fork_lock (weak_lock_acquire, weak_lock_release);
}

static void
weak_resolve_once (void)
{
  weak_real.weak_ref_init = ouro_gobject_interpose_lookup ("libgobject-2.0.so.0", "g_weak_ref_init");
  weak_real.weak_ref_set = ouro_gobject_interpose_lookup ("libgobject-2.0.so.0", "g_weak_ref_set");
  weak_real.weak_ref_clear = ouro_gobject_interpose_lookup ("libgobject-2.0.so.0",
                                                            "g_weak_ref_clear");
  weak_real.add_weak_pointer = ouro_gobject_interpose_lookup ("libgobject-2.0.so.0",
                                                              "g_object_add_weak_pointer");
  weak_real.remove_weak_pointer = ouro_gobject_interpose_lookup ("libgobject-2.0.so.0",
                                                                 "g_object_remove_weak_pointer");
  /* libouro-gobject links libgobject: it is loaded. */
  g_assert (weak_real.weak_ref_init != NULL && weak_real.remove_weak_pointer != NULL);
}

/* pthread_once, not g_once_init_enter: TSan sees its ordering (GLib's
 * own atomics are not instrumented). */
static void
weak_resolve (void)
{
  pthread_once (&weak_resolved, weak_resolve_once);
}

/* Drops the entries whose object is no longer tracked.  Called without
 * the lock; takes it twice, and the registry lock in between. */
static void
weak_locations_prune (void)
{
  GPtrArray *pairs = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer location, object;

  weak_lock_acquire ();
  if (weak_locations != NULL)
    {
      g_hash_table_iter_init (&iter, weak_locations);
      while (g_hash_table_iter_next (&iter, &location, &object))
        {
          g_ptr_array_add (pairs, location);
          g_ptr_array_add (pairs, object);
        }
    }
  weak_lock_release ();

  /* Invariant: pairs before i whose object is untracked have their
   * object replaced by NULL. */
  for (guint i = 0; i < pairs->len; i += 2)
    if (ouro_is_tracked (pairs->pdata[i + 1]))
      pairs->pdata[i + 1] = NULL;

  weak_lock_acquire ();
  for (guint i = 0; i < pairs->len; i += 2)
    if (pairs->pdata[i + 1] != NULL
        && g_hash_table_lookup (weak_locations, pairs->pdata[i]) == pairs->pdata[i + 1])
      g_hash_table_remove (weak_locations, pairs->pdata[i]);
  weak_maybe_rebuild ();
  weak_prune_at = MAX (WEAK_LOCATIONS_PRUNE_MIN, 2 * g_hash_table_size (weak_locations));
  weak_lock_release ();
  g_ptr_array_unref (pairs);
}

/* Remembers that @location is weak and points to @object (NULL: forgets
 * it). */
static void
weak_locations_note (gpointer location,
                     gpointer object)
{
  gboolean prune = FALSE;

  weak_lock_acquire ();
  if (object == NULL)
    {
      if (weak_locations != NULL)
        g_hash_table_remove (weak_locations, location);
    }
  else
    {
      if (weak_locations == NULL)
        weak_locations = g_hash_table_new (g_direct_hash, g_direct_equal);
      g_hash_table_insert (weak_locations, location, object);
      weak_maybe_set (location);
      prune = g_hash_table_size (weak_locations) >= weak_prune_at;
      if (prune)
        weak_prune_at = G_MAXUINT;   /* one prune at a time */
    }
  weak_lock_release ();
  if (prune)
    weak_locations_prune ();
}

gboolean
ouro_gobject_weak_location_holds (gconstpointer location,
                                  gconstpointer object)
{
  gboolean weak;

  /* Set before the location went into the table: a location the map
   * does not have was not in it when this began. */
  if (!ouro_gobject_weak_location_maybe (location))
    return FALSE;
  weak_lock_acquire ();
  weak = weak_locations != NULL
         && g_hash_table_lookup (weak_locations, location) == object;
  weak_lock_release ();
  return weak;
}

/* ---- the interposers --------------------------------------------------- */

OURO_INTERPOSE void
g_weak_ref_init (GWeakRef *weak_ref,
                 gpointer  object)
{
  weak_resolve ();
  weak_real.weak_ref_init (weak_ref, object);
  weak_locations_note (weak_ref, object);
}

OURO_INTERPOSE void
g_weak_ref_set (GWeakRef *weak_ref,
                gpointer  object)
{
  weak_resolve ();
  weak_real.weak_ref_set (weak_ref, object);
  weak_locations_note (weak_ref, object);
}

OURO_INTERPOSE void
g_weak_ref_clear (GWeakRef *weak_ref)
{
  weak_resolve ();
  weak_real.weak_ref_clear (weak_ref);
  weak_locations_note (weak_ref, NULL);
}

OURO_INTERPOSE void
g_object_add_weak_pointer (GObject  *object,
                           gpointer *weak_pointer_location)
{
  weak_resolve ();
  weak_real.add_weak_pointer (object, weak_pointer_location);
  if (G_IS_OBJECT (object) && weak_pointer_location != NULL)
    weak_locations_note (weak_pointer_location, object);
}

OURO_INTERPOSE void
g_object_remove_weak_pointer (GObject  *object,
                              gpointer *weak_pointer_location)
{
  weak_resolve ();
  weak_real.remove_weak_pointer (object, weak_pointer_location);
  if (weak_pointer_location != NULL)
    weak_locations_note (weak_pointer_location, NULL);
}
