/* ouro-gobject-ledger-symbols.c — the reference ledger's stacks, modules
 * and symbols: capturing a call stack when a reference is taken, telling
 * which module (executable or shared library) a call site is in, and
 * naming a call site for a person.
 *
 * Thread-safety, part by part:
 *  - capture: lock-free, on the thread taking the reference; libunwind
 *    (dlopen'd with RTLD_LOCAL, so that its _Unwind_* and backtrace
 *    symbols never interpose the program's, per-thread caching) or, without
 *    it, under valgrind or under a sanitizer that intercepts
 *    __tls_get_addr (see capture_tls_get_addr_intercepted ()), glibc's
 *    backtrace ().  Both unwind from DWARF CFI: no frame pointers needed.
 *  - modules: a map of the executable mappings of /proc/self/maps, read
 *    again (at most once a second) when an address falls outside it, under
 *    its own lock (taken alone, or under the ledger lock, never the other
 *    way round).  It never takes the dynamic loader's lock, which a thread
 *    in dlopen () holds while a constructor may call g_object_ref.
 *  - program code: whether a return address is the program's (the main
 *    executable, or a library outside the system's directories, as for
 *    the program's own types in ouro-gobject-own.c), from the module map,
 *    remembered in a direct-mapped cache that the interposers read without
 *    a lock (one word per entry, relaxed atomics).
 *  - symbols: elfutils' libdwfl over this process (function, file:line
 *    from the debug info), falling back to dladdr () (exported function +
 *    offset, library); a cache by address; its own lock, taken alone.
 *    Only reports symbolise, after the ledger lock is released.
 */
#define _GNU_SOURCE   /* dladdr (), dl_iterate_phdr () */
#include "config.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#ifdef HAVE_LIBUNWIND
# define UNW_LOCAL_ONLY
# include <libunwind.h>
#endif
#ifdef HAVE_LIBDW
# include <elfutils/libdwfl.h>
#endif
#ifdef HAVE_VALGRIND_MEMCHECK_H
# include <valgrind/valgrind.h>
#endif

#include "ouro-gobject-ledger-private.h"

/* The interposers' section (ouro-gobject-ledger-interpose.c): the linker
 * defines its bounds. */
extern const char __start_ouro_ledger_text[] __attribute__ ((visibility ("hidden")));
extern const char __stop_ouro_ledger_text[] __attribute__ ((visibility ("hidden")));

/* Frames above the caller's: the capture, the note, the interposer. */
#define CAPTURE_SLACK 8
#define MODULES_REFRESH_US G_USEC_PER_SEC

#define LEDGER_STRINGIFY(x) LEDGER_STRINGIFY2 (x)
#define LEDGER_STRINGIFY2(x) #x

typedef int (*BacktraceFunc) (void **buffer, int size);

static gsize         capture_initialized;
static BacktraceFunc capture_backtrace;
static gboolean      capture_uses_libunwind;
static guintptr      capture_own_start;   /* this module's code, when it is */
static guintptr      capture_own_end;     /* not the executable (the preload) */

/* ---- capture ---------------------------------------------------------- */

typedef struct {
  guintptr address;
  guint    index;      /* of the object dl_iterate_phdr reports next */
  gboolean found;
  gboolean is_main;
  guintptr start, end;
} CaptureModuleSearch;

/* dl_iterate_phdr callback: finds the object whose executable segments
 * hold search->address. */
static int
capture_find_module (struct dl_phdr_info *info,
                     size_t               size,
                     void                *data)
{
  CaptureModuleSearch *search = data;
  guintptr start = (guintptr) -1, end = 0;
  gboolean is_main = search->index++ == 0;

  for (guint i = 0; i < info->dlpi_phnum; i++)
    {
      const ElfW(Phdr) *phdr = &info->dlpi_phdr[i];

      if (phdr->p_type != PT_LOAD || (phdr->p_flags & PF_X) == 0)
        continue;
      start = MIN (start, info->dlpi_addr + phdr->p_vaddr);
      end = MAX (end, info->dlpi_addr + phdr->p_vaddr + phdr->p_memsz);
    }
  if (search->address >= start && search->address < end)
    {
      search->found = TRUE;
      search->is_main = is_main;
      search->start = start;
      search->end = end;
      return 1;
    }
  return 0;
}

#ifdef HAVE_LIBUNWIND
/* Whether the program's __tls_get_addr is not the dynamic linker's: a
 * sanitizer runtime (ASan, LSan, TSan, MSan, HWASan) intercepts it.  Then
 * libunwind is not loaded, for this reason:
 *
 * dlopen'd, libunwind's 16 bytes of TLS (unw_backtrace's per-thread
 * trace cache) are a dynamic TLS block, which glibc (>= 2.25) mallocs,
 * with the sanitizer's malloc, in each thread at its first unw_backtrace.
 * The interceptor then guesses the block's bounds (DTLS_on_tls_get_addr).
 * Runtimes without LLVM's fix of 2023 ("Fix tls_get_addr handling for
 * glibc >=2.25"; google/sanitizers#1322), GCC 12's (Debian 12's) among
 * them, take a block that starts 16 bytes past a page boundary for a
 * glibc 2.19 one, and read the 16 bytes in front of it as its {size,
 * start} header.
 * Under ASan those are the chunk's own header: "start" is the
 * allocation's context (thread id << 32 | stack id: on the main thread a
 * small number), "size" about 2^36.  At exit LeakSanitizer scans that
 * range as the thread's DTLS and its tracer dies at "start" ("Tracer
 * caught signal 11: addr=0x298", "LeakSanitizer has encountered a fatal
 * error") after every test passed; TSan would reset, MSan unpoison, the
 * same range.  Where the block lands depends on every allocation before
 * it, so whether and how often a run fails changes with unrelated code.
 * Loaded at startup, libunwind's TLS would be static, but linked it would
 * interpose the program's _Unwind_* functions; glibc's backtrace ()
 * allocates no TLS.  When the dynamic linker cannot be told (ld.so run
 * as a command), the sanitizers' common interface says. */
static gboolean
capture_tls_get_addr_intercepted (void)
{
  gpointer resolved = dlsym (RTLD_DEFAULT, "__tls_get_addr");
  unsigned long interpreter = getauxval (AT_BASE);
  Dl_info info;

  if (resolved == NULL || interpreter == 0 || dladdr (resolved, &info) == 0)
    return dlsym (RTLD_DEFAULT, "__sanitizer_print_stack_trace") != NULL;
  return (guintptr) info.dli_fbase != (guintptr) interpreter;
}
#endif

gboolean
ouro_ledger_capture_init (void)
{
  if (g_once_init_enter (&capture_initialized))
    {
      CaptureModuleSearch search = { .address = (guintptr) ouro_ledger_capture };

#ifdef HAVE_LIBUNWIND
      void *library = NULL;
      gboolean avoid;

      /* libunwind checks that stack memory is readable by writing it to a
       * pipe, which memcheck reports as uninitialised bytes passed to
       * write (): under valgrind, glibc's backtrace ().  Under a sanitizer
       * that intercepts __tls_get_addr, the same: its dynamic TLS block
       * can crash LeakSanitizer (capture_tls_get_addr_intercepted ()). */
      avoid = capture_tls_get_addr_intercepted ();
# ifdef HAVE_VALGRIND_MEMCHECK_H
      avoid = avoid || RUNNING_ON_VALGRIND;
# endif
      if (!avoid)
        library = dlopen ("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
      if (library == NULL && !avoid)
        library = dlopen ("libunwind.so", RTLD_NOW | RTLD_LOCAL);
      if (library != NULL)
        {
          int (*set_caching_policy) (unw_addr_space_t, unw_caching_policy_t) =
            dlsym (library, LEDGER_STRINGIFY (unw_set_caching_policy));
          unw_addr_space_t *local_space = dlsym (library, LEDGER_STRINGIFY (unw_local_addr_space));

          capture_backtrace = (BacktraceFunc) dlsym (library, "unw_backtrace");
          if (capture_backtrace != NULL && set_caching_policy != NULL && local_space != NULL)
            set_caching_policy (*local_space, UNW_CACHE_PER_THREAD);
          capture_uses_libunwind = capture_backtrace != NULL;
        }
#endif
      if (capture_backtrace == NULL)
        capture_backtrace = backtrace;

      /* The first object dl_iterate_phdr () reports is the executable:
       * when the ledger is in a library (the preload module), that
       * library's frames are Ouro's, never the program's. */
      dl_iterate_phdr (capture_find_module, &search);
      if (search.found && !search.is_main)
        {
          capture_own_start = search.start;
          capture_own_end = search.end;
        }
      g_once_init_leave (&capture_initialized, 1);
    }
  return capture_uses_libunwind;
}

static inline gboolean
capture_is_own (guintptr address)
{
  return (address >= (guintptr) __start_ouro_ledger_text
          && address < (guintptr) __stop_ouro_ledger_text)
      || (address >= capture_own_start && address < capture_own_end);
}

guint
ouro_ledger_capture (guintptr *frames,
                     guint     depth,
                     guintptr  return_address)
{
  void *raw[OURO_LEDGER_MAX_DEPTH + CAPTURE_SLACK];
  int n_raw, start = 0;
  guint n = 0;

  depth = MIN (depth, OURO_LEDGER_MAX_DEPTH);
  n_raw = capture_backtrace (raw, (int) (depth + CAPTURE_SLACK));
  /* The interposer's caller: everything before it is the ledger. */
  while (start < n_raw && (guintptr) raw[start] != return_address)
    start++;
  if (start == n_raw)
    start = 0;
  for (int i = start; i < n_raw && n < depth; i++)
    if (i == start || !capture_is_own ((guintptr) raw[i]))
      frames[n++] = (guintptr) raw[i];
  return n;
}

/* ---- library call sites that keep finding no program frame ---------- */

/* Library call sites whose stacks keep showing no program frame.  Most of
 * the references a GTK program's libraries take are taken for themselves
 * from the main loop (layout, CSS, rendering), the same few call sites
 * again and again, and unwinding 16 frames for each to find no program
 * frame was the largest cost of `ouro run` (bench/README.md).  A call
 * site is the return address into the library and the caller's stack
 * frame (its CFA): the same code reached through the same chain of calls
 * runs at the same depth, while the program's calls into it come from
 * elsewhere on the stack, so keying on both keeps them apart.  A site
 * whose last LEDGER_MISS_THRESHOLD unwinds all found no program frame is
 * unwound only once in LEDGER_MISS_RECHECK calls after that; the other
 * calls keep the library frame alone, as a miss would have.  A recheck
 * that finds a program frame starts the count again.  Direct-mapped, a
 * slot's three fields on one cache line, each an atomic word: a race
 * between threads, or two sites sharing a key, only costs an unwind more
 * or less.  16,384 slots (256 KiB): with 4,096, sites evicting each other
 * made gtk4-demo unwind 28,000 times more (69,000 against 41,000). */
#define LEDGER_MISS_BITS      14
#define LEDGER_MISS_SLOTS     (1 << LEDGER_MISS_BITS)
#define LEDGER_MISS_THRESHOLD 8
#define LEDGER_MISS_RECHECK   64
static struct {
  guint64 key;
  guint32 misses;    /* in a row, saturated at LEDGER_MISS_THRESHOLD */
  guint32 skips;     /* calls not unwound since */
} ledger_miss_sites[LEDGER_MISS_SLOTS];

gboolean
ouro_ledger_site_should_unwind (guintptr site,
                                guintptr frame)
{
  guint slot;
  guint64 key = ouro_ledger_site_key (site, frame, LEDGER_MISS_BITS, &slot);
  guint32 skips;

  if (__atomic_load_n (&ledger_miss_sites[slot].key, __ATOMIC_RELAXED) != key
      || __atomic_load_n (&ledger_miss_sites[slot].misses, __ATOMIC_RELAXED) < LEDGER_MISS_THRESHOLD)
    return TRUE;
  /* A load and a store, not a locked add: two threads counting at once
   * lose a skip, which only moves the next recheck. */
  skips = __atomic_load_n (&ledger_miss_sites[slot].skips, __ATOMIC_RELAXED) + 1;
  __atomic_store_n (&ledger_miss_sites[slot].skips, skips, __ATOMIC_RELAXED);
  return skips % LEDGER_MISS_RECHECK == 0;
}

void
ouro_ledger_site_note_unwound (guintptr site,
                               guintptr frame,
                               gboolean found)
{
  guint slot;
  guint64 key = ouro_ledger_site_key (site, frame, LEDGER_MISS_BITS, &slot);

  if (__atomic_load_n (&ledger_miss_sites[slot].key, __ATOMIC_RELAXED) != key)
    {
      __atomic_store_n (&ledger_miss_sites[slot].key, key, __ATOMIC_RELAXED);
      __atomic_store_n (&ledger_miss_sites[slot].misses, 0, __ATOMIC_RELAXED);
      __atomic_store_n (&ledger_miss_sites[slot].skips, 0, __ATOMIC_RELAXED);
    }
  if (found)
    __atomic_store_n (&ledger_miss_sites[slot].misses, 0, __ATOMIC_RELAXED);
  else if (__atomic_load_n (&ledger_miss_sites[slot].misses, __ATOMIC_RELAXED) < LEDGER_MISS_THRESHOLD)
    __atomic_add_fetch (&ledger_miss_sites[slot].misses, 1, __ATOMIC_RELAXED);
}

void
ouro_ledger_sites_reset (void)
{
  for (guint i = 0; i < LEDGER_MISS_SLOTS; i++)
    {
      __atomic_store_n (&ledger_miss_sites[i].key, 0, __ATOMIC_RELAXED);
      __atomic_store_n (&ledger_miss_sites[i].misses, 0, __ATOMIC_RELAXED);
      __atomic_store_n (&ledger_miss_sites[i].skips, 0, __ATOMIC_RELAXED);
    }
}

/* ---- modules ---------------------------------------------------------- */

static const char *
symbols_basename (const char *path)
{
  const char *slash = path != NULL ? strrchr (path, '/') : NULL;

  return slash != NULL ? slash + 1 : path;
}

typedef struct {
  guintptr start;
  guintptr end;
  guint16  module;
} ModuleRange;

static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;
static GArray     *modules_ranges;     /* ModuleRange, by start; under modules_lock */
static GHashTable *modules_ids;        /* path -> id; under modules_lock */
static gint64      modules_read_time;  /* under modules_lock */

/* Return address -> program code or not, for ouro_ledger_is_program ():
 * the address with PROGRAM_CACHE_OWN set when it is the program's, 0 when
 * empty.  User-space addresses leave the top bit free.  Written under
 * modules_lock, read without it; a slot is one word, so a reader sees an
 * old answer or a new one, and either is the answer for its address. */
#define PROGRAM_CACHE_BITS OURO_LEDGER_PROGRAM_CACHE_BITS
#define PROGRAM_CACHE_OWN  ((guintptr) 1 << (sizeof (guintptr) * 8 - 1))
guintptr ouro_ledger_program_cache[1 << PROGRAM_CACHE_BITS];

static inline guint
program_cache_slot (guintptr address)
{
  return (guint) (((guint64) address * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15))
                  >> (64 - PROGRAM_CACHE_BITS));
}

/* Requires modules_lock.  After it: the cache knows nothing (the map it
 * was filled from changed). */
static void
program_cache_clear (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (ouro_ledger_program_cache); i++)
    __atomic_store_n (&ouro_ledger_program_cache[i], 0, __ATOMIC_RELAXED);
}

/* Whether the file at @path mapped at [@start, @end) is the program's
 * code: the main executable (whose entry point it holds, wherever it is
 * installed) or a library outside the system's directories, but never
 * Ouro's own module (the preload, wherever it is built). */
static gboolean
modules_is_program (const char *path,
                    guintptr    start,
                    guintptr    end)
{
  guintptr entry = (guintptr) getauxval (AT_ENTRY);

  if (capture_own_start < end && start < capture_own_end)
    return FALSE;
  if (entry >= start && entry < end)
    return TRUE;
  return path[0] == '/' && !ouro_gobject_path_is_system (path);
}

/* Requires modules_lock.  After it: modules_ranges holds the executable
 * mappings of the process now, each with the id of its file (ids of files
 * seen before kept), and the program cache is empty. */
static void
modules_read (void)
{
  FILE *maps = fopen ("/proc/self/maps", "re");
  char line[4096];

  modules_read_time = g_get_monotonic_time ();
  program_cache_clear ();
  if (modules_ids == NULL)
    modules_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (modules_ranges == NULL)
    modules_ranges = g_array_new (FALSE, FALSE, sizeof (ModuleRange));
  g_array_set_size (modules_ranges, 0);
  if (maps == NULL)
    return;

  while (fgets (line, sizeof line, maps) != NULL)
    {
      unsigned long start, end;
      char perms[8];
      int path_offset = 0;
      char *path;
      ModuleRange range;
      gpointer id;

      if (sscanf (line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &path_offset) < 3
          || strchr (perms, 'x') == NULL || path_offset == 0)
        continue;
      path = g_strstrip (line + path_offset);
      if (*path == '\0' || *path == '[')
        continue;
      id = g_hash_table_lookup (modules_ids, path);
      if (id == NULL)
        {
          const char *name = symbols_basename (path);
          guint number = g_hash_table_size (modules_ids) + 1;

          if (number >= OURO_LEDGER_MODULE_PROGRAM)
            continue;
          if (g_str_has_prefix (name, "libglib-2.0.so") || g_str_has_prefix (name, "libgobject-2.0.so"))
            number |= OURO_LEDGER_MODULE_GLIB;
          else if (modules_is_program (path, start, end))
            number |= OURO_LEDGER_MODULE_PROGRAM;
          id = GUINT_TO_POINTER (number);
          g_hash_table_insert (modules_ids, g_strdup (path), id);
        }
      range.start = start;
      range.end = end;
      range.module = (guint16) GPOINTER_TO_UINT (id);
      g_array_append_val (modules_ranges, range);
    }
  fclose (maps);
}

/* Requires modules_lock. */
static guint16
modules_search (guintptr address)
{
  guint low = 0, high = modules_ranges->len;

  /* Invariant: a range holding @address, if any, is in [low, high). */
  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      const ModuleRange *range = &g_array_index (modules_ranges, ModuleRange, middle);

      if (address < range->start)
        high = middle;
      else if (address >= range->end)
        low = middle + 1;
      else
        return range->module;
    }
  return 0;
}

/* Requires modules_lock. */
static guint16
modules_lookup (guintptr address)
{
  guint16 module;

  if (modules_ranges == NULL)
    modules_read ();
  module = modules_search (address);
  if (module == 0 && g_get_monotonic_time () - modules_read_time >= MODULES_REFRESH_US)
    {
      modules_read ();
      module = modules_search (address);
    }
  return module;
}

guint16
ouro_ledger_module_of (guintptr address)
{
  guint16 module;

  pthread_mutex_lock (&modules_lock);
  module = modules_lookup (address);
  pthread_mutex_unlock (&modules_lock);
  return module;
}

/* Requires modules_lock.  Whether @address is the program's code, from
 * the cache or the map; remembers the answer when the map knows the
 * address (an unknown one may be a library loaded since: asked again). */
static gboolean
program_lookup (guintptr address)
{
  guintptr *slot = &ouro_ledger_program_cache[program_cache_slot (address)];
  guintptr cached = __atomic_load_n (slot, __ATOMIC_RELAXED);
  guint16 module;
  gboolean own;

  if (address != 0 && (cached & ~PROGRAM_CACHE_OWN) == address)
    return (cached & PROGRAM_CACHE_OWN) != 0;
  module = modules_lookup (address);
  /* The ledger's own frames are in the test programs' executables. */
  own = (module & OURO_LEDGER_MODULE_PROGRAM) != 0 && !capture_is_own (address);
  if (module != 0 && (address & PROGRAM_CACHE_OWN) == 0)
    __atomic_store_n (slot, address | (own ? PROGRAM_CACHE_OWN : 0), __ATOMIC_RELAXED);
  return own;
}

gboolean
ouro_ledger_is_program (guintptr address)
{
  gboolean own;

  if (ouro_ledger_program_cached (address, &own))
    return own;
  pthread_mutex_lock (&modules_lock);
  own = program_lookup (address);
  pthread_mutex_unlock (&modules_lock);
  return own;
}

gint
ouro_ledger_find_program_frame (const guintptr *frames,
                                guint           n_frames)
{
  gboolean locked = FALSE;
  gint found = -1;

  for (guint i = 0; i < n_frames && found < 0; i++)
    {
      gboolean own;

      if (!ouro_ledger_program_cached (frames[i], &own))
        {
          /* Stacks share most of their frames: one lock for the misses. */
          if (!locked)
            pthread_mutex_lock (&modules_lock);
          locked = TRUE;
          own = program_lookup (frames[i]);
        }
      if (own)
        found = (gint) i;
    }
  if (locked)
    pthread_mutex_unlock (&modules_lock);
  return found;
}

void
ouro_ledger_modules_lock (void)
{
  pthread_mutex_lock (&modules_lock);
}

void
ouro_ledger_modules_unlock (void)
{
  pthread_mutex_unlock (&modules_lock);
}

void
ouro_ledger_modules_reset (void)
{
  pthread_mutex_lock (&modules_lock);
  g_clear_pointer (&modules_ranges, g_array_unref);
  g_clear_pointer (&modules_ids, g_hash_table_unref);
  program_cache_clear ();
  pthread_mutex_unlock (&modules_lock);
}

gsize
ouro_ledger_modules_get_memory_size (void)
{
  gsize bytes;

  pthread_mutex_lock (&modules_lock);
  bytes = (modules_ranges != NULL ? modules_ranges->len * sizeof (ModuleRange) : 0)
        + (modules_ids != NULL ? g_hash_table_size (modules_ids) * 64 : 0)
        + sizeof ouro_ledger_program_cache;
  pthread_mutex_unlock (&modules_lock);
  return bytes;
}

/* ---- symbols ---------------------------------------------------------- */

static pthread_mutex_t symbols_lock = PTHREAD_MUTEX_INITIALIZER;   /* TSan sees it, not a GMutex */
static GHashTable *symbols_cache;       /* return address -> char *; under the lock */
static gsize       symbols_cache_bytes;
static gsize       symbols_fork_handler;
#ifdef HAVE_LIBDW
static Dwfl       *symbols_dwfl;        /* under the lock */
static gboolean    symbols_dwfl_failed;
static GHashTable *symbols_by_module;   /* Dwfl_Module * -> ModuleSymbols *; under the lock */
#endif

static void
symbols_fork_prepare (void)
{
  pthread_mutex_lock (&symbols_lock);
}

static void
symbols_fork_parent (void)
{
  pthread_mutex_unlock (&symbols_lock);
}

#ifdef HAVE_LIBDW
static void symbols_dwfl_end (void);
#endif

/* In the child: libdwfl's view is of the parent's process id. */
static void
symbols_fork_child (void)
{
#ifdef HAVE_LIBDW
  symbols_dwfl_end ();
#endif
  pthread_mutex_unlock (&symbols_lock);
}

#ifdef HAVE_LIBDW
/* Requires the lock.  After it: symbols_dwfl reports the modules of this
 * process now, or symbols_dwfl_failed is set. */
static void
symbols_dwfl_report (void)
{
  /* Separate debug information by build id (/usr/lib/debug/.build-id,
   * where Debian's -dbgsym packages put it), not dwfl_standard_find_debuginfo:
   * that one loads libdebuginfod (and through it libcurl and GnuTLS, whose
   * constructors leak) and may download, inside the program under test. */
  static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_build_id_find_debuginfo,
  };

  if (symbols_dwfl == NULL)
    {
      symbols_dwfl = dwfl_begin (&callbacks);
      if (symbols_dwfl == NULL)
        {
          symbols_dwfl_failed = TRUE;
          return;
        }
    }
  dwfl_report_begin_add (symbols_dwfl);
  if (dwfl_linux_proc_report (symbols_dwfl, getpid ()) != 0)
    symbols_dwfl_failed = TRUE;
  dwfl_report_end (symbols_dwfl, NULL, NULL);
}

/* A module's symbols by address, so that naming a return address is a
 * binary search: dwfl_module_addrinfo () reads the module's whole symbol
 * table for each address (libgtk's, thousands of symbols), which was a
 * quarter of gtk4-demo's exit report (45 ms for 1,600 sites).  The index
 * answers only where libdwfl's choice is plain, so that the names are
 * the same: one sized symbol holds the address and no other does, or
 * none does and no sizeless symbol (an assembly label, which libdwfl
 * would fall back to) starts at or before it.  Anything else (nested or
 * aliased symbols, where libdwfl's ties decide) is asked of libdwfl. */
typedef struct {
  Dwarf_Addr  start;
  Dwarf_Addr  end;          /* start + size */
  const char *name;         /* libelf's: valid while symbols_dwfl lives */
} SymbolRange;

typedef struct {
  SymbolRange *ranges;      /* the sized symbols, by start */
  Dwarf_Addr  *end_before;  /* [i]: the largest end of ranges[0, i) (0 for i = 0) */
  guint        n_ranges;
  Dwarf_Addr   first_sizeless;   /* the lowest start of a sizeless one; G_MAXUINT64: none */
} ModuleSymbols;

typedef enum {
  SYMBOL_FOUND,
  SYMBOL_NONE,
  SYMBOL_ASK_LIBDWFL,
} SymbolAnswer;

static void
module_symbols_free (gpointer data)
{
  ModuleSymbols *symbols = data;

  g_free (symbols->ranges);
  g_free (symbols->end_before);
  g_free (symbols);
}

/* Requires the lock.  After it: no Dwfl, no symbol index. */
static void
symbols_dwfl_end (void)
{
  g_clear_pointer (&symbols_by_module, g_hash_table_unref);
  g_clear_pointer (&symbols_dwfl, dwfl_end);
  symbols_dwfl_failed = FALSE;
}

static gint
symbol_range_compare (gconstpointer a,
                      gconstpointer b)
{
  const SymbolRange *x = a, *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

/* Requires the lock.  @module's index, made at its first use. */
static const ModuleSymbols *
module_symbols_get (Dwfl_Module *module)
{
  ModuleSymbols *symbols;
  GArray *ranges;
  Dwarf_Addr end = 0;
  int n;

  if (symbols_by_module == NULL)
    symbols_by_module = g_hash_table_new_full (NULL, NULL, NULL, module_symbols_free);
  symbols = g_hash_table_lookup (symbols_by_module, module);
  if (symbols != NULL)
    return symbols;

  symbols = g_new0 (ModuleSymbols, 1);
  symbols->first_sizeless = G_MAXUINT64;
  ranges = g_array_new (FALSE, FALSE, sizeof (SymbolRange));
  n = dwfl_module_getsymtab (module);
  for (int i = 1; i < n; i++)
    {
      GElf_Sym symbol;
      GElf_Addr address;
      GElf_Word section;
      const char *name = dwfl_module_getsym_info (module, i, &symbol, &address, &section,
                                                  NULL, NULL);
      SymbolRange range;

      /* The symbols libdwfl's own search considers. */
      if (name == NULL || *name == '\0' || section == SHN_UNDEF
          || GELF_ST_TYPE (symbol.st_info) == STT_SECTION || GELF_ST_TYPE (symbol.st_info) == STT_FILE
          || GELF_ST_TYPE (symbol.st_info) == STT_TLS)
        continue;
      if (symbol.st_size == 0)
        {
          symbols->first_sizeless = MIN (symbols->first_sizeless, address);
          continue;
        }
      range.start = address;
      range.end = address + symbol.st_size;
      range.name = name;
      g_array_append_val (ranges, range);
    }
  g_array_sort (ranges, symbol_range_compare);
  symbols->n_ranges = ranges->len;
  symbols->ranges = (SymbolRange *) (gpointer) g_array_free (ranges, FALSE);
  symbols->end_before = g_new (Dwarf_Addr, symbols->n_ranges + 1);
  for (guint i = 0; i <= symbols->n_ranges; i++)
    {
      symbols->end_before[i] = end;
      if (i < symbols->n_ranges)
        end = MAX (end, symbols->ranges[i].end);
    }
  g_hash_table_insert (symbols_by_module, module, symbols);
  return symbols;
}

/* Requires the lock.  The symbol of @module that holds @pc, when the index
 * can tell it as libdwfl would (*@name, *@offset from its start), or that
 * none does. */
static SymbolAnswer
module_symbols_find (Dwfl_Module  *module,
                     Dwarf_Addr    pc,
                     const char  **name,
                     GElf_Off     *offset)
{
  const ModuleSymbols *symbols = module_symbols_get (module);
  guint low = 0, high = symbols->n_ranges, first;

  /* Invariant: ranges before low start at or before @pc, from high on after it. */
  while (low < high)
    {
      guint middle = low + (high - low) / 2;

      if (symbols->ranges[middle].start <= pc)
        low = middle + 1;
      else
        high = middle;
    }
  if (low == 0)
    return pc < symbols->first_sizeless ? SYMBOL_NONE : SYMBOL_ASK_LIBDWFL;
  /* ranges[first, low): those that start last at or before @pc. */
  first = low - 1;
  while (first > 0 && symbols->ranges[first - 1].start == symbols->ranges[low - 1].start)
    first--;
  if (symbols->end_before[first] > pc || low - first > 1)
    return SYMBOL_ASK_LIBDWFL;   /* an enclosing symbol, or aliases */
  if (pc < symbols->ranges[first].end)
    {
      *name = symbols->ranges[first].name;
      *offset = pc - symbols->ranges[first].start;
      return SYMBOL_FOUND;
    }
  return pc < symbols->first_sizeless ? SYMBOL_NONE : SYMBOL_ASK_LIBDWFL;
}

/* Requires the lock.  The name of the call returning to @address from the
 * debug information and symbol tables, or NULL. */
static char *
symbols_from_dwfl (guintptr address)
{
  Dwarf_Addr pc = address - 1;
  Dwfl_Module *module;
  const char *function, *module_name, *file = NULL;
  GElf_Off offset = 0;
  GElf_Sym symbol;
  Dwfl_Line *line;
  int line_number = 0;
  const char *loaded_name;

  if (symbols_dwfl == NULL && !symbols_dwfl_failed)
    symbols_dwfl_report ();
  if (symbols_dwfl == NULL)
    return NULL;
  module = dwfl_addrmodule (symbols_dwfl, pc);
  if (module == NULL && !symbols_dwfl_failed)
    {
      /* Loaded since the last report. */
      symbols_dwfl_report ();
      module = dwfl_addrmodule (symbols_dwfl, pc);
    }
  if (module == NULL)
    return NULL;

  /* The name the loader knows it by ("libgtk-4.so.1"), as dladdr gives
   * it; the file's own name ("libgtk-4.so.1.1000.5") otherwise. */
  loaded_name = ouro_gobject_loaded_object_name ((gconstpointer) (address - 1));
  if (loaded_name != NULL && *loaded_name != '\0')
    module_name = symbols_basename (loaded_name);
  else
    module_name = symbols_basename (dwfl_module_info (module, NULL, NULL, NULL, NULL, NULL,
                                                      NULL, NULL));
  switch (module_symbols_find (module, pc, &function, &offset))
    {
    case SYMBOL_FOUND:
      break;
    case SYMBOL_NONE:
      function = NULL;
      break;
    case SYMBOL_ASK_LIBDWFL:
      function = dwfl_module_addrinfo (module, pc, &offset, &symbol, NULL, NULL, NULL);
      break;
    }
  line = dwfl_module_getsrc (module, pc);
  if (line != NULL)
    file = dwfl_lineinfo (line, NULL, &line_number, NULL, NULL, NULL);

  if (function != NULL && file != NULL)
    return g_strdup_printf ("%s (%s:%d)", function, symbols_basename (file), line_number);
  if (function != NULL)
    return g_strdup_printf ("%s+0x%" G_GINT64_MODIFIER "x (%s)", function,
                            (guint64) offset + 1, module_name);
  return NULL;
}
#endif

char *
ouro_ledger_symbolise (guintptr return_address)
{
  char *text = NULL;

  pthread_mutex_lock (&symbols_lock);
  if (g_once_init_enter (&symbols_fork_handler))
    {
      pthread_atfork (symbols_fork_prepare, symbols_fork_parent, symbols_fork_child);
      g_once_init_leave (&symbols_fork_handler, 1);
    }
  if (symbols_cache == NULL)
    symbols_cache = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  text = g_hash_table_lookup (symbols_cache, GSIZE_TO_POINTER (return_address));
  if (text == NULL)
    {
#ifdef HAVE_LIBDW
      text = symbols_from_dwfl (return_address);
#endif
      if (text == NULL)
        text = ouro_gobject_symbolise_dladdr (return_address);
      g_hash_table_insert (symbols_cache, GSIZE_TO_POINTER (return_address), text);
      symbols_cache_bytes += strlen (text) + 1 + 3 * sizeof (gpointer);
    }
  text = g_strdup (text);
  pthread_mutex_unlock (&symbols_lock);
  return text;
}

void
ouro_ledger_symbols_reset (void)
{
  pthread_mutex_lock (&symbols_lock);
  g_clear_pointer (&symbols_cache, g_hash_table_unref);
  symbols_cache_bytes = 0;
#ifdef HAVE_LIBDW
  symbols_dwfl_end ();
#endif
  pthread_mutex_unlock (&symbols_lock);
}

gsize
ouro_ledger_symbols_get_memory_size (void)
{
  gsize bytes;

  pthread_mutex_lock (&symbols_lock);
  bytes = symbols_cache_bytes;
  pthread_mutex_unlock (&symbols_lock);
  return bytes;
}
