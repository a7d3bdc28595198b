/* ouro-gobject-ledger.c — the reference ledger: for each GObject, the call
 * sites of the references taken on it and not yet released, so that a
 * report can say who holds a reference that no known edge explains.
 *
 * ---- Overview ----------------------------------------------------------
 *
 * The interposers (ouro-gobject-ledger-interpose.c) turn every
 * g_object_new, g_object_ref, g_object_ref_sink and g_object_unref that
 * reaches them into an event: object, call site (the caller's return
 * address; when the caller is a library, the stack out to the innermost
 * frame in the program's code; with backtrace=N a stack of N frames), the
 * caller's stack frame (its CFA), and a stamp (the ledger clock, kind,
 * flags).  A site's innermost frame stays the library's, which the
 * pairing policy (R3, R4) goes by; reports name the program's frame
 * (ouro_ledger_dup_sites ()).  Events go to a buffer per
 * thread; a ref followed at once by an unref of the same object from the
 * same frame cancels there (R0 below), so temporary references never leave
 * the thread.  Buffers are applied, under the ledger lock, to a table of
 * per-object entries: each entry keeps its outstanding records in the
 * order they were taken (the creation first), and an applied unref removes
 * the one record the pairing policy picks.  A buffer is applied when it is
 * full, when its thread exits, when its thread finalizes an object, and
 * before any query (explain, dup_sites, sync).
 *
 * Applying another live thread's buffer: the applier holds the ledger
 * lock, sets the buffer's `frozen`, issues membarrier
 * (MEMBARRIER_CMD_PRIVATE_EXPEDITED, registered at enable: a full fence on
 * every thread of the process), waits until the owner's `busy` is clear,
 * applies, and clears `frozen`.  The owner sets `busy`, then reads `frozen`
 * (a compiler barrier between them: membarrier supplies the CPU fence), and
 * writes only if it was clear: Dekker's protocol with an asymmetric fence,
 * so either the applier sees busy and waits, or the owner sees frozen and
 * takes the slow path (the ledger lock, which the applier holds until it
 * is done).  The owner never blocks, allocates or calls out while busy, so
 * the wait is short; without membarrier (old kernels, valgrind) and under
 * ThreadSanitizer the owner's store is a full fence instead
 * (OURO_LEDGER_ACTIVE_STRONG).
 *
 * Address reuse: a GObject finalized and a new one allocated at the same
 * address must not share records.  The finalize hook (installed in
 * ouro-gobject-tracking.c) bumps the ledger clock to D and marks the
 * address's entry dead with birth D, dropping its records.  Every event
 * of the old object was stamped before D (it was recorded while its
 * caller held a reference, which happens before the finalization), and
 * every event of the new one at or after D (its allocation happens after
 * the free), so an event stamped before its entry's birth is a stale one
 * of the previous occupant, still in some thread's buffer, and is
 * dropped.  The hook applies its own thread's buffer first, so only other
 * threads' events can be stale; when none has pending events and the
 * object has no entry, no dead entry is needed.  Dead entries are swept
 * (after applying every buffer) once they outnumber the live ones.
 *
 * Refs taken in an object's instance_init or constructed, before
 * g_object_new returns (the classic: connecting to a child's signal with
 * g_object_ref (self) as data), are events like any other: the entry is
 * created at the first event on the address, whatever it is, and the
 * creation's record, applied after them, goes to the front: it is the
 * object's first reference.
 *
 * ---- The pairing policy ------------------------------------------------
 *
 * An unref releases one reference; which record it removes decides which
 * sites a report shows (never how many).  In this order:
 *
 *  R0 An unref that comes right after, in its thread's events not yet
 *     applied, a ref, ref_sink or creation of the same object from the
 *     same stack frame cancels it: a temporary reference.  Except a ref
 *     right after the same frame created the object: `obj = g_object_new
 *     (…); connect (child, …, g_object_ref (obj), …); g_object_unref
 *     (obj);` releases the creation, and the connect's ref stays (R1).
 *  R1 Else the creation record of the object by the same thread from the
 *     same frame: the function that created an object and drops it
 *     releases the reference it owned.
 *  R2 Else the oldest record taken by the same thread from the same frame.
 *  R3 Else, when the unref is called from libglib or libgobject
 *     themselves, the oldest record that is not a creation.  Those two
 *     never call g_object_unref directly (libglib cannot, libgobject's
 *     direct calls are invisible): a visible unref from them is a
 *     GDestroyNotify or GClosureNotify releasing a reference that was
 *     handed to a container (GSequence, GHashTable), a closure (the
 *     handler data of g_signal_connect_data) or object data, and such a
 *     reference was a g_object_ref, rarely the creation.
 *  R4 Else the oldest record taken in the same module (executable or
 *     shared library) as the unref: GTK's and GIO's internal ref/unref
 *     pairs across functions stay inside the library.
 *  R5 Else the oldest record (first in, first out): the creation first, so
 *     the references that outlive their owner's release are the later
 *     ones (in the classic above, the g_object_ref in init, not the
 *     g_object_new in main).
 *  R6 Else (no record: the reference was taken where the ledger cannot see,
 *     inside libgobject, or on another thread whose events are not applied
 *     yet) a debt: the next record applied whose stamp is not later than
 *     the unref pays it instead of being added.
 *  R1 to R5 only consider records stamped no later than the unref.  A
 *  g_object_ref_sink on a floating object adds no reference: it moves the
 *  floating creation record to the sinker (kind "ref_sink").
 *
 * How it plays out: bound callback in init, window dropped by main → the
 * init's ref stays; dropped by GTK (gtk_window_destroy) → R5, the same;
 * the handler disconnected → R3 releases the init's ref (libgobject calls
 * the GClosureNotify); g_clear_object in a parent's dispose → R5 releases
 * the child's creation in the parent's init; a GTK container (ref_sink in
 * gtk_widget_set_parent, unref in gtk_widget_unparent) → R4 pairs them
 * inside libgtk; a GListStore's item (ref in g_list_store_append, unref by
 * the GSequence's destroy notify in libglib) → R3.
 *
 * Known limits.  A frame is the caller's stack pointer: two activations
 * at the same depth, one after the other, look like one (R1/R2 then pick
 * a record of the earlier one); calls that pass arguments on the stack or
 * after alloca can differ in it within one activation.  R0 only sees the
 * thread's unapplied events: across a buffer boundary the pair falls to
 * R1/R2, which may keep another line of the same activation.  Refs and
 * unrefs libgobject makes itself are invisible: an invisible ref released
 * by a visible unref removes some visible record (the report then shows
 * one site too few, never an invented one); a visible ref released by an
 * invisible unref (a GValue holding it, unset inside libgobject) leaves a
 * record that outlives the reference until the object dies.  R3 guesses
 * wrong for a creation handed over whole (`g_hash_table_insert (table,
 * key, g_object_new (…))` with g_object_unref as destroy notify) while
 * another reference is on record.  Events of different threads are
 * applied in buffer order, not in time order, which R6 and the stamps
 * make up for in counts, not always in sites.  Objects
 * are freed only through g_object_unref, whose finalization the hook sees
 * (including objects created before the ledger was enabled).
 *
 * ---- Thread-safety -----------------------------------------------------
 *
 * MT safe.  One mutex, the ledger lock, guards the table, the records, the
 * stacks, the list of buffers and the counters; buffers follow the
 * protocol above.  Lock order: the registry lock, then the ledger lock,
 * then the module map's lock (ouro-gobject-ledger-symbols.c; the
 * interposers also take it alone, to tell whether a caller is the
 * program's code); the symbol lock is never nested (symbolising happens
 * after the ledger lock is released).  Nothing here calls GLib's object functions
 * with the ledger lock held, so it never re-enters itself.  A signal
 * handler must not call g_object_ref (it is not async-signal-safe anyway).
 * fork (): the child keeps only the forking thread's buffer.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ouro-gobject-ledger-private.h"

/* Dead entries are swept when there are more of them than this and than
 * live entries. */
#define LEDGER_SWEEP_MIN   4096
#define LEDGER_TABLE_MIN_BITS 8
/* Events ahead whose table slots are prefetched while applying a buffer. */
#define LEDGER_PREFETCH_AHEAD 8

G_DEFINE_QUARK (ouro-ledger-error-quark, ouro_ledger_error)

/* ---- state ------------------------------------------------------------ */

gint     ouro_ledger_active;
guint64  ouro_ledger_clock;
__thread OuroLedgerBuffer *ouro_ledger_tls_buffer __attribute__ ((tls_model ("initial-exec")));

typedef struct {
  guintptr site;      /* return address; with OURO_LEDGER_FLAG_STACK, a LedgerStack * */
  guintptr frame;
  guint64  clock;
  guint32  thread;
  guint16  module;
  guint8   kind;
  guint8   flags;     /* OURO_LEDGER_FLAG_FLOATING, OURO_LEDGER_FLAG_STACK */
} LedgerRecord;

typedef struct {
  gpointer      object;        /* NULL: a free slot */
  LedgerRecord *records;       /* [capacity]; live: [head, head + n), oldest first */
  guint64       birth;         /* events stamped earlier were a previous occupant's */
  guint64       debt_clock;    /* the latest stamp of an unmatched unref */
  guint64       frame_mask;    /* bloom filter over (thread, frame) of live records */
  guint32       head;
  guint32       n;
  guint32       capacity;
  guint32       n_debts;
  guint32       module_mask;   /* bloom filter over the modules of live records */
  guint32       dead;          /* finalized: only a birth to keep stale events out */
} LedgerEntry;

G_STATIC_ASSERT (sizeof (LedgerEntry) == 64);

typedef struct {
  guint32  hash;
  guint32  depth;
  guintptr frames[];
} LedgerStack;

/* A pthread mutex rather than a GMutex: ThreadSanitizer understands it,
 * while GLib's futex-based GMutex is invisible to it. */
static pthread_mutex_t   ledger_lock = PTHREAD_MUTEX_INITIALIZER;
static guint             ledger_depth;        /* under the lock: 0 when off */
static guint64           ledger_session;      /* events stamped before it are a previous session's */
static OuroLedgerBuffer *ledger_buffers;      /* every live thread's, linked */
static guint             ledger_n_buffers;
static guint32           ledger_next_thread = 1;
static gboolean          ledger_process_ready;
static gint              ledger_light_fence;  /* atomic: membarrier registered */

static LedgerEntry      *ledger_table;        /* [1 << ledger_table_bits] */
static guint             ledger_table_bits;
static gboolean          ledger_table_mapped; /* mmap ()'d (table_memory_new ()) */
static guint             ledger_table_used;   /* slots taken, dead ones included */
static guint             ledger_table_dead;
static guint             ledger_n_objects;    /* entries with records */
static guint             ledger_n_records;
static gsize             ledger_record_bytes;
static GHashTable       *ledger_stacks;       /* LedgerStack set */
/* The stacks interned last, by hash, in front of ledger_stacks: a
 * remembered path (ouro-gobject-ledger-paths.c) hands the same stack over
 * and over, and a compare here costs less than GHashTable's two calls
 * through function pointers.  Under the lock; emptied with the set. */
#define LEDGER_STACK_CACHE_SIZE 1024
static LedgerStack      *ledger_stack_cache[LEDGER_STACK_CACHE_SIZE];
static gsize             ledger_stack_bytes;

/* Where each live object was created: object -> the site of its creation
 * record (a return address, or a LedgerStack * with LEDGER_BIRTH_STACK
 * set: user-space addresses leave the top bit free), kept after that
 * record is released, until the object is finalized.  For snapshots by
 * creation site (ouro_ledger_creation_site ()).  Under the lock. */
#define LEDGER_BIRTH_STACK ((guintptr) 1 << (sizeof (guintptr) * 8 - 1))
static GHashTable       *ledger_births;
static gboolean          ledger_want_births = TRUE;   /* under the lock */
/* Creation frames named: return address -> interned name.  Its own lock,
 * taken without the ledger's (but after it at fork ()). */
static pthread_mutex_t   ledger_site_names_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable       *ledger_site_names;

static struct {
  guint64 applied;
  guint64 paired;
  guint64 unmatched;
  guint64 stale;
  guint64 retired_cancelled;   /* of threads that exited */
} ledger_counts;

/* A thread's buffer after it exited: always frozen, so its rare late events
 * (other thread-exit destructors unref things) take the slow path. */
static OuroLedgerBuffer ledger_dead_buffer = { .frozen = 1 };

static void ledger_thread_exit (gpointer data);
static GPrivate ledger_thread_key = G_PRIVATE_INIT (ledger_thread_exit);

static const char *const ledger_kind_names[] = { "new", "ref", "ref_sink", "unref" };

/* ---- stacks ----------------------------------------------------------- */

static guint
stack_hash (gconstpointer data)
{
  return ((const LedgerStack *) data)->hash;
}

static gboolean
stack_equal (gconstpointer a,
             gconstpointer b)
{
  const LedgerStack *x = a, *y = b;

  return x->depth == y->depth && memcmp (x->frames, y->frames, x->depth * sizeof (guintptr)) == 0;
}

/* Requires the lock.  Returns the one stack of @frames, interned. */
static LedgerStack *
ledger_intern_stack (const guintptr *frames,
                     guint           depth)
{
  guintptr key_words[1 + OURO_LEDGER_MAX_DEPTH];
  LedgerStack *key = (LedgerStack *) key_words;
  LedgerStack *stack, **cached;
  guint64 hash = depth;

  depth = MIN (depth, OURO_LEDGER_MAX_DEPTH);
  for (guint i = 0; i < depth; i++)
    hash = (hash ^ frames[i]) * G_GUINT64_CONSTANT (0x100000001B3);
  key->hash = (guint32) (hash ^ (hash >> 32));
  key->depth = depth;
  memcpy (key->frames, frames, depth * sizeof (guintptr));

  cached = &ledger_stack_cache[key->hash % LEDGER_STACK_CACHE_SIZE];
  if (*cached != NULL && stack_equal (*cached, key))
    return *cached;
  stack = g_hash_table_lookup (ledger_stacks, key);
  if (stack == NULL)
    {
      gsize size = sizeof (LedgerStack) + depth * sizeof (guintptr);

      stack = g_memdup2 (key, size);
      g_hash_table_add (ledger_stacks, stack);
      ledger_stack_bytes += size + 4 * sizeof (gpointer);
    }
  *cached = stack;
  return stack;
}

/* ---- the table -------------------------------------------------------- */

static inline guint
table_slot (gpointer object)
{
  return (guint) ((((guintptr) object >> 4) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15))
                  >> (64 - ledger_table_bits));
}

/* Requires the lock.  @object's entry, or NULL. */
static LedgerEntry *
table_find (gpointer object)
{
  guint mask;

  if (ledger_table == NULL)
    return NULL;
  mask = (1u << ledger_table_bits) - 1;
  /* Linear probing; entries leave only when the table is rebuilt. */
  for (guint i = table_slot (object); ; i = (i + 1) & mask)
    {
      if (ledger_table[i].object == object)
        return &ledger_table[i];
      if (ledger_table[i].object == NULL)
        return NULL;
    }
}

/* Entries with this many record slots or more (a power of two) keep,
 * after their records, a count of their records per bucket of (thread,
 * frame), as many buckets as slots: the frame_mask bloom filter is full
 * long before that, and an unref from a frame that holds none of an
 * object's thousands of records (GTK's shared objects: display, font
 * map, style) would otherwise scan them all (R1, R2). */
#define LEDGER_FRAME_COUNTS_MIN 64

/* The bytes of a records array of @capacity slots, counts and tags
 * included. */
static inline gsize
entry_records_bytes (guint capacity)
{
  return capacity * sizeof (LedgerRecord)
       + (capacity >= LEDGER_FRAME_COUNTS_MIN ? capacity * (sizeof (guint32) + 1) : 0);
}

static void
entry_free_records (LedgerEntry *entry)
{
  ledger_record_bytes -= entry_records_bytes (entry->capacity);
  ledger_n_records -= entry->n;
  if (entry->n > 0)
    ledger_n_objects--;
  g_clear_pointer (&entry->records, g_free);
  entry->head = entry->n = entry->capacity = 0;
  entry->frame_mask = 0;
  entry->module_mask = 0;
}

/* The table's memory: @n_entries zeroed entries, each on its own cache
 * line; *@is_mapped says which of the two below it is.  A table of 2 MiB
 * or more is mapped on its own, aligned to 2 MiB and offered to the
 * kernel for transparent huge pages: a GTK program's table is 16 MiB, and
 * with 4 KiB pages nearly every lookup of an object missed the TLB as
 * well as the cache.  When mmap () refuses, the heap's memory will do. */
#define LEDGER_HUGE_PAGE ((gsize) 2 << 20)

static LedgerEntry *
table_memory_new (gsize     n_entries,
                  gboolean *is_mapped)
{
  gsize size = n_entries * sizeof (LedgerEntry);
  guint8 *mapped = MAP_FAILED;
  guintptr aligned;

  if (size >= LEDGER_HUGE_PAGE)
    mapped = mmap (NULL, size + LEDGER_HUGE_PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *is_mapped = mapped != MAP_FAILED;
  if (!*is_mapped)
    return g_aligned_alloc0 (n_entries, sizeof (LedgerEntry), 64);
  /* Keep only the aligned part. */
  aligned = ((guintptr) mapped + LEDGER_HUGE_PAGE - 1) & ~(LEDGER_HUGE_PAGE - 1);
  if (aligned > (guintptr) mapped)
    munmap (mapped, aligned - (guintptr) mapped);
  munmap ((guint8 *) aligned + size, (guintptr) mapped + LEDGER_HUGE_PAGE - aligned);
#ifdef MADV_HUGEPAGE
  madvise ((void *) aligned, size, MADV_HUGEPAGE);
#endif
  return (LedgerEntry *) aligned;
}

static void
table_memory_free (LedgerEntry *table,
                   gsize        n_entries,
                   gboolean     is_mapped)
{
  if (is_mapped)
    munmap (table, n_entries * sizeof (LedgerEntry));
  else
    g_aligned_free (table);
}

/* Requires the lock.  After it: the table has 1 << @bits slots (at least
 * enough for what it keeps) holding the same entries, less, when @sweep,
 * the dead ones and those with neither records nor debts. */
static void
table_rebuild (guint    bits,
               gboolean sweep)
{
  LedgerEntry *old = ledger_table;
  guint old_size = old != NULL ? 1u << ledger_table_bits : 0;
  gboolean old_mapped;
  guint kept = 0;

  for (guint i = 0; i < old_size; i++)
    if (old[i].object != NULL && !(sweep && (old[i].dead || (old[i].n == 0 && old[i].n_debts == 0))))
      kept++;
  bits = MAX (bits, LEDGER_TABLE_MIN_BITS);
  while ((1u << bits) * 3 < kept * 4 + 4)
    bits++;

  /* One entry, one cache line: a lookup misses once. */
  old_mapped = ledger_table_mapped;
  ledger_table = table_memory_new ((gsize) 1 << bits, &ledger_table_mapped);
  ledger_table_bits = bits;
  ledger_table_used = 0;
  ledger_table_dead = 0;
  for (guint i = 0; i < old_size; i++)
    {
      LedgerEntry *entry = &old[i];
      guint mask = (1u << bits) - 1, slot;

      if (entry->object == NULL)
        continue;
      if (sweep && (entry->dead || (entry->n == 0 && entry->n_debts == 0)))
        {
          entry_free_records (entry);
          continue;
        }
      for (slot = table_slot (entry->object); ledger_table[slot].object != NULL; slot = (slot + 1) & mask)
        ;
      ledger_table[slot] = *entry;
      ledger_table_used++;
      if (entry->dead)
        ledger_table_dead++;
    }
  table_memory_free (old, old_size, old_mapped);
}

/* Requires the lock.  @object's entry, made (alive, born with the
 * session) when there was none. */
static LedgerEntry *
table_insert (gpointer object)
{
  LedgerEntry *entry = table_find (object);
  guint mask, slot;

  if (entry != NULL)
    return entry;
  if (ledger_table == NULL || (ledger_table_used + 1) * 4 > (1u << ledger_table_bits) * 3)
    table_rebuild (ledger_table != NULL ? ledger_table_bits + 1 : LEDGER_TABLE_MIN_BITS, FALSE);

  mask = (1u << ledger_table_bits) - 1;
  for (slot = table_slot (object); ledger_table[slot].object != NULL; slot = (slot + 1) & mask)
    ;
  entry = &ledger_table[slot];
  memset (entry, 0, sizeof *entry);
  entry->object = object;
  entry->birth = ledger_session;
  ledger_table_used++;
  return entry;
}

/* Requires the lock.  After it: no entry, no record. */
static void
table_clear (void)
{
  guint size = ledger_table != NULL ? 1u << ledger_table_bits : 0;

  for (guint i = 0; i < size; i++)
    if (ledger_table[i].object != NULL)
      entry_free_records (&ledger_table[i]);
  table_memory_free (ledger_table, size, ledger_table_mapped);
  ledger_table = NULL;
  ledger_table_mapped = FALSE;
  ledger_table_bits = 0;
  ledger_table_used = 0;
  ledger_table_dead = 0;
  g_assert (ledger_n_records == 0 && ledger_n_objects == 0 && ledger_record_bytes == 0);
}

/* ---- records ---------------------------------------------------------- */

static inline guint64
frame_bit (guint32  thread,
           guintptr frame)
{
  return G_GUINT64_CONSTANT (1) << ((((guint64) frame >> 3) ^ ((guint64) thread * 0x9E3779B1u)) & 63);
}

static inline guint32
module_bit (guint16 module)
{
  return 1u << (module & 31);
}

/* The bucket of (@thread, @frame) among @capacity (a power of two). */
static inline guint
frame_bucket (guint32  thread,
              guintptr frame,
              guint    capacity)
{
  return (guint) (((((guint64) frame >> 3) ^ thread) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15))
                  >> (65 - g_bit_storage (capacity)));
}

/* @entry's counts of records per frame bucket, or NULL when it is too
 * small to keep them. */
static inline guint32 *
entry_frame_counts (LedgerEntry *entry)
{
  return entry->capacity >= LEDGER_FRAME_COUNTS_MIN
         ? (guint32 *) &entry->records[entry->capacity] : NULL;
}

/* Such entries also keep, after the counts, one byte per record slot: a
 * tag of the record's (thread, frame), bits of the hash the buckets do
 * not use.  An unref from a frame that holds records of a shared object
 * (thousands of them: a frame that takes and drops references while
 * others pile up in front) finds its own with memchr () over the tags, a
 * byte per record, instead of reading every record: 524 million records
 * read per gtk4-demo run before, for 59 thousand unrefs. */
static inline guint8
frame_tag (guint32  thread,
           guintptr frame)
{
  return (guint8) (((((guint64) frame >> 3) ^ thread) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 16);
}

/* @entry's record tags, or NULL when it is too small to keep them. */
static inline guint8 *
entry_frame_tags (LedgerEntry *entry)
{
  return entry->capacity >= LEDGER_FRAME_COUNTS_MIN
         ? (guint8 *) ((guint32 *) &entry->records[entry->capacity] + entry->capacity) : NULL;
}

/* After it: @entry's slot @index holds @record, tagged. */
static inline void
entry_set_record (LedgerEntry        *entry,
                  guint               index,
                  const LedgerRecord *record)
{
  guint8 *tags = entry_frame_tags (entry);

  entry->records[index] = *record;
  if (tags != NULL)
    tags[index] = frame_tag (record->thread, record->frame);
}

/* memmove () of @n records from slot @from to slot @to, tags with them. */
static inline void
entry_move_records (LedgerEntry *entry,
                    guint        to,
                    guint        from,
                    guint        n)
{
  guint8 *tags = entry_frame_tags (entry);

  memmove (&entry->records[to], &entry->records[from], n * sizeof (LedgerRecord));
  if (tags != NULL)
    memmove (&tags[to], &tags[from], n);
}

/* Adds @delta to the count of @record's frame bucket, when @entry keeps
 * counts. */
static inline void
entry_count_frame (LedgerEntry        *entry,
                   const LedgerRecord *record,
                   gint                delta)
{
  guint32 *counts = entry_frame_counts (entry);

  if (counts != NULL)
    counts[frame_bucket (record->thread, record->frame, entry->capacity)] += delta;
}

/* After it: @entry has room for one more record after its last. */
static void
entry_reserve (LedgerEntry *entry)
{
  guint capacity;

  if (entry->head + entry->n < entry->capacity)
    return;
  if (entry->head > 0 && entry->head >= entry->n)
    {
      /* Released from the front (R5) as much as taken: slide back. */
      entry_move_records (entry, 0, entry->head, entry->n);
      entry->head = 0;
      return;
    }
  /* Most objects hold one record (their creation) for most of their life. */
  capacity = MAX (1, entry->capacity * 2);
  entry->records = g_realloc (entry->records, entry_records_bytes (capacity));
  ledger_record_bytes += entry_records_bytes (capacity) - entry_records_bytes (entry->capacity);
  entry->capacity = capacity;
  if (entry_frame_counts (entry) != NULL)
    {
      /* The counts and tags moved past the new slots: made again. */
      memset (entry_frame_counts (entry), 0, capacity * sizeof (guint32));
      guint8 *tags = entry_frame_tags (entry);

      for (guint i = entry->head; i < entry->head + entry->n; i++)
        {
          entry_count_frame (entry, &entry->records[i], 1);
          tags[i] = frame_tag (entry->records[i].thread, entry->records[i].frame);
        }
    }
}

/* After it: @record is @entry's newest, or its oldest when @first. */
static void
entry_push (LedgerEntry        *entry,
            const LedgerRecord *record,
            gboolean            first)
{
  if (first && entry->head > 0)
    entry_set_record (entry, --entry->head, record);
  else
    {
      entry_reserve (entry);
      if (first)
        {
          entry_move_records (entry, entry->head + 1, entry->head, entry->n);
          entry_set_record (entry, entry->head, record);
        }
      else
        entry_set_record (entry, entry->head + entry->n, record);
    }
  if (entry->n++ == 0)
    ledger_n_objects++;
  ledger_n_records++;
  entry->frame_mask |= frame_bit (record->thread, record->frame);
  entry->module_mask |= module_bit (record->module);
  entry_count_frame (entry, record, 1);
}

/* After it: the record at @index (of entry->records) is gone, the others
 * keep their order. */
static void
entry_remove (LedgerEntry *entry,
              guint        index)
{
  guint before = index - entry->head;
  guint after = entry->head + entry->n - 1 - index;

  entry_count_frame (entry, &entry->records[index], -1);
  if (before < after)
    {
      entry_move_records (entry, entry->head + 1, entry->head, before);
      entry->head++;
    }
  else
    entry_move_records (entry, index, index + 1, after);
  entry->n--;
  ledger_n_records--;
  if (entry->n == 0)
    {
      ledger_n_objects--;
      entry->head = 0;
      entry->frame_mask = 0;
      entry->module_mask = 0;
      /* Objects whose references come and go keep a small array; an
       * object that once had many gives it back. */
      if (entry->capacity > 4)
        entry_free_records (entry);
    }
}

/* Applies an unref by @thread from @frame in @module, stamped @clock:
 * removes the record the policy picks (R1-R5).  Returns FALSE when no
 * record could be its reference. */
static gboolean
entry_release (LedgerEntry *entry,
               guint32      thread,
               guintptr     frame,
               guint64      clock,
               guint16      module)
{
  guint end = entry->head + entry->n, chosen = G_MAXUINT;
  const guint32 *counts = entry_frame_counts (entry);

  /* Creations go in front of every other record (entry_push ()), so the
   * first record from this frame is the creation when there is one (R1),
   * else the oldest (R2). */
  if ((entry->frame_mask & frame_bit (thread, frame)) != 0
      && (counts == NULL || counts[frame_bucket (thread, frame, entry->capacity)] > 0))
    {
      const guint8 *tags = entry_frame_tags (entry);
      guint8 tag = frame_tag (thread, frame);

      for (guint i = entry->head; i < end && chosen == G_MAXUINT; i++)
        {
          const LedgerRecord *record;

          if (tags != NULL && tags[i] != tag)
            {
              const guint8 *next = memchr (&tags[i], tag, end - i);

              if (next == NULL)
                break;
              i = next - tags;
            }
          record = &entry->records[i];
          if (record->clock <= clock && record->thread == thread && record->frame == frame)
            chosen = i;                                 /* R1, R2 */
        }
    }
  if (chosen == G_MAXUINT && (module & OURO_LEDGER_MODULE_GLIB) != 0)
    for (guint i = entry->head; i < end && chosen == G_MAXUINT; i++)
      if (entry->records[i].clock <= clock && entry->records[i].kind != OURO_LEDGER_NEW)
        chosen = i;                                     /* R3 */
  if (chosen == G_MAXUINT && module != 0 && (entry->module_mask & module_bit (module)) != 0)
    for (guint i = entry->head; i < end && chosen == G_MAXUINT; i++)
      if (entry->records[i].clock <= clock && entry->records[i].module == module)
        chosen = i;                                     /* R4 */
  for (guint i = entry->head; i < end && chosen == G_MAXUINT; i++)
    if (entry->records[i].clock <= clock)
      chosen = i;                                       /* R5 */
  if (chosen == G_MAXUINT)
    return FALSE;
  entry_remove (entry, chosen);
  return TRUE;
}

/* Turns @entry's floating creation record, if it has one, into @record (a
 * ref_sink that took the floating reference over).  Returns whether it
 * had one. */
static gboolean
entry_sink_floating (LedgerEntry        *entry,
                     const LedgerRecord *record)
{
  for (guint i = entry->head; i < entry->head + entry->n; i++)
    if (entry->records[i].kind == OURO_LEDGER_NEW
        && (entry->records[i].flags & OURO_LEDGER_FLAG_FLOATING) != 0)
      {
        entry_count_frame (entry, &entry->records[i], -1);
        entry_set_record (entry, i, record);
        entry_count_frame (entry, record, 1);
        entry->frame_mask |= frame_bit (record->thread, record->frame);
        entry->module_mask |= module_bit (record->module);
        return TRUE;
      }
  return FALSE;
}

/* Return address -> module, for the events applied: a GTK program's
 * events come from a few thousand call sites, and the module map's
 * lock and search cost more than the rest of an applied event.
 * Direct-mapped, under the ledger lock; only known modules are kept (a
 * mapping does not change while it is known; an unknown address may be
 * a library loaded since). */
#define LEDGER_MODULE_CACHE_SIZE 4096
static struct {
  guintptr address;
  guint16  module;
} ledger_module_cache[LEDGER_MODULE_CACHE_SIZE];

/* Requires the lock.  ouro_ledger_module_of (@address), cached. */
static inline guint16
ledger_module_of (guintptr address)
{
  guint slot = (guint) (((guint64) address * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 52)
             % LEDGER_MODULE_CACHE_SIZE;
  guint16 module;

  if (address != 0 && ledger_module_cache[slot].address == address)
    return ledger_module_cache[slot].module;
  module = ouro_ledger_module_of (address);
  if (module != 0)
    {
      ledger_module_cache[slot].address = address;
      ledger_module_cache[slot].module = module;
    }
  return module;
}

/* Requires the lock.  After it: @event, recorded by @thread (with its
 * @n_frames @frames when it has a stack), is in its object's records. */
static void
ledger_apply (guint32                thread,
              const OuroLedgerEvent *event,
              const guintptr        *frames,
              guint                  n_frames)
{
  guint kind = event->stamp & OURO_LEDGER_KIND_MASK;
  guint64 clock = event->stamp >> OURO_LEDGER_CLOCK_SHIFT;
  gboolean has_stack = (event->stamp & OURO_LEDGER_FLAG_STACK) != 0;
  LedgerEntry *entry;
  LedgerRecord record;

  ledger_counts.applied++;
  if (clock < ledger_session)
    {
      ledger_counts.stale++;
      return;
    }
  entry = table_insert (event->object);
  if (clock < entry->birth)
    {
      ledger_counts.stale++;
      return;
    }
  if (entry->dead)
    {
      entry->dead = FALSE;
      ledger_table_dead--;
    }

  if (kind == OURO_LEDGER_UNREF)
    {
      if (entry_release (entry, thread, event->frame, clock, ledger_module_of (event->site)))
        ledger_counts.paired++;
      else
        {
          ledger_counts.unmatched++;                    /* R6 */
          entry->n_debts++;
          entry->debt_clock = MAX (entry->debt_clock, clock);
        }
      return;
    }

  memset (&record, 0, sizeof record);
  record.site = has_stack ? (guintptr) ledger_intern_stack (frames, n_frames) : event->site;
  record.frame = event->frame;
  record.clock = clock;
  record.thread = thread;
  record.module = ledger_module_of (has_stack ? (n_frames > 0 ? frames[0] : 0) : event->site);
  record.kind = (guint8) kind;
  record.flags = event->stamp & (OURO_LEDGER_FLAG_FLOATING | OURO_LEDGER_FLAG_STACK);
  if (kind == OURO_LEDGER_NEW && ledger_births != NULL)
    g_hash_table_insert (ledger_births, event->object,
                         GSIZE_TO_POINTER (record.site | (has_stack ? LEDGER_BIRTH_STACK : 0)));

  if (kind == OURO_LEDGER_REF_SINK && (record.flags & OURO_LEDGER_FLAG_FLOATING) != 0)
    {
      /* The sinker now owns the floating reference: no reference added.
       * Without a creation record (the creation was not seen) the
       * reference becomes attributable. */
      record.flags &= ~OURO_LEDGER_FLAG_FLOATING;
      if (!entry_sink_floating (entry, &record))
        entry_push (entry, &record, FALSE);
      return;
    }
  if (entry->n_debts > 0 && clock <= entry->debt_clock)
    {
      /* An unref applied earlier released this one. */
      entry->n_debts--;
      ledger_counts.paired++;
      return;
    }
  entry_push (entry, &record, kind == OURO_LEDGER_NEW);
}

/* ---- buffers ---------------------------------------------------------- */

/* Requires the lock, and that no other thread writes @buffer (its owner is
 * the caller, or it is frozen and not busy).  After it: its events are
 * applied, in order, and it is empty. */
static void
ledger_buffer_apply (OuroLedgerBuffer *buffer,
                     gboolean          apply)
{
  guint64 count = __atomic_load_n (&buffer->count, __ATOMIC_RELAXED);
  guint n = OURO_LEDGER_COUNT_N (count);

  for (guint i = 0; apply && i < n; i++)
    {
      const OuroLedgerEvent *event = &buffer->events[i];

      /* Objects referenced one after another are rarely neighbours in the
       * table: fetch the home slots of the events a few ahead, and the
       * records of those half as far ahead whose slot has arrived, while
       * this one is applied (a 100k-object walk goes 2 to 3 times as fast). */
      if (ledger_table != NULL)
        {
          if (i + LEDGER_PREFETCH_AHEAD < n)
            __builtin_prefetch (&ledger_table[table_slot (buffer->events[i + LEDGER_PREFETCH_AHEAD].object)]);
          if (i + LEDGER_PREFETCH_AHEAD / 2 < n)
            {
              gpointer object = buffer->events[i + LEDGER_PREFETCH_AHEAD / 2].object;
              const LedgerEntry *home = &ledger_table[table_slot (object)];

              if (home->object == object && home->records != NULL)
                __builtin_prefetch (&home->records[home->head]);
            }
        }
      if ((event->stamp & OURO_LEDGER_FLAG_STACK) != 0 && event->site < buffer->n_frames)
        ledger_apply (buffer->id, event, &buffer->frames[event->site + 1],
                      (guint) buffer->frames[event->site]);
      else
        ledger_apply (buffer->id, event, NULL, 0);
    }
  __atomic_store_n (&buffer->count, count - n, __ATOMIC_RELAXED);
  buffer->n_frames = 0;
}

/* Requires the lock.  Returns the calling thread's new buffer. */
static OuroLedgerBuffer *
ledger_buffer_new (void)
{
  OuroLedgerBuffer *buffer = g_new0 (OuroLedgerBuffer, 1);

  buffer->id = ledger_next_thread++;
  buffer->next = ledger_buffers;
  if (ledger_buffers != NULL)
    ledger_buffers->prev = buffer;
  ledger_buffers = buffer;
  ledger_n_buffers++;
  ouro_ledger_tls_buffer = buffer;
  g_private_set (&ledger_thread_key, buffer);
  return buffer;
}

/* Requires the lock.  After it: @buffer is out of the list and freed. */
static void
ledger_buffer_free (OuroLedgerBuffer *buffer)
{
  if (buffer->prev != NULL)
    buffer->prev->next = buffer->next;
  else
    ledger_buffers = buffer->next;
  if (buffer->next != NULL)
    buffer->next->prev = buffer->prev;
  ledger_n_buffers--;
  ledger_counts.retired_cancelled +=
    OURO_LEDGER_COUNT_CANCELLED (__atomic_load_n (&buffer->count, __ATOMIC_RELAXED));
  g_free (buffer->frames);
  g_free (buffer);
}

/* The GPrivate destructor: the thread exits. */
static void
ledger_thread_exit (gpointer data)
{
  OuroLedgerBuffer *buffer = data;

  pthread_mutex_lock (&ledger_lock);
  ledger_buffer_apply (buffer, ledger_depth != 0);
  ledger_buffer_free (buffer);
  ouro_ledger_tls_buffer = &ledger_dead_buffer;
  pthread_mutex_unlock (&ledger_lock);
}

/* Requires the lock.  After it: @buffer's frames can take a stack of the
 * session's depth (with return addresses, a stack out to the program's
 * frame) after what they hold. */
static void
ledger_buffer_reserve_frames (OuroLedgerBuffer *buffer)
{
  guint depth = ledger_depth > 1 ? ledger_depth : OURO_LEDGER_ATTRIBUTE_DEPTH;
  guint needed = buffer->n_frames + depth + 1;

  if (needed <= buffer->frames_capacity)
    return;
  buffer->frames_capacity = MAX (needed, (depth + 1) * OURO_LEDGER_BUFFER_EVENTS / 4);
  buffer->frames = g_renew (guintptr, buffer->frames, buffer->frames_capacity);
}

#ifndef OURO_LEDGER_STRONG_FENCE_ONLY
/* After it: owners fence their busy stores themselves (membarrier is not
 * to be relied on). */
static void
ledger_go_strong (void)
{
  __atomic_store_n (&ledger_light_fence, 0, __ATOMIC_SEQ_CST);
  if (__atomic_load_n (&ouro_ledger_active, __ATOMIC_SEQ_CST) != 0)
    __atomic_or_fetch (&ouro_ledger_active, OURO_LEDGER_ACTIVE_STRONG, __ATOMIC_SEQ_CST);
}
#endif

/* Requires the lock.  Waits until @buffer's owner is out of its busy
 * section (never long: nothing in it blocks). */
static void
ledger_wait_not_busy (OuroLedgerBuffer *buffer)
{
  for (guint spins = 0; __atomic_load_n (&buffer->busy, __ATOMIC_SEQ_CST) != 0; spins++)
    if (spins >= 64)
      sched_yield ();
}

/* Requires the lock.  After it: every event any thread recorded before
 * the call is applied (@apply) or dropped; with @pending_only, buffers
 * seen empty are left alone (an event being recorded now is concurrent
 * with the call). */
static void
ledger_flush_all (gboolean apply,
                  gboolean pending_only)
{
  OuroLedgerBuffer *own = ouro_ledger_tls_buffer;
  guint n_frozen = 0;

  for (OuroLedgerBuffer *buffer = ledger_buffers; buffer != NULL; buffer = buffer->next)
    {
      if (buffer == own
          || (pending_only && OURO_LEDGER_COUNT_N (__atomic_load_n (&buffer->count, __ATOMIC_RELAXED)) == 0))
        continue;
      __atomic_store_n (&buffer->frozen, 1, __ATOMIC_SEQ_CST);
      n_frozen++;
    }
  if (n_frozen == 0)
    goto own;
#ifndef OURO_LEDGER_STRONG_FENCE_ONLY
  if (__atomic_load_n (&ledger_light_fence, __ATOMIC_RELAXED)
      && syscall (__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
    {
      /* Registered at enable, so this should not happen: from now on
       * owners fence themselves; the ones in flight had a millisecond to
       * make their stores visible. */
      ledger_go_strong ();
      g_usleep (1000);
    }
#endif
  for (OuroLedgerBuffer *buffer = ledger_buffers; buffer != NULL; buffer = buffer->next)
    {
      if (__atomic_load_n (&buffer->frozen, __ATOMIC_RELAXED) == 0)
        continue;
      ledger_wait_not_busy (buffer);
      ledger_buffer_apply (buffer, apply);
      __atomic_store_n (&buffer->frozen, 0, __ATOMIC_RELEASE);
    }
own:
  if (own != NULL && own != &ledger_dead_buffer)
    ledger_buffer_apply (own, apply);
}

void
ouro_ledger_record_slow (const OuroLedgerEvent *event,
                         const guintptr        *frames,
                         guint                  n_frames)
{
  OuroLedgerBuffer *buffer;

  pthread_mutex_lock (&ledger_lock);
  if (ledger_depth == 0)
    goto out;
  buffer = ouro_ledger_tls_buffer;
  if (buffer == &ledger_dead_buffer)
    {
      ledger_apply (0, event, frames, n_frames);
      goto out;
    }
  if (buffer == NULL)
    buffer = ledger_buffer_new ();
  /* Under the lock no applier runs and nothing is frozen: the owner may
   * write without busy. */
  if ((event->stamp & OURO_LEDGER_FLAG_STACK) != 0)
    ledger_buffer_reserve_frames (buffer);
  if (!ouro_ledger_buffer_put (buffer, event, frames, n_frames))
    {
      ledger_buffer_apply (buffer, TRUE);
      if ((event->stamp & OURO_LEDGER_FLAG_STACK) != 0)
        ledger_buffer_reserve_frames (buffer);
      if (!ouro_ledger_buffer_put (buffer, event, frames, n_frames))
        ledger_apply (buffer->id, event, frames, n_frames);
    }
out:
  pthread_mutex_unlock (&ledger_lock);
}

/* ---- finalization ----------------------------------------------------- */

/* Whether a thread other than the caller has events not yet applied. */
static gboolean
ledger_others_pending (void)
{
  for (OuroLedgerBuffer *buffer = ledger_buffers; buffer != NULL; buffer = buffer->next)
    if (buffer != ouro_ledger_tls_buffer
        && OURO_LEDGER_COUNT_N (__atomic_load_n (&buffer->count, __ATOMIC_RELAXED)) != 0)
      return TRUE;
  return FALSE;
}

/* The finalize hook: @object is about to be freed.  After it: @object's
 * records are gone, and events of it still in other threads' buffers will
 * be dropped. */
static void
ledger_on_finalize (GObject *object)
{
  OuroLedgerBuffer *own = ouro_ledger_tls_buffer;
  LedgerEntry *entry;
  guint64 death;

  if (__atomic_load_n (&ouro_ledger_active, __ATOMIC_RELAXED) == 0)
    return;
  death = __atomic_add_fetch (&ouro_ledger_clock, 1, __ATOMIC_SEQ_CST);

  pthread_mutex_lock (&ledger_lock);
  if (ledger_depth == 0)
    goto out;
  /* This thread's events of it, the last unref among them, are applied
   * (not stale) before it goes. */
  if (own != NULL && own != &ledger_dead_buffer)
    ledger_buffer_apply (own, TRUE);
  if (ledger_births != NULL)
    g_hash_table_remove (ledger_births, object);
  entry = table_find (object);
  if (entry == NULL && !ledger_others_pending ())
    goto out;
  entry = table_insert (object);
  entry_free_records (entry);
  entry->n_debts = 0;
  entry->birth = death;
  if (!entry->dead)
    {
      entry->dead = TRUE;
      ledger_table_dead++;
    }
  if (ledger_table_dead > MAX (LEDGER_SWEEP_MIN, ledger_table_used - ledger_table_dead))
    {
      ledger_flush_all (TRUE, TRUE);
      table_rebuild (LEDGER_TABLE_MIN_BITS, TRUE);
    }
out:
  pthread_mutex_unlock (&ledger_lock);
}

/* ---- process-wide setup ----------------------------------------------- */

/* The module map's lock is taken here, in the lock order, rather than by
 * a fork handler of its own, whose place among the handlers would decide
 * the order. */
static void
ledger_fork_prepare (void)
{
  pthread_mutex_lock (&ledger_lock);
  ouro_ledger_modules_lock ();
  pthread_mutex_lock (&ledger_site_names_lock);
}

static void
ledger_fork_parent (void)
{
  pthread_mutex_unlock (&ledger_site_names_lock);
  ouro_ledger_modules_unlock ();
  pthread_mutex_unlock (&ledger_lock);
}

/* In the child only the forking thread exists: the other buffers have no
 * owner any more (and may be stuck busy). */
static void
ledger_fork_child (void)
{
  OuroLedgerBuffer *own = ouro_ledger_tls_buffer;
  OuroLedgerBuffer *next;

  for (OuroLedgerBuffer *buffer = ledger_buffers; buffer != NULL; buffer = next)
    {
      next = buffer->next;
      if (buffer != own)
        ledger_buffer_free (buffer);
    }
#ifndef OURO_LEDGER_STRONG_FENCE_ONLY
  if (__atomic_load_n (&ledger_light_fence, __ATOMIC_RELAXED)
      && syscall (__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0)
    ledger_go_strong ();
#endif
  pthread_mutex_unlock (&ledger_site_names_lock);
  ouro_ledger_modules_unlock ();
  pthread_mutex_unlock (&ledger_lock);
}

/* Requires the lock.  After it: fork handlers are installed and, where
 * the kernel has it, membarrier is registered (owners need no fence). */
static void
ledger_prepare_process (void)
{
  if (ledger_process_ready)
    return;
  ledger_process_ready = TRUE;
  pthread_atfork (ledger_fork_prepare, ledger_fork_parent, ledger_fork_child);
#ifndef OURO_LEDGER_STRONG_FENCE_ONLY
  {
    long commands = syscall (__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

    if (commands > 0 && (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0
        && syscall (__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
      __atomic_store_n (&ledger_light_fence, 1, __ATOMIC_SEQ_CST);
  }
#endif
}

/* ---- enabling --------------------------------------------------------- */

static void ledger_explain (gpointer         object,
                            OuroExplanation *explanation,
                            gpointer         user_data);

/* Requires the lock.  After it: no event, entry, record or stack is left. */
static void
ledger_forget_all (void)
{
  ledger_flush_all (FALSE, FALSE);
  table_clear ();
  g_clear_pointer (&ledger_stacks, g_hash_table_unref);
  g_clear_pointer (&ledger_births, g_hash_table_unref);
  memset (ledger_stack_cache, 0, sizeof ledger_stack_cache);
  ledger_stack_bytes = 0;
  ouro_ledger_modules_reset ();
  memset (ledger_module_cache, 0, sizeof ledger_module_cache);
}

gboolean
ouro_ledger_enable (guint    backtrace_depth,
                    GError **error)
{
  static gsize unwind_warned;
  gboolean uses_libunwind;

  if (backtrace_depth < 1 || backtrace_depth > OURO_LEDGER_MAX_DEPTH)
    {
      g_set_error (error, OURO_LEDGER_ERROR, OURO_LEDGER_ERROR_INVALID_DEPTH,
                   "backtrace depth %u is not between 1 and %u", backtrace_depth,
                   OURO_LEDGER_MAX_DEPTH);
      return FALSE;
    }
  ouro_gobject_init ();
  if (!ouro_ledger_interpose_check (error))
    return FALSE;
  uses_libunwind = ouro_ledger_capture_init ();
  ouro_ledger_sites_reset ();
  ouro_ledger_paths_reset (uses_libunwind);
  if (backtrace_depth > 1 && !uses_libunwind && g_once_init_enter (&unwind_warned))
    {
      g_message ("ouro: backtrace=%u: libunwind is not available (or not used: under valgrind "
                 "or a sanitizer), so stacks come from glibc's backtrace (), about 15 times "
                 "slower per reference taken",
                 backtrace_depth);
      g_once_init_leave (&unwind_warned, 1);
    }

  pthread_mutex_lock (&ledger_lock);
  if (ledger_depth != 0)
    {
      guint depth = ledger_depth;

      pthread_mutex_unlock (&ledger_lock);
      if (depth == backtrace_depth)
        return TRUE;
      g_set_error (error, OURO_LEDGER_ERROR, OURO_LEDGER_ERROR_ALREADY_ENABLED,
                   "the reference ledger is on with backtrace depth %u; disable it first", depth);
      return FALSE;
    }
  ledger_prepare_process ();
  /* Events of an earlier session still in buffers go; any recorded later
   * by a thread that saw it on is stamped before the session. */
  ledger_forget_all ();
  ledger_session = __atomic_add_fetch (&ouro_ledger_clock, 1, __ATOMIC_SEQ_CST);
  ledger_stacks = g_hash_table_new_full (stack_hash, stack_equal, g_free, NULL);
  if (ledger_want_births)
    ledger_births = g_hash_table_new (NULL, NULL);
  ledger_depth = backtrace_depth;
  ouro_gobject_set_finalize_hook (ledger_on_finalize);
  __atomic_store_n (&ouro_ledger_active,
                    (gint) backtrace_depth
                    | (__atomic_load_n (&ledger_light_fence, __ATOMIC_SEQ_CST)
                       ? 0 : OURO_LEDGER_ACTIVE_STRONG),
                    __ATOMIC_SEQ_CST);
  pthread_mutex_unlock (&ledger_lock);

  ouro_set_explain_func (ledger_explain, NULL);
  /* Holders name the code that added them as the ledger names sites. */
  ouro_gobject_holders_set_symbolise_func (ouro_ledger_symbolise);
  return TRUE;
}

void
ouro_ledger_disable (void)
{
  __atomic_store_n (&ouro_ledger_active, 0, __ATOMIC_SEQ_CST);
  ouro_gobject_set_finalize_hook (NULL);
  ouro_set_explain_func (NULL, NULL);
  ouro_gobject_holders_set_symbolise_func (NULL);

  pthread_mutex_lock (&ledger_lock);
  ledger_depth = 0;
  ledger_forget_all ();
  pthread_mutex_unlock (&ledger_lock);
  ouro_ledger_symbols_reset ();
}

gboolean
ouro_ledger_is_enabled (void)
{
  return __atomic_load_n (&ouro_ledger_active, __ATOMIC_RELAXED) != 0;
}

guint
ouro_ledger_get_depth (void)
{
  return OURO_LEDGER_ACTIVE_DEPTH (__atomic_load_n (&ouro_ledger_active, __ATOMIC_RELAXED));
}

void
ouro_ledger_sync (void)
{
  pthread_mutex_lock (&ledger_lock);
  if (ledger_depth != 0)
    ledger_flush_all (TRUE, TRUE);
  pthread_mutex_unlock (&ledger_lock);
}

/* ---- sites ------------------------------------------------------------ */

/* A site before symbolisation. */
typedef struct {
  guint     kind;
  guint     count;
  guint     n_frames;
  guintptr *frames;     /* owned */
} LedgerRawSite;

/* Requires the lock.  After it: @sites holds @object's outstanding
 * records grouped by kind and site, in the order of each group's oldest
 * record. */
static void
ledger_collect_sites (gpointer  object,
                      GArray   *sites)
{
  LedgerEntry *entry = table_find (object);
  GHashTable *groups;

  if (entry == NULL || entry->n == 0)
    return;
  groups = g_hash_table_new (NULL, NULL);
  for (guint i = entry->head; i < entry->head + entry->n; i++)
    {
      const LedgerRecord *record = &entry->records[i];
      /* User-space addresses leave the two top bits free for the kind. */
      gpointer key = GSIZE_TO_POINTER ((record->site << 2) | record->kind);
      gpointer index;

      if (g_hash_table_lookup_extended (groups, key, NULL, &index))
        g_array_index (sites, LedgerRawSite, GPOINTER_TO_UINT (index)).count++;
      else
        {
          LedgerRawSite site = { record->kind, 1, 1, NULL };

          if ((record->flags & OURO_LEDGER_FLAG_STACK) != 0)
            {
              const LedgerStack *stack = (const LedgerStack *) record->site;

              site.n_frames = stack->depth;
              site.frames = g_memdup2 (stack->frames, stack->depth * sizeof (guintptr));
            }
          else
            site.frames = g_memdup2 (&record->site, sizeof (guintptr));
          g_hash_table_insert (groups, key, GUINT_TO_POINTER (sites->len));
          g_array_append_val (sites, site);
        }
    }
  g_hash_table_unref (groups);
}

void
ouro_ledger_site_free (OuroLedgerSite *site)
{
  if (site == NULL)
    return;
  g_strfreev (site->frames);
  g_free (site);
}

GPtrArray *
ouro_ledger_dup_sites (gpointer object)
{
  GArray *raw;
  GPtrArray *sites;

  g_return_val_if_fail (object != NULL, NULL);

  raw = g_array_new (FALSE, FALSE, sizeof (LedgerRawSite));
  pthread_mutex_lock (&ledger_lock);
  if (ledger_depth == 0)
    {
      pthread_mutex_unlock (&ledger_lock);
      g_array_unref (raw);
      return NULL;
    }
  ledger_flush_all (TRUE, TRUE);
  ledger_collect_sites (object, raw);
  pthread_mutex_unlock (&ledger_lock);

  /* Symbolising reads debug information: not under the ledger lock. */
  sites = g_ptr_array_new_with_free_func ((GDestroyNotify) ouro_ledger_site_free);
  for (guint i = 0; i < raw->len; i++)
    {
      LedgerRawSite *from = &g_array_index (raw, LedgerRawSite, i);
      OuroLedgerSite *site = g_new0 (OuroLedgerSite, 1);

      site->count = from->count;
      site->kind = ledger_kind_names[from->kind];
      site->program_frame = ouro_ledger_find_program_frame (from->frames, from->n_frames);
      site->frames = g_new0 (char *, from->n_frames + 1);
      for (guint f = 0; f < from->n_frames; f++)
        site->frames[f] = ouro_ledger_symbolise (from->frames[f]);
      g_free (from->frames);
      g_ptr_array_add (sites, site);
    }
  g_array_unref (raw);
  return sites;
}

/* ---- creation sites ---------------------------------------------------- */

void
ouro_ledger_keep_creation_sites (gboolean keep)
{
  pthread_mutex_lock (&ledger_lock);
  ledger_want_births = keep;
  pthread_mutex_unlock (&ledger_lock);
}

const char *
ouro_ledger_creation_site (gpointer object)
{
  guintptr frames[OURO_LEDGER_MAX_DEPTH];
  guint n_frames = 0;
  guintptr birth = 0, frame;
  gint program;
  const char *name;

  pthread_mutex_lock (&ledger_lock);
  if (ledger_births != NULL)
    birth = GPOINTER_TO_SIZE (g_hash_table_lookup (ledger_births, object));
  if ((birth & LEDGER_BIRTH_STACK) != 0)
    {
      /* Copied out: stacks live until the ledger forgets everything. */
      const LedgerStack *stack = (const LedgerStack *) (birth & ~LEDGER_BIRTH_STACK);

      n_frames = MIN (stack->depth, G_N_ELEMENTS (frames));
      memcpy (frames, stack->frames, n_frames * sizeof (guintptr));
    }
  else if (birth != 0)
    frames[n_frames++] = birth;
  pthread_mutex_unlock (&ledger_lock);
  if (n_frames == 0)
    return NULL;

  /* The innermost frame in the program's code, as reports name sites. */
  program = ouro_ledger_find_program_frame (frames, n_frames);
  frame = frames[program >= 0 ? program : 0];

  pthread_mutex_lock (&ledger_site_names_lock);
  if (ledger_site_names == NULL)
    ledger_site_names = g_hash_table_new (NULL, NULL);
  name = g_hash_table_lookup (ledger_site_names, GSIZE_TO_POINTER (frame));
  if (name == NULL)
    {
      g_autofree char *symbolised = ouro_ledger_symbolise (frame);

      name = g_intern_string (symbolised);
      g_hash_table_insert (ledger_site_names, GSIZE_TO_POINTER (frame), (gpointer) name);
    }
  pthread_mutex_unlock (&ledger_site_names_lock);
  return name;
}

/* The explain function: with the registry locked, on the scanning thread. */
static void
ledger_explain (gpointer         object,
                OuroExplanation *explanation,
                gpointer         user_data)
{
  GPtrArray *sites = ouro_ledger_dup_sites (object);

  for (guint i = 0; sites != NULL && i < sites->len; i++)
    {
      const OuroLedgerSite *site = sites->pdata[i];

      ouro_explanation_add_site_full (explanation, site->count, site->kind,
                                      (const char * const *) site->frames, site->program_frame);
    }
  g_clear_pointer (&sites, g_ptr_array_unref);
}

/* ---- statistics ------------------------------------------------------- */

void
ouro_ledger_get_stats (OuroLedgerStats *stats)
{
  guint64 cancelled;
  gsize buffer_bytes = 0;

  g_return_if_fail (stats != NULL);

  memset (stats, 0, sizeof *stats);
  pthread_mutex_lock (&ledger_lock);
  cancelled = ledger_counts.retired_cancelled;
  for (OuroLedgerBuffer *buffer = ledger_buffers; buffer != NULL; buffer = buffer->next)
    {
      cancelled += OURO_LEDGER_COUNT_CANCELLED (__atomic_load_n (&buffer->count, __ATOMIC_RELAXED));
      buffer_bytes += sizeof *buffer + buffer->frames_capacity * sizeof (guintptr);
    }
  stats->events = ledger_counts.applied + 2 * cancelled;
  stats->cancelled = cancelled;
  stats->paired = ledger_counts.paired;
  stats->unmatched = ledger_counts.unmatched;
  stats->stale = ledger_counts.stale;
  stats->n_objects = ledger_n_objects;
  stats->n_records = ledger_n_records;
  stats->n_stacks = ledger_stacks != NULL ? g_hash_table_size (ledger_stacks) : 0;
  stats->n_threads = ledger_n_buffers;
  stats->table_bytes = ledger_table != NULL ? sizeof (LedgerEntry) << ledger_table_bits : 0;
  stats->record_bytes = ledger_record_bytes;
  stats->other_bytes = buffer_bytes + ledger_stack_bytes + ouro_ledger_modules_get_memory_size ();
  pthread_mutex_unlock (&ledger_lock);
  stats->other_bytes += ouro_ledger_symbols_get_memory_size ();
}

char *
ouro_ledger_describe_statistics (void)
{
  OuroLedgerStats stats;
  gsize bytes;

  /* Events still in the threads' buffers count too: a report whose
   * objects needed no explanation would otherwise say "0 calls seen".
   * (ouro_ledger_get_stats () itself leaves them where they are.) */
  pthread_mutex_lock (&ledger_lock);
  if (ledger_depth > 0)
    ledger_flush_all (TRUE, TRUE);
  pthread_mutex_unlock (&ledger_lock);
  ouro_ledger_get_stats (&stats);
  bytes = stats.table_bytes + stats.record_bytes + stats.other_bytes;
  return g_strdup_printf ("%" G_GUINT64_FORMAT " calls seen, %" G_GUINT64_FORMAT
                          " temporary ref/unref pairs cancelled at once, %" G_GUINT64_FORMAT
                          " unrefs paired, %" G_GUINT64_FORMAT " unrefs with no record "
                          "(references taken inside libgobject), %" G_GUINT64_FORMAT
                          " stale events dropped; %u objects with %u outstanding references "
                          "recorded, %u threads; %.1f KiB (entries %.1f, records %.1f, "
                          "buffers, stacks and symbols %.1f)",
                          stats.events, stats.cancelled, stats.paired, stats.unmatched,
                          stats.stale, stats.n_objects, stats.n_records, stats.n_threads,
                          bytes / 1024.0, stats.table_bytes / 1024.0,
                          stats.record_bytes / 1024.0, stats.other_bytes / 1024.0);
}
