/* ouro-gobject-ledger-paths.c — the paths a thread's stack took from a
 * library call site out to the program's code, remembered and checked
 * against the live stack instead of unwinding it again.
 *
 * Why: a reference a library takes on the program's behalf is attributed
 * to the innermost program frame within OURO_LEDGER_ATTRIBUTE_DEPTH
 * frames (ouro-gobject-ledger-interpose.c), and unwinding those frames
 * with libunwind costs about half a microsecond.  The same few paths come
 * again and again: a program that builds its rows from a template in a
 * loop (gtk4-demo's listbox: 137,000 of its 166,000 unwinds) reaches the
 * same GTK call sites, through the same frames, at the same depths, once
 * per row.
 *
 * What is kept: per thread, for up to two paths in each of 512 sets of
 * (site, frame) (the return address into the library and the caller's
 * stack frame, its CFA), the return addresses found out to the program's
 * frame, and for each the stack address it was read from, as an offset
 * above the caller's frame.
 * A later call from the same site and frame follows the same path when
 * every one of those stack words still holds the same return address: a
 * return address is stored on the stack by the call that made the frame,
 * and a frame's size is fixed by the code it runs, so the same addresses
 * at the same places are the same chain of calls.  Checking costs one
 * load per frame from the top of the stack, which is in cache.
 *
 * Where the stack words are: found when a path is learnt, by looking for
 * each return address in turn in the thread's stack upward from the
 * caller's frame, within the thread's stack (pthread_getattr_np (), read
 * once per thread).  The first word holding the address is taken; a stale
 * copy of it in a live frame's uninitialised local, below the real one,
 * would be taken instead, and a later path that differs only above that
 * word would then be taken for this one: a wrong site in a report, never
 * a wrong count.  That needs a return address left in exactly the word a
 * later path leaves untouched, and we accept it.
 *
 * Only with libunwind (ouro_ledger_paths_reset ()): without it the ledger
 * runs under valgrind (whose memcheck would see the reads of
 * uninitialised stack words as decisions on them) or a sanitizer (whose
 * ASan would report reads of other frames' redzones), and costs what it
 * costs there anyway.
 *
 * MT safe: each thread has its own paths (thread-local, freed when the
 * thread exits); a reset from any thread bumps a generation that each
 * thread's paths compare with theirs before use.
 */
#define _GNU_SOURCE   /* pthread_getattr_np () */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "ouro-gobject-ledger-private.h"

/* Two ways per set: one site and frame often has two paths in turn (a
 * GTK function reached from two callers at the same depth), which a
 * direct-mapped cache would learn again at each change (on gtk4-demo,
 * 34,000 learns; with two ways, 10,000). */
#define PATHS_SET_BITS 9
#define PATHS_WAYS     2
#define PATHS_SLOTS    (PATHS_WAYS << PATHS_SET_BITS)
/* Stack searched for a path's words, at most: GTK's deepest paths out of
 * a template's construction span a few KiB. */
#define PATHS_SEARCH_BYTES (256 * 1024)

typedef struct {
  guintptr site;
  guintptr frame;
  guint32  n_frames;   /* frames[0] is the site, frames[n_frames - 1] the program's */
  guint32  offsets[OURO_LEDGER_ATTRIBUTE_DEPTH];   /* of frames[i], i >= 1, above frame */
  guintptr frames[OURO_LEDGER_ATTRIBUTE_DEPTH];
} PathSlot;

/* The keys apart from the paths: most lookups are of library sites that
 * never reach the program's code, and miss; 8 KiB of keys stay in cache
 * where 220 KiB of paths would not. */
typedef struct {
  guint    generation;
  guintptr stack_low;    /* the thread's stack */
  guintptr stack_high;
  guint64  keys[PATHS_SLOTS];    /* ouro_ledger_site_key () of slots[i]; 0: empty */
  guint8   last_used[1 << PATHS_SET_BITS];   /* of each set, the way found or learnt last */
  PathSlot slots[PATHS_SLOTS];
} ThreadPaths;

/* No paths on this thread: it exited (thread-exit destructors may still
 * take references), or its stack could not be found. */
#define PATHS_NONE ((ThreadPaths *) 1)

static gint  paths_enabled;      /* atomic */
static guint paths_generation;   /* atomic */
static __thread ThreadPaths *paths_tls __attribute__ ((tls_model ("initial-exec")));

static void
paths_thread_exit (gpointer data)
{
  g_free (data);
  paths_tls = PATHS_NONE;
}

static GPrivate paths_private = G_PRIVATE_INIT (paths_thread_exit);

/* The calling thread's paths, made when @make; NULL when it has none. */
static ThreadPaths *
paths_get (gboolean make)
{
  ThreadPaths *paths = paths_tls;
  guint generation = __atomic_load_n (&paths_generation, __ATOMIC_ACQUIRE);
  pthread_attr_t attr;
  void *low;
  size_t size;

  if (paths == PATHS_NONE)
    return NULL;
  if (paths != NULL)
    {
      if (paths->generation != generation)
        {
          memset (paths->keys, 0, sizeof paths->keys);
          memset (paths->last_used, 0, sizeof paths->last_used);
          paths->generation = generation;
        }
      return paths;
    }
  if (!make)
    return NULL;
  if (pthread_getattr_np (pthread_self (), &attr) != 0)
    {
      paths_tls = PATHS_NONE;
      return NULL;
    }
  if (pthread_attr_getstack (&attr, &low, &size) != 0)
    {
      pthread_attr_destroy (&attr);
      paths_tls = PATHS_NONE;
      return NULL;
    }
  pthread_attr_destroy (&attr);
  paths = g_new0 (ThreadPaths, 1);
  paths->generation = generation;
  paths->stack_low = (guintptr) low;
  paths->stack_high = (guintptr) low + size;
  paths_tls = paths;
  g_private_set (&paths_private, paths);
  return paths;
}

/* Reading other frames' words is what these are for, as an unwinder's
 * reads are: not AddressSanitizer's business (its redzones between a
 * frame's variables are words like any other here).  Under a sanitizer
 * the ledger does not use paths; the tests call them directly. */
#define PATHS_READS_STACK __attribute__ ((no_sanitize_address))

PATHS_READS_STACK guint
ouro_ledger_path_find (guintptr  site,
                       guintptr  frame,
                       guintptr *frames)
{
  ThreadPaths *paths;
  guint set;
  guint64 key;

  if (!__atomic_load_n (&paths_enabled, __ATOMIC_RELAXED) || (paths = paths_get (FALSE)) == NULL)
    return 0;
  key = ouro_ledger_site_key (site, frame, PATHS_SET_BITS, &set);
  for (guint way = 0; way < PATHS_WAYS; way++)
    {
      guint index = set * PATHS_WAYS + way, i;
      const PathSlot *slot = &paths->slots[index];

      if (paths->keys[index] != key || slot->site != site || slot->frame != frame)
        continue;
      for (i = 1; i < slot->n_frames; i++)
        if (*(const guintptr *) (frame + slot->offsets[i]) != slot->frames[i])
          break;
      if (i < slot->n_frames)
        continue;
      paths->last_used[set] = (guint8) way;
      memcpy (frames, slot->frames, slot->n_frames * sizeof (guintptr));
      return slot->n_frames;
    }
  return 0;
}

PATHS_READS_STACK void
ouro_ledger_path_learn (guintptr        site,
                        guintptr        frame,
                        const guintptr *frames,
                        guint           n_frames)
{
  ThreadPaths *paths;
  PathSlot *slot;
  guint32 offsets[OURO_LEDGER_ATTRIBUTE_DEPTH];
  guintptr word, end;
  guint set, index;
  guint64 key;

  if (!__atomic_load_n (&paths_enabled, __ATOMIC_RELAXED)
      || n_frames < 2 || n_frames > OURO_LEDGER_ATTRIBUTE_DEPTH || frames[0] != site
      || (paths = paths_get (TRUE)) == NULL
      || frame < paths->stack_low || frame >= paths->stack_high)
    return;

  /* Each frame's return address, in order, upward from the caller's
   * frame: the frames are in the thread's stack, outer ones higher. */
  end = MIN (paths->stack_high, frame + PATHS_SEARCH_BYTES);
  word = frame;   /* a CFA: word-aligned on every ABI */
  for (guint i = 1; i < n_frames; i++)
    {
      while (word + sizeof (guintptr) <= end && *(const guintptr *) word != frames[i])
        word += sizeof (guintptr);
      if (word + sizeof (guintptr) > end)
        return;   /* not all there (a signal stack, a frame beyond the search) */
      offsets[i] = (guint32) (word - frame);
      word += sizeof (guintptr);
    }

  /* An empty way, else the one not used last. */
  key = ouro_ledger_site_key (site, frame, PATHS_SET_BITS, &set);
  index = set * PATHS_WAYS;
  if (paths->keys[index] != 0)
    index += paths->keys[index + 1] == 0 ? 1 : 1 - paths->last_used[set];
  paths->last_used[set] = (guint8) (index - set * PATHS_WAYS);
  paths->keys[index] = key;
  slot = &paths->slots[index];
  slot->site = site;
  slot->frame = frame;
  slot->n_frames = n_frames;
  memcpy (&slot->offsets[1], &offsets[1], (n_frames - 1) * sizeof (guint32));
  memcpy (slot->frames, frames, n_frames * sizeof (guintptr));
}

void
ouro_ledger_paths_reset (gboolean enabled)
{
  __atomic_add_fetch (&paths_generation, 1, __ATOMIC_RELEASE);
  __atomic_store_n (&paths_enabled, enabled, __ATOMIC_RELAXED);
}
