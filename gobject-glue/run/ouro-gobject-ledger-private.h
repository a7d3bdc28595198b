/* ouro-gobject-ledger-private.h — the reference ledger: who holds the
 * references of a GObject that no known edge explains.
 *
 * The ledger lives in libouro_ledger_internal, which the preload module
 * (and the tests and the benchmark) link: it defines g_object_ref,
 * g_object_unref, g_object_ref_sink and the g_object_new family, so the
 * shared libouro-gobject never carries it.  See ouro-gobject-ledger.c for
 * the algorithm, the pairing policy and the thread-safety.
 *
 * MT safe: every function here may be called from any thread.
 */
#pragma once

#include "ouro-gobject-private.h"

G_BEGIN_DECLS

/* Frames a site keeps at the most (OURO_OPTIONS backtrace=N). */
#define OURO_LEDGER_MAX_DEPTH 64
/* With return addresses (backtrace=1), frames looked at for the program's
 * own code when a library took the reference (ouro-gobject-ledger-interpose.c). */
#define OURO_LEDGER_ATTRIBUTE_DEPTH 16

#define OURO_LEDGER_ERROR (ouro_ledger_error_quark ())
typedef enum {
  OURO_LEDGER_ERROR_INVALID_DEPTH,     /* backtrace depth not in 1..OURO_LEDGER_MAX_DEPTH */
  OURO_LEDGER_ERROR_NOT_INTERPOSED,    /* the program's g_object_ref is libgobject's */
  OURO_LEDGER_ERROR_ALREADY_ENABLED,   /* enabled with another depth */
} OuroLedgerError;

GQuark     ouro_ledger_error_quark   (void);

/* Starts recording, with @backtrace_depth frames per site (1: the caller's
 * return address, or, when the caller is not the program's code, the
 * stack out to the innermost program frame within
 * OURO_LEDGER_ATTRIBUTE_DEPTH; more: a stack of that many frames for every
 * reference).  Stacks come from libunwind, or glibc's backtrace () without
 * it.  Calls ouro_gobject_init () (the ledger learns of
 * finalizations from its hook) and makes the ledger the process's explain
 * function (ouro_set_explain_func ()).  Idempotent for the same depth.
 * Returns FALSE with @error set when the depth is out of range, when the
 * ledger is already on with another depth, or when the program's
 * g_object_ref, g_object_unref, g_object_ref_sink or g_object_new is not
 * this library's (link it before gobject-2.0, with export_dynamic for an
 * executable, or preload it). */
gboolean   ouro_ledger_enable        (guint     backtrace_depth,
                                      GError  **error);
/* Stops recording and forgets every record; the statistics stay. */
void       ouro_ledger_disable       (void);
gboolean   ouro_ledger_is_enabled    (void);
/* The depth it was enabled with; 0 when off. */
guint      ouro_ledger_get_depth     (void);
/* After it: every event recorded before the call, on any thread, is in
 * the per-object records (the explain function and the queries below call
 * it themselves). */
void       ouro_ledger_sync          (void);

/* One site with outstanding references of an object. */
typedef struct {
  guint        count;    /* references taken there and not released */
  const char  *kind;     /* "new", "ref" or "ref_sink" (static) */
  char       **frames;   /* symbolised, innermost first, NULL-terminated */
  gint         program_frame;  /* index in frames of the innermost frame in the
                                  program's own code; -1: none there */
} OuroLedgerSite;

void       ouro_ledger_site_free     (OuroLedgerSite *site);
/* The sites of @object's outstanding references, oldest first, each site
 * once (a GPtrArray of OuroLedgerSite that frees them); empty when none;
 * NULL when the ledger is off. */
GPtrArray *ouro_ledger_dup_sites     (gpointer object);

typedef struct {
  guint64 events;        /* new, ref, ref_sink and unref calls recorded */
  guint64 cancelled;     /* ref + unref pairs cancelled in a thread's buffer */
  guint64 paired;        /* unrefs paired with a record when applied */
  guint64 unmatched;     /* unrefs that found no record to release (invisible refs) */
  guint64 stale;         /* events dropped: their object was finalized first */
  guint   n_objects;     /* objects with outstanding records */
  guint   n_records;     /* outstanding records */
  guint   n_stacks;      /* distinct stacks (backtrace > 1) */
  guint   n_threads;     /* threads with a buffer */
  gsize   table_bytes;   /* per-object entries, free slots and finalized ones included */
  gsize   record_bytes;  /* record arrays, allocated */
  gsize   other_bytes;   /* thread buffers, stacks, module map, symbol cache */
} OuroLedgerStats;

/* Where @object was created: the innermost frame in the program's code of
 * its creation (g_object_new and its family, as the ledger saw it), named
 * as reports name sites ("grow_cache (app.c:42)"), interned; NULL when the
 * ledger saw no creation of it (off, or created before it was on).  Kept
 * from the creation to the finalization, whoever holds the object; as of
 * the events applied (ouro_ledger_sync () applies every thread's).  Takes
 * the ledger lock, then the symbols': callable under the registry lock,
 * as a snapshot's site function. */
const char *ouro_ledger_creation_site (gpointer object);
/* Whether the next ouro_ledger_enable () keeps creation sites (the
 * default): a hash-table insert and remove per object, under the ledger
 * lock, when its events are applied (bench/README.md, bench-run). */
void        ouro_ledger_keep_creation_sites (gboolean keep);

/* Fills @stats (the counters since the process started, the sizes now). */
void       ouro_ledger_get_stats     (OuroLedgerStats *stats);
/* One line for a person: "12034 events, 11230 pairs cancelled, …". */
char      *ouro_ledger_describe_statistics (void);

/* ======================================================================== */
/* Between the ledger's own files (ouro-gobject-ledger*.c) only.            */
/* ======================================================================== */
/* A library call site's key in the caches below: its return address
 * @site and its caller's stack @frame, mixed; never 0.  *@slot: its slot
 * in a cache of 2^@slot_bits. */
static inline guint64
ouro_ledger_site_key (guintptr site,
                      guintptr frame,
                      guint    slot_bits,
                      guint   *slot)
{
  guint64 key = ((guint64) site * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15))
              ^ ((guint64) frame * G_GUINT64_CONSTANT (0xC2B2AE3D27D4EB4F));

  *slot = (guint) (key >> (64 - slot_bits));
  return key | 1;
}

/* Library call sites that keep finding no program frame (see
 * ouro-gobject-ledger-symbols.c).  Whether to unwind a reference taken by
 * the library code returning to @site, from the caller's stack @frame:
 * FALSE once the last LEDGER_MISS_THRESHOLD unwinds from that site and
 * frame found no program frame, but for one call in LEDGER_MISS_RECHECK.
 * Lock-free. */
gboolean ouro_ledger_site_should_unwind (guintptr site,
                                         guintptr frame);
/* What an unwind from @site and @frame found. */
void     ouro_ledger_site_note_unwound  (guintptr site,
                                         guintptr frame,
                                         gboolean found);
/* Forgets every site (tests, and a new ledger session). */
void     ouro_ledger_sites_reset        (void);

/* Paths from a library call site out to the program's code that the
 * calling thread's stack took before (ouro-gobject-ledger-paths.c).
 * Fills @frames with the path from @site, whose caller's stack frame is
 * @frame, out to the program's frame, and returns how many, when that
 * path is on the stack again; else 0.  Lock-free, thread-local. */
guint    ouro_ledger_path_find          (guintptr  site,
                                         guintptr  frame,
                                         guintptr *frames);
/* Remembers the @n_frames @frames an unwind found from @site (frames[0])
 * and @frame out to the program's frame (the last), for the calling
 * thread. */
void     ouro_ledger_path_learn         (guintptr        site,
                                         guintptr        frame,
                                         const guintptr *frames,
                                         guint           n_frames);
/* Forgets every thread's paths (a new ledger session, tests); paths are
 * used only when @enabled (stacks come from libunwind). */
void     ouro_ledger_paths_reset        (gboolean enabled);

#ifdef OURO_LEDGER_COMPILATION

/* Under ThreadSanitizer every busy store is a full fence: TSan knows
 * nothing of membarrier (), and would see the asymmetric protocol as a
 * race. */
#if defined(__SANITIZE_THREAD__)
# define OURO_LEDGER_STRONG_FENCE_ONLY 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define OURO_LEDGER_STRONG_FENCE_ONLY 1
# endif
#endif

/* An event's kind, and flags, in the low bits of its stamp. */
enum {
  OURO_LEDGER_NEW      = 0,
  OURO_LEDGER_REF      = 1,
  OURO_LEDGER_REF_SINK = 2,
  OURO_LEDGER_UNREF    = 3,
};
#define OURO_LEDGER_KIND_MASK      3u
#define OURO_LEDGER_FLAG_FLOATING  4u    /* new: born floating; ref_sink: sank a floating ref */
#define OURO_LEDGER_FLAG_POPPABLE  8u    /* an unref right after it, same object and frame, cancels it */
#define OURO_LEDGER_FLAG_STACK     16u   /* site is an offset into the buffer's frames */
#define OURO_LEDGER_CLOCK_SHIFT    8

/* One call as its thread saw it. */
typedef struct {
  gpointer object;
  guintptr site;     /* the caller's return address; with FLAG_STACK, an offset in frames */
  guintptr frame;    /* the caller's stack frame (its CFA at the call) */
  guint64  stamp;    /* ledger clock << OURO_LEDGER_CLOCK_SHIFT | flags | kind */
} OuroLedgerEvent;

#define OURO_LEDGER_BUFFER_EVENTS 256
#define OURO_LEDGER_COUNT_SHIFT   16
#define OURO_LEDGER_COUNT_N(count)         ((guint) ((count) & 0xffff))
#define OURO_LEDGER_COUNT_CANCELLED(count) ((count) >> OURO_LEDGER_COUNT_SHIFT)

/* A thread's events not yet applied.  The owner writes events, count and
 * n_frames inside busy = 1 when frozen = 0, or under the ledger lock; any
 * other thread reads or resets them only under the ledger lock, after
 * setting frozen and seeing busy = 0 (ouro-gobject-ledger.c).  count holds
 * the events in use (low 16 bits) and the pairs cancelled in place (the
 * rest): one store for a cancellation. */
typedef struct _OuroLedgerBuffer OuroLedgerBuffer;
struct _OuroLedgerBuffer {
  gint              busy;           /* atomic */
  gint              frozen;         /* atomic */
  guint             n_frames;       /* frames in use */
  guint64           count;          /* atomic (relaxed): cancelled << 16 | events in use */
  guintptr         *frames;         /* stacks of FLAG_STACK events: depth, then frames */
  guint             frames_capacity;
  guint32           id;             /* the thread, in records; never reused */
  OuroLedgerBuffer *next;           /* the ledger's list, under its lock */
  OuroLedgerBuffer *prev;
  OuroLedgerEvent   events[OURO_LEDGER_BUFFER_EVENTS];
};

/* ---- ouro-gobject-ledger.c: state the interposers read ---------------- */

/* ouro_ledger_active: 0 when off, else the depth, with ACTIVE_STRONG when
 * owners must fence (no membarrier, or ThreadSanitizer); exactly 1 is the
 * fast path (return addresses, compiler barrier only). */
#define OURO_LEDGER_ACTIVE_DEPTH(active) ((guint) (active) & 0xff)
#define OURO_LEDGER_ACTIVE_STRONG        0x100
extern gint     ouro_ledger_active;       /* atomic */
extern guint64  ouro_ledger_clock;        /* atomic: bumped at each finalization */
extern __thread OuroLedgerBuffer *ouro_ledger_tls_buffer
  __attribute__ ((tls_model ("initial-exec")));

/* Records @event (with @n_frames @frames when it has FLAG_STACK) when the
 * fast path cannot: no buffer yet, buffer full or frozen, thread exiting. */
void     ouro_ledger_record_slow      (const OuroLedgerEvent *event,
                                       const guintptr        *frames,
                                       guint                  n_frames);

/* ---- ouro-gobject-ledger-interpose.c ----------------------------------- */

/* Returns FALSE with @error set when the program's calls to the functions
 * the ledger interposes do not reach its definitions. */
gboolean ouro_ledger_interpose_check  (GError **error);
/* Records @event in @buffer, whose owner is the caller, with busy set or
 * under the ledger lock: cancels it against the last event when it is an
 * unref that pairs exactly (policy R0).  Returns FALSE, changing nothing,
 * when the buffer has no room. */
gboolean ouro_ledger_buffer_put       (OuroLedgerBuffer      *buffer,
                                       const OuroLedgerEvent *event,
                                       const guintptr        *frames,
                                       guint                  n_frames);

/* ---- ouro-gobject-ledger-symbols.c ------------------------------------ */

/* Whether stacks come from libunwind (TRUE) or glibc's backtrace ()
 * (libunwind not installed, or under valgrind or a sanitizer that
 * intercepts __tls_get_addr: ouro-gobject-ledger-symbols.c says why). */
gboolean ouro_ledger_capture_init     (void);
/* Fills @frames with at most @depth return addresses, from the caller
 * whose return address is @return_address outward, leaving out the
 * ledger's own frames.  Returns how many. */
guint    ouro_ledger_capture          (guintptr *frames,
                                       guint     depth,
                                       guintptr  return_address);
/* The module (executable or shared library) @address lies in: a small
 * number, the same for every address of one module, with
 * OURO_LEDGER_MODULE_GLIB set for libglib-2.0 and libgobject-2.0 and
 * OURO_LEDGER_MODULE_PROGRAM for the program's code (the main executable,
 * or a library outside /lib, /lib64, /usr/lib, /usr/lib64; never Ouro's
 * own module), 0 when unknown.  Reads /proc/self/maps, never the dynamic
 * loader's lock.  Takes the module map's lock, as the functions after it
 * do: call them alone or under the ledger lock. */
#define OURO_LEDGER_MODULE_GLIB    0x8000
#define OURO_LEDGER_MODULE_PROGRAM 0x4000
guint16  ouro_ledger_module_of        (guintptr address);
void     ouro_ledger_modules_reset    (void);
/* The module map's lock, for the ledger's fork handlers only. */
void     ouro_ledger_modules_lock     (void);
void     ouro_ledger_modules_unlock   (void);
gsize    ouro_ledger_modules_get_memory_size (void);

/* Whether the call that returns to @address is the program's own code (as
 * OURO_LEDGER_MODULE_PROGRAM says; never the ledger's own frames).  A
 * lock-free cache lookup when the address was asked before. */
gboolean ouro_ledger_is_program       (guintptr address);
/* The index of the innermost of @n_frames @frames (innermost first) that
 * is the program's code, or -1 when none is. */
gint     ouro_ledger_find_program_frame (const guintptr *frames,
                                         guint           n_frames);

/* Return address -> whether it is the program's code, direct-mapped:
 * ouro-gobject-ledger-symbols.c fills it, the interposers read it. */
#define OURO_LEDGER_PROGRAM_CACHE_BITS 12
extern guintptr ouro_ledger_program_cache[1 << OURO_LEDGER_PROGRAM_CACHE_BITS];

/* Sets *@own and returns TRUE when the cache knows @address; FALSE when
 * only ouro_ledger_is_program () can tell.  Inlined into the interposers:
 * a multiply, a load and a compare. */
static inline gboolean
ouro_ledger_program_cached (guintptr  address,
                            gboolean *own)
{
  const guintptr own_bit = (guintptr) 1 << (sizeof (guintptr) * 8 - 1);
  guint slot = (guint) (((guint64) address * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> (64 - OURO_LEDGER_PROGRAM_CACHE_BITS));
  guintptr cached = __atomic_load_n (&ouro_ledger_program_cache[slot], __ATOMIC_RELAXED);

  if (address == 0 || (cached & ~own_bit) != address)
    return FALSE;
  *own = (cached & own_bit) != 0;
  return TRUE;
}
/* "function (file.c:71)", "function+0x1a (libfoo.so.1)" or "0x… (libfoo.so.1+0x…)"
 * for the call that returns to @return_address: a new string.  Takes its
 * own lock; never call it with the ledger lock held. */
char    *ouro_ledger_symbolise        (guintptr return_address);
/* Forgets the symbol cache (after a disable). */
void     ouro_ledger_symbols_reset    (void);
gsize    ouro_ledger_symbols_get_memory_size (void);

#endif /* OURO_LEDGER_COMPILATION */

G_END_DECLS
