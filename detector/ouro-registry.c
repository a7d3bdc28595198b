/* ouro-registry.c — the process-wide registry of tracked objects.
 *
 * MT safe: one lock (a futex lock; see registry_lock_word) guards
 * everything here.  A scan holds it from start to
 * end (objects cannot be untracked, so cannot be freed by a well-behaved
 * class, while their traverse runs); a thread that is scanning and calls
 * back into ouro_track()/ouro_untrack() from a traverse or describe function
 * gets a critical and its request is applied when the scan ends, instead of
 * a self-deadlock.
 *
 * Layout (see ouro-registry-private.h): tracked objects sit in parallel
 * arrays in tracking order, 8 bytes of pointer and 2 bytes of class id per
 * position, and an open-addressing index of 4-byte slots (linear probing,
 * load at most 3/4) maps a pointer to its position: about 20 bytes per
 * tracked object in all, at most 23.2 when no tombstones are pending.
 * Untracking leaves a tombstone, popped at once when it is the last
 * position, left in a run at the front when it is the first (until that run
 * outgrows the live objects), otherwise removed by a compaction once such
 * tombstones outnumber half the live objects: that keeps track and untrack
 * O(1) amortised, the arrays at most 2.5 positions per live object, and the
 * tracking order intact, which the scan uses as its deterministic node
 * order.
 *
 * In the index, untracking empties the object's slot when nothing follows
 * it in its probe run, and leaves a deleted-slot marker otherwise (no walk
 * to the end of the run, whose every entry a backward-shift deletion had
 * to rehash); markers count toward the 3/4, and go at the next rebuild.  A
 * compaction of the front run leaves the index's entries as they are and
 * counts the positions it dropped in slot_offset, instead of a pass over
 * the whole index.  ouro_registry_compact_unlocked () undoes both for the
 * scan, which reads the index as position + 1 or empty.  A rebuild reuses
 * the table's memory (a fresh table costs the kernel a page fault per
 * 4 KiB).
 *
 * ouro_track () and ouro_untrack () are one inlined fast path each (the
 * common case: a free lock, a known class, room in the arrays and the
 * index), with everything rarer out of line.
 */
#include "config.h"

#include <string.h>
#ifdef __linux__
# include <linux/futex.h>
# include <sys/syscall.h>
# include <unistd.h>
#else
# include <sched.h>
#endif

#include "ouro-fork-private.h"
#include "ouro-registry-private.h"
#include "ouro-registry.h"

#define REGISTRY_MIN_SLOTS     64u
#define REGISTRY_MIN_CAPACITY  64u
#define REGISTRY_MAX_CLASSES   G_MAXUINT16
#define REGISTRY_DELETED       OURO_REGISTRY_DELETED_SLOT

typedef struct {
  gpointer         object;
  const OuroClass *klass;   /* NULL: untrack */
} RegistryDeferred;

/* The lock: 0 free, 1 held, 2 held with a thread asleep waiting for it.
 * A futex lock on the compiler's __atomic builtins (Drepper's "mutex 3",
 * what glibc's normal mutex does, inlined): one compare-and-swap to take
 * it, one exchange to release it, no calls while uncontended.  Unlike
 * glibc's it spins a little before sleeping, which keeps two threads that
 * track at once out of the futex system calls (the critical sections are
 * tens of ns), and unlike a pure spin lock it sleeps in the kernel when
 * the holder is not running or scans for long.  ThreadSanitizer
 * instruments the builtins, so it still sees every access the lock orders
 * (GLib's futex-based GMutex would be invisible to it).  Elsewhere than
 * Linux, a sleeper yields instead. */
static int           registry_lock_word;
static OuroRegistry  registry;
static GArray       *registry_deferred;   /* RegistryDeferred, under the lock */
/* The class of the last track and its id, under the lock: a program tracks
 * one class after another, so the fast path compares one pointer. */
static const OuroClass *registry_last_class;
static guint16          registry_last_class_id;
/* initial-exec: the default model costs a __tls_get_addr call per read in
 * a shared library.  Read only when the lock is found held: a thread that
 * scans holds it. */
static _Thread_local gboolean registry_scanning_here __attribute__ ((tls_model ("initial-exec")));

/* ---- the lock ---------------------------------------------------------- */

static G_GNUC_NO_INLINE void
registry_lock_wait (void)
{
  /* Invariant: the lock was seen held at the last attempt. */
  for (guint n_spins = 0; n_spins < 100; n_spins++)
    {
      int expected = 0;

#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause ();
#endif
      if (__atomic_load_n (&registry_lock_word, __ATOMIC_RELAXED) == 0
          && __atomic_compare_exchange_n (&registry_lock_word, &expected, 1, FALSE,
                                          __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    }

  /* Marked 2 whenever a thread may sleep on it, so the release wakes one;
   * a thread that takes it this way keeps the 2 (a spurious wake at most). */
  while (__atomic_exchange_n (&registry_lock_word, 2, __ATOMIC_ACQUIRE) != 0)
    {
#ifdef __linux__
      syscall (SYS_futex, &registry_lock_word, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
#else
      sched_yield ();
#endif
    }
}

/* Returns whether this thread took the lock; never waits. */
static inline gboolean
registry_lock_try (void)
{
  int expected = 0;

  return __atomic_compare_exchange_n (&registry_lock_word, &expected, 1, FALSE,
                                      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* After it: this thread holds the lock. */
static inline void
registry_lock_acquire (void)
{
  if (G_UNLIKELY (!registry_lock_try ()))
    registry_lock_wait ();
}

static inline void
registry_lock_release (void)
{
  if (G_UNLIKELY (__atomic_exchange_n (&registry_lock_word, 0, __ATOMIC_RELEASE) == 2))
    {
#ifdef __linux__
      syscall (SYS_futex, &registry_lock_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
#endif
    }
}

/* Takes the lock for ouro_track () and ouro_untrack ().  Returns FALSE
 * without it when this thread holds it already for a scan: the caller
 * defers its request.  (The thread-local flag is read only when the lock
 * is found held, since a scanning thread holds it.) */
static inline gboolean
registry_lock_for_change (void)
{
  if (G_LIKELY (registry_lock_try ()))
    return TRUE;
  if (registry_scanning_here)
    return FALSE;
  registry_lock_wait ();
  return TRUE;
}

/* ---- the index -------------------------------------------------------- */

/* Whether a slot's value is an entry (position + 1): neither empty nor a
 * deleted-slot marker. */
static inline gboolean
registry_is_entry (guint32 value)
{
  return value - 1 < REGISTRY_DELETED - 1;
}

/* The position an entry names. */
static inline guint32
registry_entry_position (guint32 value)
{
  return value - 1 - registry.slot_offset;
}

/* After it: the index holds every live position and nothing else (no
 * markers), in the smallest power of two of slots that holds @n_live at
 * load at most 3/4 (so a rebuild for growth doubles the table: load 3/8
 * after it). */
static void
registry_rebuild_index (guint32 n_live)
{
  guint32 n_slots = REGISTRY_MIN_SLOTS;
  guint log2 = 6;
  guint32 n_entries = 0;

  while ((guint64) n_live * 4 > (guint64) n_slots * 3)
    {
      n_slots *= 2;
      log2++;
    }

  /* The old table's memory, not a fresh one: the entries come from the
   * positions, not from it, and its pages are already mapped.  A fresh
   * table costs the kernel a page fault per 4 KiB (~2 us each here): a
   * million tracks in a row faulted 16 MiB of tables, now 8 (the last). */
  registry.slots = g_renew (guint32, registry.slots, n_slots);
  memset (registry.slots, 0, (gsize) n_slots * sizeof (guint32));
  registry.n_slots = n_slots;
  registry.slot_shift = 64 - log2;
  registry.n_deleted_slots = 0;
  registry.slot_offset = 0;

  for (guint32 position = registry.n_front_dead; position < registry.n_positions; position++)
    {
      gpointer object = registry.objects[position];
      guint32 slot;

      if (object == NULL)
        continue;
      slot = ouro_pointer_hash (object, registry.slot_shift);
      /* Invariant: slots before `slot` in the probe run are full. */
      while (registry.slots[slot] != 0)
        slot = (slot + 1) & (n_slots - 1);
      registry.slots[slot] = position + 1;
      n_entries++;
    }
  registry.slot_room = (guint32) ((guint64) n_slots * 3 / 4) - n_entries;
}

/* Returns the slot holding @object (*@free_slot then the same), or
 * G_MAXUINT32 when it is not in the index; then *@free_slot is where a
 * track puts it: the first marker on its probe run, or else the empty slot
 * that ends the run.  Requires n_slots > 0. */
static inline guint32
registry_find_slot (gpointer  object,
                    guint32  *free_slot)
{
  guint32 mask = registry.n_slots - 1;
  guint32 slot = ouro_pointer_hash_masked (object, registry.slot_shift, mask);
  guint32 first_marker = G_MAXUINT32;

  /* Invariant: no slot probed so far holds @object; first_marker is the
   * first of them that is a marker, if any. */
  for (;;)
    {
      guint32 value = registry.slots[slot];

      if (value == 0)
        {
          *free_slot = first_marker != G_MAXUINT32 ? first_marker : slot;
          return G_MAXUINT32;
        }
      if (value == REGISTRY_DELETED)
        {
          if (first_marker == G_MAXUINT32)
            first_marker = slot;
        }
      else if (registry.objects[registry_entry_position (value)] == object)
        {
          *free_slot = slot;
          return slot;
        }
      slot = (slot + 1) & mask;
    }
}

guint32
ouro_registry_lookup_unlocked (gpointer object)
{
  guint32 slot, free_slot;

  if (registry.n_slots == 0 || object == NULL)
    return OURO_REGISTRY_NO_POSITION;
  slot = registry_find_slot (object, &free_slot);
  return slot == G_MAXUINT32 ? OURO_REGISTRY_NO_POSITION : registry_entry_position (registry.slots[slot]);
}

/* Puts the entry of @position into @slot, which registry_find_slot ()
 * returned as free.  Requires slot_room > 0 when @slot is empty. */
static inline void
registry_index_put (guint32 slot,
                    guint32 position)
{
  if (registry.slots[slot] == REGISTRY_DELETED)
    registry.n_deleted_slots--;
  else
    registry.slot_room--;
  registry.slots[slot] = position + 1 + registry.slot_offset;
}

/* After it: entries are position + 1 again (slot_offset 0), as the scan
 * reads them. */
static void
registry_renumber_index (void)
{
  guint32 offset = registry.slot_offset;

  if (offset == 0)
    return;
  for (guint32 slot = 0; slot < registry.n_slots; slot++)
    if (registry_is_entry (registry.slots[slot]))
      registry.slots[slot] -= offset;
  registry.slot_offset = 0;
}

/* Removes the entry in @slot.  After it: every other entry is still
 * reachable from its home slot through full slots or markers; @slot is a
 * marker when an entry or marker follows it, otherwise empty, as are the
 * markers just before it, which nothing needs any more: a probe that
 * reached them stops at @slot now. */
static inline void
registry_index_remove (guint32 slot)
{
  guint32 mask = registry.n_slots - 1;

  if (registry.slots[(slot + 1) & mask] != 0)
    {
      registry.slots[slot] = REGISTRY_DELETED;
      registry.n_deleted_slots++;
      return;
    }

  registry.slots[slot] = 0;
  registry.slot_room++;
  /* Invariant: the slots from @slot to the one emptied above are empty,
   * and so is the one after them: no probe run goes on through them.
   * Stops at the latest when it comes round to the slot emptied above. */
  while (G_UNLIKELY (registry.slots[(slot - 1) & mask] == REGISTRY_DELETED))
    {
      slot = (slot - 1) & mask;
      registry.slots[slot] = 0;
      registry.n_deleted_slots--;
      registry.slot_room++;
    }
}

/* ---- classes ---------------------------------------------------------- */

/* Returns the id of @klass, registering it on first use; G_MAXUINT when the
 * class table is full.  After it (unless full): @klass is the last class. */
static guint
registry_class_id (const OuroClass *klass)
{
  guint id;

  if (klass == registry_last_class)
    return registry_last_class_id;

  for (id = 0; id < registry.n_classes; id++)
    if (registry.classes[id] == klass)
      break;

  if (id == registry.n_classes)
    {
      if (registry.n_classes >= REGISTRY_MAX_CLASSES)
        return G_MAXUINT;

      /* The first object of a class: from here on a fork () must leave the
       * child's registry usable (ouro-fork.c).  Once per class, not per
       * track. */
      ouro_fork_ensure_handlers ();
      registry.classes = g_renew (const OuroClass *, registry.classes, registry.n_classes + 1);
      registry.classes[registry.n_classes++] = klass;
    }

  registry_last_class = klass;
  registry_last_class_id = (guint16) id;
  return id;
}

/* ---- positions -------------------------------------------------------- */

/* Ends a compaction that moved the @n_live live objects to positions
 * [0, n_live).  After it: the counts say so, the arrays have at most a
 * quarter of slack (or the minimum), and the index is small enough for
 * @n_live: rebuilt when it was more than four times too big (returns
 * TRUE), otherwise left as it was, its entries still to renumber (FALSE). */
static gboolean
registry_compact_finish (guint32 n_live)
{
  guint32 n_slots_needed = REGISTRY_MIN_SLOTS;

  registry.n_positions = n_live;
  registry.n_dead = 0;
  registry.n_front_dead = 0;

  if (registry.capacity > REGISTRY_MIN_CAPACITY && registry.capacity / 4 > n_live)
    {
      registry.capacity = MAX (REGISTRY_MIN_CAPACITY, n_live + n_live / 4);
      registry.objects = g_renew (gpointer, registry.objects, registry.capacity);
      registry.class_ids = g_renew (guint16, registry.class_ids, registry.capacity);
    }

  while ((guint64) n_live * 4 > (guint64) n_slots_needed * 3)
    n_slots_needed *= 2;
  if (registry.n_slots > 4 * n_slots_needed)
    {
      registry_rebuild_index (n_live);
      return TRUE;
    }
  return FALSE;
}

/* Removes the tombstones.  After it: positions 0..n_positions-1 are
 * exactly the tracked objects, in tracking order, and the index maps each
 * to its new position; markers stay where they were (the index's shape is
 * unchanged unless it was rebuilt smaller). */
static G_GNUC_NO_INLINE void
registry_compact_positions (void)
{
  guint32 n_old = registry.n_positions;
  guint32 *new_position;
  guint32 n_live = 0;

  if (registry.n_dead == 0)
    return;

  if (registry.n_dead == registry.n_front_dead)
    {
      /* Tombstones only at the front (objects untracked in the order they
       * were tracked): slide the live ones down and renumber the index in
       * one sequential pass, with no position map to look up. */
      guint32 shift = registry.n_front_dead;

      n_live = n_old - shift;
      memmove (registry.objects, registry.objects + shift, n_live * sizeof (gpointer));
      memmove (registry.class_ids, registry.class_ids + shift, n_live * sizeof (guint16));
      if (!registry_compact_finish (n_live))
        {
          /* The entries stay as they are and name positions @shift lower
           * from now on: no pass over the index (two passes over 8 MiB
           * when a million objects are untracked in tracking order),
           * until a scan needs position + 1 again.  Entries must stay
           * below the marker: renumbered when the offset would get near. */
          if ((guint64) registry.slot_offset + shift + registry.capacity < REGISTRY_DELETED - 1)
            registry.slot_offset += shift;
          else
            {
              registry.slot_offset += shift;   /* what the entries hold now */
              registry_renumber_index ();
            }
        }
      return;
    }

  /* Invariant: positions [0, n_live) hold the live objects met so far, in
   * their original order, and new_position maps each one's old position. */
  new_position = g_new (guint32, n_old);
  for (guint32 position = registry.n_front_dead; position < n_old; position++)
    {
      if (registry.objects[position] == NULL)
        continue;
      new_position[position] = n_live;
      registry.objects[n_live] = registry.objects[position];
      registry.class_ids[n_live] = registry.class_ids[position];
      n_live++;
    }

  if (!registry_compact_finish (n_live))
    {
      /* Same table, same slots: only the positions they hold change.  One
       * pass over the slots, no rehashing (every entry is a live object's
       * old position). */
      for (guint32 slot = 0; slot < registry.n_slots; slot++)
        if (registry_is_entry (registry.slots[slot]))
          registry.slots[slot] = new_position[registry_entry_position (registry.slots[slot])] + 1;
      registry.slot_offset = 0;
    }
  g_free (new_position);
}

void
ouro_registry_compact_unlocked (void)
{
  registry_compact_positions ();
  /* The scan reads the index without knowing markers or the offset: a
   * rebuild drops markers (~5 ns per live object, and only after untracks
   * that left some), a pass renumbers. */
  if (registry.n_deleted_slots > 0)
    registry_rebuild_index (registry.n_positions);
  else
    registry_renumber_index ();
}

/* Everything ouro_track () does not do inline: the first track, a new
 * class, a full index or full arrays, a tracked object's new class. */
static G_GNUC_NO_INLINE void
registry_track_unlocked (gpointer         object,
                         const OuroClass *klass)
{
  guint class_id = registry_class_id (klass);
  guint32 slot, free_slot;

  if (class_id == G_MAXUINT)
    {
      g_critical ("ouro_track: more than %u distinct OuroClass structures; "
                  "%s object %p is not tracked",
                  REGISTRY_MAX_CLASSES, klass->name ? klass->name : "(unnamed)", object);
      return;
    }

  if (registry.n_slots > 0)
    {
      slot = registry_find_slot (object, &free_slot);
      if (slot != G_MAXUINT32)
        {
          /* Already tracked: tracking again only changes its class. */
          registry.class_ids[registry_entry_position (registry.slots[slot])] = class_id;
          return;
        }
    }

  if (registry.n_positions == G_MAXUINT32 - 1)
    {
      registry_compact_positions ();
      if (registry.n_positions == G_MAXUINT32 - 1)
        {
          g_critical ("ouro_track: registry full; object %p is not tracked", object);
          return;
        }
    }

  if (registry.slot_room == 0)
    {
      /* Full of entries and markers.  A compaction that shrinks the index
       * rebuilds it; otherwise the rebuild drops the markers, sized for a
       * quarter more live objects than there will be: with markers, room
       * for one more only would rebuild again at the next track that
       * takes an empty slot.  (Without markers the index is 3/4 full of
       * live objects, and doubles, as it would for one more.) */
      registry_compact_positions ();
      if (registry.slot_room == 0)
        {
          guint32 n_live = registry.n_positions - registry.n_dead + 1;

          registry_rebuild_index ((guint32) MIN ((guint64) n_live + n_live / 4, G_MAXUINT32 - 1));
        }
    }

  if (registry.n_positions == registry.capacity)
    {
      /* Growing by a quarter keeps the slack, and so the bytes per object
       * (10 here, 4 per index slot), low: at most 12.5 + 10.7. */
      guint64 capacity = MAX (REGISTRY_MIN_CAPACITY,
                              (guint64) registry.capacity + registry.capacity / 4);

      registry.capacity = (guint32) MIN (capacity, (guint64) G_MAXUINT32 - 1);
      if ((guint64) registry.slot_offset + registry.capacity >= REGISTRY_DELETED - 1)
        registry_renumber_index ();
      registry.objects = g_renew (gpointer, registry.objects, registry.capacity);
      registry.class_ids = g_renew (guint16, registry.class_ids, registry.capacity);
    }

  /* The index may have been rebuilt or compacted: look again. */
  registry_find_slot (object, &free_slot);
  registry.objects[registry.n_positions] = object;
  registry.class_ids[registry.n_positions] = (guint16) class_id;
  registry_index_put (free_slot, registry.n_positions++);
}

/* The common track, inline: @klass the class of the last track, room in
 * the arrays and the index, @object not tracked.  Returns FALSE, having
 * changed nothing, when any of that does not hold. */
static inline gboolean
registry_track_fast (gpointer         object,
                     const OuroClass *klass)
{
  guint32 position = registry.n_positions;
  guint32 slot, free_slot;

  if (G_UNLIKELY (klass != registry_last_class
                  || registry.slot_room == 0
                  || position == registry.capacity))
    return FALSE;

  slot = registry_find_slot (object, &free_slot);
  if (G_UNLIKELY (slot != G_MAXUINT32))
    return FALSE;

  /* capacity < G_MAXUINT32 - 1: the position is valid.  (The fields are
   * written last: a store through one of the arrays might alias them, as
   * far as the compiler knows, and would make it load them again.) */
  registry_index_put (free_slot, position);
  registry.objects[position] = object;
  registry.class_ids[position] = registry_last_class_id;
  registry.n_positions = position + 1;
  return TRUE;
}

/* After it: compacted if the tombstones inside the positions outnumber
 * half the live objects, or the front run outgrows them. */
static inline void
registry_maybe_compact (void)
{
  guint32 n_live = registry.n_positions - registry.n_dead;
  guint32 n_inside = registry.n_dead - registry.n_front_dead;

  if (G_UNLIKELY ((n_inside >= 32 && n_inside > n_live / 2)
                  || (registry.n_front_dead >= 64 && registry.n_front_dead > n_live)))
    registry_compact_positions ();
}

static inline void
registry_untrack_unlocked (gpointer object)
{
  guint32 slot, free_slot, position;

  if (G_UNLIKELY (registry.n_slots == 0))
    return;
  slot = registry_find_slot (object, &free_slot);
  if (G_UNLIKELY (slot == G_MAXUINT32))
    return;

  position = registry_entry_position (registry.slots[slot]);
  registry_index_remove (slot);
  registry.objects[position] = NULL;

  if (position + 1 == registry.n_positions)
    {
      /* The last position is popped at once, and the tombstones before it
       * (LIFO churn leaves none): the last position is always live.  Down
       * to the front run, everything is dead. */
      registry.n_positions = position;
      while (G_UNLIKELY (registry.n_positions > registry.n_front_dead
                         && registry.objects[registry.n_positions - 1] == NULL))
        {
          registry.n_positions--;
          registry.n_dead--;
        }
      if (G_UNLIKELY (registry.n_positions == registry.n_front_dead))
        {
          registry.n_positions = 0;
          registry.n_dead = 0;
          registry.n_front_dead = 0;
        }
      return;
    }

  /* Tombstones at the front join the front run, which costs no
   * compaction until it outgrows the live objects: untracking in
   * tracking order (FIFO churn, a list freed from its head) compacts a
   * quarter as often, each time with one sequential pass.  Invariant
   * of the run: position n_front_dead, if any, is live; the loop stops
   * at the last position at the latest. */
  registry.n_dead++;
  if (position == registry.n_front_dead)
    while (registry.objects[registry.n_front_dead] == NULL)
      registry.n_front_dead++;
  registry_maybe_compact ();
}

/* ---- locking ---------------------------------------------------------- */

void
ouro_registry_lock (void)
{
  registry_lock_acquire ();
}

void
ouro_registry_unlock (void)
{
  registry_lock_release ();
}

void
ouro_registry_lock_for_scan (void)
{
  registry_lock_acquire ();
  registry_scanning_here = TRUE;
}

void
ouro_registry_unlock_after_scan (void)
{
  registry_scanning_here = FALSE;

  if (registry_deferred != NULL)
    {
      /* Invariant: requests [0, i) are applied, in the order made. */
      for (guint i = 0; i < registry_deferred->len; i++)
        {
          RegistryDeferred *request = &g_array_index (registry_deferred, RegistryDeferred, i);

          if (request->klass != NULL)
            registry_track_unlocked (request->object, request->klass);
          else
            registry_untrack_unlocked (request->object);
        }
      g_clear_pointer (&registry_deferred, g_array_unref);
    }

  registry_lock_release ();
}

gboolean
ouro_registry_scanning_here (void)
{
  return registry_scanning_here;
}

gboolean
ouro_registry_refuse_reentry (const char *function)
{
  if (G_LIKELY (!registry_scanning_here))
    return FALSE;
  g_critical ("%s () called from inside a scan (from a traverse, get_refcount, "
              "get_type_name or describe function); refused: it would wait for "
              "the scan that called it", function);
  return TRUE;
}

/* Called with the lock held by this very thread, from inside a scan. */
static G_GNUC_NO_INLINE void
registry_defer (gpointer         object,
                const OuroClass *klass,
                const char      *function)
{
  RegistryDeferred request = { object, klass };

  g_critical ("%s (%p) called from inside a scan (a traverse, get_type_name or "
              "describe function must have no side effects); applied when the scan ends",
              function, object);
  if (registry_deferred == NULL)
    registry_deferred = g_array_new (FALSE, FALSE, sizeof (RegistryDeferred));
  g_array_append_val (registry_deferred, request);
}

OuroRegistry *
ouro_registry_get_unlocked (void)
{
  return &registry;
}

gsize
ouro_registry_get_memory_size_unlocked (void)
{
  return (gsize) registry.capacity * (sizeof (gpointer) + sizeof (guint16))
       + (gsize) registry.n_slots * sizeof (guint32)
       + (gsize) registry.n_classes * sizeof (const OuroClass *);
}

/* ---- public entry points ---------------------------------------------- */

/**
 * ouro_track:
 * @object: the object to track
 * @klass: how to read its refcount and visit its references; must outlive
 *   the object's tracking
 *
 * Adds @object to the registry, or changes its class when already tracked.
 * NULL, a NULL class or a class without get_refcount/traverse is refused
 * with a critical and changes nothing.
 */
void
ouro_track (gpointer         object,
            const OuroClass *klass)
{
  g_return_if_fail (object != NULL);
  g_return_if_fail (klass != NULL);
  g_return_if_fail (klass->get_refcount != NULL);
  g_return_if_fail (klass->traverse != NULL);

  if (G_UNLIKELY (!registry_lock_for_change ()))
    {
      registry_defer (object, klass, "ouro_track");
      return;
    }
  if (G_UNLIKELY (!registry_track_fast (object, klass)))
    registry_track_unlocked (object, klass);
  registry_lock_release ();
}

/**
 * ouro_untrack:
 * @object: a tracked object
 *
 * Removes @object from the registry.  Untracking a pointer that is not
 * tracked does nothing: a finalize hook may untrack every object it sees.
 */
void
ouro_untrack (gpointer object)
{
  g_return_if_fail (object != NULL);

  if (G_UNLIKELY (!registry_lock_for_change ()))
    {
      registry_defer (object, NULL, "ouro_untrack");
      return;
    }
  registry_untrack_unlocked (object);
  registry_lock_release ();
}

/**
 * ouro_is_tracked:
 * @object: a pointer
 *
 * Returns: whether @object is tracked now.  Callable from inside a scan.
 */
gboolean
ouro_is_tracked (gpointer object)
{
  gboolean tracked;

  if (object == NULL)
    return FALSE;
  if (registry_scanning_here)
    return ouro_registry_lookup_unlocked (object) != OURO_REGISTRY_NO_POSITION;

  registry_lock_acquire ();
  tracked = ouro_registry_lookup_unlocked (object) != OURO_REGISTRY_NO_POSITION;
  registry_lock_release ();
  return tracked;
}

/**
 * ouro_get_class:
 * @object: a pointer
 *
 * Returns: (nullable): the class @object is tracked with now, or %NULL
 * when it is not tracked.  Callable from inside a scan, where a traverse
 * function that finds a pointer may ask what it points at before reading
 * it.
 */
const OuroClass *
ouro_get_class (gpointer object)
{
  const OuroClass *klass = NULL;
  gboolean scanning = registry_scanning_here;
  guint32 position;

  if (object == NULL)
    return NULL;
  if (!scanning)
    registry_lock_acquire ();
  position = ouro_registry_lookup_unlocked (object);
  if (position != OURO_REGISTRY_NO_POSITION)
    klass = ouro_registry_class_at_unlocked (ouro_registry_get_unlocked (), position);
  if (!scanning)
    registry_lock_release ();
  return klass;
}

/**
 * ouro_get_n_tracked:
 *
 * Returns: how many objects are tracked now.  Callable from inside a scan.
 */
guint
ouro_get_n_tracked (void)
{
  guint n;

  if (registry_scanning_here)
    return registry.n_positions - registry.n_dead;

  registry_lock_acquire ();
  n = registry.n_positions - registry.n_dead;
  registry_lock_release ();
  return n;
}
