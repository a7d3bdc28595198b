/* ouro-gobject-ledger-interpose.c — the reference ledger's view of every
 * g_object_ref, g_object_unref, g_object_ref_sink and g_object_new call
 * that reaches it, and the per-thread fast path that records them.
 *
 * MT safe.  The exported functions below forward to libgobject's own
 * (resolved in a constructor from the library that defines them, so the
 * first call is safe, with a resolving stub in case a call comes earlier).
 * With the ledger off they cost one load and one predictable branch.  With
 * it on, each call is one event appended to the calling thread's buffer
 * (ouro-gobject-ledger.c applies buffers to the per-object records), and an
 * unref that immediately follows a ref of the same object from the same
 * stack frame cancels it in place: the temporary ref/unref pair costs a
 * few stores and never reaches the shared table.
 *
 * Where a reference was taken, for a person: the caller's return address
 * when the caller is the program's own code (a lookup in a direct-mapped
 * cache, ouro_ledger_program_cached ()), which is what the program's own
 * calls cost.  When the caller is a library (GTK taking a reference on
 * the program's behalf, in gtk_widget_set_parent or g_list_store_append),
 * a short stack (OURO_LEDGER_ATTRIBUTE_DEPTH frames) is captured and kept
 * out to the innermost frame in the program's code, so that the report
 * names the program's line and shows the library frames as context; with
 * no program frame that near, the return address alone.  backtrace=N
 * keeps N frames for every reference instead.
 *
 * The buffer protocol, owner side: set busy, re-check that no applier has
 * frozen the buffer, write, clear busy.  With membarrier registered (no
 * OURO_LEDGER_ACTIVE_STRONG) the store that sets busy needs only a
 * compiler barrier; the applier's membarrier () is the other half of the
 * fence.
 * Nothing between setting and clearing busy can block, allocate or call
 * out: stacks are captured before it.  When the buffer is frozen, full or
 * not there yet, the event goes to ouro_ledger_record_slow (), which takes
 * the ledger lock.  Events are recorded before the real call: the real
 * g_object_unref can finalize, and finalization reaches the ledger again
 * (its hook) and the tracker.
 *
 * libgobject calls its own functions directly, so references it takes
 * itself (g_value_dup_object, g_weak_ref_get, toggle refs, signal
 * emission) are never seen: the report shows them as unattributed.  GTK,
 * GIO and programs call through their GOT or PLT and are seen when this
 * library precedes libgobject in the symbol search order
 * (ouro_ledger_interpose_check () says when it does not).
 *
 * The exported functions live in their own section, so that stacks can
 * leave the ledger's frames out (ouro_ledger_capture ()).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <string.h>

#include "ouro-gobject-ledger-private.h"

/* GLib defines these as type-preserving macros around the functions. */
#undef g_object_ref
#undef g_object_ref_sink

#define LEDGER_SECTION __attribute__ ((section ("ouro_ledger_text")))
#define LEDGER_INTERPOSE \
  __attribute__ ((visibility ("default"), noinline)) LEDGER_SECTION
#define LEDGER_INLINE static inline __attribute__ ((always_inline))

/* The caller's return address, and its stack frame: its stack pointer
 * before the call, which every call from one function activation shares
 * (on x86-64 arguments go in registers; see the policy's limits). */
#define LEDGER_CALLER       ((guintptr) __builtin_return_address (0))
#define LEDGER_CALLER_FRAME ((guintptr) __builtin_dwarf_cfa ())

typedef gpointer (*LedgerRefFunc)                (gpointer object);
typedef void     (*LedgerUnrefFunc)              (gpointer object);
typedef GObject *(*LedgerNewValistFunc)          (GType, const gchar *, va_list);
typedef GObject *(*LedgerNewWithPropertiesFunc)  (GType, guint, const char **, const GValue *);
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
typedef gpointer (*LedgerNewvFunc)               (GType, guint, GParameter *);
G_GNUC_END_IGNORE_DEPRECATIONS

static gpointer ledger_first_ref                 (gpointer object);
static gpointer ledger_first_ref_sink            (gpointer object);
static void     ledger_first_unref               (gpointer object);
static GObject *ledger_first_new_valist          (GType, const gchar *, va_list);
static GObject *ledger_first_new_with_properties (GType, guint, const char **, const GValue *);
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static gpointer ledger_first_newv                (GType, guint, GParameter *);
G_GNUC_END_IGNORE_DEPRECATIONS

/* libgobject's functions; until resolved, stubs that resolve them. */
static struct {
  LedgerRefFunc               ref;
  LedgerRefFunc               ref_sink;
  LedgerUnrefFunc             unref;
  LedgerNewValistFunc         new_valist;
  LedgerNewWithPropertiesFunc new_with_properties;
  LedgerNewvFunc              newv;
} real = {
  ledger_first_ref, ledger_first_ref_sink, ledger_first_unref,
  ledger_first_new_valist, ledger_first_new_with_properties, ledger_first_newv,
};

static gsize ledger_resolved;

/* After it: every field of `real` is libgobject's function. */
static void
ledger_resolve (void)
{
  static const char *const names[] = {
    "g_object_ref", "g_object_ref_sink", "g_object_unref",
    "g_object_new_valist", "g_object_new_with_properties", "g_object_newv",
  };
  gpointer found[G_N_ELEMENTS (names)];
  void *library;

  if (!g_once_init_enter (&ledger_resolved))
    return;

  /* The library the ledger links against: loaded, or we would not run. */
  library = dlopen ("libgobject-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD);
  g_assert (library != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      found[i] = dlsym (library, names[i]);
      g_assert (found[i] != NULL);
    }
  dlclose (library);

  real.ref = (LedgerRefFunc) found[0];
  real.ref_sink = (LedgerRefFunc) found[1];
  real.unref = (LedgerUnrefFunc) found[2];
  real.new_valist = (LedgerNewValistFunc) found[3];
  real.new_with_properties = (LedgerNewWithPropertiesFunc) found[4];
  real.newv = (LedgerNewvFunc) found[5];
  g_once_init_leave (&ledger_resolved, 1);
}

/* When the library is loaded: libgobject, a dependency, is initialised
 * already. */
__attribute__ ((constructor)) static void
ledger_interpose_load (void)
{
  ledger_resolve ();
}

static gpointer
ledger_first_ref (gpointer object)
{
  ledger_resolve ();
  return real.ref (object);
}

static gpointer
ledger_first_ref_sink (gpointer object)
{
  ledger_resolve ();
  return real.ref_sink (object);
}

static void
ledger_first_unref (gpointer object)
{
  ledger_resolve ();
  real.unref (object);
}

static GObject *
ledger_first_new_valist (GType type, const gchar *first, va_list args)
{
  ledger_resolve ();
  return real.new_valist (type, first, args);
}

static GObject *
ledger_first_new_with_properties (GType type, guint n, const char **names, const GValue *values)
{
  ledger_resolve ();
  return real.new_with_properties (type, n, names, values);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static gpointer
ledger_first_newv (GType type, guint n, GParameter *parameters)
{
  ledger_resolve ();
  return real.newv (type, n, parameters);
}
G_GNUC_END_IGNORE_DEPRECATIONS

gboolean
ouro_ledger_interpose_check (GError **error)
{
  static const char *const names[] = {
    "g_object_ref", "g_object_unref", "g_object_ref_sink", "g_object_new",
  };
  void *library;

  ledger_resolve ();
  library = dlopen ("libgobject-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD);
  g_assert (library != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gpointer called = dlsym (RTLD_DEFAULT, names[i]);

      if (called == NULL || called == dlsym (library, names[i]))
        {
          dlclose (library);
          g_set_error (error, OURO_LEDGER_ERROR, OURO_LEDGER_ERROR_NOT_INTERPOSED,
                       "the program's %s is libgobject-2.0's, so the reference ledger would "
                       "see nothing: link the ledger before gobject-2.0 (an executable with "
                       "-Wl,--export-dynamic), or run under `ouro run`", names[i]);
          return FALSE;
        }
    }
  dlclose (library);
  return TRUE;
}

/* ---- the buffer ------------------------------------------------------- */

/* Returns TRUE with busy set when no applier froze @buffer; FALSE, with
 * busy clear, when one did.  @light: membarrier is registered, the store
 * needs only a compiler barrier. */
LEDGER_INLINE gboolean
ledger_enter (OuroLedgerBuffer *buffer,
              gboolean          light)
{
#ifndef OURO_LEDGER_STRONG_FENCE_ONLY
  if (light)
    {
      __atomic_store_n (&buffer->busy, 1, __ATOMIC_RELAXED);
      __atomic_signal_fence (__ATOMIC_SEQ_CST);
    }
  else
#endif
    __atomic_store_n (&buffer->busy, 1, __ATOMIC_SEQ_CST);
  if (G_LIKELY (__atomic_load_n (&buffer->frozen, __ATOMIC_SEQ_CST) == 0))
    return TRUE;
  __atomic_store_n (&buffer->busy, 0, __ATOMIC_RELEASE);
  return FALSE;
}

/* After it: what the owner wrote is visible to an applier that sees busy
 * clear. */
LEDGER_INLINE void
ledger_leave (OuroLedgerBuffer *buffer)
{
  __atomic_store_n (&buffer->busy, 0, __ATOMIC_RELEASE);
}

/* R0: when @buffer's last event is a ref, ref_sink or creation of @object
 * from @frame that may be cancelled, removes it and returns TRUE: the
 * unref being recorded was its temporary's end. */
LEDGER_INLINE gboolean
ledger_buffer_cancel (OuroLedgerBuffer *buffer,
                      guint64           count,
                      gpointer          object,
                      guintptr          frame)
{
  guint n = OURO_LEDGER_COUNT_N (count);
  const OuroLedgerEvent *last;

  if (n == 0)
    return FALSE;
  last = &buffer->events[n - 1];
  if (last->object != object || last->frame != frame
      || (last->stamp & OURO_LEDGER_FLAG_POPPABLE) == 0)
    return FALSE;
  if ((last->stamp & OURO_LEDGER_FLAG_STACK) != 0)
    buffer->n_frames = (guint) last->site;
  __atomic_store_n (&buffer->count, count - 1 + (G_GUINT64_CONSTANT (1) << OURO_LEDGER_COUNT_SHIFT),
                    __ATOMIC_RELAXED);
  return TRUE;
}

/* Appends an event of @object (@site, @frame, @stamp; its stack, @n_frames
 * @frames, when @stamp has FLAG_STACK) to @buffer, whose count is @count.
 * Returns FALSE, changing nothing, when there is no room.  Takes the
 * fields one by one, so that constant kinds and flags fold away. */
LEDGER_INLINE gboolean
ledger_buffer_push (OuroLedgerBuffer *buffer,
                    guint64           count,
                    gpointer          object,
                    guintptr          site,
                    guintptr          frame,
                    guint64           stamp,
                    const guintptr   *frames,
                    guint             n_frames)
{
  guint kind = stamp & OURO_LEDGER_KIND_MASK;
  guint n = OURO_LEDGER_COUNT_N (count);
  OuroLedgerEvent *slot;

  if (n == OURO_LEDGER_BUFFER_EVENTS)
    return FALSE;
  if ((stamp & OURO_LEDGER_FLAG_STACK) != 0
      && buffer->n_frames + n_frames + 1 > buffer->frames_capacity)
    return FALSE;

  /* A ref right after its object's creation from the same frame is not a
   * temporary to cancel: `self = g_object_new (); connect (…, g_object_ref
   * (self), …); g_object_unref (self);` releases the creation (R1). */
  if ((kind == OURO_LEDGER_REF || kind == OURO_LEDGER_REF_SINK) && n > 0)
    {
      const OuroLedgerEvent *last = &buffer->events[n - 1];

      if (last->object == object && last->frame == frame
          && (last->stamp & OURO_LEDGER_KIND_MASK) == OURO_LEDGER_NEW)
        stamp &= ~(guint64) OURO_LEDGER_FLAG_POPPABLE;
    }
  if ((stamp & OURO_LEDGER_FLAG_STACK) != 0)
    {
      site = buffer->n_frames;
      buffer->frames[buffer->n_frames] = n_frames;
      memcpy (&buffer->frames[buffer->n_frames + 1], frames, n_frames * sizeof (guintptr));
      buffer->n_frames += n_frames + 1;
    }
  slot = &buffer->events[n];
  slot->object = object;
  slot->site = site;
  slot->frame = frame;
  slot->stamp = stamp;
  __atomic_store_n (&buffer->count, count + 1, __ATOMIC_RELAXED);
  return TRUE;
}

gboolean
ouro_ledger_buffer_put (OuroLedgerBuffer      *buffer,
                        const OuroLedgerEvent *event,
                        const guintptr        *frames,
                        guint                  n_frames)
{
  guint64 count = __atomic_load_n (&buffer->count, __ATOMIC_RELAXED);

  if ((event->stamp & OURO_LEDGER_KIND_MASK) == OURO_LEDGER_UNREF
      && ledger_buffer_cancel (buffer, count, event->object, event->frame))
    return TRUE;
  return ledger_buffer_push (buffer, count, event->object, event->site, event->frame, event->stamp,
                             frames, n_frames);
}

/* The slow path for an event without a stack, out of line. */
static G_GNUC_NO_INLINE void
ledger_record_slow_fields (gpointer object,
                           guintptr site,
                           guintptr frame,
                           guint64  stamp)
{
  OuroLedgerEvent event = { object, site, frame, stamp };

  ouro_ledger_record_slow (&event, NULL, 0);
}

static inline guint64
ledger_stamp (guint kind_flags)
{
  return __atomic_load_n (&ouro_ledger_clock, __ATOMIC_RELAXED) << OURO_LEDGER_CLOCK_SHIFT
       | kind_flags;
}

/* Fills @frames with the stack from @site (a return address outside the
 * program's code) out to the innermost frame in the program's code, and
 * returns how many: 0 when no program frame is within
 * OURO_LEDGER_ATTRIBUTE_DEPTH frames (the site alone will do), or when
 * @site is one that keeps finding none (ouro_ledger_site_should_unwind ()).
 * Otherwise a path this thread took before from the same site and frame, still on
 * its stack, is taken again without unwinding (ouro-gobject-ledger-paths.c). */
static inline guint
ledger_capture_to_program (guintptr *frames,
                           guintptr  site,
                           guintptr  frame)
{
  guint n;
  gint program;

  /* The skip cache first: on gtk4-demo 970,000 of 1,160,000 library
   * sites are ones that keep finding no program frame, and only 150,000
   * take a remembered path.  (A site and frame with a path is never
   * skipped: finding the program resets its misses.) */
  if (!ouro_ledger_site_should_unwind (site, frame))
    return 0;
  n = ouro_ledger_path_find (site, frame, frames);
  if (n > 0)
    return n;
  n = ouro_ledger_capture (frames, OURO_LEDGER_ATTRIBUTE_DEPTH, site);
  /* Without the caller's frame first (a tail call hid it), the stack
   * would not say where the reference was taken. */
  program = n >= 2 && frames[0] == site ? ouro_ledger_find_program_frame (frames, n) : -1;
  ouro_ledger_site_note_unwound (site, frame, program > 0);
  if (program <= 0)
    return 0;
  ouro_ledger_path_learn (site, frame, frames, (guint) program + 1);
  return (guint) program + 1;
}

/* Records a call of @kind_flags on @object by the caller at @site, whose
 * frame is @frame, whatever the ledger's mode (@active): a stack when it
 * keeps more than the return address, or, keeping the return address, when
 * @site is not the program's code and a program frame is near enough (not
 * for unrefs: only outstanding references are shown), a full fence when
 * membarrier is not there.  Out of line, so that the interposers stay a
 * branch and a jump when the ledger is off. */
static G_GNUC_NO_INLINE LEDGER_SECTION void
ledger_note_any (gpointer object,
                 guint    kind_flags,
                 guintptr site,
                 guintptr frame,
                 guint    active)
{
  guintptr frames[OURO_LEDGER_MAX_DEPTH];
  guint depth = OURO_LEDGER_ACTIVE_DEPTH (active), n_frames = 0;
  OuroLedgerEvent event = { object, site, frame, 0 };
  OuroLedgerBuffer *buffer;

  G_STATIC_ASSERT (OURO_LEDGER_ATTRIBUTE_DEPTH <= OURO_LEDGER_MAX_DEPTH);
  if ((kind_flags & OURO_LEDGER_KIND_MASK) != OURO_LEDGER_UNREF)
    {
      if (depth > 1)
        {
          n_frames = ouro_ledger_capture (frames, depth, site);
          kind_flags |= OURO_LEDGER_FLAG_STACK;
        }
      else if (!ouro_ledger_is_program (site))
        {
          /* Taken in a library on the program's behalf: the program's
           * line that led there is the site, the library's frames its
           * context. */
          n_frames = ledger_capture_to_program (frames, site, frame);
          if (n_frames > 0)
            kind_flags |= OURO_LEDGER_FLAG_STACK;
        }
    }
  event.stamp = ledger_stamp (kind_flags);

  buffer = ouro_ledger_tls_buffer;
  if (G_LIKELY (buffer != NULL)
      && ledger_enter (buffer, (active & OURO_LEDGER_ACTIVE_STRONG) == 0))
    {
      gboolean done = ouro_ledger_buffer_put (buffer, &event, frames, n_frames);

      ledger_leave (buffer);
      if (G_LIKELY (done))
        return;
    }
  ouro_ledger_record_slow (&event, frames, n_frames);
}

/* Records a creation, ref or ref_sink (@kind_flags) of @object by the
 * caller at @site, whose frame is @frame.  The fast path (return
 * addresses, membarrier: @active is 1, and a caller the program cache
 * knows as the program's code) is inlined into the interposers, whose
 * disabled path stays a load, a branch and a jump (the compiler keeps
 * this path's frame out of it). */
LEDGER_INLINE void
ledger_note_take (gpointer object,
                  guint    kind_flags,
                  guintptr site,
                  guintptr frame,
                  guint    active)
{
  guint64 stamp;
  OuroLedgerBuffer *buffer;
  gboolean own;

  if (active != 1 || !ouro_ledger_program_cached (site, &own) || !own)
    {
      ledger_note_any (object, kind_flags, site, frame, active);
      return;
    }
  stamp = ledger_stamp (kind_flags & ~OURO_LEDGER_FLAG_STACK);
  buffer = ouro_ledger_tls_buffer;
  if (G_LIKELY (buffer != NULL) && ledger_enter (buffer, TRUE))
    {
      gboolean done = ledger_buffer_push (buffer, __atomic_load_n (&buffer->count, __ATOMIC_RELAXED),
                                          object, site, frame, stamp, NULL, 0);

      ledger_leave (buffer);
      if (G_LIKELY (done))
        return;
    }
  ledger_record_slow_fields (object, site, frame, stamp);
}

/* Records an unref of @object by the caller at @site, whose frame is
 * @frame: cancels the temporary it ends (R0), or appends it.  Inlined, as
 * ledger_note_take (). */
LEDGER_INLINE void
ledger_note_unref (gpointer object,
                   guintptr site,
                   guintptr frame,
                   guint    active)
{
  OuroLedgerBuffer *buffer;

  if (active != 1)
    {
      ledger_note_any (object, OURO_LEDGER_UNREF, site, frame, active);
      return;
    }
  buffer = ouro_ledger_tls_buffer;
  if (G_LIKELY (buffer != NULL) && ledger_enter (buffer, TRUE))
    {
      guint64 count = __atomic_load_n (&buffer->count, __ATOMIC_RELAXED);
      gboolean done = ledger_buffer_cancel (buffer, count, object, frame)
                   || ledger_buffer_push (buffer, count, object, site, frame,
                                          ledger_stamp (OURO_LEDGER_UNREF), NULL, 0);

      ledger_leave (buffer);
      if (G_LIKELY (done))
        return;
    }
  ledger_record_slow_fields (object, site, frame, ledger_stamp (OURO_LEDGER_UNREF));
}

/* The ledger's mode (ouro_ledger_active), 0 when it is off. */
LEDGER_INLINE guint
ledger_active (void)
{
  return (guint) __atomic_load_n (&ouro_ledger_active, __ATOMIC_RELAXED);
}

/* Records the creation of @object (a new object, or NULL on failure). */
LEDGER_INLINE void
ledger_note_new (gpointer object,
                 guintptr site,
                 guintptr frame)
{
  guint active = ledger_active ();

  if (G_UNLIKELY (active != 0) && object != NULL)
    ledger_note_take (object,
                      OURO_LEDGER_NEW | OURO_LEDGER_FLAG_POPPABLE
                      | (g_object_is_floating (object) ? OURO_LEDGER_FLAG_FLOATING : 0),
                      site, frame, active);
}

/* ---- the interposed functions ----------------------------------------- */

LEDGER_INTERPOSE gpointer
g_object_ref (gpointer object)
{
  guint active = ledger_active ();

  if (G_UNLIKELY (active != 0) && object != NULL)
    ledger_note_take (object, OURO_LEDGER_REF | OURO_LEDGER_FLAG_POPPABLE,
                      LEDGER_CALLER, LEDGER_CALLER_FRAME, active);
  return real.ref (object);
}

LEDGER_INTERPOSE void
g_object_unref (gpointer object)
{
  guint active = ledger_active ();

  if (G_UNLIKELY (active != 0) && object != NULL)
    ledger_note_unref (object, LEDGER_CALLER, LEDGER_CALLER_FRAME, active);
  real.unref (object);
}

/* On a floating object the sink takes over the floating reference (the
 * refcount does not change): the ledger moves the creation's record to
 * the sinker.  On any other object it is a ref. */
LEDGER_INTERPOSE gpointer
g_object_ref_sink (gpointer object)
{
  guint active = ledger_active ();

  if (G_UNLIKELY (active != 0) && object != NULL)
    {
      gboolean floating = g_object_is_floating (object);

      ledger_note_take (object,
                        OURO_LEDGER_REF_SINK
                        | (floating ? OURO_LEDGER_FLAG_FLOATING : OURO_LEDGER_FLAG_POPPABLE),
                        LEDGER_CALLER, LEDGER_CALLER_FRAME, active);
    }
  return real.ref_sink (object);
}

LEDGER_INTERPOSE gpointer
g_object_new (GType        object_type,
              const gchar *first_property_name,
              ...)
{
  GObject *object;
  va_list args;

  va_start (args, first_property_name);
  object = real.new_valist (object_type, first_property_name, args);
  va_end (args);
  ledger_note_new (object, LEDGER_CALLER, LEDGER_CALLER_FRAME);
  /* Objects whose class skips constructed (ouro-gobject-creation.c). */
  ouro_gobject_track_created (object);
  return object;
}

LEDGER_INTERPOSE GObject *
g_object_new_valist (GType        object_type,
                     const gchar *first_property_name,
                     va_list      var_args)
{
  GObject *object = real.new_valist (object_type, first_property_name, var_args);

  ledger_note_new (object, LEDGER_CALLER, LEDGER_CALLER_FRAME);
  /* Objects whose class skips constructed (ouro-gobject-creation.c). */
  ouro_gobject_track_created (object);
  return object;
}

LEDGER_INTERPOSE GObject *
g_object_new_with_properties (GType          object_type,
                              guint          n_properties,
                              const char    *names[],
                              const GValue   values[])
{
  GObject *object = real.new_with_properties (object_type, n_properties, names, values);

  ledger_note_new (object, LEDGER_CALLER, LEDGER_CALLER_FRAME);
  /* Objects whose class skips constructed (ouro-gobject-creation.c). */
  ouro_gobject_track_created (object);
  return object;
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
LEDGER_INTERPOSE gpointer
g_object_newv (GType       object_type,
               guint       n_parameters,
               GParameter *parameters)
{
  gpointer object = real.newv (object_type, n_parameters, parameters);

  ledger_note_new (object, LEDGER_CALLER, LEDGER_CALLER_FRAME);
  /* Objects whose class skips constructed (ouro-gobject-creation.c). */
  ouro_gobject_track_created (object);
  return object;
}
G_GNUC_END_IGNORE_DEPRECATIONS
