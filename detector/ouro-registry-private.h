/* ouro-registry-private.h — the registry's layout, for the scan and snapshot.
 *
 * MT safe only under the registry lock: every *_unlocked function requires
 * the caller to hold it (ouro_registry_lock_for_scan() or ouro_registry_lock()).
 */
#pragma once

#include "ouro-types.h"

G_BEGIN_DECLS

#define OURO_REGISTRY_NO_POSITION G_MAXUINT32

/* A slot of the index that held an entry ouro_untrack() removed while
 * other entries followed it in its probe run: lookups step over it, a track
 * may reuse it.  Never a valid entry (positions stay below
 * G_MAXUINT32 - 1).  ouro_registry_compact_unlocked() leaves none. */
#define OURO_REGISTRY_DELETED_SLOT G_MAXUINT32

/* The registry keeps objects in tracking order in parallel arrays indexed
 * by position; a position whose object is NULL is a tombstone left by
 * ouro_untrack() until the next compaction.  An open-addressing index maps
 * an object pointer to its position.
 *
 * The index, as the scan reads it after ouro_registry_compact_unlocked():
 * slots[] of position + 1, 0 for an empty slot, nothing else; an object's
 * probe run starts at ouro_pointer_hash (object, slot_shift) and goes on
 * by linear probing (mask n_slots - 1) up to its entry, every slot before
 * it full.  Between compactions the index may also hold
 * OURO_REGISTRY_DELETED_SLOT markers, and its entries be position + 1 +
 * slot_offset. */
typedef struct {
  gpointer         *objects;     /* [capacity]; NULL = tombstone */
  guint16          *class_ids;   /* [capacity]; index into classes */
  guint32           n_positions; /* positions in use, tombstones included */
  guint32           capacity;
  guint32           n_dead;      /* tombstones among the positions */
  guint32           n_front_dead; /* positions [0, n_front_dead) are all
                                   * tombstones (counted in n_dead too) */

  guint32          *slots;       /* [n_slots]; position + 1 + slot_offset,
                                  * 0 = empty, or OURO_REGISTRY_DELETED_SLOT */
  guint32           n_slots;     /* a power of two, or 0 */
  guint             slot_shift;  /* 64 - log2 (n_slots) */
  guint32           slot_offset; /* positions dropped from the front since
                                  * the entries were last renumbered;
                                  * slot_offset + capacity < G_MAXUINT32 - 1 */
  guint32           n_deleted_slots; /* markers in slots[] */
  guint32           slot_room;   /* empty slots a track may still fill before
                                  * the index is over 3/4 full (entries and
                                  * markers) and must be rebuilt */

  const OuroClass **classes;     /* [n_classes] */
  guint             n_classes;
} OuroRegistry;

void           ouro_registry_lock   (void);
void           ouro_registry_unlock (void);

/* Locks the registry for a scan on this thread.  Until the matching
 * ouro_registry_unlock_after_scan(), ouro_track()/ouro_untrack() called
 * from this thread (from inside a traverse or describe function) are
 * refused with a critical and deferred, instead of deadlocking. */
void           ouro_registry_lock_for_scan     (void);
void           ouro_registry_unlock_after_scan (void);

/* Whether this thread is inside a scan: between ouro_registry_lock_for_scan()
 * and ouro_registry_unlock_after_scan(), so in a class function it calls. */
gboolean       ouro_registry_scanning_here     (void);

/* For the public entry points that take the registry lock themselves
 * (ouro_scan, ouro_collect, snapshots, leak checks): returns TRUE when this
 * thread is inside a scan, after a critical naming @function.  The lock is
 * not recursive, so such a call would wait for itself for ever; it must
 * return an empty result instead. */
gboolean       ouro_registry_refuse_reentry    (const char *function);

/* After it: the registry has no tombstones, so positions 0..n_positions-1
 * are exactly the tracked objects, in the order they were first tracked,
 * and the index no deleted-slot markers, its entries position + 1
 * (slot_offset 0). */
void           ouro_registry_compact_unlocked (void);

OuroRegistry  *ouro_registry_get_unlocked (void);
guint32        ouro_registry_lookup_unlocked (gpointer object);
gsize          ouro_registry_get_memory_size_unlocked (void);

static inline const OuroClass *
ouro_registry_class_at_unlocked (const OuroRegistry *registry,
                                 guint32             position)
{
  return registry->classes[registry->class_ids[position]];
}

/* The type name of a tracked object: the class's get_type_name, or its
 * name when it has none or returns NULL. */
static inline const char *
ouro_class_get_type_name (const OuroClass *klass,
                          gpointer         object)
{
  const char *type_name = NULL;

  if (klass->get_type_name != NULL)
    type_name = klass->get_type_name (object);
  if (type_name == NULL)
    type_name = klass->name != NULL ? klass->name : "(unnamed class)";
  return type_name;
}

/* Pointer hashing shared by the registry index and the scan.
 *
 * A pointer aligned to 16 bytes, as every malloc'ed object is, goes to a
 * block of the table chosen by Fibonacci hashing of its 4 KiB page, at its
 * 16-byte offset within the page: objects allocated one after another then
 * share cache lines of the index (tracking a million GObjects in
 * allocation order costs about half as much), and fixed-stride runs do not
 * cluster.  Any other pointer is Fibonacci-hashed whole, which spreads
 * every arithmetic progression; with page blocks alone, pointers closer
 * than 16 bytes would share home slots (a byte-dense array of 100k
 * pointers took 60x longer to track).
 *
 * Measured extra probes per lookup at load 0.4-0.5 (100k-4M pointers):
 * malloc'ed 24-40 byte objects 0.04-0.12 (one multiply alone: up to 4.3),
 * arrays of stride 12-64 bytes 0.00-0.86, byte-dense arrays 4-6 (against
 * 0.00).  fmix64 was tried too: no clustering, but tracking in allocation
 * order cost twice as much, all locality lost.
 *
 * ouro_pointer_hash_masked () is the same with @mask, 2^(64 - @shift) - 1,
 * given by a caller that has it at hand. */
static inline guint32
ouro_pointer_hash_masked (gconstpointer pointer,
                          guint         shift,
                          guint32       mask)
{
  guint64 key = (guint64) (guintptr) pointer;
  guint32 block;

  if ((key & 0xf) != 0)
    return (guint32) ((key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> shift);

  block = (guint32) (((key >> 12) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> shift);
  return (block + (guint32) ((key >> 4) & 0xff)) & mask;
}

/* The home slot of @pointer in a table of 2^(64 - @shift) slots. */
static inline guint32
ouro_pointer_hash (gconstpointer pointer,
                   guint         shift)
{
  return ouro_pointer_hash_masked (pointer, shift,
                                   (guint32) ((G_GUINT64_CONSTANT (1) << (64 - shift)) - 1));
}

G_END_DECLS
